// SPDX-License-Identifier: Apache-2.0
/*
 * What does a security agent cost, and what does filtering in the kernel
 * save? Three workloads (open+close of a file no rule names, fork+exec of
 * /bin/true, TCP connect+close to a loopback listener) run under, side by
 * side and interleaved in one invocation:
 *   none     nothing attached
 *   floor    empty BPF programs on the tracepoints vigil uses (sys_exit and
 *            sched_process_exec/fork/exit): the physical floor
 *   kernel   `vigil run` with the bundled rules, filtering in the kernel
 *   user     the same with `--filter user`: every event of the syscalls the
 *            rules name reaches user space, which filters (a classic agent)
 *   auditd   Debian's auditd with the closest audit rules (file watches for
 *            the files the rules name, exit rules for the syscalls they name)
 * For each: ns per operation (median over rounds), agent CPU seconds per
 * million operations (utime+stime of the agent process, from schedstat),
 * records and bytes that reached user space, losses, and the agent's peak
 * RSS. Then the worst case for user space: one core runs the open loop flat
 * out under a rule that matches every open, with the default ring buffer.
 *
 * usage: agentbench [--rounds N] [VIGIL_BINARY]   (root; default build/vigil)
 */
#include <arpa/inet.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BENCH_NAME "agentbench"
#include "bench.h"
#include "bench.skel.h"

enum cfg { CFG_NONE, CFG_FLOOR, CFG_KERNEL, CFG_USER, CFG_AUDITD, CFG_MAX };
static const char *const cfg_name[CFG_MAX] = { "none", "floor", "kernel", "user", "auditd" };

enum wl { WL_OPEN, WL_EXEC, WL_CONNECT, WL_MAX };
static const char *const wl_name[WL_MAX] = { "open+close", "fork+exec", "connect" };
static const long wl_iters[WL_MAX] = { 200000, 1000, 20000 };

#define MAX_ROUNDS 15
#define AUDIT_DIR "/tmp/vigil-agentbench-audit"
#define BENCH_FILE "/tmp/vigil-agentbench.file"

struct sample {
	double ns_op;
	double cpu_s;	 /* agent CPU during the workload */
	double records;	 /* reaching user space during the whole run */
	double bytes;
	double lost;
	double rss_kib;
};

static struct sample res[WL_MAX][CFG_MAX][MAX_ROUNDS];
static int rounds = 5;
static int listen_port;
static int last_cpu;

/* ---- workloads, run in a child pinned to the last CPU ---- */

static void do_open(long n)
{
	for (long i = 0; i < n; i++) {
		int fd = open(BENCH_FILE, O_RDONLY);

		if (fd < 0)
			bench_die("open");
		close(fd);
	}
}

/* Run workload w in a pinned child; ns per operation. */
static void workload_fn(void *arg)
{
	enum wl w = *(enum wl *)arg;

	if (w == WL_OPEN)
		do_open(wl_iters[w]);
	else if (w == WL_EXEC)
		bench_fork_exec_true(wl_iters[w]);
	else
		bench_connect_loop(listen_port, wl_iters[w]);
}

static double run_workload(enum wl w)
{
	return bench_run_pinned(last_cpu, workload_fn, &w, wl_iters[w], wl_name[w]);
}

/* ---- agent accounting ---- */

/* Start vigil with the extra arguments, pinned to CPU 0; wait for its ready
 * line on stderr. */
static void vigil_start(struct bench_agent *a, const char *bin, const char *const *extra)
{
	bench_agent_start(a, bin, extra, 0);
}

/* Stop vigil; fill records, bytes and losses from its --stats lines. */
static void vigil_stop(struct bench_agent *a, struct sample *s)
{
	unsigned long long rec = 0, bytes = 0, lost = 0;
	const char *p;

	s->rss_kib = bench_hwm_kib(a->pid);
	bench_agent_stop(a);
	p = strstr(a->err, "stats: records ");
	if (!p || sscanf(p, "stats: records %llu (%llu bytes), malformed %*u, lost %llu", &rec,
			  &bytes, &lost) != 3) {
		fprintf(stderr, "agentbench: no stats from vigil:\n%s\n", a->err);
		exit(1);
	}
	s->records = (double)rec;
	s->bytes = (double)bytes;
	s->lost = (double)lost;
}

/* ---- auditd ---- */

static bool auditd_ok;

static int sh(const char *cmd)
{
	int rc = system(cmd);

	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* Audit rules for what the bundled rules watch: reads and writes of the
 * credential and loader files, and the syscalls the rules name. */
static const char *const audit_rules[] = {
	"-w /etc/shadow -p r",	  "-w /etc/gshadow -p r",	  "-w /etc/sudoers -p wa",
	"-w /etc/sudoers.d -p wa", "-w /etc/ld.so.preload -p wa",
	"-a always,exit -F arch=b64 -S execve,execveat",
	"-a always,exit -F arch=b64 -S ptrace,init_module,finit_module,bpf",
	"-a always,exit -F arch=b64 -S connect",
};

static void auditd_start(struct bench_agent *a)
{
	char cmd[512];
	FILE *f;

	mkdir(AUDIT_DIR, 0700);
	f = fopen(AUDIT_DIR "/auditd.conf", "w");
	if (!f)
		bench_die("auditd.conf");
	fprintf(f, "log_file = %s/audit.log\nlog_format = RAW\nflush = INCREMENTAL_ASYNC\n"
		   "freq = 50\nmax_log_file = 8192\nmax_log_file_action = ROTATE\n"
		   "num_logs = 2\ndisk_full_action = IGNORE\ndisk_error_action = IGNORE\n"
		   "space_left = 2\nadmin_space_left = 1\nspace_left_action = IGNORE\n"
		   "admin_space_left_action = IGNORE\n",
		AUDIT_DIR);
	fclose(f);
	unlink(AUDIT_DIR "/audit.log");
	a->pid = fork();
	if (a->pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		bench_pin(0);
		execl("/usr/sbin/auditd", "auditd", "-n", "-c", AUDIT_DIR, (char *)NULL);
		_exit(127);
	}
	/* auditd registers itself with the kernel; wait for that, not a sleep */
	for (int i = 0; i < 500; i++) {
		f = popen("auditctl -s 2>/dev/null | awk '/^pid/{print $2}'", "r");
		int kpid = 0;

		if (f) {
			if (fscanf(f, "%d", &kpid) != 1)
				kpid = 0;
			pclose(f);
		}
		if (kpid == a->pid)
			break;
		usleep(10000);
	}
	sh("auditctl -D >/dev/null 2>&1");
	for (size_t i = 0; i < sizeof(audit_rules) / sizeof(audit_rules[0]); i++) {
		snprintf(cmd, sizeof(cmd), "auditctl %s >/dev/null", audit_rules[i]);
		if (sh(cmd)) {
			fprintf(stderr, "agentbench: auditctl %s failed\n", audit_rules[i]);
			exit(1);
		}
	}
	sh("auditctl -b 8192 -e 1 >/dev/null");
}

static void auditd_stop(struct bench_agent *a, struct sample *s)
{
	struct stat st;
	char line[4096];
	unsigned long long lost = 0;
	FILE *f;

	sh("auditctl -e 0 >/dev/null; auditctl -D >/dev/null");
	f = popen("auditctl -s 2>/dev/null | awk '/^lost/{print $2}'", "r");
	if (f) {
		if (fscanf(f, "%llu", &lost) != 1)
			lost = 0;
		pclose(f);
	}
	s->rss_kib = bench_hwm_kib(a->pid);
	kill(a->pid, SIGTERM);
	waitpid(a->pid, NULL, 0);
	s->records = 0;
	s->bytes = stat(AUDIT_DIR "/audit.log", &st) == 0 ? (double)st.st_size : 0;
	f = fopen(AUDIT_DIR "/audit.log", "r");
	while (f && fgets(line, sizeof(line), f))
		s->records++;
	if (f)
		fclose(f);
	/* the kernel's lost counter is cumulative since boot: report growth */
	static unsigned long long lost_before;
	static bool have_before;

	s->lost = have_before ? (double)(lost - lost_before) : 0;
	lost_before = lost;
	have_before = true;
}

static bool auditd_probe(void)
{
	if (access("/usr/sbin/auditd", X_OK) || access("/sbin/auditctl", X_OK)) {
		printf("auditd column skipped: auditd is not installed "
		       "(scripts/install-deps --bench installs it)\n");
		return false;
	}
	if (sh("auditctl -s >/dev/null 2>&1")) {
		printf("auditd column skipped: the kernel refuses audit netlink here\n");
		return false;
	}
	if (sh("pgrep -x auditd >/dev/null") == 0) {
		printf("auditd column skipped: an auditd is already running on this host\n");
		return false;
	}
	return true;
}

/* ---- one measurement ---- */

static void measure(struct bench_bpf *sk, const char *vigil, enum cfg c, enum wl w,
		    struct sample *s)
{
	static const char *const user[] = { "--filter", "user", NULL };
	static const char *const none[] = { NULL };
	struct bpf_link *links[4] = { 0 };
	struct bench_agent a = { 0 };
	double cpu0 = 0;

	memset(s, 0, sizeof(*s));
	switch (c) {
	case CFG_FLOOR:
		links[0] = bpf_program__attach(sk->progs.empty_sys_exit);
		links[1] = bpf_program__attach(sk->progs.empty_exec);
		links[2] = bpf_program__attach(sk->progs.empty_fork);
		links[3] = bpf_program__attach(sk->progs.empty_exit);
		for (int i = 0; i < 4; i++)
			if (!links[i])
				bench_die("attaching the empty programs");
		break;
	case CFG_KERNEL:
	case CFG_USER:
		vigil_start(&a, vigil, c == CFG_USER ? user : none);
		break;
	case CFG_AUDITD:
		auditd_start(&a);
		break;
	default:
		break;
	}
	if (a.pid)
		cpu0 = bench_cpu_s(a.pid);
	s->ns_op = run_workload(w);
	if (a.pid)
		s->cpu_s = bench_cpu_s(a.pid) - cpu0;
	if (c == CFG_KERNEL || c == CFG_USER)
		vigil_stop(&a, s);
	else if (c == CFG_AUDITD)
		auditd_stop(&a, s);
	for (int i = 0; i < 4; i++)
		bpf_link__destroy(links[i]);
}

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
	printf("\nmedian of %d interleaved rounds; agent pinned to CPU 0, workload to CPU %d\n",
	       rounds, last_cpu);
	for (int w = 0; w < WL_MAX; w++) {
		double none = MED(w, CFG_NONE, ns_op), floor = MED(w, CFG_FLOOR, ns_op);

		printf("\n%s (%ld ops per run)\n", wl_name[w], wl_iters[w]);
		printf("  %-8s %10s %7s %9s %14s %10s %12s %6s %9s\n", "config", "ns/op", "ratio",
		       "added/fl", "cpu s/Mops", "records", "bytes", "lost", "RSS KiB");
		for (int c = 0; c < CFG_MAX; c++) {
			double ns = MED(w, c, ns_op);

			if (c == CFG_AUDITD && !auditd_ok)
				continue;
			printf("  %-8s %10.1f %7.2f %9.2f %14.3f %10.0f %12.0f %6.0f %9.0f\n",
			       cfg_name[c], ns, ns / none,
			       floor > none ? (ns - none) / (floor - none) : 0,
			       MED(w, c, cpu_s) / wl_iters[w] * 1e6, MED(w, c, records),
			       MED(w, c, bytes), MED(w, c, lost), MED(w, c, rss_kib));
		}
		if (MED(w, CFG_USER, cpu_s) > 0)
			printf("  agent CPU, kernel filter / user filter: %.1f%%\n",
			       100 * MED(w, CFG_KERNEL, cpu_s) / MED(w, CFG_USER, cpu_s));
	}
	printf("\nratio: ns/op over none; added/fl: cost added over none, as a multiple of the "
	       "floor's\n");
}

/* The worst case for user space: every open matches a rule and becomes an
 * alert, the loop runs flat out on one core, the ring is the default. */
static void worst_case(const char *vigil)
{
	static const char rules[] = "- rule: every bench open\n"
				    "  desc: matches every open of the bench file\n"
				    "  condition: evt.type in (open, openat) and fd.name = " BENCH_FILE
				    "\n"
				    "  output: open %fd.name by %proc.name\n"
				    "  priority: NOTICE\n";
	const char *const extra[] = { "--rules", "/tmp/vigil-agentbench-rules.yaml", NULL };
	struct sample s = { 0 };
	struct bench_agent a = { 0 };
	double cpu0, t0, secs;
	FILE *f = fopen("/tmp/vigil-agentbench-rules.yaml", "w");

	if (!f || fputs(rules, f) < 0 || fclose(f))
		bench_die("writing the worst-case rule");
	vigil_start(&a, vigil, extra);
	cpu0 = bench_cpu_s(a.pid);
	t0 = bench_now_ns();
	s.ns_op = run_workload(WL_OPEN);
	secs = (bench_now_ns() - t0) / 1e9;
	s.cpu_s = bench_cpu_s(a.pid) - cpu0;
	vigil_stop(&a, &s);
	printf("\nworst case: a rule matching every open, %ld opens flat out, default ring\n",
	       wl_iters[WL_OPEN]);
	printf("  %.1f ns/op, %.0f alerts/s offered, agent CPU %.2f s (%.0f%% of a core), "
	       "records %.0f, lost %.0f\n",
	       s.ns_op, wl_iters[WL_OPEN] / secs, s.cpu_s, 100 * s.cpu_s / secs, s.records,
	       s.lost);
	unlink("/tmp/vigil-agentbench-rules.yaml");
}

int main(int argc, char **argv)
{
	const char *vigil = "build/vigil";
	struct bench_bpf *sk;
	struct stat st;
	pid_t listener;
	int fd;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--rounds") && i + 1 < argc) {
			rounds = atoi(argv[++i]);
			if (rounds < 1 || rounds > MAX_ROUNDS) {
				fprintf(stderr, "agentbench: --rounds is 1..%d\n", MAX_ROUNDS);
				return 2;
			}
		} else {
			vigil = argv[i];
		}
	}
	if (stat("/sys/kernel/tracing/events", &st) != 0)
		mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL);
	sk = bench_bpf__open_and_load();
	if (!sk)
		bench_die("loading the empty programs");
	fd = open(BENCH_FILE, O_CREAT | O_WRONLY, 0644);
	if (fd < 0)
		bench_die(BENCH_FILE);
	close(fd);
	last_cpu = (int)sysconf(_SC_NPROCESSORS_ONLN) - 1;
	auditd_ok = auditd_probe();
	listener = bench_tcp_listener(0, &listen_port);
	signal(SIGPIPE, SIG_IGN);
	for (int w = 0; w < WL_MAX; w++) /* warm-up */
		run_workload(w);
	for (int r = 0; r < rounds; r++) {
		for (int w = 0; w < WL_MAX; w++)
			for (int k = 0; k < CFG_MAX; k++) {
				/* rotate the order, so no configuration always runs first */
				enum cfg c = (enum cfg)((k + r) % CFG_MAX);

				if (c == CFG_AUDITD && !auditd_ok)
					continue;
				measure(sk, vigil, c, (enum wl)w, &res[w][c][r]);
			}
		fprintf(stderr, "agentbench: round %d/%d done\n", r + 1, rounds);
	}
	print_table();
	worst_case(vigil);
	kill(listener, SIGKILL);
	waitpid(listener, NULL, 0);
	unlink(BENCH_FILE);
	bench_bpf__destroy(sk);
	return 0;
}
