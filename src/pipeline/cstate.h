/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container metadata from the runtimes' state files (see runtime.h for the
 * sources). Blocking file I/O: called by runtime.c's worker thread only.
 * Each reader fills what it finds into `m` without clearing the rest and
 * returns 0 when it found the container, -ENOENT when not, another
 * negative errno when a file could not be read or parsed.
 * `root` is the host's root as seen from here ("" for "/").
 */
#ifndef VIGIL_CSTATE_H
#define VIGIL_CSTATE_H

#include "pipeline/runtime.h"

/* Where each runtime keeps its state, below the host's root. */
#define VG_DOCKER_STATE "/var/lib/docker/containers"
#define VG_CONTAINERD_META "/var/lib/containerd/io.containerd.metadata.v1.bolt/meta.db"
#define VG_STORAGE_ROOT "/var/lib/containers/storage"
#define VG_STORAGE_RUNROOT "/run/containers/storage"
#define VG_POD_LOGS "/var/log/pods"

/* docker's config.v2.json of container `id`. */
int vg_cstate_docker(const char *root, const char *id, struct vg_cmeta *m);
/* containerd's task `ns`/`id`: its config.json, then its metadata. */
int vg_cstate_containerd(const char *root, const char *ns, const char *id, struct vg_cmeta *m);
/* containers/storage (podman, cri-o): the container's config.json, then
 * containers.json. */
int vg_cstate_storage(const char *root, const char *id, struct vg_cmeta *m);
/* The kubelet's log directory of pod `uid`: pod name and namespace. */
int vg_cstate_podlogs(const char *root, const char *uid, struct vg_cmeta *m);

#endif /* VIGIL_CSTATE_H */
