/*
 * minisign-sig-fuzzer: signature files through lib/media/minisign.c's parser
 * and verifier (against a fixed key, so the cryptographic paths run on
 * hostile but well-formed input too). Seeds: fixtures/fuzz/minisign-sig-fuzzer/.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "airlock.h"
#include "media/minisign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fixtures/minisign/key.pub, which signed the seeds' message. */
static const char pubkey[] = "RWTGjXo0PNQ8woscXnQtj0oN/BL4IadXkXZUN95uXg8yIyweqHQic1l/";
static const char message[] = "airlock fixture message\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_msig *sig = NULL;
	struct al_mpub *pk = NULL;
	struct al_mverified v = { { 0 }, NULL, false };
	const struct al_mpub *keys[1];

	if (al_minisign_sig_parse(&sig, data, size, "fuzz", &d) == AL_OK) {
		/* The parser's promises: a printable comment of bounded length. */
		if (sig->trusted_comment_len > AL_MS_TRUSTED_COMMENT_MAX ||
		    strlen(sig->trusted_comment) != sig->trusted_comment_len ||
		    al_minisign_comment_check(sig->trusted_comment, sig->trusted_comment_len))
			__builtin_trap();
	}
	al_minisign_sig_free(sig);
	if (al_minisign_pub_parse(&pk, pubkey, strlen(pubkey), "key", &d))
		__builtin_trap();
	keys[0] = pk;
	if (al_minisign_verify(keys, 1, message, strlen(message), data, size, "fuzz", &v, &d) ==
	    AL_OK) {
		if (!v.trusted_comment)
			__builtin_trap();
		al_minisign_verified_release(&v);
	}
	al_minisign_pub_free(pk);
	return 0;
}
