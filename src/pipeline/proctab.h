/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The process table: what vigil knows of each live process (exe, argv,
 * cwd, parent, ids), seeded from /proc at start and kept current from the
 * exec/fork/exit events. A process is (pid, start time): a reused pid is a
 * new entry, and the exited process that had it keeps its own entry while
 * its records may still be in flight.
 *
 * Bounded: at most `max` entries, of which at most max/8 exited ones.
 * Exited processes stay until the caller's horizon (the time up to which
 * every syscall record has been read) passes their exit by `grace_ns`;
 * then they are reaped. Single-threaded: owned by the consumer loop.
 */
#ifndef VIGIL_PROCTAB_H
#define VIGIL_PROCTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/event.h"

struct vg_proc {
	uint32_t pid, ppid;
	uint64_t start_ns; /* CLOCK_BOOTTIME ns; from /proc it has clock-tick precision */
	uint32_t uid, gid, euid, egid, loginuid, sessionid;
	char comm[VG_TASK_COMM_LEN];
	char tty[VG_TTY_LEN]; /* "" when none */
	char *exe;	      /* owned; NULL when unknown */
	char *cwd;	      /* owned; NULL when unknown */
	char *args;	      /* owned; argv NUL-separated, args_len bytes; NULL when unknown */
	size_t args_len;
	bool args_trunc;      /* argv longer than the kernel copies */
	bool from_proc;	      /* seeded from /proc (not seen exec'ing) */
	uint64_t exit_ts;     /* CLOCK_BOOTTIME ns of its exit; 0 while alive */
	struct vg_proc *next; /* hash chain */
	struct vg_proc *exit_prev, *exit_next; /* queue of exited entries */
};

struct vg_proctab_stats {
	size_t live, exited;
	uint64_t seeded;   /* entries read from /proc at start */
	uint64_t created;  /* entries from fork/exec events */
	uint64_t misses;   /* lookups of a pid the table did not know */
	uint64_t full;     /* inserts refused because the table was full */
	uint64_t reaped;
	uint64_t swept;	   /* marked exited by vg_proctab_sweep (their exit was lost) */
	uint64_t evicted;  /* exited entries dropped before the horizon passed (table full) */
	size_t exited_peak; /* most exited entries held at once */
};

/* NULL with errno set on failure. `max` bounds the entries (0: default 131072);
 * `grace_ns` is how long past the horizon exited entries stay (0: 5 s). */
struct vg_proctab *vg_proctab_new(size_t max, uint64_t grace_ns);
void vg_proctab_free(struct vg_proctab *pt);

/* Read every process under `procfs` (normally "/proc"). Returns the number
 * of entries added, or a negative errno if the directory cannot be read. */
int vg_proctab_seed(struct vg_proctab *pt, const char *procfs);

/* The entry for pid: the live process, else the latest exited one; or NULL. */
const struct vg_proc *vg_proctab_get(const struct vg_proctab *pt, uint32_t pid);
/* The entry of process (pid, start_ns), live or exited; or NULL. */
const struct vg_proc *vg_proctab_get_exact(const struct vg_proctab *pt, uint32_t pid,
					   uint64_t start_ns);

/*
 * Apply an event: exec replaces the image, fork adds the child, exit marks
 * the entry exited. For any other event from an unknown pid an entry is
 * built from the event's task and, where the process still exists, /proc.
 * Returns the entry of the event's process (NULL if the table is full).
 */
const struct vg_proc *vg_proctab_apply(struct vg_proctab *pt, const struct vg_event *ev);

/* True if `pid` is `ancestor` or descends from it (walks up to 64 parents). */
bool vg_proctab_descends(const struct vg_proctab *pt, uint32_t pid, uint32_t ancestor);

/* Drop the exited entries whose exit + grace_ns is before `horizon` (boot
 * ns): the agent passes the time up to which the syscall ring is read. */
void vg_proctab_reap(struct vg_proctab *pt, uint64_t horizon);

/* Mark exited, at `now`, the live entries whose process is gone: catches
 * exits whose event was lost (full ring), so the table stays bounded by the
 * processes that exist. One kill(pid, 0) per live entry; run it rarely.
 * Returns the number of entries marked. */
size_t vg_proctab_sweep(struct vg_proctab *pt, uint64_t now);

void vg_proctab_stats(const struct vg_proctab *pt, struct vg_proctab_stats *out);

/*
 * The host's path of process pid's root directory (its chroot; "/" for
 * most), read from procfs now: the kernel side reports a chrooted
 * process's paths relative to its root (bpf/lib/path.bpf.h), and this is
 * where that root lies on the host. Returns the length written to out
 * (NUL-terminated), or -errno (the process is gone).
 */
int vg_proctab_root(const struct vg_proctab *pt, uint32_t pid, char *out, size_t size);

/* Bytes of heap the table holds (entries and strings), for measurements. */
size_t vg_proctab_mem(const struct vg_proctab *pt);

#endif /* VIGIL_PROCTAB_H */
