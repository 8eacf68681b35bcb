-- Strong sign-in: TOTP second factor (RFC 6238) with recovery codes, and
-- the short-lived challenge between the password and the code.
-- Portable SQL: {{PK}} and {{BLOB}} are expanded per engine (src/db.rs).

CREATE TABLE totp_factors (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    -- base32 secret (160 bits)
    secret TEXT NOT NULL,
    -- NULL while the person has not yet proved their app has it
    confirmed_at BIGINT,
    -- the last time step accepted: a code is never accepted twice
    last_step BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

-- One-time recovery codes (SHA-256), shown once at activation.
CREATE TABLE recovery_codes (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

-- Password accepted, second factor awaited (hashed token in a cookie).
CREATE TABLE login_challenges (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    next TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX login_challenges_expiry ON login_challenges (expires_at);
