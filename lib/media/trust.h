/*
 * trust.h: the store's trusted public keys (table trusted_keys) as minisign
 * keys, for verifying media. The public entry points (al_trust_add, _list,
 * _remove) are in airlock.h.
 */
#ifndef AL_TRUST_H
#define AL_TRUST_H

#include <stddef.h>

#include "airlock.h"
#include "media/minisign.h"

/* Every trusted key, parsed, for al_minisign_verify(). A row that does not
 * parse, or whose key id does not match its key, is an error (AL_EDB): the
 * trust list is never silently shortened. */
AL_MUST_CHECK al_err al_trust_load(struct al_store *s, struct al_mpub ***keys, size_t *n, struct al_diag *d);
void al_trust_keys_free(struct al_mpub **keys, size_t n);

#endif
