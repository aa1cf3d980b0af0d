// SPDX-License-Identifier: Apache-2.0
/*
 * Path spellings: the same file named another way than the rule writes it
 * ("//etc/shadow", "/etc/./shadow", "/tmp/../var/log/x", a path relative
 * to a directory fd or to the cwd, a symlink to a runtime socket), a path
 * deeper than the kernel's unrolled walk, and a chrooted process's read.
 * Each evasion is followed by its plain control.
 *
 * Made harmless: links and symlinks to /etc/shadow are made in the suite's
 * directory (a hard link across file systems fails, and is an attempt all
 * the same), log files are ones the case creates under /var/log, the
 * runtime socket is a listener the case binds where none exists.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "evasion.h"

#define HARDLINK "Hardlink to sensitive file"
#define SYMLINK "Symlink to sensitive file"
#define LOGDEL "Log file deleted"
#define LOGCLR "Log file cleared"
#define RUNSOCK "Container runtime socket connect"
#define SHM "Execution from /dev/shm"

/* A name in the suite's directory, unique to this process. */
static void own_name(char *out, size_t size, const char *what)
{
	snprintf(out, size, "%s/%s-%d", env.dir, what, (int)getpid());
}

/* ---- links to /etc/shadow ------------------------------------------------ */

static int link_as(const char *target)
{
	char l[PATH_MAX];

	own_name(l, sizeof(l), "hl");
	link(target, l); /* EXDEV when /tmp is another file system: an attempt */
	unlink(l);
	return 0;
}

static int link_plain(void) { return link_as("/etc/shadow"); }
static int link_slashes(void) { return link_as("//etc/shadow"); }
static int link_dots(void) { return link_as("/etc/../etc/./shadow"); }

/* linkat(fd of /etc, "shadow", ...) */
static int linkat_dirfd(void)
{
	char l[PATH_MAX];
	int d = open("/etc", O_RDONLY | O_DIRECTORY);

	if (d < 0)
		return EV_FAIL(1);
	own_name(l, sizeof(l), "hl");
	linkat(d, "shadow", AT_FDCWD, l, 0);
	unlink(l);
	close(d);
	return 0;
}

static int symlink_as(const char *target)
{
	char l[PATH_MAX];

	own_name(l, sizeof(l), "sl");
	if (symlink(target, l))
		return EV_FAIL(1);
	unlink(l);
	return 0;
}

static int symlink_plain(void) { return symlink_as("/etc/shadow"); }
static int symlink_dot(void) { return symlink_as("/etc/./shadow"); }

/* A relative target is relative to the link's directory: a link in /tmp to
 * "../etc/shadow" is a link to /etc/shadow. Made with symlinkat and a
 * directory fd of /tmp. */
static int symlink_relative(void)
{
	char name[64];
	int d = open("/tmp", O_RDONLY | O_DIRECTORY);

	if (d < 0)
		return EV_FAIL(1);
	snprintf(name, sizeof(name), "vigil-evasion-sl-%d", (int)getpid());
	if (symlinkat("../etc/shadow", d, name))
		return EV_FAIL(2);
	unlinkat(d, name, 0);
	close(d);
	return 0;
}

/* ---- log files deleted or emptied ---------------------------------------- */

/* Create /var/log/vigil-evasion-<pid> (its name in out). */
static int log_make(char *out, size_t size)
{
	int fd;

	snprintf(out, size, "/var/log/vigil-evasion-%d", (int)getpid());
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, "x\n", 2) != 2)
		return -1;
	close(fd);
	return 0;
}

/* unlink of the log file spelled as fmt (%s: its name without /var/log/) */
static int log_unlink_as(const char *fmt)
{
	char log[PATH_MAX], spelled[PATH_MAX];

	if (log_make(log, sizeof(log)))
		return EV_FAIL(1);
	snprintf(spelled, sizeof(spelled), fmt, log + strlen("/var/log/"));
	if (unlink(spelled)) {
		unlink(log);
		return EV_FAIL(2);
	}
	return 0;
}

static int rm_plain(void) { return log_unlink_as("/var/log/%s"); }
static int rm_slashes(void) { return log_unlink_as("//var/log/%s"); }
static int rm_dotdot(void) { return log_unlink_as("/tmp/../var/log/%s"); }
static int rm_dot(void) { return log_unlink_as("/var/./log//./%s"); }

static int rm_dirfd(void)
{
	char log[PATH_MAX];
	int d;

	if (log_make(log, sizeof(log)))
		return EV_FAIL(1);
	d = open("/var/log", O_RDONLY | O_DIRECTORY);
	if (d < 0 || unlinkat(d, log + strlen("/var/log/"), 0)) {
		unlink(log);
		return EV_FAIL(2);
	}
	close(d);
	return 0;
}

static int rm_cwd(void)
{
	char log[PATH_MAX];

	if (log_make(log, sizeof(log)) || chdir("/var/log"))
		return EV_FAIL(1);
	if (unlink(log + strlen("/var/log/"))) {
		unlink(log);
		return EV_FAIL(2);
	}
	return 0;
}

/* renamed away, named through "..": renameat(fd of /var/log/.., "log/x") */
static int mv_dirfd_dotdot(void)
{
	char log[PATH_MAX], rel[PATH_MAX + 16], to[PATH_MAX + 8];
	int d;

	if (log_make(log, sizeof(log)))
		return EV_FAIL(1);
	/* beside it: the suite's directory may be on another file system
	 * (a tmpfs /tmp, as in a build chroot), where rename fails (EXDEV) */
	snprintf(to, sizeof(to), "%s.moved", log);
	snprintf(rel, sizeof(rel), "log/../log/%s", log + strlen("/var/log/"));
	d = open("/var/log/..", O_RDONLY | O_DIRECTORY);
	if (d < 0 || renameat(d, rel, AT_FDCWD, to)) {
		unlink(log);
		return EV_FAIL(2);
	}
	unlink(to);
	close(d);
	return 0;
}

static int truncate_as(const char *fmt)
{
	char log[PATH_MAX], spelled[PATH_MAX];
	int r;

	if (log_make(log, sizeof(log)))
		return EV_FAIL(1);
	snprintf(spelled, sizeof(spelled), fmt, log + strlen("/var/log/"));
	r = truncate(spelled, 0);
	unlink(log);
	return r ? EV_FAIL(2) : 0;
}

static int truncate_plain(void) { return truncate_as("/var/log/%s"); }
static int truncate_slashes(void) { return truncate_as("//var/log/%s"); }

/* ---- a container runtime's socket --------------------------------------- */

#define DOCKER_SOCK "/run/docker.sock"

/* connect to the docker socket as `spelled`, with a listener of ours there
 * when none exists (removed after). `dir`: chdir there first. */
static int sock_connect_as(const char *spelled, const char *dir)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX }, l = { .sun_family = AF_UNIX };
	int ls = -1, s, r;
	struct stat st;

	if (stat(DOCKER_SOCK, &st)) {
		ls = socket(AF_UNIX, SOCK_STREAM, 0);
		snprintf(l.sun_path, sizeof(l.sun_path), "%s", DOCKER_SOCK);
		if (ls < 0 || bind(ls, (struct sockaddr *)&l, sizeof(l)) || listen(ls, 4))
			return EV_FAIL(1);
	}
	if (dir && chdir(dir))
		return EV_FAIL(2);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", spelled);
	r = connect(s, (struct sockaddr *)&a, sizeof(a));
	close(s);
	if (ls >= 0) {
		close(ls);
		unlink(DOCKER_SOCK);
	}
	return r && ls >= 0 ? EV_FAIL(3) : 0;
}

static int sock_plain(void) { return sock_connect_as(DOCKER_SOCK, NULL); }
static int sock_slashes(void) { return sock_connect_as("//run//docker.sock", NULL); }
static int sock_dotdot(void) { return sock_connect_as("/var/../run/./docker.sock", NULL); }
static int sock_relative(void) { return sock_connect_as("docker.sock", "/run"); }

/* through a symlink of ours to the socket: only the kernel knows */
static int sock_symlink(void)
{
	char l[PATH_MAX];
	int r;

	own_name(l, sizeof(l), "sock");
	if (symlink(DOCKER_SOCK, l))
		return EV_FAIL(4);
	r = sock_connect_as(l, NULL);
	unlink(l);
	return r;
}

/* ---- a program deeper than the kernel's unrolled walk --------------------- */

#define DEEP_LEVELS 70

/* Copy /bin/true to `to`, executable. */
static int copy_true(const char *to)
{
	char buf[1 << 16];
	int in = open("/bin/true", O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	ssize_t n = 0;

	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			n = -1;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return in < 0 || out < 0 || n < 0 ? -1 : 0;
}

/* Run a copy of true from /dev/shm/vigil-evasion-<pid>/ + `levels` x "d/":
 * the exec is this process's (the alert names its pid); a child removes
 * the tree once it is gone. */
static int exec_shm_depth(int levels)
{
	char top[64], path[PATH_MAX];
	pid_t me = getpid(), cleaner;

	snprintf(top, sizeof(top), "/dev/shm/vigil-evasion-%d", (int)me);
	snprintf(path, sizeof(path), "%s", top);
	if (mkdir(path, 0700))
		return EV_FAIL(1);
	for (int i = 0; i < levels; i++) {
		strcat(path, "/d");
		if (mkdir(path, 0700))
			return EV_FAIL(2);
	}
	strcat(path, "/payload");
	if (copy_true(path))
		return EV_FAIL(3);
	cleaner = fork();
	if (cleaner < 0)
		return EV_FAIL(4);
	if (cleaner == 0) {
		char *rm[] = { "rm", "-rf", top, NULL };

		while (getppid() == me)
			usleep(10000);
		execvp("rm", rm);
		_exit(1);
	}
	execl(path, "payload", (char *)NULL);
	return errno == EACCES ? EV_SKIP : EV_FAIL(5); /* /dev/shm mounted noexec */
}

static int exec_shm_deep(void) { return exec_shm_depth(DEEP_LEVELS); }
static int exec_shm_plain(void) { return exec_shm_depth(0); }

#define CASE(name, rule, fn) { name, rule, fn, 0 }

const struct evasion_case path_cases[] = {
	CASE("path: link(//etc/shadow)", HARDLINK, link_slashes),
	CASE("path: link(/etc/../etc/./shadow)", HARDLINK, link_dots),
	CASE("path: linkat(fd of /etc, shadow)", HARDLINK, linkat_dirfd),
	CASE("control: link(/etc/shadow)", HARDLINK, link_plain),
	CASE("path: symlink to /etc/./shadow", SYMLINK, symlink_dot),
	CASE("path: symlinkat(../etc/shadow) in /tmp", SYMLINK, symlink_relative),
	CASE("control: symlink to /etc/shadow", SYMLINK, symlink_plain),
	CASE("path: unlink(//var/log/x)", LOGDEL, rm_slashes),
	CASE("path: unlink(/tmp/../var/log/x)", LOGDEL, rm_dotdot),
	CASE("path: unlink(/var/./log//./x)", LOGDEL, rm_dot),
	CASE("path: unlinkat(fd of /var/log, x)", LOGDEL, rm_dirfd),
	CASE("path: unlink(x) in /var/log", LOGDEL, rm_cwd),
	CASE("path: renameat(fd of /var, log/../log/x) away", LOGDEL, mv_dirfd_dotdot),
	CASE("control: unlink(/var/log/x)", LOGDEL, rm_plain),
	CASE("path: truncate(//var/log/x)", LOGCLR, truncate_slashes),
	CASE("control: truncate(/var/log/x)", LOGCLR, truncate_plain),
	CASE("path: connect(//run//docker.sock)", RUNSOCK, sock_slashes),
	CASE("path: connect(/var/../run/./docker.sock)", RUNSOCK, sock_dotdot),
	CASE("path: connect(docker.sock) in /run", RUNSOCK, sock_relative),
	CASE("path: connect through a symlink to /run/docker.sock", RUNSOCK, sock_symlink),
	CASE("control: connect(/run/docker.sock)", RUNSOCK, sock_plain),
	CASE("path: exec from /dev/shm 70 directories deep", SHM, exec_shm_deep),
	CASE("control: exec from /dev/shm", SHM, exec_shm_plain),
};

const size_t npath_cases = sizeof(path_cases) / sizeof(path_cases[0]);

/* ---- a chrooted process ---------------------------------------------------- */

int chroot_read_shadow(char *root, size_t size, int hold)
{
	char etc[PATH_MAX + 8], buf[16];
	int fd;

	own_name(root, size, "root");
	snprintf(etc, sizeof(etc), "%s/etc", root);
	if (mkdir(root, 0755) || mkdir(etc, 0755))
		return EV_FAIL(1);
	/* the host's /etc bound in, in a mount namespace of our own, as an
	 * mmdebstrap root or a build chroot holds its own /etc */
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("/etc", etc, NULL, MS_BIND, NULL))
		return EV_FAIL(2);
	if (chroot(root) || chdir("/"))
		return EV_FAIL(3);
	fd = open("/etc/shadow", O_RDONLY);
	if (fd < 0 || read(fd, buf, sizeof(buf)) < 0)
		return EV_FAIL(4);
	close(fd);
	/* alive until the suite has read the alert (its root is read from
	 * procfs while the process lives) */
	read(hold, buf, 1);
	return 0;
}
