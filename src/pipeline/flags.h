/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Symbolic names for syscall argument values: open flags, clone and
 * namespace flags, mount flags, signals, ptrace requests, bpf commands,
 * capabilities, errno names. Renderers and (later) rules use them.
 */
#ifndef VIGIL_FLAGS_H
#define VIGIL_FLAGS_H

#include <stdint.h>

#include "common/strbuf.h"
#include "pipeline/syscalls.h"

/* Append `v` rendered for argument type `t` ("O_WRONLY|O_CREAT", "SIGKILL",
 * "PTRACE_ATTACH", ...). Unknown bits or values are appended in hex/decimal.
 * Returns 0, or -1 if `t` has no symbolic form (caller prints a number). */
int vg_flags_render(struct strbuf *sb, enum vg_atype t, uint64_t v);

/* The value a symbolic name stands for, for argument types whose values are
 * names (PTRACE_ATTACH, BPF_PROG_LOAD, SIGKILL, AF_PACKET). 0 or -1. */
int vg_flags_value(enum vg_atype t, const char *name, int64_t *out);

/* Append a capability set as Falco shows one: names separated by spaces
 * ("CAP_NET_RAW CAP_SYS_ADMIN"); bits without a name as CAP_<n>; nothing for
 * the empty set. */
void vg_caps_render(struct strbuf *sb, uint64_t caps);

/* 2 for "ENOENT"; 0 when unknown. */
int vg_errno_value(const char *name);

/* "ENOENT" for 2 (a positive errno); NULL when unknown. */
const char *vg_errno_name(int err);

#endif /* VIGIL_FLAGS_H */
