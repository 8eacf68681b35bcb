-- Communities of practice, shared publications, replies, watch items,
-- notifications and moderation. Portable SQL (see src/db.rs).
-- Every object has a stable local URL that will be its ActivityPub id;
-- `domain`/`ap_id` admit objects that live on another instance.

CREATE TABLE communities (
    id {{PK}},
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    charter TEXT NOT NULL DEFAULT '',
    welcome TEXT NOT NULL DEFAULT '',
    theme TEXT NOT NULL DEFAULT '',
    territory TEXT NOT NULL DEFAULT '',
    -- open | private | unlisted
    visibility TEXT NOT NULL DEFAULT 'open',
    -- open | request | invitation
    join_policy TEXT NOT NULL DEFAULT 'open',
    -- active | archived | pending (awaiting the instance's approval) | refused
    status TEXT NOT NULL DEFAULT 'active',
    status_reason TEXT NOT NULL DEFAULT '',
    request_note TEXT NOT NULL DEFAULT '',
    domain TEXT,
    ap_id TEXT UNIQUE,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    last_activity_at BIGINT NOT NULL,
    member_count BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX communities_directory ON communities (status, visibility, last_activity_at);

CREATE TABLE memberships (
    community_id BIGINT NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- owner | animator | moderator | member
    role TEXT NOT NULL DEFAULT 'member',
    -- active | requested | banned
    state TEXT NOT NULL DEFAULT 'active',
    -- the join request's message, or the ban / refusal reason
    message TEXT NOT NULL DEFAULT '',
    welcomed BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (community_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id, state);

CREATE TABLE community_invites (
    id {{PK}},
    community_id BIGINT NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL DEFAULT '',
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    max_uses BIGINT,
    uses BIGINT NOT NULL DEFAULT 0,
    revoked_at BIGINT
);
CREATE INDEX community_invites_community ON community_invites (community_id);

CREATE TABLE link_previews (
    id {{PK}},
    url_key TEXT NOT NULL UNIQUE,
    url TEXT NOT NULL,
    final_url TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    site_name TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL DEFAULT '',
    image_media_id BIGINT REFERENCES media (id) ON DELETE SET NULL,
    fetched_at BIGINT NOT NULL,
    error TEXT NOT NULL DEFAULT ''
);

CREATE TABLE publications (
    id {{PK}},
    -- discussion | question | watch
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    body_html TEXT NOT NULL DEFAULT '',
    lang TEXT NOT NULL DEFAULT 'fr',
    author_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    link_url TEXT,
    link_key TEXT,
    preview_id BIGINT REFERENCES link_previews (id) ON DELETE SET NULL,
    accepted_reply_id BIGINT,
    -- visible | hidden | removed | deleted (instance-wide state; per-community state is on the link)
    status TEXT NOT NULL DEFAULT 'visible',
    status_reason TEXT NOT NULL DEFAULT '',
    locked BIGINT NOT NULL DEFAULT 0,
    domain TEXT,
    ap_id TEXT UNIQUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    last_activity_at BIGINT NOT NULL,
    reply_count BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX publications_link ON publications (link_key);
CREATE INDEX publications_author ON publications (author_id, created_at);
CREATE INDEX publications_activity ON publications (last_activity_at);

-- A publication shared into several communities: one row per community.
CREATE TABLE publication_communities (
    publication_id BIGINT NOT NULL REFERENCES publications (id) ON DELETE CASCADE,
    community_id BIGINT NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    added_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    added_at BIGINT NOT NULL,
    pinned BIGINT NOT NULL DEFAULT 0,
    -- visible | hidden | removed, decided by this community's moderators
    status TEXT NOT NULL DEFAULT 'visible',
    status_reason TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (publication_id, community_id)
);
CREATE INDEX publication_communities_listing ON publication_communities (community_id, pinned, added_at);

CREATE TABLE publication_revisions (
    id {{PK}},
    publication_id BIGINT NOT NULL REFERENCES publications (id) ON DELETE CASCADE,
    editor_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX publication_revisions_pub ON publication_revisions (publication_id, created_at);

CREATE TABLE replies (
    id {{PK}},
    publication_id BIGINT NOT NULL REFERENCES publications (id) ON DELETE CASCADE,
    parent_id BIGINT REFERENCES replies (id) ON DELETE SET NULL,
    depth BIGINT NOT NULL DEFAULT 0,
    author_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    body TEXT NOT NULL,
    body_html TEXT NOT NULL,
    -- visible | hidden | removed | deleted (tombstone)
    status TEXT NOT NULL DEFAULT 'visible',
    status_reason TEXT NOT NULL DEFAULT '',
    domain TEXT,
    ap_id TEXT UNIQUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX replies_publication ON replies (publication_id, created_at);

CREATE TABLE reply_revisions (
    id {{PK}},
    reply_id BIGINT NOT NULL REFERENCES replies (id) ON DELETE CASCADE,
    editor_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE tags (
    id {{PK}},
    name TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL
);

CREATE TABLE publication_tags (
    publication_id BIGINT NOT NULL REFERENCES publications (id) ON DELETE CASCADE,
    tag_id BIGINT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (publication_id, tag_id)
);
CREATE INDEX publication_tags_tag ON publication_tags (tag_id);

-- Files attached to publications. Bytes live in the database (several nodes).
CREATE TABLE attachments (
    id {{PK}},
    publication_id BIGINT REFERENCES publications (id) ON DELETE CASCADE,
    uploader_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    bytes {{BLOB}} NOT NULL,
    thumbnail_media_id BIGINT REFERENCES media (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX attachments_publication ON attachments (publication_id);

CREATE TABLE follows (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    publication_id BIGINT NOT NULL REFERENCES publications (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, publication_id)
);

-- Notification records, designed for the later e-mail digests: one row per
-- recipient and event, grouped by (kind, publication) at display time.
CREATE TABLE notifications (
    id {{PK}},
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- mention | reply | join_request | join_approved | join_refused | moderation | community_approved | ...
    kind TEXT NOT NULL,
    actor_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    community_id BIGINT REFERENCES communities (id) ON DELETE CASCADE,
    publication_id BIGINT REFERENCES publications (id) ON DELETE CASCADE,
    reply_id BIGINT REFERENCES replies (id) ON DELETE CASCADE,
    data TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    read_at BIGINT,
    emailed_at BIGINT
);
CREATE INDEX notifications_user ON notifications (user_id, read_at, created_at);

CREATE TABLE reports (
    id {{PK}},
    reporter_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    -- publication | reply | user
    target_kind TEXT NOT NULL,
    publication_id BIGINT REFERENCES publications (id) ON DELETE CASCADE,
    reply_id BIGINT REFERENCES replies (id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    -- the community whose moderators review it; NULL = the instance's admins
    community_id BIGINT REFERENCES communities (id) ON DELETE CASCADE,
    -- spam | harassment | hate | misinformation | off_topic | illegal | other
    category TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    -- open | resolved | dismissed
    status TEXT NOT NULL DEFAULT 'open',
    resolved_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    resolution TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    resolved_at BIGINT
);
CREATE INDEX reports_queue ON reports (community_id, status, created_at);

-- What moderators did, per community (NULL = instance-wide), with reasons.
CREATE TABLE mod_log (
    id {{PK}},
    community_id BIGINT REFERENCES communities (id) ON DELETE CASCADE,
    actor_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    action TEXT NOT NULL,
    publication_id BIGINT REFERENCES publications (id) ON DELETE SET NULL,
    reply_id BIGINT REFERENCES replies (id) ON DELETE SET NULL,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    reason TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX mod_log_community ON mod_log (community_id, created_at);
