/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Alert delivery: a set of sinks (stdout, file, syslog, program, http),
 * each behind one interface with its own bounded queue and worker thread,
 * so that a slow or dead destination never blocks the event loop or another
 * sink. The event loop formats an alert once and hands the line to every
 * sink's queue (a copy each); a full queue drops the line for that sink
 * only, and counts it. A sink that fails transiently (a receiver down, a
 * timeout) keeps the line at the head of its queue and retries with
 * backoff: nothing is lost while its queue has room.
 *
 * Ownership: vg_outputs_new() returns a set that owns its sinks; each sink
 * owns its queued lines and its destination (fd, FILE, child, curl handle).
 * vg_outputs_free() stops the workers after they delivered what is queued
 * (bounded by the drain timeout; what is left is counted as dropped).
 *
 * Threads: vg_outputs_emit(), _reopen(), _stats() and _poll_drops() may be
 * called from one thread (the agent's) while the workers run.
 */
#ifndef VIGIL_OUTPUTS_H
#define VIGIL_OUTPUTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules/ruleset.h"

enum vg_sink_kind { VG_SINK_STDOUT, VG_SINK_FILE, VG_SINK_SYSLOG, VG_SINK_PROGRAM, VG_SINK_HTTP,
		    VG_SINK_NATS };

/* What one sink is to do. Strings are copied by vg_outputs_new(). */
struct vg_sink_conf {
	enum vg_sink_kind kind;
	const char *target; /* file: path; program: shell command; http: url; syslog: socket */
	bool keep_alive;    /* file: stay open; program: one long-lived child; http: reuse */
	/* http only */
	const char *user_agent;
	bool insecure;	     /* do not verify the server's certificate */
	const char *ca_cert; /* CA file, bundle file, or directory of CAs */
	const char *ca_bundle;
	const char *ca_path;
	bool mtls;
	const char *client_cert, *client_key;
	bool compress;		      /* gzip the body (Content-Encoding: gzip) */
	unsigned timeout_ms;	      /* per request; 0: 5000 */
	unsigned max_consecutive_timeouts; /* warn after this many in a row (0: 5) */
	/* nats only (sink_nats.c): target holds the servers, comma-separated
	 * (NULL: nats://127.0.0.1:4222); ca_cert, client_cert and client_key
	 * are the TLS files */
	const char *creds;
	const char *subject_prefix; /* NULL: vigil.alerts */
	const char *stream;	    /* NULL: VIGIL_ALERTS */
	const char *spool_dir;
	uint64_t spool_max;	    /* bytes */
	const char *hostname;	    /* the <host> token of the subjects */
};

struct vg_outputs_conf {
	const struct vg_sink_conf *sinks;
	size_t nsinks;
	size_t queue_capacity; /* lines per sink queue; 0: 10000 */
	unsigned drain_ms;     /* how long free() waits for queued lines; 0: 5000 */
};

struct vg_sink_stats {
	const char *name; /* "stdout", "file", ... (static) */
	uint64_t sent, retried, dropped;
	size_t queued;
	/* a sink with a spool (nats): has_spool set, and these filled */
	bool has_spool;
	uint64_t spooled;	/* appended to the spool */
	uint64_t published;	/* publish calls, resends included */
	uint64_t acked;		/* acknowledged by the stream */
	uint64_t duplicates;	/* of those, ones the stream already had */
	uint64_t replayed;	/* resends after a failure or reconnect */
	uint64_t spool_dropped; /* oldest records dropped to stay in bounds */
	uint64_t spool_pending; /* in the spool, not yet acknowledged */
	uint64_t spool_bytes;
};

struct vg_outputs;

/* Start one worker per sink. NULL with errno set (ENOMEM; EINVAL for a
 * configuration a sink refuses, logged). No sink at all is valid. */
struct vg_outputs *vg_outputs_new(const struct vg_outputs_conf *c);
/* Deliver what is queued (up to drain_ms) and stop the workers; the
 * counters stay readable. Idempotent. */
void vg_outputs_stop(struct vg_outputs *o);
/* Stop (if not yet), then free. NULL ok. */
void vg_outputs_free(struct vg_outputs *o);

/* Queue one line (without newline) of priority prio to every sink. */
void vg_outputs_emit(struct vg_outputs *o, enum vg_prio prio, const char *line, size_t len);

/* Ask every sink to reopen its destination before its next line
 * (SIGUSR1: a rotated file is closed and its path opened anew). */
void vg_outputs_reopen(struct vg_outputs *o);

size_t vg_outputs_count(const struct vg_outputs *o);
/* Counters of sink i (< vg_outputs_count). */
void vg_outputs_stats(struct vg_outputs *o, size_t i, struct vg_sink_stats *out);

/*
 * Lines dropped since the last call, over all sinks; *which names the sink
 * that dropped the most of them. 0 when none.
 */
uint64_t vg_outputs_poll_drops(struct vg_outputs *o, const char **which);

#endif /* VIGIL_OUTPUTS_H */
