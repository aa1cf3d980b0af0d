// SPDX-License-Identifier: Apache-2.0
/* Symbolic names for argument values; see flags.h. */
#include "pipeline/flags.h"

#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>

struct bitname {
	uint64_t bit;
	const char *name;
};

struct valname {
	int64_t val;
	const char *name;
};

#define B(x) { x, #x }
#define V(x) { x, #x }

static const struct bitname clone_bits[] = {
	B(CLONE_VM), B(CLONE_FS), B(CLONE_FILES), B(CLONE_SIGHAND), B(CLONE_PIDFD),
	B(CLONE_PTRACE), B(CLONE_VFORK), B(CLONE_PARENT), B(CLONE_THREAD), B(CLONE_NEWNS),
	B(CLONE_SYSVSEM), B(CLONE_SETTLS), B(CLONE_PARENT_SETTID), B(CLONE_CHILD_CLEARTID),
	B(CLONE_UNTRACED), B(CLONE_CHILD_SETTID), B(CLONE_NEWCGROUP), B(CLONE_NEWUTS),
	B(CLONE_NEWIPC), B(CLONE_NEWUSER), B(CLONE_NEWPID), B(CLONE_NEWNET), B(CLONE_IO),
	{ 0x80ull, "CLONE_NEWTIME" }, { 0, NULL },
};

static const struct bitname mount_bits[] = {
	B(MS_RDONLY), B(MS_NOSUID), B(MS_NODEV), B(MS_NOEXEC), B(MS_SYNCHRONOUS), B(MS_REMOUNT),
	B(MS_MANDLOCK), B(MS_DIRSYNC), B(MS_NOATIME), B(MS_NODIRATIME), B(MS_BIND), B(MS_MOVE),
	B(MS_REC), B(MS_SILENT), B(MS_POSIXACL), B(MS_UNBINDABLE), B(MS_PRIVATE), B(MS_SLAVE),
	B(MS_SHARED), B(MS_RELATIME), B(MS_KERNMOUNT), B(MS_I_VERSION), B(MS_STRICTATIME),
	B(MS_LAZYTIME), { 0, NULL },
};

/* Composite flags (O_SYNC contains O_DSYNC, O_TMPFILE contains O_DIRECTORY)
 * come before their parts so that each bit is named once. O_LARGEFILE is the
 * kernel's value: glibc defines it as 0 on 64-bit, which would match always. */
static const struct bitname open_bits[] = {
	B(O_SYNC), B(O_TMPFILE), B(O_CREAT), B(O_EXCL), B(O_NOCTTY), B(O_TRUNC), B(O_APPEND),
	B(O_NONBLOCK), B(O_DSYNC), B(O_ASYNC), B(O_DIRECT), { 0100000, "O_LARGEFILE" },
	B(O_DIRECTORY), B(O_NOFOLLOW), B(O_NOATIME), B(O_CLOEXEC), B(O_PATH), { 0, NULL },
};

static const struct bitname msg_bits[] = {
	B(MSG_OOB), B(MSG_PEEK), B(MSG_DONTROUTE), B(MSG_CTRUNC), B(MSG_PROXY), B(MSG_TRUNC),
	B(MSG_DONTWAIT), B(MSG_EOR), B(MSG_WAITALL), B(MSG_FIN), B(MSG_SYN), B(MSG_CONFIRM),
	B(MSG_RST), B(MSG_ERRQUEUE), B(MSG_NOSIGNAL), B(MSG_MORE), B(MSG_WAITFORONE),
	B(MSG_BATCH), B(MSG_ZEROCOPY), B(MSG_FASTOPEN), B(MSG_CMSG_CLOEXEC), { 0, NULL },
};

static const struct bitname at_bits[] = {
	B(AT_SYMLINK_NOFOLLOW), B(AT_REMOVEDIR), B(AT_SYMLINK_FOLLOW), B(AT_NO_AUTOMOUNT),
	B(AT_EMPTY_PATH), { 0, NULL },
};

static const struct valname ptrace_reqs[] = {
	V(PTRACE_TRACEME), V(PTRACE_PEEKTEXT), V(PTRACE_PEEKDATA), V(PTRACE_PEEKUSER),
	V(PTRACE_POKETEXT), V(PTRACE_POKEDATA), V(PTRACE_POKEUSER), V(PTRACE_CONT),
	V(PTRACE_KILL), V(PTRACE_SINGLESTEP), V(PTRACE_GETREGS), V(PTRACE_SETREGS),
	V(PTRACE_ATTACH), V(PTRACE_DETACH), V(PTRACE_SYSCALL), V(PTRACE_SETOPTIONS),
	V(PTRACE_GETEVENTMSG), V(PTRACE_GETSIGINFO), V(PTRACE_SETSIGINFO), V(PTRACE_GETREGSET),
	V(PTRACE_SETREGSET), V(PTRACE_SEIZE), V(PTRACE_INTERRUPT), V(PTRACE_LISTEN),
	{ 0, NULL },
};

static const struct valname bpf_cmds[] = {
	V(BPF_MAP_CREATE), V(BPF_MAP_LOOKUP_ELEM), V(BPF_MAP_UPDATE_ELEM), V(BPF_MAP_DELETE_ELEM),
	V(BPF_MAP_GET_NEXT_KEY), V(BPF_PROG_LOAD), V(BPF_OBJ_PIN), V(BPF_OBJ_GET),
	V(BPF_PROG_ATTACH), V(BPF_PROG_DETACH), V(BPF_PROG_TEST_RUN), V(BPF_PROG_GET_NEXT_ID),
	V(BPF_MAP_GET_NEXT_ID), V(BPF_PROG_GET_FD_BY_ID), V(BPF_MAP_GET_FD_BY_ID),
	V(BPF_OBJ_GET_INFO_BY_FD), V(BPF_PROG_QUERY), V(BPF_RAW_TRACEPOINT_OPEN), V(BPF_BTF_LOAD),
	V(BPF_BTF_GET_FD_BY_ID), V(BPF_TASK_FD_QUERY), V(BPF_MAP_LOOKUP_AND_DELETE_ELEM),
	V(BPF_MAP_FREEZE), V(BPF_BTF_GET_NEXT_ID), V(BPF_MAP_LOOKUP_BATCH),
	V(BPF_MAP_UPDATE_BATCH), V(BPF_MAP_DELETE_BATCH), V(BPF_MAP_LOOKUP_AND_DELETE_BATCH), V(BPF_LINK_CREATE), V(BPF_LINK_UPDATE),
	V(BPF_LINK_GET_FD_BY_ID), V(BPF_LINK_GET_NEXT_ID), V(BPF_ENABLE_STATS),
	V(BPF_ITER_CREATE), V(BPF_LINK_DETACH), V(BPF_PROG_BIND_MAP), { 0, NULL },
};

static const struct valname sock_domains[] = {
	V(AF_UNIX), V(AF_INET), V(AF_INET6), V(AF_NETLINK), V(AF_PACKET), V(AF_BLUETOOTH),
	V(AF_ALG), V(AF_VSOCK), V(AF_XDP), V(AF_KEY), V(AF_CAN), V(AF_TIPC), { 0, NULL },
};

static const struct valname sock_types[] = {
	V(SOCK_STREAM), V(SOCK_DGRAM), V(SOCK_RAW), V(SOCK_RDM), V(SOCK_SEQPACKET),
	V(SOCK_DCCP), V(SOCK_PACKET), { 0, NULL },
};

#define CAP(x) [x] = #x
static const char *const cap_names[] = {
	CAP(CAP_CHOWN), CAP(CAP_DAC_OVERRIDE), CAP(CAP_DAC_READ_SEARCH), CAP(CAP_FOWNER),
	CAP(CAP_FSETID), CAP(CAP_KILL), CAP(CAP_SETGID), CAP(CAP_SETUID), CAP(CAP_SETPCAP),
	CAP(CAP_LINUX_IMMUTABLE), CAP(CAP_NET_BIND_SERVICE), CAP(CAP_NET_BROADCAST),
	CAP(CAP_NET_ADMIN), CAP(CAP_NET_RAW), CAP(CAP_IPC_LOCK), CAP(CAP_IPC_OWNER),
	CAP(CAP_SYS_MODULE), CAP(CAP_SYS_RAWIO), CAP(CAP_SYS_CHROOT), CAP(CAP_SYS_PTRACE),
	CAP(CAP_SYS_PACCT), CAP(CAP_SYS_ADMIN), CAP(CAP_SYS_BOOT), CAP(CAP_SYS_NICE),
	CAP(CAP_SYS_RESOURCE), CAP(CAP_SYS_TIME), CAP(CAP_SYS_TTY_CONFIG), CAP(CAP_MKNOD),
	CAP(CAP_LEASE), CAP(CAP_AUDIT_WRITE), CAP(CAP_AUDIT_CONTROL), CAP(CAP_SETFCAP),
	CAP(CAP_MAC_OVERRIDE), CAP(CAP_MAC_ADMIN), CAP(CAP_SYSLOG), CAP(CAP_WAKE_ALARM),
	CAP(CAP_BLOCK_SUSPEND), CAP(CAP_AUDIT_READ), CAP(CAP_PERFMON), CAP(CAP_BPF),
	CAP(CAP_CHECKPOINT_RESTORE),
};

static void render_bits(struct strbuf *sb, const struct bitname *tab, uint64_t v)
{
	bool any = false;

	for (; tab->name; tab++) {
		if ((v & tab->bit) == tab->bit) {
			strbuf_addf(sb, "%s%s", any ? "|" : "", tab->name);
			v &= ~tab->bit;
			any = true;
		}
	}
	if (v || !any)
		strbuf_addf(sb, "%s0x%llx", any ? "|" : "", (unsigned long long)v);
}

static int render_val(struct strbuf *sb, const struct valname *tab, int64_t v)
{
	for (; tab->name; tab++) {
		if (tab->val == v) {
			strbuf_addstr(sb, tab->name);
			return 0;
		}
	}
	strbuf_addf(sb, "%lld", (long long)v);
	return 0;
}

int vg_flags_render(struct strbuf *sb, enum vg_atype t, uint64_t v)
{
	switch (t) {
	case VG_AT_OFLAGS: {
		static const char *const acc[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };
		uint64_t rest = v & ~(uint64_t)O_ACCMODE;

		strbuf_addstr(sb, acc[v & O_ACCMODE]);
		if (rest) {
			strbuf_addch(sb, '|');
			render_bits(sb, open_bits, rest);
		}
		return 0;
	}
	case VG_AT_CLONE_FLAGS: {
		/* The low byte of clone(2) flags is the exit signal. */
		uint64_t sig = v & 0xff, rest = v & ~0xffull;
		const char *n = sig ? sigabbrev_np((int)sig) : NULL;

		if (rest || !sig)
			render_bits(sb, clone_bits, rest);
		if (sig && n)
			strbuf_addf(sb, "%sSIG%s", rest ? "|" : "", n);
		else if (sig)
			strbuf_addf(sb, "%s0x%llx", rest ? "|" : "", (unsigned long long)sig);
		return 0;
	}
	case VG_AT_CLONE_ARGS: /* clone3: exit_signal is its own field */
	case VG_AT_NS_FLAGS:   /* unshare, setns: CLONE_NEW* bits only */
		render_bits(sb, clone_bits, v);
		return 0;
	case VG_AT_MOUNT_FLAGS:
		/* Callers may still pass the pre-2.4 magic in the high half. */
		if ((v & 0xffff0000ull) == 0xc0ed0000ull)
			v &= 0xffffull;
		render_bits(sb, mount_bits, v & 0xffffffffull);
		return 0;
	case VG_AT_ATFLAGS:
		render_bits(sb, at_bits, v & 0xffffffffull);
		return 0;
	case VG_AT_MSG_FLAGS:
		render_bits(sb, msg_bits, v & 0xffffffffull);
		return 0;
	case VG_AT_SIGNAL: {
		const char *n = sigabbrev_np((int)v);

		if (n)
			strbuf_addf(sb, "SIG%s", n);
		else
			strbuf_addf(sb, "%lld", (long long)(int)v);
		return 0;
	}
	case VG_AT_PTRACE_REQ:
		return render_val(sb, ptrace_reqs, (int64_t)(long)v);
	case VG_AT_BPF_CMD:
		return render_val(sb, bpf_cmds, (int64_t)(int)v);
	case VG_AT_SOCK_DOMAIN:
		return render_val(sb, sock_domains, (int64_t)(int)v);
	case VG_AT_SOCK_TYPE:
		render_val(sb, sock_types, (int64_t)(v & 0xf));
		if (v & SOCK_NONBLOCK)
			strbuf_addstr(sb, "|SOCK_NONBLOCK");
		if (v & SOCK_CLOEXEC)
			strbuf_addstr(sb, "|SOCK_CLOEXEC");
		return 0;
	default:
		return -1;
	}
}

void vg_caps_render(struct strbuf *sb, uint64_t caps)
{
	const size_t ncaps = sizeof(cap_names) / sizeof(cap_names[0]);
	bool any = false;

	for (unsigned bit = 0; bit < 64; bit++) {
		if (!(caps & (1ull << bit)))
			continue;
		if (any)
			strbuf_addch(sb, ' ');
		if (bit < ncaps && cap_names[bit])
			strbuf_addstr(sb, cap_names[bit]);
		else
			strbuf_addf(sb, "CAP_%u", bit);
		any = true;
	}
}

const char *vg_errno_name(int err)
{
	return strerrorname_np(err);
}

static int lookup_val(const struct valname *tab, const char *name, int64_t *out)
{
	for (; tab->name; tab++) {
		if (!strcmp(tab->name, name)) {
			*out = tab->val;
			return 0;
		}
	}
	return -1;
}

int vg_flags_value(enum vg_atype t, const char *name, int64_t *out)
{
	switch (t) {
	case VG_AT_PTRACE_REQ:
		return lookup_val(ptrace_reqs, name, out);
	case VG_AT_BPF_CMD:
		return lookup_val(bpf_cmds, name, out);
	case VG_AT_SOCK_DOMAIN:
		return lookup_val(sock_domains, name, out);
	case VG_AT_SIGNAL:
		for (int sig = 1; sig < 65; sig++) {
			const char *n = sigabbrev_np(sig);

			if (n && !strncmp(name, "SIG", 3) && !strcmp(name + 3, n)) {
				*out = sig;
				return 0;
			}
		}
		return -1;
	default:
		return -1;
	}
}

int vg_errno_value(const char *name)
{
	for (int e = 1; e < 200; e++) {
		const char *n = strerrorname_np(e);

		if (n && !strcmp(n, name))
			return e;
	}
	return 0;
}
