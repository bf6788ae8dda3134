#include "config.h"

#include <stdlib.h>

#include "cli.h"

static int cmd_init(struct cli *cli, int argc, char **argv);

const struct cli_command cli_cmd_init = {
	"init", cmd_init, "create a store",
	"usage: airlock init\n"
	"\n"
	"Create the store (see --store) if it does not exist. Other commands that\n"
	"write create it too.\n",
	NULL, 0,
};

static int cmd_init(struct cli *cli, int argc, char **argv)
{
	struct al_store *s = NULL;
	int rc;

	if (cli_parse_none(&cli_cmd_init, argc, argv, &rc))
		return rc;
	if ((rc = cli_open_store(cli, &s, AL_STORE_CREATE)))
		return rc;
	if (cli->json) {
		cli_json(json_pack("{s:s, s:s}", "event", "init", "store", al_store_dir(s)));
	} else if (cli->verbosity >= 0) {
		printf("store ready at %s\n", al_store_dir(s));
	}
	al_store_free(s);
	return CLI_EXIT_OK;
}
