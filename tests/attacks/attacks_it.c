// SPDX-License-Identifier: Apache-2.0
/*
 * The attack-simulation suite: one `vigil run` with the bundled rules, then
 * every scenario of scenarios.c in turn, each one asserting the alert it
 * must raise: the rule, a MITRE technique id and a tactic tag, the pid of
 * the process that acted, and the container id for container scenarios.
 * A last test checks that every bundled rule has a scenario.
 *
 * Alerts are matched by rule and pid, so alerts from the rest of the machine
 * (and the several rules one behaviour may raise) do not disturb a scenario.
 * Each wait has a deadline; nothing sleeps blindly.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "attacks.h"
#include "harness.h"

#define WAIT_MS 10000
#define SCENARIO_TIMEOUT_S 20 /* a scenario's processes are killed after this */

struct attack_env env = { .host_netns = -1 };
static struct vigil_proc agent;
static int listeners[4] = { -1, -1, -1, -1 };

/* --- fixtures ------------------------------------------------------------------ */

static const char *copy_named(const char *sub, const char *from, const char *name, char *buf,
			      size_t size)
{
	snprintf(buf, size, "%s/%s/%s", env.dir, sub, name);
	if (access(buf, X_OK))
		copy_file(from, buf);
	return buf;
}

const char *tool_path(const char *name, char *buf, size_t size)
{
	return copy_named("bin", "/bin/true", name, buf, size);
}

const char *shell_path(const char *name, char *buf, size_t size)
{
	return copy_named("sh", "/bin/bash", name, buf, size);
}

static int write_text(const char *path, const char *text, unsigned mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	ssize_t n = fd >= 0 ? write(fd, text, strlen(text)) : -1;

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* The block device the root filesystem lives on ("/dev/vda"). */
static void root_device(char *out, size_t size)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[1024], mnt[256], src[64];

	snprintf(out, size, "/dev/sda");
	while (f && fgets(line, sizeof(line), f)) {
		char *dash = strstr(line, " - ");

		if (sscanf(line, "%*s %*s %*s %*s %255s", mnt) == 1 && !strcmp(mnt, "/") && dash &&
		    sscanf(dash + 3, "%*s %63s", src) == 1 && !strncmp(src, "/dev/", 5)) {
			snprintf(out, size, "%s", src);
			break;
		}
	}
	if (f)
		fclose(f);
}

/* A home directory with the secrets attackers look for (fake ones). */
static int make_home(void)
{
	char path[160];

	snprintf(env.home, sizeof(env.home), "/home/vigil-attack-%d", (int)getpid());
	snprintf(path, sizeof(path), "%s/.ssh", env.home);
	if (mkdirs(path) || chmod(path, 0700))
		return -1;
	snprintf(path, sizeof(path), "%s/.ssh/id_ed25519", env.home);
	if (write_text(path, "not a key\n", 0600))
		return -1;
	snprintf(path, sizeof(path), "%s/.aws", env.home);
	if (mkdirs(path))
		return -1;
	snprintf(path, sizeof(path), "%s/.aws/credentials", env.home);
	return write_text(path, "[default]\n", 0600);
}

/* A cgroup named as docker's systemd driver names a container's, with an
 * id of this run's own. */
static void make_container_cgroup(void)
{
	char mount[256], hex[65];
	unsigned seed = (unsigned)getpid() ^ (unsigned)time(NULL);

	cgroup2_mount(mount, sizeof(mount));
	if (!mount[0])
		return;
	for (int i = 0; i < 64; i++)
		hex[i] = "0123456789abcdef"[rand_r(&seed) % 16];
	hex[64] = '\0';
	memcpy(hex, "a77ac4", 6); /* recognisable in the output */
	snprintf(env.cgroup, sizeof(env.cgroup), "%s/docker-%s.scope", mount, hex);
	snprintf(env.container_id, sizeof(env.container_id), "%.12s", hex);
	if (mkdirs(env.cgroup))
		env.cgroup[0] = '\0';
}

static int make_files(void)
{
	char path[160];
	struct statvfs sv;

	snprintf(env.dir, sizeof(env.dir), "/tmp/vigil-attack-XXXXXX");
	if (!mkdtemp(env.dir) || chmod(env.dir, 0755))
		return -1;
	for (const char *const *d = (const char *const[]){ "bin", "sh", "empty", NULL }; *d; d++) {
		snprintf(path, sizeof(path), "%s/%s", env.dir, *d);
		if (mkdir(path, 0755))
			return -1;
	}
	snprintf(path, sizeof(path), "%s/private", env.dir);
	if (mkdir(path, 0700))
		return -1;
	/* every program the scenarios run, made before any scenario starts */
	for (size_t i = 0; i < nscenarios; i++)
		if (scenarios[i].tool)
			tool_path(scenarios[i].tool, path, sizeof(path));
	for (const char *const *t = (const char *const[]){ "it-true", "sudo", "pkexec", NULL }; *t;
	     t++)
		tool_path(*t, path, sizeof(path));
	for (const char *const *t = (const char *const[]){ "nginx", "sshd", "ssh", "cat", NULL }; *t;
	     t++)
		shell_path(*t, path, sizeof(path));
	tool_path("suid-true", path, sizeof(path));
	env.suid_ok = !chmod(path, 04755) && !statvfs(path, &sv) && !(sv.f_flag & ST_NOSUID);
	snprintf(env.shm, sizeof(env.shm), "/dev/shm/vigil-attack-%d", (int)getpid());
	if (mkdir(env.shm, 0755))
		return -1;
	strcat(env.shm, "/true");
	return copy_file("/bin/true", env.shm) || make_home() ? -1 : 0;
}

static int group_setup(void **state)
{
	const char *argv[] = { "vigil", "run", NULL };

	(void)state;
	if (make_files()) {
		fprintf(stderr, "# attack fixtures: %s\n", strerror(errno));
		return -1;
	}
	make_container_cgroup();
	root_device(env.rootdev, sizeof(env.rootdev));
	env.host_netns = open("/proc/self/ns/net", O_RDONLY); /* inherited by containers */
	listeners[0] = listen_tcp("127.0.0.1", 0, &env.port);
	if (listeners[0] < 0 || env.host_netns < 0)
		return -1;
	/* the stand-in remote host; if another run or a service holds the fixed
	 * ports, connections go there or are refused: attempts all the same */
	far_address(env.far_ip, sizeof(env.far_ip));
	if (env.far_ip[0]) {
		listeners[1] = listen_tcp(env.far_ip, 0, &env.far_port);
		listeners[2] = listen_tcp(env.far_ip, 4444, NULL);
		listeners[3] = listen_tcp(env.far_ip, 3333, NULL);
		if (listeners[1] < 0)
			env.far_ip[0] = '\0';
	}
	if (vigil_start(&agent, argv, 60000)) {
		fprintf(stderr, "# vigil run did not become ready: %s\n", agent.err ? agent.err : "");
		return -1;
	}
	env.vigil_pid = agent.pid;
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[256];
	int r;

	(void)state;
	if (agent.err && getenv("VIGIL_IT_DEBUG"))
		fprintf(stderr, "# agent stderr:\n%s\n", agent.err);
	vigil_free(&agent);
	for (int i = 0; i < 4; i++)
		if (listeners[i] >= 0)
			close(listeners[i]);
	if (env.host_netns >= 0)
		close(env.host_netns);
	if (env.cgroup[0])
		rmdir(env.cgroup);
	env.shm[strlen(env.shm) - strlen("/true")] = '\0';
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s' '%s'", env.dir, env.home, env.shm);
	r = system(cmd);
	return r == 0 ? 0 : -1;
}

/* --- running a scenario ------------------------------------------------------------ */

static int in_container(void *arg)
{
	const struct scenario *s = arg;

	alarm(SCENARIO_TIMEOUT_S); /* survives exec: nothing outlives the test */
	return s->fn(s);
}

/* Fork, run the scenario with REPORT_FD open, wait; the acting pid is the
 * last one reported, or the child's. */
static pid_t run_on_host(const struct scenario *s, int *status)
{
	int fds[2];
	pid_t pid, actor;
	char buf[256];
	ssize_t n;

	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (dup2(fds[1], REPORT_FD) != REPORT_FD)
			_exit(SC_FAIL(19));
		alarm(SCENARIO_TIMEOUT_S);
		_exit(s->fn(s));
	}
	close(fds[1]);
	assert_int_equal(waitpid(pid, status, 0), pid);
	/* what was reported was written before the child exited */
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	n = read(fds[0], buf, sizeof(buf) - 1);
	close(fds[0]);
	actor = pid;
	if (n > 0) {
		buf[n] = '\0';
		for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
			actor = (pid_t)atoi(line);
	}
	return actor;
}

static void check_status(const struct scenario *s, int st)
{
	int code;

	if (WIFSIGNALED(st)) {
		if (s->flags & ENFORCED && WTERMSIG(st) == SIGKILL)
			return; /* killed in the kernel: the rule enforced */
		fail_msg("scenario for '%s' died of signal %d", s->rule, WTERMSIG(st));
	}
	code = WEXITSTATUS(st);
	if (code == 128 + SIGKILL && s->flags & ENFORCED && s->flags & IN_CONTAINER)
		return;
	if (code == SC_SKIP)
		skip();
	if (code >= SC_FAIL(0) && code <= 127)
		fail_msg("scenario for '%s' could not run (exit code %d)", s->rule, code);
}

/* "T1234" or "T1234.567" */
static bool is_technique(const char *t)
{
	size_t n = strlen(t);

	if ((n != 5 && n != 9) || t[0] != 'T' || (n == 9 && t[5] != '.'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (i != 5 && (t[i] < '0' || t[i] > '9'))
			return false;
	return true;
}

/* What every alert must carry to be tied to its process tree and host. */
static const char *const attribution_fields[] = { "proc.pid",	  "proc.ppid", "proc.exepath",
						  "container.id", "user.uid",  NULL };

static void check_alert(const struct scenario *s, json_t *ev)
{
	json_t *tags = json_object_get(ev, "tags");
	const char *action = jstr(ev, "action");
	bool technique = false, tactic = false;

	for (size_t i = 0; i < json_array_size(tags); i++) {
		const char *t = json_string_value(json_array_get(tags, i));

		technique |= t && is_technique(t);
		tactic |= t && !strncmp(t, "mitre_", 6);
	}
	if (!technique || !tactic)
		fail_msg("'%s': tags lack a MITRE technique id or tactic", s->rule);
	/* attribution, whatever the rule's output text names */
	for (const char *const *k = attribution_fields; *k; k++)
		if (!alert_field(ev, *k))
			fail_msg("'%s': output_fields lacks %s", s->rule, *k);
	if (alert_int(ev, "proc.ppid") <= 0)
		fail_msg("'%s': proc.ppid is not a pid", s->rule);
	if (s->flags & IN_CONTAINER)
		assert_string_equal(alert_str(ev, "container.id"), env.container_id);
	assert_non_null(action);
	if (s->flags & ENFORCED) {
		if (strcmp(action, "would-kill") && strcmp(action, "killed"))
			fail_msg("'%s': action %s, not would-kill or killed", s->rule, action);
	} else {
		assert_string_equal(jstr(ev, "mode"), "alert");
		assert_string_equal(action, "none");
	}
}

static void run_scenario(void **state)
{
	const struct scenario *s = *state;
	struct alert_want w = { .rule = s->rule };
	json_t *ev;
	int st = 0;

	if (s->flags & IN_CONTAINER) {
		if (!env.cgroup[0]) {
			print_message("# no cgroup v2 mount: no test container\n");
			skip();
		}
		w.pid = container_run(env.cgroup, in_container, (void *)s, &st);
		assert_true(w.pid > 0);
	} else {
		w.pid = run_on_host(s, &st);
	}
	check_status(s, st);
	ev = vigil_wait(&agent, alert_matches, &w, WAIT_MS);
	if (!ev)
		fail_msg("no alert '%s' for pid %lld within %d ms", s->rule, w.pid, WAIT_MS);
	check_alert(s, ev);
}

/* Every bundled rule has a scenario here, and a row in docs/RULES.md (when
 * run from the source tree); every scenario names a rule. */
static void test_every_rule_has_a_scenario(void **state)
{
	const char *argv[] = { "vigil", "rules", "list", "--json", NULL };
	struct vigil_proc v = { 0 };
	size_t missing = 0, found = 0, variants = 0;
	char *doc = NULL, row[160];
	size_t doclen = 0;
	FILE *f = fopen("docs/RULES.md", "r");
	int st;

	(void)state;
	if (f) {
		getdelim(&doc, &doclen, '\0', f);
		fclose(f);
	}
	st = vigil_run_to_end(&v, argv, 30000);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	for (size_t i = 0; i < v.nev; i++) {
		const char *rule = jstr(v.ev[i], "rule");
		bool have = false;

		assert_non_null(rule);
		for (size_t k = 0; k < nscenarios; k++)
			if (!strcmp(scenarios[k].rule, rule)) {
				have = true;
				found += !scenarios[k].variant;
			}
		if (!have) {
			print_message("# no scenario for rule '%s'\n", rule);
			missing++;
		}
		snprintf(row, sizeof(row), "| %s |", rule);
		if (doc && !strstr(doc, row)) {
			print_message("# rule '%s' is not in docs/RULES.md\n", rule);
			missing++;
		}
	}
	free(doc);
	vigil_free(&v);
	assert_int_equal(missing, 0);
	/* and no scenario for a rule that is gone */
	for (size_t k = 0; k < nscenarios; k++)
		variants += !!scenarios[k].variant;
	assert_int_equal(found + variants, nscenarios);
}

int main(void)
{
	struct CMUnitTest *tests = calloc(nscenarios + 1, sizeof(*tests));
	char **names = calloc(nscenarios, sizeof(*names));
	int r;

	if (geteuid() != 0) {
		fprintf(stderr, "the attack suite loads BPF programs and makes containers: run it as root\n");
		return 1;
	}
	if (!tests || !names)
		return 1;
	for (size_t i = 0; i < nscenarios; i++) {
		tests[i].name = scenarios[i].rule;
		if (scenarios[i].variant && asprintf(&names[i], "%s, %s", scenarios[i].rule,
						     scenarios[i].variant) > 0)
			tests[i].name = names[i];
		tests[i].test_func = run_scenario;
		tests[i].initial_state = (void *)&scenarios[i];
	}
	tests[nscenarios].name = "every bundled rule has a scenario and a row in docs/RULES.md";
	tests[nscenarios].test_func = test_every_rule_has_a_scenario;
	r = _cmocka_run_group_tests("attacks", tests, nscenarios + 1, group_setup, group_teardown);
	for (size_t i = 0; i < nscenarios; i++)
		free(names[i]);
	free(names);
	free(tests);
	return r;
}
