// SPDX-License-Identifier: Apache-2.0
/*
 * Enforcement's rails turned against it: tests that need an agent of their
 * own (a kill rule scoped to this test's files, a small --max-kills).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/io_uring.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "evasion.h"
#include "harness.h"

#define WAIT_MS 10000
#define BUDGET 3
#define FLOOD 12

/* The test's agent and files: file-scope, so that the teardown stops and
 * removes them when an assertion ends the test early. */
static struct vigil_proc agent;
static char dir[32];

int own_agent_end(struct vigil_proc *a, char *d)
{
	if (!d[0])
		return 0;
	group_agent_end(a, d);
	d[0] = '\0';
	return 0;
}

static int rails_teardown(void **state)
{
	(void)state;
	return own_agent_end(&agent, dir);
}

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

/* A scratch directory for one test, its `secret` file, the kill rule on
 * it, and the agent (`vigil run --rules that` + extra, NULL-ended). */
static void start_secret_agent(char *secret, size_t size, const char *const *extra)
{
	char rules[96];
	const char *argv[8] = { "vigil", "run", "--rules", rules };
	int n = 4;

	snprintf(dir, sizeof(dir), "/tmp/vigil-rails-XXXXXX");
	assert_non_null(mkdtemp(dir));
	chmod(dir, 0755);
	snprintf(secret, size, "%s/secret", dir);
	{
		/* written before the agent starts: its rule kills any open */
		FILE *f = fopen(secret, "w");

		assert_non_null(f);
		fputs("the secret\n", f);
		fclose(f);
	}
	write_kill_rule(dir, secret, rules, sizeof(rules));
	for (; extra && *extra && n < 7; extra++)
		argv[n++] = *extra;
	argv[n] = NULL;
	assert_int_equal(group_agent_start(&agent, argv), 0);
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
	char secret[96], budget[8];
	const char *extra[] = { "--max-kills", budget, NULL };
	struct alert_want w = { .rule = "evasion secret read" };
	struct vigil_proc *v = &agent;
	pid_t kids[FLOOD], root;
	int killed = 0, st;
	json_t *ev;

	(void)state;
	snprintf(budget, sizeof(budget), "%d", BUDGET);
	start_secret_agent(secret, sizeof(secret), extra);

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
	ev = vigil_wait(v, alert_matches, &w, WAIT_MS);
	assert_non_null(ev);
	assert_string_equal(jstr(ev, "action"), "killed");
	/* the flood: its budget killed, the rest reported */
	assert_true(killed >= BUDGET);
	if (killed < FLOOD)
		assert_non_null(vigil_wait(v, is_limit_alert, NULL, WAIT_MS));
	else
		print_message("# the flood spread over two seconds: all %d killed\n", killed);
}

/* A kill rule holds for an io_uring open as for open(2): the process dies. */
static void test_uring_open_killed(void **state)
{
	char secret[96];
	struct alert_want w = { .rule = "evasion secret read" };
	int st;
	pid_t pid;
	json_t *ev;

	(void)state;
	start_secret_agent(secret, sizeof(secret), NULL);
	for (unsigned flags = 0; flags <= 1; flags++) {
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			int r = uring_open_read(secret, flags ? IOSQE_ASYNC : 0);

			_exit(r == EV_SKIP ? EV_SKIP : r ? 1 : 2);
		}
		assert_int_equal(waitpid(pid, &st, 0), pid);
		if (WIFEXITED(st) && WEXITSTATUS(st) == EV_SKIP)
			skip();
		/* exit code 2: it read the secret and lived */
		if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL))
			fail_msg("io_uring open%s of the secret not killed (status %#x)",
				 flags ? " (IOSQE_ASYNC)" : "", st);
		w.pid = pid;
		ev = vigil_wait(&agent, alert_matches, &w, WAIT_MS);
		assert_non_null(ev);
		assert_string_equal(jstr(ev, "action"), "killed");
	}
}

/* Run `tool secret` (a copy of cat); its wait status. */
static int run_tool(const char *tool, const char *secret, pid_t *pid)
{
	int st;

	*pid = fork();
	assert_true(*pid >= 0);
	if (*pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		execl(tool, "spared-cat", secret, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(*pid, &st, 0), *pid);
	return st;
}

/*
 * A --never-kill binary replaced as an upgrade does (a new file, renamed
 * over the old one) is still spared: the set follows the path's new inode.
 */
static void test_never_kill_follows_replacement(void **state)
{
	char secret[96], tool[96], fresh[112];
	const char *extra[] = { "--never-kill", tool, NULL };
	struct alert_want w = { .rule = "evasion secret read" };
	pid_t pid;
	int st;

	(void)state;
	/* named outside the agent's directory: the path is an argument of
	 * the agent, which start_secret_agent makes the directory for */
	snprintf(tool, sizeof(tool), "/tmp/vigil-rails-spared-%d", (int)getpid());
	snprintf(fresh, sizeof(fresh), "%s.new", tool);
	assert_int_equal(copy_file("/bin/cat", tool), 0);
	start_secret_agent(secret, sizeof(secret), extra);
	st = run_tool(tool, secret, &pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0); /* spared */
	w.pid = pid;
	assert_string_equal(jstr(vigil_wait(&agent, alert_matches, &w, WAIT_MS), "action"),
			    "would-kill");
	/* the upgrade */
	assert_int_equal(copy_file("/bin/cat", fresh), 0);
	assert_int_equal(rename(fresh, tool), 0);
	assert_true(vigil_wait_stderr(&agent, "was replaced: its new file is spared too", WAIT_MS));
	st = run_tool(tool, secret, &pid);
	unlink(tool);
	if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		fail_msg("the replaced never-kill binary was not spared (status %#x)", st);
	w.pid = pid;
	assert_string_equal(jstr(vigil_wait(&agent, alert_matches, &w, WAIT_MS), "action"),
			    "would-kill");
}

/*
 * The spared tool of test_spared_loses_privilege (a copy of this program,
 * --never-kill): maps `what` executable ("anon": anonymous memory, "-":
 * nothing), then opens `secret`. Exit 0 when it got through.
 */
int rails_tool_main(const char *what, const char *secret)
{
	void *m = MAP_FAILED;
	int fd;

	if (!strcmp(what, "anon")) {
		m = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	} else if (strcmp(what, "-")) {
		fd = open(what, O_RDONLY);
		if (fd < 0)
			return EV_FAIL(1);
		m = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
		close(fd);
	}
	if (strcmp(what, "-") && m == MAP_FAILED)
		return EV_FAIL(2);
	fd = open(secret, O_RDONLY);
	if (fd < 0)
		return EV_FAIL(3);
	close(fd);
	return 0;
}

/* Run the spared tool: map `what`, open the secret, with environment
 * `envp`; its wait status. */
static int run_spared(const char *tool, const char *what, const char *secret, char *const *envp,
		      pid_t *pid)
{
	int st;

	*pid = fork();
	assert_true(*pid >= 0);
	if (*pid == 0) {
		execle(tool, "spared-tool", EVASION_RAILS_TOOL_ARG, what, secret, (char *)NULL, envp);
		_exit(127);
	}
	assert_int_equal(waitpid(*pid, &st, 0), *pid);
	return st;
}

/*
 * A --never-kill binary is spared while it runs only its own code and
 * root's: LD_PRELOAD (or any LD_* variable) at exec, or an executable
 * mapping of a file a non-root user could have written (owned by another
 * uid, or world-writable), or of anonymous memory, and it is killed like
 * anyone. Mapping root's libraries (what every dynamic program does) keeps
 * the privilege.
 */
static void test_spared_loses_privilege(void **state)
{
	char secret[96], tool[96], lib[112], wfile[112], ofile[112], preload[160];
	const char *extra[] = { "--never-kill", tool, NULL };
	struct alert_want w = { .rule = "evasion secret read" };
	char *clean[] = { "PATH=/usr/bin:/bin", NULL };
	char *preloaded[] = { "PATH=/usr/bin:/bin", preload, NULL };
	const char *libm = "/lib/x86_64-linux-gnu/libm.so.6";
	const struct {
		const char *what, *why;
		char *const *envp;
	} attacks[] = {
		{ "-", "LD_PRELOAD in its environment", preloaded },
		{ wfile, "a world-writable file mapped executable", clean },
		{ ofile, "a file owned by another user mapped executable", clean },
		{ "anon", "anonymous memory mapped executable", clean },
	};
	pid_t pid;
	int st;

	(void)state;
	if (access(libm, R_OK))
		skip();
	snprintf(tool, sizeof(tool), "/tmp/vigil-rails-tool-%d", (int)getpid());
	assert_int_equal(copy_file("/proc/self/exe", tool), 0);
	start_secret_agent(secret, sizeof(secret), extra);
	snprintf(preload, sizeof(preload), "LD_PRELOAD=%s", libm);
	snprintf(lib, sizeof(lib), "%s", libm);
	snprintf(wfile, sizeof(wfile), "%s/writable.so", dir);
	snprintf(ofile, sizeof(ofile), "%s/users.so", dir);
	assert_int_equal(copy_file(libm, wfile), 0);
	assert_int_equal(chmod(wfile, 0666), 0);
	assert_int_equal(copy_file(libm, ofile), 0);
	assert_int_equal(chown(ofile, 65534, 65534), 0);

	/* controls: nothing mapped, and root's library mapped: spared */
	for (int i = 0; i < 2; i++) {
		st = run_spared(tool, i ? lib : "-", secret, clean, &pid);
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			fail_msg("the spared tool (%s) was not spared (status %#x)",
				 i ? "root's library mapped" : "nothing loaded", st);
		w.pid = pid;
		assert_string_equal(jstr(vigil_wait(&agent, alert_matches, &w, WAIT_MS), "action"),
				    "would-kill");
	}
	for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++) {
		st = run_spared(tool, attacks[i].what, secret, attacks[i].envp, &pid);
		if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL))
			fail_msg("the spared tool with %s read the secret (status %#x)", attacks[i].why,
				 st);
		w.pid = pid;
		assert_string_equal(jstr(vigil_wait(&agent, alert_matches, &w, WAIT_MS), "action"),
				    "killed");
	}
	unlink(tool);
}

static int open_secret_shared(void *arg)
{
	/* killed at the return of this open; the fd stays in the table */
	open(arg, O_RDONLY);
	return 0;
}

/* Does this process's fd table hold `want` with bytes to read? */
static bool table_reads(const struct stat *want)
{
	struct stat st;
	char buf[16];

	for (int fd = 3; fd < 256; fd++)
		if (!fstat(fd, &st) && st.st_ino == want->st_ino && st.st_dev == want->st_dev &&
		    pread(fd, buf, sizeof(buf), 0) > 0)
			return true;
	return false;
}

/*
 * The attacker: a child opens the secret (and is killed) with `flags`
 * (CLONE_FILES: sharing this process's file table; 0: a plain fork); this
 * process then looks for the fd it left. Exit 3: it read the secret; 0:
 * nothing to read.
 */
static int files_attack(const char *secret, int flags)
{
	static char stack[64 * 1024] __attribute__((aligned(16)));
	struct stat want;
	int st;
	pid_t c;

	if (stat(secret, &want))
		return EV_FAIL(1);
	c = clone(open_secret_shared, stack + sizeof(stack), flags | SIGCHLD, (void *)secret);
	if (c < 0)
		return EV_FAIL(2);
	if (waitpid(c, &st, 0) != c)
		return EV_FAIL(3);
	if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL))
		return EV_FAIL(4); /* the opener itself was not killed */
	return table_reads(&want) ? 3 : 0;
}

static bool is_rule_alert(json_t *ev, void *ctx)
{
	const char *rule = jstr(ev, "rule");

	return rule && !strcmp(rule, ctx);
}

/* The wait status of a forked files_attack(secret, flags); its pid in *pid. */
static int run_files_attack(const char *secret, int flags, pid_t *pid)
{
	pid_t p = fork();
	int st;

	assert_true(p >= 0);
	if (p == 0) {
		alarm(20);
		_exit(files_attack(secret, flags));
	}
	assert_int_equal(waitpid(p, &st, 0), p);
	*pid = p;
	return st;
}

/*
 * CLONE_FILES: the process killed for opening the secret shares its file
 * table with its parent, which would read the fd left there. The parent
 * is killed too, at its next syscall (here the wait for the child), before
 * it touches the fd: a process that shares the table of a killed one is
 * killed whether it reads the fd or not (the kernel cannot tell intent,
 * and the fd is in its table). The control: a child of a plain fork is
 * killed as before, and its parent, whose table never held the fd, lives.
 */
static void test_clone_files_sharer_killed(void **state)
{
	struct alert_want w = { .rule = "vigil: file table sharer killed" };
	char secret[96];
	pid_t pid;
	int st;

	(void)state;
	start_secret_agent(secret, sizeof(secret), NULL);
	/* the control first */
	st = run_files_attack(secret, 0, &pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fail_msg("the parent of a plain child killed for the secret did not live on "
			 "(status %#x)",
			 st);
	st = run_files_attack(secret, CLONE_FILES, &pid);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 3)
		fail_msg("the parent read the secret through the table its killed child shared");
	if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL))
		fail_msg("the table-sharing parent was not killed (status %#x)", st);
	/* both openers' kills (their pids are the attackers' to know: the
	 * secret and the agent are this test's own) */
	assert_non_null(vigil_wait(&agent, is_rule_alert, "evasion secret read", WAIT_MS));
	/* and the alert that names the sharer */
	w.pid = pid;
	if (!vigil_wait(&agent, alert_matches, &w, WAIT_MS))
		fail_msg("no alert names the sharer %d", (int)pid);
}

int run_rails_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_flood_does_not_spare_root, rails_teardown),
		cmocka_unit_test_teardown(test_uring_open_killed, rails_teardown),
		cmocka_unit_test_teardown(test_never_kill_follows_replacement, rails_teardown),
		cmocka_unit_test_teardown(test_spared_loses_privilege, rails_teardown),
		cmocka_unit_test_teardown(test_clone_files_sharer_killed, rails_teardown),
	};

	return cmocka_run_group_tests_name("evasion: rails", tests, NULL, NULL);
}
