-- Scheduled sending (issue 17): an issue may be 'scheduled' for a time
-- (`scheduled_at`, Unix seconds); a job queued to run then starts the
-- send if the issue is still scheduled for that very time (cancelling
-- puts it back to 'draft', rescheduling changes the time, so a stale job
-- does nothing). `schedule_error` keeps why a scheduled send did not
-- start (an item its audience may no longer read), shown to the editors.
ALTER TABLE newsletter_issues ADD COLUMN scheduled_at BIGINT;
ALTER TABLE newsletter_issues ADD COLUMN schedule_error TEXT NOT NULL DEFAULT '';
CREATE INDEX newsletter_issues_scheduled ON newsletter_issues (status, scheduled_at);
