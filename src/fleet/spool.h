/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A bounded, ordered, on-disk spool of messages waiting for the server's
 * acknowledgement: every message a fleet publisher sends is appended here
 * first and removed only once JetStream has acknowledged it, so an agent
 * that loses its server (or restarts) replays exactly what was not
 * acknowledged, in order, each message with the id it was given at append
 * time. JetStream drops a message whose id it has already stored within the
 * stream's duplicate window, so replays are exactly-once on the stream.
 *
 * Layout of the directory (docs/FLEET.md):
 *   id              16 hex digits naming this spool; message ids are
 *                   "<id>-<seq>", so two spools never share an id
 *   head            the sequence number of the oldest unacknowledged record
 *                   (8 bytes, little endian), rewritten as acks arrive
 *   seg-<seq>.log   records <seq>..., appended; one segment is an eighth of
 *                   the spool's size bound
 * A record: magic, CRC-32 of the rest, sequence, lengths, then message id,
 * subject and payload. Opening a spool checks every record; a torn record at
 * the end of a segment (a crash during append) is cut off there.
 *
 * Bound: when an append would make the spool exceed its size, the oldest
 * segment is deleted first; its unacknowledged records are counted in
 * `dropped` (never silently). Dropping a segment at a time keeps appends
 * O(1); it loses at most an eighth of the spool at once.
 *
 * Two positions move through the records: `head` (oldest unacknowledged)
 * and a read cursor (next record to send). vg_spool_read() advances the
 * cursor; vg_spool_ack() moves head; vg_spool_rewind() puts the cursor back
 * at head so that everything unacknowledged is sent again.
 *
 * Durability: appends are written, not fsync'd. An agent that crashes or
 * is killed loses nothing (the kernel's page cache keeps the writes); a
 * power cut may lose the records appended in the last seconds before it,
 * the price of not paying an fsync per alert.
 *
 * Not thread-safe: one thread (a sink's worker) owns a spool. Functions
 * return 0 or a negative errno unless said otherwise.
 */
#ifndef VIGIL_FLEET_SPOOL_H
#define VIGIL_FLEET_SPOOL_H

#include <stddef.h>
#include <stdint.h>

struct vg_spool;

/* One record, as vg_spool_read() hands it out: the pointers are valid until
 * the next call on the spool. */
struct vg_spool_rec {
	uint64_t seq;
	const char *msgid;   /* NUL-terminated */
	const char *subject; /* NUL-terminated */
	const void *data;
	size_t len;
};

struct vg_spool_stats {
	uint64_t appended; /* records appended since open */
	uint64_t dropped;  /* unacknowledged records deleted to stay in bounds */
	uint64_t pending;  /* records not yet acknowledged */
	uint64_t bytes;	   /* bytes on disk (segments) */
	uint64_t head;	   /* oldest unacknowledged sequence number */
	uint64_t next;	   /* sequence number the next append gets */
};

/* Smallest size bound accepted (4 segments of 16 KiB). */
#define VG_SPOOL_MIN_BYTES (64u << 10)
/* Largest message id, subject and payload (a record must fit in a segment). */
#define VG_SPOOL_MAX_ID 127
#define VG_SPOOL_MAX_SUBJECT 255

/*
 * Open (creating it and its parents' last level if needed) the spool in
 * `dir`, bounded to `max_bytes` (>= VG_SPOOL_MIN_BYTES). Existing records
 * are kept and checked. The spool holds an exclusive lock (flock) on the
 * directory until freed. Returns NULL with errno set: EINVAL (bound too
 * small, or the directory holds something that is not a spool), EBUSY
 * (another spool has it open), or the error of the file operation that
 * failed.
 */
struct vg_spool *vg_spool_open(const char *dir, uint64_t max_bytes);
/* Close; the records stay on disk. NULL is fine. */
void vg_spool_free(struct vg_spool *sp);

/*
 * Append a message; its id is "<spool id>-<seq>", and *seq (if not NULL)
 * gets seq. -EMSGSIZE when the record cannot fit in a segment, -EINVAL on a
 * subject longer than VG_SPOOL_MAX_SUBJECT, or a write error (the spool is
 * unchanged then).
 */
int vg_spool_append(struct vg_spool *sp, const char *subject, const void *data, size_t len,
		    uint64_t *seq);

/* The record at the cursor, and advance the cursor: 1 with *rec filled, 0
 * when the cursor has reached the end, or a negative errno. */
int vg_spool_read(struct vg_spool *sp, struct vg_spool_rec *rec);

/* Acknowledge every record before `seq` (head = seq, never backwards, never
 * past the cursor's end): fully acknowledged segments are deleted. */
int vg_spool_ack(struct vg_spool *sp, uint64_t seq);

/* Put the cursor back at head. */
int vg_spool_rewind(struct vg_spool *sp);

/* The sequence number the cursor reads next. */
uint64_t vg_spool_cursor(const struct vg_spool *sp);

void vg_spool_stats(const struct vg_spool *sp, struct vg_spool_stats *st);

/* The spool's id (16 hex digits). */
const char *vg_spool_id(const struct vg_spool *sp);

#endif /* VIGIL_FLEET_SPOOL_H */
