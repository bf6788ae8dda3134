/*
 * test-minisign.c: lib/media/minisign.c and lib/media/secmem.c. The parser cases are
 * data in fixtures/minisign/cases.txt; the fixtures made by stock minisign
 * pin byte compatibility (our signature of the same message with the same
 * key and comment must equal minisign's, Ed25519 being deterministic).
 */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "airlock.h"
#include "core/buf.h"
#include "core/mem.h"
#include "media/minisign.h"
#include "tap.h"

static char root[] = "/tmp/airlock-test-minisign-XXXXXX";

static const char *const err_names[] = {
	"AL_OK", "AL_ENOMEM", "AL_EUSAGE", "AL_EIO", "AL_EPARSE", "AL_EINVALID",
	"AL_ENOTFOUND", "AL_EVERIFY", "AL_ESTALE", "AL_ENET", "AL_EHTTP", "AL_ECONFLICT",
	"AL_ELIMIT", "AL_EDB", "AL_ECRYPTO", "AL_EBUSY", "AL_EREFUSED", "AL_ENOSPACE",
	"AL_EUNSUPPORTED", "AL_EINTERNAL",
};

static int err_code(const char *name)
{
	size_t i;

	if (!strcmp(name, "ok"))
		return AL_OK;
	for (i = 0; i < sizeof(err_names) / sizeof(err_names[0]); i++)
		if (!strcmp(name, err_names[i]))
			return (int)i;
	return -1;
}

static void fixture(struct al_buf *b, const char *name)
{
	struct al_buf path = AL_BUF_INIT;
	struct al_diag d = AL_DIAG_INIT;

	al_buf_reset(b);
	al_buf_addf(&path, "%s/fixtures/minisign/%s", tap_srcdir(), name);
	if (al_buf_read_file(b, path.buf, 1 << 20, &d))
		diag("cannot read fixture: %s", d.msg);
	al_buf_release(&path);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && !strcmp(s + a - b, suffix);
}

static void run_cases(void)
{
	struct al_buf list = AL_BUF_INIT, data = AL_BUF_INIT;
	char *line, *save = NULL;

	fixture(&list, "cases.txt");
	ok(list.len > 0, "cases.txt is there");
	for (line = strtok_r(list.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct al_diag d = AL_DIAG_INIT;
		char file[256], result[64];
		const char *want_msg = "";
		int consumed = 0, want;
		al_err got;

		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (sscanf(line, "%255s %63s %n", file, result, &consumed) < 2) {
			ok(0, "malformed case line: %s", line);
			continue;
		}
		if (consumed > 0)
			want_msg = line + consumed;
		want = err_code(result);
		fixture(&data, file);
		if (ends_with(file, ".minisig")) {
			struct al_msig *sig = NULL;
			got = al_minisign_sig_parse(&sig, data.buf, data.len, "sig", &d);
			al_minisign_sig_free(sig);
		} else if (ends_with(file, ".key")) {
			struct al_mkey *k = NULL;
			got = al_minisign_key_parse(&k, data.buf, data.len, "key", &d);
			al_minisign_key_free(k);
		} else {
			struct al_mpub *pk = NULL;
			got = al_minisign_pub_parse(&pk, data.buf, data.len, "pub", &d);
			al_minisign_pub_free(pk);
		}
		if (!ok((int)got == want && strstr(d.msg, want_msg) != NULL, "%s: %s%s%s", file,
		        result, got ? ": " : "", got ? d.msg : ""))
			diag("  got %s: '%s'; want %s '%s'", err_names[got], d.msg, result,
			     want_msg);
	}
	al_buf_release(&list);
	al_buf_release(&data);
}

/* The eight points of small order, as libsodium lists them (its blocklist
 * in crypto_sign_verify ignores the x sign bit, so both signs are here),
 * and non-canonical encodings of small-order points: no one's key. */
static void test_small_order(void)
{
	static const char *const points[] = {
		"0000000000000000000000000000000000000000000000000000000000000000", /* order 4 */
		"0000000000000000000000000000000000000000000000000000000000000080", /* order 4 */
		"0100000000000000000000000000000000000000000000000000000000000000", /* identity */
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* order 2 */
		"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", /* order 8 */
		"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85", /* order 8 */
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", /* order 8 */
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", /* order 8 */
		/* non-canonical: y = p (0), y = p + 1 (1), x = -0 */
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
		"0100000000000000000000000000000000000000000000000000000000000080",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	};
	size_t i, k;

	for (i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
		unsigned char blob[AL_MS_PUB_BLOB];
		char b64[AL_MS_PUB_B64 + 1];
		struct al_diag d = AL_DIAG_INIT;
		struct al_mpub *pk = NULL;
		al_err err;

		memcpy(blob, "Ed", 2);
		for (k = 0; k < AL_MS_KEYNUM_BYTES; k++)
			blob[2 + k] = (unsigned char)(k + 1);
		for (k = 0; k < AL_MS_PK_BYTES; k++) {
			unsigned v;
			sscanf(points[i] + 2 * k, "%2x", &v);
			blob[2 + AL_MS_KEYNUM_BYTES + k] = (unsigned char)v;
		}
		sodium_bin2base64(b64, sizeof(b64), blob, sizeof(blob), sodium_base64_VARIANT_ORIGINAL);
		err = al_minisign_pub_parse(&pk, b64, strlen(b64), "key", &d);
		ok(err == AL_EINVALID && pk == NULL &&
		   strstr(d.msg, "line 1: not a valid Ed25519 public key") != NULL,
		   "small-order point %s is refused: %s", points[i], d.msg);
		al_minisign_pub_free(pk);
		ok(!crypto_core_ed25519_is_valid_point(blob + 2 + AL_MS_KEYNUM_BYTES),
		   "and libsodium says it is not a valid point");
	}
}

static void test_keyid(void)
{
	unsigned char kn[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, back[8];
	char id[AL_KEYID_LEN];

	al_minisign_keyid(kn, id);
	is_str(id, "0807060504030201", "key id is keynum as a little-endian u64 in hex");
	ok(al_minisign_keyid_parse("0807060504030201", back) && !memcmp(back, kn, 8),
	   "key id parses back");
	ok(al_minisign_keyid_parse("c23cd43c347a8dc6", back), "lowercase key id parses");
	ok(!al_minisign_keyid_parse("C23CD43C347A8DC", back), "15 digits do not");
	ok(!al_minisign_keyid_parse("C23CD43C347A8DC66", back), "17 digits do not");
	ok(!al_minisign_keyid_parse("C23CD43C347A8DCG", back), "a non-hex digit does not");
}

/* The fixtures from stock minisign verify, and our signature equals its. */
static void test_minisign_fixtures(void)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_buf pub = AL_BUF_INIT, msg = AL_BUF_INIT, sig = AL_BUF_INIT, text = AL_BUF_INIT,
	              mine = AL_BUF_INIT, other_text = AL_BUF_INIT, enc_text = AL_BUF_INIT;
	struct al_mpub *pk = NULL, *other = NULL, *enc = NULL, *derived = NULL;
	struct al_mkey *k = NULL;
	struct al_mverified v = { { 0 }, NULL, false };
	const struct al_mpub *keys[3];
	char *p;

	fixture(&pub, "key.pub");
	fixture(&msg, "msg.txt");
	fixture(&sig, "msg.txt.minisig");
	is_int(al_minisign_pub_parse(&pk, pub.buf, pub.len, "key.pub", &d), AL_OK, "key.pub");
	fixture(&other_text, "other.pub");
	al_minisign_pub_parse(&other, other_text.buf, other_text.len, "other.pub", &d);
	fixture(&enc_text, "enc.pub");
	al_minisign_pub_parse(&enc, enc_text.buf, enc_text.len, "enc.pub", &d);
	is_str(pk->comment, "minisign public key C23CD43C347A8DC6", "the comment is kept");

	al_minisign_pub_format(pk, &text, &d);
	is_str(text.buf, pub.buf, "formatting gives minisign's public key file back");

	keys[0] = pk;
	is_int(al_minisign_verify(keys, 1, msg.buf, msg.len, sig.buf, sig.len, "sig", &v, &d),
	       AL_OK, "minisign's ED signature verifies: %s", d.msg);
	is_str(v.trusted_comment, "bundle:fixture\tseq:1", "with its trusted comment");
	is_str(v.key_id, "C23CD43C347A8DC6", "and key id");
	ok(!v.legacy, "prehashed");
	al_minisign_verified_release(&v);

	fixture(&text, "msg.txt.legacy.minisig");
	is_int(al_minisign_verify(keys, 1, msg.buf, msg.len, text.buf, text.len, "sig", &v, &d),
	       AL_OK, "minisign's legacy Ed signature verifies: %s", d.msg);
	ok(v.legacy, "and is reported as legacy");
	is_str(v.trusted_comment, "legacy fixture", "with its trusted comment");
	al_minisign_verified_release(&v);

	/* Tampering. */
	al_buf_addch(&msg, 'x');
	is_int(al_minisign_verify(keys, 1, msg.buf, msg.len, sig.buf, sig.len, "sig", NULL, &d),
	       AL_EVERIFY, "a changed message fails");
	ok(strstr(d.msg, "sig: signature verification failed") != NULL, "%s", d.msg);
	al_buf_truncate(&msg, msg.len - 1);
	al_buf_reset(&text);
	al_buf_add(&text, sig.buf, sig.len);
	p = strstr(text.buf, "seq:1");
	p[4] = '2';
	is_int(al_minisign_verify(keys, 1, msg.buf, msg.len, text.buf, text.len, "sig", NULL, &d),
	       AL_EVERIFY, "a changed trusted comment fails");
	ok(strstr(d.msg, "trusted comment signature verification failed") != NULL, "%s", d.msg);
	al_buf_reset(&text);
	al_buf_add(&text, sig.buf, sig.len);
	p = strchr(text.buf, '\n') + 1 + 40; /* inside the Ed25519 signature */
	*p = *p == 'A' ? 'B' : 'A';
	is_int(al_minisign_verify(keys, 1, msg.buf, msg.len, text.buf, text.len, "sig", NULL, &d),
	       AL_EVERIFY, "a changed signature fails");
	al_buf_reset(&text);
	al_buf_add(&text, sig.buf, sig.len);
	p = strrchr(text.buf, '\n');
	p[-10] = p[-10] == 'A' ? 'B' : 'A';
	is_int(al_minisign_verify(keys, 1, msg.buf, msg.len, text.buf, text.len, "sig", NULL, &d),
	       AL_EVERIFY, "a changed global signature fails");

	/* Key ids. */
	keys[0] = other;
	is_int(al_minisign_verify(keys, 1, msg.buf, msg.len, sig.buf, sig.len, "sig", NULL, &d),
	       AL_EREFUSED, "another key is refused");
	is_str(d.msg, "sig: signed by key C23CD43C347A8DC6, but the public key is DE0D3B658DDDAD15",
	       "naming both key ids");
	keys[1] = enc;
	is_int(al_minisign_verify(keys, 2, msg.buf, msg.len, sig.buf, sig.len, "sig", NULL, &d),
	       AL_EREFUSED, "no trusted key matches");
	ok(strstr(d.msg, "which is not trusted") != NULL, "%s", d.msg);
	is_int(al_minisign_verify(keys, 0, msg.buf, msg.len, sig.buf, sig.len, "sig", NULL, &d),
	       AL_EREFUSED, "no key at all");
	ok(strstr(d.msg, "no key is trusted") != NULL, "%s", d.msg);
	keys[2] = pk;
	is_int(al_minisign_verify(keys, 3, msg.buf, msg.len, sig.buf, sig.len, "sig", &v, &d),
	       AL_OK, "the right key among several is found");
	is_str(v.key_id, "C23CD43C347A8DC6", "by its key id");
	al_minisign_verified_release(&v);

	/* minisign's unencrypted secret key: same signature, byte for byte. */
	fixture(&text, "key.key");
	is_int(al_minisign_key_parse(&k, text.buf, text.len, "key.key", &d), AL_OK,
	       "minisign -W secret key loads: %s", d.msg);
	ok(!al_minisign_key_locked(k), "unencrypted");
	is_int(al_minisign_key_public(k, &derived, &d), AL_OK, "its public key");
	ok(derived && !memcmp(derived->pk, pk->pk, 32) && !memcmp(derived->keynum, pk->keynum, 8),
	   "matches key.pub");
	is_int(al_minisign_sign(k, msg.buf, msg.len, "bundle:fixture\tseq:1", NULL, &mine, &d),
	       AL_OK, "sign the fixture message");
	is_str(mine.buf, sig.buf, "our signature file equals minisign's byte for byte");

	al_minisign_pub_free(pk);
	al_minisign_pub_free(other);
	al_minisign_pub_free(enc);
	al_minisign_pub_free(derived);
	al_minisign_key_free(k);
	al_buf_release(&pub);
	al_buf_release(&msg);
	al_buf_release(&sig);
	al_buf_release(&text);
	al_buf_release(&mine);
	al_buf_release(&other_text);
	al_buf_release(&enc_text);
}

/* Every strict prefix of a good file is refused (or, for the last line's
 * newline, accepted): nothing crashes and nothing half-parses. */
static void test_truncation(void)
{
	struct al_buf sig = AL_BUF_INIT, pub = AL_BUF_INIT, key = AL_BUF_INIT;
	struct al_diag d = AL_DIAG_INIT;
	int bad = 0;
	size_t i;

	fixture(&sig, "msg.txt.minisig");
	fixture(&pub, "key.pub");
	fixture(&key, "enc.key");
	for (i = 0; i < sig.len; i++) {
		struct al_msig *s = NULL;
		al_err e = al_minisign_sig_parse(&s, sig.buf, i, "sig", &d);
		bad += (e == AL_OK) != (i == sig.len - 1);
		al_minisign_sig_free(s);
	}
	is_int(bad, 0, "every truncated signature file is refused");
	bad = 0;
	for (i = 0; i < pub.len; i++) {
		struct al_mpub *p = NULL;
		al_err e = al_minisign_pub_parse(&p, pub.buf, i, "pub", &d);
		bad += (e == AL_OK) != (i == pub.len - 1);
		al_minisign_pub_free(p);
	}
	is_int(bad, 0, "every truncated public key file is refused");
	bad = 0;
	for (i = 0; i < key.len; i++) {
		struct al_mkey *k = NULL;
		al_err e = al_minisign_key_parse(&k, key.buf, i, "key", &d);
		bad += (e == AL_OK) != (i == key.len - 1);
		al_minisign_key_free(k);
	}
	is_int(bad, 0, "every truncated secret key file is refused");
	al_buf_release(&sig);
	al_buf_release(&pub);
	al_buf_release(&key);
}

static void test_round_trips(void)
{
	static const struct al_mkdf cheap = AL_MKDF_INTERACTIVE;
	struct al_diag d = AL_DIAG_INIT;
	struct al_buf path = AL_BUF_INIT, pubpath = AL_BUF_INIT, sig = AL_BUF_INIT,
	              text = AL_BUF_INIT, data = AL_BUF_INIT;
	struct al_mkey *sk = NULL, *back = NULL;
	struct al_mpub *pk = NULL, *pk2 = NULL;
	struct al_mverified v = { { 0 }, NULL, false };
	const struct al_mpub *keys[1];
	char id[AL_KEYID_LEN], id2[AL_KEYID_LEN], *p;
	const char *msg = "the manifest\n";
	struct stat st;
	int fd;

	is_int(al_minisign_keygen(&sk, &pk, &d), AL_OK, "keygen");
	keys[0] = pk;
	is_int(al_minisign_sign(sk, msg, strlen(msg), "seq:7", "made by test", &sig, &d), AL_OK,
	       "sign a buffer");
	ok(!strncmp(sig.buf, "untrusted comment: made by test\nRU", 34),
	   "prehashed: line 2 starts with RU (\"ED\")");
	is_int(al_minisign_verify(keys, 1, msg, strlen(msg), sig.buf, sig.len, "sig", &v, &d),
	       AL_OK, "and verify it");
	is_str(v.trusted_comment, "seq:7", "trusted comment round-trips");
	al_minisign_verified_release(&v);

	/* Streaming: sign and verify through file descriptors. */
	al_buf_addf(&path, "%s/msg", root);
	fd = open(path.buf, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	for (int i = 0; i < 3000; i++)
		(void)!write(fd, "0123456789abcdef0123456789abcdef0123456789abcdef", 48);
	close(fd);
	fd = open(path.buf, O_RDONLY);
	al_buf_reset(&sig);
	is_int(al_minisign_sign_fd(sk, fd, "streamed", NULL, &sig, &d), AL_OK, "sign an fd");
	close(fd);
	fd = open(path.buf, O_RDONLY);
	is_int(al_minisign_verify_fd(keys, 1, fd, sig.buf, sig.len, "sig", &v, &d), AL_OK,
	       "verify an fd");
	close(fd);
	al_minisign_verified_release(&v);
	al_buf_read_file(&data, path.buf, 1 << 20, &d);
	is_int(al_minisign_verify(keys, 1, data.buf, data.len, sig.buf, sig.len, "sig", NULL, &d),
	       AL_OK, "the fd signature verifies over the same bytes in memory");

	/* Comments. */
	al_buf_reset(&sig);
	is_int(al_minisign_sign(sk, msg, 1, "two\nlines", NULL, &sig, &d), AL_EINVALID,
	       "a newline in the trusted comment is refused");
	ok(strstr(d.msg, "trusted comment contains a control character") != NULL, "%s", d.msg);
	is_int(al_minisign_sign(sk, msg, 1, "ok", "two\nlines", &sig, &d), AL_EINVALID,
	       "a newline in the untrusted comment is refused");
	al_buf_reset(&text);
	for (int i = 0; i < AL_MS_TRUSTED_COMMENT_MAX; i++)
		al_buf_addch(&text, 'c');
	is_int(al_minisign_sign(sk, msg, 1, text.buf, NULL, &sig, &d), AL_OK,
	       "a trusted comment of 8173 bytes (minisign's maximum) is fine");
	is_int(al_minisign_verify(keys, 1, msg, 1, sig.buf, sig.len, "sig", NULL, &d), AL_OK,
	       "and verifies: %s", d.msg);
	al_buf_addch(&text, 'c');
	is_int(al_minisign_sign(sk, msg, 1, text.buf, NULL, &sig, &d), AL_EINVALID,
	       "8174 bytes are refused");

	/* Unencrypted key file. */
	al_buf_reset(&path);
	al_buf_addf(&path, "%s/clear.key", root);
	is_int(al_minisign_key_write(sk, path.buf, NULL, 0, NULL, 0, &d), AL_OK,
	       "write an unencrypted key");
	ok(stat(path.buf, &st) == 0 && (st.st_mode & 0777) == 0600, "mode 0600");
	is_int(al_minisign_key_read(&back, path.buf, &d), AL_OK, "read it back");
	ok(back && !al_minisign_key_locked(back), "unencrypted");
	al_minisign_key_free(back);
	back = NULL;
	is_int(al_minisign_key_write(sk, path.buf, NULL, 0, NULL, 0, &d), AL_EINVALID,
	       "an existing file is not overwritten");
	ok(strstr(d.msg, "refusing to overwrite") != NULL, "%s", d.msg);
	is_int(al_minisign_key_write(sk, path.buf, NULL, 0, NULL, AL_MS_WRITE_FORCE, &d), AL_OK,
	       "unless forced");
	ok(stat(path.buf, &st) == 0 && (st.st_mode & 0777) == 0600, "still mode 0600");

	/* Our unencrypted keys carry a checksum: a flipped bit is caught. */
	al_buf_read_file(&data, path.buf, 1 << 16, &d);
	al_buf_reset(&data);
	al_buf_read_file(&data, path.buf, 1 << 16, &d);
	p = strrchr(data.buf, '=') - 8; /* inside chk */
	*p = *p == 'A' ? 'B' : 'A';
	is_int(al_minisign_key_parse(&back, data.buf, data.len, "key", &d), AL_EVERIFY,
	       "a corrupt checksum is caught");
	ok(strstr(d.msg, "checksum mismatch") != NULL, "%s", d.msg);

	/* Symlinks are not followed. */
	al_buf_reset(&pubpath);
	al_buf_addf(&pubpath, "%s/link.key", root);
	(void)!symlink("clear.key", pubpath.buf);
	is_int(al_minisign_key_write(sk, pubpath.buf, NULL, 0, NULL, 0, &d), AL_EINVALID,
	       "a symlink at the path is refused");

	/* Encrypted key file. */
	al_buf_reset(&path);
	al_buf_addf(&path, "%s/enc.key", root);
	is_int(al_minisign_key_write(sk, path.buf, "secret pass", 11, &cheap, 0, &d), AL_OK,
	       "write an encrypted key");
	al_buf_reset(&data);
	al_buf_read_file(&data, path.buf, 1 << 16, &d);
	ok(!strncmp(data.buf, "untrusted comment: minisign encrypted secret key\nRWRTY0Iy", 57),
	   "encrypted: 'Ed' 'Sc' 'B2' (RWRTY0Iy)");
	is_int(al_minisign_key_read(&back, path.buf, &d), AL_OK, "read it");
	ok(al_minisign_key_locked(back), "locked");
	al_buf_reset(&sig);
	is_int(al_minisign_sign(back, msg, 1, "x", NULL, &sig, &d), AL_EUSAGE,
	       "a locked key does not sign");
	is_int(al_minisign_key_unlock(back, "wrong pass", 10, &d), AL_EVERIFY, "wrong passphrase");
	ok(strstr(d.msg, "wrong passphrase (checksum mismatch)") != NULL, "%s", d.msg);
	ok(al_minisign_key_locked(back), "still locked");
	is_int(al_minisign_key_unlock(back, "secret pass", 11, &d), AL_OK, "right passphrase");
	is_int(al_minisign_key_public(back, &pk2, &d), AL_OK, "public key of the loaded key");
	al_minisign_keyid(pk->keynum, id);
	al_minisign_keyid(pk2->keynum, id2);
	is_str(id2, id, "same key id");
	ok(!memcmp(pk->pk, pk2->pk, 32), "same public key");
	is_int(al_minisign_sign(back, msg, strlen(msg), "x", NULL, &sig, &d), AL_OK, "it signs");
	is_int(al_minisign_verify(keys, 1, msg, strlen(msg), sig.buf, sig.len, "sig", NULL, &d),
	       AL_OK, "verifiable with the original public key");
	al_minisign_pub_free(pk2);
	pk2 = NULL;
	al_minisign_key_free(back);
	back = NULL;

	/* Public key file. */
	al_buf_reset(&pubpath);
	al_buf_addf(&pubpath, "%s/x.pub", root);
	is_int(al_minisign_pub_write(pk, pubpath.buf, 0, &d), AL_OK, "write a public key file");
	is_int(al_minisign_pub_read(&pk2, pubpath.buf, &d), AL_OK, "read it");
	ok(pk2 && !memcmp(pk2->pk, pk->pk, 32), "same key");
	al_minisign_pub_free(pk2);
	pk2 = NULL;
	is_int(al_minisign_pub_write(pk, pubpath.buf, 0, &d), AL_EINVALID, "no overwrite");

	/* The enc.key fixture (airlock keygen, passphrase "correct horse"). */
	fixture(&data, "enc.key");
	is_int(al_minisign_key_parse(&back, data.buf, data.len, "enc.key", &d), AL_OK, "enc.key");
	is_int(al_minisign_key_unlock(back, "correct horse", 13, &d), AL_OK, "unlocks");
	al_minisign_key_public(back, &pk2, &d);
	al_minisign_keyid(pk2->keynum, id);
	is_str(id, "27D4A70387DD8E04", "its key id");

	al_minisign_pub_free(pk2);
	al_minisign_key_free(back);
	al_minisign_key_free(sk);
	al_minisign_pub_free(pk);
	al_buf_release(&path);
	al_buf_release(&pubpath);
	al_buf_release(&sig);
	al_buf_release(&text);
	al_buf_release(&data);
}

static void test_callbacks(void)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_buf sig = AL_BUF_INIT;
	struct al_mkey *sk = NULL;
	struct al_mpub *pk = NULL;
	const struct al_mpub *keys[1];
	struct al_mkeyring ring = { keys, 1 };
	char id[AL_KEYID_LEN], got_id[AL_KEYID_LEN], *tc = NULL;

	al_minisign_keygen(&sk, &pk, &d);
	keys[0] = pk;
	is_int(al_minisign_key_keyid(sk, id, &d), AL_OK, "key id of a secret key");
	is_int(al_minisign_signer_sign(sk, "m", 1, "seq:1", &sig, &d), AL_OK, "signer callback");
	is_int(al_minisign_verifier_verify(&ring, "m", 1, sig.buf, sig.len, &tc, got_id, &d), AL_OK,
	       "verifier callback");
	is_str(tc, "seq:1", "gives the trusted comment");
	is_str(got_id, id, "and the key id");
	al_free(tc);
	is_int(al_minisign_verifier_verify(&ring, "M", 1, sig.buf, sig.len, &tc, got_id, &d),
	       AL_EVERIFY, "and says no to another message");
	ok(tc == NULL, "leaving no comment");
	al_buf_release(&sig);
	al_minisign_key_free(sk);
	al_minisign_pub_free(pk);
}

static void test_secret(void)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_secret *a = NULL, *b = NULL;
	int fds[2];

	is_int(al_secret_new(&a, 16, &d), AL_OK, "a secret");
	al_secret_new(&b, 16, &d);
	(void)!pipe(fds);
	(void)!write(fds[1], "hunter2\r\nrest\n", 14);
	is_int(al_secret_read_line(a, fds[0], "pipe", &d), AL_OK, "read a line");
	is_str(al_secret_cstr(a), "hunter2", "without \\r\\n");
	is_int(al_secret_read_line(b, fds[0], "pipe", &d), AL_OK, "the next line is still there");
	is_str(al_secret_cstr(b), "rest", "unconsumed");
	ok(!al_secret_equal(a, b), "different secrets differ");
	(void)!write(fds[1], "0123456789abcdefg\n", 18);
	is_int(al_secret_read_line(a, fds[0], "pipe", &d), AL_ELIMIT, "too long is refused");
	is_int((int)al_secret_len(a), 0, "and leaves nothing");
	close(fds[1]);
	al_secret_read_line(a, fds[0], "pipe", &d); /* the rest of that line */
	is_int(al_secret_read_line(a, fds[0], "pipe", &d), AL_EINVALID, "end of file at once");
	close(fds[0]);
	al_secret_free(a);
	al_secret_free(b);
}

int main(void)
{
	struct al_buf cmd = AL_BUF_INIT;

	if (!mkdtemp(root))
		return 1;
	plan_lazy();
	test_keyid();
	test_small_order();
	run_cases();
	test_minisign_fixtures();
	test_truncation();
	test_round_trips();
	test_callbacks();
	test_secret();
	al_buf_addf(&cmd, "rm -rf '%s'", root);
	(void)!system(cmd.buf);
	al_buf_release(&cmd);
	return done_testing();
}
