// SPDX-License-Identifier: Apache-2.0
/*
 * flip-unlink KEEP OTHER N: the re-read race, as an attacker runs it. A
 * second thread rewrites one buffer between the names KEEP and OTHER (of
 * the same length) without pause, while the first recreates both files
 * and unlinks the buffer N times. A tracer that copies the name at the
 * syscall's entry, before the kernel's own copy, reads one name while the
 * kernel deletes the other. Prints "deleted K": the real deletions of
 * KEEP, seen by which file is gone after each call, and the last one, of
 * the file left at the end. Exit 0.
 * Built static by scripts/vmtest for the guest, which has no libc.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char buf[256];
static const char *names[2];
static atomic_int stop;

static void *flip(void *arg)
{
	size_t n = strlen(names[0]);

	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		memcpy(buf, names[1], n);
		memcpy(buf, names[0], n);
	}
	return NULL;
}

static int make(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT, 0644);

	return fd < 0 ? -1 : close(fd);
}

int main(int argc, char **argv)
{
	long n, deleted = 0;
	pthread_t t;

	if (argc != 4 || strlen(argv[1]) != strlen(argv[2]) || strlen(argv[1]) >= sizeof(buf))
		return 2;
	names[0] = argv[1];
	names[1] = argv[2];
	n = atol(argv[3]);
	strcpy(buf, names[0]);
	if (pthread_create(&t, NULL, flip, NULL))
		return 2;
	for (long i = 0; i < n; i++) {
		if (make(names[0]) || make(names[1]))
			return 2;
		if (!unlink(buf) && access(names[0], F_OK))
			deleted++;
	}
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	/* the files left: a deletion of KEEP like any other */
	deleted += !unlink(names[0]);
	unlink(names[1]);
	printf("deleted %ld\n", deleted);
	return 0;
}
