/* airlock sbom: a CycloneDX 1.6 SBOM of a lock or a bundle (docs/reference/sbom.md) */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int cmd_sbom(struct cli *cli, int argc, char **argv);

enum { OPT_BUNDLE = CLI_LONG };

static const struct cli_opt opts[] = {
	{ 'f', "file", "FILE", "the manifest: the SBOM of airlock.lock beside it\n"
	                       "(default: airlock.yaml)" },
	{ OPT_BUNDLE, "bundle", "NAME[@SEQ]", "a bundle of the store instead (with @SEQ: as the\n"
	                                      "imported medium of that seq carried it)" },
	{ 'o', "output", "FILE", "write the SBOM to FILE (default: standard output)" },
	{ 0 },
};

const struct cli_command cli_cmd_sbom = {
	"sbom", cmd_sbom, "write a CycloneDX SBOM of a lock or a bundle",
	"usage: airlock sbom [-f airlock.yaml | --bundle NAME[@SEQ]] [-o FILE]\n"
	"\n"
	"Every distribution file of the lock per target, every model and dataset\n"
	"file, the resolved graph, licences from the store (METADATA, repo cards).\n"
	"A bundle imported from a medium gives the SBOM that medium carried.\n",
	opts, 0,
};

static void on_warn(void *ctx, const char *msg)
{
	cli_warn(ctx, "%s", msg);
}

static int write_out(const char *path, const char *text, size_t len)
{
	FILE *f = path ? fopen(path, "w") : stdout;

	if (!f) {
		cli_error("cannot write '%s': %s", path, strerror(errno));
		return CLI_EXIT_FAILURE;
	}
	if (fwrite(text, 1, len, f) != len || fflush(f) || ferror(f)) {
		cli_error("cannot write '%s': %s", path ? path : "standard output", strerror(errno));
		if (path)
			fclose(f);
		return CLI_EXIT_FAILURE;
	}
	if (path && fclose(f)) {
		cli_error("cannot write '%s': %s", path, strerror(errno));
		return CLI_EXIT_FAILURE;
	}
	return CLI_EXIT_OK;
}

static int cmd_sbom(struct cli *cli, int argc, char **argv)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_review_src src;
	struct al_store *s = NULL;
	struct al_sbom_opts so = { 0 };
	struct cli_parse p;
	const char *manifest = NULL, *bundle = NULL, *out = NULL;
	char *lock_path = NULL, *text = NULL, *dir = NULL;
	size_t len = 0;
	int opt, rc;

	memset(&src, 0, sizeof(src));
	cli_parse_start(&p, &cli_cmd_sbom, argc, argv);
	while ((opt = cli_parse_next(&p)) > 0) {
		switch (opt) {
		case 'f': manifest = p.value; break;
		case OPT_BUNDLE: bundle = p.value; break;
		case 'o': out = p.value; break;
		}
	}
	if (opt < 0)
		return p.rc;
	if (p.nargs)
		return cli_usage(&cli_cmd_sbom, "unexpected argument '%s'", p.args[0]);
	if (manifest && bundle)
		return cli_usage(&cli_cmd_sbom, "-f and --bundle exclude each other");
	if (bundle) {
		if ((rc = cli_open_store(cli, &s, AL_STORE_RDONLY)))
			return rc;
		if (al_review_load(s, bundle, AL_REVIEW_BUNDLE, &src, &d)) {
			rc = cli_fail(cli, &d);
			goto out;
		}
	} else {
		/* the store, when there is one, for licences; none is no error */
		if (!(lock_path = cli_lock_beside(manifest ? manifest : "airlock.yaml")) ||
		    !(dir = al_store_default_dir(cli->store_dir))) {
			cli_error("out of memory, or no store location");
			rc = CLI_EXIT_FAILURE;
			goto out;
		}
		if (al_store_open(&s, dir, AL_STORE_RDONLY, &d)) {
			cli_warn(cli, "no licences: %s", d.msg);
			al_diag_clear(&d);
			s = NULL;
		}
		if (al_review_load(NULL, lock_path, AL_REVIEW_LOCK, &src, &d)) {
			rc = cli_fail(cli, &d);
			goto out;
		}
	}
	if (src.sbom) {
		rc = write_out(out, src.sbom, src.sbom_len);
		goto out;
	}
	so.store = s;
	so.seq = src.seq;
	so.timestamp = src.created;
	so.warn = on_warn;
	so.ctx = cli;
	if (al_sbom_build(src.lock, &so, &text, &len, &d)) {
		rc = cli_fail(cli, &d);
		goto out;
	}
	rc = write_out(out, text, len);
out:
	free(text);
	free(lock_path);
	free(dir);
	al_review_src_release(&src);
	al_store_free(s);
	return rc;
}
