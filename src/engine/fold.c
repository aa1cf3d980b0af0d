// SPDX-License-Identifier: Apache-2.0
/* Folding repeated alerts; see fold.h. Open addressing with linear probing
 * over VG_FOLD_SLOTS; deletion by backward shift keeps probe chains whole. */
#include "engine/fold.h"

#include <stdlib.h>
#include <string.h>

void vg_fold_init(struct vg_fold *f, double window_s)
{
	memset(f, 0, sizeof(*f));
	f->window_ns = window_s > 0 ? (uint64_t)(window_s * 1e9) : 0;
}

void vg_fold_release(struct vg_fold *f)
{
	for (size_t i = 0; f->slots && i < VG_FOLD_SLOTS; i++)
		free(f->slots[i].output);
	free(f->slots);
	f->slots = NULL;
	f->used = 0;
}

static uint64_t hash_of(const struct vg_rule *r, const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull ^ (uintptr_t)r;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

bool vg_fold_seen(struct vg_fold *f, const struct vg_rule *r, const char *output, size_t len,
		  uint64_t now)
{
	uint64_t h;
	size_t i;

	if (!f->window_ns)
		return false;
	if (!f->slots) {
		f->slots = calloc(VG_FOLD_SLOTS, sizeof(*f->slots));
		if (!f->slots)
			return false;
	}
	h = hash_of(r, output, len);
	for (i = h % VG_FOLD_SLOTS; f->slots[i].rule; i = (i + 1) % VG_FOLD_SLOTS) {
		struct vg_fold_entry *e = &f->slots[i];

		if (e->hash == h && e->rule == r && !strncmp(e->output, output, len) &&
		    !e->output[len] && now - e->first_ns < f->window_ns) {
			e->count++;
			e->last_ns = now;
			f->folded++;
			return true;
		}
	}
	/* a new window; keep a slot free so that probes end */
	if (f->used + 1 >= VG_FOLD_SLOTS)
		return false;
	f->slots[i].output = strndup(output, len);
	if (!f->slots[i].output)
		return false;
	f->slots[i].rule = r;
	f->slots[i].hash = h;
	f->slots[i].first_ns = f->slots[i].last_ns = now;
	f->slots[i].count = 1;
	f->used++;
	return false;
}

/* Free slot i and shift later members of its probe chain back. */
static void remove_slot(struct vg_fold *f, size_t i)
{
	size_t j = i;

	free(f->slots[i].output);
	f->slots[i] = (struct vg_fold_entry){ 0 };
	f->used--;
	for (;;) {
		size_t home;

		j = (j + 1) % VG_FOLD_SLOTS;
		if (!f->slots[j].rule)
			return;
		home = f->slots[j].hash % VG_FOLD_SLOTS;
		/* j may move to i when its home is not in (i, j] cyclically */
		if ((i <= j) ? (home <= i || home > j) : (home <= i && home > j)) {
			f->slots[i] = f->slots[j];
			f->slots[j] = (struct vg_fold_entry){ 0 };
			i = j;
		}
	}
}

void vg_fold_flush(struct vg_fold *f, uint64_t now, bool all, vg_fold_fn fn, void *ctx)
{
	if (!f->slots)
		return;
	for (size_t i = 0; i < VG_FOLD_SLOTS && f->used;) {
		struct vg_fold_entry *e = &f->slots[i];

		if (!e->rule || (!all && now - e->first_ns < f->window_ns)) {
			i++;
			continue;
		}
		if (e->count > 1)
			fn(ctx, e);
		/* the shift may bring another entry into slot i: look again */
		remove_slot(f, i);
	}
}
