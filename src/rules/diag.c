// SPDX-License-Identifier: Apache-2.0
/* Rule diagnostics; see diag.h. */
#include "rules/diag.h"

#include <stdarg.h>
#include <stdbool.h>

/* Format the line; false if this exact line was already reported. */
static bool emit(struct vg_diag *d, const struct vg_srcpos *pos, const char *kind,
		 const char *fmt, va_list ap)
{
	unsigned max = d->max_errors ? d->max_errors : 50;
	char line[1024];
	unsigned long h = 5381;
	int n;

	if (pos && pos->file)
		n = snprintf(line, sizeof(line), "%s:%u:%u: %s", pos->file, pos->line, pos->col, kind);
	else
		n = snprintf(line, sizeof(line), "vigil: %s", kind);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	for (const char *c = line; *c; c++)
		h = h * 33 + (unsigned char)*c;
	for (unsigned i = 0; i < d->nseen && i < VG_DIAG_SEEN; i++)
		if (d->seen[i] == h)
			return false;
	d->seen[d->nseen++ % VG_DIAG_SEEN] = h;
	if (d->out && d->errors + d->warnings < max)
		fprintf(d->out, "%s\n", line);
	return true;
}

void vg_diag_error(struct vg_diag *d, const struct vg_srcpos *pos, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (emit(d, pos, "", fmt, ap))
		d->errors++;
	va_end(ap);
}

void vg_diag_warn(struct vg_diag *d, const struct vg_srcpos *pos, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (emit(d, pos, "warning: ", fmt, ap))
		d->warnings++;
	va_end(ap);
}
