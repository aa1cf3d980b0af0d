// SPDX-License-Identifier: Apache-2.0
/* Integration-test harness; see harness.h. */
#include "harness.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *vigil_path(void)
{
	const char *p = getenv("VIGIL");

	return p && *p ? p : "build/vigil";
}

static void grow(char **buf, size_t *cap, size_t need)
{
	if (need <= *cap)
		return;
	while (*cap < need)
		*cap = *cap ? *cap * 2 : 4096;
	*buf = realloc(*buf, *cap);
	if (!*buf)
		abort();
}

static void add_line(struct vigil_proc *v, const char *line)
{
	json_error_t jerr;
	json_t *j = line[0] == '{' || line[0] == '[' ? json_loads(line, 0, &jerr) : NULL;

	if (!j) {
		size_t n = strlen(line);

		v->bad_lines++;
		if (!v->keep_text) {
			fprintf(stderr, "# not JSON: %.200s\n", line);
			return;
		}
		v->text = realloc(v->text, v->textlen + n + 2);
		if (!v->text)
			abort();
		memcpy(v->text + v->textlen, line, n);
		v->textlen += n;
		v->text[v->textlen++] = '\n';
		v->text[v->textlen] = '\0';
		return;
	}
	if (v->nev == v->evcap) {
		v->evcap = v->evcap ? v->evcap * 2 : 256;
		v->ev = realloc(v->ev, v->evcap * sizeof(*v->ev));
		if (!v->ev)
			abort();
	}
	v->ev[v->nev++] = j;
}

static void on_stdout(struct vigil_proc *v, const char *buf, size_t n)
{
	size_t start = 0;

	grow(&v->out, &v->outcap, v->outlen + n + 1);
	memcpy(v->out + v->outlen, buf, n);
	v->outlen += n;
	for (size_t i = 0; i < v->outlen; i++) {
		if (v->out[i] != '\n')
			continue;
		v->out[i] = '\0';
		if (i > start)
			add_line(v, v->out + start);
		start = i + 1;
	}
	memmove(v->out, v->out + start, v->outlen - start);
	v->outlen -= start;
}

static void on_stderr(struct vigil_proc *v, const char *buf, size_t n)
{
	grow(&v->err, &v->errcap, v->errlen + n + 1);
	memcpy(v->err + v->errlen, buf, n);
	v->errlen += n;
	v->err[v->errlen] = '\0';
}

int vigil_pump(struct vigil_proc *v, int timeout_ms)
{
	struct pollfd fds[2] = { { .fd = v->out_fd, .events = POLLIN },
				 { .fd = v->err_fd, .events = POLLIN } };
	char buf[65536];
	int n;

	if (v->out_fd < 0 && v->err_fd < 0)
		return -1;
	n = poll(fds, 2, timeout_ms);
	if (n <= 0)
		return 0;
	for (int i = 0; i < 2; i++) {
		ssize_t r;

		if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		r = read(fds[i].fd, buf, sizeof(buf));
		if (r > 0) {
			if (i == 0)
				on_stdout(v, buf, (size_t)r);
			else
				on_stderr(v, buf, (size_t)r);
		} else if (r == 0 || errno != EINTR) {
			close(fds[i].fd);
			if (i == 0)
				v->out_fd = -1;
			else
				v->err_fd = -1;
		}
	}
	return 0;
}

/* Does argv (from argv[1]) hold `opt` or `opt=...`? */
static bool has_opt(const char *const *argv, const char *opt)
{
	size_t n = strlen(opt);

	for (size_t i = 1; argv[i]; i++)
		if (!strncmp(argv[i], opt, n) && (!argv[i][n] || argv[i][n] == '='))
			return true;
	return false;
}

static int spawn(struct vigil_proc *v, const char *const *argv)
{
	int out[2], err[2];
	const char *args[64];
	size_t n = 0;
	/* what a caller may set before */
	bool keep = v->keep_text, group = v->own_group, host = v->host_config;
	pid_t parent = getpid();

	memset(v, 0, sizeof(*v));
	v->keep_text = keep;
	v->own_group = group;
	v->host_config = host;
	v->status = -1;
	args[n++] = vigil_path();
	for (size_t i = 1; argv[i] && n < 59; i++)
		args[n++] = argv[i];
	/* Every agent a test starts has a deadline, whatever becomes of the
	 * test: one the test did not give itself is VIGIL_AGENT_DEADLINE_S. */
	if (argv[1] && (!strcmp(argv[1], "run") || !strcmp(argv[1], "trace")) &&
	    !has_opt(argv, "--duration") && !has_opt(argv, "--help")) {
		args[n++] = "--duration";
		args[n++] = VIGIL_AGENT_DEADLINE_S;
	}
	/* A test's agent reads the configuration the test gives it, never
	 * the host's: an installed vigil's /etc/vigil/vigil.yaml (its rule
	 * files, its control socket) is not the test's business. */
	if (argv[1] && (!strcmp(argv[1], "run") || !strcmp(argv[1], "check")) && !host &&
	    !has_opt(argv, "--config") && !has_opt(argv, "-c")) {
		args[n++] = "--config";
		args[n++] = "/dev/null";
	}
	args[n] = NULL;
	if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
		return -1;
	v->pid = fork();
	if (v->pid < 0)
		return -1;
	if (v->pid == 0) {
		/* and it dies with the test, on every exit path: a failed
		 * assertion, a crash, the runner's kill (checked after the
		 * prctl: the parent may have died before it) */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
			_exit(126);
		if (v->own_group && setpgid(0, 0))
			_exit(126);
		dup2(out[1], 1);
		dup2(err[1], 2);
		execv(args[0], (char *const *)args);
		fprintf(stderr, "exec %s: %s\n", args[0], strerror(errno));
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	v->out_fd = out[0];
	v->err_fd = err[0];
	return 0;
}

int vigil_start(struct vigil_proc *v, const char *const *argv, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;

	if (spawn(v, argv))
		return -1;
	while (!v->err || !strstr(v->err, "vigil: ready")) {
		long long left = deadline - now_ms();

		if (left <= 0 || vigil_pump(v, (int)left) < 0)
			return -1;
		if (v->err_fd < 0 && (!v->err || !strstr(v->err, "vigil: ready")))
			return -1;
	}
	return 0;
}

json_t *vigil_wait(struct vigil_proc *v, event_pred pred, void *ctx, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	size_t i = 0;

	for (;;) {
		long long left;

		for (; i < v->nev; i++)
			if (pred(v->ev[i], ctx))
				return v->ev[i];
		left = deadline - now_ms();
		if (left <= 0 || vigil_pump(v, (int)(left > 100 ? 100 : left)) < 0) {
			for (; i < v->nev; i++)
				if (pred(v->ev[i], ctx))
					return v->ev[i];
			return NULL;
		}
	}
}

size_t vigil_count(struct vigil_proc *v, event_pred pred, void *ctx)
{
	size_t n = 0;

	for (size_t i = 0; i < v->nev; i++)
		n += pred(v->ev[i], ctx);
	return n;
}

int vigil_stop(struct vigil_proc *v, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	int st;

	if (v->pid <= 0)
		return -1;
	kill(v->pid, SIGTERM);
	while (vigil_pump(v, 100) == 0 && now_ms() < deadline)
		;
	while (now_ms() < deadline) {
		pid_t r = waitpid(v->pid, &st, WNOHANG);

		if (r == v->pid) {
			v->status = st;
			v->pid = 0;
			return st;
		}
		usleep(10000); /* reaping only: the process was told to stop */
	}
	kill(v->pid, SIGKILL);
	waitpid(v->pid, &st, 0);
	v->pid = 0;
	return -1;
}

int vigil_run_to_end(struct vigil_proc *v, const char *const *argv, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	int st;

	if (spawn(v, argv))
		return -1;
	while (vigil_pump(v, 100) == 0 && now_ms() < deadline)
		;
	if (now_ms() >= deadline) {
		kill(v->pid, SIGKILL);
		waitpid(v->pid, &st, 0);
		v->pid = 0;
		return -1;
	}
	waitpid(v->pid, &st, 0);
	v->pid = 0;
	v->status = st;
	return st;
}

int vigil_fleet_cmd(struct vigil_proc *v, const char *server, bool text, const char *const *args,
		    int timeout_ms)
{
	const char *argv[32] = { "vigil", "fleet" };
	size_t n = 2;

	for (; *args && n < 29; args++)
		argv[n++] = *args;
	argv[n++] = "--server";
	argv[n++] = server;
	argv[n] = NULL;
	memset(v, 0, sizeof(*v));
	v->keep_text = text;
	return vigil_run_to_end(v, argv, timeout_ms);
}

void vigil_free(struct vigil_proc *v)
{
	if (v->pid > 0)
		vigil_stop(v, 5000);
	if (v->out_fd >= 0)
		close(v->out_fd);
	if (v->err_fd >= 0)
		close(v->err_fd);
	for (size_t i = 0; i < v->nev; i++)
		json_decref(v->ev[i]);
	free(v->ev);
	free(v->out);
	free(v->err);
	free(v->text);
	memset(v, 0, sizeof(*v));
	v->out_fd = v->err_fd = -1;
}

json_t *jget(json_t *root, const char *path)
{
	char key[128];
	const char *p = path;

	while (root && *p) {
		size_t n = strcspn(p, ".");

		if (n >= sizeof(key))
			return NULL;
		memcpy(key, p, n);
		key[n] = '\0';
		root = json_is_object(root) ? json_object_get(root, key) : NULL;
		p += n;
		if (*p == '.')
			p++;
	}
	return root;
}

const char *jstr(json_t *root, const char *path)
{
	json_t *j = jget(root, path);

	return json_is_string(j) ? json_string_value(j) : NULL;
}

long long jint(json_t *root, const char *path)
{
	json_t *j = jget(root, path);

	return json_is_integer(j) ? (long long)json_integer_value(j) : LLONG_MIN;
}

int copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	ssize_t n;
	int rc = 0;

	if (in < 0 || out < 0)
		rc = -1;
	while (!rc && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			rc = -1;
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out))
		rc = -1;
	return rc;
}

json_t *alert_field(json_t *alert, const char *name)
{
	return json_object_get(json_object_get(alert, "output_fields"), name);
}

const char *alert_str(json_t *alert, const char *name)
{
	return json_string_value(alert_field(alert, name));
}

long long alert_int(json_t *alert, const char *name)
{
	json_t *j = alert_field(alert, name);

	return json_is_integer(j) ? (long long)json_integer_value(j) : -1;
}

bool alert_matches(json_t *alert, void *want)
{
	const struct alert_want *w = want;
	const char *rule = jstr(alert, "rule");

	return rule && !strcmp(rule, w->rule) && (!w->pid || alert_int(alert, "proc.pid") == w->pid);
}

void far_address(char *out, size_t size)
{
	struct ifaddrs *all, *i;

	out[0] = '\0';
	if (getifaddrs(&all))
		return;
	for (i = all; i && !out[0]; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET && i->ifa_flags & IFF_UP &&
		    !(i->ifa_flags & IFF_LOOPBACK))
			inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, out,
				  (socklen_t)size);
	freeifaddrs(all);
}

int listen_tcp(const char *ip, unsigned short port, unsigned short *out)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	socklen_t len = sizeof(sin);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (s < 0)
		return -1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (inet_pton(AF_INET, ip, &sin.sin_addr) != 1 || bind(s, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(s, 64) || getsockname(s, (struct sockaddr *)&sin, &len)) {
		close(s);
		return -1;
	}
	if (out)
		*out = ntohs(sin.sin_port);
	return s;
}

int mkdirs(const char *path)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0755) && errno != EEXIST ? -1 : 0;
}

void cgroup2_mount(char *out, size_t size)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[1024], mnt[256];

	out[0] = '\0';
	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, " - cgroup2 ") && sscanf(line, "%*s %*s %*s %*s %255s", mnt) == 1) {
			snprintf(out, size, "%s", mnt);
			break;
		}
	if (f)
		fclose(f);
}

/* The id of the mount that `mountinfo` (a /proc/PID/mountinfo, whose
 * paths are relative to PID's root) shows at "/" (the last: the one on
 * top), or -1; with want >= 0, the mount point of mount `want` instead, in
 * at (returns want, or -1 when absent). */
static int mountinfo_find(const char *mountinfo, int want, char *at, size_t size)
{
	char line[4096], mp[4096];
	int id, found = -1;
	FILE *f = fopen(mountinfo, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%d %*d %*s %*s %4095s", &id, mp) != 2)
			continue;
		if (want < 0 && !strcmp(mp, "/"))
			found = id;
		else if (want >= 0 && id == want) {
			snprintf(at, size, "%s", mp);
			found = id;
			break;
		}
	}
	fclose(f);
	return found;
}

int chroot_host_location(char *out, size_t size)
{
	int root_id = mountinfo_find("/proc/self/mountinfo", -1, NULL, 0);

	if (root_id < 0 || mountinfo_find("/proc/1/mountinfo", root_id, out, size) != root_id)
		return -ENOENT;
	if (!strcmp(out, "/"))
		out[0] = '\0';
	return 0;
}

bool in_chroot(void)
{
	struct stat self, init;
	char at[4096];
	int root_id;

	if (stat("/", &self) == 0 && stat("/proc/1/root/", &init) == 0)
		return self.st_dev != init.st_dev || self.st_ino != init.st_ino;
	/*
	 * PID 1's root may be closed to us (a sandbox's init in another user
	 * namespace: EACCES even for root), but its mountinfo is readable and
	 * relative to its root. Chrooted: no mount at our "/" (the root is a
	 * plain directory), or PID 1 sees the mount that is our "/" somewhere
	 * below its own. A mount PID 1 does not see at all is another mount
	 * namespace's (a container's pivot_root): not a chroot.
	 */
	root_id = mountinfo_find("/proc/self/mountinfo", -1, NULL, 0);
	if (root_id < 0)
		return true;
	return mountinfo_find("/proc/1/mountinfo", root_id, at, sizeof(at)) == root_id &&
	       strcmp(at, "/") != 0;
}

/* The container's first process: join, unshare, run fn (under a new pid
 * namespace, in a child: pid 1 there), tell the parent who runs it. */
static int container_main(const char *cgroup, int ns, int (*fn)(void *), void *arg, int report)
{
	pid_t inner;
	int st;

	if (cgroup) {
		char procs[600];
		int fd;

		snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgroup);
		fd = open(procs, O_WRONLY);
		if (fd < 0 || write(fd, "0", 1) != 1)
			return 120;
		close(fd);
	}
	if (ns && unshare(ns))
		return 121;
	/* as unshare(1) does: mounts made inside stay inside */
	if ((ns & CLONE_NEWNS) && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return 122;
	inner = ns & CLONE_NEWPID ? fork() : getpid();
	if (inner < 0)
		return 124;
	if (inner == 0) {
		close(report);
		_exit(getpid() == 1 ? fn(arg) : 123);
	}
	if (write(report, &inner, sizeof(inner)) != sizeof(inner))
		return 125;
	close(report);
	if (!(ns & CLONE_NEWPID))
		return fn(arg);
	if (waitpid(inner, &st, 0) != inner)
		return 125;
	/* hand the inner status up: exit code, or the signal as 128 + n */
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

pid_t container_spawn(const char *cgroup, int ns, int (*fn)(void *), void *arg, pid_t *inner)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		_exit(container_main(cgroup, ns, fn, arg, p[1]));
	}
	close(p[1]);
	if (pid < 0 || read(p[0], inner, sizeof(*inner)) != sizeof(*inner)) {
		close(p[0]);
		if (pid > 0)
			waitpid(pid, NULL, 0);
		return -1;
	}
	close(p[0]);
	return pid;
}

pid_t container_run(const char *cgroup, int (*fn)(void *), void *arg, int *status)
{
	pid_t inner = -1;
	pid_t pid = container_spawn(cgroup, CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWNET,
				    fn, arg, &inner);

	if (pid < 0 || waitpid(pid, status, 0) != pid)
		return -1;
	return inner;
}

int wait_exit(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

int group_agent_start(struct vigil_proc *v, const char *const *argv)
{
	if (vigil_start(v, argv, 60000) == 0)
		return 0;
	fprintf(stderr, "# vigil %s did not become ready: %s\n", argv[1], v->err ? v->err : "");
	return -1;
}

int group_agent_end(struct vigil_proc *v, const char *tmpdir)
{
	char cmd[128];

	if (v->err && getenv("VIGIL_IT_DEBUG"))
		fprintf(stderr, "# agent stderr:\n%s\n", v->err);
	vigil_free(v);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

bool vigil_wait_stderr(struct vigil_proc *v, const char *what, int timeout_ms)
{
	for (long long end = now_ms() + timeout_ms; now_ms() < end;) {
		if (v->err && strstr(v->err, what))
			return true;
		vigil_pump(v, 50);
	}
	return v->err && strstr(v->err, what);
}
