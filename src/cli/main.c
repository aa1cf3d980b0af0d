// SPDX-License-Identifier: Apache-2.0
/* vigil's entry point: dispatch to one file per sub-command. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/log.h"
#include "pipeline/agent.h"

#ifndef VIGIL_VERSION
#define VIGIL_VERSION "0.1.0"
#endif

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "run", cmd_run, "the agent: evaluate rules against live events, print alerts" },
	{ "rules", cmd_rules, "list the rules a ruleset holds; dump the bundled ruleset" },
	{ "trace", cmd_trace, "stream raw events (no rules), like sysdig or tracee" },
	{ "check", cmd_check, "validate rule files (file:line:col errors), --explain them" },
	{ "probe", cmd_probe, "report what this kernel offers and which enforcement is available" },
	{ "mode", cmd_mode, "print or set the running agent's mode cap (observe, alert, enforce)" },
	{ "unpin", cmd_unpin, "detach the programs 'vigil run --pin' left attached" },
	{ "fleet", cmd_fleet, "a fleet on NATS JetStream: push rules, agents' status, rollout view" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: vigil [--version] [--help] COMMAND [ARGS]\n\n"
		   "vigil is a runtime security agent: eBPF probes at the syscall interface,\n"
		   "filtered in the kernel.\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'vigil COMMAND --help' describes a command.\n");
}

double cli_parse_seconds(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || !(v > 0) || v > 1e9)
		return -1;
	return v;
}

int cli_agent_opt(int opt, const char *arg, struct vg_agent_opts *o)
{
	switch (opt) {
	case CLI_OPT_RINGBUF:
		if (vg_parse_size(arg, &o->load.ringbuf_bytes)) {
			vg_err("--ringbuf: '%s' is not a power of two between 4K and 1G", arg);
			return -1;
		}
		return 1;
	case CLI_OPT_LC_RINGBUF:
		if (vg_parse_size(arg, &o->load.lifecycle_ringbuf_bytes)) {
			vg_err("--lifecycle-ringbuf: '%s' is not a power of two between 4K and 1G", arg);
			return -1;
		}
		return 1;
	case CLI_OPT_DOCKER_SOCKET:
		if (strlen(arg) >= 108) {
			vg_err("--docker-socket: '%s' is longer than a unix socket path can be", arg);
			return -1;
		}
		o->docker_socket = arg;
		return 1;
	case CLI_OPT_DURATION:
		o->duration_s = cli_parse_seconds(arg);
		if (o->duration_s < 0) {
			vg_err("--duration: '%s' is not a positive number of seconds", arg);
			return -1;
		}
		return 1;
	case CLI_OPT_STATS:
		o->stats = true;
		return 1;
	case CLI_OPT_STATS_INTERVAL:
		o->stats_interval_s = cli_parse_seconds(arg);
		if (o->stats_interval_s <= 0) {
			vg_err("--stats-interval: '%s' is not a positive number of seconds", arg);
			return -1;
		}
		return 1;
	case 'v':
		if (vg_log_level < VG_LOG_DEBUG)
			vg_log_level++;
		return 1;
	default:
		return 0;
	}
}

int main(int argc, char **argv)
{
	vg_log_setup_libbpf();
	if (argc < 2) {
		usage(stderr);
		return VG_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return VG_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("vigil %s\n", VIGIL_VERSION);
		return VG_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	vg_err("unknown command '%s' (see 'vigil --help')", argv[1]);
	return VG_EXIT_USAGE;
}
