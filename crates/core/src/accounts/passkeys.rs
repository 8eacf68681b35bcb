//! Operations on a person's passkeys: add (a credential the entry point
//! has verified through the WebAuthn ceremony), rename, remove. Shared by
//! the passkey settings page. The password step-up before adding or
//! removing is the entry point's (it must come before the device makes a
//! credential; see `web::passkeys`).

use super::ops::audit_in;
use super::own;
use crate::actor::Actor;
use crate::emails::{self, Notice};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::totp;
use crate::webauthn::{self, NewCredential};

/// Longest passkey name.
pub const NAME_MAX: usize = 60;

fn refused(key: &str) -> AppError {
    AppError::Invalid {
        fields: vec![("name".into(), key.into())],
    }
}

/// Store a verified credential under `name`. Refusals (`Invalid` on
/// `name`): `passkey-name-too-long`, `passkey-too-many`, `passkey-exists`.
/// A first passkey is a second factor from now on: whoever has no recovery
/// codes (and no authenticator app) gets some, returned (shown once), so
/// losing the device does not lock them out.
pub async fn add(
    state: &AppState,
    actor: &Actor,
    cred: &NewCredential,
    transports: &str,
    name: &str,
    user_agent: &str,
) -> AppResult<Option<Vec<String>>> {
    let user = own(actor)?;
    if name.chars().count() > NAME_MAX {
        return Err(refused("passkey-name-too-long"));
    }
    if webauthn::count(&state.db, user.id).await? >= webauthn::MAX_PER_ACCOUNT {
        return Err(refused("passkey-too-many"));
    }
    let first = !webauthn::has_passkey(&state.db, user.id).await?;
    let give_codes = first
        && !totp::is_enabled(&state.db, user.id).await?
        && totp::recovery_codes_left(&state.db, user.id).await? == 0;
    let mut tx = state.db.begin().await?;
    if webauthn::insert_in(&mut tx, user.id, cred, transports, name)
        .await?
        .is_none()
    {
        return Err(refused("passkey-exists"));
    }
    audit_in(&mut tx, actor, "passkey_added", Some(user.id), name).await?;
    let codes = if give_codes {
        Some(totp::new_recovery_codes_in(&mut tx, user.id).await?)
    } else {
        None
    };
    tx.commit().await?;
    emails::security_notice(state, user, Notice::PasskeyAdded, user_agent, name).await;
    Ok(codes)
}

/// Rename one of the acting person's passkeys. `Invalid` on `name`
/// (`passkey-name-invalid`: empty or too long), `NotFound`.
pub async fn rename(state: &AppState, actor: &Actor, id: i64, name: &str) -> AppResult<()> {
    let user = own(actor)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX {
        return Err(refused("passkey-name-invalid"));
    }
    let mut tx = state.db.begin().await?;
    if !webauthn::rename_in(&mut tx, user.id, id, name).await? {
        return Err(AppError::NotFound);
    }
    audit_in(&mut tx, actor, "passkey_renamed", Some(user.id), name).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether the instance requires this person to keep a second factor
/// (administrators, when the instance setting says so).
pub async fn second_factor_required(state: &AppState, user: &super::User) -> AppResult<bool> {
    Ok(user.is_admin && crate::settings::admin_second_factor_required(&state.db).await?)
}

/// Remove one of the acting person's passkeys. `NotFound`; `Conflict
/// passkey_last_required` when it is the last second factor of an account
/// that must keep one.
pub async fn remove(state: &AppState, actor: &Actor, id: i64, user_agent: &str) -> AppResult<()> {
    let user = own(actor)?;
    let Some(key) = webauthn::list(&state.db, user.id)
        .await?
        .into_iter()
        .find(|k| k.id == id)
    else {
        return Err(AppError::NotFound);
    };
    if webauthn::count(&state.db, user.id).await? <= 1
        && !totp::is_enabled(&state.db, user.id).await?
        && second_factor_required(state, user).await?
    {
        return Err(AppError::Conflict {
            code: "passkey_last_required",
            message_key: "passkey-last-required",
        });
    }
    let mut tx = state.db.begin().await?;
    webauthn::remove_in(&mut tx, user.id, key.id).await?;
    audit_in(&mut tx, actor, "passkey_removed", Some(user.id), &key.name).await?;
    tx.commit().await?;
    emails::security_notice(state, user, Notice::PasskeyRemoved, user_agent, &key.name).await;
    Ok(())
}
