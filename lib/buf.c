#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "mem.h"

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

al_err al_buf_read_file(struct al_buf *b, const char *path, size_t max, struct al_diag *d)
{
	char chunk[65536];
	al_err err = AL_OK;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return al_diag_set(d, errno == ENOENT ? AL_ENOTFOUND : AL_EIO,
		                   "cannot open '%s': %s", path, strerror(errno));
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = al_diag_set(d, AL_EIO, "cannot read '%s': %s", path, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		if (b->len + (size_t)n > max) {
			err = al_diag_set(d, AL_ELIMIT, "'%s' is larger than %zu bytes", path, max);
			break;
		}
		if ((err = al_buf_add(b, chunk, (size_t)n))) {
			err = al_diag_set(d, err, "cannot read '%s': %s", path, al_strerror(err));
			break;
		}
	}
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
