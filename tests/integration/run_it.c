// SPDX-License-Identifier: Apache-2.0
/*
 * Integration tests of `vigil run` and `vigil check`: real rules, a real
 * agent, children making real syscalls. Rules are scoped to this test's
 * children (proc.ppid = this pid, a temp dir, a port of our own), so they
 * never match anything else on the machine. Each test asserts the exact
 * alerts: the expected ones, and none for a decoy doing near-misses.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define WAIT_MS 10000

static char tmpdir[64], rules_path[128], exe_copy[128];
static struct vigil_proc agent;
static int listen_fd = -1, decoy_fd = -1;
static unsigned short port, decoy_port;

/* --- fixtures ------------------------------------------------------------------ */

static int write_rules(void)
{
	FILE *f = fopen(rules_path, "w");
	pid_t me = getpid();

	if (!f)
		return -1;
	fprintf(f,
		"- list: it_exes\n"
		"  items: [%s]\n"
		"- macro: it_child\n"
		"  condition: proc.ppid = %d\n"
		"- rule: IT exec\n"
		"  desc: exec of the test's own copy of true\n"
		"  condition: evt.type = execve and evt.res = SUCCESS and proc.exepath in (it_exes)\n"
		"  output: \"exec %%proc.exepath args=%%proc.args parent=%%proc.pname\"\n"
		"  priority: NOTICE\n"
		"  tags: [T1059, it]\n"
		"- rule: IT write under dir\n"
		"  desc: open for write below the test's dir\n"
		"  condition: >\n"
		"    evt.type in (open, openat, openat2, creat) and evt.is_open_write = true\n"
		"    and fd.name startswith %s/w/ and it_child\n"
		"  output: \"write %%fd.name flags=%%evt.arg.flags by %%proc.name\"\n"
		"  priority: WARNING\n"
		"  tags: [T1565, it]\n"
		"  exceptions:\n"
		"    - name: allowed_file\n"
		"      fields: [fd.name]\n"
		"      values: [[%s/w/allowed]]\n"
		"- rule: IT connect\n"
		"  desc: connect to the test's listener\n"
		"  condition: evt.type = connect and fd.sport = %u and fd.sip = 127.0.0.1 and it_child\n"
		"  output: \"connect %%fd.name sport=%%fd.sport\"\n"
		"  priority: ERROR\n"
		"  tags: [T1071]\n"
		"- rule: IT setuid\n"
		"  desc: setuid to nobody by a test child\n"
		"  condition: evt.type = setuid and evt.arg.uid = 65534 and evt.res = SUCCESS and it_child\n"
		"  output: \"setuid %%evt.arg.uid now uid=%%user.uid\"\n"
		"  priority: CRITICAL\n"
		"  tags: [T1548]\n"
		"  mode: observe\n"
		"- rule: IT container write\n"
		"  desc: write below the test's container dir from a container\n"
		"  condition: >\n"
		"    evt.type in (open, openat) and evt.is_open_write = true\n"
		"    and fd.name startswith %s/c/ and proc.is_container = true\n"
		"  output: \"container write %%fd.name in %%container.id pod=%%k8s.pod.uid\"\n"
		"  priority: WARNING\n"
		"  tags: [T1610]\n"
		"- rule: IT rename\n"
		"  desc: a rename by a test child, its names as the entry copied them\n"
		"  condition: evt.type = rename and it_child\n"
		"  output: \"rename %%evt.arg.oldpath to %%evt.arg.newpath late=%%evt.args.late\"\n"
		"  priority: NOTICE\n"
		"",
		exe_copy, me, tmpdir, tmpdir, port, tmpdir);
	return fclose(f);
}

static int group_setup(void **state)
{
	char path[160];
	const char *argv[] = { "vigil", "run", "--rules", rules_path, NULL };

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vigil-run-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(path, sizeof(path), "%s/w", tmpdir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/other", tmpdir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/c", tmpdir);
	mkdir(path, 0755);
	snprintf(exe_copy, sizeof(exe_copy), "%s/it-true", tmpdir);
	snprintf(rules_path, sizeof(rules_path), "%s/rules.yaml", tmpdir);
	if (copy_file("/bin/true", exe_copy))
		return -1;
	listen_fd = listen_tcp("127.0.0.1", 0, &port);
	decoy_fd = listen_tcp("127.0.0.1", 0, &decoy_port);
	if (listen_fd < 0 || decoy_fd < 0 || write_rules())
		return -1;
	if (vigil_start(&agent, argv, 60000)) {
		fprintf(stderr, "# vigil run did not become ready: %s\n", agent.err ? agent.err : "");
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[128];

	(void)state;
	if (agent.err && getenv("VIGIL_IT_DEBUG"))
		fprintf(stderr, "# agent stderr:\n%s\n", agent.err);
	vigil_free(&agent);
	close(listen_fd);
	close(decoy_fd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* --- children ------------------------------------------------------------------- */

enum act { ACT_EXEC, ACT_WRITE, ACT_CONNECT, ACT_SETUID, ACT_DECOY, ACT_RENAME };

/* Names for ACT_RENAME: short ones, and one of 600-odd bytes (three
 * components of 200, below no directory that exists), longer than the
 * entry copy's slot (VG_ENTRY_SLOT, 512 in bpf/lib/record.bpf.h). */
static char name_a[96], name_b[96], name_long[700];

static void rename_names(void)
{
	char comp[201];

	memset(comp, 'q', 200);
	comp[200] = '\0';
	snprintf(name_a, sizeof(name_a), "%s/ren-a", tmpdir);
	snprintf(name_b, sizeof(name_b), "%s/ren-b", tmpdir);
	snprintf(name_long, sizeof(name_long), "%s/%s/%s/%s", tmpdir, comp, comp, comp);
}

static int child_main(enum act a)
{
	char p[192];
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd, s;

	switch (a) {
	case ACT_EXEC:
		execl(exe_copy, "it-true", "--flag", "two words", (char *)NULL);
		return 127;
	case ACT_WRITE:
		snprintf(p, sizeof(p), "%s/w/written", tmpdir);
		fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		return fd >= 0 ? 0 : 1;
	case ACT_CONNECT:
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin.sin_port = htons(port);
		s = socket(AF_INET, SOCK_STREAM, 0);
		return connect(s, (struct sockaddr *)&sin, sizeof(sin)) == 0 ? 0 : 1;
	case ACT_SETUID:
		return setuid(65534) == 0 ? 0 : 1;
	case ACT_RENAME:
		/* none of these names exists: each fails with ENOENT, after
		 * the entry has copied its names */
		rename(name_a, name_b);
		rename(name_long, name_a);
		rename(name_b, name_long);
		return 0;
	case ACT_DECOY:
		/* near misses of every rule above */
		snprintf(p, sizeof(p), "%s/other/written", tmpdir); /* other dir */
		if ((fd = open(p, O_WRONLY | O_CREAT, 0644)) < 0)
			return 1;
		close(fd);
		snprintf(p, sizeof(p), "%s/w/allowed", tmpdir); /* the exception */
		if ((fd = open(p, O_WRONLY | O_CREAT, 0644)) < 0)
			return 1;
		close(fd);
		snprintf(p, sizeof(p), "%s/w/written", tmpdir); /* read-only open */
		if ((fd = open(p, O_RDONLY | O_CREAT, 0644)) < 0)
			return 1;
		close(fd);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* other port */
		sin.sin_port = htons(decoy_port);
		s = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(s, (struct sockaddr *)&sin, sizeof(sin)))
			return 1;
		if (setgid(65534)) /* setgid, not setuid */
			return 1;
		execl("/bin/true", "true", (char *)NULL); /* the real true, not the copy */
		return 127;
	}
	return 2;
}

static pid_t run_child(enum act a)
{
	pid_t pid = fork();
	int st;

	if (pid == 0)
		_exit(child_main(a));
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	return pid;
}

static bool alert_of_pid(json_t *ev, void *ctx)
{
	return alert_int(ev, "proc.pid") == *(long long *)ctx;
}

/* The common Falco keys every alert carries. */
static void assert_falco_shape(json_t *ev)
{
	static const char *const keys[] = { "time", "rule", "priority", "output", "hostname",
					    "source", "mode", "action" };
	static const char *const fields[] = { "evt.time", "proc.pid", "proc.name",
					      "proc.exepath", "user.uid", "container.id" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		assert_non_null(jstr(ev, keys[i]));
	assert_true(json_is_array(json_object_get(ev, "tags")));
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		assert_non_null(json_object_get(json_object_get(ev, "output_fields"), fields[i]));
	assert_string_equal(jstr(ev, "source"), "syscall");
	/* evt.time and time are the same instant */
	assert_string_equal(jstr(ev, "time"),
			    json_string_value(json_object_get(json_object_get(ev, "output_fields"),
							      "evt.time")));
}

/* --- tests ------------------------------------------------------------------------ */

static void test_exec_alert(void **state)
{
	struct alert_want w = { .rule = "IT exec" };
	json_t *ev;

	(void)state;
	w.pid = run_child(ACT_EXEC);
	ev = vigil_wait(&agent, alert_matches, &w, WAIT_MS);
	assert_non_null(ev);
	assert_falco_shape(ev);
	assert_string_equal(jstr(ev, "priority"), "Notice");
	assert_string_equal(alert_str(ev, "proc.exepath"), exe_copy);
	assert_string_equal(alert_str(ev, "proc.args"), "--flag two words");
	{
		char want[320];

		/* Falco's output: the time of day from evt.time, the priority,
		 * then the rendered template */
		snprintf(want, sizeof(want), "%.18s: Notice exec %s args=--flag two words parent=%s",
			 jstr(ev, "time") + 11, exe_copy, alert_str(ev, "proc.pname"));
		assert_string_equal(jstr(ev, "output"), want);
	}
	assert_string_equal(json_string_value(json_array_get(json_object_get(ev, "tags"), 0)),
			    "T1059");
	assert_string_equal(jstr(ev, "mode"), "alert");
	assert_string_equal(jstr(ev, "action"), "none");
}

static void test_write_alert(void **state)
{
	struct alert_want w = { .rule = "IT write under dir" };
	char path[160];
	json_t *ev;

	(void)state;
	w.pid = run_child(ACT_WRITE);
	ev = vigil_wait(&agent, alert_matches, &w, WAIT_MS);
	assert_non_null(ev);
	assert_falco_shape(ev);
	snprintf(path, sizeof(path), "%s/w/written", tmpdir);
	assert_string_equal(alert_str(ev, "fd.name"), path);
	assert_string_equal(alert_str(ev, "evt.arg.flags"), "O_WRONLY|O_CREAT|O_TRUNC");
	assert_string_equal(jstr(ev, "priority"), "Warning");
}

static void test_connect_alert(void **state)
{
	struct alert_want w = { .rule = "IT connect" };
	char want[64];
	json_t *ev;

	(void)state;
	w.pid = run_child(ACT_CONNECT);
	ev = vigil_wait(&agent, alert_matches, &w, WAIT_MS);
	assert_non_null(ev);
	assert_falco_shape(ev);
	assert_int_equal(alert_int(ev, "fd.sport"), port);
	snprintf(want, sizeof(want), "->127.0.0.1:%u", port);
	assert_non_null(strstr(alert_str(ev, "fd.name"), want));
	/* an alert-mode rule: no enforcement verdict (tests/integration/enforce_it.c
	 * has those) */
	assert_string_equal(jstr(ev, "action"), "none");
}

struct rename_want {
	long long pid;
	const char *from;
};

static bool rename_of(json_t *ev, void *ctx)
{
	const struct rename_want *w = ctx;
	const char *rule = jstr(ev, "rule"), *from = alert_str(ev, "evt.arg.oldpath");

	return rule && !strcmp(rule, "IT rename") && alert_int(ev, "proc.pid") == w->pid && from &&
	       !strcmp(from, w->from);
}

/* A rename's names are the ones its entry copied (the exit reads them
 * from that copy, not from memory another thread may have rewritten), the
 * long ones whole: those go to the copy's big buffer. */
static void test_entry_copy_names(void **state)
{
	const char *from[3] = { name_a, name_long, name_b }, *to[3] = { name_b, name_a, name_long };
	struct rename_want w;

	(void)state;
	rename_names();
	w.pid = run_child(ACT_RENAME);
	for (int i = 0; i < 3; i++) {
		json_t *ev, *late;

		w.from = from[i];
		ev = vigil_wait(&agent, rename_of, &w, WAIT_MS);
		if (!ev)
			fail_msg("no alert for rename %d (from %zu bytes)", i, strlen(w.from));
		assert_string_equal(alert_str(ev, "evt.arg.newpath"), to[i]);
		late = json_object_get(json_object_get(ev, "output_fields"), "evt.args.late");
		assert_true(json_is_false(late));
	}
}

static void test_observe_not_alerted(void **state)
{
	long long pid;

	(void)state;
	pid = run_child(ACT_SETUID);
	/* An observe-mode rule never reaches the alert output. Prove the
	 * agent has processed past the setuid: a later child's alert. */
	{
		struct alert_want w = { .rule = "IT write under dir" };

		w.pid = run_child(ACT_WRITE);
		assert_non_null(vigil_wait(&agent, alert_matches, &w, WAIT_MS));
	}
	assert_int_equal(vigil_count(&agent, alert_of_pid, &pid), 0);
}

static void test_decoy_silent(void **state)
{
	long long pid;

	(void)state;
	pid = run_child(ACT_DECOY);
	{
		struct alert_want w = { .rule = "IT write under dir" };

		w.pid = run_child(ACT_WRITE); /* a marker after the decoy */
		assert_non_null(vigil_wait(&agent, alert_matches, &w, WAIT_MS));
	}
	assert_int_equal(vigil_count(&agent, alert_of_pid, &pid), 0);
	assert_int_equal(agent.bad_lines, 0);
}

/* --mode observe caps every rule; observe matches go to the audit file. */
static void test_mode_cap_and_files(void **state)
{
	char out[160], audit[160], pidarg[16];
	const char *argv[] = { "vigil",	       "run",	      "--rules", rules_path, "--mode",
			       "observe",      "--output-file", out,	 "--audit-file", audit,
			       NULL };
	struct vigil_proc v = { 0 };
	char buf[8192];
	FILE *f;
	size_t n;
	int st;

	(void)state;
	snprintf(out, sizeof(out), "%s/alerts.json", tmpdir);
	snprintf(audit, sizeof(audit), "%s/audit.json", tmpdir);
	snprintf(pidarg, sizeof(pidarg), "%d", getpid());
	f = fopen(out, "w");
	fputs("{\"earlier\":true}\n", f); /* --output-file appends */
	fclose(f);
	assert_int_equal(vigil_start(&v, argv, 60000), 0);
	run_child(ACT_WRITE);
	/* wait until the audit file holds the match */
	for (long long end = now_ms() + WAIT_MS; now_ms() < end;) {
		f = fopen(audit, "r");
		n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
		if (f)
			fclose(f);
		buf[n] = '\0';
		if (strstr(buf, "IT write under dir"))
			break;
		vigil_pump(&v, 50);
	}
	st = vigil_stop(&v, 10000);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_non_null(strstr(buf, "\"mode\":\"observe\""));
	f = fopen(out, "r");
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	assert_string_equal(buf, "{\"earlier\":true}\n"); /* no alert was written */
	assert_int_equal(v.nev, 0);			   /* nor to stdout */
	vigil_free(&v);
}

static void test_text_output(void **state)
{
	const char *argv[] = { "vigil", "run", "--rules", rules_path, "--output", "text", NULL };
	struct vigil_proc v = { 0 };
	char path[160];

	(void)state;
	v.keep_text = true; /* text lines are not JSON: keep them in v.text */
	assert_int_equal(vigil_start(&v, argv, 60000), 0);
	run_child(ACT_WRITE);
	snprintf(path, sizeof(path), "write %s/w/written flags=O_WRONLY|O_CREAT|O_TRUNC by ", tmpdir);
	for (long long end = now_ms() + WAIT_MS; now_ms() < end && !v.text;)
		vigil_pump(&v, 50);
	vigil_stop(&v, 10000);
	assert_non_null(v.text);
	/* Falco's text form: "HH:MM:SS.nnnnnnnnn: Priority output" */
	assert_true(strlen(v.text) > 20 && v.text[2] == ':' && v.text[5] == ':' && v.text[8] == '.');
	assert_non_null(strstr(v.text, ": Warning "));
	assert_non_null(strstr(v.text, path));
	vigil_free(&v);
}

/* --- containers ----------------------------------------------------------------------- */

/* The container's pid 1 writes a file. */
static int write_file(void *arg)
{
	int fd = open(arg, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	return fd >= 0 ? 0 : 13;
}

/* Runs write_file(file) in a container (harness.h); returns its host pid. */
static pid_t run_in_container(const char *cgroup, const char *file)
{
	int st;
	pid_t pid = container_run(cgroup, write_file, (void *)file, &st);

	assert_true(pid > 0);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	return pid;
}

static void test_container_context(void **state)
{
	static const char hex[] = "c0ffee00deadbeef0123456789abcdef0123456789abcdef0123456789abcdef";
	char mount[256], cg[800], kube[600], file[160];
	struct alert_want w = { .rule = "IT container write" };
	json_t *ev;

	(void)state;
	cgroup2_mount(mount, sizeof(mount));
	if (!mount[0]) {
		print_message("# no cgroup v2 mount: container context not testable here\n");
		skip();
	}
	/* docker's systemd driver naming */
	snprintf(cg, sizeof(cg), "%s/docker-%s.scope", mount, hex);
	assert_int_equal(mkdirs(cg), 0);
	snprintf(file, sizeof(file), "%s/c/docker", tmpdir);
	w.pid = run_in_container(cg, file);
	ev = vigil_wait(&agent, alert_matches, &w, WAIT_MS);
	rmdir(cg);
	assert_non_null(ev);
	assert_string_equal(alert_str(ev, "container.id"), "c0ffee00dead");
	assert_string_equal(alert_str(ev, "fd.name"), file);
	assert_null(alert_str(ev, "k8s.pod.uid")); /* not a pod: <NA>, JSON null */

	/* a Kubernetes pod's container (kubelet's systemd driver, containerd) */
	snprintf(kube, sizeof(kube),
		 "%s/kubepods.slice/kubepods-besteffort.slice/"
		 "kubepods-besteffort-pod4a5b6c7d_1111_2222_3333_444455556666.slice",
		 mount);
	snprintf(cg, sizeof(cg), "%s/cri-containerd-%s.scope", kube, hex);
	assert_int_equal(mkdirs(cg), 0);
	snprintf(file, sizeof(file), "%s/c/kube", tmpdir);
	w.pid = run_in_container(cg, file);
	ev = vigil_wait(&agent, alert_matches, &w, WAIT_MS);
	rmdir(cg);
	rmdir(kube);
	snprintf(kube, sizeof(kube), "%s/kubepods.slice/kubepods-besteffort.slice", mount);
	rmdir(kube);
	snprintf(kube, sizeof(kube), "%s/kubepods.slice", mount);
	rmdir(kube);
	assert_non_null(ev);
	assert_string_equal(alert_str(ev, "container.id"), "c0ffee00dead");
	assert_string_equal(alert_str(ev, "k8s.pod.uid"), "4a5b6c7d-1111-2222-3333-444455556666");

	/* and this test's own processes are on the host */
	{
		struct alert_want h = { .rule = "IT write under dir" };

		h.pid = run_child(ACT_WRITE);
		ev = vigil_wait(&agent, alert_matches, &h, WAIT_MS);
		assert_non_null(ev);
		assert_string_equal(alert_str(ev, "container.id"), "host");
	}
}

/* --- vigil check ------------------------------------------------------------------- */

static void test_check_errors(void **state)
{
	char bad[160];
	const char *argv[] = { "vigil", "check", bad, NULL };
	struct vigil_proc v = { 0 };
	FILE *f;
	int st;

	(void)state;
	snprintf(bad, sizeof(bad), "%s/bad.yaml", tmpdir);
	f = fopen(bad, "w");
	fputs("- macro: m\n"
	      "  condition: proc.name = x\n"
	      "- rule: R1\n"
	      "  desc: d\n"
	      "  condition: >\n"
	      "    evt.type = openat and\n"
	      "    proc.nmae = cat\n"
	      "  output: o\n"
	      "  priority: WARNING\n"
	      "- rule: R2\n"
	      "  desc: d\n"
	      "  condition: evt.type = openat and (m or fd.num contains 3)\n"
	      "  output: o\n"
	      "  priority: WARNING\n",
	      f);
	fclose(f);
	st = vigil_run_to_end(&v, argv, 30000);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 2);
	{
		char want[256];

		snprintf(want, sizeof(want), "%s:7:5: unknown field 'proc.nmae'", bad);
		assert_non_null(strstr(v.err, want));
		snprintf(want, sizeof(want),
			 "%s:12:49: operator 'contains' does not apply to field 'fd.num'", bad);
		assert_non_null(strstr(v.err, want));
	}
	vigil_free(&v);
}

static void test_check_falco_rules(void **state)
{
	const char *path = "../shared/compat/falco/falco_rules.yaml";
	const char *argv[] = { "vigil", "check", path, NULL };
	struct vigil_proc v = { 0 };
	int st;

	(void)state;
	if (access(path, R_OK)) {
		print_message("# %s absent: Falco compatibility not checked\n", path);
		skip();
	}
	v.keep_text = true;
	st = vigil_run_to_end(&v, argv, 60000);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_non_null(v.text);
	assert_non_null(strstr(v.text, "25 rules loaded"));
	/* fields vigil cannot fill are named, once each */
	assert_non_null(strstr(v.err, "warning: field 'proc.sname' is not filled by vigil yet"));
	vigil_free(&v);
}

static void test_bundled_rules(void **state)
{
	const char *argv[] = { "vigil", "run", "--duration", "1", NULL };
	const char *list[] = { "vigil", "rules", "list", "--json", NULL };
	struct vigil_proc v = { 0 };
	int st;

	(void)state;
	st = vigil_run_to_end(&v, argv, 60000);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_non_null(strstr(v.err, "vigil: ready ("));
	assert_non_null(strstr(v.err, " rules, "));
	vigil_free(&v);
	st = vigil_run_to_end(&v, list, 30000);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_true(v.nev >= 5);
	for (size_t i = 0; i < v.nev; i++) {
		json_t *tags = json_object_get(v.ev[i], "tags");
		bool mitre = false;

		for (size_t k = 0; k < json_array_size(tags); k++)
			mitre |= json_string_value(json_array_get(tags, k))[0] == 'T';
		assert_true(mitre); /* every bundled rule names its ATT&CK technique */
	}
	vigil_free(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_alert),
		cmocka_unit_test(test_write_alert),
		cmocka_unit_test(test_connect_alert),
		cmocka_unit_test(test_entry_copy_names),
		cmocka_unit_test(test_observe_not_alerted),
		cmocka_unit_test(test_decoy_silent),
		cmocka_unit_test(test_container_context),
		cmocka_unit_test(test_mode_cap_and_files),
		cmocka_unit_test(test_text_output),
		cmocka_unit_test(test_check_errors),
		cmocka_unit_test(test_check_falco_rules),
		cmocka_unit_test(test_bundled_rules),
	};

	if (geteuid() != 0) {
		fprintf(stderr, "integration tests load BPF programs: run them as root\n");
		return 1;
	}
	return cmocka_run_group_tests_name("run", tests, group_setup, group_teardown);
}
