-- Local news aggregation (issue 17, C14): a community subscribes to
-- external RSS, Atom or JSON Feed URLs; their items become watch items of
-- that community from an "external source".

-- One subscription of one community to one feed, with its health: the
-- validators of the last answer (conditional GET), the last success, the
-- last error (a message key and its detail: never dropped silently), how
-- many failures in a row (exponential backoff) and when it is tried next.
CREATE TABLE news_feeds (
    id {{PK}},
    community_id BIGINT NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    -- The feed's own title (from its last good answer), else ''.
    title TEXT NOT NULL DEFAULT '',
    site_url TEXT NOT NULL DEFAULT '',
    -- Tags given to each of its items (comma-separated, as typed).
    tags TEXT NOT NULL DEFAULT '',
    added_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    etag TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    last_fetch_at BIGINT,
    last_success_at BIGINT,
    last_error TEXT NOT NULL DEFAULT '',
    last_error_detail TEXT NOT NULL DEFAULT '',
    last_error_at BIGINT,
    failures BIGINT NOT NULL DEFAULT 0,
    next_fetch_at BIGINT NOT NULL,
    -- Items taken from this feed so far; those skipped as already known.
    items_added BIGINT NOT NULL DEFAULT 0,
    items_duplicate BIGINT NOT NULL DEFAULT 0,
    UNIQUE (community_id, url)
);
CREATE INDEX news_feeds_due ON news_feeds (next_fetch_at);

-- One item taken into one community: the publication it became, and the
-- keys that de-duplicate it across that community's feeds (its GUID, else
-- its link; its canonical link). Origin is kept here so it outlives the
-- subscription.
CREATE TABLE news_items (
    id {{PK}},
    community_id BIGINT NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    feed_id BIGINT REFERENCES news_feeds (id) ON DELETE SET NULL,
    publication_id BIGINT NOT NULL REFERENCES publications (id) ON DELETE CASCADE,
    guid_key TEXT NOT NULL,
    url_key TEXT NOT NULL DEFAULT '',
    source_name TEXT NOT NULL DEFAULT '',
    source_url TEXT NOT NULL DEFAULT '',
    published_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX news_items_guid ON news_items (community_id, guid_key);
CREATE INDEX news_items_url ON news_items (community_id, url_key);
CREATE INDEX news_items_publication ON news_items (publication_id);
