/*
 * manifest-fuzzer.c: airlock.yaml through the YAML adapter and the manifest
 * checks, reporting every problem.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "airlock.h"
#include "file-input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count(void *ctx, const char *msg)
{
	/* every message is one line, with the file name first */
	if (strchr(msg, '\n') || strncmp(msg, "/tmp/airlock-fuzz-", 18))
		abort();
	(*(unsigned *)ctx)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct al_manifest *m = NULL;
	struct al_diag d = AL_DIAG_INIT;
	unsigned seen = 0, n = 0;
	const char *path;

	if (size > (1u << 20) + 16)
		return 0;
	path = fuzz_file(data, size, ".yaml");
	if (al_manifest_check(&m, path, count, &seen, &n, &d) == AL_OK && (!m || !m->bundle))
		abort();
	al_manifest_free(m);
	return 0;
}
