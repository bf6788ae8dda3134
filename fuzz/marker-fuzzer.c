/*
 * marker-fuzzer: al_marker_parse, str() and evaluation. A marker's string
 * form (when it has one) parses again to the same string.
 */
#include "config.h"

#include <string.h>

#include "core/buf.h"
#include "fuzz-util.h"
#include "pypa/pep508.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct al_marker *m = NULL, *again = NULL;
	struct al_marker_env env = { { "3.11", "3.11.7+", "posix", "linux", "6.1.0", "Linux",
		                       "#1 SMP", "x86_64", "CPython", "cpython", "3.11.7", "Foo" } };
	struct al_buf a = AL_BUF_INIT, b = AL_BUF_INIT;
	char *s = fuzz_cstr(data, size, 16384);
	bool yes;

	if (al_marker_parse(&m, s, NULL) == AL_OK) {
		al_marker_evaluate(m, &env, &yes, NULL);
		if (al_marker_str(m, &a) == AL_OK && !strpbrk(a.buf, "\\\n\r")) {
			FUZZ_CHECK(al_marker_parse(&again, a.buf, NULL) == AL_OK);
			FUZZ_CHECK(al_marker_str(again, &b) == AL_OK && strcmp(a.buf, b.buf) == 0);
			al_marker_free(again);
		}
		al_marker_free(m);
	}
	al_buf_release(&a);
	al_buf_release(&b);
	free(s);
	return 0;
}
