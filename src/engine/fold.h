/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Folding repeats (vigil.aggregation_window): a rule that matches again
 * with the same rendered output within the window sends one alert, not
 * one per match. The first match goes out at once, in full; the repeats
 * are counted, and when the window closes one alert says how many there
 * were and the first and last time. Nothing is dropped: a table that is
 * full lets matches through unfolded.
 *
 * Ownership: the table owns copies of the rendered outputs; it borrows
 * the rules it names, so the engine flushes it before a reload frees them.
 */
#ifndef VIGIL_FOLD_H
#define VIGIL_FOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules/ruleset.h"

/* Slots in the table: distinct (rule, output) pairs folded at once. */
#define VG_FOLD_SLOTS 4096

struct vg_fold_entry {
	const struct vg_rule *rule; /* NULL: free slot */
	uint64_t hash;
	char *output;		    /* rendered template, without time and priority */
	uint64_t first_ns, last_ns; /* wall clock */
	uint64_t count;		    /* matches in the window, the first included */
};

struct vg_fold {
	uint64_t window_ns;
	struct vg_fold_entry *slots; /* VG_FOLD_SLOTS, allocated on first use */
	size_t used;
	uint64_t folded; /* matches not sent on their own */
};

void vg_fold_init(struct vg_fold *f, double window_s);
void vg_fold_release(struct vg_fold *f);

/*
 * A match of rule r with this rendered output at wall time now: true when
 * it repeats one sent within the window (counted, not to be sent now);
 * false when it is to be sent (the first of its window, or the table is
 * full or off).
 */
bool vg_fold_seen(struct vg_fold *f, const struct vg_rule *r, const char *output, size_t len,
		  uint64_t now);

/* The windows closed at `now` (all of them when `all`): fn is called for
 * each that had repeats, then the slot is freed. */
typedef void (*vg_fold_fn)(void *ctx, const struct vg_fold_entry *e);
void vg_fold_flush(struct vg_fold *f, uint64_t now, bool all, vg_fold_fn fn, void *ctx);

#endif /* VIGIL_FOLD_H */
