/*
 * media.h: signed media for crossing the air gap (docs/reference/media.md).
 *
 *   MEDIA/airlock-media.json          canonical JSON: what the media holds
 *   MEDIA/airlock-media.json.minisig  minisign signature (prehashed "ED")
 *   MEDIA/vol-0001.tar ...            pax tar volumes of objects/sha256/<hex>
 *
 * The layout of airlock-media.json is described in docs/reference/media.md and
 * schema/airlock-media.schema.json.
 */
#ifndef AL_MEDIA_H
#define AL_MEDIA_H

#include <stdint.h>

#include "airlock.h"
#include "core/buf.h"

#define AL_MEDIA_FORMAT "airlock-media/1"
#define AL_MEDIA_MANIFEST "airlock-media.json"
#define AL_MEDIA_SIGNATURE "airlock-media.json.minisig"
#define AL_MEDIA_MANIFEST_MAX ((size_t)256 << 20)
/* Each bundle's SBOM beside the manifest (lib/review/sbom.c), named with its
 * size and sha256 in the manifest's "sboms" (absent from media written
 * before airlock had it). */
#define AL_MEDIA_SBOM_FMT "sbom-%s.cdx.json"
#define AL_MEDIA_SBOM_MAX ((size_t)256 << 20)
#define AL_MEDIA_MIN_VOLUME ((uint64_t)32 << 10)
#define AL_MEDIA_MAX_VOLUMES 9999
/* Import refuses a seq more than this many seconds ahead of the isolated
 * side's clock (docs/reference/media.md "seq and the clock"): seq is the export's unix
 * time, and a far-future seq would block every later medium (rollback). */
#define AL_MEDIA_SEQ_AHEAD_MAX ((int64_t)7 * 86400)

/* Signing and verification, provided by the signature module (minisign). */
struct al_signer {
	void *ctx;
	const char *key_id; /* 16 uppercase hex digits */
	al_err (*sign)(void *ctx, const void *msg, size_t len, const char *trusted_comment,
	               struct al_buf *sig_out, struct al_diag *d);
};

struct al_verifier {
	void *ctx;
	/* Verify sig over msg with any trusted key: on success *trusted_comment
	 * (malloc'd) and key_id (17 bytes) are set. AL_EVERIFY / AL_EREFUSED. */
	al_err (*verify)(void *ctx, const void *msg, size_t len, const char *sig, size_t siglen,
	                 char **trusted_comment, char *key_id, struct al_diag *d);
};

/* Parse and check the bytes of an airlock-media.json as import does (the
 * same code: lib/media/import.c), without a store or a signature: every field,
 * every lock in contents, and the bundles list against the contents.
 * AL_EVERIFY for bad JSON, AL_EINVALID / AL_EUNSUPPORTED for bad fields. */
AL_MUST_CHECK al_err al_media_manifest_check(const char *buf, size_t len, struct al_diag *d);

#endif
