/*
 * minisign-pubkey-fuzzer: public key files and strings, and secret key
 * files (without a passphrase: the scrypt cost would drown the fuzzer),
 * through lib/media/minisign.c's parsers. Seeds: fixtures/fuzz/minisign-pubkey-fuzzer/.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "airlock.h"
#include "core/buf.h"
#include "media/minisign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_buf text = AL_BUF_INIT;
	struct al_mpub *pk = NULL, *pk2 = NULL;
	struct al_mkey *sk = NULL;

	if (al_minisign_pub_parse(&pk, data, size, "fuzz", &d) == AL_OK) {
		/* What parses formats back to something that parses the same. */
		if (al_minisign_pub_format(pk, &text, &d) ||
		    al_minisign_pub_parse(&pk2, text.buf, text.len, "again", &d) ||
		    memcmp(pk->keynum, pk2->keynum, sizeof(pk->keynum)) ||
		    memcmp(pk->pk, pk2->pk, sizeof(pk->pk)))
			__builtin_trap();
	}
	if (al_minisign_key_parse(&sk, data, size, "fuzz", &d) == AL_OK &&
	    !al_minisign_key_locked(sk)) {
		struct al_mpub *derived = NULL;
		if (al_minisign_key_public(sk, &derived, &d))
			__builtin_trap();
		al_minisign_pub_free(derived);
	}
	al_minisign_key_free(sk);
	al_minisign_pub_free(pk);
	al_minisign_pub_free(pk2);
	al_buf_release(&text);
	return 0;
}
