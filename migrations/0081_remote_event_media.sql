-- Issue 18: a remote event's image and the origin's refusal of a
-- registration. `ap_image`: the address of the image the origin gave (its
-- `image`, or an image attachment), fetched server-side into `media` like
-- a local event's image, so that an `Update` naming the same one does not
-- fetch it again. `event_rsvps.refused_at`: when the event's instance
-- answered `Reject` to one of our people's `Join` (shown to them; cleared
-- by their next answer).
ALTER TABLE events ADD COLUMN ap_image TEXT;
ALTER TABLE event_rsvps ADD COLUMN refused_at BIGINT;
