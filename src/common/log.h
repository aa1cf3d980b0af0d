/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Diagnostics on stderr, one line each, prefixed "vigil: ". Errors name the
 * thing that failed and why (BRIEF §1). The level can be raised by -v.
 */
#ifndef VIGIL_LOG_H
#define VIGIL_LOG_H

#include <stdbool.h>

enum vg_log_level { VG_LOG_ERROR, VG_LOG_WARN, VG_LOG_INFO, VG_LOG_DEBUG };

extern enum vg_log_level vg_log_level;
/* Where lines go: stderr (default on) and syslog(3) (default off; the
 * caller opens the log with openlog()). */
extern bool vg_log_stderr, vg_log_syslog;

void vg_log(enum vg_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define vg_err(...) vg_log(VG_LOG_ERROR, __VA_ARGS__)
#define vg_warn(...) vg_log(VG_LOG_WARN, __VA_ARGS__)
#define vg_info(...) vg_log(VG_LOG_INFO, __VA_ARGS__)
#define vg_debug(...) vg_log(VG_LOG_DEBUG, __VA_ARGS__)

/* Route libbpf's own messages through vg_log (warnings and above, or all with -v -v). */
void vg_log_setup_libbpf(void);

#endif /* VIGIL_LOG_H */
