// SPDX-License-Identifier: Apache-2.0
/*
 * program sink (Falco's program_output): each alert line goes to the
 * standard input of `sh -c PROGRAM`. With keep_alive one child reads them
 * all (restarted if it exits: the line it missed is retried); without, a
 * child per alert, waited for before the next one (Falco's behaviour).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "output/sink.h"

extern char **environ;

struct program_sink {
	pid_t pid;
	int fd; /* write end of the child's stdin */
};

static int spawn(struct vg_sink *s, struct program_sink *p)
{
	char *argv[] = { "sh", "-c", (char *)s->conf.target, NULL };
	posix_spawn_file_actions_t fa;
	int pipefd[2], err;

	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[0], 0);
	err = posix_spawn(&p->pid, "/bin/sh", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[0]);
	if (err) {
		close(pipefd[1]);
		vg_warn("output program: starting '%s': %s", s->conf.target, strerror(err));
		return -EAGAIN;
	}
	p->fd = pipefd[1];
	return 0;
}

static void reap(struct program_sink *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	if (p->pid > 0)
		while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
			;
	p->pid = 0;
}

static int program_open(struct vg_sink *s)
{
	struct program_sink *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->fd = -1;
	s->priv = p;
	return 0;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int program_write(struct vg_sink *s, enum vg_prio prio, const char *line, size_t len)
{
	struct program_sink *p = s->priv;
	int err;

	if (p->fd < 0 && (err = spawn(s, p)))
		return err;
	if (write_all(p->fd, line, len) || write_all(p->fd, "\n", 1)) {
		/* the child went away (EPIPE: SIGPIPE is ignored): start a new
		 * one and send the line again */
		reap(p);
		return -EAGAIN;
	}
	if (!s->conf.keep_alive)
		reap(p);
	return 0;
}

static void program_close(struct vg_sink *s)
{
	struct program_sink *p = s->priv;

	if (!p)
		return;
	reap(p);
	free(p);
	s->priv = NULL;
}

/* SIGUSR1: a long-lived program gets end of file and is started anew on
 * the next alert (Falco reopens its outputs the same way). */
static void program_reopen(struct vg_sink *s)
{
	struct program_sink *p = s->priv;

	if (p)
		reap(p);
}

const struct vg_sink_ops vg_sink_program_ops = {
	.name = "program",
	.open = program_open,
	.write = program_write,
	.reopen = program_reopen,
	.close = program_close,
};
