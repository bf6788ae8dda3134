/*
 * remotezip.h: the METADATA of a remote wheel read with HTTP range requests
 * (lib/net/remotezip.c), so that a large wheel need not be downloaded to be
 * resolved: the zip's last 64 KiB (the end of central directory, and most
 * often the whole directory), the central directory when it starts earlier,
 * then the METADATA member, parsed by lib/pypa/zipmeta.c. At most four requests
 * after the first; a server that ignores Range, or a zip this cannot read,
 * ends in "fall back" (the caller downloads the whole file).
 */
#ifndef AL_REMOTEZIP_H
#define AL_REMOTEZIP_H

#include <stdint.h>

#include "airlock.h"
#include "core/buf.h"
#include "net/http.h"
#include "pypa/zipmeta.h"

/* Called once per read, from the HTTP engine's callbacks: err != AL_OK when
 * a request could not be queued (the caller's diag says why); else text is
 * the METADATA (valid during the call), or NULL to fall back. */
typedef void (*al_remotezip_done_fn)(void *ctx, al_err err, const struct al_buf *text);

struct al_remotezip {
	/* the caller's, set before al_remotezip_start */
	struct al_http *http;
	const char *url;          /* http(s); outlives the read */
	void *owner;              /* every request's al_http_req.owner */
	unsigned *requests;       /* counts the requests made (may be NULL) */
	struct al_diag *diag;     /* the error of a later request that could not be queued */
	al_remotezip_done_fn done;
	void *ctx;
	/* the reader's */
	struct al_buf part;          /* the bytes of the last range read */
	uint64_t total;              /* the file's size, from Content-Range */
	struct al_zip_member mem;
	unsigned steps;
};

/* An empty reader (as from calloc plus al_buf_init). */
void al_remotezip_init(struct al_remotezip *z);
/* Queue the first request (the tail) on z->http. */
AL_MUST_CHECK al_err al_remotezip_start(struct al_remotezip *z, struct al_diag *d);
/* Free what the reader holds (not the caller's fields). */
void al_remotezip_release(struct al_remotezip *z);

#endif
