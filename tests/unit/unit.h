/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared helpers of the unit tests: synthetic ring-buffer records
 * (tests/synth.h) with cmocka's checks on their bounds.
 *
 * Include after <cmocka.h> and its prerequisites.
 */
#ifndef VIGIL_TESTS_UNIT_H
#define VIGIL_TESTS_UNIT_H

#include "../synth.h"

#define UNIT_REC_MAX SYNTH_REC_MAX

/* Start a record of `type` whose fixed part is `fixed` bytes. */
static inline void unit_rec_init(struct synth_rec *r, unsigned type, size_t fixed)
{
	synth_init(r, type, fixed);
}

/* A syscall record: no strings yet, no resolved path. */
static inline void unit_sys_init(struct synth_rec *r, unsigned type)
{
	unit_rec_init(r, type, sizeof(struct vg_sys_event));
	r->sys.path_slot = 0xffff;
}

/* Append `n` bytes of data (and a NUL) and return the slot naming them. */
static inline struct vg_str unit_rec_data(struct synth_rec *r, const void *p, size_t n)
{
	assert_true(r->len + n + 1 <= UNIT_REC_MAX);
	return synth_data(r, p, n);
}

/* Fill syscall string slot `slot` (and bump nstr as the kernel does). */
static inline void unit_sys_str(struct synth_rec *r, unsigned slot, const void *p, size_t n)
{
	r->sys.str[slot] = unit_rec_data(r, p, n);
	if (r->sys.nstr < slot + 1)
		r->sys.nstr = (__u8)(slot + 1);
}

static inline void unit_exec_str(struct synth_rec *r, unsigned slot, const void *p, size_t n)
{
	r->exec.str[slot] = unit_rec_data(r, p, n);
}

/* A plausible task: pid == tid == vpid, given parent and start time. */
static inline void unit_task(struct vg_task *t, __u32 pid, __u32 ppid, __u64 start_ns,
			     const char *comm)
{
	synth_task(t, pid, ppid, start_ns, comm);
	t->sessionid = 7;
	t->cgroup_id = 42;
}

#endif /* VIGIL_TESTS_UNIT_H */
