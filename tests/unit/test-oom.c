/*
 * test-oom.c: the allocation-failure sweep of the parsers (issue 9).
 *
 * For each parser and input: one call without failures must succeed; then
 * allocation 0, 1, 2, ... of the call (as lib/core/mem.c counts them) is made to
 * fail, one at a time (then with every later one failing too), until a call
 * makes no more allocations than that. Each failing call must return an error
 * (normally AL_ENOMEM), leave its output empty (NULL handles, released
 * structs), and leave nothing behind: the sanitizer build's LeakSanitizer
 * and scripts/valgrind-check.sh see any leak at exit. The number of allocation points of each call is printed (as
 * "# sweep: NAME: N allocations") for docs/reports/reliability-memory.md.
 *
 * Only allocations made through al_malloc and friends can be made to fail:
 * those of jansson, libxml2, libyaml and libsodium are out of reach here.
 */
#include "config.h"

#include <jansson.h>
#include <stdint.h>

#include "airlock.h"
#include "core/buf.h"
#include "core/mem.h"
#include "hub/hub.h"
#include "media/minisign.h"
#include "net/httphdr.h"
#include "pypa/metadata.h"
#include "pypa/pep440.h"
#include "pypa/pep508.h"
#include "pypa/reqfile.h"
#include "pypa/simple.h"
#include "spec/lock.h"
#include "spec/lockjson.h"
#include "tap.h"
#include "core/yamlx.h"
#include "pypa/wheelname.h"
#include "review/sbom.h"

/* No parser here makes anywhere near this many allocations on its input. */
#define SWEEP_MAX 200000

struct input {
	const char *s;  /* NUL-terminated text, or */
	struct al_buf b; /* a fixture file's bytes */
	const char *path;
};

static const char *text_of(const struct input *in, size_t *len)
{
	if (in->s) {
		*len = strlen(in->s);
		return in->s;
	}
	*len = in->b.len;
	return in->b.buf;
}

/* ---- one function per parser: parse, use, release; on failure check the
 * output is empty and release it anyway ------------------------------------------- */

static al_err do_version(void *ctx, struct al_diag *d)
{
	struct al_version v = AL_VERSION_INIT;
	struct al_buf b = AL_BUF_INIT;
	al_err err;

	err = al_version_parse(&v, ((struct input *)ctx)->s, d);
	if (!err)
		err = al_version_str(&v, &b);
	else if (v.text || v.lower || v.release || v.local)
		err = al_diag_set(d, AL_EINTERNAL, "failed parse left a half-filled version");
	al_version_release(&v);
	al_buf_release(&b);
	return err;
}

static al_err do_specset(void *ctx, struct al_diag *d)
{
	struct al_specset set = AL_SPECSET_INIT;
	struct al_buf b = AL_BUF_INIT;
	al_err err;

	err = al_specset_parse(&set, ((struct input *)ctx)->s, d);
	if (!err)
		err = al_specset_str(&set, &b);
	al_specset_release(&set);
	al_buf_release(&b);
	return err;
}

static al_err do_requirement(void *ctx, struct al_diag *d)
{
	struct al_requirement r = AL_REQUIREMENT_INIT;
	struct al_buf b = AL_BUF_INIT;
	al_err err;

	err = al_requirement_parse(&r, ((struct input *)ctx)->s, d);
	if (!err)
		err = al_requirement_str(&r, &b);
	else if (r.name || r.norm_name || r.extras || r.specifier || r.url || r.marker)
		err = al_diag_set(d, AL_EINTERNAL, "failed parse left a half-filled requirement");
	al_requirement_release(&r);
	al_buf_release(&b);
	return err;
}

static al_err do_marker(void *ctx, struct al_diag *d)
{
	struct al_marker_env env = { { NULL } };
	struct al_marker *m = NULL;
	bool yes = false;
	al_err err;

	env.values[AL_MV_PYTHON_VERSION] = "3.11";
	env.values[AL_MV_PYTHON_FULL_VERSION] = "3.11.9";
	env.values[AL_MV_OS_NAME] = "posix";
	env.values[AL_MV_SYS_PLATFORM] = "linux";
	env.values[AL_MV_PLATFORM_RELEASE] = "6.1.0";
	env.values[AL_MV_PLATFORM_SYSTEM] = "Linux";
	env.values[AL_MV_PLATFORM_VERSION] = "#1 SMP";
	env.values[AL_MV_PLATFORM_MACHINE] = "x86_64";
	env.values[AL_MV_PLATFORM_PYTHON_IMPLEMENTATION] = "CPython";
	env.values[AL_MV_IMPLEMENTATION_NAME] = "cpython";
	env.values[AL_MV_IMPLEMENTATION_VERSION] = "3.11.9";
	env.values[AL_MV_EXTRA] = "test";
	err = al_marker_parse(&m, ((struct input *)ctx)->s, d);
	if (!err)
		err = al_marker_evaluate(m, &env, &yes, d);
	else if (m)
		err = al_diag_set(d, AL_EINTERNAL, "failed parse left a marker");
	if (!err && !yes)
		err = al_diag_set(d, AL_EINTERNAL, "the marker evaluated to false");
	al_marker_free(m);
	return err;
}

static al_err do_wheelname(void *ctx, struct al_diag *d)
{
	struct al_wheelname w = AL_WHEELNAME_INIT;
	al_err err;

	err = al_wheelname_parse(&w, ((struct input *)ctx)->s, d);
	if (err && (w.mem_ || w.name))
		err = al_diag_set(d, AL_EINTERNAL, "failed parse left a half-filled name");
	al_wheelname_release(&w);
	return err;
}

static al_err do_metadata(void *ctx, struct al_diag *d)
{
	struct al_metadata md = AL_METADATA_INIT;
	size_t len;
	const char *p = text_of(ctx, &len);
	al_err err;

	err = al_metadata_parse(&md, p, len, d);
	if (err && (md.name || md.version || md.requires_dist || md.provides_extra))
		err = al_diag_set(d, AL_EINTERNAL, "failed parse left half-filled metadata");
	al_metadata_release(&md);
	return err;
}

static al_err do_reqfile(void *ctx, struct al_diag *d)
{
	struct al_reqfile_params p = { .no_includes = true };
	struct al_reqfile rf = AL_REQFILE_INIT;
	size_t len;
	const char *text = text_of(ctx, &len);
	al_err err;

	/* twice: the second call appends to what the first filled */
	err = al_reqfile_add_buf(&rf, "requirements.txt", text, len, &p, d);
	if (!err)
		err = al_reqfile_add_buf(&rf, "more.txt", "idna>=3\n--pre\n", 14, &p, d);
	al_reqfile_release(&rf);
	return err;
}

static al_err do_reqfile_file(void *ctx, struct al_diag *d)
{
	struct al_reqfile_params p = { 0 };
	struct al_reqfile rf = AL_REQFILE_INIT;
	al_err err;

	err = al_reqfile_add_file(&rf, ((struct input *)ctx)->path, &p, d);
	al_reqfile_release(&rf);
	return err;
}

static al_err do_manifest(void *ctx, struct al_diag *d)
{
	struct al_manifest *m = NULL;
	al_err err;

	err = al_manifest_load(&m, ((struct input *)ctx)->path, d);
	if (err && m)
		err = al_diag_set(d, AL_EINTERNAL, "failed load left a manifest");
	al_manifest_free(m);
	return err;
}

static al_err do_lock(void *ctx, struct al_diag *d)
{
	struct al_lock *l = NULL;
	char *text = NULL;
	size_t len;
	al_err err;

	err = al_lock_load(&l, ((struct input *)ctx)->path, d);
	if (!err)
		err = al_lock_format(l, &text, &len, d);
	else if (l)
		err = al_diag_set(d, AL_EINTERNAL, "failed load left a lock");
	al_free(text);
	al_lock_free(l);
	return err;
}

static al_err do_lock_json(void *ctx, struct al_diag *d)
{
	struct al_lock *l = NULL;
	al_err err;

	err = al_lock_from_json(ctx, &l, d);
	if (err && l)
		err = al_diag_set(d, AL_EINTERNAL, "failed conversion left a lock");
	al_lock_free(l);
	return err;
}

static al_err simple(void *ctx, enum al_simple_format fmt, struct al_diag *d)
{
	struct al_simple_page *p = NULL;
	size_t len;
	const char *body = text_of(ctx, &len);
	al_err err;

	err = al_simple_parse(fmt, body, len, "https://index.example.org/simple/demo/", &p, d);
	if (!err && !p->nfiles)
		err = al_diag_set(d, AL_EINTERNAL, "no files");
	else if (err && p)
		err = al_diag_set(d, AL_EINTERNAL, "failed parse left a page");
	al_simple_page_free(p);
	return err;
}

static al_err do_simple_html(void *ctx, struct al_diag *d)
{
	return simple(ctx, AL_SIMPLE_HTML, d);
}

static al_err do_simple_json(void *ctx, struct al_diag *d)
{
	return simple(ctx, AL_SIMPLE_JSON, d);
}

static al_err do_pubkey(void *ctx, struct al_diag *d)
{
	struct al_mpub *pk = NULL;
	size_t len;
	const char *p = text_of(ctx, &len);
	al_err err;

	err = al_minisign_pub_parse(&pk, p, len, "public key file 'key.pub'", d);
	if (err && pk)
		err = al_diag_set(d, AL_EINTERNAL, "failed parse left a key");
	al_minisign_pub_free(pk);
	return err;
}

static al_err do_sig(void *ctx, struct al_diag *d)
{
	struct al_msig *sig = NULL;
	size_t len;
	const char *p = text_of(ctx, &len);
	al_err err;

	err = al_minisign_sig_parse(&sig, p, len, "signature 'msg.txt.minisig'", d);
	if (err && sig)
		err = al_diag_set(d, AL_EINTERNAL, "failed parse left a signature");
	al_minisign_sig_free(sig);
	return err;
}

static al_err do_hub_tree(void *ctx, struct al_diag *d)
{
	struct al_hub_files f = { 0 };
	size_t len;
	const char *p = text_of(ctx, &len);
	al_err err;

	/* twice, as for two pages of a listing, then the whole-repo checks */
	static const char page2[] = "[{\"type\":\"file\",\"path\":\"zz/last.txt\",\"size\":2,"
	                            "\"oid\":\"0123456789abcdef0123456789abcdef01234567\"}]";
	err = al_hub_parse_tree(p, len, &f, d);
	if (!err)
		err = al_hub_parse_tree(page2, sizeof(page2) - 1, &f, d);
	if (!err)
		err = al_hub_check_files(&f, d);
	al_hub_files_release(&f);
	return err;
}

static al_err do_hub_info(void *ctx, struct al_diag *d)
{
	struct al_hub_files f = { 0 };
	char *sha = NULL;
	size_t len;
	const char *p = text_of(ctx, &len);
	al_err err;

	err = al_hub_parse_info(p, len, &sha, &f, d);
	if (err && sha)
		err = al_diag_set(d, AL_EINTERNAL, "failed parse left a sha");
	al_free(sha);
	al_hub_files_release(&f);
	return err;
}

static al_err do_httphdr(void *ctx, struct al_diag *d)
{
	struct al_http_hdrs h, copy;
	size_t len;
	const char *p = text_of(ctx, &len);
	al_err err;

	al_http_hdrs_init(&h);
	al_http_hdrs_init(&copy);
	err = al_http_hdrs_parse(&h, p, len, 1700000000, d);
	if (!err && (err = al_http_hdrs_copy(&copy, &h)))
		al_diag_set(d, err, "cannot copy headers");
	al_http_hdrs_release(&h);
	al_http_hdrs_release(&copy);
	return err;
}

static al_err do_yaml(void *ctx, struct al_diag *d)
{
	struct al_ydoc *doc = NULL;
	size_t len;
	const char *p = text_of(ctx, &len);
	al_err err;

	err = al_yaml_parse(&doc, "anchors.yaml", p, len, NULL, d);
	if (!err && !al_ydoc_root(doc))
		err = al_diag_set(d, AL_EINTERNAL, "no root");
	else if (err && doc)
		err = al_diag_set(d, AL_EINTERNAL, "failed parse left a document");
	al_ydoc_free(doc);
	return err;
}

/* lib/review/: the SBOM of a lock (no store), a diff, licences, a card */
static al_err do_sbom(void *ctx, struct al_diag *d)
{
	struct al_sbom_opts o = { NULL, 7, "2026-01-01T00:00:00Z", NULL, NULL };
	char *text = NULL;
	size_t len = 0;
	al_err err;

	err = al_sbom_build(ctx, &o, &text, &len, d);
	if (err && text)
		err = al_diag_set(d, AL_EINTERNAL, "failed build left text");
	al_free(text);
	return err;
}

static al_err do_diff(void *ctx, struct al_diag *d)
{
	struct al_lock *const *l = ctx;
	json_t *r = NULL;
	bool differ;
	al_err err;

	err = al_diff(l[0], l[1], &r, &differ, d);
	if (err && r)
		err = al_diag_set(d, AL_EINTERNAL, "failed diff left a result");
	json_decref(r);
	return err;
}

static al_err do_licenses(void *ctx, struct al_diag *d)
{
	size_t len;
	const char *p = text_of(ctx, &len);
	json_t *j = NULL;
	al_err err = al_sbom_metadata_licenses(p, len, &j, d);

	if (err && j)
		err = al_diag_set(d, AL_EINTERNAL, "failed call left licences");
	json_decref(j);
	return err;
}

static al_err do_card(void *ctx, struct al_diag *d)
{
	size_t len;
	const char *p = text_of(ctx, &len);
	json_t *l = NULL, *s = NULL;
	al_err err = al_sbom_card(p, len, &l, &s, d);

	if (err && (l || s))
		err = al_diag_set(d, AL_EINTERNAL, "failed call left output");
	json_decref(l);
	json_decref(s);
	return err;
}

/* ---- the sweep ------------------------------------------------------------------- */

/* The OSV reader over fixtures/osv (a directory of records, some matching
 * the lock in ctx): a failure leaves the result as it was, empty here. */
struct osv_case {
	const struct al_lock *l;
	const char *path;
};

static al_err do_osv(void *ctx, struct al_diag *d)
{
	const struct osv_case *oc = ctx;
	struct al_audit res = AL_AUDIT_INIT;
	al_err err = al_audit_osv(oc->l, oc->path, NULL, &res, d);

	if (err && res.n)
		err = al_diag_set(d, AL_EINTERNAL, "failed audit left %zu matches", res.n);
	else if (!err && !res.n)
		err = al_diag_set(d, AL_EINTERNAL, "no match: the sweep would not reach them");
	al_audit_release(&res);
	return err;
}

/* Set around the sweeps of parsers that read JSON: jansson allocates
 * through al_malloc, and a single failed allocation inside it may be one
 * it recovers from (the call then returns the whole result), which is no
 * swallowed error of ours. The sticky mode still requires every failure
 * to end in an error. */
static bool jansson_inside;

/* Make allocation n fail (and, when sticky, every later one) for n = 0, 1, ...
 * until the call makes fewer than n + 1 allocations. Returns that count. */
static long sweep_mode(const char *name, al_err (*fn)(void *, struct al_diag *), void *ctx,
                       int sticky, long *nomem, long *other)
{
	struct al_diag d = AL_DIAG_INIT;
	const char *mode = sticky ? "sticky" : "single";
	long n, left, wrong = 0;
	al_err err = AL_OK;

	*nomem = *other = 0;
	for (n = 0; n < SWEEP_MAX; n++) {
		al_diag_clear(&d);
		al_mem_fail_after(n, sticky);
		err = fn(ctx, &d);
		left = al_mem_fail_after(-1, 0);
		if (left >= 0)
			break; /* the call made n allocations: none failed */
		if (err == AL_ENOMEM) {
			++*nomem;
			continue;
		}
		if (err == AL_OK && jansson_inside && !sticky)
			continue;
		if (err == AL_OK || err == AL_EINTERNAL) {
			if (wrong++ < 5)
				diag("  %s (%s): allocation %ld failed, yet %s: %s", name, mode, n,
				     err ? "half-filled output" : "the call succeeded", d.msg);
			continue;
		}
		/* another code: acceptable when the message says why; shown */
		if ((*other)++ < 3)
			diag("  %s (%s): allocation %ld failed: %s: %s", name, mode, n,
			     al_strerror(err), d.msg);
	}
	ok(n < SWEEP_MAX && err == AL_OK, "%s (%s): succeeds once no allocation fails", name, mode);
	ok(wrong == 0, "%s (%s): each of its %ld allocations fails cleanly", name, mode, n);
	return n;
}

static void sweep(const char *name, al_err (*fn)(void *, struct al_diag *), void *ctx)
{
	struct al_diag d = AL_DIAG_INIT;
	long n, n2, nomem, other, nomem2, other2;
	al_err err;

	al_mem_fail_after(-1, 0);
	err = fn(ctx, &d);
	if (!ok(err == AL_OK, "%s: succeeds without allocation failures", name)) {
		diag("  %s: %s", al_strerror(err), d.msg);
		return;
	}
	n = sweep_mode(name, fn, ctx, 0, &nomem, &other);
	n2 = sweep_mode(name, fn, ctx, 1, &nomem2, &other2);
	is_int(n2, n, "%s: as many allocations when failures stick", name);
	printf("# sweep: %s: %ld allocations (%ld AL_ENOMEM, %ld other errors; sticky: %ld, %ld)\n",
	       name, n, nomem, other, nomem2, other2);
}

static void load(struct input *in, const char *rel)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_buf path = AL_BUF_INIT;

	if (al_buf_addf(&path, "%s/fixtures/%s", tap_srcdir(), rel) ||
	    al_buf_read_file(&in->b, path.buf, 1 << 24, &d)) {
		printf("Bail out! cannot read fixture '%s': %s\n", rel, d.msg);
		exit(1);
	}
	in->path = al_buf_detach(&path, NULL);
}

static void release(struct input *in)
{
	al_buf_release(&in->b);
	al_free((char *)in->path);
}

int main(void)
{
	struct input version = { .s = " V1!2.3.4RC1.post2.dev3+Ubuntu.1.abc.123456789012345678901 " };
	struct input specset = { .s = ">=1.0, !=1.5.*, <3 , ~=1.2, ==2.0+local, ===weird, >0.9rc1" };
	struct input req = { .s = "Foo.Bar[Extra2, extra1, Extra2] >=1.0, <2, !=1.3.* ; "
	                          "python_version >= \"3.8\" and (sys_platform == \"linux\" "
	                          "or extra == \"test\") and 'cpython' in implementation_name" };
	struct input requrl = { .s = "pkg[a] @ https://example.org/pkg-1.0-py3-none-any.whl "
	                             "; os_name == 'posix'" };
	struct input marker = {
		.s = "(python_version >= '3.8' and python_full_version != '3.11.0') or "
		     "(platform_machine in 'x86_64 aarch64' and extra == 'Test') and "
		     "platform_system == 'Linux' and implementation_name == 'cpython' and "
		     "os_name not in 'nt java'"
	};
	struct input wheel = { .s = "Foo_Bar-1.0.post1-2b-py2.py3-none-manylinux_2_17_x86_64."
	                            "manylinux2014_x86_64.whl" };
	struct input metadata = { 0 }, reqfile = { 0 }, manifest = { 0 }, lockf = { 0 },
	             html = { 0 }, pjson = { 0 }, pub = { 0 }, sig = { 0 }, tree = { 0 },
	             info = { 0 }, hdrs = { 0 }, yaml = { 0 }, diamond = { 0 }, full = { 0 };
	struct al_diag d = AL_DIAG_INIT;
	struct al_lock *l = NULL;
	json_t *j = NULL;

	load(&metadata, "metadata/requests.in");
	load(&reqfile, "reqfiles/basic/requirements.txt");
	load(&diamond, "reqfiles/diamond/requirements.txt");
	load(&manifest, "manifests/valid/requirements-files.yaml");
	load(&full, "manifests/valid/full.yaml");
	load(&lockf, "oom/airlock.lock");
	load(&html, "simple/messy.html");
	load(&pjson, "simple/page.json");
	load(&pub, "minisign/key.pub");
	load(&sig, "minisign/msg.txt.minisig");
	load(&tree, "fuzz/hub-tree/tree-sharded-expand.json");
	load(&info, "fuzz/hub-tree/info-blobs.json");
	load(&hdrs, "oom/headers.txt");
	load(&yaml, "manifests/valid/anchors.yaml");

	sweep("al_version_parse", do_version, &version);
	sweep("al_specset_parse", do_specset, &specset);
	sweep("al_requirement_parse", do_requirement, &req);
	sweep("al_requirement_parse (url)", do_requirement, &requrl);
	sweep("al_marker_parse + evaluate", do_marker, &marker);
	sweep("al_wheelname_parse", do_wheelname, &wheel);
	sweep("al_metadata_parse", do_metadata, &metadata);
	sweep("al_reqfile_add_buf", do_reqfile, &reqfile);
	sweep("al_reqfile_add_file (includes)", do_reqfile_file, &diamond);
	sweep("al_manifest_load", do_manifest, &manifest);
	sweep("al_manifest_load (full)", do_manifest, &full);
	sweep("al_lock_load", do_lock, &lockf);
	if (!al_lock_load(&l, lockf.path, &d) && !al_lock_to_json(l, &j, &d))
		sweep("al_lock_from_json", do_lock_json, j);
	else
		ok(0, "lock as JSON: %s", d.msg);
	sweep("al_simple_parse (HTML)", do_simple_html, &html);
	jansson_inside = true;
	sweep("al_simple_parse (JSON)", do_simple_json, &pjson);
	jansson_inside = false;
	sweep("al_minisign_pub_parse", do_pubkey, &pub);
	sweep("al_minisign_sig_parse", do_sig, &sig);
	sweep("al_hub_parse_tree", do_hub_tree, &tree);
	jansson_inside = true;
	sweep("al_hub_parse_info", do_hub_info, &info);
	jansson_inside = false;
	sweep("al_http_hdrs_parse", do_httphdr, &hdrs);
	sweep("al_yaml_parse", do_yaml, &yaml);
	{
		struct input lic = { .s = "Metadata-Version: 2.1\nName: a\nVersion: 1\n"
		                          "License: Copyright \xff\n  more\n"
		                          "Classifier: License :: OSI Approved :: MIT License\n"
		                          "Classifier: License :: OSI Approved :: BSD License\n" };
		struct input lic2 = { .s = "License-Expression: MIT OR (Apache-2.0 WITH LLVM-exception)\n" };
		struct input card = { .s = "---\nlicense: [apache-2.0, other]\nlicense_name: x\n"
		                           "datasets: [a/b, c/d]\n---\n# card\n" };
		struct al_lock *pair[2] = { l, l };
		static struct al_lock_dist fx[] = {
			{ .name = (char *)"demo-core", .version = (char *)"2.0" },
			{ .name = (char *)"demo-leaf", .version = (char *)"1.1" },
			{ .name = (char *)"foo-bar", .version = (char *)"1.0" },
			{ .name = (char *)"localver", .version = (char *)"1.0+cpu" },
		};
		struct al_lock_target ft = { .name = (char *)"t", .dists = fx, .ndists = 4 };
		struct al_lock fl = { .version = 1, .bundle = (char *)"x", .targets = &ft,
		                      .ntargets = 1 };
		struct al_buf osvdir = AL_BUF_INIT;
		struct osv_case oc = { &fl, NULL };
		jansson_inside = true;
		if (!al_buf_addf(&osvdir, "%s/fixtures/osv", tap_srcdir())) {
			oc.path = osvdir.buf;
			sweep("al_audit_osv (a directory of records)", do_osv, &oc);
		}
		al_buf_release(&osvdir);
		sweep("al_sbom_metadata_licenses", do_licenses, &lic);
		sweep("al_sbom_metadata_licenses (expression)", do_licenses, &lic2);
		sweep("al_sbom_card", do_card, &card);
		if (l) {
			sweep("al_sbom_build", do_sbom, l);
			sweep("al_diff", do_diff, pair);
		}
		jansson_inside = false;
	}

	json_decref(j);
	al_lock_free(l);
	release(&metadata);
	release(&reqfile);
	release(&diamond);
	release(&manifest);
	release(&full);
	release(&lockf);
	release(&html);
	release(&pjson);
	release(&pub);
	release(&sig);
	release(&tree);
	release(&info);
	release(&hdrs);
	release(&yaml);
	return done_testing();
}
