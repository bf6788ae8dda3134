/*
 * bundle.h: bundles in the store.
 *
 * A bundle is the pinned content of one manifest: its lock. The store keeps
 * each bundle's lock as canonical JSON (bundles.lock, lib/spec/lockjson.h) and a
 * reference from "bundle:<name>" to every blob it needs, so gc keeps them.
 * Media carry the same JSON.
 */
#ifndef AL_BUNDLE_H
#define AL_BUNDLE_H

#include "airlock.h"

/* Every blob a lock needs (wheels, metadata sidecars, repo files): a sorted,
 * deduplicated array of sha256 hex strings (malloc'd, each owned). */
AL_MUST_CHECK al_err al_lock_objects(const struct al_lock *l, char ***out, size_t *n, struct al_diag *d);

/* Record (replace) a bundle with its lock and references, in one transaction
 * unless the caller has one open. Every object must be in the store. */
AL_MUST_CHECK al_err al_bundle_put(struct al_store *s, const struct al_lock *l, struct al_diag *d);

/* The SBOM import kept for the bundle (the medium's signed
 * sbom-<name>.cdx.json, referred to by "sbom:<name>"), if any and still in
 * the store: its sha256 in hex and *found. */
AL_MUST_CHECK al_err al_bundle_sbom(struct al_store *s, const char *name, char hex[65], bool *found,
                                    struct al_diag *d);

/* When the bundle's lock was last recorded with other content than before
 * (seconds since the epoch): the same lock recorded again keeps its date. */
AL_MUST_CHECK al_err al_bundle_updated(struct al_store *s, const char *name, int64_t *at,
                                       bool *found, struct al_diag *d);

#endif
