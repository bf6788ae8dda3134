/*
 * simple-page-fuzzer.c: PEP 503 HTML and PEP 691 JSON project pages. The
 * first byte chooses the format; the rest is the page.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "pypa/simple.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct al_simple_page *p = NULL;
	struct al_diag d = AL_DIAG_INIT;
	size_t i;

	if (size < 1 || size > (1u << 20))
		return 0;
	if (al_simple_parse(data[0] & 1 ? AL_SIMPLE_JSON : AL_SIMPLE_HTML, (const char *)data + 1,
	                    size - 1, "https://index.example/simple/demo/", &p, &d) == AL_OK) {
		for (i = 0; i < p->nfiles; i++) {
			const struct al_simple_file *f = &p->files[i];
			/* every file has a name without a slash and an absolute http(s)/file URL */
			if (!f->filename || !*f->filename || strchr(f->filename, '/') || !f->url)
				abort();
			if (strncmp(f->url, "http://", 7) && strncmp(f->url, "https://", 8) &&
			    strncmp(f->url, "file://", 7))
				abort();
			if (f->sha256 && !al_is_hex(f->sha256, 64))
				abort();
		}
	}
	al_simple_page_free(p);
	return 0;
}
