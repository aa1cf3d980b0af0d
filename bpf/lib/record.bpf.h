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

/* Account for a string read of `n` bytes (the helper's answer, NUL
 * included) at `off` into slot sl. */
static __always_inline void str_done(struct vg_scratch *s, struct vg_str *sl, __u32 off, long n)
{
	if (n <= 0) {
		s->cur.flags |= VG_F_READ_ERR;
		return;
	}
	if (n == VG_PATH_MAX)
		s->cur.flags |= VG_F_TRUNC(s->cur.nstr - 1);
	sl->off = off;
	sl->len = n - 1;
	s->cur.off = off + n;
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
	str_done(s, sl, off, n);
	return 0;
}

/*
 * String arguments copied at the syscall's entry (the per-syscall
 * sys_enter programs of vigil.bpf.c), for its exit to record: between the
 * two, another thread may rewrite the user memory they came from, and the
 * kernel used what was there at the entry. One per task, created on first
 * use and freed with the task. `row` says which sc_table row (syscall) the
 * strings belong to, so that a copy is never taken for another call.
 *
 * Strings shorter than VG_ENTRY_SLOT bytes (nearly all) are kept in the
 * copy itself, 1.5 KiB a task; a call with a longer one has all its
 * strings in the task's entry_big (`big`, 12 KiB), created the first time
 * the task needs it.
 */
#define VG_ENTRY_NSTR 3 /* string arguments a traced syscall has at most (mount) */
#define VG_ENTRY_NONE 0xffffffffu
#define VG_ENTRY_SLOT 512

struct vg_entry_copy {
	__u32 row;		  /* sc_table key; VG_ENTRY_NONE once used */
	__u16 len[VG_ENTRY_NSTR]; /* bytes read, NUL included; 0: NULL or unreadable */
	__u16 err;		  /* bit k: string k could not be read (page not in yet) */
	__u32 big;		  /* the strings are in entry_big, not in data */
	__u8 data[VG_ENTRY_NSTR][VG_ENTRY_SLOT];
};

struct vg_entry_big {
	__u8 data[VG_ENTRY_NSTR][VG_PATH_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct vg_entry_copy);
} entry_strs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct vg_entry_big);
} entry_big SEC(".maps");

/*
 * The paths the kernel acted on, where LSM-BPF and the path hooks exist
 * (CONFIG_SECURITY_PATH): the hooks (vg_lsm_path_* in vigil.bpf.c) run
 * after the kernel copied the name and looked it up, and walk the dentry
 * it is about to unlink, rename, chmod, ... The entry copy is taken before
 * the kernel's own copy: a thread rewriting the buffer in between (a few
 * hundred nanoseconds, which a spinning thread wins) makes the copy lie.
 * These paths do not: sys_exit records them in the base slots (kres).
 * One per task, created by the first hook; `row` is the entry copy's of
 * the call the paths belong to, reset at each entry copy.
 */
#define VG_KPATH_N 2 /* path arguments a call has at most (rename, link) */

struct vg_kpaths {
	__u32 row;  /* sc_table row of the call they are from; VG_ENTRY_NONE */
	__u8 have;  /* bit u: data[u] is the u-th path argument's */
	__u8 pad[3];
	__u8 data[VG_KPATH_N][VG_PATH_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct vg_kpaths);
} entry_kpaths SEC(".maps");

/* Set by the loader where the path hooks load (LSM-BPF and
 * CONFIG_SECURITY_PATH). */
const volatile __u8 kpaths_on = 0;

/* An LSM path hook: the path of `dentry` on `mnt` (kernel addresses) is
 * what the call of entry-copy row `row` acts on as its u-th path
 * argument. Walked in the hook's per-task scratch s. */
__noinline int kpath_put(struct vg_scratch *s, __u32 row, __u32 u, __u64 mnt, __u64 dentry)
{
	struct vg_kpaths *kp;
	__u32 pos, len;

	if (!s || u >= VG_KPATH_N)
		return 0;
	kp = bpf_task_storage_get(&entry_kpaths, bpf_get_current_task_btf(), 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!kp)
		return 0; /* the record keeps the entry copy */
	if (kp->row != row) {
		kp->row = row;
		kp->have = 0;
	}
	pos = path_walk_at(s, (struct vfsmount *)mnt, (struct dentry *)dentry);
	/* a path longer than the walk's room: the copy, as without the hook */
	if (pos & VG_WALK_DEEP)
		return 0;
	pos &= VG_PATH_MAX - 1;
	len = (VG_PATH_MAX - 1 - pos) & (VG_PATH_MAX - 1);
	if (bpf_probe_read_kernel(kp->data[u & 1], len + 1, &s->walk[pos]))
		return 0;
	kp->have |= 1u << u;
	return 0;
}


/* The next string of the current task's entry copy (entry_take() in
 * vigil.bpf.c checked that it is this syscall's) into the next slot, as
 * rec_put_str would have read it from user memory at the entry. A string
 * the entry could not read (its page not faulted in yet: BPF cannot fault
 * it) is read from `uptr` now, and the record says it was read late. */
__noinline int rec_put_copy(struct vg_scratch *s, __u64 uptr)
{
	struct vg_entry_copy *ec;
	struct vg_str *sl;
	__u32 off, k;
	long n;

	if (!s)
		return 0;
	sl = slot_claim(&s->cur);
	k = s->cur.ncopy++;
	ec = bpf_task_storage_get(&entry_strs, bpf_get_current_task_btf(), 0, 0);
	if (!sl || !ec || k >= VG_ENTRY_NSTR)
		return 0;
	off = s->cur.off & VG_SCRATCH_MASK;
	if (ec->err & (1u << k)) {
		s->cur.flags |= VG_F_ARGS_LATE;
		n = uptr ? bpf_probe_read_user_str(&s->rec[off], VG_PATH_MAX, (const void *)uptr) : 0;
		str_done(s, sl, off, n);
		return 0;
	}
	if (!ec->len[k])
		return 0;
	if (ec->big) {
		struct vg_entry_big *b;

		b = bpf_task_storage_get(&entry_big, bpf_get_current_task_btf(), 0, 0);
		if (!b)
			return 0;
		n = bpf_probe_read_kernel_str(&s->rec[off], VG_PATH_MAX, b->data[k]);
	} else {
		n = bpf_probe_read_kernel_str(&s->rec[off], VG_ENTRY_SLOT, ec->data[k]);
	}
	str_done(s, sl, off, n);
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

/* Walk the struct path at `path_addr` and append the result to the
 * record, in the slot the cursor says: the resolved path's (`resolved`),
 * else the last claimed. The slot is read from the map value after the
 * walk: a register would be spilled across it and come back unbounded. */
static __always_inline void walk_into(struct vg_scratch *s, __u64 path_addr, bool resolved)
{
	struct vg_str *sl;
	__u32 pos, len, off;

	pos = path_walk(s, path_addr);
	if (pos & VG_WALK_DEEP)
		s->cur.flags |= VG_F_PATH_DEEP;
	pos &= VG_PATH_MAX - 1;
	len = (VG_PATH_MAX - 1 - pos) & (VG_PATH_MAX - 1);
	off = s->cur.off & VG_SCRATCH_MASK;
	bpf_probe_read_kernel(&s->rec[off], len + 1, &s->walk[pos]);
	sl = &s->cur.str[(resolved ? s->cur.path_slot : s->cur.nstr - 1) & (VG_NSTR - 1)];
	sl->off = off;
	sl->len = len;
	s->cur.off = off + len + 1;
}

/* The absolute path of the kernel `struct path` at `path_addr` into string
 * slot `slot`, remembered as the record's resolved path; the slots before
 * it are claimed later: `slot` must be the number of slots those take
 * (vg_sc_conf.arg_slots, counted by user space), so that slot_claim reaches it no sooner. */
__noinline int rec_put_path_at(struct vg_scratch *s, __u64 path_addr, __u32 slot)
{
	if (!s || slot >= VG_NSTR)
		return 0;
	if (s->cur.off > VG_OFF_LIMIT) {
		s->cur.flags |= VG_F_TRUNC(slot);
		return 0;
	}
	/* the slot index through the map value and a mask: a register would
	 * be spilled across the walk and come back unbounded */
	s->cur.path_slot = slot;
	walk_into(s, path_addr, true);
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

/* The path of the directory at `path_addr` into the next slot, as the
 * base a relative path argument was resolved against (abi/event.h: base
 * slots); 0: the slot stays absent. */
__noinline int rec_put_base(struct vg_scratch *s, __u64 path_addr)
{
	if (!s || !slot_claim(&s->cur) || !path_addr)
		return 0;
	walk_into(s, path_addr, false);
	return 0;
}

/* Note in the cursor whether the slot just claimed, argument i's, holds a
 * relative path: a string not starting with '/' (the empty string too:
 * AT_EMPTY_PATH names the dirfd itself), or, with `sockaddr`, a unix
 * socket address whose path does. In the map value, not a register, so
 * that the verifier does not tell the argument loop's states apart. */
static __always_inline void slot_mark_rel(struct vg_scratch *s, __u32 i, bool sockaddr)
{
	struct vg_str sl = s->cur.str[(s->cur.nstr - 1) & (VG_NSTR - 1)];
	__u8 *p = &s->rec[sl.off & VG_SCRATCH_MASK];
	bool rel;

	if (!s->cur.nstr || !sl.off)
		return;
	/* sa_family AF_UNIX (1, little-endian), then a path, not abstract */
	rel = sockaddr ? sl.len > 2 && p[0] == 1 && p[1] == 0 && p[2] && p[2] != '/' : p[0] != '/';
	if (rel)
		s->cur.rel |= 1u << (i & 7);
}

/* Path argument u's path from the hooks (kp, the task's entry_kpaths)
 * into the next slot; its kmask bit is cleared when the slot could not
 * take it. */
__noinline int rec_put_kpath(struct vg_scratch *s, struct vg_kpaths *kp, __u32 u)
{
	struct vg_str *sl;
	__u32 off;
	long n;

	if (!s)
		return 0;
	sl = slot_claim(&s->cur);
	if (!sl || !kp || u >= VG_KPATH_N) {
		s->cur.kmask &= ~(1u << (u & 7));
		return 0;
	}
	off = s->cur.off & VG_SCRATCH_MASK;
	n = bpf_probe_read_kernel_str(&s->rec[off], VG_PATH_MAX, kp->data[u & 1]);
	if (n <= 1) {
		s->cur.kmask &= ~(1u << (u & 7));
		return 0;
	}
	str_done(s, sl, off, n);
	return 0;
}

/*
 * The base slots of a record (abi/event.h): one per UPATH and SOCKADDR
 * argument of `conf`, holding, for those marked relative (slot_mark_rel),
 * the directory it was resolved against: the preceding argument's dirfd,
 * else the cwd of the current task. `walk` 0 (the entry stage, LSM
 * hooks): the slots are claimed but left absent, which the filter reads
 * as unknown. The arguments are the record's (e->args).
 */
__noinline int rec_put_bases(struct vg_scratch *s, struct vg_sc_conf *conf, __u32 walk, __u32 krow)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct vg_kpaths *kp = NULL;
	struct vg_sys_event *e;
	__u32 u = 0;

	if (!s || !conf)
		return 0;
	e = (void *)s->rec;
	e->kres = 0;
	/* the paths the hooks left for this call (entry-copy row krow), into
	 * kmask, then used: a later call must not find them */
	if (krow != VG_ENTRY_NONE) {
		kp = bpf_task_storage_get(&entry_kpaths, task, 0, 0);
		if (kp && kp->row == krow) {
			s->cur.kmask = kp->have;
			kp->row = VG_ENTRY_NONE;
		}
	}
	for (int i = 0; i < 6; i++) {
		__u8 k = conf->karg[i];

		if (k != VG_KARG_UPATH && k != VG_KARG_SOCKADDR)
			continue;
		if (k == VG_KARG_UPATH && walk && (s->cur.kmask & (1u << u))) {
			rec_put_kpath(s, kp, u);
			if (s->cur.kmask & (1u << u)) {
				e->kres |= 1u << i;
				if (!u)
					s->cur.path_slot = s->cur.nstr - 1;
			}
			u++;
			continue;
		}
		if (k == VG_KARG_UPATH)
			u++;
		if (!walk || !(s->cur.rel & (1u << i))) {
			slot_claim(&s->cur);
			continue;
		}
		rec_put_base(s, base_addr(task, i > 0 && conf->karg[i ? i - 1 : 0] == VG_KARG_DIRFD,
					  (__s32)e->args[i ? i - 1 : 0]));
	}
	return 0;
}

#endif /* VIGIL_BPF_RECORD_H */
