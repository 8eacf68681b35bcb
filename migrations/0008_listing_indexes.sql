-- Indexes that keep listings and search indexed at 600,000 publications
-- (measured in BENCHMARKS.md, scale 100).

-- "Is there an administrator?" (home page, first-run set-up) without
-- reading every account.
CREATE INDEX users_admins ON users (is_admin, status);

-- Replies threaded under a reply (paging by thread, deletion of a thread).
-- Partial: with top-level replies in it, "parent_id IS NULL" (half the
-- table) could be answered through it instead of by publication.
CREATE INDEX replies_parent ON replies (parent_id) WHERE parent_id IS NOT NULL;

-- Where a publication is shared and in which state, answered from the
-- index alone (permission checks of search, tag pages and feeds).
CREATE INDEX publication_communities_publication ON publication_communities (publication_id, status, community_id);

-- The community directory, newest activity first: read in index order and
-- stop after a page, instead of sorting every community (12,000 at scale 100).
CREATE INDEX communities_activity ON communities (last_activity_at);
