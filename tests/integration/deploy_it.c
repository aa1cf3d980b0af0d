// SPDX-License-Identifier: Apache-2.0
/*
 * Integration tests of what running vigil as a service needs.
 *
 * systemd's notify protocol: READY=1 once attached, STOPPING=1 on the way
 * out, on a datagram socket this test owns (a path, and an abstract name).
 *
 * HOST_ROOT / --host-root and VIGIL_HOSTNAME: an agent
 * run as a DaemonSet sees the host's filesystem below a mount point. A
 * root made here holds its own /etc/passwd, /etc/group, /etc/hostname and
 * a docker state file; its /proc is the real one bind-mounted, or an empty
 * directory. The alerts must take user and group names, the host name,
 * container names and the context of processes older than the agent from
 * that root, and VIGIL_HOSTNAME must win for the host name.
 */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define WAIT_MS 10000
#define CID "4057f00d00000000000000000000000000000000000000000000000000000001"

static char tmpdir[64], rules_path[128], root[128], self[PATH_MAX];
static bool proc_mounted;
/* the test's agent: a failed test leaves it to the next one or the teardown */
static struct vigil_proc v = { .pid = -1, .out_fd = -1, .err_fd = -1 };

static void path_in(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", tmpdir, name);
}

static int put(const char *rel, const char *text)
{
	char path[512], dir[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	if (mkdirs(dir))
		return -1;
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static int group_setup(void **state)
{
	char path[256];
	ssize_t n;
	FILE *f;

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vigil-hr-XXXXXX");
	if (!mkdtemp(tmpdir) || chmod(tmpdir, 0755))
		return -1;
	path_in(root, sizeof(root), "root");
	path_in(path, sizeof(path), "m");
	if (mkdir(path, 0755))
		return -1;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return -1;
	self[n] = '\0';
	if (put("/etc/passwd", "hradmin:x:0:0:host root:/root:/bin/sh\n") ||
	    put("/etc/group", "hrwheel:x:0:\n") || put("/etc/hostname", "from-etc-hostname\n") ||
	    put("/var/lib/docker/containers/" CID "/config.v2.json",
		"{\"Name\":\"/from-host-root\",\"Config\":{\"Image\":\"hr/img:7\"}}"))
		return -1;
	snprintf(path, sizeof(path), "%s/proc", root);
	if (mkdir(path, 0755))
		return -1;
	path_in(rules_path, sizeof(rules_path), "rules.yaml");
	f = fopen(rules_path, "w");
	if (!f)
		return -1;
	fprintf(f,
		"- rule: HR marker\n"
		"  desc: an open below the host-root test's dir\n"
		"  condition: evt.type in (open, openat) and fd.name startswith %s/m/\n"
		"  output: \"hr user=%%user.name group=%%group.name cmd=%%proc.cmdline"
		" name=%%container.name image=%%container.image\"\n"
		"  priority: NOTICE\n"
		"  tags: [T1082]\n",
		tmpdir);
	return fclose(f);
}

/* The real /proc, bind-mounted as the root's. */
static int proc_mount(void)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/proc", root);
	if (mount("/proc", path, NULL, MS_BIND | MS_REC, NULL))
		return -1;
	proc_mounted = true;
	return 0;
}

static void proc_umount(void)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/proc", root);
	if (proc_mounted && umount2(path, MNT_DETACH) == 0)
		proc_mounted = false;
}

static int group_teardown(void **state)
{
	char cmd[128];

	(void)state;
	vigil_free(&v);
	proc_umount();
	if (proc_mounted)
		return -1; /* never rm -rf through the real /proc */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/*
 * A process older than the agent: it waits on a pipe, then (run as
 * `--helper FILE`) opens FILE. Returns its pid; *go is the pipe's end to
 * write to.
 */
static pid_t old_process(const char *file, int *go)
{
	int p[2];
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(p[0], 3);
		execl(self, "hostroot-helper", "--helper", file, (char *)NULL);
		_exit(127);
	}
	close(p[0]);
	*go = p[1];
	return pid;
}

static int write_file(void *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	return fd >= 0 ? 0 : 1;
}

/* With --host-root over a root whose /proc is the host's: names, host name
 * and container from the root's files, old processes with their context. */
static void test_host_root(void **state)
{
	const char *argv[] = { "vigil", "run", "--rules", rules_path, "--host-root", root, NULL };
	char file[160], mount[256], cg[400];
	struct alert_want w = { .rule = "HR marker" };
	json_t *ev = NULL;
	int go, st;
	pid_t old;

	(void)state;
	assert_int_equal(proc_mount(), 0);
	path_in(file, sizeof(file), "m/old");
	old = old_process(file, &go);
	assert_true(old > 0);
	assert_int_equal(vigil_start(&v, argv, 60000), 0);
	/* the old process, known only from the root's /proc */
	assert_int_equal(write(go, "g", 1), 1);
	close(go);
	assert_int_equal(wait_exit(old), 0);
	w.pid = old;
	ev = vigil_wait(&v, alert_matches, &w, WAIT_MS);
	assert_non_null(ev);
	assert_string_equal(jstr(ev, "hostname"), "from-etc-hostname");
	assert_string_equal(alert_str(ev, "user.name"), "hradmin");
	assert_string_equal(alert_str(ev, "group.name"), "hrwheel");
	assert_non_null(strstr(alert_str(ev, "proc.cmdline"), "--helper"));
	/* a docker container the root's state file names (no socket there) */
	cgroup2_mount(mount, sizeof(mount));
	if (mount[0]) {
		snprintf(cg, sizeof(cg), "%s/docker-%s.scope", mount, CID);
		assert_int_equal(mkdirs(cg), 0);
		path_in(file, sizeof(file), "m/c");
		for (int i = 0; i < 50; i++) {
			w.pid = container_run(cg, write_file, file, &st);
			assert_true(w.pid > 0);
			ev = vigil_wait(&v, alert_matches, &w, WAIT_MS);
			assert_non_null(ev);
			if (alert_str(ev, "container.name"))
				break;
		}
		rmdir(cg);
		assert_string_equal(alert_str(ev, "container.name"), "from-host-root");
		assert_string_equal(alert_str(ev, "container.image"), "hr/img:7");
	}
	assert_int_equal(vigil_stop(&v, 10000) >= 0, 1);
	vigil_free(&v);
	proc_umount();
}

/* HOST_ROOT from the environment, and VIGIL_HOSTNAME: over a root whose
 * /proc is empty, a process older than the agent has no context (the
 * agent read /proc there, not here). */
static void test_host_root_env(void **state)
{
	const char *argv[] = { "vigil", "run", "--rules", rules_path, NULL };
	struct alert_want w = { .rule = "HR marker" };
	char file[160];
	json_t *ev;
	int go, rc;
	pid_t old;

	(void)state;
	vigil_free(&v);
	path_in(file, sizeof(file), "m/old2");
	old = old_process(file, &go);
	assert_true(old > 0);
	setenv("HOST_ROOT", root, 1);
	setenv("VIGIL_HOSTNAME", "node-7", 1);
	rc = vigil_start(&v, argv, 60000);
	unsetenv("HOST_ROOT");
	unsetenv("VIGIL_HOSTNAME");
	assert_int_equal(rc, 0);
	assert_int_equal(write(go, "g", 1), 1);
	close(go);
	assert_int_equal(wait_exit(old), 0);
	w.pid = old;
	ev = vigil_wait(&v, alert_matches, &w, WAIT_MS);
	assert_non_null(ev);
	assert_string_equal(jstr(ev, "hostname"), "node-7");
	assert_string_equal(alert_str(ev, "user.name"), "hradmin");
	assert_null(strstr(alert_str(ev, "proc.cmdline") ? alert_str(ev, "proc.cmdline") : "",
			   "--helper"));
	assert_int_equal(vigil_stop(&v, 10000) >= 0, 1);
	vigil_free(&v);
}

/* A HOST_ROOT that is not a directory: usage error, exit 2, one line. */
static void test_bad_host_root(void **state)
{
	const char *opt[] = { "vigil", "run", "--host-root", "relative/dir", "--duration", "1", NULL };
	const char *env[] = { "vigil", "trace", "--duration", "1", NULL };
	int st;

	(void)state;
	vigil_free(&v);
	st = vigil_run_to_end(&v, opt, 10000);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 2);
	assert_non_null(strstr(v.err, "--host-root: 'relative/dir' is not an absolute path"));
	vigil_free(&v);
	setenv("HOST_ROOT", "/nonexistent-host-root", 1);
	st = vigil_run_to_end(&v, env, 10000);
	unsetenv("HOST_ROOT");
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 2);
	assert_non_null(strstr(v.err, "HOST_ROOT: '/nonexistent-host-root' is not a directory"));
	vigil_free(&v);
}

/* --- systemd notify ------------------------------------------------------------ */

/* A datagram socket bound at `name` (a path, or "@name": abstract). */
static int notify_socket(const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(name);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || n >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, name, n);
	if (name[0] == '@')
		sa.sun_path[0] = '\0';
	if (bind(fd, (struct sockaddr *)&sa,
		 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (name[0] == '/')))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The next datagram on fd within timeout_ms, into buf; false if none. */
static bool notify_read(int fd, char *buf, size_t size, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, timeout_ms) != 1)
		return false;
	n = recv(fd, buf, size - 1, 0);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return true;
}

/* Start an agent with NOTIFY_SOCKET=name; READY=1 must come once it is
 * ready (not before), STOPPING=1 when it is told to stop. */
static void notify_case(const char *name, const char *cmd)
{
	/* trace: events of a comm nobody has, so that it prints nothing */
	const char *argv[] = { "vigil", cmd, "--duration", "60", !strcmp(cmd, "trace") ? "--comm" : NULL,
			       "vigil-none", NULL };
	char msg[512];
	int fd, rc;

	vigil_free(&v);
	fd = notify_socket(name);
	assert_true(fd >= 0);
	setenv("NOTIFY_SOCKET", name, 1);
	rc = vigil_start(&v, argv, 60000);
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(rc, 0);
	assert_true(notify_read(fd, msg, sizeof(msg), 10000));
	assert_non_null(strstr(msg, "READY=1"));
	assert_non_null(strstr(msg, "STATUS=ready ("));
	assert_non_null(strstr(v.err, "vigil: ready"));
	assert_int_equal(kill(v.pid, SIGTERM), 0);
	assert_true(notify_read(fd, msg, sizeof(msg), 10000));
	assert_non_null(strstr(msg, "STOPPING=1"));
	assert_true(vigil_stop(&v, 10000) >= 0);
	close(fd);
}

static void test_notify(void **state)
{
	char path[128], abstract[64];

	(void)state;
	path_in(path, sizeof(path), "notify.sock");
	notify_case(path, "run");
	snprintf(abstract, sizeof(abstract), "@vigil-notify-test-%d", getpid());
	notify_case(abstract, "trace");
}

/* A NOTIFY_SOCKET nobody listens on: said once, the agent runs on. */
static void test_notify_unreachable(void **state)
{
	const char *argv[] = { "vigil", "trace", "--duration", "60", "--comm", "vigil-none", NULL };
	char path[128];
	int rc;

	(void)state;
	vigil_free(&v);
	path_in(path, sizeof(path), "nobody.sock");
	setenv("NOTIFY_SOCKET", path, 1);
	rc = vigil_start(&v, argv, 60000);
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(rc, 0);
	assert_true(vigil_wait_stderr(&v, "$NOTIFY_SOCKET", 10000));
	assert_true(WIFEXITED(vigil_stop(&v, 10000)));
	assert_int_equal(WEXITSTATUS(v.status), 0);
}

/* --- agents of failed tests --------------------------------------------------- */

/*
 * A test process that dies while its agent runs (`vigil trace --pid N`
 * without --duration, as the context tests start them) takes the agent
 * with it; and the agent had a deadline of its own anyway.
 */
static void test_agent_dies_with_test(void **state)
{
	char cmdline[512], pidarg[16];
	long long deadline;
	int p[2], st = 0;
	ssize_t n;
	pid_t tester, agent_pid = 0, r;
	FILE *f;

	(void)state;
	/* orphans come to us, so that we can reap the agent and see how it died */
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	assert_int_equal(pipe(p), 0);
	tester = fork();
	if (tester == 0) {
		struct vigil_proc a = { .pid = -1 };
		const char *argv[] = { "vigil", "trace", "--pid", pidarg, NULL };

		close(p[0]);
		snprintf(pidarg, sizeof(pidarg), "%d", getpid());
		if (vigil_start(&a, argv, 60000))
			_exit(1);
		if (write(p[1], &a.pid, sizeof(a.pid)) != sizeof(a.pid))
			_exit(1);
		_exit(3); /* a suite that failed, its agent still running */
	}
	close(p[1]);
	n = read(p[0], &agent_pid, sizeof(agent_pid));
	close(p[0]);
	assert_true(tester > 0);
	assert_int_equal(waitpid(tester, &st, 0), tester);
	assert_int_equal(n, (ssize_t)sizeof(agent_pid));
	/* the deadline the harness gave it (read while it may still be there) */
	snprintf(cmdline, sizeof(cmdline), "/proc/%d/cmdline", agent_pid);
	f = fopen(cmdline, "r");
	if (f) {
		n = (ssize_t)fread(cmdline, 1, sizeof(cmdline) - 1, f);
		fclose(f);
		for (ssize_t i = 0; i < n; i++)
			cmdline[i] = cmdline[i] ? cmdline[i] : ' ';
		cmdline[n > 0 ? n : 0] = '\0';
		if (n > 0)
			assert_non_null(strstr(cmdline, "--duration " VIGIL_AGENT_DEADLINE_S));
	}
	deadline = now_ms() + 10000;
	while ((r = waitpid(agent_pid, &st, WNOHANG)) == 0 && now_ms() < deadline)
		usleep(10000);
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	if (r == 0) {
		kill(agent_pid, SIGKILL);
		waitpid(agent_pid, NULL, 0);
		fail_msg("the agent of a dead test still ran 10 s later");
	}
	assert_int_equal(r, agent_pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

/*
 * The DaemonSet manifest as Kubernetes would read it (no cluster here, no
 * kubectl or helm in Debian 12 to render it): tests/integration/manifest.py
 * parses it and checks what the agent relies on across its documents. It
 * must pass on deploy/vigil-daemonset.yaml and reject each broken copy
 * below with the problem named, so that the check itself can fail.
 */
#define MANIFEST "deploy/vigil-daemonset.yaml"
#define MANIFEST_CHECK "python3 tests/integration/manifest.py %s deploy/README.md src/cli/main.c"

static int manifest_check(const char *manifest, const char *out)
{
	char cmd[512];
	int rc;

	snprintf(cmd, sizeof(cmd), MANIFEST_CHECK " >%s 2>&1", manifest, out);
	rc = system(cmd);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void test_manifest(void **state)
{
	static const struct {
		const char *sed;  /* what breaks the copy */
		const char *want; /* what the check must then say */
	} broken[] = {
		{ "/hostPID: true/d", "hostPID is not true" },
		{ "s/fieldPath: spec.nodeName/fieldPath: metadata.name/", "VIGIL_HOSTNAME is not taken" },
		{ "s/, \"SYS_PTRACE\"\\]/]/", "capabilities add" },
		{ "s/seccompProfile: {type: Unconfined}/seccompProfile: {type: RuntimeDefault}/",
		  "seccompProfile must be Unconfined" },
		{ "0,/path: \\/healthz/s//path: \\/health/", "startupProbe path /health" },
		{ "s/listen_port: 8765/listen_port: 8766/", "livenessProbe port http" },
		{ "/mountPath: \\/sys\\/kernel\\/btf/d", "no mount at /sys/kernel/btf" },
		{ "s/mountPath: \\/host, readOnly: true/mountPath: \\/host/", "/host is not read-only" },
		{ "/- {key: local.yaml/s/key: local.yaml/key: locals.yaml/",
		  "key locals.yaml not in the ConfigMap" },
		{ "s/image: vigil:.*/image: vigil:0.0.9/", "is not tagged" },
	};
	char copy[160], out[160], text[4096];
	size_t i;
	FILE *f;

	(void)state;
	path_in(copy, sizeof(copy), "manifest.yaml");
	path_in(out, sizeof(out), "manifest.out");
	if (manifest_check(MANIFEST, out) != 0) {
		f = fopen(out, "r");
		text[f ? fread(text, 1, sizeof(text) - 1, f) : 0] = '\0';
		if (f)
			fclose(f);
		fail_msg("%s", text);
	}
	for (i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		char cmd[512];

		snprintf(cmd, sizeof(cmd), "sed -e '%s' " MANIFEST " >%s && ! cmp -s %s " MANIFEST,
			 broken[i].sed, copy, copy);
		assert_int_equal(system(cmd), 0); /* the copy differs */
		assert_int_equal(manifest_check(copy, out), 1);
		f = fopen(out, "r");
		assert_non_null(f);
		text[fread(text, 1, sizeof(text) - 1, f)] = '\0';
		fclose(f);
		if (!strstr(text, broken[i].want))
			fail_msg("sed '%s': want \"%s\", got: %s", broken[i].sed, broken[i].want, text);
	}
	/* not YAML at all: a clear error, exit 2 */
	snprintf(text, sizeof(text), "sed -e '1i a: [' " MANIFEST " >%s", copy);
	assert_int_equal(system(text), 0);
	assert_int_equal(manifest_check(copy, out), 2);
}

static int helper_main(const char *file)
{
	char c;

	if (read(3, &c, 1) != 1)
		return 1;
	return write_file((void *)file);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_notify),
		cmocka_unit_test(test_notify_unreachable),
		cmocka_unit_test(test_host_root),
		cmocka_unit_test(test_host_root_env),
		cmocka_unit_test(test_bad_host_root),
		cmocka_unit_test(test_agent_dies_with_test),
		cmocka_unit_test(test_manifest),
	};

	if (argc == 3 && !strcmp(argv[1], "--helper"))
		return helper_main(argv[2]);
	if (geteuid() != 0) {
		fprintf(stderr, "integration tests load BPF programs: run them as root\n");
		return 1;
	}
	return cmocka_run_group_tests_name("deploy", tests, group_setup, group_teardown);
}
