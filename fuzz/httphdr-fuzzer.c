/*
 * httphdr-fuzzer.c: libFuzzer harness for lib/net/httphdr.c. The input is fed
 * as a whole header block, then to each single-value parser, then (as a C
 * string) to the userinfo stripper of lib/core/url.c. Seeds: fixtures/fuzz/httphdr/.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/url.h"
#include "net/httphdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct al_http_hdrs h, c;
	struct al_buf b = AL_BUF_INIT;
	int64_t x, y, z;
	const char *e;
	char *s;
	int st;

	if (size > (1 << 20))
		return 0;
	al_http_hdrs_init(&h);
	al_http_hdrs_init(&c);
	al_ignore(al_http_hdrs_parse(&h, p, size, 1700000000, NULL));
	al_ignore(al_http_hdrs_copy(&c, &h));
	al_http_hdrs_release(&h);
	al_http_hdrs_release(&c);

	al_httphdr_status_line(p, size, &st);
	al_httphdr_uint(p, size, &x);
	al_httphdr_date(p, size, &x);
	al_httphdr_retry_after(p, size, 1700000000, &x);
	if (al_httphdr_content_range(p, size, &x, &y, &z) && x >= 0 && (y < x || (z >= 0 && y >= z)))
		abort(); /* the parser promised start <= end < total */
	al_ignore(al_httphdr_link_next(p, size, &b));
	al_httphdr_ratelimit(p, size, &x, &y);
	if (al_httphdr_etag_strip(p, size, &e) > size)
		abort();

	if ((s = al_malloc(size + 1))) {
		memcpy(s, data, size);
		s[size] = '\0';
		al_buf_reset(&b);
		/* what is stripped has no userinfo left */
		if (!al_url_strip_userinfo_buf(&b, s) && al_url_has_userinfo(b.buf))
			abort();
		al_free(s);
	}
	al_buf_release(&b);
	return 0;
}
