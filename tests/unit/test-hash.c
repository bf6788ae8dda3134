/* lib/core/hash.c through its interface: SHA-256 and SHA-1 against the FIPS 180
 * test vectors, streaming equals one shot, files by descriptor, hex. */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "airlock.h"
#include "core/hash.h"
#include "core/mem.h"
#include "tap.h"

#define ABC256 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define EMPTY256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define LONG256 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
#define LONGMSG "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
#define MILLION_A256 "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
#define ABC1 "a9993e364706816aba3e25717850c26c9cd0d89d"

int main(void)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_hash h;
	char hex[AL_SHA256_HEX], hex1[41], path[] = "/tmp/airlock-test-hash-XXXXXX";
	unsigned char md[32];
	unsigned long long size = 0;
	char *a;
	size_t i;
	int fd;

	al_sha256_hex("abc", 3, hex);
	is_str(hex, ABC256, "sha256('abc')");
	al_sha256_hex("", 0, hex);
	is_str(hex, EMPTY256, "sha256('')");
	al_sha256_hex(LONGMSG, strlen(LONGMSG), hex);
	is_str(hex, LONG256, "sha256 of the 448-bit message");

	/* a million 'a' in uneven pieces */
	a = al_malloc(1000000);
	memset(a, 'a', 1000000);
	is_int(al_hash_init(&h, AL_HASH_SHA256, &d), AL_OK, "a streaming sha256");
	for (i = 0; i < 1000000;) {
		size_t n = 1 + (i * 7919) % 65537;
		if (n > 1000000 - i)
			n = 1000000 - i;
		al_hash_update(&h, a + i, n);
		i += n;
	}
	al_hash_final_hex(&h, hex);
	is_str(hex, MILLION_A256, "a million 'a' in uneven pieces");
	al_sha256_hex(a, 1000000, hex);
	is_str(hex, MILLION_A256, "and in one piece");

	is_int(al_hash_init(&h, AL_HASH_SHA1, &d), AL_OK, "a streaming sha1");
	al_hash_update(&h, "a", 1);
	al_hash_update(&h, "bc", 2);
	al_hash_final_hex(&h, hex1);
	is_str(hex1, ABC1, "sha1('abc')");
	is_int(al_hash_init(&h, AL_HASH_SHA256, &d), AL_OK, "raw digest");
	al_hash_update(&h, "abc", 3);
	al_hash_final(&h, md);
	al_hex_encode(md, 32, hex);
	is_str(hex, ABC256, "al_hex_encode of it is the hex digest");
	is_int(al_hash_init(&h, AL_HASH_SHA256, &d), AL_OK, "a hash released unfinished");
	al_hash_update(&h, "x", 1);
	al_hash_release(&h);
	ok(1, "is freed (the sanitizers would tell otherwise)");

	fd = mkstemp(path);
	ok(fd >= 0 && write(fd, a, 1000000) == 1000000, "a file of a million 'a'");
	lseek(fd, 0, SEEK_SET);
	is_int(al_sha256_fd(fd, hex, &size, &d), AL_OK, "sha256_fd");
	is_str(hex, MILLION_A256, "its digest");
	is_int(size, 1000000, "and its size");
	close(fd);
	unlink(path);
	is_int(al_sha256_fd(-1, hex, &size, &d), AL_EIO, "a bad descriptor: EIO");
	al_free(a);

	ok(al_is_hex(ABC256, 64), "64 lowercase hex digits");
	ok(!al_is_hex(ABC256, 63), "not 63 of them");
	ok(!al_is_hex(ABC1, 64), "40 are not 64");
	ok(!al_is_hex("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", 64),
	   "uppercase is not lowercase hex");
	ok(al_is_hex("a993e364706816aba3e25717850c26c9cd0d89d", 39), "39 of 39");
	ok(!al_is_hex("g993e364706816aba3e25717850c26c9cd0d89d", 39), "a non-hex digit");
	return done_testing();
}
