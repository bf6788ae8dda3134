#include "config.h"

#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "pypa/wheel.h"

/* Read the first entry whose name matches: one leading directory, then the
 * file name; for a wheel the directory must end in ".dist-info". */
static al_err read_member(const char *path, int fd, const char *file, const char *dir_suffix,
                          bool tarball, size_t max, bool optional, struct al_buf *out,
                          struct al_diag *d)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ae;
	size_t flen = strlen(file), slen = dir_suffix ? strlen(dir_suffix) : 0;
	al_err err = AL_OK;
	int rc;

	if (!a)
		return al_oom(d);
	archive_read_support_format_zip(a);
	if (tarball) {
		archive_read_support_format_tar(a);
		archive_read_support_filter_gzip(a);
	}
	if ((fd >= 0 ? archive_read_open_fd(a, fd, 65536) : archive_read_open_filename(a, path, 65536)) !=
	    ARCHIVE_OK) {
		err = al_diag_set(d, AL_EINVALID, "'%s' is not a readable archive: %s", path,
		                  archive_error_string(a));
		goto out;
	}
	while ((rc = archive_read_next_header(a, &ae)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(ae), *slash;
		char chunk[65536];
		la_ssize_t n;

		if (!name || !(slash = strchr(name, '/')) || strcmp(slash + 1, file) ||
		    strchr(slash + 1, '/') || (size_t)(slash - name) < slen ||
		    (slen && strncmp(slash - slen, dir_suffix, slen))) {
			/* Skipping an entry of a compressed tarball inflates it all
			 * the same: drain it here, with a cap (a bomb). */
			while (tarball && (n = archive_read_data(a, chunk, sizeof(chunk))) > 0)
				if (archive_filter_bytes(a, 0) > (la_int64_t)AL_SDIST_UNPACKED_MAX) {
					err = al_diag_set(d, AL_ELIMIT, "'%s': more than %lld bytes unpacked "
					                  "before %s", path, (long long)AL_SDIST_UNPACKED_MAX, file);
					goto out;
				}
			continue;
		}
		(void)flen;
		if (optional && archive_entry_filetype(ae) != AE_IFREG) {
			err = al_diag_set(d, AL_EINVALID, "'%s': %s is not a regular file", path, name);
			goto out;
		}
		while ((n = archive_read_data(a, chunk, sizeof(chunk))) > 0) {
			if (out->len + (size_t)n > max) {
				err = al_diag_set(d, AL_ELIMIT, "'%s': %s is larger than %zu bytes", path, file,
				                  max);
				goto out;
			}
			if ((err = al_buf_add(out, chunk, (size_t)n))) {
				err = al_oom(d);
				goto out;
			}
		}
		if (n < 0)
			err = al_diag_set(d, AL_EINVALID, "'%s': %s", path, archive_error_string(a));
		goto out;
	}
	if (optional && rc != ARCHIVE_EOF) {
		err = al_diag_set(d, AL_EINVALID, "'%s': %s", path, archive_error_string(a));
		goto out;
	}
	err = al_diag_set(d, optional ? AL_ENOTFOUND : AL_EINVALID, "'%s' has no %s%s/%s", path,
	                  dir_suffix ? "*" : "", dir_suffix ? dir_suffix : "", file);
out:
	archive_read_free(a);
	return err;
}

al_err al_wheel_metadata_file(const char *path, struct al_buf *out, struct al_diag *d)
{
	return read_member(path, -1, "METADATA", ".dist-info", false, AL_WHEEL_METADATA_MAX, false,
	                   out, d);
}

al_err al_wheel_metadata_fd(int fd, const char *name, struct al_buf *out, struct al_diag *d)
{
	return read_member(name, fd, "METADATA", ".dist-info", false, AL_WHEEL_METADATA_MAX, false,
	                   out, d);
}

al_err al_sdist_pkginfo_file(const char *path, struct al_buf *out, struct al_diag *d)
{
	return read_member(path, -1, "PKG-INFO", NULL, true, AL_WHEEL_METADATA_MAX, false, out, d);
}

al_err al_sdist_member_file(const char *path, const char *file, size_t max, struct al_buf *out,
                            struct al_diag *d)
{
	return read_member(path, -1, file, NULL, true, max, true, out, d);
}
