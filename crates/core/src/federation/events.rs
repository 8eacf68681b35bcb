//! Events as ActivityPub `Event`s, the way Mobilizon writes them
//! (`lib/federation/activity_stream/converter/event.ex`): `name`,
//! `content` (HTML) with its Markdown `source`, `startTime`/`endTime` in
//! RFC 3339 with the event's `timezone`, a `Place` with a `PostalAddress`
//! for `location`, `isOnline` and a "Website" `Link` for a public online
//! address, `joinMode`, `maximumAttendeeCapacity`, `ical:status`;
//! `attributedTo` the group (Mobilizon's rule when an event belongs to a
//! group) and `actor` the organiser. The event's image is a `Document`
//! named "Banner" among the `attachment`s (what Mobilizon reads as the
//! event's picture) and the ActivityStreams `image` (an `Image` whose
//! `name` is the text alternative, what Mastodon and others read).
//!
//! Only what an anonymous reader may see, in at least one of our federated
//! communities, by an organiser who did not opt out, is a document; each
//! such community announces `Create(Event)` (and the bare `Event`, which
//! Mastodon shows as a title and a link) when it is created, `Update` when
//! it changes.

use serde_json::{Value, json};

use super::delivery::{self, RemoteActor};
use super::inbox::{InboxError, Received, hex_id};
use super::keys::Owner;
use super::{AS_CONTEXT, PUBLIC, SEC_CONTEXT, community_federated, rfc3339};
use crate::actor::Actor;
use crate::communities::Community;
use crate::error::AppResult;
use crate::events::rsvp::{self, Answer};
use crate::events::{self, Status};
use crate::state::AppState;
use crate::urls;

/// The JSON-LD terms of Mobilizon's events, with the IRIs it gives them.
fn context() -> Value {
    json!([AS_CONTEXT, SEC_CONTEXT, {
        "mz": "https://joinmobilizon.org/ns#",
        "sc": "http://schema.org#",
        "ical": "http://www.w3.org/2002/12/cal/ical#",
        "timezone": { "@id": "mz:timezone", "@type": "sc:Text" },
        "isOnline": { "@id": "mz:isOnline", "@type": "sc:Boolean" },
        "joinMode": { "@id": "mz:joinMode", "@type": "mz:joinModeType" },
        "maximumAttendeeCapacity": "sc:maximumAttendeeCapacity",
        "anonymousParticipationEnabled": { "@id": "mz:anonymousParticipationEnabled", "@type": "sc:Boolean" },
        "PostalAddress": "sc:PostalAddress",
        "address": { "@id": "sc:address", "@type": "sc:address" },
        "streetAddress": "sc:streetAddress",
    }])
}

/// Event `id` as the fediverse may see it, with our federated communities
/// it is in; `None` where it may not.
pub async fn event(state: &AppState, id: i64) -> AppResult<Option<(Value, Vec<Community>)>> {
    let Some(l) = events::load(&state.db, None, id).await? else {
        return Ok(None);
    };
    if !l.visible_to(None) {
        return Ok(None);
    }
    let groups: Vec<Community> = l
        .communities
        .iter()
        .map(|(c, _)| c.clone())
        .filter(|c| c.domain.is_none() && community_federated(c))
        .collect();
    if groups.is_empty() {
        return Ok(None);
    }
    let Some(organiser_id) = l.e.organiser_id else {
        return Ok(None);
    };
    let Some(organiser) = crate::accounts::by_id(&state.db, organiser_id).await? else {
        return Ok(None);
    };
    if !super::person_federated(&state.db, &organiser).await? {
        return Ok(None);
    }
    let e = &l.e;
    let url = state.url(&urls::event(e.id));
    let group_ids: Vec<String> = groups.iter().map(|c| state.url(&c.path())).collect();
    let mut doc = json!({
        "@context": context(),
        "id": url,
        "type": "Event",
        "url": url,
        "name": e.title,
        "content": e.description_html,
        "mediaType": "text/html",
        "source": { "content": e.description, "mediaType": "text/markdown" },
        "startTime": rfc3339(e.starts_at),
        "endTime": rfc3339(e.ends_at),
        "timezone": e.tz,
        "attributedTo": group_ids[0],
        "actor": state.url(&urls::user(&organiser.username)),
        "to": [PUBLIC],
        "cc": group_ids.iter().map(|g| format!("{g}/followers")).collect::<Vec<_>>(),
        "audience": group_ids[0],
        "joinMode": "free",
        "anonymousParticipationEnabled": false,
        "isOnline": e.place_kind == "online",
        "ical:status": match e.status {
            Status::Cancelled => "CANCELLED",
            Status::Postponed => "TENTATIVE",
            Status::Scheduled => "CONFIRMED",
        },
        "published": rfc3339(e.created_at),
        "updated": rfc3339(e.updated_at),
    });
    if let Some(cap) = e.capacity {
        doc["maximumAttendeeCapacity"] = json!(cap);
    }
    if !e.address.trim().is_empty() && e.place_kind != "online" {
        doc["location"] = json!({
            "type": "Place",
            "name": e.address,
            "address": { "type": "PostalAddress", "streetAddress": e.address },
        });
    }
    let mut attachment = Vec::new();
    if let (Some(img), Some((large, _))) = (&e.image, e.image_urls()) {
        let href = state.url(&large);
        attachment.push(json!({
            "type": "Document",
            "mediaType": "image/jpeg",
            "url": href,
            "name": "Banner",
        }));
        let mut image = json!({
            "type": "Image",
            "mediaType": "image/jpeg",
            "url": href,
            "width": img.width,
            "height": img.height,
        });
        image["name"] = json!(if img.alt.is_empty() {
            e.title.as_str()
        } else {
            img.alt.as_str()
        });
        doc["image"] = image;
    }
    if !e.online_url.is_empty() && !e.online_private {
        attachment.push(json!({ "type": "Link", "name": "Website", "href": e.online_url }));
    }
    if !attachment.is_empty() {
        doc["attachment"] = Value::Array(attachment);
    }
    Ok(Some((doc, groups)))
}

/// After event `id` was created (`update`: changed): each of our federated
/// communities it is in announces it. Best effort, as the rest of the
/// outbox.
pub async fn changed(state: &AppState, id: i64, update: bool) {
    let r: AppResult<()> = async {
        let Some((mut doc, groups)) = event(state, id).await? else {
            return Ok(());
        };
        if let Some(o) = doc.as_object_mut() {
            o.remove("@context");
        }
        let kind = if update { "Update" } else { "Create" };
        // Two changes within a second are two activities (each id is
        // handled once by whoever receives it).
        let stamp = if update {
            format!("update-{}-{:08x}", crate::db::now(), rand::random::<u32>())
        } else {
            "create".to_string()
        };
        let activity = json!({
            "id": format!("{}#{stamp}", doc["id"].as_str().unwrap_or_default()),
            "type": kind,
            "actor": doc["actor"],
            "to": [PUBLIC],
            "cc": doc["cc"],
            "audience": doc["audience"],
            "object": doc,
        });
        for c in &groups {
            super::outbox::announce(state, c, &activity).await?;
            if !update {
                super::outbox::announce(state, c, &activity["object"]).await?;
            }
        }
        Ok(())
    }
    .await;
    if let Err(e) = r {
        tracing::warn!(error = %e, event = id, "federation: event not announced");
    }
}

fn id_of(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::Object(o) => o.get("id").and_then(Value::as_str),
        _ => None,
    }
}

fn internal(e: crate::error::AppError) -> InboxError {
    match e {
        crate::error::AppError::Internal(e) => InboxError::Internal(e),
        other => InboxError::Internal(anyhow::anyhow!("{other}")),
    }
}

/// Mobilizon's remote RSVP: `Join` of one of our events by a remote person
/// registers them through the same operation as the page
/// (`events::rsvp::answer`, capacity and waiting list included; the
/// policy's `RsvpEvent`: a federated event, not banned there); a place
/// is answered by `Accept`, a refusal (cancelled, not federated to them)
/// by `Reject`; a place on the waiting list is not answered yet (pending,
/// as Mobilizon shows a participation not approved). `leave`: `Leave` or
/// `Undo(Join)`, the answer "no", which frees the place.
pub async fn join(
    state: &AppState,
    actor: &RemoteActor,
    activity: &Value,
    leave: bool,
) -> Result<Received, InboxError> {
    let object = activity
        .get("object")
        .and_then(id_of)
        .ok_or(InboxError::Invalid("no object"))?;
    let public = state.config.public_url();
    let Some(id) = object
        .strip_prefix(&format!("{public}/e/"))
        .and_then(|s| s.parse::<i64>().ok())
    else {
        return Ok(Received::Ignored(
            "join of something that is not one of our events",
        ));
    };
    let Some((doc, groups)) = event(state, id).await.map_err(internal)? else {
        return Ok(Received::Ignored("join of an event that is not federated"));
    };
    let user = super::remote::person(state, actor)
        .await
        .map_err(internal)?;
    let Some(l) = events::load(&state.db, Some(&user), id).await? else {
        return Ok(Received::Ignored("join of an event that is not federated"));
    };
    let me = Actor::Remote(user);
    let join_id = activity
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let group = state.url(&groups[0].path());
    let event_id = doc["id"].as_str().unwrap_or_default();
    let answer_with = |kind: &str| answer_doc(kind, event_id, &group, join_id, &actor.ap_id);
    let answer = if leave { Answer::No } else { Answer::Going };
    let done = rsvp::answer(state, &me, &l, answer).await;
    if let (Ok(_), false, Some(u)) = (&done, leave, me.user())
        && !join_id.is_empty()
    {
        // Kept so that a place given later (from the waiting list) is
        // answered by an `Accept` of this very `Join` (see `promoted`).
        sqlx::query("UPDATE event_rsvps SET ap_join = $1 WHERE event_id = $2 AND user_id = $3")
            .bind(join_id)
            .bind(id)
            .bind(u.id)
            .execute(&state.db.pool)
            .await
            .map_err(|e| InboxError::Internal(e.into()))?;
    }
    let (reply, outcome) = match done {
        Ok(_) if leave => (None, Received::Handled("left the event")),
        Ok(a) if a.mine.waitlisted => (None, Received::Handled("on the waiting list")),
        Ok(_) => (
            Some(answer_with("Accept")),
            Received::Handled("joined the event"),
        ),
        Err(crate::error::AppError::Internal(e)) => return Err(InboxError::Internal(e)),
        Err(e) => {
            tracing::info!(actor = %actor.ap_id, event = id, error = %e, "remote registration refused");
            if leave {
                (None, Received::Ignored("leave refused"))
            } else {
                (
                    Some(answer_with("Reject")),
                    Received::Ignored("join refused"),
                )
            }
        }
    };
    if let Some(reply) = reply {
        delivery::queue(
            state,
            Owner::Community(groups[0].id),
            &group,
            &reply,
            std::slice::from_ref(&actor.inbox),
        )
        .await?;
    }
    Ok(outcome)
}

/// The community's answer (`Accept` or `Reject`) to the `Join` `join_id`
/// of `actor` for our event `event` (its id); the same id whether it is
/// sent at once or when a place frees up, so it is taken once.
fn answer_doc(kind: &str, event: &str, group: &str, join_id: &str, actor: &str) -> Value {
    json!({
        "@context": AS_CONTEXT,
        "id": format!("{event}#{}-{}", kind.to_lowercase(), hex_id(join_id)),
        "type": kind,
        "actor": group,
        "object": { "id": join_id, "type": "Join", "actor": actor, "object": event },
    })
}

/// People let in from event `id`'s waiting list (`rsvp::answer_with` when
/// someone leaves, `events::ops::update` when the capacity grows): each
/// remote person among them, who registered by a `Join`, gets the
/// community's `Accept` of that `Join` through the delivery queue — what
/// Mobilizon sends when an organiser approves a participation. Best effort,
/// as the rest of the outbox.
pub async fn promoted(state: &AppState, id: i64, users: &[i64]) {
    if users.is_empty() {
        return;
    }
    let r: AppResult<()> = async {
        let Some((doc, groups)) = event(state, id).await? else {
            return Ok(());
        };
        let event_id = doc["id"].as_str().unwrap_or_default();
        let group = state.url(&groups[0].path());
        for u in users {
            let row: Option<(Option<String>, Option<String>)> = sqlx::query_as(
                "SELECT r.ap_join, u.ap_id FROM event_rsvps r JOIN users u ON u.id = r.user_id \
                 WHERE r.event_id = $1 AND r.user_id = $2 AND u.domain IS NOT NULL",
            )
            .bind(id)
            .bind(u)
            .fetch_optional(&state.db.pool)
            .await?;
            let Some((Some(join_id), Some(ap_id))) = row else {
                continue;
            };
            let inbox = match delivery::remote_actor(state, &ap_id, false).await {
                Ok(a) => a.inbox,
                Err(e) => {
                    tracing::warn!(error = %e, actor = %ap_id, "federation: promoted person's inbox unknown");
                    continue;
                }
            };
            let accept = answer_doc("Accept", event_id, &group, &join_id, &ap_id);
            delivery::queue(state, Owner::Community(groups[0].id), &group, &accept, &[inbox])
                .await?;
        }
        Ok(())
    }
    .await;
    if let Err(e) = r {
        tracing::warn!(error = %e, event = id, "federation: promotion not answered");
    }
}
