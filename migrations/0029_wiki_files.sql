-- Community wikis and file spaces (C19). Portable SQL (see crates/core/src/db.rs).

-- A wiki page of a community: Markdown, under an optional parent page.
-- `revision_id` is the current revision: an edit names the revision it
-- started from and is refused (shown as a conflict) if it moved.
CREATE TABLE wiki_pages (
    id {{PK}},
    community_id BIGINT NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    parent_id BIGINT REFERENCES wiki_pages (id) ON DELETE SET NULL,
    slug TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    revision_id BIGINT NOT NULL DEFAULT 0,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (community_id, slug)
);
CREATE INDEX wiki_pages_parent ON wiki_pages (community_id, parent_id);

-- Every version of a page (title and text), with who wrote it and why.
CREATE TABLE wiki_revisions (
    id {{PK}},
    page_id BIGINT NOT NULL REFERENCES wiki_pages (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    -- The revision restored by this one, if it is a restore.
    restored_from BIGINT,
    author_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX wiki_revisions_page ON wiki_revisions (page_id, id);

-- A community's file space: folders (nested) and files with versions,
-- whose bytes are in the library's content-addressed blob store.
CREATE TABLE space_folders (
    id {{PK}},
    community_id BIGINT NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    parent_id BIGINT REFERENCES space_folders (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX space_folders_parent ON space_folders (community_id, parent_id);

CREATE TABLE space_files (
    id {{PK}},
    community_id BIGINT NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    -- 0: the space's root.
    folder_id BIGINT NOT NULL DEFAULT 0,
    name TEXT NOT NULL,
    version BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    uploaded_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (community_id, folder_id, name, version)
);
CREATE INDEX space_files_sha ON space_files (sha256);

-- The file space's quota in bytes (NULL: the instance default).
ALTER TABLE communities ADD COLUMN file_quota BIGINT;
