-- Private traces (issue 12, items 1–4): what the policy must also cover
-- besides content — activity dates, the link-preview cache, addresses of
-- publications that only their link may open. Portable SQL (see
-- crates/core/src/db.rs); ARCHITECTURE.md, "Private traces".

-- A publication's key: 128 random bits, the part of its link that an
-- unlisted community's readers hold. Without it, `/p/{id}` answers only to
-- those who can find the publication otherwise (open communities, their own
-- memberships), so sequential ids enumerate nothing. Made in Rust for new
-- publications; existing ones get one here.
ALTER TABLE publications ADD COLUMN public_key TEXT NOT NULL DEFAULT '';
--@sqlite
UPDATE publications SET public_key = lower(hex(randomblob(16)));
--@end
--@postgres
UPDATE publications SET public_key = replace(gen_random_uuid()::text, '-', '');
--@end

-- Activity: `last_activity_at` is the date anyone who may see the card is
-- shown (and the directory's order); for a private community it no longer
-- moves with what is posted inside. `inner_activity_at` is the real one,
-- shown to those who may read the community. Existing private communities
-- keep only their creation date in public.
ALTER TABLE communities ADD COLUMN inner_activity_at BIGINT NOT NULL DEFAULT 0;
UPDATE communities SET inner_activity_at = last_activity_at;
UPDATE communities SET last_activity_at = created_at WHERE visibility = 'private';

-- The link-preview cache: a preview is reused only by people who may see
-- a publication that uses it; anyone else gets a fresh fetch in a row of
-- their own. `url_base` is the normalised URL (several rows may share it);
-- `url_key` stays unique (the first row's is the URL itself).
ALTER TABLE link_previews ADD COLUMN url_base TEXT NOT NULL DEFAULT '';
UPDATE link_previews SET url_base = url_key;
CREATE INDEX link_previews_base ON link_previews (url_base);
CREATE INDEX publications_preview ON publications (preview_id) WHERE preview_id IS NOT NULL;
