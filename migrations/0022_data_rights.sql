-- Data rights (issue 20, C24): "download my data" archives, built in the
-- background by the job queue and kept in the database in chunks so that
-- any node serves them (no shared disk). Portable SQL (see src/db.rs).

CREATE TABLE data_exports (
    id {{PK}},
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- queued | building | ready | failed
    status TEXT NOT NULL DEFAULT 'queued',
    requested_at BIGINT NOT NULL,
    ready_at BIGINT,
    -- the download link stops working then (ready_at + 7 days)
    expires_at BIGINT,
    size BIGINT NOT NULL DEFAULT 0,
    items BIGINT NOT NULL DEFAULT 0,
    -- the largest piece of the archive held in memory while it was written
    peak_buffer BIGINT NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    -- each build writes its chunks under a new attempt number; the ready
    -- one is served (a build claimed twice never mixes its chunks)
    attempt BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX data_exports_user ON data_exports (user_id, requested_at);

-- The archive's bytes, in order (about 1 MiB each).
CREATE TABLE data_export_chunks (
    export_id BIGINT NOT NULL REFERENCES data_exports (id) ON DELETE CASCADE,
    attempt BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    bytes {{BLOB}} NOT NULL,
    PRIMARY KEY (export_id, attempt, seq)
);
