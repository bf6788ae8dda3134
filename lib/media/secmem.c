/*
 * secmem.c: the libsodium secure-memory adapter (see secmem.h). With
 * lib/media/minisign.c, the only file that includes sodium.h.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "core/mem.h"
#include "media/secmem.h"

struct al_secret {
	char *p;    /* cap + 1 bytes of guarded memory */
	size_t len; /* p[len] == '\0' */
	size_t cap;
};

al_err al_sodium_init(struct al_diag *d)
{
	/* sodium_init() is idempotent and thread-safe: 0 first time, 1 after. */
	if (sodium_init() < 0)
		return al_diag_set(d, AL_ECRYPTO, "cannot initialise libsodium");
	return AL_OK;
}

void *al_secmem_alloc(size_t n)
{
	if (n == 0 || sodium_init() < 0)
		return NULL;
	return sodium_malloc(n);
}

void al_secmem_free(void *p)
{
	if (p)
		sodium_free(p);
}

void al_secmem_noaccess(void *p)
{
	if (p)
		sodium_mprotect_noaccess(p);
}

void al_secmem_readonly(void *p)
{
	if (p)
		sodium_mprotect_readonly(p);
}

void al_secmem_readwrite(void *p)
{
	if (p)
		sodium_mprotect_readwrite(p);
}

void al_secmem_wipe(void *p, size_t n)
{
	sodium_memzero(p, n);
}

bool al_secmem_equal(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}

/* ---- struct al_secret ---------------------------------------------------- */

al_err al_secret_new(struct al_secret **out, size_t cap, struct al_diag *d)
{
	struct al_secret *s;
	al_err err;

	*out = NULL;
	if ((err = al_sodium_init(d)))
		return err;
	if (cap == 0 || cap > AL_SECRET_MAX)
		return al_diag_set(d, AL_EUSAGE, "a secret holds 1 to %d bytes, not %zu",
		                   AL_SECRET_MAX, cap);
	if (!(s = al_calloc(1, sizeof(*s))))
		return al_oom(d);
	if (!(s->p = sodium_malloc(cap + 1))) {
		al_free(s);
		return al_diag_set(d, AL_ENOMEM, "out of secure memory");
	}
	sodium_memzero(s->p, cap + 1);
	s->cap = cap;
	*out = s;
	return AL_OK;
}

void al_secret_free(struct al_secret *s)
{
	if (!s)
		return;
	sodium_free(s->p); /* wipes */
	al_free(s);
}

char *al_secret_data(struct al_secret *s)
{
	return s->p;
}

const char *al_secret_cstr(const struct al_secret *s)
{
	return s->p;
}

size_t al_secret_len(const struct al_secret *s)
{
	return s->len;
}

size_t al_secret_cap(const struct al_secret *s)
{
	return s->cap;
}

void al_secret_set_len(struct al_secret *s, size_t len)
{
	if (len > s->cap)
		len = s->cap;
	sodium_memzero(s->p + len, s->cap + 1 - len);
	s->len = len;
}

bool al_secret_equal(const struct al_secret *a, const struct al_secret *b)
{
	/* The lengths are not secret enough to hide; the bytes are. */
	return a->len == b->len && sodium_memcmp(a->p, b->p, a->len) == 0;
}

al_err al_secret_read_line(struct al_secret *s, int fd, const char *what, struct al_diag *d)
{
	size_t len = 0;
	bool eol = false;
	char c;

	al_secret_set_len(s, 0);
	/* One byte at a time: nothing beyond the line is consumed (stdin may
	 * carry more), and no copy of the secret is left in a stdio buffer. */
	for (;;) {
		ssize_t n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			al_secret_set_len(s, 0);
			return al_diag_set(d, AL_EIO, "cannot read %s: %s", what, strerror(errno));
		}
		if (n == 0)
			break;
		if (c == '\n') {
			eol = true;
			break;
		}
		if (c == '\0') {
			al_secret_set_len(s, 0);
			return al_diag_set(d, AL_EINVALID, "%s contains a NUL byte", what);
		}
		if (len == s->cap) {
			c = 0;
			al_secret_set_len(s, 0);
			return al_diag_set(d, AL_ELIMIT, "%s is longer than %zu bytes", what,
			                   s->cap);
		}
		s->p[len++] = c;
	}
	c = 0;
	/* As minisign's get_line(): drop one '\r' before the newline. */
	if (len > 0 && s->p[len - 1] == '\r')
		len--;
	al_secret_set_len(s, len);
	if (len == 0 && !eol)
		return al_diag_set(d, AL_EINVALID, "%s is empty", what);
	return AL_OK;
}
