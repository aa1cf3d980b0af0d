// SPDX-License-Identifier: Apache-2.0
/* Unit tests: pipeline/syscalls (the descriptor table) and pipeline/flags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <string.h>

#include "common/strbuf.h"
#include "pipeline/flags.h"
#include "pipeline/syscalls.h"

/* CLONE_NEWTIME (since 5.6) is missing from older libc headers */
#define CLONE_NEWTIME_BIT 0x80

/* --- the table ------------------------------------------------------------- */

static bool is_str_arg(enum vg_atype t)
{
	return t == VG_AT_PATH || t == VG_AT_STR || t == VG_AT_SOCKADDR;
}

static void test_table_rows(void **state)
{
	size_t n = vg_sc_count();

	assert_int_equal(n, VG_EV_SYS_END_ - VG_EV_SYS_BASE);
	assert_true(n > 0);
	for (size_t i = 0; i < n; i++) {
		const struct vg_sc_desc *d = vg_sc_at(i);
		unsigned nstr = 0;

		assert_non_null(d);
		assert_non_null(d->name);
		assert_true(d->name[0] != '\0');
		assert_in_range(d->nr, 0, VG_NR_MAX - 1);
		assert_in_range(d->ev, VG_EV_SYS_BASE, VG_EV_SYS_END_ - 1);
		assert_int_equal(d->ev, VG_EV_SYS_BASE + i);
		assert_in_range(d->post, VG_POST_NONE, VG_POST_PIDFD_ARG0);
		/* round trips: the name and the event id are unique keys */
		assert_ptr_equal(vg_sc_by_name(d->name), d);
		assert_ptr_equal(vg_sc_by_ev(d->ev), d);
		assert_string_equal(vg_ev_name(d->ev), d->name);
		for (int a = 0; a < 6; a++) {
			/* an argument has a name exactly when it is used */
			if (d->args[a].type == VG_AT_NONE)
				assert_null(d->args[a].name);
			else
				assert_non_null(d->args[a].name);
			nstr += is_str_arg(d->args[a].type);
		}
		/* the strings and the resolved path fit the record's slots */
		if (d->post == VG_POST_FD_RET || d->post == VG_POST_FD_ARG0 ||
		    d->post == VG_POST_CWD)
			nstr++;
		if (nstr > VG_NSTR)
			fail_msg("%s needs %u string slots", d->name, nstr);
	}
	assert_null(vg_sc_at(n));
	assert_null(vg_sc_at((size_t)-1));
}

/* The ia32 rows: i386's numbers, with the 16/32-bit-id and 64-bit-offset
 * variants as the same event, and no key shared by two syscalls. */
static void test_table_ia32_keys(void **state)
{
	static bool used[VG_SC_TABLE_SIZE];
	uint32_t keys[VG_SC_KEYS_MAX];
	int nr32[VG_SC_NR32_MAX];
	size_t n;

	(void)state;
	memset(used, 0, sizeof(used));
	for (size_t i = 0; i < vg_sc_count(); i++) {
		n = vg_sc_keys(vg_sc_at(i), keys);
		assert_in_range(n, 1, VG_SC_KEYS_MAX);
		assert_int_equal(keys[0], (uint32_t)vg_sc_at(i)->nr);
		for (size_t k = 0; k < n; k++) {
			assert_true(keys[k] < VG_SC_TABLE_SIZE);
			if (used[keys[k]])
				fail_msg("%s: key %u used twice", vg_sc_at(i)->name, keys[k]);
			used[keys[k]] = true;
			if (k)
				assert_true(keys[k] >= VG_NR_COMPAT);
		}
	}
	/* i386: open 5, openat 295, setuid 23 and setuid32 213, truncate 92
	 * and truncate64 193, umount2 52 and umount 22; accept: none */
	n = vg_sc_nr32(vg_sc_by_name("open"), nr32);
	assert_int_equal(n, 1);
	assert_int_equal(nr32[0], 5);
	n = vg_sc_nr32(vg_sc_by_name("openat"), nr32);
	assert_int_equal(n, 1);
	assert_int_equal(nr32[0], 295);
	n = vg_sc_nr32(vg_sc_by_name("setuid"), nr32);
	assert_int_equal(n, 2);
	assert_int_equal(nr32[0], 213);
	assert_int_equal(nr32[1], 23);
	n = vg_sc_nr32(vg_sc_by_name("truncate"), nr32);
	assert_int_equal(n, 2);
	assert_int_equal(nr32[0], 193);
	assert_int_equal(nr32[1], 92);
	n = vg_sc_nr32(vg_sc_by_name("umount2"), nr32);
	assert_int_equal(n, 2);
	assert_int_equal(nr32[0], 52);
	assert_int_equal(nr32[1], 22);
	assert_int_equal(vg_sc_nr32(vg_sc_by_name("accept"), nr32), 0);
	n = vg_sc_nr32(vg_sc_by_name("init_module"), nr32);
	assert_int_equal(n, 1);
	assert_int_equal(nr32[0], 128);
}

static void test_table_unique_nr(void **state)
{
	/* the kernel's dispatcher table is indexed by nr: one row each */
	for (size_t i = 0; i < vg_sc_count(); i++)
		for (size_t j = i + 1; j < vg_sc_count(); j++)
			if (vg_sc_at(i)->nr == vg_sc_at(j)->nr)
				fail_msg("%s and %s share nr %d", vg_sc_at(i)->name,
					 vg_sc_at(j)->name, vg_sc_at(i)->nr);
}

static void test_table_known_rows(void **state)
{
	const struct vg_sc_desc *d;

	/* x86_64 numbers */
	d = vg_sc_by_name("openat");
	assert_non_null(d);
	assert_int_equal(d->nr, 257);
	assert_int_equal(d->ev, VG_EV_SYS_openat);
	assert_int_equal(d->post, VG_POST_FD_RET);
	assert_int_equal(d->args[0].type, VG_AT_DIRFD);
	assert_string_equal(d->args[0].name, "dirfd");
	assert_int_equal(d->args[1].type, VG_AT_PATH);
	assert_string_equal(d->args[1].name, "name");
	assert_int_equal(d->args[2].type, VG_AT_OFLAGS);
	assert_string_equal(d->args[2].name, "flags");
	assert_int_equal(d->args[3].type, VG_AT_MODE);
	assert_int_equal(d->args[4].type, VG_AT_NONE);

	assert_int_equal(vg_sc_by_name("execve")->nr, 59);
	assert_int_equal(vg_sc_by_name("connect")->nr, 42);
	assert_int_equal(vg_sc_by_name("connect")->post, VG_POST_SOCK_ARG0);
	assert_int_equal(vg_sc_by_name("clone")->nr, 56);
	assert_int_equal(vg_sc_by_name("ptrace")->nr, 101);
	assert_int_equal(vg_sc_by_name("bpf")->nr, 321);
	assert_int_equal(vg_sc_by_name("chdir")->post, VG_POST_CWD);
	/* a socket duplicated onto stdio carries its tuple (reverse shells) */
	assert_int_equal(vg_sc_by_name("dup")->post, VG_POST_SOCK_ARG0);
	assert_int_equal(vg_sc_by_name("dup2")->post, VG_POST_SOCK_ARG0);
	assert_int_equal(vg_sc_by_name("dup3")->post, VG_POST_SOCK_ARG0);

	/* the first row is the first syscall id */
	assert_int_equal(VG_EV_SYS_open, VG_EV_SYS_BASE);
	assert_string_equal(vg_sc_at(0)->name, "open");
}

static void test_table_lookup_misses(void **state)
{
	assert_null(vg_sc_by_name("nosuchcall"));
	assert_null(vg_sc_by_name(""));
	assert_null(vg_sc_by_name("OPENAT"));
	assert_null(vg_sc_by_ev(VG_EV_NONE));
	assert_null(vg_sc_by_ev(VG_EV_PROC_EXEC));
	assert_null(vg_sc_by_ev(VG_EV_PROC_EXIT));
	assert_null(vg_sc_by_ev(VG_EV_SYS_BASE - 1));
	assert_null(vg_sc_by_ev(VG_EV_SYS_END_));
	assert_null(vg_sc_by_ev(VG_EV_MAX));
	assert_null(vg_sc_by_ev(~0u));
}

static void test_ev_name(void **state)
{
	assert_string_equal(vg_ev_name(VG_EV_PROC_EXEC), "execve");
	assert_string_equal(vg_ev_name(VG_EV_PROC_FORK), "procfork");
	assert_string_equal(vg_ev_name(VG_EV_PROC_EXIT), "procexit");
	assert_string_equal(vg_ev_name(VG_EV_SYS_openat), "openat");
	assert_string_equal(vg_ev_name(VG_EV_SYS_execve), "execve");
	assert_null(vg_ev_name(VG_EV_NONE));
	for (unsigned ev = VG_EV_PROC_EXIT + 1; ev < VG_EV_SYS_BASE; ev++)
		assert_null(vg_ev_name(ev));
	assert_null(vg_ev_name(VG_EV_SYS_END_));
	assert_null(vg_ev_name(1000));
}

/* --- the kernel's rows ---------------------------------------------------- */

static void test_conf_fill_all(void **state)
{
	for (size_t i = 0; i < vg_sc_count(); i++) {
		const struct vg_sc_desc *d = vg_sc_at(i);
		struct vg_sc_conf c;

		memset(&c, 0xa5, sizeof(c));
		vg_sc_conf_fill(d, &c);
		assert_int_equal(c.ev, d->ev);
		assert_int_equal(c.post, d->post);
		assert_int_equal(c.pad2, 0);
		for (int a = 0; a < 6; a++) {
			enum vg_atype t = d->args[a].type;
			uint8_t want;

			switch (t) {
			case VG_AT_PATH:
				/* an open's name needs no base: its fd is walked */
				want = d->post == VG_POST_FD_RET ? VG_KARG_USTR : VG_KARG_UPATH;
				break;
			case VG_AT_DIRFD:
				want = d->post == VG_POST_FD_RET ? VG_KARG_RAW : VG_KARG_DIRFD;
				break;
			case VG_AT_STR:
				want = VG_KARG_USTR;
				break;
			case VG_AT_SOCKADDR:
				want = VG_KARG_SOCKADDR;
				break;
			case VG_AT_OPEN_HOW:
				want = VG_KARG_OPEN_HOW;
				break;
			case VG_AT_CLONE_ARGS:
				want = VG_KARG_CLONE_ARGS;
				break;
			case VG_AT_CAPDATA:
				want = VG_KARG_CAPDATA;
				break;
			default:
				want = VG_KARG_RAW;
				break;
			}
			/* sendmsg's address is msg_name inside its msghdr */
			if (d->ev == VG_EV_SYS_sendmsg && a == 1)
				want = VG_KARG_MSGHDR;
			if (c.karg[a] != want)
				fail_msg("%s arg %d: karg %u, want %u", d->name, a, c.karg[a], want);
		}
	}
}

/* The slots before the resolved path: a string 1, a path or sockaddr 2
 * (with its base); the kernel puts the resolved path after them. */
static void test_conf_arg_slots(void **state)
{
	static const struct {
		const char *name;
		int slots;
	} want[] = {
		{ "openat", 1 }, { "renameat2", 4 }, { "connect", 2 }, { "unlinkat", 2 },
		{ "kill", 0 }, { "linkat", 4 }, { "execve", 2 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct vg_sc_desc *d = vg_sc_by_name(want[i].name);
		struct vg_sc_conf c;

		assert_non_null(d);
		vg_sc_conf_fill(d, &c);
		if (c.arg_slots != want[i].slots)
			fail_msg("%s: arg_slots %u, want %d", want[i].name, c.arg_slots, want[i].slots);
	}
}

static void conf_of(const char *name, struct vg_sc_conf *c)
{
	const struct vg_sc_desc *d = vg_sc_by_name(name);

	assert_non_null(d);
	vg_sc_conf_fill(d, c);
}

static void test_conf_fill_rows(void **state)
{
	static const uint8_t openat_k[6] = { VG_KARG_RAW, VG_KARG_USTR, VG_KARG_RAW,
					     VG_KARG_RAW, VG_KARG_RAW, VG_KARG_RAW };
	static const uint8_t connect_k[6] = { VG_KARG_RAW, VG_KARG_SOCKADDR, VG_KARG_RAW,
					      VG_KARG_RAW, VG_KARG_RAW, VG_KARG_RAW };
	static const uint8_t mount_k[6] = { VG_KARG_USTR, VG_KARG_UPATH, VG_KARG_USTR,
					    VG_KARG_RAW, VG_KARG_RAW, VG_KARG_RAW };
	struct vg_sc_conf c;

	conf_of("openat", &c);
	assert_int_equal(c.ev, VG_EV_SYS_openat);
	assert_int_equal(c.post, VG_POST_FD_RET);
	assert_int_equal(c.flags, 0);
	assert_memory_equal(c.karg, openat_k, 6);

	conf_of("connect", &c);
	assert_memory_equal(c.karg, connect_k, 6);
	assert_int_equal(c.post, VG_POST_SOCK_ARG0);
	conf_of("bind", &c);
	assert_memory_equal(c.karg, connect_k, 6);

	conf_of("mount", &c);
	assert_memory_equal(c.karg, mount_k, 6);

	conf_of("openat2", &c);
	assert_int_equal(c.karg[1], VG_KARG_USTR);
	assert_int_equal(c.karg[2], VG_KARG_OPEN_HOW);
	conf_of("clone3", &c);
	assert_int_equal(c.karg[0], VG_KARG_CLONE_ARGS);
	conf_of("capset", &c);
	assert_int_equal(c.karg[0], VG_KARG_RAW);
	assert_int_equal(c.karg[1], VG_KARG_CAPDATA);
	conf_of("symlinkat", &c);
	assert_int_equal(c.karg[0], VG_KARG_USTR);
	assert_int_equal(c.karg[1], VG_KARG_DIRFD);
	assert_int_equal(c.karg[2], VG_KARG_UPATH);
}

static void test_conf_fill_flags(void **state)
{
	struct vg_sc_conf c;

	conf_of("execve", &c);
	assert_int_equal(c.flags, VG_SCF_FAIL_ONLY);
	conf_of("execveat", &c);
	assert_int_equal(c.flags, VG_SCF_FAIL_ONLY);
	conf_of("clone", &c);
	assert_int_equal(c.flags, VG_SCF_SKIP_ZERO);
	conf_of("clone3", &c);
	assert_int_equal(c.flags, VG_SCF_SKIP_ZERO);
	conf_of("fork", &c);
	assert_int_equal(c.flags, VG_SCF_SKIP_ZERO);
	conf_of("vfork", &c);
	assert_int_equal(c.flags, VG_SCF_SKIP_ZERO);
	conf_of("open", &c);
	assert_int_equal(c.flags, 0);
	conf_of("kill", &c);
	assert_int_equal(c.flags, 0);
}

/* --- flags ---------------------------------------------------------------- */

/* Render v as t into a fresh buffer; compare with want (NULL: no symbolic
 * form). Failures are reported at the caller's line. */
#define check_render(t, v, want) check_render_at(t, v, want, __FILE__, __LINE__)
static void check_render_at(enum vg_atype t, uint64_t v, const char *want, const char *file,
			    int line)
{
	struct strbuf sb = STRBUF_INIT;
	int rc = vg_flags_render(&sb, t, v);

	if (!want) {
		_assert_int_equal(rc, -1, file, line);
		_assert_int_equal(sb.len, 0, file, line);
	} else {
		_assert_int_equal(rc, 0, file, line);
		_assert_string_equal(sb.buf, want, file, line);
	}
	strbuf_release(&sb);
}

static void test_flags_open(void **state)
{
	check_render(VG_AT_OFLAGS, O_WRONLY | O_CREAT | O_TRUNC, "O_WRONLY|O_CREAT|O_TRUNC");
	check_render(VG_AT_OFLAGS, O_RDONLY, "O_RDONLY");
	check_render(VG_AT_OFLAGS, O_RDWR | O_CLOEXEC, "O_RDWR|O_CLOEXEC");
	check_render(VG_AT_OFLAGS, O_ACCMODE, "O_ACCMODE");
	check_render(VG_AT_OFLAGS, O_RDONLY | O_DIRECTORY | O_NOFOLLOW,
		     "O_RDONLY|O_DIRECTORY|O_NOFOLLOW");
	check_render(VG_AT_OFLAGS, O_WRONLY | O_APPEND | O_NONBLOCK, "O_WRONLY|O_APPEND|O_NONBLOCK");
	check_render(VG_AT_OFLAGS, O_PATH, "O_RDONLY|O_PATH");
	/* O_TMPFILE includes the O_DIRECTORY bit: named once, as O_TMPFILE */
	check_render(VG_AT_OFLAGS, O_TMPFILE | O_RDWR, "O_RDWR|O_TMPFILE");
	check_render(VG_AT_OFLAGS, O_TMPFILE | O_WRONLY | O_EXCL, "O_WRONLY|O_TMPFILE|O_EXCL");
	/* O_SYNC includes O_DSYNC */
	check_render(VG_AT_OFLAGS, O_WRONLY | O_SYNC, "O_WRONLY|O_SYNC");
	check_render(VG_AT_OFLAGS, O_WRONLY | O_DSYNC, "O_WRONLY|O_DSYNC");
	/* the kernel's O_LARGEFILE (glibc defines O_LARGEFILE as 0 on x86_64) */
	check_render(VG_AT_OFLAGS, 0100000, "O_RDONLY|O_LARGEFILE");
	/* unknown bits as hex */
	check_render(VG_AT_OFLAGS, 0x40000000, "O_RDONLY|0x40000000");
	check_render(VG_AT_OFLAGS, O_CREAT | 0x40000000, "O_RDONLY|O_CREAT|0x40000000");
	check_render(VG_AT_OFLAGS, (1ull << 40) | O_RDWR, "O_RDWR|0x10000000000");
}

static void test_flags_clone(void **state)
{
	check_render(VG_AT_CLONE_FLAGS, CLONE_NEWNS | CLONE_NEWPID, "CLONE_NEWNS|CLONE_NEWPID");
	check_render(VG_AT_CLONE_FLAGS, CLONE_NEWUSER | CLONE_NEWNET,
		     "CLONE_NEWUSER|CLONE_NEWNET");
	/* clone(2): the low byte is the exit signal */
	check_render(VG_AT_CLONE_FLAGS, CLONE_VM | CLONE_VFORK | SIGCHLD,
		     "CLONE_VM|CLONE_VFORK|SIGCHLD");
	check_render(VG_AT_CLONE_FLAGS, CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD,
		     "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD");
	check_render(VG_AT_CLONE_FLAGS,
		     CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
			     CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID |
			     CLONE_CHILD_CLEARTID,
		     "CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|"
		     "CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID");
	/* unknown bits as hex */
	check_render(VG_AT_CLONE_FLAGS, CLONE_NEWNS | (1ull << 40), "CLONE_NEWNS|0x10000000000");
	check_render(VG_AT_CLONE_FLAGS, 0, "0x0");
	/* fork() as glibc issues it: only the exit signal */
	check_render(VG_AT_CLONE_FLAGS, SIGCHLD, "SIGCHLD");
	/* a low byte that is no signal stays visible */
	check_render(VG_AT_CLONE_FLAGS, CLONE_VM | 0x7f, "CLONE_VM|0x7f");
}

static void test_flags_ns(void **state)
{
	/* unshare(2), setns(2): the low byte is CLONE_NEWTIME, not a signal */
	check_render(VG_AT_NS_FLAGS, CLONE_NEWTIME_BIT, "CLONE_NEWTIME");
	check_render(VG_AT_NS_FLAGS, CLONE_NEWNS | CLONE_NEWUSER, "CLONE_NEWNS|CLONE_NEWUSER");
	check_render(VG_AT_NS_FLAGS, 0, "0x0");
	assert_int_equal(vg_sc_by_name("unshare")->args[0].type, VG_AT_NS_FLAGS);
	assert_int_equal(vg_sc_by_name("setns")->args[1].type, VG_AT_NS_FLAGS);
}

static void test_flags_clone_args(void **state)
{
	/* clone3's clone_args.flags has no signal in its low byte (exit_signal
	 * is a separate field): bits there are flags, or unknown. */
	check_render(VG_AT_CLONE_ARGS, CLONE_NEWNS | CLONE_NEWPID, "CLONE_NEWNS|CLONE_NEWPID");
	check_render(VG_AT_CLONE_ARGS, 0x80, "CLONE_NEWTIME");
	check_render(VG_AT_CLONE_ARGS, CLONE_VM | 0x11, "CLONE_VM|0x11");
	check_render(VG_AT_CLONE_ARGS, CLONE_PIDFD | (1ull << 33), "CLONE_PIDFD|0x200000000");
}

static void test_flags_mount_at(void **state)
{
	check_render(VG_AT_MOUNT_FLAGS, MS_BIND | MS_REC, "MS_BIND|MS_REC");
	/* the pre-2.4 magic in the high half is not a set of flags */
	check_render(VG_AT_MOUNT_FLAGS, 0xc0ed0000ull | MS_RDONLY, "MS_RDONLY");
	check_render(VG_AT_MOUNT_FLAGS, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_REMOUNT,
		     "MS_RDONLY|MS_NOSUID|MS_NODEV|MS_REMOUNT");
	check_render(VG_AT_MOUNT_FLAGS, 0, "0x0");
	/* the upper half of the register is not part of mount flags */
	check_render(VG_AT_MOUNT_FLAGS, 0xdead000000000000ull | MS_BIND, "MS_BIND");
	check_render(VG_AT_ATFLAGS, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH,
		     "AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH");
	check_render(VG_AT_ATFLAGS, AT_REMOVEDIR, "AT_REMOVEDIR");
	check_render(VG_AT_ATFLAGS, AT_REMOVEDIR | 0x1, "AT_REMOVEDIR|0x1");
}

static void test_flags_values(void **state)
{
	check_render(VG_AT_SIGNAL, 9, "SIGKILL");
	check_render(VG_AT_SIGNAL, SIGTERM, "SIGTERM");
	check_render(VG_AT_SIGNAL, SIGCHLD, "SIGCHLD");
	check_render(VG_AT_SIGNAL, 0, "0");
	check_render(VG_AT_SIGNAL, 200, "200");
	check_render(VG_AT_PTRACE_REQ, 16, "PTRACE_ATTACH");
	check_render(VG_AT_PTRACE_REQ, 0, "PTRACE_TRACEME");
	check_render(VG_AT_PTRACE_REQ, 0x4206, "PTRACE_SEIZE");
	check_render(VG_AT_PTRACE_REQ, 12345, "12345");
	check_render(VG_AT_BPF_CMD, 5, "BPF_PROG_LOAD");
	check_render(VG_AT_BPF_CMD, 25, "BPF_MAP_LOOKUP_AND_DELETE_BATCH");
	check_render(VG_AT_BPF_CMD, 0, "BPF_MAP_CREATE");
	check_render(VG_AT_BPF_CMD, 28, "BPF_LINK_CREATE");
	check_render(VG_AT_BPF_CMD, 9999, "9999");
}

static void test_flags_no_symbolic_form(void **state)
{
	check_render(VG_AT_INT, 5, NULL);
	check_render(VG_AT_UINT, 5, NULL);
	check_render(VG_AT_HEX, 5, NULL);
	check_render(VG_AT_FD, 3, NULL);
	check_render(VG_AT_PATH, 0, NULL);
	check_render(VG_AT_MODE, 0644, NULL);
	check_render(VG_AT_NONE, 0, NULL);
}

static void test_flags_append(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	/* the renderer appends, it does not replace */
	strbuf_addstr(&sb, "flags=");
	assert_int_equal(vg_flags_render(&sb, VG_AT_OFLAGS, O_WRONLY | O_CREAT), 0);
	strbuf_addch(&sb, ' ');
	assert_int_equal(vg_flags_render(&sb, VG_AT_SIGNAL, SIGKILL), 0);
	assert_string_equal(sb.buf, "flags=O_WRONLY|O_CREAT SIGKILL");
	strbuf_release(&sb);
}

static void test_errno_name(void **state)
{
	assert_string_equal(vg_errno_name(2), "ENOENT");
	assert_string_equal(vg_errno_name(1), "EPERM");
	assert_string_equal(vg_errno_name(13), "EACCES");
	assert_string_equal(vg_errno_name(110), "ETIMEDOUT");
	assert_null(vg_errno_name(100000));
	assert_null(vg_errno_name(-1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_rows),
		cmocka_unit_test(test_table_unique_nr),
		cmocka_unit_test(test_table_ia32_keys),
		cmocka_unit_test(test_table_known_rows),
		cmocka_unit_test(test_table_lookup_misses),
		cmocka_unit_test(test_ev_name),
		cmocka_unit_test(test_conf_fill_all),
		cmocka_unit_test(test_conf_arg_slots),
		cmocka_unit_test(test_conf_fill_rows),
		cmocka_unit_test(test_conf_fill_flags),
		cmocka_unit_test(test_flags_open),
		cmocka_unit_test(test_flags_clone),
		cmocka_unit_test(test_flags_ns),
		cmocka_unit_test(test_flags_clone_args),
		cmocka_unit_test(test_flags_mount_at),
		cmocka_unit_test(test_flags_values),
		cmocka_unit_test(test_flags_no_symbolic_form),
		cmocka_unit_test(test_flags_append),
		cmocka_unit_test(test_errno_name),
	};

	return cmocka_run_group_tests_name("syscalls", tests, NULL, NULL);
}
