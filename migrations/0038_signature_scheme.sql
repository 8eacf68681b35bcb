-- Which HTTP Signature scheme each instance accepts (issue 18): '' (not
-- known yet: RFC 9421 is tried first, draft-cavage on a 400/401, the
-- "double knock"), 'rfc9421' or 'cavage', and when that was learnt (a
-- peer remembered as cavage-only is knocked at with RFC 9421 again after
-- a while, as Mastodon and others move to it).
ALTER TABLE ap_instances ADD COLUMN sig_scheme TEXT NOT NULL DEFAULT '';
ALTER TABLE ap_instances ADD COLUMN sig_scheme_at BIGINT;
