// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests: pipeline/runtime, the docker API answer parser (the worker
 * and its queues meet a fake API server in tests/integration/context_it.c),
 * and a runtime without a socket.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/runtime.h"

#define BODY "{\"Id\":\"c0ffee\",\"Name\":\"/web\",\"Config\":{\"Image\":\"nginx:1.25\",\"Env\":[]}}"

static int parse(const char *resp, struct vg_cmeta *m)
{
	return vg_docker_parse(resp, strlen(resp), m);
}

static void test_parse_ok(void **state)
{
	struct vg_cmeta m;
	char resp[512];

	(void)state;
	/* HTTP/1.0, read to the end */
	assert_int_equal(parse("HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" BODY, &m), 0);
	assert_string_equal(m.name, "web");
	assert_string_equal(m.image, "nginx:1.25");
	/* Content-Length bounds the body (what follows is not JSON) */
	snprintf(resp, sizeof(resp), "HTTP/1.1 200 OK\r\ncontent-length: %zu\r\n\r\n%sGARBAGE",
		 strlen(BODY), BODY);
	assert_int_equal(parse(resp, &m), 0);
	assert_string_equal(m.name, "web");
	/* chunked, in three pieces, with a chunk extension */
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			       "a\r\n{\"Name\":\"/\r\n"
			       "3;ext=1\r\nweb\r\n"
			       "1f\r\n\",\"Config\":{\"Image\":\"busybox\"}}\r\n"
			       "0\r\n\r\n",
			       &m),
			 0);
	assert_string_equal(m.name, "web");
	assert_string_equal(m.image, "busybox");
	/* no image: the name alone */
	assert_int_equal(parse("HTTP/1.0 200 OK\r\n\r\n{\"Name\":\"plain\"}", &m), 0);
	assert_string_equal(m.name, "plain");
	assert_string_equal(m.image, "");
}

static void test_parse_errors(void **state)
{
	static const char *const bad[] = {
		"",
		"HTTP/1.0",
		"HTTP/1.0 500 Internal Server Error\r\n\r\n{\"message\":\"boom\"}",
		"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n",	 /* no blank line */
		"HTTP/1.0 200 OK\r\n\r\n{\"Name\":",				 /* cut JSON */
		"HTTP/1.0 200 OK\r\n\r\n[1,2,3]",				 /* not an object */
		"HTTP/1.0 200 OK\r\n\r\n{\"Name\":42}",				 /* not a string */
		"HTTP/1.0 200 OK\r\nContent-Length: 999\r\n\r\n{\"Name\":\"x\"}", /* short */
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",	 /* bad size */
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nff\r\n{}\r\n0\r\n\r\n",
		"SSH-2.0-OpenSSH_9.2\r\n",
	};
	struct vg_cmeta m;

	(void)state;
	assert_int_equal(parse("HTTP/1.0 404 Not Found\r\n\r\n{\"message\":\"No such container\"}", &m),
			 -ENOENT);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse(bad[i], &m), -EPROTO);
}

static void test_parse_bounds(void **state)
{
	char resp[2048], name[600];
	struct vg_cmeta m;

	(void)state;
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	snprintf(resp, sizeof(resp), "HTTP/1.0 200 OK\r\n\r\n{\"Name\":\"/%s\",\"Config\":{\"Image\":\"%s\"}}",
		 name, name);
	assert_int_equal(parse(resp, &m), 0);
	assert_int_equal(strlen(m.name), VG_CNAME_MAX - 1);
	assert_int_equal(strlen(m.image), VG_CIMAGE_MAX - 1);
}

static void test_no_socket(void **state)
{
	struct vg_runtime *rt = vg_runtime_new("");
	struct vg_runtime_stats st;

	(void)state;
	assert_non_null(rt);
	assert_null(vg_runtime_meta(rt, "0123456789ab0123456789ab0123456789ab0123456789ab0123456789abcdef"));
	assert_int_equal(vg_runtime_poll(rt, 1), 0);
	vg_runtime_stats(rt, &st);
	assert_int_equal(st.requests, 0);
	vg_runtime_free(rt);
	vg_runtime_free(NULL);
}

/* A socket nobody listens on: the lookup fails, is cached, and is retried
 * only after its delay. */
static void test_unreachable(void **state)
{
	static const char id[] = "0123456789ab0123456789ab0123456789ab0123456789ab0123456789abcdef";
	struct vg_runtime *rt = vg_runtime_new("/nonexistent/docker.sock");
	struct vg_runtime_stats st;

	(void)state;
	assert_non_null(rt);
	vg_runtime_poll(rt, 100);
	assert_null(vg_runtime_meta(rt, id));
	assert_null(vg_runtime_meta(rt, id)); /* pending: not asked twice */
	/* the worker answers quickly (ENOENT): wait for that, up to 10 s */
	for (int i = 0; i < 10000 && vg_runtime_poll(rt, 100) == 0; i++)
		usleep(1000);
	vg_runtime_stats(rt, &st);
	assert_int_equal(st.requests, 1);
	assert_int_equal(st.failed, 1);
	assert_null(vg_runtime_meta(rt, id)); /* cached failure */
	vg_runtime_stats(rt, &st);
	assert_int_equal(st.requests, 1);
	vg_runtime_poll(rt, 100 + 3600);
	assert_null(vg_runtime_meta(rt, id)); /* retried */
	vg_runtime_stats(rt, &st);
	assert_int_equal(st.requests, 2);
	vg_runtime_free(rt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_bounds),
		cmocka_unit_test(test_no_socket),
		cmocka_unit_test(test_unreachable),
	};

	return cmocka_run_group_tests_name("runtime", tests, NULL, NULL);
}
