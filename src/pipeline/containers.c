// SPDX-License-Identifier: Apache-2.0
/* Container identity from cgroup v2 paths; see containers.h. */
#include "pipeline/containers.h"
#include "pipeline/runtime.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Cached cgroups: a direct-mapped table; a collision replaces the older
 * entry, which only costs a re-resolution. */
#define CACHE_SLOTS 4096
/* FILEID_KERNFS: the file-handle type of kernfs (cgroup2) directories. */
#define VG_FILEID_KERNFS 0xfe

struct slot {
	uint64_t id; /* 0 = empty */
	struct vg_cinfo info;
};

struct vg_containers {
	char mount[256];
	char root[256]; /* the host's root seen from here: "" or HOST_ROOT */
	int mount_fd;
	struct vg_runtime *rt; /* not owned; NULL: no names */
	struct slot cache[CACHE_SLOTS];
};

static bool is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return true;
}

static void set_id(struct vg_cinfo *out, const char *hex, size_t n, const char *runtime)
{
	memcpy(out->full_id, hex, n);
	out->full_id[n] = '\0';
	memcpy(out->id, hex, n < 12 ? n : 12);
	out->id[n < 12 ? n : 12] = '\0';
	out->runtime = runtime;
	out->container = true;
}

/* One path component: "docker-<hex>.scope", "<hex>", "pod<uid>", ... */
static void component(const char *c, size_t n, const char *prev, size_t prevn, struct vg_cinfo *out)
{
	static const struct {
		const char *prefix;
		const char *runtime;
	} scopes[] = {
		{ "docker-", "docker" },	  { "cri-containerd-", "containerd" },
		{ "crio-", "cri-o" },		  { "libpod-", "podman" },
		{ "containerd-", "containerd" },
	};

	/* systemd scopes: <runtime>-<64 hex>.scope (not the "-conmon-" helpers);
	 * the cgroupfs managers name the same cgroup without ".scope" (podman
	 * --cgroup-manager cgroupfs: /libpod_parent/libpod-<64 hex>; cri-o:
	 * /kubepods/<qos>/pod<uid>/crio-<64 hex>) */
	if (n > 64) {
		size_t sl = n > 6 && !memcmp(c + n - 6, ".scope", 6) ? 6 : 0;

		for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++) {
			size_t pl = strlen(scopes[i].prefix);

			if (n == pl + 64 + sl && !memcmp(c, scopes[i].prefix, pl) && is_hex(c + pl, 64)) {
				set_id(out, c + pl, 64, scopes[i].runtime);
				return;
			}
		}
	}
	/* cgroupfs drivers: /docker/<hex>, /kubepods/<qos>/pod<uid>/<hex>. A bare
	 * 64-hex name elsewhere is not taken for a container: sandboxes and
	 * job systems name cgroups that way too. */
	if (n == 64 && is_hex(c, 64)) {
		if (prevn == 6 && !memcmp(prev, "docker", 6))
			set_id(out, c, 64, "docker");
		else if (prevn > 3 && !memcmp(prev, "pod", 3))
			set_id(out, c, 64, NULL);
		return;
	}
	/* pods: "pod<uid>" (cgroupfs) or "kubepods-<qos>-pod<uid_with_underscores>.slice" */
	{
		const char *p = NULL;
		size_t pn = 0;

		if (n > 3 && !memcmp(c, "pod", 3)) {
			p = c + 3;
			pn = n - 3;
		} else if (n > 6 && !memcmp(c + n - 6, ".slice", 6) && !memcmp(c, "kubepods", 8)) {
			const char *q = memmem(c, n, "-pod", 4);

			if (q) {
				p = q + 4;
				pn = (size_t)(c + n - 6 - p);
			}
		}
		if (p && pn == 36) {
			for (size_t i = 0; i < 36; i++)
				out->pod_uid[i] = p[i] == '_' ? '-' : p[i];
			out->pod_uid[36] = '\0';
		}
	}
}

bool vg_container_parse(const char *path, struct vg_cinfo *out)
{
	const char *s = path, *prev = "";
	size_t prevn = 0;

	memset(out, 0, sizeof(*out));
	while (*s) {
		size_t n;

		while (*s == '/')
			s++;
		n = strcspn(s, "/");
		if (n)
			component(s, n, prev, prevn, out);
		prev = s;
		prevn = n;
		s += n;
	}
	return out->container;
}

/* The cgroup2 mount point from mountinfo ("... - cgroup2 cgroup2 rw"). */
static void find_mount(char *out, size_t size)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[1024];

	out[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - cgroup2 ");
		char mnt[256];

		if (!sep)
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %255s", mnt) == 1) {
			snprintf(out, size, "%s", mnt);
			break;
		}
	}
	fclose(f);
}

struct vg_containers *vg_containers_new(const char *cgroup2_mount, const char *host_root)
{
	struct vg_containers *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	if (host_root && strcmp(host_root, "/"))
		snprintf(c->root, sizeof(c->root), "%s", host_root);
	if (cgroup2_mount)
		snprintf(c->mount, sizeof(c->mount), "%s", cgroup2_mount);
	else
		find_mount(c->mount, sizeof(c->mount));
	c->mount_fd = c->mount[0] ? open(c->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	return c;
}

void vg_containers_free(struct vg_containers *c)
{
	if (!c)
		return;
	if (c->mount_fd >= 0)
		close(c->mount_fd);
	free(c);
}

const char *vg_containers_mount(const struct vg_containers *c)
{
	return c->mount;
}

/* cgroup id -> path below the mount, through the kernfs file handle. */
static bool cgroup_path(struct vg_containers *c, uint64_t id, char *buf, size_t size)
{
	struct {
		struct file_handle fh;
		unsigned char bytes[8];
	} h;
	char link[64];
	ssize_t n;
	int fd;

	if (c->mount_fd < 0)
		return false;
	h.fh.handle_bytes = 8;
	h.fh.handle_type = VG_FILEID_KERNFS;
	memcpy(h.fh.f_handle, &id, 8);
	fd = open_by_handle_at(c->mount_fd, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, size - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return true;
}

/* A name containerd accepts for a namespace or a container id: letters and
 * digits, single '.', '_' or '-' between them. */
static bool containerd_name(const char *s, size_t n, size_t max)
{
	if (!n || n > max || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) &&
		    (!strchr("._-", s[i]) || !isalnum((unsigned char)s[i + 1])))
			return false;
	return true;
}

/*
 * containerd run outside Kubernetes (`ctr run`, nerdctl, moby's own tasks
 * under the cgroupfs manager) puts a container in /<namespace>/<id>, names
 * that say nothing by themselves: a sandbox or a job system makes cgroups
 * like that too. It is a container when containerd has a task of that id
 * in that namespace: its bundle directory exists. A stat of tmpfs, once per
 * new cgroup (the result is cached with the cgroup).
 */
static void containerd_task(struct vg_containers *c, const char *rel, struct vg_cinfo *out)
{
	const char *ns = rel + strspn(rel, "/"), *id = strchr(ns, '/');
	char dir[512];
	struct stat st;
	size_t nsl;

	if (!id)
		return;
	nsl = (size_t)(id - ns);
	id++;
	if (!containerd_name(ns, nsl, sizeof(out->ns) - 1) ||
	    !containerd_name(id, strlen(id), sizeof(out->full_id) - 1))
		return;
	if ((size_t)snprintf(dir, sizeof(dir), "%s" VG_CONTAINERD_TASKS "/%.*s/%s", c->root, (int)nsl,
			     ns, id) >= sizeof(dir) ||
	    stat(dir, &st) || !S_ISDIR(st.st_mode))
		return;
	set_id(out, id, strlen(id), "containerd");
	memcpy(out->ns, ns, nsl);
	out->ns[nsl] = '\0';
}

const struct vg_cinfo *vg_containers_lookup(struct vg_containers *c, uint64_t id)
{
	struct slot *s = &c->cache[(id * 0x9e3779b97f4a7c15ull) >> 52 & (CACHE_SLOTS - 1)];
	char path[4096];

	if (s->id == id && id)
		return &s->info;
	s->id = id;
	memset(&s->info, 0, sizeof(s->info));
	if (id && cgroup_path(c, id, path, sizeof(path))) {
		size_t ml = strlen(c->mount);
		const char *rel = strncmp(path, c->mount, ml) ? path : path + ml;

		if (!vg_container_parse(rel, &s->info) && !s->info.pod_uid[0])
			containerd_task(c, rel, &s->info);
	} else {
		s->id = 0; /* not resolved: try again next time rather than cache "host" */
	}
	return &s->info;
}

void vg_containers_set_runtime(struct vg_containers *c, struct vg_runtime *rt)
{
	c->rt = rt;
}

const struct vg_cmeta *vg_containers_meta(struct vg_containers *c, const struct vg_cinfo *ci,
					  uint64_t cgroup_id)
{
	if (!c->rt || !ci->container)
		return NULL;
	return vg_runtime_meta(c->rt, ci, cgroup_id);
}
