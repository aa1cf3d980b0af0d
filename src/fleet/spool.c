// SPDX-License-Identifier: Apache-2.0
/*
 * The fleet publisher's on-disk spool: segments of CRC-checked records,
 * bounded in size, read through a cursor and released by acknowledgement.
 * Format and guarantees in spool.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "fleet/spool.h"

#define REC_MAGIC 0x31534756u /* "VGS1" little endian */
#define NSEG 8		      /* segments per size bound */

struct rec_hdr {
	uint32_t magic;
	uint32_t crc; /* CRC-32 of everything after this field */
	uint64_t seq;
	uint16_t idlen;
	uint16_t subjlen;
	uint32_t len;
};
_Static_assert(sizeof(struct rec_hdr) == 24, "spool record header is 24 bytes on disk");

struct seg {
	uint64_t first; /* sequence of its first record (also in its name) */
	uint64_t count;
	uint64_t bytes;
	int fd;
};

struct vg_spool {
	int dirfd;
	int headfd;
	char id[17];
	uint64_t max_bytes, seg_max;
	struct seg *segs; /* oldest first; the last one takes appends */
	size_t nsegs, cap;
	uint64_t bytes;	 /* sum of the segments' sizes */
	uint64_t head;	 /* oldest unacknowledged */
	uint64_t next;	 /* next append's sequence */
	uint64_t cur;	 /* cursor: next sequence to read */
	size_t cur_seg;	 /* its segment's index */
	uint64_t cur_off; /* its offset there */
	uint64_t appended, dropped;
	char *buf; /* the record vg_spool_read handed out */
	size_t bufcap;
};

static int seg_name(char *buf, size_t size, uint64_t first)
{
	return snprintf(buf, size, "seg-%020" PRIu64 ".log", first);
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static int pread_all(int fd, void *p, size_t n, uint64_t off)
{
	char *c = p;

	while (n) {
		ssize_t r = pread(fd, c, n, (off_t)off);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -EIO; /* shorter than its records say: cut by a crash */
		c += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

static uint32_t rec_crc(const struct rec_hdr *h, const void *body, size_t blen)
{
	uLong c = crc32(0L, Z_NULL, 0);

	c = crc32(c, (const Bytef *)&h->seq, sizeof(*h) - offsetof(struct rec_hdr, seq));
	return (uint32_t)crc32(c, body, (uInt)blen);
}

static int ensure_buf(struct vg_spool *sp, size_t n)
{
	char *nb;

	if (n <= sp->bufcap)
		return 0;
	nb = realloc(sp->buf, n);
	if (!nb)
		return -ENOMEM;
	sp->buf = nb;
	sp->bufcap = n;
	return 0;
}

/* Read and check the record at `off` of segment s: its body lands in
 * sp->buf. 0, -EBADMSG for a record that is not whole and right. */
static int read_rec(struct vg_spool *sp, const struct seg *s, uint64_t off, struct rec_hdr *h)
{
	size_t blen;
	int err;

	if (off + sizeof(*h) > s->bytes)
		return -EBADMSG;
	err = pread_all(s->fd, h, sizeof(*h), off);
	if (err)
		return err == -EIO ? -EBADMSG : err;
	blen = (size_t)h->idlen + h->subjlen + h->len;
	if (h->magic != REC_MAGIC || off + sizeof(*h) + blen > s->bytes ||
	    h->idlen > VG_SPOOL_MAX_ID || h->subjlen > VG_SPOOL_MAX_SUBJECT)
		return -EBADMSG;
	/* + 2: the id and subject are handed out NUL-terminated */
	err = ensure_buf(sp, blen + 2);
	if (err)
		return err;
	err = pread_all(s->fd, sp->buf, blen, off + sizeof(*h));
	if (err)
		return err == -EIO ? -EBADMSG : err;
	if (rec_crc(h, sp->buf, blen) != h->crc)
		return -EBADMSG;
	return 0;
}

static int write_head(struct vg_spool *sp)
{
	unsigned char b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(sp->head >> (8 * i));
	if (pwrite(sp->headfd, b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return errno ? -errno : -EIO;
	return 0;
}

static void seg_close(struct seg *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/* Delete the oldest segment; its unacknowledged records count as dropped. */
static int drop_oldest(struct vg_spool *sp)
{
	struct seg *s = &sp->segs[0];
	uint64_t end = s->first + s->count;
	char name[64];

	if (sp->head < end) {
		sp->dropped += end - (sp->head > s->first ? sp->head : s->first);
		sp->head = end;
	}
	seg_name(name, sizeof(name), s->first);
	if (unlinkat(sp->dirfd, name, 0) && errno != ENOENT)
		return -errno;
	sp->bytes -= s->bytes;
	seg_close(s);
	memmove(sp->segs, sp->segs + 1, (sp->nsegs - 1) * sizeof(*sp->segs));
	sp->nsegs--;
	if (sp->cur_seg > 0) {
		sp->cur_seg--;
	} else {
		/* the cursor was in it (or at its end): the next segment's start */
		sp->cur = sp->nsegs ? sp->segs[0].first : sp->next;
		sp->cur_off = 0;
	}
	if (sp->head < sp->cur && sp->nsegs && sp->head < sp->segs[0].first)
		sp->head = sp->segs[0].first;
	return write_head(sp);
}

static int new_segment(struct vg_spool *sp)
{
	char name[64];
	struct seg s = { .first = sp->next, .fd = -1 };

	if (sp->nsegs == sp->cap) {
		size_t ncap = sp->cap ? sp->cap * 2 : 16;
		struct seg *n = realloc(sp->segs, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		sp->segs = n;
		sp->cap = ncap;
	}
	seg_name(name, sizeof(name), s.first);
	s.fd = openat(sp->dirfd, name, O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
	if (s.fd < 0)
		return -errno;
	sp->segs[sp->nsegs++] = s;
	return 0;
}

int vg_spool_append(struct vg_spool *sp, const char *subject, const void *data, size_t len,
		    uint64_t *seq)
{
	char id[VG_SPOOL_MAX_ID + 1];
	size_t slen = strlen(subject), idlen, need;
	struct rec_hdr h;
	struct seg *s;
	char *rec;
	int err;

	if (!slen || slen > VG_SPOOL_MAX_SUBJECT)
		return -EINVAL;
	idlen = (size_t)snprintf(id, sizeof(id), "%s-%" PRIu64, sp->id, sp->next);
	need = sizeof(h) + idlen + slen + len;
	if (need > sp->seg_max || len > UINT32_MAX)
		return -EMSGSIZE;
	if (!sp->nsegs || sp->segs[sp->nsegs - 1].bytes + need > sp->seg_max) {
		err = new_segment(sp);
		if (err)
			return err;
	}
	/* the bound: oldest segments go first, never the one being written */
	while (sp->bytes + need > sp->max_bytes && sp->nsegs > 1) {
		err = drop_oldest(sp);
		if (err)
			return err;
	}
	err = ensure_buf(sp, need);
	if (err)
		return err;
	rec = sp->buf;
	h = (struct rec_hdr){ .magic = REC_MAGIC, .seq = sp->next, .idlen = (uint16_t)idlen,
			      .subjlen = (uint16_t)slen, .len = (uint32_t)len };
	memcpy(rec + sizeof(h), id, idlen);
	memcpy(rec + sizeof(h) + idlen, subject, slen);
	memcpy(rec + sizeof(h) + idlen + slen, data, len);
	h.crc = rec_crc(&h, rec + sizeof(h), need - sizeof(h));
	memcpy(rec, &h, sizeof(h));
	s = &sp->segs[sp->nsegs - 1];
	err = write_all(s->fd, rec, need);
	if (err) {
		/* leave the segment as it was: a partial record must not stay */
		if (ftruncate(s->fd, (off_t)s->bytes))
			return -errno;
		return err;
	}
	s->bytes += need;
	s->count++;
	sp->bytes += need;
	if (seq)
		*seq = sp->next;
	sp->next++;
	sp->appended++;
	return 0;
}

int vg_spool_read(struct vg_spool *sp, struct vg_spool_rec *rec)
{
	struct rec_hdr h;
	struct seg *s;
	int err;

	while (sp->cur_seg < sp->nsegs && sp->cur_off >= sp->segs[sp->cur_seg].bytes) {
		if (sp->cur_seg + 1 == sp->nsegs)
			return 0;
		sp->cur_seg++;
		sp->cur_off = 0;
		sp->cur = sp->segs[sp->cur_seg].first;
	}
	if (sp->cur_seg >= sp->nsegs || sp->cur >= sp->next)
		return 0;
	s = &sp->segs[sp->cur_seg];
	err = read_rec(sp, s, sp->cur_off, &h);
	if (err)
		return err;
	/* NUL-terminate id and subject in place: shift the payload by 2 */
	memmove(sp->buf + h.idlen + 1 + h.subjlen + 1, sp->buf + h.idlen + h.subjlen, h.len);
	memmove(sp->buf + h.idlen + 1, sp->buf + h.idlen, h.subjlen);
	sp->buf[h.idlen] = '\0';
	sp->buf[h.idlen + 1 + h.subjlen] = '\0';
	rec->seq = h.seq;
	rec->msgid = sp->buf;
	rec->subject = sp->buf + h.idlen + 1;
	rec->data = sp->buf + h.idlen + 1 + h.subjlen + 1;
	rec->len = h.len;
	sp->cur_off += sizeof(h) + h.idlen + h.subjlen + h.len;
	sp->cur = h.seq + 1;
	return 1;
}

int vg_spool_ack(struct vg_spool *sp, uint64_t seq)
{
	if (seq > sp->cur)
		seq = sp->cur;
	if (seq <= sp->head)
		return 0;
	sp->head = seq;
	/* release segments every record of which is acknowledged; the last
	 * one too once the cursor is past it all (the next append starts a
	 * fresh segment) */
	while (sp->nsegs && sp->segs[0].first + sp->segs[0].count <= sp->head &&
	       (sp->nsegs > 1 || sp->head == sp->next)) {
		int err = drop_oldest(sp);

		if (err)
			return err;
	}
	return write_head(sp);
}

/* Place the cursor on `seq`: its segment, and its offset found by walking
 * the segment's record headers (only on open and rewind). */
static int seek(struct vg_spool *sp, uint64_t seq)
{
	size_t i;
	uint64_t off = 0;

	for (i = 0; i < sp->nsegs; i++)
		if (seq < sp->segs[i].first + sp->segs[i].count)
			break;
	if (i == sp->nsegs) {
		sp->cur_seg = sp->nsegs ? sp->nsegs - 1 : 0;
		sp->cur_off = sp->nsegs ? sp->segs[sp->cur_seg].bytes : 0;
		sp->cur = sp->next;
		return 0;
	}
	if (seq < sp->segs[i].first)
		seq = sp->segs[i].first;
	for (uint64_t s = sp->segs[i].first; s < seq; s++) {
		struct rec_hdr h;
		int err = pread_all(sp->segs[i].fd, &h, sizeof(h), off);

		if (err)
			return err;
		off += sizeof(h) + h.idlen + h.subjlen + h.len;
	}
	sp->cur_seg = i;
	sp->cur_off = off;
	sp->cur = seq;
	return 0;
}

int vg_spool_rewind(struct vg_spool *sp)
{
	return seek(sp, sp->head);
}

uint64_t vg_spool_cursor(const struct vg_spool *sp)
{
	return sp->cur;
}

void vg_spool_stats(const struct vg_spool *sp, struct vg_spool_stats *st)
{
	st->appended = sp->appended;
	st->dropped = sp->dropped;
	st->pending = sp->next - sp->head;
	st->bytes = sp->bytes;
	st->head = sp->head;
	st->next = sp->next;
}

const char *vg_spool_id(const struct vg_spool *sp)
{
	return sp->id;
}

/* --- open: read back what is on disk ------------------------------------------------------ */

static int read_id(struct vg_spool *sp, bool may_create)
{
	int fd = openat(sp->dirfd, "id", O_RDONLY | O_CLOEXEC);
	unsigned char rnd[8];
	ssize_t n;
	int err;

	if (fd >= 0) {
		n = read(fd, sp->id, 16);
		close(fd);
		if (n != 16 || strspn(sp->id, "0123456789abcdef") != 16)
			return -EINVAL;
		sp->id[16] = '\0';
		return 0;
	}
	if (errno != ENOENT)
		return -errno;
	if (!may_create)
		return -EINVAL; /* records without an id: not a spool we wrote */
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -errno;
	for (int i = 0; i < 8; i++)
		snprintf(sp->id + 2 * i, 3, "%02x", rnd[i]);
	fd = openat(sp->dirfd, "id.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	err = write_all(fd, sp->id, 16);
	if (!err && fsync(fd))
		err = -errno;
	close(fd);
	if (!err && renameat(sp->dirfd, "id.tmp", sp->dirfd, "id"))
		err = -errno;
	return err;
}

static int cmp_seg(const void *a, const void *b)
{
	const struct seg *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

/* Count a segment's whole records; cut it after the last whole one. */
static int scan_segment(struct vg_spool *sp, struct seg *s)
{
	struct stat st;
	uint64_t off = 0;

	if (fstat(s->fd, &st))
		return -errno;
	s->bytes = (uint64_t)st.st_size;
	s->count = 0;
	for (;;) {
		struct rec_hdr h;
		int err = read_rec(sp, s, off, &h);

		if (err == -EBADMSG || (!err && h.seq != s->first + s->count))
			break;
		if (err)
			return err;
		off += sizeof(h) + h.idlen + h.subjlen + h.len;
		s->count++;
	}
	if (off != s->bytes) {
		if (ftruncate(s->fd, (off_t)off))
			return -errno;
		s->bytes = off;
	}
	return 0;
}

static int load_segments(struct vg_spool *sp)
{
	DIR *d;
	struct dirent *de;
	int dfd = dup(sp->dirfd), err = 0;

	if (dfd < 0)
		return -errno;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return -errno;
	}
	while ((de = readdir(d))) {
		uint64_t first;
		char tail[8];
		struct seg *ns;

		if (sscanf(de->d_name, "seg-%20" SCNu64 "%7s", &first, tail) != 2 ||
		    strcmp(tail, ".log"))
			continue;
		if (sp->nsegs == sp->cap) {
			size_t ncap = sp->cap ? sp->cap * 2 : 16;

			ns = realloc(sp->segs, ncap * sizeof(*ns));
			if (!ns) {
				err = -ENOMEM;
				break;
			}
			sp->segs = ns;
			sp->cap = ncap;
		}
		ns = &sp->segs[sp->nsegs];
		*ns = (struct seg){ .first = first };
		ns->fd = openat(sp->dirfd, de->d_name, O_RDWR | O_APPEND | O_CLOEXEC);
		if (ns->fd < 0) {
			err = -errno;
			break;
		}
		sp->nsegs++;
	}
	closedir(d);
	if (err)
		return err;
	if (sp->nsegs)
		qsort(sp->segs, sp->nsegs, sizeof(*sp->segs), cmp_seg);
	for (size_t i = 0; i < sp->nsegs; i++) {
		err = scan_segment(sp, &sp->segs[i]);
		if (err)
			return err;
		sp->bytes += sp->segs[i].bytes;
	}
	return 0;
}

static int read_head(struct vg_spool *sp)
{
	unsigned char b[8];
	ssize_t n = pread(sp->headfd, b, sizeof(b), 0);
	uint64_t first = sp->nsegs ? sp->segs[0].first : 0;

	sp->next = sp->nsegs ? sp->segs[sp->nsegs - 1].first + sp->segs[sp->nsegs - 1].count : 0;
	if (n == (ssize_t)sizeof(b)) {
		sp->head = 0;
		for (int i = 0; i < 8; i++)
			sp->head |= (uint64_t)b[i] << (8 * i);
	} else {
		sp->head = first;
	}
	if (!sp->nsegs && sp->head > sp->next)
		sp->next = sp->head; /* everything was acknowledged and released */
	if (sp->head < first)
		sp->head = first;
	if (sp->head > sp->next)
		sp->head = sp->next;
	return 0;
}

struct vg_spool *vg_spool_open(const char *dir, uint64_t max_bytes)
{
	struct vg_spool *sp;
	int err;

	if (max_bytes < VG_SPOOL_MIN_BYTES) {
		errno = EINVAL;
		return NULL;
	}
	sp = calloc(1, sizeof(*sp));
	if (!sp) {
		errno = ENOMEM;
		return NULL;
	}
	sp->headfd = -1;
	sp->max_bytes = max_bytes;
	sp->seg_max = max_bytes / NSEG;
	if (mkdir(dir, 0700) && errno != EEXIST) {
		err = -errno;
		goto err_free;
	}
	sp->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sp->dirfd < 0) {
		err = -errno;
		goto err_free;
	}
	/* one owner at a time (two agents, or a sink restarting on SIGHUP
	 * before the old one closed): the lock goes with dirfd */
	if (flock(sp->dirfd, LOCK_EX | LOCK_NB)) {
		err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		goto err_close;
	}
	err = load_segments(sp);
	if (err)
		goto err_close;
	err = read_id(sp, sp->nsegs == 0);
	if (err)
		goto err_close;
	sp->headfd = openat(sp->dirfd, "head", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (sp->headfd < 0) {
		err = -errno;
		goto err_close;
	}
	read_head(sp);
	/* a smaller bound than last time: shed the oldest now */
	while (sp->bytes > sp->max_bytes && sp->nsegs > 1) {
		err = drop_oldest(sp);
		if (err)
			goto err_close;
	}
	err = seek(sp, sp->head);
	if (err)
		goto err_close;
	return sp;

err_close:
	vg_spool_free(sp);
	errno = -err;
	return NULL;
err_free:
	free(sp);
	errno = -err;
	return NULL;
}

void vg_spool_free(struct vg_spool *sp)
{
	if (!sp)
		return;
	for (size_t i = 0; i < sp->nsegs; i++)
		seg_close(&sp->segs[i]);
	free(sp->segs);
	free(sp->buf);
	if (sp->headfd >= 0)
		close(sp->headfd);
	if (sp->dirfd >= 0)
		close(sp->dirfd);
	free(sp);
}
