/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Maps and load-time configuration shared by every vigil BPF program.
 * User space sizes `events` (--ringbuf) and `lifecycle`
 * (--lifecycle-ringbuf) and fills `sc_table` between open and load; the
 * const volatile globals are set the same way.
 */
#ifndef VIGIL_BPF_MAPS_H
#define VIGIL_BPF_MAPS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "abi/event.h"
#include "abi/filter.h"

/* tgid of the agent itself: its own syscalls are never recorded. */
const volatile __u32 vigil_tgid = 0;
/*
 * Which half of the double-buffered rule tables (filters, enforce) is live:
 * user space fills the other half, then flips this, so a rules reload
 * swaps every table at once. In .bss: user space writes it in place.
 */
volatile __u32 table_gen = 0;

/* Key of event id `ev` in half `gen` of a double-buffered table. A program
 * reads table_gen once (into its scratch's `gen`) and uses that half all
 * through, so a flip mid-run never mixes two rulesets. */
static __always_inline __u32 table_key(__u32 ev, __u32 gen)
{
	return ev + (gen & 1) * VG_EV_MAX;
}

/* Wake the consumer only once this much is waiting in a ring (set to a
 * quarter of each ring by user space, which otherwise polls on a timer). */
const volatile __u64 wakeup_bytes = 1;
const volatile __u64 lc_wakeup_bytes = 1;

/* Syscall records. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* replaced by --ringbuf before load */
} events SEC(".maps");

/*
 * Process lifecycle records (exec, fork, exit) have a ring of their own: a
 * flood of syscall records can fill `events`, never this one, so the
 * process table stays right under load. They are few (one exec record per
 * exec, ~0.5 KiB typical, 14.5 KiB at most), so a few MiB hold seconds of
 * an exec storm.
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20); /* replaced by --lifecycle-ringbuf before load */
} lifecycle SEC(".maps");

/* syscall nr -> what to record; ev == 0 means "not traced". x86_64 rows
 * first, then the ia32 ones at VG_NR_COMPAT + the i386 number. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VG_SC_TABLE_SIZE);
	__type(key, __u32);
	__type(value, struct vg_sc_conf);
} sc_table SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VG_EV_MAX);
	__type(key, __u32);
	__type(value, struct vg_counters);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VG_MISC_MAX);
	__type(key, __u32);
	__type(value, __u64);
} misc SEC(".maps");

/*
 * Records are built in a per-CPU scratch buffer and copied to the ring with
 * bpf_ringbuf_output(), so a record costs ring space for the bytes it holds,
 * not for its worst case. Programs attached to tracepoints run with
 * preemption off (syscall tracepoints included, since 6.13 explicitly), so
 * one buffer per CPU is never shared by two runs.
 *
 * Layout arithmetic: string data is appended at `off`, which the code masks
 * with VG_SCRATCH_MASK before each write; a write is at most VG_PATH_MAX
 * bytes, so the buffer is VG_SCRATCH_MASK + 1 + VG_PATH_MAX long and every
 * masked write is provably in bounds for the verifier.
 */
#define VG_SCRATCH_MASK (16384 - 1)
#define VG_SCRATCH_SIZE (VG_SCRATCH_MASK + 1 + VG_PATH_MAX)
/* The path walk writes backwards into its own area of this size. */
#define VG_WALK_SIZE (2 * VG_PATH_MAX)

/*
 * Where the record under construction stands. Kept in the map value, not in
 * registers, on purpose: the verifier then sees the same (unknown) offset on
 * every path through the argument readers and prunes them, instead of
 * exploring each combination of string lengths.
 */
struct vg_cursor {
	__u32 off;  /* bytes of rec[] used */
	__u16 nstr; /* string slots claimed */
	__u16 flags; /* VG_F_* to OR into the header */
	__u16 path_slot; /* slot of the kernel-resolved path, or 0xffff */
	__u8 rel;   /* bit i: path argument i is relative (base slots, record.bpf.h) */
	__u8 ncopy; /* strings taken from the entry copy so far */
	__u32 wpos; /* path walk's write position in walk[] (path.bpf.h) */
	__u8 pc_slot; /* slot + 1 whose path-set bits scratch->pbits hold (0: none) */
	__u8 tmp_slot; /* slot + 1 whose string the filter's scan area holds (0: none) */
	__u8 nmemo;    /* scan answers kept in memo (filter.bpf.h, str_scan_once) */
	__u8 kmask;    /* bit u: an LSM path hook left path argument u's path (record.bpf.h) */
	struct vg_str str[VG_NSTR];
	struct {
		__u64 key; /* needle set, operation and haystack */
		__u64 res; /* VG_T_* */
	} memo[4];
};

#define VG_BASE_UNREAD 2

/* A mount's parent, its mount point there and its root (path.bpf.h). */
struct vg_mount_link {
	struct mount *parent;
	struct dentry *mountpoint;
	struct dentry *root;
};

/*
 * The early stage's climb to the open file's top directories
 * (filter.bpf.h, early_tops). Kept in the scratch, not on the stack: 6.1's
 * verifier bounds the stack of a whole call chain to 512 bytes.
 */
struct vg_climb {
	struct vg_mount_link ml;   /* of the mount the climb is in */
	__u64 d, mnt, froot, fmnt; /* kernel addresses, as in struct vg_walk */
	__u64 name[2];		   /* the last two components named: [0] the top */
	__u32 len[2];
	__u32 n;    /* components named */
	__u32 room; /* bytes the walk would have written */
	__u32 r;    /* 1: at the root, 2: no answer (the walk would cut or name no directory) */
	__u32 found; /* bits of the vg_comps names met among the directories */
	__u64 cw[2]; /* a directory's name being compared with them */
	__u64 bname; /* the first name (the file's own): its address, */
	__u32 blen;  /* its length, */
	__u32 bcross; /* and whether a mount was crossed before it (a mount's root) */
	struct path fpath; /* the file's f_path, as read */
};

struct vg_scratch {
	struct vg_cursor cur;
	struct vg_base_key bkey; /* the early stage's base-name lookup key */
	__u8 early;	/* VG_STAGE_*: what the record holds yet */
	__u8 have_base; /* bbits holds early_file's name's sets (VG_BASE_UNREAD: not yet) */
	__u8 raw_path;	/* entry stage: fd.name is the raw path argument, as at exit */
	__u8 gen;	/* the table generation this run uses (read once) */
	__u8 compat;	/* an ia32 syscall: compat struct layouts (msghdr) */
	__u8 path_norm; /* raw path arguments must be clean to be compared (path_clean) */
	__u8 raw_state; /* VG_RAW_*: the raw path argument in walk[VG_HAY_RAW] */
	__u8 pwords;	/* early stage: words of tbits and bbits copied (vg_filter) */
	__u64 early_file; /* early stage: the struct file fd.name names, or 0 */
	__u64 early_sock; /* early stage: the socket file of a socket call, or 0 */
	__u64 early_dest; /* early stage: a send's destination address (user), or 0 */
	__u32 early_dlen; /* its length */
	__u8 sock_read;	  /* early stage: the record's sock holds early_sock's */
	__u8 pad3[3];
	__u32 raw_len;	  /* its length (VG_RAW_OK) */
	__u8 top_state;	  /* VG_TOP_*: tbits holds early_file's region sets (filter.bpf.h) */
	__u8 base_len;	  /* bytes of early_file's name in bkey (have_base 1) */
	__u8 pad2[2];
	__u32 nkey;	  /* early_str's needle-set lookup key (a slot) */
	__u32 only;	  /* filter_pass's clauses to try, a bit each */
	struct vg_climb climb;
	struct vg_top_key tkey;	  /* the early stage's region lookup key */
	struct vg_top_val tbits;  /* the path sets whose regions hold early_file */
	struct vg_path_val bbits; /* the path sets with an exact entry of its name */
	struct vg_path_key pkey; /* path_in's lookup key */
	struct vg_path_val pbits; /* the path sets of cur.pc_slot's path */
	__u8 rec[VG_SCRATCH_SIZE];
	__u8 walk[VG_WALK_SIZE];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vg_scratch);
} scratch SEC(".maps");

static __always_inline struct vg_scratch *scratch_get(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&scratch, &zero);
}

static __always_inline void misc_inc(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&misc, &which);
	if (v)
		*v += 1;
}

static __always_inline struct vg_counters *counters_get(__u32 ev)
{
	return bpf_map_lookup_elem(&counters, &ev);
}

/*
 * Copy a finished record to `ring`. Failure means the ring is full: the
 * loss is counted per event id and CPU, which user space reports.
 *
 * Wake-ups are batched: waking the consumer costs the traced task an
 * irq_work and a scheduler wake-up (measured: most of the per-event cost
 * when the consumer keeps up and so is woken for every record). User space
 * drains the rings on a short timer; the kernel forces a wake-up only when
 * a ring is filling up.
 */
static __always_inline void emit_to(void *ring, __u64 wake_at, void *rec, __u32 size, __u32 ev)
{
	struct vg_counters *c = counters_get(ev);
	__u64 flags = BPF_RB_NO_WAKEUP;
	long err;

	if (size > VG_SCRATCH_SIZE)
		size = VG_SCRATCH_SIZE;
	if (bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA) >= wake_at)
		flags = BPF_RB_FORCE_WAKEUP;
	err = bpf_ringbuf_output(ring, rec, size, flags);
	if (!c)
		return;
	if (err)
		c->lost++;
	else
		c->sent++;
}

/* A syscall record. */
static __always_inline void emit(void *rec, __u32 size, __u32 ev)
{
	emit_to(&events, wakeup_bytes, rec, size, ev);
}

/* An exec, fork or exit record: its own ring. */
static __always_inline void emit_lifecycle(void *rec, __u32 size, __u32 ev)
{
	emit_to(&lifecycle, lc_wakeup_bytes, rec, size, ev);
}

#endif /* VIGIL_BPF_MAPS_H */
