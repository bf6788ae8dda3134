/*
 * buf.h: the growable byte buffer used throughout libairlock.
 *
 * Invariants: buf is never NULL (it points at a static "" until the first
 * allocation); buf[len] == '\0' always, so the contents can be used as a
 * C string when they hold no NUL; len < alloc once allocated. A buffer never
 * grows beyond AL_BUF_MAX: every append fails with AL_ELIMIT instead, so a
 * hostile input cannot make us allocate without bound.
 */
#ifndef AL_BUF_H
#define AL_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "airlock.h"

#define AL_BUF_MAX ((size_t)1 << 30)

struct al_buf {
	char *buf;
	size_t len;
	size_t alloc;
};

extern char al_buf_empty[];
#define AL_BUF_INIT { al_buf_empty, 0, 0 }

void al_buf_init(struct al_buf *b);
void al_buf_release(struct al_buf *b);
/* Hand over the contents (malloc'd, NUL-terminated); the buffer is reset. */
char *al_buf_detach(struct al_buf *b, size_t *len);
void al_buf_reset(struct al_buf *b);
void al_buf_truncate(struct al_buf *b, size_t len);

/* These return AL_OK, AL_ENOMEM or AL_ELIMIT and set no diagnostics. */
AL_MUST_CHECK al_err al_buf_grow(struct al_buf *b, size_t extra);
AL_MUST_CHECK al_err al_buf_add(struct al_buf *b, const void *p, size_t n);
AL_MUST_CHECK al_err al_buf_addstr(struct al_buf *b, const char *s);
AL_MUST_CHECK al_err al_buf_addch(struct al_buf *b, char c);
AL_MUST_CHECK al_err al_buf_addf(struct al_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
AL_MUST_CHECK al_err al_buf_vaddf(struct al_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Append s with &, <, >, " and ' as HTML entities. */
AL_MUST_CHECK al_err al_buf_add_html(struct al_buf *b, const char *s);
/* Append s[0..len), text from media or the network, for a terminal or a
 * log line (al_safe_text in airlock.h): valid UTF-8 is kept, every control
 * character (C0, DEL, C1) and every byte that is not part of valid UTF-8 is
 * escaped as \n, \r, \t, \xNN or \u00NN. NUL bytes inside len are
 * escaped too. Backslashes are kept as they are. */
AL_MUST_CHECK al_err al_buf_add_safe(struct al_buf *b, const char *s, size_t len, unsigned flags);
/* The value of a hexadecimal digit, or -1. */
int al_hexval(int c);

/* Read a whole file, at most max bytes (AL_ELIMIT beyond). Sets d. */
/* Append what fd reads until its end, at most max bytes (path names it in errors). */
AL_MUST_CHECK al_err al_buf_read_fd(struct al_buf *b, int fd, const char *path, size_t max, struct al_diag *d);
AL_MUST_CHECK al_err al_buf_read_file(struct al_buf *b, const char *path, size_t max, struct al_diag *d);

#endif
