/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signals that stop or kill vigil, recorded as they are sent.
 *
 * The syscall probe records a kill(2) at its exit, into `events`: a
 * SIGSTOP or SIGKILL aimed at vigil lands before vigil reads that record,
 * so the alert would die with it. The kernel's signal_generate tracepoint
 * fires in the sender, while the signal is queued and before the target
 * can act on it, whatever the door (kill, tkill, tgkill, pidfd_send_signal,
 * rt_*sigqueueinfo, a process-group kill, ia32): vg_tamper_signal records
 * there every signal aimed at vigil's tgid that vigil cannot answer itself
 * (SIGKILL, SIGSTOP, and any signal whose disposition in vigil is the
 * default, fatal or stopping, one), into `tamper`: a small ring of its own,
 * pinned by the loader apart from everything else (one per agent,
 * /sys/fs/bpf/vigil-tamper-<pid>), read by the sentinel process while vigil
 * is stopped or gone and by the next vigil when both are gone
 * (src/cli/sentinel.c). Signals vigil handles (SIGTERM, SIGINT, SIGHUP,
 * SIGUSR1, SIGUSR2) are reported by vigil itself, as before.
 *
 * Cost: one compare per signal sent on the machine (not per syscall).
 */
#ifndef VIGIL_BPF_TAMPER_H
#define VIGIL_BPF_TAMPER_H

#include "maps.bpf.h"
#include "task.bpf.h"
#include "record.bpf.h"

#define VG_SIGKILL_NR 9
#define VG_SIGSTOP_NR 19
#define VG_SIGCHLD_NR 17
#define VG_SIGCONT_NR 18
#define VG_SIGURG_NR 23
#define VG_SIGWINCH_NR 28
#define VG_TRACE_SIGNAL_IGNORED 1

/* Records are rare (one per signal to vigil); 64 KiB holds ~100 of the
 * largest (a 4 KiB executable path) and some thousands of typical ones. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 10);
} tamper SEC(".maps");

/* Its own scratch: signal_generate can fire in an irq_work (a signal that
 * a BPF program sent) on top of a program building a record in `scratch`. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vg_scratch);
} tamper_scratch SEC(".maps");

/* Does `sig` stop or end vigil without vigil's own handler running? */
static __always_inline bool tamper_sig(struct task_struct *target, int sig)
{
	struct sighand_struct *sh;
	void *handler = (void *)1;

	if (sig == VG_SIGKILL_NR || sig == VG_SIGSTOP_NR)
		return true;
	if (sig <= 0 || sig > 64 || sig == VG_SIGCHLD_NR || sig == VG_SIGCONT_NR ||
	    sig == VG_SIGURG_NR || sig == VG_SIGWINCH_NR)
		return false; /* default action: ignore, or continue */
	sh = target->sighand;
	/* a variable index into a BTF object needs the helper */
	bpf_core_read(&handler, sizeof(handler), &sh->action[(sig - 1) & 63].sa.sa_handler);
	return handler == NULL; /* SIG_DFL: vigil's handler will not run */
}

/*
 * The record (abi/event.h: struct vg_tamper_event) of signal `sig` sent by
 * the current task to vigil's thread `tid`, with the sender's executable
 * path after it. Global: verified once, apart from the entry program (it
 * takes scalars: a global function's pointer argument is plain memory to
 * the verifier, not a task).
 */
__noinline int tamper_record(__u32 tid, int sig, int code, int result)
{
	struct task_struct *cur = bpf_get_current_task_btf();
	struct vg_tamper_event *e;
	struct vg_scratch *s;
	struct pt_regs *regs;
	struct file *exe;
	__u32 zero = 0, size;

	s = bpf_map_lookup_elem(&tamper_scratch, &zero);
	if (!s)
		return 0;
	e = (void *)s->rec;
	cursor_reset(s, sizeof(*e));
	e->hdr.ts = bpf_ktime_get_boot_ns();
	e->hdr.type = VG_EV_TAMPER_SIGNAL;
	e->hdr.flags = 0;
	task_fill_current(&e->task);
	e->target_pid = vigil_tgid;
	e->target_tid = tid;
	e->sig = sig;
	e->code = code;
	e->result = result;
	e->nr = (__u32)-1;
	regs = (struct pt_regs *)bpf_task_pt_regs(cur);
	if (regs && !(cur->flags & 0x00200000 /* PF_KTHREAD */)) {
		e->nr = (__u32)regs->orig_ax;
		if (cur->thread_info.status & VG_TS_COMPAT)
			e->hdr.flags |= VG_F_COMPAT;
	}
	e->exe_slot = 0xffff;
	/* read, not loaded: the walk takes the address as a number, which a
	 * BTF pointer is not */
	exe = BPF_CORE_READ(cur, mm, exe_file);
	if (exe) {
		rec_put_path(s, (__u64)__builtin_preserve_access_index(&exe->f_path));
		if (s->cur.nstr)
			e->exe_slot = 0;
	}
	__builtin_memcpy(e->str, s->cur.str, sizeof(e->str));
	e->hdr.flags |= s->cur.flags;
	size = s->cur.off;
	if (size > VG_SCRATCH_SIZE)
		size = VG_SCRATCH_SIZE;
	if (size < sizeof(*e))
		size = sizeof(*e);
	e->hdr.size = size;
	/* woken at once: the reader must see it before the signal lands */
	if (bpf_ringbuf_output(&tamper, s->rec, size, 0))
		misc_inc(VG_MISC_TAMPER_LOST);
	return 0;
}

/* A signal queued for vigil, by anyone else: record what vigil cannot. */
static __always_inline void tamper_signal(int sig, struct kernel_siginfo *info,
					  struct task_struct *target, int result)
{
	struct task_struct *cur;
	int code = 0;

	if (!vigil_tgid || target->tgid != vigil_tgid || result == VG_TRACE_SIGNAL_IGNORED)
		return;
	cur = bpf_get_current_task_btf();
	if (cur->tgid == vigil_tgid || !tamper_sig(target, sig))
		return;
	/* SEND_SIG_NOINFO (0) and SEND_SIG_PRIV (1) are not pointers */
	if ((unsigned long)info > 1)
		code = BPF_CORE_READ(info, si_code);
	tamper_record(target->pid, sig, code, result);
}

#endif /* VIGIL_BPF_TAMPER_H */
