/*
 * secmem.h: secrets (passphrases, secret keys) in libsodium's guarded
 * memory. The bytes live in a sodium_malloc() region with guard pages,
 * locked against swapping where the system allows, wiped with
 * sodium_memzero() before they are released, and compared in constant time.
 *
 * The public half of this interface (struct al_secret) is in airlock.h,
 * because cmd/ reads passphrases into it. This header adds what other lib/
 * modules need: raw guarded allocations and the library initialisation.
 */
#ifndef AL_SECMEM_H
#define AL_SECMEM_H

#include <stddef.h>

#include "airlock.h"

/* Initialise libsodium (idempotent, thread-safe). AL_ECRYPTO on failure. */
AL_MUST_CHECK al_err al_sodium_init(struct al_diag *d);

/* A guarded allocation of n bytes (n > 0); NULL when out of memory. The
 * memory is readable and writable until al_secmem_noaccess(). */
void *al_secmem_alloc(size_t n);
/* Wipe and release (sodium_free wipes); NULL-safe. */
void al_secmem_free(void *p);
/* Change the protection of a whole al_secmem_alloc() region. */
void al_secmem_noaccess(void *p);
void al_secmem_readonly(void *p);
void al_secmem_readwrite(void *p);
void al_secmem_wipe(void *p, size_t n);
/* Constant-time equality of n bytes. */
bool al_secmem_equal(const void *a, const void *b, size_t n);

#endif
