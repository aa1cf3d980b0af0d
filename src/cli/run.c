// SPDX-License-Identifier: Apache-2.0
/*
 * `vigil run`: the agent. Loads the rules (bundled ones by default), tells
 * the kernel which syscalls they need, and evaluates each event against the
 * rules indexed for its type; matches become alerts (alert mode), audit
 * lines (observe mode), and say what the kernel's enforcement did (killed,
 * or would-kill/would-deny in shadow mode: bpf/lib/enforce.bpf.h).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/rollout.h"
#include "common/log.h"
#include "loader/probe.h"
#include "output/alert.h"
#include "pipeline/agent.h"
#include "pipeline/users.h"
#include "rules/bundled.h"
#include "rules/kfilter.h"
#include "rules/ruleset.h"

#define MAX_RULE_PATHS 64

struct run {
	struct vg_ruleset *rs;
	/* for a reload (SIGHUP): where the rules came from, the ruleset before
	 * the last reload (verdicts of records still in flight name its rules),
	 * and which table generation rs is */
	const char *const *paths;
	size_t npaths;
	struct vg_rule_source bundled;
	bool user_filter;
	struct vg_ruleset *prev_rs;
	unsigned gen;
	struct vg_modectl mc; /* mc.cap: the global mode now */
	enum vg_alert_format fmt;
	FILE *out;
	FILE *audit;
	struct vg_evctx ctx;
	struct vg_users *users;
	struct strbuf line;
	char hostname[256];
	uint64_t alerts, observed, killed, shadowed;
};

static void run_usage(FILE *f)
{
	fprintf(f,
		"usage: vigil run [OPTIONS]\n\n"
		"Run the agent: evaluate rules against live events and print alerts.\n\n"
		"  -r, --rules FILE|DIR   rules to load, in order (repeatable); default: the\n"
		"                         bundled ruleset ('vigil rules dump' prints it)\n"
		"  -m, --mode MODE        cap every rule's mode: observe, alert or enforce\n"
		"                         (default enforce: each rule runs in its own mode)\n"
		"  -o, --output FORMAT    json (Falco's JSON lines, default) or text\n"
		"      --output-file PATH append alerts to PATH instead of stdout\n"
		"      --audit-file PATH  append observe-mode matches to PATH (JSON lines)\n"
		"      --filter WHERE     kernel (default) or user: where events are filtered\n"
		"      --ringbuf SIZE     syscall ring buffer size, a power of two (default 8M)\n"
		"      --lifecycle-ringbuf SIZE  exec/fork/exit ring buffer size (default 4M)\n"
		"      --docker-socket PATH  docker API socket for container.name/image\n"
		"                         (default /var/run/docker.sock; '' for none)\n"
		"      --host-root DIR    the host's / as mounted here (also HOST_ROOT): its\n"
		"                         /proc, /etc/passwd, /etc/group, runtime state\n"
		"  VIGIL_HOSTNAME names the host in alerts (a DaemonSet's node name).\n"
		"      --duration SECS    stop after SECS seconds\n"
		"      --stats            print counters (kernel, rules) at exit\n"
		"      --stats-interval S print the kernel counters' growth every S seconds\n"
		"      --never-kill PATH  never kill this executable (repeatable; always\n"
		"                         spared: PID 1, kernel threads, the init system, vigil)\n"
		"      --max-kills N      kills per second before enforcement drops to shadow\n"
		"                         mode (default 20; 0: no limit)\n"
		"      --control-file PATH  a file holding observe|alert|enforce: the mode cap,\n"
		"                         re-read when it changes (never above --mode)\n"
		"      --protect-self     refuse signals and ptrace aimed at vigil (LSM-BPF;\n"
		"                         PID 1 may still stop it)\n"
		"      --pin              pin programs, maps and links in " VG_PIN_DIR ": probes\n"
		"                         and enforcement go on if vigil dies; a later --pin\n"
		"                         run takes them over ('vigil unpin' removes them)\n"
		"  SIGUSR1 lowers the mode cap one step, SIGUSR2 raises it back one step.\n"
		"  SIGHUP reloads the rules (all or nothing; the kernel's tables swap at once).\n"
		"  -v, --verbose          more diagnostics\n"
		"  -h, --help             this text\n");
}

/*
 * The host's name in alerts: VIGIL_HOSTNAME when set (a DaemonSet fills it
 * from the node's name: the pod's own hostname is the pod's); else, under
 * HOST_ROOT, the host's /etc/hostname; else this system's.
 */
static void host_name(const struct vg_agent_opts *o, char *buf, size_t size)
{
	const char *env = getenv("VIGIL_HOSTNAME");
	char path[VG_HOST_ROOT_MAX + 16];
	FILE *f;

	if (env && env[0]) {
		snprintf(buf, size, "%s", env);
		return;
	}
	if (o->host_root && (f = fopen(vg_agent_host_path(o, "/etc/hostname", path, sizeof(path)), "re"))) {
		bool ok = fgets(buf, (int)size, f) != NULL;

		fclose(f);
		buf[strcspn(buf, " \t\r\n")] = '\0';
		if (ok && buf[0])
			return;
	}
	if (gethostname(buf, size - 1))
		snprintf(buf, size, "localhost");
}

/* The rule the kernel enforced, by the record's enf_rule (NULL: unknown). */
static const struct vg_rule *enforced_rule(const struct run *rn, const struct vg_event *ev)
{
	unsigned idx = ev->enf_rule & 0x7fff, gen = ev->enf_rule >> 15;
	const struct vg_ruleset *rs = gen == rn->gen ? rn->rs : rn->prev_rs;

	return rs && idx && idx <= rs->nrules ? rs->rules[idx - 1] : NULL;
}

/* What the kernel did about rule r on this event (bpf/lib/enforce.bpf.h
 * wrote its verdict into the record: the rule's index + 1, and in bit 15
 * the table generation, i.e. which ruleset the index is in). */
static enum vg_alert_action verdict(const struct run *rn, const struct vg_rule *r,
				    const struct vg_event *ev)
{
	const struct vg_rule *acted = enforced_rule(rn, ev);

	if (r->mode != VG_MODE_ENFORCE || !acted || (acted != r && strcmp(acted->name, r->name)))
		return VG_ALERT_NONE;
	if (ev->flags & VG_F_KILLED)
		return VG_ALERT_KILLED;
	if (ev->flags & VG_F_DENIED)
		return VG_ALERT_DENIED;
	return r->action == VG_ACTION_DENY ? VG_ALERT_WOULD_DENY : VG_ALERT_WOULD_KILL;
}

static void internal_alert(struct run *rn, const char *rule, enum vg_prio prio, const char *msg,
			   const char *const *keys, const long long *vals, size_t n)
{
	strbuf_reset(&rn->line);
	vg_alert_format_internal(&rn->line, rn->fmt, rule, prio, msg, rn->hostname, keys, vals, n);
	strbuf_addch(&rn->line, '\n');
	fwrite(rn->line.buf, 1, rn->line.len, rn->out);
}

static void set_cap(struct run *rn, struct vg_agent *a, enum vg_mode cap, const char *why)
{
	int err;

	rn->mc.cap = cap;
	err = vg_loader_set_cap(&a->loader, cap);
	if (err)
		vg_err("setting the mode cap in the kernel: %s", strerror(-err));
	vg_info("mode cap now %s (%s)", vg_mode_name(cap), why);
}

/* The kill rate limit was hit: its own alert, then shadow mode. */
static void rate_limited(struct run *rn, struct vg_agent *a, const struct vg_event *ev)
{
	static const char *const keys[] = { "proc.pid" };
	long long vals[1] = { ev->task ? (long long)ev->task->pid : -1 };

	if (rn->mc.cap != VG_MODE_ENFORCE)
		return;
	internal_alert(rn, "vigil: enforcement rate limit exceeded", VG_PRIO_CRITICAL,
		       "more kills per second than --max-kills allows; enforcement drops to "
		       "shadow mode (would-kill) until the mode is raised again (SIGUSR2)",
		       keys, vals, 1);
	set_cap(rn, a, VG_MODE_ALERT, "kill rate limit");
}

static volatile sig_atomic_t reload_requested;

static void on_hup(int sig)
{
	(void)sig;
	reload_requested = 1;
}

/*
 * SIGHUP: load the rules again from where they came from. All or nothing:
 * a ruleset with errors, or tables that cannot be built, leave the running
 * rules in place; else the kernel's tables are swapped in one step
 * (vg_loader_swap_rules) and then the user-space ruleset.
 */
static void reload(struct run *rn, struct vg_agent *a)
{
	struct vg_diag diag = { .out = stderr };
	struct strbuf why = STRBUF_INIT;
	bool sys[VG_EV_MAX];
	struct vg_ruleset *rs;
	struct vg_kfilter kf;
	int err;

	rs = vg_ruleset_load(rn->paths, rn->npaths, &rn->bundled, rn->npaths ? 0 : 1, &diag);
	if (!rs) {
		vg_err("reload: %u error%s; the running rules stay in place", diag.errors,
		       diag.errors == 1 ? "" : "s");
		return;
	}
	err = vg_kfilter_build(&kf, rs, rn->user_filter);
	if (!err)
		err = vg_kfilter_build_enforce(&kf, rs, a->loader.lsm, &why);
	vg_agent_syscalls(rs->sys_enabled, sys);
	if (!err && kf.nentry && !a->loader.entry)
		vg_warn("reload: kill rules decidable at the syscall's entry act at its exit: the "
			"entry stage was not loaded at start (restart vigil to load it)");
	if (!err)
		err = vg_loader_swap_rules(&a->loader, &kf, sys);
	if (err) {
		vg_err("reload: %s; the running rules stay in place",
		       why.len ? why.buf : strerror(-err));
		vg_ruleset_free(rs);
	} else {
		vg_ruleset_free(rn->prev_rs);
		rn->prev_rs = rn->rs;
		rn->rs = rs;
		rn->gen ^= 1;
		vg_info("rules reloaded: %zu rules, %zu kernel filters, %zu enforcing", rs->nrules,
			kf.nfiltered_ids, kf.nenforce);
	}
	vg_kfilter_release(&kf);
	strbuf_release(&why);
}

/* A kill or denial whose rule did not match again in user space. */
static void unclaimed_action(struct run *rn, const struct vg_event *ev)
{
	static const char *const keys[] = { "proc.pid" };
	long long vals[1] = { ev->task ? (long long)ev->task->pid : -1 };
	const struct vg_rule *r = enforced_rule(rn, ev);
	char msg[256];

	snprintf(msg, sizeof(msg), "%s %.16s (pid %lld) at %s under rule '%s'",
		 ev->flags & VG_F_KILLED ? "killed" : "denied", ev->task ? ev->task->comm : "?",
		 vals[0], ev->sc ? ev->sc->name : "?", r ? r->name : "?");
	internal_alert(rn, "vigil: enforcement", VG_PRIO_CRITICAL, msg, keys, vals, 1);
	rn->killed++;
}

/* --protect-self refused a signal or a ptrace aimed at vigil. */
static void self_protected(struct run *rn, const struct vg_event *ev)
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
	internal_alert(rn, "vigil: tampering refused", VG_PRIO_CRITICAL, msg, keys, vals, 2);
}

static void on_tick(struct vg_agent *a)
{
	struct run *rn = a->ctx;
	const char *why;

	if (vg_modectl_poll(&rn->mc, &why))
		set_cap(rn, a, rn->mc.cap, why);
	if (reload_requested) {
		reload_requested = 0;
		reload(rn, a);
	}
}

static int on_event(struct vg_agent *a, const struct vg_event *ev, const struct vg_proc *proc)
{
	struct run *rn = a->ctx;
	struct vg_rule *const *rules = rn->rs->by_ev[ev->type];
	size_t n = rn->rs->n_by_ev[ev->type];
	bool claimed = false;

	if (ev->flags & VG_F_ENF_LIMITED)
		rate_limited(rn, a, ev);
	if ((ev->flags & VG_F_DENIED) && ev->enf_rule == VG_ENF_SELF) {
		self_protected(rn, ev);
		return 0;
	}
	if (n)
		vg_evctx_begin(&rn->ctx, ev, proc);
	for (size_t i = 0; i < n; i++) {
		struct vg_rule *r = rules[i];
		struct vg_alert al = { .rule = r };
		FILE *dst;

		if (!vg_rule_eval(r, &rn->ctx))
			continue;
		r->matches++;
		al.action = verdict(rn, r, ev);
		if (al.action != VG_ALERT_NONE)
			al.decided_at = ev->flags & VG_F_AT_ENTRY ? "syscall entry"
					: ev->flags & VG_F_DENIED ? "lsm hook"
								   : "syscall exit";
		/* enforce is the mode only of what the kernel acted on */
		al.mode = r->mode < rn->mc.cap ? r->mode : rn->mc.cap;
		if (al.action == VG_ALERT_KILLED || al.action == VG_ALERT_DENIED) {
			al.mode = VG_MODE_ENFORCE;
			rn->killed++;
		} else {
			if (al.mode == VG_MODE_ENFORCE)
				al.mode = VG_MODE_ALERT;
			rn->shadowed += al.action != VG_ALERT_NONE;
		}
		if (al.mode == VG_MODE_OBSERVE) {
			rn->observed++;
			dst = rn->audit;
		} else {
			rn->alerts++;
			dst = rn->out;
		}
		if (!dst)
			continue;
		strbuf_reset(&rn->line);
		vg_alert_format(&rn->line, al.mode == VG_MODE_OBSERVE ? VG_ALERT_JSON : rn->fmt, &al,
				&rn->ctx);
		strbuf_addch(&rn->line, '\n');
		fwrite(rn->line.buf, 1, rn->line.len, dst);
		claimed |= al.action == VG_ALERT_KILLED || al.action == VG_ALERT_DENIED;
	}
	/* the kernel acted but the rule no longer matches in user space (the
	 * process changed between the decision and now): still say so */
	if ((ev->flags & (VG_F_KILLED | VG_F_DENIED)) && !claimed)
		unclaimed_action(rn, ev);
	return 0;
}

/* Losses become an alert too, so that whoever reads alerts sees them. */
static void on_loss(struct vg_agent *a, const struct vg_loss *l)
{
	struct run *rn = a->ctx;
	static const char *const keys[] = { "vigil.dropped", "vigil.dropped_total",
					    "vigil.dropped_lifecycle", "vigil.dropped_lifecycle_total" };
	long long vals[4] = { (long long)l->lost, (long long)l->total, (long long)l->lost_lifecycle,
			      (long long)l->total_lifecycle };
	char msg[200];

	snprintf(msg, sizeof(msg),
		 "%llu events dropped because a ring buffer was full (%llu in total; "
		 "exec/fork/exit: %llu, %llu in total)",
		 (unsigned long long)l->lost, (unsigned long long)l->total,
		 (unsigned long long)l->lost_lifecycle, (unsigned long long)l->total_lifecycle);
	internal_alert(rn, "vigil: events dropped", VG_PRIO_CRITICAL, msg, keys, vals, 4);
}

static void print_rule_stats(const struct run *rn)
{
	vg_info("stats: enforcement: %llu killed or denied, %llu reported as would-kill/would-deny",
		(unsigned long long)rn->killed, (unsigned long long)rn->shadowed);
	vg_info("stats: alerts %llu, observe-mode matches %llu",
		(unsigned long long)rn->alerts, (unsigned long long)rn->observed);
	for (size_t i = 0; i < rn->rs->nrules; i++)
		if (rn->rs->rules[i]->matches)
			vg_info("stats: rule '%s' matched %llu", rn->rs->rules[i]->name,
				(unsigned long long)rn->rs->rules[i]->matches);
}

int cmd_run(int argc, char **argv)
{
	enum { OPT_OUTFILE = 256, OPT_AUDIT, OPT_FILTER, OPT_NEVER_KILL, OPT_MAX_KILLS, OPT_CONTROL,
	       OPT_PIN, OPT_PROTECT };
	static const struct option longopts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "mode", required_argument, NULL, 'm' },
		{ "output", required_argument, NULL, 'o' },
		{ "output-file", required_argument, NULL, OPT_OUTFILE },
		{ "audit-file", required_argument, NULL, OPT_AUDIT },
		{ "filter", required_argument, NULL, OPT_FILTER },
		{ "never-kill", required_argument, NULL, OPT_NEVER_KILL },
		{ "max-kills", required_argument, NULL, OPT_MAX_KILLS },
		{ "control-file", required_argument, NULL, OPT_CONTROL },
		{ "pin", no_argument, NULL, OPT_PIN },
		{ "protect-self", no_argument, NULL, OPT_PROTECT },
		{ "ringbuf", required_argument, NULL, CLI_OPT_RINGBUF },
		{ "lifecycle-ringbuf", required_argument, NULL, CLI_OPT_LC_RINGBUF },
		{ "docker-socket", required_argument, NULL, CLI_OPT_DOCKER_SOCKET },
		{ "host-root", required_argument, NULL, CLI_OPT_HOST_ROOT },
		{ "duration", required_argument, NULL, CLI_OPT_DURATION },
		{ "stats", no_argument, NULL, CLI_OPT_STATS },
		{ "stats-interval", required_argument, NULL, CLI_OPT_STATS_INTERVAL },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *paths[MAX_RULE_PATHS], *outfile = NULL, *auditfile = NULL;
	struct run rn = { .mc = { .start = VG_MODE_ENFORCE }, .fmt = VG_ALERT_JSON,
			  .line = STRBUF_INIT };
	struct vg_agent_opts o = { .on_loss = on_loss, .on_tick = on_tick };
	static struct vg_never_kill nk;
	struct strbuf why = STRBUF_INIT;
	long max_kills = 20;
	char *end;
	struct vg_diag diag = { .out = stderr };
	struct vg_rule_source bundled;
	struct vg_kfilter kf;
	bool user_filter = false;
	struct vg_agent agent;
	size_t npaths = 0, nenforce = 0, ndeny = 0;
	struct vg_feature_result lsm = { 0 };
	char ready[96];
	int opt, err, rc = VG_EXIT_OK, m;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "r:m:o:vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			if (npaths == MAX_RULE_PATHS) {
				vg_err("--rules: at most %d", MAX_RULE_PATHS);
				return VG_EXIT_USAGE;
			}
			paths[npaths++] = optarg;
			break;
		case 'm':
			m = vg_mode_parse(optarg);
			if (m < 0) {
				vg_err("--mode: '%s' is not observe, alert or enforce", optarg);
				return VG_EXIT_USAGE;
			}
			rn.mc.start = (enum vg_mode)m;
			break;
		case OPT_NEVER_KILL:
			if (vg_never_kill_add(&nk, optarg, false))
				return VG_EXIT_USAGE;
			break;
		case OPT_MAX_KILLS:
			max_kills = strtol(optarg, &end, 10);
			if (*end || end == optarg || max_kills < 0 || max_kills > 1000000) {
				vg_err("--max-kills: '%s' is not a number of kills per second", optarg);
				return VG_EXIT_USAGE;
			}
			break;
		case OPT_CONTROL:
			rn.mc.control_file = optarg;
			break;
		case OPT_PROTECT:
			o.load.protect_self = true;
			break;
		case OPT_PIN:
			o.load.pin = true;
			break;
		case 'o':
			if (!strcmp(optarg, "json"))
				rn.fmt = VG_ALERT_JSON;
			else if (!strcmp(optarg, "text"))
				rn.fmt = VG_ALERT_TEXT;
			else {
				vg_err("--output: '%s' is not json or text", optarg);
				return VG_EXIT_USAGE;
			}
			break;
		case OPT_OUTFILE:
			outfile = optarg;
			break;
		case OPT_AUDIT:
			auditfile = optarg;
			break;
		case OPT_FILTER:
			if (strcmp(optarg, "kernel") && strcmp(optarg, "user")) {
				vg_err("--filter: '%s' is not kernel or user", optarg);
				return VG_EXIT_USAGE;
			}
			user_filter = !strcmp(optarg, "user");
			break;
		case 'h':
			run_usage(stdout);
			return VG_EXIT_OK;
		default:
			switch (cli_agent_opt(opt, optarg, &o)) {
			case 1:
				break;
			case 0:
				run_usage(stderr);
				/* fall through */
			default:
				return VG_EXIT_USAGE;
			}
			break;
		}
	}
	if (optind < argc) {
		vg_err("run: unexpected argument '%s'", argv[optind]);
		return VG_EXIT_USAGE;
	}
	if (cli_agent_env(&o))
		return VG_EXIT_USAGE;
	bundled = vg_bundled_rules();
	rn.rs = vg_ruleset_load(paths, npaths, &bundled, npaths ? 0 : 1, &diag);
	rn.paths = paths;
	rn.npaths = npaths;
	rn.bundled = bundled;
	rn.user_filter = user_filter;
	if (!rn.rs) {
		vg_err("rules: %u error%s; nothing loaded", diag.errors, diag.errors == 1 ? "" : "s");
		return VG_EXIT_USAGE;
	}
	rn.mc.cap = rn.mc.start;
	for (size_t i = 0; i < rn.rs->nrules; i++) {
		const struct vg_rule *r = rn.rs->rules[i];

		nenforce += r->mode == VG_MODE_ENFORCE;
		ndeny += r->mode == VG_MODE_ENFORCE && r->action == VG_ACTION_DENY;
	}
	/* deny needs LSM-BPF: probe for it only when a rule (or
	 * --protect-self) asks */
	if ((ndeny || o.load.protect_self) && !vg_feature_lsm(&lsm) && o.load.protect_self)
		vg_warn("--protect-self needs LSM-BPF, missing here (%s): signals and ptrace aimed "
			"at vigil are only seen by rules, not refused",
			lsm.detail);
	if (ndeny && !lsm.ok)
		for (size_t i = 0; i < rn.rs->nrules; i++) {
			const struct vg_rule *r = rn.rs->rules[i];

			if (r->mode != VG_MODE_ENFORCE || r->action != VG_ACTION_DENY)
				continue;
			if (r->fallback_kill)
				vg_info("rule '%s': no LSM-BPF here (%s): action deny falls back to kill",
					r->name, lsm.detail);
			else
				vg_warn("rule '%s': action deny needs LSM-BPF, missing here (%s): it "
					"reports would-deny (add 'fallback: kill' to kill instead)",
					r->name, lsm.detail);
		}
	if (nenforce && rn.mc.start < VG_MODE_ENFORCE)
		vg_info("%zu rule%s in enforce mode run in shadow mode under --mode %s "
			"(would-kill/would-deny)",
			nenforce, nenforce == 1 ? "" : "s", vg_mode_name(rn.mc.start));
	rn.out = stdout;
	if (outfile && !(rn.out = fopen(outfile, "ae"))) {
		vg_err("--output-file %s: %s", outfile, strerror(errno));
		rc = VG_EXIT_RUNTIME;
		goto out_rules;
	}
	if (auditfile && !(rn.audit = fopen(auditfile, "ae"))) {
		vg_err("--audit-file %s: %s", auditfile, strerror(errno));
		rc = VG_EXIT_RUNTIME;
		goto out_files;
	}
	/* The agent flushes the alert output after each batch; the audit log
	 * is line-buffered so that it too is current. */
	if (rn.audit)
		setvbuf(rn.audit, NULL, _IOLBF, 0);
	host_name(&o, rn.hostname, sizeof(rn.hostname));
	{
		char passwd[VG_HOST_ROOT_MAX + 16], group[VG_HOST_ROOT_MAX + 16];

		rn.users = vg_users_new(vg_agent_host_path(&o, "/etc/passwd", passwd, sizeof(passwd)),
					vg_agent_host_path(&o, "/etc/group", group, sizeof(group)));
	}
	vg_evctx_init(&rn.ctx);
	rn.ctx.users = rn.users;
	rn.ctx.hostname = rn.hostname;

	if (vg_kfilter_build(&kf, rn.rs, user_filter)) {
		vg_err("building the kernel filters: out of memory");
		rc = VG_EXIT_RUNTIME;
		goto out_ctx;
	}
	err = vg_kfilter_build_enforce(&kf, rn.rs, lsm.ok, &why);
	if (err) {
		vg_err("building the enforcement tables: %s",
		       err == -E2BIG ? why.buf : strerror(-err));
		rc = err == -E2BIG ? VG_EXIT_USAGE : VG_EXIT_RUNTIME;
		goto out_kf;
	}
	vg_never_kill_defaults(&nk);
	o.load.enf_cap = rn.mc.start;
	o.load.max_kills_per_sec = (uint32_t)max_kills;
	o.load.never_kill = nk.keys;
	o.load.nnever_kill = nk.n;
	o.load.lsm = lsm.ok;
	o.out = rn.out;
	o.load.sys_enabled = rn.rs->sys_enabled;
	o.load.kfilter = &kf;
	vg_agent_handle_signals();
	vg_modectl_handle_signals();
	{
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_hup;
		sigaction(SIGHUP, &sa, NULL);
	}
	err = vg_agent_start(&agent, &o, on_event, &rn);
	if (!err) {
		/* the agent's context, fixed for the run: set once, not per event */
		rn.ctx.procs = agent.procs;
		rn.ctx.host_pidns = agent.host_pidns;
		rn.ctx.host_mntns = agent.host_mntns;
		rn.ctx.containers = agent.containers;
		if (agent.loader.took_over)
			vg_info("took over the programs and maps a previous vigil pinned in %s",
				VG_PIN_DIR);
		if (kf.nenforce)
			vg_info("%zu rule%s enforced in the kernel (mode cap %s)", kf.nenforce,
				kf.nenforce == 1 ? "" : "s", vg_mode_name(rn.mc.cap));
		snprintf(ready, sizeof(ready), "%zu rules, %zu kernel filters", rn.rs->nrules,
			 kf.nfiltered_ids);
		agent.opts.ready_msg = ready;
		err = vg_agent_run(&agent);
	}
	if (err)
		rc = VG_EXIT_RUNTIME;
	if (!err && o.load.pin)
		vg_info("the programs stay attached (pinned in %s); 'vigil unpin' detaches them",
			VG_PIN_DIR);
	if (o.stats)
		print_rule_stats(&rn);
	vg_agent_release(&agent);
out_kf:
	vg_kfilter_release(&kf);
	strbuf_release(&why);
out_ctx:
	if (rn.audit)
		fflush(rn.audit);
	vg_evctx_release(&rn.ctx);
	vg_users_free(rn.users);
out_files:
	if (rn.audit)
		fclose(rn.audit);
	if (rn.out && rn.out != stdout)
		fclose(rn.out);
out_rules:
	vg_ruleset_free(rn.rs);
	vg_ruleset_free(rn.prev_rs);
	strbuf_release(&rn.line);
	return rc;
}
