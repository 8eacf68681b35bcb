-- Issue 20: account deletions waiting out their grace period (C24), and
-- the community health summaries computed by a periodic job (C25).
-- Portable SQL (see src/db.rs).

-- One pending deletion per account; deleted with the account (cascade)
-- once executed, or by a cancellation.
CREATE TABLE account_deletions (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    -- anonymise | everything
    mode TEXT NOT NULL,
    -- the person, or the administrator who asked on their request
    requested_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    reason TEXT NOT NULL DEFAULT '',
    requested_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL
);
CREATE INDEX account_deletions_due ON account_deletions (due_at);

-- Community health, per community and week (weeks start on Monday 00:00
-- UTC; `week` counts weeks since 1970-01-05). Aggregates only: no row
-- names a person.
CREATE TABLE community_health_weeks (
    community_id BIGINT NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    week BIGINT NOT NULL,
    new_members BIGINT NOT NULL DEFAULT 0,
    active_members BIGINT NOT NULL DEFAULT 0,
    publications BIGINT NOT NULL DEFAULT 0,
    replies BIGINT NOT NULL DEFAULT 0,
    questions BIGINT NOT NULL DEFAULT 0,
    unanswered BIGINT NOT NULL DEFAULT 0,
    events_held BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (community_id, week)
);

-- Community health, the latest snapshot per community.
CREATE TABLE community_health (
    community_id BIGINT PRIMARY KEY REFERENCES communities (id) ON DELETE CASCADE,
    computed_at BIGINT NOT NULL,
    members BIGINT NOT NULL DEFAULT 0,
    -- distinct contributors over the last 90 days
    active_90d BIGINT NOT NULL DEFAULT 0,
    -- contributed in the 90 days before those, not since
    gone_quiet BIGINT NOT NULL DEFAULT 0,
    -- joined 30 to 120 days ago, and of them, posted within 30 days of joining
    newcomers BIGINT NOT NULL DEFAULT 0,
    newcomers_posted BIGINT NOT NULL DEFAULT 0,
    -- questions without any reply (not deleted), all time
    unanswered_open BIGINT NOT NULL DEFAULT 0,
    -- questions of the last 90 days that got a reply, and the median delay
    answered_90d BIGINT NOT NULL DEFAULT 0,
    median_first_reply_secs BIGINT,
    -- publications and replies in the community's first 60 days
    first_60d_contributions BIGINT NOT NULL DEFAULT 0,
    animators BIGINT NOT NULL DEFAULT 0,
    animators_active_90d BIGINT NOT NULL DEFAULT 0,
    -- JSON: [["label", count], …], the most-discussed tags of the last 90 days
    top_tags TEXT NOT NULL DEFAULT '[]'
);
