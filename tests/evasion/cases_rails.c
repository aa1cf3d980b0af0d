// SPDX-License-Identifier: Apache-2.0
/*
 * Enforcement's rails turned against it: tests that need an agent of their
 * own (a kill rule scoped to this test's files, a small --max-kills).
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

#include "evasion.h"
#include "harness.h"

#define WAIT_MS 10000
#define BUDGET 3
#define FLOOD 12

/* A kill rule on opening `secret`, written to dir/rules.yaml. */
static void write_kill_rule(const char *dir, const char *secret, char *rules, size_t size)
{
	FILE *f;

	snprintf(rules, size, "%s/rules.yaml", dir);
	f = fopen(rules, "w");
	assert_non_null(f);
	fprintf(f,
		"- rule: evasion secret read\n"
		"  desc: test\n"
		"  condition: evt.type in (open, openat) and fd.name = %s\n"
		"  output: \"%%proc.pid %%user.uid\"\n"
		"  priority: CRITICAL\n"
		"  mode: enforce\n"
		"  action: kill\n",
		secret);
	fclose(f);
}

/* Fork a child that opens `secret` as `uid`; its wait status. */
static pid_t open_as(const char *secret, uid_t uid)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (uid && (setresgid(uid, uid, uid) || setresuid(uid, uid, uid)))
			_exit(EV_FAIL(1));
		close(open(secret, O_RDONLY));
		_exit(0);
	}
	return pid;
}

static bool is_limit_alert(json_t *ev, void *ctx)
{
	const char *rule = jstr(ev, "rule");

	(void)ctx;
	return rule && !strcmp(rule, "vigil: enforcement rate limit exceeded");
}

/*
 * An unprivileged user floods a kill rule past the budget within one
 * second; a root offender right after is still killed (the budget is per
 * offender, never a global downgrade), and the flood's excess is reported.
 */
static void test_flood_does_not_spare_root(void **state)
{
	char dir[] = "/tmp/vigil-rails-XXXXXX", secret[96], rules[96], budget[8];
	const char *argv[] = { "vigil", "run", "--rules", rules, "--max-kills", budget, NULL };
	struct alert_want w = { .rule = "evasion secret read" };
	struct vigil_proc v = { 0 };
	pid_t kids[FLOOD], root;
	int killed = 0, st;
	json_t *ev;

	(void)state;
	assert_non_null(mkdtemp(dir));
	chmod(dir, 0755);
	snprintf(secret, sizeof(secret), "%s/secret", dir);
	close(open(secret, O_WRONLY | O_CREAT, 0644));
	write_kill_rule(dir, secret, rules, sizeof(rules));
	snprintf(budget, sizeof(budget), "%d", BUDGET);
	assert_int_equal(group_agent_start(&v, argv), 0);

	/* all forked first, so that the opens fall in one second */
	for (int i = 0; i < FLOOD; i++)
		kids[i] = open_as(secret, 65534);
	root = open_as(secret, 0);
	for (int i = 0; i < FLOOD; i++) {
		assert_int_equal(waitpid(kids[i], &st, 0), kids[i]);
		killed += WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
	}
	assert_int_equal(waitpid(root, &st, 0), root);
	if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL))
		fail_msg("the root offender after an unprivileged flood was not killed");
	w.pid = root;
	ev = vigil_wait(&v, alert_matches, &w, WAIT_MS);
	assert_non_null(ev);
	assert_string_equal(jstr(ev, "action"), "killed");
	/* the flood: its budget killed, the rest reported */
	assert_true(killed >= BUDGET);
	if (killed < FLOOD) {
		assert_non_null(vigil_wait(&v, is_limit_alert, NULL, WAIT_MS));
	} else {
		print_message("# the flood spread over two seconds: all %d killed\n", killed);
	}
	assert_int_equal(group_agent_end(&v, dir), 0);
}

int run_rails_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flood_does_not_spare_root),
	};

	return cmocka_run_group_tests_name("evasion: rails", tests, NULL, NULL);
}
