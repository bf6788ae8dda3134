/*
 * lock-fuzzer.c: airlock.lock files (YAML through lib/core/yamlx.c, then the
 * checks of al_lock_from_json, which also guard media contents). A lock that
 * loads must format and load back to the same bytes.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "file-input.h"
#include "core/mem.h"
#include "spec/lock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct al_lock *l = NULL, *back = NULL;
	struct al_diag d = AL_DIAG_INIT;
	char *a = NULL, *b = NULL;
	size_t na = 0, nb = 0;
	const char *path;

	if (size > (1u << 20))
		return 0;
	path = fuzz_file(data, size, ".lock");
	if (al_lock_load(&l, path, &d) == AL_OK) {
		size_t i, k;
		for (i = 0; i < l->nrepos; i++)
			for (k = 0; k < l->repos[i].nfiles; k++)
				if (strstr(l->repos[i].files[k].path, "..") == l->repos[i].files[k].path ||
				    l->repos[i].files[k].path[0] == '/')
					abort();
		if (al_lock_format(l, &a, &na, &d) == AL_OK) {
			path = fuzz_file((const uint8_t *)a, na, ".lock");
			if (al_lock_load(&back, path, &d) != AL_OK ||
			    al_lock_format(back, &b, &nb, &d) != AL_OK || na != nb || memcmp(a, b, na))
				abort();
		}
	}
	al_free(a);
	al_free(b);
	al_lock_free(l);
	al_lock_free(back);
	return 0;
}
