-- Newsletter subscribers imported from a file (issue 17): when the editor
-- attests the people consented before, the record says so, as Québec's
-- Law 25 asks — consent_at (the date given), consent_source
-- ('import-attested'), consent_wording (what they agreed to), plus how it
-- was obtained in the editor's words (consent_note) and who attested it
-- (consent_by). Imported addresses without an attestation are 'pending'
-- and get the double opt-in e-mail (consent_source 'import-confirmed').
ALTER TABLE newsletter_subscribers ADD COLUMN consent_note TEXT NOT NULL DEFAULT '';
ALTER TABLE newsletter_subscribers ADD COLUMN consent_by BIGINT REFERENCES users (id) ON DELETE SET NULL;

-- Items members propose for a list's next issue; editors see them in the
-- "suggested since the last issue" list and pick them or not.
CREATE TABLE newsletter_proposals (
    id {{PK}},
    list_id BIGINT NOT NULL REFERENCES newsletter_lists (id) ON DELETE CASCADE,
    publication_id BIGINT NOT NULL REFERENCES publications (id) ON DELETE CASCADE,
    proposed_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    note TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    UNIQUE (list_id, publication_id)
);
CREATE INDEX newsletter_proposals_list ON newsletter_proposals (list_id, created_at);
