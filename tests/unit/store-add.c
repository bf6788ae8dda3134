/* store-add: add files to a store through the library (a test helper). */
#include "config.h"

#include <stdio.h>

#include "airlock.h"

int main(int argc, char **argv)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_store *s = NULL;
	char hex[65];
	int i, rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: store-add STORE FILE...\n");
		return 2;
	}
	if (al_store_open(&s, argv[1], AL_STORE_CREATE, &d)) {
		fprintf(stderr, "store-add: %s\n", d.msg);
		return 3;
	}
	for (i = 2; i < argc; i++) {
		if (al_store_add_file(s, argv[i], NULL, AL_SIZE_UNKNOWN, hex, &d)) {
			fprintf(stderr, "store-add: %s\n", d.msg);
			rc = 3;
			continue;
		}
		printf("%s  %s\n", hex, argv[i]);
	}
	al_store_free(s);
	return rc;
}
