/*
 * index.h: the package index client, a resolver provider (lib/resolve/resolve.h).
 *
 * Pages come from the first index that has a project (the named indexes
 * that are not explicit, the index URL, then the extra index URLs, in
 * order: a later index is consulted only for projects the ones before lack,
 * so a public index cannot shadow a private one with a same-named project;
 * with AL_INDEX_BEST_MATCH, from all of them), merged with the files of the
 * find-links sources. A project pinned to a named index comes from that
 * index alone. Pages and metadata are cached in the store (lib/net/httpcache.h):
 * a page inside its Cache-Control max-age is used without a request, an
 * older one is revalidated with ETag / Last-Modified (refresh: always);
 * offline, the cache alone answers. Metadata comes from the PEP 658 sidecar when advertised (its hash
 * checked), else from the wheel itself: read with range requests when it is
 * large (lib/net/remotezip.h), or downloaded into the store so that fetch never
 * downloads it again.
 */
#ifndef AL_INDEX_H
#define AL_INDEX_H

#include "airlock.h"
#include "net/http.h"
#include "resolve/resolve.h"

struct al_index;

/* An index to ask, in the order given (docs/reference/lock.md "Several indexes"). */
struct al_index_src {
	const char *name;          /* a named index (python.indexes), or NULL */
	const char *url;           /* userinfo is lent to the engine and dropped */
	bool explicit_only;        /* asked only for the projects pinned to it */
	/* statuses besides 404 and 410 that mean "not here, ask the next";
	 * NULL: {403} */
	const int *missing_codes;
	size_t nmissing_codes;
};

struct al_index_opts {
	struct al_store *store;
	struct al_http *http;
	/* Named indexes first, then index_url, then the extra index URLs. */
	const struct al_index_src *sources;
	size_t nsources;
	const char *index_url;
	const char *const *extra_index_urls;
	size_t nextra;
	/* Projects pinned to a named index (sources[].name): taken from it only,
	 * whatever it answers, and never from find-links. */
	const struct al_index_pin *pins;
	size_t npins;
	enum al_index_strategy strategy;
	const char *const *find_links;
	size_t nfind;
	bool offline;
	bool refresh;               /* revalidate every page, fresh or not */
};

AL_MUST_CHECK al_err al_index_new(struct al_index **out, const struct al_index_opts *o, struct al_diag *d);
void al_index_free(struct al_index *ix);
const struct al_provider *al_index_provider(struct al_index *ix);
/* Where a project's page came from: the URL (without userinfo) of the
 * first index that had it, "find-links" when no index had it, or NULL when
 * it was not asked or has no page. */
const char *al_index_source(const struct al_index *ix, const char *name);
/* The http_cache key under which the METADATA read by range requests out
 * of the wheel with this sha256 is kept ("metadata-of:sha256:HEX"); NULL
 * when out of memory. Fetch compares it with the wheel that came. */
char *al_index_lazy_meta_key(const char *hex);
/* Statistics, for -v and benchmarks. */
void al_index_stats(const struct al_index *ix, unsigned *requests, unsigned *cached);

#endif
