// SPDX-License-Identifier: Apache-2.0
/*
 * `vigil trace`: the raw event stream, no rules. --syscall narrows what the
 * kernel records (only those syscalls enter the dispatcher table); --comm,
 * --pid and --container filter in user space, where the process table
 * answers "is this a descendant of pid N".
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/log.h"
#include "output/evfmt.h"
#include "pipeline/agent.h"
#include "pipeline/syscalls.h"

#define MAX_FILTERS 64

struct trace {
	bool json;
	bool want[VG_EV_MAX]; /* events to print; all when !narrowed */
	bool narrowed;
	const char *comm[MAX_FILTERS];
	int ncomm;
	uint32_t pid[MAX_FILTERS];
	int npid;
	bool container;
	struct strbuf line;
};

static void trace_usage(FILE *f)
{
	fprintf(f,
		"usage: vigil trace [OPTIONS]\n\n"
		"Print every traced event (syscalls at their exit, exec, fork, exit) with\n"
		"its process context. No rules are applied.\n\n"
		"  -s, --syscall NAME   only this event type (repeatable); 'execve' includes\n"
		"                       successful execs, 'procfork'/'procexit' the lifecycle\n"
		"  -c, --comm NAME      only processes whose comm is NAME (repeatable)\n"
		"  -p, --pid N          only process N and its descendants (repeatable)\n"
		"      --container      only processes outside the host's pid namespace\n"
		"  -j, --json           one JSON object per line (default: text)\n"
		"      --ringbuf SIZE   syscall ring buffer size, a power of two (default 8M)\n"
		"      --lifecycle-ringbuf SIZE  exec/fork/exit ring buffer size (default 4M)\n"
		"      --host-root DIR  the host's / as mounted here (also HOST_ROOT): its\n"
		"                       /proc, runtime state\n"
		"      --duration SECS  stop after SECS seconds\n"
		"      --stats          print kernel and user-space counters at exit\n"
		"      --stats-interval S  print the kernel counters' growth every S seconds\n"
		"      --list           list the event types vigil traces and exit\n"
		"  -v, --verbose        more diagnostics (twice: libbpf's too)\n"
		"  -h, --help           this text\n");
}

static bool want_event(const struct trace *t, struct vg_agent *a, const struct vg_event *ev)
{
	const struct vg_task *task = ev->task;
	int i;

	if (t->narrowed && !t->want[ev->type])
		return false;
	if (t->ncomm) {
		for (i = 0; i < t->ncomm; i++)
			if (!strncmp(task->comm, t->comm[i], VG_TASK_COMM_LEN))
				break;
		if (i == t->ncomm)
			return false;
	}
	if (t->npid) {
		for (i = 0; i < t->npid; i++)
			if (vg_proctab_descends(a->procs, task->pid, t->pid[i]))
				break;
		if (i == t->npid)
			return false;
	}
	if (t->container && (!a->host_pidns || task->pid_ns == a->host_pidns))
		return false;
	return true;
}

static int on_event(struct vg_agent *a, const struct vg_event *ev, const struct vg_proc *proc)
{
	struct trace *t = a->ctx;

	if (!want_event(t, a, ev))
		return 0;
	strbuf_reset(&t->line);
	if (t->json)
		vg_evfmt_json(&t->line, ev, proc,
			      vg_proctab_get(a->procs, proc ? proc->ppid : ev->task->ppid));
	else
		vg_evfmt_text(&t->line, ev, proc);
	strbuf_addch(&t->line, '\n');
	fwrite(t->line.buf, 1, t->line.len, stdout);
	return 0;
}

/* Mark the event ids that --syscall NAME selects. */
static int select_name(struct trace *t, bool *sys_enabled, const char *name)
{
	const struct vg_sc_desc *d = vg_sc_by_name(name);

	t->narrowed = true;
	if (!strcmp(name, "procfork")) {
		t->want[VG_EV_PROC_FORK] = true;
		return 0;
	}
	if (!strcmp(name, "procexit")) {
		t->want[VG_EV_PROC_EXIT] = true;
		return 0;
	}
	if (!d)
		return -ENOENT;
	t->want[d->ev] = true;
	sys_enabled[d->ev] = true;
	if (d->ev == VG_EV_SYS_execve || d->ev == VG_EV_SYS_execveat)
		t->want[VG_EV_PROC_EXEC] = true;
	return 0;
}

static void list_events(void)
{
	printf("execve (successful exec, from sched_process_exec)\nprocfork\nprocexit\n");
	for (size_t i = 0; i < vg_sc_count(); i++)
		printf("%s\n", vg_sc_at(i)->name);
}

int cmd_trace(int argc, char **argv)
{
	enum { OPT_LIST = 256, OPT_CONTAINER };
	static const struct option longopts[] = {
		{ "syscall", required_argument, NULL, 's' },
		{ "comm", required_argument, NULL, 'c' },
		{ "pid", required_argument, NULL, 'p' },
		{ "container", no_argument, NULL, OPT_CONTAINER },
		{ "json", no_argument, NULL, 'j' },
		{ "ringbuf", required_argument, NULL, CLI_OPT_RINGBUF },
		{ "lifecycle-ringbuf", required_argument, NULL, CLI_OPT_LC_RINGBUF },
		{ "host-root", required_argument, NULL, CLI_OPT_HOST_ROOT },
		{ "duration", required_argument, NULL, CLI_OPT_DURATION },
		{ "stats", no_argument, NULL, CLI_OPT_STATS },
		{ "stats-interval", required_argument, NULL, CLI_OPT_STATS_INTERVAL },
		{ "list", no_argument, NULL, OPT_LIST },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static bool sys_enabled[VG_EV_MAX];
	struct trace t = { .line = STRBUF_INIT };
	struct vg_agent_opts o = { .out = stdout };
	struct vg_agent agent;
	char ready[64];
	int opt, err, rc = VG_EXIT_OK;
	char *end;
	unsigned long v;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "s:c:p:jvh", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (select_name(&t, sys_enabled, optarg)) {
				vg_err("--syscall: vigil does not trace '%s' (see 'vigil trace --list')",
				       optarg);
				return VG_EXIT_USAGE;
			}
			break;
		case 'c':
			if (t.ncomm == MAX_FILTERS) {
				vg_err("--comm: at most %d", MAX_FILTERS);
				return VG_EXIT_USAGE;
			}
			t.comm[t.ncomm++] = optarg;
			break;
		case 'p':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || !v || v > 0x7fffffff || t.npid == MAX_FILTERS) {
				vg_err("--pid: '%s' is not a process id", optarg);
				return VG_EXIT_USAGE;
			}
			t.pid[t.npid++] = (uint32_t)v;
			break;
		case OPT_CONTAINER:
			t.container = true;
			break;
		case 'j':
			t.json = true;
			break;
		case OPT_LIST:
			list_events();
			return VG_EXIT_OK;
		case 'h':
			trace_usage(stdout);
			return VG_EXIT_OK;
		default:
			switch (cli_agent_opt(opt, optarg, &o)) {
			case 1:
				break;
			case 0:
				trace_usage(stderr);
				/* fall through */
			default:
				return VG_EXIT_USAGE;
			}
			break;
		}
	}
	if (optind < argc) {
		vg_err("trace: unexpected argument '%s'", argv[optind]);
		return VG_EXIT_USAGE;
	}
	if (cli_agent_env(&o))
		return VG_EXIT_USAGE;
	/* Only the named syscalls enter the kernel's table; lifecycle events
	 * always flow, the process table needs them. */
	o.load.sys_enabled = t.narrowed ? sys_enabled : NULL;

	vg_agent_handle_signals();
	err = vg_agent_start(&agent, &o, on_event, &t);
	if (!err) {
		snprintf(ready, sizeof(ready), "trace, %zu syscalls", agent.loader.nsyscalls);
		agent.opts.ready_msg = ready;
		err = vg_agent_run(&agent);
	}
	if (err)
		rc = VG_EXIT_RUNTIME;
	vg_agent_release(&agent);
	strbuf_release(&t.line);
	return rc;
}
