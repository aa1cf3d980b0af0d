/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rollout controls of `vigil run` (docs/ROLLOUT.md): the never-kill set
 * handed to the kernel, and the global mode cap, which can be lowered and
 * raised back at run time (`vigil mode` over the control socket, or a
 * control file) but never above the mode the agent started with.
 */
#ifndef VIGIL_CLI_ROLLOUT_H
#define VIGIL_CLI_ROLLOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "abi/filter.h"
#include "rules/ruleset.h"

#define VG_NEVER_KILL_MAX 64

struct vg_never_kill {
	struct vg_exe_key keys[VG_NEVER_KILL_MAX];
	size_t n;
};

/* Add the executable at `path` (symlinks followed). Missing files are
 * skipped when `optional`; else -errno (logged). -E2BIG past the bound. */
int vg_never_kill_add(struct vg_never_kill *nk, const char *path, bool optional);
/* The defaults: the init system and vigil itself. */
void vg_never_kill_defaults(struct vg_never_kill *nk);

struct vg_modectl {
	enum vg_mode start; /* the ceiling: the --mode given at start */
	enum vg_mode cap;   /* now */
	const char *control_file; /* NULL: none */
	struct timespec control_mtime;
	int sock_fd;		 /* the control socket, listening; -1: none */
	char sock_path[108];
};

/*
 * Listen on the control socket at `path` (its directory is created 0700,
 * the socket is 0600; only root may talk to it). A stale socket of a dead
 * agent is replaced; a live agent's is not (-EADDRINUSE). 0 or negative
 * errno, logged. Without a call the socket stays off (sock_fd must be -1).
 */
int vg_modectl_listen(struct vg_modectl *mc, const char *path);
/* Close and remove the control socket. */
void vg_modectl_release(struct vg_modectl *mc);
/*
 * Apply what arrived since the last call (a `vigil mode` request, a
 * changed control file). Returns true when the cap changed (then *reason
 * says why); the caller pushes it to the kernel and logs it.
 */
bool vg_modectl_poll(struct vg_modectl *mc, const char **reason);

/* The client side (`vigil mode`): send `request` ("mode" or "mode alert")
 * and copy the one-line answer to `answer`. 0, or negative errno. */
int vg_modectl_request(const char *path, const char *request, char *answer, size_t size);

#endif /* VIGIL_CLI_ROLLOUT_H */
