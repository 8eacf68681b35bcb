-- Resumable newsletter sending (issue 17): each delivery row carries its
-- own state, so a send interrupted by a crash resumes where it stopped and
-- never sends anyone twice (`crate::newsletter::sender`).
--
-- state: 'job' (queued as a per-message mail job, before this migration),
-- 'queued' (waiting; `retry_at` after a transient failure), 'sending'
-- (claimed under `claim` until `lease_until`: the envelope may be under way,
-- the message's final dot is not sent — safe to send again), 'handed'
-- (marked just before the final dot: never sent again, counted as sent
-- if the sender died before the server's answer), 'sent' (the server
-- accepted it), 'failed' (refused for good; `error` has the SMTP reply),
-- 'skipped' (unsubscribed before its turn).
ALTER TABLE newsletter_deliveries ADD COLUMN state TEXT NOT NULL DEFAULT 'job';
ALTER TABLE newsletter_deliveries ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE newsletter_deliveries ADD COLUMN retry_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE newsletter_deliveries ADD COLUMN claim TEXT;
ALTER TABLE newsletter_deliveries ADD COLUMN lease_until BIGINT;
ALTER TABLE newsletter_deliveries ADD COLUMN done_at BIGINT;
ALTER TABLE newsletter_deliveries ADD COLUMN error TEXT NOT NULL DEFAULT '';
CREATE INDEX newsletter_deliveries_state ON newsletter_deliveries (issue_id, state, retry_at);
