/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An agent following the fleet's ruleset: each revision stored in the KV
 * bucket (`vigil fleet push` / `promote`) is decoded and compiled as `vigil
 * check` compiles files. On success the caller swaps the new ruleset in, all
 * or nothing, as SIGHUP does; on failure it keeps the rules it runs and
 * reports the error (and the failure count) in its heartbeat. A bad value in
 * the bucket never leaves an agent without rules.
 *
 * Ownership: the follower borrows the fleet connection (which must outlive
 * it). A ruleset handed out in an update belongs to the caller. Return 0 or
 * a negative errno unless said otherwise.
 */
#ifndef VIGIL_FLEET_FOLLOW_H
#define VIGIL_FLEET_FOLLOW_H

#include <stdint.h>

#include "rules/ruleset.h"

struct vg_fleet;
struct vg_rules_follow;

struct vg_rules_update {
	struct vg_ruleset *rs; /* the new ruleset (caller frees), or NULL */
	uint64_t revision;     /* the KV revision this update is about */
	char hash[65];	       /* its vg_bundle_hash */
	char error[512];       /* why it was refused: the first diagnostic line */
};

struct vg_rules_follow *vg_rules_follow_new(struct vg_fleet *f);
void vg_rules_follow_free(struct vg_rules_follow *w);

/*
 * Wait up to timeout_ms for the next revision (the current one comes
 * first). 1: u->rs holds it, compiled; 0: nothing new; -EINVAL: the revision
 * in u->revision could not be used, u->error says why (keep running the
 * old rules); another negative errno: the watch itself failed.
 */
int vg_rules_follow_next(struct vg_rules_follow *w, int timeout_ms, struct vg_rules_update *u);

/* The last value vg_rules_follow_next handed out compiled, as stored (a
 * malloc'd copy, NUL-terminated, the caller frees it; decode it with
 * vg_bundle_decode): what an agent loads again on SIGHUP. -ENOENT when
 * none yet, -ENOMEM. */
int vg_rules_follow_good(const struct vg_rules_follow *w, char **data, size_t *len);

#endif /* VIGIL_FLEET_FOLLOW_H */
