-- The index's own vocabulary, for "Vouliez-vous dire …?" (crate::search::vocab):
-- folded words with a display form and how many index entries use them, and
-- their padded trigrams for finding the closest known word to a typo. Filled
-- from search_docs past a watermark (settings 'search.vocab_upto') by the
-- maintenance job; suggestions are offered only if they find something the
-- viewer may see.
CREATE TABLE search_words (
    word TEXT PRIMARY KEY,
    display TEXT NOT NULL,
    docs BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE search_word_trigrams (
    trigram TEXT NOT NULL,
    word TEXT NOT NULL,
    PRIMARY KEY (trigram, word)
);
