-- airlock store schema, version 3: HTTP freshness. fresh_until is the time
-- (seconds since the epoch) until which a cached answer may be used without
-- asking the server (its Cache-Control max-age, less its Age, from the time
-- it was received; docs/reference/http.md); NULL: ask every time (conditionally).
-- link_next is the answer's Link rel="next" (a Hub tree listing's next page).
ALTER TABLE http_cache ADD COLUMN fresh_until INTEGER;
ALTER TABLE http_cache ADD COLUMN link_next TEXT;
