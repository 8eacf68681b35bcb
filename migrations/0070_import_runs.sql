-- Issue 20: the runs of imports (command line and administration page),
-- with their report. `status` is queued | running | done | failed;
-- `lines` holds the report's lines as JSON (every item skipped and why),
-- `archive_sha256` the uploaded archive in the blob store (web uploads).
CREATE TABLE import_runs (
    id {{PK}},
    format TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    origin TEXT NOT NULL DEFAULT '',
    file_name TEXT NOT NULL DEFAULT '',
    archive_sha256 TEXT,
    dry_run BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    started_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    actor TEXT NOT NULL DEFAULT '',
    total BIGINT NOT NULL DEFAULT 0,
    done BIGINT NOT NULL DEFAULT 0,
    imported BIGINT NOT NULL DEFAULT 0,
    unchanged BIGINT NOT NULL DEFAULT 0,
    skipped BIGINT NOT NULL DEFAULT 0,
    lines TEXT NOT NULL DEFAULT '[]',
    error TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX import_runs_recent ON import_runs (created_at);
