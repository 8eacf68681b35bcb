-- The events agenda's lists and the public calendar feeds are now kept in
-- the page cache too (src/web/cached.rs): they also read event tags (the
-- tag filter, the feed's CATEGORIES), so a change to them bumps
-- `content_version` like the tables of migration 0045.
--
-- The policy facts of a member (`policy::VIEWER_FACTS_SQL`, read on every
-- cached page a member asks for) looked up events by organiser and
-- initiatives by proposer with no index: a scan of every event and
-- initiative, 29 ms per member page at scale 100 (BENCHMARKS.md).
CREATE INDEX events_organiser ON events (organiser_id);
CREATE INDEX initiatives_proposer ON initiatives (proposed_by);
CREATE INDEX communities_creator ON communities (created_by);

--@sqlite
CREATE TRIGGER cv_event_tags_insert AFTER INSERT ON event_tags BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_event_tags_update AFTER UPDATE ON event_tags BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_event_tags_delete AFTER DELETE ON event_tags BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
--@end

--@postgres
CREATE CONSTRAINT TRIGGER cv_event_tags AFTER INSERT OR UPDATE OR DELETE ON event_tags DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_content_version();
--@end
