/*
 * trust.c: `airlock trust add KEY.pub | list | remove KEYID|KEY.pub`, the
 * public keys whose media import accepts.
 */
#include "config.h"

#include <getopt.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static int trust_add(struct cli *cli, int argc, char **argv)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_store *s = NULL;
	struct al_trusted_key k;
	bool added = false;
	int i, rc;

	if (argc < 2)
		return cli_usage("trust", "trust add wants a public key file");
	if ((rc = cli_open_store(cli, &s, AL_STORE_CREATE)))
		return rc;
	for (i = 1; i < argc; i++) {
		if (al_trust_add(s, argv[i], &k, &added, &d)) {
			rc = cli_fail(cli, &d);
			break;
		}
		if (cli->json)
			cli_json(json_pack("{s:s, s:s, s:s, s:b}", "event", "trust-add", "key_id",
			                   k.key_id, "public_key", k.public_key, "added", added));
		else if (cli->verbosity >= 0)
			printf("%s key %s\n", added ? "trusted" : "already trusted:", k.key_id);
	}
	al_store_free(s);
	return rc;
}

static int print_key(void *ctx, const struct al_trusted_key *k)
{
	struct cli *cli = ctx;
	char when[32] = "";
	time_t t = (time_t)k->added;
	struct tm tm;

	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (cli->json)
		cli_json(json_pack("{s:s, s:s, s:s, s:s?, s:I, s:s}", "event", "trusted-key",
		                   "key_id", k->key_id, "public_key", k->public_key, "comment",
		                   k->comment, "added", (json_int_t)k->added, "added_utc", when));
	else
	{
		/* the comment came with the key file, from wherever that came */
		struct cli_safe sf = CLI_SAFE_INIT;
		printf("%s  %s  %s  %s\n", k->key_id, k->public_key, when, cli_safe(&sf, k->comment));
		cli_safe_release(&sf);
	}
	return 0;
}

static int trust_list(struct cli *cli, int argc, char **argv)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_store *s = NULL;
	int rc;

	if (argc > 1)
		return cli_usage("trust", "unexpected argument '%s'", argv[1]);
	if ((rc = cli_open_store(cli, &s, AL_STORE_RDONLY)))
		return rc;
	if (al_trust_list(s, print_key, cli, &d))
		rc = cli_fail(cli, &d);
	al_store_free(s);
	return rc;
}

static int trust_remove(struct cli *cli, int argc, char **argv)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_store *s = NULL;
	char id[AL_KEYID_LEN];
	int i, rc;

	if (argc < 2)
		return cli_usage("trust", "trust remove wants a key id or a public key file");
	if ((rc = cli_open_store(cli, &s, 0)))
		return rc;
	for (i = 1; i < argc; i++) {
		if (al_trust_remove(s, argv[i], id, &d)) {
			rc = cli_fail(cli, &d);
			break;
		}
		if (cli->json)
			cli_json(json_pack("{s:s, s:s}", "event", "trust-remove", "key_id", id));
		else if (cli->verbosity >= 0)
			printf("removed key %s\n", id);
	}
	al_store_free(s);
	return rc;
}

int cmd_trust(struct cli *cli, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage("trust", "a subcommand is required");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		cli_print_help(cli_find("trust"), stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "add"))
		return trust_add(cli, argc - 1, argv + 1);
	if (!strcmp(argv[1], "list"))
		return trust_list(cli, argc - 1, argv + 1);
	if (!strcmp(argv[1], "remove"))
		return trust_remove(cli, argc - 1, argv + 1);
	return cli_usage("trust", "unknown subcommand '%s'", argv[1]);
}
