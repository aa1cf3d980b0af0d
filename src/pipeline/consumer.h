/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ring-buffer consumer: polls the events map, decodes each record and
 * hands it to a callback. The decoded event is valid only during the call.
 */
#ifndef VIGIL_CONSUMER_H
#define VIGIL_CONSUMER_H

#include <stdint.h>

#include "pipeline/event.h"

struct ring_buffer;

/* Return 0 to go on, a negative errno to stop polling (poll returns it). */
typedef int (*vg_event_fn)(void *ctx, const struct vg_event *ev);

struct vg_consumer {
	struct ring_buffer *rb;
	vg_event_fn fn;
	void *ctx;
	uint64_t records;     /* records received */
	uint64_t bytes;	      /* bytes received */
	uint64_t bad_records; /* records the decoder rejected */
};

/* 0 or negative errno. */
int vg_consumer_init(struct vg_consumer *c, int ringbuf_fd, vg_event_fn fn, void *ctx);
void vg_consumer_release(struct vg_consumer *c);
/* Wait up to timeout_ms for records and consume all available. Returns the
 * number consumed, or a negative errno (the callback's, or
 * -EINTR when a signal interrupted the wait). */
int vg_consumer_poll(struct vg_consumer *c, int timeout_ms);

#endif /* VIGIL_CONSUMER_H */
