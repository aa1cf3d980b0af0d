// SPDX-License-Identifier: Apache-2.0
/*
 * Ring-buffer record -> struct vg_event. The kernel is ours, but the decoder
 * still checks every size and offset: a bug on either side must show up as
 * a counted bad record, never as a read past the sample.
 */
#include "pipeline/event.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

/* Resolve string slot `s` of a record of `len` bytes whose fixed part is
 * `fixed` bytes. An absent slot (off == 0) gives p == NULL. */
static int str_view(const void *rec, size_t len, size_t fixed, struct vg_str s,
		    struct vg_strv *out)
{
	out->p = NULL;
	out->len = 0;
	if (s.off == 0)
		return 0;
	if (s.off < fixed || (size_t)s.off + s.len > len)
		return -EINVAL;
	out->p = (const char *)rec + s.off;
	out->len = s.len;
	return 0;
}

static int decode_sys(const void *data, size_t len, struct vg_event *ev)
{
	const struct vg_sys_event *e = data;
	struct vg_strv slots[VG_NSTR];
	unsigned slot = 0;

	if (len < sizeof(*e))
		return -EINVAL;
	ev->sc = vg_sc_by_ev(e->hdr.type);
	if (!ev->sc || e->nstr > VG_NSTR)
		return -EINVAL;
	ev->task = &e->task;
	ev->ret = e->ret;
	ev->enf_rule = e->enf_rule;
	ev->args = e->args;
	ev->ext = e->ext;
	ev->sock = &e->sock;
	ev->kres = e->kres;
	for (unsigned i = 0; i < VG_NSTR; i++)
		if (str_view(data, len, sizeof(*e), e->str[i], &slots[i]))
			return -EINVAL;
	/* Slots are filled in argument order by the kernel (record.bpf.h). */
	for (unsigned i = 0; i < 6; i++) {
		enum vg_atype t = ev->sc->args[i].type;

		if (t != VG_AT_PATH && t != VG_AT_STR && t != VG_AT_SOCKADDR)
			continue;
		if (slot >= VG_NSTR)
			return -EINVAL;
		ev->argstr[i] = slots[slot++];
	}
	/* then the base slots, one per path argument that has one */
	for (unsigned i = 0; i < 6; i++) {
		if (!vg_sc_has_base(ev->sc, (int)i))
			continue;
		if (slot >= VG_NSTR)
			return -EINVAL;
		ev->argbase[i] = slots[slot++];
	}
	if (e->path_slot != 0xffff) {
		if (e->path_slot >= VG_NSTR)
			return -EINVAL;
		ev->path = slots[e->path_slot];
	}
	return 0;
}

static int decode_exec(const void *data, size_t len, struct vg_event *ev)
{
	const struct vg_exec_event *e = data;

	if (len < sizeof(*e))
		return -EINVAL;
	ev->exec = e;
	ev->task = &e->task;
	if (str_view(data, len, sizeof(*e), e->str[VG_EXEC_FILENAME], &ev->filename) ||
	    str_view(data, len, sizeof(*e), e->str[VG_EXEC_EXE], &ev->exe) ||
	    str_view(data, len, sizeof(*e), e->str[VG_EXEC_ARGS], &ev->argv) ||
	    str_view(data, len, sizeof(*e), e->str[VG_EXEC_CWD], &ev->cwd))
		return -EINVAL;
	return 0;
}

int vg_decode(const void *data, size_t len, struct vg_event *ev)
{
	const struct vg_hdr *h = data;

	memset(ev, 0, sizeof(*ev));
	if (len < sizeof(*h) || h->size > len || h->size < sizeof(*h))
		return -EINVAL;
	len = h->size;
	ev->type = h->type;
	ev->flags = h->flags;
	ev->ts_boot = h->ts;
	switch (h->type) {
	case VG_EV_PROC_EXEC:
		return decode_exec(data, len, ev);
	case VG_EV_PROC_FORK:
		if (len < sizeof(struct vg_fork_event))
			return -EINVAL;
		ev->fork = data;
		ev->task = &ev->fork->task;
		return 0;
	case VG_EV_PROC_EXIT:
		if (len < sizeof(struct vg_exit_event))
			return -EINVAL;
		ev->exit = data;
		ev->task = &ev->exit->task;
		return 0;
	default:
		return decode_sys(data, len, ev);
	}
}

bool vg_addr_from_sockaddr(struct vg_strv raw, struct vg_addr *out)
{
	sa_family_t fam;

	memset(out, 0, sizeof(*out));
	if (!raw.p || raw.len < sizeof(sa_family_t))
		return false;
	memcpy(&fam, raw.p, sizeof(fam));
	switch (fam) {
	case AF_INET: {
		struct sockaddr_in sin;

		if (raw.len < sizeof(sin))
			return false;
		memcpy(&sin, raw.p, sizeof(sin));
		out->family = AF_INET;
		out->port = ntohs(sin.sin_port);
		memcpy(out->ip, &sin.sin_addr, 4);
		return true;
	}
	case AF_INET6: {
		struct sockaddr_in6 sin6;

		if (raw.len < sizeof(sin6))
			return false;
		memcpy(&sin6, raw.p, sizeof(sin6));
		out->family = AF_INET6;
		out->port = ntohs(sin6.sin6_port);
		memcpy(out->ip, &sin6.sin6_addr, 16);
		return true;
	}
	case AF_UNIX: {
		size_t off = offsetof(struct sockaddr_un, sun_path);
		size_t n = raw.len > off ? raw.len - off : 0;
		const char *p = raw.p + off;

		out->family = AF_UNIX;
		/* Pathname sockets are NUL-terminated within addrlen; abstract
		 * ones start with NUL and use exactly addrlen bytes. */
		if (n && p[0] != '\0')
			n = strnlen(p, n);
		out->path.p = p;
		out->path.len = n;
		return true;
	}
	default:
		return false;
	}
}

void vg_addr_from_sock(const struct vg_sock *s, bool remote, struct vg_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (s->family != AF_INET && s->family != AF_INET6)
		return;
	out->family = s->family;
	out->port = remote ? s->rport : s->lport;
	memcpy(out->ip, remote ? s->raddr : s->laddr, 16);
}
