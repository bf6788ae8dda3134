/*
 * buf.c: growable byte buffers with an optional cap (buf.h): appends, formatted
 * appends, escaping for HTML and for terminals, reading a file or descriptor whole.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/mem.h"

char al_buf_empty[1];

void al_buf_init(struct al_buf *b)
{
	b->buf = al_buf_empty;
	b->len = b->alloc = 0;
}

void al_buf_release(struct al_buf *b)
{
	if (b->alloc)
		al_free(b->buf);
	al_buf_init(b);
}

char *al_buf_detach(struct al_buf *b, size_t *len)
{
	char *p = b->alloc ? b->buf : al_strdup("");

	if (len)
		*len = b->len;
	al_buf_init(b);
	return p;
}

void al_buf_reset(struct al_buf *b)
{
	al_buf_truncate(b, 0);
}

void al_buf_truncate(struct al_buf *b, size_t len)
{
	if (len > b->len)
		return;
	b->len = len;
	if (b->alloc)
		b->buf[len] = '\0';
}

al_err al_buf_grow(struct al_buf *b, size_t extra)
{
	size_t need, n;
	char *p;

	if (extra > AL_BUF_MAX || b->len + extra + 1 > AL_BUF_MAX)
		return AL_ELIMIT;
	need = b->len + extra + 1;
	if (need <= b->alloc)
		return AL_OK;
	n = b->alloc ? b->alloc : 64;
	while (n < need)
		n = n * 3 / 2 + 16;
	if (n > AL_BUF_MAX)
		n = AL_BUF_MAX;
	p = al_reallocarray(b->alloc ? b->buf : NULL, n, 1);
	if (!p)
		return AL_ENOMEM;
	if (!b->alloc)
		p[0] = '\0';
	b->buf = p;
	b->alloc = n;
	return AL_OK;
}

al_err al_buf_add(struct al_buf *b, const void *p, size_t n)
{
	al_err err = al_buf_grow(b, n);

	if (err)
		return err;
	if (n)
		memcpy(b->buf + b->len, p, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return AL_OK;
}

al_err al_buf_addstr(struct al_buf *b, const char *s)
{
	return al_buf_add(b, s, strlen(s));
}

al_err al_buf_addch(struct al_buf *b, char c)
{
	return al_buf_add(b, &c, 1);
}

al_err al_buf_vaddf(struct al_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;
	al_err err;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return AL_EINTERNAL;
	if ((err = al_buf_grow(b, (size_t)n)))
		return err;
	vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return AL_OK;
}

al_err al_buf_addf(struct al_buf *b, const char *fmt, ...)
{
	va_list ap;
	al_err err;

	va_start(ap, fmt);
	err = al_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return err;
}

al_err al_buf_read_fd(struct al_buf *b, int fd, const char *path, size_t max, struct al_diag *d)
{
	char chunk[65536];
	size_t got = 0;
	ssize_t n;
	al_err err;

	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return al_diag_set(d, AL_EIO, "cannot read '%s': %s", path, strerror(errno));
		if (n == 0)
			return AL_OK;
		if ((size_t)n > max - got)
			return al_diag_set(d, AL_ELIMIT, "'%s' is larger than %zu bytes", path, max);
		got += (size_t)n;
		if ((err = al_buf_add(b, chunk, (size_t)n)))
			return al_diag_set(d, err, "cannot read '%s': %s", path, al_strerror(err));
	}
}

al_err al_buf_read_file(struct al_buf *b, const char *path, size_t max, struct al_diag *d)
{
	al_err err;
	int fd;

	/* O_NONBLOCK so a FIFO with no writer does not hang the open; reads
	 * block again (a pipe from <(...) still works, an idle FIFO reads 0) */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return al_diag_set(d, errno == ENOENT ? AL_ENOTFOUND : AL_EIO,
		                   "cannot open '%s': %s", path, strerror(errno));
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		err = al_diag_set(d, AL_EIO, "cannot read '%s': %s", path, strerror(errno));
		close(fd);
		return err;
	}
	err = al_buf_read_fd(b, fd, path, max, d);
	close(fd);
	return err;
}

al_err al_buf_add_html(struct al_buf *b, const char *s)
{
	al_err err = AL_OK;

	for (; *s && !err; s++) {
		switch (*s) {
		case '&': err = al_buf_addstr(b, "&amp;"); break;
		case '<': err = al_buf_addstr(b, "&lt;"); break;
		case '>': err = al_buf_addstr(b, "&gt;"); break;
		case '"': err = al_buf_addstr(b, "&quot;"); break;
		case '\'': err = al_buf_addstr(b, "&#39;"); break;
		default: err = al_buf_addch(b, *s);
		}
	}
	return err;
}

/* The length of the valid UTF-8 sequence at s (at most n bytes), or 0:
 * no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, lo = s[0] == 0xe0 ? 0xa0 : 0x80, hi = s[0] == 0xed ? 0x9f : 0xbf;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, lo = s[0] == 0xf0 ? 0x90 : 0x80, hi = s[0] == 0xf4 ? 0x8f : 0xbf;
	else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/* The code point of the valid n-byte sequence at p when it must be shown
 * as \uXXXX, else 0: C1 controls, and the bidirectional controls that
 * reorder what a terminal shows (ALM, LRM, RLM, the embeddings, overrides
 * and isolates: "Trojan Source"). */
static unsigned long must_escape(const unsigned char *p, size_t n)
{
	unsigned long cp;

	if (n == 2) {
		cp = ((unsigned long)(p[0] & 0x1f) << 6) | (p[1] & 0x3f);
		return cp <= 0x9f || cp == 0x061c ? cp : 0;
	}
	if (n != 3)
		return 0;
	cp = ((unsigned long)(p[0] & 0x0f) << 12) | ((unsigned long)(p[1] & 0x3f) << 6) |
	     (p[2] & 0x3f);
	if ( cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069))
		return cp;
	return 0;
}

al_err al_buf_add_safe(struct al_buf *b, const char *s, size_t len, unsigned flags)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	al_err err = AL_OK;

	while (p < end && !err) {
		size_t n = utf8_len(p, (size_t)(end - p));
		const unsigned char *run = p;

		/* the longest run that needs no escape goes in one append */
		while (n && p < end && (n > 1 ? !must_escape(p, n) : p[0] >= 0x20 && p[0] != 0x7f)) {
			p += n;
			n = p < end ? utf8_len(p, (size_t)(end - p)) : 0;
		}
		if (p > run && (err = al_buf_add(b, run, (size_t)(p - run))))
			break;
		if (p >= end)
			break;
		if (n > 1) /* C1 or a bidirectional control */
			err = al_buf_addf(b, "\\u%04lx", must_escape(p, n));
		else if (*p == '\n' && (flags & AL_SAFE_LINES) && end - p > 2 && p[1] == ' ' &&
		         p[2] == ' ')
			err = al_buf_addch(b, '\n');
		else if (*p == '\n')
			err = al_buf_addstr(b, "\\n");
		else if (*p == '\r')
			err = al_buf_addstr(b, "\\r");
		else if (*p == '\t')
			err = al_buf_addstr(b, "\\t");
		else /* other C0, DEL, a byte that is not UTF-8 */
			err = al_buf_addf(b, "\\x%02x", *p), n = 1;
		p += n ? n : 1;
	}
	return err;
}

char *al_safe_text(const char *s, unsigned flags)
{
	struct al_buf b = AL_BUF_INIT;

	if (al_buf_add_safe(&b, s ? s : "", s ? strlen(s) : 0, flags) || al_buf_grow(&b, 1)) {
		al_buf_release(&b);
		return NULL;
	}
	return al_buf_detach(&b, NULL);
}

int al_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

al_err al_buf_add_utf8(struct al_buf *b, unsigned long cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return al_buf_add(b, u, n);
}
