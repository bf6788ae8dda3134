/*
 * hub-tree-fuzzer: the Hub's JSON listings (lib/hub/hub.c). The input goes to
 * al_hub_parse_tree and to al_hub_parse_info (with and without siblings);
 * whatever is accepted passes al_hub_check_files or is refused, and every
 * file that comes out has a safe path and sane hashes and sizes.
 */
#include "config.h"

#include "core/fsutil.h"
#include "fuzz-util.h"
#include "core/hash.h"
#include "core/mem.h"
#include "hub/hub.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(struct al_hub_files *f)
{
	if (al_hub_check_files(f, NULL) != AL_OK)
		return;
	for (size_t i = 0; i < f->n; i++) {
		const struct al_lock_file *x = &f->v[i];
		FUZZ_CHECK(al_path_safe(x->path));
		FUZZ_CHECK(x->size >= 0 && x->size <= AL_HUB_MAX_FILE_SIZE);
		FUZZ_CHECK(x->git_sha1 && al_is_hex(x->git_sha1, 40));
		FUZZ_CHECK(x->lfs == (x->sha256 != NULL));
		FUZZ_CHECK(!x->sha256 || al_is_hex(x->sha256, 64));
		if (i)
			FUZZ_CHECK(strcmp(f->v[i - 1].path, x->path) < 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct al_hub_files f = { 0 };
	char *sha = NULL;

	if (al_hub_parse_tree((const char *)data, size, &f, NULL) == AL_OK)
		check(&f);
	al_hub_files_release(&f);
	if (al_hub_parse_info((const char *)data, size, &sha, NULL, NULL) == AL_OK)
		FUZZ_CHECK(sha && al_is_hex(sha, 40));
	al_free(sha);
	sha = NULL;
	if (al_hub_parse_info((const char *)data, size, &sha, &f, NULL) == AL_OK) {
		FUZZ_CHECK(sha && al_is_hex(sha, 40));
		check(&f);
	}
	al_free(sha);
	al_hub_files_release(&f);
	return 0;
}
