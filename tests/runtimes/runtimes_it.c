// SPDX-License-Identifier: Apache-2.0
/*
 * Integration tests on real container runtimes: dockerd, containerd (`ctr
 * run`, and a container made as Kubernetes' CRI plugin makes one) and
 * podman (runc, cgroupfs manager), all from Debian's packages, started once
 * for the suite (or used as they are when already running). The image is
 * built here from a static binary (tests/runtimes/payload), no registry.
 *
 * Each container's alerts must carry its id (not `host`), then its name,
 * image, repository and tag, and for the pod its name, namespace and uid:
 * from docker's API, podman's storage, containerd's task config and
 * metadata. The bundled rules must see the payload's setuid chmod and cron
 * write as a container's. The time from a container's first alert to the
 * first that carries its name is printed (TAP comments).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define DOCKER "/usr/bin/docker" /* Debian's client, whatever else is on PATH */
#define DOCKER_SOCK "/var/run/docker.sock"
#define CONTAINERD_SOCK "/run/containerd/containerd.sock"
#define IMAGE "vigil-test/payload:1.0"
#define CMD_TIMEOUT_S 120
/* the payload's marks: 2000 opens 5 ms apart, ~10 s; the test ends each
 * container once it has what it waits for */
#define PAYLOAD_ARGS "/payload 2000 5"
#define POD_UID "4a5b6c7d-1111-2222-3333-444455556666"
#define K8S_ID "a11ce0000000000000000000000000000000000000000000000000000000b0b0"

static char tmpdir[64], rules_path[128], log_path[128];
static struct vigil_proc agent;
/* vigil's image run as the DaemonSet: stopped by the teardown too when a
 * test fails half-way */
static struct vigil_proc ds = { .pid = -1, .out_fd = -1, .err_fd = -1 };

/* --- commands and daemons --------------------------------------------------------- */

/* Run a shell command with a deadline; its output goes to the suite's log,
 * or to `out` (first line, newline cut) when given. Its exit code, or -1. */
static int sh(char *out, size_t size, const char *fmt, ...)
{
	char cmd[2048], full[2400];
	va_list ap;
	FILE *p;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (!out) {
		snprintf(full, sizeof(full), "timeout -k 5 %d sh -c '%s' >>%s 2>&1", CMD_TIMEOUT_S, cmd,
			 log_path);
		rc = system(full);
		return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
	}
	snprintf(full, sizeof(full), "timeout -k 5 %d sh -c '%s' 2>>%s", CMD_TIMEOUT_S, cmd, log_path);
	p = popen(full, "r");
	if (!p)
		return -1;
	out[0] = '\0';
	if (fgets(out, (int)size, p))
		out[strcspn(out, "\n")] = '\0';
	while (fgetc(p) != EOF)
		;
	rc = pclose(p);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static bool sock_alive(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

struct daemon {
	const char *name;
	const char *sock;
	pid_t pid; /* 0: not ours (already running) or not started */
	long long ready_ms;
};

static struct daemon containerd = { .name = "containerd", .sock = CONTAINERD_SOCK };
static struct daemon dockerd = { .name = "dockerd", .sock = DOCKER_SOCK };

/* Start `argv` (its output in the suite's log) unless its socket already
 * answers; wait up to 60 s for the socket. 0 or -1. */
static int daemon_start(struct daemon *d, char *const argv[])
{
	long long t0 = now_ms(), deadline = t0 + 60000;

	if (sock_alive(d->sock))
		return 0;
	d->pid = fork();
	if (d->pid < 0)
		return -1;
	if (d->pid == 0) {
		int fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT, 0644);

		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		setsid();
		execv(argv[0], argv);
		_exit(127);
	}
	while (now_ms() < deadline) {
		if (sock_alive(d->sock)) {
			d->ready_ms = now_ms() - t0;
			return 0;
		}
		if (waitpid(d->pid, NULL, WNOHANG) == d->pid) {
			d->pid = 0;
			fprintf(stderr, "# %s exited before its socket answered (see %s)\n", d->name,
				log_path);
			return -1;
		}
		usleep(20000);
	}
	fprintf(stderr, "# %s: no socket %s after 60 s\n", d->name, d->sock);
	return -1;
}

/* SIGTERM, then SIGKILL after 20 s: a daemon we started never outlives the suite. */
static void daemon_stop(struct daemon *d)
{
	long long deadline = now_ms() + 20000;

	if (d->pid <= 0)
		return;
	kill(d->pid, SIGTERM);
	while (waitpid(d->pid, NULL, WNOHANG) == 0) {
		if (now_ms() > deadline) {
			kill(d->pid, SIGKILL);
			waitpid(d->pid, NULL, 0);
			break;
		}
		usleep(20000);
	}
	d->pid = 0;
}

/* --- alerts ---------------------------------------------------------------------- */

static int write_rules(void)
{
	FILE *f = fopen(rules_path, "a"); /* after the bundled rules */

	if (!f)
		return -1;
	fprintf(f, "\n- rule: RT mark\n"
		   "  desc: the runtimes suite's payload, in a container\n"
		   "  condition: evt.type in (open, openat) and fd.name = /rt-mark"
		   " and container.id != host\n"
		   "  output: \"mark %%container.id name=%%container.name image=%%container.image"
		   " repo=%%container.image.repository tag=%%container.image.tag"
		   " pod=%%k8s.pod.name ns=%%k8s.ns.name uid=%%k8s.pod.uid\"\n"
		   "  priority: NOTICE\n"
		   "  tags: [T1610]\n"
		   "- rule: RT host mark\n"
		   "  desc: the runtimes suite's marker, opened on the host\n"
		   "  condition: evt.type in (open, openat) and fd.name = %s/host-mark\n"
		   "  output: \"host mark %%proc.name\"\n"
		   "  priority: NOTICE\n"
		   "  tags: [T1082]\n",
		tmpdir);
	return fclose(f);
}

struct want {
	const char *rule;
	const char *cid; /* container.id (12 chars) */
	bool named;	 /* only alerts that carry container.name */
};

static bool want_matches(json_t *ev, void *ctx)
{
	const struct want *w = ctx;
	const char *rule = jstr(ev, "rule"), *cid = alert_str(ev, "container.id");

	return rule && !strcmp(rule, w->rule) && cid && !strcmp(cid, w->cid) &&
	       (!w->named || alert_str(ev, "container.name"));
}

/* An alert's "time" (RFC 3339, nanoseconds) as ns since the epoch. */
static long long alert_ns(json_t *ev)
{
	const char *t = jstr(ev, "time"), *frac;
	struct tm tm = { 0 };
	long long ns = 0, scale = 100000000;

	if (!t || !(frac = strptime(t, "%Y-%m-%dT%H:%M:%S", &tm)))
		return -1;
	if (*frac == '.')
		for (frac++; *frac >= '0' && *frac <= '9'; frac++, scale /= 10)
			ns += (*frac - '0') * scale;
	return (long long)timegm(&tm) * 1000000000 + ns;
}

struct expect {
	const char *label;
	const char *name, *image, *repo, *tag;
	const char *pod, *ns, *uid; /* NULL: absent */
};

static void check_str(json_t *ev, const char *field, const char *want)
{
	const char *got = alert_str(ev, field);

	if (!want) {
		if (got)
			fail_msg("%s: expected absent, got \"%s\"", field, got);
		return;
	}
	if (!got || strcmp(got, want))
		fail_msg("%s: expected \"%s\", got %s%s%s", field, want, got ? "\"" : "",
			 got ? got : "(absent)", got ? "\"" : "");
}

/*
 * The container `cid` (12 chars) is running the payload: its marks must
 * reach the agent as a container's, and within 10 s carry what `e` says;
 * the bundled rules must have seen its setuid chmod and cron write.
 */
static void check_container(const char *cid, const struct expect *e, long long started_ms)
{
	struct want any = { "RT mark", cid, false }, named = { "RT mark", cid, true };
	struct want suid = { "Setuid or setgid bit set on a file", cid, false };
	struct want cron = { "Write to cron configuration", cid, false };
	json_t *first, *ev;
	long long got_ms;

	first = vigil_wait(&agent, want_matches, &any, 20000);
	if (!first)
		fail_msg("%s: no alert from container %s within 20 s", e->label, cid);
	ev = vigil_wait(&agent, want_matches, &named, 10000);
	got_ms = now_ms();
	if (!ev)
		fail_msg("%s: container %s: no alert with its name within 10 s", e->label, cid);
	print_message("# %s: name in alerts %.1f ms after the container's first event, %lld ms "
		      "after the run command started\n",
		      e->label, (double)(alert_ns(ev) - alert_ns(first)) / 1e6, got_ms - started_ms);
	check_str(ev, "container.name", e->name);
	check_str(ev, "container.image", e->image);
	check_str(ev, "container.image.repository", e->repo);
	check_str(ev, "container.image.tag", e->tag);
	check_str(ev, "k8s.pod.name", e->pod);
	check_str(ev, "k8s.ns.name", e->ns);
	check_str(ev, "k8s.pod.uid", e->uid);
	assert_non_null(vigil_wait(&agent, want_matches, &suid, 5000));
	assert_non_null(vigil_wait(&agent, want_matches, &cron, 5000));
}

/* --- tests ------------------------------------------------------------------------ */

static void test_docker(void **state)
{
	struct expect e = { .label = "docker", .name = "vigil-rt-docker", .image = IMAGE,
			    .repo = "vigil-test/payload", .tag = "1.0" };
	char id[128];
	long long t0;

	(void)state;
	sh(NULL, 0, DOCKER " rm -f vigil-rt-docker");
	t0 = now_ms();
	assert_int_equal(sh(id, sizeof(id), DOCKER " run -d --name vigil-rt-docker " IMAGE
					    " " PAYLOAD_ARGS),
			 0);
	assert_true(strlen(id) == 64);
	id[12] = '\0';
	check_container(id, &e, t0);
	assert_int_equal(sh(NULL, 0, DOCKER " rm -f vigil-rt-docker"), 0);
}

static void test_podman(void **state)
{
	struct expect e = { .label = "podman", .name = "vigil-rt-podman", .image = "localhost/" IMAGE,
			    .repo = "localhost/vigil-test/payload", .tag = "1.0" };
	char id[128];
	long long t0;

	(void)state;
	sh(NULL, 0, "podman rm -f vigil-rt-podman");
	t0 = now_ms();
	assert_int_equal(sh(id, sizeof(id), "podman run -d --name vigil-rt-podman localhost/" IMAGE
					    " " PAYLOAD_ARGS),
			 0);
	assert_true(strlen(id) == 64);
	id[12] = '\0';
	check_container(id, &e, t0);
	assert_int_equal(sh(NULL, 0, "podman rm -f vigil-rt-podman"), 0);
}

static void ctr_rm(const char *ns, const char *id)
{
	sh(NULL, 0, "ctr -n %s task kill -s KILL %s; ctr -n %s task rm -f %s; ctr -n %s container rm %s",
	   ns, id, ns, id, ns, id);
}

/* `ctr run`: the cgroup is /vigiltest/vigil-rt-ctr, the name is the id, the
 * image only in containerd's metadata. */
static void test_containerd(void **state)
{
	struct expect e = { .label = "containerd", .name = "vigil-rt-ctr", .image = "docker.io/" IMAGE,
			    .repo = "docker.io/vigil-test/payload", .tag = "1.0" };
	long long t0;

	(void)state;
	ctr_rm("vigiltest", "vigil-rt-ctr");
	t0 = now_ms();
	assert_int_equal(sh(NULL, 0, "ctr -n vigiltest run -d docker.io/" IMAGE " vigil-rt-ctr " PAYLOAD_ARGS),
			 0);
	check_container("vigil-rt-ctr", &e, t0);
	ctr_rm("vigiltest", "vigil-rt-ctr");
}

/*
 * A container as the kubelet has containerd's CRI plugin make one: in the
 * k8s.io namespace, a kubepods cgroup naming the pod's uid, and the CRI
 * annotations naming container, image, pod and namespace.
 */
static void test_kubernetes(void **state)
{
	struct expect e = { "containerd (Kubernetes)", "app", "registry.local/shop/app:2.1",
			    "registry.local/shop/app", "2.1", "web-7f9c", "shop", POD_UID };
	long long t0;
	char cid[13];

	(void)state;
	ctr_rm("k8s.io", K8S_ID);
	t0 = now_ms();
	assert_int_equal(sh(NULL, 0,
			    "ctr -n k8s.io run -d --cgroup /kubepods/besteffort/pod" POD_UID "/" K8S_ID
			    " --annotation io.kubernetes.cri.container-type=container"
			    " --annotation io.kubernetes.cri.container-name=app"
			    " --annotation io.kubernetes.cri.image-name=registry.local/shop/app:2.1"
			    " --annotation io.kubernetes.cri.sandbox-name=web-7f9c"
			    " --annotation io.kubernetes.cri.sandbox-namespace=shop"
			    " --annotation io.kubernetes.cri.sandbox-uid=" POD_UID " docker.io/" IMAGE
			    " " K8S_ID " " PAYLOAD_ARGS),
			 0);
	snprintf(cid, sizeof(cid), "%.12s", K8S_ID);
	check_container(cid, &e, t0);
	ctr_rm("k8s.io", K8S_ID);
}

/*
 * The image (deploy/Containerfile) run as the DaemonSet runs it
 * (deploy/vigil-daemonset.yaml): the host's pid namespace, the host's /
 * read-only at /host (HOST_ROOT), its cgroups read-only, only the
 * capabilities the manifest grants, the node's name in VIGIL_HOSTNAME. It
 * must report a host process, with the node's name as hostname, and
 * another container, with its name (from the host's podman state).
 */
/* --- vigil's image, as the DaemonSet runs it ---------------------------------------- */

/*
 * The manifest's own settings, read from deploy/vigil-daemonset.yaml so
 * that the test runs what is shipped: the block scalar under `  KEY: |` in
 * the ConfigMap written to `out`, and the capabilities of `add: [...]`.
 */
static int manifest_key(const char *manifest, const char *key, const char *out)
{
	char line[512], head[128];
	FILE *in = fopen(manifest, "r"), *o;
	bool in_key = false, found = false;

	if (!in)
		return -1;
	o = fopen(out, "w");
	if (!o) {
		fclose(in);
		return -1;
	}
	snprintf(head, sizeof(head), "  %s: |\n", key);
	while (fgets(line, sizeof(line), in)) {
		if (!in_key) {
			in_key = !strcmp(line, head);
			found |= in_key;
			continue;
		}
		if (strncmp(line, "    ", 4) && strcmp(line, "\n"))
			break;
		fputs(strcmp(line, "\n") ? line + 4 : line, o);
	}
	fclose(in);
	return fclose(o) || !found ? -1 : 0;
}

/* " --cap-add BPF --cap-add PERFMON ..." from the manifest's add: [...] */
static int manifest_caps(const char *manifest, char *out, size_t size)
{
	char line[512], *p, *tok, *save;
	FILE *in = fopen(manifest, "r");
	size_t n = 0;

	if (!in)
		return -1;
	out[0] = '\0';
	while (fgets(line, sizeof(line), in)) {
		if (!(p = strstr(line, "add: [")))
			continue;
		p += strlen("add: [");
		p[strcspn(p, "]")] = '\0';
		for (tok = strtok_r(p, "\", ", &save); tok; tok = strtok_r(NULL, "\", ", &save))
			n += snprintf(out + n, n < size ? size - n : 0, " --cap-add %s", tok);
		break;
	}
	fclose(in);
	return out[0] && n < size ? 0 : -1;
}

static void test_image(void **state)
{
	struct expect e = { .label = "DaemonSet image, podman container", .name = "vigil-rt-ds",
			    .image = "localhost/" IMAGE, .repo = "localhost/vigil-test/payload",
			    .tag = "1.0" };
	const char *argv[] = { "vigil", "run", NULL };
	struct want host = { "RT host mark", "host", false };
	char dir[PATH_MAX], manifest[PATH_MAX + 32], etc[160], path[200], caps[256];
	char wrapper[160], mark[160], id[128], size[64], health[256];
	const char *saved = getenv("VIGIL");
	long long t0;
	json_t *ev;
	FILE *f;
	int rc, fd;

	(void)state;
	snprintf(dir, sizeof(dir), "%s", vigil_path());
	assert_int_equal(sh(NULL, 0,
			    "set -e; %s/../scripts/image-context %s %s/ctx;"
			    "podman build -q -f %s/../deploy/Containerfile -t localhost/vigil:it %s/ctx",
			    dirname(dir), vigil_path(), tmpdir, dir, tmpdir),
			 0);
	assert_int_equal(sh(size, sizeof(size), "podman image inspect --format {{.Size}} localhost/vigil:it"), 0);
	print_message("# image localhost/vigil:it: %s bytes\n", size);
	/* /etc/vigil as the manifest's ConfigMap lays it out, plus the
	 * suite's two marker rules beside the ConfigMap's local rules */
	snprintf(manifest, sizeof(manifest), "%s/../deploy/vigil-daemonset.yaml", dir);
	snprintf(etc, sizeof(etc), "%s/etc-vigil", tmpdir);
	assert_int_equal(sh(NULL, 0, "mkdir -p %s/rules.d", etc), 0);
	snprintf(path, sizeof(path), "%s/vigil.yaml", etc);
	assert_int_equal(manifest_key(manifest, "vigil.yaml", path), 0);
	snprintf(path, sizeof(path), "%s/rules.d/local.yaml", etc);
	assert_int_equal(manifest_key(manifest, "local.yaml", path), 0);
	assert_int_equal(sh(NULL, 0, "sed -n \"/^- rule: RT mark/,\\$p\" %s > %s/rules.d/suite.yaml", rules_path, etc), 0);
	assert_int_equal(manifest_caps(manifest, caps, sizeof(caps)), 0);
	snprintf(wrapper, sizeof(wrapper), "%s/vigil-ds", tmpdir);
	f = fopen(wrapper, "w");
	assert_non_null(f);
	/* the pod's network is the host's here (port 8765 for the probe; the
	 * BPF lock keeps other agents away), the rest as in the manifest */
	fprintf(f, "#!/bin/sh\nexec podman run --rm --name vigil-ds --pid host --network host --cap-drop all%s"
		   " --security-opt seccomp=unconfined --read-only"
		   " -v /:/host:ro -v /sys/fs/cgroup:/sys/fs/cgroup:ro -v %s:/etc/vigil:ro"
		   " --tmpfs /run/vigil -e VIGIL_HOSTNAME=node-ds-1"
		   " localhost/vigil:it \"$@\"\n",
		caps, etc);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(wrapper, 0755), 0);
	setenv("VIGIL", wrapper, 1);
	ds.host_config = true; /* the container's /etc/vigil, the ConfigMap's */
	rc = vigil_start(&ds, argv, 120000);
	if (saved)
		setenv("VIGIL", saved, 1);
	else
		unsetenv("VIGIL");
	if (rc)
		fail_msg("the image did not get ready: %s", ds.err ? ds.err : "");
	/* the probes' endpoint, as the manifest names it */
	assert_int_equal(sh(NULL, 0, "grep -q \"httpGet: {path: /healthz, port: http}\" %s &&"
				     " grep -q \"{name: http, containerPort: 8765}\" %s", manifest, manifest),
			 0);
	/* the loop's first turn after the ready line makes it "ok": poll */
	assert_int_equal(sh(health, sizeof(health),
			    "for i in $(seq 100); do curl -sf http://127.0.0.1:8765/healthz && exit 0;"
			    " sleep 0.05; done; exit 1"),
			 0);
	assert_non_null(strstr(health, "\"ok\""));
	/* a process on the host */
	snprintf(mark, sizeof(mark), "%s/host-mark", tmpdir);
	fd = open(mark, O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	close(fd);
	ev = vigil_wait(&ds, want_matches, &host, 10000);
	if (!ev)
		fail_msg("the image reported no host process");
	assert_string_equal(jstr(ev, "hostname"), "node-ds-1");
	assert_int_equal(alert_int(ev, "proc.pid"), getpid());
	/* another container, named from the host's podman state */
	sh(NULL, 0, "podman rm -f vigil-rt-ds");
	t0 = now_ms();
	assert_int_equal(sh(id, sizeof(id), "podman run -d --name vigil-rt-ds localhost/" IMAGE " " PAYLOAD_ARGS), 0);
	id[12] = '\0';
	{
		/* check_container reads the suite's agent: point it at this one */
		struct vigil_proc keep = agent;

		agent = ds;
		check_container(id, &e, t0);
		ds = agent;
		agent = keep;
	}
	sh(NULL, 0, "podman rm -f vigil-rt-ds");
	vigil_stop(&ds, 20000);
	vigil_free(&ds);
}

/* --- the suite ------------------------------------------------------------------ */

static int group_setup(void **state)
{
	const char *argv[] = { "vigil", "run", "--rules", rules_path, NULL };
	char *const containerd_argv[] = { "/usr/bin/containerd", NULL };
	char *const dockerd_argv[] = { "/usr/sbin/dockerd", "--containerd", CONTAINERD_SOCK,
				       "--iptables=false", "--bridge=none", NULL };
	char payload[PATH_MAX], dir[PATH_MAX], conf[160];
	FILE *f;

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vigil-rt-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(rules_path, sizeof(rules_path), "%s/rules.yaml", tmpdir);
	snprintf(log_path, sizeof(log_path), "%s/runtimes.log", tmpdir);
	snprintf(dir, sizeof(dir), "%s", vigil_path());
	snprintf(payload, sizeof(payload), "%s/tests/runtimes-payload", dirname(dir));
	/* podman as it runs here: runc (crun refuses this machine's hybrid
	 * cgroups), the cgroupfs manager, no rlimits to raise */
	snprintf(conf, sizeof(conf), "%s/containers.conf", tmpdir);
	f = fopen(conf, "w");
	if (!f)
		return -1;
	fprintf(f, "[containers]\ndefault_ulimits = []\n[engine]\ncgroup_manager = \"cgroupfs\"\n"
		   "runtime = \"runc\"\nevents_logger = \"file\"\n");
	if (fclose(f) || setenv("CONTAINERS_CONF", conf, 1))
		return -1;
	if (daemon_start(&containerd, containerd_argv) || daemon_start(&dockerd, dockerd_argv)) {
		fprintf(stderr, "# the daemons' log: %s\n", log_path);
		return -1;
	}
	fprintf(stderr, "# containerd ready in %lld ms, dockerd in %lld ms%s\n", containerd.ready_ms,
		dockerd.ready_ms, containerd.pid && dockerd.pid ? "" : " (some already running)");
	/* The image: the payload alone, imported into each runtime. */
	if (sh(NULL, 0,
	       "set -e; d=%s/rootfs; mkdir -p $d; cp %s $d/payload; tar -C $d -cf %s/image.tar .;"
	       DOCKER " import -c \"CMD [\\\"/payload\\\"]\" %s/image.tar " IMAGE ";"
	       DOCKER " save " IMAGE " -o %s/image-docker.tar;"
	       "ctr -n vigiltest images import %s/image-docker.tar;"
	       "ctr -n k8s.io images import %s/image-docker.tar;"
	       "podman import %s/image.tar " IMAGE,
	       tmpdir, payload, tmpdir, tmpdir, tmpdir, tmpdir, tmpdir, tmpdir)) {
		fprintf(stderr, "# building the image failed; see %s\n", log_path);
		return -1;
	}
	if (sh(NULL, 0, "%s rules dump > %s", vigil_path(), rules_path) || write_rules()) {
		fprintf(stderr, "# writing the rules failed\n");
		return -1;
	}
	return group_agent_start(&agent, argv);
}

static int group_teardown(void **state)
{
	int rc;

	(void)state;
	/* containers a failed test left */
	vigil_free(&ds);
	/* one by one: podman rm stops at a name it does not know */
	sh(NULL, 0, DOCKER " rm -f vigil-rt-docker; podman rm -f vigil-rt-podman; podman rm -f vigil-rt-ds;"
		    " podman rm -f vigil-ds");
	ctr_rm("vigiltest", "vigil-rt-ctr");
	ctr_rm("k8s.io", K8S_ID);
	if (getenv("VIGIL_IT_DEBUG"))
		sh(NULL, 0, "cat %s >&2", log_path);
	daemon_stop(&dockerd);
	daemon_stop(&containerd);
	rc = group_agent_end(&agent, tmpdir);
	return rc;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker),
		cmocka_unit_test(test_podman),
		cmocka_unit_test(test_containerd),
		cmocka_unit_test(test_kubernetes),
		cmocka_unit_test(test_image),
	};

	if (geteuid() != 0) {
		fprintf(stderr, "integration tests load BPF programs and run containers: run them as root\n");
		return 1;
	}
	return cmocka_run_group_tests_name("runtimes", tests, group_setup, group_teardown);
}
