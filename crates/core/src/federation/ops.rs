//! What our members do across instances: follow a group of another server
//! (another Passerelles, Lemmy…) by its actor URL. The `Follow` is signed
//! with the member's own key and delivered through the job queue; the
//! group's `Accept` (or `Reject`) arrives at the member's inbox
//! (`inbox::answered`).

use rand::RngCore;
use serde_json::json;

use super::delivery;
use super::keys::Owner;
use super::{AS_CONTEXT, person_federated};
use crate::actor::Actor;
use crate::db::now;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::urls;

/// Where a follow stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Following {
    pub target: String,
    pub follow_id: String,
    pub state: String,
}

/// `actor` (a local person published as a `Person`) follows the remote
/// group at `target` (its actor URL). Following again sends a new `Follow`.
pub async fn follow(state: &AppState, actor: &Actor, target: &str) -> AppResult<Following> {
    let Some(u) = actor.user() else {
        return Err(AppError::Forbidden);
    };
    if !person_federated(&state.db, u).await? {
        return Err(AppError::Forbidden);
    }
    let invalid = || AppError::Invalid {
        fields: vec![("target".into(), "federation-target-invalid".into())],
    };
    let parsed = url::Url::parse(target).map_err(|_| invalid())?;
    if !matches!(parsed.scheme(), "https" | "http") {
        return Err(invalid());
    }
    let remote = delivery::remote_actor(state, target, true)
        .await
        .map_err(|e| {
            tracing::info!(target, error = %format!("{e:#}"), "remote group unreachable");
            invalid()
        })?;
    if remote.kind != "Group" {
        return Err(invalid());
    }
    let me = state.url(&urls::user(&u.username));
    let mut nonce = [0u8; 12];
    rand::rng().fill_bytes(&mut nonce);
    let follow_id = format!("{me}#follow-{}", hex::encode(nonce));
    sqlx::query(
        "INSERT INTO ap_following (user_id, target, follow_id, state, created_at) \
         VALUES ($1, $2, $3, 'pending', $4) ON CONFLICT (user_id, target) DO UPDATE SET \
         follow_id = excluded.follow_id, state = 'pending', created_at = excluded.created_at",
    )
    .bind(u.id)
    .bind(&remote.ap_id)
    .bind(&follow_id)
    .bind(now())
    .execute(&state.db.pool)
    .await?;
    let activity = json!({
        "@context": AS_CONTEXT,
        "id": follow_id,
        "type": "Follow",
        "actor": me,
        "object": remote.ap_id,
        "to": [remote.ap_id],
    });
    delivery::queue(
        state,
        Owner::User(u.id),
        &me,
        &activity,
        &[remote.inbox.clone()],
    )
    .await?;
    Ok(Following {
        target: remote.ap_id,
        follow_id,
        state: "pending".into(),
    })
}

/// What `user_id` follows on other servers, and where each follow stands.
pub async fn following(state: &AppState, user_id: i64) -> AppResult<Vec<Following>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT target, follow_id, state FROM ap_following WHERE user_id = $1 ORDER BY created_at",
    )
    .bind(user_id)
    .fetch_all(&state.db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(target, follow_id, state)| Following {
            target,
            follow_id,
            state,
        })
        .collect())
}
