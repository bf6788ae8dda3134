#include "config.h"

#include <getopt.h>

#include "cli.h"

int cmd_publish(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
		                              { "output", required_argument, NULL, 'o' },
		                              { "no-symlinks", no_argument, NULL, 'L' },
		                              { 0 } };
	struct al_publish_opts po = { 0 };
	struct al_publish_summary sum;
	struct al_diag d = AL_DIAG_INIT;
	struct al_store *s = NULL;
	char size[32];
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (opt) {
		case 'h': cli_print_help(cli_find("publish"), stdout); return EXIT_OK;
		case 'o': po.out_dir = optarg; break;
		case 'L': po.no_symlinks = true; break;
		default: return cli_usage("publish", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (!po.out_dir)
		return cli_usage("publish", "-o DIR is required");
	po.bundles = (const char *const *)argv + optind;
	po.nbundles = (size_t)(argc - optind);
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
