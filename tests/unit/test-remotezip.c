/* test-remotezip: lib/net/remotezip.c through its interface, against the
 * fixture index (tests/helpers/indexserver.py serves /files/NAME with Range):
 * a wheel's METADATA read with range requests, from a small wheel (the tail
 * holds everything), from a large one (the member lies before the tail),
 * and the fall-back answers for a file that is no zip, one with no METADATA
 * and a missing file; a server that answers another range than the one
 * asked for (range-shift) is not parsed at the offsets assumed: the reader
 * falls back. The zips are written by python3's zipfile. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "airlock.h"
#include "core/buf.h"
#include "core/hash.h"
#include "core/mem.h"
#include "net/http.h"
#include "net/remotezip.h"
#include "tap.h"
#include "indexsrv.h"

#define META "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Dist: other>=1\n"

struct result {
	int calls;
	al_err err;
	bool have_text;
	struct al_buf text;
};

static void done(void *ctx, al_err err, const struct al_buf *text)
{
	struct result *r = ctx;

	r->calls++;
	r->err = err;
	r->have_text = text != NULL;
	if (text && al_buf_add(&r->text, text->buf, text->len))
		r->err = AL_ENOMEM;
}

/* Read url's METADATA; the requests it took in *nreq. */
static struct result read_meta(const char *url, unsigned *nreq)
{
	struct al_http_opts o = AL_HTTP_OPTS_INIT;
	struct al_diag d = AL_DIAG_INIT;
	struct al_http *h = NULL;
	struct al_remotezip z;
	struct result r = { 0 };

	al_buf_init(&r.text);
	*nreq = 0;
	al_remotezip_init(&z);
	if (al_http_new(&h, &o, &d)) {
		r.err = d.code;
		return r;
	}
	z.http = h;
	z.url = url;
	z.requests = nreq;
	z.diag = &d;
	z.done = done;
	z.ctx = &r;
	if (al_remotezip_start(&z, &d) || al_http_run(h, &d))
		r.err = d.code ? d.code : AL_EINTERNAL;
	al_remotezip_release(&z);
	al_http_free(h);
	return r;
}

/* python3 writes DIR/demo-VER-py3-none-any.whl: a zip whose first member is
 * demo-VER.dist-info/METADATA (none when meta is 0), then `pad` bytes of a
 * stored member that does not compress: with a large pad the member lies
 * before the 64 KiB tail the first request reads. */
static bool make_zip(const char *dir, const char *ver, long pad, int meta)
{
	struct al_buf cmd = AL_BUF_INIT;
	const char *py = getenv("PYTHON3");
	bool good;

	good = !al_buf_addf(&cmd, "%s -c 'import os, sys, zipfile\n"
	                          "with zipfile.ZipFile(sys.argv[1], \"w\", zipfile.ZIP_DEFLATED) as z:\n"
	                          "    if %d: z.writestr(\"demo-%s.dist-info/METADATA\", sys.argv[2])\n"
	                          "    z.writestr(\"demo/big.bin\", os.urandom(%ld), zipfile.ZIP_STORED)\n"
	                          "    z.writestr(\"demo-%s.dist-info/RECORD\", \"\")\n' "
	                          "'%s/demo-%s-py3-none-any.whl' '%s'",
	                    py && *py ? py : "python3", meta, ver, pad, ver, dir, ver, META) &&
	       system(cmd.buf) == 0;
	al_buf_release(&cmd);
	return good;
}

int main(void)
{
	char tmpl[] = "/tmp/test-remotezip.XXXXXX", *dir = mkdtemp(tmpl);
	struct server srv = { 0 };
	struct al_buf url = AL_BUF_INIT;
	struct result r;
	char base[96];
	unsigned n;

	/* the server lists the directory when it starts: the files first */
	ok(dir && make_zip(dir, "1.0", 1000, 1), "a small wheel");
	ok(dir && make_zip(dir, "2.0", 300000, 1), "a wheel whose METADATA is before its tail");
	ok(dir && put(dir, "demo-3.0-py3-none-any.whl", "this is not a zip file at all", NULL),
	   "a file that is no zip");
	ok(dir && make_zip(dir, "4.0", 10, 0), "a wheel with no METADATA");
	if (!dir || !server_start(&srv, dir)) {
		printf("1..0 # SKIP no fixture index server\n");
		return 0;
	}
	/* http://127.0.0.1:PORT/simple/ -> http://127.0.0.1:PORT/files/ */
	snprintf(base, sizeof(base), "%.*sfiles/", (int)(strlen(srv.url) - strlen("simple/")), srv.url);

	al_buf_reset(&url);
	ok(!al_buf_addf(&url, "%sdemo-1.0-py3-none-any.whl", base), "its URL");
	r = read_meta(url.buf, &n);
	ok(r.calls == 1 && r.err == AL_OK && r.have_text, "small: METADATA read (err %d)", r.err);
	ok(r.text.len == strlen(META) && !memcmp(r.text.buf, META, r.text.len), "small: the bytes");
	ok(n == 1, "small: one request, the tail holds it all (%u)", n);
	al_buf_release(&r.text);

	al_buf_reset(&url);
	ok(!al_buf_addf(&url, "%sdemo-2.0-py3-none-any.whl", base), "its URL");
	r = read_meta(url.buf, &n);
	ok(r.calls == 1 && r.err == AL_OK && r.have_text, "large: METADATA read (err %d)", r.err);
	ok(r.text.len == strlen(META) && !memcmp(r.text.buf, META, r.text.len), "large: the bytes");
	ok(n >= 2 && n <= 5, "large: a few range requests, not the whole file (%u)", n);
	al_buf_release(&r.text);

	al_buf_reset(&url);
	ok(!al_buf_addf(&url, "%sdemo-3.0-py3-none-any.whl", base), "its URL");
	r = read_meta(url.buf, &n);
	ok(r.calls == 1 && r.err == AL_OK && !r.have_text, "no zip: fall back (err %d)", r.err);
	al_buf_release(&r.text);

	al_buf_reset(&url);
	ok(!al_buf_addf(&url, "%sdemo-4.0-py3-none-any.whl", base), "its URL");
	r = read_meta(url.buf, &n);
	ok(r.calls == 1 && !r.have_text, "no METADATA: no text (fall back or error, err %d)", r.err);
	al_buf_release(&r.text);

	al_buf_reset(&url);
	ok(!al_buf_addf(&url, "%sdemo-5.0-py3-none-any.whl", base), "a missing file");
	r = read_meta(url.buf, &n);
	ok(r.calls == 1 && !r.have_text, "missing: no text, and done is called once (err %d)", r.err);
	al_buf_release(&r.text);

	server_stop(&srv);

	/* a server that answers a Range from A to B 512 bytes earlier than asked
	 * (and says so in Content-Range), the tail as asked: the small wheel's
	 * tail holds everything and is read; the large one's central directory
	 * or member request gets other bytes than asked, which are not parsed
	 * as if they were: the read falls back to the whole file */
	{
		static const char *const shift[] = { "--fault", "/files/*=range-shift:512", NULL };
		struct server s2 = { 0 };
		if (!server_start_args(&s2, dir, shift)) {
			ok(0, "the shifting server starts");
		} else {
			snprintf(base, sizeof(base), "%.*sfiles/",
			         (int)(strlen(s2.url) - strlen("simple/")), s2.url);
			al_buf_reset(&url);
			ok(!al_buf_addf(&url, "%sdemo-1.0-py3-none-any.whl", base), "its URL");
			r = read_meta(url.buf, &n);
			ok(r.calls == 1 && r.err == AL_OK && r.have_text && r.text.len == strlen(META),
			   "the tail as asked: METADATA read (err %d, text %d)", r.err, r.have_text);
			al_buf_release(&r.text);
			al_buf_reset(&url);
			ok(!al_buf_addf(&url, "%sdemo-2.0-py3-none-any.whl", base), "its URL");
			r = read_meta(url.buf, &n);
			ok(r.calls == 1 && r.err == AL_OK && !r.have_text,
			   "a shifted range of a large wheel: fall back (err %d, text %d)", r.err,
			   r.have_text);
			al_buf_release(&r.text);
			server_stop(&s2);
		}
	}

	al_buf_release(&url);
	al_buf_reset(&url);
	if (!al_buf_addf(&url, "rm -rf '%s'", dir))
		ok(system(url.buf) == 0, "clean up");
	al_buf_release(&url);
	return done_testing();
}
