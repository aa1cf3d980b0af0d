/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Records and tables shared by the BPF programs and user space.
 *
 * Everything here is fixed-width with explicit padding, and each struct's
 * size is pinned by a _Static_assert: the BPF object and the user-space
 * decoder are built from this one header, and a size change must be a
 * deliberate ABI change. Every ring-buffer record starts with struct vg_hdr.
 */
#ifndef VIGIL_ABI_EVENT_H
#define VIGIL_ABI_EVENT_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#include "abi/syscalls.h"

/* Longest path the kernel side copies; longer ones are cut and flagged. */
#define VG_PATH_MAX 4096
/* Bytes of argv (NUL-separated) copied at exec; more is cut and flagged. */
#define VG_ARGS_MAX 2048
/* Bytes of a user sockaddr copied (sockaddr_un is 110). */
#define VG_SOCKADDR_MAX 128
/* String slots per record (mount: dev, dir, type + one resolved path). */
#define VG_NSTR 4
/* Highest event id + 1; sizes the per-event counter table. */
#define VG_EV_MAX 128
/* Syscall numbers the dispatcher table covers per ABI (x86_64 and i386 both
 * top out near 470). The table holds the x86_64 rows at [0, VG_NR_MAX) and
 * the ia32 (int 0x80, compat) rows at VG_NR_COMPAT + the i386 number. */
#define VG_NR_MAX 512
#define VG_NR_COMPAT VG_NR_MAX
#define VG_SC_TABLE_SIZE (2 * VG_NR_MAX)
#define VG_TASK_COMM_LEN 16
#define VG_TTY_LEN 32

/* Event ids. The numbers are the ABI: append only. */
enum vg_ev {
	VG_EV_NONE = 0,
	VG_EV_PROC_EXEC = 1, /* sched_process_exec: new image, argv, exe */
	VG_EV_PROC_FORK = 2, /* sched_process_fork: a new process (not thread) */
	VG_EV_PROC_EXIT = 3, /* sched_process_exit of the last thread */
	/* a signal vigil cannot answer, sent to vigil: not on `events`, on
	 * the pinned `tamper` ring (bpf/lib/tamper.bpf.h) */
	VG_EV_TAMPER_SIGNAL = 4,
	VG_EV_SYS_BASE = 8,
#define VG_EV_ENUM_ROW(name, post, ...) VG_EV_SYS_##name,
#define VG_EV_ENUM_ARG(t, n)
	VG_EV_SYS_FIRST_ = VG_EV_SYS_BASE - 1,
	VG_SYSCALL_TABLE(VG_EV_ENUM_ROW, VG_EV_ENUM_ARG, VG_EV_ENUM_ARG)
#undef VG_EV_ENUM_ROW
#undef VG_EV_ENUM_ARG
	VG_EV_SYS_END_,
};

/* What the kernel reads for one syscall argument. */
enum vg_karg {
	VG_KARG_RAW = 0,	/* the register value only */
	VG_KARG_USTR = 1,	/* NUL-terminated user string -> next string slot */
	VG_KARG_SOCKADDR = 2,	/* user buffer, length in the next argument */
	VG_KARG_OPEN_HOW = 3,	/* struct open_how -> ext[0..2] */
	VG_KARG_CLONE_ARGS = 4, /* struct clone_args.flags -> ext[0] */
	VG_KARG_CAPDATA = 5,	/* two __user_cap_data_struct -> ext[0..2] */
	VG_KARG_MSGHDR = 6,	/* struct (compat_)msghdr: its msg_name -> next string slot */
	VG_KARG_UPATH = 7,	/* a path the call resolves: like USTR, plus a base slot */
	VG_KARG_DIRFD = 8,	/* the directory fd the next argument (UPATH) is relative to */
};

/*
 * Base slots. A record's string slots are: the USTR/UPATH/SOCKADDR/MSGHDR
 * arguments in argument order; then one base slot per UPATH and SOCKADDR
 * argument, in argument order, holding the directory a relative path
 * argument was resolved against (the preceding DIRFD's path, else the
 * cwd), as the kernel's dentry walk names it; absent when that argument
 * is absolute, not a path (a unix socket address only), or unreadable;
 * then the kernel-resolved path (path_slot), if any. User space joins
 * base and argument and normalises ".", ".." and "//" (src/pipeline/path.c).
 * Where an LSM path hook saw the call (vg_sys_event.kres), the base slot
 * holds the kernel's whole path instead, and path_slot names the first
 * path argument's.
 */

/* What the kernel gathers once the syscall returned. */
enum vg_post {
	VG_POST_NONE = 0,
	VG_POST_FD_RET = 1,    /* ret is a new fd: resolve its full path */
	VG_POST_FD_ARG0 = 2,   /* args[0] is an fd: resolve its full path */
	VG_POST_SOCK_ARG0 = 3, /* args[0] is a socket: read its addresses */
	VG_POST_SOCK_RET = 4,  /* ret is a new socket: read its addresses */
	VG_POST_CWD = 5,       /* resolve the task's cwd after the call */
	VG_POST_PIDFD_ARG0 = 6, /* args[0] is a pidfd: its process's host tgid -> ext[0] */
};

/* vg_sc_conf.flags */
#define VG_SCF_FAIL_ONLY 0x01 /* record failures only (execve: success is VG_EV_PROC_EXEC) */
#define VG_SCF_SKIP_ZERO 0x02 /* skip ret == 0 (clone family: the child's return) */
#define VG_SCF_DEST_ONLY 0x04 /* sendto/sendmsg: only with a destination or MSG_FASTOPEN */
#define VG_SCF_ENTRY_STR 0x08 /* string arguments are copied at the syscall's entry */

/* One row of the dispatcher table (BPF array indexed by syscall nr). */
struct vg_sc_conf {
	__u16 ev;  /* enum vg_ev; 0 = not traced */
	__u8 post;  /* enum vg_post */
	__u8 flags; /* VG_SCF_* */
	__u8 karg[6]; /* enum vg_karg per argument */
	/* String slots the arguments take, with their base slots (where the
	 * resolved path goes next): counted by user space, as a loop over
	 * karg cost 6.1's verifier a state per combination. */
	__u8 arg_slots;
	__u8 pad2;
};
_Static_assert(sizeof(struct vg_sc_conf) == 12, "vg_sc_conf ABI");

/* vg_hdr.flags */
#define VG_F_TRUNC(slot) (1u << (slot)) /* string slot cut at its bound */
#define VG_F_TRUNC_ANY 0x000f		 /* any of the VG_NSTR slots */
#define VG_F_COMPAT 0x0010 /* an ia32 syscall (int 0x80): nr is the i386 number */
#define VG_F_URING 0x0020  /* an io_uring request: nr is the equivalent syscall's */
/* String arguments read from user memory after the syscall ran (an ia32
 * call, or no entry copy): another thread may have changed them since. */
#define VG_F_ARGS_LATE 0x0040
#define VG_F_AT_ENTRY 0x0080 /* the enforcement verdict was reached at the syscall's entry */
#define VG_F_READ_ERR 0x0100		/* a user/kernel read failed */
#define VG_F_ARGS_TRUNC 0x0200		/* exec argv longer than VG_ARGS_MAX */
#define VG_F_PATH_DEEP 0x0400		/* resolved path deeper than the walk bound */
/* Enforcement verdicts (bpf/lib/enforce.bpf.h), for the rule in enf_rule: */
#define VG_F_KILLED 0x0800     /* SIGKILL sent before the syscall returned */
#define VG_F_ENF_SHADOW 0x1000 /* would have acted: mode capped, or deny without LSM */
#define VG_F_ENF_SPARED 0x2000 /* would have acted: a protected process */
#define VG_F_ENF_LIMITED 0x4000 /* would have acted: over the kill rate limit */
#define VG_F_DENIED 0x8000     /* an LSM hook refused the operation (EPERM) */
#define VG_F_ENF_ANY (VG_F_KILLED | VG_F_ENF_SHADOW | VG_F_ENF_SPARED | VG_F_ENF_LIMITED | VG_F_DENIED)

struct vg_hdr {
	__u64 ts;   /* CLOCK_BOOTTIME ns */
	__u32 size; /* bytes of the whole record */
	__u16 type; /* enum vg_ev */
	__u16 flags;
};
_Static_assert(sizeof(struct vg_hdr) == 16, "vg_hdr ABI");

/* The process a record is about (the current task unless said otherwise). */
struct vg_task {
	__u32 pid;  /* tgid */
	__u32 tid;
	__u32 ppid; /* real parent's tgid */
	__u32 vpid; /* pid in the task's own pid namespace */
	__u32 uid, gid, euid, egid;
	__u32 loginuid;
	__u32 sessionid;
	__u64 start_ns;	 /* group leader's start, CLOCK_BOOTTIME: (pid, start_ns) names a process */
	__u64 cgroup_id; /* cgroup v2 id */
	__u32 pid_ns, mnt_ns, net_ns, user_ns, uts_ns, ipc_ns, cgroup_ns;
	__u32 sid; /* session id (setsid), in the host's pid namespace */
	char comm[VG_TASK_COMM_LEN];
};
_Static_assert(sizeof(struct vg_task) == 104, "vg_task ABI");

/* A string slot: bytes at (record + off), len bytes without the NUL. */
struct vg_str {
	__u16 off;
	__u16 len;
};

/* Socket endpoints read from the kernel's socket (not from user memory). */
struct vg_sock {
	__u16 family; /* AF_* ; 0 = not a socket / not read */
	__u16 type;   /* SOCK_STREAM, ... */
	__u16 proto;  /* IPPROTO_* */
	__u16 lport;  /* host order */
	__u16 rport;
	__u16 pad[3];
	__u8 laddr[16]; /* v4 in the first 4 bytes */
	__u8 raddr[16];
};
_Static_assert(sizeof(struct vg_sock) == 48, "vg_sock ABI");

/* A syscall, recorded at its exit. */
struct vg_sys_event {
	struct vg_hdr hdr;
	struct vg_task task;
	__s64 ret;
	__u64 args[6];
	__u64 ext[3]; /* struct arguments read from user memory, see enum vg_karg */
	__u16 nr;     /* the raw syscall number (i386's when VG_F_COMPAT) */
	__u8 nstr;
	/* bit i: the base slot of path argument i holds the path the kernel
	 * acted on, as an LSM path hook saw it (the whole path, not a
	 * directory): fd.name and evt.abspath.* are that, whatever the raw
	 * argument says */
	__u8 kres;
	struct vg_str str[VG_NSTR]; /* strings in argument order, base slots, the resolved path */
	__u16 path_slot;	    /* slot holding the kernel-resolved path, or 0xffff */
	__u16 enf_rule;		    /* 1 + index of the rule enforced (VG_F_ENF_ANY), else 0;
				     * bit 15: the table generation (which ruleset) */
	struct vg_sock sock;
	/* string data follows */
};
_Static_assert(sizeof(struct vg_sys_event) == 16 + 104 + 8 + 48 + 24 + 4 + 16 + 4 + 48,
	       "vg_sys_event ABI");

/* Process lifecycle records. String slots of an exec: */
enum { VG_EXEC_FILENAME = 0, VG_EXEC_EXE = 1, VG_EXEC_ARGS = 2, VG_EXEC_CWD = 3 };

struct vg_exec_event {
	struct vg_hdr hdr;
	struct vg_task task; /* after the exec: comm is the new one */
	__u32 old_pid;	     /* tid that called exec (differs when a thread execs) */
	__u32 argc;	     /* argv entries copied */
	__u32 exe_ino;
	__u32 exe_dev;
	struct vg_str str[VG_NSTR];
	char tty[VG_TTY_LEN]; /* controlling tty name, "" if none */
	/* string data follows */
};
_Static_assert(sizeof(struct vg_exec_event) == 16 + 104 + 16 + 16 + 32, "vg_exec_event ABI");

struct vg_fork_event {
	struct vg_hdr hdr;
	struct vg_task task; /* the parent */
	__u32 child_pid;
	__u32 child_tid;
	__u64 child_start_ns;
};
_Static_assert(sizeof(struct vg_fork_event) == 16 + 104 + 16, "vg_fork_event ABI");

struct vg_exit_event {
	struct vg_hdr hdr;
	struct vg_task task;
	__s32 exit_code; /* wait(2) status form: code << 8 | signal */
	__u32 pad;
};
_Static_assert(sizeof(struct vg_exit_event) == 16 + 104 + 8, "vg_exit_event ABI");

/*
 * A signal that stops or kills vigil (SIGKILL, SIGSTOP, or one whose
 * disposition in vigil is the default), recorded in the sender as the
 * signal is queued (bpf/lib/tamper.bpf.h). The sender's executable path is
 * string slot exe_slot (0xffff: none, a kernel thread).
 */
struct vg_tamper_event {
	struct vg_hdr hdr; /* flags: VG_F_COMPAT (an ia32 syscall), VG_F_TRUNC(0) */
	struct vg_task task; /* the sender */
	__u32 target_pid;    /* vigil's tgid */
	__u32 target_tid;
	__s32 sig;
	__s32 code;   /* si_code: SI_USER 0, SI_QUEUE -1, SI_TKILL -6, SI_KERNEL 0x80 */
	__s32 result; /* the tracepoint's: 0 delivered, 2 already pending, ... */
	__u32 nr;     /* the sender's syscall (i386's with VG_F_COMPAT); -1: none */
	struct vg_str str[VG_NSTR];
	__u16 exe_slot;
	__u16 pad[3];
	/* string data follows */
};
_Static_assert(sizeof(struct vg_tamper_event) == 16 + 104 + 24 + 16 + 8, "vg_tamper_event ABI");

/* A process that shares the file table of one enforcement killed
 * (bpf/lib/sharers.bpf.h `doomed`, keyed by its tgid): killed at its next
 * syscall; user space names it in an alert once (`reported`). */
struct vg_doomed {
	__u64 start_ns; /* its start: (tgid, start_ns) names it */
	__u32 killed;	/* tgid of the process enforcement killed */
	__u8 reported;	/* set by user space once alerted */
	__u8 pad[3];
};
_Static_assert(sizeof(struct vg_doomed) == 16, "vg_doomed ABI");

/* Per-CPU counters, one row per event id. */
struct vg_counters {
	__u64 seen;	 /* the probe fired for a traced event */
	__u64 sent;	 /* reached the ring buffer */
	__u64 lost;	 /* ring buffer full: the record was dropped */
	__u64 filtered;	 /* dropped by the kernel filter on purpose */
};

/* Per-CPU counters of things that are not one event id. */
enum vg_misc {
	VG_MISC_COMPAT = 0,   /* ia32 syscalls seen (any, counted before the table lookup) */
	VG_MISC_SCRATCH = 1,  /* no scratch buffer (cannot happen; counted anyway) */
	VG_MISC_READ_ERR = 2, /* records sent with VG_F_READ_ERR */
	VG_MISC_KILLS = 3,    /* SIGKILLs sent by enforcement */
	VG_MISC_KILL_ERR = 4, /* bpf_send_signal refused (reported as shadow) */
	VG_MISC_DENIALS = 5,  /* operations refused by an LSM hook */
	VG_MISC_LSM_NOMEM = 6, /* no per-task scratch for an LSM hook: let through */
	VG_MISC_ENTRY_NOMEM = 7, /* no per-task entry copy: strings read at the exit */
	VG_MISC_TAMPER_LOST = 8, /* a signal to vigil not recorded: `tamper` ring full */
	VG_MISC_SHARERS = 9, /* processes doomed for sharing a killed one's file table */
	VG_MISC_MAX = 10,
};

#endif /* VIGIL_ABI_EVENT_H */
