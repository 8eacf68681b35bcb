-- Territories (C13): the tree province › administrative region › MRC (or
-- equivalent territory) › municipality › neighbourhood/sector, and what is
-- placed on it. Portable SQL (see crates/core/src/db.rs).
--
-- Roll-up ("everything below this territory") goes through a closure
-- table: one row per (ancestor, descendant) pair, the territory itself
-- included at distance 0. A roll-up is then one indexed join whatever the
-- depth, on both engines, with no recursive query and no LIKE on a path
-- (ARCHITECTURE.md, "Territories").

CREATE TABLE territories (
    id {{PK}},
    parent_id BIGINT REFERENCES territories (id) ON DELETE RESTRICT,
    -- province | region | mrc | municipality | sector
    level TEXT NOT NULL,
    -- Official code where one exists, unique within its level:
    -- province '24' (Statistics Canada), region '04' (RES_CO_REG),
    -- MRC '371' (MRS_CO_MRC / census division without the '24'),
    -- municipality '37067' (MUS_CO_GEO, the geographic code);
    -- sectors get a code of the instance's choosing.
    code TEXT NOT NULL,
    -- URL key, unique over the whole tree (e.g. 'mauricie', 'trois-rivieres').
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    -- Folded name (lowercase, no accents) for the name search / autocomplete.
    name_key TEXT NOT NULL,
    depth INTEGER NOT NULL DEFAULT 0,
    -- Centroid, WGS 84 degrees; NULL when unknown.
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    -- Simplified boundary for display: a GeoJSON geometry (Polygon or
    -- MultiPolygon), or NULL.
    boundary TEXT,
    -- Where the row came from: 'seed' (shipped regions), 'demo' (demo
    -- layer of seed-demo), 'import:<file kind>' (an administrator's import).
    source TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (level, code)
);
CREATE INDEX territories_parent ON territories (parent_id);
CREATE INDEX territories_name_key ON territories (name_key);

CREATE TABLE territory_closure (
    ancestor_id BIGINT NOT NULL REFERENCES territories (id) ON DELETE CASCADE,
    descendant_id BIGINT NOT NULL REFERENCES territories (id) ON DELETE CASCADE,
    distance INTEGER NOT NULL,
    PRIMARY KEY (ancestor_id, descendant_id)
);
CREATE INDEX territory_closure_descendant ON territory_closure (descendant_id, distance);

-- Placements: a community is placed on one or more territories. Other
-- kinds (publications, organisations, initiatives, members, events,
-- resources) get their own `<kind>_territories` table of the same shape in
-- their own migration, indexed (territory_id, <kind>_id) for roll-ups.
CREATE TABLE community_territories (
    community_id BIGINT NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    territory_id BIGINT NOT NULL REFERENCES territories (id) ON DELETE CASCADE,
    PRIMARY KEY (community_id, territory_id)
);
CREATE INDEX community_territories_territory ON community_territories (territory_id, community_id);

-- The territories every instance ships: the province and its 17 administrative
-- regions (assets/quebec-regions.csv, official codes). Finer levels are imported.
INSERT INTO territories (parent_id, level, code, slug, name, name_key, depth, source, created_at, updated_at)
VALUES (NULL, 'province', '24', 'quebec', 'Québec', 'quebec', 0, 'seed', 0, 0);
INSERT INTO territories (parent_id, level, code, slug, name, name_key, depth, source, created_at, updated_at)
SELECT id, 'region', '01', 'bas-saint-laurent', 'Bas-Saint-Laurent', 'bas-saint-laurent', 1, 'seed', 0, 0 FROM territories WHERE level = 'province' AND code = '24';
INSERT INTO territories (parent_id, level, code, slug, name, name_key, depth, source, created_at, updated_at)
SELECT id, 'region', '02', 'saguenay-lac-saint-jean', 'Saguenay–Lac-Saint-Jean', 'saguenay–lac-saint-jean', 1, 'seed', 0, 0 FROM territories WHERE level = 'province' AND code = '24';
INSERT INTO territories (parent_id, level, code, slug, name, name_key, depth, source, created_at, updated_at)
SELECT id, 'region', '03', 'capitale-nationale', 'Capitale-Nationale', 'capitale-nationale', 1, 'seed', 0, 0 FROM territories WHERE level = 'province' AND code = '24';
INSERT INTO territories (parent_id, level, code, slug, name, name_key, depth, source, created_at, updated_at)
SELECT id, 'region', '04', 'mauricie', 'Mauricie', 'mauricie', 1, 'seed', 0, 0 FROM territories WHERE level = 'province' AND code = '24';
INSERT INTO territories (parent_id, level, code, slug, name, name_key, depth, source, created_at, updated_at)
SELECT id, 'region', '05', 'estrie', 'Estrie', 'estrie', 1, 'seed', 0, 0 FROM territories WHERE level = 'province' AND code = '24';
INSERT INTO territories (parent_id, level, code, slug, name, name_key, depth, source, created_at, updated_at)
SELECT id, 'region', '06', 'montreal', 'Montréal', 'montreal', 1, 'seed', 0, 0 FROM territories WHERE level = 'province' AND code = '24';
INSERT INTO territories (parent_id, level, code, slug, name, name_key, depth, source, created_at, updated_at)
SELECT id, 'region', '07', 'outaouais', 'Outaouais', 'outaouais', 1, 'seed', 0, 0 FROM territories WHERE level = 'province' AND code = '24';
INSERT INTO territories (parent_id, level, code, slug, name, name_key, depth, source, created_at, updated_at)
SELECT id, 'region', '08', 'abitibi-temiscamingue', 'Abitibi-Témiscamingue', 'abitibi-temiscamingue', 1, 'seed', 0, 0 FROM territories WHERE level = 'province' AND code = '24';
INSERT INTO territories (parent_id, level, code, slug, name, name_key, depth, source, created_at, updated_at)
SELECT id, 'region', '09', 'cote-nord', 'Côte-Nord', 'cote-nord', 1, 'seed', 0, 0 FROM territories WHERE level = 'province' AND code = '24';
INSERT INTO territories (parent_id, level, code, slug, name, name_key, depth, source, created_at, updated_at)
SELECT id, 'region', '10', 'nord-du-quebec', 'Nord-du-Québec', 'nord-du-quebec', 1, 'seed', 0, 0 FROM territories WHERE level = 'province' AND code = '24';
INSERT INTO territories (parent_id, level, code, slug, name, name_key, depth, source, created_at, updated_at)
SELECT id, 'region', '11', 'gaspesie-iles-de-la-madeleine', 'Gaspésie–Îles-de-la-Madeleine', 'gaspesie–iles-de-la-madeleine', 1, 'seed', 0, 0 FROM territories WHERE level = 'province' AND code = '24';
INSERT INTO territories (parent_id, level, code, slug, name, name_key, depth, source, created_at, updated_at)
SELECT id, 'region', '12', 'chaudiere-appalaches', 'Chaudière-Appalaches', 'chaudiere-appalaches', 1, 'seed', 0, 0 FROM territories WHERE level = 'province' AND code = '24';
INSERT INTO territories (parent_id, level, code, slug, name, name_key, depth, source, created_at, updated_at)
SELECT id, 'region', '13', 'laval', 'Laval', 'laval', 1, 'seed', 0, 0 FROM territories WHERE level = 'province' AND code = '24';
INSERT INTO territories (parent_id, level, code, slug, name, name_key, depth, source, created_at, updated_at)
SELECT id, 'region', '14', 'lanaudiere', 'Lanaudière', 'lanaudiere', 1, 'seed', 0, 0 FROM territories WHERE level = 'province' AND code = '24';
INSERT INTO territories (parent_id, level, code, slug, name, name_key, depth, source, created_at, updated_at)
SELECT id, 'region', '15', 'laurentides', 'Laurentides', 'laurentides', 1, 'seed', 0, 0 FROM territories WHERE level = 'province' AND code = '24';
INSERT INTO territories (parent_id, level, code, slug, name, name_key, depth, source, created_at, updated_at)
SELECT id, 'region', '16', 'monteregie', 'Montérégie', 'monteregie', 1, 'seed', 0, 0 FROM territories WHERE level = 'province' AND code = '24';
INSERT INTO territories (parent_id, level, code, slug, name, name_key, depth, source, created_at, updated_at)
SELECT id, 'region', '17', 'centre-du-quebec', 'Centre-du-Québec', 'centre-du-quebec', 1, 'seed', 0, 0 FROM territories WHERE level = 'province' AND code = '24';
INSERT INTO territory_closure (ancestor_id, descendant_id, distance) SELECT id, id, 0 FROM territories;
INSERT INTO territory_closure (ancestor_id, descendant_id, distance)
SELECT p.id, r.id, 1 FROM territories p, territories r WHERE p.level = 'province' AND r.level = 'region';

-- Communities placed on a region before territories existed (the free
-- `communities.territory` field held a region slug) keep their place.
INSERT INTO community_territories (community_id, territory_id)
SELECT c.id, t.id FROM communities c JOIN territories t ON t.slug = c.territory AND t.level = 'region';
