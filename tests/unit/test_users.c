// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests: pipeline/users, uid/gid -> name from passwd/group files, and
 * the reload when a file changes (replaced, rewritten, removed). Temp files
 * stand in for /etc/passwd and /etc/group.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline/users.h"

static char dir[64], pw[96], gr[96];

static void put(const char *path, const char *text)
{
	char tmp[128];
	FILE *f;

	/* written aside and renamed over, as useradd and vipw do */
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(rename(tmp, path), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/vigil-users-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(pw, sizeof(pw), "%s/passwd", dir);
	snprintf(gr, sizeof(gr), "%s/group", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(pw);
	unlink(gr);
	return rmdir(dir);
}

static void test_lookup(void **state)
{
	struct vg_users *u;

	(void)state;
	put(pw, "root:x:0:0:root:/root:/bin/bash\n"
		"# a comment:x:5:5\n"
		"broken line without colons\n"
		"noid:x::1::/:/bin/false\n"
		"alice:x:1000:1000:Alice:/home/alice:/bin/bash\n"
		"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
	put(gr, "root:x:0:\nstaff:x:50:alice\nnogroup:x:65534:\n");
	u = vg_users_new(pw, gr);
	assert_non_null(u);
	assert_string_equal(vg_users_name(u, 0), "root");
	assert_string_equal(vg_users_name(u, 1000), "alice");
	assert_string_equal(vg_users_name(u, 65534), "nobody");
	assert_null(vg_users_name(u, 5));
	assert_null(vg_users_name(u, 1));
	assert_null(vg_users_name(u, 4242));
	assert_string_equal(vg_users_group(u, 50), "staff");
	assert_string_equal(vg_users_group(u, 65534), "nogroup");
	assert_null(vg_users_group(u, 1000));
	vg_users_free(u);
	vg_users_free(NULL);
}

static void test_refresh(void **state)
{
	struct timespec old[2];
	struct stat st;
	struct vg_users *u;
	FILE *f;

	(void)state;
	put(pw, "root:x:0:0::/root:/bin/sh\n");
	put(gr, "root:x:0:\n");
	u = vg_users_new(pw, gr);
	assert_non_null(u);
	assert_null(vg_users_name(u, 1001));

	/* a user added: the file is replaced by another inode */
	put(pw, "root:x:0:0::/root:/bin/sh\nbob:x:1001:1001::/home/bob:/bin/sh\n");
	vg_users_refresh(u);
	assert_string_equal(vg_users_name(u, 1001), "bob");

	/* rewritten in place, same size, mtime set back: ctime gives it away */
	assert_int_equal(stat(pw, &st), 0);
	old[0] = st.st_atim;
	old[1] = st.st_mtim;
	f = fopen(pw, "r+");
	assert_non_null(f);
	fputs("toor", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(utimensat(AT_FDCWD, pw, old, 0), 0);
	vg_users_refresh(u);
	assert_string_equal(vg_users_name(u, 0), "toor");

	/* a group renamed */
	put(gr, "wheel:x:0:\n");
	vg_users_refresh(u);
	assert_string_equal(vg_users_group(u, 0), "wheel");

	/* nothing changed: the names stay */
	vg_users_refresh(u);
	assert_string_equal(vg_users_name(u, 1001), "bob");

	/* removed: no names; back: names again */
	assert_int_equal(unlink(pw), 0);
	vg_users_refresh(u);
	assert_null(vg_users_name(u, 1001));
	put(pw, "carol:x:1001:1001::/:/bin/sh\n");
	vg_users_refresh(u);
	assert_string_equal(vg_users_name(u, 1001), "carol");
	vg_users_free(u);
}

static void test_missing_files(void **state)
{
	struct vg_users *u = vg_users_new("/nonexistent/passwd", "/nonexistent/group");

	(void)state;
	assert_non_null(u);
	assert_null(vg_users_name(u, 0));
	assert_null(vg_users_group(u, 0));
	vg_users_refresh(u);
	assert_null(vg_users_name(u, 0));
	vg_users_free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_refresh),
		cmocka_unit_test(test_missing_files),
	};

	return cmocka_run_group_tests_name("users", tests, setup, teardown);
}
