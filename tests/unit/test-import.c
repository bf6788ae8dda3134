/* lib/media/import.c through its own interface, al_media_import, with the real
 * signature path: a key pair from al_keygen, media from al_media_export in
 * one temporary store, imported into another. Good media imports and its
 * objects arrive intact; media signed by a key nobody trusts, or with one
 * byte of a volume flipped, or with a volume missing, is refused and the
 * store stays as it was; verify_only checks everything and changes
 * nothing. (test-media drives export and import together, with a stand-in
 * signer, over a wider tamper matrix.) */
#include "config.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "airlock.h"
#include "core/buf.h"
#include "core/mem.h"
#include "store/bundle.h"
#include "tap.h"

static char root[] = "/tmp/airlock-test-import-XXXXXX";
static struct al_buf walked = AL_BUF_INIT;

/* ROOT/rel, in one of two static buffers */
static const char *at(const char *rel)
{
	static char p[2][4200];
	static int k;
	k ^= 1;
	snprintf(p[k], sizeof(p[k]), "%s/%s", root, rel);
	return p[k];
}

/* Stop here: the test cannot go on (a broken fixture, not a finding). */
static void bail(const char *what, const struct al_diag *d)
{
	printf("Bail out! %s: %s\n", what, d ? d->msg : "");
	exit(1);
}

static int walk_one(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)f;
	if (type == FTW_F)
		al_buf_addf(&walked, "%s %lld\n", path, (long long)st->st_size);
	return 0;
}

/* What must not change on a refused import or a verify: every file under
 * blobs/ and tmp/ with its size, and the store's counts (blobs, bytes,
 * references, bundles, accepted imports). The ledger is left out: a
 * refusal is recorded there. */
static char *state(struct al_store *s, const char *dir)
{
	struct al_store_info info;
	struct al_diag d = AL_DIAG_INIT;
	struct al_buf p = AL_BUF_INIT;

	al_buf_reset(&walked);
	al_buf_addf(&p, "%s/blobs", dir);
	nftw(p.buf, walk_one, 16, FTW_PHYS);
	al_buf_reset(&p);
	al_buf_addf(&p, "%s/tmp", dir);
	nftw(p.buf, walk_one, 16, FTW_PHYS);
	al_buf_release(&p);
	if (al_store_info(s, &info, &d) == AL_OK)
		al_buf_addf(&walked, "blobs %llu bytes %llu referenced %llu bundles %llu imports %llu\n",
		            (unsigned long long)info.blobs, (unsigned long long)info.bytes,
		            (unsigned long long)info.referenced, (unsigned long long)info.bundles,
		            (unsigned long long)info.imports);
	return al_strdup(walked.buf ? walked.buf : "");
}

/* A bundle "demo" of one model repo whose files are put in the store. */
static struct al_lock *make_bundle(struct al_store *s, const size_t *sizes, size_t n)
{
	struct al_lock *l = al_calloc(1, sizeof(*l));
	struct al_lock_repo *r = al_calloc(1, sizeof(*r));
	struct al_diag d = AL_DIAG_INIT;
	size_t i, k;

	l->version = 1;
	l->bundle = al_strdup("demo");
	l->manifest_sha256 = al_strdup("2222222222222222222222222222222222222222222222222222222222222222");
	l->repos = r;
	l->nrepos = 1;
	r->type = al_strdup("model");
	r->repo = al_strdup("org/tiny");
	r->revision = al_strdup("main");
	r->commit = al_strdup("89abcdef0123456789abcdef0123456789abcdef");
	r->files = al_calloc(n, sizeof(*r->files));
	for (i = 0; i < n; i++) {
		struct al_blob_writer *w = NULL;
		unsigned char *buf = al_malloc(sizes[i] + 1);
		char hex[65], name[32];

		for (k = 0; k < sizes[i]; k++)
			buf[k] = (unsigned char)(k * 13 + i * 101);
		if (al_blob_writer_new(s, &w, NULL, AL_SIZE_UNKNOWN, &d) ||
		    al_blob_writer_write(w, buf, sizes[i], &d) || al_blob_writer_commit(w, hex, &d))
			bail("cannot put a blob", &d);
		al_free(buf);
		snprintf(name, sizeof(name), "weights-%zu.bin", i);
		r->files[i].path = al_strdup(name);
		r->files[i].size = (int64_t)sizes[i];
		r->files[i].sha256 = al_strdup(hex);
		r->nfiles++;
	}
	return l;
}

static void count_ledger(void *ctx, const struct al_ledger_entry *e)
{
	int *counts = ctx;
	counts[e->accepted ? 1 : 0]++;
}

/* XOR one byte of path at off with 0x01. */
static int flip(const char *path, off_t off)
{
	int fd = open(path, O_RDWR);
	unsigned char c;
	int rc = -1;

	if (fd >= 0 && pread(fd, &c, 1, off) == 1) {
		c ^= 0x01;
		rc = pwrite(fd, &c, 1, off) == 1 ? 0 : -1;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

static void copy_media(const char *from, const char *to)
{
	struct al_buf cmd = AL_BUF_INIT;

	al_buf_addf(&cmd, "rm -rf '%s' && cp -r '%s' '%s'", to, from, to);
	if (system(cmd.buf) != 0)
		bail("cannot copy the media", NULL);
	al_buf_release(&cmd);
}

int main(void)
{
	static const size_t sizes[] = { 150000, 10, 0, 90000 };
	struct al_diag d = AL_DIAG_INIT;
	struct al_store *a = NULL, *b = NULL;
	struct al_mkey *key = NULL;
	struct al_lock *l, *got = NULL;
	struct al_media_summary sum = { 0 };
	struct al_export_opts eo = { 0 };
	struct al_import_opts io = { 0 };
	const char *dirs[1], *trust[1];
	char key_id[AL_KEYID_LEN], *before, *after, *media, *work, *pub;
	struct al_buf cmd = AL_BUF_INIT;
	int counts[2] = { 0, 0 };
	size_t i;

	if (!mkdtemp(root))
		return 1;
	if (al_store_open(&a, at("a"), AL_STORE_CREATE, &d) ||
	    al_store_open(&b, at("b"), AL_STORE_CREATE, &d))
		bail("cannot open the stores", &d);
	is_int(al_keygen(at("k"), NULL, AL_KEYGEN_UNENCRYPTED, key_id, &d), AL_OK, "a key pair");
	is_int(al_minisign_key_read(&key, at("k.key"), &d), AL_OK, "read the secret key");
	l = make_bundle(a, sizes, sizeof(sizes) / sizeof(*sizes));
	is_int(al_bundle_put(a, l, &d), AL_OK, "a bundle in the first store");

	eo.out_dir = at("m");
	eo.key = key;
	eo.volume_size = 64 << 10;
	is_int(al_media_export(a, &eo, &sum, &d), AL_OK, "export it, in 64 KiB volumes");
	ok(sum.volumes >= 3, "over several volumes (%u)", sum.volumes);
	al_media_summary_release(&sum);

	media = al_strdup(at("m"));
	work = al_strdup(at("w"));
	pub = al_strdup(at("k.pub"));
	before = state(b, at("b"));
	dirs[0] = work;
	io.dirs = dirs;
	io.ndirs = 1;

	/* signed by a key the store does not trust */
	copy_media(at("m"), at("w"));
	is_int(al_media_import(b, &io, &sum, &d), AL_EREFUSED, "a key nobody trusts is refused");
	ok(strstr(d.msg, "trust") != NULL, "saying why: %s", d.msg);
	al_media_summary_release(&sum);
	after = state(b, at("b"));
	is_str(after, before, "and the store is unchanged");
	al_free(after);

	/* trusted for this call (--trust), one byte of a volume flipped */
	trust[0] = pub;
	io.trust = trust;
	io.ntrust = 1;
	ok(flip(at("w/vol-0002.tar"), 5000) == 0, "flip a byte inside vol-0002.tar");
	ok(al_media_import(b, &io, &sum, &d) != AL_OK, "a flipped byte in a volume is refused");
	ok(strstr(d.msg, "vol-0002.tar") != NULL, "naming the volume: %s", d.msg);
	al_media_summary_release(&sum);
	after = state(b, at("b"));
	is_str(after, before, "and the store is unchanged");
	al_free(after);
	io.verify_only = true;
	ok(al_media_import(b, &io, &sum, &d) != AL_OK, "verify finds it too");
	al_media_summary_release(&sum);
	io.verify_only = false;

	/* a volume missing */
	copy_media(at("m"), at("w"));
	ok(unlink(at("w/vol-0001.tar")) == 0, "remove vol-0001.tar");
	ok(al_media_import(b, &io, &sum, &d) != AL_OK, "a missing volume is refused: %s", d.msg);
	al_media_summary_release(&sum);
	after = state(b, at("b"));
	is_str(after, before, "and the store is unchanged");
	al_free(after);

	/* verify_only on good media: it passes and nothing changes, not even
	 * the ledger */
	dirs[0] = media;
	io.verify_only = true;
	is_int(al_ledger_list(b, count_ledger, counts, &d), AL_OK, "the ledger so far");
	/* a store without trusted keys is not set up yet, and a verify is no
	 * import: neither takes a line */
	is_int(counts[0], 2, "holds the two refused imports");
	is_int(al_media_import(b, &io, &sum, &d), AL_OK, "verify_only passes on good media");
	is_int(sum.objects, sizeof(sizes) / sizeof(*sizes), "counting every object");
	is_str(sum.key_id, key_id, "signed by our key");
	al_media_summary_release(&sum);
	after = state(b, at("b"));
	is_str(after, before, "verify_only changes nothing in the store");
	al_free(after);
	counts[0] = counts[1] = 0;
	al_ledger_list(b, count_ledger, counts, &d);
	ok(counts[0] == 2 && counts[1] == 0, "nor in the ledger");
	io.verify_only = false;

	/* the real import */
	is_int(al_media_import(b, &io, &sum, &d), AL_OK, "good media imports");
	is_str(sum.bundles, "demo", "the bundle it carries");
	ok(!sum.already, "for the first time");
	al_media_summary_release(&sum);
	is_int(al_bundle_get(b, "demo", &got, &d), AL_OK, "the bundle is in the second store");
	for (i = 0; got && i < got->repos[0].nfiles; i++)
		ok(al_store_has(b, got->repos[0].files[i].sha256) &&
		   al_store_rehash(b, got->repos[0].files[i].sha256, &d) == AL_OK,
		   "%s arrived intact", got->repos[0].files[i].path);
	al_lock_free(got);
	is_int(al_media_import(b, &io, &sum, &d), AL_OK, "the same media again");
	ok(sum.already, "does nothing");
	al_media_summary_release(&sum);
	counts[0] = counts[1] = 0;
	al_ledger_list(b, count_ledger, counts, &d);
	ok(counts[0] == 2 && counts[1] == 2, "the ledger: 2 refused, %d accepted (the import and the no-op)",
	   counts[1]);

	/* nothing of the attempts is left in tmp/ */
	al_buf_reset(&walked);
	nftw(at("b/tmp"), walk_one, 16, FTW_PHYS);
	ok(walked.len == 0, "no staging left behind in tmp/");
	al_free(before);

	al_free(media);
	al_free(work);
	al_free(pub);
	al_lock_free(l);
	al_minisign_key_free(key);
	al_store_free(a);
	al_store_free(b);
	al_buf_release(&walked);
	al_buf_addf(&cmd, "rm -rf '%s'", root);
	(void)!system(cmd.buf);
	al_buf_release(&cmd);
	return done_testing();
}
