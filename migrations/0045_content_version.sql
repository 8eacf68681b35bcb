-- Territory pages (issue 14) are served to anonymous visitors from an
-- in-process cache validated by one number: `content_version.v`, bumped in
-- the same transaction as any change to what those pages show (the tables
-- below, and people's names). A page cached under an older number is
-- recomputed (src/web/territories.rs, crates/core/src/cache.rs).
CREATE TABLE content_version (
    id BIGINT PRIMARY KEY,
    v BIGINT NOT NULL
);
INSERT INTO content_version (id, v) VALUES (1, 0);

--@sqlite
-- SQLite has one writer at a time: a row trigger's update costs a page
-- already dirty in the writing transaction.
CREATE TRIGGER cv_communities_insert AFTER INSERT ON communities BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_communities_update AFTER UPDATE ON communities BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_communities_delete AFTER DELETE ON communities BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_community_territories_insert AFTER INSERT ON community_territories BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_community_territories_update AFTER UPDATE ON community_territories BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_community_territories_delete AFTER DELETE ON community_territories BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_events_insert AFTER INSERT ON events BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_events_update AFTER UPDATE ON events BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_events_delete AFTER DELETE ON events BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_event_communities_insert AFTER INSERT ON event_communities BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_event_communities_update AFTER UPDATE ON event_communities BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_event_communities_delete AFTER DELETE ON event_communities BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_event_occurrences_insert AFTER INSERT ON event_occurrences BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_event_occurrences_update AFTER UPDATE ON event_occurrences BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_event_occurrences_delete AFTER DELETE ON event_occurrences BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_initiatives_insert AFTER INSERT ON initiatives BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_initiatives_update AFTER UPDATE ON initiatives BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_initiatives_delete AFTER DELETE ON initiatives BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_news_items_insert AFTER INSERT ON news_items BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_news_items_update AFTER UPDATE ON news_items BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_news_items_delete AFTER DELETE ON news_items BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_organisations_insert AFTER INSERT ON organisations BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_organisations_update AFTER UPDATE ON organisations BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_organisations_delete AFTER DELETE ON organisations BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_organisation_sectors_insert AFTER INSERT ON organisation_sectors BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_organisation_sectors_update AFTER UPDATE ON organisation_sectors BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_organisation_sectors_delete AFTER DELETE ON organisation_sectors BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_organisation_territories_insert AFTER INSERT ON organisation_territories BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_organisation_territories_update AFTER UPDATE ON organisation_territories BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_organisation_territories_delete AFTER DELETE ON organisation_territories BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_publications_insert AFTER INSERT ON publications BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_publications_update AFTER UPDATE ON publications BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_publications_delete AFTER DELETE ON publications BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_publication_communities_insert AFTER INSERT ON publication_communities BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_publication_communities_update AFTER UPDATE ON publication_communities BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_publication_communities_delete AFTER DELETE ON publication_communities BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_publication_tags_insert AFTER INSERT ON publication_tags BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_publication_tags_update AFTER UPDATE ON publication_tags BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_publication_tags_delete AFTER DELETE ON publication_tags BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_publication_territory_rollup_insert AFTER INSERT ON publication_territory_rollup BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_publication_territory_rollup_update AFTER UPDATE ON publication_territory_rollup BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_publication_territory_rollup_delete AFTER DELETE ON publication_territory_rollup BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_tags_insert AFTER INSERT ON tags BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_tags_update AFTER UPDATE ON tags BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_tags_delete AFTER DELETE ON tags BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_link_previews_insert AFTER INSERT ON link_previews BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_link_previews_update AFTER UPDATE ON link_previews BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_link_previews_delete AFTER DELETE ON link_previews BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_territories_insert AFTER INSERT ON territories BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_territories_update AFTER UPDATE ON territories BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_territories_delete AFTER DELETE ON territories BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_territory_closure_insert AFTER INSERT ON territory_closure BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_territory_closure_update AFTER UPDATE ON territory_closure BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_territory_closure_delete AFTER DELETE ON territory_closure BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_users_update AFTER UPDATE OF username, display_name ON users BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_users_delete AFTER DELETE ON users BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
--@end

--@postgres
-- Deferred to commit, once per transaction (a transaction-local flag): the
-- row lock on content_version is taken only as a writer commits, so it
-- neither blocks other writers for a long transaction's length nor takes
-- part in a deadlock, and a reader never sees a number whose data is not
-- yet visible.
CREATE FUNCTION bump_content_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('passerelles.cv_bumped', true) IS DISTINCT FROM 'y' THEN
        UPDATE content_version SET v = v + 1 WHERE id = 1;
        PERFORM set_config('passerelles.cv_bumped', 'y', true);
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER cv_communities AFTER INSERT OR UPDATE OR DELETE ON communities DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_content_version();
CREATE CONSTRAINT TRIGGER cv_community_territories AFTER INSERT OR UPDATE OR DELETE ON community_territories DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_content_version();
CREATE CONSTRAINT TRIGGER cv_events AFTER INSERT OR UPDATE OR DELETE ON events DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_content_version();
CREATE CONSTRAINT TRIGGER cv_event_communities AFTER INSERT OR UPDATE OR DELETE ON event_communities DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_content_version();
CREATE CONSTRAINT TRIGGER cv_event_occurrences AFTER INSERT OR UPDATE OR DELETE ON event_occurrences DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_content_version();
CREATE CONSTRAINT TRIGGER cv_initiatives AFTER INSERT OR UPDATE OR DELETE ON initiatives DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_content_version();
CREATE CONSTRAINT TRIGGER cv_news_items AFTER INSERT OR UPDATE OR DELETE ON news_items DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_content_version();
CREATE CONSTRAINT TRIGGER cv_organisations AFTER INSERT OR UPDATE OR DELETE ON organisations DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_content_version();
CREATE CONSTRAINT TRIGGER cv_organisation_sectors AFTER INSERT OR UPDATE OR DELETE ON organisation_sectors DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_content_version();
CREATE CONSTRAINT TRIGGER cv_organisation_territories AFTER INSERT OR UPDATE OR DELETE ON organisation_territories DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_content_version();
CREATE CONSTRAINT TRIGGER cv_publications AFTER INSERT OR UPDATE OR DELETE ON publications DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_content_version();
CREATE CONSTRAINT TRIGGER cv_publication_communities AFTER INSERT OR UPDATE OR DELETE ON publication_communities DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_content_version();
CREATE CONSTRAINT TRIGGER cv_publication_tags AFTER INSERT OR UPDATE OR DELETE ON publication_tags DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_content_version();
CREATE CONSTRAINT TRIGGER cv_publication_territory_rollup AFTER INSERT OR UPDATE OR DELETE ON publication_territory_rollup DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_content_version();
CREATE CONSTRAINT TRIGGER cv_tags AFTER INSERT OR UPDATE OR DELETE ON tags DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_content_version();
CREATE CONSTRAINT TRIGGER cv_link_previews AFTER INSERT OR UPDATE OR DELETE ON link_previews DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_content_version();
CREATE CONSTRAINT TRIGGER cv_territories AFTER INSERT OR UPDATE OR DELETE ON territories DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_content_version();
CREATE CONSTRAINT TRIGGER cv_territory_closure AFTER INSERT OR UPDATE OR DELETE ON territory_closure DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_content_version();
CREATE CONSTRAINT TRIGGER cv_users AFTER UPDATE OF username, display_name OR DELETE ON users DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_content_version();
--@end
