#include "config.h"

#include <unistd.h>

#include "buf.h"
#include "lock.h"
#include "mem.h"
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
		al_free(l->targets[0].dists[1].url);
		l->targets[0].dists[1].url = al_strdup("http://x/a.whl");
		al_lock_write(l, path, &changed, &d);
		is_int(al_lock_load(&back, path, &d), AL_OK, "a written lock loads back");
		if (d.code)
			diag("%s", d.msg);
		al_free(a);
		al_lock_format(l, &a, &na, &d);
		ok(back && !al_lock_format(back, &c, &nc, &d) && nc == na && !memcmp(a, c, na),
		   "and formats to the same bytes");
		al_free(c);
		al_lock_free(back);
	}
	unlink(path);
	al_free(a);
	al_free(b);
	al_lock_free(l);
	al_lock_free(NULL);
	return done_testing();
}
