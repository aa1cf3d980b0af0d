// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests: pipeline/bolt, the read-only bbolt walker. The files are
 * written here in bbolt's layout (the integration suite tests/runtimes
 * reads containerd's real one): two meta pages, a root bucket on a branch
 * page over two leaves, and buckets nested inline down to the value, the
 * way containerd stores v1/<namespace>/containers/<id>/image.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/bolt.h"

#define PS 4096
#define NPAGES 6

static uint8_t file[NPAGES * PS];

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static void meta(int page, uint64_t root, uint64_t txid)
{
	uint8_t *p = file + page * PS, *m = p + 16;
	uint64_t h = 0xcbf29ce484222325ull;

	put64(p, (uint64_t)page);
	put16(p + 8, 0x04);
	put32(m, 0xED0CDAEDu);
	put32(m + 4, 2);
	put32(m + 8, PS);
	put64(m + 16, root);
	put64(m + 40, NPAGES);
	put64(m + 48, txid);
	for (int i = 0; i < 56; i++)
		h = (h ^ m[i]) * 0x100000001b3ull;
	put64(m + 56, h);
}

struct kv {
	const char *k;
	const uint8_t *v;
	size_t vl;
	uint32_t flags; /* 1: bucket */
};

/* A leaf page (header + elements + data) at `p`; returns its length. */
static size_t leaf(uint8_t *p, uint64_t id, const struct kv *kv, size_t n)
{
	size_t data = 16 + n * 16;

	put64(p, id);
	put16(p + 8, 0x02);
	put16(p + 10, (uint16_t)n);
	for (size_t i = 0; i < n; i++) {
		uint8_t *e = p + 16 + i * 16;
		size_t kl = strlen(kv[i].k);

		put32(e, kv[i].flags);
		put32(e + 4, (uint32_t)(p + data - e));
		put32(e + 8, (uint32_t)kl);
		put32(e + 12, (uint32_t)kv[i].vl);
		memcpy(p + data, kv[i].k, kl);
		memcpy(p + data + kl, kv[i].v, kv[i].vl);
		data += kl + kv[i].vl;
	}
	return data;
}

/* An inline bucket holding `kv`: header {root 0, seq 0} + its leaf. */
static size_t inline_bucket(uint8_t *out, const struct kv *kv, size_t n)
{
	memset(out, 0, 16);
	return 16 + leaf(out + 16, 0, kv, n);
}

static void write_db(const char *path, bool corrupt_newer)
{
	uint8_t b_id[512], b_containers[1024], b_ns[1536], b_v1[2048];
	size_t l;
	struct kv id_kv[] = { { "image", (const uint8_t *)"docker.io/library/app:1.2", 25, 0 },
			      { "runtime", (const uint8_t *)"x", 1, 0 } };
	FILE *f;

	memset(file, 0, sizeof(file));
	l = inline_bucket(b_id, id_kv, 2);
	{
		struct kv c[] = { { "web1", b_id, l, 1 } };

		l = inline_bucket(b_containers, c, 1);
	}
	{
		struct kv c[] = { { "containers", b_containers, l, 1 } };

		l = inline_bucket(b_ns, c, 1);
	}
	{
		uint8_t empty[64];
		size_t el = inline_bucket(empty, NULL, 0); /* an empty namespace */
		struct kv c[] = { { "default", b_ns, l, 1 }, { "k8s.io", empty, el, 1 } };

		/* v1 is a bucket on page 3 (not inline) */
		leaf(file + 3 * PS, 3, c, 2);
	}
	memset(b_v1, 0, 16);
	put64(b_v1, 3);
	{
		/* the root: a branch (page 2) over a leaf "aaa" (page 4) and a
		 * leaf holding v1 (page 5) */
		struct kv a[] = { { "aaa", (const uint8_t *)"", 0, 0 } };
		struct kv r[] = { { "v1", b_v1, 16, 1 } };
		const char *keys[] = { "aaa", "v1" };
		uint64_t child[] = { 4, 5 };
		uint8_t *br = file + 2 * PS;
		size_t data = 16 + 2 * 16;

		leaf(file + 4 * PS, 4, a, 1);
		leaf(file + 5 * PS, 5, r, 1);
		put64(br, 2);
		put16(br + 8, 0x01);
		put16(br + 10, 2);
		for (int i = 0; i < 2; i++) {
			uint8_t *e = br + 16 + i * 16;

			put32(e, (uint32_t)(br + data - e));
			put32(e + 4, (uint32_t)strlen(keys[i]));
			put64(e + 8, child[i]);
			memcpy(br + data, keys[i], strlen(keys[i]));
			data += strlen(keys[i]);
		}
	}
	meta(0, 2, 7);
	meta(1, 2, 6);
	if (corrupt_newer)
		file[16 + 20] ^= 0xff; /* meta 0's root: its checksum no longer holds */
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(file, 1, sizeof(file), f), sizeof(file));
	fclose(f);
}

static void test_lookup(void **state)
{
	char path[] = "/tmp/vigil-bolt-XXXXXX", out[64];
	const char *img[] = { "v1", "default", "containers", "web1", "image" };
	const char *nons[] = { "v1", "other", "containers", "web1", "image" };
	const char *noid[] = { "v1", "default", "containers", "web2", "image" };
	const char *bucket_as_value[] = { "v1", "default", "containers", "web1" };
	const char *empty_ns[] = { "v1", "k8s.io", "containers" };
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	write_db(path, false);
	assert_int_equal(vg_bolt_get(path, img, 5, out, sizeof(out)), 0);
	assert_string_equal(out, "docker.io/library/app:1.2");
	/* cut to the buffer */
	assert_int_equal(vg_bolt_get(path, img, 5, out, 10), 0);
	assert_string_equal(out, "docker.io");
	assert_int_equal(vg_bolt_get(path, nons, 5, out, sizeof(out)), -ENOENT);
	assert_int_equal(vg_bolt_get(path, noid, 5, out, sizeof(out)), -ENOENT);
	assert_int_equal(vg_bolt_get(path, bucket_as_value, 4, out, sizeof(out)), -ENOENT);
	assert_int_equal(vg_bolt_get(path, empty_ns, 3, out, sizeof(out)), -ENOENT);
	/* the newer meta torn: the older one still names a tree */
	write_db(path, true);
	assert_int_equal(vg_bolt_get(path, img, 5, out, sizeof(out)), 0);
	/* not bbolt at all */
	assert_int_equal(truncate(path, 100), 0);
	assert_int_equal(vg_bolt_get(path, img, 5, out, sizeof(out)), -EPROTO);
	unlink(path);
	assert_int_equal(vg_bolt_get(path, img, 5, out, sizeof(out)), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
	};

	return cmocka_run_group_tests_name("bolt", tests, NULL, NULL);
}
