/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The exe sets of proc.exepath atoms (include/abi/filter.h, struct
 * vg_exeset_key): each path a rule lists, keyed by the file it names on the
 * host, written to the kernel's `exe_sets` map; and followed, so that a
 * file replaced later (cp + mv, as an upgrade does) joins its set while the
 * old one stays (its processes still run it). Owned by the loader.
 */
#ifndef VIGIL_LOADER_EXESET_H
#define VIGIL_LOADER_EXESET_H

#include <stddef.h>

#include "abi/filter.h"

struct vg_kfilter;

struct vg_exeset_entry {
	struct vg_exeset_key key; /* set (with its generation base), last file seen; ino 0: none yet */
	char *path;		  /* owned */
};

struct vg_exesets {
	struct vg_exeset_entry *e; /* the live generation's entries */
	size_t n;
	const char *host_root; /* borrowed; NULL: this filesystem is the host's */
};

/*
 * Key the paths of kf's exe sets (set ids moved up by `base`) and write
 * them to map `fd`; they become the entries followed. A path that names no
 * file now is followed all the same. 0 or negative errno (logged); the
 * entries are then unchanged.
 */
int vg_exesets_fill(struct vg_exesets *xs, int fd, const struct vg_kfilter *kf, __u32 base);
/* Look at every followed path again: a new file at one joins its set in
 * `fd`. Its path goes to *which (at most max). Returns how many joined. */
size_t vg_exesets_refresh(struct vg_exesets *xs, int fd, const char **which, size_t max);
void vg_exesets_release(struct vg_exesets *xs);

#endif /* VIGIL_LOADER_EXESET_H */
