// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests: rules/cond, the condition tokenizer and parser. Each parse is
 * printed back as a compact tree (or(..), and(..), not(..), cmp[..], macro[..])
 * so that shape, operators, values and quoting are asserted in one string;
 * errors are asserted by byte offset and exact message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/strbuf.h"
#include "rules/cond.h"

static struct arena A;

static int setup(void **state)
{
	arena_init(&A);
	return 0;
}

static int teardown(void **state)
{
	arena_release(&A);
	return 0;
}

static void dump(const struct vg_ast *n, struct strbuf *sb)
{
	switch (n->kind) {
	case VG_AST_OR:
	case VG_AST_AND:
		strbuf_addstr(sb, n->kind == VG_AST_OR ? "or(" : "and(");
		dump(n->a, sb);
		strbuf_addstr(sb, ", ");
		dump(n->b, sb);
		strbuf_addch(sb, ')');
		break;
	case VG_AST_NOT:
		strbuf_addstr(sb, "not(");
		dump(n->a, sb);
		strbuf_addch(sb, ')');
		break;
	case VG_AST_MACRO:
		strbuf_addf(sb, "macro[%s]", n->name);
		break;
	case VG_AST_CMP:
		strbuf_addf(sb, "cmp[%s %s", n->name, vg_op_name(n->op));
		if (n->list)
			strbuf_addstr(sb, " (");
		for (size_t i = 0; i < n->nvals; i++)
			strbuf_addf(sb, "%s%s%s%s", i || !n->list ? " " : "",
				    n->vals[i].quoted ? "'" : "", n->vals[i].s,
				    n->vals[i].quoted ? "'" : "");
		if (n->list)
			strbuf_addch(sb, ')');
		strbuf_addch(sb, ']');
		break;
	}
}

/* Parse `text`, which must succeed, and return the printed tree (in A). */
static const char *tree(const char *text)
{
	struct vg_cond_err err;
	struct vg_ast *n = vg_cond_parse(&A, text, &err);
	struct strbuf sb = STRBUF_INIT;
	char *s;

	if (!n)
		fail_msg("'%s' did not parse: %u: %s", text, err.off, err.msg);
	dump(n, &sb);
	s = arena_strdup(&A, sb.buf);
	strbuf_release(&sb);
	return s;
}

#define assert_tree(text, want) assert_string_equal(tree(text), want)

/* Parse `text`, which must fail at `off` with exactly `msg`. */
static void assert_err(const char *text, unsigned off, const char *msg)
{
	struct vg_cond_err err;
	struct vg_ast *n = vg_cond_parse(&A, text, &err);

	if (n)
		fail_msg("'%s' parsed, expected an error at %u", text, off);
	assert_string_equal(err.msg, msg);
	if (err.off != off)
		fail_msg("'%s': error '%s' at %u, expected at %u", text, err.msg, err.off, off);
}

/* The single comparison `text` parses to. */
static struct vg_ast *cmp(const char *text)
{
	struct vg_cond_err err;
	struct vg_ast *n = vg_cond_parse(&A, text, &err);

	if (!n)
		fail_msg("'%s' did not parse: %u: %s", text, err.off, err.msg);
	assert_int_equal(n->kind, VG_AST_CMP);
	return n;
}

/* --- operators ----------------------------------------------------------------- */

static void test_comparison_operators(void **state)
{
	static const struct {
		const char *text;
		enum vg_op op;
		const char *name;
	} cases[] = {
		{ "proc.pid = 1", VG_OP_EQ, "=" },	  { "proc.pid == 1", VG_OP_EQ, "=" },
		{ "proc.pid != 1", VG_OP_NE, "!=" },	  { "proc.pid < 1", VG_OP_LT, "<" },
		{ "proc.pid <= 1", VG_OP_LE, "<=" },	  { "proc.pid > 1", VG_OP_GT, ">" },
		{ "proc.pid >= 1", VG_OP_GE, ">=" },
		/* no white space around the sign */
		{ "proc.pid=1", VG_OP_EQ, "=" },	  { "proc.pid==1", VG_OP_EQ, "=" },
		{ "proc.pid!=1", VG_OP_NE, "!=" },	  { "proc.pid<1", VG_OP_LT, "<" },
		{ "proc.pid<=1", VG_OP_LE, "<=" },	  { "proc.pid>1", VG_OP_GT, ">" },
		{ "proc.pid>=1", VG_OP_GE, ">=" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vg_ast *n = cmp(cases[i].text);

		assert_string_equal(n->name, "proc.pid");
		assert_int_equal(n->op, cases[i].op);
		assert_string_equal(vg_op_name(n->op), cases[i].name);
		assert_int_equal(n->nvals, 1);
		assert_string_equal(n->vals[0].s, "1");
		assert_false(n->vals[0].quoted);
		assert_false(n->list);
		assert_int_equal(n->off, 0);
		/* the operator starts right after the field and its blanks */
		assert_int_equal(n->op_off, strchr(cases[i].text, ' ') ? 9 : 8);
		assert_int_equal(n->vals[0].off, strlen(cases[i].text) - 1);
	}
}

static void test_word_operators(void **state)
{
	static const struct {
		const char *word;
		enum vg_op op;
	} cases[] = {
		{ "contains", VG_OP_CONTAINS },	    { "icontains", VG_OP_ICONTAINS },
		{ "bcontains", VG_OP_BCONTAINS },   { "startswith", VG_OP_STARTSWITH },
		{ "bstartswith", VG_OP_BSTARTSWITH }, { "endswith", VG_OP_ENDSWITH },
		{ "glob", VG_OP_GLOB },		    { "pmatch", VG_OP_PMATCH },
		{ "regex", VG_OP_REGEX },	    { "in", VG_OP_IN },
		{ "intersects", VG_OP_INTERSECTS },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[96];
		struct vg_ast *n;

		snprintf(text, sizeof(text), "fd.name %s abc", cases[i].word);
		n = cmp(text);
		assert_int_equal(n->op, cases[i].op);
		assert_string_equal(vg_op_name(n->op), cases[i].word);
		assert_int_equal(n->op_off, 8);
		assert_int_equal(n->nvals, 1);
		assert_string_equal(n->vals[0].s, "abc");
		assert_int_equal(n->vals[0].off, 9 + strlen(cases[i].word));
		assert_false(n->list);
	}
	/* the list-taking operators take lists */
	assert_tree("fd.name in (a, b)", "cmp[fd.name in (a b)]");
	assert_tree("fd.name intersects (a,b)", "cmp[fd.name intersects (a b)]");
	assert_tree("fd.name pmatch (/etc, /usr/lib)", "cmp[fd.name pmatch (/etc /usr/lib)]");
	assert_string_equal(vg_op_name((enum vg_op)99), "?");
}

static void test_exists(void **state)
{
	struct vg_ast *n = cmp("proc.pname exists");

	assert_int_equal(n->op, VG_OP_EXISTS);
	assert_int_equal(n->nvals, 0);
	assert_null(n->vals);
	assert_int_equal(n->op_off, 11);
	assert_tree("proc.pname exists and proc.name = x",
		    "and(cmp[proc.pname exists], cmp[proc.name = x])");
	assert_tree("not proc.pname exists", "not(cmp[proc.pname exists])");
	assert_tree("(proc.pname exists)", "cmp[proc.pname exists]");
}

/* --- precedence and parentheses ------------------------------------------------ */

static void test_precedence(void **state)
{
	/* not > and > or */
	assert_tree("a.b=1 or c.d=2 and not e.f=3",
		    "or(cmp[a.b = 1], and(cmp[c.d = 2], not(cmp[e.f = 3])))");
	assert_tree("a.b=1 and c.d=2 or e.f=3", "or(and(cmp[a.b = 1], cmp[c.d = 2]), cmp[e.f = 3])");
	assert_tree("not a.b=1 and c.d=2", "and(not(cmp[a.b = 1]), cmp[c.d = 2])");
	assert_tree("not a.b=1 or not c.d=2", "or(not(cmp[a.b = 1]), not(cmp[c.d = 2]))");
	assert_tree("not not a.b=1", "not(not(cmp[a.b = 1]))");
	/* left-associative chains */
	assert_tree("a.b=1 and c.d=2 and e.f=3",
		    "and(and(cmp[a.b = 1], cmp[c.d = 2]), cmp[e.f = 3])");
	assert_tree("a.b=1 or c.d=2 or e.f=3", "or(or(cmp[a.b = 1], cmp[c.d = 2]), cmp[e.f = 3])");
}

static void test_parentheses(void **state)
{
	struct vg_cond_err err;
	struct vg_ast *n;

	assert_tree("(a.b=1 or c.d=2) and e.f=3", "and(or(cmp[a.b = 1], cmp[c.d = 2]), cmp[e.f = 3])");
	assert_tree("a.b=1 and (c.d=2 or e.f=3)", "and(cmp[a.b = 1], or(cmp[c.d = 2], cmp[e.f = 3]))");
	assert_tree("not (a.b=1 or c.d=2)", "not(or(cmp[a.b = 1], cmp[c.d = 2]))");
	assert_tree("((((a.b=1))))", "cmp[a.b = 1]");
	assert_tree("( a.b=1 )and(c.d=2)", "and(cmp[a.b = 1], cmp[c.d = 2])");
	/* new lines and tabs are blanks (folded YAML keeps some) */
	assert_tree("\n\ta.b=1\n\tand\n\t(c.d=2)\n", "and(cmp[a.b = 1], cmp[c.d = 2])");

	/* node offsets: an and/or starts at its left operand, a not at 'not' */
	n = vg_cond_parse(&A, "  (x.y=1) or not z.w=2", &err);
	assert_non_null(n);
	assert_int_equal(n->kind, VG_AST_OR);
	assert_int_equal(n->off, 3);
	assert_int_equal(n->a->off, 3);
	assert_int_equal(n->b->kind, VG_AST_NOT);
	assert_int_equal(n->b->off, 13);
	assert_int_equal(n->b->a->off, 17);
	assert_int_equal(n->b->a->op_off, 20);
	assert_int_equal(n->b->a->vals[0].off, 21);
}

/* --- values ------------------------------------------------------------------------ */

static void test_quoting(void **state)
{
	struct vg_ast *n;

	n = cmp("proc.name = 'bash'");
	assert_string_equal(n->vals[0].s, "bash");
	assert_true(n->vals[0].quoted);
	assert_int_equal(n->vals[0].off, 12); /* at the quote */

	n = cmp("proc.name = \"bash\"");
	assert_string_equal(n->vals[0].s, "bash");
	assert_true(n->vals[0].quoted);

	/* spaces, operators, parentheses and keywords inside quotes are text */
	n = cmp("proc.cmdline contains \"a = b (c) and not d, e\"");
	assert_string_equal(n->vals[0].s, "a = b (c) and not d, e");
	n = cmp("proc.cmdline = 'two words'");
	assert_string_equal(n->vals[0].s, "two words");
	n = cmp("proc.name = 'and'");
	assert_string_equal(n->vals[0].s, "and");

	/* escaped quotes and backslashes */
	n = cmp("proc.cmdline = \"say \\\"hi\\\"\"");
	assert_string_equal(n->vals[0].s, "say \"hi\"");
	n = cmp("proc.cmdline = 'it\\'s'");
	assert_string_equal(n->vals[0].s, "it's");
	n = cmp("proc.cmdline = 'a\\\\b'");
	assert_string_equal(n->vals[0].s, "a\\b");
	/* the other quote needs no escape */
	n = cmp("proc.cmdline = 'say \"hi\"'");
	assert_string_equal(n->vals[0].s, "say \"hi\"");
	n = cmp("proc.cmdline = \"it's\"");
	assert_string_equal(n->vals[0].s, "it's");
	/* other backslash pairs stay (regular expressions keep them) */
	n = cmp("proc.name regex '\\d+\\.x'");
	assert_string_equal(n->vals[0].s, "\\d+\\.x");
	/* the empty string */
	n = cmp("proc.name = ''");
	assert_string_equal(n->vals[0].s, "");
	assert_true(n->vals[0].quoted);
	/* quoted values in lists */
	assert_tree("proc.name in (bash, \"sh\", 'z sh')", "cmp[proc.name in (bash 'sh' 'z sh')]");
}

static void test_bare_values(void **state)
{
	struct vg_ast *n;

	n = cmp("fd.name = /etc/shadow");
	assert_string_equal(n->vals[0].s, "/etc/shadow");
	assert_false(n->vals[0].quoted);
	n = cmp("fd.name=/etc/shadow");
	assert_string_equal(n->vals[0].s, "/etc/shadow");
	n = cmp("evt.rawres = -1");
	assert_string_equal(n->vals[0].s, "-1");
	n = cmp("evt.rawres<-1");
	assert_int_equal(n->op, VG_OP_LT);
	assert_string_equal(n->vals[0].s, "-1");
	n = cmp("fd.net = 10.0.0.0/8");
	assert_string_equal(n->vals[0].s, "10.0.0.0/8");
	n = cmp("fd.name glob /tmp/*.sh");
	assert_string_equal(n->vals[0].s, "/tmp/*.sh");
	n = cmp("proc.name = x-y_z.1:2@3");
	assert_string_equal(n->vals[0].s, "x-y_z.1:2@3");
	/* a bare value ends at a parenthesis */
	assert_tree("(fd.name = /tmp)", "cmp[fd.name = /tmp]");
	/* fields with an index or an argument name are one word */
	n = cmp("proc.aname[2] = sshd");
	assert_string_equal(n->name, "proc.aname[2]");
	n = cmp("evt.arg.flags contains O_CREAT");
	assert_string_equal(n->name, "evt.arg.flags");
	assert_string_equal(n->vals[0].s, "O_CREAT");
	/* an operator word as a value needs quotes; other words are values */
	n = cmp("proc.name = bash");
	assert_false(n->vals[0].quoted);
}

static void test_lists(void **state)
{
	struct vg_ast *n;

	n = cmp("proc.name in (bash, sh, zsh)");
	assert_true(n->list);
	assert_int_equal(n->nvals, 3);
	assert_string_equal(n->vals[0].s, "bash");
	assert_string_equal(n->vals[1].s, "sh");
	assert_string_equal(n->vals[2].s, "zsh");
	assert_int_equal(n->vals[0].off, 14);
	assert_int_equal(n->vals[1].off, 20);
	assert_int_equal(n->vals[2].off, 24);

	/* the empty list */
	n = cmp("proc.name in ()");
	assert_true(n->list);
	assert_int_equal(n->nvals, 0);
	n = cmp("proc.name in ( )");
	assert_true(n->list);
	assert_int_equal(n->nvals, 0);
	/* one item, no blanks, trailing blanks */
	assert_tree("proc.name in (bash)", "cmp[proc.name in (bash)]");
	assert_tree("proc.name in(a,b)", "cmp[proc.name in (a b)]");
	assert_tree("proc.name in ( a , b )", "cmp[proc.name in (a b)]");
	/* a list name without parentheses is a single (unquoted) value: the
	 * compiler expands it */
	n = cmp("proc.name in shell_binaries");
	assert_false(n->list);
	assert_int_equal(n->nvals, 1);
	assert_string_equal(n->vals[0].s, "shell_binaries");
	assert_false(n->vals[0].quoted);
	/* keywords inside a list are values */
	assert_tree("proc.name in (and, or, not)", "cmp[proc.name in (and or not)]");
	/* lists combine with the rest */
	assert_tree("proc.name in (a, b) and fd.name pmatch (/etc)",
		    "and(cmp[proc.name in (a b)], cmp[fd.name pmatch (/etc)])");
}

static void test_macros(void **state)
{
	struct vg_ast *n;
	struct vg_cond_err err;

	n = vg_cond_parse(&A, "spawned_process", &err);
	assert_non_null(n);
	assert_int_equal(n->kind, VG_AST_MACRO);
	assert_string_equal(n->name, "spawned_process");
	assert_int_equal(n->off, 0);

	assert_tree("open_read and not proc.name in (cat) or my_macro",
		    "or(and(macro[open_read], not(cmp[proc.name in (cat)])), macro[my_macro])");
	assert_tree("not (a_macro)", "not(macro[a_macro])");
	assert_tree("not never_true", "not(macro[never_true])");
	/* a dotted name is a field: it needs an operator */
	assert_err("a.macro", 7, "expected an operator after field 'a.macro'");
	/* a macro is not followed by an operator */
	assert_err("my_macro = 1", 9, "expected 'and', 'or' or the end of the condition");
}

/* --- errors ------------------------------------------------------------------------- */

static void test_errors(void **state)
{
	assert_err("", 0, "empty condition");
	assert_err("   \n\t ", 0, "empty condition");

	assert_err("proc.name = \"bash", 12, "unterminated \"quoted\" string");
	assert_err("proc.name = 'bash", 12, "unterminated 'quoted' string");
	assert_err("proc.name = 'bash\\'", 12, "unterminated 'quoted' string");
	assert_err("proc.name in (a, 'b", 17, "unterminated 'quoted' string");

	assert_err("proc.name bash", 10, "expected an operator after field 'proc.name'");
	assert_err("proc.name", 9, "expected an operator after field 'proc.name'");
	assert_err("proc.name (", 10, "expected an operator after field 'proc.name'");

	assert_err("proc.name =", 11, "expected a value after '='");
	assert_err("proc.name = and fd.name = x", 12, "expected a value after '='");
	assert_err("proc.name startswith )", 21, "expected a value after 'startswith'");
	assert_err("proc.name in", 12, "expected a value after 'in'");
	assert_err("proc.name contains contains", 19, "expected a value after 'contains'");

	assert_err("proc.name ! bash", 10, "'!' must be followed by '=' (use 'not' to negate)");
	assert_err("!proc.name = bash", 0, "'!' must be followed by '=' (use 'not' to negate)");

	assert_err("(proc.name = a", 14, "expected ')' to close the '(' opened earlier");
	assert_err("((proc.name = a) and fd.name = b", 32,
		   "expected ')' to close the '(' opened earlier");
	assert_err("proc.name = a)", 13, "')' without a matching '('");
	assert_err("(proc.name = a))", 15, "')' without a matching '('");
	assert_err("()", 1, "expected a field or macro name here");
	assert_err(")", 0, "expected a field or macro name here");

	assert_err("proc.name = a b", 14, "expected 'and', 'or' or the end of the condition");
	assert_err("proc.name = a, b", 13, "expected 'and', 'or' or the end of the condition");
	assert_err("my_macro other_macro", 9, "expected 'and', 'or' or the end of the condition");

	assert_err("proc.name = (a, b)", 10, "operator '=' takes one value, not a list");
	assert_err("proc.name startswith (a)", 10, "operator 'startswith' takes one value, not a list");
	assert_err("proc.name contains ()", 10, "operator 'contains' takes one value, not a list");

	assert_err("proc.name in (a,", 16, "expected a value in the list");
	assert_err("proc.name in (a,)", 16, "expected a value in the list");
	assert_err("proc.name in (,a)", 14, "expected a value in the list");
	assert_err("proc.name in (a b)", 16, "expected ',' or ')' in the list");
	assert_err("proc.name in (a", 15, "expected ',' or ')' in the list");

	assert_err("and", 0, "expected a field or macro name here");
	assert_err("proc.name = a and", 17, "condition ends where a field or macro was expected");
	assert_err("proc.name = a or or fd.name = b", 17, "expected a field or macro name here");
	assert_err("not", 3, "condition ends where a field or macro was expected");
	assert_err("= a", 0, "expected a field or macro name here");
	assert_err("in (a)", 0, "expected a field or macro name here");
}

/* Deeply nested conditions are refused with an error, without recursing
 * the stack away. */
static void test_nesting_bound(void **state)
{
	const size_t deep = 100000;
	char *s = malloc(3 * deep + 16);
	struct vg_cond_err err;
	size_t k = 0;

	assert_non_null(s);
	/* parentheses */
	for (size_t i = 0; i < deep; i++)
		s[k++] = '(';
	strcpy(s + k, "a.b=1");
	assert_null(vg_cond_parse(&A, s, &err));
	assert_string_equal(err.msg, "condition nested deeper than 200 levels");
	assert_true(err.off < 200);

	/* not not not ... */
	k = 0;
	for (size_t i = 0; i < deep / 4; i++) {
		memcpy(s + k, "not ", 4);
		k += 4;
	}
	strcpy(s + k, "a.b=1");
	assert_null(vg_cond_parse(&A, s, &err));
	assert_string_equal(err.msg, "condition nested deeper than 200 levels");
	assert_int_equal(err.off % 4, 0);
	assert_true(err.off < 4 * 200);

	/* a few levels are fine */
	k = 0;
	for (size_t i = 0; i < 50; i++)
		s[k++] = '(';
	strcpy(s + k, "a.b=1");
	k += 5;
	for (size_t i = 0; i < 50; i++)
		s[k++] = ')';
	s[k] = '\0';
	assert_tree(s, "cmp[a.b = 1]");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_comparison_operators, setup, teardown),
		cmocka_unit_test_setup_teardown(test_word_operators, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_precedence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parentheses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quoting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bare_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_macros, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nesting_bound, setup, teardown),
	};

	return cmocka_run_group_tests_name("cond", tests, NULL, NULL);
}
