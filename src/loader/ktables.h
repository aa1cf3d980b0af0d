/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kernel's rule tables as user space hands them to the loader: the
 * filter clauses, comm/path/base-name sets and enforcement clauses of
 * include/abi/filter.h, per event id. Built by the rules compiler
 * (src/rules/kfilter.c), read by the loader (src/loader/loader.c), which
 * therefore needs nothing of the compiler. The builder owns the arrays;
 * vg_kfilter_release() frees them.
 */
#ifndef VIGIL_KTABLES_H
#define VIGIL_KTABLES_H

#include <stdbool.h>
#include <stddef.h>

#include "abi/event.h"
#include "abi/filter.h"

struct vg_kpath {
	__u32 set;
	__u16 len; /* bytes of path, without the NUL */
	bool exact;
	char path[VG_FPATH_MAX];
};

/* The last component of an exact entry of path set `set`, which the loader
 * folds into the base-name map (struct vg_base_key). */
struct vg_kbase {
	__u32 set;
	char name[VG_FBASE_MAX];
};

/* The region of an entry of path set `set` (struct vg_top_key). */
struct vg_ktop {
	__u32 set;
	bool exact; /* of an exact entry, else of a prefix */
	char d1[VG_FTOP_MAX];
	char d2[VG_FTOP_MAX];
};

/* An entry of an exe set (VG_A_EXE_IN): the path a rule lists, which the
 * loader keys by the file it names (include/abi/filter.h). */
struct vg_kexe {
	__u32 set;
	char path[256]; /* NUL-terminated; longer paths make no entry */
};

/* A needle of a VG_A_STR atom's set (a set holds up to VG_FNEEDLES). */
struct vg_kneedle {
	__u32 set;
	__u8 len;
	char s[VG_FNEEDLE_MAX];
};

struct vg_kfilter {
	struct vg_filter f[VG_EV_MAX];
	struct vg_comm_key *comms;
	size_t ncomms;
	struct vg_kpath *paths;
	size_t npaths;
	struct vg_kbase *bases; /* last components of exact path entries */
	size_t nbases;
	struct vg_ktop *tops; /* regions of the path entries of VG_AF_TOP sets */
	size_t ntops;
	struct vg_kexe *exes; /* proc.exepath sets */
	size_t nexes;
	struct vg_kneedle *needles; /* of VG_A_STR atoms */
	size_t nneedles;
	struct vg_num_key *nums; /* of VG_AOP_IN atoms */
	size_t nnums;
	struct vg_enforce enf[VG_EV_MAX]; /* enforce-mode rules, exact */
	size_t nenforce;		  /* rules in there */
	size_t nentry;			  /* clauses the sys_enter stage runs */
	__u32 nsets;
	size_t nfiltered_ids; /* event ids with a real filter (not pass-all) */
	size_t nclauses;      /* clauses over all ids */
	/* the builder's own (src/rules/kfilter.c): set ids already made for a
	 * comparison node; the loader never reads them */
	const void **memo_node;
	__u32 *memo_set;
	size_t nmemo;
};

/* Fill the skip table of a needle set whose n, len and s are set
 * (include/abi/filter.h, struct vg_needles). */
void vg_needles_index(struct vg_needles *v);

/* Fill the early stage's fields of a needle set (struct vg_needles: cmask,
 * ends, tail, tailx), adding the directory names its contains test needs
 * to the generation's table t. */
void vg_needles_early(struct vg_needles *v, struct vg_comps *t);

/*
 * The needle set of kf that starts at kf->needles[*i] (the builder keeps a
 * set's needles together), as the kernel's str_needles holds it: into *v,
 * indexed and with its early fields, the directory names numbered in t in
 * the order the sets come (so every caller that walks the sets from the
 * first numbers them alike). Sets *set to its id and *i past it. Returns 1,
 * 0 when there is no set left, -E2BIG when it has more needles than a
 * value holds (one left out would narrow the set).
 */
int vg_needles_next(const struct vg_kfilter *kf, size_t *i, __u32 *set, struct vg_needles *v,
		    struct vg_comps *t);

#endif /* VIGIL_KTABLES_H */
