/* SPDX-License-Identifier: Apache-2.0 */
/*
 * In-kernel enforcement: for a finished syscall record, find the first
 * enforce-mode rule whose clause is known true (include/abi/filter.h has
 * the tables) and act on the current process from the probe itself.
 *
 * Kill: bpf_send_signal(SIGKILL) from the sys_exit program. The syscall has
 * run (an open has opened, an exec has loaded its image), but the signal is
 * pending before the task leaves the kernel, and SIGKILL is acted on at the
 * return to user space: the process never executes another instruction and
 * never sees the result. No round trip through user space is involved.
 *
 * Safety rails, checked in the kernel before any signal: PID 1, kernel
 * threads, vigil itself (never recorded at all) and the never-kill set of
 * executables, unless they loaded code from outside, are spared
 * (spared.bpf.h); a kill rate limit per offender (uid and cgroup)
 * turns that offender's excess into reports.
 * Every decision is written into the record (VG_F_KILLED etc. and
 * enf_rule) so the alert says what the kernel did, and shadow mode (cap
 * below enforce) takes the same path up to the signal.
 *
 * Bounds: VG_ECLAUSES (8) clauses of VG_FATOMS (6) atoms per event id.
 */
#ifndef VIGIL_BPF_ENFORCE_H
#define VIGIL_BPF_ENFORCE_H

#include "filter.bpf.h"
#include "spared.bpf.h"
#include "sharers.bpf.h"

#define VG_SIGKILL 9

#define VG_MODE_ENFORCE 2
#define VG_PTRACE_MODE_ATTACH 0x02

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * VG_EV_MAX); /* two halves: table_gen */
	__type(key, __u32);
	__type(value, struct vg_enforce);
} enforce SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vg_enf_conf);
} enf_conf SEC(".maps");

/*
 * The kill budget is per offender: a user in a cgroup (a container, a
 * service, a login session). One offender over its budget is only reported
 * for the rest of the second; everybody else is still killed, so an
 * unprivileged user who floods a kill rule cannot switch enforcement off
 * for a root offender. LRU: an offender not seen for a while is forgotten.
 */
struct vg_enf_rate_key {
	__u32 uid; /* real uid (kuid): who is acting, whatever it became */
	__u32 pad;
	__u64 cgroup_id;
};

/* Start of the offender's current one-second window and its kills in it
 * (a race at the window's edge lets a kill or two through, no more). */
struct vg_enf_rate {
	__u64 window_ns;
	__u64 count;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct vg_enf_rate_key);
	__type(value, struct vg_enf_rate);
} enf_rate SEC(".maps");


/* LSM-BPF hooks are attached (set by user space after the feature probe). */
const volatile __u8 lsm_active = 0;
/* The file_open hook is attached for kill rules on opens: it refuses an
 * open that one decides when the opener's file table is shared with
 * another process (sharers.bpf.h), and kills there. */
const volatile __u8 lsm_sharers = 0;
/* --protect-self: the LSM hooks refuse signals and ptrace aimed at vigil. */
const volatile __u8 protect_self = 0;

/* A verdict reached before the syscall's exit (at its entry, or in an LSM
 * hook), per thread, until the sys_exit program reports it. */
struct vg_pending {
	__u16 enf; /* the record's enf_rule: rule + 1, generation in bit 15 */
	__u16 ev;
	__u16 flags; /* VG_F_DENIED, or why not */
	__u16 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct vg_pending);
} pending SEC(".maps");

/* Entries in `pending`: each creation counts one, each deletion takes one
 * off. Only an LRU eviction (a full map) is not taken off, so this is
 * never below the true number; sys_exit looks the map up only when it is
 * not 0, which saves every traced syscall a hash lookup on a host that
 * enforces nothing at the moment. */
volatile __s64 pending_n = 0;

/* The verdict of thread `tid` for its syscall's exit: a new entry, or
 * written over the one there (not counted twice). */
static __always_inline void pending_put(__u32 tid, struct vg_pending *p)
{
	struct vg_pending *old;

	for (int i = 0; i < 2; i++) {
		if (!bpf_map_update_elem(&pending, &tid, p, BPF_NOEXIST)) {
			__sync_fetch_and_add(&pending_n, 1);
			return;
		}
		/* there, unless evicted meanwhile: then created above */
		old = bpf_map_lookup_elem(&pending, &tid);
		if (old) {
			*old = *p;
			return;
		}
	}
}

/* Thread `tid`'s entry gone (taken by its exit, or the thread's end). */
static __always_inline void pending_drop(__u32 tid)
{
	if (!bpf_map_delete_elem(&pending, &tid))
		__sync_fetch_and_add(&pending_n, -1);
}

/* A verdict the file_open hook reached on an io_uring OPENAT, per thread
 * (the submitter, or the io-wq worker that ran the open), until that
 * request's completion reports it (bpf/lib/uring.bpf.h): the io_uring_enter
 * syscall is not the event, so `pending` is not the place. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct vg_pending);
} uring_pending SEC(".maps");

/* lsm_scratch, the LSM hooks' scratch, is in filter.bpf.h (path_in uses it) */

static __always_inline __u32 enf_cap(void)
{
	__u32 zero = 0;
	struct vg_enf_conf *conf = bpf_map_lookup_elem(&enf_conf, &zero);

	return conf ? conf->cap : 0;
}

/* 1 when one more kill fits the current task's budget this second. */
static __always_inline int enf_rate_ok(struct task_struct *task, const struct vg_enf_conf *conf)
{
	struct vg_enf_rate_key k = {};
	struct vg_enf_rate *r, fresh = {};
	__u64 now = bpf_ktime_get_ns();

	if (!conf->max_per_sec)
		return 1;
	k.uid = BPF_CORE_READ(task, cred, uid.val);
	k.cgroup_id = bpf_get_current_cgroup_id();
	r = bpf_map_lookup_elem(&enf_rate, &k);
	if (!r) {
		fresh.window_ns = now;
		bpf_map_update_elem(&enf_rate, &k, &fresh, BPF_NOEXIST);
		r = bpf_map_lookup_elem(&enf_rate, &k);
		if (!r)
			return 1; /* no room to count: never a reason not to kill */
	}
	if (now - r->window_ns >= 1000000000ull) {
		r->window_ns = now;
		r->count = 0;
	}
	return __sync_fetch_and_add(&r->count, 1) < conf->max_per_sec;
}

/* Every atom of the clause known true (unknown never acts). */
static __always_inline int clause_true(struct vg_scratch *s, struct vg_eclause *cl)
{
	for (__u32 i = 0; i < VG_FATOMS; i++) {
		if (i >= cl->natoms)
			break;
		if (atom_eval(s, &cl->atoms[i]) != VG_T_TRUE)
			return 0;
	}
	return 1;
}

/* Act (or say what would have been done) for clause `cl`; the verdict goes
 * into the record's flags. */
static __always_inline __u16 enf_act(struct task_struct *task, struct vg_eclause *cl)
{
	__u32 zero = 0;
	struct vg_enf_conf *conf = bpf_map_lookup_elem(&enf_conf, &zero);

	if (enf_spared(task))
		return VG_F_ENF_SPARED;
	if (cl->action != VG_ENF_KILL || !conf || conf->cap < VG_MODE_ENFORCE)
		return VG_F_ENF_SHADOW;
	if (!enf_rate_ok(task, conf))
		return VG_F_ENF_LIMITED;
	if (bpf_send_signal(VG_SIGKILL)) {
		misc_inc(VG_MISC_KILL_ERR);
		return VG_F_ENF_SHADOW;
	}
	/* its file table's other users would keep what it opened */
	if (sharers_exist(task))
		sharers_doom();
	misc_inc(VG_MISC_KILLS);
	return VG_F_KILLED;
}

/*
 * Run the enforcement clauses of event id `ev` on the finished record in
 * `s`. Returns the verdict flags (0: no enforce-mode rule matched) and sets
 * the record's enf_rule. The clause index lives in a register here; the
 * atom evaluator is the global function of filter.bpf.h.
 */
static __always_inline __u16 enforce_sys(struct vg_scratch *s, struct task_struct *task, __u32 ev)
{
	__u32 key = table_key(ev, s->gen);
	struct vg_enforce *t = bpf_map_lookup_elem(&enforce, &key);
	struct vg_sys_event *e = (void *)s->rec;
	__u16 v, first = 0, first_rule = 0;
	__u32 c;

	if (!t || !t->nclauses)
		return 0;
	/* a kill wins over a report: the first clause that acts, else the
	 * first that would have */
	for (c = 0; c < VG_ECLAUSES; c++) {
		struct vg_eclause *cl;

		if (c >= t->nclauses)
			break;
		cl = &t->clauses[c];
		if (cl->action == VG_ENF_DENY || !clause_true(s, cl))
			continue; /* deny: the LSM hook decided, and said so */
		v = enf_act(task, cl);
		if (v == VG_F_KILLED || !first) {
			first = v;
			first_rule = cl->rule;
		}
		if (v == VG_F_KILLED)
			break;
	}
	if (!first)
		return 0;
	/* the generation says which ruleset the index is in */
	e->enf_rule = (first_rule + 1) | ((__u16)(s->gen & 1) << 15);
	e->hdr.flags |= first;
	return first;
}

#endif /* VIGIL_BPF_ENFORCE_H */
