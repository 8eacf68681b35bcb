//! FEP-1b12 relay: what a person of another instance does in one of our
//! federated communities — a new publication (a post addressed to the
//! group, a Mastodon post mentioning it), a reply under one of its
//! publications, an `Update` or a `Delete` of their own post, a `Like` or
//! its `Undo` — is `Announce`d by the community to its other followers,
//! as Lemmy does, so that a third instance following the community sees
//! it. The activity is announced as received (it is not ours to sign);
//! the receivers verify it at its origin (`content::announce`: an object
//! of another server than the group's is fetched from its own id, a
//! `Delete` of one is believed when its origin no longer serves it).
//!
//! - Only once the inbox handled it through the operations (so the policy
//!   took it: never from someone banned, never into a private or unlisted
//!   community), and only for what an anonymous reader finds in one of our
//!   federated communities (`actors::audience`); a reply that is not
//!   visible is not relayed.
//! - Never back to the instance it came from (it has it already).
//! - A new top-level publication is also announced as the bare object,
//!   which is what Mastodon shows; replies only as `Announce(Create(Note))`
//!   (Mastodon followers are not flooded with every reply, as for ours).
//! - Events received are never relayed (`remote_events`), nor what a
//!   remote group announced into its mirror (a mirror is not one of our
//!   `Group`s), nor anything a group sends itself.

use serde_json::Value;

use super::content::{Ours, id_of, resolve};
use super::delivery::RemoteActor;
use super::inbox::Received;
use crate::communities::Community;
use crate::error::AppResult;
use crate::policy::ContentStatus;
use crate::state::AppState;

/// The object an activity of `kind` is about (for `Undo`, what the undone
/// `Like` liked).
fn object_of(kind: &str, activity: &Value) -> Option<String> {
    let object = activity.get("object")?;
    match kind {
        "Undo" => {
            (object.get("type").and_then(Value::as_str) == Some("Like")).then_some(())?;
            object.get("object").and_then(id_of).map(str::to_string)
        }
        _ => id_of(object).map(str::to_string),
    }
}

/// Our federated communities in which an anonymous reader finds `what`.
async fn groups_of(state: &AppState, what: Ours) -> AppResult<Vec<Community>> {
    let pid = match what {
        Ours::Publication(p) | Ours::Reply(p, _) => p,
    };
    let Some(a) = super::actors::audience(state, pid).await? else {
        return Ok(Vec::new());
    };
    if let Ours::Reply(p, r) = what {
        let visible = crate::publications::reply_by_id(&state.db, p, r)
            .await?
            .is_some_and(|r| r.status == ContentStatus::Visible);
        if !visible {
            return Ok(Vec::new());
        }
    }
    Ok(a.local_groups)
}

/// Whether an activity of `kind` by `actor` may be relayed at all.
fn relayable(actor: &RemoteActor, kind: &str) -> bool {
    matches!(kind, "Create" | "Update" | "Delete" | "Like" | "Undo")
        && !matches!(actor.kind.as_str(), "Group" | "Application")
}

/// Read before the activity is handled: where a `Delete`'s object is seen
/// now (it is not once deleted). `None` for anything else.
pub(super) async fn before(
    state: &AppState,
    actor: &RemoteActor,
    kind: &str,
    activity: &Value,
) -> Option<Vec<Community>> {
    if kind != "Delete" || !relayable(actor, kind) {
        return None;
    }
    let id = object_of(kind, activity)?;
    let r: AppResult<Vec<Community>> = async {
        match resolve(state, &id).await? {
            Some(what) => groups_of(state, what).await,
            None => Ok(Vec::new()),
        }
    }
    .await;
    r.map_err(|e| tracing::warn!(error = %e, "relay: could not read where it is"))
        .ok()
}

/// After the inbox handled `activity` (`outcome`): our communities concerned
/// announce it to their followers of other instances than its own. Best
/// effort, as the rest of the outbox.
pub(super) async fn after(
    state: &AppState,
    actor: &RemoteActor,
    kind: &str,
    activity: &Value,
    outcome: &Received,
    before: Option<Vec<Community>>,
) {
    let Received::Handled(what) = outcome else {
        return;
    };
    let taken = matches!(
        (kind, *what),
        ("Create", "publication" | "reply")
            | (
                "Update",
                "publication edited" | "reply edited" | "publication" | "reply"
            )
            | ("Delete", "deleted")
            | ("Like", "liked")
            | ("Undo", "like taken back")
    );
    if !taken || !relayable(actor, kind) {
        return;
    }
    let r: AppResult<()> = async {
        let Some(id) = object_of(kind, activity) else {
            return Ok(());
        };
        let groups = match before {
            Some(g) => g,
            None => match resolve(state, &id).await? {
                Some(what) => groups_of(state, what).await?,
                None => Vec::new(),
            },
        };
        if groups.is_empty() {
            return Ok(());
        }
        let mut inner = activity.clone();
        if let Some(o) = inner.as_object_mut() {
            o.remove("@context");
        }
        // A new top-level publication: also the bare object, for Mastodon.
        let bare = match (kind, *what, activity.get("object")) {
            ("Create", "publication", Some(o)) => {
                let mut o = o.clone();
                if let Some(m) = o.as_object_mut() {
                    m.remove("@context");
                }
                Some(o)
            }
            _ => None,
        };
        let origin_host = super::instances::host(&actor.ap_id);
        for c in &groups {
            super::outbox::announce_except(state, c, &inner, Some(&origin_host)).await?;
            if let Some(b) = &bare {
                super::outbox::announce_except(state, c, b, Some(&origin_host)).await?;
            }
        }
        Ok(())
    }
    .await;
    if let Err(e) = r {
        tracing::warn!(error = %e, kind, "federation: relay not queued");
    }
}
