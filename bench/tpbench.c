// SPDX-License-Identifier: Apache-2.0
/*
 * How much does watching syscalls cost the traced process? Runs an
 * open/close loop and a getppid loop (a syscall nobody traces) under, side
 * by side and interleaved in one run:
 *   none        no BPF attached
 *   empty       an empty tp_btf/sys_exit program: the floor of any design
 *               that sees every syscall
 *   dispatch    vigil's design: one tp_btf/sys_exit, table lookup by nr,
 *               arguments from pt_regs
 *   per-sc-tp   syscalls:sys_enter_openat + sys_exit_openat tracepoints,
 *               arguments carried from enter to exit in a hash map
 *   vigil       the real agent, `vigil trace --syscall openat` writing
 *               every event as JSON to /dev/null
 * and prints ns per operation, the median of ROUNDS interleaved rounds, and
 * the ratio to `none`. The loops run pinned to the last CPU, vigil to the
 * first, as an agent and a workload would sit on a small host; pinning also
 * keeps migrations out of the figures.
 *
 * usage: tpbench [VIGIL_BINARY] (default build/vigil); run as root.
 */
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "bench.skel.h"

#define ROUNDS 11
#define OPEN_ITERS 200000
#define PPID_ITERS 1000000

enum cfg { CFG_NONE, CFG_EMPTY, CFG_DISPATCH, CFG_TP, CFG_VIGIL, CFG_MAX };
static const char *const cfg_name[CFG_MAX] = { "none", "empty", "dispatch", "per-sc-tp", "vigil" };

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double loop_open(void)
{
	double t0 = now_ns();

	for (int i = 0; i < OPEN_ITERS; i++) {
		int fd = open("/dev/null", O_RDONLY);

		if (fd < 0) {
			perror("open");
			exit(1);
		}
		close(fd);
	}
	return (now_ns() - t0) / OPEN_ITERS;
}

static double loop_ppid(void)
{
	double t0 = now_ns();

	for (int i = 0; i < PPID_ITERS; i++)
		syscall(SYS_getppid);
	return (now_ns() - t0) / PPID_ITERS;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static pid_t start_vigil(const char *bin)
{
	char *argv[] = { (char *)bin, "trace", "--json", "--syscall", "openat", NULL };

	return bench_start_vigil(argv, 0);
}

int main(int argc, char **argv)
{
	const char *vigil = argc > 1 ? argv[1] : "build/vigil";
	double open_ns[CFG_MAX][ROUNDS], ppid_ns[CFG_MAX][ROUNDS];
	struct bpf_link *links[2];
	struct bench_bpf *s;
	struct stat st;
	__u32 key = SYS_openat, one = 1;

	if (stat("/sys/kernel/tracing/events", &st) != 0)
		mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL);
	s = bench_bpf__open_and_load();
	if (!s) {
		fprintf(stderr, "tpbench: loading the bench programs: %s\n", strerror(errno));
		return 1;
	}
	bpf_map_update_elem(bpf_map__fd(s->maps.table), &key, &one, BPF_ANY);
	bench_pin((int)sysconf(_SC_NPROCESSORS_ONLN) - 1);
	/* warm-up */
	loop_open();
	loop_ppid();
	for (int r = 0; r < ROUNDS; r++) {
		for (int c = 0; c < CFG_MAX; c++) {
			pid_t vp = 0;

			links[0] = links[1] = NULL;
			switch (c) {
			case CFG_EMPTY:
				links[0] = bpf_program__attach(s->progs.empty_sys_exit);
				break;
			case CFG_DISPATCH:
				links[0] = bpf_program__attach(s->progs.dispatch_sys_exit);
				break;
			case CFG_TP:
				links[0] = bpf_program__attach(s->progs.tp_enter_openat);
				links[1] = bpf_program__attach(s->progs.tp_exit_openat);
				break;
			case CFG_VIGIL:
				vp = start_vigil(vigil);
				if (vp < 0)
					return 1;
				break;
			}
			if ((c == CFG_EMPTY || c == CFG_DISPATCH || c == CFG_TP) && !links[0]) {
				fprintf(stderr, "tpbench: attach %s: %s\n", cfg_name[c], strerror(errno));
				return 1;
			}
			open_ns[c][r] = loop_open();
			ppid_ns[c][r] = loop_ppid();
			bpf_link__destroy(links[0]);
			bpf_link__destroy(links[1]);
			if (vp > 0) {
				kill(vp, SIGTERM);
				waitpid(vp, NULL, 0);
			}
		}
	}
	printf("%-22s", "ns/op (median of 11)");
	for (int c = 0; c < CFG_MAX; c++)
		printf(" %10s", cfg_name[c]);
	printf("\n");
	for (int w = 0; w < 2; w++) {
		double med[CFG_MAX];

		for (int c = 0; c < CFG_MAX; c++) {
			double *v = w ? ppid_ns[c] : open_ns[c];

			qsort(v, ROUNDS, sizeof(double), cmp_double);
			med[c] = v[ROUNDS / 2];
		}
		printf("%-22s", w ? "getppid (untraced)" : "open+close (traced)");
		for (int c = 0; c < CFG_MAX; c++)
			printf(" %10.1f", med[c]);
		printf("\n%-22s", "  ratio to none");
		for (int c = 0; c < CFG_MAX; c++)
			printf(" %10.2f", med[c] / med[0]);
		printf("\n%-22s", "  added ns");
		for (int c = 0; c < CFG_MAX; c++)
			printf(" %10.1f", med[c] - med[0]);
		printf("\n");
	}
	bench_bpf__destroy(s);
	return 0;
}
