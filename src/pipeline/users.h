/* SPDX-License-Identifier: Apache-2.0 */
/*
 * uid -> user name and gid -> group name, from the host's /etc/passwd and
 * /etc/group (read directly: a static binary has no NSS). A file is
 * reloaded when it changed (another inode, or its size, mtime or ctime
 * moved), checked at most once a second by the lookups.
 */
#ifndef VIGIL_USERS_H
#define VIGIL_USERS_H

#include <stdint.h>

struct vg_users;

/* NULL with errno on allocation failure; missing files just mean no names. */
struct vg_users *vg_users_new(const char *passwd_path, const char *group_path);
void vg_users_free(struct vg_users *u);
/* Names, or NULL when unknown. Valid until the next lookup that reloads. */
const char *vg_users_name(struct vg_users *u, uint32_t uid);
const char *vg_users_group(struct vg_users *u, uint32_t gid);
/* Check both files now (lookups do it at most once a second). */
void vg_users_refresh(struct vg_users *u);

#endif /* VIGIL_USERS_H */
