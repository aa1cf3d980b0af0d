/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fields conditions and output templates may name (Falco's names), their
 * types, and their extraction from a decoded event plus its process context.
 *
 * A field is resolved once, at load time, into a struct vg_fref; extraction
 * at event time is a switch on the field id, with per-event caches for the
 * strings that cost something to build (cmdline, rendered arguments).
 * Fields Falco has and vigil cannot fill yet are "known but unsupported":
 * rules naming them load, with one warning per field, and the field reads as
 * absent (<NA> in output, false in comparisons).
 */
#ifndef VIGIL_FIELDS_H
#define VIGIL_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"
#include "pipeline/event.h"
#include "pipeline/containers.h"
#include "pipeline/proctab.h"
#include "pipeline/users.h"

enum vg_ftype {
	VG_FT_STR,
	VG_FT_INT,
	VG_FT_UINT,
	VG_FT_BOOL,
	VG_FT_IP,  /* an address; compares with an address */
	VG_FT_NET, /* an address; compares with a CIDR network */
};

enum vg_fid {
	VG_F_UNSUPPORTED = 0,
	VG_F_EVT_TYPE,
	VG_F_EVT_DIR,
	VG_F_EVT_RES,
	VG_F_EVT_RAWRES,
	VG_F_EVT_FAILED,
	VG_F_EVT_TIME,
	VG_F_EVT_NUM,
	VG_F_EVT_HOSTNAME,
	VG_F_EVT_ARG,
	VG_F_EVT_ARGS,
	VG_F_EVT_IS_OPEN_READ,
	VG_F_EVT_IS_OPEN_WRITE,
	VG_F_EVT_IS_OPEN_EXEC,
	VG_F_PROC_NAME,
	VG_F_PROC_EXE,
	VG_F_PROC_EXEPATH,
	VG_F_PROC_CMDLINE,
	VG_F_PROC_ARGS,
	VG_F_PROC_PID,
	VG_F_PROC_PPID,
	VG_F_PROC_VPID,
	VG_F_PROC_TID,
	VG_F_PROC_PNAME,
	VG_F_PROC_PEXE,
	VG_F_PROC_PEXEPATH,
	VG_F_PROC_PCMDLINE,
	VG_F_PROC_ANAME,
	VG_F_PROC_APID,
	VG_F_PROC_AEXE,
	VG_F_PROC_AEXEPATH,
	VG_F_PROC_CWD,
	VG_F_PROC_TTY,
	VG_F_PROC_SID,
	VG_F_PROC_IS_CONTAINER,
	VG_F_PROC_PIDNS, /* namespace inode numbers: vigil's own fields */
	VG_F_PROC_MNTNS,
	VG_F_PROC_NETNS,
	VG_F_PROC_USERNS,
	VG_F_PROC_UTSNS,
	VG_F_PROC_IPCNS,
	VG_F_PROC_CGROUPNS,
	VG_F_USER_UID,
	VG_F_USER_RUID,
	VG_F_USER_NAME,
	VG_F_USER_LOGINUID,
	VG_F_USER_LOGINNAME,
	VG_F_GROUP_GID,
	VG_F_GROUP_NAME,
	VG_F_CONTAINER_ID,
	VG_F_CONTAINER_FULL_ID,
	VG_F_CONTAINER_NAME,
	VG_F_CONTAINER_IMAGE,
	VG_F_CONTAINER_IMAGE_REPOSITORY,
	VG_F_CONTAINER_IMAGE_TAG,
	VG_F_K8S_POD_UID,
	VG_F_K8S_POD_NAME,
	VG_F_K8S_NS_NAME,
	VG_F_FD_NAME,
	VG_F_FD_NAMERAW,
	VG_F_FD_DIRECTORY,
	VG_F_FD_FILENAME,
	VG_F_FD_TYPECHAR,
	VG_F_FD_TYPE,
	VG_F_FD_NUM,
	VG_F_FD_CIP,
	VG_F_FD_SIP,
	VG_F_FD_LIP,
	VG_F_FD_RIP,
	VG_F_FD_IP,
	VG_F_FD_CPORT,
	VG_F_FD_SPORT,
	VG_F_FD_LPORT,
	VG_F_FD_RPORT,
	VG_F_FD_PORT,
	VG_F_FD_L4PROTO,
	VG_F_FD_SOCKFAMILY,
	VG_F_FD_NET,
	VG_F_FD_CNET,
	VG_F_FD_SNET,
	VG_F_FD_LNET,
	VG_F_FD_RNET,
	VG_F_EVT_TARGET_NAME,
	VG_F_EVT_TARGET_EXEPATH,
	VG_F_EVT_ABSPATH,
	VG_F_EVT_ABSPATH_SRC,
	VG_F_EVT_ABSPATH_DST,
	VG_F_EVT_ARGS_LATE,
	VG_F_EVT_PATH_TRUNCATED,
	VG_F_PROC_ROOT,
	VG_F_MAX,
};

/* vg_field_desc.flags */
#define VG_FF_INDEX 0x01    /* takes [N] (ancestor fields) */
#define VG_FF_ANY 0x02	    /* without [N]: any of several values (proc.aname) */
#define VG_FF_ARGNAME 0x04  /* evt.arg.NAME / evt.arg[N] */
#define VG_FF_OUTPUT 0x08   /* meant for output; comparisons allowed but rare */

struct vg_field_desc {
	const char *name;
	enum vg_fid id;
	enum vg_ftype type;
	unsigned flags;
};

/* A field as resolved at load time. */
struct vg_fref {
	const struct vg_field_desc *d;
	int index;	     /* [N], or -1 */
	const char *argname; /* evt.arg.NAME: NAME (owned by the ruleset's arena) */
	int argidx;	     /* evt.arg[N]: N, or -1 */
};

enum vg_field_res { VG_FIELD_OK, VG_FIELD_UNKNOWN, VG_FIELD_UNSUPPORTED, VG_FIELD_BAD_INDEX };

/*
 * Resolve `text` ("proc.aname[2]", "evt.arg.flags"). Unsupported fields
 * resolve too (d->id == VG_F_UNSUPPORTED) and return VG_FIELD_UNSUPPORTED;
 * `argname` points into `text`, which must outlive the fref.
 */
enum vg_field_res vg_field_resolve(const char *text, struct vg_fref *out);

/* The value of a field for one event. */
struct vg_fval {
	enum vg_ftype type;
	const char *s; /* STR: not NUL-terminated in general; use len */
	size_t len;
	int64_t i; /* INT, BOOL (0/1) */
	uint64_t u;
	uint16_t family; /* IP/NET */
	uint8_t ip[16];
};

/* Everything a field may be extracted from, for one event. Reset with
 * vg_evctx_begin() before each event; caches live until then. */
struct vg_evctx {
	const struct vg_event *ev;
	const struct vg_proc *proc;	  /* may be NULL */
	const struct vg_proctab *procs;	  /* for ancestry */
	struct vg_users *users;		  /* may be NULL */
	const char *hostname;
	uint64_t evnum;
	uint64_t host_pidns;
	uint64_t host_mntns;
	struct vg_containers *containers; /* may be NULL: no container context */
	/* caches, valid for the current event */
	unsigned have;
	struct strbuf cmdline, args, pcmdline, evargs, argval, fdname, tmp;
	uint64_t wall_ns; /* the event's wall-clock time, once computed */
	char timebuf[40];
};

/* The event's wall-clock time in ns (computed once per event, so that an
 * alert's "time" and its evt.time agree to the nanosecond). */
uint64_t vg_evctx_wall(struct vg_evctx *c);

void vg_evctx_init(struct vg_evctx *c);
void vg_evctx_release(struct vg_evctx *c);
void vg_evctx_begin(struct vg_evctx *c, const struct vg_event *ev, const struct vg_proc *proc);

/*
 * Value `k` of a field (k > 0 only for VG_FF_ANY fields without an index:
 * the k-th ancestor). Returns false when absent.
 */
bool vg_field_get(struct vg_evctx *c, const struct vg_fref *f, unsigned k, struct vg_fval *out);

/* Append a field's value as text (output templates, `<NA>` when absent). */
void vg_field_render(struct vg_evctx *c, const struct vg_fref *f, struct strbuf *sb);

/* Look up by exact name (no index); NULL if unknown. For listings. */
const struct vg_field_desc *vg_field_desc(const char *name);

#endif /* VIGIL_FIELDS_H */
