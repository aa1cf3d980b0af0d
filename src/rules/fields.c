// SPDX-License-Identifier: Apache-2.0
/* Field table and extraction; see fields.h. */
#include "rules/fields.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/clock.h"
#include "pipeline/flags.h"
#include "pipeline/path.h"
#include "pipeline/runtime.h"

#define FD(n, id, t, fl) { n, id, t, fl }

static const struct vg_field_desc fields[] = {
	FD("evt.type", VG_F_EVT_TYPE, VG_FT_STR, 0),
	FD("evt.dir", VG_F_EVT_DIR, VG_FT_STR, 0),
	FD("evt.res", VG_F_EVT_RES, VG_FT_STR, 0),
	FD("evt.rawres", VG_F_EVT_RAWRES, VG_FT_INT, 0),
	FD("evt.failed", VG_F_EVT_FAILED, VG_FT_BOOL, 0),
	FD("evt.time", VG_F_EVT_TIME, VG_FT_STR, VG_FF_OUTPUT),
	FD("evt.num", VG_F_EVT_NUM, VG_FT_UINT, 0),
	FD("evt.hostname", VG_F_EVT_HOSTNAME, VG_FT_STR, 0),
	FD("evt.arg", VG_F_EVT_ARG, VG_FT_STR, VG_FF_ARGNAME),
	FD("evt.args", VG_F_EVT_ARGS, VG_FT_STR, 0),
	FD("evt.is_open_read", VG_F_EVT_IS_OPEN_READ, VG_FT_BOOL, 0),
	FD("evt.is_open_write", VG_F_EVT_IS_OPEN_WRITE, VG_FT_BOOL, 0),
	FD("evt.is_open_exec", VG_F_EVT_IS_OPEN_EXEC, VG_FT_BOOL, 0),
	/* vigil's own: the process a kill, tkill, tgkill or ptrace aims at */
	FD("evt.target.name", VG_F_EVT_TARGET_NAME, VG_FT_STR, 0),
	FD("evt.target.exepath", VG_F_EVT_TARGET_EXEPATH, VG_FT_STR, 0),
	/* path arguments as the kernel resolved them (dirfd or cwd, ".", "..",
	 * "//"): the one path of a call, or of two (rename, link, symlink,
	 * mount) the source and the destination */
	FD("evt.abspath", VG_F_EVT_ABSPATH, VG_FT_STR, 0),
	FD("evt.abspath.src", VG_F_EVT_ABSPATH_SRC, VG_FT_STR, 0),
	FD("evt.abspath.dst", VG_F_EVT_ABSPATH_DST, VG_FT_STR, 0),
	/* vigil's own: the string arguments were read after the syscall ran
	 * (an ia32 call): another thread may have changed them meanwhile */
	FD("evt.args.late", VG_F_EVT_ARGS_LATE, VG_FT_BOOL, 0),
	/* vigil's own: a path the kernel walked was longer than it keeps
	 * (4096 bytes): its leading part is missing */
	FD("evt.path.truncated", VG_F_EVT_PATH_TRUNCATED, VG_FT_BOOL, 0),
	/* vigil's own: where the process's root directory lies on the host
	 * (a chroot); its paths are relative to it */
	FD("proc.root", VG_F_PROC_ROOT, VG_FT_STR, 0),
	FD("proc.name", VG_F_PROC_NAME, VG_FT_STR, 0),
	FD("proc.exe", VG_F_PROC_EXE, VG_FT_STR, 0),
	FD("proc.exepath", VG_F_PROC_EXEPATH, VG_FT_STR, 0),
	FD("proc.cmdline", VG_F_PROC_CMDLINE, VG_FT_STR, 0),
	FD("proc.args", VG_F_PROC_ARGS, VG_FT_STR, 0),
	FD("proc.pid", VG_F_PROC_PID, VG_FT_UINT, 0),
	FD("proc.ppid", VG_F_PROC_PPID, VG_FT_UINT, 0),
	FD("proc.vpid", VG_F_PROC_VPID, VG_FT_UINT, 0),
	FD("thread.tid", VG_F_PROC_TID, VG_FT_UINT, 0),
	FD("proc.pname", VG_F_PROC_PNAME, VG_FT_STR, 0),
	FD("proc.pexe", VG_F_PROC_PEXE, VG_FT_STR, 0),
	FD("proc.pexepath", VG_F_PROC_PEXEPATH, VG_FT_STR, 0),
	FD("proc.pcmdline", VG_F_PROC_PCMDLINE, VG_FT_STR, 0),
	FD("proc.aname", VG_F_PROC_ANAME, VG_FT_STR, VG_FF_INDEX | VG_FF_ANY),
	FD("proc.apid", VG_F_PROC_APID, VG_FT_UINT, VG_FF_INDEX | VG_FF_ANY),
	FD("proc.aexe", VG_F_PROC_AEXE, VG_FT_STR, VG_FF_INDEX | VG_FF_ANY),
	FD("proc.aexepath", VG_F_PROC_AEXEPATH, VG_FT_STR, VG_FF_INDEX | VG_FF_ANY),
	FD("proc.cwd", VG_F_PROC_CWD, VG_FT_STR, 0),
	FD("proc.tty", VG_F_PROC_TTY, VG_FT_UINT, 0),
	FD("proc.sid", VG_F_PROC_SID, VG_FT_UINT, 0),
	FD("proc.is_container", VG_F_PROC_IS_CONTAINER, VG_FT_BOOL, 0),
	/* Falco has no namespace fields; these are vigil's (inode numbers, as
	 * /proc/PID/ns/NAME and `lsns` show them) */
	FD("proc.pidns", VG_F_PROC_PIDNS, VG_FT_UINT, 0),
	FD("proc.mntns", VG_F_PROC_MNTNS, VG_FT_UINT, 0),
	FD("proc.netns", VG_F_PROC_NETNS, VG_FT_UINT, 0),
	FD("proc.userns", VG_F_PROC_USERNS, VG_FT_UINT, 0),
	FD("proc.utsns", VG_F_PROC_UTSNS, VG_FT_UINT, 0),
	FD("proc.ipcns", VG_F_PROC_IPCNS, VG_FT_UINT, 0),
	FD("proc.cgroupns", VG_F_PROC_CGROUPNS, VG_FT_UINT, 0),
	FD("user.uid", VG_F_USER_UID, VG_FT_UINT, 0),
	FD("user.ruid", VG_F_USER_RUID, VG_FT_UINT, 0), /* vigil's own: the real uid */
	FD("user.name", VG_F_USER_NAME, VG_FT_STR, 0),
	FD("user.loginuid", VG_F_USER_LOGINUID, VG_FT_INT, 0),
	FD("user.loginname", VG_F_USER_LOGINNAME, VG_FT_STR, 0),
	FD("group.gid", VG_F_GROUP_GID, VG_FT_UINT, 0),
	FD("group.name", VG_F_GROUP_NAME, VG_FT_STR, 0),
	FD("container.id", VG_F_CONTAINER_ID, VG_FT_STR, 0),
	FD("container.full_id", VG_F_CONTAINER_FULL_ID, VG_FT_STR, 0),
	FD("container.name", VG_F_CONTAINER_NAME, VG_FT_STR, 0),
	FD("container.image", VG_F_CONTAINER_IMAGE, VG_FT_STR, 0),
	FD("container.image.repository", VG_F_CONTAINER_IMAGE_REPOSITORY, VG_FT_STR, 0),
	FD("container.image.tag", VG_F_CONTAINER_IMAGE_TAG, VG_FT_STR, 0),
	FD("k8s.pod.uid", VG_F_K8S_POD_UID, VG_FT_STR, 0),
	FD("k8s.pod.name", VG_F_K8S_POD_NAME, VG_FT_STR, 0),
	FD("k8s.ns.name", VG_F_K8S_NS_NAME, VG_FT_STR, 0),
	FD("fd.name", VG_F_FD_NAME, VG_FT_STR, 0),
	FD("fd.nameraw", VG_F_FD_NAMERAW, VG_FT_STR, 0),
	FD("fd.directory", VG_F_FD_DIRECTORY, VG_FT_STR, 0),
	FD("fd.filename", VG_F_FD_FILENAME, VG_FT_STR, 0),
	FD("fd.typechar", VG_F_FD_TYPECHAR, VG_FT_STR, 0),
	FD("fd.type", VG_F_FD_TYPE, VG_FT_STR, 0),
	FD("fd.num", VG_F_FD_NUM, VG_FT_INT, 0),
	FD("fd.cip", VG_F_FD_CIP, VG_FT_IP, 0),
	FD("fd.sip", VG_F_FD_SIP, VG_FT_IP, 0),
	FD("fd.lip", VG_F_FD_LIP, VG_FT_IP, 0),
	FD("fd.rip", VG_F_FD_RIP, VG_FT_IP, 0),
	FD("fd.ip", VG_F_FD_IP, VG_FT_IP, VG_FF_ANY),
	FD("fd.cport", VG_F_FD_CPORT, VG_FT_UINT, 0),
	FD("fd.sport", VG_F_FD_SPORT, VG_FT_UINT, 0),
	FD("fd.lport", VG_F_FD_LPORT, VG_FT_UINT, 0),
	FD("fd.rport", VG_F_FD_RPORT, VG_FT_UINT, 0),
	FD("fd.port", VG_F_FD_PORT, VG_FT_UINT, VG_FF_ANY),
	FD("fd.l4proto", VG_F_FD_L4PROTO, VG_FT_STR, 0),
	FD("fd.sockfamily", VG_F_FD_SOCKFAMILY, VG_FT_STR, 0),
	FD("fd.net", VG_F_FD_NET, VG_FT_NET, VG_FF_ANY),
	FD("fd.cnet", VG_F_FD_CNET, VG_FT_NET, 0),
	FD("fd.snet", VG_F_FD_SNET, VG_FT_NET, 0),
	FD("fd.lnet", VG_F_FD_LNET, VG_FT_NET, 0),
	FD("fd.rnet", VG_F_FD_RNET, VG_FT_NET, 0),
};

#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

/*
 * Falco fields vigil knows of but cannot fill yet (exact names, or prefixes
 * ending in '.' or '['). A typo is not in here and stays an error.
 */
static const char *const unsupported[] = {
	"container.image.id", "container.privileged", "container.mounts", "container.mount.dest[",
	"container.mount.source[", "container.start_ts", "container.type",
	"k8s.", "proc.duration", "proc.sname", "proc.env", "proc.exe_ino.", "proc.exe_ino",
	"proc.is_exe_upper_layer", "proc.is_exe_from_memfd", "proc.is_exe_writable",
	"proc.is_vpgid_leader", "proc.vpgid.", "proc.vpgid", "proc.ppid.duration", "proc.pvpid",
	"proc.loginshellid", "proc.is_sid_leader", "proc.sid.", "proc.stdin.", "proc.stdout.",
	"proc.fdopencount", "thread.cap_effective", "thread.cap_permitted",
	"thread.cap_inheritable", "thread.vtid", "evt.buffer", "evt.rawarg.", "evt.count",
	"evt.latency", "evt.deltatime", "evt.category", "evt.cpu", "evt.is_io",
	"evt.is_io_read", "evt.is_io_write", "evt.is_syslog", "evt.is_wait", "evt.info",
	"evt.plugininfo", "evt.source", "evt.pluginname", "fd.types", "fd.types[", "fd.connected", "fd.name_changed",
	"fd.cip.name", "fd.sip.name", "fd.lip.name", "fd.rip.name", "fd.dev", "fd.ino",
	"fd.uid", "fd.containername", "fd.containerdirectory", "fd.is_upper_layer",
	"fd.is_lower_layer", "fd.cproto", "fd.sproto", "fd.lproto", "fd.rproto",
	"fs.path.", "fdlist.", "user.homedir", "user.shell", "group.", NULL,
};

const struct vg_field_desc *vg_field_desc(const char *name)
{
	for (size_t i = 0; i < NFIELDS; i++)
		if (!strcmp(fields[i].name, name))
			return &fields[i];
	return NULL;
}

static bool is_unsupported(const char *text)
{
	for (const char *const *u = unsupported; *u; u++) {
		size_t n = strlen(*u);
		char last = (*u)[n - 1];

		if ((last == '.' || last == '[') ? !strncmp(text, *u, n) : !strcmp(text, *u))
			return true;
	}
	return false;
}

enum vg_field_res vg_field_resolve(const char *text, struct vg_fref *out)
{
	static const struct vg_field_desc unsup = { "unsupported", VG_F_UNSUPPORTED, VG_FT_STR, 0 };
	const char *br = strchr(text, '[');
	char base[64];
	size_t n = br ? (size_t)(br - text) : strlen(text);

	memset(out, 0, sizeof(*out));
	out->index = -1;
	out->argidx = -1;
	if (!strncmp(text, "evt.arg.", 8) && text[8]) {
		out->d = vg_field_desc("evt.arg");
		out->argname = text + 8;
		return VG_FIELD_OK;
	}
	if (n >= sizeof(base))
		return VG_FIELD_UNKNOWN;
	memcpy(base, text, n);
	base[n] = '\0';
	out->d = vg_field_desc(base);
	if (!out->d || (out->d->flags & VG_FF_ARGNAME && !br)) {
		if (is_unsupported(text)) {
			out->d = &unsup;
			return VG_FIELD_UNSUPPORTED;
		}
		out->d = NULL;
		return VG_FIELD_UNKNOWN;
	}
	if (br) {
		char *end;
		long v = strtol(br + 1, &end, 10);

		if (!(out->d->flags & (VG_FF_INDEX | VG_FF_ARGNAME)) || end == br + 1 || *end != ']' ||
		    end[1] || v < 0 || v > 64)
			return VG_FIELD_BAD_INDEX;
		if (out->d->flags & VG_FF_ARGNAME)
			out->argidx = (int)v;
		else
			out->index = (int)v;
	}
	return VG_FIELD_OK;
}

/* --- per-event context ------------------------------------------------------ */

enum {
	HAVE_CMDLINE = 1 << 0,
	HAVE_ARGS = 1 << 1,
	HAVE_PCMDLINE = 1 << 2,
	HAVE_EVARGS = 1 << 3,
	HAVE_FDNAME = 1 << 4,
	HAVE_WALL = 1 << 5,
};

uint64_t vg_evctx_wall(struct vg_evctx *c)
{
	if (!(c->have & HAVE_WALL)) {
		c->wall_ns = vg_clock_wall(c->ev->ts_boot);
		c->have |= HAVE_WALL;
	}
	return c->wall_ns;
}

void vg_evctx_init(struct vg_evctx *c)
{
	memset(c, 0, sizeof(*c));
	strbuf_init(&c->cmdline);
	strbuf_init(&c->args);
	strbuf_init(&c->pcmdline);
	strbuf_init(&c->evargs);
	strbuf_init(&c->argval);
	strbuf_init(&c->fdname);
	strbuf_init(&c->tmp);
}

void vg_evctx_release(struct vg_evctx *c)
{
	strbuf_release(&c->cmdline);
	strbuf_release(&c->args);
	strbuf_release(&c->pcmdline);
	strbuf_release(&c->evargs);
	strbuf_release(&c->argval);
	strbuf_release(&c->fdname);
	strbuf_release(&c->tmp);
}

void vg_evctx_begin(struct vg_evctx *c, const struct vg_event *ev, const struct vg_proc *proc)
{
	c->ev = ev;
	c->proc = proc;
	c->have = 0;
	c->evnum++;
}

static bool set_str(struct vg_fval *o, const char *s, size_t len)
{
	if (!s)
		return false;
	o->type = VG_FT_STR;
	o->s = s;
	o->len = len;
	return true;
}

static bool set_cstr(struct vg_fval *o, const char *s)
{
	return set_str(o, s, s ? strlen(s) : 0);
}

static bool set_uint(struct vg_fval *o, uint64_t v)
{
	o->type = VG_FT_UINT;
	o->u = v;
	o->i = (int64_t)v;
	return true;
}

static bool set_int(struct vg_fval *o, int64_t v)
{
	o->type = VG_FT_INT;
	o->i = v;
	o->u = (uint64_t)v;
	return true;
}

static bool set_bool(struct vg_fval *o, bool v)
{
	o->type = VG_FT_BOOL;
	o->i = v;
	o->u = v;
	return true;
}

/* argv[1..] joined by spaces, or with argv[0] replaced by `first`. */
static void join_args(struct strbuf *sb, const struct vg_proc *p, const char *first)
{
	size_t o = 0, n;

	strbuf_reset(sb);
	if (first)
		strbuf_addstr(sb, first);
	if (!p || !p->args)
		return;
	n = strnlen(p->args, p->args_len);
	o = n + 1; /* skip argv[0] */
	while (o < p->args_len) {
		n = strnlen(p->args + o, p->args_len - o);
		if (sb->len)
			strbuf_addch(sb, ' ');
		strbuf_add(sb, p->args + o, n);
		o += n + 1;
	}
}

static const struct vg_proc *ancestor(const struct vg_evctx *c, unsigned k)
{
	const struct vg_proc *p = c->proc;

	for (unsigned i = 0; p && i < k; i++) {
		if (p->pid <= 1 && i + 1 < k)
			return NULL;
		p = c->procs ? vg_proctab_get(c->procs, p->ppid) : NULL;
	}
	return p;
}

static bool proc_name(const struct vg_proc *p, struct vg_fval *o)
{
	return p ? set_cstr(o, p->comm) : false;
}

static bool proc_exe(const struct vg_proc *p, struct vg_fval *o)
{
	/* Falco's proc.exe is argv[0] as the process was started. An exec seen
	 * with an empty argv[0] (the kernel turns argc 0 into one "") shows "";
	 * an empty command line read from /proc (kernel threads) shows comm. */
	if (!p)
		return false;
	if (p->args && (p->args_len || !p->from_proc))
		return set_str(o, p->args, strnlen(p->args, p->args_len));
	return set_cstr(o, p->comm);
}

static bool is_open_family(unsigned t)
{
	return t == VG_EV_SYS_open || t == VG_EV_SYS_openat || t == VG_EV_SYS_openat2 ||
	       t == VG_EV_SYS_creat || t == VG_EV_SYS_open_by_handle_at;
}

static bool is_sock_event(const struct vg_event *ev)
{
	return ev->sc && ev->sock && ev->sock->family;
}

/* Open flags of an open-family event. */
static uint64_t open_flags(const struct vg_event *ev, uint64_t *mode)
{
	switch (ev->type) {
	case VG_EV_SYS_open:
		*mode = ev->args[2];
		return ev->args[1];
	case VG_EV_SYS_openat:
		*mode = ev->args[3];
		return ev->args[2];
	case VG_EV_SYS_openat2:
		*mode = ev->ext[1];
		return ev->ext[0];
	case VG_EV_SYS_creat:
		*mode = ev->args[1];
		return O_CREAT | O_WRONLY | O_TRUNC;
	case VG_EV_SYS_open_by_handle_at: /* opens an existing file: no mode */
		*mode = 0;
		return ev->args[2];
	default:
		*mode = 0;
		return 0;
	}
}

/* Index of the n-th (0, 1) path argument of a syscall event, or -1. */
static int path_arg_idx(const struct vg_event *ev, int n)
{
	if (!ev->sc)
		return -1;
	for (int i = 0; i < 6; i++)
		if (ev->sc->args[i].type == VG_AT_PATH && ev->argstr[i].p && !n--)
			return i;
	return -1;
}

/* First path argument of a syscall event (fd.nameraw). */
static const struct vg_strv *path_arg(const struct vg_event *ev)
{
	int i = path_arg_idx(ev, 0);

	return i < 0 ? NULL : &ev->argstr[i];
}

/*
 * Append to sb the string argument i as the kernel resolved it: joined
 * with the directory the kernel recorded for it (its base slot), else the
 * process's cwd as vigil tracks it, and normalised (pipeline/path.h). The
 * opens keep their own rule for the name of a failed open (no resolved
 * path): made absolute against the cwd, not normalised, which is what the
 * open path's kernel filter compares. `lexical`: a string argument that is
 * no path argument (mount's dev): normalised only when absolute.
 */
static void arg_resolved(struct vg_evctx *c, int i, bool lexical, struct strbuf *sb)
{
	const struct vg_event *ev = c->ev;
	const struct vg_strv *raw = &ev->argstr[i], *base = &ev->argbase[i];
	const char *cwd = c->proc ? c->proc->cwd : NULL;

	/* what an LSM path hook saw the kernel act on: the whole path */
	if ((ev->kres >> i) & 1 && base->p) {
		strbuf_add(sb, base->p, base->len);
		return;
	}
	if (!raw->p)
		return;
	if (ev->sc->post == VG_POST_FD_RET) {
		if (raw->len && raw->p[0] != '/' && cwd) {
			strbuf_addstr(sb, cwd);
			if (sb->len && sb->buf[sb->len - 1] != '/')
				strbuf_addch(sb, '/');
		}
		strbuf_add(sb, raw->p, raw->len);
		return;
	}
	if (lexical && !(raw->len && raw->p[0] == '/')) {
		strbuf_add(sb, raw->p, raw->len);
		return;
	}
	if (base->p && vg_path_resolve(sb, base->p, base->len, raw->p, raw->len))
		return;
	if (vg_path_resolve(sb, cwd, cwd ? strlen(cwd) : 0, raw->p, raw->len))
		return;
	strbuf_add(sb, raw->p, raw->len); /* relative, and no directory known */
}

/* The index of the string argument named `name`, or -1. */
static int arg_idx(const struct vg_event *ev, const char *name)
{
	for (int i = 0; ev->sc && i < 6; i++)
		if (ev->sc->args[i].name && !strcmp(ev->sc->args[i].name, name))
			return i;
	return -1;
}

/*
 * evt.abspath (which 0), evt.abspath.src (1), evt.abspath.dst (2) into sb.
 * A symlink's target, when relative, is relative to the link's directory,
 * not to the caller's: it is resolved against the resolved link path's.
 */
static bool abspath(struct vg_evctx *c, int which, struct strbuf *sb)
{
	const struct vg_event *ev = c->ev;
	int i;

	if (!ev->sc)
		return false;
	switch (ev->type) {
	case VG_EV_SYS_symlink:
	case VG_EV_SYS_symlinkat: {
		const struct vg_strv *t = &ev->argstr[0];

		i = arg_idx(ev, "linkpath");
		if (i < 0 || !ev->argstr[i].p)
			return false;
		if (which != 1) {
			arg_resolved(c, i, false, sb);
			return which == 2 && sb->len;
		}
		if (!t->p)
			return false;
		/* the target against the link's directory (in c->tmp, which
		 * the evaluator uses only after the field is read) */
		strbuf_reset(&c->tmp);
		arg_resolved(c, i, false, &c->tmp);
		if (!c->tmp.len)
			return false;
		return vg_path_resolve(sb, c->tmp.buf, vg_path_dirlen(c->tmp.buf, c->tmp.len), t->p,
				       t->len);
	}
	case VG_EV_SYS_mount:
		i = which == 1 ? arg_idx(ev, "dev") : which == 2 ? arg_idx(ev, "dir") : -1;
		if (i < 0 || !ev->argstr[i].p)
			return false;
		arg_resolved(c, i, which == 1, sb);
		return sb->len > 0;
	default:
		i = path_arg_idx(ev, which == 2 ? 1 : 0);
		if (i < 0)
			return false;
		arg_resolved(c, i, false, sb);
		return sb->len > 0;
	}
}

/* The socket's endpoints as client and server, Falco's way: the connecting
 * side is the client, the accepting/binding side the server. */
struct tuple {
	struct vg_addr local, remote;
	bool local_is_server;
};

/* connect, and the sends recorded (with a destination, or opening a
 * connection): the caller is the client. */
static bool is_connecting(const struct vg_event *ev)
{
	return ev->type == VG_EV_SYS_connect || ev->type == VG_EV_SYS_sendto ||
	       ev->type == VG_EV_SYS_sendmsg;
}

static bool sock_tuple(const struct vg_event *ev, struct tuple *t)
{
	if (!ev->sc)
		return false;
	memset(t, 0, sizeof(*t));
	if (ev->sock && ev->sock->family) {
		vg_addr_from_sock(ev->sock, false, &t->local);
		vg_addr_from_sock(ev->sock, true, &t->remote);
	}
	/* A failed connect leaves the kernel socket without a peer, and a
	 * send to an address on an unconnected socket never has one: the
	 * address the caller gave is the remote end. */
	if (is_connecting(ev)) {
		struct vg_addr ua;
		int i = ev->type == VG_EV_SYS_sendto ? 4 : 1;

		if (vg_addr_from_sockaddr(ev->argstr[i], &ua) &&
		    (ua.family == AF_UNIX || !t->remote.family || !t->remote.port))
			t->remote = ua;
	}
	if (ev->type == VG_EV_SYS_bind && !t->local.family)
		vg_addr_from_sockaddr(ev->argstr[1], &t->local);
	t->local_is_server = !is_connecting(ev);
	/* A duplicated socket does not say which end it is: the end with the
	 * lower port is the server's (the other one's is ephemeral). */
	if (ev->type == VG_EV_SYS_dup || ev->type == VG_EV_SYS_dup2 || ev->type == VG_EV_SYS_dup3)
		t->local_is_server = !t->remote.port || t->local.port <= t->remote.port;
	return t->local.family || t->remote.family;
}

static bool set_ip(struct vg_fval *o, const struct vg_addr *a, enum vg_ftype type)
{
	if (a->family != AF_INET && a->family != AF_INET6)
		return false;
	o->type = type;
	o->family = a->family;
	memcpy(o->ip, a->ip, 16);
	return true;
}

static void render_addr(struct strbuf *sb, const struct vg_addr *a)
{
	char ip[64];

	if (a->family == AF_UNIX) {
		strbuf_add(sb, a->path.p ? a->path.p : "", a->path.len);
		return;
	}
	if (!inet_ntop(a->family, a->ip, ip, sizeof(ip)))
		strcpy(ip, "?");
	strbuf_addf(sb, a->family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip, a->port);
}

/* A unix socket's address as fd.name: a path the caller gave, resolved
 * as the kernel did (its base slot: the cwd), or an abstract name as it
 * is. (A connected socket's fd.name is its peer's path, walked by the
 * kernel, before this.) */
static void unix_name(const struct vg_event *ev, const struct vg_addr *u, struct strbuf *sb)
{
	int ai = ev->type == VG_EV_SYS_sendto ? 4 : 1;
	const struct vg_strv *base = &ev->argbase[ai];

	if (u->path.len && u->path.p[0] != '\0' &&
	    vg_path_resolve(sb, base->p, base->len, u->path.p, u->path.len))
		return;
	render_addr(sb, u);
}

/* fd.name: the file's path, made absolute, or the socket's tuple. */
static bool fd_name(struct vg_evctx *c, struct vg_fval *o)
{
	const struct vg_event *ev = c->ev;
	struct tuple t;
	int i;

	if (c->have & HAVE_FDNAME)
		return c->fdname.len ? set_str(o, c->fdname.buf, c->fdname.len) : false;
	c->have |= HAVE_FDNAME;
	strbuf_reset(&c->fdname);
	if (ev->exec) {
		strbuf_add(&c->fdname, ev->exe.p ? ev->exe.p : "", ev->exe.len);
	} else if (ev->path.p && ev->type != VG_EV_SYS_chdir && ev->type != VG_EV_SYS_fchdir) {
		strbuf_add(&c->fdname, ev->path.p, ev->path.len);
	} else if (sock_tuple(ev, &t)) {
		const struct vg_addr *cl = t.local_is_server ? &t.remote : &t.local;
		const struct vg_addr *sv = t.local_is_server ? &t.local : &t.remote;

		if (t.remote.family == AF_UNIX || t.local.family == AF_UNIX) {
			const struct vg_addr *u = t.remote.family ? &t.remote : &t.local;

			unix_name(ev, u, &c->fdname);
		} else {
			render_addr(&c->fdname, cl);
			strbuf_addstr(&c->fdname, "->");
			render_addr(&c->fdname, sv);
		}
	} else if ((i = path_arg_idx(ev, 0)) >= 0) {
		/* no path the kernel resolved from an fd: the path argument,
		 * resolved as the kernel did */
		arg_resolved(c, i, false, &c->fdname);
	}
	return c->fdname.len ? set_str(o, c->fdname.buf, c->fdname.len) : false;
}

static bool is_file_event(const struct vg_event *ev)
{
	return ev->exec || (ev->sc && !is_sock_event(ev) && (ev->path.p || path_arg(ev)));
}

/*
 * capset's sets under Falco's argument names (cap_effective, cap_permitted,
 * cap_inheritable). The kernel copied the caller's two
 * __user_cap_data_struct {effective, permitted, inheritable} (__u32 each,
 * low then high 32 capabilities) into ext[0..2].
 */
static bool capset_set(const struct vg_event *ev, const char *name, uint64_t *out)
{
	static const char *const names[] = { "cap_effective", "cap_permitted", "cap_inheritable" };
	uint32_t w[6];

	if (ev->type != VG_EV_SYS_capset || (ev->flags & VG_F_READ_ERR))
		return false;
	for (int i = 0; i < 3; i++) {
		if (strcmp(name, names[i]))
			continue;
		memcpy(w, ev->ext, sizeof(w));
		*out = (uint64_t)w[i] | (uint64_t)w[3 + i] << 32;
		return true;
	}
	return false;
}

/* evt.arg.NAME / evt.arg[N], rendered as `vigil trace` shows it. */
static bool evt_arg(struct vg_evctx *c, const struct vg_fref *f, struct vg_fval *o)
{
	const struct vg_event *ev = c->ev;
	int i = f->argidx;

	strbuf_reset(&c->argval);
	if (ev->exec) {
		if (f->argname && !strcmp(f->argname, "filename"))
			return set_str(o, ev->filename.p, ev->filename.len);
		if (f->argname && !strcmp(f->argname, "exe"))
			return set_str(o, ev->exe.p, ev->exe.len);
		if (f->argname && !strcmp(f->argname, "cwd"))
			return set_str(o, ev->cwd.p, ev->cwd.len);
		return false;
	}
	if (!ev->sc)
		return false;
	if (f->argname) {
		uint64_t caps;

		if (capset_set(ev, f->argname, &caps)) {
			vg_caps_render(&c->argval, caps);
			return set_str(o, c->argval.buf, c->argval.len);
		}
		if (!strcmp(f->argname, "res") ||
		    (!strcmp(f->argname, "fd") && ev->sc->post == VG_POST_FD_RET)) {
			strbuf_addf(&c->argval, "%" PRId64, ev->ret);
			return set_str(o, c->argval.buf, c->argval.len);
		}
		for (i = 0; i < 6; i++)
			if (ev->sc->args[i].name && !strcmp(ev->sc->args[i].name, f->argname))
				break;
	}
	if (i < 0 || i >= 6 || ev->sc->args[i].type == VG_AT_NONE)
		return false;
	switch (ev->sc->args[i].type) {
	case VG_AT_PATH:
	case VG_AT_STR:
		return set_str(o, ev->argstr[i].p, ev->argstr[i].len);
	case VG_AT_SOCKADDR: {
		struct vg_addr a;

		if (!vg_addr_from_sockaddr(ev->argstr[i], &a))
			return false;
		render_addr(&c->argval, &a);
		break;
	}
	case VG_AT_MODE:
		strbuf_addf(&c->argval, "%#" PRIo64, (uint64_t)ev->args[i] & 07777);
		break;
	case VG_AT_HEX:
		strbuf_addf(&c->argval, "0x%" PRIx64, (uint64_t)ev->args[i]);
		break;
	case VG_AT_INT:
	case VG_AT_FD:
	case VG_AT_DIRFD:
	case VG_AT_PID:
		strbuf_addf(&c->argval, "%" PRId64,
			    ev->sc->args[i].type == VG_AT_INT ? (int64_t)ev->args[i]
							       : (int64_t)(int32_t)ev->args[i]);
		break;
	case VG_AT_OPEN_HOW:
		vg_flags_render(&c->argval, VG_AT_OFLAGS, ev->ext[0]);
		break;
	case VG_AT_CLONE_ARGS:
		vg_flags_render(&c->argval, VG_AT_CLONE_ARGS, ev->ext[0]);
		break;
	default:
		if (vg_flags_render(&c->argval, ev->sc->args[i].type, ev->args[i]))
			strbuf_addf(&c->argval, "%" PRIu64, (uint64_t)(uint32_t)ev->args[i]);
		break;
	}
	return set_str(o, c->argval.buf, c->argval.len);
}

/* The process a kill, tkill, tgkill, rt_(tg)sigqueueinfo, ptrace or
 * process_vm_readv/writev aims at: its first pid argument, looked up when
 * the caller is in the host's pid namespace (the process table's pids are
 * the host's); pidfd_send_signal's is the pidfd's process. */
static const struct vg_proc *target_proc(const struct vg_evctx *c)
{
	const struct vg_event *ev = c->ev;

	if (!ev->sc || !c->procs)
		return NULL;
	/* the kernel resolved the pidfd: a host tgid, whatever the namespace */
	if (ev->type == VG_EV_SYS_pidfd_send_signal)
		return ev->ext[0] ? vg_proctab_get(c->procs, (uint32_t)ev->ext[0]) : NULL;
	if (c->host_pidns && ev->task->pid_ns != c->host_pidns)
		return NULL;
	for (int i = 0; i < 6; i++) {
		if (ev->sc->args[i].type == VG_AT_PID) {
			int32_t pid = (int32_t)ev->args[i];

			/* 0, -1 and -pgid name groups of processes, not one */
			return pid > 0 ? vg_proctab_get(c->procs, (uint32_t)pid) : NULL;
		}
	}
	return NULL;
}

static bool evt_args(struct vg_evctx *c, struct vg_fval *o)
{
	const struct vg_event *ev = c->ev;

	if (c->have & HAVE_EVARGS)
		return set_str(o, c->evargs.buf, c->evargs.len);
	c->have |= HAVE_EVARGS;
	strbuf_reset(&c->evargs);
	if (ev->sc) {
		for (int i = 0; i < 6; i++) {
			struct vg_fref f = { .argidx = i, .index = -1 };
			struct vg_fval v;

			if (ev->sc->args[i].type == VG_AT_NONE)
				continue;
			if (c->evargs.len)
				strbuf_addch(&c->evargs, ' ');
			strbuf_addf(&c->evargs, "%s=", ev->sc->args[i].name);
			if (evt_arg(c, &f, &v))
				strbuf_add(&c->evargs, v.s, v.len);
			else
				strbuf_addstr(&c->evargs, "<NA>");
		}
	} else if (ev->exec) {
		strbuf_addstr(&c->evargs, "filename=");
		strbuf_add(&c->evargs, ev->filename.p ? ev->filename.p : "", ev->filename.len);
	}
	return set_str(o, c->evargs.buf, c->evargs.len);
}

/*
 * container.name/image[.repository|.tag], k8s.pod.name, k8s.ns.name, from
 * the runtime's API or state (never waited for: <NA> until the answer is
 * in). Host processes are named "host", as Falco names them. "registry:5000/ns/app:1.2@sha256:..." has
 * repository "registry:5000/ns/app" and tag "1.2".
 */
static bool container_meta(struct vg_evctx *c, enum vg_fid id, struct vg_fval *o)
{
	const struct vg_cinfo *ci =
		c->containers ? vg_containers_lookup(c->containers, c->ev->task->cgroup_id) : NULL;
	const struct vg_cmeta *m;
	const char *img, *slash, *colon;
	size_t len;

	if (!ci || !ci->container)
		return id == VG_F_CONTAINER_NAME ? set_cstr(o, "host") : false;
	m = vg_containers_meta(c->containers, ci, c->ev->task->cgroup_id);
	if (!m)
		return false;
	if (id == VG_F_CONTAINER_NAME)
		return m->name[0] ? set_cstr(o, m->name) : false;
	if (id == VG_F_K8S_POD_NAME)
		return m->pod_name[0] ? set_cstr(o, m->pod_name) : false;
	if (id == VG_F_K8S_NS_NAME)
		return m->pod_ns[0] ? set_cstr(o, m->pod_ns) : false;
	if (id == VG_F_K8S_POD_UID)
		return m->pod_uid[0] ? set_cstr(o, m->pod_uid) : false;
	img = m->image;
	if (!img[0])
		return false;
	if (id == VG_F_CONTAINER_IMAGE)
		return set_cstr(o, img);
	len = strcspn(img, "@"); /* without the digest */
	slash = memrchr(img, '/', len);
	colon = memchr(slash ? slash : img, ':', len - (size_t)((slash ? slash : img) - img));
	if (id == VG_F_CONTAINER_IMAGE_REPOSITORY)
		return set_str(o, img, colon ? (size_t)(colon - img) : len);
	return colon && colon + 1 < img + len ? set_str(o, colon + 1, len - (size_t)(colon + 1 - img))
					      : false;
}

static unsigned tty_nr(const struct vg_proc *p)
{
	unsigned n;

	if (!p || !p->tty[0])
		return 0;
	/* Linux's old_encode_dev of the controlling terminal, as Falco reports */
	if (sscanf(p->tty, "pts%u", &n) == 1)
		return (136u + n / 256) << 8 | (n % 256);
	if (sscanf(p->tty, "ttyS%u", &n) == 1)
		return 4u << 8 | (64 + n);
	if (sscanf(p->tty, "tty%u", &n) == 1)
		return 4u << 8 | n;
	return 1;
}

bool vg_field_get(struct vg_evctx *c, const struct vg_fref *f, unsigned k, struct vg_fval *o)
{
	const struct vg_event *ev = c->ev;
	const struct vg_task *t = ev->task;
	const struct vg_proc *p = c->proc, *a;
	struct tuple tu;
	uint64_t mode, fl;

	memset(o, 0, sizeof(*o));
	if (k > 0 && !(f->d->flags & VG_FF_ANY))
		return false;
	switch (f->d->id) {
	case VG_F_UNSUPPORTED:
	case VG_F_MAX:
		return false;
	case VG_F_EVT_TYPE:
		return set_cstr(o, vg_ev_name(ev->type));
	case VG_F_EVT_DIR:
		return set_cstr(o, "<"); /* vigil records syscalls at their exit */
	case VG_F_EVT_RES:
		if (ev->sc)
			return set_cstr(o, ev->ret >= 0 ? "SUCCESS" : vg_errno_name((int)-ev->ret));
		return ev->exec ? set_cstr(o, "SUCCESS") : false;
	case VG_F_EVT_RAWRES:
		return ev->sc ? set_int(o, ev->ret) : ev->exec ? set_int(o, 0) : false;
	case VG_F_EVT_FAILED:
		return set_bool(o, ev->sc && ev->ret < 0);
	case VG_F_EVT_TIME:
		vg_clock_rfc3339(vg_evctx_wall(c), c->timebuf, sizeof(c->timebuf));
		return set_cstr(o, c->timebuf);
	case VG_F_EVT_NUM:
		return set_uint(o, c->evnum);
	case VG_F_EVT_HOSTNAME:
		return set_cstr(o, c->hostname);
	case VG_F_EVT_ARG:
		return evt_arg(c, f, o);
	case VG_F_EVT_ARGS:
		return evt_args(c, o);
	case VG_F_EVT_TARGET_NAME:
		return proc_name(target_proc(c), o);
	case VG_F_EVT_TARGET_EXEPATH:
		a = target_proc(c);
		return a ? set_cstr(o, a->exe) : false;
	case VG_F_EVT_IS_OPEN_READ:
	case VG_F_EVT_IS_OPEN_WRITE:
	case VG_F_EVT_IS_OPEN_EXEC:
		if (!is_open_family(ev->type))
			return set_bool(o, false);
		fl = open_flags(ev, &mode);
		if (f->d->id == VG_F_EVT_IS_OPEN_READ)
			return set_bool(o, (fl & O_ACCMODE) == O_RDONLY || (fl & O_ACCMODE) == O_RDWR);
		if (f->d->id == VG_F_EVT_IS_OPEN_WRITE)
			return set_bool(o, (fl & O_ACCMODE) == O_WRONLY || (fl & O_ACCMODE) == O_RDWR);
		/* Falco: a file created with an execute bit */
		return set_bool(o, (fl & (O_CREAT | __O_TMPFILE)) && (mode & 0111));
	case VG_F_PROC_NAME:
		return p ? proc_name(p, o) : set_str(o, t->comm, strnlen(t->comm, sizeof(t->comm)));
	case VG_F_PROC_EXE:
		return proc_exe(p, o);
	case VG_F_PROC_EXEPATH:
		return p ? set_cstr(o, p->exe) : false;
	case VG_F_PROC_CMDLINE:
		if (!p)
			return false;
		if (!(c->have & HAVE_CMDLINE)) {
			join_args(&c->cmdline, p, p->comm);
			c->have |= HAVE_CMDLINE;
		}
		return set_str(o, c->cmdline.buf, c->cmdline.len);
	case VG_F_PROC_ARGS:
		if (!p)
			return false;
		if (!(c->have & HAVE_ARGS)) {
			join_args(&c->args, p, NULL);
			c->have |= HAVE_ARGS;
		}
		return set_str(o, c->args.buf, c->args.len);
	case VG_F_PROC_PID:
		return set_uint(o, t->pid);
	case VG_F_PROC_PPID:
		return set_uint(o, p ? p->ppid : t->ppid);
	case VG_F_PROC_VPID:
		return set_uint(o, t->vpid);
	case VG_F_PROC_TID:
		return set_uint(o, t->tid);
	case VG_F_PROC_PNAME:
		return proc_name(ancestor(c, 1), o);
	case VG_F_PROC_PEXE:
		return proc_exe(ancestor(c, 1), o);
	case VG_F_PROC_PEXEPATH:
		a = ancestor(c, 1);
		return a ? set_cstr(o, a->exe) : false;
	case VG_F_PROC_PCMDLINE:
		a = ancestor(c, 1);
		if (!a)
			return false;
		if (!(c->have & HAVE_PCMDLINE)) {
			join_args(&c->pcmdline, a, a->comm);
			c->have |= HAVE_PCMDLINE;
		}
		return set_str(o, c->pcmdline.buf, c->pcmdline.len);
	case VG_F_PROC_ANAME:
	case VG_F_PROC_APID:
	case VG_F_PROC_AEXE:
	case VG_F_PROC_AEXEPATH:
		/* [N]: the N-th ancestor (0 is the process itself); no index:
		 * any ancestor, walked by k = 1, 2, ... */
		a = ancestor(c, f->index >= 0 ? (unsigned)f->index : k + 1);
		if (!a || (f->index < 0 && a->pid == 0))
			return false;
		if (f->d->id == VG_F_PROC_ANAME)
			return proc_name(a, o);
		if (f->d->id == VG_F_PROC_APID)
			return set_uint(o, a->pid);
		if (f->d->id == VG_F_PROC_AEXE)
			return proc_exe(a, o);
		return set_cstr(o, a->exe);
	case VG_F_PROC_CWD:
		if (ev->exec && ev->cwd.p)
			return set_str(o, ev->cwd.p, ev->cwd.len);
		return p ? set_cstr(o, p->cwd) : false;
	case VG_F_PROC_ROOT: {
		char root[4096];
		int n = c->procs ? vg_proctab_root(c->procs, t->pid, root, sizeof(root)) : -ENOENT;

		if (n <= 0)
			return false;
		strbuf_reset(&c->argval);
		strbuf_add(&c->argval, root, (size_t)n);
		return set_str(o, c->argval.buf, c->argval.len);
	}
	case VG_F_PROC_TTY:
		return set_uint(o, tty_nr(p));
	case VG_F_PROC_SID:
		return set_uint(o, t->sid);
	case VG_F_PROC_IS_CONTAINER:
		return set_bool(o, (c->host_pidns && t->pid_ns != c->host_pidns) ||
				       (c->host_mntns && t->mnt_ns != c->host_mntns));
	case VG_F_PROC_PIDNS:
		return set_uint(o, t->pid_ns);
	case VG_F_PROC_MNTNS:
		return t->mnt_ns ? set_uint(o, t->mnt_ns) : false; /* 0: an exiting task's */
	case VG_F_PROC_NETNS:
		return t->net_ns ? set_uint(o, t->net_ns) : false;
	case VG_F_PROC_USERNS:
		return set_uint(o, t->user_ns);
	case VG_F_PROC_UTSNS:
		return t->uts_ns ? set_uint(o, t->uts_ns) : false;
	case VG_F_PROC_IPCNS:
		return t->ipc_ns ? set_uint(o, t->ipc_ns) : false;
	case VG_F_PROC_CGROUPNS:
		return t->cgroup_ns ? set_uint(o, t->cgroup_ns) : false;
	case VG_F_USER_UID:
		return set_uint(o, t->euid);
	case VG_F_USER_RUID:
		return set_uint(o, t->uid);
	case VG_F_USER_NAME:
		return c->users ? set_cstr(o, vg_users_name(c->users, t->euid)) : false;
	case VG_F_USER_LOGINUID:
		return set_int(o, (int32_t)t->loginuid);
	case VG_F_USER_LOGINNAME:
		if (t->loginuid == (uint32_t)-1)
			return false;
		return c->users ? set_cstr(o, vg_users_name(c->users, t->loginuid)) : false;
	case VG_F_GROUP_GID:
		return set_uint(o, t->egid);
	case VG_F_GROUP_NAME:
		return c->users ? set_cstr(o, vg_users_group(c->users, t->egid)) : false;
	case VG_F_CONTAINER_ID:
	case VG_F_CONTAINER_FULL_ID:
	case VG_F_K8S_POD_UID: {
		/* From the runtime's naming of the task's cgroup; a process in no
		 * runtime's cgroup is on the "host", as Falco says. */
		const struct vg_cinfo *ci =
			c->containers ? vg_containers_lookup(c->containers, t->cgroup_id) : NULL;

		/* the pod's cgroup names it under the kubelet; else (a
		 * runtime's own cgroup layout) the runtime's state may */
		if (f->d->id == VG_F_K8S_POD_UID)
			return ci && ci->pod_uid[0] ? set_cstr(o, ci->pod_uid)
						    : container_meta(c, f->d->id, o);
		if (!ci || !ci->container)
			return set_cstr(o, "host");
		return set_cstr(o, f->d->id == VG_F_CONTAINER_ID ? ci->id : ci->full_id);
	}
	case VG_F_CONTAINER_NAME:
	case VG_F_CONTAINER_IMAGE:
	case VG_F_CONTAINER_IMAGE_REPOSITORY:
	case VG_F_CONTAINER_IMAGE_TAG:
	case VG_F_K8S_POD_NAME:
	case VG_F_K8S_NS_NAME:
		return container_meta(c, f->d->id, o);
	case VG_F_FD_NAME:
		return fd_name(c, o);
	case VG_F_EVT_ABSPATH:
	case VG_F_EVT_ABSPATH_SRC:
	case VG_F_EVT_ABSPATH_DST:
		strbuf_reset(&c->argval);
		if (!abspath(c, f->d->id - VG_F_EVT_ABSPATH, &c->argval))
			return false;
		return set_str(o, c->argval.buf, c->argval.len);
	case VG_F_EVT_ARGS_LATE:
		if (!ev->sc)
			return false;
		return set_bool(o, ev->flags & VG_F_ARGS_LATE);
	case VG_F_EVT_PATH_TRUNCATED:
		return set_bool(o, ev->flags & VG_F_PATH_DEEP);
	case VG_F_FD_NAMERAW: {
		const struct vg_strv *raw = path_arg(ev);

		return raw ? set_str(o, raw->p, raw->len) : fd_name(c, o);
	}
	case VG_F_FD_DIRECTORY:
	case VG_F_FD_FILENAME: {
		const char *slash;

		if (!is_file_event(ev) || !fd_name(c, o))
			return false;
		slash = memrchr(o->s, '/', o->len);
		if (!slash)
			return f->d->id == VG_F_FD_FILENAME;
		if (f->d->id == VG_F_FD_FILENAME)
			return set_str(o, slash + 1, o->len - (size_t)(slash + 1 - o->s));
		return set_str(o, o->s, slash == o->s ? 1 : (size_t)(slash - o->s));
	}
	case VG_F_FD_TYPECHAR:
	case VG_F_FD_TYPE: {
		bool tc = f->d->id == VG_F_FD_TYPECHAR;

		if (is_sock_event(ev) || (ev->sc && sock_tuple(ev, &tu))) {
			uint16_t fam = ev->sock && ev->sock->family ? ev->sock->family
								    : tu.remote.family;

			if (fam == AF_INET)
				return set_cstr(o, tc ? "4" : "ipv4");
			if (fam == AF_INET6)
				return set_cstr(o, tc ? "6" : "ipv6");
			if (fam == AF_UNIX)
				return set_cstr(o, tc ? "u" : "unix");
			return set_cstr(o, tc ? "s" : "socket");
		}
		if (is_file_event(ev))
			return set_cstr(o, tc ? "f" : "file");
		return false;
	}
	case VG_F_FD_NUM:
		if (!ev->sc)
			return false;
		if (ev->sc->post == VG_POST_FD_RET || ev->sc->post == VG_POST_SOCK_RET)
			return set_int(o, ev->ret < 0 ? -1 : ev->ret);
		if (ev->sc->args[0].type == VG_AT_FD)
			return set_int(o, (int32_t)ev->args[0]);
		return false;
	case VG_F_FD_CIP:
	case VG_F_FD_SIP:
	case VG_F_FD_LIP:
	case VG_F_FD_RIP:
	case VG_F_FD_CPORT:
	case VG_F_FD_SPORT:
	case VG_F_FD_LPORT:
	case VG_F_FD_RPORT:
	case VG_F_FD_CNET:
	case VG_F_FD_SNET:
	case VG_F_FD_LNET:
	case VG_F_FD_RNET:
	case VG_F_FD_IP:
	case VG_F_FD_PORT:
	case VG_F_FD_NET: {
		const struct vg_addr *cl, *sv, *pick;
		enum vg_fid id = f->d->id;

		if (!sock_tuple(ev, &tu))
			return false;
		cl = tu.local_is_server ? &tu.remote : &tu.local;
		sv = tu.local_is_server ? &tu.local : &tu.remote;
		if (id == VG_F_FD_IP || id == VG_F_FD_PORT || id == VG_F_FD_NET)
			pick = k == 0 ? cl : k == 1 ? sv : NULL;
		else if (id == VG_F_FD_CIP || id == VG_F_FD_CPORT || id == VG_F_FD_CNET)
			pick = cl;
		else if (id == VG_F_FD_SIP || id == VG_F_FD_SPORT || id == VG_F_FD_SNET)
			pick = sv;
		else if (id == VG_F_FD_LIP || id == VG_F_FD_LPORT || id == VG_F_FD_LNET)
			pick = &tu.local;
		else
			pick = &tu.remote;
		if (!pick || (pick->family != AF_INET && pick->family != AF_INET6))
			return false;
		if (f->d->type == VG_FT_UINT)
			return set_uint(o, pick->port);
		return set_ip(o, pick, f->d->type);
	}
	case VG_F_FD_L4PROTO:
		if (!ev->sock || !ev->sock->family)
			return false;
		switch (ev->sock->proto) {
		case 6: return set_cstr(o, "tcp");
		case 17: return set_cstr(o, "udp");
		case 1:
		case 58: return set_cstr(o, "icmp");
		default: return set_cstr(o, ev->sock->family == AF_UNIX ? "unix" : "raw");
		}
	case VG_F_FD_SOCKFAMILY:
		if (!sock_tuple(ev, &tu))
			return false;
		if (tu.local.family == AF_UNIX || tu.remote.family == AF_UNIX)
			return set_cstr(o, "unix");
		return set_cstr(o, "ip");
	}
	return false;
}

void vg_field_render(struct vg_evctx *c, const struct vg_fref *f, struct strbuf *sb)
{
	struct vg_fval v;
	char ip[64];

	if (!vg_field_get(c, f, 0, &v)) {
		strbuf_addstr(sb, "<NA>");
		return;
	}
	switch (v.type) {
	case VG_FT_STR:
		strbuf_add(sb, v.s, v.len);
		break;
	case VG_FT_INT:
		strbuf_addf(sb, "%" PRId64, v.i);
		break;
	case VG_FT_UINT:
		strbuf_addf(sb, "%" PRIu64, v.u);
		break;
	case VG_FT_BOOL:
		strbuf_addstr(sb, v.i ? "true" : "false");
		break;
	case VG_FT_IP:
	case VG_FT_NET:
		if (!inet_ntop(v.family, v.ip, ip, sizeof(ip)))
			strcpy(ip, "?");
		strbuf_addstr(sb, ip);
		break;
	}
}
