/*
 * test-metadata.c: every fixtures/metadata/NAME.in is parsed and dumped;
 * the dump (or "error MESSAGE") must equal NAME.out.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "pypa/metadata.h"
#include "tap.h"

static void dump(const struct al_metadata *md, struct al_buf *o)
{
	size_t i;

	al_buf_addf(o, "metadata_version %s\nname %s\nversion %s\n", md->metadata_version,
	            md->name, md->version);
	if (md->requires_python)
		al_buf_addf(o, "requires_python %s\n", md->requires_python);
	for (i = 0; i < md->nrequires_dist; i++)
		al_buf_addf(o, "requires_dist %s\n", md->requires_dist[i]);
	for (i = 0; i < md->nprovides_extra; i++)
		al_buf_addf(o, "provides_extra %s\n", md->provides_extra[i]);
	for (i = 0; i < md->ndynamic; i++)
		al_buf_addf(o, "dynamic %s\n", md->dynamic[i]);
}

static void run_case(const char *dir, const char *name)
{
	struct al_buf in = AL_BUF_INIT, want = AL_BUF_INIT, got = AL_BUF_INIT, p = AL_BUF_INIT;
	struct al_metadata md = AL_METADATA_INIT;
	struct al_diag d = AL_DIAG_INIT;
	size_t l = strlen(name) - 3;

	al_buf_addf(&p, "%s/%s", dir, name);
	al_buf_read_file(&in, p.buf, 1 << 20, &d);
	al_buf_reset(&p);
	al_buf_addf(&p, "%s/%.*s.out", dir, (int)l, name);
	al_buf_read_file(&want, p.buf, 1 << 20, &d);
	if (al_metadata_parse(&md, in.buf, in.len, &d) == AL_OK)
		dump(&md, &got);
	else
		al_buf_addf(&got, "error %s\n", d.msg);
	if (!ok(!strcmp(got.buf, want.buf), "%s", name))
		diag("got:\n%s# want:\n%s", got.buf, want.buf);
	al_metadata_release(&md);
	al_buf_release(&in);
	al_buf_release(&want);
	al_buf_release(&got);
	al_buf_release(&p);
}

static void test_limits(void)
{
	struct al_buf b = AL_BUF_INIT;
	struct al_metadata md = AL_METADATA_INIT;
	struct al_diag d = AL_DIAG_INIT;
	long fails;
	int i;

	al_buf_addstr(&b, "Metadata-Version: 2.1\nName: x\nVersion: 1\n");
	for (i = 0; i <= AL_METADATA_MAX_LIST; i++)
		al_buf_addf(&b, "Requires-Dist: d%d\n", i);
	is_int(al_metadata_parse(&md, b.buf, b.len, &d), AL_ELIMIT, "too many Requires-Dist: %s",
	       d.msg);
	al_buf_reset(&b);
	al_buf_addstr(&b, "Metadata-Version: 2.1\nName: x\nVersion: 1\nRequires-Dist: a");
	for (i = 0; i < 70000; i++)
		al_buf_addstr(&b, "\n b");
	is_int(al_metadata_parse(&md, b.buf, b.len, &d), AL_ELIMIT, "an overlong value: %s",
	       d.msg);
	al_buf_reset(&b);
	for (i = 0; i <= AL_METADATA_MAX_HEADERS; i++)
		al_buf_addstr(&b, "X: y\n");
	is_int(al_metadata_parse(&md, b.buf, b.len, &d), AL_ELIMIT, "too many headers: %s",
	       d.msg);
	is_int(al_metadata_parse(&md, b.buf, AL_METADATA_MAX_BYTES + 1, &d), AL_ELIMIT,
	       "too many bytes");
	is_int(al_metadata_parse(&md, "", 0, &d), AL_EINVALID, "empty input");
	al_buf_reset(&b);
	al_buf_addstr(&b, "Metadata-Version: 2.1\nName: x\nVersion: 1\nRequires-Python: >=3\n"
	                  "Requires-Dist: a\nRequires-Dist: b\nProvides-Extra: e\nDynamic: f\n");
	for (fails = 0; fails < 100; fails++) {
		al_err err;

		al_mem_fail_after(fails, 0);
		err = al_metadata_parse(&md, b.buf, b.len, &d);
		al_mem_fail_after(-1, 0);
		if (!err)
			break;
		if (err != AL_ENOMEM || md.name)
			break;
	}
	ok(fails < 100 && md.ndynamic == 1, "allocation failures are reported (%ld)", fails);
	al_metadata_release(&md);
	al_metadata_release(NULL);
	al_buf_release(&b);
}

int main(void)
{
	struct al_buf dir = AL_BUF_INIT;
	struct dirent **ents = NULL;
	int n, i, count = 0;

	al_buf_addf(&dir, "%s/fixtures/metadata", tap_srcdir());
	n = scandir(dir.buf, &ents, NULL, alphasort);
	for (i = 0; i < n; i++) {
		size_t l = strlen(ents[i]->d_name);

		if (l > 3 && !strcmp(ents[i]->d_name + l - 3, ".in")) {
			run_case(dir.buf, ents[i]->d_name);
			count++;
		}
		free(ents[i]);
	}
	free(ents);
	ok(count >= 10, "%d metadata cases", count);
	al_buf_release(&dir);
	test_limits();
	return done_testing();
}
