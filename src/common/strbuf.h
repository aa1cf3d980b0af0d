/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A growable byte buffer, always NUL-terminated. Embedded in its owner:
 * strbuf_init()/strbuf_release(). Allocation failure is fatal-free: the
 * buffer sets `oom` and further appends are ignored, so output code can
 * append freely and check once.
 */
#ifndef VIGIL_STRBUF_H
#define VIGIL_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *buf;    /* owned; "" (static) until the first append */
	size_t len;   /* bytes used, not counting the NUL */
	size_t alloc; /* bytes allocated, 0 while buf is the static "" */
	bool oom;     /* an allocation failed: contents are incomplete */
};

#define STRBUF_INIT { .buf = strbuf_empty_, .len = 0, .alloc = 0, .oom = false }
extern char strbuf_empty_[1];

void strbuf_init(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);
/* Empty the buffer, keeping its memory. */
void strbuf_reset(struct strbuf *sb);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, char c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
/* Drop bytes from the end down to `len`. */
void strbuf_truncate(struct strbuf *sb, size_t len);

#endif /* VIGIL_STRBUF_H */
