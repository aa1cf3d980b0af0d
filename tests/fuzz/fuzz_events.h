/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the fuzz targets: a few decoded events (an open, a failed open,
 * an IPv4 connect, an exec) with a small process table behind them, so that
 * rules that load are also evaluated, rendered and explained.
 */
#ifndef VIGIL_FUZZ_EVENTS_H
#define VIGIL_FUZZ_EVENTS_H

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../synth.h"
#include "common/strbuf.h"
#include "pipeline/event.h"
#include "pipeline/proctab.h"
#include "rules/ruleset.h"

#define FZ_NEV 4

static struct synth_rec fz_recs[FZ_NEV];
static struct vg_event fz_ev[FZ_NEV];
static const struct vg_proc *fz_proc[FZ_NEV];
static struct vg_proctab *fz_pt;
static struct vg_evctx fz_ctx;

static void fz_exec(struct synth_rec *r, __u32 pid, __u32 ppid, __u64 start, const char *exe,
		    const char *argv, size_t argv_len)
{
	synth_init(r, VG_EV_PROC_EXEC, sizeof(struct vg_exec_event));
	synth_task(&r->exec.task, pid, ppid, start, strrchr(exe, '/') + 1);
	r->exec.str[VG_EXEC_FILENAME] = synth_data(r, exe, strlen(exe));
	r->exec.str[VG_EXEC_EXE] = synth_data(r, exe, strlen(exe));
	r->exec.str[VG_EXEC_ARGS] = synth_data(r, argv, argv_len);
	r->exec.str[VG_EXEC_CWD] = synth_data(r, "/root", 5);
}

static void fz_apply(struct synth_rec *r, struct vg_event *ev, const struct vg_proc **proc)
{
	if (vg_decode(r->bytes, r->len, ev))
		abort();
	*proc = vg_proctab_apply(fz_pt, ev);
}

static void fz_setup(void)
{
	struct synth_rec tmp;
	struct vg_event ev;
	const struct vg_proc *p;
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(443) };
	const __u32 base = 0x7ffffff0u;

	if (fz_pt)
		return;
	fz_pt = vg_proctab_new(0, 0);
	vg_evctx_init(&fz_ctx);
	fz_ctx.procs = fz_pt;
	/* sshd -> bash -> cat */
	fz_exec(&tmp, base, 1, 100, "/usr/sbin/sshd", "sshd\0-D", 8);
	fz_apply(&tmp, &ev, &p);
	fz_exec(&tmp, base + 1, base, 200, "/bin/bash", "bash\0-i", 8);
	fz_apply(&tmp, &ev, &p);
	fz_exec(&fz_recs[0], base + 2, base + 1, 300, "/usr/bin/cat", "cat\0/etc/shadow", 16);
	fz_apply(&fz_recs[0], &fz_ev[0], &fz_proc[0]);

	/* openat(AT_FDCWD, "/etc/shadow", O_RDONLY) = 3 */
	synth_init(&fz_recs[1], VG_EV_SYS_openat, sizeof(struct vg_sys_event));
	fz_recs[1].sys.path_slot = 0xffff;
	synth_task(&fz_recs[1].sys.task, base + 2, base + 1, 300, "cat");
	fz_recs[1].sys.ret = 3;
	fz_recs[1].sys.args[0] = (__u64)(__s64)AT_FDCWD;
	fz_recs[1].sys.str[0] = synth_data(&fz_recs[1], "/etc/shadow", 11);
	fz_recs[1].sys.str[1] = synth_data(&fz_recs[1], "/etc/shadow", 11);
	fz_recs[1].sys.nstr = 2;
	fz_recs[1].sys.path_slot = 1;
	fz_apply(&fz_recs[1], &fz_ev[1], &fz_proc[1]);

	/* openat("out", O_WRONLY|O_CREAT, 0755) = -EACCES */
	synth_init(&fz_recs[2], VG_EV_SYS_openat, sizeof(struct vg_sys_event));
	fz_recs[2].sys.path_slot = 0xffff;
	synth_task(&fz_recs[2].sys.task, base + 2, base + 1, 300, "cat");
	fz_recs[2].sys.ret = -13;
	fz_recs[2].sys.args[2] = O_WRONLY | O_CREAT;
	fz_recs[2].sys.args[3] = 0755;
	fz_recs[2].sys.str[0] = synth_data(&fz_recs[2], "out", 3);
	fz_recs[2].sys.nstr = 1;
	fz_apply(&fz_recs[2], &fz_ev[2], &fz_proc[2]);

	/* connect(5, 10.1.2.3:443) from 192.168.1.10:40000 */
	inet_pton(AF_INET, "10.1.2.3", &sin.sin_addr);
	synth_init(&fz_recs[3], VG_EV_SYS_connect, sizeof(struct vg_sys_event));
	fz_recs[3].sys.path_slot = 0xffff;
	synth_task(&fz_recs[3].sys.task, base + 2, base + 1, 300, "cat");
	fz_recs[3].sys.args[0] = 5;
	fz_recs[3].sys.args[2] = sizeof(sin);
	fz_recs[3].sys.str[0] = synth_data(&fz_recs[3], &sin, sizeof(sin));
	fz_recs[3].sys.nstr = 1;
	fz_recs[3].sys.sock.family = AF_INET;
	fz_recs[3].sys.sock.proto = IPPROTO_TCP;
	fz_recs[3].sys.sock.lport = 40000;
	fz_recs[3].sys.sock.rport = 443;
	inet_pton(AF_INET, "192.168.1.10", fz_recs[3].sys.sock.laddr);
	inet_pton(AF_INET, "10.1.2.3", fz_recs[3].sys.sock.raddr);
	fz_apply(&fz_recs[3], &fz_ev[3], &fz_proc[3]);
}

/* Evaluate, render and explain every rule of rs against every event. */
static void fz_exercise(struct vg_ruleset *rs)
{
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; i < rs->nrules; i++) {
		const struct vg_rule *r = rs->rules[i];

		vg_rule_explain(r, &sb);
		for (int e = 0; e < FZ_NEV; e++) {
			vg_evctx_begin(&fz_ctx, &fz_ev[e], fz_proc[e]);
			if (vg_rule_eval(r, &fz_ctx) && !r->ev[fz_ev[e].type])
				abort(); /* matched an event type it is not indexed for */
			strbuf_reset(&sb);
			vg_rule_render(r, &fz_ctx, &sb);
		}
		strbuf_reset(&sb);
	}
	strbuf_release(&sb);
}

#endif /* VIGIL_FUZZ_EVENTS_H */
