/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The traced syscalls as user space knows them: Falco's names, argument
 * names and types, x86_64 numbers. Generated from include/abi/syscalls.h;
 * the table is static and read-only.
 */
#ifndef VIGIL_SYSCALLS_H
#define VIGIL_SYSCALLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/event.h"

/* How user space renders (and later, rules compare) an argument. */
enum vg_atype {
	VG_AT_NONE = 0,
	VG_AT_INT,
	VG_AT_UINT,
	VG_AT_HEX,
	VG_AT_FD,
	VG_AT_DIRFD,
	VG_AT_PID,
	VG_AT_UID,
	VG_AT_GID,
	VG_AT_MODE,
	VG_AT_OFLAGS,
	VG_AT_ATFLAGS,
	VG_AT_PATH,
	VG_AT_STR,
	VG_AT_SOCKADDR,
	VG_AT_OPEN_HOW,
	VG_AT_CLONE_ARGS,
	VG_AT_CAPDATA,
	VG_AT_CLONE_FLAGS, /* clone(2): CLONE_* bits, exit signal in the low byte */
	VG_AT_NS_FLAGS,	   /* unshare(2), setns(2): CLONE_NEW* bits */
	VG_AT_MOUNT_FLAGS,
	VG_AT_SIGNAL,
	VG_AT_PTRACE_REQ,
	VG_AT_BPF_CMD,
	VG_AT_SOCK_DOMAIN, /* AF_* */
	VG_AT_SOCK_TYPE,   /* SOCK_* | SOCK_NONBLOCK | SOCK_CLOEXEC */
	VG_AT_MSG_FLAGS,   /* send(2) MSG_* bits */
};

struct vg_arg_desc {
	enum vg_atype type;
	const char *name; /* Falco's argument name; NULL when unused */
};

struct vg_sc_desc {
	const char *name; /* Falco event type name = syscall name */
	int nr;		  /* x86_64 syscall number */
	enum vg_ev ev;
	enum vg_post post;
	struct vg_arg_desc args[6];
};

/* Number of rows, and row i (0-based), for iteration. */
size_t vg_sc_count(void);
const struct vg_sc_desc *vg_sc_at(size_t i);
/* Lookups; NULL when unknown. */
const struct vg_sc_desc *vg_sc_by_ev(unsigned ev);
const struct vg_sc_desc *vg_sc_by_name(const char *name);
/* What the kernel reads for argument i of `d` (enum vg_karg). */
uint8_t vg_sc_karg(const struct vg_sc_desc *d, int i);
/* Whether argument i of `d` has a base slot in its records (abi/event.h:
 * the directory a relative path argument was resolved against). */
bool vg_sc_has_base(const struct vg_sc_desc *d, int i);
/* The record's string slot argument i of `d` lands in, or -1 when it takes
 * none: the kernel claims one per string, path, sockaddr or msghdr
 * argument, in argument order (vigil.bpf.c sys_record); base slots come
 * after all of them. */
int vg_sc_slot(const struct vg_sc_desc *d, int i);
/* The kernel's row for `d` (struct vg_sc_conf), ready for the sc_table map. */
void vg_sc_conf_fill(const struct vg_sc_desc *d, struct vg_sc_conf *out);
/* The i386 numbers of `d`'s syscall (the same call reached through int
 * 0x80): the plain one and its 32-bit-id or 64-bit-offset variants
 * (setuid32, truncate64). Returns how many were stored in out. */
#define VG_SC_NR32_MAX 3
size_t vg_sc_nr32(const struct vg_sc_desc *d, int out[VG_SC_NR32_MAX]);
/* The keys of `d`'s rows in the kernel's dispatcher table: the x86_64
 * number, and VG_NR_COMPAT + each i386 number. Returns how many. */
#define VG_SC_KEYS_MAX (1 + VG_SC_NR32_MAX)
size_t vg_sc_keys(const struct vg_sc_desc *d, uint32_t out[VG_SC_KEYS_MAX]);
/* Name of any event id: syscalls by name, lifecycle as "execve",
 * "procfork", "procexit"; NULL for unknown ids. */
const char *vg_ev_name(unsigned ev);

#endif /* VIGIL_SYSCALLS_H */
