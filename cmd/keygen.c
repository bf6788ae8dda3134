/*
 * keygen.c: `airlock keygen -o NAME [-W] [-f]`, a minisign key pair.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_keygen(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "output", required_argument, NULL, 'o' },
		{ "unencrypted", no_argument, NULL, 'W' },
		{ "force", no_argument, NULL, 'f' },
		{ 0 },
	};
	struct al_diag d = AL_DIAG_INIT;
	struct al_secret *pass = NULL;
	const char *name = NULL, *cost = getenv("AIRLOCK_KEYGEN_KDF");
	char id[AL_KEYID_LEN];
	unsigned flags = 0;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "ho:Wf", opts, NULL)) != -1) {
		switch (opt) {
		case 'h': cli_print_help(cli_find("keygen"), stdout); return EXIT_OK;
		case 'o': name = optarg; break;
		case 'W': flags |= AL_KEYGEN_UNENCRYPTED; break;
		case 'f': flags |= AL_KEYGEN_FORCE; break;
		default: return cli_usage("keygen", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage("keygen", "unexpected argument '%s'", argv[optind]);
	if (!name || !*name)
		return cli_usage("keygen", "-o NAME is required");
	if (cost && *cost) {
		if (!strcmp(cost, "interactive"))
			flags |= AL_KEYGEN_KDF_INTERACTIVE;
		else if (strcmp(cost, "sensitive") != 0)
			return cli_usage("keygen", "AIRLOCK_KEYGEN_KDF must be 'sensitive' or "
			                 "'interactive', not '%s'", cost);
	}
	if (!(flags & AL_KEYGEN_UNENCRYPTED) && (rc = cli_read_passphrase(cli, &pass, true)))
		return rc;
	if (al_keygen(name, pass, flags, id, &d)) {
		rc = cli_fail(cli, &d);
		goto out;
	}
	rc = EXIT_OK;
	if (cli->json)
		cli_json(json_pack("{s:s, s:s, s:s+, s:s+, s:b}", "event", "keygen", "key_id", id,
		                   "public_key", name, ".pub", "secret_key", name, ".key",
		                   "encrypted", !(flags & AL_KEYGEN_UNENCRYPTED)));
	else if (cli->verbosity >= 0)
		printf("key id: %s\npublic key: %s.pub\nsecret key: %s.key%s\n", id, name, name,
		       flags & AL_KEYGEN_UNENCRYPTED ? " (unencrypted)" : "");
out:
	al_secret_free(pass);
	return rc;
}
