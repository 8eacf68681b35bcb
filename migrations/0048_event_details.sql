-- Events (issue 15, C15): a price (free text as the organiser writes it,
-- e.g. « 20 $, gratuit pour les membres »; empty: free), for the agenda's
-- free / paid filter, and optional registration questions (one per line)
-- whose answers are kept with each registration (a JSON array of strings,
-- in the questions' order) and exported in the participants' CSV.
ALTER TABLE events ADD COLUMN price TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN questions TEXT NOT NULL DEFAULT '';
ALTER TABLE event_rsvps ADD COLUMN answers TEXT NOT NULL DEFAULT '';

-- Event tags join the shared tag vocabulary, so that search's tag filter
-- (by tag id, `#t<id>` tokens) finds events too (issue 15).
INSERT INTO tags (name, label)
SELECT tag_key, MIN(label) FROM event_tags
WHERE tag_key NOT IN (SELECT name FROM tags)
GROUP BY tag_key;
