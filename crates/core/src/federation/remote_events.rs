//! Events of other instances (issue 18): an ActivityPub `Event` — a
//! Mobilizon group's, or one a community of another Passerelles announces
//! — becomes a read-only event of the community that received it (the
//! mirror of the remote group we follow, or one of our federated
//! communities it is addressed to), organised by the shadow account of its
//! organiser and marked with its origin (`events.ap_id`, `origin_url`;
//! migration 0080).
//!
//! - [`read`] maps the object: `name` → title, `content` (its Markdown
//!   `source` when it has one, else its HTML read back to text, as every
//!   remote text) → description, `startTime`/`endTime`, `timezone` (a zone
//!   we offer is kept; any other is shown in ours, as the iCalendar import
//!   does: the instants stay exact), the `Place` (its name and
//!   `PostalAddress`, `latitude`/`longitude`), the online address
//!   (Mobilizon's "Website" `Link`, or `onlineUrl`), `ical:status`, the
//!   hashtags as tags; its image is fetched server-side
//!   (`remote_event_image`).
//! - [`received`]: `Create` or `Update` by its organiser or its group. An
//!   object already held is updated in place (a `Create` too: the same
//!   object announced twice), unless the copy held is newer (`updated`:
//!   an older activity arriving late changes nothing); an `Update` of an
//!   unknown object creates it; a `Delete` received before leaves a
//!   tombstone, and a late `Create` is not taken.
//! - [`deleted`]: `Delete` (or a `Remove` by its group) removes it here.
//! - Nobody here edits, cancels or manages it (`Action::ManageEvent` is
//!   refused for a remote event); people answer it: [`rsvp_changed`]
//!   sends their `Join` — or `Leave` — to the actor it is attributed to
//!   (the group, as Mobilizon expects; else the organiser), signed with
//!   their key through the delivery queue, and [`join_answered`] reads the
//!   origin's `Accept` / `Reject` of that `Join`.
//!
//! Such an event is never one of our `Event` documents
//! (`federation::events::event` takes only events of our own communities
//! by our own people): nothing received is announced again.

use serde_json::{Value, json};

use super::content::{id_of, ids_in, origin, source_text, tombstone, tombstoned};
use super::delivery::{self, RemoteActor};
use super::inbox::{InboxError, Received, hex_id};
use super::keys::Owner;
use super::{AS_CONTEXT, extension_context, remote};
use crate::accounts::User;
use crate::actor::Actor;
use crate::communities::Community;
use crate::db::now;
use crate::error::AppError;
use crate::events::{self, Checked, Status, time};
use crate::policy::Action;
use crate::state::AppState;

/// What we keep of a remote `Event`.
#[derive(Debug, Clone)]
pub struct RemoteEvent {
    pub values: Checked,
    pub status: Status,
    /// Its page where it comes from (`url`, else its id).
    pub origin_url: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// `updated` (else `published`), Unix seconds; 0 when absent.
    pub updated: i64,
}

fn instant_of(v: Option<&Value>) -> Option<i64> {
    let s = v?.as_str()?;
    chrono::DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|d| d.timestamp())
}

fn web_url(s: &str) -> bool {
    s.chars().count() <= events::FIELD_MAX
        && url::Url::parse(s)
            .map(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
            .unwrap_or(false)
}

/// An address (`url`): a string, a `Link`'s `href`, or the first of a list.
fn href_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("href").and_then(Value::as_str).map(str::to_string),
        Value::Array(a) => a.iter().find_map(|x| href_of(Some(x))),
        _ => None,
    }
}

fn clean(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The place as one line (its name, then its postal address, each part
/// once), and its coordinates.
fn place(loc: Option<&Value>) -> (String, Option<f64>, Option<f64>) {
    let loc = match loc {
        Some(Value::Array(a)) => a.first(),
        other => other,
    };
    let Some(loc) = loc.filter(|l| l.is_object()) else {
        return (String::new(), None, None);
    };
    let mut parts: Vec<String> = Vec::new();
    let mut push = |s: Option<&str>| {
        if let Some(s) = s.map(clean).filter(|s| !s.is_empty())
            && !parts.iter().any(|p| p.eq_ignore_ascii_case(&s))
        {
            parts.push(s);
        }
    };
    push(loc.get("name").and_then(Value::as_str));
    match loc.get("address") {
        Some(Value::String(s)) => push(Some(s)),
        Some(a @ Value::Object(_)) => {
            for k in [
                "streetAddress",
                "addressLocality",
                "postalCode",
                "addressRegion",
                "addressCountry",
            ] {
                push(a.get(k).and_then(Value::as_str));
            }
        }
        _ => {}
    }
    let coord = |k: &str, max: f64| {
        loc.get(k)
            .and_then(Value::as_f64)
            .filter(|x| x.is_finite() && x.abs() <= max)
    };
    let address: String = parts.join(", ").chars().take(events::FIELD_MAX).collect();
    (address, coord("latitude", 90.0), coord("longitude", 180.0))
}

/// The public online address: Mobilizon's "Website" `Link` among the
/// attachments (another `Link` when the event is online), or `onlineUrl`.
fn online_url(obj: &Value, online: bool) -> String {
    let links: Vec<&Value> = obj
        .get("attachment")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter(|x| x.get("type").and_then(Value::as_str) == Some("Link"))
                .collect()
        })
        .unwrap_or_default();
    let website = links.iter().find(|l| {
        l.get("name")
            .and_then(Value::as_str)
            .is_some_and(|n| n.eq_ignore_ascii_case("website"))
    });
    let candidates = obj
        .get("onlineUrl")
        .and_then(Value::as_str)
        .map(str::to_string)
        .into_iter()
        .chain(website.and_then(|l| href_of(Some(l))))
        .chain(
            links
                .iter()
                .filter(|_| online)
                .filter_map(|l| href_of(Some(l))),
        );
    for c in candidates {
        if web_url(c.trim()) {
            return c.trim().to_string();
        }
    }
    String::new()
}

/// A remote `Event` as one of our events; `None` without a name or a start.
pub fn read(obj: &Value) -> Option<RemoteEvent> {
    let id = id_of(obj)?;
    let title: String = clean(obj.get("name").and_then(Value::as_str)?)
        .chars()
        .take(events::TITLE_MAX)
        .collect();
    if title.is_empty() {
        return None;
    }
    let description: String = source_text(obj).chars().take(events::TEXT_MAX).collect();
    let starts_at = instant_of(obj.get("startTime"))?;
    let ends_at = instant_of(obj.get("endTime"))
        .filter(|e| *e > starts_at)
        .unwrap_or(starts_at + 3600)
        .min(starts_at + time::MAX_DURATION_DAYS * 86400);
    let tz_name = obj
        .get("timezone")
        .and_then(Value::as_str)
        .filter(|z| time::zone(z).is_some())
        .unwrap_or(time::DEFAULT_TZ);
    let tz = time::zone(tz_name).unwrap_or(chrono_tz::America::Toronto);
    let (address, lat, lon) = place(obj.get("location"));
    let online = obj
        .get("isOnline")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let online_url = online_url(obj, online);
    let place_kind = match (online_url.is_empty(), address.is_empty()) {
        (false, false) => "hybrid",
        (false, true) => "online",
        _ => "address",
    };
    let mut tags = Vec::new();
    if let Some(Value::Array(ts)) = obj.get("tag") {
        for t in ts {
            if t.get("type").and_then(Value::as_str) != Some("Hashtag") {
                continue;
            }
            let Some(name) = t.get("name").and_then(Value::as_str) else {
                continue;
            };
            if let Ok(mut one) = crate::publications::parse_tags(&name.replace(',', " "))
                && let Some(tag) = one.pop()
                && !tags
                    .iter()
                    .any(|x: &crate::publications::Tag| x.name == tag.name)
                && tags.len() < crate::publications::CHOSEN_TAGS_MAX
            {
                tags.push(tag);
            }
        }
    }
    let status = match obj
        .get("ical:status")
        .or_else(|| obj.get("status"))
        .and_then(Value::as_str)
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        Some("CANCELLED") => Status::Cancelled,
        Some("TENTATIVE") => Status::Postponed,
        _ => Status::Scheduled,
    };
    let origin_url = href_of(obj.get("url"))
        .filter(|u| web_url(u) && origin(u) == origin(id))
        .unwrap_or_else(|| id.to_string());
    let updated = instant_of(obj.get("updated"))
        .or_else(|| instant_of(obj.get("published")))
        .unwrap_or(0);
    Some(RemoteEvent {
        values: Checked {
            description_html: crate::markdown::render(&description).html,
            title,
            description,
            tz: tz_name.to_string(),
            start_local: time::format_local(time::local_of(tz, starts_at), false),
            end_local: time::format_local(time::local_of(tz, ends_at), false),
            all_day: false,
            starts_at,
            ends_at,
            rrule: String::new(),
            exdates: String::new(),
            series_ends_at: ends_at,
            place_kind: place_kind.to_string(),
            address,
            online_url,
            online_private: false,
            territory_id: None,
            organisation_id: None,
            contact: String::new(),
            capacity: None,
            tags,
            price: String::new(),
            questions: String::new(),
        },
        status,
        origin_url,
        lat,
        lon,
        updated,
    })
}

/// A remote event we hold: (id, organiser, actor RSVPs go to, `updated`).
struct Held {
    id: i64,
    organiser: Option<i64>,
    ap_actor: Option<String>,
    updated: Option<i64>,
}

async fn held(state: &AppState, ap_id: &str) -> Result<Option<Held>, sqlx::Error> {
    let row: Option<(i64, Option<i64>, Option<String>, Option<i64>)> = sqlx::query_as(
        "SELECT id, organiser_id, ap_actor, ap_updated FROM events WHERE ap_id = $1",
    )
    .bind(ap_id)
    .fetch_optional(&state.db.pool)
    .await?;
    Ok(row.map(|(id, organiser, ap_actor, updated)| Held {
        id,
        organiser,
        ap_actor,
        updated,
    }))
}

/// Is `ap_id` a remote event we hold?
pub async fn holds(state: &AppState, ap_id: &str) -> Result<bool, sqlx::Error> {
    Ok(held(state, ap_id).await?.is_some())
}

fn internal(e: AppError) -> InboxError {
    match e {
        AppError::Internal(e) => InboxError::Internal(e),
        other => InboxError::Internal(anyhow::anyhow!("{other}")),
    }
}

/// May `actor` change or delete the event held as `h`: its organiser, or
/// the actor it is attributed to (its group).
async fn may_change(state: &AppState, actor: &RemoteActor, h: &Held) -> Result<bool, InboxError> {
    if h.ap_actor.as_deref() == Some(actor.ap_id.as_str()) {
        return Ok(true);
    }
    let organiser: Option<String> = match h.organiser {
        Some(o) => sqlx::query_scalar("SELECT ap_id FROM users WHERE id = $1")
            .bind(o)
            .fetch_optional(&state.db.pool)
            .await?
            .flatten(),
        None => None,
    };
    Ok(organiser.as_deref() == Some(actor.ap_id.as_str()))
}

/// Write `r` over the event `id` (its communities stay), in `tx`; `fresh`:
/// just inserted with these values.
async fn write_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    backend: crate::db::Backend,
    id: i64,
    r: &RemoteEvent,
    fresh: bool,
) -> Result<(), sqlx::Error> {
    if !fresh {
        events::ops::update_in(tx, id, &r.values).await?;
    }
    sqlx::query(
        "UPDATE events SET status = $1, origin_url = $2, ap_updated = $3, lat = $4, lon = $5 \
         WHERE id = $6",
    )
    .bind(r.status.as_str())
    .bind(&r.origin_url)
    .bind(r.updated)
    .bind(r.lat)
    .bind(r.lon)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    crate::search::index_one(tx, backend, crate::search::Source::Events, id).await?;
    Ok(())
}

/// `Create` or `Update` of the `Event` `obj` by `author` (the inbox
/// verified that they wrote it, on its server); `via`: the mirrored remote
/// group that announced it.
pub async fn received(
    state: &AppState,
    author: &RemoteActor,
    obj: &Value,
    via: Option<&Community>,
) -> Result<Received, InboxError> {
    let id = id_of(obj).ok_or(InboxError::Invalid("object without id"))?;
    let Some(r) = read(obj) else {
        return Ok(Received::Ignored("an event without a name or a start"));
    };
    if let Some(h) = held(state, id).await? {
        if !may_change(state, author, &h).await? {
            return Err(InboxError::Unauthenticated(format!(
                "{} may not change {id}",
                author.ap_id
            )));
        }
        if h.updated.is_some_and(|u| u > r.updated) {
            return Ok(Received::Ignored("older than the copy we hold"));
        }
        let mut tx = state.db.begin().await?;
        write_in(&mut tx, state.db.backend, h.id, &r, false).await?;
        tx.commit().await?;
        super::remote_event_image::follow(state, h.id, h.organiser, obj).await;
        events::mail::notify_change(state, h.id).await;
        return Ok(Received::Handled("event updated"));
    }
    if tombstoned(state, id).await? {
        return Ok(Received::Ignored("deleted before it arrived"));
    }
    // Where it goes: the group that announced it, or our federated
    // communities it is addressed to.
    let mut targets: Vec<Community> = Vec::new();
    match via {
        Some(c) => targets.push(c.clone()),
        None => {
            let mut named: Vec<String> = ["to", "cc", "audience"]
                .iter()
                .flat_map(|f| ids_in(obj.get(*f)))
                .collect();
            named.sort();
            named.dedup();
            for n in named {
                if let Some(slug) = super::inbox::our_community(state, &n)
                    && let Some(c) = super::actors::federated_community(state, slug)
                        .await
                        .map_err(internal)?
                {
                    targets.push(c);
                }
            }
        }
    }
    // Its organiser: the person in `actor` (Mobilizon's events are
    // attributed to their group), else whoever sent it.
    let organiser_id = obj
        .get("actor")
        .and_then(id_of)
        .filter(|a| origin(a) == origin(id))
        .unwrap_or(&author.ap_id)
        .to_string();
    let organiser = if organiser_id == author.ap_id {
        author.clone()
    } else {
        delivery::remote_actor(state, &organiser_id, false)
            .await
            .map_err(|e| InboxError::Unauthenticated(format!("{e:#}")))?
    };
    let user: User = remote::person(state, &organiser).await.map_err(internal)?;
    let mut cids = Vec::new();
    for c in &targets {
        let m = crate::communities::membership(&state.db, c.id, Some(&user)).await?;
        if crate::policy::can(
            Some(&user),
            Action::PostFromFediverse {
                c: &c.facts(),
                m,
                local: c.domain.is_none(),
            },
        ) && !cids.contains(&c.id)
        {
            cids.push(c.id);
        }
    }
    if cids.is_empty() {
        return Ok(Received::Ignored(
            "not addressed to a community that takes it",
        ));
    }
    // RSVPs go to the actor it is attributed to (its group), on its server.
    let ap_actor = obj
        .get("attributedTo")
        .map(|a| ids_in(Some(a)))
        .unwrap_or_default()
        .into_iter()
        .find(|a| origin(a) == origin(id))
        .unwrap_or_else(|| organiser.ap_id.clone());
    let uid = format!("{}@{}", hex_id(id), super::instances::host(id));
    let inserted = async {
        let mut tx = state.db.begin().await?;
        let eid = events::ops::insert_in(&mut tx, &uid, &r.values, Some(user.id), &cids).await?;
        sqlx::query("UPDATE events SET ap_id = $1, ap_actor = $2 WHERE id = $3")
            .bind(id)
            .bind(&ap_actor)
            .bind(eid)
            .execute(&mut *tx)
            .await?;
        write_in(&mut tx, state.db.backend, eid, &r, true).await?;
        crate::accounts::ops::audit_in(
            &mut tx,
            &Actor::Remote(user.clone()),
            "event_received",
            None,
            &eid.to_string(),
        )
        .await?;
        tx.commit().await?;
        Ok::<i64, sqlx::Error>(eid)
    }
    .await;
    let eid = match inserted {
        Ok(eid) => eid,
        // The same object arriving twice at once: the first is kept.
        Err(_) if holds(state, id).await? => return Ok(Received::Duplicate),
        Err(e) => return Err(e.into()),
    };
    super::remote_event_image::follow(state, eid, Some(user.id), obj).await;
    if let Err(e) = events::ops::notify_watchers(state, eid, user.id).await {
        tracing::warn!(error = %e, "remote event: watchers not notified");
    }
    Ok(Received::Handled("event"))
}

/// `Delete` of `id` by `actor` (its organiser or its group), or its
/// `Remove` by the group: the event goes, and a tombstone stays so that a
/// late `Create` does not bring it back. `None`: not a remote event we hold.
pub async fn deleted(
    state: &AppState,
    actor: &RemoteActor,
    id: &str,
) -> Result<Option<Received>, InboxError> {
    let Some(h) = held(state, id).await? else {
        return Ok(None);
    };
    let in_their_mirror = match remote::known_group(state, &actor.ap_id)
        .await
        .map_err(internal)?
    {
        Some(g) => {
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM event_communities WHERE event_id = $1 AND community_id = $2",
            )
            .bind(h.id)
            .bind(g.id)
            .fetch_one(&state.db.pool)
            .await?;
            n > 0
        }
        None => false,
    };
    if !(in_their_mirror || may_change(state, actor, &h).await?) {
        return Err(InboxError::Unauthenticated(format!(
            "{} may not delete {id}",
            actor.ap_id
        )));
    }
    let mut tx = state.db.begin().await?;
    delete_in(&mut tx, state.db.backend, h.id).await?;
    tx.commit().await?;
    tombstone(state, id, &actor.ap_id).await?;
    Ok(Some(Received::Handled("event deleted")))
}

/// Delete the remote event `id` here, with its image and its index entry.
pub(super) async fn delete_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    backend: crate::db::Backend,
    id: i64,
) -> Result<(), sqlx::Error> {
    let media: Option<(Option<i64>, Option<i64>)> =
        sqlx::query_as("SELECT image_id, image_small_id FROM events WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
    sqlx::query("DELETE FROM events WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    for m in media.into_iter().flat_map(|(a, b)| [a, b]).flatten() {
        sqlx::query("DELETE FROM media WHERE id = $1")
            .bind(m)
            .execute(&mut **tx)
            .await?;
    }
    crate::search::index_one(tx, backend, crate::search::Source::Events, id).await?;
    Ok(())
}

/// A person of ours who may answer a remote event must be on the fediverse
/// (their `Join` is verified against their actor document).
pub async fn may_answer(state: &AppState, user: &User) -> Result<bool, sqlx::Error> {
    super::person_federated(&state.db, user).await
}

/// After `user` answered the remote event `e`: `Join` when they now go,
/// `Leave` when they went and no longer do, to the actor the event is
/// attributed to, signed with their key (the delivery queue). The `Join`'s
/// id is kept (`event_rsvps.ap_join`) to read the origin's answer. Best
/// effort, as the rest of the outbox.
pub async fn rsvp_changed(
    state: &AppState,
    e: &events::Event,
    user: &User,
    was_going: bool,
    going: bool,
) {
    let Some(ap_id) = e.ap_id.as_deref() else {
        return;
    };
    if was_going == going {
        return;
    }
    let r: anyhow::Result<()> = async {
        let target: Option<String> =
            sqlx::query_scalar("SELECT ap_actor FROM events WHERE id = $1")
                .bind(e.id)
                .fetch_optional(&state.db.pool)
                .await?
                .flatten();
        let target = target.ok_or_else(|| anyhow::anyhow!("no actor for {ap_id}"))?;
        let remote = delivery::remote_actor(state, &target, false).await?;
        let me = state.url(&crate::urls::user(&user.username));
        let kind = if going { "Join" } else { "Leave" };
        let activity_id = format!(
            "{me}#{}-{}-{:08x}",
            kind.to_lowercase(),
            hex_id(ap_id),
            rand::random::<u32>()
        );
        let activity = json!({
            "@context": [AS_CONTEXT, extension_context()],
            "id": activity_id,
            "type": kind,
            "actor": me,
            "object": ap_id,
            "to": [target],
        });
        if going {
            sqlx::query("UPDATE event_rsvps SET ap_join = $1 WHERE event_id = $2 AND user_id = $3")
                .bind(&activity_id)
                .bind(e.id)
                .bind(user.id)
                .execute(&state.db.pool)
                .await?;
        }
        delivery::queue(
            state,
            Owner::User(user.id),
            &me,
            &activity,
            std::slice::from_ref(&remote.inbox),
        )
        .await?;
        Ok(())
    }
    .await;
    if let Err(err) = r {
        tracing::warn!(error = %err, event = e.id, "federation: answer to a remote event not sent");
    }
}

/// `Accept` / `Reject` (`accepted`) of one of our people's `Join`s of a
/// remote event, by its server: a refusal withdraws the registration here
/// too. `None`: not the answer to such a `Join`.
pub async fn join_answered(
    state: &AppState,
    actor: &RemoteActor,
    activity: &Value,
    accepted: bool,
) -> Result<Option<Received>, InboxError> {
    let Some(join_id) = activity.get("object").and_then(id_of) else {
        return Ok(None);
    };
    let row: Option<(i64, i64, String)> = sqlx::query_as(
        "SELECT r.event_id, r.user_id, e.ap_id FROM event_rsvps r JOIN events e ON e.id = r.event_id \
         WHERE r.ap_join = $1 AND e.ap_id IS NOT NULL",
    )
    .bind(join_id)
    .fetch_optional(&state.db.pool)
    .await?;
    let Some((event_id, user_id, ap_id)) = row else {
        return Ok(None);
    };
    if origin(&actor.ap_id) != origin(&ap_id) {
        return Err(InboxError::Unauthenticated(format!(
            "{} does not answer for {ap_id}",
            actor.ap_id
        )));
    }
    if accepted {
        return Ok(Some(Received::Handled("participation accepted")));
    }
    sqlx::query(
        "UPDATE event_rsvps SET answer = 'no', waitlisted = 0, updated_at = $1, refused_at = $1 \
         WHERE event_id = $2 AND user_id = $3 AND ap_join = $4",
    )
    .bind(now())
    .bind(event_id)
    .bind(user_id)
    .bind(join_id)
    .execute(&state.db.pool)
    .await?;
    Ok(Some(Received::Handled("participation refused")))
}
