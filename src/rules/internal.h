/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside the rule engine: the compiled forms shared by the loader
 * (load.c), the compiler (compile.c) and the evaluator (eval.c). Not for
 * other modules: they use ruleset.h.
 */
#ifndef VIGIL_RULES_INTERNAL_H
#define VIGIL_RULES_INTERNAL_H

#include <regex.h>

#include "rules/cond.h"
#include "rules/ruleset.h"

/* Text with the source position of every byte, so that an offset into a
 * condition (after folding, appends and all) maps back to file:line:col. */
struct vg_lc {
	uint32_t line, col;
};

struct vg_text {
	const char *s; /* NUL-terminated */
	size_t len;
	const struct vg_lc *lc; /* [len + 1] */
	const char *file;
};

/* A constant on the right-hand side of a comparison, typed for its field. */
struct vg_cval {
	const char *s; /* STR (NUL-terminated), bytes for bcontains */
	size_t len;
	int64_t i;
	uint64_t u;
	uint16_t family; /* IP/NET */
	uint8_t ip[16];
	uint8_t prefix; /* NET: prefix bits */
};

enum vg_ce_kind { VG_CE_AND, VG_CE_OR, VG_CE_NOT, VG_CE_CMP, VG_CE_TRUE, VG_CE_FALSE };

struct vg_cexpr {
	enum vg_ce_kind kind;
	struct vg_cexpr *a, *b;
	/* CMP */
	struct vg_fref f;
	enum vg_op op;
	struct vg_cval *vals; /* sorted by (len, bytes) for string `in` */
	size_t nvals;
	bool sorted;
	regex_t *re;
	const char *text; /* the comparison as written, for explain */
	/* evt.type =, != and in: the answer per event id, decided at load time
	 * (an event-id lookup instead of string compares at event time) */
	const uint8_t *evmask;
};

/* Output template: literal pieces and fields, alternating. */
struct vg_tpart {
	const char *lit; /* literal text, or NULL for a field */
	size_t len;
	struct vg_fref f;
	const char *fname; /* field name as written */
};

struct vg_tmpl {
	struct vg_tpart *parts;
	size_t nparts;
	const struct vg_fref **fields; /* distinct fields, for output_fields */
	const char **fnames;
	size_t nfields;
};

bool vg_cexpr_eval(const struct vg_cexpr *e, struct vg_evctx *c);

/* --- what the loader hands the compiler ----------------------------------- */

struct vg_litem {
	const char *s;
	struct vg_srcpos pos;
};

struct vg_list_def {
	const char *name;
	struct vg_srcpos pos;
	struct vg_litem *items;
	size_t n;
	int state; /* 0 new, 1 expanding (cycle check), 2 flattened */
	struct vg_litem *flat;
	size_t nflat;
};

struct vg_macro_def {
	const char *name;
	struct vg_srcpos pos;
	struct vg_text cond;
	struct vg_ast *ast;
	int state; /* 0 unparsed, 1 being expanded (cycle check), 2 parsed */
	bool bad;  /* its condition failed to parse (reported once) */
};

struct vg_compiler {
	struct arena *a;
	struct vg_diag *diag;
	struct vg_macro_def *(*find_macro)(void *ctx, const char *name);
	struct vg_list_def *(*find_list)(void *ctx, const char *name);
	void *ctx;
	/* unsupported fields already warned about (one warning per field) */
	const char **warned;
	size_t nwarned;
	bool ok; /* cleared by any error */
	bool too_deep; /* the current rule's nesting error was reported */
	/* expansion budget, all rules together (macros and lists used over and
	 * over multiply: a small file must not expand without bound) */
	size_t nodes, values;
	bool over_budget; /* reported */
	struct vg_ruleset *rs; /* owns compiled regexes */
};

/* Parse and compile a rule's condition; fills r->cond and r->ev. */
bool vg_compile_rule_cond(struct vg_compiler *cc, struct vg_rule *r, const struct vg_text *t);
/* Compile an output template; NULL after reporting an error. */
struct vg_tmpl *vg_compile_tmpl(struct vg_compiler *cc, const struct vg_text *t);
/* Position of byte `off` of t. */
struct vg_srcpos vg_text_pos(const struct vg_text *t, size_t off);

#endif /* VIGIL_RULES_INTERNAL_H */
