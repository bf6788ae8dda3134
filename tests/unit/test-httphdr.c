/*
 * test-httphdr.c: the header parsers, from the cases in fixtures/httphdr/cases.txt.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "airlock.h"
#include "core/buf.h"
#include "net/httphdr.h"
#include "tap.h"

#define NOW 784111777

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void unescape(const char *s, struct al_buf *out)
{
	al_buf_reset(out);
	for (; *s; s++) {
		if (*s != '\\' || !s[1]) {
			al_buf_addch(out, *s);
			continue;
		}
		s++;
		switch (*s) {
		case 'r': al_buf_addch(out, '\r'); break;
		case 'n': al_buf_addch(out, '\n'); break;
		case 't': al_buf_addch(out, '\t'); break;
		case 'x':
			if (hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
				al_buf_addch(out, (char)(hexval(s[1]) * 16 + hexval(s[2])));
				s += 2;
				break;
			}
			/* fall through */
		default: al_buf_addch(out, *s); break;
		}
	}
}

static void dump(const struct al_http_hdrs *h, struct al_buf *o)
{
	al_buf_addf(o, "status=%d", h->status);
#define S(name, f) if (h->f) al_buf_addf(o, " " name "=%s", h->f)
#define N(name, f) if (h->f >= 0) al_buf_addf(o, " " name "=%" PRId64, h->f)
	S("type", content_type);
	N("length", content_length);
	S("etag", etag);
	S("last-modified", last_modified);
	S("location", location);
	S("next", link_next);
	S("x-repo-commit", x_repo_commit);
	S("x-linked-etag", x_linked_etag);
	N("x-linked-size", x_linked_size);
	if (h->x_error_code || h->x_error_message)
		al_buf_addf(o, " error=%s:%s", h->x_error_code ? h->x_error_code : "",
		            h->x_error_message ? h->x_error_message : "");
	N("retry-after", retry_after);
	if (h->ratelimit_remaining >= 0 || h->ratelimit_reset >= 0)
		al_buf_addf(o, " ratelimit=%" PRId64 "/%" PRId64, h->ratelimit_remaining,
		            h->ratelimit_reset);
	if (h->has_content_range)
		al_buf_addf(o, " range=%" PRId64 "-%" PRId64 "/%" PRId64, h->range_start,
		            h->range_end, h->range_total);
#undef S
#undef N
}

/* Run one case; the result (or "error") goes to got. */
static int run_case(const char *kind, const char *p, size_t n, struct al_buf *got)
{
	int64_t a, b, c;
	int st;
	bool okp;

	al_buf_reset(got);
	if (strcmp(kind, "uint") == 0) {
		okp = al_httphdr_uint(p, n, &a);
		if (okp)
			al_buf_addf(got, "%" PRId64, a);
	} else if (strcmp(kind, "status") == 0) {
		okp = al_httphdr_status_line(p, n, &st);
		if (okp)
			al_buf_addf(got, "%d", st);
	} else if (strcmp(kind, "date") == 0) {
		okp = al_httphdr_date(p, n, &a);
		if (okp)
			al_buf_addf(got, "%" PRId64, a);
	} else if (strcmp(kind, "retry-after") == 0) {
		okp = al_httphdr_retry_after(p, n, NOW, &a);
		if (okp)
			al_buf_addf(got, "%" PRId64, a);
	} else if (strcmp(kind, "content-range") == 0) {
		okp = al_httphdr_content_range(p, n, &a, &b, &c);
		if (okp)
			al_buf_addf(got, "%" PRId64 " %" PRId64 " %" PRId64, a, b, c);
	} else if (strcmp(kind, "link-next") == 0) {
		al_err err = al_httphdr_link_next(p, n, got);
		okp = err == AL_OK || err == AL_ENOTFOUND;
		if (err == AL_ENOTFOUND)
			al_buf_addstr(got, "none");
	} else if (strcmp(kind, "ratelimit") == 0) {
		okp = al_httphdr_ratelimit(p, n, &a, &b);
		if (okp)
			al_buf_addf(got, "%" PRId64 " %" PRId64, a, b);
	} else if (strcmp(kind, "etag") == 0) {
		const char *e;
		size_t en = al_httphdr_etag_strip(p, n, &e);
		okp = true;
		al_buf_add(got, e, en);
	} else if (strcmp(kind, "hdrs") == 0) {
		struct al_http_hdrs h;
		struct al_diag d = AL_DIAG_INIT;
		al_http_hdrs_init(&h);
		okp = al_http_hdrs_parse(&h, p, n, NOW, &d) == AL_OK;
		if (okp)
			dump(&h, got);
		al_http_hdrs_release(&h);
	} else {
		return -1;
	}
	if (!okp) {
		al_buf_reset(got);
		al_buf_addstr(got, "error");
	}
	return 0;
}

int main(void)
{
	struct al_buf path = AL_BUF_INIT, in = AL_BUF_INIT, got = AL_BUF_INIT;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned lineno = 0, cases = 0;
	FILE *f;

	al_buf_addf(&path, "%s/fixtures/httphdr/cases.txt", tap_srcdir());
	if (!(f = fopen(path.buf, "r"))) {
		ok(0, "cannot open %s", path.buf);
		return done_testing();
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		char *kind, *input, *want, *t1, *t2;

		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (!*line || *line == '#')
			continue;
		t1 = strchr(line, '\t');
		t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		if (!t2) {
			ok(0, "cases.txt:%u: malformed case", lineno);
			continue;
		}
		*t1 = *t2 = '\0';
		kind = line;
		input = t1 + 1;
		want = t2 + 1;
		unescape(input, &in);
		if (run_case(kind, in.buf, in.len, &got) < 0) {
			ok(0, "cases.txt:%u: unknown kind '%s'", lineno, kind);
			continue;
		}
		cases++;
		is_str(got.buf, want, "cases.txt:%u: %s '%s'", lineno, kind, input);
	}
	fclose(f);
	free(line);
	ok(cases > 100, "%u cases", cases);

	/* caps */
	{
		struct al_http_hdrs h;
		struct al_diag d = AL_DIAG_INIT;
		al_err err = AL_OK;
		al_http_hdrs_init(&h);
		al_http_hdrs_line(&h, "HTTP/1.1 200 OK", 15, NOW, &d);
		for (int i = 0; i < 1000 && !err; i++)
			err = al_http_hdrs_line(&h, "X-A: b", 6, NOW, &d);
		is_int(err, AL_ELIMIT, "too many header lines: %s", d.msg);
		al_http_hdrs_release(&h);
		al_buf_reset(&in);
		al_buf_addstr(&in, "Location: ");
		for (int i = 0; i < 20000; i++)
			al_buf_addch(&in, 'a');
		is_int(al_http_hdrs_line(&h, in.buf, in.len, NOW, &d), AL_ELIMIT,
		       "a value over the cap: %s", d.msg);
		al_http_hdrs_release(&h);
	}
	/* Cache-Control and Age: what the store's HTTP cache makes of them */
	{
		struct al_diag d = AL_DIAG_INIT;
		static const struct {
			const char *hdrs;
			int64_t max_age, fresh;
		} cc[] = {
			{ "Cache-Control: max-age=600, public\n", 600, 600 },
			{ "Cache-Control: public,max-age=600\nAge: 100\n", 600, 500 },
			{ "Cache-Control: max-age=600\nAge: 600\n", 600, 0 },
			{ "Cache-Control: max-age=600\nAge: junk\n", 600, 600 },
			{ "Cache-Control: max-age=600\nCache-Control: max-age=60\n", 60, 60 },
			{ "Cache-Control: max-age=60, max-age=600\n", 60, 60 },
			{ "Cache-Control: max-age=\"600\"\n", 0, 0 },
			{ "Cache-Control: max-age=6x0\n", 0, 0 },
			{ "Cache-Control: max-age=\n", 0, 0 },
			{ "Cache-Control: max-age=99999999999999999999999\n", INT64_MAX, AL_HTTP_FRESH_CAP },
			{ "Cache-Control: max-age=31536000, immutable\n", 31536000, AL_HTTP_FRESH_CAP },
			{ "Cache-Control: max-age=600, no-cache\n", 600, 0 },
			{ "Cache-Control: no-cache=\"Set-Cookie, X\", max-age=600\n", 600, 0 },
			{ "Cache-Control: max-age=600, no-store\n", 600, 0 },
			{ "Cache-Control: private, max-age=600\n", 600, 600 },
			{ "Cache-Control: private=\"a, b\", max-age=600\n", 600, 600 },
			{ "Cache-Control: s-maxage=600\n", -1, 0 },
			{ "Cache-Control: ,,, ;;; =, max-age=5\n", 5, 5 },
			{ "Cache-Control: MAX-AGE = 7\n", 7, 7 },
			{ "Cache-Control: x=\"unterminated, max-age=5\n", -1, 0 },
			{ "Expires: Thu, 01 Dec 2094 16:00:00 GMT\n", -1, 0 },
			{ "", -1, 0 },
		};
		for (size_t i = 0; i < sizeof(cc) / sizeof(cc[0]); i++) {
			struct al_http_hdrs h;
			al_http_hdrs_init(&h);
			is_int(al_http_hdrs_parse(&h, cc[i].hdrs, strlen(cc[i].hdrs), NOW, &d), AL_OK,
			       "parses: %s", cc[i].hdrs);
			ok(h.cc.max_age == cc[i].max_age, "max-age %" PRId64 " of: %s", h.cc.max_age,
			   cc[i].hdrs);
			ok(al_httphdr_fresh_for(&h) == cc[i].fresh, "fresh for %" PRId64 " s: %s",
			   al_httphdr_fresh_for(&h), cc[i].hdrs);
			al_http_hdrs_release(&h);
		}
		{
			struct al_http_hdrs h;
			al_http_hdrs_init(&h);
			const char *t = "Cache-Control: no-store, private, must-revalidate\n"
			                "HTTP/1.1 200 OK\nCache-Control: public\n";
			al_http_hdrs_parse(&h, t, strlen(t), NOW, &d);
			ok(!h.cc.no_store && !h.cc.private_ && h.cc.public_,
			   "a new status line resets the directives");
			al_http_hdrs_release(&h);
		}
	}
	/* copy */
	{
		struct al_http_hdrs a, b;
		al_http_hdrs_init(&a);
		al_http_hdrs_init(&b);
		al_http_hdrs_parse(&a, "HTTP/1.1 302 x\nLocation: /x\nX-Repo-Commit: c\n", 45, NOW,
		                   NULL);
		is_int(al_http_hdrs_copy(&b, &a), AL_OK, "copy");
		al_http_hdrs_release(&a);
		is_str(b.location, "/x", "the copy owns its strings");
		is_str(b.x_repo_commit, "c", "all of them");
		al_http_hdrs_release(&b);
	}
	al_buf_release(&path);
	al_buf_release(&in);
	al_buf_release(&got);
	return done_testing();
}
