// SPDX-License-Identifier: Apache-2.0
/* The agent heartbeat's JSON, written with output/json and read with
 * jansson; the format is documented in heartbeat.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/clock.h"
#include "fleet/heartbeat.h"
#include "output/json.h"

/*
 * One writer for both forms, so that an agent's heartbeat and the status
 * line made of it cannot drift apart: with seen NULL the heartbeat as the
 * agent publishes it, with seen the status line.
 */
static void heartbeat_write(const struct vg_heartbeat *hb, const struct vg_hb_seen *seen,
			    struct strbuf *sb)
{
	struct json_w w;
	char ts[40];

	jw_init(&w, sb);
	jw_obj_begin(&w, NULL);
	jw_str(&w, "hostname", hb->hostname);
	jw_str(&w, "version", hb->version ? hb->version : "");
	if (seen) {
		vg_clock_rfc3339((uint64_t)seen->seen_ns, ts, sizeof(ts));
		jw_str(&w, "last_seen", ts);
		jw_int(&w, "age_s", (seen->now_ns - seen->seen_ns) / 1000000000);
		jw_bool(&w, "stale", seen->stale);
	} else {
		vg_clock_rfc3339((uint64_t)hb->time_ns, ts, sizeof(ts));
		jw_str(&w, "time", ts);
		jw_uint(&w, "interval_s", hb->interval_s);
	}
	jw_obj_begin(&w, "ruleset");
	jw_str(&w, "hash", hb->ruleset_hash ? hb->ruleset_hash : "");
	jw_uint(&w, "generation", hb->ruleset_generation);
	jw_uint(&w, "revision", hb->ruleset_revision);
	if (seen)
		jw_bool(&w, "current", seen->current);
	jw_obj_end(&w);
	jw_str(&w, "mode_cap", hb->mode_cap ? hb->mode_cap : seen ? "" : "enforce");
	if (seen) {
		jw_uint(&w, "rules", hb->nrules);
	} else {
		jw_arr_begin(&w, "rules");
		for (size_t i = 0; i < hb->nrules; i++) {
			const struct vg_hb_rule *r = &hb->rules[i];

			jw_obj_begin(&w, NULL);
			jw_str(&w, "rule", r->rule);
			jw_str(&w, "mode", r->mode ? r->mode : "alert");
			jw_uint(&w, "matches", r->matches);
			jw_uint(&w, "killed", r->killed);
			jw_uint(&w, "would_kill", r->would_kill);
			jw_uint(&w, "denied", r->denied);
			jw_uint(&w, "would_deny", r->would_deny);
			jw_obj_end(&w);
		}
		jw_arr_end(&w);
	}
	jw_obj_begin(&w, "losses");
	jw_uint(&w, "events", hb->events_lost);
	jw_uint(&w, "alerts_dropped", hb->alerts_dropped);
	jw_obj_end(&w);
	jw_obj_begin(&w, "reload");
	jw_uint(&w, "failures", hb->reload_failures);
	if (hb->reload_error)
		jw_str(&w, "error", hb->reload_error);
	else
		jw_null(&w, "error");
	jw_obj_end(&w);
	jw_obj_end(&w);
}

void vg_heartbeat_json(const struct vg_heartbeat *hb, struct strbuf *sb)
{
	heartbeat_write(hb, NULL, sb);
}

void vg_heartbeat_status_json(const struct vg_heartbeat *hb, const struct vg_hb_seen *seen,
			      struct strbuf *sb)
{
	heartbeat_write(hb, seen, sb);
}

/* Optional members: absent is 0 / NULL; present with the wrong type fails. */
static bool get_uint(json_t *o, const char *k, uint64_t *out)
{
	json_t *v = json_object_get(o, k);

	*out = 0;
	if (!v)
		return true;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return false;
	*out = (uint64_t)json_integer_value(v);
	return true;
}

static bool get_str(json_t *o, const char *k, const char **out)
{
	json_t *v = json_object_get(o, k);

	*out = NULL;
	if (!v || json_is_null(v))
		return true;
	if (!json_is_string(v))
		return false;
	*out = json_string_value(v);
	return true;
}

int vg_heartbeat_parse(const char *data, size_t len, struct vg_heartbeat *hb)
{
	json_t *root = json_loadb(data, len, 0, NULL), *rs, *rules, *loss, *rel;
	const char *ts = NULL;
	uint64_t u = 0;
	bool ok;

	memset(hb, 0, sizeof(*hb));
	if (!root)
		return -EINVAL;
	hb->priv_ = root;
	rs = json_object_get(root, "ruleset");
	rules = json_object_get(root, "rules");
	loss = json_object_get(root, "losses");
	rel = json_object_get(root, "reload");
	ok = json_is_object(root) && get_str(root, "hostname", &hb->hostname) && hb->hostname &&
	     get_str(root, "version", &hb->version) && get_str(root, "time", &ts) &&
	     get_uint(root, "interval_s", &u) && get_str(root, "mode_cap", &hb->mode_cap);
	hb->interval_s = (uint32_t)u;
	if (ok && ts && vg_clock_parse_rfc3339(ts, &hb->time_ns))
		ok = false;
	if (ok && rs)
		ok = json_is_object(rs) && get_str(rs, "hash", &hb->ruleset_hash) &&
		     get_uint(rs, "generation", &hb->ruleset_generation) &&
		     get_uint(rs, "revision", &hb->ruleset_revision);
	if (ok && loss)
		ok = json_is_object(loss) && get_uint(loss, "events", &hb->events_lost) &&
		     get_uint(loss, "alerts_dropped", &hb->alerts_dropped);
	if (ok && rel)
		ok = json_is_object(rel) && get_uint(rel, "failures", &hb->reload_failures) &&
		     get_str(rel, "error", &hb->reload_error);
	if (ok && rules) {
		size_t i;
		json_t *r;

		ok = json_is_array(rules);
		if (ok && json_array_size(rules)) {
			hb->rules = calloc(json_array_size(rules), sizeof(*hb->rules));
			if (!hb->rules) {
				vg_heartbeat_release(hb);
				return -ENOMEM;
			}
		}
		json_array_foreach(rules, i, r) {
			struct vg_hb_rule *h = &hb->rules[i];

			if (!ok)
				break;
			ok = json_is_object(r) && get_str(r, "rule", &h->rule) && h->rule &&
			     get_str(r, "mode", &h->mode) && get_uint(r, "matches", &h->matches) &&
			     get_uint(r, "killed", &h->killed) &&
			     get_uint(r, "would_kill", &h->would_kill) &&
			     get_uint(r, "denied", &h->denied) &&
			     get_uint(r, "would_deny", &h->would_deny);
			hb->nrules = i + 1;
		}
	}
	if (!ok) {
		vg_heartbeat_release(hb);
		return -EINVAL;
	}
	return 0;
}

void vg_heartbeat_release(struct vg_heartbeat *hb)
{
	free(hb->rules);
	json_decref(hb->priv_);
	memset(hb, 0, sizeof(*hb));
}
