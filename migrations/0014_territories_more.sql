-- Territories, continued (C13): publications and watch items placed on
-- territories, and the roll-up a territory page reads.
--
-- A publication is placed where its author put it, and where the
-- communities it is shared into are placed (it inherits their places when
-- it is created or shared, and follows them when a community moves):
-- `via_community_id` is that community, or 0 for the author's own choice.
CREATE TABLE publication_territories (
    publication_id BIGINT NOT NULL REFERENCES publications (id) ON DELETE CASCADE,
    territory_id BIGINT NOT NULL REFERENCES territories (id) ON DELETE CASCADE,
    via_community_id BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (publication_id, territory_id, via_community_id)
);
CREATE INDEX publication_territories_territory ON publication_territories (territory_id);
CREATE INDEX publication_territories_via ON publication_territories (via_community_id, publication_id);

-- The roll-up: one row per (territory where a publication is placed, or
-- any of its ancestors; publication), with the publication's creation
-- time. A territory page walks its newest publications in one index range
-- whatever the depth (the closure table would join every descendant's
-- placements and sort them). Kept by crates/core/src/territories/places.rs.
CREATE TABLE publication_territory_rollup (
    ancestor_id BIGINT NOT NULL REFERENCES territories (id) ON DELETE CASCADE,
    publication_id BIGINT NOT NULL REFERENCES publications (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (ancestor_id, publication_id)
);
CREATE INDEX publication_territory_rollup_recent ON publication_territory_rollup (ancestor_id, created_at, publication_id);
CREATE INDEX publication_territory_rollup_publication ON publication_territory_rollup (publication_id);

-- Publications of communities placed before this migration inherit those places.
INSERT INTO publication_territories (publication_id, territory_id, via_community_id)
SELECT DISTINCT pc.publication_id, ct.territory_id, ct.community_id
FROM publication_communities pc JOIN community_territories ct ON ct.community_id = pc.community_id;
INSERT INTO publication_territory_rollup (ancestor_id, publication_id, created_at)
SELECT DISTINCT tc.ancestor_id, pt.publication_id, p.created_at
FROM publication_territories pt
JOIN territory_closure tc ON tc.descendant_id = pt.territory_id
JOIN publications p ON p.id = pt.publication_id;

-- Name keys are folded to words (no accents, no case, punctuation as one
-- space: "Saguenay–Lac-Saint-Jean" → "saguenay lac saint jean"), so a
-- search for "lac saint" or "saguenay-lac" finds it; the shipped rows'
-- slugs are exactly that fold with dashes.
UPDATE territories SET name_key = REPLACE(slug, '-', ' ') WHERE source = 'seed';

-- Approximate centres of the regions (display points on the map until an
-- administrator imports regio_s, whose polygons give computed centroids).
UPDATE territories SET lat = 48.1, lon = -68.6 WHERE level = 'region' AND slug = 'bas-saint-laurent' AND lat IS NULL;
UPDATE territories SET lat = 49.0, lon = -72.0 WHERE level = 'region' AND slug = 'saguenay-lac-saint-jean' AND lat IS NULL;
UPDATE territories SET lat = 47.3, lon = -71.5 WHERE level = 'region' AND slug = 'capitale-nationale' AND lat IS NULL;
UPDATE territories SET lat = 47.3, lon = -73.3 WHERE level = 'region' AND slug = 'mauricie' AND lat IS NULL;
UPDATE territories SET lat = 45.5, lon = -71.8 WHERE level = 'region' AND slug = 'estrie' AND lat IS NULL;
UPDATE territories SET lat = 45.55, lon = -73.7 WHERE level = 'region' AND slug = 'montreal' AND lat IS NULL;
UPDATE territories SET lat = 46.5, lon = -76.0 WHERE level = 'region' AND slug = 'outaouais' AND lat IS NULL;
UPDATE territories SET lat = 48.0, lon = -78.5 WHERE level = 'region' AND slug = 'abitibi-temiscamingue' AND lat IS NULL;
UPDATE territories SET lat = 51.0, lon = -65.0 WHERE level = 'region' AND slug = 'cote-nord' AND lat IS NULL;
UPDATE territories SET lat = 53.0, lon = -74.0 WHERE level = 'region' AND slug = 'nord-du-quebec' AND lat IS NULL;
UPDATE territories SET lat = 48.8, lon = -65.5 WHERE level = 'region' AND slug = 'gaspesie-iles-de-la-madeleine' AND lat IS NULL;
UPDATE territories SET lat = 46.5, lon = -70.7 WHERE level = 'region' AND slug = 'chaudiere-appalaches' AND lat IS NULL;
UPDATE territories SET lat = 45.6, lon = -73.75 WHERE level = 'region' AND slug = 'laval' AND lat IS NULL;
UPDATE territories SET lat = 46.5, lon = -73.7 WHERE level = 'region' AND slug = 'lanaudiere' AND lat IS NULL;
UPDATE territories SET lat = 46.4, lon = -74.8 WHERE level = 'region' AND slug = 'laurentides' AND lat IS NULL;
UPDATE territories SET lat = 45.4, lon = -73.0 WHERE level = 'region' AND slug = 'monteregie' AND lat IS NULL;
UPDATE territories SET lat = 46.1, lon = -72.3 WHERE level = 'region' AND slug = 'centre-du-quebec' AND lat IS NULL;
