//! What our members and managers do across instances:
//!
//! - follow a group of another server (another Passerelles, Lemmy…) by its
//!   handle (`name@host`, `!name@host`, found by WebFinger through the
//!   guarded fetcher) or its actor URL. The `Follow` is signed with the
//!   member's own key and delivered through the job queue; the group's
//!   `Accept` (or `Reject`) arrives at the member's inbox
//!   (`inbox::answered`), which makes the group's mirror (a community with
//!   `domain`) and the member a member of it: what the group announces
//!   then appears there, and the member replies to it as anywhere;
//! - approve (or refuse) the pending remote followers of a community that
//!   approves its members.

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
pub async fn follow(state: &AppState, actor: &Actor, handle: &str) -> AppResult<Following> {
    let Some(u) = actor.user() else {
        return Err(AppError::Forbidden);
    };
    if !person_federated(&state.db, u).await? {
        return Err(AppError::Forbidden);
    }
    let invalid = || AppError::Invalid {
        fields: vec![("target".into(), "federation-target-invalid".into())],
    };
    let target = delivery::resolve_handle(state, handle).await.map_err(|e| {
        tracing::info!(handle, error = %format!("{e:#}"), "remote handle not found");
        invalid()
    })?;
    let target = target.as_str();
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

/// The group `group` accepted follow `follow_id`: its mirror exists, and
/// the member who follows it is an active member there.
pub async fn joined_mirror(
    state: &AppState,
    group: &delivery::RemoteActor,
    follow_id: &str,
) -> AppResult<()> {
    let user: Option<i64> =
        sqlx::query_scalar("SELECT user_id FROM ap_following WHERE follow_id = $1")
            .bind(follow_id)
            .fetch_optional(&state.db.pool)
            .await?;
    let Some(user) = user else { return Ok(()) };
    let c = super::remote::group(state, group).await?;
    let t = now();
    sqlx::query(
        "INSERT INTO memberships (community_id, user_id, role, state, created_at, updated_at) \
         VALUES ($1, $2, 'member', 'active', $3, $3) ON CONFLICT (community_id, user_id) DO NOTHING",
    )
    .bind(c.id)
    .bind(user)
    .bind(t)
    .execute(&state.db.pool)
    .await?;
    sqlx::query(
        "UPDATE communities SET member_count = (SELECT COUNT(*) FROM memberships m \
         WHERE m.community_id = $1 AND m.state = 'active') WHERE id = $1",
    )
    .bind(c.id)
    .execute(&state.db.pool)
    .await?;
    Ok(())
}

/// A remote actor waiting for a community's approval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingFollower {
    pub actor: String,
    pub name: String,
    pub created_at: i64,
}

/// The remote followers of community `c` waiting for approval (its managers).
pub async fn pending_followers(
    state: &AppState,
    actor: &Actor,
    c: &crate::communities::Community,
) -> AppResult<Vec<PendingFollower>> {
    may_manage(state, actor, c).await?;
    let rows: Vec<(String, Option<String>, i64)> = sqlx::query_as(
        "SELECT f.actor, a.name, f.created_at FROM ap_followers f \
         LEFT JOIN ap_actors a ON a.ap_id = f.actor \
         WHERE f.community_id = $1 AND f.state = 'pending' ORDER BY f.created_at",
    )
    .bind(c.id)
    .fetch_all(&state.db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(actor, name, created_at)| PendingFollower {
            actor,
            name: name.unwrap_or_default(),
            created_at,
        })
        .collect())
}

async fn may_manage(
    state: &AppState,
    actor: &Actor,
    c: &crate::communities::Community,
) -> AppResult<()> {
    let m = crate::communities::membership(&state.db, c.id, actor.user()).await?;
    if !actor.may(crate::policy::Action::ManageCommunity { c: &c.facts(), m })
        || !super::community_federated(c)
    {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

/// A manager of `c` approves (`Accept`) or refuses (`Reject`) the pending
/// follow of remote actor `follower`.
pub async fn answer_follower(
    state: &AppState,
    actor: &Actor,
    c: &crate::communities::Community,
    follower: &str,
    approve: bool,
) -> AppResult<()> {
    may_manage(state, actor, c).await?;
    let follow_id: Option<String> = sqlx::query_scalar(
        "SELECT follow_id FROM ap_followers WHERE community_id = $1 AND actor = $2 AND state = 'pending'",
    )
    .bind(c.id)
    .bind(follower)
    .fetch_optional(&state.db.pool)
    .await?;
    let Some(follow_id) = follow_id else {
        return Err(AppError::NotFound);
    };
    if approve {
        sqlx::query(
            "UPDATE ap_followers SET state = 'accepted' WHERE community_id = $1 AND actor = $2",
        )
        .bind(c.id)
        .bind(follower)
        .execute(&state.db.pool)
        .await?;
    } else {
        sqlx::query("DELETE FROM ap_followers WHERE community_id = $1 AND actor = $2")
            .bind(c.id)
            .bind(follower)
            .execute(&state.db.pool)
            .await?;
    }
    let remote = delivery::remote_actor(state, follower, false)
        .await
        .map_err(AppError::Internal)?;
    let group = state.url(&c.path());
    let answer = json!({
        "@context": AS_CONTEXT,
        "id": format!("{group}#{}-{}", if approve { "accept" } else { "reject" }, super::inbox::hex_id(&follow_id)),
        "type": if approve { "Accept" } else { "Reject" },
        "actor": group,
        "object": { "id": follow_id, "type": "Follow", "actor": follower, "object": group },
    });
    delivery::queue(
        state,
        Owner::Community(c.id),
        &group,
        &answer,
        &[remote.delivery_inbox().to_string()],
    )
    .await?;
    Ok(())
}

/// The instances known, for the administrator (`Administer`).
pub async fn instances(
    state: &AppState,
    actor: &Actor,
) -> AppResult<Vec<super::instances::Instance>> {
    if !actor.may(crate::policy::Action::Administer) {
        return Err(AppError::Forbidden);
    }
    Ok(super::instances::list(&state.db).await?)
}

/// The administrator allows, blocks (defederates) or forgets (`none`) an
/// instance, named by its host (with its port, if any): `Invalid` on
/// `host` or `decision` otherwise, on `reason` when longer than 500 chars.
pub async fn decide_instance(
    state: &AppState,
    actor: &Actor,
    host: &str,
    decision: &str,
    reason: &str,
) -> AppResult<()> {
    if !actor.may(crate::policy::Action::Administer) {
        return Err(AppError::Forbidden);
    }
    let host = host
        .trim()
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_ascii_lowercase();
    let mut fields = Vec::new();
    let valid_host = !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        && url::Url::parse(&format!("https://{host}/")).is_ok();
    if !valid_host {
        fields.push(("host".to_string(), "federation-host-invalid".to_string()));
    }
    let state_value = match decision {
        "allowed" | "blocked" => decision,
        "none" => "",
        _ => {
            fields.push((
                "decision".to_string(),
                "federation-decision-invalid".to_string(),
            ));
            ""
        }
    };
    if reason.trim().chars().count() > 500 {
        fields.push(("reason".to_string(), "field-too-long".to_string()));
    }
    if !fields.is_empty() {
        return Err(AppError::Invalid { fields });
    }
    if host == super::host_of(&state.config.public_url()).to_ascii_lowercase() {
        return Err(AppError::Invalid {
            fields: vec![("host".into(), "federation-host-ours".into())],
        });
    }
    super::instances::set_state(&state.db, &host, state_value, reason).await?;
    Ok(())
}
