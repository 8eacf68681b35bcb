//! Operations on publications: every state change of a publication, its
//! replies, attachments, follows, pins and accepted answer, in one place
//! beneath the pages (`web::publications`) and the API
//! (`api::publications`). Each one takes the acting party and validated
//! input, asks the policy (`may_edit`, `may_reply`… — `crate::policy`
//! through [`super::sight`] — and `PostInCommunity` through
//! [`postable_communities`]), applies the per-account write limit where
//! there is one, writes through the storage functions (one transaction
//! each, `state.db.begin()`), and returns a typed outcome or a domain
//! error the entry point renders: `NotFound` for what the actor may not
//! read, `Forbidden`, `Invalid { fields }` (message key per field),
//! `Conflict`, `TooManyRequests { retry_after }`.
//!
//! Reads both entry points need before acting (the publication as the
//! actor may read, edit or delete it; one's own reply) are here too.

use std::collections::HashSet;

use super::{Checked, Draft, Publication, Refusals, Reply, ReplySight, Shared, Tag, Upload, files};
use crate::accounts::User;
use crate::actor::Actor;
use crate::communities::Community;
use crate::error::{AppError, AppResult};
use crate::notifications::{self, NewNotification};
use crate::policy::{self, CommunityStatus, ContentStatus, Membership, ShareRule, Sight};
use crate::ratelimit::{self, Write};
use crate::state::AppState;

// ---- helpers ------------------------------------------------------------------------------------

/// The person acting. Publications, replies and follows are written by
/// people: the instance itself has no account to write them as.
fn person(actor: &Actor) -> AppResult<&User> {
    actor.user().ok_or(AppError::Forbidden)
}

/// Field refusals as a domain error.
pub fn invalid(fields: Refusals) -> AppError {
    AppError::Invalid {
        fields: fields
            .into_iter()
            .map(|(f, k)| (f.to_string(), k.to_string()))
            .collect(),
    }
}

/// The instance's per-account limit on publishing or replying (the same
/// for pages and API): `TooManyRequests` past it.
async fn write_limit(state: &AppState, user: &User, what: Write) -> AppResult<()> {
    match ratelimit::hit_write(&state.db, &state.config.write_limits, user, what).await? {
        Ok(()) => Ok(()),
        Err(retry_after) => Err(AppError::TooManyRequests { retry_after }),
    }
}

/// A community named by an entry point: by id (the pages' checkboxes) or
/// by address (the API).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CommunityKey {
    Id(i64),
    Slug(String),
}

impl CommunityKey {
    fn names(&self, c: &Community) -> bool {
        match self {
            CommunityKey::Id(id) => c.id == *id,
            CommunityKey::Slug(slug) => &c.slug == slug,
        }
    }
}

// ---- reads shared by the entry points -----------------------------------------------------------

/// The publication and where it is shared, if `viewer` may read it in
/// full; `NotFound` otherwise (what one may not read does not exist).
pub async fn readable(
    state: &AppState,
    viewer: Option<&User>,
    id: i64,
) -> AppResult<(Publication, Vec<Shared>)> {
    readable_with(state, viewer, id, None).await
}

/// [`readable`], for someone who came with `key` (their link's `?k=`):
/// what an unlisted community shows by link is readable with its key.
pub async fn readable_with(
    state: &AppState,
    viewer: Option<&User>,
    id: i64,
    key: Option<&str>,
) -> AppResult<(Publication, Vec<Shared>)> {
    let p = super::by_id(&state.db, id, viewer)
        .await?
        .ok_or(AppError::NotFound)?;
    let p = super::with_key(p, key);
    let links = super::links_of(&state.db, viewer, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    if super::sight(viewer, &p, &links) != Sight::Full {
        return Err(AppError::NotFound);
    }
    Ok((p, links))
}

/// Does the publication's page by its bare id (`/p/{id}`, no key) show
/// `viewer` something — the publication, or the notice of its removal its
/// author gets? (Where an imported item's old address may lead them:
/// `portability::aliases::may_follow`.)
pub async fn page_shown(state: &AppState, viewer: Option<&User>, id: i64) -> AppResult<bool> {
    let Some(p) = super::by_id(&state.db, id, viewer).await? else {
        return Ok(false);
    };
    let links = super::links_of(&state.db, viewer, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    Ok(super::sight(viewer, &p, &links) != Sight::None)
}

/// A publication its author is editing: read in full and editable by them.
pub struct Editing {
    pub publication: Publication,
    pub links: Vec<Shared>,
}

/// The publication, if `viewer` may edit it (`Forbidden` when they read it
/// but are not its author).
pub async fn editing(state: &AppState, viewer: Option<&User>, id: i64) -> AppResult<Editing> {
    let (p, links) = readable(state, viewer, id).await?;
    if !super::may_edit(viewer, &p, &links) {
        return Err(AppError::Forbidden);
    }
    Ok(Editing {
        publication: p,
        links,
    })
}

/// The publication, if `viewer` may delete it: its author, even when
/// moderators removed it (they see its notice).
pub async fn deletable(
    state: &AppState,
    viewer: Option<&User>,
    id: i64,
) -> AppResult<(Publication, Vec<Shared>)> {
    let p = super::by_id(&state.db, id, viewer)
        .await?
        .ok_or(AppError::NotFound)?;
    let links = super::links_of(&state.db, viewer, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    match super::sight(viewer, &p, &links) {
        Sight::None => Err(AppError::NotFound),
        _ if super::may_delete(viewer, &p, &links) => Ok((p, links)),
        _ => Err(AppError::Forbidden),
    }
}

/// One's own reply, to edit or delete: `NotFound` when the publication or
/// the reply cannot be read in full (or was deleted), `Forbidden` when it
/// is someone else's.
pub async fn own_reply(
    state: &AppState,
    viewer: Option<&User>,
    id: i64,
    rid: i64,
) -> AppResult<(Publication, Vec<Shared>, Reply)> {
    let (p, links) = readable(state, viewer, id).await?;
    let r = super::reply_by_id(&state.db, id, rid)
        .await?
        .ok_or(AppError::NotFound)?;
    if super::reply_sight(viewer, &p, &r, &links) != ReplySight::Full
        || r.status == ContentStatus::Deleted
    {
        return Err(AppError::NotFound);
    }
    if !r.is_author(viewer) {
        return Err(AppError::Forbidden);
    }
    Ok((p, links, r))
}

/// A visible reply of publication `id` (an answer to reply to or accept):
/// `NotFound`, or `Conflict reply_gone` when it was deleted or hidden.
async fn visible_reply(state: &AppState, id: i64, rid: i64) -> AppResult<Reply> {
    let r = super::reply_by_id(&state.db, id, rid)
        .await?
        .ok_or(AppError::NotFound)?;
    if r.status != ContentStatus::Visible {
        return Err(AppError::Conflict {
            code: "reply_gone",
            message_key: "reply-parent-gone",
        });
    }
    Ok(r)
}

// ---- publish --------------------------------------------------------------------------------------

/// What an author asks to publish: the draft as typed and where.
pub struct NewPublication {
    pub draft: Draft,
    pub communities: Vec<CommunityKey>,
}

/// A new publication that passed every check: only [`check_new`] makes one.
pub struct Valid {
    checked: Checked,
    chosen: Vec<(Community, Option<Membership>)>,
}

impl Valid {
    /// The communities it goes into.
    pub fn communities(&self) -> impl Iterator<Item = &Community> {
        self.chosen.iter().map(|(c, _)| c)
    }
}

/// Check a new publication: the draft (title, body, tags, kind, link) and
/// the communities, each one where the actor may post
/// (`PostInCommunity`). `Invalid` lists every refused field (the draft's
/// first, then `communities`).
pub async fn check_new(state: &AppState, actor: &Actor, new: &NewPublication) -> AppResult<Valid> {
    let postable = super::postable_communities(&state.db, actor.user()).await?;
    let mut fields: Refusals = Vec::new();
    let checked = super::check_draft(&new.draft, false)
        .map_err(|f| fields.extend(f))
        .ok();
    let chosen: Vec<_> = postable
        .into_iter()
        .filter(|(c, _)| new.communities.iter().any(|k| k.names(c)))
        .collect();
    let asked = new.communities.iter().collect::<HashSet<_>>().len();
    if asked == 0 {
        fields.push(("communities", "publication-community-required"));
    } else if chosen.len() != asked {
        fields.push(("communities", "publication-community-forbidden"));
    }
    match checked {
        Some(checked) if fields.is_empty() => Ok(Valid { checked, chosen }),
        _ => Err(invalid(fields)),
    }
}

/// Check a publication that arrives through federation (`Actor::Remote`):
/// the draft as [`check_new`] checks it, into `communities`, each one where
/// the policy lets a person of another instance write
/// (`PostFromFediverse`): one of our federated communities it was
/// addressed to, or the mirror of the remote group that announced it.
pub async fn check_remote_new(
    state: &AppState,
    actor: &Actor,
    draft: &Draft,
    communities: Vec<Community>,
) -> AppResult<Valid> {
    let mut chosen = Vec::new();
    for c in communities {
        let m = crate::communities::membership(&state.db, c.id, actor.user()).await?;
        let local = c.domain.is_none();
        if actor.may(policy::Action::PostFromFediverse {
            c: &c.facts(),
            m,
            local,
        }) {
            chosen.push((c, m));
        }
    }
    let checked = super::check_draft(draft, false).map_err(invalid)?;
    if chosen.is_empty() {
        return Err(AppError::Forbidden);
    }
    Ok(Valid { checked, chosen })
}

/// What publishing did.
pub enum Created {
    /// Published; `preview_failed` when the watch link's page could not
    /// be read (published all the same, without a preview).
    Published { id: i64, preview_failed: bool },
    /// Not published: the watch link is already shared where the author
    /// can read it. Those publications (with the communities the author
    /// sees them in), so the entry point can offer to add to them.
    AlreadyShared {
        existing: Vec<(Publication, Vec<Shared>)>,
        chosen: Vec<Community>,
    },
}

/// Publish: a watch link already shared is refused (`AlreadyShared`),
/// otherwise its preview is fetched, the write limit applies
/// (`TooManyRequests`), and the publication is written with its tags,
/// attachments, follow, search entries and mention notifications.
pub async fn create(
    state: &AppState,
    actor: &Actor,
    new: Valid,
    attachments: Vec<files::Ready>,
) -> AppResult<Created> {
    let user = person(actor)?;
    if attachments.len() > files::MAX_FILES {
        return Err(invalid(vec![("files", "attachment-too-many")]));
    }
    let mut preview = None;
    if let Some((raw, key)) = &new.checked.link {
        let existing = super::already_shared(&state.db, Some(user), key).await?;
        if !existing.is_empty() {
            return Ok(Created::AlreadyShared {
                existing,
                chosen: new.chosen.into_iter().map(|(c, _)| c).collect(),
            });
        }
        preview = Some(
            super::preview_for(
                &state.db,
                &state.images,
                Some(user),
                &state.config.public_url(),
                raw,
                key,
            )
            .await?,
        );
    }
    write_limit(state, user, Write::Publication).await?;
    let id = super::create(
        &state.db,
        user,
        &new.checked,
        &new.chosen,
        attachments,
        preview.as_ref(),
    )
    .await?;
    // Published: the compose form's draft has served.
    super::drafts::discard(&state.db, user.id).await?;
    crate::federation::outbox::announce_created(state, id).await;
    Ok(Created::Published {
        id,
        preview_failed: preview.as_ref().is_some_and(|p| !p.error.is_empty()),
    })
}

// ---- edit, attachments, delete ------------------------------------------------------------------

/// What an edit changes; `None` keeps the current value (tags: the ones
/// chosen by hand, hashtags of the body follow the body).
#[derive(Default)]
pub struct Changes {
    pub title: Option<String>,
    pub body: Option<String>,
    /// Comma-separated, as typed.
    pub tags: Option<String>,
}

/// Tags chosen by hand, comma-separated, as the tags field holds them.
pub fn chosen_tags_field(p: &Publication, tags: &[Tag], separator: &str) -> String {
    super::chosen_tags(&p.body, tags)
        .iter()
        .map(|t| t.label.as_str())
        .collect::<Vec<_>>()
        .join(separator)
}

/// Check an edit (`Invalid` with the refused fields).
pub async fn check_edit(state: &AppState, e: &Editing, changes: Changes) -> AppResult<Checked> {
    let p = &e.publication;
    let tags = match changes.tags {
        Some(t) => t,
        None => {
            let current = super::tags_of(&state.db, &[p.id])
                .await?
                .remove(&p.id)
                .unwrap_or_default();
            chosen_tags_field(p, &current, ",")
        }
    };
    let draft = Draft {
        kind: p.kind.as_str().into(),
        title: changes.title.unwrap_or_else(|| p.title.clone()),
        body: changes.body.unwrap_or_else(|| p.body.clone()),
        tags,
        ..Draft::default()
    };
    super::check_draft(&draft, true).map_err(invalid)
}

/// Save an edit (its author): the previous version is kept, attachments
/// `remove`d (those of this publication) and `add`ed (at most
/// `files::MAX_FILES` in all), newly mentioned readers notified.
pub async fn edit(
    state: &AppState,
    actor: &Actor,
    e: &Editing,
    checked: &Checked,
    add: Vec<files::Ready>,
    remove: &[i64],
) -> AppResult<()> {
    let user = person(actor)?;
    let p = &e.publication;
    if !super::may_edit(Some(user), p, &e.links) {
        return Err(AppError::Forbidden);
    }
    let (add, remove) = if add.is_empty() && remove.is_empty() {
        (add, Vec::new())
    } else {
        let atts = super::attachments_of(&state.db, p.id).await?;
        let remove: Vec<i64> = remove
            .iter()
            .copied()
            .filter(|a| atts.iter().any(|x| x.id == *a))
            .collect();
        if atts.len() - remove.len() + add.len() > files::MAX_FILES {
            return Err(invalid(vec![("files", "attachment-too-many")]));
        }
        (add, remove)
    };
    super::edit(&state.db, user, p, &e.links, checked, add, &remove).await?;
    crate::federation::outbox::updated(state, crate::federation::outbox::Object::Publication(p.id))
        .await;
    Ok(())
}

/// Attach files to a publication (its author): nothing is saved when one
/// is refused (`Invalid`, field `file`) or when they would be more than
/// `files::MAX_FILES`. The files are checked (sniffed, thumbnails made)
/// off the async threads.
pub async fn add_attachments(
    state: &AppState,
    actor: &Actor,
    e: &Editing,
    uploads: Vec<Upload>,
) -> AppResult<()> {
    let id = e.publication.id;
    if uploads.is_empty() {
        return Err(invalid(vec![("file", "field-required")]));
    }
    let existing = super::attachments_of(&state.db, id).await?;
    if existing.len() + uploads.len() > files::MAX_FILES {
        return Err(invalid(vec![("file", "attachment-too-many")]));
    }
    let (ready, refused) = super::prepare_uploads(&state.images, uploads).await?;
    if let Some((_, key)) = refused.first() {
        return Err(invalid(vec![("file", key)]));
    }
    let checked = check_edit(state, e, Changes::default()).await?;
    let user = person(actor)?;
    if !super::may_edit(Some(user), &e.publication, &e.links) {
        return Err(AppError::Forbidden);
    }
    super::edit(
        &state.db,
        user,
        &e.publication,
        &e.links,
        &checked,
        ready,
        &[],
    )
    .await?;
    Ok(())
}

/// Delete a publication (its author): a tombstone; its content, versions,
/// tags, attachments and notifications are erased.
pub async fn delete(state: &AppState, actor: &Actor, id: i64) -> AppResult<()> {
    let user = person(actor)?;
    let (p, _) = deletable(state, Some(user), id).await?;
    let gone = crate::federation::outbox::before_delete(
        state,
        crate::federation::outbox::Object::Publication(id),
    )
    .await;
    super::delete(&state.db, &p).await?;
    crate::federation::outbox::deleted(state, gone).await;
    Ok(())
}

// ---- share, pin, follow, accept -----------------------------------------------------------------

/// Share a publication the actor reads into more communities, each one
/// where the policy lets them (`policy::share_rule`: they may post there,
/// and unless it is already public, they are its author or a moderator of
/// a community it is in); `Forbidden` otherwise, before anything is
/// written. When a moderator widens someone else's publication,
/// its author is notified. Returns how many communities it was not in yet.
pub async fn share(
    state: &AppState,
    actor: &Actor,
    id: i64,
    into: &[CommunityKey],
) -> AppResult<usize> {
    let user = person(actor)?;
    let (p, links) = readable(state, Some(user), id).await?;
    if into.is_empty() {
        return Err(AppError::BadRequest {
            code: "community_required",
            message_key: "publication-community-required",
        });
    }
    let postable = super::postable_communities(&state.db, Some(user)).await?;
    let shared: Vec<policy::SharedIn> = links.iter().map(Shared::policy).collect();
    let mut ids = Vec::new();
    let mut tell_author = false;
    for key in into {
        let (c, m) = postable
            .iter()
            .find(|(c, _)| key.names(c))
            .ok_or(AppError::Forbidden)?;
        if links.iter().any(|l| l.community.id == c.id) || ids.contains(&c.id) {
            continue;
        }
        match policy::share_rule(Some(user), p.author_id, p.status, &shared, &c.facts(), *m) {
            ShareRule::Refused => return Err(AppError::Forbidden),
            ShareRule::NotifyAuthor => tell_author = true,
            ShareRule::Allowed => {}
        }
        ids.push(c.id);
    }
    if ids.is_empty() {
        return Ok(0);
    }
    let added = super::share_into(&state.db, user, id, &ids).await?;
    if tell_author
        && added > 0
        && let Some(author) = p.author_id.filter(|a| *a != user.id)
    {
        let items: Vec<NewNotification> = ids
            .iter()
            .map(|cid| NewNotification {
                community_id: Some(*cid),
                ..NewNotification::about(author, notifications::SHARED, user.id, id, None)
            })
            .collect();
        notifications::insert(&state.db, &items).await?;
    }
    Ok(added)
}

/// Pin or unpin a publication in one community where it is shared (its
/// animators and owners, instance admins): `NotFound` when it is not
/// shared there (as the actor sees it), `Conflict community_archived`
/// when the community is archived.
pub async fn set_pinned(
    state: &AppState,
    actor: &Actor,
    id: i64,
    community: &CommunityKey,
    pinned: bool,
) -> AppResult<()> {
    let user = person(actor)?;
    let (_, links) = readable(state, Some(user), id).await?;
    let link = links
        .iter()
        .find(|l| community.names(&l.community) && l.readable_by(Some(user)))
        .ok_or(AppError::NotFound)?;
    if !link.managed_by(Some(user)) {
        return Err(AppError::Forbidden);
    }
    if link.community.status != CommunityStatus::Active {
        return Err(AppError::Conflict {
            code: "community_archived",
            message_key: "community-error-archived",
        });
    }
    super::set_pinned(&state.db, id, link.community.id, pinned).await?;
    Ok(())
}

/// Follow (be notified of new replies) or stop following a publication
/// the actor reads.
pub async fn set_follow(state: &AppState, actor: &Actor, id: i64, follow: bool) -> AppResult<()> {
    let user = person(actor)?;
    readable(state, Some(user), id).await?;
    super::set_follow(&state.db, user, id, follow).await?;
    Ok(())
}

/// Mark (or clear, with `None`) the accepted answer of a question: its
/// author or an animator of a community it is shared in.
pub async fn accept(
    state: &AppState,
    actor: &Actor,
    id: i64,
    reply_id: Option<i64>,
) -> AppResult<()> {
    let user = person(actor)?;
    let (p, links) = readable(state, Some(user), id).await?;
    if !super::may_accept(Some(user), &p, &links) {
        return Err(AppError::Forbidden);
    }
    if let Some(rid) = reply_id {
        visible_reply(state, id, rid).await?;
    }
    super::set_accepted(&state.db, id, reply_id).await?;
    Ok(())
}

// ---- replies --------------------------------------------------------------------------------------

/// Reply to a publication, or to one of its replies (`parent_id`):
/// `Conflict locked`, `Forbidden` (not a member where it is shared),
/// `NotFound`/`Conflict reply_gone` for the parent, `Invalid` (field
/// `body`), then the write limit (`TooManyRequests`). Returns the new
/// reply's id; mentioned people, the author answered and followers are
/// notified.
pub async fn add_reply(
    state: &AppState,
    actor: &Actor,
    id: i64,
    parent_id: Option<i64>,
    text: &str,
) -> AppResult<i64> {
    let user = person(actor)?;
    let (p, links) = readable(state, Some(user), id).await?;
    if p.locked {
        return Err(AppError::Conflict {
            code: "locked",
            message_key: "publication-locked",
        });
    }
    if !super::may_reply(Some(user), &p, &links) {
        return Err(AppError::Forbidden);
    }
    let parent = match parent_id {
        Some(rid) => Some(visible_reply(state, id, rid).await?),
        None => None,
    };
    let body = super::check_reply(text).map_err(|k| invalid(vec![("body", k)]))?;
    write_limit(state, user, Write::Reply).await?;
    let rid = super::add_reply(&state.db, user, &p, &links, parent.as_ref(), &body).await?;
    crate::federation::outbox::reply_created(state, id, rid).await;
    Ok(rid)
}

/// Edit one's own reply (`Invalid`, field `body`); the previous text is kept.
pub async fn edit_reply(
    state: &AppState,
    actor: &Actor,
    id: i64,
    rid: i64,
    text: &str,
) -> AppResult<()> {
    let user = person(actor)?;
    let (_, _, r) = own_reply(state, Some(user), id, rid).await?;
    let body = super::check_reply(text).map_err(|k| invalid(vec![("body", k)]))?;
    super::edit_reply(&state.db, user, &r, &body).await?;
    crate::federation::outbox::updated(state, crate::federation::outbox::Object::Reply(id, rid))
        .await;
    Ok(())
}

/// Delete one's own reply: a tombstone keeps its place in the thread.
pub async fn delete_reply(state: &AppState, actor: &Actor, id: i64, rid: i64) -> AppResult<()> {
    let user = person(actor)?;
    let (_, _, r) = own_reply(state, Some(user), id, rid).await?;
    let gone = crate::federation::outbox::before_delete(
        state,
        crate::federation::outbox::Object::Reply(id, rid),
    )
    .await;
    super::delete_reply(&state.db, &r).await?;
    crate::federation::outbox::deleted(state, gone).await;
    Ok(())
}
