/*
 * catalog.c: the static catalog of a published tree (docs/reference/catalog.md).
 *
 *   DIR/index.html                          bundles, projects, models, datasets,
 *                                           the search box and the client settings
 *   DIR/catalog/bundles/<bundle>.html       targets, requirements, repos, SBOM
 *   DIR/catalog/projects/<name>.html        versions and files of one project
 *   DIR/catalog/{models,datasets}/<repo>.html   revisions and files of one repo
 *   DIR/catalog/index.json                  what the search box filters
 *
 * Every name on a page came from media: it is HTML-escaped in text and
 * attributes, percent-encoded in URLs, \u-escaped in the JSON inside <script>,
 * and single-quoted in the shell commands a page offers to copy. Pages are
 * usable without JavaScript; the two small scripts fill in the address the
 * page was opened from and run the search. Nothing loads from elsewhere.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/mem.h"
#include "mirror/catalog.h"
#include "mirror/publish.h"

/* ---- escaping ---------------------------------------------------------------------- */

al_err al_catalog_add_urlpath(struct al_buf *b, const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	al_err err = AL_OK;

	for (; *path && !err; path++) {
		unsigned char c = (unsigned char)*path;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~' || c == '/')
			err = al_buf_addch(b, (char)c);
		else
			err = al_buf_addf(b, "%%%c%c", hex[c >> 4], hex[c & 15]);
	}
	return err;
}

al_err al_catalog_add_script_json(struct al_buf *b, const char *json)
{
	al_err err = AL_OK;
	const char *s;

	for (s = json; *s && !err; s++) {
		const unsigned char *u = (const unsigned char *)s;
		if (*s == '<' || *s == '>' || *s == '&')
			err = al_buf_addf(b, "\\u%04x", *u);
		else if (u[0] == 0xe2 && u[1] == 0x80 && (u[2] == 0xa8 || u[2] == 0xa9)) {
			err = al_buf_addf(b, "\\u%04x", u[2] == 0xa8 ? 0x2028 : 0x2029);
			s += 2;
		} else
			err = al_buf_addch(b, *s);
	}
	return err;
}

al_err al_catalog_add_shell_word(struct al_buf *b, const char *s)
{
	al_err err;

	if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	                   "-_./@+=:,") == strlen(s))
		return al_buf_addstr(b, s);
	err = al_buf_addch(b, '\'');
	for (; *s && !err; s++)
		err = *s == '\'' ? al_buf_addstr(b, "'\\''") : al_buf_addch(b, *s);
	return err ? err : al_buf_addch(b, '\'');
}

#define H(b, s) al_buf_add_html(b, s)

/* An href: root, then path percent-encoded, HTML-escaped for the attribute. */
static al_err add_href(struct al_buf *b, const char *root, const char *path)
{
	struct al_buf u = AL_BUF_INIT;
	al_err err;

	if (!(err = al_buf_addstr(&u, root)) && !(err = al_catalog_add_urlpath(&u, path)))
		err = H(b, u.buf);
	al_buf_release(&u);
	return err;
}

static al_err add_size(struct al_buf *b, int64_t n)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	int i = -1;

	if (n < 0)
		return al_buf_addstr(b, "unknown");
	if (n < 1024)
		return al_buf_addf(b, "%lld B", (long long)n);
	while (v >= 1024 && i < 3) {
		v /= 1024;
		i++;
	}
	return al_buf_addf(b, "%.1f %s", v, unit[i]);
}

static al_err add_date(struct al_buf *b, int64_t at)
{
	time_t t = (time_t)at;
	struct tm tm;
	char s[40];

	if (!gmtime_r(&t, &tm) || !strftime(s, sizeof(s), "%Y-%m-%d %H:%M UTC", &tm))
		return al_buf_addstr(b, "unknown");
	return al_buf_addf(b, "<time datetime=\"%.10sT%.5s:00Z\">%s</time>", s, s + 11, s);
}

/* ---- the page frame ------------------------------------------------------------------ */

static const char css[] =
	"body{margin:0;font:1rem/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,\"DejaVu Sans\","
	"sans-serif;color:#1b1b1b;background:#fff}\n"
	"@media (min-width:110rem){html{font-size:140%}}\n"
	"header,main,footer{max-width:72rem;margin:0 auto;padding:0 1rem}\n"
	"header{border-bottom:1px solid #bbb;padding-top:.5rem;padding-bottom:.5rem}\n"
	"header a{font-weight:bold}footer{color:#444;border-top:1px solid #bbb;margin-top:2rem}\n"
	"a{color:#0a4b9c}a:focus-visible,input:focus-visible{outline:3px solid #a34f00;"
	"outline-offset:2px}\n"
	".skip{position:absolute;left:-999rem}.skip:focus{left:1rem;background:#fff}\n"
	"code,pre{font-family:ui-monospace,\"DejaVu Sans Mono\",monospace;font-size:.9em}\n"
	"pre{background:#f2f2f2;border:1px solid #ddd;padding:.6rem;white-space:pre-wrap;"
	"overflow-wrap:anywhere}\n"
	".wide{overflow-x:auto}table{border-collapse:collapse;width:100%}\n"
	"th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #ddd;vertical-align:top;"
	"overflow-wrap:anywhere}\n"
	"td.n,th.n{text-align:right;white-space:nowrap}.kind,.note{color:#444}\n"
	"input[type=search]{font:inherit;width:100%;max-width:32rem;padding:.4rem;"
	"border:2px solid #555;border-radius:4px;box-sizing:border-box}\n"
	"ul.list li{margin:.2rem 0}\n";

/* Fills [data-fill] elements from the page's own address: "base" the tree's
 * URL (with '/'), "endpoint" the same without it (http only), "dir" the
 * tree's directory (file: only). Without JavaScript the placeholders stay. */
static const char fill_js[] =
	"(function(){var b=document.body,u=new URL(b.getAttribute('data-root')||'',location.href),"
	"web=u.protocol==='http:'||u.protocol==='https:';"
	"document.querySelectorAll('[data-fill]').forEach(function(e){var k=e.getAttribute('data-fill');"
	"if(k==='base'&&(web||u.protocol==='file:'))e.textContent=u.href;"
	"else if(k==='endpoint'&&web)e.textContent=u.href.replace(/\\/$/,'');"
	"else if(k==='dir'&&u.protocol==='file:')e.textContent=decodeURIComponent(u.pathname)"
	".replace(/\\/$/,'');});"
	"document.querySelectorAll('[data-js]').forEach(function(e){e.hidden=false;});"
	"document.querySelectorAll('[data-nojs]').forEach(function(e){e.hidden=true;});})();\n";

/* The search box: filters the projects and repos of the embedded index as
 * one types; the lists it hides stay on the page for a browser without
 * JavaScript. */
static const char search_js[] =
	"(function(){var d=document,q=d.getElementById('q'),out=d.getElementById('results'),"
	"st=d.getElementById('status'),root=d.body.getAttribute('data-root')||'',"
	"idx=JSON.parse(d.getElementById('catalog-index').textContent),items=[];\n"
	"idx.projects.forEach(function(p){items.push({kind:'project',name:p.name,"
	"detail:p.versions.join(', '),url:p.url});});\n"
	"idx.repos.forEach(function(r){items.push({kind:r.type,name:r.id,"
	"detail:r.revisions.join(', '),url:r.url});});\n"
	"d.getElementById('find').addEventListener('submit',function(e){e.preventDefault();});\n"
	"function run(){var s=q.value.trim().toLowerCase(),n=0;out.textContent='';\n"
	"d.querySelectorAll('[data-browse]').forEach(function(e){e.hidden=!!s;});\n"
	"if(!s){st.textContent='';out.hidden=true;return;}\n"
	"items.forEach(function(it){if((it.name+' '+it.detail).toLowerCase().indexOf(s)<0)return;\n"
	"var li=d.createElement('li'),a=d.createElement('a'),k=d.createElement('span');\n"
	"a.href=root+it.url;a.textContent=it.name;k.className='kind';"
	"k.textContent=' '+it.kind+(it.detail?' \\u00b7 '+it.detail:'');\n"
	"li.appendChild(a);li.appendChild(k);out.appendChild(li);n++;});\n"
	"out.hidden=!n;st.textContent=n?n+(n===1?' match':' matches'):'No project or model matches';}\n"
	"q.addEventListener('input',run);run();})();\n";

static al_err page_head(struct al_buf *b, const char *title, const char *root)
{
	if (al_buf_addstr(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	                     "<link rel=\"icon\" href=\"data:,\">\n" /* no /favicon.ico request */
	                     "<title>") ||
	    H(b, title) || al_buf_addstr(b, " \xc2\xb7 airlock mirror</title>\n<style>\n") ||
	    al_buf_addstr(b, css) || al_buf_addstr(b, "</style></head>\n<body data-root=\"") ||
	    al_buf_addstr(b, root) ||
	    al_buf_addstr(b, "\">\n<a class=\"skip\" href=\"#main\">Skip to content</a>\n"
	                     "<header><nav aria-label=\"Mirror\"><a href=\"") ||
	    al_buf_addstr(b, root) ||
	    al_buf_addstr(b, "index.html\">airlock mirror</a></nav></header>\n<main id=\"main\">\n"))
		return AL_ENOMEM;
	return AL_OK;
}

static al_err page_foot(struct al_buf *b, const char *extra_js)
{
	if (al_buf_addstr(b, "</main>\n<footer><p>Written by <code>airlock publish</code>. "
	                     "The mirror is read-only; its files are checked against the "
	                     "signed media they came from.</p></footer>\n<script>\n") ||
	    al_buf_addstr(b, fill_js) || (extra_js && al_buf_addstr(b, extra_js)) ||
	    al_buf_addstr(b, "</script>\n</body></html>\n"))
		return AL_ENOMEM;
	return AL_OK;
}

/* The hint beside commands holding a placeholder address. */
static const char nojs_hint[] =
	"<p class=\"note\" data-nojs>Replace <code>http://MIRROR/</code> with the address of "
	"this mirror (with JavaScript the commands show the address this page came from).</p>\n";

/* ---- what the pages are built from --------------------------------------------------- */

struct cfile {                 /* one distribution of one target of one bundle */
	const struct al_lock_dist *x;
	const struct al_lock *l;
	const struct al_lock_target *t;
	size_t li;                 /* the lock's index */
	bool build;
};

struct crev {                  /* one repo pin of one bundle */
	const struct al_lock_repo *r;
	const struct al_lock *l;
	size_t li, ri;
};

struct cat {
	const struct al_catalog *c;
	struct cfile *files;
	size_t nfiles;
	struct crev *revs;
	size_t nrevs;
	struct al_diag *d;
};

static int cmp_cfile(const void *a, const void *b)
{
	const struct cfile *x = a, *y = b;
	int c = strcmp(x->x->name, y->x->name);

	if (!c)
		c = strcmp(x->x->filename, y->x->filename);
	if (!c)
		c = x->li < y->li ? -1 : x->li > y->li;
	if (!c)
		c = strcmp(x->t->name, y->t->name);
	return c ? c : (int)x->build - (int)y->build;
}

static int cmp_crev(const void *a, const void *b)
{
	const struct crev *x = a, *y = b;
	int c = strcmp(x->r->type, y->r->type);

	if (!c)
		c = strcmp(x->r->repo, y->r->repo);
	if (!c)
		c = x->li < y->li ? -1 : x->li > y->li;
	return c ? c : (x->ri < y->ri ? -1 : x->ri > y->ri);
}

static al_err cat_collect(struct cat *k)
{
	const struct al_catalog *c = k->c;
	size_t i, j, m, afiles = 0, arevs = 0;

	for (i = 0; i < c->nlocks; i++) {
		const struct al_lock *l = c->locks[i];
		for (j = 0; j < l->ntargets; j++) {
			const struct al_lock_target *t = &l->targets[j];
			for (m = 0; m < t->ndists + t->nbuild_dists; m++) {
				if (AL_GROW(k->files, afiles, k->nfiles + 1))
					return AL_ENOMEM;
				k->files[k->nfiles++] = (struct cfile){
					m < t->ndists ? &t->dists[m] : &t->build_dists[m - t->ndists], l, t, i,
					m >= t->ndists };
			}
		}
		for (j = 0; j < l->nrepos; j++) {
			if (AL_GROW(k->revs, arevs, k->nrevs + 1))
				return AL_ENOMEM;
			k->revs[k->nrevs++] = (struct crev){ &l->repos[j], l, i, j };
		}
	}
	if (k->nfiles)
		qsort(k->files, k->nfiles, sizeof(*k->files), cmp_cfile);
	if (k->nrevs)
		qsort(k->revs, k->nrevs, sizeof(*k->revs), cmp_crev);
	return AL_OK;
}

static const char *kind_dir(const struct al_lock_repo *r)
{
	return !strcmp(r->type, "dataset") ? "datasets" : "models";
}

/* "catalog/models/org/name.html" and the like: the page's path below DIR. */
static al_err repo_page_path(struct al_buf *b, const struct al_lock_repo *r)
{
	return al_buf_addf(b, "catalog/%s/%s.html", kind_dir(r), r->repo);
}

/* The requirements file of target t of l: requirements/[<bundle>@]<target>.txt */
static al_err req_path(struct al_buf *b, const struct al_catalog *c, const struct al_lock *l,
                       const char *target, const char *ext)
{
	return al_buf_addf(b, "requirements/%s%s%s%s", c->nlocks > 1 ? l->bundle : "",
	                   c->nlocks > 1 ? "@" : "", target, ext);
}

static al_err write_page(struct cat *k, const char *rel, struct al_buf *page)
{
	return k->c->write(k->c->ctx, rel, page->buf, page->len);
}

/* ---- the client settings ------------------------------------------------------------- */

static al_err settings(struct al_buf *b, const struct al_catalog *c)
{
	if (al_buf_addstr(b, "<section aria-labelledby=\"use\"><h2 id=\"use\">Use this mirror</h2>\n") ||
	    al_buf_addstr(b, nojs_hint) ||
	    al_buf_addstr(b, "<h3>pip</h3>\n<p>In <code>pip.conf</code> "
	                     "(<code>~/.config/pip/pip.conf</code>, or <code>/etc/pip.conf</code>):</p>\n"
	                     "<pre><code>[global]\nindex-url = <span data-fill=\"base\">http://MIRROR/"
	                     "</span>simple/</code></pre>\n<p>or for one command:</p>\n"
	                     "<pre><code>pip install --index-url <span data-fill=\"base\">http://MIRROR/"
	                     "</span>simple/ PROJECT</code></pre>\n"
	                     "<p>A bundle's page gives each target's pinned requirements, "
	                     "installed with <code>--require-hashes</code>. All files: "
	                     "<a href=\"wheels/\">wheels/</a>, <a href=\"requirements/\">requirements/</a>.</p>\n"
	                     "<h3>Hugging Face</h3>\n<p>Through <code>airlock serve</code>:</p>\n"
	                     "<pre><code>export HF_ENDPOINT=<span data-fill=\"endpoint\">http://MIRROR"
	                     "</span></code></pre>\n"
	                     "<p>or, on a machine that sees the published directory, without a server:</p>\n"
	                     "<pre><code>export HF_HUB_OFFLINE=1\nexport HF_HUB_CACHE=<span data-fill=\"dir\">") ||
	    H(b, c->dir ? c->dir : "DIR") ||
	    al_buf_addstr(b, "</span>/hf/hub</code></pre>\n</section>\n"))
		return AL_ENOMEM;
	return AL_OK;
}

/* ---- index.html and catalog/index.json --------------------------------------------- */

static al_err index_bundles(struct cat *k, struct al_buf *b)
{
	const struct al_catalog *c = k->c;
	size_t i;

	if (al_buf_addstr(b, "<section aria-labelledby=\"bundles\"><h2 id=\"bundles\">Bundles</h2>\n"
	                     "<div class=\"wide\"><table>\n<thead><tr><th scope=\"col\">Bundle</th>"
	                     "<th scope=\"col\" class=\"n\">Media sequence</th><th scope=\"col\">Imported</th>"
	                     "<th scope=\"col\" class=\"n\">Targets</th><th scope=\"col\" class=\"n\">Repos</th>"
	                     "</tr></thead>\n<tbody>\n"))
		return AL_ENOMEM;
	for (i = 0; i < c->nlocks; i++) {
		const struct al_lock *l = c->locks[i];
		const struct al_catalog_import *im = c->imports ? &c->imports[i] : NULL;
		struct al_buf rel = AL_BUF_INIT;
		al_err err = al_buf_addf(&rel, "catalog/bundles/%s.html", l->bundle);
		if (err || al_buf_addstr(b, "<tr><th scope=\"row\"><a href=\"") || add_href(b, "", rel.buf) ||
		    al_buf_addstr(b, "\">") || H(b, l->bundle) || al_buf_addstr(b, "</a></th><td class=\"n\">")) {
			al_buf_release(&rel);
			return AL_ENOMEM;
		}
		al_buf_release(&rel);
		if ((im && im->seq >= 0 ? al_buf_addf(b, "%lld", (long long)im->seq) : al_buf_addstr(b, "\xe2\x80\x94")) ||
		    al_buf_addstr(b, "</td><td>") ||
		    (im && im->seq >= 0 ? add_date(b, im->at) : al_buf_addstr(b, "not imported (made here)")) ||
		    al_buf_addf(b, "</td><td class=\"n\">%zu</td><td class=\"n\">%zu</td></tr>\n", l->ntargets,
		                l->nrepos))
			return AL_ENOMEM;
	}
	if (al_buf_addstr(b, "</tbody></table></div>\n</section>\n"))
		return AL_ENOMEM;
	return AL_OK;
}

/* The projects list (and index entries): one line per project, its versions. */
static al_err index_projects(struct cat *k, struct al_buf *b, json_t *jprojects)
{
	size_t i, j, start;

	if (al_buf_addstr(b, "<section aria-labelledby=\"projects\" data-browse><h2 id=\"projects\">"
	                     "Python projects</h2>\n"))
		return AL_ENOMEM;
	if (!k->nfiles && al_buf_addstr(b, "<p>None.</p>\n"))
		return AL_ENOMEM;
	if (k->nfiles && al_buf_addstr(b, "<ul class=\"list\">\n"))
		return AL_ENOMEM;
	for (i = 0; i < k->nfiles; i = start) {
		const char *name = k->files[i].x->name;
		struct al_buf rel = AL_BUF_INIT;
		json_t *vers = NULL, *jp; /* jp owns vers, jprojects jp */
		al_err err;

		for (start = i; start < k->nfiles && !strcmp(k->files[start].x->name, name); start++)
			;
		jp = json_pack("{s:s}", "name", name);
		if (al_json_push(jprojects, jp) || al_json_set(jp, "versions", vers = json_array()) ||
		    al_buf_addf(&rel, "catalog/projects/%s.html", name)) {
			al_buf_release(&rel);
			return AL_ENOMEM;
		}
		err = al_json_set(jp, "url", json_string(rel.buf)); /* names are normalized: no escape */
		if (!err && (al_buf_addstr(b, "<li><a href=\"") || add_href(b, "", rel.buf) ||
		             al_buf_addstr(b, "\">") || H(b, name) ||
		             al_buf_addstr(b, "</a> <span class=\"kind\">")))
			err = AL_ENOMEM;
		al_buf_release(&rel);
		if (err)
			return err;
		for (j = i; j < start; j++) {
			const char *v = k->files[j].x->version;
			size_t m, seen = 0;
			for (m = 0; m < json_array_size(vers); m++)
				seen |= !strcmp(json_string_value(json_array_get(vers, m)), v);
			if (seen)
				continue;
			if (al_json_push(vers, json_string(v)) ||
			    (json_array_size(vers) > 1 && al_buf_addstr(b, ", ")) || H(b, v))
				return AL_ENOMEM;
		}
		if (al_buf_addstr(b, "</span></li>\n"))
			return AL_ENOMEM;
	}
	if ((k->nfiles && al_buf_addstr(b, "</ul>\n")) || al_buf_addstr(b, "</section>\n"))
		return AL_ENOMEM;
	return AL_OK;
}

static al_err index_repos(struct cat *k, struct al_buf *b, const char *type, json_t *jrepos)
{
	bool ds = !strcmp(type, "dataset"), any = false;
	size_t i, j, start;

	if (al_buf_addf(b, "<section aria-labelledby=\"%s\" data-browse><h2 id=\"%s\">%s</h2>\n",
	                ds ? "datasets" : "models", ds ? "datasets" : "models", ds ? "Datasets" : "Models"))
		return AL_ENOMEM;
	for (i = 0; i < k->nrevs; i = start) {
		const struct al_lock_repo *r = k->revs[i].r;
		struct al_buf rel = AL_BUF_INIT;
		json_t *revs = NULL, *jr; /* jr owns revs, jrepos jr */
		al_err err;

		for (start = i; start < k->nrevs && !strcmp(k->revs[start].r->type, r->type) &&
		                !strcmp(k->revs[start].r->repo, r->repo); start++)
			;
		if (strcmp(r->type, type))
			continue;
		if ((!any && al_buf_addstr(b, "<ul class=\"list\">\n")))
			return AL_ENOMEM;
		any = true;
		jr = json_pack("{s:s, s:s}", "type", r->type, "id", r->repo);
		if (al_json_push(jrepos, jr) || al_json_set(jr, "revisions", revs = json_array()) || repo_page_path(&rel, r)) {
			al_buf_release(&rel);
			return AL_ENOMEM;
		}
		{
			struct al_buf url = AL_BUF_INIT;
			err = al_catalog_add_urlpath(&url, rel.buf) ? AL_ENOMEM
			                                             : al_json_set(jr, "url", json_string(url.buf));
			al_buf_release(&url);
		}
		if (!err && (al_buf_addstr(b, "<li><a href=\"") || add_href(b, "", rel.buf) ||
		             al_buf_addstr(b, "\">") || H(b, r->repo) ||
		             al_buf_addstr(b, "</a> <span class=\"kind\">")))
			err = AL_ENOMEM;
		al_buf_release(&rel);
		if (err)
			return err;
		for (j = i; j < start; j++) {
			const struct al_lock_repo *o = k->revs[j].r;
			const char *rev = o->revision ? o->revision : o->commit;
			if (al_json_push(revs, json_string(rev)) || (j > i && al_buf_addstr(b, ", ")) || H(b, rev))
				return AL_ENOMEM;
		}
		if (al_buf_addstr(b, "</span></li>\n"))
			return AL_ENOMEM;
	}
	if (al_buf_addstr(b, any ? "</ul>\n</section>\n" : "<p>None.</p>\n</section>\n"))
		return AL_ENOMEM;
	return AL_OK;
}

static al_err write_index(struct cat *k)
{
	struct al_buf b = AL_BUF_INIT;
	json_t *idx = json_object(), *jprojects = NULL, *jrepos = NULL, *jbundles = NULL; /* idx owns them */
	struct al_buf safe = AL_BUF_INIT;
	char *text = NULL;
	al_err err = AL_ENOMEM;
	size_t i;

	if (al_json_set(idx, "projects", jprojects = json_array()) ||
	    al_json_set(idx, "repos", jrepos = json_array()) ||
	    al_json_set(idx, "bundles", jbundles = json_array()))
		goto out;
	for (i = 0; i < k->c->nlocks; i++)
		if (al_json_push(jbundles, json_string(k->c->locks[i]->bundle)))
			goto out;
	if (page_head(&b, "Catalog", "./") ||
	    al_buf_addstr(&b, "<h1>airlock mirror</h1>\n<p>What this mirror holds, and how to point "
	                      "pip and Hugging Face clients at it.</p>\n"
	                      "<section aria-labelledby=\"find-h\" data-js hidden><h2 id=\"find-h\">"
	                      "Find a project or model</h2>\n<form id=\"find\" role=\"search\">"
	                      "<label for=\"q\">Name, version or revision</label><br>\n"
	                      "<input type=\"search\" id=\"q\" name=\"q\" autocomplete=\"off\" "
	                      "spellcheck=\"false\"></form>\n<p id=\"status\" role=\"status\"></p>\n"
	                      "<ul id=\"results\" class=\"list\" hidden></ul>\n</section>\n") ||
	    index_bundles(k, &b) || index_projects(k, &b, jprojects) ||
	    index_repos(k, &b, "model", jrepos) || index_repos(k, &b, "dataset", jrepos) ||
	    settings(&b, k->c))
		goto out;
	if (!(text = json_dumps(idx, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII)))
		goto out;
	/* the same text in the page and in index.json: safe in a script either way */
	if (al_catalog_add_script_json(&safe, text) ||
	    al_buf_addstr(&b, "<script type=\"application/json\" id=\"catalog-index\">") ||
	    al_buf_addstr(&b, safe.buf) || al_buf_addstr(&b, "</script>\n") || page_foot(&b, search_js))
		goto out;
	if ((err = write_page(k, "index.html", &b)))
		goto out;
	if (al_buf_addch(&safe, '\n')) {
		err = AL_ENOMEM;
		goto out;
	}
	err = write_page(k, "catalog/index.json", &safe);
out:
	free(text);
	json_decref(idx);
	al_buf_release(&b);
	al_buf_release(&safe);
	return err;
}

/* ---- a bundle's page ----------------------------------------------------------------- */

static al_err bundle_target(struct al_buf *b, const struct al_catalog *c, const struct al_lock *l,
                            const struct al_lock_target *t)
{
	struct al_buf rel = AL_BUF_INIT;
	al_err err = AL_ENOMEM;
	size_t i;

	if (al_buf_addstr(b, "<section><h3>Target ") || H(b, t->name) ||
	    al_buf_addstr(b, "</h3>\n<p>Python ") || H(b, t->python_version) ||
	    al_buf_addf(b, " (%s)", !strcmp(t->implementation, "pp") ? "PyPy" : "CPython"))
		goto out;
	for (i = 0; i < t->nplatforms; i++)
		if (al_buf_addstr(b, i ? ", " : ", platforms ") || H(b, t->platforms[i]))
			goto out;
	if (al_buf_addstr(b, ".</p>\n<p>Requirements: <a href=\"") || req_path(&rel, c, l, t->name, ".txt") ||
	    add_href(b, "../../", rel.buf) || al_buf_addstr(b, "\">") || H(b, rel.buf) ||
	    al_buf_addstr(b, "</a> (pip), <a href=\""))
		goto out;
	al_buf_reset(&rel);
	if (req_path(&rel, c, l, t->name, ".pylock.toml") || add_href(b, "../../", rel.buf) ||
	    al_buf_addstr(b, "\">") || H(b, rel.buf) || al_buf_addstr(b, "</a> (PEP 751)</p>\n"))
		goto out;
	al_buf_reset(&rel);
	if (req_path(&rel, c, l, t->name, ".txt") ||
	    al_buf_addstr(b, "<pre><code>pip install --index-url <span data-fill=\"base\">http://MIRROR/"
	                     "</span>simple/ --require-hashes -r <span data-fill=\"base\">http://MIRROR/"
	                     "</span>") ||
	    H(b, rel.buf) || al_buf_addstr(b, "</code></pre>\n"))
		goto out;
	if (al_buf_addstr(b, "<div class=\"wide\"><table>\n<thead><tr><th scope=\"col\">Project</th>"
	                     "<th scope=\"col\">Version</th><th scope=\"col\">File</th>"
	                     "<th scope=\"col\" class=\"n\">Size</th></tr></thead>\n<tbody>\n"))
		goto out;
	for (i = 0; i < t->ndists + t->nbuild_dists; i++) {
		const struct al_lock_dist *x = i < t->ndists ? &t->dists[i] : &t->build_dists[i - t->ndists];
		al_buf_reset(&rel);
		if (al_buf_addf(&rel, "catalog/projects/%s.html", x->name) ||
		    al_buf_addstr(b, "<tr><td><a href=\"") || add_href(b, "../../", rel.buf) ||
		    al_buf_addstr(b, "\">") || H(b, x->name) || al_buf_addstr(b, "</a>") ||
		    (i >= t->ndists && al_buf_addstr(b, " <span class=\"kind\">(to build sdists)</span>")) ||
		    al_buf_addstr(b, "</td><td>") || H(b, x->version) || al_buf_addstr(b, "</td><td><a href=\""))
			goto out;
		al_buf_reset(&rel);
		if (al_buf_addstr(&rel, "wheels/") || al_buf_addstr(&rel, x->filename) ||
		    add_href(b, "../../", rel.buf) || al_buf_addstr(b, "\">") || H(b, x->filename) ||
		    al_buf_addstr(b, "</a></td><td class=\"n\">") || add_size(b, x->size) ||
		    al_buf_addstr(b, "</td></tr>\n"))
			goto out;
	}
	if (al_buf_addstr(b, "</tbody></table></div>\n</section>\n"))
		goto out;
	err = AL_OK;
out:
	al_buf_release(&rel);
	return err;
}

static al_err write_bundle(struct cat *k, size_t li)
{
	const struct al_catalog *c = k->c;
	const struct al_lock *l = c->locks[li];
	const struct al_catalog_import *im = c->imports ? &c->imports[li] : NULL;
	struct al_buf b = AL_BUF_INIT, rel = AL_BUF_INIT, title = AL_BUF_INIT;
	al_err err = AL_ENOMEM;
	size_t i;

	if (al_buf_addf(&title, "Bundle %s", l->bundle) || page_head(&b, title.buf, "../../") ||
	    al_buf_addstr(&b, "<h1>Bundle ") || H(&b, l->bundle) || al_buf_addstr(&b, "</h1>\n<dl>\n"))
		goto out;
	if (im && im->seq >= 0) {
		if (al_buf_addf(&b, "<dt>Media sequence</dt><dd>%lld</dd>\n<dt>Imported</dt><dd>",
		                (long long)im->seq) || add_date(&b, im->at) || al_buf_addstr(&b, "</dd>\n") ||
		    (im->media_id && (al_buf_addstr(&b, "<dt>Media</dt><dd><code>") || H(&b, im->media_id) ||
		                      al_buf_addstr(&b, "</code></dd>\n"))))
			goto out;
	} else if (al_buf_addstr(&b, "<dt>Imported</dt><dd>not imported (made in this store)</dd>\n"))
		goto out;
	if (l->manifest_sha256 && (al_buf_addstr(&b, "<dt>Manifest sha256</dt><dd><code>") ||
	                           H(&b, l->manifest_sha256) || al_buf_addstr(&b, "</code></dd>\n")))
		goto out;
	/* the SBOM another part of publish writes: linked only when the tree holds it */
	if (al_buf_addstr(&b, "<dt>SBOM</dt><dd>"))
		goto out;
	if (im && im->sbom) {
		if (al_buf_addf(&rel, "sbom/%s.cdx.json", l->bundle) || al_buf_addstr(&b, "<a href=\"") ||
		    add_href(&b, "../../", rel.buf) || al_buf_addstr(&b, "\">") || H(&b, rel.buf) ||
		    al_buf_addstr(&b, "</a> (CycloneDX)"))
			goto out;
	} else if (al_buf_addstr(&b, "none in this tree"))
		goto out;
	if (al_buf_addstr(&b, "</dd>\n</dl>\n") || al_buf_addstr(&b, nojs_hint))
		goto out;
	if (al_buf_addstr(&b, "<section aria-labelledby=\"targets\"><h2 id=\"targets\">Python targets</h2>\n") ||
	    (!l->ntargets && al_buf_addstr(&b, "<p>None.</p>\n")))
		goto out;
	for (i = 0; i < l->ntargets; i++)
		if (bundle_target(&b, c, l, &l->targets[i]))
			goto out;
	if (al_buf_addstr(&b, "</section>\n<section aria-labelledby=\"repos\"><h2 id=\"repos\">"
	                      "Models and datasets</h2>\n") ||
	    (!l->nrepos && al_buf_addstr(&b, "<p>None.</p>\n")))
		goto out;
	if (l->nrepos && al_buf_addstr(&b, "<div class=\"wide\"><table>\n<thead><tr><th scope=\"col\">Repo</th>"
	                                   "<th scope=\"col\">Type</th><th scope=\"col\">Revision</th>"
	                                   "<th scope=\"col\">Commit</th><th scope=\"col\" class=\"n\">Files</th>"
	                                   "<th scope=\"col\" class=\"n\">Size</th></tr></thead>\n<tbody>\n"))
		goto out;
	for (i = 0; i < l->nrepos; i++) {
		const struct al_lock_repo *r = &l->repos[i];
		int64_t total = 0;
		size_t f;
		for (f = 0; f < r->nfiles; f++)
			total += r->files[f].size > 0 ? r->files[f].size : 0;
		al_buf_reset(&rel);
		if (repo_page_path(&rel, r) || al_buf_addstr(&b, "<tr><td><a href=\"") ||
		    add_href(&b, "../../", rel.buf) || al_buf_addstr(&b, "\">") || H(&b, r->repo) ||
		    al_buf_addstr(&b, "</a></td><td>") || H(&b, r->type) || al_buf_addstr(&b, "</td><td>") ||
		    H(&b, r->revision ? r->revision : r->commit) || al_buf_addstr(&b, "</td><td><code>") ||
		    H(&b, r->commit) || al_buf_addf(&b, "</code></td><td class=\"n\">%zu</td><td class=\"n\">",
		                                     r->nfiles) ||
		    add_size(&b, total) || al_buf_addstr(&b, "</td></tr>\n"))
			goto out;
	}
	if ((l->nrepos && al_buf_addstr(&b, "</tbody></table></div>\n")) || al_buf_addstr(&b, "</section>\n") ||
	    page_foot(&b, NULL))
		goto out;
	al_buf_reset(&rel);
	if (al_buf_addf(&rel, "catalog/bundles/%s.html", l->bundle))
		goto out;
	err = write_page(k, rel.buf, &b);
out:
	al_buf_release(&b);
	al_buf_release(&rel);
	al_buf_release(&title);
	return err;
}

/* ---- a project's page ---------------------------------------------------------------- */

static al_err write_project(struct cat *k, size_t from, size_t to)
{
	const char *name = k->files[from].x->name;
	struct al_buf b = AL_BUF_INIT, rel = AL_BUF_INIT, title = AL_BUF_INIT;
	al_err err = AL_ENOMEM;
	size_t i, j;

	if (al_buf_addf(&title, "Project %s", name) || page_head(&b, title.buf, "../../") ||
	    al_buf_addstr(&b, "<h1>Project ") || H(&b, name) || al_buf_addstr(&b, "</h1>\n") ||
	    al_buf_addstr(&b, nojs_hint) ||
	    al_buf_addstr(&b, "<pre><code>pip install --index-url <span data-fill=\"base\">http://MIRROR/"
	                      "</span>simple/ ") ||
	    H(&b, name) || al_buf_addstr(&b, "</code></pre>\n") ||
	    al_buf_addstr(&b, "<section aria-labelledby=\"files\"><h2 id=\"files\">Files</h2>\n"
	                      "<div class=\"wide\"><table>\n<thead><tr><th scope=\"col\">Version</th>"
	                      "<th scope=\"col\">File</th><th scope=\"col\" class=\"n\">Size</th>"
	                      "<th scope=\"col\">Requires Python</th><th scope=\"col\">In</th>"
	                      "</tr></thead>\n<tbody>\n"))
		goto out;
	/* one row per file; the bundles and targets that pin it beside it */
	for (i = from; i < to; i = j) {
		const struct al_lock_dist *x = k->files[i].x;
		al_buf_reset(&rel);
		if (al_buf_addstr(&rel, "wheels/") || al_buf_addstr(&rel, x->filename) ||
		    al_buf_addstr(&b, "<tr><td>") || H(&b, x->version) || al_buf_addstr(&b, "</td><td><a href=\"") ||
		    add_href(&b, "../../", rel.buf) || al_buf_addstr(&b, "\">") || H(&b, x->filename) ||
		    al_buf_addstr(&b, "</a><br><span class=\"kind\">sha256 <code>") || H(&b, x->sha256) ||
		    al_buf_addstr(&b, "</code></span></td><td class=\"n\">") || add_size(&b, x->size) ||
		    al_buf_addstr(&b, "</td><td>") || H(&b, x->requires_python ? x->requires_python : "any") ||
		    al_buf_addstr(&b, "</td><td>"))
			goto out;
		for (j = i; j < to && !strcmp(k->files[j].x->filename, x->filename); j++) {
			const struct cfile *f = &k->files[j];
			al_buf_reset(&rel);
			if (al_buf_addf(&rel, "catalog/bundles/%s.html", f->l->bundle) ||
			    (j > i && al_buf_addstr(&b, "<br>")) || al_buf_addstr(&b, "<a href=\"") ||
			    add_href(&b, "../../", rel.buf) || al_buf_addstr(&b, "\">") || H(&b, f->l->bundle) ||
			    al_buf_addstr(&b, "</a> ") || H(&b, f->t->name) ||
			    (f->build && al_buf_addstr(&b, " (to build sdists)")))
				goto out;
		}
		if (al_buf_addstr(&b, "</td></tr>\n"))
			goto out;
	}
	if (al_buf_addstr(&b, "</tbody></table></div>\n</section>\n") || page_foot(&b, NULL))
		goto out;
	al_buf_reset(&rel);
	if (al_buf_addf(&rel, "catalog/projects/%s.html", name))
		goto out;
	err = write_page(k, rel.buf, &b);
out:
	al_buf_release(&b);
	al_buf_release(&rel);
	al_buf_release(&title);
	return err;
}

/* ---- a model's or dataset's page ------------------------------------------------------ */

static al_err repo_revision(struct cat *k, struct al_buf *b, const struct crev *v, bool first)
{
	const struct al_lock_repo *r = v->r;
	const char *rev = r->revision ? r->revision : r->commit;
	struct al_buf tree = AL_BUF_INIT, rel = AL_BUF_INIT;
	al_err err = AL_ENOMEM;
	size_t i;

	if (al_publish_tree_dir(k->c->locks, k->c->nlocks, r, kind_dir(r), &tree))
		goto out;
	if (al_buf_addstr(b, "<section><h3>Revision ") || H(b, rev) ||
	    al_buf_addstr(b, "</h3>\n<p>Commit <code>") || H(b, r->commit) ||
	    al_buf_addstr(b, "</code>, in bundle <a href=\""))
		goto out;
	if (al_buf_addf(&rel, "catalog/bundles/%s.html", v->l->bundle) || add_href(b, "../../../", rel.buf) ||
	    al_buf_addstr(b, "\">") || H(b, v->l->bundle) || al_buf_addstr(b, "</a>. Its files are in <code>") ||
	    al_buf_addch(&tree, '/') || H(b, tree.buf) || al_buf_addstr(b, "</code> (each one linked below; "
	                                                                "serve lists no directories).</p>\n"))
		goto out;
	if (first && (al_buf_addstr(b, "<pre><code>HF_ENDPOINT=<span data-fill=\"endpoint\">http://MIRROR"
	                               "</span> hf download ") ||
	              (!strcmp(r->type, "dataset") && al_buf_addstr(b, "--repo-type dataset "))))
		goto out;
	if (first) {
		struct al_buf w = AL_BUF_INIT;
		err = al_catalog_add_shell_word(&w, r->repo) || al_buf_addstr(&w, " --revision ") ||
		      al_catalog_add_shell_word(&w, rev) ? AL_ENOMEM : AL_OK;
		if (!err && (H(b, w.buf) || al_buf_addstr(b, "</code></pre>\n")))
			err = AL_ENOMEM;
		al_buf_release(&w);
		if (err)
			goto out;
		err = AL_ENOMEM;
	}
	if (al_buf_addstr(b, "<div class=\"wide\"><table>\n<thead><tr><th scope=\"col\">File</th>"
	                     "<th scope=\"col\" class=\"n\">Size</th><th scope=\"col\">sha256</th>"
	                     "</tr></thead>\n<tbody>\n"))
		goto out;
	for (i = 0; i < r->nfiles; i++) {
		const struct al_lock_file *f = &r->files[i];
		al_buf_reset(&rel);
		if (al_buf_addstr(&rel, tree.buf) || al_buf_addstr(&rel, f->path) ||
		    al_buf_addstr(b, "<tr><td><a href=\"") || add_href(b, "../../../", rel.buf) ||
		    al_buf_addstr(b, "\">") || H(b, f->path) || al_buf_addstr(b, "</a>") ||
		    (f->lfs && al_buf_addstr(b, " <span class=\"kind\">(LFS)</span>")) ||
		    al_buf_addstr(b, "</td><td class=\"n\">") || add_size(b, f->size) ||
		    al_buf_addstr(b, "</td><td><code>") || H(b, f->sha256) || al_buf_addstr(b, "</code></td></tr>\n"))
			goto out;
	}
	if (al_buf_addstr(b, "</tbody></table></div>\n</section>\n"))
		goto out;
	err = AL_OK;
out:
	al_buf_release(&tree);
	al_buf_release(&rel);
	return err;
}

static al_err write_repo(struct cat *k, size_t from, size_t to)
{
	const struct al_lock_repo *r = k->revs[from].r;
	bool ds = !strcmp(r->type, "dataset");
	struct al_buf b = AL_BUF_INIT, rel = AL_BUF_INIT, title = AL_BUF_INIT;
	al_err err = AL_ENOMEM;
	size_t i;

	if (al_buf_addf(&title, "%s %s", ds ? "Dataset" : "Model", r->repo) ||
	    page_head(&b, title.buf, "../../../") || al_buf_addf(&b, "<h1>%s ", ds ? "Dataset" : "Model") ||
	    H(&b, r->repo) || al_buf_addstr(&b, "</h1>\n") || al_buf_addstr(&b, nojs_hint) ||
	    al_buf_addstr(&b, "<p>Offline, from the published directory: <code>HF_HUB_OFFLINE=1 "
	                      "HF_HUB_CACHE=<span data-fill=\"dir\">") ||
	    H(&b, k->c->dir ? k->c->dir : "DIR") || al_buf_addstr(&b, "</span>/hf/hub</code></p>\n") ||
	    al_buf_addstr(&b, "<section aria-labelledby=\"revs\"><h2 id=\"revs\">Revisions</h2>\n"))
		goto out;
	for (i = from; i < to; i++)
		if ((err = repo_revision(k, &b, &k->revs[i], i == from)))
			goto out;
	err = AL_ENOMEM;
	if (al_buf_addstr(&b, "</section>\n") || page_foot(&b, NULL) || repo_page_path(&rel, r))
		goto out;
	err = write_page(k, rel.buf, &b);
out:
	al_buf_release(&b);
	al_buf_release(&rel);
	al_buf_release(&title);
	return err;
}

/* ---- the whole catalog ----------------------------------------------------------------- */

al_err al_catalog_write(const struct al_catalog *c, struct al_diag *d)
{
	struct cat k = { .c = c, .d = d };
	size_t i, j;
	al_err err;

	if ((err = cat_collect(&k)) || (err = write_index(&k)))
		goto out;
	for (i = 0; i < c->nlocks; i++)
		if ((err = write_bundle(&k, i)))
			goto out;
	for (i = 0; i < k.nfiles; i = j) {
		for (j = i; j < k.nfiles && !strcmp(k.files[j].x->name, k.files[i].x->name); j++)
			;
		if ((err = write_project(&k, i, j)))
			goto out;
	}
	for (i = 0; i < k.nrevs; i = j) {
		for (j = i; j < k.nrevs && !strcmp(k.revs[j].r->type, k.revs[i].r->type) &&
		            !strcmp(k.revs[j].r->repo, k.revs[i].r->repo); j++)
			;
		if ((err = write_repo(&k, i, j)))
			goto out;
	}
out:
	if (err == AL_ENOMEM)
		err = al_oom(d);
	al_free(k.files);
	al_free(k.revs);
	return err;
}

al_err al_catalog_paths(struct al_lock *const *locks, size_t nlocks,
                        al_err (*add)(void *ctx, const char *key, const char *path), void *ctx)
{
	struct al_buf p = AL_BUF_INIT;
	al_err err = AL_OK;
	size_t i, j, m;

	for (i = 0; i < nlocks && !err; i++) {
		const struct al_lock *l = locks[i];
		al_buf_reset(&p);
		if (al_buf_addf(&p, "catalog/bundles/%s.html", l->bundle))
			err = AL_ENOMEM;
		else
			err = add(ctx, l->bundle, p.buf);
		for (j = 0; j < l->ntargets && !err; j++) {
			const struct al_lock_target *t = &l->targets[j];
			for (m = 0; m < t->ndists + t->nbuild_dists && !err; m++) {
				const struct al_lock_dist *x = m < t->ndists ? &t->dists[m] : &t->build_dists[m - t->ndists];
				al_buf_reset(&p);
				err = al_buf_addf(&p, "catalog/projects/%s.html", x->name) ? AL_ENOMEM
				                                                             : add(ctx, x->name, p.buf);
			}
		}
		for (j = 0; j < l->nrepos && !err; j++) {
			al_buf_reset(&p);
			err = repo_page_path(&p, &l->repos[j]) ? AL_ENOMEM : add(ctx, l->repos[j].repo, p.buf);
		}
	}
	al_buf_release(&p);
	return err;
}
