-- Rate limits count over a sliding window (issue 22's load flake, and an
-- attacker's double burst at a fixed window's edge): the previous window's
-- count is kept and weighed by how much of it still overlaps.
ALTER TABLE rate_limits ADD COLUMN prev_count BIGINT NOT NULL DEFAULT 0;
