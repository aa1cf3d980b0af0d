// SPDX-License-Identifier: Apache-2.0
/*
 * Container metadata from runtime state files; see cstate.h and runtime.h.
 * The parsers are pure and never overwrite a field already filled, so the
 * readers can ask sources in their order of trust and let each fill the
 * gaps the ones before it left.
 */
#include "pipeline/cstate.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/readall.h"
#include "pipeline/bolt.h"
#include "pipeline/containers.h"

/* containers.json lists every container of the host (~1 KiB each); a
 * config.json is a few KiB, more with a large environment. */
#define FILE_MAX (16u << 20)

/* dst = src unless dst is already set. */
static void fill(char *dst, size_t size, const char *src)
{
	if (!dst[0] && src && src[0])
		snprintf(dst, size, "%s", src);
}

#define FILL(m, field, src) fill((m)->field, sizeof((m)->field), (src))

static const char *jstring(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/*
 * Kubernetes' keys, as containerd's CRI plugin writes them into OCI
 * annotations (io.kubernetes.cri.*) and as cri-o (annotations) and
 * cri-dockerd (docker labels) do (io.kubernetes.*). True if any was there.
 */
static bool k8s_keys(json_t *obj, struct vg_cmeta *m)
{
	static const struct {
		const char *key;
		size_t off, size;
	} keys[] = {
#define K(k, f) { k, offsetof(struct vg_cmeta, f), sizeof(((struct vg_cmeta *)0)->f) }
		K("io.kubernetes.cri.container-name", name),
		K("io.kubernetes.container.name", name),
		K("io.kubernetes.cri.image-name", image),
		K("io.kubernetes.cri-o.ImageName", image),
		K("io.kubernetes.cri.sandbox-name", pod_name),
		K("io.kubernetes.pod.name", pod_name),
		K("io.kubernetes.cri.sandbox-namespace", pod_ns),
		K("io.kubernetes.pod.namespace", pod_ns),
		K("io.kubernetes.cri.sandbox-uid", pod_uid),
		K("io.kubernetes.pod.uid", pod_uid),
#undef K
	};
	bool any = false;

	if (!json_is_object(obj))
		return false;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = jstring(obj, keys[i].key);

		if (v && v[0]) {
			fill((char *)m + keys[i].off, keys[i].size, v);
			any = true;
		}
	}
	return any;
}

int vg_docker_state_parse(const char *json, size_t len, struct vg_cmeta *m)
{
	json_t *root = json_loadb(json, len, 0, NULL), *config;
	const char *name;
	int err = -EPROTO;

	if (!json_is_object(root))
		goto out;
	name = jstring(root, "Name");
	config = json_object_get(root, "Config");
	err = -ENOENT;
	if (name) {
		FILL(m, name, name[0] == '/' ? name + 1 : name);
		FILL(m, image, jstring(config, "Image"));
		/* a pod's container under cri-dockerd */
		k8s_keys(json_object_get(config, "Labels"), m);
		err = 0;
	}
out:
	json_decref(root);
	return err;
}

int vg_oci_parse(const char *json, size_t len, struct vg_cmeta *m)
{
	json_t *root = json_loadb(json, len, 0, NULL);
	int err = -EPROTO;

	if (json_is_object(root))
		err = k8s_keys(json_object_get(root, "annotations"), m) ? 0 : -ENOENT;
	json_decref(root);
	return err;
}

int vg_storage_parse(const char *json, size_t len, const char *id, struct vg_cmeta *m)
{
	json_t *root = json_loadb(json, len, 0, NULL), *c;
	size_t i;
	int err = -EPROTO;

	if (!json_is_array(root))
		goto out;
	err = -ENOENT;
	json_array_foreach (root, i, c) {
		const char *cid = jstring(c, "id"), *meta;
		json_t *names = json_object_get(c, "names"), *mj;

		if (!cid || strcmp(cid, id))
			continue;
		if (json_is_string(json_array_get(names, 0)))
			FILL(m, name, json_string_value(json_array_get(names, 0)));
		/* libpod's and cri-o's own record, itself JSON in a string */
		meta = jstring(c, "metadata");
		mj = meta ? json_loads(meta, 0, NULL) : NULL;
		FILL(m, image, jstring(mj, "image-name"));
		FILL(m, pod_name, jstring(mj, "pod-name"));
		json_decref(mj);
		err = 0;
		break;
	}
out:
	json_decref(root);
	return err;
}

int vg_podlog_parse(const char *dirname, const char *uid, struct vg_cmeta *m)
{
	size_t n = strlen(dirname), ul = strlen(uid);
	const char *us = strchr(dirname, '_');

	/* <namespace>_<pod>_<uid>; neither a namespace nor a pod name (DNS
	 * names) holds '_' */
	if (!ul || n < ul + 4 || strcmp(dirname + n - ul, uid) || dirname[n - ul - 1] != '_' || !us ||
	    us >= dirname + n - ul - 2 || (size_t)(us - dirname) >= sizeof(m->pod_ns))
		return -ENOENT;
	if (!m->pod_ns[0]) {
		memcpy(m->pod_ns, dirname, (size_t)(us - dirname));
		m->pod_ns[us - dirname] = '\0';
	}
	if (!m->pod_name[0])
		snprintf(m->pod_name, sizeof(m->pod_name), "%.*s", (int)(dirname + n - ul - 2 - us), us + 1);
	FILL(m, pod_uid, uid);
	return 0;
}

/* --- reading the files ------------------------------------------------------------ */

/* The whole of `path`, NUL-terminated, in a new buffer. */
static int slurp(const char *path, char **out, size_t *len)
{
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = vg_read_all(fd, FILE_MAX, NULL, out, len);
	close(fd);
	return err;
}

typedef int (*parse_fn)(const char *json, size_t len, const char *id, struct vg_cmeta *m);

static int parse_file(const char *path, parse_fn fn, const char *id, struct vg_cmeta *m)
{
	char *buf = NULL;
	size_t len = 0;
	int err = slurp(path, &buf, &len);

	if (err)
		return err;
	err = fn(buf, len, id, m);
	free(buf);
	return err;
}

static int docker_fn(const char *json, size_t len, const char *id, struct vg_cmeta *m)
{
	(void)id;
	return vg_docker_state_parse(json, len, m);
}

static int oci_fn(const char *json, size_t len, const char *id, struct vg_cmeta *m)
{
	(void)id;
	return vg_oci_parse(json, len, m);
}

int vg_cstate_docker(const char *root, const char *id, struct vg_cmeta *m)
{
	char path[512];

	snprintf(path, sizeof(path), "%s" VG_DOCKER_STATE "/%s/config.v2.json", root, id);
	return parse_file(path, docker_fn, id, m);
}

int vg_cstate_containerd(const char *root, const char *ns, const char *id, struct vg_cmeta *m)
{
	const char *bucket[] = { "v1", ns, "containers", id, "image" };
	char path[512];
	int err;

	snprintf(path, sizeof(path), "%s" VG_CONTAINERD_TASKS "/%s/%s/config.json", root, ns, id);
	err = parse_file(path, oci_fn, id, m);
	if (err && err != -ENOENT)
		return err; /* no task of that id in that namespace */
	/* Not made by CRI: containerd's own names. A container's name is its id
	 * (`ctr run IMAGE ID`), its image is recorded only in the metadata. */
	if (!m->image[0]) {
		snprintf(path, sizeof(path), "%s" VG_CONTAINERD_META, root);
		vg_bolt_get(path, bucket, sizeof(bucket) / sizeof(bucket[0]), m->image, sizeof(m->image));
	}
	FILL(m, name, id);
	return 0;
}

/*
 * containers/storage keeps each graph driver's containers in
 * <root>/<driver>-containers/: containers.json, and a directory per
 * container whose userdata/ holds the OCI config.json (podman under the
 * root, cri-o under the run root).
 */
int vg_cstate_storage(const char *root, const char *id, struct vg_cmeta *m)
{
	static const char *const bases[] = { VG_STORAGE_RUNROOT, VG_STORAGE_ROOT };
	int err = -ENOENT;

	for (size_t b = 0; b < 2; b++) {
		char dir[512], path[1024];
		struct dirent *de;
		DIR *d;

		snprintf(dir, sizeof(dir), "%s%s", root, bases[b]);
		d = opendir(dir);
		if (!d)
			continue;
		while ((de = readdir(d))) {
			size_t n = strlen(de->d_name);

			if (n <= 11 || strcmp(de->d_name + n - 11, "-containers"))
				continue;
			snprintf(path, sizeof(path), "%s/%s/%s/userdata/config.json", dir, de->d_name, id);
			if (!parse_file(path, oci_fn, id, m))
				err = 0;
			if (b == 1) {
				snprintf(path, sizeof(path), "%s/%s/containers.json", dir, de->d_name);
				if (!parse_file(path, vg_storage_parse, id, m))
					err = 0;
			}
		}
		closedir(d);
	}
	return err;
}

int vg_cstate_podlogs(const char *root, const char *uid, struct vg_cmeta *m)
{
	char dir[512];
	struct dirent *de;
	int err = -ENOENT;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s" VG_POD_LOGS, root);
	d = opendir(dir);
	if (!d)
		return -errno;
	while (err && (de = readdir(d)))
		err = vg_podlog_parse(de->d_name, uid, m);
	closedir(d);
	return err;
}
