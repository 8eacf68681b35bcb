//! Operations on accounts: the state changes an administrator (a person on
//! the pages or the API, a moderator's instance-wide action, or the instance
//! itself on the command line) makes to someone's account. Each one asks
//! the policy through the actor, writes in one transaction, records the
//! audit entry, queues what follows (back-channel logouts), and returns a
//! domain error the entry point renders.

use sqlx::{Any, Transaction};

use super::{Status, User};
use crate::actor::Actor;
use crate::db::now;
use crate::error::{AppError, AppResult};
use crate::policy::Action;
use crate::state::AppState;

/// Longest suspension reason.
pub const REASON_MAX: usize = 500;

/// Active local administrators.
pub async fn active_admins(state: &AppState) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE is_admin = 1 AND status = 'active' AND domain IS NULL",
    )
    .fetch_one(&state.db.pool)
    .await
}

/// Refusals shared by every change that takes powers away from a person:
/// not oneself (the policy's `ManageUser`), never the last active
/// administrator (the instance would have nobody to run it).
async fn check_manage(
    state: &AppState,
    actor: &Actor,
    target: &User,
    removes_admin: bool,
) -> AppResult<()> {
    if removes_admin
        && target.is_admin
        && target.status == Status::Active
        && active_admins(state).await? <= 1
    {
        return Err(AppError::Conflict {
            code: "last_admin",
            message_key: "admin-user-last-admin",
        });
    }
    if !actor.may(Action::ManageUser { target }) {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

/// A reason is required and bounded.
pub fn check_reason(reason: &str, max: usize) -> AppResult<&str> {
    let reason = reason.trim();
    let key = if reason.is_empty() {
        "admin-suspend-reason-required"
    } else if reason.chars().count() > max {
        "field-too-long"
    } else {
        return Ok(reason);
    };
    Err(AppError::Invalid {
        fields: vec![("reason".into(), key.into())],
    })
}

/// Suspend an account: it stops acting at once, everywhere. Its browser
/// sessions end (tools that signed in through them get a back-channel
/// logout), its API tokens are revoked, the audit log says who and why.
/// Used by the administration pages, instance-wide moderation (pages and
/// API) and `passerelles admin suspend`.
pub async fn suspend(
    state: &AppState,
    actor: &Actor,
    target: &User,
    reason: &str,
) -> AppResult<()> {
    may_suspend(state, actor, target).await?;
    let reason = check_reason(reason, REASON_MAX)?;
    queue_logouts(state, target.id).await?;
    let mut tx = state.db.begin().await?;
    suspend_rows(&mut tx, actor, target.id, reason).await?;
    tx.commit().await?;
    Ok(())
}

/// The refusals of every suspension: not oneself, nobody the actor may not
/// manage, never the last active administrator. Asked by `suspend` and by
/// instance-wide moderation before its transaction.
pub async fn may_suspend(state: &AppState, actor: &Actor, target: &User) -> AppResult<()> {
    check_manage(state, actor, target, true).await
}

/// Logout tokens for the sessions of `user_id` about to end (read before
/// they go): each tool they signed in to with a back-channel logout URI
/// gets one, through the job queue. Called before a suspension's
/// transaction (`suspend`, instance-wide moderation).
pub async fn queue_logouts(state: &AppState, user_id: i64) -> Result<(), sqlx::Error> {
    crate::oidc::backchannel::user_sessions_ending(
        &state.db,
        &state.jobs,
        &state.config.public_url(),
        user_id,
        None,
        None,
    )
    .await
}

/// The rows of a suspension, in the caller's transaction: status and
/// reason, sessions, API tokens, audit entry. The caller has asked the
/// policy and queued the back-channel logouts (`suspend` does both).
pub async fn suspend_rows(
    tx: &mut Transaction<'static, Any>,
    actor: &Actor,
    user_id: i64,
    reason: &str,
) -> Result<(), sqlx::Error> {
    let t = now();
    let reason = super::truncate(reason, 1000);
    sqlx::query("UPDATE users SET status = 'suspended', status_reason = $1 WHERE id = $2")
        .bind(&reason)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
        .bind(t)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    audit_in(tx, actor, "user_suspended", Some(user_id), &reason).await
}

/// Lift a suspension (nothing to do when the account is not suspended).
pub async fn unsuspend(state: &AppState, actor: &Actor, target: &User) -> AppResult<()> {
    check_manage(state, actor, target, false).await?;
    if target.status != Status::Suspended {
        return Ok(());
    }
    let mut tx = state.db.begin().await?;
    let done = sqlx::query(
        "UPDATE users SET status = 'active', status_reason = '' WHERE id = $1 AND status = 'suspended'",
    )
    .bind(target.id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() > 0 {
        audit_in(&mut tx, actor, "user_unsuspended", Some(target.id), "").await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Make an active local account an instance administrator (nothing to do
/// when it is one already). Refused for oneself (`Forbidden`) and for an
/// account that is not active or not local (`Conflict { code:
/// "not_active" }`). Used by the administration page and `passerelles
/// admin promote`.
pub async fn promote(state: &AppState, actor: &Actor, target: &User) -> AppResult<()> {
    check_manage(state, actor, target, false).await?;
    if target.status != Status::Active || target.domain.is_some() {
        return Err(AppError::Conflict {
            code: "not_active",
            message_key: "admin-user-promote-inactive",
        });
    }
    if target.is_admin {
        return Ok(());
    }
    let mut tx = state.db.begin().await?;
    let done = sqlx::query("UPDATE users SET is_admin = 1 WHERE id = $1 AND is_admin = 0")
        .bind(target.id)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() > 0 {
        audit_in(&mut tx, actor, "user_promoted", Some(target.id), "").await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Take an administrator's powers away (nothing to do when the account is
/// not one). Refused for oneself (`Forbidden`) and for the last active
/// administrator (`Conflict { code: "last_admin" }`). Used by the
/// administration page and `passerelles admin demote`.
pub async fn demote(state: &AppState, actor: &Actor, target: &User) -> AppResult<()> {
    check_manage(state, actor, target, true).await?;
    if !target.is_admin {
        return Ok(());
    }
    let mut tx = state.db.begin().await?;
    let done = sqlx::query("UPDATE users SET is_admin = 0 WHERE id = $1 AND is_admin = 1")
        .bind(target.id)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() > 0 {
        audit_in(&mut tx, actor, "user_demoted", Some(target.id), "").await?;
    }
    tx.commit().await?;
    Ok(())
}

/// An audit entry in the caller's transaction. The instance acting (no
/// account) is written with no actor id and its entry point in the detail.
pub async fn audit_in(
    tx: &mut Transaction<'static, Any>,
    actor: &Actor,
    action: &str,
    target: Option<i64>,
    detail: &str,
) -> Result<(), sqlx::Error> {
    let detail = match actor {
        Actor::Person(_) | Actor::Remote(_) => detail.to_string(),
        Actor::System { .. } if detail.is_empty() => actor.label(),
        Actor::System { .. } => format!("{} ({})", detail, actor.label()),
    };
    sqlx::query(
        "INSERT INTO audit_log (actor_id, action, target_user_id, detail, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(actor.audit_id())
    .bind(action)
    .bind(target)
    .bind(super::truncate(&detail, 1000))
    .bind(now())
    .execute(&mut **tx)
    .await?;
    Ok(())
}
