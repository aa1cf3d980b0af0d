/* SPDX-License-Identifier: Apache-2.0 */
/* Process identity of BRIEF §4, read from a task_struct with CO-RE. */
#ifndef VIGIL_BPF_TASK_H
#define VIGIL_BPF_TASK_H

#include "maps.bpf.h"

/* x86: thread_info.status bit of a task inside an ia32 syscall. */
#define VG_TS_COMPAT 0x0002

/*
 * `task` must be a BTF pointer (from bpf_get_current_task_btf() or a tp_btf
 * argument): fields are then read with direct loads, which the verifier
 * turns into fault-tolerant PROBE_MEM loads with CO-RE offsets. That costs
 * a fraction of a bpf_probe_read_kernel() helper call per field, and this
 * runs for every recorded event.
 */
/* The pid namespace the task's pids live in (its level's), and its mount
 * namespace: what "in a container" compares with the host's. */
static __always_inline void task_fill_pidmnt(struct vg_task *t, struct task_struct *task)
{
	struct pid *tpid = task->thread_pid;
	unsigned int level = tpid->level;
	struct nsproxy *nsp = task->nsproxy;
	struct upid up;

	/* a variable index into a BTF object needs the helper */
	bpf_core_read(&up, sizeof(up), &tpid->numbers[level & 31]);
	t->vpid = up.nr;
	t->pid_ns = BPF_CORE_READ(up.ns, ns.inum);
	t->mnt_ns = nsp ? nsp->mnt_ns->ns.inum : 0;
}

static __always_inline void task_fill(struct vg_task *t, struct task_struct *task)
{
	const struct cred *cred = task->cred;
	struct nsproxy *nsp = task->nsproxy;

	t->pid = task->tgid;
	t->tid = task->pid;
	t->ppid = task->real_parent->tgid;
	t->uid = cred->uid.val;
	t->gid = cred->gid.val;
	t->euid = cred->euid.val;
	t->egid = cred->egid.val;
	if (bpf_core_field_exists(task->loginuid)) {
		t->loginuid = task->loginuid.val;
		t->sessionid = task->sessionid;
	} else {
		t->loginuid = (__u32)-1;
		t->sessionid = (__u32)-1;
	}
	t->start_ns = task->group_leader->start_boottime;
	/* the pid as the task's own namespace sees it: numbers[level] */
	task_fill_pidmnt(t, task);
	if (nsp) {
		t->net_ns = nsp->net_ns->ns.inum;
		t->uts_ns = nsp->uts_ns->ns.inum;
		t->ipc_ns = nsp->ipc_ns->ns.inum;
		t->cgroup_ns = nsp->cgroup_ns->ns.inum;
	} else {
		/* an exiting task has dropped its namespaces */
		t->net_ns = t->uts_ns = t->ipc_ns = t->cgroup_ns = 0;
	}
	t->user_ns = cred->user_ns->ns.inum;
	/* the session leader's pid: signal->pids[PIDTYPE_SID]->numbers[0] */
	t->sid = task->signal->pids[PIDTYPE_SID]->numbers[0].nr;
	__builtin_memcpy(t->comm, task->comm, sizeof(t->comm));
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
