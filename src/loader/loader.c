// SPDX-License-Identifier: Apache-2.0
/*
 * Skeleton lifecycle. The order matters: configuration before load (const
 * volatile globals and map sizes are frozen at load), the dispatcher table
 * before attach (so no event is ever seen half-configured).
 */
#include "loader/loader.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "pipeline/syscalls.h"
#include "rules/kfilter.h"
#include "vigil.skel.h"

#define DEFAULT_RINGBUF (8u << 20)

int vg_parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	default: break;
	}
	if (*end == 'i' || *end == 'B')
		end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
	if (*end || v < 4096 || (v & (v - 1)) || v > (1ull << 30))
		return -EINVAL;
	*out = (size_t)v;
	return 0;
}

static int fill_sc_table(struct vg_loader *l, const bool *enabled)
{
	int fd = bpf_map__fd(l->skel->maps.sc_table);

	l->nsyscalls = 0;
	for (size_t i = 0; i < vg_sc_count(); i++) {
		const struct vg_sc_desc *d = vg_sc_at(i);
		struct vg_sc_conf conf;
		__u32 key = (__u32)d->nr;

		if (enabled && !enabled[d->ev])
			continue;
		if (d->nr < 0 || d->nr >= VG_NR_MAX) {
			vg_err("syscall %s: number %d outside the dispatcher table", d->name, d->nr);
			return -ERANGE;
		}
		vg_sc_conf_fill(d, &conf);
		if (bpf_map_update_elem(fd, &key, &conf, BPF_ANY)) {
			int err = -errno;

			vg_err("filling the syscall table (%s): %s", d->name, strerror(-err));
			return err;
		}
		l->nsyscalls++;
	}
	return 0;
}

/* The kernel filter tables; without a kfilter every event id passes. */
static int fill_filters(struct vg_loader *l, const struct vg_kfilter *kf)
{
	int ffd = bpf_map__fd(l->skel->maps.filters);
	int cfd = bpf_map__fd(l->skel->maps.comm_sets);
	int pfd = bpf_map__fd(l->skel->maps.path_sets);
	int bfd = bpf_map__fd(l->skel->maps.path_bases);
	struct vg_filter pass = { .pass_all = 1 };
	__u8 one = 1;

	for (__u32 ev = 0; ev < VG_EV_MAX; ev++) {
		const struct vg_filter *f = kf ? &kf->f[ev] : &pass;

		if (bpf_map_update_elem(ffd, &ev, f, BPF_ANY))
			goto fail;
	}
	for (size_t i = 0; kf && i < kf->ncomms; i++)
		if (bpf_map_update_elem(cfd, &kf->comms[i], &one, BPF_ANY))
			goto fail;
	for (size_t i = 0; kf && i < kf->nbases; i++)
		if (bpf_map_update_elem(bfd, &kf->bases[i], &one, BPF_ANY))
			goto fail;
	for (size_t i = 0; kf && i < kf->npaths; i++) {
		const struct vg_kpath *p = &kf->paths[i];
		struct vg_path_key k;
		struct vg_path_val v = { .len = p->len, .exact = p->exact };

		memset(&k, 0, sizeof(k));
		k.set = htonl(p->set);
		memcpy(k.path, p->path, p->len);
		/* exact entries include the NUL, so they match only whole paths */
		k.prefixlen = 32 + 8 * (p->len + (p->exact ? 1 : 0));
		if (bpf_map_update_elem(pfd, &k, &v, BPF_ANY))
			goto fail;
	}
	return 0;
fail:
	vg_err("filling the kernel filter tables: %s", strerror(errno));
	return -errno;
}

/* Enforcement tables, the never-kill set and the global mode. */
static int fill_enforce(struct vg_loader *l, const struct vg_loader_opts *o)
{
	int efd = bpf_map__fd(l->skel->maps.enforce), nfd = bpf_map__fd(l->skel->maps.never_kill);
	struct vg_enf_conf conf = { .cap = o->enf_cap, .max_per_sec = o->max_kills_per_sec };
	__u32 zero = 0;
	__u8 one = 1;

	for (__u32 ev = 0; o->kfilter && ev < VG_EV_MAX; ev++)
		if (o->kfilter->enf[ev].nclauses &&
		    bpf_map_update_elem(efd, &ev, &o->kfilter->enf[ev], BPF_ANY))
			goto fail;
	for (size_t i = 0; i < o->nnever_kill; i++)
		if (bpf_map_update_elem(nfd, &o->never_kill[i], &one, BPF_ANY))
			goto fail;
	if (bpf_map_update_elem(bpf_map__fd(l->skel->maps.enf_conf), &zero, &conf, BPF_ANY))
		goto fail;
	return 0;
fail:
	vg_err("filling the enforcement tables: %s", strerror(errno));
	return -errno;
}

int vg_loader_set_cap(struct vg_loader *l, uint32_t cap)
{
	int fd = bpf_map__fd(l->skel->maps.enf_conf);
	struct vg_enf_conf conf;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(fd, &zero, &conf))
		return -errno;
	conf.cap = cap;
	return bpf_map_update_elem(fd, &zero, &conf, BPF_ANY) ? -errno : 0;
}

int vg_loader_start(struct vg_loader *l, const struct vg_loader_opts *o)
{
	size_t rb = o->ringbuf_bytes ? o->ringbuf_bytes : DEFAULT_RINGBUF;
	int err;

	memset(l, 0, sizeof(*l));
	l->ncpus = libbpf_num_possible_cpus();
	if (l->ncpus <= 0) {
		vg_err("counting possible CPUs: %s", strerror(-l->ncpus));
		return l->ncpus ? l->ncpus : -EINVAL;
	}
	l->skel = vigil_bpf__open();
	if (!l->skel) {
		err = -errno;
		vg_err("opening the BPF object: %s", strerror(-err));
		return err;
	}
	l->skel->rodata->vigil_tgid = (__u32)getpid();
	l->skel->rodata->wakeup_bytes = rb / 4;
	l->skel->rodata->host_pidns = o->host_pidns;
	l->skel->rodata->host_mntns = o->host_mntns;
	/* The LSM hooks load only where the kernel offers LSM-BPF (probed by
	 * the caller); elsewhere they would fail the whole object. */
	{
		struct bpf_program *p;

		bpf_object__for_each_program(p, l->skel->obj)
			if (!strncmp(bpf_program__section_name(p), "lsm/", 4))
				bpf_program__set_autoload(p, o->lsm);
		l->skel->rodata->lsm_active = o->lsm;
		l->lsm = o->lsm;
	}
	/* The sys_enter stage costs every syscall a program run: only with
	 * kill rules to decide there. */
	{
		bool entry = o->kfilter && o->kfilter->nentry;

		bpf_program__set_autoload(l->skel->progs.vg_sys_enter, entry);
		l->skel->rodata->entry_stage = entry;
	}
	err = bpf_map__set_max_entries(l->skel->maps.events, (__u32)rb);
	if (err) {
		vg_err("sizing the ring buffer to %zu bytes: %s", rb, strerror(-err));
		goto fail;
	}
	err = vigil_bpf__load(l->skel);
	if (err) {
		vg_err("loading BPF programs: %s (is this kernel built with BTF, and are we root?)",
		       strerror(-err));
		goto fail;
	}
	err = fill_filters(l, o->kfilter);
	if (err)
		goto fail;
	err = fill_enforce(l, o);
	if (err)
		goto fail;
	/* the syscall table last: it is what switches events on */
	err = fill_sc_table(l, o->sys_enabled);
	if (err)
		goto fail;
	err = vigil_bpf__attach(l->skel);
	if (err) {
		vg_err("attaching BPF programs: %s", strerror(-err));
		goto fail;
	}
	return 0;
fail:
	vg_loader_stop(l);
	return err;
}

void vg_loader_stop(struct vg_loader *l)
{
	if (!l)
		return;
	vigil_bpf__destroy(l->skel);
	l->skel = NULL;
}

int vg_loader_events_fd(const struct vg_loader *l)
{
	return bpf_map__fd(l->skel->maps.events);
}

static uint64_t prog_misses(struct bpf_program *p)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len))
		return 0;
	return info.recursion_misses;
}

int vg_loader_read_stats(const struct vg_loader *l, struct vg_kstats *out)
{
	int cfd = bpf_map__fd(l->skel->maps.counters), mfd = bpf_map__fd(l->skel->maps.misc);
	struct vg_counters *pc = calloc((size_t)l->ncpus, sizeof(*pc));
	__u64 *pm = calloc((size_t)l->ncpus, sizeof(*pm));
	struct bpf_program *prog;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (!pc || !pm) {
		err = -ENOMEM;
		goto out;
	}
	for (__u32 k = 0; k < VG_EV_MAX; k++) {
		if (bpf_map_lookup_elem(cfd, &k, pc)) {
			err = -errno;
			goto out;
		}
		for (int c = 0; c < l->ncpus; c++) {
			out->ev[k].seen += pc[c].seen;
			out->ev[k].sent += pc[c].sent;
			out->ev[k].lost += pc[c].lost;
			out->ev[k].filtered += pc[c].filtered;
		}
		out->lost_total += out->ev[k].lost;
	}
	for (__u32 k = 0; k < VG_MISC_MAX; k++) {
		if (bpf_map_lookup_elem(mfd, &k, pm)) {
			err = -errno;
			goto out;
		}
		for (int c = 0; c < l->ncpus; c++)
			out->misc[k] += pm[c];
	}
	bpf_object__for_each_program(prog, l->skel->obj)
		out->recursion_misses += prog_misses(prog);
out:
	free(pm);
	free(pc);
	return err;
}
