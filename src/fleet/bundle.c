// SPDX-License-Identifier: Apache-2.0
/* The fleet's stored ruleset: rule files plus mode overrides, as JSON;
 * see bundle.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/clock.h"
#include "common/sha256.h"
#include "fleet/bundle.h"
#include "output/json.h"

static int add_file(struct vg_bundle *b, const char *name, const char *text, size_t len)
{
	struct vg_rule_source *nf = realloc(b->files, (b->nfiles + 1) * sizeof(*nf));
	char *n, *t;

	if (!nf)
		return -ENOMEM;
	b->files = nf;
	n = strdup(name);
	t = malloc(len + 1);
	if (!n || !t) {
		free(n);
		free(t);
		return -ENOMEM;
	}
	memcpy(t, text, len);
	t[len] = '\0';
	b->files[b->nfiles++] = (struct vg_rule_source){ .name = n, .text = t, .len = len };
	return 0;
}

static int read_file(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "re");
	struct strbuf sb = STRBUF_INIT;
	char chunk[65536];
	size_t n;
	int err = 0;

	if (!f)
		return -errno;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		strbuf_add(&sb, chunk, n);
	if (ferror(f))
		err = -EIO;
	else if (sb.oom)
		err = -ENOMEM;
	fclose(f);
	if (err) {
		strbuf_release(&sb);
		return err;
	}
	*len = sb.len;
	*buf = sb.alloc ? sb.buf : strdup("");
	return *buf ? 0 : -ENOMEM;
}

int vg_bundle_read_files(struct vg_bundle *b, const char *const *paths, size_t n,
			 struct vg_diag *diag)
{
	bool bad = false;

	for (size_t i = 0; i < n; i++) {
		char **names;
		size_t nn;
		int err = vg_rule_path_files(paths[i], &names, &nn);

		if (err)
			return err;
		for (size_t k = 0; k < nn && !err; k++) {
			char *text;
			size_t len;
			int rerr = read_file(names[k], &text, &len);

			if (rerr) {
				struct vg_srcpos p = { .file = names[k] };

				vg_diag_error(diag, &p, "cannot read: %s", strerror(-rerr));
				bad = true;
				continue;
			}
			err = add_file(b, names[k], text, len);
			free(text);
		}
		vg_rule_path_files_free(names, nn);
		if (err)
			return err;
	}
	return bad ? -EINVAL : 0;
}

int vg_bundle_set_mode(struct vg_bundle *b, const char *rule, const char *mode)
{
	struct vg_bundle_override *no;
	char *m, *r;

	if (vg_mode_parse(mode) < 0)
		return -EINVAL;
	m = strdup(mode);
	if (!m)
		return -ENOMEM;
	for (size_t i = 0; i < b->nov; i++) {
		if (!strcmp(b->ov[i].rule, rule)) {
			free(b->ov[i].mode);
			b->ov[i].mode = m;
			return 0;
		}
	}
	no = realloc(b->ov, (b->nov + 1) * sizeof(*no));
	r = strdup(rule);
	if (!no || !r) {
		free(m);
		free(r);
		if (no)
			b->ov = no;
		return -ENOMEM;
	}
	b->ov = no;
	b->ov[b->nov++] = (struct vg_bundle_override){ .rule = r, .mode = m };
	return 0;
}

void vg_bundle_overrides_yaml(const struct vg_bundle *b, struct strbuf *sb)
{
	if (!b->nov)
		return;
	strbuf_addstr(sb, "# Written by 'vigil fleet promote': each item changes one rule's mode.\n"
			  "# Keep this file beside the rule files it amends and push it with them.\n");
	for (size_t i = 0; i < b->nov; i++) {
		/* a JSON string is a YAML double-quoted scalar: any name is safe */
		strbuf_addstr(sb, "- rule: ");
		json_escape(sb, b->ov[i].rule, strlen(b->ov[i].rule));
		strbuf_addf(sb, "\n  mode: %s\n  override:\n    mode: replace\n", b->ov[i].mode);
	}
}

struct vg_ruleset *vg_bundle_load(const struct vg_bundle *b, struct vg_diag *diag)
{
	struct vg_rule_source *src = calloc(b->nfiles + 1, sizeof(*src));
	struct strbuf ov = STRBUF_INIT;
	struct vg_ruleset *rs;
	size_t n = b->nfiles;

	if (!src) {
		errno = ENOMEM;
		return NULL;
	}
	memcpy(src, b->files, b->nfiles * sizeof(*src));
	vg_bundle_overrides_yaml(b, &ov);
	if (ov.len)
		src[n++] = (struct vg_rule_source){ .name = VG_BUNDLE_OVERRIDES, .text = ov.buf,
						    .len = ov.len };
	rs = vg_ruleset_load(NULL, 0, src, n, diag);
	strbuf_release(&ov);
	free(src);
	return rs;
}

static void hash_part(struct sha256 *c, const char *name, const char *text, size_t len)
{
	/* NUL after each part: ("ab","c") and ("a","bc") hash apart */
	sha256_update(c, name, strlen(name) + 1);
	sha256_update(c, text, len);
	sha256_update(c, "", 1);
}

void vg_bundle_hash(struct vg_bundle *b)
{
	struct strbuf ov = STRBUF_INIT;
	struct sha256 c;

	sha256_init(&c);
	for (size_t i = 0; i < b->nfiles; i++)
		hash_part(&c, b->files[i].name, b->files[i].text, b->files[i].len);
	vg_bundle_overrides_yaml(b, &ov);
	if (ov.len)
		hash_part(&c, VG_BUNDLE_OVERRIDES, ov.buf, ov.len);
	strbuf_release(&ov);
	sha256_final_hex(&c, b->hash);
}

void vg_bundle_encode(struct vg_bundle *b, struct strbuf *sb)
{
	struct json_w w;
	char ts[40];

	vg_bundle_hash(b);
	vg_clock_rfc3339((uint64_t)b->time_ns, ts, sizeof(ts));
	jw_init(&w, sb);
	jw_obj_begin(&w, NULL);
	jw_str(&w, "format", VG_BUNDLE_FORMAT);
	jw_str(&w, "hash", b->hash);
	jw_str(&w, "pushed_by", b->pushed_by ? b->pushed_by : "");
	jw_str(&w, "time", ts);
	jw_arr_begin(&w, "files");
	for (size_t i = 0; i < b->nfiles; i++) {
		jw_obj_begin(&w, NULL);
		jw_str(&w, "name", b->files[i].name);
		jw_strn(&w, "text", b->files[i].text, b->files[i].len);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	vg_bundle_overrides_json(b, &w);
	jw_obj_end(&w);
}

void vg_bundle_overrides_json(const struct vg_bundle *b, struct json_w *w)
{
	jw_arr_begin(w, "overrides");
	for (size_t i = 0; i < b->nov; i++) {
		jw_obj_begin(w, NULL);
		jw_str(w, "rule", b->ov[i].rule);
		jw_str(w, "mode", b->ov[i].mode);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

int vg_bundle_decode(const char *data, size_t len, struct vg_bundle *b)
{
	json_t *root = json_loadb(data, len, 0, NULL), *files, *ov, *v;
	const char *fmt, *hash, *by, *ts;
	char want[65];
	size_t i;
	int err = -EINVAL;

	memset(b, 0, sizeof(*b));
	if (!root)
		return -EINVAL;
	fmt = json_string_value(json_object_get(root, "format"));
	hash = json_string_value(json_object_get(root, "hash"));
	by = json_string_value(json_object_get(root, "pushed_by"));
	ts = json_string_value(json_object_get(root, "time"));
	files = json_object_get(root, "files");
	ov = json_object_get(root, "overrides");
	if (!fmt || strcmp(fmt, VG_BUNDLE_FORMAT) || !hash || !json_is_array(files) ||
	    (ov && !json_is_array(ov)))
		goto out;
	json_array_foreach(files, i, v) {
		json_t *t = json_object_get(v, "text");
		const char *name = json_string_value(json_object_get(v, "name"));

		if (!name || !json_is_string(t))
			goto out;
		err = add_file(b, name, json_string_value(t), json_string_length(t));
		if (err)
			goto out;
		err = -EINVAL;
	}
	json_array_foreach(ov, i, v) {
		const char *r = json_string_value(json_object_get(v, "rule"));
		const char *m = json_string_value(json_object_get(v, "mode"));

		if (!r || !m)
			goto out;
		err = vg_bundle_set_mode(b, r, m);
		if (err)
			goto out;
		err = -EINVAL;
	}
	if (by && !(b->pushed_by = strdup(by))) {
		err = -ENOMEM;
		goto out;
	}
	if (ts)
		vg_clock_parse_rfc3339(ts, &b->time_ns);
	vg_bundle_hash(b);
	memcpy(want, b->hash, sizeof(want));
	if (strcmp(want, hash))
		goto out; /* altered in the bucket, or cut short */
	err = 0;
out:
	json_decref(root);
	if (err)
		vg_bundle_release(b);
	return err;
}

void vg_bundle_release(struct vg_bundle *b)
{
	for (size_t i = 0; i < b->nfiles; i++) {
		free((char *)b->files[i].name);
		free((char *)b->files[i].text);
	}
	free(b->files);
	for (size_t i = 0; i < b->nov; i++) {
		free(b->ov[i].rule);
		free(b->ov[i].mode);
	}
	free(b->ov);
	free(b->pushed_by);
	memset(b, 0, sizeof(*b));
}
