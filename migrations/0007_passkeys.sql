-- Passkeys (WebAuthn): credentials as a second factor and for password-less
-- sign-in, the user handle given to authenticators, and single-use
-- challenges. Portable SQL: {{PK}} and {{BLOB}} are expanded per engine.

CREATE TABLE passkeys (
    id {{PK}},
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- base64url; unique across every account (WebAuthn §7.1 step 22)
    credential_id TEXT NOT NULL UNIQUE,
    -- the COSE_Key as the authenticator encoded it, base64url
    public_key TEXT NOT NULL,
    -- COSE algorithm: -7 ES256, -8 EdDSA, -257 RS256
    alg BIGINT NOT NULL,
    sign_count BIGINT NOT NULL DEFAULT 0,
    -- comma-separated hints: usb, nfc, ble, internal, hybrid, smart-card
    transports TEXT NOT NULL DEFAULT '',
    -- the name the person gave it
    name TEXT NOT NULL,
    aaguid TEXT NOT NULL DEFAULT '',
    backup_eligible BIGINT NOT NULL DEFAULT 0,
    -- 1 once a counter went backwards (possible clone)
    clone_warning BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX passkeys_user ON passkeys (user_id);

-- The random user handle authenticators store with a discoverable
-- credential and give back at password-less sign-in.
CREATE TABLE passkey_handles (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    handle TEXT NOT NULL UNIQUE
);

-- One ceremony in progress: single use, bound to a purpose and to a
-- secret of the browser that asked (session, anonymous CSRF cookie or
-- second-factor challenge), stored hashed.
CREATE TABLE webauthn_challenges (
    challenge_hash TEXT PRIMARY KEY,
    purpose TEXT NOT NULL,
    binding_hash TEXT NOT NULL,
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX webauthn_challenges_expiry ON webauthn_challenges (expires_at);
