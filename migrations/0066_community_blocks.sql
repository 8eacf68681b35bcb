-- Issue 18: a community's moderators block a whole remote instance (its
-- host, with the port when it has one) for that community only. A remote
-- person is blocked as a banned membership of their shadow account; an
-- instance block bans the shadow accounts of that host in the community
-- (those made later too, `federation::blocks`).
CREATE TABLE ap_community_blocks (
    community_id BIGINT NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    host TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (community_id, host)
);
