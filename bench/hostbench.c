// SPDX-License-Identifier: Apache-2.0
/*
 * What does a host pay for vigil, on the traffic hosts make? Each workload
 * runs under four configurations, side by side and interleaved in one run:
 *   none    nothing attached
 *   floor   empty programs on the raw sys_enter and sys_exit and on
 *           sched_process_exec/fork/exit: the floor of an agent that sees
 *           every syscall at both ends, as issue #12 set it (vigil itself
 *           attaches no raw sys_enter program with the bundled rules)
 *   vigil   `vigil run` with the bundled rules, filtering in the kernel
 *   user    the same with `--filter user` (a classic user-space agent)
 * Workloads: open+close of a file no rule names (/tmp), of /etc/hostname,
 * of a file below /home/<user>/; getppid (nothing traces it); UDP sendto to
 * a loopback port; TCP connect+close to a loopback listener; fork+exec of
 * /bin/true; and a mixed workload (a shell script driving git over a small
 * repository, reading /etc, listing /usr/bin, spawning shells) measured as
 * its wall time and the whole machine's busy CPU (host_busy_s).
 *
 * Per cell: ns per operation (median of the rounds), its ratio to none, the
 * cost added over none as a multiple of the floor's, the agent's CPU per
 * million operations, the records that reached user space, losses. Then one
 * more pass with the kernel's BPF run-time statistics on (kept out of the
 * timed rounds: collecting them costs two clock reads per program run):
 * ns per run and runs per operation of each of vigil's programs, and of the
 * empty ones.
 *
 * usage: hostbench [--rounds N] [--quick] [VIGIL_BINARY]  (root; default
 *        build/vigil). --quick divides the operation counts by 20, to check
 *        that the bench works; its figures are noise.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define BENCH_NAME "hostbench"
#include "bench.h"
#include "bench.skel.h"

enum cfg { CFG_NONE, CFG_FLOOR, CFG_VIGIL, CFG_USER, CFG_MAX };
static const char *const cfg_name[CFG_MAX] = { "none", "floor", "vigil", "user" };

enum wl {
	WL_OPEN_TMP,
	WL_OPEN_ETC,
	WL_OPEN_HOME,
	WL_GETPPID,
	WL_UDP,
	WL_CONNECT,
	WL_EXEC,
	WL_MIXED,
	WL_MAX
};
static const char *const wl_name[WL_MAX] = {
	"open+close /tmp file", "open+close /etc/hostname", "open+close /home file",
	"getppid",		"udp sendto",		    "tcp connect+close",
	"fork+exec /bin/true",	"mixed (git, sh, /etc)",
};
static long wl_iters[WL_MAX] = { 200000, 200000, 200000, 1000000, 200000, 20000, 1000, 1 };

#define MAX_ROUNDS 15
#define WORK_DIR "/tmp/vigil-hostbench"
#define TMP_FILE WORK_DIR "/plain.file"
#define HOME_DIR "/home/vigil-hostbench"
#define HOME_FILE HOME_DIR "/notes.txt"

struct sample {
	double ns_op;	/* for mixed: wall ns of the whole script */
	double cpu_s;	/* agent CPU during the workload */
	double host_s;	/* whole machine's busy CPU during the workload */
	double records; /* reaching user space during the agent's life */
	double lost;
};

static struct sample res[WL_MAX][CFG_MAX][MAX_ROUNDS];
static int rounds = 5;
static int last_cpu;
static int tcp_port, udp_port;

/* ---- workloads, in a child pinned to the last CPU ---- */

static void do_open(const char *path, long n)
{
	for (long i = 0; i < n; i++) {
		int fd = open(path, O_RDONLY);

		if (fd < 0)
			bench_die(path);
		close(fd);
	}
}

static void do_getppid(long n)
{
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
}

static void do_udp(long n)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(udp_port) };
	char buf[64] = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0)
		bench_die("udp socket");
	/* an unconnected socket: every datagram carries its destination, the
	 * case an agent must look at */
	for (long i = 0; i < n; i++)
		if (sendto(s, buf, sizeof(buf), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0 &&
		    errno != ENOBUFS && errno != EAGAIN)
			bench_die("sendto");
	close(s);
}

/* The mixed workload: what a developer's or CI host does all day. */
static const char mixed_script[] =
	"set -e\n"
	"cd " WORK_DIR "\n"
	"rm -rf repo && mkdir repo && cd repo\n"
	"git init -q . && git config user.email bench@example.org && git config user.name bench\n"
	"for i in $(seq 1 30); do\n"
	"  echo \"line $i\" >> \"file$((i % 7)).txt\"\n"
	"  git add -A && git commit -qm \"change $i\"\n"
	"  git log --oneline | wc -l > /dev/null\n"
	"  git status --short > /dev/null\n"
	"  cat /etc/hostname /etc/passwd /etc/hosts > /dev/null\n"
	"  grep -q root /etc/passwd\n"
	"  ls /usr/bin > /dev/null\n"
	"  for j in 1 2 3; do sh -c true; done\n"
	"done\n"
	"git gc -q > /dev/null 2>&1\n";

static void do_mixed(void)
{
	pid_t p = fork();
	int st;

	if (p == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		execl("/bin/sh", "sh", "-c", mixed_script, (char *)NULL);
		_exit(127);
	}
	if (p < 0 || waitpid(p, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		bench_die("the mixed workload (needs git)");
}

/*
 * Busy CPU seconds of the whole machine so far: what every task ran, BPF
 * programs included (they run in the task they trace). From the root
 * cgroup's CPU accounting where there is one: cgroup v1's cpuacct.usage is
 * kept in ns from the scheduler's clock, cgroup v2's root cpu.stat in us;
 * else /proc/stat, whose ticks (10 ms) cannot resolve the mixed workload's
 * differences. host_src says which was read.
 */
static const char *host_src;

/* The number that format `fmt` reads from the first of `paths` that has
 * one, times `scale`, with host_src set to that file; -1 when none has. */
static double first_counter(const char *const *paths, size_t n, const char *fmt, double scale)
{
	unsigned long long v;

	for (size_t i = 0; i < n; i++) {
		FILE *f = fopen(paths[i], "r");
		int ok;

		if (!f)
			continue;
		ok = fscanf(f, fmt, &v) == 1;
		fclose(f);
		if (ok) {
			host_src = paths[i];
			return (double)v * scale;
		}
	}
	return -1;
}

static double host_busy_s(void)
{
	static const char *const acct[] = { "/sys/fs/cgroup/cpuacct/cpuacct.usage",
					    "/sys/fs/cgroup/cpu,cpuacct/cpuacct.usage" };
	static const char *const v2[] = { "/sys/fs/cgroup/cpu.stat",
					  "/sys/fs/cgroup/unified/cpu.stat" };
	unsigned long long v[10] = { 0 };
	double x;
	FILE *f;

	x = first_counter(acct, sizeof(acct) / sizeof(acct[0]), "%llu", 1e-9);
	if (x < 0)
		x = first_counter(v2, sizeof(v2) / sizeof(v2[0]), "usage_usec %llu", 1e-6);
	if (x >= 0)
		return x;
	f = fopen("/proc/stat", "r");
	if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
			 &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
		bench_die("/proc/stat");
	fclose(f);
	host_src = "/proc/stat";
	/* user nice system [idle iowait] irq softirq steal */
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)sysconf(_SC_CLK_TCK);
}

static void workload(enum wl w)
{
	switch (w) {
	case WL_OPEN_TMP:
		do_open(TMP_FILE, wl_iters[w]);
		break;
	case WL_OPEN_ETC:
		do_open("/etc/hostname", wl_iters[w]);
		break;
	case WL_OPEN_HOME:
		do_open(HOME_FILE, wl_iters[w]);
		break;
	case WL_GETPPID:
		do_getppid(wl_iters[w]);
		break;
	case WL_UDP:
		do_udp(wl_iters[w]);
		break;
	case WL_CONNECT:
		bench_connect_loop(tcp_port, wl_iters[w]);
		break;
	case WL_EXEC:
		bench_fork_exec_true(wl_iters[w]);
		break;
	case WL_MIXED:
		do_mixed();
		break;
	default:
		break;
	}
}

static void workload_fn(void *w)
{
	workload(*(enum wl *)w);
}

/* Run workload w in a child pinned to the last CPU (the mixed one is left
 * free to use the machine, as a real job would); ns per operation. */
static double run_workload(enum wl w)
{
	return bench_run_pinned(w == WL_MIXED ? -1 : last_cpu, workload_fn, &w, wl_iters[w],
				wl_name[w]);
}

/* ---- configurations ---- */

struct setup {
	struct bpf_link *links[5];
	struct bench_agent agent;
};

static void cfg_start(struct bench_bpf *sk, const char *vigil, enum cfg c, struct setup *su)
{
	static const char *const user[] = { "--filter", "user", NULL };
	struct bpf_program *floor[] = { sk->progs.empty_sys_enter, sk->progs.empty_sys_exit,
					sk->progs.empty_exec, sk->progs.empty_fork,
					sk->progs.empty_exit };

	memset(su, 0, sizeof(*su));
	if (c == CFG_FLOOR) {
		for (int i = 0; i < 5; i++) {
			su->links[i] = bpf_program__attach(floor[i]);
			if (!su->links[i])
				bench_die("attaching the empty programs");
		}
	} else if (c == CFG_VIGIL || c == CFG_USER) {
		/* agent on CPU 0, workloads on the last: an agent and a job
		 * side by side on a small host */
		bench_agent_start(&su->agent, vigil, c == CFG_USER ? user : NULL, 0);
	}
}

static void cfg_stop(struct setup *su, struct sample *s)
{
	unsigned long long rec = 0, bytes = 0, lost = 0;
	const char *p;

	for (int i = 0; i < 5; i++)
		bpf_link__destroy(su->links[i]);
	if (!su->agent.pid)
		return;
	bench_agent_stop(&su->agent);
	p = strstr(su->agent.err, "stats: records ");
	if (!p || sscanf(p, "stats: records %llu (%llu bytes), malformed %*u, lost %llu", &rec,
			  &bytes, &lost) != 3) {
		fprintf(stderr, "hostbench: no stats from vigil:\n%s\n", su->agent.err);
		exit(1);
	}
	if (s) {
		s->records = (double)rec;
		s->lost = (double)lost;
	}
}

static void measure(struct bench_bpf *sk, const char *vigil, enum cfg c, enum wl w,
		    struct sample *s)
{
	struct setup su;
	double cpu0 = 0, host0;

	memset(s, 0, sizeof(*s));
	cfg_start(sk, vigil, c, &su);
	if (su.agent.pid)
		cpu0 = bench_cpu_s(su.agent.pid);
	host0 = host_busy_s();
	s->ns_op = run_workload(w);
	s->host_s = host_busy_s() - host0;
	if (su.agent.pid)
		s->cpu_s = bench_cpu_s(su.agent.pid) - cpu0;
	cfg_stop(&su, s);
}

/* ---- in-kernel run time (bpf_stats) ---- */

#define MAX_PROGS 64

struct prog_stat {
	__u32 id;
	char name[BPF_OBJ_NAME_LEN];
	__u64 run_ns, runs;
};

/* Every loaded program whose name starts with one of vigil's or the
 * floor's prefixes, with its counters now. */
static int prog_stats(struct prog_stat *out)
{
	__u32 id = 0;
	int n = 0;

	while (n < MAX_PROGS && !bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
		    (!strncmp(info.name, "vg_", 3) || !strncmp(info.name, "empty_", 6))) {
			out[n].id = id;
			memcpy(out[n].name, info.name, sizeof(out[n].name));
			out[n].run_ns = info.run_time_ns;
			out[n].runs = info.run_cnt;
			n++;
		}
		close(fd);
	}
	return n;
}

static void kernel_time(struct bench_bpf *sk, const char *vigil)
{
	static const enum cfg cfgs[] = { CFG_FLOOR, CFG_VIGIL };
	int stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);

	if (stats_fd < 0) {
		printf("\nin-kernel run time: skipped, the kernel refused BPF_ENABLE_STATS (%s)\n",
		       strerror(errno));
		return;
	}
	printf("\nin-kernel run time (bpf_stats on, one pass): ns per program run, runs per "
	       "operation, ns per operation\n");
	for (int w = 0; w < WL_MAX; w++) {
		printf("%s\n", wl_name[w]);
		for (size_t k = 0; k < sizeof(cfgs) / sizeof(cfgs[0]); k++) {
			struct prog_stat a[MAX_PROGS], b[MAX_PROGS];
			struct setup su;
			int na, nb;
			double total = 0;

			cfg_start(sk, vigil, cfgs[k], &su);
			na = prog_stats(a);
			run_workload((enum wl)w);
			nb = prog_stats(b);
			for (int j = 0; j < nb; j++) {
				__u64 ns = b[j].run_ns, runs = b[j].runs;

				for (int i = 0; i < na; i++)
					if (a[i].id == b[j].id) {
						ns -= a[i].run_ns;
						runs -= a[i].runs;
					}
				if (!runs)
					continue;
				total += (double)ns;
				printf("  %-6s %-18s %8.1f ns/run %10.3f runs/op %9.1f ns/op\n",
				       cfg_name[cfgs[k]], b[j].name, (double)ns / runs,
				       (double)runs / wl_iters[w], (double)ns / wl_iters[w]);
			}
			printf("  %-6s %-18s %38.1f ns/op\n", cfg_name[cfgs[k]], "all programs",
			       total / wl_iters[w]);
			cfg_stop(&su, NULL);
		}
	}
	close(stats_fd);
}

/* ---- report ---- */

static double median(enum wl w, enum cfg c, size_t field)
{
	double v[MAX_ROUNDS];

	for (int r = 0; r < rounds; r++)
		v[r] = *(const double *)((const char *)&res[w][c][r] + field);
	qsort(v, rounds, sizeof(double), bench_cmp_double);
	return v[rounds / 2];
}

#define MED(w, c, f) median(w, c, offsetof(struct sample, f))

static void print_table(void)
{
	printf("\nmedian of %d interleaved rounds; agent on CPU 0, loops on CPU %d\n", rounds,
	       last_cpu);
	printf("%-26s %-6s %11s %7s %9s %12s %10s %6s\n", "workload", "config", "ns/op", "ratio",
	       "added/fl", "agent s/Mop", "records", "lost");
	for (int w = 0; w < WL_MAX - 1; w++) {
		double none = MED(w, CFG_NONE, ns_op), floor = MED(w, CFG_FLOOR, ns_op);

		for (int c = 0; c < CFG_MAX; c++) {
			double ns = MED(w, c, ns_op);

			printf("%-26s %-6s %11.1f %7.2f %9.2f %12.3f %10.0f %6.0f\n",
			       c ? "" : wl_name[w], cfg_name[c], ns, ns / none,
			       floor > none ? (ns - none) / (floor - none) : 0,
			       MED(w, c, cpu_s) / wl_iters[w] * 1e6, MED(w, c, records),
			       MED(w, c, lost));
		}
		if (MED(w, CFG_USER, cpu_s) > 0)
			printf("%-26s agent CPU, vigil / user: %.1f%%\n", "",
			       100 * MED(w, CFG_VIGIL, cpu_s) / MED(w, CFG_USER, cpu_s));
	}

	enum wl m = WL_MIXED;
	double wall0 = MED(m, CFG_NONE, ns_op), host0 = MED(m, CFG_NONE, host_s);

	printf("\n%s: wall time and the whole machine's busy CPU (%s)\n", wl_name[m],
	       host_src ? host_src : "?");
	printf("  %-6s %10s %8s %12s %14s %12s %10s\n", "config", "wall s", "ratio",
	       "machine s", "added machine", "agent s", "records");
	for (int c = 0; c < CFG_MAX; c++)
		printf("  %-6s %10.3f %8.3f %12.4f %14.4f %12.4f %10.0f\n", cfg_name[c],
		       MED(m, c, ns_op) / 1e9, MED(m, c, ns_op) / wall0, MED(m, c, host_s),
		       MED(m, c, host_s) - host0, MED(m, c, cpu_s), MED(m, c, records));
	if (MED(m, CFG_USER, host_s) > host0)
		printf("  added machine CPU, vigil / user: %.1f%%; agent CPU, vigil / user: "
		       "%.1f%%\n",
		       100 * (MED(m, CFG_VIGIL, host_s) - host0) / (MED(m, CFG_USER, host_s) - host0),
		       MED(m, CFG_USER, cpu_s) > 0 ?
			       100 * MED(m, CFG_VIGIL, cpu_s) / MED(m, CFG_USER, cpu_s) :
			       0);
	printf("\nratio: over none; added/fl: cost added over none as a multiple of the floor's "
	       "(goal for filtered opens: <= 1.5)\n");
}

/* ---- fixtures ---- */

static pid_t udp_sink(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	pid_t p;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(s, (struct sockaddr *)&sa, &len))
		bench_die("udp sink");
	udp_port = ntohs(sa.sin_port);
	p = fork();
	if (p == 0) {
		char buf[256];

		bench_pin(0);
		for (;;)
			if (recv(s, buf, sizeof(buf), 0) < 0 && errno != EINTR)
				_exit(0);
	}
	close(s);
	return p;
}

static void make_file(const char *path)
{
	int fd = open(path, O_CREAT | O_WRONLY, 0644);

	if (fd < 0)
		bench_die(path);
	close(fd);
}

int main(int argc, char **argv)
{
	const char *vigil = "build/vigil";
	struct bench_bpf *sk;
	struct stat st;
	pid_t tcp, udp;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--rounds") && i + 1 < argc) {
			rounds = atoi(argv[++i]);
			if (rounds < 1 || rounds > MAX_ROUNDS) {
				fprintf(stderr, "hostbench: --rounds is 1..%d\n", MAX_ROUNDS);
				return 2;
			}
		} else if (!strcmp(argv[i], "--quick")) {
			for (int w = 0; w < WL_MAX; w++)
				if (wl_iters[w] >= 20000)
					wl_iters[w] /= 20;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "usage: hostbench [--rounds N] [--quick] [VIGIL_BINARY]\n");
			return 2;
		} else {
			vigil = argv[i];
		}
	}
	if (access("/usr/bin/git", X_OK)) {
		fprintf(stderr, "hostbench: the mixed workload needs git "
				"(scripts/install-deps --bench installs it)\n");
		return 1;
	}
	if (stat("/sys/kernel/tracing/events", &st) != 0)
		mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL);
	sk = bench_bpf__open_and_load();
	if (!sk)
		bench_die("loading the empty programs");
	mkdir(WORK_DIR, 0755);
	mkdir(HOME_DIR, 0755);
	make_file(TMP_FILE);
	make_file(HOME_FILE);
	last_cpu = (int)sysconf(_SC_NPROCESSORS_ONLN) - 1;
	tcp = bench_tcp_listener(0, &tcp_port);
	udp = udp_sink();
	signal(SIGPIPE, SIG_IGN);
	for (int w = 0; w < WL_MAX; w++) /* warm-up: page cache, git's first run */
		run_workload((enum wl)w);
	for (int r = 0; r < rounds; r++) {
		for (int w = 0; w < WL_MAX; w++)
			for (int k = 0; k < CFG_MAX; k++) {
				/* rotate the order, so no configuration always runs first */
				enum cfg c = (enum cfg)((k + r) % CFG_MAX);

				measure(sk, vigil, c, (enum wl)w, &res[w][c][r]);
			}
		fprintf(stderr, "hostbench: round %d/%d done\n", r + 1, rounds);
	}
	print_table();
	kernel_time(sk, vigil);
	kill(tcp, SIGKILL);
	kill(udp, SIGKILL);
	waitpid(tcp, NULL, 0);
	waitpid(udp, NULL, 0);
	unlink(TMP_FILE);
	unlink(HOME_FILE);
	rmdir(HOME_DIR);
	if (system("rm -rf " WORK_DIR) != 0)
		fprintf(stderr, "hostbench: could not remove " WORK_DIR "\n");
	bench_bpf__destroy(sk);
	return 0;
}
