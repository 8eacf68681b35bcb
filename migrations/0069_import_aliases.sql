-- Issue 20: old addresses of imported items. A path the item had on its
-- origin (with its query, if any: HumHub's "/content/perma?id=9"), on the
-- origin's host ("" when unknown), answered with a 301 to the item's page
-- here (`portability::aliases`, `web::moved`). Written by the import in
-- the item's own transaction; the first import to claim a path keeps it.
CREATE TABLE import_aliases (
    host TEXT NOT NULL,
    path TEXT NOT NULL,
    kind TEXT NOT NULL,
    local_id BIGINT NOT NULL,
    source TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (host, path)
);
CREATE INDEX import_aliases_path ON import_aliases (path);
CREATE INDEX import_aliases_local ON import_aliases (kind, local_id);
