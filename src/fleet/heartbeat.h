/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The heartbeat an agent publishes on vigil.state.<host> every N seconds,
 * the latest of which `vigil fleet status` reads (docs/FLEET.md). One JSON
 * object:
 *
 *   {"hostname":"web-1","version":"0.1.0","time":"2026-11-30T10:00:00.000000000Z",
 *    "interval_s":10,
 *    "ruleset":{"hash":"<sha256 hex>","generation":3,"revision":12},
 *    "mode_cap":"alert",
 *    "rules":[{"rule":"Read sensitive file","mode":"enforce","matches":5,
 *              "killed":0,"would_kill":5,"denied":0,"would_deny":0}],
 *    "losses":{"events":0,"alerts_dropped":0},
 *    "reload":{"failures":1,"error":"rules.yaml:3:14: unknown field 'proc.nme'"}}
 *
 * ruleset.hash: vg_bundle_hash() of the ruleset it runs (local rule files
 * included, hashed the same way); generation: reloads since start (1 = the
 * rules it started with); revision: the KV revision it runs, 0 for rules
 * not taken from the fleet. mode_cap: the cap `--mode` and SIGUSR1/2 set.
 * rules: counters since the agent started, per enabled rule. losses.events:
 * kernel ring-buffer losses; losses.alerts_dropped: alerts the spool had
 * to drop. reload.error: null when the last reload succeeded (the agent
 * then runs the pushed revision), else its first error line (the agent
 * keeps running its previous rules).
 *
 * Ownership: vg_heartbeat_parse() fills the struct with strings that
 * belong to it; vg_heartbeat_release() frees them. Return 0 or -errno.
 */
#ifndef VIGIL_FLEET_HEARTBEAT_H
#define VIGIL_FLEET_HEARTBEAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"

struct vg_hb_rule {
	const char *rule;
	const char *mode; /* the rule's own mode */
	uint64_t matches, killed, would_kill, denied, would_deny;
};

struct vg_heartbeat {
	const char *hostname;
	const char *version;
	int64_t time_ns; /* wall clock, ns since the epoch */
	uint32_t interval_s;
	const char *ruleset_hash;
	uint64_t ruleset_generation;
	uint64_t ruleset_revision;
	const char *mode_cap;
	struct vg_hb_rule *rules;
	size_t nrules;
	uint64_t events_lost;
	uint64_t alerts_dropped;
	uint64_t reload_failures;
	const char *reload_error; /* NULL: the last reload succeeded */
	void *priv_;		  /* parse: the JSON the strings live in */
};

/* Append hb as one JSON object (no newline). */
void vg_heartbeat_json(const struct vg_heartbeat *hb, struct strbuf *sb);

/* What `vigil fleet status` knows of a stored heartbeat besides its text. */
struct vg_hb_seen {
	int64_t seen_ns; /* when the stream stored it */
	int64_t now_ns;
	bool stale;   /* silent for three heartbeat intervals */
	bool current; /* its ruleset is the fleet's latest revision */
};

/* Append hb as `vigil fleet status --json` prints it, one JSON object (no
 * newline): the heartbeat's members as vg_heartbeat_json() writes them,
 * except the publisher's time and interval, which become last_seen, age_s
 * and stale, and the per-rule list, which becomes its length; ruleset gets
 * current; an absent mode_cap stays "". */
void vg_heartbeat_status_json(const struct vg_heartbeat *hb, const struct vg_hb_seen *seen,
			      struct strbuf *sb);

/* Parse a heartbeat; -EINVAL when it is not one (hostname missing, a
 * field of the wrong type), -ENOMEM. */
int vg_heartbeat_parse(const char *data, size_t len, struct vg_heartbeat *hb);
void vg_heartbeat_release(struct vg_heartbeat *hb);

#endif /* VIGIL_FLEET_HEARTBEAT_H */
