/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Killing a process whose open file table is shared with other processes
 * (clone(CLONE_FILES) without CLONE_THREAD). The fd that the killed
 * process's open installed stays in the table, and the others read through
 * it. So when enforcement kills such a process, every other process
 * sharing that table is doomed: marked in `doomed`, and killed at its next
 * syscall (entry or exit), before that syscall returns to user space.
 * A process a doomed one forks is doomed too (it has a copy of the fds).
 *
 * Why not signal them at once: enforcement runs in a tracepoint, where
 * bpf_send_signal queues its signal on a per-CPU irq_work that holds one
 * signal at a time; a second signal from the same run fails with EBUSY
 * (the reason the bpf_send_signal_task attempt never killed a sharer).
 * Each sharer instead sends SIGKILL to itself, from its own syscall.
 *
 * Finding the sharers: a walk of the kernel's process list (task->tasks,
 * RCU-protected, as tracepoint programs run) with bpf_loop and CO-RE
 * reads, no kfunc: the same code on 6.1 and 6.18. It runs only when the
 * killed process's table has more users than it has threads.
 *
 * Limits (docs/ROLLOUT.md): a sharer's read that ran between the open's
 * fd install and the kill's decision at that open's exit (microseconds)
 * got its bytes; a sharer that makes no syscall (it cannot read a file
 * without one, but it lives) dies at its next one (an io_uring SQPOLL
 * thread reads with no syscall: a stated limit); spared processes are
 * not killed. Where LSM-BPF exists the open itself is refused as well
 * (vg_lsm_file_open loads for kill rules on opens; lsm_decide kills and
 * refuses when sharers_exist), so the fd never exists.
 */
#ifndef VIGIL_BPF_SHARERS_H
#define VIGIL_BPF_SHARERS_H

#include "maps.bpf.h"
#include "spared.bpf.h"

#define VG_SIGKILL 9
/* Processes walked at most: the loop's bound (bpf_loop's is 1 << 23). */
#define VG_SHARERS_WALK_MAX (1 << 16)

/* tgid -> struct vg_doomed: a process that shares the table of one
 * enforcement killed. LRU: stale entries (the pid reused: another start)
 * are dropped when met. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct vg_doomed);
} doomed SEC(".maps");

/* Processes ever doomed: 0 (nearly always), and the syscall path does not
 * look at `doomed` at all. In .bss: never reset. */
volatile __u32 doomed_n = 0;

struct vg_sharers_walk {
	__u64 files;	/* the killed process's struct files_struct */
	__u64 first;	/* where the walk started (its group leader) */
	__u64 cur;	/* the task the walk is at */
	__u32 tgid;	/* the killed process */
	__u32 n;	/* sharers found */
};

static long sharers_step(__u64 i, void *arg)
{
	struct vg_sharers_walk *w = arg;
	struct task_struct *t = (void *)w->cur;
	struct list_head *next = BPF_CORE_READ(t, tasks.next);
	struct vg_doomed d = {};
	__u32 tgid;

	t = (void *)((__u64)next - bpf_core_field_offset(struct task_struct, tasks));
	if (!next || (__u64)t == w->first)
		return 1; /* round the list */
	w->cur = (__u64)t;
	if ((__u64)BPF_CORE_READ(t, files) != w->files)
		return 0;
	tgid = BPF_CORE_READ(t, tgid);
	if (tgid == w->tgid)
		return 0;
	d.start_ns = BPF_CORE_READ(t, start_boottime); /* a leader: the process's */
	d.killed = w->tgid;
	bpf_map_update_elem(&doomed, &tgid, &d, BPF_ANY);
	w->n++;
	return 0;
}

/*
 * The current process is being killed by enforcement: doom every other
 * process that shares its file table. Global: verified once, outside the
 * programs that call it, which pay a call only when the table is shared.
 */
__noinline int sharers_doom(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct vg_sharers_walk w = {};

	w.files = (__u64)BPF_CORE_READ(task, files);
	w.first = (__u64)BPF_CORE_READ(task, group_leader);
	w.cur = w.first;
	w.tgid = task->tgid;
	if (!w.files || !w.first)
		return 0;
	bpf_loop(VG_SHARERS_WALK_MAX, sharers_step, &w, 0);
	if (w.n) {
		__u32 k = VG_MISC_SHARERS;
		__u64 *v = bpf_map_lookup_elem(&misc, &k);

		__sync_fetch_and_add(&doomed_n, w.n);
		if (v)
			*v += w.n;
	}
	return 0;
}

/* Is the table of `task` shared with another process? Its users outnumber
 * its threads. */
static __always_inline bool sharers_exist(struct task_struct *task)
{
	struct files_struct *files = task->files;

	return files && files->count.counter > task->signal->nr_threads;
}

/*
 * At a syscall of the current task: if its process is doomed, SIGKILL it
 * (pending before the syscall returns to user space). Spared processes
 * never are (lib/spared.bpf.h). Called only while doomed_n != 0. A global
 * function: verified once, not in each of the two programs that call it.
 */
__noinline int sharers_check(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 tgid = task->tgid;
	struct vg_doomed *d = bpf_map_lookup_elem(&doomed, &tgid);

	if (!d)
		return 0;
	if (d->start_ns != task->group_leader->start_boottime) {
		bpf_map_delete_elem(&doomed, &tgid); /* a reused pid */
		return 0;
	}
	if (enf_spared(task))
		return 0;
	/* EBUSY (another signal queued on this CPU): again at the next syscall */
	bpf_send_signal(VG_SIGKILL);
	return 0;
}

/* A doomed process forked: the child has a copy of its fds, doomed too. */
static __always_inline void sharers_fork(struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid, ctgid;
	struct vg_doomed *pd = bpf_map_lookup_elem(&doomed, &ptgid), d = {};

	if (!pd)
		return;
	ctgid = child->tgid;
	d.start_ns = child->start_boottime;
	d.killed = pd->killed;
	bpf_map_update_elem(&doomed, &ctgid, &d, BPF_ANY);
	__sync_fetch_and_add(&doomed_n, 1);
}

#endif /* VIGIL_BPF_SHARERS_H */
