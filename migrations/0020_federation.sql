-- ActivityPub federation (issue 18): one RSA key pair per actor that
-- speaks for this instance (a person, a community, the instance itself),
-- made the first time the actor is published, and a person's choice not to
-- appear on the fediverse. Portable SQL (see src/db.rs).

CREATE TABLE ap_keys (
    -- 'instance', 'user:{id}' or 'community:{id}'
    owner TEXT PRIMARY KEY,
    -- SubjectPublicKeyInfo, PEM (what Mastodon and Lemmy read)
    public_pem TEXT NOT NULL,
    -- PKCS#8 v1, base64 (never leaves the database but to sign)
    private_pkcs8 TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- 1: the person is not published as an ActivityPub `Person` (WebFinger and
-- the actor answer as for someone who does not exist).
ALTER TABLE users ADD COLUMN federation_opt_out BIGINT NOT NULL DEFAULT 0;

-- Remote actors we heard from or deliver to, as their servers describe
-- them (refetched when older than a day, or when a signature fails).
CREATE TABLE ap_actors (
    ap_id TEXT PRIMARY KEY,
    -- Person | Group | Application | Service | Organization
    kind TEXT NOT NULL,
    inbox TEXT NOT NULL,
    shared_inbox TEXT NOT NULL DEFAULT '',
    key_id TEXT NOT NULL,
    public_pem TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    fetched_at BIGINT NOT NULL
);

-- Remote followers of our communities (FEP-1b12): accepted at once by an
-- open community; pending where members are approved.
CREATE TABLE ap_followers (
    community_id BIGINT NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    actor TEXT NOT NULL,
    -- the Follow activity's id, which the Accept names
    follow_id TEXT NOT NULL,
    -- accepted | pending
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (community_id, actor)
);

-- Remote groups our members follow.
CREATE TABLE ap_following (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    target TEXT NOT NULL,
    follow_id TEXT NOT NULL UNIQUE,
    -- pending | accepted | rejected
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, target)
);

-- Activities received, by id: a duplicate is acknowledged and not handled twice.
CREATE TABLE ap_received (
    activity_id TEXT PRIMARY KEY,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    received_at BIGINT NOT NULL
);
