// SPDX-License-Identifier: Apache-2.0
/* Unit tests: pipeline/path (path arguments resolved as the kernel did). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "pipeline/path.h"

/* resolve p against base (NULL: none); NULL expected: not resolvable */
static void check(const char *base, const char *p, const char *want)
{
	struct strbuf sb = STRBUF_INIT;
	bool ok;

	strbuf_addstr(&sb, "keep:");
	ok = vg_path_resolve(&sb, base, base ? strlen(base) : 0, p, strlen(p));
	if (!want) {
		assert_false(ok);
		assert_string_equal(sb.buf, "keep:");
	} else {
		assert_true(ok);
		assert_string_equal(sb.buf + 5, want);
	}
	strbuf_release(&sb);
}

static void test_clean_paths_unchanged(void **state)
{
	(void)state;
	check(NULL, "/", "/");
	check(NULL, "/etc/shadow", "/etc/shadow");
	check("/tmp", "/var/log/x", "/var/log/x");
	check(NULL, "/a.b/..c/.d/e..", "/a.b/..c/.d/e..");
}

static void test_spellings(void **state)
{
	(void)state;
	check(NULL, "//etc/shadow", "/etc/shadow");
	check(NULL, "/etc/./shadow", "/etc/shadow");
	check(NULL, "/tmp/../var/log/x", "/var/log/x");
	check(NULL, "/var/log/", "/var/log");
	check(NULL, "/..", "/");
	check(NULL, "/../../etc//passwd/.", "/etc/passwd");
	check(NULL, "///", "/");
}

static void test_relative(void **state)
{
	(void)state;
	check("/var/log", "x", "/var/log/x");
	check("/tmp/d", "../../etc/shadow", "/etc/shadow");
	check("/", "etc/shadow", "/etc/shadow");
	check("/run", "./docker.sock", "/run/docker.sock");
	/* AT_EMPTY_PATH: the directory itself */
	check("/var/log", "", "/var/log");
	check(NULL, "x", NULL);
	check(NULL, "", NULL);
	check("relative", "x", NULL);
}

static void test_dirlen(void **state)
{
	(void)state;
	assert_int_equal(vg_path_dirlen("/a/b", 4), 2);
	assert_int_equal(vg_path_dirlen("/a", 2), 1);
	assert_int_equal(vg_path_dirlen("/", 1), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_paths_unchanged),
		cmocka_unit_test(test_spellings),
		cmocka_unit_test(test_relative),
		cmocka_unit_test(test_dirlen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
