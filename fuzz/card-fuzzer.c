/*
 * card-fuzzer.c: text from the connected side's sources that the review
 * and the lock read as hostile: the first byte picks the reader, the rest
 * is its input.
 *   0: a distribution's core metadata for its licence (al_sbom_metadata_licenses)
 *   1: a Hub repo card's front matter (al_sbom_card)
 *   2: an sdist's pyproject.toml build-system table (al_pyproject_build_system,
 *      then al_build_requirements)
 * A result, when there is one, is well formed: licences and datasets are
 * arrays, every build requirement is a string.
 */
#include "config.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/mem.h"
#include "pypa/pyproject.h"
#include "review/sbom.h"

#include "fuzz-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct al_diag d = AL_DIAG_INIT;
	const char *text = (const char *)data + 1;
	size_t len;

	if (size < 1 || size > (1u << 20))
		return 0;
	len = size - 1;
	switch (data[0] % 3) {
	case 0: {
		json_t *lic = NULL;
		if (al_sbom_metadata_licenses(text, len, &lic, &d) == AL_OK && !json_is_array(lic))
			abort();
		json_decref(lic);
		break;
	}
	case 1: {
		json_t *lic = NULL, *ds = NULL;
		if (al_sbom_card(text, len, &lic, &ds, &d) == AL_OK &&
		    (!json_is_array(lic) || !json_is_array(ds)))
			abort();
		json_decref(lic);
		json_decref(ds);
		break;
	}
	default: {
		struct al_build_system b = { 0 };
		char **reqs = NULL;
		size_t n = 0, i;
		if (al_pyproject_build_system(text, len, "pyproject.toml", &b, &d) == AL_OK &&
		    al_build_requirements(&b, &reqs, &n, &d) == AL_OK) {
			for (i = 0; i < n; i++)
				if (!reqs[i])
					abort();
			if (reqs[n])
				abort(); /* NULL-terminated */
			al_strv_free(reqs, n);
		}
		al_build_system_release(&b);
		break;
	}
	}
	return 0;
}
