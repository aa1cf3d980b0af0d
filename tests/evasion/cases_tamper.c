// SPDX-License-Identifier: Apache-2.0
/*
 * Stopping or killing vigil before it can report: SIGSTOP and SIGKILL
 * aimed at the test's own agent, through kill, pidfd_send_signal,
 * tgkill on one of its threads and kill of its process group, and a kill
 * of the agent and its sentinel
 * both; the alert must come all the same (from the sentinel, or from the
 * next agent). The control: SIGHUP, which vigil answers itself (a reload),
 * raises the rule's own alert and nothing from the sentinel. Only the
 * agents these tests start, and their sentinels, are ever signalled.
 */
#include <dirent.h>
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
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "evasion.h"
#include "harness.h"

#define WAIT_MS 10000

/* File-scope, so that the teardown stops them when an assertion ends a
 * test early; `started`: which hold a process (a zeroed one would close
 * fd 0). */
static struct vigil_proc agent, next;
static bool agent_started, next_started;

static int tamper_teardown(void **state)
{
	(void)state;
	if (agent_started && agent.pid > 0)
		kill(agent.pid, SIGCONT); /* a stopped agent cannot stop */
	if (agent_started)
		vigil_free(&agent);
	if (next_started)
		vigil_free(&next);
	agent_started = next_started = false;
	agent.own_group = false;
	return 0;
}

static void start_agent(struct vigil_proc *v)
{
	const char *argv[] = { "vigil", "run", NULL };

	*(v == &agent ? &agent_started : &next_started) = true;
	assert_int_equal(group_agent_start(v, argv), 0);
}

/* The sentinel alert about the signal `sig` from `pid`, written by `by`. */
struct tamper_want {
	long long pid;
	const char *sig, *by, *type;
};

static bool is_tamper(json_t *ev, void *ctx)
{
	struct tamper_want *w = ctx;
	const char *rule = jstr(ev, "rule"), *sig = alert_str(ev, "evt.arg.sig"),
		   *by = alert_str(ev, "vigil.reported_by"), *type = alert_str(ev, "evt.type");

	return rule && !strcmp(rule, "Signal sent to vigil") && alert_int(ev, "proc.pid") == w->pid &&
	       sig && !strcmp(sig, w->sig) && by && !strcmp(by, w->by) &&
	       (!w->type || (type && !strcmp(type, w->type)));
}

static bool is_any_sentinel(json_t *ev, void *ctx)
{
	(void)ctx;
	return alert_str(ev, "vigil.reported_by") != NULL;
}

/* A process state letter from /proc/<pid>/stat ('T' stopped), 0 if none. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/* The parent pid and comm of `pid` from /proc. */
static pid_t proc_ppid(pid_t pid, char *comm, size_t size)
{
	char path[64], buf[512], *p, *q;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strchr(buf, '(');
	q = strrchr(buf, ')');
	if (!p || !q || q < p)
		return -1;
	snprintf(comm, size, "%.*s", (int)(q - p - 1), p + 1);
	return (pid_t)atoi(q + 4); /* ") S <ppid>" */
}

/* The sentinel of our agent `a`: its child (a fork, named vigil too). */
static pid_t sentinel_of(pid_t a)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t found = -1;

	assert_non_null(d);
	while ((de = readdir(d))) {
		char comm[64];
		pid_t p = (pid_t)atoi(de->d_name);

		if (p > 0 && proc_ppid(p, comm, sizeof(comm)) == a && !strcmp(comm, "vigil"))
			found = p;
	}
	closedir(d);
	return found;
}

/* A thread of `pid` other than its leader. */
static pid_t other_thread(pid_t pid)
{
	char path[64];
	DIR *d;
	struct dirent *de;
	pid_t t = -1;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	assert_non_null(d);
	while ((de = readdir(d)))
		if (atoi(de->d_name) > 0 && atoi(de->d_name) != pid)
			t = (pid_t)atoi(de->d_name);
	closedir(d);
	return t;
}

enum how { BY_KILL, BY_PIDFD, BY_TGKILL };

/* A child (the attacker) sends `sig` to the agent `target` (thread `tid`
 * for tgkill); its pid once it has. */
static pid_t send_sig(pid_t target, pid_t tid, int sig, enum how how)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int fd;

		switch (how) {
		case BY_KILL:
			_exit(kill(target, sig) ? 1 : 0);
		case BY_PIDFD:
			fd = (int)syscall(SYS_pidfd_open, target, 0);
			_exit(fd >= 0 && !syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) ? 0 : 1);
		case BY_TGKILL:
			_exit(syscall(SYS_tgkill, target, tid, sig) ? 1 : 0);
		}
		_exit(2);
	}
	assert_int_equal(wait_exit(pid), 0);
	return pid;
}

/* SIGSTOP: the agent stops (it reads nothing more); the sentinel reports. */
static void test_sigstop(void **state)
{
	struct tamper_want w = { .sig = "SIGSTOP", .by = "sentinel", .type = "kill" };
	long long deadline;

	(void)state;
	start_agent(&agent);
	w.pid = send_sig(agent.pid, 0, SIGSTOP, BY_KILL);
	/* the attack landed: the agent is stopped */
	deadline = now_ms() + WAIT_MS;
	while (proc_state(agent.pid) != 'T' && now_ms() < deadline)
		usleep(10000);
	assert_int_equal(proc_state(agent.pid), 'T');
	if (!vigil_wait(&agent, is_tamper, &w, WAIT_MS))
		fail_msg("no alert for the SIGSTOP that stopped vigil");
	assert_int_equal(proc_state(agent.pid), 'T'); /* it was the sentinel's */
}

/* SIGKILL through a pidfd, and through tgkill of one of its threads: the
 * agent dies at once; the alert is out all the same. */
static void sigkill_case(enum how how, const char *type)
{
	struct tamper_want w = { .sig = "SIGKILL", .by = "sentinel", .type = type };
	pid_t tid = 0;
	int st;

	start_agent(&agent);
	if (how == BY_TGKILL) {
		tid = other_thread(agent.pid);
		assert_true(tid > 0);
	}
	w.pid = send_sig(agent.pid, tid, SIGKILL, how);
	assert_int_equal(waitpid(agent.pid, &st, 0), agent.pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	agent.pid = 0;
	if (!vigil_wait(&agent, is_tamper, &w, WAIT_MS))
		fail_msg("no alert for the SIGKILL (%s) that killed vigil", type);
}

static void test_sigkill_pidfd(void **state)
{
	(void)state;
	sigkill_case(BY_PIDFD, "pidfd_send_signal");
}

static void test_sigkill_thread(void **state)
{
	(void)state;
	sigkill_case(BY_TGKILL, "tgkill");
}

/* SIGKILL to the agent's whole process group (kill(-pgid)): the agent
 * dies; the sentinel, in a session of its own, is not in the group and
 * reports. The agent leads a group of its own here, so that the test's
 * runner is not in it. */
static void test_sigkill_group(void **state)
{
	struct tamper_want w = { .sig = "SIGKILL", .by = "sentinel", .type = "kill" };
	pid_t sentinel;
	int st;

	(void)state;
	agent.own_group = true;
	start_agent(&agent);
	assert_int_equal(getpgid(agent.pid), agent.pid);
	sentinel = sentinel_of(agent.pid);
	assert_true(sentinel > 0);
	assert_int_not_equal(getpgid(sentinel), agent.pid);
	w.pid = send_sig(-agent.pid, 0, SIGKILL, BY_KILL);
	assert_int_equal(waitpid(agent.pid, &st, 0), agent.pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	agent.pid = 0;
	assert_int_equal(kill(sentinel, 0), 0); /* the group kill missed it */
	if (!vigil_wait(&agent, is_tamper, &w, WAIT_MS))
		fail_msg("no alert for the process-group SIGKILL that killed vigil");
}

/* The agent and its sentinel both killed (the sentinel first: nothing is
 * left to report): the next agent reports what the kernel recorded. */
static void test_kill_both(void **state)
{
	struct tamper_want w = { .sig = "SIGKILL", .by = "next agent", .type = "kill" };
	char pin[64];
	pid_t sentinel;
	int st;

	(void)state;
	start_agent(&agent);
	sentinel = sentinel_of(agent.pid);
	assert_true(sentinel > 0);
	/* a session of its own: a process-group kill of the agent misses it */
	assert_int_not_equal(getsid(sentinel), getsid(agent.pid));
	assert_int_equal(kill(sentinel, SIGKILL), 0);
	while (kill(sentinel, 0) == 0 && proc_state(sentinel) != 'Z')
		usleep(10000);
	w.pid = send_sig(agent.pid, 0, SIGKILL, BY_KILL);
	assert_int_equal(waitpid(agent.pid, &st, 0), agent.pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	snprintf(pin, sizeof(pin), "/sys/fs/bpf/vigil-tamper-%d", (int)agent.pid);
	agent.pid = 0;
	assert_int_equal(vigil_count(&agent, is_tamper, &w), 0);
	start_agent(&next);
	if (!vigil_wait(&next, is_tamper, &w, WAIT_MS))
		fail_msg("the next agent did not report the SIGKILL of the last one");
	assert_int_equal(access(pin, F_OK), -1); /* reported once: the pin is gone */
}

/* The control: SIGHUP is vigil's to answer (a reload); the rule reports it
 * from the agent, the sentinel says nothing. */
static void test_sighup_control(void **state)
{
	struct alert_want w = { .rule = "Signal sent to vigil" };

	(void)state;
	start_agent(&agent);
	w.pid = send_sig(agent.pid, 0, SIGHUP, BY_KILL);
	assert_true(vigil_wait_stderr(&agent, "configuration reloaded", WAIT_MS));
	if (!vigil_wait(&agent, alert_matches, &w, WAIT_MS))
		fail_msg("no alert of the rule for the SIGHUP");
	assert_int_equal(kill(agent.pid, 0), 0);
	assert_int_equal(vigil_count(&agent, is_any_sentinel, NULL), 0);
}

int run_tamper_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_sighup_control, tamper_teardown),
		cmocka_unit_test_teardown(test_sigstop, tamper_teardown),
		cmocka_unit_test_teardown(test_sigkill_pidfd, tamper_teardown),
		cmocka_unit_test_teardown(test_sigkill_thread, tamper_teardown),
		cmocka_unit_test_teardown(test_sigkill_group, tamper_teardown),
		cmocka_unit_test_teardown(test_kill_both, tamper_teardown),
	};

	return cmocka_run_group_tests_name("evasion: tamper", tests, NULL, NULL);
}
