/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Synthetic ring-buffer records, laid out the way the BPF side lays them
 * out (abi/event.h): the fixed part, then the string data, each string
 * NUL-terminated with the NUL outside its slot's len. Shared by the unit
 * tests (tests/unit/unit.h), the fuzz targets and the benchmarks; plain C,
 * no test framework.
 */
#ifndef VIGIL_TESTS_SYNTH_H
#define VIGIL_TESTS_SYNTH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "abi/event.h"

#define SYNTH_REC_MAX 16384

/* One record under construction; 8-byte aligned like a ring-buffer sample. */
struct synth_rec {
	union {
		struct vg_hdr hdr;
		struct vg_sys_event sys;
		struct vg_exec_event exec;
		struct vg_fork_event fork;
		struct vg_exit_event exit;
		unsigned char bytes[SYNTH_REC_MAX];
	};
	size_t len; /* bytes used so far; mirrored in hdr.size */
};

/* Start a record of `type` whose fixed part is `fixed` bytes, stamped 1 s. */
static inline void synth_init(struct synth_rec *r, unsigned type, size_t fixed)
{
	memset(r, 0, sizeof(*r));
	r->hdr.type = (__u16)type;
	r->hdr.ts = 1000000000ull;
	r->len = fixed;
	r->hdr.size = (__u32)fixed;
}

/* Append `n` bytes of data (and a NUL) and return the slot naming them;
 * the caller keeps the total under SYNTH_REC_MAX. */
static inline struct vg_str synth_data(struct synth_rec *r, const void *p, size_t n)
{
	struct vg_str s = { .off = (__u16)r->len, .len = (__u16)n };

	memcpy(r->bytes + r->len, p, n);
	r->bytes[r->len + n] = '\0';
	r->len += n + 1;
	r->hdr.size = (__u32)r->len;
	return s;
}

/* A plausible task: pid == tid == vpid, uid 1000, given parent and start. */
static inline void synth_task(struct vg_task *t, __u32 pid, __u32 ppid, __u64 start_ns,
			      const char *comm)
{
	memset(t, 0, sizeof(*t));
	t->pid = t->tid = t->vpid = pid;
	t->ppid = ppid;
	t->uid = t->gid = t->euid = t->egid = 1000;
	t->loginuid = 1000;
	t->start_ns = start_ns;
	strncpy(t->comm, comm, sizeof(t->comm) - 1);
}

#endif /* VIGIL_TESTS_SYNTH_H */
