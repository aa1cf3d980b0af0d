// SPDX-License-Identifier: Apache-2.0
/*
 * Evaluation of compiled conditions against one event. No parsing and no
 * allocation here: constants were typed at load time, string lists sorted
 * for binary search, regular expressions compiled.
 */
#include <fnmatch.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "rules/internal.h"

/* Order of the sorted string lists: by length, then bytes. */
static int cmp_lenbytes(const char *a, size_t al, const char *b, size_t bl)
{
	if (al != bl)
		return al < bl ? -1 : 1;
	return memcmp(a, b, al);
}

static bool str_in(const struct vg_cexpr *e, const char *s, size_t len)
{
	size_t lo = 0, hi = e->nvals;

	if (!e->sorted) {
		for (size_t i = 0; i < e->nvals; i++)
			if (e->vals[i].len == len && !memcmp(e->vals[i].s, s, len))
				return true;
		return false;
	}
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = cmp_lenbytes(e->vals[mid].s, e->vals[mid].len, s, len);

		if (!c)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* pmatch: the path is one of the prefixes or lies below one. */
static bool path_under(const char *s, size_t len, const struct vg_cval *p)
{
	if (p->len > len || memcmp(s, p->s, p->len))
		return false;
	return p->len == len || (p->len && p->s[p->len - 1] == '/') || s[p->len] == '/';
}

static bool net_contains(const struct vg_cval *net, const struct vg_fval *v)
{
	unsigned bits = net->prefix, full = bits / 8, rest = bits % 8;

	if (net->family != v->family)
		return false;
	if (memcmp(net->ip, v->ip, full))
		return false;
	if (rest && ((net->ip[full] ^ v->ip[full]) & (0xff << (8 - rest))))
		return false;
	return true;
}

static bool ip_eq(const struct vg_cval *c, const struct vg_fval *v)
{
	if (c->prefix < (c->family == AF_INET ? 32 : 128))
		return net_contains(c, v);
	return c->family == v->family && !memcmp(c->ip, v->ip, c->family == AF_INET ? 4 : 16);
}

/* fnmatch and regexec need NUL-terminated subjects. Field values point
 * into buffers where s[len] is readable: copy only when it is not NUL. */
static const char *cstr(struct vg_evctx *c, const struct vg_fval *v)
{
	if (v->s[v->len] == '\0')
		return v->s;
	strbuf_reset(&c->tmp);
	strbuf_add(&c->tmp, v->s, v->len);
	return c->tmp.buf;
}

static bool cmp_one(const struct vg_cexpr *e, struct vg_evctx *c, const struct vg_fval *v)
{
	const struct vg_cval *k = e->vals;

	switch (v->type) {
	case VG_FT_STR:
		switch (e->op) {
		case VG_OP_EQ:
			return v->len == k->len && !memcmp(v->s, k->s, v->len);
		case VG_OP_NE:
			return !(v->len == k->len && !memcmp(v->s, k->s, v->len));
		case VG_OP_IN:
		case VG_OP_INTERSECTS:
			return str_in(e, v->s, v->len);
		case VG_OP_CONTAINS:
		case VG_OP_BCONTAINS:
			return memmem(v->s, v->len, k->s, k->len) != NULL;
		case VG_OP_ICONTAINS:
			if (k->len > v->len)
				return false;
			for (size_t i = 0; i + k->len <= v->len; i++)
				if (!strncasecmp(v->s + i, k->s, k->len))
					return true;
			return false;
		case VG_OP_STARTSWITH:
		case VG_OP_BSTARTSWITH:
			return v->len >= k->len && !memcmp(v->s, k->s, k->len);
		case VG_OP_ENDSWITH:
			return v->len >= k->len && !memcmp(v->s + v->len - k->len, k->s, k->len);
		case VG_OP_GLOB:
			return fnmatch(k->s, cstr(c, v), 0) == 0;
		case VG_OP_PMATCH:
			for (size_t i = 0; i < e->nvals; i++)
				if (path_under(v->s, v->len, &e->vals[i]))
					return true;
			return false;
		case VG_OP_REGEX:
			return e->re && regexec(e->re, cstr(c, v), 0, NULL, 0) == 0;
		default:
			return false;
		}
	case VG_FT_INT:
	case VG_FT_BOOL:
		switch (e->op) {
		case VG_OP_EQ: return v->i == k->i;
		case VG_OP_NE: return v->i != k->i;
		case VG_OP_LT: return v->i < k->i;
		case VG_OP_LE: return v->i <= k->i;
		case VG_OP_GT: return v->i > k->i;
		case VG_OP_GE: return v->i >= k->i;
		case VG_OP_IN:
		case VG_OP_INTERSECTS:
			for (size_t i = 0; i < e->nvals; i++)
				if (e->vals[i].i == v->i)
					return true;
			return false;
		default: return false;
		}
	case VG_FT_UINT:
		switch (e->op) {
		case VG_OP_EQ: return v->u == k->u;
		case VG_OP_NE: return v->u != k->u;
		case VG_OP_LT: return v->u < k->u;
		case VG_OP_LE: return v->u <= k->u;
		case VG_OP_GT: return v->u > k->u;
		case VG_OP_GE: return v->u >= k->u;
		case VG_OP_IN:
		case VG_OP_INTERSECTS:
			for (size_t i = 0; i < e->nvals; i++)
				if (e->vals[i].u == v->u)
					return true;
			return false;
		default: return false;
		}
	case VG_FT_IP:
	case VG_FT_NET:
		switch (e->op) {
		case VG_OP_EQ: return ip_eq(k, v);
		case VG_OP_NE: return !ip_eq(k, v);
		case VG_OP_IN:
		case VG_OP_INTERSECTS:
			for (size_t i = 0; i < e->nvals; i++)
				if (ip_eq(&e->vals[i], v))
					return true;
			return false;
		default: return false;
		}
	}
	return false;
}

static bool eval_cmp(const struct vg_cexpr *e, struct vg_evctx *c)
{
	struct vg_fval v;

	if (e->evmask)
		return e->evmask[c->ev->type];
	/* Fields with several values (proc.aname without [N], fd.ip, ...):
	 * true when any value satisfies the comparison. Bounded by the
	 * ancestry walk (64) inside vg_field_get. */
	for (unsigned k = 0; k < 64; k++) {
		if (!vg_field_get(c, &e->f, k, &v))
			return false;
		if (e->op == VG_OP_EXISTS || cmp_one(e, c, &v))
			return true;
		if (!(e->f.d->flags & VG_FF_ANY) || e->f.index >= 0)
			return false;
	}
	return false;
}

bool vg_cexpr_eval(const struct vg_cexpr *e, struct vg_evctx *c)
{
	switch (e->kind) {
	case VG_CE_AND:
		return vg_cexpr_eval(e->a, c) && vg_cexpr_eval(e->b, c);
	case VG_CE_OR:
		return vg_cexpr_eval(e->a, c) || vg_cexpr_eval(e->b, c);
	case VG_CE_NOT:
		return !vg_cexpr_eval(e->a, c);
	case VG_CE_CMP:
		return eval_cmp(e, c);
	case VG_CE_TRUE:
		return true;
	case VG_CE_FALSE:
		return false;
	}
	return false;
}

bool vg_rule_eval(const struct vg_rule *r, struct vg_evctx *c)
{
	return vg_cexpr_eval(r->cond, c);
}
