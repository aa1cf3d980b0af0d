/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container and pod identity from the cgroup v2 path of a process.
 *
 * Every event carries its task's cgroup v2 id (bpf_get_current_cgroup_id).
 * User space turns the id into the cgroup's path with open_by_handle_at()
 * on the cgroup2 mount (the id is the kernfs file handle), which works even
 * after the process has exited, since the cgroup outlives it, and parses the
 * runtime's naming: docker, containerd/CRI, cri-o, podman, systemd scopes,
 * kubepods slices. Results are cached per cgroup id (bounded).
 */
#ifndef VIGIL_CONTAINERS_H
#define VIGIL_CONTAINERS_H

#include <stdbool.h>
#include <stdint.h>

struct vg_cinfo {
	bool container;	  /* a runtime's container id was found */
	char id[13];	  /* short id, 12 hex chars (Falco's container.id) */
	char full_id[65]; /* the whole id */
	char pod_uid[37]; /* k8s pod uid, "" if none */
	char ns[64];	  /* containerd namespace of a `ctr run` container, else "" */
	const char *runtime; /* "docker", "containerd", "cri-o", "podman", or NULL */
};

/* containerd's task bundles (one directory per namespace, one per task,
 * holding the OCI config.json), below the host's root. */
#define VG_CONTAINERD_TASKS "/run/containerd/io.containerd.runtime.v2.task"

/* Parse a cgroup path ("/system.slice/docker-<64 hex>.scope"). Returns true
 * when it names a container; fills what it finds either way. Pure: a
 * `ctr run` container (/<namespace>/<id>) is recognised only by the lookup,
 * which asks containerd's state. */
bool vg_container_parse(const char *cgroup_path, struct vg_cinfo *out);

struct vg_containers;

/* `cgroup2_mount`: where cgroup v2 is mounted, or NULL to find it in
 * /proc/self/mountinfo. `host_root`: where the host's filesystem is seen
 * (HOST_ROOT), NULL or "/" for here; runtime state is looked for below it.
 * Never fails for lack of cgroup v2: lookups then report no container.
 * NULL only on allocation failure. */
struct vg_containers *vg_containers_new(const char *cgroup2_mount, const char *host_root);
void vg_containers_free(struct vg_containers *c);

/* The container of cgroup `id` (cached); never NULL. */
const struct vg_cinfo *vg_containers_lookup(struct vg_containers *c, uint64_t cgroup_id);

/* The cgroup v2 mount point found, or "" when there is none. */
const char *vg_containers_mount(const struct vg_containers *c);

struct vg_runtime;
struct vg_cmeta;

/* Ask `rt` (owned by the caller, outliving c) for names and images. */
void vg_containers_set_runtime(struct vg_containers *c, struct vg_runtime *rt);
/* Name, image and pod of the container `ci`, seen in cgroup `cgroup_id`,
 * or NULL while unknown: not a container, not found in any runtime's
 * state, or the answer not in yet (see runtime.h). Never blocks. */
const struct vg_cmeta *vg_containers_meta(struct vg_containers *c, const struct vg_cinfo *ci,
					  uint64_t cgroup_id);

#endif /* VIGIL_CONTAINERS_H */
