// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests: pipeline/proctab. Seeding reads the real /proc; events are
 * synthetic records run through vg_decode, for pids above any pid_max
 * (PID_MAX_LIMIT is 4194304) so that /proc never knows them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pipeline/event.h"
#include "pipeline/proctab.h"
#include "unit.h"

#define FAKE 0x7ffffff0u /* first fake pid */

static struct synth_rec rec;

static const struct vg_proc *apply(struct vg_proctab *pt)
{
	struct vg_event ev;

	assert_int_equal(vg_decode(rec.bytes, rec.len, &ev), 0);
	return vg_proctab_apply(pt, &ev);
}

static const struct vg_proc *ev_fork(struct vg_proctab *pt, uint32_t pid, uint32_t ppid,
				     uint64_t start, uint32_t child, uint64_t child_start)
{
	unit_rec_init(&rec, VG_EV_PROC_FORK, sizeof(struct vg_fork_event));
	unit_task(&rec.fork.task, pid, ppid, start, "forker");
	rec.fork.child_pid = rec.fork.child_tid = child;
	rec.fork.child_start_ns = child_start;
	return apply(pt);
}

/* exec of `exe` with argv (NUL-separated, argv_len bytes) in cwd */
static const struct vg_proc *ev_exec(struct vg_proctab *pt, uint32_t pid, uint32_t ppid,
				     uint64_t start, const char *exe, const char *argv,
				     size_t argv_len, const char *cwd)
{
	unit_rec_init(&rec, VG_EV_PROC_EXEC, sizeof(struct vg_exec_event));
	unit_task(&rec.exec.task, pid, ppid, start, strrchr(exe, '/') + 1);
	rec.exec.old_pid = pid;
	strcpy(rec.exec.tty, "pts9");
	unit_exec_str(&rec, VG_EXEC_FILENAME, exe, strlen(exe));
	unit_exec_str(&rec, VG_EXEC_EXE, exe, strlen(exe));
	unit_exec_str(&rec, VG_EXEC_ARGS, argv, argv_len);
	unit_exec_str(&rec, VG_EXEC_CWD, cwd, strlen(cwd));
	return apply(pt);
}

static const struct vg_proc *ev_exec_simple(struct vg_proctab *pt, uint32_t pid, uint32_t ppid,
					    uint64_t start, const char *exe)
{
	return ev_exec(pt, pid, ppid, start, exe, "x\0", 2, "/");
}

static const struct vg_proc *ev_exit(struct vg_proctab *pt, uint32_t pid, uint64_t start,
				     uint64_t ts)
{
	unit_rec_init(&rec, VG_EV_PROC_EXIT, sizeof(struct vg_exit_event));
	unit_task(&rec.exit.task, pid, 1, start, "dying");
	rec.hdr.ts = ts;
	return apply(pt);
}

/* A syscall event (not lifecycle) from the given task; path -> resolved slot. */
static const struct vg_proc *ev_sys(struct vg_proctab *pt, unsigned type,
				    const struct vg_task *t, int64_t ret, const char *path)
{
	unit_sys_init(&rec, type);
	rec.sys.task = *t;
	rec.sys.ret = ret;
	if (path) {
		unit_sys_str(&rec, 0, path, strlen(path));
		unit_sys_str(&rec, 1, path, strlen(path));
		rec.sys.path_slot = 1;
	}
	return apply(pt);
}

static struct vg_proctab_stats stats(const struct vg_proctab *pt)
{
	struct vg_proctab_stats st;

	vg_proctab_stats(pt, &st);
	return st;
}

/* --- seeding ------------------------------------------------------------------ */

static void test_seed_self(void **state)
{
	struct vg_proctab *pt = vg_proctab_new(0, 0);
	const struct vg_proc *self;
	char exe[PATH_MAX], cwd[PATH_MAX], cmd[VG_ARGS_MAX + 1];
	ssize_t n;
	int fd, added;

	assert_non_null(pt);
	added = vg_proctab_seed(pt, "/proc");
	assert_true(added > 0);
	assert_int_equal(stats(pt).seeded, (uint64_t)added);
	assert_int_equal(stats(pt).live, (size_t)added);
	assert_int_equal(stats(pt).exited, 0);

	self = vg_proctab_get(pt, (uint32_t)getpid());
	assert_non_null(self);
	assert_int_equal(self->pid, getpid());
	assert_int_equal(self->ppid, getppid());
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	assert_non_null(self->exe);
	assert_string_equal(self->exe, exe);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_non_null(self->cwd);
	assert_string_equal(self->cwd, cwd);
	assert_int_equal(self->uid, getuid());
	assert_int_equal(self->euid, geteuid());
	assert_int_equal(self->gid, getgid());
	assert_int_equal(self->egid, getegid());
	assert_true(self->from_proc);
	assert_true(self->start_ns > 0);
	assert_int_equal(self->exit_ts, 0);
	/* comm is the executable's name, cut to 15 bytes */
	assert_int_equal(strncmp(self->comm, strrchr(exe, '/') + 1, sizeof(self->comm) - 1), 0);
	/* args: /proc/self/cmdline without its trailing NUL */
	fd = open("/proc/self/cmdline", O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, cmd, sizeof(cmd));
	close(fd);
	assert_true(n > 1);
	assert_int_equal(cmd[n - 1], '\0');
	assert_non_null(self->args);
	assert_int_equal(self->args_len, (size_t)n - 1);
	assert_memory_equal(self->args, cmd, (size_t)n - 1);
	assert_int_equal(self->args[self->args_len], '\0');
	assert_false(self->args_trunc);

	/* the parent is there too, and we descend from it */
	if (getppid() > 0) {
		assert_non_null(vg_proctab_get(pt, (uint32_t)getppid()));
		assert_true(vg_proctab_descends(pt, (uint32_t)getpid(), (uint32_t)getppid()));
	}
	/* entries are only ever for real pids */
	assert_null(vg_proctab_get(pt, 0));
	assert_null(vg_proctab_get(pt, FAKE));
	assert_true(vg_proctab_mem(pt) > (size_t)added * sizeof(struct vg_proc));
	vg_proctab_free(pt);
}

static void test_seed_missing_dir(void **state)
{
	struct vg_proctab *pt = vg_proctab_new(0, 0);

	assert_non_null(pt);
	assert_int_equal(vg_proctab_seed(pt, "/nonexistent-procfs"), -ENOENT);
	assert_int_equal(stats(pt).live, 0);
	assert_int_equal(stats(pt).seeded, 0);
	vg_proctab_free(pt);
	vg_proctab_free(NULL);
}

static void test_seed_bounded(void **state)
{
	struct vg_proctab *pt = vg_proctab_new(4, 0);
	struct vg_proctab_stats st;
	int added;

	assert_non_null(pt);
	added = vg_proctab_seed(pt, "/proc");
	st = stats(pt);
	assert_in_range(added, 1, 4);
	assert_int_equal(st.live, (size_t)added);
	/* refused an insert only if it was full */
	assert_true(st.full == 0 || added == 4);
	assert_true(st.full <= 1);
	vg_proctab_free(pt);
}

/* --- lifecycle ---------------------------------------------------------------- */

static void test_fork_exec_exit_from_self(void **state)
{
	const uint64_t grace = 1000;
	struct vg_proctab *pt = vg_proctab_new(0, grace);
	const struct vg_proc *self, *p, *c;
	uint32_t me = (uint32_t)getpid(), kid = FAKE + 1;
	uint64_t my_start, kid_start, t_exit = 5000000000ull;
	struct vg_proctab_stats before, st;
	static const char argv[] = "true\0--version"; /* + its NUL, as copied */

	assert_non_null(pt);
	assert_true(vg_proctab_seed(pt, "/proc") > 0);
	self = vg_proctab_get(pt, me);
	assert_non_null(self);
	/* the event's start time is precise, /proc's is in clock ticks */
	my_start = self->start_ns + 1234;
	kid_start = self->start_ns + 999999;
	before = stats(pt);

	/* fork: the child inherits exe, cwd and args until it execs */
	p = ev_fork(pt, me, (uint32_t)getppid(), my_start, kid, kid_start);
	assert_ptr_equal(p, self);
	assert_int_equal(self->start_ns, my_start); /* adopted the precise value */
	c = vg_proctab_get(pt, kid);
	assert_non_null(c);
	assert_int_equal(c->pid, kid);
	assert_int_equal(c->ppid, me);
	assert_int_equal(c->start_ns, kid_start);
	assert_string_equal(c->exe, self->exe);
	assert_string_equal(c->cwd, self->cwd);
	assert_int_equal(c->args_len, self->args_len);
	assert_memory_equal(c->args, self->args, self->args_len);
	assert_ptr_not_equal(c->exe, self->exe); /* copies, not shared */
	assert_string_equal(c->tty, self->tty);
	assert_string_equal(c->comm, "forker");
	assert_false(c->from_proc);
	assert_int_equal(c->exit_ts, 0);
	assert_true(vg_proctab_descends(pt, kid, me));
	st = stats(pt);
	assert_int_equal(st.created, before.created + 1);
	assert_int_equal(st.live, before.live + 1);
	assert_int_equal(st.misses, before.misses);

	/* exec: a new image, argv and cwd; same process, same entry */
	p = ev_exec(pt, kid, me, kid_start, "/usr/bin/true", argv, sizeof(argv), "/tmp");
	assert_ptr_equal(p, c);
	assert_string_equal(c->exe, "/usr/bin/true");
	assert_string_equal(c->cwd, "/tmp");
	assert_int_equal(c->args_len, sizeof(argv) - 1);
	assert_memory_equal(c->args, argv, sizeof(argv) - 1);
	assert_false(c->args_trunc);
	assert_string_equal(c->comm, "true");
	assert_string_equal(c->tty, "pts9");
	assert_int_equal(c->ppid, me);
	assert_int_equal(stats(pt).created, before.created + 1);
	/* the parent is untouched */
	assert_string_not_equal(self->exe, "/usr/bin/true");

	/* exit: marked, kept for the grace period, then reaped */
	p = ev_exit(pt, kid, kid_start, t_exit);
	assert_ptr_equal(p, c);
	assert_int_equal(c->exit_ts, t_exit);
	st = stats(pt);
	assert_int_equal(st.exited, 1);
	assert_int_equal(st.live, before.live);
	/* a second exit record does not count twice */
	ev_exit(pt, kid, kid_start, t_exit + 10);
	assert_int_equal(c->exit_ts, t_exit);
	assert_int_equal(stats(pt).exited, 1);

	vg_proctab_reap(pt, t_exit);
	vg_proctab_reap(pt, t_exit + grace);
	assert_ptr_equal(vg_proctab_get(pt, kid), c);
	assert_int_equal(stats(pt).reaped, 0);
	vg_proctab_reap(pt, t_exit + grace + 1);
	assert_null(vg_proctab_get(pt, kid));
	st = stats(pt);
	assert_int_equal(st.reaped, 1);
	assert_int_equal(st.exited, 0);
	assert_int_equal(st.live, before.live);
	/* the live process is never reaped */
	assert_ptr_equal(vg_proctab_get(pt, me), self);
	vg_proctab_free(pt);
}

static void test_exec_args(void **state)
{
	struct vg_proctab *pt = vg_proctab_new(0, 0);
	const struct vg_proc *p;

	assert_non_null(pt);
	/* trailing NULs are dropped, inner ones kept */
	p = ev_exec(pt, FAKE, 1, 10, "/bin/sh", "sh\0-c\0\0", 7, "/");
	assert_non_null(p);
	assert_int_equal(p->args_len, 5);
	assert_memory_equal(p->args, "sh\0-c", 5);
	/* truncated argv is flagged */
	unit_rec_init(&rec, VG_EV_PROC_EXEC, sizeof(struct vg_exec_event));
	unit_task(&rec.exec.task, FAKE, 1, 10, "sh");
	rec.hdr.flags = VG_F_ARGS_TRUNC;
	unit_exec_str(&rec, VG_EXEC_ARGS, "sh\0-c\0long", 10);
	p = apply(pt);
	assert_non_null(p);
	assert_true(p->args_trunc);
	assert_int_equal(p->args_len, 10);
	/* absent strings clear what was there */
	assert_null(p->exe);
	assert_null(p->cwd);
	assert_int_equal(stats(pt).created, 1);
	vg_proctab_free(pt);
}

static void test_pid_reuse(void **state)
{
	struct vg_proctab *pt = vg_proctab_new(0, 1000);
	const struct vg_proc *p, *old;
	struct vg_proctab_stats st;
	struct vg_task t;

	assert_non_null(pt);
	old = ev_exec_simple(pt, FAKE, 1, 100, "/bin/old");
	assert_non_null(old);
	assert_non_null(ev_exit(pt, FAKE, 100, 1000));
	assert_int_equal(stats(pt).exited, 1);

	/* same pid, another start time: a new process, a new entry; the
	 * exited one stays for its records still in flight */
	p = ev_exec_simple(pt, FAKE, 1, 200, "/bin/new");
	assert_non_null(p);
	assert_ptr_not_equal(p, old);
	assert_ptr_equal(vg_proctab_get(pt, FAKE), p);
	assert_ptr_equal(vg_proctab_get_exact(pt, FAKE, 200), p);
	assert_ptr_equal(vg_proctab_get_exact(pt, FAKE, 100), old);
	assert_int_equal(p->start_ns, 200);
	assert_int_equal(p->exit_ts, 0);
	assert_string_equal(p->exe, "/bin/new");
	assert_string_equal(old->exe, "/bin/old");
	st = stats(pt);
	assert_int_equal(st.created, 2);
	assert_int_equal(st.exited, 1);
	assert_int_equal(st.live, 1);

	/* a late record of the old process finds the old process */
	unit_task(&t, FAKE, 1, 100, "old");
	assert_ptr_equal(ev_sys(pt, VG_EV_SYS_openat, &t, 3, NULL), old);
	assert_int_equal(stats(pt).misses, 0);

	/* the same process exec'ing again keeps its entry */
	p = ev_exec_simple(pt, FAKE, 1, 200, "/bin/newer");
	assert_string_equal(p->exe, "/bin/newer");
	assert_int_equal(stats(pt).created, 2);

	/* an exit record of another incarnation does not touch it */
	ev_exit(pt, FAKE, 100, 2000);
	assert_int_equal(p->exit_ts, 0);
	assert_int_equal(stats(pt).exited, 1);
	/* the old entry goes once the horizon passes its exit */
	vg_proctab_reap(pt, 1000 + 1000 + 1);
	assert_null(vg_proctab_get_exact(pt, FAKE, 100));
	assert_ptr_equal(vg_proctab_get(pt, FAKE), p);
	assert_int_equal(stats(pt).exited, 0);

	/* a fork to a pid the table holds for a live process: that one's exit
	 * was missed; it is kept as exited, the child gets its own entry */
	ev_exec_simple(pt, FAKE + 1, 1, 50, "/bin/parent");
	ev_fork(pt, FAKE + 1, 1, 50, FAKE, 300);
	p = vg_proctab_get(pt, FAKE);
	assert_non_null(p);
	assert_int_equal(p->start_ns, 300);
	assert_int_equal(p->ppid, FAKE + 1);
	assert_string_equal(p->exe, "/bin/parent");
	assert_int_equal(vg_proctab_get_exact(pt, FAKE, 200)->exit_ts, 300);
	st = stats(pt);
	assert_int_equal(st.live, 2);
	assert_int_equal(st.exited, 1);

	/* a syscall from an unknown, newer process with the pid: likewise */
	{
		uint64_t misses = stats(pt).misses;

		unit_task(&t, FAKE, 77, 400, "other");
		p = ev_sys(pt, VG_EV_SYS_openat, &t, 3, NULL);
		assert_non_null(p);
		assert_int_equal(p->start_ns, 400);
		assert_int_equal(p->ppid, 77);
		assert_null(p->exe);
		assert_int_equal(stats(pt).misses, misses + 1);
		assert_int_equal(vg_proctab_get_exact(pt, FAKE, 300)->exit_ts, 400);
	}
	/* and from an unknown process older than the live one: it is dead */
	unit_task(&t, FAKE, 77, 350, "older");
	p = ev_sys(pt, VG_EV_SYS_openat, &t, 3, NULL);
	assert_non_null(p);
	assert_int_equal(p->exit_ts, 400);
	assert_int_equal(vg_proctab_get(pt, FAKE)->start_ns, 400);
	assert_int_equal(vg_proctab_get(pt, FAKE)->exit_ts, 0);
	st = stats(pt);
	assert_int_equal(st.live, 2);
	assert_int_equal(st.exited, 3);
	assert_int_equal(st.exited_peak, 3);
	vg_proctab_free(pt);
}

/* Exited entries are bounded (max/8) whatever the horizon does. */
static void test_exited_bounded(void **state)
{
	struct vg_proctab *pt = vg_proctab_new(64, 1000);
	struct vg_proctab_stats st;

	assert_non_null(pt);
	for (uint32_t i = 0; i < 40; i++) {
		assert_non_null(ev_exec_simple(pt, FAKE - 100 + i, 1, 10 + i, "/bin/x"));
		assert_non_null(ev_exit(pt, FAKE - 100 + i, 10 + i, 100 + i));
	}
	st = stats(pt);
	assert_int_equal(st.exited, 8);
	assert_int_equal(st.exited_peak, 8);
	assert_int_equal(st.evicted, 32);
	/* the newest stayed */
	assert_non_null(vg_proctab_get(pt, FAKE - 100 + 39));
	assert_null(vg_proctab_get(pt, FAKE - 100 + 31));
	/* reaping goes in exit order and stops at the first entry still needed */
	vg_proctab_reap(pt, 100 + 35 + 1000 + 1);
	st = stats(pt);
	assert_int_equal(st.exited, 4);
	assert_int_equal(st.reaped, 4);
	vg_proctab_free(pt);
}

static void test_descends(void **state)
{
	struct vg_proctab *pt = vg_proctab_new(0, 0);
	const uint32_t a = FAKE, b = FAKE + 1, c = FAKE + 2, d = FAKE + 3;

	assert_non_null(pt);
	ev_exec_simple(pt, a, 1, 10, "/bin/a");
	ev_fork(pt, a, 1, 10, b, 20);
	ev_fork(pt, b, a, 20, c, 30);
	ev_exec_simple(pt, d, 1, 40, "/bin/d");
	assert_int_equal(vg_proctab_get(pt, c)->ppid, b);
	assert_int_equal(vg_proctab_get(pt, b)->ppid, a);

	assert_true(vg_proctab_descends(pt, c, a));
	assert_true(vg_proctab_descends(pt, c, b));
	assert_true(vg_proctab_descends(pt, b, a));
	assert_true(vg_proctab_descends(pt, c, c));
	assert_true(vg_proctab_descends(pt, c, 1));
	assert_false(vg_proctab_descends(pt, a, c));
	assert_false(vg_proctab_descends(pt, a, b));
	assert_false(vg_proctab_descends(pt, d, a));
	assert_false(vg_proctab_descends(pt, c, d));
	assert_false(vg_proctab_descends(pt, FAKE + 9, a)); /* unknown pid */
	assert_true(vg_proctab_descends(pt, FAKE + 9, FAKE + 9));

	/* a parent loop (bad data) ends the walk */
	ev_exec_simple(pt, FAKE + 4, FAKE + 5, 50, "/bin/e");
	ev_exec_simple(pt, FAKE + 5, FAKE + 4, 60, "/bin/f");
	assert_false(vg_proctab_descends(pt, FAKE + 4, a));
	assert_true(vg_proctab_descends(pt, FAKE + 4, FAKE + 5));
	vg_proctab_free(pt);
}

static void test_max_entries(void **state)
{
	struct vg_proctab *pt = vg_proctab_new(4, 1000);
	struct vg_proctab_stats st;
	struct vg_task t;

	assert_non_null(pt);
	for (uint32_t i = 0; i < 4; i++)
		assert_non_null(ev_exec_simple(pt, FAKE + i, 1, 10 + i, "/bin/x"));
	st = stats(pt);
	assert_int_equal(st.live, 4);
	assert_int_equal(st.full, 0);

	/* exec of a fifth process: refused and counted */
	assert_null(ev_exec_simple(pt, FAKE + 4, 1, 14, "/bin/x"));
	assert_null(vg_proctab_get(pt, FAKE + 4));
	assert_int_equal(stats(pt).full, 1);
	/* fork to a new child: the parent's entry comes back, no child */
	assert_ptr_equal(ev_fork(pt, FAKE, 1, 10, FAKE + 5, 15), vg_proctab_get(pt, FAKE));
	assert_null(vg_proctab_get(pt, FAKE + 5));
	assert_int_equal(stats(pt).full, 2);
	/* a syscall from an unknown pid */
	unit_task(&t, FAKE + 6, 1, 16, "nope");
	assert_null(ev_sys(pt, VG_EV_SYS_openat, &t, 0, NULL));
	st = stats(pt);
	assert_int_equal(st.full, 3);
	assert_int_equal(st.live, 4);
	/* known processes still work, and so does replacing a stale entry */
	unit_task(&t, FAKE + 1, 1, 11, "x");
	assert_non_null(ev_sys(pt, VG_EV_SYS_openat, &t, 0, NULL));
	assert_non_null(ev_exec_simple(pt, FAKE + 2, 1, 99, "/bin/y"));
	st = stats(pt);
	assert_int_equal(st.full, 3);
	assert_int_equal(st.live, 4);
	/* room again once an exited entry is reaped */
	ev_exit(pt, FAKE + 3, 13, 5000);
	vg_proctab_reap(pt, 5000 + 1000 + 1);
	assert_int_equal(stats(pt).live, 3);
	assert_non_null(ev_exec_simple(pt, FAKE + 4, 1, 14, "/bin/x"));
	assert_int_equal(stats(pt).live, 4);
	assert_int_equal(stats(pt).full, 3);
	vg_proctab_free(pt);
}

/* An exit whose event was lost: the sweep notices the process is gone. */
static void test_sweep_lost_exit(void **state)
{
	struct vg_proctab *pt = vg_proctab_new(0, 1000);
	const struct vg_proc *p;
	pid_t dead = fork();
	int st;

	assert_non_null(pt);
	if (dead == 0)
		_exit(0);
	assert_int_equal(waitpid(dead, &st, 0), dead);
	/* the table saw the fork, never the exit */
	ev_fork(pt, (uint32_t)getpid(), (uint32_t)getppid(), 1, (uint32_t)dead, 2);
	p = vg_proctab_get(pt, (uint32_t)dead);
	assert_non_null(p);
	assert_int_equal(p->exit_ts, 0);
	assert_true(vg_proctab_sweep(pt, 777) >= 1);
	assert_int_equal(vg_proctab_get(pt, (uint32_t)dead)->exit_ts, 777);
	/* this process is alive: untouched */
	assert_int_equal(vg_proctab_get(pt, (uint32_t)getpid())->exit_ts, 0);
	assert_int_equal(stats(pt).swept, vg_proctab_sweep(pt, 778) + 1);
	/* and the grace period then removes it */
	vg_proctab_reap(pt, 777 + 1000 + 1);
	assert_null(vg_proctab_get(pt, (uint32_t)dead));
	vg_proctab_free(pt);
}

static void test_unknown_pid(void **state)
{
	struct vg_proctab *pt = vg_proctab_new(0, 0);
	const struct vg_proc *p;
	struct vg_task t;

	assert_non_null(pt);
	unit_task(&t, FAKE, FAKE - 16, 4242, "ghost");
	t.uid = 1234;
	t.euid = 0;
	t.gid = 55;
	t.egid = 56;
	t.loginuid = 1001;
	t.sessionid = 9;
	p = ev_sys(pt, VG_EV_SYS_openat, &t, 3, "/etc/hosts");
	assert_non_null(p);
	assert_ptr_equal(vg_proctab_get(pt, FAKE), p);
	assert_int_equal(p->pid, FAKE);
	assert_int_equal(p->ppid, FAKE - 16);
	assert_int_equal(p->start_ns, 4242);
	assert_int_equal(p->uid, 1234);
	assert_int_equal(p->euid, 0);
	assert_int_equal(p->gid, 55);
	assert_int_equal(p->egid, 56);
	assert_int_equal(p->loginuid, 1001);
	assert_int_equal(p->sessionid, 9);
	assert_string_equal(p->comm, "ghost");
	/* not in /proc: nothing more is known */
	assert_null(p->exe);
	assert_null(p->cwd);
	assert_null(p->args);
	assert_int_equal(p->args_len, 0);
	assert_false(p->from_proc);
	assert_int_equal(p->exit_ts, 0);
	assert_int_equal(stats(pt).misses, 1);
	assert_int_equal(stats(pt).created, 0);
	assert_int_equal(stats(pt).live, 1);

	/* the next event finds it; credentials follow the events */
	t.euid = 1234;
	memcpy(t.comm, "ghost2", 7);
	assert_ptr_equal(ev_sys(pt, VG_EV_SYS_setuid, &t, 0, NULL), p);
	assert_int_equal(p->euid, 1234);
	assert_string_equal(p->comm, "ghost2");
	assert_int_equal(stats(pt).misses, 1);

	/* chdir/fchdir move cwd when they succeed */
	ev_sys(pt, VG_EV_SYS_chdir, &t, 0, "/var/tmp");
	assert_string_equal(p->cwd, "/var/tmp");
	ev_sys(pt, VG_EV_SYS_chdir, &t, -ENOENT, "/nope");
	assert_string_equal(p->cwd, "/var/tmp");
	ev_sys(pt, VG_EV_SYS_fchdir, &t, 0, "/srv");
	assert_string_equal(p->cwd, "/srv");
	/* other calls with a resolved path do not */
	ev_sys(pt, VG_EV_SYS_openat, &t, 3, "/etc/passwd");
	assert_string_equal(p->cwd, "/srv");

	/* a fork from an unknown parent creates both */
	unit_task(&t, FAKE + 1, 1, 10, "p");
	ev_fork(pt, FAKE + 1, 1, 10, FAKE + 2, 20);
	assert_non_null(vg_proctab_get(pt, FAKE + 1));
	assert_non_null(vg_proctab_get(pt, FAKE + 2));
	assert_null(vg_proctab_get(pt, FAKE + 2)->exe);
	assert_int_equal(stats(pt).misses, 2);
	assert_int_equal(stats(pt).created, 1);

	/* exit of an unknown pid creates nothing */
	assert_null(ev_exit(pt, FAKE + 3, 30, 100));
	assert_null(vg_proctab_get(pt, FAKE + 3));
	assert_int_equal(stats(pt).live, 3);
	vg_proctab_free(pt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_self),
		cmocka_unit_test(test_seed_missing_dir),
		cmocka_unit_test(test_seed_bounded),
		cmocka_unit_test(test_fork_exec_exit_from_self),
		cmocka_unit_test(test_exec_args),
		cmocka_unit_test(test_pid_reuse),
		cmocka_unit_test(test_exited_bounded),
		cmocka_unit_test(test_descends),
		cmocka_unit_test(test_max_entries),
		cmocka_unit_test(test_sweep_lost_exit),
		cmocka_unit_test(test_unknown_pid),
	};

	return cmocka_run_group_tests_name("proctab", tests, NULL, NULL);
}
