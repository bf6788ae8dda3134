-- airlock store schema, version 1. Applied by lib/store/db.c when PRAGMA
-- user_version is 0. Later changes go into schema/migrate-NNN.sql files that
-- move version NNN-1 to NNN; never edit a released version.

-- Every blob under STORE/blobs/sha256/ab/<hex>. A row exists only after its
-- file was verified, fsynced and renamed into place.
CREATE TABLE blobs (
	sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),
	size   INTEGER NOT NULL CHECK (size >= 0),
	added  INTEGER NOT NULL
) WITHOUT ROWID;

-- What keeps a blob alive through gc. owner: "bundle:<name>", "cache",
-- "import:<media id>", ...
CREATE TABLE refs (
	owner  TEXT NOT NULL,
	sha256 TEXT NOT NULL REFERENCES blobs (sha256),
	PRIMARY KEY (owner, sha256)
) WITHOUT ROWID;
CREATE INDEX refs_by_sha256 ON refs (sha256);

-- Bundles the store knows: fetched on the connected side, imported on the
-- isolated side. lock holds the lock file text the bundle was fetched from.
CREATE TABLE bundles (
	name            TEXT PRIMARY KEY,
	manifest_sha256 TEXT,
	lock            BLOB,
	updated         INTEGER NOT NULL
);

-- HTTP cache for index pages, metadata and Hub API answers (the body is a blob).
CREATE TABLE http_cache (
	url           TEXT PRIMARY KEY,
	etag          TEXT,
	last_modified TEXT,
	content_type  TEXT,
	sha256        TEXT REFERENCES blobs (sha256),
	fetched       INTEGER NOT NULL
);

-- Public keys whose media import accepts (minisign key id, base64 key).
CREATE TABLE trusted_keys (
	key_id     TEXT PRIMARY KEY,
	public_key TEXT NOT NULL,
	comment    TEXT,
	added      INTEGER NOT NULL
);

-- Media written by export (connected side).
CREATE TABLE exports (
	id              TEXT PRIMARY KEY,
	bundle          TEXT NOT NULL,
	seq             INTEGER NOT NULL,
	base            TEXT,
	manifest_sha256 TEXT,
	created         INTEGER NOT NULL
);
CREATE TABLE export_objects (
	export_id TEXT NOT NULL REFERENCES exports (id),
	sha256    TEXT NOT NULL,
	PRIMARY KEY (export_id, sha256)
) WITHOUT ROWID;

-- Media accepted by import (isolated side); media is the signed manifest.
CREATE TABLE imports (
	media_id        TEXT PRIMARY KEY,
	bundle          TEXT NOT NULL,
	seq             INTEGER NOT NULL,
	base            TEXT,
	manifest_sha256 TEXT,
	key_id          TEXT,
	imported        INTEGER NOT NULL,
	media           BLOB
);

-- The import ledger: every attempt, accepted or refused, and why.
CREATE TABLE ledger (
	id       INTEGER PRIMARY KEY,
	at       INTEGER NOT NULL,
	media_id TEXT,
	bundle   TEXT,
	seq      INTEGER,
	key_id   TEXT,
	accepted INTEGER NOT NULL,
	reason   TEXT NOT NULL
);
