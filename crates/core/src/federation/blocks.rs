//! Blocks from a community (FEP-1b12 moderation, the way Lemmy writes it:
//! `Block` with `target` the community, `Undo(Block)` to lift it).
//!
//! - **A remote person** is blocked from one of our communities as any
//!   person is banned there: `moderation::ops::act` (`Act::Ban`) on their
//!   shadow account, so the policy refuses what they send
//!   (`PostFromFediverse`, replies) like anything a banned member does.
//!   After the ban, [`ban_changed`] drops them from the community's remote
//!   followers and sends them `Block` (`Undo(Block)` on unban), signed by
//!   the community.
//! - **A whole instance** for one community ([`block_instance`], its
//!   moderators): a row of `ap_community_blocks`; the shadow accounts of
//!   that host are banned there, those made later too
//!   ([`apply_instance_blocks`], called when a shadow account is read),
//!   its followers are dropped, each told by a `Block`.
//! - Either way a `Follow` from them is refused (`Reject`).
//! - **Inbound** ([`received`]): a remote group one of our members follows
//!   (its mirror), or a moderator on the group's own server, blocks that
//!   member: their membership of the mirror becomes `banned`, so nothing
//!   they write goes to the group any more (`removeData`: what they had
//!   there is removed); `Undo(Block)` lifts it.

use serde_json::{Value, json};

use super::delivery::{self, RemoteActor};
use super::inbox::{InboxError, Received, hex_id};
use super::keys::Owner;
use super::{AS_CONTEXT, PUBLIC, extension_context};
use crate::actor::Actor;
use crate::communities::Community;
use crate::db::{Db, now};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

fn id_of(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::Object(o) => o.get("id").and_then(Value::as_str),
        _ => None,
    }
}

/// The `memberships.message` of a ban made by an instance block (so that
/// lifting the instance block lifts those bans, not the others).
fn instance_mark(host: &str) -> String {
    format!("[{host}]")
}

/// Is the remote actor `ap_id` blocked from community `community_id` — by
/// its instance, or as a person (a banned shadow account)?
pub async fn blocked(db: &Db, community_id: i64, ap_id: &str) -> Result<bool, sqlx::Error> {
    let host = super::instances::host(ap_id);
    let n: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM ap_community_blocks WHERE community_id = $1 AND host = $2) + \
         (SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id \
          WHERE m.community_id = $1 AND u.ap_id = $3 AND m.state = 'banned')",
    )
    .bind(community_id)
    .bind(&host)
    .bind(ap_id)
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}

/// Ban the shadow account `user_id` of `host` in every community that
/// blocks that instance (called whenever a shadow account is read for an
/// activity, so that people first heard of after the block are in it too).
pub async fn apply_instance_blocks(db: &Db, user_id: i64, host: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO memberships (community_id, user_id, role, state, message, created_at, updated_at) \
         SELECT b.community_id, $1, 'member', 'banned', $3, $4, $4 FROM ap_community_blocks b \
         WHERE b.host = $2 ON CONFLICT (community_id, user_id) DO NOTHING",
    )
    .bind(user_id)
    .bind(host)
    .bind(instance_mark(host))
    .bind(now())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// The instances blocked by community `c`, with the reason (its moderators).
pub async fn instance_blocks(
    state: &AppState,
    actor: &Actor,
    c: &Community,
) -> AppResult<Vec<(String, String)>> {
    may_moderate(state, actor, c).await?;
    Ok(sqlx::query_as(
        "SELECT host, reason FROM ap_community_blocks WHERE community_id = $1 ORDER BY host",
    )
    .bind(c.id)
    .fetch_all(&state.db.pool)
    .await?)
}

async fn may_moderate(state: &AppState, actor: &Actor, c: &Community) -> AppResult<()> {
    let m = crate::communities::membership(&state.db, c.id, actor.user()).await?;
    if !actor.may(crate::policy::Action::ModerateCommunity { c: &c.facts(), m })
        || !super::community_federated(c)
    {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

/// What a moderator names to block: a remote person (`name@host`, its
/// actor URL) or a whole instance (`host`, `host:port`).
pub enum Blockee {
    Person(String),
    Instance(String),
}

impl Blockee {
    pub fn parse(s: &str) -> Option<Blockee> {
        let s = s.trim();
        if s.is_empty() || s.chars().any(char::is_whitespace) {
            return None;
        }
        if s.contains("://") || s.trim_start_matches(['@', '!']).contains('@') {
            return Some(Blockee::Person(s.to_string()));
        }
        let host = s.trim_end_matches('/').to_ascii_lowercase();
        (!host.contains('/') && host.contains('.') || host.contains(':'))
            .then_some(Blockee::Instance(host))
    }
}

/// A moderator of `c` blocks `who` from it. A person: banned as any person
/// is (`moderation::ops::act`, which calls [`ban_changed`]). An instance:
/// recorded, its known people banned, its followers dropped and told.
pub async fn block(
    state: &AppState,
    actor: &Actor,
    c: &Community,
    who: &Blockee,
    reason: &str,
) -> AppResult<()> {
    may_moderate(state, actor, c).await?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(AppError::Invalid {
            fields: vec![("reason".into(), "moderation-reason-required".into())],
        });
    }
    match who {
        Blockee::Person(handle) => {
            let ap_id = delivery::resolve_handle(state, handle)
                .await
                .map_err(|_| AppError::NotFound)?;
            if ap_id.starts_with(&state.config.public_url()) {
                return Err(AppError::NotFound);
            }
            let remote = delivery::remote_actor(state, &ap_id, false)
                .await
                .map_err(|_| AppError::NotFound)?;
            let user = super::remote::person(state, &remote).await?;
            crate::moderation::ops::act(
                state,
                actor,
                crate::moderation::Scope::Community(c.id),
                Some(c),
                &crate::moderation::ops::ActRequest {
                    act: crate::moderation::Act::Ban,
                    target: Some(crate::moderation::Target::User(user.id)),
                    report_id: None,
                    reason: reason.to_string(),
                },
            )
            .await?;
        }
        Blockee::Instance(host) => {
            if *host == super::instances::host(&state.config.public_url()) {
                return Err(AppError::NotFound);
            }
            sqlx::query(
                "INSERT INTO ap_community_blocks (community_id, host, reason, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (community_id, host) DO UPDATE SET reason = excluded.reason",
            )
            .bind(c.id)
            .bind(host)
            .bind(reason)
            .bind(actor.audit_id())
            .bind(now())
            .execute(&state.db.pool)
            .await?;
            let shadows: Vec<i64> = sqlx::query_scalar("SELECT id FROM users WHERE domain = $1")
                .bind(host)
                .fetch_all(&state.db.pool)
                .await?;
            for id in shadows {
                apply_instance_blocks(&state.db, id, host).await?;
            }
            let followers: Vec<String> =
                sqlx::query_scalar("SELECT actor FROM ap_followers WHERE community_id = $1")
                    .bind(c.id)
                    .fetch_all(&state.db.pool)
                    .await?;
            for f in followers
                .iter()
                .filter(|f| super::instances::host(f) == *host)
            {
                tell(state, c, f, true, reason).await;
            }
            sqlx::query(
                "INSERT INTO mod_log (community_id, actor_id, action, reason, created_at) \
                 VALUES ($1, $2, 'block_instance', $3, $4)",
            )
            .bind(c.id)
            .bind(actor.audit_id())
            .bind(format!("{host}: {reason}"))
            .bind(now())
            .execute(&state.db.pool)
            .await?;
        }
    }
    Ok(())
}

/// A moderator of `c` lifts the block of instance `host`: the bans it made
/// go with it (not those of people banned on their own).
pub async fn unblock_instance(
    state: &AppState,
    actor: &Actor,
    c: &Community,
    host: &str,
) -> AppResult<()> {
    may_moderate(state, actor, c).await?;
    let host = host.trim().to_ascii_lowercase();
    let n = sqlx::query("DELETE FROM ap_community_blocks WHERE community_id = $1 AND host = $2")
        .bind(c.id)
        .bind(&host)
        .execute(&state.db.pool)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(AppError::NotFound);
    }
    sqlx::query(
        "DELETE FROM memberships WHERE community_id = $1 AND state = 'banned' AND message = $2 \
         AND user_id IN (SELECT id FROM users WHERE domain = $3)",
    )
    .bind(c.id)
    .bind(instance_mark(&host))
    .bind(&host)
    .execute(&state.db.pool)
    .await?;
    sqlx::query(
        "INSERT INTO mod_log (community_id, actor_id, action, reason, created_at) \
         VALUES ($1, $2, 'unblock_instance', $3, $4)",
    )
    .bind(c.id)
    .bind(actor.audit_id())
    .bind(&host)
    .bind(now())
    .execute(&state.db.pool)
    .await?;
    Ok(())
}

/// After `moderation::ops::act` banned (or unbanned) `user_id` in `c`: a
/// remote person leaves the community's followers and is told (`Block`,
/// `Undo(Block)`). Nothing for local people or remote groups' mirrors.
pub async fn ban_changed(
    state: &AppState,
    c: &Community,
    user_id: i64,
    banned: bool,
    reason: &str,
) {
    if c.domain.is_some() || !super::community_federated(c) {
        return;
    }
    let r: AppResult<()> = async {
        let Some(u) = crate::accounts::by_id(&state.db, user_id).await? else {
            return Ok(());
        };
        if u.domain.is_none() {
            return Ok(());
        }
        let ap_id: Option<String> = sqlx::query_scalar("SELECT ap_id FROM users WHERE id = $1")
            .bind(u.id)
            .fetch_one(&state.db.pool)
            .await?;
        if let Some(ap_id) = ap_id {
            tell(state, c, &ap_id, banned, reason).await;
        }
        Ok(())
    }
    .await;
    if let Err(e) = r {
        tracing::warn!(error = %e, community = c.id, "federation: block not sent");
    }
}

/// The `Block` of `ap_id` by community `c`.
fn block_activity(group: &str, ap_id: &str, reason: &str, t: i64) -> Value {
    json!({
        "id": format!("{group}#block-{}-{t}", hex_id(ap_id)),
        "type": "Block",
        "actor": group,
        "object": ap_id,
        "target": group,
        "to": [PUBLIC],
        "cc": [format!("{group}/followers")],
        "audience": group,
        "summary": reason,
        "removeData": false,
    })
}

/// Drop `ap_id` from `c`'s followers (on a block) and send it `Block`, or
/// `Undo(Block)`.
async fn tell(state: &AppState, c: &Community, ap_id: &str, block: bool, reason: &str) {
    let r: AppResult<()> = async {
        if block {
            sqlx::query("DELETE FROM ap_followers WHERE community_id = $1 AND actor = $2")
                .bind(c.id)
                .bind(ap_id)
                .execute(&state.db.pool)
                .await?;
        }
        let remote = delivery::remote_actor(state, ap_id, false)
            .await
            .map_err(AppError::Internal)?;
        let group = state.url(&c.path());
        let t = now();
        let inner = block_activity(&group, ap_id, reason, t);
        let mut activity = if block {
            inner
        } else {
            json!({
                "id": format!("{group}#unblock-{}-{t}", hex_id(ap_id)),
                "type": "Undo",
                "actor": group,
                "to": [PUBLIC],
                "cc": [format!("{group}/followers")],
                "audience": group,
                "object": inner,
            })
        };
        activity["@context"] = json!([AS_CONTEXT, extension_context()]);
        delivery::queue(
            state,
            Owner::Community(c.id),
            &group,
            &activity,
            &[remote.inbox.clone()],
        )
        .await?;
        Ok(())
    }
    .await;
    if let Err(e) = r {
        tracing::warn!(error = %e, actor = ap_id, "federation: block not sent");
    }
}

/// `Block` (or, `undo`, its `Undo`) received from `actor`: a remote group
/// we mirror — or a moderator on its own server — blocks one of our members
/// from it.
pub async fn received(
    state: &AppState,
    actor: &RemoteActor,
    block: &Value,
    undo: bool,
) -> Result<Received, InboxError> {
    let Some(target) = block.get("target").and_then(id_of) else {
        // Mastodon's person-to-person block: nothing of ours to change.
        return Ok(Received::Ignored("block without a community"));
    };
    let origin = |u: &str| {
        url::Url::parse(u)
            .ok()
            .map(|u| u.origin().ascii_serialization())
    };
    if block.get("actor").and_then(id_of) != Some(actor.ap_id.as_str())
        || origin(target) != origin(&actor.ap_id)
    {
        return Err(InboxError::Unauthenticated(
            "a block by someone not of the group's server".into(),
        ));
    }
    let Some(mirror) = super::remote::known_group(state, target)
        .await
        .map_err(|e| InboxError::Internal(e.into()))?
        .filter(|c| c.domain.is_some())
    else {
        return Ok(Received::Ignored("block from a group we do not follow"));
    };
    let object = block
        .get("object")
        .and_then(id_of)
        .ok_or(InboxError::Invalid("no object"))?;
    let Some(user_id) = super::outbox::local_person(state, object)
        .await
        .map_err(|e| InboxError::Internal(anyhow::anyhow!("{e}")))?
    else {
        return Ok(Received::Ignored("block of someone who is not ours"));
    };
    if undo {
        let n = sqlx::query(
            "UPDATE memberships SET state = 'active', updated_at = $3 \
             WHERE community_id = $1 AND user_id = $2 AND state = 'banned'",
        )
        .bind(mirror.id)
        .bind(user_id)
        .bind(now())
        .execute(&state.db.pool)
        .await?
        .rows_affected();
        return Ok(if n > 0 {
            Received::Handled("unblocked from a remote group")
        } else {
            Received::Ignored("undo of a block we do not know")
        });
    }
    let summary = block
        .get("summary")
        .and_then(Value::as_str)
        .map(|s| crate::accounts::truncate(s, 500))
        .unwrap_or_default();
    sqlx::query(
        "INSERT INTO memberships (community_id, user_id, role, state, message, created_at, updated_at) \
         VALUES ($1, $2, 'member', 'banned', $3, $4, $4) ON CONFLICT (community_id, user_id) \
         DO UPDATE SET role = 'member', state = 'banned', message = excluded.message, updated_at = excluded.updated_at",
    )
    .bind(mirror.id)
    .bind(user_id)
    .bind(&summary)
    .bind(now())
    .execute(&state.db.pool)
    .await?;
    if block.get("removeData").and_then(Value::as_bool) == Some(true) {
        sqlx::query(
            "UPDATE publication_communities SET status = 'removed', status_reason = $3 \
             WHERE community_id = $1 AND publication_id IN (SELECT id FROM publications WHERE author_id = $2)",
        )
        .bind(mirror.id)
        .bind(user_id)
        .bind(&summary)
        .execute(&state.db.pool)
        .await?;
    }
    sqlx::query(
        "UPDATE communities SET member_count = \
         (SELECT COUNT(*) FROM memberships WHERE community_id = $1 AND state = 'active') WHERE id = $1",
    )
    .bind(mirror.id)
    .execute(&state.db.pool)
    .await?;
    Ok(Received::Handled("blocked from a remote group"))
}
