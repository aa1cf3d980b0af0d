/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one interface every alert sink implements (internal to src/output/;
 * users see outputs.h). A sink's operations run only on its own worker
 * thread, so they need no locking and may block (a write to a full pipe, an
 * HTTP request, a reconnect).
 */
#ifndef VIGIL_SINK_H
#define VIGIL_SINK_H

#include <stdbool.h>

#include "output/outputs.h"

struct vg_sink;

struct vg_sink_ops {
	const char *name;
	/* Before the first line. 0, -EAGAIN (destination not there yet: try
	 * again before the next line), or a negative errno that stops the sink
	 * (its lines are then dropped and counted). May be NULL. */
	int (*open)(struct vg_sink *s);
	/* Deliver one line. 0: delivered; -EAGAIN: not now, the same line is
	 * retried after a backoff (counted as retried); any other negative
	 * errno: this line cannot be delivered (dropped, counted). */
	int (*write)(struct vg_sink *s, enum vg_prio prio, const char *line, size_t len);
	/* The queue is empty for now: push out what is buffered. May be NULL. */
	void (*flush)(struct vg_sink *s);
	/* Close and open the destination again (SIGUSR1). May be NULL. */
	void (*reopen)(struct vg_sink *s);
	/* Release everything the sink holds. Called once, also after a failed
	 * or missing open. */
	void (*close)(struct vg_sink *s);
	/* The queue is empty: background work (a spool's acknowledgements and
	 * resends). Returns the milliseconds until it wants to be called
	 * again. Called only after a successful open. May be NULL. */
	int (*idle)(struct vg_sink *s);
	/* Fill the has_spool fields of st. Called from another thread than
	 * the worker's: the sink guards what it reads. May be NULL. */
	void (*counters)(struct vg_sink *s, struct vg_sink_stats *st);
};

struct vg_sink {
	const struct vg_sink_ops *ops;
	struct vg_sink_conf conf; /* strings owned (copied) */
	void *priv;		  /* the sink kind's state, freed by close */
};

/* Each kind's operations: sink_file.c (stdout, file), sink_syslog.c,
 * sink_program.c, sink_http.c, sink_nats.c. */
extern const struct vg_sink_ops vg_sink_stdout_ops, vg_sink_file_ops, vg_sink_syslog_ops,
	vg_sink_program_ops, vg_sink_http_ops, vg_sink_nats_ops;

#endif /* VIGIL_SINK_H */
