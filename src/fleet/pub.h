/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A fleet publisher: messages (alerts) go to a spool on disk first
 * (fleet/spool.h), then to JetStream with their spool message id, several
 * in flight at once; each is released from the spool when the stream has
 * acknowledged it and everything before it. An acknowledgement that fails
 * (server gone, ack timeout, stream error) puts the spool's cursor back at
 * its oldest unacknowledged record, and everything from there is sent again,
 * in order: messages the stream had already stored come back as duplicates
 * (same message id, within the stream's duplicate window) and are not
 * stored twice. While the connection is down nothing is sent; the spool
 * keeps what arrives (bounded: see spool.h for what overflow drops).
 *
 * Threads: one thread (a sink's worker) calls enqueue and pump; libnats
 * delivers acknowledgements on its own thread, which only touches the
 * in-flight table under the publisher's lock. vg_fleet_pub_enqueue() never
 * waits on the network; vg_fleet_pub_pump() waits at most its timeout.
 *
 * Ownership: the publisher borrows the fleet connection and the spool (both
 * must outlive it) and owns its JetStream context. Functions return 0 or a
 * negative errno.
 */
#ifndef VIGIL_FLEET_PUB_H
#define VIGIL_FLEET_PUB_H

#include <stddef.h>
#include <stdint.h>

struct vg_fleet;
struct vg_spool;
struct vg_fleet_pub;

struct vg_fleet_pub_opts {
	unsigned window;  /* messages in flight at most; 0: 1024 */
	int ack_wait_ms;  /* an ack later than this is a failure; 0: 5000 */
};

struct vg_fleet_pub_stats {
	uint64_t sent;	     /* publish calls, resends included */
	uint64_t acked;	     /* acknowledged (stored, or already stored) */
	uint64_t duplicates; /* of those, ones the stream had already stored */
	uint64_t failures;   /* failed acknowledgements */
	uint64_t rewinds;    /* times the cursor went back to resend */
	uint64_t replayed;   /* sends of a message sent before (this run or the last) */
	uint64_t spool_pending, spool_dropped, spool_bytes;
};

struct vg_fleet_pub *vg_fleet_pub_new(struct vg_fleet *f, struct vg_spool *sp,
				      const struct vg_fleet_pub_opts *o);
/* Frees the publisher; what is unacknowledged stays in the spool. */
void vg_fleet_pub_free(struct vg_fleet_pub *p);

/* Append a message to the spool (no network): see vg_spool_append. */
int vg_fleet_pub_enqueue(struct vg_fleet_pub *p, const char *subject, const void *data,
			 size_t len);

/*
 * Release what has been acknowledged, resend from the oldest
 * unacknowledged message after a failure, send what the window allows
 * while connected, and wait up to timeout_ms for acknowledgements when
 * some are outstanding. Returns how many messages are still unacknowledged
 * (0: the spool is empty), or a negative errno from the spool.
 */
int64_t vg_fleet_pub_pump(struct vg_fleet_pub *p, int timeout_ms);

/* Pump until everything is acknowledged: 0, or -ETIMEDOUT after timeout_ms. */
int vg_fleet_pub_flush(struct vg_fleet_pub *p, int timeout_ms);

void vg_fleet_pub_stats(struct vg_fleet_pub *p, struct vg_fleet_pub_stats *st);

#endif /* VIGIL_FLEET_PUB_H */
