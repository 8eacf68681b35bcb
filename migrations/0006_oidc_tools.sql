-- OpenID Connect, continued: ID-token signing algorithm per client (RS256
-- by default; ES256 and EdDSA), keys of every algorithm in `oidc_keys`, tool
-- icons stored locally, and which communities see a tool in their portal.
-- Portable SQL: {{PK}} and {{BLOB}} are expanded per engine (src/db.rs).

-- Public members of elliptic-curve keys (JWK `x`, and `y` for P-256);
-- RSA keys keep using `n` and `e` (empty for the others). Rotation rules
-- are the same per algorithm (`alg` already exists).
ALTER TABLE oidc_keys ADD COLUMN x TEXT NOT NULL DEFAULT '';
ALTER TABLE oidc_keys ADD COLUMN y TEXT NOT NULL DEFAULT '';
CREATE INDEX oidc_keys_alg ON oidc_keys (alg, active_at);

-- `id_token_signed_response_alg` of the client (RS256, ES256 or EdDSA).
ALTER TABLE oidc_clients ADD COLUMN id_token_alg TEXT NOT NULL DEFAULT 'RS256';
-- 1: every member of the instance sees the tool in "My tools";
-- 0: only members of the communities in `oidc_client_communities`.
ALTER TABLE oidc_clients ADD COLUMN instance_wide BIGINT NOT NULL DEFAULT 1;
-- The icon, processed and stored locally (a `media` row, PNG), never a
-- third-party address. `icon_url` (0004) is no longer used.
ALTER TABLE oidc_clients ADD COLUMN icon_media_id BIGINT REFERENCES media (id) ON DELETE SET NULL;

CREATE TABLE oidc_client_communities (
    client_id BIGINT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    community_id BIGINT NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    PRIMARY KEY (client_id, community_id)
);
CREATE INDEX oidc_client_communities_community ON oidc_client_communities (community_id);
