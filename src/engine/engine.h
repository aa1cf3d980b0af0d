/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rule engine of `vigil run`: a loaded ruleset, the per-event matching
 * of the rules indexed for the event's type, the verdicts the kernel's
 * enforcement wrote into the record, the rollout modes, alerts, and the
 * reload that swaps ruleset and kernel tables without a gap. The CLI drives
 * it: new (load the rules), tables (the kernel's share, for the loader),
 * attach (to the started agent), process (each event), reload, free.
 *
 * Ownership: the engine owns its rulesets, its user-name cache and its
 * line buffer; it borrows the output streams, the hostname and, after
 * attach, the agent. Not thread-safe: one thread (the agent's) calls it.
 */
#ifndef VIGIL_ENGINE_H
#define VIGIL_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/strbuf.h"
#include "output/alert.h"
#include "rules/kfilter.h"
#include "rules/ruleset.h"

struct vg_agent;
struct vg_event;
struct vg_proc;
struct vg_outputs;

struct vg_engine_opts {
	const char *const *rule_paths; /* files and directories; none: the bundled rules */
	size_t nrule_paths;	       /* the array is borrowed for reloads */
	bool user_filter;	       /* --filter user: the kernel filters nothing */
	enum vg_mode start;	       /* the mode cap at start, its ceiling too */
	struct vg_alert_style style;   /* of alerts (observe-mode matches: JSON) */
	enum vg_prio min_prio;	       /* rules less severe than this send no alert */
	double fold_window_s;	       /* > 0: fold repeats within this window */
	const char *hostname;	       /* borrowed */
	const char *passwd_path;       /* user and group names; NULL: /etc/passwd, */
	const char *group_path;	       /* /etc/group (borrowed) */
	/* Where the rules come from instead of the paths (the fleet's
	 * ruleset): a compiled ruleset, or NULL after reporting to diag. */
	struct vg_ruleset *(*rules_load)(void *ctx, struct vg_diag *diag);
	void *rules_ctx;
};

/* Per-run counters, for --stats and /metrics. */
struct vg_engine_stats {
	uint64_t below_priority; /* matches not sent: under the priority setting */
	uint64_t folded;	 /* matches not sent on their own: repeats folded */
	uint64_t alerts, observed, killed, shadowed, reloads, reload_failures;
	uint64_t actions[VG_ALERT_DENIED + 1]; /* by enum vg_alert_action */
};

struct vg_engine;

/*
 * Load the rules (diagnostics to diag). NULL with errno EINVAL when the
 * rules have errors (reported), ENOMEM when out of memory.
 */
struct vg_engine *vg_engine_new(const struct vg_engine_opts *o, struct vg_diag *diag);
void vg_engine_free(struct vg_engine *e);

/* Where alerts go (borrowed; NULL: nowhere), and observe-mode matches
 * (borrowed; NULL: not written). */
void vg_engine_set_outputs(struct vg_engine *e, struct vg_outputs *out);
void vg_engine_set_audit(struct vg_engine *e, FILE *audit);

/* The running ruleset (owned by the engine; replaced by a reload). */
const struct vg_ruleset *vg_engine_ruleset(const struct vg_engine *e);

/*
 * Build the kernel's tables for the running ruleset into kf (released by
 * the caller with vg_kfilter_release, also on error): filter, then
 * enforcement (`lsm`: LSM-BPF deny hooks will be attached). 0; -ENOMEM; -E2BIG with the reason in why (the rules need
 * more enforcement clauses than the tables hold: a usage error).
 */
int vg_engine_tables(struct vg_engine *e, bool lsm, struct vg_kfilter *kf, struct strbuf *why);

/* The agent is started: evaluate against its process table and
 * containers, push mode changes and reloads to its loader. */
void vg_engine_attach(struct vg_engine *e, struct vg_agent *a);

/* One event (the agent's callback). Always 0. */
int vg_engine_process(struct vg_engine *e, const struct vg_event *ev, const struct vg_proc *proc);

/*
 * Load the rules again, from o's paths (NULL: the same as before), and swap
 * them in with their kernel tables, all or nothing: on any error the
 * running rules stay and the error is logged. On success o's style,
 * min_prio and fold window apply too (its user_filter and start are ignored: they need a
 * restart). o's arrays are borrowed from then on. 0 or negative errno.
 */
int vg_engine_reload(struct vg_engine *e, const struct vg_engine_opts *o);

/*
 * Swap in a ruleset compiled elsewhere (the fleet's, compiled off the
 * event loop), with its kernel tables, all or nothing; the engine takes rs
 * either way. 0, or a negative errno with the reason in why (the running
 * rules stay; counted as a reload failure).
 */
int vg_engine_swap(struct vg_engine *e, struct vg_ruleset *rs, struct strbuf *why);

/* A reload refused before the rules were tried (the configuration):
 * counted with the reload failures. */
void vg_engine_reload_failed(struct vg_engine *e);

/* The mode cap now, and a change of it (pushed to the kernel and logged
 * with `why`). A cap above the start mode is clamped to it. */
enum vg_mode vg_engine_cap(const struct vg_engine *e);
enum vg_mode vg_engine_start_mode(const struct vg_engine *e);
void vg_engine_set_cap(struct vg_engine *e, enum vg_mode cap, const char *why);

/* Send the alerts of folded repeats whose window closed (all of them when
 * `all`: before the outputs stop). Each turn of the agent's loop. */
void vg_engine_tick(struct vg_engine *e, bool all);

/* A vigil-generated alert (not a rule's) to the alert outputs. */
void vg_engine_internal_alert(struct vg_engine *e, const char *rule, enum vg_prio prio,
			      const char *msg, const char *const *keys, const long long *vals,
			      size_t n);

void vg_engine_stats(const struct vg_engine *e, struct vg_engine_stats *out);
/* Rule i of the running ruleset: how often each action was reported for
 * it (by enum vg_alert_action; counted since the ruleset was loaded). */
const uint64_t *vg_engine_rule_actions(const struct vg_engine *e, size_t i);
/* --stats lines: enforcement, alerts, per-rule matches. */
void vg_engine_print_stats(const struct vg_engine *e);

#endif /* VIGIL_ENGINE_H */
