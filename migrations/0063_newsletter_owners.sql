-- Newsletters of territories and organisations (issue 17, C10), and the
-- time zone a list's schedule form reads and shows (default
-- America/Toronto). A list belongs to at most one of a community, a
-- territory or an organisation (none: the instance's); deleting the owner
-- deletes its lists, as for communities.
ALTER TABLE newsletter_lists ADD COLUMN territory_id BIGINT REFERENCES territories (id) ON DELETE CASCADE;
ALTER TABLE newsletter_lists ADD COLUMN organisation_id BIGINT REFERENCES organisations (id) ON DELETE CASCADE;
ALTER TABLE newsletter_lists ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'America/Toronto';
CREATE INDEX newsletter_lists_territory ON newsletter_lists (territory_id);
CREATE INDEX newsletter_lists_organisation ON newsletter_lists (organisation_id);
