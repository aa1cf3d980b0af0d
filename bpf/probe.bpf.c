// SPDX-License-Identifier: GPL-2.0
/*
 * Feature probes for `vigil probe` and start-up: one trivial program per
 * program type. User space loads and attaches them one at a time (autoload
 * off for the rest), so each answer is "this kernel really loads and
 * attaches this", not a guess from version numbers.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

/* Never true: keeps bpf_send_signal in the program without ever calling it. */
const volatile __u32 never_pid = 0xffffffff;

SEC("tracepoint/syscalls/sys_enter_getppid")
int probe_tracepoint(void *ctx)
{
	return 0;
}

SEC("raw_tracepoint/sys_enter")
int probe_raw_tracepoint(void *ctx)
{
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(probe_tp_btf, struct pt_regs *regs, long id)
{
	return 0;
}

SEC("kprobe/do_unlinkat")
int probe_kprobe(void *ctx)
{
	return 0;
}

SEC("fentry/do_unlinkat")
int BPF_PROG(probe_fentry)
{
	return 0;
}

SEC("lsm/file_open")
int BPF_PROG(probe_lsm, struct file *file)
{
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(probe_send_signal, struct pt_regs *regs, long id)
{
	if ((__u32)(bpf_get_current_pid_tgid() >> 32) == never_pid)
		bpf_send_signal(9);
	return 0;
}
