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

/* proc.root, when the process is chrooted and the template did not name
 * it: its paths are relative to that root (bpf/lib/path.bpf.h), and the
 * alert says where it lies on the host. */
static void root_field(struct json_w *w, struct vg_evctx *c, const struct vg_rule *r, size_t nf)
{
	struct vg_fref f;
	struct vg_fval v;

	for (size_t k = 0; k < nf; k++)
		if (!strcmp(vg_rule_out_field_name(r, k), "proc.root"))
			return;
	if (vg_field_resolve("proc.root", &f) != VG_FIELD_OK || !vg_field_get(c, &f, 0, &v) ||
	    v.type != VG_FT_STR || (v.len == 1 && v.s[0] == '/'))
		return;
	jw_strn(w, "proc.root", v.s, v.len);
}

static void time_of(struct vg_evctx *c, char *buf, size_t size)
{
	vg_clock_rfc3339(vg_evctx_wall(c), buf, size);
}

bool vg_append_matches(const struct vg_append_output *a, const struct vg_rule *r)
{
	bool tag = !a->match_tag;

	if (a->match_source && strcmp(a->match_source, "syscall"))
		return false;
	if (a->match_rule && strcmp(a->match_rule, r->name))
		return false;
	for (size_t i = 0; !tag && i < r->ntags; i++)
		tag = !strcmp(r->tags[i], a->match_tag);
	return tag;
}

bool vg_alert_field_ok(const char *name)
{
	struct vg_fref f;

	return vg_field_resolve(name, &f) == VG_FIELD_OK;
}

/* A field's value as text, for extra_output (the %field of a template). */
static void field_text(struct strbuf *sb, struct vg_evctx *c, const char *name)
{
	struct vg_fref f;

	if (vg_field_resolve(name, &f) != VG_FIELD_OK) {
		strbuf_addstr(sb, "<NA>");
		return;
	}
	vg_field_render(c, &f, sb);
}

/* extra_output: literal text with %field references (Falco's syntax:
 * letters, digits, '.', '_', and a [N] or [name] index). */
static void render_extra(struct strbuf *sb, struct vg_evctx *c, const char *t)
{
	while (*t) {
		const char *p = t;
		char name[128];
		size_t n = 0;

		if (*t != '%') {
			strbuf_addch(sb, *t++);
			continue;
		}
		p++;
		while (n + 1 < sizeof(name) &&
		       ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			(*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '[' || *p == ']'))
			name[n++] = *p++;
		name[n] = '\0';
		if (!n) {
			strbuf_addch(sb, '%');
			t++;
			continue;
		}
		field_text(sb, c, name);
		t = p;
	}
}

/* Falco's output: "HH:MM:SS.nnnnnnnnn: Priority " + what the rule says. */
static void output_text(struct strbuf *sb, const char *ts, enum vg_prio prio)
{
	strbuf_addf(sb, "%.18s: %s ", ts + 11, vg_prio_name(prio));
}

/* The keys every alert starts with, in Falco's order: time, rule,
 * priority, output (unless left out). Releases `out`. */
static void json_head(struct json_w *w, struct strbuf *sb, const struct vg_alert_style *st,
		      const char *ts, const char *rule, enum vg_prio prio, struct strbuf *out)
{
	jw_init(w, sb);
	jw_obj_begin(w, NULL);
	jw_str(w, "time", ts);
	jw_str(w, "rule", rule);
	jw_str(w, "priority", vg_prio_name(prio));
	if (!st->no_output)
		jw_strn(w, "output", out->buf, out->len);
	strbuf_release(out);
}

static void json_tags(struct json_w *w, const struct vg_alert_style *st, const char *const *tags,
		      size_t n)
{
	if (st->no_tags)
		return;
	jw_arr_begin(w, "tags");
	for (size_t i = 0; i < n; i++)
		jw_str(w, NULL, tags[i]);
	jw_arr_end(w);
}

void vg_alert_format(struct strbuf *sb, const struct vg_alert_style *st, const struct vg_alert *al,
		     struct vg_evctx *c)
{
	static const struct vg_alert_style json = { .fmt = VG_ALERT_JSON };
	const struct vg_rule *r = al->rule;
	size_t nf = vg_rule_nout_fields(r);
	struct strbuf out = STRBUF_INIT;
	char ts[40];
	struct json_w w;

	if (!st)
		st = &json;
	time_of(c, ts, sizeof(ts));
	output_text(&out, ts, r->prio);
	vg_rule_render(r, c, &out);
	for (size_t i = 0; i < st->nappend; i++)
		if (st->append[i].extra_output && vg_append_matches(&st->append[i], r)) {
			strbuf_addch(&out, ' ');
			render_extra(&out, c, st->append[i].extra_output);
		}
	if (st->fmt == VG_ALERT_TEXT) {
		strbuf_add(sb, out.buf, out.len);
		if (al->action != VG_ALERT_NONE || al->mode != VG_MODE_ALERT)
			strbuf_addf(sb, " (mode=%s action=%s)", vg_mode_name(al->mode),
				    vg_alert_action_name(al->action));
		strbuf_release(&out);
		return;
	}
	json_head(&w, sb, st, ts, r->name, r->prio, &out);
	if (!st->no_output_fields) {
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
		root_field(&w, c, r, nf);
		for (size_t a = 0; a < st->nappend; a++) {
			const struct vg_append_output *ap = &st->append[a];

			if (!vg_append_matches(ap, r))
				continue;
			for (size_t i = 0; i < ap->nextra; i++) {
				struct vg_fref f;

				if (ap->extra_vals[i])
					jw_str(&w, ap->extra_keys[i], ap->extra_vals[i]);
				else if (vg_field_resolve(ap->extra_keys[i], &f) == VG_FIELD_OK)
					json_field(&w, c, ap->extra_keys[i], &f);
			}
		}
		jw_obj_end(&w);
	}
	json_tags(&w, st, r->tags, r->ntags);
	jw_str(&w, "hostname", c->hostname ? c->hostname : "");
	jw_str(&w, "source", "syscall");
	jw_str(&w, "mode", vg_mode_name(al->mode));
	jw_str(&w, "action", vg_alert_action_name(al->action));
	if (al->decided_at)
		jw_str(&w, "decided_at", al->decided_at);
	jw_obj_end(&w);
}

void vg_alert_format_internal(struct strbuf *sb, const struct vg_alert_style *st, const char *rule,
			      enum vg_prio prio, const char *output, const char *hostname,
			      const char *const *keys, const long long *vals, size_t n)
{
	static const struct vg_alert_style json = { .fmt = VG_ALERT_JSON };
	struct strbuf out = STRBUF_INIT;
	char ts[40];
	struct json_w w;

	if (!st)
		st = &json;
	vg_clock_rfc3339(vg_clock_wall(vg_clock_boot_now()), ts, sizeof(ts));
	output_text(&out, ts, prio);
	strbuf_addstr(&out, output);
	if (st->fmt == VG_ALERT_TEXT) {
		strbuf_add(sb, out.buf, out.len);
		strbuf_release(&out);
		return;
	}
	json_head(&w, sb, st, ts, rule, prio, &out);
	if (!st->no_output_fields) {
		jw_obj_begin(&w, "output_fields");
		for (size_t i = 0; i < n; i++)
			jw_int(&w, keys[i], vals[i]);
		jw_obj_end(&w);
	}
	{
		static const char *const vigil_tag[] = { "vigil" };

		json_tags(&w, st, vigil_tag, 1);
	}
	jw_str(&w, "hostname", hostname ? hostname : "");
	jw_str(&w, "source", "internal");
	jw_str(&w, "mode", "alert");
	jw_str(&w, "action", "none");
	jw_obj_end(&w);
}

void vg_alert_format_folded(struct strbuf *sb, const struct vg_alert_style *st,
			    const struct vg_rule *r, const char *output, uint64_t count,
			    uint64_t first_ns, uint64_t last_ns, const char *hostname)
{
	static const struct vg_alert_style json = { .fmt = VG_ALERT_JSON };
	struct strbuf out = STRBUF_INIT;
	char ts[40], first[40];
	struct json_w w;

	if (!st)
		st = &json;
	vg_clock_rfc3339(last_ns, ts, sizeof(ts));
	vg_clock_rfc3339(first_ns, first, sizeof(first));
	output_text(&out, ts, r->prio);
	strbuf_addf(&out, "%s (%llu times from %s to %s)", output, (unsigned long long)count,
		    first, ts);
	if (st->fmt == VG_ALERT_TEXT) {
		strbuf_add(sb, out.buf, out.len);
		strbuf_release(&out);
		return;
	}
	json_head(&w, sb, st, ts, r->name, r->prio, &out);
	if (!st->no_output_fields) {
		jw_obj_begin(&w, "output_fields");
		jw_uint(&w, "vigil.count", count);
		jw_str(&w, "vigil.first_time", first);
		jw_str(&w, "vigil.last_time", ts);
		jw_obj_end(&w);
	}
	json_tags(&w, st, r->tags, r->ntags);
	jw_str(&w, "hostname", hostname ? hostname : "");
	jw_str(&w, "source", "syscall");
	jw_uint(&w, "count", count);
	jw_str(&w, "first_time", first);
	jw_str(&w, "last_time", ts);
	jw_str(&w, "mode", "alert");
	jw_str(&w, "action", "none");
	jw_obj_end(&w);
}
