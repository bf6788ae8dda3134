/* lib/review/diff.c through al_diff: equal locks, projects added, removed,
 * upgraded and downgraded in PEP 440 order (not string order), files
 * added and removed, targets and repos that come and go, repo files that
 * change, and the delta a medium would carry. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "airlock.h"
#include "spec/lockjson.h"
#include "tap.h"

#define H(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c \
             c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c
#define C1 "0123456789abcdef0123456789abcdef01234567"
#define C2 "89abcdef0123456789abcdef0123456789abcdef"

static json_t *dist(const char *name, const char *version, const char *sha, json_int_t size)
{
	char fn[200];

	snprintf(fn, sizeof(fn), "%s-%s-py3-none-any.whl", name, version);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:n, s:n, s:[s]}", "name", name, "version",
	                 version, "filename", fn, "url", "http://x/", "sha256", sha, "size", size,
	                 "requires_python", "metadata_sha256", "required_by", "-");
}

static json_t *file(const char *path, const char *sha, json_int_t size)
{
	return json_pack("{s:s, s:I, s:s, s:n, s:b}", "path", path, "size", size, "sha256", sha,
	                 "git_sha1", "lfs", 0);
}

static struct al_lock *lock(const char *target, json_t *dists, const char *commit, json_t *files)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_lock *l = NULL;
	json_t *repos = commit ? json_pack("[{s:s, s:s, s:s, s:s, s:o}]", "type", "model", "repo",
	                                   "org/m", "revision", "main", "commit", commit, "files", files)
	                       : json_array();
	json_t *j = json_pack("{s:i, s:s, s:n, s:[{s:s, s:s, s:s, s:[s], s:o}], s:o}", "version", 1,
	                      "bundle", "b", "manifest_sha256", "targets", "name", target,
	                      "python_version", "3.11", "implementation", "cp", "platforms",
	                      "manylinux_2_28_x86_64", "distributions", dists, "repos", repos);

	if (!commit)
		json_decref(files);
	if (!j || al_lock_from_json(j, &l, &d))
		diag("lock: %s", d.msg);
	json_decref(j);
	return l;
}

static char *dump(json_t *j, const char *key)
{
	return json_dumps(json_object_get(j, key), JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

int main(void)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_lock *a, *b, *c;
	json_t *r = NULL, *t;
	bool differ;
	char *s;

	a = lock("t1", json_pack("[o, o, o]", dist("alpha", "1.9", H("a"), 10),
	                         dist("beta", "2.0", H("b"), 20), dist("gamma", "1.0", H("c"), 30)),
	         C1, json_pack("[o, o]", file("README.md", H("1"), 5), file("w.bin", H("2"), 100)));
	b = lock("t1", json_pack("[o, o, o]", dist("alpha", "1.10", H("d"), 11),
	                         dist("beta", "1.0", H("e"), 21), dist("delta", "0.1", H("f"), 40)),
	         C2, json_pack("[o, o]", file("README.md", H("1"), 5), file("w.bin", H("3"), 200)));
	c = lock("t2", json_pack("[o]", dist("alpha", "1.9", H("a"), 10)), NULL, json_array());
	if (!ok(a && b && c, "locks"))
		return done_testing();

	ok(!al_diff(a, a, &r, &differ, &d) && !differ &&
	           json_is_true(json_object_get(r, "equal")) && !json_array_size(json_object_get(r, "targets")) &&
	           json_integer_value(json_object_get(json_object_get(r, "delta"), "objects")) == 0,
	   "a lock against itself: equal, nothing to carry");
	json_decref(r);

	ok(!al_diff(a, b, &r, &differ, &d) && differ && json_is_false(json_object_get(r, "equal")),
	   "two locks differ: %s", d.msg);
	t = json_array_get(json_object_get(r, "targets"), 0);
	s = dump(t, "upgraded");
	ok(s && !strcmp(s, "[{\"name\":\"alpha\",\"new\":\"1.10\",\"old\":\"1.9\"}]"),
	   "1.9 -> 1.10 is an upgrade (PEP 440, not string order): %s", s);
	free(s);
	s = dump(t, "downgraded");
	ok(s && !strcmp(s, "[{\"name\":\"beta\",\"new\":\"1.0\",\"old\":\"2.0\"}]"), "downgraded: %s", s);
	free(s);
	s = dump(t, "added");
	ok(s && !strcmp(s, "[{\"name\":\"delta\",\"version\":\"0.1\"}]"), "added: %s", s);
	free(s);
	s = dump(t, "removed");
	ok(s && !strcmp(s, "[{\"name\":\"gamma\",\"version\":\"1.0\"}]"), "removed: %s", s);
	free(s);
	ok(json_array_size(json_object_get(t, "files_added")) == 3 &&
	           json_array_size(json_object_get(t, "files_removed")) == 3,
	   "files: three added, three removed");
	{
		json_t *rp = json_array_get(json_object_get(r, "repos"), 0);
		s = dump(rp, "files_changed");
		ok(s && !strcmp(s, "[{\"new_size\":200,\"old_size\":100,\"path\":\"w.bin\"}]") &&
		           json_integer_value(json_object_get(rp, "bytes")) == 200 &&
		           !strcmp(json_string_value(json_object_get(rp, "old_commit")), C1) &&
		           !strcmp(json_string_value(json_object_get(rp, "new_commit")), C2),
		   "repo: commits, the changed file and its bytes: %s", s);
		free(s);
	}
	s = dump(r, "delta");
	ok(s && !strcmp(s, "{\"bytes\":272,\"objects\":4,\"unknown_size\":0}"),
	   "delta: the three new wheels and the changed file: %s", s);
	free(s);
	json_decref(r);

	ok(!al_diff(a, c, &r, &differ, &d) && differ, "targets that come and go");
	s = json_dumps(json_object_get(r, "targets"), JSON_COMPACT);
	ok(s && strstr(s, "\"name\":\"t1\",\"status\":\"removed\"") &&
	           strstr(s, "\"name\":\"t2\",\"status\":\"added\""), "t1 removed, t2 added");
	free(s);
	s = json_dumps(json_object_get(r, "repos"), JSON_COMPACT);
	ok(s && strstr(s, "\"status\":\"removed\"") && strstr(s, "\"new_commit\":null") != NULL,
	   "the repo removed: %s", s);
	free(s);
	ok(json_integer_value(json_object_get(json_object_get(r, "delta"), "objects")) == 0,
	   "nothing new to carry when the new side's files are all old");
	json_decref(r);

	al_lock_free(a);
	al_lock_free(b);
	al_lock_free(c);
	return done_testing();
}
