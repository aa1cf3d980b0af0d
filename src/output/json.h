/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small streaming JSON writer over a strbuf (jw_*: "JSON writer", a prefix
 * of its own so that it never clashes with a JSON library in the same binary). Strings are escaped for any
 * byte sequence: control bytes as \uXXXX, quotes and backslashes escaped,
 * and bytes that are not valid UTF-8 replaced by U+FFFD one byte at a time,
 * so the output is always valid JSON in valid UTF-8 whatever a path holds.
 *
 * Keys: pass NULL inside arrays, a key inside objects. The writer tracks
 * commas; it does not check that keys are used where they belong.
 */
#ifndef VIGIL_JSON_H
#define VIGIL_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "common/strbuf.h"

#define JSON_MAX_DEPTH 16

struct json_w {
	struct strbuf *sb; /* not owned */
	int depth;
	bool comma[JSON_MAX_DEPTH];
};

void jw_init(struct json_w *w, struct strbuf *sb);
/* Append `s[0..len)` as a quoted, escaped JSON string. */
void json_escape(struct strbuf *sb, const char *s, size_t len);

void jw_obj_begin(struct json_w *w, const char *key);
void jw_obj_end(struct json_w *w);
void jw_arr_begin(struct json_w *w, const char *key);
void jw_arr_end(struct json_w *w);
void jw_str(struct json_w *w, const char *key, const char *s);
void jw_strn(struct json_w *w, const char *key, const char *s, size_t len);
void jw_int(struct json_w *w, const char *key, int64_t v);
void jw_uint(struct json_w *w, const char *key, uint64_t v);
void jw_bool(struct json_w *w, const char *key, bool v);
void jw_null(struct json_w *w, const char *key);

#endif /* VIGIL_JSON_H */
