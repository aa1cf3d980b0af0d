/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container names, images and pods, from what each runtime keeps without
 * gRPC (vigil speaks no CRI):
 *   docker      its Engine API on its unix socket (`GET /containers/<id>/json`,
 *               HTTP/1.0), else its state file containers/<id>/config.v2.json
 *   containerd  the task's OCI config.json (CRI's io.kubernetes.cri.*
 *               annotations); a `ctr run` container has none: its name is its
 *               id and its image comes from containerd's metadata (bolt.h)
 *   cri-o       the OCI config.json's io.kubernetes.* annotations, and
 *   podman      containers/storage's containers.json (names, image name)
 *   kubelet     /var/log/pods/<namespace>_<pod>_<uid>/: the pod of a uid
 * all below the host's root (HOST_ROOT).
 *
 * Never on the event path: a lookup is queued on first sight of a
 * container (and again when the container shows in a new cgroup: it was
 * restarted) and answered by a worker thread; until the answer is in, the
 * container's name and image are unknown (`<NA>`). Answers are cached per
 * container id (bounded, direct-mapped: a collision costs one more
 * lookup); failures are retried after 2, 4, 8, 16, then every 30 seconds.
 *
 * Threads: vg_runtime_meta() and vg_runtime_poll() belong to the agent's
 * thread; the worker shares with it only a request and a result queue
 * under one mutex, never held during I/O.
 */
#ifndef VIGIL_RUNTIME_H
#define VIGIL_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VG_CNAME_MAX 128  /* container name bytes kept (docker allows ~250) */
#define VG_CIMAGE_MAX 256 /* image reference bytes kept */
#define VG_K8S_NAME_MAX 254 /* a DNS subdomain (pod names) and NUL */

struct vg_cmeta {
	char name[VG_CNAME_MAX];   /* without docker's leading '/' */
	char image[VG_CIMAGE_MAX]; /* the image reference the container was created from */
	char pod_name[VG_K8S_NAME_MAX]; /* Kubernetes pod, "" if none */
	char pod_ns[64];		/* its namespace (a DNS label) */
	char pod_uid[37];
};

struct vg_runtime;
struct vg_cinfo;

/* `docker_socket`: path of the API socket; NULL or "" for none (docker's
 * state files are still read). `host_root`: where the host's filesystem
 * is seen, NULL or "/" for here; the state files are looked for below it
 * (the socket path is taken as given). The worker starts on the first
 * lookup. NULL with errno on allocation failure. */
struct vg_runtime *vg_runtime_new(const char *docker_socket, const char *host_root);
/* Stops the worker (waits for an exchange in progress, bounded by the
 * socket timeouts). Accepts NULL. */
void vg_runtime_free(struct vg_runtime *rt);

/* The metadata of container `ci` (a container, see containers.h) seen in
 * cgroup `cgroup_id`, or NULL while unknown (queued, not found, runtime
 * unreachable); queues a lookup when there is none, or when the container
 * shows in another cgroup than when it was asked last (restarted: its name
 * may have changed; the old answer serves until the new one is in). Does
 * not block. The result stays valid until the next vg_runtime_poll(). */
const struct vg_cmeta *vg_runtime_meta(struct vg_runtime *rt, const struct vg_cinfo *ci,
				       uint64_t cgroup_id);

/* Take the worker's answers into the cache; `now_s` (any monotonic
 * seconds) schedules retries. Returns the number taken. */
size_t vg_runtime_poll(struct vg_runtime *rt, uint64_t now_s);

struct vg_runtime_stats {
	uint64_t requests; /* lookups sent to the worker */
	uint64_t found;	   /* answered with a name */
	uint64_t failed;   /* not found, unreachable, or an answer not understood */
	uint64_t dropped;  /* not queued: the queue was full (retried on a later event) */
};
void vg_runtime_stats(const struct vg_runtime *rt, struct vg_runtime_stats *out);

/*
 * Parse an HTTP response to GET /containers/<id>/json (pure; exposed for
 * tests and fuzzing). 0 with `out` filled; -ENOENT for 404; -EPROTO for
 * anything else (another status, a malformed response or body).
 */
int vg_docker_parse(const char *resp, size_t len, struct vg_cmeta *out);

/*
 * The parsers of the state files (pure; exposed for tests and fuzzing),
 * each filling what it finds into `out` without clearing the rest.
 * 0 when the file named the container; -ENOENT when it holds nothing about
 * it; -EPROTO when it is not what the runtime writes.
 *   vg_docker_state_parse  docker's config.v2.json (also the API's body)
 *   vg_oci_parse           an OCI config.json: CRI or cri-o annotations
 *   vg_storage_parse       containers/storage's containers.json, for `id`
 *   vg_podlog_parse        a /var/log/pods entry name for pod `uid`
 */
int vg_docker_state_parse(const char *json, size_t len, struct vg_cmeta *out);
int vg_oci_parse(const char *json, size_t len, struct vg_cmeta *out);
int vg_storage_parse(const char *json, size_t len, const char *id, struct vg_cmeta *out);
int vg_podlog_parse(const char *dirname, const char *uid, struct vg_cmeta *out);

#endif /* VIGIL_RUNTIME_H */
