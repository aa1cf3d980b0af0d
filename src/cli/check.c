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
#include "config/config.h"
#include "pipeline/syscalls.h"
#include "output/json.h"
#include "rules/bundled.h"
#include "rules/kfilter.h"
#include "rules/ruleset.h"

static void check_usage(FILE *f)
{
	fprintf(f, "usage: vigil check [--explain] FILE|DIR...\n"
		   "       vigil check --config FILE [-o KEY=VALUE]... [FILE|DIR...]\n\n"
		   "Validate Falco-format rule files (loaded in order, later ones amending\n"
		   "earlier ones). Errors print as file:line:col: message; exit 0 when\n"
		   "valid, 2 when not. --explain prints, per rule, the event types it is\n"
		   "evaluated for, its condition as user space evaluates it, and the part\n"
		   "the kernel checks first (\"true\": nothing the kernel can narrow).\n"
		   "--config validates a vigil.yaml (and its drop-ins and -o overrides) and\n"
		   "the rules it names, without starting anything.\n");
}

/* The event type names a rule is evaluated for, each once (a successful
 * exec and a failed execve share the name "execve"). */
static size_t rule_evnames(const struct vg_rule *r, const char **names)
{
	size_t n = 0;

	for (unsigned e = 0; e < VG_EV_MAX; e++) {
		const char *name = r->ev[e] ? vg_ev_name(e) : NULL;
		size_t k;

		if (!name)
			continue;
		for (k = 0; k < n && strcmp(names[k], name); k++)
			;
		if (k == n)
			names[n++] = name;
	}
	return n;
}

static void print_evtypes(const struct vg_rule *r, FILE *out)
{
	const char *names[VG_EV_MAX];
	size_t n = rule_evnames(r, names);

	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%s", i ? "," : "", names[i]);
}

void cli_rules_summary(const char *cmd, const struct vg_diag *diag, const char *outcome)
{
	fprintf(stderr, "vigil: %s: %u error%s, %u warning%s", cmd, diag->errors,
		diag->errors == 1 ? "" : "s", diag->warnings, diag->warnings == 1 ? "" : "s");
	if (diag->rules_total)
		fprintf(stderr, "; %u of %u rules compile", diag->rules_total - diag->rules_bad,
			diag->rules_total);
	if (outcome)
		fprintf(stderr, "; %s", outcome);
	fputc('\n', stderr);
}

int cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "explain", no_argument, NULL, 'e' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vg_diag diag = { .out = stderr, .lint = true };
	struct vg_ruleset *rs;
	struct vg_config cfg;
	const char *config = NULL, *overrides[64];
	const char *const *paths;
	size_t npaths, noverrides = 0;
	bool explain = false;
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "ec:o:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'e':
			explain = true;
			break;
		case 'c':
			config = optarg;
			break;
		case 'o':
			if (noverrides == 64) {
				vg_err("check: at most 64 -o");
				return VG_EXIT_USAGE;
			}
			overrides[noverrides++] = optarg;
			break;
		case 'h':
			check_usage(stdout);
			return VG_EXIT_OK;
		default:
			check_usage(stderr);
			return VG_EXIT_USAGE;
		}
	}
	if (optind >= argc && !config) {
		check_usage(stderr);
		return VG_EXIT_USAGE;
	}
	vg_config_init(&cfg);
	paths = (const char *const *)argv + optind;
	npaths = (size_t)(argc - optind);
	if (config) {
		rc = vg_config_load(&cfg, config, true, &diag);
		for (size_t i = 0; i < noverrides; i++)
			rc |= vg_config_override(&cfg, overrides[i], &diag);
		rc |= vg_config_validate(&cfg, &diag);
		if (rc) {
			fprintf(stderr, "vigil: check: %s: %u error%s\n", config, diag.errors,
				diag.errors == 1 ? "" : "s");
			vg_config_release(&cfg);
			return VG_EXIT_USAGE;
		}
		if (!npaths) {
			paths = cfg.rules_files;
			npaths = cfg.nrules_files;
		}
	}
	if (npaths) {
		rs = vg_ruleset_load(paths, npaths, NULL, 0, &diag);
	} else {
		struct vg_rule_source bundled = vg_bundled_rules();

		rs = vg_ruleset_load(NULL, 0, &bundled, 1, &diag);
	}
	vg_config_release(&cfg);
	if (config)
		printf("%s: configuration valid\n", config);
	if (!rs) {
		cli_rules_summary("check", &diag, NULL);
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
			/* the kernel's part, per event id (the same text is said once) */
			{
				struct strbuf prev = STRBUF_INIT;

				for (unsigned e = VG_EV_SYS_BASE; e < VG_EV_MAX; e++) {
					if (!r->ev[e])
						continue;
					strbuf_reset(&sb);
					vg_kfilter_explain(r, e, &sb);
					if (prev.len && !strcmp(prev.buf, sb.buf))
						continue;
					printf("  kernel (%s): %s\n", vg_ev_name(e), sb.buf);
					strbuf_reset(&prev);
					strbuf_add(&prev, sb.buf, sb.len);
				}
				strbuf_release(&prev);
			}
		}
		/* what the kernel runs: every rule of an event type merged */
		{
			struct vg_kfilter kf;

			if (vg_kfilter_build(&kf, rs, false) == 0) {
				printf("kernel filter tables (all rules merged, as loaded):\n");
				for (unsigned e = VG_EV_SYS_BASE; e < VG_EV_MAX; e++) {
					if (!rs->n_by_ev[e])
						continue;
					strbuf_reset(&sb);
					vg_kfilter_explain_table(&kf, e, &sb);
					printf("  %s: %s\n", vg_ev_name(e), sb.buf);
				}
			}
			vg_kfilter_release(&kf);
		}
		strbuf_release(&sb);
	}
	printf("%zu rules loaded (%zu disabled), %zu macros, %zu lists, %u warning%s\n", rs->nrules,
	       rs->ndisabled, rs->nmacros, rs->nlists, diag.warnings, diag.warnings == 1 ? "" : "s");
	vg_ruleset_free(rs);
	return VG_EXIT_OK;
}

static void rules_usage(FILE *f)
{
	fprintf(f, "usage: vigil rules list [--rules FILE|DIR]... [--json]\n"
		   "       vigil rules dump\n\n"
		   "list: name, priority, mode, tags and event types of each enabled rule\n"
		   "      (the bundled ruleset unless --rules is given).\n"
		   "dump: print the bundled ruleset, to copy and tune.\n");
}

static void rules_list_json(const struct vg_ruleset *rs)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < rs->nrules; i++) {
		const struct vg_rule *r = rs->rules[i];
		struct json_w w;

		strbuf_reset(&sb);
		jw_init(&w, &sb);
		jw_obj_begin(&w, NULL);
		jw_str(&w, "rule", r->name);
		jw_str(&w, "priority", vg_prio_name(r->prio));
		jw_str(&w, "mode", vg_mode_name(r->mode));
		jw_str(&w, "action", vg_action_name(r->action));
		jw_arr_begin(&w, "tags");
		for (size_t t = 0; t < r->ntags; t++)
			jw_str(&w, NULL, r->tags[t]);
		jw_arr_end(&w);
		{
			const char *names[VG_EV_MAX];
			size_t n = rule_evnames(r, names);

			jw_arr_begin(&w, "event_types");
			for (size_t k = 0; k < n; k++)
				jw_str(&w, NULL, names[k]);
			jw_arr_end(&w);
		}
		jw_obj_end(&w);
		printf("%s\n", sb.buf);
	}
	strbuf_release(&sb);
}

int cmd_rules(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *paths[64];
	size_t npaths = 0;
	struct vg_rule_source bundled = vg_bundled_rules();
	struct vg_diag diag = { .out = stderr };
	struct vg_ruleset *rs;
	bool json = false;
	int opt;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		rules_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? VG_EXIT_USAGE : VG_EXIT_OK;
	}
	if (!strcmp(argv[1], "dump")) {
		fwrite(bundled.text, 1, bundled.len, stdout);
		return VG_EXIT_OK;
	}
	if (strcmp(argv[1], "list")) {
		vg_err("rules: unknown sub-command '%s' (list or dump)", argv[1]);
		return VG_EXIT_USAGE;
	}
	optind = 1;
	while ((opt = getopt_long(argc - 1, argv + 1, "r:jh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			if (npaths == 64) {
				vg_err("--rules: at most 64");
				return VG_EXIT_USAGE;
			}
			paths[npaths++] = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			rules_usage(stdout);
			return VG_EXIT_OK;
		default:
			rules_usage(stderr);
			return VG_EXIT_USAGE;
		}
	}
	rs = vg_ruleset_load(paths, npaths, &bundled, npaths ? 0 : 1, &diag);
	if (!rs)
		return VG_EXIT_USAGE;
	if (json) {
		rules_list_json(rs);
	} else {
		printf("%-40s %-13s %-8s %-28s %s\n", "RULE", "PRIORITY", "MODE", "TAGS", "EVENT TYPES");
		for (size_t i = 0; i < rs->nrules; i++) {
			const struct vg_rule *r = rs->rules[i];
			struct strbuf tags = STRBUF_INIT;

			for (size_t t = 0; t < r->ntags; t++)
				strbuf_addf(&tags, "%s%s", t ? "," : "", r->tags[t]);
			printf("%-40s %-13s %-8s %-28s ", r->name, vg_prio_name(r->prio),
			       vg_mode_name(r->mode), tags.buf);
			print_evtypes(r, stdout);
			printf("\n");
			strbuf_release(&tags);
		}
	}
	vg_ruleset_free(rs);
	return VG_EXIT_OK;
}
