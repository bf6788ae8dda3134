/*
 * httphdr.c: HTTP response header parsers (see httphdr.h). No curl here:
 * lib/net/http.c feeds the lines curl hands it.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "core/mem.h"
#include "net/httphdr.h"

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static void trim(const char **p, size_t *n)
{
	while (*n && is_ows(**p)) {
		(*p)++;
		(*n)--;
	}
	while (*n && is_ows((*p)[*n - 1]))
		(*n)--;
}

static bool eq_nocase(const char *p, size_t n, const char *lit)
{
	return strlen(lit) == n && strncasecmp(p, lit, n) == 0;
}

void al_http_hdrs_init(struct al_http_hdrs *h)
{
	memset(h, 0, sizeof(*h));
	h->content_length = h->x_linked_size = h->retry_after = -1;
	h->ratelimit_remaining = h->ratelimit_reset = -1;
	h->range_start = h->range_end = h->range_total = -1;
	h->cc.max_age = h->age = -1;
}

#define STRFIELDS(X)                                                               \
	X(content_type) X(etag) X(last_modified) X(location) X(link_next) X(x_error_code) \
	X(x_error_message) X(x_repo_commit) X(x_linked_etag)

void al_http_hdrs_release(struct al_http_hdrs *h)
{
#define FREE_FIELD(f) al_free(h->f);
	STRFIELDS(FREE_FIELD)
#undef FREE_FIELD
	al_http_hdrs_init(h);
}

al_err al_http_hdrs_copy(struct al_http_hdrs *dst, const struct al_http_hdrs *src)
{
	struct al_http_hdrs t = *src;

#define DUP_FIELD(f) t.f = NULL;
	STRFIELDS(DUP_FIELD)
#undef DUP_FIELD
#define DUP_FIELD(f)                                   \
	if (src->f && !(t.f = al_strdup(src->f))) { \
		al_http_hdrs_release(&t);             \
		return AL_ENOMEM;                     \
	}
	STRFIELDS(DUP_FIELD)
#undef DUP_FIELD
	al_http_hdrs_release(dst);
	*dst = t;
	return AL_OK;
}

/* ---- single values ---------------------------------------------------------- */

bool al_httphdr_uint(const char *p, size_t n, int64_t *out)
{
	int64_t v = 0;

	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(p[i]))
			return false;
		if (v > (INT64_MAX - (p[i] - '0')) / 10)
			return false;
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return true;
}

bool al_httphdr_status_line(const char *p, size_t n, int *status)
{
	size_t i = 5;

	/* HTTP/1.1 200 OK, HTTP/2 200, HTTP/1.0 404 */
	if (n < 5 || strncmp(p, "HTTP/", 5) != 0)
		return false;
	while (i < n && (is_digit(p[i]) || p[i] == '.'))
		i++;
	if (i == 5 || i >= n || p[i] != ' ')
		return false;
	i++;
	if (n - i < 3 || !is_digit(p[i]) || !is_digit(p[i + 1]) || !is_digit(p[i + 2]))
		return false;
	if (n - i > 3 && p[i + 3] != ' ')
		return false;
	if (p[i] < '1' || p[i] > '5')
		return false;
	*status = (p[i] - '0') * 100 + (p[i + 1] - '0') * 10 + (p[i + 2] - '0');
	return true;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int month_of(const char *p)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

	for (int i = 0; i < 12; i++)
		if (strncmp(p, months + 3 * i, 3) == 0)
			return i + 1;
	return 0;
}

/* A small cursor over (p, n). */
struct cur {
	const char *p;
	size_t n, i;
};

static bool cur_num(struct cur *c, size_t min, size_t max, int *out)
{
	size_t k = 0;
	int v = 0;

	while (c->i < c->n && k < max && is_digit(c->p[c->i])) {
		v = v * 10 + (c->p[c->i++] - '0');
		k++;
	}
	*out = v;
	return k >= min && (c->i >= c->n || !is_digit(c->p[c->i]));
}

static bool cur_ch(struct cur *c, char ch)
{
	if (c->i < c->n && c->p[c->i] == ch) {
		c->i++;
		return true;
	}
	return false;
}

static bool cur_month(struct cur *c, int *m)
{
	if (c->n - c->i < 3 || !(*m = month_of(c->p + c->i)))
		return false;
	c->i += 3;
	return true;
}

static bool cur_time(struct cur *c, int *hh, int *mm, int *ss)
{
	return cur_num(c, 2, 2, hh) && cur_ch(c, ':') && cur_num(c, 2, 2, mm) && cur_ch(c, ':') &&
	       cur_num(c, 2, 2, ss);
}

static bool cur_lit(struct cur *c, const char *lit)
{
	size_t k = strlen(lit);

	if (c->n - c->i < k || strncmp(c->p + c->i, lit, k) != 0)
		return false;
	c->i += k;
	return true;
}

bool al_httphdr_date(const char *p, size_t n, int64_t *out)
{
	struct cur c = { p, n, 0 };
	int day, mon, year, hh, mm, ss;
	size_t wd;

	trim(&c.p, &c.n);
	/* The weekday name: letters, then ',' (IMF-fixdate, RFC 850) or ' ' (asctime) */
	while (c.i < c.n && ((c.p[c.i] >= 'A' && c.p[c.i] <= 'Z') ||
	                     (c.p[c.i] >= 'a' && c.p[c.i] <= 'z')))
		c.i++;
	wd = c.i;
	if (wd < 3)
		return false;
	if (cur_ch(&c, ',')) {
		if (!cur_ch(&c, ' ') || !cur_num(&c, 1, 2, &day))
			return false;
		if (cur_ch(&c, ' ')) { /* IMF-fixdate: 06 Nov 1994 08:49:37 GMT */
			if (!cur_month(&c, &mon) || !cur_ch(&c, ' ') || !cur_num(&c, 4, 4, &year))
				return false;
		} else if (cur_ch(&c, '-')) { /* RFC 850: 06-Nov-94 08:49:37 GMT */
			if (!cur_month(&c, &mon) || !cur_ch(&c, '-') || !cur_num(&c, 2, 2, &year))
				return false;
			year += year < 70 ? 2000 : 1900;
		} else {
			return false;
		}
		if (!cur_ch(&c, ' ') || !cur_time(&c, &hh, &mm, &ss) || !cur_lit(&c, " GMT"))
			return false;
	} else { /* asctime: Sun Nov  6 08:49:37 1994 */
		if (wd != 3 || !cur_ch(&c, ' ') || !cur_month(&c, &mon) || !cur_ch(&c, ' '))
			return false;
		cur_ch(&c, ' ');
		if (!cur_num(&c, 1, 2, &day) || !cur_ch(&c, ' ') || !cur_time(&c, &hh, &mm, &ss) ||
		    !cur_ch(&c, ' ') || !cur_num(&c, 4, 4, &year))
			return false;
	}
	if (c.i != c.n || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60)
		return false;
	*out = days_from_civil(year, mon, day) * 86400 + hh * 3600 + mm * 60 + ss;
	return true;
}

bool al_httphdr_retry_after(const char *p, size_t n, int64_t now, int64_t *secs)
{
	int64_t t;

	trim(&p, &n);
	if (al_httphdr_uint(p, n, &t)) {
		*secs = t;
		return true;
	}
	if (!al_httphdr_date(p, n, &t))
		return false;
	*secs = t > now ? t - now : 0;
	return true;
}

bool al_httphdr_content_range(const char *p, size_t n, int64_t *start, int64_t *end,
                              int64_t *total)
{
	size_t i, j;
	int64_t s = -1, e = -1, t = -1;

	trim(&p, &n);
	if (n < 6 || strncasecmp(p, "bytes", 5) != 0 || !is_ows(p[5]))
		return false;
	for (i = 5; i < n && is_ows(p[i]); i++) {}
	if (i < n && p[i] == '*') {
		i++;
	} else {
		for (j = i; j < n && is_digit(p[j]); j++) {}
		if (!al_httphdr_uint(p + i, j - i, &s) || j >= n || p[j] != '-')
			return false;
		for (i = ++j; j < n && is_digit(p[j]); j++) {}
		if (!al_httphdr_uint(p + i, j - i, &e) || e < s)
			return false;
		i = j;
	}
	if (i >= n || p[i] != '/')
		return false;
	i++;
	if (n - i == 1 && p[i] == '*') {
		if (s < 0)
			return false; /* "bytes * / *" */
	} else {
		if (!al_httphdr_uint(p + i, n - i, &t) || (e >= 0 && e >= t))
			return false;
	}
	*start = s;
	*end = e;
	*total = t;
	return true;
}

size_t al_httphdr_etag_strip(const char *p, size_t n, const char **out)
{
	trim(&p, &n);
	if (n >= 2 && p[0] == 'W' && p[1] == '/') {
		p += 2;
		n -= 2;
	}
	if (n >= 2 && p[0] == '"' && p[n - 1] == '"') {
		p++;
		n -= 2;
	}
	*out = p;
	return n;
}

/* ---- Link (RFC 8288) ------------------------------------------------------- */

static bool is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static void skip_ows(struct cur *c)
{
	while (c->i < c->n && is_ows(c->p[c->i]))
		c->i++;
}

/* A token or quoted-string value; the unescaped text goes to out. */
static bool param_value(struct cur *c, struct al_buf *out, al_err *err)
{
	al_buf_reset(out);
	if (cur_ch(c, '"')) {
		while (c->i < c->n && c->p[c->i] != '"') {
			if (c->p[c->i] == '\\' && ++c->i >= c->n)
				return false;
			if ((*err = al_buf_addch(out, c->p[c->i++])))
				return false;
		}
		return cur_ch(c, '"');
	}
	size_t s = c->i;
	while (c->i < c->n && is_tchar(c->p[c->i]))
		c->i++;
	if (c->i == s)
		return false;
	*err = al_buf_add(out, c->p + s, c->i - s);
	return !*err;
}

static bool rel_has_next(const char *p, size_t n)
{
	size_t i = 0, s;

	while (i < n) {
		while (i < n && (p[i] == ' ' || p[i] == '\t'))
			i++;
		s = i;
		while (i < n && p[i] != ' ' && p[i] != '\t')
			i++;
		if (eq_nocase(p + s, i - s, "next"))
			return true;
	}
	return false;
}

al_err al_httphdr_link_next(const char *p, size_t n, struct al_buf *out)
{
	struct cur c = { p, n, 0 };
	struct al_buf val = AL_BUF_INIT;
	al_err err = AL_OK, ret = AL_EPARSE;
	size_t us, ue, ns;
	bool next;

	for (;;) {
		skip_ows(&c);
		while (cur_ch(&c, ',')) /* empty list elements are allowed */
			skip_ows(&c);
		if (c.i >= c.n) {
			ret = AL_ENOTFOUND;
			break;
		}
		if (!cur_ch(&c, '<'))
			break;
		us = c.i;
		while (c.i < c.n && c.p[c.i] != '>')
			c.i++;
		if (c.i >= c.n)
			break;
		ue = c.i++;
		next = false;
		for (;;) {
			skip_ows(&c);
			if (!cur_ch(&c, ';'))
				break;
			skip_ows(&c);
			ns = c.i;
			while (c.i < c.n && is_tchar(c.p[c.i]))
				c.i++;
			if (c.i == ns)
				goto out;
			size_t nlen = c.i - ns;
			skip_ows(&c);
			if (!cur_ch(&c, '='))
				continue; /* a parameter without a value */
			skip_ows(&c);
			if (!param_value(&c, &val, &err))
				goto out;
			if (eq_nocase(c.p + ns, nlen, "rel") && rel_has_next(val.buf, val.len))
				next = true;
		}
		if (c.i < c.n && !cur_ch(&c, ','))
			break;
		if (next) {
			al_buf_reset(out);
			ret = al_buf_add(out, c.p + us, ue - us);
			break;
		}
	}
out:
	al_buf_release(&val);
	return err ? err : ret;
}

/* ---- RateLimit --------------------------------------------------------------- */

bool al_httphdr_ratelimit(const char *p, size_t n, int64_t *remaining, int64_t *reset)
{
	struct cur c = { p, n, 0 };
	int64_t best_r = -1, best_t = -1;
	bool any = false;

	for (;;) {
		int64_t r = -1, t = -1, v;
		size_t s;

		skip_ows(&c);
		if (c.i >= c.n)
			break;
		/* the item: an sf-string or a token */
		if (cur_ch(&c, '"')) {
			while (c.i < c.n && c.p[c.i] != '"') {
				if (c.p[c.i] == '\\')
					c.i++;
				c.i++;
			}
			if (!cur_ch(&c, '"'))
				return false;
		} else {
			s = c.i;
			while (c.i < c.n && is_tchar(c.p[c.i]))
				c.i++;
			if (c.i == s)
				return false;
		}
		while (skip_ows(&c), cur_ch(&c, ';')) {
			skip_ows(&c);
			s = c.i;
			while (c.i < c.n && is_tchar(c.p[c.i]) && c.p[c.i] != '=')
				c.i++;
			size_t klen = c.i - s;
			if (!klen)
				return false;
			if (!cur_ch(&c, '='))
				continue;
			size_t vs = c.i;
			while (c.i < c.n && is_digit(c.p[c.i]))
				c.i++;
			if (c.i == vs) {
				/* a value we do not use (a string or token): skip it */
				while (c.i < c.n && c.p[c.i] != ';' && c.p[c.i] != ',')
					c.i++;
				continue;
			}
			if (!al_httphdr_uint(c.p + vs, c.i - vs, &v))
				return false;
			if (klen == 1 && c.p[s] == 'r')
				r = v;
			else if (klen == 1 && c.p[s] == 't')
				t = v;
		}
		skip_ows(&c);
		if (c.i < c.n && !cur_ch(&c, ','))
			return false;
		if (r < 0 && t < 0)
			continue;
		if (!any || (r >= 0 && (best_r < 0 || r < best_r)) ||
		    (r == best_r && t > best_t)) {
			best_r = r;
			best_t = t;
			any = true;
		}
	}
	if (!any)
		return false;
	*remaining = best_r;
	*reset = best_t;
	return true;
}

/* ---- the header block -------------------------------------------------------- */

static bool clean_value(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return false;
	}
	return true;
}

static al_err set_str(char **field, const char *name, const char *p, size_t n,
                      struct al_diag *d)
{
	char *s;

	if (n > AL_HTTPHDR_MAX_VALUE)
		return al_diag_set(d, AL_ELIMIT, "response header '%s' is longer than %u bytes",
		                   name, AL_HTTPHDR_MAX_VALUE);
	if (!clean_value(p, n))
		return al_diag_set(d, AL_EPARSE, "response header '%s' holds control characters",
		                   name);
	if (!(s = al_strndup(p, n)))
		return al_oom(d);
	al_free(*field);
	*field = s;
	return AL_OK;
}

static al_err set_size(int64_t *field, const char *name, const char *p, size_t n,
                       struct al_diag *d)
{
	int64_t v;

	if (!al_httphdr_uint(p, n, &v))
		return al_diag_set(d, AL_EPARSE, "response header '%s' is not a size: '%.*s'", name,
		                   (int)(n > 64 ? 64 : n), clean_value(p, n) ? p : "?");
	if (*field >= 0 && *field != v)
		return al_diag_set(d, AL_EPARSE, "response header '%s' is given twice, differently",
		                   name);
	*field = v;
	return AL_OK;
}

/* Over 80 lines: one header line dispatched by name; each
 * header's case is short and they read best side by side. */
al_err al_http_hdrs_line(struct al_http_hdrs *h, const char *line, size_t len, int64_t now,
                         struct al_diag *d)
{
	const char *name, *val;
	size_t nlen, vlen, colon;
	int status;

	if (len && line[len - 1] == '\n')
		len--;
	if (len && line[len - 1] == '\r')
		len--;
	if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		if (!al_httphdr_status_line(line, len, &status))
			return al_diag_set(d, AL_EPARSE, "malformed HTTP status line");
		al_http_hdrs_release(h);
		h->status = status;
		return AL_OK;
	}
	if (++h->count > AL_HTTPHDR_MAX_COUNT)
		return al_diag_set(d, AL_ELIMIT, "more than %d response headers",
		                   AL_HTTPHDR_MAX_COUNT);
	h->bytes += len;
	if (h->bytes > AL_HTTPHDR_MAX_BYTES)
		return al_diag_set(d, AL_ELIMIT, "response headers longer than %u bytes",
		                   AL_HTTPHDR_MAX_BYTES);
	if (len == 0)
		return AL_OK;
	/* obs-fold continuation lines and lines without a colon are ignored */
	if (is_ows(line[0]) || !(val = memchr(line, ':', len)))
		return AL_OK;
	colon = (size_t)(val - line);
	name = line;
	nlen = colon;
	val = line + colon + 1;
	vlen = len - colon - 1;
	trim(&val, &vlen);
	for (size_t i = 0; i < nlen; i++)
		if (!is_tchar(name[i]))
			return AL_OK; /* not a header name: ignore the line */

#define IS(lit) eq_nocase(name, nlen, lit)
	if (IS("Content-Length"))
		return set_size(&h->content_length, "Content-Length", val, vlen, d);
	if (IS("X-Linked-Size"))
		return set_size(&h->x_linked_size, "X-Linked-Size", val, vlen, d);
	if (IS("Content-Type"))
		return set_str(&h->content_type, "Content-Type", val, vlen, d);
	if (IS("ETag"))
		return set_str(&h->etag, "ETag", val, vlen, d);
	if (IS("Last-Modified"))
		return set_str(&h->last_modified, "Last-Modified", val, vlen, d);
	if (IS("Location"))
		return set_str(&h->location, "Location", val, vlen, d);
	if (IS("X-Error-Code"))
		return set_str(&h->x_error_code, "X-Error-Code", val, vlen, d);
	if (IS("X-Error-Message"))
		return set_str(&h->x_error_message, "X-Error-Message", val, vlen, d);
	if (IS("X-Repo-Commit"))
		return set_str(&h->x_repo_commit, "X-Repo-Commit", val, vlen, d);
	if (IS("X-Linked-Etag"))
		return set_str(&h->x_linked_etag, "X-Linked-Etag", val, vlen, d);
	if (IS("Retry-After")) {
		int64_t s;
		if (al_httphdr_retry_after(val, vlen, now, &s))
			h->retry_after = s;
		return AL_OK;
	}
	if (IS("RateLimit")) {
		int64_t r, t;
		if (al_httphdr_ratelimit(val, vlen, &r, &t)) {
			h->ratelimit_remaining = r;
			h->ratelimit_reset = t;
		}
		return AL_OK;
	}
	if (IS("RateLimit-Remaining") || IS("RateLimit-Reset")) {
		int64_t v;
		if (al_httphdr_uint(val, vlen, &v))
			*(IS("RateLimit-Reset") ? &h->ratelimit_reset : &h->ratelimit_remaining) = v;
		return AL_OK;
	}
	if (IS("Cache-Control")) {
		al_httphdr_cache_control(val, vlen, &h->cc);
		return AL_OK;
	}
	if (IS("Age")) {
		int64_t v;
		h->age = al_httphdr_uint(val, vlen, &v) ? v : -1;
		return AL_OK;
	}
	if (IS("Content-Range")) {
		h->has_content_range = al_httphdr_content_range(val, vlen, &h->range_start,
		                                                &h->range_end, &h->range_total);
		return AL_OK;
	}
	if (IS("Link") && !h->link_next) {
		struct al_buf b = AL_BUF_INIT;
		al_err err = al_httphdr_link_next(val, vlen, &b);
		if (err == AL_OK)
			err = set_str(&h->link_next, "Link", b.buf, b.len, d);
		else if (err == AL_ENOMEM)
			al_oom(d);
		else
			err = AL_OK; /* no next link, or a malformed one: ignored */
		al_buf_release(&b);
		return err;
	}
#undef IS
	return AL_OK;
}

void al_httphdr_cache_control(const char *p, size_t n, struct al_cache_control *cc)
{
	const char *end = p + n;

	while (p < end) {
		const char *name, *val = NULL;
		size_t nlen, vlen = 0;
		bool quoted = false;

		while (p < end && (is_ows(*p) || *p == ','))
			p++;
		name = p;
		while (p < end && is_tchar(*p))
			p++;
		nlen = (size_t)(p - name);
		while (p < end && is_ows(*p))
			p++;
		if (p < end && *p == '=') {
			p++;
			while (p < end && is_ows(*p))
				p++;
			if (p < end && *p == '"') {
				quoted = true;
				val = ++p;
				while (p < end && *p != '"') {
					if (*p == '\\' && p + 1 < end)
						p++;
					p++;
				}
				vlen = (size_t)(p - val);
				if (p < end)
					p++;
			} else {
				val = p;
				while (p < end && is_tchar(*p))
					p++;
				vlen = (size_t)(p - val);
			}
		}
		/* skip to the next directive (whatever junk is left of this one) */
		while (p < end && *p != ',')
			p++;
		if (!nlen)
			continue;
		if (eq_nocase(name, nlen, "max-age")) {
			int64_t v;
			/* a quoted max-age is not valid (RFC 9111 5.2): stale, like junk */
			if (quoted || !val || !al_httphdr_uint(val, vlen, &v)) {
				size_t i = 0;
				while (i < vlen && is_digit(val[i]))
					i++;
				/* all digits but too large: "the greatest positive integer" */
				v = !quoted && val && vlen && i == vlen ? INT64_MAX : 0;
			}
			if (cc->max_age < 0 || v < cc->max_age)
				cc->max_age = v;
		} else if (eq_nocase(name, nlen, "no-store")) {
			cc->no_store = true;
		} else if (eq_nocase(name, nlen, "no-cache")) {
			cc->no_cache = true;
		} else if (eq_nocase(name, nlen, "private")) {
			cc->private_ = true;
		} else if (eq_nocase(name, nlen, "public")) {
			cc->public_ = true;
		} else if (eq_nocase(name, nlen, "must-revalidate")) {
			cc->must_revalidate = true;
		} else if (eq_nocase(name, nlen, "immutable")) {
			cc->immutable = true;
		}
	}
}

int64_t al_httphdr_fresh_for(const struct al_http_hdrs *h)
{
	int64_t life = h->cc.max_age;

	if (h->cc.no_store || h->cc.no_cache || life <= 0)
		return 0;
	if (h->age > 0) {
		if (h->age >= life)
			return 0;
		life -= h->age;
	}
	return life < AL_HTTP_FRESH_CAP ? life : AL_HTTP_FRESH_CAP;
}

al_err al_http_hdrs_parse(struct al_http_hdrs *h, const char *buf, size_t len, int64_t now,
                          struct al_diag *d)
{
	const char *p = buf, *end = buf + len, *nl;
	al_err err;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		if ((err = al_http_hdrs_line(h, p, n, now, d)))
			return err;
		p += n;
	}
	return AL_OK;
}
