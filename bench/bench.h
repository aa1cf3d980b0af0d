/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers the benchmarks share (header-only: each bench is one file). */
#ifndef VIGIL_BENCH_H
#define VIGIL_BENCH_H

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static inline void bench_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/*
 * Start vigil with argv (argv[0]: the binary), stdout to /dev/null, pinned
 * to `cpu` (-1: anywhere), and wait for its ready line on stderr, not a
 * sleep. Returns its pid, or -1 (after printing what it said).
 */
static inline pid_t bench_start_vigil(char *const argv[], int cpu)
{
	char buf[8192];
	size_t len = 0;
	int errp[2];
	pid_t pid;

	if (pipe(errp))
		return -1;
	pid = fork();
	if (pid == 0) {
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
	while (len < sizeof(buf) - 1) {
		ssize_t n = read(errp[0], buf + len, sizeof(buf) - 1 - len);

		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, "vigil: ready")) {
			close(errp[0]);
			return pid;
		}
	}
	fprintf(stderr, "vigil did not start: %.*s\n", (int)len, buf);
	close(errp[0]);
	return -1;
}

#endif /* VIGIL_BENCH_H */
