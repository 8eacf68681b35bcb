-- Local news for territories and organisations (issue 17, C14): the same
-- subscriptions and health as `news_feeds`, owned by a territory or an
-- organisation. Their items are not publications: a territory or an
-- organisation has no members to discuss them and no community through
-- which the policy would read them. Each is kept here, plain text with its
-- origin, and shown on the owner's page (read by whoever reads the page).
CREATE TABLE news_place_feeds (
    id {{PK}},
    territory_id BIGINT REFERENCES territories (id) ON DELETE CASCADE,
    organisation_id BIGINT REFERENCES organisations (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    site_url TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '',
    added_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    etag TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    last_fetch_at BIGINT,
    last_success_at BIGINT,
    last_error TEXT NOT NULL DEFAULT '',
    last_error_detail TEXT NOT NULL DEFAULT '',
    last_error_at BIGINT,
    failures BIGINT NOT NULL DEFAULT 0,
    next_fetch_at BIGINT NOT NULL,
    items_added BIGINT NOT NULL DEFAULT 0,
    items_duplicate BIGINT NOT NULL DEFAULT 0,
    CHECK ((territory_id IS NULL) <> (organisation_id IS NULL))
);
CREATE UNIQUE INDEX news_place_feeds_territory ON news_place_feeds (territory_id, url) WHERE territory_id IS NOT NULL;
CREATE UNIQUE INDEX news_place_feeds_organisation ON news_place_feeds (organisation_id, url) WHERE organisation_id IS NOT NULL;
CREATE INDEX news_place_feeds_due ON news_place_feeds (next_fetch_at);

-- One item taken for one owner, de-duplicated per owner by GUID (else the
-- link) and canonical link; the origin outlives the subscription.
CREATE TABLE news_place_items (
    id {{PK}},
    territory_id BIGINT REFERENCES territories (id) ON DELETE CASCADE,
    organisation_id BIGINT REFERENCES organisations (id) ON DELETE CASCADE,
    feed_id BIGINT REFERENCES news_place_feeds (id) ON DELETE SET NULL,
    guid_key TEXT NOT NULL,
    url_key TEXT NOT NULL,
    url TEXT NOT NULL,
    title TEXT NOT NULL,
    excerpt TEXT NOT NULL DEFAULT '',
    source_name TEXT NOT NULL DEFAULT '',
    source_url TEXT NOT NULL DEFAULT '',
    -- The item's own date (not in the future), else when it was taken.
    published_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    CHECK ((territory_id IS NULL) <> (organisation_id IS NULL))
);
CREATE UNIQUE INDEX news_place_items_territory_guid ON news_place_items (territory_id, guid_key) WHERE territory_id IS NOT NULL;
CREATE UNIQUE INDEX news_place_items_organisation_guid ON news_place_items (organisation_id, guid_key) WHERE organisation_id IS NOT NULL;
CREATE INDEX news_place_items_territory ON news_place_items (territory_id, published_at);
CREATE INDEX news_place_items_organisation ON news_place_items (organisation_id, published_at);

-- Territory pages are cached under `content_version` (migration 0045):
-- their local news section reads these items and the newsletter lists.
--@sqlite
CREATE TRIGGER cv_news_place_items_insert AFTER INSERT ON news_place_items BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_news_place_items_update AFTER UPDATE ON news_place_items BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_news_place_items_delete AFTER DELETE ON news_place_items BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_newsletter_lists_insert AFTER INSERT ON newsletter_lists BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_newsletter_lists_update AFTER UPDATE ON newsletter_lists BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_newsletter_lists_delete AFTER DELETE ON newsletter_lists BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
--@end
--@postgres
CREATE CONSTRAINT TRIGGER cv_news_place_items AFTER INSERT OR UPDATE OR DELETE ON news_place_items DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_content_version();
CREATE CONSTRAINT TRIGGER cv_newsletter_lists AFTER INSERT OR UPDATE OR DELETE ON newsletter_lists DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_content_version();
--@end
