-- airlock store schema, version 2: small HTTP cache bodies (index pages,
-- metadata) live in the database itself. http_cache.sha256 is the hash of
-- the body; it names a blob in the store only when body is NULL (a whole
-- file that was downloaded), so it no longer references blobs.
CREATE TABLE http_cache_v2 (
	url           TEXT PRIMARY KEY,
	etag          TEXT,
	last_modified TEXT,
	content_type  TEXT,
	sha256        TEXT,
	body          BLOB,
	fetched       INTEGER NOT NULL
);
INSERT INTO http_cache_v2 (url, etag, last_modified, content_type, sha256, body, fetched)
	SELECT url, etag, last_modified, content_type, sha256, NULL, fetched FROM http_cache;
DROP TABLE http_cache;
ALTER TABLE http_cache_v2 RENAME TO http_cache;
