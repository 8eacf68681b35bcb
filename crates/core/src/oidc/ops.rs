//! Operations on the provider's registry and on a person's consents: the
//! administrators' client registry (the `/admin/oidc` pages and
//! `passerelles admin oidc-client`, acting as `Actor::CLI`) and a person
//! withdrawing a tool (`/settings/tools`). Each asks the policy, writes in
//! one transaction with its audit entry, and returns a domain error.

use super::clients::{self, Client, NewClient, Presentation, Problems};
use crate::accounts::ops::audit_in;
use crate::actor::Actor;
use crate::db::now;
use crate::error::{AppError, AppResult};
use crate::policy::Action;
use crate::state::AppState;

/// Side of a tool's icon, in pixels (shown at 48 px; sharp on dense screens).
pub const ICON_SIZE: u32 = 96;

fn administer(actor: &Actor) -> AppResult<()> {
    if actor.may(Action::Administer) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

fn invalid(problems: Problems) -> AppError {
    AppError::Invalid {
        fields: problems
            .into_iter()
            .map(|(f, k)| (f.to_string(), k.to_string()))
            .collect(),
    }
}

/// Resolve community slugs to ids; `Err` with the unknown ones.
pub async fn community_ids(
    state: &AppState,
    slugs: &[String],
) -> AppResult<Result<Vec<i64>, Vec<String>>> {
    let mut ids = Vec::new();
    let mut unknown = Vec::new();
    for slug in slugs {
        match crate::communities::by_slug(&state.db, slug).await? {
            Some(c) => ids.push(c.id),
            None => unknown.push(slug.clone()),
        }
    }
    Ok(if unknown.is_empty() {
        Ok(ids)
    } else {
        Err(unknown)
    })
}

/// Register a tool. Returns it and, for a confidential client, its secret
/// (shown once, stored hashed). Refusals: `Invalid` with the registry's
/// keys per field (`clients::validate`), `Forbidden` for anyone but an
/// administrator or the instance.
pub async fn register(
    state: &AppState,
    actor: &Actor,
    new: &NewClient,
) -> AppResult<(Client, Option<String>)> {
    administer(actor)?;
    match clients::create_audited(&state.db, new, actor.audit_id(), Some(actor)).await? {
        Ok(made) => Ok(made),
        Err(problems) => Err(invalid(problems)),
    }
}

/// Change a tool's presentation (name, description, home page, signing
/// algorithm, audience, icon). Refusals as for `register`.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    client: &Client,
    change: &Presentation,
) -> AppResult<()> {
    administer(actor)?;
    match clients::update_audited(&state.db, client, change, Some(actor)).await? {
        Ok(()) => Ok(()),
        Err(problems) => Err(invalid(problems)),
    }
}

/// Remove a tool; its consents, codes, grants and tokens go with it.
/// `NotFound` when there is no such tool.
pub async fn remove(state: &AppState, actor: &Actor, client_id: &str) -> AppResult<()> {
    administer(actor)?;
    if clients::remove_audited(&state.db, client_id, Some(actor)).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Replace a confidential tool's secret; returns the new one (shown once).
/// `NotFound` when there is no such confidential tool.
pub async fn new_secret(state: &AppState, actor: &Actor, client_id: &str) -> AppResult<String> {
    administer(actor)?;
    let (secret, hash) = crate::accounts::new_token();
    let mut tx = state.db.begin().await?;
    let n = sqlx::query(
        "UPDATE oidc_clients SET secret_hash = $1, updated_at = $2 WHERE client_id = $3 AND is_public = 0",
    )
    .bind(hash)
    .bind(now())
    .bind(client_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n != 1 {
        return Err(AppError::NotFound);
    }
    audit_in(&mut tx, actor, "oidc_client_secret", None, client_id).await?;
    tx.commit().await?;
    Ok(secret)
}

/// The acting person withdraws a tool: their consent is forgotten and
/// every grant of theirs to it revoked with its tokens (the tool asks again
/// next time).
pub async fn withdraw_consent(state: &AppState, actor: &Actor, client: &Client) -> AppResult<()> {
    let user = crate::accounts::own(actor)?;
    let t = now();
    let mut tx = state.db.begin().await?;
    sqlx::query("DELETE FROM oidc_consents WHERE user_id = $1 AND client_id = $2")
        .bind(user.id)
        .bind(client.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "DELETE FROM oidc_tokens WHERE grant_id IN (SELECT id FROM oidc_grants \
         WHERE user_id = $1 AND client_id = $2 AND revoked_at IS NULL)",
    )
    .bind(user.id)
    .bind(client.id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE oidc_grants SET revoked_at = $1 WHERE user_id = $2 AND client_id = $3 \
         AND revoked_at IS NULL",
    )
    .bind(t)
    .bind(user.id)
    .bind(client.id)
    .execute(&mut *tx)
    .await?;
    audit_in(
        &mut tx,
        actor,
        "oidc_consent_withdrawn",
        Some(user.id),
        &client.client_id,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
