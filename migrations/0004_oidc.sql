-- OpenID Connect provider: signing keys, registered clients (tools),
-- consents, authorization codes, grants and their tokens.
-- Portable SQL: {{PK}} and {{BLOB}} are expanded per engine (src/db.rs).

-- Signing keys. A key is published in the JWKS from its creation, signs
-- from `active_at` (created ahead of time so relying parties' caches see it
-- first), stops signing when a newer key becomes active (`retired_at`) and
-- leaves the JWKS at `expires_at`, once every token it signed has expired.
-- Rows are never deleted (the private key is wiped): a kid is never reused.
CREATE TABLE oidc_keys (
    id {{PK}},
    kid TEXT NOT NULL UNIQUE,
    alg TEXT NOT NULL,
    -- PKCS#8 DER of the private key; empty once the key has expired
    private_der {{BLOB}} NOT NULL,
    -- public JWK members (base64url)
    n TEXT NOT NULL,
    e TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    active_at BIGINT NOT NULL,
    retired_at BIGINT,
    expires_at BIGINT
);
CREATE INDEX oidc_keys_active ON oidc_keys (active_at);

-- Relying parties, registered by administrators (no dynamic registration).
CREATE TABLE oidc_clients (
    id {{PK}},
    client_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    icon_url TEXT NOT NULL DEFAULT '',
    home_url TEXT NOT NULL DEFAULT '',
    -- one URI per line, compared exactly
    redirect_uris TEXT NOT NULL,
    post_logout_redirect_uris TEXT NOT NULL DEFAULT '',
    backchannel_logout_uri TEXT NOT NULL DEFAULT '',
    -- SHA-256 (hex) of the secret; NULL for public clients
    secret_hash TEXT,
    is_public BIGINT NOT NULL DEFAULT 0,
    -- allowed scopes, space-separated
    scopes TEXT NOT NULL,
    first_party BIGINT NOT NULL DEFAULT 0,
    -- PKCE S256 required even though the client is confidential
    require_pkce BIGINT NOT NULL DEFAULT 0,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- What a person allowed a tool to receive, remembered per client.
CREATE TABLE oidc_consents (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id BIGINT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    scopes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, client_id)
);

-- One sign-in of a person into a tool: the family of tokens issued from
-- one authorization code. Revoking the grant revokes every token of it.
CREATE TABLE oidc_grants (
    id {{PK}},
    client_id BIGINT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scope TEXT NOT NULL,
    -- the OP session it came from (the `sid` claim)
    sid TEXT NOT NULL,
    auth_time BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX oidc_grants_user ON oidc_grants (user_id, client_id);
CREATE INDEX oidc_grants_sid ON oidc_grants (sid);

-- Authorization codes (hashed), single use, short-lived.
CREATE TABLE oidc_codes (
    code_hash TEXT PRIMARY KEY,
    client_id BIGINT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    redirect_uri TEXT NOT NULL,
    scope TEXT NOT NULL,
    nonce TEXT,
    -- S256 challenge, or NULL when the client sent none
    code_challenge TEXT,
    sid TEXT NOT NULL,
    auth_time BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    -- the grant its redemption created (revoked if the code is replayed)
    grant_id BIGINT
);
CREATE INDEX oidc_codes_expiry ON oidc_codes (expires_at);

-- Access and refresh tokens (opaque, hashed). A refresh token is rotated
-- on use; presenting a rotated one again revokes its grant.
CREATE TABLE oidc_tokens (
    token_hash TEXT PRIMARY KEY,
    grant_id BIGINT NOT NULL REFERENCES oidc_grants (id) ON DELETE CASCADE,
    -- access | refresh
    kind TEXT NOT NULL,
    scope TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX oidc_tokens_grant ON oidc_tokens (grant_id);
CREATE INDEX oidc_tokens_expiry ON oidc_tokens (expires_at);
