/*
 * requirement-fuzzer: al_requirement_parse, str() and marker evaluation.
 */
#include "config.h"

#include "core/buf.h"
#include "fuzz-util.h"
#include "pypa/pep508.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct al_requirement r;
	struct al_marker_env env = { { "3.11", "3.11.7", "posix", "linux", "6.1.0", "Linux",
		                       "#1 SMP", "x86_64", "CPython", "cpython", "3.11.7", "" } };
	struct al_buf a = AL_BUF_INIT;
	const char *extras[] = { "test" };
	char *s = fuzz_cstr(data, size, 16384);
	bool yes;

	if (al_requirement_parse(&r, s, NULL) == AL_OK) {
		al_requirement_str(&r, &a);
		al_requirement_applies(&r, &env, NULL, 0, &yes, NULL);
		al_requirement_applies(&r, &env, extras, 1, &yes, NULL);
		al_requirement_release(&r);
	}
	al_buf_release(&a);
	free(s);
	return 0;
}
