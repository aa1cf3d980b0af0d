// SPDX-License-Identifier: Apache-2.0
/*
 * Integration tests of the Debian package (`make deb`): installed with
 * dpkg, its unit checked by systemd-analyze, the unit's ExecStart run as
 * systemd would run it (this machine has no systemd as PID 1) with a
 * notify socket the test owns: READY=1, an alert from a local rule in
 * /etc/vigil/rules.d, ExecReload's SIGHUP taking a new rule file, and
 * STOPPING=1. /etc/vigil/vigil.yaml is a conffile: an administrator's
 * change survives a reinstall of the package, removal keeps it, purge
 * removes it; and the files named vigil on the system are the same
 * before the install and after the purge.
 */
#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define UNIT "/lib/systemd/system/vigil.service"
#define RULES_D "/etc/vigil/rules.d"
#define WANTS "/etc/systemd/system/multi-user.target.wants/vigil.service"
#define CONF "/etc/vigil/vigil.yaml"
/* the system's files, as the purge test compares them (the shared
 * pseudo and cache trees aside) */
#define LIST_FILES                                                                                 \
	"find /etc /usr /lib /var /run /opt /srv -xdev \\( -path /var/cache -o -path /var/tmp \\) " \
	"-prune -o -print 2>/dev/null | LC_ALL=C sort"
/* what an administrator changes in the conffile */
#define CONF_MARK "# changed by the package test"

static char tmpdir[64], deb[PATH_MAX], files[128];
static struct vigil_proc v = { .pid = -1, .out_fd = -1, .err_fd = -1 };

/* Run a shell command; its exit code (-1: did not exit). Output to stderr. */
static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static int rule_file(const char *name, const char *rule, const char *mark)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), RULES_D "/%s", name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f,
		"- rule: %s\n"
		"  desc: the package test's marker\n"
		"  condition: evt.type in (open, openat) and fd.name = %s/%s\n"
		"  output: \"package test %%proc.name\"\n"
		"  priority: NOTICE\n"
		"  tags: [T1082]\n",
		rule, tmpdir, mark);
	return fclose(f);
}

static int group_setup(void **state)
{
	char dir[PATH_MAX], pattern[PATH_MAX + 32];
	glob_t g;

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vigil-pkg-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(files, sizeof(files), "%s/files", tmpdir);
	snprintf(dir, sizeof(dir), "%s", vigil_path());
	snprintf(pattern, sizeof(pattern), "%s/vigil_*_amd64.deb", dirname(dir));
	if (glob(pattern, 0, NULL, &g) || g.gl_pathc != 1) {
		fprintf(stderr, "# no single %s: run make deb\n", pattern);
		return -1;
	}
	snprintf(deb, sizeof(deb), "%s", g.gl_pathv[0]);
	globfree(&g);
	/* a package left by an earlier run that failed half-way */
	sh("dpkg -P vigil >/dev/null 2>&1");
	if (sh(LIST_FILES " > %s/before", tmpdir))
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	vigil_free(&v);
	sh("rm -f " RULES_D "/pkgtest*.yaml; dpkg -P vigil >/dev/null 2>&1");
	return sh("rm -rf '%s'", tmpdir) == 0 ? 0 : -1;
}

static void test_install(void **state)
{
	(void)state;
	assert_int_equal(sh("dpkg -i %s >&2", deb), 0);
	assert_int_equal(sh("dpkg-query -W -f='${Status}' vigil | grep -q 'install ok installed'"), 0);
	/* everything it installed, for the purge test */
	assert_int_equal(sh("dpkg -L vigil > %s", files), 0);
	assert_int_equal(access("/usr/sbin/vigil", X_OK), 0);
	assert_int_equal(sh("/usr/sbin/vigil --version | grep -q '^vigil '"), 0);
	/* the bundled rules on disk are those in the binary */
	assert_int_equal(sh("/usr/sbin/vigil rules dump | cmp -s - /usr/share/vigil/rules/default.yaml"), 0);
	assert_int_equal(sh("/usr/sbin/vigil check /usr/share/vigil/rules/default.yaml >/dev/null 2>&1"), 0);
	assert_int_equal(access(RULES_D, F_OK), 0);
	/* the configuration: a conffile, valid, loading the bundled then the
	 * local rules */
	assert_int_equal(sh("dpkg-query -W -f='${Conffiles}' vigil | grep -q '^ " CONF " '"), 0);
	assert_int_equal(sh("/usr/sbin/vigil check --config " CONF " >&2"), 0);
	assert_int_equal(sh("grep -qx '  - /usr/share/vigil/rules/default.yaml' " CONF), 0);
	assert_int_equal(sh("grep -qx '  - " RULES_D "' " CONF), 0);
	assert_int_equal(sh("zcat /usr/share/man/man8/vigil.8.gz | grep -q '^.I " CONF "'"), 0);
	assert_int_equal(sh("zcat /usr/share/man/man8/vigil.8.gz | grep -q HOST_ROOT"), 0);
	assert_int_equal(sh("bash -n /usr/share/bash-completion/completions/vigil"), 0);
	assert_int_equal(sh("bash -c '. /usr/share/bash-completion/completions/vigil; "
			    "COMP_WORDS=(/usr/sbin/vigil run --mo); COMP_CWORD=2; _vigil; [ \"${COMPREPLY[*]}\" = --mode ]'"),
			 0);
	/* every option of every command's --help is in the manual page and
	 * completes */
	assert_int_equal(sh("tests/integration/pkgdocs.sh /usr/sbin/vigil /usr/share/man/man8/vigil.8.gz "
			    "/usr/share/bash-completion/completions/vigil >&2"),
			 0);
	/* the unit as systemd reads it */
	assert_int_equal(sh("systemd-analyze verify " UNIT " >&2"), 0);
	assert_int_equal(sh("grep -qx 'Type=notify' " UNIT), 0);
	/* enabled, as a Debian daemon is on install */
	assert_int_equal(sh("test -L " WANTS), 0);
}

/* An administrator's change to the conffile survives a reinstall of the
 * package (what an upgrade that ships the same vigil.yaml does), with no
 * .dpkg-new or .dpkg-dist copy beside it. */
static void test_conffile_reinstall(void **state)
{
	(void)state;
	assert_int_equal(sh("sed -i 's/^priority: debug$/priority: notice/' " CONF), 0);
	assert_int_equal(sh("echo '" CONF_MARK "' >> " CONF), 0);
	assert_int_equal(sh("dpkg -i %s >&2", deb), 0);
	assert_int_equal(sh("grep -qx '" CONF_MARK "' " CONF), 0);
	assert_int_equal(sh("grep -qx 'priority: notice' " CONF), 0);
	assert_int_equal(sh("ls /etc/vigil/*.dpkg-* 2>/dev/null | grep -q ."), 1);
	assert_int_equal(sh("/usr/sbin/vigil check --config " CONF " >&2"), 0);
}

/* The unit's ExecStart, split on blanks (it has no quoting). */
static int exec_start(char *buf, size_t size, const char **argv, size_t max)
{
	FILE *f = popen("sed -n 's/^ExecStart=//p' " UNIT, "r");
	size_t n = 0;
	char *save, *tok;

	if (!f || !fgets(buf, (int)size, f)) {
		if (f)
			pclose(f);
		return -1;
	}
	pclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	for (tok = strtok_r(buf, " ", &save); tok && n + 1 < max; tok = strtok_r(NULL, " ", &save))
		argv[n++] = tok;
	argv[n] = NULL;
	return n ? 0 : -1;
}

static bool notify_read(int fd, char *buf, size_t size, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, timeout_ms) != 1 || (n = recv(fd, buf, size - 1, 0)) < 0)
		return false;
	buf[n] = '\0';
	return true;
}

static void touch(const char *name)
{
	char path[160];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
}

/* The service as systemd runs it: notify, alerts, reload, stop. */
static void test_service(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct alert_want a1 = { .rule = "package test one", .pid = getpid() };
	struct alert_want a2 = { .rule = "package test two", .pid = getpid() };
	const char *argv[16], *saved = getenv("VIGIL");
	char line[512], msg[512], reload[256];
	int fd, rc;

	(void)state;
	assert_int_equal(exec_start(line, sizeof(line), argv, 16), 0);
	assert_string_equal(argv[0], "/usr/sbin/vigil");
	assert_int_equal(rule_file("pkgtest1.yaml", "package test one", "mark1"), 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/notify", tmpdir);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setenv("NOTIFY_SOCKET", sa.sun_path, 1);
	setenv("VIGIL", argv[0], 1);
	v.host_config = true; /* the package's /etc/vigil/vigil.yaml */
	rc = vigil_start(&v, argv, 60000);
	unsetenv("NOTIFY_SOCKET");
	if (saved)
		setenv("VIGIL", saved, 1);
	else
		unsetenv("VIGIL");
	assert_int_equal(rc, 0);
	assert_true(notify_read(fd, msg, sizeof(msg), 10000));
	assert_non_null(strstr(msg, "READY=1"));
	touch("mark1");
	assert_non_null(vigil_wait(&v, alert_matches, &a1, 10000));
	/* ExecReload, with systemd's $MAINPID */
	assert_int_equal(rule_file("pkgtest2.yaml", "package test two", "mark2"), 0);
	assert_int_equal(sh("sed -n 's/^ExecReload=//p' " UNIT " > %s/reload", tmpdir), 0);
	snprintf(reload, sizeof(reload), "MAINPID=%d sh -c \"$(cat %s/reload)\"", v.pid, tmpdir);
	assert_int_equal(sh("%s", reload), 0);
	assert_true(vigil_wait_stderr(&v, "rules reloaded", 20000));
	touch("mark2");
	assert_non_null(vigil_wait(&v, alert_matches, &a2, 10000));
	/* systemctl stop: SIGTERM */
	assert_int_equal(kill(v.pid, SIGTERM), 0);
	assert_true(notify_read(fd, msg, sizeof(msg), 10000));
	assert_non_null(strstr(msg, "STOPPING=1"));
	rc = vigil_stop(&v, 10000);
	assert_true(WIFEXITED(rc) && WEXITSTATUS(rc) == 0);
	vigil_free(&v);
	close(fd);
}

static void test_remove_purge(void **state)
{
	(void)state;
	assert_int_equal(sh("rm -f " RULES_D "/pkgtest*.yaml"), 0);
	/* a local rule: the administrator's configuration, like vigil.yaml */
	assert_int_equal(rule_file("pkgtest-local.yaml", "package test local", "mark3"), 0);
	assert_int_equal(sh("dpkg -r vigil >&2"), 0);
	assert_int_not_equal(access("/usr/sbin/vigil", F_OK), 0);
	assert_int_not_equal(access(UNIT, F_OK), 0);
	/* removed, not purged: the configuration stays, as changed, and the
	 * local rules */
	assert_int_equal(sh("dpkg-query -W -f='${Status}' vigil | grep -q 'deinstall ok config-files'"), 0);
	assert_int_equal(sh("grep -qx '" CONF_MARK "' " CONF), 0);
	assert_int_equal(access(RULES_D "/pkgtest-local.yaml", F_OK), 0);
	assert_int_equal(sh("dpkg -P vigil >&2"), 0);
	assert_int_not_equal(access("/etc/vigil", F_OK), 0);
	assert_int_not_equal(sh("dpkg-query -W -f='${Status}' vigil 2>/dev/null | grep -q installed"), 0);
	/* not one of its files or directories is left (shared ones aside) */
	assert_int_equal(sh("while read -r p; do case $p in /.|/etc|/lib|/lib/systemd|/lib/systemd/system|"
			    "/usr|/usr/sbin|/usr/share|/usr/share/man|/usr/share/man/man8|/usr/share/doc|"
			    "/usr/share/bash-completion|/usr/share/bash-completion/completions) continue;; esac;"
			    " if [ -e \"$p\" ]; then echo \"left: $p\" >&2; exit 1; fi; done < %s",
			    files),
			 0);
	/* nor its enablement */
	assert_int_not_equal(access(WANTS, F_OK), 0);
	assert_int_not_equal(sh("find /var/lib/systemd -name '*vigil*' 2>/dev/null | grep -q ."), 0);
	/* the system's files before the install and after the purge: none
	 * named vigil appeared (other programs' apt runs may add files of
	 * their own meanwhile, hence the name filter) */
	assert_int_equal(sh(LIST_FILES " > %s/after", tmpdir), 0);
	assert_int_equal(sh("LC_ALL=C comm -13 %s/before %s/after | grep -i vigil >&2", tmpdir, tmpdir), 1);
	assert_int_equal(sh("LC_ALL=C comm -23 %s/before %s/after | grep -i vigil >&2", tmpdir, tmpdir), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_install),
		cmocka_unit_test(test_conffile_reinstall),
		cmocka_unit_test(test_service),
		cmocka_unit_test(test_remove_purge),
	};

	if (geteuid() != 0) {
		fprintf(stderr, "the package tests install a package and load BPF: run them as root\n");
		return 1;
	}
	return cmocka_run_group_tests_name("package", tests, group_setup, group_teardown);
}
