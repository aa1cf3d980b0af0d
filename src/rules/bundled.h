/* SPDX-License-Identifier: Apache-2.0 */
/* The default ruleset compiled into the binary (rules/default.yaml). */
#ifndef VIGIL_BUNDLED_H
#define VIGIL_BUNDLED_H

#include "rules/ruleset.h"

struct vg_rule_source vg_bundled_rules(void);

#endif /* VIGIL_BUNDLED_H */
