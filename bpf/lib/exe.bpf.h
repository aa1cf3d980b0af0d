/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proc.exepath in the kernel: which file the task runs, as an identity a
 * process cannot claim. The comm (proc.name) is whatever the task says it
 * is (prctl(PR_SET_NAME), the name of a copy); the executable is the file
 * the kernel mapped at exec, task->mm->exe_file, named here by inode and
 * device. Exe sets (include/abi/filter.h, struct vg_exeset_key) are filled
 * by user space from the paths the rules list.
 *
 * Reads the task, not the record: the same at every stage (entry, LSM,
 * exit, io_uring completion in an io-wq worker, which shares its
 * submitter's mm). Costs one hash lookup, only for atoms that name it.
 */
#ifndef VIGIL_BPF_EXE_H
#define VIGIL_BPF_EXE_H

#include "maps.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct vg_exeset_key);
	__type(value, __u8);
} exe_sets SEC(".maps");

/* The executable of `task` by inode and device; 0 when it has none (a
 * kernel thread, a task past exit_mm). */
static __always_inline int exe_id(struct task_struct *task, __u64 *ino, __u32 *dev)
{
	struct file *exe = BPF_CORE_READ(task, mm, exe_file);
	struct inode *in;

	if (!exe)
		return 0;
	in = BPF_CORE_READ(exe, f_inode);
	*ino = BPF_CORE_READ(in, i_ino);
	*dev = BPF_CORE_READ(in, i_sb, s_dev);
	return 1;
}

/* 1 when the current task's executable is in exe set `set`, 0 when it is
 * not, -1 when it has none. */
static __always_inline int exe_in_set(__u32 set)
{
	struct vg_exeset_key k = { .set = set };

	if (!exe_id(bpf_get_current_task_btf(), &k.ino, &k.dev))
		return -1;
	return bpf_map_lookup_elem(&exe_sets, &k) != NULL;
}

#endif /* VIGIL_BPF_EXE_H */
