/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The BPF skeleton's lifecycle: open, configure (ring size, own tgid),
 * load, fill the dispatcher table, attach; and reading the kernel's
 * counters. One struct vg_loader per agent, embedded in its owner.
 */
#ifndef VIGIL_LOADER_H
#define VIGIL_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/event.h"
#include "loader/exeset.h"

struct vigil_bpf;

struct vg_kfilter;

struct vg_loader_opts {
	size_t ringbuf_bytes;	   /* syscall ring: power of two, >= page size; 0: 8 MiB */
	size_t lifecycle_ringbuf_bytes; /* exec/fork/exit ring: likewise; 0: 4 MiB */
	const bool *sys_enabled;   /* [VG_EV_MAX]: syscall event ids to trace; NULL: all */
	const struct vg_kfilter *kfilter; /* kernel filter tables; NULL: pass everything */
	uint32_t host_pidns, host_mntns;  /* for the filter's "in a container" */
	/* enforcement (the tables are in kfilter->enf) */
	uint32_t enf_cap;		   /* the global mode: below 2 (enforce), report only */
	uint32_t max_kills_per_sec;	   /* 0: no limit */
	const struct vg_exe_key *never_kill; /* executables never killed */
	size_t nnever_kill;
	bool lsm; /* load and attach the LSM-BPF deny hooks (the kernel offers them) */
	/* LSM-BPF is there (probed), deny rules or not: load the path hooks,
	 * which give the records of unlink, rename, chmod, ... the paths the
	 * kernel acted on (where the kernel has CONFIG_SECURITY_PATH), and,
	 * with kill rules on opens, the file_open hook, which refuses such an
	 * open by a process whose file table another process shares */
	bool lsm_avail;
	bool pin; /* pin maps and links under VG_PIN_DIR; take over pins found there */
	bool protect_self; /* with lsm: refuse signals and ptrace aimed at vigil */
	const char *host_root; /* the host's / seen from here, for proc.exepath's files; NULL: / */
	/* pin the `tamper` ring at VG_TAMPER_PIN_PREFIX<pid> (vigil run: its
	 * records outlive the agent, src/cli/sentinel.c reads them) */
	bool tamper_pin;
};

/* Where each agent's ring of signals aimed at it (bpf/lib/tamper.bpf.h) is
 * pinned: this prefix and the agent's pid; a reader that claims it renames
 * it to <prefix><pid>-<reader's pid> (no dot: bpffs refuses such names).
 * Apart from VG_PIN_DIR: it is not --pin's, and `vigil unpin` leaves it. */
#define VG_TAMPER_PIN_PREFIX "/sys/fs/bpf/vigil-tamper-"

/* Where --pin keeps vigil's maps and links (bpffs, mounted if needed). */
#define VG_PIN_DIR "/sys/fs/bpf/vigil"

struct vg_loader {
	struct vigil_bpf *skel;
	bool lsm;   /* the LSM hooks are attached */
	bool entry; /* the raw sys_enter stage is attached (vg_loader_entry_attach) */
	bool took_over; /* --pin found a previous vigil's pins and replaced its programs */
	bool entry_str[VG_EV_MAX]; /* the event's strings are copied at its entry */
	struct bpf_link *links[32]; /* --pin: the links we attached */
	int entry_fds[32];	    /* perf events of the entry programs (entry_attach) */
	size_t nentry_fds;
	int decide_fd[VG_EV_MAX]; /* perf event fd + 1 of the entry stage on each call, or 0 */
	size_t nlinks;
	size_t nsyscalls; /* syscall rows enabled in the kernel table */
	uint32_t doomed_seen; /* the kernel's doomed_n when last polled */
	struct vg_exesets exes; /* proc.exepath's files, followed */
	int ncpus;
};

/* Load and attach everything. 0, or a negative errno after logging which
 * step failed and why; nothing stays loaded on failure. */
int vg_loader_start(struct vg_loader *l, const struct vg_loader_opts *o);
/* Detach and free; safe on a loader that never started. */
void vg_loader_stop(struct vg_loader *l);
/* Remove vigil's pins: detach what they kept attached. Returns how many
 * pins were removed, or a negative errno. */
int vg_loader_unpin(void);

/*
 * Replace the rule tables (kernel filter, enforcement, traced syscalls)
 * with kf's and sys_enabled's, atomically for the programs: the idle half
 * of the double-buffered tables is filled, then one 4-byte store makes it
 * live. 0 or negative errno (the running tables are then untouched).
 */
int vg_loader_swap_rules(struct vg_loader *l, const struct vg_kfilter *kf, const bool *sys_enabled);

/*
 * The entry stage of kf's kill rules: attached to the entry tracepoint of
 * each call they decide there, unless already. A call whose rules can act
 * only at its exit (its tracepoint did not attach, or it has none and the
 * raw sys_enter stage is not loaded) gets a warning that says why.
 */
void vg_loader_entry_attach(struct vg_loader *l, const struct vg_kfilter *kf);
/* Detach the entry stage from the calls kf does not decide there (kf
 * NULL: from all). */
void vg_loader_entry_detach_unused(struct vg_loader *l, const struct vg_kfilter *kf);

/* Change the global mode the kernel enforces under (at run time). 0 or
 * negative errno. */
int vg_loader_set_cap(struct vg_loader *l, uint32_t cap);
/* Spare one more executable (a replaced never-kill binary). 0 or -errno. */
int vg_loader_never_kill_add(struct vg_loader *l, const struct vg_exe_key *k);
/* proc.exepath's listed files looked at again: a replaced one's new file
 * joins its set (exeset.h). Paths that changed go to *which (at most max);
 * returns how many. */
size_t vg_loader_exesets_refresh(struct vg_loader *l, const char **which, size_t max);
/* fd of the syscall ring buffer map (`events`). */
int vg_loader_events_fd(const struct vg_loader *l);
/* Processes killed for sharing the file table of one enforcement killed
 * (bpf/lib/sharers.bpf.h), not reported yet: up to max (tgid in *tgid,
 * the killed process in *killed), marked reported. Cheap when there are
 * none (one read of a counter). Returns how many. */
size_t vg_loader_sharers_poll(struct vg_loader *l, uint32_t *tgid, uint32_t *killed, size_t max);
/* fd of the ring of signals aimed at vigil (`tamper`). */
int vg_loader_tamper_fd(const struct vg_loader *l);
/* fd of the exec/fork/exit ring buffer map (`lifecycle`). */
int vg_loader_lifecycle_fd(const struct vg_loader *l);

/* Bytes of the ring buffer map `fd` written and not yet consumed, and its
 * size. 0 or negative errno. */
int vg_loader_ring_fill(int fd, uint64_t *used, uint64_t *size);

/* Exec, fork and exit: the events of the lifecycle ring. */
static inline bool vg_ev_is_lifecycle(unsigned ev)
{
	return ev >= VG_EV_PROC_EXEC && ev <= VG_EV_PROC_EXIT;
}

struct vg_kstats {
	struct vg_counters ev[VG_EV_MAX]; /* summed over CPUs */
	uint64_t misc[VG_MISC_MAX];
	uint64_t lost_total;	   /* both rings */
	uint64_t lost_lifecycle;   /* of those, exec/fork/exit (the lifecycle ring) */
	uint64_t recursion_misses; /* program runs the kernel skipped (re-entry on a CPU) */
};

/* Sum the per-CPU counters. 0 or negative errno. */
int vg_loader_read_stats(const struct vg_loader *l, struct vg_kstats *out);

/* Parse "8M", "512K", "1G" or bytes; -EINVAL unless a power of two >= 4096. */
int vg_parse_size(const char *s, size_t *out);

#endif /* VIGIL_LOADER_H */
