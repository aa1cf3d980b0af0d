// SPDX-License-Identifier: Apache-2.0
/*
 * Rules -> kernel filter tables; see kfilter.h and include/abi/filter.h.
 *
 * Each rule's compiled condition is turned, for one event id at a time,
 * into a disjunction of conjunctions of kernel atoms (DNF), with negations
 * pushed down to the leaves. A leaf the kernel cannot evaluate becomes
 * "true"; a leaf decided by the event id alone (evt.type, a field that is
 * constant for this syscall) becomes true or false. Bounds widen: a
 * conjunction longer than VG_FATOMS loses atoms (weaker, still sound) and a
 * disjunction over VG_FCLAUSES within one rule becomes "true". Across the
 * rules of one event id, clauses beyond VG_FCLAUSES are merged pairwise
 * into clauses both imply (see fit_clauses), so that many rules on one
 * syscall still leave a filter.
 */
#include "rules/kfilter.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pipeline/flags.h"
#include "pipeline/syscalls.h"
#include "rules/internal.h"

/* A DNF under construction: n clauses; n == 0 is false; a clause with no
 * atoms is true. */
/*
 * A condition in disjunctive normal form. `wide` records that it was
 * widened somewhere (a field or operator the kernel cannot judge, a bound
 * hit): then it over-approximates, which filtering allows and enforcement
 * does not; `why` is the first comparison widened (NULL: a bound).
 */
struct dnf {
	int n;
	bool wide;
	const struct vg_cexpr *why;
	struct vg_fclause c[VG_FCLAUSES];
};

static void dnf_true(struct dnf *d)
{
	memset(d, 0, sizeof(*d));
	d->n = 1;
}

static void dnf_false(struct dnf *d)
{
	memset(d, 0, sizeof(*d));
}

/* True because the kernel cannot tell, not because it is. */
static void dnf_widen(struct dnf *d, const struct vg_cexpr *why)
{
	dnf_true(d);
	d->wide = true;
	d->why = why;
}

static void wide_of(struct dnf *d, const struct dnf *x, bool wide, const struct vg_cexpr *why)
{
	const struct vg_cexpr *w = d->why ? d->why : x->why ? x->why : why;

	d->wide = d->wide || x->wide || wide;
	d->why = d->wide ? w : NULL;
}

static bool dnf_is_true(const struct dnf *d)
{
	for (int i = 0; i < d->n; i++)
		if (!d->c[i].natoms)
			return true;
	return false;
}

static void dnf_atom(struct dnf *d, struct vg_atom a)
{
	dnf_false(d);
	d->n = 1;
	d->c[0].natoms = 1;
	d->c[0].atoms[0] = a;
}

static void dnf_or(struct dnf *d, const struct dnf *x)
{
	bool wide = d->wide || x->wide, over = d->n + x->n > VG_FCLAUSES;
	const struct vg_cexpr *why = d->why ? d->why : x->why;

	if (dnf_is_true(d) || dnf_is_true(x) || over) {
		dnf_true(d);
		d->wide = wide || (over && !dnf_is_true(x));
		d->why = why;
		return;
	}
	for (int i = 0; i < x->n; i++)
		d->c[d->n++] = x->c[i];
	wide_of(d, x, false, NULL);
}

/*
 * What an atom is worth keeping in a full clause, by what it turns away
 * and when: an executable atom least (the rules use proc.exepath as an
 * allowlist, `not proc.exepath in (...)`, which spares few of the events a
 * path, name or string atom turns away); then a startswith on the resolved
 * path in a clause that also has an fd.name set atom (a glob's leading
 * piece, "/home/" of "/home/<*>/.ssh/<*>", says again what the set says);
 * then the atoms only the middle stage can judge, after the path walk (the
 * resolved path's scans, a negated set); then the rest, which the early
 * stage decides from arguments, identity and the dentries.
 */
static int atom_worth(const struct vg_fclause *cl, const struct vg_atom *a)
{
	bool fdset = false;

	if (a->kind == VG_A_EXE_IN)
		return 0;
	for (int i = 0; i < cl->natoms; i++)
		fdset = fdset || (cl->atoms[i].kind == VG_A_PATH_IN && !cl->atoms[i].neg &&
				  cl->atoms[i].arg == VG_APATH_FD);
	if (a->kind == VG_A_STR && a->arg == VG_APATH_FD)
		return a->op == VG_SOP_STARTSWITH && fdset ? 1 : 2;
	if (a->kind == VG_A_PATH_IN && a->neg)
		return 2;
	return 3;
}

/*
 * A full clause meets one more atom: the one worth least (atom_worth) of
 * the clause's and the new one is dropped, the newest on a tie (the clause
 * gets weaker, still sound). Returns true (an atom was dropped).
 */
static bool keep_narrower(struct vg_fclause *cl, const struct vg_atom *a)
{
	int low = atom_worth(cl, a), at = -1;

	for (int m = cl->natoms - 1; m >= 0; m--) {
		int w = atom_worth(cl, &cl->atoms[m]);

		if (w < low) {
			low = w;
			at = m;
		}
	}
	if (at >= 0)
		cl->atoms[at] = *a;
	return true;
}

static void dnf_and(struct dnf *d, const struct dnf *x)
{
	struct dnf r;
	bool dropped = false;

	if (!d->n || !x->n) {
		dnf_false(d);
		return;
	}
	if (d->n * x->n > VG_FCLAUSES) {
		/* Too many combinations: either side alone over-approximates
		 * the conjunction; keep the smaller. */
		struct dnf keep = x->n < d->n ? *x : *d;

		wide_of(&keep, x->n < d->n ? d : x, true, NULL);
		*d = keep;
		return;
	}
	dnf_false(&r);
	for (int i = 0; i < d->n; i++) {
		for (int j = 0; j < x->n; j++) {
			struct vg_fclause cl = d->c[i];

			/* atoms beyond the bound are dropped: a weaker clause */
			for (int k = 0; k < x->c[j].natoms; k++) {
				bool dup = false;

				/* an atom said twice (a glob's repeated piece) once */
				for (int m = 0; m < cl.natoms && !dup; m++)
					dup = !memcmp(&cl.atoms[m], &x->c[j].atoms[k], sizeof(cl.atoms[m]));
				if (dup)
					continue;
				if (cl.natoms < VG_FATOMS)
					cl.atoms[cl.natoms++] = x->c[j].atoms[k];
				else
					dropped = keep_narrower(&cl, &x->c[j].atoms[k]);
			}
			r.c[r.n++] = cl;
		}
	}
	r.wide = d->wide;
	r.why = d->why;
	wide_of(&r, x, dropped, NULL);
	*d = r;
}

/* --- sets ---------------------------------------------------------------------- */

static int memo(struct vg_kfilter *kf, const void *node, __u32 *set, bool *fresh)
{
	for (size_t i = 0; i < kf->nmemo; i++) {
		if (kf->memo_node[i] == node) {
			*set = kf->memo_set[i];
			*fresh = false;
			return 0;
		}
	}
	if (!(kf->nmemo & (kf->nmemo + 1)) || !kf->nmemo) {
		size_t cap = (kf->nmemo + 1) * 2;
		const void **n = realloc(kf->memo_node, cap * sizeof(*n));
		__u32 *s;

		if (!n)
			return -ENOMEM;
		kf->memo_node = n;
		s = realloc(kf->memo_set, cap * sizeof(*s));
		if (!s)
			return -ENOMEM;
		kf->memo_set = s;
	}
	*set = ++kf->nsets;
	kf->memo_node[kf->nmemo] = node;
	kf->memo_set[kf->nmemo++] = *set;
	*fresh = true;
	return 0;
}

static int add_comm(struct vg_kfilter *kf, __u32 set, const char *s, size_t len)
{
	struct vg_comm_key *n;

	if (len > 15)
		return 0; /* longer than any comm: can never be equal */
	n = realloc(kf->comms, (kf->ncomms + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	kf->comms = n;
	memset(&n[kf->ncomms], 0, sizeof(*n));
	n[kf->ncomms].set = set;
	memcpy(n[kf->ncomms].comm, s, len);
	kf->ncomms++;
	return 0;
}

static int add_path(struct vg_kfilter *kf, __u32 set, const char *s, size_t len, bool exact)
{
	struct vg_kpath *n = realloc(kf->paths, (kf->npaths + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	kf->paths = n;
	memset(&n[kf->npaths], 0, sizeof(*n));
	n[kf->npaths].set = set;
	n[kf->npaths].len = (__u16)len;
	n[kf->npaths].exact = exact;
	memcpy(n[kf->npaths].path, s, len);
	kf->npaths++;
	return 0;
}

static int add_num(struct vg_kfilter *kf, __u32 set, __s64 val)
{
	struct vg_num_key *n = realloc(kf->nums, (kf->nnums + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	kf->nums = n;
	n[kf->nnums++] = (struct vg_num_key){ .set = set, .val = val };
	return 0;
}

/* One path of exe set `set` (proc.exepath, see include/abi/filter.h). */
static int add_exe(struct vg_kfilter *kf, __u32 set, const char *s, size_t len)
{
	struct vg_kexe *n;

	/* not a host path the loader could name a file by: in no set, so the
	 * atom is unknown (filter) or false (enforce) for it, as for any
	 * executable not listed */
	if (len >= sizeof(n->path) || !len || s[0] != '/')
		return 0;
	n = realloc(kf->exes, (kf->nexes + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	kf->exes = n;
	memset(&n[kf->nexes], 0, sizeof(*n));
	n[kf->nexes].set = set;
	memcpy(n[kf->nexes].path, s, len);
	kf->nexes++;
	return 0;
}

/* The last component of an exact path, as the early stage looks it up: NULL
 * when it cannot be (a directory-like or too long value). */
static const char *path_base(const char *s, size_t len, size_t *blen)
{
	const char *slash = memrchr(s, '/', len);
	const char *b = slash ? slash + 1 : s;

	*blen = len - (size_t)(b - s);
	return *blen && *blen < VG_FBASE_MAX ? b : NULL;
}

static int add_base(struct vg_kfilter *kf, __u32 set, const char *b, size_t len)
{
	struct vg_kbase *n = realloc(kf->bases, (kf->nbases + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	kf->bases = n;
	memset(&n[kf->nbases], 0, sizeof(*n));
	n[kf->nbases].set = set;
	memcpy(n[kf->nbases].name, b, len);
	kf->nbases++;
	return 0;
}

static int add_needle(struct vg_kfilter *kf, __u32 set, const char *b, size_t len)
{
	struct vg_kneedle *n = realloc(kf->needles, (kf->nneedles + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	kf->needles = n;
	n += kf->nneedles++;
	memset(n, 0, sizeof(*n));
	n->set = set;
	n->len = (__u8)len;
	memcpy(n->s, b, len);
	return 0;
}

/* The set id of a one-needle set (equal needles share one, so that equal
 * atoms of two rules compare equal when clauses are merged), or 0. */
static __u32 needle_id(struct vg_kfilter *kf, const char *b, size_t len)
{
	for (size_t i = 0; i < kf->nneedles; i++) {
		const struct vg_kneedle *k = &kf->needles[i];
		bool alone = (i + 1 == kf->nneedles || kf->needles[i + 1].set != k->set) &&
			     (!i || kf->needles[i - 1].set != k->set);

		if (alone && k->len == len && !memcmp(k->s, b, len))
			return k->set;
	}
	if (add_needle(kf, kf->nsets + 1, b, len))
		return 0;
	return ++kf->nsets;
}

/* A needle set holding the needles of sets a and b, or 0 when they are more
 * than a set holds. */
static __u32 union_needles(struct vg_kfilter *kf, __u32 a, __u32 b)
{
	__u32 set = kf->nsets + 1;
	size_t n = kf->nneedles, start = n, got = 0;

	for (size_t i = 0; i < n; i++) {
		struct vg_kneedle k = kf->needles[i];
		bool dup = false;

		if (k.set != a && k.set != b)
			continue;
		for (size_t j = start; j < kf->nneedles && !dup; j++)
			dup = kf->needles[j].len == k.len && !memcmp(kf->needles[j].s, k.s, k.len);
		if (dup)
			continue;
		if (++got > VG_FNEEDLES || add_needle(kf, set, k.s, k.len)) {
			kf->nneedles = start; /* nothing made */
			return 0;
		}
	}
	kf->nsets = set;
	return set;
}

/* A set holding the entries of sets a and b (the same kind), or 0 when the
 * tables would grow too much. */
#define VG_KF_MAX_ENTRIES 3072 /* of the kernel maps' 4096 */

static __u32 union_set(struct vg_kfilter *kf, enum vg_atom_kind kind, __u32 a, __u32 b)
{
	if (kind == VG_A_STR)
		return union_needles(kf, a, b);
	__u32 set = kf->nsets + 1;
	size_t n = kind == VG_A_COMM_IN ? kf->ncomms : kf->npaths;
	size_t grow = 0;

	/* what the union copies, counted first: the tables must still fit
	 * once it is made (a bound on the total, not on the tables already
	 * made, which would refuse unions long before the maps are full) */
	for (size_t i = 0; i < n; i++) {
		__u32 s = kind == VG_A_COMM_IN ? kf->comms[i].set : kf->paths[i].set;

		grow += s == a || s == b;
	}
	if (n + grow > VG_KF_MAX_ENTRIES)
		return 0;
	for (size_t i = 0; i < n; i++) {
		int err = 0;

		if (kind == VG_A_COMM_IN && (kf->comms[i].set == a || kf->comms[i].set == b)) {
			char comm[16];

			memcpy(comm, kf->comms[i].comm, sizeof(comm));
			err = add_comm(kf, set, comm, strnlen(comm, sizeof(comm)));
		} else if (kind == VG_A_PATH_IN && (kf->paths[i].set == a || kf->paths[i].set == b)) {
			struct vg_kpath p = kf->paths[i];
			bool dup = false;

			/* an entry both sets hold, once */
			for (size_t j = n; j < kf->npaths && !dup; j++)
				dup = kf->paths[j].exact == p.exact && kf->paths[j].len == p.len &&
				      !memcmp(kf->paths[j].path, p.path, p.len);
			if (!dup)
				err = add_path(kf, set, p.path, p.len, p.exact);
		}
		if (err)
			return 0;
	}
	kf->nsets = set;
	return set;
}

static bool atom_eq(const struct vg_atom *a, const struct vg_atom *b)
{
	return !memcmp(a, b, sizeof(*a));
}

/* Set atoms that differ only in their set (and flags), and can be joined
 * into one over the union (a negated one cannot: "not in A or not in B" is
 * no set test). */
static bool atom_joinable(const struct vg_atom *a, const struct vg_atom *b)
{
	return (a->kind == VG_A_COMM_IN || a->kind == VG_A_PATH_IN || a->kind == VG_A_STR) &&
	       a->kind == b->kind && !a->neg && !b->neg && a->arg == b->arg &&
	       a->width == b->width && a->op == b->op && a->set != b->set;
}

/*
 * The clause both a and b imply: the atoms they share, and set atoms of one
 * kind joined over the union of their sets. With kf NULL, only count the
 * atoms it would keep (no set is made). Returns that count.
 */
static int merge_clause(struct vg_kfilter *kf, const struct vg_fclause *a,
			const struct vg_fclause *b, struct vg_fclause *out)
{
	struct vg_fclause m = { 0 };
	bool used[VG_FATOMS] = { false };

	for (int i = 0; i < a->natoms; i++) {
		int join = -1;

		for (int k = 0; k < b->natoms; k++) {
			if (used[k])
				continue;
			if (atom_eq(&a->atoms[i], &b->atoms[k])) {
				join = k;
				break;
			}
			if (join < 0 && atom_joinable(&a->atoms[i], &b->atoms[k]))
				join = k;
		}
		if (join < 0)
			continue; /* dropped: the merged clause is weaker, still implied */
		used[join] = true;
		m.atoms[m.natoms] = a->atoms[i];
		if (!atom_eq(&a->atoms[i], &b->atoms[join]) && kf) {
			__u32 set = union_set(kf, a->atoms[i].kind, a->atoms[i].set,
					      b->atoms[join].set);

			if (!set)
				continue;
			m.atoms[m.natoms].set = set;
		}
		m.natoms++;
	}
	if (out)
		*out = m;
	return m.natoms;
}

/* Is entry i of kind's table (paths, comms, needles) one of set's? */
static bool entry_in_set(const struct vg_kfilter *kf, enum vg_atom_kind kind, size_t i, __u32 set)
{
	if (kind == VG_A_PATH_IN) {
		const struct vg_kpath *p = &kf->paths[i];

		for (size_t j = 0; j < kf->npaths; j++)
			if (kf->paths[j].set == set && kf->paths[j].exact == p->exact &&
			    kf->paths[j].len == p->len && !memcmp(kf->paths[j].path, p->path, p->len))
				return true;
	} else if (kind == VG_A_COMM_IN) {
		for (size_t j = 0; j < kf->ncomms; j++)
			if (kf->comms[j].set == set &&
			    !strncmp(kf->comms[j].comm, kf->comms[i].comm, sizeof(kf->comms[i].comm)))
				return true;
	} else {
		const struct vg_kneedle *k = &kf->needles[i];

		for (size_t j = 0; j < kf->nneedles; j++)
			if (kf->needles[j].set == set && kf->needles[j].len == k->len &&
			    !memcmp(kf->needles[j].s, k->s, k->len))
				return true;
	}
	return false;
}

/* Does set b of an atom of `kind` hold every entry of set a? */
static bool set_within(const struct vg_kfilter *kf, enum vg_atom_kind kind, __u32 a, __u32 b)
{
	size_t n = kind == VG_A_PATH_IN ? kf->npaths : kind == VG_A_COMM_IN ? kf->ncomms : kf->nneedles;

	if (a == b)
		return true;
	for (size_t i = 0; i < n; i++) {
		__u32 s = kind == VG_A_PATH_IN ? kf->paths[i].set
			  : kind == VG_A_COMM_IN ? kf->comms[i].set
						 : kf->needles[i].set;

		if (s == a && !entry_in_set(kf, kind, i, b))
			return false;
	}
	return true;
}

static bool sets_same(const struct vg_kfilter *kf, enum vg_atom_kind kind, __u32 a, __u32 b)
{
	return set_within(kf, kind, a, b) && set_within(kf, kind, b, a);
}

/* Each rule's comparison makes its own set: give the atoms of n clauses
 * whose sets hold the same entries one id, so that the merges below see
 * them equal ("fd.name startswith /etc/" in two rules is one test). */
static void same_sets(const struct vg_kfilter *kf, struct vg_fclause *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < c[i].natoms; k++) {
			struct vg_atom *a = &c[i].atoms[k];
			bool done = false;

			if (a->kind != VG_A_PATH_IN && a->kind != VG_A_COMM_IN && a->kind != VG_A_STR)
				continue;
			/* the first atom before it with an equal set lends its id */
			for (size_t j = 0; j <= i && !done; j++)
				for (int m = 0; m < c[j].natoms && !done; m++) {
					const struct vg_atom *b = &c[j].atoms[m];

					if (j == i && m >= k)
						break;
					if (b->kind == a->kind && sets_same(kf, a->kind, b->set, a->set)) {
						a->set = b->set;
						done = true;
					}
				}
		}
}

/* Does atom b imply atom a? When they are equal, or when both test a set
 * the same way and b's entries are all a's. */
static bool atom_implies(const struct vg_kfilter *kf, const struct vg_atom *b, const struct vg_atom *a)
{
	if (atom_eq(a, b))
		return true;
	return atom_joinable(a, b) && set_within(kf, a->kind, b->set, a->set);
}

/* Does b imply a: is each atom of a implied by an atom of b of its own?
 * Equal clauses do. */
static bool clause_implies(const struct vg_kfilter *kf, const struct vg_fclause *b,
			   const struct vg_fclause *a)
{
	bool used[VG_FATOMS] = { false };

	for (int i = 0; i < a->natoms; i++) {
		int k;

		for (k = 0; k < b->natoms; k++)
			if (!used[k] && atom_implies(kf, &b->atoms[k], &a->atoms[i]))
				break;
		if (k == b->natoms)
			return false;
		used[k] = true;
	}
	return true;
}

/* Do clauses a and b differ in one atom each alone, two set atoms that
 * join over a union (atom_joinable)? Then (a or b) is exactly a with its
 * atom *ia over the union of its set and that of b's atom *ib. */
static bool clauses_join(const struct vg_fclause *a, const struct vg_fclause *b, int *ia, int *ib)
{
	bool used[VG_FATOMS] = { false };

	*ia = *ib = -1;
	if (a->natoms != b->natoms)
		return false;
	for (int i = 0; i < a->natoms; i++) {
		int k;

		for (k = 0; k < b->natoms; k++)
			if (!used[k] && atom_eq(&a->atoms[i], &b->atoms[k]))
				break;
		if (k < b->natoms) {
			used[k] = true;
		} else if (*ia < 0) {
			*ia = i;
		} else {
			return false;
		}
	}
	for (int k = 0; k < b->natoms; k++)
		if (!used[k])
			*ib = k;
	return *ia >= 0 && *ib >= 0 && atom_joinable(&a->atoms[*ia], &b->atoms[*ib]);
}

/*
 * The merges that lose nothing, for every event id whatever its clause
 * count: a clause that implies another goes (the other already passes
 * what it passes), and two that differ in one set atom alone become one
 * over the union of the two sets. The rules' DNF makes many such pairs
 * (a rule over `fd.name in (A) or fd.name startswith B` is two clauses),
 * and every clause is one more test for each event. Returns the count left.
 */
static size_t exact_merges(struct vg_kfilter *kf, struct vg_fclause *c, size_t n)
{
	bool again = true;

	while (again) {
		again = false;
		for (size_t i = 0; i < n && !again; i++) {
			for (size_t j = 0; j < n && !again; j++) {
				int ia, ib;
				__u32 set;

				if (i == j)
					continue;
				if (clause_implies(kf, &c[j], &c[i])) {
					c[j] = c[--n];
					again = true;
				} else if (i < j && clauses_join(&c[i], &c[j], &ia, &ib) &&
					   (set = union_set(kf, c[i].atoms[ia].kind, c[i].atoms[ia].set,
							    c[j].atoms[ib].set))) {
					c[i].atoms[ia].set = set;
					c[j] = c[--n];
					again = true;
				}
			}
		}
	}
	return n;
}

/*
 * Fit n clauses (every rule's, for one event id) into VG_FCLAUSES by merging,
 * each time, the pair whose merge loses the fewest atoms. Every clause
 * implies the one it is merged into, so the OR can only grow: sound.
 * Returns the clause count, or 0 when a merge left a clause with no atom
 * (true: the event id passes whole).
 */
static size_t fit_clauses(struct vg_kfilter *kf, struct vg_fclause *c, size_t n)
{
	while (n > VG_FCLAUSES) {
		size_t bi = 0, bj = 1;
		int best = -1, best_lost = 0;

		/* the merge that loses the fewest atoms of either clause (two
		 * clauses over one path prefix each join losing none), then
		 * the one that keeps the most: a clause with negated sets, which
		 * no merge can keep, is merged last */
		for (size_t i = 0; i < n; i++) {
			for (size_t j = i + 1; j < n; j++) {
				int kept = merge_clause(NULL, &c[i], &c[j], NULL);
				int lost = c[i].natoms + c[j].natoms - 2 * kept;

				if (best < 0 || lost < best_lost || (lost == best_lost && kept > best)) {
					best = kept;
					best_lost = lost;
					bi = i;
					bj = j;
				}
			}
		}
		merge_clause(kf, &c[bi], &c[bj], &c[bi]);
		if (!c[bi].natoms)
			return 0;
		c[bj] = c[--n];
	}
	return n;
}

/* --- leaves -------------------------------------------------------------------------- */

struct ctx {
	struct vg_kfilter *kf; /* NULL when only explaining */
	unsigned ev;
	const struct vg_sc_desc *sc;
	int err;
};

static struct vg_atom atom(enum vg_atom_kind k, enum vg_atom_op op, __s64 val, bool neg)
{
	return (struct vg_atom){ .kind = k, .op = op, .val = val, .neg = neg, .width = 8 };
}

static bool atom_op(enum vg_op op, enum vg_atom_op *out)
{
	switch (op) {
	case VG_OP_EQ: *out = VG_AOP_EQ; return true;
	case VG_OP_NE: *out = VG_AOP_NE; return true;
	case VG_OP_LT: *out = VG_AOP_LT; return true;
	case VG_OP_LE: *out = VG_AOP_LE; return true;
	case VG_OP_GT: *out = VG_AOP_GT; return true;
	case VG_OP_GE: *out = VG_AOP_GE; return true;
	default: return false;
	}
}

/* One numeric comparison, or an `in` list as a disjunction of equalities. */
static void numeric(struct ctx *x, struct dnf *d, const struct vg_cexpr *e,
		    enum vg_atom_kind k, int width, const __s64 *vals, bool neg, __u8 arg)
{
	enum vg_atom_op op;
	struct vg_atom a;

	if ((e->op == VG_OP_IN || e->op == VG_OP_INTERSECTS) && e->nvals == 1) {
		a = atom(k, VG_AOP_EQ, vals[0], neg);
		a.width = (__u8)width;
		a.arg = arg;
		dnf_atom(d, a);
		return;
	}
	if (e->op == VG_OP_IN || e->op == VG_OP_INTERSECTS) {
		/* one set atom, exact either way (a negation of a known
		 * answer): `not fd.sport in (20 ports)` stays one test */
		__u32 set = 0;
		bool fresh = false;

		if (!e->nvals) { /* in (): never */
			if (neg)
				dnf_true(d);
			else
				dnf_false(d);
			return;
		}
		if (x->kf) {
			if (memo(x->kf, e, &set, &fresh)) {
				x->err = -ENOMEM;
				dnf_widen(d, e);
				return;
			}
			for (size_t i = 0; fresh && i < e->nvals; i++)
				if (add_num(x->kf, set, vals[i])) {
					x->err = -ENOMEM;
					dnf_widen(d, e);
					return;
				}
		}
		a = atom(k, VG_AOP_IN, 0, neg);
		a.set = set;
		a.width = (__u8)width;
		a.arg = arg;
		dnf_atom(d, a);
		return;
	}
	if (!atom_op(e->op, &op) || !e->nvals) {
		dnf_widen(d, e);
		return;
	}
	a = atom(k, op, vals[0], neg);
	a.width = (__u8)width;
	a.arg = arg;
	dnf_atom(d, a);
}

/* Index of the string slot the first path argument lands in, or 0xff. */
static __u8 first_path_slot(const struct vg_sc_desc *sc)
{
	for (int i = 0; i < 6; i++)
		if (sc->args[i].type == VG_AT_PATH)
			return (__u8)vg_sc_slot(sc, i);
	return 0xff;
}

/* Record slot of the destination address a call passes (connect, sendto:
 * the sockaddr; sendmsg: its msghdr's msg_name), or 0xff. */
static __u8 dest_slot(const struct vg_sc_desc *sc)
{
	for (int i = 0; i < 6; i++) {
		__u8 k = vg_sc_karg(sc, i);

		if (k == VG_KARG_SOCKADDR || k == VG_KARG_MSGHDR)
			return (__u8)vg_sc_slot(sc, i);
	}
	return 0xff;
}

static bool is_sock_sc(const struct vg_sc_desc *sc)
{
	return sc->post == VG_POST_SOCK_ARG0 || sc->post == VG_POST_SOCK_RET;
}

/*
 * VG_A_STR atoms: `src` is the atom's `arg` (VG_APATH_FD, VG_ASTR_COMM or
 * the raw path argument's register, with its record slot `slot`). Each
 * value is one atom: a contains/startswith/endswith of the value itself
 * (exact), or, for a glob, of the literal pieces the pattern's matches
 * must hold (the first piece anchored at the start, the last at the end,
 * those between contained): a necessary condition, so not negated. The
 * atoms are wide either way: enforcement keeps to the atoms it always
 * decides (an LSM hook cannot scan strings).
 */
static void str_add(struct ctx *x, struct dnf *d, __u8 src, __u8 slot, enum vg_str_op op,
		    const char *b, size_t len, bool neg)
{
	struct vg_atom a = atom(VG_A_STR, (enum vg_atom_op)op, 0, neg);
	struct dnf one;

	/* a long value: its first (last) bytes, which it implies; not when
	 * negated (the cut needle could be there while the value is not) */
	if (len > VG_FNEEDLE_MAX) {
		if (neg)
			return; /* the clause stays weaker */
		if (op == VG_SOP_ENDSWITH)
			b += len - VG_FNEEDLE_MAX;
		len = VG_FNEEDLE_MAX;
	}
	a.arg = src;
	a.width = slot;
	if (x->kf) {
		a.set = needle_id(x->kf, b, len);
		if (!a.set)
			x->err = -ENOMEM;
	}
	dnf_atom(&one, a);
	dnf_and(d, &one);
}

static void leaf_str(struct ctx *x, const struct vg_cexpr *e, bool neg, struct dnf *d, __u8 src,
		     __u8 slot, bool filename)
{
	enum vg_str_op op;

	if (e->nvals != 1 && !(filename && e->op == VG_OP_IN)) {
		dnf_widen(d, e);
		return;
	}
	dnf_true(d);
	switch (e->op) {
	case VG_OP_CONTAINS:
	case VG_OP_BCONTAINS:
	case VG_OP_STARTSWITH:
	case VG_OP_BSTARTSWITH:
	case VG_OP_ENDSWITH:
		op = e->op == VG_OP_ENDSWITH ? VG_SOP_ENDSWITH
		     : e->op == VG_OP_CONTAINS || e->op == VG_OP_BCONTAINS ? VG_SOP_CONTAINS
									 : VG_SOP_STARTSWITH;
		/* the name after the last '/': a value without '/' ends it
		 * exactly when it ends the path (resolved paths hold a '/') */
		if (filename && (op != VG_SOP_ENDSWITH || memchr(e->vals[0].s, '/', e->vals[0].len))) {
			dnf_widen(d, e);
			return;
		}
		str_add(x, d, src, slot, op, e->vals[0].s, e->vals[0].len, neg);
		break;
	case VG_OP_EQ:
	case VG_OP_NE:
	case VG_OP_IN:
		/* fd.filename = v: the path ends with "/v" */
		if (!filename) {
			dnf_widen(d, e);
			return;
		}
		{
			bool ne = (e->op == VG_OP_NE) ^ neg;
			struct dnf acc;

			/* in (a, b): ends with /a or with /b; negated: neither */
			ne ? dnf_true(&acc) : dnf_false(&acc);
			for (size_t i = 0; i < e->nvals; i++) {
				char buf[VG_FNEEDLE_MAX + 1];
				const struct vg_cval *v = &e->vals[i];
				struct dnf one;

				if (memchr(v->s, '/', v->len) || !v->len) {
					dnf_widen(d, e); /* never a file name: leave it to user space */
					return;
				}
				if (v->len + 1 > VG_FNEEDLE_MAX) {
					if (!ne) { /* longer: its last bytes */
						dnf_true(&one);
						str_add(x, &one, src, slot, VG_SOP_ENDSWITH, v->s,
							v->len, false);
						dnf_or(&acc, &one);
					}
					continue;
				}
				buf[0] = '/';
				memcpy(buf + 1, v->s, v->len);
				dnf_true(&one);
				str_add(x, &one, src, slot, VG_SOP_ENDSWITH, buf, v->len + 1, ne);
				ne ? dnf_and(&acc, &one) : dnf_or(&acc, &one);
			}
			*d = acc;
		}
		break;
	case VG_OP_GLOB: {
		const char *start = e->vals[0].s, *end = start + e->vals[0].len;
		const char *p, *piece = start;

		if (neg || filename) {
			dnf_widen(d, e);
			return;
		}
		/* literal runs between wildcards: the first starts the string,
		 * the last ends it, the others are in it. A bracket or an escape
		 * ends the scan (what follows is not read: weaker, implied). */
		for (p = start;; p++) {
			bool stop = p < end && (*p == '[' || *p == '\\');
			size_t n = (size_t)(p - piece);

			if (p < end && !stop && *p != '*' && *p != '?')
				continue;
			if (n && piece == start)
				str_add(x, d, src, slot, VG_SOP_STARTSWITH, piece, n, false);
			if (n && p == end)
				str_add(x, d, src, slot, VG_SOP_ENDSWITH, piece, n, false);
			else if (n && piece != start)
				str_add(x, d, src, slot, VG_SOP_CONTAINS, piece, n, false);
			if (p == end || stop)
				break;
			piece = p + 1;
		}
		break;
	}
	default:
		dnf_widen(d, e);
		return;
	}
	d->wide = true;
	d->why = e;
}

/* fd.name is the path of the file the kernel resolves at exit */
static bool resolves_fd(const struct vg_sc_desc *sc)
{
	return sc->post == VG_POST_FD_RET || sc->post == VG_POST_FD_ARG0;
}

/* The length of a glob's literal head when the rest is '*' alone: fnmatch
 * without flags lets '*' match '/', so `fd.name glob /dev/sd*` is exactly
 * `fd.name startswith /dev/sd`, a prefix of a path set. 0 otherwise. */
static size_t glob_head(const struct vg_cexpr *e)
{
	const struct vg_cval *v;
	size_t n;

	if (e->op != VG_OP_GLOB || e->nvals != 1)
		return 0;
	v = &e->vals[0];
	for (n = 0; n < v->len && !strchr("*?[\\", v->s[n]); n++)
		;
	if (n >= v->len || n == 0)
		return 0;
	for (size_t i = n; i < v->len; i++)
		if (v->s[i] != '*')
			return 0;
	return n;
}

static void leaf_path(struct ctx *x, const struct vg_cexpr *e, bool neg, struct dnf *d)
{
	const struct vg_sc_desc *sc = x->sc;
	struct vg_atom a = atom(VG_A_PATH_IN, VG_AOP_EQ, 0, false);
	bool fresh = true;
	__u32 set = 0;
	bool ne = e->op == VG_OP_NE;
	size_t head = glob_head(e);

	/* A socket's fd.name is its unix path or an "ip:port->ip:port" tuple:
	 * a test that only absolute paths pass can hold for unix sockets only.
	 * That is an over-approximation, so it is used only un-negated. */
	if (is_sock_sc(sc)) {
		bool paths = !ne && !neg && e->nvals &&
			     (e->op == VG_OP_EQ || e->op == VG_OP_IN || e->op == VG_OP_STARTSWITH ||
			      e->op == VG_OP_PMATCH);

		for (size_t i = 0; paths && i < e->nvals; i++)
			paths = e->vals[i].len && e->vals[i].s[0] == '/';
		if (paths) {
			dnf_atom(d, atom(VG_A_SOCKFAM, VG_AOP_EQ, AF_UNIX, false));
			d->wide = true; /* a unix socket, not necessarily that path */
			d->why = e;
		} else {
			dnf_widen(d, e);
		}
		return;
	}
	if ((e->op == VG_OP_CONTAINS || e->op == VG_OP_ENDSWITH ||
	     (e->op == VG_OP_GLOB && !head)) &&
	    resolves_fd(sc)) {
		leaf_str(x, e, neg, d, VG_APATH_FD, 0, false);
		return;
	}
	/* chdir's resolved path is the new cwd, not fd.name: the kernel does
	 * not judge it. */
	if (sc->post == VG_POST_CWD ||
	    (sc->post != VG_POST_FD_RET && sc->post != VG_POST_FD_ARG0 && first_path_slot(sc) == 0xff) ||
	    !(e->op == VG_OP_EQ || ne || e->op == VG_OP_IN || e->op == VG_OP_STARTSWITH ||
	      e->op == VG_OP_PMATCH || head)) {
		dnf_widen(d, e);
		return;
	}
	for (size_t i = 0; i < e->nvals; i++)
		if (e->vals[i].len + 2 >= VG_FPATH_MAX) {
			dnf_widen(d, e); /* too long for the trie: the kernel cannot judge */
			return;
		}
	if (x->kf) {
		if (memo(x->kf, e, &set, &fresh)) {
			x->err = -ENOMEM;
			dnf_widen(d, e);
			return;
		}
		for (size_t i = 0; fresh && i < e->nvals; i++) {
			const struct vg_cval *v = &e->vals[i];
			int err = 0;

			if (e->op == VG_OP_STARTSWITH || head) {
				err = add_path(x->kf, set, v->s, head ? head : v->len, false);
			} else if (e->op == VG_OP_PMATCH) {
				err = add_path(x->kf, set, v->s, v->len, true);
				if (!err && v->len && v->s[v->len - 1] == '/') {
					err = add_path(x->kf, set, v->s, v->len, false);
				} else if (!err) {
					char buf[VG_FPATH_MAX];

					memcpy(buf, v->s, v->len);
					buf[v->len] = '/';
					err = add_path(x->kf, set, buf, v->len + 1, false);
				}
			} else {
				err = add_path(x->kf, set, v->s, v->len, true);
			}
			if (err)
				x->err = err;
		}
	}
	a.set = set;
	a.neg = ne ^ neg;
	/* the kernel-resolved path when there is one; else the first path
	 * argument's slot, if that path is absolute */
	a.arg = VG_APATH_FD;
	a.width = first_path_slot(sc);
	dnf_atom(d, a);
}

/* `=`, `!=` or `in` over strings as a set atom of `kind`, its entries made
 * once per comparison node by `add`; false when the operator is another. */
static bool set_leaf(struct ctx *x, const struct vg_cexpr *e, bool neg, struct dnf *d,
		     enum vg_atom_kind kind,
		     int (*add)(struct vg_kfilter *kf, __u32 set, const char *s, size_t len))
{
	struct vg_atom a = atom(kind, VG_AOP_EQ, 0, (e->op == VG_OP_NE) ^ neg);
	bool fresh = true;
	__u32 set = 0;

	if (e->op != VG_OP_EQ && e->op != VG_OP_NE && e->op != VG_OP_IN)
		return false;
	if (x->kf) {
		if (memo(x->kf, e, &set, &fresh))
			x->err = -ENOMEM;
		for (size_t i = 0; fresh && i < e->nvals; i++)
			if (add(x->kf, set, e->vals[i].s, e->vals[i].len))
				x->err = -ENOMEM;
	}
	a.set = set;
	dnf_atom(d, a);
	return true;
}

static void leaf(struct ctx *x, const struct vg_cexpr *e, bool neg, struct dnf *d)
{
	const struct vg_sc_desc *sc = x->sc;
	__s64 vals[64];
	size_t n = e->nvals < 64 ? e->nvals : 64;
	enum vg_fid id = e->f.d ? e->f.d->id : VG_F_UNSUPPORTED;
	bool t;

	/* decided by the event id alone */
	if (e->evmask) {
		t = e->evmask[x->ev] ^ neg;
		t ? dnf_true(d) : dnf_false(d);
		return;
	}
	/* a field vigil cannot fill reads as absent: the comparison is false */
	if (id == VG_F_UNSUPPORTED) {
		neg ? dnf_true(d) : dnf_false(d);
		return;
	}
	if (n < e->nvals || e->op == VG_OP_EXISTS) {
		dnf_widen(d, e);
		return;
	}
	for (size_t i = 0; i < n; i++)
		vals[i] = e->vals[i].i;
	switch (id) {
	case VG_F_PROC_NAME:
		if (set_leaf(x, e, neg, d, VG_A_COMM_IN, add_comm))
			return;
		if (e->op == VG_OP_STARTSWITH || e->op == VG_OP_ENDSWITH || e->op == VG_OP_CONTAINS ||
		    e->op == VG_OP_GLOB) {
			leaf_str(x, e, neg, d, VG_ASTR_COMM, 0, false);
			return;
		}
		break;
	case VG_F_FD_NAME:
		leaf_path(x, e, neg, d);
		return;
	case VG_F_PROC_EXEPATH:
		/* by file, not by name (bpf/lib/exe.bpf.h): =, != and in only; a
		 * prefix (startswith, pmatch) names no file */
		if (set_leaf(x, e, neg, d, VG_A_EXE_IN, add_exe))
			return;
		break;
	case VG_F_FD_NAMERAW:
		/* the path argument as passed; a call without one has fd.name */
		if (!is_sock_sc(sc) && first_path_slot(sc) != 0xff) {
			int reg = -1;

			for (int i = 0; i < 6 && reg < 0; i++)
				if (sc->args[i].type == VG_AT_PATH)
					reg = i;
			leaf_str(x, e, neg, d, (__u8)reg, first_path_slot(sc), false);
			return;
		}
		if (resolves_fd(sc)) {
			leaf_str(x, e, neg, d, VG_APATH_FD, 0, false);
			return;
		}
		break;
	case VG_F_FD_FILENAME:
		if (resolves_fd(sc)) {
			leaf_str(x, e, neg, d, VG_APATH_FD, 0, true);
			return;
		}
		break;
	case VG_F_EVT_RES:
		if ((e->op == VG_OP_EQ || e->op == VG_OP_NE) && e->nvals == 1) {
			bool ne = (e->op == VG_OP_NE) ^ neg;
			int err = vg_errno_value(e->vals[0].s);

			if (!strcmp(e->vals[0].s, "SUCCESS"))
				dnf_atom(d, atom(VG_A_RET, VG_AOP_GE, 0, ne));
			else if (err)
				dnf_atom(d, atom(VG_A_RET, VG_AOP_EQ, -err, ne));
			else
				ne ? dnf_true(d) : dnf_false(d); /* never this value */
			return;
		}
		if (e->op == VG_OP_STARTSWITH && e->nvals == 1 && !strcmp(e->vals[0].s, "E")) {
			dnf_atom(d, atom(VG_A_RET, VG_AOP_LT, 0, neg));
			return;
		}
		break;
	case VG_F_EVT_RAWRES:
		numeric(x, d, e, VG_A_RET, 8, vals, neg, 0);
		return;
	case VG_F_EVT_FAILED:
		if (e->op == VG_OP_EQ || e->op == VG_OP_NE) {
			bool want = (e->vals[0].i != 0) ^ (e->op == VG_OP_NE) ^ neg;

			dnf_atom(d, atom(VG_A_RET, want ? VG_AOP_LT : VG_AOP_GE, 0, false));
			return;
		}
		break;
	case VG_F_FD_NUM:
		if (sc->post == VG_POST_FD_RET || sc->post == VG_POST_SOCK_RET) {
			/* fd.num is ret, or -1 when the call failed */
			enum vg_atom_op op;

			if (atom_op(e->op, &op) && e->nvals == 1 && e->vals[0].i == -1 &&
			    (op == VG_AOP_EQ || op == VG_AOP_LE || op == VG_AOP_NE || op == VG_AOP_GT)) {
				bool failed = op == VG_AOP_EQ || op == VG_AOP_LE;

				dnf_atom(d, atom(VG_A_RET, failed ? VG_AOP_LT : VG_AOP_GE, 0, neg));
				return;
			}
			if (atom_op(e->op, &op) && e->nvals == 1 && e->vals[0].i == 0 &&
			    (op == VG_AOP_GE || op == VG_AOP_LT)) {
				dnf_atom(d, atom(VG_A_RET, op, 0, neg));
				return;
			}
		}
		break;
	case VG_F_EVT_IS_OPEN_READ:
	case VG_F_EVT_IS_OPEN_WRITE:
		if (e->op == VG_OP_EQ || e->op == VG_OP_NE) {
			bool want = (e->vals[0].i != 0) ^ (e->op == VG_OP_NE) ^ neg;
			enum vg_atom_kind k = id == VG_F_EVT_IS_OPEN_READ ? VG_A_ACC_READ : VG_A_ACC_WRITE;
			struct vg_atom a = atom(k, VG_AOP_EQ, 0, !want);

			switch (x->ev) {
			case VG_EV_SYS_open:
				a.arg = 1;
				break;
			case VG_EV_SYS_openat:
			case VG_EV_SYS_open_by_handle_at:
				a.arg = 2;
				break;
			case VG_EV_SYS_openat2:
				a.arg = 0xff;
				break;
			case VG_EV_SYS_creat: /* always write-only */
				(id == VG_F_EVT_IS_OPEN_WRITE) == want ? dnf_true(d) : dnf_false(d);
				return;
			default: /* not an open: the field is false */
				want ? dnf_false(d) : dnf_true(d);
				return;
			}
			dnf_atom(d, a);
			return;
		}
		break;
	case VG_F_EVT_IS_OPEN_EXEC:
		/* created with an execute bit: (flags & (O_CREAT|__O_TMPFILE)) and
		 * (mode & 0111), as user space reads them (openat2's are in its
		 * struct: not known here) */
		if ((e->op == VG_OP_EQ || e->op == VG_OP_NE) && x->ev != VG_EV_SYS_openat2) {
			bool want = (e->vals[0].i != 0) ^ (e->op == VG_OP_NE) ^ neg;
			struct vg_atom mode = atom(VG_A_ARG, VG_AOP_ANY, 0111, !want);
			struct vg_atom flags =
				atom(VG_A_ARG, VG_AOP_ANY, O_CREAT | __O_TMPFILE, !want);
			struct dnf one;

			mode.width = flags.width = 4;
			switch (x->ev) {
			case VG_EV_SYS_open:
				flags.arg = 1;
				mode.arg = 2;
				break;
			case VG_EV_SYS_openat:
				flags.arg = 2;
				mode.arg = 3;
				break;
			case VG_EV_SYS_creat: /* O_CREAT always */
				mode.arg = 1;
				dnf_atom(d, mode);
				return;
			default: /* not an open, or open_by_handle_at: no mode */
				want ? dnf_false(d) : dnf_true(d);
				return;
			}
			/* not (a and b) is (not a) or (not b) */
			dnf_atom(d, mode);
			dnf_atom(&one, flags);
			want ? dnf_and(d, &one) : dnf_or(d, &one);
			return;
		}
		break;
	case VG_F_USER_UID:
		numeric(x, d, e, VG_A_EUID, 8, vals, neg, 0);
		return;
	case VG_F_USER_LOGINUID:
		numeric(x, d, e, VG_A_LOGINUID, 8, vals, neg, 0);
		return;
	case VG_F_PROC_IS_CONTAINER:
		if (e->op == VG_OP_EQ || e->op == VG_OP_NE) {
			bool want = (e->vals[0].i != 0) ^ (e->op == VG_OP_NE) ^ neg;

			dnf_atom(d, atom(VG_A_CONTAINER, VG_AOP_EQ, 0, !want));
			return;
		}
		break;
	case VG_F_FD_SPORT:
	case VG_F_FD_CPORT:
	case VG_F_FD_LPORT:
	case VG_F_FD_RPORT:
		if (is_sock_sc(sc)) {
			bool connect = x->ev == VG_EV_SYS_connect || x->ev == VG_EV_SYS_sendto ||
				       x->ev == VG_EV_SYS_sendmsg;
			bool remote = id == VG_F_FD_RPORT || (id == VG_F_FD_SPORT && connect) ||
				      (id == VG_F_FD_CPORT && !connect);
			bool dup = x->ev == VG_EV_SYS_dup || x->ev == VG_EV_SYS_dup2 ||
				   x->ev == VG_EV_SYS_dup3;

			/* a dup's server end is chosen by port, as in user space */
			if (dup && (id == VG_F_FD_SPORT || id == VG_F_FD_CPORT)) {
				numeric(x, d, e, id == VG_F_FD_SPORT ? VG_A_SPORT : VG_A_CPORT, 8, vals,
					neg, 0);
				return;
			}
			/* a remote port the socket does not hold (an unconnected
			 * datagram socket) is the destination argument's */
			numeric(x, d, e, remote ? VG_A_RPORT : VG_A_LPORT, 8, vals, neg,
				remote ? dest_slot(sc) : 0);
			return;
		}
		break;
	case VG_F_EVT_ARG:
		/* evt.arg.X reads as the rendered value; numbers and symbolic
		 * names (PTRACE_ATTACH, SIGKILL) map back to the raw argument. */
		if (e->f.argname && (e->op == VG_OP_EQ || e->op == VG_OP_NE || e->op == VG_OP_IN)) {
			for (int i = 0; i < 6; i++) {
				enum vg_atype t = sc->args[i].type;
				bool sym = t == VG_AT_PTRACE_REQ || t == VG_AT_BPF_CMD ||
					   t == VG_AT_SIGNAL || t == VG_AT_SOCK_DOMAIN;
				bool num = t == VG_AT_UID || t == VG_AT_GID || t == VG_AT_PID ||
					   t == VG_AT_FD || t == VG_AT_UINT;

				if (!sc->args[i].name || strcmp(sc->args[i].name, e->f.argname))
					continue;
				if (!sym && !num)
					break;
				for (size_t k = 0; k < n; k++) {
					char *end;
					long long v;
					int64_t sv;

					if (sym) {
						if (vg_flags_value(t, e->vals[k].s, &sv)) {
							dnf_widen(d, e); /* not a name we know */
							return;
						}
						vals[k] = (__s32)sv;
						continue;
					}
					v = strtoll(e->vals[k].s, &end, 10);
					if (*end || end == e->vals[k].s) {
						dnf_widen(d, e);
						return;
					}
					vals[k] = (__s32)v;
				}
				numeric(x, d, e, VG_A_ARG, 4, vals, neg, (__u8)i);
				return;
			}
		}
		break;
	default:
		break;
	}
	dnf_widen(d, e); /* not for the kernel to judge */
}

static void build(struct ctx *x, const struct vg_cexpr *e, bool neg, struct dnf *d)
{
	struct dnf r;

	switch (e->kind) {
	case VG_CE_TRUE:
	case VG_CE_FALSE:
		((e->kind == VG_CE_TRUE) ^ neg) ? dnf_true(d) : dnf_false(d);
		return;
	case VG_CE_NOT:
		build(x, e->a, !neg, d);
		return;
	case VG_CE_AND:
	case VG_CE_OR:
		build(x, e->a, neg, d);
		build(x, e->b, neg, &r);
		/* De Morgan: under negation, and <-> or */
		if ((e->kind == VG_CE_AND) != neg)
			dnf_and(d, &r);
		else
			dnf_or(d, &r);
		return;
	case VG_CE_CMP:
		leaf(x, e, neg, d);
		return;
	}
	dnf_widen(d, e);
}

/*
 * Fitting clauses makes a new set for every union, and the sets it merged
 * stay behind, referenced by no clause: drop their entries, so that the
 * tables hold what the filters use (both generations of the maps share
 * their room during a reload). Memo entries of dropped sets go too: a later
 * build (the enforcement tables) makes them again.
 */
/* Keep the entries of array `arr` (count `cnt`) whose set is in `used`. */
#define KEEP_USED(arr, cnt)                                    \
	do {                                                   \
		size_t kept_ = 0;                              \
		for (size_t i_ = 0; i_ < (cnt); i_++)          \
			if (used[(arr)[i_].set])               \
				(arr)[kept_++] = (arr)[i_];    \
		(cnt) = kept_;                                 \
	} while (0)

static int drop_unused_sets(struct vg_kfilter *kf)
{
	bool *used = calloc((size_t)kf->nsets + 1, sizeof(*used));
	size_t n = 0;

	if (!used)
		return -ENOMEM;
	for (unsigned ev = 0; ev < VG_EV_MAX; ev++) {
		const struct vg_filter *f = &kf->f[ev];

		for (int c = 0; !f->pass_all && c < f->nclauses; c++)
			for (int a = 0; a < f->clauses[c].natoms; a++) {
				const struct vg_atom *t = &f->clauses[c].atoms[a];

				if (vg_atom_has_set(t) && t->set <= kf->nsets)
					used[t->set] = true;
			}
	}
	KEEP_USED(kf->exes, kf->nexes);
	KEEP_USED(kf->comms, kf->ncomms);
	KEEP_USED(kf->paths, kf->npaths);
	KEEP_USED(kf->needles, kf->nneedles);
	KEEP_USED(kf->nums, kf->nnums);
	for (size_t i = 0; i < kf->nmemo; i++)
		if (used[kf->memo_set[i]]) {
			kf->memo_node[n] = kf->memo_node[i];
			kf->memo_set[n++] = kf->memo_set[i];
		}
	kf->nmemo = n;
	free(used);
	return 0;
}

/* Where an atom goes in its clause (order_atoms): 0, what the kernel's
 * filter tests inline before it evaluates the clause (bpf/lib/filter.bpf.h,
 * quick_eval); 1, the other tests of numbers and sets; 2, string scans of
 * comm and fd.name (the early stage answers fd.name's from the dentries it
 * already climbed); 3, scans of a raw argument, which the early stage
 * reads from the caller's memory first (fd.nameraw's "../": a /home file's
 * clause of "Directory traversal" ends at its "/.ssh/" instead). */
static int atom_cost(const struct vg_atom *a)
{
	switch (a->kind) {
	case VG_A_RET:
	case VG_A_ACC_READ:
	case VG_A_ACC_WRITE:
	case VG_A_CONTAINER:
		return 0;
	case VG_A_STR:
		return a->arg == VG_APATH_FD || a->arg == VG_ASTR_COMM ? 2 : 3;
	default:
		return 1;
	}
}

/* Cheap atoms first: they are tried in order and the first false one ends
 * the clause, so an open's mode, its result and the container test decide
 * most events before a set is looked up or a string read. */
static void order_atoms(struct vg_fclause *c)
{
	struct vg_fclause o = *c;
	int n = 0;

	for (int pass = 0; pass < 4; pass++)
		for (int i = 0; i < c->natoms; i++)
			if (atom_cost(&c->atoms[i]) == pass)
				o.atoms[n++] = c->atoms[i];
	*c = o;
}

/*
 * Too many clauses for the table: first drop the executable atoms (weaker,
 * still sound) and the clauses that then say the same. In the filter an
 * executable atom turns away only the events of the files a rule spares
 * (outside the set it is unknown, bpf/lib/filter.bpf.h), rare next to what
 * the path and string atoms turn away, which fit_clauses' merges would
 * weaken instead. Returns the clauses left.
 */
static size_t strip_exe_atoms(struct vg_fclause *all, size_t n)
{
	size_t out = 0;

	for (size_t c = 0; c < n; c++) {
		struct vg_fclause cl = { 0 };
		bool dup = false;

		for (int k = 0; k < all[c].natoms; k++)
			if (all[c].atoms[k].kind != VG_A_EXE_IN)
				cl.atoms[cl.natoms++] = all[c].atoms[k];
		for (size_t o = 0; o < out && !dup; o++)
			dup = all[o].natoms == cl.natoms &&
			      !memcmp(all[o].atoms, cl.atoms, sizeof(cl.atoms[0]) * cl.natoms);
		if (!dup)
			all[out++] = cl;
	}
	return out;
}

/*
 * The region of a path-set entry (include/abi/filter.h, struct
 * vg_top_key): the directories every path it holds starts with, at most
 * two. False when it has none to give (a prefix ending inside the first
 * component, "/" itself) or one a key cannot hold (an empty component, a
 * name too long).
 */
static bool entry_top(const struct vg_kpath *p, struct vg_ktop *k)
{
	size_t start = 1, nd = 0;

	memset(k, 0, sizeof(*k));
	k->set = p->set;
	k->exact = p->exact;
	if (!p->len || p->path[0] != '/')
		return false;
	/* the components a '/' ends: directories of every path it holds */
	for (size_t i = 1; i < p->len && nd < 2; i++) {
		size_t n = i - start;

		if (p->path[i] != '/')
			continue;
		if (!n || n >= VG_FTOP_MAX)
			return false;
		memcpy(nd ? k->d2 : k->d1, p->path + start, n);
		nd++;
		start = i + 1;
	}
	/* a prefix with no whole directory ("/x", "/") says nothing of the
	 * first one; an exact path with none is a file of the root */
	return nd || p->exact;
}

static int add_top(struct vg_kfilter *kf, const struct vg_ktop *k)
{
	struct vg_ktop *n;

	for (size_t i = 0; i < kf->ntops; i++)
		if (!memcmp(&kf->tops[i], k, sizeof(*k)))
			return 0;
	n = realloc(kf->tops, (kf->ntops + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	kf->tops = n;
	kf->tops[kf->ntops++] = *k;
	return 0;
}

/*
 * What the early stage tests a path set by, from its final entries (after
 * the unions of fit_clauses): the last components of its exact entries and
 * the regions of all, and on each of the filter's fd.name atoms the flags
 * that say which of the two answer for its whole set.
 */
enum { SET_TOP = 1, SET_EBASE = 2, SET_PREFIX = 4 };

static int early_keys(struct vg_kfilter *kf)
{
	__u8 *st = malloc((size_t)kf->nsets + 1);
	int err = 0;

	if (!st)
		return -ENOMEM;
	memset(st, SET_TOP | SET_EBASE, (size_t)kf->nsets + 1);
	kf->nbases = kf->ntops = 0;
	for (size_t i = 0; i < kf->npaths && !err; i++) {
		const struct vg_kpath *p = &kf->paths[i];
		__u8 *f = &st[p->set <= kf->nsets ? p->set : 0];
		struct vg_ktop k;
		size_t blen;
		const char *b;

		if (!p->exact) {
			*f |= SET_PREFIX;
		} else if ((b = path_base(p->path, p->len, &blen))) {
			bool dup = false;

			for (size_t j = 0; j < kf->nbases && !dup; j++)
				dup = kf->bases[j].set == p->set && !strncmp(kf->bases[j].name, b, blen) &&
				      !kf->bases[j].name[blen];
			if (!dup)
				err = add_base(kf, p->set, b, blen);
		} else {
			*f &= (__u8)~SET_EBASE;
		}
		if (!entry_top(p, &k))
			*f &= (__u8)~SET_TOP;
		else if (!err)
			err = add_top(kf, &k);
	}
	for (unsigned ev = 0; ev < VG_EV_MAX && !err; ev++) {
		struct vg_filter *f = &kf->f[ev];

		for (int c = 0; !f->pass_all && c < f->nclauses; c++)
			for (int a = 0; a < f->clauses[c].natoms; a++) {
				struct vg_atom *t = &f->clauses[c].atoms[a];
				__u8 m;

				if (t->kind != VG_A_PATH_IN || t->arg != VG_APATH_FD || t->set > kf->nsets)
					continue;
				if (!f->clauses[c].gate && !t->neg)
					f->clauses[c].gate = (__u8)(a + 1);
				m = st[t->set];
				t->flags &= (__u8)~(VG_AF_BASE | VG_AF_TOP | VG_AF_EBASE);
				if (m & SET_TOP) {
					t->flags |= VG_AF_TOP;
					f->tops = 1;
				}
				if (m & SET_EBASE)
					t->flags |= (m & SET_PREFIX) ? VG_AF_EBASE : VG_AF_BASE | VG_AF_EBASE;
			}
	}
	free(st);
	return err;
}

/* Whether atom a is false for every failed call (ret < 0). */
static bool atom_needs_success(const struct vg_atom *a)
{
	if (a->kind != VG_A_RET)
		return false;
	if (!a->neg)
		return (a->op == VG_AOP_GE && a->val >= 0) || (a->op == VG_AOP_GT && a->val >= -1) ||
		       (a->op == VG_AOP_EQ && a->val >= 0);
	/* not (ret < v), not (ret <= v) */
	return (a->op == VG_AOP_LT && a->val >= 0) || (a->op == VG_AOP_LE && a->val >= -1);
}

/* Whether no failed call can pass f: each clause has an atom only a
 * success satisfies. The entry programs then copy no strings for a call
 * whose exit records failures only (execve: a success is the exec event). */
static bool filter_needs_success(const struct vg_filter *f)
{
	for (unsigned c = 0; c < f->nclauses; c++) {
		bool need = false;

		for (unsigned i = 0; i < f->clauses[c].natoms && !need; i++)
			need = atom_needs_success(&f->clauses[c].atoms[i]);
		if (!need)
			return false;
	}
	return f->nclauses > 0;
}

int vg_kfilter_build(struct vg_kfilter *kf, const struct vg_ruleset *rs, bool pass_all)
{
	struct vg_fclause *all = NULL;
	size_t cap = 0;
	int err = 0;

	memset(kf, 0, sizeof(*kf));
	for (unsigned ev = 0; ev < VG_EV_MAX && !err; ev++) {
		struct vg_filter *f = &kf->f[ev];
		struct ctx x = { .kf = kf, .ev = ev, .sc = vg_sc_by_ev(ev) };
		bool whole = false;
		size_t n = 0;

		/* lifecycle events always flow: the process table needs them */
		if (!x.sc || pass_all || !rs->n_by_ev[ev]) {
			f->pass_all = 1;
			continue;
		}
		/* every rule's clauses, then fitted into the table's bound */
		for (size_t i = 0; i < rs->n_by_ev[ev] && !whole; i++) {
			struct dnf d;

			build(&x, rs->by_ev[ev][i]->cond, false, &d);
			whole = dnf_is_true(&d);
			if (n + (size_t)d.n > cap) {
				struct vg_fclause *g;

				cap = (n + (size_t)d.n) * 2;
				g = realloc(all, cap * sizeof(*all));
				if (!g) {
					err = -ENOMEM;
					break;
				}
				all = g;
			}
			memcpy(all + n, d.c, sizeof(d.c[0]) * (size_t)d.n);
			n += (size_t)d.n;
		}
		if (!err)
			err = x.err;
		if (!err && !whole) {
			same_sets(kf, all, n);
			n = exact_merges(kf, all, n);
		}
		if (!err && !whole && n > VG_FCLAUSES)
			n = strip_exe_atoms(all, n);
		if (!err && !whole && n > VG_FCLAUSES)
			whole = !(n = fit_clauses(kf, all, n));
		if (err || whole) {
			f->pass_all = 1;
			continue;
		}
		for (size_t c = 0; c < n; c++)
			order_atoms(&all[c]);
		f->nclauses = (__u8)n;
		memcpy(f->clauses, all, sizeof(all[0]) * n);
		f->no_fail = filter_needs_success(f);
		kf->nfiltered_ids++;
		kf->nclauses += n;
	}
	free(all);
	if (!err)
		err = drop_unused_sets(kf);
	if (!err)
		err = early_keys(kf);
	return err;
}

/* Rule r compiled alone for event id ev; d->wide when it is not exact. */
static int build_rule(struct vg_kfilter *kf, const struct vg_rule *r, unsigned ev, struct dnf *d)
{
	struct ctx x = { .kf = kf, .ev = ev, .sc = vg_sc_by_ev(ev) };

	build(&x, r->cond, false, d);
	return x.err;
}

static bool entry_decidable(const struct vg_fclause *c, unsigned ev, const struct vg_sc_desc *sc);

int vg_kfilter_enforce_check(const struct vg_rule *r, struct strbuf *why)
{
	bool sys = false;

	/* The kernel acts at syscalls; a rule on execve also sees the exec's
	 * lifecycle event, where there is nothing left to act on. */
	for (unsigned ev = 1; ev < VG_EV_MAX; ev++)
		sys = sys || (r->ev[ev] && vg_sc_by_ev(ev));
	if (!sys) {
		strbuf_addstr(why, "none of its event types is a syscall, where the kernel acts");
		return -EINVAL;
	}
	for (unsigned ev = 1; ev < VG_EV_MAX; ev++) {
		struct dnf d;

		if (!r->ev[ev] || !vg_sc_by_ev(ev))
			continue;
		build_rule(NULL, r, ev, &d);
		/* a successful exec is judged on the new program, which the
		 * kernel can act on only at the exec's entry, where the name
		 * and uids are still the caller's */
		if (!d.wide && (ev == VG_EV_SYS_execve || ev == VG_EV_SYS_execveat))
			for (int c = 0; c < d.n; c++)
				if (!entry_decidable(&d.c[c], ev, vg_sc_by_ev(ev))) {
					strbuf_addf(why, "on %s the kernel acts at the exec's entry, where "
							 "proc.name, uids and the result are not the new "
							 "program's yet: decide it by the filename (fd.name) "
							 "and arguments",
						    vg_ev_name(ev));
					return -EINVAL;
				}
		if (!d.wide && d.n <= VG_ECLAUSES)
			continue;
		if (d.wide && d.why && d.why->f.d && d.why->text && strcmp(d.why->text, d.why->f.d->name))
			strbuf_addf(why, "field %s (in '%s') is not one the kernel can decide",
				    d.why->f.d->name, d.why->text);
		else if (d.wide && d.why && d.why->f.d)
			strbuf_addf(why, "field %s is not one the kernel can decide", d.why->f.d->name);
		else
			strbuf_addf(why, "the condition does not fit the kernel tables (%d clauses of "
					 "%d comparisons per event type)",
				    VG_ECLAUSES, VG_FATOMS);
		return -EINVAL;
	}
	return 0;
}

/* Can the sys_enter stage decide this clause? Not with the result, the
 * socket, or a path the kernel resolves at exit (bpf/lib/filter.bpf.h,
 * VG_STAGE_ENTRY, reads those as unknown). */
/* Syscalls that change who the caller is: at their entry, its name, uids
 * and namespaces are the ones before, not the ones user space judges. */
static bool changes_identity(unsigned ev)
{
	switch (ev) {
	case VG_EV_SYS_execve: case VG_EV_SYS_execveat:
	case VG_EV_SYS_setuid: case VG_EV_SYS_setgid: case VG_EV_SYS_setreuid:
	case VG_EV_SYS_setregid: case VG_EV_SYS_setresuid: case VG_EV_SYS_setresgid:
	case VG_EV_SYS_setfsuid: case VG_EV_SYS_setfsgid: case VG_EV_SYS_capset:
	case VG_EV_SYS_setns: case VG_EV_SYS_unshare:
		return true;
	default:
		return false;
	}
}

/* Can the sys_enter stage decide this clause? Not with the result, the
 * socket, a path the kernel resolves at exit (bpf/lib/filter.bpf.h,
 * VG_STAGE_ENTRY, reads those as unknown), nor, for a syscall that changes
 * the caller's identity, with that identity. */
static bool entry_decidable(const struct vg_fclause *c, unsigned ev, const struct vg_sc_desc *sc)
{
	bool resolves = sc->post == VG_POST_FD_RET || sc->post == VG_POST_FD_ARG0;

	for (int i = 0; i < c->natoms; i++) {
		const struct vg_atom *a = &c->atoms[i];

		if (a->kind == VG_A_RET || a->kind == VG_A_LPORT || a->kind == VG_A_RPORT ||
		    a->kind == VG_A_SPORT || a->kind == VG_A_CPORT ||
		    a->kind == VG_A_SOCKFAM || (a->kind == VG_A_PATH_IN && a->arg == VG_APATH_FD && resolves))
			return false;
		if (changes_identity(ev) &&
		    (a->kind == VG_A_COMM_IN || a->kind == VG_A_EUID || a->kind == VG_A_LOGINUID ||
		     a->kind == VG_A_CONTAINER || a->kind == VG_A_EXE_IN))
			return false;
	}
	return true;
}

/* Event ids an LSM hook covers (bpf/vigil.bpf.c vg_lsm_*): there deny refuses
 * the operation; elsewhere a deny rule falls back. */
static bool lsm_covers(unsigned ev)
{
	switch (ev) {
	case VG_EV_SYS_open: case VG_EV_SYS_openat: case VG_EV_SYS_openat2: case VG_EV_SYS_creat:
	case VG_EV_SYS_execve: case VG_EV_SYS_execveat: case VG_EV_SYS_ptrace:
	case VG_EV_SYS_init_module: case VG_EV_SYS_finit_module: case VG_EV_SYS_bpf:
	case VG_EV_SYS_mount: case VG_EV_SYS_kill: case VG_EV_SYS_tkill: case VG_EV_SYS_tgkill:
		return true;
	default:
		return false;
	}
}

int vg_kfilter_build_enforce(struct vg_kfilter *kf, const struct vg_ruleset *rs, bool lsm,
			     struct strbuf *why)
{
	memset(kf->enf, 0, sizeof(kf->enf));
	kf->nenforce = kf->nentry = 0;
	for (size_t i = 0; i < rs->nrules; i++) {
		const struct vg_rule *r = rs->rules[i];
		if (r->mode != VG_MODE_ENFORCE)
			continue;
		kf->nenforce++;
		for (unsigned ev = 1; ev < VG_EV_MAX; ev++) {
			struct vg_enforce *t = &kf->enf[ev];
			__u8 action = VG_ENF_KILL;
			struct dnf d;
			int err;

			if (r->action == VG_ACTION_DENY)
				action = lsm && lsm_covers(ev) ? VG_ENF_DENY
					 : r->fallback_kill	     ? VG_ENF_KILL
								     : VG_ENF_REPORT;
			if (!r->ev[ev] || !vg_sc_by_ev(ev))
				continue;
			err = build_rule(kf, r, ev, &d);
			if (err)
				return err;
			if (d.wide) /* vigil check refuses these; never act on one */
				continue;
			if (t->nclauses + d.n > VG_ECLAUSES) {
				strbuf_addf(why, "%s: the enforce-mode rules need more than %d clauses",
					    vg_ev_name(ev), VG_ECLAUSES);
				return -E2BIG;
			}
			for (int c = 0; c < d.n; c++) {
				struct vg_eclause *cl = &t->clauses[t->nclauses++];

				cl->natoms = d.c[c].natoms;
				cl->action = action;
				if (action == VG_ENF_DENY)
					t->ndeny++;
				else if (entry_decidable(&d.c[c], ev, vg_sc_by_ev(ev))) {
					t->nentry++;
					kf->nentry++;
				}
				cl->rule = (__u16)i;
				memcpy(cl->atoms, d.c[c].atoms, sizeof(cl->atoms));
				/* only the host's file is the listed executable */
				for (int k = 0; k < VG_FATOMS; k++)
					if (cl->atoms[k].kind == VG_A_EXE_IN)
						cl->atoms[k].flags |= VG_AF_EXACT;
			}
		}
	}
	return 0;
}

/* How seldom byte c is in a path, roughly: '/' in every one, lower-case
 * letters in most; '.', digits and the rest less often. */
static int byte_rarity(unsigned char c)
{
	if (c == '/')
		return 0;
	if (c >= 'a' && c <= 'z')
		return 1;
	return 2;
}

/* Needle k of v holds bytes a, b side by side (b < 0: byte a alone). */
static bool needle_holds(const struct vg_needles *v, unsigned k, int a, int b)
{
	for (unsigned j = 0; j < v->len[k]; j++)
		if ((unsigned char)v->s[k][j] == a &&
		    (b < 0 || (j + 1 < v->len[k] && (unsigned char)v->s[k][j + 1] == b)))
			return true;
	return false;
}

/* v's npre and pre (struct vg_needles): the rarest pair of bytes every
 * needle holds side by side, else the rarest byte every needle holds. */
static void needles_prefilter(struct vg_needles *v)
{
	int best = -1;

	v->npre = 0;
	if (!v->n || v->n > VG_FNEEDLES || !v->mmin)
		return;
	for (int pair = 1; pair >= 0 && !v->npre; pair--) {
		for (unsigned j = 0; j + pair < v->len[0]; j++) {
			int a = (unsigned char)v->s[0][j], b = pair ? (unsigned char)v->s[0][j + 1] : -1;
			int score = byte_rarity((unsigned char)a) + (pair ? byte_rarity((unsigned char)b) : 0);
			unsigned k;

			if (score <= best)
				continue;
			for (k = 1; k < v->n; k++)
				if (!needle_holds(v, k, a, b))
					break;
			if (k < v->n)
				continue;
			best = score;
			v->npre = (__u8)(pair + 1);
			v->pre[0] = (__u8)a;
			v->pre[1] = pair ? (__u8)b : 0;
		}
	}
}

void vg_needles_index(struct vg_needles *v)
{
	unsigned m = VG_FNEEDLE_MAX;

	for (unsigned k = 0; k < v->n && k < VG_FNEEDLES; k++)
		if (v->len[k] < m)
			m = v->len[k];
	v->mmin = (__u8)m;
	needles_prefilter(v);
	memset(v->shift, (int)(m ? m : 1), sizeof(v->shift));
	/* each byte among the last m of a needle, but its last: how far
	 * that place is from the window's end */
	for (unsigned k = 0; m && k < v->n && k < VG_FNEEDLES; k++) {
		const __u8 *t = (const __u8 *)v->s[k] + (v->len[k] - m);

		for (unsigned j = 0; j + 1 < m; j++)
			if (v->shift[t[j]] > m - 1 - j)
				v->shift[t[j]] = (__u8)(m - 1 - j);
	}
}

/* The bit of directory name a (n bytes) in t, added if new; -1 when it
 * cannot be there (too long, the table full). */
static int comp_bit(struct vg_comps *t, const char *a, size_t n)
{
	if (!n || n >= VG_FCOMP_MAX)
		return -1;
	for (__u32 i = 0; i < t->n; i++)
		if (t->len[i] == n && !memcmp(t->name[i], a, n))
			return (int)i;
	if (t->n == VG_FCOMPS)
		return -1;
	t->len[t->n] = (__u8)n;
	memset(t->name[t->n], 0, VG_FCOMP_MAX);
	memcpy(t->name[t->n], a, n);
	t->lenmask |= 1u << n;
	return (int)t->n++;
}

int vg_needles_next(const struct vg_kfilter *kf, size_t *i, __u32 *set, struct vg_needles *v,
		    struct vg_comps *t)
{
	if (!kf || *i >= kf->nneedles)
		return 0;
	*set = kf->needles[*i].set;
	memset(v, 0, sizeof(*v));
	for (; *i < kf->nneedles && kf->needles[*i].set == *set; ++*i) {
		if (v->n == VG_FNEEDLES)
			return -E2BIG;
		v->len[v->n] = kf->needles[*i].len;
		memcpy(v->s[v->n++], kf->needles[*i].s, VG_FNEEDLE_MAX);
	}
	vg_needles_index(v);
	vg_needles_early(v, t);
	return 1;
}

void vg_needles_early(struct vg_needles *v, struct vg_comps *t)
{
	__u32 cmask = 0;
	bool comps = v->n > 0, ends = v->n > 0;

	for (unsigned k = 0; k < v->n && k < VG_FNEEDLES; k++) {
		const char *s = v->s[k], *slash;
		size_t m = v->len[k];
		int bit = -1;

		/* "/A/...": A is a directory of every path holding it */
		if (m > 2 && s[0] == '/' && (slash = memchr(s + 1, '/', m - 1)))
			bit = comp_bit(t, s + 1, (size_t)(slash - s - 1));
		if (bit < 0)
			comps = false;
		else
			cmask |= 1u << bit;
		/* the part after the last '/' is the whole name; a needle
		 * without one ends it; one ending in '/' ends no file's name */
		slash = memrchr(s, '/', m);
		v->tail[k] = slash ? (__u8)(slash - s + 1) : 0;
		if (slash)
			v->tailx |= (__u8)(1u << k);
		if (!m || v->tail[k] >= m || m - v->tail[k] >= VG_FBASE_MAX)
			ends = false;
	}
	v->cmask = comps ? cmask : 0;
	v->ends = ends;
}

void vg_kfilter_release(struct vg_kfilter *kf)
{
	if (!kf)
		return;
	free(kf->comms);
	free(kf->bases);
	free(kf->tops);
	free(kf->needles);
	free(kf->paths);
	free(kf->exes);
	free(kf->memo_node);
	free(kf->memo_set);
	free(kf->nums);
	memset(kf, 0, sizeof(*kf));
}

/* --- explain ------------------------------------------------------------------------- */

static void explain_atom(const struct vg_atom *a, const struct vg_cexpr *root, struct strbuf *sb)
{
	static const char *const ops[] = { "=", "!=", "<", "<=", ">", ">=" };
	char cmp[48]; /* "= 5", or "in set" (its numbers follow in a table) */

	if (a->op == VG_AOP_IN)
		snprintf(cmp, sizeof(cmp), "in set");
	else if (a->op == VG_AOP_ANY)
		snprintf(cmp, sizeof(cmp), "has any bit of 0%llo", (unsigned long long)a->val);
	else
		snprintf(cmp, sizeof(cmp), "%s %lld", a->op < 6 ? ops[a->op] : "?",
			 (long long)a->val);

	(void)root;
	if (a->neg)
		strbuf_addstr(sb, "not ");
	switch (a->kind) {
	case VG_A_COMM_IN: strbuf_addstr(sb, "comm in set"); break;
	case VG_A_PATH_IN: strbuf_addstr(sb, "path in set"); break;
	case VG_A_EXE_IN: strbuf_addstr(sb, "executable (file) in set"); break;
	case VG_A_RET: strbuf_addf(sb, "ret %s", cmp); break;
	case VG_A_ARG: strbuf_addf(sb, "arg%u %s", a->arg, cmp); break;
	case VG_A_EUID: strbuf_addf(sb, "euid %s", cmp); break;
	case VG_A_LOGINUID: strbuf_addf(sb, "loginuid %s", cmp); break;
	case VG_A_ACC_READ: strbuf_addstr(sb, "opened for reading"); break;
	case VG_A_ACC_WRITE: strbuf_addstr(sb, "opened for writing"); break;
	case VG_A_CONTAINER: strbuf_addstr(sb, "in a container"); break;
	case VG_A_LPORT: strbuf_addf(sb, "local port %s", cmp); break;
	case VG_A_RPORT: strbuf_addf(sb, "remote port %s", cmp); break;
	case VG_A_SPORT: strbuf_addf(sb, "server port %s", cmp); break;
	case VG_A_CPORT: strbuf_addf(sb, "client port %s", cmp); break;
	case VG_A_SOCKFAM: strbuf_addf(sb, "socket family %s", cmp); break;
	case VG_A_STR: {
		static const char *const sops[] = { "contains", "startswith", "endswith" };

		strbuf_addf(sb, "%s %s",
			    a->arg == VG_APATH_FD ? "path" : a->arg == VG_ASTR_COMM ? "comm" : "raw path",
			    a->op < 3 ? sops[a->op] : "?");
		break;
	}
	default: strbuf_addstr(sb, "?"); break;
	}
}

/* The entries of set `set`, abbreviated after a few. */

static void explain_set(const struct vg_kfilter *kf, const struct vg_atom *a, struct strbuf *sb)
{
	size_t shown = 0, n = 0;

	strbuf_addstr(sb, " {");
	if (a->kind == VG_A_COMM_IN) {
		for (size_t i = 0; i < kf->ncomms; i++)
			if (kf->comms[i].set == a->set && n++ < 40)
				strbuf_addf(sb, "%s%.16s", shown++ ? ", " : "", kf->comms[i].comm);
	} else {
		for (size_t i = 0; i < kf->npaths; i++)
			if (kf->paths[i].set == a->set && n++ < 40)
				strbuf_addf(sb, "%s%.*s%s", shown++ ? ", " : "", kf->paths[i].len,
					    kf->paths[i].path, kf->paths[i].exact ? "" : "*");
	}
	if (n > shown)
		strbuf_addf(sb, ", ... %zu in all", n);
	strbuf_addch(sb, '}');
}

static void explain_nums(const struct vg_kfilter *kf, const struct vg_atom *a, struct strbuf *sb)
{
	size_t n = 0;

	strbuf_addstr(sb, " {");
	for (size_t i = 0; i < kf->nnums; i++)
		if (kf->nums[i].set == a->set)
			strbuf_addf(sb, "%s%lld", n++ ? ", " : "", (long long)kf->nums[i].val);
	strbuf_addch(sb, '}');
}

/* What the early stage judges a string test on fd.name by: its needle set
 * as the loader makes it (the sets in order, vg_needles_early numbering the
 * directory names as they come). */
static void explain_early_str(const struct vg_kfilter *kf, const struct vg_atom *a,
			      struct strbuf *sb)
{
	struct vg_comps t = { 0 };
	struct vg_needles v;
	size_t i = 0;
	__u32 set;

	while (vg_needles_next(kf, &i, &set, &v, &t) == 1) {
		if (set != a->set)
			continue;
		if (a->op == VG_SOP_CONTAINS && v.cmask)
			strbuf_addstr(sb, " [early: directories]");
		else if (a->op == VG_SOP_ENDSWITH && v.ends)
			strbuf_addstr(sb, " [early: name]");
		return;
	}
}

void vg_kfilter_explain_table(const struct vg_kfilter *kf, unsigned ev, struct strbuf *sb)
{
	const struct vg_filter *f = &kf->f[ev];

	if (f->pass_all) {
		strbuf_addstr(sb, "true (every event goes to user space)");
		return;
	}
	if (!f->nclauses) {
		strbuf_addstr(sb, "false (no rule wants it)");
		return;
	}
	for (int i = 0; i < f->nclauses; i++) {
		strbuf_addstr(sb, "\n    (");
		for (int k = 0; k < f->clauses[i].natoms; k++) {
			const struct vg_atom *a = &f->clauses[i].atoms[k];

			if (k)
				strbuf_addstr(sb, " and ");
			explain_atom(a, NULL, sb);
			if (a->kind == VG_A_COMM_IN || a->kind == VG_A_PATH_IN)
				explain_set(kf, a, sb);
			/* what the early stage decides it by, before any walk */
			if (a->kind == VG_A_PATH_IN && (a->flags & VG_AF_TOP))
				strbuf_addstr(sb, (a->flags & VG_AF_EBASE) ? " [early: directories, name]"
									   : " [early: directories]");
			else if (a->kind == VG_A_PATH_IN && (a->flags & VG_AF_BASE))
				strbuf_addstr(sb, " [early: name]");
			else if (a->op == VG_AOP_IN && a->kind != VG_A_STR)
				explain_nums(kf, a, sb);
			for (size_t n = 0; a->kind == VG_A_STR && n < kf->nneedles; n++)
				if (kf->needles[n].set == a->set)
					strbuf_addf(sb, " '%.*s'", kf->needles[n].len,
						    kf->needles[n].s);
			if (a->kind == VG_A_STR && a->arg == VG_APATH_FD)
				explain_early_str(kf, a, sb);
		}
		strbuf_addch(sb, ')');
	}
}

void vg_kfilter_explain(const struct vg_rule *r, unsigned ev, struct strbuf *sb)
{
	struct ctx x = { .kf = NULL, .ev = ev, .sc = vg_sc_by_ev(ev) };
	struct dnf d;

	if (!x.sc) {
		strbuf_addstr(sb, "true (lifecycle events always reach user space)");
		return;
	}
	build(&x, r->cond, false, &d);
	if (dnf_is_true(&d)) {
		strbuf_addstr(sb, "true (nothing the kernel can check)");
		return;
	}
	if (!d.n) {
		strbuf_addstr(sb, "false");
		return;
	}
	for (int i = 0; i < d.n; i++) {
		strbuf_addstr(sb, i ? " or (" : "(");
		for (int k = 0; k < d.c[i].natoms; k++) {
			if (k)
				strbuf_addstr(sb, " and ");
			explain_atom(&d.c[i].atoms[k], r->cond, sb);
		}
		strbuf_addch(sb, ')');
	}
}
