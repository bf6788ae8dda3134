/* lib/pypa/wheel.c through its interface: the top-level *.dist-info/METADATA of
 * a wheel (by path and by descriptor), an sdist's PKG-INFO, and archives
 * that lack them or are no archives at all. */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "airlock.h"
#include "core/buf.h"
#include "tap.h"
#include "pypa/wheel.h"

static char root[] = "/tmp/airlock-test-wheel-XXXXXX";

static const char *fixture(const char *name)
{
	static char p[4200];
	snprintf(p, sizeof(p), "%s/fixtures/zip/%s", tap_srcdir(), name);
	return p;
}

static const char *at(const char *name)
{
	static char p[4200];
	snprintf(p, sizeof(p), "%s/%s", root, name);
	return p;
}

int main(void)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_buf want = AL_BUF_INIT, got = AL_BUF_INIT, cmd = AL_BUF_INIT;
	const char *py = getenv("PYTHON3");
	int fd;

	if (!mkdtemp(root))
		return 1;
	if (!py || !*py)
		py = "python3";
	if (al_buf_read_file(&want, fixture("METADATA"), 1 << 20, &d)) {
		ok(0, "fixtures/zip/METADATA: %s", d.msg);
		return done_testing();
	}
	is_int(al_wheel_metadata_file(fixture("stored.whl"), &got, &d), AL_OK, "a stored wheel");
	ok(got.len == want.len && !memcmp(got.buf, want.buf, got.len), "its METADATA, byte for byte");
	al_buf_reset(&got);
	is_int(al_wheel_metadata_file(fixture("deflated.whl"), &got, &d), AL_OK, "a deflated wheel");
	ok(got.len == want.len && !memcmp(got.buf, want.buf, got.len), "the same METADATA");
	al_buf_reset(&got);
	fd = open(fixture("zip64.whl"), O_RDONLY);
	is_int(al_wheel_metadata_fd(fd, "zip64.whl", &got, &d), AL_OK, "a zip64 wheel by descriptor");
	ok(got.len == want.len && !memcmp(got.buf, want.buf, got.len), "the same METADATA");
	close(fd);

	/* archives made here: METADATA only below the top level; an sdist */
	al_buf_addf(&cmd,
	            "cd '%s' && '%s' -c '\n"
	            "import zipfile, tarfile, io\n"
	            "z = zipfile.ZipFile(\"deep.whl\", \"w\")\n"
	            "z.writestr(\"x/demo-1.0.dist-info/METADATA\", \"Name: deep\\n\")\n"
	            "z.writestr(\"demo/__init__.py\", \"\")\n"
	            "z.close()\n"
	            "t = tarfile.open(\"demo-1.0.tar.gz\", \"w:gz\")\n"
	            "b = b\"Metadata-Version: 2.1\\nName: demo\\nVersion: 1.0\\n\"\n"
	            "i = tarfile.TarInfo(\"demo-1.0/PKG-INFO\"); i.size = len(b)\n"
	            "t.addfile(i, io.BytesIO(b))\n"
	            "t.close()\n"
	            "open(\"junk.whl\", \"w\").write(\"not a zip\")\n'",
	            root, py);
	if (system(cmd.buf) != 0) {
		ok(1, "# SKIP cannot make archives with python3");
		goto out;
	}
	al_buf_reset(&got);
	is_int(al_wheel_metadata_file(at("deep.whl"), &got, &d), AL_EINVALID,
	       "METADATA below the top level is not the wheel's");
	ok(strstr(d.msg, "deep.whl' has no *.dist-info/METADATA") != NULL, "saying so: %s", d.msg);
	al_buf_reset(&got);
	ok(al_wheel_metadata_file(at("junk.whl"), &got, &d) != AL_OK && got.len == 0,
	   "no archive at all is an error: %s", d.msg);
	ok(strstr(d.msg, "junk.whl") != NULL, "naming it");
	al_buf_reset(&got);
	al_diag_clear(&d);
	is_int(al_sdist_pkginfo_file(at("demo-1.0.tar.gz"), &got, &d), AL_OK, "an sdist's PKG-INFO: %s",
	       d.msg);
	is_str(got.buf, "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n", "its content");
	al_buf_reset(&got);
	ok(al_wheel_metadata_file(at("missing.whl"), &got, &d) != AL_OK, "a missing file is an error");
out:
	al_buf_reset(&cmd);
	al_buf_addf(&cmd, "rm -rf '%s'", root);
	(void)!system(cmd.buf);
	al_buf_release(&cmd);
	al_buf_release(&got);
	al_buf_release(&want);
	return done_testing();
}
