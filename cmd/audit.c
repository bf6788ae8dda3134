/* airlock audit: the locked distributions against OSV advisories, offline */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { OPT_BUNDLE = CLI_LONG, OPT_OSV, OPT_IGNORE, OPT_LOCK };

#define AUDIT_MAX_IGNORE 256

static int cmd_audit(struct cli *cli, int argc, char **argv);

static const struct cli_opt audit_opts[] = {
	{ 'f', "file", "FILE", "the manifest; the lock is airlock.lock beside it\n"
	                       "(default: airlock.yaml)" },
	{ OPT_LOCK, "lock", "FILE", "the lock file (default: airlock.lock beside the manifest)" },
	{ OPT_BUNDLE, "bundle", "NAME[@SEQ]", "audit a bundle of the store instead (the isolated\n"
	                                       "side; with @SEQ: as the medium of that seq carried it)" },
	{ OPT_OSV, "osv", "PATH", "OSV records: a directory of *.json, OSV's PyPI/all.zip,\n"
	                          "or one record (default: the manifest's advisories,\n"
	                          "or those the bundle carries)" },
	{ OPT_IGNORE, "ignore", "ID[=REASON]", "accept a record (its id or an alias), with the\n"
	                                       "reason printed beside it (repeatable)" },
	{ 0 },
};

const struct cli_command cli_cmd_audit = {
	"audit", cmd_audit, "match the locked distributions against OSV advisories",
	"usage: airlock audit [-f airlock.yaml | --lock FILE | --bundle NAME[@SEQ]] [--osv PATH]\n"
	"                     [--ignore ID[=REASON]]...\n"
	"\n"
	"Match every distribution of the lock (or of a bundle in the store) against\n"
	"OSV records of the PyPI ecosystem, offline, and print each record that\n"
	"affects one: id, aliases, summary, severity, project and version, fixed\n"
	"versions. Without --osv, the manifest's advisories files (with -f) or the\n"
	"snapshots the bundle carries (with --bundle). Exit 1 when a record matches\n"
	"that --ignore does not accept.\n",
	audit_opts, 0,
};

static void warn_cb(void *ctx, const char *msg)
{
	cli_warn(ctx, "%s", msg);
}

static json_t *strv_json(char **v, size_t n)
{
	json_t *a = json_array();
	size_t i;
	for (i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_string(v[i]))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* Strings from a record may be anything: json_string refuses bad UTF-8, so
 * they go out escaped, as on the terminal. */
static void print_json(const struct al_audit *r, size_t open)
{
	json_t *ms = json_array(), *out;
	bool oom = !ms; /* a JSON answer is whole or not given */
	size_t i;

	for (i = 0; !oom && i < r->n; i++) {
		const struct al_audit_match *m = &r->matches[i];
		char *summary = al_safe_text(m->summary, 0), *source = al_safe_text(m->source, 0);
		/* the --ignore reason comes from the command line: any bytes */
		char *reason = m->ignored ? al_safe_text(m->ignored, 0) : NULL;
		json_t *aliases = strv_json(m->aliases, m->naliases);
		json_t *sev = strv_json(m->severity, m->nseverity), *fixed = strv_json(m->fixed, m->nfixed);
		json_t *o = summary && source && aliases && sev && fixed && (reason || !m->ignored)
		            ? json_pack("{s:s, s:O, s:s, s:O, s:s, s:s, s:O, s:s, s:s?}", "id", m->id,
		                        "aliases", aliases, "summary", summary, "severity", sev, "project",
		                        m->project, "version", m->version, "fixed", fixed, "source", source,
		                        "ignored", reason)
		            : NULL;
		oom |= !o || json_array_append_new(ms, o);
		json_decref(aliases);
		json_decref(sev);
		json_decref(fixed);
		free(summary);
		free(source);
		free(reason);
	}
	out = json_pack("{s:s, s:I, s:I, s:I, s:o}", "event", "audit", "records", (json_int_t)r->records,
	                "distributions", (json_int_t)r->distributions, "open", (json_int_t)open,
	                "matches", ms);
	if (oom) {
		json_decref(out);
		out = NULL;
	}
	cli_json(out);
}

static void print_text(struct cli *cli, const struct al_audit *r, size_t open)
{
	size_t i, k;

	for (i = 0; i < r->n; i++) {
		const struct al_audit_match *m = &r->matches[i];
		struct cli_safe sf = CLI_SAFE_INIT;

		printf("%s %s: %s", m->project, m->version, cli_safe(&sf, m->id));
		cli_safe_release(&sf);
		for (k = 0; k < m->naliases; k++) {
			printf("%s%s", k ? ", " : " (", cli_safe(&sf, m->aliases[k]));
			cli_safe_release(&sf);
		}
		printf("%s%s\n", m->naliases ? ")" : "", m->ignored ? " [ignored]" : "");
		if (m->summary)
			printf("  summary:  %s\n", cli_safe(&sf, m->summary));
		cli_safe_release(&sf);
		for (k = 0; k < m->nseverity; k++) {
			printf("  severity: %s\n", cli_safe(&sf, m->severity[k]));
			cli_safe_release(&sf);
		}
		printf("  fixed:    ");
		for (k = 0; k < m->nfixed; k++) {
			printf("%s%s", k ? ", " : "", cli_safe(&sf, m->fixed[k]));
			cli_safe_release(&sf);
		}
		printf("%s\n", m->nfixed ? "" : "(none named)");
		if (m->ignored)
			printf("  ignored:  %s\n", *m->ignored ? cli_safe(&sf, m->ignored) : "(no reason given)");
		cli_safe_release(&sf);
		if (cli->verbosity > 0)
			printf("  record:   %s\n", cli_safe(&sf, m->source));
		cli_safe_release(&sf);
	}
	if (cli->verbosity >= 0)
		printf("%zu distribution%s, %llu records: %zu match%s, %zu ignored\n", r->distributions,
		       r->distributions == 1 ? "" : "s", (unsigned long long)r->records, open,
		       open == 1 ? "" : "es", r->n - open);
}

static int cmd_audit(struct cli *cli, int argc, char **argv)
{
	struct al_audit_ignore ignore[AUDIT_MAX_IGNORE];
	struct al_audit_opts o = { NULL, ignore, 0, warn_cb, cli };
	struct al_audit res = AL_AUDIT_INIT;
	struct al_diag d = AL_DIAG_INIT;
	const char *manifest = NULL, *lock_file = NULL, *bundle = NULL, *osv = NULL;
	struct al_manifest *m = NULL;
	struct al_store *s = NULL;
	struct al_lock *l = NULL;
	struct cli_parse p;
	char *lock_path = NULL, *ids[AUDIT_MAX_IGNORE];
	size_t i, k, open = 0, nids = 0;
	int key, rc = CLI_EXIT_OK;

	cli_parse_start(&p, &cli_cmd_audit, argc, argv);
	while ((key = cli_parse_next(&p)) > 0) {
		switch (key) {
		case 'f': manifest = p.value; break;
		case OPT_LOCK: lock_file = p.value; break;
		case OPT_BUNDLE: bundle = p.value; break;
		case OPT_OSV: osv = p.value; break;
		case OPT_IGNORE: {
			const char *eq = strchr(p.value, '=');
			if (o.nignore >= AUDIT_MAX_IGNORE) {
				rc = cli_usage(&cli_cmd_audit, "at most %d --ignore options", AUDIT_MAX_IGNORE);
				goto out;
			}
			if (!(ids[nids] = eq ? strndup(p.value, (size_t)(eq - p.value)) : strdup(p.value))) {
				cli_error("out of memory");
				rc = CLI_EXIT_FAILURE;
				goto out;
			}
			if (!*ids[nids++]) {
				rc = cli_usage(&cli_cmd_audit, "--ignore needs a record id");
				goto out;
			}
			ignore[o.nignore].id = ids[nids - 1];
			ignore[o.nignore++].reason = eq ? eq + 1 : NULL;
			break;
		}
		}
	}
	if (key < 0) {
		rc = p.rc;
		goto out;
	}
	if (p.nargs) {
		rc = cli_usage(&cli_cmd_audit, "unexpected argument '%s'", p.args[0]);
		goto out;
	}
	if (bundle && (manifest || lock_file)) {
		rc = cli_usage(&cli_cmd_audit, "--bundle audits the store: not with -f or --lock");
		goto out;
	}
	if (bundle) {
		/* NAME@SEQ: the lock the medium of that seq carried (as sbom --bundle) */
		struct al_review_src src;
		if ((rc = cli_open_store(cli, &s, AL_STORE_RDONLY)))
			goto out;
		if (al_review_load(s, bundle, AL_REVIEW_BUNDLE, &src, &d)) {
			rc = cli_fail(cli, &d);
			goto out;
		}
		l = src.lock;
		src.lock = NULL;
		al_review_src_release(&src);
	} else {
		if (!(lock_path = lock_file ? strdup(lock_file)
		                            : cli_lock_beside(manifest ? manifest : "airlock.yaml"))) {
			cli_error("out of memory");
			rc = CLI_EXIT_FAILURE;
			goto out;
		}
		if (!osv && !lock_file && al_manifest_load(&m, manifest ? manifest : "airlock.yaml", &d)) {
			rc = cli_fail(cli, &d);
			goto out;
		}
		if (al_lock_load(&l, lock_path, &d)) {
			rc = cli_fail(cli, &d);
			goto out;
		}
	}
	if (osv) {
		if (al_audit_osv(l, osv, &o, &res, &d)) {
			rc = cli_fail(cli, &d);
			goto out;
		}
	} else if (bundle && l->nadvisories) {
		/* the snapshots the bundle carries, from the store */
		for (i = 0; i < l->nadvisories; i++) {
			char *path = al_store_blob_path(s, l->advisories[i].sha256);
			if (!path) {
				cli_error("out of memory");
				rc = CLI_EXIT_FAILURE;
				goto out;
			}
			o.label = l->advisories[i].name;
			if (al_audit_osv(l, path, &o, &res, &d)) {
				free(path);
				rc = cli_fail(cli, &d);
				goto out;
			}
			free(path);
		}
	} else if (m && m->advisories.n) {
		for (i = 0; i < m->advisories.n; i++)
			if (al_audit_osv(l, m->advisories.v[i], &o, &res, &d)) {
				rc = cli_fail(cli, &d);
				goto out;
			}
	} else {
		if (bundle)
			rc = cli_usage(&cli_cmd_audit, "bundle '%s' carries no advisories: give --osv PATH",
			               bundle);
		else
			rc = cli_usage(&cli_cmd_audit, "no advisories: give --osv PATH (or name advisories "
			               "files in the manifest)");
		goto out;
	}
	for (i = 0; i < res.n; i++)
		open += !res.matches[i].ignored;
	for (k = 0; k < o.nignore; k++) {
		bool used = false;
		for (i = 0; i < res.n && !used; i++) {
			size_t a;
			used = !strcmp(res.matches[i].id, ignore[k].id);
			for (a = 0; a < res.matches[i].naliases && !used; a++)
				used = !strcmp(res.matches[i].aliases[a], ignore[k].id);
		}
		if (!used)
			cli_warn(cli, "--ignore %s: no record with this id matched", ignore[k].id);
	}
	if (cli->json)
		print_json(&res, open);
	else
		print_text(cli, &res, open);
	rc = open ? CLI_EXIT_NO : CLI_EXIT_OK;
out:
	for (i = 0; i < nids; i++)
		free(ids[i]);
	al_audit_release(&res);
	al_lock_free(l);
	al_manifest_free(m);
	al_store_free(s);
	free(lock_path);
	return rc;
}
