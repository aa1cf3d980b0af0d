// SPDX-License-Identifier: Apache-2.0
/* stderr diagnostics; see log.h. */
#include "common/log.h"

#include <bpf/libbpf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

enum vg_log_level vg_log_level = VG_LOG_INFO;
bool vg_log_stderr = true, vg_log_syslog;

void vg_log(enum vg_log_level lvl, const char *fmt, ...)
{
	static const char *const tag[] = { "error: ", "warning: ", "", "debug: " };
	char line[4096];
	va_list ap;

	if (lvl > vg_log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One line per message: fold embedded newlines. */
	for (char *p = line; *p; p++)
		if (*p == '\n')
			*p = ' ';
	if (vg_log_stderr)
		fprintf(stderr, "vigil: %s%s\n", tag[lvl], line);
	if (vg_log_syslog) {
		static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

		syslog(prio[lvl], "%s%s", tag[lvl], line);
	}
}

/* A verifier log can be long, and its end says why a program was refused:
 * keep the head and the tail of what libbpf prints. */
#define LIBBPF_HEAD 300
#define LIBBPF_TAIL 2000

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char *line;
	size_t n;

	if (level == LIBBPF_DEBUG && vg_log_level < VG_LOG_DEBUG)
		return 0;
	if (level == LIBBPF_INFO && vg_log_level < VG_LOG_DEBUG)
		return 0;
	/* whole, however long: a verifier log says why at its very end */
	if (vasprintf(&line, fmt, ap) < 0)
		return 0;
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	if (n > LIBBPF_HEAD + LIBBPF_TAIL + 5) {
		memcpy(line + LIBBPF_HEAD, " ... ", 5);
		memmove(line + LIBBPF_HEAD + 5, line + n - LIBBPF_TAIL, LIBBPF_TAIL + 1);
		n = LIBBPF_HEAD + 5 + LIBBPF_TAIL;
	}
	if (n)
		vg_log(level == LIBBPF_WARN ? VG_LOG_WARN : VG_LOG_DEBUG, "%s", line);
	free(line);
	return 0;
}

void vg_log_setup_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
