/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rules' kernel-evaluable part, compiled into the filter tables of
 * include/abi/filter.h: per event id, a sound over-approximation of "some
 * rule indexed for this event id may match". Fields the kernel cannot see
 * become "true" (pass), negation is pushed to the leaves, and what does not
 * fit the tables' bounds widens to pass-all, never narrows.
 */
#ifndef VIGIL_KFILTER_H
#define VIGIL_KFILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "abi/filter.h"
#include "common/strbuf.h"
#include "rules/ruleset.h"

struct vg_kpath {
	__u32 set;
	__u16 len; /* bytes of path, without the NUL */
	bool exact;
	char path[VG_FPATH_MAX];
};

struct vg_kfilter {
	struct vg_filter f[VG_EV_MAX];
	struct vg_comm_key *comms;
	size_t ncomms;
	struct vg_kpath *paths;
	size_t npaths;
	struct vg_base_key *bases; /* last components of exact-only path sets */
	size_t nbases;
	struct vg_enforce enf[VG_EV_MAX]; /* enforce-mode rules, exact */
	size_t nenforce;		  /* rules in there */
	size_t nentry;			  /* clauses the sys_enter stage runs */
	__u32 nsets;
	size_t nfiltered_ids; /* event ids with a real filter (not pass-all) */
	size_t nclauses;      /* clauses over all ids */
	/* internal: set ids already made for a comparison node */
	const void **memo_node;
	__u32 *memo_set;
	size_t nmemo;
};

/* Build from a loaded ruleset. `pass_all` (--filter user): every event id
 * the rules need passes unfiltered. 0 or -ENOMEM. */
int vg_kfilter_build(struct vg_kfilter *kf, const struct vg_ruleset *rs, bool pass_all);
void vg_kfilter_release(struct vg_kfilter *kf);

/*
 * Can the kernel decide rule r exactly, as enforcement needs? 0, or -EINVAL
 * with the reason in `why` (naming the comparison that needs user space).
 */
int vg_kfilter_enforce_check(const struct vg_rule *r, struct strbuf *why);

/*
 * Add the enforcement tables of the enforce-mode rules of rs to kf (built
 * with vg_kfilter_build). `lsm`: LSM-BPF hooks are attached, so deny rules
 * are refused there; else they kill if the rule says `fallback: kill`, or
 * are only reported. 0, -ENOMEM, or -E2BIG with the event type in `why`
 * when an event id's rules need more than VG_FCLAUSES clauses.
 */
int vg_kfilter_build_enforce(struct vg_kfilter *kf, const struct vg_ruleset *rs, bool lsm,
			     struct strbuf *why);

/* The kernel part of rule r for event id ev, as text ("true" when the
 * kernel cannot narrow it). */
void vg_kfilter_explain(const struct vg_rule *r, unsigned ev, struct strbuf *sb);

#endif /* VIGIL_KFILTER_H */
