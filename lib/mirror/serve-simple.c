/*
 * serve-simple.c: the PEP 503/691 pages of `airlock serve` (docs/reference/serve.md):
 * content negotiation by the Accept header, /simple/ and /simple/<project>/
 * as HTML or JSON, the redirect to a name's normalized form and trailing
 * '/', project-name normalization and URL escaping for the links.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/mem.h"
#include "mirror/serve-internal.h"

/* q as thousandths: "1", "0.5", "0.010"; -1 when malformed */
static int parse_q(const char *s, size_t n)
{
	int v = 0, scale = 1000;
	size_t i = 0;

	if (!n || (s[0] != '0' && s[0] != '1'))
		return -1;
	v = (s[0] - '0') * 1000;
	if (n == 1)
		return v;
	if (s[1] != '.')
		return -1;
	for (i = 2; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || i > 4)
			return -1;
		scale /= 10;
		v += (s[i] - '0') * scale;
	}
	return v > 1000 ? -1 : v;
}

static bool span_is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && !strncasecmp(s, word, n);
}

enum al_simple_format al_serve_negotiate(const char *accept)
{
	int q_json = 0, q_v1html = 0, q_html = 0, q_html_wild = 0;
	const char *p = accept;

	if (!accept || !*accept)
		return AL_SIMPLE_HTML;
	while (*p) {
		const char *item = p, *end = strchr(p, ','), *semi, *type_end;
		size_t tlen;
		int q = 1000;

		if (!end)
			end = p + strlen(p);
		p = *end ? end + 1 : end;
		while (item < end && (*item == ' ' || *item == '\t'))
			item++;
		semi = NULL;
		for (type_end = item; type_end < end; type_end++)
			if (*type_end == ';') {
				semi = type_end;
				break;
			}
		type_end = semi ? semi : end;
		while (type_end > item && (type_end[-1] == ' ' || type_end[-1] == '\t'))
			type_end--;
		tlen = (size_t)(type_end - item);
		/* parameters: only q matters */
		while (semi && semi < end) {
			const char *ps = semi + 1, *pe = ps;
			while (pe < end && *pe != ';')
				pe++;
			while (ps < pe && (*ps == ' ' || *ps == '\t'))
				ps++;
			if (pe - ps >= 2 && (ps[0] == 'q' || ps[0] == 'Q') && ps[1] == '=') {
				const char *ve = pe;
				while (ve > ps + 2 && (ve[-1] == ' ' || ve[-1] == '\t'))
					ve--;
				q = parse_q(ps + 2, (size_t)(ve - ps - 2));
				if (q < 0)
					q = 0;
			}
			semi = pe < end ? pe : NULL;
		}
		if (span_is(item, tlen, CT_V1JSON))
			q_json = q > q_json ? q : q_json;
		else if (span_is(item, tlen, CT_V1HTML))
			q_v1html = q > q_v1html ? q : q_v1html;
		else if (span_is(item, tlen, "text/html"))
			q_html = q > q_html ? q : q_html;
		else if (span_is(item, tlen, "text/*") || span_is(item, tlen, "*/*"))
			q_html_wild = q > q_html_wild ? q : q_html_wild;
	}
	if (!q_html)
		q_html = q_html_wild;
	if (q_json > 0 && q_json >= q_v1html && q_json >= q_html)
		return AL_SIMPLE_JSON;
	if (q_v1html > 0 && q_v1html >= q_html)
		return AL_SIMPLE_V1HTML;
	return AL_SIMPLE_HTML;
}

bool serve_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool al_serve_normalize(const char *name, char *out)
{
	size_t n = strlen(name), i;
	char *o = out;

	if (!n || !serve_name_char(name[0]) || !serve_name_char(name[n - 1]))
		return false;
	for (i = 0; i < n; i++) {
		char c = name[i];
		if (c == '-' || c == '_' || c == '.') {
			if (o[-1] != '-')
				*o++ = '-';
		} else if (serve_name_char(c)) {
			*o++ = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
		} else {
			return false;
		}
	}
	*o = '\0';
	return true;
}


/* Percent-encode what may not stand in a URL as it is. keep: extra bytes to
 * leave alone ("/" for paths; "%" for text that is already encoded). */
al_err serve_url_escape(struct al_buf *b, const char *s, const char *keep)
{
	static const char hex[] = "0123456789ABCDEF";
	al_err err = AL_OK;

	for (; *s && !err; s++) {
		unsigned char c = (unsigned char)*s;
		if (serve_name_char((char)c) || c == '-' || c == '_' || c == '.' || c == '~' ||
		    (c && strchr(keep, c)))
			err = al_buf_addch(b, (char)c);
		else
			err = al_buf_addf(b, "%%%c%c", hex[c >> 4], hex[c & 15]);
	}
	return err;
}


static const char *format_type(enum al_simple_format f)
{
	return f == AL_SIMPLE_JSON ? CT_V1JSON : f == AL_SIMPLE_V1HTML ? CT_V1HTML : CT_HTML;
}

static enum MHD_Result simple_root(struct req *r, enum al_simple_format f)
{
	const char *vary[] = { MHD_HTTP_HEADER_VARY, "Accept", NULL };
	json_t *projects, *root;
	char **names = NULL, *body;
	size_t n, i;
	enum MHD_Result ret;

	if (f != AL_SIMPLE_JSON)
		return serve_rel(r, "simple/index.html", format_type(f), vary);
	if (serve_list_dir(r, "simple", true, &names, &n) < 0)
		return errno == ENOMEM ? serve_text(r, 500, "out of memory") : serve_text(r, 404, "not found");
	projects = json_array();
	for (i = 0; projects && i < n; i++)
		if (json_array_append_new(projects, json_pack("{s:s}", "name", names[i]))) {
			json_decref(projects);
			projects = NULL;
		}
	serve_free_names(names, n);
	root = projects ? json_pack("{s:{s:s}, s:o}", "meta", "api-version", "1.1", "projects",
	                            projects)
	                : NULL;
	if (!root || !(body = json_dumps(root, JSON_COMPACT))) {
		json_decref(root);
		return serve_text(r, 500, "out of memory");
	}
	json_decref(root);
	ret = serve_reply(r, 200, CT_V1JSON, body, strlen(body), vary);
	free(body);
	return ret;
}

enum MHD_Result serve_route_simple(struct req *r, const struct rpath *p)
{
	const char *vary[] = { MHD_HTTP_HEADER_VARY, "Accept", NULL };
	struct al_buf b = AL_BUF_INIT;
	enum al_simple_format f;
	enum MHD_Result ret;
	char *norm;

	if (r->m != M_GET && r->m != M_HEAD)
		return serve_not_allowed(r, "GET, HEAD");
	f = al_serve_negotiate(MHD_lookup_connection_value(r->c, MHD_HEADER_KIND,
	                                                   MHD_HTTP_HEADER_ACCEPT));
	if (p->n == 1)
		return p->trailing ? simple_root(r, f) : serve_redirect(r, "simple/");
	if (p->n != 2 || p->slash[1])
		return serve_text(r, 404, "not found");
	if (!(norm = al_malloc(strlen(p->seg[1]) + 1)))
		return serve_text(r, 500, "out of memory");
	if (!al_serve_normalize(p->seg[1], norm)) {
		ret = serve_text(r, 404, "not found");
	} else if (strcmp(norm, p->seg[1])) {
		/* relative, so that a path prefix in front of us survives */
		ret = al_buf_addstr(&b, p->trailing ? "../" : "") || serve_url_escape(&b, norm, "") ||
		              al_buf_addch(&b, '/')
		      ? serve_text(r, 500, "out of memory")
		      : serve_redirect(r, b.buf);
	} else if (!p->trailing) {
		ret = al_buf_addf(&b, "%s/", norm) ? serve_text(r, 500, "out of memory") : serve_redirect(r, b.buf);
	} else if (al_buf_addf(&b, "simple/%s/%s", norm,
	                       f == AL_SIMPLE_JSON ? "index.v1_json" : "index.html")) {
		ret = serve_text(r, 500, "out of memory");
	} else {
		ret = serve_rel(r, b.buf, format_type(f), vary);
	}
	al_free(norm);
	al_buf_release(&b);
	return ret;
}
