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
#include "engine/engine.h"
#include "loader/probe.h"
#include "output/outputs.h"
#include "pipeline/agent.h"

#define MAX_RULE_PATHS 64

/* What the CLI keeps for the agent's callbacks: the engine does the rest. */
struct run {
	struct vg_engine *engine;
	struct vg_outputs *out;
	struct vg_modectl mc; /* mode sources: signals, the control file */
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

static volatile sig_atomic_t reload_requested;

static void on_hup(int sig)
{
	(void)sig;
	reload_requested = 1;
}

static void on_tick(struct vg_agent *a)
{
	struct run *rn = a->ctx;
	const char *why, *sink;
	uint64_t dropped;

	if (vg_modectl_poll(&rn->mc, &why))
		vg_engine_set_cap(rn->engine, rn->mc.cap, why);
	/* the engine may have lowered the cap itself (kill rate limit) */
	rn->mc.cap = vg_engine_cap(rn->engine);
	if (reload_requested) {
		reload_requested = 0;
		vg_engine_reload(rn->engine);
	}
	dropped = vg_outputs_poll_drops(rn->out, &sink);
	if (dropped) {
		static const char *const keys[] = { "vigil.dropped" };
		long long vals[1] = { (long long)dropped };
		char msg[160];

		snprintf(msg, sizeof(msg),
			 "%llu alerts dropped because the queue of output %s was full",
			 (unsigned long long)dropped, sink);
		vg_warn("%s", msg);
		vg_engine_internal_alert(rn->engine, "vigil: alerts dropped", VG_PRIO_CRITICAL, msg,
					 keys, vals, 1);
	}
}

static int on_event(struct vg_agent *a, const struct vg_event *ev, const struct vg_proc *proc)
{
	struct run *rn = a->ctx;

	return vg_engine_process(rn->engine, ev, proc);
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
	vg_engine_internal_alert(rn->engine, "vigil: events dropped", VG_PRIO_CRITICAL, msg, keys,
				 vals, 4);
}

static void print_sink_stats(struct vg_outputs *out)
{
	for (size_t i = 0; i < vg_outputs_count(out); i++) {
		struct vg_sink_stats st;

		vg_outputs_stats(out, i, &st);
		vg_info("stats: output %s: sent %llu, retried %llu, dropped %llu", st.name,
			(unsigned long long)st.sent, (unsigned long long)st.retried,
			(unsigned long long)st.dropped);
	}
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
		{ "duration", required_argument, NULL, CLI_OPT_DURATION },
		{ "stats", no_argument, NULL, CLI_OPT_STATS },
		{ "stats-interval", required_argument, NULL, CLI_OPT_STATS_INTERVAL },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *paths[MAX_RULE_PATHS], *outfile = NULL, *auditfile = NULL;
	struct run rn = { .mc = { .start = VG_MODE_ENFORCE } };
	struct vg_engine_opts eo = { 0 };
	struct vg_sink_conf sink = { 0 };
	struct vg_outputs_conf oc = { 0 };
	enum vg_alert_format fmt = VG_ALERT_JSON;
	const struct vg_ruleset *rs;
	FILE *audit = NULL;
	char hostname[256] = "";
	struct vg_agent_opts o = { .on_loss = on_loss, .on_tick = on_tick };
	static struct vg_never_kill nk;
	struct strbuf why = STRBUF_INIT;
	long max_kills = 20;
	char *end;
	struct vg_diag diag = { .out = stderr };
	struct vg_kfilter kf = { 0 };
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
				fmt = VG_ALERT_JSON;
			else if (!strcmp(optarg, "text"))
				fmt = VG_ALERT_TEXT;
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
	if (gethostname(hostname, sizeof(hostname) - 1))
		snprintf(hostname, sizeof(hostname), "localhost");
	eo.rule_paths = paths;
	eo.nrule_paths = npaths;
	eo.user_filter = user_filter;
	eo.start = rn.mc.start;
	eo.fmt = fmt;
	eo.hostname = hostname;
	rn.engine = vg_engine_new(&eo, &diag);
	if (!rn.engine) {
		if (errno == ENOMEM)
			vg_err("loading the rules: out of memory");
		else
			vg_err("rules: %u error%s; nothing loaded", diag.errors,
			       diag.errors == 1 ? "" : "s");
		return errno == ENOMEM ? VG_EXIT_RUNTIME : VG_EXIT_USAGE;
	}
	rs = vg_engine_ruleset(rn.engine);
	rn.mc.cap = rn.mc.start;
	for (size_t i = 0; i < rs->nrules; i++) {
		const struct vg_rule *r = rs->rules[i];

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
		for (size_t i = 0; i < rs->nrules; i++) {
			const struct vg_rule *r = rs->rules[i];

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
	err = vg_engine_tables(rn.engine, lsm.ok, &kf, &why);
	if (err) {
		vg_err("building the %s tables: %s", err == -E2BIG ? "enforcement" : "kernel",
		       why.buf);
		rc = err == -E2BIG ? VG_EXIT_USAGE : VG_EXIT_RUNTIME;
		goto out_kf;
	}
	/* --output-file keeps its file open (Falco's keep_alive) */
	sink.kind = outfile ? VG_SINK_FILE : VG_SINK_STDOUT;
	sink.target = outfile;
	sink.keep_alive = true;
	oc.sinks = &sink;
	oc.nsinks = 1;
	if (outfile) {
		/* fail now, not in the sink's thread, when the file cannot be opened */
		FILE *f = fopen(outfile, "ae");

		if (!f) {
			vg_err("--output-file %s: %s", outfile, strerror(errno));
			rc = VG_EXIT_RUNTIME;
			goto out_kf;
		}
		fclose(f);
	}
	if (auditfile && !(audit = fopen(auditfile, "ae"))) {
		vg_err("--audit-file %s: %s", auditfile, strerror(errno));
		rc = VG_EXIT_RUNTIME;
		goto out_kf;
	}
	/* the audit log is line-buffered so that it is current */
	if (audit)
		setvbuf(audit, NULL, _IOLBF, 0);
	vg_engine_set_audit(rn.engine, audit);
	rn.out = vg_outputs_new(&oc);
	if (!rn.out) {
		vg_err("starting the outputs: %s", strerror(errno));
		rc = VG_EXIT_RUNTIME;
		goto out_audit;
	}
	vg_engine_set_outputs(rn.engine, rn.out);
	vg_never_kill_defaults(&nk);
	o.load.enf_cap = rn.mc.start;
	o.load.max_kills_per_sec = (uint32_t)max_kills;
	o.load.never_kill = nk.keys;
	o.load.nnever_kill = nk.n;
	o.load.lsm = lsm.ok;
	o.load.sys_enabled = rs->sys_enabled;
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
		vg_engine_attach(rn.engine, &agent);
		if (agent.loader.took_over)
			vg_info("took over the programs and maps a previous vigil pinned in %s",
				VG_PIN_DIR);
		if (kf.nenforce)
			vg_info("%zu rule%s enforced in the kernel (mode cap %s)", kf.nenforce,
				kf.nenforce == 1 ? "" : "s", vg_mode_name(rn.mc.cap));
		snprintf(ready, sizeof(ready), "%zu rules, %zu kernel filters", rs->nrules,
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
		vg_engine_print_stats(rn.engine);
	vg_agent_release(&agent);
	/* deliver what is queued before the counters are final */
	vg_engine_set_outputs(rn.engine, NULL);
	vg_outputs_stop(rn.out);
	if (o.stats)
		print_sink_stats(rn.out);
	vg_outputs_free(rn.out);
out_audit:
	if (audit)
		fclose(audit);
out_kf:
	vg_kfilter_release(&kf);
	strbuf_release(&why);
	vg_engine_free(rn.engine);
	return rc;
}
