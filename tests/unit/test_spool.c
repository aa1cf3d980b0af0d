// SPDX-License-Identifier: Apache-2.0
/* Unit tests: fleet/spool, the publisher's bounded on-disk spool. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleet/spool.h"

struct tmp {
	char dir[64];
};

static int setup(void **state)
{
	struct tmp *t = calloc(1, sizeof(*t));

	strcpy(t->dir, "/tmp/vigil-spool-XXXXXX");
	if (!mkdtemp(t->dir))
		return -1;
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tmp *t = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
	if (system(cmd))
		return -1;
	free(t);
	return 0;
}

/* Message i's payload: distinct per i, of a length that varies with i. */
static size_t payload(uint64_t i, char *buf, size_t size)
{
	int n = snprintf(buf, size, "{\"alert\":%" PRIu64 ",\"pad\":\"", i);

	for (uint64_t k = 0; k < i % 37 && (size_t)n + 3 < size; k++)
		buf[n++] = (char)('a' + k % 26);
	n += snprintf(buf + n, size - (size_t)n, "\"}");
	return (size_t)n;
}

static void append_n(struct vg_spool *sp, uint64_t from, uint64_t n)
{
	char buf[256];

	for (uint64_t i = from; i < from + n; i++) {
		uint64_t seq;
		size_t len = payload(i, buf, sizeof(buf));

		assert_int_equal(vg_spool_append(sp, "vigil.alerts.h.warning", buf, len, &seq), 0);
		assert_int_equal(seq, i);
	}
}

/* Read n records and check they are from..from+n-1, whole and in order. */
static void expect_n(struct vg_spool *sp, uint64_t from, uint64_t n)
{
	char buf[256], id[64];

	for (uint64_t i = from; i < from + n; i++) {
		struct vg_spool_rec r;
		size_t len = payload(i, buf, sizeof(buf));

		assert_int_equal(vg_spool_read(sp, &r), 1);
		assert_int_equal(r.seq, i);
		snprintf(id, sizeof(id), "%s-%" PRIu64, vg_spool_id(sp), i);
		assert_string_equal(r.msgid, id);
		assert_string_equal(r.subject, "vigil.alerts.h.warning");
		assert_int_equal(r.len, len);
		assert_memory_equal(r.data, buf, len);
	}
}

static void test_in_order(void **state)
{
	struct tmp *t = *state;
	struct vg_spool *sp = vg_spool_open(t->dir, 1 << 20);
	struct vg_spool_rec r;
	struct vg_spool_stats st;

	assert_non_null(sp);
	assert_int_equal(strlen(vg_spool_id(sp)), 16);
	assert_int_equal(vg_spool_read(sp, &r), 0);
	append_n(sp, 0, 500);
	expect_n(sp, 0, 500);
	assert_int_equal(vg_spool_read(sp, &r), 0);
	vg_spool_stats(sp, &st);
	assert_int_equal(st.appended, 500);
	assert_int_equal(st.pending, 500);
	assert_int_equal(st.dropped, 0);
	/* reading interleaved with appends */
	append_n(sp, 500, 1);
	expect_n(sp, 500, 1);
	vg_spool_free(sp);
}

static void test_ack_and_reopen(void **state)
{
	struct tmp *t = *state;
	struct vg_spool *sp = vg_spool_open(t->dir, 1 << 20);
	struct vg_spool_stats st;
	char id[17];

	assert_non_null(sp);
	strcpy(id, vg_spool_id(sp));
	append_n(sp, 0, 300);
	expect_n(sp, 0, 120);
	assert_int_equal(vg_spool_ack(sp, 100), 0);
	/* acks never go past what was read, nor backwards */
	assert_int_equal(vg_spool_ack(sp, 90), 0);
	vg_spool_stats(sp, &st);
	assert_int_equal(st.head, 100);
	assert_int_equal(st.pending, 200);
	vg_spool_free(sp);

	/* a restarted agent: same id, resumes at the oldest unacknowledged */
	sp = vg_spool_open(t->dir, 1 << 20);
	assert_non_null(sp);
	assert_string_equal(vg_spool_id(sp), id);
	assert_int_equal(vg_spool_cursor(sp), 100);
	expect_n(sp, 100, 200);
	append_n(sp, 300, 10);
	expect_n(sp, 300, 10);
	vg_spool_free(sp);
}

static void test_rewind(void **state)
{
	struct tmp *t = *state;
	struct vg_spool *sp = vg_spool_open(t->dir, 1 << 20);

	assert_non_null(sp);
	append_n(sp, 0, 50);
	expect_n(sp, 0, 40);
	assert_int_equal(vg_spool_ack(sp, 25), 0);
	assert_int_equal(vg_spool_rewind(sp), 0);
	assert_int_equal(vg_spool_cursor(sp), 25);
	expect_n(sp, 25, 25);
	vg_spool_free(sp);
}

static void test_all_acked_released(void **state)
{
	struct tmp *t = *state;
	struct vg_spool *sp = vg_spool_open(t->dir, VG_SPOOL_MIN_BYTES);
	struct vg_spool_stats st;

	assert_non_null(sp);
	/* several segments' worth, each acknowledged as it is read */
	for (uint64_t i = 0; i < 2000; i++) {
		append_n(sp, i, 1);
		expect_n(sp, i, 1);
		assert_int_equal(vg_spool_ack(sp, i + 1), 0);
	}
	vg_spool_stats(sp, &st);
	assert_int_equal(st.pending, 0);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.bytes, 0); /* every segment released */
	vg_spool_free(sp);
	/* sequence numbers (so message ids) never repeat after a restart */
	sp = vg_spool_open(t->dir, VG_SPOOL_MIN_BYTES);
	assert_non_null(sp);
	vg_spool_stats(sp, &st);
	assert_int_equal(st.next, 2000);
	append_n(sp, 2000, 1);
	expect_n(sp, 2000, 1);
	vg_spool_free(sp);
}

static void test_overflow_drops_oldest_counted(void **state)
{
	struct tmp *t = *state;
	struct vg_spool *sp = vg_spool_open(t->dir, VG_SPOOL_MIN_BYTES);
	struct vg_spool_stats st;
	struct vg_spool_rec r;
	uint64_t n = 5000, first, got = 0;

	assert_non_null(sp);
	append_n(sp, 0, n); /* ~400 KiB into a 64 KiB spool */
	vg_spool_stats(sp, &st);
	assert_true(st.bytes <= VG_SPOOL_MIN_BYTES);
	assert_true(st.dropped > 0);
	/* nothing lost without being counted; what remains is the newest */
	assert_int_equal(st.dropped + st.pending, n);
	assert_int_equal(st.head, st.dropped);
	first = st.head;
	assert_int_equal(vg_spool_cursor(sp), first);
	expect_n(sp, first, n - first);
	while (vg_spool_read(sp, &r) == 1)
		got++;
	assert_int_equal(got, 0);
	vg_spool_free(sp);

	/* the drop counts unacknowledged records only, and moves a cursor that
	 * was inside the dropped segment */
	sp = vg_spool_open(t->dir, VG_SPOOL_MIN_BYTES);
	assert_non_null(sp);
	vg_spool_stats(sp, &st);
	assert_int_equal(st.head, first);
	assert_int_equal(st.dropped, 0); /* counted since open */
	expect_n(sp, first, 10);
	assert_int_equal(vg_spool_ack(sp, first + 10), 0);
	append_n(sp, n, 3000);
	vg_spool_stats(sp, &st);
	assert_true(st.bytes <= VG_SPOOL_MIN_BYTES);
	assert_int_equal(st.dropped + st.pending, n + 3000 - (first + 10));
	assert_int_equal(vg_spool_cursor(sp), st.head);
	expect_n(sp, st.head, n + 3000 - st.head);
	vg_spool_free(sp);
}

static void test_torn_tail_cut(void **state)
{
	struct tmp *t = *state;
	struct vg_spool *sp = vg_spool_open(t->dir, 1 << 20);
	char path[128], junk[40];
	int fd;

	assert_non_null(sp);
	append_n(sp, 0, 20);
	vg_spool_free(sp);
	/* a crash in the middle of an append: half a record at the end */
	snprintf(path, sizeof(path), "%s/seg-%020d.log", t->dir, 0);
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	memset(junk, 0x5a, sizeof(junk));
	memcpy(junk, "VGS1", 4);
	assert_int_equal(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	close(fd);

	sp = vg_spool_open(t->dir, 1 << 20);
	assert_non_null(sp);
	expect_n(sp, 0, 20);
	append_n(sp, 20, 5);
	expect_n(sp, 20, 5);
	vg_spool_free(sp);

	/* a flipped byte inside the last record: it is cut, the rest stays */
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	{
		off_t end = lseek(fd, 0, SEEK_END);
		char c;

		assert_int_equal(pread(fd, &c, 1, end - 3), 1);
		c ^= 0x01;
		assert_int_equal(pwrite(fd, &c, 1, end - 3), 1);
	}
	close(fd);
	sp = vg_spool_open(t->dir, 1 << 20);
	assert_non_null(sp);
	expect_n(sp, 0, 24);
	{
		struct vg_spool_rec r;

		assert_int_equal(vg_spool_read(sp, &r), 0);
	}
	vg_spool_free(sp);
}

static void test_bad_input(void **state)
{
	struct tmp *t = *state;
	struct vg_spool *sp;
	char subj[300], *big;
	char path[128];
	int fd;

	errno = 0;
	assert_null(vg_spool_open(t->dir, 1000));
	assert_int_equal(errno, EINVAL);
	sp = vg_spool_open(t->dir, VG_SPOOL_MIN_BYTES);
	assert_non_null(sp);
	memset(subj, 'a', sizeof(subj) - 1);
	subj[sizeof(subj) - 1] = '\0';
	assert_int_equal(vg_spool_append(sp, subj, "x", 1, NULL), -EINVAL);
	assert_int_equal(vg_spool_append(sp, "", "x", 1, NULL), -EINVAL);
	big = calloc(1, VG_SPOOL_MIN_BYTES);
	assert_int_equal(vg_spool_append(sp, "s", big, VG_SPOOL_MIN_BYTES / 8, NULL), -EMSGSIZE);
	free(big);
	vg_spool_free(sp);

	/* segments without the spool's id file: not a spool this code wrote */
	snprintf(path, sizeof(path), "%s/id", t->dir);
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/seg-%020d.log", t->dir, 7);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	errno = 0;
	assert_null(vg_spool_open(t->dir, VG_SPOOL_MIN_BYTES));
	assert_int_equal(errno, EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack_and_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rewind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_acked_released, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overflow_drops_oldest_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_tail_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
	};

	return cmocka_run_group_tests_name("spool", tests, NULL, NULL);
}
