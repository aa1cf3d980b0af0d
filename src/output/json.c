// SPDX-License-Identifier: Apache-2.0
/* Streaming JSON writer and string escaping; see json.h. */
#include "output/json.h"

#include <inttypes.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if it is not one. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Reject overlong forms, surrogates and values past U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void json_escape(struct strbuf *sb, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0;

	strbuf_addch(sb, '"');
	while (i < len) {
		unsigned char c = s[i];
		size_t n;

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			i++;
			run++;
			continue;
		}
		strbuf_add(sb, s + i - run, run);
		run = 0;
		switch (c) {
		case '"': strbuf_add(sb, "\\\"", 2); i++; continue;
		case '\\': strbuf_add(sb, "\\\\", 2); i++; continue;
		case '\n': strbuf_add(sb, "\\n", 2); i++; continue;
		case '\t': strbuf_add(sb, "\\t", 2); i++; continue;
		case '\r': strbuf_add(sb, "\\r", 2); i++; continue;
		default: break;
		}
		if (c < 0x20) {
			strbuf_addf(sb, "\\u%04x", c);
			i++;
			continue;
		}
		n = utf8_seq(s + i, len - i);
		if (n) {
			strbuf_add(sb, s + i, n);
			i += n;
		} else {
			strbuf_add(sb, "\\ufffd", 6);
			i++;
		}
	}
	strbuf_add(sb, s + i - run, run);
	strbuf_addch(sb, '"');
}

void jw_init(struct json_w *w, struct strbuf *sb)
{
	memset(w, 0, sizeof(*w));
	w->sb = sb;
}

static void json_key(struct json_w *w, const char *key)
{
	if (w->comma[w->depth])
		strbuf_addch(w->sb, ',');
	w->comma[w->depth] = true;
	if (key) {
		json_escape(w->sb, key, strlen(key));
		strbuf_addch(w->sb, ':');
	}
}

static void json_open(struct json_w *w, const char *key, char c)
{
	if (w->depth > 0)
		json_key(w, key);
	strbuf_addch(w->sb, c);
	if (w->depth < JSON_MAX_DEPTH - 1)
		w->depth++;
	w->comma[w->depth] = false;
}

static void json_close(struct json_w *w, char c)
{
	strbuf_addch(w->sb, c);
	if (w->depth > 0)
		w->depth--;
	w->comma[w->depth] = true;
}

void jw_obj_begin(struct json_w *w, const char *key) { json_open(w, key, '{'); }
void jw_obj_end(struct json_w *w) { json_close(w, '}'); }
void jw_arr_begin(struct json_w *w, const char *key) { json_open(w, key, '['); }
void jw_arr_end(struct json_w *w) { json_close(w, ']'); }

void jw_strn(struct json_w *w, const char *key, const char *s, size_t len)
{
	json_key(w, key);
	json_escape(w->sb, s, len);
}

void jw_str(struct json_w *w, const char *key, const char *s)
{
	if (!s) {
		jw_null(w, key);
		return;
	}
	jw_strn(w, key, s, strlen(s));
}

void jw_int(struct json_w *w, const char *key, int64_t v)
{
	json_key(w, key);
	strbuf_addf(w->sb, "%" PRId64, v);
}

void jw_uint(struct json_w *w, const char *key, uint64_t v)
{
	json_key(w, key);
	strbuf_addf(w->sb, "%" PRIu64, v);
}

void jw_bool(struct json_w *w, const char *key, bool v)
{
	json_key(w, key);
	strbuf_addstr(w->sb, v ? "true" : "false");
}

void jw_null(struct json_w *w, const char *key)
{
	json_key(w, key);
	strbuf_addstr(w->sb, "null");
}
