/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Absolute paths from kernel objects: a bounded walk up the dentry tree,
 * crossing mounts, as d_path() would do (d_path itself is not callable from
 * tracepoints), up to the current task's root: a chrooted process's paths
 * are the ones it sees, as after pivot_root. Used for the exe of an exec,
 * cwd, the base directories of path arguments, and files behind fds.
 *
 * The walk writes components backwards into scratch->walk[0, VG_PATH_MAX):
 * the position only decreases, each write starts at an offset masked with
 * VG_PATH_MAX - 1 and is at most NAME_MAX (255) bytes long, so it stays
 * inside the VG_WALK_SIZE (2 * VG_PATH_MAX) area.
 */
#ifndef VIGIL_BPF_PATH_H
#define VIGIL_BPF_PATH_H

#include "maps.bpf.h"

/* Components walked in the unrolled loop; deeper paths go on through
 * bpf_loop (path_walk). Bounded for the verifier; 64 x (2 reads + 1 copy)
 * keeps the walk well under a microsecond. */
#define VG_PATH_DEPTH 64
#define VG_NAME_MAX 255

#ifndef container_of
#define container_of(ptr, type, member) ((type *)((void *)(ptr) - __builtin_offsetof(type, member)))
#endif

/* Set in path_walk()'s result when the depth bound cut the walk short. */
#define VG_WALK_DEEP 0x80000000u

/*
 * Walk the struct path at `path_addr` into s->walk. Returns the start offset
 * in s->walk of the NUL-terminated result (which ends at VG_PATH_MAX - 1),
 * ORed with VG_WALK_DEEP when the bound cut the walk short. Only called from
 * the global rec_put_path(), so it is verified once.
 */
/* d_parent and d_name as one read: they are adjacent in struct dentry on
 * every kernel vigil supports, which dentry_link_read() checks at load time. */
struct vg_dentry_link {
	struct dentry *parent;
	__u32 hash;
	__u32 len;
	const unsigned char *name;
};

static __always_inline void dentry_link_read(struct dentry *d, struct vg_dentry_link *l)
{
	if (bpf_core_field_offset(struct dentry, d_name) ==
	    bpf_core_field_offset(struct dentry, d_parent) + 8) {
		bpf_core_read(l, sizeof(*l), &d->d_parent);
	} else {
		l->parent = BPF_CORE_READ(d, d_parent);
		l->len = BPF_CORE_READ(d, d_name.len);
		l->name = BPF_CORE_READ(d, d_name.name);
	}
}

/* A mount's parent, its mount point there and its root dentry (struct
 * vg_mount_link), as one read where they are adjacent (mnt_parent,
 * mnt_mountpoint, then the vfsmount, which starts with mnt_root), as on
 * every kernel vigil supports. */
static __always_inline void mount_link_read(struct mount *m, struct vg_mount_link *l)
{
	if (bpf_core_field_offset(struct mount, mnt_mountpoint) ==
		    bpf_core_field_offset(struct mount, mnt_parent) + 8 &&
	    bpf_core_field_offset(struct mount, mnt) == bpf_core_field_offset(struct mount, mnt_parent) + 16 &&
	    bpf_core_field_offset(struct vfsmount, mnt_root) == 0) {
		bpf_core_read(l, sizeof(*l), &m->mnt_parent);
	} else {
		l->parent = BPF_CORE_READ(m, mnt_parent);
		l->mountpoint = BPF_CORE_READ(m, mnt_mountpoint);
		l->root = BPF_CORE_READ(m, mnt.mnt_root);
	}
}

/* Where a walk stands: the dentry to name next, its mount and that
 * mount's root. Kernel addresses, read with probe reads. */
struct vg_walk {
	struct vg_scratch *s;
	struct dentry *d;
	struct mount *mnt;
	struct dentry *root;
	struct dentry *froot; /* the current task's root (chroot): the walk ends there */
	struct mount *fmnt;
	__u32 r; /* walk_one's last answer */
};

/* One step up: 0 to go on, 1 at the root (done), 2 out of room. */
static __always_inline __u32 walk_one(struct vg_walk *w)
{
	struct vg_scratch *s = w->s;
	/* locals: BPF_CORE_READ would relocate the walk's own fields too */
	struct dentry *d = w->d;
	struct mount *mnt = w->mnt;
	struct vg_dentry_link l;
	__u32 len, pos;

	/* the task's root: a chrooted process's paths are the ones it uses */
	if (d == w->froot && mnt == w->fmnt)
		return 1;
	dentry_link_read(d, &l);
	len = l.len & VG_NAME_MAX;
	if (d == w->root || d == l.parent) {
		struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

		if (up != mnt && d == w->root) {
			/* Cross to the mount point in the parent mount. */
			w->d = BPF_CORE_READ(mnt, mnt_mountpoint);
			w->mnt = up;
			w->root = BPF_CORE_READ(up, mnt.mnt_root);
			return 0;
		}
		pos = s->cur.wpos;
		if (pos == VG_PATH_MAX - 1 && d == l.parent && up == mnt && d != w->root) {
			/* An internal mount's lone dentry (pipe:, memfd:, anon_inode:):
			 * its name is the whole path, as d_path's d_dname gives. */
			pos = (pos - len) & (VG_PATH_MAX - 1);
			bpf_probe_read_kernel(&s->walk[pos], len, l.name);
			s->cur.wpos = pos;
		}
		return 1;
	}
	pos = s->cur.wpos;
	if (len + 1 > pos)
		return 2;
	pos = (pos - len) & (VG_PATH_MAX - 1);
	bpf_probe_read_kernel(&s->walk[pos], len, l.name);
	pos = (pos - 1) & (VG_PATH_MAX - 1);
	s->walk[pos] = '/';
	s->cur.wpos = pos;
	w->d = l.parent;
	return 0;
}

static long walk_cb(__u64 i, void *arg)
{
	struct vg_walk *w = arg;

	w->r = walk_one(w);
	return w->r != 0;
}

/* The walk of dentry `d` on mount `vmnt` (path_walk's answer). */
static __always_inline __u32 path_walk_at(struct vg_scratch *s, struct vfsmount *vmnt,
					  struct dentry *d)
{
	/* the task's own fields by direct loads (a BTF pointer), not probe
	 * reads: a helper call each, the walk's main cost besides names */
	struct fs_struct *fs = bpf_get_current_task_btf()->fs;
	struct vg_walk w = {
		.s = s,
		.d = d,
		.mnt = container_of(vmnt, struct mount, mnt),
		.root = BPF_CORE_READ(vmnt, mnt_root),
		.froot = fs->root.dentry,
		.fmnt = container_of(fs->root.mnt, struct mount, mnt),
	};
	__u32 i, pos;

	/* The write position lives in the map value (s->cur.wpos), not in a
	 * register: the verifier then cannot tell iterations apart by it and
	 * prunes the two ways through the loop body (component, mount
	 * crossing) instead of exploring 2^64 combinations. Per component the
	 * walk costs two helper calls: the dentry link, and the name. */
	s->cur.wpos = VG_PATH_MAX - 1;
	s->walk[VG_PATH_MAX - 1] = 0;
	for (i = 0; i < VG_PATH_DEPTH; i++) {
		w.r = walk_one(&w);
		if (w.r)
			break;
	}
	/* Deeper than that (rare, and an evasion: /dev/shm/d/d/.../x loses
	 * its /dev/shm): on through bpf_loop, whose callback is verified
	 * once, until the root or the end of the buffer. Only a path longer
	 * than VG_PATH_MAX is cut, and flagged. */
	if (!w.r)
		bpf_loop(VG_PATH_MAX / 2, walk_cb, &w, 0);
	pos = s->cur.wpos & (VG_PATH_MAX - 1);
	if (pos == VG_PATH_MAX - 1) {
		pos -= 1;
		s->walk[pos] = '/';
	}
	return pos | (w.r == 1 ? 0 : VG_WALK_DEEP);
}

static __always_inline __u32 path_walk(struct vg_scratch *s, __u64 path_addr)
{
	const struct path *path = (const struct path *)path_addr;

	return path_walk_at(s, BPF_CORE_READ(path, mnt), BPF_CORE_READ(path, dentry));
}

/* The open file at `fd` of `task`, or NULL. */
static __always_inline struct file *fd_file(struct task_struct *task, __s64 fd)
{
	/* direct loads down to the table (task is a BTF pointer), one
	 * probe read for its slot */
	struct fdtable *fdt = task->files->fdt;
	struct file **fds;
	struct file *f = NULL;

	if (fd < 0 || fd >= fdt->max_fds)
		return NULL;
	fds = fdt->fd;
	bpf_core_read(&f, sizeof(f), &fds[fd]);
	return f;
}

/* Address of the task's cwd `struct path`, as a plain number: read through
 * bpf_probe_read so the verifier does not treat it as a BTF pointer, which
 * a global function cannot take. */
static __always_inline __u64 cwd_addr(struct task_struct *task)
{
	struct fs_struct *fs = BPF_CORE_READ(task, fs);

	return (__u64)__builtin_preserve_access_index(&fs->pwd);
}

#define VG_AT_FDCWD (-100)

/* The struct path a relative path argument is resolved against: the file
 * of `dfd` for a call that takes a directory fd (unless AT_FDCWD), else
 * the cwd; 0 when dfd is no open file (the call failed with EBADF). */
static __always_inline __u64 base_addr(struct task_struct *task, bool has_dirfd, __s32 dfd)
{
	struct file *f;

	if (!has_dirfd || dfd == VG_AT_FDCWD)
		return cwd_addr(task);
	f = fd_file(task, dfd);
	return f ? (__u64)__builtin_preserve_access_index(&f->f_path) : 0;
}

/*
 * Lexical check of a raw path argument, for the kernel filter: a path the
 * filter may compare as it is must read as the walk would write it, that
 * is, absolute, with no empty ("//"), "." or ".." component and no
 * trailing '/'. Anything else ("//etc/shadow", "/tmp/../var/log/x") is
 * unknown to the kernel and judged in user space, after normalisation.
 * The scan runs through bpf_loop: one callback verified once, instead of
 * a 4096-step loop whose every state the verifier would walk.
 */
struct vg_clean {
	struct vg_scratch *s;
	__u32 off;
	__u32 seg;  /* bytes of the component being read */
	__u32 dots; /* it is all dots so far */
	__u32 bad;
};

static long clean_step(__u64 i, void *arg)
{
	struct vg_clean *c = arg;
	__u8 ch = c->s->rec[(c->off + i) & VG_SCRATCH_MASK];

	if (ch != '/') {
		c->seg++;
		c->dots &= ch == '.';
		return 0;
	}
	/* a '/' ends a component: empty ("//"), "." and ".." are not clean */
	if (i && (!c->seg || (c->dots && c->seg <= 2))) {
		c->bad = 1;
		return 1;
	}
	c->seg = 0;
	c->dots = 1;
	return 0;
}

/* 1 when string slot `slot` of the record in s is a clean absolute path
 * (above); 0 when not, or cut at its bound, or read after the syscall ran
 * (VG_F_ARGS_LATE: what it says may not be what the kernel used). */
__noinline int path_clean(struct vg_scratch *s, __u32 slot)
{
	struct vg_sys_event *e;
	struct vg_clean c = {};
	__u32 len;

	if (!s || slot >= VG_NSTR)
		return 0;
	e = (void *)s->rec;
	c.s = s;
	c.off = e->str[slot & (VG_NSTR - 1)].off;
	len = e->str[slot & (VG_NSTR - 1)].len;
	if (!c.off || !len || (e->hdr.flags & (VG_F_TRUNC(slot) | VG_F_ARGS_LATE)) ||
	    s->rec[c.off & VG_SCRATCH_MASK] != '/')
		return 0;
	c.dots = 1;
	bpf_loop(len & (VG_PATH_MAX - 1), clean_step, &c, 0);
	if (c.bad)
		return 0;
	/* the last component: none (a trailing '/'), "." or ".." */
	return len == 1 || (c.seg && !(c.dots && c.seg <= 2));
}

#endif /* VIGIL_BPF_PATH_H */
