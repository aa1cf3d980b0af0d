// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests: rules/eval (and the field extraction it drives). Synthetic
 * records are decoded and applied to a process table holding a small tree
 * (sshd -> bash -> cat, fake pids above any pid_max), then one-rule rulesets
 * are compiled and evaluated against them: truth tables per operator and
 * field type, absent fields, exceptions, output rendering and explain.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/strbuf.h"
#include "pipeline/event.h"
#include "pipeline/proctab.h"
#include "rules/ruleset.h"
#include "unit.h"

#define FAKE 0x7ffffff0u
#define P0 FAKE	      /* sshd, child of pid 1 (not in the table) */
#define P1 (FAKE + 1) /* bash, child of P0 */
#define P2 (FAKE + 2) /* cat, child of P1: every event below is its */

static struct synth_rec rec;
static struct vg_event ev;
static const struct vg_proc *proc;
static struct vg_proctab *PT;
static struct vg_evctx C;

static void decode_apply(void)
{
	assert_int_equal(vg_decode(rec.bytes, rec.len, &ev), 0);
	proc = vg_proctab_apply(PT, &ev);
	assert_non_null(proc);
}

static void ev_exec(uint32_t pid, uint32_t ppid, uint64_t start, const char *exe, const char *argv,
		    size_t argv_len, const char *cwd)
{
	unit_rec_init(&rec, VG_EV_PROC_EXEC, sizeof(struct vg_exec_event));
	unit_task(&rec.exec.task, pid, ppid, start, strrchr(exe, '/') + 1);
	rec.exec.old_pid = pid;
	unit_exec_str(&rec, VG_EXEC_FILENAME, exe, strlen(exe));
	unit_exec_str(&rec, VG_EXEC_EXE, exe, strlen(exe));
	unit_exec_str(&rec, VG_EXEC_ARGS, argv, argv_len);
	unit_exec_str(&rec, VG_EXEC_CWD, cwd, strlen(cwd));
	decode_apply();
}

static void ev_fork(uint32_t pid, uint32_t ppid, uint64_t start, uint32_t child, uint64_t cstart)
{
	unit_rec_init(&rec, VG_EV_PROC_FORK, sizeof(struct vg_fork_event));
	unit_task(&rec.fork.task, pid, ppid, start, "forker");
	rec.fork.child_pid = rec.fork.child_tid = child;
	rec.fork.child_start_ns = cstart;
	decode_apply();
}

static const char cat_argv[] = "cat\0/etc/shadow\0-n";

/* The exec of cat (P2): also an event under test. */
static void ev_exec_cat(void)
{
	ev_exec(P2, P1, 300, "/usr/bin/cat", cat_argv, sizeof(cat_argv), "/home/u");
}

static void task_cat(struct vg_task *t)
{
	unit_task(t, P2, P1, 300, "cat");
	t->euid = 0;
	t->egid = 0;
}

/* openat(AT_FDCWD, name, flags, 0644) = ret; `resolved` is the kernel's path */
static void ev_openat(int64_t ret, uint64_t flags, const char *name, const char *resolved)
{
	unit_sys_init(&rec, VG_EV_SYS_openat);
	task_cat(&rec.sys.task);
	rec.sys.ret = ret;
	rec.sys.args[0] = (__u64)(__s64)AT_FDCWD;
	rec.sys.args[2] = flags;
	rec.sys.args[3] = 0644;
	unit_sys_str(&rec, 0, name, strlen(name));
	if (resolved) {
		unit_sys_str(&rec, 1, resolved, strlen(resolved));
		rec.sys.path_slot = 1;
	}
	decode_apply();
}

/* The kernel's view of a TCP socket from local:lport to remote:rport. */
static void sock_tcp(int family, const char *local, unsigned lport, const char *remote,
		     unsigned rport)
{
	rec.sys.sock.family = (__u16)family;
	rec.sys.sock.type = SOCK_STREAM;
	rec.sys.sock.proto = IPPROTO_TCP;
	rec.sys.sock.lport = (__u16)lport;
	rec.sys.sock.rport = (__u16)rport;
	inet_pton(family, local, rec.sys.sock.laddr);
	inet_pton(family, remote, rec.sys.sock.raddr);
}

/* connect(fd, addr) = 0 by cat; the socket filled by the caller */
static void sys_connect(int fd, const void *addr, size_t addrlen)
{
	unit_sys_init(&rec, VG_EV_SYS_connect);
	task_cat(&rec.sys.task);
	rec.sys.ret = 0;
	rec.sys.args[0] = (__u64)fd;
	rec.sys.args[2] = addrlen;
	unit_sys_str(&rec, 0, addr, addrlen);
}

/* connect(5, {10.1.2.3:443}) = 0 from 192.168.1.10:40000, TCP */
static void ev_connect4(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(443) };

	inet_pton(AF_INET, "10.1.2.3", &sin.sin_addr);
	sys_connect(5, &sin, sizeof(sin));
	sock_tcp(AF_INET, "192.168.1.10", 40000, "10.1.2.3", 443);
	decode_apply();
}

/* connect to [2001:db8::1]:8443 from [2001:db8::2]:50000, TCP */
static void ev_connect6(void)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(8443) };

	inet_pton(AF_INET6, "2001:db8::1", &sin6.sin6_addr);
	sys_connect(6, &sin6, sizeof(sin6));
	sock_tcp(AF_INET6, "2001:db8::2", 50000, "2001:db8::1", 8443);
	decode_apply();
}

/* dup2(oldfd, newfd) = newfd; oldfd a TCP socket to 10.1.2.3:4444 unless sock is false */
static void ev_dup2(int oldfd, int newfd, bool sock)
{
	unit_sys_init(&rec, VG_EV_SYS_dup2);
	task_cat(&rec.sys.task);
	rec.sys.ret = newfd;
	rec.sys.args[0] = (__u64)oldfd;
	rec.sys.args[1] = (__u64)newfd;
	if (sock)
		sock_tcp(AF_INET, "192.168.1.10", 40000, "10.1.2.3", 4444);
	decode_apply();
}

/* capset(hdr, data) = ret with the sets a caller passes (64 bits each) */
static void ev_capset(int64_t ret, uint64_t eff, uint64_t perm, uint64_t inh)
{
	uint32_t w[6] = { (uint32_t)eff,	 (uint32_t)perm,	 (uint32_t)inh,
			  (uint32_t)(eff >> 32), (uint32_t)(perm >> 32), (uint32_t)(inh >> 32) };

	unit_sys_init(&rec, VG_EV_SYS_capset);
	task_cat(&rec.sys.task);
	rec.sys.ret = ret;
	memcpy(rec.sys.ext, w, sizeof(w));
	decode_apply();
}

/* kill(pid, sig) = 0 by cat */
static void ev_kill(int32_t pid, int sig)
{
	unit_sys_init(&rec, VG_EV_SYS_kill);
	task_cat(&rec.sys.task);
	rec.sys.args[0] = (__u64)(int64_t)pid;
	rec.sys.args[1] = (__u64)sig;
	decode_apply();
}

/* The default event: cat reads /etc/shadow. */
static void ev_read_shadow(void)
{
	ev_openat(3, O_RDONLY, "/etc/shadow", "/etc/shadow");
}

static int setup(void **state)
{
	PT = vg_proctab_new(0, 0);
	assert_non_null(PT);
	vg_evctx_init(&C);
	C.procs = PT;
	ev_exec(P0, 1, 100, "/usr/sbin/sshd", "sshd\0-D", 8, "/");
	ev_fork(P0, 1, 100, P1, 200);
	ev_exec(P1, P0, 200, "/bin/bash", "bash\0-i", 8, "/root");
	ev_fork(P1, P0, 200, P2, 300);
	ev_exec_cat();
	assert_int_equal(vg_proctab_get(PT, P2)->ppid, P1);
	assert_int_equal(vg_proctab_get(PT, P1)->ppid, P0);
	return 0;
}

static int teardown(void **state)
{
	vg_evctx_release(&C);
	vg_proctab_free(PT);
	return 0;
}

/* --- compiling one rule -------------------------------------------------------------- */

/* Load `yaml`, which must succeed (warnings allowed). */
static struct vg_ruleset *load_yaml(const char *yaml)
{
	struct vg_rule_source s = { .name = "eval.yaml", .text = yaml, .len = strlen(yaml) };
	struct vg_diag d = { 0 };
	struct vg_ruleset *rs;
	char *text = NULL;
	size_t len = 0;

	d.out = open_memstream(&text, &len);
	assert_non_null(d.out);
	rs = vg_ruleset_load(NULL, 0, &s, 1, &d);
	fclose(d.out);
	if (!rs)
		fail_msg("did not load:\n%s\n%s", yaml, text);
	free(text);
	assert_true(rs->nrules >= 1);
	return rs;
}

static struct vg_ruleset *compile(const char *cond, const char *output)
{
	char y[8192];

	snprintf(y, sizeof(y),
		 "- rule: R\n  desc: d\n  priority: INFO\n"
		 "  condition: |-\n    %s\n"
		 "  output: |-\n    %s\n",
		 cond, output);
	return load_yaml(y);
}

/* Evaluate rule 0 of rs against the current event. A match must also be
 * for an event type the rule is indexed under (what the agent looks up). */
static bool eval_rs(struct vg_ruleset *rs)
{
	const struct vg_rule *r = rs->rules[0];
	bool m;

	vg_evctx_begin(&C, &ev, proc);
	m = vg_rule_eval(r, &C);
	if (m && !r->ev[ev.type])
		fail_msg("rule matched an event type it is not indexed for (%u)", ev.type);
	return m;
}

static bool match(const char *cond)
{
	struct vg_ruleset *rs = compile(cond, "o");
	bool m = eval_rs(rs);

	vg_ruleset_free(rs);
	return m;
}

#define T(cond)                                                                  \
	do {                                                                     \
		if (!match(cond))                                                \
			fail_msg("expected a match: %s", cond);                  \
	} while (0)
#define F(cond)                                                                  \
	do {                                                                     \
		if (match(cond))                                                 \
			fail_msg("expected no match: %s", cond);                 \
	} while (0)

/* The rule's output for the current event. */
static char *render(const char *output)
{
	static char buf[1024];
	struct vg_ruleset *rs = compile("evt.type exists", output);
	struct strbuf sb = STRBUF_INIT;

	vg_evctx_begin(&C, &ev, proc);
	vg_rule_render(rs->rules[0], &C, &sb);
	assert_false(sb.oom);
	snprintf(buf, sizeof(buf), "%s", sb.buf);
	strbuf_release(&sb);
	vg_ruleset_free(rs);
	return buf;
}

/* --- events with a socket behind an fd argument ------------------------------------------------ */

static void test_dup_socket(void **state)
{
	const char *shell = "evt.type in (dup, dup2, dup3) and evt.rawres in (0, 1, 2) and "
			    "fd.typechar in (4, 6)";

	ev_dup2(5, 0, true);
	T(shell);
	T("fd.type = ipv4 and fd.sip = 10.1.2.3 and fd.sport = 4444 and fd.l4proto = tcp");
	T("evt.arg.oldfd = 5 and evt.arg.newfd = 0 and fd.num = 5");
	/* the end with the ephemeral port is the client */
	assert_string_equal(render("%fd.name"), "192.168.1.10:40000->10.1.2.3:4444");
	T("fd.cip = 192.168.1.10 and fd.cport = 40000 and fd.lport = 40000 and fd.rport = 4444");
	ev_dup2(5, 3, true); /* not onto stdio */
	F(shell);
	ev_dup2(5, 1, false); /* a file or pipe: no tuple */
	F(shell);
	F("fd.typechar exists");
	ev_read_shadow();
}

static void test_capset_sets(void **state)
{
	/* CAP_NET_RAW (13), CAP_SYS_ADMIN (21); CAP_BPF (39) in the high word */
	ev_capset(0, 1ull << 21 | 1ull << 13 | 1ull << 39, 1ull << 21 | 1ull << 13 | 1ull << 39, 0);
	T("evt.type = capset and evt.arg.cap_effective contains CAP_SYS_ADMIN");
	T("evt.arg.cap_permitted contains CAP_BPF and evt.arg.cap_inheritable = ''");
	F("evt.arg.cap_effective contains CAP_SYS_MODULE");
	assert_string_equal(render("%evt.arg.cap_effective"), "CAP_NET_RAW CAP_SYS_ADMIN CAP_BPF");
	assert_string_equal(render("%evt.arg.cap_bogus"), "<NA>");
	ev_capset(0, 1ull << 63, 0, 0); /* a bit without a name */
	assert_string_equal(render("%evt.arg.cap_effective"), "CAP_63");
	ev_read_shadow(); /* another event: no sets */
	assert_string_equal(render("%evt.arg.cap_effective"), "<NA>");
}

static void test_target_process(void **state)
{
	ev_kill((int32_t)P0, 15);
	T("evt.type = kill and evt.target.name = sshd and evt.target.exepath = /usr/sbin/sshd");
	T("evt.arg.sig = SIGTERM");
	ev_kill(-(int32_t)P0, 15); /* a process group: no one process */
	F("evt.target.name exists");
	ev_kill(1, 15); /* not in the table */
	F("evt.target.name exists");
	/* a caller in another pid namespace names pids of its own */
	C.host_pidns = rec.sys.task.pid_ns + 1;
	ev_kill((int32_t)P0, 15);
	F("evt.target.name exists");
	C.host_pidns = 0;
	ev_read_shadow(); /* not aimed at a process */
	F("evt.target.name exists");
}

static void test_empty_argv0(void **state)
{
	/* execve(path, {NULL}, envp): the kernel passes one empty argument */
	ev_exec(P2, P1, 300, "/usr/bin/pkexec", "", 1, "/home/u");
	T("proc.exe = '' and proc.args = '' and proc.name = pkexec");
	assert_string_equal(render("[%proc.exe] %proc.cmdline"), "[] pkexec");
	ev_exec_cat();
	T("proc.exe = cat");
	ev_read_shadow();
}

static void test_real_uid(void **state)
{
	/* a setuid-root program run by uid 1000 */
	unit_sys_init(&rec, VG_EV_SYS_setuid);
	task_cat(&rec.sys.task);
	rec.sys.task.uid = 1000;
	decode_apply();
	T("user.uid = 0 and user.ruid = 1000");
	ev_read_shadow();
}

/* --- string operators ------------------------------------------------------------------ */

static void test_string_eq_ne(void **state)
{
	ev_read_shadow();
	T("fd.name = /etc/shadow");
	T("fd.name == '/etc/shadow'");
	F("fd.name = /etc/shado");
	F("fd.name = /etc/shadow2");
	F("fd.name = ''");
	T("fd.name != /etc/passwd");
	F("fd.name != /etc/shadow");
	T("proc.name = cat");
	T("proc.exe = cat");
	T("proc.exepath = /usr/bin/cat");
	T("proc.cmdline = 'cat /etc/shadow -n'");
	T("proc.args = '/etc/shadow -n'");
	T("proc.cwd = /home/u");
	T("fd.directory = /etc");
	T("fd.filename = shadow");
	T("fd.typechar = f and fd.type = file");
	T("evt.res = SUCCESS");
	T("evt.arg.name = /etc/shadow and evt.arg[1] = /etc/shadow");
	T("evt.arg.flags = O_RDONLY");
	T("evt.arg.dirfd = -100");
	T("evt.arg.mode = 0644");
}

static void test_string_contains(void **state)
{
	ev_read_shadow();
	T("proc.cmdline contains 'shadow -n'");
	T("proc.cmdline contains cat");
	T("proc.cmdline contains ''");
	F("proc.cmdline contains SHADOW");
	F("proc.cmdline contains 'shadow  -n'");
	T("proc.cmdline icontains SHADOW");
	T("proc.cmdline icontains 'CaT /ETC'");
	T("proc.cmdline icontains 'cat /etc/shadow -N'");
	F("proc.cmdline icontains 'cat /etc/shadow -n '");
	F("proc.cmdline icontains passwd");
	/* bytes, written in hex */
	T("fd.name bcontains 736861646f77"); /* "shadow" */
	T("fd.name bcontains 2F");
	F("fd.name bcontains 00");
	F("fd.name bcontains 534841444f57"); /* "SHADOW" */
	T("fd.name bstartswith 2f657463");   /* "/etc" */
	F("fd.name bstartswith 657463");
}

static void test_string_prefix_suffix(void **state)
{
	ev_read_shadow();
	T("fd.name startswith /etc/");
	T("fd.name startswith /etc/shadow");
	F("fd.name startswith /etc/shadow/");
	F("fd.name startswith /usr");
	F("fd.name startswith etc");
	T("fd.name endswith shadow");
	T("fd.name endswith /etc/shadow");
	F("fd.name endswith x/etc/shadow");
	F("fd.name endswith /etc");
}

static void test_glob_pmatch_regex(void **state)
{
	ev_read_shadow();
	T("fd.name glob '/etc/*'");
	T("fd.name glob /etc/sha?ow");
	T("fd.name glob '/etc/[r-t]hadow'");
	F("fd.name glob '/etc/[a-r]*'");
	F("fd.name glob '*.conf'");
	F("fd.name glob /etc");

	/* pmatch: the path is one of the prefixes or lies below one */
	T("fd.name pmatch (/etc)");
	T("fd.name pmatch (/etc/)");
	T("fd.name pmatch (/usr, /etc/shadow)");
	T("fd.name pmatch (/var, /usr, /etc)");
	F("fd.name pmatch (/et)");
	F("fd.name pmatch (/etc/sha)");
	F("fd.name pmatch (/etc/shadow/x)");
	F("fd.name pmatch ()");

	/* regex: the whole value must match (Falco's full match) */
	T("fd.name regex '/etc/s.*'");
	T("fd.name regex '.*shadow'");
	T("fd.name regex '/etc/(shadow|passwd)'");
	T("fd.name regex '^/etc/shadow$'");
	F("fd.name regex shadow");
	F("fd.name regex etc");
	F("fd.name regex '/etc/s'");
	F("fd.name regex 'shadow|/etc'");
	T("proc.cmdline regex 'cat [^ ]+ -n'");
}

static void test_in(void **state)
{
	ev_read_shadow();
	/* up to four items: a linear scan */
	T("proc.name in (bash, cat)");
	T("proc.name in (cat)");
	F("proc.name in (bash, sh)");
	F("proc.name in (ca, cats, Cat)");
	F("proc.name in ()");
	T("proc.name intersects (cat)");
	/* more than four: sorted, binary search; hits first, in the middle, last */
	T("proc.name in (cat, a, bb, dddd, eeeee, ffffff)");
	T("proc.name in (a, bb, ccc, cat, dddd, zsh)");
	T("proc.name in (a, bb, ccc, dddd, eeeee, cat)");
	T("proc.name in (caa, cab, cac, cat, cau, cav, caw)");
	F("proc.name in (caa, cab, cac, cau, cav, caw)");
	F("proc.name in (a, b, c, d, e, f)");
	F("proc.name in (catt, catz, cattt, ccccc, dddddd)");
	F("proc.name in (ca, cb, cc, cd, ce)");
	/* from lists */
	{
		struct vg_ruleset *rs = load_yaml(
			"- list: readers\n  items: [less, more, head, tail, cat, vi]\n"
			"- list: nested\n  items: [readers, nano]\n"
			"- rule: R\n  desc: d\n  output: o\n  priority: INFO\n"
			"  condition: evt.type = openat and proc.name in (nested)\n");

		assert_true(eval_rs(rs));
		vg_ruleset_free(rs);
	}
	/* numbers */
	T("proc.pid in (1, 2147483634)");
	F("proc.pid in (1, 2, 3, 4, 5, 6)");
	T("evt.rawres in (-1, 3)");
	T("evt.failed in (false)");
}

static void test_exists(void **state)
{
	ev_read_shadow();
	T("proc.pname exists");
	T("proc.aname[2] exists");
	F("proc.aname[3] exists");
	F("fd.sip exists");
	T("not fd.sip exists");
	T("evt.arg.flags exists");
	F("evt.arg.nosuch exists");
	F("evt.arg[5] exists");
	F("evt.latency exists"); /* known to Falco, not filled by vigil */
}

/* --- numbers and booleans ---------------------------------------------------------------- */

static void test_numeric(void **state)
{
	ev_read_shadow();
	/* proc.pid is P2 = 2147483634 */
	T("proc.pid = 2147483634");
	T("proc.pid = 0x7ffffff2");
	F("proc.pid = 2147483633");
	T("proc.pid != 2147483633");
	T("proc.pid > 2147483633");
	F("proc.pid > 2147483634");
	T("proc.pid >= 2147483634");
	T("proc.pid < 2147483635");
	F("proc.pid < 2147483634");
	T("proc.pid <= 2147483634");
	T("proc.ppid = 2147483633");
	T("thread.tid = 2147483634 and proc.vpid = 2147483634");
	/* user.uid is the effective uid */
	T("user.uid = 0");
	F("user.uid > 0");
	T("user.uid != 1000");
	T("user.loginuid = 1000");
	T("group.gid = 0");
	/* evt.rawres and fd.num are signed */
	T("evt.rawres = 3");
	T("evt.rawres >= 0");
	F("evt.rawres < 0");
	T("fd.num = 3");
	T("fd.num > 2 and fd.num < 4");
	F("fd.num != 3");

	/* a failed open: negative results, fd.num -1 */
	ev_openat(-EACCES, O_WRONLY | O_CREAT | O_TRUNC, "out.txt", NULL);
	T("evt.rawres = -13");
	T("evt.rawres < 0");
	T("evt.rawres > -14");
	F("evt.rawres >= 0");
	T("fd.num = -1");
	T("fd.num < 0");
	T("evt.res = EACCES");
	/* no kernel path: the argument, made absolute against the cwd */
	T("fd.name = /home/u/out.txt");
	T("fd.nameraw = out.txt");
	T("evt.arg.flags = 'O_WRONLY|O_CREAT|O_TRUNC'");
	T("evt.arg.flags contains O_CREAT");
}

static void test_booleans(void **state)
{
	ev_read_shadow();
	T("evt.failed = false");
	F("evt.failed = true");
	T("evt.failed != true");
	T("evt.is_open_read = true");
	T("evt.is_open_write = false");
	T("evt.is_open_exec = false");

	ev_openat(-EACCES, O_WRONLY | O_CREAT | O_TRUNC, "out.txt", NULL);
	T("evt.failed = true");
	T("evt.is_open_write = true");
	T("evt.is_open_read = false");

	ev_openat(4, O_RDWR, "/tmp/x", "/tmp/x");
	T("evt.is_open_write = true and evt.is_open_read = true");
	T("evt.failed = false");
	/* an executable file created */
	unit_sys_init(&rec, VG_EV_SYS_openat);
	task_cat(&rec.sys.task);
	rec.sys.ret = 5;
	rec.sys.args[2] = O_WRONLY | O_CREAT;
	rec.sys.args[3] = 0755;
	unit_sys_str(&rec, 0, "/tmp/run.sh", 11);
	decode_apply();
	T("evt.is_open_exec = true");

	/* not an open: all three false */
	ev_connect4();
	T("evt.is_open_read = false and evt.is_open_write = false and evt.is_open_exec = false");
	T("evt.failed = false");
}

/* --- addresses --------------------------------------------------------------------------- */

static void test_ip_fields(void **state)
{
	ev_connect4();
	T("fd.name = '192.168.1.10:40000->10.1.2.3:443'");
	T("fd.typechar = 4 and fd.type = ipv4 and fd.l4proto = tcp and fd.sockfamily = ip");
	T("fd.num = 5");
	/* the connecting side is the client, the peer the server */
	T("fd.sip = 10.1.2.3");
	T("fd.rip = 10.1.2.3");
	T("fd.cip = 192.168.1.10");
	T("fd.lip = 192.168.1.10");
	F("fd.sip = 10.1.2.4");
	F("fd.sip = 192.168.1.10");
	F("fd.sip != 10.1.2.3");
	T("fd.sip != 10.1.2.4");
	F("fd.sip = ::1");
	F("fd.sip = ::ffff:10.1.2.3");
	T("fd.sip in (1.1.1.1, 10.1.2.3)");
	F("fd.sip in (1.1.1.1, 10.1.2.4)");
	F("fd.sip in ()");
	/* fd.ip: either end */
	T("fd.ip = 10.1.2.3");
	T("fd.ip = 192.168.1.10");
	F("fd.ip = 127.0.0.1");
	T("fd.sport = 443 and fd.rport = 443");
	T("fd.cport = 40000 and fd.lport = 40000");
	T("fd.port = 443");
	T("fd.port = 40000");
	F("fd.port = 80");
	T("evt.arg.addr = 10.1.2.3:443");
	T("evt.arg.fd = 5");

	/* networks */
	T("fd.net = 10.0.0.0/8");
	T("fd.net = 192.168.0.0/16");
	F("fd.net = 172.16.0.0/12");
	T("fd.net in (172.16.0.0/12, 192.168.1.0/24)");
	T("fd.snet = 10.0.0.0/8");
	F("fd.snet = 192.168.0.0/16");
	T("fd.cnet = 192.168.0.0/16");
	T("fd.rnet = 10.1.2.0/24 and fd.lnet = 192.168.1.10/32");
	T("fd.snet in (172.16.0.0/12, 10.1.2.0/24)");
	T("fd.snet = 10.1.2.2/31");  /* 10.1.2.2 - 10.1.2.3 */
	F("fd.snet = 10.1.2.4/30");  /* 10.1.2.4 - 10.1.2.7 */
	T("fd.snet = 10.1.0.0/22");  /* a prefix that ends inside a byte: 10.1.0.0 - 10.1.3.255 */
	F("fd.snet = 10.1.4.0/22");
	F("fd.snet = 10.1.0.0/23");  /* 10.1.0.0 - 10.1.1.255 */
	T("fd.snet = 10.1.2.0/23");
	T("fd.snet = 0.0.0.0/0");
	F("fd.snet = ::/0");	      /* another family */
	T("fd.snet = 10.1.2.3");     /* an address: all 32 bits */
	/* an IP field compared with a network */
	T("fd.sip = 10.0.0.0/8");
	F("fd.sip = 11.0.0.0/8");

	ev_connect6();
	T("fd.sip = 2001:db8::1");
	T("fd.sip = '2001:0db8:0:0:0:0:0:1'");
	T("fd.cip = 2001:db8::2");
	F("fd.sip = 10.1.2.3");
	T("fd.snet = 2001:db8::/32");
	F("fd.snet = 2001:db9::/32");
	T("fd.snet = 2001:db8::/127");
	F("fd.snet = 2001:db8::2/128");
	T("fd.net = 2001:db8::2/128");
	T("fd.sport = 8443 and fd.typechar = 6");
	T("fd.name = '[2001:db8::2]:50000->[2001:db8::1]:8443'");
	F("fd.net = 10.0.0.0/8");
}

/* --- processes --------------------------------------------------------------------------- */

static void test_ancestors(void **state)
{
	ev_read_shadow();
	T("proc.pname = bash");
	T("proc.pexe = bash and proc.pexepath = /bin/bash");
	T("proc.pcmdline = 'bash -i'");
	T("proc.aname[0] = cat");
	T("proc.aname[1] = bash");
	T("proc.aname[2] = sshd");
	F("proc.aname[2] = bash");
	F("proc.aname[1] = cat");
	T("proc.apid[1] = 2147483633 and proc.apid[2] = 2147483632");
	T("proc.aexepath[2] = /usr/sbin/sshd");
	/* without an index: any ancestor (not the process itself) */
	T("proc.aname = sshd");
	T("proc.aname = bash");
	F("proc.aname = cat");
	F("proc.aname = init");
	T("proc.aname in (sshd, cron)");
	F("proc.aname in (cron, init)");
	T("proc.aname startswith ss");
	T("proc.aname != bash"); /* sshd is not bash */
	T("proc.apid = 2147483632");
	T("proc.aexepath endswith /sshd");
	/* trust by an ancestor's executable: a path or a directory above it */
	T("proc.aexepath pmatch (/usr/bin/dpkg, /usr/sbin)");
	F("proc.aexepath pmatch (/usr/bin/dpkg, /usr/sbin/ssh)");
	F("proc.aexepath pmatch (/usr/bin/cat)"); /* the process itself is no ancestor */
	T("proc.exepath pmatch (/usr/bin)");

	/* the exec event itself */
	ev_exec_cat();
	T("evt.type = execve");
	T("evt.type in (execve, execveat) and evt.res = SUCCESS");
	T("fd.name = /usr/bin/cat");
	T("evt.arg.filename = /usr/bin/cat");
	T("proc.cwd = /home/u");
	T("proc.pname = bash");
	T("evt.rawres = 0");
	F("evt.type = open");
}

/* --- event types ---------------------------------------------------------------------------- */

static void test_evt_type(void **state)
{
	ev_read_shadow();
	T("evt.type = openat");
	F("evt.type = open");
	T("evt.type in (open, openat)");
	T("evt.type in (open, openat, openat2, creat, execve, connect)");
	F("evt.type in (open, creat, execve, connect, kill, bind)");
	T("evt.type != open");
	F("evt.type != openat");
	T("not evt.type = open and fd.name = /etc/shadow");
	F("not evt.type in (openat, open)");
	T("evt.type startswith open");
	T("evt.type contains pena");
	T("evt.dir = '<'");

	ev_connect4();
	T("evt.type = connect");
	F("evt.type in (open, openat)");
}

/* --- combinations ------------------------------------------------------------------------------ */

static void test_logic(void **state)
{
	ev_read_shadow();
	T("not proc.name = bash");
	F("not proc.name = cat");
	T("proc.name = cat and fd.name = /etc/shadow");
	F("proc.name = bash and fd.name = /etc/shadow");
	F("proc.name = cat and fd.name = /etc/passwd");
	T("proc.name = bash or fd.name = /etc/shadow");
	T("proc.name = cat or fd.name = /etc/passwd");
	F("proc.name = bash or fd.name = /etc/passwd");
	F("not (proc.name = cat and fd.name startswith /etc)");
	T("not (proc.name = cat and fd.name startswith /usr)");
	/* not > and > or */
	T("proc.name = bash or proc.name = cat and not fd.name = /x");
	F("(proc.name = bash or proc.name = cat) and fd.name = /x");
	T("proc.name = cat or proc.name = bash and fd.name = /x");
	F("not proc.name = cat or proc.name = bash");
	T("not not proc.name = cat");
	/* macros */
	{
		struct vg_ruleset *rs = load_yaml(
			"- macro: reads\n  condition: evt.type = openat and evt.is_open_read = true\n"
			"- macro: shadowy\n  condition: fd.name endswith shadow\n"
			"- macro: trusted\n  condition: proc.pname in (sshd, login)\n"
			"- rule: R\n  desc: d\n  output: o\n  priority: INFO\n"
			"  condition: reads and shadowy and not trusted\n");

		assert_true(eval_rs(rs));
		vg_ruleset_free(rs);
	}
}

/* An absent field makes every comparison on it false, so `not (...)` is true. */
static void test_absent_fields(void **state)
{
	ev_read_shadow();
	F("fd.sip = 10.1.2.3");
	F("fd.sip != 10.1.2.3");
	T("not fd.sip = 10.1.2.3");
	T("not (fd.sip != 10.1.2.3)");
	F("fd.sport > 0");
	F("fd.snet = 0.0.0.0/0");
	F("proc.aname[3] = x");
	F("proc.aname[3] != x");
	T("not proc.aname[3] = x");
	F("proc.aname[3] in (x)");
	F("evt.arg.nosuch = x");
	F("user.name = root"); /* no user table in this context */
	/* an unsupported field reads as absent */
	F("evt.latency = 3");
	F("evt.latency != 3");
	T("not evt.latency = 3");
	F("container.image.repository contains x");
	/* absent in or/and */
	T("fd.sip = 1.2.3.4 or proc.name = cat");
	F("fd.sip = 1.2.3.4 and proc.name = cat");

	/* a process the table does not know: the event's task still answers */
	{
		struct vg_task t;

		unit_task(&t, FAKE + 9, FAKE + 8, 900, "ghost");
		unit_sys_init(&rec, VG_EV_SYS_kill);
		rec.sys.task = t;
		rec.sys.args[0] = 1;
		rec.sys.args[1] = 9;
		assert_int_equal(vg_decode(rec.bytes, rec.len, &ev), 0);
		proc = NULL;
		T("proc.name = ghost");
		T("proc.pid = 2147483641");
		T("proc.ppid = 2147483640");
		F("proc.exepath exists");
		F("proc.pname exists");
		F("proc.aname exists");
		T("not proc.cmdline = ghost");
		T("evt.arg.sig = SIGKILL and evt.arg.pid = 1");
		F("fd.name exists");
	}
}

/* --- exceptions --------------------------------------------------------------------------------- */

static void test_exceptions(void **state)
{
	static const char *const base =
		"- rule: R\n  desc: d\n  output: o\n  priority: INFO\n"
		"  condition: evt.type = openat and fd.name startswith /etc\n";
	struct {
		const char *exc;
		bool match;
	} cases[] = {
		{ "", true },
		/* field tuples with comparisons */
		{ "    - name: e\n      fields: [proc.name, fd.name]\n      comps: [=, startswith]\n"
		  "      values: [[cat, /etc/sh]]\n",
		  false },
		{ "    - name: e\n      fields: [proc.name, fd.name]\n      comps: [=, startswith]\n"
		  "      values: [[cat, /usr]]\n",
		  true },
		{ "    - name: e\n      fields: [proc.name, fd.name]\n      comps: [=, startswith]\n"
		  "      values: [[less, /etc], [cat, /etc/shadow]]\n",
		  false },
		/* default comparison: = */
		{ "    - name: e\n      fields: [proc.name, proc.pname]\n"
		  "      values: [[cat, bash]]\n",
		  false },
		{ "    - name: e\n      fields: [proc.name, proc.pname]\n"
		  "      values: [[cat, sshd]]\n",
		  true },
		/* one field, values as a list: `in` */
		{ "    - name: e\n      fields: proc.pname\n      values: [cron, bash]\n", false },
		{ "    - name: e\n      fields: proc.pname\n      values: [cron, sshd]\n", true },
		/* list cells with in / pmatch */
		{ "    - name: e\n      fields: [proc.name, fd.name]\n      comps: [in, pmatch]\n"
		  "      values: [[[vi, cat], [/etc]]]\n",
		  false },
		{ "    - name: e\n      fields: [proc.name, fd.name]\n      comps: [in, pmatch]\n"
		  "      values: [[[vi, cat], [/usr]]]\n",
		  true },
		/* an exception without values excepts nothing */
		{ "    - name: e\n      fields: [proc.name]\n", true },
		/* numbers and addresses typed by their field */
		{ "    - name: e\n      fields: [user.uid]\n      comps: ['<']\n      values: [[1]]\n",
		  false },
	};

	ev_read_shadow();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char y[2048];
		struct vg_ruleset *rs;

		snprintf(y, sizeof(y), "%s%s%s", base, cases[i].exc[0] ? "  exceptions:\n" : "",
			 cases[i].exc);
		rs = load_yaml(y);
		if (eval_rs(rs) != cases[i].match)
			fail_msg("case %zu: expected %s:\n%s", i, cases[i].match ? "a match" : "no match",
				 y);
		vg_ruleset_free(rs);
	}

	/* values appended to an exception later */
	{
		struct vg_ruleset *rs =
			load_yaml("- rule: R\n  desc: d\n  output: o\n  priority: INFO\n"
				  "  condition: evt.type = openat\n"
				  "  exceptions:\n    - name: e\n      fields: [proc.name]\n"
				  "      values: [[vi]]\n"
				  "- rule: R\n  append: true\n"
				  "  exceptions:\n    - name: e\n      values: [[cat]]\n");

		assert_false(eval_rs(rs));
		vg_ruleset_free(rs);
	}
}

/* --- output ------------------------------------------------------------------------------------- */

static void test_render(void **state)
{
	ev_read_shadow();
	assert_string_equal(render("%proc.name %fd.name %evt.arg.flags"), "cat /etc/shadow O_RDONLY");
	assert_string_equal(render("pid=%(proc.pid) ppid=%proc.ppid"),
			    "pid=2147483634 ppid=2147483633");
	assert_string_equal(render("(%proc.aname[2]) %proc.pname"), "(sshd) bash");
	/* absent and unsupported fields */
	assert_string_equal(render("ip=%fd.sip lat=%evt.latency a3=%proc.aname[3]"),
			    "ip=<NA> lat=<NA> a3=<NA>");
	/* typed values */
	assert_string_equal(render("%evt.failed %fd.num %user.uid %evt.rawres %evt.is_open_read"),
			    "false 3 0 3 true");
	assert_string_equal(render("%evt.type %evt.res %evt.dir"), "openat SUCCESS <");
	assert_string_equal(render("%proc.cmdline|%proc.args|%proc.exe"),
			    "cat /etc/shadow -n|/etc/shadow -n|cat");
	assert_string_equal(render("%evt.args"), "dirfd=-100 name=/etc/shadow flags=O_RDONLY mode=0644");
	/* literal text, a lone percent sign, nothing else */
	assert_string_equal(render("100% sure: %proc.name."), "100% sure: cat.");
	assert_string_equal(render("no fields"), "no fields");
	assert_string_equal(render("%proc.name%fd.name"), "cat/etc/shadow");

	ev_openat(-EACCES, O_WRONLY | O_CREAT | O_TRUNC, "out.txt", NULL);
	assert_string_equal(render("%evt.arg.flags %evt.res %fd.num"),
			    "O_WRONLY|O_CREAT|O_TRUNC EACCES -1");

	ev_connect4();
	assert_string_equal(render("%fd.sip:%fd.sport %fd.cip %fd.net %fd.l4proto"),
			    "10.1.2.3:443 192.168.1.10 192.168.1.10 tcp");
	ev_connect6();
	assert_string_equal(render("%fd.sip %fd.cnet"), "2001:db8::1 2001:db8::2");
}

static void test_explain(void **state)
{
	struct vg_ruleset *rs = load_yaml(
		"- list: editors\n  items: [vi, nano]\n"
		"- macro: opens\n  condition: evt.type in (open, openat)\n"
		"- rule: R\n  desc: d\n  output: o\n  priority: INFO\n"
		"  condition: >\n"
		"    opens and (proc.name in (editors, cat) or proc.pname exists)\n"
		"    and not fd.name pmatch (/tmp) and fd.num >= 0 and fd.name != '/a b'\n");
	struct strbuf sb = STRBUF_INIT;

	vg_rule_explain(rs->rules[0], &sb);
	assert_string_equal(sb.buf,
			    "((((evt.type in (open, openat) and (proc.name in (vi, nano, cat) or "
			    "proc.pname exists)) and not fd.name pmatch (/tmp)) and fd.num >= 0) and "
			    "fd.name != /a b)");
	strbuf_release(&sb);
	ev_read_shadow();
	assert_true(eval_rs(rs));
	vg_ruleset_free(rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_string_eq_ne),
		cmocka_unit_test(test_string_contains),
		cmocka_unit_test(test_string_prefix_suffix),
		cmocka_unit_test(test_glob_pmatch_regex),
		cmocka_unit_test(test_in),
		cmocka_unit_test(test_exists),
		cmocka_unit_test(test_numeric),
		cmocka_unit_test(test_booleans),
		cmocka_unit_test(test_ip_fields),
		cmocka_unit_test(test_dup_socket),
		cmocka_unit_test(test_capset_sets),
		cmocka_unit_test(test_target_process),
		cmocka_unit_test(test_real_uid),
		cmocka_unit_test(test_empty_argv0),
		cmocka_unit_test(test_ancestors),
		cmocka_unit_test(test_evt_type),
		cmocka_unit_test(test_logic),
		cmocka_unit_test(test_absent_fields),
		cmocka_unit_test(test_exceptions),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_explain),
	};

	return cmocka_run_group_tests_name("eval", tests, setup, teardown);
}
