//! Operations on a person's own browser sessions: end one, end the others,
//! log out everywhere. Shared by the settings pages (`/settings/sessions…`)
//! and `/api/v1/me/sessions`. Tools that signed in through an ending
//! session hear of it by a back-channel logout (queued before the rows go).

use super::ops::audit_in;
use super::own;
use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// End one of the acting person's sessions by its public handle (the first
/// 12 hex characters of its stored hash). `NotFound` when none matches.
pub async fn revoke(state: &AppState, actor: &Actor, handle: &str) -> AppResult<()> {
    let user = own(actor)?;
    if handle.len() != 12 || !handle.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    crate::oidc::backchannel::user_sessions_ending(
        &state.db,
        &state.jobs,
        &state.config.public_url(),
        user.id,
        None,
        Some(handle),
    )
    .await?;
    let mut tx = state.db.begin().await?;
    let res = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash LIKE $2")
        .bind(user.id)
        .bind(format!("{handle}%"))
        .execute(&mut *tx)
        .await?;
    if res.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    audit_in(&mut tx, actor, "session_revoked", Some(user.id), handle).await?;
    tx.commit().await?;
    Ok(())
}

/// End every session of the acting person but `keep` (the hash of the
/// session making the request, when it stays open): "log out my other
/// sessions", or with `keep = None` "log out everywhere" (the caller then
/// drops its own cookie). Returns how many sessions ended. Personal access
/// tokens are not affected.
pub async fn end_all(state: &AppState, actor: &Actor, keep: Option<&str>) -> AppResult<u64> {
    let user = own(actor)?;
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
    let ended = delete_in(&mut tx, user.id, keep).await?;
    audit_in(
        &mut tx,
        actor,
        "sessions_revoked",
        Some(user.id),
        if keep.is_some() { "others" } else { "all" },
    )
    .await?;
    tx.commit().await?;
    Ok(ended)
}

/// Delete a person's sessions but `keep`, in the caller's transaction.
pub async fn delete_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    user_id: i64,
    keep: Option<&str>,
) -> Result<u64, sqlx::Error> {
    let res = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
        .bind(user_id)
        .bind(keep.unwrap_or(""))
        .execute(&mut **tx)
        .await?;
    Ok(res.rows_affected())
}

/// How a session's person last proved who they are: when (a log-in, or the
/// latest re-authentication, which keeps the session) and with what (RFC
/// 8176 `amr` values, space-separated; empty for sessions from before
/// these were recorded). `None` for an unknown session.
pub async fn authentication(
    state: &AppState,
    id_hash: &str,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    sqlx::query_as("SELECT auth_time, amr FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .fetch_optional(&state.db.pool)
        .await
}

/// The `sid` of a session as tools know it: `oidc::sid_of` of the hash it
/// was created with (a re-authentication renews the token and keeps it).
pub fn sid_of_row(id_hash: &str, stored_sid: &str) -> String {
    if stored_sid.is_empty() {
        crate::oidc::sid_of(id_hash)
    } else {
        stored_sid.to_string()
    }
}

/// The `sid` of the session `id_hash` (derived from the hash when unknown).
pub async fn sid(db: &crate::db::Db, id_hash: &str) -> Result<String, sqlx::Error> {
    let stored: Option<String> = sqlx::query_scalar("SELECT sid FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .fetch_optional(&db.pool)
        .await?;
    Ok(sid_of_row(id_hash, stored.as_deref().unwrap_or("")))
}

/// RFC 8176 authentication method references, as a session records them.
pub mod amr {
    /// A password alone.
    pub const PASSWORD: &str = "pwd";

    /// A passkey: a device-bound one is a hardware-secured key (`hwk`), a
    /// synced one (backup-eligible) a software-secured key (`swk`).
    pub fn passkey_kind(backup_eligible: bool) -> &'static str {
        if backup_eligible { "swk" } else { "hwk" }
    }

    /// A password, then a second factor: `otp` (an app's code or a
    /// recovery code) or a passkey's kind.
    pub fn password_and(second: &str) -> String {
        format!("{PASSWORD} {second} mfa")
    }

    /// A passkey with user verification alone (sign-in without password):
    /// something held and something known or inherent, so several factors.
    pub fn passkey_alone(backup_eligible: bool) -> String {
        format!("{} mfa", passkey_kind(backup_eligible))
    }

    /// Whether these methods add up to several factors.
    pub fn is_multi_factor(amr: &str) -> bool {
        amr.split_whitespace().any(|m| m == "mfa")
    }
}

/// The acting person proved again who they are in their open session
/// `id_hash` (a tool asked for a fresh sign-in: `prompt=login`, `max_age`,
/// a second factor): the session stays — its tools keep their sign-ins
/// under the same `sid`, nothing is logged out — and records when and how.
/// Its token and CSRF secret are renewed, as at any authentication (a token
/// known from before cannot ride on the stronger sign-in); the caller sets
/// the new cookie. `NotFound` when the session is not theirs.
pub async fn reauthenticated(
    state: &AppState,
    actor: &Actor,
    id_hash: &str,
    amr: &str,
) -> AppResult<super::NewSession> {
    let user = own(actor)?;
    let (token, new_hash) = super::new_token();
    let (csrf, _) = super::new_token();
    let mut tx = state.db.begin().await?;
    let n = sqlx::query(
        "UPDATE sessions SET id_hash = $1, csrf = $2, auth_time = $3, amr = $4, \
         sid = CASE WHEN sid = '' THEN $5 ELSE sid END WHERE id_hash = $6 AND user_id = $7",
    )
    .bind(&new_hash)
    .bind(&csrf)
    .bind(crate::db::now())
    .bind(amr)
    .bind(crate::oidc::sid_of(id_hash))
    .bind(id_hash)
    .bind(user.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n != 1 {
        return Err(AppError::NotFound);
    }
    audit_in(
        &mut tx,
        actor,
        "session_reauthenticated",
        Some(user.id),
        amr,
    )
    .await?;
    tx.commit().await?;
    Ok(super::NewSession { token, csrf })
}

/// A session was used: slide its expiry and note the address (the caller
/// writes at most every few minutes).
pub async fn touch(db: &crate::db::Db, hash: &str, ip: &str, days: i64) -> Result<(), sqlx::Error> {
    let t = crate::db::now();
    sqlx::query(
        "UPDATE sessions SET last_seen_at = $1, expires_at = $2, ip = $3 WHERE id_hash = $4",
    )
    .bind(t)
    .bind(t + days * 86400)
    .bind(ip)
    .bind(hash)
    .execute(&db.pool)
    .await?;
    Ok(())
}
