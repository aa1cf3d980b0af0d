// SPDX-License-Identifier: Apache-2.0
/* Ring-buffer consumer; see consumer.h. */
#include "pipeline/consumer.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <string.h>

#include "common/log.h"

static int on_sample(void *ctx, void *data, size_t len)
{
	struct vg_consumer *c = ctx;
	struct vg_event ev;

	c->records++;
	c->bytes += len;
	if (vg_decode(data, len, &ev)) {
		if (!c->bad_records++)
			vg_warn("malformed event record (type %u, %zu bytes) skipped; counted",
				len >= sizeof(struct vg_hdr) ? ((const struct vg_hdr *)data)->type : 0u, len);
		return 0;
	}
	return c->fn(c->ctx, &ev);
}

int vg_consumer_init(struct vg_consumer *c, int ringbuf_fd, vg_event_fn fn, void *ctx)
{
	memset(c, 0, sizeof(*c));
	c->fn = fn;
	c->ctx = ctx;
	c->rb = ring_buffer__new(ringbuf_fd, on_sample, c, NULL);
	if (!c->rb) {
		int err = -errno;

		vg_err("creating the ring-buffer reader: %s", strerror(-err));
		return err;
	}
	return 0;
}

void vg_consumer_release(struct vg_consumer *c)
{
	if (!c)
		return;
	ring_buffer__free(c->rb);
	c->rb = NULL;
}

int vg_consumer_poll(struct vg_consumer *c, int timeout_ms)
{
	int n = ring_buffer__poll(c->rb, timeout_ms), m;

	/* The kernel wakes us only when the ring fills up (emit() in
	 * bpf/lib/maps.bpf.h): after a quiet timeout, drain what is there. */
	if (n < 0)
		return n;
	m = ring_buffer__consume(c->rb);
	return m < 0 ? m : n + m;
}
