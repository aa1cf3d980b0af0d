/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What this kernel offers vigil, found by loading and attaching trivial
 * programs (bpf/probe.bpf.c), plus the few facts only files tell (BTF, the
 * active LSM list). Used by `vigil probe` and, later, to pick programs and
 * enforcement actions at start-up.
 */
#ifndef VIGIL_PROBE_H
#define VIGIL_PROBE_H

#include <stdbool.h>

enum vg_feature {
	VG_FEAT_BTF,
	VG_FEAT_TRACEPOINT,
	VG_FEAT_RAW_TRACEPOINT,
	VG_FEAT_TP_BTF,
	VG_FEAT_KPROBE,
	VG_FEAT_FENTRY,
	VG_FEAT_LSM_BPF,
	VG_FEAT_RINGBUF,
	VG_FEAT_SEND_SIGNAL,
	VG_FEAT_MAX,
};

struct vg_feature_result {
	bool ok;
	char detail[160]; /* why not, or what was found */
};

struct vg_features {
	char kernel[128]; /* uname release */
	struct vg_feature_result f[VG_FEAT_MAX];
};

struct btf;

/* The kernel's BTF (vmlinux), parsed at the first call and kept for the
 * process: start-up asks it several questions, and each parse costs ~8 ms.
 * NULL when the kernel has none. */
const struct btf *vg_kernel_btf(void);

/* Does the kernel's BTF have the function `name` (a kfunc such as
 * bpf_rdonly_cast, or an LSM hook's bpf_lsm_<hook>)? */
bool vg_kernel_has_func(const char *name);

/* Probe LSM-BPF alone (loads, attaches, and "bpf" is an active LSM). */
bool vg_feature_lsm(struct vg_feature_result *r);

/* Run every probe. Never fails: a probe that cannot run reports "no" and why. */
void vg_features_probe(struct vg_features *out);
/* Stable lower-case name of a feature ("lsm_bpf"). */
const char *vg_feature_name(enum vg_feature f);

#endif /* VIGIL_PROBE_H */
