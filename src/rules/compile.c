// SPDX-License-Identifier: Apache-2.0
/*
 * Conditions and output templates: text -> AST (cond.c) -> compiled form,
 * with macros and lists expanded, every field resolved, every constant
 * typed for its field, and the set of event types each rule can match.
 * Every error names the byte of the source it is about.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pipeline/syscalls.h"
#include "rules/internal.h"

/* Every x86_64 syscall name, generated at build time from the kernel
 * headers: an evt.type naming one of these that vigil does not trace is a
 * warning; a name in neither list is an error (a typo). */
static const char *const linux_syscalls[] = {
#include "sysnames.h"
	NULL,
};

/* Falco's non-syscall event types. */
static const char *const falco_events[] = {
	"switch", "procexit", "procfork", "signaldeliver", "container", "procinfo", "pluginevent",
	"asyncevent", "notification", "infra", "page_fault", "cpu_hotplug", "drop", "k8s",
	"mesos", "container_json", "meta", NULL,
};

struct vg_srcpos vg_text_pos(const struct vg_text *t, size_t off)
{
	struct vg_srcpos p = { .file = t->file, .line = 0, .col = 0 };

	if (off > t->len)
		off = t->len;
	if (t->lc) {
		p.line = t->lc[off].line;
		p.col = t->lc[off].col;
	}
	return p;
}

/* One event-type set per sub-expression: `all` or the listed ids. */
struct evset {
	bool all;
	uint8_t ev[VG_EV_MAX];
};

static void evset_all(struct evset *s)
{
	memset(s, 0, sizeof(*s));
	s->all = true;
}

static void evset_and(struct evset *d, const struct evset *x)
{
	if (x->all)
		return;
	if (d->all) {
		*d = *x;
		return;
	}
	for (int i = 0; i < VG_EV_MAX; i++)
		d->ev[i] &= x->ev[i];
}

static void evset_or(struct evset *d, const struct evset *x)
{
	if (d->all || x->all) {
		evset_all(d);
		return;
	}
	for (int i = 0; i < VG_EV_MAX; i++)
		d->ev[i] |= x->ev[i];
}

/* Event ids a name stands for; 0 if vigil produces none. */
static int ev_ids(const char *name, unsigned out[2])
{
	const struct vg_sc_desc *d = vg_sc_by_name(name);
	int n = 0;

	if (!strcmp(name, "execve") || !strcmp(name, "execveat"))
		out[n++] = VG_EV_PROC_EXEC; /* a successful exec */
	if (!strcmp(name, "procexit"))
		out[n++] = VG_EV_PROC_EXIT;
	if (!strcmp(name, "procfork"))
		out[n++] = VG_EV_PROC_FORK;
	if (d)
		out[n++] = d->ev;
	return n;
}

static bool known_event_name(const char *name)
{
	for (const char *const *p = linux_syscalls; *p; p++)
		if (!strcmp(*p, name))
			return true;
	for (const char *const *p = falco_events; *p; p++)
		if (!strcmp(*p, name))
			return true;
	return false;
}

/* --- compilation ------------------------------------------------------------ */

struct cctx {
	struct vg_compiler *cc;
	const struct vg_text *t; /* text the current AST offsets refer to */
	int depth;		 /* macros being expanded */
	int nest;		 /* compile_node recursion, across macros */
};

#define MAX_MACRO_DEPTH 64
/* The parser bounds parentheses, but a long `a and b and ...` chain is a
 * left-deep tree as deep as it is long, and macros stack their trees: the
 * compiler, the evaluator and explain all recurse on it. Bound the depth of
 * the expanded tree so that a huge condition is an error, not a crash. */
#define MAX_NEST 1000

static void err_at(struct cctx *x, unsigned off, const char *fmt, const char *a, const char *b)
{
	struct vg_srcpos p = vg_text_pos(x->t, off);

	vg_diag_error(x->cc->diag, &p, fmt, a, b);
	x->cc->ok = false;
}

static void warn_field_once(struct cctx *x, unsigned off, const char *name)
{
	struct vg_compiler *cc = x->cc;
	struct vg_srcpos p;

	for (size_t i = 0; i < cc->nwarned; i++)
		if (!strcmp(cc->warned[i], name))
			return;
	cc->warned = arena_push(cc->a, cc->warned, cc->nwarned, sizeof(*cc->warned));
	if (!cc->warned)
		return;
	cc->warned[cc->nwarned++] = name;
	p = vg_text_pos(x->t, off);
	vg_diag_warn(cc->diag, &p,
		     "field '%s' is not filled by vigil yet: conditions on it are false and "
		     "outputs show <NA>",
		     name);
}

/* Expand list names among the values (recursively) into `out`. */
struct valv {
	struct vg_litem *v;
	size_t n;
	const struct vg_text *t; /* for values from the condition text */
};

static bool flatten_list(struct vg_compiler *cc, struct vg_list_def *l);

/* Budget of the whole load, after expansion: compiled nodes and list
 * values. Real rulesets use a small fraction; a macro built from two uses
 * of another, ten times over, must not take the machine down. */
#define MAX_NODES 1000000
#define MAX_VALUES 1000000

/* False (after saying so, once) when the expansion budget is spent. */
static bool budget(struct vg_compiler *cc, const struct vg_srcpos *pos)
{
	if (cc->nodes <= MAX_NODES && cc->values <= MAX_VALUES)
		return true;
	if (!cc->over_budget)
		vg_diag_error(cc->diag, pos,
			      "the rules expand to more than %d comparisons or list values "
			      "(macros or lists that use others many times over?)",
			      MAX_NODES);
	cc->over_budget = true;
	cc->ok = false;
	return false;
}

static bool push_item(struct vg_compiler *cc, struct vg_litem **v, size_t *n, struct vg_litem it)
{
	cc->values++;
	if (!budget(cc, &it.pos))
		return false;
	*v = arena_push(cc->a, *v, *n, sizeof(**v));
	if (!*v)
		return false;
	(*v)[(*n)++] = it;
	return true;
}

/* List items are condition syntax once expanded (Falco pastes them into the
 * condition): an item written as '"10.0.0.0/8"' is the string 10.0.0.0/8. */
static struct vg_litem unquote_item(struct vg_compiler *cc, struct vg_litem it)
{
	size_t n = strlen(it.s);
	char *s;
	size_t k = 0;

	if (n < 2 || (it.s[0] != '"' && it.s[0] != '\'') || it.s[n - 1] != it.s[0])
		return it;
	s = arena_alloc(cc->a, n);
	if (!s)
		return it;
	for (size_t i = 1; i + 1 < n; i++) {
		if (it.s[i] == '\\' && i + 2 < n && (it.s[i + 1] == it.s[0] || it.s[i + 1] == '\\'))
			i++;
		s[k++] = it.s[i];
	}
	it.s = s;
	return it;
}

static bool flatten_list(struct vg_compiler *cc, struct vg_list_def *l)
{
	if (l->state == 2)
		return true;
	if (l->state == 1) {
		vg_diag_error(cc->diag, &l->pos, "list '%s' includes itself (a cycle)", l->name);
		cc->ok = false;
		return false;
	}
	l->state = 1;
	for (size_t i = 0; i < l->n; i++) {
		struct vg_list_def *sub = cc->find_list(cc->ctx, l->items[i].s);

		if (sub) {
			if (!flatten_list(cc, sub)) {
				l->state = 2;
				return false;
			}
			for (size_t j = 0; j < sub->nflat; j++)
				if (!push_item(cc, &l->flat, &l->nflat, sub->flat[j])) {
					l->state = 2;
					return false;
				}
		} else if (!push_item(cc, &l->flat, &l->nflat, unquote_item(cc, l->items[i]))) {
			l->state = 2; /* not left "expanding": that would read as a cycle */
			return false;
		}
	}
	l->state = 2;
	return true;
}

static bool expand_values(struct cctx *x, const struct vg_ast *n, struct vg_litem **out, size_t *nout)
{
	for (size_t i = 0; i < n->nvals; i++) {
		const struct vg_ast_val *v = &n->vals[i];
		struct vg_list_def *l = v->quoted ? NULL : x->cc->find_list(x->cc->ctx, v->s);

		if (l) {
			if (!flatten_list(x->cc, l))
				return false;
			for (size_t j = 0; j < l->nflat; j++)
				if (!push_item(x->cc, out, nout, l->flat[j]))
					return false;
		} else {
			struct vg_litem it = { .s = v->s, .pos = vg_text_pos(x->t, v->off) };

			if (!push_item(x->cc, out, nout, it))
				return false;
		}
	}
	return true;
}

static const char *type_name(enum vg_ftype t)
{
	static const char *const n[] = { "string", "integer", "unsigned integer", "boolean",
					 "IP address", "IP network" };
	return n[t];
}

static bool op_fits(enum vg_op op, enum vg_ftype t)
{
	switch (op) {
	case VG_OP_LT:
	case VG_OP_LE:
	case VG_OP_GT:
	case VG_OP_GE:
		return t == VG_FT_INT || t == VG_FT_UINT;
	case VG_OP_CONTAINS:
	case VG_OP_ICONTAINS:
	case VG_OP_BCONTAINS:
	case VG_OP_STARTSWITH:
	case VG_OP_BSTARTSWITH:
	case VG_OP_ENDSWITH:
	case VG_OP_GLOB:
	case VG_OP_PMATCH:
	case VG_OP_REGEX:
		return t == VG_FT_STR;
	default:
		return true;
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Type one constant for field type t; false after reporting. */
static bool type_value(struct vg_compiler *cc, enum vg_op op, enum vg_ftype t,
		       const struct vg_litem *it, struct vg_cval *cv)
{
	char *end;
	char buf[64];

	memset(cv, 0, sizeof(*cv));
	cv->s = it->s;
	cv->len = strlen(it->s);
	if (op == VG_OP_BCONTAINS || op == VG_OP_BSTARTSWITH) {
		char *bytes = arena_alloc(cc->a, cv->len / 2 + 1);

		if (!bytes || cv->len % 2)
			goto bad;
		for (size_t i = 0; i < cv->len; i += 2) {
			int h = hexval(it->s[i]), l = hexval(it->s[i + 1]);

			if (h < 0 || l < 0)
				goto bad;
			bytes[i / 2] = (char)(h << 4 | l);
		}
		cv->s = bytes;
		cv->len /= 2;
		return true;
	}
	switch (t) {
	case VG_FT_STR:
		return true;
	case VG_FT_INT:
		errno = 0;
		cv->i = strtoll(it->s, &end, 0);
		if (errno || end == it->s || *end)
			goto bad;
		cv->u = (uint64_t)cv->i;
		return true;
	case VG_FT_UINT:
		errno = 0;
		if (it->s[0] == '-')
			goto bad;
		cv->u = strtoull(it->s, &end, 0);
		if (errno || end == it->s || *end)
			goto bad;
		cv->i = (int64_t)cv->u;
		return true;
	case VG_FT_BOOL:
		if (!strcmp(it->s, "true"))
			cv->i = 1;
		else if (strcmp(it->s, "false"))
			goto bad;
		cv->u = (uint64_t)cv->i;
		return true;
	case VG_FT_IP:
	case VG_FT_NET: {
		const char *slash = strchr(it->s, '/');
		size_t n = slash ? (size_t)(slash - it->s) : cv->len;
		long bits;

		if (n >= sizeof(buf))
			goto bad;
		memcpy(buf, it->s, n);
		buf[n] = '\0';
		if (inet_pton(AF_INET, buf, cv->ip) == 1)
			cv->family = AF_INET;
		else if (inet_pton(AF_INET6, buf, cv->ip) == 1)
			cv->family = AF_INET6;
		else
			goto bad;
		cv->prefix = cv->family == AF_INET ? 32 : 128;
		if (slash) {
			bits = strtol(slash + 1, &end, 10);
			if (end == slash + 1 || *end || bits < 0 || bits > cv->prefix)
				goto bad;
			cv->prefix = (uint8_t)bits;
		}
		return true;
	}
	}
bad:
	vg_diag_error(cc->diag, &it->pos, "'%s' is not a valid %s%s", it->s,
		      op == VG_OP_BCONTAINS || op == VG_OP_BSTARTSWITH ? "hex byte string"
								       : type_name(t),
		      t == VG_FT_NET ? " (address or CIDR network)" : "");
	cc->ok = false;
	return false;
}

static int cmp_cval(const void *a, const void *b)
{
	const struct vg_cval *x = a, *y = b;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->s, y->s, x->len);
}

static struct vg_cexpr *ce_new(struct cctx *x, enum vg_ce_kind k)
{
	struct vg_cexpr *e = arena_alloc(x->cc->a, sizeof(*e));

	if (!e)
		x->cc->ok = false;
	else
		e->kind = k;
	return e;
}

/* evt.type comparisons: check the names, compute the event-type set. */
static void evtype_set(struct cctx *x, const struct vg_ast *n, const struct vg_litem *v, size_t nv,
		       struct evset *out)
{
	struct evset s;

	/* Only =, != and in name event types; `evt.type startswith open` and
	 * the like compare text (and may be true for any type). */
	if (n->op != VG_OP_EQ && n->op != VG_OP_NE && n->op != VG_OP_IN &&
	    n->op != VG_OP_INTERSECTS) {
		evset_all(out);
		return;
	}
	memset(&s, 0, sizeof(s));
	for (size_t i = 0; i < nv; i++) {
		unsigned ids[2];
		int k = ev_ids(v[i].s, ids);

		if (!k) {
			if (known_event_name(v[i].s)) {
				vg_diag_warn(x->cc->diag, &v[i].pos,
					     "event type '%s' is not traced by vigil: this part of "
					     "the condition never matches",
					     v[i].s);
			} else {
				vg_diag_error(x->cc->diag, &v[i].pos,
					      "unknown event type '%s'", v[i].s);
				x->cc->ok = false;
			}
		}
		for (int j = 0; j < k; j++)
			s.ev[ids[j]] = 1;
	}
	if (n->op == VG_OP_EQ || n->op == VG_OP_IN || n->op == VG_OP_INTERSECTS) {
		*out = s;
	} else {
		for (int i = 0; i < VG_EV_MAX; i++)
			out->ev[i] = !s.ev[i];
		out->all = false;
	}
}

static struct vg_cexpr *compile_node(struct cctx *x, const struct vg_ast *n, struct evset *evs);

static struct vg_cexpr *compile_macro(struct cctx *x, const struct vg_ast *n, struct evset *evs)
{
	struct vg_macro_def *m = x->cc->find_macro(x->cc->ctx, n->name);
	struct vg_cond_err perr;
	struct vg_cexpr *e;
	struct cctx sub;

	if (!m) {
		err_at(x, n->off, "unknown macro '%s'%s (fields have a dot: is it a typo?)", n->name,
		       "");
		return NULL;
	}
	if (m->bad)
		return NULL;
	if (m->state == 1 || x->depth > MAX_MACRO_DEPTH) {
		err_at(x, n->off, "macro '%s' expands into itself (a cycle)%s", n->name, "");
		return NULL;
	}
	if (!m->ast) {
		m->ast = vg_cond_parse(x->cc->a, m->cond.s, &perr);
		if (!m->ast) {
			struct vg_srcpos p = vg_text_pos(&m->cond, perr.off);

			vg_diag_error(x->cc->diag, &p, "%s (in macro '%s')", perr.msg, m->name);
			x->cc->ok = false;
			m->bad = true;
			return NULL;
		}
	}
	sub = (struct cctx){ .cc = x->cc, .t = &m->cond, .depth = x->depth + 1, .nest = x->nest };
	m->state = 1;
	e = compile_node(&sub, m->ast, evs);
	m->state = 2;
	return e;
}

static struct vg_cexpr *compile_cmp(struct cctx *x, const struct vg_ast *n, struct evset *evs)
{
	struct vg_compiler *cc = x->cc;
	struct vg_litem *v = NULL;
	size_t nv = 0;
	struct vg_cexpr *e = ce_new(x, VG_CE_CMP);
	enum vg_field_res fr;

	evset_all(evs);
	if (!e)
		return NULL;
	e->op = n->op;
	e->text = n->name;
	fr = vg_field_resolve(n->name, &e->f);
	if (fr == VG_FIELD_UNKNOWN) {
		err_at(x, n->off, "unknown field '%s'%s", n->name, "");
		return NULL;
	}
	if (fr == VG_FIELD_BAD_INDEX) {
		err_at(x, n->off, "field '%s': bad index (a number in [ ] where the field takes one)%s",
		       n->name, "");
		return NULL;
	}
	if (fr == VG_FIELD_UNSUPPORTED)
		warn_field_once(x, n->off, n->name);
	/* An unsupported field has no type to check against: it reads as absent. */
	if (fr != VG_FIELD_UNSUPPORTED && !op_fits(n->op, e->f.d->type)) {
		struct vg_srcpos p = vg_text_pos(x->t, n->op_off);

		vg_diag_error(cc->diag, &p, "operator '%s' does not apply to field '%s' (%s)",
			      vg_op_name(n->op), n->name, type_name(e->f.d->type));
		cc->ok = false;
		return NULL;
	}
	if (n->op == VG_OP_EXISTS)
		return e;
	if (!expand_values(x, n, &v, &nv))
		return NULL;
	if (!nv && n->op != VG_OP_IN && n->op != VG_OP_INTERSECTS && n->op != VG_OP_PMATCH) {
		err_at(x, n->op_off, "operator '%s' needs a value%s", vg_op_name(n->op), "");
		return NULL;
	}
	if (nv > 1 && n->op != VG_OP_IN && n->op != VG_OP_INTERSECTS && n->op != VG_OP_PMATCH) {
		err_at(x, n->op_off, "operator '%s' takes one value, not a list%s", vg_op_name(n->op),
		       "");
		return NULL;
	}
	if (e->f.d->id == VG_F_EVT_TYPE) {
		evtype_set(x, n, v, nv, evs);
		if (n->op == VG_OP_EQ || n->op == VG_OP_NE || n->op == VG_OP_IN) {
			uint8_t *mask = arena_alloc(cc->a, VG_EV_MAX);

			if (!mask) {
				cc->ok = false;
				return NULL;
			}
			/* evs holds the ids the comparison is true for (all ids
			 * but the named ones for !=) */
			for (int i = 0; i < VG_EV_MAX; i++)
				mask[i] = evs->all || evs->ev[i];
			e->evmask = mask;
		}
	}
	e->vals = arena_alloc(cc->a, (nv ? nv : 1) * sizeof(*e->vals));
	if (!e->vals) {
		cc->ok = false;
		return NULL;
	}
	e->nvals = nv;
	for (size_t i = 0; i < nv; i++)
		if (!type_value(cc, n->op, fr == VG_FIELD_UNSUPPORTED ? VG_FT_STR : e->f.d->type, &v[i],
				&e->vals[i]))
			return NULL;
	if (e->f.d->type == VG_FT_STR && (n->op == VG_OP_IN || n->op == VG_OP_INTERSECTS) && nv > 4) {
		qsort(e->vals, nv, sizeof(*e->vals), cmp_cval);
		e->sorted = true;
	}
	if (n->op == VG_OP_REGEX) {
		/* Falco matches the whole value (RE2 FullMatch): anchor it. */
		char *pat = arena_alloc(cc->a, e->vals[0].len + 5);
		int rc;

		e->re = arena_alloc(cc->a, sizeof(*e->re));
		if (!pat || !e->re) {
			cc->ok = false;
			return NULL;
		}
		strcpy(pat, "^(");
		strcat(pat, e->vals[0].s);
		strcat(pat, ")$");
		rc = regcomp(e->re, pat, REG_EXTENDED | REG_NOSUB);
		if (!rc) {
			struct vg_ruleset *rs = cc->rs;

			rs->regexes = arena_push(cc->a, rs->regexes, rs->nregexes, sizeof(*rs->regexes));
			if (!rs->regexes) {
				regfree(e->re);
				cc->ok = false;
				return NULL;
			}
			rs->regexes[rs->nregexes++] = e->re;
		} else {
			char msg[128];

			regerror(rc, e->re, msg, sizeof(msg));
			vg_diag_error(cc->diag, &v[0].pos, "bad regular expression '%s': %s", v[0].s,
				      msg);
			cc->ok = false;
			e->re = NULL;
			return NULL;
		}
	}
	return e;
}

static struct vg_cexpr *compile_node_(struct cctx *x, const struct vg_ast *n, struct evset *evs);

static struct vg_cexpr *compile_node(struct cctx *x, const struct vg_ast *n, struct evset *evs)
{
	struct vg_cexpr *e;

	/* defined even when compiling fails: and/or combine both sides' sets */
	evset_all(evs);
	if (!n)
		return NULL;
	x->cc->nodes++;
	if (x->cc->nodes > MAX_NODES) {
		struct vg_srcpos p = vg_text_pos(x->t, n->off);

		budget(x->cc, &p);
		return NULL;
	}
	if (x->nest >= MAX_NEST) {
		/* once per rule: every branch that deep would say it again */
		if (!x->cc->too_deep)
			err_at(x, n->off,
			       "condition nested deeper than %s levels (after macro expansion)%s",
			       "1000", "");
		x->cc->too_deep = true;
		x->cc->ok = false;
		return NULL;
	}
	x->nest++;
	e = compile_node_(x, n, evs);
	x->nest--;
	return e;
}

static struct vg_cexpr *compile_node_(struct cctx *x, const struct vg_ast *n, struct evset *evs)
{
	struct vg_cexpr *e;
	struct evset rs;

	switch (n->kind) {
	case VG_AST_AND:
	case VG_AST_OR:
		e = ce_new(x, n->kind == VG_AST_AND ? VG_CE_AND : VG_CE_OR);
		if (!e)
			return NULL;
		e->a = compile_node(x, n->a, evs);
		e->b = compile_node(x, n->b, &rs);
		if (n->kind == VG_AST_AND)
			evset_and(evs, &rs);
		else
			evset_or(evs, &rs);
		return e->a && e->b ? e : NULL;
	case VG_AST_NOT:
		e = ce_new(x, VG_CE_NOT);
		if (!e)
			return NULL;
		e->a = compile_node(x, n->a, evs);
		/* not (evt.type = x) is every type but x; not (anything else) can
		 * be true for any type. */
		if (n->a && n->a->kind == VG_AST_CMP && !strcmp(n->a->name, "evt.type") &&
		    !evs->all && (n->a->op == VG_OP_EQ || n->a->op == VG_OP_IN)) {
			for (int i = 0; i < VG_EV_MAX; i++)
				evs->ev[i] = !evs->ev[i];
		} else {
			evset_all(evs);
		}
		return e->a ? e : NULL;
	case VG_AST_MACRO:
		return compile_macro(x, n, evs);
	case VG_AST_CMP:
		return compile_cmp(x, n, evs);
	}
	return NULL;
}

bool vg_compile_rule_cond(struct vg_compiler *cc, struct vg_rule *r, const struct vg_text *t)
{
	struct cctx x = { .cc = cc, .t = t };
	struct vg_cond_err perr;
	struct vg_ast *ast = vg_cond_parse(cc->a, t->s, &perr);
	struct evset evs;
	bool any = false;

	cc->too_deep = false;
	if (!ast) {
		struct vg_srcpos p = vg_text_pos(t, perr.off);

		vg_diag_error(cc->diag, &p, "%s (in rule '%s')", perr.msg, r->name);
		cc->ok = false;
		return false;
	}
	r->cond = compile_node(&x, ast, &evs);
	if (!r->cond)
		return false;
	for (int i = 0; i < VG_EV_MAX; i++) {
		bool produced = i == VG_EV_PROC_EXEC || i == VG_EV_PROC_FORK || i == VG_EV_PROC_EXIT ||
				vg_sc_by_ev((unsigned)i);

		r->ev[i] = produced && (evs.all || evs.ev[i]);
		any |= r->ev[i];
	}
	if (evs.all)
		vg_diag_warn(cc->diag, &r->pos,
			     "rule '%s' does not restrict evt.type: it is evaluated for every "
			     "event type vigil traces",
			     r->name);
	if (!any) {
		vg_diag_error(cc->diag, &r->pos,
			      "rule '%s' can never match: none of its event types is traced by vigil",
			      r->name);
		cc->ok = false;
		return false;
	}
	return true;
}

/* --- output templates ----------------------------------------------------- */

static bool field_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.';
}

static bool tmpl_push(struct vg_compiler *cc, struct vg_tmpl *t, struct vg_tpart p)
{
	t->parts = arena_push(cc->a, t->parts, t->nparts, sizeof(*t->parts));
	if (!t->parts)
		return false;
	t->parts[t->nparts++] = p;
	return true;
}

struct vg_tmpl *vg_compile_tmpl(struct vg_compiler *cc, const struct vg_text *tx)
{
	struct vg_tmpl *t = arena_alloc(cc->a, sizeof(*t));
	const char *s = tx->s;
	size_t i = 0, lit = 0;

	if (!t)
		return NULL;
	while (s[i]) {
		size_t start, end;
		bool paren;
		struct vg_tpart p = { 0 };
		enum vg_field_res fr;
		char *name;

		if (s[i] != '%' || !(field_char(s[i + 1]) || s[i + 1] == '(')) {
			i++;
			continue;
		}
		if (i > lit && !tmpl_push(cc, t, (struct vg_tpart){ .lit = s + lit, .len = i - lit }))
			return NULL;
		paren = s[i + 1] == '(';
		start = end = i + 1 + paren;
		while (field_char(s[end]))
			end++;
		/* no field name ends with a dot: "... %fd.name." ends a sentence */
		while (end > start && s[end - 1] == '.')
			end--;
		if (s[end] == '[') {
			while (s[end] && s[end] != ']')
				end++;
			if (s[end] == ']')
				end++;
		}
		name = arena_strndup(cc->a, s + start, end - start);
		if (!name)
			return NULL;
		if (paren) {
			if (s[end] != ')') {
				struct vg_srcpos pos = vg_text_pos(tx, i);

				vg_diag_error(cc->diag, &pos, "'%%(' without a closing ')' in the output");
				cc->ok = false;
				return NULL;
			}
			end++;
		}
		fr = vg_field_resolve(name, &p.f);
		if (fr == VG_FIELD_UNKNOWN || fr == VG_FIELD_BAD_INDEX) {
			struct vg_srcpos pos = vg_text_pos(tx, start);

			vg_diag_error(cc->diag, &pos, "unknown field '%s' in the output", name);
			cc->ok = false;
			return NULL;
		}
		if (fr == VG_FIELD_UNSUPPORTED) {
			struct cctx x = { .cc = cc, .t = tx };

			warn_field_once(&x, (unsigned)start, name);
		}
		p.fname = name;
		if (!tmpl_push(cc, t, p))
			return NULL;
		/* distinct fields, in order, for output_fields */
		{
			size_t k;

			for (k = 0; k < t->nfields; k++)
				if (!strcmp(t->fnames[k], name))
					break;
			if (k == t->nfields) {
				struct vg_fref *copy = arena_alloc(cc->a, sizeof(*copy));

				t->fields = arena_push(cc->a, t->fields, t->nfields, sizeof(*t->fields));
				t->fnames = arena_push(cc->a, t->fnames, t->nfields, sizeof(*t->fnames));
				if (!copy || !t->fields || !t->fnames)
					return NULL;
				*copy = p.f;
				t->fields[t->nfields] = copy;
				t->fnames[t->nfields++] = name;
			}
		}
		i = lit = end;
	}
	if (i > lit && !tmpl_push(cc, t, (struct vg_tpart){ .lit = s + lit, .len = i - lit }))
		return NULL;
	return t;
}
