/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Rendering of raw events (vigil trace): one JSON object per line, or one
 * text line in the style of sysdig. The process context comes from the
 * process table entry, which may be NULL.
 */
#ifndef VIGIL_EVFMT_H
#define VIGIL_EVFMT_H

#include "common/strbuf.h"
#include "pipeline/event.h"
#include "pipeline/proctab.h"

/* Append the event as a JSON object (no newline). `parent` is the entry of
 * the process's parent, for proc.pname; may be NULL. */
void vg_evfmt_json(struct strbuf *sb, const struct vg_event *ev, const struct vg_proc *proc,
		   const struct vg_proc *parent);
/* Append the event as one text line (no newline). */
void vg_evfmt_text(struct strbuf *sb, const struct vg_event *ev, const struct vg_proc *proc);

/* Render an IPv4/IPv6 address ("127.0.0.1", "::1") into buf (>= 46 bytes). */
void vg_addr_ip_str(const struct vg_addr *a, char *buf, size_t size);

#endif /* VIGIL_EVFMT_H */
