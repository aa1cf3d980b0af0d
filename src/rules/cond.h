/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Falco condition syntax: tokenizer and recursive-descent parser to an AST.
 *
 *   expr    := and ('or' and)*
 *   and     := unary ('and' unary)*
 *   unary   := 'not' unary | primary
 *   primary := '(' expr ')' | FIELD OP value | FIELD 'exists' | MACRO
 *   value   := ATOM | '(' [ATOM (',' ATOM)*] ')' | LISTNAME
 *
 * Precedence is Falco's: not > and > or. ATOMs are 'single' or "double"
 * quoted strings, or bare words (anything up to white space, parentheses,
 * a comma or a comparison sign). Positions are byte offsets into the
 * condition text; the caller maps them to file:line:col.
 *
 * The AST lives in the caller's arena.
 */
#ifndef VIGIL_COND_H
#define VIGIL_COND_H

#include <stdbool.h>
#include <stddef.h>

#include "common/arena.h"

enum vg_op {
	VG_OP_EQ,
	VG_OP_NE,
	VG_OP_LT,
	VG_OP_LE,
	VG_OP_GT,
	VG_OP_GE,
	VG_OP_CONTAINS,
	VG_OP_ICONTAINS,
	VG_OP_BCONTAINS,
	VG_OP_STARTSWITH,
	VG_OP_BSTARTSWITH,
	VG_OP_ENDSWITH,
	VG_OP_GLOB,
	VG_OP_PMATCH,
	VG_OP_REGEX,
	VG_OP_IN,
	VG_OP_INTERSECTS,
	VG_OP_EXISTS,
};

enum vg_ast_kind { VG_AST_AND, VG_AST_OR, VG_AST_NOT, VG_AST_CMP, VG_AST_MACRO };

struct vg_ast_val {
	const char *s;
	unsigned off;
	bool quoted; /* a quoted string is never a list name */
};

struct vg_ast {
	enum vg_ast_kind kind;
	unsigned off;		/* start of the node in the condition */
	struct vg_ast *a, *b;	/* AND/OR: both; NOT: a */
	const char *name;	/* CMP: field (with any [index]); MACRO: macro name */
	enum vg_op op;		/* CMP */
	unsigned op_off;
	struct vg_ast_val *vals; /* CMP: right-hand side */
	size_t nvals;
	bool list;		/* the right-hand side was written as a ( ... ) list */
};

struct vg_cond_err {
	unsigned off;
	char msg[200];
};

/* Parse `text`. Returns the AST, or NULL with *err filled (position and
 * message), or NULL with err->msg "out of memory". */
struct vg_ast *vg_cond_parse(struct arena *a, const char *text, struct vg_cond_err *err);

/* "=", "in", "startswith", ... */
const char *vg_op_name(enum vg_op op);

#endif /* VIGIL_COND_H */
