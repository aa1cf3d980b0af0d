// SPDX-License-Identifier: Apache-2.0
/*
 * syslog sink (Falco's syslog_output): one datagram per alert to the local
 * syslog socket, in the RFC 3164 form glibc's syslog(3) writes
 * ("<PRI>Mmm dd hh:mm:ss vigil[pid]: message"), facility user, severity
 * from the rule's priority (Falco's priorities are syslog's severities, in
 * the same order). Written by hand rather than with syslog(3) so that the
 * socket is the sink's own: a test points it at an rsyslog of its own, and
 * a daemon that is restarting is retried instead of silently skipped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "output/sink.h"

#define SYSLOG_SOCKET "/dev/log"

struct syslog_sink {
	int fd;
	struct sockaddr_un addr;
	char *buf;
	size_t cap;
};

static int syslog_open(struct vg_sink *s)
{
	struct syslog_sink *y = calloc(1, sizeof(*y));
	const char *path = s->conf.target && *s->conf.target ? s->conf.target : SYSLOG_SOCKET;

	if (!y)
		return -ENOMEM;
	if (strlen(path) >= sizeof(y->addr.sun_path)) {
		free(y);
		return -ENAMETOOLONG;
	}
	y->addr.sun_family = AF_UNIX;
	strcpy(y->addr.sun_path, path);
	y->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (y->fd < 0) {
		int err = -errno;

		free(y);
		return err;
	}
	s->priv = y;
	return 0;
}

static int syslog_write(struct vg_sink *s, enum vg_prio prio, const char *line, size_t len)
{
	struct syslog_sink *y = s->priv;
	char head[96], stamp[32];
	struct tm tm;
	time_t now = time(NULL);
	size_t hl;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%b %e %T", &tm);
	hl = (size_t)snprintf(head, sizeof(head), "<%d>%s vigil[%d]: ", LOG_USER | ((int)prio & 7),
			      stamp, (int)getpid());
	if (hl + len > y->cap) {
		char *nb = realloc(y->buf, hl + len);

		if (!nb)
			return -EAGAIN;
		y->buf = nb;
		y->cap = hl + len;
	}
	memcpy(y->buf, head, hl);
	memcpy(y->buf + hl, line, len);
	if (sendto(y->fd, y->buf, hl + len, MSG_NOSIGNAL, (struct sockaddr *)&y->addr,
		   sizeof(y->addr)) < 0) {
		/* no daemon (yet), or its queue full: try again later */
		if (errno == ENOENT || errno == ECONNREFUSED || errno == EAGAIN ||
		    errno == ENOBUFS || errno == ENOTCONN)
			return -EAGAIN;
		return -errno;
	}
	return 0;
}

static void syslog_close(struct vg_sink *s)
{
	struct syslog_sink *y = s->priv;

	if (!y)
		return;
	close(y->fd);
	free(y->buf);
	free(y);
	s->priv = NULL;
}

const struct vg_sink_ops vg_sink_syslog_ops = {
	.name = "syslog",
	.open = syslog_open,
	.write = syslog_write,
	.close = syslog_close,
};
