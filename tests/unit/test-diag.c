/* lib/core/diag.c through its interface: al_diag_set, al_diag_prefix (the
 * context kept when the message is too long), al_diag_clear, al_strerror. */
#include "config.h"

#include "airlock.h"
#include "tap.h"

int main(void)
{
	struct al_diag d = AL_DIAG_INIT;
	char long_[AL_DIAG_MAX * 2];
	int e, f;

	is_int(al_diag_set(&d, AL_EIO, "cannot open '%s': %s", "x", "No such file"), AL_EIO,
	       "set returns the code");
	is_int(d.code, AL_EIO, "and records it");
	is_str(d.msg, "cannot open 'x': No such file", "and the message");
	is_int(al_diag_prefix(&d, "reading '%s': ", "m.yaml"), AL_EIO, "prefix returns the code");
	is_str(d.msg, "reading 'm.yaml': cannot open 'x': No such file", "and puts the context first");
	is_int(al_diag_set(NULL, AL_ELIMIT, "x"), AL_ELIMIT, "a NULL diag still returns the code");
	is_int(al_diag_prefix(NULL, "x"), AL_OK, "prefix on NULL is a no-op");
	al_diag_clear(NULL);

	memset(long_, 'a', sizeof(long_) - 1);
	long_[sizeof(long_) - 1] = '\0';
	al_diag_set(&d, AL_EPARSE, "%s", long_);
	is_int(strlen(d.msg), AL_DIAG_MAX - 1, "a long message is cut to the buffer");
	al_diag_prefix(&d, "context: ");
	ok(!strncmp(d.msg, "context: aaa", 12) && strlen(d.msg) == AL_DIAG_MAX - 1,
	   "a prefix to a full message keeps the prefix and cuts the tail");
	al_diag_prefix(&d, "%s", long_);
	ok(strlen(d.msg) == AL_DIAG_MAX - 1 && d.msg[0] == 'a', "even a prefix longer than the buffer");
	al_diag_clear(&d);
	ok(d.code == AL_OK && d.msg[0] == '\0', "clear empties it");

	is_str(al_strerror(AL_OK), "no error", "al_strerror(AL_OK)");
	for (e = 0; e < AL_ERR_COUNT_; e++) {
		const char *s = al_strerror((al_err)e);
		int dup = 0;
		for (f = 0; f < e; f++)
			dup |= !strcmp(s, al_strerror((al_err)f));
		ok(s && *s && strcmp(s, "unknown error") && !dup, "code %d has a message of its own: %s", e, s);
	}
	is_str(al_strerror(AL_ERR_COUNT_), "unknown error", "past the last code");
	is_str(al_strerror((al_err)-1), "unknown error", "a negative code");
	ok(al_version() && *al_version(), "al_version: %s", al_version());
	return done_testing();
}
