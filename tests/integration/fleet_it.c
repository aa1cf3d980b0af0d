// SPDX-License-Identifier: Apache-2.0
/*
 * Integration tests of the fleet on NATS JetStream: a real nats-server
 * (JetStream on, storage in a temp dir, 127.0.0.1 on a free port) started
 * once for the suite, simulated agents publishing Falco-JSON alerts and
 * heartbeats through src/fleet/ as an agent will, and the real `vigil
 * fleet` commands read back. No BPF: nothing here loads a program.
 *
 * Each test uses hostnames and rule names of its own, so the shared
 * streams never mix one test's numbers into another's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "../fleetsim.h"
#include "common/clock.h"
#include "fleet/bundle.h"
#include "fleet/fleet.h"
#include "fleet/follow.h"
#include "fleet/heartbeat.h"
#include "fleet/link.h"
#include "fleet/pub.h"
#include "fleet/spool.h"
#include "output/json.h"
#include "output/outputs.h"

#define WAIT_MS 20000
/* `vigil fleet ARGS...` against the suite's nats-server (harness.h) */
#define FLEET_CMD(v, text, ...) \
	vigil_fleet_cmd(v, url, text, (const char *[]){ __VA_ARGS__, NULL }, WAIT_MS)

static char tmpdir[64], url[64];
static struct natsd srv;

static int server_start(void)
{
	return natsd_start(&srv, WAIT_MS);
}

static void server_kill(void)
{
	natsd_kill(&srv);
}

static unsigned short free_port(void)
{
	return natsd_free_port();
}

static int group_setup(void **state)
{
	strcpy(tmpdir, "/tmp/vigil-fleet-it-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	if (natsd_init(&srv, tmpdir))
		return -1;
	snprintf(url, sizeof(url), "%s", srv.url);
	return server_start() ? -1 : 0;
}

static int group_teardown(void **state)
{
	char cmd[128];

	server_kill();
	if (getenv("VIGIL_IT_DEBUG"))
		return 0;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) ? -1 : 0;
}

/* --- simulated agents ------------------------------------------------------------------- */

static struct vg_fleet *connect_fleet(bool retry)
{
	struct vg_fleet_opts o = { .nservers = 1, .retry_connect = retry, .timeout_ms = 5000 };
	char err[256];
	struct vg_fleet *f;

	o.servers[0] = url;
	f = vg_fleet_connect(&o, err, sizeof(err));
	if (!f)
		fprintf(stderr, "connect: %s\n", err);
	else if (!retry && vg_fleet_setup(f, NULL))
		fprintf(stderr, "setup: %s\n", vg_fleet_error(f));
	return f;
}

static void alert_json(struct strbuf *sb, const char *host, const char *rule, const char *mode,
		       const char *action, const char *exe, const char *cont, unsigned i)
{
	fleetsim_alert(sb, host, rule, mode, action, exe, cont, i);
}

/* A simulated agent: its spool, its publisher. */
struct sim {
	char host[64], dir[128];
	struct vg_fleet *f;
	struct vg_spool *sp;
	struct vg_fleet_pub *pub;
};

static int sim_open(struct sim *s, const char *host, uint64_t spool_bytes, bool retry)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->host, sizeof(s->host), "%s", host);
	snprintf(s->dir, sizeof(s->dir), "%s/spool-%s", tmpdir, host);
	s->f = connect_fleet(retry);
	s->sp = vg_spool_open(s->dir, spool_bytes ? spool_bytes : 64 << 20);
	if (!s->f || !s->sp)
		return -1;
	s->pub = vg_fleet_pub_new(s->f, s->sp, &(struct vg_fleet_pub_opts){ .ack_wait_ms = 2000 });
	return s->pub ? 0 : -1;
}

static void sim_close(struct sim *s)
{
	vg_fleet_pub_free(s->pub);
	vg_spool_free(s->sp);
	vg_fleet_free(s->f);
}

static int sim_alert(struct sim *s, const char *rule, const char *mode, const char *action,
		     const char *exe, const char *cont, unsigned i, struct strbuf *copy)
{
	struct strbuf a = STRBUF_INIT, subj = STRBUF_INIT;
	int err;

	alert_json(&a, s->host, rule, mode, action, exe, cont, i);
	vg_fleet_alert_subject(&subj, s->host, "Warning");
	err = vg_fleet_pub_enqueue(s->pub, subj.buf, a.buf, a.len);
	if (copy) {
		strbuf_add(copy, a.buf, a.len);
		strbuf_addch(copy, '\n');
	}
	strbuf_release(&a);
	strbuf_release(&subj);
	return err;
}

static int sim_heartbeat(struct sim *s, const struct vg_heartbeat *hb)
{
	struct strbuf j = STRBUF_INIT, subj = STRBUF_INIT;
	int err;

	vg_heartbeat_json(hb, &j);
	vg_fleet_state_subject(&subj, hb->hostname);
	err = vg_fleet_publish_sync(s->f, subj.buf, j.buf, j.len);
	strbuf_release(&j);
	strbuf_release(&subj);
	return err;
}

/* What the stream holds for one host: the payloads, newline-joined. */
struct readback {
	struct strbuf all;
	uint64_t n;
};

static int rb_add(const struct vg_fleet_msg *m, void *ctx)
{
	struct readback *r = ctx;

	strbuf_add(&r->all, m->data, m->len);
	strbuf_addch(&r->all, '\n');
	r->n++;
	return 0;
}

static int64_t read_host(struct vg_fleet *f, const char *host, struct readback *rb)
{
	struct strbuf filter = STRBUF_INIT;
	int64_t n;

	vg_fleet_alert_subject(&filter, host, "x");
	strbuf_truncate(&filter, filter.len - 1);
	strbuf_addch(&filter, '>');
	n = vg_fleet_read(f, VG_FLEET_ALERTS_STREAM, filter.buf, 0, rb_add, rb);
	strbuf_release(&filter);
	return n;
}

/* --- library: publish, ack, dedup, replay ----------------------------------------------- */

static void test_alerts_arrive_unchanged(void **state)
{
	struct sim s;
	struct strbuf sent = STRBUF_INIT;
	struct readback rb = { .all = STRBUF_INIT };
	struct vg_fleet_pub_stats st;

	assert_int_equal(sim_open(&s, "unchanged.example.com", 0, false), 0);
	for (unsigned i = 0; i < 500; i++)
		assert_int_equal(sim_alert(&s, "IT unchanged", "alert", "none", "/usr/bin/cat",
					   "host", i, &sent),
				 0);
	assert_int_equal(vg_fleet_pub_flush(s.pub, WAIT_MS), 0);
	vg_fleet_pub_stats(s.pub, &st);
	assert_int_equal(st.acked, 500);
	assert_int_equal(st.duplicates, 0);
	assert_int_equal(st.spool_pending, 0);
	/* byte for byte, in order; the dots of the hostname did not split the
	 * subject (one token: unchanged_example_com) */
	assert_int_equal(read_host(s.f, "unchanged.example.com", &rb), 500);
	assert_int_equal(rb.all.len, sent.len);
	assert_memory_equal(rb.all.buf, sent.buf, sent.len);
	strbuf_release(&rb.all);
	strbuf_release(&sent);
	sim_close(&s);
}

static int copy_dir(const char *from, const char *to)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "cp -a '%s' '%s'", from, to);
	return system(cmd) ? -1 : 0;
}

static void test_replay_deduplicated(void **state)
{
	struct sim a, b;
	struct vg_fleet_pub_stats st;
	struct readback rb = { .all = STRBUF_INIT };
	char copy[160];

	/* a spool of 1000 alerts and a copy of it: the copy is an agent that
	 * published them all but lost every acknowledgement */
	assert_int_equal(sim_open(&a, "dedup-1", 0, false), 0);
	for (unsigned i = 0; i < 1000; i++)
		assert_int_equal(sim_alert(&a, "IT dedup", "alert", "none", "/usr/bin/cat", "host", i,
					   NULL),
				 0);
	snprintf(copy, sizeof(copy), "%s.copy", a.dir);
	assert_int_equal(copy_dir(a.dir, copy), 0);
	assert_int_equal(vg_fleet_pub_flush(a.pub, WAIT_MS), 0);
	vg_fleet_pub_stats(a.pub, &st);
	assert_int_equal(st.acked, 1000);
	assert_int_equal(st.duplicates, 0);
	sim_close(&a);

	memset(&b, 0, sizeof(b));
	b.f = connect_fleet(false);
	b.sp = vg_spool_open(copy, 64 << 20);
	assert_non_null(b.f);
	assert_non_null(b.sp);
	b.pub = vg_fleet_pub_new(b.f, b.sp, NULL);
	assert_non_null(b.pub);
	assert_int_equal(vg_fleet_pub_flush(b.pub, WAIT_MS), 0);
	vg_fleet_pub_stats(b.pub, &st);
	assert_int_equal(st.acked, 1000);
	assert_int_equal(st.duplicates, 1000); /* the stream already had each one */
	assert_int_equal(read_host(b.f, "dedup-1", &rb), 1000);
	strbuf_release(&rb.all);
	sim_close(&b);
}

/* The index i of an alert this suite wrote (pid = 1000 + i), or -1. */
static long alert_index(const char *line, size_t len)
{
	const char *p = memmem(line, len, "\"proc.pid\":", 11);

	return p ? strtol(p + 11, NULL, 10) - 1000 : -1;
}

static void test_server_killed_mid_run(void **state)
{
	const unsigned n = 10000, batch = 50;
	struct sim s;
	struct vg_fleet_pub_stats st;
	struct readback rb = { .all = STRBUF_INIT };
	unsigned char *seen = calloc(n, 1);
	long prev = -1;
	bool in_order = true;
	uint64_t dups = 0;
	long long t0 = now_ms();
	char *line;

	assert_int_equal(sim_open(&s, "restart-1", 0, true), 0);
	/* an agent's worker: enqueue what arrives, pump briefly; the server
	 * dies a third of the way through and comes back at two thirds */
	for (unsigned i = 0; i < n; i += batch) {
		for (unsigned k = i; k < i + batch; k++)
			assert_int_equal(sim_alert(&s, "IT restart", "alert", "none", "/usr/bin/cat",
						   "host", k, NULL),
					 0);
		/* no wait for acks: what was just sent is in flight when the
		 * server dies, stored or not, its ack lost either way */
		assert_true(vg_fleet_pub_pump(s.pub, 0) >= 0);
		if (i == n / 3 / batch * batch)
			server_kill();
		usleep(1000); /* alerts arrive over time, not all at once */
		if (i == 2 * n / 3 / batch * batch)
			assert_int_equal(server_start(), 0);
	}
	for (long long end = now_ms() + 60000; now_ms() < end;) {
		int64_t left = vg_fleet_pub_pump(s.pub, 1000);

		assert_true(left >= 0);
		vg_fleet_pub_stats(s.pub, &st);
		if (getenv("VIGIL_IT_DEBUG"))
			print_message("# %lld ms: pending %" PRIi64 ", sent %" PRIu64 ", acked %" PRIu64
				      ", failures %" PRIu64 ", connected %d\n",
				      now_ms() - t0, left, st.sent, st.acked, st.failures,
				      vg_fleet_connected(s.f));
		if (!left)
			break;
	}
	vg_fleet_pub_stats(s.pub, &st);
	/* the kill did catch messages in flight: some were sent again */
	assert_true(st.sent > n);
	assert_true(st.rewinds > 0);
	print_message("# restart: %lld ms; sent %" PRIu64 ", acked %" PRIu64 ", duplicates %" PRIu64
		      ", failed acks %" PRIu64 ", rewinds %" PRIu64 "\n",
		      now_ms() - t0, st.sent, st.acked, st.duplicates, st.failures, st.rewinds);
	assert_int_equal(st.spool_pending, 0);
	assert_int_equal(st.spool_dropped, 0);

	/* every alert exactly once on the stream, in the order produced */
	assert_int_equal(read_host(s.f, "restart-1", &rb), n);
	for (line = rb.all.buf; *line;) {
		char *end = strchr(line, '\n');
		long i = alert_index(line, (size_t)(end - line));

		assert_true(i >= 0 && i < (long)n);
		if (seen[i])
			dups++;
		seen[i] = 1;
		if (i < prev)
			in_order = false;
		prev = i;
		line = end + 1;
	}
	assert_int_equal(dups, 0);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(seen[i], 1);
	assert_true(in_order);
	free(seen);
	strbuf_release(&rb.all);
	sim_close(&s);
}

static void test_spool_overflow_counted(void **state)
{
	struct vg_fleet_opts o = { .nservers = 1, .retry_connect = true, .timeout_ms = 1000 };
	char err[256], dead[64], dir[128];
	struct vg_fleet *f;
	struct vg_spool *sp;
	struct vg_fleet_pub *pub;
	struct vg_fleet_pub_stats st;
	struct strbuf a = STRBUF_INIT;
	const unsigned n = 3000;

	/* no server at all: everything stays in a 64 KiB spool */
	snprintf(dead, sizeof(dead), "nats://127.0.0.1:%u", free_port());
	o.servers[0] = dead;
	f = vg_fleet_connect(&o, err, sizeof(err));
	assert_non_null(f);
	snprintf(dir, sizeof(dir), "%s/spool-overflow", tmpdir);
	sp = vg_spool_open(dir, VG_SPOOL_MIN_BYTES);
	assert_non_null(sp);
	pub = vg_fleet_pub_new(f, sp, NULL);
	assert_non_null(pub);
	for (unsigned i = 0; i < n; i++) {
		strbuf_reset(&a);
		alert_json(&a, "overflow-1", "IT overflow", "alert", "none", "/usr/bin/cat", "host", i);
		assert_int_equal(vg_fleet_pub_enqueue(pub, "vigil.alerts.overflow-1.warning", a.buf,
						      a.len),
				 0);
		assert_true(vg_fleet_pub_pump(pub, 0) >= 0);
	}
	vg_fleet_pub_stats(pub, &st);
	assert_int_equal(st.sent, 0);
	assert_true(st.spool_dropped > 0);
	assert_true(st.spool_bytes <= VG_SPOOL_MIN_BYTES);
	assert_int_equal(st.spool_dropped + st.spool_pending, n);
	strbuf_release(&a);
	vg_fleet_pub_free(pub);
	vg_spool_free(sp);
	vg_fleet_free(f);
}

/* --- the commands -------------------------------------------------------------------------- */

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* Run `vigil fleet ARGS... --server URL`; its wait status. Output in v. */
static uint64_t kv_revision(void)
{
	struct vg_fleet *f = connect_fleet(false);
	char *val = NULL;
	size_t len;
	uint64_t rev = 0;

	assert_non_null(f);
	if (vg_fleet_rules_get(f, &val, &len, &rev))
		rev = 0;
	free(val);
	vg_fleet_free(f);
	return rev;
}

static const char good_rules[] =
	"- rule: IT shadow read\n"
	"  desc: reads of /etc/shadow\n"
	"  condition: evt.type in (open, openat) and fd.name = /etc/shadow\n"
	"  output: \"shadow read by %proc.name\"\n"
	"  priority: WARNING\n"
	"  action: kill\n"
	"- rule: IT other\n"
	"  desc: another\n"
	"  condition: evt.type = openat and fd.name = /etc/gshadow\n"
	"  output: \"gshadow by %proc.name\"\n"
	"  priority: NOTICE\n";

static void test_push_refuses_what_check_refuses(void **state)
{
	struct vigil_proc v, c;
	char bad[128];
	uint64_t before = kv_revision();
	const char *line;

	snprintf(bad, sizeof(bad), "%s/bad.yaml", tmpdir);
	write_file(bad, "- rule: IT bad\n"
			"  desc: d\n"
			"  condition: evt.type = openat and proc.nme = cat\n"
			"  output: o\n"
			"  priority: WARNING\n");
	assert_int_equal(WEXITSTATUS(FLEET_CMD(&v, true, "push", bad)), 2);
	{
		const char *argv[] = { "vigil", "check", bad, NULL };

		memset(&c, 0, sizeof(c));
		c.keep_text = true;
		assert_int_equal(WEXITSTATUS(vigil_run_to_end(&c, argv, WAIT_MS)), 2);
	}
	/* the same file:line:col line as `vigil check` */
	line = strstr(c.err, bad);
	assert_non_null(line);
	assert_non_null(strstr(v.err, "bad.yaml:3:36: unknown field 'proc.nme'"));
	assert_non_null(strstr(c.err, "bad.yaml:3:36: unknown field 'proc.nme'"));
	assert_non_null(strstr(v.err, "nothing pushed"));
	assert_int_equal(kv_revision(), before); /* nothing stored */
	vigil_free(&v);
	vigil_free(&c);
}

static void test_push_and_promote(void **state)
{
	struct vigil_proc v;
	char dir[128], file[160], ovfile[160], *val = NULL;
	struct vg_bundle b;
	struct vg_ruleset *rs;
	struct vg_diag diag = { .out = stderr };
	struct vg_fleet *f;
	size_t len;
	uint64_t rev, rev2;

	snprintf(dir, sizeof(dir), "%s/rules", tmpdir);
	mkdir(dir, 0755);
	snprintf(file, sizeof(file), "%s/10-base.yaml", dir);
	write_file(file, good_rules);
	assert_int_equal(WEXITSTATUS(FLEET_CMD(&v, false, "push", dir, "--json")), 0);
	assert_int_equal(v.nev, 1);
	rev = (uint64_t)jint(v.ev[0], "revision");
	assert_int_equal(jint(v.ev[0], "rules"), 2);
	assert_int_equal(rev, kv_revision());
	vigil_free(&v);

	/* promote one rule; the other keeps its mode */
	snprintf(ovfile, sizeof(ovfile), "%s/zz-fleet-overrides.yaml", tmpdir);
	assert_int_equal(WEXITSTATUS(FLEET_CMD(&v, false, "promote", "IT shadow read", "--mode",
					       "enforce", "--write", ovfile, "--json")),
			 0);
	assert_int_equal(v.nev, 1);
	rev2 = (uint64_t)jint(v.ev[0], "revision");
	assert_true(rev2 > rev);
	vigil_free(&v);

	f = connect_fleet(false);
	assert_non_null(f);
	assert_int_equal(vg_fleet_rules_get(f, &val, &len, &rev), 0);
	assert_int_equal(rev, rev2);
	assert_int_equal(vg_bundle_decode(val, len, &b), 0);
	assert_int_equal(b.nfiles, 1);
	assert_string_equal(b.files[0].text, good_rules); /* the file as written */
	rs = vg_bundle_load(&b, &diag);
	assert_non_null(rs);
	assert_int_equal(rs->nrules, 2);
	assert_string_equal(rs->rules[0]->name, "IT shadow read");
	assert_int_equal(rs->rules[0]->mode, VG_MODE_ENFORCE);
	assert_int_equal(rs->rules[1]->mode, VG_MODE_ALERT);
	vg_ruleset_free(rs);
	vg_bundle_release(&b);
	free(val);
	vg_fleet_free(f);

	/* the written overrides file, beside the rules, checks and gives the
	 * same modes: the files stay the source of truth */
	{
		const char *argv[] = { "vigil", "rules", "list", "--json", "--rules", file,
				       "--rules", ovfile, NULL };

		memset(&v, 0, sizeof(v));
		assert_int_equal(WEXITSTATUS(vigil_run_to_end(&v, argv, WAIT_MS)), 0);
		assert_int_equal(v.nev, 2);
		assert_string_equal(jstr(v.ev[0], "mode"), "enforce");
		assert_string_equal(jstr(v.ev[1], "mode"), "alert");
		vigil_free(&v);
	}

	/* a rule that is not there: refused, nothing stored */
	assert_int_equal(WEXITSTATUS(FLEET_CMD(&v, true, "promote", "IT no such rule", "--mode",
					       "enforce")),
			 2);
	assert_non_null(strstr(v.err, "IT no such rule"));
	assert_int_equal(kv_revision(), rev2);
	vigil_free(&v);
}

static struct vg_heartbeat make_hb(const char *host, struct vg_hb_rule *rules, size_t n,
				   uint64_t rev, const char *error)
{
	return (struct vg_heartbeat){
		.hostname = host, .version = "0.1.0", .time_ns = (int64_t)time(NULL) * 1000000000,
		.interval_s = 10, .ruleset_hash = "00ff", .ruleset_generation = 2,
		.ruleset_revision = rev, .mode_cap = "alert", .rules = rules, .nrules = n,
		.events_lost = 3, .alerts_dropped = 0, .reload_failures = error ? 1 : 0,
		.reload_error = error,
	};
}

static json_t *find_by(struct vigil_proc *v, const char *key, const char *val)
{
	for (size_t i = 0; i < v->nev; i++) {
		const char *s = jstr(v->ev[i], key);

		if (s && !strcmp(s, val))
			return v->ev[i];
	}
	return NULL;
}

/* Two agents' alerts and heartbeats; `fleet rules` and `fleet status`
 * report exactly what they published, and what their counters say. */
static void test_rules_and_status_numbers(void **state)
{
	struct sim a, b;
	struct vigil_proc v;
	json_t *r, *top;
	/* agent a: rule W in shadow (4 would-kill by /usr/bin/cat, 2 by
	 * /usr/bin/less in container c0ffee), rule N 3 plain alerts;
	 * agent b: rule W enforced (5 killed by cat), rule D 2 would-deny */
	struct vg_hb_rule ra[] = {
		{ .rule = "IT W", .mode = "enforce", .matches = 6, .would_kill = 6 },
		{ .rule = "IT N", .mode = "alert", .matches = 3 },
		/* observe mode: counted by the agent, never an alert */
		{ .rule = "IT O", .mode = "observe", .matches = 4 },
	};
	struct vg_hb_rule rb[] = {
		{ .rule = "IT W", .mode = "enforce", .matches = 5, .killed = 5 },
		{ .rule = "IT D", .mode = "enforce", .matches = 2, .would_deny = 2 },
	};
	struct vg_heartbeat hb;
	unsigned i = 0;

	assert_int_equal(sim_open(&a, "numbers-a", 0, false), 0);
	assert_int_equal(sim_open(&b, "numbers-b", 0, false), 0);
	for (int k = 0; k < 4; k++, i++)
		sim_alert(&a, "IT W", "alert", "would-kill", "/usr/bin/cat", "host", i, NULL);
	for (int k = 0; k < 2; k++, i++)
		sim_alert(&a, "IT W", "alert", "would-kill", "/usr/bin/less", "c0ffee", i, NULL);
	for (int k = 0; k < 3; k++, i++)
		sim_alert(&a, "IT N", "alert", "none", "/usr/bin/vi", "host", i, NULL);
	for (int k = 0; k < 5; k++, i++)
		sim_alert(&b, "IT W", "enforce", "killed", "/usr/bin/cat", "host", i, NULL);
	for (int k = 0; k < 2; k++, i++)
		sim_alert(&b, "IT D", "alert", "would-deny", "/usr/bin/mount", "host", i, NULL);
	assert_int_equal(vg_fleet_pub_flush(a.pub, WAIT_MS), 0);
	assert_int_equal(vg_fleet_pub_flush(b.pub, WAIT_MS), 0);
	/* an old heartbeat of a, then its current one: status shows the latest */
	hb = make_hb("numbers-a", ra, 1, 1, NULL);
	assert_int_equal(sim_heartbeat(&a, &hb), 0);
	hb = make_hb("numbers-a", ra, 3, kv_revision(), NULL);
	assert_int_equal(sim_heartbeat(&a, &hb), 0);
	hb = make_hb("numbers-b", rb, 2, 1, "rules.yaml:3:14: unknown field 'proc.nme'");
	assert_int_equal(sim_heartbeat(&b, &hb), 0);

	assert_int_equal(WEXITSTATUS(FLEET_CMD(&v, false, "rules", "--since", "1h", "--json")),
			 0);
	r = find_by(&v, "rule", "IT W");
	assert_non_null(r);
	assert_int_equal(jint(r, "matches"), ra[0].matches + rb[0].matches);
	assert_int_equal(jint(r, "would_kill"), ra[0].would_kill + rb[0].would_kill);
	assert_int_equal(jint(r, "killed"), ra[0].killed + rb[0].killed);
	assert_int_equal(jint(r, "would_deny"), 0);
	assert_int_equal(jint(r, "hosts"), 2);
	assert_int_equal(json_array_size(jget(r, "modes")), 2);
	top = json_array_get(jget(r, "top_processes"), 0);
	assert_string_equal(jstr(top, "name"), "/usr/bin/cat");
	assert_int_equal(jint(top, "count"), 9);
	top = json_array_get(jget(r, "top_processes"), 1);
	assert_string_equal(jstr(top, "name"), "/usr/bin/less");
	assert_int_equal(jint(top, "count"), 2);
	top = json_array_get(jget(r, "top_containers"), 0);
	assert_string_equal(jstr(top, "name"), "c0ffee");
	assert_int_equal(jint(top, "count"), 2);
	assert_int_equal(json_array_size(jget(r, "top_containers")), 1);
	/* the agents' own counters say the same as their alerts */
	assert_int_equal(jint(r, "agents.reporting"), 2);
	assert_int_equal(jint(r, "agents.matches"), jint(r, "matches"));
	assert_int_equal(jint(r, "agents.would_kill"), jint(r, "would_kill"));
	assert_int_equal(jint(r, "agents.killed"), jint(r, "killed"));
	r = find_by(&v, "rule", "IT O");
	assert_non_null(r);
	assert_int_equal(jint(r, "matches"), 0);
	assert_int_equal(jint(r, "agents.matches"), 4);
	assert_int_equal(jint(r, "agents.reporting"), 1);
	r = find_by(&v, "rule", "IT N");
	assert_non_null(r);
	assert_int_equal(jint(r, "matches"), ra[1].matches);
	assert_int_equal(jint(r, "hosts"), 1);
	assert_int_equal(jint(r, "would_kill"), 0);
	r = find_by(&v, "rule", "IT D");
	assert_non_null(r);
	assert_int_equal(jint(r, "matches"), rb[1].matches);
	assert_int_equal(jint(r, "would_deny"), rb[1].would_deny);
	assert_int_equal(jint(r, "agents.would_deny"), rb[1].would_deny);
	vigil_free(&v);

	/* the text form says the same numbers */
	assert_int_equal(WEXITSTATUS(FLEET_CMD(&v, true, "rules")), 0);
	assert_non_null(v.text);
	assert_non_null(strstr(v.text, "IT W"));
	assert_non_null(strstr(v.text, "/usr/bin/cat (9)"));
	assert_non_null(strstr(v.text, "agents' counters (2 agents, since start): matches 11, "
				       "would-kill 6, would-deny 0, killed 5, denied 0"));
	vigil_free(&v);

	assert_int_equal(WEXITSTATUS(FLEET_CMD(&v, false, "status", "--json")),
			 0);
	r = find_by(&v, "hostname", "numbers-a");
	assert_non_null(r);
	assert_int_equal(jint(r, "rules"), 3); /* the latest heartbeat */
	assert_int_equal(jint(r, "ruleset.revision"), (long long)kv_revision());
	assert_true(json_is_null(jget(r, "reload.error")));
	assert_true(json_is_false(jget(r, "stale")));
	assert_int_equal(jint(r, "losses.events"), 3);
	r = find_by(&v, "hostname", "numbers-b");
	assert_non_null(r);
	assert_int_equal(jint(r, "reload.failures"), 1);
	assert_string_equal(jstr(r, "reload.error"), "rules.yaml:3:14: unknown field 'proc.nme'");
	assert_string_equal(jstr(r, "mode_cap"), "alert");
	vigil_free(&v);

	sim_close(&a);
	sim_close(&b);
}

static void test_rules_window(void **state)
{
	struct sim s;
	struct vigil_proc v;
	json_t *r;
	long long t0 = now_ms();

	assert_int_equal(sim_open(&s, "window-1", 0, false), 0);
	for (unsigned i = 0; i < 7; i++)
		sim_alert(&s, "IT window", "alert", "none", "/usr/bin/cat", "host", i, NULL);
	assert_int_equal(vg_fleet_pub_flush(s.pub, WAIT_MS), 0);
	/* the stream's own timestamps decide: wait until those 7 are older
	 * than 1 s, then add 3 */
	while (now_ms() < t0 + 1500)
		usleep(50000);
	for (unsigned i = 7; i < 10; i++)
		sim_alert(&s, "IT window", "alert", "none", "/usr/bin/cat", "host", i, NULL);
	assert_int_equal(vg_fleet_pub_flush(s.pub, WAIT_MS), 0);
	assert_int_equal(WEXITSTATUS(FLEET_CMD(&v, false, "rules", "--since", "1s", "--json")),
			 0);
	r = find_by(&v, "rule", "IT window");
	assert_non_null(r);
	assert_int_equal(jint(r, "matches"), 3);
	vigil_free(&v);
	assert_int_equal(WEXITSTATUS(FLEET_CMD(&v, false, "rules", "--since", "all", "--json")),
			 0);
	r = find_by(&v, "rule", "IT window");
	assert_non_null(r);
	assert_int_equal(jint(r, "matches"), 10);
	vigil_free(&v);
	sim_close(&s);
}

static void test_bad_options(void **state)
{
	struct vigil_proc v;
	const char *dead[] = { "vigil", "fleet", "status", "--server", "nats://127.0.0.1:1",
			       "--timeout", "1", NULL };

	assert_int_equal(WEXITSTATUS(FLEET_CMD(&v, true, "rules", "--since", "soon")),
			 2);
	assert_non_null(strstr(v.err, "--since: 'soon'"));
	vigil_free(&v);
	assert_int_equal(WEXITSTATUS(FLEET_CMD(&v, true, "status", "--mode", "enforce")),
			 2);
	vigil_free(&v);
	assert_int_equal(WEXITSTATUS(FLEET_CMD(&v, true, "promote", "X", "--mode", "kill")),
			 2);
	vigil_free(&v);
	assert_int_equal(WEXITSTATUS(FLEET_CMD(&v, true, "status", "--tls-cert", "/x")),
			 2);
	vigil_free(&v);
	/* no server: a runtime failure (1) that names what failed */
	memset(&v, 0, sizeof(v));
	v.keep_text = true;
	assert_int_equal(WEXITSTATUS(vigil_run_to_end(&v, dead, WAIT_MS)), 1);
	assert_non_null(strstr(v.err, "nats://127.0.0.1:1"));
	vigil_free(&v);
}

/* An agent following the fleet's ruleset: what it runs, what it said. */
struct follower {
	struct vg_fleet *f;
	struct vg_rules_follow *w;
	struct vg_ruleset *running;
	uint64_t running_rev, failures;
	char error[512];
};

/* Take updates until revision `rev` has been seen (applied or refused). */
static void follow_until(struct follower *a, uint64_t rev)
{
	long long deadline = now_ms() + WAIT_MS;

	while (now_ms() < deadline) {
		struct vg_rules_update u;
		int r = vg_rules_follow_next(a->w, 200, &u);

		assert_true(r >= 0 || r == -EINVAL);
		if (r == 1) {
			/* all or nothing, as SIGHUP: the old rules go only now */
			vg_ruleset_free(a->running);
			a->running = u.rs;
			a->running_rev = u.revision;
			a->error[0] = '\0';
		} else if (r == -EINVAL) {
			a->failures++;
			snprintf(a->error, sizeof(a->error), "%s", u.error);
		}
		if (r != 0 && u.revision >= rev)
			return;
	}
	fail_msg("revision %llu never came", (unsigned long long)rev);
}

/* Two agents take a pushed ruleset; a broken value in the bucket (written
 * past `fleet push`'s check, as another tool or version could) leaves
 * both on the rules they ran, saying why; the next good push is taken. */
static void test_agents_follow_rules(void **state)
{
	struct follower ag[2];
	struct vigil_proc v;
	char dir[128], file[160];
	struct vg_bundle bad = { 0 };
	struct strbuf val = STRBUF_INIT;
	uint64_t rev_good, rev_bad, rev_next;
	struct vg_fleet *f;

	for (int i = 0; i < 2; i++) {
		memset(&ag[i], 0, sizeof(ag[i]));
		ag[i].f = connect_fleet(false);
		assert_non_null(ag[i].f);
		ag[i].w = vg_rules_follow_new(ag[i].f);
		assert_non_null(ag[i].w);
	}
	snprintf(dir, sizeof(dir), "%s/follow", tmpdir);
	mkdir(dir, 0755);
	snprintf(file, sizeof(file), "%s/rules.yaml", dir);
	write_file(file, good_rules);
	assert_int_equal(WEXITSTATUS(FLEET_CMD(&v, false, "push", file, "--json")), 0);
	rev_good = (uint64_t)jint(v.ev[0], "revision");
	vigil_free(&v);
	for (int i = 0; i < 2; i++) {
		follow_until(&ag[i], rev_good);
		assert_non_null(ag[i].running);
		assert_int_equal(ag[i].running_rev, rev_good);
		assert_int_equal(ag[i].running->nrules, 2);
	}

	/* a ruleset that does not compile, stored directly */
	bad.files = calloc(1, sizeof(*bad.files));
	bad.files[0].name = strdup("rules/broken.yaml");
	bad.files[0].text = strdup("- rule: IT broken\n  desc: d\n  condition: proc.nme = x\n"
				   "  output: o\n  priority: WARNING\n");
	bad.files[0].len = strlen(bad.files[0].text);
	bad.nfiles = 1;
	vg_bundle_encode(&bad, &val);
	f = connect_fleet(false);
	assert_int_equal(vg_fleet_rules_put(f, val.buf, val.len, 0, &rev_bad), 0);
	for (int i = 0; i < 2; i++) {
		follow_until(&ag[i], rev_bad);
		assert_int_equal(ag[i].running_rev, rev_good); /* still the good one */
		assert_int_equal(ag[i].running->nrules, 2);
		assert_int_equal(ag[i].failures, 1);
		assert_string_equal(ag[i].error, "rules/broken.yaml:3:14: unknown field 'proc.nme'");
	}
	/* and a value that is not a ruleset at all */
	assert_int_equal(vg_fleet_rules_put(f, "{}", 2, 0, &rev_bad), 0);
	for (int i = 0; i < 2; i++) {
		follow_until(&ag[i], rev_bad);
		assert_int_equal(ag[i].running_rev, rev_good);
		assert_int_equal(ag[i].failures, 2);
		assert_non_null(strstr(ag[i].error, "not a ruleset"));
	}
	vg_fleet_free(f);
	vg_bundle_release(&bad);
	strbuf_release(&val);

	/* the next good push is taken by both */
	assert_int_equal(WEXITSTATUS(FLEET_CMD(&v, false, "push", file, "--json")), 0);
	rev_next = (uint64_t)jint(v.ev[0], "revision");
	vigil_free(&v);
	for (int i = 0; i < 2; i++) {
		follow_until(&ag[i], rev_next);
		assert_int_equal(ag[i].running_rev, rev_next);
		assert_int_equal(ag[i].error[0], '\0');
		vg_ruleset_free(ag[i].running);
		vg_rules_follow_free(ag[i].w);
		vg_fleet_free(ag[i].f);
	}
}

/* A CA, a server certificate for 127.0.0.1 and a client certificate,
 * made with the openssl command in dir. 0 or -1. */
static int make_certs(const char *dir)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && exec >openssl.log 2>&1 && "
		 "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 "
		 "-subj /CN=vigil-test-ca && "
		 "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr "
		 "-subj /CN=127.0.0.1 && "
		 "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' >san.ext && "
		 "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
		 "-out server.pem -days 2 -extfile san.ext && "
		 "openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr "
		 "-subj /CN=vigil-agent && "
		 "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
		 "-out client.pem -days 2",
		 dir);
	return system(cmd) ? -1 : 0;
}

/* A second server that speaks only TLS and wants a client certificate:
 * the TLS options reach libnats, for the commands and for an agent. */
static void test_tls(void **state)
{
	char dir[128], ca[160], cert[160], key[160], scert[160], skey[160], turl[64];
	struct natsd t;
	struct vigil_proc v;
	struct vg_fleet_opts o = { .nservers = 1, .timeout_ms = 5000 };
	struct vg_fleet *f;
	struct vg_spool *sp;
	struct vg_fleet_pub *pub;
	struct readback rb = { .all = STRBUF_INIT };
	char err[256], sdir[160];

	snprintf(dir, sizeof(dir), "%s/tls", tmpdir);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(make_certs(dir), 0);
	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	snprintf(cert, sizeof(cert), "%s/client.pem", dir);
	snprintf(key, sizeof(key), "%s/client.key", dir);
	snprintf(scert, sizeof(scert), "%s/server.pem", dir);
	snprintf(skey, sizeof(skey), "%s/server.key", dir);
	assert_int_equal(natsd_init(&t, dir), 0);
	t.extra[0] = "--tlsverify";
	t.extra[1] = "--tlscert";
	t.extra[2] = scert;
	t.extra[3] = "--tlskey";
	t.extra[4] = skey;
	t.extra[5] = "--tlscacert";
	t.extra[6] = ca;
	assert_int_equal(natsd_start(&t, WAIT_MS), 0);
	snprintf(turl, sizeof(turl), "tls://127.0.0.1:%u", t.port);

	{
		const char *argv[] = { "vigil", "fleet", "status", "--json", "--server", turl,
				       "--tls-ca", ca, "--tls-cert", cert, "--tls-key", key, NULL };

		memset(&v, 0, sizeof(v));
		assert_int_equal(WEXITSTATUS(vigil_run_to_end(&v, argv, WAIT_MS)), 0);
		vigil_free(&v);
	}
	{
		/* no client certificate: the server refuses, a runtime failure */
		const char *argv[] = { "vigil", "fleet", "status", "--server", turl, "--tls-ca", ca,
				       "--timeout", "2", NULL };

		memset(&v, 0, sizeof(v));
		v.keep_text = true;
		assert_int_equal(WEXITSTATUS(vigil_run_to_end(&v, argv, WAIT_MS)), 1);
		assert_non_null(strstr(v.err, turl));
		vigil_free(&v);
	}
	{
		/* a file that is not there: a usage error naming it */
		const char *argv[] = { "vigil", "fleet", "status", "--server", turl, "--tls-ca",
				       "/nonexistent/ca.pem", NULL };

		memset(&v, 0, sizeof(v));
		v.keep_text = true;
		assert_int_equal(WEXITSTATUS(vigil_run_to_end(&v, argv, WAIT_MS)), 2);
		assert_non_null(strstr(v.err, "--tls-ca /nonexistent/ca.pem"));
		vigil_free(&v);
	}

	/* an agent over TLS */
	o.servers[0] = turl;
	o.tls_ca = ca;
	o.tls_cert = cert;
	o.tls_key = key;
	f = vg_fleet_connect(&o, err, sizeof(err));
	assert_non_null(f);
	assert_int_equal(vg_fleet_setup(f, NULL), 0);
	snprintf(sdir, sizeof(sdir), "%s/spool", dir);
	sp = vg_spool_open(sdir, 1 << 20);
	assert_non_null(sp);
	pub = vg_fleet_pub_new(f, sp, NULL);
	assert_non_null(pub);
	for (unsigned i = 0; i < 20; i++) {
		struct strbuf a = STRBUF_INIT;

		alert_json(&a, "tls-1", "IT tls", "alert", "none", "/usr/bin/cat", "host", i);
		assert_int_equal(vg_fleet_pub_enqueue(pub, "vigil.alerts.tls-1.warning", a.buf, a.len),
				 0);
		strbuf_release(&a);
	}
	assert_int_equal(vg_fleet_pub_flush(pub, WAIT_MS), 0);
	assert_int_equal(read_host(f, "tls-1", &rb), 20);
	strbuf_release(&rb.all);
	vg_fleet_pub_free(pub);
	vg_spool_free(sp);
	vg_fleet_free(f);
	natsd_kill(&t);
}

/* --- the agent's pieces: the nats sink and the fleet link, on their threads ---------------- */

/* (has_spool stays false until the worker has opened the sink) */
static void sink_stats(struct vg_outputs *o, struct vg_sink_stats *st)
{
	vg_outputs_stats(o, 0, st);
}

/* nats_output as vigil run drives it: lines queued from this thread, the
 * sink's worker spools, sends and, between lines, collects acks. */
static void test_nats_sink(void **state)
{
	struct vg_sink_conf sc = { .kind = VG_SINK_NATS, .target = url, .spool_max = 1 << 20,
				   .hostname = "sink-1", .subject_prefix = "vigil.alerts",
				   .stream = VG_FLEET_ALERTS_STREAM };
	struct vg_outputs_conf oc = { .sinks = &sc, .nsinks = 1 };
	struct vg_fleet *f = connect_fleet(false);
	struct strbuf sent = STRBUF_INIT;
	struct readback rb = { STRBUF_INIT, 0 };
	struct vg_sink_stats st;
	struct vg_outputs *o;
	char dir[128];
	long long end;

	assert_non_null(f);
	snprintf(dir, sizeof(dir), "%s/sink-spool", tmpdir);
	sc.spool_dir = dir;
	o = vg_outputs_new(&oc);
	assert_non_null(o);
	for (unsigned i = 0; i < 200; i++) {
		struct strbuf a = STRBUF_INIT;

		alert_json(&a, "sink-1", "IT sink", "alert", "none", "/usr/bin/cat", "host", i);
		vg_outputs_emit(o, VG_PRIO_WARNING, a.buf, a.len);
		strbuf_add(&sent, a.buf, a.len);
		strbuf_addch(&sent, '\n');
		strbuf_release(&a);
	}
	/* acknowledged without another line to push them along */
	end = now_ms() + WAIT_MS;
	do {
		sink_stats(o, &st);
		if (st.acked == 200 && !st.spool_pending)
			break;
		usleep(20000);
	} while (now_ms() < end);
	assert_true(st.has_spool);
	assert_int_equal(st.spooled, 200);
	assert_int_equal(st.acked, 200);
	assert_int_equal(st.spool_pending, 0);
	assert_int_equal(st.spool_dropped, 0);
	assert_int_equal(read_host(f, "sink-1", &rb), 200);
	assert_string_equal(rb.all.buf, sent.buf);
	vg_outputs_free(o);

	/* a new sink (a restart, a SIGHUP) takes the same spool over once the
	 * old one has closed it, and goes on from there */
	strbuf_release(&rb.all);
	rb = (struct readback){ STRBUF_INIT, 0 };
	o = vg_outputs_new(&oc);
	assert_non_null(o);
	vg_outputs_emit(o, VG_PRIO_CRITICAL, "{\"rule\":\"IT sink last\"}", 23);
	end = now_ms() + WAIT_MS;
	do {
		sink_stats(o, &st);
		if (st.acked == 1)
			break;
		usleep(20000);
	} while (now_ms() < end);
	assert_int_equal(st.acked, 1);
	assert_int_equal(read_host(f, "sink-1", &rb), 201);
	assert_non_null(strstr(rb.all.buf, "IT sink last"));
	vg_outputs_free(o);
	strbuf_release(&rb.all);
	strbuf_release(&sent);
	vg_fleet_free(f);
}

/* The fleet link: a heartbeat posted is stored; rules revisions are
 * compiled on its thread and handed over, a broken one with its error. */
static void test_fleet_link(void **state)
{
	struct vg_fleet_link_conf lc = { .rules = true, .conn = { .nservers = 1 } };
	struct vg_fleet_link *l;
	struct vg_fleet_link_stats ls;
	struct vg_rules_update u;
	struct vigil_proc v;
	struct vg_ruleset *rs;
	struct vg_diag diag = { .out = NULL };
	char dir[128], file[160];
	uint64_t rev;
	long long end;
	const char *hb = "{\"hostname\":\"link-1\",\"version\":\"0.1.0\"}";

	lc.conn.servers[0] = url;
	l = vg_fleet_link_new(&lc);
	assert_non_null(l);
	assert_int_equal(vg_fleet_link_heartbeat(l, "vigil.state.link-1", hb, strlen(hb)), 0);
	end = now_ms() + WAIT_MS;
	do {
		vg_fleet_link_stats(l, &ls);
		if (ls.heartbeats)
			break;
		usleep(20000);
	} while (now_ms() < end);
	assert_int_equal(ls.heartbeats, 1);

	/* the bucket's current revision first (earlier tests pushed) */
	snprintf(dir, sizeof(dir), "%s/link", tmpdir);
	mkdir(dir, 0755);
	snprintf(file, sizeof(file), "%s/rules.yaml", dir);
	write_file(file, good_rules);
	assert_int_equal(WEXITSTATUS(FLEET_CMD(&v, false, "push", file, "--json")), 0);
	rev = (uint64_t)jint(v.ev[0], "revision");
	vigil_free(&v);
	end = now_ms() + WAIT_MS;
	for (;;) {
		int r = vg_fleet_link_take(l, &u);

		if (r == 1 && u.revision == rev)
			break;
		if (r == 1)
			vg_ruleset_free(u.rs);
		assert_true(now_ms() < end);
		usleep(20000);
	}
	assert_non_null(u.rs);
	assert_int_equal(u.rs->nrules, 2);
	vg_ruleset_free(u.rs);
	/* what a SIGHUP compiles again */
	rs = vg_fleet_link_load_current(l, &diag);
	assert_non_null(rs);
	assert_int_equal(rs->nrules, 2);
	vg_ruleset_free(rs);

	/* the server restarts: the link watches again, hands over the next
	 * push, and not the current revision a second time */
	server_kill();
	assert_int_equal(server_start(), 0);
	assert_int_equal(WEXITSTATUS(FLEET_CMD(&v, false, "push", file, "--json")), 0);
	rev = (uint64_t)jint(v.ev[0], "revision");
	vigil_free(&v);
	end = now_ms() + WAIT_MS;
	for (;;) {
		int r = vg_fleet_link_take(l, &u);

		if (r == 1)
			break;
		assert_true(now_ms() < end);
		usleep(20000);
	}
	assert_int_equal(u.revision, rev);
	assert_non_null(u.rs);
	vg_ruleset_free(u.rs);
	vg_fleet_link_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alerts_arrive_unchanged),
		cmocka_unit_test(test_replay_deduplicated),
		cmocka_unit_test(test_server_killed_mid_run),
		cmocka_unit_test(test_spool_overflow_counted),
		cmocka_unit_test(test_push_refuses_what_check_refuses),
		cmocka_unit_test(test_push_and_promote),
		cmocka_unit_test(test_rules_and_status_numbers),
		cmocka_unit_test(test_rules_window),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_agents_follow_rules),
		cmocka_unit_test(test_tls),
		cmocka_unit_test(test_nats_sink),
		cmocka_unit_test(test_fleet_link),
	};

	return cmocka_run_group_tests_name("fleet", tests, group_setup, group_teardown);
}
