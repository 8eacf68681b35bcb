-- Federation, second part (issue 18): content crossing instances, the
-- instances we know, and likes. Portable SQL (see src/db.rs).

-- The `preferredUsername` of a remote actor (handles `name@host`).
ALTER TABLE ap_actors ADD COLUMN username TEXT NOT NULL DEFAULT '';

-- Instances we know (by host, with its port when it has one): the
-- administrator's decision, and how delivery to them goes.
CREATE TABLE ap_instances (
    host TEXT PRIMARY KEY,
    -- '' (no decision) | allowed | blocked
    state TEXT NOT NULL DEFAULT '',
    -- why it was blocked (admin's words)
    reason TEXT NOT NULL DEFAULT '',
    -- consecutive failed deliveries, when the first of them failed, the last error
    failures BIGINT NOT NULL DEFAULT 0,
    failing_since BIGINT,
    last_error TEXT NOT NULL DEFAULT '',
    last_success_at BIGINT,
    last_seen_at BIGINT,
    updated_at BIGINT NOT NULL
);

-- `Like`s of our publications and replies by remote actors (counted;
-- `Undo` takes one back).
CREATE TABLE ap_likes (
    object TEXT NOT NULL,
    actor TEXT NOT NULL,
    activity_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (object, actor)
);
CREATE INDEX ap_likes_activity ON ap_likes (activity_id);
