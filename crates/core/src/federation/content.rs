//! Content from other instances, once the inbox verified who sent it: a
//! remote person (`Actor::Remote`, their shadow account) calls the same
//! operations as a person on a page, asking the same policy.
//!
//! - `Create` of a `Note` in reply to one of our publications or replies
//!   (or to a mirrored one): a reply under it (`publications::ops::add_reply`).
//! - `Create` of a post (a `Note` without `inReplyTo`, a `Page`, an
//!   `Article`…) addressed to one of our federated communities — a Mastodon
//!   post that mentions the group: a publication there, the first line its
//!   title when it has no `name` (`ops::check_remote_new` + `ops::create`).
//! - `Update` by its author: the same edit operations (an `Update` of
//!   something we never received creates it: activities may arrive out of
//!   order). `Delete` by its author: the same delete operations; a
//!   `Delete` of something not yet received leaves a tombstone so that a
//!   late `Create` is not taken.
//! - `Announce` by a remote group one of our members follows (its mirror,
//!   a community with `domain`): the activity inside, into the mirror; an
//!   object from another server than the group's is fetched from its own
//!   server rather than taken as embedded (what a group relays of a third
//!   server's people, FEP-1b12), and such a person's `Delete` is believed
//!   only when that server no longer serves the object. `Remove` by that
//!   group: the mirrored copy is removed.
//! - An `Event` is not a post: `remote_events` keeps it as a read-only
//!   event of the community that received it.
//! - `Like` / `Undo(Like)` of our content: counted (`ap_likes`). `Flag`: a
//!   report to our moderators, filed by the remote person.
//!
//! Every object keeps its id (`ap_id`), so that a duplicate, or the same
//! object announced twice (Lemmy's `Announce(Create(Page))` and
//! `Announce(Page)`), is taken once.

use serde_json::Value;

use super::delivery::{self, RemoteActor};
use super::inbox::{InboxError, Received};
use super::remote;
use crate::actor::Actor;
use crate::db::now;
use crate::error::AppError;
use crate::publications::{self, Draft, ops};
use crate::state::AppState;

pub(super) fn id_of(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::Object(o) => o.get("id").and_then(Value::as_str),
        _ => None,
    }
}

pub(super) fn origin(u: &str) -> Option<String> {
    url::Url::parse(u)
        .ok()
        .map(|u| u.origin().ascii_serialization())
}

pub(super) fn ids_in(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a.iter().filter_map(id_of).map(str::to_string).collect(),
        Some(o @ Value::Object(_)) => id_of(o).map(|s| vec![s.to_string()]).unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Domain refusals are what the remote did wrong; internal errors are ours.
fn refused(e: AppError) -> Result<Received, InboxError> {
    match e {
        AppError::Internal(e) => Err(InboxError::Internal(e)),
        other => {
            tracing::info!(error = %other, "federation: activity refused by the operation");
            Ok(Received::Ignored("refused by the policy or the checks"))
        }
    }
}

/// What one of our URLs names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ours {
    Publication(i64),
    Reply(i64, i64),
}

/// Our publication or reply named by `url`: its page (`/p/{id}`), a
/// reply's id (`/p/{id}/replies/{rid}`, or the anchor `#r-{rid}` earlier
/// ids were), or the id a mirrored one had where it came from.
pub async fn resolve(state: &AppState, url: &str) -> Result<Option<Ours>, sqlx::Error> {
    let public = state.config.public_url();
    if let Some(rest) = url.strip_prefix(&format!("{public}/p/")) {
        if let Some((pid, rid)) = rest.split_once("/replies/") {
            return Ok(match (pid.parse::<i64>(), rid.parse::<i64>()) {
                (Ok(p), Ok(r)) => Some(Ours::Reply(p, r)),
                _ => None,
            });
        }
        let (pid, frag) = match rest.split_once('#') {
            Some((p, f)) => (p, Some(f)),
            None => (rest, None),
        };
        let Ok(pid) = pid.parse::<i64>() else {
            return Ok(None);
        };
        return Ok(match frag.and_then(|f| f.strip_prefix("r-")) {
            Some(r) => r.parse().ok().map(|rid| Ours::Reply(pid, rid)),
            None if frag.is_none() => Some(Ours::Publication(pid)),
            None => None,
        });
    }
    if let Some(pid) = sqlx::query_scalar::<_, i64>("SELECT id FROM publications WHERE ap_id = $1")
        .bind(url)
        .fetch_optional(&state.db.pool)
        .await?
    {
        return Ok(Some(Ours::Publication(pid)));
    }
    let r: Option<(i64, i64)> =
        sqlx::query_as("SELECT publication_id, id FROM replies WHERE ap_id = $1")
            .bind(url)
            .fetch_optional(&state.db.pool)
            .await?;
    Ok(r.map(|(p, r)| Ours::Reply(p, r)))
}

pub(super) fn tombstone_key(id: &str) -> String {
    format!("tombstone:{id}")
}

pub(super) async fn tombstoned(state: &AppState, id: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ap_received WHERE activity_id = $1")
        .bind(tombstone_key(id))
        .fetch_one(&state.db.pool)
        .await?;
    Ok(n > 0)
}

/// Remember that `id` was deleted by `actor`, so that a late `Create` of
/// it is not taken.
pub(super) async fn tombstone(state: &AppState, id: &str, actor: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO ap_received (activity_id, actor, kind, received_at) VALUES ($1, $2, 'Tombstone', $3) \
         ON CONFLICT (activity_id) DO NOTHING",
    )
    .bind(tombstone_key(id))
    .bind(actor)
    .bind(now())
    .execute(&state.db.pool)
    .await?;
    Ok(())
}

/// The text of an object as Markdown source: its Markdown `source` when it
/// has one (Lemmy, Passerelles), else its HTML read back to text.
pub(super) fn source_text(obj: &Value) -> String {
    let src = obj.get("source");
    let markdown = src
        .and_then(|s| s.get("mediaType"))
        .and_then(Value::as_str)
        .is_some_and(|m| m == "text/markdown");
    if markdown && let Some(c) = src.and_then(|s| s.get("content")).and_then(Value::as_str) {
        return c.to_string();
    }
    let html = obj
        .get("content")
        .and_then(Value::as_str)
        .or_else(|| {
            obj.get("contentMap")
                .and_then(Value::as_object)
                .and_then(|m| m.values().find_map(Value::as_str))
        })
        .unwrap_or("");
    remote::text_of_html(html)
}

/// `Create` or `Update` of `obj` by `actor`; `via`: the mirrored remote
/// group that announced it.
pub async fn create_or_update(
    state: &AppState,
    actor: &RemoteActor,
    obj: &Value,
    via: Option<&crate::communities::Community>,
    update: bool,
) -> Result<Received, InboxError> {
    let id = id_of(obj).ok_or(InboxError::Invalid("object without id"))?;
    let kind = obj.get("type").and_then(Value::as_str).unwrap_or("");
    if !matches!(
        kind,
        "Note" | "Page" | "Article" | "Question" | "Video" | "Event"
    ) {
        return Ok(Received::Ignored("object type not handled"));
    }
    // Its author: `attributedTo`, or — Mobilizon, whose events are
    // attributed to their group — the organizer in the object's `actor`.
    let mut author = obj
        .get("attributedTo")
        .map(|a| ids_in(Some(a)))
        .unwrap_or_default();
    author.extend(ids_in(obj.get("actor")));
    if !author.iter().any(|a| a == &actor.ap_id) || origin(id) != origin(&actor.ap_id) {
        return Err(InboxError::Unauthenticated(format!(
            "{} is not the author of {id}",
            actor.ap_id
        )));
    }
    if origin(id) == origin(&state.config.public_url()) {
        return Ok(Received::Ignored("one of ours"));
    }
    if kind == "Event" {
        // A read-only event of the community that received it.
        return super::remote_events::received(state, actor, obj, via).await;
    }
    let user = remote::person(state, actor)
        .await
        .map_err(|e| InboxError::Internal(e.into()))?;
    let me = Actor::Remote(user.clone());
    let text = source_text(obj);
    let existing = resolve(state, id).await?;
    if let Some(found) = existing {
        if !update {
            return Ok(Received::Duplicate);
        }
        return match found {
            Ours::Reply(pid, rid) => match ops::edit_reply(state, &me, pid, rid, &text).await {
                Ok(()) => Ok(Received::Handled("reply edited")),
                Err(e) => refused(e),
            },
            Ours::Publication(pid) => {
                let e = match ops::editing(state, Some(&user), pid).await {
                    Ok(e) => e,
                    Err(e) => return refused(e),
                };
                let title = obj.get("name").and_then(Value::as_str).map(str::to_string);
                let changes = ops::Changes {
                    title,
                    body: Some(text),
                    tags: None,
                };
                let checked = match ops::check_edit(state, &e, changes).await {
                    Ok(c) => c,
                    Err(e) => return refused(e),
                };
                match ops::edit(state, &me, &e, &checked, Vec::new(), &[]).await {
                    Ok(()) => Ok(Received::Handled("publication edited")),
                    Err(e) => refused(e),
                }
            }
        };
    }
    if tombstoned(state, id).await? {
        return Ok(Received::Ignored("deleted before it arrived"));
    }
    let domain = super::instances::host(id);
    if let Some(parent) = obj.get("inReplyTo").and_then(id_of) {
        let Some(target) = resolve(state, parent).await? else {
            return Ok(Received::Ignored("reply to something we do not have"));
        };
        let (pid, parent_reply) = match target {
            Ours::Publication(p) => (p, None),
            Ours::Reply(p, r) => (p, Some(r)),
        };
        let rid = match ops::add_reply(state, &me, pid, parent_reply, &text).await {
            Ok(rid) => rid,
            Err(e) => return refused(e),
        };
        let kept = sqlx::query("UPDATE replies SET domain = $1, ap_id = $2 WHERE id = $3")
            .bind(&domain)
            .bind(id)
            .bind(rid)
            .execute(&state.db.pool)
            .await;
        if kept.is_err() {
            // The same object arrived twice at once: keep the first.
            sqlx::query("DELETE FROM replies WHERE id = $1")
                .bind(rid)
                .execute(&state.db.pool)
                .await?;
            return Ok(Received::Duplicate);
        }
        return Ok(Received::Handled("reply"));
    }
    // A post: into the remote group that announced it, or into our
    // communities it is addressed to (to, cc, audience, mentions).
    let mut communities = Vec::new();
    let mut mentions = Vec::new();
    match via {
        Some(c) => communities.push(c.clone()),
        None => {
            let mut named: Vec<String> = ["to", "cc", "audience"]
                .iter()
                .flat_map(|f| ids_in(obj.get(*f)))
                .collect();
            if let Some(Value::Array(tags)) = obj.get("tag") {
                for t in tags {
                    if t.get("type").and_then(Value::as_str) == Some("Mention")
                        && let Some(h) = t.get("href").and_then(Value::as_str)
                    {
                        named.push(h.to_string());
                        if let Some(n) = t.get("name").and_then(Value::as_str) {
                            mentions.push(n.to_string());
                        }
                    }
                }
            }
            named.sort();
            named.dedup();
            for n in named {
                if let Some(slug) = super::inbox::our_community(state, &n)
                    && let Some(c) = super::actors::federated_community(state, slug)
                        .await
                        .map_err(|e| InboxError::Internal(e.into()))?
                {
                    let host = super::host_of(&state.config.public_url());
                    mentions.push(format!("@{}@{host}", c.slug));
                    mentions.push(format!("@{}", c.slug));
                    communities.push(c);
                }
            }
        }
    }
    if communities.is_empty() {
        return Ok(Received::Ignored("not addressed to one of our communities"));
    }
    mentions.sort_by_key(|m| std::cmp::Reverse(m.len()));
    let (title, body) = match obj.get("name").and_then(Value::as_str) {
        Some(n) if !n.trim().is_empty() => (n.to_string(), text.clone()),
        _ => remote::title_and_body(&text, &mentions, publications::TITLE_MAX),
    };
    let link = obj
        .get("attachment")
        .and_then(Value::as_array)
        .and_then(|a| {
            a.iter()
                .find(|x| x.get("type").and_then(Value::as_str) == Some("Link"))
        })
        .and_then(|l| l.get("href"))
        .and_then(Value::as_str);
    let body = match link {
        Some(l) if !body.contains(l) => format!("{body}\n\n<{l}>"),
        _ => body,
    };
    // A post with a title only (a Lemmy post without text): its title is
    // also its text, since our publications need one.
    let body = if body.trim().is_empty() {
        title.clone()
    } else {
        body
    };
    let draft = Draft {
        kind: "discussion".into(),
        title,
        body,
        ..Draft::default()
    };
    let valid = match ops::check_remote_new(state, &me, &draft, communities).await {
        Ok(v) => v,
        Err(e) => return refused(e),
    };
    let pid = match ops::create(state, &me, valid, Vec::new()).await {
        Ok(ops::Created::Published { id, .. }) => id,
        Ok(ops::Created::AlreadyShared { .. }) => {
            return Ok(Received::Ignored("already shared"));
        }
        Err(e) => return refused(e),
    };
    let kept = sqlx::query("UPDATE publications SET domain = $1, ap_id = $2 WHERE id = $3")
        .bind(&domain)
        .bind(id)
        .bind(pid)
        .execute(&state.db.pool)
        .await;
    if kept.is_err() {
        sqlx::query("DELETE FROM publications WHERE id = $1")
            .bind(pid)
            .execute(&state.db.pool)
            .await?;
        return Ok(Received::Duplicate);
    }
    Ok(Received::Handled("publication"))
}

/// `Delete` by `actor`: of what they wrote (the delete operations), or —
/// the actor being the mirrored group it was in — its removal there.
pub async fn delete(
    state: &AppState,
    actor: &RemoteActor,
    activity: &Value,
) -> Result<Received, InboxError> {
    let id = activity
        .get("object")
        .and_then(id_of)
        .ok_or(InboxError::Invalid("no object"))?;
    if id == actor.ap_id {
        return account_deleted(state, actor, activity).await;
    }
    if let Some(done) = super::remote_events::deleted(state, actor, id).await? {
        return Ok(done);
    }
    let Some(found) = resolve(state, id).await? else {
        if origin(id) == origin(&actor.ap_id) {
            tombstone(state, id, &actor.ap_id).await?;
        }
        return Ok(Received::Ignored("delete of something we do not have"));
    };
    let user = remote::person(state, actor)
        .await
        .map_err(|e| InboxError::Internal(e.into()))?;
    let me = Actor::Remote(user);
    let author_is_actor = match found {
        Ours::Publication(pid) => {
            author_of(state, "publications", pid).await? == me.user().map(|u| u.id)
        }
        Ours::Reply(_, rid) => author_of(state, "replies", rid).await? == me.user().map(|u| u.id),
    };
    if !author_is_actor {
        if let Some(g) = remote::known_group(state, &actor.ap_id)
            .await
            .map_err(|e| InboxError::Internal(e.into()))?
        {
            return remove_in(state, &g, found, "").await;
        }
        return Err(InboxError::Unauthenticated(format!(
            "{} may not delete {id}",
            actor.ap_id
        )));
    }
    let r = match found {
        Ours::Publication(pid) => ops::delete(state, &me, pid).await,
        Ours::Reply(pid, rid) => ops::delete_reply(state, &me, pid, rid).await,
    };
    match r {
        Ok(()) => Ok(Received::Handled("deleted")),
        Err(e) => refused(e),
    }
}

/// A remote person deleted their account: their shadow account goes, by
/// the same deletion as one of ours (issue 20) — their copies become
/// tombstones (Mastodon's meaning of an account's `Delete`; Lemmy's
/// `removeData: false` keeps them, signed "ancien membre").
async fn account_deleted(
    state: &AppState,
    actor: &RemoteActor,
    activity: &Value,
) -> Result<Received, InboxError> {
    use crate::data_rights::deletion::{self, Mode};
    let shadow: Option<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE ap_id = $1 AND domain IS NOT NULL")
            .bind(&actor.ap_id)
            .fetch_optional(&state.db.pool)
            .await?;
    let Some(uid) = shadow else {
        return Ok(Received::Ignored("deletion of an account we never saw"));
    };
    let mode = match activity.get("removeData").and_then(Value::as_bool) {
        Some(false) => Mode::Anonymise,
        _ => Mode::Everything,
    };
    deletion::execute(
        &state.db,
        &state.jobs,
        &state.config.public_url(),
        &state.instance_name(),
        uid,
        mode,
    )
    .await
    .map_err(InboxError::Internal)?;
    Ok(Received::Handled("account deleted"))
}

async fn author_of(state: &AppState, table: &str, id: i64) -> Result<Option<i64>, sqlx::Error> {
    let sql = format!("SELECT author_id FROM {table} WHERE id = $1");
    Ok(
        sqlx::query_scalar::<_, Option<i64>>(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&state.db.pool)
            .await?
            .flatten(),
    )
}

/// `Remove` by a remote group we mirror: its moderators removed the object.
pub async fn remove(
    state: &AppState,
    actor: &RemoteActor,
    activity: &Value,
) -> Result<Received, InboxError> {
    let Some(g) = remote::known_group(state, &actor.ap_id)
        .await
        .map_err(|e| InboxError::Internal(e.into()))?
    else {
        return Ok(Received::Ignored("remove by a group we do not follow"));
    };
    let id = activity
        .get("object")
        .and_then(id_of)
        .ok_or(InboxError::Invalid("no object"))?;
    if let Some(done) = super::remote_events::deleted(state, actor, id).await? {
        return Ok(done);
    }
    let Some(found) = resolve(state, id).await? else {
        return Ok(Received::Ignored("remove of something we do not have"));
    };
    let reason = activity
        .get("summary")
        .and_then(Value::as_str)
        .unwrap_or("");
    remove_in(state, &g, found, reason).await
}

/// The mirrored group `g` removed `what`: hidden in it (a publication), or
/// removed (a reply under a publication of it).
async fn remove_in(
    state: &AppState,
    g: &crate::communities::Community,
    what: Ours,
    reason: &str,
) -> Result<Received, InboxError> {
    let reason = crate::accounts::truncate(reason, crate::moderation::REASON_MAX);
    let n = match what {
        Ours::Publication(pid) => sqlx::query(
            "UPDATE publication_communities SET status = 'removed', status_reason = $1 \
             WHERE publication_id = $2 AND community_id = $3",
        )
        .bind(&reason)
        .bind(pid)
        .bind(g.id)
        .execute(&state.db.pool)
        .await?
        .rows_affected(),
        Ours::Reply(pid, rid) => sqlx::query(
            "UPDATE replies SET status = 'removed', status_reason = $1 WHERE id = $2 AND publication_id = $3 \
             AND status <> 'deleted' AND EXISTS (SELECT 1 FROM publication_communities pc \
             WHERE pc.publication_id = $3 AND pc.community_id = $4)",
        )
        .bind(&reason)
        .bind(rid)
        .bind(pid)
        .bind(g.id)
        .execute(&state.db.pool)
        .await?
        .rows_affected(),
    };
    Ok(if n > 0 {
        Received::Handled("removed by the group")
    } else {
        Received::Ignored("not in that group")
    })
}

/// `Announce` by a remote group we mirror.
pub async fn announce(
    state: &AppState,
    group: &RemoteActor,
    activity: &Value,
) -> Result<Received, InboxError> {
    let Some(g) = remote::known_group(state, &group.ap_id)
        .await
        .map_err(|e| InboxError::Internal(e.into()))?
    else {
        return Ok(Received::Ignored("announce by an actor we do not follow"));
    };
    let mut inner = activity
        .get("object")
        .cloned()
        .ok_or(InboxError::Invalid("no object"))?;
    if let Value::String(u) = &inner {
        if origin(u) == origin(&state.config.public_url()) {
            return Ok(Received::Ignored("one of ours"));
        }
        inner = delivery::fetch_object(state, u)
            .await
            .map_err(|e| InboxError::Unauthenticated(format!("{e:#}")))?;
    }
    let kind = inner.get("type").and_then(Value::as_str).unwrap_or("");
    let inner_actor = inner.get("actor").and_then(id_of).map(str::to_string);
    match (kind, inner_actor) {
        ("Create" | "Update", Some(author)) => {
            let mut obj = inner
                .get("object")
                .cloned()
                .ok_or(InboxError::Invalid("no object"))?;
            let Some(obj_id) = id_of(&obj).map(str::to_string) else {
                return Err(InboxError::Invalid("object without id"));
            };
            if origin(&obj_id) == origin(&state.config.public_url()) {
                return Ok(Received::Ignored("one of ours"));
            }
            // What the group vouches for of another server is read there.
            if origin(&obj_id) != origin(&group.ap_id) || obj.is_string() {
                obj = delivery::fetch_object(state, &obj_id)
                    .await
                    .map_err(|e| InboxError::Unauthenticated(format!("{e:#}")))?;
            }
            let author = delivery::remote_actor(state, &author, false)
                .await
                .map_err(|e| InboxError::Unauthenticated(format!("{e:#}")))?;
            create_or_update(state, &author, &obj, Some(&g), kind == "Update").await
        }
        ("Delete", Some(author)) => {
            // Someone of another server than the group's: believed when
            // the object's own server no longer serves it (a group may not
            // delete what another server's person wrote).
            if origin(&author) != origin(&group.ap_id) {
                let Some(obj_id) = inner.get("object").and_then(id_of) else {
                    return Err(InboxError::Invalid("no object"));
                };
                if obj_id == author {
                    return Ok(Received::Ignored("announced deletion of an account"));
                }
                if origin(obj_id) != origin(&author) {
                    return Err(InboxError::Unauthenticated(format!(
                        "{author} may not delete {obj_id}"
                    )));
                }
                let gone = delivery::gone(state, obj_id)
                    .await
                    .map_err(|e| InboxError::Unauthenticated(format!("{e:#}")))?;
                if !gone {
                    return Err(InboxError::Unauthenticated(format!(
                        "{obj_id} is still served by its server"
                    )));
                }
            }
            let author = delivery::remote_actor(state, &author, false)
                .await
                .map_err(|e| InboxError::Unauthenticated(format!("{e:#}")))?;
            delete(state, &author, &inner).await
        }
        ("Remove", Some(a)) if a == group.ap_id => remove(state, group, &inner).await,
        ("Page" | "Note" | "Article" | "Event" | "Video", _) => {
            // Announce of the bare object (for Mastodon): taken once, by id.
            let Some(obj_id) = id_of(&inner).map(str::to_string) else {
                return Err(InboxError::Invalid("object without id"));
            };
            if resolve(state, &obj_id).await?.is_some()
                || super::remote_events::holds(state, &obj_id).await?
                || origin(&obj_id) == origin(&state.config.public_url())
            {
                return Ok(Received::Duplicate);
            }
            let obj = if origin(&obj_id) == origin(&group.ap_id) {
                inner.clone()
            } else {
                delivery::fetch_object(state, &obj_id)
                    .await
                    .map_err(|e| InboxError::Unauthenticated(format!("{e:#}")))?
            };
            // Its author: an event's organiser (`actor`: Mobilizon
            // attributes events to their group), else `attributedTo`.
            let organiser = (kind == "Event")
                .then(|| obj.get("actor").and_then(id_of).map(str::to_string))
                .flatten();
            let Some(author) = organiser.or_else(|| {
                obj.get("attributedTo")
                    .and_then(|a| ids_in(Some(a)).first().cloned())
            }) else {
                return Err(InboxError::Invalid("object without author"));
            };
            let author = delivery::remote_actor(state, &author, false)
                .await
                .map_err(|e| InboxError::Unauthenticated(format!("{e:#}")))?;
            create_or_update(state, &author, &obj, Some(&g), false).await
        }
        _ => Ok(Received::Ignored("announced activity not handled")),
    }
}

/// `Like` of one of our objects (or `Undo` of it, `undo`).
pub async fn like(
    state: &AppState,
    actor: &RemoteActor,
    activity: &Value,
    undo: bool,
) -> Result<Received, InboxError> {
    let id = activity
        .get("object")
        .and_then(id_of)
        .ok_or(InboxError::Invalid("no object"))?;
    if undo {
        let liked = activity.get("liked").and_then(Value::as_str).unwrap_or(id);
        let n = sqlx::query(
            "DELETE FROM ap_likes WHERE actor = $1 AND (activity_id = $2 OR object = $2 OR object = $3)",
        )
        .bind(&actor.ap_id)
        .bind(id)
        .bind(liked)
        .execute(&state.db.pool)
        .await?
        .rows_affected();
        return Ok(if n > 0 {
            Received::Handled("like taken back")
        } else {
            Received::Ignored("undo of a like we do not know")
        });
    }
    let Some(liked) = resolve(state, id).await? else {
        return Ok(Received::Ignored("like of something we do not have"));
    };
    let pid = match liked {
        Ours::Publication(p) | Ours::Reply(p, _) => p,
    };
    let communities: Vec<i64> = sqlx::query_scalar(
        "SELECT community_id FROM publication_communities WHERE publication_id = $1",
    )
    .bind(pid)
    .fetch_all(&state.db.pool)
    .await?;
    let mut open_to_them = communities.is_empty();
    for c in communities {
        if !super::blocks::blocked(&state.db, c, &actor.ap_id).await? {
            open_to_them = true;
        }
    }
    if !open_to_them {
        return Ok(Received::Ignored("like from someone blocked where it is"));
    }
    let activity_id = activity.get("id").and_then(Value::as_str).unwrap_or("");
    sqlx::query(
        "INSERT INTO ap_likes (object, actor, activity_id, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (object, actor) DO NOTHING",
    )
    .bind(id)
    .bind(&actor.ap_id)
    .bind(activity_id)
    .bind(now())
    .execute(&state.db.pool)
    .await?;
    Ok(Received::Handled("liked"))
}

/// How many remote likes `object` (its fediverse id) has.
pub async fn likes(state: &AppState, object: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM ap_likes WHERE object = $1")
        .bind(object)
        .fetch_one(&state.db.pool)
        .await
}

/// `Flag`: a report to our moderators, filed by the remote person (the
/// instance actor of a server reports as itself), one per object named.
pub async fn flag(
    state: &AppState,
    actor: &RemoteActor,
    activity: &Value,
) -> Result<Received, InboxError> {
    use crate::moderation::{Category, Target, ops as mod_ops};
    let user = remote::person(state, actor)
        .await
        .map_err(|e| InboxError::Internal(e.into()))?;
    let me = Actor::Remote(user);
    // Mastodon writes the comment in `content`, Lemmy in `summary`.
    let comment = activity
        .get("content")
        .or_else(|| activity.get("summary"))
        .and_then(Value::as_str)
        .map(remote::text_of_html)
        .unwrap_or_default();
    let comment: String = comment
        .chars()
        .take(crate::moderation::COMMENT_MAX)
        .collect();
    let mut filed = 0;
    for id in ids_in(activity.get("object")) {
        let target = match resolve(state, &id).await? {
            Some(Ours::Publication(p)) => Target::Publication(p),
            Some(Ours::Reply(_, r)) => Target::Reply(r),
            None => {
                let public = state.config.public_url();
                let Some(name) = id.strip_prefix(&format!("{public}/u/")) else {
                    continue;
                };
                match crate::accounts::by_username(&state.db, name).await? {
                    Some(u) => Target::User(u.id),
                    None => continue,
                }
            }
        };
        match mod_ops::file_report(state, &me, target, Category::Other, &comment).await {
            Ok(_) => filed += 1,
            Err(AppError::Conflict { .. }) => {}
            Err(e) => {
                refused(e)?;
            }
        }
    }
    Ok(if filed > 0 {
        Received::Handled("reported")
    } else {
        Received::Ignored("nothing of ours to report")
    })
}
