/*
 * media-manifest-fuzzer.c: airlock-media.json through the parser and checks
 * import runs after the signature (al_media_manifest_check, lib/media/import.c):
 * JSON, every field, every lock in contents, the bundles list. Seeds:
 * fixtures/fuzz/media-manifest/ (tests/helpers/make-fuzz-seeds.py).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-util.h"
#include "media/media.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct al_diag d = AL_DIAG_INIT;
	al_err err;

	if (size > (4u << 20))
		return 0;
	err = al_media_manifest_check((const char *)data, size, &d);
	if (getenv("FUZZ_VERBOSE")) /* for triage: what was refused */
		fprintf(stderr, "%d %s\n", (int)err, err ? d.msg : "ok");
	/* a refusal always says why */
	FUZZ_CHECK(err == AL_OK || d.msg[0]);
	return 0;
}
