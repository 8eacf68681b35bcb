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
