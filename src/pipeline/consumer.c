// SPDX-License-Identifier: Apache-2.0
/*
 * Ring-buffer consumer; see consumer.h. Each ring has its own libbpf
 * ring_buffer manager, both in one epoll set: libbpf (1.1, Debian 12's)
 * consumes a manager's rings only all together, and the syscall ring's
 * callback must be able to drain the lifecycle ring alone, which a nested
 * call into the manager running the callback cannot do.
 */
#include "pipeline/consumer.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"

static int deliver(struct vg_consumer *c, void *data, size_t len, struct vg_event *ev)
{
	c->records++;
	c->bytes += len;
	if (vg_decode(data, len, ev)) {
		if (!c->bad_records++)
			vg_warn("malformed event record (type %u, %zu bytes) skipped; counted",
				len >= sizeof(struct vg_hdr) ? ((const struct vg_hdr *)data)->type : 0u, len);
		return 1;
	}
	return 0;
}

static int on_lifecycle(void *ctx, void *data, size_t len)
{
	struct vg_consumer *c = ctx;
	struct vg_event ev;
	int err;

	c->lc_records++;
	if (deliver(c, data, len, &ev))
		return 0;
	err = c->fn(c->ctx, &ev);
	if (err)
		c->err = err;
	return err;
}

/* Hand over every lifecycle record committed so far. */
static int drain_lifecycle(struct vg_consumer *c)
{
	uint64_t start = vg_clock_boot_now();
	int n;

	if (!c->lc)
		return 0;
	n = ring_buffer__consume(c->lc);
	if (n >= 0)
		c->lc_drained = start;
	return n;
}

static int on_syscall(void *ctx, void *data, size_t len)
{
	struct vg_consumer *c = ctx;
	struct vg_event ev;

	if (deliver(c, data, len, &ev))
		return 0;
	/* The process's exec, fork (and parent's) may be newer than the last
	 * lifecycle drain: apply them first. */
	if (ev.ts_boot >= c->lc_drained) {
		int n = drain_lifecycle(c);

		if (n < 0)
			return c->err ? c->err : n;
	}
	return c->fn(c->ctx, &ev);
}

static int add_ring(struct vg_consumer *c, struct ring_buffer **rb, int fd, ring_buffer_sample_fn fn,
		    const char *what)
{
	struct epoll_event e = { .events = EPOLLIN };

	*rb = ring_buffer__new(fd, fn, c, NULL);
	if (!*rb) {
		int err = -errno;

		vg_err("creating the %s ring-buffer reader: %s", what, strerror(-err));
		return err;
	}
	if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, ring_buffer__epoll_fd(*rb), &e)) {
		int err = -errno;

		vg_err("watching the %s ring buffer: %s", what, strerror(-err));
		return err;
	}
	return 0;
}

int vg_consumer_init(struct vg_consumer *c, int sys_fd, int lc_fd, vg_event_fn fn, void *ctx)
{
	int err;

	memset(c, 0, sizeof(*c));
	c->fn = fn;
	c->ctx = ctx;
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (c->epfd < 0) {
		err = -errno;
		vg_err("creating the ring-buffer epoll set: %s", strerror(-err));
		return err;
	}
	c->have_epfd = true;
	err = add_ring(c, &c->sys, sys_fd, on_syscall, "syscall");
	if (!err && lc_fd >= 0)
		err = add_ring(c, &c->lc, lc_fd, on_lifecycle, "lifecycle");
	if (err)
		vg_consumer_release(c);
	return err;
}

void vg_consumer_release(struct vg_consumer *c)
{
	if (!c)
		return;
	ring_buffer__free(c->sys);
	ring_buffer__free(c->lc);
	c->sys = c->lc = NULL;
	if (c->have_epfd)
		close(c->epfd);
	c->have_epfd = false;
}

int vg_consumer_poll(struct vg_consumer *c, int timeout_ms)
{
	struct epoll_event e[2];
	uint64_t start;
	int n, m;

	/* The kernel wakes us only when a ring fills up (emit() in
	 * bpf/lib/maps.bpf.h): after a quiet timeout, drain what is there. */
	if (epoll_wait(c->epfd, e, 2, timeout_ms) < 0 && errno != EINTR)
		return -errno;
	c->err = 0;
	n = drain_lifecycle(c);
	if (n < 0)
		return n;
	start = vg_clock_boot_now();
	m = ring_buffer__consume(c->sys);
	if (m < 0)
		return c->err ? c->err : m;
	c->sys_drained = start;
	return n + m;
}
