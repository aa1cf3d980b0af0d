/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Diagnostics of rule loading: errors and warnings with the place they
 * refer to, printed as `file:line:col: message` (warnings with "warning: ").
 * Errors make the whole load fail; nothing is half-applied.
 */
#ifndef VIGIL_DIAG_H
#define VIGIL_DIAG_H

#include <stdbool.h>
#include <stdio.h>

struct vg_srcpos {
	const char *file; /* not owned: lives as long as the loader's arena */
	unsigned line, col;
};

#define VG_DIAG_SEEN 512

struct vg_diag {
	FILE *out; /* where to print; NULL: count only */
	unsigned errors, warnings;
	unsigned max_errors; /* stop printing after this many (0: 50) */
	/* also warn about rules that load but are weaker than they look (a
	 * name allowlist in an enforce rule): `vigil check` sets it */
	bool lint;
	/* rules seen by the compiler, and how many of them had errors */
	unsigned rules_total, rules_bad;
	/* A macro or list used by many rules would report the same problem at
	 * the same place once per use: hashes of lines printed, to say it once. */
	unsigned long seen[VG_DIAG_SEEN];
	unsigned nseen;
};

void vg_diag_error(struct vg_diag *d, const struct vg_srcpos *pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void vg_diag_warn(struct vg_diag *d, const struct vg_srcpos *pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* VIGIL_DIAG_H */
