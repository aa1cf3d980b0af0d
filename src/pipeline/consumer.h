/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ring-buffer consumer: reads the two rings the kernel fills (syscall
 * records in `events`, exec/fork/exit in `lifecycle`), decodes each record
 * and hands it to a callback. The decoded event is valid only during the
 * call.
 *
 * Order across the rings: a process's lifecycle records are committed
 * before any later syscall of it starts (exec and fork records before the
 * syscall returns, the fork one before the child first runs). So before a
 * syscall record stamped T is handed over, the lifecycle ring is drained
 * once more if its last drain started at or before T: the callback always
 * sees a process's exec before the syscalls of the new image, its fork
 * before its first syscall. Exits, read from their own ring, can reach the
 * callback before the exiting process's last syscall records: `sys_drained`
 * tells the caller when those have all been handed over.
 */
#ifndef VIGIL_CONSUMER_H
#define VIGIL_CONSUMER_H

#include <stdbool.h>
#include <stdint.h>

#include "pipeline/event.h"

struct ring_buffer;

/* Return 0 to go on, a negative errno to stop polling (poll returns it). */
typedef int (*vg_event_fn)(void *ctx, const struct vg_event *ev);

struct vg_consumer {
	struct ring_buffer *sys; /* the syscall ring */
	struct ring_buffer *lc;	 /* the lifecycle ring; NULL when there is none */
	int epfd;		 /* both rings' epoll fds */
	bool have_epfd;		 /* a zeroed consumer releases safely */
	vg_event_fn fn;
	void *ctx;
	int err;	      /* the callback's error, carried out of a nested drain */
	uint64_t lc_drained;  /* boot ns: lifecycle records committed before it were handed over */
	uint64_t sys_drained; /* boot ns: likewise for syscall records */
	uint64_t records;     /* records received, both rings */
	uint64_t bytes;	      /* bytes received, both rings */
	uint64_t lc_records;  /* of those, from the lifecycle ring */
	uint64_t bad_records; /* records the decoder rejected */
};

/* sys_fd, lc_fd: the rings' map fds (lc_fd < 0: no lifecycle ring).
 * 0 or negative errno. */
int vg_consumer_init(struct vg_consumer *c, int sys_fd, int lc_fd, vg_event_fn fn, void *ctx);
void vg_consumer_release(struct vg_consumer *c);
/* Wait up to timeout_ms for records and consume all available, the
 * lifecycle ring first. Returns the number consumed, or a negative errno
 * (the callback's, or -EINTR when a signal interrupted the wait). */
int vg_consumer_poll(struct vg_consumer *c, int timeout_ms);

#endif /* VIGIL_CONSUMER_H */
