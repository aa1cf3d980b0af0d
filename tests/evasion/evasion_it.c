// SPDX-License-Identifier: Apache-2.0
/*
 * The evasion suite's runner: one `vigil run` with the bundled rules (their
 * own modes: the module rule kills), then every case of the tables in
 * cases_*.c, each asserting the alert of its rule about the process that
 * acted (and its death, for an enforced rule); then the tests that need an
 * agent of their own. Alerts are matched by rule and pid, so the rest of
 * the machine does not disturb a case. Every wait has a deadline.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "../ia32.h"
#include "evasion.h"
#include "harness.h"

#define WAIT_MS 10000
#define CASE_TIMEOUT_S 20

struct evasion_env env;
static struct vigil_proc agent;
static int listeners[2] = { -1, -1 };

static int group_setup(void **state)
{
	const char *argv[] = { "vigil", "run", NULL };

	(void)state;
	snprintf(env.dir, sizeof(env.dir), "/tmp/vigil-evasion-XXXXXX");
	if (!mkdtemp(env.dir))
		return -1;
	far_address(env.far_ip, sizeof(env.far_ip));
	if (env.far_ip[0]) {
		listeners[0] = listen_tcp(env.far_ip, 0, &env.far_port);
		/* the pool port: when something else holds it, the attempts
		 * are refused, attempts all the same */
		listeners[1] = listen_tcp(env.far_ip, 3333, NULL);
		if (listeners[0] < 0)
			env.far_ip[0] = '\0';
	}
	if (group_agent_start(&agent, argv))
		return -1;
	env.vigil_pid = agent.pid;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	for (int i = 0; i < 2; i++)
		if (listeners[i] >= 0)
			close(listeners[i]);
	return group_agent_end(&agent, env.dir);
}

/* In the case's process, before its attack: a fault kills it, as it would
 * kill the attacker's program (cmocka's handler, inherited through fork,
 * would go on running the suite in the child). */
static void case_signals(void)
{
	signal(SIGSEGV, SIG_DFL);
	signal(SIGBUS, SIG_DFL);
	signal(SIGILL, SIG_DFL);
	signal(SIGFPE, SIG_DFL);
	alarm(CASE_TIMEOUT_S);
}

static int in_namespace(void *arg)
{
	const struct evasion_case *c = arg;

	case_signals();
	return c->fn();
}

/* Run the case; its acting pid, its wait status in *st and exit code in
 * *code (-1 when it did not exit). In a mount namespace of its own the
 * case runs in the harness's child itself (no pid namespace). */
static pid_t run_case_process(const struct evasion_case *c, int *st, int *code)
{
	pid_t pid, inner = -1;

	if (c->flags & EV_MNTNS) {
		pid = container_spawn(NULL, CLONE_NEWNS, in_namespace, (void *)c, &inner);
		assert_true(pid > 0 && inner == pid);
	} else {
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			case_signals();
			_exit(c->fn());
		}
	}
	assert_int_equal(waitpid(pid, st, 0), pid);
	*code = WIFEXITED(*st) ? WEXITSTATUS(*st) : -1;
	return pid;
}

static void run_case(void **state)
{
	const struct evasion_case *c = *state;
	struct alert_want w = { .rule = c->rule };
	const char *action;
	json_t *ev;
	int st = 0, code = -1;
	bool killed;

	if (c->flags & EV_FAR && !env.far_ip[0]) {
		print_message("# no address off loopback here\n");
		skip();
	}
	if (c->flags & EV_IA32 && !ia32_syscalls_work()) {
		print_message("# ia32 system calls absent: int 0x80 faults on this machine "
			      "(tests/vm runs one)\n");
		skip();
	}
	if (c->flags & EV_KERNEL_FACT)
		w.rule = "vigil: enforcement";
	w.pid = run_case_process(c, &st, &code);
	assert_true(w.pid > 0);
	killed = WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
	if (code == EV_SKIP)
		skip();
	if (c->flags & EV_KILLED) {
		if (!killed)
			fail_msg("'%s' was not killed (exit code %d)", c->name, code);
	} else if (code != 0) {
		fail_msg("'%s' failed to run (status %d, exit code %d)", c->name, st, code);
	}
	ev = vigil_wait(&agent, alert_matches, &w, WAIT_MS);
	if (!ev)
		fail_msg("no alert '%s' for pid %lld within %d ms", c->rule, w.pid, WAIT_MS);
	if (c->flags & EV_KERNEL_FACT) {
		const char *out = jstr(ev, "output");
		char want[160];

		snprintf(want, sizeof(want), "under rule '%s'", c->rule);
		if (!out || !strstr(out, "killed") || !strstr(out, want))
			fail_msg("'%s': the enforcement alert does not name the kill and its rule: %s",
				 c->name, out ? out : "(no output)");
		return;
	}
	action = jstr(ev, "action");
	assert_non_null(action);
	if (c->flags & EV_KILLED)
		assert_string_equal(action, "killed");
}

/* Stopping vigil with a signal that is not kill(2)'s: the alert is out
 * before it exits (a clean stop drains the rings first). */
static void test_sigterm_by_pidfd_alerts_first(void **state)
{
	const char *argv[] = { "vigil", "run", NULL };
	struct alert_want w = { .rule = "Signal sent to vigil through a pidfd or a signal queue" };
	struct vigil_proc v = { 0 };
	int fd, st;
	pid_t pid;

	(void)state;
	assert_int_equal(group_agent_start(&v, argv), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fd = (int)syscall(SYS_pidfd_open, v.pid, 0);
		_exit(fd >= 0 && !syscall(SYS_pidfd_send_signal, fd, SIGTERM, NULL, 0) ? 0 : 1);
	}
	assert_int_equal(wait_exit(pid), 0);
	w.pid = pid;
	st = vigil_stop(&v, 20000); /* already stopping: collects the rest */
	assert_true(WIFEXITED(st));
	if (!vigil_count(&v, alert_matches, &w))
		fail_msg("vigil exited on SIGTERM from pidfd_send_signal without its alert");
	vigil_free(&v);
}

/*
 * A chrooted process's paths are the ones it uses: its read of
 * <root>/etc/shadow is a read of /etc/shadow to the rules, and the alert
 * says where its root lies on the host (proc.root). The suite's own
 * reads of /etc/shadow (the controls) carry no proc.root.
 */
static void test_chroot_paths(void **state)
{
	struct alert_want w = { .rule = "Read sensitive file untrusted" };
	char root[PATH_MAX];
	const char *name, *hroot;
	json_t *ev;
	int st, hold[2];
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(hold), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(hold[1]);
		alarm(CASE_TIMEOUT_S);
		_exit(chroot_read_shadow(root, sizeof(root), hold[0]));
	}
	close(hold[0]);
	/* the host's location: below where the suite's own root lies when
	 * the suite runs in a chroot itself (make chroot-test); the child's
	 * root is in a mount namespace of its own, so the agent cannot name it
	 * from its root and says where it lies from the host's */
	if (chroot_host_location(root, sizeof(root)))
		root[0] = '\0';
	snprintf(root + strlen(root), sizeof(root) - strlen(root), "%s/root-%d", env.dir, (int)pid);
	w.pid = pid;
	ev = vigil_wait(&agent, alert_matches, &w, WAIT_MS);
	close(hold[1]); /* the child may go */
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (!ev)
		fail_msg("no alert for the chrooted read of /etc/shadow");
	name = alert_str(ev, "fd.name");
	hroot = alert_str(ev, "proc.root");
	assert_non_null(name);
	assert_string_equal(name, "/etc/shadow");
	assert_non_null(hroot);
	assert_string_equal(hroot, root);
}

/* The case table entry i of all four tables. */
static const struct evasion_case *case_at(size_t i)
{
	if (i < nsyscall_cases)
		return &syscall_cases[i];
	i -= nsyscall_cases;
	if (i < nuring_cases)
		return &uring_cases[i];
	i -= nuring_cases;
	if (i < npath_cases)
		return &path_cases[i];
	return &identity_cases[i - npath_cases];
}

int main(int argc, char **argv)
{
	size_t n = nsyscall_cases + nuring_cases + npath_cases + nidentity_cases, i;
	struct CMUnitTest *tests = calloc(n + 1, sizeof(*tests));
	const struct CMUnitTest own[] = {
		cmocka_unit_test(test_sigterm_by_pidfd_alerts_first),
	};
	const char *only;
	int r;

	/* a copy of this program run as a module loader (cases_identity.c) */
	if (argc == 2 && !strcmp(argv[1], EVASION_INIT_MODULE_ARG))
		return identity_init_module();
	/* a copy of this program as a spared tool (cases_rails.c) */
	if (argc == 4 && !strcmp(argv[1], EVASION_RAILS_TOOL_ARG))
		return rails_tool_main(argv[2], argv[3]);
	if (geteuid() != 0) {
		fprintf(stderr, "the evasion suite loads BPF programs: run it as root\n");
		return 1;
	}
	if (!tests)
		return 1;
	for (i = 0; i < n; i++) {
		const struct evasion_case *c = case_at(i);

		tests[i].name = c->name;
		tests[i].test_func = run_case;
		tests[i].initial_state = (void *)c;
	}
	tests[n].name = "chroot: /etc/shadow read inside a chroot is /etc/shadow";
	tests[n].test_func = test_chroot_paths;
	/* EVASION_GROUPS=rails,tamper runs those groups only (while working
	 * on one: the whole suite holds the machine's BPF lock for minutes) */
	only = getenv("EVASION_GROUPS");
#define WANT(g) (!only || strstr(only, g))
	r = 0;
	if (WANT("cases"))
		r |= _cmocka_run_group_tests("evasion", tests, n + 1, group_setup, group_teardown);
	free(tests);
	if (WANT("own"))
		r |= cmocka_run_group_tests_name("evasion (own agents)", own, NULL, NULL);
	if (WANT("rails"))
		r |= run_rails_tests();
	if (WANT("tamper"))
		r |= run_tamper_tests();
	if (WANT("identity"))
		r |= run_identity_tests();
#undef WANT
	return r;
}
