// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: the input is a condition. It is parsed with
 * vg_cond_parse (on a NUL-terminated copy) and the tree or the error is
 * checked for consistency; then the same condition, as an escaped YAML
 * string next to a few macros and lists, goes through the whole loader and
 * compiler and, when it loads, is evaluated against synthetic events.
 *
 *   make fuzz && mkdir -p build/fuzz/corpus-cond
 *   build/fuzz/fuzz_cond -max_total_time=180 build/fuzz/corpus-cond tests/fuzz/corpus/cond
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/strbuf.h"
#include "fuzz_events.h"
#include "rules/cond.h"
#include "rules/ruleset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t text_len;

static void check(const struct vg_ast *n, int depth)
{
	if (!n || depth > 100000 || n->off > text_len)
		abort();
	switch (n->kind) {
	case VG_AST_AND:
	case VG_AST_OR:
		check(n->a, depth + 1);
		check(n->b, depth + 1);
		break;
	case VG_AST_NOT:
		check(n->a, depth + 1);
		break;
	case VG_AST_MACRO:
		if (!n->name || !n->name[0] || strchr(n->name, '.'))
			abort();
		break;
	case VG_AST_CMP:
		if (!n->name || !strchr(n->name, '.') || n->op_off > text_len ||
		    strcmp(vg_op_name(n->op), "?") == 0)
			abort();
		if ((n->op == VG_OP_EXISTS) != (n->nvals == 0 && !n->list))
			abort();
		for (size_t i = 0; i < n->nvals; i++)
			if (!n->vals[i].s || n->vals[i].off > text_len)
				abort();
		break;
	default:
		abort();
	}
}

static const char prelude[] = "- list: shells\n  items: [bash, sh, zsh, fish, dash, ksh]\n"
			      "- list: nets\n  items: ['\"10.0.0.0/8\"', '\"::1\"']\n"
			      "- list: ports\n  items: [22, 443]\n"
			      "- macro: m_open\n  condition: evt.type in (open, openat)\n"
			      "- macro: m_true\n  condition: proc.pid >= 0\n"
			      "- rule: R\n  desc: d\n  priority: INFO\n"
			      "  output: \"%proc.name %fd.name %evt.arg.flags %fd.sip\"\n"
			      "  condition: \"";

static void load(const char *text, size_t len)
{
	struct strbuf y = STRBUF_INIT;
	struct vg_rule_source src;
	struct vg_diag diag = { .out = NULL };
	struct vg_ruleset *rs;

	strbuf_addstr(&y, prelude);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c == '"' || c == '\\')
			strbuf_addf(&y, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			strbuf_addch(&y, (char)c);
		else
			strbuf_addf(&y, "\\x%02x", c);
	}
	strbuf_addstr(&y, "\"\n");
	src = (struct vg_rule_source){ .name = "fuzz.yaml", .text = y.buf, .len = y.len };
	rs = vg_ruleset_load(NULL, 0, &src, 1, &diag);
	if (rs) {
		if (diag.errors)
			abort();
		fz_exercise(rs);
	} else if (!diag.errors) {
		abort();
	}
	vg_ruleset_free(rs);
	strbuf_release(&y);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct arena a;
	struct vg_cond_err err;
	struct vg_ast *n;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	text_len = strlen(text);
	fz_setup();
	arena_init(&a);
	n = vg_cond_parse(&a, text, &err);
	if (n)
		check(n, 0);
	else if (!err.msg[0] || err.off > text_len || !memchr(err.msg, '\0', sizeof(err.msg)))
		abort();
	arena_release(&a);
	load(text, text_len);
	free(text);
	return 0;
}
