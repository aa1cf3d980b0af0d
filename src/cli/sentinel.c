// SPDX-License-Identifier: Apache-2.0
/*
 * The sentinel and the leftovers: the two readers of the rings of signals
 * aimed at vigil (sentinel.h). Both turn a struct vg_tamper_event into the
 * alert the bundled rule "Signal sent to vigil" gives for a kill(2): same
 * rule name, priority, tags, output text and fields, plus evt.type,
 * evt.target.pid and vigil.reported_by (who wrote it: "sentinel" or
 * "next agent"). The sender's command line and user name are looked up
 * when written, from /proc while the sender lives (else its comm).
 */
#include "cli/sentinel.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "abi/event.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "loader/loader.h"
#include "output/json.h"
#include "pipeline/containers.h"
#include "pipeline/flags.h"

#define TAMPER_RULE "Signal sent to vigil"

struct tamper_rd {
	const struct vg_tamper_conf *c;
	struct vg_outputs *out;
	struct vg_containers *containers;
	const char *how;	  /* vigil.reported_by */
	char target_exe[PATH_MAX]; /* vigil's executable: this one */
	size_t n;		  /* alerts written */
};

/* The syscall that sent it, by number (x86_64, or i386 with ia32). */
static const char *sender_call(const struct vg_tamper_event *e)
{
	static const struct {
		unsigned nr64, nr32;
		const char *name;
	} calls[] = {
		{ 62, 37, "kill" },
		{ 200, 238, "tkill" },
		{ 234, 270, "tgkill" },
		{ 424, 424, "pidfd_send_signal" },
		{ 129, 178, "rt_sigqueueinfo" },
		{ 297, 335, "rt_tgsigqueueinfo" },
	};
	bool compat = e->hdr.flags & VG_F_COMPAT;

	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		if (e->nr == (compat ? calls[i].nr32 : calls[i].nr64))
			return calls[i].name;
	return "signal"; /* sent by the kernel on the sender's behalf (pdeath, OOM, ...) */
}

/* The sender's command line while it lives (and is still that program),
 * else its comm. */
static void sender_cmdline(const struct vg_tamper_event *e, struct strbuf *sb)
{
	char path[64], buf[4096], comm[VG_TASK_COMM_LEN + 2] = "";
	ssize_t n = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/comm", e->task.pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, comm, sizeof(comm) - 1);
		close(fd);
	}
	comm[n > 0 ? n - 1 : 0] = '\0'; /* its newline */
	n = 0;
	if (!strncmp(comm, e->task.comm, VG_TASK_COMM_LEN)) {
		snprintf(path, sizeof(path), "/proc/%u/cmdline", e->task.pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
		}
	}
	if (n <= 0) {
		strbuf_addf(sb, "%.*s", VG_TASK_COMM_LEN, e->task.comm);
		return;
	}
	/* Falco's form: the name, then the arguments after argv[0] */
	strbuf_addf(sb, "%.*s", VG_TASK_COMM_LEN, e->task.comm);
	for (ssize_t i = (ssize_t)strnlen(buf, (size_t)n) + 1; i < n;) {
		size_t len = strnlen(buf + i, (size_t)(n - i));

		strbuf_addch(sb, ' ');
		strbuf_add(sb, buf + i, len);
		i += (ssize_t)len + 1;
	}
}

static void user_name(uint32_t uid, char *buf, size_t size)
{
	struct passwd pw, *r = NULL;
	char tmp[1024];

	if (getpwuid_r(uid, &pw, tmp, sizeof(tmp), &r) || !r)
		snprintf(buf, size, "<NA>");
	else
		snprintf(buf, size, "%s", r->pw_name);
}

/* One alert, as a line of `st`'s format (JSON, or Falco's text line). */
static void tamper_format(struct tamper_rd *rd, const struct vg_tamper_event *e, const char *exe,
			  size_t exelen, struct strbuf *sb)
{
	static const char *const tags[] = { "T1562.001", "mitre_defense_evasion", "host",
					    "container", "vigil" };
	static const struct vg_alert_style json = { .fmt = VG_ALERT_JSON };
	const struct vg_alert_style *st = rd->c->style ? rd->c->style : &json;
	struct strbuf out = STRBUF_INIT, sig = STRBUF_INIT, cmd = STRBUF_INIT;
	const struct vg_cinfo *ci = NULL;
	const char *cid = "host";
	char ts[40], user[64], comm[VG_TASK_COMM_LEN + 1];
	struct json_w w;

	vg_clock_rfc3339(vg_clock_wall(e->hdr.ts), ts, sizeof(ts));
	vg_flags_render(&sig, VG_AT_SIGNAL, (uint64_t)(uint32_t)e->sig);
	sender_cmdline(e, &cmd);
	user_name(e->task.uid, user, sizeof(user));
	snprintf(comm, sizeof(comm), "%.*s", VG_TASK_COMM_LEN, e->task.comm);
	if (rd->containers)
		ci = vg_containers_lookup(rd->containers, e->task.cgroup_id);
	if (ci && ci->container)
		cid = ci->id;
	if (!exe) {
		exe = "<NA>";
		exelen = 4;
	}
	strbuf_addf(&out, "%.18s: %s ", ts + 11, vg_prio_name(VG_PRIO_CRITICAL));
	strbuf_addf(&out,
		    "Signal sent to vigil (signal=%s target=%s result=SUCCESS process=%s "
		    "exe=%.*s cmdline=%s user=%s container=%s)",
		    sig.buf, rd->target_exe, comm, (int)exelen, exe, cmd.buf, user, cid);
	if (st->fmt == VG_ALERT_TEXT) {
		strbuf_add(sb, out.buf, out.len);
		goto out;
	}
	jw_init(&w, sb);
	jw_obj_begin(&w, NULL);
	jw_str(&w, "time", ts);
	jw_str(&w, "rule", TAMPER_RULE);
	jw_str(&w, "priority", vg_prio_name(VG_PRIO_CRITICAL));
	if (!st->no_output)
		jw_strn(&w, "output", out.buf, out.len);
	if (!st->no_output_fields) {
		jw_obj_begin(&w, "output_fields");
		jw_str(&w, "evt.time", ts);
		jw_str(&w, "evt.type", sender_call(e));
		jw_str(&w, "evt.arg.sig", sig.buf);
		jw_str(&w, "evt.target.exepath", rd->target_exe);
		jw_uint(&w, "evt.target.pid", e->target_pid);
		jw_str(&w, "evt.res", "SUCCESS");
		jw_str(&w, "proc.name", comm);
		jw_uint(&w, "proc.pid", e->task.pid);
		jw_uint(&w, "proc.ppid", e->task.ppid);
		jw_strn(&w, "proc.exepath", exe, exelen);
		jw_str(&w, "proc.cmdline", cmd.buf);
		jw_str(&w, "user.name", user);
		jw_uint(&w, "user.uid", e->task.uid);
		jw_str(&w, "container.id", cid);
		jw_str(&w, "vigil.reported_by", rd->how);
		jw_obj_end(&w);
	}
	if (!st->no_tags) {
		jw_arr_begin(&w, "tags");
		for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
			jw_str(&w, NULL, tags[i]);
		jw_arr_end(&w);
	}
	jw_str(&w, "hostname", rd->c->hostname ? rd->c->hostname : "");
	jw_str(&w, "source", "syscall");
	jw_str(&w, "mode", "alert");
	jw_str(&w, "action", "none");
	jw_obj_end(&w);
out:
	strbuf_release(&out);
	strbuf_release(&sig);
	strbuf_release(&cmd);
}

/* ring_buffer callback: one record, one alert. */
static int on_record(void *ctx, void *data, size_t size)
{
	struct tamper_rd *rd = ctx;
	const struct vg_tamper_event *e = data;
	struct strbuf sb = STRBUF_INIT;
	const char *exe = NULL;
	size_t exelen = 0;

	if (size < sizeof(*e) || e->hdr.type != VG_EV_TAMPER_SIGNAL)
		return 0; /* not ours: skipped */
	if (e->exe_slot < VG_NSTR) {
		const struct vg_str *s = &e->str[e->exe_slot];

		if ((size_t)s->off + s->len <= size && s->off >= sizeof(*e)) {
			exe = (const char *)data + s->off;
			exelen = s->len;
		}
	}
	tamper_format(rd, e, exe, exelen, &sb);
	vg_outputs_emit(rd->out, VG_PRIO_CRITICAL, sb.buf, sb.len);
	strbuf_release(&sb);
	rd->n++;
	return 0;
}

static void rd_init(struct tamper_rd *rd, const struct vg_tamper_conf *c, struct vg_outputs *out,
		    const char *how)
{
	ssize_t n;

	memset(rd, 0, sizeof(*rd));
	rd->c = c;
	rd->out = out;
	rd->how = how;
	rd->containers = vg_containers_new(NULL, c->host_root);
	n = readlink("/proc/self/exe", rd->target_exe, sizeof(rd->target_exe) - 1);
	rd->target_exe[n > 0 ? n : 0] = '\0';
}

/* Every record waiting in the ring `fd`. */
static void drain_fd(struct tamper_rd *rd, int fd)
{
	struct ring_buffer *rb = ring_buffer__new(fd, on_record, rd, NULL);

	if (!rb) {
		vg_warn("reading a tamper ring: %s", strerror(errno));
		return;
	}
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
}

static bool pid_alive(long pid)
{
	return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

/* Take the pin at `path` (rename: one reader gets it), report what it
 * holds, remove it. */
static bool claim_and_drain(struct tamper_rd *rd, const char *path, long agent)
{
	char mine[PATH_MAX];
	int fd;

	snprintf(mine, sizeof(mine), VG_TAMPER_PIN_PREFIX "%ld-%d", agent, (int)getpid());
	if (rename(path, mine))
		return false;
	fd = bpf_obj_get(mine);
	if (fd >= 0) {
		drain_fd(rd, fd);
		close(fd);
	}
	unlink(mine);
	return true;
}

size_t vg_tamper_leftovers(const struct vg_tamper_conf *c, struct vg_outputs *out)
{
	const char *dir = "/sys/fs/bpf", *base = VG_TAMPER_PIN_PREFIX + strlen("/sys/fs/bpf/");
	struct tamper_rd rd;
	struct dirent *de;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return 0;
	rd_init(&rd, c, out, "next agent");
	while ((de = readdir(d))) {
		char path[PATH_MAX], *end;
		long agent, reader = 0;

		if (strncmp(de->d_name, base, strlen(base)))
			continue;
		agent = strtol(de->d_name + strlen(base), &end, 10);
		if (*end == '-')
			reader = strtol(end + 1, &end, 10);
		if (*end || agent <= 0)
			continue;
		/* its agent, or a reader that claimed it, may still report it */
		if (pid_alive(agent) || pid_alive(reader))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		claim_and_drain(&rd, path, agent);
	}
	closedir(d);
	vg_containers_free(rd.containers);
	if (rd.n)
		vg_warn("%zu signal%s sent to an earlier vigil that it could not report: reported now",
			rd.n, rd.n == 1 ? "" : "s");
	return rd.n;
}

/* ---- the sentinel process ------------------------------------------------ */

/* A file descriptor from `sock` (SCM_RIGHTS): the fd, -1 on end of file,
 * -2 on a message without one. */
static int recv_fd(int sock)
{
	char byte, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = sizeof(ctl) };
	struct cmsghdr *cm;
	ssize_t n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	int fd;

	if (n <= 0)
		return n < 0 && errno == EINTR ? -2 : -1;
	cm = CMSG_FIRSTHDR(&m);
	if (!cm || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(sizeof(int)))
		return -2;
	memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	return fd;
}

/*
 * The sentinel's life: report each record as it comes (the agent is being
 * stopped or killed by it), and once the agent is gone, what is left, then
 * remove the pin. Signals that would end it early are ignored: it ends when
 * the agent has (SIGKILL still ends it; the next agent then reports).
 */
static void __attribute__((noreturn)) sentinel_main(const struct vg_tamper_conf *c, int sock,
						     pid_t agent)
{
	struct epoll_event ev = { .events = EPOLLIN }, evs[4];
	struct ring_buffer *rb = NULL;
	struct vg_outputs *out;
	struct tamper_rd rd;
	char pin[PATH_MAX];
	int ep, pidfd, ringfd = -1;
	bool gone = false;

	setsid();
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	signal(SIGUSR2, SIG_IGN);
	pidfd = (int)syscall(SYS_pidfd_open, agent, 0);
	/* checked after the pidfd: the agent may have died before it */
	if (pidfd < 0 || getppid() != agent)
		_exit(0);
	out = c->outputs(c->ctx);
	if (!out)
		_exit(1);
	rd_init(&rd, c, out, "sentinel");
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		_exit(1);
	ev.data.fd = sock;
	epoll_ctl(ep, EPOLL_CTL_ADD, sock, &ev);
	ev.data.fd = pidfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, pidfd, &ev);
	while (!gone) {
		int n = epoll_wait(ep, evs, 4, -1);

		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == pidfd) {
				gone = true;
			} else if (fd == sock) {
				int got = recv_fd(sock);

				if (got == -1) {
					/* the agent closed its end: stopping */
					epoll_ctl(ep, EPOLL_CTL_DEL, sock, NULL);
				} else if (got >= 0 && ringfd < 0) {
					ringfd = got;
					rb = ring_buffer__new(ringfd, on_record, &rd, NULL);
					if (rb) {
						ev.data.fd = ring_buffer__epoll_fd(rb);
						epoll_ctl(ep, EPOLL_CTL_ADD, ev.data.fd, &ev);
					}
				} else if (got >= 0) {
					close(got);
				}
			} else if (rb) {
				ring_buffer__consume(rb);
			}
		}
	}
	/* gone: the last records, then the pin (claimed first: a next
	 * agent may be reading leftovers) */
	snprintf(pin, sizeof(pin), VG_TAMPER_PIN_PREFIX "%d", (int)agent);
	if (rb) {
		char mine[PATH_MAX];

		snprintf(mine, sizeof(mine), VG_TAMPER_PIN_PREFIX "%d-%d", (int)agent,
			 (int)getpid());
		if (!rename(pin, mine) || errno == ENOENT) {
			ring_buffer__consume(rb);
			unlink(mine);
		}
		ring_buffer__free(rb);
	} else {
		claim_and_drain(&rd, pin, agent);
	}
	vg_outputs_stop(out);
	vg_outputs_free(out);
	_exit(0);
}

int vg_sentinel_start(struct vg_sentinel *s, const struct vg_tamper_conf *c)
{
	pid_t agent = getpid();
	int sv[2];

	s->pid = 0;
	s->sock = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		vg_warn("starting the sentinel: %s", strerror(errno));
		return -errno;
	}
	/* what stdio holds now would be written twice */
	fflush(stdout);
	fflush(stderr);
	s->pid = fork();
	if (s->pid < 0) {
		int err = -errno;

		vg_warn("starting the sentinel: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		s->pid = 0;
		return err;
	}
	if (s->pid == 0) {
		close(sv[0]);
		sentinel_main(c, sv[1], agent);
	}
	close(sv[1]);
	s->sock = sv[0];
	return 0;
}

int vg_sentinel_arm(struct vg_sentinel *s, int ring_fd)
{
	char byte = 0, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = sizeof(ctl) };
	struct cmsghdr *cm;

	if (s->sock < 0)
		return -ENOTCONN;
	memset(ctl, 0, sizeof(ctl));
	cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &ring_fd, sizeof(int));
	if (sendmsg(s->sock, &m, MSG_NOSIGNAL) != 1) {
		vg_warn("handing the tamper ring to the sentinel: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

void vg_sentinel_release(struct vg_sentinel *s)
{
	if (s->sock >= 0)
		close(s->sock);
	s->sock = -1;
	s->pid = 0;
}
