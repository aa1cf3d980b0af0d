// SPDX-License-Identifier: Apache-2.0
/* Boot-time to wall-clock conversion; see clock.h. */
#include "common/clock.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static uint64_t ts_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t vg_clock_boot_now(void)
{
	return ts_ns(CLOCK_BOOTTIME);
}

uint64_t vg_clock_wall(uint64_t boot_ns)
{
	/* Re-read the offset each time: the wall clock may be stepped. Two
	 * vDSO calls, no syscall. */
	uint64_t real = ts_ns(CLOCK_REALTIME), boot = ts_ns(CLOCK_BOOTTIME);

	return real - boot + boot_ns;
}

void vg_clock_rfc3339(uint64_t wall_ns, char *buf, size_t size)
{
	time_t sec = (time_t)(wall_ns / 1000000000ull);
	struct tm tm;

	gmtime_r(&sec, &tm);
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%09uZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned)(wall_ns % 1000000000ull));
}

int vg_clock_parse_rfc3339(const char *s, int64_t *wall_ns)
{
	struct tm tm = { 0 };
	int64_t frac = 0, scale = 1000000000;
	const char *p;
	time_t sec;

	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return -EINVAL;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (scale > 1) {
				scale /= 10;
				frac += (*p - '0') * scale;
			}
		}
	}
	if (strcmp(p, "Z"))
		return -EINVAL;
	sec = timegm(&tm);
	if (sec == (time_t)-1)
		return -EINVAL;
	*wall_ns = (int64_t)sec * 1000000000 + frac;
	return 0;
}
