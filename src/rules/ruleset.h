/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A loaded, compiled ruleset: Falco-format YAML (rules, macros, lists,
 * exceptions, append/override) read with libyaml, conditions parsed and
 * compiled against the field table, rules indexed by event type.
 *
 * Ownership: everything hangs off one arena inside struct vg_ruleset and is
 * freed by vg_ruleset_free(). A load either succeeds completely or returns
 * NULL after reporting every error it found: nothing is half-applied.
 */
#ifndef VIGIL_RULESET_H
#define VIGIL_RULESET_H

#include <stdbool.h>
#include <stddef.h>
#include <regex.h>
#include <stdint.h>

#include "abi/event.h"
#include "common/arena.h"
#include "rules/diag.h"
#include "rules/fields.h"

enum vg_prio {
	VG_PRIO_EMERGENCY,
	VG_PRIO_ALERT,
	VG_PRIO_CRITICAL,
	VG_PRIO_ERROR,
	VG_PRIO_WARNING,
	VG_PRIO_NOTICE,
	VG_PRIO_INFORMATIONAL,
	VG_PRIO_DEBUG,
};

/* Rollout modes, ordered: the effective mode is the lower of two. */
enum vg_mode { VG_MODE_OBSERVE, VG_MODE_ALERT, VG_MODE_ENFORCE };
enum vg_action { VG_ACTION_KILL, VG_ACTION_DENY };

struct vg_cexpr;
struct vg_tmpl;

struct vg_rule {
	const char *name;
	const char *desc;
	const char *condition; /* as written (after append/override), for listings */
	enum vg_prio prio;
	const char **tags;
	size_t ntags;
	enum vg_mode mode;
	enum vg_action action;
	bool fallback_kill; /* deny where LSM-BPF is missing: kill instead */
	uint32_t index;	    /* in vg_ruleset.rules; the kernel names rules by it */
	struct vg_srcpos pos;
	struct vg_cexpr *cond;
	struct vg_tmpl *output;
	uint8_t ev[VG_EV_MAX]; /* 1 for each event id the rule can match */
	uint64_t matches;      /* counted by vg_ruleset_eval */
};

struct vg_ruleset {
	struct arena arena;
	struct vg_rule **rules; /* enabled rules, in load order */
	size_t nrules;
	struct vg_rule **by_ev[VG_EV_MAX]; /* rules per event id, in load order */
	size_t n_by_ev[VG_EV_MAX];
	bool sys_enabled[VG_EV_MAX]; /* event ids some rule needs */
	size_t nsys;		     /* how many syscall ids that is */
	size_t nmacros, nlists, ndisabled;
	regex_t **regexes; /* compiled `regex` operands: regfree'd on free */
	size_t nregexes;
};

/* A named text to load from memory (the embedded default rules). */
struct vg_rule_source {
	const char *name; /* shown in diagnostics */
	const char *text;
	size_t len;
};

/*
 * Load files and directories (their *.yaml / *.yml files, sorted by name)
 * in order, then `extra` in-memory sources after them. Diagnostics go to
 * `diag`. Returns NULL when anything was wrong (errno EINVAL, or ENOMEM).
 */
struct vg_ruleset *vg_ruleset_load(const char *const *paths, size_t npaths,
				   const struct vg_rule_source *extra, size_t nextra,
				   struct vg_diag *diag);
void vg_ruleset_free(struct vg_ruleset *rs);

/*
 * The files vg_ruleset_load reads for `path`, in its order: a directory's
 * *.yaml and *.yml files sorted by name, anything else as itself. The array
 * and its strings are malloc'd: free them with vg_rule_path_files_free().
 * 0 or -ENOMEM.
 */
int vg_rule_path_files(const char *path, char ***names, size_t *n);
void vg_rule_path_files_free(char **names, size_t n);

/* Does rule r match the event in c? (c must be begun for the event.) */
bool vg_rule_eval(const struct vg_rule *r, struct vg_evctx *c);

/* Render the rule's output template for the event. */
void vg_rule_render(const struct vg_rule *r, struct vg_evctx *c, struct strbuf *sb);

/* The fields the output template names, for output_fields: how many, and
 * the i-th's reference and name as written. */
size_t vg_rule_nout_fields(const struct vg_rule *r);
const struct vg_fref *vg_rule_out_field(const struct vg_rule *r, size_t i);
const char *vg_rule_out_field_name(const struct vg_rule *r, size_t i);

const char *vg_prio_name(enum vg_prio p); /* "Warning" */
const char *vg_mode_name(enum vg_mode m); /* "alert" */
const char *vg_action_name(enum vg_action a);
/* Parse "alert" etc.; -1 when not a mode. */
int vg_mode_parse(const char *s);

/* For `vigil check --explain` and tests: the compiled condition, printed. */
void vg_rule_explain(const struct vg_rule *r, struct strbuf *sb);

#endif /* VIGIL_RULESET_H */
