// SPDX-License-Identifier: Apache-2.0
/*
 * What does keeping process context cost? Four measurements in one run:
 *
 *  1. user space, per lifecycle event: decode + process-table apply of
 *     synthetic fork, exec and exit records (the table holding 10,000
 *     processes at its peak), and of a syscall record of a known process;
 *  2. process-table memory per 10,000 processes, synthetic: the table's own
 *     count (vg_proctab_mem) and the heap growth (mallinfo2);
 *  3. the same, real: `vigil run` watches 10,000 sleeping processes appear;
 *     its RSS growth, and its table's size at exit (--stats);
 *  4. an exec storm (5,000 fork+exec of /bin/true from two workers) under
 *     `vigil run`, with BPF run-time statistics on (BPF_ENABLE_STATS, the
 *     syscall behind kernel.bpf_stats_enabled): ns per run of the exec,
 *     fork and exit programs; the agent's CPU per fork+exec+exit; and the
 *     most exited-process entries the table held at once (they stay only
 *     while their records may be in flight), evictions and losses.
 *
 * usage: ctxbench [VIGIL_BINARY]   (root; default build/vigil)
 */
#include <bpf/bpf.h>
#include <dirent.h>
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BENCH_NAME "ctxbench"
#include "bench.h"
#include "../tests/synth.h"
#include "pipeline/event.h"
#include "pipeline/proctab.h"

#define LIVE 10000	  /* processes in the memory measurements */
#define ROUNDS 20	  /* of LIVE fork/exec/exit in the user-space timing */
#define STORM 5000	  /* fork+exec in the storm */
#define FAKE 0x7f000000u /* synthetic pids, above any pid_max */

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* ---- synthetic records (tests/synth.h), packed into a stream ---- */

/* A typical exec: a 20-byte path, four arguments, a 20-byte cwd. */
static void rec_exec(struct synth_rec *r, uint32_t pid, uint32_t ppid, uint64_t start)
{
	static const char exe[] = "/usr/bin/python3.11", cwd[] = "/home/alice/project";
	static const char argv[] = "python3\0-m\0http.server\0--bind\0127.0.0.1";

	synth_init(r, VG_EV_PROC_EXEC, sizeof(struct vg_exec_event));
	synth_task(&r->exec.task, pid, ppid, start, "python3");
	r->exec.old_pid = pid;
	r->exec.str[VG_EXEC_FILENAME] = synth_data(r, exe, sizeof(exe) - 1);
	r->exec.str[VG_EXEC_EXE] = synth_data(r, exe, sizeof(exe) - 1);
	r->exec.str[VG_EXEC_ARGS] = synth_data(r, argv, sizeof(argv));
	r->exec.str[VG_EXEC_CWD] = synth_data(r, cwd, sizeof(cwd) - 1);
}

static void rec_fork(struct synth_rec *r, uint32_t parent, uint64_t pstart, uint32_t child,
		     uint64_t cstart)
{
	synth_init(r, VG_EV_PROC_FORK, sizeof(struct vg_fork_event));
	synth_task(&r->fork.task, parent, 1, pstart, "bash");
	r->fork.child_pid = r->fork.child_tid = child;
	r->fork.child_start_ns = cstart;
}

static void rec_exit(struct synth_rec *r, uint32_t pid, uint32_t ppid, uint64_t start, uint64_t ts)
{
	synth_init(r, VG_EV_PROC_EXIT, sizeof(struct vg_exit_event));
	synth_task(&r->exit.task, pid, ppid, start, "python3");
	r->hdr.ts = ts;
}

static void rec_open(struct synth_rec *r, uint32_t pid, uint32_t ppid, uint64_t start)
{
	static const char path[] = "/etc/hosts";

	synth_init(r, VG_EV_SYS_openat, sizeof(struct vg_sys_event));
	synth_task(&r->sys.task, pid, ppid, start, "python3");
	r->sys.ret = 3;
	r->sys.str[0] = synth_data(r, path, sizeof(path) - 1);
	r->sys.str[1] = synth_data(r, path, sizeof(path) - 1);
	r->sys.nstr = 2;
	r->sys.path_slot = 1;
}

/* decode + apply, as the agent's consumer does */
static void feed(struct vg_proctab *pt, const void *rec, size_t len)
{
	struct vg_event ev;

	if (vg_decode(rec, len, &ev) || (!vg_proctab_apply(pt, &ev) && ev.type != VG_EV_PROC_EXIT))
		bench_die("synthetic record refused");
}

/* LIVE records one after the other, 8-byte aligned, as in a ring */
struct stream {
	unsigned char *buf;
	size_t off[LIVE], len[LIVE], used;
};

static void stream_put(struct stream *st, int i, const struct synth_rec *r)
{
	st->off[i] = st->used;
	st->len[i] = r->len;
	memcpy(st->buf + st->used, r->bytes, r->len);
	st->used += (r->len + 7) & ~(size_t)7;
}

/* ns to feed the whole stream */
static double stream_feed(struct vg_proctab *pt, const struct stream *st)
{
	double t0 = now_ns();

	for (int i = 0; i < LIVE; i++)
		feed(pt, st->buf + st->off[i], st->len[i]);
	return now_ns() - t0;
}

/* ---- 1 and 2: user space, synthetic ---- */

static void bench_user(void)
{
	static struct stream st;
	static struct synth_rec r;
	double t_fork = 0, t_exec = 0, t_exit = 0, t_open = 0, t0;
	struct vg_proctab *pt = vg_proctab_new(0, 1);
	const uint32_t parent = FAKE;
	uint64_t start = 1000;

	st.buf = malloc(LIVE * 1024);
	if (!pt || !st.buf)
		bench_die("allocating");
	rec_exec(&r, parent, 1, 1);
	feed(pt, r.bytes, r.len);
	for (int round = 0; round < ROUNDS; round++) {
		uint64_t base = start;

		st.used = 0;
		for (int i = 0; i < LIVE; i++) {
			rec_fork(&r, parent, 1, FAKE + 1 + i, base + i);
			stream_put(&st, i, &r);
		}
		t_fork += stream_feed(pt, &st);
		st.used = 0;
		for (int i = 0; i < LIVE; i++) {
			rec_exec(&r, FAKE + 1 + i, parent, base + i);
			stream_put(&st, i, &r);
		}
		t_exec += stream_feed(pt, &st);
		st.used = 0;
		for (int i = 0; i < LIVE; i++) {
			rec_open(&r, FAKE + 1 + i, parent, base + i);
			stream_put(&st, i, &r);
		}
		t_open += stream_feed(pt, &st);
		st.used = 0;
		for (int i = 0; i < LIVE; i++) {
			rec_exit(&r, FAKE + 1 + i, parent, base + i, base + LIVE + i);
			stream_put(&st, i, &r);
		}
		t_exit += stream_feed(pt, &st);
		/* the syscall ring read past these exits: reaped, as the agent does */
		t0 = now_ns();
		vg_proctab_reap(pt, base + 3 * LIVE);
		t_exit += now_ns() - t0;
		start += 4 * LIVE;
	}
	printf("user space, decode + process table, per record (table of up to %d processes, "
	       "%d rounds):\n",
	       LIVE, ROUNDS);
	printf("  fork   %6.0f ns   (a new entry, the parent's exe/args/cwd copied)\n",
	       t_fork / (ROUNDS * LIVE));
	printf("  exec   %6.0f ns   (exe, argv, cwd, tty replaced)\n", t_exec / (ROUNDS * LIVE));
	printf("  exit   %6.0f ns   (marked, queued, reaped)\n", t_exit / (ROUNDS * LIVE));
	printf("  openat %6.0f ns   (a syscall record: lookup of a known process)\n",
	       t_open / (ROUNDS * LIVE));
	printf("  => keeping context costs %.0f ns per fork+exec+exit\n",
	       (t_fork + t_exec + t_exit) / (ROUNDS * LIVE));
	vg_proctab_free(pt);
	free(st.buf);
}

static void bench_mem_synthetic(void)
{
	struct vg_proctab *pt = vg_proctab_new(0, 1);
	static struct synth_rec r;
	size_t mem0, heap0;

	if (!pt)
		bench_die("proctab");
	mem0 = vg_proctab_mem(pt);
	heap0 = mallinfo2().uordblks;
	for (int i = 0; i < LIVE; i++) {
		rec_fork(&r, FAKE, 1, FAKE + 1 + i, 100 + i);
		feed(pt, r.bytes, r.len);
		rec_exec(&r, FAKE + 1 + i, FAKE, 100 + i);
		feed(pt, r.bytes, r.len);
	}
	printf("process table memory, synthetic (%d exec'd processes, 19-byte exe, 5 args, "
	       "19-byte cwd):\n",
	       LIVE);
	printf("  entries and strings %7zu KiB per 10,000 (%zu bytes each)\n",
	       (vg_proctab_mem(pt) - mem0) * 10000 / LIVE / 1024, (vg_proctab_mem(pt) - mem0) / LIVE);
	printf("  heap growth         %7zu KiB per 10,000 (malloc's own overhead included)\n",
	       (mallinfo2().uordblks - heap0) * 10000 / LIVE / 1024);
	vg_proctab_free(pt);
}

/* ---- 3 and 4: the real agent ---- */

static long rss_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib;
}

static void bench_mem_live(const char *bin)
{
	static pid_t kids[LIVE];
	struct bench_agent a;
	long rss0, rss1;

	bench_agent_start(&a, bin, NULL, -1);
	rss0 = rss_kib(a.pid);
	for (int i = 0; i < LIVE; i++) {
		kids[i] = fork();
		if (kids[i] < 0)
			bench_die("fork");
		if (kids[i] == 0) {
			pause();
			_exit(0);
		}
	}
	/* the agent drains its rings every 50 ms: 2 s is plenty */
	sleep(2);
	rss1 = rss_kib(a.pid);
	bench_agent_stop(&a);
	for (int i = 0; i < LIVE; i++)
		kill(kids[i], SIGKILL);
	for (int i = 0; i < LIVE; i++)
		waitpid(kids[i], NULL, 0);
	printf("process table memory, real (`vigil run` while %d sleeping processes start):\n", LIVE);
	printf("  agent RSS growth    %7ld KiB per 10,000\n", (rss1 - rss0) * 10000 / LIVE);
	printf("  table at exit       %lld live entries, %lld bytes (%lld per entry)\n",
	       bench_stat(&a, "stats: process table:", "table: "),
	       bench_stat(&a, "stats: process table:", "evicted, "),
	       bench_stat(&a, "stats: process table:", "evicted, ") /
		       (bench_stat(&a, "stats: process table:", "table: ") + 1));
}

struct progstat {
	unsigned id;
	char name[16];
	unsigned long long ns, cnt;
};

/* run_time_ns/run_cnt of the agent's programs, found through its fds. */
static int prog_stats(pid_t pid, struct progstat *out, int max)
{
	char path[64], line[128];
	struct dirent *d;
	DIR *dir;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo", pid);
	dir = opendir(path);
	if (!dir)
		bench_die("opendir fdinfo");
	while ((d = readdir(dir)) && n < max) {
		char p2[320];
		unsigned id = 0;
		FILE *f;

		snprintf(p2, sizeof(p2), "%s/%s", path, d->d_name);
		f = fopen(p2, "r");
		while (f && fgets(line, sizeof(line), f))
			if (sscanf(line, "prog_id: %u", &id) == 1)
				break;
		if (f)
			fclose(f);
		/* a program's fd and its link's both name it: count it once */
		for (int i = 0; id && i < n; i++)
			if (out[i].id == id)
				id = 0;
		if (id) {
			struct bpf_prog_info info;
			__u32 len = sizeof(info);
			int fd = bpf_prog_get_fd_by_id(id);

			memset(&info, 0, sizeof(info));
			if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len)) {
				out[n].id = id;
				snprintf(out[n].name, sizeof(out[n].name), "%s", info.name);
				out[n].ns = info.run_time_ns;
				out[n].cnt = info.run_cnt;
				n++;
			}
			if (fd >= 0)
				close(fd);
		}
	}
	closedir(dir);
	return n;
}

/* Share of the machine's CPU time not idle over one second: it is shared. */
static double busy_pct(void)
{
	unsigned long long v[2][8];

	for (int k = 0; k < 2; k++) {
		FILE *f = fopen("/proc/stat", "r");

		memset(v[k], 0, sizeof(v[k]));
		if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[k][0], &v[k][1],
				 &v[k][2], &v[k][3], &v[k][4], &v[k][5], &v[k][6], &v[k][7]) != 8)
			bench_die("reading /proc/stat");
		fclose(f);
		if (!k)
			sleep(1);
	}
	{
		unsigned long long all = 0, idle = v[1][3] + v[1][4] - v[0][3] - v[0][4];

		for (int i = 0; i < 8; i++)
			all += v[1][i] - v[0][i];
		return all ? 100.0 * (double)(all - idle) / (double)all : 0;
	}
}

static void bench_storm(const char *bin)
{
	static const char *const progs[] = { "vg_proc_exec", "vg_proc_fork", "vg_proc_exit",
					     "vg_sys_exit" };
	struct progstat before[64], after[64];
	unsigned long long execs = 0;
	int nb, na, stats_fd;
	struct bench_agent a;
	double t0, t1, c0, c1;
	pid_t w[2];

	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd < 0)
		bench_die("BPF_ENABLE_STATS");
	bench_agent_start(&a, bin, NULL, -1);
	nb = prog_stats(a.pid, before, 64);
	c0 = bench_cpu_s(a.pid);
	t0 = now_ns();
	for (int i = 0; i < 2; i++) {
		w[i] = fork();
		if (w[i] == 0) {
			bench_fork_exec_true(STORM / 2);
			_exit(0);
		}
	}
	for (int i = 0; i < 2; i++)
		waitpid(w[i], NULL, 0);
	t1 = now_ns();
	/* let the agent read the last records */
	usleep(300000);
	c1 = bench_cpu_s(a.pid);
	na = prog_stats(a.pid, after, 64);
	bench_agent_stop(&a);
	close(stats_fd);

	printf("exec storm: %d fork+exec of /bin/true from 2 workers, %.0f execs/s, under `vigil run`"
	       " (bundled rules):\n",
	       STORM, STORM / ((t1 - t0) / 1e9));
	for (size_t k = 0; k < sizeof(progs) / sizeof(progs[0]); k++)
		for (int i = 0; i < na; i++) {
			unsigned long long ns = after[i].ns, cnt = after[i].cnt;

			if (strcmp(after[i].name, progs[k]))
				continue;
			for (int j = 0; j < nb; j++)
				if (!strcmp(before[j].name, after[i].name)) {
					ns -= before[j].ns;
					cnt -= before[j].cnt;
				}
			printf("  kernel %-13s %6.0f ns per run (%llu runs, the whole host's)\n",
			       progs[k], cnt ? (double)ns / (double)cnt : 0.0, cnt);
			if (!strcmp(progs[k], "vg_proc_exec"))
				execs = cnt;
		}
	printf("  agent CPU           %6.1f us per fork+exec+exit of the host (all of it: decode, "
	       "table, rules, output)\n",
	       (c1 - c0) * 1e6 / (double)(execs ? execs : STORM));
	printf("  exited entries      peak %lld held at once (%lld evicted before their time)\n",
	       bench_stat(&a, "stats: process table:", "peak "),
	       bench_stat(&a, "stats: process table:", "swept, "));
	printf("  lifecycle ring      %lld records lost; syscall ring %lld lost\n",
	       bench_stat(&a, "stats: rings:", ", lost "),
	       bench_stat(&a, "stats: rings:", "syscall lost "));
}

int main(int argc, char **argv)
{
	const char *bin = argc > 1 ? argv[1] : "build/vigil";

	if (geteuid() != 0) {
		fprintf(stderr, "ctxbench: run as root (it loads vigil)\n");
		return 1;
	}
	if (access(bin, X_OK))
		bench_die(bin);
	printf("machine busy before the run: %.0f%% of its CPU time\n", busy_pct());
	bench_user();
	bench_mem_synthetic();
	bench_mem_live(bin);
	bench_storm(bin);
	return 0;
}
