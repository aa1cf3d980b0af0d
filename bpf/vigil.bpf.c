// SPDX-License-Identifier: GPL-2.0
/*
 * vigil's entry programs. Each is thin: find out whether the event is wanted,
 * build its record with the helpers in lib/, emit it.
 *
 * Syscalls are recorded at one raw tracepoint, sys_exit: on x86_64 the
 * argument registers in pt_regs are preserved across the syscall, so at exit
 * we have both the arguments and the return value in a single program run,
 * with user memory the syscall has just used (paths, sockaddrs) still mapped.
 * docs/ARCHITECTURE.md gives the measurement behind that choice.
 * Process lifecycle comes from the sched_process_{exec,fork,exit} tracepoints.
 */
#include "lib/maps.bpf.h"
#include "lib/task.bpf.h"
#include "lib/path.bpf.h"
#include "lib/sock.bpf.h"
#include "lib/record.bpf.h"
#include "lib/filter.bpf.h"
#include "lib/enforce.bpf.h"
#include "lib/uring.bpf.h"
#include "lib/tamper.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* `task` is a BTF pointer at every caller: a direct load, no helper. */
static __always_inline int is_self(struct task_struct *task)
{
	return vigil_tgid && task->tgid == vigil_tgid;
}

/* x86_64 syscall arguments, in order. `regs` is the tracepoint's trusted
 * BTF pointer: direct loads, no helper calls. */
static __always_inline void sys_args(struct pt_regs *regs, __u64 *a)
{
	a[0] = regs->di;
	a[1] = regs->si;
	a[2] = regs->dx;
	a[3] = regs->r10;
	a[4] = regs->r8;
	a[5] = regs->r9;
}

/* i386 socketcall(2) call numbers (linux/net.h) unfolded into the x86_64
 * row of the same call, whose arguments are in the same order. */
#define VG_I386_SOCKETCALL 102

static __always_inline __u32 socketcall_row(__u32 call, __u32 *nargs)
{
	switch (call) {
	case 1: *nargs = 3; return 41;	/* SYS_SOCKET -> socket */
	case 2: *nargs = 3; return 49;	/* SYS_BIND -> bind */
	case 3: *nargs = 3; return 42;	/* SYS_CONNECT -> connect */
	case 4: *nargs = 2; return 50;	/* SYS_LISTEN -> listen */
	case 5: *nargs = 3; return 43;	/* SYS_ACCEPT -> accept */
	case 11: *nargs = 6; return 44; /* SYS_SENDTO -> sendto */
	case 16: *nargs = 3; return 46; /* SYS_SENDMSG -> sendmsg */
	case 18: *nargs = 4; return 288; /* SYS_ACCEPT4 -> accept4 */
	default: return VG_SC_TABLE_SIZE;
	}
}

/*
 * The dispatcher row of the syscall `nr` in progress and its six arguments
 * in `a`, for either ABI; NULL when it is not traced. An ia32 call (int
 * 0x80, from a 32-bit or a 64-bit process: TS_COMPAT) has the i386 number,
 * its row at VG_NR_COMPAT + nr, and its arguments in ebx, ecx, edx, esi,
 * edi, ebp, of which the kernel's ia32 wrappers use the low 32 bits only:
 * an attacker's garbage in the upper half must not reach the filter.
 * socketcall's calls become the call they make (their arguments are read
 * from the caller's array). `count`: the sys_exit program counts ia32
 * calls, before the lookup, so the count covers all of them.
 */
static __always_inline struct vg_sc_conf *sc_lookup(struct task_struct *task, struct pt_regs *regs,
						     __u32 nr, __u64 *a, __u16 *hflags, bool count)
{
	__u32 key = nr, n, w[6] = {};

	*hflags = 0;
	if (!(task->thread_info.status & VG_TS_COMPAT)) {
		if (nr >= VG_NR_MAX)
			return NULL;
		sys_args(regs, a);
		return bpf_map_lookup_elem(&sc_table, &key);
	}
	if (count)
		misc_inc(VG_MISC_COMPAT);
	*hflags = VG_F_COMPAT;
	a[0] = (__u32)regs->bx;
	a[1] = (__u32)regs->cx;
	a[2] = (__u32)regs->dx;
	a[3] = (__u32)regs->si;
	a[4] = (__u32)regs->di;
	a[5] = (__u32)regs->bp;
	if (nr == VG_I386_SOCKETCALL) {
		key = socketcall_row((__u32)a[0], &n);
		if (key >= VG_SC_TABLE_SIZE)
			return NULL;
		if (bpf_probe_read_user(w, (n & 7) * sizeof(__u32), (void *)a[1]))
			*hflags |= VG_F_READ_ERR;
		for (int i = 0; i < 6; i++)
			a[i] = w[i];
		return bpf_map_lookup_elem(&sc_table, &key);
	}
	if (nr >= VG_NR_MAX)
		return NULL;
	key = VG_NR_COMPAT + nr;
	return bpf_map_lookup_elem(&sc_table, &key);
}

/* Copy the cursor's bookkeeping into a finished record's header and slots. */
static __always_inline __u32 rec_finish(struct vg_scratch *s, struct vg_hdr *h, struct vg_str *str)
{
	__u32 size = s->cur.off;

	__builtin_memcpy(str, s->cur.str, sizeof(s->cur.str));
	h->flags |= s->cur.flags;
	if (h->flags & VG_F_READ_ERR)
		misc_inc(VG_MISC_READ_ERR);
	if (size > VG_SCRATCH_SIZE)
		size = VG_SCRATCH_SIZE;
	h->size = size;
	return size;
}

/*
 * The middle stage of the filter, for calls whose fd.name the kernel
 * resolves: the path first (the walk is the one cost the early stage could
 * not avoid), then the filter on arguments, identity and that path, before
 * the rest of the record is built. 0 when no rule can match.
 */
static __always_inline int filter_mid(struct vg_scratch *s, struct vg_sc_conf *conf, struct file *f)
{
	struct vg_sys_event *e = (void *)s->rec;
	int r;

	cursor_reset(s, sizeof(*e));
	rec_put_path_at(s, (__u64)__builtin_preserve_access_index(&f->f_path), conf->arg_slots);
	e->path_slot = s->cur.path_slot;
	__builtin_memcpy(e->str, s->cur.str, sizeof(e->str));
	s->early = VG_STAGE_MID;
	r = filter_pass(s, conf->ev, VG_FCLAUSES_ALL);
	s->early = VG_STAGE_FULL;
	return r;
}

#define VG_MSG_FASTOPEN 0x20000000

/* A sendto/sendmsg that names a destination or opens a connection (TCP
 * Fast Open): the only sends recorded. A send on a connected socket has
 * neither, and is dropped on this test alone (one user read for sendmsg,
 * its msghdr's msg_name and msg_namelen; none for sendto). The address and
 * its length go to s->early_dest/early_dlen, for the early stage's port
 * test. */
static __always_inline int send_has_dest(struct vg_scratch *s, struct vg_sc_conf *conf, __u64 *a,
					 bool compat)
{
	struct {
		__u64 name;
		__u32 len;
	} m = {};
	__u32 m32[2] = {};

	s->early_dest = 0;
	s->early_dlen = 0;
	if (conf->karg[1] != VG_KARG_MSGHDR) { /* sendto(fd, buf, len, flags, addr, alen) */
		s->early_dest = a[4];
		/* clamped as the record's copy clamps it (rec_put_ubytes) */
		s->early_dlen = a[5] > VG_SOCKADDR_MAX ? VG_SOCKADDR_MAX : (__u32)a[5];
		return a[4] || (a[3] & VG_MSG_FASTOPEN);
	}
	/* msg_name, then msg_namelen, lead struct msghdr and compat_msghdr */
	if (compat) {
		if (!bpf_probe_read_user(m32, sizeof(m32), (void *)a[1])) {
			m.name = m32[0];
			m.len = m32[1];
		} else {
			return 1; /* unreadable: let the record say so */
		}
	} else if (bpf_probe_read_user(&m, 12, (void *)a[1])) {
		return 1;
	}
	s->early_dest = m.name;
	s->early_dlen = m.len;
	return m.name != 0 || (a[2] & VG_MSG_FASTOPEN);
}

static __always_inline void rec_put_msgname(struct vg_scratch *s, __u64 uptr, bool compat)
{
	struct {
		__u64 name;
		__u32 len;
	} m = {};
	__u32 m32[2] = {};

	if (compat) {
		if (!bpf_probe_read_user(m32, sizeof(m32), (void *)uptr)) {
			m.name = m32[0];
			m.len = m32[1];
		}
	} else if (bpf_probe_read_user(&m, 12, (void *)uptr)) {
		m.name = 0;
	}
	rec_put_ubytes(s, m.name, m.len);
}

#define VG_PIDFS_MAGIC 0x50494446

/* The host tgid of the process a pidfd names (0 when f is none). pidfs
 * (6.9+) keeps the struct pid in the inode's i_private on newer kernels,
 * in the file's private_data before; the anon-inode pidfds of older
 * kernels in private_data. */
static __always_inline __u32 pidfd_tgid(struct file *f)
{
	struct inode *ino;
	struct pid *pid = NULL;
	struct upid up = {};

	if (!f)
		return 0;
	ino = BPF_CORE_READ(f, f_inode);
	if (BPF_CORE_READ(ino, i_sb, s_magic) == VG_PIDFS_MAGIC)
		pid = BPF_CORE_READ(ino, i_private);
	if (!pid)
		pid = BPF_CORE_READ(f, private_data);
	if (!pid)
		return 0;
	bpf_core_read(&up, sizeof(up), &pid->numbers[0]);
	return up.nr;
}

/*
 * Whether the entry program copied the string arguments of this syscall
 * (row `row` of sc_table) for rec_put_copy to take; when not (an ia32
 * call, which the per-syscall tracepoints do not see, or the agent started
 * during the call) the record says VG_F_ARGS_LATE.
 */
static __always_inline bool entry_take(struct vg_scratch *s, struct task_struct *task, __u32 row)
{
	struct vg_entry_copy *ec = bpf_task_storage_get(&entry_strs, task, 0, 0);

	if (!ec || ec->row != row) {
		s->cur.flags |= VG_F_ARGS_LATE;
		return false;
	}
	/* taken: never again for another call (the data stays until this
	 * task's next entry, after this record is built) */
	ec->row = VG_ENTRY_NONE;
	return true;
}

/*
 * Build the record of syscall `conf` in s, whose caller has set e->ret,
 * e->nr, e->enf_rule and e->args: identity, string and struct arguments,
 * and the path of `f` (or the socket behind it). Returns the size.
 * `fresh` false: the cursor already holds the resolved path (filter_mid).
 * `at_exit`: the sys_exit program, which takes the strings the entry
 * copied and walks the base directories of relative path arguments.
 */
static __always_inline __u32 sys_record(struct vg_scratch *s, struct task_struct *task,
					struct vg_sc_conf *conf, struct file *f, bool fresh,
					bool at_exit)
{
	struct vg_sys_event *e = (void *)s->rec;
	__u32 i, krow = VG_ENTRY_NONE;
	bool copy = false;

	if (fresh)
		cursor_reset(s, sizeof(*e));
	e->hdr.ts = bpf_ktime_get_boot_ns();
	e->hdr.type = conf->ev;
	e->hdr.flags = 0;
	task_fill_current(&e->task);
	__builtin_memset(e->ext, 0, sizeof(e->ext));
	__builtin_memset(&e->sock, 0, sizeof(e->sock));
	/* raw path arguments of calls other than the opens are compared by
	 * the filter only when clean (path_clean) */
	s->path_norm = conf->post != VG_POST_FD_RET;
	if (at_exit && (conf->flags & VG_SCF_ENTRY_STR)) {
		__u32 row = s->compat ? VG_NR_COMPAT + e->nr : e->nr;

		copy = entry_take(s, task, row);
		/* and the paths the kernel acted on, where a path hook saw
		 * them (rec_put_bases takes them) */
		if (copy && kpaths_on)
			krow = row;
	}

	for (i = 0; i < 6; i++) {
		__u64 v = e->args[i];

		switch (conf->karg[i]) {
		case VG_KARG_USTR:
		case VG_KARG_UPATH:
			if (copy)
				rec_put_copy(s, v);
			else
				rec_put_str(s, v, 0);
			if (conf->karg[i] == VG_KARG_UPATH)
				slot_mark_rel(s, i, false);
			break;
		case VG_KARG_SOCKADDR:
			/* the buffer's length is the next argument (connect, bind) */
			rec_put_ubytes(s, v, i < 5 ? e->args[i + 1] : 0);
			slot_mark_rel(s, i, true);
			break;
		case VG_KARG_OPEN_HOW:
		case VG_KARG_CAPDATA:
			if (bpf_probe_read_user(e->ext, 3 * sizeof(__u64), (void *)v))
				e->hdr.flags |= VG_F_READ_ERR;
			break;
		case VG_KARG_CLONE_ARGS:
			if (bpf_probe_read_user(e->ext, sizeof(__u64), (void *)v))
				e->hdr.flags |= VG_F_READ_ERR;
			break;
		case VG_KARG_MSGHDR:
			rec_put_msgname(s, v, s->compat);
			break;
		default:
			break;
		}
	}

	rec_put_bases(s, conf, at_exit, krow);

	if (conf->post == VG_POST_CWD && e->ret == 0)
		rec_put_path(s, cwd_addr(task));
	if (conf->post == VG_POST_PIDFD_ARG0)
		e->ext[0] = pidfd_tgid(f);
	else if (f) {
		if (conf->post == VG_POST_SOCK_RET || conf->post == VG_POST_SOCK_ARG0) {
			sock_fill(&e->sock, f);
			/* a connected unix socket: its peer's inode, whatever the
			 * caller's spelling of the address (symlink, .., relative) */
			if (at_exit && conf->ev == VG_EV_SYS_connect && e->sock.family == VG_AF_UNIX) {
				__u64 peer = unix_peer_path(f);

				if (peer)
					rec_put_path(s, peer);
			}
		} else if (s->cur.path_slot == 0xffff)
			rec_put_path(s, (__u64)__builtin_preserve_access_index(&f->f_path));
		else if (s->cur.nstr <= s->cur.path_slot)
			s->cur.nstr = s->cur.path_slot + 1; /* placed by filter_mid */
	}
	e->nstr = s->cur.nstr;
	e->path_slot = s->cur.path_slot;
	return rec_finish(s, &e->hdr, e->str);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(vg_sys_exit, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct vg_pending *pend = NULL, pv;
	struct vg_sc_conf *conf;
	struct vg_counters *cnt;
	struct vg_scratch *s;
	struct vg_sys_event *e;
	struct file *f = NULL;
	__u64 args[6];
	__u32 nr, size, tid;
	__u16 hflags;

	nr = (__u32)regs->orig_ax;
	/* a process sharing the file table of one enforcement killed */
	if (doomed_n)
		sharers_check();
	/* executable mappings of a spared process (spared.bpf.h) */
	spared_map(task, regs, nr, ret);
	conf = sc_lookup(task, regs, nr, args, &hflags, true);
	if (!conf || !conf->ev)
		return 0;
	if (is_self(task))
		return 0;
	/* the entry stage or an LSM hook decided during this syscall: report it */
	if (pending_n > 0) {
		tid = task->pid;
		pend = bpf_map_lookup_elem(&pending, &tid);
		if (pend && pend->ev != conf->ev) {
			pending_drop(tid); /* from an untraced call */
			pend = NULL;
		} else if (pend) {
			/* a copy: the LRU map may reuse the entry meanwhile */
			pv = *pend;
			pend = &pv;
			pending_drop(tid);
		}
	}
	if (!pend && (conf->flags & VG_SCF_FAIL_ONLY) && ret >= 0)
		return 0;
	if (!pend && (conf->flags & VG_SCF_SKIP_ZERO) && ret == 0)
		return 0;
	s = scratch_get();
	if (!s) {
		misc_inc(VG_MISC_SCRATCH);
		return 0;
	}
	s->early_dest = 0;
	s->early_dlen = 0;
	if (!pend && (conf->flags & VG_SCF_DEST_ONLY) &&
	    !send_has_dest(s, conf, args, hflags & VG_F_COMPAT))
		return 0;
	cnt = counters_get(conf->ev);
	if (cnt)
		cnt->seen++;

	s->gen = table_gen & 1; /* one ruleset for this whole run */
	s->compat = !!(hflags & VG_F_COMPAT);
	e = (void *)s->rec;
	e->ret = ret;
	e->nr = nr;
	e->enf_rule = 0;
	__builtin_memcpy(e->args, args, sizeof(args));
	switch (conf->post) {
	case VG_POST_FD_RET:
	case VG_POST_SOCK_RET:
		f = fd_file(task, ret);
		break;
	case VG_POST_FD_ARG0:
	case VG_POST_SOCK_ARG0:
	case VG_POST_PIDFD_ARG0:
		f = fd_file(task, (int)e->args[0]);
		break;
	}
	/* a socket call's socket, for the early stage's port test */
	s->early_sock = conf->post == VG_POST_SOCK_RET || conf->post == VG_POST_SOCK_ARG0 ? (__u64)f : 0;
	/* Most events end here: no rule can match them, whatever their
	 * strings and paths, which are not read. */
	if (!pend && !filter_early(s, task, conf->ev,
				   conf->post == VG_POST_FD_RET || conf->post == VG_POST_FD_ARG0 ? f
												 : NULL)) {
		if (cnt)
			cnt->filtered++;
		return 0;
	}
	/* The path walk, then the filter again, before the rest */
	if (!pend && f && (conf->post == VG_POST_FD_RET || conf->post == VG_POST_FD_ARG0)) {
		if (!filter_mid(s, conf, f)) {
			if (cnt)
				cnt->filtered++;
			return 0;
		}
		size = sys_record(s, task, conf, f, false, true);
	} else {
		size = sys_record(s, task, conf, f, true, true);
	}
	e->hdr.flags |= hflags;
	if (pend) {
		e->enf_rule = pend->enf;
		e->hdr.flags |= pend->flags;
	/* enforcement first: a record it acted on always reaches user space */
	} else if (!enforce_sys(s, task, conf->ev) && !filter_pass(s, conf->ev, VG_FCLAUSES_ALL)) {
		if (cnt)
			cnt->filtered++;
		return 0;
	}
	emit(e, size, conf->ev);
	return 0;
}

/* Whether a kill clause decides event-table key `key` at sys_enter. */
static __always_inline bool entry_decides(__u32 key)
{
	struct vg_enforce *t = bpf_map_lookup_elem(&enforce, &key);

	return t && t->nentry;
}

/*
 * The entry stage of enforcement: a kill rule whose whole condition is
 * known at the syscall's entry (identity, arguments, path arguments) kills
 * there, before the syscall runs; it still runs to completion, and the task
 * dies on its way back to user space. What needs the result or a path the
 * kernel resolves is decided at sys_exit, as is everything when no entry
 * program ran (an ia32 call, a --pin agent gone).
 */
static __always_inline int entry_stage_run(struct task_struct *task, struct pt_regs *regs, __u32 nr)
{
	struct vg_sc_conf *conf;
	struct vg_scratch *s;
	struct vg_sys_event *e;
	struct vg_pending p = {};
	__u32 ev, tid, key, gen;
	__u64 args[6];
	__u16 v, hflags;

	if (doomed_n)
		sharers_check(); /* before its syscall runs (lib/sharers.bpf.h) */
	conf = sc_lookup(task, regs, nr, args, &hflags, false);
	if (!conf || !conf->ev)
		return 0;
	ev = conf->ev;
	gen = table_gen & 1;
	key = table_key(ev, gen);
	if (!entry_decides(key) || is_self(task))
		return 0;
	s = scratch_get();
	if (!s)
		return 0;
	s->gen = gen;
	s->compat = !!(hflags & VG_F_COMPAT);
	e = (void *)s->rec;
	e->ret = -1; /* not known yet: RET atoms read as unknown here */
	e->nr = nr;
	e->enf_rule = 0;
	__builtin_memcpy(e->args, args, sizeof(args));
	sys_record(s, task, conf, NULL, true, false);
	s->early = VG_STAGE_ENTRY;
	s->raw_path = conf->post != VG_POST_FD_RET && conf->post != VG_POST_FD_ARG0;
	v = enforce_sys(s, task, ev);
	s->early = VG_STAGE_FULL;
	if (!v)
		return 0;
	p.enf = e->enf_rule;
	p.ev = (__u16)ev;
	p.flags = v | VG_F_AT_ENTRY;
	tid = task->pid;
	pending_put(tid, &p);
	return 0;
}

/*
 * The entry stage, where it runs: on the syscalls:sys_enter_<name>
 * tracepoints of the calls a kill clause decides at the entry, attached by
 * the loader (src/loader/loader.c, vg_loader_entry_attach) for the rules
 * loaded.
 * Every other syscall pays nothing for it: a raw sys_enter program would
 * cost every syscall of the machine a run. Those tracepoints do not fire
 * for ia32 calls; the exit decides them. The arguments come from the
 * task's registers, so the one program attaches to any call's tracepoint
 * (the context is not read: its size differs from call to call).
 */
SEC("tracepoint")
int vg_entry_decide(void *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);

	return entry_stage_run(task, regs, (__u32)regs->orig_ax);
}

/* The same on the raw sys_enter, every syscall: only where a call that
 * needs the entry stage has no tracepoint of its own that the loader
 * finds (tracefs missing, say). */
SEC("tp_btf/sys_enter")
int BPF_PROG(vg_sys_enter, struct pt_regs *regs, long id)
{
	return entry_stage_run(bpf_get_current_task_btf(), regs, (__u32)id);
}

/*
 * String arguments at the syscall's entry. The kernel reads a path
 * argument once, at the entry; reading it again at sys_exit gives another
 * thread the whole syscall to rewrite the buffer (a real deletion of
 * /var/log/a reported as /tmp/b, and the other way round). So the calls
 * whose strings rules read (unlink, rename, chmod, mount, ...) have their
 * strings copied here, per task (entry_strs in lib/record.bpf.h), and the
 * sys_exit program records that copy.
 *
 * One program per syscall, on its own syscalls:sys_enter_* tracepoint:
 * only these calls pay for it (a raw sys_enter program would run on every
 * syscall of the machine, the opens included). Those tracepoints do not
 * fire for ia32 calls: their strings are read at the exit and the record
 * says so (VG_F_ARGS_LATE). The loader attaches the ones this kernel has
 * and marks their rows VG_SCF_ENTRY_STR.
 */
/*
 * The call's string arguments (a[], as conf names them) into ec's slots,
 * or with b into the task's entry_big, whole. A string that fills its slot
 * may be cut: ec->big says the call's strings go to entry_big.
 */
static __noinline int entry_read(struct vg_entry_copy *ec, struct vg_entry_big *b,
				 struct vg_sc_conf *conf, __u64 *a)
{
	__u32 k = 0;
	long n;

	if (!ec || !conf || !a)
		return 0;
	ec->err = 0;
	ec->big = !!b;
	for (int i = 0; i < 6; i++) {
		if (conf->karg[i] != VG_KARG_USTR && conf->karg[i] != VG_KARG_UPATH)
			continue;
		if (k >= VG_ENTRY_NSTR)
			break;
		ec->len[k] = 0;
		if (a[i]) {
			if (b)
				n = bpf_probe_read_user_str(b->data[k], VG_PATH_MAX, (void *)a[i]);
			else
				n = bpf_probe_read_user_str(ec->data[k], VG_ENTRY_SLOT, (void *)a[i]);
			if (n > 0)
				ec->len[k] = n;
			else
				ec->err |= 1 << k;
			if (n == VG_ENTRY_SLOT)
				ec->big = 1;
		}
		k++;
	}
	return 0;
}

static __always_inline int entry_copy(struct trace_event_raw_sys_enter *ctx, const int nargs)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct vg_entry_copy *ec;
	struct vg_sc_conf *conf;
	struct vg_filter *fl;
	__u32 nr = (__u32)ctx->id, key;
	__u64 a[6];

	if (nr >= VG_NR_MAX || is_self(task))
		return 0;
	conf = bpf_map_lookup_elem(&sc_table, &nr);
	if (!conf || !conf->ev || !(conf->flags & VG_SCF_ENTRY_STR))
		return 0;
	/* no rule names this call, or none its exit records (execve's exit
	 * records failures, and every rule on it wants a success): the exit
	 * drops it before any string. An older copy is voided, should a
	 * reload make the exit want one. Not when a kill rule decides this
	 * call at its entry, or an LSM verdict may: their records need the
	 * copy. */
	key = table_key(conf->ev, table_gen);
	fl = bpf_map_lookup_elem(&filters, &key);
	if (fl && !fl->pass_all &&
	    (!fl->nclauses || (fl->no_fail && (conf->flags & VG_SCF_FAIL_ONLY))) && !lsm_active &&
	    !entry_decides(key)) {
		ec = bpf_task_storage_get(&entry_strs, task, 0, 0);
		if (ec)
			ec->row = VG_ENTRY_NONE;
		return 0;
	}
	ec = bpf_task_storage_get(&entry_strs, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!ec) {
		misc_inc(VG_MISC_ENTRY_NOMEM);
		return 0; /* the exit reads late, and says so */
	}
	/* the context's fields at constant offsets only, and only the call's
	 * own: attaching fails (EACCES) for a program that reads past the
	 * tracepoint's record */
	__builtin_memset(a, 0, sizeof(a));
	if (nargs > 0)
		a[0] = ctx->args[0];
	if (nargs > 1)
		a[1] = ctx->args[1];
	if (nargs > 2)
		a[2] = ctx->args[2];
	if (nargs > 3)
		a[3] = ctx->args[3];
	if (nargs > 4)
		a[4] = ctx->args[4];
	entry_read(ec, NULL, conf, a);
	if (ec->big) {
		/* one string filled its slot: all again, whole, in entry_big */
		struct vg_entry_big *b = bpf_task_storage_get(&entry_big, task, 0,
							      BPF_LOCAL_STORAGE_GET_F_CREATE);

		if (!b) {
			misc_inc(VG_MISC_ENTRY_NOMEM);
			ec->row = VG_ENTRY_NONE;
			return 0; /* the exit reads late, and says so */
		}
		entry_read(ec, b, conf, a);
	}
	ec->row = nr;
	/* paths an LSM hook left for an earlier call are not this one's */
	if (kpaths_on) {
		struct vg_kpaths *kp = bpf_task_storage_get(&entry_kpaths, task, 0, 0);

		if (kp)
			kp->row = VG_ENTRY_NONE;
	}
	return 0;
}

/* Plain "tracepoint" sections: libbpf does not attach them; the loader
 * does, to syscalls:sys_enter_<name> by the program's name, through the
 * perf event ioctl (sandboxes that refuse a perf-event bpf_link allow it). */
#define VG_ENTRY_PROG(name, nargs)                                             \
	SEC("tracepoint")                                                      \
	int vg_enter_##name(struct trace_event_raw_sys_enter *ctx)             \
	{                                                                      \
		return entry_copy(ctx, nargs);                                 \
	}

/* The rows with string arguments (with their argument counts), but the opens (fd.name is the opened
 * file's path, resolved at the exit) and the module loads (no tracepoint,
 * and their one string is parameters). src/loader/loader.c lists the same
 * names. umount2's tracepoint is named after the kernel's umount. */
VG_ENTRY_PROG(execve, 3)
VG_ENTRY_PROG(execveat, 5)
VG_ENTRY_PROG(unlink, 1)
VG_ENTRY_PROG(unlinkat, 3)
VG_ENTRY_PROG(rename, 2)
VG_ENTRY_PROG(renameat, 4)
VG_ENTRY_PROG(renameat2, 5)
VG_ENTRY_PROG(chmod, 2)
VG_ENTRY_PROG(fchmodat, 3)
VG_ENTRY_PROG(chown, 3)
VG_ENTRY_PROG(lchown, 3)
VG_ENTRY_PROG(fchownat, 5)
VG_ENTRY_PROG(mount, 5)
VG_ENTRY_PROG(umount, 2)
VG_ENTRY_PROG(memfd_create, 2)
VG_ENTRY_PROG(symlink, 2)
VG_ENTRY_PROG(symlinkat, 3)
VG_ENTRY_PROG(link, 2)
VG_ENTRY_PROG(linkat, 5)
VG_ENTRY_PROG(mkdir, 2)
VG_ENTRY_PROG(mkdirat, 3)
VG_ENTRY_PROG(rmdir, 1)
VG_ENTRY_PROG(chdir, 1)
VG_ENTRY_PROG(truncate, 2)

/*
 * LSM-BPF: refuse operations that `action: deny` rules name, with EPERM,
 * before they happen (loaded only where the kernel offers LSM-BPF; see
 * src/loader/loader.c). Each hook builds the record of the syscall in
 * progress (its number and arguments from the task's registers, the return
 * value taken as success), runs the deny clauses of the enforcement table
 * on it, and leaves its verdict for the sys_exit program to report.
 *
 * Hooks run preemptible, so they build in a per-task scratch (task
 * storage), never in the per-CPU one the tracepoints share.
 */
static __always_inline int lsm_decide(struct file *f, bool uring)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct vg_pending p = {}, *old;
	struct pt_regs *regs;
	struct vg_sc_conf *conf;
	struct vg_enforce *t;
	struct vg_scratch *s;
	struct vg_sys_event *e;
	__u32 nr, ev, c, tid, key, size, gen = table_gen & 1;
	__u64 args[6];
	__u16 hflags = 0;
	bool shared, kill;

	if (is_self(task) || (task->flags & VG_PF_KTHREAD))
		return 0;
	if (uring) {
		/* an io_uring OPENAT: openat(AT_FDCWD, ?, the file's flags);
		 * the name was the request's, fd.name is this file's path */
		nr = VG_NR_OPENAT;
		conf = bpf_map_lookup_elem(&sc_table, &nr);
		__builtin_memset(args, 0, sizeof(args));
		args[0] = (__u64)(__s64)VG_AT_FDCWD;
		args[2] = BPF_CORE_READ(f, f_flags);
	} else {
		regs = (struct pt_regs *)bpf_task_pt_regs(task);
		if (!regs)
			return 0;
		nr = (__u32)regs->orig_ax;
		conf = sc_lookup(task, regs, nr, args, &hflags, false);
	}
	if (!conf || !conf->ev)
		return 0;
	ev = conf->ev;
	key = table_key(ev, gen);
	t = bpf_map_lookup_elem(&enforce, &key);
	/* an open by a process whose file table another process shares: a
	 * kill rule refuses it here too, or the fd it installs would be
	 * readable by the sharers until the kill at its exit */
	shared = lsm_sharers && f && !uring && sharers_exist(task);
	if (!t || (!t->ndeny && !(shared && t->nclauses > t->ndeny)))
		return 0;
	s = bpf_task_storage_get(&lsm_scratch, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!s) {
		misc_inc(VG_MISC_LSM_NOMEM);
		return 0; /* fail open, counted */
	}
	s->gen = gen;
	s->compat = !!(hflags & VG_F_COMPAT);
	e = (void *)s->rec;
	e->ret = 0; /* the operation as if allowed: "success" */
	e->nr = nr;
	e->enf_rule = 0;
	__builtin_memcpy(e->args, args, sizeof(args));
	size = sys_record(s, task, conf, f, true, false);
	if (uring)
		uring_worker_comm(e, task);
	/* without the file the hook guards, fd.name is known only where it
	 * is the raw path argument (as at the syscall's entry) */
	s->early = VG_STAGE_LSM;
	s->raw_path = conf->post != VG_POST_FD_RET && conf->post != VG_POST_FD_ARG0;
	for (c = 0; c < VG_ECLAUSES; c++) {
		struct vg_eclause *cl;

		if (c >= t->nclauses)
			break;
		cl = &t->clauses[c];
		kill = shared && cl->action == VG_ENF_KILL;
		if ((cl->action != VG_ENF_DENY && !kill) || !clause_true(s, cl))
			continue;
		s->early = VG_STAGE_FULL;
		p.enf = (cl->rule + 1) | (gen << 15);
		p.ev = (__u16)ev;
		tid = task->pid;
		/* a kill decided at the entry stays the verdict reported */
		old = uring ? NULL : bpf_map_lookup_elem(&pending, &tid);
		if (kill) {
			/* killed (the sharers doomed) and refused; else why not */
			p.flags = old && (old->flags & VG_F_KILLED) ? VG_F_KILLED : enf_act(task, cl);
			if (p.flags == VG_F_KILLED)
				p.flags |= VG_F_DENIED;
		} else {
			p.flags = enf_spared(task)		? VG_F_ENF_SPARED
				  : enf_cap() < VG_MODE_ENFORCE ? VG_F_ENF_SHADOW
								: VG_F_DENIED;
		}
		if (old && (old->flags & VG_F_KILLED) && kill)
			old->flags |= VG_F_DENIED;
		else if (uring)
			bpf_map_update_elem(&uring_pending, &tid, &p, BPF_ANY);
		else if (!old || !(old->flags & VG_F_KILLED))
			pending_put(tid, &p);
		if (!(p.flags & VG_F_DENIED))
			return 0;
		misc_inc(VG_MISC_DENIALS);
		/* a refused io_uring open is reported from here, where its
		 * path is known (its completion has neither name nor file)
		 * and the completion reports nothing more (uring_emit) */
		if (uring) {
			e->ret = -1;
			e->enf_rule = p.enf;
			e->hdr.flags |= VG_F_URING | VG_F_DENIED;
			emit(e, size, ev);
		}
		return -1; /* -EPERM */
	}
	s->early = VG_STAGE_FULL;
	return 0;
}

/*
 * --protect-self: signals and ptrace aimed at vigil are refused, except from
 * PID 1 (the service manager stops it) and vigil itself. The syscall's exit
 * reports it with the rule index VG_ENF_SELF (no rule: vigil's own).
 */
static __always_inline int self_protect(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs;
	struct vg_sc_conf *conf;
	struct vg_pending p = {};
	__u64 args[6];
	__u32 tid, nr;
	__u16 hflags;

	if (task->tgid == 1 || is_self(task))
		return 0;
	misc_inc(VG_MISC_DENIALS);
	/* reported by the syscall's exit when that syscall is traced */
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	if (!regs)
		return -1;
	nr = (__u32)regs->orig_ax;
	conf = sc_lookup(task, regs, nr, args, &hflags, false);
	if (conf && conf->ev) {
		p.enf = VG_ENF_SELF;
		p.flags = VG_F_DENIED;
		p.ev = (__u16)conf->ev;
		tid = task->pid;
		pending_put(tid, &p);
	}
	return -1; /* -EPERM */
}

/* file_open also fires for the files an exec opens (the binary, its
 * loader, a script's interpreter): judge only the opens the syscall asked
 * for, whose fd.name this file is. */
static __always_inline int lsm_decide_open(struct file *f)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	struct vg_sc_conf *conf;
	__u64 args[6];
	__u32 nr;
	__u16 hflags;

	/* an io_uring OPENAT: in an io-wq or SQPOLL thread, or inline in the
	 * submitter's io_uring_enter (426 on x86_64 and i386 alike) */
	if (task->flags & VG_PF_IO_WORKER)
		return lsm_decide(f, true);
	if (!regs)
		return 0;
	nr = (__u32)regs->orig_ax;
	if (nr == VG_NR_IO_URING_ENTER)
		return lsm_decide(f, true);
	conf = sc_lookup(task, regs, nr, args, &hflags, false);
	if (!conf || conf->post != VG_POST_FD_RET)
		return 0;
	return lsm_decide(f, false);
}

SEC("lsm/file_open")
int BPF_PROG(vg_lsm_file_open, struct file *file)
{
	struct file *f = NULL;

	/* loaded for the sharers' kill rules only: most opens stop here */
	if (!lsm_active && !sharers_exist(bpf_get_current_task_btf()))
		return 0;
	/* As a plain number: the path walk (a global function) takes the
	 * address of f_path as a scalar, which a BTF pointer is not. */
	bpf_probe_read_kernel(&f, sizeof(f), &file);
	return lsm_decide_open(f);
}

/*
 * The path hooks (CONFIG_SECURITY_PATH): the path the kernel is about to
 * act on, for the record of the call in flight (kpath_put in
 * lib/record.bpf.h), never a verdict. Loaded with LSM-BPF where the
 * kernel has them; only calls whose entry copy was taken (a rule names
 * the call) pay for the walk.
 */
static __always_inline int kpath_hook(__u32 u, __u64 mnt, __u64 dentry)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct vg_entry_copy *ec;
	struct vg_scratch *s;

	if (!kpaths_on || is_self(task) || !mnt || !dentry)
		return 0;
	ec = bpf_task_storage_get(&entry_strs, task, 0, 0);
	if (!ec || ec->row == VG_ENTRY_NONE)
		return 0;
	s = bpf_task_storage_get(&lsm_scratch, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!s) {
		misc_inc(VG_MISC_LSM_NOMEM);
		return 0;
	}
	kpath_put(s, ec->row, u, mnt, dentry);
	return 0;
}

/* The mount and dentry of a struct path, as plain numbers (kpath_put is
 * a global function: it takes no BTF pointer). */
static __always_inline int kpath_of(__u32 u, const struct path *p)
{
	return kpath_hook(u, (__u64)BPF_CORE_READ(p, mnt), (__u64)BPF_CORE_READ(p, dentry));
}

/* A dentry in the directory `dir` (unlink, mkdir, ...: the name the call gave). */
static __always_inline int kpath_in(__u32 u, const struct path *dir, struct dentry *dentry)
{
	__u64 d = 0;

	bpf_probe_read_kernel(&d, sizeof(d), &dentry);
	return kpath_hook(u, (__u64)BPF_CORE_READ(dir, mnt), d);
}

SEC("lsm/path_unlink")
int BPF_PROG(vg_lsm_path_unlink, const struct path *dir, struct dentry *dentry)
{
	return kpath_in(0, dir, dentry);
}

SEC("lsm/path_rmdir")
int BPF_PROG(vg_lsm_path_rmdir, const struct path *dir, struct dentry *dentry)
{
	return kpath_in(0, dir, dentry);
}

SEC("lsm/path_mkdir")
int BPF_PROG(vg_lsm_path_mkdir, const struct path *dir, struct dentry *dentry)
{
	return kpath_in(0, dir, dentry);
}

SEC("lsm/path_symlink")
int BPF_PROG(vg_lsm_path_symlink, const struct path *dir, struct dentry *dentry)
{
	/* the link's path (linkpath, symlink's one path argument), not
	 * its target, which is a string */
	return kpath_in(0, dir, dentry);
}

SEC("lsm/path_rename")
int BPF_PROG(vg_lsm_path_rename, const struct path *old_dir, struct dentry *old_dentry,
	     const struct path *new_dir, struct dentry *new_dentry)
{
	kpath_in(0, old_dir, old_dentry);
	return kpath_in(1, new_dir, new_dentry);
}

SEC("lsm/path_link")
int BPF_PROG(vg_lsm_path_link, struct dentry *old_dentry, const struct path *new_dir,
	     struct dentry *new_dentry)
{
	/* a hard link's source is on the new name's mount (else EXDEV before) */
	kpath_in(0, new_dir, old_dentry);
	return kpath_in(1, new_dir, new_dentry);
}

SEC("lsm/path_chmod")
int BPF_PROG(vg_lsm_path_chmod, const struct path *path)
{
	return kpath_of(0, path);
}

SEC("lsm/path_chown")
int BPF_PROG(vg_lsm_path_chown, const struct path *path)
{
	return kpath_of(0, path);
}

SEC("lsm/path_truncate")
int BPF_PROG(vg_lsm_path_truncate, const struct path *path)
{
	return kpath_of(0, path);
}

SEC("lsm/bprm_check_security")
int BPF_PROG(vg_lsm_bprm, struct linux_binprm *bprm)
{
	/* fd.name of an exec is its filename argument, as at sys_exit */
	return lsm_decide(NULL, false);
}

SEC("lsm/ptrace_access_check")
int BPF_PROG(vg_lsm_ptrace, struct task_struct *child, unsigned int mode)
{
	/* attaching, not the read checks of /proc/<vigil>/{fd,exe,...} */
	if (protect_self && child->tgid == vigil_tgid && (mode & VG_PTRACE_MODE_ATTACH))
		return self_protect();
	return lsm_decide(NULL, false);
}

SEC("lsm/kernel_read_file")
int BPF_PROG(vg_lsm_read_file, struct file *file, int id, bool contents)
{
	return lsm_decide(NULL, false);
}

SEC("lsm/kernel_load_data")
int BPF_PROG(vg_lsm_load_data, int id, bool contents)
{
	return lsm_decide(NULL, false);
}

SEC("lsm/bpf")
int BPF_PROG(vg_lsm_bpf, int cmd, union bpf_attr *attr, unsigned int size)
{
	return lsm_decide(NULL, false);
}

SEC("lsm/sb_mount")
int BPF_PROG(vg_lsm_mount, const char *dev_name, const struct path *path, const char *type,
	     unsigned long flags, void *data)
{
	return lsm_decide(NULL, false);
}

SEC("lsm/task_kill")
int BPF_PROG(vg_lsm_kill, struct task_struct *p, struct kernel_siginfo *info, int sig,
	     const struct cred *cred)
{
	/* signal 0 only asks whether vigil exists; SIGCHLD is the kernel's */
	if (protect_self && p->tgid == vigil_tgid && sig != 0 && sig != 17)
		return self_protect();
	return lsm_decide(NULL, false);
}

/*
 * io_uring (lib/uring.bpf.h): requests reach the rules as the syscalls
 * they stand for. Kernels before 6.3 pass the completion's fields one by
 * one instead of the cqe; the loader keeps the program that fits.
 */
SEC("tp_btf/io_uring_complete")
int BPF_PROG(vg_uring_complete, struct io_ring_ctx *rctx, void *req, struct io_uring_cqe *cqe)
{
	uring_complete((struct io_kiocb *)req, BPF_CORE_READ(cqe, res));
	return 0;
}

SEC("tp_btf/io_uring_complete")
int BPF_PROG(vg_uring_complete_args, void *rctx, void *req, __u64 user_data, int res)
{
	uring_complete((struct io_kiocb *)req, res);
	return 0;
}

SEC("tp_btf/io_uring_submit_req")
int BPF_PROG(vg_uring_submit, struct io_kiocb *req)
{
	uring_submit(req);
	return 0;
}

/*
 * Every signal queued on the machine passes here, in its sender: those
 * aimed at vigil that it cannot answer are recorded before they land
 * (lib/tamper.bpf.h). A separate program: nothing of it in the syscall
 * path's verification.
 */
SEC("tp_btf/signal_generate")
int BPF_PROG(vg_tamper_signal, int sig, struct kernel_siginfo *info, struct task_struct *task,
	     int group, int result)
{
	tamper_signal(sig, info, task, result);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(vg_proc_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct vg_counters *cnt;
	struct vg_scratch *s;
	struct vg_exec_event *e;
	struct mm_struct *mm;
	struct file *exe;
	__u64 a0, a1, len;
	__u32 off, size;
	long n;

	if (is_self(p))
		return 0;
	/* before the record: it borrows the scratch */
	spared_exec(p, BPF_CORE_READ(bprm, file));
	cnt = counters_get(VG_EV_PROC_EXEC);
	if (cnt)
		cnt->seen++;
	s = scratch_get();
	if (!s)
		return 0;
	e = (void *)s->rec;
	cursor_reset(s, sizeof(*e));
	e->hdr.ts = bpf_ktime_get_boot_ns();
	e->hdr.type = VG_EV_PROC_EXEC;
	e->hdr.flags = 0;
	task_fill_current(&e->task);
	e->old_pid = old_pid;
	e->argc = BPF_CORE_READ(bprm, argc);
	exe = BPF_CORE_READ(bprm, file);
	e->exe_ino = BPF_CORE_READ(exe, f_inode, i_ino);
	e->exe_dev = BPF_CORE_READ(exe, f_inode, i_sb, s_dev);
	__builtin_memset(e->tty, 0, sizeof(e->tty));
	{
		struct tty_struct *tty = BPF_CORE_READ(p, signal, tty);

		if (tty)
			bpf_core_read_str(e->tty, sizeof(e->tty), &tty->name);
	}

	/* slot 0 (VG_EXEC_FILENAME): the filename exec was given, a kernel string */
	s->cur.nstr = 1;
	off = s->cur.off & VG_SCRATCH_MASK;
	n = bpf_probe_read_kernel_str(&s->rec[off], VG_PATH_MAX, BPF_CORE_READ(bprm, filename));
	if (n > 0) {
		s->cur.str[VG_EXEC_FILENAME].off = off;
		s->cur.str[VG_EXEC_FILENAME].len = n - 1;
		s->cur.off = off + n;
	}
	/* slot 1 (VG_EXEC_EXE): the executable really run, from the opened file */
	rec_put_path(s, (__u64)__builtin_preserve_access_index(&exe->f_path));
	/* slot 2 (VG_EXEC_ARGS): argv as the new image sees it, NUL-separated */
	s->cur.nstr = VG_EXEC_ARGS + 1;
	mm = BPF_CORE_READ(p, mm);
	a0 = BPF_CORE_READ(mm, arg_start);
	a1 = BPF_CORE_READ(mm, arg_end);
	len = a1 > a0 ? a1 - a0 : 0;
	if (len > VG_ARGS_MAX) {
		len = VG_ARGS_MAX;
		e->hdr.flags |= VG_F_ARGS_TRUNC;
	}
	off = s->cur.off;
	if (off <= VG_OFF_LIMIT && len) {
		off &= VG_SCRATCH_MASK;
		len &= (VG_ARGS_MAX * 2 - 1);
		if (bpf_probe_read_user(&s->rec[off], len, (void *)a0) == 0) {
			s->cur.str[VG_EXEC_ARGS].off = off;
			s->cur.str[VG_EXEC_ARGS].len = len;
			s->cur.off = off + len;
		} else {
			e->hdr.flags |= VG_F_READ_ERR;
		}
	}
	/* slot 3 (VG_EXEC_CWD): working directory */
	rec_put_path(s, cwd_addr(p));
	size = rec_finish(s, &e->hdr, e->str);
	emit_lifecycle(e, size, VG_EV_PROC_EXEC);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(vg_proc_fork, struct task_struct *parent, struct task_struct *child)
{
	struct vg_counters *cnt;
	struct vg_scratch *s;
	struct vg_fork_event *e;

	/* Threads share their process's context: only new processes matter. */
	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
		return 0;
	if (is_self(parent))
		return 0;
	spared_fork(parent, child);
	if (doomed_n)
		sharers_fork(parent, child);
	cnt = counters_get(VG_EV_PROC_FORK);
	if (cnt)
		cnt->seen++;
	s = scratch_get();
	if (!s)
		return 0;
	e = (void *)s->rec;
	e->hdr.ts = bpf_ktime_get_boot_ns();
	e->hdr.type = VG_EV_PROC_FORK;
	e->hdr.flags = 0;
	e->hdr.size = sizeof(*e);
	task_fill_current(&e->task);
	e->child_pid = BPF_CORE_READ(child, tgid);
	e->child_tid = BPF_CORE_READ(child, pid);
	e->child_start_ns = BPF_CORE_READ(child, start_boottime);
	emit_lifecycle(e, sizeof(*e), VG_EV_PROC_FORK);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(vg_proc_exit, struct task_struct *p)
{
	struct vg_counters *cnt;
	struct vg_scratch *s;
	struct vg_exit_event *e;

	/* a verdict no exit of this thread will take (an exit_group) */
	if (pending_n > 0)
		pending_drop(p->pid);
	/* signal->live has already been decremented: 0 means the last thread. */
	if (BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0;
	if (is_self(p))
		return 0;
	spared_exit(p);
	cnt = counters_get(VG_EV_PROC_EXIT);
	if (cnt)
		cnt->seen++;
	s = scratch_get();
	if (!s)
		return 0;
	e = (void *)s->rec;
	e->hdr.ts = bpf_ktime_get_boot_ns();
	e->hdr.type = VG_EV_PROC_EXIT;
	e->hdr.flags = 0;
	e->hdr.size = sizeof(*e);
	task_fill_current(&e->task);
	e->exit_code = BPF_CORE_READ(p, exit_code);
	e->pad = 0;
	emit_lifecycle(e, sizeof(*e), VG_EV_PROC_EXIT);
	return 0;
}
