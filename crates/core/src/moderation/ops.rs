//! The operations of moderation: filing a report and acting on content or
//! people (which also dismisses a report). Each takes the acting party,
//! asks the policy itself, writes in one transaction (the state change,
//! the moderation log, the reports it closes, the author's notification)
//! and returns a typed outcome or a domain error (`AppError`). Called by the
//! pages (`web::moderation`) and the API (`api::moderation`) alike.

use super::queues::{target_condition, target_id};
use super::{
    Act, COMMENT_MAX, Category, REASON_MAX, REPORTS_PER_ACCOUNT, ReportRefusal, Reportable, Scope,
    Target, publication, reply, report, reportable,
};
use crate::accounts;
use crate::actor::Actor;
use crate::communities::{self, Community};
use crate::db::now;
use crate::error::{AppError, AppResult};
use crate::policy::{Action, ContentStatus, MemberState, Role};
use crate::state::AppState;

fn invalid(field: &str, key: &str) -> AppError {
    AppError::Invalid {
        fields: vec![(field.into(), key.into())],
    }
}

// ---- reports -------------------------------------------------------------------------------

/// A report filed.
#[derive(Debug, Clone)]
pub struct Filed {
    /// One report per community that reviews it, or one for the instance.
    pub report_ids: Vec<i64>,
    /// What was reported and where it went.
    pub reportable: Reportable,
}

/// File a report about `target`. The reporter is a person who may see it
/// (else `NotFound`); not themselves (`Invalid` on `username`); the comment
/// at most `COMMENT_MAX` characters (`Invalid` on `comment`); within the
/// hourly limit (`TooManyRequests`); one open report per target and
/// reporter (`Conflict { code: "already_reported" }`).
pub async fn file_report(
    state: &AppState,
    actor: &Actor,
    target: Target,
    category: Category,
    comment: &str,
) -> AppResult<Filed> {
    // Reports are a person's: the instance has its own queue to act from.
    let Some(reporter) = actor.user() else {
        return Err(AppError::Forbidden);
    };
    if comment.trim().chars().count() > COMMENT_MAX {
        return Err(invalid("comment", "field-too-long"));
    }
    let r = match reportable(&state.db, reporter, target).await? {
        Ok(r) => r,
        Err(ReportRefusal::NotFound) => return Err(AppError::NotFound),
        Err(ReportRefusal::OwnAccount) => {
            return Err(invalid("username", "moderation-report-own-account"));
        }
    };
    if let Err(retry_after) = crate::ratelimit::hit(
        &state.db,
        &format!("report:{}", reporter.id),
        REPORTS_PER_ACCOUNT,
    )
    .await?
    {
        return Err(AppError::TooManyRequests { retry_after });
    }
    let mut tx = state.db.begin().await?;
    let sql = format!(
        "SELECT COUNT(*) FROM reports r WHERE r.reporter_id = $1 AND r.status = 'open' AND {}",
        target_condition(r.target, 2)
    );
    let existing: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(reporter.id)
        .bind(target_id(r.target))
        .fetch_one(&mut *tx)
        .await?;
    if existing > 0 {
        return Err(AppError::Conflict {
            code: "already_reported",
            message_key: "moderation-already-reported",
        });
    }
    let comment = accounts::truncate(comment.trim(), COMMENT_MAX);
    let t = now();
    let places: Vec<Option<i64>> = if r.destinations.is_empty() {
        vec![None]
    } else {
        r.destinations.iter().copied().map(Some).collect()
    };
    let mut ids = Vec::with_capacity(places.len());
    for community_id in places {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO reports (reporter_id, target_kind, publication_id, reply_id, user_id, community_id, \
             category, comment, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9) RETURNING id",
        )
        .bind(reporter.id)
        .bind(r.target.kind().as_str())
        .bind(r.publication_id)
        .bind(r.reply_id)
        .bind(r.user_id)
        .bind(community_id)
        .bind(category.as_str())
        .bind(&comment)
        .bind(t)
        .fetch_one(&mut *tx)
        .await?;
        ids.push(id);
    }
    tx.commit().await?;
    Ok(Filed {
        report_ids: ids,
        reportable: r,
    })
}

// ---- actions --------------------------------------------------------------------------------

/// A moderator's request.
#[derive(Debug, Clone)]
pub struct ActRequest {
    pub act: Act,
    /// What to act on; taken from the report when absent.
    pub target: Option<Target>,
    /// The report this action answers, if any (must belong to the scope).
    pub report_id: Option<i64>,
    pub reason: String,
}

/// What was done.
#[derive(Debug, Clone)]
pub struct Done {
    /// The action as written in the moderation log.
    pub logged: &'static str,
    pub target: Target,
    /// The publication concerned, if any (for a link back).
    pub publication_id: Option<i64>,
    /// Open reports resolved or dismissed by this action.
    pub reports_closed: u64,
}

/// Check a reason: trimmed, required for most actions, at most `REASON_MAX`.
pub fn check_reason(act: Act, reason: &str) -> Result<String, &'static str> {
    let r = reason.trim();
    if act.needs_reason() && r.is_empty() {
        Err("moderation-reason-required")
    } else if r.chars().count() > REASON_MAX {
        Err("field-too-long")
    } else {
        Ok(r.to_string())
    }
}

/// Take an action in a scope: the state change, the moderation log, the
/// reports it closes and the author's notification, in one transaction.
/// The actor must moderate the community (`ModerateCommunity`) or, for the
/// instance scope, act for the instance (`ApproveCommunities`);
/// `community` must be the scope's community. A suspension is the one of
/// `accounts::ops` (same refusals, same rows, back-channel logouts queued
/// for the tools the person's sessions signed in to).
///
/// Refusals: `NotFound` (unknown target or report, or not in this
/// community), `Forbidden` (may not moderate here, or not this person),
/// `Invalid` (reason missing or too long on `reason`, action not
/// applicable on `action`), `Conflict` (the last administrator).
pub async fn act(
    state: &AppState,
    actor: &Actor,
    scope: Scope,
    community: Option<&Community>,
    req: &ActRequest,
) -> AppResult<Done> {
    let db = &state.db;
    // Who may act here.
    let my_membership = match (scope, community) {
        (Scope::Community(id), Some(c)) if c.id == id => {
            let m = communities::membership(db, c.id, actor.user()).await?;
            if !actor.may(Action::ModerateCommunity { c: &c.facts(), m }) {
                return Err(AppError::Forbidden);
            }
            m
        }
        (Scope::Instance, _) => {
            if !actor.may(Action::ApproveCommunities) {
                return Err(AppError::Forbidden);
            }
            None
        }
        _ => return Err(AppError::NotFound),
    };
    let not_applicable = || invalid("action", "moderation-act-not-applicable");
    if !req.act.allowed_in(scope) {
        return Err(not_applicable());
    }
    let reason = check_reason(req.act, &req.reason).map_err(|key| invalid("reason", key))?;
    // The report answered, which must be in this queue.
    let report = match req.report_id {
        Some(id) => match report(db, id).await? {
            Some(r) if r.community_id == scope.community_id() || scope == Scope::Instance => {
                Some(r)
            }
            _ => return Err(AppError::NotFound),
        },
        None => None,
    };
    let Some(target) = req.target.or(report.as_ref().map(|r| r.target)) else {
        return Err(AppError::NotFound);
    };
    if req.act == Act::Dismiss && report.is_none() {
        return Err(not_applicable());
    }
    let cid = scope.community_id();
    let slug = community.map(|c| c.slug.clone());

    // Resolve the target, and check it belongs to this community.
    let (pub_facts, reply_facts) = match target {
        Target::Publication(id) => match publication(db, id).await? {
            Some(p) => (Some(p), None),
            None => return Err(AppError::NotFound),
        },
        Target::Reply(id) => match reply(db, id).await? {
            Some(r) => (publication(db, r.publication_id).await?, Some(r)),
            None => return Err(AppError::NotFound),
        },
        Target::User(id) => {
            if accounts::by_id(db, id).await?.is_none() {
                return Err(AppError::NotFound);
            }
            (None, None)
        }
    };
    if let (Some(c), Some(p)) = (cid, &pub_facts) {
        let shared: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM publication_communities WHERE publication_id = $1 AND community_id = $2")
                .bind(p.id)
                .bind(c)
                .fetch_one(&db.pool)
                .await?;
        if shared == 0 {
            return Err(AppError::NotFound);
        }
    }
    if matches!(target, Target::Reply(_)) && pub_facts.is_none() {
        return Err(AppError::NotFound);
    }
    let publication_id = pub_facts.as_ref().map(|p| p.id);
    let author_id = match (&reply_facts, &pub_facts, target) {
        (Some(r), _, _) => r.author_id,
        (None, Some(p), _) => p.author_id,
        (_, _, Target::User(id)) => Some(id),
        _ => None,
    };
    // Read before writing (SQLite: one writer; keep the transaction short).
    let author = match author_id {
        Some(id) if req.act == Act::Suspend => accounts::by_id(db, id).await?,
        _ => None,
    };
    if req.act == Act::Suspend {
        let Some(target_user) = &author else {
            return Err(not_applicable());
        };
        // The refusals of every suspension, then the logout tokens for the
        // sessions about to end (read before they go), as
        // `accounts::ops::suspend` does.
        // (Oneself is `Forbidden` here before being the last administrator.)
        if !actor.may(Action::ManageUser {
            target: target_user,
        }) {
            return Err(AppError::Forbidden);
        }
        accounts::ops::may_suspend(state, actor, target_user).await?;
        accounts::ops::queue_logouts(state, target_user.id).await?;
    }

    // What the fediverse saw of it, read before it is hidden: the groups
    // then announce its removal (`Remove`).
    let federated = match (req.act, target) {
        (Act::Hide | Act::Remove, Target::Publication(id)) => {
            crate::federation::outbox::before_delete(
                state,
                crate::federation::outbox::Object::Publication(id),
            )
            .await
        }
        (Act::Hide | Act::Remove, Target::Reply(rid)) => match publication_id {
            Some(pid) => {
                crate::federation::outbox::before_delete(
                    state,
                    crate::federation::outbox::Object::Reply(pid, rid),
                )
                .await
            }
            None => None,
        },
        _ => None,
    };
    let t = now();
    let mut tx = db.begin().await?;
    let logged: &'static str;
    let mut log_user: Option<i64> = None;
    let mut log_reply: Option<i64> = reply_facts.as_ref().map(|r| r.id);
    let mut notify_user = author_id;
    // Which open reports this closes, beyond the one answered.
    let mut closes: Option<(Target, Option<i64>)> = None;
    match req.act {
        Act::Hide | Act::Remove | Act::Restore => {
            let status = match req.act {
                Act::Hide => ContentStatus::Hidden,
                Act::Remove => ContentStatus::Removed,
                _ => ContentStatus::Visible,
            };
            match (target, &reply_facts, &pub_facts) {
                (Target::Reply(rid), Some(r), _) => {
                    if r.status == ContentStatus::Deleted {
                        return Err(not_applicable());
                    }
                    sqlx::query("UPDATE replies SET status = $1, status_reason = $2 WHERE id = $3 AND status <> 'deleted'")
                        .bind(status.as_str())
                        .bind(&reason)
                        .bind(rid)
                        .execute(&mut *tx)
                        .await?;
                    logged = match req.act {
                        Act::Hide => "hide_reply",
                        Act::Remove => "remove_reply",
                        _ => "restore_reply",
                    };
                    // The reply is the same wherever the publication is read.
                    closes = Some((target, None));
                }
                (Target::Publication(pid), _, Some(p)) => match cid {
                    Some(c) => {
                        sqlx::query(
                            "UPDATE publication_communities SET status = $1, status_reason = $2 \
                             WHERE publication_id = $3 AND community_id = $4",
                        )
                        .bind(status.as_str())
                        .bind(&reason)
                        .bind(pid)
                        .bind(c)
                        .execute(&mut *tx)
                        .await?;
                        logged = match req.act {
                            Act::Hide => "hide_publication",
                            Act::Remove => "remove_publication",
                            _ => "restore_publication",
                        };
                        closes = Some((target, Some(c)));
                    }
                    None => {
                        if req.act == Act::Hide || p.status == ContentStatus::Deleted {
                            return Err(not_applicable());
                        }
                        sqlx::query("UPDATE publications SET status = $1, status_reason = $2 WHERE id = $3 AND status <> 'deleted'")
                            .bind(status.as_str())
                            .bind(&reason)
                            .bind(pid)
                            .execute(&mut *tx)
                            .await?;
                        logged = if req.act == Act::Remove {
                            "remove_everywhere"
                        } else {
                            "restore_everywhere"
                        };
                        closes = Some((target, None));
                    }
                },
                _ => return Err(not_applicable()),
            }
        }
        Act::Lock | Act::Unlock => {
            let Some(pid) = publication_id else {
                return Err(not_applicable());
            };
            sqlx::query("UPDATE publications SET locked = $1 WHERE id = $2")
                .bind(if req.act == Act::Lock { 1_i64 } else { 0_i64 })
                .bind(pid)
                .execute(&mut *tx)
                .await?;
            logged = if req.act == Act::Lock {
                "lock"
            } else {
                "unlock"
            };
            log_reply = None;
            notify_user = pub_facts.as_ref().and_then(|p| p.author_id);
            closes = Some((Target::Publication(pid), cid));
        }
        Act::Ban | Act::Unban => {
            let (Some(c), Some(uid)) = (community, author_id) else {
                return Err(not_applicable());
            };
            if Some(uid) == actor.audit_id() {
                return Err(AppError::Forbidden);
            }
            let row: Option<(String, String)> = sqlx::query_as(
                "SELECT role, state FROM memberships WHERE community_id = $1 AND user_id = $2",
            )
            .bind(c.id)
            .bind(uid)
            .fetch_optional(&mut *tx)
            .await?;
            let theirs = row
                .as_ref()
                .and_then(|(r, s)| Some((Role::parse(r)?, MemberState::parse(s)?)));
            if req.act == Act::Ban {
                // Nobody bans someone of their own rank or above, except administrators.
                let my_rank = my_membership
                    .filter(|m| m.state == MemberState::Active)
                    .map(|m| m.role);
                let their_rank = theirs
                    .filter(|(_, s)| *s == MemberState::Active)
                    .map(|(r, _)| r);
                if let Some(their) = their_rank
                    && their > Role::Member
                    && !actor.user().is_none_or(|u| u.is_admin)
                    && my_rank.is_none_or(|mine| mine <= their)
                {
                    return Err(AppError::Forbidden);
                }
                sqlx::query(
                    "INSERT INTO memberships (community_id, user_id, role, state, message, created_at, updated_at) \
                     VALUES ($1, $2, 'member', 'banned', $3, $4, $4) \
                     ON CONFLICT (community_id, user_id) DO UPDATE SET role = 'member', state = 'banned', \
                     message = excluded.message, updated_at = excluded.updated_at",
                )
                .bind(c.id)
                .bind(uid)
                .bind(&reason)
                .bind(t)
                .execute(&mut *tx)
                .await?;
                logged = "ban";
            } else {
                if !theirs.is_some_and(|(_, s)| s == MemberState::Banned) {
                    return Err(not_applicable());
                }
                // No longer banned: they may join again under the community's rules.
                sqlx::query("DELETE FROM memberships WHERE community_id = $1 AND user_id = $2 AND state = 'banned'")
                    .bind(c.id)
                    .bind(uid)
                    .execute(&mut *tx)
                    .await?;
                logged = "unban";
            }
            sqlx::query(
                "UPDATE communities SET member_count = \
                 (SELECT COUNT(*) FROM memberships WHERE community_id = $1 AND state = 'active') WHERE id = $1",
            )
            .bind(c.id)
            .execute(&mut *tx)
            .await?;
            log_user = Some(uid);
            notify_user = Some(uid);
            closes = Some((Target::User(uid), cid));
        }
        Act::Suspend => {
            let Some(target_user) = &author else {
                return Err(not_applicable());
            };
            let uid = target_user.id;
            // The same rows as every suspension (`accounts::ops::suspend`):
            // status, sessions, tokens, audit.
            accounts::ops::suspend_rows(&mut tx, actor, uid, &reason).await?;
            logged = "suspend";
            log_user = Some(uid);
            log_reply = None;
            notify_user = Some(uid);
            closes = Some((Target::User(uid), None));
        }
        Act::Dismiss => {
            logged = "dismiss";
            // Nobody is told: the author need not learn of a dismissed report.
            notify_user = None;
        }
    }

    // Close the report answered and the related open ones.
    let closing_status = if req.act == Act::Dismiss {
        "dismissed"
    } else {
        "resolved"
    };
    let mut reports_closed = 0;
    if let Some(r) = &report {
        // Every open report on the same target in the same queue goes with it.
        reports_closed += close_reports(
            &mut tx,
            r.target,
            r.community_id,
            true,
            closing_status,
            actor.audit_id(),
            logged,
            t,
        )
        .await?;
        sqlx::query(
            "UPDATE reports SET status = $1, resolved_by = $2, resolution = $3, resolved_at = $4 WHERE id = $5 AND status = 'open'",
        )
        .bind(closing_status)
        .bind(actor.audit_id())
        .bind(logged)
        .bind(t)
        .bind(r.id)
        .execute(&mut *tx)
        .await
        .map(|res| reports_closed += res.rows_affected())?;
    }
    if let Some((tg, c)) = closes {
        reports_closed += close_reports(
            &mut tx,
            tg,
            c,
            c.is_some(),
            closing_status,
            actor.audit_id(),
            logged,
            t,
        )
        .await?;
    }

    sqlx::query(
        "INSERT INTO mod_log (community_id, actor_id, action, publication_id, reply_id, user_id, reason, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(cid)
    .bind(actor.audit_id())
    .bind(logged)
    .bind(publication_id)
    .bind(log_reply)
    .bind(log_user)
    .bind(&reason)
    .bind(t)
    .execute(&mut *tx)
    .await?;

    if let Some(uid) = notify_user.filter(|u| Some(*u) != actor.audit_id()) {
        let data = serde_json::json!({ "action": logged, "reason": reason, "community": slug });
        sqlx::query(
            "INSERT INTO notifications (user_id, kind, actor_id, community_id, publication_id, reply_id, data, created_at) \
             VALUES ($1, 'moderation', $2, $3, $4, $5, $6, $7)",
        )
        .bind(uid)
        .bind(actor.audit_id())
        .bind(cid)
        .bind(publication_id)
        .bind(log_reply)
        .bind(data.to_string())
        .bind(t)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    crate::federation::outbox::removed(state, federated, cid, &reason).await;
    if let (Act::Ban | Act::Unban, Some(c), Some(uid)) = (req.act, community, author_id) {
        // A remote person leaves the followers and is told (`Block`).
        crate::federation::blocks::ban_changed(state, c, uid, req.act == Act::Ban, &reason).await;
    }
    Ok(Done {
        logged,
        target,
        publication_id,
        reports_closed,
    })
}

/// Close the open reports about `target`: in community `c` when `only_c`
/// (NULL = the instance's), else everywhere.
#[allow(clippy::too_many_arguments)]
async fn close_reports(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    target: Target,
    c: Option<i64>,
    only_c: bool,
    status: &str,
    actor_id: Option<i64>,
    resolution: &str,
    t: i64,
) -> Result<u64, sqlx::Error> {
    let place = match (only_c, c) {
        (false, _) => " AND $6 = $6".to_string(),
        (true, Some(_)) => " AND r.community_id = $6".to_string(),
        (true, None) => " AND r.community_id IS NULL AND $6 = $6".to_string(),
    };
    let sql = format!(
        "UPDATE reports SET status = $1, resolved_by = $2, resolution = $3, resolved_at = $4 \
         WHERE id IN (SELECT r.id FROM reports r WHERE r.status = 'open' AND {}{place})",
        target_condition(target, 5)
    );
    let res = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(status)
        .bind(actor_id)
        .bind(resolution)
        .bind(t)
        .bind(target_id(target))
        .bind(c.unwrap_or(0))
        .execute(&mut **tx)
        .await?;
    Ok(res.rows_affected())
}
