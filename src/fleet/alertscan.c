// SPDX-License-Identifier: Apache-2.0
/* A one-pass scan of an alert's JSON for the keys the fleet view needs;
 * see alertscan.h for why it is not a full parse. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fleet/alertscan.h"

#define MAX_DEPTH 32

struct scan {
	const char *p, *end;
	char *out, *oend; /* where kept strings go */
};

static void ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int hex4(struct scan *s, unsigned *v)
{
	*v = 0;
	if (s->end - s->p < 4)
		return -EINVAL;
	for (int i = 0; i < 4; i++) {
		int h = hexval(*s->p++);

		if (h < 0)
			return -EINVAL;
		*v = *v << 4 | (unsigned)h;
	}
	return 0;
}

static int put(struct scan *s, char c)
{
	if (s->out >= s->oend)
		return -ENOSPC;
	*s->out++ = c;
	return 0;
}

static int put_utf8(struct scan *s, unsigned cp)
{
	int err = 0;

	if (cp < 0x80)
		return put(s, (char)cp);
	if (cp < 0x800) {
		err = put(s, (char)(0xc0 | cp >> 6));
	} else if (cp < 0x10000) {
		err = put(s, (char)(0xe0 | cp >> 12));
		if (!err)
			err = put(s, (char)(0x80 | ((cp >> 6) & 0x3f)));
	} else {
		err = put(s, (char)(0xf0 | cp >> 18));
		if (!err)
			err = put(s, (char)(0x80 | ((cp >> 12) & 0x3f)));
		if (!err)
			err = put(s, (char)(0x80 | ((cp >> 6) & 0x3f)));
	}
	return err ? err : put(s, (char)(0x80 | (cp & 0x3f)));
}

/* A string at s->p (on its opening quote). keep: decode it into the output
 * buffer, NUL-terminated, and point *val at it; else only step over it. */
static int string(struct scan *s, bool keep, const char **val)
{
	char *start = s->out;
	int err = 0;

	if (s->p >= s->end || *s->p != '"')
		return -EINVAL;
	s->p++;
	while (s->p < s->end && *s->p != '"') {
		unsigned char c = (unsigned char)*s->p;

		if (c < 0x20)
			return -EINVAL;
		if (c != '\\') {
			/* a run of plain bytes at once */
			const char *q = s->p;

			while (q < s->end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20)
				q++;
			if (keep) {
				if (s->oend - s->out < q - s->p)
					return -ENOSPC;
				memcpy(s->out, s->p, (size_t)(q - s->p));
				s->out += q - s->p;
			}
			s->p = q;
			continue;
		}
		if (++s->p >= s->end)
			return -EINVAL;
		c = (unsigned char)*s->p++;
		if (c == 'u') {
			unsigned cp, lo;

			if (hex4(s, &cp))
				return -EINVAL;
			/* a surrogate pair is one code point */
			if (cp >= 0xd800 && cp < 0xdc00 && s->end - s->p >= 6 && s->p[0] == '\\' &&
			    s->p[1] == 'u') {
				s->p += 2;
				if (hex4(s, &lo) || lo < 0xdc00 || lo > 0xdfff)
					return -EINVAL;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			if (keep)
				err = put_utf8(s, cp);
		} else {
			const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t", *m = strchr(from, c);

			if (!c || !m)
				return -EINVAL;
			if (keep)
				err = put(s, to[m - from]);
		}
		if (err)
			return err;
	}
	if (s->p >= s->end)
		return -EINVAL;
	s->p++;
	if (keep) {
		err = put(s, '\0');
		*val = start;
	}
	return err;
}

/* Step over any value; nested containers by a depth count. */
static int skip_value(struct scan *s)
{
	char stack[MAX_DEPTH];
	int depth = 0, err;

	for (;;) {
		ws(s);
		if (s->p >= s->end)
			return -EINVAL;
		switch (*s->p) {
		case '"':
			err = string(s, false, NULL);
			if (err)
				return err;
			break;
		case '{':
		case '[':
			if (depth == MAX_DEPTH)
				return -EINVAL;
			stack[depth++] = *s->p == '{' ? '}' : ']';
			s->p++;
			ws(s);
			if (s->p < s->end && *s->p == stack[depth - 1]) {
				s->p++;
				depth--;
				break;
			}
			if (stack[depth - 1] == '}') {
				err = string(s, false, NULL);
				ws(s);
				if (err || s->p >= s->end || *s->p != ':')
					return -EINVAL;
				s->p++;
			}
			continue;
		default:
			if (!strchr("-0123456789tfn", *s->p))
				return -EINVAL;
			while (s->p < s->end && strchr("+-0123456789.eEtruefalsn", *s->p))
				s->p++;
			break;
		}
		/* after a value: a separator, or closing brackets */
		for (;;) {
			if (!depth)
				return 0;
			ws(s);
			if (s->p >= s->end)
				return -EINVAL;
			if (*s->p == stack[depth - 1]) {
				s->p++;
				depth--;
				continue;
			}
			if (*s->p != ',')
				return -EINVAL;
			s->p++;
			if (stack[depth - 1] == '}') {
				ws(s);
				err = string(s, false, NULL);
				ws(s);
				if (err || s->p >= s->end || *s->p != ':')
					return -EINVAL;
				s->p++;
			}
			break;
		}
	}
}

struct want {
	const char *key;
	const char **val;
};

/* An object's members: the wanted ones kept (strings only), an object
 * member named `nested` scanned with `inner`, the rest skipped. */
static int object(struct scan *s, const struct want *w, const char *nested,
		  const struct want *inner)
{
	char keybuf[64];
	int err;

	ws(s);
	if (s->p >= s->end || *s->p != '{')
		return -EINVAL;
	s->p++;
	ws(s);
	if (s->p < s->end && *s->p == '}') {
		s->p++;
		return 0;
	}
	for (;;) {
		struct scan ks = { .p = s->p, .end = s->end, .out = keybuf,
				   .oend = keybuf + sizeof(keybuf) };
		const char *key = NULL;
		const struct want *hit = NULL;

		ws(s);
		ks.p = s->p;
		err = string(&ks, true, &key);
		if (err == -ENOSPC) { /* a long key: none we want */
			key = "";
			err = string(s, false, NULL);
		} else {
			s->p = ks.p;
		}
		if (err)
			return err;
		ws(s);
		if (s->p >= s->end || *s->p != ':')
			return -EINVAL;
		s->p++;
		ws(s);
		for (const struct want *x = w; x && x->key; x++)
			if (!strcmp(x->key, key))
				hit = x;
		if (hit) {
			if (s->p >= s->end || *s->p != '"')
				return -EINVAL;
			err = string(s, true, hit->val);
		} else if (nested && !strcmp(key, nested) && s->p < s->end && *s->p == '{') {
			err = object(s, inner, NULL, NULL);
		} else {
			err = skip_value(s);
		}
		if (err)
			return err;
		ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			continue;
		}
		if (s->p < s->end && *s->p == '}') {
			s->p++;
			return 0;
		}
		return -EINVAL;
	}
}

int vg_alert_scan(const char *json, size_t len, struct vg_alert_keys *k, char *buf, size_t size)
{
	struct scan s = { .p = json, .end = json + len, .out = buf, .oend = buf + size };
	const struct want top[] = {
		{ "rule", &k->rule },	  { "hostname", &k->hostname }, { "mode", &k->mode },
		{ "action", &k->action }, { NULL, NULL },
	};
	const struct want fields[] = {
		{ "proc.exepath", &k->exepath },
		{ "proc.name", &k->name },
		{ "container.id", &k->container },
		{ NULL, NULL },
	};
	int err;

	memset(k, 0, sizeof(*k));
	err = object(&s, top, "output_fields", fields);
	if (err)
		return err;
	ws(&s);
	return s.p == s.end ? 0 : -EINVAL;
}
