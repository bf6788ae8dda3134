/*
 * metadata-fuzzer.c: core metadata (METADATA / PKG-INFO). libFuzzer entry
 * point; fuzz/replay.c replays fixtures/fuzz/metadata/ under make check.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "pypa/metadata.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct al_metadata md = AL_METADATA_INIT;
	struct al_diag d = AL_DIAG_INIT;

	if (al_metadata_parse(&md, (const char *)data, size, &d) == AL_OK) {
		if (!md.name || !md.version || !md.metadata_version)
			abort();
		for (size_t i = 0; i < md.nrequires_dist; i++)
			if (!md.requires_dist[i])
				abort();
	} else if (!d.msg[0] || md.name) {
		abort();
	}
	al_metadata_release(&md);
	return 0;
}
