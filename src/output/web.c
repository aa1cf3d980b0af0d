// SPDX-License-Identifier: Apache-2.0
/*
 * Health and metrics over HTTP with libmicrohttpd; see web.h. The daemon
 * runs its own thread (MHD_USE_INTERNAL_POLLING_THREAD). A /metrics
 * request raises `wanted` and waits (at most 2 s) for the agent's loop,
 * which turns at least every 50 ms, to publish a new text.
 */
#include "output/web.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The loop counts as alive when it turned within this many ns. */
#define ALIVE_NS 5000000000ull
#define METRICS_WAIT_MS 2000

struct vg_web {
	struct MHD_Daemon *d;
	char *healthz;
	bool metrics;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool ready;
	uint64_t last_turn_ns;
	unsigned wanted;      /* requests waiting for a text */
	uint64_t generation;  /* bumped with each text published */
	struct strbuf text;   /* the last text */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *type,
			     const char *body, size_t len)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result serve_metrics(struct vg_web *w, struct MHD_Connection *conn)
{
	struct timespec until;
	uint64_t gen, deadline = mono_ns() + METRICS_WAIT_MS * 1000000ull;
	enum MHD_Result ret;
	bool got = false;

	pthread_mutex_lock(&w->mu);
	gen = w->generation;
	w->wanted++;
	until.tv_sec = (time_t)(deadline / 1000000000ull);
	until.tv_nsec = (long)(deadline % 1000000000ull);
	while (w->generation == gen)
		if (pthread_cond_timedwait(&w->cv, &w->mu, &until) == ETIMEDOUT)
			break;
	got = w->generation != gen;
	if (!got)
		w->wanted--;
	if (got)
		ret = reply(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
			    w->text.buf, w->text.len);
	pthread_mutex_unlock(&w->mu);
	if (!got) {
		static const char msg[] = "the agent's loop did not answer\n";

		ret = reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain", msg, sizeof(msg) - 1);
	}
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *data_size, void **con_cls)
{
	struct vg_web *w = cls;

	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", "GET only\n", 9);
	if (!strcmp(url, w->healthz)) {
		bool ok;

		pthread_mutex_lock(&w->mu);
		ok = w->ready && mono_ns() - w->last_turn_ns < ALIVE_NS;
		pthread_mutex_unlock(&w->mu);
		if (ok)
			return reply(conn, MHD_HTTP_OK, "application/json", "{\"status\": \"ok\"}", 16);
		return reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "application/json",
			     "{\"status\": \"unavailable\"}", 25);
	}
	if (w->metrics && !strcmp(url, "/metrics"))
		return serve_metrics(w, conn);
	return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain", "not found\n", 10);
}

struct vg_web *vg_web_new(const struct vg_web_conf *c)
{
	struct vg_web *w = calloc(1, sizeof(*w));
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(c->port) };
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(c->port) };
	const struct sockaddr *sa;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	pthread_condattr_t ca;

	if (!w)
		return NULL;
	if (inet_pton(AF_INET, c->address, &a4.sin_addr) == 1) {
		sa = (const struct sockaddr *)&a4;
	} else if (inet_pton(AF_INET6, c->address, &a6.sin6_addr) == 1) {
		sa = (const struct sockaddr *)&a6;
		flags |= MHD_USE_IPv6;
	} else {
		free(w);
		errno = EINVAL;
		return NULL;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	strbuf_init(&w->text);
	w->metrics = c->metrics;
	w->healthz = strdup(c->healthz);
	if (!w->healthz) {
		vg_web_free(w);
		errno = ENOMEM;
		return NULL;
	}
	w->d = MHD_start_daemon(flags, (uint16_t)c->port, NULL, NULL, on_request, w,
				MHD_OPTION_SOCK_ADDR, sa, MHD_OPTION_CONNECTION_TIMEOUT,
				(unsigned)10, MHD_OPTION_END);
	if (!w->d) {
		int err = errno ? errno : EADDRINUSE;

		vg_web_free(w);
		errno = err;
		return NULL;
	}
	return w;
}

void vg_web_free(struct vg_web *w)
{
	if (!w)
		return;
	if (w->d)
		MHD_stop_daemon(w->d);
	free(w->healthz);
	strbuf_release(&w->text);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

void vg_web_set_ready(struct vg_web *w, bool ready)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->ready = ready;
	w->last_turn_ns = mono_ns();
	pthread_mutex_unlock(&w->mu);
}

void vg_web_poll(struct vg_web *w, vg_web_metrics_fn fn, void *ctx)
{
	bool wanted;

	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->last_turn_ns = mono_ns();
	wanted = w->wanted > 0;
	pthread_mutex_unlock(&w->mu);
	if (!wanted)
		return;
	{
		struct strbuf text = STRBUF_INIT;

		fn(ctx, &text);
		pthread_mutex_lock(&w->mu);
		strbuf_release(&w->text);
		w->text = text;
		w->generation++;
		w->wanted = 0;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
	}
}
