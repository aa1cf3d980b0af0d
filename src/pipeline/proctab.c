// SPDX-License-Identifier: Apache-2.0
/*
 * Process table; see proctab.h. A chained hash on pid with a fixed bucket
 * count (pids are dense, the chains stay short); a chain may hold several
 * entries of one pid, one live and the exited ones whose records are still
 * in flight, told apart by start time. Entries are malloc'd one by one and
 * freed on reap, so memory follows the live process count. Exited entries
 * also sit on a queue in the order they exited, so reaping costs only what
 * it removes.
 */
#include "pipeline/proctab.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#define NBUCKETS 8192 /* power of two */
#define DEFAULT_MAX 131072
#define DEFAULT_GRACE_NS (5ull * 1000000000ull)
#define ANCESTRY_MAX 64
/* Above PID_MAX_LIMIT (4M): not a pid this kernel can hand out. */
#define PID_LIMIT 4194304u

struct vg_proctab {
	struct vg_proc *bucket[NBUCKETS];
	struct vg_proc *exit_head, *exit_tail; /* exited entries, oldest first */
	size_t max, count, exited;
	size_t max_exited; /* beyond it the oldest exited entry goes, reaped or not */
	uint64_t grace_ns;
	uint64_t tick_ns; /* /proc start times are in clock ticks */
	char procfs[256]; /* "/proc", or HOST_ROOT's */
	struct vg_proctab_stats st;
};

static size_t slot_of(uint32_t pid)
{
	return (pid * 2654435761u) & (NBUCKETS - 1);
}

struct vg_proctab *vg_proctab_new(size_t max, uint64_t grace_ns)
{
	struct vg_proctab *pt = calloc(1, sizeof(*pt));
	long hz = sysconf(_SC_CLK_TCK);

	if (!pt)
		return NULL;
	pt->max = max ? max : DEFAULT_MAX;
	pt->max_exited = pt->max / 8 ? pt->max / 8 : 1;
	pt->grace_ns = grace_ns ? grace_ns : DEFAULT_GRACE_NS;
	pt->tick_ns = 1000000000ull / (uint64_t)(hz > 0 ? hz : 100);
	snprintf(pt->procfs, sizeof(pt->procfs), "/proc");
	return pt;
}

static void proc_free(struct vg_proc *p)
{
	free(p->exe);
	free(p->cwd);
	free(p->args);
	free(p);
}

void vg_proctab_free(struct vg_proctab *pt)
{
	if (!pt)
		return;
	for (size_t i = 0; i < NBUCKETS; i++) {
		struct vg_proc *p = pt->bucket[i];

		while (p) {
			struct vg_proc *n = p->next;

			proc_free(p);
			p = n;
		}
	}
	free(pt);
}

/* The entry for pid: the live one, else the most recently started. */
static struct vg_proc *find(const struct vg_proctab *pt, uint32_t pid)
{
	struct vg_proc *best = NULL;

	for (struct vg_proc *p = pt->bucket[slot_of(pid)]; p; p = p->next) {
		if (p->pid != pid)
			continue;
		if (!p->exit_ts)
			return p;
		if (!best || p->start_ns > best->start_ns)
			best = p;
	}
	return best;
}

const struct vg_proc *vg_proctab_get(const struct vg_proctab *pt, uint32_t pid)
{
	return find(pt, pid);
}

/* Same process? Start times from /proc are only tick-precise; 0 is unknown. */
static bool same_start(const struct vg_proctab *pt, const struct vg_proc *p, uint64_t start)
{
	uint64_t d;

	if (!p->start_ns || !start)
		return true;
	d = p->start_ns > start ? p->start_ns - start : start - p->start_ns;
	return d < (p->from_proc ? 2 * pt->tick_ns : 1);
}

/* The entry of process (pid, start), live or exited. */
static struct vg_proc *find_exact(const struct vg_proctab *pt, uint32_t pid, uint64_t start)
{
	struct vg_proc *p = find(pt, pid);

	/* the usual case, one entry for the pid, without a second walk */
	if (!p || same_start(pt, p, start))
		return p;
	for (p = pt->bucket[slot_of(pid)]; p; p = p->next)
		if (p->pid == pid && same_start(pt, p, start))
			return p;
	return NULL;
}

const struct vg_proc *vg_proctab_get_exact(const struct vg_proctab *pt, uint32_t pid,
					   uint64_t start_ns)
{
	return find_exact(pt, pid, start_ns);
}

static void exit_queue_del(struct vg_proctab *pt, struct vg_proc *p)
{
	if (p->exit_prev)
		p->exit_prev->exit_next = p->exit_next;
	else
		pt->exit_head = p->exit_next;
	if (p->exit_next)
		p->exit_next->exit_prev = p->exit_prev;
	else
		pt->exit_tail = p->exit_prev;
	p->exit_prev = p->exit_next = NULL;
}

static void unlink_entry(struct vg_proctab *pt, struct vg_proc *victim)
{
	struct vg_proc **pp = &pt->bucket[slot_of(victim->pid)];

	while (*pp && *pp != victim)
		pp = &(*pp)->next;
	if (*pp)
		*pp = victim->next;
	pt->count--;
	if (victim->exit_ts) {
		exit_queue_del(pt, victim);
		pt->exited--;
	}
	proc_free(victim);
}

/* Drop the oldest exited entry before its time (the table or the exited
 * queue is full); its in-flight records, if any, then find no context. */
static bool evict_exited(struct vg_proctab *pt)
{
	if (!pt->exit_head)
		return false;
	unlink_entry(pt, pt->exit_head);
	pt->st.evicted++;
	return true;
}

static void mark_exited(struct vg_proctab *pt, struct vg_proc *p, uint64_t ts)
{
	if (p->exit_ts)
		return;
	if (pt->exited >= pt->max_exited)
		evict_exited(pt); /* never p: not queued yet */
	p->exit_ts = ts ? ts : 1;
	p->exit_prev = pt->exit_tail;
	if (pt->exit_tail)
		pt->exit_tail->exit_next = p;
	else
		pt->exit_head = p;
	pt->exit_tail = p;
	if (++pt->exited > pt->st.exited_peak)
		pt->st.exited_peak = pt->exited;
}

/*
 * A fresh entry for process (pid, start). Another live entry of the pid is
 * an older process whose exit was not seen (lost, or pid reuse before its
 * exit record was read): it is marked exited, its records may be in
 * flight. An entry for a process older than the live one is itself dead.
 */
static struct vg_proc *insert(struct vg_proctab *pt, uint32_t pid, uint64_t start)
{
	struct vg_proc *live = find(pt, pid), *p;
	uint64_t dead_at = 0;

	if (live && live->exit_ts)
		live = NULL;
	if (live && start && live->start_ns > start)
		dead_at = live->start_ns; /* the new entry is the older process */
	else if (live)
		mark_exited(pt, live, start);
	if (pt->count >= pt->max && !evict_exited(pt)) {
		pt->st.full++;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->pid = pid;
	p->start_ns = start;
	p->loginuid = p->sessionid = (uint32_t)-1;
	p->next = pt->bucket[slot_of(pid)];
	pt->bucket[slot_of(pid)] = p;
	pt->count++;
	if (dead_at)
		mark_exited(pt, p, dead_at);
	return p;
}

static void set_str(char **dst, const char *src, size_t len)
{
	char *n = NULL;

	if (src) {
		n = malloc(len + 1);
		if (n) {
			memcpy(n, src, len);
			n[len] = '\0';
		}
	}
	free(*dst);
	*dst = n;
}

static void set_args(struct vg_proc *p, const char *a, size_t len, bool trunc)
{
	/* The kernel copies argv with its NULs; drop trailing ones. */
	while (len && a[len - 1] == '\0')
		len--;
	set_str(&p->args, a, len);
	p->args_len = p->args ? len : 0;
	p->args_trunc = trunc;
}

static void set_task(struct vg_proc *p, const struct vg_task *t)
{
	p->ppid = t->ppid;
	p->uid = t->uid;
	p->gid = t->gid;
	p->euid = t->euid;
	p->egid = t->egid;
	p->loginuid = t->loginuid;
	p->sessionid = t->sessionid;
	memcpy(p->comm, t->comm, sizeof(p->comm));
	p->comm[sizeof(p->comm) - 1] = '\0';
}

/* --- /proc ------------------------------------------------------------------ */

static ssize_t read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return n;
}

static void tty_name(unsigned long dev, char *out, size_t size)
{
	unsigned maj = major(dev), min = minor(dev);

	out[0] = '\0';
	if (!dev)
		return;
	if (maj >= 136 && maj <= 143)
		snprintf(out, size, "pts%u", (maj - 136) * 256 + min);
	else if (maj == 4 && min < 64)
		snprintf(out, size, "tty%u", min);
	else if (maj == 4)
		snprintf(out, size, "ttyS%u", min - 64);
	else
		snprintf(out, size, "%u:%u", maj, min);
}

/* Fill p from /proc/<pid>. Returns 0, or -ENOENT when the process is gone. */
static int read_proc(struct vg_proctab *pt, struct vg_proc *p)
{
	char path[sizeof(pt->procfs) + 32], buf[4096], *s;
	unsigned long long start = 0;
	unsigned long tty = 0;
	int ppid = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%u/stat", pt->procfs, p->pid);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return -ENOENT;
	/* comm may hold spaces and parentheses: parse after the last ')'. */
	s = strrchr(buf, ')');
	if (!s)
		return -ENOENT;
	{
		char *o = strchr(buf, '(');
		size_t cl = o && o < s ? (size_t)(s - o - 1) : 0;

		if (cl >= sizeof(p->comm))
			cl = sizeof(p->comm) - 1;
		memcpy(p->comm, o ? o + 1 : "", cl);
		p->comm[cl] = '\0';
	}
	/* fields after comm: state ppid pgrp session tty_nr ... starttime is field 22 */
	if (sscanf(s + 2, "%*c %d %*d %*d %lu %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
		   &ppid, &tty, &start) != 3)
		return -ENOENT;
	p->ppid = (uint32_t)ppid;
	p->start_ns = start * pt->tick_ns;
	tty_name(tty, p->tty, sizeof(p->tty));

	snprintf(path, sizeof(path), "%s/%u/status", pt->procfs, p->pid);
	if (read_file(path, buf, sizeof(buf)) > 0) {
		char *u = strstr(buf, "\nUid:"), *g = strstr(buf, "\nGid:");

		if (u)
			sscanf(u + 5, "%u %u", &p->uid, &p->euid);
		if (g)
			sscanf(g + 5, "%u %u", &p->gid, &p->egid);
	}
	snprintf(path, sizeof(path), "%s/%u/loginuid", pt->procfs, p->pid);
	if (read_file(path, buf, sizeof(buf)) > 0)
		p->loginuid = (uint32_t)strtoul(buf, NULL, 10);
	snprintf(path, sizeof(path), "%s/%u/sessionid", pt->procfs, p->pid);
	if (read_file(path, buf, sizeof(buf)) > 0)
		p->sessionid = (uint32_t)strtoul(buf, NULL, 10);

	snprintf(path, sizeof(path), "%s/%u/exe", pt->procfs, p->pid);
	n = readlink(path, buf, sizeof(buf) - 1);
	if (n > 0)
		set_str(&p->exe, buf, (size_t)n);
	snprintf(path, sizeof(path), "%s/%u/cwd", pt->procfs, p->pid);
	n = readlink(path, buf, sizeof(buf) - 1);
	if (n > 0)
		set_str(&p->cwd, buf, (size_t)n);
	snprintf(path, sizeof(path), "%s/%u/cmdline", pt->procfs, p->pid);
	n = read_file(path, buf, VG_ARGS_MAX + 1);
	if (n > 0)
		set_args(p, buf, (size_t)n, n >= VG_ARGS_MAX);
	p->from_proc = true;
	return 0;
}

int vg_proctab_seed(struct vg_proctab *pt, const char *procfs)
{
	DIR *d;
	struct dirent *de;
	int added = 0;

	snprintf(pt->procfs, sizeof(pt->procfs), "%s", procfs);
	d = opendir(procfs);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char *end;
		unsigned long pid = strtoul(de->d_name, &end, 10);
		struct vg_proc *p;

		if (!isdigit((unsigned char)de->d_name[0]) || *end || !pid)
			continue;
		p = insert(pt, (uint32_t)pid, 0);
		if (!p)
			break;
		if (read_proc(pt, p) < 0) {
			unlink_entry(pt, p);
			continue;
		}
		added++;
	}
	closedir(d);
	pt->st.seeded += (uint64_t)added;
	return added;
}

/* --- events ----------------------------------------------------------------- */

/* Drop what /proc said about another process that had the pid. */
static void forget_strings(struct vg_proc *p)
{
	set_str(&p->exe, NULL, 0);
	set_str(&p->cwd, NULL, 0);
	set_args(p, NULL, 0, false);
	p->tty[0] = '\0';
}

/* The entry for the event's process, creating it when unknown. */
static struct vg_proc *entry_for(struct vg_proctab *pt, const struct vg_task *t)
{
	struct vg_proc *p = find_exact(pt, t->pid, t->start_ns);

	if (p) {
		if (p->from_proc && t->start_ns)
			p->start_ns = t->start_ns; /* adopt the precise value */
		return p;
	}
	pt->st.misses++;
	p = insert(pt, t->pid, t->start_ns);
	if (!p)
		return NULL;
	/* Missed its fork/exec (before the agent, or lost): ask /proc, if the
	 * process there is this one, then let the event's own task fields
	 * win, being the more recent. */
	if (read_proc(pt, p) == 0 && !same_start(pt, p, t->start_ns))
		forget_strings(p);
	set_task(p, t);
	p->start_ns = t->start_ns;
	return p;
}

const struct vg_proc *vg_proctab_apply(struct vg_proctab *pt, const struct vg_event *ev)
{
	const struct vg_task *t = ev->task;
	struct vg_proc *p, *child;

	if (!t)
		return NULL;
	switch (ev->type) {
	case VG_EV_PROC_FORK:
		entry_for(pt, t);
		child = find_exact(pt, ev->fork->child_pid, ev->fork->child_start_ns);
		if (!child || child->exit_ts) {
			child = insert(pt, ev->fork->child_pid, ev->fork->child_start_ns);
			if (!child)
				return find_exact(pt, t->pid, t->start_ns);
			pt->st.created++;
		}
		/* insert() may have evicted an exited parent: look it up again */
		p = find_exact(pt, t->pid, t->start_ns);
		set_task(child, t);
		child->ppid = t->pid;
		child->start_ns = ev->fork->child_start_ns;
		child->from_proc = false;
		if (p) {
			memcpy(child->tty, p->tty, sizeof(child->tty));
			set_str(&child->exe, p->exe, p->exe ? strlen(p->exe) : 0);
			set_str(&child->cwd, p->cwd, p->cwd ? strlen(p->cwd) : 0);
			set_args(child, p->args, p->args_len, p->args_trunc);
		}
		return p;
	case VG_EV_PROC_EXEC:
		p = find_exact(pt, t->pid, t->start_ns);
		if (!p) {
			p = insert(pt, t->pid, t->start_ns);
			if (!p)
				return NULL;
			pt->st.created++;
		}
		set_task(p, t);
		p->start_ns = t->start_ns;
		p->from_proc = false;
		set_str(&p->exe, ev->exe.p, ev->exe.len);
		set_str(&p->cwd, ev->cwd.p, ev->cwd.len);
		set_args(p, ev->argv.p, ev->argv.len, ev->flags & VG_F_ARGS_TRUNC);
		memcpy(p->tty, ev->exec->tty, sizeof(p->tty));
		p->tty[sizeof(p->tty) - 1] = '\0';
		return p;
	case VG_EV_PROC_EXIT:
		p = find_exact(pt, t->pid, t->start_ns);
		if (!p)
			return NULL; /* unknown, or the entries are other processes' */
		mark_exited(pt, p, ev->ts_boot);
		return p;
	default:
		p = entry_for(pt, t);
		if (!p)
			return NULL;
		/* Credentials and comm change without exec (setuid, prctl). */
		set_task(p, t);
		if (ev->ret == 0 && ev->path.p &&
		    (ev->type == VG_EV_SYS_chdir || ev->type == VG_EV_SYS_fchdir))
			set_str(&p->cwd, ev->path.p, ev->path.len);
		return p;
	}
}

bool vg_proctab_descends(const struct vg_proctab *pt, uint32_t pid, uint32_t ancestor)
{
	for (int i = 0; i < ANCESTRY_MAX; i++) {
		const struct vg_proc *p;

		if (pid == ancestor)
			return true;
		if (pid <= 1)
			return false;
		p = find(pt, pid);
		if (!p)
			return false;
		pid = p->ppid;
	}
	return false;
}

void vg_proctab_reap(struct vg_proctab *pt, uint64_t horizon)
{
	/* The queue is in the order entries were marked, which is nearly the
	 * order of their exit times: stop at the first one still needed. */
	while (pt->exit_head && horizon > pt->exit_head->exit_ts + pt->grace_ns) {
		unlink_entry(pt, pt->exit_head);
		pt->st.reaped++;
	}
}

size_t vg_proctab_sweep(struct vg_proctab *pt, uint64_t now)
{
	size_t marked = 0;

	for (size_t i = 0; i < NBUCKETS; i++) {
		for (struct vg_proc *p = pt->bucket[i]; p; p = p->next) {
			if (p->exit_ts || p->pid >= PID_LIMIT)
				continue;
			if (kill((pid_t)p->pid, 0) < 0 && errno == ESRCH) {
				mark_exited(pt, p, now);
				marked++;
			}
		}
	}
	pt->st.swept += marked;
	return marked;
}

void vg_proctab_stats(const struct vg_proctab *pt, struct vg_proctab_stats *out)
{
	*out = pt->st;
	out->live = pt->count - pt->exited;
	out->exited = pt->exited;
}

size_t vg_proctab_mem(const struct vg_proctab *pt)
{
	size_t bytes = sizeof(*pt);

	for (size_t i = 0; i < NBUCKETS; i++)
		for (const struct vg_proc *p = pt->bucket[i]; p; p = p->next)
			bytes += sizeof(*p) + (p->exe ? strlen(p->exe) + 1 : 0) +
				 (p->cwd ? strlen(p->cwd) + 1 : 0) + (p->args ? p->args_len + 1 : 0);
	return bytes;
}

int vg_proctab_root(const struct vg_proctab *pt, uint32_t pid, char *out, size_t size)
{
	char path[sizeof(pt->procfs) + 32];
	ssize_t n;

	if (!size)
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%u/root", pt->procfs, pid);
	n = readlink(path, out, size - 1);
	if (n < 0)
		return -errno;
	out[n] = '\0';
	return (int)n;
}
