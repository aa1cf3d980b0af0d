// SPDX-License-Identifier: Apache-2.0
/*
 * nats_output: every alert, Falco JSON unchanged, to a JetStream stream on
 * <subject_prefix>.<host>.<priority>, through the fleet publisher
 * (fleet/pub.h): appended to an on-disk spool first, sent with its message
 * id, released when the stream acknowledged it, sent again in order after
 * a lost connection (JetStream's de-duplication keeps the stream
 * exactly-once). All of it runs on this sink's worker thread; the event
 * loop only queues lines (outputs.h). Between lines the worker calls
 * idle(), which collects acknowledgements and resends what a reconnect
 * needs, so a spool drains without new alerts arriving.
 *
 * A server that is not there at start is no error: the connection is
 * retried in the background and alerts wait in the spool. The streams are
 * created (vg_fleet_setup) once a server answers, before anything is sent.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/log.h"
#include "common/strbuf.h"
#include "fleet/fleet.h"
#include "fleet/pub.h"
#include "fleet/spool.h"
#include "output/sink.h"

/* idle() cadence: while something is unacknowledged, wait for acks in
 * short slices; with an empty spool only the counters and the setup need
 * looking at. */
#define PUMP_SLICE_MS 50
#define IDLE_EMPTY_MS 1000
#define IDLE_DOWN_MS 100
#define SETUP_RETRY_MS 2000
/* close(): how long the last acknowledgements are waited for; what is
 * still unacknowledged stays in the spool for the next run */
#define CLOSE_FLUSH_MS 2000

struct nats_sink {
	struct vg_fleet *f;
	struct vg_spool *sp;
	struct vg_fleet_pub *pub;
	struct vg_fleet_layout layout;
	bool ready;	       /* streams set up: sending may start */
	bool setup_warned;
	int64_t next_setup_ms; /* monotonic */
	char *servers_buf;     /* conf.target, split at commas */
	struct strbuf subj;
	pthread_mutex_t lock;  /* snap, read by counters() from another thread */
	struct vg_sink_stats snap;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void snapshot(struct nats_sink *n)
{
	struct vg_fleet_pub_stats ps;
	struct vg_spool_stats ss;

	vg_fleet_pub_stats(n->pub, &ps);
	vg_spool_stats(n->sp, &ss);
	pthread_mutex_lock(&n->lock);
	n->snap.has_spool = true;
	n->snap.spooled = ss.appended;
	n->snap.published = ps.sent;
	n->snap.acked = ps.acked;
	n->snap.duplicates = ps.duplicates;
	n->snap.replayed = ps.replayed;
	n->snap.spool_dropped = ps.spool_dropped;
	n->snap.spool_pending = ps.spool_pending;
	n->snap.spool_bytes = ps.spool_bytes;
	pthread_mutex_unlock(&n->lock);
}

/* The streams, once a server answers (idempotent on the server side). */
static void try_setup(struct nats_sink *n)
{
	int err;

	if (n->ready || !vg_fleet_connected(n->f) || now_ms() < n->next_setup_ms)
		return;
	err = vg_fleet_setup(n->f, &n->layout);
	if (!err) {
		n->ready = true;
		if (n->setup_warned)
			vg_info("nats_output: stream %s ready; sending the spool",
				n->layout.alerts_stream ? n->layout.alerts_stream
							: VG_FLEET_ALERTS_STREAM);
		return;
	}
	if (!n->setup_warned)
		vg_warn("nats_output: setting up the streams: %s; alerts stay in the spool, "
			"retrying",
			vg_fleet_error(n->f));
	n->setup_warned = true;
	n->next_setup_ms = now_ms() + SETUP_RETRY_MS;
}

static void nats_close(struct vg_sink *s);

/* The spool directory's parents (the default, /var/lib/vigil/spool, on a
 * host where vigil never ran). Errors show when the spool is opened. */
static void mkdirs(const char *path)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(buf, 0755);
		*p = '/';
	}
}

static int nats_open(struct vg_sink *s)
{
	const struct vg_sink_conf *c = &s->conf;
	struct vg_fleet_opts fo = { .creds = c->creds, .tls_ca = c->ca_cert,
				    .tls_cert = c->client_cert, .tls_key = c->client_key,
				    .name = "vigil nats_output", .retry_connect = true };
	struct nats_sink *n = calloc(1, sizeof(*n));
	char err[256];
	int e;

	if (!n)
		return -ENOMEM;
	s->priv = n;
	pthread_mutex_init(&n->lock, NULL);
	strbuf_init(&n->subj);
	n->layout.alerts_stream = c->stream;
	n->layout.alerts_prefix = c->subject_prefix;
	if (c->target && *c->target) {
		char *save = NULL, *tok;

		n->servers_buf = strdup(c->target);
		if (!n->servers_buf)
			return -ENOMEM;
		for (tok = strtok_r(n->servers_buf, ",", &save);
		     tok && fo.nservers < VG_FLEET_MAX_SERVERS; tok = strtok_r(NULL, ",", &save))
			fo.servers[fo.nservers++] = tok;
	}
	n->sp = vg_spool_open(c->spool_dir, c->spool_max);
	if (!n->sp && errno == EBUSY) {
		/* the sink this one replaces (SIGHUP) still has it: soon */
		nats_close(s);
		return -EAGAIN;
	}
	if (!n->sp && errno == ENOENT) {
		mkdirs(c->spool_dir);
		n->sp = vg_spool_open(c->spool_dir, c->spool_max);
	}
	if (!n->sp) {
		e = -errno;
		vg_err("nats_output: spool %s: %s", c->spool_dir, strerror(errno));
		return e;
	}
	n->f = vg_fleet_connect(&fo, err, sizeof(err));
	if (!n->f) {
		e = -errno;
		vg_err("nats_output: %s", err);
		return e;
	}
	n->pub = vg_fleet_pub_new(n->f, n->sp, NULL);
	if (!n->pub) {
		e = -errno;
		vg_err("nats_output: publisher: %s", strerror(errno));
		return e;
	}
	snapshot(n);
	try_setup(n);
	return 0;
}

static int nats_write(struct vg_sink *s, enum vg_prio prio, const char *line, size_t len)
{
	struct nats_sink *n = s->priv;
	int err;

	strbuf_reset(&n->subj);
	vg_fleet_alert_subject_prefixed(
		&n->subj, s->conf.subject_prefix ? s->conf.subject_prefix : VG_FLEET_ALERTS_PREFIX,
		s->conf.hostname ? s->conf.hostname : "localhost", vg_prio_name(prio));
	err = vg_fleet_pub_enqueue(n->pub, n->subj.buf, line, len);
	if (err == -EMSGSIZE || err == -EINVAL)
		return err; /* can never fit: dropped, counted */
	if (err)
		return -EAGAIN; /* a write error (disk full): retried */
	try_setup(n);
	if (n->ready && vg_fleet_pub_pump(n->pub, 0) < 0)
		vg_warn("nats_output: reading the spool failed");
	snapshot(n);
	return 0;
}

static int nats_idle(struct vg_sink *s)
{
	struct nats_sink *n = s->priv;
	int64_t pending = 0;

	try_setup(n);
	if (n->ready)
		pending = vg_fleet_pub_pump(n->pub, PUMP_SLICE_MS);
	snapshot(n);
	if (!vg_fleet_connected(n->f) || !n->ready)
		return IDLE_DOWN_MS;
	return pending > 0 ? 1 : IDLE_EMPTY_MS;
}

static void nats_counters(struct vg_sink *s, struct vg_sink_stats *st)
{
	struct nats_sink *n = s->priv;

	if (!n || !n->pub)
		return;
	pthread_mutex_lock(&n->lock);
	st->has_spool = true;
	st->spooled = n->snap.spooled;
	st->published = n->snap.published;
	st->acked = n->snap.acked;
	st->duplicates = n->snap.duplicates;
	st->replayed = n->snap.replayed;
	st->spool_dropped = n->snap.spool_dropped;
	st->spool_pending = n->snap.spool_pending;
	st->spool_bytes = n->snap.spool_bytes;
	pthread_mutex_unlock(&n->lock);
}

static void nats_close(struct vg_sink *s)
{
	struct nats_sink *n = s->priv;

	if (!n)
		return;
	if (n->pub && n->ready)
		vg_fleet_pub_flush(n->pub, CLOSE_FLUSH_MS);
	if (n->pub)
		snapshot(n);
	vg_fleet_pub_free(n->pub);
	vg_fleet_free(n->f);
	vg_spool_free(n->sp);
	n->pub = NULL;
	n->f = NULL;
	n->sp = NULL;
	free(n->servers_buf);
	strbuf_release(&n->subj);
	pthread_mutex_destroy(&n->lock);
	free(n);
	s->priv = NULL;
}

const struct vg_sink_ops vg_sink_nats_ops = {
	.name = "nats",
	.open = nats_open,
	.write = nats_write,
	.close = nats_close,
	.idle = nats_idle,
	.counters = nats_counters,
};
