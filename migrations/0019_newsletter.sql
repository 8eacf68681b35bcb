-- Curated newsletters (issue 17, C10). Portable SQL.

-- A list: of the instance (community_id NULL) or of a community. `secret`
-- signs its unsubscribe links (HMAC-SHA256), so a link works without a
-- stored token and cannot be forged for another subscriber.
CREATE TABLE newsletter_lists (
    id {{PK}},
    community_id BIGINT REFERENCES communities (id) ON DELETE CASCADE,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    rhythm TEXT NOT NULL DEFAULT '',
    -- One category per line, in the order issues show them.
    categories TEXT NOT NULL DEFAULT '',
    secret TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE newsletter_editors (
    list_id BIGINT NOT NULL REFERENCES newsletter_lists (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (list_id, user_id)
);

-- Subscribers: members (user_id) or an address alone. status 'pending'
-- (double opt-in: waiting for the confirmation link), 'active',
-- 'unsubscribed'. Consent as Québec's Law 25 asks: when, from where
-- (source: 'form', 'member', 'import-confirmed', 'import-attested'), and
-- the exact wording the person agreed to.
CREATE TABLE newsletter_subscribers (
    id {{PK}},
    list_id BIGINT NOT NULL REFERENCES newsletter_lists (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    lang TEXT NOT NULL,
    confirm_hash TEXT,
    confirm_expires_at BIGINT,
    consent_at BIGINT,
    consent_source TEXT NOT NULL DEFAULT '',
    consent_wording TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    unsubscribed_at BIGINT,
    UNIQUE (list_id, email)
);
CREATE INDEX newsletter_subscribers_confirm ON newsletter_subscribers (confirm_hash);

-- Issues: 'draft' then 'sent' (the switch and the deliveries are one
-- transaction, so an issue is sent once).
CREATE TABLE newsletter_issues (
    id {{PK}},
    list_id BIGINT NOT NULL REFERENCES newsletter_lists (id) ON DELETE CASCADE,
    subject TEXT NOT NULL,
    intro TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    recipients BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX newsletter_issues_list ON newsletter_issues (list_id, sent_at);

CREATE TABLE newsletter_items (
    id {{PK}},
    issue_id BIGINT NOT NULL REFERENCES newsletter_issues (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    category TEXT NOT NULL DEFAULT '',
    publication_id BIGINT REFERENCES publications (id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    blurb TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL
);
CREATE INDEX newsletter_items_issue ON newsletter_items (issue_id, position);

-- One row per (issue, subscriber) that was queued: the primary key is what
-- makes a second send of the same issue to the same person impossible.
CREATE TABLE newsletter_deliveries (
    issue_id BIGINT NOT NULL REFERENCES newsletter_issues (id) ON DELETE CASCADE,
    subscriber_id BIGINT NOT NULL REFERENCES newsletter_subscribers (id) ON DELETE CASCADE,
    queued_at BIGINT NOT NULL,
    PRIMARY KEY (issue_id, subscriber_id)
);
