/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared helpers of the unit tests: building synthetic ring-buffer records
 * the way the BPF side lays them out (abi/event.h): the fixed part, then the
 * string data, each string NUL-terminated with the NUL outside its slot's len.
 *
 * Include after <cmocka.h> and its prerequisites.
 */
#ifndef VIGIL_TESTS_UNIT_H
#define VIGIL_TESTS_UNIT_H

#include <stdint.h>
#include <string.h>

#include "abi/event.h"

#define UNIT_REC_MAX 16384

/* One record under construction; 8-byte aligned like a ring-buffer sample. */
struct unit_rec {
	union {
		struct vg_hdr hdr;
		struct vg_sys_event sys;
		struct vg_exec_event exec;
		struct vg_fork_event fork;
		struct vg_exit_event exit;
		unsigned char bytes[UNIT_REC_MAX];
	};
	size_t len; /* bytes used so far; mirrored in hdr.size */
};

/* Start a record of `type` whose fixed part is `fixed` bytes. */
static inline void unit_rec_init(struct unit_rec *r, unsigned type, size_t fixed)
{
	memset(r, 0, sizeof(*r));
	r->hdr.type = (__u16)type;
	r->hdr.ts = 1000000000ull;
	r->len = fixed;
	r->hdr.size = (__u32)fixed;
}

/* A syscall record: no strings yet, no resolved path. */
static inline void unit_sys_init(struct unit_rec *r, unsigned type)
{
	unit_rec_init(r, type, sizeof(struct vg_sys_event));
	r->sys.path_slot = 0xffff;
}

/* Append `n` bytes of data (and a NUL) and return the slot naming them. */
static inline struct vg_str unit_rec_data(struct unit_rec *r, const void *p, size_t n)
{
	struct vg_str s = { .off = (__u16)r->len, .len = (__u16)n };

	assert_true(r->len + n + 1 <= UNIT_REC_MAX);
	memcpy(r->bytes + r->len, p, n);
	r->bytes[r->len + n] = '\0';
	r->len += n + 1;
	r->hdr.size = (__u32)r->len;
	return s;
}

/* Fill syscall string slot `slot` (and bump nstr as the kernel does). */
static inline void unit_sys_str(struct unit_rec *r, unsigned slot, const void *p, size_t n)
{
	r->sys.str[slot] = unit_rec_data(r, p, n);
	if (r->sys.nstr < slot + 1)
		r->sys.nstr = (__u16)(slot + 1);
}

static inline void unit_exec_str(struct unit_rec *r, unsigned slot, const void *p, size_t n)
{
	r->exec.str[slot] = unit_rec_data(r, p, n);
}

/* A plausible task: pid == tid == vpid, given parent and start time. */
static inline void unit_task(struct vg_task *t, __u32 pid, __u32 ppid, __u64 start_ns,
			     const char *comm)
{
	memset(t, 0, sizeof(*t));
	t->pid = t->tid = t->vpid = pid;
	t->ppid = ppid;
	t->uid = t->gid = t->euid = t->egid = 1000;
	t->loginuid = 1000;
	t->sessionid = 7;
	t->start_ns = start_ns;
	t->cgroup_id = 42;
	strncpy(t->comm, comm, sizeof(t->comm) - 1);
}

#endif /* VIGIL_TESTS_UNIT_H */
