//! Sending an issue: one job per issue (`Job::NewsletterSend`) works
//! through its delivery rows, throttled, resumable after a crash, and
//! never sends anyone twice.
//!
//! Each delivery row goes through these states (migration 0036):
//!
//! 1. `queued` — waiting (after a transient failure, until `retry_at`);
//! 2. `sending` — claimed in a batch under a random `claim` token until
//!    `lease_until`. The SMTP envelope (MAIL, RCPT, DATA) may be under way,
//!    but the final dot is not sent: a server that loses the connection now
//!    discards the transaction (RFC 5321), so a crash here is harmless and
//!    the row goes back to `queued` once its lease has expired;
//! 3. `handed` — written, fenced by the claim token, just before the
//!    message's content and final dot go out. Never sent again;
//! 4. `sent` (the server answered 250), `failed` (refused for good; `error`
//!    keeps the server's reply), `skipped` (unsubscribed before its turn).
//!
//! The one window left: a crash after `handed` is committed and before the
//! content's last bytes reach the server (one socket write; the body and
//! the dot are written back to back). That message is counted as sent and
//! not sent again: this design prefers, in that microsecond window, losing
//! a message to sending it twice. A crash after the dot and before the
//! server's reply leaves `handed` as well, and the server has the message.
//! The `sent` marks themselves are written per batch; `handed` rows whose
//! lease expired count as sent in the report.
//!
//! The job's own lock is renewed every batch (`LEASE`), so after a crash
//! another node, or the restarted one, takes the send over within
//! `LEASE` seconds. A run lasts at most `SLICE`, then the job is put back
//! at the end of the mail queue, so other mail is never held up for long.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::db::{Backend, Db, now};
use crate::mail::{BulkError, Mailer, OutgoingMail};

/// Seconds a claim (and the job's lock) lasts without being renewed.
pub const LEASE: i64 = 20;
/// Rows claimed at once.
const BATCH: i64 = 25;
/// How long one run of the job lasts before it yields to other mail.
const SLICE: Duration = Duration::from_secs(10);
/// Transient failures of one message before it is given up.
pub const MAX_ATTEMPTS: i64 = 6;

/// The issue as e-mail in one language, with `{{UNSUBSCRIBE}}` where each
/// subscriber's own link goes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Render {
    pub lang: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

pub const PLACEHOLDER: &str = "{{UNSUBSCRIBE}}";

/// What the job does next.
pub enum Step {
    /// Every row is settled.
    Done,
    /// Run again at this time (the slice is over, rows wait for a retry,
    /// or another node holds some).
    Again(i64),
    /// The mail server could not be reached: retry the job with backoff.
    Retry(String),
}

/// Everything a run needs, from the job's payload.
pub struct SendRun<'a> {
    pub job_id: i64,
    pub issue_id: i64,
    pub list_id_header: &'a str,
    /// The unsubscribe address without its token.
    pub unsubscribe_base: &'a str,
    /// Messages per second, 0 for no limit.
    pub per_second: u32,
    pub renders: &'a [Render],
}

fn backoff(attempts: i64) -> i64 {
    (30i64 << (attempts.clamp(1, 8) - 1)).min(3600)
}

/// Rows whose claim expired while `sending` (their sender died before the
/// final dot) go back to the queue.
async fn recover(db: &Db, issue_id: i64, t: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE newsletter_deliveries SET state = 'queued', claim = NULL, lease_until = NULL \
         WHERE issue_id = $1 AND state = 'sending' AND lease_until < $2",
    )
    .bind(issue_id)
    .bind(t)
    .execute(&db.pool)
    .await?
    .rows_affected())
}

async fn claim_batch(db: &Db, issue_id: i64, token: &str, t: i64) -> Result<u64, sqlx::Error> {
    let lock = match db.backend {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE newsletter_deliveries SET state = 'sending', claim = $2, lease_until = $3, attempts = attempts + 1 \
         WHERE issue_id = $1 AND subscriber_id IN (SELECT subscriber_id FROM newsletter_deliveries \
         WHERE issue_id = $1 AND state = 'queued' AND retry_at <= $4 ORDER BY subscriber_id LIMIT {BATCH}{lock})"
    );
    Ok(sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(issue_id)
        .bind(token)
        .bind(t + LEASE)
        .bind(t)
        .execute(&db.pool)
        .await?
        .rows_affected())
}

/// Settle one claimed row (only while the claim is still ours).
async fn settle(
    db: &Db,
    issue_id: i64,
    sid: i64,
    token: &str,
    state: &str,
    retry_at: i64,
    error: &str,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE newsletter_deliveries SET state = $4, retry_at = $5, error = $6, claim = NULL, lease_until = NULL, \
         done_at = CASE WHEN $4 = 'queued' THEN NULL ELSE $7 END \
         WHERE issue_id = $1 AND subscriber_id = $2 AND claim = $3",
    )
    .bind(issue_id)
    .bind(sid)
    .bind(token)
    .bind(state)
    .bind(retry_at)
    .bind(error)
    .bind(now())
    .execute(&db.pool)
    .await?
    .rows_affected())
}

/// A refused or failed message: given up when permanent or after
/// `MAX_ATTEMPTS`, queued again after a backoff otherwise.
async fn failed(
    db: &Db,
    issue_id: i64,
    sid: i64,
    attempts: i64,
    token: &str,
    e: &BulkError,
) -> Result<(), sqlx::Error> {
    let message: String = e.message.chars().take(500).collect();
    if e.permanent || attempts >= MAX_ATTEMPTS {
        settle(db, issue_id, sid, token, "failed", 0, &message).await?;
    } else {
        let at = now() + backoff(attempts);
        settle(db, issue_id, sid, token, "queued", at, &message).await?;
    }
    Ok(())
}

/// Give back whatever is still claimed under `token` (the run stops
/// early), without counting the attempt.
async fn release(db: &Db, issue_id: i64, token: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE newsletter_deliveries SET state = 'queued', claim = NULL, lease_until = NULL, attempts = attempts - 1 \
         WHERE issue_id = $1 AND claim = $2 AND state = 'sending'",
    )
    .bind(issue_id)
    .bind(token)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// One run of an issue's send.
pub async fn run(db: &Db, mailer: &Mailer, s: &SendRun<'_>) -> Result<Step, sqlx::Error> {
    let Some(list_id) =
        sqlx::query_scalar::<_, i64>("SELECT list_id FROM newsletter_issues WHERE id = $1")
            .bind(s.issue_id)
            .fetch_optional(&db.pool)
            .await?
    else {
        return Ok(Step::Done);
    };
    let Some(list) = super::by_id(db, list_id).await? else {
        return Ok(Step::Done);
    };
    let started = Instant::now();
    let interval =
        (s.per_second > 0).then(|| Duration::from_secs_f64(1.0 / f64::from(s.per_second)));
    let mut next_slot = Instant::now();
    let mut bulk = mailer.bulk();
    let outcome = loop {
        if started.elapsed() >= SLICE {
            break None;
        }
        let t = now();
        sqlx::query("UPDATE jobs SET locked_until = $2 WHERE id = $1")
            .bind(s.job_id)
            .bind(t + LEASE)
            .execute(&db.pool)
            .await?;
        recover(db, s.issue_id, t).await?;
        let token = hex::encode(rand::random::<[u8; 16]>());
        if claim_batch(db, s.issue_id, &token, t).await? == 0 {
            break None;
        }
        let rows = sqlx::query(
            "SELECT d.subscriber_id, d.attempts, s.email, s.lang, s.status FROM newsletter_deliveries d \
             JOIN newsletter_subscribers s ON s.id = d.subscriber_id \
             WHERE d.issue_id = $1 AND d.claim = $2 ORDER BY d.subscriber_id",
        )
        .bind(s.issue_id)
        .bind(&token)
        .fetch_all(&db.pool)
        .await?;
        let mut accepted: Vec<i64> = Vec::new();
        let mut unreachable: Option<String> = None;
        for r in &rows {
            let sid: i64 = r.try_get("subscriber_id")?;
            let attempts: i64 = r.try_get("attempts")?;
            let email: String = r.try_get("email")?;
            let lang: String = r.try_get("lang")?;
            let status: String = r.try_get("status")?;
            if status != "active" {
                settle(db, s.issue_id, sid, &token, "skipped", 0, "").await?;
                continue;
            }
            let Some(render) = s
                .renders
                .iter()
                .find(|x| x.lang == lang)
                .or_else(|| s.renders.first())
            else {
                settle(db, s.issue_id, sid, &token, "failed", 0, "no rendering").await?;
                continue;
            };
            if let Some(i) = interval {
                let wait = next_slot.saturating_duration_since(Instant::now());
                if !wait.is_zero() {
                    tokio::time::sleep(wait).await;
                }
                next_slot = next_slot.max(Instant::now()) + i;
            }
            let unsubscribe = format!("{}{}", s.unsubscribe_base, list.unsubscribe_token(sid));
            let mail = OutgoingMail {
                to: email,
                subject: render.subject.clone(),
                text: render.text.replace(PLACEHOLDER, &unsubscribe),
                html: Some(render.html.replace(PLACEHOLDER, &unsubscribe)),
                lang: render.lang.clone(),
                headers: vec![
                    ("List-Id".into(), s.list_id_header.to_string()),
                    ("List-Unsubscribe".into(), format!("<{unsubscribe}>")),
                    (
                        "List-Unsubscribe-Post".into(),
                        "List-Unsubscribe=One-Click".into(),
                    ),
                ],
                attachments: Vec::new(),
            };
            let prepared = match bulk.envelope(&mail).await {
                Ok(p) => p,
                Err(e) if e.connection => {
                    unreachable = Some(e.message);
                    break;
                }
                Err(e) => {
                    failed(db, s.issue_id, sid, attempts, &token, &e).await?;
                    continue;
                }
            };
            // The fence: past this line the message is never sent again.
            let handed = sqlx::query(
                "UPDATE newsletter_deliveries SET state = 'handed', lease_until = $4 \
                 WHERE issue_id = $1 AND subscriber_id = $2 AND claim = $3 AND state = 'sending'",
            )
            .bind(s.issue_id)
            .bind(sid)
            .bind(&token)
            .bind(now() + LEASE)
            .execute(&db.pool)
            .await?
            .rows_affected();
            if handed == 0 {
                // The claim expired and someone else took the row: abandon
                // this transaction (the server discards it).
                bulk.abandon();
                continue;
            }
            match bulk.commit(prepared).await {
                Ok(()) => accepted.push(sid),
                // The server answered the content with a refusal: it did not
                // take the message, so a temporary one may be retried.
                Err(e) if !e.connection => {
                    failed(db, s.issue_id, sid, attempts, &token, &e).await?;
                }
                // No answer: the server may have it. Counted as sent.
                Err(e) => {
                    let note = format!("no reply after the message: {}", e.message);
                    settle(db, s.issue_id, sid, &token, "handed", 0, &note).await?;
                }
            }
        }
        if !accepted.is_empty() {
            let ids: Vec<String> = accepted.iter().map(i64::to_string).collect();
            let sql = format!(
                "UPDATE newsletter_deliveries SET state = 'sent', done_at = $2, claim = NULL, lease_until = NULL \
                 WHERE issue_id = $1 AND state = 'handed' AND subscriber_id IN ({})",
                ids.join(",")
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(s.issue_id)
                .bind(now())
                .execute(&db.pool)
                .await?;
        }
        if let Some(e) = unreachable {
            release(db, s.issue_id, &token).await?;
            break Some(e);
        }
        release(db, s.issue_id, &token).await?;
    };
    bulk.close().await;
    if let Some(e) = outcome {
        return Ok(Step::Retry(e));
    }
    if started.elapsed() >= SLICE {
        return Ok(Step::Again(now()));
    }
    // Nothing claimable now: done, or come back for what still waits.
    let row = sqlx::query(
        "SELECT MIN(CASE WHEN state = 'queued' THEN retry_at ELSE lease_until END) AS at, COUNT(*) AS n \
         FROM newsletter_deliveries WHERE issue_id = $1 AND state IN ('queued', 'sending')",
    )
    .bind(s.issue_id)
    .fetch_one(&db.pool)
    .await?;
    let n: i64 = row.try_get("n")?;
    if n == 0 {
        return Ok(Step::Done);
    }
    let at: Option<i64> = row.try_get("at")?;
    Ok(Step::Again(at.unwrap_or_else(now).max(now()) + 1))
}

/// An issue's delivery report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Accepted by the mail server (and handed over without a reply).
    pub sent: i64,
    /// Waiting or being sent.
    pub pending: i64,
    /// Refused for good, with the server's reply.
    pub failed: Vec<(String, String)>,
    pub failed_count: i64,
    /// Unsubscribed before their turn.
    pub skipped: i64,
    /// Recipients who unsubscribed since the issue went out.
    pub unsubscribed: i64,
}

pub async fn report(db: &Db, issue_id: i64, sent_at: Option<i64>) -> Result<Report, sqlx::Error> {
    let mut r = Report::default();
    let rows = sqlx::query(
        "SELECT state, COUNT(*) AS n FROM newsletter_deliveries WHERE issue_id = $1 GROUP BY state",
    )
    .bind(issue_id)
    .fetch_all(&db.pool)
    .await?;
    for row in rows {
        let n: i64 = row.try_get("n")?;
        match row.try_get::<String, _>("state")?.as_str() {
            "sent" | "handed" | "job" => r.sent += n,
            "queued" | "sending" => r.pending += n,
            "failed" => r.failed_count += n,
            "skipped" => r.skipped += n,
            _ => {}
        }
    }
    r.failed = sqlx::query_as(
        "SELECT s.email, d.error FROM newsletter_deliveries d JOIN newsletter_subscribers s ON s.id = d.subscriber_id \
         WHERE d.issue_id = $1 AND d.state = 'failed' ORDER BY s.email LIMIT 100",
    )
    .bind(issue_id)
    .fetch_all(&db.pool)
    .await?;
    if let Some(at) = sent_at {
        r.unsubscribed = sqlx::query_scalar(
            "SELECT COUNT(*) FROM newsletter_deliveries d JOIN newsletter_subscribers s ON s.id = d.subscriber_id \
             WHERE d.issue_id = $1 AND s.status = 'unsubscribed' AND s.unsubscribed_at >= $2",
        )
        .bind(issue_id)
        .bind(at)
        .fetch_one(&db.pool)
        .await?;
    }
    Ok(r)
}
