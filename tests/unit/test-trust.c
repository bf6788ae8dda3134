/*
 * test-trust.c: lib/media/trust.c, the store's trusted keys, and verifying with
 * the keys it loads.
 */
#include "config.h"

#include <stdlib.h>

#include "airlock.h"
#include "core/buf.h"
#include "media/minisign.h"
#include "store/db.h"
#include "store/store-internal.h"
#include "tap.h"
#include "media/trust.h"

static char root[] = "/tmp/airlock-test-trust-XXXXXX";

static void fixture_path(struct al_buf *b, const char *name)
{
	al_buf_reset(b);
	al_buf_addf(b, "%s/fixtures/minisign/%s", tap_srcdir(), name);
}

static int count(void *ctx, const struct al_trusted_key *k)
{
	(*(int *)ctx)++;
	return 0;
}

int main(void)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_buf path = AL_BUF_INIT, msg = AL_BUF_INIT, sig = AL_BUF_INIT, cmd = AL_BUF_INIT;
	struct al_store *s = NULL;
	struct al_trusted_key k;
	struct al_mpub **keys = NULL;
	struct al_mverified v = { { 0 }, NULL, false };
	char id[AL_KEYID_LEN];
	size_t n = 0;
	bool added;
	int c = 0;

	if (!mkdtemp(root))
		return 1;
	plan_lazy();
	al_buf_addf(&path, "%s/store", root);
	is_int(al_store_open(&s, path.buf, AL_STORE_CREATE, &d), AL_OK, "store");

	is_int(al_trust_load(s, &keys, &n, &d), AL_OK, "load with no keys");
	is_int((int)n, 0, "none");
	al_trust_keys_free(keys, n);

	fixture_path(&path, "key.pub");
	is_int(al_trust_add(s, path.buf, &k, &added, &d), AL_OK, "add key.pub");
	ok(added, "added");
	is_str(k.key_id, "C23CD43C347A8DC6", "key id");
	is_int(al_trust_add(s, path.buf, &k, &added, &d), AL_OK, "add it again");
	ok(!added, "nothing new");
	fixture_path(&path, "bad/ok-pub-same-id.pub");
	is_int(al_trust_add(s, path.buf, NULL, NULL, &d), AL_ECONFLICT, "same id, other key");
	fixture_path(&path, "enc.pub");
	is_int(al_trust_add(s, path.buf, NULL, NULL, &d), AL_OK, "add enc.pub");
	fixture_path(&path, "bad/pub-short.pub");
	is_int(al_trust_add(s, path.buf, NULL, NULL, &d), AL_EPARSE, "a bad file");
	ok(strstr(d.msg, "public key file '") && strstr(d.msg, "line 2: not a public key"), "%s",
	   d.msg);
	is_int(al_trust_list(s, count, &c, &d), AL_OK, "list");
	is_int(c, 2, "two keys");

	is_int(al_trust_load(s, &keys, &n, &d), AL_OK, "load");
	is_int((int)n, 2, "two keys");
	fixture_path(&path, "msg.txt");
	al_buf_read_file(&msg, path.buf, 1 << 16, &d);
	fixture_path(&path, "msg.txt.minisig");
	al_buf_read_file(&sig, path.buf, 1 << 16, &d);
	is_int(al_minisign_verify((const struct al_mpub *const *)keys, n, msg.buf, msg.len, sig.buf,
	                          sig.len, "msg.txt.minisig", &v, &d),
	       AL_OK, "a signature by a trusted key verifies with the loaded keys");
	is_str(v.key_id, "C23CD43C347A8DC6", "by the right key");
	al_minisign_verified_release(&v);
	al_trust_keys_free(keys, n);

	is_int(al_trust_remove(s, "c23cd43c347a8dc6", id, &d), AL_OK, "remove by id");
	is_str(id, "C23CD43C347A8DC6", "normalised");
	is_int(al_trust_remove(s, "C23CD43C347A8DC6", id, &d), AL_ENOTFOUND, "gone");
	is_int(al_trust_load(s, &keys, &n, &d), AL_OK, "load");
	is_int(al_minisign_verify((const struct al_mpub *const *)keys, n, msg.buf, msg.len, sig.buf,
	                          sig.len, "msg.txt.minisig", NULL, &d),
	       AL_EREFUSED, "after removal the signature is refused");
	ok(strstr(d.msg, "signed by key C23CD43C347A8DC6") != NULL, "%s",
	   d.msg);
	al_trust_keys_free(keys, n);

	/* A key of small order that an older airlock trusted: no import until it goes. */
	al_db_exec(al_store_db(s), "INSERT INTO trusted_keys (key_id, public_key, added) VALUES "
	           "('0807060504030201', 'RWQBAgMEBQYHCAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 0)",
	           &d);
	is_int(al_trust_load(s, &keys, &n, &d), AL_EDB, "a trusted key of small order is refused");
	ok(strstr(d.msg, "trusted key 0807060504030201 in the store is corrupt or unusable (key: "
	              "line 1: not a valid Ed25519 public key") &&
	   strstr(d.msg, "remove it with 'airlock trust remove 0807060504030201'"), "%s", d.msg);
	is_int(al_trust_remove(s, "0807060504030201", NULL, &d), AL_OK, "and can be removed by id");

	/* A tampered row is an error, not a shorter trust list. */
	al_db_exec(al_store_db(s), "UPDATE trusted_keys SET key_id = '0000000000000000'", &d);
	is_int(al_trust_load(s, &keys, &n, &d), AL_EDB, "a row whose id does not match its key");
	ok(strstr(d.msg, "corrupt") != NULL, "%s", d.msg);
	al_db_exec(al_store_db(s), "UPDATE trusted_keys SET public_key = 'RWQ='", &d);
	is_int(al_trust_load(s, &keys, &n, &d), AL_EDB, "a row that does not parse");

	al_store_free(s);
	al_buf_addf(&cmd, "rm -rf '%s'", root);
	(void)!system(cmd.buf);
	al_buf_release(&cmd);
	al_buf_release(&path);
	al_buf_release(&msg);
	al_buf_release(&sig);
	return done_testing();
}
