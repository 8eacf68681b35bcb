-- Organisations (C16) and the map of initiatives (C17). Portable SQL (see
-- crates/core/src/db.rs). Territory roll-ups join `territory_closure`
-- (migration 10): "served in or below T" is one indexed join.

-- The controlled list of sectors, edited by administrators.
CREATE TABLE org_sectors (
    code TEXT PRIMARY KEY,
    name_fr TEXT NOT NULL,
    name_en TEXT NOT NULL,
    position BIGINT NOT NULL DEFAULT 0
);
INSERT INTO org_sectors (code, name_fr, name_en, position) VALUES
 ('alimentation', 'Alimentation et agriculture', 'Food and agriculture', 1),
 ('habitation', 'Habitation', 'Housing', 2),
 ('environnement', 'Environnement et transition', 'Environment and transition', 3),
 ('culture', 'Arts et culture', 'Arts and culture', 4),
 ('sante', 'Santé et services sociaux', 'Health and social services', 5),
 ('education', 'Éducation et formation', 'Education and training', 6),
 ('emploi', 'Emploi et insertion', 'Employment and integration', 7),
 ('finance', 'Finance solidaire', 'Community finance', 8),
 ('developpement', 'Développement local', 'Local development', 9),
 ('loisirs', 'Loisirs et sport', 'Leisure and sport', 10),
 ('communications', 'Médias et communications', 'Media and communications', 11),
 ('autre', 'Autre', 'Other', 99);

CREATE TABLE organisations (
    id {{PK}},
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    -- Markdown source, and its rendering (sanitised) kept for listings.
    description TEXT NOT NULL DEFAULT '',
    description_html TEXT NOT NULL DEFAULT '',
    -- A code of organisations::LEGAL_FORMS ('' = not said).
    legal_form TEXT NOT NULL DEFAULT '',
    -- Québec enterprise number: 10 digits, or ''.
    neq TEXT NOT NULL DEFAULT '',
    logo_id BIGINT REFERENCES media (id) ON DELETE SET NULL,
    address TEXT NOT NULL DEFAULT '',
    -- The municipality (or any territory) of the address.
    place_id BIGINT REFERENCES territories (id) ON DELETE SET NULL,
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    -- Where the point comes from: '' (none), 'set' (typed), 'centroid'
    -- (the place's centroid), 'geocoded'.
    point_source TEXT NOT NULL DEFAULT '',
    website TEXT NOT NULL DEFAULT '',
    -- One link per line.
    social TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    contact_name TEXT NOT NULL DEFAULT '',
    -- public | members (the page is read by its members and administrators only)
    visibility TEXT NOT NULL DEFAULT 'public',
    -- unverified | verified | refused
    status TEXT NOT NULL DEFAULT 'unverified',
    status_reason TEXT NOT NULL DEFAULT '',
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    verified_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    verified_at BIGINT,
    source TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX organisations_listed ON organisations (status, visibility, name);
CREATE INDEX organisations_place ON organisations (place_id);

CREATE TABLE organisation_sectors (
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    sector TEXT NOT NULL REFERENCES org_sectors (code) ON DELETE CASCADE,
    PRIMARY KEY (organisation_id, sector)
);
CREATE INDEX organisation_sectors_sector ON organisation_sectors (sector, organisation_id);

CREATE TABLE organisation_territories (
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    territory_id BIGINT NOT NULL REFERENCES territories (id) ON DELETE CASCADE,
    PRIMARY KEY (organisation_id, territory_id)
);
CREATE INDEX organisation_territories_territory ON organisation_territories (territory_id, organisation_id);

-- People linked to an organisation: role admin | member; state active |
-- requested (a claim awaiting an administrator).
CREATE TABLE organisation_members (
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'active',
    note TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    PRIMARY KEY (organisation_id, user_id)
);
CREATE INDEX organisation_members_user ON organisation_members (user_id);

-- Free Markdown blocks the organisation's admins add to its page.
CREATE TABLE organisation_sections (
    id {{PK}},
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    body_html TEXT NOT NULL,
    position BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX organisation_sections_org ON organisation_sections (organisation_id, position);

-- The change log shown to the organisation's admins.
CREATE TABLE organisation_changes (
    id {{PK}},
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    actor_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    actor_label TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX organisation_changes_org ON organisation_changes (organisation_id, id);

CREATE TABLE initiatives (
    id {{PK}},
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    description_html TEXT NOT NULL DEFAULT '',
    -- A code of initiatives::CATEGORIES.
    category TEXT NOT NULL,
    organisation_id BIGINT REFERENCES organisations (id) ON DELETE SET NULL,
    territory_id BIGINT REFERENCES territories (id) ON DELETE SET NULL,
    contact TEXT NOT NULL DEFAULT '',
    website TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    point_source TEXT NOT NULL DEFAULT '',
    -- OSM opening_hours syntax, validated; '' = not said.
    opening_hours TEXT NOT NULL DEFAULT '',
    -- proposed | validated | refused
    status TEXT NOT NULL DEFAULT 'proposed',
    status_reason TEXT NOT NULL DEFAULT '',
    proposed_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    decided_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    decided_at BIGINT,
    -- Identity in an imported file ('<ref>'), so a second import updates.
    external_ref TEXT UNIQUE,
    source TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX initiatives_status ON initiatives (status, category);
CREATE INDEX initiatives_territory ON initiatives (territory_id, status);
CREATE INDEX initiatives_organisation ON initiatives (organisation_id);

-- Answers of the configured geocoder (off by default), by normalised query.
CREATE TABLE geocode_cache (
    query TEXT PRIMARY KEY,
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    found BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
