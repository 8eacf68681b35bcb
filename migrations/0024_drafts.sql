-- The compose form's draft, one per person (crate::publications::drafts):
-- saved by "Enregistrer le brouillon" or the autosave, cleared on publishing.
CREATE TABLE publication_drafts (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    tags TEXT NOT NULL,
    link_url TEXT NOT NULL,
    -- community ids, comma-separated
    communities TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
