//! Consents a person gave (issue 20): each one listed on `/settings/consents`
//! with a way to withdraw it. Today: being findable in search (the profile
//! setting) and each tool allowed to receive their identity (OpenID
//! Connect consents). Newsletters and federation of the profile add rows
//! here when they exist (a `Consent` kind and its withdrawal operation).

use sqlx::Row;

use crate::accounts::User;
use crate::accounts::ops::audit_in;
use crate::actor::Actor;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::policy::Action;
use crate::state::AppState;

/// A tool the person allowed.
#[derive(Debug, Clone)]
pub struct ToolConsent {
    pub client_id: String,
    pub name: String,
    pub scopes: String,
    pub since: i64,
}

#[derive(Debug, Clone)]
pub struct Consents {
    /// Other members may find the person in search (`users.findable`).
    pub findable: bool,
    pub tools: Vec<ToolConsent>,
}

impl Consents {
    pub fn is_empty(&self) -> bool {
        !self.findable && self.tools.is_empty()
    }
}

pub async fn list(db: &Db, user_id: i64) -> Result<Consents, sqlx::Error> {
    let findable = crate::profiles::is_findable(db, user_id).await?;
    let rows = sqlx::query(
        "SELECT c.client_id, c.name, k.scopes, k.created_at FROM oidc_consents k \
         JOIN oidc_clients c ON c.id = k.client_id WHERE k.user_id = $1 ORDER BY k.created_at, c.id",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?;
    let mut tools = Vec::new();
    for r in &rows {
        tools.push(ToolConsent {
            client_id: r.try_get("client_id")?,
            name: r.try_get("name")?,
            scopes: r.try_get("scopes")?,
            since: r.try_get("created_at")?,
        });
    }
    Ok(Consents { findable, tools })
}

/// Withdraw "findable in search": the profile leaves the member search at
/// once (re-indexed in the same transaction as the change).
pub async fn withdraw_findable(state: &AppState, actor: &Actor, target: &User) -> AppResult<()> {
    if !actor.may(Action::EditAccount { target }) {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.db.begin().await?;
    let n = sqlx::query("UPDATE users SET findable = 0 WHERE id = $1 AND findable = 1")
        .bind(target.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n > 0 {
        crate::search::index_one(
            &mut tx,
            state.db.backend,
            crate::search::Source::Members,
            target.id,
        )
        .await?;
        audit_in(
            &mut tx,
            actor,
            "consent_withdrawn",
            Some(target.id),
            "findable",
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
