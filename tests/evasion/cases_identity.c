// SPDX-License-Identifier: Apache-2.0
/*
 * Identity that cannot be claimed: the enforcing module rule spares the
 * sandboxed module loaders by the file they run (proc.exepath, checked in
 * the kernel by inode), so a process calling itself systemd-udevd, by
 * prctl(PR_SET_NAME) or as a copy of a program saved under that name, is
 * killed like any other. The cases of the shared agent (bundled rules)
 * are in identity_cases; the test with an agent of its own shows the other
 * side: the listed file itself is spared, and still after a replacement.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "evasion.h"
#include "harness.h"

#define WAIT_MS 10000
#define MODULE "Kernel module load from a container"

static const char junk_module[64] = "not an ELF module";

int identity_init_module(void)
{
	/* fails (EINVAL/ENOEXEC): garbage is no module; the attempt counts */
	syscall(SYS_init_module, junk_module, sizeof(junk_module), "");
	return 0;
}

/* Calls itself systemd-udevd, then loads a module. */
static int claimed_name_init_module(void)
{
	if (prctl(PR_SET_NAME, "systemd-udevd", 0, 0, 0))
		return EV_FAIL(1);
	return identity_init_module();
}

/* Runs `exe` (a copy of this test program) as the module loader: the
 * process keeps its pid through the exec. */
static int exec_loader(const char *exe)
{
	execl(exe, exe, EVASION_INIT_MODULE_ARG, (char *)NULL);
	return EV_FAIL(2);
}

/* A copy of a program saved as systemd-udevd (its comm is then that name). */
static int copied_binary_init_module(void)
{
	char exe[96];

	snprintf(exe, sizeof(exe), "%s/systemd-udevd", env.dir);
	if (access(exe, X_OK) && copy_file("/proc/self/exe", exe))
		return EV_FAIL(1);
	return exec_loader(exe);
}

/* The same copy at the path the rule lists, but inside a root of its own
 * (a bind mount over /usr/lib/systemd in this private mount namespace, as a
 * container's image would have it): the path matches, the file does not. */
static int own_root_copy_init_module(void)
{
	char exe[128], dir[96];

	snprintf(dir, sizeof(dir), "%s/fakeroot", env.dir);
	snprintf(exe, sizeof(exe), "%s/systemd-udevd", dir);
	if ((mkdir(dir, 0755) && errno != EEXIST) ||
	    (access(exe, X_OK) && copy_file("/proc/self/exe", exe)))
		return EV_FAIL(1);
	if (access("/usr/lib/systemd", F_OK))
		return EV_SKIP;
	if (mount(dir, "/usr/lib/systemd", NULL, MS_BIND, NULL))
		return EV_FAIL(3);
	return exec_loader("/usr/lib/systemd/systemd-udevd");
}

#define CASE(name, rule, fn, flags) { name, rule, fn, flags }

const struct evasion_case identity_cases[] = {
	CASE("identity: init_module as 'systemd-udevd' (prctl) in a private mount namespace is "
	     "killed",
	     MODULE, claimed_name_init_module, EV_MNTNS | EV_KILLED),
	CASE("identity: a copy of a program saved as systemd-udevd loads a module, killed", MODULE,
	     copied_binary_init_module, EV_MNTNS | EV_KILLED),
	CASE("identity: a copy at /usr/lib/systemd/systemd-udevd in its own mount loads a "
	     "module, killed",
	     MODULE, own_root_copy_init_module, EV_MNTNS | EV_KILLED | EV_KERNEL_FACT),
};

const size_t nidentity_cases = sizeof(identity_cases) / sizeof(identity_cases[0]);

/* --- an agent of its own: the listed file is spared ------------------------------- */

static struct vigil_proc agent;
static char dir[32];

static int identity_teardown(void **state)
{
	(void)state;
	return own_agent_end(&agent, dir);
}

static int in_ns_exec(void *arg)
{
	alarm(20);
	return exec_loader(arg);
}

static int in_ns_claim(void *arg)
{
	(void)arg;
	alarm(20);
	return claimed_name_init_module();
}

/* Run fn(arg) in a private mount namespace; its wait status, pid in *pid. */
static int run_in_ns(int (*fn)(void *), void *arg, pid_t *pid)
{
	pid_t inner = -1;
	int st;

	*pid = container_spawn(NULL, CLONE_NEWNS, fn, arg, &inner);
	assert_true(*pid > 0);
	assert_int_equal(waitpid(*pid, &st, 0), *pid);
	return st;
}

static bool was_killed(int st)
{
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
}

/*
 * A kill rule on module loads "in a container" that spares one file by
 * proc.exepath: that file loads unharmed (and again after it is replaced
 * as an upgrade replaces it); a copy of it elsewhere and a process taking
 * its name are killed.
 */
static void test_exepath_spares_the_file(void **state)
{
	char rules[96], loader[96], fresh[112], other[96];
	const char *argv[] = { "vigil", "run", "--rules", rules, NULL };
	struct alert_want w = { .rule = "evasion identity module" };
	pid_t pid;
	FILE *f;
	int st;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/vigil-ident-XXXXXX");
	assert_non_null(mkdtemp(dir));
	chmod(dir, 0755);
	snprintf(loader, sizeof(loader), "%s/loader", dir);
	snprintf(fresh, sizeof(fresh), "%s.new", loader);
	snprintf(other, sizeof(other), "%s/other", dir);
	assert_int_equal(copy_file("/proc/self/exe", loader), 0);
	assert_int_equal(copy_file("/proc/self/exe", other), 0);
	snprintf(rules, sizeof(rules), "%s/rules.yaml", dir);
	f = fopen(rules, "w");
	assert_non_null(f);
	fprintf(f,
		"- rule: evasion identity module\n"
		"  desc: test\n"
		"  condition: evt.type in (init_module, finit_module) and proc.is_container = true\n"
		"    and not proc.exepath in (%s)\n"
		"  output: \"%%proc.pid %%proc.exepath\"\n"
		"  priority: CRITICAL\n"
		"  mode: enforce\n"
		"  action: kill\n",
		loader);
	fclose(f);
	assert_int_equal(group_agent_start(&agent, argv), 0);

	st = run_in_ns(in_ns_exec, loader, &pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fail_msg("the listed executable was not spared (status %#x)", st);

	st = run_in_ns(in_ns_exec, other, &pid);
	if (!was_killed(st))
		fail_msg("a copy of the listed executable elsewhere was not killed (status %#x)", st);
	w.pid = pid;
	assert_string_equal(jstr(vigil_wait(&agent, alert_matches, &w, WAIT_MS), "action"),
			    "killed");

	st = run_in_ns(in_ns_claim, NULL, &pid);
	if (!was_killed(st))
		fail_msg("a process that took the listed name was not killed (status %#x)", st);

	/* the upgrade: a new file renamed over the listed one */
	assert_int_equal(copy_file("/proc/self/exe", fresh), 0);
	assert_int_equal(rename(fresh, loader), 0);
	assert_true(vigil_wait_stderr(&agent, "was replaced: its new file is listed too", WAIT_MS));
	st = run_in_ns(in_ns_exec, loader, &pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fail_msg("the replaced listed executable was not spared (status %#x)", st);
	unlink(other);
	unlink(loader);
}

int run_identity_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_exepath_spares_the_file, identity_teardown),
	};

	return cmocka_run_group_tests_name("evasion: identity", tests, NULL, NULL);
}
