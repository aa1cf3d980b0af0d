/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A bump allocator: many small allocations, one free. A loaded ruleset
 * (AST, compiled programs, strings) lives in one arena and is released with
 * one arena_release() (STYLE: "a compiled ruleset lives in one arena").
 * Allocation failure returns NULL with errno ENOMEM; memory is zeroed.
 */
#ifndef VIGIL_ARENA_H
#define VIGIL_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head;
	size_t used; /* bytes handed out, for measurements */
};

void arena_init(struct arena *a);
void arena_release(struct arena *a);
void *arena_alloc(struct arena *a, size_t size);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
/* Make room for element n of an array that grows one element at a time:
 *     arr = arena_push(a, arr, n, sizeof(*arr)); arr[n++] = x;
 * Capacity doubles at powers of two (old storage stays in the arena).
 * NULL with errno ENOMEM on failure. */
void *arena_push(struct arena *a, void *arr, size_t n, size_t size);

#endif /* VIGIL_ARENA_H */
