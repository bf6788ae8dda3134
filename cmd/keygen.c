/*
 * keygen.c: `airlock keygen -o NAME [-W] [-f]`, a minisign key pair.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int cmd_keygen(struct cli *cli, int argc, char **argv);

static const struct cli_opt opts[] = {
	{ 'o', "output", "NAME", "the key pair's path without .key/.pub" },
	{ 'W', "unencrypted", NULL, "no passphrase: the secret key is stored in clear" },
	{ 'f', "force", NULL, "replace existing NAME.key and NAME.pub" },
	{ 0 },
};

const struct cli_command cli_cmd_keygen = {
	"keygen", cmd_keygen, "create a signing key pair (minisign formats)",
	"usage: airlock keygen -o NAME [-W] [-f]\n"
	"\n"
	"Write NAME.key (mode 0600, encrypted with a passphrase using scrypt) and\n"
	"NAME.pub, in minisign's formats. The passphrase comes from the file named\n"
	"by $AIRLOCK_PASSPHRASE_FILE, else the terminal (asked twice), else the\n"
	"first line of standard input.\n",
	opts, 0,
};

static int cmd_keygen(struct cli *cli, int argc, char **argv)
{
	struct cli_parse p;
	struct al_diag d = AL_DIAG_INIT;
	struct al_secret *pass = NULL;
	const char *name = NULL, *cost = getenv("AIRLOCK_KEYGEN_KDF");
	char id[AL_KEYID_LEN];
	unsigned flags = 0;
	int key, rc;

	cli_parse_start(&p, &cli_cmd_keygen, argc, argv);
	while ((key = cli_parse_next(&p)) > 0) {
		switch (key) {
		case 'o': name = p.value; break;
		case 'W': flags |= AL_KEYGEN_UNENCRYPTED; break;
		case 'f': flags |= AL_KEYGEN_FORCE; break;
		}
	}
	if (key < 0)
		return p.rc;
	if (p.nargs)
		return cli_usage(&cli_cmd_keygen, "unexpected argument '%s'", p.args[0]);
	if (!name || !*name)
		return cli_usage(&cli_cmd_keygen, "-o NAME is required");
	if (cost && *cost) {
		if (!strcmp(cost, "interactive"))
			flags |= AL_KEYGEN_KDF_INTERACTIVE;
		else if (strcmp(cost, "sensitive") != 0)
			return cli_usage(&cli_cmd_keygen, "AIRLOCK_KEYGEN_KDF must be 'sensitive' or "
			                 "'interactive', not '%s'", cost);
	}
	if (!(flags & AL_KEYGEN_UNENCRYPTED) && (rc = cli_read_passphrase(cli, &pass, true)))
		return rc;
	if (al_keygen(name, pass, flags, id, &d)) {
		rc = cli_fail(cli, &d);
		goto out;
	}
	rc = CLI_EXIT_OK;
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
