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

#include "common/strbuf.h"
#include "loader/ktables.h"
#include "rules/ruleset.h"

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
 * when an event id's rules need more than VG_ECLAUSES clauses.
 */
int vg_kfilter_build_enforce(struct vg_kfilter *kf, const struct vg_ruleset *rs, bool lsm,
			     struct strbuf *why);

/* The kernel part of rule r for event id ev, as text ("true" when the
 * kernel cannot narrow it). */
void vg_kfilter_explain(const struct vg_rule *r, unsigned ev, struct strbuf *sb);

/* The table built for event id ev (all rules merged, as loaded), one
 * clause a line, with the first entries of each set. */
void vg_kfilter_explain_table(const struct vg_kfilter *kf, unsigned ev, struct strbuf *sb);

#endif /* VIGIL_KFILTER_H */
