/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A read-only reader of bbolt files (the key-value store containerd keeps
 * its metadata in): enough to follow nested buckets to one value. Used off
 * the event path to find the image of a container `ctr run` started, which
 * containerd records nowhere else.
 *
 * The file is read with pread while containerd may be writing it. bbolt
 * never overwrites a page a committed transaction points to, and the meta
 * page with the higher valid transaction id names a consistent tree; a
 * page reused between our reads shows as a malformed page (-EPROTO), and
 * the caller retries later.
 */
#ifndef VIGIL_BOLT_H
#define VIGIL_BOLT_H

#include <stddef.h>

/*
 * Follow the buckets `path[0] .. path[n-2]` from the root and copy the
 * value of key `path[n-1]` (a plain value, not a bucket) into `out` (NUL
 * terminated, cut to `size`). 0; -ENOENT when a bucket or the key is
 * missing; -EPROTO for a file that is not bbolt or a malformed page;
 * another negative errno from open or read.
 */
int vg_bolt_get(const char *file, const char *const *path, size_t n, char *out, size_t size);

#endif /* VIGIL_BOLT_H */
