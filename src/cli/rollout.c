// SPDX-License-Identifier: Apache-2.0
/* Rollout controls of `vigil run`; see rollout.h. */
#include "cli/rollout.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "common/log.h"

int vg_never_kill_add(struct vg_never_kill *nk, const char *path, bool optional)
{
	struct stat st;

	if (stat(path, &st)) {
		if (optional && errno == ENOENT)
			return 0;
		vg_err("--never-kill %s: %s", path, strerror(errno));
		return -errno;
	}
	if (nk->n == VG_NEVER_KILL_MAX) {
		vg_err("--never-kill: at most %d executables", VG_NEVER_KILL_MAX);
		return -E2BIG;
	}
	/* the kernel's dev_t is major << 20 | minor, not glibc's encoding */
	nk->keys[nk->n++] = (struct vg_exe_key){
		.ino = st.st_ino,
		.dev = (__u32)((major(st.st_dev) << 20) | minor(st.st_dev)),
	};
	return 0;
}

void vg_never_kill_defaults(struct vg_never_kill *nk)
{
	static const char *const init[] = { "/sbin/init", "/lib/systemd/systemd",
					     "/usr/lib/systemd/systemd", "/proc/self/exe" };

	for (size_t i = 0; i < sizeof(init) / sizeof(init[0]); i++) {
		char *real = realpath(init[i], NULL);

		/* a multi-call binary as init (busybox systems) would spare
		 * every tool it provides: PID 1 is spared by pid anyway */
		if (real && strcmp(strrchr(real, '/') ? strrchr(real, '/') + 1 : real, "busybox"))
			vg_never_kill_add(nk, real, true);
		free(real);
	}
}

/* The control file holds one word: observe, alert or enforce. */
static bool read_control(struct vg_modectl *mc, enum vg_mode *out)
{
	struct stat st;
	char word[32] = "";
	FILE *f;
	int m;

	if (!mc->control_file || stat(mc->control_file, &st))
		return false;
	if (st.st_mtim.tv_sec == mc->control_mtime.tv_sec &&
	    st.st_mtim.tv_nsec == mc->control_mtime.tv_nsec)
		return false;
	mc->control_mtime = st.st_mtim;
	f = fopen(mc->control_file, "re");
	if (!f)
		return false;
	if (fscanf(f, "%31s", word) != 1)
		word[0] = '\0';
	fclose(f);
	m = vg_mode_parse(word);
	if (m < 0) {
		vg_warn("control file %s: '%s' is not observe, alert or enforce; ignored",
			mc->control_file, word);
		return false;
	}
	*out = (enum vg_mode)m;
	return true;
}

int vg_modectl_listen(struct vg_modectl *mc, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)], *slash;
	int fd, err;

	mc->sock_fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		vg_err("control socket %s: path too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0700) && errno != EEXIST) {
			err = -errno;
			vg_err("control socket directory %s: %s", dir, strerror(-err));
			return err;
		}
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* a socket nobody answers on is a dead agent's: replace it */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(fd);
		vg_err("control socket %s: another vigil is listening there", path);
		return -EADDRINUSE;
	}
	unlink(path);
	/* 0600 from the start: no window where others could connect */
	{
		mode_t old = umask(0177);

		err = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
		umask(old);
	}
	if (err || listen(fd, 8)) {
		err = -errno;
		vg_err("control socket %s: %s", path, strerror(-err));
		close(fd);
		return err;
	}
	mc->sock_fd = fd;
	snprintf(mc->sock_path, sizeof(mc->sock_path), "%s", path);
	return 0;
}

void vg_modectl_release(struct vg_modectl *mc)
{
	if (mc->sock_fd < 0)
		return;
	close(mc->sock_fd);
	unlink(mc->sock_path);
	mc->sock_fd = -1;
}

/*
 * One request from the socket, if one is waiting: "mode" asks, "mode M"
 * sets. The answer is one line. The client is root (SO_PEERCRED) or is
 * refused; a client that sends nothing within 100 ms is dropped, so the
 * agent's loop never waits on it for longer.
 */
static bool serve_socket(struct vg_modectl *mc, enum vg_mode *want)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct pollfd pfd;
	char req[64] = "", answer[160];
	bool changed = false;
	ssize_t n = 0;
	int fd, m;

	fd = accept4(mc->sock_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return false;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) || cred.uid != 0) {
		snprintf(answer, sizeof(answer), "error: only root may change the mode\n");
		goto reply;
	}
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&pfd, 1, 100) == 1)
		n = read(fd, req, sizeof(req) - 1);
	req[n > 0 ? n : 0] = '\0';
	req[strcspn(req, "\r\n")] = '\0';
	if (!strcmp(req, "mode")) {
		snprintf(answer, sizeof(answer), "mode %s (ceiling %s)\n", vg_mode_name(*want),
			 vg_mode_name(mc->start));
	} else if (!strncmp(req, "mode ", 5) && (m = vg_mode_parse(req + 5)) >= 0) {
		if ((enum vg_mode)m > mc->start) {
			snprintf(answer, sizeof(answer),
				 "error: %s is above the mode vigil started with (%s)\n",
				 vg_mode_name((enum vg_mode)m), vg_mode_name(mc->start));
		} else {
			*want = (enum vg_mode)m;
			changed = true;
			snprintf(answer, sizeof(answer), "mode %s (ceiling %s)\n", vg_mode_name(*want),
				 vg_mode_name(mc->start));
		}
	} else {
		snprintf(answer, sizeof(answer),
			 "error: expected 'mode' or 'mode observe|alert|enforce'\n");
	}
reply:
	if (write(fd, answer, strlen(answer)) < 0)
		vg_debug("control socket: the client left before the answer");
	close(fd);
	return changed;
}

bool vg_modectl_poll(struct vg_modectl *mc, const char **reason)
{
	enum vg_mode want = mc->cap, m;

	*reason = NULL;
	while (mc->sock_fd >= 0 && serve_socket(mc, &want))
		*reason = "vigil mode";
	if (read_control(mc, &m)) {
		want = m < mc->start ? m : mc->start;
		*reason = "the control file";
	}
	if (want == mc->cap)
		return false;
	mc->cap = want;
	return true;
}

int vg_modectl_request(const char *path, const char *request, char *answer, size_t size)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t off = 0;
	ssize_t n;
	int fd, err = 0;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    write(fd, request, strlen(request)) < 0 || write(fd, "\n", 1) < 0) {
		err = -errno;
		goto out;
	}
	while (off + 1 < size && (n = read(fd, answer + off, size - off - 1)) > 0)
		off += (size_t)n;
	answer[off] = '\0';
	if (!off)
		err = -ECONNRESET;
out:
	close(fd);
	return err;
}
