// SPDX-License-Identifier: Apache-2.0
/* The agent's main loop; see agent.h. */
#include "pipeline/agent.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/notify.h"
#include "pipeline/syscalls.h"

/* How long one poll waits: the kernel wakes us only when its ring is a
 * quarter full, so this bounds the delay from event to output (and of stop
 * and --duration); it costs 20 wake-ups a second when idle. */
#define POLL_MS 50
#define DOCKER_SOCKET "/var/run/docker.sock"
#define HOUSEKEEP_NS 1000000000ull
#define SWEEP_NS (30 * HOUSEKEEP_NS)
/* An exited process's entry stays until the syscall ring has been drained
 * past its exit (then none of its records is left in flight: see
 * consumer.h), plus this margin for a record reserved before that drain
 * started and committed after it (microseconds, in practice). */
#define EXIT_MARGIN_NS 20000000ull

static volatile sig_atomic_t stop_requested;

void vg_agent_request_stop(void)
{
	stop_requested = 1;
}

static void on_signal(int sig)
{
	(void)sig;
	vg_agent_request_stop();
}

void vg_agent_handle_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int on_event(void *ctx, const struct vg_event *ev)
{
	struct vg_agent *a = ctx;
	const struct vg_proc *p = vg_proctab_apply(a->procs, ev);

	return a->fn(a, ev, p);
}

void vg_agent_syscalls(const bool *wanted, bool *out)
{
	memcpy(out, wanted, VG_EV_MAX * sizeof(*out));
	/* chdir and fchdir keep each process's cwd, which relative paths in
	 * later events resolve against: always recorded once anything is */
	out[VG_EV_SYS_chdir] = out[VG_EV_SYS_fchdir] = true;
}

const char *vg_agent_host_path(const struct vg_agent_opts *o, const char *path, char *buf,
			       size_t size)
{
	snprintf(buf, size, "%s%s", o->host_root ? o->host_root : "", path);
	return buf;
}

int vg_agent_start(struct vg_agent *a, const struct vg_agent_opts *o, vg_agent_fn fn, void *ctx)
{
	char path[VG_HOST_ROOT_MAX + 64];
	struct stat st;
	int err;

	memset(a, 0, sizeof(*a));
	a->opts = *o;
	a->fn = fn;
	a->ctx = ctx;
	stop_requested = 0;
	/* The host's namespaces are PID 1's (the host's /proc under HOST_ROOT:
	 * a DaemonSet's pod shares the host's pid namespace, not its mount
	 * namespace); where PID 1's are hidden from us (some sandboxes deny it
	 * even to root), the agent's own, since it runs on the host. */
	if (stat(vg_agent_host_path(o, "/proc/1/ns/pid", path, sizeof(path)), &st) == 0 ||
	    stat("/proc/self/ns/pid", &st) == 0)
		a->host_pidns = st.st_ino;
	if (stat(vg_agent_host_path(o, "/proc/1/ns/mnt", path, sizeof(path)), &st) == 0 ||
	    stat("/proc/self/ns/mnt", &st) == 0)
		a->host_mntns = st.st_ino;
	a->containers = vg_containers_new(NULL, o->host_root);
	/* docker's socket where the host has it, unless given */
	a->runtime = vg_runtime_new(o->docker_socket ? o->docker_socket
						     : vg_agent_host_path(o, DOCKER_SOCKET, path, sizeof(path)),
				    o->host_root);
	if (!a->containers || !a->runtime) {
		vg_err("allocating the container cache: %s", strerror(errno));
		return -ENOMEM;
	}
	vg_containers_set_runtime(a->containers, a->runtime);
	a->procs = vg_proctab_new(0, EXIT_MARGIN_NS);
	if (!a->procs) {
		vg_err("allocating the process table: %s", strerror(errno));
		return -ENOMEM;
	}
	if (o->load.sys_enabled) {
		vg_agent_syscalls(o->load.sys_enabled, a->sys_enabled);
		a->opts.load.sys_enabled = a->sys_enabled;
	}
	a->opts.load.host_pidns = (uint32_t)a->host_pidns;
	a->opts.load.host_mntns = (uint32_t)a->host_mntns;
	/* Attach first, then seed: a process born in between is then either
	 * in /proc when we read it or in the ring buffer, never in neither. */
	err = vg_loader_start(&a->loader, &a->opts.load);
	if (err)
		return err;
	err = vg_consumer_init(&a->consumer, vg_loader_events_fd(&a->loader),
			       vg_loader_lifecycle_fd(&a->loader), on_event, a);
	if (err)
		return err;
	err = vg_proctab_seed(a->procs, vg_agent_host_path(o, "/proc", path, sizeof(path)));
	if (err < 0) {
		vg_err("reading %s to seed the process table: %s", path, strerror(-err));
		return err;
	}
	return 0;
}

static void report_losses(struct vg_agent *a)
{
	struct vg_kstats ks;
	struct vg_loss l;

	if (vg_loader_read_stats(&a->loader, &ks) || ks.lost_total <= a->lost_reported)
		return;
	l.total = ks.lost_total;
	l.lost = ks.lost_total - a->lost_reported;
	l.total_lifecycle = ks.lost_lifecycle;
	l.lost_lifecycle = ks.lost_lifecycle - a->lost_lc_reported;
	if (l.lost > l.lost_lifecycle)
		vg_warn("events dropped: %llu syscall records (total %llu) because the syscall ring "
			"buffer was full; raise --ringbuf or narrow what is traced",
			(unsigned long long)(l.lost - l.lost_lifecycle),
			(unsigned long long)(l.total - l.total_lifecycle));
	if (l.lost_lifecycle)
		vg_warn("events dropped: %llu exec/fork/exit records (total %llu) because the "
			"lifecycle ring buffer was full; raise --lifecycle-ringbuf",
			(unsigned long long)l.lost_lifecycle, (unsigned long long)l.total_lifecycle);
	if (a->opts.on_loss)
		a->opts.on_loss(a, &l);
	a->lost_reported = ks.lost_total;
	a->lost_lc_reported = ks.lost_lifecycle;
}

/* One --stats-interval report: what each counter gained since the last one. */
static void report_interval(struct vg_agent *a, double secs)
{
	struct vg_kstats ks;
	const struct vg_kstats *prev = a->last_stats;

	if (vg_loader_read_stats(&a->loader, &ks))
		return;
	vg_info("stats: last %.1fs: records %llu (%llu bytes), lost %llu, lifecycle lost %llu", secs,
		(unsigned long long)(a->consumer.records - a->last_records),
		(unsigned long long)(a->consumer.bytes - a->last_bytes),
		(unsigned long long)(ks.lost_total - prev->lost_total),
		(unsigned long long)(ks.lost_lifecycle - prev->lost_lifecycle));
	for (unsigned ev = 1; ev < VG_EV_MAX; ev++) {
		const struct vg_counters *c = &ks.ev[ev], *p = &prev->ev[ev];

		if (c->seen != p->seen || c->lost != p->lost)
			vg_info("stats: last %.1fs: %-12s seen %llu sent %llu lost %llu filtered %llu",
				secs, vg_ev_name(ev), (unsigned long long)(c->seen - p->seen),
				(unsigned long long)(c->sent - p->sent),
				(unsigned long long)(c->lost - p->lost),
				(unsigned long long)(c->filtered - p->filtered));
	}
	*a->last_stats = ks;
	a->last_records = a->consumer.records;
	a->last_bytes = a->consumer.bytes;
}

/* Tell the service manager (Type=notify); a failure is said once, the
 * agent runs on: a unit that waits for READY=1 then times out visibly. */
static void notify(struct vg_agent *a, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	int err;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	err = vg_notify(msg);
	if (err && !a->notify_failed) {
		vg_warn("telling the service manager ($NOTIFY_SOCKET): %s", strerror(-err));
		a->notify_failed = true;
	}
}

int vg_agent_run(struct vg_agent *a)
{
	uint64_t start = vg_clock_boot_now(), last_hk = start, last_sweep = start;
	uint64_t every = (uint64_t)(a->opts.stats_interval_s * 1e9), last_stats = start;
	uint64_t limit = a->opts.duration_s > 0 ? (uint64_t)(a->opts.duration_s * 1e9) : 0;
	int n;

	if (every) {
		a->last_stats = calloc(1, sizeof(*a->last_stats));
		if (!a->last_stats)
			return -ENOMEM;
		vg_loader_read_stats(&a->loader, a->last_stats);
	}
	vg_info("ready (%s)", a->opts.ready_msg ? a->opts.ready_msg : "");
	notify(a, "READY=1\nSTATUS=ready (%s)", a->opts.ready_msg ? a->opts.ready_msg : "");
	while (!stop_requested) {
		uint64_t now;

		n = vg_consumer_poll(&a->consumer, POLL_MS);
		if (a->opts.out)
			fflush(a->opts.out);
		if (n < 0 && n != -EINTR) {
			vg_err("reading the ring buffer: %s", strerror(-n));
			return n;
		}
		if (a->opts.on_tick)
			a->opts.on_tick(a);
		now = vg_clock_boot_now();
		/* cheap (a queue in exit order), so on every turn: keeps the
		 * exited entries to those whose records may still be in flight */
		vg_proctab_reap(a->procs, a->consumer.sys_drained);
		vg_runtime_poll(a->runtime, now / 1000000000ull);
		if (now - last_hk >= HOUSEKEEP_NS) {
			report_losses(a);
			last_hk = now;
		}
		if (every && now - last_stats >= every) {
			report_interval(a, (double)(now - last_stats) / 1e9);
			last_stats = now;
		}
		if (now - last_sweep >= SWEEP_NS) {
			vg_proctab_sweep(a->procs, now);
			last_sweep = now;
		}
		if (limit && now - start >= limit)
			break;
	}
	notify(a, "STOPPING=1\nSTATUS=stopping");
	/* Drain what is already in the ring so that a clean stop loses nothing
	 * that reached it. */
	while ((n = vg_consumer_poll(&a->consumer, 0)) > 0)
		;
	if (a->opts.out)
		fflush(a->opts.out);
	report_losses(a);
	return 0;
}

static void print_stats(struct vg_agent *a)
{
	struct vg_kstats ks;
	struct vg_proctab_stats ps;
	struct vg_runtime_stats rs;

	if (vg_loader_read_stats(&a->loader, &ks))
		return;
	vg_proctab_stats(a->procs, &ps);
	vg_info("stats: records %llu (%llu bytes), malformed %llu, lost %llu, ia32 %llu, "
		"read errors %llu, program re-entries skipped %llu",
		(unsigned long long)a->consumer.records, (unsigned long long)a->consumer.bytes,
		(unsigned long long)a->consumer.bad_records, (unsigned long long)ks.lost_total,
		(unsigned long long)ks.misc[VG_MISC_COMPAT],
		(unsigned long long)ks.misc[VG_MISC_READ_ERR],
		(unsigned long long)ks.recursion_misses);
	vg_info("stats: rings: syscall lost %llu; lifecycle records %llu, lost %llu",
		(unsigned long long)(ks.lost_total - ks.lost_lifecycle),
		(unsigned long long)a->consumer.lc_records, (unsigned long long)ks.lost_lifecycle);
	for (unsigned ev = 1; ev < VG_EV_MAX; ev++) {
		const struct vg_counters *c = &ks.ev[ev];

		if (c->seen || c->lost)
			vg_info("stats: %-12s seen %llu sent %llu lost %llu filtered %llu",
				vg_ev_name(ev), (unsigned long long)c->seen,
				(unsigned long long)c->sent, (unsigned long long)c->lost,
				(unsigned long long)c->filtered);
	}
	vg_info("stats: process table: %zu live, %zu exited (peak %zu), %llu seeded, %llu created, "
		"%llu misses, %llu full, %llu swept, %llu evicted, %zu bytes",
		ps.live, ps.exited, ps.exited_peak, (unsigned long long)ps.seeded,
		(unsigned long long)ps.created, (unsigned long long)ps.misses,
		(unsigned long long)ps.full, (unsigned long long)ps.swept,
		(unsigned long long)ps.evicted, vg_proctab_mem(a->procs));
	vg_runtime_stats(a->runtime, &rs);
	if (rs.requests || rs.dropped)
		vg_info("stats: container runtime: %llu lookups, %llu found, %llu failed, "
			"%llu not queued",
			(unsigned long long)rs.requests, (unsigned long long)rs.found,
			(unsigned long long)rs.failed, (unsigned long long)rs.dropped);
}

void vg_agent_release(struct vg_agent *a)
{
	if (!a)
		return;
	if (a->opts.stats && a->loader.skel && a->procs)
		print_stats(a);
	vg_consumer_release(&a->consumer);
	vg_loader_stop(&a->loader);
	vg_proctab_free(a->procs);
	a->procs = NULL;
	vg_containers_free(a->containers);
	a->containers = NULL;
	vg_runtime_free(a->runtime);
	a->runtime = NULL;
	free(a->last_stats);
	a->last_stats = NULL;
}
