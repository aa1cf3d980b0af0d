// SPDX-License-Identifier: Apache-2.0
/* Bump allocator; see arena.h. */
#include "common/arena.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_MIN 16384

struct arena_block {
	struct arena_block *next;
	size_t size, used;
	max_align_t data[];
};

void arena_init(struct arena *a)
{
	a->head = NULL;
	a->used = 0;
}

void arena_release(struct arena *a)
{
	struct arena_block *b;

	if (!a)
		return;
	b = a->head;
	while (b) {
		struct arena_block *n = b->next;

		free(b);
		b = n;
	}
	arena_init(a);
}

void *arena_alloc(struct arena *a, size_t size)
{
	const size_t align = sizeof(max_align_t);
	struct arena_block *b = a->head;
	size_t need = (size + align - 1) & ~(align - 1);
	void *p;

	if (!need)
		need = align;
	if (!b || b->size - b->used < need) {
		size_t bsz = need > BLOCK_MIN ? need : BLOCK_MIN;

		b = calloc(1, sizeof(*b) + bsz);
		if (!b) {
			errno = ENOMEM;
			return NULL;
		}
		b->size = bsz;
		b->next = a->head;
		a->head = b;
	}
	p = (char *)b->data + b->used;
	b->used += need;
	a->used += need;
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	if (p)
		memcpy(p, s, n);
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

void *arena_push(struct arena *a, void *arr, size_t n, size_t size)
{
	/* Double at powers of two so that pushes stay amortised O(1). */
	void *p;

	if (n && (n & (n - 1)))
		return arr;
	p = arena_alloc(a, (n ? 2 * n : 1) * size);
	if (p && n)
		memcpy(p, arr, n * size);
	return p;
}
