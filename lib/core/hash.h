/*
 * hash.h: SHA-256 and SHA-1 through OpenSSL's EVP interface (SHA-NI where the
 * CPU has it). The only file that talks to libcrypto.
 */
#ifndef AL_HASH_H
#define AL_HASH_H

#include <stdbool.h>
#include <stddef.h>

#include "airlock.h"

#define AL_SHA256_LEN 32
#define AL_SHA256_HEX 65 /* with the NUL */
#define AL_SHA1_LEN 20
#define AL_SHA1_HEX 41

enum al_hash_algo { AL_HASH_SHA256, AL_HASH_SHA1 };

struct al_hash {
	void *ctx; /* EVP_MD_CTX */
	enum al_hash_algo algo;
};

AL_MUST_CHECK al_err al_hash_init(struct al_hash *h, enum al_hash_algo algo, struct al_diag *d);
void al_hash_update(struct al_hash *h, const void *p, size_t n);
/* Writes the lowercase hex digest (65 or 41 bytes with the NUL) and frees. */
void al_hash_final_hex(struct al_hash *h, char *hex);
void al_hash_final(struct al_hash *h, unsigned char *md);
void al_hash_release(struct al_hash *h);

/* One-shot helpers. */
void al_sha256_hex(const void *p, size_t n, char hex[AL_SHA256_HEX]);
AL_MUST_CHECK al_err al_sha256_fd(int fd, char hex[AL_SHA256_HEX], unsigned long long *size,
                    struct al_diag *d);

void al_hex_encode(const unsigned char *in, size_t n, char *out);
/* Is s exactly `len` lowercase hex digits? */
bool al_is_hex(const char *s, size_t len);

#endif
