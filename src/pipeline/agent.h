/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent's main loop, shared by the commands that consume events
 * (`trace`, and `run` once rules exist): load the BPF side, seed the process
 * table, consume the ring buffer until a signal or the duration ends, report
 * losses as they happen and the totals at the end.
 */
#ifndef VIGIL_AGENT_H
#define VIGIL_AGENT_H

#include <stdbool.h>
#include <stdio.h>

#include "loader/loader.h"
#include "pipeline/consumer.h"
#include "pipeline/containers.h"
#include "pipeline/proctab.h"
#include "pipeline/runtime.h"

struct vg_agent;

/* Called for every decoded event after the process table has applied it;
 * `proc` is the event's process entry (may be NULL). Return 0 to go on, a
 * negative errno to stop the agent with that error. */
typedef int (*vg_agent_fn)(struct vg_agent *a, const struct vg_event *ev, const struct vg_proc *proc);

/* Called on every turn of the loop (at least every 50 ms). */
typedef void (*vg_agent_tick_fn)(struct vg_agent *a);

/* Events the kernel could not put in a full ring: new since the last report,
 * and in total; of those, exec/fork/exit (the lifecycle ring's). */
struct vg_loss {
	uint64_t lost, total;
	uint64_t lost_lifecycle, total_lifecycle;
};

/* Called when the kernel reports newly lost events (after the stderr line). */
typedef void (*vg_agent_loss_fn)(struct vg_agent *a, const struct vg_loss *l);

struct vg_agent_opts {
	struct vg_loader_opts load;
	vg_agent_loss_fn on_loss; /* may be NULL */
	vg_agent_tick_fn on_tick; /* may be NULL */
	const char *docker_socket; /* docker API for container names; NULL: the default, "": none */
	const char *host_root;	   /* the host's / seen from here (HOST_ROOT); NULL: here */
	double duration_s;     /* 0: until SIGINT/SIGTERM */
	const char *ready_msg; /* the "(...)" part of the ready line */
	bool stats;	       /* print the counters at exit */
	double stats_interval_s; /* > 0: print the counters' growth this often */
	FILE *out;	       /* flushed after each batch of events */
};

struct vg_agent {
	struct vg_agent_opts opts;
	struct vg_loader loader;
	struct vg_consumer consumer;
	struct vg_proctab *procs;
	vg_agent_fn fn;
	void *ctx;
	uint64_t lost_reported, lost_lc_reported;
	struct vg_kstats *last_stats; /* counters at the last --stats-interval line */
	uint64_t last_records, last_bytes;
	uint64_t host_pidns; /* pid namespace inode of PID 1 */
	uint64_t host_mntns; /* mount namespace inode of PID 1 */
	bool sys_enabled[VG_EV_MAX]; /* what the kernel records: asked for + context */
	struct vg_containers *containers; /* cgroup id -> container */
	struct vg_runtime *runtime;	  /* container names and images (docker API) */
	bool notify_failed;		  /* a notification to $NOTIFY_SOCKET failed (said once) */
};

/* Longest HOST_ROOT taken: paths below it must still fit the buffers. */
#define VG_HOST_ROOT_MAX 200

/* `path` (absolute) on the host: below o->host_root when there is one.
 * Returns buf. */
const char *vg_agent_host_path(const struct vg_agent_opts *o, const char *path, char *buf,
			       size_t size);

/* The syscall event ids the kernel must record for rules that want
 * `wanted` ([VG_EV_MAX]): those, plus what the process table needs. */
void vg_agent_syscalls(const bool *wanted, bool *out);

/* Load, attach and seed. 0 or a negative errno (already logged). */
int vg_agent_start(struct vg_agent *a, const struct vg_agent_opts *o, vg_agent_fn fn, void *ctx);
/* Print the ready line and consume until stopped. 0, or negative errno. */
int vg_agent_run(struct vg_agent *a);
/* Detach, free, and print the counters if asked. Safe after a failed start. */
void vg_agent_release(struct vg_agent *a);

/* Ask a running agent loop to stop (async-signal-safe). */
void vg_agent_request_stop(void);
/* Install SIGINT/SIGTERM handlers that call vg_agent_request_stop(). */
void vg_agent_handle_signals(void);

#endif /* VIGIL_AGENT_H */
