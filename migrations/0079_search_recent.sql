-- PostgreSQL's recent tier of the search index (issue 21).
--
-- A search reads the newest matching entries first (`search::MATCH_WINDOW`,
-- ids follow time). SQLite's FTS5 walks a word's document list backwards
-- and stops there; PostgreSQL's GIN index cannot: for a common word it
-- either builds the bitmap of every match or walks the primary key
-- backwards testing each row's `tsvector` — 200–400 ms at 600,000
-- publications (BENCHMARKS.md). `search_recent` holds the newest entries
-- only (about `search::RECENT_TIER`, trimmed by the maintenance job), with
-- a GIN index of its own: a common word's newest matches come from a small
-- index, whatever the size of the whole; only queries with fewer matches
-- in the tier than the window go on to the whole index (rare words, whose
-- posting lists are short).
--
-- Invariant: every `search_docs` row whose id is at least the tier's
-- smallest id is in the tier, with the same `tsv` (the trigger below;
-- trimming removes the oldest ids only; a bulk rebuild skips the trigger
-- and refills the tier at its end, `search::index::refill_recent`).

--@sqlite
SELECT 1;
--@end

--@postgres
CREATE TABLE search_recent (
    id BIGINT PRIMARY KEY,
    tsv tsvector
);
CREATE INDEX search_recent_tsv ON search_recent USING GIN (tsv);
CREATE FUNCTION search_recent_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('passerelles.bulk_index', true) = 'y' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO search_recent (id, tsv) VALUES (NEW.id, NEW.tsv)
            ON CONFLICT (id) DO UPDATE SET tsv = excluded.tsv;
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE search_recent SET tsv = NEW.tsv WHERE id = NEW.id;
    ELSE
        DELETE FROM search_recent WHERE id = OLD.id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER search_recent_sync AFTER INSERT OR UPDATE OF tsv OR DELETE ON search_docs
    FOR EACH ROW EXECUTE FUNCTION search_recent_sync();
INSERT INTO search_recent (id, tsv) SELECT id, tsv FROM search_docs ORDER BY id DESC LIMIT 50000;
--@end
