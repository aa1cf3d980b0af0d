// SPDX-License-Identifier: Apache-2.0
/*
 * Lexical resolution of path arguments against the base directory the
 * kernel recorded (pipeline/path.h).
 */
#include "pipeline/path.h"

#include <string.h>

/* Append the components of s (len bytes) to out, which holds an absolute
 * normalised path from byte `root` on ("/" or more). */
static void push_components(struct strbuf *out, size_t root, const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t j = i;

		while (j < len && s[j] != '/')
			j++;
		if (j - i == 2 && s[i] == '.' && s[i + 1] == '.') {
			/* drop the last component, never the root */
			size_t k = out->len;

			while (k > root + 1 && out->buf[k - 1] != '/')
				k--;
			strbuf_truncate(out, k > root + 1 ? k - 1 : root + 1);
		} else if (j > i && !(j - i == 1 && s[i] == '.')) {
			if (out->len > root + 1)
				strbuf_addch(out, '/');
			strbuf_add(out, s + i, j - i);
		}
		i = j + 1;
	}
}

bool vg_path_resolve(struct strbuf *out, const char *base, size_t blen, const char *p,
		     size_t plen)
{
	size_t root = out->len;

	if (!p || (plen && p[0] != '/' && (!base || !blen || base[0] != '/')) ||
	    (!plen && (!base || !blen)))
		return false;
	strbuf_addch(out, '/');
	if (!plen || p[0] != '/')
		push_components(out, root, base, blen);
	push_components(out, root, p, plen);
	return true;
}

size_t vg_path_dirlen(const char *p, size_t len)
{
	while (len > 1 && p[len - 1] != '/')
		len--;
	return len > 1 ? len - 1 : 1;
}
