-- Notification preferences, digests, one-click unsubscribe (issue 16). Portable SQL.

-- A person's channel per kind of notification (rows only where they chose
-- something else than the default of `notifications::prefs`):
-- app | email | daily | weekly | never.
CREATE TABLE notification_prefs (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    PRIMARY KEY (user_id, kind)
);

-- When digests go out (local hour in a time zone, weekday of the weekly
-- one), and how far they went: `*_slot` is the local day (days since
-- 1970-01-01 in the person's zone) of the last digest, `*_until` the time
-- up to which records were considered. One row per person, made on first
-- need; the conditional update of the slot is what keeps two nodes from
-- sending the same digest.
CREATE TABLE notification_schedule (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    digest_hour BIGINT NOT NULL DEFAULT 8,
    time_zone TEXT NOT NULL DEFAULT 'America/Toronto',
    weekly_day BIGINT NOT NULL DEFAULT 0,
    daily_slot BIGINT NOT NULL DEFAULT 0,
    daily_until BIGINT NOT NULL DEFAULT 0,
    weekly_slot BIGINT NOT NULL DEFAULT 0,
    weekly_until BIGINT NOT NULL DEFAULT 0
);

-- Watching level of a community: everything | publications | mentions | muted
-- (no row: the default, mentions).
CREATE TABLE community_watch (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    community_id BIGINT NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    level TEXT NOT NULL,
    PRIMARY KEY (user_id, community_id)
);
CREATE INDEX community_watch_community ON community_watch (community_id, level);

-- Threads a person muted (following is the `follows` table).
CREATE TABLE thread_mutes (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    publication_id BIGINT NOT NULL REFERENCES publications (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, publication_id)
);

-- The key that signs unsubscribe links (one row, made on first use).
CREATE TABLE notification_keys (
    id BIGINT PRIMARY KEY,
    secret TEXT NOT NULL
);

-- Records not yet looked at by the immediate e-mail pass (`emailed_at` is
-- then 0 for "not e-mailed", or the time it was).
CREATE INDEX notifications_unmailed ON notifications (emailed_at, created_at);
