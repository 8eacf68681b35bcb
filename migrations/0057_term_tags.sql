-- Tags linked to lexicon terms (issue 19, C9): the lexicon is the shared
-- tag vocabulary. A tag is named by its folded key (`tags.name`, which is
-- also `event_tags.tag_key`); a publication or an event carrying a linked
-- tag is indexed with the term's labels, so a search by a synonym finds it,
-- and the term's page lists it.
CREATE TABLE lexicon_term_tags (
    term_id BIGINT NOT NULL REFERENCES lexicon_terms (id) ON DELETE CASCADE,
    tag_key TEXT NOT NULL,
    added_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (term_id, tag_key)
);
CREATE INDEX lexicon_term_tags_key ON lexicon_term_tags (tag_key);
