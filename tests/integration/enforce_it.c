// SPDX-License-Identifier: Apache-2.0
/*
 * In-kernel enforcement (bpf/lib/enforce.bpf.h) on real syscalls. Every
 * rule here is scoped to processes this test starts: a copy of the shell
 * under a unique name (its comm), opening a file in the test's own
 * directory. Nothing else on the machine can match, so nothing else is ever
 * killed.
 *
 * The victim is `vgk-XXXX -c 'read l < MARKED; echo after > AFTER'`: the
 * shell itself opens the marked file (a redirection), then would write the
 * "after" file. Killed at the open, the write must never happen.
 */
#include <errno.h>
#include <fcntl.h>
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

#define WAIT_MS 10000

static char tmpdir[64], victim[128], marked[128], after[128], rules[128], comm[16];

struct victim_result {
	pid_t pid;
	int status;
	bool wrote_after;
};

/* Run the victim to its end. */
static struct vigil_proc *running;

static struct victim_result run_victim(void)
{
	struct victim_result r = { 0 };
	char script[512];

	unlink(after);
	snprintf(script, sizeof(script), "read l < %s; echo after > %s", marked, after);
	r.pid = fork();
	if (r.pid == 0) {
		execl(victim, comm, "-c", script, (char *)NULL);
		_exit(127);
	}
	waitpid(r.pid, &r.status, 0);
	r.wrote_after = access(after, F_OK) == 0;
	return r;
}

static bool killed_by_sigkill(int st)
{
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
}

struct want {
	const char *rule;
	long long pid;
};

static bool match_alert(json_t *ev, void *ctx)
{
	struct want *w = ctx;

	return jstr(ev, "rule") && !strcmp(jstr(ev, "rule"), w->rule) &&
	       (!w->pid || json_integer_value(json_object_get(json_object_get(ev, "output_fields"),
							      "proc.pid")) == w->pid);
}

static json_t *wait_alert(struct vigil_proc *v, const char *rule, pid_t pid)
{
	struct want w = { .rule = rule, .pid = pid };

	return vigil_wait(v, match_alert, &w, WAIT_MS);
}

/* Start vigil with the test rules and extra arguments. */
static void start(struct vigil_proc *v, const char *const *extra)
{
	const char *argv[24] = { "vigil", "run", "--rules", rules, "--ringbuf", "1M" };
	int n = 6;

	for (int i = 0; extra && extra[i]; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	memset(v, 0, sizeof(*v));
	running = v;
	if (vigil_start(v, argv, 60000))
		print_message("# vigil did not start: %s\n", v->err ? v->err : "");
	assert_int_equal(v->status, -1);
}

/* `running`: the agent of the test running, stopped by the per-test
 * teardown even when an assertion ends the test early (or it would go on
 * killing). */
static void stop(struct vigil_proc *v)
{
	vigil_stop(v, 20000);
	vigil_free(v);
	running = NULL;
}

static void unpin_all(void);

static int test_teardown(void **state)
{
	(void)state;
	if (running)
		stop(running);
	/* never leave pinned programs behind, whatever failed */
	if (access("/sys/fs/bpf/vigil", F_OK) == 0)
		unpin_all();
	return 0;
}

static void test_kill(void **state)
{
	static struct vigil_proc v; /* static: see `running` */
	struct victim_result r;
	json_t *ev;

	(void)state;
	start(&v, NULL);
	r = run_victim();
	assert_true(killed_by_sigkill(r.status));
	assert_false(r.wrote_after); /* died before its next step */
	ev = wait_alert(&v, "kill victim", r.pid);
	assert_non_null(ev);
	assert_string_equal(jstr(ev, "action"), "killed");
	assert_string_equal(jstr(ev, "mode"), "enforce");
	assert_string_equal(json_string_value(json_object_get(json_object_get(ev, "output_fields"),
							      "fd.name")),
			    marked);
	/* fd.name is the path the kernel resolves: decided at the exit */
	assert_string_equal(jstr(ev, "decided_at"), "syscall exit");
	stop(&v);
}

/* A victim that only writes (the read of run_victim() kills first), under
 * a rule on its name and the open's flags that kills it at the entry: the
 * open itself still completes (the file is created), the write after it
 * never happens, and the alert `rule` says so. */
static void assert_killed_at_entry(struct vigil_proc *v, const char *rule)
{
	struct victim_result r;
	struct stat st;
	char script[256];
	json_t *ev;

	unlink(after);
	snprintf(script, sizeof(script), "echo after > %s", after);
	r.pid = fork();
	if (r.pid == 0) {
		execl(victim, comm, "-c", script, (char *)NULL);
		_exit(127);
	}
	waitpid(r.pid, &r.status, 0);
	assert_true(killed_by_sigkill(r.status));
	assert_int_equal(stat(after, &st), 0); /* the open ran to completion */
	assert_int_equal(st.st_size, 0);       /* the write never happened */
	ev = wait_alert(v, rule, r.pid);
	assert_non_null(ev);
	assert_string_equal(jstr(ev, "action"), "killed");
	assert_string_equal(jstr(ev, "decided_at"), "syscall entry");
}

static void test_kill_at_entry(void **state)
{
	static struct vigil_proc v; /* static: see `running` */

	(void)state;
	start(&v, NULL);
	assert_killed_at_entry(&v, "kill victim write");
	stop(&v);
}

/* Under vigil with `extra`, the victim lives and the alert says
 * would-kill. */
static void assert_spared(const char *const *extra)
{
	static struct vigil_proc v; /* static: see `running` */
	struct victim_result r;
	json_t *ev;

	start(&v, extra);
	r = run_victim();
	assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
	assert_true(r.wrote_after);
	ev = wait_alert(&v, "kill victim", r.pid);
	assert_non_null(ev);
	assert_string_equal(jstr(ev, "action"), "would-kill");
	assert_string_equal(jstr(ev, "mode"), "alert");
	stop(&v);
}

/* --mode alert: shadow enforcement, the same decision without the signal. */
static void test_shadow(void **state)
{
	const char *extra[] = { "--mode", "alert", NULL };

	(void)state;
	assert_spared(extra);
}

/* An executable in --never-kill lives. */
static void test_never_kill(void **state)
{
	const char *extra[] = { "--never-kill", victim, NULL };

	(void)state;
	assert_spared(extra);
}

/* --max-kills 1: the same offender's second kill within a second is only
 * reported and raises its own alert; the mode stays (the budget is per
 * offender: tests/evasion/ has the other offender still killed). */
static void test_rate_limit(void **state)
{
	const char *extra[] = { "--max-kills", "1", NULL };
	static struct vigil_proc v; /* static: see `running` */
	struct victim_result r1, r2, r3;
	json_t *ev;

	(void)state;
	start(&v, extra);
	r1 = run_victim();
	r2 = run_victim();
	assert_true(killed_by_sigkill(r1.status));
	/* both within the same second on any sane machine; if not, the
	 * second is killed too and the test says so */
	assert_true(WIFEXITED(r2.status) && WEXITSTATUS(r2.status) == 0);
	assert_true(r2.wrote_after);
	ev = wait_alert(&v, "kill victim", r2.pid);
	assert_non_null(ev);
	assert_string_equal(jstr(ev, "action"), "would-kill");
	assert_non_null(wait_alert(&v, "vigil: enforcement rate limit exceeded", 0));
	assert_null(strstr(v.err, "mode cap now"));
	/* the budget is per second: waiting the window out is what is tested */
	usleep(1100 * 1000);
	r3 = run_victim();
	assert_true(killed_by_sigkill(r3.status));
	stop(&v);
}

/* `vigil mode` run to its end: its exit code, its output in *out (owned by
 * the caller's proc, freed with it). */
static int mode_cmd(struct vigil_proc *p, const char *sock, const char *mode)
{
	const char *argv[] = { "vigil", "mode", "--socket", sock, mode, NULL };
	int st;

	p->keep_text = true;
	st = vigil_run_to_end(p, argv, 30000);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* `vigil mode` lowers the mode at run time over the control socket and
 * raises it back (never above the start mode); SIGUSR1 reopens outputs and
 * leaves the mode alone; a control file sets the mode too. */
static void test_runtime_mode(void **state)
{
	char ctl[160], sock[160];
	const char *extra[] = { "--control-file", ctl, "--control-socket", sock, NULL };
	static struct vigil_proc v; /* static: see `running` */
	struct vigil_proc m = { 0 };
	struct victim_result r;
	struct stat st;
	FILE *f;

	(void)state;
	snprintf(ctl, sizeof(ctl), "%s/mode", tmpdir);
	snprintf(sock, sizeof(sock), "%s/run/vigil.sock", tmpdir);
	unlink(ctl);
	start(&v, extra);
	/* root only: the socket is 0600 */
	assert_int_equal(stat(sock, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(mode_cmd(&m, sock, "alert"), 0);
	assert_non_null(m.text);
	assert_non_null(strstr(m.text, "mode alert (ceiling enforce)"));
	vigil_free(&m);
	assert_true(vigil_wait_stderr(&v, "mode cap now alert (vigil mode)", WAIT_MS));
	r = run_victim();
	assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
	/* SIGUSR1 is Falco's "reopen outputs": the mode stays */
	kill(v.pid, SIGUSR1);
	assert_true(vigil_wait_stderr(&v, "outputs reopened (SIGUSR1)", WAIT_MS));
	r = run_victim();
	assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
	memset(&m, 0, sizeof(m));
	assert_int_equal(mode_cmd(&m, sock, "enforce"), 0);
	vigil_free(&m);
	assert_true(vigil_wait_stderr(&v, "mode cap now enforce (vigil mode)", WAIT_MS));
	r = run_victim();
	assert_true(killed_by_sigkill(r.status));
	f = fopen(ctl, "w");
	assert_non_null(f);
	fputs("observe\n", f);
	fclose(f);
	assert_true(vigil_wait_stderr(&v, "mode cap now observe (the control file)", WAIT_MS));
	r = run_victim();
	assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
	/* asking, and a word that is not a mode */
	memset(&m, 0, sizeof(m));
	assert_int_equal(mode_cmd(&m, sock, "bogus"), 2);
	vigil_free(&m);
	stop(&v);
	/* the socket goes with the agent */
	assert_int_equal(stat(sock, &st), -1);
	memset(&m, 0, sizeof(m));
	assert_int_equal(mode_cmd(&m, sock, "alert"), 1);
	vigil_free(&m);
}

/* SIGHUP reloads the rules: the kernel's tables change with them (a rule
 * raised to enforce starts killing), and a broken file changes nothing. */
static void test_reload(void **state)
{
	char path[160];
	const char *argv[] = { "vigil", "run", "--rules", path, "--ringbuf", "1M", NULL };
	const char *modes[] = { "alert", "enforce" };
	static struct vigil_proc v; /* static: see `running` */
	struct victim_result r;
	FILE *f;

	(void)state;
	memset(&v, 0, sizeof(v));
	snprintf(path, sizeof(path), "%s/reload.yaml", tmpdir);
	for (int i = 0; i < 3; i++) {
		f = fopen(path, "w");
		assert_non_null(f);
		if (i < 2)
			fprintf(f,
				"- rule: reload victim\n  desc: x\n  priority: CRITICAL\n  output: x\n"
				"  mode: %s\n  condition: evt.type in (open, openat) and fd.name = %s "
				"and proc.name = %s\n"
				"- rule: reload victim write\n  desc: x\n  priority: CRITICAL\n"
				"  output: x\n  mode: %s\n  condition: evt.type in (open, openat) "
				"and evt.is_open_write = true and proc.name = %s\n",
				modes[i], marked, comm, modes[i], comm);
		else
			fputs("- rule: broken\n  condition: (\n", f);
		fclose(f);
		if (i == 0) {
			running = &v;
			assert_int_equal(vigil_start(&v, argv, 60000), 0);
			r = run_victim();
			assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
			continue;
		}
		kill(v.pid, SIGHUP);
		assert_true(vigil_wait_stderr(&v, i == 1 ? "rules reloaded: 2 rules"
						   : "the running rules stay in place", WAIT_MS));
		/* enforce since the first reload, still after the broken one */
		r = run_victim();
		assert_true(killed_by_sigkill(r.status));
		assert_non_null(wait_alert(&v, "reload victim", r.pid));
		/* no rule decided at the entry at the start: the reload
		 * attached the entry stage to the opens */
		assert_killed_at_entry(&v, "reload victim write");
	}
	stop(&v);
}

#define PIN_DIR "/sys/fs/bpf/vigil"

/* The id of the link pinned for program `prog`, or -1. */
static long pinned_link_id(const char *prog)
{
	char cmd[256];
	long id = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "bpftool -j link show pinned " PIN_DIR "/links/%s 2>/dev/null", prog);
	p = popen(cmd, "r");
	if (p) {
		char buf[4096];
		size_t n = fread(buf, 1, sizeof(buf) - 1, p);
		json_t *j;

		buf[n] = '\0';
		j = json_loads(buf, 0, NULL);
		if (j && json_integer_value(json_object_get(j, "id")))
			id = (long)json_integer_value(json_object_get(j, "id"));
		json_decref(j);
		pclose(p);
	}
	return id;
}

static bool link_exists(long id)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "bpftool link show id %ld >/dev/null 2>&1", id);
	return system(cmd) == 0;
}

static void unpin_all(void)
{
	const char *argv[] = { "vigil", "unpin", NULL };
	struct vigil_proc u = { 0 };

	vigil_run_to_end(&u, argv, 20000);
	vigil_free(&u);
}

/* --pin: enforcement outlives a SIGKILLed agent; a second --pin agent takes
 * the programs over (the old links are gone, not doubled) and reads what
 * the kernel recorded while no agent ran; `vigil unpin` detaches it all. */
static void test_pin(void **state)
{
	const char *extra[] = { "--pin", NULL };
	static struct vigil_proc v; /* static: see `running` */
	struct victim_result r;
	long first, second;
	json_t *ev;
	int st;

	(void)state;
	unpin_all();
	start(&v, extra);
	first = pinned_link_id("vg_sys_exit");
	assert_true(first > 0);
	kill(v.pid, SIGKILL);
	waitpid(v.pid, &st, 0);
	v.status = st;
	stop(&v);
	/* no agent: the kernel still kills */
	r = run_victim();
	assert_true(killed_by_sigkill(r.status));
	assert_false(r.wrote_after);
	assert_true(link_exists(first));
	/* without --pin, vigil refuses to attach twice */
	{
		const char *argv[] = { "vigil", "trace", "--duration", "1", NULL };
		struct vigil_proc t = { 0 };

		st = vigil_run_to_end(&t, argv, 20000);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 1);
		assert_non_null(strstr(t.err, "vigil unpin"));
		vigil_free(&t);
	}
	start(&v, extra);
	assert_true(vigil_wait_stderr(&v, "took over the programs", WAIT_MS));
	second = pinned_link_id("vg_sys_exit");
	assert_true(second > 0 && second != first);
	assert_false(link_exists(first));
	/* the kill the kernel made while no agent ran, read from the ring */
	ev = wait_alert(&v, "kill victim", r.pid);
	assert_non_null(ev);
	assert_string_equal(jstr(ev, "action"), "killed");
	stop(&v);
	unpin_all();
	assert_int_equal(access(PIN_DIR, F_OK), -1);
	assert_false(link_exists(second));
	r = run_victim();
	assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
}

/* Rules with action deny on a kernel without LSM-BPF (this host): reported
 * as would-deny, or killed with `fallback: kill`. */
static void test_deny_without_lsm(void **state)
{
	char path[160];
	const char *argv[] = { "vigil", "run", "--rules", path, "--ringbuf", "1M", NULL };
	static struct vigil_proc v; /* static: see `running` */
	struct victim_result r;
	json_t *ev;
	FILE *f;

	(void)state;
	memset(&v, 0, sizeof(v));
	for (int fallback = 0; fallback < 2; fallback++) {
		snprintf(path, sizeof(path), "%s/deny-%d.yaml", tmpdir, fallback);
		f = fopen(path, "w");
		assert_non_null(f);
		fprintf(f,
			"- rule: deny victim\n  desc: x\n  priority: CRITICAL\n  output: x\n"
			"  mode: enforce\n  action: deny\n%s"
			"  condition: evt.type in (open, openat) and fd.name = %s and proc.name = %s\n",
			fallback ? "  fallback: kill\n" : "", marked, comm);
		fclose(f);
		memset(&v, 0, sizeof(v));
		running = &v;
		assert_int_equal(vigil_start(&v, argv, 60000), 0);
		r = run_victim();
		ev = wait_alert(&v, "deny victim", r.pid);
		assert_non_null(ev);
		if (fallback) {
			assert_true(killed_by_sigkill(r.status));
			assert_string_equal(jstr(ev, "action"), "killed");
		} else {
			assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
			assert_string_equal(jstr(ev, "action"), "would-deny");
			assert_non_null(strstr(v.err, "action deny needs LSM-BPF"));
		}
		stop(&v);
	}
}

/* An enforce rule the kernel cannot decide is refused, naming the field,
 * by check and by run (nothing half-applied). */
static void test_check_rejects(void **state)
{
	char bad[160];
	const char *check[] = { "vigil", "check", bad, NULL };
	const char *run[] = { "vigil", "run", "--rules", bad, "--duration", "1", NULL };
	struct vigil_proc v = { 0 };
	FILE *f;
	int st;

	(void)state;
	snprintf(bad, sizeof(bad), "%s/bad.yaml", tmpdir);
	f = fopen(bad, "w");
	assert_non_null(f);
	fprintf(f, "- rule: needs user space\n  desc: x\n  priority: WARNING\n  output: x\n"
		   "  mode: enforce\n"
		   "  condition: evt.type = openat and proc.cmdline contains %s\n",
		comm);
	fclose(f);
	st = vigil_run_to_end(&v, check, 20000);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 2);
	assert_non_null(strstr(v.err, "bad.yaml:1:3: rule 'needs user space' is in mode enforce"));
	assert_non_null(strstr(v.err, "proc.cmdline"));
	vigil_free(&v);
	memset(&v, 0, sizeof(v));
	st = vigil_run_to_end(&v, run, 20000);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 2);
	assert_null(strstr(v.err, "vigil: ready"));
	vigil_free(&v);
}

static int setup(void **state)
{
	FILE *f;

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vigil-enf-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	/* comm is the file name cut to 15 bytes: unique per run */
	snprintf(comm, sizeof(comm), "vgk-%.6s", tmpdir + strlen("/tmp/vigil-enf-"));
	snprintf(victim, sizeof(victim), "%s/%s", tmpdir, comm);
	snprintf(marked, sizeof(marked), "%s/marked", tmpdir);
	snprintf(after, sizeof(after), "%s/after", tmpdir);
	snprintf(rules, sizeof(rules), "%s/rules.yaml", tmpdir);
	if (copy_file("/bin/dash", victim) && copy_file("/bin/sh", victim))
		return -1;
	f = fopen(marked, "w");
	if (!f)
		return -1;
	fputs("secret\n", f);
	fclose(f);
	f = fopen(rules, "w");
	if (!f)
		return -1;
	fprintf(f,
		"- rule: kill victim\n"
		"  desc: the test's victim opens the marked file\n"
		"  condition: evt.type in (open, openat) and fd.name = %s and proc.name = %s\n"
		"  output: \"%%proc.name opened %%fd.name\"\n"
		"  priority: CRITICAL\n"
		"  tags: [T1005]\n"
		"  mode: enforce\n"
		"  action: kill\n"
		"- rule: kill victim write\n"
		"  desc: the test's victim opens a file for writing\n"
		"  condition: evt.type in (open, openat) and evt.is_open_write = true and proc.name = %s\n"
		"  output: \"%%proc.name writes %%fd.name\"\n"
		"  priority: CRITICAL\n"
		"  tags: [T1565]\n"
		"  mode: enforce\n",
		marked, comm, comm);
	return fclose(f);
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_kill, test_teardown),
		cmocka_unit_test_teardown(test_kill_at_entry, test_teardown),	     cmocka_unit_test_teardown(test_shadow, test_teardown),
		cmocka_unit_test_teardown(test_never_kill, test_teardown),   cmocka_unit_test_teardown(test_rate_limit, test_teardown),
		cmocka_unit_test_teardown(test_runtime_mode, test_teardown), cmocka_unit_test_teardown(test_check_rejects, test_teardown),
		cmocka_unit_test_teardown(test_deny_without_lsm, test_teardown),
		cmocka_unit_test_teardown(test_pin, test_teardown),
		cmocka_unit_test_teardown(test_reload, test_teardown),
	};

	if (geteuid() != 0) {
		fprintf(stderr, "integration tests load BPF programs: run them as root\n");
		return 1;
	}
	return cmocka_run_group_tests_name("enforce", tests, setup, teardown);
}
