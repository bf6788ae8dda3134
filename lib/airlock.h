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

/* On a declaration whose result must not be ignored: a fallible call
 * (every al_err function but the al_diag_* setters), an allocation, a
 * buffer append. GCC warns even through a (void) cast: handle the result. */
#define AL_MUST_CHECK __attribute__((warn_unused_result))
/* Drop such a result on purpose, with a comment beside the call saying why. */
static inline void al_ignore(int result)
{
	(void)result;
}

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
/* The one out-of-memory diagnostic: sets "out of memory" and returns
 * AL_ENOMEM (`return al_oom(d);`). The failed allocations themselves are
 * counted where they happen (al_mem_failures, mem.c). */
al_err al_oom(struct al_diag *d);
/* The one place where running out of memory stops the process: inside
 * jansson, whose parser cannot go on safely from a failed allocation (it
 * runs past its buffer: akheron/jansson#362). fn is called with what ran
 * out, then the process aborts; NULL (the default): it aborts without a
 * word. The library prints nothing itself: cmd/ sets an fn that does. */
typedef void (*al_fatal_fn)(const char *what);
void al_set_fatal(al_fatal_fn fn);

const char *al_version(void);

/* Text from media, the network or an old ledger made safe to print on a
 * terminal or to write as one log line (lib/core/buf.c): valid UTF-8 is kept;
 * C0 controls, DEL, C1 controls (U+0080..U+009F) and bytes that are not
 * valid UTF-8 become \n, \r, \t, \xNN or \u00NN, so no escape sequence,
 * carriage return or newline gets through. With AL_SAFE_LINES a newline
 * followed by two spaces (an indented continuation line of a multi-line
 * diagnostic) is kept. Returns a malloc'd string (free()), NULL when out
 * of memory; s NULL reads as "". */
#define AL_SAFE_LINES 1u
char *al_safe_text(const char *s, unsigned flags);

/* ---- the store (docs/reference/store.md) ------------------------------------- */

struct al_store;

/* Resolve the store directory: dir if not NULL, else $AIRLOCK_STORE, else
 * $XDG_DATA_HOME/airlock, else ~/.local/share/airlock. Returns a malloc'd
 * string, or NULL when out of memory or no home is known. */
char *al_store_default_dir(const char *dir);

#define AL_STORE_CREATE 0x1  /* create the store when it does not exist */
#define AL_STORE_RDONLY 0x2  /* open the database read-only */

AL_MUST_CHECK al_err al_store_open(struct al_store **out, const char *dir, unsigned flags,
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
AL_MUST_CHECK al_err al_store_info(struct al_store *s, struct al_store_info *out, struct al_diag *d);

/* Adding a blob from a stream. The bytes go to STORE/tmp while SHA-256 is
 * computed; commit fsyncs, compares with the expectations (when given),
 * renames into blobs/sha256/ab/<hex>, makes it read-only, fsyncs the
 * directory and records it, in that order. Abort (or any failure) leaves
 * nothing behind. */
struct al_blob_writer;
#define AL_SIZE_UNKNOWN ((int64_t)-1)
AL_MUST_CHECK al_err al_blob_writer_new(struct al_store *s, struct al_blob_writer **out,
                          const char *expect_sha256, int64_t expect_size,
                          struct al_diag *d);
/* Fails early with AL_EVERIFY when more bytes arrive than expect_size. */
AL_MUST_CHECK al_err al_blob_writer_write(struct al_blob_writer *w, const void *buf, size_t len,
                            struct al_diag *d);
uint64_t al_blob_writer_size(const struct al_blob_writer *w);
/* On success hex_out (65 bytes, may be NULL) receives the sha256. The
 * writer is freed whatever the result. */
AL_MUST_CHECK al_err al_blob_writer_commit(struct al_blob_writer *w, char *hex_out, struct al_diag *d);
void al_blob_writer_abort(struct al_blob_writer *w);

/* Read fd to EOF into the store. */
AL_MUST_CHECK al_err al_store_add_fd(struct al_store *s, int fd, const char *expect_sha256,
                       int64_t expect_size, char hex_out[65], struct al_diag *d);
AL_MUST_CHECK al_err al_store_add_file(struct al_store *s, const char *path, const char *expect_sha256,
                         int64_t expect_size, char hex_out[65], struct al_diag *d);
/* airlock store add: one regular file (not a symbolic link, FIFO, device
 * or directory: AL_EINVALID, nothing added) into the store, refused if its
 * size changes while it is read. *added: it was not there before. */
AL_MUST_CHECK al_err al_store_add_path(struct al_store *s, const char *path, char hex_out[65], bool *added,
                         struct al_diag *d);
/* airlock store add of many paths: each as al_store_add_path, but the
 * blob directories are fsynced once for the batch, and the new blobs are
 * recorded in one transaction after that. cb gets a path that cannot be
 * added as soon as it fails (err, d; nothing added for it), and the others
 * in order once all of them are durable and recorded (AL_OK, hex, added).
 * An error returned is the batch's own (a directory fsync, the
 * transaction): then none of its new blobs is recorded (gc removes them). */
typedef void (*al_store_add_cb)(void *ctx, const char *path, al_err err, const struct al_diag *d,
                                const char *hex, bool added);
AL_MUST_CHECK al_err al_store_add_paths(struct al_store *s, char *const *paths, size_t n,
                                        al_store_add_cb cb, void *ctx, struct al_diag *d);
/* The SHA-256 implementation in use, for airlock info: "OpenSSL <version>"
 * and whether the CPU has SHA instructions, into buf; returns buf. */
const char *al_sha256_impl(char *buf, size_t n);

/* Is the blob recorded (and its file present)? */
bool al_store_has(struct al_store *s, const char *sha256_hex);
/* Path of a blob's file (malloc'd), whether or not it exists. */
char *al_store_blob_path(const struct al_store *s, const char *sha256_hex);
AL_MUST_CHECK al_err al_store_open_blob(struct al_store *s, const char *sha256_hex, int *fd_out,
                          struct al_diag *d);
/* Rehash a blob's file; AL_EVERIFY when it does not match its name. */
AL_MUST_CHECK al_err al_store_rehash(struct al_store *s, const char *sha256_hex, struct al_diag *d);

/* References keep blobs alive through gc: owner is a string such as
 * "bundle:nlp-prod" or "import:<media id>". */
AL_MUST_CHECK al_err al_store_ref_add(struct al_store *s, const char *owner, const char *sha256_hex,
                        struct al_diag *d);
AL_MUST_CHECK al_err al_store_ref_drop_owner(struct al_store *s, const char *owner, struct al_diag *d);

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
AL_MUST_CHECK al_err al_store_verify(struct al_store *s, unsigned threads, al_verify_cb cb, void *ctx,
                       struct al_verify_result *out, struct al_diag *d);

struct al_gc_result {
	uint64_t removed, bytes, tmp_removed;
};
/* Remove blobs nothing references, and leftovers in tmp/. Takes the store's
 * exclusive lock: fails with AL_EBUSY while another airlock writes. */
AL_MUST_CHECK al_err al_store_gc(struct al_store *s, bool dry_run, struct al_gc_result *out,
                   struct al_diag *d);

/* ---- the manifest (docs/reference/manifest.md) ------------------------------- */
/* lib/spec/manifest.c; the reference is docs/reference/manifest.md. */

struct al_strlist {
	char **v;
	size_t n;
};

struct al_target {
	char *python_version;  /* "3", "3.11" or "3.11.9" */
	char *implementation;  /* "cp" (default) or "pp" */
	struct al_strlist platforms; /* at least one platform tag */
	int line, col;         /* where the target is written */
};

/* A Hub repository: an entry of models: or datasets:. */
struct al_hub_repo {
	char *repo;            /* "namespace/name" */
	char *revision;        /* branch, tag or 40-hex commit; default "main" */
	struct al_strlist include, exclude; /* glob patterns; empty include: all */
	int line, col;
};

/* A named index: an entry of python.indexes (docs/reference/manifest.md). */
#define AL_INDEX_MAX_CODES 16
struct al_named_index {
	char *name;            /* [a-z0-9][a-z0-9._-]*, unique in the manifest */
	char *url;             /* may hold userinfo: lent, never recorded */
	bool explicit_only;    /* used only for the projects pinned to it */
	/* statuses of a project page that mean "not on this index, try the
	 * next" besides 404 and 410; default {403} */
	int missing_codes[AL_INDEX_MAX_CODES];
	size_t nmissing_codes;
	char *username_env, *password_env; /* variables holding credentials, or NULL */
	int line, col;
};

/* A project pinned to a named index: an entry of python.sources. */
struct al_index_pin {
	char *project;         /* PEP 503 normalized */
	char *index;           /* the name of an entry of python.indexes */
	int line, col;
};

enum al_index_strategy {
	AL_INDEX_FIRST = 0,    /* first-index: a project from the first index that has it */
	AL_INDEX_BEST_MATCH,   /* unsafe-best-match: the files of every index, merged */
};

/* The manifest's policy (docs/reference/manifest.md, "policy"): enforced by
 * lock, carried in the lock, enforced again by export (lib/review/policy.c). */
enum al_policy_unknown {
	AL_UNKNOWN_DEFAULT = 0, /* not given: deny with an allow list, else allow */
	AL_UNKNOWN_ALLOW,
	AL_UNKNOWN_DENY,
};
struct al_policy {
	bool given;
	struct al_strlist deny;   /* PEP 508 requirements that must not match */
	bool vulnerabilities_deny; /* a record of advisories matching fails */
	uint64_t max_total_size;  /* bytes of every file; 0: no cap */
	bool wheels_only;         /* no sdists */
	bool licenses_given;      /* licenses: present */
	struct al_strlist licenses_allow, licenses_deny; /* SPDX ids (LicenseRef-... too) */
	enum al_policy_unknown licenses_unknown;
};
/* What a distribution with no recognisable licence gets. */
bool al_policy_unknown_allowed(const struct al_policy *p);

struct al_manifest {
	char *path;            /* as given to al_manifest_load */
	char *sha256;          /* hex digest of the file's bytes */
	int version;           /* 1 */
	char *bundle;
	bool has_python;
	struct {
		char *index_url; /* default https://pypi.org/simple/ */
		bool index_url_given; /* written in the manifest, not the default */
		struct al_strlist extra_index_urls, find_links, requirements;
		/* resolved against the manifest's directory */
		struct al_strlist requirements_files;
		struct al_strlist constraints, allow_sdist;
		struct al_target *targets;
		size_t ntargets;
		bool prereleases;
		struct al_named_index *indexes; /* asked before index-url, in order */
		size_t nindexes;
		struct al_index_pin *pins;
		size_t npins;
		enum al_index_strategy index_strategy;
	} python;
	struct al_hub_repo *models;
	size_t nmodels;
	struct al_hub_repo *datasets;
	size_t ndatasets;
	struct {
		char *endpoint;  /* default https://huggingface.co */
		char *token_env; /* default HF_TOKEN: the variable holding the token */
	} hub;
	/* OSV snapshots (files) carried with the bundle, resolved against the
	 * manifest's directory; their file names are distinct */
	struct al_strlist advisories;
	/* policy: what lock refuses to pin (lib/review/policy.c) */
	struct al_policy policy;
};

/* Read and check the manifest at path. Stops at the first problem, which d
 * holds as "FILE:LINE:COL: key.path: message". Errors: AL_ENOTFOUND or
 * AL_EIO (cannot read), AL_EPARSE (YAML), AL_ELIMIT (a cap), AL_EINVALID. */
AL_MUST_CHECK al_err al_manifest_load(struct al_manifest **out, const char *path, struct al_diag *d);
void al_manifest_free(struct al_manifest *m);

/* Like al_manifest_load, but report every problem to cb (one message each,
 * in the format above) and count them in *nproblems (may be NULL). d holds
 * the first. out may be NULL; it is set only when the manifest is valid.
 * A file that cannot be read is not a problem: cb is not called and the
 * return is AL_ENOTFOUND or AL_EIO. */
typedef void (*al_manifest_problem_cb)(void *ctx, const char *msg);
AL_MUST_CHECK al_err al_manifest_check(struct al_manifest **out, const char *path, al_manifest_problem_cb cb,
                         void *ctx, unsigned *nproblems, struct al_diag *d);

/* Checks shared with other modules. */
bool al_manifest_valid_repo_id(const char *id);
bool al_manifest_valid_platform(const char *tag);

/* ---- the lock (docs/reference/lock.md) ------------------------------------------ */
/* lib/spec/lock.c. Every string is owned by the lock; al_lock_free() frees all. */

struct al_lock_dist {
	char *name;            /* PEP 503 normalized project name */
	char *version;         /* canonical PEP 440 version */
	char *filename;        /* the wheel (or sdist) file name */
	char *url;             /* where it was found (credentials never stored) */
	char *index;           /* the named index it came from (python.indexes), or NULL */
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
	/* What pip's isolated builds of the sdists above need (build-system.requires,
	 * resolved for this target, recursively): published, never installed.
	 * required_by names the sdists (or build requirements) that need each.
	 * Sorted by name, then file name; a name may appear with several versions. */
	struct al_lock_dist *build_dists;
	size_t nbuild_dists;
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

/* An OSV snapshot the manifest names (advisories:), pinned by content:
 * fetch puts it in the store, export carries it, audit --bundle reads it. */
struct al_lock_advisory {
	char *name;            /* the file's name, without its folder */
	char *sha256;
	int64_t size;
};
#define AL_LOCK_MAX_ADVISORIES 64
/* 1 to 128 of [A-Za-z0-9._-], not starting with '.' (lib/spec/lock.c). */
bool al_lock_advisory_name_valid(const char *name);

struct al_lock {
	int version;           /* 1 */
	char *bundle;
	char *manifest_sha256;
	struct al_lock_target *targets; /* sorted by name */
	size_t ntargets;
	struct al_lock_repo *repos;     /* sorted by type, then repo */
	size_t nrepos;
	struct al_lock_advisory *advisories; /* sorted by name; absent in older locks */
	size_t nadvisories;
	/* the manifest's policy, which export enforces again; NULL when the
	 * manifest has none (and in older locks) */
	struct al_policy *policy;
};

void al_lock_free(struct al_lock *l);
/* The bundles a store holds (lib/store/bundle.c): names sorted, and each one's lock. */
AL_MUST_CHECK al_err al_bundle_names(struct al_store *s, char ***out, size_t *n, struct al_diag *d);
AL_MUST_CHECK al_err al_bundle_get(struct al_store *s, const char *name, struct al_lock **out,
                     struct al_diag *d);
/* Free n strings of v, then v (lib/core/mem.c). */
void al_strv_free(char **v, size_t n);
/* Serialise deterministically (sorted, stable, every string quoted). */
AL_MUST_CHECK al_err al_lock_format(const struct al_lock *l, char **out, size_t *len, struct al_diag *d);
/* Write atomically; *changed tells whether the file's bytes changed. */
AL_MUST_CHECK al_err al_lock_write(const struct al_lock *l, const char *path, bool *changed,
                     struct al_diag *d);
AL_MUST_CHECK al_err al_lock_load(struct al_lock **out, const char *path, struct al_diag *d);
/* Whether l formats to the same bytes as prev (the lock file prev was read
 * from, if airlock wrote it). A NULL prev, or one that does not format, is
 * not the same. An error only when l does not format. */
AL_MUST_CHECK al_err al_lock_same(const struct al_lock *l, const struct al_lock *prev, bool *same,
                    struct al_diag *d);
/* Sort every list into the canonical order. */
void al_lock_sort(struct al_lock *l);

/* ---- packaging and resolution ------------------------------------------ */
/* lib/resolve/locker.c: from a manifest to a lock, and from a lock to the store. */

struct al_manifest;

/* Index pages and metadata are small and the resolver waits on them level by
 * level of the dependency tree: a lock asks this many at once by default
 * (uv asks 50, pip one). */
#define AL_LOCK_PARALLEL 32

struct al_lock_opts {
	bool offline;                /* index pages and metadata from the cache only */
	bool refresh;                /* ask again for pages and Hub answers still fresh */
	bool upgrade_all;            /* ignore the previous lock's pins */
	const char *const *upgrade;  /* re-resolve these projects (normalized names) */
	size_t nupgrade;
	unsigned parallel;           /* requests at once; 0: AL_LOCK_PARALLEL */
	unsigned host_connections;   /* connections at once to one host; 0: 8 */
	void (*warn)(void *ctx, const char *msg);
	/* notes for -v (which index each project came from); may be NULL */
	void (*note)(void *ctx, const char *msg);
	void *ctx;
	bool explain_all;            /* no solution: every rejected version, through warn (lock -v) */
};

/* Resolve every target of the manifest and pin every Hub repo. previous (may
 * be NULL) supplies pins to keep. */
AL_MUST_CHECK al_err al_lock_build(struct al_store *s, const struct al_manifest *m, const struct al_lock *previous,
                     const struct al_lock_opts *o, struct al_lock **out, struct al_diag *d);
/* lock --check: resolve the manifest as al_lock_build would (previous, may
 * be NULL, supplying pins) and tell whether the result is byte for byte the
 * previous lock. */
AL_MUST_CHECK al_err al_lock_check(struct al_store *s, const struct al_manifest *m, const struct al_lock *previous,
                     const struct al_lock_opts *o, bool *current, struct al_diag *d);
/* Why a lock no longer matches its manifest: *why malloc'd, or NULL when it
 * does. AL_ENOMEM when the reason cannot be written (never taken as current). */
AL_MUST_CHECK al_err al_lock_stale(const struct al_manifest *m, const struct al_lock *l,
                                   char **why, struct al_diag *d);
/* The same, and also asks the Hub whether a branch the lock pinned has moved
 * (for fetch --locked). *why is malloc'd, NULL when the lock is current. */
AL_MUST_CHECK al_err al_lock_check_remote(struct al_store *s, const struct al_manifest *m,
                            const struct al_lock *l, char **why, struct al_diag *d);

struct al_fetch_progress {
	uint64_t files_total, files_done, files_cached;
	uint64_t bytes_total, bytes_done;
	const char *current;          /* a file name in flight, may be NULL */
};
struct al_fetch_opts {
	unsigned parallel;            /* 0: 8 */
	unsigned host_connections;    /* connections at once to one host; 0: 8 */
	uint64_t range_threshold;     /* files this large come as byte ranges; 0: 64 MiB */
	unsigned range_connections;   /* connections per such file; 0: 8, 1: one */
	const char *hub_endpoint;     /* the manifest's hub.endpoint (HF_ENDPOINT overrides) */
	const char *hub_token_env;    /* the manifest's hub.token-env, or NULL */
	/* The manifest (or NULL): the credentials in its index and find-links
	 * URLs authenticate the downloads from those hosts (the lock has none). */
	const struct al_manifest *manifest;
	void (*progress)(void *ctx, const struct al_fetch_progress *p);
	void *ctx;
};
/* Download every file the lock names that the store lacks, in parallel,
 * verifying each, then record the bundle (what gc keeps). */
AL_MUST_CHECK al_err al_fetch(struct al_store *s, const struct al_lock *l, const struct al_fetch_opts *o,
                struct al_fetch_progress *result, struct al_diag *d);

/* ---- the Hub ------------------------------------------------------------ */

/* ---- media -------------------------------------------------------------- */
/* lib/media/media.c: export on the connected side, verify and import on the other. */

struct al_signer;
struct al_verifier;
struct al_mkey;

struct al_export_opts {
	const char *out_dir;        /* created; must not exist or be empty */
	const char *const *bundles; /* NULL/0: every bundle in the store */
	size_t nbundles;
	const char *since;          /* a media directory or a recorded export id, or NULL */
	uint64_t volume_size;       /* bytes per volume; 0: one volume */
	const struct al_mkey *key;  /* the unlocked signing key (minisign format) */
	const struct al_signer *signer; /* or another signer (tests); overrides key */
	/* each violation of a bundle's policy (the lock carries it): export
	 * refuses the bundle (AL_EREFUSED); may be NULL */
	void (*policy_cb)(void *ctx, const char *msg);
	void *ctx;
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

AL_MUST_CHECK al_err al_media_export(struct al_store *s, const struct al_export_opts *o,
                       struct al_media_summary *sum, struct al_diag *d);

struct al_import_opts {
	const char *const *dirs;    /* dirs[0] holds airlock-media.json; volumes may be in any */
	size_t ndirs;
	const char *const *trust;   /* extra KEY.pub files trusted for this call */
	size_t ntrust;
	const struct al_verifier *verifier; /* NULL: the store's trusted keys and trust[] */
	bool verify_only;           /* check everything, change nothing */
};

/* Import (or verify) media. Fails closed: signature by a trusted key first,
 * then rollback and base checks, free space, then every volume streamed
 * with every entry checked; the store changes only in one transaction at
 * the end. Every attempt is recorded in the ledger (except verify_only). */
AL_MUST_CHECK al_err al_media_import(struct al_store *s, const struct al_import_opts *o,
                       struct al_media_summary *sum, struct al_diag *d);

/* The ledger: every import attempt. */
struct al_ledger_entry {
	int64_t at;
	const char *media_id, *bundle, *key_id, *reason;
	int64_t seq;
	bool accepted;
};
AL_MUST_CHECK al_err al_ledger_list(struct al_store *s, void (*cb)(void *ctx, const struct al_ledger_entry *e),
                      void *ctx, struct al_diag *d);

/* Secrets (passphrases) in libsodium guarded memory, wiped when freed.
 * lib/media/secmem.c. The buffer holds cap bytes plus a NUL. */
#define AL_SECRET_MAX 1023 /* the longest passphrase, as minisign's */
struct al_secret;
AL_MUST_CHECK al_err al_secret_new(struct al_secret **out, size_t cap, struct al_diag *d);
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
AL_MUST_CHECK al_err al_secret_read_line(struct al_secret *s, int fd, const char *what, struct al_diag *d);

/* Key pairs in minisign's formats (lib/media/minisign.c, docs/reference/keys.md). */
#define AL_KEYID_LEN 17 /* 16 uppercase hex digits and a NUL, as minisign prints */
#define AL_KEYGEN_UNENCRYPTED 0x1    /* -W: no passphrase, kdf "\0\0" */
#define AL_KEYGEN_FORCE 0x2          /* replace existing files (atomically) */
#define AL_KEYGEN_KDF_INTERACTIVE 0x4 /* scrypt with 16 MiB instead of 1 GiB */
/* Write NAME.key (mode 0600, scrypt-encrypted with pass unless
 * AL_KEYGEN_UNENCRYPTED) and NAME.pub. Without AL_KEYGEN_FORCE an existing
 * file of either name is an error (AL_EINVALID) and nothing is written. */
AL_MUST_CHECK al_err al_keygen(const char *name, const struct al_secret *pass, unsigned flags,
                 char key_id[AL_KEYID_LEN], struct al_diag *d);

/* A minisign secret key, for signing media (export). Its bytes live in
 * guarded memory. Reading an encrypted key leaves it locked: unlock it with
 * the passphrase (e.g. al_secret_cstr/al_secret_len of a struct al_secret);
 * a wrong one is AL_EVERIFY ("wrong passphrase (checksum mismatch)"). */
struct al_mkey;
AL_MUST_CHECK al_err al_minisign_key_read(struct al_mkey **out, const char *path, struct al_diag *d);
bool al_minisign_key_locked(const struct al_mkey *k);
AL_MUST_CHECK al_err al_minisign_key_unlock(struct al_mkey *k, const void *pass, size_t passlen,
                              struct al_diag *d);
/* The key id of an unlocked key (AL_EUSAGE when locked). */
AL_MUST_CHECK al_err al_minisign_key_keyid(const struct al_mkey *k, char out[AL_KEYID_LEN], struct al_diag *d);
void al_minisign_key_free(struct al_mkey *k);

/* Public keys whose signatures import accepts: the store's trusted_keys
 * table (lib/media/trust.c). */
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
AL_MUST_CHECK al_err al_trust_add(struct al_store *s, const char *key, struct al_trusted_key *out,
                    bool *added, struct al_diag *d);
/* Call cb for every trusted key, in key id order; a nonzero return stops
 * the walk and is returned as AL_OK. */
typedef int (*al_trust_cb)(void *ctx, const struct al_trusted_key *k);
AL_MUST_CHECK al_err al_trust_list(struct al_store *s, al_trust_cb cb, void *ctx, struct al_diag *d);
/* Remove by key id (16 hex digits, any case) or by .pub file. AL_ENOTFOUND
 * when the key is not trusted. key_id (may be NULL) receives the id. */
AL_MUST_CHECK al_err al_trust_remove(struct al_store *s, const char *id_or_path, char key_id[AL_KEYID_LEN],
                       struct al_diag *d);

/* ---- publish and serve --------------------------------------------------- */
/* lib/mirror/publish.c */

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
AL_MUST_CHECK al_err al_publish(struct al_store *s, const struct al_publish_opts *o,
                  struct al_publish_summary *sum, struct al_diag *d);

/* Compare the published tree DIR with what publishing the bundles it names
 * from this store gives now (built in a scratch folder beside DIR, removed
 * after): cb gets each path that differs ("." for DIR) and how; *ndiff
 * counts them. no_symlinks: DIR was published with it. */
typedef void (*al_publish_diff_fn)(void *ctx, const char *rel, const char *what);
AL_MUST_CHECK al_err al_publish_verify(struct al_store *s, const char *dir, bool no_symlinks,
                                       al_publish_diff_fn cb, void *ctx, size_t *ndiff,
                                       struct al_diag *d);

/* lib/mirror/serve.c: the read-only HTTP server over a published tree (docs/reference/serve.md). */

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
	unsigned max_per_client;  /* connections from one address; 0: an eighth of
	                           * max_connections, at least 16; UINT_MAX: no limit */
	unsigned timeout;         /* idle seconds before a connection is dropped; 0: 30 */
	unsigned request_timeout; /* seconds for a whole request (line, headers, POST
	                           * body) to arrive; 0: timeout */
	al_serve_log_cb log;      /* may be NULL */
	void *log_ctx;
};

/* Bind and start serving in background threads. DIR is re-resolved on
 * every request, so a new publish is picked up at once; nothing outside the
 * generation a request resolved is ever opened. The caller should ignore
 * SIGPIPE. */
AL_MUST_CHECK al_err al_serve_start(struct al_serve **out, const struct al_serve_opts *o, struct al_diag *d);
unsigned al_serve_port(const struct al_serve *srv);
/* "http://127.0.0.1:8080/" (the bound address and port) */
const char *al_serve_url(const struct al_serve *srv);
/* Stop (in-flight connections are closed) and free; NULL-safe. */
void al_serve_stop(struct al_serve *srv);

/* lib/mirror/nginx.c: a complete nginx.conf serving DIR (absolute; the link
 * publish switches) on listen "ADDR:PORT" as serve would (docs/reference/serve.md);
 * *out is NUL-terminated, freed with free(). AL_EUSAGE when nginx cannot carry them. */
AL_MUST_CHECK al_err al_nginx_conf_text(const char *dir, const char *listen, char **out,
                                        struct al_diag *d);

/* lib/mirror/env.c: the settings pip and Hugging Face clients need to use a
 * published tree, either served (is_url: "http://host:port") or on disk
 * (DIR, made absolute; it must be a published tree). cb gets each
 * name/value pair in a fixed order. */
typedef void (*al_env_cb)(void *ctx, const char *name, const char *value);
AL_MUST_CHECK al_err al_client_env(const char *root_or_url, bool is_url, al_env_cb cb, void *ctx,
                     struct al_diag *d);

/* ---- review: what crosses the gap (lib/review/, docs/reference/sbom.md) ---- */

/* lib/review/sbom.c: a CycloneDX 1.6 JSON SBOM of a lock. */
struct al_sbom_opts {
	struct al_store *store;     /* METADATA and repo cards read from here; may be NULL */
	int64_t seq;                /* the medium's sequence number, or -1 (none) */
	const char *timestamp;      /* RFC 3339 (the medium's creation), or NULL: none */
	/* a licence that could not be read (a file not in the store, bad
	 * METADATA); the SBOM is written without it. May be NULL. */
	void (*warn)(void *ctx, const char *msg);
	void *ctx;
};
/* lib/review/diff.c: what changed from lock o to lock n, as one JSON object
 * (a jansson json_t; the shape of `airlock diff --json`,
 * docs/reference/cli.md): per target the projects added, removed, upgraded
 * and downgraded and the files added and removed; per repo the commits and
 * the files that differ with their bytes; "delta": the objects and bytes a
 * delta medium from o to n carries. *differ: anything differs. */
struct json_t;
AL_MUST_CHECK al_err al_diff(const struct al_lock *o, const struct al_lock *n, struct json_t **out,
                             bool *differ, struct al_diag *d);

/* A bundle to review (sbom, diff): lib/media/import.c. */
struct al_review_src {
	struct al_lock *lock;
	int64_t seq;                /* the medium's sequence number, or -1 */
	char *created;              /* the medium's creation time (RFC 3339), or NULL */
	char *sbom;                 /* the SBOM the medium carried (its signed bytes), or NULL */
	size_t sbom_len;
};
#define AL_REVIEW_LOCK 0x1      /* a lock file */
#define AL_REVIEW_MEDIUM 0x2    /* a medium directory, or DIR@BUNDLE when it holds several */
#define AL_REVIEW_BUNDLE 0x4    /* NAME or NAME@SEQ of the store (s not NULL) */
/* Load what names a bundle. A medium's manifest is checked as import checks
 * it, but its signature is not (run verify for that); its SBOM file must
 * match the sha256 the manifest gives. NAME@SEQ is the lock the medium of
 * that seq imported into the store carried; NAME the store's bundle, with
 * the seq of the medium it came from when it came from one. */
AL_MUST_CHECK al_err al_review_load(struct al_store *s, const char *what, unsigned kinds,
                                    struct al_review_src *out, struct al_diag *d);
void al_review_src_release(struct al_review_src *r);

/* The SBOM as text (malloc'd, *len bytes, ending in a newline): the same
 * bytes for the same lock, store contents, seq and timestamp. */
AL_MUST_CHECK al_err al_sbom_build(const struct al_lock *l, const struct al_sbom_opts *o, char **out,
                                   size_t *len, struct al_diag *d);

/* ---- review: the offline vulnerability audit (docs/reference/audit.md) ---- */
/* lib/review/osv.c: a lock's distributions against OSV records. */

struct al_audit_ignore {
	const char *id;        /* a record id or one of its aliases */
	const char *reason;    /* printed beside the record; may be NULL */
};

struct al_audit_opts {
	const char *label;     /* names path in messages and sources (NULL: path) */
	const struct al_audit_ignore *ignore;
	size_t nignore;
	/* A record or range skipped (docs/reference/audit.md, "Hostile records"). */
	void (*warn)(void *ctx, const char *msg);
	void *ctx;
};

struct al_audit_match {
	char *id, *summary;       /* summary may be NULL; both from the record, unescaped */
	char **aliases;
	size_t naliases;
	char **severity;          /* "CVSS_V3 CVSS:3.1/...", "GHSA HIGH" */
	size_t nseverity;
	char *project, *version;  /* the locked distribution */
	char **fixed;             /* the fixed versions the record names, as written */
	size_t nfixed;
	char *source;             /* the record's file ("DIR/x.json", "all.zip:x.json") */
	const char *ignored;      /* NULL, or the --ignore reason ("" without one) */
};

struct al_audit {
	struct al_audit_match *matches; /* sorted by project, version, id */
	size_t n, alloc;
	uint64_t records;         /* records read (withdrawn ones included) */
	size_t distributions;     /* distinct project versions audited */
};
#define AL_AUDIT_INIT { NULL, 0, 0, 0, 0 }

/* Match every distribution of l (targets and build dependencies) against
 * the OSV records at path: a directory of *.json records, a zip of them
 * (OSV's PyPI/all.zip) or one record. A record that breaks the format is an
 * error naming its file; see docs/reference/audit.md. Matches add to what
 * out holds (several sources into one result); on an error out is left as
 * it was. */
AL_MUST_CHECK al_err al_audit_osv(const struct al_lock *l, const char *path,
                                  const struct al_audit_opts *o, struct al_audit *out,
                                  struct al_diag *d);
void al_audit_release(struct al_audit *a);

/* lib/review/policy.c: a policy over a lock. cb gets one message per
 * violation ("policy.deny 'x<2': x 1.0 (target T), brought in by the
 * manifest -> a -> x"); *nviolations counts them. Licences are read out of
 * store (METADATA, al_sbom_dist_licenses; NULL: every licence unknown).
 * Vulnerabilities are checked against the OSV files advisories names (lock:
 * the manifest's); with advisories NULL, against the lock's advisories out
 * of the store (export). An error only when the check itself fails (an
 * advisories file that cannot be read, out of memory). */
typedef void (*al_policy_cb)(void *ctx, const char *msg);
struct al_policy_env {
	struct al_store *store;
	const struct al_strlist *advisories;
	al_policy_cb cb;
	void *ctx;
};
AL_MUST_CHECK al_err al_policy_check(const struct al_policy *p, const struct al_lock *l,
                                     const struct al_policy_env *env, unsigned *nviolations,
                                     struct al_diag *d);
/* lib/spec/lock.c: a copy of p (NULL when p is not given), for the lock. */
AL_MUST_CHECK al_err al_policy_dup(const struct al_policy *p, struct al_policy **out,
                                   struct al_diag *d);
void al_policy_free(struct al_policy *p);

#ifdef __cplusplus
}
#endif
#endif /* AIRLOCK_H */
