/* lib/pypa/pyproject.c through its interface: build-system out of real-world
 * and hostile pyproject.toml documents, and pip's defaults. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "airlock.h"
#include "core/buf.h"
#include "core/mem.h"
#include "pypa/pyproject.h"
#include "tap.h"
#include "pypa/wheel.h"

/* "a|b|c": the build requirements al_build_requirements gives, or the error
 * code when reading fails. */
static void want(const char *doc, const char *reqs, const char *what)
{
	struct al_build_system bs;
	struct al_diag d = AL_DIAG_INIT;
	struct al_buf got = AL_BUF_INIT;
	char **v = NULL;
	size_t n = 0, i;
	al_err err;

	if ((err = al_pyproject_build_system(doc, strlen(doc), "x-1.0.tar.gz", &bs, &d))) {
		ok(0, "%s: %s", what, d.msg);
		return;
	}
	err = al_build_requirements(&bs, &v, &n, &d);
	for (i = 0; !err && i < n; i++)
		al_buf_addf(&got, "%s%s", i ? "|" : "", v[i]);
	is_str(got.buf ? got.buf : "", reqs, "%s", what);
	for (i = 0; i < n; i++)
		al_free(v[i]);
	al_free(v);
	al_build_system_release(&bs);
	al_buf_release(&got);
}

static void refused_n(const char *doc, size_t len, al_err code, const char *part, const char *what)
{
	struct al_build_system bs;
	struct al_diag d = AL_DIAG_INIT;
	al_err err = al_pyproject_build_system(doc, len, "x-1.0.tar.gz", &bs, &d);

	is_int(err, code, "%s: refused", what);
	ok(err && strstr(d.msg, part), "%s: the message says '%s': %s", what, part, d.msg);
	if (!err)
		al_build_system_release(&bs);
}

static void refused(const char *doc, al_err code, const char *part, const char *what)
{
	refused_n(doc, strlen(doc), code, part, what);
}

/* al_sdist_member_file: an sdist's pyproject.toml, none, or one that is a
 * symbolic link (refused: pip would read another file), and a zip sdist. */
static void members(void)
{
	static char root[] = "/tmp/airlock-test-pyproject-XXXXXX";
	struct al_buf cmd = AL_BUF_INIT, got = AL_BUF_INIT, p = AL_BUF_INIT;
	struct al_diag d = AL_DIAG_INIT;
	const char *py = getenv("PYTHON3");

	if (!py || !*py)
		py = "python3";
	if (!mkdtemp(root))
		return;
	al_buf_addf(&cmd,
	            "cd '%s' && '%s' -c '\n"
	            "import tarfile, zipfile, io\n"
	            "def tar(name, members):\n"
	            "    t = tarfile.open(name, \"w:gz\")\n"
	            "    for n, b in members:\n"
	            "        i = tarfile.TarInfo(n)\n"
	            "        if b is None:\n"
	            "            i.type, i.linkname = tarfile.SYMTYPE, \"../../etc/passwd\"\n"
	            "            t.addfile(i)\n"
	            "        else:\n"
	            "            i.size = len(b); t.addfile(i, io.BytesIO(b))\n"
	            "    t.close()\n"
	            "pp = b\"[build-system]\\nrequires = [\\x27flit_core\\x27]\\n\"\n"
	            "tar(\"with.tar.gz\", [(\"x-1.0/PKG-INFO\", b\"\"), (\"x-1.0/sub/pyproject.toml\", b\"[\"),"
	            " (\"x-1.0/pyproject.toml\", pp)])\n"
	            "tar(\"without.tar.gz\", [(\"x-1.0/PKG-INFO\", b\"\")])\n"
	            "tar(\"link.tar.gz\", [(\"x-1.0/pyproject.toml\", None)])\n"
	            "z = zipfile.ZipFile(\"x-1.0.zip\", \"w\"); z.writestr(\"x-1.0/pyproject.toml\", pp); z.close()\n'",
	            root, py);
	if (system(cmd.buf) != 0) {
		ok(1, "# SKIP cannot make archives with python3");
		goto out;
	}
	al_buf_addf(&p, "%s/with.tar.gz", root);
	is_int(al_sdist_member_file(p.buf, "pyproject.toml", AL_PYPROJECT_MAX, &got, &d), AL_OK,
	       "a tar.gz sdist's top-level pyproject.toml (not the one below it)");
	is_str(got.buf ? got.buf : "", "[build-system]\nrequires = ['flit_core']\n", "its bytes");
	al_buf_reset(&got);
	al_buf_reset(&p);
	al_buf_addf(&p, "%s/x-1.0.zip", root);
	is_int(al_sdist_member_file(p.buf, "pyproject.toml", AL_PYPROJECT_MAX, &got, &d), AL_OK,
	       "a zip sdist's");
	al_buf_reset(&got);
	al_buf_reset(&p);
	al_buf_addf(&p, "%s/without.tar.gz", root);
	is_int(al_sdist_member_file(p.buf, "pyproject.toml", AL_PYPROJECT_MAX, &got, &d), AL_ENOTFOUND,
	       "none: AL_ENOTFOUND (the legacy default applies)");
	al_buf_reset(&p);
	al_buf_addf(&p, "%s/link.tar.gz", root);
	is_int(al_sdist_member_file(p.buf, "pyproject.toml", AL_PYPROJECT_MAX, &got, &d), AL_EINVALID,
	       "a symbolic link named pyproject.toml is refused");
	ok(strstr(d.msg, "not a regular file") != NULL, "saying so: %s", d.msg);
	al_buf_reset(&p);
	al_buf_addf(&p, "%s/with.tar.gz", root);
	is_int(al_sdist_member_file(p.buf, "pyproject.toml", 8, &got, &d), AL_ELIMIT,
	       "a member over the cap is refused: %s", d.msg);
out:
	al_buf_reset(&cmd);
	al_buf_addf(&cmd, "rm -rf '%s'", root);
	(void)!system(cmd.buf);
	al_buf_release(&cmd);
	al_buf_release(&got);
	al_buf_release(&p);
}

int main(void)
{
	static const char nul[] = "[build-system]\nrequires = [\"a\0b\"]\n";
	struct al_buf big = AL_BUF_INIT;
	size_t i;

	want("[build-system]\nrequires = [\"setuptools>=61\", \"wheel\"]\n"
	     "build-backend = \"setuptools.build_meta\"\n",
	     "setuptools>=61|wheel", "setuptools with wheel named");
	want("[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n",
	     "setuptools>=61|wheel", "setuptools' backend gains wheel (setuptools < 70.1 asks for it)");
	want("[build-system]\nrequires = ['flit_core >=3.2,<4']\nbuild-backend = 'flit_core.buildapi'\n",
	     "flit_core >=3.2,<4", "flit: as written, nothing added");
	want("[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n",
	     "hatchling", "hatchling");
	want("[build-system]\nrequires = []\nbuild-backend = \"mybackend\"\nbackend-path = [\".\"]\n",
	     "", "an in-tree backend with no requirements");
	want("[build-system]\nrequires = [\"setuptools\"]\n", "setuptools|wheel",
	     "no backend: setuptools' legacy one, with wheel");
	want("", "setuptools>=40.8.0|wheel", "an empty document: pip's legacy default");
	want("[project]\nname = \"x\"\nversion = \"1.0\"\n", "setuptools>=40.8.0|wheel",
	     "no [build-system]: the legacy default");
	/* real-world shapes around the table */
	want("# comment\n[project]\nname = \"x\"\ndescription = \"\"\"\n[build-system]\n"
	     "requires = [\"evil\"]\n\"\"\"\n[build-system]\n"
	     "requires = [ # the backend\n  \"setuptools>=64\",\n  \"setuptools_scm>=8\", # tags\n]\n"
	     "build-backend = \"setuptools.build_meta\"\n[tool.x]\ny = { a = 1, b = [1, 2] }\n"
	     "z = 1979-05-27 07:32:00Z\nw = '''lit\n[build-system]'''\n",
	     "setuptools>=64|setuptools_scm>=8|wheel",
	     "a table name inside a multi-line string is text; comments, trailing comma");
	want("build-system.requires = [\"maturin>=1,<2\"]\nbuild-system.build-backend = \"maturin\"\n",
	     "maturin>=1,<2", "dotted keys at the top");
	want("build-system = { requires = [\"poetry-core\"], build-backend = \"poetry.core.masonry.api\" }\n",
	     "poetry-core", "an inline table");
	want("\"build-system.requires\" = [\"nope\"]\n", "setuptools>=40.8.0|wheel",
	     "a quoted key with a dot is another key");
	want("[build-system]\nrequires = [\"a\\u0062c\", \"\"\"scikit-build-core\"\"\"]\n"
	     "build-backend = \"scikit_build_core.build\"\n",
	     "abc|scikit-build-core", "escapes and a multi-line string in the list");
	want("\xef\xbb\xbf[build-system]\r\nrequires = [\"pdm-backend\"]\r\n"
	     "build-backend = \"pdm.backend\"\r\n",
	     "pdm-backend", "a byte order mark and CRLF line ends");
	want("[build-system.x]\nrequires = [\"a\"]\n[build-system]\nrequires = [\"b\"]\n"
	     "build-backend = \"b\"\n", "b", "a sub-table's requires is not build-system's");
	want("[build-system]\nrequires = [\"cython; python_version < '3.13'\"]\n"
	     "build-backend = \"x\"\n", "cython; python_version < '3.13'", "a marker");

	/* hostile and broken */
	refused("[build-system]\nbuild-backend = \"x\"\n", AL_EINVALID, "has no 'requires'",
	        "a table without requires");
	refused("[build-system]\nrequires = \"setuptools\"\n", AL_EINVALID,
	        "expected a list of strings", "requires as a string");
	refused("[build-system]\nrequires = [1]\n", AL_EINVALID, "expected a list of strings",
	        "requires with a number");
	refused("[build-system]\nrequires = [\"a\"]\nrequires = [\"b\"]\n", AL_EPARSE, "given twice",
	        "requires twice");
	refused("[build-system]\nrequires = [\"a @ \"]\n", AL_EPARSE, "build-system.requires[0]",
	        "a requirement that does not parse");
	refused("[build-system]\nrequires = [\"a\"\n", AL_EPARSE, "pyproject.toml:",
	        "an unterminated list");
	refused("[build-system]\nrequires = [\"a\n\"]\n", AL_EPARSE, "new line",
	        "a new line in a string");
	refused("[build-system]\nrequires = [\"a\\q\"]\n", AL_EPARSE, "unknown escape",
	        "an unknown escape");
	refused("[build-system]\nrequires = [\"\\ud800\"]\n", AL_EPARSE, "Unicode scalar",
	        "a surrogate escape");
	refused_n(nul, sizeof(nul) - 1, AL_EPARSE, "NUL", "a NUL byte");
	refused("[[build-system]]\nrequires = [\"a\"]\n", AL_EINVALID, "expected a table",
	        "an array of tables");
	refused("[build-system]\nrequires = [\"a\"] x\n", AL_EPARSE, "end of the line",
	        "junk after a value");
	refused("a = \"\x01\"\n", AL_EPARSE, "control character", "a control byte in a string");
	al_buf_addstr(&big, "x = ");
	for (i = 0; i < 40; i++)
		al_buf_addstr(&big, "[");
	refused(big.buf, AL_ELIMIT, "nested", "arrays nested too deep");
	al_buf_reset(&big);
	al_buf_addstr(&big, "[build-system]\nrequires = [");
	for (i = 0; i < AL_PYPROJECT_MAX_REQUIRES + 1; i++)
		al_buf_addstr(&big, "\"a\",");
	al_buf_addstr(&big, "]\n");
	refused_n(big.buf, big.len, AL_ELIMIT, "entries", "too many requirements");
	al_buf_reset(&big);
	while (big.len <= AL_PYPROJECT_MAX)
		al_buf_addstr(&big, "# padding padding padding padding padding padding padding padding\n");
	refused_n(big.buf, big.len, AL_ELIMIT, "larger than", "a document over the cap");
	al_buf_release(&big);
	members();
	return done_testing();
}
