-- Issue 18: people of this instance whose account was deleted, so that
-- their actor URL answers 410 Gone with a Tombstone (what Mastodon expects
-- to drop its copy) rather than 404. Only a digest of the username is
-- kept (SHA-256 of "person:" and the username key), never the name.
CREATE TABLE ap_gone_actors (
    digest TEXT PRIMARY KEY,
    deleted_at BIGINT NOT NULL
);
