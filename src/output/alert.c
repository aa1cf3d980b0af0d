// SPDX-License-Identifier: Apache-2.0
/* Falco-compatible alert rendering; see alert.h. */
#include "output/alert.h"

#include <arpa/inet.h>
#include <string.h>

#include "common/clock.h"
#include "output/json.h"

const char *vg_alert_action_name(enum vg_alert_action a)
{
	static const char *const n[] = { "none", "would-kill", "would-deny", "killed", "denied" };

	return (unsigned)a < 5 ? n[a] : "none";
}

/* Fields every alert carries besides the template's, whatever its output
 * text names: enough for a SIEM to place the alert in the process tree
 * (pid and parent) and on the host or in a container. */
static const char *const base_fields[] = { "evt.time",	   "proc.pid",	"proc.ppid", "proc.name",
					   "proc.exepath", "user.uid", "container.id" };

static void json_field(struct json_w *w, struct vg_evctx *c, const char *name,
		       const struct vg_fref *f)
{
	struct vg_fval v;
	char ip[64];

	if (!vg_field_get(c, f, 0, &v)) {
		jw_null(w, name);
		return;
	}
	switch (v.type) {
	case VG_FT_STR:
		jw_strn(w, name, v.s, v.len);
		break;
	case VG_FT_INT:
		jw_int(w, name, v.i);
		break;
	case VG_FT_UINT:
		jw_uint(w, name, v.u);
		break;
	case VG_FT_BOOL:
		jw_bool(w, name, v.i != 0);
		break;
	case VG_FT_IP:
	case VG_FT_NET:
		if (!inet_ntop(v.family, v.ip, ip, sizeof(ip)))
			strcpy(ip, "?");
		jw_str(w, name, ip);
		break;
	}
}

static void time_of(struct vg_evctx *c, char *buf, size_t size)
{
	vg_clock_rfc3339(vg_evctx_wall(c), buf, size);
}

void vg_alert_format(struct strbuf *sb, enum vg_alert_format fmt, const struct vg_alert *al,
		     struct vg_evctx *c)
{
	const struct vg_rule *r = al->rule;
	size_t out_start, out_len, nf = vg_rule_nout_fields(r);
	char ts[40];
	struct json_w w;

	time_of(c, ts, sizeof(ts));
	if (fmt == VG_ALERT_TEXT) {
		/* Falco's text form: "HH:MM:SS.nnnnnnnnn: Priority output" */
		strbuf_addf(sb, "%.18s: %s ", ts + 11, vg_prio_name(r->prio));
		vg_rule_render(r, c, sb);
		if (al->action != VG_ALERT_NONE || al->mode != VG_MODE_ALERT)
			strbuf_addf(sb, " (mode=%s action=%s)", vg_mode_name(al->mode),
				    vg_alert_action_name(al->action));
		return;
	}
	jw_init(&w, sb);
	jw_obj_begin(&w, NULL);
	jw_str(&w, "time", ts);
	jw_str(&w, "rule", r->name);
	jw_str(&w, "priority", vg_prio_name(r->prio));
	/* render the output once, then escape it into place */
	out_start = sb->len;
	vg_rule_render(r, c, sb);
	out_len = sb->len - out_start;
	{
		struct strbuf tmp = STRBUF_INIT;

		strbuf_add(&tmp, sb->buf + out_start, out_len);
		strbuf_truncate(sb, out_start);
		jw_strn(&w, "output", tmp.buf, tmp.len);
		strbuf_release(&tmp);
	}
	jw_obj_begin(&w, "output_fields");
	for (size_t i = 0; i < nf; i++)
		json_field(&w, c, vg_rule_out_field_name(r, i), vg_rule_out_field(r, i));
	for (size_t i = 0; i < sizeof(base_fields) / sizeof(base_fields[0]); i++) {
		struct vg_fref f;
		size_t k;

		for (k = 0; k < nf; k++)
			if (!strcmp(vg_rule_out_field_name(r, k), base_fields[i]))
				break;
		if (k < nf)
			continue;
		vg_field_resolve(base_fields[i], &f);
		json_field(&w, c, base_fields[i], &f);
	}
	jw_obj_end(&w);
	jw_arr_begin(&w, "tags");
	for (size_t i = 0; i < r->ntags; i++)
		jw_str(&w, NULL, r->tags[i]);
	jw_arr_end(&w);
	jw_str(&w, "hostname", c->hostname ? c->hostname : "");
	jw_str(&w, "source", "syscall");
	jw_str(&w, "mode", vg_mode_name(al->mode));
	jw_str(&w, "action", vg_alert_action_name(al->action));
	if (al->decided_at)
		jw_str(&w, "decided_at", al->decided_at);
	jw_obj_end(&w);
}

void vg_alert_format_internal(struct strbuf *sb, enum vg_alert_format fmt, const char *rule,
			      enum vg_prio prio, const char *output, const char *hostname,
			      const char *const *keys, const long long *vals, size_t n)
{
	char ts[40];
	struct json_w w;

	vg_clock_rfc3339(vg_clock_wall(vg_clock_boot_now()), ts, sizeof(ts));
	if (fmt == VG_ALERT_TEXT) {
		strbuf_addf(sb, "%.18s: %s %s", ts + 11, vg_prio_name(prio), output);
		return;
	}
	jw_init(&w, sb);
	jw_obj_begin(&w, NULL);
	jw_str(&w, "time", ts);
	jw_str(&w, "rule", rule);
	jw_str(&w, "priority", vg_prio_name(prio));
	jw_str(&w, "output", output);
	jw_obj_begin(&w, "output_fields");
	for (size_t i = 0; i < n; i++)
		jw_int(&w, keys[i], vals[i]);
	jw_obj_end(&w);
	jw_arr_begin(&w, "tags");
	jw_str(&w, NULL, "vigil");
	jw_arr_end(&w);
	jw_str(&w, "hostname", hostname ? hostname : "");
	jw_str(&w, "source", "internal");
	jw_str(&w, "mode", "alert");
	jw_str(&w, "action", "none");
	jw_obj_end(&w);
}
