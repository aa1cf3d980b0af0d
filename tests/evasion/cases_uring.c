// SPDX-License-Identifier: Apache-2.0
/*
 * io_uring: the same behaviours as requests on a ring instead of syscalls
 * (a published way around syscall-only agents). The ring is set up with
 * raw syscalls (io_uring_setup, mmap, io_uring_enter), as a rootkit does,
 * no liburing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "evasion.h"

/* OPENAT of `path` (flags: IOSQE_*), then a READ of what it opened: the
 * whole theft without open(2). */
int uring_open_read(const char *path, unsigned sqe_flags)
{
	struct io_uring_sqe sqe;
	struct uring r;
	char buf[64];
	int fd;

	if (uring_init(&r, 4))
		return EV_SKIP; /* io_uring disabled here */
	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = IORING_OP_OPENAT;
	sqe.fd = AT_FDCWD;
	sqe.addr = (unsigned long)path;
	sqe.open_flags = O_RDONLY;
	sqe.flags = (unsigned char)sqe_flags;
	fd = uring_run(&r, &sqe);
	if (fd < 0)
		return EV_FAIL(10);
	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = IORING_OP_READ;
	sqe.fd = fd;
	sqe.addr = (unsigned long)buf;
	sqe.len = sizeof(buf);
	return uring_run(&r, &sqe) < 0 ? EV_FAIL(11) : 0;
}

static int uring_read_shadow(void)
{
	return uring_open_read("/etc/shadow", 0);
}

/* IOSQE_ASYNC: done by an io-wq worker thread ("iou-wrk-N"), not the caller */
static int uring_read_shadow_async(void)
{
	return uring_open_read("/etc/shadow", IOSQE_ASYNC);
}

/* into a direct descriptor: no fd in the process's table at all */
static int uring_read_shadow_direct(void)
{
	struct uring r;
	int files[1] = { -1 };

	if (uring_init(&r, 4))
		return EV_SKIP;
	if (syscall(SYS_io_uring_register, r.fd, IORING_REGISTER_FILES, files, 1))
		return EV_FAIL(12);
	/* open into slot 0 (file_index is 1-based), read through it */
	{
		struct io_uring_sqe sqe;
		char buf[64];

		memset(&sqe, 0, sizeof(sqe));
		sqe.opcode = IORING_OP_OPENAT;
		sqe.fd = AT_FDCWD;
		sqe.addr = (unsigned long)"/etc/shadow";
		sqe.open_flags = O_RDONLY;
		sqe.file_index = 1;
		if (uring_run(&r, &sqe) < 0)
			return EV_FAIL(13);
		memset(&sqe, 0, sizeof(sqe));
		sqe.opcode = IORING_OP_READ;
		sqe.fd = 0;
		sqe.flags = IOSQE_FIXED_FILE;
		sqe.addr = (unsigned long)buf;
		sqe.len = sizeof(buf);
		return uring_run(&r, &sqe) < 0 ? EV_FAIL(14) : 0;
	}
}

static int uring_connect_pool(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(3333) };
	struct io_uring_sqe sqe;
	struct uring r;
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (s < 0 || inet_pton(AF_INET, env.far_ip, &sin.sin_addr) != 1)
		return EV_FAIL(1);
	if (uring_init(&r, 4))
		return EV_SKIP;
	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = IORING_OP_CONNECT;
	sqe.fd = s;
	sqe.addr = (unsigned long)&sin;
	sqe.off = sizeof(sin); /* addrlen */
	uring_run(&r, &sqe); /* refused is fine */
	return 0;
}

static int make_log(char *path, size_t size)
{
	int fd;

	snprintf(path, size, "/var/log/vigil-evasion-%d.log", (int)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int uring_unlink_log(void)
{
	struct io_uring_sqe sqe;
	struct uring r;
	char path[96];

	if (make_log(path, sizeof(path)))
		return EV_FAIL(1);
	if (uring_init(&r, 4))
		return EV_SKIP;
	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = IORING_OP_UNLINKAT;
	sqe.fd = AT_FDCWD;
	sqe.addr = (unsigned long)path;
	return uring_run(&r, &sqe) ? EV_FAIL(2) : 0;
}

static int plain_unlink_log(void)
{
	char path[96];

	if (make_log(path, sizeof(path)))
		return EV_FAIL(1);
	return unlink(path) ? EV_FAIL(2) : 0;
}

#define SHADOW "Read sensitive file untrusted"

const struct evasion_case uring_cases[] = {
	{ "io_uring: OPENAT+READ of /etc/shadow", SHADOW, uring_read_shadow, 0 },
	{ "io_uring: OPENAT with IOSQE_ASYNC (an io-wq worker opens)", SHADOW,
	  uring_read_shadow_async, 0 },
	{ "io_uring: OPENAT into a direct descriptor", SHADOW, uring_read_shadow_direct, 0 },
	{ "io_uring: CONNECT to a pool port", "Connection to mining pool port", uring_connect_pool,
	  EV_FAR },
	{ "io_uring: UNLINKAT of a log file", "Log file deleted", uring_unlink_log, 0 },
	{ "control: unlink of a log file", "Log file deleted", plain_unlink_log, 0 },
};

const size_t nuring_cases = sizeof(uring_cases) / sizeof(uring_cases[0]);
