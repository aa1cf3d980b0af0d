// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests: output/json. Every output is checked byte for byte and also
 * parsed back with jansson, which rejects invalid JSON and invalid UTF-8.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* jansson has its own jw_null(void): hide it from output/json.h's. Only
 * the declaration clashes; jansson calls its jw_null() internally. */
#define json_null jansson_json_null_
#include <jansson.h>
#undef json_null

#include "common/strbuf.h"
#include "output/json.h"

#define FFFD "\xef\xbf\xbd" /* U+FFFD in UTF-8, as jansson decodes \ufffd */

/* Parse `text` with jansson; fails the test if it is not valid JSON. */
static json_t *parse(const char *text, size_t flags)
{
	json_error_t err;
	json_t *j = json_loadb(text, strlen(text), flags | JSON_ALLOW_NUL, &err);

	if (!j)
		fail_msg("jansson rejects %s: %s at %d", text, err.text, err.position);
	return j;
}

/*
 * json_escape(in[0..ilen)) must give exactly `want`, which must be a valid
 * JSON string that decodes to dec[0..dlen).
 */
static void check_esc(const char *in, size_t ilen, const char *want, const char *dec,
		      size_t dlen)
{
	struct strbuf sb = STRBUF_INIT, doc = STRBUF_INIT;
	json_t *j, *s;

	json_escape(&sb, in, ilen);
	assert_false(sb.oom);
	assert_string_equal(sb.buf, want);
	assert_int_equal(strlen(sb.buf), sb.len);

	strbuf_addch(&doc, '[');
	strbuf_add(&doc, sb.buf, sb.len);
	strbuf_addch(&doc, ']');
	j = parse(doc.buf, 0);
	assert_int_equal(json_array_size(j), 1);
	s = json_array_get(j, 0);
	assert_true(json_is_string(s));
	assert_int_equal(json_string_length(s), dlen);
	assert_memory_equal(json_string_value(s), dec, dlen);
	json_decref(j);
	strbuf_release(&doc);
	strbuf_release(&sb);
}

/* Input that is valid UTF-8 without NULs: decodes back to itself. */
#define ESC_SAME(in, want) check_esc(in, sizeof(in) - 1, want, in, sizeof(in) - 1)
/* Input with NULs or invalid bytes: decodes to `dec`. */
#define ESC_DEC(in, want, dec) check_esc(in, sizeof(in) - 1, want, dec, sizeof(dec) - 1)

static void test_escape_plain(void **state)
{
	ESC_SAME("", "\"\"");
	ESC_SAME("hello", "\"hello\"");
	ESC_SAME("/usr/bin/ls -la ~ {} [] : , '", "\"/usr/bin/ls -la ~ {} [] : , '\"");
	/* every printable ASCII byte other than " and \ is copied as is */
	{
		char in[128], want[256];
		size_t n = 0, w = 0;

		want[w++] = '"';
		for (int c = 0x20; c < 0x7f; c++) {
			if (c == '"' || c == '\\')
				continue;
			in[n++] = (char)c;
			want[w++] = (char)c;
		}
		want[w++] = '"';
		want[w] = '\0';
		check_esc(in, n, want, in, n);
	}
}

static void test_escape_quote_backslash(void **state)
{
	ESC_SAME("\"", "\"\\\"\"");
	ESC_SAME("\\", "\"\\\\\"");
	ESC_SAME("a\"b\\c", "\"a\\\"b\\\\c\"");
	ESC_SAME("C:\\dir\\\"x\"", "\"C:\\\\dir\\\\\\\"x\\\"\"");
}

static void test_escape_short_controls(void **state)
{
	ESC_SAME("\n", "\"\\n\"");
	ESC_SAME("\t", "\"\\t\"");
	ESC_SAME("\r", "\"\\r\"");
	ESC_SAME("l1\nl2\tx\r\n", "\"l1\\nl2\\tx\\r\\n\"");
}

static void test_escape_other_controls(void **state)
{
	ESC_SAME("\x01", "\"\\u0001\"");
	ESC_SAME("\x1f", "\"\\u001f\"");
	ESC_SAME("\b\f\x1b[0m", "\"\\u0008\\u000c\\u001b[0m\"");
	ESC_SAME("a\x02" "b", "\"a\\u0002b\"");
	/* every byte below 0x20 comes out escaped, never raw */
	for (int c = 1; c < 0x20; c++) {
		char in[1] = { (char)c }, want[16];

		if (c == '\n' || c == '\t' || c == '\r')
			continue;
		snprintf(want, sizeof(want), "\"\\u%04x\"", c);
		check_esc(in, 1, want, in, 1);
	}
}

static void test_escape_del(void **state)
{
	/* U+007F is not a control character for JSON (RFC 8259 section 7
	 * only requires U+0000..U+001F to be escaped): it stays a raw byte. */
	ESC_SAME("\x7f", "\"\x7f\"");
	ESC_SAME("a\x7f" "b", "\"a\x7f" "b\"");
}

static void test_escape_nul(void **state)
{
	ESC_DEC("\0", "\"\\u0000\"", "\0");
	ESC_DEC("a\0b", "\"a\\u0000b\"", "a\0b");
	ESC_DEC("\0\0x\0", "\"\\u0000\\u0000x\\u0000\"", "\0\0x\0");
}

static void test_escape_utf8_valid(void **state)
{
	ESC_SAME("caf\xc3\xa9", "\"caf\xc3\xa9\"");		    /* U+00E9, 2 bytes */
	ESC_SAME("\xe2\x82\xac" "5", "\"\xe2\x82\xac" "5\"");	    /* U+20AC, 3 bytes */
	ESC_SAME("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");	    /* U+1F600, 4 bytes */
	ESC_SAME("\xe6\x97\xa5\xe6\x9c\xac", "\"\xe6\x97\xa5\xe6\x9c\xac\"");
	/* the edges of each length and around the surrogates */
	ESC_SAME("\xc2\x80", "\"\xc2\x80\"");			    /* U+0080 */
	ESC_SAME("\xdf\xbf", "\"\xdf\xbf\"");			    /* U+07FF */
	ESC_SAME("\xe0\xa0\x80", "\"\xe0\xa0\x80\"");		    /* U+0800 */
	ESC_SAME("\xed\x9f\xbf", "\"\xed\x9f\xbf\"");		    /* U+D7FF */
	ESC_SAME("\xee\x80\x80", "\"\xee\x80\x80\"");		    /* U+E000 */
	ESC_SAME("\xef\xbf\xbf", "\"\xef\xbf\xbf\"");		    /* U+FFFF */
	ESC_SAME("\xf0\x90\x80\x80", "\"\xf0\x90\x80\x80\"");	    /* U+10000 */
	ESC_SAME("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");	    /* U+10FFFF */
	/* mixed with escapes */
	ESC_SAME("\"\xc3\xa9\"\n", "\"\\\"\xc3\xa9\\\"\\n\"");
}

static void test_escape_utf8_invalid(void **state)
{
	/* lone continuation bytes */
	ESC_DEC("\x80", "\"\\ufffd\"", FFFD);
	ESC_DEC("a\xbf" "b", "\"a\\ufffdb\"", "a" FFFD "b");
	/* sequences cut by the end of the string: each byte replaced */
	ESC_DEC("x\xc3", "\"x\\ufffd\"", "x" FFFD);
	ESC_DEC("x\xe2\x82", "\"x\\ufffd\\ufffd\"", "x" FFFD FFFD);
	ESC_DEC("\xf0\x9f\x98", "\"\\ufffd\\ufffd\\ufffd\"", FFFD FFFD FFFD);
	/* cut by a non-continuation byte: the ASCII byte survives */
	ESC_DEC("\xe2\x82" "A", "\"\\ufffd\\ufffdA\"", FFFD FFFD "A");
	ESC_DEC("\xc3\"", "\"\\ufffd\\\"\"", FFFD "\"");
	/* overlong encodings */
	ESC_DEC("\xc0\xaf", "\"\\ufffd\\ufffd\"", FFFD FFFD);
	ESC_DEC("\xc1\xbf", "\"\\ufffd\\ufffd\"", FFFD FFFD);
	ESC_DEC("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"", FFFD FFFD FFFD);
	ESC_DEC("\xf0\x80\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"", FFFD FFFD FFFD FFFD);
	/* UTF-16 surrogates */
	ESC_DEC("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"", FFFD FFFD FFFD);
	ESC_DEC("\xed\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\"", FFFD FFFD FFFD);
	/* past U+10FFFF */
	ESC_DEC("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"", FFFD FFFD FFFD FFFD);
	/* mixed: the valid parts are kept */
	ESC_DEC("ok\xff/\xc3\xa9", "\"ok\\ufffd/\xc3\xa9\"", "ok" FFFD "/\xc3\xa9");
}

static void test_escape_f5_ff(void **state)
{
	/* F5..FF never start a valid sequence, alone or followed by continuations */
	for (int c = 0xf5; c <= 0xff; c++) {
		char in[4] = { (char)c, (char)0x80, (char)0x80, (char)0x80 };

		check_esc(in, 1, "\"\\ufffd\"", FFFD, 3);
		check_esc(in, 4, "\"\\ufffd\\ufffd\\ufffd\\ufffd\"", FFFD FFFD FFFD FFFD, 12);
	}
}

static void test_escape_bounded_by_len(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	/* only len bytes are read, even if the string goes on */
	json_escape(&sb, "abcdef", 3);
	assert_string_equal(sb.buf, "\"abc\"");
	strbuf_reset(&sb);
	/* a valid sequence must not be taken from beyond len */
	json_escape(&sb, "a\xc3\xa9", 2);
	assert_string_equal(sb.buf, "\"a\\ufffd\"");
	strbuf_reset(&sb);
	/* appends: does not clear what is in the buffer */
	strbuf_addstr(&sb, "k=");
	json_escape(&sb, "v", 1);
	assert_string_equal(sb.buf, "k=\"v\"");
	strbuf_release(&sb);
}

static void test_escape_random_bytes(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	uint32_t x = 12345;

	/* Whatever the bytes, the output is valid JSON in valid UTF-8. */
	for (int round = 0; round < 2000; round++) {
		unsigned char in[64];
		size_t n = round % sizeof(in);
		json_error_t err;
		json_t *j;

		for (size_t i = 0; i < n; i++) {
			x = x * 1103515245u + 12345u;
			in[i] = (unsigned char)(x >> 16);
			/* bias towards UTF-8 lead and continuation bytes */
			if (round & 1)
				in[i] |= 0x80;
		}
		strbuf_reset(&sb);
		strbuf_addch(&sb, '[');
		json_escape(&sb, (const char *)in, n);
		strbuf_addch(&sb, ']');
		j = json_loadb(sb.buf, sb.len, JSON_ALLOW_NUL, &err);
		if (!j)
			fail_msg("round %d: %s: %s", round, sb.buf, err.text);
		assert_true(json_is_string(json_array_get(j, 0)));
		json_decref(j);
	}
	strbuf_release(&sb);
}

static void test_writer_nested(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_w w;
	json_t *j, *arr, *o;

	jw_init(&w, &sb);
	jw_obj_begin(&w, NULL);
	jw_str(&w, "a", "x");
	jw_str(&w, "n", NULL);
	jw_arr_begin(&w, "arr");
	jw_int(&w, NULL, -1);
	jw_str(&w, NULL, NULL);
	jw_obj_begin(&w, NULL);
	jw_obj_end(&w);
	jw_arr_begin(&w, NULL);
	jw_bool(&w, NULL, true);
	jw_bool(&w, NULL, false);
	jw_arr_end(&w);
	jw_null(&w, NULL);
	jw_arr_end(&w);
	jw_obj_begin(&w, "o");
	jw_strn(&w, "k\"ey", "a\0b", 3);
	jw_arr_begin(&w, "empty");
	jw_arr_end(&w);
	jw_obj_end(&w);
	jw_uint(&w, "z", 0);
	jw_obj_end(&w);
	assert_string_equal(sb.buf, "{\"a\":\"x\",\"n\":null,\"arr\":[-1,null,{},[true,false],null],"
				    "\"o\":{\"k\\\"ey\":\"a\\u0000b\",\"empty\":[]},\"z\":0}");
	assert_int_equal(w.depth, 0);

	j = parse(sb.buf, 0);
	assert_string_equal(json_string_value(json_object_get(j, "a")), "x");
	assert_true(json_is_null(json_object_get(j, "n")));
	arr = json_object_get(j, "arr");
	assert_int_equal(json_array_size(arr), 5);
	assert_int_equal(json_integer_value(json_array_get(arr, 0)), -1);
	assert_true(json_is_null(json_array_get(arr, 1)));
	assert_int_equal(json_object_size(json_array_get(arr, 2)), 0);
	assert_true(json_is_true(json_array_get(json_array_get(arr, 3), 0)));
	assert_true(json_is_false(json_array_get(json_array_get(arr, 3), 1)));
	o = json_object_get(j, "o");
	assert_int_equal(json_string_length(json_object_get(o, "k\"ey")), 3);
	assert_int_equal(json_object_size(j), 5);
	json_decref(j);
	strbuf_release(&sb);
}

static void test_writer_top_level_array(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_w w;
	json_t *j;

	/* commas after closed containers, at every level */
	jw_init(&w, &sb);
	jw_arr_begin(&w, NULL);
	jw_obj_begin(&w, NULL);
	jw_obj_end(&w);
	jw_obj_begin(&w, NULL);
	jw_arr_begin(&w, "a");
	jw_arr_end(&w);
	jw_arr_begin(&w, "b");
	jw_int(&w, NULL, 1);
	jw_arr_end(&w);
	jw_obj_end(&w);
	jw_arr_begin(&w, NULL);
	jw_arr_end(&w);
	jw_str(&w, NULL, "s");
	jw_arr_end(&w);
	assert_string_equal(sb.buf, "[{},{\"a\":[],\"b\":[1]},[],\"s\"]");
	j = parse(sb.buf, 0);
	assert_int_equal(json_array_size(j), 4);
	json_decref(j);
	strbuf_release(&sb);
}

static void test_writer_ints(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_w w;
	json_t *j;

	jw_init(&w, &sb);
	jw_obj_begin(&w, NULL);
	jw_int(&w, "zero", 0);
	jw_int(&w, "neg", -42);
	jw_int(&w, "max", INT64_MAX);
	jw_int(&w, "min", INT64_MIN);
	jw_uint(&w, "u32", UINT32_MAX);
	jw_uint(&w, "u64", UINT64_MAX);
	jw_obj_end(&w);
	assert_string_equal(sb.buf, "{\"zero\":0,\"neg\":-42,\"max\":9223372036854775807,"
				    "\"min\":-9223372036854775808,\"u32\":4294967295,"
				    "\"u64\":18446744073709551615}");
	/* jansson's integers are int64: UINT64_MAX parses only as a real */
	j = parse(sb.buf, JSON_DECODE_INT_AS_REAL);
	assert_int_equal(json_object_size(j), 6);
	assert_true(json_real_value(json_object_get(j, "u64")) > 1.8e19);
	json_decref(j);

	/* the int64 ones exactly, without the uint64 */
	strbuf_reset(&sb);
	jw_init(&w, &sb);
	jw_arr_begin(&w, NULL);
	jw_int(&w, NULL, INT64_MIN);
	jw_int(&w, NULL, INT64_MAX);
	jw_int(&w, NULL, -1);
	jw_uint(&w, NULL, (uint64_t)INT64_MAX);
	jw_arr_end(&w);
	j = parse(sb.buf, 0);
	assert_true(json_integer_value(json_array_get(j, 0)) == INT64_MIN);
	assert_true(json_integer_value(json_array_get(j, 1)) == INT64_MAX);
	assert_true(json_integer_value(json_array_get(j, 2)) == -1);
	assert_true(json_integer_value(json_array_get(j, 3)) == INT64_MAX);
	json_decref(j);
	strbuf_release(&sb);
}

static void test_writer_escapes_keys_and_values(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_w w;
	json_t *j;

	jw_init(&w, &sb);
	jw_obj_begin(&w, NULL);
	jw_str(&w, "new\nline", "bad\xff");
	jw_strn(&w, "len", "abcdef", 2);
	jw_obj_end(&w);
	assert_string_equal(sb.buf, "{\"new\\nline\":\"bad\\ufffd\",\"len\":\"ab\"}");
	j = parse(sb.buf, 0);
	assert_string_equal(json_string_value(json_object_get(j, "new\nline")), "bad" FFFD);
	assert_string_equal(json_string_value(json_object_get(j, "len")), "ab");
	json_decref(j);
	strbuf_release(&sb);
}

static void test_writer_deep_nesting(void **state)
{
	enum { DEPTH = JSON_MAX_DEPTH + 8 };
	struct strbuf sb = STRBUF_INIT, want = STRBUF_INIT;
	struct json_w w;
	json_t *j, *cur;

	/* Deeper than the writer tracks: the output must stay valid JSON. */
	jw_init(&w, &sb);
	for (int i = 0; i < DEPTH; i++) {
		jw_arr_begin(&w, NULL);
		jw_int(&w, NULL, i);
		strbuf_addf(&want, "%s[%d", i ? "," : "", i);
	}
	for (int i = DEPTH - 1; i >= 0; i--) {
		jw_arr_end(&w);
		strbuf_addch(&want, ']');
		if (i) {
			jw_int(&w, NULL, 100 + i);
			strbuf_addf(&want, ",%d", 100 + i);
		}
	}
	assert_string_equal(sb.buf, want.buf);
	assert_int_equal(w.depth, 0);
	j = parse(sb.buf, 0);
	cur = j;
	for (int i = 0; i < DEPTH; i++) {
		assert_true(json_is_array(cur));
		assert_int_equal(json_integer_value(json_array_get(cur, 0)), i);
		cur = json_array_get(cur, 1);
	}
	json_decref(j);
	strbuf_release(&want);
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_plain),
		cmocka_unit_test(test_escape_quote_backslash),
		cmocka_unit_test(test_escape_short_controls),
		cmocka_unit_test(test_escape_other_controls),
		cmocka_unit_test(test_escape_del),
		cmocka_unit_test(test_escape_nul),
		cmocka_unit_test(test_escape_utf8_valid),
		cmocka_unit_test(test_escape_utf8_invalid),
		cmocka_unit_test(test_escape_f5_ff),
		cmocka_unit_test(test_escape_bounded_by_len),
		cmocka_unit_test(test_escape_random_bytes),
		cmocka_unit_test(test_writer_nested),
		cmocka_unit_test(test_writer_top_level_array),
		cmocka_unit_test(test_writer_ints),
		cmocka_unit_test(test_writer_escapes_keys_and_values),
		cmocka_unit_test(test_writer_deep_nesting),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
