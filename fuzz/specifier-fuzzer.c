/*
 * specifier-fuzzer: al_specset_parse and matching. The canonical string
 * of a set parses again; matching a few versions must not crash.
 */
#include "config.h"

#include "core/buf.h"
#include "fuzz-util.h"
#include "pypa/pep440.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const probes[] = { "1.0", "1.0a1", "1.0.post1", "1.0+local",
		                              "2!1.0.dev3", "0", "not a version" };
	struct al_specset set, again;
	struct al_buf a = AL_BUF_INIT;
	char *s = fuzz_cstr(data, size, 8192);
	bool keep[7], yes;
	size_t i;

	if (al_specset_parse(&set, s, NULL) == AL_OK) {
		FUZZ_CHECK(al_specset_str(&set, &a) == AL_OK);
		FUZZ_CHECK(al_specset_parse(&again, a.buf, NULL) == AL_OK);
		al_specset_release(&again);
		for (i = 0; i < 7; i++) {
			FUZZ_CHECK(al_specset_contains_str(&set, probes[i], -1, &yes, NULL) == AL_OK);
			FUZZ_CHECK(al_specset_contains_str(&set, probes[i], 0, &yes, NULL) == AL_OK);
		}
		al_specset_filter(&set, (const struct al_version *const[7]){ 0 }, probes, 7, -1,
		                  keep);
		al_specset_release(&set);
	}
	al_buf_release(&a);
	free(s);
	return 0;
}
