-- OpenID Connect, as real relying parties found it (issue 12, items 12–18):
-- how and when a session last proved who its person is (re-authentication
-- keeps the session), the factors a tool is told of (`amr`, `acr`), the
-- refresh-token grace window, and the GitLab-compatible userinfo flag.
-- Portable SQL: {{PK}} and {{BLOB}} are expanded per engine (src/db.rs).

-- When the person last authenticated in this session (a forced
-- re-authentication updates it and keeps the session), and with what
-- (RFC 8176 `amr` values, space-separated: `pwd`, `otp`, `hwk`, `swk`,
-- `mfa`). Sessions from before this migration: their creation, factors
-- unknown (empty).
ALTER TABLE sessions ADD COLUMN auth_time BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN amr TEXT NOT NULL DEFAULT '';
UPDATE sessions SET auth_time = created_at;
-- The `sid` tools know the session by. Empty: derived from `id_hash`
-- (`oidc::sid_of`), as before. A re-authentication gives the session a new
-- token (and so a new `id_hash`) and keeps its `sid` here, so the tools'
-- sign-ins — and their back-channel logouts — still name it.
ALTER TABLE sessions ADD COLUMN sid TEXT NOT NULL DEFAULT '';

-- A second-factor step is either a log-in (empty) or the re-authentication
-- of an open session (the hash of that session, which the step must come
-- from: it updates that session instead of starting one).
ALTER TABLE login_challenges ADD COLUMN reauth_session TEXT NOT NULL DEFAULT '';

-- The factors behind a code and the grant it creates (ID tokens of later
-- refreshes say the same).
ALTER TABLE oidc_codes ADD COLUMN amr TEXT NOT NULL DEFAULT '';
ALTER TABLE oidc_grants ADD COLUMN amr TEXT NOT NULL DEFAULT '';

-- A rotated refresh token keeps its successor (access and refresh token),
-- sealed with a key derived from the rotated token itself, which only
-- its holder knows (the table stores hashes): presented again within the
-- grace window, it yields the same successor; afterwards, reuse revokes
-- the grant.
ALTER TABLE oidc_tokens ADD COLUMN successor TEXT;

-- Userinfo also carries a numeric `id` (the account id) for tools that sign
-- in through a GitLab-style route (Mattermost Team Edition).
ALTER TABLE oidc_clients ADD COLUMN gitlab_compat BIGINT NOT NULL DEFAULT 0;
