/*
 * msign: sign and verify files with libairlock's minisign code, for the
 * interoperability tests against stock minisign (tests/cli/keygen.sh).
 * Not installed.
 *
 *   msign sign [-p PASSFILE] [-t TRUSTED] [-c UNTRUSTED] KEY FILE SIGFILE
 *   msign verify PUB FILE SIGFILE    prints "<keyid>\t<trusted comment>"
 *   msign pubkey KEY [-p PASSFILE]   prints the public key file text
 * Exit 0 on success, 1 when verification says no, 3 on other errors.
 */
#include "config.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "airlock.h"
#include "core/buf.h"
#include "media/minisign.h"

static int fail(const struct al_diag *d)
{
	fprintf(stderr, "msign: %s\n", d->msg);
	return d->code == AL_EVERIFY || d->code == AL_EREFUSED ? 1 : 3;
}

static int load_key(struct al_mkey **k, const char *path, const char *passfile,
                    struct al_diag *d)
{
	struct al_secret *pass = NULL;
	int fd;

	if (al_minisign_key_read(k, path, d))
		return 1;
	if (!al_minisign_key_locked(*k))
		return 0;
	if (!passfile) {
		al_diag_set(d, AL_EUSAGE, "'%s' is encrypted: give -p PASSFILE", path);
		return 1;
	}
	if ((fd = open(passfile, O_RDONLY)) < 0) {
		al_diag_set(d, AL_EIO, "cannot open '%s'", passfile);
		return 1;
	}
	if (al_secret_new(&pass, AL_SECRET_MAX, d) ||
	    al_secret_read_line(pass, fd, "the passphrase file", d) ||
	    al_minisign_key_unlock(*k, al_secret_cstr(pass), al_secret_len(pass), d)) {
		close(fd);
		al_secret_free(pass);
		return 1;
	}
	close(fd);
	al_secret_free(pass);
	return 0;
}

int main(int argc, char **argv)
{
	struct al_diag d = AL_DIAG_INIT;
	struct al_buf out = AL_BUF_INIT, sig = AL_BUF_INIT;
	const char *passfile = NULL, *tc = "msign test", *uc = NULL;
	struct al_mkey *k = NULL;
	struct al_mpub *pk = NULL;
	struct al_mverified v;
	const char *verb;
	int opt, fd, rc = 3;

	if (argc < 2)
		goto usage;
	verb = argv[1];
	optind = 2;
	while ((opt = getopt(argc, argv, "p:t:c:")) != -1) {
		switch (opt) {
		case 'p': passfile = optarg; break;
		case 't': tc = optarg; break;
		case 'c': uc = optarg; break;
		default: goto usage;
		}
	}
	argv += optind;
	argc -= optind;
	if (!strcmp(verb, "sign") && argc == 3) {
		if (load_key(&k, argv[0], passfile, &d))
			goto err;
		if ((fd = open(argv[1], O_RDONLY)) < 0) {
			perror(argv[1]);
			goto out;
		}
		if (al_minisign_sign_fd(k, fd, tc, uc, &out, &d)) {
			close(fd);
			goto err;
		}
		close(fd);
		if ((fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0 ||
		    write(fd, out.buf, out.len) != (ssize_t)out.len || close(fd) < 0) {
			perror(argv[2]);
			goto out;
		}
		rc = 0;
	} else if (!strcmp(verb, "verify") && argc == 3) {
		if (al_minisign_pub_read(&pk, argv[0], &d) ||
		    al_buf_read_file(&sig, argv[2], AL_MS_FILE_MAX, &d))
			goto err;
		if ((fd = open(argv[1], O_RDONLY)) < 0) {
			perror(argv[1]);
			goto out;
		}
		if (al_minisign_verify_fd((const struct al_mpub *const *)&pk, 1, fd, sig.buf,
		                          sig.len, argv[2], &v, &d)) {
			close(fd);
			goto err;
		}
		close(fd);
		printf("%s\t%s%s\n", v.key_id, v.trusted_comment, v.legacy ? "\t(legacy)" : "");
		al_minisign_verified_release(&v);
		rc = 0;
	} else if (!strcmp(verb, "pubkey") && argc == 1) {
		if (load_key(&k, argv[0], passfile, &d) || al_minisign_key_public(k, &pk, &d) ||
		    al_minisign_pub_format(pk, &out, &d))
			goto err;
		fputs(out.buf, stdout);
		rc = 0;
	} else {
		goto usage;
	}
	goto out;
err:
	rc = fail(&d);
	goto out;
usage:
	fputs("usage: msign sign [-p PASSFILE] [-t TC] [-c UC] KEY FILE SIG\n"
	      "       msign verify PUB FILE SIG\n"
	      "       msign pubkey [-p PASSFILE] KEY\n", stderr);
	rc = 2;
out:
	al_minisign_key_free(k);
	al_minisign_pub_free(pk);
	al_buf_release(&out);
	al_buf_release(&sig);
	return rc;
}
