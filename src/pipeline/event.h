/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one typed, in-memory form of an event that everything after the
 * decoder uses (trace output, the process table, later the rule engine).
 *
 * Ownership: a decoded event points into the ring-buffer sample it came
 * from and is valid only inside the ring-buffer callback (STYLE: "samples
 * are valid only inside the callback"). Copy what must outlive it.
 */
#ifndef VIGIL_EVENT_H
#define VIGIL_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/event.h"
#include "pipeline/syscalls.h"

/* A byte string inside the sample; p == NULL when absent. Not NUL-safe:
 * use len (the kernel does NUL-terminate paths, but sockaddrs are binary). */
struct vg_strv {
	const char *p;
	size_t len;
};

/* A socket address decoded from user memory or from the kernel's socket. */
struct vg_addr {
	uint16_t family; /* AF_INET, AF_INET6, AF_UNIX; 0 = none */
	uint16_t port;	 /* host order */
	uint8_t ip[16];	 /* v4 in the first 4 bytes */
	struct vg_strv path; /* AF_UNIX: the path (abstract: leading '\0' kept) */
};

struct vg_event {
	unsigned type;	  /* enum vg_ev */
	uint16_t flags;	  /* VG_F_* from the kernel */
	uint64_t ts_boot; /* CLOCK_BOOTTIME ns */
	const struct vg_task *task;

	/* syscall events (sc != NULL) */
	const struct vg_sc_desc *sc;
	int64_t ret;
	const __u64 *args;	    /* [6] */
	const __u64 *ext;	    /* [3] */
	struct vg_strv argstr[6];   /* string/sockaddr argument i, by argument index */
	struct vg_strv argbase[6];  /* the directory relative path argument i was resolved
				     * against (dirfd or cwd, kernel-walked); else absent;
				     * with bit i of kres, the whole path the kernel acted on */
	unsigned kres;		    /* vg_sys_event.kres: bit i, argbase[i] is the kernel's path */
	struct vg_strv path;	    /* kernel-resolved path: fd's file or new cwd */
	const struct vg_sock *sock; /* kernel socket endpoints; family 0 if none */
	unsigned enf_rule;	    /* 1 + index of the rule the kernel enforced, else 0 */

	/* VG_EV_PROC_EXEC */
	const struct vg_exec_event *exec;
	struct vg_strv filename, exe, argv, cwd; /* argv: NUL-separated */
	/* VG_EV_PROC_FORK */
	const struct vg_fork_event *fork;
	/* VG_EV_PROC_EXIT */
	const struct vg_exit_event *exit;
};

/*
 * Decode one ring-buffer record. Every offset and size is checked against
 * `len`; returns 0, or -EINVAL for a malformed record (counted by the
 * caller, never trusted). `out` borrows from `data`.
 */
int vg_decode(const void *data, size_t len, struct vg_event *out);

/* Decode a sockaddr as passed to connect/bind. Returns false if too short
 * or of a family vigil does not decode. */
bool vg_addr_from_sockaddr(struct vg_strv raw, struct vg_addr *out);
/* The local/remote endpoints of a kernel socket record. */
void vg_addr_from_sock(const struct vg_sock *s, bool remote, struct vg_addr *out);

#endif /* VIGIL_EVENT_H */
