-- Territory pages are now also cached for members, shared by the members
-- who hold the same policy facts (crates/core/src/policy, VIEWER_FACTS_SQL):
-- a change to those facts bumps `content_version` too, so a page computed
-- while a membership changed is never kept (src/web/territories.rs, `cached`).
-- Only the columns the policy reads: a role change or a welcome does not.

--@sqlite
CREATE TRIGGER cv_memberships_insert AFTER INSERT ON memberships BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_memberships_update AFTER UPDATE OF state, community_id, user_id ON memberships BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_memberships_delete AFTER DELETE ON memberships BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_organisation_members_insert AFTER INSERT ON organisation_members BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_organisation_members_update AFTER UPDATE OF state, organisation_id, user_id ON organisation_members BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_organisation_members_delete AFTER DELETE ON organisation_members BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
CREATE TRIGGER cv_users_admin AFTER UPDATE OF is_admin, status ON users BEGIN UPDATE content_version SET v = v + 1 WHERE id = 1; END;
--@end

--@postgres
CREATE CONSTRAINT TRIGGER cv_memberships AFTER INSERT OR UPDATE OF state, community_id, user_id OR DELETE ON memberships DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_content_version();
CREATE CONSTRAINT TRIGGER cv_organisation_members AFTER INSERT OR UPDATE OF state, organisation_id, user_id OR DELETE ON organisation_members DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_content_version();
CREATE CONSTRAINT TRIGGER cv_users_admin AFTER UPDATE OF is_admin, status ON users DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_content_version();
--@end
