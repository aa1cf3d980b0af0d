// SPDX-License-Identifier: Apache-2.0
/*
 * stdout and file sinks (Falco's stdout_output and file_output). A file is
 * opened for appending; with keep_alive it stays open and is reopened on
 * SIGUSR1 (logrotate renames it, then signals: the next line goes to a new
 * file at the path), without keep_alive it is opened for every line, as
 * Falco does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "output/sink.h"

static int stdout_write(struct vg_sink *s, enum vg_prio prio, const char *line, size_t len)
{
	if (fwrite(line, 1, len, stdout) != len || putc('\n', stdout) == EOF)
		return errno == EPIPE ? -EPIPE : -EIO;
	return 0;
}

static void stdout_flush(struct vg_sink *s)
{
	fflush(stdout);
}

static void stdout_close(struct vg_sink *s)
{
	fflush(stdout);
}

const struct vg_sink_ops vg_sink_stdout_ops = {
	.name = "stdout",
	.write = stdout_write,
	.flush = stdout_flush,
	.close = stdout_close,
};

static int file_open(struct vg_sink *s)
{
	FILE *f;

	if (!s->conf.keep_alive)
		return 0;
	f = fopen(s->conf.target, "ae");
	if (!f) {
		int err = errno;

		vg_warn("output file %s: %s (retrying)", s->conf.target, strerror(err));
		/* a directory not there yet may come; anything else is final */
		return err == ENOENT || err == EACCES ? -EAGAIN : -err;
	}
	s->priv = f;
	return 0;
}

static int file_write(struct vg_sink *s, enum vg_prio prio, const char *line, size_t len)
{
	FILE *f = s->priv;
	int err = 0;

	if (!f && s->conf.keep_alive && file_open(s))
		return -EAGAIN;
	f = s->priv ? s->priv : fopen(s->conf.target, "ae");
	if (!f)
		return -EAGAIN;
	if (fwrite(line, 1, len, f) != len || putc('\n', f) == EOF)
		err = -EAGAIN;
	if (!s->conf.keep_alive && fclose(f))
		err = -EAGAIN;
	return err;
}

static void file_flush(struct vg_sink *s)
{
	if (s->priv)
		fflush(s->priv);
}

static void file_close(struct vg_sink *s)
{
	if (s->priv)
		fclose(s->priv);
	s->priv = NULL;
}

static void file_reopen(struct vg_sink *s)
{
	file_close(s);
	if (s->conf.keep_alive)
		file_open(s);
}

const struct vg_sink_ops vg_sink_file_ops = {
	.name = "file",
	.open = file_open,
	.write = file_write,
	.flush = file_flush,
	.reopen = file_reopen,
	.close = file_close,
};
