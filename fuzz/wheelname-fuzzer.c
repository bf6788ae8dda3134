/*
 * wheelname-fuzzer.c: wheel and sdist file names, and tag-set ranking of
 * what parses. libFuzzer entry point; fuzz/replay.c replays the corpus in
 * fixtures/fuzz/wheelname/ under make check.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "pypa/tags.h"
#include "pypa/wheelname.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const plats[] = { "manylinux_2_17_x86_64", "musllinux_1_1_x86_64" };
	static const struct al_target_spec t = { "3.11", "cp", plats, 2 };
	struct al_wheelname w = AL_WHEELNAME_INIT;
	struct al_sdistname s = AL_SDISTNAME_INIT;
	struct al_tagset *ts = NULL;
	struct al_diag d = AL_DIAG_INIT;
	char *name;

	if (size > 4096)
		return 0;
	if (!(name = al_malloc(size + 1)))
		return 0;
	memcpy(name, data, size);
	name[size] = '\0';
	if (al_wheelname_parse(&w, name, &d) == AL_OK) {
		if (!w.normalized[0] || !w.version[0] || !w.py[0] || !w.abi[0] || !w.plat[0])
			abort();
		if (al_tagset_new(&ts, &t, &d) == AL_OK) {
			int r = al_tagset_best_rank(ts, w.py, w.abi, w.plat);

			if (r >= (int)al_tagset_count(ts))
				abort();
		}
	} else if (!d.msg[0]) {
		abort(); /* every failure says why */
	}
	al_diag_clear(&d);
	if (al_sdistname_parse(&s, name, &d) == AL_OK && (!s.normalized[0] || !s.version[0]))
		abort();
	al_tagset_free(ts);
	al_wheelname_release(&w);
	al_sdistname_release(&s);
	al_free(name);
	return 0;
}
