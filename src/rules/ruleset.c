// SPDX-License-Identifier: Apache-2.0
/* Names, rendering and explanation of loaded rules; see ruleset.h. */
#include <string.h>

#include "rules/internal.h"

const char *vg_prio_name(enum vg_prio p)
{
	static const char *const n[] = { "Emergency", "Alert",	 "Critical",	  "Error",
					  "Warning",   "Notice", "Informational", "Debug" };

	return (unsigned)p < 8 ? n[p] : "?";
}

const char *vg_mode_name(enum vg_mode m)
{
	static const char *const n[] = { "observe", "alert", "enforce" };

	return (unsigned)m < 3 ? n[m] : "?";
}

const char *vg_action_name(enum vg_action a)
{
	return a == VG_ACTION_DENY ? "deny" : "kill";
}

int vg_mode_parse(const char *s)
{
	for (int m = VG_MODE_OBSERVE; m <= VG_MODE_ENFORCE; m++)
		if (!strcmp(s, vg_mode_name((enum vg_mode)m)))
			return m;
	return -1;
}

void vg_rule_render(const struct vg_rule *r, struct vg_evctx *c, struct strbuf *sb)
{
	const struct vg_tmpl *t = r->output;

	for (size_t i = 0; i < t->nparts; i++) {
		if (t->parts[i].lit)
			strbuf_add(sb, t->parts[i].lit, t->parts[i].len);
		else
			vg_field_render(c, &t->parts[i].f, sb);
	}
}

const struct vg_fref *vg_rule_out_field(const struct vg_rule *r, size_t i)
{
	return i < r->output->nfields ? r->output->fields[i] : NULL;
}

const char *vg_rule_out_field_name(const struct vg_rule *r, size_t i)
{
	return i < r->output->nfields ? r->output->fnames[i] : NULL;
}

size_t vg_rule_nout_fields(const struct vg_rule *r)
{
	return r->output->nfields;
}

static void explain(const struct vg_cexpr *e, struct strbuf *sb)
{
	switch (e->kind) {
	case VG_CE_AND:
	case VG_CE_OR:
		strbuf_addch(sb, '(');
		explain(e->a, sb);
		strbuf_addstr(sb, e->kind == VG_CE_AND ? " and " : " or ");
		explain(e->b, sb);
		strbuf_addch(sb, ')');
		break;
	case VG_CE_NOT:
		strbuf_addstr(sb, "not ");
		explain(e->a, sb);
		break;
	case VG_CE_TRUE:
		strbuf_addstr(sb, "true");
		break;
	case VG_CE_FALSE:
		strbuf_addstr(sb, "false");
		break;
	case VG_CE_CMP:
		strbuf_addf(sb, "%s %s", e->text, vg_op_name(e->op));
		if (e->op == VG_OP_EXISTS)
			break;
		if (e->nvals == 1 && e->op != VG_OP_IN && e->op != VG_OP_INTERSECTS &&
		    e->op != VG_OP_PMATCH) {
			strbuf_addf(sb, " %s", e->vals[0].s);
			break;
		}
		strbuf_addstr(sb, " (");
		for (size_t i = 0; i < e->nvals; i++)
			strbuf_addf(sb, "%s%s", i ? ", " : "", e->vals[i].s);
		strbuf_addch(sb, ')');
		break;
	}
}

void vg_rule_explain(const struct vg_rule *r, struct strbuf *sb)
{
	explain(r->cond, sb);
}
