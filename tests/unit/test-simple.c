#include "config.h"

#include "core/buf.h"
#include "core/mem.h"
#include "pypa/simple.h"
#include "tap.h"

static struct al_simple_page *load(const char *name, enum al_simple_format fmt, const char *url)
{
	struct al_buf path = AL_BUF_INIT, body = AL_BUF_INIT;
	struct al_diag d = AL_DIAG_INIT;
	struct al_simple_page *p = NULL;

	al_buf_addf(&path, "%s/fixtures/simple/%s", tap_srcdir(), name);
	if (al_buf_read_file(&body, path.buf, 1 << 20, &d) ||
	    al_simple_parse(fmt, body.buf, body.len, url, &p, &d))
		diag("%s", d.msg);
	al_buf_release(&path);
	al_buf_release(&body);
	return p;
}

#define BODY_HASH "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define OTHER_HASH "f123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* The digest (al_simple_page_pack / _unpack) of p, parsed from fmt at url:
 * the same page back for the same body, format and URL; a miss for any other;
 * an error, never a page, for a digest cut short, lengthened or damaged. */
static void digest_tests(const struct al_simple_page *p, enum al_simple_format fmt, const char *url)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_buf b = AL_BUF_INIT, bad = AL_BUF_INIT;
	struct al_simple_page *q = NULL;
	size_t n, wrong = 0, trusted = 0;
	enum al_simple_format other = fmt == AL_SIMPLE_JSON ? AL_SIMPLE_HTML : AL_SIMPLE_JSON;

	is_int(al_simple_page_pack(p, BODY_HASH, fmt, url, &b, &d), AL_OK, "pack %s", url);
	is_int(al_simple_page_unpack(b.buf, b.len, BODY_HASH, fmt, url, &q, &d), AL_OK, "unpack");
	ok(q && al_simple_page_same(p, q), "gives the same %zu files, field by field", p->nfiles);
	al_simple_page_free(q);
	q = NULL;
	is_int(al_simple_page_unpack(b.buf, b.len, OTHER_HASH, fmt, url, &q, &d), AL_ENOTFOUND,
	       "a digest of another body is a miss");
	ok(!q, "with no page");
	is_int(al_simple_page_unpack(b.buf, b.len, BODY_HASH, other, url, &q, &d), AL_ENOTFOUND,
	       "so is one of the body read as the other format");
	is_int(al_simple_page_unpack(b.buf, b.len, BODY_HASH, fmt, "https://elsewhere/simple/", &q, &d),
	       AL_ENOTFOUND, "or joined against another URL");
	/* the version follows the magic */
	al_buf_reset(&bad);
	al_buf_add(&bad, b.buf, b.len);
	bad.buf[strlen("airlock simple digest\n")] ^= 0x40;
	is_int(al_simple_page_unpack(bad.buf, bad.len, BODY_HASH, fmt, url, &q, &d), AL_ENOTFOUND,
	       "or made by another version of the digest");
	bad.buf[strlen("airlock simple digest\n")] ^= 0x40;
	bad.buf[strlen("airlock simple digest\n") + 8] ^= 0x01;
	is_int(al_simple_page_unpack(bad.buf, bad.len, BODY_HASH, fmt, url, &q, &d), AL_ENOTFOUND,
	       "or by another release");
	bad.buf[0] = 'A';
	is_int(al_simple_page_unpack(bad.buf, bad.len, BODY_HASH, fmt, url, &q, &d), AL_EPARSE,
	       "no magic: malformed");
	/* cut short anywhere, or with a byte more: an error, never a page */
	for (n = 0; n < b.len; n++) {
		al_err err = al_simple_page_unpack(b.buf, n, BODY_HASH, fmt, url, &q, &d);
		if (err != AL_EPARSE || q)
			wrong++;
		al_simple_page_free(q);
		q = NULL;
	}
	is_int(wrong, 0, "cut short at each of %zu lengths: malformed", b.len);
	al_buf_reset(&bad);
	al_buf_add(&bad, b.buf, b.len);
	al_buf_addch(&bad, 0);
	is_int(al_simple_page_unpack(bad.buf, bad.len, BODY_HASH, fmt, url, &q, &d), AL_EPARSE,
	       "a byte left over: malformed");
	ok(strstr(d.msg, url) != NULL, "naming the page: %s", d.msg);
	/* every byte flipped in turn: malformed, a miss, or a page (a string's
	 * bytes changed), but never a crash or a read out of bounds (ASan) */
	for (n = 0; n < b.len; n++) {
		al_err err;
		al_buf_reset(&bad);
		al_buf_add(&bad, b.buf, b.len);
		bad.buf[n] ^= 0xa5;
		err = al_simple_page_unpack(bad.buf, bad.len, BODY_HASH, fmt, url, &q, &d);
		if (err == AL_OK)
			trusted++;
		else if ((err != AL_EPARSE && err != AL_ENOTFOUND) || q)
			wrong++;
		al_simple_page_free(q);
		q = NULL;
	}
	is_int(wrong, 0, "each of %zu bytes flipped: an error or a page (%zu), nothing else", b.len,
	       trusted);
	al_buf_release(&bad);
	al_buf_release(&b);
}

int main(void)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_simple_page *p;
	enum al_simple_format fmt;

	is_int(al_simple_format_of("application/vnd.pypi.simple.v1+json; charset=utf-8", &fmt, &d),
	       AL_OK, "JSON content type");
	is_int(fmt, AL_SIMPLE_JSON, "is JSON");
	is_int(al_simple_format_of("text/html; charset=utf-8", &fmt, &d), AL_OK, "HTML type");
	is_int(fmt, AL_SIMPLE_HTML, "is HTML");
	is_int(al_simple_format_of("application/json", &fmt, &d), AL_EUNSUPPORTED,
	       "plain application/json is refused, as pip does");

	p = load("messy.html", AL_SIMPLE_HTML, "https://index.example.org/simple/demo/");
	ok(p != NULL, "messy HTML parses");
	if (!p)
		return done_testing();
	is_int(p->nfiles, 5, "five file links (no-href, javascript: and directory links dropped)");
	is_str(p->files[0].url, "https://files.example.org/packages/demo-1.0-py3-none-any.whl",
	       "relative links resolve against <base href>");
	is_str(p->files[0].filename, "demo-1.0-py3-none-any.whl", "filename from the URL");
	is_str(p->files[0].sha256, "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789",
	       "sha256 fragment, lowercased");
	is_str(p->files[0].requires_python, ">=3.8", "entities decoded once");
	ok(!p->files[0].yanked && !p->files[0].has_metadata, "not yanked, no metadata");
	is_str(p->files[1].url, "https://files.example.org/other/demo-1.1-py3-none-any.whl", "../ links");
	is_str(p->files[1].sha256, "1111111111111111111111111111111111111111111111111111111111111111",
	       "sha256 among several fragment hashes");
	is_str(p->files[1].requires_python, ">=3.9,<4", "requires-python with an entity");
	ok(p->files[1].yanked, "data-yanked=reason is yanked");
	is_str(p->files[1].yanked_reason, "broken &lt; build", "the reason decoded once only");
	ok(p->files[2].yanked && !p->files[2].yanked_reason, "a bare data-yanked is yanked (the standard)");
	ok(p->files[2].has_metadata, "data-core-metadata");
	is_str(p->files[2].metadata_sha256,
	       "2222222222222222222222222222222222222222222222222222222222222222", "its hash");
	is_str(p->files[3].filename, "demo+-3.0.tar.gz", "percent-decoded file name");
	is_str(p->files[3].url, "https://files.example.org/abs/demo%2B-3.0.tar.gz", "absolute path link");
	ok(p->files[3].bad_hash && !p->files[3].sha256, "a malformed sha256 is flagged");
	ok(p->files[3].has_metadata && !p->files[3].metadata_sha256, "dist-info-metadata=true");
	is_str(p->files[4].metadata_sha256, NULL, "data-core-metadata wins over the legacy name");
	digest_tests(p, AL_SIMPLE_HTML, "https://index.example.org/simple/demo/");
	al_simple_page_free(p);

	p = load("page.json", AL_SIMPLE_JSON, "https://index.example.org/simple/demo/");
	ok(p != NULL, "PEP 691 JSON parses");
	if (!p)
		return done_testing();
	is_int(p->nfiles, 3, "entries without url (and non-objects) are dropped");
	is_str(p->files[0].url, "https://index.example.org/files/demo-1.0-py3-none-any.whl",
	       "relative url resolves against the page");
	is_str(p->files[0].sha256, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "hashes.sha256");
	is_int(p->files[0].size, 1234, "size");
	is_str(p->files[0].metadata_sha256,
	       "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "core-metadata hash");
	ok(p->files[1].yanked && !strcmp(p->files[1].yanked_reason, "bad release"), "yanked reason");
	ok(p->files[1].has_metadata && !p->files[1].sha256, "dist-info-metadata: true; no hash");
	ok(p->files[2].yanked && !p->files[2].yanked_reason && p->files[2].bad_hash,
	   "yanked: true; a bad hash flagged");
	digest_tests(p, AL_SIMPLE_JSON, "https://index.example.org/simple/demo/");
	al_simple_page_free(p);

	is_int(al_simple_parse(AL_SIMPLE_JSON, "{\"files\": 3}", 12, "https://x/", &p, &d), AL_EPARSE,
	       "a JSON page without a files list is an error");
	ok(strstr(d.msg, "https://x/") != NULL, "naming the page: %s", d.msg);
	is_int(al_simple_parse(AL_SIMPLE_JSON, "{\"files\": [", 11, "https://x/", &p, &d), AL_EPARSE,
	       "truncated JSON is an error");
	ok(strstr(d.msg, "line 1") != NULL, "with the position: %s", d.msg);
	is_int(al_simple_parse(AL_SIMPLE_HTML, "", 0, "https://x/", &p, &d), AL_OK, "an empty page");
	is_int(p->nfiles, 0, "has no files");
	al_simple_page_free(p);
	is_int(al_simple_parse(AL_SIMPLE_HTML, "<a href='https://x/a.whl'>", 26, "https://x/", &p, &d),
	       AL_OK, "unclosed tags are fine");
	is_int(p ? p->nfiles : 0, 1, "and the link is found");
	al_simple_page_free(p);
	is_int(al_simple_parse(AL_SIMPLE_HTML, "<a href='file:///etc/passwd'>x</a>", 34, "https://x/", &p, &d),
	       AL_OK, "a remote page linking to a local file parses");
	is_int(p ? p->nfiles : 99, 0, "but the local link is dropped");
	al_simple_page_free(p);
	is_int(al_simple_parse(AL_SIMPLE_HTML, "<a href='x-1.0.tar.gz'>x</a>", 28, "file:///srv/links/", &p, &d),
	       AL_OK, "a local find-links page");
	is_str(p && p->nfiles ? p->files[0].url : NULL, "file:///srv/links/x-1.0.tar.gz", "keeps local links");
	al_simple_page_free(p);
	{
		/* deep nesting does not recurse */
		struct al_buf b = AL_BUF_INIT;
		int i;
		for (i = 0; i < 20000; i++)
			al_buf_addstr(&b, "<div>");
		al_buf_addstr(&b, "<a href='deep-1.0.tar.gz'>x</a>");
		is_int(al_simple_parse(AL_SIMPLE_HTML, b.buf, b.len, "https://x/", &p, &d), AL_OK,
		       "20000 nested elements parse");
		al_simple_page_free(p);
		/* an empty page has a digest too */
		al_simple_parse(AL_SIMPLE_HTML, "", 0, "https://x/", &p, &d);
		if (p)
			digest_tests(p, AL_SIMPLE_HTML, "https://x/");
		al_simple_page_free(p);
		al_buf_release(&b);
	}
	return done_testing();
}
