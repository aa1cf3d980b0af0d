/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A ruleset as the fleet stores it: the rule files as the operator wrote
 * them (name and text, in load order) plus the fleet's mode overrides
 * (`vigil fleet promote`), as one JSON value in the KV bucket:
 *
 *   {"format":"vigil-ruleset/1","hash":"<sha256 hex>","pushed_by":"ops-1",
 *    "time":"2026-11-30T10:00:00.000000000Z",
 *    "files":[{"name":"rules/base.yaml","text":"- rule: ..."}],
 *    "overrides":[{"rule":"Read sensitive file","mode":"enforce"}]}
 *
 * Loading a bundle loads the files in order, then the overrides rendered as
 * one more Falco rule file, VG_BUNDLE_OVERRIDES (vg_bundle_overrides_yaml:
 * `- rule: NAME` / `mode: M` / `override: {mode: replace}` per entry), so
 * that the rule files stay the source of truth and every change the fleet
 * makes is a rule item an operator can read, keep beside the files and
 * push again. The hash covers exactly what an agent loads (files and
 * overrides file, names and texts), so two hosts that load the same rules
 * report the same hash.
 *
 * Ownership: the bundle owns every string in it (malloc'd);
 * vg_bundle_release() frees them. Return 0 or a negative errno.
 */
#ifndef VIGIL_FLEET_BUNDLE_H
#define VIGIL_FLEET_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"
#include "rules/diag.h"
#include "rules/ruleset.h"

#define VG_BUNDLE_FORMAT "vigil-ruleset/1"
#define VG_BUNDLE_OVERRIDES "fleet-overrides.yaml"

struct vg_bundle_override {
	char *rule;
	char *mode;
};

struct vg_bundle {
	struct vg_rule_source *files; /* names and texts owned */
	size_t nfiles;
	struct vg_bundle_override *ov;
	size_t nov;
	char *pushed_by;
	int64_t time_ns;
	char hash[65]; /* set by vg_bundle_hash (and checked by decode) */
};

/* Read rule files and directories as vg_ruleset_load would (same order);
 * a file that cannot be read is reported to diag as `path:0:0: cannot
 * read: ...` and gives -EINVAL after all were tried. */
int vg_bundle_read_files(struct vg_bundle *b, const char *const *paths, size_t n,
			 struct vg_diag *diag);

/* Set (or replace) the override of one rule's mode. */
int vg_bundle_set_mode(struct vg_bundle *b, const char *rule, const char *mode);

/* The overrides as a Falco rule file (empty when there are none). */
void vg_bundle_overrides_yaml(const struct vg_bundle *b, struct strbuf *sb);

/* Compile the bundle exactly as `vigil check` compiles files: NULL with
 * every error reported to diag as file:line:col (errno EINVAL), or the
 * ruleset (the caller frees it). */
struct vg_ruleset *vg_bundle_load(const struct vg_bundle *b, struct vg_diag *diag);

/* Compute b->hash from what an agent loads. */
void vg_bundle_hash(struct vg_bundle *b);

struct json_w;
/* The overrides as the member "overrides" of an object being written. */
void vg_bundle_overrides_json(const struct vg_bundle *b, struct json_w *w);

/* The JSON value (hash computed first). */
void vg_bundle_encode(struct vg_bundle *b, struct strbuf *sb);
/* Parse a stored value: -EINVAL (not a bundle, or its hash does not match
 * its content), -ENOMEM. b is empty on failure. */
int vg_bundle_decode(const char *data, size_t len, struct vg_bundle *b);

void vg_bundle_release(struct vg_bundle *b);

#endif /* VIGIL_FLEET_BUNDLE_H */
