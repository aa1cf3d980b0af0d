// SPDX-License-Identifier: Apache-2.0
/*
 * Rule engine speed, user space only: generates a Falco-style file of 500
 * rules (macros, lists, exceptions, the common operators), measures how fast
 * it loads and compiles (rules/s), then the cost of evaluating every rule
 * indexed for an event's type against synthetic openat, execve and connect
 * events (ns/event), as `vigil run` does per event.
 *
 * usage: rulebench [NRULES]   (default 500)
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pipeline/event.h"
#include "pipeline/proctab.h"
#include "rules/ruleset.h"

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void gen_rules(FILE *f, int n)
{
	fprintf(f, "- list: bench_shells\n  items: [bash, sh, zsh, dash, ksh, fish, tcsh, csh]\n");
	fprintf(f, "- list: bench_allowed\n  items: [");
	for (int i = 0; i < 40; i++)
		fprintf(f, "%sallowed%d", i ? ", " : "", i);
	fprintf(f, "]\n");
	for (int m = 0; m < 20; m++)
		fprintf(f, "- macro: bench_m%d\n  condition: (proc.name in (bench_allowed) or proc.pname = parent%d)\n",
			m, m);
	for (int i = 0; i < n; i++) {
		fprintf(f, "- rule: bench rule %d\n  desc: generated\n  priority: WARNING\n  tags: [T1000]\n", i);
		switch (i % 5) {
		case 0:
			fprintf(f, "  condition: evt.type in (open, openat, openat2) and evt.is_open_write=true and fd.name startswith /var/bench/dir%d/ and not bench_m%d\n",
				i, i % 20);
			break;
		case 1:
			fprintf(f, "  condition: evt.type = execve and evt.res = SUCCESS and proc.name = tool%d and proc.pname in (bench_shells)\n",
				i);
			break;
		case 2:
			fprintf(f, "  condition: evt.type = connect and fd.sport = %d and fd.sip = 10.0.%d.1 and not proc.name in (bench_allowed)\n",
				1000 + i, i % 256);
			break;
		case 3:
			fprintf(f, "  condition: evt.type in (open, openat) and (fd.name glob '/srv/bench%d/*.conf' or fd.name contains secret%d) and proc.cmdline icontains tool%d\n",
				i, i, i);
			break;
		case 4:
			fprintf(f, "  condition: evt.type = execve and (proc.exepath pmatch (/opt/bench%d, /usr/local/bench%d) or proc.args contains --x%d) and user.uid != %d\n",
				i, i, i, i);
			fprintf(f, "  exceptions:\n    - name: known\n      fields: [proc.name, proc.pname]\n      values: [[tool%d, bash]]\n", i);
			break;
		}
		fprintf(f, "  output: \"bench %d %%proc.name %%fd.name %%proc.cmdline\"\n", i);
	}
}

/* A synthetic record: fixed part + strings. */
struct rec {
	union {
		struct vg_hdr hdr;
		struct vg_sys_event sys;
		struct vg_exec_event exec;
	};
	unsigned char pad[4096];
};

static struct vg_str put(void *base, size_t *len, const void *p, size_t n)
{
	struct vg_str s = { .off = (__u16)*len, .len = (__u16)n };

	memcpy((char *)base + *len, p, n);
	((char *)base)[*len + n] = '\0';
	*len += n + 1;
	return s;
}

static void task(struct vg_task *t, unsigned pid, const char *comm)
{
	memset(t, 0, sizeof(*t));
	t->pid = t->tid = t->vpid = pid;
	t->ppid = 100;
	t->uid = t->euid = 1000;
	t->start_ns = 5;
	strncpy(t->comm, comm, sizeof(t->comm) - 1);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 500;
	char path[] = "/tmp/vigil-rulebench-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	const char *paths[] = { path };
	struct vg_diag diag = { 0 };
	struct vg_ruleset *rs = NULL;
	double best = 1e18;
	static struct rec recs[4];
	struct vg_event evs[4];
	const char *names[4] = { "openat (no match)", "openat (match)", "execve", "connect" };
	struct vg_proctab *pt = vg_proctab_new(0, 0);
	struct vg_evctx c;

	gen_rules(f, n);
	fclose(f);
	for (int round = 0; round < 5; round++) {
		double t0 = now_ns();
		struct vg_ruleset *r = vg_ruleset_load(paths, 1, NULL, 0, &diag);
		double dt = now_ns() - t0;

		if (!r) {
			fprintf(stderr, "rulebench: the generated rules did not load (%u errors)\n",
				diag.errors);
			return 1;
		}
		if (dt < best)
			best = dt;
		if (rs)
			vg_ruleset_free(rs);
		rs = r;
	}
	unlink(path);
	printf("load+compile %d rules: %.1f ms  (%.0f rules/s, best of 5)\n", n, best / 1e6,
	       n / (best / 1e9));

	/* events: openat of a file no rule wants, one a rule matches, an
	 * execve and a connect */
	for (int i = 0; i < 2; i++) {
		struct vg_sys_event *e = &recs[i].sys;
		size_t len = sizeof(*e);
		const char *p = i ? "/var/bench/dir5/x" : "/etc/passwd";

		e->hdr.type = VG_EV_SYS_openat;
		task(&e->task, 4242, "cat");
		e->args[0] = (__u64)-100;
		e->args[2] = i ? O_WRONLY | O_CREAT : O_RDONLY;
		e->ret = 3;
		e->path_slot = 1;
		e->str[0] = put(e, &len, p, strlen(p));
		e->str[1] = put(e, &len, p, strlen(p));
		e->nstr = 2;
		e->hdr.size = (__u32)len;
	}
	{
		struct vg_exec_event *e = &recs[2].exec;
		size_t len = sizeof(*e);

		e->hdr.type = VG_EV_PROC_EXEC;
		task(&e->task, 4243, "tool1");
		e->str[VG_EXEC_FILENAME] = put(e, &len, "/usr/bin/tool1", 14);
		e->str[VG_EXEC_EXE] = put(e, &len, "/usr/bin/tool1", 14);
		e->str[VG_EXEC_ARGS] = put(e, &len, "tool1\0-v\0file", 13);
		e->str[VG_EXEC_CWD] = put(e, &len, "/root", 5);
		e->hdr.size = (__u32)len;
	}
	{
		struct vg_sys_event *e = &recs[3].sys;
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(1007) };
		size_t len = sizeof(*e);

		inet_pton(AF_INET, "10.0.7.1", &sin.sin_addr);
		e->hdr.type = VG_EV_SYS_connect;
		task(&e->task, 4244, "curl");
		e->args[0] = 5;
		e->args[2] = sizeof(sin);
		e->path_slot = 0xffff;
		e->str[0] = put(e, &len, &sin, sizeof(sin));
		e->nstr = 1;
		e->sock.family = AF_INET;
		e->sock.proto = 6;
		e->sock.rport = 1007;
		memcpy(e->sock.raddr, &sin.sin_addr, 4);
		e->hdr.size = (__u32)len;
	}
	vg_evctx_init(&c);
	c.procs = pt;
	for (int i = 0; i < 4; i++) {
		const struct vg_proc *p;
		size_t nr;
		unsigned long matches = 0;
		const int iters = 200000;
		double t0;

		if (vg_decode(&recs[i], recs[i].hdr.size, &evs[i])) {
			fprintf(stderr, "rulebench: bad synthetic record %d\n", i);
			return 1;
		}
		p = vg_proctab_apply(pt, &evs[i]);
		nr = rs->n_by_ev[evs[i].type];
		t0 = now_ns();
		for (int k = 0; k < iters; k++) {
			vg_evctx_begin(&c, &evs[i], p);
			for (size_t r = 0; r < nr; r++)
				matches += vg_rule_eval(rs->by_ev[evs[i].type][r], &c);
		}
		printf("eval %-18s %4zu rules indexed  %8.0f ns/event  (%.1f ns/rule, %lu matches)\n",
		       names[i], nr, (now_ns() - t0) / iters, (now_ns() - t0) / iters / (nr ? nr : 1),
		       matches / iters);
	}
	vg_evctx_release(&c);
	vg_proctab_free(pt);
	vg_ruleset_free(rs);
	return 0;
}
