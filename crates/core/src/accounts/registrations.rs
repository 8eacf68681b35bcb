//! Registrations waiting for an administrator (registration mode
//! "approval"): approve or refuse them. Operations used by the
//! administration pages; the person is told by e-mail.

use super::{Status, User};
use crate::actor::Actor;
use crate::emails;
use crate::error::{AppError, AppResult};
use crate::i18n::Arg;
use crate::policy::Action;
use crate::state::AppState;

/// Longest refusal reason kept.
pub const REASON_MAX: usize = 500;

/// What became of a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decided {
    Done,
    /// No longer waiting: another administrator decided first.
    Gone,
}

/// Approve a waiting registration: the account becomes active, the person
/// is told, the audit log records it. Only one administrator's click counts
/// when two approve at once.
pub async fn approve(state: &AppState, actor: &Actor, target: &User) -> AppResult<Decided> {
    if !actor.may(Action::ManageUser { target }) {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.db.begin().await?;
    let done =
        sqlx::query("UPDATE users SET status = 'active' WHERE id = $1 AND status = 'pending'")
            .bind(target.id)
            .execute(&mut *tx)
            .await?;
    if done.rows_affected() == 0 {
        return Ok(Decided::Gone);
    }
    super::ops::audit_in(&mut tx, actor, "registration_approved", Some(target.id), "").await?;
    tx.commit().await?;
    if let Some(email) = &target.email {
        emails::send(
            state,
            email,
            target.lang(),
            "approved",
            &[
                ("name", Arg::from(target.shown_name())),
                ("link", Arg::from(state.url("/login"))),
            ],
        )
        .await?;
    }
    Ok(Decided::Done)
}

/// Refuse a waiting registration: the account is deleted (the audit entry
/// keeps its name and the reason) and the person is told, with the reason.
pub async fn refuse(
    state: &AppState,
    actor: &Actor,
    target: &User,
    reason: &str,
) -> AppResult<Decided> {
    if !actor.may(Action::ManageUser { target }) {
        return Err(AppError::Forbidden);
    }
    if target.status != Status::Pending {
        return Ok(Decided::Gone);
    }
    let reason = super::truncate(reason.trim(), REASON_MAX);
    let mut tx = state.db.begin().await?;
    let done = sqlx::query("DELETE FROM users WHERE id = $1 AND status = 'pending'")
        .bind(target.id)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Ok(Decided::Gone);
    }
    // The account is gone: keep its name in the detail.
    let detail = if reason.is_empty() {
        target.username.clone()
    } else {
        format!("{} — {reason}", target.username)
    };
    super::ops::audit_in(&mut tx, actor, "registration_refused", None, &detail).await?;
    tx.commit().await?;
    // The address was read before the account left with it.
    if let Some(email) = &target.email {
        send_refusal(state, email, target, &reason).await?;
    }
    Ok(Decided::Done)
}

/// The "refused" e-mail, with the administrators' reason (if any) added as
/// a last paragraph before the signature.
async fn send_refusal(
    state: &AppState,
    to: &str,
    target: &User,
    reason: &str,
) -> Result<(), sqlx::Error> {
    emails::send_with_reason(
        state,
        to,
        target.lang(),
        "refused",
        &[("name", Arg::from(target.shown_name()))],
        "admin-refused-mail-reason",
        reason,
    )
    .await
}
