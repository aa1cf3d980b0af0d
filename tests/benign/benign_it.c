// SPDX-License-Identifier: Apache-2.0
/*
 * The false-positive suite: ordinary work under `vigil run` with the bundled
 * rules must raise no alert of priority Warning or above.
 *
 * The work is done by this test's descendants. A `vigil trace --pid <this
 * test>` next to the agent names them (their fork and exec events), so that
 * alerts from the rest of the machine are left out. After each step a marker
 * (a child calling PTRACE_TRACEME, which the bundled "Ptrace anti-debug
 * attempt" rule reports at Notice) proves that the agent and the tracer have
 * both read everything the step did; then the step's alerts are judged.
 * When a rule fires here, the rule is what gets fixed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define WAIT_MS 15000
#define STEP_TIMEOUT_S 120

static struct vigil_proc agent, tracer;
static char work[64], vartmp[64], repo[4096];
static size_t judged;		  /* agent events already judged */
static size_t nwarn, nquiet;	  /* our alerts: Warning or above, below */
static long long *pids;		  /* pids of this test's descendants */
static size_t npids, pidcap;

struct step {
	const char *name;
	/* bash: $W is the step's scratch dir, $WORK the suite's, $REPO the
	 * source tree, $VARTMP a directory below /var/tmp */
	const char *script;
};

static const struct step steps[] = {
	{ "build a small program with make and gcc",
	  "mkdir -p $W/hello && cd $W/hello\n"
	  "printf '#include <stdio.h>\\nint main(void) { puts(\"hello\"); return 0; }\\n' > main.c\n"
	  "printf 'hello: main.o\\n\\t$(CC) -o $@ $^\\nclean:\\n\\trm -f hello main.o\\n' > Makefile\n"
	  "make -s CC=gcc && ./hello && make -s clean\n" },
	{ "build vigil itself",
	  "make -s -C $REPO -j2 BUILD=$WORK/build $WORK/build/vigil $WORK/build/tests/test_strbuf "
	  "$WORK/build/tests/test_cond $WORK/build/tests/test_json\n"
	  "$WORK/build/vigil --version && $WORK/build/vigil check $REPO/rules/default.yaml\n" },
	{ "run vigil's unit tests",
	  "cd $REPO && for t in $WORK/build/tests/test_*; do $t > /dev/null || exit 1; done\n" },
	{ "git operations in a temp repository",
	  "cd $W && git init -q repo && cd repo\n"
	  "git config user.email dev@example.com && git config user.name Dev\n"
	  "echo one > a.txt && git add a.txt && git commit -qm first\n"
	  "git checkout -qb topic && echo two >> a.txt && git commit -qam second\n"
	  "git checkout -q - && git merge -q topic && git log --oneline | cat\n"
	  "git status --short && git diff HEAD~1 --stat | cat && git tag v1 && git branch -a | cat\n" },
	{ "package queries",
	  "dpkg -l | head -20 && dpkg -S /bin/ls && dpkg -s coreutils > /dev/null\n"
	  "apt-cache policy bash && apt-cache show coreutils > /dev/null\n" },
	{ "a shell session's common commands",
	  "cd $W && ls -la / /tmp > /dev/null && cat /etc/hostname /etc/os-release > /dev/null\n"
	  "grep -c root /etc/passwd && ps aux > /dev/null && env > /dev/null && id && whoami\n"
	  "uname -a && hostname && date && df -h / > /dev/null && free -m > /dev/null\n"
	  "echo notes > notes.txt && cp notes.txt copy.txt && mv copy.txt moved.txt\n"
	  "sort notes.txt | uniq | wc -l && sed 's/notes/text/' moved.txt && awk '{print $1}' moved.txt\n"
	  "find . -name '*.txt' | head && tar czf notes.tgz notes.txt && tar tzf notes.tgz\n"
	  "chmod 600 notes.txt && ln -s notes.txt link.txt && readlink link.txt\n"
	  "mkdir -p d/e && rmdir d/e d && rm -f moved.txt link.txt notes.tgz && which ls\n"
	  "echo 'line' >> $W/session.log && tail -n 1 $W/session.log && du -sh $W > /dev/null\n"
	  "ssh-keygen -q -t ed25519 -N '' -f $W/id_test && ssh-keygen -y -f $W/id_test > /dev/null\n"
	  "python3 -c 'print(sum(range(10)))' && perl -e 'print 6*7, \"\\n\"'\n" },
	{ "a web server on loopback serving requests",
	  "cd $W && echo '<h1>hi</h1>' > index.html\n"
	  "port=$(python3 -c 'import socket; s=socket.socket(); s.bind((\"127.0.0.1\", 0)); "
	  "print(s.getsockname()[1])')\n"
	  "python3 -m http.server --bind 127.0.0.1 $port > server.log 2>&1 & server=$!\n"
	  "for i in $(seq 100); do curl -sf http://127.0.0.1:$port/ > /dev/null && break; "
	  "sleep 0.05; done\n"
	  "for i in 1 2 3 4 5; do curl -sf http://127.0.0.1:$port/index.html | grep -q hi || exit 1; done\n"
	  "curl -s -o /dev/null -w '%{http_code}\\n' http://127.0.0.1:$port/missing\n"
	  "kill $server; wait $server || true\n" },
	{ "a cron-like job writing to /var/tmp",
	  "job=$W/job.sh\n"
	  "printf '#!/bin/sh\\nset -e\\nout=%s\\ndate >> $out/job.log\\n"
	  "[ $(wc -l < $out/job.log) -lt 3 ] || { mv $out/job.log $out/job.log.1; gzip -f $out/job.log.1; }\\n' "
	  "\"$VARTMP\" > $job\n"
	  "chmod +x $job && for i in 1 2 3 4; do $job || exit 1; done\n"
	  "ls $VARTMP && find $VARTMP -name '*.gz' -mmin -5 | grep -q gz\n" },
	{ "install a locally built package with maintainer scripts",
	  "$REPO/tests/benign/make-deb.sh $W\n"
	  "apt-get install -y -q -o DPkg::Lock::Timeout=120 $W/vigil-benign_1.0_all.deb\n"
	  "vigil-benign-alt | grep -q hello && getent passwd vigil-benign\n"
	  "test -f /etc/vigil-benign/vigil-benign.conf\n" },
	{ "an administrator edits a file below /etc at a terminal",
	  "conf=/etc/vigil-benign/vigil-benign.conf\n"
	  "script -qec \"sed -i 's/hello/hi/' $conf\" /dev/null\n"
	  "script -qec \"vi -Es -u NONE -c '%s/hi/hey/' -c wq $conf\" /dev/null\n"
	  "grep -q hey $conf\n" },
	{ "remove and purge the package",
	  "apt-get remove --purge -y -q -o DPkg::Lock::Timeout=120 vigil-benign\n"
	  "! getent passwd vigil-benign && ! test -e /etc/vigil-benign/vigil-benign.conf\n" },
	{ "update-alternatives and ldconfig by hand",
	  "update-alternatives --quiet --install /usr/local/bin/vigil-benign-tool vigil-benign-tool "
	  "/usr/bin/true 10\n"
	  "update-alternatives --query vigil-benign-tool > /dev/null && vigil-benign-tool\n"
	  "update-alternatives --quiet --remove vigil-benign-tool /usr/bin/true\n"
	  "ldconfig && ldconfig -p | grep -q libc.so\n" },
	{ "add and remove a user",
	  "adduser --disabled-password --gecos '' --quiet vigil-benign-user\n"
	  "id vigil-benign-user && test -f /home/vigil-benign-user/.bashrc\n"
	  "deluser --remove-home --quiet vigil-benign-user\n"
	  "! id vigil-benign-user 2> /dev/null\n" },
	{ "a Python virtualenv and pip install of a local wheel",
	  "export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1\n"
	  "cd $W && python3 -m venv venv\n"
	  "whl=$(python3 $REPO/tests/benign/make-wheel.py $W)\n"
	  "venv/bin/pip install -q --no-index --no-cache-dir $whl\n"
	  "venv/bin/python -c 'import vigil_benign_pkg as p; print(p.VALUE)' | grep -q benign\n"
	  "venv/bin/pip uninstall -q -y vigil-benign-pkg\n" },
};

/* --- which processes are ours ------------------------------------------------------- */

static void add_pid(long long pid)
{
	if (pid <= 0)
		return;
	for (size_t i = 0; i < npids; i++)
		if (pids[i] == pid)
			return;
	if (npids == pidcap) {
		pidcap = pidcap ? pidcap * 2 : 256;
		pids = realloc(pids, pidcap * sizeof(*pids));
		assert_non_null(pids);
	}
	pids[npids++] = pid;
}

static bool is_ours(long long pid)
{
	for (size_t i = 0; i < npids; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* Every pid the tracer reported: a process that acted, or a child forked. */
static bool collect_pid(json_t *ev, void *ctx)
{
	long long child = jint(ev, "child_pid");

	add_pid(jint(ev, "proc.pid"));
	if (child != LLONG_MIN)
		add_pid(child);
	return ctx && (jint(ev, "proc.pid") == *(long long *)ctx || child == *(long long *)ctx);
}

/* --- markers ------------------------------------------------------------------------ */

/* Fork a child that asks to be traced: the agent reports it at Notice, the
 * tracer its fork; once both have, each has read all that came before. */
static void sync_marker(void)
{
	struct alert_want w = { .rule = "Ptrace anti-debug attempt" };
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(ptrace(PTRACE_TRACEME, 0, NULL, NULL) ? 1 : 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	w.pid = pid;
	if (!vigil_wait(&agent, alert_matches, &w, WAIT_MS))
		fail_msg("the agent did not report the marker (pid %d)", (int)pid);
	if (!vigil_wait(&tracer, collect_pid, &w.pid, WAIT_MS))
		fail_msg("the tracer did not report the marker (pid %d)", (int)pid);
}

static bool loud(const char *priority)
{
	static const char *const levels[] = { "Emergency", "Alert", "Critical", "Error", "Warning" };

	for (size_t i = 0; priority && i < sizeof(levels) / sizeof(levels[0]); i++)
		if (!strcmp(priority, levels[i]))
			return true;
	return false;
}

/* Judge the alerts that arrived since the last call; fail listing the loud
 * ones raised by our processes. */
static void judge(const char *step)
{
	char msg[8192];
	size_t len = 0, bad = 0;

	vigil_count(&tracer, collect_pid, NULL);
	msg[0] = '\0';
	for (; judged < agent.nev; judged++) {
		json_t *ev = agent.ev[judged];

		if (!is_ours(alert_int(ev, "proc.pid")))
			continue;
		if (!loud(jstr(ev, "priority"))) {
			nquiet++;
			continue;
		}
		bad++;
		if (len < sizeof(msg) - 200)
			len += (size_t)snprintf(msg + len, sizeof(msg) - len, "\n#   %s: %s: %.300s",
						jstr(ev, "priority"), jstr(ev, "rule"), jstr(ev, "output"));
	}
	nwarn += bad;
	if (bad)
		fail_msg("%s: %zu alert(s) of priority Warning or above:%s", step, bad, msg);
}

/* --- steps ------------------------------------------------------------------------------- */

static void run_step(void **state)
{
	const struct step *s = *state;
	char dir[128];
	pid_t pid;
	int st;

	snprintf(dir, sizeof(dir), "%s/%td", work, s - steps);
	assert_int_equal(mkdir(dir, 0755), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		/* the step's own output is noise in the test log */
		dup2(null, 1);
		dup2(null, 2);
		setenv("W", dir, 1);
		setenv("WORK", work, 1);
		setenv("REPO", repo, 1);
		setenv("VARTMP", vartmp, 1);
		alarm(STEP_TIMEOUT_S);
		execl("/bin/bash", "bash", "-e", "-c", s->script, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	sync_marker();
	judge(s->name);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fail_msg("%s: the work itself failed (status %#x)", s->name, st);
}

static void test_summary(void **state)
{
	(void)state;
	print_message("# benign: %zu processes, %zu alerts of Warning or above, %zu below\n", npids,
		      nwarn, nquiet);
	assert_int_equal(nwarn, 0);
}

/* --- fixtures ----------------------------------------------------------------------------- */

static int group_setup(void **state)
{
	const char *run[] = { "vigil", "run", NULL };
	char me[16];
	const char *trace[] = { "vigil", "trace", "--pid", me, "--syscall", "procfork",
				"--syscall", "execve", "--json", NULL };

	(void)state;
	snprintf(work, sizeof(work), "/tmp/vigil-benign-XXXXXX");
	snprintf(vartmp, sizeof(vartmp), "/var/tmp/vigil-benign-XXXXXX");
	if (!mkdtemp(work) || !mkdtemp(vartmp) || !getcwd(repo, sizeof(repo)))
		return -1;
	/* what a run that died half-way left behind */
	if (system("tests/benign/cleanup.sh"))
		return -1;
	snprintf(me, sizeof(me), "%d", (int)getpid());
	if (vigil_start(&agent, run, 60000) || vigil_start(&tracer, trace, 60000)) {
		fprintf(stderr, "# vigil did not become ready: %s %s\n", agent.err ? agent.err : "",
			tracer.err ? tracer.err : "");
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[192];

	(void)state;
	vigil_free(&tracer);
	vigil_free(&agent);
	free(pids);
	/* the machine as the suite found it: no package, user or alternative */
	snprintf(cmd, sizeof(cmd), "tests/benign/cleanup.sh && rm -rf '%s' '%s'", work, vartmp);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const size_t n = sizeof(steps) / sizeof(steps[0]);
	struct CMUnitTest tests[sizeof(steps) / sizeof(steps[0]) + 1];

	if (geteuid() != 0) {
		fprintf(stderr, "the benign suite loads BPF programs: run it as root\n");
		return 1;
	}
	memset(tests, 0, sizeof(tests));
	for (size_t i = 0; i < n; i++) {
		tests[i].name = steps[i].name;
		tests[i].test_func = run_step;
		tests[i].initial_state = (void *)&steps[i];
	}
	tests[n].name = "no alert of Warning or above in all of it";
	tests[n].test_func = test_summary;
	return _cmocka_run_group_tests("benign", tests, n + 1, group_setup, group_teardown);
}
