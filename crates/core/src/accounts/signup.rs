//! Creating local accounts: one operation for the sign-up page, the
//! first-administrator setup link and `passerelles admin create-user`.
//!
//! Who creates decides what may be asked for:
//! - sign-up (`Creator::SignUp`): nobody acts yet — the request is
//!   anonymous, neither a person nor the instance — so the operation takes
//!   the validated input only and applies the instance's registration mode
//!   (closed, invitation, approval), its charter and the invitation;
//! - the setup link (`Creator::Setup`): its holder, while the instance has
//!   no administrator, makes the first one;
//! - an actor (`Creator::By`): the instance itself on the command line
//!   (`Actor::CLI`), with the administrator's authority, may make an
//!   administrator and vouches for the address (verified).
//!
//! The account row, the invitation it used and the audit entry are written
//! in one transaction; the verification e-mail follows.

use super::ops::audit_in;
use super::{CreateError, NewUser, Refusal, Status, User};
use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::policy::Action;
use crate::settings::RegistrationMode;
use crate::state::AppState;

/// Longest note to the administrators (approval mode).
pub const NOTE_MAX: usize = 1000;
/// Where the hash of the first-administrator setup token is kept.
pub const SETUP_TOKEN_KEY: &str = "setup_token_hash";

/// What a new account is made of.
#[derive(Debug, Clone, Copy)]
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub password: &'a str,
    /// Interface language of the account.
    pub locale: &'a str,
}

/// Who creates the account, with what they bring.
#[derive(Debug, Clone, Copy)]
pub enum Creator<'a> {
    /// Someone signing up on the page.
    SignUp {
        /// The invitation code (invitation mode).
        invite: &'a str,
        /// The charter was accepted (when the instance has one).
        charter_accepted: bool,
        /// A note for the administrators (approval mode).
        note: &'a str,
    },
    /// The holder of the first-administrator setup link.
    Setup { token: &'a str },
    /// An actor with the instance's authority (the command line).
    By { actor: &'a Actor, admin: bool },
}

/// A new account.
#[derive(Debug)]
pub struct Created {
    pub user: User,
    /// Waiting for an administrator's approval (approval mode).
    pub pending: bool,
}

/// Called at start: when no administrator exists, make a one-time setup
/// link and return it so the console can show it.
pub async fn prepare_setup(state: &AppState) -> anyhow::Result<Option<String>> {
    if super::admin_exists(&state.db).await? {
        crate::settings::delete_raw(&state.db, SETUP_TOKEN_KEY).await?;
        return Ok(None);
    }
    let (token, hash) = super::new_token();
    crate::settings::set_raw(&state.db, SETUP_TOKEN_KEY, &hash).await?;
    Ok(Some(state.url(&format!("/setup?token={token}"))))
}

/// Is this the setup link, and is the instance still without an
/// administrator?
pub async fn setup_open(state: &AppState, token: &str) -> Result<bool, sqlx::Error> {
    if super::admin_exists(&state.db).await? {
        return Ok(false);
    }
    let stored = crate::settings::get_raw(&state.db, SETUP_TOKEN_KEY).await?;
    Ok(!token.is_empty() && stored.is_some_and(|h| h == super::hash_token(token)))
}

/// An invitation that can be used now: (id, e-mail it was sent to).
async fn valid_invitation(
    state: &AppState,
    code: &str,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    if code.is_empty() {
        return Ok(None);
    }
    sqlx::query_as(
        "SELECT id, email FROM invitations WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(super::hash_token(code))
    .bind(crate::db::now())
    .fetch_optional(&state.db.pool)
    .await
}

fn refused(r: Refusal) -> AppError {
    AppError::Invalid {
        fields: r
            .fields
            .into_iter()
            .map(|(f, k)| (f.to_string(), k))
            .collect(),
    }
}

/// Create a local account. Refusals: `Invalid` with keys per field
/// (`username`, `email`, `password`, and for a sign-up `invite`, `charter`,
/// `note`); `Conflict registration_closed` when sign-up is closed;
/// `NotFound` for a setup link that is not (or no longer) good;
/// `Forbidden` for an actor without the instance's authority. Sends the
/// verification e-mail when the address is not vouched for, its link
/// coming back to `next` (a local path the caller has checked).
pub async fn create(
    state: &AppState,
    creator: Creator<'_>,
    account: NewAccount<'_>,
    next: &str,
) -> AppResult<Created> {
    let mut refusal = Refusal::default();
    let mut invitation = None;
    let mut mode = RegistrationMode::Open;
    let (is_admin, mut verified, status, note) = match creator {
        Creator::SignUp {
            invite,
            charter_accepted,
            note,
        } => {
            let inst = state.instance().await?;
            mode = inst.registration_mode;
            if mode == RegistrationMode::Closed {
                return Err(AppError::Conflict {
                    code: "registration_closed",
                    message_key: "signup-closed-text",
                });
            }
            if mode == RegistrationMode::Invitation {
                invitation = valid_invitation(state, invite.trim()).await?;
                if invitation.is_none() {
                    refusal.push("invite", "signup-invite-invalid");
                }
            }
            if !inst.charter.is_empty() && !charter_accepted {
                refusal.push("charter", "signup-charter-required");
            }
            if note.chars().count() > NOTE_MAX {
                refusal.push("note", "field-too-long");
            }
            let status = if mode == RegistrationMode::Approval {
                Status::Pending
            } else {
                Status::Active
            };
            (false, false, status, note.trim())
        }
        Creator::Setup { token } => {
            if !setup_open(state, token).await? {
                return Err(AppError::NotFound);
            }
            (true, true, Status::Active, "")
        }
        Creator::By { actor, admin } => {
            if !actor.may(Action::Administer) {
                return Err(AppError::Forbidden);
            }
            (admin, true, Status::Active, "")
        }
    };
    // Invitations sent to an address vouch for it.
    if invitation.as_ref().is_some_and(|(_, e): &(i64, String)| {
        !e.is_empty() && super::email_key(e) == super::email_key(account.email)
    }) {
        verified = true;
    }
    let new = NewUser {
        username: account.username,
        email: account.email,
        password: account.password,
        is_admin,
        email_verified: verified,
        status,
        locale: account.locale,
        registration_note: note,
    };
    let username = super::check_new_user_into(&state.db, &new, &mut refusal).await?;
    let Some(username) = username.filter(|_| refusal.is_empty()) else {
        return Err(refused(refusal));
    };
    let hash = super::password::hash(account.password).await?;
    let mut tx = state.db.begin().await?;
    let id = match super::insert_user_in(&mut tx, &new, &username, &hash).await {
        Ok(id) => id,
        Err(CreateError::Refused(r)) => return Err(refused(r)),
        Err(CreateError::Db(e)) => return Err(e.into()),
        Err(CreateError::Other(e)) => return Err(e.into()),
    };
    if let Some((inv_id, _)) = &invitation {
        sqlx::query("UPDATE invitations SET used_by = $1, used_at = $2 WHERE id = $3")
            .bind(id)
            .bind(crate::db::now())
            .bind(inv_id)
            .execute(&mut *tx)
            .await?;
    }
    // The audit entry: the new person acts for themselves, except when an
    // actor created the account.
    let (by, action, detail) = match creator {
        Creator::SignUp { .. } => (None, "signup", mode.as_str()),
        Creator::Setup { .. } => (None, "setup_first_admin", ""),
        Creator::By { actor, admin } => (
            Some(actor),
            "user_created",
            if admin { "admin" } else { "" },
        ),
    };
    let user = super::by_id_in(&mut tx, id).await?;
    let self_actor = Actor::person(&user);
    audit_in(&mut tx, by.unwrap_or(&self_actor), action, Some(id), detail).await?;
    tx.commit().await?;
    if is_admin {
        // The setup link has done its work (or is no longer needed).
        crate::settings::delete_raw(&state.db, SETUP_TOKEN_KEY).await?;
    }
    if !user.email_verified {
        super::email::send_verification(state, &user, next).await?;
    }
    Ok(Created {
        pending: user.status == Status::Pending,
        user,
    })
}
