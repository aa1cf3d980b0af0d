/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container names and images from the container runtime's API: docker's
 * Engine API on its unix socket (podman serves the same API), asked
 * `GET /containers/<id>/json` over HTTP/1.0. CRI (containerd, cri-o) is
 * gRPC and not spoken here.
 *
 * Never on the event path: a lookup is queued on first sight of a
 * container and answered by a worker thread; until the answer is in, the
 * container's name and image are unknown (`<NA>`). Answers are cached per
 * container id (bounded, direct-mapped: a collision costs one more
 * lookup); failures are retried after RETRY_S seconds.
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

struct vg_cmeta {
	char name[VG_CNAME_MAX];   /* without docker's leading '/' */
	char image[VG_CIMAGE_MAX]; /* Config.Image, as the container was created */
};

struct vg_runtime;

/* `docker_socket`: path of the API socket; NULL or "" disables lookups.
 * The worker starts on the first lookup. NULL with errno on allocation
 * failure. */
struct vg_runtime *vg_runtime_new(const char *docker_socket);
/* Stops the worker (waits for an exchange in progress, bounded by the
 * socket timeouts). Accepts NULL. */
void vg_runtime_free(struct vg_runtime *rt);

/* The metadata of container `full_id`, or NULL while unknown (queued, not
 * found, runtime unreachable); queues a lookup when there is none. Does
 * not block. The result stays valid until the next vg_runtime_poll(). */
const struct vg_cmeta *vg_runtime_meta(struct vg_runtime *rt, const char *full_id);

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

#endif /* VIGIL_RUNTIME_H */
