/* SPDX-License-Identifier: Apache-2.0 */
/*
 * io_uring requests as the syscall events they stand for: an OPENAT is an
 * `openat` event, a CONNECT a `connect`, and so on, so that the rules, the
 * kernel filter and kill enforcement see them as they see the syscalls.
 * docs/ARCHITECTURE.md says why each op is taken where it is.
 *
 * At completion (io_uring_complete), where the result is known: OPENAT and
 * OPENAT2 (the path resolved from the new fd, or from the ring's fixed-file
 * table for a direct descriptor), CONNECT (the socket's tuple), ACCEPT.
 * At submission (io_uring_submit_req), where the kernel's own copy of the
 * names still exists (it is freed before completion): UNLINKAT, RENAMEAT,
 * LINKAT, SYMLINKAT, MKDIRAT, reported with ret 0 ("submitted").
 *
 * The task is current: the submitter, or an io-wq/SQPOLL thread of its
 * process (same mm, files and creds), whose comm ("iou-wrk-N") is replaced
 * by its process's.
 *
 * Deny rules: the LSM file_open hook runs for an OPENAT too, in the same
 * task; lsm_decide (vigil.bpf.c) judges it as an openat of that file with
 * the file's flags. A refused open is reported by the hook, which has its
 * path; a verdict that let it through (shadow, spared) is left in
 * uring_pending for the completion's record.
 */
#ifndef VIGIL_BPF_URING_H
#define VIGIL_BPF_URING_H

#include "record.bpf.h"
#include "sock.bpf.h"
#include "filter.bpf.h"
#include "enforce.bpf.h"

#define VG_PF_IO_WORKER 0x00000010
#define VG_IORING_FILE_INDEX_ALLOC (~0U)

enum {
	VG_IOP_SENDMSG = 9,
	VG_IOP_ACCEPT = 13,
	VG_IOP_CONNECT = 16,
	VG_IOP_OPENAT = 18,
	VG_IOP_OPENAT2 = 28,
	VG_IOP_RENAMEAT = 35,
	VG_IOP_UNLINKAT = 36,
	VG_IOP_MKDIRAT = 37,
	VG_IOP_SYMLINKAT = 38,
	VG_IOP_LINKAT = 39,
};

/* x86_64 numbers of the syscalls the ops stand for (their sc_table rows) */
enum {
	VG_NR_CONNECT = 42,
	VG_NR_ACCEPT4 = 288,
	VG_NR_OPENAT = 257,
	VG_NR_RENAMEAT2 = 316,
	VG_NR_UNLINKAT = 263,
	VG_NR_MKDIRAT = 258,
	VG_NR_SYMLINKAT = 266,
	VG_NR_LINKAT = 265,
	VG_NR_IO_URING_ENTER = 426,
};

/* The file in slot `slot` of the ring's fixed-file table (a direct
 * descriptor), or NULL. The table holds resource nodes since 6.13; before,
 * an array of tagged file pointers that this does not read (such an open
 * is reported without fd.name: docs/ARCHITECTURE.md). */
static __always_inline struct file *uring_fixed_file(struct io_kiocb *req, __u32 slot)
{
	struct io_ring_ctx *ctx = BPF_CORE_READ(req, ctx);
	struct io_rsrc_node **nodes;
	struct io_rsrc_node *node = NULL;
	unsigned long ptr;

	if (!bpf_core_field_exists(ctx->file_table.data.nodes))
		return NULL;
	nodes = BPF_CORE_READ(ctx, file_table.data.nodes);
	if (slot >= BPF_CORE_READ(ctx, file_table.data.nr))
		return NULL;
	bpf_core_read(&node, sizeof(node), &nodes[slot]);
	if (!node)
		return NULL;
	ptr = BPF_CORE_READ(node, file_ptr);
	return (struct file *)(ptr & ~3UL); /* low bits: FFS_* flags */
}

/*
 * Build, judge and emit the record of op-as-syscall `nr` (its x86_64 row),
 * with arguments `a`, kernel strings `k0`, `k1` for its string slots in
 * order, result `ret` and the file the event's fd.name or socket is (f).
 */
/* An io-wq or SQPOLL thread acts for its process: its record names the
 * process (the thread's own comm is "iou-wrk-N"). Here and in the LSM
 * hook that judges an io_uring open (vigil.bpf.c lsm_decide). */
static __always_inline void uring_worker_comm(struct vg_sys_event *e, struct task_struct *task)
{
	if (task->flags & VG_PF_IO_WORKER)
		bpf_probe_read_kernel(e->task.comm, sizeof(e->task.comm), task->group_leader->comm);
}

static __always_inline void uring_emit(__u32 nr, __s64 ret, __u64 *a, __u64 k0, __u64 k1,
				       struct file *f)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct vg_sc_conf *conf = bpf_map_lookup_elem(&sc_table, &nr);
	struct vg_pending *pend = NULL, pv;
	struct vg_counters *cnt;
	struct vg_scratch *s;
	struct vg_sys_event *e;
	__u32 size, ev, nk = 0, tid = task->pid;

	if (!conf || !conf->ev || (vigil_tgid && task->tgid == vigil_tgid))
		return;
	ev = conf->ev;
	/* the file_open hook's verdict on this open (lsm_decide in vigil.bpf.c) */
	if (lsm_active && nr == VG_NR_OPENAT) {
		pend = bpf_map_lookup_elem(&uring_pending, &tid);
		if (pend && pend->ev == ev) {
			pv = *pend;
			pend = &pv;
		} else {
			pend = NULL;
		}
		bpf_map_delete_elem(&uring_pending, &tid);
		if (pend && (pend->flags & VG_F_DENIED))
			return; /* refused: the hook reported it */
	}
	cnt = counters_get(ev);
	if (cnt)
		cnt->seen++;
	s = scratch_get();
	if (!s)
		return;
	s->gen = table_gen & 1;
	s->compat = 0;
	s->early = VG_STAGE_FULL;
	e = (void *)s->rec;
	cursor_reset(s, sizeof(*e));
	e->hdr.ts = bpf_ktime_get_boot_ns();
	e->hdr.type = ev;
	e->hdr.flags = VG_F_URING;
	e->ret = ret;
	e->nr = nr;
	e->enf_rule = 0;
	__builtin_memcpy(e->args, a, sizeof(e->args));
	task_fill_current(&e->task);
	uring_worker_comm(e, task);
	__builtin_memset(e->ext, 0, sizeof(e->ext));
	__builtin_memset(&e->sock, 0, sizeof(e->sock));
	s->path_norm = conf->post != VG_POST_FD_RET;
	for (int i = 0; i < 6; i++) {
		if (conf->karg[i] == VG_KARG_USTR || conf->karg[i] == VG_KARG_UPATH) {
			rec_put_str(s, nk++ ? k1 : k0, 1);
			if (conf->karg[i] == VG_KARG_UPATH)
				slot_mark_rel(s, i, false);
		} else if (conf->karg[i] == VG_KARG_SOCKADDR) {
			rec_put_ubytes(s, a[i], i < 5 ? a[i + 1] : 0);
			slot_mark_rel(s, i, true);
		} else if (conf->karg[i] == VG_KARG_OPEN_HOW) {
			e->ext[0] = a[2];
		}
	}
	/* relative names: the request's dirfd, or the cwd of the process
	 * (io-wq threads share it) */
	rec_put_bases(s, conf, 1, VG_ENTRY_NONE);
	if (f) {
		if (conf->post == VG_POST_SOCK_RET || conf->post == VG_POST_SOCK_ARG0)
			sock_fill(&e->sock, f);
		else if (conf->post == VG_POST_FD_RET)
			rec_put_path(s, (__u64)__builtin_preserve_access_index(&f->f_path));
	}
	e->nstr = s->cur.nstr;
	e->path_slot = s->cur.path_slot;
	__builtin_memcpy(e->str, s->cur.str, sizeof(s->cur.str));
	e->hdr.flags |= s->cur.flags;
	size = s->cur.off;
	if (size > VG_SCRATCH_SIZE)
		size = VG_SCRATCH_SIZE;
	e->hdr.size = size;
	if (pend) {
		e->enf_rule = pend->enf;
		e->hdr.flags |= pend->flags;
	/* enforcement first: a record it acted on always reaches user space */
	} else if (!enforce_sys(s, task, ev) && !filter_pass(s, ev, VG_FCLAUSES_ALL)) {
		if (cnt)
			cnt->filtered++;
		return;
	}
	emit(e, size, ev);
}

/* A completed request: opens, connects, accepts. */
static __always_inline void uring_complete(struct io_kiocb *req, __s32 res)
{
	__u64 a[6] = {};
	struct file *f = NULL;
	__u8 op = BPF_CORE_READ(req, opcode);

	switch (op) {
	case VG_IOP_OPENAT:
	case VG_IOP_OPENAT2: {
		struct io_open *o = (void *)req;
		__u32 slot = BPF_CORE_READ(o, file_slot);

		/* openat(dirfd, name, flags, mode): the name was freed by now;
		 * fd.name is the opened file's path */
		a[0] = (__u64)(__s64)BPF_CORE_READ(o, dfd);
		a[2] = BPF_CORE_READ(o, how.flags);
		a[3] = BPF_CORE_READ(o, how.mode);
		if (res >= 0)
			f = !slot ? fd_file(bpf_get_current_task_btf(), res)
			    : uring_fixed_file(req, slot == VG_IORING_FILE_INDEX_ALLOC ? res : slot - 1);
		uring_emit(VG_NR_OPENAT, slot && res >= 0 ? 0 : res, a, 0, 0, f);
		break;
	}
	case VG_IOP_CONNECT: {
		struct io_connect *c = (void *)req;

		/* connect(fd, addr, addrlen): the fd is the request's file */
		a[0] = (__u64)-1;
		a[1] = (__u64)BPF_CORE_READ(c, addr);
		a[2] = BPF_CORE_READ(c, addr_len);
		uring_emit(VG_NR_CONNECT, res, a, 0, 0, BPF_CORE_READ(req, file));
		break;
	}
	case VG_IOP_ACCEPT: {
		struct io_accept *ac = (void *)req;
		__u32 slot = BPF_CORE_READ(ac, file_slot);

		/* accept4(fd, addr, addrlen, flags) */
		a[0] = (__u64)-1;
		a[3] = BPF_CORE_READ(ac, flags);
		if (res >= 0)
			f = !slot ? fd_file(bpf_get_current_task_btf(), res)
			    : uring_fixed_file(req, slot == VG_IORING_FILE_INDEX_ALLOC ? res : slot - 1);
		uring_emit(VG_NR_ACCEPT4, slot && res >= 0 ? 0 : res, a, 0, 0, f);
		break;
	}
	}
}

/* A submitted request whose names are freed before it completes. */
static __always_inline void uring_submit(struct io_kiocb *req)
{
	__u64 a[6] = {};
	__u8 op = BPF_CORE_READ(req, opcode);

	switch (op) {
	case VG_IOP_OPENAT:
	case VG_IOP_OPENAT2:
		/* a verdict left by an open that never completed is not this one's */
		if (lsm_active) {
			__u32 tid = bpf_get_current_pid_tgid();

			bpf_map_delete_elem(&uring_pending, &tid);
		}
		break;
	case VG_IOP_UNLINKAT: {
		struct io_unlink *u = (void *)req;

		/* unlinkat(dirfd, name, flags) */
		a[0] = (__u64)(__s64)BPF_CORE_READ(u, dfd);
		a[2] = BPF_CORE_READ(u, flags);
		uring_emit(VG_NR_UNLINKAT, 0, a, (__u64)BPF_CORE_READ(u, filename, name), 0, NULL);
		break;
	}
	case VG_IOP_RENAMEAT: {
		struct io_rename *r = (void *)req;

		/* renameat2(olddirfd, oldpath, newdirfd, newpath, flags) */
		a[0] = (__u64)(__s64)BPF_CORE_READ(r, old_dfd);
		a[2] = (__u64)(__s64)BPF_CORE_READ(r, new_dfd);
		a[4] = BPF_CORE_READ(r, flags);
		uring_emit(VG_NR_RENAMEAT2, 0, a, (__u64)BPF_CORE_READ(r, oldpath, name),
			   (__u64)BPF_CORE_READ(r, newpath, name), NULL);
		break;
	}
	case VG_IOP_LINKAT: {
		struct io_link *l = (void *)req;

		/* linkat(olddir, oldpath, newdir, newpath, flags) */
		a[0] = (__u64)(__s64)BPF_CORE_READ(l, old_dfd);
		a[2] = (__u64)(__s64)BPF_CORE_READ(l, new_dfd);
		a[4] = BPF_CORE_READ(l, flags);
		uring_emit(VG_NR_LINKAT, 0, a, (__u64)BPF_CORE_READ(l, oldpath, name),
			   (__u64)BPF_CORE_READ(l, newpath, name), NULL);
		break;
	}
	case VG_IOP_SYMLINKAT: {
		struct io_link *l = (void *)req;

		/* symlinkat(target, linkdirfd, linkpath): oldpath is the target */
		a[1] = (__u64)(__s64)BPF_CORE_READ(l, new_dfd);
		uring_emit(VG_NR_SYMLINKAT, 0, a, (__u64)BPF_CORE_READ(l, oldpath, name),
			   (__u64)BPF_CORE_READ(l, newpath, name), NULL);
		break;
	}
	case VG_IOP_MKDIRAT: {
		struct io_mkdir *m = (void *)req;

		/* mkdirat(dirfd, path, mode) */
		a[0] = (__u64)(__s64)BPF_CORE_READ(m, dfd);
		a[2] = BPF_CORE_READ(m, mode);
		uring_emit(VG_NR_MKDIRAT, 0, a, (__u64)BPF_CORE_READ(m, filename, name), 0, NULL);
		break;
	}
	}
}

#endif /* VIGIL_BPF_URING_H */
