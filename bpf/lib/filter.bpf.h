/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kernel filter: decides, for a finished syscall record, whether any
 * rule could match it (include/abi/filter.h has the model). Atoms are
 * three-valued: a clause is dropped only when one of its atoms is
 * definitely false, so whatever the kernel cannot see passes.
 *
 * It runs in stages on a syscall: early, from what costs little to read
 * (arguments, return value, comm, uids, and for an open file its top two
 * directories and its name, from its dentries), before the record is
 * built; for calls that open a file, on the walked path before the rest of
 * the record; then on the finished record. Most events die at the early
 * stage, before the path walk and string copies that make up most of a
 * record's cost (docs/ARCHITECTURE.md has the figures). A clause's gate
 * (its first path test) is tried first at every stage.
 *
 * Bounds: VG_FCLAUSES (16) clauses of VG_FATOMS (6) atoms: at most 96 atom
 * evaluations per stage; atom_eval is a global function, verified once.
 */
#ifndef VIGIL_BPF_FILTER_H
#define VIGIL_BPF_FILTER_H

#include "maps.bpf.h"
#include "task.bpf.h"
#include "path.bpf.h"
#include "exe.bpf.h"
#include "sock.bpf.h"
#include "abi/filter.h"

/* Namespaces of the host, for VG_A_CONTAINER (set by user space at load). */
const volatile __u32 host_pidns = 0;
const volatile __u32 host_mntns = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * VG_EV_MAX); /* two halves: table_gen */
	__type(key, __u32);
	__type(value, struct vg_filter);
} filters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct vg_comm_key);
	__type(value, __u8);
} comm_sets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct vg_path_key);
	__type(value, struct vg_path_val);
} path_sets SEC(".maps");

/* The LSM hooks' scratch, per task: an LSM program may be preempted, so
 * the per-CPU scratch is not theirs to use. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct vg_scratch);
} lsm_scratch SEC(".maps");

/* The early stage's maps (include/abi/filter.h): path sets by the last
 * components of their exact entries, and by the regions of their entries. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct vg_base_key);
	__type(value, struct vg_path_val);
} path_bases SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct vg_top_key);
	__type(value, struct vg_top_val);
} path_tops SEC(".maps");

/* The directory names the contains needles need, per generation. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct vg_comps);
} path_comps SEC(".maps");

/* Numbers of the VG_AOP_IN atoms (both generations). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct vg_num_key);
	__type(value, __u8);
} num_sets SEC(".maps");

/* Needles of the VG_A_STR atoms, by the slot the loader gave their set
 * (struct vg_atom): an array, looked up without a hash. A slot no fill
 * wrote holds no needle (n 0), and its atoms are unknown. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * VG_FNSETS); /* two halves: table_gen */
	__type(key, __u32);
	__type(value, struct vg_needles);
} str_needles SEC(".maps");

enum { VG_T_FALSE = 0, VG_T_TRUE = 1, VG_T_UNKNOWN = 2 };

/* Where VG_A_STR atoms scan, in the upper half of scratch->walk, which the
 * path walk never writes (its results end below VG_PATH_MAX): the raw path
 * argument as read at sys_exit's early stage (kept for the middle stage),
 * and a copy of whatever string else an atom tests. */
#define VG_HAY_RAW VG_PATH_MAX
#define VG_HAY_TMP (VG_PATH_MAX + VG_FSCAN_MAX)
_Static_assert(VG_HAY_TMP + VG_FSCAN_MAX <= VG_WALK_SIZE, "haystacks fit the walk area");

/* raw_state of the scratch */
enum { VG_RAW_UNREAD = 0, VG_RAW_OK = 1, VG_RAW_NONE = 2 };

/* What the record in the scratch holds when atoms are evaluated. */
enum {
	VG_STAGE_FULL = 0,  /* a finished sys_exit record */
	VG_STAGE_EARLY = 1, /* sys_exit before the build: args, ret, comm, uids */
	VG_STAGE_ENTRY = 2, /* sys_enter: everything but the result and what it resolves */
	VG_STAGE_MID = 3,   /* sys_exit: the early stage's fields plus the resolved path */
	VG_STAGE_LSM = 4,   /* an LSM hook: like the entry, the result taken as success */
};

static __always_inline int cmp_s64(__s64 x, __u8 op, __s64 v)
{
	switch (op) {
	case VG_AOP_EQ: return x == v;
	case VG_AOP_NE: return x != v;
	case VG_AOP_LT: return x < v;
	case VG_AOP_LE: return x <= v;
	case VG_AOP_GT: return x > v;
	case VG_AOP_ANY: return (x & v) != 0;
	default: return x >= v;
	}
}

/* A numeric atom's test of x: a comparison, or a set lookup (VG_AOP_IN). */
static __always_inline int num_test(__s64 x, struct vg_atom *a)
{
	if (a->op == VG_AOP_IN) {
		struct vg_num_key k = { .set = a->set, .val = x };

		return bpf_map_lookup_elem(&num_sets, &k) ? 1 : 0;
	}
	return cmp_s64(x, a->op, a->val);
}

/* Fill k with the string of slot `slot` (a lookup key of the path trie of
 * generation base `gbase`); 0, or -1 when there is none. */
static __always_inline int path_key(struct vg_scratch *s, struct vg_path_key *k, __u32 gbase,
				    __u32 slot)
{
	struct vg_sys_event *e = (void *)s->rec;
	__u32 off, len;
	int trunc = 0;

	/* masked after a barrier: the compiler drops a mask its callers'
	 * checks make redundant, and 6.1's verifier loses those bounds */
	barrier_var(slot);
	slot &= VG_NSTR - 1;
	off = e->str[slot].off;
	len = e->str[slot].len;
	if (!off)
		return -1;
	__builtin_memset(k, 0, sizeof(*k));
	/* Room for the path and the NUL that marks exact entries; a longer
	 * path is looked up by its first bytes, where only prefixes match. */
	if (len > VG_FPATH_MAX - 1) {
		len = VG_FPATH_MAX - 1;
		trunc = 1;
	}
	k->set = __builtin_bswap32(gbase);
	/* masked again, after a barrier that keeps the compiler from
	 * dropping the mask: 6.1's verifier loses the clamp's bound */
	barrier_var(len);
	len &= VG_FPATH_MAX - 1;
	if (bpf_probe_read_kernel(k->path, len, &s->rec[off & VG_SCRATCH_MASK]))
		return -1;
	k->path[len & (VG_FPATH_MAX - 1)] = 0;
	k->prefixlen = 32 + 8 * (len + !trunc);
	return 0;
}

/* Bit `idx` (a dense path-set index) of a set bitmap. */
static __always_inline int bit_of(const __u64 *bits, __u32 idx)
{
	__u32 w = idx / 64;

	/* masked after a barrier: the compiler would drop the mask where it
	 * knows idx's bound, which the verifier may not */
	barrier_var(w);
	w &= VG_FPSETS / 64 - 1;
	return (bits[w] >> (idx % 64)) & 1;
}

/*
 * Is the string in slot `slot` of the record in the path set of atom `a`
 * (dense path-set index in a->val, generation base in a->set's high bits)?
 * The trie is looked up once per slot and record: its answer for every set
 * is kept in the scratch (cur.pc_slot says for which slot; a new record's
 * cursor_reset forgets it). The LSM hooks run preemptible and may not use
 * the per-CPU scratch for that: they look up each time, with the key in
 * their task's scratch. A key must be a map value or on the stack: 6.1's
 * verifier refuses a global function's pointer argument as a map key, and
 * a 136-byte key on atom_eval's stack took 6.1's call chains past 512 bytes.
 */
static __always_inline int path_in(struct vg_scratch *s, struct vg_atom *a, __u32 slot)
{
	__u32 gbase = a->set & VG_SET_GEN_BIT, idx = (__u32)a->val;
	struct vg_path_val *v;

	if (slot >= VG_NSTR)
		return VG_T_UNKNOWN;
	if (idx >= VG_FPSETS) /* a set with no entry */
		return VG_T_FALSE;
	if (s->early == VG_STAGE_LSM) {
		struct vg_scratch *ls;

		ls = bpf_task_storage_get(&lsm_scratch, bpf_get_current_task_btf(), 0, 0);
		if (!ls || path_key(ls, &ls->pkey, gbase, slot))
			return VG_T_UNKNOWN;
		v = bpf_map_lookup_elem(&path_sets, &ls->pkey);
		return v && bit_of(v->bits, idx) ? VG_T_TRUE : VG_T_FALSE;
	}
	struct vg_scratch *ks = scratch_get();

	if (!ks)
		return VG_T_UNKNOWN;
	if (ks->cur.pc_slot != slot + 1) {
		if (path_key(ks, &ks->pkey, gbase, slot))
			return VG_T_UNKNOWN;
		v = bpf_map_lookup_elem(&path_sets, &ks->pkey);
		if (v)
			ks->pbits = *v;
		else
			__builtin_memset(&ks->pbits, 0, sizeof(ks->pbits));
		ks->cur.pc_slot = slot + 1;
	}
	return bit_of(ks->pbits.bits, idx) ? VG_T_TRUE : VG_T_FALSE;
}

/*
 * bpf_rdonly_cast (6.2+) turns a kernel address into a typed pointer whose
 * fields are read by direct loads, where a probe read is a helper call
 * each. The loader says whether the kernel has it; where it does not (6.1)
 * the call is never reached and the verifier drops it.
 */
extern void *bpf_rdonly_cast(const void *obj__ign, __u32 btf_id__k) __ksym __weak;
const volatile bool have_rdonly_cast = false;

/* top_state of the scratch */
enum { VG_TOP_UNREAD = 0, VG_TOP_OK = 1, VG_TOP_NONE = 2 };

/*
 * The climb to the early file's top directories (struct vg_climb): the
 * path walk's steps (path.bpf.h, walk_one), its mount crossings, task root
 * and room, but reading only the links, no name: one read per component
 * and one per mount. It keeps the last two components the walk would
 * write: the top directory and the one below it. It also compares each
 * directory whose length some contains needle's directory name has with
 * those names (struct vg_comps), and keeps which it met.
 */
struct climb_ctx {
	struct vg_scratch *s;
	struct vg_comps *comps; /* the generation's, or NULL */
};

/* Directory name `name` (`len` bytes, 1..VG_FCOMP_MAX - 1) against the
 * names of t: the bits of those it equals into c->found. */
static __always_inline void climb_comp(struct vg_climb *c, struct vg_comps *t, __u64 name, __u32 len)
{
	/* NUL padded as t's names are; a failed read matches nothing */
	if (bpf_probe_read_kernel(c->cw, sizeof(c->cw), (const void *)name))
		return;
	if (len < 8) {
		c->cw[0] &= (1ull << (8 * len)) - 1;
		c->cw[1] = 0;
	} else if (len < 16) {
		c->cw[1] &= (1ull << (8 * (len - 8))) - 1;
	}
	for (__u32 i = 0; i < VG_FCOMPS; i++) {
		if (i >= t->n)
			break;
		if (t->len[i] == len && *(__u64 *)t->name[i] == c->cw[0] &&
		    *(__u64 *)&t->name[i][8] == c->cw[1])
			c->found |= 1u << i;
	}
}

/* The mount the climb is in (c->mnt): its parent, mount point, root. */
static __always_inline void climb_mount(struct vg_climb *c)
{
	if (have_rdonly_cast) {
		struct mount *m = bpf_rdonly_cast((void *)c->mnt, bpf_core_type_id_kernel(struct mount));

		c->ml.parent = m->mnt_parent;
		c->ml.mountpoint = m->mnt_mountpoint;
		c->ml.root = m->mnt.mnt_root;
	} else {
		mount_link_read((struct mount *)c->mnt, &c->ml);
	}
}

static long climb_step(__u64 i, void *arg)
{
	struct climb_ctx *cc = arg;
	struct vg_climb *c;
	struct vg_dentry_link l;
	__u32 len;

	if (!cc->s)
		return 1;
	c = &cc->s->climb;

	if (c->d == c->froot && c->mnt == c->fmnt) {
		c->r = 1;
		return 1;
	}
	if (c->d == (__u64)c->ml.root) {
		if ((__u64)c->ml.parent != c->mnt) {
			/* to the mount point, in the parent mount */
			c->d = (__u64)c->ml.mountpoint;
			c->mnt = (__u64)c->ml.parent;
			climb_mount(c);
			if (!c->n)
				c->bcross = 1;
			return 0;
		}
		c->r = c->n ? 1 : 2; /* the root; nothing named: "/" */
		return 1;
	}
	if (have_rdonly_cast) {
		struct dentry *d = bpf_rdonly_cast((void *)c->d, bpf_core_type_id_kernel(struct dentry));

		l.parent = d->d_parent;
		l.len = d->d_name.len;
		l.name = d->d_name.name;
	} else {
		dentry_link_read((struct dentry *)c->d, &l);
	}
	if (c->d == (__u64)l.parent) {
		/* a disconnected dentry; with nothing named, an internal
		 * mount's lone dentry (pipe:[..]), which the walk names alone */
		c->r = c->n ? 1 : 2;
		return 1;
	}
	len = l.len & VG_NAME_MAX;
	c->room += len + 1;
	if (c->room > VG_PATH_MAX - 1) {
		c->r = 2; /* the walk runs out of room: its path is cut */
		return 1;
	}
	if (!c->n) {
		c->bname = (__u64)l.name;
		c->blen = len;
	}
	/* a directory (the first name is the file's own) */
	if (c->n && cc->comps && len < VG_FCOMP_MAX && ((cc->comps->lenmask >> len) & 1))
		climb_comp(c, cc->comps, (__u64)l.name, len);
	c->name[1] = c->name[0];
	c->len[1] = c->len[0];
	c->name[0] = (__u64)l.name;
	c->len[0] = len;
	c->n++;
	c->d = (__u64)l.parent;
	return 0;
}

/* Directory name `name` (`len` bytes) into a region key's field; one too
 * long for a key is in no key: "/", never a component, stands for it. */
static __always_inline void top_name(char *dst, __u64 name, __u32 len)
{
	if (len >= VG_FTOP_MAX) {
		dst[0] = '/';
		return;
	}
	barrier_var(len);
	len &= VG_FTOP_MAX - 1;
	if (bpf_probe_read_kernel(dst, len, (const void *)name))
		dst[0] = '/';
}

/* The region map's value for ks->tkey as ks->tbits (no bits when there
 * is none); whether a two-directory key may follow (vg_top_val, deeper). */
static __always_inline __u64 top_first(struct vg_scratch *ks)
{
	struct vg_top_val *v = bpf_map_lookup_elem(&path_tops, &ks->tkey);

	for (__u32 i = 0; i < VG_FPSETS / 64; i++) {
		if (i >= ks->pwords)
			break;
		ks->tbits.prefix[i] = v ? v->prefix[i] : 0;
		ks->tbits.exact[i] = v ? v->exact[i] : 0;
	}
	return v ? v->deeper : 0;
}

/* OR the region map's value for ks->tkey into ks->tbits. */
static __always_inline void top_or(struct vg_scratch *ks)
{
	struct vg_top_val *v = bpf_map_lookup_elem(&path_tops, &ks->tkey);

	if (!v)
		return;
	for (__u32 i = 0; i < VG_FPSETS / 64; i++) {
		if (i >= ks->pwords)
			break;
		ks->tbits.prefix[i] |= v->prefix[i];
		ks->tbits.exact[i] |= v->exact[i];
	}
}

/* The path sets whose regions hold the early file, into ks->tbits: the
 * climb, then one lookup per directory level known (at most two). */
static __always_inline __u8 early_tops(struct vg_scratch *ks)
{
	struct file *f = (struct file *)ks->early_file;
	struct task_struct *task = bpf_get_current_task_btf();
	struct fs_struct *fs = task->fs;
	struct vg_climb *c = &ks->climb;
	__u32 gen = ks->gen;
	struct climb_ctx cc = { .s = ks, .comps = bpf_map_lookup_elem(&path_comps, &gen) };

	__builtin_memset(c, 0, sizeof(*c));
	if (cc.comps && !cc.comps->n)
		cc.comps = NULL;
	c->froot = (__u64)fs->root.dentry;
	c->fmnt = (__u64)container_of(fs->root.mnt, struct mount, mnt);
	if (have_rdonly_cast) {
		struct file *ff = bpf_rdonly_cast(f, bpf_core_type_id_kernel(struct file));

		c->fpath.mnt = ff->f_path.mnt;
		c->fpath.dentry = ff->f_path.dentry;
	} else if (bpf_core_read(&c->fpath, sizeof(c->fpath), &f->f_path)) {
		return VG_TOP_NONE;
	}
	c->mnt = (__u64)container_of(c->fpath.mnt, struct mount, mnt);
	c->d = (__u64)c->fpath.dentry;
	climb_mount(c);
	bpf_loop(VG_PATH_MAX / 2, climb_step, &cc, 0);
	if (c->r != 1)
		return VG_TOP_NONE;
	__builtin_memset(&ks->tkey, 0, sizeof(ks->tkey));
	ks->tkey.gen = ks->gen ? VG_SET_GEN_BIT : 0;
	/* a file of the root directory: ("", ""); else its top directory,
	 * then the two, only when the top's key says such keys exist */
	if (c->n > 1)
		top_name(ks->tkey.d1, c->name[0], c->len[0]);
	if (top_first(ks) && c->n > 2) {
		top_name(ks->tkey.d2, c->name[1], c->len[1]);
		top_or(ks);
	}
	return VG_TOP_OK;
}

/* The path sets with an exact entry named as the early file, into
 * ks->bbits; 0 when its name is not known. */
static __always_inline int early_bases(struct vg_scratch *ks)
{
	if (ks->have_base == VG_BASE_UNREAD) {
		struct file *f = (struct file *)ks->early_file;
		struct vg_climb *c = &ks->climb;
		struct vg_path_val *v;
		__u32 len;
		long n;

		__builtin_memset(ks->bkey.name, 0, sizeof(ks->bkey.name));
		ks->bkey.gen = ks->gen ? VG_SET_GEN_BIT : 0;
		ks->have_base = 0;
		if (ks->top_state != VG_TOP_UNREAD && c->n) {
			/* the climb named the file: its name's address and length,
			 * read with one copy; the NUL after it says the two agree
			 * (a rename meanwhile: no decision) */
			len = c->blen;
			if (c->bcross || len > VG_FBASE_MAX - 2)
				return 0;
			barrier_var(len);
			len &= VG_FBASE_MAX - 1;
			if (bpf_probe_read_kernel(ks->bkey.name, len + 1, (const void *)c->bname) ||
			    ks->bkey.name[len & (VG_FBASE_MAX - 1)]) {
				ks->bkey.name[0] = 0;
				return 0;
			}
			n = len + 1;
		} else {
			struct dentry *d = BPF_CORE_READ(f, f_path.dentry);

			/* a file that is a mount's root (a bind-mounted file) is
			 * named by its mount point, as the walk names it: not
			 * decidable here */
			if (d == BPF_CORE_READ(f, f_path.mnt, mnt_root))
				return 0;
			/* a name as long as the key's room may be longer still
			 * (the read stops there): no decision */
			n = bpf_probe_read_kernel_str(ks->bkey.name, sizeof(ks->bkey.name),
						      BPF_CORE_READ(d, d_name.name));
			if (n <= 0 || ks->bkey.name[VG_FBASE_MAX - 2])
				return 0;
		}
		ks->have_base = 1;
		ks->base_len = n - 1;
		v = bpf_map_lookup_elem(&path_bases, &ks->bkey);
		for (__u32 i = 0; i < VG_FPSETS / 64; i++) {
			if (i >= ks->pwords)
				break;
			ks->bbits.bits[i] = v ? v->bits[i] : 0;
		}
	}
	return ks->have_base;
}

/*
 * What the dentries say of path set `idx` for an atom with `flags`
 * (include/abi/filter.h), from the region and name sets already read
 * into s: 0 when the early file is not in it, else 1 (it may be).
 */
static __always_inline int early_in(struct vg_scratch *s, __u8 flags, __u32 idx)
{
	if (idx >= VG_FPSETS) /* a set with no entry */
		return 0;
	if ((flags & VG_AF_TOP) && s->top_state == VG_TOP_OK) {
		if (bit_of(s->tbits.prefix, idx))
			return 1;
		if (!bit_of(s->tbits.exact, idx))
			return 0;
		/* below an exact entry's region only: its name decides */
		if (!(flags & VG_AF_EBASE))
			return 1;
	} else if (!(flags & VG_AF_BASE)) {
		return 1;
	}
	/* the name, read when a set first needs it (into the map value: its
	 * key may not be a global function's argument, see path_in) */
	s = scratch_get();
	return !s || early_bases(s) != 1 || bit_of(s->bbits.bits, idx);
}

/* The early stage's test of a path atom on fd.name (dense set index in
 * a->val): the region sets are read before the clauses run (filter_early,
 * not here: the climb's callback would add a frame to atom_eval's call
 * chain, which 6.1 bounds to 512 bytes of stack); the name sets when an
 * atom first needs them. */
static __always_inline int early_base(struct vg_scratch *s, struct vg_atom *a)
{
	/* the maps' keys and bits in the map value, not `s` (see path_in);
	 * the early stage runs only in tracepoints, never preempted */
	struct vg_scratch *ks = scratch_get();

	(void)s;
	if (a->arg != VG_APATH_FD || !ks || !ks->early_file)
		return VG_T_UNKNOWN;
	if (early_in(ks, a->flags, (__u32)a->val))
		return VG_T_UNKNOWN;
	return a->neg ? VG_T_TRUE : VG_T_FALSE;
}

/*
 * The string scan of a VG_A_STR atom runs as a bpf_loop, one position (or,
 * for endswith, one needle) a step: the callback is verified once, where an
 * unrolled 256-position loop around the needle compare cost the verifier
 * more than the rest of sys_exit together. It also takes the place of a
 * frame on the call chain (sys_exit -> filter_pass -> clause_pass ->
 * atom_eval -> callback), which 6.1's 512-byte stack bound over the chain
 * needs.
 */
struct str_scan_ctx {
	struct vg_scratch *s;
	struct vg_needles *nd;
	__u32 hay, n, op;
	__u32 p; /* contains: the window's end */
	int hit;
};

/* Does needle k of nd sit at walk[at], with `room` bytes of the haystack
 * from there to its end? A global function, verified once: inlined in str_scan_step
 * its 32-byte compare was explored again on every pass the verifier makes
 * over the callback (kernels since 6.7 verify a bpf_loop callback as a
 * loop, until its states converge), which took 6.18.44's verifier past
 * its million instructions. */
__noinline int needle_at(struct vg_scratch *s, struct vg_needles *nd, __u32 k, __u32 at,
			 __u32 room)
{
	__u32 m;

	if (!s || !nd)
		return 0;
	m = nd->len[k & (VG_FNEEDLES - 1)];
	if (!m)
		return 1;
	if (m > room)
		return 0;
	for (__u32 j = 0; j < VG_FNEEDLE_MAX; j++) {
		if (j >= m)
			break;
		if (s->walk[(at + j) & (VG_WALK_SIZE - 1)] != nd->s[k & (VG_FNEEDLES - 1)][j])
			return 0;
	}
	return 1;
}

/* Does a needle of nd end at walk[hay + p], the last byte of a contains
 * scan's window? The window's last byte is compared first: most
 * positions end there. Global, as needle_at. */
__noinline int needle_ends_at(struct vg_scratch *s, struct vg_needles *nd, __u32 hay, __u32 p)
{
	__u8 last;

	if (!s || !nd)
		return 0;
	last = s->walk[(hay + p) & (VG_WALK_SIZE - 1)];
	for (__u32 k = 0; k < VG_FNEEDLES; k++) {
		__u32 m, at, j;

		if (k >= nd->n)
			break;
		m = nd->len[k];
		if (!m || m > p + 1 || nd->s[k][(m - 1) & (VG_FNEEDLE_MAX - 1)] != last)
			continue;
		at = hay + p + 1 - m;
		for (j = 0; j < VG_FNEEDLE_MAX; j++) {
			if (j >= m || s->walk[(at + j) & (VG_WALK_SIZE - 1)] != nd->s[k][j])
				break;
		}
		if (j >= m)
			return 1;
	}
	return 0;
}

/* bpf_loop step i: endswith tries needle i at the end; startswith every
 * needle at the start; contains every needle ending at the window's end,
 * then moves the window on (struct vg_needles). Stops at the first hit. */
static long str_scan_step(__u32 i, void *ctx)
{
	struct str_scan_ctx *c = ctx;
	__u8 last;

	if (!c->s || !c->nd)
		return 1;
	if (c->op == VG_SOP_ENDSWITH) {
		__u32 m = c->nd->len[i & (VG_FNEEDLES - 1)];

		if (i < VG_FNEEDLES && m <= c->n && needle_at(c->s, c->nd, i, c->hay + c->n - m, m))
			c->hit = 1;
		return c->hit ? 1 : 0;
	}
	if (c->op == VG_SOP_STARTSWITH) {
		for (__u32 k = 0; k < VG_FNEEDLES; k++) {
			if (k >= c->nd->n)
				break;
			if (needle_at(c->s, c->nd, k, c->hay, c->n)) {
				c->hit = 1;
				break;
			}
		}
		return 1;
	}
	/* the window's state in the context, not in registers: the
	 * callback's frame stays small (6.1 bounds the chain's stack) */
	if (c->p >= c->n)
		return 1;
	if (needle_ends_at(c->s, c->nd, c->hay, c->p)) {
		c->hit = 1;
		return 1;
	}
	last = c->s->walk[(c->hay + c->p) & (VG_WALK_SIZE - 1)];
	c->p += c->nd->shift[last];
	return 0;
}

/* The exact mask of x's zero bytes: 0x80 in each, 0 elsewhere (no carry
 * crosses a byte: (x & 0x7f) + 0x7f is at most 0xfe). */
static __always_inline __u64 zero_bytes(__u64 x)
{
	const __u64 low7 = 0x7f7f7f7f7f7f7f7full;

	return ~(((x & low7) + low7) | x | low7);
}

/*
 * Does the n-byte haystack at walk[hay] hold nd's prefilter bytes (npre,
 * pre)? Read as 8-byte words 7 bytes apart, so that every pair of
 * neighbouring bytes is within one word; bytes past the haystack's end
 * are masked off. 0 only when the bytes are surely not there. A global
 * function: its frame stays off atom_eval's, in the call chain whose
 * stack 6.1 bounds to 512 bytes.
 */
__noinline int pre_in(struct vg_scratch *s, struct vg_needles *nd, __u32 hay, __u32 n)
{
	const __u64 ones = 0x0101010101010101ull;
	__u64 w, t, valid, a, b;
	__u32 i;

	if (!s || !nd)
		return 1;
	a = ones * nd->pre[0];
	b = ones * nd->pre[1];

	for (__u32 p = 0; p < VG_FSCAN_MAX; p += 7) {
		if (p >= n)
			break;
		i = (hay + p) & (VG_WALK_SIZE - 1);
		if (i > VG_WALK_SIZE - 8)
			return 1;
		w = *(__u64 *)&s->walk[i];
		valid = n - p >= 8 ? ~0ull : (1ull << (8 * (n - p))) - 1;
		t = zero_bytes(w ^ a) & valid;
		/* a pair: pre[0] at byte j, pre[1] at byte j + 1 */
		if (nd->npre == 2)
			t &= (zero_bytes(w ^ b) & valid) >> 8;
		if (t)
			return 1;
	}
	return 0;
}

/* Any needle of the set in slot `id` (an OR) in (at the start of, at the
 * end of: `op`) the n-byte string at walk[hay]? */
static __always_inline int str_scan(struct vg_scratch *s, __u32 hay, __u32 n, __u32 id, __u32 op)
{
	struct str_scan_ctx c = { .s = s, .hay = hay, .n = n, .op = op };
	__u32 steps;

	c.nd = bpf_map_lookup_elem(&str_needles, &id);
	if (!c.nd || !c.nd->n || c.nd->n > VG_FNEEDLES || n >= VG_FSCAN_MAX)
		return VG_T_UNKNOWN;
	for (__u32 k = 0; k < VG_FNEEDLES; k++) {
		if (k >= c.nd->n)
			break;
		if (c.nd->len[k] > VG_FNEEDLE_MAX)
			return VG_T_UNKNOWN;
	}
	/* an empty needle is in every string */
	if (op == VG_SOP_CONTAINS && !c.nd->mmin)
		return VG_T_TRUE;
	if (op == VG_SOP_CONTAINS && c.nd->npre && !pre_in(s, c.nd, hay, n))
		return VG_T_FALSE;
	c.p = c.nd->mmin - 1;
	steps = op == VG_SOP_ENDSWITH ? c.nd->n : op == VG_SOP_STARTSWITH ? 1 : n + 1;
	bpf_loop(steps, str_scan_step, &c, 0);
	return c.hit ? VG_T_TRUE : VG_T_FALSE;
}

/*
 * The early stage's endswith on fd.name, from the open file's own name
 * (early_bases): does a needle of nd end the name as it would end the
 * path (struct vg_needles: tail, tailx)? A global function, not a
 * bpf_loop: its context would sit in atom_eval's frame, and 6.1 bounds
 * the stack of the whole call chain to 512 bytes.
 */
__noinline int name_ends(struct vg_scratch *s, struct vg_needles *nd)
{
	__u32 m, t, nl, from;

	if (!s || !nd)
		return 1;
	nl = s->base_len;
	for (__u32 k = 0; k < VG_FNEEDLES; k++) {
		int hit = 1;

		if (k >= nd->n)
			break;
		m = nd->len[k];
		if ((nd->tailx >> k) & 1) {
			/* the part after the needle's last '/' is the whole name */
			t = nd->tail[k];
			if (t > m || m - t != nl)
				continue;
			from = 0;
		} else {
			/* no '/': the needle ends the name */
			if (m > nl)
				continue;
			from = nl - m;
			t = 0;
		}
		for (__u32 j = 0; j < VG_FNEEDLE_MAX; j++) {
			if (j >= m - t)
				break;
			if (s->bkey.name[(from + j) & (VG_FBASE_MAX - 1)] !=
			    nd->s[k][(t + j) & (VG_FNEEDLE_MAX - 1)]) {
				hit = 0;
				break;
			}
		}
		if (hit)
			return 1;
	}
	return 0;
}

/*
 * A VG_A_STR atom on fd.name at the early stage, before any path is
 * walked: false when the open file's dentries rule every needle out, else
 * unknown. contains: no directory the climb passed (early_tops) is one a
 * needle names (struct vg_needles, cmask); endswith: no needle ends the
 * file's own name as it would end the path. Both read the tree the walk
 * would read, so they say what the path would (the walk's own rules: a
 * climb that could not name the path gives no answer, nor does a file
 * whose name is not its path's last component, early_bases).
 */
static __always_inline int early_str(struct vg_atom *a)
{
	struct vg_scratch *ks = scratch_get();
	struct vg_needles *nd;

	if (!ks || !ks->early_file || a->op == VG_SOP_STARTSWITH)
		return VG_T_UNKNOWN;
	/* the key in the map value: 6.1 refuses the atom's memory as a key,
	 * and atom_eval's frame has no room to spare (6.1's 512-byte chain) */
	ks->nkey = a->slot;
	nd = bpf_map_lookup_elem(&str_needles, &ks->nkey);
	if (!nd || !nd->n || nd->n > VG_FNEEDLES)
		return VG_T_UNKNOWN;
	if (a->op == VG_SOP_CONTAINS)
		return nd->cmask && ks->top_state == VG_TOP_OK && !(ks->climb.found & nd->cmask)
			       ? VG_T_FALSE
			       : VG_T_UNKNOWN;
	if (!nd->ends || early_bases(ks) != 1)
		return VG_T_UNKNOWN;
	return name_ends(ks, nd) ? VG_T_UNKNOWN : VG_T_FALSE;
}

/*
 * str_scan once per needle set, operation and haystack in a record: two
 * rules' clauses often test the same set on the same path (".ssh/", the
 * cloud credentials' directories), and each clause would scan it again.
 * The answers live in the cursor, which each record's build and the
 * middle stage reset (and filter_early, before a run's first scan); the
 * haystack is the raw argument (read once a run) or the copy in the scan
 * area, named by the slot it was copied from (tmp_slot).
 */
static __always_inline int str_scan_once(struct vg_scratch *s, __u32 hay, __u32 n, __u32 id,
					 __u32 op)
{
	__u64 key = (__u64)id | (__u64)op << 32 |
		    (__u64)(hay == VG_HAY_RAW ? 0xff : s->cur.tmp_slot) << 40 | 1ull << 48;
	__u32 i;
	int r;

	for (i = 0; i < 4; i++) {
		if (i >= s->cur.nmemo)
			break;
		if (s->cur.memo[i].key == key)
			return (int)s->cur.memo[i].res;
	}
	r = str_scan(s, hay, n, id, op);
	i = s->cur.nmemo;
	if (i < 4) {
		s->cur.memo[i].key = key;
		s->cur.memo[i].res = (__u64)r;
		s->cur.nmemo = i + 1;
	}
	return r;
}

/*
 * A VG_A_STR atom. The raw path argument (fd.nameraw) is read from user
 * memory at sys_exit's early and middle stages, once, before the record
 * holds it; afterwards, and for the resolved path (fd.name, known from the
 * middle stage on) and comm, the record's copy is scanned. An LSM hook runs
 * preemptible and so cannot use the per-CPU scratch: unknown there.
 */
static __always_inline int str_atom(struct vg_scratch *s, struct vg_atom *a)
{
	struct vg_sys_event *e = (void *)s->rec;
	__u32 off, len, slot;
	long n;

	if (s->early == VG_STAGE_LSM)
		return VG_T_UNKNOWN;
	if (a->arg == VG_ASTR_COMM) {
		__builtin_memcpy(&s->walk[VG_HAY_TMP], e->task.comm, sizeof(e->task.comm));
		s->cur.tmp_slot = 0;
		for (len = 0; len < sizeof(e->task.comm); len++)
			if (!e->task.comm[len])
				break;
		return str_scan(s, VG_HAY_TMP, len, a->slot, a->op);
	}
	if (a->arg == VG_APATH_FD) {
		/* no path yet: what the dentries say */
		if (s->early == VG_STAGE_EARLY)
			return early_str(a);
		/* the resolved path; a deep one is cut short, so unknown */
		if (s->early == VG_STAGE_ENTRY ||
		    e->path_slot == 0xffff || (s->cur.flags & VG_F_PATH_DEEP))
			return VG_T_UNKNOWN;
		slot = e->path_slot;
	} else if (s->early == VG_STAGE_EARLY || s->early == VG_STAGE_MID) {
		if (a->arg >= 6)
			return VG_T_UNKNOWN;
		if (s->raw_state == VG_RAW_UNREAD) {
			n = bpf_probe_read_user_str(&s->walk[VG_HAY_RAW], VG_FSCAN_MAX,
						    (const void *)e->args[a->arg & 7]);
			/* a string that fills the buffer may go on: not scanned */
			s->raw_state = n > 0 && n < VG_FSCAN_MAX ? VG_RAW_OK : VG_RAW_NONE;
			s->raw_len = n > 0 ? n - 1 : 0;
		}
		if (s->raw_state != VG_RAW_OK)
			return VG_T_UNKNOWN;
		return str_scan_once(s, VG_HAY_RAW, s->raw_len, a->slot, a->op);
	} else {
		slot = a->width;
	}
	if (slot >= VG_NSTR)
		return VG_T_UNKNOWN;
	off = e->str[slot & (VG_NSTR - 1)].off;
	len = e->str[slot & (VG_NSTR - 1)].len;
	if (!off || len >= VG_FSCAN_MAX)
		return VG_T_UNKNOWN;
	/* copied once per record: a path's scans share it */
	if (s->cur.tmp_slot != slot + 1) {
		if (bpf_probe_read_kernel(&s->walk[VG_HAY_TMP], len & (VG_FSCAN_MAX - 1),
					  &s->rec[off & VG_SCRATCH_MASK]))
			return VG_T_UNKNOWN;
		s->cur.tmp_slot = slot + 1;
	}
	return str_scan_once(s, VG_HAY_TMP, len, a->slot, a->op);
}

/* The port of the IPv4 or IPv6 address the call passed, in record slot
 * `slot` (a sendto on an unconnected socket: the socket holds none), as
 * user space reads it; 0 when there is none. */
static __always_inline __u16 dest_port(struct vg_scratch *s, struct vg_sys_event *e, __u32 slot)
{
	__u8 sa[4];
	__u32 off;

	if (slot >= VG_NSTR || (e->sock.family != 2 && e->sock.family != 10))
		return 0;
	off = e->str[slot & (VG_NSTR - 1)].off;
	if (!off || e->str[slot & (VG_NSTR - 1)].len < 4)
		return 0;
	if (bpf_probe_read_kernel(sa, sizeof(sa), &s->rec[off & VG_SCRATCH_MASK]))
		return 0;
	/* sa_family (host order), then the port (network order) */
	if ((sa[0] | sa[1] << 8) != e->sock.family)
		return 0;
	return sa[2] << 8 | sa[3];
}

/* Not one of quick_eval's kinds. */
#define VG_T_OTHER 3

/*
 * The atoms clause_pass tries inline, before any atom_eval (a call and the
 * generic evaluation cost ~30 ns, and most clauses die on one of these: an
 * open's mode, the result, the container test; kfilter.c's order_atoms
 * puts them first): the answer atom_eval gives, negation included, or
 * VG_T_OTHER for another kind.
 */
static __always_inline int quick_eval(struct vg_scratch *s, struct vg_atom *a)
{
	struct vg_sys_event *e = (void *)s->rec;
	__u64 flags;
	int r;

	switch (a->kind) {
	case VG_A_RET:
		if (s->early == VG_STAGE_ENTRY)
			return VG_T_UNKNOWN; /* not known yet */
		r = num_test(e->ret, a);
		break;
	case VG_A_ACC_READ:
	case VG_A_ACC_WRITE:
		if (a->arg != 0xff && a->arg >= 6)
			return VG_T_UNKNOWN;
		/* openat2's flags are in ext, read with the record's strings */
		if (a->arg == 0xff && (s->early == VG_STAGE_EARLY || s->early == VG_STAGE_MID))
			return VG_T_UNKNOWN;
		flags = a->arg == 0xff ? e->ext[0] : e->args[a->arg];
		flags &= 3; /* O_ACCMODE */
		r = a->kind == VG_A_ACC_READ ? (flags == 0 || flags == 2) : (flags == 1 || flags == 2);
		break;
	case VG_A_CONTAINER:
		r = e->task.pid_ns != host_pidns || e->task.mnt_ns != host_mntns;
		break;
	default:
		return VG_T_OTHER;
	}
	return a->neg ? !r : r;
}

/*
 * The remote port at the early stage, before the record is built: the
 * socket's (a connected one), else the destination address a send names,
 * read as dest_port reads the record's copy of it (a family other than
 * the socket's, a short address or port 0: unknown). Only for atoms with
 * a destination slot, as at the full stage. VG_T_UNKNOWN, or the test's
 * answer before negation.
 */
static __always_inline int early_rport(struct vg_atom *a)
{
	struct vg_scratch *ks = scratch_get();
	struct vg_sys_event *e;
	__u8 sa[4];
	__s64 x;

	if (!ks || !ks->early_sock)
		return VG_T_UNKNOWN;
	e = (void *)ks->rec;
	if (!ks->sock_read) {
		__builtin_memset(&e->sock, 0, sizeof(e->sock));
		sock_fill(&e->sock, (struct file *)ks->early_sock);
		ks->sock_read = 1;
	}
	if (!e->sock.family)
		return VG_T_UNKNOWN;
	x = e->sock.rport;
	if (!x) {
		/* as the record copies it (rec_put_ubytes): the whole address,
		 * up to VG_SOCKADDR_MAX bytes, or none when that is unreadable */
		__u32 n = ks->early_dlen > VG_SOCKADDR_MAX ? VG_SOCKADDR_MAX : ks->early_dlen;

		if (a->arg >= VG_NSTR || (e->sock.family != 2 && e->sock.family != 10) ||
		    !ks->early_dest || n < 4 ||
		    bpf_probe_read_user(&ks->walk[VG_HAY_TMP], n & (2 * VG_SOCKADDR_MAX - 1),
					(const void *)ks->early_dest))
			return VG_T_UNKNOWN;
		ks->cur.tmp_slot = 0; /* the scan area holds no slot's string now */
		__builtin_memcpy(sa, &ks->walk[VG_HAY_TMP], sizeof(sa));
		/* sa_family (host order), then the port (network order) */
		if ((sa[0] | sa[1] << 8) != e->sock.family)
			return VG_T_UNKNOWN;
		x = sa[2] << 8 | sa[3];
		if (!x)
			return VG_T_UNKNOWN;
	}
	return num_test(x, a);
}

__noinline int atom_eval(struct vg_scratch *s, struct vg_atom *a)
{
	struct vg_sys_event *e;
	struct vg_comm_key ck;
	__s64 x;
	int r;

	if (!s || !a)
		return VG_T_UNKNOWN;
	e = (void *)s->rec;
	r = quick_eval(s, a);
	if (r != VG_T_OTHER)
		return r;
	if (a->kind == VG_A_RPORT && s->early == VG_STAGE_EARLY) {
		r = early_rport(a);
		if (r == VG_T_UNKNOWN)
			return r;
		return a->neg ? !r : r;
	}
	/* Before the full record, sockets are not read yet. */
	if (s->early != VG_STAGE_FULL &&
	    (a->kind == VG_A_LPORT || a->kind == VG_A_RPORT || a->kind == VG_A_SOCKFAM ||
	     a->kind == VG_A_SPORT || a->kind == VG_A_CPORT))
		return VG_T_UNKNOWN;
	if (a->kind == VG_A_PATH_IN) {
		switch (s->early) {
		case VG_STAGE_ENTRY:
		case VG_STAGE_LSM:
			/* no resolved path (an LSM hook may have the file): fd.name
			 * is known only for calls whose fd.name is their path
			 * argument at exit too */
			if (a->arg == VG_APATH_FD && e->path_slot == 0xffff && !s->raw_path)
				return VG_T_UNKNOWN;
			break;
		case VG_STAGE_MID:
			/* the resolved path, no string argument yet */
			if (a->arg != VG_APATH_FD || e->path_slot == 0xffff)
				return VG_T_UNKNOWN;
			break;
		case VG_STAGE_EARLY:
			/* no path yet; a set of exact paths can still be ruled
			 * out from the open file's last component */
			return early_base(s, a);
		default:
			break;
		}
	}
	switch (a->kind) {
	case VG_A_COMM_IN:
		__builtin_memset(&ck, 0, sizeof(ck));
		ck.set = a->set;
		for (int i = 0; i < 16; i++) { /* NUL-pad, as user space keyed it */
			char c = e->task.comm[i];

			if (!c)
				break;
			ck.comm[i] = c;
		}
		r = bpf_map_lookup_elem(&comm_sets, &ck) ? VG_T_TRUE : VG_T_FALSE;
		break;
	case VG_A_PATH_IN:
		if (a->arg == VG_APATH_FD && e->path_slot != 0xffff) {
			/* the resolved path, unless the walk lost its leading part */
			if (s->cur.flags & VG_F_PATH_DEEP)
				return VG_T_UNKNOWN;
			r = path_in(s, a, e->path_slot);
		} else if (a->arg == VG_APATH_FD) {
			/* else the raw path (width) if absolute; beyond the opens,
			 * only as the kernel would spell it (path_clean): "//x",
			 * "a/../x", a relative path are for user space to resolve */
			r = a->width < VG_NSTR && e->str[a->width & 3].off &&
					    s->rec[e->str[a->width & 3].off & VG_SCRATCH_MASK] == '/' &&
					    (!s->path_norm || path_clean(s, a->width))
				    ? path_in(s, a, a->width)
				    : VG_T_UNKNOWN;
		} else
			r = path_in(s, a, a->arg);
		break;
	case VG_A_STR:
		r = str_atom(s, a);
		break;
	case VG_A_ARG:
		if (a->arg >= 6)
			return VG_T_UNKNOWN;
		x = (__s64)e->args[a->arg];
		if (a->width == 4)
			x = (__s32)x;
		r = num_test(x, a);
		break;
	case VG_A_EUID:
		r = num_test(e->task.euid, a);
		break;
	case VG_A_LOGINUID:
		r = num_test((__s32)e->task.loginuid, a);
		break;
	case VG_A_LPORT:
		if (!e->sock.family)
			return VG_T_UNKNOWN;
		r = num_test(e->sock.lport, a);
		break;
	case VG_A_RPORT:
		if (!e->sock.family)
			return VG_T_UNKNOWN;
		x = e->sock.rport;
		if (!x)
			x = dest_port(s, e, a->arg);
		if (!x)
			return VG_T_UNKNOWN;
		r = num_test(x, a);
		break;
	case VG_A_SOCKFAM:
		if (!e->sock.family)
			return VG_T_UNKNOWN;
		r = num_test(e->sock.family, a);
		break;
	case VG_A_EXE_IN:
		/* proc.exepath by file (exe.bpf.h): outside the set, only an
		 * enforcement clause may call it false */
		r = exe_in_set(a->set);
		if (r < 0 || (!r && !(a->flags & VG_AF_EXACT)))
			return VG_T_UNKNOWN;
		break;
	case VG_A_SPORT:
	case VG_A_CPORT:
		/* a duplicated socket does not say which end it is: as user
		 * space decides it, the end with the lower port (or the only
		 * one) is the server's */
		if (e->sock.family != 2 && e->sock.family != 10)
			return VG_T_UNKNOWN;
		x = (!e->sock.rport || e->sock.lport <= e->sock.rport) == (a->kind == VG_A_SPORT)
			    ? e->sock.lport
			    : e->sock.rport;
		r = num_test(x, a);
		break;
	default:
		return VG_T_UNKNOWN;
	}
	if (r == VG_T_UNKNOWN)
		return r;
	return a->neg ? !r : r;
}

/* Clause `cl`'s gate atom (include/abi/filter.h, struct vg_fclause), or
 * NULL. */
static __always_inline struct vg_atom *gate_of(struct vg_fclause *cl)
{
	__u64 g = cl->gate;

	if (!g)
		return NULL;
	g -= 1;
	/* after a barrier, so that the bound is on the register indexing */
	barrier_var(g);
	if (g >= VG_FATOMS)
		return NULL;
	return &cl->atoms[g];
}

/* 0 when an atom of clause c of `f` is false, else 1. A global function,
 * like filter_pass: each loop is verified once per program. */
__noinline int clause_pass(struct vg_scratch *s, struct vg_filter *f, __u32 c)
{
	struct vg_fclause *cl;
	struct vg_atom *a;
	__u32 skip, from = 0;
	int q;

	if (!s || !f || c >= VG_FCLAUSES)
		return 1;
	cl = &f->clauses[c];
	/* its leading atoms (two at most) inline, where quick_eval knows them */
	q = quick_eval(s, &cl->atoms[0]);
	if (q == VG_T_FALSE)
		return 0;
	if (q != VG_T_OTHER) {
		from = 1;
		q = cl->natoms > 1 ? quick_eval(s, &cl->atoms[1]) : VG_T_OTHER;
		if (q == VG_T_FALSE)
			return 0;
		if (q != VG_T_OTHER)
			from = 2;
	}
	/* the gate: past the early stage (where filter_pass tested it, and
	 * where it can say no more), one bit of the path trie's answer,
	 * looked up once a record */
	a = gate_of(cl);
	skip = s->early == VG_STAGE_EARLY && a ? cl->gate - 1 : VG_FATOMS;
	if (s->early != VG_STAGE_EARLY && a && atom_eval(s, a) == VG_T_FALSE)
		return 0;
	for (__u32 i = 0; i < VG_FATOMS; i++) {
		if (i >= cl->natoms)
			break;
		if (i < from || i == skip)
			continue;
		if (atom_eval(s, &cl->atoms[i]) == VG_T_FALSE)
			return 0;
	}
	return 1;
}

/*
 * 1 when some clause of event id `ev`'s filter may hold, 0 when the event
 * cannot match any rule. Only the clauses whose bits `only` has are tried
 * (VG_FCLAUSES_ALL: all); the caller knows the others false. A global
 * function: its loop is verified once per program, not at each caller.
 */
__noinline int filter_pass(struct vg_scratch *s, __u32 ev, __u32 only)
{
	struct vg_filter *f;
	struct vg_atom *a;
	__u32 key, c;

	if (!s)
		return 1;
	key = table_key(ev, s->gen);
	f = bpf_map_lookup_elem(&filters, &key);
	if (!f || f->pass_all)
		return 1;
	/* in the map value, not a register: kept across the calls below, it
	 * would take a slot of this frame, which 6.1's bound on the call
	 * chain's stack has no room for */
	s->only = only;
	for (c = 0; c < VG_FCLAUSES; c++) {
		if (c >= f->nclauses)
			break;
		if (!((s->only >> c) & 1))
			continue;
		/* the early stage's gates: bit tests on what filter_early read */
		if (s->early == VG_STAGE_EARLY && (a = gate_of(&f->clauses[c])) &&
		    !early_in(s, a->flags, (__u32)a->val))
			continue;
		if (clause_pass(s, f, c))
			return 1;
	}
	return 0;
}

/* May the early file be in the gate set of some clause an open of mode
 * `mode` may pass (struct vg_filter, gmask)? Yes when its region holds
 * such a set's prefix entries; when it holds only exact entries of them,
 * the file's name decides where the sets' names are all known (gebase),
 * as early_in decides a gate. */
static __always_inline int gates_open(struct vg_scratch *s, struct vg_filter *fl, __u32 mode)
{
	__u64 *g, x = 0;
	__u32 i;

	/* a gate's set is one of the generation's: its bit within pwords */
	g = fl->gmask[mode & 3];
	for (i = 0; i < VG_FPSETS / 64; i++) {
		if (i >= s->pwords)
			break;
		if (s->tbits.prefix[i] & g[i])
			return 1;
		x |= s->tbits.exact[i] & g[i];
	}
	if (!x || !fl->gebase)
		return !!x;
	if (early_bases(s) != 1)
		return 1;
	for (i = 0; i < VG_FPSETS / 64; i++) {
		if (i >= s->pwords)
			break;
		if (s->tbits.exact[i] & g[i] & s->bbits.bits[i])
			return 1;
	}
	return 0;
}

/*
 * The early stage: 0 when no rule can match whatever the record would hold.
 * Fills the few fields it reads (comm, uids; the caller has set args and
 * ret) and the last component of `f`, the file the event's fd.name names.
 */
static __always_inline int filter_early(struct vg_scratch *s, struct task_struct *task, __u32 ev,
					struct file *f)
{
	__u32 key = table_key(ev, s->gen);
	struct vg_filter *fl = bpf_map_lookup_elem(&filters, &key);
	struct vg_sys_event *e = (void *)s->rec;
	const struct cred *cred = task->cred;
	__u32 only, mode;
	int r;

	/* the raw path argument is read at most once a run, by the first
	 * atom that needs it (here or in the middle stage) */
	s->raw_state = VG_RAW_UNREAD;
	s->cur.nmemo = 0; /* the last run's scan answers */
	if (!fl || fl->pass_all)
		return 1;
	if (!fl->nclauses)
		return 0;
	/* the file's name is read by the first atom that needs it */
	s->have_base = f ? VG_BASE_UNREAD : 0;
	s->sock_read = 0;
	s->top_state = VG_TOP_UNREAD;
	s->early_file = (__u64)f;
	s->pwords = fl->pwords;
	/* The call's open mode picks the clauses it may pass (struct
	 * vg_filter: without a mode argument the four masks are one). No
	 * branch: one path on to the climb for the verifier (four took 6.1's
	 * past its million instructions). */
	mode = e->args[fl->acc_arg & 7] & 3;
	only = fl->qmask[mode];
	if (!only)
		return 0;
	/* The region sets, read once, before the clauses; the name sets
	 * when an atom needs them (early_base). A file in none of the
	 * regions of those clauses' gates passes at most the clauses with no
	 * such gate: most opens of a host (/tmp, /usr, /proc, libraries)
	 * end here, before the task's fields are read. */
	if (f && fl->tops) {
		s->top_state = early_tops(s);
		if (s->top_state == VG_TOP_OK && !gates_open(s, fl, mode)) {
			only &= fl->ungated;
			if (!only)
				return 0;
		}
	}
	__builtin_memcpy(e->task.comm, task->comm, sizeof(e->task.comm));
	e->task.euid = cred->euid.val;
	e->task.loginuid = bpf_core_field_exists(task->loginuid) ? task->loginuid.val : (__u32)-1;
	task_fill_pidmnt(&e->task, task);
	s->early = VG_STAGE_EARLY;
	r = filter_pass(s, ev, only);
	s->early = VG_STAGE_FULL;
	return r;
}

#endif /* VIGIL_BPF_FILTER_H */
