-- Issue 18: events of other instances. An ActivityPub `Event` received from
-- a remote group we follow (Mobilizon, another Passerelles) is kept as a
-- read-only event: its object id (`ap_id`, one row per object), the page to
-- read it on where it comes from (`origin_url`), the actor its
-- registrations (`Join`/`Leave`) go to (`ap_actor`: the group it is
-- attributed to, else its organiser), the `updated` of the copy held
-- (`ap_updated`: an older activity arriving late changes nothing), and the
-- place's coordinates when the origin gives them. Local events have none.
ALTER TABLE events ADD COLUMN ap_id TEXT;
ALTER TABLE events ADD COLUMN origin_url TEXT;
ALTER TABLE events ADD COLUMN ap_actor TEXT;
ALTER TABLE events ADD COLUMN ap_updated BIGINT;
ALTER TABLE events ADD COLUMN lat DOUBLE PRECISION;
ALTER TABLE events ADD COLUMN lon DOUBLE PRECISION;
CREATE UNIQUE INDEX events_ap_id ON events (ap_id);
