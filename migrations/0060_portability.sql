-- Issue 20: community export/import and migration import (Discourse,
-- HumHub). Portable SQL (see src/db.rs).

-- The import ledger: which foreign item became which local row. Written in
-- the transaction that creates the row, so an import killed mid-way and run
-- again resumes where it stopped, and a second run changes nothing.
-- `source` names the origin ("discourse:forum.example", "humhub:…",
-- "passerelles:<host>/<community slug>"); `kind` is user | community |
-- publication | reply | event | wiki | file.
CREATE TABLE import_items (
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    external_id TEXT NOT NULL,
    local_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (source, kind, external_id)
);
CREATE INDEX import_items_local ON import_items (kind, local_id);
