/*
 * serve-files.c: the static files of `airlock serve` (docs/reference/serve.md):
 * /wheels/, /requirements/, /models/ and /datasets/, and every file the PEP
 * 503 pages and the Hub API answer with. It owns opening beneath the
 * request's generation (openat2 RESOLVE_BENEATH, or al_serve_open_walk
 * without it; only regular files), Range, ETag, Last-Modified and
 * conditional GET, the answer from the descriptor (sendfile by
 * libmicrohttpd), and the sorted directory listings.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/fsutil.h"
#include "core/mem.h"
#include "mirror/serve-internal.h"

int al_serve_range(const char *h, uint64_t size, uint64_t *first, uint64_t *last)
{
	const char *p, *dash, *end;
	uint64_t a, b;

	if (!h)
		return 0;
	while (*h == ' ' || *h == '\t')
		h++;
	if (strncasecmp(h, "bytes", 5))
		return 0;
	p = h + 5;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p++ != '=')
		return 0;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strchr(p, ','))
		return 0; /* several ranges: the whole file */
	end = p + strlen(p);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (!(dash = memchr(p, '-', (size_t)(end - p))))
		return 0;
	if (dash == p) { /* -N: the last N bytes */
		if (!serve_parse_u64(dash + 1, (size_t)(end - dash - 1), &b))
			return 0;
		if (b == 0 || size == 0)
			return -1;
		*first = b >= size ? 0 : size - b;
		*last = size - 1;
		return 1;
	}
	if (!serve_parse_u64(p, (size_t)(dash - p), &a))
		return 0;
	if (dash + 1 == end) {
		b = UINT64_MAX;
	} else if (!serve_parse_u64(dash + 1, (size_t)(end - dash - 1), &b) || b < a) {
		return 0;
	}
	if (a >= size)
		return -1;
	*first = a;
	*last = b >= size ? size - 1 : b;
	return 1;
}

/* Fallback when the kernel has no openat2 (or a seccomp filter refuses it):
 * walk rel one component at a time from dir, never following a symbolic link
 * by the kernel (O_NOFOLLOW). A link is read and spliced into the rest of the
 * path when it is relative; "..", from the path or from a link, pops a
 * directory and may not climb above dir. So, as with RESOLVE_BENEATH, the
 * Hub cache's ../../blobs/<etag> links work and nothing outside dir is ever
 * opened, not even to look at it. Only a directory or a regular file is
 * opened with flags (a FIFO or a device is never opened: ENXIO). */
#define WALK_LINKS 40

/* The symbolic link name in cur, relative, spliced into the path: *todo
 * becomes its target, '/', then what was left of *todo after pos. next is
 * scratch; target holds PATH_MAX bytes. 0, or an errno (EXDEV for an
 * absolute or empty link: outside dir by definition). */
static int splice_link(int cur, const char *name, char *target, struct al_buf *todo, size_t pos,
                       struct al_buf *next)
{
	ssize_t tl;

	if ((tl = readlinkat(cur, name, target, PATH_MAX)) < 0 || tl == PATH_MAX)
		return tl < 0 ? errno : ENAMETOOLONG;
	if (!tl || target[0] == '/')
		return EXDEV; /* absolute: outside dir by definition */
	/* the link's target, then what was left of the path */
	al_buf_reset(next);
	if (al_buf_add(next, target, (size_t)tl) || al_buf_addch(next, '/') ||
	    al_buf_add(next, todo->buf + pos, todo->len - pos) ||
	    (al_buf_reset(todo), al_buf_add(todo, next->buf, next->len)))
		return ENOMEM;
	return 0;
}

/* One loop over the components, about 95 lines: its state (the directories
 * held open, the links followed, the rest of the path) stays on one stack
 * frame so that every exit goes through `out`, which closes all of it.
 * Over 80 lines: the component-by-component O_NOFOLLOW walk,
 * with every refusal beside the step it guards; it is the security boundary
 * of serve and reads best unbroken.
 */
int al_serve_open_walk(int dir, const char *rel, int flags)
{
	int fds[SEGS_MAX + 1], n = 0, fd = -1, links = 0, err = 0;
	struct al_buf todo = AL_BUF_INIT, next = AL_BUF_INIT;
	char *target = NULL;
	size_t pos = 0;

	if (rel[0] == '/' || al_buf_addstr(&todo, rel) || !(target = al_malloc(PATH_MAX))) {
		err = rel[0] == '/' ? EXDEV : ENOMEM;
		goto out;
	}
	for (;;) {
		int cur = n ? fds[n - 1] : dir;
		const char *comp, *end;
		size_t clen;
		struct stat st;
		bool last;
		char name[NAME_MAX + 1];

		while (pos < todo.len && todo.buf[pos] == '/')
			pos++;
		if (pos == todo.len) { /* the path names a directory (or dir itself) */
			if ((fd = openat(cur, ".", flags | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW)) < 0)
				err = errno;
			goto out;
		}
		comp = todo.buf + pos;
		end = memchr(comp, '/', todo.len - pos);
		clen = end ? (size_t)(end - comp) : todo.len - pos;
		pos += clen;
		last = pos == todo.len || strspn(todo.buf + pos, "/") == todo.len - pos;
		if (clen > NAME_MAX) {
			err = ENAMETOOLONG;
			goto out;
		}
		memcpy(name, comp, clen);
		name[clen] = '\0';
		if (!strcmp(name, "."))
			continue;
		if (!strcmp(name, "..")) {
			if (!n) {
				err = EXDEV; /* above dir */
				goto out;
			}
			close(fds[--n]);
			continue;
		}
		if ((fd = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
			err = errno;
			goto out;
		}
		if (S_ISLNK(st.st_mode)) {
			close(fd);
			fd = -1;
			if (++links > WALK_LINKS) {
				err = ELOOP;
				goto out;
			}
			if ((err = splice_link(cur, name, target, &todo, pos, &next)))
				goto out;
			pos = 0;
			continue;
		}
		if (S_ISDIR(st.st_mode) && !last) {
			if (n == SEGS_MAX) {
				err = ENAMETOOLONG;
				goto out;
			}
			fds[n++] = fd;
			fd = -1;
			continue;
		}
		close(fd);
		fd = -1;
		if (!last) {
			err = ENOTDIR;
			goto out;
		}
		if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
			err = ENXIO; /* a FIFO, a socket or a device: never opened */
			goto out;
		}
		if ((fd = openat(cur, name, flags | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW)) < 0)
			err = errno;
		goto out;
	}
out:
	while (n)
		close(fds[--n]);
	al_buf_release(&todo);
	al_buf_release(&next);
	al_free(target);
	if (fd < 0)
		errno = err ? err : EIO;
	return fd;
}

/* Open rel beneath the generation directory; never resolves outside it. */
int serve_open_beneath(int dir, const char *rel, int flags)
{
	struct open_how how;
	long fd;

	memset(&how, 0, sizeof(how));
	how.flags = (uint64_t)(flags | O_CLOEXEC | O_NOCTTY);
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
	fd = syscall(SYS_openat2, dir, rel, &how, sizeof(how));
	if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
		return (int)fd;
	return al_serve_open_walk(dir, rel, flags);
}

static void http_date(time_t t, char out[64])
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
		                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, 64, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7], tm.tm_mday,
	         months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static const char *file_type(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (!dot)
		return CT_BIN;
	if (!strcmp(dot, ".txt") || !strcmp(dot, ".toml") || !strcmp(dot, ".metadata") ||
	    !strcmp(dot, ".md"))
		return CT_TEXT;
	if (!strcmp(dot, ".json"))
		return CT_JSON;
	if (!strcmp(dot, ".html"))
		return CT_HTML;
	return CT_BIN;
}

static bool etag_matches(const char *list, const char *etag)
{
	return !strcmp(list, "*") || strstr(list, etag) != NULL;
}

/* Bodies up to this size are read into memory and sent with their headers
 * (one that reads short, changed since its fstat, goes the fd path). */
#define SMALL_BODY ((size_t)16384)

/* Serve an open file (the descriptor is ours to close) with ETag,
 * Last-Modified, conditional GET and single byte ranges. etag: the bare
 * value to use, or NULL for one made from the file's identity. */
enum MHD_Result serve_fd(struct req *r, int fd, const char *ctype, const char *etag_in,
                                const char *const *extra)
{
	char small_buf[SMALL_BODY];
	char etag[160], lm[64], cr[96];
	const char *h, *ifr;
	struct MHD_Response *resp;
	uint64_t size, a = 0, b = 0, len;
	unsigned status = 200;
	struct stat st;
	int rng = 0;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return serve_text(r, 404, "not found");
	}
	size = (uint64_t)st.st_size;
	if (etag_in)
		snprintf(etag, sizeof(etag), "\"%s\"", etag_in);
	else
		snprintf(etag, sizeof(etag), "\"%llx-%llx-%llx\"", (unsigned long long)st.st_ino,
		         (unsigned long long)st.st_mtime, (unsigned long long)size);
	http_date(st.st_mtime, lm);
	if ((h = MHD_lookup_connection_value(r->c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH)) &&
	    etag_matches(h, etag)) {
		const char *hh[] = { MHD_HTTP_HEADER_ETAG, etag, NULL };
		close(fd);
		return serve_queue(r, MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT), 304,
		                   NULL, 0, hh);
	}
	if ((h = MHD_lookup_connection_value(r->c, MHD_HEADER_KIND, MHD_HTTP_HEADER_RANGE))) {
		ifr = MHD_lookup_connection_value(r->c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_RANGE);
		if (!ifr || !strcmp(ifr, etag) || !strcmp(ifr, lm))
			rng = al_serve_range(h, size, &a, &b);
	}
	if (rng < 0) {
		const char *hh[] = { MHD_HTTP_HEADER_CONTENT_RANGE, cr, MHD_HTTP_HEADER_ACCEPT_RANGES,
			             "bytes", MHD_HTTP_HEADER_ETAG, etag, NULL };
		close(fd);
		snprintf(cr, sizeof(cr), "bytes */%llu", (unsigned long long)size);
		return serve_queue(r, MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT), 416,
		                   CT_TEXT, 0, hh);
	}
	if (rng > 0) {
		len = b - a + 1;
		status = 206;
		snprintf(cr, sizeof(cr), "bytes %llu-%llu/%llu", (unsigned long long)a,
		         (unsigned long long)b, (unsigned long long)size);
		resp = MHD_create_response_from_fd_at_offset64(len, fd, a);
	} else if (size == 0) {
		len = 0;
		close(fd);
		fd = -1;
		resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	} else if (size <= SMALL_BODY && !al_pread_full(fd, small_buf, (size_t)size, 0)) {
		/* a page: read whole, so that it leaves with its headers in one
		 * send instead of a header write and a sendfile */
		len = size;
		close(fd);
		fd = -1;
		resp = MHD_create_response_from_buffer((size_t)size, small_buf, MHD_RESPMEM_MUST_COPY);
	} else {
		len = size;
		resp = MHD_create_response_from_fd64(size, fd);
	}
	if (!resp) {
		if (fd >= 0)
			close(fd);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_LAST_MODIFIED, lm);
	if (status == 206)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
	return serve_queue(r, resp, status, ctype, len, extra);
}

/* Open rel in the generation and serve it; 404 when it is not a regular
 * file there (or resolves outside). */
enum MHD_Result serve_rel(struct req *r, const char *rel, const char *ctype,
                                 const char *const *extra)
{
	int fd = serve_open_beneath(r->gen, rel, O_RDONLY | O_NONBLOCK);

	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR || errno == EXDEV || errno == ELOOP ||
		               errno == EACCES || errno == ENXIO
		       ? serve_text(r, 404, "not found")
		       : serve_text(r, 500, "cannot open the file");
	return serve_fd(r, fd, ctype, NULL, extra);
}

/* Sorted names in a directory of the generation: directories or regular
 * files, never symbolic links; none starting with '.'. -1 with errno on failure. */
int serve_list_dir(struct req *r, const char *rel, bool dirs, char ***out, size_t *nout)
{
	char **v = NULL;
	size_t n = 0, alloc = 0;
	struct dirent *e;
	DIR *dh = NULL;
	int fd, rc = -1;

	*out = NULL;
	*nout = 0;
	if ((fd = serve_open_beneath(r->gen, rel, O_RDONLY | O_DIRECTORY)) < 0)
		return -1;
	if (!(dh = fdopendir(fd))) {
		close(fd);
		return -1;
	}
	while ((e = readdir(dh))) {
		struct stat st;
		if (e->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(dh), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    (dirs ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)))
			continue;
		if (n == LIST_MAX || AL_GROW(v, alloc, n + 1) || !(v[n] = al_strdup(e->d_name))) {
			errno = ENOMEM;
			goto out;
		}
		n++;
	}
	if (n)
		qsort(v, n, sizeof(*v), al_strv_cmp);
	*out = v;
	*nout = n;
	v = NULL;
	rc = 0;
out:
	while (v && n)
		al_free(v[--n]);
	al_free(v);
	closedir(dh);
	return rc;
}

void serve_free_names(char **v, size_t n)
{
	while (v && n)
		al_free(v[--n]);
	al_free(v);
}

/* /wheels/ and /requirements/: a flat HTML page of links (pip --find-links takes it). */
static enum MHD_Result listing(struct req *r, const char *dir)
{
	struct al_buf html = AL_BUF_INIT;
	char **names = NULL;
	size_t n = 0, i;
	enum MHD_Result ret;
	al_err err;

	if (serve_list_dir(r, dir, false, &names, &n) < 0)
		return errno == ENOMEM ? serve_text(r, 500, "out of memory") : serve_text(r, 404, "not found");
	err = al_buf_addf(&html, "<!DOCTYPE html>\n<html><head><title>%s</title></head>\n<body>\n",
	                  dir);
	for (i = 0; i < n && !err; i++)
		err = al_buf_addstr(&html, "<a href=\"") ?: serve_url_escape(&html, names[i], "") ?:
		      al_buf_addstr(&html, "\">") ?: al_buf_add_html(&html, names[i]) ?:
		      al_buf_addstr(&html, "</a><br/>\n");
	err = err ?: al_buf_addstr(&html, "</body></html>\n");
	serve_free_names(names, n);
	ret = err ? serve_text(r, 500, "out of memory") : serve_reply(r, 200, CT_HTML, html.buf, html.len, NULL);
	al_buf_release(&html);
	return ret;
}

/* What came in media (a model repo's README.html, an SVG, a wheel) is never
 * run on the mirror's origin: a browser opens it in a sandbox with no
 * scripts and no loads, and never guesses a type (docs/reference/serve.md). */
static const char *const file_headers[] = {
	"Content-Security-Policy", "sandbox; default-src 'none'",
	"X-Content-Type-Options", "nosniff", NULL
};

/* /wheels/<file>, /requirements/<file>, /models/<path>, /datasets/<path> */
enum MHD_Result serve_route_files(struct req *r, const struct rpath *p)
{
	struct al_buf rel = AL_BUF_INIT;
	enum MHD_Result ret;

	if (r->m != M_GET && r->m != M_HEAD)
		return serve_not_allowed(r, "GET, HEAD");
	if (p->n == 1) {
		if (!p->trailing) {
			if (al_buf_addf(&rel, "%s/", p->seg[0]))
				return serve_text(r, 500, "out of memory");
			ret = serve_redirect(r, rel.buf);
			al_buf_release(&rel);
			return ret;
		}
		if (!strcmp(p->seg[0], "wheels") || !strcmp(p->seg[0], "requirements") ||
		    !strcmp(p->seg[0], "sbom"))
			return listing(r, p->seg[0]);
		return serve_text(r, 404, "not found");
	}
	if (p->trailing || !serve_no_slashes(p, 0, p->n))
		return serve_text(r, 404, "not found");
	if ((!strcmp(p->seg[0], "wheels") || !strcmp(p->seg[0], "requirements") ||
	     !strcmp(p->seg[0], "sbom")) && p->n != 2)
		return serve_text(r, 404, "not found");
	if (serve_join_segs(&rel, p, 0, p->n))
		return serve_text(r, 500, "out of memory");
	ret = serve_rel(r, rel.buf, file_type(p->seg[p->n - 1]), file_headers);
	al_buf_release(&rel);
	return ret;
}
