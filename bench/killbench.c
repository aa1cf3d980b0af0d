// SPDX-License-Identifier: Apache-2.0
/*
 * How long from the offending syscall's entry to the process's death, when
 * vigil kills in the kernel? A victim process takes CLOCK_MONOTONIC right
 * before the syscall a kill rule names; a BPF program on
 * sched_process_exit (bench.bpf.c: watch_exit) takes the kernel's
 * CLOCK_MONOTONIC when that process dies. Two rules: one decided at the
 * syscall's entry (comm and open flags), one decided at its exit (the path
 * the kernel resolves). Median and 90th percentile of ROUNDS victims each.
 *
 * usage: killbench [VIGIL_BINARY]   (root; default build/vigil)
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "bench.skel.h"

#define ROUNDS 200
#define DIR "/tmp/vigil-killbench"

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One victim: named `comm`, it opens `path` with `flags` once told to.
 * Returns ns from just before the open to its death, or -1. */
static double one_victim(struct bench_bpf *sk, const char *comm, const char *path, int flags,
			 volatile double *t0)
{
	int go[2];
	__u64 zero = 0, ts = 0;
	pid_t pid;
	int st;
	char c = 0;
	__u32 key;

	if (pipe(go))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(go[1]);
		prctl(PR_SET_NAME, comm);
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		*t0 = now_ns();
		open(path, flags, 0644);
		_exit(0); /* survived */
	}
	close(go[0]);
	key = (__u32)pid;
	bpf_map_update_elem(bpf_map__fd(sk->maps.death_ts), &key, &zero, BPF_ANY);
	if (write(go[1], &c, 1) != 1)
		return -1;
	close(go[1]);
	waitpid(pid, &st, 0);
	bpf_map_lookup_elem(bpf_map__fd(sk->maps.death_ts), &key, &ts);
	bpf_map_delete_elem(bpf_map__fd(sk->maps.death_ts), &key);
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL || !ts)
		return -1;
	return (double)ts - *t0;
}

static void report(const char *label, double *v, int n)
{
	qsort(v, n, sizeof(double), cmp_double);
	printf("  %-44s median %7.1f us   p90 %7.1f us   (%d kills)\n", label, v[n / 2] / 1e3,
	       v[n * 9 / 10] / 1e3, n);
}

int main(int argc, char **argv)
{
	const char *vigil = argc > 1 ? argv[1] : "build/vigil";
	static double at_entry[ROUNDS], at_exit[ROUNDS];
	volatile double *t0;
	struct bench_bpf *sk;
	struct bpf_link *link;
	int n_entry = 0, n_exit = 0;
	pid_t vp;
	FILE *f;

	mkdir(DIR, 0755);
	f = fopen(DIR "/rules.yaml", "w");
	if (!f)
		return 1;
	fprintf(f, "- rule: kb write\n  desc: decided at entry\n  priority: NOTICE\n  output: x\n"
		   "  mode: enforce\n"
		   "  condition: evt.type = openat and evt.is_open_write = true and proc.name = kb-entry\n"
		   "- rule: kb marked\n  desc: decided at exit\n  priority: NOTICE\n  output: x\n"
		   "  mode: enforce\n"
		   "  condition: evt.type = openat and fd.name = " DIR "/marked and proc.name = kb-exit\n");
	fclose(f);
	f = fopen(DIR "/marked", "w");
	if (f)
		fclose(f);
	t0 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	sk = bench_bpf__open_and_load();
	if (!sk || t0 == MAP_FAILED) {
		fprintf(stderr, "killbench: loading: %s\n", strerror(errno));
		return 1;
	}
	link = bpf_program__attach(sk->progs.watch_exit);
	{
		char *args[] = { (char *)vigil, "run", "--rules", DIR "/rules.yaml", "--max-kills", "0",
				 NULL };

		vp = bench_start_vigil(args, -1);
	}
	if (!link || vp < 0)
		return 1;
	for (int i = 0; i < ROUNDS; i++) {
		double d = one_victim(sk, "kb-entry", DIR "/w", O_WRONLY | O_CREAT, t0);

		if (d > 0)
			at_entry[n_entry++] = d;
		d = one_victim(sk, "kb-exit", DIR "/marked", O_RDONLY, t0);
		if (d > 0)
			at_exit[n_exit++] = d;
	}
	kill(vp, SIGTERM);
	waitpid(vp, NULL, 0);
	printf("time from the syscall's entry to the process's death (%d victims per rule)\n",
	       ROUNDS);
	if (n_entry)
		report("kill decided at entry (comm, open flags)", at_entry, n_entry);
	if (n_exit)
		report("kill decided at exit (resolved fd.name)", at_exit, n_exit);
	if (n_entry < ROUNDS || n_exit < ROUNDS)
		printf("  victims that were not killed: %d at entry, %d at exit\n", ROUNDS - n_entry,
		       ROUNDS - n_exit);
	bpf_link__destroy(link);
	bench_bpf__destroy(sk);
	return n_entry && n_exit ? 0 : 1;
}
