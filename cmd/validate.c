#include "config.h"

#include "cli.h"

/* Replaced by the manifest module. */
int cmd_validate(struct cli *cli, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	(void)cli;
	cli_error("validate: not built yet");
	return EXIT_FAILURE_;
}
