// SPDX-License-Identifier: Apache-2.0
/* The syscall descriptor table, expanded from include/abi/syscalls.h. */
#include "pipeline/syscalls.h"

#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

#define ROW_ARG(t, n) { VG_AT_##t, #n }
#define ROW_NOARG { VG_AT_NONE, NULL }
#define ROW(nm, post_, ...)                                                                        \
	{ .name = #nm, .nr = __NR_##nm, .ev = VG_EV_SYS_##nm, .post = post_,                       \
	  .args = { __VA_ARGS__ } },

static const struct vg_sc_desc table[] = { VG_SYSCALL_TABLE(ROW, ROW_ARG, ROW_NOARG) };

#define NROWS (sizeof(table) / sizeof(table[0]))
_Static_assert(NROWS == VG_EV_SYS_END_ - VG_EV_SYS_BASE, "one row per syscall event id");
_Static_assert(VG_EV_SYS_END_ <= VG_EV_MAX, "event ids fit the counter table");

static uint8_t row_flags(const struct vg_sc_desc *d)
{
	switch (d->ev) {
	case VG_EV_SYS_execve:
	case VG_EV_SYS_execveat:
		return VG_SCF_FAIL_ONLY;
	case VG_EV_SYS_clone:
	case VG_EV_SYS_clone3:
	case VG_EV_SYS_fork:
	case VG_EV_SYS_vfork:
		return VG_SCF_SKIP_ZERO;
	case VG_EV_SYS_sendto:
	case VG_EV_SYS_sendmsg:
		return VG_SCF_DEST_ONLY;
	default:
		return 0;
	}
}

size_t vg_sc_count(void)
{
	return NROWS;
}

const struct vg_sc_desc *vg_sc_at(size_t i)
{
	return i < NROWS ? &table[i] : NULL;
}

const struct vg_sc_desc *vg_sc_by_ev(unsigned ev)
{
	if (ev < VG_EV_SYS_BASE || ev >= VG_EV_SYS_END_)
		return NULL;
	return vg_sc_at(ev - VG_EV_SYS_BASE);
}

const struct vg_sc_desc *vg_sc_by_name(const char *name)
{
	for (size_t i = 0; i < NROWS; i++)
		if (!strcmp(table[i].name, name))
			return &table[i];
	return NULL;
}

static uint8_t karg_of(enum vg_atype t)
{
	switch (t) {
	case VG_AT_PATH:
		return VG_KARG_UPATH;
	case VG_AT_DIRFD:
		return VG_KARG_DIRFD;
	case VG_AT_STR:
		return VG_KARG_USTR;
	case VG_AT_SOCKADDR:
		return VG_KARG_SOCKADDR;
	case VG_AT_OPEN_HOW:
		return VG_KARG_OPEN_HOW;
	case VG_AT_CLONE_ARGS:
		return VG_KARG_CLONE_ARGS;
	case VG_AT_CAPDATA:
		return VG_KARG_CAPDATA;
	default:
		return VG_KARG_RAW;
	}
}

uint8_t vg_sc_karg(const struct vg_sc_desc *d, int i)
{
	/* sendmsg's destination sits in the msghdr it points to */
	if (d->ev == VG_EV_SYS_sendmsg && i == 1)
		return VG_KARG_MSGHDR;
	/* an open's fd.name is the file it opened, walked from the new fd:
	 * its name argument needs no base (and the open path stays lean) */
	if (d->post == VG_POST_FD_RET && d->args[i].type == VG_AT_PATH)
		return VG_KARG_USTR;
	if (d->post == VG_POST_FD_RET && d->args[i].type == VG_AT_DIRFD)
		return VG_KARG_RAW;
	return karg_of(d->args[i].type);
}

bool vg_sc_has_base(const struct vg_sc_desc *d, int i)
{
	uint8_t k = vg_sc_karg(d, i);

	return k == VG_KARG_UPATH || k == VG_KARG_SOCKADDR;
}

static bool karg_takes_slot(uint8_t k)
{
	return k == VG_KARG_USTR || k == VG_KARG_UPATH || k == VG_KARG_SOCKADDR || k == VG_KARG_MSGHDR;
}

int vg_sc_slot(const struct vg_sc_desc *d, int i)
{
	int slot = 0;

	if (i < 0 || i >= 6 || !karg_takes_slot(vg_sc_karg(d, i)))
		return -1;
	for (int j = 0; j < i; j++)
		slot += karg_takes_slot(vg_sc_karg(d, j));
	return slot;
}

void vg_sc_conf_fill(const struct vg_sc_desc *d, struct vg_sc_conf *out)
{
	memset(out, 0, sizeof(*out));
	out->ev = d->ev;
	out->post = d->post;
	out->flags = row_flags(d);
	for (int i = 0; i < 6; i++) {
		out->karg[i] = vg_sc_karg(d, i);
		out->arg_slots += (vg_sc_slot(d, i) >= 0) + vg_sc_has_base(d, i);
	}
}

/* i386's syscall numbers, by name (generated from asm/unistd_32.h). */
static const struct {
	const char *name;
	int nr;
} nums32[] = {
#include "sysnums32.h"
};

static int nr32_of(const char *name)
{
	for (size_t i = 0; i < sizeof(nums32) / sizeof(nums32[0]); i++)
		if (!strcmp(nums32[i].name, name))
			return nums32[i].nr;
	return -1;
}

size_t vg_sc_nr32(const struct vg_sc_desc *d, int out[VG_SC_NR32_MAX])
{
	/* i386 kept the 16-bit-id calls (setuid, chown) under the plain name
	 * and added setuid32, chown32; the 32-bit-offset truncate got
	 * truncate64; umount is umount2 without flags. Every variant is the
	 * same event to the rules: an attacker picks whichever is unwatched. */
	static const char *const suffixes[] = { "32", "64", "" };
	char name[64];
	size_t n = 0;
	int nr;

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(name, sizeof(name), "%s%s", d->name, suffixes[i]);
		nr = nr32_of(name);
		if (nr >= 0 && n < VG_SC_NR32_MAX)
			out[n++] = nr;
	}
	if (d->ev == VG_EV_SYS_umount2 && (nr = nr32_of("umount")) >= 0 && n < VG_SC_NR32_MAX)
		out[n++] = nr;
	return n;
}

size_t vg_sc_keys(const struct vg_sc_desc *d, uint32_t out[VG_SC_KEYS_MAX])
{
	int nr32[VG_SC_NR32_MAX];
	size_t n = 0, k = vg_sc_nr32(d, nr32);

	if (d->nr >= 0 && d->nr < VG_NR_MAX)
		out[n++] = (uint32_t)d->nr;
	for (size_t i = 0; i < k; i++)
		if (nr32[i] < VG_NR_MAX)
			out[n++] = VG_NR_COMPAT + (uint32_t)nr32[i];
	return n;
}

const char *vg_ev_name(unsigned ev)
{
	const struct vg_sc_desc *d;

	switch (ev) {
	case VG_EV_PROC_EXEC:
		return "execve";
	case VG_EV_PROC_FORK:
		return "procfork";
	case VG_EV_PROC_EXIT:
		return "procexit";
	default:
		d = vg_sc_by_ev(ev);
		return d ? d->name : NULL;
	}
}
