// SPDX-License-Identifier: Apache-2.0
/*
 * The fleet end to end with real agents: a real nats-server (JetStream on,
 * storage in a temp dir, 127.0.0.1 on a free port) and two `vigil run`
 * agents with real BPF, distinct hostnames (vigil.hostname), nats_output
 * and the fleet link on, started once for the suite. The test makes the
 * syscalls itself (opens of files in its temp dir, an executable of its
 * own for the kill rule) and reads back what the stream, the heartbeats
 * and `vigil fleet` say. The tests run in order and build on each other:
 * the ruleset pushed by one is the one the next promotes.
 *
 * Agent A has the default spool bound; agent B a 64 KiB one, which the
 * server's downtime overflows on purpose.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "../fleetsim.h"
#include "fleet/bundle.h"
#include "fleet/fleet.h"

#define WAIT_MS 30000
/* `vigil fleet ARGS...` against the suite's nats-server (harness.h) */
#define FLEET_CMD(v, text, ...) \
	vigil_fleet_cmd(v, url, text, (const char *[]){ __VA_ARGS__, NULL }, WAIT_MS)
#define HOST_A "fleetagent-a"
#define HOST_B "fleetagent-b"

static char tmpdir[64], url[64], victim[128];
static struct natsd srv;
static struct vigil_proc ag[2];
static const char *const host[2] = { HOST_A, HOST_B };
static uint64_t rev_pushed;

/* --- helpers ------------------------------------------------------------------------------ */

static void pump_all(int ms)
{
	vigil_pump(&ag[0], ms / 2);
	vigil_pump(&ag[1], ms / 2);
}

static void touch_open(const char *fmt, unsigned i)
{
	char path[192];
	int fd;

	snprintf(path, sizeof(path), fmt, tmpdir, i);
	fd = open(path, O_RDONLY | O_CREAT, 0644);
	if (fd >= 0)
		close(fd);
}

/* What the stream holds for a host, rule alerts by rule name. */
struct rb {
	const char *rule; /* count only these (NULL: all) */
	uint64_t n;
	json_t *msgs; /* array of the parsed payloads */
	char subject[128];
	bool raw_ok; /* every payload one line, no trailing newline */
};

static int rb_add(const struct vg_fleet_msg *m, void *ctx)
{
	struct rb *r = ctx;
	json_t *j = json_loadb(m->data, m->len, 0, NULL);

	if (!j || memchr(m->data, '\n', m->len))
		r->raw_ok = false;
	if (j && (!r->rule || (jstr(j, "rule") && !strcmp(jstr(j, "rule"), r->rule)))) {
		json_array_append(r->msgs, j);
		snprintf(r->subject, sizeof(r->subject), "%s", m->subject);
		r->n++;
	}
	json_decref(j);
	return 0;
}

static int64_t read_stream(const char *h, const char *rule, struct rb *r)
{
	struct vg_fleet_opts o = { .nservers = 1, .timeout_ms = 5000 };
	struct strbuf filter = STRBUF_INIT;
	struct vg_fleet *f;
	char err[256];
	int64_t n;

	memset(r, 0, sizeof(*r));
	r->rule = rule;
	r->raw_ok = true;
	r->msgs = json_array();
	o.servers[0] = url;
	f = vg_fleet_connect(&o, err, sizeof(err));
	if (!f)
		return -1;
	strbuf_addf(&filter, "vigil.alerts.%s.>", h);
	n = vg_fleet_read(f, VG_FLEET_ALERTS_STREAM, filter.buf, 0, rb_add, r);
	strbuf_release(&filter);
	vg_fleet_free(f);
	return n;
}

/* Wait until the stream holds `want` alerts of rule for host h. */
static uint64_t wait_stream(const char *h, const char *rule, uint64_t want, struct rb *r)
{
	long long end = now_ms() + WAIT_MS;

	for (;;) {
		read_stream(h, rule, r);
		if (r->n >= want || now_ms() > end)
			return r->n;
		json_decref(r->msgs);
		pump_all(200);
	}
}

static json_t *find_by(struct vigil_proc *v, const char *key, const char *val)
{
	for (size_t i = 0; i < v->nev; i++)
		if (jstr(v->ev[i], key) && !strcmp(jstr(v->ev[i], key), val))
			return v->ev[i];
	return NULL;
}

/* Both agents' latest heartbeats report revision rev (and, with `error`,
 * a reload error; without, none). */
static bool agents_at(uint64_t rev, bool error)
{
	long long end = now_ms() + WAIT_MS;

	while (now_ms() < end) {
		struct vigil_proc v;
		int ok = 0;

		FLEET_CMD(&v, false, "status", "--json");
		for (int i = 0; i < 2; i++) {
			json_t *h = find_by(&v, "hostname", host[i]);

			if (h && jint(h, "ruleset.revision") == (long long)rev &&
			    json_is_null(jget(h, "reload.error")) != error)
				ok++;
		}
		vigil_free(&v);
		if (ok == 2)
			return true;
		pump_all(300);
	}
	return false;
}

/* The agents' own counters for a rule agree with the stream: poll `fleet
 * rules` until the stream and the heartbeats both say `want` matches. */
static json_t *rules_when(const char *rule, long long want, struct vigil_proc *v)
{
	long long end = now_ms() + WAIT_MS;

	for (;;) {
		json_t *r;

		FLEET_CMD(v, false, "rules", "--since", "all", "--json");
		r = find_by(v, "rule", rule);
		if ((r && jint(r, "matches") == want && jint(r, "agents.matches") == want) ||
		    now_ms() > end)
			return r;
		vigil_free(v);
		pump_all(300);
	}
}

struct want_rule {
	const char *rule, *action;
	const char *fd; /* substring of fd.name, or NULL */
};

static bool rule_pred(json_t *ev, void *ctx)
{
	struct want_rule *w = ctx;
	const char *r = jstr(ev, "rule"), *a = jstr(ev, "action"), *fd = alert_str(ev, "fd.name");

	return r && !strcmp(r, w->rule) && (!w->action || (a && !strcmp(a, w->action))) &&
	       (!w->fd || (fd && strstr(fd, w->fd)));
}

/* --- the suite ---------------------------------------------------------------------------- */

static int start_agent(int i, const char *spool_max)
{
	char rules[128], o_srv[128], o_spool[128], o_max[64], o_host[64];

	snprintf(rules, sizeof(rules), "%s/local.yaml", tmpdir);
	snprintf(o_srv, sizeof(o_srv), "nats_output.servers=[%s]", url);
	snprintf(o_spool, sizeof(o_spool), "nats_output.spool_dir=%s/spool-%d", tmpdir, i);
	snprintf(o_max, sizeof(o_max), "nats_output.spool_max_size=%s", spool_max);
	snprintf(o_host, sizeof(o_host), "vigil.hostname=%s", host[i]);
	memset(&ag[i], 0, sizeof(ag[i]));
	return group_agent_start(&ag[i], (const char *[]){
		"vigil", "run", "--rules", rules, "-o", "nats_output.enabled=true", "-o", o_srv,
		"-o", o_spool, "-o", o_max, "-o", "fleet.enabled=true", "-o",
		"fleet.heartbeat_interval=1s", "-o", "fleet.rules=true", "-o", o_host,
		NULL });
}

static int group_setup(void **state)
{
	char path[128];
	FILE *f;

	strcpy(tmpdir, "/tmp/vigil-fleetagent-XXXXXX");
	if (!mkdtemp(tmpdir) || natsd_init(&srv, tmpdir) || natsd_start(&srv, WAIT_MS))
		return -1;
	snprintf(url, sizeof(url), "%s", srv.url);
	snprintf(path, sizeof(path), "%s/local.yaml", tmpdir);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f,
		"- rule: FA local open\n"
		"  desc: the suite's opens\n"
		"  condition: evt.type in (open, openat) and fd.name startswith %s/t-\n"
		"  output: \"opened %%fd.name by %%proc.name\"\n"
		"  priority: WARNING\n"
		"  tags: [T1005]\n",
		tmpdir);
	fclose(f);
	snprintf(victim, sizeof(victim), "%s/fa-victim", tmpdir);
	if (copy_file("/bin/cat", victim))
		return -1;
	if (start_agent(0, "256M") || start_agent(1, "64K"))
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	for (int i = 0; i < 2; i++) {
		if (ag[i].err && getenv("VIGIL_IT_DEBUG"))
			fprintf(stderr, "# agent %s stderr:\n%s\n", host[i], ag[i].err);
		vigil_stop(&ag[i], 20000);
		vigil_free(&ag[i]);
	}
	natsd_kill(&srv);
	if (!getenv("VIGIL_IT_DEBUG")) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd))
			return -1;
	}
	return 0;
}

/* Alerts reach the stream on vigil.alerts.<host>.<priority>, each the
 * JSON the agent printed on stdout, unchanged. */
static void test_alerts_on_stream(void **state)
{
	struct want_rule w = { "FA local open", NULL, "/t-1-" };
	struct rb r;

	for (unsigned i = 0; i < 20; i++)
		touch_open("%s/t-1-%u", i);
	for (int a = 0; a < 2; a++) {
		long long end = now_ms() + WAIT_MS;

		while (vigil_count(&ag[a], rule_pred, &w) < 20 && now_ms() < end)
			pump_all(100);
		assert_int_equal(vigil_count(&ag[a], rule_pred, &w), 20);
	}
	assert_int_equal(wait_stream(HOST_A, "FA local open", 20, &r), 20);
	assert_true(r.raw_ok);
	assert_string_equal(r.subject, "vigil.alerts." HOST_A ".warning");
	/* each printed alert is on the stream as it was printed, in order */
	for (size_t i = 0, k = 0; i < ag[0].nev && k < 20; i++) {
		if (!rule_pred(ag[0].ev[i], &w))
			continue;
		assert_true(json_equal(ag[0].ev[i], json_array_get(r.msgs, k)));
		k++;
	}
	json_decref(r.msgs);
}

static long trigger_index(json_t *a)
{
	const char *fd = alert_str(a, "fd.name"), *p = fd ? strstr(fd, "/t-2-") : NULL;

	return p ? strtol(p + 5, NULL, 10) : -1;
}

/* nats-server killed (SIGKILL) while alerts flow and restarted later: the
 * stream ends with every alert of agent A exactly once, in order; agent
 * B's 64 KiB spool overflows meanwhile, counted and alerted. */
static void test_server_killed_and_spool_overflow(void **state)
{
	enum { N = 600, KILL_AT = 100, RESTART_AT = 500 };
	struct want_rule w = { "FA local open", NULL, "/t-2-" };
	struct want_rule dropped = { "vigil: fleet spool dropped alerts", NULL, NULL };
	static bool seen[N];
	json_t *al;
	struct rb r;
	long long total_dropped;

	for (unsigned i = 0; i < N; i++) {
		if (i == KILL_AT)
			natsd_kill(&srv);
		if (i == RESTART_AT) {
			/* B's spool has overflowed by now: said before the server is back */
			assert_non_null(vigil_wait(&ag[1], rule_pred, &dropped, WAIT_MS));
			assert_int_equal(natsd_start(&srv, WAIT_MS), 0);
		}
		touch_open("%s/t-2-%u", i);
		if (i % 50 == 0)
			pump_all(20);
	}
	/* A: all N, each once, in the order they happened */
	assert_int_equal(wait_stream(HOST_A, "FA local open", 20 + N, &r), 20 + N);
	{
		long last = -1;

		for (size_t k = 0; k < json_array_size(r.msgs); k++) {
			long i = trigger_index(json_array_get(r.msgs, k));

			if (i < 0)
				continue;
			assert_true(i < N);
			assert_false(seen[i]);
			assert_true(i > last);
			seen[i] = true;
			last = i;
		}
		for (unsigned i = 0; i < N; i++)
			assert_true(seen[i]);
	}
	json_decref(r.msgs);
	/* after a while, still no more (no late duplicate) */
	pump_all(1000);
	read_stream(HOST_A, "FA local open", &r);
	assert_int_equal(r.n, 20 + N);
	json_decref(r.msgs);
	/* A never dropped */
	assert_int_equal(vigil_count(&ag[0], rule_pred, &dropped), 0);

	/* B: what its stream holds plus what it said it dropped covers all */
	{
		long long end = now_ms() + WAIT_MS;
		size_t nb = 0;

		while (vigil_count(&ag[1], rule_pred, &w) < N && now_ms() < end)
			pump_all(100);
		total_dropped = 0;
		for (size_t i = 0; i < ag[1].nev; i++)
			if (rule_pred(ag[1].ev[i], &dropped)) {
				al = ag[1].ev[i];
				assert_true(alert_int(al, "vigil.dropped") > 0);
				total_dropped = alert_int(al, "vigil.dropped_total");
				nb++;
			}
		assert_true(nb > 0);
		assert_true(total_dropped > 0);
		/* drained: B's spool is flushed once its stream and the drops it
		 * reported cover every alert, which its reconnect backoff may
		 * delay past a quiet second or two; WAIT_MS bounds the wait */
		end = now_ms() + WAIT_MS;
		for (;;) {
			read_stream(HOST_B, "FA local open", &r);
			if ((long long)r.n + total_dropped >= 20 + N || now_ms() > end)
				break;
			json_decref(r.msgs);
			pump_all(500);
		}
		memset(seen, 0, sizeof(seen));
		for (size_t k = 0; k < json_array_size(r.msgs); k++) {
			long i = trigger_index(json_array_get(r.msgs, k));

			if (i < 0)
				continue;
			assert_false(seen[i]); /* no duplicate */
			seen[i] = true;
		}
		/* the 20 of the first test, the survivors of N, and the dropped */
		assert_true(r.n < 20 + N);
		assert_true((long long)r.n + total_dropped >= 20 + N);
		json_decref(r.msgs);
	}
}

static const char *pushed_rules(char *path, size_t size, const char *kill_mode)
{
	FILE *f;

	snprintf(path, size, "%s/pushed.yaml", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f,
		"- rule: FA pushed open\n"
		"  desc: opens of p- files\n"
		"  condition: evt.type in (open, openat) and fd.name startswith %s/p-\n"
		"  output: \"pushed rule: %%fd.name by %%proc.name\"\n"
		"  priority: NOTICE\n"
		"  tags: [T1005]\n"
		"- rule: FA kill victim\n"
		"  desc: the suite's own victim opens a k- file\n"
		"  condition: evt.type in (open, openat) and fd.name = %s/k-1 and proc.name = "
		"fa-victim\n"
		"  output: \"%%proc.name opened %%fd.name\"\n"
		"  priority: CRITICAL\n"
		"  tags: [T1005]\n"
		"  mode: %s\n"
		"  action: kill\n",
		tmpdir, tmpdir, kill_mode);
	assert_int_equal(fclose(f), 0);
	return path;
}

/* A pushed ruleset reaches both agents; a broken one leaves both on it. */
static void test_push_and_broken_push(void **state)
{
	struct want_rule w = { "FA pushed open", NULL, "/p-1" };
	struct vg_bundle bad = { 0 };
	struct strbuf val = STRBUF_INIT;
	struct vg_fleet_opts o = { .nservers = 1, .timeout_ms = 5000 };
	struct vigil_proc v;
	struct vg_fleet *f;
	char path[160], err[256];
	uint64_t rev_bad;

	assert_int_equal(WEXITSTATUS(FLEET_CMD(&v, false, "push",
					       pushed_rules(path, sizeof(path), "alert"), "--json")),
			 0);
	rev_pushed = (uint64_t)jint(v.ev[0], "revision");
	vigil_free(&v);
	assert_true(agents_at(rev_pushed, false));
	touch_open("%s/p-1%u", 0);
	for (int a = 0; a < 2; a++)
		assert_non_null(vigil_wait(&ag[a], rule_pred, &w, WAIT_MS));

	/* stored past push's check: does not compile */
	bad.files = calloc(1, sizeof(*bad.files));
	bad.files[0].name = strdup("rules/broken.yaml");
	bad.files[0].text = strdup("- rule: FA broken\n  desc: d\n  condition: proc.nme = x\n"
				   "  output: o\n  priority: WARNING\n");
	bad.files[0].len = strlen(bad.files[0].text);
	bad.nfiles = 1;
	vg_bundle_encode(&bad, &val);
	o.servers[0] = url;
	f = vg_fleet_connect(&o, err, sizeof(err));
	assert_non_null(f);
	assert_int_equal(vg_fleet_rules_put(f, val.buf, val.len, 0, &rev_bad), 0);
	vg_fleet_free(f);
	vg_bundle_release(&bad);
	strbuf_release(&val);
	/* both report the error and still run the pushed revision */
	assert_true(agents_at(rev_pushed, true));
	FLEET_CMD(&v, false, "status", "--json");
	for (int a = 0; a < 2; a++) {
		json_t *h = find_by(&v, "hostname", host[a]);

		assert_non_null(h);
		assert_string_equal(jstr(h, "reload.error"),
				    "rules/broken.yaml:3:14: unknown field 'proc.nme'");
		assert_true(jint(h, "reload.failures") >= 1);
	}
	vigil_free(&v);
	w.fd = "/p-2";
	touch_open("%s/p-2%u", 0);
	for (int a = 0; a < 2; a++)
		assert_non_null(vigil_wait(&ag[a], rule_pred, &w, WAIT_MS));
}

/* `vigil fleet rules` says what the agents' own counters say. */
static void test_fleet_rules_numbers(void **state)
{
	struct vigil_proc v;
	json_t *r;

	/* two opens, each seen by both agents */
	r = rules_when("FA pushed open", 4, &v);
	assert_non_null(r);
	assert_int_equal(jint(r, "matches"), 4);
	assert_int_equal(jint(r, "agents.matches"), 4);
	assert_int_equal(jint(r, "agents.reporting"), 2);
	assert_int_equal(jint(r, "hosts"), 2);
	vigil_free(&v);
}

/* Promote the kill rule from alert to enforce: both agents take it, and
 * the suite's own victim is killed at its open. */
static void test_promote_reaches_agents(void **state)
{
	struct want_rule w = { "FA kill victim", "none", NULL };
	struct vigil_proc v;
	char kpath[160];
	uint64_t rev;
	pid_t pid;
	int status;

	char path[160];

	/* the bucket's latest revision is the broken one: push the rules
	 * again, as an operator would, before promoting */
	assert_int_equal(WEXITSTATUS(FLEET_CMD(&v, false, "push",
					       pushed_rules(path, sizeof(path), "alert"), "--json")),
			 0);
	rev_pushed = (uint64_t)jint(v.ev[0], "revision");
	vigil_free(&v);
	assert_true(agents_at(rev_pushed, false));
	snprintf(kpath, sizeof(kpath), "%s/k-1", tmpdir);
	touch_open("%s/k-%u", 1);
	/* in alert mode: the victim lives, both agents alert */
	pid = fork();
	if (pid == 0) {
		execl(victim, "fa-victim", kpath, (char *)NULL);
		_exit(127);
	}
	assert_true(waitpid(pid, &status, 0) == pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	for (int a = 0; a < 2; a++)
		assert_non_null(vigil_wait(&ag[a], rule_pred, &w, WAIT_MS));

	assert_int_equal(WEXITSTATUS(FLEET_CMD(&v, false, "promote", "FA kill victim", "--mode",
					       "enforce", "--json")),
			 0);
	rev = (uint64_t)jint(v.ev[0], "revision");
	vigil_free(&v);
	assert_true(rev > rev_pushed);
	assert_true(agents_at(rev, false));
	pid = fork();
	if (pid == 0) {
		execl(victim, "fa-victim", kpath, (char *)NULL);
		_exit(127);
	}
	assert_true(waitpid(pid, &status, 0) == pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	w.action = "killed";
	for (int a = 0; a < 2; a++)
		assert_non_null(vigil_wait(&ag[a], rule_pred, &w, WAIT_MS));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alerts_on_stream),
		cmocka_unit_test(test_server_killed_and_spool_overflow),
		cmocka_unit_test(test_push_and_broken_push),
		cmocka_unit_test(test_fleet_rules_numbers),
		cmocka_unit_test(test_promote_reaches_agents),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
