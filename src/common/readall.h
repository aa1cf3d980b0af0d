/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Read a file or a socket whole, into a buffer that grows as it fills
 * (16 KiB, doubling) up to a bound the caller names: the runtimes' state
 * files (src/pipeline/cstate.c) and docker's API answers
 * (src/pipeline/runtime.c) have no size known in advance, and a bound
 * keeps a corrupt or hostile source from taking the agent's memory.
 */
#ifndef VIGIL_READALL_H
#define VIGIL_READALL_H

#include <stdbool.h>
#include <stddef.h>

/* Says whether buf[0..len) is already all there is to read (a socket's
 * peer that does not close after answering), checked before each read. */
typedef bool (*vg_read_done_fn)(const char *buf, size_t len);

/*
 * Read `fd` until end of file, or until `done` (may be NULL) says the
 * bytes so far are complete. On success *out is a new NUL-terminated
 * buffer the caller frees (also for an empty read) and *len its length
 * without the NUL. Returns 0 or a negative errno: -EFBIG when `max` bytes
 * or more come (at most max - 1 are read), -ENOMEM, or read(2)'s error
 * (-EAGAIN: a socket's SO_RCVTIMEO ran out); *out and *len are untouched
 * then. EINTR is retried. `fd` stays open.
 */
int vg_read_all(int fd, size_t max, vg_read_done_fn done, char **out, size_t *len);

#endif /* VIGIL_READALL_H */
