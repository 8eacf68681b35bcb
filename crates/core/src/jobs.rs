//! A small job queue in the database, shared by every node: e-mail now,
//! federation delivery and feed polling later. At-least-once, with retries,
//! exponential backoff and optional de-duplication keys.
//!
//! Claiming is one atomic `UPDATE … RETURNING`; on PostgreSQL the candidate
//! row is picked with `FOR UPDATE SKIP LOCKED` so nodes never wait on each other.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::Row;
use tokio::sync::Notify;

use crate::db::{Backend, Db, now};
use crate::mail::{MailError, Mailer, OutgoingMail};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Job {
    Mail {
        to: String,
        subject: String,
        text: String,
        html: Option<String>,
        lang: String,
        /// More headers (list and threading headers of notifications).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        headers: Vec<(String, String)>,
    },
    Maintenance,
    /// One issue of a newsletter to one subscriber, with the list's header
    /// fields: `List-Id` (RFC 2919) and the one-click unsubscribe of
    /// RFC 8058 (`List-Unsubscribe` + `List-Unsubscribe-Post`).
    ListMail {
        to: String,
        subject: String,
        text: String,
        html: Option<String>,
        lang: String,
        list_id: String,
        unsubscribe: String,
    },
    /// Build and queue the digests of these people (`notifications::digest`).
    Digest {
        period: String,
        user_ids: Vec<i64>,
        at: i64,
        base_url: String,
        instance: String,
    },
    /// Tell a tool that a session it signed in through has ended
    /// (OpenID Connect Back-Channel Logout; see `crate::oidc::backchannel`).
    BackchannelLogout {
        issuer: String,
        client_id: String,
        sid: String,
        sub: String,
    },
    /// Deliver a signed ActivityPub activity to a remote inbox
    /// (`crate::federation::delivery`): `signer` names the key
    /// (`keys::Owner`), `key_id` the actor's key URL.
    Deliver {
        inbox: String,
        activity: String,
        signer: String,
        key_id: String,
    },
    /// Build a "download my data" archive (`crate::data_rights`).
    DataExport {
        export_id: i64,
        base_url: String,
        instance: String,
        /// The instance's data directory: library and community files are
        /// copied into the archive from its blob store.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        files_dir: Option<String>,
    },
    /// Fetch a community's subscribed iCalendar feed and import it
    /// (`crate::events::import::run_feed`).
    EventFeed {
        feed_id: i64,
        base_url: String,
    },
    /// One message about an event to one participant, built when sent
    /// (`crate::events::mail::build`: the policy is asked then).
    EventMail {
        event_id: i64,
        user_id: i64,
        what: String,
        base_url: String,
        instance: String,
    },
    /// Execute the account deletions whose grace period is over
    /// (`crate::data_rights::deletion`), hourly.
    DueDeletions {
        base_url: String,
        instance: String,
    },
    /// Recompute the community health summaries (`crate::health`), hourly.
    CommunityHealth,
    /// One aggregation pass over the news feeds that are due
    /// (`crate::news::aggregate::run_due`).
    FetchFeeds {
        user_agent: String,
    },
    /// One Web Push message to one browser (`notifications::push`).
    Push {
        subscription_id: i64,
        payload: String,
        base_url: String,
    },
    /// Send an issue of a newsletter to its delivery rows
    /// (`crate::newsletter::sender`): resumable, throttled to `per_second`.
    NewsletterSend {
        issue_id: i64,
        list_id: String,
        unsubscribe_base: String,
        per_second: u32,
        renders: Vec<crate::newsletter::sender::Render>,
    },
    /// Start sending a scheduled issue at its time, if it is still
    /// scheduled for `at` (`crate::newsletter::schedule::run_due`).
    NewsletterDue {
        issue_id: i64,
        list: i64,
        at: i64,
        base_url: String,
        instance: String,
        click_count: bool,
        per_second: u32,
    },
    /// Check the cited links that are due and keep their snapshots
    /// (`crate::library::links::check_due`).
    CheckLinks {
        user_agent: String,
    },
}

impl Job {
    fn queue(&self) -> &'static str {
        match self {
            Job::Mail { .. }
            | Job::ListMail { .. }
            | Job::EventMail { .. }
            | Job::NewsletterSend { .. }
            | Job::NewsletterDue { .. } => "mail",
            Job::Maintenance => "maintenance",
            Job::Digest { .. } => "digest",
            Job::BackchannelLogout { .. } => "oidc",
            Job::Deliver { .. } => "federation",
            Job::DataExport { .. } => "data_export",
            Job::EventFeed { .. } => "event_feed",
            Job::Push { .. } => "push",
            Job::FetchFeeds { .. } => "news",
            Job::DueDeletions { .. } => "maintenance",
            Job::CommunityHealth => "maintenance",
            Job::CheckLinks { .. } => "links",
        }
    }
    /// How many attempts before the job fails for good: deliveries to other
    /// servers are retried for about two and a half days (backoff capped at
    /// 6 h; the dead-instance circuit breaker of `federation::instances`
    /// stops them sooner when the instance has stopped answering).
    fn max_attempts(&self) -> i64 {
        match self {
            Job::Deliver { .. } | Job::NewsletterSend { .. } => 20,
            _ => 8,
        }
    }
}

#[derive(Clone, Default)]
pub struct Queue {
    wake: Arc<Notify>,
}

impl Queue {
    /// Add a job; with a `dedupe_key`, a job already waiting under the same key wins.
    pub async fn push(
        &self,
        db: &Db,
        job: &Job,
        dedupe_key: Option<&str>,
    ) -> Result<(), sqlx::Error> {
        let mut conn = db.pool.acquire().await?;
        Self::push_in(&mut conn, job, dedupe_key).await?;
        self.wake.notify_one();
        Ok(())
    }

    /// Add a job inside the caller's transaction (it exists only if the
    /// transaction commits); the worker is woken by the caller's `wake`.
    pub async fn push_in(
        conn: &mut sqlx::AnyConnection,
        job: &Job,
        dedupe_key: Option<&str>,
    ) -> Result<(), sqlx::Error> {
        let payload = serde_json::to_string(job).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        let t = now();
        sqlx::query(
            "INSERT INTO jobs (queue, payload, dedupe_key, run_at, created_at, max_attempts) \
             VALUES ($1, $2, $3, $4, $4, $5) ON CONFLICT (dedupe_key) DO NOTHING",
        )
        .bind(job.queue())
        .bind(payload)
        .bind(dedupe_key)
        .bind(t)
        .bind(job.max_attempts())
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Add a job to run at `run_at` (Unix seconds), inside the caller's
    /// transaction.
    pub async fn push_at(
        conn: &mut sqlx::AnyConnection,
        job: &Job,
        dedupe_key: Option<&str>,
        run_at: i64,
    ) -> Result<(), sqlx::Error> {
        let payload = serde_json::to_string(job).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        sqlx::query(
            "INSERT INTO jobs (queue, payload, dedupe_key, run_at, created_at, max_attempts) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (dedupe_key) DO NOTHING",
        )
        .bind(job.queue())
        .bind(payload)
        .bind(dedupe_key)
        .bind(run_at)
        .bind(now())
        .bind(job.max_attempts())
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Wake the worker (after a transaction that pushed jobs committed).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub async fn pending(db: &Db) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE failed_at IS NULL")
            .fetch_one(&db.pool)
            .await
    }

    pub async fn failed(db: &Db) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE failed_at IS NOT NULL")
            .fetch_one(&db.pool)
            .await
    }

    /// Run jobs until `shutdown` resolves.
    pub async fn run_worker(
        self,
        db: Db,
        mailer: Mailer,
        shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        let mut shutdown = shutdown;
        loop {
            if *shutdown.borrow() {
                return;
            }
            match claim(&db).await {
                Ok(Some(claimed)) => {
                    let result = run(&db, &mailer, claimed.id, &claimed.job).await;
                    if let Err(e) = finish(&db, &claimed, result).await {
                        tracing::warn!(error = %e, "could not record job outcome");
                    }
                    continue;
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "job queue unavailable"),
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// Process every job that is due now (used by tests and the CLI).
    pub async fn drain(&self, db: &Db, mailer: &Mailer) -> anyhow::Result<usize> {
        let mut n = 0;
        while let Some(claimed) = claim(db).await? {
            let result = run(db, mailer, claimed.id, &claimed.job).await;
            finish(db, &claimed, result).await?;
            n += 1;
        }
        Ok(n)
    }
}

struct Claimed {
    id: i64,
    attempts: i64,
    max_attempts: i64,
    job: Job,
}

async fn claim(db: &Db) -> Result<Option<Claimed>, sqlx::Error> {
    let t = now();
    let pick = match db.backend {
        Backend::Postgres => {
            "SELECT id FROM jobs WHERE failed_at IS NULL AND run_at <= $1 \
             AND (locked_until IS NULL OR locked_until < $1) ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED"
        }
        Backend::Sqlite => {
            "SELECT id FROM jobs WHERE failed_at IS NULL AND run_at <= $1 \
             AND (locked_until IS NULL OR locked_until < $1) ORDER BY run_at, id LIMIT 1"
        }
    };
    let sql = format!(
        "UPDATE jobs SET locked_until = $2, attempts = attempts + 1 WHERE id = ({pick}) \
         RETURNING id, attempts, max_attempts, payload"
    );
    let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(t)
        .bind(t + 300)
        .fetch_optional(&db.pool)
        .await?
    else {
        return Ok(None);
    };
    let id: i64 = row.try_get("id")?;
    let payload: String = row.try_get("payload")?;
    match serde_json::from_str::<Job>(&payload) {
        Ok(job) => Ok(Some(Claimed {
            id,
            attempts: row.try_get("attempts")?,
            max_attempts: row.try_get("max_attempts")?,
            job,
        })),
        Err(e) => {
            // A payload this version cannot read: park it, never loop on it.
            sqlx::query("UPDATE jobs SET failed_at = $1, last_error = $2 WHERE id = $3")
                .bind(t)
                .bind(format!("unreadable payload: {e}"))
                .bind(id)
                .execute(&db.pool)
                .await?;
            Ok(None)
        }
    }
}

enum Outcome {
    Done,
    /// Run again at this time, as a fresh start (a long job's next slice).
    Later(i64),
    Retry(String),
    Fail(String),
}

async fn run(db: &Db, mailer: &Mailer, id: i64, job: &Job) -> Outcome {
    match job {
        Job::NewsletterSend {
            issue_id,
            list_id,
            unsubscribe_base,
            per_second,
            renders,
        } => {
            use crate::newsletter::sender::{self, SendRun, Step};
            let s = SendRun {
                job_id: id,
                issue_id: *issue_id,
                list_id_header: list_id,
                unsubscribe_base,
                per_second: *per_second,
                renders,
            };
            match sender::run(db, mailer, &s).await {
                Ok(Step::Done) => Outcome::Done,
                Ok(Step::Again(at)) => Outcome::Later(at),
                Ok(Step::Retry(e)) => Outcome::Retry(e),
                Err(e) => Outcome::Retry(e.to_string()),
            }
        }
        Job::NewsletterDue {
            issue_id,
            list,
            at,
            base_url,
            instance,
            click_count,
            per_second,
        } => {
            let site = crate::newsletter::compose::Site {
                base_url: base_url.clone(),
                instance: instance.clone(),
                click_count: *click_count,
                per_second: *per_second,
            };
            match crate::newsletter::schedule::run_due(db, &site, *list, *issue_id, *at).await {
                Ok(()) => Outcome::Done,
                Err(e) => Outcome::Retry(e.to_string()),
            }
        }
        Job::Mail {
            to,
            subject,
            text,
            html,
            lang,
            headers,
        } => {
            let mail = OutgoingMail {
                attachments: Vec::new(),
                to: to.clone(),
                subject: subject.clone(),
                text: text.clone(),
                html: html.clone(),
                lang: lang.clone(),
                headers: headers.clone(),
            };
            match mailer.send(&mail).await {
                Ok(()) => Outcome::Done,
                Err(MailError::InvalidAddress(a)) => Outcome::Fail(format!("invalid address {a}")),
                Err(e) => Outcome::Retry(e.to_string()),
            }
        }
        Job::ListMail {
            to,
            subject,
            text,
            html,
            lang,
            list_id,
            unsubscribe,
        } => {
            let mail = OutgoingMail {
                attachments: Vec::new(),
                to: to.clone(),
                subject: subject.clone(),
                text: text.clone(),
                html: html.clone(),
                lang: lang.clone(),
                headers: vec![
                    ("List-Id".into(), list_id.clone()),
                    ("List-Unsubscribe".into(), format!("<{unsubscribe}>")),
                    (
                        "List-Unsubscribe-Post".into(),
                        "List-Unsubscribe=One-Click".into(),
                    ),
                ],
            };
            match mailer.send(&mail).await {
                Ok(()) => Outcome::Done,
                Err(MailError::InvalidAddress(a)) => Outcome::Fail(format!("invalid address {a}")),
                Err(e) => Outcome::Retry(e.to_string()),
            }
        }
        Job::Digest {
            period,
            user_ids,
            at,
            base_url,
            instance,
        } => {
            let env = crate::notifications::email::Env::new(base_url, instance);
            match crate::notifications::digest::run_batch(db, &env, period, user_ids, *at).await {
                Ok(()) => Outcome::Done,
                Err(e) => Outcome::Retry(e.to_string()),
            }
        }
        Job::Push {
            subscription_id,
            payload,
            base_url,
        } => {
            use crate::notifications::push::{self, Delivery};
            match push::deliver(db, *subscription_id, payload, base_url).await {
                Delivery::Done | Delivery::Pruned => Outcome::Done,
                Delivery::Retry(e) => Outcome::Retry(e),
                Delivery::Fail(e) => Outcome::Fail(e),
            }
        }
        Job::BackchannelLogout {
            issuer,
            client_id,
            sid,
            sub,
        } => match crate::oidc::backchannel::deliver(db, issuer, client_id, sid, sub).await {
            Ok(()) => Outcome::Done,
            Err(crate::oidc::backchannel::DeliveryError::Retry(e)) => Outcome::Retry(e),
            Err(crate::oidc::backchannel::DeliveryError::Fail(e)) => Outcome::Fail(e),
        },
        Job::Deliver {
            inbox,
            activity,
            signer,
            key_id,
        } => {
            match crate::federation::delivery::deliver(db, inbox, activity, signer, key_id).await {
                Ok(()) => Outcome::Done,
                Err(crate::federation::delivery::DeliveryError::Retry(e)) => Outcome::Retry(e),
                Err(crate::federation::delivery::DeliveryError::Fail(e)) => Outcome::Fail(e),
            }
        }
        Job::DataExport {
            export_id,
            base_url,
            instance,
            files_dir,
        } => match crate::data_rights::ops::run_job(
            db,
            *export_id,
            base_url,
            instance,
            files_dir.as_deref(),
        )
        .await
        {
            Ok(()) => Outcome::Done,
            Err(e) => Outcome::Fail(e),
        },
        Job::EventMail {
            event_id,
            user_id,
            what,
            base_url,
            instance,
        } => {
            match crate::events::mail::build(db, *event_id, *user_id, what, base_url, instance)
                .await
            {
                Ok(None) => Outcome::Done,
                Ok(Some(mail)) => match mailer.send(&mail).await {
                    Ok(()) => Outcome::Done,
                    Err(MailError::InvalidAddress(a)) => {
                        Outcome::Fail(format!("invalid address {a}"))
                    }
                    Err(e) => Outcome::Retry(e.to_string()),
                },
                Err(e) => Outcome::Retry(e.to_string()),
            }
        }
        Job::EventFeed { feed_id, base_url } => {
            match crate::events::import::run_feed(db, *feed_id, base_url).await {
                Ok(()) => Outcome::Done,
                Err(e) => Outcome::Retry(e.to_string()),
            }
        }
        Job::DueDeletions { base_url, instance } => {
            match crate::data_rights::deletion::run_due(
                db,
                &Queue::default(),
                base_url,
                instance,
                now(),
            )
            .await
            {
                Ok(_) => Outcome::Done,
                Err(e) => Outcome::Retry(format!("{e:#}")),
            }
        }
        Job::CommunityHealth => match crate::health::compute(db, now()).await {
            Ok(_) => Outcome::Done,
            Err(e) => Outcome::Retry(e.to_string()),
        },
        Job::CheckLinks { user_agent } => {
            let fetcher = crate::library::links::fetcher(user_agent);
            match crate::library::links::check_due(db, fetcher, Duration::from_secs(10), now())
                .await
            {
                Ok(r) => {
                    tracing::info!(
                        checked = r.checked,
                        alive = r.alive,
                        dead = r.dead,
                        failed = r.failed,
                        "cited links checked"
                    );
                    Outcome::Done
                }
                Err(e) => Outcome::Retry(e.to_string()),
            }
        }
        Job::FetchFeeds { user_agent } => {
            match crate::news::aggregate::run_due(db, user_agent).await {
                Ok(r) => {
                    tracing::info!(
                        feeds = r.feeds,
                        not_modified = r.not_modified,
                        failed = r.failed,
                        added = r.added,
                        "news feeds fetched"
                    );
                    Outcome::Done
                }
                Err(e) => Outcome::Retry(e.to_string()),
            }
        }
        Job::Maintenance => {
            let t = now();
            let r = async {
                crate::ratelimit::purge(db).await?;
                crate::accounts::signin::purge_devices(db).await?;
                sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
                    .bind(t)
                    .execute(&db.pool)
                    .await?;
                sqlx::query("DELETE FROM user_tokens WHERE expires_at < $1")
                    .bind(t - 86400)
                    .execute(&db.pool)
                    .await?;
                sqlx::query("DELETE FROM jobs WHERE failed_at < $1")
                    .bind(t - 30 * 86400)
                    .execute(&db.pool)
                    .await?;
                crate::oidc::flow::purge(db).await?;
                crate::search::vocab::refresh(db).await?;
                crate::search::trim_recent(db, crate::search::RECENT_TIER).await?;
                crate::data_rights::purge(db).await?;
                // SQLite never gathers planner statistics by itself: refresh
                // those that drifted (bounded work: `analysis_limit` is set
                // on every connection), so listings keep their
                // indexed plans as the instance grows. PostgreSQL's
                // autovacuum does this on its own.
                if db.backend == crate::db::Backend::Sqlite {
                    sqlx::query("PRAGMA optimize").execute(&db.pool).await?;
                }
                Ok::<_, sqlx::Error>(())
            }
            .await;
            // OpenID Connect signing keys: publish the next one ahead, retire, expire.
            if let Err(e) = crate::oidc::keys::maintain(db, t).await {
                tracing::warn!(error = %format!("{e:#}"), "OpenID Connect key rotation failed");
            }
            match r {
                Ok(()) => Outcome::Done,
                Err(e) => Outcome::Retry(e.to_string()),
            }
        }
    }
}

async fn finish(db: &Db, c: &Claimed, outcome: Outcome) -> Result<(), sqlx::Error> {
    match outcome {
        Outcome::Done => {
            sqlx::query("DELETE FROM jobs WHERE id = $1")
                .bind(c.id)
                .execute(&db.pool)
                .await?;
        }
        Outcome::Later(at) => {
            sqlx::query(
                "UPDATE jobs SET run_at = $1, locked_until = NULL, attempts = 0, last_error = '' WHERE id = $2",
            )
            .bind(at)
            .bind(c.id)
            .execute(&db.pool)
            .await?;
        }
        Outcome::Retry(err) if c.attempts < c.max_attempts => {
            let delay = backoff_secs(c.attempts);
            tracing::warn!(job = c.id, attempt = c.attempts, delay, error = %err, "job failed, will retry");
            sqlx::query(
                "UPDATE jobs SET run_at = $1, locked_until = NULL, last_error = $2 WHERE id = $3",
            )
            .bind(now() + delay)
            .bind(err)
            .bind(c.id)
            .execute(&db.pool)
            .await?;
        }
        Outcome::Retry(err) | Outcome::Fail(err) => {
            tracing::error!(job = c.id, error = %err, "job failed for good");
            sqlx::query("UPDATE jobs SET failed_at = $1, locked_until = NULL, last_error = $2 WHERE id = $3")
                .bind(now())
                .bind(err)
                .bind(c.id)
                .execute(&db.pool)
                .await?;
        }
    }
    Ok(())
}

/// 10 s, 20 s, 40 s … capped at 6 h.
pub fn backoff_secs(attempt: i64) -> i64 {
    let exp = attempt.clamp(1, 20) - 1;
    (10i64 << exp).min(6 * 3600)
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(super::backoff_secs(1), 10);
        assert_eq!(super::backoff_secs(2), 20);
        assert_eq!(super::backoff_secs(50), 6 * 3600);
    }
}
