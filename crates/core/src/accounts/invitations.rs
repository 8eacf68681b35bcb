//! Instance invitations (registration mode "invitation"): an administrator
//! makes a single-use link, sent by e-mail or handed over, and can revoke
//! it. Operations used by the administration pages.

use crate::actor::Actor;
use crate::db::now;
use crate::emails;
use crate::error::{AppError, AppResult};
use crate::i18n::{Arg, Lang};
use crate::policy::Action;
use crate::state::AppState;

pub const DAYS_DEFAULT: i64 = 14;
pub const DAYS_MAX: i64 = 90;

/// A new invitation: its link exists only here, once (the code is stored
/// hashed).
pub struct Created {
    pub link: String,
    pub email: String,
}

/// Operation: invite someone. `email` may be empty (a link to hand over);
/// `days` empty means the default. The e-mail goes out in `lang` after the
/// invitation and its audit entry are written.
pub async fn create(
    state: &AppState,
    actor: &Actor,
    email: &str,
    days: &str,
    lang: Lang,
) -> AppResult<Created> {
    if !actor.may(Action::Administer) {
        return Err(AppError::Forbidden);
    }
    let mut fields = Vec::new();
    let email = email.trim().to_string();
    if !email.is_empty() && !super::valid_email(&email) {
        fields.push(("email".to_string(), "email-invalid".to_string()));
    }
    let days = if days.trim().is_empty() {
        Some(DAYS_DEFAULT)
    } else {
        days.trim()
            .parse::<i64>()
            .ok()
            .filter(|d| (1..=DAYS_MAX).contains(d))
    };
    if days.is_none() {
        fields.push(("days".to_string(), "admin-invite-days-invalid".to_string()));
    }
    let Some(days) = days.filter(|_| fields.is_empty()) else {
        return Err(AppError::Invalid { fields });
    };
    let (code, _) = super::new_token();
    let t = now();
    let mut tx = state.db.begin().await?;
    sqlx::query(
        "INSERT INTO invitations (code_hash, email, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(super::hash_token(&code))
    .bind(&email)
    .bind(actor.audit_id())
    .bind(t)
    .bind(t + days * 86400)
    .execute(&mut *tx)
    .await?;
    super::ops::audit_in(&mut tx, actor, "invitation_created", None, &email).await?;
    tx.commit().await?;
    let link = state.url(&format!("/signup?invite={code}"));
    if !email.is_empty() {
        emails::send(
            state,
            &email,
            lang,
            "invite",
            &[("link", Arg::from(link.as_str())), ("days", Arg::Num(days))],
        )
        .await?;
    }
    Ok(Created { link, email })
}

/// Operation: revoke an unused invitation (it expires now). False when it
/// was used, expired or unknown.
pub async fn revoke(state: &AppState, actor: &Actor, id: i64) -> AppResult<bool> {
    if !actor.may(Action::Administer) {
        return Err(AppError::Forbidden);
    }
    let t = now();
    let mut tx = state.db.begin().await?;
    let done = sqlx::query(
        "UPDATE invitations SET expires_at = $1 WHERE id = $2 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(t)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let revoked = done.rows_affected() > 0;
    if revoked {
        super::ops::audit_in(
            &mut tx,
            actor,
            "invitation_revoked",
            None,
            &format!("invitation {id}"),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(revoked)
}
