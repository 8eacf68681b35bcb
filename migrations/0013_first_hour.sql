-- Issue 13, a newcomer's first hour.
--
-- 1. Unread tracking per person: when someone last opened a publication.
--    A publication is new to a member when its last activity is later than
--    both their joining of the community and their last reading of it.
CREATE TABLE publication_reads (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    publication_id BIGINT NOT NULL REFERENCES publications (id) ON DELETE CASCADE,
    seen_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, publication_id)
);
CREATE INDEX publication_reads_publication ON publication_reads (publication_id);

-- 2. Tag keys fold case and accents ("Bénévolat", "benevolat" and
--    "bénévolat" are one tag, /tags?q=éco finds "economie-sociale"). The key
--    of every existing tag is folded here (the same table as
--    publications::fold_tag_key for the letters of French and its
--    neighbours; no engine-specific unaccent), duplicates are merged into the
--    oldest tag, which keeps its label (the first spelling).
CREATE TABLE tag_folds (
    id BIGINT NOT NULL PRIMARY KEY,
    fold TEXT NOT NULL
);
INSERT INTO tag_folds (id, fold) SELECT id, LOWER(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(name, 'à', 'a'), 'â', 'a'), 'ä', 'a'), 'á', 'a'), 'ç', 'c'), 'é', 'e'), 'è', 'e'), 'ê', 'e'), 'ë', 'e'), 'î', 'i'), 'ï', 'i'), 'í', 'i'), 'ô', 'o'), 'ö', 'o'), 'ó', 'o'), 'ù', 'u'), 'û', 'u'), 'ü', 'u'), 'ú', 'u'), 'ÿ', 'y'), 'ñ', 'n'), 'œ', 'oe'), 'æ', 'ae'), 'À', 'a'), 'Â', 'a'), 'Ç', 'c'), 'É', 'e'), 'È', 'e'), 'Ê', 'e'), 'Ë', 'e'), 'Î', 'i'), 'Ï', 'i'), 'Ô', 'o'), 'Ù', 'u'), 'Û', 'u'), 'Ü', 'u'), 'Œ', 'oe')) FROM tags;
CREATE TABLE tag_merge (
    id BIGINT NOT NULL PRIMARY KEY,
    keep_id BIGINT NOT NULL
);
INSERT INTO tag_merge (id, keep_id)
    SELECT f.id, (SELECT MIN(o.id) FROM tag_folds o WHERE o.fold = f.fold) FROM tag_folds f;
-- A publication carrying two spellings keeps one link.
DELETE FROM publication_tags WHERE EXISTS (
    SELECT 1 FROM publication_tags o JOIN tag_merge mo ON mo.id = o.tag_id
    JOIN tag_merge ms ON ms.id = publication_tags.tag_id
    WHERE o.publication_id = publication_tags.publication_id AND mo.keep_id = ms.keep_id
      AND o.tag_id < publication_tags.tag_id);
UPDATE publication_tags SET tag_id = (SELECT keep_id FROM tag_merge WHERE tag_merge.id = publication_tags.tag_id)
    WHERE tag_id IN (SELECT id FROM tag_merge WHERE keep_id <> id);
DELETE FROM tags WHERE id IN (SELECT id FROM tag_merge WHERE keep_id <> id);
UPDATE tags SET name = (SELECT fold FROM tag_folds WHERE tag_folds.id = tags.id);
DROP TABLE tag_merge;
DROP TABLE tag_folds;
