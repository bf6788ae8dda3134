/*
 * main.c: global options and the dispatch table. To add a command: write
 * cmd/NAME.c with cmd_NAME(), declare it in cli.h, add a row below, document
 * it in man/airlock.1, and test it in tests/cli/.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

const struct cli_command cli_commands[] = {
	{ "init", cmd_init, "create a store",
	  "usage: airlock init\n"
	  "\n"
	  "Create the store (see --store) if it does not exist. Other commands that\n"
	  "write create it too.\n" },
	{ "validate", cmd_validate, "check a manifest",
	  "usage: airlock validate [-f FILE] [-q] [--json]\n"
	  "\n"
	  "Check an airlock.yaml manifest and report every problem as\n"
	  "FILE:LINE:COL: KEY.PATH: message. Exit 0 when valid, 1 when not,\n"
	  "3 when the file cannot be read.\n"
	  "\n"
	  "  -f, --file FILE   the manifest (default: airlock.yaml)\n"
	  "  -q, --quiet       print nothing when valid\n"
	  "  --json            print one JSON object with the result\n" },
	{ "info", cmd_info, "show the store's location and contents",
	  "usage: airlock info\n"
	  "\n"
	  "Print the store's directory, schema version and what it holds.\n" },
	{ "ls", cmd_ls, "list the bundles in the store",
	  "usage: airlock ls [BUNDLE...]\n"
	  "\n"
	  "Without arguments, one line per bundle: targets, distributions, repos, size.\n"
	  "With bundle names, every distribution and repo file of each.\n" },
	{ "store", cmd_store, "check or clean the store",
	  "usage: airlock store verify [-j N]\n"
	  "       airlock store gc [-n]\n"
	  "       airlock store add FILE...\n"
	  "\n"
	  "verify  rehash every blob (N threads, default one per core); report\n"
	  "        missing, corrupt, stray and unreferenced blobs; exit 1 when a\n"
	  "        blob is missing or corrupt.\n"
	  "gc      remove blobs that nothing references and leftovers of\n"
	  "        interrupted work; -n only reports what it would remove.\n"
	  "add     put regular files (in-house wheels, local model files) into the\n"
	  "        store: prints each one's sha256, 'new' or 'present', and its name\n"
	  "        (--json: one event each). Symbolic links, FIFOs, devices and\n"
	  "        directories are refused, and a file whose size changes while it\n"
	  "        is read; nothing is added for them.\n" },
	{ "lock", cmd_lock, "resolve the manifest and pin everything in airlock.lock",
	  "usage: airlock lock [-f airlock.yaml] [-o airlock.lock] [--upgrade | --upgrade-package P]\n"
	  "                    [--check] [--offline | --refresh] [-j N]\n"
	  "\n"
	  "Resolve the pip requirements for every target (and pin every Hub repo to a\n"
	  "commit) and write the lock file (default: airlock.lock beside the manifest).\n"
	  "Pins of an existing lock are kept while they still fit; the file is\n"
	  "rewritten only when something changed.\n"
	  "\n"
	  "  -f, --file FILE           the manifest (default: airlock.yaml)\n"
	  "  -o, --output FILE         the lock file\n"
	  "  --upgrade                 re-resolve everything to the newest versions\n"
	  "  --upgrade-package NAME    re-resolve one project (repeatable)\n"
	  "  --check                   exit 1 when the lock is stale; write nothing\n"
	  "  --offline                 use only index pages and metadata in the store\n"
	  "  --refresh                 ask the index again for every page, even those its\n"
	  "                            Cache-Control max-age says are still fresh\n"
	  "  -j, --jobs N              requests at once (default 32: pages and metadata\n"
	  "                            are small)\n" },
	{ "fetch", cmd_fetch, "download everything the lock names into the store",
	  "usage: airlock fetch [-f airlock.yaml] [-o airlock.lock] [--locked] [--refresh] [-j N]\n"
	  "\n"
	  "Lock first when the lock is missing or stale, then download every file in\n"
	  "parallel into the store, checking every hash, and record the bundle.\n"
	  "\n"
	  "  --locked     refuse a missing or stale lock (exit 1) instead of relocking\n"
	  "  --refresh    a relock asks the index again for fresh pages (lock --refresh)\n"
	  "  -j, --jobs N transfers at once (default 8; a relock asks 32 at once\n"
	  "               unless -j is given)\n" },
	{ "export", cmd_export, "write signed media for the air gap",
	  "usage: airlock export -o MEDIA --key NAME.key [--since MEDIA|ID] [--volume-size SIZE]\n"
	  "                      [BUNDLE...]\n"
	  "\n"
	  "Write the bundles (default: all in the store) to the directory MEDIA:\n"
	  "airlock-media.json (what the media holds), its minisign signature\n"
	  "airlock-media.json.minisig, and vol-0001.tar... holding the objects.\n"
	  "\n"
	  "  -o, --output MEDIA   a new or empty directory\n"
	  "  -k, --key NAME.key   the signing key (minisign format; the passphrase is\n"
	  "                       read as for keygen)\n"
	  "  --since MEDIA|ID     a delta: only objects the earlier media lacks\n"
	  "  --volume-size SIZE   split into volumes of at most SIZE bytes (suffixes\n"
	  "                       K, M, G, T; or cd, dvd, dvd-dl, bd, bd-dl, fat32);\n"
	  "                       default: one volume\n" },
	{ "verify", cmd_verify, "check media without importing it",
	  "usage: airlock verify [--trust KEY.pub] MEDIA [VOLUME-DIR...]\n"
	  "\n"
	  "Check the signature (by a trusted key, or --trust), the manifest and every\n"
	  "byte of every volume; change nothing. Exit 1 naming the first problem.\n" },
	{ "import", cmd_import, "verify and import media into the store",
	  "usage: airlock import [--trust KEY.pub] MEDIA [VOLUME-DIR...]\n"
	  "\n"
	  "Verify and import media: the signature by a trusted key first, then that\n"
	  "its seq is newer than the last import of its bundles (no rollback), that a\n"
	  "delta's base was imported, free space, and every volume entry by entry.\n"
	  "The store changes in one transaction at the end, or not at all. Volumes\n"
	  "may sit in further directories (several disks). Importing the same media\n"
	  "again does nothing. Every attempt is recorded: see 'airlock log'.\n"
	  "\n"
	  "  --trust KEY.pub   also trust this public key for this import\n" },
	{ "publish", cmd_publish, "lay out the tree pip and model loaders use",
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
	  "switched atomically to the new tree: readers never see a half-built one.\n"
	  "\n"
	  "  -o, --output DIR   the published tree\n"
	  "  --no-symlinks      real files in hf/hub snapshots instead of symlinks\n" },
	{ "serve", cmd_serve, "serve a published tree over HTTP (pip index and Hub API)",
	  "usage: airlock serve --root DIR [--listen ADDR:PORT] [--threads N]\n"
	  "                     [--access-log FILE|-] [--max-connections N] [--max-per-client N]\n"
	  "                     [--timeout SECONDS] [--request-timeout SECONDS]\n"
	  "\n"
	  "Serve the tree from 'airlock publish -o DIR', read-only, until SIGINT or\n"
	  "SIGTERM: /simple/ (PEP 503 HTML and PEP 691 JSON by the Accept header), the\n"
	  "files under /wheels/, /requirements/, /models/, /datasets/ (with Range), and\n"
	  "the Hub API that HF_ENDPOINT clients call (/api/models/..., /<repo>/resolve/...).\n"
	  "A new publish into DIR is picked up by the next request.\n"
	  "\n"
	  "  --root DIR            the published tree (required)\n"
	  "  -l, --listen A:P      address and port (default 127.0.0.1:8080; port 0: any free\n"
	  "                        port, printed on stderr)\n"
	  "  -t, --threads N       worker threads (default: one per core)\n"
	  "  --access-log FILE     one line per request ('-': standard output)\n"
	  "  --max-connections N   at most N connections at once (default 1024)\n"
	  "  --max-per-client N    at most N of them from one client address (default: an\n"
	  "                        eighth of --max-connections, at least 16; 0: no limit)\n"
	  "  --timeout SECONDS     drop idle connections after this long (default 30)\n"
	  "  --request-timeout SECONDS\n"
	  "                        a request's line, headers and body must arrive within\n"
	  "                        this long, however slowly they trickle (default: --timeout)\n" },
	{ "env", cmd_env, "print the client settings for a published tree",
	  "usage: airlock env (--root DIR | --url URL) [--shell sh|fish|pip-conf|json]\n"
	  "\n"
	  "Print what pip and Hugging Face clients need to use a published tree:\n"
	  "with --url (airlock serve): PIP_INDEX_URL, PIP_TRUSTED_HOST (plain http to\n"
	  "another host), HF_ENDPOINT, HF_HUB_DISABLE_XET; with --root (the tree on\n"
	  "disk): PIP_NO_INDEX, PIP_FIND_LINKS, HF_HUB_CACHE, HF_HUB_OFFLINE.\n"
	  "  eval \"$(airlock env --url http://mirror:8080)\"\n"
	  "\n"
	  "  --shell sh     export NAME='value' (default)\n"
	  "  --shell fish   set -gx NAME 'value'\n"
	  "  --shell pip-conf   a [global] section for pip.conf\n"
	  "  --shell json   one JSON object (also with --json)\n" },
	{ "log", cmd_log, "show the import ledger",
	  "usage: airlock log\n"
	  "\n"
	  "Every media import attempt, accepted or refused, with its media id, bundle,\n"
	  "seq, signing key and reason.\n" },
	{ "keygen", cmd_keygen, "create a signing key pair (minisign formats)",
	  "usage: airlock keygen -o NAME [-W] [-f]\n"
	  "\n"
	  "Write NAME.key (mode 0600, encrypted with a passphrase using scrypt) and\n"
	  "NAME.pub, in minisign's formats. The passphrase comes from the file named\n"
	  "by $AIRLOCK_PASSPHRASE_FILE, else the terminal (asked twice), else the\n"
	  "first line of standard input.\n"
	  "\n"
	  "  -o, --output NAME   the key pair's path without .key/.pub\n"
	  "  -W, --unencrypted   no passphrase: the secret key is stored in clear\n"
	  "  -f, --force         replace existing NAME.key and NAME.pub\n" },
	{ "trust", cmd_trust, "manage the keys whose media import accepts",
	  "usage: airlock trust add KEY.pub...\n"
	  "       airlock trust list\n"
	  "       airlock trust remove KEYID|KEY.pub...\n"
	  "\n"
	  "add     trust a minisign public key (a .pub file or a base64 key string)\n"
	  "list    print key id, public key, date added and comment of each key\n"
	  "remove  stop trusting a key, named by key id or by its .pub file\n" },
	{ "help", cmd_help, "show help for a command",
	  "usage: airlock help [COMMAND]\n" },
	{ NULL, NULL, NULL, NULL },
};

static const char main_usage[] =
	"usage: airlock [--store DIR] [-v|-q] [--json] [--cacert FILE] COMMAND [ARGS]\n"
	"\n"
	"Build offline mirrors of Python wheels and Hugging Face models for\n"
	"air-gapped networks.\n"
	"\n"
	"Global options:\n"
	"  --store DIR   the store (default: $AIRLOCK_STORE, $XDG_DATA_HOME/airlock,\n"
	"                ~/.local/share/airlock)\n"
	"  -v, --verbose more detail;  -q, --quiet  errors only\n"
	"  --json        one JSON object per event or result on stdout\n"
	"  --cacert FILE trust the CA certificates in FILE for HTTPS (as SSL_CERT_FILE)\n"
	"  -h, --help    this help;    --version    print the version\n"
	"\n"
	"Commands:\n";

static void print_main_help(FILE *out)
{
	const struct cli_command *c;

	fputs(main_usage, out);
	for (c = cli_commands; c->name; c++)
		fprintf(out, "  %-10s %s\n", c->name, c->summary);
	fputs("\nSee 'airlock help COMMAND' or man airlock.\n", out);
}

const struct cli_command *cli_find(const char *name)
{
	const struct cli_command *c;

	for (c = cli_commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

void cli_print_help(const struct cli_command *c, FILE *out)
{
	fputs(c->usage, out);
}

int cmd_help(struct cli *cli, int argc, char **argv)
{
	const struct cli_command *c;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		print_main_help(stdout);
		return EXIT_OK;
	}
	if (argc > 2)
		return cli_usage("help", "too many arguments");
	if (!(c = cli_find(argv[1]))) {
		cli_error("'%s' is not an airlock command; see 'airlock --help'", argv[1]);
		return EXIT_USAGE;
	}
	cli_print_help(c, stdout);
	return EXIT_OK;
}

/* Exit 0 only when everything written to stdout reached it: a full disk or
 * a closed pipe is an error (as git's run_builtin does). */
static int finish_stdout(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno != EPIPE)
			cli_error("write error on standard output: %s", strerror(errno));
		return rc ? rc : EXIT_FAILURE_;
	}
	if (fclose(stdout) != 0) {
		cli_error("write error on standard output: %s", strerror(errno));
		return rc ? rc : EXIT_FAILURE_;
	}
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "store", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "cacert", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli cli = { 0 };
	const struct cli_command *c;
	int opt;

	cli.tty = isatty(STDERR_FILENO);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+vqh", opts, NULL)) != -1) {
		switch (opt) {
		case 's': cli.store_dir = optarg; break;
		case 'v': cli.verbosity++; break;
		case 'q': cli.verbosity = -1; break;
		case 'j': cli.json = true; break;
		case 'C':
			/* the HTTP engine reads its CA bundle from the environment
			 * (SSL_CERT_FILE first, as pip and requests do) */
			if (access(optarg, R_OK) != 0) {
				cli_error("--cacert: cannot read '%s': %s", optarg, strerror(errno));
				return EXIT_USAGE;
			}
			setenv("SSL_CERT_FILE", optarg, 1);
			break;
		case 'h':
			print_main_help(stdout);
			return finish_stdout(EXIT_OK);
		case 'V':
			printf("airlock %s\n", al_version());
			return finish_stdout(EXIT_OK);
		default:
			if (optopt)
				cli_error("unknown option '-%c'", optopt);
			else
				cli_error("unknown option '%s'", argv[optind - 1]);
			fputs("usage: airlock [--store DIR] [-v|-q] [--json] COMMAND [ARGS]\n", stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		print_main_help(stderr);
		return EXIT_USAGE;
	}
	if (!(c = cli_find(argv[optind]))) {
		cli_error("'%s' is not an airlock command; see 'airlock --help'", argv[optind]);
		return EXIT_USAGE;
	}
	argv += optind;
	argc -= optind;
	optind = 0; /* reset getopt for the command (GNU: 0 reinitialises) */
	return finish_stdout(c->fn(&cli, argc, argv));
}
