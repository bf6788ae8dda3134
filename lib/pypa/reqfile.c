/*
 * reqfile.c: requirements files as pip reads them (pip's req_file.py):
 *
 *  1. split into lines (\n, \r\n, \r, \v, \f, \x1c-\x1e, like str.splitlines
 *     for ASCII);
 *  2. join a line ending in '\' with the next (backslashes stripped from
 *     both ends of the piece), unless it starts with a comment; the joined
 *     line keeps the first line's number;
 *  3. drop comments: from the first '#' at the start or after whitespace;
 *     strip; skip empty lines;
 *  4. expand ${NAME} (NAME of [A-Z0-9_]) when the variable is set and not
 *     empty;
 *  5. the requirement is everything before the first space-separated word
 *     starting with '-'; the rest is split like a POSIX shell (shlex) and
 *     read as options (optparse rules: --long=value, --long value, unique
 *     prefixes of long names, -xVALUE, -x VALUE).
 *
 * Stricter than pip (it warns or ignores): options that do not apply to a
 * requirement on a requirement line, --hash without a requirement, stray
 * arguments among options, several -r/-c on one line, hashes that are not
 * lowercase hex of the algorithm's length.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/url.h"
#include "pypa/reqfile.h"

enum opt_id {
	O_INDEX_URL, O_EXTRA_INDEX_URL, O_NO_INDEX, O_CONSTRAINT, O_REQUIREMENT, O_EDITABLE,
	O_FIND_LINKS, O_NO_BINARY, O_ONLY_BINARY, O_PREFER_BINARY, O_REQUIRE_HASHES, O_PRE,
	O_TRUSTED_HOST, O_USE_FEATURE, O_GLOBAL_OPTION, O_HASH, O_CONFIG_SETTINGS,
};

static const struct optdef {
	const char *lng;
	char shrt;
	bool arg;
} optdefs[] = {
	[O_INDEX_URL] = { "index-url", 'i', true },
	[O_EXTRA_INDEX_URL] = { "extra-index-url", 0, true },
	[O_NO_INDEX] = { "no-index", 0, false },
	[O_CONSTRAINT] = { "constraint", 'c', true },
	[O_REQUIREMENT] = { "requirement", 'r', true },
	[O_EDITABLE] = { "editable", 'e', true },
	[O_FIND_LINKS] = { "find-links", 'f', true },
	[O_NO_BINARY] = { "no-binary", 0, true },
	[O_ONLY_BINARY] = { "only-binary", 0, true },
	[O_PREFER_BINARY] = { "prefer-binary", 0, false },
	[O_REQUIRE_HASHES] = { "require-hashes", 0, false },
	[O_PRE] = { "pre", 0, false },
	[O_TRUSTED_HOST] = { "trusted-host", 0, true },
	[O_USE_FEATURE] = { "use-feature", 0, true },
	[O_GLOBAL_OPTION] = { "global-option", 0, true },
	[O_HASH] = { "hash", 0, true },
	[O_CONFIG_SETTINGS] = { "config-settings", 'C', true },
};
#define NOPTS (sizeof(optdefs) / sizeof(optdefs[0]))

struct opt {
	enum opt_id id;
	char *val; /* NULL for flags */
};

struct frame {
	dev_t dev;
	ino_t ino;
	const char *path;
};

struct ctx {
	struct al_reqfile *rf;
	const struct al_reqfile_params *p;
	struct al_diag *d;
	struct frame stack[AL_REQFILE_MAX_DEPTH + 1];
	size_t depth;
};

static al_err parse_file(struct ctx *c, const char *path, bool constraint, const char *from,
                         size_t from_line);

/* ---- small helpers -------------------------------------------------- */

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

static al_err strv_push(struct al_strv *s, const char *val)
{
	char *dup;

	if (s->n >= AL_REQFILE_MAX_VALUES)
		return AL_ELIMIT;
	if (AL_GROW(s->v, s->alloc, s->n + 1) || !(dup = al_strdup(val)))
		return AL_ENOMEM;
	s->v[s->n++] = dup;
	return AL_OK;
}

static void strv_release(struct al_strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		al_free(s->v[i]);
	al_free(s->v);
	memset(s, 0, sizeof(*s));
}

void al_reqfile_release(struct al_reqfile *rf)
{
	size_t i, j;

	if (!rf)
		return;
	for (i = 0; i < rf->nentries; i++) {
		al_free(rf->entries[i].requirement);
		for (j = 0; j < rf->entries[i].nhashes; j++)
			al_free(rf->entries[i].hashes[j]);
		al_free(rf->entries[i].hashes);
	}
	al_free(rf->entries);
	al_free(rf->opts.index_url);
	strv_release(&rf->opts.extra_index_urls);
	strv_release(&rf->opts.find_links);
	strv_release(&rf->opts.no_binary);
	strv_release(&rf->opts.only_binary);
	strv_release(&rf->opts.trusted_hosts);
	strv_release(&rf->files);
	memset(rf, 0, sizeof(*rf));
}

/* ^(scheme): as a URL would start */
static bool has_scheme(const char *s)
{
	const char *p = s;

	if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
		return false;
	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
	       *p == '+' || *p == '.' || *p == '-')
		p++;
	/* one letter then ':' is a Windows drive, not a scheme */
	return *p == ':' && p - s > 1;
}

/* dirname(base) joined with rel, as os.path.join(os.path.dirname(base), rel) */
static char *join_dir(const char *base, const char *rel)
{
	struct al_buf b = AL_BUF_INIT;
	const char *slash = strrchr(base, '/');

	if (rel[0] == '/' || !slash)
		return al_strdup(rel);
	if (al_buf_add(&b, base, (size_t)(slash - base) + 1) || al_buf_addstr(&b, rel)) {
		al_buf_release(&b);
		return NULL;
	}
	return al_buf_detach(&b, NULL);
}

/* ---- one logical line ---------------------------------------------- */

/* POSIX shlex.split(): quotes, backslash escapes, whitespace separation. */
static al_err shlex_split(const char *s, struct al_strv *out, const char **why)
{
	struct al_buf w = AL_BUF_INIT;
	bool in_word = false;
	al_err err = AL_OK;

	for (;;) {
		char ch = *s;

		if (!ch || is_space(ch)) {
			if (in_word && (err = strv_push(out, w.buf)))
				goto out;
			al_buf_reset(&w);
			in_word = false;
			if (!ch)
				break;
			s++;
			continue;
		}
		in_word = true;
		if (ch == '\\') {
			if (!s[1]) {
				*why = "no escaped character after '\\'";
				err = AL_EPARSE;
				goto out;
			}
			err = al_buf_addch(&w, s[1]);
			s += 2;
		} else if (ch == '\'') {
			const char *e = strchr(s + 1, '\'');

			if (!e) {
				*why = "no closing quotation";
				err = AL_EPARSE;
				goto out;
			}
			err = al_buf_add(&w, s + 1, (size_t)(e - s - 1));
			s = e + 1;
		} else if (ch == '"') {
			for (s++; *s && *s != '"' && !err; s++) {
				if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
					s++;
				err = al_buf_addch(&w, *s);
			}
			if (!err && !*s) {
				*why = "no closing quotation";
				err = AL_EPARSE;
				goto out;
			}
			s++;
		} else {
			err = al_buf_addch(&w, ch);
			s++;
		}
		if (err)
			goto out;
	}
out:
	al_buf_release(&w);
	return err;
}

static void opts_free(struct opt *o, size_t n)
{
	for (size_t i = 0; i < n; i++)
		al_free(o[i].val);
	al_free(o);
}

/* An error about the current line of the current file. */
#define LFAIL(code, fmt, ...) \
	al_diag_set(c->d, (code), "%s:%zu: " fmt, file, line, ##__VA_ARGS__)

/* optparse over the shlex words. */
static al_err parse_opts(struct ctx *c, const char *file, size_t line, struct al_strv *words,
                         struct opt **out, size_t *nout)
{
	struct opt *o = NULL;
	size_t n = 0, alloc = 0, i, k;
	al_err err = AL_OK;

	for (i = 0; i < words->n; i++) {
		const char *w = words->v[i], *val = NULL;
		int id = -1;

		if (w[0] != '-' || !w[1] || !strcmp(w, "--")) {
			err = LFAIL(AL_EPARSE, "unexpected argument '%s' among options", w);
			goto out;
		}
		if (w[1] == '-') {
			const char *name = w + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			int nmatch = 0;

			for (k = 0; k < NOPTS; k++) {
				if (strlen(optdefs[k].lng) == len && !strncmp(optdefs[k].lng, name, len)) {
					id = (int)k, nmatch = 1;
					break;
				}
				if (!strncmp(optdefs[k].lng, name, len))
					id = (int)k, nmatch++;
			}
			if (nmatch != 1) {
				err = LFAIL(AL_EPARSE, "%s option: %.*s", nmatch ? "ambiguous" :
				            "no such", (int)(len + 2), w);
				goto out;
			}
			if (eq && !optdefs[id].arg) {
				err = LFAIL(AL_EPARSE, "--%s option does not take a value",
				            optdefs[id].lng);
				goto out;
			}
			if (optdefs[id].arg)
				val = eq ? eq + 1 : (i + 1 < words->n ? words->v[++i] : NULL);
		} else {
			for (k = 0; k < NOPTS; k++)
				if (optdefs[k].shrt && optdefs[k].shrt == w[1])
					id = (int)k;
			if (id < 0) {
				err = LFAIL(AL_EPARSE, "no such option: -%c", w[1]);
				goto out;
			}
			/* every short option takes a value */
			val = w[2] ? w + 2 : (i + 1 < words->n ? words->v[++i] : NULL);
		}
		if (optdefs[id].arg && !val) {
			err = LFAIL(AL_EPARSE, "--%s option requires a value", optdefs[id].lng);
			goto out;
		}
		if (optdefs[id].arg && !*val) {
			err = LFAIL(AL_EPARSE, "--%s option has an empty value", optdefs[id].lng);
			goto out;
		}
		if (AL_GROW(o, alloc, n + 1)) {
			err = al_oom(c->d);
			goto out;
		}
		o[n].id = (enum opt_id)id;
		o[n].val = NULL;
		if (val && !(o[n].val = al_strdup(val))) {
			err = al_oom(c->d);
			goto out;
		}
		n++;
	}
out:
	if (err) {
		opts_free(o, n);
		o = NULL, n = 0;
	}
	*out = o;
	*nout = n;
	return err;
}

static bool is_hex_lower(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[len] == '\0';
}

static al_err check_hash(struct ctx *c, const char *file, size_t line, const char *v)
{
	static const struct {
		const char *name;
		size_t hexlen;
	} algs[] = { { "sha256", 64 }, { "sha384", 96 }, { "sha512", 128 } };
	const char *colon = strchr(v, ':');
	size_t i;

	if (!colon)
		return LFAIL(AL_EINVALID, "--hash '%s': expected ALGORITHM:HEX, e.g. "
		             "--hash=sha256:abcd...", v);
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		if (strlen(algs[i].name) != (size_t)(colon - v) ||
		    strncmp(algs[i].name, v, (size_t)(colon - v)))
			continue;
		if (!is_hex_lower(colon + 1, algs[i].hexlen))
			return LFAIL(AL_EINVALID, "--hash '%s': expected %zu lowercase hex digits",
			             v, algs[i].hexlen);
		return AL_OK;
	}
	return LFAIL(AL_EINVALID, "--hash '%s': allowed hash algorithms are sha256, sha384 "
	             "and sha512", v);
}

static bool has_archive_ext(const char *s, size_t n)
{
	static const char *const exts[] = {
		".whl", ".zip", ".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tbz", ".tar.xz", ".txz",
		".tar.lz", ".tlz",
	};
	size_t i, l;

	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		l = strlen(exts[i]);
		if (n >= l && !strncasecmp(s + n - l, exts[i], l))
			return true;
	}
	return false;
}

/* A requirement a mirror cannot carry: a URL (PEP 508 "name @ url", VCS,
 * bare URL) or a local path or archive. Only the part before the marker
 * is looked at. */
/* s for a message: a URL in it (the first "scheme://") without userinfo, so a
 * token in "pkg @ git+https://tok@host/x" or "-e URL" is not repeated. NULL
 * when out of memory. */
static char *shown(const char *s)
{
	const char *sep = strstr(s, "://"), *start = sep;
	struct al_buf b = AL_BUF_INIT;

	if (!sep)
		return al_strdup(s);
	while (start > s && (('a' <= (start[-1] | 0x20) && (start[-1] | 0x20) <= 'z') ||
	                     ('0' <= start[-1] && start[-1] <= '9') || strchr("+-.", start[-1])))
		start--;
	if (al_buf_add(&b, s, (size_t)(start - s)) || al_url_strip_userinfo_buf(&b, start)) {
		al_buf_release(&b);
		return NULL;
	}
	return al_buf_detach(&b, NULL);
}

static bool is_url_or_path(const char *req)
{
	size_t n = strcspn(req, ";");

	while (n && is_space(req[n - 1]))
		n--;
	if (memchr(req, '@', n) || memchr(req, '/', n) || memchr(req, '\\', n))
		return true;
	if (req[0] == '.' || req[0] == '~' || has_scheme(req))
		return true;
	return has_archive_ext(req, n);
}

static al_err add_entry(struct ctx *c, const char *file, size_t line, const char *req,
                        struct opt *o, size_t no, bool constraint)
{
	struct al_reqfile *rf = c->rf;
	struct al_reqfile_entry *e;
	size_t i;
	al_err err;

	if (rf->nentries >= AL_REQFILE_MAX_ENTRIES)
		return LFAIL(AL_ELIMIT, "more than %d requirements", AL_REQFILE_MAX_ENTRIES);
	if (AL_GROW(rf->entries, rf->entries_alloc, rf->nentries + 1))
		return al_oom(c->d);
	e = &rf->entries[rf->nentries];
	memset(e, 0, sizeof(*e));
	e->file = file;
	e->line = line;
	e->is_constraint = constraint;
	if (!(e->requirement = al_strdup(req)))
		return al_oom(c->d);
	rf->nentries++; /* from here on release() frees it */
	for (i = 0; i < no; i++) {
		size_t alloc = e->nhashes;

		if (o[i].id != O_HASH)
			continue;
		if ((err = check_hash(c, file, line, o[i].val)))
			return err;
		if (e->nhashes >= AL_REQFILE_MAX_HASHES)
			return LFAIL(AL_ELIMIT, "more than %d hashes", AL_REQFILE_MAX_HASHES);
		if (AL_GROW(e->hashes, alloc, e->nhashes + 1))
			return al_oom(c->d);
		if (!(e->hashes[e->nhashes] = al_strdup(o[i].val)))
			return al_oom(c->d);
		e->nhashes++;
	}
	return AL_OK;
}

static al_err apply_option(struct ctx *c, const char *file, size_t line, const struct opt *o)
{
	struct al_reqfile_options *ro = &c->rf->opts;
	struct al_strv *list = NULL;
	al_err err = AL_OK;
	char *v;

	switch (o->id) {
	case O_INDEX_URL:
		if (!(v = al_strdup(o->val)))
			return al_oom(c->d);
		al_free(ro->index_url);
		ro->index_url = v;
		return AL_OK;
	case O_NO_INDEX: ro->no_index = true; return AL_OK;
	case O_PRE: ro->pre = true; return AL_OK;
	case O_PREFER_BINARY: ro->prefer_binary = true; return AL_OK;
	case O_REQUIRE_HASHES: ro->require_hashes = true; return AL_OK;
	case O_EXTRA_INDEX_URL: list = &ro->extra_index_urls; break;
	case O_NO_BINARY: list = &ro->no_binary; break;
	case O_ONLY_BINARY: list = &ro->only_binary; break;
	case O_TRUSTED_HOST: list = &ro->trusted_hosts; break;
	case O_FIND_LINKS: {
		char *joined = NULL;

		if (!c->p->no_includes && !has_scheme(o->val) && o->val[0] != '/') {
			if (!(joined = join_dir(file, o->val)))
				return al_oom(c->d);
			if (access(joined, F_OK) < 0) {
				al_free(joined);
				joined = NULL;
			}
		}
		err = strv_push(&ro->find_links, joined ? joined : o->val);
		al_free(joined);
		goto pushed;
	}
	case O_HASH:
		return LFAIL(AL_EINVALID, "--hash without a requirement on the same line");
	case O_USE_FEATURE:
	case O_GLOBAL_OPTION:
	case O_CONFIG_SETTINGS:
		return LFAIL(AL_EUNSUPPORTED, "--%s is not supported (airlock builds nothing)",
		             optdefs[o->id].lng);
	case O_CONSTRAINT:
	case O_REQUIREMENT:
	case O_EDITABLE:
		return AL_OK; /* handled by the caller */
	}
	err = strv_push(list, o->val);
pushed:
	if (err == AL_ELIMIT)
		return LFAIL(err, "more than %d --%s values", AL_REQFILE_MAX_VALUES,
		             optdefs[o->id].lng);
	if (err)
		return al_oom(c->d);
	return AL_OK;
}

/* Expand ${NAME} into out. */
static al_err expand_vars(struct ctx *c, const char *s, struct al_buf *out)
{
	al_err err = AL_OK;

	while (*s && !err) {
		const char *q = s + 2, *val;

		if (s[0] != '$' || s[1] != '{') {
			err = al_buf_addch(out, *s++);
			continue;
		}
		while ((*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') || *q == '_')
			q++;
		if (*q != '}' || q == s + 2) {
			err = al_buf_addch(out, *s++);
			continue;
		}
		{
			char *name = al_strndup(s + 2, (size_t)(q - s - 2));

			if (!name)
				return AL_ENOMEM;
			val = c->p->getenv ? c->p->getenv(c->p->getenv_ctx, name) : getenv(name);
			al_free(name);
		}
		if (val && *val)
			err = al_buf_addstr(out, val);
		else
			err = al_buf_add(out, s, (size_t)(q + 1 - s));
		s = q + 1;
		if (!err && out->len > AL_REQFILE_MAX_LINE)
			err = AL_ELIMIT;
	}
	return err;
}

/* Over 80 lines: pip's grammar for one logical line in order
 * (comments, variables, the requirement and its per-line options, then
 * the global options), each error naming file:line beside its step. */
static al_err handle_line(struct ctx *c, const char *file, size_t line, char *text,
                          bool constraint)
{
	struct al_buf exp = AL_BUF_INIT;
	struct al_strv words = { 0 };
	struct opt *o = NULL;
	size_t no = 0, i, k, n;
	const char *why = "", *include = NULL;
	char *req, *optstr = NULL;
	bool include_c = false;
	al_err err;

	/* comments: the first '#' at the start or after whitespace */
	for (i = 0; text[i]; i++)
		if (text[i] == '#' && (i == 0 || is_space(text[i - 1]))) {
			text[i] = '\0';
			break;
		}
	while (*text && is_space(*text))
		text++;
	n = strlen(text);
	while (n && is_space(text[n - 1]))
		text[--n] = '\0';
	if (!n)
		return AL_OK;
	if ((err = expand_vars(c, text, &exp))) {
		err = err == AL_ELIMIT ? LFAIL(err, "line longer than %zu bytes after expanding "
		                               "variables", AL_REQFILE_MAX_LINE) :
		      al_oom(c->d);
		goto out;
	}
	/* the requirement ends before the first ' '-separated word that starts with '-' */
	req = exp.buf;
	for (k = 0; req[k]; k++)
		if (req[k] == '-' && (k == 0 || req[k - 1] == ' '))
			break;
	if (req[k]) {
		optstr = req + k;
		if (k)
			req[k - 1] = '\0';
		else
			req = (char *)"";
	}
	if (optstr && (err = shlex_split(optstr, &words, &why))) {
		err = err == AL_EPARSE ? LFAIL(err, "cannot split options: %s", why) :
		      al_diag_set(c->d, err, err == AL_ELIMIT ? "too many options" :
		                  "out of memory");
		goto out;
	}
	if ((err = parse_opts(c, file, line, &words, &o, &no)))
		goto out;

	if (*req) {
		for (i = 0; i < no; i++) {
			if (o[i].id != O_HASH) {
				err = LFAIL(AL_EINVALID, "--%s cannot follow a requirement on the "
				            "same line", optdefs[o[i].id].lng);
				goto out;
			}
		}
		if (is_url_or_path(req)) {
			char *r = shown(req);
			err = LFAIL(AL_EUNSUPPORTED, "URL and path requirements cannot be "
			            "mirrored: %s (name the project and version instead)", r ? r : "?");
			al_free(r);
			goto out;
		}
		err = add_entry(c, file, line, req, o, no, constraint);
		goto out;
	}
	for (i = 0; i < no; i++) {
		if (o[i].id == O_EDITABLE) {
			char *r = shown(o[i].val);
			err = LFAIL(AL_EUNSUPPORTED, "editable requirements cannot be mirrored: "
			            "-e %s", r ? r : "?");
			al_free(r);
			goto out;
		}
		if (o[i].id == O_REQUIREMENT || o[i].id == O_CONSTRAINT) {
			if (include) {
				err = LFAIL(AL_EINVALID, "one -r or -c per line");
				goto out;
			}
			include = o[i].val;
			include_c = o[i].id == O_CONSTRAINT;
		}
	}
	for (i = 0; i < no; i++)
		if ((err = apply_option(c, file, line, &o[i])))
			goto out;
	if (include) {
		char *path;

		if (c->p->no_includes) {
			err = LFAIL(AL_EREFUSED, "-%c '%s': nested files are not allowed here",
			            include_c ? 'c' : 'r', include);
			goto out;
		}
		if (has_scheme(include) || has_scheme(file)) {
			char *r = shown(include);
			err = LFAIL(AL_EUNSUPPORTED, "-%c '%s': requirements files from URLs are "
			            "not supported", include_c ? 'c' : 'r', r ? r : "?");
			al_free(r);
			goto out;
		}
		if (!(path = join_dir(file, include))) {
			err = al_oom(c->d);
			goto out;
		}
		err = parse_file(c, path, include_c, file, line);
		al_free(path);
	}
out:
	opts_free(o, no);
	strv_release(&words);
	al_buf_release(&exp);
	return err;
}

/* ---- files ------------------------------------------------------------ */

static bool ends_with_backslash(const char *s, size_t n)
{
	return n && s[n - 1] == '\\';
}

static bool starts_with_comment(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && is_space(s[i]))
		i++;
	return i < n && s[i] == '#';
}

static size_t line_end(const char *s, size_t n, size_t *next)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (ch == '\n' || ch == '\v' || ch == '\f' || ch == 0x1c || ch == 0x1d ||
		    ch == 0x1e) {
			*next = i + 1;
			return i;
		}
		if (ch == '\r') {
			*next = i + 1 < n && s[i + 1] == '\n' ? i + 2 : i + 1;
			return i;
		}
	}
	*next = n;
	return n;
}

static al_err parse_text(struct ctx *c, const char *file, const char *buf, size_t len,
                         bool constraint)
{
	struct al_buf logical = AL_BUF_INIT;
	size_t pos = 0, lineno = 0, primary = 0;
	bool joining = false;
	al_err err = AL_OK;

	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		buf += 3, len -= 3;
	else if (len >= 2 && (!memcmp(buf, "\xff\xfe", 2) || !memcmp(buf, "\xfe\xff", 2)))
		return al_diag_set(c->d, AL_EUNSUPPORTED,
		                   "%s: UTF-16 and UTF-32 files are not supported; use UTF-8",
		                   file);
	if (memchr(buf, '\0', len))
		return al_diag_set(c->d, AL_EPARSE, "%s: NUL byte: not a text file", file);
	while (pos < len) {
		const char *l = buf + pos;
		size_t next, n = line_end(l, len - pos, &next);
		bool comment = starts_with_comment(l, n);

		pos += next;
		lineno++;
		if (!ends_with_backslash(l, n) || comment) {
			size_t at = joining ? primary : lineno;

			if (!joining)
				al_buf_reset(&logical);
			if ((comment && (err = al_buf_addch(&logical, ' '))) ||
			    (err = al_buf_add(&logical, l, n)))
				goto oom;
			joining = false;
			if (logical.len > AL_REQFILE_MAX_LINE)
				goto toolong;
			if ((err = handle_line(c, file, at, logical.buf, constraint)))
				goto out;
			al_buf_reset(&logical);
			continue;
		}
		if (!joining) {
			primary = lineno;
			joining = true;
			al_buf_reset(&logical);
		}
		while (n && l[n - 1] == '\\')
			n--;
		while (n && *l == '\\')
			l++, n--;
		if ((err = al_buf_add(&logical, l, n)))
			goto oom;
		if (logical.len > AL_REQFILE_MAX_LINE)
			goto toolong;
	}
	if (joining)
		err = handle_line(c, file, primary, logical.buf, constraint);
	goto out;
toolong:
	err = al_diag_set(c->d, AL_ELIMIT, "%s:%zu: line longer than %zu bytes", file,
	                  joining ? primary : lineno, AL_REQFILE_MAX_LINE);
	goto out;
oom:
	err = al_oom(c->d);
out:
	al_buf_release(&logical);
	return err;
}

/* Record a file name; the copy lives as long as rf. */
static al_err add_file_name(struct ctx *c, const char *path, const char **out)
{
	al_err err;

	if (c->rf->files.n >= AL_REQFILE_MAX_FILES)
		return al_diag_set(c->d, AL_ELIMIT, "more than %d requirements files",
		                   AL_REQFILE_MAX_FILES);
	if ((err = strv_push(&c->rf->files, path)))
		return al_oom(c->d);
	*out = c->rf->files.v[c->rf->files.n - 1];
	return AL_OK;
}

static al_err parse_file(struct ctx *c, const char *path, bool constraint, const char *from,
                         size_t from_line)
{
	struct al_buf content = AL_BUF_INIT;
	struct stat st;
	const char *name;
	size_t i;
	al_err err;

	if (c->depth >= AL_REQFILE_MAX_DEPTH)
		return al_diag_set(c->d, AL_ELIMIT, "%s:%zu: requirements files nested more than "
		                   "%d deep", from, from_line, AL_REQFILE_MAX_DEPTH);
	if (stat(path, &st) < 0) {
		if (from)
			return al_diag_set(c->d, errno == ENOENT ? AL_ENOTFOUND : AL_EIO,
			                   "%s:%zu: cannot open '%s': %s", from, from_line, path,
			                   strerror(errno));
		return al_diag_set(c->d, errno == ENOENT ? AL_ENOTFOUND : AL_EIO,
		                   "cannot open '%s': %s", path, strerror(errno));
	}
	if (!S_ISREG(st.st_mode))
		return al_diag_set(c->d, AL_EINVALID, "'%s' is not a regular file", path);
	for (i = 0; i < c->depth; i++)
		if (c->stack[i].dev == st.st_dev && c->stack[i].ino == st.st_ino)
			return al_diag_set(c->d, AL_EINVALID, "%s:%zu: include cycle: '%s' is "
			                   "already being read", from, from_line, path);
	if ((err = add_file_name(c, path, &name)))
		return err;
	if ((err = al_buf_read_file(&content, path, AL_REQFILE_MAX_BYTES, c->d)))
		goto out;
	c->stack[c->depth++] = (struct frame){ st.st_dev, st.st_ino, name };
	err = parse_text(c, name, content.buf, content.len, constraint);
	c->depth--;
out:
	al_buf_release(&content);
	return err;
}

al_err al_reqfile_add_file(struct al_reqfile *rf, const char *path,
                           const struct al_reqfile_params *p, struct al_diag *d)
{
	static const struct al_reqfile_params defaults;
	struct ctx c = { .rf = rf, .p = p ? p : &defaults, .d = d };

	return parse_file(&c, path, c.p->constraint, NULL, 0);
}

al_err al_reqfile_add_buf(struct al_reqfile *rf, const char *name, const char *buf, size_t len,
                          const struct al_reqfile_params *p, struct al_diag *d)
{
	static const struct al_reqfile_params defaults;
	struct ctx c = { .rf = rf, .p = p ? p : &defaults, .d = d };
	const char *fname;
	al_err err;

	if (len > AL_REQFILE_MAX_BYTES)
		return al_diag_set(d, AL_ELIMIT, "%s: larger than %zu bytes", name,
		                   AL_REQFILE_MAX_BYTES);
	if ((err = add_file_name(&c, name, &fname)))
		return err;
	return parse_text(&c, fname, buf, len, c.p->constraint);
}
