/*
 * test-reqfile.c: every directory under fixtures/reqfiles/ holds a
 * requirements.txt (and what it includes) and expected.txt: the dump of
 * the parse, or "error MESSAGE". A CONSTRAINT file makes the top file a
 * constraints file. ${VAR} lookups go to a fixed table, not the
 * environment.
 */
#include "config.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/mem.h"
#include "pypa/reqfile.h"
#include "tap.h"

static const char *fake_env(void *ctx, const char *name)
{
	(void)ctx;
	if (!strcmp(name, "TOKEN"))
		return "s3cret";
	if (!strcmp(name, "INDEX_HOST"))
		return "pypi.example";
	if (!strcmp(name, "EMPTY"))
		return "";
	return NULL;
}

static void dump_list(struct al_buf *o, const char *what, const struct al_strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		al_buf_addf(o, "option %s %s\n", what, s->v[i]);
}

static void dump(const struct al_reqfile *rf, struct al_buf *o)
{
	size_t i, j;

	for (i = 0; i < rf->nentries; i++) {
		const struct al_reqfile_entry *e = &rf->entries[i];

		al_buf_addf(o, "entry %s:%zu %s%s\n", e->file, e->line,
		            e->is_constraint ? "[c] " : "", e->requirement);
		for (j = 0; j < e->nhashes; j++)
			al_buf_addf(o, "hash %s\n", e->hashes[j]);
	}
	if (rf->opts.index_url)
		al_buf_addf(o, "option index_url %s\n", rf->opts.index_url);
	dump_list(o, "extra_index_url", &rf->opts.extra_index_urls);
	dump_list(o, "find_links", &rf->opts.find_links);
	dump_list(o, "no_binary", &rf->opts.no_binary);
	dump_list(o, "only_binary", &rf->opts.only_binary);
	dump_list(o, "trusted_host", &rf->opts.trusted_hosts);
	if (rf->opts.no_index)
		al_buf_addstr(o, "flag no_index\n");
	if (rf->opts.pre)
		al_buf_addstr(o, "flag pre\n");
	if (rf->opts.prefer_binary)
		al_buf_addstr(o, "flag prefer_binary\n");
	if (rf->opts.require_hashes)
		al_buf_addstr(o, "flag require_hashes\n");
	for (i = 0; i < rf->files.n; i++)
		al_buf_addf(o, "file %s\n", rf->files.v[i]);
}

static void run_case(const char *name)
{
	struct al_reqfile rf = AL_REQFILE_INIT;
	struct al_reqfile_params p = { .getenv = fake_env };
	struct al_diag d = AL_DIAG_INIT;
	struct al_buf want = AL_BUF_INIT, got = AL_BUF_INIT;

	p.constraint = access("CONSTRAINT", F_OK) == 0;
	al_buf_read_file(&want, "expected.txt", 1 << 20, &d);
	if (al_reqfile_add_file(&rf, "requirements.txt", &p, &d) == AL_OK)
		dump(&rf, &got);
	else
		al_buf_addf(&got, "error %s\n", d.msg);
	if (!ok(!strcmp(got.buf, want.buf), "%s", name))
		diag("got:\n%s# want:\n%s", got.buf, want.buf);
	al_reqfile_release(&rf);
	al_buf_release(&want);
	al_buf_release(&got);
}

static void test_buf_and_limits(void)
{
	struct al_reqfile rf = AL_REQFILE_INIT;
	struct al_reqfile_params p = { .no_includes = true, .getenv = fake_env };
	struct al_diag d = AL_DIAG_INIT;
	struct al_buf b = AL_BUF_INIT;
	const char *text = "a==1 --hash=sha256:"
	                   "0000000000000000000000000000000000000000000000000000000000000000\n"
	                   "-i https://x.example/simple\n--extra-index-url https://y.example\n"
	                   "-f links\nb\n";
	long fails;
	int i;

	is_int(al_reqfile_add_buf(&rf, "mem.txt", text, strlen(text), &p, &d), AL_OK, "from memory");
	is_int(rf.nentries, 2, "two entries");
	is_str(rf.opts.find_links.n ? rf.opts.find_links.v[0] : NULL, "links",
	       "find-links kept as written without file access");
	is_int(al_reqfile_add_buf(&rf, "more.txt", "c\n", 2, &p, &d), AL_OK, "add more");
	is_int(rf.nentries, 3, "entries accumulate");
	is_str(rf.entries[2].file, "more.txt", "with their file");
	is_int(al_reqfile_add_buf(&rf, "inc.txt", "-r x.txt\n", 9, &p, &d), AL_EREFUSED,
	       "includes refused when asked: %s", d.msg);
	al_reqfile_release(&rf);
	al_reqfile_release(&rf);
	al_reqfile_release(NULL);

	for (i = 0; i < 70000; i++)
		al_buf_addstr(&b, "x${TOKEN}");
	is_int(al_reqfile_add_buf(&rf, "big.txt", b.buf, b.len, &p, &d), AL_OK,
	       "a long line under the cap");
	al_reqfile_release(&rf);
	al_buf_reset(&b);
	for (i = 0; i < 150000; i++)
		al_buf_addstr(&b, "${TOKEN}");
	is_int(al_reqfile_add_buf(&rf, "big.txt", b.buf, b.len, &p, &d), AL_ELIMIT,
	       "expansion past the line cap: %s", d.msg);
	al_reqfile_release(&rf);
	al_buf_reset(&b);
	for (i = 0; i <= AL_REQFILE_MAX_ENTRIES; i++)
		al_buf_addstr(&b, "a\n");
	is_int(al_reqfile_add_buf(&rf, "many.txt", b.buf, b.len, &p, &d), AL_ELIMIT,
	       "too many entries: %s", d.msg);
	al_reqfile_release(&rf);
	al_buf_release(&b);

	for (fails = 0; fails < 500; fails++) {
		al_err err;

		al_mem_fail_after(fails, 0);
		err = al_reqfile_add_buf(&rf, "mem.txt", text, strlen(text), &p, &d);
		al_mem_fail_after(-1, 0);
		if (!err)
			break;
		al_reqfile_release(&rf);
		if (err != AL_ENOMEM) {
			diag("%s", d.msg);
			break;
		}
	}
	ok(fails < 500 && rf.nentries == 2, "allocation failures are reported (%ld)", fails);
	al_reqfile_release(&rf);
}

int main(void)
{
	struct al_buf dir = AL_BUF_INIT;
	struct dirent **ents = NULL;
	char *top, cwd[PATH_MAX];
	int n, i, count = 0;

	if (!getcwd(cwd, sizeof(cwd)))
		return 1;
	al_buf_addf(&dir, "%s/fixtures/reqfiles", tap_srcdir());
	top = realpath(dir.buf, NULL);
	n = top ? scandir(top, &ents, NULL, alphasort) : -1;
	for (i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.') {
			al_buf_reset(&dir);
			al_buf_addf(&dir, "%s/%s", top, ents[i]->d_name);
			if (chdir(dir.buf) == 0) {
				run_case(ents[i]->d_name);
				count++;
			}
		}
		free(ents[i]);
	}
	free(ents);
	free(top);
	ok(count >= 20, "%d requirements-file cases", count);
	if (chdir(cwd) < 0)
		return 1;
	al_buf_release(&dir);
	test_buf_and_limits();
	return done_testing();
}
