/*
 * lock.h: internals of airlock.lock shared by the resolver, the Hub client,
 * fetch, export and publish. The structures are public (lib/airlock.h).
 */
#ifndef AL_LOCK_H
#define AL_LOCK_H

#include "airlock.h"
#include "core/buf.h"

#define AL_LOCK_MAX ((size_t)64 << 20) /* a lock file larger than this is refused */

void al_lock_dist_release(struct al_lock_dist *x);
void al_lock_target_release(struct al_lock_target *t);
void al_lock_repo_release(struct al_lock_repo *r);
/* Append s as a YAML double-quoted scalar. */
AL_MUST_CHECK al_err al_yaml_quote(struct al_buf *b, const char *s);

#endif
