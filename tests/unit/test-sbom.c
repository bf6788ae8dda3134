/* lib/review/sbom.c through its interface: licences out of METADATA
 * (PEP 639 expressions, License fields, classifiers, nothing, hostile
 * bytes), repo card front matter, the serial number, and whole SBOMs of a
 * lock with a store: components, purls, hashes, graph, determinism. */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "airlock.h"
#include "core/buf.h"
#include "core/fsutil.h"
#include "core/hash.h"
#include "net/httpcache.h"
#include "review/sbom.h"
#include "spec/lockjson.h"
#include "tap.h"

static char root[] = "/tmp/airlock-test-sbom-XXXXXX";

/* the licence choice of a METADATA text, as compact JSON (malloc'd) */
static char *lic(const char *md, size_t len)
{
	struct al_diag d = AL_DIAG_INIT;
	json_t *j = NULL;
	char *s;

	if (al_sbom_metadata_licenses(md, len, &j, &d)) {
		diag("%s", d.msg);
		return strdup("ERROR");
	}
	s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	return s;
}

static void is_lic(const char *md, const char *want, const char *what)
{
	char *got = lic(md, strlen(md));
	ok(got && !strcmp(got, want), "%s", what);
	if (got && strcmp(got, want))
		diag("got %s, want %s", got, want);
	free(got);
}

static void test_metadata(void)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_buf big = AL_BUF_INIT;
	json_t *j = NULL;
	char *got;
	size_t i;

	is_lic("Metadata-Version: 2.4\nName: a\nVersion: 1\nLicense-Expression: MIT OR Apache-2.0\n"
	       "License: ignored\nClassifier: License :: OSI Approved :: MIT License\n\nbody\n",
	       "[{\"expression\":\"MIT OR Apache-2.0\"}]", "License-Expression wins, as an expression");
	is_lic("Metadata-Version: 2.1\nName: a\nVersion: 1\nLicense: mit\n",
	       "[{\"license\":{\"id\":\"MIT\"}}]", "License that is an SPDX id, canonical case");
	is_lic("Metadata-Version: 2.1\nName: a\nVersion: 1\nLicense: Apache License, Version 2.0\n",
	       "[{\"license\":{\"id\":\"Apache-2.0\"}}]", "License written as a known alias");
	is_lic("Metadata-Version: 2.1\nName: a\nVersion: 1\nLicense: UNKNOWN\n"
	       "Classifier: License :: OSI Approved :: MIT License\n"
	       "Classifier: License :: OSI Approved :: BSD License\n"
	       "Classifier: Programming Language :: Python\n",
	       "[{\"license\":{\"id\":\"MIT\"}},{\"license\":{\"name\":\"BSD License\"}}]",
	       "classifiers: mapped ones as ids, ambiguous ones as names, others skipped");
	is_lic("Metadata-Version: 2.1\nName: a\nVersion: 1\n"
	       "Classifier: License :: OSI Approved :: Apache Software License\n",
	       "[{\"license\":{\"name\":\"Apache Software License\"}}]",
	       "an ambiguous classifier alone is a name");
	is_lic("Metadata-Version: 2.1\nName: a\nVersion: 1\n"
	       "License: Copyright (c) 2020 Someone\n        All rights reserved.\n"
	       "Classifier: License :: OSI Approved :: ISC License (ISCL)\n",
	       "[{\"license\":{\"id\":\"ISC\"}}]", "a classifier id beats License text");
	is_lic("Metadata-Version: 2.1\nName: a\nVersion: 1\n"
	       "License: Copyright (c) 2020 Someone\n        All rights\treserved.\n",
	       "[{\"license\":{\"name\":\"Copyright (c) 2020 Someone All rights reserved.\"}}]",
	       "License text as one line, continuation lines joined");
	is_lic("Metadata-Version: 2.1\nName: a\nVersion: 1\n", "[]", "no licence at all");
	is_lic("Metadata-Version: 2.4\nName: a\nVersion: 1\nLicense-Expression: MIT; rm -rf /\n",
	       "[{\"license\":{\"name\":\"MIT; rm -rf /\"}}]",
	       "a License-Expression that is no expression is a name");
	is_lic("Metadata-Version: 2.1\nName: a\nVersion: 1\nLicense: caf\xe9 \xff\x1b[31m\n",
	       "[{\"license\":{\"name\":\"caf\xef\xbf\xbd \xef\xbf\xbd [31m\"}}]",
	       "bytes that are not UTF-8 become U+FFFD, controls spaces");

	/* a huge License field: cut at the cap, on a character boundary */
	ok(!al_buf_addstr(&big, "Metadata-Version: 2.1\nName: a\nVersion: 1\nLicense: "), "big");
	for (i = 0; i < 100000; i++)
		if (al_buf_addstr(&big, "\xc3\xa9"))
			break;
	ok(!al_buf_addstr(&big, "\n"), "big");
	got = lic(big.buf, big.len);
	j = got ? json_loads(got, 0, NULL) : NULL;
	{
		const char *name = json_string_value(
		        json_object_get(json_object_get(json_array_get(j, 0), "license"), "name"));
		ok(name && strlen(name) <= AL_SBOM_NAME_MAX + 3 &&
		           !strcmp(name + strlen(name) - 3, "...") &&
		           !strncmp(name + strlen(name) - 5, "\xc3\xa9", 2),
		   "a huge License is cut to %d bytes on a character boundary", AL_SBOM_NAME_MAX);
	}
	json_decref(j);
	free(got);
	al_buf_release(&big);

	ok(al_sbom_metadata_licenses("Name a\n", 7, &j, &d) == AL_EPARSE && strstr(d.msg, "line 1"),
	   "a line that is no header: %s", d.msg);
	got = lic("License: MIT\0\nName: x\n", 22);
	ok(got && !strcmp(got, "[{\"license\":{\"id\":\"MIT\"}}]"), "a NUL ends nothing early: %s", got);
	free(got);
	ok(al_spdx_classifier("License :: OSI Approved :: BSD License") == NULL &&
	           !strcmp(al_spdx_classifier("License :: OSI Approved :: MIT License"), "MIT"),
	   "classifier table");
	ok(!strcmp(al_spdx_id("apache-2.0"), "Apache-2.0") && !al_spdx_id("openrail"), "spdx ids");
}

static void test_card(void)
{
	struct al_diag d = AL_DIAG_INIT;
	json_t *l = NULL, *ds = NULL;
	const char *card = "---\nlicense: apache-2.0\ndatasets:\n- org/data\n- other/set\n"
	                   "tags: [x]\n---\n# Model\n";
	char *a, *b;

	ok(!al_sbom_card(card, strlen(card), &l, &ds, &d), "card: %s", d.msg);
	a = json_dumps(l, JSON_COMPACT);
	b = json_dumps(ds, JSON_COMPACT);
	ok(a && !strcmp(a, "[{\"license\":{\"id\":\"Apache-2.0\"}}]"), "card licence %s", a);
	ok(b && !strcmp(b, "[\"org/data\",\"other/set\"]"), "card datasets %s", b);
	free(a);
	free(b);
	json_decref(l);
	json_decref(ds);

	card = "---\r\nlicense: other\r\nlicense_name: my-licence\r\ndatasets: one/set\r\n---\r\n";
	ok(!al_sbom_card(card, strlen(card), &l, &ds, &d), "card crlf: %s", d.msg);
	a = json_dumps(l, JSON_COMPACT);
	b = json_dumps(ds, JSON_COMPACT);
	ok(a && !strcmp(a, "[{\"license\":{\"name\":\"my-licence\"}}]"), "license: other %s", a);
	ok(b && !strcmp(b, "[\"one/set\"]"), "datasets as one string %s", b);
	free(a);
	free(b);
	json_decref(l);
	json_decref(ds);

	card = "# no front matter\nlicense: mit\n";
	ok(!al_sbom_card(card, strlen(card), &l, &ds, &d) && !json_array_size(l) &&
	           !json_array_size(ds), "no front matter: nothing");
	json_decref(l);
	json_decref(ds);
	card = "---\nlicense: mit\nno end\n";
	ok(!al_sbom_card(card, strlen(card), &l, &ds, &d) && !json_array_size(l),
	   "front matter never closed: nothing");
	json_decref(l);
	json_decref(ds);
	card = "---\nlicense: [unclosed\n---\n";
	ok(al_sbom_card(card, strlen(card), &l, &ds, &d) == AL_EPARSE && !l && !ds,
	   "bad YAML: %s", d.msg);
	card = "---\nlicense: {a: b}\ndatasets: 7\n---\n";
	ok(!al_sbom_card(card, strlen(card), &l, &ds, &d) && !json_array_size(l) &&
	           !json_array_size(ds), "wrong types ignored");
	json_decref(l);
	json_decref(ds);
}

static void test_serial(void)
{
	char a[46], b[46], c[46];

	al_sbom_serial("airlock-sbom:demo@1", a);
	al_sbom_serial("airlock-sbom:demo@1", b);
	al_sbom_serial("airlock-sbom:demo@2", c);
	ok(!strcmp(a, b) && strcmp(a, c), "serial: a function of its name");
	ok(strlen(a) == 45 && !strncmp(a, "urn:uuid:", 9) && a[23] == '5' && strchr("89ab", a[28]),
	   "serial: a version 5 UUID: %s", a);
}

static bool add_blob(struct al_store *s, const char *text, size_t len, char hex[65])
{
	struct al_diag d = AL_DIAG_INIT;
	char path[256];
	int fd;
	bool good;

	snprintf(path, sizeof(path), "%s/blob", root);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	good = fd >= 0 && write(fd, text, len) == (ssize_t)len && close(fd) == 0 &&
	       !al_store_add_file(s, path, NULL, AL_SIZE_UNKNOWN, hex, &d);
	if (!good)
		diag("add_blob: %s", d.msg);
	return good;
}

static int nwarn;
static void on_warn(void *ctx, const char *msg)
{
	(void)ctx;
	nwarn++;
	diag("warn: %s", msg);
}

static void test_build(void)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_store *s = NULL;
	struct al_lock *l = NULL;
	char md[65], card[65], dscard[65], *a = NULL, *b = NULL, *c = NULL, dir[300];
	size_t alen = 0, blen = 0, clen = 0;
	const char *mdtext = "Metadata-Version: 2.4\nName: Foo\nVersion: 1.0+local\n"
	                     "License-Expression: MIT\n";
	const char *cardtext = "---\nlicense: mit\ndatasets: [org/data, else/where]\n---\n";
	const char *dscardtext = "---\nlicense: cc-by-4.0\n---\n";
	json_t *j;

	snprintf(dir, sizeof(dir), "%s/store", root);
	if (!ok(!al_store_open(&s, dir, AL_STORE_CREATE, &d), "store: %s", d.msg))
		return;
	ok(add_blob(s, mdtext, strlen(mdtext), md) && add_blob(s, cardtext, strlen(cardtext), card) &&
	           add_blob(s, dscardtext, strlen(dscardtext), dscard),
	   "blobs");
	j = json_pack(
	        "{s:i, s:s, s:n, s:[{s:s, s:s, s:s, s:[s], s:["
	        "{s:s, s:s, s:s, s:s, s:s, s:I, s:n, s:s, s:[s]},"
	        "{s:s, s:s, s:s, s:s, s:s, s:I, s:n, s:n, s:[s]}]}],"
	        " s:[{s:s, s:s, s:s, s:s, s:[{s:s, s:I, s:s, s:n, s:b}]},"
	        " {s:s, s:s, s:s, s:s, s:[{s:s, s:I, s:s, s:n, s:b}, {s:s, s:I, s:s, s:n, s:b}]}]}",
	        "version", 1, "bundle", "demo", "manifest_sha256", "targets", "name",
	        "cp311-manylinux_2_28_x86_64", "python_version", "3.11", "implementation", "cp",
	        "platforms", "manylinux_2_28_x86_64", "distributions",
	        "name", "bar", "version", "2.0", "filename", "bar-2.0-py3-none-any.whl", "url",
	        "http://x/bar-2.0-py3-none-any.whl", "sha256",
	        "1111111111111111111111111111111111111111111111111111111111111111", "size",
	        (json_int_t)10, "requires_python", "metadata_sha256", md, "required_by", "foo",
	        "name", "foo", "version", "1.0+local", "filename", "foo-1.0+local-py3-none-any.whl",
	        "url", "http://x/foo.whl", "sha256",
	        "2222222222222222222222222222222222222222222222222222222222222222", "size",
	        (json_int_t)20, "requires_python", "metadata_sha256", "required_by", "-",
	        "repos", "type", "dataset", "repo", "org/data", "revision", "main", "commit",
	        "cccccccccccccccccccccccccccccccccccccccc", "files", "path", "README.md", "size",
	        (json_int_t)strlen(dscardtext), "sha256", dscard, "git_sha1", "lfs", 0,
	        "type", "model", "repo", "org/model", "revision", "main", "commit",
	        "0123456789abcdef0123456789abcdef01234567", "files", "path", "README.md", "size",
	        (json_int_t)strlen(cardtext), "sha256", card, "git_sha1", "lfs", 0, "path",
	        "model.safetensors", "size", (json_int_t)5, "sha256",
	        "3333333333333333333333333333333333333333333333333333333333333333", "git_sha1", "lfs",
	        1);
	if (!ok(j && !al_lock_from_json(j, &l, &d), "lock: %s", d.msg)) {
		json_decref(j);
		al_store_free(s);
		return;
	}
	json_decref(j);
	/* the store has bar's metadata but neither wheel: bar's licence comes
	 * from the sidecar, foo has none (a warning) */
	{
		struct al_sbom_opts o = { s, 42, "2026-01-02T03:04:05Z", on_warn, NULL };
		struct al_sbom_opts o2 = { s, 43, "2026-01-02T03:04:05Z", on_warn, NULL };
		ok(!al_sbom_build(l, &o, &a, &alen, &d), "build: %s", d.msg);
		ok(!al_sbom_build(l, &o, &b, &blen, &d), "build again: %s", d.msg);
		ok(a && b && alen == blen && !memcmp(a, b, alen), "byte-identical for the same input");
		ok(!al_sbom_build(l, &o2, &c, &clen, &d), "build seq 43: %s", d.msg);
	}
	ok(nwarn == 3, "a file neither in the store nor with its sidecar there warns, once per "
	   "build: %d", nwarn);
	j = a ? json_loads(a, 0, NULL) : NULL;
	if (ok(j != NULL, "the SBOM is JSON")) {
		json_t *t = json_array_get(json_object_get(j, "components"), 0);
		json_t *kids = json_object_get(t, "components");
		json_t *bar = json_array_get(kids, 0), *foo = json_array_get(kids, 1);
		json_t *model = json_array_get(json_object_get(j, "components"), 2);
		json_t *data = json_array_get(json_object_get(j, "components"), 1);
		json_t *deps = json_object_get(j, "dependencies");
		char *s1 = NULL;
		size_t i;

		ok(!strcmp(json_string_value(json_object_get(j, "specVersion")), "1.6") &&
		           !strcmp(json_string_value(json_object_get(j, "bomFormat")), "CycloneDX"),
		   "CycloneDX 1.6");
		ok(!strcmp(json_string_value(json_object_get(json_object_get(j, "metadata"), "timestamp")),
		           "2026-01-02T03:04:05Z"), "timestamp as given");
		ok(!strcmp(json_string_value(json_object_get(t, "type")), "platform") &&
		           !strcmp(json_string_value(json_object_get(t, "name")),
		                   "cp311-manylinux_2_28_x86_64"), "a platform component per target");
		ok(!strcmp(json_string_value(json_object_get(foo, "purl")),
		           "pkg:pypi/foo@1.0%2Blocal?file_name=foo-1.0%2Blocal-py3-none-any.whl"),
		   "purl with the file name, encoded: %s", json_string_value(json_object_get(foo, "purl")));
		ok(!strcmp(json_string_value(json_object_get(json_array_get(json_object_get(bar, "hashes"), 0),
		                                             "content")),
		           "1111111111111111111111111111111111111111111111111111111111111111"),
		   "sha256 in hashes");
		s1 = json_dumps(json_object_get(bar, "licenses"), JSON_COMPACT);
		ok(s1 && !strcmp(s1, "[{\"expression\":\"MIT\"}]"), "licence from the sidecar: %s", s1);
		free(s1);
		ok(!json_object_get(foo, "licenses"), "no licence when the store lacks the metadata");
		ok(!strcmp(json_string_value(json_object_get(model, "type")), "machine-learning-model") &&
		           !strcmp(json_string_value(json_object_get(model, "purl")),
		                   "pkg:huggingface/org/model@0123456789abcdef0123456789abcdef01234567"),
		   "model component and purl");
		ok(!strcmp(json_string_value(json_object_get(data, "type")), "data"), "data component");
		s1 = json_dumps(json_object_get(model, "modelCard"), JSON_COMPACT | JSON_SORT_KEYS);
		ok(s1 && !strcmp(s1, "{\"modelParameters\":{\"datasets\":[{\"ref\":\"dataset:org/data\"},"
		                     "{\"name\":\"else/where\",\"type\":\"dataset\"}]}}"),
		   "card datasets: a ref when bundled, else inline: %s", s1);
		free(s1);
		s1 = json_dumps(json_object_get(data, "licenses"), JSON_COMPACT);
		ok(s1 && !strcmp(s1, "[{\"license\":{\"id\":\"CC-BY-4.0\"}}]"), "dataset licence %s", s1);
		free(s1);
		ok(json_array_size(json_object_get(model, "components")) == 2 &&
		           !strcmp(json_string_value(json_object_get(
		                           json_array_get(json_object_get(json_array_get(json_object_get(
		                                                  model, "components"), 1), "hashes"), 0),
		                           "content")),
		                   "3333333333333333333333333333333333333333333333333333333333333333"),
		   "each repo file a nested file component with its sha256");
		for (i = 0; i < json_array_size(deps); i++) {
			json_t *dep = json_array_get(deps, i);
			const char *ref = json_string_value(json_object_get(dep, "ref"));
			s1 = json_dumps(json_object_get(dep, "dependsOn"), JSON_COMPACT);
			if (!strcmp(ref, "target:cp311-manylinux_2_28_x86_64/foo-1.0+local-py3-none-any.whl"))
				ok(s1 && !strcmp(s1, "[\"target:cp311-manylinux_2_28_x86_64/bar-2.0-py3-none-any.whl\"]"),
				   "foo depends on bar: %s", s1);
			if (!strcmp(ref, "target:cp311-manylinux_2_28_x86_64"))
				ok(s1 && !strcmp(s1, "[\"target:cp311-manylinux_2_28_x86_64/foo-1.0+local-py3-none-any.whl\"]"),
				   "the target depends on what the manifest asks: %s", s1);
			if (!strcmp(ref, "bundle"))
				ok(s1 && !strcmp(s1, "[\"target:cp311-manylinux_2_28_x86_64\",\"dataset:org/data\","
				                     "\"model:org/model\"]"), "the bundle depends on all: %s", s1);
			free(s1);
		}
		ok(json_array_size(deps) == 6, "a dependency entry per component with a ref: %zu",
		   json_array_size(deps));
	}
	{
		json_t *k = c ? json_loads(c, 0, NULL) : NULL;
		ok(k && strcmp(json_string_value(json_object_get(j, "serialNumber")),
		               json_string_value(json_object_get(k, "serialNumber"))),
		   "another sequence, another serial number");
		json_decref(k);
	}
	json_decref(j);
	free(a);
	free(b);
	free(c);
	/* without a store: no licences, no warnings; without a seq: no sequence */
	{
		struct al_sbom_opts o = { NULL, -1, NULL, on_warn, NULL };
		nwarn = 0;
		ok(!al_sbom_build(l, &o, &a, &alen, &d) && nwarn == 0 && !strstr(a, "licenses") &&
		           !strstr(a, "airlock:sequence") && !strstr(a, "timestamp"),
		   "no store, no seq: %s", d.msg);
		free(a);
	}
	al_lock_free(l);
	al_store_free(s);
}

static void test_wheel_metadata(void)
{
	static const char *const names[] = { "deflated.whl", "stored.whl", "zip64.whl", "METADATA" };
	struct al_buf want = AL_BUF_INIT, got = AL_BUF_INIT;
	struct al_diag d = AL_DIAG_INIT;
	char path[4096];
	size_t i;
	int fd;

	snprintf(path, sizeof(path), "%s/fixtures/zip/METADATA", tap_srcdir());
	ok(!al_buf_read_file(&want, path, 1 << 20, &d), "METADATA: %s", d.msg);
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/fixtures/zip/%s", tap_srcdir(), names[i]);
		al_buf_reset(&got);
		fd = open(path, O_RDONLY);
		if (i < 3)
			ok(fd >= 0 && !al_sbom_wheel_metadata(fd, &got) && got.len == want.len &&
			           !memcmp(got.buf, want.buf, want.len),
			   "%s: METADATA through the central directory", names[i]);
		else
			ok(fd >= 0 && al_sbom_wheel_metadata(fd, &got) == AL_EINVALID && !got.len,
			   "a file that is no zip: AL_EINVALID, nothing kept");
		if (fd >= 0)
			close(fd);
	}
	al_buf_release(&want);
	al_buf_release(&got);
}

/* al_sbom_dist_licenses: a distribution's METADATA wherever lock left it in
 * the store, here only the HTTP cache (the sidecar under its URL, a range
 * read's METADATA under the file's hash), as policy.licenses reads it */
static void test_dist_metadata(void)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_store *s = NULL;
	struct al_buf side = AL_BUF_INIT, ranged = AL_BUF_INIT;
	char dir[300], side_hex[65], *text = NULL;
	json_t *l = NULL;
	struct al_lock_dist x = { .name = (char *)"a", .version = (char *)"1.0",
	                          .filename = (char *)"a-1.0-py3-none-any.whl",
	                          .url = (char *)"http://x/a-1.0-py3-none-any.whl",
	                          .sha256 = (char *)"4444444444444444444444444444444444444444444444444444444444444444" };

	snprintf(dir, sizeof(dir), "%s/store-md", root);
	if (!ok(!al_store_open(&s, dir, AL_STORE_CREATE, &d), "store: %s", d.msg))
		return;
	ok(al_sbom_dist_licenses(s, &x, &l, &d) == AL_ENOTFOUND && !l && strstr(d.msg, "a-1.0-py3-none-any.whl"),
	   "nothing in the store: AL_ENOTFOUND naming the file");
	ok(al_sbom_dist_licenses(NULL, &x, &l, &d) == AL_ENOTFOUND, "no store: AL_ENOTFOUND");
	if (al_buf_addstr(&side, "Metadata-Version: 2.4\nName: a\nVersion: 1.0\nLicense-Expression: MIT OR Apache-2.0\n") ||
	    al_buf_addstr(&ranged, "Metadata-Version: 2.1\nName: a\nVersion: 1.0\nLicense: BSD-3-Clause\n"))
		abort();
	al_sha256_hex(side.buf, side.len, side_hex);
	ok(!al_httpcache_put(s, "http://x/a-1.0-py3-none-any.whl.metadata", NULL, NULL, &side, &d) &&
	   !al_httpcache_put(s, "metadata-of:sha256:4444444444444444444444444444444444444444444444444444444444444444",
	                     NULL, NULL, &ranged, &d), "cache: %s", d.msg);
	x.metadata_sha256 = side_hex;
	ok(!al_sbom_dist_licenses(s, &x, &l, &d) && (text = json_dumps(l, JSON_COMPACT)) &&
	   !strcmp(text, "[{\"expression\":\"MIT OR Apache-2.0\"}]"), "the sidecar lock kept under its URL");
	free(text);
	text = NULL;
	json_decref(l);
	l = NULL;
	x.metadata_sha256 = (char *)"5555555555555555555555555555555555555555555555555555555555555555";
	ok(!al_sbom_dist_licenses(s, &x, &l, &d) && (text = json_dumps(l, JSON_COMPACT)) &&
	   !strcmp(text, "[{\"license\":{\"id\":\"BSD-3-Clause\"}}]"),
	   "a kept sidecar with another hash is not this file's: the range read's METADATA is");
	free(text);
	json_decref(l);
	l = NULL;
	x.sha256 = (char *)"6666666666666666666666666666666666666666666666666666666666666666";
	ok(al_sbom_dist_licenses(s, &x, &l, &d) == AL_ENOTFOUND, "neither matches another file: not found");
	al_buf_release(&side);
	al_buf_release(&ranged);
	al_store_free(s);
}

int main(void)
{
	if (!mkdtemp(root))
		return 1;
	test_metadata();
	test_card();
	test_serial();
	test_wheel_metadata();
	test_build();
	test_dist_metadata();
	al_remove_tree(root);
	return done_testing();
}
