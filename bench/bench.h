/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers the benchmarks share (header-only: each bench is one file):
 * pinning, starting the agent and waiting for its ready line, stopping it
 * and keeping what it said on stderr (its --stats lines), reading a
 * process's CPU time. BENCH_NAME, if defined before, prefixes error lines.
 */
#ifndef VIGIL_BENCH_H
#define VIGIL_BENCH_H

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef BENCH_NAME
#define BENCH_NAME "bench"
#endif

static inline void bench_die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", BENCH_NAME, what, strerror(errno));
	exit(1);
}

static inline void bench_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static inline double bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Peak resident set of pid (VmHWM), KiB; 0 if gone. */
static inline double bench_hwm_kib(pid_t pid)
{
	char path[64], line[256];
	double kib = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %lf", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/*
 * A child pinned to `cpu` that accepts and closes TCP connections on a
 * loopback port of the kernel's choice, for connect loops; its pid, and the
 * port in *port. The caller kills it.
 */
static inline pid_t bench_tcp_listener(int cpu, int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	pid_t p;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) || listen(s, 4096) ||
	    getsockname(s, (struct sockaddr *)&sa, &len))
		bench_die("listener");
	*port = ntohs(sa.sin_port);
	p = fork();
	if (p == 0) {
		bench_pin(cpu);
		for (;;) {
			int c = accept(s, NULL, NULL);

			if (c >= 0)
				close(c);
		}
	}
	close(s);
	return p;
}

/* n TCP connections to the loopback port, each closed at once (the
 * listener above accepts them). */
static inline void bench_connect_loop(int port, long n)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (long i = 0; i < n; i++) {
		int s = socket(AF_INET, SOCK_STREAM, 0);

		if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)))
			bench_die("connect");
		close(s);
	}
}

/*
 * Run fn(arg) n_ops times' worth in a child, pinned to `cpu` (-1: left free
 * to use the machine, as a real job would), and return its ns per
 * operation: the wall time of fn over n_ops. The child reports through a
 * pipe, so the parent's state (agents, counters) stays untouched. Exits
 * with a message naming `what` when the child fails.
 */
static inline double bench_run_pinned(int cpu, void (*fn)(void *), void *arg, long n_ops,
				      const char *what)
{
	int fds[2];
	double ns = -1;
	pid_t p;

	if (pipe(fds))
		bench_die("pipe");
	p = fork();
	if (p < 0)
		bench_die("fork");
	if (p == 0) {
		double t0;

		if (cpu >= 0)
			bench_pin(cpu);
		t0 = bench_now_ns();
		fn(arg);
		ns = (bench_now_ns() - t0) / n_ops;
		if (write(fds[1], &ns, sizeof(ns)) != sizeof(ns))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &ns, sizeof(ns)) != sizeof(ns))
		ns = -1;
	close(fds[0]);
	waitpid(p, NULL, 0);
	if (ns < 0) {
		fprintf(stderr, "workload %s failed\n", what);
		exit(1);
	}
	return ns;
}

static inline int bench_cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

/* A running agent and what it said on stderr. */
struct bench_agent {
	pid_t pid;
	int err_fd;
	char err[1 << 16]; /* its stderr, NUL-terminated */
	size_t errlen;
};

/*
 * Start vigil with argv (argv[0]: the binary), stdout to /dev/null, pinned
 * to `cpu` (-1: anywhere), and wait for its ready line on stderr, not a
 * sleep. 0, or -1 (after printing what it said).
 */
static inline int bench_agent_spawn(struct bench_agent *a, char *const argv[], int cpu)
{
	int errp[2];

	if (pipe(errp))
		return -1;
	a->errlen = 0;
	a->err[0] = '\0';
	a->pid = fork();
	if (a->pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(errp[1], 2);
		close(errp[0]);
		if (cpu >= 0)
			bench_pin(cpu);
		execv(argv[0], argv);
		_exit(127);
	}
	close(errp[1]);
	a->err_fd = errp[0];
	while (!strstr(a->err, "vigil: ready")) {
		ssize_t n = read(a->err_fd, a->err + a->errlen, sizeof(a->err) - 1 - a->errlen);

		if (n <= 0) {
			fprintf(stderr, "%s: vigil did not start:\n%s\n", BENCH_NAME, a->err);
			close(a->err_fd);
			return -1;
		}
		a->errlen += (size_t)n;
		a->err[a->errlen] = '\0';
	}
	return 0;
}

/* bench_agent_spawn for callers that need only the pid: -1 on failure. */
static inline pid_t bench_start_vigil(char *const argv[], int cpu)
{
	static struct bench_agent a;

	if (bench_agent_spawn(&a, argv, cpu))
		return -1;
	close(a.err_fd);
	return a.pid;
}

/* `bin run --output-file /dev/null --stats EXTRA...`, pinned to `cpu` (-1:
 * anywhere); exits the benchmark if it does not get ready. */
static inline void bench_agent_start(struct bench_agent *a, const char *bin,
				     const char *const *extra, int cpu)
{
	const char *argv[16] = { bin, "run", "--output-file", "/dev/null", "--stats" };
	int k = 5;

	for (int i = 0; extra && extra[i] && k < 15; i++)
		argv[k++] = extra[i];
	argv[k] = NULL;
	if (bench_agent_spawn(a, (char *const *)argv, cpu))
		exit(1);
}

/* SIGTERM, then keep the rest of its stderr and reap it. */
static inline void bench_agent_stop(struct bench_agent *a)
{
	ssize_t n;

	kill(a->pid, SIGTERM);
	while (a->errlen < sizeof(a->err) - 1 &&
	       (n = read(a->err_fd, a->err + a->errlen, sizeof(a->err) - 1 - a->errlen)) > 0)
		a->errlen += (size_t)n;
	a->err[a->errlen] = '\0';
	waitpid(a->pid, NULL, 0);
	close(a->err_fd);
}

/* The number after `key` on the agent's stderr line containing `line`; -1. */
static inline long long bench_stat(const struct bench_agent *a, const char *line, const char *key)
{
	const char *l = strstr(a->err, line), *k;

	if (!l)
		return -1;
	k = strstr(l, key);
	if (!k || memchr(l, '\n', (size_t)(k - l)))
		return -1;
	return strtoll(k + strlen(key), NULL, 10);
}

/* n fork+exec of /bin/true, one after the other. */
static inline void bench_fork_exec_true(long n)
{
	for (long i = 0; i < n; i++) {
		pid_t p = fork();

		if (p == 0) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		if (p < 0 || waitpid(p, NULL, 0) < 0)
			bench_die("fork+exec");
	}
}

/* CPU time of every thread of pid, in seconds (schedstat: ns on CPU). */
static inline double bench_cpu_s(pid_t pid)
{
	char path[64];
	struct dirent *d;
	double total = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((d = readdir(dir))) {
		char p2[400];
		unsigned long long ns = 0;
		FILE *f;

		if (d->d_name[0] == '.')
			continue;
		snprintf(p2, sizeof(p2), "%s/%s/schedstat", path, d->d_name);
		f = fopen(p2, "r");
		if (f && fscanf(f, "%llu", &ns) == 1)
			total += (double)ns / 1e9;
		if (f)
			fclose(f);
	}
	closedir(dir);
	return total;
}

#endif /* VIGIL_BENCH_H */
