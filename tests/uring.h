/* SPDX-License-Identifier: Apache-2.0 */
/*
 * io_uring without liburing, for the tests that submit requests the way an
 * attacker's program would: raw io_uring_setup and io_uring_enter, one
 * request at a time. Used by the evasion suite and the differential test.
 */
#ifndef VIGIL_TESTS_URING_H
#define VIGIL_TESTS_URING_H

#include <errno.h>
#include <linux/io_uring.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

struct uring {
	int fd;
	void *sq, *cq;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
	size_t sq_len, cq_len, sqes_len;
	unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
};

static inline void uring_close(struct uring *r)
{
	if (r->sqes && r->sqes != MAP_FAILED)
		munmap(r->sqes, r->sqes_len);
	if (r->cq && r->cq != MAP_FAILED)
		munmap(r->cq, r->cq_len);
	if (r->sq && r->sq != MAP_FAILED)
		munmap(r->sq, r->sq_len);
	if (r->fd >= 0)
		close(r->fd);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

/* A ring of `entries` requests set up with `p` (flags, sq_thread_idle):
 * 0, or -errno (io_uring unavailable). */
static inline int uring_init_params(struct uring *r, unsigned entries, struct io_uring_params *pp)
{
	struct io_uring_params p = *pp;
	int err;

	memset(r, 0, sizeof(*r));
	r->fd = (int)syscall(SYS_io_uring_setup, entries, &p);
	if (r->fd < 0)
		return -errno;
	r->sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	r->cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	r->sqes_len = p.sq_entries * sizeof(struct io_uring_sqe);
	r->sq = mmap(NULL, r->sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
		     IORING_OFF_SQ_RING);
	r->cq = mmap(NULL, r->cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
		     IORING_OFF_CQ_RING);
	r->sqes = mmap(NULL, r->sqes_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
		       IORING_OFF_SQES);
	if (r->sq == MAP_FAILED || r->cq == MAP_FAILED || r->sqes == MAP_FAILED) {
		err = -errno;
		uring_close(r);
		return err;
	}
	r->sq_tail = (unsigned *)((char *)r->sq + p.sq_off.tail);
	r->sq_mask = (unsigned *)((char *)r->sq + p.sq_off.ring_mask);
	r->sq_array = (unsigned *)((char *)r->sq + p.sq_off.array);
	r->cq_head = (unsigned *)((char *)r->cq + p.cq_off.head);
	r->cq_tail = (unsigned *)((char *)r->cq + p.cq_off.tail);
	r->cq_mask = (unsigned *)((char *)r->cq + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)((char *)r->cq + p.cq_off.cqes);
	return 0;
}

/* A ring of `entries` requests: 0, or -errno (io_uring unavailable). */
static inline int uring_init(struct uring *r, unsigned entries)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	return uring_init_params(r, entries, &p);
}

/* Put one request on the submission ring (no syscall). */
static inline void uring_queue(struct uring *r, const struct io_uring_sqe *sqe)
{
	unsigned tail = *r->sq_tail, idx = tail & *r->sq_mask;

	r->sqes[idx] = *sqe;
	r->sq_array[idx] = idx;
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
}

/* Take the next completion: its result, or -EAGAIN when there is none. */
static inline int uring_reap(struct uring *r)
{
	unsigned head = *r->cq_head;
	int res;

	if (head == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE))
		return -EAGAIN;
	res = r->cqes[head & *r->cq_mask].res;
	__atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
	return res;
}

/* Submit one request and wait for it: its result (res), or -errno. */
static inline int uring_run(struct uring *r, const struct io_uring_sqe *sqe)
{
	uring_queue(r, sqe);
	if (syscall(SYS_io_uring_enter, r->fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return -errno;
	return uring_reap(r);
}

/* One request on a ring of its own, closed after: its result, or -errno. */
static inline int uring_one(const struct io_uring_sqe *sqe)
{
	struct uring r;
	int res = uring_init(&r, 1);

	if (res)
		return res;
	res = uring_run(&r, sqe);
	uring_close(&r);
	return res;
}

#endif /* VIGIL_TESTS_URING_H */
