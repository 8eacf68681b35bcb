-- The image of an event (issue 15: "each event has … an image"), processed
-- like every upload (sniffed, bounded, re-encoded without metadata) and
-- stored in `media`, two sizes: `image_id` (at most 1200 px a side) and
-- `image_small_id` (at most 400 px a side, for lists and `srcset`). They
-- are served only through the event (`/e/{id}/image?v=…`), asked of the
-- policy like the event itself. `image_alt` is the organiser's text
-- alternative (empty: the pages say "image of the event « title »");
-- `image_width` / `image_height` are the large image's, for `<img>`.
ALTER TABLE events ADD COLUMN image_id BIGINT REFERENCES media (id) ON DELETE SET NULL;
ALTER TABLE events ADD COLUMN image_small_id BIGINT REFERENCES media (id) ON DELETE SET NULL;
ALTER TABLE events ADD COLUMN image_alt TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN image_width BIGINT NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN image_height BIGINT NOT NULL DEFAULT 0;
