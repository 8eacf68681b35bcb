//! What our groups send (FEP-1b12): when a member publishes in a federated
//! community, the community `Announce`s the `Create` of the `Page` to its
//! remote followers (shared inboxes once). Best effort after the
//! publication is written: a failure is logged, never the author's error;
//! each delivery is then a job, retried on its own.

use serde_json::{Value, json};

use super::actors;
use super::delivery;
use super::inbox::follower_inboxes;
use super::keys::Owner;
use super::{AS_CONTEXT, PUBLIC, extension_context};
use crate::error::AppResult;
use crate::state::AppState;

/// After publication `id` was created: announce it where it is federated.
pub async fn announce_created(state: &AppState, id: i64) {
    if let Err(e) = announce(state, id).await {
        tracing::warn!(publication = id, error = %e, "federation: announce not queued");
    }
}

async fn announce(state: &AppState, id: i64) -> AppResult<()> {
    // The Page as the fediverse may see it: nothing for a private or
    // unlisted community, an author who opted out, removed content.
    let Some(mut page) = actors::page(state, id).await? else {
        return Ok(());
    };
    if let Some(o) = page.as_object_mut() {
        o.remove("@context");
    }
    let groups: Vec<String> = page["cc"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let page_id = page["id"].as_str().unwrap_or_default().to_string();
    let create = json!({
        "id": format!("{page_id}#create"),
        "type": "Create",
        "actor": page["attributedTo"].clone(),
        "to": page["to"].clone(),
        "cc": page["cc"].clone(),
        "object": page,
    });
    let public = state.config.public_url();
    for group in groups {
        let Some(slug) = group
            .strip_prefix(public.as_str())
            .and_then(|p| p.strip_prefix("/c/"))
        else {
            continue;
        };
        let Some(c) = actors::federated_community(state, slug).await? else {
            continue;
        };
        let inboxes = follower_inboxes(state, c.id).await?;
        if inboxes.is_empty() {
            continue;
        }
        let activity = json!({
            "@context": [AS_CONTEXT, extension_context()],
            "id": format!("{group}#announce-{id}"),
            "type": "Announce",
            "actor": group,
            "to": [PUBLIC],
            "cc": [format!("{group}/followers")],
            "object": create,
        });
        delivery::queue(state, Owner::Community(c.id), &group, &activity, &inboxes).await?;
    }
    Ok(())
}
