/*
 * publish.c: lay out the published tree (docs/reference/publish.md).
 *
 *   DIR/wheels/<file>                 flat --find-links directory; <file>.metadata sidecars
 *   DIR/simple/index.html             PEP 503 root; DIR/simple/<name>/index.html and
 *                                     index.v1_json (PEP 691, for serve's negotiation)
 *   DIR/requirements/<target>.txt     pinned with --hash, for --require-hashes
 *   DIR/requirements/<target>.pylock.toml   the same closure, PEP 751
 *   DIR/models/<repo>/, DIR/datasets/<repo>/  plain trees
 *   DIR/hf/hub/models--org--name/     the Hub cache layout (HF_HUB_CACHE)
 *   DIR/hf/api/<type>s/<repo>/        what serve answers the Hub API with
 *   DIR/sbom/<bundle>.cdx.json        each bundle's CycloneDX SBOM (lib/review/sbom.c)
 *   DIR/index.html, DIR/catalog/      the catalog people browse (mirror/catalog.c)
 *
 * Files are hard links into the store (copies across file systems). The tree
 * is built in a new generation directory beside DIR and DIR, a symbolic link,
 * is switched to it with one rename: readers see the old tree or the new one,
 * never a mixture.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>

#include "core/buf.h"
#include "core/fsutil.h"
#include "core/hash.h"
#include "core/json.h"
#include "core/mem.h"
#include "mirror/catalog.h"
#include "mirror/nginx.h"
#include "mirror/publish.h"
#include "pypa/names.h"
#include "pypa/wheel.h"
#include "spec/lock.h"
#include "store/bundle.h"
#include "store/db.h"
#include "store/store-internal.h"


/* A blob opened and checked in this run (an open-addressing set by sha256). */
struct vblob {
	char hex[AL_SHA256_HEX];
	dev_t dev;
	ino_t ino;
	bool used;
};

struct pub {
	struct al_store *s;
	const struct al_publish_opts *o;
	struct al_publish_summary *sum;
	struct al_diag *d;
	char *gen;          /* the generation being built */
	time_t epoch;       /* every file's mtime and the Hub API's dates (publish_epoch) */
	struct al_lock **locks;
	size_t nlocks;
	unsigned long tmpseq;  /* write_text's temporary names */
	struct vblob *seen;    /* blobs checked in this run */
	size_t nseen, seencap;
};

/* ---- files ---------------------------------------------------------------------- */

/* A file publish wrote gets the publish's epoch as its mtime, so that the
 * same store and bundles give the same tree, times included (serve dates the
 * Hub API's answers by info.json's mtime). */
static al_err set_mtime(struct pub *p, const char *path)
{
	struct timespec ts[2] = { { p->epoch, 0 }, { p->epoch, 0 } };

	if (utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return al_diag_set(p->d, AL_EIO, "cannot set the time of '%s': %s", path,
		                   strerror(errno));
	return AL_OK;
}

static al_err parent_dirs(const char *path, struct al_diag *d)
{
	char *dir = al_strdup(path), *slash;
	al_err err = AL_OK;

	if (!dir)
		return al_oom(d);
	if ((slash = strrchr(dir, '/')) && slash != dir) {
		*slash = '\0';
		err = al_mkdir_p(dir, 0755, d);
	}
	al_free(dir);
	return err;
}

/* Copy the open blob in (a checked regular file of st->st_size bytes) to a new file dst. */
static al_err copy_fd(int in, const struct stat *st, const char *dst, struct al_diag *d)
{
	int out = -1;
	al_err err = AL_OK;
	bool use_read = false;
	char buf[64 << 10];

	if (lseek(in, 0, SEEK_SET) < 0) {
		err = al_diag_set(d, AL_EIO, "cannot read for '%s': %s", dst, strerror(errno));
		goto out;
	}
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0444);
	if (out < 0) {
		err = al_diag_set(d, AL_EIO, "cannot create '%s': %s", dst, strerror(errno));
		goto out;
	}
	for (off_t left = st->st_size; left > 0;) {
		ssize_t n = use_read ? read(in, buf, sizeof(buf))
		                     : copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
		if (n < 0 && errno == EINTR)
			continue;
		/* Across file systems copy_file_range fails (EXDEV since Linux 5.19,
		 * or not supported at all): copy through a buffer instead. */
		if (n < 0 && !use_read && left == st->st_size &&
		    (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP || errno == EINVAL)) {
			use_read = true;
			continue;
		}
		if (n > 0 && use_read)
			err = al_write_all(out, buf, (size_t)n, dst, d);
		else if (n <= 0)
			err = al_diag_set(d, n < 0 && (errno == ENOSPC || errno == EDQUOT) ? AL_ENOSPACE : AL_EIO,
			                  "cannot copy to '%s': %s", dst, n < 0 ? strerror(errno) : "short copy");
		if (err)
			goto out;
		left -= n;
	}
out:
	if (out >= 0 && close(out) < 0 && !err)
		err = al_diag_set(d, AL_EIO, "cannot write '%s': %s", dst, strerror(errno));
	if (err)
		unlink(dst);
	return err;
}

/* ---- blobs: checked, then linked from the open descriptor ------------------------- */

static uint64_t hex_prefix(const char *hex)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 16; i++)
		v = v << 4 | (uint64_t)(hex[i] <= '9' ? hex[i] - '0' : (hex[i] | 32) - 'a' + 10);
	return v;
}

static struct vblob *seen_slot(struct vblob *v, size_t cap, const char *hex)
{
	size_t i = (size_t)hex_prefix(hex) & (cap - 1);

	while (v[i].used && strcmp(v[i].hex, hex))
		i = (i + 1) & (cap - 1);
	return &v[i];
}

static al_err seen_add(struct pub *p, const char *hex, const struct stat *st)
{
	struct vblob *slot;
	size_t i;

	if ((p->nseen + 1) * 2 > p->seencap) {
		size_t cap = p->seencap ? p->seencap * 2 : 256;
		struct vblob *v = al_calloc(cap, sizeof(*v));
		if (!v)
			return al_oom(p->d);
		for (i = 0; i < p->seencap; i++)
			if (p->seen[i].used)
				*seen_slot(v, cap, p->seen[i].hex) = p->seen[i];
		al_free(p->seen);
		p->seen = v;
		p->seencap = cap;
	}
	slot = seen_slot(p->seen, p->seencap, hex);
	if (!slot->used)
		p->nseen++;
	memcpy(slot->hex, hex, AL_SHA256_HEX);
	slot->dev = st->st_dev;
	slot->ino = st->st_ino;
	slot->used = true;
	return AL_OK;
}

/* Open blob hex for publishing (docs/reference/publish.md, "Blobs"): never through a
 * symbolic link and without blocking, only a regular file of the size the
 * store recorded; and when something else links to the file (st_nlink > 1:
 * the published generations do, but so would an outside file hard-linked into
 * blobs/), only when its content hashes to its name, checked once per blob
 * and inode in a run. What publish places comes from this descriptor. */
static al_err open_blob(struct pub *p, const char *hex, int *fdp, struct stat *st)
{
	char *path = al_store_blob_path(p->s, hex), got[AL_SHA256_HEX];
	unsigned long long n = 0;
	struct vblob *v;
	int64_t recorded = -1;
	al_err err = AL_OK;
	int fd;

	*fdp = -1;
	if (!path)
		return al_oom(p->d);
	/* STORE/blobs/sha256 is the operator's; below it, neither the xx/
	 * directory nor the blob may be a symbolic link */
	{
		char *file = strrchr(path, '/'), *sub;
		int top, dir = -1;
		*file = '\0';
		sub = strrchr(path, '/');
		*sub = '\0';
		top = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		*sub = '/';
		if (top >= 0) {
			dir = openat(top, sub + 1, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			close(top);
		}
		*file = '/';
		fd = -1;
		if (dir >= 0) {
			fd = openat(dir, file + 1, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
			close(dir);
		}
	}
	if (fd < 0 && (errno == ELOOP || errno == ENOTDIR)) {
		err = al_diag_set(p->d, AL_EVERIFY, "blob %s is a symbolic link in the store ('%s', or "
		                  "its directory): refusing to publish it", hex, path);
		goto out;
	}
	if (fd < 0 || fstat(fd, st) < 0) {
		err = al_diag_set(p->d, errno == ENOENT ? AL_ENOTFOUND : AL_EIO, "cannot open blob %s "
		                  "('%s'): %s", hex, path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st->st_mode)) {
		err = al_diag_set(p->d, AL_EVERIFY, "blob %s is not a regular file in the store ('%s'): "
		                  "refusing to publish it", hex, path);
		goto out;
	}
	if (al_db_query_int(al_store_db(p->s), &recorded, NULL, "SELECT size FROM blobs WHERE sha256 = ?",
	                    hex, (char *)NULL)) {
		err = al_diag_set(p->d, AL_ENOTFOUND, "blob %s is not recorded in the store", hex);
		goto out;
	}
	if ((int64_t)st->st_size != recorded) {
		err = al_diag_set(p->d, AL_EVERIFY, "blob %s in the store ('%s') has %lld bytes, not the "
		                  "%lld the store recorded: refusing to publish it", hex, path,
		                  (long long)st->st_size, (long long)recorded);
		goto out;
	}
	v = p->seencap ? seen_slot(p->seen, p->seencap, hex) : NULL;
	if (v && v->used && v->dev == st->st_dev && v->ino == st->st_ino)
		goto take;
	if (st->st_nlink > 1) {
		if ((err = al_sha256_fd(fd, got, &n, p->d)))
			goto out;
		if (strcmp(got, hex) || n != (unsigned long long)recorded) {
			err = al_diag_set(p->d, AL_EVERIFY, "blob %s in the store ('%s') has other content "
			                  "(it hashes to %s): refusing to publish it (see 'airlock store "
			                  "verify')", hex, path, got);
			goto out;
		}
		if (lseek(fd, 0, SEEK_SET) < 0) {
			err = al_diag_set(p->d, AL_EIO, "cannot read blob %s: %s", hex, strerror(errno));
			goto out;
		}
	}
	if ((err = seen_add(p, hex, st)))
		goto out;
take:
	*fdp = fd;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	al_free(path);
	return err;
}

/* Does the existing file at path hold blob hex (the same inode, or a copy)? */
static bool holds_blob(const char *path, const struct stat *blob, const char *hex)
{
	char got[AL_SHA256_HEX];
	struct stat st;
	bool same = false;
	int fd;

	if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return false;
	if (st.st_ino == blob->st_ino && st.st_dev == blob->st_dev)
		return true;
	if (st.st_size != blob->st_size)
		return false;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0)
		return false;
	same = !al_sha256_fd(fd, got, NULL, NULL) && !strcmp(got, hex);
	close(fd);
	return same;
}

/* Put blob hex at gen/rel: a hard link to the checked, open blob (through
 * /proc/self/fd, so a file swapped in after the check is never linked), or a
 * copy from it. A second placement of the same content is fine; different
 * content is a conflict. */
static al_err place_blob(struct pub *p, const char *hex, const char *rel)
{
	struct al_buf dst = AL_BUF_INIT;
	char src[64];
	struct stat st;
	al_err err;
	int fd = -1;

	if (al_buf_addf(&dst, "%s/%s", p->gen, rel)) {
		err = al_oom(p->d);
		goto out;
	}
	if ((err = parent_dirs(dst.buf, p->d)) || (err = open_blob(p, hex, &fd, &st)))
		goto out;
	snprintf(src, sizeof(src), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, src, AT_FDCWD, dst.buf, AT_SYMLINK_FOLLOW) == 0) {
		p->sum->bytes_linked += (uint64_t)st.st_size;
	} else if (errno == EEXIST) {
		if (!holds_blob(dst.buf, &st, hex))
			err = al_diag_set(p->d, AL_ECONFLICT, "'%s' is published twice with different "
			                  "content", rel);
	} else if (errno == EXDEV || errno == EPERM || errno == EMLINK || errno == ENOENT ||
	           errno == EACCES) {
		/* another file system, no hard links, or no /proc: a copy */
		struct stat b;
		if (lstat(dst.buf, &b) == 0) {
			if (!holds_blob(dst.buf, &st, hex))
				err = al_diag_set(p->d, AL_ECONFLICT, "'%s' is published twice with "
				                  "different content", rel);
		} else if (!(err = copy_fd(fd, &st, dst.buf, p->d)) && !(err = set_mtime(p, dst.buf))) {
			p->sum->bytes_copied += (uint64_t)st.st_size;
		}
	} else {
		err = al_diag_set(p->d, AL_EIO, "cannot link '%s': %s", dst.buf, strerror(errno));
	}
out:
	if (fd >= 0)
		close(fd);
	al_buf_release(&dst);
	return err;
}

/* Write a new file gen/rel: to a fresh temporary name (O_EXCL, so nothing that
 * already stands there, a hard link into the store least of all, is ever
 * opened for writing), then renamed into place without replacing anything. */
static al_err write_text(struct pub *p, const char *rel, const char *text, size_t len)
{
	struct al_buf path = AL_BUF_INIT, tmp = AL_BUF_INIT;
	struct stat st;
	al_err err;
	int fd;

	if (al_buf_addf(&path, "%s/%s", p->gen, rel) ||
	    al_buf_addf(&tmp, "%s/.tmp-%lu", p->gen, ++p->tmpseq)) {
		err = al_oom(p->d);
		goto out;
	}
	if ((err = parent_dirs(path.buf, p->d)))
		goto out;
	fd = open(tmp.buf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		err = al_diag_set(p->d, AL_EIO, "cannot create '%s': %s", tmp.buf, strerror(errno));
		goto out;
	}
	err = al_write_all(fd, text, len, tmp.buf, p->d);
	if (close(fd) < 0 && !err)
		err = al_diag_set(p->d, AL_EIO, "cannot write '%s': %s", tmp.buf, strerror(errno));
	if (!err && renameat2(AT_FDCWD, tmp.buf, AT_FDCWD, path.buf, RENAME_NOREPLACE) < 0) {
		if (errno == EEXIST)
			err = al_diag_set(p->d, AL_ECONFLICT, "'%s' is published twice", rel);
		else if (errno != EINVAL && errno != ENOSYS)
			err = al_diag_set(p->d, AL_EIO, "cannot rename '%s' to '%s': %s", tmp.buf, path.buf,
			                  strerror(errno));
		/* no RENAME_NOREPLACE here: the generation is ours, check then rename */
		else if (lstat(path.buf, &st) == 0)
			err = al_diag_set(p->d, AL_ECONFLICT, "'%s' is published twice", rel);
		else if (rename(tmp.buf, path.buf) < 0)
			err = al_diag_set(p->d, AL_EIO, "cannot rename '%s' to '%s': %s", tmp.buf, path.buf,
			                  strerror(errno));
	}
	if (!err)
		err = set_mtime(p, path.buf);
	if (err)
		unlink(tmp.buf);
out:
	al_buf_release(&path);
	al_buf_release(&tmp);
	return err;
}

/* Percent-encode a file name for an href (keep unreserved and '+'... no: '+' too). */
static al_err url_escape(struct al_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	al_err err = AL_OK;

	for (; *s && !err; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~' || c == '/')
			err = al_buf_addch(b, (char)c);
		else
			err = al_buf_addf(b, "%%%c%c", hex[c >> 4], hex[c & 15]);
	}
	return err;
}

/* ---- metadata sidecars -------------------------------------------------------------- */

static al_err extract_metadata(struct pub *p, const char *hex, struct al_buf *out)
{
	char name[80];
	struct stat st;
	al_err err;
	int fd;

	if ((err = open_blob(p, hex, &fd, &st)))
		return err;
	snprintf(name, sizeof(name), "blob %s", hex);
	err = al_wheel_metadata_fd(fd, name, out, p->d);
	close(fd);
	return err;
}

/* Write wheels/<file>.metadata; *sha receives its sha256. */
static al_err metadata_sidecar(struct pub *p, const struct al_lock_dist *x, char sha[AL_SHA256_HEX])
{
	struct al_buf rel = AL_BUF_INIT, meta = AL_BUF_INIT;
	al_err err;

	if (al_buf_addf(&rel, "wheels/%s.metadata", x->filename))
		return al_oom(p->d);
	if (x->metadata_sha256) {
		memcpy(sha, x->metadata_sha256, AL_SHA256_HEX);
		err = place_blob(p, x->metadata_sha256, rel.buf);
	} else if (!(err = extract_metadata(p, x->sha256, &meta))) {
		al_sha256_hex(meta.buf, meta.len, sha);
		err = write_text(p, rel.buf, meta.buf, meta.len);
	}
	al_buf_release(&rel);
	al_buf_release(&meta);
	return err;
}

/* ---- the Python part ------------------------------------------------------------------ */

struct pdist {
	const struct al_lock_dist *x;
	char meta[AL_SHA256_HEX]; /* "" for sdists */
};

static int cmp_pdist(const void *a, const void *b)
{
	const struct pdist *x = a, *y = b;
	int c = strcmp(x->x->name, y->x->name);

	return c ? c : strcmp(x->x->filename, y->x->filename);
}

static bool is_wheel(const char *f)
{
	size_t n = strlen(f);
	return n > 4 && !strcmp(f + n - 4, ".whl");
}

static al_err project_page(struct pub *p, struct pdist *v, size_t n)
{
	struct al_buf html = AL_BUF_INIT, rel = AL_BUF_INIT, href = AL_BUF_INIT;
	json_t *files = json_array(), *root = NULL;
	const char *name = v[0].x->name;
	char *json = NULL;
	al_err err = AL_OK;
	size_t i;

	if (!files)
		return al_oom(p->d);
	if (al_buf_addstr(&html, "<!DOCTYPE html>\n<html><head><meta name=\"pypi:repository-version\" "
	                         "content=\"1.1\"><title>Links for ") ||
	    al_buf_add_html(&html, name) || al_buf_addstr(&html, "</title></head>\n<body><h1>Links for ") ||
	    al_buf_add_html(&html, name) || al_buf_addstr(&html, "</h1>\n"))
		goto oom;
	for (i = 0; i < n; i++) {
		const struct al_lock_dist *x = v[i].x;
		json_t *jf;
		al_buf_reset(&href);
		if (al_buf_addstr(&href, "../../wheels/") || url_escape(&href, x->filename))
			goto oom;
		if (al_buf_addstr(&html, "<a href=\"") || al_buf_add_html(&html, href.buf) ||
		    al_buf_addf(&html, "#sha256=%s\"", x->sha256))
			goto oom;
		if (x->requires_python && (al_buf_addstr(&html, " data-requires-python=\"") ||
		                           al_buf_add_html(&html, x->requires_python) || al_buf_addch(&html, '"')))
			goto oom;
		if (v[i].meta[0] && al_buf_addf(&html, " data-core-metadata=\"sha256=%s\" "
		                                "data-dist-info-metadata=\"sha256=%s\"", v[i].meta, v[i].meta))
			goto oom;
		if (al_buf_addch(&html, '>') || al_buf_add_html(&html, x->filename) ||
		    al_buf_addstr(&html, "</a><br/>\n"))
			goto oom;
		jf = json_pack("{s:s, s:s, s:{s:s}}", "filename", x->filename, "url", href.buf, "hashes",
		               "sha256", x->sha256);
		if (al_json_push(files, jf))
			goto oom;
		if (x->size >= 0 && al_json_set(jf, "size", json_integer(x->size)))
			goto oom;
		if (x->requires_python &&
		    al_json_set(jf, "requires-python", json_string(x->requires_python)))
			goto oom;
		if (v[i].meta[0] &&
		    al_json_set(jf, "core-metadata", json_pack("{s:s}", "sha256", v[i].meta)))
			goto oom;
	}
	if (al_buf_addstr(&html, "</body></html>\n"))
		goto oom;
	root = json_pack("{s:{s:s}, s:s, s:O}", "meta", "api-version", "1.1", "name", name, "files", files);
	if (!root || !(json = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS)))
		goto oom;
	if (al_buf_addf(&rel, "simple/%s/index.html", name))
		goto oom;
	if ((err = write_text(p, rel.buf, html.buf, html.len)))
		goto out;
	al_buf_reset(&rel);
	if (al_buf_addf(&rel, "simple/%s/index.v1_json", name))
		goto oom;
	err = write_text(p, rel.buf, json, strlen(json));
	goto out;
oom:
	err = al_oom(p->d);
out:
	free(json);
	json_decref(root);
	json_decref(files);
	al_buf_release(&html);
	al_buf_release(&rel);
	al_buf_release(&href);
	return err;
}

static al_err toml_str(struct al_buf *b, const char *s)
{
	al_err err = al_buf_addch(b, '"');

	for (; *s && !err; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			err = al_buf_addf(b, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			err = al_buf_addf(b, "\\u%04x", c);
		else
			err = al_buf_addch(b, (char)c);
	}
	return err ? err : al_buf_addch(b, '"');
}

static al_err requirements(struct pub *p, const struct al_lock *l, const struct al_lock_target *t)
{
	struct al_buf txt = AL_BUF_INIT, toml = AL_BUF_INIT, rel = AL_BUF_INIT, prefix = AL_BUF_INIT;
	al_err err = AL_OK;
	bool sdist = false;
	size_t i;

	for (i = 0; i < t->ndists && !sdist; i++)
		sdist = !is_wheel(t->dists[i].filename);
	if (p->nlocks > 1 && al_buf_addf(&prefix, "%s@", l->bundle))
		goto oom;
	/* With an sdist, pip builds it: not --only-binary :all:. Its isolated
	 * build finds the build requirements in the same --find-links directory
	 * (pip passes --no-index and --find-links on, not --require-hashes). */
	if (al_buf_addf(&txt, "# %s, target %s (python %s, %s): written by airlock publish.\n"
	                      "# pip install --no-index --find-links ../wheels %s"
	                      "--require-hashes -r THIS_FILE\n",
	                l->bundle, t->name, t->python_version, t->implementation,
	                sdist ? "" : "--only-binary :all: ") ||
	    al_buf_addstr(&toml, "lock-version = \"1.0\"\ncreated-by = \"airlock\"\n"))
		goto oom;
	for (i = 0; i < t->ndists; i++) {
		const struct al_lock_dist *x = &t->dists[i];
		if (al_buf_addf(&txt, "%s==%s \\\n    --hash=sha256:%s\n", x->name, x->version, x->sha256))
			goto oom;
		if (al_buf_addstr(&toml, "\n[[packages]]\nname = ") || toml_str(&toml, x->name) ||
		    al_buf_addstr(&toml, "\nversion = ") || toml_str(&toml, x->version) ||
		    al_buf_addch(&toml, '\n'))
			goto oom;
		if (x->requires_python && (al_buf_addstr(&toml, "requires-python = ") ||
		                           toml_str(&toml, x->requires_python) || al_buf_addch(&toml, '\n')))
			goto oom;
		al_buf_reset(&rel);
		if (al_buf_addstr(&toml, is_wheel(x->filename) ? "\n[[packages.wheels]]\nname = "
		                                               : "\n[packages.sdist]\nname = ") ||
		    toml_str(&toml, x->filename) || al_buf_addstr(&toml, "\npath = ") ||
		    al_buf_addf(&rel, "../wheels/%s", x->filename) || toml_str(&toml, rel.buf))
			goto oom;
		if (x->size >= 0 && al_buf_addf(&toml, "\nsize = %lld", (long long)x->size))
			goto oom;
		if (al_buf_addf(&toml, "\nhashes = {sha256 = \"%s\"}\n", x->sha256))
			goto oom;
	}
	al_buf_reset(&rel);
	if (al_buf_addf(&rel, "requirements/%s%s.txt", prefix.buf, t->name))
		goto oom;
	if ((err = write_text(p, rel.buf, txt.buf, txt.len)))
		goto out;
	al_buf_reset(&rel);
	if (al_buf_addf(&rel, "requirements/%s%s.pylock.toml", prefix.buf, t->name))
		goto oom;
	err = write_text(p, rel.buf, toml.buf, toml.len);
	goto out;
oom:
	err = al_oom(p->d);
out:
	al_buf_release(&txt);
	al_buf_release(&toml);
	al_buf_release(&rel);
	al_buf_release(&prefix);
	return err;
}

static al_err publish_python(struct pub *p)
{
	struct pdist *v = NULL;
	struct al_buf root = AL_BUF_INIT;
	size_t n = 0, alloc = 0, i, j, k, start;
	json_t *projects = json_array(), *jroot = NULL;
	char *jtext = NULL;
	al_err err = AL_OK;

	if (!projects)
		return al_oom(p->d);

	for (i = 0; i < p->nlocks; i++)
		for (j = 0; j < p->locks[i]->ntargets; j++) {
			const struct al_lock_target *t = &p->locks[i]->targets[j];
			for (k = 0; k < t->ndists + t->nbuild_dists; k++) {
				if (AL_GROW(v, alloc, n + 1)) {
					err = al_oom(p->d);
					goto out;
				}
				memset(&v[n], 0, sizeof(v[n]));
				v[n++].x = k < t->ndists ? &t->dists[k] : &t->build_dists[k - t->ndists];
			}
		}
	if (n)
		qsort(v, n, sizeof(*v), cmp_pdist);
	/* one entry per file name; the same name must mean the same bytes */
	for (i = j = 0; i < n; i++) {
		if (j && !strcmp(v[j - 1].x->filename, v[i].x->filename)) {
			if (strcmp(v[j - 1].x->sha256, v[i].x->sha256)) {
				err = al_diag_set(p->d, AL_ECONFLICT, "two bundles pin different files named '%s'",
				                  v[i].x->filename);
				goto out;
			}
			continue;
		}
		v[j++] = v[i];
	}
	n = j;
	for (i = 0; i < n; i++) {
		struct al_buf rel = AL_BUF_INIT;
		if (al_buf_addf(&rel, "wheels/%s", v[i].x->filename)) {
			err = al_oom(p->d);
			goto out;
		}
		err = place_blob(p, v[i].x->sha256, rel.buf);
		al_buf_release(&rel);
		if (err)
			goto out;
		if (is_wheel(v[i].x->filename) && (err = metadata_sidecar(p, v[i].x, v[i].meta)))
			goto out;
		p->sum->wheels++;
	}
	if (al_buf_addstr(&root, "<!DOCTYPE html>\n<html><head><meta name=\"pypi:repository-version\" "
	                         "content=\"1.1\"><title>Simple index</title></head>\n<body>\n")) {
		err = al_oom(p->d);
		goto out;
	}
	for (i = 0; i < n; i = start) {
		start = i;
		while (start < n && !strcmp(v[start].x->name, v[i].x->name))
			start++;
		if ((err = project_page(p, v + i, start - i)))
			goto out;
		if (al_json_push(projects, json_pack("{s:s}", "name", v[i].x->name)) ||
		    al_buf_addstr(&root, "<a href=\"") || al_buf_add_html(&root, v[i].x->name) ||
		    al_buf_addstr(&root, "/\">") || al_buf_add_html(&root, v[i].x->name) ||
		    al_buf_addstr(&root, "</a><br/>\n")) {
			err = al_oom(p->d);
			goto out;
		}
		p->sum->projects++;
	}
	if (al_buf_addstr(&root, "</body></html>\n")) {
		err = al_oom(p->d);
		goto out;
	}
	if ((err = write_text(p, "simple/index.html", root.buf, root.len)))
		goto out;
	/* the PEP 691 root serve answers with, for nginx (mirror/nginx.c) */
	jroot = json_pack("{s:{s:s}, s:O}", "meta", "api-version", "1.1", "projects", projects);
	if (!jroot || !(jtext = json_dumps(jroot, JSON_COMPACT))) {
		err = al_oom(p->d);
		goto out;
	}
	if ((err = write_text(p, "simple/index.v1_json", jtext, strlen(jtext))))
		goto out;
	for (i = 0; i < p->nlocks; i++)
		for (j = 0; j < p->locks[i]->ntargets; j++) {
			if ((err = requirements(p, p->locks[i], &p->locks[i]->targets[j])))
				goto out;
			p->sum->targets++;
		}
out:
	al_free(v);
	al_buf_release(&root);
	json_decref(projects);
	json_decref(jroot);
	free(jtext);
	return err;
}

/* ---- the Hub part -------------------------------------------------------------------------- */

/* The git blob id of a file: sha1("blob <size>\0" + content). */
static al_err git_sha1_of_blob(struct pub *p, const char *hex, uint64_t size, char out[AL_SHA1_HEX])
{
	struct al_hash h;
	char head[64], *buf = NULL;
	struct stat st;
	al_err err;
	ssize_t n;
	int fd = -1;

	if ((err = open_blob(p, hex, &fd, &st)))
		return err;
	if ((err = al_hash_init(&h, AL_HASH_SHA1, p->d)))
		goto out;
	snprintf(head, sizeof(head), "blob %llu", (unsigned long long)size);
	al_hash_update(&h, head, strlen(head) + 1);
	if (!(buf = al_malloc(65536))) {
		al_hash_release(&h);
		err = al_oom(p->d);
		goto out;
	}
	while ((n = read(fd, buf, 65536)) > 0)
		al_hash_update(&h, buf, (size_t)n);
	al_hash_final_hex(&h, out);
out:
	al_free(buf);
	close(fd);
	return err;
}

/* The git blob id of an LFS pointer file, when the lock has none. */
static void lfs_pointer_sha1(const struct al_lock_file *f, char out[AL_SHA1_HEX])
{
	char ptr[256], head[64];
	struct al_hash h;

	snprintf(ptr, sizeof(ptr), "version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize %lld\n",
	         f->sha256, (long long)f->size);
	snprintf(head, sizeof(head), "blob %zu", strlen(ptr));
	if (al_hash_init(&h, AL_HASH_SHA1, NULL)) {
		out[0] = '\0';
		return;
	}
	al_hash_update(&h, head, strlen(head) + 1);
	al_hash_update(&h, ptr, strlen(ptr));
	al_hash_final_hex(&h, out);
}

static al_err symlink_rel(struct pub *p, const char *rel_link, const char *target)
{
	struct al_buf path = AL_BUF_INIT;
	al_err err;

	if (al_buf_addf(&path, "%s/%s", p->gen, rel_link))
		return al_oom(p->d);
	if (!(err = parent_dirs(path.buf, p->d)) && symlink(target, path.buf) == 0) {
		err = set_mtime(p, path.buf);
	} else if (!err) {
		char old[4096];
		ssize_t n;
		if (errno != EEXIST)
			err = al_diag_set(p->d, AL_EIO, "cannot create symlink '%s': %s", path.buf,
			                  strerror(errno));
		else if ((n = readlink(path.buf, old, sizeof(old))) < 0 || (size_t)n != strlen(target) ||
		         memcmp(old, target, (size_t)n))
			err = al_diag_set(p->d, AL_ECONFLICT, "'%s' is published twice with different "
			                  "content", rel_link);
	}
	al_buf_release(&path);
	return err;
}

/* The plain tree of a repo: DIR/models/<repo>, or DIR/models/<repo>@<revision>
 * for the further commits of a repo published more than once (the first one
 * in the locks' order owns the plain path; its own commit goes there too). */
static al_err tree_dir(struct al_lock *const *locks, size_t nlocks, const struct al_lock_repo *r,
                       const char *kind, struct al_buf *out)
{
	size_t i, k;
	const char *c;

	if (al_buf_addf(out, "%s/%s", kind, r->repo))
		return AL_ENOMEM;
	for (i = 0; i < nlocks; i++)
		for (k = 0; k < locks[i]->nrepos; k++) {
			const struct al_lock_repo *o = &locks[i]->repos[k];
			if (o == r)
				return AL_OK;
			if (strcmp(o->type, r->type) || strcmp(o->repo, r->repo))
				continue;
			if (!strcmp(o->commit, r->commit))
				return AL_OK; /* the first one with this name gets the plain path */
			if (al_buf_addch(out, '@'))
				return AL_ENOMEM;
			for (c = r->revision ? r->revision : r->commit; *c; c++)
				if ((*c == '/' ? al_buf_addstr(out, "--") : al_buf_addch(out, *c)))
					return AL_ENOMEM;
			return AL_OK;
		}
	return AL_OK;
}

al_err al_publish_tree_dir(struct al_lock *const *locks, size_t nlocks, const struct al_lock_repo *r,
                           const char *kind, struct al_buf *out)
{
	return tree_dir(locks, nlocks, r, kind, out);
}

/* Over 80 lines: one repo's part of the tree in order: the
 * snapshot files (links or copies), the refs, the API record serve answers;
 * they share the folder, the relative-link target and the siblings list. */
static al_err publish_repo(struct pub *p, const struct al_lock_repo *r, json_t *api)
{
	struct al_buf rel = AL_BUF_INIT, folder = AL_BUF_INIT, target = AL_BUF_INIT;
	const char *kind = !strcmp(r->type, "dataset") ? "datasets" : "models";
	json_t *siblings = json_array(), *commits, *refs;
	al_err err = AL_OK;
	const char *c;
	size_t i;

	if (!siblings || al_buf_addf(&folder, "hf/hub/%s--", kind))
		goto oom;
	for (c = r->repo; *c; c++)
		if ((*c == '/' ? al_buf_addstr(&folder, "--") : al_buf_addch(&folder, *c)))
			goto oom;
	for (i = 0; i < r->nfiles; i++) {
		const struct al_lock_file *f = &r->files[i];
		char etag[AL_SHA256_HEX], blobid[AL_SHA1_HEX];
		size_t depth = 0;
		const char *s;
		json_t *sib;

		/* the plain tree */
		al_buf_reset(&rel);
		if (tree_dir(p->locks, p->nlocks, r, kind, &rel) || al_buf_addf(&rel, "/%s", f->path))
			goto oom;
		if ((err = place_blob(p, f->sha256, rel.buf)))
			goto out;
		/* the cache: blobs/<etag>, snapshots/<commit>/<path> -> ../../blobs/<etag> */
		if (f->git_sha1)
			snprintf(blobid, sizeof(blobid), "%s", f->git_sha1);
		else if (f->lfs)
			lfs_pointer_sha1(f, blobid);
		else if ((err = git_sha1_of_blob(p, f->sha256, (uint64_t)f->size, blobid)))
			goto out;
		snprintf(etag, sizeof(etag), "%s", f->lfs ? f->sha256 : blobid);
		al_buf_reset(&rel);
		if (al_buf_addf(&rel, "%s/blobs/%s", folder.buf, etag))
			goto oom;
		if ((err = place_blob(p, f->sha256, rel.buf)))
			goto out;
		al_buf_reset(&rel);
		if (al_buf_addf(&rel, "%s/snapshots/%s/%s", folder.buf, r->commit, f->path))
			goto oom;
		if (p->o->no_symlinks) {
			if ((err = place_blob(p, f->sha256, rel.buf)))
				goto out;
		} else {
			for (s = f->path; *s; s++)
				depth += *s == '/';
			al_buf_reset(&target);
			for (; depth; depth--)
				if (al_buf_addstr(&target, "../"))
					goto oom;
			if (al_buf_addf(&target, "../../blobs/%s", etag))
				goto oom;
			if ((err = symlink_rel(p, rel.buf, target.buf)))
				goto out;
		}
		sib = json_pack("{s:s, s:I, s:s}", "rfilename", f->path, "size", (json_int_t)f->size,
		                "blobId", blobid);
		if (al_json_push(siblings, sib) || al_json_set(sib, "sha256", json_string(f->sha256)))
			goto oom;
		if (f->lfs && al_json_set(sib, "lfs", json_pack("{s:s, s:I, s:i}", "sha256", f->sha256,
		                                                "size", (json_int_t)f->size,
		                                                "pointerSize", 134)))
			goto oom;
		p->sum->files++;
	}
	/* refs/<revision> holds the commit, no newline (not for a commit asked by id);
	 * the first bundle in the publish order that pins a revision name owns it */
	refs = json_object_get(api, "refs");
	if (r->revision && strcmp(r->revision, r->commit) && !json_object_get(refs, r->revision)) {
		al_buf_reset(&rel);
		if (!al_path_safe(r->revision))
			goto skip_ref;
		if (al_buf_addf(&rel, "%s/refs/%s", folder.buf, r->revision))
			goto oom;
		if ((err = write_text(p, rel.buf, r->commit, 40)))
			goto out;
	}
skip_ref:
	/* what serve answers: refs and per-commit siblings */
	commits = json_object_get(api, "commits");
	err = al_json_set(commits, r->commit, siblings);
	siblings = NULL;
	if (!err && r->revision && !json_object_get(refs, r->revision))
		err = al_json_set(refs, r->revision, json_string(r->commit));
	if (err)
		goto oom;
	p->sum->repos++;
	goto out;
oom:
	err = al_oom(p->d);
out:
	json_decref(siblings);
	al_buf_release(&rel);
	al_buf_release(&folder);
	al_buf_release(&target);
	return err;
}

static al_err catalog_write(void *ctx, const char *rel, const char *text, size_t len);

static al_err publish_hub(struct pub *p)
{
	struct al_buf map = AL_BUF_INIT, final = AL_BUF_INIT;
	json_t *back = NULL;
	json_t *apis = json_object(); /* "type/repo" -> {type, id, refs, commits} */
	const char *key;
	json_t *api;
	al_err err = AL_OK;
	size_t i, j;

	if (!apis || al_buf_addstr(&map, "# resolve URL -> \"commit etag linked-size blob\" "
	                                 "(airlock publish, for nginx)\n")) {
		json_decref(apis);
		return al_oom(p->d);
	}
	for (i = 0; i < p->nlocks && !err; i++)
		for (j = 0; j < p->locks[i]->nrepos && !err; j++) {
			const struct al_lock_repo *r = &p->locks[i]->repos[j];
			struct al_buf k = AL_BUF_INIT;
			if (al_buf_addf(&k, "%s/%s", r->type, r->repo)) {
				err = al_oom(p->d);
				break;
			}
			if (!(api = json_object_get(apis, k.buf))) {
				api = json_pack("{s:s, s:s, s:{}, s:{}}", "type", r->type, "id", r->repo, "refs",
				                "commits");
				if (al_json_set(apis, k.buf, api)) /* apis holds api, or freed it */
					api = NULL;
			}
			al_buf_release(&k);
			if (!api)
				err = al_oom(p->d);
			else
				err = publish_repo(p, r, api);
		}
	json_object_foreach(apis, key, api) {
		struct al_buf rel = AL_BUF_INIT;
		char *text;
		if (err)
			break;
		if (!(text = json_dumps(api, JSON_COMPACT | JSON_SORT_KEYS)) ||
		    al_buf_addf(&rel, "hf/api/%ss/%s/info.json", json_string_value(json_object_get(api, "type")),
		                json_string_value(json_object_get(api, "id")))) {
			free(text);
			err = al_oom(p->d);
			break;
		}
		err = write_text(p, rel.buf, text, strlen(text));
		/* the record as serve reads it back (its keys sorted), so that
		 * nginx's answers are serve's byte for byte */
		if (!err && !(back = json_loads(text, JSON_REJECT_DUPLICATES, NULL)))
			err = al_oom(p->d);
		if (!err)
			err = al_nginx_hub_repo(back, p->epoch, catalog_write, p, &map, p->d);
		json_decref(back);
		back = NULL;
		free(text);
		al_buf_release(&rel);
	}
	json_decref(apis);
	/* the resolve lines nginx's configuration includes */
	if (!err && !(err = al_nginx_map_finish(&map, &final, p->d)))
		err = write_text(p, "hf/nginx/resolve.map", final.buf ? final.buf : "", final.len);
	al_buf_release(&map);
	al_buf_release(&final);
	return err;
}

/* ---- the plan: every path publish creates, and its owner ------------------------------- */

/* What a published path is; two entries for one path are fine only when they
 * are the same path byte for byte, of the same kind, with the same content
 * (two bundles pinning the same wheel, or the same file of a repo commit). */
enum pkind {
	PK_FIXED,   /* simple/index.html, airlock-published.json: publish's own */
	PK_DIST,    /* wheels/<file> */
	PK_META,    /* wheels/<file>.metadata, derived from the wheel */
	PK_PAGE,    /* simple/<normalized name>/: one project */
	PK_REQ,     /* requirements/...: one target of one bundle */
	PK_TREE,    /* models/<repo>[@<rev>]/<path> */
	PK_CBLOB,   /* hf/hub/<folder>/blobs/<etag> */
	PK_SNAP,    /* hf/hub/<folder>/snapshots/<commit>/<path> */
	PK_REF,     /* hf/hub/<folder>/refs/<revision>: the first pin owns it */
	PK_INFO,    /* hf/api/<type>s/<repo>/info.json */
	PK_CATALOG, /* catalog/...: the page of one bundle, project or repo */
};

struct pent {
	char *path;
	enum pkind kind;
	const char *content;        /* a sha256, a name; NULL: must be unique */
	const struct al_lock *l;
	const char *what, *sub;     /* file name, project, target or repo; a repo file */
};

struct plan {
	struct pent *v;
	size_t n, alloc;
	struct al_diag *d;
};

static al_err plan_add(struct plan *pl, enum pkind kind, const char *content, const struct al_lock *l,
                       const char *what, const char *sub, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
static al_err plan_add(struct plan *pl, enum pkind kind, const char *content, const struct al_lock *l,
                       const char *what, const char *sub, const char *fmt, ...)
{
	struct al_buf b = AL_BUF_INIT;
	va_list ap;
	al_err err;

	va_start(ap, fmt);
	err = al_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	if (err || AL_GROW(pl->v, pl->alloc, pl->n + 1)) {
		al_buf_release(&b);
		return al_oom(pl->d);
	}
	pl->v[pl->n++] = (struct pent){ al_buf_detach(&b, NULL), kind, content, l, what, sub };
	return AL_OK;
}

static void plan_release(struct plan *pl)
{
	size_t i;

	for (i = 0; i < pl->n; i++)
		al_free(pl->v[i].path);
	al_free(pl->v);
}

static al_err plan_repo(struct plan *pl, struct al_lock *const *locks, size_t n,
                        const struct al_lock *l, const struct al_lock_repo *r)
{
	const char *kind = !strcmp(r->type, "dataset") ? "datasets" : "models", *c;
	struct al_buf dir = AL_BUF_INIT, folder = AL_BUF_INIT;
	al_err err = AL_OK;
	size_t i;

	if (tree_dir(locks, n, r, kind, &dir) || al_buf_addf(&folder, "hf/hub/%s--", kind))
		goto oom;
	for (c = r->repo; *c; c++)
		if ((*c == '/' ? al_buf_addstr(&folder, "--") : al_buf_addch(&folder, *c)))
			goto oom;
	for (i = 0; i < r->nfiles && !err; i++) {
		const struct al_lock_file *f = &r->files[i];
		/* a regular file without a git blob id in the lock is stored under the
		 * id publish computes from its content: a name of its own here */
		if ((err = plan_add(pl, PK_TREE, f->sha256, l, r->repo, f->path, "%s/%s", dir.buf,
		                    f->path)) ||
		    (err = plan_add(pl, PK_CBLOB, f->sha256, l, r->repo, f->path, "%s/blobs/%s%s",
		                    folder.buf, f->lfs || f->git_sha1 ? "" : "git-blob-of-",
		                    f->lfs ? f->sha256 : f->git_sha1 ? f->git_sha1 : f->sha256)) ||
		    (err = plan_add(pl, PK_SNAP, f->sha256, l, r->repo, f->path, "%s/snapshots/%s/%s",
		                    folder.buf, r->commit, f->path)))
			goto out;
	}
	if (r->revision && strcmp(r->revision, r->commit) && al_path_safe(r->revision) &&
	    (err = plan_add(pl, PK_REF, r->commit, l, r->repo, r->revision, "%s/refs/%s", folder.buf,
	                    r->revision)))
		goto out;
	err = plan_add(pl, PK_INFO, r->repo, l, r->repo, NULL, "hf/api/%ss/%s/info.json", r->type,
	               r->repo);
	goto out;
oom:
	err = al_oom(pl->d);
out:
	al_buf_release(&dir);
	al_buf_release(&folder);
	return err;
}

static al_err plan_catalog(void *ctx, const char *key, const char *path)
{
	return plan_add(ctx, PK_CATALOG, key, NULL, key, NULL, "%s", path);
}

/* Every path publishing these locks in this order creates. */
static al_err plan_build(struct plan *pl, struct al_lock *const *locks, size_t n)
{
	size_t i, j, k;
	al_err err;

	if ((err = plan_add(pl, PK_FIXED, NULL, NULL, NULL, NULL, "simple/index.html")) ||
	    (err = plan_add(pl, PK_FIXED, NULL, NULL, NULL, NULL, "airlock-published.json")) ||
	    (err = plan_add(pl, PK_FIXED, NULL, NULL, NULL, NULL, "index.html")) ||
	    (err = plan_add(pl, PK_FIXED, NULL, NULL, NULL, NULL, "catalog/index.json")))
		return err;
	if (al_catalog_paths(locks, n, plan_catalog, pl))
		return al_oom(pl->d);
	for (i = 0; i < n; i++) {
		const struct al_lock *l = locks[i];
		for (j = 0; j < l->ntargets; j++) {
			const struct al_lock_target *t = &l->targets[j];
			const char *pre = n > 1 ? l->bundle : "", *at = n > 1 ? "@" : "";
			if ((err = plan_add(pl, PK_REQ, NULL, l, t->name, NULL, "requirements/%s%s%s.txt", pre,
			                    at, t->name)) ||
			    (err = plan_add(pl, PK_REQ, NULL, l, t->name, NULL,
			                    "requirements/%s%s%s.pylock.toml", pre, at, t->name)))
				return err;
			for (k = 0; k < t->ndists + t->nbuild_dists; k++) {
				const struct al_lock_dist *x = k < t->ndists ? &t->dists[k]
				                                             : &t->build_dists[k - t->ndists];
				char *norm = al_name_normalize(x->name);
				if (!norm)
					return al_oom(pl->d);
				err = plan_add(pl, PK_DIST, x->sha256, l, x->filename, NULL, "wheels/%s",
				               x->filename);
				if (!err && is_wheel(x->filename))
					err = plan_add(pl, PK_META, x->sha256, l, x->filename, NULL,
					               "wheels/%s.metadata", x->filename);
				if (!err)
					err = plan_add(pl, PK_PAGE, x->name, l, x->name, NULL, "simple/%s/index.html",
					               norm);
				al_free(norm);
				if (err)
					return err;
			}
		}
		for (j = 0; j < l->nrepos; j++)
			if ((err = plan_repo(pl, locks, n, l, &l->repos[j])))
				return err;
	}
	return AL_OK;
}

static int cmp_pent(const void *a, const void *b)
{
	const struct pent *x = a, *y = b;
	int c = strcasecmp(x->path, y->path);

	return c ? c : strcmp(x->path, y->path);
}

/* "the wheel 'x.whl' of bundle 'b'" and the like, for messages. */
static void describe(const struct pent *e, char *out, size_t size)
{
	const char *b = e->l ? e->l->bundle : "";

	switch (e->kind) {
	case PK_FIXED:
		snprintf(out, size, "airlock's own file");
		break;
	case PK_DIST:
		snprintf(out, size, "the distribution '%s' of bundle '%s'", e->what, b);
		break;
	case PK_META:
		snprintf(out, size, "the metadata sidecar of '%s' (bundle '%s')", e->what, b);
		break;
	case PK_PAGE:
		snprintf(out, size, "the index page of project '%s' (bundle '%s')", e->what, b);
		break;
	case PK_REQ:
		snprintf(out, size, "the requirements of target '%s' (bundle '%s')", e->what, b);
		break;
	case PK_REF:
		snprintf(out, size, "the revision '%s' of repo '%s' (bundle '%s')", e->sub, e->what, b);
		break;
	case PK_INFO:
		snprintf(out, size, "the Hub API file of repo '%s' (bundle '%s')", e->what, b);
		break;
	case PK_CATALOG:
		snprintf(out, size, "the catalog page of '%s'", e->what);
		break;
	default:
		snprintf(out, size, "the file '%s' of repo '%s' (bundle '%s')", e->sub, e->what, b);
		break;
	}
}

al_err al_publish_plan_check(struct al_lock *const *locks, size_t n, struct al_diag *d)
{
	struct plan pl = { .d = d };
	char a[600], b[600];
	al_err err;
	size_t i;

	if ((err = plan_build(&pl, locks, n)))
		goto out;
	if (pl.n)
		qsort(pl.v, pl.n, sizeof(*pl.v), cmp_pent);
	/* one owner per path; paths that differ only in case are the same path
	 * (pip, the Hub and case-insensitive file systems a tree is copied to) */
	for (i = 1; i < pl.n; i++) {
		const struct pent *x = &pl.v[i - 1], *y = &pl.v[i];
		if (strcasecmp(x->path, y->path))
			continue;
		if (!strcmp(x->path, y->path) && x->kind == y->kind &&
		    (x->kind == PK_REF || (x->content && y->content && !strcmp(x->content, y->content))))
			continue;
		describe(x, a, sizeof(a));
		describe(y, b, sizeof(b));
		err = al_diag_set(d, AL_ECONFLICT, "'%s' would be published twice: %s and %s%s",
		                  y->path, a, b, strcmp(x->path, y->path) ? " (paths that differ only "
		                  "in case are one path)" : "");
		goto out;
	}
	/* and no path is a directory of another */
	for (i = 0; i < pl.n; i++) {
		const char *s;
		for (s = strchr(pl.v[i].path, '/'); s; s = strchr(s + 1, '/')) {
			struct pent key = { 0 }, *hit;
			if (!(key.path = al_strndup(pl.v[i].path, (size_t)(s - pl.v[i].path)))) {
				err = al_oom(d);
				goto out;
			}
			hit = bsearch(&key, pl.v, pl.n, sizeof(*pl.v), cmp_pent);
			if (!hit) { /* a case variant sorts next to it */
				size_t lo = 0, hi = pl.n;
				while (lo < hi) {
					size_t mid = (lo + hi) / 2;
					if (strcasecmp(pl.v[mid].path, key.path) < 0)
						lo = mid + 1;
					else
						hi = mid;
				}
				hit = lo < pl.n && !strcasecmp(pl.v[lo].path, key.path) ? &pl.v[lo] : NULL;
			}
			al_free(key.path);
			if (hit) {
				describe(hit, a, sizeof(a));
				describe(&pl.v[i], b, sizeof(b));
				err = al_diag_set(d, AL_ECONFLICT, "'%s' would be published both as a file (%s) "
				                  "and as a directory (of %s)", hit->path, a, b);
				goto out;
			}
		}
	}
out:
	plan_release(&pl);
	return err;
}

/* ---- generations and the switch -------------------------------------------------------- */

/* DIR's parent, DIR's base name, and the generations directory beside it. */
static al_err split_out(const char *out, char **parent, char **base, char **gens, struct al_diag *d)
{
	char *copy = al_strdup(out), *slash;
	struct al_buf g = AL_BUF_INIT;

	*parent = *base = *gens = NULL;
	if (!copy)
		return al_oom(d);
	while (strlen(copy) > 1 && copy[strlen(copy) - 1] == '/')
		copy[strlen(copy) - 1] = '\0';
	slash = strrchr(copy, '/');
	*parent = slash ? (slash == copy ? al_strdup("/") : al_strndup(copy, (size_t)(slash - copy)))
	                : al_strdup(".");
	*base = al_strdup(slash ? slash + 1 : copy);
	al_free(copy);
	if (!*parent || !*base || !**base || !strcmp(*base, ".") || !strcmp(*base, "..") ||
	    al_buf_addf(&g, "%s/.%s.airlock", *parent, *base)) {
		al_free(*parent);
		al_free(*base);
		al_buf_release(&g);
		*parent = *base = NULL;
		return al_diag_set(d, AL_EUSAGE, "bad output directory '%s'", out);
	}
	*gens = al_buf_detach(&g, NULL);
	return AL_OK;
}

/* Phase 1: DIR must be ours (a symlink into the generations), absent, or an
 * empty directory (removed, so the link can take its name). */
static al_err publish_check_out(const char *out, const char *dirpath, struct al_diag *d)
{
	struct stat st;

	if (lstat(dirpath, &st) < 0)
		return AL_OK;
	if (S_ISDIR(st.st_mode)) {
		if (rmdir(dirpath) < 0)
			return al_diag_set(d, AL_EUSAGE, "'%s' exists and is not an airlock publish tree "
			                   "(publish replaces it with a link to a generation)", out);
	} else if (!S_ISLNK(st.st_mode)) {
		return al_diag_set(d, AL_EUSAGE, "'%s' exists and is not a directory", out);
	}
	return AL_OK;
}

/* Phase 2: the bundles to publish (those asked for, else all), checked for
 * paths with two owners. */
static al_err publish_load(struct pub *p, char ***names, size_t *nnames)
{
	const struct al_publish_opts *o = p->o;
	size_t i, n = o->nbundles, alloc = 0;
	al_err err;

	if (!n) {
		if ((err = al_bundle_names(p->s, names, nnames, p->d)))
			return err;
		if (!*nnames)
			return al_diag_set(p->d, AL_ENOTFOUND, "the store has no bundles to publish");
		n = *nnames;
	}
	if (AL_GROW(p->locks, alloc, n))
		return al_oom(p->d);
	for (i = 0; i < n; i++) {
		p->locks[i] = NULL;
		if ((err = al_bundle_get(p->s, o->nbundles ? o->bundles[i] : (*names)[i], &p->locks[i],
		                         p->d)))
			return err;
		p->nlocks++;
	}
	/* the store's bundles were checked at import; a store an older airlock
	 * filled may still hold colliding ones */
	return al_publish_plan_check(p->locks, p->nlocks, p->d);
}

/* Phase 2b: the epoch: the newest accepted import of a published bundle
 * (the ledger's date), so that replicas importing the same media agree;
 * when no bundle was imported (made in this store), SOURCE_DATE_EPOCH, else
 * the newest date a published bundle's lock was recorded (al_bundle_updated),
 * so a rerun over the same store gives the same bytes. */
struct epoch_pick {
	struct pub *p;
	int64_t newest;
};

static bool ledger_names(const char *field, const char *b);

static void epoch_pick(void *ctx, const struct al_ledger_entry *e)
{
	struct epoch_pick *ep = ctx;
	size_t i;

	if (!e->accepted || !e->bundle)
		return;
	for (i = 0; i < ep->p->nlocks; i++)
		if (ledger_names(e->bundle, ep->p->locks[i]->bundle) && e->at > ep->newest)
			ep->newest = e->at;
}

static al_err publish_epoch(struct pub *p)
{
	struct epoch_pick ep = { p, -1 };
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	char *end = NULL;
	long long v = sde && *sde ? strtoll(sde, &end, 10) : -1;
	al_err err;
	size_t i;

	if ((err = al_ledger_list(p->s, epoch_pick, &ep, p->d)))
		return err;
	if (ep.newest < 0 && end && !*end && v >= 0) {
		/* reproducible-builds.org's variable, for bundles made in this store */
		ep.newest = v;
	} else if (ep.newest < 0) {
		/* else when their locks were recorded: the same store, the same tree */
		for (i = 0; i < p->nlocks; i++) {
			int64_t at;
			bool found;
			if ((err = al_bundle_updated(p->s, p->locks[i]->bundle, &at, &found, p->d)))
				return err;
			if (found && at > ep.newest)
				ep.newest = at;
		}
	}
	p->epoch = ep.newest >= 0 ? (time_t)ep.newest : time(NULL);
	return AL_OK;
}

/* Phase 3: a new, empty generation directory under gens, with a name no
 * other generation has (the live one included: two publishes in one second
 * by one process must not reuse it). */
static al_err publish_new_generation(struct pub *p, const char *gens, char *genname, size_t size)
{
	unsigned n;
	al_err err;

	if ((err = al_mkdir_p(gens, 0755, p->d)))
		return err;
	for (n = 0; n < 1000; n++) {
		snprintf(genname, size, "gen-%lld-%ld-%u", (long long)time(NULL), (long)getpid(), n);
		al_free(p->gen);
		if (!(p->gen = al_path_join(gens, genname)))
			return al_oom(p->d);
		if (mkdir(p->gen, 0755) == 0)
			return AL_OK;
		if (errno != EEXIST)
			break;
	}
	err = al_diag_set(p->d, AL_EIO, "cannot make a new generation in '%s': %s", gens,
	                  strerror(errno));
	al_free(p->gen);
	p->gen = NULL; /* not ours: never removed */
	return err;
}

/* Phase 3b: DIR/sbom/<bundle>.cdx.json: the SBOM the bundle's medium carried
 * (signed, kept by import), else one made from the lock and the store. */
static al_err publish_sboms(struct pub *p)
{
	struct al_sbom_opts so = { p->s, -1, NULL, NULL, NULL };
	struct al_buf rel = AL_BUF_INIT;
	char hex[AL_SHA256_HEX], *text = NULL;
	size_t i, len = 0;
	bool found;
	al_err err = AL_OK;

	for (i = 0; i < p->nlocks && !err; i++) {
		al_buf_reset(&rel);
		if (al_buf_addf(&rel, "sbom/%s.cdx.json", p->locks[i]->bundle)) {
			err = al_oom(p->d);
			break;
		}
		if ((err = al_bundle_sbom(p->s, p->locks[i]->bundle, hex, &found, p->d)))
			break;
		if (found) {
			err = place_blob(p, hex, rel.buf);
			continue;
		}
		if (!(err = al_sbom_build(p->locks[i], &so, &text, &len, p->d)))
			err = write_text(p, rel.buf, text, len);
		al_free(text);
		text = NULL;
	}
	al_buf_release(&rel);
	return err;
}

/* Phase 4: airlock-published.json names the bundles and the generation. */
/* Whether the ledger's bundle field (the media's bundles, comma-separated) names b. */
static bool ledger_names(const char *field, const char *b)
{
	size_t n = strlen(b);

	for (const char *s = field; s; s = strchr(s, ',') ? strchr(s, ',') + 1 : NULL)
		if (!strncmp(s, b, n) && (s[n] == ',' || s[n] == '\0'))
			return true;
	return false;
}

/* What the ledger says about the bundles: each one's last accepted import. */
struct ledger_pick {
	struct pub *p;
	struct al_catalog_import *im;
	char **media;
	bool oom;
};

static void ledger_pick(void *ctx, const struct al_ledger_entry *e)
{
	struct ledger_pick *lp = ctx;
	size_t i;

	if (!e->accepted || !e->bundle)
		return;
	for (i = 0; i < lp->p->nlocks; i++) {
		if (!ledger_names(e->bundle, lp->p->locks[i]->bundle))
			continue;
		lp->im[i].seq = e->seq;
		lp->im[i].at = e->at;
		al_free(lp->media[i]);
		lp->media[i] = e->media_id ? al_strdup(e->media_id) : NULL;
		lp->oom |= e->media_id && !lp->media[i];
		lp->im[i].media_id = lp->media[i];
	}
}

static al_err catalog_write(void *ctx, const char *rel, const char *text, size_t len)
{
	return write_text(ctx, rel, text, len);
}

/* Phase 4: the catalog (mirror/catalog.c), from the locks, the ledger and
 * the tree as built so far (an SBOM is linked when the tree holds it).
 * Nothing from the clock, and not DIR's path either: the same store and
 * bundles give the same bytes wherever the tree is published (a replica, a
 * rerun after a crash); a page opened as a file fills in its directory. */
static al_err publish_catalog(struct pub *p)
{
	struct al_catalog_import *im = al_calloc(p->nlocks ? p->nlocks : 1, sizeof(*im));
	char **media = al_calloc(p->nlocks ? p->nlocks : 1, sizeof(*media));
	struct ledger_pick lp = { p, im, media, false };
	struct al_buf sbom = AL_BUF_INIT;
	struct al_catalog c = { .locks = p->locks, .nlocks = p->nlocks, .imports = im,
	                        .write = catalog_write, .ctx = p };
	struct stat st;
	al_err err;
	size_t i;

	if (!im || !media) {
		err = al_oom(p->d);
		goto out;
	}
	for (i = 0; i < p->nlocks; i++)
		im[i].seq = -1;
	if ((err = al_ledger_list(p->s, ledger_pick, &lp, p->d)))
		goto out;
	for (i = 0; i < p->nlocks && !lp.oom; i++) {
		al_buf_reset(&sbom);
		lp.oom = al_buf_addf(&sbom, "%s/sbom/%s.cdx.json", p->gen, p->locks[i]->bundle) != AL_OK;
		im[i].sbom = !lp.oom && lstat(sbom.buf, &st) == 0 && S_ISREG(st.st_mode);
	}
	if (lp.oom) {
		err = al_oom(p->d);
		goto out;
	}
	err = al_catalog_write(&c, p->d);
out:
	for (i = 0; media && i < p->nlocks; i++)
		al_free(media[i]);
	al_free(media);
	al_free(im);
	al_buf_release(&sbom);
	return err;
}

/* Phase 5: airlock-published.json names the bundles and the publish's date
 * (its epoch). */
static al_err publish_info(struct pub *p, const char *genname)
{
	struct al_buf info = AL_BUF_INIT;
	size_t i;
	al_err err = al_buf_addstr(&info, "{\"bundles\": [");

	for (i = 0; i < p->nlocks && !err; i++)
		err = al_buf_addf(&info, "%s\"%s\"", i ? ", " : "", p->locks[i]->bundle);
	struct tm tm;
	char date[32];

	(void)genname; /* not in the tree: replicas of one store must agree byte for byte */
	gmtime_r(&p->epoch, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (err || al_buf_addf(&info, "], \"date\": \"%s\"}\n", date))
		err = al_oom(p->d);
	else
		err = write_text(p, "airlock-published.json", info.buf, info.len);
	al_buf_release(&info);
	return err;
}

/* Phase 6: the new tree reaches the disk before DIR names it: else power loss
 * after the switch could leave copied files and pages empty. */
static al_err publish_sync(struct pub *p)
{
	int gfd = open(p->gen, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	al_err err = AL_OK;

	if (gfd < 0 || syncfs(gfd) < 0)
		err = al_diag_set(p->d, errno == ENOSPC || errno == EDQUOT ? AL_ENOSPACE : AL_EIO,
		                  "cannot sync '%s': %s", p->gen, strerror(errno));
	if (gfd >= 0)
		close(gfd);
	return err;
}

/* Phase 7: the switch, a new symlink renamed over DIR. */
static al_err publish_switch(struct pub *p, const char *parent, const char *base,
                             const char *dirpath, const char *genname)
{
	struct al_buf target = AL_BUF_INIT, link_tmp = AL_BUF_INIT;
	al_err err = AL_OK;

	if (al_buf_addf(&target, ".%s.airlock/%s", base, genname) ||
	    al_buf_addf(&link_tmp, "%s/.%s.airlock/link-%ld", parent, base, (long)getpid())) {
		err = al_oom(p->d);
		goto out;
	}
	unlink(link_tmp.buf);
	if (symlink(target.buf, link_tmp.buf) < 0 || rename(link_tmp.buf, dirpath) < 0) {
		err = al_diag_set(p->d, AL_EIO, "cannot switch '%s' to the new tree: %s", p->o->out_dir,
		                  strerror(errno));
		unlink(link_tmp.buf);
		goto out;
	}
	/* the switch happened; a failed directory sync only leaves it less durable */
	al_ignore(al_fsync_dir(parent, NULL));
out:
	al_buf_release(&target);
	al_buf_release(&link_tmp);
	return err;
}

/* Phase 8: older generations go, and links an interrupted switch left. */
static void publish_prune(const char *gens, const char *genname)
{
	DIR *dh = opendir(gens);
	struct dirent *e;

	while (dh && (e = readdir(dh))) {
		char *c;
		if ((strncmp(e->d_name, "gen-", 4) && strncmp(e->d_name, "link-", 5)) ||
		    !strcmp(e->d_name, genname))
			continue;
		if ((c = al_path_join(gens, e->d_name))) {
			al_remove_tree(c);
			al_free(c);
		}
	}
	if (dh)
		closedir(dh);
}

al_err al_publish(struct al_store *s, const struct al_publish_opts *o,
                  struct al_publish_summary *sum, struct al_diag *d)
{
	struct pub p = { .s = s, .o = o, .sum = sum, .d = d };
	char *parent = NULL, *base = NULL, *gens = NULL, **names = NULL, genname[64];
	struct al_buf dirpath = AL_BUF_INIT;
	size_t nnames = 0, i;
	al_err err;

	memset(sum, 0, sizeof(*sum));
	if ((err = split_out(o->out_dir, &parent, &base, &gens, d)))
		return err;
	/* DIR without trailing slashes ("out/" would name the link's target, and
	 * a link cannot be renamed over it) */
	if (al_buf_addf(&dirpath, "%s/%s", strcmp(parent, "/") ? parent : "", base)) {
		err = al_oom(d);
		goto out;
	}
	if ((err = publish_check_out(o->out_dir, dirpath.buf, d)) ||
	    (err = publish_load(&p, &names, &nnames)) || (err = publish_epoch(&p)) ||
	    (err = publish_new_generation(&p, gens, genname, sizeof(genname))))
		goto out;
	if ((err = publish_python(&p)) || (err = publish_hub(&p)) || (err = publish_sboms(&p)) ||
	    (err = publish_catalog(&p)) || (err = publish_info(&p, genname)) ||
	    (err = publish_sync(&p)) || (err = publish_switch(&p, parent, base, dirpath.buf, genname))) {
		al_remove_tree(p.gen);
		goto out;
	}
	publish_prune(gens, genname);
out:
	for (i = 0; i < p.nlocks; i++)
		al_lock_free(p.locks[i]);
	al_free(p.locks);
	al_free(p.seen);
	al_strv_free(names, nnames);
	al_free(p.gen);
	al_free(parent);
	al_free(base);
	al_free(gens);
	al_buf_release(&dirpath);
	return err;
}

/* ---- verify --published: DIR against what the store publishes -------------------------- */

struct cmp {
	al_publish_diff_fn cb;
	void *ctx;
	size_t n;
	struct al_diag *d;
};

static void differs(struct cmp *c, const char *rel, const char *what)
{
	c->n++;
	if (c->cb)
		c->cb(c->ctx, *rel ? rel : ".", what);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names in dir (not "." or ".."); NULL on failure (errno). */
static char **names_of(const char *dir, size_t *n)
{
	DIR *dh = opendir(dir);
	char **v = NULL;
	size_t alloc = 0;
	struct dirent *e;

	*n = 0;
	if (!dh)
		return NULL;
	while ((e = readdir(dh))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (AL_GROW(v, alloc, *n + 1) || !(v[*n] = al_strdup(e->d_name))) {
			al_strv_free(v, *n);
			closedir(dh);
			errno = ENOMEM;
			return NULL;
		}
		(*n)++;
	}
	closedir(dh);
	if (!v && !(v = al_malloc(sizeof(*v)))) {
		errno = ENOMEM;
		return NULL;
	}
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_names);
	return v;
}

static bool same_bytes(const char *a, const char *b)
{
	char ba[65536], bb[65536];
	int fa = open(a, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), fb = open(b, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	bool same = fa >= 0 && fb >= 0;

	while (same) {
		ssize_t na = read(fa, ba, sizeof(ba)), nb = na > 0 ? read(fb, bb, (size_t)na) : 0;
		if (na < 0 || na != nb || (na > 0 && memcmp(ba, bb, (size_t)na)))
			same = false;
		if (na <= 0)
			break;
	}
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return same;
}

/* Over 80 lines: one folder of both trees, name by name in order: present
 * in one only, the type, a link's target, a file's size, bytes and mtime,
 * and the folders below; the walk's state is the two paths and rel. */
static al_err cmp_dir(struct cmp *c, const char *want, const char *got, const char *rel)
{
	size_t nw = 0, ng = 0, i = 0, j = 0;
	char **w = names_of(want, &nw), **g = names_of(got, &ng);
	al_err err = AL_OK;

	if (!w || !g) {
		err = errno == ENOMEM ? al_oom(c->d)
		                      : al_diag_set(c->d, AL_EIO, "cannot list '%s': %s", w ? got : want,
		                                    strerror(errno));
		goto out;
	}
	while (!err && (i < nw || j < ng)) {
		int k = i == nw ? 1 : j == ng ? -1 : strcmp(w[i], g[j]);
		const char *name = k <= 0 ? w[i] : g[j];
		struct al_buf r = AL_BUF_INIT, pw = AL_BUF_INIT, pg = AL_BUF_INIT;
		struct stat sw, sg;
		if (al_buf_addf(&r, "%s%s%s", rel, *rel ? "/" : "", name) ||
		    al_buf_addf(&pw, "%s/%s", want, name) || al_buf_addf(&pg, "%s/%s", got, name)) {
			err = al_oom(c->d);
		} else if (k < 0) {
			differs(c, r.buf, "missing from the tree");
		} else if (k > 0) {
			differs(c, r.buf, "not published from the store");
		} else if (lstat(pw.buf, &sw) < 0 || lstat(pg.buf, &sg) < 0) {
			err = al_diag_set(c->d, AL_EIO, "cannot stat '%s': %s", pg.buf, strerror(errno));
		} else if ((sw.st_mode & S_IFMT) != (sg.st_mode & S_IFMT)) {
			differs(c, r.buf, "a different kind of file");
		} else if (S_ISDIR(sw.st_mode)) {
			err = cmp_dir(c, pw.buf, pg.buf, r.buf);
		} else if (S_ISLNK(sw.st_mode)) {
			char lw[4096], lg[4096];
			ssize_t a = readlink(pw.buf, lw, sizeof(lw)), b = readlink(pg.buf, lg, sizeof(lg));
			if (a < 0 || a != b || memcmp(lw, lg, (size_t)a))
				differs(c, r.buf, "a link to somewhere else");
		} else if (!S_ISREG(sw.st_mode)) {
			differs(c, r.buf, "not a regular file");
		} else if (sw.st_size != sg.st_size) {
			differs(c, r.buf, "a different size");
		} else if ((sw.st_dev != sg.st_dev || sw.st_ino != sg.st_ino) && !same_bytes(pw.buf, pg.buf)) {
			differs(c, r.buf, "different bytes");
		} else if (sw.st_mtime != sg.st_mtime && sw.st_nlink == 1) {
			/* a blob linked from the store (more than one link) has the
			 * store's date, which differs from store to store: its bytes
			 * are what is compared (docs/decisions/0058) */
			differs(c, r.buf, "a different mtime");
		}
		al_buf_release(&r);
		al_buf_release(&pw);
		al_buf_release(&pg);
		if (k <= 0)
			i++;
		if (k >= 0)
			j++;
	}
out:
	if (w)
		al_strv_free(w, nw);
	if (g)
		al_strv_free(g, ng);
	return err;
}

/* The bundles DIR's airlock-published.json names, in order. */
static al_err published_bundles(const char *dirpath, char ***names, size_t *n, time_t *date,
                                 struct al_diag *d)
{
	const char *ds;
	struct tm tm;
	struct al_buf path = AL_BUF_INIT, text = AL_BUF_INIT;
	json_t *j = NULL, *b, *v;
	size_t i, alloc = 0;
	al_err err;

	*names = NULL;
	*n = 0;
	if (al_buf_addf(&path, "%s/airlock-published.json", dirpath))
		return al_oom(d);
	if ((err = al_buf_read_file(&text, path.buf, 1 << 20, d)))
		goto out;
	j = json_loadb(text.buf, text.len, 0, NULL);
	if (!json_is_array(b = json_object_get(j, "bundles"))) {
		err = al_diag_set(d, AL_EINVALID, "'%s' names no bundles: not a published tree", path.buf);
		goto out;
	}
	memset(&tm, 0, sizeof(tm));
	if ((ds = json_string_value(json_object_get(j, "date"))) && strlen(ds) == 20 &&
	    (ds = strptime(ds, "%Y-%m-%dT%H:%M:%SZ", &tm)) && !*ds)
		*date = timegm(&tm);
	json_array_foreach(b, i, v) {
		if (!json_is_string(v)) {
			err = al_diag_set(d, AL_EINVALID, "'%s' names a bundle that is not a string", path.buf);
			goto out;
		}
		if (AL_GROW(*names, alloc, *n + 1) || !((*names)[*n] = al_strdup(json_string_value(v)))) {
			err = al_oom(d);
			goto out;
		}
		(*n)++;
	}
out:
	json_decref(j);
	al_buf_release(&path);
	al_buf_release(&text);
	return err;
}

al_err al_publish_verify(struct al_store *s, const char *dir, bool no_symlinks, al_publish_diff_fn cb,
                         void *ctx, size_t *ndiff, struct al_diag *d)
{
	struct al_publish_opts o = { .out_dir = dir, .no_symlinks = no_symlinks };
	struct al_publish_summary sum;
	struct pub p = { .s = s, .o = &o, .sum = &sum, .d = d };
	struct cmp c = { cb, ctx, 0, d };
	char *parent = NULL, *base = NULL, *gens = NULL, **names = NULL, *live = NULL;
	struct al_buf dirpath = AL_BUF_INIT;
	size_t nnames = 0, i;
	time_t date = -1;
	unsigned k;
	al_err err;

	*ndiff = 0;
	memset(&sum, 0, sizeof(sum));
	if ((err = split_out(dir, &parent, &base, &gens, d)))
		return err;
	if (al_buf_addf(&dirpath, "%s/%s", strcmp(parent, "/") ? parent : "", base)) {
		err = al_oom(d);
		goto out;
	}
	if (!(live = realpath(dirpath.buf, NULL))) {
		err = al_diag_set(d, AL_ENOTFOUND, "cannot resolve '%s': %s", dir, strerror(errno));
		goto out;
	}
	if ((err = published_bundles(dirpath.buf, &names, &nnames, &date, d)))
		goto out;
	if (!nnames) {
		err = al_diag_set(d, AL_EINVALID, "'%s' names no bundles: not a published tree", dir);
		goto out;
	}
	o.bundles = (const char *const *)names;
	o.nbundles = nnames;
	if ((err = publish_load(&p, NULL, NULL)) || (err = publish_epoch(&p)))
		goto out;
	/* DIR's own date when it names one: a tree of bundles made in this store
	 * was dated by the clock (or SOURCE_DATE_EPOCH) when it was published */
	if (date >= 0)
		p.epoch = date;
	/* a scratch generation beside the live one, named so that no publish prunes it */
	for (k = 0; k < 1000; k++) {
		char name[64];
		snprintf(name, sizeof(name), "verify-%ld-%u", (long)getpid(), k);
		al_free(p.gen);
		if (!(p.gen = al_path_join(gens, name))) {
			err = al_oom(d);
			goto out;
		}
		if (mkdir(p.gen, 0755) == 0)
			break;
		if (errno != EEXIST || k == 999) {
			err = al_diag_set(d, AL_EIO, "cannot make a scratch tree in '%s': %s", gens,
			                  strerror(errno));
			al_free(p.gen);
			p.gen = NULL;
			goto out;
		}
	}
	if (!(err = publish_python(&p)) && !(err = publish_hub(&p)) && !(err = publish_sboms(&p)) &&
	    !(err = publish_catalog(&p)) && !(err = publish_info(&p, "")))
		err = cmp_dir(&c, p.gen, live, "");
	al_remove_tree(p.gen);
	*ndiff = c.n;
out:
	for (i = 0; i < p.nlocks; i++)
		al_lock_free(p.locks[i]);
	al_free(p.locks);
	al_free(p.seen);
	al_strv_free(names, nnames);
	al_free(p.gen);
	al_free(parent);
	al_free(base);
	al_free(gens);
	free(live);
	al_buf_release(&dirpath);
	return err;
}
