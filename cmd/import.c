/* airlock import / airlock verify: the isolated side. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"

static int cmd_import(struct cli *cli, int argc, char **argv);
static int cmd_verify(struct cli *cli, int argc, char **argv);

enum { OPT_TRUST = CLI_LONG, OPT_PUBLISHED, OPT_NO_SYMLINKS };

static const struct cli_opt opts[] = {
	{ OPT_TRUST, "trust", "KEY.pub", "also trust this public key (repeatable, up to 16)" },
	{ 0 },
};

static const struct cli_opt verify_opts[] = {
	{ OPT_TRUST, "trust", "KEY.pub", "also trust this public key (repeatable, up to 16)" },
	{ OPT_PUBLISHED, "published", "DIR", "compare a published tree (a replica) with what\n"
	                                     "the store publishes for its bundles" },
	{ OPT_NO_SYMLINKS, "no-symlinks", NULL, "with --published: DIR was published with\n"
	                                         "--no-symlinks" },
	{ 0 },
};

const struct cli_command cli_cmd_verify = {
	"verify", cmd_verify, "check media without importing it",
	"usage: airlock verify [--trust KEY.pub] MEDIA [VOLUME-DIR...]\n"
	"       airlock verify --published DIR [--no-symlinks]\n"
	"\n"
	"Check the signature (by a trusted key, or --trust), the manifest and every\n"
	"byte of every volume; change nothing. Exit 1 naming the first problem.\n"
	"With --published, compare the tree DIR (e.g. a replica) with what publishing\n"
	"its bundles from the store gives now: every path that differs is printed;\n"
	"exit 1 when one does.\n",
	verify_opts, 0,
};

const struct cli_command cli_cmd_import = {
	"import", cmd_import, "verify and import media into the store",
	"usage: airlock import [--trust KEY.pub] MEDIA [VOLUME-DIR...]\n"
	"\n"
	"Verify and import media: the signature by a trusted key first, then that\n"
	"its seq is newer than the last import of its bundles (no rollback), that a\n"
	"delta's base was imported, free space, and every volume entry by entry.\n"
	"The store changes in one transaction at the end, or not at all. Volumes\n"
	"may sit in further directories (several disks). Importing the same media\n"
	"again does nothing. Every attempt is recorded: see 'airlock log'.\n",
	opts, 0,
};

static void print_diff(void *ctx, const char *rel, const char *what)
{
	struct cli *cli = ctx;

	if (cli->json)
		cli_json(json_pack("{s:s, s:s, s:s}", "event", "differs", "path", rel, "what", what));
	else
		printf("differs: %s: %s\n", rel, what);
}

/* verify --published DIR */
static int verify_published(struct cli *cli, const char *dir, bool no_symlinks)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_store *s = NULL;
	size_t n = 0;
	int rc;

	if ((rc = cli_open_store(cli, &s, 0)))
		return rc;
	if (al_publish_verify(s, dir, no_symlinks, print_diff, cli, &n, &d)) {
		rc = cli_fail(cli, &d);
	} else {
		rc = n ? CLI_EXIT_NO : CLI_EXIT_OK;
		if (cli->json)
			cli_json(json_pack("{s:s, s:s, s:b, s:I}", "event", "verify-published", "dir", dir,
			                   "ok", !n, "differences", (json_int_t)n));
		else if (n)
			fprintf(stderr, "airlock: '%s' differs from the store in %zu path%s\n", dir, n,
			        n == 1 ? "" : "s");
		else if (cli->verbosity >= 0)
			printf("%s matches what the store publishes\n", dir);
	}
	al_store_free(s);
	return rc;
}

static int run(struct cli *cli, int argc, char **argv, bool verify_only)
{
	const struct cli_command *self = verify_only ? &cli_cmd_verify : &cli_cmd_import;
	const char *name = self->name;
	struct cli_parse p;
	const char *trust[16];
	struct al_import_opts io = { 0 };
	struct al_media_summary sum = { 0 };
	struct al_diag d = AL_DIAG_INIT;
	struct al_store *s = NULL;
	char size[32];
	int key, rc;

	const char *published = NULL;
	bool no_symlinks = false;

	cli_parse_start(&p, self, argc, argv);
	while ((key = cli_parse_next(&p)) > 0) {
		if (key == OPT_TRUST) {
			if (io.ntrust >= 16)
				return cli_usage(self, "at most 16 --trust keys");
			trust[io.ntrust++] = p.value;
		} else if (key == OPT_PUBLISHED) {
			published = p.value;
		} else if (key == OPT_NO_SYMLINKS) {
			no_symlinks = true;
		}
	}
	if (key < 0)
		return p.rc;
	if (published) {
		if (p.nargs)
			return cli_usage(self, "--published DIR takes no media");
		return verify_published(cli, published, no_symlinks);
	}
	if (!p.nargs)
		return cli_usage(self, "a media directory is required");
	io.dirs = (const char *const *)p.args;
	io.ndirs = (size_t)p.nargs;
	io.trust = trust;
	io.verify_only = verify_only;
	if ((rc = cli_open_store(cli, &s, AL_STORE_CREATE)))
		return rc;
	if (al_media_import(s, &io, &sum, &d)) {
		if (cli->json)
			cli_json(json_pack("{s:s, s:b, s:s, s:s}", "event", name, "ok", 0, "media", io.dirs[0],
			                   "reason", d.msg));
		cli_error("%s refused: %s", name, d.msg);
		rc = cli_exit_code(d.code) == CLI_EXIT_USAGE ? CLI_EXIT_USAGE
		     : d.code == AL_ENOMEM || d.code == AL_EIO || d.code == AL_EDB || d.code == AL_ENOSPACE
		             ? CLI_EXIT_FAILURE
		             : CLI_EXIT_NO;
		goto out;
	}
	if (cli->json)
		cli_json(json_pack("{s:s, s:b, s:s, s:s, s:I, s:s, s:s, s:b, s:b, s:I, s:I, s:I}", "event",
		                   name, "ok", 1, "media", io.dirs[0], "id", sum.id, "seq",
		                   (json_int_t)sum.seq, "bundles", sum.bundles ? sum.bundles : "",
		                   "key_id", sum.key_id, "delta", sum.delta, "already", sum.already,
		                   "objects", (json_int_t)sum.objects, "bytes", (json_int_t)sum.bytes,
		                   "reused", (json_int_t)sum.reused));
	else if (cli->verbosity >= 0 && sum.already)
		printf("media %s (%s, seq %lld) was imported before: nothing to do\n", sum.id,
		       sum.bundles, (long long)sum.seq);
	else if (cli->verbosity >= 0)
		printf("%s %s (seq %lld, media %s, signed by %s): %llu objects, %s in %u volume%s\n",
		       verify_only ? "verified" : "imported", sum.bundles, (long long)sum.seq, sum.id,
		       sum.key_id, (unsigned long long)sum.objects,
		       cli_human_size(sum.bytes, size, sizeof(size)), sum.volumes,
		       sum.volumes == 1 ? "" : "s");
out:
	al_media_summary_release(&sum);
	al_store_free(s);
	return rc;
}

static int cmd_import(struct cli *cli, int argc, char **argv)
{
	return run(cli, argc, argv, false);
}

static int cmd_verify(struct cli *cli, int argc, char **argv)
{
	return run(cli, argc, argv, true);
}
