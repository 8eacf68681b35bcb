-- Link preservation (issue 19, C7): every external link a resource cites,
-- checked periodically through the guarded fetcher, with a sanitised
-- snapshot (text only) of the page from its last successful check.
CREATE TABLE link_checks (
    id {{PK}},
    url TEXT NOT NULL UNIQUE,
    -- unchecked | alive | dead
    state TEXT NOT NULL DEFAULT 'unchecked',
    http_status BIGINT,
    final_url TEXT NOT NULL DEFAULT '',
    -- The last failure's message key (fetch-timeout, fetch-http-error…).
    error TEXT NOT NULL DEFAULT '',
    -- Failures in a row since the last success.
    failures BIGINT NOT NULL DEFAULT 0,
    checked_at BIGINT,
    next_check_at BIGINT NOT NULL,
    snapshot_title TEXT NOT NULL DEFAULT '',
    snapshot_description TEXT NOT NULL DEFAULT '',
    snapshot_site TEXT NOT NULL DEFAULT '',
    snapshot_text TEXT NOT NULL DEFAULT '',
    snapshot_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX link_checks_due ON link_checks (next_check_at);
