-- "Event in my communities" notifications (issue 16): a record may point to
-- an event, checked against the policy (Action::ViewEvent) when it is
-- shown, mailed or pushed, like a publication's.
ALTER TABLE notifications ADD COLUMN event_id BIGINT REFERENCES events (id) ON DELETE CASCADE;
CREATE INDEX notifications_event ON notifications (event_id) WHERE event_id IS NOT NULL;
