-- Aggregate click counts (issue 17), only when the instance enables them
-- (`PASSERELLES_NEWSLETTER_CLICK_COUNT`): the links of an issue then go
-- through `/newsletters/{slug}/issues/{id}/go/{item}`, which adds one to
-- the item's count and redirects. One number per item: nothing about who
-- clicked, no per-subscriber link, no pixel.
ALTER TABLE newsletter_items ADD COLUMN clicks BIGINT NOT NULL DEFAULT 0;
