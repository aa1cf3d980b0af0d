/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The few keys `vigil fleet rules` needs from each stored alert, read in
 * one pass without building a JSON tree: top-level "rule", "hostname",
 * "mode", "action", and "proc.exepath", "proc.name", "container.id" inside
 * "output_fields". A full parse (jansson) of a million alerts cost ~25 µs
 * each, most of the command's time; this scan checks the JSON's structure
 * as it walks it (strings, escapes, nesting, literals, numbers' characters)
 * and decodes only the strings it keeps.
 *
 * Ownership: the strings land NUL-terminated in a buffer of the caller's,
 * which they point into. Returns 0, -EINVAL when the text is not one JSON
 * object (or a kept value is not a string), -ENOSPC when the buffer is too
 * small.
 */
#ifndef VIGIL_FLEET_ALERTSCAN_H
#define VIGIL_FLEET_ALERTSCAN_H

#include <stddef.h>

struct vg_alert_keys {
	const char *rule, *hostname, *mode, *action; /* NULL when absent */
	const char *exepath, *name, *container;	     /* from output_fields */
};

int vg_alert_scan(const char *json, size_t len, struct vg_alert_keys *k, char *buf,
		  size_t size);

#endif /* VIGIL_FLEET_ALERTSCAN_H */
