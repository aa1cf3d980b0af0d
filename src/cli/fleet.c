// SPDX-License-Identifier: Apache-2.0
/*
 * `vigil fleet push|status|rules|promote`: the operator's side of a fleet on
 * NATS JetStream (src/fleet/, docs/FLEET.md). push validates rule files as
 * `vigil check` does and stores them as one versioned KV value; status reads
 * the agents' latest heartbeats; rules aggregates the alerts stream per rule
 * over a window; promote stores the same ruleset with one rule's mode
 * changed by an override item.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "common/clock.h"
#include "common/log.h"
#include "fleet/alertscan.h"
#include "fleet/bundle.h"
#include "fleet/fleet.h"
#include "fleet/heartbeat.h"
#include "output/json.h"
#include "rules/ruleset.h"

static void fleet_usage(FILE *f)
{
	fprintf(f,
		"usage: vigil fleet push [OPTIONS] FILE|DIR...\n"
		"       vigil fleet status [OPTIONS]\n"
		"       vigil fleet rules [OPTIONS] [--since DURATION] [--top N]\n"
		"       vigil fleet promote [OPTIONS] RULE --mode observe|alert|enforce [--write FILE]\n\n"
		"push     validate rule files exactly as 'vigil check' does and store them\n"
		"         as the fleet's ruleset (one versioned value in the KV bucket\n"
		"         vigil_rules); refused, exit 2, on any error\n"
		"status   every agent's latest heartbeat: last seen, ruleset it runs,\n"
		"         mode cap, reload failures, losses\n"
		"rules    per rule across the fleet, from the alerts stream over the last\n"
		"         DURATION (default 1h; 30s, 15m, 2h, 7d; 'all'): modes, hosts,\n"
		"         matches, would-kill/would-deny, killed/denied, top processes and\n"
		"         containers (--top N, default 5); and the agents' own counters\n"
		"         from their latest heartbeats (observe-mode matches included)\n"
		"promote  store the same ruleset with RULE's mode changed by an override\n"
		"         item (docs/FLEET.md); --write FILE also writes the overrides as\n"
		"         a rule file to keep beside the others\n\n"
		"options: --server URL (repeatable; default %s), --creds FILE,\n"
		"         --tls-ca FILE, --tls-cert FILE --tls-key FILE, --timeout SECS,\n"
		"         --json (one JSON object per line)\n",
		VG_FLEET_DEFAULT_SERVER);
}

enum {
	OPT_SERVER = 400,
	OPT_CREDS,
	OPT_TLS_CA,
	OPT_TLS_CERT,
	OPT_TLS_KEY,
	OPT_TIMEOUT,
	OPT_JSON,
	OPT_SINCE,
	OPT_TOP,
	OPT_MODE,
	OPT_WRITE,
};

struct fleet_cli {
	const char *sub;
	struct vg_fleet_opts o;
	bool json;
	double since_s; /* rules: window; 0 = all */
	unsigned top;
	const char *mode;  /* promote */
	const char *write; /* promote */
	char **args;
	int nargs;
};

/* "90", "90s", "15m", "2h", "7d" in seconds; "all" is 0; -1 if invalid. */
static double parse_duration(const char *s)
{
	char *end;
	double v;

	if (!strcmp(s, "all"))
		return 0;
	v = strtod(s, &end);
	if (end == s || !(v > 0))
		return -1;
	if (!strcmp(end, "") || !strcmp(end, "s"))
		return v;
	if (!strcmp(end, "m"))
		return v * 60;
	if (!strcmp(end, "h"))
		return v * 3600;
	if (!strcmp(end, "d"))
		return v * 86400;
	return -1;
}

/* Parse options; 0, or an exit code. */
static int parse_opts(struct fleet_cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "server", required_argument, NULL, OPT_SERVER },
		{ "creds", required_argument, NULL, OPT_CREDS },
		{ "tls-ca", required_argument, NULL, OPT_TLS_CA },
		{ "tls-cert", required_argument, NULL, OPT_TLS_CERT },
		{ "tls-key", required_argument, NULL, OPT_TLS_KEY },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "write", required_argument, NULL, OPT_WRITE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool is_rules = !strcmp(c->sub, "rules"), is_promote = !strcmp(c->sub, "promote");
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_SERVER:
			if (c->o.nservers == VG_FLEET_MAX_SERVERS) {
				vg_err("--server: at most %d", VG_FLEET_MAX_SERVERS);
				return VG_EXIT_USAGE;
			}
			c->o.servers[c->o.nservers++] = optarg;
			break;
		case OPT_CREDS:
			c->o.creds = optarg;
			break;
		case OPT_TLS_CA:
			c->o.tls_ca = optarg;
			break;
		case OPT_TLS_CERT:
			c->o.tls_cert = optarg;
			break;
		case OPT_TLS_KEY:
			c->o.tls_key = optarg;
			break;
		case OPT_TIMEOUT: {
			double t = cli_parse_seconds(optarg);

			if (t < 0 || t > 3600) {
				vg_err("--timeout: '%s' is not a number of seconds up to 3600", optarg);
				return VG_EXIT_USAGE;
			}
			c->o.timeout_ms = (int)(t * 1000) > 0 ? (int)(t * 1000) : 1;
			break;
		}
		case OPT_JSON:
			c->json = true;
			break;
		case OPT_SINCE:
			if (!is_rules)
				goto not_here;
			c->since_s = parse_duration(optarg);
			if (c->since_s < 0) {
				vg_err("--since: '%s' is not a duration (30s, 15m, 2h, 7d, all)", optarg);
				return VG_EXIT_USAGE;
			}
			break;
		case OPT_TOP: {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (!is_rules)
				goto not_here;
			if (*end || end == optarg || v < 0 || v > 1000) {
				vg_err("--top: '%s' is not a number from 0 to 1000", optarg);
				return VG_EXIT_USAGE;
			}
			c->top = (unsigned)v;
			break;
		}
		case OPT_MODE:
			if (!is_promote)
				goto not_here;
			if (vg_mode_parse(optarg) < 0) {
				vg_err("--mode: '%s' is not one of observe, alert, enforce", optarg);
				return VG_EXIT_USAGE;
			}
			c->mode = optarg;
			break;
		case OPT_WRITE:
			if (!is_promote)
				goto not_here;
			c->write = optarg;
			break;
		case 'h':
			fleet_usage(stdout);
			return -1;
		default:
			fleet_usage(stderr);
			return VG_EXIT_USAGE;
		}
	}
	if (!!c->o.tls_cert != !!c->o.tls_key) {
		vg_err("fleet: --tls-cert and --tls-key go together");
		return VG_EXIT_USAGE;
	}
	/* libnats reads these files only while connecting, and then says
	 * little about which one failed: check them here */
	{
		const char *files[][2] = { { "--creds", c->o.creds },
					   { "--tls-ca", c->o.tls_ca },
					   { "--tls-cert", c->o.tls_cert },
					   { "--tls-key", c->o.tls_key } };

		for (size_t i = 0; i < 4; i++) {
			if (files[i][1] && access(files[i][1], R_OK)) {
				vg_err("%s %s: %s", files[i][0], files[i][1], strerror(errno));
				return VG_EXIT_USAGE;
			}
		}
	}
	c->args = argv + optind;
	c->nargs = argc - optind;
	return 0;
not_here:
	vg_err("fleet %s: option '%s' belongs to another fleet command", c->sub, argv[optind - 1]);
	return VG_EXIT_USAGE;
}

/* Connect and make sure the streams and bucket exist: NULL after saying
 * why on stderr. */
static struct vg_fleet *fleet_open(struct fleet_cli *c)
{
	char err[256];
	struct vg_fleet *f;
	int e;

	c->o.name = "vigil fleet";
	f = vg_fleet_connect(&c->o, err, sizeof(err));
	if (!f) {
		vg_err("fleet: %s", err);
		return NULL;
	}
	e = vg_fleet_setup(f, NULL);
	if (e) {
		vg_err("fleet: %s", vg_fleet_error(f));
		vg_fleet_free(f);
		return NULL;
	}
	return f;
}

static void host_name(char *buf, size_t size)
{
	if (gethostname(buf, size))
		snprintf(buf, size, "unknown");
	buf[size - 1] = '\0';
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Store b (validated by the caller), printing the outcome. */
static int store(struct fleet_cli *c, struct vg_fleet *f, struct vg_bundle *b,
		 const struct vg_ruleset *rs, uint64_t expect, const char *what)
{
	struct strbuf sb = STRBUF_INIT;
	char host[256];
	uint64_t rev = 0;
	int err;

	host_name(host, sizeof(host));
	free(b->pushed_by);
	b->pushed_by = strdup(host);
	b->time_ns = now_ns();
	vg_bundle_encode(b, &sb);
	if (sb.oom) {
		strbuf_release(&sb);
		vg_err("fleet %s: out of memory", c->sub);
		return VG_EXIT_RUNTIME;
	}
	err = vg_fleet_rules_put(f, sb.buf, sb.len, expect, &rev);
	strbuf_release(&sb);
	if (err) {
		vg_err("fleet %s: %s", c->sub, vg_fleet_error(f));
		return VG_EXIT_RUNTIME;
	}
	if (c->json) {
		struct strbuf o = STRBUF_INIT;
		struct json_w w;

		jw_init(&w, &o);
		jw_obj_begin(&w, NULL);
		jw_uint(&w, "revision", rev);
		jw_str(&w, "hash", b->hash);
		jw_uint(&w, "rules", rs->nrules);
		jw_arr_begin(&w, "files");
		for (size_t i = 0; i < b->nfiles; i++)
			jw_str(&w, NULL, b->files[i].name);
		jw_arr_end(&w);
		vg_bundle_overrides_json(b, &w);
		jw_obj_end(&w);
		printf("%s\n", o.buf);
		strbuf_release(&o);
	} else {
		printf("%s: revision %llu, %zu rules from %zu file%s%s, hash %.16s\n", what,
		       (unsigned long long)rev, rs->nrules, b->nfiles, b->nfiles == 1 ? "" : "s",
		       b->nov ? " + fleet overrides" : "", b->hash);
	}
	return VG_EXIT_OK;
}

static int fleet_push(struct fleet_cli *c)
{
	struct vg_diag diag = { .out = stderr };
	struct vg_bundle b = { 0 };
	struct vg_ruleset *rs = NULL;
	struct vg_fleet *f;
	int ret = VG_EXIT_USAGE, err;

	if (c->nargs < 1) {
		fleet_usage(stderr);
		return VG_EXIT_USAGE;
	}
	/* validate before connecting: a bad ruleset never reaches the fleet */
	err = vg_bundle_read_files(&b, (const char *const *)c->args, (size_t)c->nargs, &diag);
	if (err == -ENOMEM) {
		vg_err("fleet push: out of memory");
		ret = VG_EXIT_RUNTIME;
		goto out;
	}
	if (!err)
		rs = vg_bundle_load(&b, &diag);
	if (!rs) {
		cli_rules_summary("fleet push", &diag, "nothing pushed");
		goto out;
	}
	f = fleet_open(c);
	if (!f) {
		ret = VG_EXIT_RUNTIME;
		goto out;
	}
	ret = store(c, f, &b, rs, 0, "pushed");
	vg_fleet_free(f);
out:
	vg_ruleset_free(rs);
	vg_bundle_release(&b);
	return ret;
}

static int fleet_promote(struct fleet_cli *c)
{
	struct vg_diag diag = { .out = stderr };
	struct vg_bundle b = { 0 };
	struct vg_ruleset *rs = NULL;
	struct vg_fleet *f;
	char *val = NULL;
	size_t len;
	uint64_t rev;
	bool found = false;
	int ret = VG_EXIT_RUNTIME, err;
	const char *rule;

	if (c->nargs != 1 || !c->mode) {
		vg_err("fleet promote: give one RULE and --mode observe|alert|enforce");
		return VG_EXIT_USAGE;
	}
	rule = c->args[0];
	f = fleet_open(c);
	if (!f)
		return VG_EXIT_RUNTIME;
	err = vg_fleet_rules_get(f, &val, &len, &rev);
	if (err) {
		vg_err("fleet promote: %s", vg_fleet_error(f));
		goto out;
	}
	err = vg_bundle_decode(val, len, &b);
	if (err) {
		vg_err("fleet promote: the stored ruleset (revision %llu) is not one 'vigil fleet "
		       "push' wrote, or was altered: push it again",
		       (unsigned long long)rev);
		goto out;
	}
	rs = vg_bundle_load(&b, &diag);
	if (rs) {
		for (size_t i = 0; i < rs->nrules && !found; i++)
			found = !strcmp(rs->rules[i]->name, rule);
		vg_ruleset_free(rs);
		rs = NULL;
	}
	if (!found) {
		vg_err("fleet promote: no enabled rule '%s' in the fleet's ruleset (revision %llu)",
		       rule, (unsigned long long)rev);
		ret = VG_EXIT_USAGE;
		goto out;
	}
	if (vg_bundle_set_mode(&b, rule, c->mode)) {
		vg_err("fleet promote: out of memory");
		goto out;
	}
	/* the changed ruleset is checked as a push is: enforce may be refused
	 * (a condition the kernel cannot decide exactly), with the reason */
	rs = vg_bundle_load(&b, &diag);
	if (!rs) {
		cli_rules_summary("fleet promote", &diag, "nothing pushed");
		ret = VG_EXIT_USAGE;
		goto out;
	}
	if (c->write) {
		struct strbuf y = STRBUF_INIT;
		FILE *w = fopen(c->write, "we");

		vg_bundle_overrides_yaml(&b, &y);
		if (!w || fwrite(y.buf, 1, y.len, w) != y.len || fclose(w)) {
			vg_err("fleet promote: --write %s: %s", c->write, strerror(errno));
			strbuf_release(&y);
			goto out;
		}
		strbuf_release(&y);
	}
	ret = store(c, f, &b, rs, rev, "promoted");
	if (!ret && !c->json)
		printf("'%s' is now in mode %s fleet-wide (override in %s)\n", rule, c->mode,
		       VG_BUNDLE_OVERRIDES);
out:
	vg_ruleset_free(rs);
	vg_bundle_release(&b);
	free(val);
	vg_fleet_free(f);
	return ret;
}

/* --- status ------------------------------------------------------------------------------ */

struct agent {
	struct vg_heartbeat hb;
	int64_t seen_ns; /* when the stream stored its heartbeat */
};

struct agents {
	struct agent *v;
	size_t n, cap;
	size_t bad;
};

static int collect_hb(const struct vg_fleet_msg *m, void *ctx)
{
	struct agents *a = ctx;
	struct agent *x;

	if (a->n == a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 64;
		struct agent *nv = realloc(a->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		a->v = nv;
		a->cap = ncap;
	}
	x = &a->v[a->n];
	if (vg_heartbeat_parse(m->data, m->len, &x->hb)) {
		a->bad++;
		return 0;
	}
	x->seen_ns = m->time_ns;
	a->n++;
	return 0;
}

static int cmp_agent(const void *x, const void *y)
{
	return strcmp(((const struct agent *)x)->hb.hostname, ((const struct agent *)y)->hb.hostname);
}

static void fmt_age(char *buf, size_t size, int64_t ns)
{
	int64_t s = ns > 0 ? ns / 1000000000 : 0;

	if (s < 120)
		snprintf(buf, size, "%llds ago", (long long)s);
	else if (s < 7200)
		snprintf(buf, size, "%lldm ago", (long long)(s / 60));
	else if (s < 172800)
		snprintf(buf, size, "%lldh ago", (long long)(s / 3600));
	else
		snprintf(buf, size, "%lldd ago", (long long)(s / 86400));
}

static int fleet_status(struct fleet_cli *c)
{
	struct agents a = { 0 };
	struct vg_fleet *f;
	struct vg_bundle cur = { 0 };
	char *val = NULL;
	size_t len;
	uint64_t rev = 0;
	int64_t n, now = now_ns();
	int ret = VG_EXIT_RUNTIME, err;

	if (c->nargs) {
		vg_err("fleet status: unexpected argument '%s'", c->args[0]);
		return VG_EXIT_USAGE;
	}
	f = fleet_open(c);
	if (!f)
		return VG_EXIT_RUNTIME;
	err = vg_fleet_rules_get(f, &val, &len, &rev);
	if (err && err != -ENOENT) {
		vg_err("fleet status: %s", vg_fleet_error(f));
		goto out;
	}
	if (!err && vg_bundle_decode(val, len, &cur))
		memset(&cur, 0, sizeof(cur));
	n = vg_fleet_read(f, VG_FLEET_STATE_STREAM, VG_FLEET_STATE_PREFIX ".>", 0, collect_hb, &a);
	if (n < 0) {
		vg_err("fleet status: %s", n == -ENOMEM ? "out of memory" : vg_fleet_error(f));
		goto out;
	}
	if (a.n)
		qsort(a.v, a.n, sizeof(*a.v), cmp_agent);
	if (!c->json) {
		if (rev)
			printf("fleet ruleset: revision %llu, hash %.16s\n", (unsigned long long)rev,
			       cur.hash[0] ? cur.hash : "?");
		else
			printf("fleet ruleset: none pushed\n");
		printf("%-24s %-10s %-10s %-30s %-8s %6s %8s %8s\n", "HOST", "LAST SEEN", "VERSION",
		       "RULESET", "MODE CAP", "RULES", "FAILURES", "LOST");
	}
	for (size_t i = 0; i < a.n; i++) {
		const struct vg_heartbeat *hb = &a.v[i].hb;
		/* silent for three heartbeat intervals (30 s when unknown): gone */
		int64_t iv = (hb->interval_s ? hb->interval_s : 10) * 3LL * 1000000000;
		bool stale = now - a.v[i].seen_ns > iv;
		bool current = rev && hb->ruleset_revision == rev && hb->ruleset_hash &&
			       !strcmp(hb->ruleset_hash, cur.hash);
		char age[32], rs[64];

		if (c->json) {
			const struct vg_hb_seen seen = { .seen_ns = a.v[i].seen_ns, .now_ns = now,
							 .stale = stale, .current = current };
			struct strbuf o = STRBUF_INIT;

			vg_heartbeat_status_json(hb, &seen, &o);
			printf("%s\n", o.buf);
			strbuf_release(&o);
			continue;
		}
		fmt_age(age, sizeof(age), now - a.v[i].seen_ns);
		if (stale) {
			size_t l = strlen(age);

			snprintf(age + l, sizeof(age) - l, "!");
		}
		snprintf(rs, sizeof(rs), "rev %llu %.8s gen %llu%s",
			 (unsigned long long)hb->ruleset_revision,
			 hb->ruleset_hash ? hb->ruleset_hash : "-",
			 (unsigned long long)hb->ruleset_generation,
			 !rev ? "" : current ? "" : " OLD");
		printf("%-24s %-10s %-10s %-30s %-8s %6zu %8llu %8llu\n", hb->hostname, age,
		       hb->version ? hb->version : "", rs, hb->mode_cap ? hb->mode_cap : "",
		       hb->nrules, (unsigned long long)hb->reload_failures,
		       (unsigned long long)(hb->events_lost + hb->alerts_dropped));
		if (hb->reload_error)
			printf("  last reload failed: %s\n", hb->reload_error);
	}
	if (!c->json)
		printf("%zu agent%s%s\n", a.n, a.n == 1 ? "" : "s",
		       a.bad ? " (and heartbeats that could not be read)" : "");
	if (a.bad)
		vg_warn("fleet status: %zu heartbeat%s not in vigil's format", a.bad,
			a.bad == 1 ? "" : "s");
	ret = VG_EXIT_OK;
out:
	for (size_t i = 0; i < a.n; i++)
		vg_heartbeat_release(&a.v[i].hb);
	free(a.v);
	vg_bundle_release(&cur);
	free(val);
	vg_fleet_free(f);
	return ret;
}

/* --- rules: the alerts stream aggregated per rule --------------------------------------- */

/* Counts per distinct string: jansson's objects are hash tables, so the
 * counters are JSON objects {string: count}. */
static void bump(json_t *counts, const char *key)
{
	json_t *v = json_object_get(counts, key);

	if (v)
		json_integer_set(v, json_integer_value(v) + 1);
	else
		json_object_set_new(counts, key, json_integer(1));
}

struct rule_agg {
	json_t *modes, *hosts, *procs, *conts; /* {value: count} */
	uint64_t matches, would_kill, would_deny, killed, denied;
	/* the agents' own counters, since each started, from their latest
	 * heartbeats: observe-mode matches (never alerts) are only here */
	uint64_t hb_agents, hb_matches, hb_would_kill, hb_would_deny, hb_killed, hb_denied;
};

struct rules_agg {
	json_t *index; /* rule name -> position in v */
	struct rule_agg *v;
	char **names;
	size_t n, cap;
	uint64_t alerts, bad;
	int64_t first_ns, last_ns;
	char *buf; /* vg_alert_scan's strings */
	size_t bufsize;
};

static struct rule_agg *agg_rule(struct rules_agg *a, const char *name)
{
	json_t *i = json_object_get(a->index, name);
	struct rule_agg *r;

	if (i)
		return &a->v[json_integer_value(i)];
	if (a->n == a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 64;
		struct rule_agg *nv = realloc(a->v, ncap * sizeof(*nv));
		char **nn = realloc(a->names, ncap * sizeof(*nn));

		if (nv)
			a->v = nv;
		if (nn)
			a->names = nn;
		if (!nv || !nn)
			return NULL;
		a->cap = ncap;
	}
	r = &a->v[a->n];
	memset(r, 0, sizeof(*r));
	r->modes = json_object();
	r->hosts = json_object();
	r->procs = json_object();
	r->conts = json_object();
	a->names[a->n] = strdup(name);
	if (!r->modes || !r->hosts || !r->procs || !r->conts || !a->names[a->n]) {
		json_decref(r->modes);
		json_decref(r->hosts);
		json_decref(r->procs);
		json_decref(r->conts);
		free(a->names[a->n]);
		return NULL;
	}
	json_object_set_new(a->index, name, json_integer((json_int_t)a->n));
	a->n++;
	return r;
}

static int collect_alert(const struct vg_fleet_msg *m, void *ctx)
{
	struct rules_agg *a = ctx;
	struct vg_alert_keys k;
	const char *host, *mode, *action, *proc, *cont;
	struct rule_agg *r;

	/* decoded strings are never longer than the text they come from */
	if (m->len + 1 > a->bufsize) {
		char *nb = realloc(a->buf, m->len + 1);

		if (!nb)
			return -ENOMEM;
		a->buf = nb;
		a->bufsize = m->len + 1;
	}
	if (vg_alert_scan(m->data, m->len, &k, a->buf, a->bufsize) || !k.rule) {
		a->bad++;
		return 0;
	}
	r = agg_rule(a, k.rule);
	if (!r)
		return -ENOMEM;
	host = k.hostname;
	mode = k.mode;
	action = k.action;
	proc = k.exepath && *k.exepath ? k.exepath : k.name;
	cont = k.container;
	r->matches++;
	bump(r->hosts, host ? host : "?");
	bump(r->modes, mode ? mode : "alert");
	if (action) {
		if (!strcmp(action, "would-kill"))
			r->would_kill++;
		else if (!strcmp(action, "would-deny"))
			r->would_deny++;
		else if (!strcmp(action, "killed"))
			r->killed++;
		else if (!strcmp(action, "denied"))
			r->denied++;
	}
	if (proc && *proc)
		bump(r->procs, proc);
	if (cont && *cont && strcmp(cont, "host"))
		bump(r->conts, cont);
	if (!a->alerts || m->time_ns < a->first_ns)
		a->first_ns = m->time_ns;
	if (m->time_ns > a->last_ns)
		a->last_ns = m->time_ns;
	a->alerts++;
	return 0;
}

struct kc {
	const char *key;
	json_int_t count;
};

static int cmp_kc(const void *x, const void *y)
{
	const struct kc *a = x, *b = y;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return strcmp(a->key, b->key);
}

/* The `top` most frequent keys of counts, most first (ties by name). */
static size_t top_of(json_t *counts, unsigned top, struct kc **out)
{
	size_t n = json_object_size(counts), i = 0;
	struct kc *v = n ? calloc(n, sizeof(*v)) : NULL;
	const char *k;
	json_t *c;

	*out = v;
	if (!v)
		return 0;
	json_object_foreach(counts, k, c) {
		v[i].key = k;
		v[i++].count = json_integer_value(c);
	}
	qsort(v, n, sizeof(*v), cmp_kc);
	return n < top ? n : top;
}

static void json_top(struct json_w *w, const char *key, json_t *counts, unsigned top)
{
	struct kc *v;
	size_t n = top_of(counts, top, &v);

	jw_arr_begin(w, key);
	for (size_t i = 0; i < n; i++) {
		jw_obj_begin(w, NULL);
		jw_str(w, "name", v[i].key);
		jw_int(w, "count", v[i].count);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	free(v);
}

static void text_top(const char *label, json_t *counts, unsigned top)
{
	struct kc *v;
	size_t n = top_of(counts, top, &v);

	if (n) {
		printf("  %s:", label);
		for (size_t i = 0; i < n; i++)
			printf("%s %s (%lld)", i ? "," : "", v[i].key, (long long)v[i].count);
		printf("\n");
	}
	free(v);
}

/* The modes an alert carried, joined: "alert" or "alert,enforce". */
static void modes_str(json_t *modes, struct strbuf *sb)
{
	static const char *const order[] = { "observe", "alert", "enforce" };
	const char *k;
	json_t *v;

	for (size_t i = 0; i < 3; i++)
		if (json_object_get(modes, order[i]))
			strbuf_addf(sb, "%s%s", sb->len ? "," : "", order[i]);
	json_object_foreach(modes, k, v) {
		if (strcmp(k, "observe") && strcmp(k, "alert") && strcmp(k, "enforce"))
			strbuf_addf(sb, "%s%s", sb->len ? "," : "", k);
	}
}

static int cmp_rule_by_matches(const void *x, const void *y, void *ctx)
{
	const struct rules_agg *a = ctx;
	size_t i = *(const size_t *)x, j = *(const size_t *)y;

	if (a->v[i].matches != a->v[j].matches)
		return a->v[i].matches > a->v[j].matches ? -1 : 1;
	return strcmp(a->names[i], a->names[j]);
}

static int fleet_rules(struct fleet_cli *c)
{
	struct rules_agg a = { 0 };
	struct agents agents = { 0 };
	struct vg_fleet *f;
	int64_t now = now_ns(), since = 0, n;
	size_t *order = NULL;
	int ret = VG_EXIT_RUNTIME;
	char ts[40];

	if (c->nargs) {
		vg_err("fleet rules: unexpected argument '%s'", c->args[0]);
		return VG_EXIT_USAGE;
	}
	if (c->since_s > 0)
		since = now - (int64_t)(c->since_s * 1e9);
	f = fleet_open(c);
	if (!f)
		return VG_EXIT_RUNTIME;
	a.index = json_object();
	if (!a.index)
		goto out;
	n = vg_fleet_read(f, VG_FLEET_ALERTS_STREAM, VG_FLEET_ALERTS_PREFIX ".>", since,
			  collect_alert, &a);
	if (n < 0) {
		vg_err("fleet rules: %s", n == -ENOMEM ? "out of memory" : vg_fleet_error(f));
		goto out;
	}
	n = vg_fleet_read(f, VG_FLEET_STATE_STREAM, VG_FLEET_STATE_PREFIX ".>", 0, collect_hb,
			  &agents);
	if (n < 0) {
		vg_err("fleet rules: %s", n == -ENOMEM ? "out of memory" : vg_fleet_error(f));
		goto out;
	}
	for (size_t i = 0; i < agents.n; i++) {
		const struct vg_heartbeat *hb = &agents.v[i].hb;

		for (size_t k = 0; k < hb->nrules; k++) {
			const struct vg_hb_rule *h = &hb->rules[k];
			struct rule_agg *r = agg_rule(&a, h->rule);

			if (!r)
				goto out;
			r->hb_agents++;
			r->hb_matches += h->matches;
			r->hb_would_kill += h->would_kill;
			r->hb_would_deny += h->would_deny;
			r->hb_killed += h->killed;
			r->hb_denied += h->denied;
		}
	}
	order = calloc(a.n ? a.n : 1, sizeof(*order));
	if (!order)
		goto out;
	for (size_t i = 0; i < a.n; i++)
		order[i] = i;
	qsort_r(order, a.n, sizeof(*order), cmp_rule_by_matches, &a);
	vg_clock_rfc3339((uint64_t)(since ? since : a.first_ns), ts, sizeof(ts));
	if (!c->json) {
		printf("%llu alerts since %s%s\n", (unsigned long long)a.alerts,
		       since || a.alerts ? ts : "the start of the stream",
		       c->since_s > 0 ? "" : " (whole stream)");
		printf("%-40s %-14s %6s %8s %10s %10s %7s %7s\n", "RULE", "MODE", "HOSTS", "MATCHES",
		       "WOULD-KILL", "WOULD-DENY", "KILLED", "DENIED");
	}
	for (size_t k = 0; k < a.n; k++) {
		struct rule_agg *r = &a.v[order[k]];
		struct strbuf modes = STRBUF_INIT;

		modes_str(r->modes, &modes);
		if (c->json) {
			struct strbuf o = STRBUF_INIT;
			struct json_w w;
			const char *h;
			json_t *v;

			jw_init(&w, &o);
			jw_obj_begin(&w, NULL);
			jw_str(&w, "rule", a.names[order[k]]);
			jw_arr_begin(&w, "modes");
			for (char *s = modes.buf, *e; *s; s = *e ? e + 1 : e) {
				e = strchr(s, ',');
				if (!e)
					e = s + strlen(s);
				jw_strn(&w, NULL, s, (size_t)(e - s));
			}
			jw_arr_end(&w);
			jw_uint(&w, "hosts", json_object_size(r->hosts));
			jw_arr_begin(&w, "host_list");
			json_object_foreach(r->hosts, h, v)
				jw_str(&w, NULL, h);
			jw_arr_end(&w);
			jw_uint(&w, "matches", r->matches);
			jw_uint(&w, "would_kill", r->would_kill);
			jw_uint(&w, "would_deny", r->would_deny);
			jw_uint(&w, "killed", r->killed);
			jw_uint(&w, "denied", r->denied);
			json_top(&w, "top_processes", r->procs, c->top);
			json_top(&w, "top_containers", r->conts, c->top);
			jw_str(&w, "since", ts);
			jw_obj_begin(&w, "agents");
			jw_uint(&w, "reporting", r->hb_agents);
			jw_uint(&w, "matches", r->hb_matches);
			jw_uint(&w, "would_kill", r->hb_would_kill);
			jw_uint(&w, "would_deny", r->hb_would_deny);
			jw_uint(&w, "killed", r->hb_killed);
			jw_uint(&w, "denied", r->hb_denied);
			jw_obj_end(&w);
			jw_obj_end(&w);
			printf("%s\n", o.buf);
			strbuf_release(&o);
		} else {
			printf("%-40s %-14s %6zu %8llu %10llu %10llu %7llu %7llu\n", a.names[order[k]],
			       modes.buf, json_object_size(r->hosts), (unsigned long long)r->matches,
			       (unsigned long long)r->would_kill, (unsigned long long)r->would_deny,
			       (unsigned long long)r->killed, (unsigned long long)r->denied);
			text_top("top processes", r->procs, c->top);
			text_top("top containers", r->conts, c->top);
			if (r->hb_agents)
				printf("  agents' counters (%llu agent%s, since start): matches %llu, "
				       "would-kill %llu, would-deny %llu, killed %llu, denied %llu\n",
				       (unsigned long long)r->hb_agents, r->hb_agents == 1 ? "" : "s",
				       (unsigned long long)r->hb_matches,
				       (unsigned long long)r->hb_would_kill,
				       (unsigned long long)r->hb_would_deny,
				       (unsigned long long)r->hb_killed,
				       (unsigned long long)r->hb_denied);
		}
		strbuf_release(&modes);
	}
	if (a.bad)
		vg_warn("fleet rules: %llu message%s on the alerts subjects were not alerts",
			(unsigned long long)a.bad, a.bad == 1 ? "" : "s");
	ret = VG_EXIT_OK;
out:
	for (size_t i = 0; i < a.n; i++) {
		json_decref(a.v[i].modes);
		json_decref(a.v[i].hosts);
		json_decref(a.v[i].procs);
		json_decref(a.v[i].conts);
		free(a.names[i]);
	}
	for (size_t i = 0; i < agents.n; i++)
		vg_heartbeat_release(&agents.v[i].hb);
	free(agents.v);
	free(a.v);
	free(a.names);
	free(a.buf);
	free(order);
	json_decref(a.index);
	vg_fleet_free(f);
	return ret;
}

int cmd_fleet(int argc, char **argv)
{
	struct fleet_cli c = { .top = 5, .since_s = 3600 };
	int r;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fleet_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? VG_EXIT_USAGE : VG_EXIT_OK;
	}
	c.sub = argv[1];
	if (strcmp(c.sub, "push") && strcmp(c.sub, "status") && strcmp(c.sub, "rules") &&
	    strcmp(c.sub, "promote")) {
		vg_err("fleet: unknown sub-command '%s' (push, status, rules, promote)", c.sub);
		return VG_EXIT_USAGE;
	}
	r = parse_opts(&c, argc - 1, argv + 1);
	if (r)
		return r < 0 ? VG_EXIT_OK : r;
	if (!strcmp(c.sub, "push"))
		return fleet_push(&c);
	if (!strcmp(c.sub, "status"))
		return fleet_status(&c);
	if (!strcmp(c.sub, "rules"))
		return fleet_rules(&c);
	return fleet_promote(&c);
}
