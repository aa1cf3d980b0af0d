// SPDX-License-Identifier: Apache-2.0
/*
 * The runtimes suite's container image holds only this program, linked
 * statically (FROM scratch). It does what the issue saw on a real podman
 * container, setting a setuid bit and writing /etc/crontab, then opens
 * /rt-mark every `ms` milliseconds, `n` times: the test's own rule matches
 * those opens, and the time until the first one carrying the container's
 * name is the lookup's latency.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1, ms = argc > 2 ? atol(argv[2]) : 10;
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000L };
	int fd;

	fd = open("/suid", O_WRONLY | O_CREAT, 0755);
	if (fd < 0 || close(fd) || chmod("/suid", 04755))
		return 1;
	mkdir("/etc", 0755);
	fd = open("/etc/crontab", O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd < 0 || close(fd))
		return 1;
	for (long i = 0; i < n; i++) {
		fd = open("/rt-mark", O_WRONLY | O_CREAT, 0644);
		if (fd >= 0)
			close(fd);
		nanosleep(&ts, NULL);
	}
	return 0;
}
