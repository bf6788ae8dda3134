/*
 * tar-volume-fuzzer.c: a media volume's tar stream through import's entry
 * checks (lib/media/import.c, read_volume). The input becomes vol-0001.tar of a
 * media directory in /tmp whose airlock-media.json is fixed except for the
 * volume's size and sha256 (so every input gets past the size check and an
 * intact one can pass); a stand-in verifier accepts the manifest. Import
 * runs with verify_only into a temporary store, so nothing is written
 * there. The manifest declares one whole object and one object split in
 * two parts; tests/helpers/make-fuzz-seeds.py writes seeds holding them.
 */
#include "config.h"

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "airlock.h"
#include "core/buf.h"
#include "core/fsutil.h"
#include "fuzz-util.h"
#include "core/hash.h"
#include "core/mem.h"
#include "media/media.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MEDIA_ID "00112233445566778899aabbccddeeff"
#define MANIFEST_SHA "1111111111111111111111111111111111111111111111111111111111111111"
#define COMMENT "airlock-media id=" MEDIA_ID " seq=1 bundles=demo manifest=" MANIFEST_SHA

#define FMT_A "{\"sha256\":\"%s\",\"size\":%zu,\"volume\":1}"
#define FMT_B "{\"parts\":[{\"part\":1,\"sha256\":\"%s\",\"size\":%zu,\"volume\":1}," \
              "{\"part\":2,\"sha256\":\"%s\",\"size\":%zu,\"volume\":1}]," \
              "\"sha256\":\"%s\",\"size\":%zu}"

/* the objects the manifest declares (the seed generator uses the same bytes) */
static const char obj_a[] = "airlock fuzz: a whole object\n";
static const char part_1[] = "airlock fuzz: part one\n";
static const char part_2[] = "airlock fuzz: part two\n";

static struct {
	char root[64];
	char *media, *manifest, *volume, *sig;
	struct al_store *store;
	struct al_buf head; /* the manifest up to the volume's sha256 */
} st;

static al_err accept_all(void *ctx, const void *msg, size_t len, const char *sig, size_t siglen,
                         char **tc, char *key_id, struct al_diag *d)
{
	(void)ctx, (void)msg, (void)len, (void)sig, (void)siglen;
	if (!(*tc = al_strdup(COMMENT)))
		return al_diag_set(d, AL_ENOMEM, "out of memory");
	memcpy(key_id, "0123456789ABCDEF", 17);
	return AL_OK;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	remove(path);
	return 0;
}

static void cleanup(void)
{
	al_store_free(st.store);
	if (st.root[0])
		nftw(st.root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	al_free(st.media);
	al_free(st.manifest);
	al_free(st.volume);
	al_free(st.sig);
	al_buf_release(&st.head);
}

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	FUZZ_CHECK(f);
	FUZZ_CHECK(!n || fwrite(p, 1, n, f) == n);
	FUZZ_CHECK(!fclose(f));
}

static void setup(void)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_buf b = AL_BUF_INIT;
	char a[AL_SHA256_HEX], p1[AL_SHA256_HEX], p2[AL_SHA256_HEX], whole[AL_SHA256_HEX];
	char both[sizeof(part_1) + sizeof(part_2)];
	char *store;
	size_t na = sizeof(obj_a) - 1, n1 = sizeof(part_1) - 1, n2 = sizeof(part_2) - 1;

	snprintf(st.root, sizeof(st.root), "/tmp/airlock-fuzz-tar-XXXXXX");
	FUZZ_CHECK(mkdtemp(st.root));
	atexit(cleanup);
	st.media = al_path_join(st.root, "media");
	store = al_path_join(st.root, "store");
	FUZZ_CHECK(st.media && store && mkdir(st.media, 0700) == 0);
	st.manifest = al_path_join(st.media, AL_MEDIA_MANIFEST);
	st.volume = al_path_join(st.media, "vol-0001.tar");
	st.sig = al_path_join(st.media, AL_MEDIA_SIGNATURE);
	FUZZ_CHECK(st.manifest && st.volume && st.sig);
	FUZZ_CHECK(al_store_open(&st.store, store, AL_STORE_CREATE, &d) == AL_OK);
	al_free(store);
	write_file(st.sig, "stand-in\n", 9);

	al_sha256_hex(obj_a, na, a);
	al_sha256_hex(part_1, n1, p1);
	al_sha256_hex(part_2, n2, p2);
	memcpy(both, part_1, n1);
	memcpy(both + n1, part_2, n2);
	al_sha256_hex(both, n1 + n2, whole);

	/* keys sorted, as export writes it; objects sorted by sha256 */
	al_buf_addf(&st.head, "{\"base\":null,\"bundles\":[\"demo\"],\"contents\":[{\"bundle\":\"demo\","
	            "\"manifest_sha256\":\"" MANIFEST_SHA "\",\"repos\":[{\"commit\":"
	            "\"0123456789abcdef0123456789abcdef01234567\",\"files\":["
	            "{\"lfs\":true,\"path\":\"a.bin\",\"sha256\":\"%s\",\"size\":%zu},"
	            "{\"lfs\":true,\"path\":\"b.bin\",\"sha256\":\"%s\",\"size\":%zu}],"
	            "\"repo\":\"org/model\",\"revision\":\"main\",\"type\":\"model\"}],"
	            "\"targets\":[],\"version\":1}],\"created\":\"2024-01-01T00:00:00Z\","
	            "\"format\":\"" AL_MEDIA_FORMAT "\",\"id\":\"" MEDIA_ID "\","
	            "\"key_id\":\"0123456789ABCDEF\",\"objects\":[",
	            a, na, whole, n1 + n2);
	if (strcmp(a, whole) < 0) {
		al_buf_addf(&b, FMT_A, a, na);
		al_buf_addch(&b, ',');
		al_buf_addf(&b, FMT_B, p1, n1, p2, n2, whole, n1 + n2);
	} else {
		al_buf_addf(&b, FMT_B, p1, n1, p2, n2, whole, n1 + n2);
		al_buf_addch(&b, ',');
		al_buf_addf(&b, FMT_A, a, na);
	}
	al_buf_addstr(&st.head, b.buf);
	al_buf_addstr(&st.head, "],\"seq\":1,\"volumes\":[{\"name\":\"vol-0001.tar\",\"sha256\":\"");
	al_buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct al_verifier v = { NULL, accept_all };
	struct al_media_summary sum;
	struct al_diag d = AL_DIAG_INIT;
	struct al_buf m = AL_BUF_INIT;
	struct al_import_opts o = { 0 };
	const char *dirs[1];
	char hex[AL_SHA256_HEX];
	al_err err;

	if (size > (8u << 20))
		return 0;
	if (!st.root[0])
		setup();
	al_sha256_hex(data, size, hex);
	write_file(st.volume, data, size);
	FUZZ_CHECK(!al_buf_addf(&m, "%s%s\",\"size\":%zu}]}", st.head.buf, hex, size));
	write_file(st.manifest, m.buf, m.len);
	al_buf_release(&m);

	dirs[0] = st.media;
	o.dirs = dirs;
	o.ndirs = 1;
	o.verifier = &v;
	o.verify_only = true;
	err = al_media_import(st.store, &o, &sum, &d);
	if (getenv("FUZZ_VERBOSE")) /* for triage: what was refused */
		fprintf(stderr, "%d %s\n", (int)err, err ? d.msg : "ok");
	/* the manifest is valid and its signature accepted: only the volume can fail */
	FUZZ_CHECK(err == AL_OK || err == AL_EVERIFY || err == AL_ENOMEM);
	FUZZ_CHECK(err != AL_OK || (sum.objects == 2 && sum.volumes == 1));
	al_media_summary_release(&sum);
	return 0;
}
