/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The syscalls vigil traces, as one table that both sides expand.
 *
 * Each row: VG_SC(name, post, a0..a5) where `name` is Falco's event type
 * name (and the x86_64 __NR_ suffix), `post` what the kernel gathers after
 * the syscall returned (enum vg_post), and aN = A(type, falco_arg_name) or
 * N for "no argument". The row order defines enum vg_ev: append only, never
 * reorder or remove, the numbers are the ABI between the BPF object and user
 * space and appear in saved captures.
 *
 * The BPF side never sees names or fine types: user space turns each row
 * into a struct vg_sc_conf (abi/event.h) keyed by the syscall number, and
 * only the "kernel class" of each argument (string, sockaddr, struct) crosses.
 *
 * pidfd_send_signal's target is the process behind its pidfd, which the
 * kernel resolves (VG_POST_PIDFD_ARG0, into ext[0]), so that rules on the
 * target of a signal see it as they see kill's pid argument.
 *
 * sendto and sendmsg are recorded only when they carry a destination or
 * open a connection (MSG_FASTOPEN), VG_SCF_DEST_ONLY: a send on a
 * connected socket dies at the first test, before any counter. sendmsg's
 * `addr` is the msghdr's msg_name, which the kernel reads (VG_KARG_MSGHDR).
 *
 * dup, dup2 and dup3 read the socket behind oldfd (VG_POST_SOCK_ARG0; an fd
 * that is no socket leaves the tuple empty): a socket duplicated onto fd 0,
 * 1 or 2 is how a reverse shell wires itself to its controller.
 */
#ifndef VIGIL_ABI_SYSCALLS_H
#define VIGIL_ABI_SYSCALLS_H

/* clang-format off */
#define VG_SYSCALL_TABLE(VG_SC, A, N)                                                              \
	VG_SC(open,         VG_POST_FD_RET,  A(PATH, name), A(OFLAGS, flags), A(MODE, mode), N, N, N) \
	VG_SC(openat,       VG_POST_FD_RET,  A(DIRFD, dirfd), A(PATH, name), A(OFLAGS, flags), A(MODE, mode), N, N) \
	VG_SC(openat2,      VG_POST_FD_RET,  A(DIRFD, dirfd), A(PATH, name), A(OPEN_HOW, how), A(UINT, size), N, N) \
	VG_SC(creat,        VG_POST_FD_RET,  A(PATH, name), A(MODE, mode), N, N, N, N)               \
	VG_SC(execve,       VG_POST_NONE,    A(PATH, filename), N, N, N, N, N)                       \
	VG_SC(execveat,     VG_POST_NONE,    A(DIRFD, dirfd), A(PATH, pathname), N, N, A(ATFLAGS, flags), N) \
	VG_SC(clone,        VG_POST_NONE,    A(CLONE_FLAGS, flags), N, N, N, N, N)                   \
	VG_SC(clone3,       VG_POST_NONE,    A(CLONE_ARGS, flags), A(UINT, size), N, N, N, N)        \
	VG_SC(fork,         VG_POST_NONE,    N, N, N, N, N, N)                                       \
	VG_SC(vfork,        VG_POST_NONE,    N, N, N, N, N, N)                                       \
	VG_SC(unlink,       VG_POST_NONE,    A(PATH, path), N, N, N, N, N)                           \
	VG_SC(unlinkat,     VG_POST_NONE,    A(DIRFD, dirfd), A(PATH, name), A(ATFLAGS, flags), N, N, N) \
	VG_SC(rename,       VG_POST_NONE,    A(PATH, oldpath), A(PATH, newpath), N, N, N, N)         \
	VG_SC(renameat,     VG_POST_NONE,    A(DIRFD, olddirfd), A(PATH, oldpath), A(DIRFD, newdirfd), A(PATH, newpath), N, N) \
	VG_SC(renameat2,    VG_POST_NONE,    A(DIRFD, olddirfd), A(PATH, oldpath), A(DIRFD, newdirfd), A(PATH, newpath), A(HEX, flags), N) \
	VG_SC(chmod,        VG_POST_NONE,    A(PATH, filename), A(MODE, mode), N, N, N, N)           \
	VG_SC(fchmod,       VG_POST_FD_ARG0, A(FD, fd), A(MODE, mode), N, N, N, N)                   \
	VG_SC(fchmodat,     VG_POST_NONE,    A(DIRFD, dirfd), A(PATH, filename), A(MODE, mode), N, N, N) \
	VG_SC(chown,        VG_POST_NONE,    A(PATH, path), A(UID, uid), A(GID, gid), N, N, N)       \
	VG_SC(fchown,       VG_POST_FD_ARG0, A(FD, fd), A(UID, uid), A(GID, gid), N, N, N)           \
	VG_SC(lchown,       VG_POST_NONE,    A(PATH, path), A(UID, uid), A(GID, gid), N, N, N)       \
	VG_SC(fchownat,     VG_POST_NONE,    A(DIRFD, dirfd), A(PATH, pathname), A(UID, uid), A(GID, gid), A(ATFLAGS, flags), N) \
	VG_SC(connect,      VG_POST_SOCK_ARG0, A(FD, fd), A(SOCKADDR, addr), A(UINT, addrlen), N, N, N) \
	VG_SC(accept,       VG_POST_SOCK_RET, A(FD, fd), N, N, N, N, N)                              \
	VG_SC(accept4,      VG_POST_SOCK_RET, A(FD, fd), N, N, A(HEX, flags), N, N)                  \
	VG_SC(bind,         VG_POST_SOCK_ARG0, A(FD, fd), A(SOCKADDR, addr), A(UINT, addrlen), N, N, N) \
	VG_SC(listen,       VG_POST_SOCK_ARG0, A(FD, fd), A(INT, backlog), N, N, N, N)               \
	VG_SC(setuid,       VG_POST_NONE,    A(UID, uid), N, N, N, N, N)                             \
	VG_SC(setgid,       VG_POST_NONE,    A(GID, gid), N, N, N, N, N)                             \
	VG_SC(setreuid,     VG_POST_NONE,    A(UID, ruid), A(UID, euid), N, N, N, N)                 \
	VG_SC(setregid,     VG_POST_NONE,    A(GID, rgid), A(GID, egid), N, N, N, N)                 \
	VG_SC(setresuid,    VG_POST_NONE,    A(UID, ruid), A(UID, euid), A(UID, suid), N, N, N)      \
	VG_SC(setresgid,    VG_POST_NONE,    A(GID, rgid), A(GID, egid), A(GID, sgid), N, N, N)      \
	VG_SC(setfsuid,     VG_POST_NONE,    A(UID, uid), N, N, N, N, N)                             \
	VG_SC(setfsgid,     VG_POST_NONE,    A(GID, gid), N, N, N, N, N)                             \
	VG_SC(capset,       VG_POST_NONE,    A(HEX, hdrp), A(CAPDATA, data), N, N, N, N)             \
	VG_SC(ptrace,       VG_POST_NONE,    A(PTRACE_REQ, request), A(PID, pid), A(HEX, addr), N, N, N) \
	VG_SC(mount,        VG_POST_NONE,    A(STR, dev), A(PATH, dir), A(STR, type), A(MOUNT_FLAGS, flags), N, N) \
	VG_SC(umount2,      VG_POST_NONE,    A(PATH, name), A(HEX, flags), N, N, N, N)               \
	VG_SC(unshare,      VG_POST_NONE,    A(NS_FLAGS, flags), N, N, N, N, N)                      \
	VG_SC(setns,        VG_POST_NONE,    A(FD, fd), A(NS_FLAGS, nstype), N, N, N, N)             \
	VG_SC(init_module,  VG_POST_NONE,    A(HEX, image), A(UINT, len), A(STR, uargs), N, N, N)    \
	VG_SC(finit_module, VG_POST_FD_ARG0, A(FD, fd), A(STR, uargs), A(HEX, flags), N, N, N)       \
	VG_SC(bpf,          VG_POST_NONE,    A(BPF_CMD, cmd), A(HEX, attr), A(UINT, size), N, N, N)  \
	VG_SC(memfd_create, VG_POST_NONE,    A(STR, name), A(HEX, flags), N, N, N, N)                \
	VG_SC(dup,          VG_POST_SOCK_ARG0, A(FD, oldfd), N, N, N, N, N)                          \
	VG_SC(dup2,         VG_POST_SOCK_ARG0, A(FD, oldfd), A(FD, newfd), N, N, N, N)               \
	VG_SC(dup3,         VG_POST_SOCK_ARG0, A(FD, oldfd), A(FD, newfd), A(HEX, flags), N, N, N)   \
	VG_SC(kill,         VG_POST_NONE,    A(PID, pid), A(SIGNAL, sig), N, N, N, N)                \
	VG_SC(tkill,        VG_POST_NONE,    A(PID, tid), A(SIGNAL, sig), N, N, N, N)                \
	VG_SC(tgkill,       VG_POST_NONE,    A(PID, pid), A(PID, tid), A(SIGNAL, sig), N, N, N)      \
	VG_SC(symlink,      VG_POST_NONE,    A(STR, target), A(PATH, linkpath), N, N, N, N)          \
	VG_SC(symlinkat,    VG_POST_NONE,    A(STR, target), A(DIRFD, linkdirfd), A(PATH, linkpath), N, N, N) \
	VG_SC(link,         VG_POST_NONE,    A(PATH, oldpath), A(PATH, newpath), N, N, N, N)         \
	VG_SC(linkat,       VG_POST_NONE,    A(DIRFD, olddir), A(PATH, oldpath), A(DIRFD, newdir), A(PATH, newpath), A(ATFLAGS, flags), N) \
	VG_SC(mkdir,        VG_POST_NONE,    A(PATH, path), A(MODE, mode), N, N, N, N)               \
	VG_SC(mkdirat,      VG_POST_NONE,    A(DIRFD, dirfd), A(PATH, path), A(MODE, mode), N, N, N) \
	VG_SC(rmdir,        VG_POST_NONE,    A(PATH, path), N, N, N, N, N)                           \
	VG_SC(chdir,        VG_POST_CWD,     A(PATH, path), N, N, N, N, N)                           \
	VG_SC(fchdir,       VG_POST_CWD,     A(FD, fd), N, N, N, N, N)                               \
	VG_SC(truncate,     VG_POST_NONE,    A(PATH, path), A(INT, length), N, N, N, N)              \
	VG_SC(ftruncate,    VG_POST_FD_ARG0, A(FD, fd), A(INT, length), N, N, N, N)             \
	VG_SC(socket,       VG_POST_SOCK_RET, A(SOCK_DOMAIN, domain), A(SOCK_TYPE, type), A(INT, proto), N, N, N) \
	VG_SC(open_by_handle_at, VG_POST_FD_RET, A(FD, mountfd), A(HEX, handle), A(OFLAGS, flags), N, N, N) \
	VG_SC(pidfd_send_signal, VG_POST_PIDFD_ARG0, A(FD, pidfd), A(SIGNAL, sig), A(HEX, info), A(HEX, flags), N, N) \
	VG_SC(rt_sigqueueinfo, VG_POST_NONE, A(PID, pid), A(SIGNAL, sig), A(HEX, info), N, N, N)     \
	VG_SC(rt_tgsigqueueinfo, VG_POST_NONE, A(PID, tgid), A(PID, tid), A(SIGNAL, sig), A(HEX, info), N, N) \
	VG_SC(process_vm_readv, VG_POST_NONE, A(PID, pid), A(HEX, local_iov), A(UINT, liovcnt), A(HEX, remote_iov), A(UINT, riovcnt), A(HEX, flags)) \
	VG_SC(process_vm_writev, VG_POST_NONE, A(PID, pid), A(HEX, local_iov), A(UINT, liovcnt), A(HEX, remote_iov), A(UINT, riovcnt), A(HEX, flags)) \
	VG_SC(sendto,       VG_POST_SOCK_ARG0, A(FD, fd), N, A(UINT, size), A(MSG_FLAGS, flags), A(SOCKADDR, addr), A(UINT, addrlen)) \
	VG_SC(sendmsg,      VG_POST_SOCK_ARG0, A(FD, fd), A(SOCKADDR, addr), A(MSG_FLAGS, flags), N, N, N)
/* clang-format on */

#endif /* VIGIL_ABI_SYSCALLS_H */
