// SPDX-License-Identifier: Apache-2.0
/*
 * Integration tests of the kernel side and `vigil trace`: a real vigil
 * loads its BPF programs, children of this test make real syscalls, and
 * each test waits for the JSON event that must describe them, checking pid,
 * arguments and return value. Needs root and a kernel with BTF.
 *
 * One vigil (`trace --json --pid <this test>`) serves the whole group; a
 * few tests start their own to check options and exit behaviour.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define WAIT_MS 10000

static struct vigil_proc agent;
static char tmpdir[64];
/* A process started before the agent: blocks reading `pre_pipe`, then
 * opens the path it was given. */
static pid_t pre_pid;
static int pre_pipe = -1;
static char pre_path[PATH_MAX];

/* --- predicates ---------------------------------------------------------- */

struct match {
	const char *event;
	long long pid;
	const char *name; /* args.name, when set */
};

static bool match_event(json_t *ev, void *ctx)
{
	struct match *m = ctx;
	const char *name;

	if (!jstr(ev, "event") || strcmp(jstr(ev, "event"), m->event))
		return false;
	if (m->pid && jint(ev, "proc.pid") != m->pid)
		return false;
	if (m->name) {
		name = jstr(ev, "args.name");
		if (!name || strcmp(name, m->name))
			return false;
	}
	return true;
}

static json_t *wait_for(const char *event, pid_t pid, const char *name)
{
	struct match m = { .event = event, .pid = pid, .name = name };

	return vigil_wait(&agent, match_event, &m, WAIT_MS);
}

/* Run fn in a child and return its pid once it has exited with status 0. */
static pid_t run_child(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	int st;

	if (pid == 0)
		_exit(fn(arg));
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	return pid;
}

/* An int a child can write and the parent read after waiting for it. */
static int *mmap_shared_int(void)
{
	int *p = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	*p = 0;
	return p;
}

static bool has_flag(const char *flags, const char *flag)
{
	size_t n = strlen(flag);

	for (const char *p = flags; p && (p = strstr(p, flag)); p += n)
		if ((p == flags || p[-1] == '|') && (p[n] == '\0' || p[n] == '|'))
			return true;
	return false;
}

/* --- group ---------------------------------------------------------------- */

static int start_preexisting(void)
{
	int fds[2];
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0 || pipe(fds))
		return -1;
	exe[n] = '\0';
	snprintf(pre_path, sizeof(pre_path), "%s/preexisting", tmpdir);
	pre_pid = fork();
	if (pre_pid == 0) {
		dup2(fds[0], 0);
		close(fds[1]);
		execl(exe, exe, "--helper", "wait-open", pre_path, (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	pre_pipe = fds[1];
	return pre_pid > 0 ? 0 : -1;
}

static int group_setup(void **state)
{
	char pidarg[32];
	const char *argv[] = { "vigil", "trace", "--json", "--pid", pidarg, NULL };

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vigil-it-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	if (start_preexisting())
		return -1;
	snprintf(pidarg, sizeof(pidarg), "%d", getpid());
	if (vigil_start(&agent, argv, 60000)) {
		fprintf(stderr, "# vigil did not become ready: %s\n", agent.err ? agent.err : "");
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[PATH_MAX + 16];
	int st;

	(void)state;
	if (pre_pid > 0) {
		kill(pre_pid, SIGKILL);
		waitpid(pre_pid, &st, 0);
	}
	vigil_free(&agent);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* --- syscalls ------------------------------------------------------------- */

static int do_open_write(void *arg)
{
	int fd = open(arg, O_WRONLY | O_CREAT | O_EXCL, 0600);

	return fd >= 0 && close(fd) == 0 ? 0 : 1;
}

static void test_open_write(void **state)
{
	char path[PATH_MAX];
	pid_t pid;
	json_t *ev;

	(void)state;
	snprintf(path, sizeof(path), "%s/fresh-file", tmpdir);
	pid = run_child(do_open_write, path);
	ev = wait_for("openat", pid, path);
	assert_non_null(ev);
	assert_true(jint(ev, "ret") >= 0);
	assert_string_equal(jstr(ev, "res"), "SUCCESS");
	assert_true(has_flag(jstr(ev, "args.flags"), "O_WRONLY"));
	assert_true(has_flag(jstr(ev, "args.flags"), "O_CREAT"));
	assert_true(has_flag(jstr(ev, "args.flags"), "O_EXCL"));
	assert_string_equal(jstr(ev, "args.mode"), "0600");
	assert_int_equal(jint(ev, "args.dirfd"), -100);
	/* the kernel resolved the new fd's path: tmpdir has no symlinks */
	assert_string_equal(jstr(ev, "resolved"), path);
	assert_int_equal(jint(ev, "proc.tid"), pid);
	assert_int_equal(jint(ev, "proc.ppid"), getpid());
	assert_int_equal(jint(ev, "proc.uid"), getuid());
}

static int do_open_missing(void *arg)
{
	(void)arg;
	return open("/nonexistent-vigil-dir/missing", O_RDONLY) < 0 && errno == ENOENT ? 0 : 1;
}

static void test_open_missing(void **state)
{
	json_t *ev;
	pid_t pid;

	(void)state;
	pid = run_child(do_open_missing, NULL);
	ev = wait_for("openat", pid, "/nonexistent-vigil-dir/missing");
	assert_non_null(ev);
	assert_int_equal(jint(ev, "ret"), -ENOENT);
	assert_string_equal(jstr(ev, "res"), "ENOENT");
	assert_string_equal(jstr(ev, "args.flags"), "O_RDONLY");
	/* no fd, so nothing to resolve */
	assert_null(jget(ev, "resolved"));
}

static int do_connect(void *arg)
{
	struct sockaddr_in *sin = arg;
	int s = socket(AF_INET, SOCK_STREAM, 0);

	return connect(s, (struct sockaddr *)sin, sizeof(*sin)) == 0 ? 0 : 1;
}

static void test_connect_loopback(void **state)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	json_t *ev;
	pid_t pid;

	(void)state;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(l, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(l, 4), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&sin, &len), 0);
	pid = run_child(do_connect, &sin);
	ev = wait_for("connect", pid, NULL);
	assert_non_null(ev);
	assert_int_equal(jint(ev, "ret"), 0);
	assert_string_equal(jstr(ev, "args.addr.family"), "AF_INET");
	assert_string_equal(jstr(ev, "args.addr.ip"), "127.0.0.1");
	assert_int_equal(jint(ev, "args.addr.port"), ntohs(sin.sin_port));
	/* the kernel's view of the socket agrees */
	assert_string_equal(jstr(ev, "sock.l4proto"), "tcp");
	assert_string_equal(jstr(ev, "sock.remote.ip"), "127.0.0.1");
	assert_int_equal(jint(ev, "sock.remote.port"), ntohs(sin.sin_port));
	assert_string_equal(jstr(ev, "sock.local.ip"), "127.0.0.1");
	assert_true(jint(ev, "sock.local.port") > 0);
	close(l);
}

static int do_exec_true(void *arg)
{
	(void)arg;
	execl("/bin/true", "true", "--vigil-it", "two words", (char *)NULL);
	return 127;
}

static void test_exec(void **state)
{
	char real[PATH_MAX];
	json_t *ev, *argv;
	pid_t pid;

	(void)state;
	assert_non_null(realpath("/bin/true", real));
	pid = run_child(do_exec_true, NULL);
	ev = wait_for("execve", pid, NULL);
	assert_non_null(ev);
	assert_string_equal(jstr(ev, "filename"), "/bin/true");
	/* the exe is the file really run, symlinks resolved */
	assert_string_equal(jstr(ev, "exe"), real);
	argv = jget(ev, "argv");
	assert_true(json_is_array(argv));
	assert_int_equal(json_array_size(argv), 3);
	assert_string_equal(json_string_value(json_array_get(argv, 0)), "true");
	assert_string_equal(json_string_value(json_array_get(argv, 1)), "--vigil-it");
	assert_string_equal(json_string_value(json_array_get(argv, 2)), "two words");
	assert_int_equal(jint(ev, "argc"), 3);
	assert_string_equal(jstr(ev, "proc.comm"), "true");
	assert_string_equal(jstr(ev, "proc.exe"), real);
	/* and its exit, with the new image's context still known */
	ev = wait_for("procexit", pid, NULL);
	assert_non_null(ev);
	assert_int_equal(jint(ev, "exit_code"), 0);
	assert_string_equal(jstr(ev, "proc.exe"), real);
}

static int do_exec_missing(void *arg)
{
	(void)arg;
	execl("/nonexistent-vigil-dir/prog", "prog", (char *)NULL);
	return errno == ENOENT ? 0 : 1;
}

static void test_exec_failure(void **state)
{
	json_t *ev;
	pid_t pid;

	(void)state;
	pid = run_child(do_exec_missing, NULL);
	ev = wait_for("execve", pid, NULL);
	assert_non_null(ev);
	assert_int_equal(jint(ev, "ret"), -ENOENT);
	assert_string_equal(jstr(ev, "args.filename"), "/nonexistent-vigil-dir/prog");
}

static int do_setuid(void *arg)
{
	(void)arg;
	return setuid(65534) == 0 ? 0 : 1;
}

static void test_setuid(void **state)
{
	json_t *ev;
	pid_t pid;

	(void)state;
	pid = run_child(do_setuid, NULL);
	ev = wait_for("setuid", pid, NULL);
	assert_non_null(ev);
	assert_int_equal(jint(ev, "ret"), 0);
	assert_int_equal(jint(ev, "args.uid"), 65534);
	/* recorded at exit: the credentials are already the new ones */
	assert_int_equal(jint(ev, "proc.uid"), 65534);
	assert_int_equal(jint(ev, "proc.euid"), 65534);
}

static int do_unshare(void *arg)
{
	(void)arg;
	return unshare(CLONE_NEWNS) == 0 ? 0 : 1;
}

static void test_unshare(void **state)
{
	json_t *ev;
	pid_t pid;

	(void)state;
	pid = run_child(do_unshare, NULL);
	ev = wait_for("unshare", pid, NULL);
	assert_non_null(ev);
	assert_int_equal(jint(ev, "ret"), 0);
	assert_string_equal(jstr(ev, "args.flags"), "CLONE_NEWNS");
}

static int do_fork_exit7(void *arg)
{
	int *out = arg, st;
	pid_t gc = fork();

	if (gc == 0)
		_exit(7);
	waitpid(gc, &st, 0);
	*out = gc;
	return WIFEXITED(st) && WEXITSTATUS(st) == 7 ? 0 : 1;
}

static bool match_fork_child(json_t *ev, void *ctx)
{
	long long *want = ctx; /* the parent's pid */

	return jstr(ev, "event") && !strcmp(jstr(ev, "event"), "procfork") &&
	       jint(ev, "proc.pid") == want[0];
}

static void test_fork_exit_code(void **state)
{
	int *shared = mmap_shared_int();
	long long want[1];
	json_t *ev;
	pid_t pid, gc;

	(void)state;
	pid = run_child(do_fork_exit7, shared);
	gc = *shared;
	assert_true(gc > 0);
	want[0] = pid;
	ev = vigil_wait(&agent, match_fork_child, want, WAIT_MS);
	assert_non_null(ev);
	assert_int_equal(jint(ev, "child_pid"), gc);
	ev = wait_for("procexit", gc, NULL);
	assert_non_null(ev);
	assert_int_equal(jint(ev, "exit_code"), 7);
	assert_int_equal(jint(ev, "proc.ppid"), pid);
	assert_null(jstr(ev, "signal"));
	munmap(shared, sizeof(int));
}

static int do_kill_sleeper(void *arg)
{
	int *out = arg, st;
	pid_t gc = fork();

	if (gc == 0) {
		pause();
		_exit(0);
	}
	*out = gc;
	if (kill(gc, SIGTERM))
		return 1;
	waitpid(gc, &st, 0);
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM ? 0 : 1;
}

static void test_kill_signal(void **state)
{
	int *shared = mmap_shared_int();
	json_t *ev;
	pid_t pid, gc;

	(void)state;
	pid = run_child(do_kill_sleeper, shared);
	gc = *shared;
	ev = wait_for("kill", pid, NULL);
	assert_non_null(ev);
	assert_int_equal(jint(ev, "args.pid"), gc);
	assert_string_equal(jstr(ev, "args.sig"), "SIGTERM");
	assert_int_equal(jint(ev, "ret"), 0);
	ev = wait_for("procexit", gc, NULL);
	assert_non_null(ev);
	assert_string_equal(jstr(ev, "signal"), "SIGTERM");
	munmap(shared, sizeof(int));
}

/* --- process table ---------------------------------------------------------- */

static void test_preexisting_process(void **state)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	json_t *ev, *args;
	bool found = false;
	int st;

	(void)state;
	assert_true(n > 0);
	exe[n] = '\0';
	/* It was started before vigil: only /proc can have told vigil who it is. */
	assert_int_equal(write(pre_pipe, "go\n", 3), 3);
	close(pre_pipe);
	pre_pipe = -1;
	assert_int_equal(waitpid(pre_pid, &st, 0), pre_pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ev = wait_for("openat", pre_pid, pre_path);
	pre_pid = 0;
	assert_non_null(ev);
	assert_string_equal(jstr(ev, "proc.exe"), exe);
	args = jget(ev, "proc.args");
	assert_true(json_is_array(args));
	for (size_t i = 0; i < json_array_size(args); i++)
		found |= !strcmp(json_string_value(json_array_get(args, i)) ?: "", "wait-open");
	assert_true(found);
	/* its parent, this test, is known to the process table by name */
	assert_string_equal(jstr(ev, "proc.pname"), "integration");
	assert_int_equal(jint(ev, "proc.ppid"), getpid());
}

/* --- options and exit behaviour ---------------------------------------------- */

static int do_open_and_unlink(void *arg)
{
	int fd = open(arg, O_WRONLY | O_CREAT, 0644);

	if (fd < 0)
		return 1;
	close(fd);
	return unlink(arg) == 0 ? 0 : 1;
}

static bool any_event(json_t *ev, void *ctx)
{
	(void)ctx;
	return jstr(ev, "event") != NULL;
}

static bool not_unlink(json_t *ev, void *ctx)
{
	const char *e = jstr(ev, "event");

	(void)ctx;
	return !e || strcmp(e, "unlink");
}

/* --syscall narrows what the kernel records; --duration ends vigil cleanly. */
static void test_syscall_filter_and_duration(void **state)
{
	char pidarg[32], path[PATH_MAX];
	const char *argv[] = { "vigil",	  "trace", "--json",     "--syscall", "unlink",
			       "--pid",	  pidarg,  "--duration", "30",	      NULL };
	struct vigil_proc v = { 0 };
	struct match m = { .event = "unlink" };
	json_t *ev;
	pid_t pid;
	int st;

	(void)state;
	snprintf(pidarg, sizeof(pidarg), "%d", getpid());
	snprintf(path, sizeof(path), "%s/unlinked", tmpdir);
	assert_int_equal(vigil_start(&v, argv, 60000), 0);
	/* unlink, plus chdir and fchdir that keep each process's cwd */
	assert_non_null(strstr(v.err, "(trace, 3 syscalls)"));
	pid = run_child(do_open_and_unlink, path);
	m.pid = pid;
	ev = vigil_wait(&v, match_event, &m, WAIT_MS);
	assert_non_null(ev);
	assert_string_equal(jstr(ev, "args.path"), path);
	assert_int_equal(jint(ev, "ret"), 0);
	st = vigil_stop(&v, 10000);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	/* the open the child also made was never recorded */
	assert_true(vigil_count(&v, any_event, NULL) >= 1);
	assert_int_equal(vigil_count(&v, not_unlink, NULL), 0);
	assert_int_equal(v.bad_lines, 0);
	vigil_free(&v);

	/* --duration: vigil stops by itself, exit 0 */
	{
		const char *dargv[] = { "vigil", "trace", "--duration", "1", "--syscall", "unlink",
					NULL };

		st = vigil_run_to_end(&v, dargv, 60000);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
		assert_non_null(strstr(v.err, "vigil: ready"));
		vigil_free(&v);
	}
}

static void test_usage_errors(void **state)
{
	const char *bad_sys[] = { "vigil", "trace", "--syscall", "no_such_call", NULL };
	const char *bad_cmd[] = { "vigil", "frobnicate", NULL };
	const char *bad_rb[] = { "vigil", "trace", "--ringbuf", "3000", NULL };
	const char *bad_dur[] = { "vigil", "trace", "--duration", "-1", NULL };
	struct vigil_proc v = { 0 };
	int st;

	(void)state;
	st = vigil_run_to_end(&v, bad_sys, 10000);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 2);
	assert_non_null(strstr(v.err, "no_such_call"));
	vigil_free(&v);
	st = vigil_run_to_end(&v, bad_cmd, 10000);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 2);
	assert_non_null(strstr(v.err, "frobnicate"));
	vigil_free(&v);
	st = vigil_run_to_end(&v, bad_rb, 10000);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 2);
	assert_non_null(strstr(v.err, "--ringbuf"));
	vigil_free(&v);
	st = vigil_run_to_end(&v, bad_dur, 10000);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 2);
	assert_non_null(strstr(v.err, "--duration"));
	vigil_free(&v);
}

static void test_probe(void **state)
{
	const char *argv[] = { "vigil", "probe", "--json", NULL };
	struct vigil_proc v = { 0 };
	json_t *j;
	int st;

	(void)state;
	st = vigil_run_to_end(&v, argv, 60000);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(v.nev, 1);
	j = v.ev[0];
	/* what this machine is documented to offer (DEVELOPERS.md) */
	assert_true(json_is_true(jget(j, "features.btf.available")));
	assert_true(json_is_true(jget(j, "features.tp_btf.available")));
	assert_true(json_is_true(jget(j, "features.raw_tracepoint.available")));
	assert_true(json_is_true(jget(j, "features.ringbuf.available")));
	assert_true(json_is_true(jget(j, "features.bpf_send_signal.available")));
	assert_true(json_is_boolean(jget(j, "features.lsm_bpf.available")));
	assert_non_null(jstr(j, "features.lsm_bpf.detail"));
	assert_true(json_is_true(jget(j, "enforcement.kill")));
	vigil_free(&v);
}

/* --- losses ------------------------------------------------------------------ */

static int do_open_flood(void *arg)
{
	(void)arg;
	for (int i = 0; i < 50000; i++) {
		int fd = open("/dev/null", O_RDONLY);

		if (fd < 0)
			return 1;
		close(fd);
	}
	return 0;
}

static unsigned long long stat_field(const char *err, const char *line_key, const char *field)
{
	const char *l = strstr(err, line_key), *f;

	if (!l)
		return ~0ull;
	f = strstr(l, field);
	if (!f || memchr(l, '\n', (size_t)(f - l)))
		return ~0ull;
	return strtoull(f + strlen(field), NULL, 10);
}

/* A ring buffer too small for a flood: losses happen, and every one is
 * counted and reported, never silent. */
static void test_losses_counted(void **state)
{
	char pidarg[32];
	const char *argv[] = { "vigil", "trace", "--json",  "--syscall", "openat", "--pid",
			       pidarg,	"--ringbuf", "4096", "--stats",   NULL };
	unsigned long long seen, sent, lost, records;
	struct vigil_proc v = { 0 };
	struct match m = { .event = "openat" };
	int st;

	(void)state;
	snprintf(pidarg, sizeof(pidarg), "%d", getpid());
	assert_int_equal(vigil_start(&v, argv, 60000), 0);
	m.pid = run_child(do_open_flood, NULL);
	st = vigil_stop(&v, 30000);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	seen = stat_field(v.err, "stats: openat", "seen ");
	sent = stat_field(v.err, "stats: openat", "sent ");
	lost = stat_field(v.err, "stats: openat", "lost ");
	records = stat_field(v.err, "stats: records", "records ");
	print_message("# openat seen %llu sent %llu lost %llu; records %llu\n", seen, sent, lost,
		      records);
	assert_true(seen >= 50000);
	assert_int_equal(seen, sent + lost);
	assert_true(lost > 0);
	assert_non_null(strstr(v.err, "events dropped"));
	/* every record that reached the ring was read and printed */
	assert_true(vigil_count(&v, match_event, &m) <= sent);
	vigil_free(&v);
}

/* --- main ------------------------------------------------------------------ */

static int helper_main(int argc, char **argv)
{
	char buf[8];
	int fd;

	if (argc == 4 && !strcmp(argv[2], "wait-open")) {
		if (read(0, buf, sizeof(buf)) <= 0)
			return 1;
		fd = open(argv[3], O_WRONLY | O_CREAT, 0600);
		return fd >= 0 ? 0 : 1;
	}
	return 2;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_write),
		cmocka_unit_test(test_open_missing),
		cmocka_unit_test(test_connect_loopback),
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_exec_failure),
		cmocka_unit_test(test_setuid),
		cmocka_unit_test(test_unshare),
		cmocka_unit_test(test_fork_exit_code),
		cmocka_unit_test(test_kill_signal),
		cmocka_unit_test(test_preexisting_process),
		cmocka_unit_test(test_syscall_filter_and_duration),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_losses_counted),
	};

	if (argc > 1 && !strcmp(argv[1], "--helper"))
		return helper_main(argc, argv);
	if (geteuid() != 0) {
		fprintf(stderr, "integration tests load BPF programs: run them as root\n");
		return 1;
	}
	return cmocka_run_group_tests_name("integration", tests, group_setup, group_teardown);
}
