/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kernel timestamps are CLOCK_BOOTTIME ns (they keep counting across
 * suspend, like the kernel's start_boottime); alerts print wall-clock UTC.
 */
#ifndef VIGIL_CLOCK_H
#define VIGIL_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Wall-clock ns since the epoch for a CLOCK_BOOTTIME ns value. */
uint64_t vg_clock_wall(uint64_t boot_ns);
/* CLOCK_BOOTTIME now, in ns. */
uint64_t vg_clock_boot_now(void);
/* "2026-11-22T01:02:03.123456789Z" into buf (at least 32 bytes). */
void vg_clock_rfc3339(uint64_t wall_ns, char *buf, size_t size);

/* Parse that form back ("Z" only; 0 to 9 fraction digits) into wall-clock
 * ns: 0, or -EINVAL. */
int vg_clock_parse_rfc3339(const char *s, int64_t *wall_ns);

#endif /* VIGIL_CLOCK_H */
