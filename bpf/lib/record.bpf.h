/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Appending variable-length data to the record under construction in the
 * per-CPU scratch buffer, through its cursor (maps.bpf.h).
 *
 * These are global (non-static) functions: the verifier checks each once,
 * on its own, instead of once per call site and path. That is what keeps
 * the syscall program inside the verifier's budget. Their pointer arguments
 * are therefore checked like memory of the pointee's size, and kernel
 * addresses travel as plain __u64.
 *
 * Bounds: data goes to rec[off & VG_SCRATCH_MASK] and one write is at most
 * VG_PATH_MAX bytes (see maps.bpf.h). A slot whose start would lie past
 * VG_OFF_LIMIT is left empty and flagged truncated, so a record never wraps.
 */
#ifndef VIGIL_BPF_RECORD_H
#define VIGIL_BPF_RECORD_H

#include "path.bpf.h"

#define VG_OFF_LIMIT (VG_SCRATCH_MASK + 1 - VG_PATH_MAX)

/* Start a record whose fixed part is `fixed` bytes. */
static __always_inline void cursor_reset(struct vg_scratch *s, __u32 fixed)
{
	__builtin_memset(&s->cur, 0, sizeof(s->cur));
	s->cur.off = fixed;
	s->cur.path_slot = 0xffff;
}

/* Claim the next string slot; NULL when all are used or the record is full. */
static __always_inline struct vg_str *slot_claim(struct vg_cursor *c)
{
	__u32 i = c->nstr;

	if (i >= VG_NSTR)
		return NULL;
	c->nstr = i + 1;
	if (c->off > VG_OFF_LIMIT) {
		c->flags |= VG_F_TRUNC(i);
		return NULL;
	}
	return &c->str[i];
}

/* A NUL-terminated string into the next slot (NULL: the slot stays
 * absent): from user memory, or with `kernel` from the kernel's (its own
 * copy of a path name, struct filename). */
__noinline int rec_put_str(struct vg_scratch *s, __u64 ptr, __u32 kernel)
{
	struct vg_str *sl;
	__u32 off;
	long n;

	if (!s)
		return 0;
	sl = slot_claim(&s->cur);
	if (!sl || !ptr)
		return 0;
	off = s->cur.off & VG_SCRATCH_MASK;
	n = kernel ? bpf_probe_read_kernel_str(&s->rec[off], VG_PATH_MAX, (const void *)ptr)
		   : bpf_probe_read_user_str(&s->rec[off], VG_PATH_MAX, (const void *)ptr);
	if (n <= 0) {
		s->cur.flags |= VG_F_READ_ERR;
		return 0;
	}
	if (n == VG_PATH_MAX)
		s->cur.flags |= VG_F_TRUNC(s->cur.nstr - 1);
	sl->off = off;
	sl->len = n - 1;
	s->cur.off = off + n;
	return 0;
}

/* Raw user bytes (a sockaddr) into the next slot, at most VG_SOCKADDR_MAX. */
__noinline int rec_put_ubytes(struct vg_scratch *s, __u64 uptr, __u64 len)
{
	struct vg_str *sl;
	__u32 off;

	if (!s)
		return 0;
	sl = slot_claim(&s->cur);
	if (!sl || !uptr)
		return 0;
	if (len > VG_SOCKADDR_MAX)
		len = VG_SOCKADDR_MAX;
	off = s->cur.off & VG_SCRATCH_MASK;
	if (bpf_probe_read_user(&s->rec[off], len & (2 * VG_SOCKADDR_MAX - 1), (const void *)uptr)) {
		s->cur.flags |= VG_F_READ_ERR;
		return 0;
	}
	sl->off = off;
	sl->len = len;
	s->cur.off = off + (len & (2 * VG_SOCKADDR_MAX - 1));
	return 0;
}

/* The absolute path of the kernel `struct path` at `path_addr` into string
 * slot `slot`, remembered as the record's resolved path; the slots before
 * it are claimed later: `slot` must be the number of slots those take
 * (arg_slots() in vigil.bpf.c), so that slot_claim reaches it no sooner. */
__noinline int rec_put_path_at(struct vg_scratch *s, __u64 path_addr, __u32 slot)
{
	struct vg_str *sl;
	__u32 pos, len, off;

	if (!s || slot >= VG_NSTR)
		return 0;
	if (s->cur.off > VG_OFF_LIMIT) {
		s->cur.flags |= VG_F_TRUNC(slot);
		return 0;
	}
	/* the slot index through the map value and a mask: a register would
	 * be spilled across the walk and come back unbounded */
	s->cur.path_slot = slot;
	pos = path_walk(s, path_addr);
	if (pos & VG_WALK_DEEP)
		s->cur.flags |= VG_F_PATH_DEEP;
	pos &= VG_PATH_MAX - 1;
	len = (VG_PATH_MAX - 1 - pos) & (VG_PATH_MAX - 1);
	off = s->cur.off & VG_SCRATCH_MASK;
	bpf_probe_read_kernel(&s->rec[off], len + 1, &s->walk[pos]);
	sl = &s->cur.str[s->cur.path_slot & (VG_NSTR - 1)];
	sl->off = off;
	sl->len = len;
	s->cur.off = off + len + 1;
	return 0;
}

/* The absolute path of the kernel `struct path` at `path_addr` into the next
 * slot, remembered as the record's resolved path. */
__noinline int rec_put_path(struct vg_scratch *s, __u64 path_addr)
{
	if (!s || !slot_claim(&s->cur))
		return 0;
	return rec_put_path_at(s, path_addr, s->cur.nstr - 1);
}

#endif /* VIGIL_BPF_RECORD_H */
