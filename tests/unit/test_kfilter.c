// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests: rules/kfilter, the kernel filter tables. Rulesets are compiled
 * and the tables checked with a reference evaluator written here after
 * include/abi/filter.h (the BPF side's semantics for the atoms used): every
 * event a rule matches must pass (soundness), and the events no rule wants
 * should not (the filter still filters). The end-to-end check against the
 * kernel is tests/integration/filter_it.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "rules/bundled.h"
#include "rules/kfilter.h"
#include "rules/ruleset.h"

static struct vg_ruleset *RS;
static struct vg_kfilter KF;

static void compile_yaml(const char *yaml)
{
	struct vg_rule_source s = { .name = "kf.yaml", .text = yaml, .len = strlen(yaml) };
	struct vg_diag d = { 0 };

	d.out = fopen("/dev/null", "w");
	RS = vg_ruleset_load(NULL, 0, &s, 1, &d);
	fclose(d.out);
	assert_non_null(RS);
	assert_int_equal(vg_kfilter_build(&KF, RS, false), 0);
}

/* RS and KF from the bundled rules. */
static void compile_bundled(void)
{
	struct vg_rule_source src = vg_bundled_rules();
	struct vg_diag d = { 0 };

	RS = vg_ruleset_load(NULL, 0, &src, 1, &d);
	assert_non_null(RS);
	assert_int_equal(vg_kfilter_build(&KF, RS, false), 0);
}

static int teardown(void **state)
{
	vg_kfilter_release(&KF);
	vg_ruleset_free(RS);
	RS = NULL;
	return 0;
}

/* An openat as the filter sees it. The cases give the fields they test,
 * the rest are zero (a host process's open without a mode). */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
struct ev {
	const char *comm, *path;
	int flags;
	long ret;
	int mode;  /* openat's fourth argument */
	bool cont; /* in a container */
};

static bool in_set(__u32 set, const struct ev *e, enum vg_atom_kind kind)
{
	for (size_t i = 0; kind == VG_A_COMM_IN && i < KF.ncomms; i++)
		if (KF.comms[i].set == set && !strncmp(KF.comms[i].comm, e->comm, 16))
			return true;
	for (size_t i = 0; kind == VG_A_PATH_IN && i < KF.npaths; i++) {
		const struct vg_kpath *p = &KF.paths[i];

		if (p->set == set && (p->exact ? !strcmp(e->path, p->path)
					       : !strncmp(e->path, p->path, p->len)))
			return true;
	}
	return false;
}

/* A VG_A_STR atom: the model's path is both the raw argument and fd.name. */
static bool str_true(const struct vg_atom *a, const struct ev *e)
{
	const char *h = a->arg == VG_ASTR_COMM ? e->comm : e->path;
	size_t n = strlen(h);

	for (size_t i = 0; i < KF.nneedles; i++) {
		const struct vg_kneedle *k = &KF.needles[i];

		if (k->set != a->set || k->len > n)
			continue;
		if (a->op == VG_SOP_STARTSWITH ? !memcmp(h, k->s, k->len)
		    : a->op == VG_SOP_ENDSWITH ? !memcmp(h + n - k->len, k->s, k->len)
					       : memmem(h, n, k->s, k->len) != NULL)
			return true;
	}
	return false;
}

static bool atom_true(const struct vg_atom *a, const struct ev *e)
{
	bool r;

	switch (a->kind) {
	case VG_A_COMM_IN:
	case VG_A_PATH_IN:
		r = in_set(a->set, e, a->kind);
		break;
	case VG_A_ACC_READ:
		r = (e->flags & O_ACCMODE) != O_WRONLY;
		break;
	case VG_A_ACC_WRITE:
		r = (e->flags & O_ACCMODE) != O_RDONLY;
		break;
	case VG_A_RET:
		if (a->op == VG_AOP_IN) {
			r = false;
			for (size_t i = 0; i < KF.nnums; i++)
				r |= KF.nums[i].set == a->set && KF.nums[i].val == e->ret;
			break;
		}
		r = a->op == VG_AOP_GE ? e->ret >= a->val : a->op == VG_AOP_LT ? e->ret < a->val
									  : e->ret == a->val;
		break;
	case VG_A_CONTAINER:
		r = e->cont;
		break;
	case VG_A_ARG: { /* openat's flags and mode; a bit test or an equality */
		long x = a->arg == 2 ? e->flags : a->arg == 3 ? e->mode : -1;

		if (x < 0 || (a->op != VG_AOP_ANY && a->op != VG_AOP_EQ))
			fail_msg("arg%u op %u not modelled here", a->arg, a->op);
		r = a->op == VG_AOP_ANY ? (x & a->val) != 0 : x == a->val;
		break;
	}
	case VG_A_STR:
		r = str_true(a, e);
		break;
	default:
		fail_msg("atom kind %u not modelled here", a->kind);
		return true;
	}
	return r != (bool)a->neg;
}

static bool early_in_model(const struct vg_atom *a, const char *path);
static bool early_str_model(const struct vg_atom *a, const char *path);

/* Does the filter let e through? `early`: its early stage, which judges
 * path atoms from the file's dentries (early_in_model) and takes what it
 * cannot know yet (strings of the resolved path) as true. */
static bool filter_model(const struct ev *e, bool early)
{
	const struct vg_filter *f = &KF.f[VG_EV_SYS_openat];

	if (f->pass_all)
		return true;
	for (int i = 0; i < f->nclauses; i++) {
		bool all = true;

		for (int k = 0; k < f->clauses[i].natoms && all; k++) {
			const struct vg_atom *a = &f->clauses[i].atoms[k];

			if (early && a->kind == VG_A_PATH_IN && a->arg == VG_APATH_FD)
				all = early_in_model(a, e->path) || a->neg;
			else if (early && a->kind == VG_A_STR && a->arg == VG_APATH_FD)
				all = early_str_model(a, e->path) || a->neg;
			else
				all = atom_true(a, e);
		}
		if (all)
			return true;
	}
	return false;
}

static bool passes(const struct ev *e)
{
	return filter_model(e, false);
}

/*
 * The early stage's model (bpf/lib/filter.bpf.h, early_in): a path atom on
 * fd.name judged from the file's region (its top two directories) and its
 * last component, before any path is built. False only where the file
 * cannot be in the atom's set; anything else passes.
 */
static bool top_match(__u32 set, bool exact, const char *d1, const char *d2)
{
	for (size_t i = 0; i < KF.ntops; i++)
		if (KF.tops[i].set == set && KF.tops[i].exact == exact &&
		    !strcmp(KF.tops[i].d1, d1) && !strcmp(KF.tops[i].d2, d2))
			return true;
	return false;
}

static bool early_in_model(const struct vg_atom *a, const char *path)
{
	char comp[3][VG_FTOP_MAX + 1] = { "", "", "" };
	const char *base = strrchr(path, '/') + 1;
	int n = 0, k = 0;
	bool pre = false, ex = false, named = false;

	for (const char *p = path + 1; *p; n++) {
		size_t l = strcspn(p, "/");

		if (k < 3)
			snprintf(comp[k++], sizeof(comp[0]), "%.*s", (int)(l < VG_FTOP_MAX ? l : 0), p);
		if (l >= VG_FTOP_MAX && k <= 2)
			strcpy(comp[k - 1], "/"); /* too long for a key: in none */
		p += l + (p[l] == '/');
	}
	if (!n)
		return true;
	/* the regions looked up: ("", ""), (d1, ""), and (d1, d2) */
	for (int r = 0; r < (n > 2 ? 2 : 1); r++) {
		const char *d1 = n > 1 ? comp[0] : "", *d2 = r ? comp[1] : "";

		pre |= top_match(a->set, false, d1, d2);
		ex |= top_match(a->set, true, d1, d2);
	}
	for (size_t i = 0; i < KF.nbases; i++)
		named |= KF.bases[i].set == a->set && !strcmp(KF.bases[i].name, base);
	if (a->flags & VG_AF_TOP) {
		if (pre)
			return true;
		if (!ex)
			return false;
		if (!(a->flags & VG_AF_EBASE))
			return true;
	} else if (!(a->flags & VG_AF_BASE)) {
		return true;
	}
	return strlen(base) >= VG_FBASE_MAX - 1 || named;
}

/*
 * The early stage's string tests on fd.name (bpf/lib/filter.bpf.h,
 * early_str): the needle sets made as the loader makes them
 * (vg_needles_next, which numbers the directory names), then
 * judged from the path's directories (contains) and its last component
 * (endswith). False only where no needle can be in the path.
 */
static bool early_str_model(const struct vg_atom *a, const char *path)
{
	struct vg_comps t = { 0 };
	struct vg_needles v = { 0 };
	const char *base = strrchr(path, '/') + 1;
	__u32 found = 0, set;
	size_t i = 0;

	while (vg_needles_next(&KF, &i, &set, &v, &t) == 1)
		if (set == a->set)
			break;
	/* the directories: every component but the last */
	for (const char *p = path + 1; p < base;) {
		size_t l = strcspn(p, "/");

		for (__u32 k = 0; k < t.n; k++)
			if (t.len[k] == l && !memcmp(t.name[k], p, l))
				found |= 1u << k;
		p += l + 1;
	}
	if (a->op == VG_SOP_CONTAINS)
		return !v.cmask || (found & v.cmask);
	if (a->op != VG_SOP_ENDSWITH || !v.ends || strlen(base) > VG_FBASE_MAX - 2)
		return true;
	for (unsigned k = 0; k < v.n; k++) {
		size_t m = v.len[k], nl = strlen(base), tl = m - v.tail[k];

		if ((v.tailx >> k) & 1 ? nl == tl && !memcmp(base, v.s[k] + v.tail[k], tl)
				       : nl >= m && !memcmp(base + nl - m, v.s[k], m))
			return true;
	}
	return false;
}

static bool early_passes(const struct ev *e)
{
	return filter_model(e, true);
}

#define RULE(name, cond) \
	"- rule: " name "\n  desc: d\n  output: o\n  priority: WARNING\n  condition: " cond "\n"

/* Every event of match[] passes the openat filter (soundness), and none of
 * other[] does (`why` it would be wrong if one did). */
static void expect_filter(const struct ev *match, size_t nm, const struct ev *other, size_t no,
			  const char *why)
{
	for (size_t i = 0; i < nm; i++)
		if (!passes(&match[i]))
			fail_msg("dropped %s %s: unsound", match[i].comm, match[i].path);
	for (size_t i = 0; i < no; i++)
		if (passes(&other[i]))
			fail_msg("passed %s %s: %s", other[i].comm, other[i].path, why);
}

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Twelve rules on openat, more clauses than a filter holds: they are merged
 * into clauses over unions of the path sets, not given up (pass-all). */
static void test_many_rules_merge(void **state)
{
	static const struct ev match[] = {
		{ "cat", "/etc/f0", O_RDONLY, 3 },	 { "cat", "/etc/f3", O_RDWR, 3 },
		{ "cat", "/etc/f7", O_RDONLY, 3 },	 { "sh", "/var/log/x.log", O_WRONLY, 4 },
		{ "sh", "/etc/cron.d/job", O_WRONLY, 4 }, { "vi", "/etc/profile.d/a.sh", O_RDWR, 5 },
		{ "cat", "/etc/missing", O_RDONLY, -2 },
	};
	static const struct ev other[] = {
		{ "cat", "/usr/share/doc/x", O_RDONLY, 3 },
		{ "sh", "/tmp/out", O_WRONLY, 4 },
		{ "cat", "/var/log/x.log", O_RDONLY, 3 }, /* a read where only writes are wanted */
	};

	(void)state;
	compile_yaml(RULE("r0", "evt.type = openat and evt.is_open_read = true and fd.name = /etc/f0")
		     RULE("r1", "evt.type = openat and evt.is_open_read = true and fd.name = /etc/f1")
		     RULE("r2", "evt.type = openat and evt.is_open_read = true and fd.name = /etc/f2")
		     RULE("r3", "evt.type = openat and evt.is_open_read = true and fd.name = /etc/f3")
		     RULE("r4", "evt.type = openat and evt.is_open_read = true and fd.name = /etc/f4")
		     RULE("r5", "evt.type = openat and evt.is_open_read = true and fd.name = /etc/f5")
		     RULE("r6", "evt.type = openat and evt.is_open_read = true and fd.name = /etc/f6")
		     RULE("r7", "evt.type = openat and evt.is_open_read = true and fd.name = /etc/f7")
		     RULE("w0", "evt.type = openat and evt.is_open_write = true and fd.num >= 0 "
				"and fd.name startswith /var/log/ and not proc.name in (logrotate)")
		     RULE("w1", "evt.type = openat and evt.is_open_write = true and fd.num >= 0 "
				"and fd.name startswith /etc/cron.d/ and not proc.name in (crontab)")
		     RULE("w2", "evt.type = openat and evt.is_open_write = true and fd.num >= 0 "
				"and fd.name pmatch (/etc/profile.d)")
		     RULE("f0", "evt.type = openat and evt.failed = true and fd.name = /etc/missing"));
	assert_false(KF.f[VG_EV_SYS_openat].pass_all);
	assert_in_range(KF.f[VG_EV_SYS_openat].nclauses, 1, VG_FCLAUSES);
	expect_filter(match, N_OF(match), other, N_OF(other), "the merge gave the filter up");
}

/* Few rules, fewer clauses: a rule over an OR of paths, or rules that differ
 * in one set alone, make one clause over the union, and a clause another
 * implies goes. Nothing is widened: the merges are exact. */
static void test_exact_merges(void **state)
{
	static const struct ev match[] = {
		{ "cat", "/etc/a/x", O_RDONLY, 3 }, { "cat", "/etc/b/y", O_RDONLY, 3 },
		{ "cat", "/etc/c", O_RDONLY, 3 },   { "vi", "/srv/a/k", O_RDONLY, 3 },
		{ "cp", "/srv/b/k", O_RDONLY, 3 },
	};
	static const struct ev other[] = {
		{ "cat", "/etc/d", O_RDONLY, 3 },
		{ "cat", "/etc/a/x", O_WRONLY, 3 },
		/* a widened merge of the two /srv rules would pass these */
		{ "vi", "/srv/b/k", O_RDONLY, 3 },
		{ "cp", "/srv/a/k", O_RDONLY, 3 },
	};

	(void)state;
	compile_yaml(RULE("or", "evt.type = openat and evt.is_open_read = true and "
				"(fd.name startswith /etc/a/ or fd.name = /etc/c)")
		     RULE("one", "evt.type = openat and evt.is_open_read = true and "
				 "fd.name startswith /etc/b/")
		     RULE("implied", "evt.type = openat and evt.is_open_read = true and "
				     "fd.name startswith /etc/b/ and proc.name = cat")
		     RULE("s1", "evt.type = openat and evt.is_open_read = true and "
				"fd.name startswith /srv/a/ and proc.name = vi")
		     RULE("s2", "evt.type = openat and evt.is_open_read = true and "
				"fd.name startswith /srv/b/ and proc.name = cp"));
	/* the three /etc clauses in one; the two /srv ones differ in two
	 * sets, which no exact merge joins */
	assert_int_equal(KF.f[VG_EV_SYS_openat].nclauses, 3);
	expect_filter(match, N_OF(match), other, N_OF(other), "a merge widened the filter");
}

/* A negated set test cannot be joined over a union: the merge drops it, and
 * the process a rule spares passes (weaker, still sound). */
static void test_negated_sets_dropped(void **state)
{
	char yaml[8192];
	size_t n = 0;

	(void)state;
	for (int i = 0; i < 10; i++)
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n,
				      RULE("n%d", "evt.type = openat and evt.is_open_write = true and "
						  "fd.name = /etc/n%d and not proc.name in (tool%d)"),
				      i, i, i);
	compile_yaml(yaml);
	assert_false(KF.f[VG_EV_SYS_openat].pass_all);
	for (int i = 0; i < 10; i++) {
		char path[32], comm[16];
		struct ev e = { comm, path, O_WRONLY, 3 };

		snprintf(path, sizeof(path), "/etc/n%d", i);
		snprintf(comm, sizeof(comm), "tool%d", (i + 1) % 10); /* spared by another rule */
		assert_true(passes(&e));
	}
}

/* The bundled rules: many on openat, merged to fit. Everyday opens still die
 * in the kernel, the ones rules want pass, and the tables hold only the
 * sets some clause uses (the merges leave none behind), in half the maps'
 * room so that a reload's second generation fits beside the first. */
static void test_bundled_rules_stay_narrow(void **state)
{
	static const struct ev match[] = {
		{ "cat", "/etc/shadow", O_RDONLY, 3 },
		{ "sh", "/etc/new.conf", O_WRONLY | O_CREAT, 3 },
		{ "cp", "/usr/local/bin/tool", O_WRONLY | O_CREAT, 3 },
		{ "sh", "/dev/hidden", O_WRONLY | O_CREAT, 3 },
		{ "cat", "/proc/42/environ", O_RDONLY, 3 },
		{ "cat", "/etc/../etc/../etc/passwd", O_RDONLY, 3 },
		{ "cat", "/home/ann/.ssh/id_ed25519", O_RDONLY, 3 },
		{ "cat", "/root/.aws/credentials", O_RDONLY, 3 },
		{ "cat", "/home/ann/.config/gcloud/credentials.db", O_RDONLY, 3 },
		{ "sh", "/dev/sda1", O_RDONLY, 3, 0, true },
		/* an executable made in a container */
		{ "sh", "/tmp/payload", O_WRONLY | O_CREAT, 3, 0755, true },
		{ "sh", "/app/run", O_WRONLY | O_CREAT | O_TRUNC, 3, 0700, true },
	};
	static const struct ev other[] = {
		{ "cat", "/usr/lib/x86_64-linux-gnu/libc.so.6", O_RDONLY, 3 },
		{ "gcc", "/usr/include/stdio.h", O_RDONLY, 3 },
		{ "sh", "/tmp/out", O_WRONLY | O_CREAT | O_TRUNC, 3 },
		{ "sh", "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 3 },
		/* what every process reads all day (issue 12) */
		{ "cat", "/etc/hostname", O_RDONLY, 3 },
		{ "cat", "/etc/passwd", O_RDONLY, 3 },
		{ "cat", "/home/ann/notes.txt", O_RDONLY, 3 },
		{ "cat", "/home/ann/.bashrc", O_RDONLY, 3 },
		{ "ps", "/proc/42/stat", O_RDONLY, 3 },
		/* a container's everyday opens, a data file it writes */
		{ "nginx", "/usr/share/nginx/html/index.html", O_RDONLY, 3, 0, true },
		{ "python3", "/usr/lib/python3.11/os.py", O_RDONLY, 3, 0, true },
		{ "sh", "/tmp/out", O_WRONLY | O_CREAT | O_TRUNC, 3, 0644, true },
		{ "sh", "/tmp/out", O_RDONLY, 3, 0755, true }, /* mode without O_CREAT */
	};
	const struct vg_filter *f = &KF.f[VG_EV_SYS_openat];

	(void)state;
	compile_bundled();
	assert_false(f->pass_all);
	expect_filter(match, N_OF(match), other, N_OF(other), "everyday opens reach user space");
	for (size_t i = 0; i < KF.npaths; i++) {
		bool used = false;

		for (unsigned ev = 0; ev < VG_EV_MAX && !used; ev++)
			for (int c = 0; c < KF.f[ev].nclauses && !used; c++)
				for (int a = 0; a < KF.f[ev].clauses[c].natoms; a++)
					used |= KF.f[ev].clauses[c].atoms[a].kind == VG_A_PATH_IN &&
						KF.f[ev].clauses[c].atoms[a].set == KF.paths[i].set;
		if (!used)
			fail_msg("path %s is in set %u, which no clause uses", KF.paths[i].path,
				 KF.paths[i].set);
	}
	assert_in_range(KF.npaths, 1, 2048);
	assert_in_range(KF.ncomms, 0, 2048);
	assert_in_range(KF.nbases, 0, 2048);
	/* the early stage, from the file's dentries alone: what the rules
	 * want passes it; the everyday reads outside their directories
	 * (libraries, headers, /etc's other files) end there. (A write to
	 * /tmp does not: a rule's "/lib" prefix names no whole directory.) */
	for (size_t i = 0; i < sizeof(match) / sizeof(match[0]); i++)
		if (!early_passes(&match[i]))
			fail_msg("early stage dropped %s %s: unsound", match[i].comm, match[i].path);
	for (size_t i = 0; i < 6; i++)
		if (other[i].flags == O_RDONLY && early_passes(&other[i]))
			fail_msg("early stage passed %s %s", other[i].comm, other[i].path);
}

/* A path of one to five components drawn from the first n of `names`. */
static void rand_path(char *path, size_t size, unsigned *seed, const char *const *names, int n)
{
	int depth = 1 + rand_r(seed) % 5;
	size_t o = 0;

	for (int d = 0; d < depth; d++)
		o += (size_t)snprintf(path + o, size - o, "/%s", names[rand_r(seed) % n]);
}

/*
 * The early stage against the full filter on random path sets and paths:
 * a file the filter passes is never dropped early, for exact, prefix and
 * pmatch values of every shape (a partial last component, the root
 * directory's files, names too long for a region key, deep paths).
 */
static void test_early_stage_sound(void **state)
{
	static const char *const names[] = {
		"etc", "e", "et", "tmp", "a", "b", ".ssh", "x.conf",
		"a-directory-name-longer-than-the-region-key-holds", "",
	};
	unsigned seed = 12;
	int dropped = 0;

	(void)state;
	for (int round = 0; round < 40; round++) {
		char yaml[4096], vals[3][256];
		size_t n = 0;

		for (int v = 0; v < 3; v++) {
			size_t o = 0;
			int depth = 1 + rand_r(&seed) % 4;

			for (int d = 0; d < depth; d++)
				o += (size_t)snprintf(vals[v] + o, sizeof(vals[v]) - o, "/%s",
						      names[rand_r(&seed) % 9]);
			if (rand_r(&seed) % 3 == 0)
				vals[v][o - (o > 2)] = 0; /* a partial last component */
		}
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n,
				      RULE("s", "evt.type = openat and fd.name startswith %s"), vals[0]);
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n,
				      RULE("i", "evt.type = openat and fd.name in (%s, %s)"), vals[1], vals[2]);
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n,
				      RULE("p", "evt.type = openat and fd.name pmatch (%s)"), vals[2]);
		compile_yaml(yaml);
		for (int t = 0; t < 200; t++) {
			char path[512];
			struct ev e = { "cat", path, O_RDONLY, 3 };

			rand_path(path, sizeof(path), &seed, names, 9);
			if (t % 4 == 0) /* one of the rules' own values, or below it */
				snprintf(path, sizeof(path), "%s%s", vals[t % 3],
					 t % 8 ? "" : "/f");
			if (strstr(path, "//") || (strlen(path) > 1 && path[strlen(path) - 1] == '/'))
				continue; /* no walked path reads so */
			if (passes(&e) && !early_passes(&e))
				fail_msg("early stage dropped %s, which the filter passes (rules %s, %s, %s)",
					 path, vals[0], vals[1], vals[2]);
			dropped += !early_passes(&e);
		}
		teardown(NULL);
	}
	/* and it does decide: most random paths are outside the sets */
	assert_true(dropped > 1000);
}

/*
 * The early stage's string tests against the full filter: fd.name contains,
 * endswith, globs and fd.filename lists on random paths made of the names
 * the needles hold (".ssh" as a directory and as a file, "config" after
 * ".kube" and elsewhere, "_key" ending a name or inside one): a path the
 * filter passes is never dropped early, and most others are.
 */
static void test_early_strings_sound(void **state)
{
	static const char *const names[] = {
		".ssh", "home", "ann", ".kube", "config", "id_key", "x_key.pub", "gcloud",
		".config", "rc", "notes.txt", "a.ssh", ".sshx",
	};
	static const char *const conds[] = {
		"fd.name contains /.ssh/",
		"fd.name contains /.config/gcloud/",
		"fd.name endswith /.kube/config",
		"fd.name endswith _key",
		"fd.filename in (rc, config)",
		"not fd.filename endswith .pub",
		"fd.name glob \"*/.ssh/*\"",
		"fd.name glob \"/home/*/.config/gcloud/*credentials*\"",
		"fd.name contains ssh/",
		"fd.name endswith .ssh/",
	};
	unsigned seed = 7;
	static const int decidable[] = { 0, 1, 2, 3, 4, 6, 7 };
	int dropped = 0, tried = 0; /* of the paths the filter drops */

	(void)state;
	for (int round = 0; round < 30; round++) {
		char yaml[4096];
		size_t n = 0;

		/* the second half: only tests the early stage can judge (not a
		 * needle ending inside a name, nor a negated one) */
		bool judged = round >= 15;

		for (int r = 0; r < 3; r++) {
			const char *c1 = conds[judged ? decidable[rand_r(&seed) % 7] : rand_r(&seed) % 10];
			const char *c2 = conds[judged ? decidable[rand_r(&seed) % 7] : rand_r(&seed) % 10];

			n += (size_t)snprintf(yaml + n, sizeof(yaml) - n,
					      "- rule: r%d\n  desc: d\n  output: o\n  priority: WARNING\n"
					      "  condition: evt.type = openat and fd.name startswith / and "
					      "(%s or %s)\n",
					      r, c1, c2);
		}
		compile_yaml(yaml);
		for (int t = 0; t < 300; t++) {
			char path[512];
			struct ev e = { "cat", path, O_RDONLY, 3 };

			rand_path(path, sizeof(path), &seed, names, 13);
			if (passes(&e) && !early_passes(&e))
				fail_msg("early stage dropped %s, which the filter passes:\n%s", path, yaml);
			tried += judged && !passes(&e);
			dropped += judged && !early_passes(&e);
		}
		teardown(NULL);
	}
	/* and it decides: of the paths the filter drops, most are dropped
	 * before the walk (no needle's directory, no needle's end) */
	assert_true(dropped > tried / 2);
}

/* proc.exepath: `in`/`=`/`!=` become a file-identity atom over a set of the
 * listed paths (the loader keys them by inode); a prefix test names no file
 * and is left to user space. In an enforcement clause the atom is exact. */
static void test_exepath_atom(void **state)
{
	const struct vg_filter *f = &KF.f[VG_EV_SYS_init_module];
	const struct vg_atom *a = NULL;
	struct strbuf why = STRBUF_INIT;
	size_t n = 0;

	(void)state;
	compile_yaml(RULE("m", "evt.type = init_module and not proc.exepath in (/usr/bin/a, /b)")
		     "  mode: enforce\n"
		     RULE("p", "evt.type = finit_module and proc.exepath startswith /usr/"));
	assert_false(f->pass_all);
	assert_int_equal(f->nclauses, 1);
	for (int i = 0; i < f->clauses[0].natoms; i++)
		if (f->clauses[0].atoms[i].kind == VG_A_EXE_IN)
			a = &f->clauses[0].atoms[i];
	assert_non_null(a);
	assert_true(a->neg);
	assert_false(a->flags & VG_AF_EXACT); /* the filter: not listed is unknown */
	for (size_t i = 0; i < KF.nexes; i++)
		if (KF.exes[i].set == a->set)
			n += !strcmp(KF.exes[i].path, "/usr/bin/a") || !strcmp(KF.exes[i].path, "/b");
	assert_int_equal(n, 2);
	assert_true(KF.f[VG_EV_SYS_finit_module].pass_all);

	assert_int_equal(vg_kfilter_enforce_check(RS->rules[0], &why), 0);
	assert_int_not_equal(vg_kfilter_enforce_check(RS->rules[1], &why), 0);
	strbuf_release(&why);
	assert_int_equal(vg_kfilter_build_enforce(&KF, RS, false, &why), 0);
	assert_int_equal(KF.enf[VG_EV_SYS_init_module].nclauses, 1);
	a = NULL;
	for (int i = 0; i < KF.enf[VG_EV_SYS_init_module].clauses[0].natoms; i++)
		if (KF.enf[VG_EV_SYS_init_module].clauses[0].atoms[i].kind == VG_A_EXE_IN)
			a = &KF.enf[VG_EV_SYS_init_module].clauses[0].atoms[i];
	assert_non_null(a);
	assert_true(a->flags & VG_AF_EXACT);
	strbuf_release(&why);
}

/* A rule the kernel cannot narrow makes its event id pass whole. */
/* A list of numbers is one set atom (one hash lookup in the kernel), not
 * an OR of equalities: 20 ports used to exceed the clause bound and pass
 * every send. Negated, it stays one exact test. */
static void test_number_list_is_one_atom(void **state)
{
	static const struct ev match[] = {
		{ "cat", "/etc/a", O_RDONLY, 3 }, { "cat", "/etc/a", O_RDONLY, 7 },
		{ "cat", "/etc/b", O_RDONLY, 40 },
	};
	static const struct ev other[] = {
		{ "cat", "/etc/a", O_RDONLY, 4 }, { "cat", "/etc/b", O_RDONLY, 3 },
		{ "cat", "/etc/b", O_RDONLY, 41 },
	};
	const struct vg_fclause *c;
	int set_atoms = 0;

	(void)state;
	compile_yaml(RULE("in", "evt.type = openat and fd.name = /etc/a and "
				"evt.rawres in (3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, "
				"61, 67, 71, 73)")
		     RULE("notin", "evt.type = openat and fd.name = /etc/b and "
				   "not evt.rawres in (3, 41, 5)"));
	assert_false(KF.f[VG_EV_SYS_openat].pass_all);
	assert_int_equal(KF.f[VG_EV_SYS_openat].nclauses, 2);
	for (int i = 0; i < 2; i++) {
		c = &KF.f[VG_EV_SYS_openat].clauses[i];
		for (int k = 0; k < c->natoms; k++)
			if (c->atoms[k].kind == VG_A_RET && c->atoms[k].op == VG_AOP_IN)
				set_atoms++;
	}
	assert_int_equal(set_atoms, 2);
	assert_int_equal(KF.nnums, 23);
	for (size_t i = 0; i < sizeof(match) / sizeof(match[0]); i++)
		if (!passes(&match[i]))
			fail_msg("dropped %s ret %ld: unsound", match[i].path, match[i].ret);
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		if (passes(&other[i]))
			fail_msg("passed %s ret %ld", other[i].path, other[i].ret);
}

static void test_true_rule_passes_all(void **state)
{
	(void)state;
	compile_yaml(RULE("a", "evt.type = openat and fd.name = /etc/a")
		     RULE("b", "evt.type = openat and proc.cmdline contains x"));
	assert_true(KF.f[VG_EV_SYS_openat].pass_all);
}

/* evt.is_open_exec is two bit tests on the raw arguments, (flags &
 * (O_CREAT|__O_TMPFILE)) and (mode & 0111), not a clause the kernel cannot
 * judge: its negation is the disjunction of theirs. */
static void test_open_exec(void **state)
{
	static const struct ev made[] = {
		{ "sh", "/srv/x", O_WRONLY | O_CREAT, 3, 0755 },
		{ "sh", "/srv/x", O_RDWR | O_CREAT | O_EXCL, 3, 0001 },
		{ "sh", "/srv", O_WRONLY | __O_TMPFILE | O_DIRECTORY, 3, 0010 },
	};
	static const struct ev plain[] = {
		{ "sh", "/srv/x", O_WRONLY | O_CREAT, 3, 0644 },
		{ "sh", "/srv/x", O_RDONLY, 3, 0755 },
		{ "sh", "/srv/x", O_WRONLY | O_TRUNC, 3, 0777 },
	};
	struct strbuf why = STRBUF_INIT;

	(void)state;
	compile_yaml(RULE("x", "evt.type = openat and evt.is_open_exec = true and "
			       "fd.name pmatch (/srv)"));
	assert_false(KF.f[VG_EV_SYS_openat].pass_all);
	assert_int_equal(KF.f[VG_EV_SYS_openat].nclauses, 1);
	expect_filter(made, N_OF(made), plain, N_OF(plain), "made without an execute bit");
	vg_kfilter_explain_table(&KF, VG_EV_SYS_openat, &why);
	if (!strstr(why.buf, "arg3 has any bit of 0111") || !strstr(why.buf, "arg2 has any bit of"))
		fail_msg("explain: %s", why.buf);
	strbuf_release(&why);
	teardown(NULL);
	compile_yaml(RULE("x", "evt.type = openat and evt.is_open_exec = false and "
			       "fd.name pmatch (/srv)"));
	assert_false(KF.f[VG_EV_SYS_openat].pass_all);
	assert_int_equal(KF.f[VG_EV_SYS_openat].nclauses, 2);
	expect_filter(plain, N_OF(plain), made, N_OF(made), "made with an execute bit");
}

/* A glob that is a literal and a trailing '*' is a prefix of a path set
 * (fnmatch's '*' matches '/'), negated or not; another stays string scans. */
static void test_glob_prefix(void **state)
{
	static const struct ev match[] = {
		{ "sh", "/srv/sda", O_RDONLY, 3 },
		{ "sh", "/srv/sdb/part/1", O_RDONLY, 3 },
		{ "sh", "/var/x", O_RDONLY, 3 },
	};
	static const struct ev other[] = {
		{ "sh", "/srv/hda", O_RDONLY, 3 },
		{ "sh", "/var/log/x", O_RDONLY, 3 },
		{ "sh", "/var/logs", O_RDONLY, 3 },
	};
	const struct vg_filter *f = &KF.f[VG_EV_SYS_openat];
	int sets = 0, strs = 0;

	(void)state;
	compile_yaml(RULE("g", "evt.type = openat and fd.name glob /srv/sd?*")
		     RULE("h", "evt.type = openat and fd.name glob /var/** and "
			       "not fd.name glob /var/log*"));
	assert_false(f->pass_all);
	expect_filter(match, N_OF(match), other, N_OF(other), "outside the globs");
	for (int i = 0; i < f->nclauses; i++)
		for (int k = 0; k < f->clauses[i].natoms; k++) {
			sets += f->clauses[i].atoms[k].kind == VG_A_PATH_IN;
			strs += f->clauses[i].atoms[k].kind == VG_A_STR;
		}
	assert_int_equal(sets, 2); /* /var/ and not /var/log */
	assert_int_equal(strs, 1); /* startswith /srv/sd */
}

/* no_fail: set when every clause needs a success, so that execve's entry
 * programs, whose exit records only failures, copy nothing. */
static void test_no_fail(void **state)
{
	static const struct {
		const char *cond;
		bool no_fail;
	} cases[] = {
		{ "evt.type = execve and evt.res = SUCCESS and proc.name = x", true },
		{ "evt.type = execve and evt.failed = false", true },
		{ "evt.type = execve and evt.rawres >= 0", true },
		{ "evt.type = execve and evt.rawres > -1", true },
		{ "evt.type = execve and not evt.rawres < 0", true },
		{ "evt.type = execve and proc.name = x", false },
		{ "evt.type = execve and evt.res != SUCCESS", false },
		{ "evt.type = execve and evt.rawres > -2", false },
		{ "evt.type = execve and (evt.res = SUCCESS or proc.name = x)", false },
	};
	char yaml[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(yaml, sizeof(yaml), RULE("r", "%s"), cases[i].cond);
		compile_yaml(yaml);
		if (KF.f[VG_EV_SYS_execve].no_fail != cases[i].no_fail)
			fail_msg("%s: no_fail %d", cases[i].cond, KF.f[VG_EV_SYS_execve].no_fail);
		teardown(NULL);
	}
	/* the bundled rules: every exec rule wants a success; opens not */
	compile_bundled();
	assert_true(KF.f[VG_EV_SYS_execve].no_fail);
	assert_true(KF.f[VG_EV_SYS_execveat].no_fail);
	assert_false(KF.f[VG_EV_SYS_openat].no_fail);
	assert_false(KF.f[VG_EV_SYS_unlink].no_fail);
}

/* needles_prefilter (through vg_needles_index): the bytes it picks are in
 * every needle, side by side for a pair, so a haystack without them holds
 * no needle. */
static struct vg_needles needle_set(const char *const *ns, unsigned n)
{
	struct vg_needles v = { 0 };

	for (unsigned k = 0; k < n; k++) {
		v.len[k] = (__u8)strlen(ns[k]);
		memcpy(v.s[k], ns[k], v.len[k]);
	}
	v.n = (__u8)n;
	vg_needles_index(&v);
	return v;
}

static bool holds_pre(const struct vg_needles *v, const char *h, size_t n)
{
	for (size_t j = 0; j < n; j++)
		if ((__u8)h[j] == v->pre[0] && (v->npre == 1 || (j + 1 < n && (__u8)h[j + 1] == v->pre[1])))
			return true;
	return false;
}

static void test_needle_prefilter(void **state)
{
	static const char *const dots[] = { "../" }, *const keys[] = { "/.ssh/", "/.aws/" },
				 *const apart[] = { "ab", "cd" }, *const one[] = { "xa", "ya" };
	struct vg_needles v;
	unsigned seed = 7;

	(void)state;
	v = needle_set(dots, 1);
	assert_int_equal(v.npre, 2);
	assert_memory_equal(v.pre, "..", 2);
	v = needle_set(keys, 2);
	assert_int_equal(v.npre, 2);
	assert_memory_equal(v.pre, "/.", 2);
	v = needle_set(apart, 2);
	assert_int_equal(v.npre, 0);
	v = needle_set(one, 2);
	assert_int_equal(v.npre, 1);
	assert_int_equal(v.pre[0], 'a');
	/* random sets over a small alphabet, random haystacks: a haystack
	 * holding a needle holds the prefilter's bytes */
	for (int round = 0; round < 3000; round++) {
		char buf[VG_FNEEDLES][8], hay[40];
		const char *ns[VG_FNEEDLES];
		unsigned n = 1 + rand_r(&seed) % 4;

		for (unsigned k = 0; k < n; k++) {
			unsigned l = 1 + rand_r(&seed) % 5;

			for (unsigned j = 0; j < l; j++)
				buf[k][j] = "./ab"[rand_r(&seed) % 4];
			buf[k][l] = 0;
			ns[k] = buf[k];
		}
		v = needle_set(ns, n);
		for (unsigned k = 0; k < n && v.npre; k++)
			assert_true(holds_pre(&v, ns[k], strlen(ns[k])));
		for (int h = 0; h < 20; h++) {
			size_t hl = rand_r(&seed) % sizeof(hay);
			bool any = false;

			for (size_t j = 0; j < hl; j++)
				hay[j] = "./ab"[rand_r(&seed) % 4];
			for (unsigned k = 0; k < n; k++)
				any |= memmem(hay, hl, ns[k], strlen(ns[k])) != NULL;
			if (any && v.npre)
				assert_true(holds_pre(&v, hay, hl));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_many_rules_merge, teardown),
		cmocka_unit_test_teardown(test_exact_merges, teardown),
		cmocka_unit_test_teardown(test_negated_sets_dropped, teardown),
		cmocka_unit_test_teardown(test_true_rule_passes_all, teardown),
		cmocka_unit_test_teardown(test_number_list_is_one_atom, teardown),
		cmocka_unit_test_teardown(test_exepath_atom, teardown),
		cmocka_unit_test_teardown(test_bundled_rules_stay_narrow, teardown),
		cmocka_unit_test_teardown(test_early_stage_sound, teardown),
		cmocka_unit_test_teardown(test_early_strings_sound, teardown),
		cmocka_unit_test(test_needle_prefilter),
		cmocka_unit_test_teardown(test_no_fail, teardown),
		cmocka_unit_test_teardown(test_open_exec, teardown),
		cmocka_unit_test_teardown(test_glob_prefix, teardown),
	};

	return cmocka_run_group_tests_name("kfilter", tests, NULL, NULL);
}
