/* lib/mirror/publish.c through its interface: al_publish lays out a store's
 * bundles (wheels, index pages, requirements, the plain and Hub trees of a
 * repo) in a generation and switches DIR to it; a second publish replaces
 * it and leaves one generation; a refused publish leaves the tree as it
 * was. al_publish_plan_check refuses two owners for one path. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "airlock.h"
#include "core/buf.h"
#include "core/mem.h"
#include "mirror/publish.h"
#include "spec/lockjson.h"
#include "store/bundle.h"
#include "tap.h"

static char root[] = "/tmp/airlock-test-publish-XXXXXX";

#define TARGET "cp311-manylinux_2_28_x86_64"
#define COMMIT "0123456789abcdef0123456789abcdef01234567"
#define WHEEL "demo_pkg-1.0-py3-none-any.whl"
#define H(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c \
	     c c c c c c c c c c c c c c c c c c c c /* 64 */

/* ROOT/rel, in one of two static buffers */
static const char *at(const char *rel)
{
	static char p[2][4200];
	static int k;
	k ^= 1;
	snprintf(p[k], sizeof(p[k]), "%s/%s", root, rel);
	return p[k];
}

static bool add_blob(struct al_store *s, const char *name, const char *text, char hex[65])
{
	struct al_diag d = AL_DIAG_INIT;
	const char *p = at(name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	bool good = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text) &&
	            close(fd) == 0 && al_store_add_file(s, p, NULL, AL_SIZE_UNKNOWN, hex, &d) == AL_OK;

	if (!good)
		diag("add_blob %s: %s", name, d.msg);
	return good;
}

/* A lock: one target with the wheel WHEEL (when wheel is not NULL) and
 * repo `repo` at COMMIT with the given files (path, sha256, size triples as
 * strings, NULL-terminated; repo NULL: no repo). */
static struct al_lock *make_lock(const char *bundle, const char *wheel, const char *meta,
                                 const char *repo, const char *const *files)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_lock *l = NULL;
	json_t *fl = json_array(), *dists = json_array(), *repos = json_array(), *j;
	size_t i;

	for (i = 0; files && files[i]; i += 3)
		json_array_append_new(fl, json_pack("{s:s, s:I, s:s}", "path", files[i], "size",
		                                    (json_int_t)atoll(files[i + 2]), "sha256", files[i + 1]));
	if (wheel)
		json_array_append_new(dists, json_pack("{s:s, s:s, s:s, s:s, s:s?, s:i, s:[s]}",
		                                       "name", "demo-pkg", "version", "1.0", "filename",
		                                       WHEEL, "sha256", wheel, "metadata_sha256", meta,
		                                       "size", 6, "required_by", "-"));
	if (repo)
		json_array_append_new(repos, json_pack("{s:s, s:s, s:s, s:s, s:o}", "type", "model",
		                                       "repo", repo, "revision", "main", "commit", COMMIT,
		                                       "files", fl));
	else
		json_decref(fl);
	j = json_pack("{s:i, s:s, s:n, s:[{s:s, s:s, s:s, s:[s], s:o}], s:o}", "version", 1,
	              "bundle", bundle, "manifest_sha256", "targets", "name", TARGET,
	              "python_version", "3.11", "implementation", "cp", "platforms",
	              "manylinux_2_28_x86_64", "distributions", dists, "repos", repos);
	if (!j || al_lock_from_json(j, &l, &d))
		diag("make_lock %s: %s", bundle, d.msg);
	json_decref(j);
	return l;
}

static char *slurp(const char *path)
{
	struct al_buf b = AL_BUF_INIT;
	struct al_diag d = AL_DIAG_INIT;

	if (al_buf_read_file(&b, path, 1 << 20, &d)) {
		al_buf_release(&b);
		return NULL;
	}
	return al_buf_detach(&b, NULL);
}

/* Does the file at ROOT/rel hold exactly `want`? (NULL want: does it exist?) */
static bool holds(const char *rel, const char *want)
{
	char *got = slurp(at(rel));
	bool r = got && (!want || !strcmp(got, want));

	if (got && !r)
		diag("%s holds '%s'", rel, got);
	al_free(got);
	return r;
}

static bool contains(const char *rel, const char *needle)
{
	char *got = slurp(at(rel));
	bool r = got && strstr(got, needle);

	al_free(got);
	return r;
}

/* Does the link rel point into the generation named gen? */
static bool contains_link(const char *rel, const char *gen)
{
	char target[512];
	ssize_t n = readlink(at(rel), target, sizeof(target) - 1);

	if (n < 0)
		return false;
	target[n] = '\0';
	return strstr(target, gen) != NULL;
}

/* The generations beside ROOT/pub: how many, and the name of the last seen. */
static int generations(char name[256])
{
	DIR *dh = opendir(at(".pub.airlock"));
	struct dirent *e;
	int n = 0;

	while (dh && (e = readdir(dh)))
		if (!strncmp(e->d_name, "gen-", 4)) {
			n++;
			snprintf(name, 256, "%s", e->d_name);
		} else if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			diag("also in .pub.airlock: %s", e->d_name);
			n += 100;
		}
	if (dh)
		closedir(dh);
	return n;
}

/* pub's link target, "" when it is no link */
static const char *link_of(const char *rel, char *buf, size_t size)
{
	ssize_t n = readlink(at(rel), buf, size - 1);

	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

static void test_publish(void)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_store *s = NULL;
	struct al_publish_opts o = { 0 };
	struct al_publish_summary sum;
	struct al_lock *l = NULL;
	char wheel[65], meta[65], cfg[65], weights[65], gen1[256] = "", gen2[256] = "", lk[4200];
	char *blob = NULL, *pub = al_strdup(at("pub")), *full = al_strdup(at("full")),
	     *mine = al_strdup(at("full/mine")), *empty = al_strdup(at("empty/"));
	struct stat a, b;
	const char *only[] = { "extra" }, *missing[] = { "nope" };
	int fd;

	if (al_store_open(&s, at("store"), AL_STORE_CREATE, &d) || !add_blob(s, "w", "wheel\n", wheel) ||
	    !add_blob(s, "m", "Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.0\n", meta) ||
	    !add_blob(s, "c", "{\"model_type\": \"demo\"}\n", cfg) ||
	    !add_blob(s, "x", "weights", weights)) {
		ok(0, "a store with four blobs: %s", d.msg);
		goto out;
	}
	o.out_dir = pub;
	is_int(al_publish(s, &o, &sum, &d), AL_ENOTFOUND, "a store without bundles: ENOTFOUND");
	is_str(d.msg, "the store has no bundles to publish", "saying so");
	ok(access(at("pub"), F_OK) < 0, "and DIR is not made");

	{
		const char *const files[] = { "config.json", cfg, "23", "sub/weights.bin", weights, "7", NULL };
		l = make_lock("demo", wheel, meta, "org/model", files);
	}
	if (!l || al_bundle_put(s, l, &d)) {
		ok(0, "record bundle demo: %s", d.msg);
		al_lock_free(l);
		goto out;
	}
	al_lock_free(l);

	al_diag_clear(&d);
	is_int(al_publish(s, &o, &sum, &d), AL_OK, "publish: %s", d.msg);
	ok(lstat(at("pub"), &a) == 0 && S_ISLNK(a.st_mode), "DIR is a symbolic link");
	is_int(generations(gen1), 1, "to the one generation");
	snprintf(lk, sizeof(lk), ".pub.airlock/%s", gen1);
	{
		char buf[4200];
		is_str(link_of("pub", buf, sizeof(buf)), lk, "DIR names it, relative to DIR's parent");
	}
	ok(sum.wheels == 1 && sum.targets == 1 && sum.repos == 1 && sum.files == 2,
	   "the summary counts 1 wheel, 1 target, 1 repo, 2 files (%llu %llu %llu %llu)",
	   (unsigned long long)sum.wheels, (unsigned long long)sum.targets,
	   (unsigned long long)sum.repos, (unsigned long long)sum.files);

	ok(holds("pub/wheels/" WHEEL, "wheel\n"), "wheels/<file> is the wheel");
	blob = al_store_blob_path(s, wheel);
	ok(blob && stat(blob, &b) == 0 && stat(at("pub/wheels/" WHEEL), &a) == 0 &&
	   a.st_ino == b.st_ino && a.st_dev == b.st_dev, "a hard link to the store's blob");
	al_free(blob);
	ok(sum.bytes_linked > 0 && sum.bytes_copied == 0, "counted as linked, nothing copied");
	ok(holds("pub/wheels/" WHEEL ".metadata", "Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.0\n"),
	   "its metadata sidecar beside it");
	ok(contains("pub/simple/index.html", "demo-pkg"), "simple/index.html lists the project");
	ok(contains("pub/simple/demo-pkg/index.html", WHEEL) &&
	   contains("pub/simple/demo-pkg/index.html", wheel), "the project page links the file with its hash");
	ok(holds("pub/simple/demo-pkg/index.v1_json", NULL), "and has its PEP 691 form");
	ok(contains("pub/requirements/" TARGET ".txt", "demo-pkg==1.0") &&
	   contains("pub/requirements/" TARGET ".txt", wheel),
	   "requirements/<target>.txt pins it with its hash");
	ok(holds("pub/requirements/" TARGET ".pylock.toml", NULL), "and the pylock.toml");
	ok(holds("pub/models/org/model/config.json", "{\"model_type\": \"demo\"}\n") &&
	   holds("pub/models/org/model/sub/weights.bin", "weights"), "models/<repo>/ holds the repo's files");
	ok(holds("pub/hf/hub/models--org--model/snapshots/" COMMIT "/sub/weights.bin", "weights"),
	   "the Hub cache's snapshot holds them too");
	ok(contains("pub/hf/hub/models--org--model/refs/main", COMMIT), "refs/main names the commit");
	ok(contains("pub/hf/api/models/org/model/info.json", "config.json"), "the Hub API file lists them");
	ok(contains("pub/airlock-published.json", "\"demo\"") &&
	   contains("pub/airlock-published.json", "\"date\": \"") &&
	   !contains("pub/airlock-published.json", gen1),
	   "airlock-published.json names the bundle and the date, not the generation (replicas agree)");

	/* a second bundle, and a second publish: a new generation, the old one gone */
	l = make_lock("extra", wheel, meta, NULL, NULL);
	ok(l && al_bundle_put(s, l, &d) == AL_OK, "record a second bundle pinning the same wheel");
	al_lock_free(l);
	/* no wait: a second publish in the same second by the same process
	 * must not take the live generation's name (and remove it) */
	al_diag_clear(&d);
	is_int(al_publish(s, &o, &sum, &d), AL_OK, "publish again: %s", d.msg);
	is_int(generations(gen2), 1, "one generation is left");
	ok(strcmp(gen1, gen2) != 0, "a new one (%s, was %s)", gen2, gen1);
	ok(contains("pub/airlock-published.json", "\"extra\"") && contains_link("pub", gen2),
	   "DIR shows it");
	ok(holds("pub/requirements/demo@" TARGET ".txt", NULL) &&
	   holds("pub/requirements/extra@" TARGET ".txt", NULL) &&
	   access(at("pub/requirements/" TARGET ".txt"), F_OK) < 0,
	   "with two bundles, requirements are named bundle@target");
	ok(holds("pub/wheels/" WHEEL, "wheel\n"), "the shared wheel is published once");

	/* only the bundles asked */
	o.bundles = only;
	o.nbundles = 1;
	is_int(al_publish(s, &o, &sum, &d), AL_OK, "publish one bundle by name");
	ok(contains("pub/airlock-published.json", "\"extra\"") &&
	   !contains("pub/airlock-published.json", "\"demo\"") &&
	   access(at("pub/models/org/model"), F_OK) < 0, "only that one is in the tree");
	is_int(generations(gen1), 1, "one generation is left");

	/* refusals leave the tree as it was */
	o.bundles = missing;
	is_int(al_publish(s, &o, &sum, &d), AL_ENOTFOUND, "a bundle the store lacks: ENOTFOUND");
	is_str(d.msg, "no bundle 'nope' in the store", "naming it");
	{
		char buf[4200];
		snprintf(lk, sizeof(lk), ".pub.airlock/%s", gen1);
		is_str(link_of("pub", buf, sizeof(buf)), lk, "DIR still names the last generation");
		is_int(generations(gen2), 1, "which is the only one");
	}
	o.bundles = NULL;
	o.nbundles = 0;
	ok(mkdir(at("full"), 0755) == 0 && (fd = open(at("full/mine"), O_WRONLY | O_CREAT, 0644)) >= 0 &&
	   close(fd) == 0, "a directory with a file in it");
	o.out_dir = full;
	is_int(al_publish(s, &o, &sum, &d), AL_EUSAGE, "is not published over");
	ok(strstr(d.msg, "exists and is not an airlock publish tree") != NULL, "saying so: %s", d.msg);
	ok(access(at("full/mine"), F_OK) == 0, "and keeps its file");
	o.out_dir = mine;
	is_int(al_publish(s, &o, &sum, &d), AL_EUSAGE, "nor is a regular file");
	ok(mkdir(at("empty"), 0755) == 0, "an empty directory");
	o.out_dir = empty;
	al_diag_clear(&d);
	is_int(al_publish(s, &o, &sum, &d), AL_OK, "is replaced by a published tree (trailing slash): %s", d.msg);
	ok(lstat(at("empty"), &a) == 0 && S_ISLNK(a.st_mode) && holds("empty/wheels/" WHEEL, "wheel\n"),
	   "a link to its generation");
	al_diag_clear(&d);
	is_int(al_publish(s, &o, &sum, &d), AL_OK, "and published again through the slash: %s", d.msg);
	ok(lstat(at("empty"), &a) == 0 && S_ISLNK(a.st_mode), "still a link");

	/* two bundles that collide: publish refuses, the tree stays */
	{
		const char *const files[] = { "config.json", weights, "7", NULL };
		l = make_lock("clash", NULL, NULL, "org/model", files);
	}
	ok(l && al_bundle_put(s, l, &d) == AL_OK, "record a bundle whose config.json differs at the same commit");
	al_lock_free(l);
	o.out_dir = pub;
	is_int(al_publish(s, &o, &sum, &d), AL_ECONFLICT, "publishing all bundles: ECONFLICT");
	ok(strstr(d.msg, "config.json' would be published twice") != NULL, "naming the path: %s", d.msg);
	ok(contains_link("pub", gen1) && generations(gen2) == 1, "the published tree is unchanged");
out:
	al_store_free(s);
	al_free(pub);
	al_free(full);
	al_free(mine);
	al_free(empty);
}

static void test_plan_check(void)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_lock *v[2];
	const char *const f_a[] = { "a", H("c"), "1", NULL };
	const char *const f_a2[] = { "a", H("d"), "1", NULL };
	const char *const f_ab[] = { "a/b", H("c"), "1", NULL };

	v[0] = make_lock("one", H("a"), NULL, NULL, NULL);
	v[1] = make_lock("two", H("a"), NULL, NULL, NULL);
	is_int(al_publish_plan_check(v, 2, &d), AL_OK, "two bundles pinning the same wheel: fine");
	al_lock_free(v[1]);
	v[1] = make_lock("two", H("b"), NULL, NULL, NULL);
	is_int(al_publish_plan_check(v, 2, &d), AL_ECONFLICT, "the same file name with other content");
	is_str(d.msg, "'wheels/" WHEEL "' would be published twice: the distribution '" WHEEL
	       "' of bundle 'one' and the distribution '" WHEEL "' of bundle 'two'",
	       "names the path and both owners");
	is_int(al_publish_plan_check(v, 1, &d), AL_OK, "either alone is fine");
	al_lock_free(v[0]);
	al_lock_free(v[1]);

	v[0] = make_lock("one", NULL, NULL, "org/m", f_a);
	v[1] = make_lock("two", NULL, NULL, "org/m", f_a);
	is_int(al_publish_plan_check(v, 2, &d), AL_OK, "one repo commit in two bundles: fine");
	al_lock_free(v[1]);
	v[1] = make_lock("two", NULL, NULL, "org/m", f_a2);
	is_int(al_publish_plan_check(v, 2, &d), AL_ECONFLICT, "a file of that commit with other content");
	ok(strstr(d.msg, "would be published twice: the file 'a' of repo 'org/m' (bundle 'one') and "
	                 "the file 'a' of repo 'org/m' (bundle 'two')") != NULL, "says whose: %s", d.msg);
	al_lock_free(v[1]);
	v[1] = make_lock("two", NULL, NULL, "org/m", f_ab);
	is_int(al_publish_plan_check(v, 2, &d), AL_ECONFLICT, "a file that is another's directory");
	ok(strstr(d.msg, "would be published both as a file") != NULL, "says so: %s", d.msg);
	al_lock_free(v[1]);
	v[1] = make_lock("two", NULL, NULL, "org/M", f_a);
	is_int(al_publish_plan_check(v, 2, &d), AL_ECONFLICT, "repos whose names differ in case");
	ok(strstr(d.msg, "(paths that differ only in case are one path)") != NULL, "are one path: %s",
	   d.msg);
	al_lock_free(v[1]);
	al_lock_free(v[0]);
}

int main(void)
{
	struct al_buf cmd = AL_BUF_INIT;

	if (!mkdtemp(root))
		return 1;
	test_plan_check();
	test_publish();
	al_buf_addf(&cmd, "chmod -R u+w '%s'; rm -rf '%s'", root, root);
	(void)!system(cmd.buf);
	al_buf_release(&cmd);
	return done_testing();
}
