//! Starting a send, now or at a chosen time.
//!
//! `start` is the one place an issue goes out: it asks the policy again
//! about every item (`items::recheck`), switches the issue to "sent",
//! writes one delivery row per subscriber who may read the list (primary
//! key: issue, subscriber) and queues the one send job (de-duplication
//! key), in one transaction: sending again, or twice at once, sends nobody
//! twice. The job (`super::sender`) is resumable after a crash.
//!
//! Scheduling: the issue becomes `scheduled` for a time and a
//! `Job::NewsletterDue` is queued to run then. When it runs it starts the
//! send only if the issue is still scheduled for that very time:
//! cancelling (back to draft) or rescheduling (another time, another job)
//! before then leaves the stale job nothing to do. If an item may no
//! longer go to the list's audience then, the issue goes back to draft and
//! the editors see why (`schedule_error`).

use super::compose::{self, Site};
use super::{Access, List, items};
use crate::accounts::{self, ops::audit_in};
use crate::actor::Actor;
use crate::communities::{self, access::Loaded};
use crate::db::{Db, now};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::jobs::{Job, Queue};
use crate::policy::MemberState;

/// The list as its audience sees it, with no viewer (jobs).
pub async fn audience(db: &Db, list: List) -> AppResult<Access> {
    let community = match list.community_id {
        None => None,
        Some(cid) => {
            let c = communities::by_id(db, cid)
                .await?
                .ok_or(AppError::NotFound)?;
            Some(Loaded::new(c, None))
        }
    };
    Ok(Access {
        list,
        community,
        place: None,
        view: true,
        edit: false,
        manages: false,
    })
}

/// Start sending `issue_id` now. `scheduled_for`: the time a scheduled
/// issue must still be set for (the job's), `None` for an editor's "send
/// now" (which also overrides a schedule). The number of deliveries.
pub async fn start(
    db: &Db,
    site: &Site,
    actor: &Actor,
    a: &Access,
    issue_id: i64,
    scheduled_for: Option<i64>,
) -> AppResult<i64> {
    let is = compose::issue(db, a.list.id, issue_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let its = compose::items(db, issue_id).await?;
    if let Err(title) = items::recheck(db, a, &its).await {
        tracing::info!(issue_id, item = %title, "newsletter item no longer readable by the audience");
        return Err(AppError::Conflict {
            code: "item_no_longer_readable",
            message_key: "newsletter-error-item-gone",
        });
    }
    let t = now();
    let mut tx = db.begin().await?;
    let switched = match scheduled_for {
        None => sqlx::query(
            "UPDATE newsletter_issues SET status = 'sent', sent_at = $3, scheduled_at = NULL, schedule_error = '' \
             WHERE id = $1 AND list_id = $2 AND status IN ('draft', 'scheduled')",
        )
        .bind(issue_id)
        .bind(a.list.id)
        .bind(t)
        .execute(&mut *tx)
        .await?,
        Some(at) => sqlx::query(
            "UPDATE newsletter_issues SET status = 'sent', sent_at = $3, schedule_error = '' \
             WHERE id = $1 AND list_id = $2 AND status = 'scheduled' AND scheduled_at = $4",
        )
        .bind(issue_id)
        .bind(a.list.id)
        .bind(t)
        .bind(at)
        .execute(&mut *tx)
        .await?,
    }
    .rows_affected();
    if switched == 0 {
        return Err(AppError::Conflict {
            code: "issue_sent",
            message_key: "newsletter-error-sent",
        });
    }
    let queued = if a.public_audience() {
        sqlx::query(
            "INSERT INTO newsletter_deliveries (issue_id, subscriber_id, queued_at, state) \
             SELECT $1, id, $2, 'queued' FROM newsletter_subscribers WHERE list_id = $3 AND status = 'active' \
             ON CONFLICT (issue_id, subscriber_id) DO NOTHING",
        )
        .bind(issue_id)
        .bind(t)
        .bind(a.list.id)
        .execute(&mut *tx)
        .await?
        .rows_affected() as i64
    } else {
        // A list read by a community's readers only (private or unlisted):
        // only to the active accounts who may read it now and are not
        // banned from it (a member who left, was banned or suspended since
        // they subscribed gets nothing). Such lists take accounts only.
        let rows: Vec<(i64, Option<i64>)> = sqlx::query_as(
            "SELECT id, user_id FROM newsletter_subscribers WHERE list_id = $1 AND status = 'active' ORDER BY id",
        )
        .bind(a.list.id)
        .fetch_all(&mut *tx)
        .await?;
        let Some(l) = &a.community else {
            return Err(AppError::NotFound);
        };
        let mut n = 0;
        for (sid, uid) in rows {
            let Some(uid) = uid else { continue };
            let Some(u) = accounts::by_id(db, uid).await? else {
                continue;
            };
            let m = communities::membership(db, l.c.id, Some(&u)).await?;
            let banned = m.is_some_and(|m| m.state == MemberState::Banned);
            if u.status != accounts::Status::Active
                || banned
                || !Loaded::new(l.c.clone(), m).view(Some(&u))
            {
                continue;
            }
            n += sqlx::query(
                "INSERT INTO newsletter_deliveries (issue_id, subscriber_id, queued_at, state) \
                 VALUES ($1, $2, $3, 'queued') ON CONFLICT (issue_id, subscriber_id) DO NOTHING",
            )
            .bind(issue_id)
            .bind(sid)
            .bind(t)
            .execute(&mut *tx)
            .await?
            .rows_affected() as i64;
        }
        n
    };
    let host = url::Url::parse(&site.base_url)
        .ok()
        .and_then(|u| u.host_str().map(String::from))
        .unwrap_or_else(|| "localhost".into());
    // One rendering per language; each message differs only by its link.
    let renders = Lang::ALL
        .iter()
        .map(|lang| {
            let r = compose::render(
                site,
                *lang,
                &a.list,
                &is,
                &its,
                Some(super::sender::PLACEHOLDER),
            );
            super::sender::Render {
                lang: lang.code().to_string(),
                subject: r.subject,
                text: r.text,
                html: r.html,
            }
        })
        .collect();
    let job = Job::NewsletterSend {
        issue_id,
        list_id: a.list.list_id_header(&host),
        unsubscribe_base: site.url(&crate::urls::newsletter_unsubscribe("")),
        per_second: site.per_second,
        renders,
    };
    Queue::push_in(&mut tx, &job, Some(&format!("newsletter-send:{issue_id}"))).await?;
    sqlx::query("UPDATE newsletter_issues SET recipients = $2 WHERE id = $1")
        .bind(issue_id)
        .bind(queued)
        .execute(&mut *tx)
        .await?;
    audit_in(
        &mut tx,
        actor,
        "newsletter_sent",
        None,
        &format!("{} #{issue_id}", a.list.slug),
    )
    .await?;
    tx.commit().await?;
    Ok(queued)
}

/// Schedule a draft (or move a scheduled issue) to `at`, which must be in
/// the future. The items are checked now too, so the editor hears of a
/// refusal at once; they are checked again when it goes out.
pub async fn schedule(
    db: &Db,
    site: &Site,
    actor: &Actor,
    a: &Access,
    issue_id: i64,
    at: i64,
) -> AppResult<()> {
    if !a.edit {
        return Err(AppError::Forbidden);
    }
    if at <= now() {
        return Err(AppError::Invalid {
            fields: vec![("at".into(), "newsletter-error-schedule-past".into())],
        });
    }
    let its = compose::items(db, issue_id).await?;
    if items::recheck(db, a, &its).await.is_err() {
        return Err(AppError::Conflict {
            code: "item_no_longer_readable",
            message_key: "newsletter-error-item-gone",
        });
    }
    let mut tx = db.begin().await?;
    let n = sqlx::query(
        "UPDATE newsletter_issues SET status = 'scheduled', scheduled_at = $3, schedule_error = '' \
         WHERE id = $1 AND list_id = $2 AND status IN ('draft', 'scheduled')",
    )
    .bind(issue_id)
    .bind(a.list.id)
    .bind(at)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(AppError::Conflict {
            code: "issue_sent",
            message_key: "newsletter-error-sent",
        });
    }
    let job = Job::NewsletterDue {
        issue_id,
        list: a.list.id,
        at,
        base_url: site.base_url.clone(),
        instance: site.instance.clone(),
        click_count: site.click_count,
        per_second: site.per_second,
    };
    Queue::push_at(
        &mut tx,
        &job,
        Some(&format!("newsletter-due:{issue_id}:{at}")),
        at,
    )
    .await?;
    audit_in(
        &mut tx,
        actor,
        "newsletter_scheduled",
        None,
        &format!("{} #{issue_id} @{at}", a.list.slug),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Cancel a schedule before the send starts: the issue is a draft again.
pub async fn cancel(db: &Db, actor: &Actor, a: &Access, issue_id: i64) -> AppResult<()> {
    if !a.edit {
        return Err(AppError::Forbidden);
    }
    let mut tx = db.begin().await?;
    let n = sqlx::query(
        "UPDATE newsletter_issues SET status = 'draft', scheduled_at = NULL \
         WHERE id = $1 AND list_id = $2 AND status = 'scheduled'",
    )
    .bind(issue_id)
    .bind(a.list.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(AppError::Conflict {
            code: "issue_not_scheduled",
            message_key: "newsletter-error-not-scheduled",
        });
    }
    audit_in(
        &mut tx,
        actor,
        "newsletter_unscheduled",
        None,
        &format!("{} #{issue_id}", a.list.slug),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The job queued by `schedule`, at its time: start the send if the issue
/// is still scheduled for `at`. An item refused by the policy then puts
/// the issue back to draft with the reason; nothing is sent.
pub async fn run_due(db: &Db, site: &Site, list_id: i64, issue_id: i64, at: i64) -> AppResult<()> {
    let Some(list) = super::by_id(db, list_id).await? else {
        return Ok(());
    };
    let a = audience(db, list).await?;
    let actor = Actor::System {
        what: "newsletter-schedule",
    };
    match start(db, site, &actor, &a, issue_id, Some(at)).await {
        Ok(_) => Ok(()),
        // Cancelled, rescheduled or already sent: nothing to do.
        Err(AppError::Conflict {
            code: "issue_sent", ..
        })
        | Err(AppError::NotFound) => Ok(()),
        Err(AppError::Conflict { message_key, .. }) => {
            sqlx::query(
                "UPDATE newsletter_issues SET status = 'draft', scheduled_at = NULL, schedule_error = $3 \
                 WHERE id = $1 AND list_id = $2 AND status = 'scheduled' AND scheduled_at = $4",
            )
            .bind(issue_id)
            .bind(list_id)
            .bind(message_key)
            .bind(at)
            .execute(&db.pool)
            .await?;
            Ok(())
        }
        Err(e) => Err(e),
    }
}
