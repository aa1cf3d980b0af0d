// SPDX-License-Identifier: Apache-2.0
/*
 * The bundled default ruleset, rules/default.yaml, embedded in the binary
 * with the assembler's .incbin: the binary alone is the agent.
 */
#include "rules/bundled.h"

__asm__(".section .rodata\n"
	".global vg_bundled_rules_start\n"
	"vg_bundled_rules_start:\n"
	".incbin \"rules/default.yaml\"\n"
	".global vg_bundled_rules_end\n"
	"vg_bundled_rules_end:\n"
	".byte 0\n"
	".previous\n");

extern const char vg_bundled_rules_start[], vg_bundled_rules_end[];

struct vg_rule_source vg_bundled_rules(void)
{
	return (struct vg_rule_source){ .name = "<bundled>/default.yaml",
					 .text = vg_bundled_rules_start,
					 .len = (size_t)(vg_bundled_rules_end - vg_bundled_rules_start) };
}
