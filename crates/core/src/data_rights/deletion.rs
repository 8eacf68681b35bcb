//! "Delete my account" (issue 20, C24; Québec's Law 25: erasure).
//!
//! Two modes a person can tell apart:
//! - [`Mode::Anonymise`]: contributions stay in their threads, signed
//!   "Ancien membre"; the profile, everything private to the account and
//!   mentions of it in other people's text are removed;
//! - [`Mode::Everything`]: contributions become tombstones in their threads
//!   (as when their author deletes them one by one), attached files and
//!   events the person organised are removed.
//!
//! A request ([`request`], by the person or an administrator with a reason)
//! waits [`GRACE_SECS`] (14 days) in `account_deletions`; meanwhile the
//! account works as before and the person can cancel ([`cancel`]): nothing
//! was changed, so cancelling restores everything. Signing in shows the
//! pending deletion. The hourly job ([`run_due`]) then executes due
//! deletions ([`execute`]): back-channel logout tokens are queued for every
//! tool signed in through the person's sessions, then one transaction
//! tombstones or anonymises, rewrites mentions, deletes the `users` row —
//! the schema's foreign keys cascade (sessions, API tokens, OpenID Connect
//! grants and their tokens, memberships, notifications, media…) or set
//! authors to NULL — purges the search index of the person's entries and
//! vocabulary, scrubs audit details that name the person, and writes one
//! audit entry without personal data (who asked, the mode, an
//! administrator's reason). `tests/it/deletion.rs` enumerates every table
//! of the schema and checks the person's e-mail, username, names and text
//! are gone.

use sqlx::Row;

use crate::accounts::User;
use crate::accounts::ops::audit_in;
use crate::actor::Actor;
use crate::db::{Backend, Db, now};
use crate::error::{AppError, AppResult};
use crate::i18n::{Arg, Lang};
use crate::jobs::{Job, Queue};
use crate::policy::Action;
use crate::search::Source;
use crate::state::AppState;

/// The grace period during which a deletion can be cancelled.
pub const GRACE_SECS: i64 = 14 * 86400;
/// Longest reason an administrator gives.
pub const REASON_MAX: usize = 500;
/// What mentions of a deleted account become in other people's text.
pub const FORMER_MEMBER: &str = "ancien membre";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Anonymise,
    Everything,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Anonymise => "anonymise",
            Mode::Everything => "everything",
        }
    }
    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "anonymise" => Some(Mode::Anonymise),
            "everything" => Some(Mode::Everything),
            _ => None,
        }
    }
}

/// A deletion waiting out its grace period.
#[derive(Debug, Clone)]
pub struct Pending {
    pub user_id: i64,
    pub mode: Mode,
    pub requested_at: i64,
    pub due_at: i64,
    /// An administrator asked (on the person's request), not the person.
    pub by_admin: bool,
    pub reason: String,
}

pub async fn pending(db: &Db, user_id: i64) -> Result<Option<Pending>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT user_id, mode, requested_at, due_at, requested_by, reason FROM account_deletions WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await?;
    row.map(|r| {
        let by: Option<i64> = r.try_get("requested_by")?;
        Ok(Pending {
            user_id: r.try_get("user_id")?,
            mode: Mode::parse(&r.try_get::<String, _>("mode")?).unwrap_or(Mode::Anonymise),
            requested_at: r.try_get("requested_at")?,
            due_at: r.try_get("due_at")?,
            by_admin: by.is_some_and(|b| b != user_id),
            reason: r.try_get("reason")?,
        })
    })
    .transpose()
}

/// Who may ask for (or cancel) the deletion of `target`: the person
/// themselves, or an administrator who may manage them (not oneself, never
/// the last active administrator), who must give a reason.
async fn check(
    state: &AppState,
    actor: &Actor,
    target: &User,
    reason: &str,
    asking: bool,
) -> AppResult<String> {
    if target.domain.is_some() {
        return Err(AppError::NotFound);
    }
    let own = actor.user().is_some_and(|u| u.id == target.id);
    if own {
        if !actor.may(Action::EditAccount { target }) {
            return Err(AppError::Forbidden);
        }
        if asking && target.is_admin && crate::accounts::ops::active_admins(state).await? <= 1 {
            return Err(AppError::Conflict {
                code: "last_admin",
                message_key: "admin-user-last-admin",
            });
        }
        return Ok(String::new());
    }
    crate::accounts::ops::may_suspend(state, actor, target).await?;
    if !asking {
        return Ok(String::new());
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::Invalid {
            fields: vec![("reason".into(), "account-delete-reason-required".into())],
        });
    }
    if reason.chars().count() > REASON_MAX {
        return Err(AppError::Invalid {
            fields: vec![("reason".into(), "field-too-long".into())],
        });
    }
    Ok(reason.to_string())
}

/// Ask for the deletion of `target`'s account in `mode`, due in 14 days.
/// A deletion already pending is `Conflict { code: "deletion_pending" }`.
/// The person receives an e-mail saying when, and how to cancel.
pub async fn request(
    state: &AppState,
    actor: &Actor,
    target: &User,
    mode: Mode,
    reason: &str,
) -> AppResult<Pending> {
    let reason = check(state, actor, target, reason, true).await?;
    let t = now();
    let mut tx = state.db.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO account_deletions (user_id, mode, requested_by, reason, requested_at, due_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id) DO NOTHING",
    )
    .bind(target.id)
    .bind(mode.as_str())
    .bind(actor.audit_id())
    .bind(&reason)
    .bind(t)
    .bind(t + GRACE_SECS)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Err(AppError::Conflict {
            code: "deletion_pending",
            message_key: "account-delete-already-pending",
        });
    }
    let detail = if reason.is_empty() {
        format!("mode={}", mode.as_str())
    } else {
        format!("mode={}; reason: {reason}", mode.as_str())
    };
    audit_in(
        &mut tx,
        actor,
        "account_deletion_requested",
        Some(target.id),
        &detail,
    )
    .await?;
    if let Some(to) = target.email.clone().filter(|e| !e.is_empty()) {
        let lang = target.lang();
        let c = crate::emails::compose(
            lang,
            "account-deletion-scheduled",
            &[
                ("name", Arg::Str(target.username.clone())),
                (
                    "date",
                    Arg::Str(crate::i18n::format_datetime(lang, t + GRACE_SECS)),
                ),
                (
                    "link",
                    Arg::Str(format!("{}/settings/delete", state.config.public_url())),
                ),
                ("instance", Arg::Str(state.instance_name())),
            ],
        );
        Queue::push_in(&mut tx, &mail(to, c, lang), None).await?;
    }
    tx.commit().await?;
    state.jobs.wake();
    Ok(pending(&state.db, target.id)
        .await?
        .ok_or(AppError::NotFound)?)
}

fn mail(to: String, c: crate::emails::Composed, lang: Lang) -> Job {
    Job::Mail {
        to,
        subject: c.subject,
        text: c.text,
        html: Some(c.html),
        lang: lang.code().to_string(),
        headers: Vec::new(),
    }
}

/// Cancel a pending deletion (the person, or an administrator). Nothing
/// had been changed, so the account is whole again. `false`: none pending.
pub async fn cancel(state: &AppState, actor: &Actor, target: &User) -> AppResult<bool> {
    check(state, actor, target, "", false).await?;
    let mut tx = state.db.begin().await?;
    let done = sqlx::query("DELETE FROM account_deletions WHERE user_id = $1")
        .bind(target.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if done > 0 {
        audit_in(
            &mut tx,
            actor,
            "account_deletion_cancelled",
            Some(target.id),
            "",
        )
        .await?;
    }
    tx.commit().await?;
    Ok(done > 0)
}

/// Execute the deletions due at `at` (the hourly job; tests pass a later
/// time). Returns how many accounts were deleted.
pub async fn run_due(
    db: &Db,
    jobs: &Queue,
    issuer: &str,
    instance: &str,
    at: i64,
) -> anyhow::Result<usize> {
    let due: Vec<(i64, String)> = sqlx::query_as(
        "SELECT user_id, mode FROM account_deletions WHERE due_at <= $1 ORDER BY due_at LIMIT 100",
    )
    .bind(at)
    .fetch_all(&db.pool)
    .await?;
    let mut n = 0;
    for (user_id, mode) in due {
        let mode = Mode::parse(&mode).unwrap_or(Mode::Anonymise);
        execute(db, jobs, issuer, instance, user_id, mode).await?;
        n += 1;
    }
    Ok(n)
}

/// Replace `@name` mentions (ASCII case-insensitive, whole names only).
pub fn strip_mentions(text: &str, username: &str) -> String {
    let needle = format!("@{}", username.to_ascii_lowercase());
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(pos) = lower[i..].find(&needle) {
        let start = i + pos;
        let end = start + needle.len();
        let continues = lower[end..]
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '.');
        out.push_str(&text[i..start]);
        if continues {
            out.push_str(&text[start..end]);
        } else {
            out.push_str(FORMER_MEMBER);
        }
        i = end;
    }
    out.push_str(&text[i..]);
    out
}

/// Execute one deletion now (whatever its due date).
pub async fn execute(
    db: &Db,
    jobs: &Queue,
    issuer: &str,
    instance: &str,
    user_id: i64,
    mode: Mode,
) -> anyhow::Result<()> {
    let Some(user) = crate::accounts::by_id(db, user_id).await? else {
        return Ok(());
    };
    let requested: Option<(Option<i64>, String)> =
        sqlx::query_as("SELECT requested_by, reason FROM account_deletions WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&db.pool)
            .await?;
    // Tools signed in through the person's sessions hear of their end
    // (Back-Channel Logout), before the sessions go.
    crate::oidc::backchannel::user_sessions_ending(db, jobs, issuer, user_id, None, None).await?;
    // The instances that hold copies hear of it (an ActivityPub `Delete`
    // of the person, `removeData` when everything goes), read now, queued
    // once the account is gone.
    let federated =
        crate::federation::outbox::account_deleting(db, issuer, &user, mode == Mode::Everything)
            .await?;
    // Seen by the fediverse: the actor URL answers 410 Gone afterwards.
    let gone = crate::federation::person_federated(db, &user).await?;
    let mut tx = db.begin().await?;
    let t = now();
    let mut pubs: Vec<i64> = sqlx::query_scalar("SELECT id FROM publications WHERE author_id = $1")
        .bind(user_id)
        .fetch_all(&mut *tx)
        .await?;
    let mut replies: Vec<i64> = sqlx::query_scalar("SELECT id FROM replies WHERE author_id = $1")
        .bind(user_id)
        .fetch_all(&mut *tx)
        .await?;
    if mode == Mode::Everything {
        let mine = "SELECT id FROM publications WHERE author_id = $1";
        for sql in [
            format!(
                "DELETE FROM media WHERE id IN (SELECT thumbnail_media_id FROM attachments \
                 WHERE (publication_id IN ({mine}) OR uploader_id = $1) AND thumbnail_media_id IS NOT NULL)"
            ),
            format!("DELETE FROM attachments WHERE publication_id IN ({mine}) OR uploader_id = $1"),
            format!("DELETE FROM publication_revisions WHERE publication_id IN ({mine})"),
            format!("DELETE FROM publication_tags WHERE publication_id IN ({mine})"),
            format!("DELETE FROM notifications WHERE publication_id IN ({mine})"),
            "DELETE FROM reply_revisions WHERE reply_id IN (SELECT id FROM replies WHERE author_id = $1)"
                .to_string(),
            "DELETE FROM notifications WHERE reply_id IN (SELECT id FROM replies WHERE author_id = $1)"
                .to_string(),
            "UPDATE publications SET accepted_reply_id = NULL \
             WHERE accepted_reply_id IN (SELECT id FROM replies WHERE author_id = $1)"
                .to_string(),
            "UPDATE reports SET comment = '' WHERE reporter_id = $1".to_string(),
            // Their events' images (migration 0061), then the events.
            "DELETE FROM media WHERE id IN (SELECT image_id FROM events WHERE organiser_id = $1) \
             OR id IN (SELECT image_small_id FROM events WHERE organiser_id = $1)"
                .to_string(),
            "DELETE FROM events WHERE organiser_id = $1".to_string(),
        ] {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "UPDATE publications SET status = 'deleted', title = '', body = '', body_html = '', \
             link_url = NULL, link_key = NULL, updated_at = $1 WHERE author_id = $2",
        )
        .bind(t)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE replies SET status = 'deleted', body = '', body_html = '', updated_at = $1 \
             WHERE author_id = $2",
        )
        .bind(t)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        // Reply counts of the threads the person answered in.
        sqlx::query(
            "UPDATE publications SET reply_count = (SELECT COUNT(*) FROM replies r \
             WHERE r.publication_id = publications.id AND r.status = 'visible') \
             WHERE id IN (SELECT publication_id FROM replies WHERE author_id = $1)",
        )
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    }
    // Mentions of the person in anyone's text (their own included).
    let (mp, mr, events) = rewrite_mentions(&mut tx, &user.username).await?;
    pubs.extend(mp);
    replies.extend(mr);
    // The vocabulary of "Vouliez-vous dire": the index entries that leave
    // (the person's, and every contribution when deleting everything) stop
    // counting for their words.
    let leaving: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT id, title, body FROM search_docs WHERE (source = 'm' AND ref_id = $1) \
         OR ($2 = 1 AND user_id = $1)",
    )
    .bind(user_id)
    .bind(i64::from(mode == Mode::Everything))
    .fetch_all(&mut *tx)
    .await?;
    crate::search::vocab::forget(&mut tx, &leaving).await?;
    if mode == Mode::Everything {
        // Others' replies under the person's publications carry the
        // publication's title in their entries: their title words leave
        // with it, and they are re-read below.
        let under: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT id, title, '' FROM search_docs WHERE source = 'r' AND (user_id IS NULL OR user_id <> $1) \
             AND publication_id IN (SELECT id FROM publications WHERE author_id = $1)",
        )
        .bind(user_id)
        .fetch_all(&mut *tx)
        .await?;
        crate::search::vocab::forget(&mut tx, &under).await?;
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT r.id FROM replies r JOIN publications p ON p.id = r.publication_id WHERE p.author_id = $1",
        )
        .bind(user_id)
        .fetch_all(&mut *tx)
        .await?;
        replies.extend(ids);
    }
    scrub_traces(&mut tx, &user).await?;
    let by_admin = requested
        .as_ref()
        .and_then(|r| r.0)
        .filter(|b| *b != user_id);
    let reason = requested.map(|r| r.1).unwrap_or_default();
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    // The search index, in the same transaction: the person's entry, and
    // every contribution re-read (tombstones leave, anonymised ones lose
    // their author).
    pubs.sort_unstable();
    pubs.dedup();
    replies.sort_unstable();
    replies.dedup();
    crate::search::index_one(&mut tx, db.backend, Source::Members, user_id).await?;
    for id in &pubs {
        crate::search::index_one(&mut tx, db.backend, Source::Publications, *id).await?;
    }
    for id in &replies {
        crate::search::index_one(&mut tx, db.backend, Source::Replies, *id).await?;
    }
    for id in &events {
        crate::search::index_one(&mut tx, db.backend, Source::Events, *id).await?;
    }
    purge_vocabulary(&mut tx, &user).await?;
    // The audit entry: no personal data — the mode, who asked (an
    // administrator's id, or the person: no id), the administrator's reason.
    let detail = match by_admin {
        Some(admin) if !reason.is_empty() => format!(
            "mode={}; requested by administrator #{admin}; reason: {reason}",
            mode.as_str()
        ),
        Some(admin) => format!(
            "mode={}; requested by administrator #{admin}",
            mode.as_str()
        ),
        None => format!("mode={}; requested by the person", mode.as_str()),
    };
    audit_in(
        &mut tx,
        &Actor::System {
            what: "account-deletion",
        },
        "account_deleted",
        None,
        &detail,
    )
    .await?;
    // A last e-mail to the address that is now gone from the database: it
    // lives in the job queue until sent.
    if let Some(to) = user.email.clone().filter(|e| !e.is_empty()) {
        let lang = user.lang();
        let c = crate::emails::compose(
            lang,
            "account-deleted",
            &[
                ("name", Arg::Str(user.username.clone())),
                ("instance", Arg::Str(instance.to_string())),
            ],
        );
        Queue::push_in(&mut tx, &mail(to, c, lang), None).await?;
    }
    tx.commit().await?;
    if gone {
        crate::federation::actor_gone(db, &user.username).await?;
    }
    if let Some(d) = federated {
        crate::federation::outbox::account_deleted(db, jobs, d).await?;
    }
    jobs.wake();
    // FTS5 keeps deleted terms in its segments until they merge: merge now,
    // so the person's words leave the index's pages too.
    if db.backend == Backend::Sqlite {
        crate::search::optimize(db).await?;
    }
    Ok(())
}

/// Rewrite `@username` in every publication, reply, event description,
/// wiki page and earlier version that mentions it; returns the
/// publications, replies and events changed (to re-index).
async fn rewrite_mentions(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    username: &str,
) -> Result<(Vec<i64>, Vec<i64>, Vec<i64>), sqlx::Error> {
    let like = format!("%@{}%", username.to_lowercase());
    let rows: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, title, body FROM publications WHERE LOWER(body) LIKE $1 OR LOWER(title) LIKE $1")
            .bind(&like)
            .fetch_all(&mut **tx)
            .await?;
    let mut pubs = Vec::new();
    for (id, title, body) in rows {
        let body = strip_mentions(&body, username);
        let html = crate::markdown::render(&body).html;
        sqlx::query("UPDATE publications SET title = $1, body = $2, body_html = $3 WHERE id = $4")
            .bind(strip_mentions(&title, username))
            .bind(&body)
            .bind(html)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        pubs.push(id);
    }
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, body FROM replies WHERE LOWER(body) LIKE $1")
            .bind(&like)
            .fetch_all(&mut **tx)
            .await?;
    let mut replies = Vec::new();
    for (id, body) in rows {
        let body = strip_mentions(&body, username);
        let html = crate::markdown::render(&body).html;
        sqlx::query("UPDATE replies SET body = $1, body_html = $2 WHERE id = $3")
            .bind(&body)
            .bind(html)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        replies.push(id);
    }
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, description FROM events WHERE LOWER(description) LIKE $1")
            .bind(&like)
            .fetch_all(&mut **tx)
            .await?;
    let mut events = Vec::new();
    for (id, description) in rows {
        let description = strip_mentions(&description, username);
        let html = crate::markdown::render(&description).html;
        sqlx::query("UPDATE events SET description = $1, description_html = $2 WHERE id = $3")
            .bind(&description)
            .bind(html)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        events.push(id);
    }
    // Texts kept as Markdown only (wiki pages are rendered when shown).
    for (table, cols) in [
        ("publication_revisions", &["title", "body"][..]),
        ("reply_revisions", &["body"][..]),
        ("wiki_pages", &["title", "body"][..]),
        ("wiki_revisions", &["title", "body", "note"][..]),
    ] {
        let cond = cols
            .iter()
            .map(|c| format!("LOWER({c}) LIKE $1"))
            .collect::<Vec<_>>()
            .join(" OR ");
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT id, {} FROM {table} WHERE {cond}",
            cols.join(", ")
        )))
        .bind(&like)
        .fetch_all(&mut **tx)
        .await?;
        for r in rows {
            let id: i64 = r.try_get("id")?;
            for c in cols {
                let v: String = r.try_get(*c)?;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE {table} SET {c} = $1 WHERE id = $2"
                )))
                .bind(strip_mentions(&v, username))
                .bind(id)
                .execute(&mut **tx)
                .await?;
            }
        }
    }
    Ok((pubs, replies, events))
}

/// Rows that would still name the person once the account row is gone:
/// audit details, organisation change labels, newsletter subscriptions and
/// invitations by address, rate-limit keys, queued jobs for the address,
/// pending export archives (cascade), reading traces (cascade).
async fn scrub_traces(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    user: &User,
) -> Result<(), sqlx::Error> {
    let email = user.email.clone().unwrap_or_default().to_lowercase();
    let mut needles = vec![format!("%{}%", user.username.to_lowercase())];
    if !email.is_empty() {
        needles.push(format!("%{email}%"));
    }
    let name = user.display_name.trim().to_lowercase();
    if name.chars().count() >= 3 {
        needles.push(format!("%{name}%"));
    }
    for needle in &needles {
        for sql in [
            "UPDATE audit_log SET detail = '' WHERE LOWER(detail) LIKE $1",
            "UPDATE organisation_changes SET actor_label = '' WHERE LOWER(actor_label) LIKE $1",
            "UPDATE organisation_changes SET detail = '' WHERE LOWER(detail) LIKE $1",
            "UPDATE mod_log SET reason = '' WHERE LOWER(reason) LIKE $1",
            "DELETE FROM rate_limits WHERE LOWER(key) LIKE $1",
            "DELETE FROM jobs WHERE LOWER(payload) LIKE $1 AND failed_at IS NOT NULL",
            "DELETE FROM jobs WHERE LOWER(payload) LIKE $1 AND queue = 'mail'",
        ] {
            sqlx::query(sql).bind(needle).execute(&mut **tx).await?;
        }
    }
    for sql in [
        "UPDATE organisation_changes SET actor_label = '' WHERE actor_id = $1",
        "UPDATE events SET contact = '' WHERE organiser_id = $1",
    ] {
        sqlx::query(sql).bind(user.id).execute(&mut **tx).await?;
    }
    if !email.is_empty() {
        for sql in [
            "DELETE FROM newsletter_subscribers WHERE LOWER(email) = $1",
            "UPDATE invitations SET email = '' WHERE LOWER(email) = $1",
            "UPDATE community_invites SET email = '' WHERE LOWER(email) = $1",
            "UPDATE organisations SET email = '' WHERE LOWER(email) = $1",
        ] {
            sqlx::query(sql).bind(&email).execute(&mut **tx).await?;
        }
    }
    Ok(())
}

/// The vocabulary of "Vouliez-vous dire" holds words read from the index:
/// those of the person's username and names leave it (a word also used
/// elsewhere comes back with the next text that uses it).
async fn purge_vocabulary(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    user: &User,
) -> Result<(), sqlx::Error> {
    let text = format!("{} {}", user.username, user.display_name);
    let mut words: Vec<String> = crate::search::analyze::words(&text)
        .into_iter()
        .map(|w| w.folded)
        .collect();
    words.push(user.username.to_lowercase());
    words.sort();
    words.dedup();
    for w in words {
        sqlx::query("DELETE FROM search_word_trigrams WHERE word = $1")
            .bind(&w)
            .execute(&mut **tx)
            .await?;
        sqlx::query("DELETE FROM search_words WHERE word = $1")
            .bind(&w)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
