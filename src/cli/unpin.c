// SPDX-License-Identifier: Apache-2.0
/* `vigil unpin`: detach what `vigil run --pin` left attached. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/log.h"
#include "loader/loader.h"

int cmd_unpin(int argc, char **argv)
{
	int n;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: vigil unpin\n\n"
		       "Detach the programs and remove the maps that 'vigil run --pin' keeps in\n"
		       "%s (they outlive the agent on purpose).\n",
		       VG_PIN_DIR);
		return VG_EXIT_OK;
	}
	if (argc > 1) {
		vg_err("unpin: unexpected argument '%s'", argv[1]);
		return VG_EXIT_USAGE;
	}
	n = vg_loader_unpin();
	if (n < 0) {
		vg_err("unpin %s: %s", VG_PIN_DIR, strerror(-n));
		return VG_EXIT_RUNTIME;
	}
	vg_info("unpin: removed %d pin%s from %s", n, n == 1 ? "" : "s", VG_PIN_DIR);
	return VG_EXIT_OK;
}
