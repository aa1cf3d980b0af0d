/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An agent's link to the fleet, besides its alerts (nats_output): a thread
 * with a connection of its own that publishes the heartbeats the agent
 * hands it on vigil.state.<host>, and, with rules on, follows the fleet's
 * ruleset in the KV bucket (fleet/follow.h: each revision compiled there,
 * off the event loop) and hands each update back. The agent's loop never
 * waits on the network: it posts a heartbeat and takes an update, both
 * under a lock held for a copy.
 *
 * A server absent at start is no error: the connection is retried in the
 * background, the streams and bucket set up once it answers.
 *
 * Ownership: the link owns its thread, connection and follower; a
 * heartbeat posted is copied; a ruleset taken belongs to the caller.
 * Functions return 0 or a negative errno unless said otherwise.
 */
#ifndef VIGIL_FLEET_LINK_H
#define VIGIL_FLEET_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fleet/fleet.h"
#include "fleet/follow.h"
#include "rules/diag.h"

struct vg_fleet_link_conf {
	struct vg_fleet_opts conn;     /* strings borrowed until vg_fleet_link_new returns */
	struct vg_fleet_layout layout; /* what vg_fleet_setup creates (names copied) */
	bool rules;		       /* follow the KV ruleset */
};

struct vg_fleet_link_stats {
	bool connected;
	uint64_t heartbeats, heartbeat_failures;
	uint64_t updates, refused; /* rules revisions received; of those, refused */
};

struct vg_fleet_link;

/* Start the thread. NULL with errno set (EINVAL: bad options, said on
 * stderr; ENOMEM). */
struct vg_fleet_link *vg_fleet_link_new(const struct vg_fleet_link_conf *c);
/* Stop the thread (bounded by the connection's timeout) and free. NULL ok. */
void vg_fleet_link_free(struct vg_fleet_link *l);

/* Publish this heartbeat on subject (both copied); one not yet sent is
 * replaced: only the latest state matters. */
int vg_fleet_link_heartbeat(struct vg_fleet_link *l, const char *subject, const char *json,
			    size_t len);

/*
 * The next rules update, if one came: 1 with *u filled (u->rs set: a
 * compiled ruleset, the caller's; u->rs NULL: a refused revision, u->error
 * says why), 0 when none. A newer update replaces one not yet taken.
 */
int vg_fleet_link_take(struct vg_fleet_link *l, struct vg_rules_update *u);

/* Compile again the last revision that compiled (a SIGHUP while the fleet's
 * rules run): the ruleset, or NULL with errno ENOENT (none yet), EINVAL
 * (errors, to diag), ENOMEM. */
struct vg_ruleset *vg_fleet_link_load_current(struct vg_fleet_link *l, struct vg_diag *diag);

void vg_fleet_link_stats(struct vg_fleet_link *l, struct vg_fleet_link_stats *st);

#endif /* VIGIL_FLEET_LINK_H */
