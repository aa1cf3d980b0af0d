// SPDX-License-Identifier: Apache-2.0
/*
 * Integration tests of process and container context (issue 5): lifecycle
 * events that a flood of syscall records cannot starve, namespace ids
 * checked against /proc/PID/ns, host uids of processes in a user
 * namespace, and container names from a (fake) docker API. Real syscalls
 * from children of this test, a real `vigil run`; rules scoped to this
 * test's temp dir.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define WAIT_MS 10000
/* fork+exec of the test's `true` during the flood */
#define FLOOD_EXECS 200

static char tmpdir[64], rules_path[128], true_copy[128], launcher[128], mycomm[32];
static struct vigil_proc agent;

static void path_in(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", tmpdir, name);
}

/* Containers the fake docker API knows, and one it does not. */
#define KNOWN_ID "d0c4e7000000a11ce0000000000000000000000000000000000000000000beef"
#define UNKNOWN_ID "d0c4e7000000b0b000000000000000000000000000000000000000000000beef"

/* --- a fake docker API ---------------------------------------------------------- */

/*
 * Answers GET /containers/<id>/json on a unix socket as docker does (HTTP/1.0,
 * then close): canned JSON for KNOWN_ID, 404 otherwise. While `hold` is set
 * answers wait, so a test can show that vigil's alerts do not.
 */
static struct fake_docker {
	char path[100];
	int lfd;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool hold;
	int known, unknown; /* requests received for each */
	char last[160];	    /* the last request line */
} docker = { .lfd = -1, .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

static void docker_answer(int fd)
{
	static const char ok[] =
		"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n"
		"{\"Id\":\"" KNOWN_ID "\",\"Name\":\"/vigil-ctx-web\",\"State\":{\"Running\":true},"
		"\"Config\":{\"Hostname\":\"d0c4e7000000\",\"Image\":\"registry.local:5000/web/nginx:1.25-alpine\","
		"\"Env\":[\"PATH=/usr/bin\"]}}";
	static const char nf[] = "HTTP/1.0 404 Not Found\r\nContent-Type: application/json\r\n\r\n"
				 "{\"message\":\"No such container\"}";
	char req[4096];
	size_t n = 0;
	bool known;

	while (n < sizeof(req) - 1) {
		ssize_t r = read(fd, req + n, sizeof(req) - 1 - n);

		if (r <= 0)
			break;
		n += (size_t)r;
		req[n] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	req[n] = '\0';
	req[strcspn(req, "\r")] = '\0';
	known = strstr(req, "/containers/" KNOWN_ID "/json") != NULL;
	pthread_mutex_lock(&docker.mu);
	snprintf(docker.last, sizeof(docker.last), "%.150s", req);
	if (known)
		docker.known++;
	else
		docker.unknown++;
	pthread_cond_broadcast(&docker.cv);
	while (docker.hold)
		pthread_cond_wait(&docker.cv, &docker.mu);
	pthread_mutex_unlock(&docker.mu);
	if (write(fd, known ? ok : nf, known ? sizeof(ok) - 1 : sizeof(nf) - 1) < 0)
		return;
}

static void *docker_main(void *arg)
{
	int fd;

	(void)arg;
	while ((fd = accept(docker.lfd, NULL, NULL)) >= 0) {
		docker_answer(fd);
		close(fd);
	}
	return NULL;
}

static int docker_start(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	path_in(docker.path, sizeof(docker.path), "docker.sock");
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", docker.path);
	docker.lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (docker.lfd < 0 || bind(docker.lfd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(docker.lfd, 16))
		return -1;
	return pthread_create(&docker.thread, NULL, docker_main, NULL) ? -1 : 0;
}

static void docker_stop(void)
{
	if (docker.lfd < 0)
		return;
	pthread_mutex_lock(&docker.mu);
	docker.hold = false;
	pthread_cond_broadcast(&docker.cv);
	pthread_mutex_unlock(&docker.mu);
	shutdown(docker.lfd, SHUT_RDWR); /* accept() returns */
	pthread_join(docker.thread, NULL);
	close(docker.lfd);
	docker.lfd = -1;
}

/* Wait up to WAIT_MS for *count to reach n. */
static bool docker_wait(const int *count, int n)
{
	struct timespec deadline;
	bool ok;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += WAIT_MS / 1000;
	pthread_mutex_lock(&docker.mu);
	while (*count < n && pthread_cond_timedwait(&docker.cv, &docker.mu, &deadline) == 0)
		;
	ok = *count >= n;
	pthread_mutex_unlock(&docker.mu);
	return ok;
}

static void docker_hold(bool on)
{
	pthread_mutex_lock(&docker.mu);
	docker.hold = on;
	pthread_cond_broadcast(&docker.cv);
	pthread_mutex_unlock(&docker.mu);
}

/* --- fixtures ------------------------------------------------------------------ */

static int write_rules(void)
{
	FILE *f = fopen(rules_path, "w");

	if (!f)
		return -1;
	fprintf(f,
		"- rule: CTX ns\n"
		"  desc: open of the namespace test's marker\n"
		"  condition: evt.type in (open, openat) and fd.name = %s/ns/marker\n"
		"  output: \"ns pid=%%proc.pidns mnt=%%proc.mntns net=%%proc.netns user=%%proc.userns"
		" uts=%%proc.utsns ipc=%%proc.ipcns cgroup=%%proc.cgroupns in=%%proc.is_container\"\n"
		"  priority: NOTICE\n"
		"  tags: [T1611]\n"
		"- rule: CTX userns\n"
		"  desc: open of the user-namespace test's marker\n"
		"  condition: evt.type in (open, openat) and fd.name = %s/userns/marker\n"
		"  output: \"userns uid=%%user.uid gid=%%group.gid name=%%user.name"
		" userns=%%proc.userns\"\n"
		"  priority: NOTICE\n"
		"  tags: [T1611]\n"
		"- rule: CTX container\n"
		"  desc: open below the container test's dir from a container\n"
		"  condition: evt.type in (open, openat) and fd.name startswith %s/c/"
		" and container.id != host\n"
		"  output: \"container %%container.id name=%%container.name image=%%container.image"
		" repo=%%container.image.repository tag=%%container.image.tag\"\n"
		"  priority: NOTICE\n"
		"  tags: [T1610]\n",
		tmpdir, tmpdir, tmpdir);
	return fclose(f);
}

static int group_setup(void **state)
{
	const char *argv[] = { "vigil", "run", "--rules", rules_path, "--docker-socket", docker.path,
			       NULL };
	static const char *const dirs[] = { "flood", "ns", "userns", "c" };
	char path[160], self[PATH_MAX];
	ssize_t n;
	FILE *f;

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vigil-ctx-XXXXXX");
	/* 0755: the user-namespace test's child runs as another host uid */
	if (!mkdtemp(tmpdir) || chmod(tmpdir, 0755))
		return -1;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		path_in(path, sizeof(path), dirs[i]);
		if (mkdir(path, 0755))
			return -1;
	}
	path_in(rules_path, sizeof(rules_path), "rules.yaml");
	path_in(true_copy, sizeof(true_copy), "ctx-true");
	path_in(launcher, sizeof(launcher), "ctx-launcher");
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return -1;
	self[n] = '\0';
	if (copy_file("/bin/true", true_copy) || copy_file(self, launcher) || write_rules())
		return -1;
	f = fopen("/proc/self/comm", "r");
	if (!f || !fgets(mycomm, sizeof(mycomm), f))
		return -1;
	fclose(f);
	mycomm[strcspn(mycomm, "\n")] = '\0';
	if (docker_start())
		return -1;
	return group_agent_start(&agent, argv);
}

static int group_teardown(void **state)
{
	int rc;

	(void)state;
	rc = group_agent_end(&agent, tmpdir);
	docker_stop();
	return rc;
}

/* The number after `key` on the first stderr line starting with `line`. */
static long long stat_after(const char *err, const char *line, const char *key)
{
	const char *l = strstr(err, line), *k;

	if (!l)
		return -1;
	k = strstr(l, key);
	if (!k || memchr(l, '\n', (size_t)(k - l)))
		return -1;
	return strtoll(k + strlen(key), NULL, 10);
}

/* Inode of /proc/PID/ns/NAME. */
static unsigned long long ns_ino(pid_t pid, const char *name)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, name);
	return stat(path, &st) ? 0 : (unsigned long long)st.st_ino;
}

/* --- lifecycle events under a flood ------------------------------------------------ */

/* Opens until told to stop: fills a tiny syscall ring. */
static void flood(const char *path, volatile int *stop)
{
	while (!*stop) {
		int fd = open(path, O_RDONLY);

		if (fd >= 0)
			close(fd);
	}
	_exit(0);
}

/*
 * A flood of opens overflows a 4 KiB syscall ring while the launcher forks
 * and execs FLOOD_EXECS times: every exec still reaches the process table
 * through the lifecycle ring, and its alert names the exe, the parent and
 * the grandparent; the syscall ring's losses are counted, the lifecycle
 * ring loses nothing.
 */
static void test_lifecycle_under_flood(void **state)
{
	char frules[160], ffile[160], count[16];
	const char *argv[] = { "vigil", "run", "--rules", frules, "--ringbuf", "4096", "--stats", NULL };
	struct vigil_proc v = { 0 };
	struct alert_want w = { .rule = "CTX flood exec" };
	volatile int *stop = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				  -1, 0);
	pid_t flooder, spawner;
	size_t nexec = 0, ndrop = 0;
	long long lost_sys, lost_lc, deadline;
	FILE *f;
	int st;

	(void)state;
	assert_true(stop != MAP_FAILED);
	*stop = 0;
	path_in(frules, sizeof(frules), "flood-rules.yaml");
	path_in(ffile, sizeof(ffile), "flood/file");
	f = fopen(ffile, "w");
	assert_non_null(f);
	fclose(f);
	f = fopen(frules, "w");
	assert_non_null(f);
	/* the flood is matched by an observe-mode rule: its records must reach
	 * the ring (the kernel filter passes them), its matches print nothing */
	fprintf(f,
		"- rule: CTX flood\n"
		"  desc: the flood's opens\n"
		"  condition: evt.type in (open, openat) and fd.name startswith %s/flood/\n"
		"  output: flood\n"
		"  priority: DEBUG\n"
		"  mode: observe\n"
		"  tags: [T1083]\n"
		"- rule: CTX flood exec\n"
		"  desc: exec of the test's true\n"
		"  condition: evt.type = execve and proc.exepath = %s\n"
		"  output: \"exec %%proc.exepath parent %%proc.pname %%proc.pexepath gp %%proc.aname[2]\"\n"
		"  priority: NOTICE\n"
		"  tags: [T1059]\n",
		tmpdir, true_copy);
	fclose(f);
	assert_int_equal(vigil_start(&v, argv, 60000), 0);

	flooder = fork();
	assert_true(flooder >= 0);
	if (flooder == 0)
		flood(ffile, stop);
	snprintf(count, sizeof(count), "%d", FLOOD_EXECS);
	spawner = fork();
	assert_true(spawner >= 0);
	if (spawner == 0) {
		execl(launcher, "ctx-launcher", "--helper", "spawn", count, true_copy, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(wait_exit(spawner), 0);
	*stop = 1;
	assert_int_equal(wait_exit(flooder), 0);

	/* every exec's alert, each with its full context */
	deadline = now_ms() + WAIT_MS;
	while (vigil_count(&v, alert_matches, &w) < FLOOD_EXECS && now_ms() < deadline)
		if (vigil_pump(&v, 100) < 0)
			break;
	st = vigil_stop(&v, 30000);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	for (size_t i = 0; i < v.nev; i++) {
		json_t *ev = v.ev[i];
		const char *rule = jstr(ev, "rule");

		if (rule && !strcmp(rule, "vigil: events dropped")) {
			ndrop++;
			assert_int_equal(alert_int(ev, "vigil.dropped_lifecycle_total"), 0);
		}
		if (!alert_matches(ev, &w))
			continue;
		nexec++;
		assert_string_equal(alert_str(ev, "proc.exepath"), true_copy);
		assert_string_equal(alert_str(ev, "proc.pname"), "ctx-launcher");
		assert_string_equal(alert_str(ev, "proc.pexepath"), launcher);
		assert_string_equal(alert_str(ev, "proc.aname[2]"), mycomm);
	}
	lost_sys = stat_after(v.err, "stats: rings:", "syscall lost ");
	lost_lc = stat_after(v.err, "stats: rings:", ", lost ");
	print_message("# %zu exec alerts; syscall ring lost %lld, lifecycle ring lost %lld; "
		      "fork lost %lld, exit lost %lld\n",
		      nexec, lost_sys, lost_lc, stat_after(v.err, "stats: procfork", "lost "),
		      stat_after(v.err, "stats: procexit", "lost "));
	if (nexec != FLOOD_EXECS)
		fprintf(stderr, "# vigil stderr:\n%s\n", v.err);
	assert_int_equal(nexec, FLOOD_EXECS);
	assert_true(lost_sys > 0);
	assert_int_equal(lost_lc, 0);
	assert_int_equal(stat_after(v.err, "stats: procfork", "lost "), 0);
	assert_int_equal(stat_after(v.err, "stats: procexit", "lost "), 0);
	assert_true(stat_after(v.err, "stats: procexit", "sent ") >= FLOOD_EXECS);
	assert_true(ndrop > 0); /* the syscall losses were reported as alerts */
	vigil_free(&v);
	munmap((void *)stop, sizeof(int));
}

/* --- namespaces -------------------------------------------------------------------- */

struct ns_child {
	char marker[160];
	int go; /* read end: the parent has read /proc/PID/ns */
};

static int ns_child_main(void *arg)
{
	struct ns_child *c = arg;
	char b;
	int fd = open(c->marker, O_RDONLY);

	if (fd < 0)
		return 1;
	close(fd);
	return read(c->go, &b, 1) == 1 ? 0 : 2;
}

static bool match_trace_open(json_t *ev, void *ctx)
{
	long long *pid = ctx;

	return jstr(ev, "event") && !strcmp(jstr(ev, "event"), "openat") &&
	       jint(ev, "proc.pid") == *pid;
}

/* A child in new pid, mount, net, uts, ipc and cgroup namespaces: the
 * namespace ids of its events are those /proc/PID/ns shows for it. */
static void test_namespaces(void **state)
{
	static const char *const names[] = { "pid", "mnt", "net", "user", "uts", "ipc", "cgroup" };
	static const char *const fields[] = { "proc.pidns", "proc.mntns", "proc.netns",
					      "proc.userns", "proc.utsns", "proc.ipcns",
					      "proc.cgroupns" };
	char mepid[16];
	const char *targv[] = { "vigil", "trace", "--json", "--syscall", "openat", "--pid", mepid, NULL };
	struct vigil_proc tr = { 0 };
	struct ns_child c;
	struct alert_want w = { .rule = "CTX ns" };
	unsigned long long want[7];
	int go[2];
	pid_t pid, inner = 0;
	long long ipid;
	json_t *ev;
	FILE *f;

	(void)state;
	snprintf(mepid, sizeof(mepid), "%d", getpid());
	assert_int_equal(vigil_start(&tr, targv, 60000), 0);
	path_in(c.marker, sizeof(c.marker), "ns/marker");
	f = fopen(c.marker, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(pipe(go), 0);
	c.go = go[0];
	pid = container_spawn(NULL,
			      CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC |
				      CLONE_NEWCGROUP,
			      ns_child_main, &c, &inner);
	assert_true(pid > 0);
	for (int i = 0; i < 7; i++) {
		want[i] = ns_ino(inner, names[i]);
		assert_true(want[i] != 0);
		/* all new but the user namespace */
		if (strcmp(names[i], "user"))
			assert_true(want[i] != ns_ino(getpid(), names[i]));
		else
			assert_true(want[i] == ns_ino(getpid(), names[i]));
	}
	assert_int_equal(write(go[1], "g", 1), 1);
	close(go[0]);
	close(go[1]);
	assert_int_equal(wait_exit(pid), 0);

	w.pid = inner;
	ev = vigil_wait(&agent, alert_matches, &w, WAIT_MS);
	assert_non_null(ev);
	for (int i = 0; i < 7; i++)
		assert_int_equal(alert_int(ev, fields[i]), want[i]);
	assert_true(json_is_true(alert_field(ev, "proc.is_container")));

	/* `vigil trace --json` carries them too */
	ipid = inner;
	ev = vigil_wait(&tr, match_trace_open, &ipid, WAIT_MS);
	assert_non_null(ev);
	for (int i = 0; i < 7; i++) {
		char key[32];

		snprintf(key, sizeof(key), "proc.ns.%s", names[i]);
		assert_int_equal(jint(ev, key), want[i]);
	}
	vigil_free(&tr);
}

/* --- user namespaces ----------------------------------------------------------------- */

#define USERNS_HOST_ID 12345

static void write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	close(fd);
}

/*
 * A child in a new user namespace where its uid 0 is the host's uid 12345
 * (as a rootless container runs): its events report uid 12345, the host's
 * view, and the namespace's id.
 */
static void test_userns_host_uid(void **state)
{
	char marker[160], path[64], map[32];
	struct alert_want w = { .rule = "CTX userns" };
	int ready[2], go[2];
	unsigned long long userns;
	pid_t pid;
	json_t *ev;
	char b;
	FILE *f;

	(void)state;
	if (in_chroot()) {
		print_message("# in a chroot: the kernel refuses user namespaces (EPERM)\n");
		skip();
	}
	path_in(marker, sizeof(marker), "userns/marker");
	f = fopen(marker, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd;

		close(ready[0]);
		close(go[1]);
		if (unshare(CLONE_NEWUSER) || write(ready[1], "r", 1) != 1 || read(go[0], &b, 1) != 1)
			_exit(10);
		/* uid and gid 0 in here are 12345 on the host */
		if (setresgid(0, 0, 0) || setresuid(0, 0, 0) || getuid() != 0)
			_exit(11);
		fd = open(marker, O_RDONLY);
		_exit(fd >= 0 ? 0 : 12);
	}
	close(ready[1]);
	close(go[0]);
	assert_int_equal(read(ready[0], &b, 1), 1);
	snprintf(map, sizeof(map), "0 %d 1\n", USERNS_HOST_ID);
	snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
	write_str(path, map);
	snprintf(path, sizeof(path), "/proc/%d/setgroups", pid);
	write_str(path, "deny");
	snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
	write_str(path, map);
	userns = ns_ino(pid, "user");
	assert_true(userns != 0 && userns != ns_ino(getpid(), "user"));
	assert_int_equal(write(go[1], "g", 1), 1);
	close(ready[0]);
	close(go[1]);
	assert_int_equal(wait_exit(pid), 0);

	w.pid = pid;
	ev = vigil_wait(&agent, alert_matches, &w, WAIT_MS);
	assert_non_null(ev);
	assert_int_equal(alert_int(ev, "user.uid"), USERNS_HOST_ID);
	assert_int_equal(alert_int(ev, "group.gid"), USERNS_HOST_ID);
	assert_int_equal(alert_int(ev, "proc.userns"), userns);
}

/* --- container names ---------------------------------------------------------------- */

static int write_file(void *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	return fd >= 0 ? 0 : 1;
}

/* One process in docker's cgroup for container `id` (new pid, mount, uts,
 * net namespaces) writes below TMP/c/; returns its alert. The cgroup is
 * made for it (unless there) and removed after, unless `keep`: the next
 * call is then the same start of the container. */
static json_t *container_alert_in(const char *mount, const char *id, bool keep)
{
	char cg[400], file[160];
	struct alert_want w = { .rule = "CTX container" };
	pid_t inner;
	json_t *ev;
	int st;

	snprintf(cg, sizeof(cg), "%s/docker-%s.scope", mount, id);
	assert_int_equal(mkdirs(cg), 0);
	path_in(file, sizeof(file), "c/file");
	inner = container_run(cg, write_file, file, &st);
	assert_true(inner > 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	w.pid = inner;
	ev = vigil_wait(&agent, alert_matches, &w, WAIT_MS);
	/* only now: vigil finds the container from the cgroup's path */
	if (!keep)
		rmdir(cg);
	assert_non_null(ev);
	assert_int_equal(strncmp(alert_str(ev, "container.id"), id, 12), 0);
	return ev;
}

static json_t *container_alert(const char *mount, const char *id)
{
	return container_alert_in(mount, id, false);
}

/*
 * container.name and container.image come from the docker API, asked in
 * the background: while the API has not answered, alerts go out with
 * <NA>; once it has, they carry the name and image. A container the API
 * does not know is asked about once, not on every event.
 */
static void test_docker_metadata(void **state)
{
	char mount[256], want[160];
	json_t *ev = NULL;
	int known;

	(void)state;
	cgroup2_mount(mount, sizeof(mount));
	if (!mount[0]) {
		print_message("# no cgroup v2 mount: container context not testable here\n");
		skip();
	}
	docker_hold(true);
	ev = container_alert(mount, KNOWN_ID);
	/* out while the API holds its answer: the event path did not wait */
	assert_null(alert_str(ev, "container.name"));
	assert_null(alert_str(ev, "container.image"));
	assert_true(docker_wait(&docker.known, 1));
	snprintf(want, sizeof(want), "GET /containers/%s/json HTTP/1.0", KNOWN_ID);
	assert_string_equal(docker.last, want);
	docker_hold(false);
	/* the answer reaches the cache within a loop turn of the agent (the
	 * container's cgroup is new: a restart, asked about once more) */
	for (int i = 0; i < 50; i++) {
		ev = container_alert_in(mount, KNOWN_ID, true);
		if (alert_str(ev, "container.name"))
			break;
	}
	assert_string_equal(alert_str(ev, "container.name"), "vigil-ctx-web");
	assert_string_equal(alert_str(ev, "container.image"), "registry.local:5000/web/nginx:1.25-alpine");
	assert_string_equal(alert_str(ev, "container.image.repository"), "registry.local:5000/web/nginx");
	assert_string_equal(alert_str(ev, "container.image.tag"), "1.25-alpine");
	/* the container showed in a second cgroup (a restart): asked about
	 * once more, however the first answer and the events interleaved */
	assert_true(docker_wait(&docker.known, 2));
	known = docker.known;
	assert_int_equal(known, 2);
	/* cached: more events of this start of the container ask nothing */
	for (int i = 0; i < 3; i++)
		assert_non_null(alert_str(container_alert_in(mount, KNOWN_ID, i < 2), "container.name"));
	assert_int_equal(docker.known, known);
	/* a new start (another cgroup) is asked about once, named meanwhile */
	assert_non_null(alert_str(container_alert(mount, KNOWN_ID), "container.name"));
	assert_true(docker_wait(&docker.known, known + 1));

	/* unknown to the API: <NA>, asked once */
	ev = container_alert(mount, UNKNOWN_ID);
	assert_null(alert_str(ev, "container.name"));
	assert_true(docker_wait(&docker.unknown, 1));
	for (int i = 0; i < 3; i++)
		assert_null(alert_str(container_alert(mount, UNKNOWN_ID), "container.name"));
	assert_int_equal(docker.unknown, 1);
}

/* --- options ---------------------------------------------------------------------------- */

static void test_option_errors(void **state)
{
	char long_path[200];
	const char *bad_size[] = { "vigil", "run", "--lifecycle-ringbuf", "1000", NULL };
	const char *bad_sock[] = { "vigil", "run", "--docker-socket", long_path, NULL };
	const char *const *cases[] = { bad_size, bad_sock };
	const char *const want[] = { "--lifecycle-ringbuf: '1000' is not a power of two",
				     "--docker-socket: " };

	(void)state;
	memset(long_path, 'x', sizeof(long_path) - 1);
	long_path[0] = '/';
	long_path[sizeof(long_path) - 1] = '\0';
	for (size_t i = 0; i < 2; i++) {
		struct vigil_proc v = { 0 };
		int st = vigil_run_to_end(&v, cases[i], 30000);

		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 2);
		assert_non_null(v.err);
		assert_non_null(strstr(v.err, want[i]));
		vigil_free(&v);
	}
}

/* --- main ------------------------------------------------------------------------------ */

/* ctx-launcher --helper spawn N EXE: fork and exec EXE N times, one by one. */
static int helper_main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[2], "spawn")) {
		int n = atoi(argv[3]);

		for (int i = 0; i < n; i++) {
			pid_t pid = fork();

			if (pid < 0)
				return 1;
			if (pid == 0) {
				execl(argv[4], "ctx-true", (char *)NULL);
				_exit(127);
			}
			if (wait_exit(pid) != 0)
				return 1;
		}
		return 0;
	}
	return 2;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lifecycle_under_flood),
		cmocka_unit_test(test_namespaces),
		cmocka_unit_test(test_userns_host_uid),
		cmocka_unit_test(test_docker_metadata),
		cmocka_unit_test(test_option_errors),
	};

	if (argc > 1 && !strcmp(argv[1], "--helper"))
		return helper_main(argc, argv);
	if (geteuid() != 0) {
		fprintf(stderr, "integration tests load BPF programs: run them as root\n");
		return 1;
	}
	return cmocka_run_group_tests_name("context", tests, group_setup, group_teardown);
}
