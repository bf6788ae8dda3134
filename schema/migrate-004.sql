-- airlock store schema, version 4: forget cached answers whose URL carries
-- credentials. Before credentials were kept apart from URLs (named indexes,
-- username-env and password-env, ~/.netrc), an index URL's userinfo
-- ("https://user:token@host/simple/") became part of the cache key, so the
-- token sat in the store's database. Such a row is deleted with its content
-- overwritten (secure_delete); the next lock asks the index again and keys
-- the answer by the URL without userinfo.
PRAGMA secure_delete = ON;
DELETE FROM http_cache
WHERE instr(url, '://') > 0
	AND instr(substr(url, instr(url, '://') + 3), '@') > 0
	AND (instr(substr(url, instr(url, '://') + 3), '/') = 0
	     OR instr(substr(url, instr(url, '://') + 3), '@')
	        < instr(substr(url, instr(url, '://') + 3), '/'));
