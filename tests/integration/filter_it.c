// SPDX-License-Identifier: Apache-2.0
/*
 * The kernel filter is a sound over-approximation (BRIEF §4): two agents
 * run side by side on one workload, one with `--filter kernel`, one with
 * `--filter user`, and must raise the same alerts, compared as sets of
 * (rule, pid, fd.name). Rule files: hand-written ones that exercise each
 * kind of kernel atom, and randomly generated ones (seeded; the seed is
 * printed) over the supported fields and operators, with and/or/not.
 * Every rule is scoped to this test's children (proc.ppid), so the
 * agents never alert on each other or on the rest of the machine.
 *
 * Rules are isolated: each rule's kernel filter runs in an agent of its own,
 * because in one agent another rule on the same event type would let events
 * through and hide a filter that dropped what this rule needed. One agent
 * with every rule filters in user space; the union of the per-rule kernel
 * agents' alerts must equal its alerts.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "../ia32.h"
#include "../uring.h"

static char tmpdir[64];
/* this program's file, and a copy of it that runs part of the workload
 * (proc.exepath: two files, one name) */
static char self_exe[256], copy_exe[96];
static unsigned short port;
static int listen_fd = -1, unix_fd = -1;

/* --- workload ---------------------------------------------------------------------- */

/* open(path, O_RDONLY) through int 0x80: the ia32 ABI, i386's number 5 */
static void ia32_open_close(const char *path)
{
	char *low;
	long fd;

	if (!ia32_syscalls_work())
		return; /* the machine faults on int 0x80: no ia32 calls here */
	low = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (low == MAP_FAILED)
		return;
	snprintf(low, 4096, "%s", path);
	fd = ia32_call(5, (long)(unsigned long)low, 0, 0, 0, 0);
	if (fd >= 0)
		close((int)fd);
	munmap(low, 4096);
}

/* dup, dup2 and dup3 of socket s (onto fds closed again) */
static void dup_all(int s)
{
	close(dup(s));
	dup2(s, 100);
	close(100);
	dup3(s, 101, O_CLOEXEC);
	close(101);
}

/* The opens, connects, unlinks and renames of the workload as io_uring
 * requests: to the rules they are openat, connect, unlinkat and renameat
 * events, filtered by the kernel like the syscalls. */
static void uring_ops(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct io_uring_sqe sqe;
	char p[256], q[256];
	int fd, s;

	snprintf(p, sizeof(p), "%s/d/f1", tmpdir);
	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = IORING_OP_OPENAT;
	sqe.fd = AT_FDCWD;
	sqe.addr = (unsigned long)p;
	sqe.open_flags = O_RDONLY;
	fd = uring_one(&sqe);
	if (fd >= 0)
		close(fd);
	sqe.open_flags = O_WRONLY | O_APPEND;
	fd = uring_one(&sqe);
	if (fd >= 0)
		close(fd);
	snprintf(p, sizeof(p), "%s/d/missing/u", tmpdir);
	sqe.open_flags = O_RDONLY;
	uring_one(&sqe); /* ENOENT */

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	s = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = IORING_OP_CONNECT;
	sqe.fd = s;
	sqe.addr = (unsigned long)&sin;
	sqe.off = sizeof(sin);
	uring_one(&sqe);
	close(s);
	sin.sin_port = htons(1); /* refused */
	s = socket(AF_INET, SOCK_STREAM, 0);
	sqe.fd = s;
	uring_one(&sqe);
	close(s);

	snprintf(p, sizeof(p), "%s/e/u1", tmpdir);
	snprintf(q, sizeof(q), "%s/e/u2", tmpdir);
	close(open(p, O_WRONLY | O_CREAT, 0600));
	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = IORING_OP_RENAMEAT;
	sqe.fd = AT_FDCWD;
	sqe.addr = (unsigned long)p;
	sqe.len = AT_FDCWD;
	sqe.addr2 = (unsigned long)q;
	uring_one(&sqe);
	uring_one(&sqe); /* ENOENT: u1 is gone */
	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = IORING_OP_UNLINKAT;
	sqe.fd = AT_FDCWD;
	sqe.addr = (unsigned long)q;
	uring_one(&sqe);
	uring_one(&sqe); /* ENOENT */
}

/*
 * What the early stage's region test (the file's top directories, read
 * from its dentries) must follow: a directory renamed into and out of the
 * rules' directories, a hard link's other name, a bind mount's, the root
 * directory and its entries. The path a record carries is the one the
 * tree holds at the open, and the kernel's early answer must agree.
 */
static void region_moves(void)
{
	char a[256], b[256], f[300];

	snprintf(a, sizeof(a), "%s/r1", tmpdir);
	snprintf(b, sizeof(b), "%s/d/r1", tmpdir);
	mkdir(a, 0755);
	snprintf(f, sizeof(f), "%s/f", a);
	close(open(f, O_WRONLY | O_CREAT, 0644));
	close(open(f, O_RDONLY));
	if (rename(a, b) == 0) { /* now below d/ */
		snprintf(f, sizeof(f), "%s/f", b);
		close(open(f, O_RDONLY));
		rename(b, a);
	}
	snprintf(f, sizeof(f), "%s/f", a);
	unlink(f);
	rmdir(a);
	snprintf(a, sizeof(a), "%s/d/f1", tmpdir);
	snprintf(b, sizeof(b), "%s/e/hl", tmpdir);
	if (link(a, b) == 0) {
		close(open(b, O_RDONLY));
		unlink(b);
	}
	snprintf(a, sizeof(a), "%s/d", tmpdir);
	snprintf(b, sizeof(b), "%s/bind", tmpdir);
	mkdir(b, 0755);
	if (mount(a, b, NULL, MS_BIND, NULL) == 0) {
		snprintf(f, sizeof(f), "%s/f1", b);
		close(open(f, O_RDONLY));
		umount2(b, MNT_DETACH);
	}
	rmdir(b);
	close(open("/", O_RDONLY | O_DIRECTORY));
	close(open("/etc", O_RDONLY | O_DIRECTORY));
}

/* Files made with an execute bit and without (evt.is_open_exec), by open,
 * openat, creat and O_TMPFILE, and a mode given without O_CREAT. */
static void exec_creates(void)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/e/x1", tmpdir);
	close(open(p, O_WRONLY | O_CREAT, 0755));
	close(open(p, O_RDONLY, 0755));
	close(open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644));
	close((int)syscall(SYS_open, p, O_WRONLY | O_CREAT, 0711));
	close((int)syscall(SYS_creat, p, 0700));
	close((int)syscall(SYS_creat, p, 0600));
	unlink(p);
	snprintf(p, sizeof(p), "%s/e", tmpdir);
	close(open(p, O_TMPFILE | O_WRONLY, 0750));
	close(open(p, O_TMPFILE | O_WRONLY, 0600));
}

static void child_run(int which)
{
	char p[256], longp[400];
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd, s;
	pid_t gc;

	switch (which) {
	case 0: /* opens of every kind */
		snprintf(p, sizeof(p), "%s/d/f1", tmpdir);
		close(open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644));
		close(open(p, O_RDONLY));
		close(open(p, O_RDWR));
		snprintf(p, sizeof(p), "%s/d/missing/x", tmpdir);
		open(p, O_RDONLY); /* ENOENT */
		snprintf(p, sizeof(p), "%s/e/f2", tmpdir);
		close(open(p, O_WRONLY | O_CREAT, 0600));
		snprintf(p, sizeof(p), "%s/d", tmpdir); /* relative paths */
		if (chdir(p) == 0) {
			close(open("f1", O_RDONLY));
			close(open("rel-new", O_WRONLY | O_CREAT, 0644));
			open("nope/x", O_RDONLY);
		}
		snprintf(p, sizeof(p), "%s/d/../d/f1", tmpdir); /* a traversal (fd.nameraw) */
		close(open(p, O_RDONLY));
		/* the ".." at each offset modulo 7 (the kernel's prefilter reads
		 * 8-byte words 7 bytes apart), and a ".." that ends the name */
		for (int k = 1; k < 8; k++) {
			int n = snprintf(p, sizeof(p), "%s/d/", tmpdir);

			for (int j = 0; j < k; j++)
				n += snprintf(p + n, sizeof(p) - n, "./");
			snprintf(p + n, sizeof(p) - n, "../d/f1");
			close(open(p, O_RDONLY));
		}
		snprintf(p, sizeof(p), "%s/d/..", tmpdir);
		close(open(p, O_RDONLY));
		snprintf(p, sizeof(p), "%s/d/./f1", tmpdir);
		close(openat(AT_FDCWD, p, O_RDONLY));
		snprintf(p, sizeof(p), "%s/link", tmpdir); /* through a symlink */
		close(open(p, O_RDONLY));
		memset(longp, 'a', sizeof(longp));
		snprintf(longp, sizeof(longp), "%s/d/%0200d", tmpdir, 7); /* longer than the trie key */
		close(open(longp, O_WRONLY | O_CREAT, 0644));
		snprintf(p, sizeof(p), "%s/d/f1", tmpdir);
		close(openat(AT_FDCWD, p, O_WRONLY | O_APPEND));
		ia32_open_close(p);
		region_moves();
		exec_creates();
		{
			struct file_handle *h = calloc(1, sizeof(*h) + MAX_HANDLE_SZ);
			int mid, mfd = open(tmpdir, O_RDONLY | O_DIRECTORY);

			h->handle_bytes = MAX_HANDLE_SZ;
			if (mfd >= 0 && !name_to_handle_at(AT_FDCWD, p, h, &mid, 0))
				close(open_by_handle_at(mfd, h, O_RDONLY));
			close(mfd);
			free(h);
		}
		break;
	case 1: /* sockets */
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin.sin_port = htons(port);
		s = socket(AF_INET, SOCK_STREAM, 0);
		connect(s, (struct sockaddr *)&sin, sizeof(sin));
		dup_all(s); /* the client end; the listener's accepted end below */
		fd = accept(listen_fd, NULL, NULL);
		if (fd >= 0) {
			dup_all(fd);
			close(fd);
		}
		send(s, "x", 1, MSG_NOSIGNAL); /* connected: no destination, not recorded */
		close(s);
		s = socket(AF_INET, SOCK_STREAM, 0); /* TCP Fast Open: sendto connects */
		sendto(s, "x", 1, MSG_FASTOPEN | MSG_NOSIGNAL, (struct sockaddr *)&sin, sizeof(sin));
		close(s);
		{
			struct sockaddr_in udp = { .sin_family = AF_INET,
						   .sin_port = htons(9),
						   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
			struct iovec iov = { .iov_base = "x", .iov_len = 1 };
			struct msghdr m = { .msg_name = &udp, .msg_namelen = sizeof(udp),
					    .msg_iov = &iov, .msg_iovlen = 1 };

			s = socket(AF_INET, SOCK_DGRAM, 0); /* datagrams to an address */
			sendto(s, "x", 1, 0, (struct sockaddr *)&udp, sizeof(udp));
			sendmsg(s, &m, 0);
			/* and to addresses the early stage's port test cannot read:
			 * too short, one whose end is unreadable (the record has no
			 * copy then), another family (all refused) */
			sendto(s, "x", 1, 0, (struct sockaddr *)&udp, 2);
			{
				char *pg = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
						MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

				if (pg != MAP_FAILED && !mprotect(pg + 4096, 4096, PROT_NONE)) {
					memcpy(pg + 4092, &udp, 4); /* family and port */
					sendto(s, "x", 1, 0, (struct sockaddr *)(pg + 4092), sizeof(udp));
				}
				if (pg != MAP_FAILED)
					munmap(pg, 8192);
			}
			udp.sin_family = AF_INET6;
			sendto(s, "x", 1, 0, (struct sockaddr *)&udp, sizeof(udp));
			close(s);
		}
		sin.sin_port = htons(1); /* refused */
		s = socket(AF_INET, SOCK_STREAM, 0);
		connect(s, (struct sockaddr *)&sin, sizeof(sin));
		close(s);
		{
			struct sockaddr_un sun = { .sun_family = AF_UNIX };

			snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/sock", tmpdir);
			s = socket(AF_UNIX, SOCK_STREAM, 0);
			connect(s, (struct sockaddr *)&sun, sizeof(sun));
			close(s);
			snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/nosock", tmpdir);
			s = socket(AF_UNIX, SOCK_STREAM, 0);
			connect(s, (struct sockaddr *)&sun, sizeof(sun)); /* ENOENT */
			close(s);
		}
		break;
	case 2: /* identity, signals, ptrace, files */
		gc = fork();
		if (gc == 0) {
			pause();
			_exit(0);
		}
		{
			siginfo_t si = { .si_signo = SIGCONT, .si_code = SI_QUEUE };
			int pfd = (int)syscall(SYS_pidfd_open, gc, 0);
			char buf[8] = "", mine[8] = "vigil";
			struct iovec l = { buf, sizeof(buf) }, r = { mine, sizeof(mine) };

			syscall(SYS_rt_sigqueueinfo, gc, SIGCONT, &si);
			syscall(SYS_rt_tgsigqueueinfo, gc, gc, SIGCONT, &si);
			process_vm_readv(getpid(), &l, 1, &r, 1, 0);
			if (pfd >= 0) {
				syscall(SYS_pidfd_send_signal, pfd, SIGTERM, NULL, 0);
				close(pfd);
			}
		}
		kill(gc, SIGTERM);
		waitpid(gc, NULL, 0);
		kill(getpid(), 0);
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		snprintf(p, sizeof(p), "%s/e/f2", tmpdir);
		unlink(p);
		unlink(p); /* ENOENT */
		/* the same directory spelled otherwise: the kernel leaves these
		 * to user space, which resolves them (dirfd, "//", "..") */
		{
			static const char *const names[] = { "%s//e//f3", "%s/d/../e/./f4", "%s/e/f5" };
			int dfd;

			for (int i = 0; i < 3; i++) {
				char q[4096];

				snprintf(q, sizeof(q), "%s/e/f%d", tmpdir, 3 + i);
				close(open(q, O_WRONLY | O_CREAT, 0600));
				snprintf(p, sizeof(p), names[i], tmpdir);
				if (i < 2)
					unlink(p);
			}
			snprintf(p, sizeof(p), "%s/e", tmpdir);
			dfd = open(p, O_RDONLY | O_DIRECTORY);
			unlinkat(dfd, "f5", 0);
			truncate("f5", 0); /* relative to the cwd: ENOENT */
			close(dfd);
		}
		if (setuid(65534))
			_exit(1);
		fd = open("/etc/hostname", O_RDONLY); /* now as nobody */
		close(fd);
		break;
	case 3: /* a process named otherwise */
		prctl(PR_SET_NAME, "it-renamed");
		snprintf(p, sizeof(p), "%s/d/f1", tmpdir);
		close(open(p, O_RDONLY));
		close(open(p, O_WRONLY));
		break;
	case 4: /* the same doors through io_uring */
		uring_ops();
		break;
	}
}

static void workload(void)
{
	pid_t copy = fork();

	if (copy == 0) {
		execl(copy_exe, "it-work", "--it-copy", tmpdir, (char *)NULL);
		_exit(127);
	}
	waitpid(copy, NULL, 0);
	for (int w = 0; w < 5; w++) {
		pid_t pid = fork();
		int st;

		if (pid == 0) {
			/* a name of its own: the agents' children, before their
			 * exec, are this test's children too (and dup2 their pipes) */
			prctl(PR_SET_NAME, "it-work");
			child_run(w);
			_exit(0);
		}
		waitpid(pid, &st, 0);
	}
}

/* --- rules ----------------------------------------------------------------------------- */

static const char *const evtypes[] = {
	"open, openat", "openat", "connect", "unlink, unlinkat", "kill", "setuid", "ptrace", "openat, connect",
	"dup, dup2, dup3", "sendto, sendmsg", "open, open_by_handle_at",
	"pidfd_send_signal, rt_sigqueueinfo, rt_tgsigqueueinfo", "process_vm_readv, kill",
	"unlinkat, truncate", "rename, renameat, renameat2", "openat, unlinkat, renameat",
	"creat, open, openat",
};

/* A random comparison over the fields the kernel filter knows, plus some it
 * does not (user space only), true for some of the workload's events. */
static void rand_atom(FILE *f, unsigned *seed)
{
	switch (rand_r(seed) % 59) {
	case 0: fprintf(f, "proc.name = it-renamed"); break;
	case 1: fprintf(f, "proc.name in (filter_it, it-work, it-renamed)"); break;
	case 2: fprintf(f, "proc.name != it-renamed"); break;
	case 3: fprintf(f, "fd.name = %s/d/f1", tmpdir); break;
	case 4: fprintf(f, "fd.name startswith %s/d/", tmpdir); break;
	case 5: fprintf(f, "fd.name pmatch (%s/e, /nonexistent)", tmpdir); break;
	case 6: fprintf(f, "fd.name in (%s/d/f1, %s/d/rel-new, %s/target)", tmpdir, tmpdir, tmpdir); break;
	case 7: fprintf(f, "fd.name contains rel"); break;
	case 8: fprintf(f, "evt.is_open_write = true"); break;
	case 9: fprintf(f, "evt.is_open_read = false"); break;
	case 10: fprintf(f, "evt.res = SUCCESS"); break;
	case 11: fprintf(f, "evt.res = ENOENT"); break;
	case 12: fprintf(f, "fd.num >= 0"); break;
	case 13: fprintf(f, "fd.num = -1"); break;
	case 14: fprintf(f, "user.uid = 0"); break;
	case 15: fprintf(f, "user.uid != 0"); break;
	case 16: fprintf(f, "fd.sport = %u", port); break;
	case 17: fprintf(f, "fd.rport in (1, %u)", port); break;
	case 18: fprintf(f, "evt.arg.uid = 65534"); break;
	case 19: fprintf(f, "evt.arg.sig in (SIGTERM, SIGKILL)"); break;
	case 20: fprintf(f, "evt.arg.request = PTRACE_TRACEME"); break;
	case 21: fprintf(f, "fd.name = %s/sock", tmpdir); break;
	case 22: fprintf(f, "fd.name startswith %s/", tmpdir); break;
	case 23: fprintf(f, "proc.is_container = false"); break;
	case 24: fprintf(f, "fd.cport = %u", port); break;
	case 25: fprintf(f, "fd.sport != %u", port); break;
	case 26: fprintf(f, "fd.lport = %u", port); break;
	case 27: fprintf(f, "not fd.cport in (9, %u)", port); break;
	case 28: fprintf(f, "evt.arg.sig in (SIGCONT, SIGTERM)"); break;
	case 29: fprintf(f, "proc.exepath = %s", self_exe); break;
	case 30: fprintf(f, "not proc.exepath in (%s, /usr/bin/true)", copy_exe); break;
	case 31: fprintf(f, "proc.exepath != %s", self_exe); break;
	case 32: fprintf(f, "proc.exepath in (%s, %s)", copy_exe, self_exe); break;
	/* string atoms: the raw path argument, fd.name's pieces, comm */
	case 33: fprintf(f, "fd.nameraw contains ../"); break;
	case 34: fprintf(f, "fd.nameraw startswith %s/d/", tmpdir); break;
	case 35: fprintf(f, "fd.nameraw endswith f1"); break;
	case 36: fprintf(f, "fd.nameraw glob */d/*f1"); break;
	case 37: fprintf(f, "fd.name endswith /f1"); break;
	case 38: fprintf(f, "fd.name glob %s/*/f?", tmpdir); break;
	case 39: fprintf(f, "fd.name contains /d/"); break;
	case 40: fprintf(f, "fd.filename = f1"); break;
	case 41: fprintf(f, "fd.filename in (f1, rel-new, hostname)"); break;
	case 42: fprintf(f, "fd.filename endswith new"); break;
	case 43: fprintf(f, "proc.name startswith it-"); break;
	case 44: fprintf(f, "proc.name glob it-w*k"); break;
	case 45: fprintf(f, "fd.nameraw contains ./f"); break;
	/* path sets of every shape the early stage's region test keys */
	case 46: fprintf(f, "fd.name startswith /tm"); break;
	case 47: fprintf(f, "fd.name startswith %s", tmpdir); break;
	case 48: fprintf(f, "fd.name in (/, /etc, %s/bind/f1)", tmpdir); break;
	case 49: fprintf(f, "fd.name pmatch (%s/bind)", tmpdir); break;
	case 50: fprintf(f, "fd.name startswith %s/d/r", tmpdir); break;
	case 51: fprintf(f, "fd.name = %s/e/hl", tmpdir); break;
	/* needles the early stage judges from the dentries: a directory name
	 * (the renamed one, a bind mount's), a name's end (a hard link's) */
	case 52: fprintf(f, "fd.name contains /e/"); break;
	case 53: fprintf(f, "fd.name endswith /hl"); break;
	case 54: fprintf(f, "fd.name contains /bind/"); break;
	case 55: fprintf(f, "evt.is_open_exec = true"); break;
	case 56: fprintf(f, "evt.is_open_exec = false"); break;
	case 57: fprintf(f, "fd.name glob %s/e/x*", tmpdir); break;
	default: fprintf(f, "proc.cmdline contains x"); break;
	}
}

static void rand_expr(FILE *f, unsigned *seed, int depth)
{
	int k = depth > 2 ? 0 : rand_r(seed) % 4;

	if (k == 0) {
		if (rand_r(seed) % 4 == 0)
			fprintf(f, "not ");
		rand_atom(f, seed);
		return;
	}
	fprintf(f, "%s(", k == 3 ? "not " : "");
	rand_expr(f, seed, depth + 1);
	fprintf(f, k == 1 ? " and " : " or ");
	rand_expr(f, seed, depth + 1);
	fprintf(f, ")");
}

struct random_rules {
	unsigned seed;
	int n;
};

/* The n rules that seed generates; `only` >= 0 keeps just that one. */
static void write_random_rules(const char *path, int only, void *arg)
{
	const struct random_rules *rr = arg;
	unsigned seed = rr->seed;
	char *text = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "w");

	fprintf(f, "- macro: scoped\n  condition: proc.ppid = %d and proc.name in (it-work, it-renamed)\n", getpid());
	for (int i = 0; i < rr->n; i++) {
		FILE *m = open_memstream(&text, &len);

		fprintf(m, "- rule: random %d\n  desc: generated (seed %u)\n  condition: >\n    "
			   "evt.type in (%s) and scoped and ",
			i, rr->seed, evtypes[rand_r(&seed) % (sizeof(evtypes) / sizeof(evtypes[0]))]);
		rand_expr(m, &seed, 0);
		fprintf(m, "\n  output: \"r%d %%fd.name\"\n  priority: NOTICE\n", i);
		fclose(m);
		if (only < 0 || only == i)
			fputs(text, f);
		free(text);
		text = NULL;
	}
	fclose(f);
}

/* How many rules write_fixed_rules() wrote last: every one gets an agent
 * of its own (a count kept by hand fell one short in a merge, and the last
 * rule was never compared). */
static int nfixed;

/* The hand-written rules; `only` >= 0 keeps just that one, so that no other
 * rule on the same event type can let an event through and hide a filter
 * that dropped what this rule needed. */
static void write_fixed_rules(const char *path, int only, void *arg)
{
	char *text = NULL, *p, *rule;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int idx = -1;

	(void)arg;
	fprintf(f,
		"- macro: scoped\n  condition: proc.ppid = %d and proc.name in (it-work, it-renamed)\n"
		"- list: writers\n  items: [it-renamed]\n"
		"- rule: write under d\n  desc: x\n  priority: NOTICE\n  output: \"%%fd.name\"\n"
		"  condition: evt.type in (open, openat) and evt.is_open_write = true and fd.name startswith %s/d/ and scoped\n"
		"- rule: read f1 not renamed\n  desc: x\n  priority: NOTICE\n  output: \"%%fd.name\"\n"
		"  condition: evt.type = openat and evt.is_open_read = true and fd.name = %s/d/f1 and not proc.name in (writers) and scoped\n"
		"- rule: failed open\n  desc: x\n  priority: NOTICE\n  output: \"%%fd.name\"\n"
		"  condition: evt.type = openat and fd.num = -1 and evt.res = ENOENT and scoped\n"
		"- rule: failed open under d\n  desc: x\n  priority: NOTICE\n  output: \"%%fd.name\"\n"
		"  condition: evt.type = openat and fd.num = -1 and fd.name startswith %s/d/ and scoped\n"
		"- rule: target via link\n  desc: x\n  priority: NOTICE\n  output: \"%%fd.name\"\n"
		"  condition: evt.type = openat and fd.name = %s/target and scoped\n"
		"- rule: connect to listener\n  desc: x\n  priority: NOTICE\n  output: \"%%fd.name\"\n"
		"  condition: evt.type = connect and fd.sport = %u and evt.res = SUCCESS and scoped\n"
		"- rule: refused\n  desc: x\n  priority: NOTICE\n  output: \"%%fd.name\"\n"
		"  condition: evt.type = connect and evt.res = ECONNREFUSED and scoped\n"
		"- rule: setuid nobody\n  desc: x\n  priority: NOTICE\n  output: \"%%evt.arg.uid\"\n"
		"  condition: evt.type = setuid and evt.arg.uid = 65534 and user.uid != 0 and scoped\n"
		"- rule: kill term\n  desc: x\n  priority: NOTICE\n  output: \"%%evt.arg.sig\"\n"
		"  condition: evt.type = kill and evt.arg.sig = SIGTERM and scoped\n"
		"- rule: traceme\n  desc: x\n  priority: NOTICE\n  output: \"%%evt.arg.request\"\n"
		"  condition: evt.type = ptrace and evt.arg.request = PTRACE_TRACEME and scoped\n"
		"- rule: unlink e\n  desc: x\n  priority: NOTICE\n  output: \"%%fd.name\"\n"
		"  condition: evt.type in (unlink, unlinkat) and fd.name pmatch (%s/e) and scoped\n"
		"- rule: read as nobody\n  desc: x\n  priority: NOTICE\n  output: \"%%fd.name\"\n"
		"  condition: evt.type = openat and user.uid = 65534 and fd.name = /etc/hostname and scoped\n"
		"- rule: unix socket\n  desc: x\n  priority: NOTICE\n  output: \"%%fd.name\"\n"
		"  condition: evt.type = connect and fd.name in (%s/sock, /run/x.sock) and scoped\n"
		"- rule: missing unix socket\n  desc: x\n  priority: NOTICE\n  output: \"%%fd.name\"\n"
		"  condition: evt.type = connect and fd.name startswith %s/ and evt.res = ENOENT and scoped\n"
		"- rule: dup server port\n  desc: x\n  priority: NOTICE\n  output: \"%%fd.name %%evt.arg.oldfd\"\n"
		"  condition: evt.type in (dup, dup2, dup3) and fd.sport = %u and scoped\n"
		"- rule: fast open\n  desc: x\n  priority: NOTICE\n  output: \"%%fd.name\"\n"
		"  condition: evt.type = sendto and fd.sport = %u and scoped\n"
		"- rule: datagram to discard\n  desc: x\n  priority: NOTICE\n  output: \"%%evt.type %%fd.name\"\n"
		"  condition: evt.type in (sendto, sendmsg) and fd.sport = 9 and fd.l4proto = udp and scoped\n"
		"- rule: datagram to remote port 9\n  desc: x\n  priority: NOTICE\n  output: \"%%evt.type %%fd.rport\"\n"
		"  condition: evt.type in (sendto, sendmsg) and fd.rport = 9 and scoped\n"
		"- rule: datagram not to remote port 9\n  desc: x\n  priority: NOTICE\n  output: \"%%evt.type %%evt.res\"\n"
		"  condition: evt.type = sendto and not fd.rport in (9, 53) and scoped\n"
		"- rule: datagram to a listed port\n  desc: x\n  priority: NOTICE\n  output: \"%%evt.type %%fd.sport\"\n"
		"  condition: evt.type in (sendto, sendmsg) and fd.sport in (3333, 4444, 9, 5555) and not fd.sport in (3334, 7777, 14444) and scoped\n"
		"- rule: queued or pidfd signal\n  desc: x\n  priority: NOTICE\n  output: \"%%evt.type %%evt.arg.sig\"\n"
		"  condition: evt.type in (pidfd_send_signal, rt_sigqueueinfo, rt_tgsigqueueinfo) and evt.arg.sig in (SIGTERM, SIGCONT) and scoped\n"
		"- rule: open by handle\n  desc: x\n  priority: NOTICE\n  output: \"%%fd.name\"\n"
		"  condition: evt.type = open_by_handle_at and evt.is_open_read = true and fd.name = %s/d/f1 and scoped\n"
		"- rule: vm read\n  desc: x\n  priority: NOTICE\n  output: \"%%evt.type\"\n"
		"  condition: evt.type = process_vm_readv and evt.rawres = 8 and scoped\n"
		"- rule: ia32 open\n  desc: x\n  priority: NOTICE\n  output: \"%%fd.name\"\n"
		"  condition: evt.type = open and evt.is_open_read = true and fd.name = %s/d/f1 and scoped\n"
		"- rule: open not by this program\n  desc: x\n  priority: NOTICE\n  output: \"%%fd.name %%proc.exepath\"\n"
		"  condition: evt.type = openat and fd.name = %s/d/f1 and not proc.exepath in (%s) and scoped\n"
		"- rule: open by the copy\n  desc: x\n  priority: NOTICE\n  output: \"%%fd.name %%proc.exepath\"\n"
		"  condition: evt.type = openat and proc.exepath = %s and scoped\n"
		"- rule: renamed\n  desc: x\n  priority: NOTICE\n  output: \"%%evt.abspath.src %%evt.abspath.dst\"\n"
		"  condition: evt.type in (rename, renameat, renameat2) and evt.res = SUCCESS and scoped\n"
		"- rule: traversal\n  desc: x\n  priority: NOTICE\n  output: \"%%fd.name %%fd.nameraw\"\n"
		"  condition: evt.type in (open, openat) and fd.name startswith %s/ and fd.nameraw contains ../ and fd.filename in (f1, f2) and not fd.name endswith .log and scoped\n"
		"- rule: executable made\n  desc: x\n  priority: NOTICE\n  output: \"%%evt.type %%fd.name\"\n"
		"  condition: evt.type in (open, openat, creat) and evt.is_open_exec = true and scoped\n"
		"- rule: created without an execute bit\n  desc: x\n  priority: NOTICE\n  output: \"%%evt.type %%fd.name\"\n"
		"  condition: evt.type = creat and evt.is_open_exec = false and scoped\n"
		"- rule: glob heads\n  desc: x\n  priority: NOTICE\n  output: \"%%fd.name\"\n"
		"  condition: evt.type = openat and fd.name glob %s/d/r* and not fd.name glob %s/d/rel* and scoped\n",
		getpid(), tmpdir, tmpdir, tmpdir, tmpdir, port, tmpdir, tmpdir, tmpdir, port, port,
		tmpdir, tmpdir, tmpdir, self_exe, copy_exe, tmpdir, tmpdir, tmpdir);
	fclose(f);
	f = fopen(path, "w");
	/* items start with "- "; keep the macro and list, and rule `only` */
	for (p = text; p && *p; p = rule) {
		rule = strstr(p + 1, "\n- ");
		rule = rule ? rule + 1 : p + strlen(p);
		if (!strncmp(p, "- rule:", 7))
			idx++;
		if (strncmp(p, "- rule:", 7) || only < 0 || idx == only)
			fwrite(p, 1, (size_t)(rule - p), f);
	}
	fclose(f);
	free(text);
	if (only < 0)
		nfixed = idx + 1;
}

/* The number of fixed rules, written once to count them. */
static int fixed_rules_count(void)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/count.yaml", tmpdir);
	write_fixed_rules(path, -1, NULL);
	assert_true(nfixed >= 26);
	return nfixed;
}

/* --- comparison --------------------------------------------------------------------------- */

static char *alert_key(json_t *ev)
{
	json_t *of = json_object_get(ev, "output_fields");
	const char *out = json_string_value(json_object_get(ev, "output"));
	const char *p = out ? strstr(out, ": ") : NULL;
	char *k = NULL;

	/* Falco's output starts with the time of day; each agent converts the
	 * kernel's clock to wall time on its own (microseconds apart), so the
	 * comparison starts after it, at the priority */
	if (asprintf(&k, "%s|%lld|%s", json_string_value(json_object_get(ev, "rule")),
		     (long long)json_integer_value(json_object_get(of, "proc.pid")),
		     p ? p + 2 : out) < 0)
		return NULL;
	return k;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted, de-duplicated keys of v's alerts. */
static size_t keys_of(struct vigil_proc *v, char ***out)
{
	char **k = calloc(v->nev + 1, sizeof(*k));
	size_t n = 0, m = 0;

	for (size_t i = 0; i < v->nev; i++)
		if (json_object_get(v->ev[i], "rule"))
			k[n++] = alert_key(v->ev[i]);
	qsort(k, n, sizeof(*k), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (m && !strcmp(k[m - 1], k[i])) {
			free(k[i]);
			continue;
		}
		k[m++] = k[i];
	}
	*out = k;
	return m;
}

static void free_keys(char **k, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(k[i]);
	free(k);
}

/* Sorted, de-duplicated union of the alerts of n agents. */
static size_t keys_of_all(struct vigil_proc *v, size_t n, char ***out)
{
	char **all = NULL;
	size_t total = 0;

	for (size_t i = 0; i < n; i++) {
		char **k;
		size_t m = keys_of(&v[i], &k);

		all = realloc(all, (total + m + 1) * sizeof(*all));
		memcpy(all + total, k, m * sizeof(*k));
		total += m;
		free(k);
	}
	if (!all)
		all = calloc(1, sizeof(*all));
	qsort(all, total, sizeof(*all), cmp_str);
	size_t m = 0;
	for (size_t i = 0; i < total; i++) {
		if (m && !strcmp(all[m - 1], all[i])) {
			free(all[i]);
			continue;
		}
		all[m++] = all[i];
	}
	*out = all;
	return m;
}

typedef void (*rules_writer)(const char *path, int only, void *arg);

/*
 * One agent filtering in user space with every rule, and one per rule
 * filtering in the kernel, on the same workload: the union of the kernel
 * agents' alerts must be the user agent's alerts. Returns how many.
 */
/* `reload`: the kernel agents start on a placeholder rule and get their
 * real rules by SIGHUP, so the comparison runs on the tables a reload
 * swapped in (the other half of the double-buffered tables). */
static size_t differential_ex(rules_writer write, void *arg, int nrules, const char *label,
			      bool reload)
{
	char all[128], one[160];
	const char *ua[] = { "vigil", "run", "--rules", all, "--filter", "user", "--ringbuf", "1M", NULL };
	struct vigil_proc uv = { 0 }, *kv = calloc((size_t)nrules, sizeof(*kv));
	char **kk, **uk;
	size_t kn, un;
	int st;

	assert_non_null(kv);
	snprintf(all, sizeof(all), "%s/all.yaml", tmpdir);
	write(all, -1, arg);
	for (int i = 0; i < nrules; i++) {
		const char *ka[] = { "vigil", "run", "--rules", one, "--filter", "kernel",
				     "--ringbuf", "1M", NULL };

		snprintf(one, sizeof(one), "%s/only-%d.yaml", tmpdir, i);
		if (reload) {
			FILE *f = fopen(one, "w");

			assert_non_null(f);
			fputs("- rule: placeholder\n  desc: x\n  priority: NOTICE\n  output: x\n"
			      "  condition: evt.type = openat and fd.name = /nonexistent and "
			      "proc.name = nobody-at-all\n",
			      f);
			fclose(f);
		} else {
			write(one, i, arg);
		}
		assert_int_equal(vigil_start(&kv[i], ka, 60000), 0);
		if (reload) {
			write(one, i, arg);
			kill(kv[i].pid, SIGHUP);
			assert_true(vigil_wait_stderr(&kv[i], "rules reloaded", 20000));
		}
	}
	assert_int_equal(vigil_start(&uv, ua, 60000), 0);
	workload();
	/* the stop drains each ring: all the workload caused is then read */
	for (int i = 0; i < nrules; i++) {
		st = vigil_stop(&kv[i], 20000);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	st = vigil_stop(&uv, 20000);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	kn = keys_of_all(kv, (size_t)nrules, &kk);
	un = keys_of(&uv, &uk);
	if (kn != un)
		print_message("# %s: kernel filter %zu alerts, user filter %zu\n", label, kn, un);
	for (size_t i = 0, j = 0; i < kn || j < un;) {
		int c = i == kn ? 1 : j == un ? -1 : strcmp(kk[i], uk[j]);

		if (c < 0)
			print_message("# %s: only with --filter kernel: %s\n", label, kk[i++]);
		else if (c > 0)
			print_message("# %s: only with --filter user: %s\n", label, uk[j++]);
		else
			i++, j++;
	}
	if (getenv("VIGIL_IT_DEBUG"))
		for (size_t i = 0; i < un; i++)
			print_message("# %s: %s\n", label, uk[i]);
	assert_int_equal(kn, un);
	for (size_t i = 0; i < kn; i++)
		assert_string_equal(kk[i], uk[i]);
	free_keys(kk, kn);
	free_keys(uk, un);
	for (int i = 0; i < nrules; i++)
		vigil_free(&kv[i]);
	free(kv);
	vigil_free(&uv);
	return kn;
}

static size_t differential(rules_writer write, void *arg, int nrules, const char *label)
{
	return differential_ex(write, arg, nrules, label, false);
}

static void test_fixed_rules(void **state)
{
	int n = fixed_rules_count();

	(void)state;
	/* every rule is written to fire on the workload */
	assert_true(differential(write_fixed_rules, NULL, n, "fixed") >= (size_t)n);
}

/* The same after a reload: the tables' other half, other set ids. */
static void test_fixed_rules_reloaded(void **state)
{
	int n = fixed_rules_count();

	(void)state;
	assert_true(differential_ex(write_fixed_rules, NULL, n, "fixed, reloaded", true) >= (size_t)n);
}

static void test_random_rules(void **state)
{
	const char *env = getenv("VIGIL_DIFF_SEED");
	struct random_rules rr = { .n = 12 };

	(void)state;
	rr.seed = env ? (unsigned)strtoul(env, NULL, 10) : (unsigned)time(NULL);
	for (int round = 0; round < 3; round++, rr.seed++) {
		char label[48];

		snprintf(label, sizeof(label), "seed %u", rr.seed);
		print_message("# random rules, seed %u (rerun with VIGIL_DIFF_SEED=%u)\n", rr.seed,
			      rr.seed);
		differential(write_random_rules, &rr, rr.n, label);
	}
}

/* Sum of "filtered N" over the --stats-interval lines for openat so far
 * (each line counts what the last interval added). */
static long long openat_filtered(const char *err)
{
	long long sum = 0, n;
	const char *p = err;

	while ((p = strstr(p, ": openat "))) {
		const char *f = strstr(p, "filtered ");

		p++;
		if (f && sscanf(f, "filtered %lld", &n) == 1)
			sum += n;
	}
	return sum;
}

/* --stats-interval reports, while running, what the kernel filter dropped. */
static void test_stats_interval(void **state)
{
	char rules[128], path[160];
	const char *argv[] = { "vigil", "run", "--rules", rules, "--stats-interval", "0.2",
			       "--ringbuf", "1M", NULL };
	struct vigil_proc v = { 0 };
	long long deadline, filtered = -1;
	FILE *f;
	pid_t pid;

	(void)state;
	snprintf(rules, sizeof(rules), "%s/stats.yaml", tmpdir);
	snprintf(path, sizeof(path), "%s/d/f1", tmpdir);
	f = fopen(rules, "w");
	assert_non_null(f);
	fprintf(f, "- rule: only target\n  desc: x\n  priority: NOTICE\n  output: x\n"
		   "  condition: evt.type = openat and fd.name = %s/target\n", tmpdir);
	fclose(f);
	assert_int_equal(vigil_start(&v, argv, 60000), 0);
	pid = fork();
	if (pid == 0) {
		for (int i = 0; i < 500; i++)
			close(open(path, O_RDONLY));
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	/* within one interval after the opens a line counts them as filtered */
	for (deadline = now_ms() + 10000; now_ms() < deadline;) {
		vigil_pump(&v, 100);
		filtered = openat_filtered(v.err ? v.err : "");
		if (filtered >= 500)
			break;
	}
	if (filtered < 500)
		print_message("# stderr:\n%s\n", v.err ? v.err : "");
	assert_true(filtered >= 500);
	assert_non_null(strstr(v.err, "stats: last "));
	vigil_stop(&v, 20000);
	vigil_free(&v);
}

static int setup(void **state)
{
	char p[128], t[128];
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vigil-filter-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(p, sizeof(p), "%s/d", tmpdir);
	mkdir(p, 0777);
	snprintf(p, sizeof(p), "%s/e", tmpdir);
	mkdir(p, 0777);
	snprintf(t, sizeof(t), "%s/target", tmpdir);
	close(open(t, O_WRONLY | O_CREAT, 0644));
	snprintf(p, sizeof(p), "%s/link", tmpdir);
	if (symlink(t, p))
		return -1;
	/* nobody must be able to read what the workload opens after setuid */
	chmod(tmpdir, 0755);
	listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* below the ephemeral range, so that a duplicated client socket's
	 * server end (its lower port, as vigil decides) is this one */
	for (unsigned i = 0; i < 1000; i++) {
		sin.sin_port = htons((unsigned short)(20000 + (getpid() + i) % 10000));
		if (!bind(listen_fd, (struct sockaddr *)&sin, sizeof(sin)))
			break;
		sin.sin_port = 0;
	}
	if (!sin.sin_port || listen(listen_fd, 16) ||
	    getsockname(listen_fd, (struct sockaddr *)&sin, &len))
		return -1;
	port = ntohs(sin.sin_port);
	if (!realpath("/proc/self/exe", self_exe))
		return -1;
	snprintf(copy_exe, sizeof(copy_exe), "%s/it-work", tmpdir);
	if (copy_file(self_exe, copy_exe))
		return -1;
	{
		struct sockaddr_un sun = { .sun_family = AF_UNIX };

		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/sock", tmpdir);
		unix_fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (bind(unix_fd, (struct sockaddr *)&sun, sizeof(sun)) || listen(unix_fd, 16))
			return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	close(listen_fd);
	close(unix_fd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_rules),
		cmocka_unit_test(test_fixed_rules_reloaded),
		cmocka_unit_test(test_random_rules),
		cmocka_unit_test(test_stats_interval),
	};

	/* the workload's copy of this program (workload()) */
	if (argc == 3 && !strcmp(argv[1], "--it-copy")) {
		snprintf(tmpdir, sizeof(tmpdir), "%s", argv[2]);
		child_run(3);
		return 0;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "integration tests load BPF programs: run them as root\n");
		return 1;
	}
	return cmocka_run_group_tests_name("filter", tests, setup, teardown);
}
