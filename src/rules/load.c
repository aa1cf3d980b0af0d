// SPDX-License-Identifier: Apache-2.0
/*
 * Rule files -> ruleset. libyaml builds each document; this file walks it,
 * applies Falco's item semantics (later files amend earlier ones: redefine,
 * append, override, enable/disable), turns exceptions into condition text,
 * and hands conditions and outputs to the compiler (compile.c).
 *
 * Every scalar keeps the source position of each of its bytes (struct
 * vg_text), through YAML folding and appends, so that an error deep inside
 * a condition reports the file, line and column where the text was written.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "rules/internal.h"
#include "rules/kfilter.h"

/* --- sources ------------------------------------------------------------------ */

struct srcfile {
	const char *name;
	const char *buf;
	size_t len;
	size_t *line_start; /* offsets of each line's first byte */
	size_t nlines;
};

struct exc_cell {
	bool list;
	struct vg_litem *items;
	size_t n;
};

struct exc_def {
	const char *name;
	struct vg_srcpos pos;
	struct vg_litem *fields;
	size_t nf;
	bool fields_scalar; /* `fields: proc.name` rather than a list */
	struct vg_litem *comps;
	size_t nc;
	struct exc_cell **vals; /* tuples: vals[i][0..nf) */
	struct vg_srcpos *vpos;
	size_t nv;
};

struct rule_def {
	const char *name;
	struct vg_srcpos pos;
	struct vg_text cond, output;
	const char *desc;
	enum vg_prio prio;
	const char **tags;
	size_t ntags;
	bool enabled;
	enum vg_mode mode;
	enum vg_action action;
	bool fallback_kill;
	struct exc_def *exc;
	size_t nexc;
	bool has_cond, has_output, has_desc, has_prio;
};

struct loader {
	struct arena *a;
	struct vg_diag *diag;
	struct vg_list_def *lists;
	size_t nlists;
	struct vg_macro_def *macros;
	size_t nmacros;
	struct rule_def *rules;
	size_t nrules;
	bool failed;
};

static void lerr(struct loader *l, const struct vg_srcpos *pos, const char *fmt, const char *a)
{
	vg_diag_error(l->diag, pos, fmt, a);
	l->failed = true;
}

static struct vg_srcpos mark_pos(const struct srcfile *f, yaml_mark_t m)
{
	return (struct vg_srcpos){ .file = f->name, .line = (unsigned)m.line + 1,
				   .col = (unsigned)m.column + 1 };
}

static struct vg_lc index_lc(const struct srcfile *f, size_t idx)
{
	size_t lo = 0, hi = f->nlines;

	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (f->line_start[mid] <= idx)
			lo = mid;
		else
			hi = mid;
	}
	return (struct vg_lc){ .line = (uint32_t)lo + 1, .col = (uint32_t)(idx - f->line_start[lo]) + 1 };
}

/*
 * A scalar's value with the source position of each byte. The value is what
 * libyaml made of the source (folded, unquoted, unescaped); each value byte
 * is matched to the next equal byte of the source region, skipping what YAML
 * removed (indentation, line breaks, quotes, block indicators). Bytes that
 * YAML produced rather than copied (a folded line break, an escape) keep the
 * position reached so far.
 */
static bool make_text(struct loader *l, const struct srcfile *f, yaml_node_t *n, struct vg_text *out)
{
	const char *v = (const char *)n->data.scalar.value;
	size_t len = n->data.scalar.length, r = n->start_mark.index, end = n->end_mark.index;
	struct vg_lc *lc = arena_alloc(l->a, (len + 1) * sizeof(*lc));
	char *s = arena_strndup(l->a, v, len);

	if (!lc || !s) {
		lerr(l, NULL, "out of memory%s", "");
		return false;
	}
	if (end > f->len)
		end = f->len;
	for (size_t i = 0; i < len; i++) {
		size_t k = r;

		while (k < end && f->buf[k] != v[i])
			k++;
		if (k < end)
			r = k;
		lc[i] = index_lc(f, r < f->len ? r : f->len);
		if (k < end)
			r++;
	}
	/* The end of the text: just after its last byte. When that byte is the
	 * line break a block scalar ends with, the end stays on that line (not
	 * at the start of the next item's line). */
	if (len && v[len - 1] == '\n')
		lc[len] = lc[len - 1];
	else
		lc[len] = index_lc(f, r < f->len ? r : f->len);
	*out = (struct vg_text){ .s = s, .len = len, .lc = lc, .file = f->name };
	return true;
}

/* a + sep + b, positions carried along (sep takes b's first position). */
static bool text_cat(struct loader *l, struct vg_text *a, const char *sep, const struct vg_text *b)
{
	size_t sl = strlen(sep), n = a->len + sl + b->len;
	char *s = arena_alloc(l->a, n + 1);
	struct vg_lc *lc = arena_alloc(l->a, (n + 1) * sizeof(*lc));

	if (!s || !lc)
		return false;
	memcpy(s, a->s, a->len);
	memcpy(s + a->len, sep, sl);
	memcpy(s + a->len + sl, b->s, b->len);
	if (a->len)
		memcpy(lc, a->lc, a->len * sizeof(*lc));
	for (size_t i = 0; i < sl; i++)
		lc[a->len + i] = b->lc ? b->lc[0] : (a->lc ? a->lc[a->len] : (struct vg_lc){ 0, 0 });
	memcpy(lc + a->len + sl, b->lc, (b->len + 1) * sizeof(*lc));
	/* appending nothing keeps the end where it was */
	if (!sl && !b->len && a->lc)
		lc[n] = a->lc[a->len];
	*a = (struct vg_text){ .s = s, .len = n, .lc = lc, .file = b->file ? b->file : a->file };
	return true;
}

/* Literal text placed at one source position (generated condition glue). */
static struct vg_text text_at(struct loader *l, const char *s, struct vg_srcpos pos)
{
	size_t n = strlen(s);
	struct vg_lc *lc = arena_alloc(l->a, (n + 1) * sizeof(*lc));

	if (lc)
		for (size_t i = 0; i <= n; i++)
			lc[i] = (struct vg_lc){ pos.line, pos.col };
	return (struct vg_text){ .s = s, .len = n, .lc = lc, .file = pos.file };
}

/* --- YAML helpers ------------------------------------------------------------------ */

static bool is_scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE;
}

static const char *sval(yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static yaml_node_t *map_get(yaml_document_t *d, yaml_node_t *map, const char *key)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(d, p->key);

		if (is_scalar(k) && !strcmp(sval(k), key))
			return yaml_document_get_node(d, p->value);
	}
	return NULL;
}

static bool yaml_bool(yaml_node_t *n, bool *out)
{
	const char *s;

	if (!is_scalar(n))
		return false;
	s = sval(n);
	if (!strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcasecmp(s, "on"))
		*out = true;
	else if (!strcasecmp(s, "false") || !strcasecmp(s, "no") || !strcasecmp(s, "off"))
		*out = false;
	else
		return false;
	return true;
}

/* A scalar or a sequence of scalars, as items. */
static bool scalar_items(struct loader *l, const struct srcfile *f, yaml_document_t *d, yaml_node_t *n,
			 const char *what, struct vg_litem **out, size_t *nout)
{
	struct vg_srcpos pos = mark_pos(f, n->start_mark);

	*out = NULL;
	*nout = 0;
	if (is_scalar(n)) {
		struct vg_litem it = { .s = arena_strdup(l->a, sval(n)), .pos = pos };

		*out = arena_push(l->a, NULL, 0, sizeof(**out));
		if (!*out || !it.s)
			return false;
		(*out)[(*nout)++] = it;
		return true;
	}
	if (n->type != YAML_SEQUENCE_NODE) {
		lerr(l, &pos, "%s must be a list of strings", what);
		return false;
	}
	for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
		yaml_node_t *e = yaml_document_get_node(d, *i);
		struct vg_litem it;

		if (!is_scalar(e)) {
			struct vg_srcpos ep = mark_pos(f, e->start_mark);

			lerr(l, &ep, "%s must be a list of strings", what);
			return false;
		}
		it.s = arena_strdup(l->a, sval(e));
		it.pos = mark_pos(f, e->start_mark);
		*out = arena_push(l->a, *out, *nout, sizeof(**out));
		if (!*out || !it.s)
			return false;
		(*out)[(*nout)++] = it;
	}
	return true;
}

/* --- lookups ------------------------------------------------------------------------ */

static struct vg_list_def *find_list(void *ctx, const char *name)
{
	struct loader *l = ctx;

	for (size_t i = l->nlists; i-- > 0;)
		if (!strcmp(l->lists[i].name, name))
			return &l->lists[i];
	return NULL;
}

static struct vg_macro_def *find_macro(void *ctx, const char *name)
{
	struct loader *l = ctx;

	for (size_t i = l->nmacros; i-- > 0;)
		if (!strcmp(l->macros[i].name, name))
			return &l->macros[i];
	return NULL;
}

static struct rule_def *find_rule(struct loader *l, const char *name)
{
	for (size_t i = 0; i < l->nrules; i++)
		if (!strcmp(l->rules[i].name, name))
			return &l->rules[i];
	return NULL;
}

/* --- items ---------------------------------------------------------------------------- */

enum amend { AMEND_NONE, AMEND_APPEND, AMEND_REPLACE };

/* How `key` is amended: `append: true` appends everything; `override:`
 * says per key. Returns false after an error. */
static bool amend_of(struct loader *l, const struct srcfile *f, yaml_document_t *d, yaml_node_t *item,
		     const char *key, enum amend *out)
{
	yaml_node_t *ap = map_get(d, item, "append"), *ov = map_get(d, item, "override"), *how;
	bool append = false;

	*out = AMEND_NONE;
	if (ap && !yaml_bool(ap, &append)) {
		struct vg_srcpos p = mark_pos(f, ap->start_mark);

		lerr(l, &p, "append must be true or false%s", "");
		return false;
	}
	if (ov) {
		struct vg_srcpos p = mark_pos(f, ov->start_mark);

		if (ov->type != YAML_MAPPING_NODE) {
			lerr(l, &p, "override must map keys to 'append' or 'replace'%s", "");
			return false;
		}
		if (append) {
			lerr(l, &p, "use either append or override, not both%s", "");
			return false;
		}
		how = map_get(d, ov, key);
		if (how) {
			p = mark_pos(f, how->start_mark);
			if (is_scalar(how) && !strcmp(sval(how), "append"))
				*out = AMEND_APPEND;
			else if (is_scalar(how) && !strcmp(sval(how), "replace"))
				*out = AMEND_REPLACE;
			else {
				lerr(l, &p, "override of '%s' must be 'append' or 'replace'", key);
				return false;
			}
		}
		return true;
	}
	if (append)
		*out = AMEND_APPEND;
	return true;
}

static bool is_amending(yaml_document_t *d, yaml_node_t *item)
{
	bool b = false;

	return map_get(d, item, "override") || (yaml_bool(map_get(d, item, "append"), &b) && b);
}

/* False after reporting an unknown key of this item (not: any earlier error). */
static bool check_keys(struct loader *l, const struct srcfile *f, yaml_document_t *d, yaml_node_t *item,
		       const char *kind, const char *const *allowed)
{
	bool ok = true;

	for (yaml_node_pair_t *p = item->data.mapping.pairs.start; p < item->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(d, p->key);
		const char *const *a;

		if (!is_scalar(k))
			continue;
		for (a = allowed; *a; a++)
			if (!strcmp(*a, sval(k)))
				break;
		if (!*a) {
			struct vg_srcpos pos = mark_pos(f, k->start_mark);
			char msg[160];

			snprintf(msg, sizeof(msg), "unknown key '%s' in a %s", sval(k), kind);
			lerr(l, &pos, "%s", msg);
			ok = false;
		}
	}
	return ok;
}

static void load_list(struct loader *l, const struct srcfile *f, yaml_document_t *d, yaml_node_t *item)
{
	static const char *const keys[] = { "list", "items", "append", "override", NULL };
	yaml_node_t *name = map_get(d, item, "list"), *items = map_get(d, item, "items");
	struct vg_srcpos pos = mark_pos(f, item->start_mark);
	struct vg_list_def *old;
	struct vg_litem *v;
	size_t n;
	enum amend how;

	if (!check_keys(l, f, d, item, "list", keys))
		return;
	if (!is_scalar(name) || !sval(name)[0]) {
		lerr(l, &pos, "a list needs a name%s", "");
		return;
	}
	if (!items) {
		lerr(l, &pos, "list '%s' has no items", sval(name));
		return;
	}
	if (items->type == YAML_SCALAR_NODE && !items->data.scalar.length) {
		v = NULL;
		n = 0;
	} else if (!scalar_items(l, f, d, items, "items", &v, &n)) {
		return;
	}
	if (!amend_of(l, f, d, item, "items", &how))
		return;
	old = find_list(l, sval(name));
	if (how == AMEND_APPEND) {
		if (!old) {
			lerr(l, &pos, "list '%s' to append to does not exist (yet)", sval(name));
			return;
		}
		for (size_t i = 0; i < n; i++) {
			old->items = arena_push(l->a, old->items, old->n, sizeof(*old->items));
			if (!old->items)
				return;
			old->items[old->n++] = v[i];
		}
		return;
	}
	if (how == AMEND_REPLACE && !old) {
		lerr(l, &pos, "list '%s' to override does not exist (yet)", sval(name));
		return;
	}
	if (old) { /* redefinition replaces */
		old->items = v;
		old->n = n;
		return;
	}
	l->lists = arena_push(l->a, l->lists, l->nlists, sizeof(*l->lists));
	if (!l->lists)
		return;
	l->lists[l->nlists++] = (struct vg_list_def){ .name = arena_strdup(l->a, sval(name)),
						      .pos = pos, .items = v, .n = n };
}

static void load_macro(struct loader *l, const struct srcfile *f, yaml_document_t *d, yaml_node_t *item)
{
	static const char *const keys[] = { "macro", "condition", "append", "override", NULL };
	yaml_node_t *name = map_get(d, item, "macro"), *cond = map_get(d, item, "condition");
	struct vg_srcpos pos = mark_pos(f, item->start_mark);
	struct vg_macro_def *old;
	struct vg_text t;
	enum amend how;

	if (!check_keys(l, f, d, item, "macro", keys))
		return;
	if (!is_scalar(name) || !sval(name)[0]) {
		lerr(l, &pos, "a macro needs a name%s", "");
		return;
	}
	if (!is_scalar(cond)) {
		lerr(l, &pos, "macro '%s' needs a condition", sval(name));
		return;
	}
	if (strchr(sval(name), '.')) {
		lerr(l, &pos, "macro name '%s' must not contain a dot (names with dots are fields)",
		     sval(name));
		return;
	}
	if (!make_text(l, f, cond, &t) || !amend_of(l, f, d, item, "condition", &how))
		return;
	old = find_macro(l, sval(name));
	if (how != AMEND_NONE && !old) {
		lerr(l, &pos, "macro '%s' to amend does not exist (yet)", sval(name));
		return;
	}
	if (how == AMEND_APPEND) {
		text_cat(l, &old->cond, " ", &t);
		return;
	}
	if (old) {
		old->cond = t;
		return;
	}
	l->macros = arena_push(l->a, l->macros, l->nmacros, sizeof(*l->macros));
	if (!l->macros)
		return;
	l->macros[l->nmacros++] = (struct vg_macro_def){ .name = arena_strdup(l->a, sval(name)),
							 .pos = pos, .cond = t };
}

static int prio_parse(const char *s)
{
	static const char *const n[] = { "emergency", "alert",	"critical", "error",
					  "warning",   "notice", "informational", "debug" };

	for (int i = 0; i < 8; i++)
		if (!strcasecmp(s, n[i]))
			return i;
	if (!strcasecmp(s, "info"))
		return VG_PRIO_INFORMATIONAL;
	return -1;
}

/* One exception tuple cell: a scalar, or a list (for `in`-like comps). */
static bool exc_cell(struct loader *l, const struct srcfile *f, yaml_document_t *d, yaml_node_t *n,
		     struct exc_cell *c)
{
	memset(c, 0, sizeof(*c));
	c->list = n->type == YAML_SEQUENCE_NODE;
	return scalar_items(l, f, d, n, "an exception value", &c->items, &c->n);
}

static bool load_exceptions(struct loader *l, const struct srcfile *f, yaml_document_t *d,
			    yaml_node_t *seq, struct rule_def *r, bool merge)
{
	struct vg_srcpos pos = mark_pos(f, seq->start_mark);

	if (seq->type != YAML_SEQUENCE_NODE) {
		lerr(l, &pos, "exceptions must be a list%s", "");
		return false;
	}
	for (yaml_node_item_t *i = seq->data.sequence.items.start; i < seq->data.sequence.items.top; i++) {
		yaml_node_t *e = yaml_document_get_node(d, *i), *name, *fields, *comps, *values;
		struct exc_def x = { 0 }, *tgt = NULL;

		pos = mark_pos(f, e->start_mark);
		if (e->type != YAML_MAPPING_NODE) {
			lerr(l, &pos, "an exception must be a mapping with name, fields, comps, values%s", "");
			return false;
		}
		name = map_get(d, e, "name");
		fields = map_get(d, e, "fields");
		comps = map_get(d, e, "comps");
		values = map_get(d, e, "values");
		if (!is_scalar(name)) {
			lerr(l, &pos, "an exception needs a name%s", "");
			return false;
		}
		x.name = arena_strdup(l->a, sval(name));
		x.pos = pos;
		for (size_t k = 0; merge && k < r->nexc; k++)
			if (!strcmp(r->exc[k].name, x.name))
				tgt = &r->exc[k];
		if (!tgt) {
			if (!fields) {
				lerr(l, &pos, "exception '%s' needs fields", x.name);
				return false;
			}
			x.fields_scalar = is_scalar(fields);
			if (!scalar_items(l, f, d, fields, "fields", &x.fields, &x.nf))
				return false;
			if (comps && !scalar_items(l, f, d, comps, "comps", &x.comps, &x.nc))
				return false;
			if (x.nc && x.nc != x.nf) {
				struct vg_srcpos cp = mark_pos(f, comps->start_mark);

				lerr(l, &cp, "exception '%s': comps must have one entry per field", x.name);
				return false;
			}
			r->exc = arena_push(l->a, r->exc, r->nexc, sizeof(*r->exc));
			if (!r->exc)
				return false;
			r->exc[r->nexc] = x;
			tgt = &r->exc[r->nexc++];
		}
		if (!values)
			continue;
		if (values->type != YAML_SEQUENCE_NODE) {
			struct vg_srcpos vp = mark_pos(f, values->start_mark);

			lerr(l, &vp, "exception '%s': values must be a list", tgt->name);
			return false;
		}
		for (yaml_node_item_t *v = values->data.sequence.items.start; v < values->data.sequence.items.top; v++) {
			yaml_node_t *tn = yaml_document_get_node(d, *v);
			struct vg_srcpos tp = mark_pos(f, tn->start_mark);
			struct exc_cell *cells = arena_alloc(l->a, (tgt->nf ? tgt->nf : 1) * sizeof(*cells));
			size_t k = 0;

			if (!cells)
				return false;
			if (tgt->fields_scalar) {
				/* `fields: f` + `values: [a, b]`: each value one tuple */
				if (!exc_cell(l, f, d, tn, &cells[0]))
					return false;
			} else {
				if (tn->type != YAML_SEQUENCE_NODE) {
					lerr(l, &tp, "exception '%s': each value must be a list with one entry per field",
					     tgt->name);
					return false;
				}
				for (yaml_node_item_t *c = tn->data.sequence.items.start; c < tn->data.sequence.items.top; c++, k++) {
					if (k >= tgt->nf)
						break;
					if (!exc_cell(l, f, d, yaml_document_get_node(d, *c), &cells[k]))
						return false;
				}
				if (k != tgt->nf || tn->data.sequence.items.start + k != tn->data.sequence.items.top) {
					lerr(l, &tp, "exception '%s': a value needs exactly one entry per field",
					     tgt->name);
					return false;
				}
			}
			tgt->vals = arena_push(l->a, tgt->vals, tgt->nv, sizeof(*tgt->vals));
			tgt->vpos = arena_push(l->a, tgt->vpos, tgt->nv, sizeof(*tgt->vpos));
			if (!tgt->vals || !tgt->vpos)
				return false;
			tgt->vpos[tgt->nv] = tp;
			tgt->vals[tgt->nv++] = cells;
		}
	}
	return true;
}

static void load_rule(struct loader *l, const struct srcfile *f, yaml_document_t *d, yaml_node_t *item)
{
	static const char *const keys[] = { "rule",	"desc",	      "condition", "output",
					    "priority", "tags",	      "enabled",   "exceptions",
					    "append",	"override",   "mode",	   "action",
					    "fallback",
					    "source",	"warn_evttypes", "skip-if-unknown-filter",
					    "capture",	"capture_duration", NULL };
	yaml_node_t *name = map_get(d, item, "rule"), *n;
	struct vg_srcpos pos = mark_pos(f, item->start_mark);
	struct rule_def *r = NULL, nr = { 0 };
	bool amending = is_amending(d, item), fresh;
	enum amend how;
	struct vg_text t;

	if (!check_keys(l, f, d, item, "rule", keys))
		return;
	if (!is_scalar(name) || !sval(name)[0]) {
		lerr(l, &pos, "a rule needs a name%s", "");
		return;
	}
	r = find_rule(l, sval(name));
	/* `- rule: X` + `enabled: ...` alone toggles an existing rule (Falco). */
	if (r && !amending && item->data.mapping.pairs.top - item->data.mapping.pairs.start == 2 &&
	    (n = map_get(d, item, "enabled"))) {
		if (!yaml_bool(n, &r->enabled)) {
			struct vg_srcpos p = mark_pos(f, n->start_mark);

			lerr(l, &p, "enabled must be true or false%s", "");
		}
		return;
	}
	if (amending && !r) {
		lerr(l, &pos, "rule '%s' to append to or override does not exist (yet)", sval(name));
		return;
	}
	fresh = !amending;
	if (fresh) {
		nr.name = arena_strdup(l->a, sval(name));
		nr.pos = pos;
		nr.enabled = true;
		nr.mode = VG_MODE_ALERT;
		nr.action = VG_ACTION_KILL;
		r = &nr;
	}

	/* condition, output, desc: text that can be appended */
	if ((n = map_get(d, item, "condition"))) {
		if (!is_scalar(n))
			goto bad_type;
		if (!make_text(l, f, n, &t) || !amend_of(l, f, d, item, "condition", &how))
			return;
		if (!fresh && how == AMEND_APPEND)
			text_cat(l, &r->cond, " ", &t);
		else
			r->cond = t;
		r->has_cond = true;
	}
	if ((n = map_get(d, item, "output"))) {
		if (!is_scalar(n))
			goto bad_type;
		if (!make_text(l, f, n, &t) || !amend_of(l, f, d, item, "output", &how))
			return;
		if (!fresh && how == AMEND_APPEND)
			text_cat(l, &r->output, " ", &t);
		else
			r->output = t;
		r->has_output = true;
	}
	if ((n = map_get(d, item, "desc"))) {
		if (!is_scalar(n))
			goto bad_type;
		if (!amend_of(l, f, d, item, "desc", &how))
			return;
		if (!fresh && how == AMEND_APPEND && r->desc) {
			size_t a = strlen(r->desc), b = n->data.scalar.length;
			char *s = arena_alloc(l->a, a + b + 2);

			if (s) {
				memcpy(s, r->desc, a);
				s[a] = ' ';
				memcpy(s + a + 1, sval(n), b);
				r->desc = s;
			}
		} else {
			r->desc = arena_strdup(l->a, sval(n));
		}
		r->has_desc = true;
	}
	if ((n = map_get(d, item, "priority"))) {
		int p = is_scalar(n) ? prio_parse(sval(n)) : -1;

		if (p < 0) {
			struct vg_srcpos pp = mark_pos(f, n->start_mark);

			lerr(l, &pp, "priority '%s' is not one of EMERGENCY, ALERT, CRITICAL, ERROR, "
				     "WARNING, NOTICE, INFORMATIONAL, DEBUG",
			     is_scalar(n) ? sval(n) : "?");
			return;
		}
		r->prio = (enum vg_prio)p;
		r->has_prio = true;
	}
	if ((n = map_get(d, item, "tags"))) {
		struct vg_litem *v;
		size_t nv;

		if (!amend_of(l, f, d, item, "tags", &how) || !scalar_items(l, f, d, n, "tags", &v, &nv))
			return;
		if (fresh || how != AMEND_APPEND)
			r->ntags = 0;
		for (size_t i = 0; i < nv; i++) {
			r->tags = arena_push(l->a, r->tags, r->ntags, sizeof(*r->tags));
			if (!r->tags)
				return;
			r->tags[r->ntags++] = v[i].s;
		}
	}
	if ((n = map_get(d, item, "enabled")) && !yaml_bool(n, &r->enabled)) {
		struct vg_srcpos p = mark_pos(f, n->start_mark);

		lerr(l, &p, "enabled must be true or false%s", "");
		return;
	}
	if ((n = map_get(d, item, "mode"))) {
		int m = is_scalar(n) ? vg_mode_parse(sval(n)) : -1;

		if (m < 0) {
			struct vg_srcpos p = mark_pos(f, n->start_mark);

			lerr(l, &p, "mode '%s' is not one of observe, alert, enforce",
			     is_scalar(n) ? sval(n) : "?");
			return;
		}
		r->mode = (enum vg_mode)m;
	}
	if ((n = map_get(d, item, "action"))) {
		if (is_scalar(n) && !strcmp(sval(n), "kill")) {
			r->action = VG_ACTION_KILL;
		} else if (is_scalar(n) && !strcmp(sval(n), "deny")) {
			r->action = VG_ACTION_DENY;
		} else {
			struct vg_srcpos p = mark_pos(f, n->start_mark);

			lerr(l, &p, "action '%s' is not one of kill, deny", is_scalar(n) ? sval(n) : "?");
			return;
		}
	}
	if ((n = map_get(d, item, "fallback"))) {
		if (is_scalar(n) && (!strcmp(sval(n), "kill") || !strcmp(sval(n), "none"))) {
			r->fallback_kill = !strcmp(sval(n), "kill");
		} else {
			struct vg_srcpos p = mark_pos(f, n->start_mark);

			lerr(l, &p, "fallback '%s' is not one of kill, none", is_scalar(n) ? sval(n) : "?");
			return;
		}
	}
	if ((n = map_get(d, item, "exceptions"))) {
		if (!amend_of(l, f, d, item, "exceptions", &how))
			return;
		if (!fresh && how == AMEND_REPLACE)
			r->nexc = 0;
		if (!load_exceptions(l, f, d, n, r, !fresh && how == AMEND_APPEND))
			return;
	}
	if (!fresh)
		return;
	{
		const char *missing = !r->has_cond ? "condition" : !r->has_output ? "output"
				      : !r->has_desc ? "desc" : !r->has_prio ? "priority" : NULL;

		if (missing) {
			char msg[200];

			snprintf(msg, sizeof(msg), "rule '%s' has no %s", r->name, missing);
			lerr(l, &pos, "%s", msg);
			return;
		}
	}
	/* A new definition of an existing rule replaces it, keeping its place. */
	if ((r = find_rule(l, nr.name))) {
		*r = nr;
		return;
	}
	l->rules = arena_push(l->a, l->rules, l->nrules, sizeof(*l->rules));
	if (l->rules)
		l->rules[l->nrules++] = nr;
	return;
bad_type:
	pos = mark_pos(f, n->start_mark);
	lerr(l, &pos, "this key of rule '%s' must be a string", sval(name));
}

static void load_doc(struct loader *l, const struct srcfile *f, yaml_document_t *d)
{
	yaml_node_t *root = yaml_document_get_root_node(d);

	if (!root)
		return; /* empty document */
	if (root->type != YAML_SEQUENCE_NODE) {
		struct vg_srcpos p = mark_pos(f, root->start_mark);

		lerr(l, &p, "a rules file is a list of items (- rule:, - macro:, - list:)%s", "");
		return;
	}
	for (yaml_node_item_t *i = root->data.sequence.items.start; i < root->data.sequence.items.top; i++) {
		yaml_node_t *item = yaml_document_get_node(d, *i);
		struct vg_srcpos p = mark_pos(f, item->start_mark);

		if (item->type != YAML_MAPPING_NODE) {
			lerr(l, &p, "each item must be a mapping (- rule:, - macro:, - list:)%s", "");
			continue;
		}
		if (map_get(d, item, "rule"))
			load_rule(l, f, d, item);
		else if (map_get(d, item, "macro"))
			load_macro(l, f, d, item);
		else if (map_get(d, item, "list"))
			load_list(l, f, d, item);
		else if (map_get(d, item, "required_engine_version") ||
			 map_get(d, item, "required_plugin_versions"))
			continue; /* accepted, not enforced */
		else
			lerr(l, &p, "unknown item: expected rule, macro, list or required_engine_version%s", "");
	}
}

static void load_source(struct loader *l, const char *name, const char *buf, size_t len)
{
	struct srcfile f = { .name = arena_strdup(l->a, name), .buf = buf, .len = len };
	yaml_parser_t parser;
	size_t cap = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i == 0 || buf[i - 1] == '\n') {
			if (f.nlines == cap) {
				size_t *n = realloc(f.line_start, (cap ? cap * 2 : 256) * sizeof(*n));

				if (!n)
					goto out;
				f.line_start = n;
				cap = cap ? cap * 2 : 256;
			}
			f.line_start[f.nlines++] = i;
		}
	}
	if (!yaml_parser_initialize(&parser))
		goto out;
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	for (;;) {
		yaml_document_t doc;

		if (!yaml_parser_load(&parser, &doc)) {
			struct vg_srcpos p = mark_pos(&f, parser.problem_mark);
			char msg[256];

			snprintf(msg, sizeof(msg), "YAML: %s%s%s", parser.problem ? parser.problem : "syntax error",
				 parser.context ? " " : "", parser.context ? parser.context : "");
			lerr(l, &p, "%s", msg);
			break;
		}
		if (!yaml_document_get_root_node(&doc)) {
			yaml_document_delete(&doc);
			break;
		}
		load_doc(l, &f, &doc);
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
out:
	free(f.line_start);
}

static int read_whole(const char *path, char **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || st.st_size > (64 << 20)) {
		close(fd);
		return -EFBIG;
	}
	*buf = malloc((size_t)st.st_size + 1);
	if (!*buf) {
		close(fd);
		return -ENOMEM;
	}
	n = read(fd, *buf, (size_t)st.st_size);
	close(fd);
	if (n < 0) {
		free(*buf);
		return -errno;
	}
	(*buf)[n] = '\0';
	*len = (size_t)n;
	return 0;
}

static void load_file(struct loader *l, const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	int err = read_whole(path, &buf, &len);

	if (err) {
		struct vg_srcpos p = { .file = path, .line = 0, .col = 0 };

		vg_diag_error(l->diag, &p, "cannot read: %s", strerror(-err));
		l->failed = true;
		return;
	}
	load_source(l, path, buf, len);
	free(buf);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int vg_rule_path_files(const char *path, char ***out, size_t *nout)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int err = 0;

	/* a file, or what cannot be opened as a directory: read as a file,
	 * where a missing one is reported */
	if (stat(path, &st) || !S_ISDIR(st.st_mode) || !(d = opendir(path))) {
		names = malloc(sizeof(*names));
		if (!names || !(names[0] = strdup(path))) {
			free(names);
			return -ENOMEM;
		}
		*out = names;
		*nout = 1;
		return 0;
	}
	while ((de = readdir(d))) {
		size_t nl = strlen(de->d_name);

		if (de->d_name[0] == '.' ||
		    !((nl > 5 && !strcmp(de->d_name + nl - 5, ".yaml")) ||
		      (nl > 4 && !strcmp(de->d_name + nl - 4, ".yml"))))
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap ? cap * 2 : 16) * sizeof(*nn));

			if (!nn) {
				err = -ENOMEM;
				break;
			}
			names = nn;
			cap = cap ? cap * 2 : 16;
		}
		if (asprintf(&names[n], "%s/%s", path, de->d_name) < 0) {
			err = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (err) {
		vg_rule_path_files_free(names, n);
		return err;
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	*out = names;
	*nout = n;
	return 0;
}

void vg_rule_path_files_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static void load_path(struct loader *l, const char *path)
{
	char **names;
	size_t n;

	if (vg_rule_path_files(path, &names, &n)) {
		struct vg_srcpos p = { .file = path, .line = 0, .col = 0 };

		vg_diag_error(l->diag, &p, "cannot list: %s", strerror(ENOMEM));
		l->failed = true;
		return;
	}
	for (size_t i = 0; i < n; i++)
		load_file(l, names[i]);
	vg_rule_path_files_free(names, n);
}

/* --- exceptions as condition text ---------------------------------------------------------- */

static bool cat_lit(struct loader *l, struct vg_text *t, const char *s, struct vg_srcpos pos)
{
	struct vg_text x = text_at(l, arena_strdup(l->a, s), pos);

	return x.lc && text_cat(l, t, "", &x);
}

/* A value as a quoted condition string, positioned at the YAML value. */
static bool cat_value(struct loader *l, struct vg_text *t, const struct vg_litem *it)
{
	size_t n = strlen(it->s), k = 0;
	char *q = arena_alloc(l->a, 2 * n + 3);
	struct vg_text x;

	if (!q)
		return false;
	q[k++] = '"';
	for (size_t i = 0; i < n; i++) {
		if (it->s[i] == '"' || it->s[i] == '\\')
			q[k++] = '\\';
		q[k++] = it->s[i];
	}
	q[k++] = '"';
	x = text_at(l, q, it->pos);
	return x.lc && text_cat(l, t, "", &x);
}

/* cond + " and not ((f1 c1 v1 and f2 c2 v2) or ...)" for each exception. */
static bool add_exceptions(struct loader *l, struct rule_def *r, struct vg_text *cond)
{
	struct vg_text t = *cond;

	if (!cat_lit(l, &t, "", r->pos))
		return false;
	for (size_t e = 0; e < r->nexc; e++) {
		struct exc_def *x = &r->exc[e];

		if (!x->nv)
			continue;
		if (!cat_lit(l, &t, " and not (", x->pos))
			return false;
		for (size_t v = 0; v < x->nv; v++) {
			cat_lit(l, &t, v ? " or (" : "(", x->vpos[v]);
			for (size_t fi = 0; fi < x->nf; fi++) {
				const struct exc_cell *c = &x->vals[v][fi];
				const char *comp = x->nc ? x->comps[fi].s : x->fields_scalar ? "in" : "=";
				struct vg_srcpos cp = x->nc ? x->comps[fi].pos : x->fields[fi].pos;
				char glue[96];

				if (fi)
					cat_lit(l, &t, " and ", x->fields[fi].pos);
				cat_lit(l, &t, x->fields[fi].s, x->fields[fi].pos);
				snprintf(glue, sizeof(glue), " %s ", comp);
				cat_lit(l, &t, glue, cp);
				if (!strcmp(comp, "in") || !strcmp(comp, "intersects") ||
				    !strcmp(comp, "pmatch")) {
					cat_lit(l, &t, "(", x->vpos[v]);
					for (size_t k = 0; k < c->n; k++) {
						if (k)
							cat_lit(l, &t, ", ", c->items[k].pos);
						cat_value(l, &t, &c->items[k]);
					}
					cat_lit(l, &t, ")", x->vpos[v]);
				} else if (!c->list && c->n == 1) {
					cat_value(l, &t, &c->items[0]);
				} else {
					lerr(l, &x->vpos[v], "exception '%s': a list value needs an 'in' comparison",
					     x->name);
					return false;
				}
			}
			cat_lit(l, &t, ")", x->vpos[v]);
		}
		if (!cat_lit(l, &t, ")", x->pos))
			return false;
	}
	*cond = t;
	return true;
}

/* --- building the ruleset -------------------------------------------------------------------- */

/*
 * The first comparison of a process name that spares processes: one under
 * an odd number of negations ("not proc.name in (...)", "proc.name != x").
 * The name (comm) is whatever the process says it is: prctl(PR_SET_NAME)
 * or a renamed copy of a binary claims any of them.
 */
static const struct vg_cexpr *name_allowlist(const struct vg_cexpr *e, bool neg)
{
	const struct vg_cexpr *found;
	enum vg_fid id;

	if (!e)
		return NULL;
	switch (e->kind) {
	case VG_CE_NOT:
		return name_allowlist(e->a, !neg);
	case VG_CE_AND:
	case VG_CE_OR:
		found = name_allowlist(e->a, neg);
		return found ? found : name_allowlist(e->b, neg);
	case VG_CE_CMP:
		id = e->f.d ? e->f.d->id : VG_F_UNSUPPORTED;
		if (id != VG_F_PROC_NAME && id != VG_F_PROC_PNAME && id != VG_F_PROC_ANAME)
			return NULL;
		if (e->op == VG_OP_EXISTS)
			return NULL;
		return (e->op == VG_OP_NE) ^ neg ? e : NULL;
	default:
		return NULL;
	}
}

/* An enforce rule that spares by name can be walked past by any process
 * that takes the name: say so when linting (the rule still loads). */
static void warn_name_allowlist(struct loader *l, const struct vg_rule *r)
{
	const struct vg_cexpr *e = l->diag->lint ? name_allowlist(r->cond, false) : NULL;

	if (!e)
		return;
	vg_diag_warn(l->diag, &r->pos,
		     "rule '%s' is in mode enforce and spares processes by %s, which any "
		     "process can claim with prctl(PR_SET_NAME) or a renamed copy of a binary; "
		     "spare by proc.exepath, or report claimants with an alert rule on the name "
		     "without the path",
		     r->name, e->f.d->name);
}

static bool build(struct loader *l, struct vg_ruleset *rs)
{
	struct vg_compiler cc = { .a = l->a, .diag = l->diag, .find_macro = find_macro,
				  .find_list = find_list, .ctx = l, .ok = true, .rs = rs };

	/* Every macro must parse, used or not (Falco checks them too). */
	for (size_t i = 0; i < l->nmacros; i++) {
		struct vg_macro_def *m = &l->macros[i];
		struct vg_cond_err perr;

		m->ast = vg_cond_parse(l->a, m->cond.s, &perr);
		if (!m->ast) {
			struct vg_srcpos p = vg_text_pos(&m->cond, perr.off);

			vg_diag_error(l->diag, &p, "%s (in macro '%s')", perr.msg, m->name);
			m->bad = true;
			cc.ok = false;
		}
	}
	for (size_t i = 0; i < l->nrules; i++) {
		struct rule_def *d = &l->rules[i];
		struct vg_rule *r = arena_alloc(l->a, sizeof(*r));
		struct vg_text cond = d->cond;

		if (!r)
			return false;
		*r = (struct vg_rule){ .name = d->name, .desc = d->desc, .prio = d->prio,
				       .tags = d->tags, .ntags = d->ntags, .mode = d->mode,
				       .action = d->action, .fallback_kill = d->fallback_kill,
				       .pos = d->pos };
		if (!add_exceptions(l, d, &cond))
			return false;
		r->condition = cond.s;
		l->diag->rules_total++;
		if (!vg_compile_rule_cond(&cc, r, &cond)) {
			l->diag->rules_bad++;
			continue;
		}
		r->output = vg_compile_tmpl(&cc, &d->output);
		if (!r->output) {
			l->diag->rules_bad++;
			continue;
		}
		/* The kernel acts on an enforce-mode rule alone: it must be able
		 * to decide the whole condition (BRIEF §2). */
		if (d->enabled && r->mode == VG_MODE_ENFORCE) {
			struct strbuf why = STRBUF_INIT;

			if (vg_kfilter_enforce_check(r, &why)) {
				vg_diag_error(l->diag, &r->pos,
					      "rule '%s' is in mode enforce, but %s; use mode: alert, or "
					      "decide it with kernel fields (evt.type, proc.name, fd.name, "
					      "open flags, uids, evt.arg, evt.res, ports, container)",
					      r->name, why.buf ? why.buf : "?");
				strbuf_release(&why);
				l->diag->rules_bad++;
				cc.ok = false;
				continue;
			}
			strbuf_release(&why);
			warn_name_allowlist(l, r);
		}
		if (!d->enabled) {
			rs->ndisabled++;
			continue;
		}
		rs->rules = arena_push(l->a, rs->rules, rs->nrules, sizeof(*rs->rules));
		if (!rs->rules)
			return false;
		r->index = (uint32_t)rs->nrules;
		rs->rules[rs->nrules++] = r;
		for (int e = 0; e < VG_EV_MAX; e++) {
			if (!r->ev[e])
				continue;
			rs->by_ev[e] = arena_push(l->a, rs->by_ev[e], rs->n_by_ev[e], sizeof(*rs->by_ev[e]));
			if (!rs->by_ev[e])
				return false;
			rs->by_ev[e][rs->n_by_ev[e]++] = r;
			if (!rs->sys_enabled[e] && e >= VG_EV_SYS_BASE)
				rs->nsys++;
			rs->sys_enabled[e] = true;
		}
	}
	rs->nmacros = l->nmacros;
	rs->nlists = l->nlists;
	return cc.ok;
}

struct vg_ruleset *vg_ruleset_load(const char *const *paths, size_t npaths,
				   const struct vg_rule_source *extra, size_t nextra,
				   struct vg_diag *diag)
{
	struct vg_ruleset *rs = calloc(1, sizeof(*rs));
	struct loader l = { .diag = diag };
	unsigned errors0 = diag->errors;

	if (!rs)
		return NULL;
	arena_init(&rs->arena);
	l.a = &rs->arena;
	for (size_t i = 0; i < npaths; i++)
		load_path(&l, paths[i]);
	for (size_t i = 0; i < nextra; i++)
		load_source(&l, extra[i].name, extra[i].text, extra[i].len);
	if (!l.failed && diag->errors == errors0 && build(&l, rs) && diag->errors == errors0)
		return rs;
	errno = l.failed || diag->errors != errors0 ? EINVAL : ENOMEM;
	vg_ruleset_free(rs);
	return NULL;
}

void vg_ruleset_free(struct vg_ruleset *rs)
{
	if (!rs)
		return;
	/* compiled regular expressions hold libc allocations */
	for (size_t i = 0; i < rs->nregexes; i++)
		regfree(rs->regexes[i]);
	arena_release(&rs->arena);
	free(rs);
}
