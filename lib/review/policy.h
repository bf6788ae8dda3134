/*
 * policy.h: the part of lib/review/policy.c the unit test drives on its own:
 * an SPDX licence expression against policy.licenses. The policy itself is
 * al_policy_check (lib/airlock.h); docs/reference/manifest.md has the rules.
 */
#ifndef AL_POLICY_H
#define AL_POLICY_H

#include "airlock.h"

struct al_buf;

/* expr (hostile text) against p's licence lists: *verdict 1 passes, 0
 * fails (why gets the ids that make it fail: "GPL-3.0-only is denied",
 * "X is not allowed"), -1 not an SPDX expression. OR passes when one side
 * does, AND when both do, "X WITH E" is judged as X; ids and operators are
 * compared without case. AL_ENOMEM or AL_OK. */
AL_MUST_CHECK al_err al_policy_license_expr(const struct al_policy *p, const char *expr, int *verdict,
                                            struct al_buf *why);

#endif
