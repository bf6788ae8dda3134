/* lib/store/bundle.c through its interface: safe published paths, the blobs a
 * lock needs, a lock's repo files refused when two would land on one path,
 * and bundles recorded in a store (put, get, names, the references gc
 * keeps). */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <jansson.h>

#include "airlock.h"
#include "core/buf.h"
#include "core/fsutil.h"
#include "core/mem.h"
#include "spec/lock.h"
#include "spec/lockjson.h"
#include "store/bundle.h"
#include "tap.h"

static char root[] = "/tmp/airlock-test-bundle-XXXXXX";

#define TARGET "cp311-manylinux_2_28_x86_64"
#define COMMIT "0123456789abcdef0123456789abcdef01234567"

/* Add a file holding `text` to the store; its sha256 in hex. */
static bool add_blob(struct al_store *s, const char *name, const char *text, char hex[65])
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_buf p = AL_BUF_INIT;
	bool good;
	int fd;

	al_buf_addf(&p, "%s/%s", root, name);
	fd = open(p.buf, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	good = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text) && close(fd) == 0 &&
	       al_store_add_file(s, p.buf, NULL, AL_SIZE_UNKNOWN, hex, &d) == AL_OK;
	if (!good)
		diag("add_blob %s: %s", name, d.msg);
	al_buf_release(&p);
	return good;
}

/* A lock of one target with one wheel (and its metadata sidecar) and one
 * model repo with the given files (path, sha256 pairs, NULL-terminated). */
static json_t *lock_json(const char *bundle, const char *wheel, const char *meta, const char *const *files)
{
	json_t *fl = json_array(), *dists = json_array();
	size_t i;

	for (i = 0; files && files[i]; i += 2)
		json_array_append_new(fl, json_pack("{s:s, s:i, s:s, s:b}", "path", files[i], "size", 5,
		                                    "sha256", files[i + 1], "lfs", 0));
	if (wheel)
		json_array_append_new(dists, json_pack("{s:s, s:s, s:s, s:s, s:s?, s:i, s:[s]}",
		                                       "name", "demo-pkg", "version", "1.0", "filename",
		                                       "demo_pkg-1.0-py3-none-any.whl", "sha256", wheel,
		                                       "metadata_sha256", meta, "size", 5,
		                                       "required_by", "-"));
	return json_pack("{s:i, s:s, s:n, s:[{s:s, s:s, s:s, s:[s], s:o}], s:[{s:s, s:s, s:s, s:s, s:o}]}",
	                 "version", 1, "bundle", bundle, "manifest_sha256",
	                 "targets", "name", TARGET, "python_version", "3.11", "implementation", "cp",
	                 "platforms", "manylinux_2_28_x86_64", "distributions", dists,
	                 "repos", "type", "model", "repo", "org/model", "revision", "main", "commit",
	                 COMMIT, "files", fl);
}

static struct al_lock *lock_of(json_t *j, struct al_diag *d)
{
	struct al_lock *l = NULL;

	if (!j || al_lock_from_json(j, &l, d))
		diag("lock_of: %s", d->msg);
	json_decref(j);
	return l;
}

static void test_path_safe(void)
{
	static const char *good[] = { "a", "a/b.txt", "dir/.hidden", "a..b/c", "...", "é/日本",
	                              "a b/c" };
	static const char *bad[] = { "", "/a", "a/", "a//b", ".", "..", "./a", "a/.", "a/./b",
	                             "a/../b", "../a", "a\\b", "a\nb", "a\tb", "a\x7f", "a\x01/b" };
	char seg[300], path[5000];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(al_path_safe(good[i]), "safe: '%s'", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *shown = al_safe_text(bad[i], 0);
		ok(!al_path_safe(bad[i]), "unsafe: '%s'", shown ? shown : "?");
		free(shown);
	}
	ok(!al_path_safe(NULL), "unsafe: NULL");
	memset(seg, 'x', 255);
	seg[255] = '\0';
	ok(al_path_safe(seg), "a segment of 255 bytes is safe");
	seg[255] = 'x';
	seg[256] = '\0';
	ok(!al_path_safe(seg), "one of 256 is not");
	for (i = 0; i < 4096; i += 2)
		memcpy(path + i, "a/", 2);
	path[4095] = 'a';
	path[4096] = '\0';
	ok(al_path_safe(path), "a path of 4096 bytes is safe");
	path[4096] = 'a';
	path[4097] = '\0';
	ok(!al_path_safe(path), "one of 4097 is not");
}

static void test_lock_objects(void)
{
	static const char *const files[] = {
		"a.txt", "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc",
		"b.txt", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"c.txt", "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc", NULL
	};
	struct al_diag d = AL_DIAG_INIT;
	struct al_lock *l;
	char **v = NULL;
	size_t n = 99;

	l = lock_of(lock_json("demo", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
	                      "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd", files), &d);
	if (!l) {
		ok(0, "a lock");
		return;
	}
	is_int(al_lock_objects(l, &v, &n, &d), AL_OK, "lock_objects");
	is_int(n, 4, "the wheel, its metadata and two distinct repo blobs");
	if (n == 4) {
		ok(v[0][0] == 'a' && v[1][0] == 'b' && v[2][0] == 'c' && v[3][0] == 'd',
		   "sorted, each once: %.4s %.4s %.4s %.4s", v[0], v[1], v[2], v[3]);
	}
	al_strv_free(v, n);
	al_lock_free(l);

	l = lock_of(lock_json("empty", NULL, NULL, NULL), &d);
	v = NULL;
	n = 99;
	ok(l && al_lock_objects(l, &v, &n, &d) == AL_OK && n == 0, "a lock of nothing needs nothing");
	al_strv_free(v, n);
	al_lock_free(l);
}

/* Repo files that would land on one path of a published tree. */
static void test_collisions(void)
{
	static const char *const h = "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee";
	const char *const cased[] = { "README.md", h, "readme.MD", h, NULL };
	const char *const dir[] = { "a/b", h, "a", h, NULL };
	const char *const dir2[] = { "x/y/z", h, "x-", h, "X/Y", h, NULL };
	const char *const fine[] = { "a/b", h, "a-b", h, "ab", h, "a.b/c", h, NULL };
	const char *const unsafe[] = { "a/../b", h, NULL };
	struct al_diag d = AL_DIAG_INIT;
	struct al_lock *l = NULL;
	json_t *j;

	j = lock_json("demo", NULL, NULL, cased);
	is_int(al_lock_from_json(j, &l, &d), AL_EINVALID, "two files differing only in case");
	ok(strstr(d.msg, "differ only in case") && strstr(d.msg, "lock.repos[0]"), "are refused: %s",
	   d.msg);
	json_decref(j);
	j = lock_json("demo", NULL, NULL, dir);
	is_int(al_lock_from_json(j, &l, &d), AL_EINVALID, "a file that is another's directory");
	ok(strstr(d.msg, "'a' is both a file and a directory") != NULL, "is refused: %s", d.msg);
	json_decref(j);
	j = lock_json("demo", NULL, NULL, dir2);
	is_int(al_lock_from_json(j, &l, &d), AL_EINVALID,
	       "a deeper one, in another case, with a name sorting between");
	ok(strstr(d.msg, "is both a file and a directory") != NULL, "is refused: %s", d.msg);
	json_decref(j);
	j = lock_json("demo", NULL, NULL, unsafe);
	is_int(al_lock_from_json(j, &l, &d), AL_EINVALID, "an unsafe path");
	ok(strstr(d.msg, "unsafe path 'a/../b'") != NULL, "is refused: %s", d.msg);
	json_decref(j);
	j = lock_json("demo", NULL, NULL, fine);
	al_diag_clear(&d);
	is_int(al_lock_from_json(j, &l, &d), AL_OK, "similar names that do not collide load: %s",
	       d.msg);
	ok(l && l->nrepos == 1 && l->repos[0].nfiles == 4 && !strcmp(l->repos[0].files[0].path, "a-b"),
	   "with their files sorted by path");
	al_lock_free(l);
	json_decref(j);
}

static char *format(const struct al_lock *l)
{
	struct al_diag d = AL_DIAG_INIT;
	char *s = NULL;
	size_t len;

	if (al_lock_format(l, &s, &len, &d))
		diag("al_lock_format: %s", d.msg);
	return s;
}

static void test_store(void)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_store *s = NULL;
	struct al_store_info info;
	struct al_gc_result gr;
	struct al_buf dir = AL_BUF_INIT;
	struct al_lock *l = NULL, *got = NULL, *small = NULL;
	char wheel[65], meta[65], f1[65], f2[65], stray[65], **names = NULL;
	char *want, *have;
	size_t n = 0;
	bool got_info;

	al_buf_addf(&dir, "%s/store", root);
	if (al_store_open(&s, dir.buf, AL_STORE_CREATE, &d) || !add_blob(s, "wheel", "wheel", wheel) ||
	    !add_blob(s, "meta", "meta\n", meta) || !add_blob(s, "f1", "one\n", f1) ||
	    !add_blob(s, "f2", "two\n", f2) || !add_blob(s, "stray", "stray", stray)) {
		ok(0, "a store with five blobs: %s", d.msg);
		goto out;
	}
	is_int(al_bundle_names(s, &names, &n, &d), AL_OK, "bundle_names of a new store");
	is_int(n, 0, "none");
	al_strv_free(names, n);
	is_int(al_bundle_get(s, "demo", &got, &d), AL_ENOTFOUND, "get of a missing bundle: ENOTFOUND");
	is_str(d.msg, "no bundle 'demo' in the store", "saying which");

	{
		const char *const files[] = { "dir/one.txt", f1, "two.txt", f2, NULL };
		l = lock_of(lock_json("demo", wheel, meta, files), &d);
	}
	{
		const char *const files[] = { "dir/one.txt", f1,
		                              "missing.bin", "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", NULL };
		struct al_lock *bad = lock_of(lock_json("broken", wheel, NULL, files), &d);
		is_int(bad ? al_bundle_put(s, bad, &d) : AL_EINTERNAL, AL_ENOTFOUND,
		       "a bundle needing a blob the store lacks is refused");
		is_str(d.msg, "bundle 'broken' needs blob ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff, "
		              "which the store lacks", "naming the blob");
		al_lock_free(bad);
		names = NULL;
		ok(al_bundle_names(s, &names, &n, &d) == AL_OK && n == 0, "and is not recorded");
		al_strv_free(names, n);
	}
	if (!l) {
		ok(0, "a lock");
		goto out;
	}
	al_diag_clear(&d);
	is_int(al_bundle_put(s, l, &d), AL_OK, "put a bundle: %s", d.msg);
	al_diag_clear(&d);
	is_int(al_bundle_get(s, "demo", &got, &d), AL_OK, "get it back: %s", d.msg);
	want = format(l);
	have = got ? format(got) : NULL;
	ok(want && have && !strcmp(want, have), "the same lock, field for field");
	al_free(want);
	al_free(have);
	al_lock_free(got);
	got = NULL;

	{
		struct al_lock *other = lock_of(lock_json("alpha", wheel, NULL, NULL), &d);
		is_int(other ? al_bundle_put(s, other, &d) : AL_EINTERNAL, AL_OK, "put a second bundle");
		al_lock_free(other);
	}
	names = NULL;
	is_int(al_bundle_names(s, &names, &n, &d), AL_OK, "bundle_names");
	ok(n == 2 && !strcmp(names[0], "alpha") && !strcmp(names[1], "demo"), "both, sorted by name");
	al_strv_free(names, n);
	memset(&info, 0, sizeof(info));
	got_info = al_store_info(s, &info, &d) == AL_OK;
	ok(got_info && info.bundles == 2 && info.referenced == 4,
	   "the store counts 2 bundles and 4 referenced blobs (%llu, %llu)",
	   (unsigned long long)info.bundles, (unsigned long long)info.referenced);

	/* the references keep what a bundle needs through gc, and only that */
	is_int(al_store_gc(s, false, &gr, &d), AL_OK, "gc");
	is_int(gr.removed, 1, "removes the one blob no bundle needs");
	ok(!al_store_has(s, stray) && al_store_has(s, wheel) && al_store_has(s, meta) &&
	   al_store_has(s, f1) && al_store_has(s, f2), "the stray one, and keeps the others");

	/* put again replaces the bundle and its references */
	{
		const char *const files[] = { "dir/one.txt", f1, NULL };
		small = lock_of(lock_json("demo", wheel, NULL, files), &d);
	}
	is_int(small ? al_bundle_put(s, small, &d) : AL_EINTERNAL, AL_OK, "put the bundle again, smaller");
	is_int(al_bundle_get(s, "demo", &got, &d), AL_OK, "get it");
	ok(got && got->nrepos == 1 && got->repos[0].nfiles == 1 && got->ntargets == 1 &&
	   got->targets[0].ndists == 1 && !got->targets[0].dists[0].metadata_sha256,
	   "the new lock replaced the old");
	al_lock_free(got);
	got = NULL;
	names = NULL;
	ok(al_bundle_names(s, &names, &n, &d) == AL_OK && n == 2, "still two bundles");
	al_strv_free(names, n);
	is_int(al_store_gc(s, false, &gr, &d), AL_OK, "gc");
	is_int(gr.removed, 2, "removes the two blobs the old lock alone needed");
	ok(!al_store_has(s, meta) && !al_store_has(s, f2) && al_store_has(s, wheel) &&
	   al_store_has(s, f1), "the metadata and the dropped file");
out:
	al_lock_free(l);
	al_lock_free(small);
	al_store_free(s);
	al_buf_release(&dir);
}

int main(void)
{
	struct al_buf cmd = AL_BUF_INIT;

	if (!mkdtemp(root))
		return 1;
	test_path_safe();
	test_lock_objects();
	test_collisions();
	test_store();
	al_buf_addf(&cmd, "chmod -R u+w '%s'; rm -rf '%s'", root, root);
	(void)!system(cmd.buf);
	al_buf_release(&cmd);
	return done_testing();
}
