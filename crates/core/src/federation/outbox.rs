//! What our groups and members send (FEP-1b12), after the operation that
//! changed the content has written it. Best effort: a failure is logged,
//! never the author's error; each delivery is then a job, retried on its own.
//!
//! - In our federated communities, the community `Announce`s the activity
//!   to its remote followers (shared inboxes once): `Create` of a `Page`
//!   (a publication) or a `Note` (a reply), `Update` on an edit, `Delete`
//!   when its author deletes it, `Remove` (actor: the community) when a
//!   moderator hides or removes it.
//! - Top-level publications are also announced as the bare `Page`, which is
//!   what Mastodon and Pleroma show (they ignore an `Announce` of a
//!   `Create`, as Lemmy notes): Mastodon followers see publications, never
//!   the flood of every reply — replies go out only as
//!   `Announce(Create(Note))`, read by group-aware servers.
//! - In a remote group we mirror (a community with `domain`), our member
//!   sends the activity itself, signed with their key, to the group's
//!   inbox; the group announces it to its followers (us included).
//!
//! Content written by people of other instances is not announced here:
//! the activity their server sent is relayed as received (`relay`).

use serde_json::{Value, json};

use super::actors::{self, Audience};
use super::delivery;
use super::inbox::follower_inboxes;
use super::keys::Owner;
use super::{AS_CONTEXT, PUBLIC, extension_context};
use crate::communities::Community;
use crate::error::AppResult;
use crate::state::AppState;
use crate::urls;

/// What an activity is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Object {
    Publication(i64),
    /// (publication, reply)
    Reply(i64, i64),
}

/// What the fediverse knew of an object about to be deleted or hidden:
/// read before, sent after.
pub struct Known {
    object_id: String,
    kind: &'static str,
    author_id: String,
    /// The local author (`None`: a person of another instance, whose own
    /// `Delete` is relayed as received, `relay`; a moderator's `Remove` of
    /// it is still announced).
    author: Option<i64>,
    local_groups: Vec<Community>,
    remote_groups: Vec<Community>,
}

fn strip_context(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        o.remove("@context");
    }
    v
}

fn log(what: &str, r: AppResult<()>) {
    if let Err(e) = r {
        tracing::warn!(error = %e, what, "federation: activity not queued");
    }
}

/// After publication `id` was created: announce it where it is federated.
pub async fn announce_created(state: &AppState, id: i64) {
    log("create", created(state, id).await);
}

async fn created(state: &AppState, id: i64) -> AppResult<()> {
    // The Page as the fediverse may see it: nothing for a private or
    // unlisted community, an author who opted out, removed content.
    let Some(a) = actors::audience(state, id).await? else {
        return Ok(());
    };
    let Some(page) = actors::page_of(state, &a) else {
        return Ok(());
    };
    let page = strip_context(page);
    let activity = author_activity(state, &a, "Create", "create", &page);
    send(state, &a, &activity, Some(&page)).await
}

/// After reply `rid` of publication `pid` was written.
pub async fn reply_created(state: &AppState, pid: i64, rid: i64) {
    let r = async {
        let Some((note, a)) = actors::note(state, pid, rid).await? else {
            return Ok(());
        };
        let note = strip_context(note);
        let activity = author_activity(state, &a, "Create", "create", &note);
        send(state, &a, &activity, None).await
    };
    log("reply", r.await);
}

/// After an edit.
pub async fn updated(state: &AppState, what: Object) {
    let r = async {
        let (doc, a) = match what {
            Object::Publication(id) => {
                let Some(a) = actors::audience(state, id).await? else {
                    return Ok(());
                };
                let Some(page) = actors::page_of(state, &a) else {
                    return Ok(());
                };
                (page, a)
            }
            Object::Reply(pid, rid) => match actors::note(state, pid, rid).await? {
                Some(x) => x,
                None => return Ok(()),
            },
        };
        let doc = strip_context(doc);
        let stamp = format!("update-{}-{:08x}", crate::db::now(), rand::random::<u32>());
        let activity = author_activity(state, &a, "Update", &stamp, &doc);
        send(state, &a, &activity, None).await
    };
    log("update", r.await);
}

/// What the fediverse knows of `what`, read before it is deleted or hidden.
pub async fn before_delete(state: &AppState, what: Object) -> Option<Known> {
    let r: AppResult<Option<Known>> = async {
        let (doc, a) = match what {
            Object::Publication(id) => {
                let Some(a) = actors::audience(state, id).await? else {
                    return Ok(None);
                };
                let Some(page) = actors::page_of(state, &a) else {
                    return remote_known(state, what, a).await;
                };
                (page, a)
            }
            Object::Reply(pid, rid) => match actors::note(state, pid, rid).await? {
                Some(x) => x,
                None => match actors::audience(state, pid).await? {
                    Some(a) => return remote_known(state, what, a).await,
                    None => return Ok(None),
                },
            },
        };
        let author_id = doc["attributedTo"].as_str().unwrap_or_default().to_string();
        // A reply's author is not necessarily the publication's.
        let Some(author) = local_person(state, &author_id).await? else {
            return Ok(None);
        };
        let author = Some(author);
        Ok(Some(Known {
            object_id: doc["id"].as_str().unwrap_or_default().to_string(),
            kind: if matches!(what, Object::Reply(..)) {
                "Note"
            } else {
                "Page"
            },
            author_id,
            author,
            local_groups: a.local_groups,
            remote_groups: a.remote_groups,
        }))
    }
    .await;
    match r {
        Ok(k) => k,
        Err(e) => {
            tracing::warn!(error = %e, "federation: could not read what to delete");
            None
        }
    }
}

/// What the fediverse knows of something a person of another instance
/// wrote, seen in our federated communities (`relay` announced it there):
/// its id where it comes from, for a moderator's `Remove`.
async fn remote_known(
    state: &AppState,
    what: Object,
    a: actors::Audience,
) -> AppResult<Option<Known>> {
    let (ap_id, author_id): (Option<String>, Option<String>) = match what {
        Object::Publication(id) => sqlx::query_as(
            "SELECT p.ap_id, u.ap_id FROM publications p JOIN users u ON u.id = p.author_id \
             WHERE p.id = $1 AND p.domain IS NOT NULL",
        )
        .bind(id)
        .fetch_optional(&state.db.pool)
        .await?
        .unwrap_or((None, None)),
        Object::Reply(pid, rid) => sqlx::query_as(
            "SELECT r.ap_id, u.ap_id FROM replies r JOIN users u ON u.id = r.author_id \
             WHERE r.id = $1 AND r.publication_id = $2 AND r.domain IS NOT NULL \
             AND r.status = 'visible'",
        )
        .bind(rid)
        .bind(pid)
        .fetch_optional(&state.db.pool)
        .await?
        .unwrap_or((None, None)),
    };
    let (Some(object_id), Some(author_id)) = (ap_id, author_id) else {
        return Ok(None);
    };
    if a.local_groups.is_empty() {
        return Ok(None);
    }
    Ok(Some(Known {
        object_id,
        kind: if matches!(what, Object::Reply(..)) {
            "Note"
        } else {
            "Page"
        },
        author_id,
        author: None,
        local_groups: a.local_groups,
        remote_groups: Vec::new(),
    }))
}

/// After its author deleted it: `Delete`, announced by our groups and sent
/// to the remote ones.
pub async fn deleted(state: &AppState, known: Option<Known>) {
    let Some(k) = known else { return };
    let Some(author) = k.author else { return };
    let r = async {
        let groups: Vec<String> = k
            .local_groups
            .iter()
            .map(|c| state.url(&c.path()))
            .chain(k.remote_groups.iter().filter_map(|c| c.ap_id.clone()))
            .collect();
        let activity = json!({
            "id": format!("{}#delete", k.object_id),
            "type": "Delete",
            "actor": k.author_id,
            "to": [PUBLIC],
            "cc": groups,
            "audience": groups.first(),
            "object": { "id": k.object_id, "type": "Tombstone", "formerType": k.kind },
        });
        for c in &k.local_groups {
            announce(state, c, &activity).await?;
        }
        for c in &k.remote_groups {
            to_remote_group(state, c, Owner::User(author), &k.author_id, &activity).await?;
        }
        Ok(())
    };
    log("delete", r.await);
}

/// After a moderator hid or removed it (in community `scope`, or everywhere
/// for the instance's moderators): each of our communities concerned
/// announces a `Remove` of it.
pub async fn removed(state: &AppState, known: Option<Known>, scope: Option<i64>, reason: &str) {
    let Some(k) = known else { return };
    let r = async {
        for c in k
            .local_groups
            .iter()
            .filter(|c| scope.is_none_or(|s| s == c.id))
        {
            let group = state.url(&c.path());
            let activity = json!({
                "id": format!("{group}#remove-{}", super::inbox::hex_id(&format!("{}{}", k.object_id, rand::random::<u64>()))),
                "type": "Remove",
                "actor": group,
                "object": k.object_id,
                "target": group,
                "summary": reason,
                "to": [PUBLIC],
                "cc": [format!("{group}/followers")],
                "audience": group,
            });
            announce(state, c, &activity).await?;
        }
        Ok(())
    };
    log("remove", r.await);
}

/// `Create`/`Update` of `object` by its author, addressed as it is.
fn author_activity(
    state: &AppState,
    a: &Audience,
    kind: &str,
    suffix: &str,
    object: &Value,
) -> Value {
    let groups = a.group_ids(state);
    json!({
        "id": format!("{}#{suffix}", object["id"].as_str().unwrap_or_default()),
        "type": kind,
        "actor": object["attributedTo"].clone(),
        "to": [PUBLIC],
        "cc": groups,
        "audience": groups.first(),
        "object": object,
    })
}

/// Send an author's activity: announced by each of our groups, sent to
/// each remote group. `bare`: the object, also announced alone (for
/// Mastodon; new publications only).
async fn send(
    state: &AppState,
    a: &Audience,
    activity: &Value,
    bare: Option<&Value>,
) -> AppResult<()> {
    for c in &a.local_groups {
        announce(state, c, activity).await?;
        if let Some(obj) = bare {
            announce(state, c, obj).await?;
        }
    }
    if a.remote_groups.is_empty() {
        return Ok(());
    }
    // The local person whose activity it is (the publication's author, or
    // the reply's, who may be someone else).
    let actor_id = activity["actor"].as_str().unwrap_or_default().to_string();
    let Some(who) = local_person(state, &actor_id).await? else {
        return Ok(());
    };
    for c in &a.remote_groups {
        to_remote_group(state, c, Owner::User(who), &actor_id, activity).await?;
    }
    Ok(())
}

/// The id of the local person whose actor URL is `actor_id`.
pub(crate) async fn local_person(state: &AppState, actor_id: &str) -> AppResult<Option<i64>> {
    let prefix = state.url(&urls::user(""));
    let Some(name) = actor_id.strip_prefix(prefix.as_str()) else {
        return Ok(None);
    };
    let name = percent_encoding::percent_decode_str(name).decode_utf8_lossy();
    Ok(crate::accounts::by_username(&state.db, &name)
        .await?
        .filter(|u| u.domain.is_none())
        .map(|u| u.id))
}

/// Our community `c` announces `inner` to its accepted remote followers.
pub async fn announce(state: &AppState, c: &Community, inner: &Value) -> AppResult<()> {
    announce_except(state, c, inner, None).await
}

/// [`announce`], but not to the followers on `except` (the instance the
/// announced activity came from: it has it already).
pub async fn announce_except(
    state: &AppState,
    c: &Community,
    inner: &Value,
    except: Option<&str>,
) -> AppResult<()> {
    let mut inboxes = follower_inboxes(state, c.id).await?;
    if let Some(host) = except {
        inboxes.retain(|i| super::instances::host(i) != host);
    }
    if inboxes.is_empty() {
        return Ok(());
    }
    let group = state.url(&c.path());
    let inner_id = super::content::id_of(inner).unwrap_or_default();
    let activity = json!({
        "@context": [AS_CONTEXT, extension_context()],
        "id": format!("{group}#announce-{}", super::inbox::hex_id(inner_id)),
        "type": "Announce",
        "actor": group,
        "to": [PUBLIC],
        "cc": [format!("{group}/followers")],
        "object": inner,
    });
    delivery::queue(state, Owner::Community(c.id), &group, &activity, &inboxes).await?;
    Ok(())
}

/// Send `activity` (signed by `signer`, actor `actor_id`) to the inbox of
/// the remote group `c` mirrors.
async fn to_remote_group(
    state: &AppState,
    c: &Community,
    signer: Owner,
    actor_id: &str,
    activity: &Value,
) -> AppResult<()> {
    let Some(group) = c.ap_id.as_deref() else {
        return Ok(());
    };
    let remote = delivery::remote_actor(state, group, false)
        .await
        .map_err(crate::error::AppError::Internal)?;
    let mut activity = activity.clone();
    activity["@context"] = json!([AS_CONTEXT, extension_context()]);
    delivery::queue(
        state,
        signer,
        actor_id,
        &activity,
        &[remote.delivery_inbox().to_string()],
    )
    .await?;
    Ok(())
}

/// A local person's account about to be deleted (issue 20): the `Delete`
/// of their actor and the inboxes of the instances that hold copies of
/// what they wrote — the remote followers of the communities they were in
/// or published in, and the remote groups they followed — read before the
/// deletion (memberships cascade with it), queued after it.
pub struct AccountDeleted {
    user_id: i64,
    actor_id: String,
    activity: Value,
    inboxes: Vec<String>,
}

/// What to tell the fediverse when `user` is deleted; `None` for a person
/// the fediverse never saw (opted out, a remote shadow account).
pub async fn account_deleting(
    db: &crate::db::Db,
    public_url: &str,
    user: &crate::accounts::User,
    remove_data: bool,
) -> Result<Option<AccountDeleted>, sqlx::Error> {
    if user.domain.is_some() || super::opted_out(db, user.id).await? {
        return Ok(None);
    }
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT a.inbox, a.shared_inbox FROM ap_followers f JOIN ap_actors a ON a.ap_id = f.actor \
         WHERE f.state = 'accepted' AND f.community_id IN ( \
           SELECT community_id FROM memberships WHERE user_id = $1 \
           UNION SELECT pc.community_id FROM publication_communities pc \
             JOIN publications p ON p.id = pc.publication_id WHERE p.author_id = $1) \
         UNION SELECT a.inbox, a.shared_inbox FROM ap_following g JOIN ap_actors a ON a.ap_id = g.target \
         WHERE g.user_id = $1 AND g.state = 'accepted'",
    )
    .bind(user.id)
    .fetch_all(&db.pool)
    .await?;
    let mut inboxes: Vec<String> = rows
        .into_iter()
        .map(|(i, s)| if s.is_empty() { i } else { s })
        .collect();
    inboxes.sort();
    inboxes.dedup();
    if inboxes.is_empty() {
        return Ok(None);
    }
    let actor_id = format!(
        "{}{}",
        public_url.trim_end_matches('/'),
        urls::user(&user.username)
    );
    // As Lemmy and Mastodon send it: the actor deletes itself.
    let activity = json!({
        "@context": [AS_CONTEXT, extension_context()],
        "id": format!("{actor_id}#delete"),
        "type": "Delete",
        "actor": actor_id,
        "object": actor_id,
        "to": [PUBLIC],
        "removeData": remove_data,
    });
    Ok(Some(AccountDeleted {
        user_id: user.id,
        actor_id,
        activity,
        inboxes,
    }))
}

/// Queue the `Delete` once the account is gone: signed with the person's
/// key, which outlives the account until the deliveries are done (the
/// receiving servers verify it with the key they cached).
pub async fn account_deleted(
    db: &crate::db::Db,
    jobs: &crate::jobs::Queue,
    d: AccountDeleted,
) -> Result<(), sqlx::Error> {
    let body = d.activity.to_string();
    for inbox in &d.inboxes {
        if !super::instances::permitted(db, &super::instances::host(inbox)).await? {
            continue;
        }
        jobs.push(
            db,
            &crate::jobs::Job::Deliver {
                inbox: inbox.clone(),
                activity: body.clone(),
                signer: Owner::User(d.user_id).key(),
                key_id: format!("{}#main-key", d.actor_id),
            },
            None,
        )
        .await?;
    }
    Ok(())
}
