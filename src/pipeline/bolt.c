// SPDX-License-Identifier: Apache-2.0
/*
 * Read-only bbolt lookups; see bolt.h. The on-disk layout (bbolt 1.3,
 * little-endian as written on x86_64):
 *   page:   id u64, flags u16, count u16, overflow u32, then `count` elements
 *   meta:   (in pages 0 and 1, after the page header) magic, version,
 *           page size, flags (u32 each), root bucket {root page u64,
 *           sequence u64}, freelist u64, high page u64, txid u64, and a
 *           FNV-1a 64 checksum of the 56 bytes before it
 *   branch element: pos u32, ksize u32, child page u64
 *   leaf element:   flags u32, pos u32, ksize u32, vsize u32
 * A key starts `pos` bytes after its element, a leaf's value right after
 * its key. A leaf value flagged as a bucket is a bucket header {root page,
 * sequence}; root page 0 means the bucket's one leaf page follows inline.
 */
#include "pipeline/bolt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PAGE_HDR 16
#define ELEM 16
#define F_BRANCH 0x01
#define F_LEAF 0x02
#define F_META 0x04
#define LEAF_BUCKET 0x01
#define MAGIC 0xED0CDAEDu
#define VERSION 2
/* Bounds against a malformed or hostile file: tree depth (a tree of 4 KiB
 * pages this deep would hold far more than any containerd), pages per
 * read (overflow pages hold large values: a container spec is tens of
 * KiB), and nested buckets. */
#define MAX_DEPTH 32
#define MAX_PAGES 1024
#define MAX_PATH 8

struct db {
	int fd;
	uint32_t psize;
	uint64_t npages;
};

static uint16_t u16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t u64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Page `id` with its overflow pages, in a new buffer. */
static int read_page(const struct db *d, uint64_t id, uint8_t **out, size_t *len)
{
	uint8_t hdr[PAGE_HDR], *buf;
	uint64_t over;
	size_t n;

	if (id < 2 || id >= d->npages)
		return -EPROTO;
	if (pread(d->fd, hdr, sizeof(hdr), (off_t)(id * d->psize)) != (ssize_t)sizeof(hdr))
		return -EPROTO;
	over = u32(hdr + 12);
	if (over >= MAX_PAGES || id + over >= d->npages)
		return -EPROTO;
	n = (size_t)(over + 1) * d->psize;
	buf = malloc(n);
	if (!buf)
		return -ENOMEM;
	if (pread(d->fd, buf, n, (off_t)(id * d->psize)) != (ssize_t)n || u64(buf) != id) {
		free(buf);
		return -EPROTO;
	}
	*out = buf;
	*len = n;
	return 0;
}

/* Element i's key (and, for a leaf, its value) inside page [p, p+len). */
static int elem(const uint8_t *p, size_t len, unsigned i, bool leaf, const uint8_t **k, size_t *kl,
		const uint8_t **v, size_t *vl)
{
	size_t off = PAGE_HDR + (size_t)i * ELEM, pos, ks, vs;

	if (off + ELEM > len)
		return -EPROTO;
	pos = u32(p + off + (leaf ? 4 : 0));
	ks = u32(p + off + (leaf ? 8 : 4));
	vs = leaf ? u32(p + off + 12) : 0;
	if (pos > len - off || ks > len - off - pos || vs > len - off - pos - ks)
		return -EPROTO;
	*k = p + off + pos;
	*kl = ks;
	if (leaf) {
		*v = *k + ks;
		*vl = vs;
	}
	return 0;
}

static int keycmp(const uint8_t *a, size_t al, const char *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);

	return c ? c : (al > bl) - (al < bl);
}

/*
 * In the bucket whose header is `bh` (with `bhl` bytes, inline page
 * included), the value of `key`: copied into a new buffer, its leaf flags
 * in *flags.
 */
static int bucket_get(const struct db *d, const uint8_t *bh, size_t bhl, const char *key,
		      uint8_t **val, size_t *vall, uint32_t *flags)
{
	size_t klen = strlen(key), len;
	uint8_t *page = NULL;
	const uint8_t *p;
	uint64_t root;
	int err = -ENOENT;

	if (bhl < 16)
		return -EPROTO;
	root = u64(bh);
	if (root == 0) {
		p = bh + 16; /* the inline leaf */
		len = bhl - 16;
	} else {
		err = read_page(d, root, &page, &len);
		if (err)
			return err;
		p = page;
	}
	for (int depth = 0;; depth++) {
		uint16_t fl, count;
		const uint8_t *k, *v = NULL;
		size_t kl, vl = 0;

		if (len < PAGE_HDR || depth >= MAX_DEPTH) {
			err = -EPROTO;
			break;
		}
		fl = u16(p + 8);
		count = u16(p + 10);
		if (fl & F_LEAF) {
			unsigned i;

			err = -ENOENT;
			for (i = 0; i < count; i++) {
				err = elem(p, len, i, true, &k, &kl, &v, &vl);
				if (err || !keycmp(k, kl, key, klen))
					break;
				err = -ENOENT;
			}
			if (!err) {
				*val = malloc(vl ? vl : 1);
				if (!*val) {
					err = -ENOMEM;
					break;
				}
				memcpy(*val, v, vl);
				*vall = vl;
				*flags = u32(p + PAGE_HDR + (size_t)i * ELEM);
			}
			break;
		}
		if (!(fl & F_BRANCH) || !count) {
			err = -EPROTO;
			break;
		}
		{
			/* the last child whose first key is <= key, or the first */
			unsigned pick = 0;
			uint64_t child;

			for (unsigned i = 0; i < count; i++) {
				err = elem(p, len, i, false, &k, &kl, NULL, NULL);
				if (err)
					goto out;
				if (keycmp(k, kl, key, klen) > 0)
					break;
				pick = i;
			}
			child = u64(p + PAGE_HDR + (size_t)pick * ELEM + 8);
			free(page);
			page = NULL;
			err = read_page(d, child, &page, &len);
			if (err)
				break;
			p = page;
		}
	}
out:
	free(page);
	return err;
}

/* The meta page with the highest transaction id whose checksum holds. */
static int read_meta(struct db *d, uint8_t root[16])
{
	uint64_t best_tx = 0;
	bool found = false;
	struct stat st;

	if (fstat(d->fd, &st))
		return -errno;
	for (int m = 0; m < 2; m++) {
		uint8_t buf[PAGE_HDR + 64];
		const uint8_t *meta = buf + PAGE_HDR;
		uint64_t h = 0xcbf29ce484222325ull;
		uint32_t psize;
		off_t at;

		/* page 1's offset needs the page size, which page 0 gives;
		 * when page 0 is torn, try the common 4 KiB */
		at = m == 0 ? 0 : (off_t)(d->psize ? d->psize : 4096);
		if (pread(d->fd, buf, sizeof(buf), at) != (ssize_t)sizeof(buf))
			continue;
		psize = u32(meta + 8);
		if (u32(meta) != MAGIC || u32(meta + 4) != VERSION || !(u16(buf + 8) & F_META) ||
		    psize < 512 || psize > (1u << 16) || (psize & (psize - 1)))
			continue;
		for (int i = 0; i < 56; i++)
			h = (h ^ meta[i]) * 0x100000001b3ull;
		if (h != u64(meta + 56))
			continue;
		if (!d->psize)
			d->psize = psize;
		if (psize != d->psize)
			continue;
		if (!found || u64(meta + 48) > best_tx) {
			best_tx = u64(meta + 48);
			memcpy(root, meta + 16, 16);
			found = true;
		}
	}
	if (!found)
		return -EPROTO;
	d->npages = (uint64_t)st.st_size / d->psize;
	return 0;
}

int vg_bolt_get(const char *file, const char *const *path, size_t n, char *out, size_t size)
{
	struct db d = { .fd = -1 };
	uint8_t root[16], *cur = NULL, *val = NULL;
	size_t curl = sizeof(root), vall = 0;
	uint32_t flags = 0;
	int err;

	if (!n || n > MAX_PATH || !size)
		return -EINVAL;
	d.fd = open(file, O_RDONLY | O_CLOEXEC);
	if (d.fd < 0)
		return -errno;
	err = read_meta(&d, root);
	if (err)
		goto out_close;
	for (size_t i = 0; i < n; i++) {
		err = bucket_get(&d, cur ? cur : root, cur ? curl : sizeof(root), path[i], &val, &vall,
				 &flags);
		free(cur);
		cur = NULL;
		if (err)
			goto out_close;
		if ((i + 1 < n) != !!(flags & LEAF_BUCKET)) {
			free(val);
			err = -ENOENT; /* a value where a bucket was wanted, or the reverse */
			goto out_close;
		}
		cur = val;
		curl = vall;
	}
	if (memchr(cur, '\0', curl))
		curl = strlen((const char *)cur);
	if (curl >= size)
		curl = size - 1;
	memcpy(out, cur, curl);
	out[curl] = '\0';
	free(cur);
out_close:
	close(d.fd);
	return err;
}
