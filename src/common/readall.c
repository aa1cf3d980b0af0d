// SPDX-License-Identifier: Apache-2.0
/*
 * vg_read_all: see readall.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/readall.h"

#define FIRST_ALLOC 16384

int vg_read_all(int fd, size_t max, vg_read_done_fn done, char **out, size_t *len)
{
	size_t n = 0, cap = 0;
	char *buf = NULL;
	int err = 0;

	while (!(done && buf && done(buf, n))) {
		ssize_t r;

		/* room for at least one byte and the NUL; the buffer stops at
		 * max + 1 bytes, so a full one holds max bytes read: too many */
		if (n + 1 >= cap) {
			char *nb;

			if (cap > max) {
				err = -EFBIG;
				break;
			}
			cap = cap ? cap * 2 : FIRST_ALLOC;
			if (cap > max)
				cap = max + 1;
			nb = realloc(buf, cap);
			if (!nb) {
				err = -ENOMEM;
				break;
			}
			buf = nb;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			err = -errno;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	if (!err && !buf && !(buf = malloc(1)))
		err = -ENOMEM;
	if (err) {
		free(buf);
		return err;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}
