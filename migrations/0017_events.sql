-- Events and calendar feeds (C15). Portable SQL (see crates/core/src/db.rs).
-- An event is read through the communities it is in, like a publication
-- (`event_communities`); times are kept as the organiser typed them (local
-- wall time in `tz`) and as Unix seconds for listings.

CREATE TABLE events (
    id {{PK}},
    -- Stable iCalendar UID (never changes, survives edits).
    uid TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    description_html TEXT NOT NULL DEFAULT '',
    -- IANA zone of the wall times below (America/Toronto by default).
    tz TEXT NOT NULL DEFAULT 'America/Toronto',
    -- Local wall times, 'YYYY-MM-DDTHH:MM' ('YYYY-MM-DD' when all day; the
    -- end date is inclusive).
    start_local TEXT NOT NULL,
    end_local TEXT NOT NULL,
    all_day BIGINT NOT NULL DEFAULT 0,
    -- Unix seconds of the (first) start and end, for ordering and filters.
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    -- RRULE value ('' = a single event), its EXDATE local starts (one per
    -- line, 'YYYY-MM-DDTHH:MM'), and the end of the last occurrence within
    -- the expansion bounds (= ends_at when single).
    rrule TEXT NOT NULL DEFAULT '',
    exdates TEXT NOT NULL DEFAULT '',
    series_ends_at BIGINT NOT NULL,
    -- address | online | hybrid
    place_kind TEXT NOT NULL DEFAULT 'address',
    address TEXT NOT NULL DEFAULT '',
    online_url TEXT NOT NULL DEFAULT '',
    -- 1: the online link is shown to participants only.
    online_private BIGINT NOT NULL DEFAULT 0,
    territory_id BIGINT REFERENCES territories (id) ON DELETE SET NULL,
    organisation_id BIGINT REFERENCES organisations (id) ON DELETE SET NULL,
    organiser_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    contact TEXT NOT NULL DEFAULT '',
    -- NULL: no limit.
    capacity BIGINT,
    -- scheduled | cancelled | postponed
    status TEXT NOT NULL DEFAULT 'scheduled',
    -- iCalendar SEQUENCE: raised on each change.
    sequence BIGINT NOT NULL DEFAULT 0,
    -- Raised by every registration change: the row lock that serialises
    -- capacity decisions on PostgreSQL.
    rsvp_version BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX events_starts ON events (starts_at);
CREATE INDEX events_series_end ON events (series_ends_at);
CREATE INDEX events_territory ON events (territory_id);
CREATE INDEX events_organisation ON events (organisation_id);

CREATE TABLE event_communities (
    event_id BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    community_id BIGINT NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (event_id, community_id)
);
CREATE INDEX event_communities_community ON event_communities (community_id, event_id);

CREATE TABLE event_tags (
    event_id BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    -- Folded key (publications::fold_tag_key) and the label as typed.
    tag_key TEXT NOT NULL,
    label TEXT NOT NULL,
    PRIMARY KEY (event_id, tag_key)
);
CREATE INDEX event_tags_key ON event_tags (tag_key, event_id);

-- One occurrence of a recurring event cancelled (its local start, as in
-- `start_local`).
CREATE TABLE event_occurrences (
    event_id BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    start_local TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'cancelled',
    sequence BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (event_id, start_local)
);

CREATE TABLE event_rsvps (
    event_id BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- going | maybe | no
    answer TEXT NOT NULL,
    -- 1: going, but on the waiting list (capacity reached).
    waitlisted BIGINT NOT NULL DEFAULT 0,
    -- Order on the waiting list: when the person asked to go.
    queued_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (event_id, user_id)
);
CREATE INDEX event_rsvps_user ON event_rsvps (user_id, event_id);

-- Private calendar feeds of a person ("my events", "my communities'
-- events"): the SHA-256 of the secret in the URL; revoked by deletion.
CREATE TABLE calendar_tokens (
    id {{PK}},
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE INDEX calendar_tokens_user ON calendar_tokens (user_id);
