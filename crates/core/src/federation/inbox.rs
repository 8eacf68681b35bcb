//! What other servers send us: every inbox POST is verified before anything
//! is read from it — the HTTP signature, RFC 9421 (`Signature-Input`,
//! `Content-Digest`) or draft-cavage (`Digest`), with the date window
//! (`httpsig`), by the key the actor's own document names (the key's
//! owner is the actor of the activity), the activity's id on the actor's
//! origin — then handled once (`ap_received`: a duplicate is acknowledged,
//! not handled again).
//!
//! Before the signature is even checked, the sender's instance must not be
//! blocked (`instances`, 403) and must stay within [`INBOX_PER_HOST`]
//! activities a minute (429).
//!
//! Handled here: `Follow` of a community (an open one accepts at once and
//! answers `Accept`; one that approves its members keeps the follow
//! pending until a manager approves it, [`approve`]; a private or unlisted
//! one, or anything that is not a federated community, is refused with a
//! logged reason), `Undo` of that follow, and `Accept` / `Reject` of our
//! members' follows (an accepted one makes the remote group's mirror,
//! `remote::group`, and the member a member of it). Content (`Create`,
//! `Update`, `Delete`, `Announce`, `Remove`, `Like`, `Flag`) is
//! `content`'s. Other activities are acknowledged and logged.

use serde_json::{Value, json};

use super::content;
use super::delivery::{self, RemoteActor};
use super::httpsig::{self, SigError};
use super::keys::Owner;
use super::{AS_CONTEXT, community_federated};
use crate::db::now;
use crate::state::AppState;

/// An inbox POST as the entry point read it.
pub struct Post<'a> {
    pub path_and_query: &'a str,
    /// A header's value by lower-case name.
    pub header: &'a (dyn Fn(&str) -> Option<String> + Sync),
    pub body: &'a [u8],
}

/// What became of an activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    Handled(&'static str),
    /// Already received (same id): acknowledged, not handled again.
    Duplicate,
    /// Verified, but nothing we act on; the reason is logged.
    Ignored(&'static str),
}

/// Activities one instance may POST a minute (all its actors together).
pub const INBOX_PER_HOST: crate::ratelimit::Limit = crate::ratelimit::Limit {
    max: 600,
    window_secs: 60,
};

#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    #[error("instance blocked")]
    Blocked,
    #[error("too many activities; retry in {0} s")]
    TooMany(i64),
    #[error("signature: {0}")]
    Signature(#[from] SigError),
    #[error("not authenticated: {0}")]
    Unauthenticated(String),
    #[error("invalid activity: {0}")]
    Invalid(&'static str),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for InboxError {
    fn from(e: sqlx::Error) -> Self {
        InboxError::Internal(e.into())
    }
}

fn id_of(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::Object(o) => o.get("id").and_then(Value::as_str),
        _ => None,
    }
}

fn origin(u: &str) -> Option<String> {
    url::Url::parse(u)
        .ok()
        .map(|u| u.origin().ascii_serialization())
}

/// Verify, then handle, one inbox POST.
pub async fn receive(state: &AppState, post: &Post<'_>) -> Result<Received, InboxError> {
    let parsed = httpsig::parse_request(post.header)?;
    let from = super::instances::host(parsed.key_id());
    if !super::instances::permitted(&state.db, &from).await? {
        return Err(InboxError::Blocked);
    }
    if let Err(retry) =
        crate::ratelimit::hit(&state.db, &format!("inbox:{from}"), INBOX_PER_HOST).await?
    {
        return Err(InboxError::TooMany(retry));
    }
    let activity: Value =
        serde_json::from_slice(post.body).map_err(|_| InboxError::Invalid("not JSON"))?;
    let actor_id = activity
        .get("actor")
        .and_then(id_of)
        .ok_or(InboxError::Invalid("no actor"))?
        .to_string();
    let public = state.config.public_url();
    let scheme = url::Url::parse(&public)
        .map(|u| u.scheme().to_string())
        .unwrap_or_else(|_| "https".into());
    let inbound = httpsig::Inbound {
        method: "POST",
        scheme: &scheme,
        path_and_query: post.path_and_query,
        header: post.header,
        body: Some(post.body),
    };
    let mut actor = delivery::remote_actor(state, &actor_id, false)
        .await
        .map_err(|e| InboxError::Unauthenticated(format!("{e:#}")))?;
    let verified = |a: &RemoteActor| {
        if a.key_id != parsed.key_id() {
            return Err(InboxError::Unauthenticated(format!(
                "key {} is not {}'s",
                parsed.key_id(),
                a.ap_id
            )));
        }
        httpsig::verify_request(&inbound, &parsed, &a.public_pem, now()).map_err(InboxError::from)
    };
    if let Err(first) = verified(&actor) {
        // The actor may have rotated its key since we cached it.
        actor = delivery::remote_actor(state, &actor_id, true)
            .await
            .map_err(|e| InboxError::Unauthenticated(format!("{e:#}")))?;
        if verified(&actor).is_err() {
            return Err(first);
        }
    }
    super::instances::seen(&state.db, &from).await?;
    if parsed.scheme() == httpsig::Scheme::Rfc9421 {
        // A peer that signs with RFC 9421 verifies it too.
        super::instances::set_signature_scheme(&state.db, &from, httpsig::Scheme::Rfc9421).await?;
    }
    handle(state, &actor, &activity).await
}

/// Handle one activity whose signature was verified as `actor`'s (the
/// second half of [`receive`]; also what the fixture tests call with the
/// actor documents of other servers): its id must be on the actor's
/// origin, and it is handled once.
pub async fn handle(
    state: &AppState,
    actor: &RemoteActor,
    activity: &Value,
) -> Result<Received, InboxError> {
    let actor_id = actor.ap_id.clone();
    if activity.get("actor").and_then(id_of) != Some(actor_id.as_str()) {
        return Err(InboxError::Unauthenticated(
            "the activity's actor is not who signed it".into(),
        ));
    }
    let id = activity
        .get("id")
        .and_then(Value::as_str)
        .ok_or(InboxError::Invalid("no id"))?;
    if origin(id) != origin(&actor_id) {
        return Err(InboxError::Invalid(
            "the activity's id is not on its actor's server",
        ));
    }
    let kind = activity
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let fresh = sqlx::query(
        "INSERT INTO ap_received (activity_id, actor, kind, received_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (activity_id) DO NOTHING",
    )
    .bind(id)
    .bind(&actor_id)
    .bind(&kind)
    .bind(now())
    .execute(&state.db.pool)
    .await?
    .rows_affected();
    if fresh == 0 {
        return Ok(Received::Duplicate);
    }
    // What a remote person did in one of our communities is relayed to its
    // other followers once handled (FEP-1b12); a `Delete`'s audience is
    // read before.
    let relay_to = super::relay::before(state, actor, &kind, activity).await;
    let outcome = match kind.as_str() {
        "Follow" => follow(state, actor, activity).await?,
        "Undo" => undo(state, actor, activity).await?,
        "Accept" | "Reject" => answered(state, actor, activity, kind == "Accept").await?,
        "Create" | "Update" => {
            let mut obj = activity
                .get("object")
                .cloned()
                .ok_or(InboxError::Invalid("no object"))?;
            if let Value::String(u) = &obj {
                obj = delivery::fetch_object(state, u)
                    .await
                    .map_err(|e| InboxError::Unauthenticated(format!("{e:#}")))?;
            }
            content::create_or_update(state, actor, &obj, None, kind == "Update").await?
        }
        "Delete" => content::delete(state, actor, activity).await?,
        "Remove" => content::remove(state, actor, activity).await?,
        "Announce" => content::announce(state, actor, activity).await?,
        "Like" => content::like(state, actor, activity, false).await?,
        "Flag" => content::flag(state, actor, activity).await?,
        "Block" => super::blocks::received(state, actor, activity, false).await?,
        "Join" => super::events::join(state, actor, activity, false).await?,
        "Leave" => super::events::join(state, actor, activity, true).await?,
        _ => Received::Ignored("activity type not handled"),
    };
    if let Received::Ignored(why) = &outcome {
        tracing::info!(actor = %actor_id, activity = %id, kind = %kind, why, "activity ignored");
    }
    super::relay::after(state, actor, &kind, activity, &outcome, relay_to).await;
    Ok(outcome)
}

/// The slug of one of our communities named by `url`.
pub(crate) fn our_community<'a>(state: &AppState, url: &'a str) -> Option<&'a str> {
    let public = state.config.public_url();
    let path = url.strip_prefix(public.as_str())?;
    let slug = path.strip_prefix("/c/")?;
    (!slug.is_empty() && !slug.contains('/')).then_some(slug)
}

async fn follow(
    state: &AppState,
    actor: &RemoteActor,
    activity: &Value,
) -> Result<Received, InboxError> {
    let object = activity
        .get("object")
        .and_then(id_of)
        .ok_or(InboxError::Invalid("no object"))?;
    let Some(slug) = our_community(state, object) else {
        return Ok(Received::Ignored(
            "follows something that is not a community",
        ));
    };
    let c = crate::communities::by_slug(&state.db, slug).await?;
    let Some(c) = c.filter(community_federated) else {
        // Private, unlisted, pending, refused or unknown: never federated.
        tracing::info!(
            actor = %actor.ap_id,
            object,
            "follow refused: the community is not federated (private, unlisted, or does not exist)"
        );
        return Ok(Received::Ignored(
            "follow of a community that is not federated",
        ));
    };
    let open = c.join_policy == crate::policy::JoinPolicy::Open;
    let follow_id = activity
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let group = state.url(&c.path());
    if super::blocks::blocked(&state.db, c.id, &actor.ap_id).await? {
        // Blocked from the community (the person, or their instance).
        tracing::info!(actor = %actor.ap_id, object, "follow refused: blocked from the community");
        let reject = json!({
            "@context": AS_CONTEXT,
            "id": format!("{group}#reject-{}", hex_id(follow_id)),
            "type": "Reject",
            "actor": group,
            "object": { "id": follow_id, "type": "Follow", "actor": actor.ap_id, "object": group },
        });
        delivery::queue(
            state,
            Owner::Community(c.id),
            &group,
            &reject,
            &[actor.inbox.clone()],
        )
        .await?;
        return Ok(Received::Ignored(
            "follow refused: blocked from the community",
        ));
    }
    sqlx::query(
        "INSERT INTO ap_followers (community_id, actor, follow_id, state, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (community_id, actor) DO UPDATE SET \
         follow_id = excluded.follow_id, state = CASE WHEN ap_followers.state = 'accepted' \
         THEN 'accepted' ELSE excluded.state END",
    )
    .bind(c.id)
    .bind(&actor.ap_id)
    .bind(follow_id)
    .bind(if open { "accepted" } else { "pending" })
    .bind(now())
    .execute(&state.db.pool)
    .await?;
    if !open {
        return Ok(Received::Handled("follow pending approval"));
    }
    let accept = json!({
        "@context": AS_CONTEXT,
        "id": format!("{group}#accept-{}", hex_id(follow_id)),
        "type": "Accept",
        "actor": group,
        "object": {
            "id": follow_id,
            "type": "Follow",
            "actor": actor.ap_id,
            "object": group,
        },
    });
    delivery::queue(
        state,
        Owner::Community(c.id),
        &group,
        &accept,
        &[actor.inbox.clone()],
    )
    .await?;
    Ok(Received::Handled("follow accepted"))
}

/// A short stable id derived from another id.
pub(crate) fn hex_id(s: &str) -> String {
    use sha2::Digest;
    hex::encode(&sha2::Sha256::digest(s.as_bytes())[..12])
}

async fn undo(
    state: &AppState,
    actor: &RemoteActor,
    activity: &Value,
) -> Result<Received, InboxError> {
    let object = activity
        .get("object")
        .ok_or(InboxError::Invalid("no object"))?;
    let inner_type = object.get("type").and_then(Value::as_str).unwrap_or("");
    if inner_type == "Like" {
        // By the Like's id, or by what it liked (Lemmy sends an Undo whose
        // Like has another id than the one it sent).
        let liked = object.get("object").and_then(id_of);
        return content::like(
            state,
            actor,
            &json!({ "object": id_of(object), "liked": liked }),
            true,
        )
        .await;
    }
    if inner_type == "Join" {
        return super::events::join(state, actor, object, true).await;
    }
    if inner_type == "Block" {
        return super::blocks::received(state, actor, object, true).await;
    }
    let follow_id = id_of(object).unwrap_or_default();
    // Undo(Follow), embedded (Mastodon, Lemmy) or by id.
    if !(inner_type == "Follow" || inner_type.is_empty()) {
        return Ok(Received::Ignored("undo of something other than a follow"));
    }
    let gone = sqlx::query("DELETE FROM ap_followers WHERE actor = $1 AND follow_id = $2")
        .bind(&actor.ap_id)
        .bind(follow_id)
        .execute(&state.db.pool)
        .await?
        .rows_affected();
    let gone = if gone == 0 {
        // Some servers send a new id for the embedded Follow: its object names the group.
        match object
            .get("object")
            .and_then(id_of)
            .and_then(|o| our_community(state, o))
        {
            Some(slug) => sqlx::query(
                "DELETE FROM ap_followers WHERE actor = $1 AND community_id = \
                 (SELECT id FROM communities WHERE slug = $2)",
            )
            .bind(&actor.ap_id)
            .bind(slug)
            .execute(&state.db.pool)
            .await?
            .rows_affected(),
            None => 0,
        }
    } else {
        gone
    };
    Ok(if gone > 0 {
        Received::Handled("unfollowed")
    } else {
        Received::Ignored("undo of a follow we do not know")
    })
}

async fn answered(
    state: &AppState,
    actor: &RemoteActor,
    activity: &Value,
    accepted: bool,
) -> Result<Received, InboxError> {
    let follow_id = activity
        .get("object")
        .and_then(id_of)
        .ok_or(InboxError::Invalid("no object"))?;
    // The answer to one of our people's `Join` of a remote event.
    if let Some(done) =
        super::remote_events::join_answered(state, actor, activity, accepted).await?
    {
        return Ok(done);
    }
    let n = sqlx::query("UPDATE ap_following SET state = $1 WHERE follow_id = $2 AND target = $3")
        .bind(if accepted { "accepted" } else { "rejected" })
        .bind(follow_id)
        .bind(&actor.ap_id)
        .execute(&state.db.pool)
        .await?
        .rows_affected();
    if n > 0 && accepted {
        super::ops::joined_mirror(state, actor, follow_id)
            .await
            .map_err(|e| InboxError::Internal(e.into()))?;
    }
    Ok(if n > 0 {
        Received::Handled(if accepted {
            "follow accepted"
        } else {
            "follow rejected"
        })
    } else {
        Received::Ignored("answer to a follow we did not send")
    })
}

/// The inbox followers of a community are delivered at (shared inboxes
/// once), for `Announce`s: accepted followers only.
pub async fn follower_inboxes(
    state: &AppState,
    community_id: i64,
) -> Result<Vec<String>, sqlx::Error> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT a.inbox, a.shared_inbox FROM ap_followers f JOIN ap_actors a ON a.ap_id = f.actor \
         WHERE f.community_id = $1 AND f.state = 'accepted' ORDER BY f.created_at",
    )
    .bind(community_id)
    .fetch_all(&state.db.pool)
    .await?;
    let mut out: Vec<String> = rows
        .into_iter()
        .map(|(i, s)| if s.is_empty() { i } else { s })
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

/// How many accepted remote followers a community has.
pub async fn follower_count(state: &AppState, community_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM ap_followers WHERE community_id = $1 AND state = 'accepted'",
    )
    .bind(community_id)
    .fetch_one(&state.db.pool)
    .await
}
