// SPDX-License-Identifier: Apache-2.0
/*
 * `vigil run`: the agent. Reads the configuration (vigil.yaml, -o
 * overrides, flags), starts the rule engine, the alert sinks and the
 * webserver, loads the BPF side with the engine's kernel tables, and runs
 * the agent's loop, feeding each event to the engine. Signals as Falco's:
 * SIGUSR1 reopens the outputs, SIGHUP reloads configuration and rules (all
 * or nothing), SIGINT/SIGTERM stop. The mode cap changes through `vigil
 * mode` (the control socket) or the control file.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/rollout.h"
#include "common/clock.h"
#include "common/log.h"
#include "config/config.h"
#include "engine/engine.h"
#include "fleet/bundle.h"
#include "fleet/heartbeat.h"
#include "fleet/link.h"
#include "loader/probe.h"
#include "output/outputs.h"
#include "output/web.h"
#include "pipeline/agent.h"
#include "cli/sentinel.h"
#include "pipeline/syscalls.h"
#include "rules/bundled.h"

#define MAX_FLAGS 256
#define MAX_SINKS 6
#define MAX_WATCHED 64

/* A command-line flag, kept to be applied again on each reload (flags win
 * over the file, every time). */
struct run_flag {
	const char *flag, *key, *value;
	bool list, first; /* list: append to key's list; first: the first of them */
};

struct run {
	struct vg_engine *engine;
	struct vg_outputs *out;
	struct vg_web *web;
	struct vg_agent *agent;
	struct vg_modectl mc;
	struct vg_config cfg;	    /* the configuration in force */
	const char *config_path;    /* NULL: the default, if present */
	struct run_flag flags[MAX_FLAGS];
	size_t nflags;
	const char **overrides;	    /* -o key=value, in order */
	size_t noverrides;
	struct vg_engine_opts eo;
	struct vg_never_kill *nk; /* followed when a spared binary is replaced */
	char hostname[256];
	/* /etc/passwd and /etc/group of the host (below --host-root) */
	char passwd[VG_HOST_ROOT_MAX + 16], group[VG_HOST_ROOT_MAX + 16];
	bool ready_seen;
	uint64_t last_metrics_ns, last_watch_ns;
	struct timespec watched[MAX_WATCHED]; /* mtimes, for watch_config_files */
	size_t nwatched;
	/* the fleet (fleet: section): heartbeats and the KV ruleset */
	struct vg_fleet_link *link;
	uint64_t last_hb_ns;
	bool fleet_rules_active;     /* the running rules are the fleet's */
	uint64_t fleet_rev;	     /* their KV revision (0: local rules) */
	char rules_hash[65];	     /* vg_bundle_hash of the running rules */
	char reload_error[512];	     /* the last reload's error; "" after a success */
	uint64_t spool_dropped_seen; /* nats_output's spool drops already alerted */
	uint64_t events_lost;	     /* ring-buffer losses, both rings, since start */
};

static void run_usage(FILE *f)
{
	fprintf(f,
		"usage: vigil run [OPTIONS]\n\n"
		"Run the agent: evaluate rules against live events and deliver alerts.\n\n"
		"  -c, --config FILE      configuration (Falco's keys; default " VG_CONFIG_DEFAULT "\n"
		"                         when present); see config/vigil.yaml\n"
		"  -o KEY=VALUE           set a configuration key (repeatable), e.g.\n"
		"                         -o http_output.enabled=true -o priority=warning\n"
		"  -r, --rules FILE|DIR   rules to load, in order (repeatable); default: the\n"
		"                         config's rules_files, else the bundled ruleset\n"
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
		"      --stats            print counters (kernel, rules, outputs) at exit\n"
		"      --stats-interval S print the kernel counters' growth every S seconds\n"
		"      --never-kill PATH  never kill this executable (repeatable; always\n"
		"                         spared: PID 1, kernel threads, the init system, vigil)\n"
		"      --max-kills N      kills per second and offender (uid in a cgroup) before\n"
		"                         that offender's matches are only reported\n"
		"                         (default 20; 0: no limit)\n"
		"      --control-socket PATH  where 'vigil mode' reaches this agent (default\n"
		"                         none; " VG_CONTROL_SOCKET_DEFAULT " in the shipped config)\n"
		"      --control-file PATH  a file holding observe|alert|enforce: the mode cap,\n"
		"                         re-read when it changes (never above --mode)\n"
		"      --protect-self     refuse signals and ptrace aimed at vigil (LSM-BPF;\n"
		"                         PID 1 may still stop it)\n"
		"      --pin              pin programs, maps and links in " VG_PIN_DIR ": probes\n"
		"                         and enforcement go on if vigil dies; a later --pin\n"
		"                         run takes them over ('vigil unpin' removes them)\n"
		"  SIGUSR1 reopens the outputs (logrotate). SIGHUP reloads configuration and\n"
		"  rules, all or nothing. 'vigil mode' changes the mode cap.\n"
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
	if (o->host_root &&
	    (f = fopen(vg_agent_host_path(o, "/etc/hostname", path, sizeof(path)), "re"))) {
		bool ok = fgets(buf, (int)size, f) != NULL;

		fclose(f);
		buf[strcspn(buf, " \t\r\n")] = '\0';
		if (ok && buf[0])
			return;
	}
	if (gethostname(buf, size - 1))
		snprintf(buf, size, "localhost");
}

/* --- configuration ------------------------------------------------------------ */

static int add_flag(struct run *rn, const char *flag, const char *key, const char *value,
		    bool list)
{
	bool first = true;

	if (rn->nflags == MAX_FLAGS) {
		vg_err("too many options");
		return -1;
	}
	for (size_t i = 0; list && i < rn->nflags; i++)
		first &= strcmp(rn->flags[i].key, key) != 0;
	rn->flags[rn->nflags++] = (struct run_flag){ flag, key, value, list, first };
	return 0;
}

/* Layers in order: defaults, the file and its drop-ins, -o, flags. */
static int load_config(struct run *rn, struct vg_config *c, struct vg_diag *diag)
{
	int rc = 0;

	vg_config_init(c);
	rc |= vg_config_load(c, rn->config_path ? rn->config_path : VG_CONFIG_DEFAULT,
			     rn->config_path != NULL, diag);
	for (size_t i = 0; i < rn->noverrides; i++)
		rc |= vg_config_override(c, rn->overrides[i], diag);
	for (size_t i = 0; i < rn->nflags; i++) {
		const struct run_flag *f = &rn->flags[i];

		if (f->list)
			rc |= vg_config_add_flag(c, f->key, f->value, f->first);
		else
			rc |= vg_config_set_flag(c, f->flag, f->key, f->value);
	}
	rc |= vg_config_validate(c, diag);
	return rc ? -1 : 0;
}

static struct vg_ruleset *fleet_rules_load(void *ctx, struct vg_diag *diag)
{
	struct run *rn = ctx;

	return vg_fleet_link_load_current(rn->link, diag);
}

/* The hash a heartbeat reports for local rules: vg_bundle_hash of the
 * files as `vigil fleet push` would store them (the bundled ruleset when
 * none), so that a host running the pushed files reports the push's hash. */
static void local_rules_hash(const struct vg_config *c, char out[65])
{
	struct vg_bundle b = { 0 };
	struct vg_diag diag = { .out = NULL };
	struct vg_rule_source bundled = vg_bundled_rules();

	out[0] = '\0';
	if (!c->nrules_files) {
		b.files = &bundled;
		b.nfiles = 1;
		vg_bundle_hash(&b);
		memcpy(out, b.hash, 65);
		return;
	}
	if (!vg_bundle_read_files(&b, c->rules_files, c->nrules_files, &diag)) {
		vg_bundle_hash(&b);
		memcpy(out, b.hash, 65);
	}
	vg_bundle_release(&b);
}

static void engine_opts(struct run *rn, const struct vg_config *c, struct vg_engine_opts *eo)
{
	memset(eo, 0, sizeof(*eo));
	eo->rule_paths = c->rules_files;
	eo->nrule_paths = c->nrules_files;
	eo->user_filter = c->user_filter;
	eo->start = c->mode;
	eo->style.fmt = c->json_output ? VG_ALERT_JSON : VG_ALERT_TEXT;
	eo->style.no_output = !c->json_include_output_property;
	eo->style.no_tags = !c->json_include_tags_property;
	eo->style.no_output_fields = !c->json_include_output_fields_property;
	eo->style.append = c->append_output;
	eo->style.nappend = c->nappend_output;
	eo->min_prio = c->priority;
	eo->fold_window_s = c->aggregation_window_s;
	eo->hostname = rn->hostname;
	eo->passwd_path = rn->passwd;
	eo->group_path = rn->group;
	/* while the fleet's ruleset runs, a SIGHUP loads it again, not the
	 * local files */
	if (rn->fleet_rules_active) {
		eo->rules_load = fleet_rules_load;
		eo->rules_ctx = rn;
	}
}

/* The sinks c enables; `joined` keeps nats_output's servers as one string
 * (borrowed by the confs). */
static size_t sink_confs(const struct vg_config *c, const char *hostname, struct vg_sink_conf *s,
			 struct strbuf *joined)
{
	size_t n = 0;

	for (size_t i = 0; i < c->nats_nservers; i++)
		strbuf_addf(joined, "%s%s", i ? "," : "", c->nats_servers[i]);

	if (c->stdout_enabled)
		s[n++] = (struct vg_sink_conf){ .kind = VG_SINK_STDOUT };
	if (c->file_enabled)
		s[n++] = (struct vg_sink_conf){ .kind = VG_SINK_FILE, .target = c->file_filename,
						.keep_alive = c->file_keep_alive };
	if (c->syslog_enabled)
		s[n++] = (struct vg_sink_conf){ .kind = VG_SINK_SYSLOG, .target = c->syslog_socket };
	if (c->program_enabled)
		s[n++] = (struct vg_sink_conf){ .kind = VG_SINK_PROGRAM, .target = c->program,
						.keep_alive = c->program_keep_alive };
	if (c->http_enabled)
		s[n++] = (struct vg_sink_conf){
			.kind = VG_SINK_HTTP,
			.target = c->http_url,
			.keep_alive = c->http_keep_alive,
			.user_agent = c->http_user_agent,
			.insecure = c->http_insecure,
			.ca_cert = c->http_ca_cert,
			.ca_bundle = c->http_ca_bundle,
			.ca_path = c->http_ca_path,
			.mtls = c->http_mtls,
			.client_cert = c->http_client_cert,
			.client_key = c->http_client_key,
			.compress = c->http_compress,
			.timeout_ms = (unsigned)(c->http_timeout_s * 1000),
			.max_consecutive_timeouts = (unsigned)c->http_max_consecutive_timeouts,
		};
	if (c->nats_enabled)
		s[n++] = (struct vg_sink_conf){
			.kind = VG_SINK_NATS,
			.target = joined->len ? joined->buf : NULL,
			.creds = c->nats_creds && *c->nats_creds ? c->nats_creds : NULL,
			.ca_cert = c->nats_tls_ca && *c->nats_tls_ca ? c->nats_tls_ca : NULL,
			.client_cert = c->nats_tls_cert && *c->nats_tls_cert ? c->nats_tls_cert : NULL,
			.client_key = c->nats_tls_key && *c->nats_tls_key ? c->nats_tls_key : NULL,
			.subject_prefix = c->nats_subject_prefix,
			.stream = c->nats_stream,
			.spool_dir = c->nats_spool_dir,
			.spool_max = c->nats_spool_max,
			.hostname = hostname,
		};
	return n;
}

/* Everything that shapes the sinks, as one string: equal strings, same sinks. */
static void sinks_key(const struct vg_config *c, const char *hostname, struct strbuf *sb)
{
	struct vg_sink_conf s[MAX_SINKS];
	struct strbuf joined = STRBUF_INIT;
	size_t n = sink_confs(c, hostname, s, &joined);

	strbuf_addf(sb, "q=%lld;", (long long)c->outputs_queue_capacity);
	for (size_t i = 0; i < n; i++)
		strbuf_addf(sb, "%d|%s|%d|%s|%d|%s|%s|%s|%d|%s|%s|%d|%u|%u;", s[i].kind,
			    s[i].target ? s[i].target : "", s[i].keep_alive,
			    s[i].user_agent ? s[i].user_agent : "", s[i].insecure,
			    s[i].ca_cert ? s[i].ca_cert : "", s[i].ca_bundle ? s[i].ca_bundle : "",
			    s[i].ca_path ? s[i].ca_path : "", s[i].mtls,
			    s[i].client_cert ? s[i].client_cert : "",
			    s[i].client_key ? s[i].client_key : "", s[i].compress, s[i].timeout_ms,
			    s[i].max_consecutive_timeouts);
	if (c->nats_enabled)
		strbuf_addf(sb, "nats|%s|%s|%s|%s|%s|%llu|%s", c->nats_subject_prefix,
			    c->nats_stream, c->nats_creds ? c->nats_creds : "",
			    c->nats_spool_dir, joined.buf, (unsigned long long)c->nats_spool_max,
			    hostname);
	strbuf_release(&joined);
}

/* `sentinel`: the sentinel's outputs (src/cli/sentinel.c): the sinks a
 * second writer can share, not the program (a second child) nor NATS (its
 * spool is the agent's alone). */
static struct vg_outputs *start_outputs(const struct vg_config *c, const char *hostname,
					bool sentinel)
{
	struct vg_sink_conf s[MAX_SINKS];
	struct vg_outputs_conf oc = { .sinks = s };
	struct strbuf joined = STRBUF_INIT;
	struct vg_outputs *o;

	oc.nsinks = sink_confs(c, hostname, s, &joined);
	if (sentinel) {
		size_t n = 0;

		for (size_t i = 0; i < oc.nsinks; i++)
			if (s[i].kind != VG_SINK_PROGRAM && s[i].kind != VG_SINK_NATS)
				s[n++] = s[i];
		oc.nsinks = n;
	}
	oc.queue_capacity = (size_t)c->outputs_queue_capacity;
	for (size_t i = 0; i < oc.nsinks; i++) {
		/* a file that cannot be opened is an error now, not in the
		 * sink's thread */
		if (s[i].kind == VG_SINK_FILE) {
			FILE *f = fopen(s[i].target, "ae");

			if (!f) {
				vg_err("file_output %s: %s", s[i].target, strerror(errno));
				strbuf_release(&joined);
				errno = EINVAL;
				return NULL;
			}
			fclose(f);
		}
	}
	o = vg_outputs_new(&oc);
	strbuf_release(&joined);
	return o;
}

/* The sentinel's outputs, built in the sentinel after the fork. */
static struct vg_outputs *sentinel_outputs(void *ctx)
{
	struct run *rn = ctx;

	return start_outputs(&rn->cfg, rn->hostname, true);
}

/* log_level names Falco's levels; -v (already counted) raises it further. */
static void apply_logging(const struct vg_config *c)
{
	static enum vg_log_level base = VG_LOG_INFO;
	static bool have_base;
	static const char *const names[] = { "emergency", "alert",  "critical",	     "error",
					     "warning",	  "notice", "informational", "debug" };
	static const enum vg_log_level lv[] = { VG_LOG_ERROR, VG_LOG_ERROR, VG_LOG_ERROR,
						VG_LOG_ERROR, VG_LOG_WARN,  VG_LOG_INFO,
						VG_LOG_INFO,  VG_LOG_DEBUG };
	enum vg_log_level want = VG_LOG_INFO;

	if (!have_base) {
		base = vg_log_level; /* INFO, or more with -v */
		have_base = true;
	}
	for (size_t i = 0; i < 8; i++)
		if (!strcasecmp(c->log_level, names[i]))
			want = lv[i];
	vg_log_level = base > VG_LOG_INFO && base > want ? base : want;
	vg_log_stderr = c->log_stderr;
	if (c->log_syslog && !vg_log_syslog) {
		openlog("vigil", LOG_PID, LOG_DAEMON);
		vg_log_syslog = true;
	} else if (!c->log_syslog && vg_log_syslog) {
		vg_log_syslog = false;
		closelog();
	}
}

/* --- files watched (watch_config_files) ------------------------------------------- */

static size_t watch_list(const struct run *rn, const char **out)
{
	size_t n = 0;

	if (rn->cfg.path && n < MAX_WATCHED)
		out[n++] = rn->cfg.path;
	for (size_t i = 0; i < rn->cfg.nfiles && n < MAX_WATCHED; i++)
		out[n++] = rn->cfg.files[i];
	for (size_t i = 0; i < rn->cfg.nrules_files && n < MAX_WATCHED; i++)
		out[n++] = rn->cfg.rules_files[i];
	return n;
}

/* Fill the mtimes; true when one differs from what was there. */
static bool watch_scan(struct run *rn)
{
	const char *files[MAX_WATCHED];
	size_t n = watch_list(rn, files);
	bool changed = n != rn->nwatched;

	for (size_t i = 0; i < n; i++) {
		struct stat st;
		struct timespec t = { 0 };

		if (!stat(files[i], &st))
			t = st.st_mtim;
		changed |= t.tv_sec != rn->watched[i].tv_sec || t.tv_nsec != rn->watched[i].tv_nsec;
		rn->watched[i] = t;
	}
	rn->nwatched = n;
	return changed;
}

/* --- signals, reload ----------------------------------------------------------- */

static volatile sig_atomic_t reload_requested, reopen_requested, usr2_seen;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_requested = 1;
	else if (sig == SIGUSR1)
		reopen_requested = 1;
	else
		usr2_seen = 1;
}

static void handle_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
}

/*
 * SIGHUP: configuration and rules again, all or nothing. A configuration
 * with errors, a change that needs a restart, sinks that cannot start or
 * rules that do not load leave everything running as it was.
 */
static void reload(struct run *rn)
{
	struct vg_diag diag = { .out = stderr };
	struct vg_config nc;
	struct vg_engine_opts eo;
	struct vg_outputs *out = NULL;
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	const char *key;
	bool new_sinks;

	if (load_config(rn, &nc, &diag)) {
		vg_err("reload: the configuration has errors; configuration and rules stay as "
		       "they were");
		goto fail;
	}
	key = vg_config_restart_key(&rn->cfg, &nc);
	if (key) {
		vg_err("reload: %s changed, which needs a restart of vigil; configuration and "
		       "rules stay as they were",
		       key);
		goto fail;
	}
	sinks_key(&rn->cfg, rn->hostname, &a);
	sinks_key(&nc, rn->hostname, &b);
	new_sinks = strcmp(a.buf, b.buf) != 0;
	if (new_sinks && !(out = start_outputs(&nc, rn->hostname, false))) {
		vg_err("reload: the new outputs cannot start (%s); configuration and rules stay as "
		       "they were",
		       strerror(errno));
		goto fail;
	}
	engine_opts(rn, &nc, &eo);
	if (vg_engine_reload(rn->engine, &eo)) {
		vg_outputs_free(out);
		goto fail_counted;
	}
	if (new_sinks) {
		struct vg_outputs *old = rn->out;

		rn->out = out;
		vg_engine_set_outputs(rn->engine, out);
		/* what the old sinks still hold is delivered before they go */
		vg_outputs_free(old);
		vg_info("outputs restarted with the new configuration");
	}
	rn->eo = eo;
	vg_config_release(&rn->cfg);
	rn->cfg = nc;
	if (!rn->fleet_rules_active)
		local_rules_hash(&rn->cfg, rn->rules_hash);
	rn->reload_error[0] = '\0';
	apply_logging(&rn->cfg);
	watch_scan(rn);
	vg_info("configuration reloaded");
	strbuf_release(&a);
	strbuf_release(&b);
	return;
fail:
	/* counted with the rule reload failures: one number for "a reload
	 * was refused" */
	vg_engine_reload_failed(rn->engine);
fail_counted:
	snprintf(rn->reload_error, sizeof(rn->reload_error),
		 "SIGHUP reload refused: see the agent's log");
	vg_config_release(&nc);
	strbuf_release(&a);
	strbuf_release(&b);
}

/* --- metrics ------------------------------------------------------------------- */

static void rusage_now(double *cpu_s, uint64_t *rss)
{
	struct rusage ru;
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "re");

	getrusage(RUSAGE_SELF, &ru);
	*cpu_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		 (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	*rss = (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

static void prom_head(struct strbuf *sb, const char *name, const char *type, const char *help)
{
	strbuf_addf(sb, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: backslash, quote and newline escaped. */
static void prom_label(struct strbuf *sb, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			strbuf_addch(sb, '\\');
		if (*v == '\n') {
			strbuf_addstr(sb, "\\n");
			continue;
		}
		strbuf_addch(sb, *v);
	}
}

static void fleet_metrics(struct run *rn, struct strbuf *sb);

/* Everything vigil counts, in Prometheus text format (version 0.0.4). */
static void metrics_text(void *ctx, struct strbuf *sb)
{
	static const char *const cname[] = { "seen", "sent", "filtered", "lost" };
	struct run *rn = ctx;
	struct vg_agent *a = rn->agent;
	const struct vg_ruleset *rs = vg_engine_ruleset(rn->engine);
	struct vg_engine_stats es;
	struct vg_proctab_stats ps;
	struct vg_kstats *ks = calloc(1, sizeof(*ks));
	double cpu;
	uint64_t rss;

	vg_engine_stats(rn->engine, &es);
	if (ks && !vg_loader_read_stats(&a->loader, ks)) {
		for (size_t k = 0; k < 4; k++) {
			char name[64];

			snprintf(name, sizeof(name), "vigil_events_%s_total", cname[k]);
			prom_head(sb, name, "counter",
				  k == 0   ? "Events the kernel saw, per event type."
				  : k == 1 ? "Events the kernel sent to user space, per event type."
				  : k == 2 ? "Events the kernel filter dropped, per event type."
					   : "Events lost to a full ring buffer, per event type.");
			for (unsigned ev = 1; ev < VG_EV_MAX; ev++) {
				const struct vg_counters *c = &ks->ev[ev];
				uint64_t v = k == 0 ? c->seen
					     : k == 1 ? c->sent
					     : k == 2 ? c->filtered
						      : c->lost;

				if (c->seen || c->lost)
					strbuf_addf(sb, "%s{type=\"%s\"} %llu\n", name, vg_ev_name(ev),
						    (unsigned long long)v);
			}
		}
		prom_head(sb, "vigil_ring_lost_total", "counter",
			  "Records lost because a ring buffer was full, per ring.");
		strbuf_addf(sb, "vigil_ring_lost_total{ring=\"syscall\"} %llu\n",
			    (unsigned long long)(ks->lost_total - ks->lost_lifecycle));
		strbuf_addf(sb, "vigil_ring_lost_total{ring=\"lifecycle\"} %llu\n",
			    (unsigned long long)ks->lost_lifecycle);
		prom_head(sb, "vigil_ia32_skipped_total", "counter",
			  "32-bit compat syscalls skipped (not decoded).");
		strbuf_addf(sb, "vigil_ia32_skipped_total %llu\n",
			    (unsigned long long)ks->misc[VG_MISC_COMPAT]);
		prom_head(sb, "vigil_read_errors_total", "counter",
			  "Reads of user or kernel memory that failed in the probes.");
		strbuf_addf(sb, "vigil_read_errors_total %llu\n",
			    (unsigned long long)ks->misc[VG_MISC_READ_ERR]);
		prom_head(sb, "vigil_tamper_records_lost_total", "counter",
			  "Signals aimed at vigil not recorded for the sentinel (its ring full).");
		strbuf_addf(sb, "vigil_tamper_records_lost_total %llu\n",
			    (unsigned long long)ks->misc[VG_MISC_TAMPER_LOST]);
		prom_head(sb, "vigil_file_table_sharers_doomed_total", "counter",
			  "Processes killed at their next syscall for sharing the file table of "
			  "a process enforcement killed.");
		strbuf_addf(sb, "vigil_file_table_sharers_doomed_total %llu\n",
			    (unsigned long long)ks->misc[VG_MISC_SHARERS]);
		prom_head(sb, "vigil_program_reentries_skipped_total", "counter",
			  "Probe runs the kernel skipped (re-entry on a CPU).");
		strbuf_addf(sb, "vigil_program_reentries_skipped_total %llu\n",
			    (unsigned long long)ks->recursion_misses);
	}
	free(ks);
	prom_head(sb, "vigil_ring_records_total", "counter", "Records read, per ring.");
	strbuf_addf(sb, "vigil_ring_records_total{ring=\"syscall\"} %llu\n",
		    (unsigned long long)(a->consumer.records - a->consumer.lc_records));
	strbuf_addf(sb, "vigil_ring_records_total{ring=\"lifecycle\"} %llu\n",
		    (unsigned long long)a->consumer.lc_records);
	{
		static const char *const ring[] = { "syscall", "lifecycle" };
		int fds[2] = { vg_loader_events_fd(&a->loader), vg_loader_lifecycle_fd(&a->loader) };
		uint64_t used[2] = { 0 }, size[2] = { 0 };

		for (int i = 0; i < 2; i++)
			vg_loader_ring_fill(fds[i], &used[i], &size[i]);
		prom_head(sb, "vigil_ring_used_bytes", "gauge",
			  "Bytes in a ring buffer not yet read by user space.");
		for (int i = 0; i < 2; i++)
			strbuf_addf(sb, "vigil_ring_used_bytes{ring=\"%s\"} %llu\n", ring[i],
				    (unsigned long long)used[i]);
		prom_head(sb, "vigil_ring_size_bytes", "gauge", "Size of a ring buffer.");
		for (int i = 0; i < 2; i++)
			strbuf_addf(sb, "vigil_ring_size_bytes{ring=\"%s\"} %llu\n", ring[i],
				    (unsigned long long)size[i]);
	}
	prom_head(sb, "vigil_ring_bytes_total", "counter", "Bytes read from the rings.");
	strbuf_addf(sb, "vigil_ring_bytes_total %llu\n", (unsigned long long)a->consumer.bytes);
	prom_head(sb, "vigil_records_malformed_total", "counter",
		  "Records the decoder refused.");
	strbuf_addf(sb, "vigil_records_malformed_total %llu\n",
		    (unsigned long long)a->consumer.bad_records);
	prom_head(sb, "vigil_rule_matches_total", "counter", "Matches per rule.");
	for (size_t i = 0; i < rs->nrules; i++) {
		strbuf_addstr(sb, "vigil_rule_matches_total{rule=\"");
		prom_label(sb, rs->rules[i]->name);
		strbuf_addf(sb, "\"} %llu\n", (unsigned long long)rs->rules[i]->matches);
	}
	prom_head(sb, "vigil_rule_actions_total", "counter",
		  "Enforcement verdicts reported per rule and action.");
	for (size_t i = 0; i < rs->nrules; i++) {
		const uint64_t *act = vg_engine_rule_actions(rn->engine, i);

		for (int k = VG_ALERT_WOULD_KILL; k <= VG_ALERT_DENIED; k++) {
			if (!act[k])
				continue;
			strbuf_addstr(sb, "vigil_rule_actions_total{rule=\"");
			prom_label(sb, rs->rules[i]->name);
			strbuf_addf(sb, "\",action=\"%s\"} %llu\n",
				    vg_alert_action_name((enum vg_alert_action)k),
				    (unsigned long long)act[k]);
		}
	}
	prom_head(sb, "vigil_actions_total", "counter", "Enforcement verdicts reported, per action.");
	for (int k = VG_ALERT_WOULD_KILL; k <= VG_ALERT_DENIED; k++)
		strbuf_addf(sb, "vigil_actions_total{action=\"%s\"} %llu\n",
			    vg_alert_action_name((enum vg_alert_action)k),
			    (unsigned long long)es.actions[k]);
	prom_head(sb, "vigil_alerts_total", "counter", "Alerts sent to the outputs.");
	strbuf_addf(sb, "vigil_alerts_total %llu\n", (unsigned long long)es.alerts);
	prom_head(sb, "vigil_observed_total", "counter", "Matches of rules in observe mode.");
	strbuf_addf(sb, "vigil_observed_total %llu\n", (unsigned long long)es.observed);
	prom_head(sb, "vigil_alerts_folded_total", "counter",
		  "Matches not sent on their own: repeats folded (vigil.aggregation_window).");
	strbuf_addf(sb, "vigil_alerts_folded_total %llu\n", (unsigned long long)es.folded);
	prom_head(sb, "vigil_alerts_below_priority_total", "counter",
		  "Matches not sent: less severe than the priority setting.");
	strbuf_addf(sb, "vigil_alerts_below_priority_total %llu\n",
		    (unsigned long long)es.below_priority);
	prom_head(sb, "vigil_output_sent_total", "counter", "Alerts delivered, per output.");
	for (size_t i = 0; i < vg_outputs_count(rn->out); i++) {
		struct vg_sink_stats st;

		vg_outputs_stats(rn->out, i, &st);
		strbuf_addf(sb, "vigil_output_sent_total{output=\"%s\"} %llu\n", st.name,
			    (unsigned long long)st.sent);
		strbuf_addf(sb, "vigil_output_retried_total{output=\"%s\"} %llu\n", st.name,
			    (unsigned long long)st.retried);
		strbuf_addf(sb, "vigil_output_dropped_total{output=\"%s\"} %llu\n", st.name,
			    (unsigned long long)st.dropped);
		strbuf_addf(sb, "vigil_output_queued{output=\"%s\"} %zu\n", st.name, st.queued);
	}
	vg_proctab_stats(a->procs, &ps);
	prom_head(sb, "vigil_proctab_processes", "gauge", "Process table entries.");
	strbuf_addf(sb, "vigil_proctab_processes{state=\"live\"} %zu\n", ps.live);
	strbuf_addf(sb, "vigil_proctab_processes{state=\"exited\"} %zu\n", ps.exited);
	prom_head(sb, "vigil_proctab_evicted_total", "counter",
		  "Exited entries evicted before their records were read.");
	strbuf_addf(sb, "vigil_proctab_evicted_total %llu\n", (unsigned long long)ps.evicted);
	rusage_now(&cpu, &rss);
	prom_head(sb, "vigil_cpu_seconds_total", "counter", "CPU time of the agent (user+system).");
	strbuf_addf(sb, "vigil_cpu_seconds_total %.3f\n", cpu);
	prom_head(sb, "vigil_resident_memory_bytes", "gauge", "Resident memory of the agent.");
	strbuf_addf(sb, "vigil_resident_memory_bytes %llu\n", (unsigned long long)rss);
	prom_head(sb, "vigil_rules_loaded", "gauge", "Rules in force.");
	strbuf_addf(sb, "vigil_rules_loaded %zu\n", rs->nrules);
	prom_head(sb, "vigil_rules_generation", "counter", "Successful reloads since start.");
	strbuf_addf(sb, "vigil_rules_generation %llu\n", (unsigned long long)es.reloads);
	prom_head(sb, "vigil_reload_failures_total", "counter",
		  "Reloads refused (the running configuration and rules stayed).");
	strbuf_addf(sb, "vigil_reload_failures_total %llu\n",
		    (unsigned long long)es.reload_failures);
	prom_head(sb, "vigil_mode_cap", "gauge", "The mode cap: 0 observe, 1 alert, 2 enforce.");
	strbuf_addf(sb, "vigil_mode_cap %d\n", (int)vg_engine_cap(rn->engine));
	fleet_metrics(rn, sb);
}

/* --- the fleet: heartbeats, the KV ruleset, the spool's drops ----------------- */

static int fleet_start(struct run *rn)
{
	const struct vg_config *c = &rn->cfg;
	struct vg_fleet_link_conf lc = { .rules = c->fleet_rules };

	if (!c->fleet_enabled && !c->fleet_rules)
		return 0;
	for (size_t i = 0; i < c->nats_nservers && i < VG_FLEET_MAX_SERVERS; i++)
		lc.conn.servers[lc.conn.nservers++] = c->nats_servers[i];
	lc.conn.creds = c->nats_creds && *c->nats_creds ? c->nats_creds : NULL;
	lc.conn.tls_ca = c->nats_tls_ca && *c->nats_tls_ca ? c->nats_tls_ca : NULL;
	lc.conn.tls_cert = c->nats_tls_cert && *c->nats_tls_cert ? c->nats_tls_cert : NULL;
	lc.conn.tls_key = c->nats_tls_key && *c->nats_tls_key ? c->nats_tls_key : NULL;
	lc.layout.alerts_stream = c->nats_stream;
	lc.layout.alerts_prefix = c->nats_subject_prefix;
	rn->link = vg_fleet_link_new(&lc);
	return rn->link ? 0 : -errno;
}

/* A ruleset revision from the fleet: swapped in whole, as SIGHUP does, or
 * refused with the running rules kept; either way the next heartbeat says
 * so, and it goes out at once. */
static void fleet_take_rules(struct run *rn)
{
	struct vg_rules_update u;
	struct strbuf why = STRBUF_INIT;

	if (!rn->link || vg_fleet_link_take(rn->link, &u) != 1)
		return;
	rn->last_hb_ns = 0;
	if (!u.rs) {
		snprintf(rn->reload_error, sizeof(rn->reload_error), "%s", u.error);
		vg_engine_reload_failed(rn->engine);
		vg_err("fleet: ruleset revision %llu refused: %s; the running rules stay in place",
		       (unsigned long long)u.revision, u.error);
		return;
	}
	if (vg_engine_swap(rn->engine, u.rs, &why)) {
		snprintf(rn->reload_error, sizeof(rn->reload_error), "revision %llu: %s",
			 (unsigned long long)u.revision, why.buf);
	} else {
		rn->fleet_rules_active = true;
		rn->fleet_rev = u.revision;
		memcpy(rn->rules_hash, u.hash, sizeof(rn->rules_hash));
		rn->reload_error[0] = '\0';
		rn->eo.rules_load = fleet_rules_load;
		rn->eo.rules_ctx = rn;
		vg_info("fleet: ruleset revision %llu in force (%.12s...)",
			(unsigned long long)u.revision, u.hash);
	}
	strbuf_release(&why);
}

/* Alerts nats_output's spool dropped (and the drops of its queue): for the
 * heartbeat's losses. */
static uint64_t alerts_dropped(struct run *rn)
{
	uint64_t n = 0;

	for (size_t i = 0; i < vg_outputs_count(rn->out); i++) {
		struct vg_sink_stats st;

		vg_outputs_stats(rn->out, i, &st);
		if (st.has_spool)
			n += st.spool_dropped + st.dropped;
	}
	return n;
}

static void fleet_heartbeat(struct run *rn)
{
	const struct vg_ruleset *rs = vg_engine_ruleset(rn->engine);
	struct vg_hb_rule *rules = calloc(rs->nrules ? rs->nrules : 1, sizeof(*rules));
	struct strbuf j = STRBUF_INIT, subj = STRBUF_INIT;
	struct vg_engine_stats es;
	struct vg_heartbeat hb = { 0 };

	if (!rules)
		return;
	vg_engine_stats(rn->engine, &es);
	for (size_t i = 0; i < rs->nrules; i++) {
		const struct vg_rule *r = rs->rules[i];
		const uint64_t *act = vg_engine_rule_actions(rn->engine, i);

		rules[i] = (struct vg_hb_rule){ .rule = r->name, .mode = vg_mode_name(r->mode),
						.matches = r->matches,
						.killed = act[VG_ALERT_KILLED],
						.would_kill = act[VG_ALERT_WOULD_KILL],
						.denied = act[VG_ALERT_DENIED],
						.would_deny = act[VG_ALERT_WOULD_DENY] };
	}
	hb.hostname = rn->hostname;
	hb.version = VIGIL_VERSION;
	hb.time_ns = (int64_t)vg_clock_wall(vg_clock_boot_now());
	hb.interval_s = (uint32_t)rn->cfg.fleet_heartbeat_s;
	hb.ruleset_hash = rn->rules_hash;
	hb.ruleset_generation = 1 + es.reloads;
	hb.ruleset_revision = rn->fleet_rev;
	hb.mode_cap = vg_mode_name(vg_engine_cap(rn->engine));
	hb.rules = rules;
	hb.nrules = rs->nrules;
	hb.events_lost = rn->events_lost;
	hb.alerts_dropped = alerts_dropped(rn);
	hb.reload_failures = es.reload_failures;
	hb.reload_error = rn->reload_error[0] ? rn->reload_error : NULL;
	vg_heartbeat_json(&hb, &j);
	vg_fleet_state_subject(&subj, rn->hostname);
	if (vg_fleet_link_heartbeat(rn->link, subj.buf, j.buf, j.len))
		vg_warn("fleet: heartbeat: out of memory");
	strbuf_release(&j);
	strbuf_release(&subj);
	free(rules);
}

/* nats_output's spool dropped its oldest alerts to stay in bounds: said
 * as an alert of its own (it goes to the spool too, as the newest). */
static void spool_drops(struct run *rn)
{
	for (size_t i = 0; i < vg_outputs_count(rn->out); i++) {
		static const char *const keys[] = { "vigil.dropped", "vigil.dropped_total" };
		struct vg_sink_stats st;
		long long vals[2];
		char msg[200];

		vg_outputs_stats(rn->out, i, &st);
		if (!st.has_spool || st.spool_dropped <= rn->spool_dropped_seen)
			continue;
		vals[0] = (long long)(st.spool_dropped - rn->spool_dropped_seen);
		vals[1] = (long long)st.spool_dropped;
		rn->spool_dropped_seen = st.spool_dropped;
		snprintf(msg, sizeof(msg),
			 "%lld alerts dropped from the fleet spool (nats_output.spool_max_size "
			 "reached while the server was unreachable; %lld in total)",
			 vals[0], vals[1]);
		vg_warn("%s", msg);
		vg_engine_internal_alert(rn->engine, "vigil: fleet spool dropped alerts",
					 VG_PRIO_CRITICAL, msg, keys, vals, 2);
	}
}

static void fleet_tick(struct run *rn, uint64_t now)
{
	spool_drops(rn);
	if (!rn->link)
		return;
	fleet_take_rules(rn);
	if (rn->cfg.fleet_enabled &&
	    (!rn->last_hb_ns || now - rn->last_hb_ns >= (uint64_t)(rn->cfg.fleet_heartbeat_s * 1e9))) {
		rn->last_hb_ns = now;
		fleet_heartbeat(rn);
	}
}

static void fleet_metrics(struct run *rn, struct strbuf *sb)
{
	static const struct {
		const char *name, *type, *help;
	} m[] = {
		{ "vigil_fleet_alerts_spooled_total", "counter", "Alerts appended to the nats_output spool." },
		{ "vigil_fleet_alerts_published_total", "counter", "Publishes to JetStream, resends included." },
		{ "vigil_fleet_alerts_acked_total", "counter", "Alerts the stream acknowledged." },
		{ "vigil_fleet_alerts_duplicates_total", "counter", "Acknowledged as already stored (replays)." },
		{ "vigil_fleet_alerts_replayed_total", "counter", "Alerts sent again after a lost connection or a restart." },
		{ "vigil_fleet_spool_dropped_total", "counter", "Alerts the spool dropped to stay in its bound." },
		{ "vigil_fleet_spool_pending", "gauge", "Alerts in the spool, not yet acknowledged." },
		{ "vigil_fleet_spool_bytes", "gauge", "Bytes of the spool on disk." },
	};

	for (size_t i = 0; i < vg_outputs_count(rn->out); i++) {
		struct vg_sink_stats st;
		uint64_t v[8];

		vg_outputs_stats(rn->out, i, &st);
		if (!st.has_spool)
			continue;
		v[0] = st.spooled, v[1] = st.published, v[2] = st.acked, v[3] = st.duplicates;
		v[4] = st.replayed, v[5] = st.spool_dropped, v[6] = st.spool_pending;
		v[7] = st.spool_bytes;
		for (size_t k = 0; k < 8; k++) {
			prom_head(sb, m[k].name, m[k].type, m[k].help);
			strbuf_addf(sb, "%s %llu\n", m[k].name, (unsigned long long)v[k]);
		}
	}
	if (rn->link) {
		struct vg_fleet_link_stats ls;

		vg_fleet_link_stats(rn->link, &ls);
		prom_head(sb, "vigil_fleet_connected", "gauge", "1 while the fleet link has a server.");
		strbuf_addf(sb, "vigil_fleet_connected %d\n", ls.connected);
		prom_head(sb, "vigil_fleet_heartbeats_total", "counter", "Heartbeats the stream stored.");
		strbuf_addf(sb, "vigil_fleet_heartbeats_total %llu\n", (unsigned long long)ls.heartbeats);
		prom_head(sb, "vigil_fleet_heartbeat_failures_total", "counter", "Heartbeats not stored.");
		strbuf_addf(sb, "vigil_fleet_heartbeat_failures_total %llu\n",
			    (unsigned long long)ls.heartbeat_failures);
		prom_head(sb, "vigil_fleet_rules_revision", "gauge",
			  "KV revision of the fleet ruleset in force (0: local rules).");
		strbuf_addf(sb, "vigil_fleet_rules_revision %llu\n", (unsigned long long)rn->fleet_rev);
		prom_head(sb, "vigil_fleet_rules_refused_total", "counter",
			  "Fleet ruleset revisions refused (the running rules stayed).");
		strbuf_addf(sb, "vigil_fleet_rules_refused_total %llu\n", (unsigned long long)ls.refused);
	}
}

/* metrics.output_rule: the main numbers as an alert, Falco's rule name. */
static void metrics_alert(struct run *rn)
{
	static const char *const keys[] = { "vigil.alerts",	   "vigil.events_seen",
					    "vigil.events_sent",   "vigil.events_lost",
					    "vigil.output_dropped", "vigil.proctab_live",
					    "vigil.cpu_ms",	   "vigil.rss_bytes",
					    "vigil.reloads",	   "vigil.reload_failures" };
	long long vals[10] = { 0 };
	struct vg_engine_stats es;
	struct vg_proctab_stats ps;
	struct vg_kstats *ks = calloc(1, sizeof(*ks));
	double cpu;
	uint64_t rss;
	char msg[256];

	vg_engine_stats(rn->engine, &es);
	vals[0] = (long long)es.alerts;
	if (ks && !vg_loader_read_stats(&rn->agent->loader, ks))
		for (unsigned ev = 1; ev < VG_EV_MAX; ev++) {
			vals[1] += (long long)ks->ev[ev].seen;
			vals[2] += (long long)ks->ev[ev].sent;
			vals[3] += (long long)ks->ev[ev].lost;
		}
	free(ks);
	for (size_t i = 0; i < vg_outputs_count(rn->out); i++) {
		struct vg_sink_stats st;

		vg_outputs_stats(rn->out, i, &st);
		vals[4] += (long long)st.dropped;
	}
	vg_proctab_stats(rn->agent->procs, &ps);
	vals[5] = (long long)ps.live;
	rusage_now(&cpu, &rss);
	vals[6] = (long long)(cpu * 1000);
	vals[7] = (long long)rss;
	vals[8] = (long long)es.reloads;
	vals[9] = (long long)es.reload_failures;
	snprintf(msg, sizeof(msg), "vigil metrics snapshot: %lld alerts, %lld events seen, %lld lost",
		 vals[0], vals[1], vals[3]);
	vg_engine_internal_alert(rn->engine, "Falco internal: metrics snapshot",
				 VG_PRIO_INFORMATIONAL, msg, keys, vals, 10);
}

/* --- the agent's callbacks ------------------------------------------------------ */

/* A never-kill binary replaced (cp + mv): its new file is spared too. */
static void never_kill_follow(struct run *rn, struct vg_agent *a)
{
	struct vg_exe_key keys[4];
	const char *paths[4];
	size_t n = rn->nk ? vg_never_kill_refresh(rn->nk, keys, paths, 4) : 0;

	for (size_t i = 0; i < n; i++) {
		int err = vg_loader_never_kill_add(&a->loader, &keys[i]);

		if (err)
			vg_err("never-kill %s: sparing its new file: %s", paths[i], strerror(-err));
		else
			vg_info("never-kill %s was replaced: its new file is spared too", paths[i]);
	}
}

/* A file proc.exepath lists in the kernel was replaced: its new file is
 * the listed executable too. */
static void exesets_follow(struct vg_agent *a)
{
	const char *paths[4];
	size_t n = vg_loader_exesets_refresh(&a->loader, paths, 4);

	for (size_t i = 0; i < n; i++)
		vg_info("executable %s (a rule lists it) was replaced: its new file is listed too",
			paths[i]);
}

/* Processes the kernel killed for sharing the file table of a process
 * enforcement killed (bpf/lib/sharers.bpf.h): one alert each, naming it
 * and the process it shared with (whose own alert names the rule). */
static void sharers_alert(struct run *rn, struct vg_agent *a)
{
	static const char *const keys[] = { "proc.pid", "vigil.killed_pid" };
	uint32_t tgid[16], killed[16];
	size_t n = vg_loader_sharers_poll(&a->loader, tgid, killed, 16);

	for (size_t i = 0; i < n; i++) {
		long long vals[2] = { tgid[i], killed[i] };
		char msg[200];

		snprintf(msg, sizeof(msg),
			 "process %u shared the file table of process %u, which enforcement "
			 "killed: killed too, at its next syscall",
			 tgid[i], killed[i]);
		vg_engine_internal_alert(rn->engine, "vigil: file table sharer killed",
					 VG_PRIO_CRITICAL, msg, keys, vals, 2);
	}
}

static void on_tick(struct vg_agent *a)
{
	struct run *rn = a->ctx;
	const char *why, *sink;
	uint64_t dropped, now = vg_clock_boot_now();

	if (!rn->ready_seen) {
		/* the loop's first turn: every probe is attached */
		rn->ready_seen = true;
		vg_web_set_ready(rn->web, true);
		rn->last_metrics_ns = rn->last_watch_ns = now;
	}
	vg_web_poll(rn->web, metrics_text, rn);
	if (vg_modectl_poll(&rn->mc, &why))
		vg_engine_set_cap(rn->engine, rn->mc.cap, why);
	never_kill_follow(rn, a);
	exesets_follow(a);
	sharers_alert(rn, a);
	if (reopen_requested) {
		reopen_requested = 0;
		vg_outputs_reopen(rn->out);
		vg_info("outputs reopened (SIGUSR1)");
	}
	if (usr2_seen) {
		usr2_seen = 0;
		vg_warn("SIGUSR2 ignored: the mode cap changes with 'vigil mode' or the control "
			"file");
	}
	if (rn->cfg.watch_config_files && now - rn->last_watch_ns >= 1000000000ull) {
		rn->last_watch_ns = now;
		if (watch_scan(rn)) {
			vg_info("a configuration or rules file changed: reloading");
			reload_requested = 1;
		}
	}
	if (reload_requested) {
		reload_requested = 0;
		reload(rn);
	}
	vg_engine_tick(rn->engine, false);
	fleet_tick(rn, now);
	if (rn->cfg.metrics_enabled && rn->cfg.metrics_output_rule &&
	    now - rn->last_metrics_ns >= (uint64_t)(rn->cfg.metrics_interval_s * 1e9)) {
		rn->last_metrics_ns = now;
		metrics_alert(rn);
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

	rn->events_lost = l->total + l->total_lifecycle;
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
		if (st.has_spool)
			vg_info("stats: output %s: spooled %llu, published %llu, acked %llu "
				"(duplicates %llu), replayed %llu, spool dropped %llu, pending %llu",
				st.name, (unsigned long long)st.spooled,
				(unsigned long long)st.published, (unsigned long long)st.acked,
				(unsigned long long)st.duplicates, (unsigned long long)st.replayed,
				(unsigned long long)st.spool_dropped,
				(unsigned long long)st.spool_pending);
	}
}

/* --- options -------------------------------------------------------------------- */

/* Parse the command line into rn (flags and overrides) and o. 0, 1 after
 * --help, or -1 after reporting a usage error. */
static int parse_args(struct run *rn, int argc, char **argv, struct vg_agent_opts *o)
{
	enum { OPT_OUTFILE = 256, OPT_AUDIT, OPT_FILTER, OPT_NEVER_KILL, OPT_MAX_KILLS, OPT_CONTROL,
	       OPT_PIN, OPT_PROTECT, OPT_SOCKET };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "rules", required_argument, NULL, 'r' },
		{ "mode", required_argument, NULL, 'm' },
		{ "output", required_argument, NULL, 'o' },
		{ "output-file", required_argument, NULL, OPT_OUTFILE },
		{ "audit-file", required_argument, NULL, OPT_AUDIT },
		{ "filter", required_argument, NULL, OPT_FILTER },
		{ "never-kill", required_argument, NULL, OPT_NEVER_KILL },
		{ "max-kills", required_argument, NULL, OPT_MAX_KILLS },
		{ "control-file", required_argument, NULL, OPT_CONTROL },
		{ "control-socket", required_argument, NULL, OPT_SOCKET },
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
	int opt, rc = 0;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:r:m:o:vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			rn->config_path = optarg;
			break;
		case 'r':
			rc |= add_flag(rn, "--rules", "rules_files", optarg, true);
			break;
		case 'm':
			if (vg_mode_parse(optarg) < 0) {
				vg_err("--mode: '%s' is not observe, alert or enforce", optarg);
				return -1;
			}
			rc |= add_flag(rn, "--mode", "vigil.mode", optarg, false);
			break;
		case 'o':
			/* -o KEY=VALUE is Falco's override; -o json|text the
			 * output format, as before */
			if (strchr(optarg, '=')) {
				rn->overrides = realloc(rn->overrides,
							(rn->noverrides + 1) * sizeof(*rn->overrides));
				if (!rn->overrides)
					return -1;
				rn->overrides[rn->noverrides++] = optarg;
			} else if (!strcmp(optarg, "json") || !strcmp(optarg, "text")) {
				rc |= add_flag(rn, "--output", "json_output",
					       !strcmp(optarg, "json") ? "true" : "false", false);
			} else {
				vg_err("--output: '%s' is not json or text (or -o KEY=VALUE)", optarg);
				return -1;
			}
			break;
		case OPT_OUTFILE:
			rc |= add_flag(rn, "--output-file", "file_output.enabled", "true", false);
			rc |= add_flag(rn, "--output-file", "file_output.filename", optarg, false);
			rc |= add_flag(rn, "--output-file", "file_output.keep_alive", "true", false);
			rc |= add_flag(rn, "--output-file", "stdout_output.enabled", "false", false);
			break;
		case OPT_AUDIT:
			rc |= add_flag(rn, "--audit-file", "vigil.audit_file", optarg, false);
			break;
		case OPT_FILTER:
			if (strcmp(optarg, "kernel") && strcmp(optarg, "user")) {
				vg_err("--filter: '%s' is not kernel or user", optarg);
				return -1;
			}
			rc |= add_flag(rn, "--filter", "vigil.filter", optarg, false);
			break;
		case OPT_NEVER_KILL:
			rc |= add_flag(rn, "--never-kill", "vigil.never_kill", optarg, true);
			break;
		case OPT_MAX_KILLS: {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (*end || end == optarg || v < 0 || v > 1000000) {
				vg_err("--max-kills: '%s' is not a number of kills per second", optarg);
				return -1;
			}
			rc |= add_flag(rn, "--max-kills", "vigil.max_kills", optarg, false);
			break;
		}
		case OPT_CONTROL:
			rc |= add_flag(rn, "--control-file", "vigil.control_file", optarg, false);
			break;
		case OPT_SOCKET:
			rc |= add_flag(rn, "--control-socket", "vigil.control_socket", optarg, false);
			break;
		case OPT_PROTECT:
			rc |= add_flag(rn, "--protect-self", "vigil.protect_self", "true", false);
			break;
		case OPT_PIN:
			rc |= add_flag(rn, "--pin", "vigil.pin", "true", false);
			break;
		case 'h':
			run_usage(stdout);
			return 1;
		default:
			/* checked as before (same messages), then kept as flags so
			 * that they win over the file */
			switch (cli_agent_opt(opt, optarg, o)) {
			case 1:
				break;
			case 0:
				run_usage(stderr);
				/* fall through */
			default:
				return -1;
			}
			if (opt == CLI_OPT_RINGBUF)
				rc |= add_flag(rn, "--ringbuf", "vigil.ringbuf", optarg, false);
			else if (opt == CLI_OPT_LC_RINGBUF)
				rc |= add_flag(rn, "--lifecycle-ringbuf", "vigil.lifecycle_ringbuf",
					       optarg, false);
			else if (opt == CLI_OPT_DOCKER_SOCKET)
				rc |= add_flag(rn, "--docker-socket", "vigil.docker_socket", optarg,
					       false);
			else if (opt == CLI_OPT_STATS_INTERVAL)
				rc |= add_flag(rn, "--stats-interval", "vigil.stats_interval", optarg,
					       false);
			break;
		}
	}
	if (optind < argc) {
		vg_err("run: unexpected argument '%s'", argv[optind]);
		return -1;
	}
	return rc ? -1 : 0;
}

/*
 * The rules' enforcement needs, said before the agent starts. LSM-BPF is
 * probed always (`avail`): where it is, the path hooks load (the paths the
 * kernel acted on, for unlink, rename, chmod, ...), and the file_open
 * hook for kill rules on opens (struct vg_loader_opts). Returns whether
 * the deny hooks load: LSM-BPF is there and a deny rule or --protect-self
 * needs them.
 */
static bool report_enforcement(const struct vg_ruleset *rs, const struct vg_config *c, bool *avail)
{
	struct vg_feature_result probe = { 0 }, *lsm = &probe;
	size_t nenforce = 0, ndeny = 0;
	bool deny;

	for (size_t i = 0; i < rs->nrules; i++) {
		const struct vg_rule *r = rs->rules[i];

		nenforce += r->mode == VG_MODE_ENFORCE;
		ndeny += r->mode == VG_MODE_ENFORCE && r->action == VG_ACTION_DENY;
	}
	*avail = vg_feature_lsm(lsm);
	deny = *avail && (ndeny || c->protect_self);
	if (!*avail && c->protect_self)
		vg_warn("--protect-self needs LSM-BPF, missing here (%s): signals and ptrace aimed "
			"at vigil are only seen by rules, not refused",
			lsm->detail);
	if (ndeny && !deny)
		for (size_t i = 0; i < rs->nrules; i++) {
			const struct vg_rule *r = rs->rules[i];

			if (r->mode != VG_MODE_ENFORCE || r->action != VG_ACTION_DENY)
				continue;
			if (r->fallback_kill)
				vg_info("rule '%s': no LSM-BPF here (%s): action deny falls back to kill",
					r->name, lsm->detail);
			else
				vg_warn("rule '%s': action deny needs LSM-BPF, missing here (%s): it "
					"reports would-deny (add 'fallback: kill' to kill instead)",
					r->name, lsm->detail);
		}
	if (nenforce && c->mode < VG_MODE_ENFORCE)
		vg_info("%zu rule%s in enforce mode run in shadow mode under --mode %s "
			"(would-kill/would-deny)",
			nenforce, nenforce == 1 ? "" : "s", vg_mode_name(c->mode));
	return deny;
}

int cmd_run(int argc, char **argv)
{
	static struct run rn;
	static struct vg_never_kill nk;
	static struct vg_tamper_conf tc;
	struct vg_sentinel sent = { .sock = -1 };
	struct vg_agent_opts o = { .on_loss = on_loss, .on_tick = on_tick };
	struct vg_diag diag = { .out = stderr };
	struct strbuf why = STRBUF_INIT;
	struct vg_kfilter kf = { 0 };
	bool lsm_deny = false;
	const struct vg_ruleset *rs;
	struct vg_agent agent;
	FILE *audit = NULL;
	char ready[96];
	int err, rc = VG_EXIT_OK;

	memset(&rn, 0, sizeof(rn));
	memset(&nk, 0, sizeof(nk));
	rn.mc.sock_fd = -1;
	vg_config_init(&rn.cfg);
	err = parse_args(&rn, argc, argv, &o);
	if (err) {
		rc = err > 0 ? VG_EXIT_OK : VG_EXIT_USAGE;
		goto out_args;
	}
	vg_config_release(&rn.cfg);
	if (load_config(&rn, &rn.cfg, &diag)) {
		vg_err("configuration: %u error%s; nothing started", diag.errors,
		       diag.errors == 1 ? "" : "s");
		rc = VG_EXIT_USAGE;
		goto out_args;
	}
	apply_logging(&rn.cfg);
	for (size_t i = 0; i < rn.cfg.nnever_kill; i++)
		if (vg_never_kill_add(&nk, rn.cfg.never_kill[i], false)) {
			rc = VG_EXIT_USAGE;
			goto out_args;
		}
	if (cli_agent_env(&o)) {
		rc = VG_EXIT_USAGE;
		goto out_args;
	}
	/* vigil.hostname when set, else VIGIL_HOSTNAME, the host root's
	 * /etc/hostname or this system's name */
	if (rn.cfg.hostname)
		snprintf(rn.hostname, sizeof(rn.hostname), "%s", rn.cfg.hostname);
	else
		host_name(&o, rn.hostname, sizeof(rn.hostname));
	vg_agent_host_path(&o, "/etc/passwd", rn.passwd, sizeof(rn.passwd));
	vg_agent_host_path(&o, "/etc/group", rn.group, sizeof(rn.group));
	local_rules_hash(&rn.cfg, rn.rules_hash);
	engine_opts(&rn, &rn.cfg, &rn.eo);
	rn.engine = vg_engine_new(&rn.eo, &diag);
	if (!rn.engine) {
		if (errno == ENOMEM) {
			vg_err("loading the rules: out of memory");
			rc = VG_EXIT_RUNTIME;
		} else {
			vg_err("rules: %u error%s; nothing loaded", diag.errors,
			       diag.errors == 1 ? "" : "s");
			rc = VG_EXIT_USAGE;
		}
		goto out_args;
	}
	rs = vg_engine_ruleset(rn.engine);
	lsm_deny = report_enforcement(rs, &rn.cfg, &o.load.lsm_avail);
	err = vg_engine_tables(rn.engine, lsm_deny, &kf, &why);
	if (err) {
		vg_err("building the %s tables: %s", err == -E2BIG ? "enforcement" : "kernel",
		       why.buf);
		rc = err == -E2BIG ? VG_EXIT_USAGE : VG_EXIT_RUNTIME;
		goto out_kf;
	}
	if (rn.cfg.audit_file && *rn.cfg.audit_file && !(audit = fopen(rn.cfg.audit_file, "ae"))) {
		vg_err("audit file %s: %s", rn.cfg.audit_file, strerror(errno));
		rc = VG_EXIT_RUNTIME;
		goto out_kf;
	}
	/* the audit log is line-buffered so that it is current */
	if (audit)
		setvbuf(audit, NULL, _IOLBF, 0);
	vg_engine_set_audit(rn.engine, audit);
	/* the sentinel now, while this process has no thread but this one
	 * (the outputs', web's and fleet's start below) */
	tc.style = &rn.eo.style;
	tc.hostname = rn.hostname;
	tc.host_root = o.host_root;
	tc.outputs = sentinel_outputs;
	tc.ctx = &rn;
	vg_sentinel_start(&sent, &tc);
	rn.out = start_outputs(&rn.cfg, rn.hostname, false);
	if (!rn.out) {
		vg_err("starting the outputs: %s", strerror(errno));
		rc = VG_EXIT_RUNTIME;
		goto out_audit;
	}
	/* what earlier agents could not report (they and their sentinels
	 * killed) */
	vg_tamper_leftovers(&tc, rn.out);
	vg_engine_set_outputs(rn.engine, rn.out);
	if (rn.cfg.web_enabled) {
		struct vg_web_conf wc = { .address = rn.cfg.web_address,
					  .port = (unsigned)rn.cfg.web_port,
					  .healthz = rn.cfg.web_healthz,
					  .metrics = rn.cfg.web_prometheus };

		rn.web = vg_web_new(&wc);
		if (!rn.web) {
			vg_err("webserver on %s port %u: %s", wc.address, wc.port, strerror(errno));
			rc = VG_EXIT_RUNTIME;
			goto out_outputs;
		}
	}
	if (fleet_start(&rn)) {
		vg_err("fleet: %s", strerror(errno));
		rc = VG_EXIT_RUNTIME;
		goto out_web;
	}
	rn.mc.start = rn.mc.cap = rn.cfg.mode;
	rn.mc.control_file =
		rn.cfg.control_file && *rn.cfg.control_file ? rn.cfg.control_file : NULL;
	if (rn.cfg.control_socket && *rn.cfg.control_socket &&
	    vg_modectl_listen(&rn.mc, rn.cfg.control_socket)) {
		rc = VG_EXIT_RUNTIME;
		goto out_web;
	}
	vg_never_kill_defaults(&nk);
	o.load.ringbuf_bytes = rn.cfg.ringbuf;
	o.load.lifecycle_ringbuf_bytes = rn.cfg.lifecycle_ringbuf;
	o.docker_socket = rn.cfg.docker_socket;
	o.stats_interval_s = rn.cfg.stats_interval_s;
	o.load.pin = rn.cfg.pin;
	o.load.protect_self = rn.cfg.protect_self;
	o.load.enf_cap = rn.cfg.mode;
	o.load.max_kills_per_sec = (uint32_t)rn.cfg.max_kills;
	o.load.host_root = o.host_root;
	o.load.never_kill = nk.keys;
	o.load.nnever_kill = nk.n;
	rn.nk = &nk;
	o.load.lsm = lsm_deny;
	o.load.sys_enabled = rs->sys_enabled;
	o.load.kfilter = &kf;
	o.load.tamper_pin = true;
	vg_agent_handle_signals();
	handle_signals();
	watch_scan(&rn);
	err = vg_agent_start(&agent, &o, on_event, &rn);
	if (!err) {
		rn.agent = &agent;
		vg_sentinel_arm(&sent, vg_loader_tamper_fd(&agent.loader));
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
	/* stopped or failed: no longer healthy */
	vg_web_set_ready(rn.web, false);
	if (err)
		rc = VG_EXIT_RUNTIME;
	if (!err && rn.cfg.pin)
		vg_info("the programs stay attached (pinned in %s); 'vigil unpin' detaches them",
			VG_PIN_DIR);
	if (o.stats)
		vg_engine_print_stats(rn.engine);
	vg_agent_release(&agent);
	rn.agent = NULL;
	vg_modectl_release(&rn.mc);
out_web:
	vg_fleet_link_free(rn.link);
	rn.link = NULL;
	vg_web_free(rn.web);
	rn.web = NULL;
out_outputs:
	/* folded repeats still open, then what is queued, before the
	 * counters are final */
	vg_engine_tick(rn.engine, true);
	vg_engine_set_outputs(rn.engine, NULL);
	vg_outputs_stop(rn.out);
	if (o.stats)
		print_sink_stats(rn.out);
	vg_outputs_free(rn.out);
	rn.out = NULL;
out_audit:
	if (audit)
		fclose(audit);
out_kf:
	vg_kfilter_release(&kf);
	strbuf_release(&why);
	vg_engine_free(rn.engine);
out_args:
	vg_sentinel_release(&sent);
	vg_never_kill_release(&nk);
	vg_config_release(&rn.cfg);
	free(rn.overrides);
	return rc;
}
