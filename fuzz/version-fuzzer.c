/*
 * version-fuzzer: al_version_parse. A parsed version's canonical string
 * parses again to an equal version with the same string.
 */
#include "config.h"

#include "core/buf.h"
#include "fuzz-util.h"
#include "pypa/pep440.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct al_version v, w;
	struct al_buf a = AL_BUF_INIT, b = AL_BUF_INIT;
	char *s = fuzz_cstr(data, size, 4096);

	if (al_version_parse(&v, s, NULL) == AL_OK) {
		FUZZ_CHECK(al_version_cmp(&v, &v) == 0);
		FUZZ_CHECK(al_version_str(&v, &a) == AL_OK);
		FUZZ_CHECK(al_version_parse(&w, a.buf, NULL) == AL_OK);
		FUZZ_CHECK(al_version_cmp(&v, &w) == 0);
		FUZZ_CHECK(al_version_str(&w, &b) == AL_OK && strcmp(a.buf, b.buf) == 0);
		al_buf_reset(&b);
		FUZZ_CHECK(al_version_public_str(&v, &b) == AL_OK);
		al_version_release(&w);
		al_version_release(&v);
	}
	al_buf_release(&a);
	al_buf_release(&b);
	free(s);
	return 0;
}
