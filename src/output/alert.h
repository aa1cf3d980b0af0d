/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Alerts in Falco's formats (BRIEF §3): one JSON object per line with
 * Falco's keys, or Falco's text line "time: Priority output". One
 * interface for every destination: a FILE opened by the caller.
 */
#ifndef VIGIL_ALERT_H
#define VIGIL_ALERT_H

#include <stdbool.h>
#include <stdio.h>

#include "common/strbuf.h"
#include "rules/ruleset.h"

enum vg_alert_format { VG_ALERT_JSON, VG_ALERT_TEXT };

/* What happened, or would have, to the process. */
enum vg_alert_action {
	VG_ALERT_NONE,
	VG_ALERT_WOULD_KILL,
	VG_ALERT_WOULD_DENY,
	VG_ALERT_KILLED,
	VG_ALERT_DENIED,
};

struct vg_alert {
	const struct vg_rule *rule;
	enum vg_mode mode; /* effective mode */
	enum vg_alert_action action;
	const char *decided_at; /* where the kernel reached the verdict, or NULL */
};

const char *vg_alert_action_name(enum vg_alert_action a);

/*
 * Append the alert for the event in `c` (begun for it) as one line without
 * the newline. output_fields holds the template's fields plus evt.time,
 * proc.pid, proc.name, proc.exepath, user.uid and container.id.
 */
void vg_alert_format(struct strbuf *sb, enum vg_alert_format fmt, const struct vg_alert *al,
		     struct vg_evctx *c);

/* A vigil-generated alert (not from a rule): e.g. "vigil: events dropped". */
void vg_alert_format_internal(struct strbuf *sb, enum vg_alert_format fmt, const char *rule,
			      enum vg_prio prio, const char *output, const char *hostname,
			      const char *const *keys, const long long *vals, size_t n);

#endif /* VIGIL_ALERT_H */
