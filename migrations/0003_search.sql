-- Search: one index table for every kind of content, filled by
-- `crate::search` from the content tables, plus each engine's own
-- full-text structure over pre-analysed terms (French/English folding and
-- stemming happen in Rust, so both engines index the same tokens).
-- Blocks between `--@sqlite` / `--@postgres` and `--@end` are kept only
-- for that engine.

CREATE TABLE search_docs (
    id {{PK}},
    -- p (publication) | r (reply) | c (community) | m (member): one source each
    source TEXT NOT NULL,
    ref_id BIGINT NOT NULL,
    -- discussion | question | watch | reply | community | member
    kind TEXT NOT NULL,
    publication_id BIGINT,
    community_id BIGINT,
    user_id BIGINT,
    lang TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- the rebuild generation that last wrote the row (stale rows are swept)
    gen BIGINT NOT NULL DEFAULT 0,
    UNIQUE (source, ref_id)
);
CREATE INDEX search_docs_publication ON search_docs (publication_id);
CREATE INDEX search_docs_created ON search_docs (created_at);

--@sqlite
CREATE VIRTUAL TABLE search_fts USING fts5 (
    title, tags, body,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0'
);
--@end

--@postgres
ALTER TABLE search_docs ADD COLUMN tsv tsvector;
CREATE INDEX search_docs_tsv ON search_docs USING GIN (tsv);
--@end

-- Members choose whether other members can find them in search.
ALTER TABLE users ADD COLUMN findable BIGINT NOT NULL DEFAULT 0;

-- Saved searches: a member is told of new matches.
CREATE TABLE saved_searches (
    id {{PK}},
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    -- the search as its query string (q, kind, community, tag, author, from, to)
    params TEXT NOT NULL,
    -- highest search_docs.id already reported
    last_doc_id BIGINT NOT NULL DEFAULT 0,
    -- a node checking it holds it until then (several nodes, one check)
    claimed_until BIGINT NOT NULL DEFAULT 0,
    checked_at BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX saved_searches_user ON saved_searches (user_id);
