//! Operations on a person's second factors: the authenticator app (TOTP)
//! and its recovery codes. Shared by the security settings page; passkeys
//! are in `accounts::passkeys`. Turning the factor off or renewing the
//! recovery codes takes a current code (or a recovery code): a borrowed
//! session alone cannot do it.

use super::ops::audit_in;
use super::own;
use crate::actor::Actor;
use crate::emails::{self, Notice};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::totp;

fn wrong_code() -> AppError {
    AppError::Invalid {
        fields: vec![("code".into(), "totp-login-wrong".into())],
    }
}

/// Start (or restart) enrolment: a new pending secret. An active factor is
/// left alone. Nothing is audited until the factor is confirmed.
pub async fn begin_totp(state: &AppState, actor: &Actor) -> AppResult<()> {
    let user = own(actor)?;
    totp::begin(&state.db, user.id).await?;
    Ok(())
}

/// Finish enrolment with a first code: the factor is on, recovery codes
/// are made (returned, shown once), the audit entry written in the same
/// transaction; a security notice follows. `Invalid` on `code` when wrong.
pub async fn enable_totp(
    state: &AppState,
    actor: &Actor,
    code: &str,
    user_agent: &str,
) -> AppResult<Vec<String>> {
    let user = own(actor)?;
    if !totp::accept_pending_code(&state.db, user.id, code).await? {
        return Err(wrong_code());
    }
    let mut tx = state.db.begin().await?;
    totp::mark_confirmed_in(&mut tx, user.id).await?;
    let codes = totp::new_recovery_codes_in(&mut tx, user.id).await?;
    audit_in(&mut tx, actor, "totp_enabled", Some(user.id), "").await?;
    tx.commit().await?;
    emails::security_notice(state, user, Notice::TotpEnabled, user_agent, "").await;
    Ok(codes)
}

/// A current code or a recovery code of the acting person, with the
/// per-account limit (`TooManyRequests`) and `Invalid` on `code`.
async fn check_code(state: &AppState, user_id: i64, code: &str) -> AppResult<()> {
    super::signin::second_factor_try(&state.db, user_id).await?;
    if totp::verify(&state.db, user_id, code).await? {
        Ok(())
    } else {
        Err(wrong_code())
    }
}

/// Turn the authenticator app off (a current code or a recovery code
/// given). Passkeys remain a second factor: they keep recovery codes, new
/// ones, returned (shown once); otherwise `None`.
pub async fn disable_totp(
    state: &AppState,
    actor: &Actor,
    code: &str,
    user_agent: &str,
) -> AppResult<Option<Vec<String>>> {
    let user = own(actor)?;
    check_code(state, user.id, code).await?;
    let keeps_codes = crate::webauthn::has_passkey(&state.db, user.id).await?;
    let mut tx = state.db.begin().await?;
    totp::disable_in(&mut tx, user.id).await?;
    audit_in(&mut tx, actor, "totp_disabled", Some(user.id), "").await?;
    let codes = if keeps_codes {
        Some(totp::new_recovery_codes_in(&mut tx, user.id).await?)
    } else {
        None
    };
    tx.commit().await?;
    emails::security_notice(state, user, Notice::TotpDisabled, user_agent, "").await;
    Ok(codes)
}

/// New recovery codes (a current code or a recovery code given); the old
/// ones stop working. Returns them (shown once).
pub async fn renew_recovery_codes(
    state: &AppState,
    actor: &Actor,
    code: &str,
    user_agent: &str,
) -> AppResult<Vec<String>> {
    let user = own(actor)?;
    check_code(state, user.id, code).await?;
    let mut tx = state.db.begin().await?;
    let codes = totp::new_recovery_codes_in(&mut tx, user.id).await?;
    audit_in(&mut tx, actor, "recovery_codes_renewed", Some(user.id), "").await?;
    tx.commit().await?;
    emails::security_notice(state, user, Notice::RecoveryCodes, user_agent, "").await;
    Ok(codes)
}
