/*
 * airlock.h: the public interface of libairlock, and the only header cmd/
 * includes.
 *
 * Conventions (see docs/hacking.md):
 *  - every fallible call returns an al_err and, on failure, leaves a message
 *    in a caller-owned struct al_diag; the library never prints or exits;
 *  - handles are opaque; *_free() functions accept NULL;
 *  - strings are UTF-8 and NUL-terminated; sizes are in bytes.
 */
#ifndef AIRLOCK_H
#define AIRLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes. Only ever append; the numbers are part of the ABI. */
typedef enum al_err {
	AL_OK = 0,
	AL_ENOMEM,       /* out of memory */
	AL_EUSAGE,       /* bad arguments from the caller */
	AL_EIO,          /* a file system or I/O error */
	AL_EPARSE,       /* malformed input: syntax */
	AL_EINVALID,     /* well-formed input that breaks a rule */
	AL_ENOTFOUND,    /* a thing asked for does not exist */
	AL_EVERIFY,      /* a hash, size or signature check said no */
	AL_ESTALE,       /* a lock or cache no longer matches its source */
	AL_ENET,         /* network failure after retries */
	AL_EHTTP,        /* an HTTP status the operation cannot use */
	AL_ECONFLICT,    /* requirements cannot be satisfied together */
	AL_ELIMIT,       /* an input exceeded a size, depth or count cap */
	AL_EDB,          /* the store's database failed */
	AL_ECRYPTO,      /* a cryptographic operation failed */
	AL_EBUSY,        /* another process holds what we need */
	AL_EREFUSED,     /* media or input refused by policy (rollback, untrusted key) */
	AL_ENOSPACE,     /* not enough free space */
	AL_EUNSUPPORTED, /* valid but not supported by this version */
	AL_EINTERNAL,    /* a bug: an invariant did not hold */
	AL_ERR_COUNT_
} al_err;

const char *al_strerror(al_err e);

/* Caller-owned diagnostics. The message is lowercase, problem first, the
 * subject quoted, e.g. "cannot open 'x': No such file or directory". */
#define AL_DIAG_MAX 2048
struct al_diag {
	al_err code;
	char msg[AL_DIAG_MAX];
};
#define AL_DIAG_INIT { AL_OK, { 0 } }

/* Set the diagnostic and return code, so that callers can write
 * `return al_diag_set(d, AL_EIO, "...", ...);`. d may be NULL. */
al_err al_diag_set(struct al_diag *d, al_err code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefix the current message with context ("reading 'x': ") */
al_err al_diag_prefix(struct al_diag *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void al_diag_clear(struct al_diag *d);

const char *al_version(void);

/* ---- the store (DESIGN.md section 7) ---------------------------------- */

struct al_store;

/* Resolve the store directory: dir if not NULL, else $AIRLOCK_STORE, else
 * $XDG_DATA_HOME/airlock, else ~/.local/share/airlock. Returns a malloc'd
 * string, or NULL when out of memory or no home is known. */
char *al_store_default_dir(const char *dir);

#define AL_STORE_CREATE 0x1  /* create the store when it does not exist */
#define AL_STORE_RDONLY 0x2  /* open the database read-only */

al_err al_store_open(struct al_store **out, const char *dir, unsigned flags,
                     struct al_diag *d);
void al_store_free(struct al_store *s);
const char *al_store_dir(const struct al_store *s);

/* Statistics for `airlock info`. */
struct al_store_info {
	int schema_version;
	uint64_t blobs;
	uint64_t bytes;
	uint64_t referenced;
	uint64_t bundles;
	uint64_t imports;
};
al_err al_store_info(struct al_store *s, struct al_store_info *out, struct al_diag *d);

/* Adding a blob from a stream. The bytes go to STORE/tmp while SHA-256 is
 * computed; commit fsyncs, compares with the expectations (when given),
 * renames into blobs/sha256/ab/<hex>, makes it read-only, fsyncs the
 * directory and records it, in that order. Abort (or any failure) leaves
 * nothing behind. */
struct al_blob_writer;
#define AL_SIZE_UNKNOWN ((int64_t)-1)
al_err al_blob_writer_new(struct al_store *s, struct al_blob_writer **out,
                          const char *expect_sha256, int64_t expect_size,
                          struct al_diag *d);
/* Fails early with AL_EVERIFY when more bytes arrive than expect_size. */
al_err al_blob_writer_write(struct al_blob_writer *w, const void *buf, size_t len,
                            struct al_diag *d);
uint64_t al_blob_writer_size(const struct al_blob_writer *w);
/* On success hex_out (65 bytes, may be NULL) receives the sha256. The
 * writer is freed whatever the result. */
al_err al_blob_writer_commit(struct al_blob_writer *w, char *hex_out, struct al_diag *d);
void al_blob_writer_abort(struct al_blob_writer *w);

/* Read fd to EOF into the store. */
al_err al_store_add_fd(struct al_store *s, int fd, const char *expect_sha256,
                       int64_t expect_size, char hex_out[65], struct al_diag *d);
al_err al_store_add_file(struct al_store *s, const char *path, const char *expect_sha256,
                         int64_t expect_size, char hex_out[65], struct al_diag *d);

/* Is the blob recorded (and its file present)? */
bool al_store_has(struct al_store *s, const char *sha256_hex);
/* Path of a blob's file (malloc'd), whether or not it exists. */
char *al_store_blob_path(const struct al_store *s, const char *sha256_hex);
al_err al_store_open_blob(struct al_store *s, const char *sha256_hex, int *fd_out,
                          struct al_diag *d);
/* Rehash a blob's file; AL_EVERIFY when it does not match its name. */
al_err al_store_rehash(struct al_store *s, const char *sha256_hex, struct al_diag *d);

/* References keep blobs alive through gc: owner is a string such as
 * "bundle:nlp-prod" or "import:<media id>". */
al_err al_store_ref_add(struct al_store *s, const char *owner, const char *sha256_hex,
                        struct al_diag *d);
al_err al_store_ref_drop_owner(struct al_store *s, const char *owner, struct al_diag *d);

enum al_verify_kind {
	AL_VERIFY_MISSING,      /* recorded, file absent: an error */
	AL_VERIFY_CORRUPT,      /* content does not match the name: an error */
	AL_VERIFY_STRAY,        /* a complete file not recorded: harmless, gc removes it */
	AL_VERIFY_UNREFERENCED, /* recorded, nothing refers to it: gc removes it */
};
typedef void (*al_verify_cb)(void *ctx, enum al_verify_kind kind, const char *sha256_hex,
                             const char *detail);
struct al_verify_result {
	uint64_t checked, bytes, missing, corrupt, stray, unreferenced;
};
/* Rehash every blob with `threads` workers (0: one per core). */
al_err al_store_verify(struct al_store *s, unsigned threads, al_verify_cb cb, void *ctx,
                       struct al_verify_result *out, struct al_diag *d);

struct al_gc_result {
	uint64_t removed, bytes, tmp_removed;
};
/* Remove blobs nothing references, and leftovers in tmp/. Takes the store's
 * exclusive lock: fails with AL_EBUSY while another airlock writes. */
al_err al_store_gc(struct al_store *s, bool dry_run, struct al_gc_result *out,
                   struct al_diag *d);

/* ---- the manifest (DESIGN.md section 5) ------------------------------- */
/* lib/manifest.c */

/* ---- packaging and resolution ------------------------------------------ */

/* ---- the Hub ------------------------------------------------------------ */

/* ---- media -------------------------------------------------------------- */

/* Secrets (passphrases) in libsodium guarded memory, wiped when freed.
 * lib/secmem.c. The buffer holds cap bytes plus a NUL. */
#define AL_SECRET_MAX 1023 /* the longest passphrase, as minisign's */
struct al_secret;
al_err al_secret_new(struct al_secret **out, size_t cap, struct al_diag *d);
void al_secret_free(struct al_secret *s);
char *al_secret_data(struct al_secret *s);
const char *al_secret_cstr(const struct al_secret *s);
size_t al_secret_len(const struct al_secret *s);
size_t al_secret_cap(const struct al_secret *s);
/* Set the length after writing into al_secret_data(); wipes the rest. */
void al_secret_set_len(struct al_secret *s, size_t len);
/* Constant-time comparison of the contents. */
bool al_secret_equal(const struct al_secret *a, const struct al_secret *b);
/* Read one line from fd (a terminal, pipe or file) into s, without the
 * '\n' and one '\r' before it, as minisign reads a password. Reads byte by
 * byte so that nothing after the line is consumed. `what` names the source
 * in errors ("the passphrase file 'x'"). AL_ELIMIT beyond the capacity;
 * AL_EINVALID when the source is empty (end of file at once). */
al_err al_secret_read_line(struct al_secret *s, int fd, const char *what, struct al_diag *d);

/* Key pairs in minisign's formats (lib/minisign.c, docs/keys.md). */
#define AL_KEYID_LEN 17 /* 16 uppercase hex digits and a NUL, as minisign prints */
#define AL_KEYGEN_UNENCRYPTED 0x1    /* -W: no passphrase, kdf "\0\0" */
#define AL_KEYGEN_FORCE 0x2          /* replace existing files (atomically) */
#define AL_KEYGEN_KDF_INTERACTIVE 0x4 /* scrypt with 16 MiB instead of 1 GiB */
/* Write NAME.key (mode 0600, scrypt-encrypted with pass unless
 * AL_KEYGEN_UNENCRYPTED) and NAME.pub. Without AL_KEYGEN_FORCE an existing
 * file of either name is an error (AL_EINVALID) and nothing is written. */
al_err al_keygen(const char *name, const struct al_secret *pass, unsigned flags,
                 char key_id[AL_KEYID_LEN], struct al_diag *d);

/* A minisign secret key, for signing media (export). Its bytes live in
 * guarded memory. Reading an encrypted key leaves it locked: unlock it with
 * the passphrase (e.g. al_secret_cstr/al_secret_len of a struct al_secret);
 * a wrong one is AL_EVERIFY ("wrong passphrase (checksum mismatch)"). */
struct al_mkey;
al_err al_minisign_key_read(struct al_mkey **out, const char *path, struct al_diag *d);
bool al_minisign_key_locked(const struct al_mkey *k);
al_err al_minisign_key_unlock(struct al_mkey *k, const void *pass, size_t passlen,
                              struct al_diag *d);
/* The key id of an unlocked key (AL_EUSAGE when locked). */
al_err al_minisign_key_keyid(const struct al_mkey *k, char out[AL_KEYID_LEN], struct al_diag *d);
void al_minisign_key_free(struct al_mkey *k);

/* Public keys whose signatures import accepts: the store's trusted_keys
 * table (lib/trust.c). */
struct al_trusted_key {
	char key_id[AL_KEYID_LEN];
	char public_key[57];   /* base64, as `minisign -P` takes it */
	const char *comment;   /* the untrusted comment of the .pub file, or NULL */
	int64_t added;         /* unix time */
};
/* Trust the key in the .pub file at `key` (or, when no such file exists and
 * `key` is a base64 public key string, that key). Adding a key that is
 * already trusted changes nothing and sets *added = false; a different key
 * with the same key id is AL_ECONFLICT. out (may be NULL) receives the key
 * id, the base64 key and the time; its comment is set to NULL. */
al_err al_trust_add(struct al_store *s, const char *key, struct al_trusted_key *out,
                    bool *added, struct al_diag *d);
/* Call cb for every trusted key, in key id order; a nonzero return stops
 * the walk and is returned as AL_OK. */
typedef int (*al_trust_cb)(void *ctx, const struct al_trusted_key *k);
al_err al_trust_list(struct al_store *s, al_trust_cb cb, void *ctx, struct al_diag *d);
/* Remove by key id (16 hex digits, any case) or by .pub file. AL_ENOTFOUND
 * when the key is not trusted. key_id (may be NULL) receives the id. */
al_err al_trust_remove(struct al_store *s, const char *id_or_path, char key_id[AL_KEYID_LEN],
                       struct al_diag *d);

/* ---- publish and serve --------------------------------------------------- */

#ifdef __cplusplus
}
#endif
#endif /* AIRLOCK_H */
