/* airlock import / airlock verify: the isolated side. */
#include "config.h"

#include <getopt.h>
#include <string.h>

#include "cli.h"

static int run(struct cli *cli, int argc, char **argv, bool verify_only)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' },
		                              { "trust", required_argument, NULL, 't' },
		                              { 0 } };
	const char *name = verify_only ? "verify" : "import";
	const char *trust[16];
	struct al_import_opts io = { 0 };
	struct al_media_summary sum = { 0 };
	struct al_diag d = AL_DIAG_INIT;
	struct al_store *s = NULL;
	char size[32];
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h': cli_print_help(cli_find(name), stdout); return EXIT_OK;
		case 't':
			if (io.ntrust >= 16)
				return cli_usage(name, "at most 16 --trust keys");
			trust[io.ntrust++] = optarg;
			break;
		default: return cli_usage(name, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage(name, "a media directory is required");
	io.dirs = (const char *const *)argv + optind;
	io.ndirs = (size_t)(argc - optind);
	io.trust = trust;
	io.verify_only = verify_only;
	if ((rc = cli_open_store(cli, &s, AL_STORE_CREATE)))
		return rc;
	if (al_media_import(s, &io, &sum, &d)) {
		if (cli->json)
			cli_json(json_pack("{s:s, s:b, s:s, s:s}", "event", name, "ok", 0, "media", io.dirs[0],
			                   "reason", d.msg));
		cli_error("%s refused: %s", name, d.msg);
		rc = cli_exit_code(d.code) == EXIT_USAGE ? EXIT_USAGE
		     : d.code == AL_ENOMEM || d.code == AL_EIO || d.code == AL_EDB || d.code == AL_ENOSPACE
		             ? EXIT_FAILURE_
		             : EXIT_NO;
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

int cmd_import(struct cli *cli, int argc, char **argv)
{
	return run(cli, argc, argv, false);
}

int cmd_verify(struct cli *cli, int argc, char **argv)
{
	return run(cli, argc, argv, true);
}
