/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SHA-256 (FIPS 180-4), for content hashes that must agree across hosts
 * (the fleet's ruleset hash). Streaming: init, update any number of times,
 * final. No allocation; the context is plain data owned by the caller.
 */
#ifndef VIGIL_SHA256_H
#define VIGIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t len; /* bytes hashed so far */
	uint8_t buf[64];
	size_t nbuf;
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t len);
void sha256_final(struct sha256 *c, uint8_t out[32]);
/* The digest as 64 lower-case hex digits and a NUL. */
void sha256_final_hex(struct sha256 *c, char out[65]);

#endif /* VIGIL_SHA256_H */
