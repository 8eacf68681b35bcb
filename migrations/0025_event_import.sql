-- Events imported from iCalendar files and subscribed feeds, and reminders
-- to participants (C15).
-- An imported event is known by the UID it had in its source, within the
-- community it was imported into (`import_scope` = 'c<community id>'), so
-- importing the same calendar again updates it in place.

-- A community's subscription to an external iCalendar URL, fetched
-- periodically through the guarded fetcher by the job queue.
CREATE TABLE event_feeds (
    id {{PK}},
    community_id BIGINT NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    -- Who subscribed: the organiser of the events it brings.
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    -- When the next fetch is due (Unix seconds).
    next_fetch_at BIGINT NOT NULL,
    fetched_at BIGINT,
    -- '' (never fetched), 'ok' or 'error'.
    last_status TEXT NOT NULL DEFAULT '',
    -- A message key when the last fetch or read failed.
    last_error TEXT NOT NULL DEFAULT '',
    -- The last import's report (JSON), per event.
    last_report TEXT NOT NULL DEFAULT '',
    UNIQUE (community_id, url)
);

ALTER TABLE events ADD COLUMN import_scope TEXT;
ALTER TABLE events ADD COLUMN external_uid TEXT;
ALTER TABLE events ADD COLUMN feed_id BIGINT REFERENCES event_feeds (id) ON DELETE SET NULL;
CREATE UNIQUE INDEX events_import ON events (import_scope, external_uid);

-- Reminders sent to participants (one per person and occurrence, so
-- several nodes or runs never send one twice).
CREATE TABLE event_reminders (
    event_id BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    start_local TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    PRIMARY KEY (event_id, user_id, start_local)
);
