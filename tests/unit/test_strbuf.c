// SPDX-License-Identifier: Apache-2.0
/* Unit tests: common/strbuf. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"

static void test_init_empty(void **state)
{
	struct strbuf a = STRBUF_INIT, b;

	strbuf_init(&b);
	assert_ptr_equal(a.buf, strbuf_empty_);
	assert_ptr_equal(b.buf, strbuf_empty_);
	assert_int_equal(a.len, 0);
	assert_int_equal(a.alloc, 0);
	assert_false(a.oom);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.alloc, 0);
	assert_false(b.oom);
	assert_string_equal(a.buf, "");
}

static void test_static_init(void **state)
{
	/* STRBUF_INIT is a constant initialiser: usable at file scope. */
	static struct strbuf sb = STRBUF_INIT;

	assert_string_equal(sb.buf, "");
	strbuf_addstr(&sb, "static");
	assert_string_equal(sb.buf, "static");
	assert_int_equal(sb.len, 6);
	assert_ptr_not_equal(sb.buf, strbuf_empty_);
	strbuf_release(&sb);
	assert_ptr_equal(sb.buf, strbuf_empty_);
	/* the shared empty string was never written */
	assert_int_equal(strbuf_empty_[0], '\0');
}

static void test_add_basic(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, "abc");
	strbuf_addch(&sb, '-');
	strbuf_add(&sb, "xyz123", 3);
	strbuf_addf(&sb, "%d/%s", 42, "q");
	assert_string_equal(sb.buf, "abc-xyz42/q");
	assert_int_equal(sb.len, strlen("abc-xyz42/q"));
	assert_true(sb.alloc > sb.len);
	assert_false(sb.oom);
	strbuf_release(&sb);
}

static void test_add_binary(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	static const char bin[] = { 'a', '\0', 'b', '\0', '\xff' };

	strbuf_add(&sb, bin, sizeof(bin));
	assert_int_equal(sb.len, sizeof(bin));
	assert_memory_equal(sb.buf, bin, sizeof(bin));
	assert_int_equal(sb.buf[sb.len], '\0');
	strbuf_release(&sb);
}

static void test_empty_appends(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	/* Appending nothing leaves a valid, NUL-terminated, empty buffer. */
	strbuf_add(&sb, "", 0);
	strbuf_addstr(&sb, "");
	strbuf_addf(&sb, "%s", "");
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.buf, "");
	assert_false(sb.oom);
	strbuf_release(&sb);
}

static void test_growth_many_appends(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char *expect = malloc(1 << 20);
	size_t elen = 0, prev_alloc = 0;
	int grew = 0;

	assert_non_null(expect);
	for (int i = 0; i < 20000; i++) {
		int n;

		if (i % 3 == 0) {
			strbuf_addf(&sb, "[%d]", i);
			n = sprintf(expect + elen, "[%d]", i);
		} else if (i % 3 == 1) {
			strbuf_addstr(&sb, "str");
			n = sprintf(expect + elen, "str");
		} else {
			strbuf_addch(&sb, (char)('a' + i % 26));
			expect[elen] = (char)('a' + i % 26);
			n = 1;
		}
		elen += (size_t)n;
		assert_int_equal(sb.len, elen);
		assert_true(sb.alloc >= sb.len + 1);
		assert_int_equal(sb.buf[sb.len], '\0');
		if (sb.alloc != prev_alloc) {
			grew++;
			prev_alloc = sb.alloc;
		}
	}
	assert_false(sb.oom);
	assert_memory_equal(sb.buf, expect, elen);
	assert_int_equal(strlen(sb.buf), elen);
	/* Geometric growth: a handful of reallocations, not one per append. */
	assert_true(grew > 1);
	assert_true(grew < 20);
	free(expect);
	strbuf_release(&sb);
}

static void test_addf_long(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char big[5000];

	/* One formatted append far larger than the first allocation. */
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	strbuf_addstr(&sb, "<");
	strbuf_addf(&sb, "%s|%05d", big, 7);
	assert_int_equal(sb.len, 1 + 4999 + 6);
	assert_int_equal(sb.buf[0], '<');
	assert_int_equal(sb.buf[1], 'z');
	assert_int_equal(sb.buf[4999], 'z');
	assert_string_equal(sb.buf + 5000, "|00007");
	strbuf_release(&sb);
}

static void test_truncate(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	size_t alloc;

	/* truncating a never-used buffer is harmless */
	strbuf_truncate(&sb, 0);
	strbuf_truncate(&sb, 10);
	assert_ptr_equal(sb.buf, strbuf_empty_);
	assert_int_equal(sb.len, 0);

	strbuf_addstr(&sb, "hello world");
	alloc = sb.alloc;
	strbuf_truncate(&sb, 5);
	assert_int_equal(sb.len, 5);
	assert_string_equal(sb.buf, "hello");
	/* never grows */
	strbuf_truncate(&sb, 100);
	assert_int_equal(sb.len, 5);
	assert_string_equal(sb.buf, "hello");
	strbuf_truncate(&sb, 5);
	assert_string_equal(sb.buf, "hello");
	assert_int_equal(sb.alloc, alloc);
	strbuf_addstr(&sb, "!");
	assert_string_equal(sb.buf, "hello!");
	strbuf_truncate(&sb, 0);
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.buf, "");
	strbuf_release(&sb);
}

static void test_reset(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char *mem;
	size_t alloc;

	for (int i = 0; i < 100; i++)
		strbuf_addstr(&sb, "0123456789");
	mem = sb.buf;
	alloc = sb.alloc;
	sb.oom = true; /* as after a failed allocation */
	strbuf_reset(&sb);
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.buf, "");
	assert_false(sb.oom);
	/* memory kept */
	assert_ptr_equal(sb.buf, mem);
	assert_int_equal(sb.alloc, alloc);
	strbuf_addstr(&sb, "again");
	assert_string_equal(sb.buf, "again");
	assert_ptr_equal(sb.buf, mem);
	strbuf_release(&sb);
}

static void test_oom_ignores_appends(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, "kept");
	sb.oom = true;
	strbuf_addstr(&sb, "dropped");
	strbuf_addf(&sb, "%d", 1);
	strbuf_addch(&sb, 'x');
	assert_int_equal(sb.len, 4);
	assert_string_equal(sb.buf, "kept");
	strbuf_release(&sb);
	assert_false(sb.oom);
}

static void test_release(void **state)
{
	struct strbuf never = STRBUF_INIT, used = STRBUF_INIT;

	/* never-used: must not free the static empty string */
	strbuf_release(&never);
	assert_ptr_equal(never.buf, strbuf_empty_);
	assert_int_equal(never.len, 0);
	assert_int_equal(never.alloc, 0);
	strbuf_release(&never); /* twice is fine */
	strbuf_release(NULL);

	strbuf_addstr(&used, "x");
	strbuf_release(&used);
	assert_ptr_equal(used.buf, strbuf_empty_);
	assert_int_equal(used.len, 0);
	assert_int_equal(used.alloc, 0);
	/* reusable after release */
	strbuf_addstr(&used, "again");
	assert_string_equal(used.buf, "again");
	strbuf_release(&used);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_empty),
		cmocka_unit_test(test_static_init),
		cmocka_unit_test(test_add_basic),
		cmocka_unit_test(test_add_binary),
		cmocka_unit_test(test_empty_appends),
		cmocka_unit_test(test_growth_many_appends),
		cmocka_unit_test(test_addf_long),
		cmocka_unit_test(test_truncate),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_oom_ignores_appends),
		cmocka_unit_test(test_release),
	};

	return cmocka_run_group_tests_name("strbuf", tests, NULL, NULL);
}
