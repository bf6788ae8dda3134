/*
 * minisign.h: minisign's key and signature files, read and written with
 * libsodium alone, byte for byte as minisign 0.11/0.12 does (so that keys
 * and signatures move freely between airlock and stock minisign). All the
 * on-disk formats are defined here; every parser takes (buf, len) and
 * treats the bytes as hostile. See docs/reference/keys.md.
 *
 * Text files are lines ending in '\n' (a '\r' before it is dropped);
 * base64 is the standard alphabet with padding, one value per line.
 *
 * Public key file (2 lines), or the bare base64 string of line 2:
 *     untrusted comment: minisign public key <KEYID>
 *     base64( "Ed" | keynum[8] | pk[32] )                          42 bytes
 *
 * Secret key file (2 lines):
 *     untrusted comment: minisign encrypted secret key
 *     base64( SeckeyStruct )                                      158 bytes
 *   off len
 *     0   2  sig_alg  "Ed"
 *     2   2  kdf_alg  "Sc" (scrypt) or "\0\0" (unencrypted, minisign -W)
 *     4   2  chk_alg  "B2" (BLAKE2b)
 *     6  32  kdf_salt
 *    38   8  kdf_opslimit, little-endian
 *    46   8  kdf_memlimit, little-endian
 *    54   8  keynum    \  these 104 bytes are XORed with
 *    62  64  sk         > scrypt(passphrase, salt, opslimit, memlimit)
 *   126  32  chk       /  when kdf_alg is "Sc"
 *   chk = BLAKE2b-256(sig_alg | keynum | sk); minisign leaves it zero in
 *   unencrypted keys and checks it only when decrypting.
 *
 * Signature file (4 lines):
 *     untrusted comment: <text>
 *     base64( alg[2] | keynum[8] | sig[64] )                       74 bytes
 *     trusted comment: <text>
 *     base64( global_sig[64] )
 *   alg "ED": sig = Ed25519(sk, BLAKE2b-512(message)) (what we write);
 *   alg "Ed": sig = Ed25519(sk, message) (legacy; accepted on verify);
 *   global_sig = Ed25519(sk, sig | trusted comment bytes).
 *
 * The key id is keynum read as a little-endian u64, printed as 16
 * uppercase hex digits.
 */
#ifndef AL_MINISIGN_H
#define AL_MINISIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "airlock.h"
#include "core/buf.h"

#define AL_MS_SIGALG "Ed"
#define AL_MS_SIGALG_HASHED "ED"
#define AL_MS_KDFALG "Sc"
#define AL_MS_KDFNONE "\0\0"
#define AL_MS_CHKALG "B2"
#define AL_MS_COMMENT_PREFIX "untrusted comment: "
#define AL_MS_TRUSTED_PREFIX "trusted comment: "

#define AL_MS_KEYNUM_BYTES 8
#define AL_MS_PK_BYTES 32
#define AL_MS_SK_BYTES 64
#define AL_MS_SIG_BYTES 64
#define AL_MS_SALT_BYTES 32
#define AL_MS_CHK_BYTES 32
#define AL_MS_HASH_BYTES 64 /* BLAKE2b-512 prehash */

#define AL_MS_PUB_BLOB 42   /* "Ed" | keynum | pk */
#define AL_MS_SIG_BLOB 74   /* alg | keynum | sig */
#define AL_MS_KEY_BLOB 158  /* SeckeyStruct */
#define AL_MS_KEY_SECRET 104 /* keynum | sk | chk: the encrypted part */
#define AL_MS_PUB_B64 56    /* base64 length of a public key */

/* Caps. Key and signature files are small; minisign reads an untrusted
 * comment line into 1024 bytes (with '\n' and NUL) and a trusted comment
 * line into 8192, and refuses to sign a trusted comment of 8174 bytes or
 * more: we accept and write exactly what it does. */
#define AL_MS_FILE_MAX 65536
#define AL_MS_COMMENT_LINE_MAX 1022
#define AL_MS_COMMENT_MAX (AL_MS_COMMENT_LINE_MAX - (sizeof(AL_MS_COMMENT_PREFIX) - 1))
#define AL_MS_TRUSTED_COMMENT_MAX 8173
/* The cost a secret key file may ask of us: 4x minisign's defaults. */
#define AL_MS_OPSLIMIT_MAX ((uint64_t)1 << 27)
#define AL_MS_MEMLIMIT_MAX ((uint64_t)1 << 32)
/* A legacy ("Ed") signature needs the whole message in memory. */
#define AL_MS_LEGACY_MAX ((size_t)1 << 28)

/* scrypt parameters: minisign's defaults (libsodium's _SENSITIVE), and the
 * cheap ones (_INTERACTIVE) for tests and small machines. */
struct al_mkdf {
	uint64_t opslimit;
	uint64_t memlimit;
};
#define AL_MKDF_SENSITIVE { 33554432, 1073741824 }
#define AL_MKDF_INTERACTIVE { 524288, 16777216 }

/* A public key. Not secret: ordinary memory. */
struct al_mpub {
	unsigned char keynum[AL_MS_KEYNUM_BYTES];
	unsigned char pk[AL_MS_PK_BYTES];
	char *comment; /* untrusted comment text of the file (after the prefix), or NULL */
};

/* A secret key (struct al_mkey, airlock.h): its SeckeyStruct lives in
 * guarded memory, inaccessible except while in use. Opaque. */

/* A parsed signature file. */
struct al_msig {
	unsigned char alg[2];
	unsigned char keynum[AL_MS_KEYNUM_BYTES];
	unsigned char sig[AL_MS_SIG_BYTES];
	unsigned char global_sig[AL_MS_SIG_BYTES];
	char *untrusted_comment;
	char *trusted_comment; /* validated: printable UTF-8, no control characters but tab */
	size_t trusted_comment_len;
};

/* What a successful verification found. */
struct al_mverified {
	char key_id[AL_KEYID_LEN];
	char *trusted_comment; /* malloc'd; the caller frees with al_free */
	bool legacy;           /* alg "Ed": the message itself was signed */
};

/* ---- key ids ---- */
void al_minisign_keyid(const unsigned char keynum[AL_MS_KEYNUM_BYTES], char out[AL_KEYID_LEN]);
/* Parse 16 hex digits (any case) into keynum. false when malformed. */
bool al_minisign_keyid_parse(const char *s, unsigned char keynum[AL_MS_KEYNUM_BYTES]);

/* ---- public keys ---- */
/* Parse a public key file, or a bare base64 public key string (as
 * `minisign -P` takes). `what` names the input in messages, e.g.
 * "public key file 'ops.pub'". */
AL_MUST_CHECK al_err al_minisign_pub_parse(struct al_mpub **out, const void *buf, size_t len,
                             const char *what, struct al_diag *d);
AL_MUST_CHECK al_err al_minisign_pub_read(struct al_mpub **out, const char *path, struct al_diag *d);
void al_minisign_pub_free(struct al_mpub *pk);
/* The base64 string (56 characters and a NUL). */
void al_minisign_pub_base64(const struct al_mpub *pk, char out[AL_MS_PUB_B64 + 1]);
/* The file text: "untrusted comment: minisign public key <KEYID>\n<base64>\n". */
AL_MUST_CHECK al_err al_minisign_pub_format(const struct al_mpub *pk, struct al_buf *out, struct al_diag *d);

/* ---- secret keys ---- */
/* A fresh key pair (random keynum). */
AL_MUST_CHECK al_err al_minisign_keygen(struct al_mkey **sk, struct al_mpub **pk, struct al_diag *d);
/* Parse a secret key file. An encrypted key stays locked until
 * al_minisign_key_unlock(). al_minisign_key_read (which reads the file
 * straight into guarded memory), _locked, _unlock, _keyid and _free are
 * declared in airlock.h, for cmd/. */
AL_MUST_CHECK al_err al_minisign_key_parse(struct al_mkey **out, const void *buf, size_t len,
                             const char *what, struct al_diag *d);
/* The public key of an unlocked secret key. */
AL_MUST_CHECK al_err al_minisign_key_public(const struct al_mkey *k, struct al_mpub **out, struct al_diag *d);

#define AL_MS_WRITE_FORCE 0x1 /* replace an existing file, atomically */
/* Write an unlocked key to path, mode 0600, created with O_EXCL|O_NOFOLLOW
 * (or a temporary file renamed over path with AL_MS_WRITE_FORCE). With
 * pass == NULL the key is written unencrypted (kdf "\0\0"); else encrypted
 * under a fresh salt with the scrypt parameters kdf (NULL: minisign's
 * defaults, halved as minisign does while memory is short). */
AL_MUST_CHECK al_err al_minisign_key_write(const struct al_mkey *k, const char *path, const void *pass,
                             size_t passlen, const struct al_mkdf *kdf, unsigned flags,
                             struct al_diag *d);
/* Write a public key file (mode 0644), with the same creation rules. */
AL_MUST_CHECK al_err al_minisign_pub_write(const struct al_mpub *pk, const char *path, unsigned flags,
                             struct al_diag *d);

/* ---- signatures ---- */
/* Sign (always "ED", prehashed) with an unlocked key. trusted_comment must
 * be printable (see al_minisign_comment_check) and at most
 * AL_MS_TRUSTED_COMMENT_MAX bytes; untrusted_comment (NULL: minisign's
 * default) a single line. sig_out receives the 4-line file text. */
AL_MUST_CHECK al_err al_minisign_sign(const struct al_mkey *sk, const void *msg, size_t len,
                        const char *trusted_comment, const char *untrusted_comment,
                        struct al_buf *sig_out, struct al_diag *d);
/* The same, streaming fd to its end through BLAKE2b-512. */
AL_MUST_CHECK al_err al_minisign_sign_fd(const struct al_mkey *sk, int fd, const char *trusted_comment,
                           const char *untrusted_comment, struct al_buf *sig_out,
                           struct al_diag *d);

/* Is s acceptable as a trusted comment? NULL, or what is wrong with it. */
const char *al_minisign_comment_check(const char *s, size_t len);

AL_MUST_CHECK al_err al_minisign_sig_parse(struct al_msig **out, const void *buf, size_t len,
                             const char *what, struct al_diag *d);
void al_minisign_sig_free(struct al_msig *sig);

/* Verify the signature file text sig (len siglen) over msg with one of the
 * keys (n of them): the key is chosen by the signature's key id
 * (AL_EREFUSED when none of them has it), then the signature over the
 * message (or its BLAKE2b-512 for "ED") and the signature over the trusted
 * comment must both hold (AL_EVERIFY otherwise). Both "ED" and legacy "Ed"
 * are accepted, as minisign -V does without -H: a legacy signature is as
 * strong (pure Ed25519 over the message); out->legacy tells the caller,
 * which may refuse it. out may be NULL; on success the caller releases it
 * with al_minisign_verified_release. `what` names the signature. */
AL_MUST_CHECK al_err al_minisign_verify(const struct al_mpub *const *keys, size_t n, const void *msg,
                          size_t len, const void *sig, size_t siglen, const char *what,
                          struct al_mverified *out, struct al_diag *d);
/* The same, reading the message from fd to its end (a legacy signature
 * reads at most AL_MS_LEGACY_MAX bytes into memory). */
AL_MUST_CHECK al_err al_minisign_verify_fd(const struct al_mpub *const *keys, size_t n, int fd,
                             const void *sig, size_t siglen, const char *what,
                             struct al_mverified *out, struct al_diag *d);
void al_minisign_verified_release(struct al_mverified *v);

/* ---- callbacks for media (lib/media/media.h's struct al_signer / al_verifier) ---- */
/* al_signer.sign with ctx = the unlocked struct al_mkey: an "ED" signature
 * with minisign's default untrusted comment. */
AL_MUST_CHECK al_err al_minisign_signer_sign(void *ctx, const void *msg, size_t len,
                               const char *trusted_comment, struct al_buf *sig_out,
                               struct al_diag *d);
/* al_verifier.verify with ctx = a struct al_mkeyring (e.g. from
 * al_trust_load): *trusted_comment is malloc'd (al_free), key_id gets 17
 * bytes. AL_EREFUSED for an untrusted key, AL_EVERIFY for a bad signature. */
struct al_mkeyring {
	const struct al_mpub *const *keys;
	size_t n;
};
AL_MUST_CHECK al_err al_minisign_verifier_verify(void *ctx, const void *msg, size_t len, const char *sig,
                                   size_t siglen, char **trusted_comment, char *key_id,
                                   struct al_diag *d);

#endif
