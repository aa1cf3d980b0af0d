// SPDX-License-Identifier: Apache-2.0
/* proc.exepath's sets in the kernel, by file; see exeset.h. */
#include "loader/exeset.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "common/log.h"
#include "loader/ktables.h"

/* The file at `path` on the host (symlinks followed, as exec follows them:
 * /lib/systemd/... on a merged-/usr system is /usr/lib/systemd/...'s file).
 * 0, or -1 when there is none now. */
static int file_key(const struct vg_exesets *xs, const char *path, struct vg_exeset_key *k)
{
	char buf[PATH_MAX];
	struct stat st;

	if (xs->host_root && xs->host_root[0] &&
	    snprintf(buf, sizeof(buf), "%s%s", xs->host_root, path) < (int)sizeof(buf))
		path = buf;
	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return -1;
	k->ino = st.st_ino;
	/* the kernel's dev_t is major << 20 | minor, not glibc's encoding */
	k->dev = (__u32)((major(st.st_dev) << 20) | minor(st.st_dev));
	return 0;
}

int vg_exesets_fill(struct vg_exesets *xs, int fd, const struct vg_kfilter *kf, __u32 base)
{
	struct vg_exeset_entry *e = NULL;
	__u8 one = 1;
	size_t n = 0;
	int err = 0;

	if (kf && kf->nexes) {
		e = calloc(kf->nexes, sizeof(*e));
		if (!e)
			return -ENOMEM;
	}
	for (; kf && n < kf->nexes; n++) {
		e[n].key.set = kf->exes[n].set + base;
		e[n].path = strdup(kf->exes[n].path);
		if (!e[n].path) {
			err = -ENOMEM;
			n++;
			goto fail;
		}
		if (file_key(xs, e[n].path, &e[n].key))
			continue; /* not there now: followed */
		if (bpf_map_update_elem(fd, &e[n].key, &one, BPF_ANY)) {
			err = -errno;
			vg_err("filling the kernel's executable sets (%s): %s", e[n].path,
			       strerror(-err));
			n++;
			goto fail;
		}
	}
	vg_exesets_release(xs);
	xs->e = e;
	xs->n = n;
	return 0;
fail:
	for (size_t i = 0; i < n; i++)
		free(e[i].path);
	free(e);
	return err;
}

size_t vg_exesets_refresh(struct vg_exesets *xs, int fd, const char **which, size_t max)
{
	size_t joined = 0;
	__u8 one = 1;

	for (size_t i = 0; i < xs->n && joined < max; i++) {
		struct vg_exeset_key k = xs->e[i].key;

		/* gone for now (mid-replacement): looked at again next time */
		if (file_key(xs, xs->e[i].path, &k))
			continue;
		if (k.ino == xs->e[i].key.ino && k.dev == xs->e[i].key.dev)
			continue;
		if (bpf_map_update_elem(fd, &k, &one, BPF_ANY))
			continue; /* full: tried again next time */
		xs->e[i].key = k;
		which[joined++] = xs->e[i].path;
	}
	return joined;
}

void vg_exesets_release(struct vg_exesets *xs)
{
	if (!xs)
		return;
	for (size_t i = 0; i < xs->n; i++)
		free(xs->e[i].path);
	free(xs->e);
	xs->e = NULL;
	xs->n = 0;
}
