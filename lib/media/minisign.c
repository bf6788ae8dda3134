/*
 * minisign.c: minisign-compatible keys and signatures over libsodium (the
 * formats are in minisign.h). With lib/media/secmem.c, the only file that
 * includes sodium.h; libsodium's 0/-1 returns stop here.
 *
 * Secret material (the SeckeyStruct, scrypt output, the base64 text of an
 * unencrypted key, passphrases) only ever sits in guarded memory from
 * secmem.c; the key's region is inaccessible except while it is used.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "core/fsutil.h"
#include "core/mem.h"
#include "media/minisign.h"
#include "media/secmem.h"

/* Offsets in the SeckeyStruct. */
enum {
	SK_SIG_ALG = 0,
	SK_KDF_ALG = 2,
	SK_CHK_ALG = 4,
	SK_SALT = 6,
	SK_OPS = 38,
	SK_MEM = 46,
	SK_KEYNUM = 54,
	SK_SK = 62,
	SK_CHK = 126,
};

struct al_mkey {
	unsigned char *raw; /* AL_MS_KEY_BLOB bytes of guarded memory; no access when idle */
	bool locked;        /* keynum|sk|chk still encrypted */
	char *what;         /* names the key in messages */
};

#define DEFAULT_SIG_COMMENT "signature from minisign secret key"
#define AL_MEDIA_SIGNATURE_NAME "airlock-media.json.minisig"

static uint64_t le64_load(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static void le64_store(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++, v >>= 8)
		p[i] = (unsigned char)v;
}

void al_minisign_keyid(const unsigned char keynum[AL_MS_KEYNUM_BYTES], char out[AL_KEYID_LEN])
{
	snprintf(out, AL_KEYID_LEN, "%016" PRIX64, le64_load(keynum));
}

bool al_minisign_keyid_parse(const char *s, unsigned char keynum[AL_MS_KEYNUM_BYTES])
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 16; i++) {
		char c = s[i];
		unsigned x;
		if (c >= '0' && c <= '9')
			x = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			x = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			x = (unsigned)(c - 'A' + 10);
		else
			return false;
		v = (v << 4) | x;
	}
	if (s[16] != '\0')
		return false;
	le64_store(keynum, v);
	return true;
}

/* ---- text lines ----------------------------------------------------------- */

struct lines {
	const char *p;
	size_t len, pos;
	unsigned lineno; /* of the line last returned */
};

/* The next line without its '\n' and one '\r' before it; false at the end
 * of the input. *nl tells whether a '\n' ended it. */
static bool next_line(struct lines *l, const char **s, size_t *n, bool *nl)
{
	const char *start, *end;

	if (l->pos >= l->len)
		return false;
	start = l->p + l->pos;
	end = memchr(start, '\n', l->len - l->pos);
	*nl = end != NULL;
	if (!end)
		end = l->p + l->len;
	l->pos = (size_t)(end - l->p) + (*nl ? 1 : 0);
	l->lineno++;
	*s = start;
	*n = (size_t)(end - start);
	if (*n > 0 && start[*n - 1] == '\r')
		(*n)--;
	return true;
}

static bool has_prefix(const char *s, size_t n, const char *prefix)
{
	size_t pl = strlen(prefix);
	return n >= pl && memcmp(s, prefix, pl) == 0;
}

/* Only blank lines may follow the last line of a format. */
static al_err expect_end(struct lines *l, const char *what, struct al_diag *d)
{
	const char *s;
	size_t n;
	bool nl;

	while (next_line(l, &s, &n, &nl)) {
		if (n)
			return al_diag_set(d, AL_EPARSE,
			                   "%s: line %u: unexpected text after the %s", what,
			                   l->lineno, l->lineno > 3 ? "signature" : "key");
	}
	return AL_OK;
}

static bool is_b64_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/' || c == '=';
}

/* Decode exactly `want` bytes of padded standard base64 from (s, n) into out. */
static al_err b64_decode(const char *s, size_t n, unsigned char *out, size_t want,
                         const char *what, unsigned line, const char *thing, struct al_diag *d)
{
	size_t enc = sodium_base64_ENCODED_LEN(want, sodium_base64_VARIANT_ORIGINAL) - 1;
	size_t got = 0, i;

	for (i = 0; i < n; i++)
		if (!is_b64_char((unsigned char)s[i]))
			return al_diag_set(d, AL_EPARSE, "%s: line %u: not base64", what, line);
	if (n != enc)
		return al_diag_set(d, AL_EPARSE,
		                   "%s: line %u: not %s (%zu base64 characters, expected %zu)",
		                   what, line, thing, n, enc);
	if (sodium_base642bin(out, want, s, n, NULL, &got, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0)
		return al_diag_set(d, AL_EPARSE, "%s: line %u: not base64", what, line);
	if (got != want)
		return al_diag_set(d, AL_EPARSE, "%s: line %u: not %s (%zu bytes, expected %zu)",
		                   what, line, thing, got, want);
	return AL_OK;
}

/* A comment line's text after its prefix: no NUL (checked by callers), no
 * stray '\r', capped as minisign caps it. */
static al_err comment_line(struct lines *l, const char *s, size_t n, const char *prefix,
                           size_t max_line, char **out, const char *what, struct al_diag *d)
{
	size_t pl = strlen(prefix);

	if (!has_prefix(s, n, prefix))
		return al_diag_set(d, AL_EPARSE, "%s: line %u: expected '%.*s'", what, l->lineno,
		                   (int)(pl - 1), prefix);
	if (n > max_line)
		return al_diag_set(d, AL_ELIMIT, "%s: line %u: longer than %zu bytes", what,
		                   l->lineno, max_line);
	if (memchr(s, '\r', n))
		return al_diag_set(d, AL_EPARSE, "%s: line %u: stray carriage return", what,
		                   l->lineno);
	if (!(*out = al_strndup(s + pl, n - pl)))
		return al_oom(d);
	return AL_OK;
}

static al_err no_nul(const void *buf, size_t len, const char *what, struct al_diag *d)
{
	const char *z = memchr(buf, '\0', len), *p = buf;
	unsigned line = 1;

	if (!z)
		return AL_OK;
	while (p < z)
		line += *p++ == '\n';
	return al_diag_set(d, AL_EPARSE, "%s: line %u: contains a NUL byte", what, line);
}

/* What every key and signature file must be before it is parsed: libsodium
 * ready, small, and text without NUL bytes. */
static al_err file_text_ok(const void *buf, size_t len, const char *what, struct al_diag *d)
{
	al_err err;

	if ((err = al_sodium_init(d)))
		return err;
	if (len > AL_MS_FILE_MAX)
		return al_diag_set(d, AL_ELIMIT, "%s: larger than %d bytes", what, AL_MS_FILE_MAX);
	return no_nul(buf, len, what, d);
}

static al_err missing_line(unsigned line, const char *what, struct al_diag *d)
{
	return al_diag_set(d, AL_EPARSE, "%s: line %u: missing (truncated file?)", what, line);
}

/* ---- trusted comments ------------------------------------------------------ */

const char *al_minisign_comment_check(const char *str, size_t len)
{
	const unsigned char *p = (const unsigned char *)str, *end = p + len;

	if (len > AL_MS_TRUSTED_COMMENT_MAX)
		return "longer than 8173 bytes";
	/* minisign's rule: tab and printable ASCII, and well-formed UTF-8 that
	 * encodes no control character (C0, DEL, C1). */
	while (p < end) {
		unsigned char c = *p++;
		uint32_t cp, min;
		size_t need, i;

		if (c == '\t' || (c >= 0x20 && c <= 0x7e))
			continue;
		if (c < 0x20 || c == 0x7f)
			return "contains a control character";
		if (c >= 0xc2 && c <= 0xdf)
			need = 1, cp = c & 0x1f, min = 0x80;
		else if (c >= 0xe0 && c <= 0xef)
			need = 2, cp = c & 0x0f, min = 0x800;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 3, cp = c & 0x07, min = 0x10000;
		else
			return "is not valid UTF-8";
		if ((size_t)(end - p) < need)
			return "is not valid UTF-8";
		for (i = 0; i < need; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return "is not valid UTF-8";
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return "is not valid UTF-8";
		if (cp <= 0x9f)
			return "contains a control character";
		p += need;
	}
	return NULL;
}

/* ---- public keys ------------------------------------------------------------ */

void al_minisign_pub_free(struct al_mpub *pk)
{
	if (!pk)
		return;
	al_free(pk->comment);
	al_free(pk);
}

static al_err pub_from_blob(struct al_mpub *pk, const unsigned char blob[AL_MS_PUB_BLOB],
                            const char *what, unsigned line, struct al_diag *d)
{
	if (memcmp(blob, AL_MS_SIGALG, 2) != 0)
		return al_diag_set(d, AL_EUNSUPPORTED,
		                   "%s: line %u: unsupported signature algorithm (not Ed25519)",
		                   what, line);
	/* A point of small order (all zero, the identity 0100..00, the other
	 * low-order points) or a non-canonical encoding is no one's key: with
	 * it, signatures could be made without a secret. libsodium's verify
	 * refuses them too; refuse them here, where they would be trusted. */
	if (!crypto_core_ed25519_is_valid_point(blob + 2 + AL_MS_KEYNUM_BYTES))
		return al_diag_set(d, AL_EINVALID, "%s: line %u: not a valid Ed25519 public key "
		                   "(a point of small order, or not a canonical point encoding)",
		                   what, line);
	memcpy(pk->keynum, blob + 2, AL_MS_KEYNUM_BYTES);
	memcpy(pk->pk, blob + 2 + AL_MS_KEYNUM_BYTES, AL_MS_PK_BYTES);
	return AL_OK;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

al_err al_minisign_pub_parse(struct al_mpub **out, const void *buf, size_t len, const char *what,
                             struct al_diag *d)
{
	unsigned char blob[AL_MS_PUB_BLOB];
	struct lines l = { buf, len, 0, 0 };
	struct al_mpub *pk = NULL;
	const char *s, *b = buf;
	size_t n, i, j;
	bool nl;
	al_err err;

	*out = NULL;
	if (len > AL_MS_FILE_MAX)
		return al_diag_set(d, AL_ELIMIT, "%s: larger than %d bytes", what, AL_MS_FILE_MAX);
	if ((err = no_nul(buf, len, what, d)))
		return err;
	if (!(pk = al_calloc(1, sizeof(*pk))))
		return al_oom(d);
	/* A bare key string: one token, perhaps with blank space around it. */
	for (i = 0; i < len && is_space(b[i]); i++) {}
	for (j = len; j > i && is_space(b[j - 1]); j--) {}
	if (i == j) {
		err = al_diag_set(d, AL_EPARSE, "%s: empty", what);
		goto out;
	}
	if (!has_prefix(b + i, j - i, AL_MS_COMMENT_PREFIX)) {
		for (n = i; n < j && !is_space(b[n]); n++) {}
		if (n != j) {
			err = al_diag_set(d, AL_EPARSE, "%s: line 1: expected 'untrusted comment:'",
			                  what);
			goto out;
		}
		if ((err = b64_decode(b + i, j - i, blob, sizeof(blob), what, 1, "a public key",
		                      d)) ||
		    (err = pub_from_blob(pk, blob, what, 1, d)))
			goto out;
		*out = pk;
		return AL_OK;
	}
	/* The file: comment line, key line. */
	if (!next_line(&l, &s, &n, &nl)) {
		err = al_diag_set(d, AL_EPARSE, "%s: empty", what);
		goto out;
	}
	if ((err = comment_line(&l, s, n, AL_MS_COMMENT_PREFIX, AL_MS_COMMENT_LINE_MAX,
	                        &pk->comment, what, d)))
		goto out;
	if (!next_line(&l, &s, &n, &nl)) {
		err = missing_line(2, what, d);
		goto out;
	}
	if ((err = b64_decode(s, n, blob, sizeof(blob), what, 2, "a public key", d)) ||
	    (err = pub_from_blob(pk, blob, what, 2, d)) || (err = expect_end(&l, what, d)))
		goto out;
	*out = pk;
	pk = NULL;
out:
	al_minisign_pub_free(pk);
	return err;
}

al_err al_minisign_pub_read(struct al_mpub **out, const char *path, struct al_diag *d)
{
	struct al_buf b = AL_BUF_INIT, what = AL_BUF_INIT;
	al_err err;

	*out = NULL;
	if ((err = al_buf_addf(&what, "public key file '%s'", path))) {
		err = al_oom(d);
		goto out;
	}
	/* a link to a key file is the operator's choice; a FIFO or a device would hang */
	if ((err = al_read_regular(&b, path, AL_OPEN_FOLLOW, AL_MS_FILE_MAX, d)))
		goto out;
	err = al_minisign_pub_parse(out, b.buf, b.len, what.buf, d);
out:
	al_buf_release(&b);
	al_buf_release(&what);
	return err;
}

void al_minisign_pub_base64(const struct al_mpub *pk, char out[AL_MS_PUB_B64 + 1])
{
	unsigned char blob[AL_MS_PUB_BLOB];

	memcpy(blob, AL_MS_SIGALG, 2);
	memcpy(blob + 2, pk->keynum, AL_MS_KEYNUM_BYTES);
	memcpy(blob + 2 + AL_MS_KEYNUM_BYTES, pk->pk, AL_MS_PK_BYTES);
	sodium_bin2base64(out, AL_MS_PUB_B64 + 1, blob, sizeof(blob),
	                  sodium_base64_VARIANT_ORIGINAL);
}

al_err al_minisign_pub_format(const struct al_mpub *pk, struct al_buf *out, struct al_diag *d)
{
	char id[AL_KEYID_LEN], b64[AL_MS_PUB_B64 + 1];
	al_err err;

	al_minisign_keyid(pk->keynum, id);
	al_minisign_pub_base64(pk, b64);
	if ((err = al_buf_addf(out, AL_MS_COMMENT_PREFIX "minisign public key %s\n%s\n", id, b64)))
		return al_oom(d);
	return AL_OK;
}

/* ---- secret keys ---------------------------------------------------------- */

void al_minisign_key_free(struct al_mkey *k)
{
	if (!k)
		return;
	al_secmem_free(k->raw); /* sodium_free lifts the protection and wipes */
	al_free(k->what);
	al_free(k);
}

static struct al_mkey *key_new(const char *what)
{
	struct al_mkey *k = al_calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	if (!(k->what = al_strdup(what)) || !(k->raw = al_secmem_alloc(AL_MS_KEY_BLOB))) {
		al_minisign_key_free(k);
		return NULL;
	}
	memset(k->raw, 0, AL_MS_KEY_BLOB);
	return k;
}

/* chk = BLAKE2b-256(sig_alg | keynum | sk) of a decrypted SeckeyStruct. */
static void key_checksum(const unsigned char *raw, unsigned char chk[AL_MS_CHK_BYTES])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, AL_MS_CHK_BYTES);
	crypto_generichash_update(&st, raw + SK_SIG_ALG, 2);
	crypto_generichash_update(&st, raw + SK_KEYNUM, AL_MS_KEYNUM_BYTES);
	crypto_generichash_update(&st, raw + SK_SK, AL_MS_SK_BYTES);
	crypto_generichash_final(&st, chk, AL_MS_CHK_BYTES);
	sodium_memzero(&st, sizeof(st));
}

/* An Ed25519 secret key is seed | public key: recompute the pair from the
 * seed and compare, so that a corrupt key is found before it signs. */
static al_err check_pair(const unsigned char *raw, const char *what, struct al_diag *d)
{
	unsigned char *tmp = al_secmem_alloc(AL_MS_PK_BYTES + AL_MS_SK_BYTES);
	bool good;

	if (!tmp)
		return al_diag_set(d, AL_ENOMEM, "out of secure memory");
	crypto_sign_seed_keypair(tmp, tmp + AL_MS_PK_BYTES, raw + SK_SK);
	good = al_secmem_equal(tmp + AL_MS_PK_BYTES, raw + SK_SK, AL_MS_SK_BYTES);
	al_secmem_free(tmp);
	if (!good)
		return al_diag_set(d, AL_EVERIFY,
		                   "%s: corrupt key (its public half does not match)", what);
	return AL_OK;
}

al_err al_minisign_key_parse(struct al_mkey **out, const void *buf, size_t len, const char *what,
                             struct al_diag *d)
{
	static const unsigned char zero[AL_MS_CHK_BYTES];
	struct lines l = { buf, len, 0, 0 };
	struct al_mkey *k = NULL;
	unsigned char chk[AL_MS_CHK_BYTES];
	char *comment = NULL;
	const char *s;
	size_t n;
	bool nl;
	al_err err;

	*out = NULL;
	if ((err = file_text_ok(buf, len, what, d)))
		return err;
	if (!(k = key_new(what)))
		return al_oom(d);
	if (!next_line(&l, &s, &n, &nl)) {
		err = al_diag_set(d, AL_EPARSE, "%s: empty", what);
		goto out;
	}
	if ((err = comment_line(&l, s, n, AL_MS_COMMENT_PREFIX, AL_MS_COMMENT_LINE_MAX, &comment,
	                        what, d)))
		goto out;
	if (!next_line(&l, &s, &n, &nl)) {
		err = missing_line(2, what, d);
		goto out;
	}
	if ((err = b64_decode(s, n, k->raw, AL_MS_KEY_BLOB, what, 2, "a secret key", d)) ||
	    (err = expect_end(&l, what, d)))
		goto out;
	if (memcmp(k->raw + SK_SIG_ALG, AL_MS_SIGALG, 2) != 0) {
		err = al_diag_set(d, AL_EUNSUPPORTED, "%s: unsupported signature algorithm", what);
		goto out;
	}
	if (memcmp(k->raw + SK_CHK_ALG, AL_MS_CHKALG, 2) != 0) {
		err = al_diag_set(d, AL_EUNSUPPORTED, "%s: unsupported checksum algorithm", what);
		goto out;
	}
	if (memcmp(k->raw + SK_KDF_ALG, AL_MS_KDFALG, 2) == 0) {
		uint64_t ops = le64_load(k->raw + SK_OPS), mem = le64_load(k->raw + SK_MEM);
		if (ops > AL_MS_OPSLIMIT_MAX || mem > AL_MS_MEMLIMIT_MAX) {
			err = al_diag_set(d, AL_ELIMIT,
			                  "%s: scrypt parameters too costly (opslimit %" PRIu64
			                  ", memlimit %" PRIu64 ")", what, ops, mem);
			goto out;
		}
		k->locked = true;
	} else if (memcmp(k->raw + SK_KDF_ALG, AL_MS_KDFNONE, 2) == 0) {
		/* minisign leaves chk zero in unencrypted keys; we write it. */
		if (memcmp(k->raw + SK_CHK, zero, sizeof(zero)) != 0) {
			key_checksum(k->raw, chk);
			if (!al_secmem_equal(chk, k->raw + SK_CHK, sizeof(chk))) {
				err = al_diag_set(d, AL_EVERIFY,
				                  "%s: checksum mismatch (corrupt key)", what);
				goto out;
			}
		}
		if ((err = check_pair(k->raw, what, d)))
			goto out;
	} else {
		err = al_diag_set(d, AL_EUNSUPPORTED, "%s: unsupported key derivation function",
		                  what);
		goto out;
	}
	al_secmem_noaccess(k->raw);
	*out = k;
	k = NULL;
out:
	sodium_memzero(chk, sizeof(chk));
	al_free(comment);
	al_minisign_key_free(k);
	return err;
}

al_err al_minisign_key_read(struct al_mkey **out, const char *path, struct al_diag *d)
{
	struct al_buf what = AL_BUF_INIT;
	char *text = NULL;
	size_t len = 0;
	ssize_t r;
	al_err err;
	int fd = -1;

	*out = NULL;
	if ((err = al_buf_addf(&what, "secret key file '%s'", path))) {
		err = al_oom(d);
		goto out;
	}
	/* Read straight into guarded memory: an unencrypted key's text is secret. */
	if (!(text = al_secmem_alloc(AL_MS_FILE_MAX + 1))) {
		err = al_diag_set(d, AL_ENOMEM, "out of secure memory");
		goto out;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		err = al_diag_set(d, errno == ENOENT ? AL_ENOTFOUND : AL_EIO,
		                  "cannot open '%s': %s", path, strerror(errno));
		goto out;
	}
	for (;;) {
		r = read(fd, text + len, AL_MS_FILE_MAX + 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = al_diag_set(d, AL_EIO, "cannot read '%s': %s", path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > AL_MS_FILE_MAX) {
			err = al_diag_set(d, AL_ELIMIT, "%s: larger than %d bytes", what.buf,
			                  AL_MS_FILE_MAX);
			goto out;
		}
	}
	err = al_minisign_key_parse(out, text, len, what.buf, d);
out:
	if (fd >= 0)
		close(fd);
	al_secmem_free(text);
	al_buf_release(&what);
	return err;
}

bool al_minisign_key_locked(const struct al_mkey *k)
{
	return k->locked;
}

al_err al_minisign_key_unlock(struct al_mkey *k, const void *pass, size_t passlen,
                              struct al_diag *d)
{
	unsigned char *stream = NULL, *tmp = NULL, *chk = NULL;
	uint64_t ops, mem;
	al_err err = AL_OK;
	size_t i;

	if (!k->locked)
		return AL_OK;
	if (!(stream = al_secmem_alloc(AL_MS_KEY_SECRET)) ||
	    !(tmp = al_secmem_alloc(AL_MS_KEY_BLOB)) || !(chk = al_secmem_alloc(AL_MS_CHK_BYTES))) {
		err = al_diag_set(d, AL_ENOMEM, "out of secure memory");
		goto out;
	}
	al_secmem_readonly(k->raw);
	memcpy(tmp, k->raw, AL_MS_KEY_BLOB);
	al_secmem_noaccess(k->raw);
	ops = le64_load(tmp + SK_OPS);
	mem = le64_load(tmp + SK_MEM);
	if (crypto_pwhash_scryptsalsa208sha256(stream, AL_MS_KEY_SECRET, pass, passlen,
	                                       tmp + SK_SALT, ops, (size_t)mem) != 0) {
		err = al_diag_set(d, AL_ECRYPTO,
		                  "%s: key derivation failed (opslimit %" PRIu64
		                  ", memlimit %" PRIu64 "): out of memory?",
		                  k->what, ops, mem);
		goto out;
	}
	for (i = 0; i < AL_MS_KEY_SECRET; i++)
		tmp[SK_KEYNUM + i] ^= stream[i];
	key_checksum(tmp, chk);
	if (!al_secmem_equal(chk, tmp + SK_CHK, AL_MS_CHK_BYTES)) {
		err = al_diag_set(d, AL_EVERIFY, "%s: wrong passphrase (checksum mismatch)",
		                  k->what);
		goto out;
	}
	if ((err = check_pair(tmp, k->what, d)))
		goto out;
	al_secmem_readwrite(k->raw);
	memcpy(k->raw, tmp, AL_MS_KEY_BLOB);
	al_secmem_noaccess(k->raw);
	k->locked = false;
out:
	al_secmem_free(stream);
	al_secmem_free(tmp);
	al_secmem_free(chk);
	return err;
}

al_err al_minisign_keygen(struct al_mkey **sk, struct al_mpub **pk, struct al_diag *d)
{
	struct al_mkey *k = NULL;
	struct al_mpub *p = NULL;
	al_err err;

	*sk = NULL;
	*pk = NULL;
	if ((err = al_sodium_init(d)))
		return err;
	if (!(k = key_new("new secret key")) || !(p = al_calloc(1, sizeof(*p)))) {
		al_minisign_key_free(k);
		return al_oom(d);
	}
	memcpy(k->raw + SK_SIG_ALG, AL_MS_SIGALG, 2);
	memcpy(k->raw + SK_KDF_ALG, AL_MS_KDFNONE, 2);
	memcpy(k->raw + SK_CHK_ALG, AL_MS_CHKALG, 2);
	randombytes_buf(k->raw + SK_KEYNUM, AL_MS_KEYNUM_BYTES);
	crypto_sign_keypair(p->pk, k->raw + SK_SK);
	memcpy(p->keynum, k->raw + SK_KEYNUM, AL_MS_KEYNUM_BYTES);
	key_checksum(k->raw, k->raw + SK_CHK);
	al_secmem_noaccess(k->raw);
	*sk = k;
	*pk = p;
	return AL_OK;
}

al_err al_minisign_key_public(const struct al_mkey *k, struct al_mpub **out, struct al_diag *d)
{
	struct al_mpub *p;

	*out = NULL;
	if (k->locked)
		return al_diag_set(d, AL_EUSAGE, "%s is locked: a passphrase is needed", k->what);
	if (!(p = al_calloc(1, sizeof(*p))))
		return al_oom(d);
	al_secmem_readonly(k->raw);
	memcpy(p->keynum, k->raw + SK_KEYNUM, AL_MS_KEYNUM_BYTES);
	memcpy(p->pk, k->raw + SK_SK + 32, AL_MS_PK_BYTES);
	al_secmem_noaccess(k->raw);
	*out = p;
	return AL_OK;
}

/* ---- writing files ---------------------------------------------------------- */

/* Write head then body (which may be guarded memory) to path with mode:
 * O_EXCL|O_NOFOLLOW, or with AL_MS_WRITE_FORCE a temporary file renamed
 * over path. Nothing is left behind on failure. */
static al_err write_new_file(const char *path, mode_t mode, unsigned flags, const char *head,
                             const void *body, size_t body_len, struct al_diag *d)
{
	struct al_buf tmp = AL_BUF_INIT, dir = AL_BUF_INIT;
	const char *target = path, *slash;
	bool created = false;
	al_err err = AL_OK;
	int fd = -1;

	if (flags & AL_MS_WRITE_FORCE) {
		if ((err = al_buf_addf(&tmp, "%s.tmp-XXXXXX", path))) {
			err = al_oom(d);
			goto out;
		}
		target = tmp.buf;
		fd = mkostemp(tmp.buf, O_CLOEXEC); /* mode 0600 */
		if (fd >= 0 && fchmod(fd, mode) < 0) {
			err = al_diag_set(d, AL_EIO, "cannot set the mode of '%s': %s", target,
			                  strerror(errno));
			created = true;
			goto out;
		}
	} else {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	}
	if (fd < 0) {
		if (errno == EEXIST)
			err = al_diag_set(d, AL_EINVALID, "refusing to overwrite '%s': it exists",
			                  path);
		else
			err = al_diag_set(d, AL_EIO, "cannot create '%s': %s", target,
			                  strerror(errno));
		goto out;
	}
	created = true;
	if ((err = al_write_all(fd, head, strlen(head), target, d)) ||
	    (err = al_write_all(fd, body, body_len, target, d)) ||
	    (err = al_fsync_close(&fd, target, d)))
		goto out;
	if (flags & AL_MS_WRITE_FORCE) {
		if (rename(tmp.buf, path) < 0) {
			err = al_diag_set(d, AL_EIO, "cannot rename '%s' to '%s': %s", tmp.buf,
			                  path, strerror(errno));
			goto out;
		}
		created = false;
	}
	slash = strrchr(path, '/');
	if (!slash)
		err = al_buf_addstr(&dir, ".");
	else
		err = al_buf_add(&dir, path, slash == path ? 1 : (size_t)(slash - path));
	if (err) {
		err = al_oom(d);
		goto out;
	}
	err = al_fsync_dir(dir.buf, d);
out:
	if (fd >= 0)
		close(fd);
	if (err && created)
		unlink(target);
	al_buf_release(&tmp);
	al_buf_release(&dir);
	return err;
}

/* scrypt into stream, halving the cost while memory is short, as minisign's
 * encrypt_key does. kdf receives what was used. */
static al_err derive(unsigned char *stream, const void *pass, size_t passlen,
                     const unsigned char *salt, struct al_mkdf *kdf, bool halve,
                     struct al_diag *d)
{
	while (crypto_pwhash_scryptsalsa208sha256(stream, AL_MS_KEY_SECRET, pass, passlen, salt,
	                                          kdf->opslimit, (size_t)kdf->memlimit) != 0) {
		if (!halve || kdf->opslimit / 2 < crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_MIN ||
		    kdf->memlimit / 2 < crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_MIN)
			return al_diag_set(d, AL_ECRYPTO,
			                   "key derivation failed (memlimit %" PRIu64
			                   "): out of memory?",
			                   kdf->memlimit);
		kdf->opslimit /= 2;
		kdf->memlimit /= 2;
	}
	return AL_OK;
}

al_err al_minisign_key_write(const struct al_mkey *k, const char *path, const void *pass,
                             size_t passlen, const struct al_mkdf *kdf, unsigned flags,
                             struct al_diag *d)
{
	static const struct al_mkdf sensitive = AL_MKDF_SENSITIVE;
	size_t b64len = sodium_base64_ENCODED_LEN(AL_MS_KEY_BLOB, sodium_base64_VARIANT_ORIGINAL);
	unsigned char *raw = NULL, *stream = NULL;
	struct al_mkdf used = kdf ? *kdf : sensitive;
	char *text = NULL;
	al_err err;
	size_t i;

	if (k->locked)
		return al_diag_set(d, AL_EUSAGE, "%s is locked: a passphrase is needed", k->what);
	if (!(raw = al_secmem_alloc(AL_MS_KEY_BLOB)) ||
	    !(stream = al_secmem_alloc(AL_MS_KEY_SECRET)) ||
	    !(text = al_secmem_alloc(b64len + 1))) {
		err = al_diag_set(d, AL_ENOMEM, "out of secure memory");
		goto out;
	}
	al_secmem_readonly(k->raw);
	memcpy(raw, k->raw, AL_MS_KEY_BLOB);
	al_secmem_noaccess(k->raw);
	memset(raw + SK_SALT, 0, SK_KEYNUM - SK_SALT);
	key_checksum(raw, raw + SK_CHK);
	if (pass) {
		memcpy(raw + SK_KDF_ALG, AL_MS_KDFALG, 2);
		randombytes_buf(raw + SK_SALT, AL_MS_SALT_BYTES);
		if ((err = derive(stream, pass, passlen, raw + SK_SALT, &used, kdf == NULL, d)))
			goto out;
		le64_store(raw + SK_OPS, used.opslimit);
		le64_store(raw + SK_MEM, used.memlimit);
		for (i = 0; i < AL_MS_KEY_SECRET; i++)
			raw[SK_KEYNUM + i] ^= stream[i];
	} else {
		memcpy(raw + SK_KDF_ALG, AL_MS_KDFNONE, 2);
	}
	sodium_bin2base64(text, b64len, raw, AL_MS_KEY_BLOB, sodium_base64_VARIANT_ORIGINAL);
	text[b64len - 1] = '\n';
	err = write_new_file(path, 0600, flags,
	                     pass ? AL_MS_COMMENT_PREFIX "minisign encrypted secret key\n"
	                          : AL_MS_COMMENT_PREFIX "minisign unencrypted secret key\n",
	                     text, b64len, d);
out:
	al_secmem_free(raw);
	al_secmem_free(stream);
	al_secmem_free(text);
	return err;
}

al_err al_minisign_pub_write(const struct al_mpub *pk, const char *path, unsigned flags,
                             struct al_diag *d)
{
	struct al_buf text = AL_BUF_INIT;
	al_err err;

	if (!(err = al_minisign_pub_format(pk, &text, d)))
		err = write_new_file(path, 0644, flags, "", text.buf, text.len, d);
	al_buf_release(&text);
	return err;
}

/* ---- signing ------------------------------------------------------------------- */

static al_err sign_hash(const struct al_mkey *k, const unsigned char h[AL_MS_HASH_BYTES],
                        const char *tc, const char *uc, struct al_buf *out, struct al_diag *d)
{
	unsigned char blob[AL_MS_SIG_BLOB], gsig[AL_MS_SIG_BYTES], pk[AL_MS_PK_BYTES];
	char b64[sodium_base64_ENCODED_LEN(AL_MS_SIG_BLOB, sodium_base64_VARIANT_ORIGINAL)];
	char gb64[sodium_base64_ENCODED_LEN(AL_MS_SIG_BYTES, sodium_base64_VARIANT_ORIGINAL)];
	size_t tclen = strlen(tc);
	unsigned char *m2 = NULL;
	const char *why;
	al_err err;
	int rc;

	if (k->locked)
		return al_diag_set(d, AL_EUSAGE, "%s is locked: a passphrase is needed", k->what);
	if ((why = al_minisign_comment_check(tc, tclen)))
		return al_diag_set(d, AL_EINVALID, "trusted comment %s", why);
	if (!uc)
		uc = DEFAULT_SIG_COMMENT;
	if (strlen(uc) > AL_MS_COMMENT_MAX || strpbrk(uc, "\r\n"))
		return al_diag_set(d, AL_EINVALID,
		                   "untrusted comment must be one line of at most %zu bytes",
		                   AL_MS_COMMENT_MAX);
	if (!(m2 = al_malloc(AL_MS_SIG_BYTES + tclen + 1)))
		return al_oom(d);
	memcpy(blob, AL_MS_SIGALG_HASHED, 2);
	al_secmem_readonly(k->raw);
	memcpy(blob + 2, k->raw + SK_KEYNUM, AL_MS_KEYNUM_BYTES);
	memcpy(pk, k->raw + SK_SK + 32, AL_MS_PK_BYTES);
	rc = crypto_sign_detached(blob + 10, NULL, h, AL_MS_HASH_BYTES, k->raw + SK_SK);
	memcpy(m2, blob + 10, AL_MS_SIG_BYTES);
	memcpy(m2 + AL_MS_SIG_BYTES, tc, tclen);
	rc |= crypto_sign_detached(gsig, NULL, m2, AL_MS_SIG_BYTES + tclen, k->raw + SK_SK);
	al_secmem_noaccess(k->raw);
	/* As minisign does: check the result with the public key before
	 * handing it out (a fault must not produce a bad signature). */
	if (rc != 0 || crypto_sign_verify_detached(blob + 10, h, AL_MS_HASH_BYTES, pk) != 0 ||
	    crypto_sign_verify_detached(gsig, m2, AL_MS_SIG_BYTES + tclen, pk) != 0) {
		err = al_diag_set(d, AL_ECRYPTO, "signing with %s failed", k->what);
		goto out;
	}
	sodium_bin2base64(b64, sizeof(b64), blob, sizeof(blob), sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(gb64, sizeof(gb64), gsig, sizeof(gsig), sodium_base64_VARIANT_ORIGINAL);
	if ((err = al_buf_addf(out, "%s%s\n%s\n%s%s\n%s\n", AL_MS_COMMENT_PREFIX, uc, b64,
	                       AL_MS_TRUSTED_PREFIX, tc, gb64)))
		err = al_oom(d);
out:
	al_free(m2);
	return err;
}

al_err al_minisign_sign(const struct al_mkey *sk, const void *msg, size_t len,
                        const char *trusted_comment, const char *untrusted_comment,
                        struct al_buf *sig_out, struct al_diag *d)
{
	unsigned char h[AL_MS_HASH_BYTES];

	crypto_generichash(h, sizeof(h), msg, len, NULL, 0);
	return sign_hash(sk, h, trusted_comment, untrusted_comment, sig_out, d);
}

/* BLAKE2b-512 of fd to its end, as minisign's message_load_hashed. */
static al_err hash_fd(int fd, unsigned char h[AL_MS_HASH_BYTES], struct al_diag *d)
{
	crypto_generichash_state st;
	unsigned char *chunk;
	ssize_t n;

	if (!(chunk = al_malloc(65536)))
		return al_oom(d);
	crypto_generichash_init(&st, NULL, 0, AL_MS_HASH_BYTES);
	for (;;) {
		n = read(fd, chunk, 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			al_free(chunk);
			return al_diag_set(d, AL_EIO, "cannot read the message: %s", strerror(e));
		}
		if (n == 0)
			break;
		crypto_generichash_update(&st, chunk, (size_t)n);
	}
	al_free(chunk);
	crypto_generichash_final(&st, h, AL_MS_HASH_BYTES);
	return AL_OK;
}

al_err al_minisign_sign_fd(const struct al_mkey *sk, int fd, const char *trusted_comment,
                           const char *untrusted_comment, struct al_buf *sig_out,
                           struct al_diag *d)
{
	unsigned char h[AL_MS_HASH_BYTES];
	al_err err;

	if ((err = hash_fd(fd, h, d)))
		return err;
	return sign_hash(sk, h, trusted_comment, untrusted_comment, sig_out, d);
}

/* ---- signature files and verification --------------------------------------------- */

void al_minisign_sig_free(struct al_msig *sig)
{
	if (!sig)
		return;
	al_free(sig->untrusted_comment);
	al_free(sig->trusted_comment);
	al_free(sig);
}

al_err al_minisign_sig_parse(struct al_msig **out, const void *buf, size_t len, const char *what,
                             struct al_diag *d)
{
	struct lines l = { buf, len, 0, 0 };
	unsigned char blob[AL_MS_SIG_BLOB];
	struct al_msig *sig = NULL;
	const char *s, *why;
	size_t n;
	bool nl;
	al_err err;

	*out = NULL;
	if ((err = file_text_ok(buf, len, what, d)))
		return err;
	if (!(sig = al_calloc(1, sizeof(*sig))))
		return al_oom(d);
	if (!next_line(&l, &s, &n, &nl)) {
		err = al_diag_set(d, AL_EPARSE, "%s: empty", what);
		goto out;
	}
	if ((err = comment_line(&l, s, n, AL_MS_COMMENT_PREFIX, AL_MS_COMMENT_LINE_MAX,
	                        &sig->untrusted_comment, what, d)))
		goto out;
	if (!next_line(&l, &s, &n, &nl)) {
		err = missing_line(2, what, d);
		goto out;
	}
	if ((err = b64_decode(s, n, blob, sizeof(blob), what, 2, "a signature", d)))
		goto out;
	if (memcmp(blob, AL_MS_SIGALG_HASHED, 2) != 0 && memcmp(blob, AL_MS_SIGALG, 2) != 0) {
		err = al_diag_set(d, AL_EUNSUPPORTED, "%s: line 2: unsupported signature algorithm",
		                  what);
		goto out;
	}
	memcpy(sig->alg, blob, 2);
	memcpy(sig->keynum, blob + 2, AL_MS_KEYNUM_BYTES);
	memcpy(sig->sig, blob + 2 + AL_MS_KEYNUM_BYTES, AL_MS_SIG_BYTES);
	if (!next_line(&l, &s, &n, &nl)) {
		err = missing_line(3, what, d);
		goto out;
	}
	if ((err = comment_line(&l, s, n, AL_MS_TRUSTED_PREFIX,
	                        AL_MS_TRUSTED_COMMENT_MAX + sizeof(AL_MS_TRUSTED_PREFIX) - 1,
	                        &sig->trusted_comment, what, d)))
		goto out;
	sig->trusted_comment_len = n - (sizeof(AL_MS_TRUSTED_PREFIX) - 1);
	if ((why = al_minisign_comment_check(sig->trusted_comment, sig->trusted_comment_len))) {
		err = al_diag_set(d, AL_EPARSE, "%s: line 3: trusted comment %s", what, why);
		goto out;
	}
	if (!next_line(&l, &s, &n, &nl)) {
		err = missing_line(4, what, d);
		goto out;
	}
	if ((err = b64_decode(s, n, sig->global_sig, AL_MS_SIG_BYTES, what, 4, "a signature", d)) ||
	    (err = expect_end(&l, what, d)))
		goto out;
	*out = sig;
	sig = NULL;
out:
	al_minisign_sig_free(sig);
	return err;
}

void al_minisign_verified_release(struct al_mverified *v)
{
	if (!v)
		return;
	al_free(v->trusted_comment);
	memset(v, 0, sizeof(*v));
}

static al_err find_key(const struct al_mpub *const *keys, size_t n, const struct al_msig *sig,
                       const struct al_mpub **found, const char *what, struct al_diag *d)
{
	char id[AL_KEYID_LEN], want[AL_KEYID_LEN];
	size_t i;

	for (i = 0; i < n; i++) {
		if (keys[i] && memcmp(keys[i]->keynum, sig->keynum, AL_MS_KEYNUM_BYTES) == 0) {
			*found = keys[i];
			return AL_OK;
		}
	}
	al_minisign_keyid(sig->keynum, id);
	if (n == 1 && keys[0]) {
		al_minisign_keyid(keys[0]->keynum, want);
		return al_diag_set(d, AL_EREFUSED, "%s: signed by key %s, but the public key is %s",
		                   what, id, want);
	}
	return al_diag_set(d, AL_EREFUSED, "%s: signed by key %s, which is not trusted%s", what, id,
	                   n == 0 ? " (no key is trusted)" : "");
}

/* Check both signatures; msg is the BLAKE2b-512 for "ED", the message for "Ed". */
static al_err check(const struct al_mpub *const *keys, size_t nkeys, const struct al_msig *sig,
                    const unsigned char *msg, size_t len, const char *what,
                    struct al_mverified *out, struct al_diag *d)
{
	const struct al_mpub *key = NULL;
	unsigned char *m2 = NULL;
	al_err err;

	if ((err = find_key(keys, nkeys, sig, &key, what, d)))
		return err;
	if (crypto_sign_verify_detached(sig->sig, msg, len, key->pk) != 0)
		return al_diag_set(d, AL_EVERIFY, "%s: signature verification failed", what);
	if (!(m2 = al_malloc(AL_MS_SIG_BYTES + sig->trusted_comment_len + 1)))
		return al_oom(d);
	memcpy(m2, sig->sig, AL_MS_SIG_BYTES);
	memcpy(m2 + AL_MS_SIG_BYTES, sig->trusted_comment, sig->trusted_comment_len);
	if (crypto_sign_verify_detached(sig->global_sig, m2,
	                                AL_MS_SIG_BYTES + sig->trusted_comment_len, key->pk) != 0) {
		err = al_diag_set(d, AL_EVERIFY,
		                  "%s: trusted comment signature verification failed", what);
		goto out;
	}
	if (out) {
		memset(out, 0, sizeof(*out));
		if (!(out->trusted_comment = al_strdup(sig->trusted_comment))) {
			err = al_oom(d);
			goto out;
		}
		al_minisign_keyid(key->keynum, out->key_id);
		out->legacy = memcmp(sig->alg, AL_MS_SIGALG, 2) == 0;
	}
out:
	al_free(m2);
	return err;
}

al_err al_minisign_verify(const struct al_mpub *const *keys, size_t n, const void *msg,
                          size_t len, const void *sigtext, size_t siglen, const char *what,
                          struct al_mverified *out, struct al_diag *d)
{
	unsigned char h[AL_MS_HASH_BYTES];
	struct al_msig *sig = NULL;
	al_err err;

	if ((err = al_minisign_sig_parse(&sig, sigtext, siglen, what, d)))
		return err;
	if (memcmp(sig->alg, AL_MS_SIGALG_HASHED, 2) == 0) {
		crypto_generichash(h, sizeof(h), msg, len, NULL, 0);
		err = check(keys, n, sig, h, sizeof(h), what, out, d);
	} else {
		err = check(keys, n, sig, msg, len, what, out, d);
	}
	al_minisign_sig_free(sig);
	return err;
}

al_err al_minisign_verify_fd(const struct al_mpub *const *keys, size_t n, int fd,
                             const void *sigtext, size_t siglen, const char *what,
                             struct al_mverified *out, struct al_diag *d)
{
	unsigned char h[AL_MS_HASH_BYTES];
	struct al_buf msg = AL_BUF_INIT;
	struct al_msig *sig = NULL;
	const struct al_mpub *key;
	al_err err;
	char chunk[65536];
	ssize_t r;

	if ((err = al_minisign_sig_parse(&sig, sigtext, siglen, what, d)))
		return err;
	/* Refuse an unknown key before reading a byte of the message. */
	if ((err = find_key(keys, n, sig, &key, what, d)))
		goto out;
	if (memcmp(sig->alg, AL_MS_SIGALG_HASHED, 2) == 0) {
		if (!(err = hash_fd(fd, h, d)))
			err = check(keys, n, sig, h, sizeof(h), what, out, d);
		goto out;
	}
	for (;;) {
		r = read(fd, chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = al_diag_set(d, AL_EIO, "cannot read the message: %s",
			                  strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		if (msg.len + (size_t)r > AL_MS_LEGACY_MAX) {
			err = al_diag_set(
			        d, AL_ELIMIT,
			        "%s: a legacy (non-prehashed) signature over more than %zu "
			        "bytes",
			        what, AL_MS_LEGACY_MAX);
			goto out;
		}
		if ((err = al_buf_add(&msg, chunk, (size_t)r))) {
			err = al_oom(d);
			goto out;
		}
	}
	err = check(keys, n, sig, (const unsigned char *)msg.buf, msg.len, what, out, d);
out:
	al_buf_release(&msg);
	al_minisign_sig_free(sig);
	return err;
}

/* ---- media callbacks ------------------------------------------------------------ */

al_err al_minisign_key_keyid(const struct al_mkey *k, char out[AL_KEYID_LEN], struct al_diag *d)
{
	if (k->locked)
		return al_diag_set(d, AL_EUSAGE, "%s is locked: a passphrase is needed", k->what);
	al_secmem_readonly(k->raw);
	al_minisign_keyid(k->raw + SK_KEYNUM, out);
	al_secmem_noaccess(k->raw);
	return AL_OK;
}

al_err al_minisign_signer_sign(void *ctx, const void *msg, size_t len,
                               const char *trusted_comment, struct al_buf *sig_out,
                               struct al_diag *d)
{
	return al_minisign_sign(ctx, msg, len, trusted_comment, NULL, sig_out, d);
}

al_err al_minisign_verifier_verify(void *ctx, const void *msg, size_t len, const char *sig,
                                   size_t siglen, char **trusted_comment, char *key_id,
                                   struct al_diag *d)
{
	const struct al_mkeyring *ring = ctx;
	struct al_mverified v = { { 0 }, NULL, false };
	al_err err;

	*trusted_comment = NULL;
	if ((err = al_minisign_verify(ring->keys, ring->n, msg, len, sig, siglen,
	                              AL_MEDIA_SIGNATURE_NAME, &v, d)))
		return err;
	*trusted_comment = v.trusted_comment;
	memcpy(key_id, v.key_id, AL_KEYID_LEN);
	return AL_OK;
}

/* ---- al_keygen (airlock.h) ---------------------------------------------------- */

al_err al_keygen(const char *name, const struct al_secret *pass, unsigned flags,
                 char key_id[AL_KEYID_LEN], struct al_diag *d)
{
	static const struct al_mkdf interactive = AL_MKDF_INTERACTIVE;
	struct al_buf skpath = AL_BUF_INIT, pkpath = AL_BUF_INIT;
	struct al_mkey *sk = NULL;
	struct al_mpub *pk = NULL;
	unsigned wflags = flags & AL_KEYGEN_FORCE ? AL_MS_WRITE_FORCE : 0;
	bool encrypt = !(flags & AL_KEYGEN_UNENCRYPTED);
	struct stat st;
	al_err err;

	if (encrypt && (!pass || al_secret_len(pass) == 0))
		return al_diag_set(d, AL_EUSAGE,
		                   "an empty passphrase (use -W for an unencrypted key)");
	if ((err = al_buf_addf(&skpath, "%s.key", name)) ||
	    (err = al_buf_addf(&pkpath, "%s.pub", name))) {
		err = al_oom(d);
		goto out;
	}
	/* Check both before the (slow) key derivation; O_EXCL decides in the end. */
	if (!wflags && (lstat(skpath.buf, &st) == 0 || lstat(pkpath.buf, &st) == 0)) {
		err = al_diag_set(d, AL_EINVALID, "refusing to overwrite '%s': it exists "
		                  "(-f replaces the key pair)",
		                  lstat(skpath.buf, &st) == 0 ? skpath.buf : pkpath.buf);
		goto out;
	}
	if ((err = al_minisign_keygen(&sk, &pk, d)))
		goto out;
	if ((err = al_minisign_key_write(sk, skpath.buf, encrypt ? al_secret_cstr(pass) : NULL,
	                                 encrypt ? al_secret_len(pass) : 0,
	                                 flags & AL_KEYGEN_KDF_INTERACTIVE ? &interactive : NULL,
	                                 wflags, d)))
		goto out;
	if ((err = al_minisign_pub_write(pk, pkpath.buf, wflags, d))) {
		if (!wflags)
			unlink(skpath.buf); /* we created it just now */
		goto out;
	}
	if (key_id)
		al_minisign_keyid(pk->keynum, key_id);
out:
	al_minisign_key_free(sk);
	al_minisign_pub_free(pk);
	al_buf_release(&skpath);
	al_buf_release(&pkpath);
	return err;
}
