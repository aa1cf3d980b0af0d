// SPDX-License-Identifier: GPL-2.0
/*
 * Programs for bench/tpbench and bench/agentbench only (never loaded by vigil): the two ways of
 * hooking syscalls that docs/ARCHITECTURE.md compares, doing the same work
 * (capture openat's arguments and return value), plus an empty program as
 * the floor.
 *   dispatch_*: one tp_btf/sys_exit for every syscall, table lookup by nr,
 *               arguments from pt_regs (vigil's design);
 *   tp_*:       syscalls:sys_enter_openat stores the arguments per thread,
 *               syscalls:sys_exit_openat picks them up with the result.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

struct args6 {
	__u64 a[6];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 512);
	__type(key, __u32);
	__type(value, __u32);
} table SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct args6);
} inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

static __always_inline void hit(__u64 v)
{
	__u32 zero = 0;
	__u64 *h = bpf_map_lookup_elem(&hits, &zero);

	if (h)
		*h += 1 + (v & 0);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(empty_sys_exit, struct pt_regs *regs, long ret)
{
	return 0;
}

/* bench/hostbench's floor also has the entry side: vigil attaches
 * tp_btf/sys_enter whenever a kill rule is loaded (the bundled rules have
 * one). */
SEC("tp_btf/sys_enter")
int BPF_PROG(empty_sys_enter, struct pt_regs *regs, long id)
{
	return 0;
}

/* The rest of the floor for bench/agentbench: empty programs on the
 * lifecycle tracepoints vigil also attaches to. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(empty_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(empty_fork, struct task_struct *parent, struct task_struct *child)
{
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(empty_exit, struct task_struct *p)
{
	return 0;
}

/* bench/killbench: when a watched process dies (CLOCK_MONOTONIC ns). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} death_ts SEC(".maps");

SEC("tp_btf/sched_process_exit")
int BPF_PROG(watch_exit, struct task_struct *p)
{
	__u32 pid = p->tgid;
	__u64 *ts = bpf_map_lookup_elem(&death_ts, &pid);

	if (ts && !*ts)
		*ts = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(dispatch_sys_exit, struct pt_regs *regs, long ret)
{
	__u32 nr = (__u32)BPF_CORE_READ(regs, orig_ax);
	__u32 *want = bpf_map_lookup_elem(&table, &nr);
	struct args6 a;

	if (!want || !*want)
		return 0;
	a.a[0] = BPF_CORE_READ(regs, di);
	a.a[1] = BPF_CORE_READ(regs, si);
	a.a[2] = BPF_CORE_READ(regs, dx);
	a.a[3] = BPF_CORE_READ(regs, r10);
	a.a[4] = BPF_CORE_READ(regs, r8);
	a.a[5] = BPF_CORE_READ(regs, r9);
	hit(a.a[0] + a.a[5] + ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int tp_enter_openat(struct trace_event_raw_sys_enter *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct args6 a;

	/* Unrolled (ctx is read at constant offsets only), and only openat's
	 * four arguments: this tracepoint's record ends there, and the kernel
	 * refuses to attach a program that reads past it. */
	a.a[0] = ctx->args[0];
	a.a[1] = ctx->args[1];
	a.a[2] = ctx->args[2];
	a.a[3] = ctx->args[3];
	a.a[4] = a.a[5] = 0;
	bpf_map_update_elem(&inflight, &tid, &a, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_openat")
int tp_exit_openat(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct args6 *a = bpf_map_lookup_elem(&inflight, &tid);

	if (!a)
		return 0;
	hit(a->a[0] + ctx->ret);
	bpf_map_delete_elem(&inflight, &tid);
	return 0;
}
