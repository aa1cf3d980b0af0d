// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests: output/evfmt. Synthetic records are decoded, rendered, and
 * the JSON parsed back with jansson.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "common/strbuf.h"
#include "output/evfmt.h"
#include "pipeline/event.h"
#include "pipeline/proctab.h"
#include "unit.h"

static struct synth_rec rec;
static struct vg_event ev;

static void decode(void)
{
	assert_int_equal(vg_decode(rec.bytes, rec.len, &ev), 0);
}

/* Render ev as JSON and parse it; fails the test on invalid JSON. */
static json_t *render(const struct vg_proc *proc, const struct vg_proc *parent)
{
	struct strbuf sb = STRBUF_INIT;
	json_error_t err;
	json_t *j;

	vg_evfmt_json(&sb, &ev, proc, parent);
	assert_false(sb.oom);
	assert_null(memchr(sb.buf, '\n', sb.len)); /* one line */
	j = json_loadb(sb.buf, sb.len, JSON_ALLOW_NUL, &err);
	if (!j)
		fail_msg("invalid JSON (%s): %s", err.text, sb.buf);
	assert_true(json_is_object(j));
	strbuf_release(&sb);
	return j;
}

/* The value at a dotted path ("args.addr.ip"), or NULL. */
static json_t *at(json_t *j, const char *path)
{
	char buf[128], *save, *k;

	snprintf(buf, sizeof(buf), "%s", path);
	for (k = strtok_r(buf, ".", &save); k && j; k = strtok_r(NULL, ".", &save))
		j = json_object_get(j, k);
	return j;
}

#define assert_jstr(j, path, want)                                                                 \
	do {                                                                                       \
		json_t *v_ = at(j, path);                                                          \
		if (!json_is_string(v_))                                                           \
			fail_msg("%s: not a string", path);                                        \
		assert_string_equal(json_string_value(v_), want);                                  \
	} while (0)

#define assert_jint(j, path, want)                                                                 \
	do {                                                                                       \
		json_t *v_ = at(j, path);                                                          \
		if (!json_is_integer(v_))                                                          \
			fail_msg("%s: not an integer", path);                                      \
		assert_true(json_integer_value(v_) == (json_int_t)(want));                         \
	} while (0)

#define assert_jnull(j, path) assert_true(json_is_null(at(j, path)))
#define assert_jabsent(j, path) assert_null(at(j, path))

static void build_openat(int64_t ret, int flags, const char *name, size_t name_len)
{
	unit_sys_init(&rec, VG_EV_SYS_openat);
	unit_task(&rec.sys.task, 4242, 4000, 123456789, "cat");
	rec.sys.task.tid = 4243;
	rec.sys.ret = ret;
	rec.sys.args[0] = (__u64)(__s64)AT_FDCWD;
	rec.sys.args[2] = (__u64)flags;
	rec.sys.args[3] = 0100644;
	unit_sys_str(&rec, 0, name, name_len);
	if (ret >= 0) {
		unit_sys_str(&rec, 1, "/etc/passwd", 11);
		rec.sys.path_slot = 1;
	}
}

static void build_connect(const void *sa, size_t salen)
{
	unit_sys_init(&rec, VG_EV_SYS_connect);
	unit_task(&rec.sys.task, 77, 1, 5, "curl");
	rec.sys.ret = -ECONNREFUSED;
	rec.sys.args[0] = 5;
	rec.sys.args[2] = salen;
	unit_sys_str(&rec, 0, sa, salen);
}

static void test_openat(void **state)
{
	json_t *j;
	const char *ts;

	build_openat(3, O_WRONLY | O_CREAT | O_TRUNC, "passwd", 6);
	decode();
	j = render(NULL, NULL);
	assert_jstr(j, "event", "openat");
	assert_jint(j, "ret", 3);
	assert_jstr(j, "res", "SUCCESS");
	assert_jint(j, "args.dirfd", -100);
	assert_jstr(j, "args.name", "passwd");
	assert_jstr(j, "args.flags", "O_WRONLY|O_CREAT|O_TRUNC");
	assert_jstr(j, "args.mode", "0644");
	assert_int_equal(json_object_size(at(j, "args")), 4);
	assert_jstr(j, "resolved", "/etc/passwd");
	assert_jabsent(j, "sock");
	assert_jabsent(j, "truncated");
	assert_jabsent(j, "read_error");
	assert_jint(j, "proc.pid", 4242);
	assert_jint(j, "proc.tid", 4243);
	assert_jint(j, "proc.ppid", 4000);
	assert_jstr(j, "proc.comm", "cat");
	assert_jint(j, "proc.uid", 1000);
	assert_jint(j, "proc.loginuid", 1000);
	assert_jint(j, "proc.start_ns", 123456789);
	assert_jint(j, "proc.cgroup_id", 42);
	assert_true(json_is_object(at(j, "proc.ns")));
	/* no process table entry: no context, no parent */
	assert_jabsent(j, "proc.exe");
	assert_jabsent(j, "proc.args");
	assert_jnull(j, "proc.pname");
	/* RFC 3339, UTC, nanoseconds */
	ts = json_string_value(at(j, "time"));
	assert_non_null(ts);
	assert_int_equal(strlen(ts), 30);
	assert_int_equal(ts[10], 'T');
	assert_int_equal(ts[19], '.');
	assert_int_equal(ts[29], 'Z');
	json_decref(j);
}

static void test_openat_failed(void **state)
{
	json_t *j;

	/* failed, a name that is neither valid UTF-8 nor one line */
	build_openat(-ENOENT, O_RDONLY, "a\nb\xff", 4);
	rec.hdr.flags = VG_F_TRUNC(0) | VG_F_READ_ERR;
	decode();
	j = render(NULL, NULL);
	assert_jint(j, "ret", -ENOENT);
	assert_jstr(j, "res", "ENOENT");
	assert_jstr(j, "args.flags", "O_RDONLY");
	assert_jstr(j, "args.name", "a\nb\xef\xbf\xbd");
	assert_jabsent(j, "resolved");
	assert_true(json_is_true(at(j, "truncated")));
	assert_true(json_is_true(at(j, "read_error")));
	json_decref(j);

	/* unreadable name: null; unknown errno: null */
	build_openat(-100000, O_RDONLY, "", 0);
	rec.sys.str[0].off = 0;
	decode();
	j = render(NULL, NULL);
	assert_jnull(j, "args.name");
	assert_jnull(j, "res");
	json_decref(j);
}

static void test_openat2_how(void **state)
{
	json_t *j;

	unit_sys_init(&rec, VG_EV_SYS_openat2);
	unit_task(&rec.sys.task, 1, 0, 1, "x");
	rec.sys.ret = 4;
	rec.sys.args[0] = 3;
	rec.sys.args[3] = 24;
	rec.sys.ext[0] = O_RDONLY | O_CLOEXEC;
	rec.sys.ext[1] = 0600;
	rec.sys.ext[2] = 4;
	unit_sys_str(&rec, 0, "f", 1);
	decode();
	j = render(NULL, NULL);
	assert_jint(j, "args.dirfd", 3);
	assert_jstr(j, "args.name", "f");
	assert_jstr(j, "args.how.flags", "O_RDONLY|O_CLOEXEC");
	assert_jstr(j, "args.how.mode", "0600");
	assert_jint(j, "args.how.resolve", 4);
	assert_jint(j, "args.size", 24);
	json_decref(j);
}

static void test_connect_inet(void **state)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(8080) };
	json_t *j;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	build_connect(&sin, sizeof(sin));
	rec.sys.sock.family = AF_INET;
	rec.sys.sock.type = SOCK_STREAM;
	rec.sys.sock.proto = IPPROTO_TCP;
	rec.sys.sock.lport = 40000;
	rec.sys.sock.rport = 8080;
	memcpy(rec.sys.sock.laddr, "\x7f\0\0\x01", 4);
	memcpy(rec.sys.sock.raddr, "\x7f\0\0\x01", 4);
	decode();
	j = render(NULL, NULL);
	assert_jstr(j, "event", "connect");
	assert_jstr(j, "res", "ECONNREFUSED");
	assert_jint(j, "args.fd", 5);
	assert_jstr(j, "args.addr.family", "AF_INET");
	assert_jstr(j, "args.addr.ip", "127.0.0.1");
	assert_jint(j, "args.addr.port", 8080);
	assert_jint(j, "args.addrlen", sizeof(sin));
	assert_jstr(j, "sock.family", "AF_INET");
	assert_jstr(j, "sock.l4proto", "tcp");
	assert_jstr(j, "sock.local.ip", "127.0.0.1");
	assert_jint(j, "sock.local.port", 40000);
	assert_jint(j, "sock.remote.port", 8080);
	json_decref(j);
}

static void test_connect_inet6_unix(void **state)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(443) };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	json_t *j;

	inet_pton(AF_INET6, "2001:db8::5", &sin6.sin6_addr);
	build_connect(&sin6, sizeof(sin6));
	decode();
	j = render(NULL, NULL);
	assert_jstr(j, "args.addr.family", "AF_INET6");
	assert_jstr(j, "args.addr.ip", "2001:db8::5");
	assert_jint(j, "args.addr.port", 443);
	assert_jabsent(j, "sock"); /* not read */
	json_decref(j);

	strcpy(sun.sun_path, "/run/dbus.sock");
	build_connect(&sun, offsetof(struct sockaddr_un, sun_path) + 15);
	decode();
	j = render(NULL, NULL);
	assert_jstr(j, "args.addr.family", "AF_UNIX");
	assert_jstr(j, "args.addr.path", "/run/dbus.sock");
	assert_jabsent(j, "args.addr.ip");
	json_decref(j);

	/* abstract: the leading NUL comes out escaped */
	memcpy(sun.sun_path, "\0bus", 4);
	build_connect(&sun, offsetof(struct sockaddr_un, sun_path) + 4);
	decode();
	j = render(NULL, NULL);
	assert_int_equal(json_string_length(at(j, "args.addr.path")), 4);
	assert_memory_equal(json_string_value(at(j, "args.addr.path")), "\0bus", 4);
	json_decref(j);

	/* an address that cannot be decoded: null */
	build_connect(&sin6, 3);
	decode();
	j = render(NULL, NULL);
	assert_jnull(j, "args.addr");
	json_decref(j);
}

static void test_proc_context(void **state)
{
	struct vg_proc proc, parent;
	char exe[] = "/usr/bin/cat", cwd[] = "/home/u", args[] = "cat\0-n\0file";
	json_t *j, *a;

	memset(&proc, 0, sizeof(proc));
	memset(&parent, 0, sizeof(parent));
	proc.pid = 4242;
	proc.exe = exe;
	proc.cwd = cwd;
	proc.args = args;
	proc.args_len = sizeof(args) - 1;
	strcpy(proc.tty, "pts1");
	strcpy(parent.comm, "bash");
	build_openat(3, O_RDONLY, "passwd", 6);
	decode();
	j = render(&proc, &parent);
	assert_jstr(j, "proc.exe", "/usr/bin/cat");
	assert_jstr(j, "proc.cwd", "/home/u");
	assert_jstr(j, "proc.tty", "pts1");
	assert_jstr(j, "proc.pname", "bash");
	a = at(j, "proc.args");
	assert_true(json_is_array(a));
	assert_int_equal(json_array_size(a), 3);
	assert_string_equal(json_string_value(json_array_get(a, 0)), "cat");
	assert_string_equal(json_string_value(json_array_get(a, 1)), "-n");
	assert_string_equal(json_string_value(json_array_get(a, 2)), "file");
	json_decref(j);

	/* unknown exe/cwd/args, no tty */
	proc.exe = proc.cwd = proc.args = NULL;
	proc.args_len = 0;
	proc.tty[0] = '\0';
	j = render(&proc, NULL);
	assert_jnull(j, "proc.exe");
	assert_jnull(j, "proc.cwd");
	assert_jnull(j, "proc.tty");
	assert_int_equal(json_array_size(at(j, "proc.args")), 0);
	json_decref(j);
}

static void test_exec(void **state)
{
	static const char argv[] = "ls\0-l\0/tmp";
	json_t *j, *a;

	unit_rec_init(&rec, VG_EV_PROC_EXEC, sizeof(struct vg_exec_event));
	unit_task(&rec.exec.task, 900, 899, 1000, "ls");
	rec.exec.argc = 3;
	strcpy(rec.exec.tty, "pts3");
	unit_exec_str(&rec, VG_EXEC_FILENAME, "/bin/ls", 7);
	unit_exec_str(&rec, VG_EXEC_EXE, "/usr/bin/ls", 11);
	unit_exec_str(&rec, VG_EXEC_ARGS, argv, sizeof(argv));
	unit_exec_str(&rec, VG_EXEC_CWD, "/home/u", 7);
	rec.hdr.flags = VG_F_ARGS_TRUNC;
	decode();
	j = render(NULL, NULL);
	assert_jstr(j, "event", "execve");
	assert_jabsent(j, "ret");
	assert_jabsent(j, "args");
	assert_jstr(j, "filename", "/bin/ls");
	assert_jstr(j, "exe", "/usr/bin/ls");
	assert_jstr(j, "cwd", "/home/u");
	assert_jstr(j, "tty", "pts3");
	assert_jint(j, "argc", 3);
	a = at(j, "argv");
	assert_int_equal(json_array_size(a), 3);
	assert_string_equal(json_string_value(json_array_get(a, 0)), "ls");
	assert_string_equal(json_string_value(json_array_get(a, 1)), "-l");
	assert_string_equal(json_string_value(json_array_get(a, 2)), "/tmp");
	assert_true(json_is_true(at(j, "truncated")));
	assert_jint(j, "proc.pid", 900);
	json_decref(j);
}

static void test_fork_exit(void **state)
{
	json_t *j;

	unit_rec_init(&rec, VG_EV_PROC_FORK, sizeof(struct vg_fork_event));
	unit_task(&rec.fork.task, 100, 1, 10, "bash");
	rec.fork.child_pid = 101;
	rec.fork.child_start_ns = 20;
	decode();
	j = render(NULL, NULL);
	assert_jstr(j, "event", "procfork");
	assert_jint(j, "child_pid", 101);
	assert_jint(j, "child_start_ns", 20);
	assert_jint(j, "proc.pid", 100);
	json_decref(j);

	/* killed by SIGKILL */
	unit_rec_init(&rec, VG_EV_PROC_EXIT, sizeof(struct vg_exit_event));
	unit_task(&rec.exit.task, 101, 100, 20, "sleep");
	rec.exit.exit_code = 9;
	decode();
	j = render(NULL, NULL);
	assert_jstr(j, "event", "procexit");
	assert_jint(j, "exit_code", 0);
	assert_jstr(j, "signal", "SIGKILL");
	json_decref(j);

	/* exit(3) */
	rec.exit.exit_code = 3 << 8;
	decode();
	j = render(NULL, NULL);
	assert_jint(j, "exit_code", 3);
	assert_jnull(j, "signal");
	json_decref(j);
}

static void test_text(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct vg_proc proc;
	char exe[] = "/usr/bin/cat";
	const char *sp;

	memset(&proc, 0, sizeof(proc));
	proc.exe = exe;
	build_openat(3, O_RDONLY, "pass\twd", 7);
	decode();
	vg_evfmt_text(&sb, &ev, &proc);
	/* "HH:MM:SS.nnnnnnnnnZ " then the event */
	sp = strchr(sb.buf, ' ');
	assert_non_null(sp);
	assert_int_equal(sp - sb.buf, 19);
	assert_string_equal(sp + 1, "cat (4242:4243) openat dirfd=AT_FDCWD name=pass\\x09wd "
				    "flags=O_RDONLY mode=0644 res=3 path=/etc/passwd "
				    "exepath=/usr/bin/cat");
	strbuf_reset(&sb);

	build_openat(-EACCES, O_RDONLY, "x", 1);
	decode();
	vg_evfmt_text(&sb, &ev, NULL);
	sp = strchr(sb.buf, ' ');
	assert_string_equal(sp + 1, "cat (4242:4243) openat dirfd=AT_FDCWD name=x flags=O_RDONLY "
				    "mode=0644 res=EACCES");
	strbuf_release(&sb);
}

static void test_addr_ip_str(void **state)
{
	struct vg_addr a = { .family = AF_INET };
	char buf[64];

	memcpy(a.ip, "\x0a\x00\x00\x01", 4);
	vg_addr_ip_str(&a, buf, sizeof(buf));
	assert_string_equal(buf, "10.0.0.1");
	a.family = AF_INET6;
	memcpy(a.ip, &in6addr_loopback, 16);
	vg_addr_ip_str(&a, buf, sizeof(buf));
	assert_string_equal(buf, "::1");
	a.family = AF_UNIX;
	vg_addr_ip_str(&a, buf, sizeof(buf));
	assert_string_equal(buf, "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openat),
		cmocka_unit_test(test_openat_failed),
		cmocka_unit_test(test_openat2_how),
		cmocka_unit_test(test_connect_inet),
		cmocka_unit_test(test_connect_inet6_unix),
		cmocka_unit_test(test_proc_context),
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_fork_exit),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_addr_ip_str),
	};

	return cmocka_run_group_tests_name("evfmt", tests, NULL, NULL);
}
