-- Input and limits (issue 12, items 6 and 11). Portable SQL.

-- Browsers that signed in to an account before (a random token in a
-- long-lived HttpOnly cookie, stored hashed). They are not held by the
-- account-wide limit on failed sign-ins, so guessing spread over many
-- addresses cannot lock the owner out of their own devices.
CREATE TABLE known_devices (
    id {{PK}},
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL
);
CREATE INDEX known_devices_user ON known_devices (user_id, last_used_at);

-- Personal access tokens get a scope: 'read' (the default of new tokens),
-- 'write', or 'admin' (an administrator's powers). Tokens made before
-- scopes existed could do everything their owner could: they keep that
-- ('admin' for administrators, 'write' for everyone else) until revoked.
ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'read';
UPDATE api_tokens SET scope = 'write';
UPDATE api_tokens SET scope = 'admin'
    WHERE user_id IN (SELECT id FROM users WHERE is_admin = 1);
