/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small streaming JSON writer over a strbuf. Strings are escaped for any
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

void json_init(struct json_w *w, struct strbuf *sb);
/* Append `s[0..len)` as a quoted, escaped JSON string. */
void json_escape(struct strbuf *sb, const char *s, size_t len);

void json_obj_begin(struct json_w *w, const char *key);
void json_obj_end(struct json_w *w);
void json_arr_begin(struct json_w *w, const char *key);
void json_arr_end(struct json_w *w);
void json_str(struct json_w *w, const char *key, const char *s);
void json_strn(struct json_w *w, const char *key, const char *s, size_t len);
void json_int(struct json_w *w, const char *key, int64_t v);
void json_uint(struct json_w *w, const char *key, uint64_t v);
void json_bool(struct json_w *w, const char *key, bool v);
void json_null(struct json_w *w, const char *key);

#endif /* VIGIL_JSON_H */
