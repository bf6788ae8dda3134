/*
 * Resolution cases as data: fixtures/resolve/NAME.txt, each an index, a target,
 * requirements and the expected pins (or the expected error text), resolved
 * through an in-memory provider. Format (one directive per line):
 *
 *   target PYVER IMPL PLATFORM...
 *   file NAME FILENAME [rp=SPEC] [yanked[=REASON]] [url=URL]
 *   dep FILENAME REQUIREMENT          (a Requires-Dist of that file's metadata)
 *   metarp FILENAME SPEC              (Requires-Python in the metadata)
 *   badmeta FILENAME MESSAGE          (reading the metadata fails: AL_EINVALID)
 *   req REQUIREMENT | constraint REQUIREMENT | allow-sdist NAME | prereleases
 *   explain-all                       (a failure also lists every version, as a warning)
 *   previous NAME VERSION             (a pin from an earlier lock) | upgrade NAME
 *   expect NAME==VERSION...           (exact set of pins, any order)
 *   expect-file NAME FILENAME
 *   expect-error TEXT                 (a substring of the error; repeatable)
 *   expect-error-not TEXT             (not in the error; repeatable)
 *   expect-warning TEXT
 */
#include "config.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "pypa/names.h"
#include "resolve/resolve.h"
#include "spec/lock.h"
#include "tap.h"

struct tproj {
	char *name;
	struct al_simple_page page;
	size_t alloc;
};

struct tmeta {
	char *filename;
	struct al_dist_meta m;
	size_t alloc;
	char *error; /* badmeta */
};

struct tcase {
	struct tproj *projs;
	size_t nprojs, aprojs;
	struct tmeta *metas;
	size_t nmetas, ametas;
	unsigned fetches;
	struct al_buf warnings;
};

static struct tproj *proj(struct tcase *c, const char *name)
{
	char *n = al_name_normalize(name);
	size_t i;

	for (i = 0; i < c->nprojs; i++)
		if (!strcmp(c->projs[i].name, n)) {
			al_free(n);
			return &c->projs[i];
		}
	AL_GROW(c->projs, c->aprojs, c->nprojs + 1);
	memset(&c->projs[c->nprojs], 0, sizeof(*c->projs));
	c->projs[c->nprojs].name = n;
	return &c->projs[c->nprojs++];
}

static struct tmeta *meta(struct tcase *c, const char *filename)
{
	size_t i;

	for (i = 0; i < c->nmetas; i++)
		if (!strcmp(c->metas[i].filename, filename))
			return &c->metas[i];
	AL_GROW(c->metas, c->ametas, c->nmetas + 1);
	memset(&c->metas[c->nmetas], 0, sizeof(*c->metas));
	c->metas[c->nmetas].filename = al_strdup(filename);
	return &c->metas[c->nmetas++];
}

static al_err p_project(void *ctx, const char *name, const struct al_simple_page **out,
                        struct al_diag *d)
{
	struct tcase *c = ctx;
	size_t i;

	c->fetches++;
	for (i = 0; i < c->nprojs; i++)
		if (!strcmp(c->projs[i].name, name)) {
			*out = &c->projs[i].page;
			return AL_OK;
		}
	return al_diag_set(d, AL_ENOTFOUND, "no index has a project named '%s'", name);
}

static al_err p_metadata(void *ctx, const char *name, const struct al_simple_file *f,
                         const struct al_dist_meta **out, struct al_diag *d)
{
	struct tcase *c = ctx;
	struct tmeta *m = meta(c, f->filename);

	(void)name;
	if (m->error)
		return al_diag_set(d, AL_EINVALID, "%s", m->error);
	*out = &m->m;
	return AL_OK;
}

static void warn(void *ctx, const char *msg)
{
	struct tcase *c = ctx;
	al_buf_addf(&c->warnings, "%s\n", msg);
}

static char *trim(char *s)
{
	char *e;
	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == '\n' || e[-1] == ' ' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* Fill name/version of every file's metadata from its file name. */
static void default_meta(struct tcase *c)
{
	size_t i, k;

	for (i = 0; i < c->nprojs; i++)
		for (k = 0; k < c->projs[i].page.nfiles; k++) {
			struct al_simple_file *f = &c->projs[i].page.files[k];
			struct tmeta *m = meta(c, f->filename);
			char *dash1 = strchr(f->filename, '-'), *v, *end;
			if (!m->m.name)
				m->m.name = al_strdup(c->projs[i].name);
			if (!m->m.version && dash1) {
				v = al_strdup(dash1 + 1);
				end = strchr(v, '-');
				if (end)
					*end = '\0';
				else if ((end = strstr(v, ".tar.gz")))
					*end = '\0';
				m->m.version = v;
			}
		}
}

static void run_case(const char *path, const char *label)
{
	struct tcase c = { 0 };
	struct al_diag d = AL_DIAG_INIT;
	struct al_target_spec ts = { 0 };
	struct al_resolve_opts o = { 0 };
	struct al_lock_target out = { 0 }, prev = { 0 };
	struct al_provider p = { &c, p_project, p_metadata, NULL, NULL };
	char *reqs[64], *cons[64], *allow[16], *plats[8], *expect = NULL, *upg[8];
	char *errs[8], *warns[8], *efiles[16][2], *nerrs[8];
	size_t nnerr = 0, nreq = 0, ncons = 0, nallow = 0, nplat = 0, nerr = 0, nwarn = 0, nefile = 0, nupg = 0;
	char line[1024], pyver[16] = "3.11", impl[8] = "cp";
	FILE *f = fopen(path, "r");
	al_err err;
	size_t i, k;

	al_buf_init(&c.warnings);
	if (!f) {
		ok(0, "%s: cannot open", label);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *s = trim(line), *arg;
		if (!*s || *s == '#')
			continue;
		arg = strchr(s, ' ');
		if (arg)
			*arg++ = '\0';
		arg = arg ? trim(arg) : (char *)"";
		if (!strcmp(s, "target")) {
			char *tok = strtok(arg, " ");
			snprintf(pyver, sizeof(pyver), "%s", tok);
			snprintf(impl, sizeof(impl), "%s", strtok(NULL, " "));
			while ((tok = strtok(NULL, " ")) && nplat < 8)
				plats[nplat++] = al_strdup(tok);
		} else if (!strcmp(s, "file")) {
			char *name = strtok(arg, " "), *fn = strtok(NULL, " "), *opt;
			struct tproj *tp = proj(&c, name);
			struct al_simple_file *sf;
			AL_GROW(tp->page.files, tp->alloc, tp->page.nfiles + 1);
			sf = &tp->page.files[tp->page.nfiles++];
			memset(sf, 0, sizeof(*sf));
			sf->size = -1;
			sf->filename = al_strdup(fn);
			sf->url = al_strdup(fn);
			sf->sha256 = al_strdup("0000000000000000000000000000000000000000000000000000000000000000");
			while ((opt = strtok(NULL, " "))) {
				if (!strncmp(opt, "rp=", 3))
					sf->requires_python = al_strdup(opt + 3);
				else if (!strncmp(opt, "url=", 4)) {
					al_free(sf->url);
					sf->url = al_strdup(opt + 4);
				}
				else if (!strncmp(opt, "yanked", 6)) {
					sf->yanked = true;
					if (opt[6] == '=')
						sf->yanked_reason = al_strdup(opt + 7);
				}
			}
		} else if (!strcmp(s, "badmeta")) {
			char *fn = arg, *rest = strchr(arg, ' ');
			*rest++ = '\0';
			meta(&c, fn)->error = al_strdup(trim(rest));
		} else if (!strcmp(s, "explain-all")) {
			o.explain_all = true;
		} else if (!strcmp(s, "dep") || !strcmp(s, "metarp")) {
			char *fn = arg, *rest = strchr(arg, ' ');
			struct tmeta *m;
			*rest++ = '\0';
			m = meta(&c, fn);
			if (!strcmp(s, "metarp")) {
				m->m.requires_python = al_strdup(trim(rest));
			} else {
				AL_GROW(m->m.requires_dist, m->alloc, m->m.nrequires_dist + 1);
				m->m.requires_dist[m->m.nrequires_dist++] = al_strdup(trim(rest));
			}
		} else if (!strcmp(s, "req")) {
			reqs[nreq++] = al_strdup(arg);
		} else if (!strcmp(s, "constraint")) {
			cons[ncons++] = al_strdup(arg);
		} else if (!strcmp(s, "allow-sdist")) {
			allow[nallow++] = al_strdup(arg);
		} else if (!strcmp(s, "prereleases")) {
			o.prereleases = true;
		} else if (!strcmp(s, "upgrade")) {
			upg[nupg++] = al_strdup(arg);
		} else if (!strcmp(s, "previous")) {
			char *n = strtok(arg, " "), *v = strtok(NULL, " ");
			prev.dists = al_reallocarray(prev.dists, prev.ndists + 1, sizeof(*prev.dists));
			memset(&prev.dists[prev.ndists], 0, sizeof(*prev.dists));
			prev.dists[prev.ndists].name = al_strdup(n);
			prev.dists[prev.ndists].version = al_strdup(v);
			prev.ndists++;
		} else if (!strcmp(s, "expect")) {
			expect = al_strdup(arg);
		} else if (!strcmp(s, "expect-file")) {
			efiles[nefile][0] = al_strdup(strtok(arg, " "));
			efiles[nefile][1] = al_strdup(strtok(NULL, " "));
			nefile++;
		} else if (!strcmp(s, "expect-error")) {
			errs[nerr++] = al_strdup(arg);
		} else if (!strcmp(s, "expect-error-not")) {
			nerrs[nnerr++] = al_strdup(arg);
		} else if (!strcmp(s, "expect-warning")) {
			warns[nwarn++] = al_strdup(arg);
		} else {
			diag("%s: unknown directive '%s'", label, s);
		}
	}
	fclose(f);
	default_meta(&c);
	ts.python_version = pyver;
	ts.implementation = impl;
	ts.platforms = (const char *const *)plats;
	ts.nplatforms = nplat;
	o.target = &ts;
	o.target_name = "test";
	o.requirements = (const char *const *)reqs;
	o.nrequirements = nreq;
	o.constraints = (const char *const *)cons;
	o.nconstraints = ncons;
	o.allow_sdist = (const char *const *)allow;
	o.nallow_sdist = nallow;
	o.previous = prev.ndists ? &prev : NULL;
	o.upgrade = (const char *const *)upg;
	o.nupgrade = nupg;
	o.warn = warn;
	o.warn_ctx = &c;
	err = al_resolve(&p, &o, &out, &d);
	if (nerr) {
		ok(err != AL_OK, "%s: resolution fails", label);
		for (i = 0; i < nerr; i++) {
			if (!ok(strstr(d.msg, errs[i]) != NULL, "%s: the error says '%s'", label, errs[i]))
				diag("error was: %s", d.msg);
		}
		for (i = 0; i < nnerr; i++)
			if (!ok(strstr(d.msg, nerrs[i]) == NULL, "%s: the error does not say '%s'", label,
			        nerrs[i]))
				diag("error was: %s", d.msg);
	} else {
		struct al_buf got = AL_BUF_INIT;
		if (!ok(err == AL_OK, "%s: resolves", label))
			diag("%s", d.msg);
		for (i = 0; i < out.ndists; i++)
			al_buf_addf(&got, "%s%s==%s", i ? " " : "", out.dists[i].name, out.dists[i].version);
		/* expected pins sorted the same way: by name */
		{
			char *toks[128], *t, *copy = al_strdup(expect ? expect : "");
			size_t n = 0, a, b;
			struct al_buf want = AL_BUF_INIT;
			for (t = strtok(copy, " "); t && n < 128; t = strtok(NULL, " "))
				toks[n++] = t;
			for (a = 0; a < n; a++)
				for (b = a + 1; b < n; b++)
					if (strcmp(toks[a], toks[b]) > 0) {
						char *x = toks[a];
						toks[a] = toks[b];
						toks[b] = x;
					}
			for (a = 0; a < n; a++)
				al_buf_addf(&want, "%s%s", a ? " " : "", toks[a]);
			is_str(got.buf, want.buf, "%s: pins", label);
			al_buf_release(&want);
			al_free(copy);
		}
		for (i = 0; i < nefile; i++) {
			const char *fn = NULL;
			for (k = 0; k < out.ndists; k++)
				if (!strcmp(out.dists[k].name, efiles[i][0]))
					fn = out.dists[k].filename;
			is_str(fn, efiles[i][1], "%s: file of %s", label, efiles[i][0]);
		}
		al_buf_release(&got);
	}
	for (i = 0; i < nwarn; i++)
		if (!ok(strstr(c.warnings.buf, warns[i]) != NULL, "%s: warns '%s'", label, warns[i]))
			diag("warnings: %s", c.warnings.buf);
	al_lock_target_release(&out);
	al_lock_target_release(&prev);
	for (i = 0; i < c.nprojs; i++) {
		for (k = 0; k < c.projs[i].page.nfiles; k++) {
			struct al_simple_file *sf = &c.projs[i].page.files[k];
			al_free(sf->filename);
			al_free(sf->url);
			al_free(sf->sha256);
			al_free(sf->requires_python);
			al_free(sf->yanked_reason);
		}
		al_free(c.projs[i].page.files);
		al_free(c.projs[i].name);
	}
	al_free(c.projs);
	for (i = 0; i < c.nmetas; i++) {
		al_free(c.metas[i].filename);
		al_free(c.metas[i].error);
		al_free(c.metas[i].m.name);
		al_free(c.metas[i].m.version);
		al_free(c.metas[i].m.requires_python);
		for (k = 0; k < c.metas[i].m.nrequires_dist; k++)
			al_free(c.metas[i].m.requires_dist[k]);
		al_free(c.metas[i].m.requires_dist);
	}
	al_free(c.metas);
	for (i = 0; i < nreq; i++)
		al_free(reqs[i]);
	for (i = 0; i < ncons; i++)
		al_free(cons[i]);
	for (i = 0; i < nallow; i++)
		al_free(allow[i]);
	for (i = 0; i < nplat; i++)
		al_free(plats[i]);
	for (i = 0; i < nupg; i++)
		al_free(upg[i]);
	for (i = 0; i < nerr; i++)
		al_free(errs[i]);
	for (i = 0; i < nwarn; i++)
		al_free(warns[i]);
	for (i = 0; i < nnerr; i++)
		al_free(nerrs[i]);
	for (i = 0; i < nefile; i++) {
		al_free(efiles[i][0]);
		al_free(efiles[i][1]);
	}
	al_free(expect);
	al_buf_release(&c.warnings);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
	struct al_buf dir = AL_BUF_INIT;
	char *names[256];
	size_t n = 0, i;
	struct dirent *e;
	DIR *dh;

	al_buf_addf(&dir, "%s/fixtures/resolve", tap_srcdir());
	dh = opendir(dir.buf);
	if (!dh) {
		ok(0, "cannot open %s", dir.buf);
		return done_testing();
	}
	while ((e = readdir(dh)) && n < 256)
		if (strstr(e->d_name, ".txt"))
			names[n++] = al_strdup(e->d_name);
	closedir(dh);
	qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		struct al_buf p = AL_BUF_INIT;
		al_buf_addf(&p, "%s/%s", dir.buf, names[i]);
		run_case(p.buf, names[i]);
		al_buf_release(&p);
		al_free(names[i]);
	}
	ok(n >= 10, "%zu resolution cases", n);
	al_buf_release(&dir);
	return done_testing();
}
