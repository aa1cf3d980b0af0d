// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: the input is a rules file, loaded from memory through
 * vg_ruleset_load (diagnostics counted, not printed). What loads is
 * evaluated against a few synthetic events, rendered and explained.
 *
 *   make fuzz && mkdir -p build/fuzz/corpus-rules
 *   build/fuzz/fuzz_rules -max_total_time=180 build/fuzz/corpus-rules tests/fuzz/corpus/rules
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_events.h"
#include "rules/ruleset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_rule_source src = { .name = "fuzz.yaml", .text = (const char *)data, .len = size };
	struct vg_diag diag = { .out = NULL };
	struct vg_ruleset *rs;

	fz_setup();
	rs = vg_ruleset_load(NULL, 0, &src, 1, &diag);
	if (rs) {
		if (diag.errors)
			abort(); /* a load with errors must fail */
		fz_exercise(rs);
	} else if (!diag.errors) {
		abort(); /* a failed load says why (memory aside, not expected here) */
	}
	vg_ruleset_free(rs);
	return 0;
}
