// SPDX-License-Identifier: Apache-2.0
/* Kernel feature probes; see probe.h. */
#include "loader/probe.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "probe.skel.h"

static const char *const names[VG_FEAT_MAX] = {
	[VG_FEAT_BTF] = "btf",
	[VG_FEAT_TRACEPOINT] = "tracepoint",
	[VG_FEAT_RAW_TRACEPOINT] = "raw_tracepoint",
	[VG_FEAT_TP_BTF] = "tp_btf",
	[VG_FEAT_KPROBE] = "kprobe",
	[VG_FEAT_FENTRY] = "fentry",
	[VG_FEAT_LSM_BPF] = "lsm_bpf",
	[VG_FEAT_RINGBUF] = "ringbuf",
	[VG_FEAT_SEND_SIGNAL] = "bpf_send_signal",
};

const struct btf *vg_kernel_btf(void)
{
	static struct btf *btf;
	static bool tried;

	if (!tried) {
		tried = true;
		btf = btf__load_vmlinux_btf();
	}
	return btf;
}

bool vg_kernel_has_func(const char *name)
{
	const struct btf *btf = vg_kernel_btf();

	return btf && btf__find_by_name_kind(btf, name, BTF_KIND_FUNC) > 0;
}

const char *vg_feature_name(enum vg_feature f)
{
	return f < VG_FEAT_MAX ? names[f] : "?";
}

static int quiet_print(enum libbpf_print_level l, const char *fmt, va_list ap)
{
	(void)l, (void)fmt, (void)ap;
	return 0;
}

/* Returns the bpf_program of the probe skeleton that tests `f`. */
static struct bpf_program *prog_for(struct probe_bpf *s, enum vg_feature f)
{
	switch (f) {
	case VG_FEAT_TRACEPOINT: return s->progs.probe_tracepoint;
	case VG_FEAT_RAW_TRACEPOINT: return s->progs.probe_raw_tracepoint;
	case VG_FEAT_TP_BTF: return s->progs.probe_tp_btf;
	case VG_FEAT_KPROBE: return s->progs.probe_kprobe;
	case VG_FEAT_FENTRY: return s->progs.probe_fentry;
	case VG_FEAT_LSM_BPF: return s->progs.probe_lsm;
	case VG_FEAT_SEND_SIGNAL: return s->progs.probe_send_signal;
	default: return NULL;
	}
}

/* Load and attach the one program that tests `f`. */
static void probe_prog(enum vg_feature f, struct vg_feature_result *r)
{
	struct probe_bpf *s = probe_bpf__open();
	struct bpf_program *p, *want;
	struct bpf_link *link;
	int err;

	if (!s) {
		snprintf(r->detail, sizeof(r->detail), "open: %s", strerror(errno));
		return;
	}
	want = prog_for(s, f);
	bpf_object__for_each_program(p, s->obj)
		bpf_program__set_autoload(p, p == want);
	err = probe_bpf__load(s);
	if (err) {
		snprintf(r->detail, sizeof(r->detail), "load: %s", strerror(-err));
		goto out;
	}
	link = bpf_program__attach(want);
	if (!link) {
		snprintf(r->detail, sizeof(r->detail), "attach: %s", strerror(errno));
		goto out;
	}
	bpf_link__destroy(link);
	r->ok = true;
	snprintf(r->detail, sizeof(r->detail), "loads and attaches");
out:
	probe_bpf__destroy(s);
}

/* The active LSMs, from securityfs (mounted here if nobody has). */
static bool lsm_list(char *buf, size_t size)
{
	const char *path = "/sys/kernel/security/lsm";
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT) {
		if (mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL) == 0)
			fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0)
		return false;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return true;
}

/* Classic tracepoints and kprobes are found through tracefs: mount it where
 * libbpf looks if nobody has. */
static void tracefs_ensure(void)
{
	struct stat st;

	if (stat("/sys/kernel/tracing/events", &st) == 0 ||
	    stat("/sys/kernel/debug/tracing/events", &st) == 0)
		return;
	mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL);
}

/* An LSM program attaches even where the bpf LSM is not active, and then
 * never runs: it counts only when "bpf" is in the active list. */
static void lsm_active_check(struct vg_feature_result *r)
{
	char lsm[256];

	if (!r->ok)
		return;
	if (!lsm_list(lsm, sizeof(lsm))) {
		r->ok = false;
		snprintf(r->detail, sizeof(r->detail), "cannot read the active LSM list from securityfs");
	} else if (!strstr(lsm, "bpf")) {
		r->ok = false;
		snprintf(r->detail, sizeof(r->detail),
			 "loads, but 'bpf' is not an active LSM (%.90s); boot with lsm=...,bpf", lsm);
	}
}

bool vg_feature_lsm(struct vg_feature_result *r)
{
	libbpf_print_fn_t old = libbpf_set_print(quiet_print);

	memset(r, 0, sizeof(*r));
	probe_prog(VG_FEAT_LSM_BPF, r);
	lsm_active_check(r);
	libbpf_set_print(old);
	return r->ok;
}

void vg_features_probe(struct vg_features *out)
{
	libbpf_print_fn_t old = libbpf_set_print(quiet_print);
	struct utsname u;
	struct stat st;

	memset(out, 0, sizeof(*out));
	if (uname(&u) == 0)
		snprintf(out->kernel, sizeof(out->kernel), "%s", u.release);

	if (stat("/sys/kernel/btf/vmlinux", &st) == 0) {
		out->f[VG_FEAT_BTF].ok = true;
		snprintf(out->f[VG_FEAT_BTF].detail, sizeof(out->f[0].detail),
			 "/sys/kernel/btf/vmlinux (%lld bytes)", (long long)st.st_size);
	} else {
		snprintf(out->f[VG_FEAT_BTF].detail, sizeof(out->f[0].detail),
			 "/sys/kernel/btf/vmlinux: %s", strerror(errno));
	}
	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 1) {
		out->f[VG_FEAT_RINGBUF].ok = true;
		snprintf(out->f[VG_FEAT_RINGBUF].detail, sizeof(out->f[0].detail), "map type loads");
	} else {
		snprintf(out->f[VG_FEAT_RINGBUF].detail, sizeof(out->f[0].detail),
			 "BPF_MAP_TYPE_RINGBUF refused (kernel < 5.8?)");
	}
	tracefs_ensure();
	for (enum vg_feature f = 0; f < VG_FEAT_MAX; f++)
		if (f != VG_FEAT_BTF && f != VG_FEAT_RINGBUF)
			probe_prog(f, &out->f[f]);

	lsm_active_check(&out->f[VG_FEAT_LSM_BPF]);
	libbpf_set_print(old);
}
