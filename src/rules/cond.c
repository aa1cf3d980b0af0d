// SPDX-License-Identifier: Apache-2.0
/* Condition tokenizer and parser; see cond.h. */
#include "rules/cond.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

enum tok_kind {
	T_END,
	T_LPAREN,
	T_RPAREN,
	T_COMMA,
	T_CMP,	 /* =, ==, !=, <, <=, >, >= */
	T_WORD,	 /* bare word: keyword, field, macro, list or value */
	T_STRING /* quoted */
};

struct tok {
	enum tok_kind kind;
	unsigned off;
	const char *s; /* WORD/STRING text (unescaped), CMP spelling */
	enum vg_op op; /* CMP */
};

struct parser {
	struct arena *a;
	const char *text;
	size_t pos;
	struct tok cur;
	struct vg_cond_err *err;
	bool failed;
	int depth;
};

/* Nesting bound: a hostile condition must not exhaust the stack. */
#define MAX_DEPTH 200

static const struct {
	const char *word;
	enum vg_op op;
} word_ops[] = {
	{ "contains", VG_OP_CONTAINS },	    { "icontains", VG_OP_ICONTAINS },
	{ "bcontains", VG_OP_BCONTAINS },   { "startswith", VG_OP_STARTSWITH },
	{ "bstartswith", VG_OP_BSTARTSWITH }, { "endswith", VG_OP_ENDSWITH },
	{ "glob", VG_OP_GLOB },		    { "pmatch", VG_OP_PMATCH },
	{ "regex", VG_OP_REGEX },	    { "in", VG_OP_IN },
	{ "intersects", VG_OP_INTERSECTS }, { "exists", VG_OP_EXISTS },
};

const char *vg_op_name(enum vg_op op)
{
	static const char *const cmp[] = { "=", "!=", "<", "<=", ">", ">=" };

	if (op <= VG_OP_GE)
		return cmp[op];
	for (size_t i = 0; i < sizeof(word_ops) / sizeof(word_ops[0]); i++)
		if (word_ops[i].op == op)
			return word_ops[i].word;
	return "?";
}

static void fail(struct parser *p, unsigned off, const char *fmt, const char *arg)
{
	if (p->failed)
		return;
	p->failed = true;
	p->err->off = off;
	snprintf(p->err->msg, sizeof(p->err->msg), fmt, arg);
}

/* A bare word ends at white space, parentheses, comma, quote or comparison sign. */
static bool word_char(char c)
{
	return c && !isspace((unsigned char)c) && !strchr("(),=<>!'\"", c);
}

static void next(struct parser *p)
{
	const char *t = p->text;
	size_t i = p->pos, start;

	while (isspace((unsigned char)t[i]))
		i++;
	start = i;
	p->cur.off = (unsigned)i;
	p->cur.s = NULL;
	switch (t[i]) {
	case '\0':
		p->cur.kind = T_END;
		break;
	case '(':
		p->cur.kind = T_LPAREN;
		i++;
		break;
	case ')':
		p->cur.kind = T_RPAREN;
		i++;
		break;
	case ',':
		p->cur.kind = T_COMMA;
		i++;
		break;
	case '=':
	case '<':
	case '>':
	case '!': {
		char c = t[i], d = t[i + 1];

		p->cur.kind = T_CMP;
		if (c == '=') {
			p->cur.op = VG_OP_EQ;
			i += d == '=' ? 2 : 1;
		} else if (c == '!') {
			if (d != '=') {
				fail(p, (unsigned)i, "'!' must be followed by '=' (use 'not' to negate)%s", "");
				p->cur.kind = T_END;
				break;
			}
			p->cur.op = VG_OP_NE;
			i += 2;
		} else if (c == '<') {
			p->cur.op = d == '=' ? VG_OP_LE : VG_OP_LT;
			i += d == '=' ? 2 : 1;
		} else {
			p->cur.op = d == '=' ? VG_OP_GE : VG_OP_GT;
			i += d == '=' ? 2 : 1;
		}
		break;
	}
	case '\'':
	case '"': {
		char q = t[i++], *out;
		size_t n = 0, j;

		for (j = i; t[j] && t[j] != q; j++)
			if (t[j] == '\\' && t[j + 1])
				j++;
		if (!t[j]) {
			fail(p, (unsigned)start, "unterminated %s string", q == '"' ? "\"quoted\"" : "'quoted'");
			p->cur.kind = T_END;
			break;
		}
		out = arena_alloc(p->a, j - i + 1);
		if (!out) {
			fail(p, (unsigned)start, "out of memory%s", "");
			p->cur.kind = T_END;
			break;
		}
		/* Backslash escapes the quote and itself; other pairs stay as written
		 * (regular expressions keep their backslashes). */
		for (; i < j; i++) {
			if (t[i] == '\\' && (t[i + 1] == q || t[i + 1] == '\\'))
				i++;
			out[n++] = t[i];
		}
		i = j + 1;
		p->cur.kind = T_STRING;
		p->cur.s = out;
		break;
	}
	default:
		while (word_char(t[i]))
			i++;
		p->cur.kind = T_WORD;
		p->cur.s = arena_strndup(p->a, t + start, i - start);
		if (!p->cur.s) {
			fail(p, (unsigned)start, "out of memory%s", "");
			p->cur.kind = T_END;
		}
		break;
	}
	p->pos = i;
}

static bool is_word(const struct parser *p, const char *w)
{
	return p->cur.kind == T_WORD && !strcmp(p->cur.s, w);
}

static bool word_op(const char *w, enum vg_op *op)
{
	for (size_t i = 0; i < sizeof(word_ops) / sizeof(word_ops[0]); i++) {
		if (!strcmp(w, word_ops[i].word)) {
			*op = word_ops[i].op;
			return true;
		}
	}
	return false;
}

static bool reserved(const char *w)
{
	enum vg_op op;

	return !strcmp(w, "and") || !strcmp(w, "or") || !strcmp(w, "not") || word_op(w, &op);
}

static struct vg_ast *node(struct parser *p, enum vg_ast_kind k, unsigned off)
{
	struct vg_ast *n = arena_alloc(p->a, sizeof(*n));

	if (!n) {
		fail(p, off, "out of memory%s", "");
		return NULL;
	}
	n->kind = k;
	n->off = off;
	return n;
}

static bool push_val(struct parser *p, struct vg_ast *n)
{
	n->vals = arena_push(p->a, n->vals, n->nvals, sizeof(*n->vals));
	if (!n->vals) {
		fail(p, p->cur.off, "out of memory%s", "");
		return false;
	}
	n->vals[n->nvals].s = p->cur.s;
	n->vals[n->nvals].off = p->cur.off;
	n->vals[n->nvals].quoted = p->cur.kind == T_STRING;
	n->nvals++;
	return true;
}

static bool atom(const struct parser *p)
{
	return p->cur.kind == T_WORD || p->cur.kind == T_STRING;
}

/* The right-hand side of a comparison. */
static void parse_value(struct parser *p, struct vg_ast *n)
{
	if (p->cur.kind == T_LPAREN) {
		n->list = true;
		next(p);
		if (p->cur.kind == T_RPAREN) {
			next(p);
			return;
		}
		for (;;) {
			if (!atom(p)) {
				fail(p, p->cur.off, "expected a value in the list%s", "");
				return;
			}
			if (!push_val(p, n))
				return;
			next(p);
			if (p->cur.kind == T_COMMA) {
				next(p);
				continue;
			}
			if (p->cur.kind == T_RPAREN) {
				next(p);
				return;
			}
			fail(p, p->cur.off, "expected ',' or ')' in the list%s", "");
			return;
		}
	}
	if (!atom(p) || (p->cur.kind == T_WORD && reserved(p->cur.s))) {
		fail(p, p->cur.off, "expected a value after '%s'", vg_op_name(n->op));
		return;
	}
	if (push_val(p, n))
		next(p);
}

static struct vg_ast *parse_or(struct parser *p);

static struct vg_ast *parse_primary(struct parser *p)
{
	struct vg_ast *n;
	unsigned off = p->cur.off;
	enum vg_op op;

	if (p->cur.kind == T_LPAREN) {
		next(p);
		n = parse_or(p);
		if (p->failed)
			return NULL;
		if (p->cur.kind != T_RPAREN) {
			fail(p, p->cur.off, "expected ')' to close the '(' opened earlier%s", "");
			return NULL;
		}
		next(p);
		return n;
	}
	if (p->cur.kind != T_WORD || reserved(p->cur.s)) {
		if (p->cur.kind == T_END)
			fail(p, off, "condition ends where a field or macro was expected%s", "");
		else
			fail(p, off, "expected a field or macro name here%s", "");
		return NULL;
	}
	/* A name without a dot is a macro (Falco fields all have one). */
	if (!strchr(p->cur.s, '.')) {
		n = node(p, VG_AST_MACRO, off);
		if (!n)
			return NULL;
		n->name = p->cur.s;
		next(p);
		return n;
	}
	n = node(p, VG_AST_CMP, off);
	if (!n)
		return NULL;
	n->name = p->cur.s;
	next(p);
	n->op_off = p->cur.off;
	if (p->cur.kind == T_CMP) {
		n->op = p->cur.op;
	} else if (p->cur.kind == T_WORD && word_op(p->cur.s, &op)) {
		n->op = op;
	} else {
		fail(p, p->cur.off, "expected an operator after field '%s'", n->name);
		return NULL;
	}
	next(p);
	if (n->op == VG_OP_EXISTS)
		return n;
	parse_value(p, n);
	if (p->failed)
		return NULL;
	if (n->list && n->op != VG_OP_IN && n->op != VG_OP_INTERSECTS && n->op != VG_OP_PMATCH)
		fail(p, n->op_off, "operator '%s' takes one value, not a list", vg_op_name(n->op));
	return p->failed ? NULL : n;
}

static struct vg_ast *parse_unary(struct parser *p)
{
	struct vg_ast *n;
	unsigned off = p->cur.off;

	if (++p->depth > MAX_DEPTH) {
		fail(p, off, "condition nested deeper than %s levels", "200");
		return NULL;
	}
	if (is_word(p, "not")) {
		next(p);
		n = node(p, VG_AST_NOT, off);
		if (n)
			n->a = parse_unary(p);
	} else {
		n = parse_primary(p);
	}
	p->depth--;
	return p->failed ? NULL : n;
}

static struct vg_ast *parse_bin(struct parser *p, const char *word, enum vg_ast_kind kind,
				struct vg_ast *(*sub)(struct parser *))
{
	struct vg_ast *l = sub(p);

	while (!p->failed && is_word(p, word)) {
		struct vg_ast *n = node(p, kind, l ? l->off : p->cur.off);

		next(p);
		if (!n)
			return NULL;
		n->a = l;
		n->b = sub(p);
		l = n;
	}
	return p->failed ? NULL : l;
}

static struct vg_ast *parse_and(struct parser *p)
{
	return parse_bin(p, "and", VG_AST_AND, parse_unary);
}

static struct vg_ast *parse_or(struct parser *p)
{
	struct vg_ast *n;

	if (++p->depth > MAX_DEPTH) {
		fail(p, p->cur.off, "condition nested deeper than %s levels", "200");
		return NULL;
	}
	n = parse_bin(p, "or", VG_AST_OR, parse_and);
	p->depth--;
	return n;
}

struct vg_ast *vg_cond_parse(struct arena *a, const char *text, struct vg_cond_err *err)
{
	struct parser p = { .a = a, .text = text, .err = err };
	struct vg_ast *n;

	memset(err, 0, sizeof(*err));
	next(&p);
	if (p.cur.kind == T_END && !p.failed) {
		fail(&p, 0, "empty condition%s", "");
		return NULL;
	}
	n = parse_or(&p);
	if (!p.failed && p.cur.kind != T_END) {
		if (p.cur.kind == T_RPAREN)
			fail(&p, p.cur.off, "')' without a matching '('%s", "");
		else
			fail(&p, p.cur.off, "expected 'and', 'or' or the end of the condition%s", "");
	}
	return p.failed ? NULL : n;
}
