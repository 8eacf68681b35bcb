-- Issue items other than publications (issue 17): an item is a
-- publication (watch items are publications of kind 'watch'), an event
-- or a resource of the library. `kind` says which; the matching id is
-- kept so the policy can be asked again when the issue goes out (the
-- item's audience may have shrunk since it was picked). `editorial` is
-- the editor's optional introduction to the item, shown before it.
ALTER TABLE newsletter_items ADD COLUMN kind TEXT NOT NULL DEFAULT 'publication';
ALTER TABLE newsletter_items ADD COLUMN event_id BIGINT REFERENCES events (id) ON DELETE SET NULL;
ALTER TABLE newsletter_items ADD COLUMN resource_id BIGINT REFERENCES resources (id) ON DELETE SET NULL;
ALTER TABLE newsletter_items ADD COLUMN editorial TEXT NOT NULL DEFAULT '';
