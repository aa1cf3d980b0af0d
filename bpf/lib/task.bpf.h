/* SPDX-License-Identifier: Apache-2.0 */
/* Process identity of BRIEF §4, read from a task_struct with CO-RE. */
#ifndef VIGIL_BPF_TASK_H
#define VIGIL_BPF_TASK_H

#include "maps.bpf.h"

/* x86: thread_info.status bit of a task inside an ia32 syscall. */
#define VG_TS_COMPAT 0x0002

static __always_inline void task_fill(struct vg_task *t, struct task_struct *task)
{
	const struct cred *cred = BPF_CORE_READ(task, cred);
	struct nsproxy *nsp = BPF_CORE_READ(task, nsproxy);
	struct pid *tpid = BPF_CORE_READ(task, thread_pid);
	unsigned int level = BPF_CORE_READ(tpid, level);
	struct upid up;

	t->pid = BPF_CORE_READ(task, tgid);
	t->tid = BPF_CORE_READ(task, pid);
	t->ppid = BPF_CORE_READ(task, real_parent, tgid);
	t->uid = BPF_CORE_READ(cred, uid.val);
	t->gid = BPF_CORE_READ(cred, gid.val);
	t->euid = BPF_CORE_READ(cred, euid.val);
	t->egid = BPF_CORE_READ(cred, egid.val);
	if (bpf_core_field_exists(task->loginuid)) {
		t->loginuid = BPF_CORE_READ(task, loginuid.val);
		t->sessionid = BPF_CORE_READ(task, sessionid);
	} else {
		t->loginuid = (__u32)-1;
		t->sessionid = (__u32)-1;
	}
	t->start_ns = BPF_CORE_READ(task, group_leader, start_boottime);
	/* The pid as the task's own namespace sees it: numbers[level]. */
	bpf_core_read(&up, sizeof(up), &tpid->numbers[level & 31]);
	t->vpid = up.nr;
	t->pid_ns = BPF_CORE_READ(up.ns, ns.inum);
	t->mnt_ns = BPF_CORE_READ(nsp, mnt_ns, ns.inum);
	t->net_ns = BPF_CORE_READ(nsp, net_ns, ns.inum);
	t->uts_ns = BPF_CORE_READ(nsp, uts_ns, ns.inum);
	t->ipc_ns = BPF_CORE_READ(nsp, ipc_ns, ns.inum);
	t->cgroup_ns = BPF_CORE_READ(nsp, cgroup_ns, ns.inum);
	t->user_ns = BPF_CORE_READ(cred, user_ns, ns.inum);
	bpf_core_read_str(t->comm, sizeof(t->comm), &task->comm);
}

/* Fill the identity of the current task, with the cgroup id only current has. */
static __always_inline struct task_struct *task_fill_current(struct vg_task *t)
{
	struct task_struct *task = bpf_get_current_task_btf();

	task_fill(t, task);
	t->cgroup_id = bpf_get_current_cgroup_id();
	return task;
}

#endif /* VIGIL_BPF_TASK_H */
