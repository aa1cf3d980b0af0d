// SPDX-License-Identifier: Apache-2.0
/*
 * The rule engine; see engine.h. Each event meets only the rules indexed
 * for its type; a match becomes an alert (alert mode), an audit line
 * (observe mode), and says what the kernel's enforcement did (killed, or
 * would-kill/would-deny in shadow mode: bpf/lib/enforce.bpf.h).
 */
#include "engine/engine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "engine/fold.h"
#include "output/outputs.h"
#include "pipeline/agent.h"
#include "pipeline/users.h"
#include "rules/bundled.h"

#define ENGINE_LIMITED 16

struct vg_engine {
	struct vg_engine_opts o;
	struct vg_outputs *out;
	FILE *audit;
	struct vg_rule_source bundled;
	struct vg_ruleset *rs;
	/* the ruleset before the last reload: verdicts of records still in
	 * flight name its rules; gen says which table generation rs is */
	struct vg_ruleset *prev_rs;
	unsigned gen;
	enum vg_mode cap;
	struct vg_agent *agent; /* NULL until attached */
	struct vg_evctx ctx;
	struct vg_users *users;
	struct strbuf line, rendered;
	struct vg_fold fold;
	struct vg_engine_stats st;
	uint64_t (*rule_act)[VG_ALERT_DENIED + 1]; /* per rule of rs */
	/* offenders over the kill budget already reported this second: one
	 * alert per offender and second, the last ENGINE_LIMITED of them */
	struct {
		uint32_t uid;
		uint64_t cgroup_id, sec;
	} limited[ENGINE_LIMITED];
	unsigned next_limited;
};

static struct vg_ruleset *load_rules(struct vg_engine *e, const struct vg_engine_opts *o,
				     struct vg_diag *diag)
{
	if (o->rules_load)
		return o->rules_load(o->rules_ctx, diag);
	return vg_ruleset_load(o->rule_paths, o->nrule_paths, &e->bundled, o->nrule_paths ? 0 : 1,
			       diag);
}

struct vg_engine *vg_engine_new(const struct vg_engine_opts *o, struct vg_diag *diag)
{
	struct vg_engine *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->o = *o;
	e->bundled = vg_bundled_rules();
	e->cap = o->start;
	strbuf_init(&e->line);
	strbuf_init(&e->rendered);
	vg_fold_init(&e->fold, o->fold_window_s);
	vg_evctx_init(&e->ctx);
	e->rs = load_rules(e, o, diag);
	if (!e->rs) {
		int err = errno;

		vg_engine_free(e);
		errno = err;
		return NULL;
	}
	e->rule_act = calloc(e->rs->nrules + 1, sizeof(*e->rule_act));
	if (!e->rule_act) {
		vg_engine_free(e);
		errno = ENOMEM;
		return NULL;
	}
	e->users = vg_users_new(o->passwd_path ? o->passwd_path : "/etc/passwd",
				o->group_path ? o->group_path : "/etc/group");
	e->ctx.users = e->users;
	e->ctx.hostname = o->hostname;
	return e;
}

void vg_engine_free(struct vg_engine *e)
{
	if (!e)
		return;
	vg_evctx_release(&e->ctx);
	vg_users_free(e->users);
	vg_ruleset_free(e->rs);
	vg_ruleset_free(e->prev_rs);
	strbuf_release(&e->line);
	strbuf_release(&e->rendered);
	vg_fold_release(&e->fold);
	free(e->rule_act);
	free(e);
}

void vg_engine_set_outputs(struct vg_engine *e, struct vg_outputs *out)
{
	e->out = out;
}

void vg_engine_set_audit(struct vg_engine *e, FILE *audit)
{
	e->audit = audit;
}

const struct vg_ruleset *vg_engine_ruleset(const struct vg_engine *e)
{
	return e->rs;
}

static int build_tables(const struct vg_ruleset *rs, bool user_filter, bool lsm,
			struct vg_kfilter *kf, struct strbuf *why)
{
	int err = vg_kfilter_build(kf, rs, user_filter);

	if (err) {
		strbuf_addstr(why, "out of memory");
		return err;
	}
	err = vg_kfilter_build_enforce(kf, rs, lsm, why);
	if (err && !why->len)
		strbuf_addstr(why, strerror(-err));
	return err;
}

int vg_engine_tables(struct vg_engine *e, bool lsm, struct vg_kfilter *kf, struct strbuf *why)
{
	return build_tables(e->rs, e->o.user_filter, lsm, kf, why);
}

void vg_engine_attach(struct vg_engine *e, struct vg_agent *a)
{
	e->agent = a;
	/* the agent's context, fixed for the run: set once, not per event */
	e->ctx.procs = a->procs;
	e->ctx.host_pidns = a->host_pidns;
	e->ctx.host_mntns = a->host_mntns;
	e->ctx.containers = a->containers;
}

/* The rule the kernel enforced, by the record's enf_rule (NULL: unknown). */
static const struct vg_rule *enforced_rule(const struct vg_engine *e, const struct vg_event *ev)
{
	unsigned idx = ev->enf_rule & 0x7fff, gen = ev->enf_rule >> 15;
	const struct vg_ruleset *rs = gen == e->gen ? e->rs : e->prev_rs;

	return rs && idx && idx <= rs->nrules ? rs->rules[idx - 1] : NULL;
}

/* What the kernel did about rule r on this event (bpf/lib/enforce.bpf.h
 * wrote its verdict into the record: the rule's index + 1, and in bit 15
 * the table generation, i.e. which ruleset the index is in). */
static enum vg_alert_action verdict(const struct vg_engine *e, const struct vg_rule *r,
				    const struct vg_event *ev)
{
	const struct vg_rule *acted = enforced_rule(e, ev);

	if (r->mode != VG_MODE_ENFORCE || !acted || (acted != r && strcmp(acted->name, r->name)))
		return VG_ALERT_NONE;
	if (ev->flags & VG_F_KILLED)
		return VG_ALERT_KILLED;
	if (ev->flags & VG_F_DENIED)
		return VG_ALERT_DENIED;
	return r->action == VG_ACTION_DENY ? VG_ALERT_WOULD_DENY : VG_ALERT_WOULD_KILL;
}

void vg_engine_internal_alert(struct vg_engine *e, const char *rule, enum vg_prio prio,
			      const char *msg, const char *const *keys, const long long *vals,
			      size_t n)
{
	strbuf_reset(&e->line);
	vg_alert_format_internal(&e->line, &e->o.style, rule, prio, msg, e->o.hostname, keys, vals, n);
	vg_outputs_emit(e->out, prio, e->line.buf, e->line.len);
}

enum vg_mode vg_engine_cap(const struct vg_engine *e)
{
	return e->cap;
}

enum vg_mode vg_engine_start_mode(const struct vg_engine *e)
{
	return e->o.start;
}

void vg_engine_set_cap(struct vg_engine *e, enum vg_mode cap, const char *why)
{
	int err;

	if (cap > e->o.start)
		cap = e->o.start;
	e->cap = cap;
	if (e->agent) {
		err = vg_loader_set_cap(&e->agent->loader, cap);
		if (err)
			vg_err("setting the mode cap in the kernel: %s", strerror(-err));
	}
	vg_info("mode cap now %s (%s)", vg_mode_name(cap), why);
}

/*
 * An offender (a uid in a cgroup) went over its kill budget: the kernel
 * reports its further matches this second as would-kill, and kills
 * everybody else as before. Its own alert, once per offender and second:
 * the budget is per offender, so nothing here changes the mode.
 */
static void rate_limited(struct vg_engine *e, const struct vg_event *ev)
{
	static const char *const keys[] = { "proc.pid", "user.uid", "proc.cgroup_id" };
	long long vals[3];
	uint64_t sec = ev->ts_boot / 1000000000ull;

	if (!ev->task)
		return;
	for (unsigned i = 0; i < ENGINE_LIMITED; i++)
		if (e->limited[i].uid == ev->task->uid &&
		    e->limited[i].cgroup_id == ev->task->cgroup_id && e->limited[i].sec == sec)
			return;
	e->limited[e->next_limited].uid = ev->task->uid;
	e->limited[e->next_limited].cgroup_id = ev->task->cgroup_id;
	e->limited[e->next_limited].sec = sec;
	e->next_limited = (e->next_limited + 1) % ENGINE_LIMITED;
	vals[0] = ev->task->pid;
	vals[1] = ev->task->uid;
	vals[2] = (long long)ev->task->cgroup_id;
	vg_engine_internal_alert(e, "vigil: enforcement rate limit exceeded", VG_PRIO_CRITICAL,
				 "one offender (this uid in this cgroup) went over --max-kills "
				 "kills in a second: its further matches this second are reported "
				 "as would-kill; everybody else is still killed",
				 keys, vals, 3);
}

/* A rule that survives a reload (same name) keeps its counters, so that
 * /metrics counters only grow. */
static void carry_counts(struct vg_engine *e, struct vg_ruleset *rs,
			 uint64_t (*act)[VG_ALERT_DENIED + 1])
{
	for (size_t i = 0; i < rs->nrules; i++)
		for (size_t k = 0; k < e->rs->nrules; k++) {
			if (strcmp(rs->rules[i]->name, e->rs->rules[k]->name))
				continue;
			rs->rules[i]->matches = e->rs->rules[k]->matches;
			memcpy(act[i], e->rule_act[k], sizeof(act[i]));
			break;
		}
}

/*
 * Load the rules again from where they came from. All or nothing: a
 * ruleset with errors, or tables that cannot be built, leave the running
 * rules in place; else the kernel's tables are swapped in one step
 * (vg_loader_swap_rules) and then the user-space ruleset.
 */
/* Swap rs in with its kernel tables, all or nothing (takes rs). */
static int swap_in(struct vg_engine *e, struct vg_ruleset *rs, struct strbuf *why)
{
	struct vg_loader *l = &e->agent->loader;
	bool sys[VG_EV_MAX];
	struct vg_kfilter kf = { 0 };
	void *act;
	int err;

	act = calloc(rs->nrules + 1, sizeof(*e->rule_act));
	err = act ? build_tables(rs, e->o.user_filter, l->lsm, &kf, why) : -ENOMEM;
	if (!act)
		strbuf_addstr(why, "out of memory");
	vg_agent_syscalls(rs->sys_enabled, sys);
	/* the entry stage on the new rules' calls before they are live, off
	 * the others after */
	if (!err)
		vg_loader_entry_attach(l, &kf); /* warns of calls left to the exit */
	if (!err) {
		err = vg_loader_swap_rules(l, &kf, sys);
		if (err)
			strbuf_addstr(why, strerror(-err));
		else
			vg_loader_entry_detach_unused(l, &kf);
	}
	if (err) {
		vg_ruleset_free(rs);
		free(act);
		e->st.reload_failures++;
	} else {
		/* folded windows name the old rules: close them now */
		vg_engine_tick(e, true);
		carry_counts(e, rs, act);
		free(e->rule_act);
		e->rule_act = act;
		vg_ruleset_free(e->prev_rs);
		e->prev_rs = e->rs;
		e->rs = rs;
		e->gen ^= 1;
		e->st.reloads++;
		vg_info("rules reloaded: %zu rules, %zu kernel filters, %zu enforcing", rs->nrules,
			kf.nfiltered_ids, kf.nenforce);
	}
	vg_kfilter_release(&kf);
	return err;
}

/*
 * Load the rules again from where they came from. All or nothing: a
 * ruleset with errors, or tables that cannot be built, leave the running
 * rules in place; else the kernel's tables are swapped in one step
 * (vg_loader_swap_rules) and then the user-space ruleset.
 */
int vg_engine_reload(struct vg_engine *e, const struct vg_engine_opts *o)
{
	struct vg_diag diag = { .out = stderr };
	struct strbuf why = STRBUF_INIT;
	struct vg_ruleset *rs;
	int err;

	if (!o)
		o = &e->o;
	rs = load_rules(e, o, &diag);
	if (!rs) {
		vg_err("reload: %u error%s; the running rules stay in place", diag.errors,
		       diag.errors == 1 ? "" : "s");
		e->st.reload_failures++;
		return -EINVAL;
	}
	err = swap_in(e, rs, &why);
	if (err) {
		vg_err("reload: %s; the running rules stay in place", why.buf);
	} else if (o != &e->o) {
		e->o.rule_paths = o->rule_paths;
		e->o.nrule_paths = o->nrule_paths;
		e->o.rules_load = o->rules_load;
		e->o.rules_ctx = o->rules_ctx;
		e->o.style = o->style;
		e->o.min_prio = o->min_prio;
		e->o.fold_window_s = o->fold_window_s;
		vg_fold_release(&e->fold);
		vg_fold_init(&e->fold, o->fold_window_s);
		e->o.hostname = o->hostname;
		e->ctx.hostname = o->hostname;
	}
	strbuf_release(&why);
	return err;
}

int vg_engine_swap(struct vg_engine *e, struct vg_ruleset *rs, struct strbuf *why)
{
	int err = swap_in(e, rs, why);

	if (err)
		vg_err("reload: %s; the running rules stay in place", why->buf);
	return err;
}

void vg_engine_reload_failed(struct vg_engine *e)
{
	e->st.reload_failures++;
}

/* A kill or denial whose rule did not match again in user space. */
static void unclaimed_action(struct vg_engine *e, const struct vg_event *ev)
{
	static const char *const keys[] = { "proc.pid" };
	long long vals[1] = { ev->task ? (long long)ev->task->pid : -1 };
	const struct vg_rule *r = enforced_rule(e, ev);
	char msg[256];

	snprintf(msg, sizeof(msg), "%s %.16s (pid %lld) at %s under rule '%s'",
		 ev->flags & VG_F_KILLED ? "killed" : "denied", ev->task ? ev->task->comm : "?",
		 vals[0], ev->sc ? ev->sc->name : "?", r ? r->name : "?");
	vg_engine_internal_alert(e, "vigil: enforcement", VG_PRIO_CRITICAL, msg, keys, vals, 1);
	e->st.killed++;
}

/* --protect-self refused a signal or a ptrace aimed at vigil. */
static void self_protected(struct vg_engine *e, const struct vg_event *ev)
{
	static const char *const keys[] = { "proc.pid", "evt.arg.sig" };
	const char *name = ev->sc ? ev->sc->name : "";
	bool sig = !strcmp(name, "kill") || !strcmp(name, "tkill") || !strcmp(name, "tgkill");
	unsigned arg = !strcmp(name, "tgkill") ? 2 : 1;
	long long vals[2] = { ev->task ? (long long)ev->task->pid : -1,
			      sig ? (long long)ev->args[arg] : -1 };
	char msg[160];

	snprintf(msg, sizeof(msg), "%s aimed at vigil by %.16s (pid %lld) refused with EPERM",
		 ev->sc ? ev->sc->name : "?", ev->task ? ev->task->comm : "?", vals[0]);
	vg_engine_internal_alert(e, "vigil: tampering refused", VG_PRIO_CRITICAL, msg, keys, vals,
				 2);
}

int vg_engine_process(struct vg_engine *e, const struct vg_event *ev, const struct vg_proc *proc)
{
	struct vg_rule *const *rules = e->rs->by_ev[ev->type];
	size_t n = e->rs->n_by_ev[ev->type];
	bool claimed = false;

	if (ev->flags & VG_F_ENF_LIMITED)
		rate_limited(e, ev);
	if ((ev->flags & VG_F_DENIED) && ev->enf_rule == VG_ENF_SELF) {
		self_protected(e, ev);
		return 0;
	}
	if (n)
		vg_evctx_begin(&e->ctx, ev, proc);
	for (size_t i = 0; i < n; i++) {
		struct vg_rule *r = rules[i];
		struct vg_alert al = { .rule = r };

		if (!vg_rule_eval(r, &e->ctx))
			continue;
		r->matches++;
		al.action = verdict(e, r, ev);
		if (al.action != VG_ALERT_NONE)
			al.decided_at = ev->flags & VG_F_AT_ENTRY ? "syscall entry"
					: ev->flags & VG_F_DENIED ? "lsm hook"
								   : "syscall exit";
		/* enforce is the mode only of what the kernel acted on */
		al.mode = r->mode < e->cap ? r->mode : e->cap;
		if (al.action == VG_ALERT_KILLED || al.action == VG_ALERT_DENIED) {
			al.mode = VG_MODE_ENFORCE;
			e->st.killed++;
			claimed = true;
		} else {
			if (al.mode == VG_MODE_ENFORCE)
				al.mode = VG_MODE_ALERT;
			e->st.shadowed += al.action != VG_ALERT_NONE;
		}
		strbuf_reset(&e->line);
		if (al.mode == VG_MODE_OBSERVE) {
			e->st.observed++;
			if (!e->audit)
				continue;
			vg_alert_format(&e->line, NULL, &al, &e->ctx);
			strbuf_addch(&e->line, '\n');
			fwrite(e->line.buf, 1, e->line.len, e->audit);
			continue;
		}
		/* Falco's `priority`: less severe rules reach no output; an
		 * enforcement verdict is always said */
		if (r->prio > e->o.min_prio && al.action != VG_ALERT_KILLED &&
		    al.action != VG_ALERT_DENIED) {
			e->st.below_priority++;
			continue;
		}
		/* repeats within the window: counted, sent folded later; an
		 * enforcement verdict always goes out on its own */
		if (e->fold.window_ns && al.action == VG_ALERT_NONE) {
			strbuf_reset(&e->rendered);
			vg_rule_render(r, &e->ctx, &e->rendered);
			if (vg_fold_seen(&e->fold, r, e->rendered.buf, e->rendered.len,
					 vg_evctx_wall(&e->ctx))) {
				e->st.folded++;
				continue;
			}
		}
		e->st.alerts++;
		e->st.actions[al.action]++;
		e->rule_act[r->index][al.action]++;
		vg_alert_format(&e->line, &e->o.style, &al, &e->ctx);
		vg_outputs_emit(e->out, r->prio, e->line.buf, e->line.len);
	}
	/* the kernel acted but the rule no longer matches in user space (the
	 * process changed between the decision and now): still say so */
	if ((ev->flags & (VG_F_KILLED | VG_F_DENIED)) && !claimed)
		unclaimed_action(e, ev);
	return 0;
}

static void send_folded(void *ctx, const struct vg_fold_entry *f)
{
	struct vg_engine *e = ctx;

	strbuf_reset(&e->line);
	vg_alert_format_folded(&e->line, &e->o.style, f->rule, f->output, f->count, f->first_ns,
			       f->last_ns, e->o.hostname);
	vg_outputs_emit(e->out, f->rule->prio, e->line.buf, e->line.len);
}

void vg_engine_tick(struct vg_engine *e, bool all)
{
	vg_fold_flush(&e->fold, vg_clock_wall(vg_clock_boot_now()), all, send_folded, e);
}

void vg_engine_stats(const struct vg_engine *e, struct vg_engine_stats *out)
{
	*out = e->st;
}

const uint64_t *vg_engine_rule_actions(const struct vg_engine *e, size_t i)
{
	return e->rule_act[i];
}

void vg_engine_print_stats(const struct vg_engine *e)
{
	vg_info("stats: enforcement: %llu killed or denied, %llu reported as would-kill/would-deny",
		(unsigned long long)e->st.killed, (unsigned long long)e->st.shadowed);
	vg_info("stats: alerts %llu, observe-mode matches %llu", (unsigned long long)e->st.alerts,
		(unsigned long long)e->st.observed);
	for (size_t i = 0; i < e->rs->nrules; i++)
		if (e->rs->rules[i]->matches)
			vg_info("stats: rule '%s' matched %llu", e->rs->rules[i]->name,
				(unsigned long long)e->rs->rules[i]->matches);
}
