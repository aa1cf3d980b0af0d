// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests: rules/load + rules/compile. Rule files are loaded from memory
 * (struct vg_rule_source) and from temporary files and directories; the
 * diagnostics are captured with open_memstream and asserted line by line,
 * `file:line:col: message`, exactly. The compiled form is checked through
 * vg_rule_explain (macros and lists expanded), the rule fields, and the
 * event-type sets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/strbuf.h"
#include "pipeline/syscalls.h"
#include "rules/ruleset.h"

/* --- loading and diagnostics ----------------------------------------------------- */

static struct vg_ruleset *RS;
static struct vg_diag D;
static char *dtext; /* everything printed by the last load */
static size_t dlen;

static void reset(void)
{
	vg_ruleset_free(RS);
	RS = NULL;
	free(dtext);
	dtext = NULL;
	dlen = 0;
	memset(&D, 0, sizeof(D));
}

static int teardown(void **state)
{
	reset();
	return 0;
}

static bool lint; /* load as `vigil check` does */

static struct vg_ruleset *load_all(const char *const *paths, size_t npaths,
				   const struct vg_rule_source *src, size_t nsrc)
{
	FILE *f;

	reset();
	f = open_memstream(&dtext, &dlen);
	assert_non_null(f);
	D.out = f;
	D.lint = lint;
	errno = 0;
	RS = vg_ruleset_load(paths, npaths, src, nsrc, &D);
	fclose(f);
	D.out = NULL;
	return RS;
}

static struct vg_ruleset *load(const char *yaml)
{
	struct vg_rule_source s = { .name = "t.yaml", .text = yaml, .len = strlen(yaml) };

	return load_all(NULL, 0, &s, 1);
}

/* Did the last load print exactly this line? */
static bool printed(const char *line)
{
	size_t n = strlen(line);

	for (const char *p = dtext; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len == n && !memcmp(p, line, n))
			return true;
		p += len + (nl != NULL);
	}
	return false;
}

static unsigned nlines(void)
{
	unsigned n = 0;

	for (size_t i = 0; i < dlen; i++)
		n += dtext[i] == '\n';
	return n;
}

#define assert_printed(line)                                                                \
	do {                                                                                \
		if (!printed(line))                                                         \
			fail_msg("expected diagnostic\n  %s\ngot:\n%s", line, dtext ? dtext : ""); \
	} while (0)

/* The load succeeds, with no diagnostics at all. */
static void load_clean(const char *yaml)
{
	if (!load(yaml) || dlen)
		fail_msg("expected a clean load, got %s:\n%s", RS ? "diagnostics" : "failure",
			 dtext ? dtext : "");
	assert_int_equal(D.errors, 0);
	assert_int_equal(D.warnings, 0);
}

/* The load fails with exactly one error, this line. */
static void load_error(const char *yaml, const char *line)
{
	if (load(yaml))
		fail_msg("expected the load to fail with\n  %s\ngot:\n%s", line, dtext ? dtext : "");
	assert_int_equal(errno, EINVAL);
	assert_printed(line);
	if (D.errors != 1)
		fail_msg("expected one error, got %u:\n%s", D.errors, dtext);
}

static struct vg_rule *rule(const char *name)
{
	assert_non_null(RS);
	for (size_t i = 0; i < RS->nrules; i++)
		if (!strcmp(RS->rules[i]->name, name))
			return RS->rules[i];
	fail_msg("no enabled rule '%s'", name);
	return NULL;
}

static const char *explain(const char *name)
{
	static char buf[4096];
	struct strbuf sb = STRBUF_INIT;

	vg_rule_explain(rule(name), &sb);
	snprintf(buf, sizeof(buf), "%s", sb.buf);
	strbuf_release(&sb);
	return buf;
}

/* The event ids rule `name` runs for, as names: "open openat". */
static const char *evs(const char *name)
{
	static char buf[4096];
	struct vg_rule *r = rule(name);
	size_t k = 0;

	buf[0] = '\0';
	for (unsigned e = 0; e < VG_EV_MAX; e++) {
		const char *n;

		if (!r->ev[e])
			continue;
		n = e == VG_EV_PROC_EXEC ? "EXEC" : vg_ev_name(e);
		assert_non_null(n);
		k += (size_t)snprintf(buf + k, sizeof(buf) - k, "%s%s", k ? " " : "", n);
	}
	return buf;
}

/* A rule with every required key, its condition given. */
#define RULE(name, cond) \
	"- rule: " name "\n  desc: d\n  condition: " cond "\n  output: o\n  priority: INFO\n"

/* --- basics ------------------------------------------------------------------------ */

static void test_basic_rule(void **state)
{
	struct vg_rule *r;

	load_clean("- required_engine_version: 0.31.0\n"
		   "- list: shells\n"
		   "  items: [bash, sh]\n"
		   "- macro: opens\n"
		   "  condition: evt.type in (open, openat)\n"
		   "- rule: Shell reads\n"
		   "  desc: a shell opened a file\n"
		   "  condition: opens and proc.name in (shells)\n"
		   "  output: \"%proc.name opened %fd.name\"\n"
		   "  priority: WARNING\n"
		   "  tags: [T1003, filesystem]\n");
	assert_int_equal(RS->nrules, 1);
	assert_int_equal(RS->nmacros, 1);
	assert_int_equal(RS->nlists, 1);
	assert_int_equal(RS->ndisabled, 0);
	r = rule("Shell reads");
	assert_string_equal(r->desc, "a shell opened a file");
	assert_string_equal(r->condition, "opens and proc.name in (shells)");
	assert_int_equal(r->prio, VG_PRIO_WARNING);
	assert_string_equal(vg_prio_name(r->prio), "Warning");
	assert_int_equal(r->ntags, 2);
	assert_string_equal(r->tags[0], "T1003");
	assert_string_equal(r->tags[1], "filesystem");
	/* defaults of vigil's own keys */
	assert_int_equal(r->mode, VG_MODE_ALERT);
	assert_int_equal(r->action, VG_ACTION_KILL);
	/* the rule is where its mapping starts */
	assert_string_equal(r->pos.file, "t.yaml");
	assert_int_equal(r->pos.line, 6);
	assert_int_equal(r->pos.col, 3);
	assert_string_equal(explain("Shell reads"),
			    "(evt.type in (open, openat) and proc.name in (bash, sh))");
	/* the output's fields, in order, once each */
	assert_int_equal(vg_rule_nout_fields(r), 2);
	assert_string_equal(vg_rule_out_field_name(r, 0), "proc.name");
	assert_string_equal(vg_rule_out_field_name(r, 1), "fd.name");
	assert_null(vg_rule_out_field_name(r, 2));
	assert_non_null(vg_rule_out_field(r, 1));
	assert_null(vg_rule_out_field(r, 2));
	assert_int_equal(D.rules_total, 1);
	assert_int_equal(D.rules_bad, 0);
}

static void test_priorities_modes_actions(void **state)
{
	static const struct {
		const char *text;
		enum vg_prio p;
	} prios[] = {
		{ "EMERGENCY", VG_PRIO_EMERGENCY }, { "alert", VG_PRIO_ALERT },
		{ "Critical", VG_PRIO_CRITICAL },   { "ERROR", VG_PRIO_ERROR },
		{ "warning", VG_PRIO_WARNING },	    { "NOTICE", VG_PRIO_NOTICE },
		{ "INFORMATIONAL", VG_PRIO_INFORMATIONAL }, { "info", VG_PRIO_INFORMATIONAL },
		{ "debug", VG_PRIO_DEBUG },
	};
	char y[512];

	for (size_t i = 0; i < sizeof(prios) / sizeof(prios[0]); i++) {
		snprintf(y, sizeof(y),
			 "- rule: R\n  desc: d\n  condition: evt.type = open\n  output: o\n"
			 "  priority: %s\n",
			 prios[i].text);
		load_clean(y);
		assert_int_equal(rule("R")->prio, prios[i].p);
	}
	load_clean(RULE("A", "evt.type = open") "  mode: enforce\n  action: deny\n"
		   RULE("B", "evt.type = open") "  mode: observe\n  action: kill\n"
		   RULE("C", "evt.type = open") "  mode: alert\n");
	assert_int_equal(rule("A")->mode, VG_MODE_ENFORCE);
	assert_int_equal(rule("A")->action, VG_ACTION_DENY);
	assert_int_equal(rule("B")->mode, VG_MODE_OBSERVE);
	assert_int_equal(rule("B")->action, VG_ACTION_KILL);
	assert_int_equal(rule("C")->mode, VG_MODE_ALERT);
	assert_string_equal(vg_mode_name(VG_MODE_ENFORCE), "enforce");
	assert_string_equal(vg_action_name(VG_ACTION_DENY), "deny");
	assert_int_equal(vg_mode_parse("observe"), VG_MODE_OBSERVE);
	assert_int_equal(vg_mode_parse("block"), -1);

	load_error(RULE("R", "evt.type = open") "  mode: block\n",
		   "t.yaml:6:9: mode 'block' is not one of observe, alert, enforce");
	load_error(RULE("R", "evt.type = open") "  action: stop\n",
		   "t.yaml:6:11: action 'stop' is not one of kill, deny");
	load_error("- rule: R\n  desc: d\n  condition: evt.type = open\n  output: o\n"
		   "  priority: LOUD\n",
		   "t.yaml:5:13: priority 'LOUD' is not one of EMERGENCY, ALERT, CRITICAL, ERROR, "
		   "WARNING, NOTICE, INFORMATIONAL, DEBUG");
}

/* An enforce rule that spares processes by name is walked past by any
 * process taking the name: a warning (the rule still loads). */
static void test_enforce_name_allowlist(void **state)
{
	const char *msg;

	/* only `vigil check` lints */
	load_clean(RULE("R", "evt.type = init_module and not proc.name in (udevd, kmod)")
		   "  mode: enforce\n");
	lint = true;
	msg = "t.yaml:1:3: warning: rule 'R' is in mode enforce and spares processes "
			  "by proc.name, which any process can claim with prctl(PR_SET_NAME) or a "
			  "renamed copy of a binary; spare by proc.exepath, or report claimants "
			  "with an alert rule on the name without the path";

	assert_non_null(load(RULE("R", "evt.type = init_module and not proc.name in (udevd, kmod)")
			     "  mode: enforce\n"));
	assert_int_equal(D.warnings, 1);
	assert_printed(msg);
	assert_non_null(load(RULE("R", "evt.type = init_module and proc.name != udevd")
			     "  mode: enforce\n"));
	assert_int_equal(D.warnings, 1);
	/* an exception on the name is an allowlist too */
	assert_non_null(load(RULE("R", "evt.type = init_module") "  mode: enforce\n"
			     "  exceptions:\n    - name: loaders\n      fields: [proc.name]\n"
			     "      values: [[udevd]]\n"));
	assert_int_equal(D.warnings, 1);
	assert_printed(msg);
	/* a name the rule catches, a name allowlist in an alert rule, a double
	 * negation: no warning */
	load_clean(RULE("R", "evt.type = init_module and proc.name = insmod") "  mode: enforce\n");
	load_clean(RULE("R", "evt.type = init_module and not proc.name in (udevd)") "  mode: alert\n");
	load_clean(RULE("R", "evt.type = init_module and not proc.name != insmod")
		   "  mode: enforce\n");
	lint = false;
}

/* --- macros and lists ----------------------------------------------------------------- */

static void test_macro_and_list_nesting(void **state)
{
	load_clean("- list: sh_a\n"
		   "  items: [bash, sh]\n"
		   "- list: sh_b\n"
		   "  items: [sh_a, zsh]\n"
		   "- list: sh_c\n"
		   "  items: [sh_b, \"fish\"]\n"
		   "- list: nets\n"
		   "  items: ['\"10.0.0.0/8\"', '\"192.168.0.0/16\"']\n"
		   "- list: empty\n"
		   "  items: []\n"
		   "- macro: m_inner\n"
		   "  condition: proc.name in (sh_c)\n"
		   "- macro: m_mid\n"
		   "  condition: (evt.type = connect and m_inner)\n"
		   "- macro: m_outer\n"
		   "  condition: m_mid and not fd.net in (nets)\n" RULE("R", "m_outer or (evt.type = connect and proc.name in (empty))")
			   RULE("S", "evt.type = open and proc.name in (sh_a, sh_b, other)"));
	assert_string_equal(explain("R"),
			    "(((evt.type = connect and proc.name in (bash, sh, zsh, fish)) and not "
			    "fd.net in (10.0.0.0/8, 192.168.0.0/16)) or (evt.type = connect and proc.name in ()))");
	/* more than four strings: sorted (by length, then bytes) for binary search */
	assert_string_equal(explain("S"),
			    "(evt.type = open and proc.name in (sh, sh, zsh, bash, bash, other))");
	/* as written, for listings */
	assert_string_equal(rule("R")->condition,
			    "m_outer or (evt.type = connect and proc.name in (empty))");
	assert_int_equal(RS->nlists, 5);
	assert_int_equal(RS->nmacros, 3);
}

static void test_cycles(void **state)
{
	load_error("- macro: ma\n"
		   "  condition: evt.type = open and mb\n"
		   "- macro: mb\n"
		   "  condition: proc.name = x or ma\n" RULE("R", "ma"),
		   "t.yaml:4:31: macro 'ma' expands into itself (a cycle)");
	load_error("- macro: self\n"
		   "  condition: evt.type = open and (self)\n" RULE("R", "self"),
		   "t.yaml:2:35: macro 'self' expands into itself (a cycle)");
	load_error("- list: la\n"
		   "  items: [a, lb]\n"
		   "- list: lb\n"
		   "  items: [b, la]\n" RULE("R", "evt.type = open and proc.name in (la)"),
		   "t.yaml:1:3: list 'la' includes itself (a cycle)");
	load_error("- list: lself\n"
		   "  items: [a, lself]\n" RULE("R", "evt.type = open and proc.name in (lself)"),
		   "t.yaml:1:3: list 'lself' includes itself (a cycle)");
	/* an unused cycle is not reported: it is never expanded (Falco does
	 * the same); but an unused macro that does not parse is */
	load("- macro: ma\n"
	     "  condition: mb\n"
	     "- macro: mb\n"
	     "  condition: ma\n" RULE("R", "evt.type = open"));
	assert_non_null(RS);
	load_error("- macro: unused\n"
		   "  condition: proc.name = (a\n" RULE("R", "evt.type = open"),
		   "t.yaml:2:28: expected ',' or ')' in the list (in macro 'unused')");
}

static void test_unknown_names(void **state)
{
	load_error(RULE("R", "evt.type = open and nosuch_macro"),
		   "t.yaml:3:34: unknown macro 'nosuch_macro' (fields have a dot: is it a typo?)");
	/* the failing macro on the left of and/or (its event-type set is unset) */
	load_error(RULE("R", "nosuch_macro and evt.type = open"),
		   "t.yaml:3:14: unknown macro 'nosuch_macro' (fields have a dot: is it a typo?)");
	load_error(RULE("R", "nosuch_macro or evt.type = open"),
		   "t.yaml:3:14: unknown macro 'nosuch_macro' (fields have a dot: is it a typo?)");
	load_error(RULE("R", "evt.type = open and proc.nmae = bash"),
		   "t.yaml:3:34: unknown field 'proc.nmae'");
	load_error(RULE("R", "evt.type = open and proc.name[1] = bash"),
		   "t.yaml:3:34: field 'proc.name[1]': bad index (a number in [ ] where the field "
		   "takes one)");
	load_error(RULE("R", "evt.type = open and proc.aname[x] = bash"),
		   "t.yaml:3:34: field 'proc.aname[x]': bad index (a number in [ ] where the field "
		   "takes one)");
	/* a field Falco has and vigil does not fill: one warning per field */
	load(RULE("R", "evt.type = open and evt.latency > 3 and not evt.latency = 4"));
	assert_non_null(RS);
	assert_int_equal(D.warnings, 1);
	assert_printed("t.yaml:3:34: warning: field 'evt.latency' is not filled by vigil yet: "
		       "conditions on it are false and outputs show <NA>");
}

static void test_type_errors(void **state)
{
	load_error(RULE("R", "evt.type = open and proc.pid contains 1"),
		   "t.yaml:3:43: operator 'contains' does not apply to field 'proc.pid' (unsigned "
		   "integer)");
	load_error(RULE("R", "evt.type = open and proc.name > 3"),
		   "t.yaml:3:44: operator '>' does not apply to field 'proc.name' (string)");
	load_error(RULE("R", "evt.type = open and fd.sip startswith 10."),
		   "t.yaml:3:41: operator 'startswith' does not apply to field 'fd.sip' (IP "
		   "address)");
	load_error(RULE("R", "evt.type = open and evt.failed regex t.*"),
		   "t.yaml:3:45: operator 'regex' does not apply to field 'evt.failed' (boolean)");
	load_error(RULE("R", "evt.type = open and proc.pid = abc"),
		   "t.yaml:3:45: 'abc' is not a valid unsigned integer");
	load_error(RULE("R", "evt.type = open and proc.pid = -1"),
		   "t.yaml:3:45: '-1' is not a valid unsigned integer");
	load_error(RULE("R", "evt.type = open and evt.rawres < 1x"),
		   "t.yaml:3:47: '1x' is not a valid integer");
	load_error(RULE("R", "evt.type = open and evt.failed = yes"),
		   "t.yaml:3:47: 'yes' is not a valid boolean");
	load_error(RULE("R", "evt.type = open and fd.sip = 1.2.3"),
		   "t.yaml:3:43: '1.2.3' is not a valid IP address");
	load_error(RULE("R", "evt.type = open and fd.net = 10.0.0.0/33"),
		   "t.yaml:3:43: '10.0.0.0/33' is not a valid IP network (address or CIDR network)");
	load_error(RULE("R", "evt.type = open and fd.rip in (10.0.0.1, ::1, nope)"),
		   "t.yaml:3:60: 'nope' is not a valid IP address");
	load_error(RULE("R", "evt.type = open and proc.name bcontains 4x41"),
		   "t.yaml:3:54: '4x41' is not a valid hex byte string");
	load_error(RULE("R", "evt.type = open and proc.name bstartswith 414"),
		   "t.yaml:3:56: '414' is not a valid hex byte string");
	load_error(RULE("R", "evt.type = open and proc.name = (a, b)"),
		   "t.yaml:3:44: operator '=' takes one value, not a list (in rule 'R')");
	/* a list name where one value is expected */
	load_error("- list: two\n  items: [a, b]\n" RULE("R", "evt.type = open and proc.name = two"),
		   "t.yaml:5:44: operator '=' takes one value, not a list");
	load(RULE("R", "evt.type = open and proc.name regex '('"));
	assert_null(RS);
	assert_int_equal(D.errors, 1);
	assert_non_null(strstr(dtext, "t.yaml:3:50: bad regular expression '(': "));
	/* numbers in other bases and good addresses are fine */
	load_clean(RULE("R", "evt.type = open and proc.pid in (0x10, 010, 8) and fd.sip = ::1 and "
			     "fd.snet = 2001:db8::/32 and fd.rip = 10.1.2.3/24 and evt.rawres >= -1"));
}

static void test_event_types(void **state)
{
	/* a known syscall vigil does not trace: a warning */
	load(RULE("R", "evt.type in (open, recvfrom)"));
	assert_non_null(RS);
	assert_int_equal(D.errors, 0);
	assert_int_equal(D.warnings, 1);
	assert_printed("t.yaml:3:33: warning: event type 'recvfrom' is not traced by vigil: this part "
		       "of the condition never matches");
	assert_string_equal(evs("R"), "open");
	/* no name at all: an error */
	load_error(RULE("R", "evt.type in (open, opne)"), "t.yaml:3:33: unknown event type 'opne'");
	/* a rule whose only event type is a typo: that, and it can never match */
	assert_null(load(RULE("R", "evt.type = procexec")));
	assert_printed("t.yaml:3:25: unknown event type 'procexec'");
	assert_printed("t.yaml:1:3: rule 'R' can never match: none of its event types is traced by "
		       "vigil");
	assert_int_equal(D.errors, 2);
	/* only untraced types: the rule can never match, an error */
	load(RULE("R", "evt.type = recvfrom and proc.name = x"));
	assert_null(RS);
	assert_int_equal(D.errors, 1);
	assert_int_equal(D.warnings, 1);
	assert_printed("t.yaml:3:25: warning: event type 'recvfrom' is not traced by vigil: this part "
		       "of the condition never matches");
	assert_printed("t.yaml:1:3: rule 'R' can never match: none of its event types is traced by "
		       "vigil");
	assert_int_equal(D.rules_bad, 1);
	/* Falco's non-syscall events are known too */
	load(RULE("R", "evt.type in (open, container)"));
	assert_non_null(RS);
	assert_int_equal(D.warnings, 1);
	/* operators that compare text do not name event types */
	load(RULE("R", "evt.type startswith open and evt.type contains pena"));
	assert_non_null(RS);
	assert_int_equal(D.errors, 0);
	assert_printed("t.yaml:1:3: warning: rule 'R' does not restrict evt.type: it is evaluated "
		       "for every event type vigil traces");
	load_clean(RULE("R", "evt.type in (open, openat) and not evt.type endswith at"));
	assert_string_equal(evs("R"), "open openat");
	/* an evt.type test ANDed with one that excludes it */
	load(RULE("R", "evt.type = open and evt.type = connect"));
	assert_null(RS);
	assert_printed("t.yaml:1:3: rule 'R' can never match: none of its event types is traced by "
		       "vigil");
}

static void test_event_type_sets(void **state)
{
	unsigned all = 0, nsys = 0;

	load("- macro: spawned\n"
	     "  condition: evt.type in (execve, execveat)\n" RULE("Exec", "spawned and proc.name = x")
		     RULE("Opens", "(evt.type = open or evt.type = openat) and fd.name = /x")
			     RULE("NotOpen", "not evt.type = open and proc.name = x")
				     RULE("NeOpen", "evt.type != open")
					     RULE("Any", "proc.name = x")
						     RULE("Lifecycle", "evt.type in (procexit, procfork)")
							     RULE("Disabled", "evt.type = kill") "  enabled: false\n");
	assert_non_null(RS);
	/* only Any is unrestricted */
	assert_int_equal(D.warnings, 1);
	assert_printed("t.yaml:23:3: warning: rule 'Any' does not restrict evt.type: it is evaluated "
		       "for every event type vigil traces");
	assert_string_equal(evs("Exec"), "EXEC execve execveat");
	assert_string_equal(evs("Opens"), "open openat");
	assert_string_equal(evs("Lifecycle"), "procfork procexit");
	/* everything vigil produces but open */
	for (unsigned e = 0; e < VG_EV_MAX; e++) {
		bool produced = e == VG_EV_PROC_EXEC || e == VG_EV_PROC_FORK ||
				e == VG_EV_PROC_EXIT || vg_sc_by_ev(e);

		all += produced;
		nsys += produced && e >= VG_EV_SYS_BASE;
		assert_int_equal(rule("NotOpen")->ev[e], produced && e != VG_EV_SYS_open);
		assert_int_equal(rule("NeOpen")->ev[e], produced && e != VG_EV_SYS_open);
		assert_int_equal(rule("Any")->ev[e], produced);
	}
	assert_int_equal(all, vg_sc_count() + 3);
	/* the index: rules per event id, in load order; disabled rules out */
	assert_int_equal(RS->nrules, 6);
	assert_int_equal(RS->ndisabled, 1);
	assert_int_equal(RS->n_by_ev[VG_EV_SYS_open], 2);
	assert_ptr_equal(RS->by_ev[VG_EV_SYS_open][0], rule("Opens"));
	assert_ptr_equal(RS->by_ev[VG_EV_SYS_open][1], rule("Any"));
	assert_int_equal(RS->n_by_ev[VG_EV_PROC_FORK], 4); /* NotOpen, NeOpen, Any, Lifecycle */
	assert_ptr_equal(RS->by_ev[VG_EV_PROC_FORK][3], rule("Lifecycle"));
	assert_int_equal(RS->n_by_ev[VG_EV_PROC_EXEC], 4);
	assert_ptr_equal(RS->by_ev[VG_EV_PROC_EXEC][0], rule("Exec"));
	assert_int_equal(RS->n_by_ev[VG_EV_SYS_kill], 3); /* NotOpen, NeOpen, Any; not Disabled */
	assert_int_equal(RS->n_by_ev[VG_EV_NONE], 0);
	assert_true(RS->sys_enabled[VG_EV_SYS_open]);
	assert_true(RS->sys_enabled[VG_EV_PROC_EXEC]);
	assert_true(RS->sys_enabled[VG_EV_SYS_kill]);
	assert_false(RS->sys_enabled[VG_EV_NONE]);
	assert_int_equal(RS->nsys, nsys);

	/* without the unrestricted rules, only what the rules name is enabled */
	load_clean("- macro: spawned\n"
		   "  condition: evt.type in (execve, execveat)\n" RULE("Exec", "spawned and proc.name = x")
			   RULE("Opens", "(evt.type = open or evt.type = openat) and fd.name = /x")
				   RULE("Disabled", "evt.type = kill") "  enabled: false\n");
	assert_int_equal(RS->nsys, 4);
	assert_true(RS->sys_enabled[VG_EV_SYS_execve]);
	assert_true(RS->sys_enabled[VG_EV_SYS_openat]);
	assert_true(RS->sys_enabled[VG_EV_PROC_EXEC]);
	assert_false(RS->sys_enabled[VG_EV_SYS_kill]);
	assert_false(RS->sys_enabled[VG_EV_SYS_connect]);
	assert_false(RS->sys_enabled[VG_EV_PROC_FORK]);
	assert_int_equal(RS->n_by_ev[VG_EV_SYS_kill], 0);
	assert_int_equal(RS->n_by_ev[VG_EV_SYS_openat], 1);
}

/* --- structure errors ---------------------------------------------------------------- */

static void test_missing_keys(void **state)
{
	load_error("- rule: R\n  condition: evt.type = open\n  output: o\n  priority: INFO\n",
		   "t.yaml:1:3: rule 'R' has no desc");
	load_error("- rule: R\n  desc: d\n  output: o\n  priority: INFO\n",
		   "t.yaml:1:3: rule 'R' has no condition");
	load_error("- rule: R\n  desc: d\n  condition: evt.type = open\n  priority: INFO\n",
		   "t.yaml:1:3: rule 'R' has no output");
	load_error("- rule: R\n  desc: d\n  condition: evt.type = open\n  output: o\n",
		   "t.yaml:1:3: rule 'R' has no priority");
	load_error("- rule: \n  desc: d\n", "t.yaml:1:3: a rule needs a name");
	load_error("- macro: m\n", "t.yaml:1:3: macro 'm' needs a condition");
	load_error("- macro: a.b\n  condition: evt.type = open\n",
		   "t.yaml:1:3: macro name 'a.b' must not contain a dot (names with dots are fields)");
	load_error("- list: l\n", "t.yaml:1:3: list 'l' has no items");
	load_error("- list: l\n  items: {a: b}\n", "t.yaml:2:10: items must be a list of strings");
	load_error("- list: l\n  items: [a, [b]]\n", "t.yaml:2:14: items must be a list of strings");
	load_error(RULE("R", "[evt.type]"), "t.yaml:3:14: this key of rule 'R' must be a string");
	load_error(RULE("R", "evt.type = open") "  enabled: maybe\n",
		   "t.yaml:6:12: enabled must be true or false");
}

static void test_unknown_items_and_keys(void **state)
{
	load_error("- rule: R\n  desc: d\n  condition: evt.type = open\n  output: o\n"
		   "  priority: INFO\n  descr: typo\n",
		   "t.yaml:6:3: unknown key 'descr' in a rule");
	load_error("- macro: m\n  condition: evt.type = open\n  conditon: x\n",
		   "t.yaml:3:3: unknown key 'conditon' in a macro");
	load_error("- list: l\n  items: [a]\n  item: [b]\n", "t.yaml:3:3: unknown key 'item' in a list");
	load_error(RULE("R", "evt.type = open") "- foo: bar\n  baz: 1\n",
		   "t.yaml:6:3: unknown item: expected rule, macro, list or required_engine_version");
	load_error("- just a string\n",
		   "t.yaml:1:3: each item must be a mapping (- rule:, - macro:, - list:)");
	load_error("rule: R\ndesc: d\n",
		   "t.yaml:1:1: a rules file is a list of items (- rule:, - macro:, - list:)");
	/* every item is checked, not only those before the first error */
	assert_null(load("- macro: m\n  condition: x.y = 1\n  oops: 1\n"
			 "- list: l\n  items: [a]\n  oops: 2\n"
			 "- rule: R\n  condition: x.y = 1\n  oops: 3\n"
			 "- rule: S\n  desc: d\n  condition: [x]\n"));
	assert_printed("t.yaml:3:3: unknown key 'oops' in a macro");
	assert_printed("t.yaml:6:3: unknown key 'oops' in a list");
	assert_printed("t.yaml:9:3: unknown key 'oops' in a rule");
	assert_printed("t.yaml:12:14: this key of rule 'S' must be a string");
	assert_int_equal(D.errors, 4);
	/* Falco keys vigil accepts and ignores */
	load_clean(RULE("R", "evt.type = open") "  source: syscall\n  warn_evttypes: false\n"
		   "  skip-if-unknown-filter: true\n"
		   "- required_plugin_versions:\n  - name: x\n    version: 1.0.0\n");
	/* empty files and documents are fine; several documents are read */
	load_clean("");
	assert_int_equal(RS->nrules, 0);
	load_clean("# nothing\n");
	load_clean("---\n" RULE("A", "evt.type = open") "---\n" RULE("B", "evt.type = openat"));
	assert_int_equal(RS->nrules, 2);
}

static void test_yaml_errors(void **state)
{
	load_error("- rule: [unclosed\n  desc: d\n",
		   "t.yaml:2:7: YAML: did not find expected ',' or ']' while parsing a flow sequence");
	load_error("- rule: R\n  desc: \"abc\n",
		   "t.yaml:3:1: YAML: found unexpected end of stream while scanning a quoted scalar");
	load_error("- rule: R\n  desc: a\n desc: b\n",
		   "t.yaml:3:2: YAML: did not find expected '-' indicator while parsing a block "
		   "collection");
	/* an error in a later document: earlier ones do not make it succeed */
	load_error("---\n" RULE("A", "evt.type = open") "---\n- [\n",
		   "t.yaml:9:1: YAML: did not find expected node content while parsing a flow node");
}

/* --- positions -------------------------------------------------------------------------- */

static void test_positions_block_scalars(void **state)
{
	/* folded block scalar over several lines */
	load_error("- rule: R\n"			      /* 1 */
		   "  desc: d\n"			      /* 2 */
		   "  condition: >\n"			      /* 3 */
		   "    evt.type = open\n"		      /* 4 */
		   "    and proc.name = bash\n"	      /* 5 */
		   "    and fd.nmae = /etc/shadow\n"	      /* 6 */
		   "  output: o\n"			      /* 7 */
		   "  priority: INFO\n",		      /* 8 */
		   "t.yaml:6:9: unknown field 'fd.nmae'");
	/* a parse error there, with strip chomping and deeper indentation */
	load_error("- rule: R\n"
		   "  desc: d\n"
		   "  condition: >-\n"
		   "      evt.type = open\n"
		   "      and (proc.name = bash\n"
		   "           or proc.name = 'sh)\n"
		   "  output: o\n"
		   "  priority: INFO\n",
		   "t.yaml:6:27: unterminated 'quoted' string (in rule 'R')");
	/* literal block scalar */
	load_error("- rule: R\n"
		   "  desc: d\n"
		   "  condition: |\n"
		   "    evt.type = open and\n"
		   "      proc.pid contains 1\n"
		   "  output: o\n"
		   "  priority: INFO\n",
		   "t.yaml:5:16: operator 'contains' does not apply to field 'proc.pid' (unsigned "
		   "integer)");
	/* plain multi-line scalar */
	load_error("- rule: R\n"
		   "  desc: d\n"
		   "  condition: evt.type = open\n"
		   "    and proc.name = bash and\n"
		   "    evt.rawres = x\n"
		   "  output: o\n"
		   "  priority: INFO\n",
		   "t.yaml:5:18: 'x' is not a valid integer");
	/* double-quoted, spanning lines, with escaped quotes before the error */
	load_error("- rule: R\n"
		   "  desc: d\n"
		   "  condition: \"evt.type = open and proc.name = \\\"a b\\\"\n"
		   "    and proc.pid = \\\"x\\\"\"\n"
		   "  output: o\n"
		   "  priority: INFO\n",
		   "t.yaml:4:21: 'x' is not a valid unsigned integer");
	/* single-quoted with a doubled quote */
	load_error("- rule: R\n"
		   "  desc: d\n"
		   "  condition: 'evt.type = open and proc.name = \"it''s\" and proc.pid > y'\n"
		   "  output: o\n"
		   "  priority: INFO\n",
		   "t.yaml:3:70: 'y' is not a valid unsigned integer");
	/* in a flow mapping */
	load_error("- {rule: R, desc: d, condition: evt.type = open and fd.nme = x, output: o, "
		   "priority: INFO}\n",
		   "t.yaml:1:53: unknown field 'fd.nme'");
	/* an empty condition */
	load_error("- rule: R\n  desc: d\n  condition: ''\n  output: o\n  priority: INFO\n",
		   "t.yaml:3:14: empty condition (in rule 'R')");
	/* the end of a condition is just after its last byte */
	load_error(RULE("R", "evt.type = open and"),
		   "t.yaml:3:33: condition ends where a field or macro was expected (in rule 'R')");
	load_error(RULE("R", "evt.type = open and (proc.name = x") "  exceptions:\n"
								     "    - name: e\n"
								     "      fields: [proc.name]\n",
		   "t.yaml:3:48: expected ')' to close the '(' opened earlier (in rule 'R')");
	load_error("- rule: R\n"
		   "  desc: d\n"
		   "  condition: >\n"
		   "    evt.type = open and\n"
		   "\n"
		   "  output: o\n"
		   "  priority: INFO\n",
		   "t.yaml:4:24: condition ends where a field or macro was expected (in rule 'R')");
}

static void test_positions_in_macros(void **state)
{
	/* the error is where the macro's text is, not where the rule uses it */
	load("- macro: m\n"
	     "  condition: >\n"
	     "    evt.type = open and\n"
	     "    proc.pid contains 1\n"
	     "- rule: A\n"
	     "  desc: d\n"
	     "  condition: m and proc.name = a\n"
	     "  output: o\n"
	     "  priority: INFO\n"
	     "- rule: B\n"
	     "  desc: d\n"
	     "  condition: proc.name = b or m\n"
	     "  output: o\n"
	     "  priority: INFO\n");
	assert_null(RS);
	assert_printed("t.yaml:4:14: operator 'contains' does not apply to field 'proc.pid' "
		       "(unsigned integer)");
	/* said once, for both rules */
	assert_int_equal(D.errors, 1);
	assert_int_equal(nlines(), 1);
	assert_int_equal(D.rules_total, 2);
	assert_int_equal(D.rules_bad, 2);

	/* nested macros: the innermost text */
	load_error("- macro: inner\n"
		   "  condition: fd.name = /a or\n"
		   "             fd.nme = /b\n"
		   "- macro: outer\n"
		   "  condition: evt.type = open and (inner)\n" RULE("R", "outer"),
		   "t.yaml:3:14: unknown field 'fd.nme'");
	/* a parse error in a macro, reported once even when used */
	load_error("- macro: bad\n"
		   "  condition: >\n"
		   "    proc.name = a and\n"
		   "    (proc.name = b\n" RULE("R", "evt.type = open and bad"),
		   "t.yaml:4:19: expected ')' to close the '(' opened earlier (in macro 'bad')");
	/* a list item's value error is at the item */
	load_error("- list: ports\n"
		   "  items: [22, 80,\n"
		   "          http]\n" RULE("R", "evt.type = connect and fd.sport in (ports)"),
		   "t.yaml:3:11: 'http' is not a valid unsigned integer");
	/* an appended condition keeps its own positions */
	load_error("- macro: m\n"
		   "  condition: evt.type = open\n"
		   "- macro: m\n"
		   "  condition: and proc.nme = x\n"
		   "  append: true\n" RULE("R", "m"),
		   "t.yaml:4:18: unknown field 'proc.nme'");
	/* a list in another source */
	{
		const char *a = "- list: l\n  items: [1, 2]\n";
		const char *b = "- list: l\n  append: true\n  items: [3, x4]\n" RULE(
			"R", "evt.type = kill and evt.rawres in (l)");
		struct vg_rule_source s[] = { { "a.yaml", a, strlen(a) }, { "b.yaml", b, strlen(b) } };

		assert_null(load_all(NULL, 0, s, 2));
		assert_printed("b.yaml:3:14: 'x4' is not a valid integer");
	}
}

/* --- amending -------------------------------------------------------------------------- */

static void test_append(void **state)
{
	struct vg_rule *r;

	load_clean("- list: l\n"
		   "  items: [a, b]\n"
		   "- list: l\n"
		   "  items: [c]\n"
		   "  append: true\n"
		   "- macro: m\n"
		   "  condition: proc.name = x\n"
		   "- macro: m\n"
		   "  condition: or proc.name = y\n"
		   "  append: true\n"
		   "- rule: R\n"
		   "  desc: first\n"
		   "  condition: evt.type = open and (m)\n"
		   "  output: out1\n"
		   "  priority: INFO\n"
		   "  tags: [t1]\n"
		   "- rule: R\n"
		   "  append: true\n"
		   "  condition: and not proc.name in (l)\n"
		   "  output: out2\n"
		   "  desc: second\n"
		   "  tags: [t2]\n");
	r = rule("R");
	assert_string_equal(r->condition, "evt.type = open and (m) and not proc.name in (l)");
	assert_string_equal(explain("R"),
			    "((evt.type = open and (proc.name = x or proc.name = y)) and not "
			    "proc.name in (a, b, c))");
	assert_string_equal(r->desc, "first second");
	assert_int_equal(r->ntags, 2);
	assert_string_equal(r->tags[0], "t1");
	assert_string_equal(r->tags[1], "t2");
	assert_int_equal(r->prio, VG_PRIO_INFORMATIONAL);
	assert_int_equal(RS->nrules, 1);

	/* appending to what does not exist */
	load_error("- list: l\n  items: [c]\n  append: true\n",
		   "t.yaml:1:3: list 'l' to append to does not exist (yet)");
	load_error("- macro: m\n  condition: x.y = 1\n  append: true\n",
		   "t.yaml:1:3: macro 'm' to amend does not exist (yet)");
	load_error("- rule: R\n  condition: and x.y = 1\n  append: true\n",
		   "t.yaml:1:3: rule 'R' to append to or override does not exist (yet)");
	load_error(RULE("R", "evt.type = open") "- rule: R\n  condition: and x.y = 1\n  append: maybe\n",
		   "t.yaml:8:11: append must be true or false");
	/* append: false is a redefinition */
	load_clean(RULE("R", "evt.type = open")
		   "- rule: R\n  desc: d2\n  condition: evt.type = openat\n  output: o\n"
		   "  priority: DEBUG\n  append: false\n");
	assert_string_equal(rule("R")->condition, "evt.type = openat");
}

static void test_override(void **state)
{
	struct vg_rule *r;

	load_clean("- rule: R\n"
		   "  desc: d\n"
		   "  condition: evt.type = open\n"
		   "  output: out1 %proc.name\n"
		   "  priority: INFO\n"
		   "  exceptions:\n"
		   "    - name: e1\n"
		   "      fields: [proc.name]\n"
		   "      values: [[cat]]\n"
		   "- rule: R\n"
		   "  condition: and fd.name = /etc/passwd\n"
		   "  output: out2 %fd.name\n"
		   "  exceptions:\n"
		   "    - name: e1\n"
		   "      values: [[less]]\n"
		   "    - name: e2\n"
		   "      fields: [proc.pname]\n"
		   "      values: [[sshd]]\n"
		   "  override:\n"
		   "    condition: append\n"
		   "    output: replace\n"
		   "    exceptions: append\n");
	r = rule("R");
	assert_string_equal(r->condition,
			    "evt.type = open and fd.name = /etc/passwd"
			    " and not ((proc.name = \"cat\") or (proc.name = \"less\"))"
			    " and not ((proc.pname = \"sshd\"))");
	assert_int_equal(vg_rule_nout_fields(r), 1);
	assert_string_equal(vg_rule_out_field_name(r, 0), "fd.name");

	/* condition: replace; exceptions: replace drops the old ones */
	load_clean(RULE("R", "evt.type = open") "  exceptions:\n"
						"    - name: e1\n"
						"      fields: [proc.name]\n"
						"      values: [[cat]]\n"
						"- rule: R\n"
						"  condition: evt.type = connect\n"
						"  exceptions:\n"
						"    - name: e3\n"
						"      fields: [proc.pname]\n"
						"      values: [[cron]]\n"
						"  override:\n"
						"    condition: replace\n"
						"    exceptions: replace\n");
	assert_string_equal(rule("R")->condition,
			    "evt.type = connect and not ((proc.pname = \"cron\"))");
	assert_string_equal(evs("R"), "connect");

	load_error(RULE("R", "evt.type = open") "- rule: R\n  condition: x\n  override:\n"
						"    condition: prepend\n",
		   "t.yaml:9:16: override of 'condition' must be 'append' or 'replace'");
	load_error(RULE("R", "evt.type = open") "- rule: R\n  condition: x\n  override: append\n",
		   "t.yaml:8:13: override must map keys to 'append' or 'replace'");
	load_error(RULE("R", "evt.type = open") "- rule: R\n  condition: x\n  append: true\n"
						"  override:\n    condition: append\n",
		   "t.yaml:10:5: use either append or override, not both");
	load_error("- rule: R\n  condition: x\n  override:\n    condition: replace\n",
		   "t.yaml:1:3: rule 'R' to append to or override does not exist (yet)");
	/* macros and lists take override too */
	load_clean("- list: l\n  items: [a]\n- list: l\n  items: [b]\n  override:\n    items: append\n"
		   "- macro: m\n  condition: proc.name = x\n"
		   "- macro: m\n  condition: proc.name = z\n  override:\n    condition: replace\n"
		   RULE("R", "evt.type = open and m and proc.name in (l)"));
	assert_string_equal(explain("R"),
			    "((evt.type = open and proc.name = z) and proc.name in (a, b))");
	load_clean("- list: l\n  items: [a]\n- list: l\n  items: [b]\n  override:\n    items: replace\n"
		   RULE("R", "evt.type = open and proc.name in (l)"));
	assert_string_equal(explain("R"), "(evt.type = open and proc.name in (b))");
}

static void test_redefine_and_enable(void **state)
{
	load_clean("- list: l\n  items: [a]\n"
		   "- list: l\n  items: [b, c]\n"
		   "- macro: m\n  condition: proc.name = x\n"
		   "- macro: m\n  condition: proc.name = y\n" RULE("First", "evt.type = open")
			   RULE("R", "evt.type = open and m") RULE("Last", "evt.type = open")
			   "- rule: R\n  desc: again\n  condition: evt.type = openat and proc.name in (l)\n"
			   "  output: o2\n  priority: ERROR\n");
	/* the redefinition replaced it in its place */
	assert_int_equal(RS->nrules, 3);
	assert_int_equal(RS->nmacros, 1);
	assert_int_equal(RS->nlists, 1);
	assert_ptr_equal(RS->rules[1], rule("R"));
	assert_string_equal(rule("R")->desc, "again");
	assert_int_equal(rule("R")->prio, VG_PRIO_ERROR);
	assert_string_equal(explain("R"), "(evt.type = openat and proc.name in (b, c))");

	/* - rule: X / enabled: false disables; enabled: true brings it back */
	load_clean(RULE("A", "evt.type = open") RULE("B", "evt.type = open")
		   "- rule: A\n  enabled: false\n");
	assert_int_equal(RS->nrules, 1);
	assert_int_equal(RS->ndisabled, 1);
	assert_string_equal(RS->rules[0]->name, "B");
	assert_int_equal(RS->n_by_ev[VG_EV_SYS_open], 1);
	load_clean(RULE("A", "evt.type = open") "  enabled: false\n- rule: A\n  enabled: true\n");
	assert_int_equal(RS->nrules, 1);
	assert_int_equal(RS->ndisabled, 0);
	/* a disabled rule is still checked */
	load_error(RULE("A", "evt.type = open and proc.nme = x") "- rule: A\n  enabled: false\n",
		   "t.yaml:3:34: unknown field 'proc.nme'");
	/* toggling a rule that does not exist is a new (incomplete) rule */
	load_error("- rule: Z\n  enabled: false\n", "t.yaml:1:3: rule 'Z' has no condition");
}

/* --- exceptions --------------------------------------------------------------------------- */

static void test_exceptions(void **state)
{
	struct vg_rule *r;

	load_clean("- rule: R\n"
		   "  desc: d\n"
		   "  condition: evt.type = open and fd.name startswith /etc\n"
		   "  output: o\n"
		   "  priority: INFO\n"
		   "  exceptions:\n"
		   "    - name: trusted\n"
		   "      fields: [proc.name, fd.name]\n"
		   "      comps: [=, startswith]\n"
		   "      values:\n"
		   "        - [cat, /etc/ssl]\n"
		   "        - [less, \"/etc/x y\"]\n"
		   "    - name: parents\n"
		   "      fields: proc.pname\n"
		   "      values: [sshd, cron]\n"
		   "    - name: lists\n"
		   "      fields: [proc.name, fd.name]\n"
		   "      comps: [in, pmatch]\n"
		   "      values:\n"
		   "        - [[vi, vim], [/etc/vim, /etc/vimrc]]\n"
		   "    - name: no_values_yet\n"
		   "      fields: [proc.name]\n"
		   "- rule: R\n"
		   "  append: true\n"
		   "  exceptions:\n"
		   "    - name: trusted\n"
		   "      values:\n"
		   "        - [\"say \\\"x\\\"\", /etc/q]\n");
	r = rule("R");
	assert_string_equal(r->condition,
			    "evt.type = open and fd.name startswith /etc"
			    " and not ((proc.name = \"cat\" and fd.name startswith \"/etc/ssl\")"
			    " or (proc.name = \"less\" and fd.name startswith \"/etc/x y\")"
			    " or (proc.name = \"say \\\"x\\\"\" and fd.name startswith \"/etc/q\"))"
			    " and not ((proc.pname in (\"sshd\")) or (proc.pname in (\"cron\")))"
			    " and not ((proc.name in (\"vi\", \"vim\") and fd.name pmatch "
			    "(\"/etc/vim\", \"/etc/vimrc\")))");
	assert_string_equal(explain("R"),
			    "((((evt.type = open and fd.name startswith /etc) and not "
			    "(((proc.name = cat and fd.name startswith /etc/ssl) or "
			    "(proc.name = less and fd.name startswith /etc/x y)) or "
			    "(proc.name = say \"x\" and fd.name startswith /etc/q))) and not "
			    "(proc.pname in (sshd) or proc.pname in (cron))) and not "
			    "(proc.name in (vi, vim) and fd.name pmatch (/etc/vim, /etc/vimrc)))");

	/* errors are at the YAML that wrote them */
	load_error(RULE("R", "evt.type = open") "  exceptions:\n"
						"    - name: e\n"
						"      fields: [proc.name, fd.nmae]\n"
						"      values: [[a, b]]\n",
		   "t.yaml:8:27: unknown field 'fd.nmae'");
	load_error(RULE("R", "evt.type = open") "  exceptions:\n"
						"    - name: e\n"
						"      fields: [proc.pid]\n"
						"      values: [[a]]\n",
		   "t.yaml:9:17: 'a' is not a valid unsigned integer");
	load_error(RULE("R", "evt.type = open") "  exceptions:\n"
						"    - name: e\n"
						"      fields: [proc.name, fd.name]\n"
						"      values:\n"
						"        - [a]\n",
		   "t.yaml:10:11: exception 'e': a value needs exactly one entry per field");
	load_error(RULE("R", "evt.type = open") "  exceptions:\n"
						"    - name: e\n"
						"      fields: [proc.name, fd.name]\n"
						"      comps: [=]\n",
		   "t.yaml:9:14: exception 'e': comps must have one entry per field");
	load_error(RULE("R", "evt.type = open") "  exceptions:\n"
						"    - fields: [proc.name]\n",
		   "t.yaml:7:7: an exception needs a name");
	load_error(RULE("R", "evt.type = open") "  exceptions:\n"
						"    - name: e\n",
		   "t.yaml:7:7: exception 'e' needs fields");
	load_error(RULE("R", "evt.type = open") "  exceptions:\n"
						"    - name: e\n"
						"      fields: [proc.name]\n"
						"      values: [a]\n",
		   "t.yaml:9:16: exception 'e': each value must be a list with one entry per field");
	load_error(RULE("R", "evt.type = open") "  exceptions:\n"
						"    - name: e\n"
						"      fields: [proc.name]\n"
						"      values: [[[a, b]]]\n",
		   "t.yaml:9:16: exception 'e': a list value needs an 'in' comparison");
	load_error(RULE("R", "evt.type = open") "  exceptions: {name: e}\n",
		   "t.yaml:6:15: exceptions must be a list");
	load_error(RULE("R", "evt.type = open") "  exceptions:\n"
						"    - name: e\n"
						"      fields: [proc.name]\n"
						"      comps: [startswith]\n"
						"      values: [[a]]\n"
						"- rule: R\n"
						"  append: true\n"
						"  exceptions:\n"
						"    - name: e\n"
						"      values: [[\"(\"], [b, c]]\n",
		   "t.yaml:15:23: exception 'e': a value needs exactly one entry per field");
}

/* --- files, directories, several sources ----------------------------------------------- */

static char tmpdir[64];

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int mk_tmpdir(void **state)
{
	strcpy(tmpdir, "/tmp/vigil-test-rules-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int rm_tmpdir(void **state)
{
	char cmd[128];

	reset();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_sources_in_order(void **state)
{
	const char *base = "- list: l\n  items: [a]\n" RULE("R", "evt.type = open and proc.name in (l)");
	const char *more = "- list: l\n  append: true\n  items: [b]\n"
			   "- rule: R\n  append: true\n  condition: and proc.pid > 1\n";
	const char *off = "- rule: R\n  enabled: false\n";
	struct vg_rule_source s[] = { { "base.yaml", base, strlen(base) },
				      { "more.yaml", more, strlen(more) },
				      { "off.yaml", off, strlen(off) } };

	assert_non_null(load_all(NULL, 0, s, 2));
	assert_string_equal(explain("R"), "((evt.type = open and proc.name in (a, b)) and proc.pid > 1)");
	/* the file where it was defined stays its position */
	assert_string_equal(rule("R")->pos.file, "base.yaml");
	assert_non_null(load_all(NULL, 0, s, 3));
	assert_int_equal(RS->nrules, 0);
	assert_int_equal(RS->ndisabled, 1);
	/* the other way round the append comes first: an error in its file */
	{
		struct vg_rule_source r[] = { s[1], s[0] };

		assert_null(load_all(NULL, 0, r, 2));
		assert_printed("more.yaml:1:3: list 'l' to append to does not exist (yet)");
		assert_printed("more.yaml:4:3: rule 'R' to append to or override does not exist (yet)");
		assert_int_equal(D.errors, 2);
	}
}

static void test_files_and_dirs(void **state)
{
	char sub[128], file[160];
	const char *paths[2];

	snprintf(sub, sizeof(sub), "%s/rules.d", tmpdir);
	assert_int_equal(mkdir(sub, 0700), 0);
	/* loaded by name: 00 < 10 < 20; .yml counts; others are skipped */
	write_file(sub, "20-last.yaml", "- list: l\n  append: true\n  items: [c]\n");
	write_file(sub, "00-first.yml", "- list: l\n  items: [a]\n");
	write_file(sub, "10-mid.yaml",
		   "- list: l\n  append: true\n  items: [b]\n" RULE("R", "evt.type = open and proc.name in (l)"));
	write_file(sub, "05-notes.txt", "this is not YAML: [\n");
	write_file(sub, ".05-hidden.yaml", "- list: l\n  items: [hidden]\n");
	write_file(sub, "30-backup.yaml~", "- rule: broken\n");
	snprintf(file, sizeof(file), "%s/local.yaml", tmpdir);
	write_file(tmpdir, "local.yaml", "- list: l\n  append: true\n  items: [d]\n");

	paths[0] = sub;
	assert_non_null(load_all(paths, 1, NULL, 0));
	assert_string_equal(explain("R"), "(evt.type = open and proc.name in (a, b, c))");
	/* a directory then a file; positions name the real file */
	paths[1] = file;
	assert_non_null(load_all(paths, 2, NULL, 0));
	assert_string_equal(explain("R"), "(evt.type = open and proc.name in (a, b, c, d))");
	{
		char want[256];

		snprintf(want, sizeof(want), "%s/10-mid.yaml", sub);
		assert_string_equal(rule("R")->pos.file, want);
		assert_int_equal(rule("R")->pos.line, 4);
	}
	/* paths come before in-memory sources */
	{
		const char *extra = "- list: l\n  append: true\n  items: [e]\n";
		struct vg_rule_source s = { "extra", extra, strlen(extra) };

		assert_non_null(load_all(paths, 2, &s, 1));
		assert_string_equal(explain("R"), "(evt.type = open and proc.name in (a, b, c, d, e))");
	}
	/* errors in a file carry its path */
	write_file(tmpdir, "bad.yaml", RULE("Bad", "evt.type = open and proc.nme = x"));
	snprintf(file, sizeof(file), "%s/bad.yaml", tmpdir);
	paths[0] = file;
	assert_null(load_all(paths, 1, NULL, 0));
	{
		char want[256];

		snprintf(want, sizeof(want), "%s:3:34: unknown field 'proc.nme'", file);
		assert_printed(want);
		snprintf(file, sizeof(file), "%s/missing.yaml", tmpdir);
		assert_null(load_all(paths, 1, NULL, 0));
		snprintf(want, sizeof(want), "%s:0:0: cannot read: No such file or directory", file);
		assert_printed(want);
	}
	/* an empty directory is an empty ruleset */
	snprintf(sub, sizeof(sub), "%s/empty.d", tmpdir);
	assert_int_equal(mkdir(sub, 0700), 0);
	paths[0] = sub;
	assert_non_null(load_all(paths, 1, NULL, 0));
	assert_int_equal(RS->nrules, 0);
}

/* --- output templates -------------------------------------------------------------------- */

static void test_output_templates(void **state)
{
	struct vg_rule *r;

	load_clean("- rule: R\n  desc: d\n  condition: evt.type = open\n"
		   "  output: >\n"
		   "    %proc.name %(proc.pid) %evt.arg.flags %evt.arg[1] %proc.aname[2]\n"
		   "    100% %proc.name again\n"
		   "  priority: INFO\n");
	r = rule("R");
	assert_int_equal(vg_rule_nout_fields(r), 5);
	assert_string_equal(vg_rule_out_field_name(r, 0), "proc.name");
	assert_string_equal(vg_rule_out_field_name(r, 1), "proc.pid");
	assert_string_equal(vg_rule_out_field_name(r, 2), "evt.arg.flags");
	assert_string_equal(vg_rule_out_field_name(r, 3), "evt.arg[1]");
	assert_string_equal(vg_rule_out_field_name(r, 4), "proc.aname[2]");
	assert_int_equal(vg_rule_out_field(r, 4)->index, 2);
	assert_int_equal(vg_rule_out_field(r, 3)->argidx, 1);
	assert_string_equal(vg_rule_out_field(r, 2)->argname, "flags");

	/* a sentence ending after a field: the dot is text */
	load_clean(RULE("R", "evt.type = open") "- rule: R\n  output: read %fd.name. by %proc.name...\n"
						"  override:\n    output: replace\n");
	assert_int_equal(vg_rule_nout_fields(rule("R")), 2);
	assert_string_equal(vg_rule_out_field_name(rule("R"), 0), "fd.name");
	assert_string_equal(vg_rule_out_field_name(rule("R"), 1), "proc.name");

	load_error("- rule: R\n  desc: d\n  condition: evt.type = open\n"
		   "  output: >\n"
		   "    file=%fd.name\n"
		   "    proc=%proc.nmae\n"
		   "  priority: INFO\n",
		   "t.yaml:6:11: unknown field 'proc.nmae' in the output");
	load_error(RULE("R", "evt.type = open") "- rule: R\n  output: x %(proc.name y\n"
						"  override:\n    output: replace\n",
		   "t.yaml:7:13: '%(' without a closing ')' in the output");
	/* unsupported fields in outputs warn */
	load(RULE("R", "evt.type = open") "- rule: R\n  output: x %evt.latency\n  append: true\n");
	assert_non_null(RS);
	assert_printed("t.yaml:7:14: warning: field 'evt.latency' is not filled by vigil yet: "
		       "conditions on it are false and outputs show <NA>");
}

/* --- size bounds ------------------------------------------------------------------------- */

/* `a or b or ...` parses to a tree as deep as the chain is long; compiling,
 * evaluating and explaining recurse on it. A long chain is an error, not a
 * stack overflow; a few hundred terms are fine. */
static void test_long_chains(void **state)
{
	struct strbuf y = STRBUF_INIT;

	strbuf_addstr(&y, "- rule: R\n  desc: d\n  output: o\n  priority: INFO\n"
			  "  condition: evt.type = open");
	for (int i = 0; i < 900; i++)
		strbuf_addf(&y, " and proc.pid != %d", i);
	strbuf_addch(&y, '\n');
	assert_non_null(load(y.buf));
	assert_int_equal(D.errors, 0);
	assert_string_equal(evs("R"), "open");

	strbuf_reset(&y);
	strbuf_addstr(&y, "- rule: R\n  desc: d\n  output: o\n  priority: INFO\n"
			  "  condition: evt.type = open");
	for (int i = 0; i < 200000; i++)
		strbuf_addf(&y, " or proc.pid = %d", i);
	strbuf_addch(&y, '\n');
	assert_null(load(y.buf));
	assert_int_equal(D.errors, 1);
	assert_printed("t.yaml:5:14: condition nested deeper than 1000 levels (after macro "
		       "expansion)");

	/* macros stack their depths */
	strbuf_reset(&y);
	strbuf_addstr(&y, "- macro: m0\n  condition: proc.pid = 0");
	for (int i = 1; i < 600; i++)
		strbuf_addf(&y, " or proc.pid = %d", i);
	strbuf_addstr(&y, "\n- macro: m1\n  condition: m0");
	for (int i = 1; i < 600; i++)
		strbuf_addf(&y, " or proc.pid = %d", i);
	strbuf_addstr(&y, "\n" RULE("R", "evt.type = open and m1"));
	assert_null(load(y.buf));
	assert_int_equal(D.errors, 1);
	assert_printed("t.yaml:2:14: condition nested deeper than 1000 levels (after macro "
		       "expansion)");
	strbuf_release(&y);
}

/* Macros and lists that use others twice over, level after level, expand
 * exponentially: a file of a few hundred bytes must fail with an error
 * rather than take seconds and gigabytes. Ten levels are fine. */
static void test_expansion_budget(void **state)
{
	struct strbuf y = STRBUF_INIT;

	for (int levels = 10; levels <= 30; levels += 20) {
		strbuf_reset(&y);
		strbuf_addstr(&y, "- macro: m0\n  condition: proc.pid = 1\n");
		for (int i = 1; i < levels; i++)
			strbuf_addf(&y, "- macro: m%d\n  condition: m%d and m%d\n", i, i - 1, i - 1);
		strbuf_addf(&y, RULE("R", "evt.type = open and m%d"), levels - 1);
		load(y.buf);
		if (levels == 10) {
			assert_non_null(RS);
			assert_int_equal(D.errors, 0);
			continue;
		}
		assert_null(RS);
		assert_int_equal(D.errors, 1);
		assert_non_null(strstr(dtext, ": the rules expand to more than 1000000 comparisons or "
					      "list values (macros or lists that use others many times "
					      "over?)\n"));
	}
	for (int levels = 10; levels <= 30; levels += 20) {
		strbuf_reset(&y);
		strbuf_addstr(&y, "- list: l0\n  items: [a, b]\n");
		for (int i = 1; i < levels; i++)
			strbuf_addf(&y, "- list: l%d\n  items: [l%d, l%d]\n", i, i - 1, i - 1);
		strbuf_addf(&y, RULE("R", "evt.type = open and proc.name in (l%d)"), levels - 1);
		load(y.buf);
		if (levels == 10) {
			assert_non_null(RS);
			assert_int_equal(D.errors, 0);
			continue;
		}
		assert_null(RS);
		assert_int_equal(D.errors, 1);
		/* at a list item, and not mistaken for a cycle */
		assert_non_null(strstr(dtext, "t.yaml:2:14: the rules expand to more than 1000000"));
		assert_null(strstr(dtext, "cycle"));
	}
	strbuf_release(&y);
}

/* --- diagnostics ---------------------------------------------------------------------- */

static void test_diag_limits(void **state)
{
	struct strbuf y = STRBUF_INIT;

	for (int i = 0; i < 80; i++)
		strbuf_addf(&y, RULE("R%d", "evt.type = open and proc.nme%d = x"), i, i);
	/* every error counted, the first 50 printed */
	assert_null(load(y.buf));
	assert_int_equal(D.errors, 80);
	assert_int_equal(nlines(), 50);
	assert_int_equal(D.rules_total, 80);
	assert_int_equal(D.rules_bad, 80);
	strbuf_release(&y);

	/* diagnostics to no stream are only counted */
	{
		struct vg_diag d = { 0 };
		const char *t = RULE("R", "evt.type = open and fd.nme = x");
		struct vg_rule_source s = { "t.yaml", t, strlen(t) };

		assert_null(vg_ruleset_load(NULL, 0, &s, 1, &d));
		assert_int_equal(d.errors, 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_basic_rule, teardown),
		cmocka_unit_test_teardown(test_priorities_modes_actions, teardown),
		cmocka_unit_test_teardown(test_enforce_name_allowlist, teardown),
		cmocka_unit_test_teardown(test_macro_and_list_nesting, teardown),
		cmocka_unit_test_teardown(test_cycles, teardown),
		cmocka_unit_test_teardown(test_unknown_names, teardown),
		cmocka_unit_test_teardown(test_type_errors, teardown),
		cmocka_unit_test_teardown(test_event_types, teardown),
		cmocka_unit_test_teardown(test_event_type_sets, teardown),
		cmocka_unit_test_teardown(test_missing_keys, teardown),
		cmocka_unit_test_teardown(test_unknown_items_and_keys, teardown),
		cmocka_unit_test_teardown(test_yaml_errors, teardown),
		cmocka_unit_test_teardown(test_positions_block_scalars, teardown),
		cmocka_unit_test_teardown(test_positions_in_macros, teardown),
		cmocka_unit_test_teardown(test_append, teardown),
		cmocka_unit_test_teardown(test_override, teardown),
		cmocka_unit_test_teardown(test_redefine_and_enable, teardown),
		cmocka_unit_test_teardown(test_exceptions, teardown),
		cmocka_unit_test_teardown(test_sources_in_order, teardown),
		cmocka_unit_test_setup_teardown(test_files_and_dirs, mk_tmpdir, rm_tmpdir),
		cmocka_unit_test_teardown(test_output_templates, teardown),
		cmocka_unit_test_teardown(test_long_chains, teardown),
		cmocka_unit_test_teardown(test_expansion_budget, teardown),
		cmocka_unit_test_teardown(test_diag_limits, teardown),
	};

	return cmocka_run_group_tests_name("rules", tests, NULL, NULL);
}
