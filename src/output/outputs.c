// SPDX-License-Identifier: Apache-2.0
/*
 * The sink set: one bounded queue and one worker thread per sink; see
 * outputs.h. The queue is a ring of malloc'd copies of the lines: alerts
 * are rare next to events, and a copy per sink lets each sink go at its
 * own pace.
 */
#include "output/outputs.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "output/sink.h"

#define QUEUE_DEFAULT 10000
#define DRAIN_MS_DEFAULT 5000
/* Backoff between retries of one line: 100 ms doubling to 5 s, so that a
 * receiver that comes back is used again within 5 s. */
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000

struct qent {
	char *line;
	size_t len;
	enum vg_prio prio;
};

struct worker {
	struct vg_sink sink; /* first: the sink ops get a pointer to it */
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct qent *q;
	size_t cap, head, n;
	bool stop, reopen;
	uint64_t deadline_ns; /* once stopping: give up retrying after this */
	uint64_t sent, retried, dropped, dropped_reported;
};

struct vg_outputs {
	struct worker **w;
	size_t n;
	unsigned drain_ms;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void pop(struct worker *w)
{
	free(w->q[w->head].line);
	w->q[w->head].line = NULL;
	w->head = (w->head + 1) % w->cap;
	w->n--;
}

/* Wait up to ms, or until asked to stop (called and returns locked). */
static void backoff_wait(struct worker *w, unsigned ms)
{
	struct timespec ts;
	uint64_t until = mono_ns() + (uint64_t)ms * 1000000ull;

	if (w->stop && until > w->deadline_ns)
		until = w->deadline_ns;
	ts.tv_sec = (time_t)(until / 1000000000ull);
	ts.tv_nsec = (long)(until % 1000000000ull);
	while (mono_ns() < until)
		if (pthread_cond_timedwait(&w->cv, &w->mu, &ts) == ETIMEDOUT)
			break;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct vg_sink *s = &w->sink;
	unsigned backoff = BACKOFF_MIN_MS;
	bool opened = false, dead = false;
	int err;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct qent e;

		while (!w->n && !w->stop && !w->reopen) {
			int ms = BACKOFF_MIN_MS;

			if (!s->ops->idle || dead) {
				pthread_cond_wait(&w->cv, &w->mu);
				continue;
			}
			/* a sink with background work (a spool to send) opens
			 * at once, and gets called between lines: what its spool
			 * kept goes out without waiting for a new alert */
			pthread_mutex_unlock(&w->mu);
			if (!opened) {
				err = s->ops->open ? s->ops->open(s) : 0;
				if (!err) {
					opened = true;
				} else if (err != -EAGAIN) {
					vg_err("output %s: %s; its alerts are dropped (counted)",
					       s->ops->name, strerror(-err));
					dead = true;
				}
			}
			if (opened)
				ms = s->ops->idle(s);
			pthread_mutex_lock(&w->mu);
			if (!w->n && !w->stop && !w->reopen && ms > 0)
				backoff_wait(w, (unsigned)ms);
		}
		if (w->reopen) {
			w->reopen = false;
			pthread_mutex_unlock(&w->mu);
			if (opened && s->ops->reopen)
				s->ops->reopen(s);
			pthread_mutex_lock(&w->mu);
			continue;
		}
		if (!w->n)
			break; /* stopping, and all delivered */
		e = w->q[w->head];
		pthread_mutex_unlock(&w->mu);
		err = 0;
		if (!opened && !dead) {
			err = s->ops->open ? s->ops->open(s) : 0;
			if (!err)
				opened = true;
			else if (err != -EAGAIN) {
				vg_err("output %s: %s; its alerts are dropped (counted)", s->ops->name,
				       strerror(-err));
				dead = true;
			}
		}
		if (dead)
			err = -EIO;
		else if (opened)
			err = s->ops->write(s, e.prio, e.line, e.len);
		pthread_mutex_lock(&w->mu);
		if (!err) {
			pop(w);
			w->sent++;
			backoff = BACKOFF_MIN_MS;
		} else if (err == -EAGAIN) {
			w->retried++;
			if (w->stop && mono_ns() >= w->deadline_ns) {
				/* stopping and out of time: what is left is lost, counted */
				w->dropped += w->n;
				while (w->n)
					pop(w);
				break;
			}
			backoff_wait(w, backoff);
			backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
		} else {
			pop(w);
			w->dropped++;
		}
		if (!w->n && opened && s->ops->flush) {
			pthread_mutex_unlock(&w->mu);
			s->ops->flush(s);
			pthread_mutex_lock(&w->mu);
		}
	}
	pthread_mutex_unlock(&w->mu);
	if (opened && s->ops->flush)
		s->ops->flush(s);
	return NULL;
}

static const struct vg_sink_ops *ops_of(enum vg_sink_kind k)
{
	switch (k) {
	case VG_SINK_STDOUT:
		return &vg_sink_stdout_ops;
	case VG_SINK_FILE:
		return &vg_sink_file_ops;
	case VG_SINK_SYSLOG:
		return &vg_sink_syslog_ops;
	case VG_SINK_PROGRAM:
		return &vg_sink_program_ops;
	case VG_SINK_HTTP:
		return &vg_sink_http_ops;
	case VG_SINK_NATS:
		return &vg_sink_nats_ops;
	}
	return NULL;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void conf_release(struct vg_sink_conf *c)
{
	free((char *)c->target);
	free((char *)c->user_agent);
	free((char *)c->ca_cert);
	free((char *)c->ca_bundle);
	free((char *)c->ca_path);
	free((char *)c->client_cert);
	free((char *)c->client_key);
	free((char *)c->creds);
	free((char *)c->subject_prefix);
	free((char *)c->stream);
	free((char *)c->spool_dir);
	free((char *)c->hostname);
}

static int conf_copy(struct vg_sink_conf *dst, const struct vg_sink_conf *src)
{
	*dst = *src;
	dst->target = dup_or_null(src->target);
	dst->user_agent = dup_or_null(src->user_agent);
	dst->ca_cert = dup_or_null(src->ca_cert);
	dst->ca_bundle = dup_or_null(src->ca_bundle);
	dst->ca_path = dup_or_null(src->ca_path);
	dst->client_cert = dup_or_null(src->client_cert);
	dst->client_key = dup_or_null(src->client_key);
	dst->creds = dup_or_null(src->creds);
	dst->subject_prefix = dup_or_null(src->subject_prefix);
	dst->stream = dup_or_null(src->stream);
	dst->spool_dir = dup_or_null(src->spool_dir);
	dst->hostname = dup_or_null(src->hostname);
	if ((src->target && !dst->target) || (src->user_agent && !dst->user_agent) ||
	    (src->ca_cert && !dst->ca_cert) || (src->ca_bundle && !dst->ca_bundle) ||
	    (src->ca_path && !dst->ca_path) || (src->client_cert && !dst->client_cert) ||
	    (src->client_key && !dst->client_key)) {
		conf_release(dst);
		return -ENOMEM;
	}
	if ((src->creds && !dst->creds) || (src->subject_prefix && !dst->subject_prefix) ||
	    (src->stream && !dst->stream) || (src->spool_dir && !dst->spool_dir) ||
	    (src->hostname && !dst->hostname)) {
		conf_release(dst);
		return -ENOMEM;
	}
	return 0;
}

static void worker_free(struct worker *w)
{
	if (!w)
		return;
	while (w->n)
		pop(w);
	free(w->q);
	if (w->sink.ops && w->sink.ops->close)
		w->sink.ops->close(&w->sink);
	conf_release(&w->sink.conf);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

static struct worker *worker_new(const struct vg_sink_conf *c, size_t cap)
{
	struct worker *w = calloc(1, sizeof(*w));
	pthread_condattr_t ca;

	if (!w)
		return NULL;
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	w->cap = cap;
	w->q = calloc(cap, sizeof(*w->q));
	if (!w->q || conf_copy(&w->sink.conf, c)) {
		free(w->q);
		w->q = NULL;
		worker_free(w);
		errno = ENOMEM;
		return NULL;
	}
	w->sink.ops = ops_of(c->kind);
	return w;
}

struct vg_outputs *vg_outputs_new(const struct vg_outputs_conf *c)
{
	struct vg_outputs *o = calloc(1, sizeof(*o));
	size_t cap = c->queue_capacity ? c->queue_capacity : QUEUE_DEFAULT;
	int err = 0;

	static bool curl_ready;

	if (!o)
		return NULL;
	/* libcurl's global state, once, before any worker thread runs */
	if (!curl_ready && curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK)
		curl_ready = true;
	o->drain_ms = c->drain_ms ? c->drain_ms : DRAIN_MS_DEFAULT;
	o->w = calloc(c->nsinks ? c->nsinks : 1, sizeof(*o->w));
	if (!o->w) {
		err = ENOMEM;
		goto err_free;
	}
	for (size_t i = 0; i < c->nsinks; i++) {
		struct worker *w = worker_new(&c->sinks[i], cap);

		if (!w) {
			err = errno;
			goto err_free;
		}
		o->w[o->n++] = w;
		err = pthread_create(&w->thread, NULL, worker_main, w);
		if (err) {
			vg_err("output %s: starting its thread: %s", w->sink.ops->name, strerror(err));
			goto err_free;
		}
		w->started = true;
	}
	return o;

err_free:
	vg_outputs_free(o);
	errno = err;
	return NULL;
}

void vg_outputs_stop(struct vg_outputs *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->n; i++) {
		struct worker *w = o->w[i];

		pthread_mutex_lock(&w->mu);
		w->stop = true;
		w->deadline_ns = mono_ns() + (uint64_t)o->drain_ms * 1000000ull;
		pthread_cond_signal(&w->cv);
		pthread_mutex_unlock(&w->mu);
	}
	for (size_t i = 0; i < o->n; i++) {
		struct worker *w = o->w[i];

		if (w->started)
			pthread_join(w->thread, NULL);
		w->started = false;
	}
}

void vg_outputs_free(struct vg_outputs *o)
{
	if (!o)
		return;
	vg_outputs_stop(o);
	for (size_t i = 0; i < o->n; i++)
		worker_free(o->w[i]);
	free(o->w);
	free(o);
}

void vg_outputs_emit(struct vg_outputs *o, enum vg_prio prio, const char *line, size_t len)
{
	for (size_t i = 0; o && i < o->n; i++) {
		struct worker *w = o->w[i];
		char *copy = NULL;

		pthread_mutex_lock(&w->mu);
		if (w->n < w->cap)
			copy = malloc(len + 1);
		if (!copy) {
			w->dropped++;
		} else {
			struct qent *e = &w->q[(w->head + w->n) % w->cap];

			memcpy(copy, line, len);
			copy[len] = '\0';
			*e = (struct qent){ .line = copy, .len = len, .prio = prio };
			w->n++;
			pthread_cond_signal(&w->cv);
		}
		pthread_mutex_unlock(&w->mu);
	}
}

void vg_outputs_reopen(struct vg_outputs *o)
{
	for (size_t i = 0; o && i < o->n; i++) {
		struct worker *w = o->w[i];

		pthread_mutex_lock(&w->mu);
		w->reopen = true;
		pthread_cond_signal(&w->cv);
		pthread_mutex_unlock(&w->mu);
	}
}

size_t vg_outputs_count(const struct vg_outputs *o)
{
	return o ? o->n : 0;
}

void vg_outputs_stats(struct vg_outputs *o, size_t i, struct vg_sink_stats *out)
{
	struct worker *w = o->w[i];

	pthread_mutex_lock(&w->mu);
	*out = (struct vg_sink_stats){ .name = w->sink.ops->name, .sent = w->sent,
				       .retried = w->retried, .dropped = w->dropped,
				       .queued = w->n };
	pthread_mutex_unlock(&w->mu);
	if (w->sink.ops->counters)
		w->sink.ops->counters(&w->sink, out);
}

uint64_t vg_outputs_poll_drops(struct vg_outputs *o, const char **which)
{
	uint64_t total = 0, most = 0;

	*which = NULL;
	for (size_t i = 0; o && i < o->n; i++) {
		struct worker *w = o->w[i];
		uint64_t d;

		pthread_mutex_lock(&w->mu);
		d = w->dropped - w->dropped_reported;
		w->dropped_reported = w->dropped;
		pthread_mutex_unlock(&w->mu);
		total += d;
		if (d > most) {
			most = d;
			*which = w->sink.ops->name;
		}
	}
	return total;
}
