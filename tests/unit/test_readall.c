// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests: common/readall, the bounded growing read of the runtimes'
 * state files and docker's answers: through pipes and a socket pair, empty,
 * across the buffer's growth, past the bound, and stopped by `done`
 * before the peer closes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/readall.h"

/* A child writes `n` bytes of a known pattern into a pipe and closes it;
 * the read end is returned. */
static int feed(size_t n)
{
	int p[2];
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char chunk[4096];
		size_t done = 0;

		close(p[0]);
		while (done < n) {
			size_t k = n - done < sizeof(chunk) ? n - done : sizeof(chunk);

			for (size_t i = 0; i < k; i++)
				chunk[i] = (char)('a' + (done + i) % 26);
			if (write(p[1], chunk, k) != (ssize_t)k)
				_exit(1);
			done += k;
		}
		_exit(0);
	}
	close(p[1]);
	return p[0];
}

static void reap(void)
{
	while (wait(NULL) > 0)
		;
}

static void test_sizes(void **state)
{
	const size_t sizes[] = { 0, 1, 16382, 16383, 16384, 100000 };

	(void)state;
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		char *buf = NULL;
		size_t len = 0;
		int fd = feed(sizes[s]);

		assert_int_equal(vg_read_all(fd, 1 << 20, NULL, &buf, &len), 0);
		close(fd);
		reap();
		assert_int_equal(len, sizes[s]);
		assert_non_null(buf);
		assert_int_equal(buf[len], '\0');
		for (size_t i = 0; i < len; i++)
			if (buf[i] != (char)('a' + i % 26))
				fail_msg("byte %zu of %zu differs", i, len);
		free(buf);
	}
}

static void test_bound(void **state)
{
	char *buf = (char *)0x1;
	size_t len = 7;
	int fd = feed(70000);

	(void)state;
	assert_int_equal(vg_read_all(fd, 65536, NULL, &buf, &len), -EFBIG);
	close(fd);
	reap();
	/* nothing returned on an error */
	assert_ptr_equal(buf, (char *)0x1);
	assert_int_equal(len, 7);
	/* the bound itself is too many; just under it is read whole */
	fd = feed(65536);
	assert_int_equal(vg_read_all(fd, 65536, NULL, &buf, &len), -EFBIG);
	close(fd);
	reap();
	fd = feed(65535);
	assert_int_equal(vg_read_all(fd, 65536, NULL, &buf, &len), 0);
	close(fd);
	reap();
	assert_int_equal(len, 65535);
	free(buf);
}

static bool has_end(const char *buf, size_t len)
{
	return len >= 3 && !memcmp(buf + len - 3, "END", 3);
}

/* The peer answers and stays open: `done` ends the read, not EOF. */
static void test_done(void **state)
{
	int sv[2];
	char *buf = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[1], "answer END", 10), 10);
	assert_int_equal(vg_read_all(sv[0], 4096, has_end, &buf, &len), 0);
	assert_int_equal(len, 10);
	assert_string_equal(buf, "answer END");
	free(buf);
	close(sv[0]);
	close(sv[1]);
}

static void test_bad_fd(void **state)
{
	char *buf = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(vg_read_all(-1, 4096, NULL, &buf, &len), -EBADF);
	assert_null(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_done),
		cmocka_unit_test(test_bad_fd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
