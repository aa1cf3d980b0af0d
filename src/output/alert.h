/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Alerts in Falco's formats (BRIEF §3): one JSON object per line with
 * Falco's keys, or Falco's text line "time: Priority output". One
 * interface for every destination: a FILE opened by the caller.
 */
#ifndef VIGIL_ALERT_H
#define VIGIL_ALERT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/strbuf.h"
#include "rules/ruleset.h"

enum vg_alert_format { VG_ALERT_JSON, VG_ALERT_TEXT };

/* One append_output entry (Falco's): extra output and fields for the
 * alerts it matches. All strings borrowed. */
struct vg_append_output {
	const char *match_source, *match_tag, *match_rule; /* NULL: any */
	const char *extra_output; /* appended to output after a space; %field
				   * references are rendered; NULL: none */
	const char **extra_keys, **extra_vals; /* extra_fields; a NULL value:
						* the field of that name */
	size_t nextra;
};

/* How alerts are written (Falco's json_output, json_include_*_property,
 * append_output). A NULL style: JSON with every property. */
struct vg_alert_style {
	enum vg_alert_format fmt;
	bool no_output, no_tags, no_output_fields; /* the json_include_* toggles, negated */
	const struct vg_append_output *append;
	size_t nappend;
};

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
 * the newline. `output` is Falco's: "HH:MM:SS.nnnnnnnnn: Priority " and the
 * rendered template (plus append_output's extra_output). output_fields
 * holds the template's fields plus evt.time, proc.pid, proc.name,
 * proc.exepath, user.uid and container.id (plus extra_fields).
 */
void vg_alert_format(struct strbuf *sb, const struct vg_alert_style *st, const struct vg_alert *al,
		     struct vg_evctx *c);

/* A vigil-generated alert (not from a rule): e.g. "vigil: events dropped". */
void vg_alert_format_internal(struct strbuf *sb, const struct vg_alert_style *st, const char *rule,
			      enum vg_prio prio, const char *output, const char *hostname,
			      const char *const *keys, const long long *vals, size_t n);

/* The alert that closes a window of folded repeats (vigil.aggregation_window):
 * rule r matched `count` times with this rendered `output` between first_ns
 * and last_ns (wall clock); the first was sent on its own. */
void vg_alert_format_folded(struct strbuf *sb, const struct vg_alert_style *st,
			    const struct vg_rule *r, const char *output, uint64_t count,
			    uint64_t first_ns, uint64_t last_ns, const char *hostname);

/* Does append_output entry a apply to rule r? */
bool vg_append_matches(const struct vg_append_output *a, const struct vg_rule *r);

/* Is `name` a field extra_fields / extra_output may name? */
bool vg_alert_field_ok(const char *name);

#endif /* VIGIL_ALERT_H */
