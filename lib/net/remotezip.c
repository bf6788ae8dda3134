/*
 * remotezip.c: one member of a remote zip, the METADATA of a wheel, read
 * with HTTP range requests (remotezip.h): the request sequence and its
 * fallbacks. The zip format itself is lib/pypa/zipmeta.c; the index client
 * (lib/resolve/index.c) decides when to read this way.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "net/remotezip.h"

static void rz_entry_done(void *ctx, struct al_http_resp *resp);

static void rz_fallback(struct al_remotezip *z);

static al_err rz_get(struct al_remotezip *z, uint64_t from, uint64_t to, al_http_done_fn done)
{
	struct al_http_req req = AL_HTTP_REQ_INIT;
	char range[80];
	const char *headers[] = { range, NULL };

	if (to < from || ++z->steps > 4) {
		rz_fallback(z);
		return AL_OK;
	}
	snprintf(range, sizeof(range), "Range: bytes=%llu-%llu", (unsigned long long)from,
	         (unsigned long long)to);
	req.url = z->url;
	req.headers = headers;
	req.body = &z->part;
	req.max = (size_t)(to - from + 1);
	req.done = done;
	req.ctx = z;
	req.owner = z->owner;
	if (z->requests)
		(*z->requests)++;
	return al_http_add(z->http, &req, z->diag);
}

/* Fall back to downloading the whole wheel (a server without ranges, a
 * strange zip): the caller's done with no text. */
static void rz_fallback(struct al_remotezip *z)
{
	al_buf_release(&z->part);
	z->done(z->ctx, AL_OK, NULL);
}

static void rz_finish(struct al_remotezip *z, const unsigned char *local, size_t len)
{
	struct al_buf text = AL_BUF_INIT;
	uint64_t need = 0;
	al_err err;

	err = al_zip_member_data(local, len, &z->mem, 16u << 20, &text, &need, z->diag);
	if (err == AL_ENOTFOUND && need && z->mem.local_offset + need <= z->total) {
		al_buf_release(&text);
		if ((err = rz_get(z, z->mem.local_offset, z->mem.local_offset + need - 1,
		                  rz_entry_done)))
			z->done(z->ctx, err, NULL);
		return;
	}
	if (err) {
		al_buf_release(&text);
		rz_fallback(z);
		return;
	}
	z->done(z->ctx, AL_OK, &text);
	al_buf_release(&text);
	al_buf_release(&z->part);
}

static void rz_entry_done(void *ctx, struct al_http_resp *resp)
{
	struct al_remotezip *z = ctx;

	/* a 206 is the range asked for, byte for byte: the engine checks
	 * Content-Range and the length against the Range line */
	if (resp->err || resp->status != 206) {
		rz_fallback(z);
		return;
	}
	rz_finish(z, (const unsigned char *)z->part.buf, z->part.len);
}

/* Find METADATA in the central directory held in z->part (which starts at
 * file offset `at`), then read or fetch the member. */
static void rz_member(struct al_remotezip *z, uint64_t at, const struct al_zip_cd *cd)
{
	const unsigned char *p = (const unsigned char *)z->part.buf;
	uint64_t end;
	al_err err;

	if (al_zip_find_metadata(p + (cd->offset - at), (size_t)cd->size, z->total, &z->mem,
	                         z->diag)) {
		rz_fallback(z);
		return;
	}
	end = z->mem.local_offset + 30 + 1024 + z->mem.csize;
	if (end > z->total)
		end = z->total;
	if (z->mem.local_offset >= at && end <= at + z->part.len) {
		rz_finish(z, p + (z->mem.local_offset - at), z->part.len - (size_t)(z->mem.local_offset - at));
		return;
	}
	if ((err = rz_get(z, z->mem.local_offset, end - 1, rz_entry_done)))
		z->done(z->ctx, err, NULL);
}

static void rz_cd_done(void *ctx, struct al_http_resp *resp)
{
	struct al_remotezip *z = ctx;
	struct al_zip_cd cd;

	if (resp->err || resp->status != 206) {
		rz_fallback(z);
		return;
	}
	cd.offset = (uint64_t)resp->hdrs.range_start;
	cd.size = z->part.len;
	rz_member(z, cd.offset, &cd);
}

static void rz_tail_done(void *ctx, struct al_http_resp *resp)
{
	struct al_remotezip *z = ctx;
	struct al_zip_cd cd;
	uint64_t at;
	al_err err;

	if (resp->err || (resp->status != 206 && resp->status != 200)) {
		rz_fallback(z);
		return;
	}
	if (resp->status == 200) {
		z->total = z->part.len; /* the server sent it all: it is small */
	} else if (resp->hdrs.has_content_range && resp->hdrs.range_total > 0) {
		/* the engine held the 206 to the suffix asked for: these are the
		 * file's last bytes */
		z->total = (uint64_t)resp->hdrs.range_total;
	} else {
		rz_fallback(z);
		return;
	}
	at = z->total - z->part.len;
	if (al_zip_find_cd((const unsigned char *)z->part.buf, z->part.len, z->total, &cd, NULL)) {
		rz_fallback(z);
		return;
	}
	if (cd.offset >= at) {
		rz_member(z, at, &cd);
		return;
	}
	if ((err = rz_get(z, cd.offset, cd.offset + cd.size - 1, rz_cd_done)))
		z->done(z->ctx, err, NULL);
}

void al_remotezip_init(struct al_remotezip *z)
{
	memset(z, 0, sizeof(*z));
	al_buf_init(&z->part);
}

al_err al_remotezip_start(struct al_remotezip *z, struct al_diag *d)
{
	struct al_http_req req = AL_HTTP_REQ_INIT;
	static const char *const headers[] = { "Range: bytes=-65536", NULL };

	req.url = z->url;
	req.headers = headers;
	req.body = &z->part;
	req.max = AL_ZIP_TAIL; /* a server that ignores Range: more is an error, then the fallback */
	req.done = rz_tail_done;
	req.ctx = z;
	req.owner = z->owner;
	if (z->requests)
		(*z->requests)++;
	return al_http_add(z->http, &req, d);
}

void al_remotezip_release(struct al_remotezip *z)
{
	al_buf_release(&z->part);
}
