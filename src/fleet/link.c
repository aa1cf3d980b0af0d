// SPDX-License-Identifier: Apache-2.0
/* An agent's heartbeat and rules thread; see link.h. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "fleet/bundle.h"
#include "fleet/link.h"

/* How long one turn of the thread waits for a rules revision or a
 * heartbeat to send: bounds how late a heartbeat goes out and how long
 * free() waits. */
#define TURN_MS 200
#define SETUP_RETRY_MS 2000

struct vg_fleet_link {
	struct vg_fleet *f;
	struct vg_fleet_layout layout;
	char *stream, *prefix; /* layout's names, owned */
	bool rules;
	pthread_t thread;
	bool started;
	/* the thread's own */
	struct vg_rules_follow *follow;
	uint64_t follow_disc; /* vg_fleet_disconnects() when the watch began */
	uint64_t last_rev;    /* the revision last handed over (0: none) */
	bool ready, setup_warned, follow_warned;
	int64_t next_setup_ms, next_follow_ms;
	/* shared with the agent, under lock */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	char *hb_subject, *hb;
	size_t hb_len;
	bool have_update;
	struct vg_rules_update update;
	char *good; /* the last revision that compiled, as stored */
	size_t goodlen;
	struct vg_fleet_link_stats st;
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void try_setup(struct vg_fleet_link *l)
{
	if (l->ready || !vg_fleet_connected(l->f) || mono_ms() < l->next_setup_ms)
		return;
	if (!vg_fleet_setup(l->f, &l->layout)) {
		l->ready = true;
		return;
	}
	if (!l->setup_warned)
		vg_warn("fleet: setting up the streams and bucket: %s; retrying",
			vg_fleet_error(l->f));
	l->setup_warned = true;
	l->next_setup_ms = mono_ms() + SETUP_RETRY_MS;
}

static void send_heartbeat(struct vg_fleet_link *l)
{
	char *subj, *hb;
	size_t len;
	int err;

	pthread_mutex_lock(&l->lock);
	subj = l->hb_subject;
	hb = l->hb;
	len = l->hb_len;
	l->hb_subject = l->hb = NULL;
	pthread_mutex_unlock(&l->lock);
	if (!hb)
		return;
	err = vg_fleet_publish_sync(l->f, subj, hb, len);
	pthread_mutex_lock(&l->lock);
	if (err)
		l->st.heartbeat_failures++;
	else
		l->st.heartbeats++;
	pthread_mutex_unlock(&l->lock);
	if (err)
		vg_debug("fleet: heartbeat not sent: %s", vg_fleet_error(l->f));
	free(subj);
	free(hb);
}

/* Hand an update to the agent, replacing one it has not taken. */
static void post_update(struct vg_fleet_link *l, struct vg_rules_update *u)
{
	char *good = NULL;
	size_t goodlen = 0;

	if (u->rs && vg_rules_follow_good(l->follow, &good, &goodlen))
		good = NULL;
	pthread_mutex_lock(&l->lock);
	if (l->have_update)
		vg_ruleset_free(l->update.rs);
	l->update = *u;
	l->have_update = true;
	l->st.updates++;
	l->st.refused += !u->rs;
	if (good) {
		free(l->good);
		l->good = good;
		l->goodlen = goodlen;
	}
	pthread_mutex_unlock(&l->lock);
}

static void follow_turn(struct vg_fleet_link *l)
{
	struct vg_rules_update u;
	int r;

	/* a watch does not outlive a server restart for sure: after a lost
	 * connection, watch again (the current revision comes first, and is
	 * not handed over twice) */
	if (l->follow && vg_fleet_disconnects(l->f) != l->follow_disc) {
		vg_rules_follow_free(l->follow);
		l->follow = NULL;
	}
	if (!l->follow) {
		if (!vg_fleet_connected(l->f))
			return;
		l->follow_disc = vg_fleet_disconnects(l->f);
		l->follow = vg_rules_follow_new(l->f);
		if (!l->follow) {
			if (!l->follow_warned)
				vg_warn("fleet: watching the ruleset: %s; retrying", strerror(errno));
			l->follow_warned = true;
			return;
		}
		l->follow_warned = false;
	}
	r = vg_rules_follow_next(l->follow, TURN_MS, &u);
	if ((r == 1 || r == -EINVAL) && u.revision == l->last_rev) {
		vg_ruleset_free(u.rs);
	} else if (r == 1 || r == -EINVAL) {
		l->last_rev = u.revision;
		post_update(l, &u);
	} else if (r < 0) {
		vg_warn("fleet: the ruleset watch failed (%s); watching again", strerror(-r));
		vg_rules_follow_free(l->follow);
		l->follow = NULL;
	}
}

static void *link_main(void *arg)
{
	struct vg_fleet_link *l = arg;

	for (;;) {
		bool stop;

		pthread_mutex_lock(&l->lock);
		stop = l->stop;
		pthread_mutex_unlock(&l->lock);
		if (stop)
			break;
		try_setup(l);
		if (l->ready)
			send_heartbeat(l);
		if (l->ready && l->rules && mono_ms() >= l->next_follow_ms) {
			follow_turn(l);
			if (l->follow)
				continue; /* the watch waited TURN_MS */
			l->next_follow_ms = mono_ms() + SETUP_RETRY_MS;
		}
		/* nothing to watch: wait for a heartbeat, stop, or the turn */
		pthread_mutex_lock(&l->lock);
		if (!l->stop && !(l->ready && l->hb)) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += TURN_MS * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&l->cond, &l->lock, &ts);
		}
		pthread_mutex_unlock(&l->lock);
	}
	return NULL;
}

struct vg_fleet_link *vg_fleet_link_new(const struct vg_fleet_link_conf *c)
{
	struct vg_fleet_link *l = calloc(1, sizeof(*l));
	struct vg_fleet_opts o = c->conn;
	char err[256];
	int e = ENOMEM;

	if (!l)
		goto err;
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->cond, NULL);
	l->rules = c->rules;
	l->layout = c->layout;
	if (c->layout.alerts_stream && !(l->stream = strdup(c->layout.alerts_stream)))
		goto err_free;
	if (c->layout.alerts_prefix && !(l->prefix = strdup(c->layout.alerts_prefix)))
		goto err_free;
	l->layout.alerts_stream = l->stream;
	l->layout.alerts_prefix = l->prefix;
	o.retry_connect = true;
	if (!o.name)
		o.name = "vigil fleet";
	l->f = vg_fleet_connect(&o, err, sizeof(err));
	if (!l->f) {
		e = errno;
		vg_err("fleet: %s", err);
		goto err_free;
	}
	e = pthread_create(&l->thread, NULL, link_main, l);
	if (e) {
		vg_err("fleet: starting its thread: %s", strerror(e));
		goto err_free;
	}
	l->started = true;
	return l;

err_free:
	vg_fleet_link_free(l);
err:
	errno = e;
	return NULL;
}

void vg_fleet_link_free(struct vg_fleet_link *l)
{
	if (!l)
		return;
	if (l->started) {
		pthread_mutex_lock(&l->lock);
		l->stop = true;
		pthread_cond_signal(&l->cond);
		pthread_mutex_unlock(&l->lock);
		pthread_join(l->thread, NULL);
	}
	vg_rules_follow_free(l->follow);
	vg_fleet_free(l->f);
	if (l->have_update)
		vg_ruleset_free(l->update.rs);
	free(l->hb_subject);
	free(l->hb);
	free(l->good);
	free(l->stream);
	free(l->prefix);
	pthread_cond_destroy(&l->cond);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

int vg_fleet_link_heartbeat(struct vg_fleet_link *l, const char *subject, const char *json,
			    size_t len)
{
	char *s = strdup(subject), *j = malloc(len + 1);

	if (!s || !j) {
		free(s);
		free(j);
		return -ENOMEM;
	}
	memcpy(j, json, len);
	j[len] = '\0';
	pthread_mutex_lock(&l->lock);
	free(l->hb_subject);
	free(l->hb);
	l->hb_subject = s;
	l->hb = j;
	l->hb_len = len;
	pthread_cond_signal(&l->cond);
	pthread_mutex_unlock(&l->lock);
	return 0;
}

int vg_fleet_link_take(struct vg_fleet_link *l, struct vg_rules_update *u)
{
	int r = 0;

	pthread_mutex_lock(&l->lock);
	if (l->have_update) {
		*u = l->update;
		l->have_update = false;
		r = 1;
	}
	pthread_mutex_unlock(&l->lock);
	return r;
}

struct vg_ruleset *vg_fleet_link_load_current(struct vg_fleet_link *l, struct vg_diag *diag)
{
	struct vg_ruleset *rs;
	struct vg_bundle b;
	char *val = NULL;
	size_t len = 0;
	int err;

	pthread_mutex_lock(&l->lock);
	if (l->good && (val = malloc(l->goodlen + 1))) {
		memcpy(val, l->good, l->goodlen);
		len = l->goodlen;
	}
	err = !l->good ? ENOENT : !val ? ENOMEM : 0;
	pthread_mutex_unlock(&l->lock);
	if (err) {
		errno = err;
		return NULL;
	}
	err = vg_bundle_decode(val, len, &b);
	free(val);
	if (err) {
		errno = -err;
		return NULL;
	}
	rs = vg_bundle_load(&b, diag);
	err = errno;
	vg_bundle_release(&b);
	errno = err;
	return rs;
}

void vg_fleet_link_stats(struct vg_fleet_link *l, struct vg_fleet_link_stats *st)
{
	pthread_mutex_lock(&l->lock);
	*st = l->st;
	pthread_mutex_unlock(&l->lock);
	st->connected = vg_fleet_connected(l->f);
}
