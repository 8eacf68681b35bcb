-- Links cited by publications (issue 19, C7): the watch item's address and
-- the external links of the body, in order. Each is also a `link_checks`
-- row (checked, snapshotted); a publication's page marks the dead ones and
-- offers their snapshot, read through the publication (the policy first).
CREATE TABLE publication_links (
    publication_id BIGINT NOT NULL REFERENCES publications (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    url TEXT NOT NULL,
    PRIMARY KEY (publication_id, position)
);
CREATE INDEX publication_links_url ON publication_links (url);
