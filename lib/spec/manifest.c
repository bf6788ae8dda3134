/*
 * manifest.c: airlock.yaml -> struct al_manifest (the reference for
 * users is docs/reference/manifest.md, for editors
 * schema/airlock.schema.json: keep the three in step).
 *
 * The YAML is read by yamlx into a node tree; this file walks it with one
 * table of known keys per mapping. Every problem is reported as
 * "FILE:LINE:COL: key.path: message" through a callback, so that validate
 * can list them all; al_manifest_load stops at the first. Types are strict:
 * a string field wants a string, not a number YAML happened to read (3.10
 * would silently become 3.1).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/fsutil.h"
#include "core/hash.h"
#include "core/mem.h"
#include "core/url.h"
#include "core/yamlx.h"
#include "pypa/names.h"
#include "pypa/pep508.h"

#define MANIFEST_MAX_BYTES ((size_t)1 << 20)

struct mctx {
	const char *name;     /* the file as given, for messages */
	char *dir;            /* its directory, NULL when the name has no '/' */
	al_manifest_problem_cb cb;
	void *cbctx;
	struct al_diag *d;
	unsigned nproblems;
	bool stop;            /* stop at the first problem */
	bool oom;
	struct al_buf path;   /* key path of the node being checked */
};

#define STOPPED(c) (((c)->stop && (c)->nproblems) || (c)->oom)

static void problem_at(struct mctx *c, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void problem_at(struct mctx *c, int line, int col, const char *fmt, ...)
{
	struct al_buf msg = AL_BUF_INIT;
	va_list ap;
	al_err err;

	if (STOPPED(c))
		return;
	err = al_buf_addf(&msg, "%s:%d:%d: ", c->name, line, col);
	if (!err && c->path.len)
		err = al_buf_addf(&msg, "%s: ", c->path.buf);
	if (!err) {
		va_start(ap, fmt);
		err = al_buf_vaddf(&msg, fmt, ap);
		va_end(ap);
	}
	if (err) {
		c->oom = true;
	} else {
		if (!c->nproblems)
			al_diag_set(c->d, AL_EINVALID, "%s", msg.buf);
		c->nproblems++;
		if (c->cb)
			c->cb(c->cbctx, msg.buf);
	}
	al_buf_release(&msg);
}

#define problem(c, n, ...) problem_at((c), (n)->line, (n)->col, __VA_ARGS__)

static size_t path_key(struct mctx *c, const char *key, size_t len)
{
	size_t old = c->path.len;

	if ((old && al_buf_addch(&c->path, '.')) || al_ytext_append(&c->path, key, len))
		c->oom = true;
	return old;
}

static size_t path_index(struct mctx *c, size_t i)
{
	size_t old = c->path.len;

	if (al_buf_addf(&c->path, "[%zu]", i))
		c->oom = true;
	return old;
}

static void path_pop(struct mctx *c, size_t old)
{
	al_buf_truncate(&c->path, old);
}

/* ---- checks of single values ------------------------------------------ */

static bool in_range(char ch, const char *set)
{
	return ch && strchr(set, ch);
}

#define ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

static bool valid_bundle(const char *s)
{
	size_t i;

	if (!in_range(s[0], ALNUM))
		return false;
	for (i = 1; s[i]; i++)
		if (i > 63 || !in_range(s[i], ALNUM "._-"))
			return false;
	return true;
}

/* Why a part of a repo id is wrong, or NULL when it is fine. */
static const char *repo_part_problem(const char *s, size_t n)
{
	size_t i;

	if (n < 1)
		return "a part is empty";
	if (n > 96)
		return "a part is longer than 96 characters";
	for (i = 0; i < n; i++) {
		if (!in_range(s[i], ALNUM "._-"))
			return "only A-Z a-z 0-9 . _ - and one '/' are allowed";
		if (i && (s[i] == '.' || s[i] == '-') && s[i - 1] == s[i])
			return "'--' and '..' are not allowed";
	}
	if (s[0] == '-' || s[0] == '.' || s[n - 1] == '-' || s[n - 1] == '.')
		return "a part must not start or end with '-' or '.'";
	return NULL;
}

/* "namespace/name": why id is not a repo id, or NULL. A name without a
 * namespace ("gpt2") is refused: the Hub redirects such legacy ids to a
 * namespaced one, and the published tree gives every repo its own
 * models/<namespace>/<name>/ (docs/reference/publish.md). */
static const char *repo_id_problem(const char *id)
{
	const char *slash = strchr(id, '/'), *why;

	if (!slash)
		return "a repo id is namespace/name (the Hub's legacy ids without a namespace "
		       "redirect to one: give that)";
	if (strchr(slash + 1, '/'))
		return "more than one '/'";
	if ((why = repo_part_problem(id, (size_t)(slash - id))))
		return why;
	return repo_part_problem(slash + 1, strlen(slash + 1));
}

bool al_manifest_valid_repo_id(const char *id)
{
	return repo_id_problem(id) == NULL;
}

/* Digits: at least one, no more than four, no leading zero but for "0". */
static const char *skip_number(const char *s)
{
	size_t n = 0;

	while (s[n] >= '0' && s[n] <= '9')
		n++;
	if (!n || n > 4 || (n > 1 && s[0] == '0'))
		return NULL;
	return s + n;
}

static bool one_of(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(s, *set))
			return true;
	return false;
}

static const char *const linux_arches[] = {
	"x86_64", "i686", "aarch64", "armv7l", "ppc64", "ppc64le", "s390x", "riscv64",
	"loongarch64", NULL,
};
static const char *const mac_arches[] = {
	"x86_64", "arm64", "universal2", "intel", "fat64", "fat3", "fat", "universal", "i386",
	"ppc", "ppc64", NULL,
};

/* PREFIX_X_Y_ARCH with X and Y numbers and ARCH in the set. */
static bool versioned_tag(const char *tag, const char *prefix, const char *const *arches)
{
	size_t n = strlen(prefix);
	const char *p;

	if (strncmp(tag, prefix, n))
		return false;
	if (!(p = skip_number(tag + n)) || *p++ != '_' || !(p = skip_number(p)) || *p++ != '_')
		return false;
	return one_of(p, arches);
}

bool al_manifest_valid_platform(const char *tag)
{
	static const char *const fixed[] = {
		"win32", "win_amd64", "win_arm64",
		"manylinux1_x86_64", "manylinux1_i686",
		"manylinux2010_x86_64", "manylinux2010_i686",
		"manylinux2014_x86_64", "manylinux2014_i686", "manylinux2014_aarch64",
		"manylinux2014_armv7l", "manylinux2014_ppc64", "manylinux2014_ppc64le",
		"manylinux2014_s390x", NULL,
	};

	if (one_of(tag, fixed))
		return true;
	if (!strncmp(tag, "linux_", 6))
		return one_of(tag + 6, linux_arches);
	return versioned_tag(tag, "manylinux_", linux_arches) ||
	       versioned_tag(tag, "musllinux_", linux_arches) ||
	       versioned_tag(tag, "macosx_", mac_arches);
}

/* "3", "3.11", "3.11.9" (major 2 or 3). */
static bool valid_python_version(const char *s)
{
	const char *p = s;
	int parts = 0;

	if (*s != '2' && *s != '3')
		return false;
	p++;
	while (*p == '.' && parts < 2) {
		if (!(p = skip_number(p + 1)))
			return false;
		parts++;
	}
	return *p == '\0';
}

static bool valid_url(const char *s, bool allow_file)
{
	const char *host;

	if (!strncasecmp(s, "https://", 8))
		host = s + 8;
	else if (!strncasecmp(s, "http://", 7))
		host = s + 7;
	else if (allow_file && !strncasecmp(s, "file://", 7))
		host = NULL;
	else
		return false;
	if (host && (strchr("/?#@:", *host)))
		return false; /* no host (strchr also matches the NUL) */
	if (!host && (s[7] != '/' || s[8] == '\0'))
		return false; /* file:///path only */
	return strcspn(s, " \\") == strlen(s);
}

static bool valid_env_name(const char *s)
{
	size_t i;

	if (!in_range(s[0], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_"))
		return false;
	for (i = 1; s[i]; i++)
		if (!in_range(s[i], ALNUM "_") || i >= 128)
			return false;
	return true;
}

/* PEP 508 project names, and ":all:" as pip's --no-binary knows it. */
static bool valid_project(const char *s)
{
	size_t i, n = strlen(s);

	if (!strcmp(s, ":all:"))
		return true;
	if (!n || n > 200 || !in_range(s[0], ALNUM) || !in_range(s[n - 1], ALNUM))
		return false;
	for (i = 0; i < n; i++)
		if (!in_range(s[i], ALNUM "._-"))
			return false;
	return true;
}

/* Git ref names as the Hub takes them (branch, tag) or a commit. */
static bool valid_revision(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 255 || s[0] == '/' || s[0] == '-' || s[n - 1] == '/' || s[n - 1] == '.')
		return false;
	if (strstr(s, "..") || strstr(s, "//") || strstr(s, "@{"))
		return false;
	return strcspn(s, " ~^:?*[\\") == n;
}

/* ---- typed values --------------------------------------------------------- */

/* The value must be a non-empty, one-line string. */
static const char *want_string(struct mctx *c, const struct al_ynode *v)
{
	size_t i;

	if (v->type != AL_Y_STR) {
		if (v->type == AL_Y_SEQ || v->type == AL_Y_MAP || v->type == AL_Y_NULL)
			problem(c, v, "expected a string, got %s", al_ytype_name(v->type));
		else
			problem(c, v, "expected a string, got %s; write \"%.60s\" in quotes",
			        al_ytype_name(v->type), v->s);
		return NULL;
	}
	if (!v->len) {
		problem(c, v, "must not be empty");
		return NULL;
	}
	if (strlen(v->s) != v->len) {
		problem(c, v, "must not contain a NUL character");
		return NULL;
	}
	for (i = 0; i < v->len; i++) {
		unsigned char ch = (unsigned char)v->s[i];
		if (ch == '\n' || ch == '\r') {
			problem(c, v, "must be a single line");
			return NULL;
		}
		if (ch < 0x20 || ch == 0x7f) {
			problem(c, v, "must not contain control characters");
			return NULL;
		}
	}
	return v->s;
}

static void set_str(struct mctx *c, char **dst, const char *s)
{
	char *copy = al_strdup(s);

	if (!copy) {
		c->oom = true;
		return;
	}
	al_free(*dst);
	*dst = copy;
}

static bool want_type(struct mctx *c, const struct al_ynode *v, enum al_ytype t)
{
	if (v->type == t)
		return true;
	problem(c, v, "expected %s, got %s", al_ytype_name(t), al_ytype_name(v->type));
	return false;
}

/* A check on one string: returns false after reporting. */
typedef bool (*str_check)(struct mctx *c, const struct al_ynode *v, const char *s);

static void strlist(struct mctx *c, const struct al_ynode *v, struct al_strlist *out,
                    str_check check)
{
	const char *s;
	size_t i, old;

	if (!want_type(c, v, AL_Y_SEQ))
		return;
	if (!v->n)
		return;
	if (!(out->v = al_calloc(v->n, sizeof(*out->v)))) {
		c->oom = true;
		return;
	}
	for (i = 0; i < v->n && !STOPPED(c); i++) {
		old = path_index(c, i);
		if ((s = want_string(c, v->kids[i])) && (!check || check(c, v->kids[i], s))) {
			if (!(out->v[out->n] = al_strdup(s)))
				c->oom = true;
			else
				out->n++;
		}
		path_pop(c, old);
	}
}

static bool check_url(struct mctx *c, const struct al_ynode *v, const char *s)
{
	char *u;

	if (valid_url(s, true))
		return true;
	u = al_url_strip_userinfo(s); /* never repeat a password */
	problem(c, v, "'%.200s' is not an http, https or file URL", u ? u : "?");
	al_free(u);
	return false;
}

static bool check_platform(struct mctx *c, const struct al_ynode *v, const char *s)
{
	if (al_manifest_valid_platform(s))
		return true;
	problem(c, v, "'%.100s' is not a platform tag (such as manylinux_2_28_x86_64, "
	        "musllinux_1_2_aarch64, macosx_14_0_arm64, win_amd64)", s);
	return false;
}

static bool check_project(struct mctx *c, const struct al_ynode *v, const char *s)
{
	if (valid_project(s))
		return true;
	problem(c, v, "'%.100s' is not a project name", s);
	return false;
}

/* ---- mappings ------------------------------------------------------------- */

struct field {
	const char *key;
	void (*fn)(struct mctx *c, const struct al_ynode *v, void *obj);
	bool required;
};

static size_t edit_distance(const char *a, size_t na, const char *b)
{
	size_t nb = strlen(b), row[65], i, j, diag, up;

	if (na > 64 || nb > 64)
		return SIZE_MAX;
	for (j = 0; j <= nb; j++)
		row[j] = j;
	for (i = 1; i <= na; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= nb; j++) {
			up = row[j];
			row[j] = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < row[j])
				row[j] = up + 1;
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			diag = up;
		}
	}
	return row[nb];
}

static void unknown_key(struct mctx *c, const struct al_ynode *k, const struct field *fields)
{
	const struct field *f, *best = NULL;
	size_t dist, best_dist = 3;
	struct al_buf keys = AL_BUF_INIT;

	for (f = fields; f->key; f++) {
		dist = edit_distance(k->s, k->len, f->key);
		if (dist < best_dist) {
			best = f;
			best_dist = dist;
		}
	}
	if (best) {
		problem(c, k, "unknown key (did you mean '%s'?)", best->key);
		return;
	}
	for (f = fields; f->key; f++)
		if (al_buf_addf(&keys, "%s%s", f == fields ? "" : ", ", f->key))
			c->oom = true;
	problem(c, k, "unknown key (known keys: %s)", keys.buf);
	al_buf_release(&keys);
}

static void walk_map(struct mctx *c, const struct al_ynode *map, const struct field *fields,
                     void *obj)
{
	const struct field *f;
	unsigned long seen = 0;
	size_t i, old;

	if (!want_type(c, map, AL_Y_MAP))
		return;
	for (i = 0; i < map->n && !STOPPED(c); i++) {
		const struct al_ynode *k = AL_YMAP_KEY(map, i), *v = AL_YMAP_VAL(map, i);

		old = path_key(c, k->s, k->len);
		for (f = fields; f->key; f++)
			if (strlen(f->key) == k->len && !memcmp(f->key, k->s, k->len))
				break;
		if (!f->key) {
			unknown_key(c, k, fields);
		} else {
			seen |= 1ul << (f - fields);
			f->fn(c, v, obj);
		}
		path_pop(c, old);
	}
	for (f = fields; f->key && !STOPPED(c); f++) {
		if (f->required && !(seen & (1ul << (f - fields)))) {
			old = path_key(c, f->key, strlen(f->key));
			problem(c, map, "required key is missing");
			path_pop(c, old);
		}
	}
}

/* Each entry of a list of mappings, into an array of n elements of size sz. */
static void *map_list(struct mctx *c, const struct al_ynode *v, const struct field *fields,
                      size_t sz, size_t *n_out,
                      void (*init)(void *elem, const struct al_ynode *v))
{
	char *arr;
	size_t i, old;

	*n_out = 0;
	if (!want_type(c, v, AL_Y_SEQ) || !v->n)
		return NULL;
	if (!(arr = al_calloc(v->n, sz))) {
		c->oom = true;
		return NULL;
	}
	*n_out = v->n;
	for (i = 0; i < v->n && !STOPPED(c); i++) {
		old = path_index(c, i);
		init(arr + i * sz, v->kids[i]);
		walk_map(c, v->kids[i], fields, arr + i * sz);
		path_pop(c, old);
	}
	return arr;
}

/* ---- the keys ------------------------------------------------------------- */

static void f_version(struct mctx *c, const struct al_ynode *v, void *obj)
{
	struct al_manifest *m = obj;

	if (!want_type(c, v, AL_Y_INT))
		return;
	if (v->ival != 1) {
		problem(c, v, "unsupported version %.30s (this airlock reads version 1)", v->s);
		return;
	}
	m->version = 1;
}

static void f_bundle(struct mctx *c, const struct al_ynode *v, void *obj)
{
	struct al_manifest *m = obj;
	const char *s = want_string(c, v);

	if (!s)
		return;
	if (!valid_bundle(s)) {
		problem(c, v, "'%.100s' is not a bundle name (1 to 64 of A-Z a-z 0-9 . _ -, "
		        "starting with a letter or digit)", s);
		return;
	}
	set_str(c, &m->bundle, s);
}

static void f_index_url(struct mctx *c, const struct al_ynode *v, void *obj)
{
	struct al_manifest *m = obj;
	const char *s = want_string(c, v);

	if (s && check_url(c, v, s)) {
		set_str(c, &m->python.index_url, s);
		m->python.index_url_given = true;
	}
}

#define STRLIST_FIELD(fname, member, check)                                     \
	static void fname(struct mctx *c, const struct al_ynode *v, void *obj) \
	{                                                                       \
		struct al_manifest *m = obj;                                    \
		strlist(c, v, &m->python.member, check);                        \
	}

STRLIST_FIELD(f_extra_index_urls, extra_index_urls, check_url)
STRLIST_FIELD(f_find_links, find_links, check_url)
STRLIST_FIELD(f_requirements, requirements, NULL)
STRLIST_FIELD(f_constraints, constraints, NULL)
/* A list of project names, or the string ":all:" alone (pip writes
 * --no-binary :all: that way too). */
static void f_allow_sdist(struct mctx *c, const struct al_ynode *v, void *obj)
{
	struct al_manifest *m = obj;

	if (v->type == AL_Y_STR && v->len == 5 && !strcmp(v->s, ":all:")) {
		if (!(m->python.allow_sdist.v = al_calloc(1, sizeof(char *))) ||
		    !(m->python.allow_sdist.v[0] = al_strdup(":all:"))) {
			c->oom = true;
			return;
		}
		m->python.allow_sdist.n = 1;
		return;
	}
	if (v->type == AL_Y_STR) {
		problem(c, v, "expected a list of project names, or the string ':all:'");
		return;
	}
	strlist(c, v, &m->python.allow_sdist, check_project);
}

/* Resolved against the manifest's directory, and readable now. */
static bool check_reqfile(struct mctx *c, const struct al_ynode *v, const char *s)
{
	char *path = s[0] == '/' || !c->dir ? al_strdup(s) : al_path_join(c->dir, s);
	bool ok = true;

	if (!path) {
		c->oom = true;
		return false;
	}
	if (access(path, R_OK) < 0) {
		problem(c, v, "cannot read '%.200s': %s", path, strerror(errno));
		ok = false;
	}
	al_free(path);
	return ok;
}

static void f_requirements_files(struct mctx *c, const struct al_ynode *v, void *obj)
{
	struct al_manifest *m = obj;
	struct al_strlist *l = &m->python.requirements_files;
	size_t i;
	char *p;

	strlist(c, v, l, check_reqfile);
	for (i = 0; i < l->n && c->dir; i++) {
		if (l->v[i][0] == '/')
			continue;
		if (!(p = al_path_join(c->dir, l->v[i]))) {
			c->oom = true;
			return;
		}
		al_free(l->v[i]);
		l->v[i] = p;
	}
}

static void f_prereleases(struct mctx *c, const struct al_ynode *v, void *obj)
{
	struct al_manifest *m = obj;

	if (v->type == AL_Y_STR && !v->quoted) {
		problem(c, v, "expected a boolean, got a string; write true or false");
		return;
	}
	if (want_type(c, v, AL_Y_BOOL))
		m->python.prereleases = v->bval;
}

static void f_python_version(struct mctx *c, const struct al_ynode *v, void *obj)
{
	struct al_target *t = obj;
	const char *s;

	if (v->type == AL_Y_FLOAT || v->type == AL_Y_INT) {
		problem(c, v, "expected a string, got %s; write \"%.30s\" in quotes "
		        "(unquoted, YAML reads a version as a number: 3.10 becomes 3.1)",
		        al_ytype_name(v->type), v->s);
		return;
	}
	if (!(s = want_string(c, v)))
		return;
	if (!valid_python_version(s)) {
		problem(c, v, "'%.60s' is not a Python version "
		        "(write \"3\", \"3.11\" or \"3.11.9\")", s);
		return;
	}
	set_str(c, &t->python_version, s);
}

static void f_implementation(struct mctx *c, const struct al_ynode *v, void *obj)
{
	struct al_target *t = obj;
	const char *s = want_string(c, v);

	if (!s)
		return;
	if (strcmp(s, "cp") && strcmp(s, "pp")) {
		problem(c, v, "'%.60s' is not a supported implementation (cp or pp)", s);
		return;
	}
	set_str(c, &t->implementation, s);
}

static void f_platforms(struct mctx *c, const struct al_ynode *v, void *obj)
{
	struct al_target *t = obj;

	if (v->type == AL_Y_SEQ && !v->n) {
		problem(c, v, "must list at least one platform tag");
		return;
	}
	strlist(c, v, &t->platforms, check_platform);
}

static const struct field target_fields[] = {
	{ "python-version", f_python_version, true },
	{ "implementation", f_implementation, false },
	{ "platforms", f_platforms, true },
	{ NULL, NULL, false },
};

static void init_target(void *elem, const struct al_ynode *v)
{
	struct al_target *t = elem;

	t->line = v->line;
	t->col = v->col;
}

/* The name a lock gives a target (lib/locker.c): implementation, Python
 * major.minor, first platform: "cp311-manylinux_2_28_x86_64". NULL when the
 * target is invalid (reported already) or out of memory. */
static char *target_name(struct mctx *c, const struct al_target *t)
{
	struct al_buf b = AL_BUF_INIT;
	const char *v = t->python_version, *dot;

	if (!v || !t->platforms.n)
		return NULL;
	dot = strchr(v, '.');
	if (al_buf_addf(&b, "%s%.*s", t->implementation ? t->implementation : "cp",
	                (int)(dot ? (size_t)(dot - v) : strlen(v)), v) ||
	    (dot && al_buf_add(&b, dot + 1, strcspn(dot + 1, "."))) ||
	    al_buf_addf(&b, "-%s", t->platforms.v[0])) {
		al_buf_release(&b);
		c->oom = true;
		return NULL;
	}
	return al_buf_detach(&b, NULL);
}

static void f_targets(struct mctx *c, const struct al_ynode *v, void *obj)
{
	struct al_manifest *m = obj;
	size_t i, k;

	if (v->type == AL_Y_SEQ && !v->n) {
		problem(c, v, "must list at least one target");
		return;
	}
	m->python.targets = map_list(c, v, target_fields, sizeof(struct al_target),
	                             &m->python.ntargets, init_target);
	/* a lock names targets; two with one name would be one directory and
	 * one requirements file when published */
	for (i = 1; i < m->python.ntargets && !STOPPED(c); i++) {
		char *name = target_name(c, &m->python.targets[i]);

		for (k = 0; name && k < i; k++) {
			char *other = target_name(c, &m->python.targets[k]);
			if (other && !strcmp(name, other)) {
				size_t old = path_index(c, i);
				problem_at(c, m->python.targets[i].line, m->python.targets[i].col,
				           "has the same name '%s' as python.targets[%zu] (line %d): a "
				           "target is named by its implementation, Python major.minor "
				           "and first platform; merge the two or change a first platform",
				           name, k, m->python.targets[k].line);
				path_pop(c, old);
				al_free(other);
				break;
			}
			al_free(other);
		}
		al_free(name);
	}
}

/* ---- python.indexes, python.sources, python.index-strategy ------------------ */

static void f_ix_name(struct mctx *c, const struct al_ynode *v, void *obj)
{
	struct al_named_index *x = obj;
	const char *s = want_string(c, v);

	if (!s)
		return;
	if (!valid_bundle(s)) {
		problem(c, v, "'%.100s' is not an index name (1 to 64 of A-Z a-z 0-9 . _ -, "
		        "starting with a letter or digit)", s);
		return;
	}
	set_str(c, &x->name, s);
}

static void f_ix_url(struct mctx *c, const struct al_ynode *v, void *obj)
{
	struct al_named_index *x = obj;
	const char *s = want_string(c, v);

	if (s && check_url(c, v, s))
		set_str(c, &x->url, s);
}

static void f_ix_explicit(struct mctx *c, const struct al_ynode *v, void *obj)
{
	struct al_named_index *x = obj;

	if (v->type == AL_Y_STR && !v->quoted) {
		problem(c, v, "expected a boolean, got a string; write true or false");
		return;
	}
	if (want_type(c, v, AL_Y_BOOL))
		x->explicit_only = v->bval;
}

/* 4xx statuses only: 401 is always an authentication error, 407 the proxy's,
 * 408 and 429 are retried. */
static void f_ix_codes(struct mctx *c, const struct al_ynode *v, void *obj)
{
	struct al_named_index *x = obj;
	size_t i, old;

	if (!want_type(c, v, AL_Y_SEQ))
		return;
	x->nmissing_codes = 0;
	if (v->n > AL_INDEX_MAX_CODES) {
		problem(c, v, "at most %d status codes", AL_INDEX_MAX_CODES);
		return;
	}
	for (i = 0; i < v->n && !STOPPED(c); i++) {
		const struct al_ynode *k = v->kids[i];
		old = path_index(c, i);
		if (want_type(c, k, AL_Y_INT)) {
			if (k->ival < 400 || k->ival > 499 || k->ival == 401 || k->ival == 407 ||
			    k->ival == 408 || k->ival == 429)
				problem(c, k, "%.30s cannot mean 'not on this index' (a 4xx status other "
				        "than 401, 407, 408 and 429)", k->s);
			else
				x->missing_codes[x->nmissing_codes++] = (int)k->ival;
		}
		path_pop(c, old);
	}
}

static void env_field(struct mctx *c, const struct al_ynode *v, char **dst)
{
	const char *s = want_string(c, v);

	if (!s)
		return;
	if (!valid_env_name(s)) {
		problem(c, v, "'%.100s' is not an environment variable name (the name of the "
		        "variable that holds the credential, never the credential itself)", s);
		return;
	}
	set_str(c, dst, s);
}

static void f_ix_user_env(struct mctx *c, const struct al_ynode *v, void *obj)
{
	env_field(c, v, &((struct al_named_index *)obj)->username_env);
}

static void f_ix_pass_env(struct mctx *c, const struct al_ynode *v, void *obj)
{
	env_field(c, v, &((struct al_named_index *)obj)->password_env);
}

static const struct field index_fields[] = {
	{ "name", f_ix_name, true },
	{ "url", f_ix_url, true },
	{ "explicit", f_ix_explicit, false },
	{ "ignore-error-codes", f_ix_codes, false },
	{ "username-env", f_ix_user_env, false },
	{ "password-env", f_ix_pass_env, false },
	{ NULL, NULL, false },
};

static void init_index(void *elem, const struct al_ynode *v)
{
	struct al_named_index *x = elem;

	x->line = v->line;
	x->col = v->col;
	x->missing_codes[0] = 403;
	x->nmissing_codes = 1;
}

static void f_indexes(struct mctx *c, const struct al_ynode *v, void *obj)
{
	struct al_manifest *m = obj;
	unsigned before = c->nproblems;
	size_t i, k, old;

	m->python.indexes = map_list(c, v, index_fields, sizeof(struct al_named_index),
	                             &m->python.nindexes, init_index);
	for (i = 0; i < m->python.nindexes && !STOPPED(c); i++) {
		const struct al_named_index *x = &m->python.indexes[i];
		old = path_index(c, i);
		if (c->nproblems == before && !x->username_env != !x->password_env)
			problem_at(c, x->line, x->col, "username-env and password-env go together "
			           "(for a token, a username variable holding __token__)");
		for (k = 0; k < i && x->name; k++)
			if (m->python.indexes[k].name && !strcmp(m->python.indexes[k].name, x->name)) {
				problem_at(c, x->line, x->col, "a second index named '%s' (the first "
				           "is at line %d)", x->name, m->python.indexes[k].line);
				break;
			}
		path_pop(c, old);
	}
}

static const char *const strategies[] = { "first-index", "unsafe-best-match", NULL };

static void f_index_strategy(struct mctx *c, const struct al_ynode *v, void *obj)
{
	struct al_manifest *m = obj;
	const char *s = want_string(c, v);

	if (!s)
		return;
	if (!strcmp(s, strategies[0]))
		m->python.index_strategy = AL_INDEX_FIRST;
	else if (!strcmp(s, strategies[1]))
		m->python.index_strategy = AL_INDEX_BEST_MATCH;
	else
		problem(c, v, "'%.60s' is not an index strategy (first-index or unsafe-best-match)", s);
}

/* python.sources: {PROJECT: {index: NAME}}, as uv's [tool.uv.sources]. */
static void f_source_index(struct mctx *c, const struct al_ynode *v, void *obj)
{
	struct al_index_pin *pin = obj;
	const char *s = want_string(c, v);

	if (s)
		set_str(c, &pin->index, s);
}

static const struct field source_fields[] = {
	{ "index", f_source_index, true },
	{ NULL, NULL, false },
};

static void f_sources(struct mctx *c, const struct al_ynode *v, void *obj)
{
	struct al_manifest *m = obj;
	size_t i, k, old;

	if (!want_type(c, v, AL_Y_MAP) || !v->n)
		return;
	if (!(m->python.pins = al_calloc(v->n, sizeof(*m->python.pins)))) {
		c->oom = true;
		return;
	}
	for (i = 0; i < v->n && !STOPPED(c); i++) {
		const struct al_ynode *key = AL_YMAP_KEY(v, i), *val = AL_YMAP_VAL(v, i);
		struct al_index_pin *pin = &m->python.pins[m->python.npins];
		old = path_key(c, key->s, key->len);
		if (strlen(key->s) != key->len || !valid_project(key->s) || !strcmp(key->s, ":all:")) {
			problem(c, key, "not a project name");
		} else if (!(pin->project = al_name_normalize(key->s))) {
			c->oom = true;
		} else {
			pin->line = key->line;
			pin->col = key->col;
			m->python.npins++;
			for (k = 0; k + 1 < m->python.npins; k++)
				if (!strcmp(m->python.pins[k].project, pin->project))
					problem(c, key, "'%s' is pinned a second time (line %d pins '%s' already)",
					        key->s, m->python.pins[k].line, m->python.pins[k].project);
			walk_map(c, val, source_fields, pin);
		}
		path_pop(c, old);
	}
}

/* Every pin names an index of python.indexes. */
static void check_pins(struct mctx *c, const struct al_manifest *m)
{
	size_t i, k, old;

	for (i = 0; i < m->python.npins && !STOPPED(c); i++) {
		const struct al_index_pin *pin = &m->python.pins[i];
		struct al_buf names = AL_BUF_INIT;
		bool found = false;
		if (!pin->index)
			continue;
		for (k = 0; k < m->python.nindexes; k++) {
			const char *name = m->python.indexes[k].name;
			found |= name && !strcmp(name, pin->index);
			if (name && al_buf_addf(&names, "%s'%s'", names.len ? ", " : "", name))
				c->oom = true;
		}
		old = path_key(c, "sources", 7);
		if (al_buf_addf(&c->path, ".%s.index", pin->project))
			c->oom = true;
		else if (!found)
			problem_at(c, pin->line, pin->col, "'%.100s' is not the name of an entry of "
			           "python.indexes (%s%s)", pin->index, names.len ? "names: " : "there is none",
			           names.len ? names.buf : "");
		path_pop(c, old);
		al_buf_release(&names);
	}
}

static const struct field python_fields[] = {
	{ "index-url", f_index_url, false },
	{ "extra-index-urls", f_extra_index_urls, false },
	{ "find-links", f_find_links, false },
	{ "targets", f_targets, true },
	{ "requirements", f_requirements, false },
	{ "requirements-files", f_requirements_files, false },
	{ "constraints", f_constraints, false },
	{ "allow-sdist", f_allow_sdist, false },
	{ "prereleases", f_prereleases, false },
	{ "indexes", f_indexes, false },
	{ "sources", f_sources, false },
	{ "index-strategy", f_index_strategy, false },
	{ NULL, NULL, false },
};

static void f_python(struct mctx *c, const struct al_ynode *v, void *obj)
{
	struct al_manifest *m = obj;
	unsigned before = c->nproblems;

	m->has_python = true;
	walk_map(c, v, python_fields, m);
	if (c->nproblems == before)
		check_pins(c, m);
	if (c->nproblems == before && !m->python.requirements.n &&
	    !m->python.requirements_files.n)
		problem(c, v, "no requirements: give requirements or requirements-files");
}

static void f_repo(struct mctx *c, const struct al_ynode *v, void *obj)
{
	struct al_hub_repo *r = obj;
	const char *s = want_string(c, v), *why;

	if (!s)
		return;
	if ((why = repo_id_problem(s))) {
		problem(c, v, "'%.200s' is not a Hub repo id (\"namespace/name\"): %s",
		        s, why);
		return;
	}
	set_str(c, &r->repo, s);
}

static void f_revision(struct mctx *c, const struct al_ynode *v, void *obj)
{
	struct al_hub_repo *r = obj;
	const char *s = want_string(c, v);

	if (!s)
		return;
	if (!valid_revision(s)) {
		problem(c, v, "'%.100s' is not a branch, tag or commit", s);
		return;
	}
	set_str(c, &r->revision, s);
}

static void f_include(struct mctx *c, const struct al_ynode *v, void *obj)
{
	strlist(c, v, &((struct al_hub_repo *)obj)->include, NULL);
}

static void f_exclude(struct mctx *c, const struct al_ynode *v, void *obj)
{
	strlist(c, v, &((struct al_hub_repo *)obj)->exclude, NULL);
}

static const struct field repo_fields[] = {
	{ "repo", f_repo, true },
	{ "revision", f_revision, false },
	{ "include", f_include, false },
	{ "exclude", f_exclude, false },
	{ NULL, NULL, false },
};

static void init_repo(void *elem, const struct al_ynode *v)
{
	struct al_hub_repo *r = elem;

	r->line = v->line;
	r->col = v->col;
}

static void f_models(struct mctx *c, const struct al_ynode *v, void *obj)
{
	struct al_manifest *m = obj;

	m->models = map_list(c, v, repo_fields, sizeof(struct al_hub_repo), &m->nmodels,
	                     init_repo);
}

static void f_datasets(struct mctx *c, const struct al_ynode *v, void *obj)
{
	struct al_manifest *m = obj;

	m->datasets = map_list(c, v, repo_fields, sizeof(struct al_hub_repo), &m->ndatasets,
	                       init_repo);
}

static void f_endpoint(struct mctx *c, const struct al_ynode *v, void *obj)
{
	struct al_manifest *m = obj;
	const char *s = want_string(c, v);

	if (!s)
		return;
	if (!valid_url(s, false)) {
		problem(c, v, "'%.200s' is not an http or https URL", s);
		return;
	}
	set_str(c, &m->hub.endpoint, s);
}

static void f_token_env(struct mctx *c, const struct al_ynode *v, void *obj)
{
	struct al_manifest *m = obj;
	const char *s = want_string(c, v);

	if (!s)
		return;
	if (!valid_env_name(s)) {
		problem(c, v, "'%.100s' is not an environment variable name", s);
		return;
	}
	set_str(c, &m->hub.token_env, s);
}

static const struct field hub_fields[] = {
	{ "endpoint", f_endpoint, false },
	{ "token-env", f_token_env, false },
	{ NULL, NULL, false },
};

static void f_hub(struct mctx *c, const struct al_ynode *v, void *obj)
{
	walk_map(c, v, hub_fields, obj);
}

/* An OSV snapshot: a readable regular file whose name (the label the lock,
 * the media and audit --bundle know it by) is plain. */
static bool check_advisory(struct mctx *c, const struct al_ynode *v, const char *s)
{
	const char *base = strrchr(s, '/') ? strrchr(s, '/') + 1 : s;
	char *path;
	struct stat st;
	bool ok = true;

	if (!al_lock_advisory_name_valid(base)) {
		problem(c, v, "'%.200s': the file name must be 1 to 128 letters, digits, '.', '_' or "
		        "'-', not starting with '.'", s);
		return false;
	}
	if (!(path = s[0] == '/' || !c->dir ? al_strdup(s) : al_path_join(c->dir, s))) {
		c->oom = true;
		return false;
	}
	if (stat(path, &st) < 0 || access(path, R_OK) < 0) {
		problem(c, v, "cannot read '%.200s': %s", path, strerror(errno));
		ok = false;
	} else if (!S_ISREG(st.st_mode)) {
		problem(c, v, "'%.200s' is not a file (a directory of records: zip it)", path);
		ok = false;
	}
	al_free(path);
	return ok;
}

static void f_advisories(struct mctx *c, const struct al_ynode *v, void *obj)
{
	struct al_manifest *m = obj;
	struct al_strlist *l = &m->advisories;
	size_t i, k;
	char *p;

	if (v->type == AL_Y_SEQ && v->n > AL_LOCK_MAX_ADVISORIES) {
		problem(c, v, "at most %d advisories files", AL_LOCK_MAX_ADVISORIES);
		return;
	}
	strlist(c, v, l, check_advisory);
	for (i = 0; i < l->n; i++)
		for (k = 0; k < i; k++) {
			const char *a = strrchr(l->v[i], '/'), *b = strrchr(l->v[k], '/');
			if (!strcmp(a ? a + 1 : l->v[i], b ? b + 1 : l->v[k]))
				problem(c, v, "two advisories files named '%.128s': the bundle knows "
				        "them by name", a ? a + 1 : l->v[i]);
		}
	for (i = 0; i < l->n && c->dir; i++) {
		if (l->v[i][0] == '/')
			continue;
		if (!(p = al_path_join(c->dir, l->v[i]))) {
			c->oom = true;
			return;
		}
		al_free(l->v[i]);
		l->v[i] = p;
	}
}

/* ---- policy ---- */

static bool check_deny_req(struct mctx *c, const struct al_ynode *v, const char *s)
{
	struct al_requirement r = AL_REQUIREMENT_INIT;
	struct al_diag rd = AL_DIAG_INIT;
	bool ok = true;

	if (al_requirement_parse(&r, s, &rd)) {
		if (rd.code == AL_ENOMEM)
			c->oom = true;
		else
			problem(c, v, "'%.200s' is not a PEP 508 requirement: %s", s, rd.msg);
		ok = false;
	} else if (r.url || r.marker || r.nextras) {
		problem(c, v, "'%.200s': a name and a version specifier only (no extras, URL or "
		        "marker)", s);
		ok = false;
	}
	al_requirement_release(&r);
	return ok;
}

static void f_policy_deny(struct mctx *c, const struct al_ynode *v, void *obj)
{
	strlist(c, v, &((struct al_manifest *)obj)->policy.deny, check_deny_req);
}

static void f_policy_vulnerabilities(struct mctx *c, const struct al_ynode *v, void *obj)
{
	struct al_manifest *m = obj;
	const char *s = want_string(c, v);

	if (!s)
		return;
	if (strcmp(s, "deny") && strcmp(s, "allow"))
		problem(c, v, "expected deny or allow, got '%.50s'", s);
	m->policy.vulnerabilities_deny = !strcmp(s, "deny");
}

/* "50GiB", "700 MB", "123": bytes (KiB, MiB, GiB, TiB powers of 1024; kB,
 * MB, GB, TB of 1000; B or nothing: bytes). */
static bool parse_size(const char *s, uint64_t *out)
{
	static const struct { const char *unit; uint64_t mul; } units[] = {
		{ "", 1 }, { "B", 1 }, { "kB", 1000 }, { "KB", 1000 }, { "MB", 1000000 },
		{ "GB", 1000000000 }, { "TB", 1000000000000ULL }, { "KiB", 1024 },
		{ "MiB", 1048576 }, { "GiB", 1073741824ULL }, { "TiB", 1099511627776ULL },
	};
	uint64_t n = 0;
	size_t i;

	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (n > (UINT64_MAX - 9) / 10)
			return false;
		n = n * 10 + (uint64_t)(*s - '0');
	}
	while (*s == ' ')
		s++;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(s, units[i].unit)) {
			if (n && units[i].mul > UINT64_MAX / n)
				return false;
			*out = n * units[i].mul;
			return *out > 0 && *out <= INT64_MAX; /* the lock writes it as a YAML integer */
		}
	return false;
}

static void f_policy_max_total_size(struct mctx *c, const struct al_ynode *v, void *obj)
{
	struct al_manifest *m = obj;
	char num[32];
	const char *s;

	if (v->type == AL_Y_INT && v->ival > 0) {
		m->policy.max_total_size = (uint64_t)v->ival;
		return;
	}
	if (v->type == AL_Y_INT) {
		snprintf(num, sizeof(num), "%lld", (long long)v->ival);
		problem(c, v, "'%s' is not a size: give bytes above 0, or 50GiB, 700MB", num);
		return;
	}
	if (!(s = want_string(c, v)))
		return;
	if (!parse_size(s, &m->policy.max_total_size))
		problem(c, v, "'%.50s' is not a size: give bytes above 0, or 50GiB, 700MB", s);
}

static void f_policy_wheels_only(struct mctx *c, const struct al_ynode *v, void *obj)
{
	if (want_type(c, v, AL_Y_BOOL))
		((struct al_manifest *)obj)->policy.wheels_only = v->bval;
}

/* An SPDX licence id (idstring: letters, digits, '.', '-'; "LicenseRef-x"
 * and a trailing '+' too): compared without case at enforcement. */
static bool check_license_id(struct mctx *c, const struct al_ynode *v, const char *s)
{
	size_t n = strlen(s);

	if (n <= 128 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-+") == n &&
	    (!strchr(s, '+') || strchr(s, '+') == s + n - 1) && s[0] != '+')
		return true;
	problem(c, v, "'%.200s' is not an SPDX licence id (MIT, Apache-2.0, LicenseRef-x; one id, "
	        "not an expression)", s);
	return false;
}

static void f_licenses_allow(struct mctx *c, const struct al_ynode *v, void *obj)
{
	strlist(c, v, &((struct al_manifest *)obj)->policy.licenses_allow, check_license_id);
}

static void f_licenses_deny(struct mctx *c, const struct al_ynode *v, void *obj)
{
	strlist(c, v, &((struct al_manifest *)obj)->policy.licenses_deny, check_license_id);
}

static void f_licenses_unknown(struct mctx *c, const struct al_ynode *v, void *obj)
{
	struct al_manifest *m = obj;
	const char *s = want_string(c, v);

	if (!s)
		return;
	if (strcmp(s, "deny") && strcmp(s, "allow"))
		problem(c, v, "expected deny or allow, got '%.50s'", s);
	m->policy.licenses_unknown = !strcmp(s, "deny") ? AL_UNKNOWN_DENY : AL_UNKNOWN_ALLOW;
}

static const struct field licenses_fields[] = {
	{ "allow", f_licenses_allow, false },
	{ "deny", f_licenses_deny, false },
	{ "unknown", f_licenses_unknown, false },
	{ NULL, NULL, false },
};

static void f_policy_licenses(struct mctx *c, const struct al_ynode *v, void *obj)
{
	((struct al_manifest *)obj)->policy.licenses_given = true;
	walk_map(c, v, licenses_fields, obj);
}

static const struct field policy_fields[] = {
	{ "licenses", f_policy_licenses, false },
	{ "deny", f_policy_deny, false },
	{ "vulnerabilities", f_policy_vulnerabilities, false },
	{ "max-total-size", f_policy_max_total_size, false },
	{ "wheels-only", f_policy_wheels_only, false },
	{ NULL, NULL, false },
};

static void f_policy(struct mctx *c, const struct al_ynode *v, void *obj)
{
	((struct al_manifest *)obj)->policy.given = true;
	walk_map(c, v, policy_fields, obj);
}

static const struct field top_fields[] = {
	{ "version", f_version, true },
	{ "bundle", f_bundle, true },
	{ "python", f_python, false },
	{ "models", f_models, false },
	{ "datasets", f_datasets, false },
	{ "hub", f_hub, false },
	{ "advisories", f_advisories, false },
	{ "policy", f_policy, false },
	{ NULL, NULL, false },
};

/* ---- entry points ------------------------------------------------------- */

static void free_strlist(struct al_strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		al_free(l->v[i]);
	al_free(l->v);
}

static void free_repos(struct al_hub_repo *r, size_t n)
{
	size_t i;

	for (i = 0; r && i < n; i++) {
		al_free(r[i].repo);
		al_free(r[i].revision);
		free_strlist(&r[i].include);
		free_strlist(&r[i].exclude);
	}
	al_free(r);
}

void al_manifest_free(struct al_manifest *m)
{
	size_t i;

	if (!m)
		return;
	al_free(m->path);
	al_free(m->sha256);
	al_free(m->bundle);
	al_free(m->python.index_url);
	free_strlist(&m->python.extra_index_urls);
	free_strlist(&m->python.find_links);
	free_strlist(&m->python.requirements);
	free_strlist(&m->python.requirements_files);
	free_strlist(&m->advisories);
	free_strlist(&m->policy.deny);
	free_strlist(&m->policy.licenses_allow);
	free_strlist(&m->policy.licenses_deny);
	free_strlist(&m->python.constraints);
	free_strlist(&m->python.allow_sdist);
	for (i = 0; m->python.targets && i < m->python.ntargets; i++) {
		al_free(m->python.targets[i].python_version);
		al_free(m->python.targets[i].implementation);
		free_strlist(&m->python.targets[i].platforms);
	}
	al_free(m->python.targets);
	for (i = 0; m->python.indexes && i < m->python.nindexes; i++) {
		al_free(m->python.indexes[i].name);
		al_free(m->python.indexes[i].url);
		al_free(m->python.indexes[i].username_env);
		al_free(m->python.indexes[i].password_env);
	}
	al_free(m->python.indexes);
	for (i = 0; m->python.pins && i < m->python.npins; i++) {
		al_free(m->python.pins[i].project);
		al_free(m->python.pins[i].index);
	}
	al_free(m->python.pins);
	free_repos(m->models, m->nmodels);
	free_repos(m->datasets, m->ndatasets);
	al_free(m->hub.endpoint);
	al_free(m->hub.token_env);
	al_free(m);
}

static void set_default(struct mctx *c, char **dst, const char *s)
{
	if (!*dst)
		set_str(c, dst, s);
}

static void apply_defaults(struct mctx *c, struct al_manifest *m)
{
	size_t i;

	set_default(c, &m->python.index_url, "https://pypi.org/simple/");
	for (i = 0; i < m->python.ntargets; i++)
		set_default(c, &m->python.targets[i].implementation, "cp");
	for (i = 0; i < m->nmodels; i++)
		set_default(c, &m->models[i].revision, "main");
	for (i = 0; i < m->ndatasets; i++)
		set_default(c, &m->datasets[i].revision, "main");
	set_default(c, &m->hub.endpoint, "https://huggingface.co");
	set_default(c, &m->hub.token_env, "HF_TOKEN");
}

static void walk_top(struct mctx *c, const struct al_ynode *root, struct al_manifest *m)
{
	unsigned before = c->nproblems;

	if (!root) {
		problem_at(c, 1, 1, "the manifest is empty (it needs at least version and bundle)");
		return;
	}
	if (root->type != AL_Y_MAP) {
		problem(c, root, "expected a mapping at the top of the manifest, got %s",
		        al_ytype_name(root->type));
		return;
	}
	walk_map(c, root, top_fields, m);
	if (c->nproblems == before && !m->has_python && !m->nmodels && !m->ndatasets)
		problem(c, root, "nothing to mirror: give python, models or datasets");
	if (c->nproblems == before && m->policy.vulnerabilities_deny && !m->advisories.n)
		problem(c, root, "policy.vulnerabilities: deny needs advisories (OSV snapshots) to "
		        "check against");
}

al_err al_manifest_check(struct al_manifest **out, const char *path, al_manifest_problem_cb cb,
                         void *ctx, unsigned *nproblems, struct al_diag *d)
{
	struct mctx c = { .name = path, .cb = cb, .cbctx = ctx, .d = d, .stop = !cb,
	                  .path = AL_BUF_INIT };
	struct al_buf text = AL_BUF_INIT;
	struct al_ydoc *doc = NULL;
	struct al_manifest *m = NULL;
	const char *slash;
	al_err err;

	if (out)
		*out = NULL;
	if (nproblems)
		*nproblems = 0;
	err = al_buf_read_file(&text, path, MANIFEST_MAX_BYTES, d);
	if (err == AL_ELIMIT)
		al_diag_set(d, err, "%s: the manifest is larger than the limit of 1 MiB", path);
	if (err == AL_ENOMEM)
		goto out;
	if (err == AL_ENOTFOUND || err == AL_EIO)
		goto out;
	if (!err)
		err = al_yaml_parse(&doc, path, text.buf, text.len, NULL, d);
	if (err) {
		if (err != AL_ENOMEM) {
			c.nproblems = 1;
			if (cb)
				cb(ctx, d->msg);
		}
		goto out;
	}
	if (!(m = al_calloc(1, sizeof(*m))) || !(m->path = al_strdup(path)) ||
	    !(m->sha256 = al_malloc(AL_SHA256_HEX))) {
		err = al_oom(d);
		goto out;
	}
	al_sha256_hex(text.buf, text.len, m->sha256);
	if ((slash = strrchr(path, '/')) &&
	    !(c.dir = slash == path ? al_strdup("/") : al_strndup(path, (size_t)(slash - path)))) {
		err = al_oom(d);
		goto out;
	}
	walk_top(&c, al_ydoc_root(doc), m);
	if (!c.oom)
		apply_defaults(&c, m);
	if (c.oom)
		err = al_oom(d);
	else if (c.nproblems)
		err = AL_EINVALID;
out:
	if (nproblems)
		*nproblems = c.nproblems;
	if (!err && out) {
		*out = m;
		m = NULL;
	}
	al_manifest_free(m);
	al_ydoc_free(doc);
	al_buf_release(&text);
	al_buf_release(&c.path);
	al_free(c.dir);
	return err;
}

al_err al_manifest_load(struct al_manifest **out, const char *path, struct al_diag *d)
{
	return al_manifest_check(out, path, NULL, NULL, NULL, d);
}
