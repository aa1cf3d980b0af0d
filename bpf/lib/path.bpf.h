/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Absolute paths from kernel objects: a bounded walk up the dentry tree,
 * crossing mounts, as d_path() would do (d_path itself is not callable from
 * tracepoints). Used for the exe of an exec, cwd, and files behind fds.
 *
 * The walk writes components backwards into scratch->walk[0, VG_PATH_MAX):
 * the position only decreases, each write starts at an offset masked with
 * VG_PATH_MAX - 1 and is at most NAME_MAX (255) bytes long, so it stays
 * inside the VG_WALK_SIZE (2 * VG_PATH_MAX) area.
 */
#ifndef VIGIL_BPF_PATH_H
#define VIGIL_BPF_PATH_H

#include "maps.bpf.h"

/* Components walked before giving up (deeper paths keep their last 64
 * components and are flagged VG_F_PATH_DEEP). Bounded for the verifier;
 * 64 x (2 reads + 1 copy) keeps the walk well under a microsecond. */
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

static __always_inline __u32 path_walk(struct vg_scratch *s, __u64 path_addr)
{
	const struct path *path = (const struct path *)path_addr;
	struct dentry *d = BPF_CORE_READ(path, dentry);
	struct vfsmount *vmnt = BPF_CORE_READ(path, mnt);
	struct mount *mnt = container_of(vmnt, struct mount, mnt);
	struct dentry *root = BPF_CORE_READ(vmnt, mnt_root);
	struct vg_dentry_link l;
	__u32 i, len, pos, deep = VG_WALK_DEEP;

	/* The write position lives in the map value (s->cur.wpos), not in a
	 * register: the verifier then cannot tell iterations apart by it and
	 * prunes the two ways through the loop body (component, mount
	 * crossing) instead of exploring 2^64 combinations. Per component the
	 * walk costs two helper calls: the dentry link, and the name. */
	s->cur.wpos = VG_PATH_MAX - 1;
	s->walk[VG_PATH_MAX - 1] = 0;
	for (i = 0; i < VG_PATH_DEPTH; i++) {
		dentry_link_read(d, &l);
		len = l.len & VG_NAME_MAX;
		if (d == root || d == l.parent) {
			struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

			if (up != mnt && d == root) {
				/* Cross to the mount point in the parent mount. */
				d = BPF_CORE_READ(mnt, mnt_mountpoint);
				mnt = up;
				root = BPF_CORE_READ(mnt, mnt.mnt_root);
				continue;
			}
			deep = 0;
			pos = s->cur.wpos;
			if (pos == VG_PATH_MAX - 1 && d == l.parent && up == mnt && d != root) {
				/* An internal mount's lone dentry (pipe:, memfd:, anon_inode:):
				 * its name is the whole path, as d_path's d_dname gives. */
				pos = (pos - len) & (VG_PATH_MAX - 1);
				bpf_probe_read_kernel(&s->walk[pos], len, l.name);
				s->cur.wpos = pos;
			}
			break;
		}
		pos = s->cur.wpos;
		if (len + 1 > pos)
			break;
		pos = (pos - len) & (VG_PATH_MAX - 1);
		bpf_probe_read_kernel(&s->walk[pos], len, l.name);
		pos = (pos - 1) & (VG_PATH_MAX - 1);
		s->walk[pos] = '/';
		s->cur.wpos = pos;
		d = l.parent;
	}
	pos = s->cur.wpos & (VG_PATH_MAX - 1);
	if (pos == VG_PATH_MAX - 1) {
		pos -= 1;
		s->walk[pos] = '/';
	}
	return pos | deep;
}

/* The open file at `fd` of `task`, or NULL. */
static __always_inline struct file *fd_file(struct task_struct *task, __s64 fd)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *f = NULL;

	if (fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_core_read(&f, sizeof(f), &fds[fd]);
	return f;
}

#endif /* VIGIL_BPF_PATH_H */
