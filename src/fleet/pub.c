// SPDX-License-Identifier: Apache-2.0
/*
 * The fleet publisher: spool first, JetStream asynchronous publish with
 * message ids, release on acknowledgement, resend in order after a failure.
 * Protocol and threads in pub.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nats/nats.h>

#include "fleet/fleet.h"
#include "fleet/pub.h"
#include "fleet/spool.h"

enum slot_state { SLOT_FREE, SLOT_SENT, SLOT_ACKED };

/* In-flight messages, indexed by spool sequence modulo the window: every
 * sequence in flight lies in [spool head, head + window), so none share a
 * slot. `seq` tells which sequence a slot holds now. */
struct slot {
	uint64_t seq;
	uint8_t state;
};

struct vg_fleet_pub {
	struct vg_fleet *f;
	struct vg_spool *sp;
	jsCtx *js;
	unsigned window;
	int64_t ack_wait_ms;
	pthread_mutex_t lock; /* slots, failed, events, stats below */
	pthread_cond_t cond;  /* an ack or a failure arrived */
	struct slot *slots;
	unsigned inflight;    /* slots SENT: neither acked nor failed yet */
	bool failed;	      /* a failure since the last pump */
	/* After a failure or a lost connection nothing new is sent until
	 * every send in flight has resolved (ack, error, or ack timeout);
	 * then the cursor goes back to head. So no old send can land after
	 * a resend has begun, and the stream keeps the spool's order. */
	bool recovering;
	uint64_t disconnects; /* vg_fleet_disconnects() when last looked at */
	/* References: the owner's, and one per message handed to libnats
	 * whose callback has not run. The last one out frees the publisher,
	 * so a callback still running when the owner frees it stays safe. */
	unsigned refs;
	uint64_t events;
	uint64_t sent, acked, duplicates, failures, rewinds;
	/* sequences below this were sent before (by this publisher, or by a
	 * previous run that left them in the spool): sending one is a replay */
	uint64_t fresh;
	uint64_t replayed;
};

static void pub_destroy(struct vg_fleet_pub *p)
{
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	free(p->slots);
	free(p);
}

/* libnats calls this on its delivery thread, once per published message. */
static void on_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure)
{
	struct vg_fleet_pub *p = closure;
	const char *id = NULL, *dash;
	uint64_t seq = UINT64_MAX;
	struct slot *s;
	bool last;

	if (natsMsgHeader_Get(msg, "Nats-Msg-Id", &id) == NATS_OK && id &&
	    (dash = strrchr(id, '-')))
		seq = strtoull(dash + 1, NULL, 10);
	/* with an ack handler, the message is the handler's to destroy */
	natsMsg_Destroy(msg);
	pthread_mutex_lock(&p->lock);
	s = &p->slots[seq % p->window];
	if (seq != UINT64_MAX && s->seq == seq && s->state == SLOT_SENT) {
		p->inflight--;
		if (pae) {
			p->failures++;
			p->failed = true;
			s->state = SLOT_FREE;
		} else {
			s->state = SLOT_ACKED;
			p->acked++;
			if (pa && pa->Duplicate)
				p->duplicates++;
		}
	}
	p->events++;
	pthread_cond_signal(&p->cond);
	last = --p->refs == 0;
	pthread_mutex_unlock(&p->lock);
	if (last)
		pub_destroy(p);
}

struct vg_fleet_pub *vg_fleet_pub_new(struct vg_fleet *f, struct vg_spool *sp,
				      const struct vg_fleet_pub_opts *o)
{
	struct vg_fleet_pub *p = calloc(1, sizeof(*p));
	jsOptions jo;
	int err = -ENOMEM;

	if (!p)
		goto err;
	p->f = f;
	p->sp = sp;
	p->refs = 1;
	{
		struct vg_spool_stats ss;

		vg_spool_stats(sp, &ss);
		p->fresh = ss.next;
	}
	p->window = o && o->window ? o->window : 1024;
	p->ack_wait_ms = o && o->ack_wait_ms > 0 ? o->ack_wait_ms : 5000;
	p->slots = calloc(p->window, sizeof(*p->slots));
	if (!p->slots)
		goto err_free;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	jsOptions_Init(&jo);
	jo.Wait = p->ack_wait_ms;
	/* the window bounds what is in flight; libnats' own bound sits above
	 * it so that a publish never stalls the worker */
	jo.PublishAsync.MaxPending = 4 * (int64_t)p->window;
	jo.PublishAsync.StallWait = 10;
	jo.PublishAsync.AckHandler = on_ack;
	jo.PublishAsync.AckHandlerClosure = p;
	err = vg_fleet_errno(natsConnection_JetStream(&p->js, vg_fleet_nats(f), &jo));
	if (err)
		goto err_sync;
	return p;

err_sync:
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	free(p->slots);
err_free:
	free(p);
err:
	errno = -err;
	return NULL;
}

void vg_fleet_pub_free(struct vg_fleet_pub *p)
{
	natsMsgList pending = { 0 };
	unsigned dropped = 0;
	bool last;

	if (!p)
		return;
	/* Messages taken back from libnats' pending list get no callback:
	 * their references go here. The others' callbacks are running or
	 * about to, and drop their own. */
	/* (libnats 3.4 crashes listing a context that never published) */
	if (p->sent && js_PublishAsyncGetPendingList(&pending, p->js) == NATS_OK) {
		dropped = (unsigned)pending.Count;
		natsMsgList_Destroy(&pending);
	}
	jsCtx_Destroy(p->js);
	pthread_mutex_lock(&p->lock);
	p->refs -= 1 + dropped;
	last = p->refs == 0;
	pthread_mutex_unlock(&p->lock);
	if (last)
		pub_destroy(p);
}

int vg_fleet_pub_enqueue(struct vg_fleet_pub *p, const char *subject, const void *data,
			 size_t len)
{
	return vg_spool_append(p->sp, subject, data, len, NULL);
}

/* Move the spool's head over the acknowledged prefix; after a failure or
 * a lost connection, once nothing is in flight, put the cursor back at
 * head so that everything unacknowledged is sent again in order. */
static int settle(struct vg_fleet_pub *p)
{
	struct vg_spool_stats st;
	uint64_t head, cur = vg_spool_cursor(p->sp), disc = vg_fleet_disconnects(p->f);
	bool rewind = false;
	int err;

	vg_spool_stats(p->sp, &st);
	head = st.head;
	pthread_mutex_lock(&p->lock);
	while (head < cur) {
		struct slot *s = &p->slots[head % p->window];

		if (s->seq != head || s->state != SLOT_ACKED)
			break;
		s->state = SLOT_FREE;
		head++;
	}
	if (p->failed || (disc != p->disconnects && head < cur))
		p->recovering = true;
	p->failed = false;
	p->disconnects = disc;
	if (p->recovering && !p->inflight) {
		for (uint64_t q = head; q < cur; q++)
			p->slots[q % p->window].state = SLOT_FREE;
		p->recovering = false;
		p->rewinds++;
		rewind = true;
	}
	pthread_mutex_unlock(&p->lock);
	err = vg_spool_ack(p->sp, head);
	if (!err && rewind)
		err = vg_spool_rewind(p->sp);
	return err;
}

/* Send from the cursor while the window has room and the connection is up. */
static int send_some(struct vg_fleet_pub *p)
{
	struct vg_spool_stats st;

	vg_spool_stats(p->sp, &st);
	pthread_mutex_lock(&p->lock);
	if (p->recovering) {
		pthread_mutex_unlock(&p->lock);
		return 0;
	}
	pthread_mutex_unlock(&p->lock);
	while (vg_fleet_connected(p->f) && vg_spool_cursor(p->sp) < st.head + p->window) {
		struct vg_spool_rec rec;
		jsPubOptions po;
		natsMsg *m = NULL;
		natsStatus ns;
		int r = vg_spool_read(p->sp, &rec);

		if (r <= 0)
			return r;
		ns = natsMsg_Create(&m, rec.subject, NULL, rec.data, (int)rec.len);
		if (ns != NATS_OK)
			return vg_fleet_errno(ns);
		jsPubOptions_Init(&po);
		po.MsgId = rec.msgid;
		po.MaxWait = p->ack_wait_ms;
		pthread_mutex_lock(&p->lock);
		{
			struct slot *s = &p->slots[rec.seq % p->window];

			/* still SENT: a record the spool dropped (overflow) while
			 * in flight; its ack no longer matters */
			if (s->state == SLOT_SENT)
				p->inflight--;
			*s = (struct slot){ .seq = rec.seq, .state = SLOT_SENT };
		}
		p->inflight++;
		p->sent++;
		if (rec.seq < p->fresh)
			p->replayed++;
		else
			p->fresh = rec.seq + 1;
		p->refs++;
		pthread_mutex_unlock(&p->lock);
		ns = js_PublishMsgAsync(p->js, &m, &po);
		if (ns != NATS_OK) {
			/* not handed to libnats: no callback will come for it */
			natsMsg_Destroy(m);
			pthread_mutex_lock(&p->lock);
			p->slots[rec.seq % p->window].state = SLOT_FREE;
			p->inflight--;
			p->refs--;
			p->failed = true;
			pthread_mutex_unlock(&p->lock);
			return 0;
		}
	}
	return 0;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t vg_fleet_pub_pump(struct vg_fleet_pub *p, int timeout_ms)
{
	struct vg_spool_stats st;
	int64_t deadline = mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	int err;

	for (;;) {
		uint64_t seen;

		err = settle(p);
		if (!err)
			err = send_some(p);
		if (err)
			return err;
		vg_spool_stats(p->sp, &st);
		if (!st.pending || mono_ms() >= deadline)
			break;
		/* wait for the next ack (or failure), at most until the deadline;
		 * while disconnected, poll the connection every 50 ms */
		pthread_mutex_lock(&p->lock);
		seen = p->events;
		while (p->events == seen) {
			int64_t left = deadline - mono_ms();
			struct timespec ts;

			if (left <= 0)
				break;
			if (left > 50 && !p->inflight)
				left = 50; /* nothing in flight: recheck the connection */
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += left / 1000;
			ts.tv_nsec += (left % 1000) * 1000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			if (pthread_cond_timedwait(&p->cond, &p->lock, &ts) == ETIMEDOUT)
				break;
		}
		pthread_mutex_unlock(&p->lock);
	}
	return (int64_t)st.pending;
}

int vg_fleet_pub_flush(struct vg_fleet_pub *p, int timeout_ms)
{
	int64_t deadline = mono_ms() + timeout_ms;

	for (;;) {
		int64_t left = deadline - mono_ms(), r;

		r = vg_fleet_pub_pump(p, left > 0 ? (int)left : 0);
		if (r <= 0)
			return (int)r;
		if (left <= 0)
			return -ETIMEDOUT;
	}
}

void vg_fleet_pub_stats(struct vg_fleet_pub *p, struct vg_fleet_pub_stats *st)
{
	struct vg_spool_stats ss;

	vg_spool_stats(p->sp, &ss);
	pthread_mutex_lock(&p->lock);
	st->sent = p->sent;
	st->acked = p->acked;
	st->duplicates = p->duplicates;
	st->failures = p->failures;
	st->rewinds = p->rewinds;
	st->replayed = p->replayed;
	pthread_mutex_unlock(&p->lock);
	st->spool_pending = ss.pending;
	st->spool_dropped = ss.dropped;
	st->spool_bytes = ss.bytes;
}
