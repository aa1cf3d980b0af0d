// SPDX-License-Identifier: Apache-2.0
/*
 * Raw event rendering for `vigil trace`. JSON keys: time, event, ret/res,
 * args (by Falco argument name), resolved (kernel-resolved path), sock,
 * exec/fork/exit specifics, and proc (identity + process-table context).
 */
#include "output/evfmt.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common/clock.h"
#include "output/json.h"
#include "pipeline/flags.h"

void vg_addr_ip_str(const struct vg_addr *a, char *buf, size_t size)
{
	if (!inet_ntop(a->family, a->ip, buf, (socklen_t)size))
		snprintf(buf, size, "?");
}

static const char *family_name(unsigned f)
{
	switch (f) {
	case AF_INET: return "AF_INET";
	case AF_INET6: return "AF_INET6";
	case AF_UNIX: return "AF_UNIX";
	case AF_NETLINK: return "AF_NETLINK";
	case AF_PACKET: return "AF_PACKET";
	default: return NULL;
	}
}

static const char *l4_name(const struct vg_sock *s)
{
	switch (s->proto) {
	case 6: return "tcp";
	case 17: return "udp";
	case 1:
	case 58: return "icmp";
	case 0: return s->family == AF_UNIX ? NULL : "raw";
	default: return NULL;
	}
}

static void json_addr(struct json_w *w, const char *key, const struct vg_addr *a)
{
	char ip[64];

	jw_obj_begin(w, key);
	jw_str(w, "family", family_name(a->family));
	if (a->family == AF_UNIX) {
		jw_strn(w, "path", a->path.p ? a->path.p : "", a->path.len);
	} else if (a->family) {
		vg_addr_ip_str(a, ip, sizeof(ip));
		jw_str(w, "ip", ip);
		jw_uint(w, "port", a->port);
	}
	jw_obj_end(w);
}

/* Symbolic rendering into a scratch strbuf; false if the type has none. */
static bool render_sym(struct strbuf *tmp, enum vg_atype t, uint64_t v)
{
	strbuf_reset(tmp);
	return vg_flags_render(tmp, t, v) == 0;
}

static void caps_split(const __u64 *ext, uint64_t out[3])
{
	uint32_t c[6];

	memcpy(c, ext, sizeof(c));
	for (int i = 0; i < 3; i++)
		out[i] = (uint64_t)c[i] | (uint64_t)c[i + 3] << 32;
}

static void json_arg(struct json_w *w, struct strbuf *tmp, const struct vg_event *ev, int i)
{
	const struct vg_arg_desc *a = &ev->sc->args[i];
	uint64_t v = ev->args[i];
	struct vg_addr addr;

	switch (a->type) {
	case VG_AT_NONE:
		return;
	case VG_AT_PATH:
	case VG_AT_STR:
		if (ev->argstr[i].p)
			jw_strn(w, a->name, ev->argstr[i].p, ev->argstr[i].len);
		else
			jw_null(w, a->name);
		return;
	case VG_AT_SOCKADDR:
		if (vg_addr_from_sockaddr(ev->argstr[i], &addr))
			json_addr(w, a->name, &addr);
		else
			jw_null(w, a->name);
		return;
	case VG_AT_INT:
		jw_int(w, a->name, (int64_t)v);
		return;
	case VG_AT_FD:
	case VG_AT_DIRFD:
	case VG_AT_PID:
		jw_int(w, a->name, (int32_t)v);
		return;
	case VG_AT_UINT:
	case VG_AT_UID:
	case VG_AT_GID:
		jw_uint(w, a->name, (uint32_t)v);
		return;
	case VG_AT_HEX:
		strbuf_reset(tmp);
		strbuf_addf(tmp, "0x%" PRIx64, v);
		jw_str(w, a->name, tmp->buf);
		return;
	case VG_AT_MODE:
		strbuf_reset(tmp);
		strbuf_addf(tmp, "%#" PRIo64, v & 07777);
		jw_str(w, a->name, tmp->buf);
		return;
	case VG_AT_OPEN_HOW:
		jw_obj_begin(w, a->name);
		render_sym(tmp, VG_AT_OFLAGS, ev->ext[0]);
		jw_str(w, "flags", tmp->buf);
		strbuf_reset(tmp);
		strbuf_addf(tmp, "%#" PRIo64, (uint64_t)ev->ext[1] & 07777);
		jw_str(w, "mode", tmp->buf);
		jw_uint(w, "resolve", ev->ext[2]);
		jw_obj_end(w);
		return;
	case VG_AT_CLONE_ARGS:
		render_sym(tmp, VG_AT_CLONE_ARGS, ev->ext[0]);
		jw_str(w, a->name, tmp->buf);
		return;
	case VG_AT_CAPDATA: {
		uint64_t caps[3];

		caps_split(ev->ext, caps);
		jw_obj_begin(w, "caps");
		jw_uint(w, "effective", caps[0]);
		jw_uint(w, "permitted", caps[1]);
		jw_uint(w, "inheritable", caps[2]);
		jw_obj_end(w);
		return;
	}
	default:
		if (render_sym(tmp, a->type, v))
			jw_str(w, a->name, tmp->buf);
		else
			jw_uint(w, a->name, v);
		return;
	}
}

static void json_task(struct json_w *w, const struct vg_task *t, const struct vg_proc *proc,
		      const struct vg_proc *parent)
{
	jw_obj_begin(w, "proc");
	jw_uint(w, "pid", t->pid);
	jw_uint(w, "tid", t->tid);
	jw_uint(w, "ppid", t->ppid);
	jw_uint(w, "vpid", t->vpid);
	jw_strn(w, "comm", t->comm, strnlen(t->comm, sizeof(t->comm)));
	if (proc) {
		jw_str(w, "exe", proc->exe);
		jw_arr_begin(w, "args");
		for (size_t o = 0; proc->args && o <= proc->args_len;) {
			size_t n = strnlen(proc->args + o, proc->args_len - o);

			jw_strn(w, NULL, proc->args + o, n);
			o += n + 1;
		}
		jw_arr_end(w);
		jw_str(w, "cwd", proc->cwd);
		jw_str(w, "tty", proc->tty[0] ? proc->tty : NULL);
	}
	jw_str(w, "pname", parent ? parent->comm : NULL);
	jw_uint(w, "uid", t->uid);
	jw_uint(w, "gid", t->gid);
	jw_uint(w, "euid", t->euid);
	jw_uint(w, "egid", t->egid);
	jw_int(w, "loginuid", (int32_t)t->loginuid);
	jw_int(w, "sessionid", (int32_t)t->sessionid);
	jw_uint(w, "sid", t->sid);
	jw_uint(w, "start_ns", t->start_ns);
	jw_uint(w, "cgroup_id", t->cgroup_id);
	jw_obj_begin(w, "ns");
	jw_uint(w, "pid", t->pid_ns);
	jw_uint(w, "mnt", t->mnt_ns);
	jw_uint(w, "net", t->net_ns);
	jw_uint(w, "user", t->user_ns);
	jw_uint(w, "uts", t->uts_ns);
	jw_uint(w, "ipc", t->ipc_ns);
	jw_uint(w, "cgroup", t->cgroup_ns);
	jw_obj_end(w);
	jw_obj_end(w);
}

static void json_sock(struct json_w *w, const struct vg_sock *s)
{
	struct vg_addr a;

	if (!s->family)
		return;
	jw_obj_begin(w, "sock");
	jw_str(w, "family", family_name(s->family));
	jw_str(w, "l4proto", l4_name(s));
	if (s->family == AF_INET || s->family == AF_INET6) {
		vg_addr_from_sock(s, false, &a);
		json_addr(w, "local", &a);
		vg_addr_from_sock(s, true, &a);
		json_addr(w, "remote", &a);
	}
	jw_obj_end(w);
}

static void json_argv(struct json_w *w, struct vg_strv argv)
{
	jw_arr_begin(w, "argv");
	for (size_t o = 0; argv.p && o < argv.len;) {
		size_t n = strnlen(argv.p + o, argv.len - o);

		jw_strn(w, NULL, argv.p + o, n);
		o += n + 1;
	}
	jw_arr_end(w);
}

void vg_evfmt_json(struct strbuf *sb, const struct vg_event *ev, const struct vg_proc *proc,
		   const struct vg_proc *parent)
{
	struct strbuf tmp = STRBUF_INIT;
	struct json_w w;
	char ts[40];

	jw_init(&w, sb);
	jw_obj_begin(&w, NULL);
	vg_clock_rfc3339(vg_clock_wall(ev->ts_boot), ts, sizeof(ts));
	jw_str(&w, "time", ts);
	jw_str(&w, "event", vg_ev_name(ev->type));
	if (ev->sc) {
		jw_int(&w, "ret", ev->ret);
		jw_str(&w, "res", ev->ret >= 0 ? "SUCCESS" : vg_errno_name((int)-ev->ret));
		jw_obj_begin(&w, "args");
		for (int i = 0; i < 6; i++)
			json_arg(&w, &tmp, ev, i);
		jw_obj_end(&w);
		if (ev->path.p)
			jw_strn(&w, "resolved", ev->path.p, ev->path.len);
		json_sock(&w, ev->sock);
	} else if (ev->exec) {
		jw_strn(&w, "filename", ev->filename.p ? ev->filename.p : "", ev->filename.len);
		jw_strn(&w, "exe", ev->exe.p ? ev->exe.p : "", ev->exe.len);
		json_argv(&w, ev->argv);
		jw_uint(&w, "argc", ev->exec->argc);
		jw_strn(&w, "cwd", ev->cwd.p ? ev->cwd.p : "", ev->cwd.len);
		jw_str(&w, "tty", ev->exec->tty[0] ? ev->exec->tty : NULL);
	} else if (ev->fork) {
		jw_uint(&w, "child_pid", ev->fork->child_pid);
		jw_uint(&w, "child_start_ns", ev->fork->child_start_ns);
	} else if (ev->exit) {
		int st = ev->exit->exit_code;

		jw_int(&w, "exit_code", (st >> 8) & 0xff);
		if (st & 0x7f) {
			render_sym(&tmp, VG_AT_SIGNAL, st & 0x7f);
			jw_str(&w, "signal", tmp.buf);
		} else {
			jw_null(&w, "signal");
		}
	}
	if (ev->flags & (VG_F_TRUNC_ANY | VG_F_ARGS_TRUNC | VG_F_PATH_DEEP))
		jw_bool(&w, "truncated", true);
	if (ev->flags & VG_F_READ_ERR)
		jw_bool(&w, "read_error", true);
	if (ev->flags & VG_F_COMPAT)
		jw_bool(&w, "ia32", true);
	if (ev->flags & VG_F_URING)
		jw_bool(&w, "io_uring", true);
	json_task(&w, ev->task, proc, parent);
	jw_obj_end(&w);
	strbuf_release(&tmp);
}

/* Append s[0..len) with control bytes and non-ASCII as \xNN: one line, always. */
static void text_bytes(struct strbuf *sb, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f)
			strbuf_addch(sb, (char)c);
		else
			strbuf_addf(sb, "\\x%02x", c);
	}
}

void vg_evfmt_text(struct strbuf *sb, const struct vg_event *ev, const struct vg_proc *proc)
{
	struct strbuf tmp = STRBUF_INIT;
	const struct vg_task *t = ev->task;
	char ts[40], ip[64];

	vg_clock_rfc3339(vg_clock_wall(ev->ts_boot), ts, sizeof(ts));
	strbuf_addf(sb, "%s ", ts + 11);
	text_bytes(sb, t->comm, strnlen(t->comm, sizeof(t->comm)));
	strbuf_addf(sb, " (%u:%u) %s", t->pid, t->tid, vg_ev_name(ev->type));
	if (ev->sc) {
		for (int i = 0; i < 6; i++) {
			const struct vg_arg_desc *a = &ev->sc->args[i];
			struct vg_addr addr;

			if (a->type == VG_AT_NONE)
				continue;
			strbuf_addf(sb, " %s=", a->name);
			if (a->type == VG_AT_PATH || a->type == VG_AT_STR) {
				if (ev->argstr[i].p)
					text_bytes(sb, ev->argstr[i].p, ev->argstr[i].len);
				else
					strbuf_addstr(sb, "<NULL>");
			} else if (a->type == VG_AT_SOCKADDR) {
				if (!vg_addr_from_sockaddr(ev->argstr[i], &addr))
					strbuf_addstr(sb, "<NA>");
				else if (addr.family == AF_UNIX)
					text_bytes(sb, addr.path.p, addr.path.len);
				else {
					vg_addr_ip_str(&addr, ip, sizeof(ip));
					strbuf_addf(sb, addr.family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip,
						    addr.port);
				}
			} else if (a->type == VG_AT_DIRFD && (int32_t)ev->args[i] == -100) {
				strbuf_addstr(sb, "AT_FDCWD");
			} else if (a->type == VG_AT_MODE) {
				strbuf_addf(sb, "%#" PRIo64, (uint64_t)ev->args[i] & 07777);
			} else if (render_sym(&tmp, a->type, ev->args[i])) {
				strbuf_add(sb, tmp.buf, tmp.len);
			} else {
				strbuf_addf(sb, "%" PRId64, (int64_t)ev->args[i]);
			}
		}
		if (ev->ret < 0)
			strbuf_addf(sb, " res=%s", vg_errno_name((int)-ev->ret) ?: "?");
		else
			strbuf_addf(sb, " res=%" PRId64, ev->ret);
		if (ev->path.p) {
			strbuf_addstr(sb, " path=");
			text_bytes(sb, ev->path.p, ev->path.len);
		}
	} else if (ev->exec) {
		strbuf_addstr(sb, " exe=");
		text_bytes(sb, ev->exe.p ? ev->exe.p : "", ev->exe.len);
		strbuf_addstr(sb, " args=");
		for (size_t i = 0; ev->argv.p && i < ev->argv.len; i++)
			if (ev->argv.p[i])
				text_bytes(sb, ev->argv.p + i, 1);
			else if (i + 1 < ev->argv.len)
				strbuf_addch(sb, ' ');
	} else if (ev->fork) {
		strbuf_addf(sb, " child=%u", ev->fork->child_pid);
	} else if (ev->exit) {
		strbuf_addf(sb, " status=%d", ev->exit->exit_code);
	}
	if (proc && proc->exe && !ev->exec) {
		strbuf_addstr(sb, " exepath=");
		text_bytes(sb, proc->exe, strlen(proc->exe));
	}
	strbuf_release(&tmp);
}
