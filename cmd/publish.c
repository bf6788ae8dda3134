#include "config.h"

#include "cli.h"

static int cmd_publish(struct cli *cli, int argc, char **argv);

enum { OPT_NO_SYMLINKS = CLI_LONG };

static const struct cli_opt opts[] = {
	{ 'o', "output", "DIR", "the published tree" },
	{ OPT_NO_SYMLINKS, "no-symlinks", NULL, "real files in hf/hub snapshots instead of symlinks" },
	{ 0 },
};

const struct cli_command cli_cmd_publish = {
	"publish", cmd_publish, "lay out the tree pip and model loaders use",
	"usage: airlock publish -o DIR [--no-symlinks] [BUNDLE...]\n"
	"\n"
	"Publish the bundles (default: all in the store) into DIR:\n"
	"  wheels/        flat --find-links directory (with PEP 658 .metadata files)\n"
	"  simple/        PEP 503 index (and PEP 691 JSON for airlock serve)\n"
	"  requirements/  TARGET.txt pinned with --hash, and TARGET.pylock.toml\n"
	"                 (several bundles: BUNDLE@TARGET.txt, BUNDLE@TARGET.pylock.toml)\n"
	"  models/ datasets/   plain trees for from_pretrained(DIR/models/org/name)\n"
	"  hf/hub/        the Hugging Face cache layout (HF_HUB_CACHE=DIR/hf/hub)\n"
	"Files are hard links into the store (copies across file systems). DIR is\n"
	"switched atomically to the new tree: readers never see a half-built one.\n",
	opts, 0,
};

static int cmd_publish(struct cli *cli, int argc, char **argv)
{
	struct cli_parse p;
	struct al_publish_opts po = { 0 };
	struct al_publish_summary sum;
	struct al_diag d = AL_DIAG_INIT;
	struct al_store *s = NULL;
	char size[32];
	int key, rc;

	cli_parse_start(&p, &cli_cmd_publish, argc, argv);
	while ((key = cli_parse_next(&p)) > 0) {
		switch (key) {
		case 'o': po.out_dir = p.value; break;
		case OPT_NO_SYMLINKS: po.no_symlinks = true; break;
		}
	}
	if (key < 0)
		return p.rc;
	if (!po.out_dir)
		return cli_usage(&cli_cmd_publish, "-o DIR is required");
	po.bundles = (const char *const *)p.args;
	po.nbundles = (size_t)p.nargs;
	if ((rc = cli_open_store(cli, &s, 0)))
		return rc;
	if (al_publish(s, &po, &sum, &d)) {
		rc = cli_fail(cli, &d);
		goto out;
	}
	if (cli->json)
		cli_json(json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "event", "publish",
		                   "dir", po.out_dir, "wheels", (json_int_t)sum.wheels, "projects",
		                   (json_int_t)sum.projects, "targets", (json_int_t)sum.targets, "repos",
		                   (json_int_t)sum.repos, "files", (json_int_t)sum.files, "bytes_linked",
		                   (json_int_t)sum.bytes_linked, "bytes_copied",
		                   (json_int_t)sum.bytes_copied));
	else if (cli->verbosity >= 0)
		printf("published to %s: %llu wheels in %llu projects, %llu requirement sets, "
		       "%llu repos with %llu files (%s linked%s)\n",
		       po.out_dir, (unsigned long long)sum.wheels, (unsigned long long)sum.projects,
		       (unsigned long long)sum.targets, (unsigned long long)sum.repos,
		       (unsigned long long)sum.files,
		       cli_human_size(sum.bytes_linked, size, sizeof(size)),
		       sum.bytes_copied ? ", some copied across file systems" : "");
out:
	al_store_free(s);
	return rc;
}
