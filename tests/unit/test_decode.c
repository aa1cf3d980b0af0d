// SPDX-License-Identifier: Apache-2.0
/* Unit tests: pipeline/decode (ring-buffer record -> struct vg_event). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "pipeline/event.h"
#include "unit.h"

/* A strv must hold exactly the bytes `s` (a literal). */
#define assert_strv(v, s)                                                                          \
	do {                                                                                       \
		assert_non_null((v).p);                                                            \
		assert_int_equal((v).len, sizeof(s) - 1);                                          \
		assert_memory_equal((v).p, s, sizeof(s) - 1);                                      \
	} while (0)

static struct synth_rec rec; /* large: keep it off the stack */

static int decode(struct vg_event *ev)
{
	return vg_decode(rec.bytes, rec.len, ev);
}

/* openat(AT_FDCWD, "passwd", O_RDONLY) = 3 resolved to /etc/passwd */
static void build_openat(void)
{
	unit_sys_init(&rec, VG_EV_SYS_openat);
	unit_task(&rec.sys.task, 4242, 1, 123456789, "cat");
	rec.hdr.flags = VG_F_PATH_DEEP;
	rec.sys.nr = 257;
	rec.sys.ret = 3;
	rec.sys.args[0] = (__u64)(__s64)AT_FDCWD;
	rec.sys.args[1] = 0x7ffd00001000ull;
	rec.sys.args[2] = O_RDONLY;
	unit_sys_str(&rec, 0, "passwd", 6);
	unit_sys_str(&rec, 1, "/etc/passwd", 11);
	rec.sys.path_slot = 1;
}

static void build_connect(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(8080) };

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	unit_sys_init(&rec, VG_EV_SYS_connect);
	unit_task(&rec.sys.task, 77, 1, 5, "curl");
	rec.sys.nr = 42;
	rec.sys.ret = -ECONNREFUSED;
	rec.sys.args[0] = 5;
	rec.sys.args[2] = sizeof(sin);
	unit_sys_str(&rec, 0, &sin, sizeof(sin));
	rec.sys.sock.family = AF_INET;
	rec.sys.sock.type = SOCK_STREAM;
	rec.sys.sock.proto = IPPROTO_TCP;
	rec.sys.sock.lport = 40000;
	rec.sys.sock.rport = 8080;
	memcpy(rec.sys.sock.raddr, "\x7f\0\0\x01", 4);
}

/* argv as the kernel copies it: NUL-separated, with the last NUL */
static const char exec_argv[] = "ls\0-l\0/tmp";

static void build_exec(void)
{

	unit_rec_init(&rec, VG_EV_PROC_EXEC, sizeof(struct vg_exec_event));
	unit_task(&rec.exec.task, 900, 899, 1000, "ls");
	rec.exec.old_pid = 900;
	rec.exec.argc = 3;
	strcpy(rec.exec.tty, "pts3");
	unit_exec_str(&rec, VG_EXEC_FILENAME, "/bin/ls", 7);
	unit_exec_str(&rec, VG_EXEC_EXE, "/usr/bin/ls", 11);
	unit_exec_str(&rec, VG_EXEC_ARGS, exec_argv, sizeof(exec_argv));
	unit_exec_str(&rec, VG_EXEC_CWD, "/home/u", 7);
}

/* --- well-formed records ---------------------------------------------------- */

static void test_sys_openat(void **state)
{
	struct vg_event ev;

	build_openat();
	assert_int_equal(decode(&ev), 0);
	assert_int_equal(ev.type, VG_EV_SYS_openat);
	assert_int_equal(ev.flags, VG_F_PATH_DEEP);
	assert_int_equal(ev.ts_boot, rec.hdr.ts);
	assert_ptr_equal(ev.sc, vg_sc_by_name("openat"));
	assert_ptr_equal(ev.task, &rec.sys.task);
	assert_int_equal(ev.task->pid, 4242);
	assert_string_equal(ev.task->comm, "cat");
	assert_int_equal(ev.ret, 3);
	assert_ptr_equal(ev.args, rec.sys.args);
	assert_int_equal((int)ev.args[0], AT_FDCWD);
	assert_int_equal(ev.args[2], O_RDONLY);
	assert_ptr_equal(ev.ext, rec.sys.ext);
	assert_ptr_equal(ev.sock, &rec.sys.sock);
	/* the one string argument is argument 1 (name) */
	assert_null(ev.argstr[0].p);
	assert_strv(ev.argstr[1], "passwd");
	for (int i = 2; i < 6; i++)
		assert_null(ev.argstr[i].p);
	assert_strv(ev.path, "/etc/passwd");
	/* it borrows from the record */
	assert_ptr_equal(ev.argstr[1].p, (const char *)rec.bytes + rec.sys.str[0].off);
	/* not a lifecycle event */
	assert_null(ev.exec);
	assert_null(ev.fork);
	assert_null(ev.exit);
}

static void test_sys_absent_string(void **state)
{
	struct vg_event ev;

	/* the user string could not be read: slot 0 absent, path still there */
	build_openat();
	rec.sys.str[0].off = 0;
	rec.sys.str[0].len = 0;
	rec.hdr.flags = VG_F_READ_ERR;
	assert_int_equal(decode(&ev), 0);
	assert_null(ev.argstr[1].p);
	assert_int_equal(ev.argstr[1].len, 0);
	assert_strv(ev.path, "/etc/passwd");
	assert_int_equal(ev.flags, VG_F_READ_ERR);
}

static void test_sys_no_path(void **state)
{
	struct vg_event ev;

	/* failed open: no resolved path */
	build_openat();
	rec.sys.ret = -ENOENT;
	rec.sys.path_slot = 0xffff;
	rec.sys.str[1].off = 0;
	rec.sys.str[1].len = 0;
	rec.sys.nstr = 1;
	assert_int_equal(decode(&ev), 0);
	assert_int_equal(ev.ret, -ENOENT);
	assert_null(ev.path.p);
	assert_int_equal(ev.path.len, 0);
	assert_strv(ev.argstr[1], "passwd");
}

static void test_sys_empty_string(void **state)
{
	struct vg_event ev;

	/* an empty user string is present (p != NULL), of length 0 */
	build_openat();
	unit_sys_str(&rec, 0, "", 0);
	assert_int_equal(decode(&ev), 0);
	assert_non_null(ev.argstr[1].p);
	assert_int_equal(ev.argstr[1].len, 0);
}

static void test_sys_connect(void **state)
{
	struct vg_event ev;
	struct vg_addr a;

	build_connect();
	assert_int_equal(decode(&ev), 0);
	assert_ptr_equal(ev.sc, vg_sc_by_name("connect"));
	assert_int_equal(ev.ret, -ECONNREFUSED);
	assert_null(ev.argstr[0].p);
	assert_non_null(ev.argstr[1].p);
	assert_int_equal(ev.argstr[1].len, sizeof(struct sockaddr_in));
	assert_null(ev.argstr[2].p);
	assert_null(ev.path.p);
	assert_int_equal(ev.sock->family, AF_INET);

	assert_true(vg_addr_from_sockaddr(ev.argstr[1], &a));
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.port, 8080);
	assert_memory_equal(a.ip, "\x7f\0\0\x01", 4);

	vg_addr_from_sock(ev.sock, true, &a);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.port, 8080);
	assert_memory_equal(a.ip, "\x7f\0\0\x01", 4);
}

static void test_sys_mount_slots(void **state)
{
	struct vg_event ev;

	/* mount(dev, dir, type, flags): three strings in argument order, then
	 * the resolved path in the last slot */
	unit_sys_init(&rec, VG_EV_SYS_mount);
	unit_task(&rec.sys.task, 1, 0, 1, "mount");
	unit_sys_str(&rec, 0, "/dev/sda1", 9);
	unit_sys_str(&rec, 1, "/mnt", 4);
	unit_sys_str(&rec, 2, "ext4", 4);
	unit_sys_str(&rec, 3, "/mnt", 4);
	rec.sys.path_slot = 3;
	assert_int_equal(decode(&ev), 0);
	assert_strv(ev.argstr[0], "/dev/sda1");
	assert_strv(ev.argstr[1], "/mnt");
	assert_strv(ev.argstr[2], "ext4");
	assert_null(ev.argstr[3].p);
	assert_strv(ev.path, "/mnt");
}

static void test_sys_trailing_bytes(void **state)
{
	struct vg_event ev;

	/* a sample may be longer than its record (ring-buffer rounding) */
	build_openat();
	assert_int_equal(vg_decode(rec.bytes, rec.len + 7, &ev), 0);
	assert_strv(ev.path, "/etc/passwd");
}

static void test_exec(void **state)
{
	struct vg_event ev;

	build_exec();
	rec.hdr.flags = VG_F_ARGS_TRUNC;
	assert_int_equal(decode(&ev), 0);
	assert_int_equal(ev.type, VG_EV_PROC_EXEC);
	assert_int_equal(ev.flags, VG_F_ARGS_TRUNC);
	assert_ptr_equal(ev.exec, &rec.exec);
	assert_ptr_equal(ev.task, &rec.exec.task);
	assert_null(ev.sc);
	assert_null(ev.fork);
	assert_null(ev.exit);
	assert_strv(ev.filename, "/bin/ls");
	assert_strv(ev.exe, "/usr/bin/ls");
	assert_non_null(ev.argv.p);
	assert_int_equal(ev.argv.len, sizeof(exec_argv));
	assert_memory_equal(ev.argv.p, exec_argv, sizeof(exec_argv));
	assert_strv(ev.cwd, "/home/u");
	assert_int_equal(ev.exec->argc, 3);
	assert_string_equal(ev.exec->tty, "pts3");
}

static void test_exec_absent_slots(void **state)
{
	struct vg_event ev;

	unit_rec_init(&rec, VG_EV_PROC_EXEC, sizeof(struct vg_exec_event));
	unit_task(&rec.exec.task, 900, 899, 1000, "true");
	unit_exec_str(&rec, VG_EXEC_EXE, "/usr/bin/true", 13);
	assert_int_equal(decode(&ev), 0);
	assert_null(ev.filename.p);
	assert_strv(ev.exe, "/usr/bin/true");
	assert_null(ev.argv.p);
	assert_null(ev.cwd.p);
}

static void test_fork(void **state)
{
	struct vg_event ev;

	unit_rec_init(&rec, VG_EV_PROC_FORK, sizeof(struct vg_fork_event));
	unit_task(&rec.fork.task, 100, 1, 10, "bash");
	rec.fork.child_pid = 101;
	rec.fork.child_tid = 101;
	rec.fork.child_start_ns = 20;
	assert_int_equal(decode(&ev), 0);
	assert_int_equal(ev.type, VG_EV_PROC_FORK);
	assert_ptr_equal(ev.fork, &rec.fork);
	assert_ptr_equal(ev.task, &rec.fork.task);
	assert_int_equal(ev.fork->child_pid, 101);
	assert_int_equal(ev.fork->child_start_ns, 20);
	assert_null(ev.sc);
	assert_null(ev.exec);
	assert_null(ev.exit);
}

static void test_exit(void **state)
{
	struct vg_event ev;

	unit_rec_init(&rec, VG_EV_PROC_EXIT, sizeof(struct vg_exit_event));
	unit_task(&rec.exit.task, 100, 1, 10, "bash");
	rec.exit.exit_code = 9;
	rec.hdr.ts = 555;
	assert_int_equal(decode(&ev), 0);
	assert_int_equal(ev.type, VG_EV_PROC_EXIT);
	assert_ptr_equal(ev.exit, &rec.exit);
	assert_ptr_equal(ev.task, &rec.exit.task);
	assert_int_equal(ev.exit->exit_code, 9);
	assert_int_equal(ev.ts_boot, 555);
	assert_null(ev.sc);
	assert_null(ev.fork);
}

/* --- malformed records ------------------------------------------------------ */

static void assert_einval_len(size_t len)
{
	struct vg_event ev;

	memset(&ev, 0x5a, sizeof(ev));
	assert_int_equal(vg_decode(rec.bytes, len, &ev), -EINVAL);
}

static void assert_einval(void)
{
	assert_einval_len(rec.len);
}

static void test_bad_short_header(void **state)
{
	build_openat();
	for (size_t len = 0; len < sizeof(struct vg_hdr); len++)
		assert_einval_len(len);
}

static void test_bad_size(void **state)
{
	/* the header claims more than the sample holds */
	build_openat();
	assert_einval_len(rec.len - 1);
	rec.hdr.size = (__u32)rec.len + 1;
	assert_einval();
	rec.hdr.size = 0xffffffffu;
	assert_einval();
	/* or less than a header */
	rec.hdr.size = 0;
	assert_einval();
	rec.hdr.size = sizeof(struct vg_hdr) - 1;
	assert_einval();
}

static void test_bad_short_fixed(void **state)
{
	/* size covers the header but not the type's fixed part */
	build_openat();
	rec.hdr.size = sizeof(struct vg_sys_event) - 1;
	assert_einval();
	build_exec();
	rec.hdr.size = sizeof(struct vg_exec_event) - 1;
	rec.exec.str[0].off = rec.exec.str[1].off = rec.exec.str[2].off = rec.exec.str[3].off = 0;
	assert_einval();
	unit_rec_init(&rec, VG_EV_PROC_FORK, sizeof(struct vg_fork_event) - 1);
	assert_einval();
	unit_rec_init(&rec, VG_EV_PROC_EXIT, sizeof(struct vg_exit_event) - 1);
	assert_einval();
	unit_rec_init(&rec, VG_EV_PROC_EXIT, sizeof(struct vg_hdr));
	assert_einval();
}

static void test_bad_slot_in_header(void **state)
{
	/* a string slot must not point into the fixed part */
	build_openat();
	rec.sys.str[0].off = 8;
	assert_einval();
	build_openat();
	rec.sys.str[1].off = sizeof(struct vg_sys_event) - 1;
	rec.sys.str[1].len = 1;
	assert_einval();
	build_exec();
	rec.exec.str[VG_EXEC_CWD].off = offsetof(struct vg_exec_event, tty);
	rec.exec.str[VG_EXEC_CWD].len = 4;
	assert_einval();
}

static void test_bad_slot_past_end(void **state)
{
	/* slot 1 is the record's last string: 11 bytes and the NUL */
	build_openat();
	rec.sys.str[1].len = 13; /* one past the record */
	assert_einval();
	build_openat();
	rec.sys.str[0].off = (__u16)rec.len;
	rec.sys.str[0].len = 1;
	assert_einval();
	build_openat();
	rec.sys.str[0].len = 0xffff;
	assert_einval();
	/* bytes past hdr.size do not count, even if the sample has them */
	build_openat();
	rec.sys.str[1].len = 13;
	assert_int_equal(vg_decode(rec.bytes, rec.len + 8, &(struct vg_event){ 0 }), -EINVAL);
	/* same for exec */
	build_exec();
	rec.exec.str[VG_EXEC_ARGS].len = (__u16)(rec.len - rec.exec.str[VG_EXEC_ARGS].off + 1);
	assert_einval();
	/* an exact fit is fine */
	build_openat();
	rec.sys.str[1].len = 12; /* the NUL */
	assert_int_equal(vg_decode(rec.bytes, rec.len, &(struct vg_event){ 0 }), 0);
}

static void test_bad_nstr(void **state)
{
	build_openat();
	rec.sys.nstr = VG_NSTR + 1;
	assert_einval();
	rec.sys.nstr = 0xff;
	assert_einval();
	rec.sys.nstr = VG_NSTR;
	assert_int_equal(vg_decode(rec.bytes, rec.len, &(struct vg_event){ 0 }), 0);
}

static void test_bad_type(void **state)
{
	static const unsigned bad[] = { VG_EV_NONE, 4, 5, 6, 7, VG_EV_SYS_END_, VG_EV_MAX, 0xffff };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		build_openat();
		rec.hdr.type = (__u16)bad[i];
		assert_einval();
	}
	/* a short record of an unknown type, too */
	unit_rec_init(&rec, 0x1234, sizeof(struct vg_hdr));
	assert_einval();
}

static void test_bad_path_slot(void **state)
{
	build_openat();
	rec.sys.path_slot = VG_NSTR;
	assert_einval();
	rec.sys.path_slot = 0xfffe;
	assert_einval();
	/* in range but absent: fine, no path */
	rec.sys.path_slot = 3;
	{
		struct vg_event ev;

		assert_int_equal(decode(&ev), 0);
		assert_null(ev.path.p);
	}
}

/* --- socket addresses --------------------------------------------------------- */

static struct vg_strv strv(const void *p, size_t len)
{
	return (struct vg_strv){ .p = p, .len = len };
}

static void test_addr_inet(void **state)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(443) };
	struct vg_addr a;

	inet_pton(AF_INET, "10.1.2.3", &sin.sin_addr);
	assert_true(vg_addr_from_sockaddr(strv(&sin, sizeof(sin)), &a));
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.port, 443);
	assert_memory_equal(a.ip, "\x0a\x01\x02\x03", 4);
	assert_null(a.path.p);
	/* longer buffers are fine, shorter ones are not */
	{
		unsigned char big[VG_SOCKADDR_MAX] = { 0 };

		memcpy(big, &sin, sizeof(sin));
		assert_true(vg_addr_from_sockaddr(strv(big, sizeof(big)), &a));
		assert_int_equal(a.port, 443);
	}
	assert_false(vg_addr_from_sockaddr(strv(&sin, sizeof(sin) - 1), &a));
	assert_int_equal(a.family, 0);
}

static void test_addr_inet6(void **state)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(8443) };
	struct vg_addr a;
	unsigned char want[16];

	inet_pton(AF_INET6, "2001:db8::1", &sin6.sin6_addr);
	inet_pton(AF_INET6, "2001:db8::1", want);
	assert_true(vg_addr_from_sockaddr(strv(&sin6, sizeof(sin6)), &a));
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(a.port, 8443);
	assert_memory_equal(a.ip, want, 16);
	assert_false(vg_addr_from_sockaddr(strv(&sin6, sizeof(sin6) - 1), &a));
	assert_int_equal(a.family, 0);
}

static void test_addr_unaligned(void **state)
{
	/* slots are at any offset in a record: no alignment may be assumed */
	unsigned char buf[1 + sizeof(struct sockaddr_in6)];
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(53) };
	struct vg_addr a;

	sin6.sin6_addr = in6addr_loopback;
	memcpy(buf + 1, &sin6, sizeof(sin6));
	assert_true(vg_addr_from_sockaddr(strv(buf + 1, sizeof(sin6)), &a));
	assert_int_equal(a.port, 53);
	assert_int_equal(a.ip[15], 1);
}

static void test_addr_unix(void **state)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t off = offsetof(struct sockaddr_un, sun_path);
	struct vg_addr a;

	strcpy(sun.sun_path, "/run/x.sock");
	/* addrlen counting the NUL */
	assert_true(vg_addr_from_sockaddr(strv(&sun, off + 12), &a));
	assert_int_equal(a.family, AF_UNIX);
	assert_int_equal(a.port, 0);
	assert_strv(a.path, "/run/x.sock");
	assert_ptr_equal(a.path.p, sun.sun_path);
	/* the whole struct: stops at the NUL */
	assert_true(vg_addr_from_sockaddr(strv(&sun, sizeof(sun)), &a));
	assert_strv(a.path, "/run/x.sock");
	/* not NUL-terminated within addrlen: bounded by addrlen */
	assert_true(vg_addr_from_sockaddr(strv(&sun, off + 4), &a));
	assert_strv(a.path, "/run");
	/* unnamed: family only */
	assert_true(vg_addr_from_sockaddr(strv(&sun, off), &a));
	assert_int_equal(a.family, AF_UNIX);
	assert_int_equal(a.path.len, 0);
}

static void test_addr_unix_abstract(void **state)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t off = offsetof(struct sockaddr_un, sun_path);
	struct vg_addr a;

	/* abstract: leading NUL kept, exactly addrlen bytes, NULs inside too */
	memcpy(sun.sun_path, "\0ab\0c", 5);
	assert_true(vg_addr_from_sockaddr(strv(&sun, off + 5), &a));
	assert_int_equal(a.family, AF_UNIX);
	assert_strv(a.path, "\0ab\0c");
	assert_true(vg_addr_from_sockaddr(strv(&sun, off + 1), &a));
	assert_strv(a.path, "\0");
}

static void test_addr_bad(void **state)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr_storage ss = { .ss_family = AF_NETLINK };
	struct vg_addr a;

	memset(&a, 0x5a, sizeof(a));
	assert_false(vg_addr_from_sockaddr(strv(NULL, 16), &a));
	assert_int_equal(a.family, 0);
	assert_null(a.path.p);
	assert_false(vg_addr_from_sockaddr(strv(&sin, 0), &a));
	assert_false(vg_addr_from_sockaddr(strv(&sin, 1), &a));
	assert_false(vg_addr_from_sockaddr(strv(&sin, 2), &a));
	assert_false(vg_addr_from_sockaddr(strv(&ss, sizeof(ss)), &a));
	assert_int_equal(a.family, 0);
	ss.ss_family = AF_UNSPEC;
	assert_false(vg_addr_from_sockaddr(strv(&ss, sizeof(ss)), &a));
	ss.ss_family = 0xffff;
	assert_false(vg_addr_from_sockaddr(strv(&ss, sizeof(ss)), &a));
}

static void test_addr_from_sock(void **state)
{
	struct vg_sock s = { .family = AF_INET, .lport = 40000, .rport = 443 };
	struct vg_addr a;

	memcpy(s.laddr, "\xc0\xa8\x01\x02", 4);
	memcpy(s.raddr, "\x08\x08\x08\x08", 4);
	vg_addr_from_sock(&s, false, &a);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.port, 40000);
	assert_memory_equal(a.ip, "\xc0\xa8\x01\x02", 4);
	assert_null(a.path.p);
	vg_addr_from_sock(&s, true, &a);
	assert_int_equal(a.port, 443);
	assert_memory_equal(a.ip, "\x08\x08\x08\x08", 4);

	s.family = AF_INET6;
	memcpy(s.raddr, &in6addr_loopback, 16);
	vg_addr_from_sock(&s, true, &a);
	assert_int_equal(a.family, AF_INET6);
	assert_memory_equal(a.ip, &in6addr_loopback, 16);

	/* other families (and "not read") give an empty address */
	s.family = AF_UNIX;
	memset(&a, 0x5a, sizeof(a));
	vg_addr_from_sock(&s, true, &a);
	assert_int_equal(a.family, 0);
	assert_int_equal(a.port, 0);
	s.family = 0;
	vg_addr_from_sock(&s, false, &a);
	assert_int_equal(a.family, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sys_openat),
		cmocka_unit_test(test_sys_absent_string),
		cmocka_unit_test(test_sys_no_path),
		cmocka_unit_test(test_sys_empty_string),
		cmocka_unit_test(test_sys_connect),
		cmocka_unit_test(test_sys_mount_slots),
		cmocka_unit_test(test_sys_trailing_bytes),
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_exec_absent_slots),
		cmocka_unit_test(test_fork),
		cmocka_unit_test(test_exit),
		cmocka_unit_test(test_bad_short_header),
		cmocka_unit_test(test_bad_size),
		cmocka_unit_test(test_bad_short_fixed),
		cmocka_unit_test(test_bad_slot_in_header),
		cmocka_unit_test(test_bad_slot_past_end),
		cmocka_unit_test(test_bad_nstr),
		cmocka_unit_test(test_bad_type),
		cmocka_unit_test(test_bad_path_slot),
		cmocka_unit_test(test_addr_inet),
		cmocka_unit_test(test_addr_inet6),
		cmocka_unit_test(test_addr_unaligned),
		cmocka_unit_test(test_addr_unix),
		cmocka_unit_test(test_addr_unix_abstract),
		cmocka_unit_test(test_addr_bad),
		cmocka_unit_test(test_addr_from_sock),
	};

	return cmocka_run_group_tests_name("decode", tests, NULL, NULL);
}
