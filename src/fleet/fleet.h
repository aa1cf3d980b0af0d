/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vigil's fleet on NATS JetStream, through libnats (the NATS C client):
 * the connection (servers, credentials, TLS), the streams and key-value
 * bucket the fleet uses, their subjects, and the reads the `vigil fleet`
 * commands make. Layout and sizing in docs/FLEET.md:
 *
 *   stream VIGIL_ALERTS  subjects vigil.alerts.<host>.<priority>   alerts,
 *                        Falco JSON as `vigil run` prints it; limits
 *                        retention (max age, max bytes), de-duplication
 *                        by message id over the duplicate window
 *   stream VIGIL_STATE   subjects vigil.state.<host>   heartbeats
 *                        (fleet/heartbeat.h), the last one per host kept
 *   KV bucket vigil_rules  key "ruleset": the pushed ruleset
 *                        (fleet/bundle.h); its revision is its version
 *
 * <host> is the hostname made a single subject token: '.', '*', '>',
 * spaces and control bytes become '_' (the JSON inside keeps the real name).
 * <priority> is the alert priority in lower case ("warning").
 *
 * Ownership: struct vg_fleet owns its libnats connection and JetStream
 * context; vg_fleet_free() closes them. A vg_fleet may be used by several
 * threads (libnats connections are thread-safe), except vg_fleet_free().
 * Functions return 0 or a negative errno; the text of the last failure is
 * in vg_fleet_error() (per connection, so read it from the failing thread
 * before another call).
 */
#ifndef VIGIL_FLEET_H
#define VIGIL_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"

#define VG_FLEET_ALERTS_STREAM "VIGIL_ALERTS"
#define VG_FLEET_STATE_STREAM "VIGIL_STATE"
#define VG_FLEET_ALERTS_PREFIX "vigil.alerts"
#define VG_FLEET_STATE_PREFIX "vigil.state"
#define VG_FLEET_RULES_BUCKET "vigil_rules"
#define VG_FLEET_RULES_KEY "ruleset"
#define VG_FLEET_MAX_SERVERS 16
#define VG_FLEET_DEFAULT_SERVER "nats://127.0.0.1:4222"

struct vg_fleet_opts {
	const char *servers[VG_FLEET_MAX_SERVERS]; /* none: VG_FLEET_DEFAULT_SERVER */
	size_t nservers;
	const char *creds;   /* NATS user credentials file (JWT + nkey seed) */
	const char *tls_ca;  /* CA bundle to verify the servers with (turns TLS on) */
	const char *tls_cert; /* client certificate and its key (both or neither) */
	const char *tls_key;
	const char *name;    /* connection name the server shows */
	int timeout_ms;	     /* connect and JetStream API calls; 0: 5000 */
	/* Keep trying in the background when no server answers at first (an
	 * agent: its spool holds what it publishes meanwhile), instead of
	 * failing (a command). Reconnects are always retried forever. */
	bool retry_connect;
};

/* Retention of what vg_fleet_setup creates; zeros take the defaults. */
struct vg_fleet_layout {
	int64_t alerts_max_age_s;  /* default 7 days */
	int64_t alerts_max_bytes;  /* default unlimited (-1) */
	int64_t dup_window_s;	   /* default 600: replays later than this may duplicate */
	int64_t state_max_age_s;   /* default 7 days: agents silent longer disappear */
	int replicas;		   /* default 1; 3 in a 3-server cluster */
	int rules_history;	   /* revisions kept in the KV bucket, default 16 */
	const char *alerts_stream; /* NULL: VG_FLEET_ALERTS_STREAM */
	const char *alerts_prefix; /* its subjects are <prefix>.>; NULL: VG_FLEET_ALERTS_PREFIX */
};

struct vg_fleet;

/* Connect. NULL with errno set (EINVAL for bad options, ECONNREFUSED when
 * no server answered, EACCES for refused credentials, EIO otherwise); the
 * reason is written into err (if not NULL). */
struct vg_fleet *vg_fleet_connect(const struct vg_fleet_opts *o, char *err, size_t errsize);
void vg_fleet_free(struct vg_fleet *f);
bool vg_fleet_connected(struct vg_fleet *f);
/* How many times the connection was lost since it was made. */
uint64_t vg_fleet_disconnects(struct vg_fleet *f);
const char *vg_fleet_error(const struct vg_fleet *f);

/* The underlying libnats objects, for fleet/pub.c (natsConnection *). */
void *vg_fleet_nats(struct vg_fleet *f);

/* Create or update the two streams and the KV bucket: idempotent, safe to
 * run from every agent and command. */
int vg_fleet_setup(struct vg_fleet *f, const struct vg_fleet_layout *l);

/* Subjects ("vigil.alerts.web-1.warning", "vigil.state.web-1"). */
void vg_fleet_alert_subject(struct strbuf *sb, const char *host, const char *priority);
void vg_fleet_state_subject(struct strbuf *sb, const char *host);
/* The same under another prefix (nats_output.subject_prefix). */
void vg_fleet_alert_subject_prefixed(struct strbuf *sb, const char *prefix, const char *host,
				     const char *priority);

/* Publish one message and wait for the stream's acknowledgement (heartbeats:
 * state, where only the latest matters, is not spooled). */
int vg_fleet_publish_sync(struct vg_fleet *f, const char *subject, const void *data, size_t len);

/* The ruleset in the KV bucket: put returns its new revision in *rev;
 * with `expect` non-zero it stores only if the current revision is still
 * `expect` (-EAGAIN when someone else stored one since); get hands back a
 * malloc'd copy (the caller frees it), -ENOENT when none. */
int vg_fleet_rules_put(struct vg_fleet *f, const void *data, size_t len, uint64_t expect,
		       uint64_t *rev);
int vg_fleet_rules_get(struct vg_fleet *f, char **data, size_t *len, uint64_t *rev);

/* Watch the ruleset key: the current value first (if any), then each new
 * one. next: 1 with a malloc'd copy in *data (the caller frees it) and its
 * revision, 0 when nothing new came within timeout_ms (a deleted or purged
 * key is skipped), or a negative errno. */
struct vg_fleet_watch;
struct vg_fleet_watch *vg_fleet_rules_watch(struct vg_fleet *f);
int vg_fleet_watch_next(struct vg_fleet_watch *w, int timeout_ms, char **data, size_t *len,
			uint64_t *rev);
void vg_fleet_watch_free(struct vg_fleet_watch *w);

/* One stored message, as vg_fleet_read hands it to its callback. */
struct vg_fleet_msg {
	const char *subject;
	const char *data; /* not NUL-terminated */
	size_t len;
	uint64_t seq;	  /* stream sequence */
	int64_t time_ns;  /* when the stream stored it, ns since the epoch */
};

/* Called per message; a non-zero return stops the read and is returned. */
typedef int (*vg_fleet_msg_fn)(const struct vg_fleet_msg *m, void *ctx);

/*
 * Read `stream`'s messages on subjects matching `filter` stored at or after
 * since_ns (0: all), in order, up to the last one stored when the read
 * began. Returns how many were read, or a negative errno.
 */
int64_t vg_fleet_read(struct vg_fleet *f, const char *stream, const char *filter,
		      int64_t since_ns, vg_fleet_msg_fn fn, void *ctx);

/* A stream's size: messages and bytes stored (with JetStream's per-message
 * overhead: subject, headers, timestamps). */
int vg_fleet_stream_state(struct vg_fleet *f, const char *stream, uint64_t *msgs,
			  uint64_t *bytes);

/* Map a libnats status to a negative errno (for fleet/pub.c). */
int vg_fleet_errno(int nats_status);

#endif /* VIGIL_FLEET_H */
