//! Passwords: change (a person, signed in, knowing the current one), the
//! forgotten-password e-mail and the reset through its link.
//!
//! The reset is acted by whoever holds the link: no account acts yet (the
//! person is not signed in), so those operations take the validated input
//! only — the one-time token is the authority — and write the audit entry
//! in the name of the account it belongs to.

use sqlx::{Any, Transaction};

use super::ops::audit_in;
use super::{Purpose, Status, User, own};
use crate::actor::Actor;
use crate::emails;
use crate::error::{AppError, AppResult};
use crate::i18n::Arg;
use crate::state::AppState;

/// Argon2id hash of a new password (off the async threads).
pub async fn hash(password: &str) -> anyhow::Result<String> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || crate::password::hash(&password))
        .await
        .map_err(|e| anyhow::anyhow!("hashing task failed: {e}"))?
}

/// Write a password hash in the caller's transaction.
async fn set_in(
    tx: &mut Transaction<'static, Any>,
    user_id: i64,
    hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The strength of a new password and its confirmation, as field errors
/// (`password_field`, `confirm`).
fn check_new(
    user: &User,
    password: &str,
    confirm: &str,
    password_field: &str,
    fields: &mut Vec<(String, String)>,
) {
    if let Err(e) = crate::password::check_strength(
        password,
        &user.username,
        user.email.as_deref().unwrap_or(""),
    ) {
        fields.push((password_field.into(), e.message_key().into()));
    } else if password != confirm {
        fields.push(("confirm".into(), "password-mismatch".into()));
    }
}

/// A new password for the acting person, who gives the current one.
/// Their other sessions end (tools that signed in through them get a
/// back-channel logout); `keep` is the session making the change, which
/// stays open. With `revoke_tokens` (the form's default), their personal
/// access tokens are revoked too: whoever had the old password may have
/// made some. Refusals: `Invalid` on `current_password`, `new_password`,
/// `confirm`; `TooManyRequests` after repeated wrong current passwords. A
/// security notice goes to the address on file, naming `user_agent`.
#[allow(clippy::too_many_arguments)]
pub async fn change(
    state: &AppState,
    actor: &Actor,
    current: &str,
    new: &str,
    confirm: &str,
    keep: Option<&str>,
    revoke_tokens: bool,
    user_agent: &str,
) -> AppResult<()> {
    let user = own(actor)?;
    let mut fields = Vec::new();
    if !super::signin::confirm_password(&state.db, user, current).await? {
        fields.push(("current_password".into(), "password-wrong".into()));
    }
    check_new(user, new, confirm, "new_password", &mut fields);
    if !fields.is_empty() {
        return Err(AppError::Invalid { fields });
    }
    let hash = hash(new).await?;
    crate::oidc::backchannel::user_sessions_ending(
        &state.db,
        &state.jobs,
        &state.config.public_url(),
        user.id,
        keep,
        None,
    )
    .await?;
    let mut tx = state.db.begin().await?;
    set_in(&mut tx, user.id, &hash).await?;
    super::sessions::delete_in(&mut tx, user.id, keep).await?;
    let detail = tokens_detail(&mut tx, user.id, revoke_tokens).await?;
    audit_in(&mut tx, actor, "password_changed", Some(user.id), &detail).await?;
    tx.commit().await?;
    emails::security_notice(state, user, emails::Notice::PasswordChanged, user_agent, "").await;
    Ok(())
}

/// The forgotten-password e-mail: a one-hour link to the reset form, sent
/// when `email` belongs to an account that is not suspended. The answer is
/// the same whether or not it does (only a malformed address is refused:
/// `Invalid` on `email`). Rate limits are the caller's (they count per
/// address and per client).
pub async fn request_reset(state: &AppState, email: &str) -> AppResult<()> {
    if !super::valid_email(email) {
        return Err(AppError::Invalid {
            fields: vec![("email".into(), "email-invalid".into())],
        });
    }
    if let Some(user) = super::by_login(&state.db, email).await?
        && user.status != Status::Suspended
        && let Some(to) = user.email.as_deref()
    {
        let token = super::issue_token(&state.db, user.id, Purpose::ResetPassword, "").await?;
        let link = state.url(&format!("/password/reset?token={token}"));
        emails::send(
            state,
            to,
            user.lang(),
            "reset",
            &[
                ("name", Arg::from(user.shown_name())),
                ("link", Arg::from(link)),
            ],
        )
        .await?;
    }
    Ok(())
}

/// What became of a reset.
#[derive(Debug)]
pub enum Reset {
    /// The password is set; every session of the account ended.
    Done(User),
    /// The link is unknown, used or expired.
    LinkInvalid,
}

/// Is this reset link good now? (The form is shown only for a good one.)
pub async fn reset_link_valid(state: &AppState, token: &str) -> AppResult<bool> {
    Ok(super::peek_token(&state.db, token, Purpose::ResetPassword)
        .await?
        .is_some())
}

/// Revoke the account's tokens when asked, in the caller's transaction;
/// the audit detail saying so.
async fn tokens_detail(
    tx: &mut Transaction<'static, Any>,
    user_id: i64,
    revoke: bool,
) -> Result<String, sqlx::Error> {
    if !revoke {
        return Ok(String::new());
    }
    let n = super::tokens::revoke_all_in(tx, user_id).await?;
    Ok(if n > 0 {
        format!("api tokens revoked: {n}")
    } else {
        String::new()
    })
}

/// How many working personal access tokens the account of a reset link
/// has (the reset form asks whether to keep them); `None` for a link that
/// is not good.
pub async fn tokens_at_reset(state: &AppState, token: &str) -> AppResult<Option<i64>> {
    let Some((user_id, _)) = super::peek_token(&state.db, token, Purpose::ResetPassword).await?
    else {
        return Ok(None);
    };
    Ok(Some(super::tokens::count_active(&state.db, user_id).await?))
}

/// Set a new password through the reset link. Whoever knew the old
/// password is out: every session ends (with back-channel logouts) and,
/// with `revoke_tokens` (the form's default: it only asks to keep them),
/// every personal access token; the link also proved the address, which is
/// marked verified. Refusals: `Invalid` on `password`, `confirm`. The
/// audit entry is written in the account's name; a security notice names
/// `user_agent`.
pub async fn reset(
    state: &AppState,
    token: &str,
    new: &str,
    confirm: &str,
    revoke_tokens: bool,
    user_agent: &str,
) -> AppResult<Reset> {
    let Some((user_id, _)) = super::peek_token(&state.db, token, Purpose::ResetPassword).await?
    else {
        return Ok(Reset::LinkInvalid);
    };
    let user = super::by_id(&state.db, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut fields = Vec::new();
    check_new(&user, new, confirm, "password", &mut fields);
    if !fields.is_empty() {
        return Err(AppError::Invalid { fields });
    }
    let hash = hash(new).await?;
    if super::consume_token(&state.db, token, Purpose::ResetPassword)
        .await?
        .is_none()
    {
        return Ok(Reset::LinkInvalid);
    }
    crate::oidc::backchannel::user_sessions_ending(
        &state.db,
        &state.jobs,
        &state.config.public_url(),
        user.id,
        None,
        None,
    )
    .await?;
    let mut tx = state.db.begin().await?;
    set_in(&mut tx, user.id, &hash).await?;
    super::sessions::delete_in(&mut tx, user.id, None).await?;
    sqlx::query("UPDATE users SET email_verified = 1 WHERE id = $1")
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
    let detail = tokens_detail(&mut tx, user.id, revoke_tokens).await?;
    audit_in(
        &mut tx,
        &Actor::person(&user),
        "password_reset",
        Some(user.id),
        &detail,
    )
    .await?;
    tx.commit().await?;
    emails::security_notice(
        state,
        &user,
        emails::Notice::PasswordChanged,
        user_agent,
        "",
    )
    .await;
    Ok(Reset::Done(user))
}
