// SPDX-License-Identifier: Apache-2.0
/* Rollout controls of `vigil run`; see rollout.h. */
#include "cli/rollout.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "common/log.h"

/* the kernel's dev_t is major << 20 | minor, not glibc's encoding */
static struct vg_exe_key exe_key(const struct stat *st)
{
	return (struct vg_exe_key){
		.ino = st->st_ino,
		.dev = (__u32)((major(st->st_dev) << 20) | minor(st->st_dev)),
	};
}

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
	nk->paths[nk->n] = strdup(path);
	if (!nk->paths[nk->n])
		return -ENOMEM;
	nk->keys[nk->n++] = exe_key(&st);
	return 0;
}

size_t vg_never_kill_refresh(struct vg_never_kill *nk, struct vg_exe_key *out,
			     const char **which, size_t max)
{
	struct stat st;
	size_t n = 0;

	for (size_t i = 0; i < nk->n && n < max; i++) {
		struct vg_exe_key k;

		/* gone for now (mid-replacement): looked at again next time */
		if (stat(nk->paths[i], &st))
			continue;
		k = exe_key(&st);
		if (k.ino == nk->keys[i].ino && k.dev == nk->keys[i].dev)
			continue;
		nk->keys[i] = k;
		which[n] = nk->paths[i];
		out[n++] = k;
	}
	return n;
}

void vg_never_kill_release(struct vg_never_kill *nk)
{
	for (size_t i = 0; i < nk->n; i++)
		free(nk->paths[i]);
	nk->n = 0;
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

static volatile sig_atomic_t lower_requests, raise_requests;

static void on_usr(int sig)
{
	if (sig == SIGUSR1)
		lower_requests++;
	else
		raise_requests++;
}

void vg_modectl_handle_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
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

bool vg_modectl_poll(struct vg_modectl *mc, const char **reason)
{
	enum vg_mode want = mc->cap, m;
	sig_atomic_t lo = lower_requests, hi = raise_requests;

	lower_requests = raise_requests = 0;
	*reason = NULL;
	for (; lo > 0; lo--)
		if (want > VG_MODE_OBSERVE)
			want--, *reason = "SIGUSR1";
	for (; hi > 0; hi--)
		if (want < mc->start)
			want++, *reason = "SIGUSR2";
	if (read_control(mc, &m)) {
		want = m < mc->start ? m : mc->start;
		*reason = "the control file";
	}
	if (want == mc->cap)
		return false;
	mc->cap = want;
	return true;
}
