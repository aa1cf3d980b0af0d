// SPDX-License-Identifier: Apache-2.0
/*
 * The fleet's connection to NATS JetStream through libnats: options, the
 * streams and the KV bucket (created idempotently), subjects, synchronous
 * publish, the ruleset's KV key and ordered reads of a stream. See fleet.h.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nats/nats.h>

#include "fleet/fleet.h"

/* Messages per fetch when reading a stream back. */
#define VG_FLEET_READ_BATCH 1024

/* What libnats' connection callbacks touch. They run on libnats' own
 * thread, possibly after natsConnection_Destroy() returned, so this lives
 * apart from struct vg_fleet and is freed only once the closed callback,
 * always the last one, has run. */
struct conn_events {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool closed;
	uint64_t disconnects;
};

struct vg_fleet {
	natsConnection *nc;
	struct conn_events *ev;
	jsCtx *js;
	kvStore *kv; /* opened on first use */
	int64_t timeout_ms;
	char err[256];
};

int vg_fleet_errno(int st)
{
	switch ((natsStatus)st) {
	case NATS_OK:
		return 0;
	case NATS_TIMEOUT:
		return -ETIMEDOUT;
	case NATS_NOT_FOUND:
		return -ENOENT;
	case NATS_NO_SERVER:
	case NATS_NO_RESPONDERS:
		return -ECONNREFUSED;
	case NATS_CONNECTION_CLOSED:
	case NATS_CONNECTION_DISCONNECTED:
	case NATS_NOT_YET_CONNECTED:
	case NATS_STALE_CONNECTION:
		return -ENOTCONN;
	case NATS_CONNECTION_AUTH_FAILED:
	case NATS_NOT_PERMITTED:
		return -EACCES;
	case NATS_INVALID_ARG:
	case NATS_INVALID_SUBJECT:
	case NATS_SECURE_CONNECTION_WANTED:
	case NATS_SECURE_CONNECTION_REQUIRED:
		return -EINVAL;
	case NATS_MAX_PAYLOAD:
		return -EMSGSIZE;
	case NATS_NO_MEMORY:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

/* Record why st happened (libnats' own last error text is the most
 * specific) and return it as an errno. */
/* libnats' last error text without its "(conn.c:2088): " source prefix. */
static const char *nats_text(natsStatus st)
{
	const char *txt = nats_GetLastError(NULL), *p;

	if (!txt || !*txt)
		return natsStatus_GetText(st);
	if (txt[0] == '(' && (p = strstr(txt, "): ")))
		return p + 3;
	return txt;
}

static int fail(struct vg_fleet *f, natsStatus st, const char *what)
{
	snprintf(f->err, sizeof(f->err), "%s: %s", what, nats_text(st));
	return vg_fleet_errno(st);
}

static int fail_js(struct vg_fleet *f, natsStatus st, jsErrCode jerr, const char *what)
{
	if (jerr) {
		snprintf(f->err, sizeof(f->err), "%s: JetStream error %d: %s", what, (int)jerr,
			 nats_text(st));
		return jerr == JSStreamNotFoundErr ? -ENOENT : -EIO;
	}
	return fail(f, st, what);
}

const char *vg_fleet_error(const struct vg_fleet *f)
{
	return f->err[0] ? f->err : "no error";
}

void *vg_fleet_nats(struct vg_fleet *f)
{
	return f->nc;
}

bool vg_fleet_connected(struct vg_fleet *f)
{
	return natsConnection_Status(f->nc) == NATS_CONN_STATUS_CONNECTED;
}

static void on_connected(natsConnection *nc, void *closure)
{
	/* vg_fleet_connected() polls the state: nothing to do here */
}

static void on_disconnected(natsConnection *nc, void *closure)
{
	struct conn_events *ev = closure;

	pthread_mutex_lock(&ev->lock);
	ev->disconnects++;
	pthread_mutex_unlock(&ev->lock);
}

static void on_closed(natsConnection *nc, void *closure)
{
	struct conn_events *ev = closure;

	pthread_mutex_lock(&ev->lock);
	ev->closed = true;
	pthread_cond_signal(&ev->cond);
	pthread_mutex_unlock(&ev->lock);
}

uint64_t vg_fleet_disconnects(struct vg_fleet *f)
{
	uint64_t n;

	pthread_mutex_lock(&f->ev->lock);
	n = f->ev->disconnects;
	pthread_mutex_unlock(&f->ev->lock);
	return n;
}

static struct conn_events *conn_events_new(void)
{
	struct conn_events *ev = calloc(1, sizeof(*ev));

	if (ev) {
		pthread_mutex_init(&ev->lock, NULL);
		pthread_cond_init(&ev->cond, NULL);
	}
	return ev;
}

static void conn_events_free(struct conn_events *ev)
{
	pthread_cond_destroy(&ev->cond);
	pthread_mutex_destroy(&ev->lock);
	free(ev);
}

/* Wait (bounded) for the closed callback, then free the events; if it
 * never comes, leaking them is the safe choice. */
static void conn_events_release(struct conn_events *ev)
{
	struct timespec ts;
	bool closed;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	pthread_mutex_lock(&ev->lock);
	while (!ev->closed && pthread_cond_timedwait(&ev->cond, &ev->lock, &ts) != ETIMEDOUT)
		;
	closed = ev->closed;
	pthread_mutex_unlock(&ev->lock);
	if (closed)
		conn_events_free(ev);
}

struct vg_fleet *vg_fleet_connect(const struct vg_fleet_opts *o, char *err, size_t errsize)
{
	const char *def[] = { VG_FLEET_DEFAULT_SERVER };
	struct vg_fleet *f = calloc(1, sizeof(*f));
	natsOptions *opts = NULL;
	natsStatus st;
	const char *what = "options";
	int e;

	if (!f) {
		errno = ENOMEM;
		return NULL;
	}
	f->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 5000;
	f->ev = conn_events_new();
	if (!f->ev) {
		free(f);
		errno = ENOMEM;
		return NULL;
	}
	if (!!o->tls_cert != !!o->tls_key) {
		snprintf(f->err, sizeof(f->err), "a TLS client certificate needs its key, and a key its certificate");
		e = -EINVAL;
		goto err_free;
	}
	st = natsOptions_Create(&opts);
	if (st == NATS_OK)
		st = natsOptions_SetServers(opts, o->nservers ? (const char **)o->servers : def,
					    o->nservers ? (int)o->nservers : 1);
	if (st == NATS_OK)
		st = natsOptions_SetTimeout(opts, f->timeout_ms);
	if (st == NATS_OK && o->name)
		st = natsOptions_SetName(opts, o->name);
	/* reconnect forever: an agent outlives server restarts; what it
	 * publishes meanwhile waits in its spool, not in libnats' buffer */
	if (st == NATS_OK)
		st = natsOptions_SetMaxReconnect(opts, -1);
	if (st == NATS_OK)
		st = natsOptions_SetReconnectWait(opts, 250);
	if (st == NATS_OK)
		st = natsOptions_SetDisconnectedCB(opts, on_disconnected, f->ev);
	if (st == NATS_OK)
		st = natsOptions_SetClosedCB(opts, on_closed, f->ev);
	/* no publishing into libnats' reconnect buffer: a message sent after
	 * the connection dropped must fail at once, or it could reach the
	 * stream ahead of older ones the publisher has yet to send again */
	if (st == NATS_OK)
		st = natsOptions_SetReconnectBufSize(opts, 1);
	if (st == NATS_OK)
		st = natsOptions_SetPingInterval(opts, 2000);
	if (st == NATS_OK)
		st = natsOptions_SetMaxPingsOut(opts, 2);
	/* with a callback, a connect that finds no server returns at once and
	 * libnats keeps trying in the background (without one it would block,
	 * retrying, inside natsConnection_Connect) */
	if (st == NATS_OK && o->retry_connect)
		st = natsOptions_SetRetryOnFailedConnect(opts, true, on_connected, NULL);
	if (st == NATS_OK && o->creds) {
		what = o->creds;
		st = natsOptions_SetUserCredentialsFromFiles(opts, o->creds, NULL);
	}
	if (st == NATS_OK && (o->tls_ca || o->tls_cert)) {
		st = natsOptions_SetSecure(opts, true);
		if (st == NATS_OK && o->tls_ca) {
			what = o->tls_ca;
			st = natsOptions_LoadCATrustedCertificates(opts, o->tls_ca);
		}
		if (st == NATS_OK && o->tls_cert) {
			what = o->tls_cert;
			st = natsOptions_LoadCertificatesChain(opts, o->tls_cert, o->tls_key);
		}
	}
	if (st != NATS_OK) {
		e = fail(f, st, what);
		goto err_opts;
	}
	st = natsConnection_Connect(&f->nc, opts);
	if (st == NATS_NOT_YET_CONNECTED && o->retry_connect)
		st = NATS_OK;
	if (st != NATS_OK) {
		char what[160];
		size_t n = o->nservers ? o->nservers : 1, l;

		l = (size_t)snprintf(what, sizeof(what), "cannot connect to");
		for (size_t i = 0; i < n && l < sizeof(what); i++)
			l += (size_t)snprintf(what + l, sizeof(what) - l, "%s%s", i ? ", " : " ",
					      o->nservers ? o->servers[i] : VG_FLEET_DEFAULT_SERVER);
		e = fail(f, st, what);
		goto err_opts;
	}
	{
		jsOptions jo;

		jsOptions_Init(&jo);
		jo.Wait = f->timeout_ms;
		st = natsConnection_JetStream(&f->js, f->nc, &jo);
	}
	if (st != NATS_OK) {
		e = fail(f, st, "JetStream context");
		goto err_conn;
	}
	natsOptions_Destroy(opts);
	return f;

err_conn:
	natsConnection_Destroy(f->nc);
	conn_events_release(f->ev);
	f->ev = NULL;
err_opts:
	natsOptions_Destroy(opts);
err_free:
	if (err)
		snprintf(err, errsize, "%s", f->err);
	/* no connection was made: no callback can come */
	if (f->ev)
		conn_events_free(f->ev);
	free(f);
	errno = -e;
	return NULL;
}

void vg_fleet_free(struct vg_fleet *f)
{
	if (!f)
		return;
	kvStore_Destroy(f->kv);
	jsCtx_Destroy(f->js);
	natsConnection_Destroy(f->nc);
	conn_events_release(f->ev);
	free(f);
}

/* Add the stream, or bring an existing one to this configuration. */
static int ensure_stream(struct vg_fleet *f, jsStreamConfig *cfg)
{
	jsErrCode jerr = 0;
	natsStatus st = js_AddStream(NULL, f->js, cfg, NULL, &jerr);

	if (st != NATS_OK && jerr == JSStreamNameExistErr) {
		jerr = 0;
		st = js_UpdateStream(NULL, f->js, cfg, NULL, &jerr);
	}
	if (st != NATS_OK) {
		char what[96];

		snprintf(what, sizeof(what), "stream %s", cfg->Name);
		return fail_js(f, st, jerr, what);
	}
	return 0;
}

int vg_fleet_setup(struct vg_fleet *f, const struct vg_fleet_layout *l)
{
	static const struct vg_fleet_layout defaults = { 0 };
	char alerts_subj[256];
	const char *alerts[] = { alerts_subj };
	const char *state[] = { VG_FLEET_STATE_PREFIX ".>" };
	const int64_t day_s = 86400;
	jsStreamConfig c;
	kvConfig kc;
	natsStatus st;
	int err;

	if (!l)
		l = &defaults;
	snprintf(alerts_subj, sizeof(alerts_subj), "%s.>",
		 l->alerts_prefix ? l->alerts_prefix : VG_FLEET_ALERTS_PREFIX);
	jsStreamConfig_Init(&c);
	c.Name = l->alerts_stream ? l->alerts_stream : VG_FLEET_ALERTS_STREAM;
	c.Description = "vigil alerts, Falco JSON";
	c.Subjects = alerts;
	c.SubjectsLen = 1;
	c.Storage = js_FileStorage;
	c.Retention = js_LimitsPolicy;
	c.Discard = js_DiscardOld;
	c.MaxAge = (l->alerts_max_age_s > 0 ? l->alerts_max_age_s : 7 * day_s) * 1000000000LL;
	c.MaxBytes = l->alerts_max_bytes > 0 ? l->alerts_max_bytes : -1;
	c.Duplicates = (l->dup_window_s > 0 ? l->dup_window_s : 600) * 1000000000LL;
	c.Replicas = l->replicas > 0 ? l->replicas : 1;
	err = ensure_stream(f, &c);
	if (err)
		return err;

	jsStreamConfig_Init(&c);
	c.Name = VG_FLEET_STATE_STREAM;
	c.Description = "vigil agents' heartbeats, the last per host";
	c.Subjects = state;
	c.SubjectsLen = 1;
	c.Storage = js_FileStorage;
	c.MaxMsgsPerSubject = 1;
	c.MaxAge = (l->state_max_age_s > 0 ? l->state_max_age_s : 7 * day_s) * 1000000000LL;
	c.Replicas = l->replicas > 0 ? l->replicas : 1;
	err = ensure_stream(f, &c);
	if (err)
		return err;

	kvConfig_Init(&kc);
	kc.Bucket = VG_FLEET_RULES_BUCKET;
	kc.Description = "vigil rulesets pushed by 'vigil fleet push'";
	kc.History = (uint8_t)(l->rules_history > 0 && l->rules_history <= 64 ? l->rules_history : 16);
	kc.StorageType = js_FileStorage;
	kc.Replicas = l->replicas > 0 ? l->replicas : 1;
	kvStore_Destroy(f->kv);
	f->kv = NULL;
	st = js_CreateKeyValue(&f->kv, f->js, &kc);
	if (st != NATS_OK)
		return fail(f, st, "KV bucket " VG_FLEET_RULES_BUCKET);
	return 0;
}

/* A subject token from arbitrary text: the characters NATS gives meaning
 * to (separator, wildcards, whitespace) become '_'. */
static void add_token(struct strbuf *sb, const char *s)
{
	if (!*s) {
		strbuf_addch(sb, '_');
		return;
	}
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		strbuf_addch(sb, c <= ' ' || c == '.' || c == '*' || c == '>' || c == 0x7f ? '_' : (char)c);
	}
}

void vg_fleet_alert_subject(struct strbuf *sb, const char *host, const char *priority)
{
	vg_fleet_alert_subject_prefixed(sb, VG_FLEET_ALERTS_PREFIX, host, priority);
}

void vg_fleet_alert_subject_prefixed(struct strbuf *sb, const char *prefix, const char *host,
				     const char *priority)
{
	strbuf_addstr(sb, prefix);
	strbuf_addch(sb, '.');
	add_token(sb, host);
	strbuf_addch(sb, '.');
	for (const char *p = priority; *p; p++) {
		char c = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
		char one[2] = { c, 0 };

		add_token(sb, one);
	}
}

void vg_fleet_state_subject(struct strbuf *sb, const char *host)
{
	strbuf_addstr(sb, VG_FLEET_STATE_PREFIX ".");
	add_token(sb, host);
}

int vg_fleet_publish_sync(struct vg_fleet *f, const char *subject, const void *data, size_t len)
{
	jsPubOptions po;
	jsErrCode jerr = 0;
	jsPubAck *pa = NULL;
	natsStatus st;

	jsPubOptions_Init(&po);
	po.MaxWait = f->timeout_ms;
	st = js_Publish(&pa, f->js, subject, data, (int)len, &po, &jerr);
	jsPubAck_Destroy(pa);
	if (st != NATS_OK)
		return fail_js(f, st, jerr, subject);
	return 0;
}

static int open_kv(struct vg_fleet *f)
{
	natsStatus st;

	if (f->kv)
		return 0;
	st = js_KeyValue(&f->kv, f->js, VG_FLEET_RULES_BUCKET);
	if (st != NATS_OK)
		return fail(f, st, "KV bucket " VG_FLEET_RULES_BUCKET);
	return 0;
}

int vg_fleet_rules_put(struct vg_fleet *f, const void *data, size_t len, uint64_t expect,
		       uint64_t *rev)
{
	natsStatus st;
	int err = open_kv(f);

	if (err)
		return err;
	if (expect) {
		const char *why;

		st = kvStore_Update(rev, f->kv, VG_FLEET_RULES_KEY, data, (int)len, expect);
		/* libnats reports the server's "wrong last sequence" (JetStream
		 * error 10071) only as text */
		why = st != NATS_OK ? nats_GetLastError(NULL) : NULL;
		if (why && strstr(why, "wrong last sequence")) {
			snprintf(f->err, sizeof(f->err),
				 "the ruleset changed since revision %llu was read (pushed meanwhile?)",
				 (unsigned long long)expect);
			return -EAGAIN;
		}
	} else {
		st = kvStore_Put(rev, f->kv, VG_FLEET_RULES_KEY, data, (int)len);
	}
	if (st != NATS_OK)
		return fail(f, st, "put " VG_FLEET_RULES_BUCKET "/" VG_FLEET_RULES_KEY);
	return 0;
}

int vg_fleet_rules_get(struct vg_fleet *f, char **data, size_t *len, uint64_t *rev)
{
	kvEntry *e = NULL;
	natsStatus st;
	int err = open_kv(f);

	if (err)
		return err;
	st = kvStore_Get(&e, f->kv, VG_FLEET_RULES_KEY);
	if (st == NATS_NOT_FOUND) {
		snprintf(f->err, sizeof(f->err), "no ruleset pushed yet (KV %s/%s is empty)",
			 VG_FLEET_RULES_BUCKET, VG_FLEET_RULES_KEY);
		return -ENOENT;
	}
	if (st != NATS_OK)
		return fail(f, st, "get " VG_FLEET_RULES_BUCKET "/" VG_FLEET_RULES_KEY);
	*len = (size_t)kvEntry_ValueLen(e);
	*data = malloc(*len + 1);
	if (!*data) {
		kvEntry_Destroy(e);
		return -ENOMEM;
	}
	memcpy(*data, kvEntry_Value(e), *len);
	(*data)[*len] = '\0';
	if (rev)
		*rev = kvEntry_Revision(e);
	kvEntry_Destroy(e);
	return 0;
}

int64_t vg_fleet_read(struct vg_fleet *f, const char *stream, const char *filter,
		      int64_t since_ns, vg_fleet_msg_fn fn, void *ctx)
{
	jsStreamInfo *si = NULL;
	jsConsumerInfo *ci = NULL;
	natsSubscription *sub = NULL;
	jsSubOptions so;
	jsErrCode jerr = 0;
	uint64_t last_seq, pending;
	int64_t n = 0;
	natsStatus st;
	int err = 0;

	st = js_GetStreamInfo(&si, f->js, stream, NULL, &jerr);
	if (st != NATS_OK)
		return fail_js(f, st, jerr, stream);
	last_seq = si->State.LastSeq;
	if (!si->State.Msgs || (since_ns && si->State.LastTime < since_ns)) {
		jsStreamInfo_Destroy(si);
		return 0;
	}
	jsStreamInfo_Destroy(si);

	/* an ephemeral pull consumer, no acks: the reader asks for batches
	 * as fast as it handles them (a push consumer handing over one
	 * message at a time costs a thread switch per message) */
	jsSubOptions_Init(&so);
	so.Stream = stream;
	so.Config.AckPolicy = js_AckNone;
	so.Config.InactiveThreshold = 60 * 1000000000LL; /* gone if the reader dies */
	if (since_ns) {
		so.Config.DeliverPolicy = js_DeliverByStartTime;
		so.Config.OptStartTime = since_ns;
	} else {
		so.Config.DeliverPolicy = js_DeliverAll;
	}
	st = js_PullSubscribe(&sub, f->js, filter, NULL, NULL, &so, &jerr);
	if (st != NATS_OK)
		return fail_js(f, st, jerr, stream);
	st = natsSubscription_GetConsumerInfo(&ci, sub, NULL, &jerr);
	if (st != NATS_OK) {
		err = fail_js(f, st, jerr, "consumer info");
		goto out;
	}
	pending = ci->NumPending;
	while (pending && !err) {
		natsMsgList list = { 0 };
		jsFetchRequest req;

		jsFetchRequest_Init(&req);
		req.Batch = pending < VG_FLEET_READ_BATCH ? (int)pending : VG_FLEET_READ_BATCH;
		req.Expires = f->timeout_ms * 1000000LL;
		st = natsSubscription_FetchRequest(&list, sub, &req);
		if (st != NATS_OK) {
			err = fail_js(f, st, jerr, "reading the stream");
			break;
		}
		for (int i = 0; i < list.Count && !err; i++) {
			natsMsg *m = list.Msgs[i];
			jsMsgMetaData *meta = NULL;
			struct vg_fleet_msg fm;

			st = natsMsg_GetMetaData(&meta, m);
			if (st != NATS_OK) {
				err = fail(f, st, "message metadata");
				break;
			}
			fm.subject = natsMsg_GetSubject(m);
			fm.data = natsMsg_GetData(m);
			fm.len = (size_t)natsMsg_GetDataLength(m);
			fm.seq = meta->Sequence.Stream;
			fm.time_ns = meta->Timestamp;
			pending = meta->NumPending;
			jsMsgMetaData_Destroy(meta);
			err = fn(&fm, ctx);
			n++;
			/* messages stored after the read began are not its business */
			if (fm.seq >= last_seq)
				pending = 0;
		}
		natsMsgList_Destroy(&list);
	}
out:
	jsConsumerInfo_Destroy(ci);
	natsSubscription_Unsubscribe(sub);
	natsSubscription_Destroy(sub);
	return err ? err : n;
}

int vg_fleet_stream_state(struct vg_fleet *f, const char *stream, uint64_t *msgs,
			  uint64_t *bytes)
{
	jsStreamInfo *si = NULL;
	jsErrCode jerr = 0;
	natsStatus st = js_GetStreamInfo(&si, f->js, stream, NULL, &jerr);

	if (st != NATS_OK)
		return fail_js(f, st, jerr, stream);
	*msgs = si->State.Msgs;
	*bytes = si->State.Bytes;
	jsStreamInfo_Destroy(si);
	return 0;
}

struct vg_fleet_watch {
	struct vg_fleet *f;
	kvWatcher *w;
};

struct vg_fleet_watch *vg_fleet_rules_watch(struct vg_fleet *f)
{
	struct vg_fleet_watch *w = calloc(1, sizeof(*w));
	natsStatus st;
	int err;

	if (!w) {
		errno = ENOMEM;
		return NULL;
	}
	w->f = f;
	err = open_kv(f);
	if (!err) {
		st = kvStore_Watch(&w->w, f->kv, VG_FLEET_RULES_KEY, NULL);
		if (st != NATS_OK)
			err = fail(f, st, "watch " VG_FLEET_RULES_BUCKET "/" VG_FLEET_RULES_KEY);
	}
	if (err) {
		free(w);
		errno = -err;
		return NULL;
	}
	return w;
}

int vg_fleet_watch_next(struct vg_fleet_watch *w, int timeout_ms, char **data, size_t *len,
			uint64_t *rev)
{
	for (;;) {
		kvEntry *e = NULL;
		natsStatus st = kvWatcher_Next(&e, w->w, timeout_ms);

		if (st == NATS_TIMEOUT)
			return 0;
		if (st != NATS_OK)
			return fail(w->f, st, "watching " VG_FLEET_RULES_BUCKET);
		/* NULL: the end of the initial values; deletes carry no ruleset */
		if (!e)
			continue;
		if (kvEntry_Operation(e) != kvOp_Put) {
			kvEntry_Destroy(e);
			continue;
		}
		*len = (size_t)kvEntry_ValueLen(e);
		*data = malloc(*len + 1);
		if (!*data) {
			kvEntry_Destroy(e);
			return -ENOMEM;
		}
		memcpy(*data, kvEntry_Value(e), *len);
		(*data)[*len] = '\0';
		*rev = kvEntry_Revision(e);
		kvEntry_Destroy(e);
		return 1;
	}
}

void vg_fleet_watch_free(struct vg_fleet_watch *w)
{
	if (!w)
		return;
	kvWatcher_Destroy(w->w);
	free(w);
}
