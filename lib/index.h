/*
 * index.h: the package index client, a resolver provider (lib/resolve.h).
 *
 * Pages come from the first index that has a project (the index URL, then
 * the extra index URLs, in order: an extra index is consulted only for
 * projects the first lacks, so a public index cannot shadow a private one
 * with a same-named project), merged with the files of the find-links
 * sources. Pages and metadata are cached in the store (lib/httpcache.h):
 * a page inside its Cache-Control max-age is used without a request, an
 * older one is revalidated with ETag / Last-Modified (refresh: always);
 * offline, the cache alone answers. Metadata comes from the PEP 658 sidecar when advertised (its hash
 * checked), else from the wheel itself: read with range requests when it is
 * large (lib/remotezip.h), or downloaded into the store so that fetch never
 * downloads it again.
 */
#ifndef AL_INDEX_H
#define AL_INDEX_H

#include "airlock.h"
#include "http.h"
#include "resolve.h"

struct al_index;

struct al_index_opts {
	struct al_store *store;
	struct al_http *http;
	const char *index_url;
	const char *const *extra_index_urls;
	size_t nextra;
	const char *const *find_links;
	size_t nfind;
	bool offline;
	bool refresh;               /* revalidate every page, fresh or not */
};

al_err al_index_new(struct al_index **out, const struct al_index_opts *o, struct al_diag *d);
void al_index_free(struct al_index *ix);
const struct al_provider *al_index_provider(struct al_index *ix);
/* Statistics, for -v and benchmarks. */
void al_index_stats(const struct al_index *ix, unsigned *requests, unsigned *cached);

#endif
