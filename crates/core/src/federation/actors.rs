//! The JSON-LD documents: actors (`Person`, `Group`, the `Application`
//! instance actor) with their key, their collections, and publications as
//! `Page`. Each answers `None` exactly where the fediverse may not see it
//! (a private or unlisted community, a person who opted out, a publication
//! no anonymous reader finds): the entry point answers 404, as for an id
//! that does not exist.

use serde_json::{Value, json};

use super::keys::{self, Owner};
use super::{
    AS_CONTEXT, PUBLIC, SEC_CONTEXT, community_federated, extension_context, person_federated,
    rfc3339,
};
use crate::accounts::{self, User};
use crate::communities::{self, Community};
use crate::error::AppResult;
use crate::policy::{ContentStatus, Sight};
use crate::publications;
use crate::state::AppState;
use crate::urls;

/// How many items a collection lists (newest first); `totalItems` counts all.
pub const COLLECTION_ITEMS: i64 = 20;

/// The instance actor's id.
pub fn instance_id(state: &AppState) -> String {
    state.url("/actor")
}

fn key_id(actor_id: &str) -> String {
    format!("{actor_id}#main-key")
}

async fn public_key(state: &AppState, owner: Owner, actor_id: &str) -> AppResult<Value> {
    let k = keys::key_for(&state.db, owner).await?;
    Ok(json!({
        "id": key_id(actor_id),
        "owner": actor_id,
        "publicKeyPem": k.public_pem,
    }))
}

fn escape(s: &str) -> String {
    crate::xml::escape(s)
}

/// Plain text as the HTML `summary` of an actor: escaped, paragraphs kept.
fn text_html(s: &str) -> String {
    s.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", escape(p).replace('\n', "<br>")))
        .collect()
}

/// A person who is a `Person` actor (active, local, not opted out).
pub async fn federated_person(state: &AppState, username: &str) -> AppResult<Option<User>> {
    let Some(u) = accounts::by_username(&state.db, username).await? else {
        return Ok(None);
    };
    Ok(person_federated(&state.db, &u).await?.then_some(u))
}

/// A community that is a `Group` actor (open, active or archived).
pub async fn federated_community(state: &AppState, slug: &str) -> AppResult<Option<Community>> {
    Ok(communities::by_slug(&state.db, slug)
        .await?
        .filter(community_federated))
}

/// `/u/{name}` as a `Person`.
pub async fn person(state: &AppState, username: &str) -> AppResult<Option<Value>> {
    let Some(u) = federated_person(state, username).await? else {
        return Ok(None);
    };
    let id = state.url(&urls::user(&u.username));
    let name = if u.display_name.trim().is_empty() {
        u.username.clone()
    } else {
        u.display_name.clone()
    };
    let mut doc = json!({
        "@context": [AS_CONTEXT, SEC_CONTEXT, extension_context()],
        "id": id,
        "type": "Person",
        "preferredUsername": u.username,
        "name": name,
        "summary": text_html(&u.bio),
        "url": id,
        "inbox": format!("{id}/inbox"),
        "outbox": format!("{id}/outbox"),
        "followers": format!("{id}/followers"),
        "following": format!("{id}/following"),
        "featured": format!("{id}/featured"),
        "endpoints": { "sharedInbox": state.url("/inbox") },
        "manuallyApprovesFollowers": false,
        "discoverable": true,
        "published": rfc3339(u.created_at),
        "publicKey": public_key(state, Owner::User(u.id), &id).await?,
    });
    if let Some(m) = u.avatar_id {
        doc["icon"] = json!({ "type": "Image", "url": state.url(&urls::avatar(&u.username, m)) });
    }
    Ok(Some(doc))
}

/// `/c/{slug}` as a `Group` (FEP-1b12; the fields Lemmy reads).
pub async fn group(state: &AppState, slug: &str) -> AppResult<Option<Value>> {
    let Some(c) = federated_community(state, slug).await? else {
        return Ok(None);
    };
    let id = state.url(&c.path());
    let archived = c.status == crate::policy::CommunityStatus::Archived;
    Ok(Some(json!({
        "@context": [AS_CONTEXT, SEC_CONTEXT, extension_context()],
        "id": id,
        "type": "Group",
        "preferredUsername": c.slug,
        "name": c.name,
        "summary": text_html(&c.description),
        "source": { "content": c.description, "mediaType": "text/markdown" },
        "url": id,
        "inbox": format!("{id}/inbox"),
        "outbox": format!("{id}/outbox"),
        "followers": format!("{id}/followers"),
        "featured": format!("{id}/featured"),
        "attributedTo": format!("{id}/moderators"),
        "moderators": format!("{id}/moderators"),
        "endpoints": { "sharedInbox": state.url("/inbox") },
        // Communities that approve their members approve their followers.
        "manuallyApprovesFollowers": c.join_policy != crate::policy::JoinPolicy::Open,
        "postingRestrictedToMods": archived,
        "sensitive": false,
        "discoverable": true,
        "published": rfc3339(c.created_at),
        "publicKey": public_key(state, Owner::Community(c.id), &id).await?,
    })))
}

/// `/actor`: the instance as an `Application` (what signs fetches).
pub async fn instance(state: &AppState) -> AppResult<Value> {
    let id = instance_id(state);
    let host = super::host_of(&state.config.public_url());
    let name = state.instance().await?.name;
    Ok(json!({
        "@context": [AS_CONTEXT, SEC_CONTEXT, extension_context()],
        "id": id,
        "type": "Application",
        "preferredUsername": host,
        "name": name,
        "url": state.url("/"),
        "inbox": format!("{id}/inbox"),
        "outbox": format!("{id}/outbox"),
        "followers": format!("{id}/followers"),
        "featured": format!("{id}/featured"),
        "endpoints": { "sharedInbox": state.url("/inbox") },
        "manuallyApprovesFollowers": true,
        "publicKey": public_key(state, Owner::Instance, &id).await?,
    }))
}

/// Where a publication is seen on the fediverse: the publication, our
/// federated communities it is visible in (their `Group`s announce it),
/// the remote groups we mirror it is in (its author sends to them), and
/// its author when a `Person` actor.
pub struct Audience {
    pub publication: crate::publications::Publication,
    pub local_groups: Vec<Community>,
    pub remote_groups: Vec<Community>,
    /// The publication's id on the fediverse: its page, or the id it has
    /// on the instance it came from.
    pub object_id: String,
    /// The local `Person` who wrote it (`None`: a person of another instance).
    pub author: Option<User>,
}

impl Audience {
    /// The group ids, for `cc`: ours, then the remote ones.
    pub fn group_ids(&self, state: &AppState) -> Vec<String> {
        self.local_groups
            .iter()
            .map(|c| state.url(&c.path()))
            .chain(self.remote_groups.iter().filter_map(|c| c.ap_id.clone()))
            .collect()
    }
}

/// The [`Audience`] of publication `id`, when an anonymous reader finds it
/// without a link in a federated community or a mirrored remote group —
/// never through a private or unlisted one, never once removed.
pub async fn audience(state: &AppState, id: i64) -> AppResult<Option<Audience>> {
    let Some(p) = publications::by_id(&state.db, id, None).await? else {
        return Ok(None);
    };
    let p = publications::with_key(p, None);
    let links = publications::links_of(&state.db, None, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    if publications::sight(None, &p, &links) != Sight::Full || p.status != ContentStatus::Visible {
        return Ok(None);
    }
    let visible = links
        .iter()
        .filter(|l| l.status == ContentStatus::Visible)
        .map(|l| l.community.clone());
    let (local_groups, remote_groups): (Vec<Community>, Vec<Community>) = visible
        .filter(|c| community_federated(c) || (c.domain.is_some() && c.ap_id.is_some()))
        .partition(|c| c.domain.is_none());
    if local_groups.is_empty() && remote_groups.is_empty() {
        return Ok(None);
    }
    let ap_id: Option<String> = sqlx::query_scalar("SELECT ap_id FROM publications WHERE id = $1")
        .bind(id)
        .fetch_optional(&state.db.pool)
        .await?
        .flatten();
    let author = match p.author.as_ref() {
        Some(a) => federated_person(state, &a.username).await?,
        None => None,
    };
    Ok(Some(Audience {
        object_id: ap_id.unwrap_or_else(|| state.url(&p.path())),
        publication: p,
        local_groups,
        remote_groups,
        author,
    }))
}

/// `/p/{id}` as a `Page`, when an anonymous reader finds it without a link
/// in a federated community, and its author is a `Person` actor. `cc`
/// names every group it is visible in (one object id, as many groups as
/// it is shared into); never a private or unlisted one.
pub async fn page(state: &AppState, id: i64) -> AppResult<Option<Value>> {
    let Some(a) = audience(state, id).await? else {
        return Ok(None);
    };
    Ok(page_of(state, &a))
}

/// The `Page` of an [`Audience`] (`None`: written by someone of another instance).
pub fn page_of(state: &AppState, a: &Audience) -> Option<Value> {
    let author = a.author.as_ref()?;
    let p = &a.publication;
    let groups = a.group_ids(state);
    let url = state.url(&p.path());
    let mut doc = json!({
        "@context": [AS_CONTEXT, extension_context()],
        "id": url,
        "type": "Page",
        "attributedTo": state.url(&urls::user(&author.username)),
        "name": p.title,
        "content": p.body_html,
        "mediaType": "text/html",
        "source": { "content": p.body, "mediaType": "text/markdown" },
        "url": url,
        "to": [PUBLIC],
        "cc": groups,
        "audience": groups[0],
        "published": rfc3339(p.created_at),
        "commentsEnabled": !p.locked,
        "sensitive": false,
    });
    if p.updated_at > p.created_at {
        doc["updated"] = json!(rfc3339(p.updated_at));
    }
    if let Some(link) = &p.link_url {
        doc["attachment"] = json!([{ "type": "Link", "href": link }]);
    }
    Some(doc)
}

/// The fediverse id of reply `rid` (`/p/{pid}/replies/{rid}`, which answers
/// the `Note` to an ActivityPub client and sends a browser to its anchor on
/// the page — an id with a fragment could not be fetched, so a third
/// instance could not verify a relayed reply), or the id it has on the
/// instance it came from.
pub async fn reply_id(state: &AppState, pid: i64, rid: i64) -> AppResult<String> {
    let ap_id: Option<String> =
        sqlx::query_scalar("SELECT ap_id FROM replies WHERE id = $1 AND publication_id = $2")
            .bind(rid)
            .bind(pid)
            .fetch_optional(&state.db.pool)
            .await?
            .flatten();
    Ok(ap_id.unwrap_or_else(|| state.url(&format!("{}/replies/{rid}", urls::publication(pid)))))
}

/// Reply `rid` of publication `pid` as a `Note` (FEP-1b12: `inReplyTo`
/// the publication or the reply answered, `audience` the group), with the
/// publication's audience, when it is visible, its publication federated,
/// and its author a local `Person` actor.
pub async fn note(state: &AppState, pid: i64, rid: i64) -> AppResult<Option<(Value, Audience)>> {
    let Some(a) = audience(state, pid).await? else {
        return Ok(None);
    };
    let Some(r) = publications::reply_by_id(&state.db, pid, rid).await? else {
        return Ok(None);
    };
    if r.status != ContentStatus::Visible {
        return Ok(None);
    }
    let Some(author) = r.author.as_ref() else {
        return Ok(None);
    };
    let Some(author) = federated_person(state, &author.username).await? else {
        return Ok(None);
    };
    let in_reply_to = match r.parent_id {
        Some(parent) => reply_id(state, pid, parent).await?,
        None => a.object_id.clone(),
    };
    let groups = a.group_ids(state);
    let mut doc = json!({
        "@context": [AS_CONTEXT, extension_context()],
        "id": reply_id(state, pid, rid).await?,
        "type": "Note",
        "attributedTo": state.url(&urls::user(&author.username)),
        "content": r.body_html,
        "mediaType": "text/html",
        "source": { "content": r.body, "mediaType": "text/markdown" },
        "inReplyTo": in_reply_to,
        "context": a.object_id,
        "to": [PUBLIC],
        "cc": groups,
        "audience": groups[0],
        "published": rfc3339(r.created_at),
    });
    if r.updated_at > r.created_at {
        doc["updated"] = json!(rfc3339(r.updated_at));
    }
    Ok(Some((doc, a)))
}

/// A collection of an actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collection {
    Outbox,
    Followers,
    Following,
    Featured,
    Moderators,
}

impl Collection {
    pub fn parse(s: &str) -> Option<Collection> {
        Some(match s {
            "outbox" => Collection::Outbox,
            "followers" => Collection::Followers,
            "following" => Collection::Following,
            "featured" => Collection::Featured,
            "moderators" => Collection::Moderators,
            _ => return None,
        })
    }
    fn name(self) -> &'static str {
        match self {
            Collection::Outbox => "outbox",
            Collection::Followers => "followers",
            Collection::Following => "following",
            Collection::Featured => "featured",
            Collection::Moderators => "moderators",
        }
    }
}

fn collection(id: String, total: i64, items: Vec<Value>) -> Value {
    json!({
        // The items embed Pages: their terms are defined here.
        "@context": [AS_CONTEXT, extension_context()],
        "id": id,
        "type": "OrderedCollection",
        "totalItems": total,
        "orderedItems": items,
    })
}

/// A person's collections. Nobody follows anyone across instances yet, and
/// people feature nothing: those answer empty; the outbox lists what they
/// published that the fediverse may see. A person has no moderators.
pub async fn person_collection(
    state: &AppState,
    username: &str,
    which: Collection,
) -> AppResult<Option<Value>> {
    let Some(u) = federated_person(state, username).await? else {
        return Ok(None);
    };
    let id = format!("{}/{}", state.url(&urls::user(&u.username)), which.name());
    Ok(match which {
        Collection::Moderators => None,
        Collection::Followers | Collection::Following | Collection::Featured => {
            Some(collection(id, 0, Vec::new()))
        }
        Collection::Outbox => {
            let ids: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM publications WHERE author_id = $1 AND status = 'visible' \
                 ORDER BY created_at DESC, id DESC LIMIT 100",
            )
            .bind(u.id)
            .fetch_all(&state.db.pool)
            .await?;
            let items = creates(state, &ids).await?;
            Some(collection(id, items.len() as i64, items))
        }
    })
}

/// A community's collections: its publications (outbox), its pinned ones
/// (featured), its moderators, how many remote followers it has.
pub async fn group_collection(
    state: &AppState,
    slug: &str,
    which: Collection,
) -> AppResult<Option<Value>> {
    let Some(c) = federated_community(state, slug).await? else {
        return Ok(None);
    };
    let id = format!("{}/{}", state.url(&c.path()), which.name());
    Ok(match which {
        Collection::Following => None,
        // Followers are counted, not listed (as Lemmy and Mastodon do).
        Collection::Followers => Some(collection(
            id,
            super::inbox::follower_count(state, c.id).await?,
            Vec::new(),
        )),
        Collection::Moderators => {
            let names: Vec<String> = sqlx::query_scalar(
                "SELECT u.username FROM memberships m JOIN users u ON u.id = m.user_id \
                 WHERE m.community_id = $1 AND m.state = 'active' \
                 AND m.role IN ('owner', 'animator', 'moderator') AND u.status = 'active' \
                 AND u.domain IS NULL AND u.federation_opt_out = 0 ORDER BY u.id",
            )
            .bind(c.id)
            .fetch_all(&state.db.pool)
            .await?;
            let items: Vec<Value> = names
                .iter()
                .map(|n| json!(state.url(&urls::user(n))))
                .collect();
            Some(collection(id, items.len() as i64, items))
        }
        Collection::Outbox | Collection::Featured => {
            let pinned = i64::from(which == Collection::Featured);
            let ids: Vec<i64> = sqlx::query_scalar(
                "SELECT pc.publication_id FROM publication_communities pc \
                 JOIN publications p ON p.id = pc.publication_id \
                 WHERE pc.community_id = $1 AND pc.status = 'visible' AND p.status = 'visible' \
                 AND ($2 = 0 OR pc.pinned = 1) ORDER BY pc.added_at DESC, p.id DESC LIMIT $3",
            )
            .bind(c.id)
            .bind(pinned)
            .bind(COLLECTION_ITEMS)
            .fetch_all(&state.db.pool)
            .await?;
            let items = if which == Collection::Featured {
                pages(state, &ids).await?
            } else {
                creates(state, &ids).await?
            };
            Some(collection(id, items.len() as i64, items))
        }
    })
}

/// The `Page`s of these publications that the fediverse may see.
async fn pages(state: &AppState, ids: &[i64]) -> AppResult<Vec<Value>> {
    let mut out = Vec::new();
    for id in ids {
        if let Some(p) = page(state, *id).await? {
            out.push(p);
        }
        if out.len() as i64 >= COLLECTION_ITEMS {
            break;
        }
    }
    Ok(out)
}

/// `Create` activities of these publications, as an outbox lists them.
async fn creates(state: &AppState, ids: &[i64]) -> AppResult<Vec<Value>> {
    Ok(pages(state, ids)
        .await?
        .into_iter()
        .map(|mut p| {
            if let Some(o) = p.as_object_mut() {
                o.remove("@context");
            }
            json!({
                "id": format!("{}#create", p["id"].as_str().unwrap_or_default()),
                "type": "Create",
                "actor": p["attributedTo"].clone(),
                "to": p["to"].clone(),
                "cc": p["cc"].clone(),
                "published": p["published"].clone(),
                "object": p,
            })
        })
        .collect())
}
