/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent's webserver (Falco's `webserver:`), on libmicrohttpd: the
 * Kubernetes health endpoint (default /healthz) answers 200
 * {"status": "ok"} only once every probe is attached and while the agent's
 * loop is alive, 503 otherwise; /metrics answers Prometheus text built by
 * the agent's own thread (the server thread asks and waits for it, so the
 * numbers are read where they are kept, without locks around them).
 *
 * Ownership: vg_web_new() returns a server that owns its daemon and
 * buffers; vg_web_free() stops it. The server thread calls nothing of the
 * agent: it only reads the state set here and waits for vg_web_poll().
 */
#ifndef VIGIL_WEB_H
#define VIGIL_WEB_H

#include <stdbool.h>

#include "common/strbuf.h"

struct vg_web_conf {
	const char *address; /* numeric IPv4 or IPv6; loopback unless configured */
	unsigned port;
	const char *healthz; /* path of the health endpoint */
	bool metrics;	     /* serve /metrics */
};

struct vg_web;

/* Bind and start serving (health answers 503 until ready). NULL with errno
 * set (EADDRINUSE, EINVAL for an address that is not numeric, ...). */
struct vg_web *vg_web_new(const struct vg_web_conf *c);
void vg_web_free(struct vg_web *w);

/* Every probe is attached (true), or the agent has stopped or failed
 * (false). */
void vg_web_set_ready(struct vg_web *w, bool ready);

/* Fills `out` with the Prometheus text (called on the agent's thread). */
typedef void (*vg_web_metrics_fn)(void *ctx, struct strbuf *out);

/* The agent's loop turn: marks it alive and answers a waiting /metrics
 * request with fn. */
void vg_web_poll(struct vg_web *w, vg_web_metrics_fn fn, void *ctx);

#endif /* VIGIL_WEB_H */
