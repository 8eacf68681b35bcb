-- The common library (C7), thematic dossiers (C8) and the collaborative
-- lexicon (C9). Portable SQL (see crates/core/src/db.rs).

-- Lexicon terms (SKOS concepts). A term is 'proposed' by a member and
-- 'accepted' by a lexicon editor; only accepted terms are public.
CREATE TABLE lexicon_terms (
    id {{PK}},
    slug TEXT NOT NULL UNIQUE,
    pref_fr TEXT NOT NULL,
    pref_en TEXT NOT NULL DEFAULT '',
    -- Alternative labels (synonyms, abbreviations), one per line.
    alt_labels TEXT NOT NULL DEFAULT '',
    -- Folded labels (lowercase, no accents), one per line, for look-ups.
    label_keys TEXT NOT NULL DEFAULT '',
    definition_fr TEXT NOT NULL DEFAULT '',
    definition_en TEXT NOT NULL DEFAULT '',
    -- Codes of org_sectors, one per line.
    sectors TEXT NOT NULL DEFAULT '',
    -- Sources of the definition, one per line.
    sources TEXT NOT NULL DEFAULT '',
    -- proposed | accepted | refused
    status TEXT NOT NULL DEFAULT 'proposed',
    proposed_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX lexicon_terms_status ON lexicon_terms (status, pref_fr);

-- broader (term -> a broader term) and related (stored once per pair,
-- lower id first); narrower is the inverse of broader.
CREATE TABLE lexicon_relations (
    term_id BIGINT NOT NULL REFERENCES lexicon_terms (id) ON DELETE CASCADE,
    other_id BIGINT NOT NULL REFERENCES lexicon_terms (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    PRIMARY KEY (term_id, other_id, kind)
);
CREATE INDEX lexicon_relations_other ON lexicon_relations (other_id, kind);

-- Every version of a term, as JSON, with who wrote it and why.
CREATE TABLE lexicon_revisions (
    id {{PK}},
    term_id BIGINT NOT NULL REFERENCES lexicon_terms (id) ON DELETE CASCADE,
    snapshot TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    author_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX lexicon_revisions_term ON lexicon_revisions (term_id, id);

-- Resources: Dublin Core metadata. Permanent URL /r/{id} (the title may change).
CREATE TABLE resources (
    id {{PK}},
    -- document | guide | report | funding | synthesis | interview | podcast | video
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    -- One creator per line ("Family, Given" or an organisation's name).
    creators TEXT NOT NULL DEFAULT '',
    publisher TEXT NOT NULL DEFAULT '',
    -- ISO 8601: YYYY, YYYY-MM or YYYY-MM-DD ('' = unknown), and its year.
    issued TEXT NOT NULL DEFAULT '',
    year BIGINT,
    -- BCP 47 primary language ('fr', 'en'…), '' = not said.
    language TEXT NOT NULL DEFAULT '',
    licence TEXT NOT NULL DEFAULT '',
    source_url TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    description_html TEXT NOT NULL DEFAULT '',
    -- Funding programs: closing date (YYYY-MM-DD) and its Unix time (end of day, UTC).
    deadline TEXT NOT NULL DEFAULT '',
    deadline_at BIGINT,
    eligibility TEXT NOT NULL DEFAULT '',
    amount TEXT NOT NULL DEFAULT '',
    -- 1: in the instance library (read by everyone).
    in_library BIGINT NOT NULL DEFAULT 0,
    -- visible | removed
    status TEXT NOT NULL DEFAULT 'visible',
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX resources_library ON resources (in_library, status, created_at);
CREATE INDEX resources_deadline ON resources (kind, deadline_at);

CREATE TABLE resource_communities (
    resource_id BIGINT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    community_id BIGINT NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (resource_id, community_id)
);
CREATE INDEX resource_communities_community ON resource_communities (community_id, resource_id);

-- Subject: lexicon terms.
CREATE TABLE resource_subjects (
    resource_id BIGINT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    term_id BIGINT NOT NULL REFERENCES lexicon_terms (id) ON DELETE CASCADE,
    PRIMARY KEY (resource_id, term_id)
);
CREATE INDEX resource_subjects_term ON resource_subjects (term_id, resource_id);

-- Coverage: territories.
CREATE TABLE resource_territories (
    resource_id BIGINT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    territory_id BIGINT NOT NULL REFERENCES territories (id) ON DELETE CASCADE,
    PRIMARY KEY (resource_id, territory_id)
);
CREATE INDEX resource_territories_territory ON resource_territories (territory_id, resource_id);

-- Uploaded files, content-addressed: the bytes are in the blob store
-- (library::storage) under their SHA-256. A new upload under a name the
-- resource already has is that file's next version.
CREATE TABLE resource_files (
    id {{PK}},
    resource_id BIGINT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    version BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    uploaded_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (resource_id, name, version)
);
CREATE INDEX resource_files_sha ON resource_files (sha256);

-- Thematic dossiers: an ordered, annotated path through resources and publications.
CREATE TABLE dossiers (
    id {{PK}},
    title TEXT NOT NULL,
    introduction TEXT NOT NULL DEFAULT '',
    introduction_html TEXT NOT NULL DEFAULT '',
    -- draft | published
    status TEXT NOT NULL DEFAULT 'draft',
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE dossier_items (
    id {{PK}},
    dossier_id BIGINT NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    -- resource | publication
    item_kind TEXT NOT NULL,
    item_id BIGINT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX dossier_items_dossier ON dossier_items (dossier_id, position);
