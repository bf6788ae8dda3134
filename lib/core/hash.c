/*
 * hash.c: SHA-256 and SHA-1 over OpenSSL libcrypto (hash.h): streaming
 * contexts, one-shot digests, hex forms.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "core/hash.h"

al_err al_hash_init(struct al_hash *h, enum al_hash_algo algo, struct al_diag *d)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	h->ctx = NULL;
	h->algo = algo;
	if (!ctx)
		return al_diag_set(d, AL_ENOMEM, "cannot start a hash: out of memory");
	if (EVP_DigestInit_ex(ctx, algo == AL_HASH_SHA1 ? EVP_sha1() : EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		return al_diag_set(d, AL_ECRYPTO, "cannot start a hash");
	}
	h->ctx = ctx;
	return AL_OK;
}

void al_hash_update(struct al_hash *h, const void *p, size_t n)
{
	if (n)
		EVP_DigestUpdate(h->ctx, p, n);
}

void al_hash_final(struct al_hash *h, unsigned char *md)
{
	unsigned int len = 0;

	EVP_DigestFinal_ex(h->ctx, md, &len);
	al_hash_release(h);
}

void al_hash_final_hex(struct al_hash *h, char *hex)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	size_t n = h->algo == AL_HASH_SHA1 ? AL_SHA1_LEN : AL_SHA256_LEN;

	al_hash_final(h, md);
	al_hex_encode(md, n, hex);
}

void al_hash_release(struct al_hash *h)
{
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

void al_hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

bool al_is_hex(const char *s, size_t len)
{
	size_t i;

	if (!s)
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[len] == '\0';
}

void al_sha256_hex(const void *p, size_t n, char hex[AL_SHA256_HEX])
{
	unsigned char md[AL_SHA256_LEN];
	unsigned int len = 0;

	EVP_Digest(p, n, md, &len, EVP_sha256(), NULL);
	al_hex_encode(md, AL_SHA256_LEN, hex);
}

al_err al_sha256_fd(int fd, char hex[AL_SHA256_HEX], unsigned long long *size,
                    struct al_diag *d)
{
	static const size_t chunk = 1 << 20;
	struct al_hash h;
	unsigned char *buf;
	unsigned long long total = 0;
	al_err err;
	ssize_t n;

	if ((err = al_hash_init(&h, AL_HASH_SHA256, d)))
		return err;
	buf = OPENSSL_malloc(chunk);
	if (!buf) {
		al_hash_release(&h);
		return al_oom(d);
	}
	for (;;) {
		n = read(fd, buf, chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = al_diag_set(d, AL_EIO, "read error: %s", strerror(errno));
			al_hash_release(&h);
			goto out;
		}
		if (n == 0)
			break;
		al_hash_update(&h, buf, (size_t)n);
		total += (unsigned long long)n;
	}
	al_hash_final_hex(&h, hex);
	if (size)
		*size = total;
out:
	OPENSSL_free(buf);
	return err;
}

/* Every digest goes through EVP, so OpenSSL picks its fastest code for the
 * CPU: the SHA extensions (x86 SHA-NI, ARMv8 SHA2) when there are some. */
const char *al_sha256_impl(char *buf, size_t n)
{
	const char *cpu = "";
#if defined(__x86_64__) || defined(__i386__)
	unsigned a, b, c, d;
	if (__get_cpuid_count(7, 0, &a, &b, &c, &d))
		cpu = (b >> 29) & 1 ? ", with the CPU's SHA extensions (SHA-NI)"
		                    : ", without SHA extensions on this CPU";
#elif defined(__aarch64__)
	cpu = ", with ARMv8 SHA2 instructions where the CPU has them";
#endif
	snprintf(buf, n, "%s EVP%s", OpenSSL_version(OPENSSL_VERSION), cpu);
	return buf;
}
