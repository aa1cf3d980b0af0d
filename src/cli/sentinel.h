/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reporting the signals that stop or kill vigil (bpf/lib/tamper.bpf.h).
 *
 * The kernel records them in the sender, before they land, into a ring of
 * the agent's own that is pinned in bpffs (VG_TAMPER_PIN_PREFIX<pid>). Two
 * readers report them as the bundled rule "Signal sent to vigil" would,
 * through the agent's configured outputs:
 *  - the sentinel, a process `vigil run` forks at start into a session of
 *    its own (a process-group kill of the agent does not reach it): it
 *    reads the ring while the agent lives, so an alert is out while the
 *    agent is stopped or dying, watches the agent through a pidfd, and
 *    once the agent is gone drains the ring and removes its pin;
 *  - the next `vigil run`, which reports the rings left by agents whose
 *    sentinel died too (a kill of both), then removes them.
 * docs/ROLLOUT.md ("Keeping vigil up") gives the guarantees and the limits.
 */
#ifndef VIGIL_SENTINEL_H
#define VIGIL_SENTINEL_H

#include <stdbool.h>
#include <sys/types.h>

#include "output/alert.h"
#include "output/outputs.h"

/* How tamper alerts are written. Borrowed strings and style. */
struct vg_tamper_conf {
	const struct vg_alert_style *style;
	const char *hostname;
	const char *host_root; /* for the container lookup; NULL: / */
	/* The sentinel's own outputs, built in the sentinel (after the fork:
	 * their threads are its own): stdout, file, syslog, http. */
	struct vg_outputs *(*outputs)(void *ctx);
	void *ctx;
};

struct vg_sentinel {
	pid_t pid; /* the sentinel process; 0: none */
	int sock;  /* our end of the socket the ring's fd is handed over */
};

/*
 * Fork the sentinel. Call while this process has one thread (a fork copies
 * only the caller's). 0, or a negative errno (no sentinel: logged; the
 * agent runs without it, and a kill of the agent is reported by the next
 * one). `c` must stay valid in the child: it is the parent's memory.
 */
int vg_sentinel_start(struct vg_sentinel *s, const struct vg_tamper_conf *c);
/* Hand the loaded tamper ring (fd) to the sentinel. 0 or negative errno. */
int vg_sentinel_arm(struct vg_sentinel *s, int ring_fd);
/* Our end closed; the sentinel reports what is left once we are gone and
 * exits. Never waits for it. Safe on a sentinel never started. */
void vg_sentinel_release(struct vg_sentinel *s);

/*
 * The rings left pinned by agents that are gone with their sentinels:
 * claimed (renamed, so that one reader takes each), their records
 * written to `out` as alerts, their pins removed. Returns how many alerts.
 */
size_t vg_tamper_leftovers(const struct vg_tamper_conf *c, struct vg_outputs *out);

#endif /* VIGIL_SENTINEL_H */
