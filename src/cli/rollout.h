/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rollout controls of `vigil run` (BRIEF §2, docs/ROLLOUT.md): the
 * never-kill set handed to the kernel, and the global mode cap, which can be
 * lowered and raised back at run time (SIGUSR1 lowers it one step, SIGUSR2
 * raises it one step, a control file sets it) but never above the mode the
 * agent started with.
 */
#ifndef VIGIL_CLI_ROLLOUT_H
#define VIGIL_CLI_ROLLOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "abi/filter.h"
#include "rules/ruleset.h"

#define VG_NEVER_KILL_MAX 64

/* The never-kill set: an executable by inode, and the path it was named
 * by, so that a replacement of the file (cp + mv, as an upgrade does) is
 * spared too: the path's new inode joins the set, the old one stays (its
 * processes still run it). */
struct vg_never_kill {
	struct vg_exe_key keys[VG_NEVER_KILL_MAX];
	char *paths[VG_NEVER_KILL_MAX]; /* owned; paths[i] last had keys[i] */
	size_t n;
};

/* Add the executable at `path` (symlinks followed). Missing files are
 * skipped when `optional`; else -errno (logged). -E2BIG past the bound. */
int vg_never_kill_add(struct vg_never_kill *nk, const char *path, bool optional);
/* Look at every path again: for one whose file was replaced, its new key
 * goes to keys[i] and to out (at most max), its path to *which. Returns how
 * many changed. */
size_t vg_never_kill_refresh(struct vg_never_kill *nk, struct vg_exe_key *out,
			     const char **which, size_t max);
void vg_never_kill_release(struct vg_never_kill *nk);
/* The defaults: the init system and vigil itself. */
void vg_never_kill_defaults(struct vg_never_kill *nk);

struct vg_modectl {
	enum vg_mode start; /* the ceiling: the --mode given at start */
	enum vg_mode cap;   /* now */
	const char *control_file; /* NULL: none */
	struct timespec control_mtime;
};

/* Install SIGUSR1/SIGUSR2 handlers (async-signal-safe: they only count). */
void vg_modectl_handle_signals(void);
/*
 * Apply what arrived since the last call (signals, a changed control file).
 * Returns true when the cap changed (then *reason says why); the caller
 * pushes it to the kernel and logs it.
 */
bool vg_modectl_poll(struct vg_modectl *mc, const char **reason);

#endif /* VIGIL_CLI_ROLLOUT_H */
