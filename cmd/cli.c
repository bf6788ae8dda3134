#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Print prefix and the formatted message on stderr, one line (or indented
 * continuation lines, as the resolver writes them) with every control
 * character escaped: a message may quote a file name from media or a
 * string from the network (al_safe_text). */
static void vreport(const char *prefix, const char *fmt, va_list ap)
{
	char small[512], *msg = small, *safe;
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(small, sizeof(small), fmt, cp);
	va_end(cp);
	if (n < 0)
		small[0] = '\0';
	else if ((size_t)n >= sizeof(small) && (msg = malloc((size_t)n + 1)))
		vsnprintf(msg, (size_t)n + 1, fmt, ap);
	else if (!msg)
		msg = small; /* out of memory: the message cut short */
	for (n = (int)strlen(msg); n > 0 && msg[n - 1] == '\n'; n--)
		msg[n - 1] = '\0';
	safe = al_safe_text(msg, AL_SAFE_LINES);
	fflush(stdout);
	fprintf(stderr, "%s%s\n", prefix, safe ? safe : "(out of memory)");
	free(safe);
	if (msg != small)
		free(msg);
}

void cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("airlock: ", fmt, ap);
	va_end(ap);
}

void cli_verror(const char *fmt, va_list ap)
{
	vreport("airlock: ", fmt, ap);
}

void cli_warn(struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	if (cli->verbosity < 0)
		return;
	va_start(ap, fmt);
	vreport("airlock: warning: ", fmt, ap);
	va_end(ap);
}

const char *cli_safe(struct cli_safe *sf, const char *s)
{
	char *e;

	if (!s)
		return "";
	if (sf->n >= CLI_SAFE_MAX || !(e = al_safe_text(s, 0)))
		return "?";
	return sf->v[sf->n++] = e;
}

void cli_safe_release(struct cli_safe *sf)
{
	while (sf->n)
		free(sf->v[--sf->n]);
}

int cli_exit_code(al_err err)
{
	switch (err) {
	case AL_OK: return CLI_EXIT_OK;
	case AL_EVERIFY:
	case AL_ESTALE:
	case AL_EREFUSED: return CLI_EXIT_NO;
	case AL_EUSAGE: return CLI_EXIT_USAGE;
	default: return CLI_EXIT_FAILURE;
	}
}

int cli_fail(struct cli *cli, const struct al_diag *d)
{
	(void)cli;
	cli_error("%s", d->msg[0] ? d->msg : al_strerror(d->code));
	return cli_exit_code(d->code ? d->code : AL_EINTERNAL);
}

void cli_json(json_t *obj)
{
	char *text, *p;

	if (!obj) {
		cli_error("out of memory: no JSON written");
		return;
	}
	/* jansson escapes C0 controls, and with JSON_ENSURE_ASCII all of
	 * U+007F and above but DEL itself: escape that too (a raw 0x7f can only
	 * stand inside a string), so no control byte reaches the terminal */
	text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	for (p = text; p && *p; p++) {
		if (*p == 0x7f)
			fputs("\\u007f", stdout);
		else
			putchar(*p);
	}
	if (text)
		fputc('\n', stdout);
	else
		cli_error("out of memory: no JSON written");
	free(text);
	json_decref(obj);
}

int cli_open_store(struct cli *cli, struct al_store **out, unsigned flags)
{
	struct al_diag d = AL_DIAG_INIT;
	char *dir = al_store_default_dir(cli->store_dir);
	al_err err;

	if (!dir) {
		cli_error("no store location: set --store, AIRLOCK_STORE or HOME");
		return CLI_EXIT_USAGE;
	}
	err = al_store_open(out, dir, flags, &d);
	free(dir);
	return err ? cli_fail(cli, &d) : CLI_EXIT_OK;
}

const char *cli_human_size(unsigned long long n, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)n;
	int u = 0;

	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", n);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
	return buf;
}

int cli_parse_size(const char *s, uint64_t *out)
{
	static const struct { const char *name; uint64_t bytes; } presets[] = {
		{ "cd", 700ull * 1000 * 1000 },           { "dvd", 4700ull * 1000 * 1000 },
		{ "dvd-dl", 8500ull * 1000 * 1000 },      { "bd", 25000ull * 1000 * 1000 },
		{ "bd-dl", 50000ull * 1000 * 1000 },      { "fat32", (4ull << 30) - 1 },
	};
	unsigned long long v;
	char *end;
	size_t i;
	int shift = 0;

	for (i = 0; i < sizeof(presets) / sizeof(*presets); i++)
		if (!strcasecmp(s, presets[i].name)) {
			/* leave room for the file system: 1% */
			*out = presets[i].bytes / 100 * 99;
			return 0;
		}
	if (!*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default: return -1;
	}
	if ((*end == 'i' || *end == 'I') && shift)
		end++;
	if ((*end == 'b' || *end == 'B') && end[1] == '\0')
		end++;
	if (*end || (shift && v > (UINT64_MAX >> shift)))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

/* The lock file beside a manifest: "dir/airlock.yaml" gives "dir/airlock.lock"
 * (malloc'd; NULL when out of memory). */
char *cli_lock_beside(const char *manifest)
{
	const char *slash = strrchr(manifest, '/');
	size_t n = slash ? (size_t)(slash - manifest) + 1 : 0;
	char *p = malloc(n + sizeof("airlock.lock"));

	if (p) {
		memcpy(p, manifest, n);
		strcpy(p + n, "airlock.lock");
	}
	return p;
}
