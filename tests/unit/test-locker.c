/* lib/resolve/locker.c through its interface, against the fixture index
 * (tests/helpers/indexserver.py): al_lock_stale, al_lock_build (a target
 * resolved, the previous lock's pins kept unless upgraded) and al_fetch
 * (every file into the store, the bundle recorded). */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "airlock.h"
#include "core/buf.h"
#include "core/hash.h"
#include "core/mem.h"
#include "tap.h"
#include "indexsrv.h"

static char root[] = "/tmp/airlock-test-locker-XXXXXX";

#define M1 "Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.0\n\n"
#define M2 "Metadata-Version: 2.1\nName: demo-pkg\nVersion: 2.0\nRequires-Dist: other>=1\n\n"
#define MO "Metadata-Version: 2.1\nName: other\nVersion: 1.0\n\n"


/* DIR/name: a wheel (python3's zipfile) whose dist-info/METADATA is meta,
 * padded with a stored member to 300 KB, so that its metadata comes from
 * the PEP 658 sidecar beside it, which fetch then holds to the wheel's own. */
static bool put_wheel(const char *dir, const char *name, const char *meta, char hex[AL_SHA256_HEX],
                      size_t *size)
{
	struct al_buf cmd = AL_BUF_INIT, p = AL_BUF_INIT, body = AL_BUF_INIT;
	const char *py = getenv("PYTHON3");
	char buf[65536];
	ssize_t n;
	int fd;
	bool good;

	al_buf_addf(&p, "%s/%s", dir, name);
	good = !al_buf_addf(&cmd, "%s -c 'import sys, zipfile\n"
	                          "with zipfile.ZipFile(sys.argv[1], \"w\", zipfile.ZIP_DEFLATED) as z:\n"
	                          "    d = sys.argv[1].rsplit(\"/\", 1)[1].split(\"-\")\n"
	                          "    i = d[0] + \"-\" + d[1] + \".dist-info/\"\n"
	                          "    z.writestr(i + \"METADATA\", sys.argv[2])\n"
	                          "    z.writestr(\"pad.bin\", bytes(300000), zipfile.ZIP_STORED)\n"
	                          "    z.writestr(i + \"RECORD\", \"\")\n' '%s' '%s'",
	                    py && *py ? py : "python3", p.buf, meta) &&
	       system(cmd.buf) == 0;
	fd = good ? open(p.buf, O_RDONLY) : -1;
	while (fd >= 0 && (n = read(fd, buf, sizeof buf)) > 0)
		al_buf_add(&body, buf, (size_t)n);
	if (fd >= 0)
		close(fd);
	good = good && body.len > 300000;
	if (good)
		al_sha256_hex(body.buf, body.len, hex);
	*size = body.len;
	al_buf_release(&cmd);
	al_buf_release(&p);
	al_buf_release(&body);
	return good;
}

static const struct al_lock_dist *dist_of(const struct al_lock *l, const char *name)
{
	size_t i;

	for (i = 0; l && l->ntargets && i < l->targets[0].ndists; i++)
		if (!strcmp(l->targets[0].dists[i].name, name))
			return &l->targets[0].dists[i];
	return NULL;
}

static struct al_manifest *manifest(const char *path, const char *bundle, const char *url,
                                    const char *req)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_manifest *m = NULL;
	struct al_buf t = AL_BUF_INIT;
	FILE *f = fopen(path, "w");

	al_buf_addf(&t, "version: 1\nbundle: %s\npython:\n  index-url: %s\n"
	                "  targets: [{python-version: \"3.11\", platforms: [manylinux_2_28_x86_64]}]\n"
	                "  requirements: [\"%s\"]\n", bundle, url, req);
	if (f) {
		fputs(t.buf, f);
		fclose(f);
	}
	al_buf_release(&t);
	if (al_manifest_load(&m, path, &d))
		diag("manifest: %s", d.msg);
	return m;
}

int main(void)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_buf dir = AL_BUF_INIT, sdir = AL_BUF_INIT, mf = AL_BUF_INIT, mf2 = AL_BUF_INIT,
	              cmd = AL_BUF_INIT;
	struct server a = { 0 };
	struct al_store *store = NULL;
	struct al_manifest *m = NULL, *m2 = NULL;
	struct al_lock *l = NULL, *kept = NULL, *up = NULL, *got = NULL;
	struct al_lock_opts lo = { 0 };
	struct al_fetch_opts fo = { 0 };
	struct al_fetch_progress fp;
	const struct al_lock_dist *x;
	char w1[AL_SHA256_HEX], w2[AL_SHA256_HEX], o1[AL_SHA256_HEX], *why;
	size_t sz = 0, osz = 0;
	bool stale;

	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(root))
		return 1;
	al_buf_addf(&dir, "%s/index", root);
	al_buf_addf(&sdir, "%s/store", root);
	al_buf_addf(&mf, "%s/airlock.yaml", root);
	al_buf_addf(&mf2, "%s/other.yaml", root);
	mkdir(dir.buf, 0755);
	ok(put_wheel(dir.buf, "demo_pkg-1.0-py3-none-any.whl", M1, w1, &sz) &&
	   put(dir.buf, "demo_pkg-1.0-py3-none-any.whl.metadata", M1, NULL) &&
	   put_wheel(dir.buf, "demo_pkg-2.0-py3-none-any.whl", M2, w2, &sz) &&
	   put(dir.buf, "demo_pkg-2.0-py3-none-any.whl.metadata", M2, NULL) &&
	   put_wheel(dir.buf, "other-1.0-py3-none-any.whl", MO, o1, &osz) &&
	   put(dir.buf, "other-1.0-py3-none-any.whl.metadata", MO, NULL),
	   "a fixture index of three wheels");
	if (!server_start(&a, dir.buf)) {
		ok(1, "# SKIP the fixture index does not start (python3?)");
		goto out;
	}
	if (al_store_open(&store, sdir.buf, AL_STORE_CREATE, &d)) {
		ok(0, "a store: %s", d.msg);
		goto out;
	}
	m = manifest(mf.buf, "demo", a.url, "demo-pkg");
	m2 = manifest(mf2.buf, "demo", a.url, "demo-pkg<2");
	if (!m || !m2) {
		ok(0, "two manifests");
		goto out;
	}

	is_int(al_lock_build(store, m, NULL, &lo, &l, &d), AL_OK, "lock: %s", d.msg);
	ok(l && l->ntargets == 1 && l->targets[0].ndists == 2, "one target, two distributions");
	ok(l && l->bundle && !strcmp(l->bundle, "demo") && l->manifest_sha256 &&
	   !strcmp(l->manifest_sha256, m->sha256), "the manifest's bundle and hash");
	x = dist_of(l, "demo-pkg");
	ok(x && !strcmp(x->version, "2.0") && !strcmp(x->sha256, w2), "the newest demo-pkg, with its hash");
	ok(x && x->nrequired_by == 1 && !strcmp(x->required_by[0], "-"), "required by the manifest");
	x = dist_of(l, "other");
	ok(x && !strcmp(x->version, "1.0") && !strcmp(x->sha256, o1), "and its dependency");
	ok(x && x->nrequired_by == 1 && !strcmp(x->required_by[0], "demo-pkg"), "required by demo-pkg");
	ok(x && x->size == (int64_t)osz && x->url && strstr(x->url, "/files/other-1.0-py3-none-any.whl"),
	   "with its size and URL");

	why = NULL;
	ok(l && !al_lock_stale(m, l, &why, NULL) && !why, "the lock is current for its manifest");
	al_free(why);
	why = NULL;
	/* the verdict first: the message reads why, which the call sets */
	stale = l && !al_lock_stale(m2, l, &why, NULL) && why;
	ok(stale && !strcmp(why, "the manifest changed since the lock was written"),
	   "and stale for another: %s", why ? why : "(null)");
	al_free(why);
	why = NULL;
	if (l) {
		char *b = l->bundle;
		l->bundle = (char *)"prod";
		stale = !al_lock_stale(m, l, &why, NULL) && why;
		ok(stale && !strcmp(why, "the lock is for bundle 'prod', the manifest names 'demo'"),
		   "a lock of another bundle is stale: %s", why ? why : "(null)");
		al_free(why);
		why = NULL;
		l->bundle = b;
	}

	/* the previous lock's pins are kept while they fit, unless upgraded */
	is_int(al_lock_build(store, m2, NULL, &lo, &kept, &d), AL_OK, "lock demo-pkg<2");
	x = dist_of(kept, "demo-pkg");
	ok(x && !strcmp(x->version, "1.0") && !strcmp(x->sha256, w1) && kept->targets[0].ndists == 1,
	   "pins 1.0 alone");
	is_int(al_lock_build(store, m, kept, &lo, &up, &d), AL_OK, "lock again with it as the previous lock");
	x = dist_of(up, "demo-pkg");
	ok(x && !strcmp(x->version, "1.0"), "the pin 1.0 is kept");
	al_lock_free(up);
	up = NULL;
	lo.upgrade_all = true;
	is_int(al_lock_build(store, m, kept, &lo, &up, &d), AL_OK, "and with upgrade_all");
	x = dist_of(up, "demo-pkg");
	ok(x && !strcmp(x->version, "2.0"), "it is upgraded to 2.0");

	/* fetch: every file into the store, then the bundle */
	if (l) {
		fo.manifest = m;
		al_diag_clear(&d);
		is_int(al_fetch(store, l, &fo, &fp, &d), AL_OK, "fetch: %s", d.msg);
		ok(al_store_has(store, w2) && al_store_has(store, o1), "the store has both wheels");
		ok(!al_store_has(store, w1), "and not the one the lock does not name");
		is_int(al_bundle_get(store, "demo", &got, &d), AL_OK, "the bundle is recorded");
		ok(got && got->ntargets == 1 && got->targets[0].ndists == 2, "with the lock");
		ok(fp.files_total == 2, "two files in all (%llu)", (unsigned long long)fp.files_total);
	}
	server_stop(&a);
	if (l) {
		memset(&fp, 0, sizeof(fp));
		is_int(al_fetch(store, l, &fo, &fp, &d), AL_OK, "fetch again, the index gone: nothing to download");
		ok(fp.files_cached == 2, "both were in the store (%llu)", (unsigned long long)fp.files_cached);
	}
out:
	al_lock_free(l);
	al_lock_free(kept);
	al_lock_free(up);
	al_lock_free(got);
	al_manifest_free(m);
	al_manifest_free(m2);
	al_store_free(store);
	server_stop(&a);
	al_buf_addf(&cmd, "chmod -R u+w '%s'; rm -rf '%s'", root, root);
	(void)!system(cmd.buf);
	al_buf_release(&cmd);
	al_buf_release(&dir);
	al_buf_release(&sdir);
	al_buf_release(&mf);
	al_buf_release(&mf2);
	return done_testing();
}
