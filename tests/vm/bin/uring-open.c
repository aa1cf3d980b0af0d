// SPDX-License-Identifier: Apache-2.0
/*
 * uring-open FILE [async]: open FILE with an io_uring OPENAT (IOSQE_ASYNC:
 * in an io-wq worker, not the submitting task) and print what a READ of it
 * returns, the way an attacker avoids open(2). Exit 0 when it read, 1 when
 * the open failed (its error on stderr), 2 when io_uring is unavailable.
 * Built static by scripts/vmtest for the guest, which has no libc.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "../../uring.h"

int main(int argc, char **argv)
{
	struct io_uring_sqe sqe;
	struct uring r;
	char buf[256];
	int fd, n;

	if (argc < 2 || uring_init(&r, 4))
		return 2;
	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = IORING_OP_OPENAT;
	sqe.fd = AT_FDCWD;
	sqe.addr = (unsigned long)argv[1];
	sqe.open_flags = O_RDONLY;
	if (argc > 2 && !strcmp(argv[2], "async"))
		sqe.flags = IOSQE_ASYNC;
	fd = uring_run(&r, &sqe);
	if (fd < 0) {
		fprintf(stderr, "uring-open: %s: %s\n", argv[1], strerror(-fd));
		return 1;
	}
	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = IORING_OP_READ;
	sqe.fd = fd;
	sqe.addr = (unsigned long)buf;
	sqe.len = sizeof(buf) - 1;
	n = uring_run(&r, &sqe);
	if (n < 0) {
		fprintf(stderr, "uring-open: read: %s\n", strerror(-n));
		return 1;
	}
	buf[n] = 0;
	fputs(buf, stdout);
	uring_close(&r);
	return 0;
}
