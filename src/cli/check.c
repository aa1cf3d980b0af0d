// SPDX-License-Identifier: Apache-2.0
/*
 * `vigil check [--explain] FILE...`: load rule files as `run` would and
 * report every error as file:line:col; exit 0 when valid, 2 when not.
 * `vigil rules list|dump`: what a ruleset holds, and the bundled rules.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/log.h"
#include "pipeline/syscalls.h"
#include "rules/ruleset.h"

static void check_usage(FILE *f)
{
	fprintf(f, "usage: vigil check [--explain] FILE|DIR...\n\n"
		   "Validate Falco-format rule files (loaded in order, later ones amending\n"
		   "earlier ones). Errors print as file:line:col: message; exit 0 when\n"
		   "valid, 2 when not. --explain prints each rule's compiled condition and\n"
		   "the event types it is evaluated for.\n");
}

static void print_evtypes(const struct vg_rule *r, FILE *out)
{
	bool first = true;

	for (unsigned e = 0; e < VG_EV_MAX; e++) {
		if (!r->ev[e])
			continue;
		fprintf(out, "%s%s", first ? "" : ",", vg_ev_name(e));
		first = false;
	}
}

int cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "explain", no_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vg_diag diag = { .out = stderr };
	struct vg_ruleset *rs;
	bool explain = false;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "eh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'e':
			explain = true;
			break;
		case 'h':
			check_usage(stdout);
			return VG_EXIT_OK;
		default:
			check_usage(stderr);
			return VG_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		check_usage(stderr);
		return VG_EXIT_USAGE;
	}
	rs = vg_ruleset_load((const char *const *)argv + optind, (size_t)(argc - optind), NULL, 0,
			     &diag);
	if (!rs) {
		fprintf(stderr, "vigil: check: %u error%s, %u warning%s", diag.errors,
			diag.errors == 1 ? "" : "s", diag.warnings, diag.warnings == 1 ? "" : "s");
		if (diag.rules_total)
			fprintf(stderr, "; %u of %u rules compile", diag.rules_total - diag.rules_bad,
				diag.rules_total);
		fputc('\n', stderr);
		return VG_EXIT_USAGE;
	}
	if (explain) {
		struct strbuf sb = STRBUF_INIT;

		for (size_t i = 0; i < rs->nrules; i++) {
			const struct vg_rule *r = rs->rules[i];

			strbuf_reset(&sb);
			vg_rule_explain(r, &sb);
			printf("rule: %s\n  event types: ", r->name);
			print_evtypes(r, stdout);
			printf("\n  user space: %s\n", sb.buf);
		}
		strbuf_release(&sb);
	}
	printf("%zu rules loaded (%zu disabled), %zu macros, %zu lists, %u warning%s\n", rs->nrules,
	       rs->ndisabled, rs->nmacros, rs->nlists, diag.warnings, diag.warnings == 1 ? "" : "s");
	vg_ruleset_free(rs);
	return VG_EXIT_OK;
}
