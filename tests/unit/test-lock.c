#include "config.h"

#include <unistd.h>

#include "core/buf.h"
#include "core/mem.h"
#include "spec/lock.h"
#include "spec/lockjson.h"
#include "tap.h"

static char **strv(const char *a, const char *b)
{
	char **v = al_calloc(2, sizeof(char *));
	v[0] = al_strdup(a);
	v[1] = b ? al_strdup(b) : NULL;
	return v;
}

static struct al_lock *sample(void)
{
	struct al_lock *l = al_calloc(1, sizeof(*l));
	struct al_lock_target *t;

	l->version = 1;
	l->bundle = al_strdup("demo");
	l->manifest_sha256 = al_strdup("00ff");
	l->ntargets = 1;
	l->targets = t = al_calloc(1, sizeof(*t));
	t->name = al_strdup("cp311-manylinux_2_28_x86_64");
	t->python_version = al_strdup("3.11");
	t->implementation = al_strdup("cp");
	t->platforms = strv("manylinux_2_28_x86_64", NULL);
	t->nplatforms = 1;
	t->ndists = 2;
	t->dists = al_calloc(2, sizeof(*t->dists));
	t->dists[0].name = al_strdup("zeta");
	t->dists[0].version = al_strdup("1.0");
	t->dists[0].filename = al_strdup("zeta-1.0-py3-none-any.whl");
	t->dists[0].url = al_strdup("http://x/zeta-1.0-py3-none-any.whl");
	t->dists[0].sha256 = al_strdup("aa");
	t->dists[0].size = 10;
	t->dists[0].required_by = strv("alpha", "-");
	t->dists[0].nrequired_by = 2;
	t->dists[1].name = al_strdup("alpha");
	t->dists[1].version = al_strdup("2.0");
	t->dists[1].filename = al_strdup("alpha-2.0-py3-none-any.whl");
	t->dists[1].url = al_strdup("http://x/a\"b\\c\x01.whl");
	t->dists[1].sha256 = al_strdup("bb");
	t->dists[1].size = AL_SIZE_UNKNOWN;
	t->dists[1].requires_python = al_strdup(">=3.8");
	t->dists[1].required_by = strv("-", NULL);
	t->dists[1].nrequired_by = 1;
	return l;
}

/* The grammar of the fields publish writes (lib/spec/lockcheck.c): each case sets
 * one field of a good lock to a hostile value; the lock is refused with a
 * message naming the field and showing the value escaped. */
static void fields(void)
{
	static const char good[] =
		"{\"version\": 1, \"bundle\": \"demo\", \"manifest_sha256\": null,"
		" \"targets\": [{\"name\": \"cp311-manylinux_2_28_x86_64.2\", \"python_version\": \"3.11\","
		"  \"implementation\": \"cp\", \"platforms\": [\"manylinux_2_28_x86_64\"],"
		"  \"distributions\": [{\"name\": \"gamma-ray\", \"version\": \"0.5\","
		"   \"filename\": \"Gamma_Ray-0.5-py3-none-any.whl\", \"url\": \"http://x/g.whl\","
		"   \"sha256\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
		"   \"requires_python\": \">=3.8, <4\", \"required_by\": [\"-\", \"alpha\"]},"
		"  {\"name\": \"delta\", \"version\": \"1.0.post1\", \"filename\": \"Delta-1.0.post1.tar.gz\","
		"   \"sha256\": \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"}]}],"
		" \"repos\": [{\"type\": \"model\", \"repo\": \"org/m\", \"revision\": \"refs/pr/1\","
		"  \"commit\": \"0123456789abcdef0123456789abcdef01234567\", \"files\": []}]}";
	static const struct { const char *obj, *key, *value, *want; } c[] = {
		{ "", "bundle", "demo\n--index-url http://evil/", "lock.bundle: not a bundle name: 'demo\\n--index-url" },
		{ "", "bundle", "-demo", "lock.bundle:" },
		{ "", "manifest_sha256", "00ff", "lock.manifest_sha256: not a sha256" },
		{ "t", "name", "cp311\n--index-url http://evil/", "lock.targets[0].name: not a target name: 'cp311\\n--index-url" },
		{ "t", "name", "-cp311", "lock.targets[0].name:" },
		{ "t", "python_version", "3.11\n--index-url http://evil/",
		  "lock.targets[0].python_version: not a Python version: '3.11\\n--index-url http://evil/'" },
		{ "t", "python_version", "3", "lock.targets[0].python_version:" },
		{ "t", "python_version", "3.11 ", "lock.targets[0].python_version:" },
		{ "t", "implementation", "cp\r\x1b[2J", "lock.targets[0].implementation: not an implementation (cp or pp): 'cp\\r\\x1b[2J'" },
		{ "t", "implementation", "-cp", "lock.targets[0].implementation:" },
		{ "p", "0", "manylinux_2_28_x86_64\n--index-url x", "lock.targets[0].platforms[0]: not a platform tag" },
		{ "d", "name", "Gamma_Ray", "lock.targets[0].distributions[0].name: not a normalized project name" },
		{ "d", "name", "-gamma-ray", "lock.targets[0].distributions[0].name:" },
		{ "d", "version", "0.5\n--index-url http://evil/", "lock.targets[0].distributions[0].version: not a PEP 440 version in normal form: '0.5\\n--index-url" },
		{ "d", "version", "-0.5", "lock.targets[0].distributions[0].version:" },
		{ "d", "version", "0.5 ", "lock.targets[0].distributions[0].version:" },
		{ "d", "version", "v0.5", "lock.targets[0].distributions[0].version:" },
		{ "d", "filename", "gamma_ray-0.6-py3-none-any.whl", "lock.targets[0].distributions[0].filename: not a file of this project and version" },
		{ "d", "filename", "gamma_ray-0.5.1-py3-none-any.whl", "lock.targets[0].distributions[0].filename: not a file of this project and version" },
		{ "d", "filename", "other-0.5-py3-none-any.whl", "lock.targets[0].distributions[0].filename: not a file of this project and version" },
		{ "d", "filename", "gamma_ray-0.5.exe", "lock.targets[0].distributions[0].filename: not a wheel or sdist file name" },
		{ "d", "filename", "-gamma_ray-0.5-py3-none-any.whl", "lock.targets[0].distributions[0].filename:" },
		{ "d", "filename", "gamma_ray-0.5-py3-none-any.whl\n", "lock.targets[0].distributions[0].filename:" },
		{ "d", "url", "http://x/\n--index-url http://evil/", "lock.targets[0].distributions[0].url: not a URL" },
		{ "d", "url", "http://x/\xc2\x9b" "2J", "lock.targets[0].distributions[0].url: not a URL: 'http://x/\\u009b2J'" },
		{ "d", "url", "-x", "lock.targets[0].distributions[0].url:" },
		{ "d", "index", "pytorch\n--index-url http://evil/", "lock.targets[0].distributions[0].index: not an index name" },
		{ "d", "index", "-pytorch", "lock.targets[0].distributions[0].index:" },
		{ "d", "requires_python", ">=3.8\n--index-url http://evil/", "lock.targets[0].distributions[0].requires_python: not a version specifier set" },
		{ "d", "requires_python", ">=3.8,\n", "lock.targets[0].distributions[0].requires_python:" },
		{ "d", "requires_python", "-3", "lock.targets[0].distributions[0].requires_python:" },
		{ "r", "0", "alpha\n--index-url x", "lock.targets[0].distributions[0].required_by[0]: not '-' or a normalized project name" },
		{ "r", "0", "--", "lock.targets[0].distributions[0].required_by[0]:" },
		{ "s", "version", "1.0-1", "lock.targets[0].distributions[1].version:" },
		{ "s", "filename", "delta-1.1.tar.gz", "lock.targets[0].distributions[1].filename: not a file of this project and version" },
		{ "R", "revision", "main\n--index-url", "lock.repos[0].revision: not a git revision: 'main\\n--index-url'" },
		{ "R", "revision", "-main", "lock.repos[0].revision:" },
		{ "R", "revision", "a/../b", "lock.repos[0].revision:" },
		{ "R", "revision", "main branch", "lock.repos[0].revision:" },
	};
	struct al_diag d = AL_DIAG_INIT;
	struct al_lock *l = NULL;
	json_t *j = json_loads(good, 0, NULL);
	size_t k;

	is_int(al_lock_from_json(j, &l, &d), AL_OK, "a lock with every field in shape loads: %s", d.msg);
	al_lock_free(l);
	json_decref(j);
	/* the resolver writes the version it met first; a file of an equal one fits */
	j = json_loads(good, 0, NULL);
	json_object_set_new(json_array_get(json_object_get(json_array_get(json_object_get(j, "targets"),
	                                                                  0), "distributions"), 0),
	                    "filename", json_string("gamma_ray-0.5.0-py3-none-any.whl"));
	l = NULL;
	is_int(al_lock_from_json(j, &l, &d), AL_OK, "a file of version 0.5.0 is a file of 0.5: %s", d.msg);
	al_lock_free(l);
	json_decref(j);
	/* a lock written before credentials were kept out carries them no further */
	j = json_loads(good, 0, NULL);
	json_object_set_new(json_array_get(json_object_get(json_array_get(json_object_get(j, "targets"),
	                                                                  0), "distributions"), 0),
	                    "url", json_string("https://user:s3cret@x.example/g.whl"));
	l = NULL;
	is_int(al_lock_from_json(j, &l, &d), AL_OK, "a url with credentials loads: %s", d.msg);
	is_str(l ? l->targets[0].dists[1].url : "", "https://x.example/g.whl", "without them (gamma-ray sorts after delta)");
	al_lock_free(l);
	json_decref(j);
	for (k = 0; k < sizeof(c) / sizeof(*c); k++) {
		json_t *t, *o;
		j = json_loads(good, 0, NULL);
		t = json_array_get(json_object_get(j, "targets"), 0);
		switch (c[k].obj[0]) {
		case 't': o = t; break;
		case 'd': o = json_array_get(json_object_get(t, "distributions"), 0); break;
		case 's': o = json_array_get(json_object_get(t, "distributions"), 1); break;
		case 'R': o = json_array_get(json_object_get(j, "repos"), 0); break;
		case 'p': o = json_object_get(t, "platforms"); break;
		case 'r':
			o = json_object_get(json_array_get(json_object_get(t, "distributions"), 0),
			                    "required_by");
			break;
		default: o = j;
		}
		if (json_is_array(o))
			json_array_set_new(o, 0, json_string(c[k].value));
		else
			json_object_set_new(o, c[k].key, json_string(c[k].value));
		l = NULL;
		al_diag_clear(&d);
		is_int(al_lock_from_json(j, &l, &d), AL_EINVALID, "field %zu refused", k);
		ok(!l && strstr(d.msg, c[k].want), "and named: %s", d.msg);
		for (const char *m = d.msg; *m; m++)
			if ((unsigned char)*m < 0x20) {
				ok(0, "a control byte in the message");
				break;
			}
		al_lock_free(l);
		json_decref(j);
	}
}

int main(void)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_lock *l = sample();
	char *a = NULL, *b = NULL;
	size_t na, nb;
	char path[] = "/tmp/airlock-lock-XXXXXX";
	bool changed;
	int fd;

	al_lock_sort(l);
	is_str(l->targets[0].dists[0].name, "alpha", "distributions sorted by name");
	is_str(l->targets[0].dists[1].required_by[0], "-", "required-by sorted");
	is_int(al_lock_format(l, &a, &na, &d), AL_OK, "format");
	is_int(al_lock_format(l, &b, &nb, &d), AL_OK, "format again");
	ok(na == nb && !memcmp(a, b, na), "formatting is deterministic");
	ok(strstr(a, "url: \"http://x/a\\\"b\\\\c\\x01.whl\"") != NULL, "strings are escaped");
	ok(strstr(a, "repos: []\n") != NULL, "empty lists are explicit");
	ok(strstr(a, "        required-by: [\"-\", \"alpha\"]\n") != NULL, "flow lists");
	ok(strstr(a, "size: 10\n") != NULL && !strstr(a, "size: -1"), "unknown sizes are left out");

	fd = mkstemp(path);
	close(fd);
	is_int(al_lock_write(l, path, &changed, &d), AL_OK, "write");
	ok(changed, "the first write changes the file");
	is_int(al_lock_write(l, path, &changed, &d), AL_OK, "write again");
	ok(!changed, "an identical lock leaves the file alone");
	{
		struct al_lock *back = NULL;
		char *c = NULL;
		size_t nc;
		/* the sample's hashes are not real: give them real shapes first */
		is_int(al_lock_load(&back, path, &d), AL_EINVALID, "loading checks hashes");
		ok(strstr(d.msg, "sha256") != NULL, "and says so: %s", d.msg);
		al_free(l->targets[0].dists[0].sha256);
		al_free(l->targets[0].dists[1].sha256);
		l->targets[0].dists[0].sha256 = al_strdup("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
		l->targets[0].dists[1].sha256 = al_strdup("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
		al_free(l->targets[0].dists[0].url); /* alpha's, with a control character */
		l->targets[0].dists[0].url = al_strdup("http://x/a.whl");
		al_free(l->manifest_sha256);
		l->manifest_sha256 = al_strdup("00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff");
		l->targets[0].dists[0].index = al_strdup("pytorch");
		al_lock_write(l, path, &changed, &d);
		is_int(al_lock_load(&back, path, &d), AL_OK, "a written lock loads back");
		if (d.code)
			diag("%s", d.msg);
		is_str(back ? back->targets[0].dists[0].index : NULL, "pytorch",
		       "with the named index a file came from");
		ok(back && !back->targets[0].dists[1].index, "and none for a file from no named index");
		al_free(a);
		al_lock_format(l, &a, &na, &d);
		ok(back && !al_lock_format(back, &c, &nc, &d) && nc == na && !memcmp(a, c, na),
		   "and formats to the same bytes");
		al_free(c);
		al_lock_free(back);
	}
	{
		/* lock --check's comparison (al_lock_same) */
		struct al_lock *other = sample();
		bool same = true;
		al_lock_sort(other);
		is_int(al_lock_same(l, NULL, &same, &d), AL_OK, "same: no previous lock");
		ok(!same, "no previous lock is never the same");
		al_free(other->targets[0].dists[0].sha256);
		other->targets[0].dists[0].sha256 = al_strdup(l->targets[0].dists[0].sha256);
		al_free(other->targets[0].dists[1].sha256);
		other->targets[0].dists[1].sha256 = al_strdup(l->targets[0].dists[1].sha256);
		al_free(other->targets[0].dists[0].url);
		other->targets[0].dists[0].url = al_strdup(l->targets[0].dists[0].url);
		other->targets[0].dists[0].index = al_strdup(l->targets[0].dists[0].index);
		al_free(other->manifest_sha256);
		other->manifest_sha256 = al_strdup(l->manifest_sha256);
		is_int(al_lock_same(l, other, &same, &d), AL_OK, "same: an equal lock");
		ok(same, "an equal lock is the same");
		al_free(other->targets[0].dists[0].version);
		other->targets[0].dists[0].version = al_strdup("9.9");
		is_int(al_lock_same(l, other, &same, &d), AL_OK, "same: another version");
		ok(!same, "one version more or less is not the same");
		al_lock_free(other);
	}
	fields();
	unlink(path);
	al_free(a);
	al_free(b);
	al_lock_free(l);
	al_lock_free(NULL);
	return done_testing();
}
