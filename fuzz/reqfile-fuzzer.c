/*
 * reqfile-fuzzer.c: requirements-file text (no includes, a fixed variable
 * table). libFuzzer entry point; fuzz/replay.c replays
 * fixtures/fuzz/reqfile/ under make check.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pypa/reqfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *fixed_env(void *ctx, const char *name)
{
	(void)ctx;
	return !strcmp(name, "TOKEN") ? "s3cret" : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct al_reqfile rf = AL_REQFILE_INIT;
	struct al_reqfile_params p = { .no_includes = true, .getenv = fixed_env };
	struct al_diag d = AL_DIAG_INIT;

	if (al_reqfile_add_buf(&rf, "fuzz.txt", (const char *)data, size, &p, &d) == AL_OK) {
		for (size_t i = 0; i < rf.nentries; i++)
			if (!rf.entries[i].requirement[0] || !rf.entries[i].line)
				abort();
	} else if (!d.msg[0]) {
		abort();
	}
	al_reqfile_release(&rf);
	return 0;
}
