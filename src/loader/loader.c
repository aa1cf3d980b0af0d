// SPDX-License-Identifier: Apache-2.0
/*
 * Skeleton lifecycle. The order matters: configuration before load (const
 * volatile globals and map sizes are frozen at load), the dispatcher table
 * before attach (so no event is ever seen half-configured).
 */
#include "loader/loader.h"
#include "loader/probe.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "pipeline/syscalls.h"
#include "loader/ktables.h"
#include "vigil.skel.h"

/* Name prefix of the per-syscall entry programs (entry_attach). */
#define ENTRY_PROG "vg_enter_"

#define DEFAULT_RINGBUF (8u << 20)
#define DEFAULT_LC_RINGBUF (4u << 20)

int vg_parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	default: break;
	}
	if (*end == 'i' || *end == 'B')
		end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
	if (*end || v < 4096 || (v & (v - 1)) || v > (1ull << 30))
		return -EINVAL;
	*out = (size_t)v;
	return 0;
}

/* Write `conf` into every row of `d` in the dispatcher table: its x86_64
 * number and its i386 numbers (an ia32 call is the same event). */
static int sc_rows_set(int fd, const struct vg_sc_desc *d, const struct vg_sc_conf *conf)
{
	__u32 keys[VG_SC_KEYS_MAX];
	size_t n = vg_sc_keys(d, keys);

	for (size_t k = 0; k < n; k++)
		if (bpf_map_update_elem(fd, &keys[k], conf, BPF_ANY))
			return -errno;
	return 0;
}

static int fill_sc_table(struct vg_loader *l, const bool *enabled)
{
	int fd = bpf_map__fd(l->skel->maps.sc_table);

	l->nsyscalls = 0;
	for (size_t i = 0; i < vg_sc_count(); i++) {
		const struct vg_sc_desc *d = vg_sc_at(i);
		struct vg_sc_conf conf;
		int err;

		if (enabled && !enabled[d->ev])
			continue;
		if (d->nr < 0 || d->nr >= VG_NR_MAX) {
			vg_err("syscall %s: number %d outside the dispatcher table", d->name, d->nr);
			return -ERANGE;
		}
		vg_sc_conf_fill(d, &conf);
		if (l->entry_str[d->ev])
			conf.flags |= VG_SCF_ENTRY_STR;
		err = sc_rows_set(fd, d, &conf);
		if (err) {
			vg_err("filling the syscall table (%s): %s", d->name, strerror(-err));
			return err;
		}
		l->nsyscalls++;
	}
	return 0;
}

/*
 * The rule tables are double-buffered (bpf/lib/maps.bpf.h, table_gen): a
 * generation's filters and enforce clauses live at ev + gen * VG_EV_MAX,
 * and its set ids are offset by SET_BASE(gen), so that a reload fills one
 * generation while the other runs, then flips.
 */
#define SET_GEN_BIT VG_SET_GEN_BIT
#define SET_BASE(gen) ((gen) ? SET_GEN_BIT : 0)

/* The path sets of a kfilter, sorted: a set's place is its dense index,
 * its bit in the path trie's values (struct vg_path_val). The needle sets
 * too, sorted: a set's place is its slot in the str_needles array. */
struct psets {
	__u32 *ids;
	size_t n;
	__u32 *nids;
	size_t nn;
};

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/* Sort ids[0..n) and drop repeats; the count left. */
static size_t ids_unique(__u32 *ids, size_t n)
{
	size_t m = 0;

	qsort(ids, n, sizeof(*ids), cmp_u32);
	for (size_t i = 0; i < n; i++)
		if (!m || ids[m - 1] != ids[i])
			ids[m++] = ids[i];
	return m;
}

static void psets_release(struct psets *ps)
{
	free(ps->ids);
	free(ps->nids);
	ps->ids = ps->nids = NULL;
}

static int psets_init(struct psets *ps, const struct vg_kfilter *kf)
{
	memset(ps, 0, sizeof(*ps));
	if (!kf)
		return 0;
	if (kf->nneedles) {
		ps->nids = malloc(kf->nneedles * sizeof(*ps->nids));
		if (!ps->nids)
			return -ENOMEM;
		for (size_t i = 0; i < kf->nneedles; i++)
			ps->nids[i] = kf->needles[i].set;
		ps->nn = ids_unique(ps->nids, kf->nneedles);
	}
	if (!kf->npaths)
		return 0;
	ps->ids = malloc(kf->npaths * sizeof(*ps->ids));
	if (!ps->ids) {
		psets_release(ps);
		return -ENOMEM;
	}
	for (size_t i = 0; i < kf->npaths; i++)
		ps->ids[i] = kf->paths[i].set;
	ps->n = ids_unique(ps->ids, kf->npaths);
	if (ps->n > VG_FPSETS) {
		vg_err("the rules make %zu path sets; the kernel filter holds %d", ps->n, VG_FPSETS);
		psets_release(ps);
		return -E2BIG;
	}
	return 0;
}

/* Dense index of path set `set`, or VG_FPSETS when it has no entry. */
static __u32 psets_index(const struct psets *ps, __u32 set)
{
	__u32 *p = ps->n ? bsearch(&set, ps->ids, ps->n, sizeof(set), cmp_u32) : NULL;

	return p ? (__u32)(p - ps->ids) : VG_FPSETS;
}

/* Slot of needle set `set` in generation `gen`'s part of str_needles, or
 * 2 * VG_FNSETS (none: its atoms are unknown) past the generation's room. */
static __u32 needles_slot(const struct psets *ps, __u32 set, __u32 gen)
{
	__u32 *p = ps->nn ? bsearch(&set, ps->nids, ps->nn, sizeof(set), cmp_u32) : NULL;
	size_t i = p ? (size_t)(p - ps->nids) : VG_FNSETS;

	return i < VG_FNSETS ? gen * VG_FNSETS + (__u32)i : 2 * VG_FNSETS;
}

/* Atoms name sets by id: move them into generation `gen`'s range; a path
 * atom also gets its set's index in the trie's bits (`val`), a string
 * atom its needle set's slot. */
static void atoms_rebase(struct vg_atom *a, int n, __u32 gen, const struct psets *ps)
{
	for (int i = 0; i < n && i < VG_FATOMS; i++) {
		if (a[i].kind == VG_A_PATH_IN)
			a[i].val = psets_index(ps, a[i].set);
		if (a[i].kind == VG_A_STR)
			a[i].slot = needles_slot(ps, a[i].set, gen);
		if (vg_atom_has_set(&a[i]))
			a[i].set += SET_BASE(gen);
	}
}

/* The argument every access-mode atom of f reads; -1 when none has one,
 * or they differ, or one is openat2's struct. */
static int filter_acc_arg(const struct vg_filter *f)
{
	int acc = -1;

	for (int c = 0; c < f->nclauses && c < VG_FCLAUSES; c++)
		for (int i = 0; i < f->clauses[c].natoms && i < VG_FATOMS; i++) {
			const struct vg_atom *a = &f->clauses[c].atoms[i];

			if (a->kind != VG_A_ACC_READ && a->kind != VG_A_ACC_WRITE)
				continue;
			if (a->arg >= 6 || (acc >= 0 && acc != a->arg))
				return -1;
			acc = a->arg;
		}
	return acc;
}

/* Whether clause cl may pass an open of access mode `mode` (O_ACCMODE):
 * no access-mode atom of it is false there (quick_eval's reading). */
static bool clause_in_mode(const struct vg_fclause *cl, unsigned mode)
{
	bool rd = mode == 0 || mode == 2, wr = mode == 1 || mode == 2;

	for (int i = 0; i < cl->natoms && i < VG_FATOMS; i++) {
		const struct vg_atom *a = &cl->atoms[i];
		bool v;

		if (a->kind == VG_A_ACC_READ)
			v = rd;
		else if (a->kind == VG_A_ACC_WRITE)
			v = wr;
		else
			continue;
		if (v == !!a->neg)
			return false;
	}
	return true;
}

/* The early stage's masks of f, whose atoms hold dense set indexes of
 * the `nsets` path sets (struct vg_filter: acc_arg, gebase, pwords,
 * ungated, qmask, gmask). */
static void filter_gates(struct vg_filter *f, size_t nsets)
{
	int acc = f->pass_all ? -1 : filter_acc_arg(f);

	f->pwords = (__u8)((nsets + 63) / 64);
	f->ungated = 0;
	f->gebase = 1;
	/* no mode argument: any will do, the four masks are the same */
	f->acc_arg = acc < 0 ? 0 : (__u8)acc;
	memset(f->qmask, 0, sizeof(f->qmask));
	memset(f->gmask, 0, sizeof(f->gmask));
	for (int c = 0; !f->pass_all && c < f->nclauses && c < VG_FCLAUSES; c++) {
		const struct vg_fclause *cl = &f->clauses[c];
		const struct vg_atom *a = cl->gate && cl->gate <= VG_FATOMS ? &cl->atoms[cl->gate - 1] : NULL;
		__u64 idx = a ? (__u64)a->val : 0;

		/* a gate on a set with no entry holds no file (early_in): its
		 * clause never passes the early stage */
		if (a && idx >= VG_FPSETS)
			continue;
		if (!a || !(a->flags & VG_AF_TOP))
			f->ungated |= (__u16)(1u << c);
		else if (!(a->flags & VG_AF_EBASE))
			f->gebase = 0;
		for (unsigned mode = 0; mode < 4; mode++) {
			if (acc >= 0 && !clause_in_mode(cl, mode))
				continue;
			f->qmask[mode] |= (__u16)(1u << c);
			if (f->ungated & (1u << c))
				continue;
			f->gmask[mode][idx / 64] |= 1ull << (idx % 64);
		}
	}
}

/* The path trie's entries of generation `gen`: each distinct entry with
 * the bits of every set holding it or a shorter prefix of it. */
static int fill_paths(int pfd, const struct vg_kfilter *kf, const struct psets *ps, __u32 gen)
{
	for (size_t i = 0; kf && i < kf->npaths; i++) {
		const struct vg_kpath *p = &kf->paths[i];
		struct vg_path_val v;
		struct vg_path_key k;
		bool first = true;

		/* once per distinct entry: the first of its kind makes it */
		for (size_t j = 0; j < i && first; j++)
			first = !(kf->paths[j].exact == p->exact && kf->paths[j].len == p->len &&
				  !memcmp(kf->paths[j].path, p->path, p->len));
		if (!first)
			continue;
		memset(&v, 0, sizeof(v));
		for (size_t j = 0; j < kf->npaths; j++) {
			const struct vg_kpath *q = &kf->paths[j];
			bool holds = q->exact ? q->exact == p->exact && q->len == p->len &&
							!memcmp(q->path, p->path, p->len)
					      : q->len <= p->len && !memcmp(q->path, p->path, q->len);
			__u32 idx = psets_index(ps, q->set);

			if (holds && idx < VG_FPSETS)
				v.bits[idx / 64] |= 1ull << (idx % 64);
		}
		memset(&k, 0, sizeof(k));
		k.set = htonl(SET_BASE(gen));
		memcpy(k.path, p->path, p->len);
		/* exact entries include the NUL, so they match only whole paths */
		k.prefixlen = 32 + 8 * (p->len + (p->exact ? 1 : 0));
		if (bpf_map_update_elem(pfd, &k, &v, BPF_ANY))
			return -errno;
	}
	return 0;
}

static void pset_bit(__u64 *bits, const struct psets *ps, __u32 set)
{
	__u32 idx = psets_index(ps, set);

	if (idx < VG_FPSETS)
		bits[idx / 64] |= 1ull << (idx % 64);
}

/* The base-name map of generation `gen`: per last component, the sets
 * with an exact entry of that name (once per distinct name). */
static int fill_bases(int bfd, const struct vg_kfilter *kf, const struct psets *ps, __u32 gen)
{
	for (size_t i = 0; i < kf->nbases; i++) {
		struct vg_base_key k = { .gen = SET_BASE(gen) };
		struct vg_path_val v;
		bool first = true;

		for (size_t j = 0; j < i && first; j++)
			first = memcmp(kf->bases[j].name, kf->bases[i].name, VG_FBASE_MAX) != 0;
		if (!first)
			continue;
		memset(&v, 0, sizeof(v));
		for (size_t j = i; j < kf->nbases; j++)
			if (!memcmp(kf->bases[j].name, kf->bases[i].name, VG_FBASE_MAX))
				pset_bit(v.bits, ps, kf->bases[j].set);
		memcpy(k.name, kf->bases[i].name, VG_FBASE_MAX);
		if (bpf_map_update_elem(bfd, &k, &v, BPF_ANY))
			return -errno;
	}
	return 0;
}

/* Top key u is (d1, d2). */
static bool top_is(const struct vg_ktop *u, const char *d1, const char *d2)
{
	return !memcmp(u->d1, d1, VG_FTOP_MAX) && !memcmp(u->d2, d2, VG_FTOP_MAX);
}

/* The region map of generation `gen`: one key per distinct region, with
 * its sets' bits. A one-directory key (a, "") says whether some key (a, b)
 * exists (struct vg_top_val, deeper); where only such keys name a, the
 * first of them brings a key (a, "") with no bits. */
static int fill_tops(int tfd, const struct vg_kfilter *kf, const struct psets *ps, __u32 gen)
{
	static const char none[VG_FTOP_MAX];

	for (size_t i = 0; i < kf->ntops; i++) {
		const struct vg_ktop *t = &kf->tops[i];
		struct vg_top_key k = { .gen = SET_BASE(gen) };
		struct vg_top_val v;
		bool first = true, two = memcmp(t->d2, none, VG_FTOP_MAX) != 0;
		bool below = false, alone = false, first_below = two;

		for (size_t j = 0; j < i && first; j++) {
			first = !top_is(&kf->tops[j], t->d1, t->d2);
			if (!memcmp(kf->tops[j].d1, t->d1, VG_FTOP_MAX) &&
			    memcmp(kf->tops[j].d2, none, VG_FTOP_MAX))
				first_below = false;
		}
		if (!first)
			continue;
		memset(&v, 0, sizeof(v));
		for (size_t j = 0; j < kf->ntops; j++) {
			const struct vg_ktop *u = &kf->tops[j];

			if (top_is(u, t->d1, t->d2))
				pset_bit(u->exact ? v.exact : v.prefix, ps, u->set);
			if (!memcmp(u->d1, t->d1, VG_FTOP_MAX)) {
				if (memcmp(u->d2, none, VG_FTOP_MAX))
					below = true;
				else
					alone = true;
			}
		}
		v.deeper = !two && below;
		memcpy(k.d1, t->d1, VG_FTOP_MAX);
		memcpy(k.d2, t->d2, VG_FTOP_MAX);
		if (bpf_map_update_elem(tfd, &k, &v, BPF_ANY))
			return -errno;
		if (alone || !first_below)
			continue;
		/* no set names the top directory alone: its key, no bits */
		memset(&v, 0, sizeof(v));
		v.deeper = 1;
		memset(k.d2, 0, sizeof(k.d2));
		if (bpf_map_update_elem(tfd, &k, &v, BPF_ANY))
			return -errno;
	}
	return 0;
}

/* The kernel filter tables of generation `gen`; without a kfilter every
 * event id passes. */
static int fill_filters(struct vg_loader *l, const struct vg_kfilter *kf, __u32 gen)
{
	int ffd = bpf_map__fd(l->skel->maps.filters);
	int cfd = bpf_map__fd(l->skel->maps.comm_sets);
	int pfd = bpf_map__fd(l->skel->maps.path_sets);
	int bfd = bpf_map__fd(l->skel->maps.path_bases);
	int tfd = bpf_map__fd(l->skel->maps.path_tops);
	int nfd = bpf_map__fd(l->skel->maps.str_needles);
	int numfd = bpf_map__fd(l->skel->maps.num_sets);
	struct vg_filter pass = { .pass_all = 1 };
	struct vg_comps comps = { 0 };
	struct psets ps;
	__u8 one = 1;
	int err = psets_init(&ps, kf);

	if (err)
		return err;
	for (__u32 ev = 0; ev < VG_EV_MAX; ev++) {
		struct vg_filter f = kf ? kf->f[ev] : pass;
		__u32 key = ev + gen * VG_EV_MAX;

		for (int c = 0; c < f.nclauses && c < VG_FCLAUSES; c++)
			atoms_rebase(f.clauses[c].atoms, f.clauses[c].natoms, gen, &ps);
		filter_gates(&f, ps.n);
		if (bpf_map_update_elem(ffd, &key, &f, BPF_ANY))
			goto fail;
	}
	for (size_t i = 0; kf && i < kf->ncomms; i++) {
		struct vg_comm_key k = kf->comms[i];

		k.set += SET_BASE(gen);
		if (bpf_map_update_elem(cfd, &k, &one, BPF_ANY))
			goto fail;
	}
	if (kf && (fill_bases(bfd, kf, &ps, gen) || fill_tops(tfd, kf, &ps, gen)))
		goto fail;
	for (size_t i = 0; kf && i < kf->nnums; i++) {
		struct vg_num_key k = kf->nums[i];

		k.set += SET_BASE(gen);
		if (bpf_map_update_elem(numfd, &k, &one, BPF_ANY))
			goto fail;
	}
	/* a set's needles into one value (kfilter.c keeps them together) */
	for (size_t i = 0;;) {
		struct vg_needles v;
		__u32 k;
		int r = vg_needles_next(kf, &i, &k, &v, &comps);

		if (r <= 0) {
			if (!r)
				break;
			errno = -r;
			goto fail;
		}
		k = needles_slot(&ps, k, gen);
		if (k < 2 * VG_FNSETS && bpf_map_update_elem(nfd, &k, &v, BPF_ANY))
			goto fail;
	}
	/* the directory names those sets need, the generation's own: the
	 * other's stay until its last run is over */
	if (bpf_map_update_elem(bpf_map__fd(l->skel->maps.path_comps), &gen, &comps, BPF_ANY))
		goto fail;
	if (fill_paths(pfd, kf, &ps, gen))
		goto fail;
	psets_release(&ps);
	return 0;
fail:
	err = -errno;
	vg_err("filling the kernel filter tables: %s", strerror(errno));
	psets_release(&ps);
	return err;
}

/* Enforcement tables of generation `gen`. */
static int fill_enforce_tables(struct vg_loader *l, const struct vg_kfilter *kf, __u32 gen)
{
	int efd = bpf_map__fd(l->skel->maps.enforce);
	struct psets ps;
	int err = psets_init(&ps, kf);

	if (err)
		return err;
	for (__u32 ev = 0; ev < VG_EV_MAX; ev++) {
		struct vg_enforce t = { 0 };
		__u32 key = ev + gen * VG_EV_MAX;

		if (kf)
			t = kf->enf[ev];
		for (int c = 0; c < t.nclauses && c < VG_ECLAUSES; c++)
			atoms_rebase(t.clauses[c].atoms, t.clauses[c].natoms, gen, &ps);
		if (bpf_map_update_elem(efd, &key, &t, BPF_ANY)) {
			err = -errno;
			vg_err("filling the enforcement tables: %s", strerror(errno));
			break;
		}
	}
	psets_release(&ps);
	return err;
}

/* Enforcement tables, the never-kill set and the global mode. */
static int fill_enforce(struct vg_loader *l, const struct vg_loader_opts *o, __u32 cap)
{
	int nfd = bpf_map__fd(l->skel->maps.never_kill);
	struct vg_enf_conf conf = { .cap = cap, .max_per_sec = o->max_kills_per_sec };
	__u32 zero = 0;
	__u8 one = 1;
	int err = fill_enforce_tables(l, o->kfilter, 0);

	if (err)
		return err;
	for (size_t i = 0; i < o->nnever_kill; i++)
		if (bpf_map_update_elem(nfd, &o->never_kill[i], &one, BPF_ANY))
			goto fail;
	if (bpf_map_update_elem(bpf_map__fd(l->skel->maps.enf_conf), &zero, &conf, BPF_ANY))
		goto fail;
	return 0;
fail:
	vg_err("filling the enforcement tables: %s", strerror(errno));
	return -errno;
}

/* ---- --pin: keep the programs attached without us --------------------- */

/* bpffs at /sys/fs/bpf, mounted if nobody has. */
static int bpffs_ensure(void)
{
	struct statfs st;

	if (statfs("/sys/fs/bpf", &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL)) {
		vg_err("mounting bpffs at /sys/fs/bpf: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

/* Internal maps (.rodata, .bss, .kconfig) belong to one load: never pinned.
 * Nor are the tamper ring and its scratch: each agent has its own, pinned
 * apart (tamper_pin), so that a later agent reports what an earlier one
 * could not. */
static bool map_pinnable(const struct bpf_map *m)
{
	return !strchr(bpf_map__name(m), '.') && strncmp(bpf_map__name(m), "tamper", 6);
}

/* The tamper ring pinned where it outlives us (VG_TAMPER_PIN_PREFIX<pid>).
 * Without bpffs the sentinel still reads it (through our fd), but a kill
 * of both loses what neither reported: said once, not fatal. */
static void tamper_pin(struct vg_loader *l)
{
	char path[PATH_MAX];
	int err;

	snprintf(path, sizeof(path), VG_TAMPER_PIN_PREFIX "%d", (int)getpid());
	unlink(path); /* a stale one of a dead process with our pid: ours now */
	err = bpffs_ensure();
	if (!err)
		err = bpf_map__pin(l->skel->maps.tamper, path);
	if (err)
		vg_warn("pinning %s: %s: signals that stop or kill vigil are reported only while "
			"its sentinel lives",
			path, strerror(-err));
}

static bool pins_exist(void)
{
	struct stat st;

	return stat(VG_PIN_DIR "/links", &st) == 0;
}

/* Detach and remove every pinned link not in `keep` (NULL: all). */
static int unpin_links(const struct vigil_bpf *keep)
{
	DIR *d = opendir(VG_PIN_DIR "/links");
	struct dirent *de;
	int n = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		char path[PATH_MAX];
		struct bpf_link *old;
		bool kept = false;

		if (de->d_name[0] == '.')
			continue;
		if (keep) {
			struct bpf_program *p;

			bpf_object__for_each_program(p, keep->obj)
				kept |= bpf_program__autoload(p) && !strcmp(bpf_program__name(p), de->d_name);
		}
		if (kept)
			continue;
		snprintf(path, sizeof(path), VG_PIN_DIR "/links/%s", de->d_name);
		old = bpf_link__open(path);
		if (old) {
			bpf_link__unpin(old);
			bpf_link__destroy(old);
		} else {
			unlink(path);
		}
		n++;
	}
	closedir(d);
	return n;
}

/*
 * Attach every loaded program with its link pinned. A previous vigil's
 * pinned link for the same program is replaced right after the new one is
 * attached: for that moment both run (events may be seen twice), never
 * neither (no moment without enforcement).
 */
static int attach_pinned(struct vg_loader *l)
{
	struct bpf_program *p;
	int err;

	if (mkdir(VG_PIN_DIR "/links", 0700) && errno != EEXIST)
		return -errno;
	bpf_object__for_each_program(p, l->skel->obj) {
		char path[PATH_MAX];
		struct bpf_link *link, *old;

		/* the entry programs are attached by entry_attach() and
		 * vg_loader_entry_attach() */
		if (!bpf_program__autoload(p) || p == l->skel->progs.vg_entry_decide ||
		    !strncmp(bpf_program__name(p), ENTRY_PROG, strlen(ENTRY_PROG)))
			continue;
		link = bpf_program__attach(p);
		if (!link) {
			err = -errno;
			vg_err("attaching %s: %s", bpf_program__name(p), strerror(-err));
			return err;
		}
		snprintf(path, sizeof(path), VG_PIN_DIR "/links/%s", bpf_program__name(p));
		/* the old link stays attached through our fd while its pin
		 * is replaced, and goes only once the new one is pinned; if
		 * pinning fails, the old one is pinned back */
		old = access(path, F_OK) == 0 ? bpf_link__open(path) : NULL;
		if (old)
			bpf_link__unpin(old);
		err = bpf_link__pin(link, path);
		if (err) {
			vg_err("pinning %s: %s", path, strerror(-err));
			bpf_link__destroy(link);
			if (old && bpf_link__pin(old, path) == 0)
				bpf_link__destroy(old);
			return err;
		}
		if (l->nlinks >= sizeof(l->links) / sizeof(l->links[0])) {
			vg_err("pinning %s: more programs than links kept", path);
			bpf_link__destroy(link);
			return -E2BIG;
		}
		l->links[l->nlinks++] = link;
		if (old) {
			bpf_link__destroy(old); /* unpinned: detached now */
			l->took_over = true;
		}
	}
	/* programs a previous vigil attached that this one does not load */
	unpin_links(l->skel);
	return 0;
}

/*
 * Delete the keys of map m that `drop` selects (NULL: all). Each deletion
 * restarts the walk from the first key, which stays valid without a copy
 * of the key set; a key that cannot be deleted ends the walk.
 */
static void map_delete_if(struct bpf_map *m, bool (*drop)(const struct bpf_map *m, const void *key,
							  __u32 arg),
			  __u32 arg)
{
	int fd = bpf_map__fd(m);
	char key[512], next[512];
	void *prev = NULL;

	if (bpf_map__key_size(m) > sizeof(key))
		return;
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, bpf_map__key_size(m));
		if (drop && !drop(m, key, arg)) {
			prev = key;
			continue;
		}
		if (bpf_map_delete_elem(fd, key))
			break;
		prev = NULL;
	}
}

/* Empty a hash map a previous vigil filled (its set ids mean other sets now). */
static void map_clear(struct bpf_map *m)
{
	map_delete_if(m, NULL, 0);
}

int vg_loader_unpin(void)
{
	DIR *d;
	struct dirent *de;
	int err, n;

	err = bpffs_ensure();
	if (err)
		return err;
	n = unpin_links(NULL);
	if (n < 0)
		return n;
	d = opendir(VG_PIN_DIR "/maps");
	while (d && (de = readdir(d))) {
		char path[PATH_MAX];

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), VG_PIN_DIR "/maps/%s", de->d_name);
		if (unlink(path) == 0)
			n++;
	}
	if (d)
		closedir(d);
	rmdir(VG_PIN_DIR "/links");
	rmdir(VG_PIN_DIR "/maps");
	rmdir(VG_PIN_DIR);
	return n;
}

/* A set map's key belongs to generation `gen` (the set id leads every set
 * key; the path trie's is big-endian). */
static bool key_of_gen(const struct bpf_map *m, const void *key, __u32 gen)
{
	__u32 set = *(const __u32 *)key;

	if (bpf_map__type(m) == BPF_MAP_TYPE_LPM_TRIE)
		set = ntohl(((const struct vg_path_key *)key)->set);
	return (set & SET_GEN_BIT) == SET_BASE(gen);
}

/* Delete the set entries of generation `gen` from the set maps. */
static void sets_drop_gen(struct vg_loader *l, __u32 gen)
{
	map_delete_if(l->skel->maps.comm_sets, key_of_gen, gen);
	map_delete_if(l->skel->maps.path_bases, key_of_gen, gen);
	map_delete_if(l->skel->maps.path_tops, key_of_gen, gen);
	map_delete_if(l->skel->maps.path_sets, key_of_gen, gen);
	map_delete_if(l->skel->maps.exe_sets, key_of_gen, gen);
	/* str_needles, an array: a fill writes every slot its atoms use */
	map_delete_if(l->skel->maps.num_sets, key_of_gen, gen);
}

int vg_loader_swap_rules(struct vg_loader *l, const struct vg_kfilter *kf, const bool *sys_enabled)
{
	__u32 cur = l->skel->bss->table_gen & 1, next = !cur;
	int fd = bpf_map__fd(l->skel->maps.sc_table), err;

	/* the idle generation: emptied, filled */
	sets_drop_gen(l, next);
	err = fill_filters(l, kf, next);
	if (!err)
		err = fill_enforce_tables(l, kf, next);
	if (!err)
		err = vg_exesets_fill(&l->exes, bpf_map__fd(l->skel->maps.exe_sets), kf,
				      SET_BASE(next));
	if (err)
		return err;
	/* syscalls the new rules need are switched on before the flip, the
	 * others off after it: no moment when a syscall either ruleset
	 * needs is not recorded */
	for (size_t i = 0; i < vg_sc_count(); i++) {
		const struct vg_sc_desc *d = vg_sc_at(i);
		struct vg_sc_conf conf;

		if (!sys_enabled[d->ev])
			continue;
		vg_sc_conf_fill(d, &conf);
		if (l->entry_str[d->ev])
			conf.flags |= VG_SCF_ENTRY_STR;
		err = sc_rows_set(fd, d, &conf);
		if (err)
			return err;
	}
	__atomic_store_n(&l->skel->bss->table_gen, next, __ATOMIC_SEQ_CST);
	l->nsyscalls = 0;
	for (size_t i = 0; i < vg_sc_count(); i++) {
		const struct vg_sc_desc *d = vg_sc_at(i);
		struct vg_sc_conf off = { 0 };

		if (sys_enabled[d->ev])
			l->nsyscalls++;
		else
			sc_rows_set(fd, d, &off);
	}
	/* The old generation's sets stay: a program that read table_gen before
	 * the flip (an LSM hook can be preempted) may still look them up. The
	 * next swap empties them before refilling. */
	return 0;
}

int vg_loader_set_cap(struct vg_loader *l, uint32_t cap)
{
	int fd = bpf_map__fd(l->skel->maps.enf_conf);
	struct vg_enf_conf conf;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(fd, &zero, &conf))
		return -errno;
	conf.cap = cap;
	return bpf_map_update_elem(fd, &zero, &conf, BPF_ANY) ? -errno : 0;
}

/*
 * Parameters of the kernel's trace function `name` (btf_trace_<name>,
 * counting its leading context pointer), or -1 when it has no such
 * tracepoint (no io_uring).
 */
static int tp_nargs(const char *name)
{
	const struct btf *btf = vg_kernel_btf();
	const struct btf_type *t;
	char tn[96];
	int id, n = -1;

	if (!btf)
		return -1;
	snprintf(tn, sizeof(tn), "btf_trace_%s", name);
	id = btf__find_by_name_kind(btf, tn, BTF_KIND_TYPEDEF);
	t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	t = t ? btf__type_by_id(btf, t->type) : NULL;
	if (t && btf_is_ptr(t))
		t = btf__type_by_id(btf, t->type);
	if (t && btf_is_func_proto(t))
		n = btf_vlen(t);
	return n;
}

/* Do kill rules name opens (the file_open hook refuses those of a process
 * whose file table is shared: bpf/vigil.bpf.c, lsm_decide)? */
static bool open_kills(const struct vg_kfilter *kf)
{
	static const unsigned opens[] = { VG_EV_SYS_open, VG_EV_SYS_openat, VG_EV_SYS_openat2,
					  VG_EV_SYS_creat };

	for (size_t i = 0; kf && i < sizeof(opens) / sizeof(opens[0]); i++)
		if (kf->enf[opens[i]].nclauses > kf->enf[opens[i]].ndeny)
			return true;
	return false;
}

static const char *const tracefs_roots[] = { "/sys/kernel/tracing/events/syscalls",
					     "/sys/kernel/debug/tracing/events/syscalls" };

/* The id of tracepoint syscalls:sys_enter_<name>, or -1. */
static int entry_tp_id(const char *name)
{
	char path[256];
	int id = -1;

	for (size_t i = 0; id < 0 && i < sizeof(tracefs_roots) / sizeof(tracefs_roots[0]); i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/sys_enter_%s/id", tracefs_roots[i], name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fscanf(f, "%d", &id) != 1)
			id = -1;
		fclose(f);
	}
	return id;
}

/*
 * Attach program prog_fd to tracepoint `id` through a perf event and its
 * ioctl, which every kernel since 4.x takes and which sandboxes that refuse
 * a perf-event bpf_link (this CI's) allow. The program runs on every CPU.
 * The perf event's fd (closing it detaches), or a negative errno.
 */
static int tp_attach(int prog_fd, int id)
{
	struct perf_event_attr attr = { 0 };
	int fd, err;

	attr.type = PERF_TYPE_TRACEPOINT;
	attr.size = sizeof(attr);
	attr.config = (__u64)id;
	attr.sample_period = 1;
	attr.wakeup_events = 1;
	fd = (int)syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, PERF_EVENT_IOC_SET_BPF, prog_fd) || ioctl(fd, PERF_EVENT_IOC_ENABLE, 0)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/*
 * The per-syscall entry programs (vg_enter_<name>, bpf/vigil.bpf.c) that
 * copy string arguments at the entry: each loads where its tracepoint
 * exists (tracefs mounted, the syscall built in), and its row then says
 * VG_SCF_ENTRY_STR, so that a record without the copy is flagged.
 */
static void entry_autoload(struct vg_loader *l)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, l->skel->obj) {
		const char *name = bpf_program__name(p);
		const struct vg_sc_desc *d;
		bool have;

		if (strncmp(name, ENTRY_PROG, strlen(ENTRY_PROG)))
			continue;
		name += strlen(ENTRY_PROG);
		/* umount2's tracepoint bears the kernel's name for it */
		d = vg_sc_by_name(!strcmp(name, "umount") ? "umount2" : name);
		have = d && entry_tp_id(name) >= 0;
		bpf_program__set_autoload(p, have);
		if (have)
			l->entry_str[d->ev] = true;
	}
}

/*
 * Attach the entry programs with the perf event ioctl, which every kernel
 * since 4.x takes and which sandboxes that refuse a perf-event bpf_link
 * (this CI's) allow. Not pinned: after a --pin agent exits, the records
 * of these calls read their strings late and say so (VG_F_ARGS_LATE).
 * A program that does not attach leaves the same mark, with a warning.
 */
static void entry_attach(struct vg_loader *l)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, l->skel->obj) {
		const char *name = bpf_program__name(p);
		int id, fd;

		if (strncmp(name, ENTRY_PROG, strlen(ENTRY_PROG)) || !bpf_program__autoload(p))
			continue;
		name += strlen(ENTRY_PROG);
		id = entry_tp_id(name);
		if (l->nentry_fds >= sizeof(l->entry_fds) / sizeof(l->entry_fds[0]) || id < 0)
			continue;
		fd = tp_attach(bpf_program__fd(p), id);
		if (fd < 0) {
			vg_warn("attaching %s%s: %s: its strings are read at the syscall's exit",
				ENTRY_PROG, name, strerror(-fd));
			continue;
		}
		l->entry_fds[l->nentry_fds++] = fd;
	}
}

/*
 * The entry stage (vg_entry_decide, bpf/vigil.bpf.c) runs on the
 * syscalls:sys_enter_<name> tracepoints of the calls that a kill clause
 * decides at the entry, and nowhere else. A call's tracepoint is named
 * after the kernel's definition of it, which a few rows spell otherwise.
 */
static const char *sc_tp_name(const char *sc)
{
	static const char *const alias[][2] = {
		{ "umount2", "umount" }, { "stat", "newstat" },	  { "lstat", "newlstat" },
		{ "fstat", "newfstat" }, { "uname", "newuname" },
	};

	for (size_t i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (!strcmp(sc, alias[i][0]))
			return alias[i][1];
	return sc;
}

/* Where the entry stage of event ev runs: 1, its tracepoint (*id); 0,
 * nowhere, the kernel has no such call (tracefs has every built call's
 * tracepoint: a call without one is not built, e.g. the module loads of a
 * kernel without modules, and fails with ENOSYS); -1, only on the raw
 * sys_enter (no tracefs to ask). */
static int decide_where(unsigned ev, int *id)
{
	const struct vg_sc_desc *d = vg_sc_by_ev(ev);

	*id = d ? entry_tp_id(sc_tp_name(d->name)) : -1;
	if (*id >= 0)
		return 1;
	return entry_tp_id("openat") >= 0 ? 0 : -1;
}

/* Whether some call of kf needs the raw sys_enter for its entry stage. */
static bool decide_needs_raw(const struct vg_kfilter *kf)
{
	int id;

	for (unsigned ev = 1; kf && ev < VG_EV_MAX; ev++)
		if (kf->enf[ev].nentry && decide_where(ev, &id) < 0)
			return true;
	return false;
}

void vg_loader_entry_attach(struct vg_loader *l, const struct vg_kfilter *kf)
{
	int id, fd;

	if (l->entry)
		return; /* the raw sys_enter decides every call */
	for (unsigned ev = 1; kf && ev < VG_EV_MAX; ev++) {
		if (!kf->enf[ev].nentry || l->decide_fd[ev] > 0)
			continue;
		switch (decide_where(ev, &id)) {
		case 0:
			continue;
		case -1:
			vg_warn("%s has no tracepoint tracefs shows, and the raw sys_enter stage was "
				"not loaded at start: its kill rules act at the syscall's exit (restart "
				"vigil to load it)",
				vg_ev_name(ev));
			continue;
		}
		fd = tp_attach(bpf_program__fd(l->skel->progs.vg_entry_decide), id);
		if (fd < 0) {
			vg_warn("attaching the entry stage to %s's tracepoint: %s: its kill rules "
				"act at the syscall's exit",
				vg_ev_name(ev), strerror(-fd));
			continue;
		}
		l->decide_fd[ev] = fd + 1;
	}
}

void vg_loader_entry_detach_unused(struct vg_loader *l, const struct vg_kfilter *kf)
{
	for (unsigned ev = 1; ev < VG_EV_MAX; ev++) {
		if (l->decide_fd[ev] > 0 && !(kf && kf->enf[ev].nentry)) {
			close(l->decide_fd[ev] - 1);
			l->decide_fd[ev] = 0;
		}
	}
}

/* io_uring's programs: io_uring_complete passes (ctx, req, cqe) since 6.3
 * and the cqe's fields one by one before; neither loads without io_uring. */
static void uring_autoload(struct vigil_bpf *skel)
{
	int complete = tp_nargs("io_uring_complete");

	bpf_program__set_autoload(skel->progs.vg_uring_complete, complete == 4);
	bpf_program__set_autoload(skel->progs.vg_uring_complete_args, complete > 4);
	bpf_program__set_autoload(skel->progs.vg_uring_submit, tp_nargs("io_uring_submit_req") == 2);
}

int vg_loader_never_kill_add(struct vg_loader *l, const struct vg_exe_key *k)
{
	__u8 one = 1;

	return bpf_map_update_elem(bpf_map__fd(l->skel->maps.never_kill), k, &one, BPF_ANY) ? -errno
												 : 0;
}

size_t vg_loader_exesets_refresh(struct vg_loader *l, const char **which, size_t max)
{
	if (!l->skel)
		return 0;
	return vg_exesets_refresh(&l->exes, bpf_map__fd(l->skel->maps.exe_sets), which, max);
}

int vg_loader_start(struct vg_loader *l, const struct vg_loader_opts *o)
{
	size_t rb = o->ringbuf_bytes ? o->ringbuf_bytes : DEFAULT_RINGBUF;
	size_t lrb = o->lifecycle_ringbuf_bytes ? o->lifecycle_ringbuf_bytes : DEFAULT_LC_RINGBUF;
	int err;

	memset(l, 0, sizeof(*l));
	l->ncpus = libbpf_num_possible_cpus();
	if (l->ncpus <= 0) {
		vg_err("counting possible CPUs: %s", strerror(-l->ncpus));
		return l->ncpus ? l->ncpus : -EINVAL;
	}
	l->skel = vigil_bpf__open();
	if (!l->skel) {
		err = -errno;
		vg_err("opening the BPF object: %s", strerror(-err));
		return err;
	}
	l->skel->rodata->vigil_tgid = (__u32)getpid();
	l->skel->rodata->wakeup_bytes = rb / 4;
	l->skel->rodata->lc_wakeup_bytes = lrb / 4;
	l->skel->rodata->host_pidns = o->host_pidns;
	l->skel->rodata->host_mntns = o->host_mntns;
	/* 6.2+: the early stage's climb reads dentries by direct loads */
	l->skel->rodata->have_rdonly_cast = vg_kernel_has_func("bpf_rdonly_cast");
	/* The LSM hooks load only where the kernel offers LSM-BPF (probed by
	 * the caller); elsewhere they would fail the whole object. */
	{
		/* the path hooks (the paths the kernel acts on, for the
		 * records of unlink, rename, chmod, ...) need
		 * CONFIG_SECURITY_PATH too */
		bool kpaths = o->lsm_avail && vg_kernel_has_func("bpf_lsm_path_unlink");
		bool sharers = o->lsm_avail && open_kills(o->kfilter);
		struct bpf_program *p;

		bpf_object__for_each_program(p, l->skel->obj) {
			const char *sec = bpf_program__section_name(p);

			if (!strncmp(sec, "lsm/path_", 9))
				bpf_program__set_autoload(p, kpaths);
			else if (p == l->skel->progs.vg_lsm_file_open)
				bpf_program__set_autoload(p, o->lsm || sharers);
			else if (!strncmp(sec, "lsm/", 4))
				bpf_program__set_autoload(p, o->lsm);
		}
		l->skel->rodata->kpaths_on = kpaths;
		l->skel->rodata->lsm_sharers = sharers;
		l->skel->rodata->lsm_active = o->lsm;
		l->skel->rodata->protect_self = o->lsm && o->protect_self;
		l->lsm = o->lsm;
	}
	uring_autoload(l->skel);
	entry_autoload(l);
	/* The entry stage runs on the tracepoints of the calls it decides
	 * (vg_loader_entry_attach); the raw sys_enter, which costs every
	 * syscall of the machine a program run, only where one of them has
	 * none that tracefs shows. */
	{
		bool raw = decide_needs_raw(o->kfilter);

		bpf_program__set_autoload(l->skel->progs.vg_sys_enter, raw);
		l->entry = raw;
	}
	err = bpf_map__set_max_entries(l->skel->maps.events, (__u32)rb);
	if (err) {
		vg_err("sizing the ring buffer to %zu bytes: %s", rb, strerror(-err));
		goto fail;
	}
	err = bpf_map__set_max_entries(l->skel->maps.lifecycle, (__u32)lrb);
	if (err) {
		vg_err("sizing the lifecycle ring buffer to %zu bytes: %s", lrb, strerror(-err));
		goto fail;
	}
	if (pins_exist() && !o->pin) {
		vg_err("a previous 'vigil run --pin' left its programs attached (%s): take them "
		       "over with --pin, or remove them with 'vigil unpin'",
		       VG_PIN_DIR);
		err = -EEXIST;
		goto fail;
	}
	if (o->pin) {
		struct bpf_map *m;
		char path[PATH_MAX];

		err = bpffs_ensure();
		if (err)
			goto fail;
		if ((mkdir(VG_PIN_DIR, 0700) && errno != EEXIST) ||
		    (mkdir(VG_PIN_DIR "/maps", 0700) && errno != EEXIST)) {
			err = -errno;
			vg_err("creating %s: %s", VG_PIN_DIR, strerror(-err));
			goto fail;
		}
		/* libbpf reuses a compatible pinned map and pins the others */
		bpf_object__for_each_map(m, l->skel->obj) {
			if (!map_pinnable(m))
				continue;
			snprintf(path, sizeof(path), VG_PIN_DIR "/maps/%s", bpf_map__name(m));
			bpf_map__set_pin_path(m, path);
		}
	}
	err = vigil_bpf__load(l->skel);
	if (err && o->pin && pins_exist()) {
		vg_err("loading against the pinned maps in %s failed (a different --ringbuf or "
		       "--lifecycle-ringbuf, or "
		       "another vigil version?): 'vigil unpin' first",
		       VG_PIN_DIR);
		goto fail;
	}
	if (err) {
		vg_err("loading BPF programs: %s (is this kernel built with BTF, and are we root?)",
		       strerror(-err));
		goto fail;
	}
	if (o->pin) {
		/* a previous vigil's tables: shadow mode while they are
		 * rewritten and until our programs replace its, its sets and
		 * syscall rows emptied */
		vg_loader_set_cap(l, 0);
		for (__u32 nr = 0; nr < VG_SC_TABLE_SIZE; nr++) {
			struct vg_sc_conf off = { 0 };

			bpf_map_update_elem(bpf_map__fd(l->skel->maps.sc_table), &nr, &off, BPF_ANY);
		}
		map_clear(l->skel->maps.comm_sets);
		map_clear(l->skel->maps.path_sets);
		map_clear(l->skel->maps.path_bases);
		map_clear(l->skel->maps.path_tops);
		map_clear(l->skel->maps.exe_sets);
		map_clear(l->skel->maps.num_sets);
		map_clear(l->skel->maps.never_kill);
		map_clear(l->skel->maps.pending);
	}
	if (o->tamper_pin)
		tamper_pin(l);
	err = fill_filters(l, o->kfilter, 0);
	if (err)
		goto fail;
	l->exes.host_root = o->host_root;
	err = vg_exesets_fill(&l->exes, bpf_map__fd(l->skel->maps.exe_sets), o->kfilter, 0);
	if (err)
		goto fail;
	err = fill_enforce(l, o, o->pin ? 0 : o->enf_cap);
	if (err)
		goto fail;
	/* the syscall table last: it is what switches events on */
	err = fill_sc_table(l, o->sys_enabled);
	if (err)
		goto fail;
	if (o->pin) {
		err = attach_pinned(l);
		if (!err)
			err = vg_loader_set_cap(l, o->enf_cap); /* ours alone now */
		if (err)
			goto fail;
	} else {
		err = vigil_bpf__attach(l->skel);
		if (err) {
			vg_err("attaching BPF programs: %s", strerror(-err));
			goto fail;
		}
	}
	entry_attach(l);
	vg_loader_entry_attach(l, o->kfilter);
	return 0;
fail:
	vg_loader_stop(l);
	return err;
}

void vg_loader_stop(struct vg_loader *l)
{
	if (!l)
		return;
	/* pinned links stay attached after this: the pins hold them */
	for (size_t i = 0; i < l->nlinks; i++)
		bpf_link__destroy(l->links[i]);
	l->nlinks = 0;
	for (size_t i = 0; i < l->nentry_fds; i++)
		close(l->entry_fds[i]);
	l->nentry_fds = 0;
	vg_loader_entry_detach_unused(l, NULL);
	vigil_bpf__destroy(l->skel);
	l->skel = NULL;
	vg_exesets_release(&l->exes);
}

int vg_loader_events_fd(const struct vg_loader *l)
{
	return bpf_map__fd(l->skel->maps.events);
}

size_t vg_loader_sharers_poll(struct vg_loader *l, uint32_t *tgid, uint32_t *killed, size_t max)
{
	uint32_t now, key, next, *prev = NULL;
	struct vg_doomed d;
	size_t n = 0;
	int fd;

	if (!l->skel)
		return 0;
	now = __atomic_load_n(&l->skel->bss->doomed_n, __ATOMIC_RELAXED);
	if (now == l->doomed_seen)
		return 0;
	fd = bpf_map__fd(l->skel->maps.doomed);
	while (n < max && !bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &d) || d.reported)
			continue;
		d.reported = 1;
		bpf_map_update_elem(fd, &key, &d, BPF_EXIST);
		tgid[n] = key;
		killed[n] = d.killed;
		n++;
	}
	if (n < max)
		l->doomed_seen = now; /* all seen; else the rest next time */
	return n;
}

int vg_loader_tamper_fd(const struct vg_loader *l)
{
	return bpf_map__fd(l->skel->maps.tamper);
}

int vg_loader_lifecycle_fd(const struct vg_loader *l)
{
	return bpf_map__fd(l->skel->maps.lifecycle);
}

int vg_loader_ring_fill(int fd, uint64_t *used, uint64_t *size)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	long page = sysconf(_SC_PAGESIZE);
	const volatile unsigned long *cons, *prod;
	int err = 0;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	/* a ring buffer map's first page holds the consumer position, the
	 * second the producer's (both read-only mappable) */
	cons = mmap(NULL, (size_t)page, PROT_READ, MAP_SHARED, fd, 0);
	if (cons == MAP_FAILED)
		return -errno;
	prod = mmap(NULL, (size_t)page, PROT_READ, MAP_SHARED, fd, page);
	if (prod == MAP_FAILED) {
		err = -errno;
		goto out_cons;
	}
	*used = *prod - *cons;
	*size = info.max_entries;
	munmap((void *)prod, (size_t)page);
out_cons:
	munmap((void *)cons, (size_t)page);
	return err;
}

static uint64_t prog_misses(struct bpf_program *p)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len))
		return 0;
	return info.recursion_misses;
}

int vg_loader_read_stats(const struct vg_loader *l, struct vg_kstats *out)
{
	int cfd = bpf_map__fd(l->skel->maps.counters), mfd = bpf_map__fd(l->skel->maps.misc);
	struct vg_counters *pc = calloc((size_t)l->ncpus, sizeof(*pc));
	__u64 *pm = calloc((size_t)l->ncpus, sizeof(*pm));
	struct bpf_program *prog;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (!pc || !pm) {
		err = -ENOMEM;
		goto out;
	}
	for (__u32 k = 0; k < VG_EV_MAX; k++) {
		if (bpf_map_lookup_elem(cfd, &k, pc)) {
			err = -errno;
			goto out;
		}
		for (int c = 0; c < l->ncpus; c++) {
			out->ev[k].seen += pc[c].seen;
			out->ev[k].sent += pc[c].sent;
			out->ev[k].lost += pc[c].lost;
			out->ev[k].filtered += pc[c].filtered;
		}
		out->lost_total += out->ev[k].lost;
		if (vg_ev_is_lifecycle(k))
			out->lost_lifecycle += out->ev[k].lost;
	}
	for (__u32 k = 0; k < VG_MISC_MAX; k++) {
		if (bpf_map_lookup_elem(mfd, &k, pm)) {
			err = -errno;
			goto out;
		}
		for (int c = 0; c < l->ncpus; c++)
			out->misc[k] += pm[c];
	}
	bpf_object__for_each_program(prog, l->skel->obj)
		out->recursion_misses += prog_misses(prog);
out:
	free(pm);
	free(pc);
	return err;
}
