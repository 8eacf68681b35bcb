-- Foundation: accounts, sessions, tokens, media, settings, jobs, rate limits, audit.
-- Portable SQL: {{PK}} and {{BLOB}} are expanded per engine (src/db.rs).

CREATE TABLE users (
    id {{PK}},
    username TEXT NOT NULL,
    username_key TEXT NOT NULL UNIQUE,
    username_skeleton TEXT NOT NULL,
    -- NULL for local accounts; the instance host for people of other instances.
    domain TEXT,
    ap_id TEXT UNIQUE,
    email TEXT,
    email_key TEXT UNIQUE,
    email_verified BIGINT NOT NULL DEFAULT 0,
    password_hash TEXT,
    display_name TEXT NOT NULL DEFAULT '',
    bio TEXT NOT NULL DEFAULT '',
    locale TEXT NOT NULL DEFAULT 'fr-CA',
    avatar_id BIGINT,
    is_admin BIGINT NOT NULL DEFAULT 0,
    -- active | pending (awaiting an administrator) | suspended
    status TEXT NOT NULL DEFAULT 'active',
    status_reason TEXT NOT NULL DEFAULT '',
    registration_note TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    last_login_at BIGINT
);
CREATE INDEX users_skeleton ON users (username_skeleton);
CREATE INDEX users_status ON users (status, created_at);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    user_agent TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- One-time links sent by e-mail (verification, reset, change of address).
CREATE TABLE user_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX user_tokens_user ON user_tokens (user_id, purpose);

-- Personal access tokens for the API.
CREATE TABLE api_tokens (
    id {{PK}},
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    expires_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Invitations to register (registration mode "invitation").
CREATE TABLE invitations (
    id {{PK}},
    code_hash TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL DEFAULT '',
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    used_at BIGINT
);

-- Small binary objects (avatars) live in the database so that several
-- nodes serve the same bytes.
CREATE TABLE media (
    id {{PK}},
    owner_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    content_type TEXT NOT NULL,
    bytes {{BLOB}} NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    count BIGINT NOT NULL
);

CREATE TABLE jobs (
    id {{PK}},
    queue TEXT NOT NULL,
    payload TEXT NOT NULL,
    dedupe_key TEXT UNIQUE,
    run_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL DEFAULT 8,
    locked_until BIGINT,
    last_error TEXT NOT NULL DEFAULT '',
    failed_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs (run_at);

CREATE TABLE audit_log (
    id {{PK}},
    actor_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    action TEXT NOT NULL,
    target_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    detail TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX audit_log_time ON audit_log (created_at);
