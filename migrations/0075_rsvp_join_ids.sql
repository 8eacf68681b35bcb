-- Issue 18: the id of the ActivityPub `Join` by which a remote person
-- registered for one of our events, so that when they are let in from the
-- waiting list later the community can `Accept` that `Join` (Mobilizon
-- matches an `Accept` to its participation by the `Join`'s id).
ALTER TABLE event_rsvps ADD COLUMN ap_join TEXT;
