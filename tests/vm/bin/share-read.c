// SPDX-License-Identifier: Apache-2.0
/*
 * share-read FILE ROUNDS: read FILE through a process that shares the
 * opener's file table, the way an attacker gets around a kill rule on the
 * open. Each round, a reader forks off and clones an opener with
 * CLONE_FILES (one table of fds for both); the opener opens FILE and the
 * reader, spinning on pread() of the fd number the open will get, copies
 * what it reads into memory shared with this process, with no syscall in
 * between: a kill of the opener at its open's exit, and of the reader at
 * its next syscall, come too late if the read ran first. Prints "leaked L
 * of R": the rounds whose bytes reached this process. Exit 0; 2 on a
 * setup error.
 * Built static by scripts/vmtest for the guest, which has no libc.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct shared {
	volatile int got; /* bytes the reader copied */
	char data[64];
};

/* The opener: wait a little (no syscall) for the reader to spin, open. */
static void opener(const char *file)
{
	for (volatile long i = 0; i < 2000000; i++)
		;
	int fd = open(file, O_RDONLY);

	_exit(fd < 0 ? 1 : 0);
}

/* The reader: clone the opener, spin on its fd's number until it is gone. */
static void reader(struct shared *sh, const char *file)
{
	char buf[sizeof(sh->data)];
	int fd = dup(0);
	pid_t c;

	if (fd < 0)
		_exit(2);
	close(fd); /* the lowest free number: the one the opener's open gets */
	c = (pid_t)syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, 0, 0, 0);
	if (c < 0)
		_exit(2);
	if (c == 0)
		opener(file);
	for (long i = 0;; i++) {
		ssize_t n = pread(fd, buf, sizeof(buf), 0);

		if (n > 0) {
			memcpy(sh->data, buf, (size_t)n);
			sh->got = (int)n;
			break;
		}
		/* the opener gone and nothing read: this round is lost */
		if ((i & 255) == 255 && waitpid(c, NULL, WNOHANG) == c)
			_exit(0);
	}
	waitpid(c, NULL, 0);
	_exit(0);
}

int main(int argc, char **argv)
{
	struct shared *sh;
	int rounds, leaked = 0;

	if (argc != 3 || (rounds = atoi(argv[2])) <= 0)
		return 2;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 2;
	for (int r = 0; r < rounds; r++) {
		pid_t p;

		memset(sh, 0, sizeof(*sh));
		p = fork();
		if (p < 0)
			return 2;
		if (p == 0)
			reader(sh, argv[1]);
		waitpid(p, NULL, 0);
		leaked += sh->got > 0;
	}
	printf("leaked %d of %d\n", leaked, rounds);
	return 0;
}
