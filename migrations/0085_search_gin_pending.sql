-- PostgreSQL's GIN indexes of the search (issue 21). With `fastupdate` on
-- (the default) new entries wait in a pending list of up to 4 MB that
-- every search reads whole, and that the planner costs in: with the recent
-- tier's list at 491 pages it preferred a sequential scan of the tier (24 ms)
-- to its GIN index (2 ms) for a word with 486 matches at scale 10
-- (BENCHMARKS.md). The tier is small and written one entry at a time by
-- its trigger: its index takes entries directly (a refill rebuilds it,
-- `search::index::refill_recent`). The whole index keeps the pending list,
-- which batches bulk writes, but a short one (256 kB, flushed by the
-- writer that fills it).

--@sqlite
SELECT 1;
--@end

--@postgres
ALTER INDEX IF EXISTS search_recent_tsv SET (fastupdate = off);
ALTER INDEX IF EXISTS search_docs_tsv SET (gin_pending_list_limit = 256);
SELECT gin_clean_pending_list(c.oid) FROM pg_class c
    WHERE c.relname IN ('search_recent_tsv', 'search_docs_tsv') AND c.relkind = 'i';
--@end
