/*
 * simple-page-fuzzer.c: PEP 503 HTML and PEP 691 JSON project pages, and
 * the page digest kept beside them in the store (docs/decisions/0054). The
 * first byte chooses: bit 0 the format, bit 1 what the rest is:
 *   bit 1 clear: a page. A page that parses is packed into its digest, and
 *     the digest unpacks to the same files.
 *   bit 1 set: a digest as read back from the store (made for the body
 *     sha256, format and URL below): bounds, NULs and leftovers are checked
 *     by unpack, and one that unpacks packs again to the same bytes. Its
 *     strings are the store's record of a page parsed before ("someone with
 *     write access to the store's folder is trusted with the store",
 *     docs/reference/threat-model.md), so they are not held to what a
 *     page's parse guarantees.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/hash.h"
#include "pypa/simple.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define URL "https://index.example/simple/demo/"
#define BODY_SHA "0000000000000000000000000000000000000000000000000000000000000000"

static void check_page(const struct al_simple_page *p)
{
	size_t i;

	for (i = 0; i < p->nfiles; i++) {
		const struct al_simple_file *f = &p->files[i];
		/* every file has a name without a slash and an absolute http(s)/file URL */
		if (!f->filename || !*f->filename || strchr(f->filename, '/') || !f->url)
			abort();
		if (strncmp(f->url, "http://", 7) && strncmp(f->url, "https://", 8) &&
		    strncmp(f->url, "file://", 7))
			abort();
		if (f->sha256 && !al_is_hex(f->sha256, 64))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum al_simple_format fmt;
	struct al_simple_page *p = NULL, *back = NULL;
	struct al_diag d = AL_DIAG_INIT;
	struct al_buf dig = AL_BUF_INIT, again = AL_BUF_INIT;
	const char *rest;
	size_t len;

	if (size < 1 || size > (1u << 20))
		return 0;
	fmt = data[0] & 1 ? AL_SIMPLE_JSON : AL_SIMPLE_HTML;
	rest = (const char *)data + 1;
	len = size - 1;
	if (!(data[0] & 2)) {
		if (al_simple_parse(fmt, rest, len, URL, &p, &d) == AL_OK) {
			check_page(p);
			if (al_simple_page_pack(p, BODY_SHA, fmt, URL, &dig, &d) == AL_OK) {
				if (al_simple_page_unpack(dig.buf, dig.len, BODY_SHA, fmt, URL, &back,
				                          &d) != AL_OK || !al_simple_page_same(p, back))
					abort(); /* a digest of ours must give the page back */
			}
		}
	} else if (al_simple_page_unpack(rest, len, BODY_SHA, fmt, URL, &p, &d) == AL_OK) {
		/* no check_page: the digest is the store's own record of a page
		 * parsed before, not a page; it is held to its layout */
		if (al_simple_page_pack(p, BODY_SHA, fmt, URL, &again, &d) == AL_OK &&
		    (again.len != len || memcmp(again.buf, rest, len)))
			abort(); /* one layout: a digest that unpacks is the one pack makes */
	}
	al_simple_page_free(p);
	al_simple_page_free(back);
	al_buf_release(&dig);
	al_buf_release(&again);
	return 0;
}
