/* lib/mirror/catalog.c through its interface: the escapes for URLs, JSON in
 * <script> and shell words; al_catalog_write's pages for a bundle whose
 * names hold markup, quotes and non-ASCII (text everywhere, never markup),
 * the ledger's sequence and date, the SBOM link only when the tree holds
 * one, the same bytes for the same input, and exactly the paths
 * al_catalog_paths announces. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "airlock.h"
#include "core/buf.h"
#include "core/mem.h"
#include "mirror/catalog.h"
#include "spec/lockjson.h"
#include "tap.h"

#define COMMIT "0123456789abcdef0123456789abcdef01234567"
#define SHA "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define EVIL_REV "<script>alert(\"r\")</script>'\xc3\xa9"
#define EVIL_FILE "<img src=x onerror=alert(1)> \"q\" 'é' \xe2\x80\xa8.txt"

struct page {
	char *rel, *text;
};

struct pages {
	struct page v[64];
	size_t n;
};

static al_err collect(void *ctx, const char *rel, const char *text, size_t len)
{
	struct pages *ps = ctx;

	if (ps->n == 64)
		return AL_EIO;
	ps->v[ps->n].rel = al_strdup(rel);
	ps->v[ps->n].text = al_strndup(text, len);
	ps->n++;
	return ps->v[ps->n - 1].rel && ps->v[ps->n - 1].text ? AL_OK : AL_ENOMEM;
}

static void pages_free(struct pages *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		al_free(ps->v[i].rel);
		al_free(ps->v[i].text);
	}
	ps->n = 0;
}

static const char *page(const struct pages *ps, const char *rel)
{
	for (size_t i = 0; i < ps->n; i++)
		if (!strcmp(ps->v[i].rel, rel))
			return ps->v[i].text;
	return NULL;
}

static al_err count_path(void *ctx, const char *key, const char *path)
{
	struct pages *ps = ctx;

	(void)key;
	return page(ps, path) ? AL_OK : AL_ENOTFOUND;
}

static struct al_lock *make_lock(const char *bundle)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_lock *l = NULL;
	json_t *j = json_pack(
		"{s:i, s:s, s:n, s:[{s:s, s:s, s:s, s:[s], s:[{s:s, s:s, s:s, s:s, s:i, s:s, s:[s]}]}],"
		" s:[{s:s, s:s, s:s, s:s, s:[{s:s, s:i, s:s}, {s:s, s:i, s:s}]}]}",
		"version", 1, "bundle", bundle, "manifest_sha256", "targets", "name", "cp311-linux",
		"python_version", "3.11", "implementation", "cp", "platforms", "manylinux_2_28_x86_64",
		"distributions", "name", "demo-pkg", "version", "1.0", "filename",
		"demo_pkg-1.0-py3-none-any.whl", "sha256", SHA, "size", 2048, "requires_python",
		">=3.8,<4", "required_by", "-", "repos", "type", "model", "repo", "org/tiny",
		"revision", EVIL_REV, "commit", COMMIT, "files", "path", "config.json", "size", 12,
		"sha256", SHA, "path", EVIL_FILE, "size", 3 << 20, "sha256", SHA);

	if (!j || al_lock_from_json(j, &l, &d))
		diag("make_lock: %s", d.msg);
	json_decref(j);
	return l;
}

int main(void)
{
	struct al_buf b = AL_BUF_INIT;
	struct al_diag d = AL_DIAG_INIT;
	struct pages ps = { 0 }, again = { 0 };
	struct al_lock *l = make_lock("b1");
	struct al_lock *locks[1] = { l };
	struct al_catalog_import im = { .seq = 7, .at = 1796000000, .media_id = "m-<1>", .sbom = false };
	struct al_catalog c = { locks, 1, &im, "/srv/mirror", collect, &ps };
	const char *ix, *rp, *bp, *pp;
	bool same = true;

	/* the escapes */
	ok(!al_catalog_add_urlpath(&b, "a b/<x>\"é#?%") && !strcmp(b.buf, "a%20b/%3Cx%3E%22%C3%A9%23%3F%25"),
	   "URL paths: every byte but unreserved ones and '/' percent-encoded (%s)", b.buf);
	al_buf_reset(&b);
	ok(!al_catalog_add_script_json(&b, "{\"a\":\"</script><!--&\xe2\x80\xa8\xe2\x80\xa9\"}") &&
	   !strcmp(b.buf, "{\"a\":\"\\u003c/script\\u003e\\u003c!--\\u0026\\u2028\\u2029\"}"),
	   "JSON in a script: <, >, &, U+2028 and U+2029 escaped (%s)", b.buf);
	al_buf_reset(&b);
	ok(!al_catalog_add_shell_word(&b, "org/name-1.0") && !strcmp(b.buf, "org/name-1.0"),
	   "a plain shell word stays as it is");
	al_buf_reset(&b);
	ok(!al_catalog_add_shell_word(&b, "a'b$(rm -rf /);`x`") &&
	   !strcmp(b.buf, "'a'\\''b$(rm -rf /);`x`'"), "anything else single-quoted (%s)", b.buf);
	al_buf_reset(&b);
	ok(!al_catalog_add_shell_word(&b, "") && !strcmp(b.buf, "''"), "an empty word is ''");
	al_buf_release(&b);

	/* the pages */
	if (!ok(l != NULL, "a lock with hostile names loads"))
		return done_testing();
	ok(al_catalog_write(&c, &d) == AL_OK, "the catalog is written: %s", d.msg);
	ix = page(&ps, "index.html");
	bp = page(&ps, "catalog/bundles/b1.html");
	pp = page(&ps, "catalog/projects/demo-pkg.html");
	rp = page(&ps, "catalog/models/org/tiny.html");
	ok(ix && bp && pp && rp && page(&ps, "catalog/index.json"), "index, bundle, project, model "
	   "pages and the JSON index");
	ok(ps.n == 5, "and nothing else (%zu)", ps.n);
	ok(al_catalog_paths(locks, 1, count_path, &ps) == AL_OK,
	   "every path al_catalog_paths announces is written");
	for (size_t i = 0; i < ps.n; i++) {
		const char *t = ps.v[i].text;
		ok(!strstr(t, "<script>alert") && !strstr(t, "<img src=x") && !strstr(t, "m-<1>") &&
		   (!strstr(ps.v[i].rel, ".json") || !strstr(t, "\xe2\x80\xa8")),
		   "%s: no name from the lock as markup", ps.v[i].rel);
	}
	ok(ix && strstr(ix, "&lt;script&gt;alert(&quot;r&quot;)&lt;/script&gt;&#39;\xc3\xa9"),
	   "the revision shows as text on the index");
	ok(ix && strstr(ix, "\\u003cscript\\u003ealert(\\\"r\\\")\\u003c/script\\u003e'\\u00E9"),
	   "and in the embedded index, escaped for a script");
	ok(ix && strstr(ix, "<td class=\"n\">7</td><td><time datetime=\"2026-11-30T") &&
	   strstr(ix, "UTC</time>"), "the index shows the media sequence and the import date");
	ok(rp && strstr(rp, "href=\"../../../models/org/tiny/%3Cimg%20src%3Dx%20onerror%3Dalert%281%29"
	                    "%3E%20%22q%22%20%27%C3%A9%27%20%E2%80%A8.txt\""),
	   "the model page links the file percent-encoded");
	ok(rp && strstr(rp, "&#39;&lt;script&gt;alert(&quot;r&quot;)&lt;/script&gt;&#39;\\&#39;&#39;\xc3\xa9&#39;"),
	   "the download command single-quotes the revision, HTML-escaped");
	ok(rp && strstr(rp, "HF_HUB_CACHE=<span data-fill=\"dir\">/srv/mirror</span>/hf/hub"),
	   "the offline cache path is DIR's until the page's script knows better");
	ok(bp && strstr(bp, "none in this tree") && !strstr(bp, "sbom/"), "no SBOM: no link");
	ok(bp && strstr(bp, "href=\"../../requirements/cp311-linux.txt\""),
	   "the bundle page links the target's requirements");
	ok(bp && strstr(bp, "<code>m-&lt;1&gt;</code>"), "and names the media, escaped");
	ok(pp && strstr(pp, "&gt;=3.8,&lt;4") && strstr(pp, "2.0 KiB") &&
	   strstr(pp, "href=\"../../wheels/demo_pkg-1.0-py3-none-any.whl\""),
	   "the project page: requires-python escaped, size, the wheel's link");
	ok(ix && strstr(ix, "<main id=\"main\">") && strstr(ix, "<label for=\"q\">") &&
	   strstr(ix, "<html lang=\"en\">"),
	   "landmarks, a labelled search box, a language");
	ok(ix && !strstr(ix, "src=\"http") && !strstr(ix, "href=\"http") && !strstr(ix, "@import"),
	   "nothing loaded from elsewhere");

	/* the same input, the same bytes */
	c.ctx = &again;
	ok(al_catalog_write(&c, &d) == AL_OK && again.n == ps.n, "written again");
	for (size_t i = 0; i < ps.n && i < again.n; i++)
		same &= !strcmp(ps.v[i].rel, again.v[i].rel) && !strcmp(ps.v[i].text, again.v[i].text);
	ok(same, "byte for byte the same");
	pages_free(&again);

	/* with an SBOM in the tree, the bundle page links it */
	im.sbom = true;
	ok(al_catalog_write(&c, &d) == AL_OK && (bp = page(&again, "catalog/bundles/b1.html")) &&
	   strstr(bp, "<a href=\"../../sbom/b1.cdx.json\">sbom/b1.cdx.json</a>"), "an SBOM is linked");
	pages_free(&again);

	/* not imported: no sequence, said so */
	c.imports = NULL;
	ok(al_catalog_write(&c, &d) == AL_OK && (bp = page(&again, "catalog/bundles/b1.html")) &&
	   strstr(bp, "not imported"), "a bundle made in this store says so");
	pages_free(&again);

	/* a writer's error is the catalog's */
	c.write = collect;
	again.n = 64;
	ok(al_catalog_write(&c, &d) == AL_EIO, "a failed write fails the catalog");
	again.n = 0;

	/* out of memory at every allocation: reported, never a crash */
	for (unsigned long k = 0;; k++) {
		al_err err;
		al_mem_fail_after((long)k, 1);
		err = al_catalog_write(&c, &d);
		al_mem_fail_after(-1, 0);
		pages_free(&again);
		if (err != AL_ENOMEM) {
			ok(err == AL_OK, "allocation failures reported as out of memory (%lu tried)", k);
			break;
		}
	}

	pages_free(&ps);
	al_lock_free(l);
	return done_testing();
}
