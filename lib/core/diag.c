/*
 * diag.c: error codes and their names, diagnostics (struct al_diag), the one
 * out-of-memory message (al_oom), and the version string.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "airlock.h"

static const char *const messages[AL_ERR_COUNT_] = {
	[AL_OK] = "no error",
	[AL_ENOMEM] = "out of memory",
	[AL_EUSAGE] = "bad usage",
	[AL_EIO] = "input/output error",
	[AL_EPARSE] = "malformed input",
	[AL_EINVALID] = "invalid input",
	[AL_ENOTFOUND] = "not found",
	[AL_EVERIFY] = "verification failed",
	[AL_ESTALE] = "out of date",
	[AL_ENET] = "network failure",
	[AL_EHTTP] = "unexpected HTTP status",
	[AL_ECONFLICT] = "conflicting requirements",
	[AL_ELIMIT] = "limit exceeded",
	[AL_EDB] = "database error",
	[AL_ECRYPTO] = "cryptographic failure",
	[AL_EBUSY] = "resource busy",
	[AL_EREFUSED] = "refused",
	[AL_ENOSPACE] = "not enough space",
	[AL_EUNSUPPORTED] = "not supported",
	[AL_EINTERNAL] = "internal error",
};

const char *al_strerror(al_err e)
{
	if ((unsigned)e >= AL_ERR_COUNT_ || !messages[e])
		return "unknown error";
	return messages[e];
}

const char *al_version(void)
{
	return PACKAGE_VERSION;
}

al_err al_diag_set(struct al_diag *d, al_err code, const char *fmt, ...)
{
	va_list ap;

	if (!d)
		return code;
	d->code = code;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	return code;
}

al_err al_oom(struct al_diag *d)
{
	return al_diag_set(d, AL_ENOMEM, "out of memory");
}

al_err al_diag_prefix(struct al_diag *d, const char *fmt, ...)
{
	char prefix[AL_DIAG_MAX], old[AL_DIAG_MAX];
	va_list ap;

	if (!d)
		return AL_OK;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, d->msg, sizeof(old));
	/* Truncation keeps the prefix: the context matters more than the tail. */
	size_t n = strlen(prefix);
	if (n >= sizeof(d->msg))
		n = sizeof(d->msg) - 1;
	memcpy(d->msg, prefix, n);
	size_t m = strnlen(old, sizeof(d->msg) - 1 - n);
	memcpy(d->msg + n, old, m);
	d->msg[n + m] = '\0';
	return d->code;
}

void al_diag_clear(struct al_diag *d)
{
	if (d) {
		d->code = AL_OK;
		d->msg[0] = '\0';
	}
}
