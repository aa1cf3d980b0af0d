/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Path arguments as the kernel resolved them. The kernel side records a
 * path argument as the caller spelled it and, when it is relative, the
 * directory it was resolved against (the dirfd's path or the cwd, walked
 * from the kernel's dentries: abi/event.h, base slots). Joining the two
 * and normalising ".", ".." and "//" lexically is done here, in user space,
 * where it costs nothing to the syscall; the kernel filter leaves every
 * path that is not already in this form to user space (bpf/lib/path.bpf.h,
 * path_clean), so that the two judge the same string.
 *
 * Lexical: a ".." after a symlinked directory is taken as the parent of the
 * link's name, not of its target (docs/ARCHITECTURE.md says where that
 * matters and what covers it).
 */
#ifndef VIGIL_PATH_H
#define VIGIL_PATH_H

#include <stdbool.h>
#include <stddef.h>

#include "common/strbuf.h"

/*
 * Append to `out` the absolute, normalised form of path `p` (plen bytes):
 * p itself when absolute, else base + "/" + p (base: blen bytes, absolute;
 * NULL when unknown). ".", empty components and a trailing '/' go, ".."
 * takes the previous component away ("/.." is "/"). Returns false, with
 * `out` unchanged, when p is relative and there is no base.
 */
bool vg_path_resolve(struct strbuf *out, const char *base, size_t blen, const char *p,
		     size_t plen);

/* The directory part of absolute path `p` ("/a/b" -> "/a", "/a" -> "/"):
 * its length. */
size_t vg_path_dirlen(const char *p, size_t len);

#endif /* VIGIL_PATH_H */
