/*
 * catalog.h: the static catalog publish writes into the published tree
 * (docs/reference/catalog.md): DIR/index.html, a page per bundle, project and
 * model or dataset under DIR/catalog/, and DIR/catalog/index.json, the index
 * the search box filters.
 *
 * Every page depends only on the locks, the ledger's record of their imports
 * and which SBOMs the tree holds: the same inputs give the same bytes (no
 * clock, no host name; the address a page was served from is filled in by the
 * page itself).
 */
#ifndef AL_CATALOG_H
#define AL_CATALOG_H

#include <stdbool.h>
#include <stdint.h>

#include "airlock.h"
#include "core/buf.h"

/* What the ledger and the tree say about one bundle. */
struct al_catalog_import {
	int64_t seq;          /* the accepted import's media sequence number; < 0: not imported */
	int64_t at;           /* when it was imported, seconds since the epoch (UTC) */
	const char *media_id; /* may be NULL */
	bool sbom;            /* DIR/sbom/<bundle>.cdx.json is in the tree: link it */
};

/* Writes one file of the catalog, rel below DIR ("index.html",
 * "catalog/projects/x.html"); publish's write_text, or a test's collector. */
typedef al_err (*al_catalog_write_fn)(void *ctx, const char *rel, const char *text, size_t len);

struct al_catalog {
	struct al_lock *const *locks;          /* in publish order */
	size_t nlocks;
	const struct al_catalog_import *imports; /* nlocks entries, or NULL: none imported */
	const char *dir;    /* the HF_HUB_CACHE directory a page shows until its script
	                     * sees where it was opened from; NULL: "DIR" (publish
	                     * passes NULL so that the tree does not depend on its path) */
	al_catalog_write_fn write;
	void *ctx;
};

/* Write every page of the catalog through c->write. The errors are the
 * writer's, or AL_ENOMEM. */
AL_MUST_CHECK al_err al_catalog_write(const struct al_catalog *c, struct al_diag *d);

/* The paths below DIR the catalog writes for these locks, one call of add
 * per path with the owner's key (a bundle, project or repo name, which
 * lives as long as the locks), so
 * publish's plan can check them for owners (docs/reference/publish.md). */
AL_MUST_CHECK al_err al_catalog_paths(struct al_lock *const *locks, size_t nlocks,
                                      al_err (*add)(void *ctx, const char *key, const char *path),
                                      void *ctx);

/* Percent-encode a '/'-separated path for an href: every byte but the
 * unreserved ones (RFC 3986) and the separators. */
AL_MUST_CHECK al_err al_catalog_add_urlpath(struct al_buf *b, const char *path);

/* JSON text made safe inside <script>: '<', '>', '&', U+2028 and U+2029 as
 * \u escapes (they occur only inside strings, where the escape means the same). */
AL_MUST_CHECK al_err al_catalog_add_script_json(struct al_buf *b, const char *json);

/* A word for a POSIX shell: single-quoted unless it is made only of safe
 * characters (a revision may hold '$', ';' or a quote). */
AL_MUST_CHECK al_err al_catalog_add_shell_word(struct al_buf *b, const char *s);

#endif
