#include "config.h"

#include <getopt.h>
#include <stdlib.h>

#include "cli.h"

int cmd_init(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	struct al_store *s = NULL;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 'h') {
			cli_print_help(cli_find("init"), stdout);
			return EXIT_OK;
		}
		return cli_usage("init", "unknown option '%s'", argv[optind - 1]);
	}
	if (optind < argc)
		return cli_usage("init", "unexpected argument '%s'", argv[optind]);
	if ((rc = cli_open_store(cli, &s, AL_STORE_CREATE)))
		return rc;
	if (cli->json) {
		cli_json(json_pack("{s:s, s:s}", "event", "init", "store", al_store_dir(s)));
	} else if (cli->verbosity >= 0) {
		printf("store ready at %s\n", al_store_dir(s));
	}
	al_store_free(s);
	return EXIT_OK;
}
