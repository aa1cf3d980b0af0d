/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who enforcement spares (docs/ROLLOUT.md, "What is never killed"): PID 1,
 * kernel threads, and processes running a never-kill executable that have
 * loaded nothing from outside. A spared binary is trusted for what it
 * does; code put into it by someone else is not that binary any more. A
 * process loses the privilege ("tainted", for the life of its image, and
 * its children inherit it) when:
 *
 *  - it was exec'd with a dynamic loader variable (any LD_*: LD_PRELOAD,
 *    LD_LIBRARY_PATH, LD_AUDIT, ...) in its environment, or with an
 *    environment larger than the scan's bound (VG_ENV_SCAN), which is not
 *    read further: too large to vouch for is not clean;
 *  - it mapped something executable that does not come from root: a file
 *    owned by another uid or writable by group or others, or anonymous
 *    memory (shellcode, a JIT), by mmap or mprotect with PROT_EXEC (the
 *    mapping at the address the call returned or changed, looked up with
 *    bpf_find_vma; a lookup that fails counts as outside).
 *
 * Cost: exec of a never-kill binary scans its environment (bounded); every
 * other exec pays one hash lookup. mmap and mprotect with PROT_EXEC pay one
 * hash lookup; only a task that holds the privilege pays the vma lookup.
 * Fork and exit of a process pay one lookup or delete in `tainted`.
 */
#ifndef VIGIL_BPF_SPARED_H
#define VIGIL_BPF_SPARED_H

#include "maps.bpf.h"
#include "task.bpf.h"
#include "exe.bpf.h"

#define VG_PF_KTHREAD 0x00200000
/* Environment bytes read at a never-kill exec (a power of two). */
#define VG_ENV_SCAN 8192
#define VG_PROT_EXEC 0x4
#define VG_VM_EXEC 0x4
#define VG_S_IWGRP 0020
#define VG_S_IWOTH 0002
/* mmap and mprotect: x86_64 and i386 numbers (old_mmap's prot is in memory:
 * the mapping is looked at whatever it is) */
#define VG_NR_MMAP 9
#define VG_NR_MPROTECT 10
#define VG_NR32_OLD_MMAP 90
#define VG_NR32_MPROTECT 125
#define VG_NR32_MMAP2 192

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct vg_exe_key);
	__type(value, __u8);
} never_kill SEC(".maps");

/* Why a process lost the privilege. */
enum { VG_TAINT_ENV = 1, VG_TAINT_ENV_LARGE = 2, VG_TAINT_MAP = 3, VG_TAINT_PARENT = 4 };

struct vg_taint {
	__u64 start_ns; /* the process's start: a reused pid is not tainted */
	__u32 why;
	__u32 pad;
};

/* tgid -> taint, for processes running a never-kill executable only. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct vg_taint);
} tainted SEC(".maps");

static __always_inline int exe_never_kill(struct task_struct *task)
{
	struct vg_exe_key k = {};

	if (!exe_id(task, &k.ino, &k.dev))
		return -1;
	return bpf_map_lookup_elem(&never_kill, &k) != NULL;
}

static __always_inline int is_tainted(struct task_struct *task)
{
	__u32 tgid = task->tgid;
	struct vg_taint *t = bpf_map_lookup_elem(&tainted, &tgid);

	return t && t->start_ns == task->group_leader->start_boottime;
}

static __always_inline void taint(struct task_struct *task, __u32 why)
{
	struct vg_taint t = { .start_ns = task->group_leader->start_boottime, .why = why };
	__u32 tgid = task->tgid;

	bpf_map_update_elem(&tainted, &tgid, &t, BPF_ANY);
}

/* PID 1, kernel threads and the untainted never-kill executables. */
static __always_inline int enf_spared(struct task_struct *task)
{
	int nk;

	if (task->tgid == 1 || (task->flags & VG_PF_KTHREAD))
		return 1;
	nk = exe_never_kill(task);
	if (nk < 0)
		return 1; /* no executable: nothing a rule about a process means */
	return nk && !is_tainted(task);
}

struct env_scan {
	__u32 len;
	__u32 found;
};

/* bpf_loop body: does a variable start at byte i with "LD_"? (The scratch
 * is taken again here: a callback gets only its context.) */
static long env_scan_at(__u32 i, void *ctx)
{
	struct env_scan *c = ctx;
	struct vg_scratch *s = scratch_get();

	if (!s || i + 3 > c->len)
		return 1;
	if (i && s->rec[(i - 1) & VG_SCRATCH_MASK])
		return 0;
	if (s->rec[i & VG_SCRATCH_MASK] == 'L' && s->rec[(i + 1) & VG_SCRATCH_MASK] == 'D' &&
	    s->rec[(i + 2) & VG_SCRATCH_MASK] == '_') {
		c->found = 1;
		return 1;
	}
	return 0;
}

/*
 * sched_process_exec: a new image, a fresh start. `p` runs it; `exe` is
 * the file. Uses the per-CPU scratch's record area (the caller builds its
 * record after this).
 */
static __always_inline void spared_exec(struct task_struct *p, struct file *exe)
{
	struct vg_exe_key k = {};
	struct env_scan c = {};
	struct vg_scratch *s;
	struct mm_struct *mm;
	__u32 tgid = p->tgid;
	__u64 a0, a1;

	bpf_map_delete_elem(&tainted, &tgid);
	k.ino = BPF_CORE_READ(exe, f_inode, i_ino);
	k.dev = BPF_CORE_READ(exe, f_inode, i_sb, s_dev);
	if (!bpf_map_lookup_elem(&never_kill, &k))
		return;
	mm = p->mm;
	a0 = BPF_CORE_READ(mm, env_start);
	a1 = BPF_CORE_READ(mm, env_end);
	if (a1 < a0 || a1 - a0 > VG_ENV_SCAN) {
		taint(p, VG_TAINT_ENV_LARGE);
		return;
	}
	c.len = (__u32)(a1 - a0);
	s = scratch_get();
	if (!s || bpf_probe_read_user(s->rec, c.len & (2 * VG_ENV_SCAN - 1), (void *)a0)) {
		taint(p, VG_TAINT_ENV_LARGE); /* unread is not clean */
		return;
	}
	bpf_loop(VG_ENV_SCAN, env_scan_at, &c, 0);
	if (c.found)
		taint(p, VG_TAINT_ENV);
}

/* sched_process_fork of a process: the child runs the parent's image. */
static __always_inline void spared_fork(struct task_struct *parent, struct task_struct *child)
{
	struct vg_taint t = { .why = VG_TAINT_PARENT };
	__u32 tgid = child->tgid;

	if (!is_tainted(parent))
		return;
	t.start_ns = child->start_boottime;
	bpf_map_update_elem(&tainted, &tgid, &t, BPF_ANY);
}

static __always_inline void spared_exit(struct task_struct *p)
{
	__u32 tgid = p->tgid;

	bpf_map_delete_elem(&tainted, &tgid);
}

/* bpf_find_vma body: does the executable mapping come from outside? */
static long vma_from_outside(struct task_struct *task, struct vm_area_struct *vma, void *ctx)
{
	int *outside = ctx;
	struct file *f = vma->vm_file;
	struct inode *in;

	if (!(vma->vm_flags & VG_VM_EXEC)) {
		*outside = 0;
		return 0;
	}
	if (!f) {
		*outside = 1; /* anonymous executable memory */
		return 0;
	}
	in = f->f_inode;
	*outside = in->i_uid.val != 0 || (in->i_mode & (VG_S_IWGRP | VG_S_IWOTH));
	return 0;
}

/*
 * sys_exit of every syscall (before the table lookup, so it costs the
 * others a compare): a successful mmap or mprotect with PROT_EXEC by a
 * process that holds the privilege is looked at.
 */
static __always_inline void spared_map(struct task_struct *task, struct pt_regs *regs, __u32 nr,
				       long ret)
{
	int compat = task->thread_info.status & VG_TS_COMPAT;
	__u64 addr, prot;
	int outside = 1;

	if (ret < 0)
		return;
	if (!compat) {
		if (nr != VG_NR_MMAP && nr != VG_NR_MPROTECT)
			return;
		prot = regs->dx;
		addr = nr == VG_NR_MMAP ? (__u64)ret : regs->di;
	} else {
		if (nr != VG_NR32_MMAP2 && nr != VG_NR32_MPROTECT && nr != VG_NR32_OLD_MMAP)
			return;
		prot = nr == VG_NR32_OLD_MMAP ? VG_PROT_EXEC : (__u32)regs->dx;
		addr = nr == VG_NR32_MPROTECT ? (__u32)regs->bx : (__u32)ret;
	}
	if (!(prot & VG_PROT_EXEC))
		return;
	if (exe_never_kill(task) != 1 || is_tainted(task))
		return;
	if (bpf_find_vma(task, addr, vma_from_outside, &outside, 0))
		outside = 1;
	if (outside)
		taint(task, VG_TAINT_MAP);
}

#endif /* VIGIL_BPF_SPARED_H */
