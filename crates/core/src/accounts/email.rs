//! E-mail addresses: the verification link (sent at sign-up, on request),
//! its confirmation, and a change of address (confirmed by a link sent to
//! the new one).
//!
//! Following a link is acted by whoever holds it, signed in or not: the
//! one-time token is the authority, so `confirm` takes the token only and
//! writes the audit entry in the name of the account it belongs to.

use super::ops::audit_in;
use super::{Purpose, Status, User, own};
use crate::actor::Actor;
use crate::emails;
use crate::error::{AppError, AppResult};
use crate::i18n::Arg;
use crate::state::AppState;

fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// The verification e-mail; its link leads, once the address is confirmed,
/// to the log-in form with `next` (a local path the caller has checked;
/// empty for none).
pub async fn send_verification(state: &AppState, user: &User, next: &str) -> AppResult<()> {
    let Some(email) = &user.email else {
        return Ok(());
    };
    let token = super::issue_token(&state.db, user.id, Purpose::VerifyEmail, email).await?;
    let link = if next.is_empty() {
        state.url(&format!("/verify-email?token={token}"))
    } else {
        state.url(&format!(
            "/verify-email?token={token}&next={}",
            encode(next)
        ))
    };
    emails::send(
        state,
        email,
        user.lang(),
        "verify",
        &[
            ("name", Arg::from(user.shown_name())),
            ("link", Arg::from(link)),
        ],
    )
    .await?;
    Ok(())
}

/// Send the verification link again to the account named by `login`
/// (username or address) when it is unverified and not suspended. Says
/// nothing of whether it exists. Rate limits are the caller's.
pub async fn resend_verification(state: &AppState, login: &str) -> AppResult<()> {
    if let Some(u) = super::by_login(&state.db, login).await?
        && !u.email_verified
        && u.status != Status::Suspended
    {
        send_verification(state, &u, "").await?;
    }
    Ok(())
}

/// A valid link of either kind (verification, change of address): its
/// purpose, account and address. Does not consume it.
pub async fn peek_link(
    state: &AppState,
    token: &str,
) -> Result<Option<(Purpose, i64, String)>, sqlx::Error> {
    for p in [Purpose::VerifyEmail, Purpose::ChangeEmail] {
        if let Some((uid, data)) = super::peek_token(&state.db, token, p).await? {
            return Ok(Some((p, uid, data)));
        }
    }
    Ok(None)
}

/// What following a link did.
#[derive(Debug)]
pub enum Confirmed {
    /// The address is verified (or the new one is in place): the account.
    Done(User),
    /// The link is unknown, used or expired.
    LinkInvalid,
    /// A change of address whose new address another account took since.
    Taken,
}

/// Confirm an address through its link: a verification marks the address
/// it was sent to verified (only if it is still the account's); a change
/// of address puts the new one in place, verified.
pub async fn confirm(state: &AppState, token: &str) -> AppResult<Confirmed> {
    let Some((purpose, _, _)) = peek_link(state, token).await? else {
        return Ok(Confirmed::LinkInvalid);
    };
    let Some((user_id, email)) = super::consume_token(&state.db, token, purpose).await? else {
        return Ok(Confirmed::LinkInvalid);
    };
    let owner = super::by_id(&state.db, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = state.db.begin().await?;
    if purpose == Purpose::ChangeEmail {
        let res = sqlx::query(
            "UPDATE users SET email = $1, email_key = $2, email_verified = 1 WHERE id = $3",
        )
        .bind(&email)
        .bind(super::email_key(&email))
        .bind(user_id)
        .execute(&mut *tx)
        .await;
        match res {
            Ok(_) => {}
            Err(e) if crate::db::is_unique_violation(&e) => return Ok(Confirmed::Taken),
            Err(e) => return Err(e.into()),
        }
        audit_in(
            &mut tx,
            &Actor::person(&owner),
            "email_changed",
            Some(user_id),
            "",
        )
        .await?;
    } else {
        sqlx::query("UPDATE users SET email_verified = 1 WHERE id = $1 AND email_key = $2")
            .bind(user_id)
            .bind(super::email_key(&email))
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    let user = super::by_id(&state.db, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Confirmed::Done(user))
}

/// Ask to change the acting person's address to `new_email`, giving the
/// current password: a link goes to the new address, a warning to the
/// current one (so a hijack does not go unnoticed); nothing changes until
/// the link is followed. Refusals: `Invalid` on `new_email`
/// (`email-invalid`, `email-same`, `email-taken`) and `email_password`.
/// `TooManyRequests` past `ratelimit::EMAIL_SEND_PER_ACCOUNT`.
pub async fn request_change(
    state: &AppState,
    actor: &Actor,
    new_email: &str,
    password: &str,
) -> AppResult<()> {
    let user = own(actor)?;
    let new_email = new_email.trim();
    let mut fields: Vec<(String, String)> = Vec::new();
    if !super::valid_email(new_email) {
        fields.push(("new_email".into(), "email-invalid".into()));
    } else if user.email.as_deref().map(super::email_key) == Some(super::email_key(new_email)) {
        fields.push(("new_email".into(), "email-same".into()));
    } else {
        let used: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE email_key = $1")
            .bind(super::email_key(new_email))
            .fetch_optional(&state.db.pool)
            .await?;
        if used.is_some() {
            fields.push(("new_email".into(), "email-taken".into()));
        }
    }
    if !super::signin::confirm_password(&state.db, user, password).await? {
        fields.push(("email_password".into(), "password-wrong".into()));
    }
    if !fields.is_empty() {
        return Err(AppError::Invalid { fields });
    }
    // Refusals come before the limit: a typo costs no attempt.
    if let Err(retry_after) = crate::ratelimit::hit(
        &state.db,
        &format!("email-change:{}", user.id),
        crate::ratelimit::EMAIL_SEND_PER_ACCOUNT,
    )
    .await?
    {
        return Err(AppError::TooManyRequests { retry_after });
    }
    let token = super::issue_token(&state.db, user.id, Purpose::ChangeEmail, new_email).await?;
    let link = state.url(&format!("/verify-email?token={token}"));
    emails::send(
        state,
        new_email,
        user.lang(),
        "change-email",
        &[
            ("name", Arg::from(user.shown_name())),
            ("link", Arg::from(link)),
        ],
    )
    .await?;
    if let Some(old) = &user.email {
        emails::send(
            state,
            old,
            user.lang(),
            "email-changed",
            &[("name", Arg::from(user.shown_name()))],
        )
        .await?;
    }
    let mut tx = state.db.begin().await?;
    audit_in(&mut tx, actor, "email_change_requested", Some(user.id), "").await?;
    tx.commit().await?;
    Ok(())
}
