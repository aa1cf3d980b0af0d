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
 * the ratio to `none`. A second table measures the other doors vigil
 * watches (ia32 calls through int 0x80, sends with and without a
 * destination, signal queues, process_vm_readv, open_by_handle_at) under
 * none, empty, and `vigil run` with the bundled rules (kernel filter). The loops run pinned to the last CPU, vigil to the
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
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "../tests/ia32.h"
#include "../tests/uring.h"
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

/* --- the other doors -------------------------------------------------------------------- */

#define DOOR_ITERS 100000
#define DOOR_ROUNDS 5

static char *low_path;	       /* "/dev/null" below 4 GiB, for int 0x80 */
static int udp_conn = -1, udp_free = -1; /* connected to / unconnected, 127.0.0.1:9 */
static struct sockaddr_in discard = { .sin_family = AF_INET, .sin_port = 0x0900 /* 9 */ };
static struct file_handle *handle;
static int handle_mnt = -1;

static void op_ia32_ppid(void)
{
	ia32_call(64, 0, 0, 0, 0, 0); /* i386 getppid */
}

static void op_ia32_open(void)
{
	long fd = ia32_call(5, (long)(unsigned long)low_path, O_RDONLY, 0, 0, 0);

	ia32_call(6, fd, 0, 0, 0, 0);
}

static void op_send_connected(void)
{
	send(udp_conn, "x", 1, 0); /* sendto(fd, buf, 1, 0, NULL, 0) */
}

static void op_sendmsg_connected(void)
{
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	sendmsg(udp_conn, &m, 0);
}

static void op_sendto_dest(void)
{
	sendto(udp_free, "x", 1, 0, (struct sockaddr *)&discard, sizeof(discard));
}

static void op_sigqueue(void)
{
	siginfo_t si = { .si_code = SI_QUEUE };

	syscall(SYS_rt_sigqueueinfo, getpid(), 0, &si); /* signal 0: a permission check */
}

static void op_vm_readv(void)
{
	static char from[8], to[8];
	struct iovec l = { to, sizeof(to) }, r = { from, sizeof(from) };

	process_vm_readv(getpid(), &l, 1, &r, 1, 0);
}

static void op_by_handle(void)
{
	close(open_by_handle_at(handle_mnt, handle, O_RDONLY));
}

static struct uring ring;

/* io_uring: the submit and complete tracepoints fire for each request */
static void op_uring_nop(void)
{
	struct io_uring_sqe sqe = { .opcode = IORING_OP_NOP };

	uring_run(&ring, &sqe);
}

static void op_uring_open(void)
{
	struct io_uring_sqe sqe = { .opcode = IORING_OP_OPENAT, .fd = AT_FDCWD };
	int fd;

	sqe.addr = (unsigned long)low_path;
	sqe.open_flags = O_RDONLY;
	fd = uring_run(&ring, &sqe);
	if (fd >= 0)
		close(fd);
}

/* a signal generated (ignored, so nothing is delivered): signal_generate,
 * where the tamper probe runs, fires for it */
static void op_kill_ignored(void)
{
	kill(getpid(), SIGUSR2);
}

static const struct door {
	const char *name;
	void (*op)(void);
} doors[] = {
	{ "ia32 getppid", op_ia32_ppid },
	{ "ia32 open+close", op_ia32_open },
	{ "send, connected", op_send_connected },
	{ "sendmsg, connected", op_sendmsg_connected },
	{ "sendto, with address", op_sendto_dest },
	{ "rt_sigqueueinfo", op_sigqueue },
	{ "process_vm_readv", op_vm_readv },
	{ "open_by_handle_at", op_by_handle },
	{ "io_uring nop", op_uring_nop },
	{ "io_uring openat+close", op_uring_open },
	{ "kill (ignored signal)", op_kill_ignored },
};
#define NDOORS (sizeof(doors) / sizeof(doors[0]))

/* int 0x80 faults on some machines (tests/ia32.h): those rows are absent */
static bool door_absent(const struct door *d)
{
	return (d->op == op_ia32_ppid || d->op == op_ia32_open) && !ia32_syscalls_work();
}

static double loop_door(const struct door *d)
{
	double t0;

	if (door_absent(d))
		return 0;
	t0 = now_ns();

	for (int i = 0; i < DOOR_ITERS; i++)
		d->op();
	return (now_ns() - t0) / DOOR_ITERS;
}

static int doors_setup(void)
{
	int mount_id;

	low_path = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
			-1, 0);
	if (low_path == MAP_FAILED)
		return -1;
	strcpy(low_path, "/dev/null");
	discard.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	udp_conn = socket(AF_INET, SOCK_DGRAM, 0);
	udp_free = socket(AF_INET, SOCK_DGRAM, 0);
	if (udp_conn < 0 || udp_free < 0 ||
	    connect(udp_conn, (struct sockaddr *)&discard, sizeof(discard)))
		return -1;
	handle = calloc(1, sizeof(*handle) + MAX_HANDLE_SZ);
	if (!handle)
		return -1;
	handle->handle_bytes = MAX_HANDLE_SZ;
	handle_mnt = open("/etc", O_RDONLY | O_DIRECTORY);
	signal(SIGUSR2, SIG_IGN);
	if (uring_init(&ring, 4))
		return -1;
	return handle_mnt < 0 || name_to_handle_at(AT_FDCWD, "/etc/hostname", handle, &mount_id, 0)
		       ? -1
		       : 0;
}

static int cmp_double(const void *a, const void *b);

/* none, empty sys_exit, `vigil run` with the bundled rules */
static int doors_run(struct bench_bpf *s, const char *vigil)
{
	static double ns[3][NDOORS][DOOR_ROUNDS];
	static const char *const names[3] = { "none", "empty", "vigil run" };
	char *argv[] = { (char *)vigil, "run", "--output-file", "/dev/null", NULL };

	if (doors_setup()) {
		fprintf(stderr, "tpbench: setting up the door loops: %s\n", strerror(errno));
		return -1;
	}
	for (size_t d = 0; d < NDOORS; d++)
		loop_door(&doors[d]); /* warm-up */
	for (int r = 0; r < DOOR_ROUNDS; r++) {
		for (int c = 0; c < 3; c++) {
			struct bpf_link *link = NULL;
			pid_t vp = 0;

			if (c == 1 && !(link = bpf_program__attach(s->progs.empty_sys_exit)))
				return -1;
			if (c == 2 && (vp = bench_start_vigil(argv, 0)) < 0)
				return -1;
			for (size_t d = 0; d < NDOORS; d++)
				ns[c][d][r] = loop_door(&doors[d]);
			bpf_link__destroy(link);
			if (vp > 0) {
				kill(vp, SIGTERM);
				waitpid(vp, NULL, 0);
			}
		}
	}
	printf("\n%-24s", "ns/op (median of 5)");
	for (int c = 0; c < 3; c++)
		printf(" %10s", names[c]);
	printf(" %10s %10s\n", "empty/none", "vigil/none");
	for (size_t d = 0; d < NDOORS; d++) {
		double med[3];

		if (door_absent(&doors[d])) {
			printf("%-24s absent: int 0x80 faults on this machine\n", doors[d].name);
			continue;
		}

		for (int c = 0; c < 3; c++) {
			qsort(ns[c][d], DOOR_ROUNDS, sizeof(double), cmp_double);
			med[c] = ns[c][d][DOOR_ROUNDS / 2];
		}
		printf("%-24s %10.1f %10.1f %10.1f %10.2f %10.2f\n", doors[d].name, med[0], med[1],
		       med[2], med[1] / med[0], med[2] / med[0]);
	}
	return 0;
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
	if (doors_run(s, vigil))
		return 1;
	bench_bpf__destroy(s);
	return 0;
}
