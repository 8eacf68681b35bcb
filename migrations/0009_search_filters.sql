-- Filter tokens in the search index (ARCHITECTURE.md, "Search"): each
-- entry also carries `#c<community>`, `#t<tag>`, `#u<author>` and
-- `#k<kind>` tokens, so a filtered query matches inside the filter from
-- the start instead of filtering the newest matches of its words. `#`
-- is never part of an analysed word, so no query reaches them by typing.
-- The index version is bumped with this migration: entries get their
-- tokens from the rebuild that runs at start.

ALTER TABLE search_docs ADD COLUMN filters TEXT NOT NULL DEFAULT '';

--@sqlite
-- FTS5 tables cannot gain a column: recreate it (empty until the rebuild
-- refills it; `search_docs` keeps its ids, so saved searches do not see
-- the rebuilt entries as new). `#` is a token character here, so
-- `#c12` is one token, distinct from the word `c12`.
DROP TABLE search_fts;
CREATE VIRTUAL TABLE search_fts USING fts5 (
    title, tags, body, filters,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0 tokenchars ''#'''
);
--@end
