// SPDX-License-Identifier: Apache-2.0
/*
 * `vigil mode [observe|alert|enforce]`: ask the running agent for its mode
 * cap, or change it, over its root-only control socket (src/cli/rollout.c
 * serves it). Exit 0 when the agent answered yes, 1 when it could not be
 * reached or refused, 2 on a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/rollout.h"
#include "common/log.h"
#include "config/config.h"

static void mode_usage(FILE *f)
{
	fprintf(f, "usage: vigil mode [--socket PATH] [observe|alert|enforce]\n\n"
		   "Print the running agent's mode cap, or set it (never above the mode\n"
		   "it started with). Talks to the agent's control socket (default\n"
		   VG_CONTROL_SOCKET_DEFAULT ", vigil.control_socket in vigil.yaml).\n");
}

int cmd_mode(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = VG_CONTROL_SOCKET_DEFAULT;
	char req[64], answer[256];
	int opt, err;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "s:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			path = optarg;
			break;
		case 'h':
			mode_usage(stdout);
			return VG_EXIT_OK;
		default:
			mode_usage(stderr);
			return VG_EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		mode_usage(stderr);
		return VG_EXIT_USAGE;
	}
	if (optind < argc && vg_mode_parse(argv[optind]) < 0) {
		vg_err("mode: '%s' is not observe, alert or enforce", argv[optind]);
		return VG_EXIT_USAGE;
	}
	snprintf(req, sizeof(req), "mode%s%s", optind < argc ? " " : "",
		 optind < argc ? argv[optind] : "");
	err = vg_modectl_request(path, req, answer, sizeof(answer));
	if (err) {
		vg_err("mode: cannot reach the agent at %s: %s", path, strerror(-err));
		return VG_EXIT_RUNTIME;
	}
	fputs(answer, strncmp(answer, "error:", 6) ? stdout : stderr);
	return strncmp(answer, "error:", 6) ? VG_EXIT_OK : VG_EXIT_RUNTIME;
}
