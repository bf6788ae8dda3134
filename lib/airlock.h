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

/* ---- the lock (DESIGN.md section 6) -------------------------------------- */
/* lib/lock.c. Every string is owned by the lock; al_lock_free() frees all. */

struct al_lock_dist {
	char *name;            /* PEP 503 normalized project name */
	char *version;         /* canonical PEP 440 version */
	char *filename;        /* the wheel (or sdist) file name */
	char *url;             /* where it was found (credentials never stored) */
	char *sha256;          /* lowercase hex */
	int64_t size;          /* bytes, or AL_SIZE_UNKNOWN */
	char *requires_python; /* may be NULL */
	char *metadata_sha256; /* the PEP 658 metadata file, may be NULL */
	char **required_by;    /* "-" for the manifest, else project names; sorted */
	size_t nrequired_by;
};

struct al_lock_target {
	char *name;            /* e.g. "cp311-manylinux_2_28_x86_64" (unique in a lock) */
	char *python_version;
	char *implementation;
	char **platforms;
	size_t nplatforms;
	struct al_lock_dist *dists; /* sorted by name */
	size_t ndists;
};

struct al_lock_file {
	char *path;            /* relative, '/'-separated, validated */
	int64_t size;
	char *sha256;          /* content sha256 (known for every file once fetched) */
	char *git_sha1;        /* the git blob id the Hub reports, may be NULL */
	bool lfs;
};

struct al_lock_repo {
	char *type;            /* "model" or "dataset" */
	char *repo;            /* "org/name" */
	char *revision;        /* as asked in the manifest */
	char *commit;          /* 40 hex */
	struct al_lock_file *files; /* sorted by path */
	size_t nfiles;
};

struct al_lock {
	int version;           /* 1 */
	char *bundle;
	char *manifest_sha256;
	struct al_lock_target *targets; /* sorted by name */
	size_t ntargets;
	struct al_lock_repo *repos;     /* sorted by type, then repo */
	size_t nrepos;
};

void al_lock_free(struct al_lock *l);
/* Serialise deterministically (sorted, stable, every string quoted). */
al_err al_lock_format(const struct al_lock *l, char **out, size_t *len, struct al_diag *d);
/* Write atomically; *changed tells whether the file's bytes changed. */
al_err al_lock_write(const struct al_lock *l, const char *path, bool *changed,
                     struct al_diag *d);
al_err al_lock_load(struct al_lock **out, const char *path, struct al_diag *d);
/* Sort every list into the canonical order. */
void al_lock_sort(struct al_lock *l);

/* ---- packaging and resolution ------------------------------------------ */

/* ---- the Hub ------------------------------------------------------------ */

/* ---- media -------------------------------------------------------------- */
/* lib/media.c: export on the connected side, verify and import on the other. */

struct al_signer;
struct al_verifier;

struct al_export_opts {
	const char *out_dir;        /* created; must not exist or be empty */
	const char *const *bundles; /* NULL/0: every bundle in the store */
	size_t nbundles;
	const char *since;          /* a media directory or a recorded export id, or NULL */
	uint64_t volume_size;       /* bytes per volume; 0: one volume */
	const struct al_signer *signer;
};

struct al_media_summary {
	char id[33];                /* media id */
	char key_id[17];
	int64_t seq;
	char *bundles;              /* comma-separated (malloc'd; free with al_media_summary_release) */
	uint64_t objects, bytes;    /* in this media's volumes */
	uint64_t total_objects, total_bytes; /* of the complete state it describes */
	unsigned volumes;
	bool delta;
	bool already;               /* import: this media was imported before (no-op) */
	uint64_t reused;            /* import: objects the store already had */
};
void al_media_summary_release(struct al_media_summary *s);

al_err al_media_export(struct al_store *s, const struct al_export_opts *o,
                       struct al_media_summary *sum, struct al_diag *d);

struct al_import_opts {
	const char *const *dirs;    /* dirs[0] holds airlock-media.json; volumes may be in any */
	size_t ndirs;
	const struct al_verifier *verifier;
	bool verify_only;           /* check everything, change nothing */
};

/* Import (or verify) media. Fails closed: signature by a trusted key first,
 * then rollback and base checks, free space, then every volume streamed
 * with every entry checked; the store changes only in one transaction at
 * the end. Every attempt is recorded in the ledger (except verify_only). */
al_err al_media_import(struct al_store *s, const struct al_import_opts *o,
                       struct al_media_summary *sum, struct al_diag *d);

/* The ledger: every import attempt. */
struct al_ledger_entry {
	int64_t at;
	const char *media_id, *bundle, *key_id, *reason;
	int64_t seq;
	bool accepted;
};
al_err al_ledger_list(struct al_store *s, void (*cb)(void *ctx, const struct al_ledger_entry *e),
                      void *ctx, struct al_diag *d);

/* ---- publish and serve --------------------------------------------------- */
/* lib/publish.c */

struct al_publish_opts {
	const char *out_dir;        /* becomes a symlink to the current generation */
	const char *const *bundles; /* NULL/0: every bundle in the store */
	size_t nbundles;
	bool no_symlinks;           /* hf/hub snapshots as real files (hard links) */
};

struct al_publish_summary {
	uint64_t wheels, projects, targets, repos, files, bytes_linked, bytes_copied;
};

/* Lay out DIR/wheels, DIR/simple, DIR/requirements, DIR/models, DIR/datasets,
 * DIR/hf/hub and DIR/hf/api for the bundles; readers never see a half-built
 * tree (DIR is switched atomically to the new generation). */
al_err al_publish(struct al_store *s, const struct al_publish_opts *o,
                  struct al_publish_summary *sum, struct al_diag *d);

/* lib/serve.c: the read-only HTTP server over a published tree (docs/serve.md). */

struct al_serve;

/* One finished request, for the access log. Strings live only during the call. */
struct al_serve_log {
	const char *client;       /* peer address, e.g. "127.0.0.1" */
	const char *method;
	const char *path;         /* as requested, without the query */
	unsigned status;
	uint64_t bytes;           /* body bytes queued (0 for HEAD) */
	double seconds;           /* from the request line to the last byte */
	const char *content_type; /* may be NULL */
};
/* Called from the server's threads, possibly at the same time: must be
 * thread-safe. */
typedef void (*al_serve_log_cb)(void *ctx, const struct al_serve_log *e);

struct al_serve_opts {
	const char *root;         /* DIR from `airlock publish -o DIR` */
	const char *listen;       /* "ADDR:PORT" or "[V6]:PORT"; NULL: 127.0.0.1:8080; port 0: any */
	unsigned threads;         /* 0: one per core */
	unsigned max_connections; /* 0: 1024 */
	unsigned timeout;         /* idle seconds before a connection is dropped; 0: 30 */
	al_serve_log_cb log;      /* may be NULL */
	void *log_ctx;
};

/* Bind and start serving in background threads. DIR is re-resolved on
 * every request, so a new publish is picked up at once; nothing outside the
 * generation a request resolved is ever opened. The caller should ignore
 * SIGPIPE. */
al_err al_serve_start(struct al_serve **out, const struct al_serve_opts *o, struct al_diag *d);
unsigned al_serve_port(const struct al_serve *srv);
/* "http://127.0.0.1:8080/" (the bound address and port) */
const char *al_serve_url(const struct al_serve *srv);
/* Stop (in-flight connections are closed) and free; NULL-safe. */
void al_serve_stop(struct al_serve *srv);

/* lib/env.c: the settings pip and Hugging Face clients need to use a
 * published tree, either served (is_url: "http://host:port") or on disk
 * (DIR, made absolute; it must be a published tree). cb gets each
 * name/value pair in a fixed order. */
typedef void (*al_env_cb)(void *ctx, const char *name, const char *value);
al_err al_client_env(const char *root_or_url, bool is_url, al_env_cb cb, void *ctx,
                     struct al_diag *d);

#ifdef __cplusplus
}
#endif
#endif /* AIRLOCK_H */
