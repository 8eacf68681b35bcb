//! `/api/v1/publications`, `/api/v1/notifications`, `/api/v1/tags`:
//! publications shared into communities, their replies, attachments and
//! follows; the caller's notifications; tag listings. The same domain
//! functions and permission checks as the pages (`crate::publications`,
//! which asks `crate::policy`): what a caller may not read is a 404.

use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiUser, error};
use super::wire::{ErrorBody, rfc3339};
use crate::accounts::User;
use crate::error::{AppError, AppResult};
use crate::notifications;
use crate::policy::{ContentStatus, Sight};
use crate::publications::{
    self as pubs, Draft, Kind, Publication, PublicationSummary, ReplySight, Shared, files,
};
use crate::state::AppState;
use crate::web::publications::{UPLOAD_BODY, download_response, prepare_uploads, read_multipart};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/publications", post(create))
        .route("/publications/{id}", get(show).patch(update).delete(remove))
        .route("/publications/{id}/communities", post(share))
        .route(
            "/publications/{id}/attachments",
            post(add_attachments).layer(DefaultBodyLimit::max(UPLOAD_BODY)),
        )
        .route("/publications/{id}/attachments/{aid}", get(download))
        .route(
            "/publications/{id}/replies",
            get(replies).post(create_reply),
        )
        .route(
            "/publications/{id}/replies/{rid}",
            axum::routing::patch(update_reply).delete(delete_reply),
        )
        .route("/publications/{id}/accepted-answer", put(accept))
        .route("/publications/{id}/follow", put(follow).delete(unfollow))
        .route("/notifications", get(list_notifications))
        .route("/notifications/{nid}/read", post(read_notification))
        .route("/notifications/read-all", post(read_all))
        .route("/tags/{name}/publications", get(tag_publications))
        .route(
            "/communities/{slug}/publications",
            get(community_publications),
        )
        .route(
            "/communities/{slug}/publications/{id}/pin",
            put(pin).delete(unpin),
        )
}

// ---- wire types ------------------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonRef {
    pub username: String,
    pub display_name: String,
    pub url: String,
}

fn person(state: &AppState, a: &Option<pubs::Author>) -> Option<PersonRef> {
    a.as_ref().map(|a| PersonRef {
        username: a.username.clone(),
        display_name: a.shown_name().to_string(),
        url: state.url(&a.path()),
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommunityRef {
    pub slug: String,
    pub name: String,
    pub url: String,
    /// `visible`, or `hidden` / `removed` (shown to the community's moderators only).
    pub status: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TagOut {
    pub name: String,
    pub label: String,
    pub url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentOut {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    /// Download (with this API's bearer token).
    pub url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewOut {
    pub url: String,
    pub title: String,
    pub description: String,
    pub site_name: String,
    /// A copy kept on this instance, if the page had an image.
    pub image_url: Option<String>,
    /// Why no preview could be made (a message key such as `fetch-timeout`).
    pub error: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicationOut {
    pub id: i64,
    /// Its stable public URL (the page).
    pub url: String,
    pub kind: Kind,
    pub title: String,
    /// Markdown source.
    pub body: String,
    /// Sanitised HTML rendering.
    pub body_html: String,
    pub author: Option<PersonRef>,
    pub created_at: String,
    pub updated_at: String,
    pub last_activity_at: String,
    /// Earlier versions are kept (see the history page).
    pub edited: bool,
    pub reply_count: i64,
    pub locked: bool,
    pub accepted_reply_id: Option<i64>,
    pub link_url: Option<String>,
    pub preview: Option<PreviewOut>,
    pub tags: Vec<TagOut>,
    /// The communities it is shared in that the caller may read.
    pub communities: Vec<CommunityRef>,
    pub attachments: Vec<AttachmentOut>,
    pub following: bool,
}

fn publication_out(
    state: &AppState,
    viewer: Option<&User>,
    p: &Publication,
    links: &[Shared],
    tags: Vec<pubs::Tag>,
    atts: Vec<pubs::Attachment>,
) -> PublicationOut {
    PublicationOut {
        id: p.id,
        url: state.url(&p.path()),
        kind: p.kind,
        title: p.title.clone(),
        body: p.body.clone(),
        body_html: p.body_html.clone(),
        author: person(state, &p.author),
        created_at: rfc3339(p.created_at),
        updated_at: rfc3339(p.updated_at),
        last_activity_at: rfc3339(p.last_activity_at),
        edited: p.revisions > 0,
        reply_count: p.reply_count,
        locked: p.locked,
        accepted_reply_id: p.accepted_reply_id,
        link_url: p.link_url.clone(),
        preview: p.preview.as_ref().map(|pr| PreviewOut {
            url: if pr.final_url.is_empty() {
                pr.url.clone()
            } else {
                pr.final_url.clone()
            },
            title: pr.title.clone(),
            description: pr.description.clone(),
            site_name: pr.site_name.clone(),
            image_url: pr.image_url().map(|u| state.url(&u)),
            error: (!pr.error.is_empty()).then(|| pr.error.clone()),
        }),
        tags: tags
            .iter()
            .map(|t| TagOut {
                name: t.name.clone(),
                label: t.label.clone(),
                url: state.url(&t.path()),
            })
            .collect(),
        communities: links
            .iter()
            .filter(|l| l.shown_to(viewer))
            .map(|l| CommunityRef {
                slug: l.community.slug.clone(),
                name: l.community.name.clone(),
                url: state.url(&l.community.path()),
                status: l.status.as_str().to_string(),
            })
            .collect(),
        attachments: atts
            .iter()
            .map(|a| AttachmentOut {
                id: a.id,
                file_name: a.file_name.clone(),
                content_type: a.content_type.clone(),
                size: a.size,
                url: state.url(&format!(
                    "/api/v1/publications/{}/attachments/{}",
                    p.id, a.id
                )),
            })
            .collect(),
        following: p.following,
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PublicationCreate {
    pub kind: Kind,
    /// At most 200 characters; may be empty for a watch item (the page's title is used).
    #[serde(default)]
    pub title: String,
    /// Markdown, at most 100,000 bytes; may be empty for a watch item.
    #[serde(default)]
    pub body: String,
    /// Chosen tags (the body's #hashtags are added).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Slugs of the communities to share it into (at least one, where the caller may post).
    pub communities: Vec<String>,
    /// For a watch item: the link.
    #[serde(default)]
    pub link_url: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PublicationUpdate {
    pub title: Option<String>,
    pub body: Option<String>,
    pub tags: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ShareRequest {
    /// Slug of the community to add the publication to.
    pub community: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReplyOut {
    pub id: i64,
    pub url: String,
    pub parent_id: Option<i64>,
    /// 0 for a reply to the publication, at most 4 (deeper replies are kept at 4).
    pub depth: i64,
    pub author: Option<PersonRef>,
    /// `visible`, `deleted` (a tombstone: no text) or `moderated` (no text).
    pub status: String,
    pub body: Option<String>,
    pub body_html: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub edited: bool,
    pub accepted: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReplyCreate {
    /// Markdown, at most 100,000 bytes.
    pub body: String,
    /// The reply this one answers (omit for a reply to the publication).
    #[serde(default)]
    pub parent_id: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReplyUpdate {
    pub body: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AcceptRequest {
    /// The accepted reply, or null to clear it.
    pub reply_id: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationOut {
    pub id: i64,
    /// `mention`, `reply`, `followed_reply`, or a community kind (`join_request`…).
    pub kind: String,
    pub actor: Option<PersonRef>,
    pub publication_id: Option<i64>,
    pub reply_id: Option<i64>,
    pub community: Option<String>,
    /// Where it leads.
    pub url: String,
    pub created_at: String,
    pub read_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationList {
    pub unread: i64,
    pub items: Vec<NotificationOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SummaryOut {
    pub id: i64,
    pub url: String,
    pub kind: String,
    pub title: String,
    pub excerpt: String,
    pub author: Option<String>,
    pub created_at: String,
    pub last_activity_at: String,
    pub reply_count: i64,
    pub tags: Vec<String>,
    pub link_url: Option<String>,
}

pub fn summary_out(state: &AppState, s: &PublicationSummary) -> SummaryOut {
    SummaryOut {
        id: s.id,
        url: state.url(&s.path()),
        kind: s.kind.clone(),
        title: s.title.clone(),
        excerpt: s.excerpt.clone(),
        author: s.author_username.clone(),
        created_at: rfc3339(s.created_at),
        last_activity_at: rfc3339(s.last_activity_at),
        reply_count: s.reply_count,
        tags: s.tags.clone(),
        link_url: s.link_url.clone(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TagListing {
    pub name: String,
    pub label: String,
    /// "last_activity_desc": newest activity first.
    pub order: String,
    pub page: i64,
    pub has_more: bool,
    pub items: Vec<SummaryOut>,
}

/// A page of replies: whole threads, never a thread cut in two.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReplyListing {
    /// "thread_oldest_first": top-level replies oldest first, each followed
    /// by all the replies beneath it, oldest first (rebuild the tree with
    /// `parent_id`). No ranking.
    pub order: String,
    /// This page, 1-based.
    pub page: i64,
    /// Number of pages (at least 1).
    pub pages: i64,
    /// Top-level replies (threads) per page.
    pub threads_per_page: i64,
    /// Top-level replies in all.
    pub threads: i64,
    /// The next page to ask for, if any.
    pub next_page: Option<i64>,
    pub items: Vec<ReplyOut>,
}

/// What a community page lists, as the caller may read it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommunityListing {
    pub community: String,
    /// "pinned_then_last_activity_desc": pinned first, then newest activity.
    pub order: String,
    pub page: i64,
    pub has_more: bool,
    pub items: Vec<CommunityItem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommunityItem {
    /// Pinned by the community's animators.
    pub pinned: bool,
    #[serde(flatten)]
    pub publication: SummaryOut,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReplyPageParams {
    /// 1-based page of replies (50 top-level threads per page, each with all
    /// its sub-replies). Defaults to 1.
    #[serde(default)]
    pub page: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// 0-based page (20 items per page).
    #[serde(default)]
    pub page: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationParams {
    /// Only unread records.
    #[serde(default)]
    pub unread: bool,
}

// ---- helpers ----------------------------------------------------------------------------------------

fn invalid(fields: Vec<(&'static str, &'static str)>) -> AppError {
    AppError::Invalid {
        fields: fields
            .into_iter()
            .map(|(f, k)| (f.to_string(), k.to_string()))
            .collect(),
    }
}

/// The instance's per-account limit on publishing or replying (shared with
/// the pages): 429 `rate_limited` with `Retry-After` past it.
async fn write_limit(
    state: &AppState,
    user: &User,
    what: crate::ratelimit::Write,
) -> AppResult<()> {
    match crate::ratelimit::hit_write(&state.db, &state.config.write_limits, user, what).await? {
        Ok(()) => Ok(()),
        Err(retry_after) => Err(AppError::TooManyRequests { retry_after }),
    }
}

async fn readable(
    state: &AppState,
    viewer: Option<&User>,
    id: i64,
) -> AppResult<(Publication, Vec<Shared>)> {
    let p = pubs::by_id(&state.db, id, viewer)
        .await?
        .ok_or(AppError::NotFound)?;
    let links = pubs::links_of(&state.db, viewer, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    if pubs::sight(viewer, &p, &links) != Sight::Full {
        return Err(AppError::NotFound);
    }
    Ok((p, links))
}

async fn full(state: &AppState, viewer: Option<&User>, id: i64) -> AppResult<PublicationOut> {
    let (p, links) = readable(state, viewer, id).await?;
    let tags = pubs::tags_of(&state.db, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    let atts = pubs::attachments_of(&state.db, id).await?;
    Ok(publication_out(state, viewer, &p, &links, tags, atts))
}

fn reply_out(
    state: &AppState,
    viewer: Option<&User>,
    p: &Publication,
    links: &[Shared],
    r: &pubs::Reply,
) -> ReplyOut {
    let sight = pubs::reply_sight(viewer, r, links);
    let full = sight == ReplySight::Full;
    ReplyOut {
        id: r.id,
        url: state.url(&r.path()),
        parent_id: r.parent_id,
        depth: r.depth,
        author: person(state, &r.author),
        status: match sight {
            ReplySight::Full => r.status.as_str().to_string(),
            ReplySight::Tombstone => "deleted".into(),
            ReplySight::Moderated => "moderated".into(),
        },
        body: full.then(|| r.body.clone()),
        body_html: full.then(|| r.body_html.clone()),
        created_at: rfc3339(r.created_at),
        updated_at: rfc3339(r.updated_at),
        edited: full && r.revisions > 0,
        accepted: p.accepted_reply_id == Some(r.id),
    }
}

async fn own_reply(
    state: &AppState,
    user: &User,
    id: i64,
    rid: i64,
) -> AppResult<(Publication, Vec<Shared>, pubs::Reply)> {
    let (p, links) = readable(state, Some(user), id).await?;
    let r = pubs::reply_by_id(&state.db, id, rid)
        .await?
        .ok_or(AppError::NotFound)?;
    if pubs::reply_sight(Some(user), &r, &links) != ReplySight::Full
        || r.status == ContentStatus::Deleted
    {
        return Err(AppError::NotFound);
    }
    if !r.is_author(Some(user)) {
        return Err(AppError::Forbidden);
    }
    Ok((p, links, r))
}

// ---- publications ------------------------------------------------------------------------------------

/// Publish: one publication shared into one or more communities. A watch
/// item's link gets a preview fetched by the server (a failed fetch still
/// publishes, with `preview.error`). A link already shared where the caller
/// can read it is refused with 409 `already_shared`, `fields.existing` holding
/// the ids of those publications (comma-separated); add to one with
/// `POST /api/v1/publications/{id}/communities`.
#[utoipa::path(
    post,
    path = "/api/v1/publications",
    tag = "publications",
    security(("bearer" = [])),
    request_body = PublicationCreate,
    responses(
        (status = 201, description = "Published", body = PublicationOut),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 409, description = "The link is already shared (`already_shared`); `fields.existing` lists the publication ids", body = ErrorBody),
        (status = 422, description = "Invalid values (`invalid`, with `fields`)", body = ErrorBody),
        (status = 429, description = "Too many publications in a short time (`rate_limited`, with `Retry-After`); the limit is per account, set by the instance", body = ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<PublicationCreate>,
) -> AppResult<Response> {
    let viewer = Some(&user);
    let postable = pubs::postable_communities(&state.db, viewer).await?;
    let draft = Draft {
        kind: body.kind.as_str().into(),
        title: body.title.clone(),
        body: body.body.clone(),
        tags: body
            .tags
            .iter()
            .map(|t| t.replace(',', " "))
            .collect::<Vec<_>>()
            .join(","),
        link_url: body.link_url.clone().unwrap_or_default(),
        community_ids: Vec::new(),
    };
    let mut fields: Vec<(&'static str, &'static str)> = Vec::new();
    let checked = pubs::check_draft(&draft, false)
        .map_err(|f| fields.extend(f))
        .ok();
    let chosen: Vec<_> = postable
        .iter()
        .filter(|(c, _)| body.communities.contains(&c.slug))
        .cloned()
        .collect();
    if body.communities.is_empty() {
        fields.push(("communities", "publication-community-required"));
    } else if chosen.len()
        != body
            .communities
            .iter()
            .collect::<std::collections::HashSet<_>>()
            .len()
    {
        fields.push(("communities", "publication-community-forbidden"));
    }
    let Some(checked) = checked.filter(|_| fields.is_empty()) else {
        return Err(invalid(fields));
    };
    let mut preview = None;
    if let Some((raw, key)) = &checked.link {
        let existing = pubs::already_shared(&state.db, viewer, key).await?;
        if !existing.is_empty() {
            let ids: Vec<String> = existing.iter().map(|(p, _)| p.id.to_string()).collect();
            return Ok(error(
                StatusCode::CONFLICT,
                "already_shared",
                "publication-already-shared-title",
                vec![
                    ("link_url".into(), "publication-already-shared-title".into()),
                    ("existing".into(), ids.join(",")),
                ],
            ));
        }
        preview = Some(pubs::preview_for(&state.db, &state.config.public_url(), raw, key).await?);
    }
    write_limit(&state, &user, crate::ratelimit::Write::Publication).await?;
    let id = pubs::create(
        &state.db,
        &user,
        &checked,
        &chosen,
        Vec::new(),
        preview.as_ref(),
    )
    .await?;
    let out = full(&state, viewer, id).await?;
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

/// A publication, if the caller may read it (through a community they may read).
#[utoipa::path(
    get,
    path = "/api/v1/publications/{id}",
    tag = "publications",
    security((), ("bearer" = [])),
    params(("id" = i64, Path, description = "Publication id")),
    responses(
        (status = 200, description = "The publication", body = PublicationOut),
        (status = 404, description = "No such publication, or not readable by the caller", body = ErrorBody),
    )
)]
pub async fn show(
    State(state): State<AppState>,
    viewer: Option<ApiUser>,
    Path(id): Path<i64>,
) -> AppResult<Json<PublicationOut>> {
    let viewer = viewer.map(|v| v.0);
    Ok(Json(full(&state, viewer.as_ref(), id).await?))
}

/// Edit title, body or tags (its author). The previous version is kept.
#[utoipa::path(
    patch,
    path = "/api/v1/publications/{id}",
    tag = "publications",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Publication id")),
    request_body = PublicationUpdate,
    responses(
        (status = 200, description = "The edited publication", body = PublicationOut),
        (status = 403, description = "Not its author", body = ErrorBody),
        (status = 404, description = "Not readable", body = ErrorBody),
        (status = 422, description = "Invalid values", body = ErrorBody),
    )
)]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    Json(body): Json<PublicationUpdate>,
) -> AppResult<Json<PublicationOut>> {
    let viewer = Some(&user);
    let (p, links) = readable(&state, viewer, id).await?;
    if !pubs::may_edit(viewer, &p, &links) {
        return Err(AppError::Forbidden);
    }
    let tags = match body.tags {
        Some(t) => t
            .iter()
            .map(|t| t.replace(',', " "))
            .collect::<Vec<_>>()
            .join(","),
        None => {
            let current = pubs::tags_of(&state.db, &[id])
                .await?
                .remove(&id)
                .unwrap_or_default();
            let hashtags = crate::markdown::render(&p.body).hashtags;
            current
                .iter()
                .filter(|t| !hashtags.contains(&t.name))
                .map(|t| t.label.clone())
                .collect::<Vec<_>>()
                .join(",")
        }
    };
    let draft = Draft {
        kind: p.kind.as_str().into(),
        title: body.title.unwrap_or_else(|| p.title.clone()),
        body: body.body.unwrap_or_else(|| p.body.clone()),
        tags,
        ..Draft::default()
    };
    let checked = pubs::check_draft(&draft, true).map_err(invalid)?;
    pubs::edit(&state.db, &user, &p, &links, &checked, Vec::new(), &[]).await?;
    Ok(Json(full(&state, viewer, id).await?))
}

/// Delete (its author): a tombstone; content, versions and attachments are erased.
#[utoipa::path(
    delete,
    path = "/api/v1/publications/{id}",
    tag = "publications",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Publication id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not its author", body = ErrorBody),
        (status = 404, description = "Not readable", body = ErrorBody),
    )
)]
pub async fn remove(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    let viewer = Some(&user);
    let p = pubs::by_id(&state.db, id, viewer)
        .await?
        .ok_or(AppError::NotFound)?;
    let links = pubs::links_of(&state.db, viewer, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    if pubs::sight(viewer, &p, &links) == Sight::None {
        return Err(AppError::NotFound);
    }
    if !pubs::may_delete(viewer, &p, &links) {
        return Err(AppError::Forbidden);
    }
    pubs::delete(&state.db, &p).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Share the publication into another community where the caller may post.
#[utoipa::path(
    post,
    path = "/api/v1/publications/{id}/communities",
    tag = "publications",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Publication id")),
    request_body = ShareRequest,
    responses(
        (status = 200, description = "Shared (or already there)", body = PublicationOut),
        (status = 403, description = "The caller may not post in that community", body = ErrorBody),
        (status = 404, description = "Not readable", body = ErrorBody),
    )
)]
pub async fn share(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    Json(body): Json<ShareRequest>,
) -> AppResult<Json<PublicationOut>> {
    let viewer = Some(&user);
    let (_, links) = readable(&state, viewer, id).await?;
    let postable = pubs::postable_communities(&state.db, viewer).await?;
    let (c, _) = postable
        .iter()
        .find(|(c, _)| c.slug == body.community)
        .ok_or(AppError::Forbidden)?;
    if !links.iter().any(|l| l.community.id == c.id) {
        pubs::share_into(&state.db, &user, id, c.id).await?;
    }
    Ok(Json(full(&state, viewer, id).await?))
}

/// Attach files (its author; multipart, field `file`, up to 5 files of 10 MB
/// in all; the type is sniffed from the content). Nothing is saved if one
/// file is refused.
#[utoipa::path(
    post,
    path = "/api/v1/publications/{id}/attachments",
    tag = "publications",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Publication id")),
    request_body(content_type = "multipart/form-data", description = "One or more `file` parts"),
    responses(
        (status = 200, description = "The publication with its attachments", body = PublicationOut),
        (status = 403, description = "Not its author", body = ErrorBody),
        (status = 404, description = "Not readable", body = ErrorBody),
        (status = 413, description = "Request too large", body = ErrorBody),
        (status = 422, description = "A file is refused (`invalid`, `fields.file`)", body = ErrorBody),
    )
)]
pub async fn add_attachments(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    mp: Multipart,
) -> AppResult<Json<PublicationOut>> {
    let viewer = Some(&user);
    let (p, links) = readable(&state, viewer, id).await?;
    if !pubs::may_edit(viewer, &p, &links) {
        return Err(AppError::Forbidden);
    }
    let form = read_multipart(mp, "file").await?;
    if let Some((_, key)) = form.refused.first() {
        return Err(invalid(vec![("file", key)]));
    }
    if form.uploads.is_empty() {
        return Err(invalid(vec![("file", "field-required")]));
    }
    let existing = pubs::attachments_of(&state.db, id).await?;
    if existing.len() + form.uploads.len() > files::MAX_FILES {
        return Err(invalid(vec![("file", "attachment-too-many")]));
    }
    let (ready, refused) = prepare_uploads(form.uploads).await?;
    if let Some((_, key)) = refused.first() {
        return Err(invalid(vec![("file", key)]));
    }
    let tags = pubs::tags_of(&state.db, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    let hashtags = crate::markdown::render(&p.body).hashtags;
    let chosen = tags
        .iter()
        .filter(|t| !hashtags.contains(&t.name))
        .map(|t| t.label.clone())
        .collect::<Vec<_>>()
        .join(",");
    let draft = Draft {
        kind: p.kind.as_str().into(),
        title: p.title.clone(),
        body: p.body.clone(),
        tags: chosen,
        ..Draft::default()
    };
    let checked = pubs::check_draft(&draft, true).map_err(invalid)?;
    pubs::edit(&state.db, &user, &p, &links, &checked, ready, &[]).await?;
    Ok(Json(full(&state, viewer, id).await?))
}

/// Download an attachment (same permission as reading the publication).
#[utoipa::path(
    get,
    path = "/api/v1/publications/{id}/attachments/{aid}",
    tag = "publications",
    security((), ("bearer" = [])),
    params(("id" = i64, Path, description = "Publication id"), ("aid" = i64, Path, description = "Attachment id")),
    responses(
        (status = 200, description = "The file, as `attachment`"),
        (status = 404, description = "Not readable or no such attachment", body = ErrorBody),
    )
)]
pub async fn download(
    State(state): State<AppState>,
    viewer: Option<ApiUser>,
    Path((id, aid)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let viewer = viewer.map(|v| v.0);
    readable(&state, viewer.as_ref(), id).await?;
    let (name, ctype, bytes) = pubs::attachment_bytes(&state.db, id, aid)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(download_response(&name, &ctype, bytes))
}

// ---- replies -------------------------------------------------------------------------------------------

/// Replies, paged by thread: 50 top-level replies per page, oldest first,
/// each followed by all the replies beneath it (with `parent_id` and `depth`
/// to rebuild the tree). Follow `next_page` until it is null.
#[utoipa::path(
    get,
    path = "/api/v1/publications/{id}/replies",
    tag = "publications",
    security((), ("bearer" = [])),
    params(("id" = i64, Path, description = "Publication id"), ReplyPageParams),
    responses(
        (status = 200, description = "A page of replies", body = ReplyListing),
        (status = 404, description = "Not readable", body = ErrorBody),
    )
)]
pub async fn replies(
    State(state): State<AppState>,
    viewer: Option<ApiUser>,
    Path(id): Path<i64>,
    Query(q): Query<ReplyPageParams>,
) -> AppResult<Json<ReplyListing>> {
    let viewer = viewer.map(|v| v.0);
    let (p, links) = readable(&state, viewer.as_ref(), id).await?;
    let page = q.page.unwrap_or(1).clamp(1, 1_000_000);
    let (list, threads) = pubs::replies_page(&state.db, id, page).await?;
    let pages = pubs::reply_pages(threads);
    Ok(Json(ReplyListing {
        order: "thread_oldest_first".into(),
        page,
        pages,
        threads_per_page: pubs::THREADS_PER_PAGE,
        threads,
        next_page: (page < pages).then_some(page + 1),
        items: list
            .iter()
            .map(|r| reply_out(&state, viewer.as_ref(), &p, &links, r))
            .collect(),
    }))
}

/// Reply (to the publication, or to a reply with `parent_id`).
#[utoipa::path(
    post,
    path = "/api/v1/publications/{id}/replies",
    tag = "publications",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Publication id")),
    request_body = ReplyCreate,
    responses(
        (status = 201, description = "The new reply", body = ReplyOut),
        (status = 403, description = "The caller may not reply (not a member where it is shared)", body = ErrorBody),
        (status = 404, description = "Not readable, or no such parent", body = ErrorBody),
        (status = 409, description = "Locked (`locked`) or the parent was deleted (`reply_gone`)", body = ErrorBody),
        (status = 422, description = "Empty or too long", body = ErrorBody),
        (status = 429, description = "Too many replies in a short time (`rate_limited`, with `Retry-After`); the limit is per account, set by the instance", body = ErrorBody),
    )
)]
pub async fn create_reply(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    Json(body): Json<ReplyCreate>,
) -> AppResult<Response> {
    let viewer = Some(&user);
    let (p, links) = readable(&state, viewer, id).await?;
    if p.locked {
        return Err(AppError::Conflict {
            code: "locked",
            message_key: "publication-locked",
        });
    }
    if !pubs::may_reply(viewer, &p, &links) {
        return Err(AppError::Forbidden);
    }
    let parent = match body.parent_id {
        Some(rid) => {
            let r = pubs::reply_by_id(&state.db, id, rid)
                .await?
                .ok_or(AppError::NotFound)?;
            if r.status != ContentStatus::Visible {
                return Err(AppError::Conflict {
                    code: "reply_gone",
                    message_key: "reply-parent-gone",
                });
            }
            Some(r)
        }
        None => None,
    };
    let text = pubs::check_reply(&body.body).map_err(|k| invalid(vec![("body", k)]))?;
    write_limit(&state, &user, crate::ratelimit::Write::Reply).await?;
    let rid = pubs::add_reply(&state.db, &user, &p, &links, parent.as_ref(), &text).await?;
    let r = pubs::reply_by_id(&state.db, id, rid)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((
        StatusCode::CREATED,
        Json(reply_out(&state, viewer, &p, &links, &r)),
    )
        .into_response())
}

/// Edit a reply (its author); the previous text is kept.
#[utoipa::path(
    patch,
    path = "/api/v1/publications/{id}/replies/{rid}",
    tag = "publications",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Publication id"), ("rid" = i64, Path, description = "Reply id")),
    request_body = ReplyUpdate,
    responses(
        (status = 200, description = "The edited reply", body = ReplyOut),
        (status = 403, description = "Not its author", body = ErrorBody),
        (status = 404, description = "Not readable", body = ErrorBody),
        (status = 422, description = "Empty or too long", body = ErrorBody),
    )
)]
pub async fn update_reply(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, rid)): Path<(i64, i64)>,
    Json(body): Json<ReplyUpdate>,
) -> AppResult<Json<ReplyOut>> {
    let (p, links, r) = own_reply(&state, &user, id, rid).await?;
    let text = pubs::check_reply(&body.body).map_err(|k| invalid(vec![("body", k)]))?;
    pubs::edit_reply(&state.db, &user, &r, &text).await?;
    let r = pubs::reply_by_id(&state.db, id, rid)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(reply_out(&state, Some(&user), &p, &links, &r)))
}

/// Delete a reply (its author): a tombstone stays in the thread.
#[utoipa::path(
    delete,
    path = "/api/v1/publications/{id}/replies/{rid}",
    tag = "publications",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Publication id"), ("rid" = i64, Path, description = "Reply id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not its author", body = ErrorBody),
        (status = 404, description = "Not readable", body = ErrorBody),
    )
)]
pub async fn delete_reply(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, rid)): Path<(i64, i64)>,
) -> AppResult<StatusCode> {
    let (_, _, r) = own_reply(&state, &user, id, rid).await?;
    pubs::delete_reply(&state.db, &r).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Mark or clear the accepted answer of a question (its author or an
/// animator of a community it is shared in).
#[utoipa::path(
    put,
    path = "/api/v1/publications/{id}/accepted-answer",
    tag = "publications",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Publication id")),
    request_body = AcceptRequest,
    responses(
        (status = 200, description = "The publication", body = PublicationOut),
        (status = 403, description = "Not allowed, or not a question", body = ErrorBody),
        (status = 404, description = "Not readable, or no such reply", body = ErrorBody),
    )
)]
pub async fn accept(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    Json(body): Json<AcceptRequest>,
) -> AppResult<Json<PublicationOut>> {
    let viewer = Some(&user);
    let (p, links) = readable(&state, viewer, id).await?;
    if !pubs::may_accept(viewer, &p, &links) {
        return Err(AppError::Forbidden);
    }
    if let Some(rid) = body.reply_id {
        let r = pubs::reply_by_id(&state.db, id, rid)
            .await?
            .ok_or(AppError::NotFound)?;
        if r.status != ContentStatus::Visible {
            return Err(AppError::Conflict {
                code: "reply_gone",
                message_key: "reply-parent-gone",
            });
        }
    }
    pubs::set_accepted(&state.db, id, body.reply_id).await?;
    Ok(Json(full(&state, viewer, id).await?))
}

/// Follow: be notified of new replies.
#[utoipa::path(
    put,
    path = "/api/v1/publications/{id}/follow",
    tag = "publications",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Publication id")),
    responses((status = 204, description = "Followed"), (status = 404, description = "Not readable", body = ErrorBody))
)]
pub async fn follow(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    readable(&state, Some(&user), id).await?;
    pubs::set_follow(&state.db, &user, id, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Unfollow.
#[utoipa::path(
    delete,
    path = "/api/v1/publications/{id}/follow",
    tag = "publications",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Publication id")),
    responses((status = 204, description = "Not followed any more"), (status = 404, description = "Not readable", body = ErrorBody))
)]
pub async fn unfollow(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    readable(&state, Some(&user), id).await?;
    pubs::set_follow(&state.db, &user, id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- notifications ------------------------------------------------------------------------------------------

/// My notifications, unread first then newest (at most 200), without those
/// about publications I may no longer read.
#[utoipa::path(
    get,
    path = "/api/v1/notifications",
    tag = "notifications",
    security(("bearer" = [])),
    params(NotificationParams),
    responses((status = 200, description = "Notifications", body = NotificationList), (status = 401, description = "Missing or invalid token", body = ErrorBody))
)]
pub async fn list_notifications(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(q): Query<NotificationParams>,
) -> AppResult<Json<NotificationList>> {
    let items = notifications::fetch(&state.db, &user, 200, q.unread).await?;
    let unread = items.iter().filter(|(i, _)| i.unread()).count() as i64;
    Ok(Json(NotificationList {
        unread,
        items: items
            .iter()
            .map(|(i, _)| NotificationOut {
                id: i.id,
                kind: i.kind.clone(),
                actor: person(&state, &i.actor),
                publication_id: i.publication_id,
                reply_id: i.reply_id,
                community: i.community.as_ref().map(|(slug, _)| slug.clone()),
                url: state.url(&i.link()),
                created_at: rfc3339(i.created_at),
                read_at: i.read_at.map(rfc3339),
            })
            .collect(),
    }))
}

/// Mark one notification read.
#[utoipa::path(
    post,
    path = "/api/v1/notifications/{nid}/read",
    tag = "notifications",
    security(("bearer" = [])),
    params(("nid" = i64, Path, description = "Notification id")),
    responses((status = 204, description = "Read"), (status = 404, description = "Not mine", body = ErrorBody))
)]
pub async fn read_notification(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(nid): Path<i64>,
) -> AppResult<StatusCode> {
    if notifications::mark_read(&state.db, user.id, nid).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound)
    }
}

/// Mark all my notifications read.
#[utoipa::path(
    post,
    path = "/api/v1/notifications/read-all",
    tag = "notifications",
    security(("bearer" = [])),
    responses((status = 204, description = "All read"))
)]
pub async fn read_all(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> AppResult<StatusCode> {
    notifications::mark_all_read(&state.db, user.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- tags ---------------------------------------------------------------------------------------------------------

/// Publications with a tag that the caller may read (through communities
/// they may read; unlisted ones only for their members), newest activity
/// first, 20 per page.
#[utoipa::path(
    get,
    path = "/api/v1/tags/{name}/publications",
    tag = "publications",
    security((), ("bearer" = [])),
    params(("name" = String, Path, description = "Tag name (lowercase)"), PageParams),
    responses((status = 200, description = "A page of publications", body = TagListing), (status = 404, description = "No such tag", body = ErrorBody))
)]
pub async fn tag_publications(
    State(state): State<AppState>,
    viewer: Option<ApiUser>,
    Path(name): Path<String>,
    Query(q): Query<PageParams>,
) -> AppResult<Json<TagListing>> {
    let viewer = viewer.map(|v| v.0);
    let name = name.to_lowercase();
    let label = pubs::tag_label(&state.db, &name)
        .await?
        .ok_or(AppError::NotFound)?;
    let page = q.page.clamp(0, 10_000);
    let (list, has_more) = pubs::list_by_tag(&state.db, viewer.as_ref(), &name, page).await?;
    Ok(Json(TagListing {
        name,
        label,
        order: "last_activity_desc".into(),
        page,
        has_more,
        items: list.iter().map(|s| summary_out(&state, s)).collect(),
    }))
}

/// The publications of a community, as its page lists them: pinned first,
/// then newest activity, 20 per page; only what the caller may read there
/// (its moderators also see what they hid or removed). 404 when the caller
/// may not read the community (a private one they are not a member of).
#[utoipa::path(
    get,
    path = "/api/v1/communities/{slug}/publications",
    tag = "communities",
    security((), ("bearer" = [])),
    params(("slug" = String, Path, description = "Community address"), PageParams),
    responses(
        (status = 200, description = "A page of publications", body = CommunityListing),
        (status = 404, description = "No such community, or not readable", body = ErrorBody),
    )
)]
pub async fn community_publications(
    State(state): State<AppState>,
    viewer: Option<ApiUser>,
    Path(slug): Path<String>,
    Query(q): Query<PageParams>,
) -> AppResult<Json<CommunityListing>> {
    let viewer = viewer.map(|v| v.0);
    let l = crate::communities::access::load_card(&state, viewer.as_ref(), &slug).await?;
    if !l.view(viewer.as_ref()) {
        return Err(AppError::NotFound);
    }
    let page = q.page.clamp(0, 10_000);
    let (list, has_more) = pubs::list_in_community(&state.db, viewer.as_ref(), &l.c, page).await?;
    Ok(Json(CommunityListing {
        community: l.c.slug.clone(),
        order: "pinned_then_last_activity_desc".into(),
        page,
        has_more,
        items: list
            .iter()
            .map(|s| CommunityItem {
                pinned: s.pinned,
                publication: summary_out(&state, s),
            })
            .collect(),
    }))
}

/// Pin or unpin publication `id` in community `slug` (its animators and
/// owners, instance admins).
async fn set_pin(
    state: &AppState,
    user: &User,
    slug: &str,
    id: i64,
    pinned: bool,
) -> AppResult<StatusCode> {
    let (_, links) = readable(state, Some(user), id).await?;
    let link = links
        .iter()
        .find(|l| l.community.slug == slug && l.readable_by(Some(user)))
        .ok_or(AppError::NotFound)?;
    if !link.managed_by(Some(user)) {
        return Err(AppError::Forbidden);
    }
    if link.community.status != crate::policy::CommunityStatus::Active {
        return Err(AppError::Conflict {
            code: "community_archived",
            message_key: "community-error-archived",
        });
    }
    pubs::set_pinned(&state.db, id, link.community.id, pinned).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Pin a publication in a community where it is shared: it comes first in
/// the community's listing (its animators and owners, instance admins).
#[utoipa::path(
    put,
    path = "/api/v1/communities/{slug}/publications/{id}/pin",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "Community address"), ("id" = i64, Path, description = "Publication id")),
    responses(
        (status = 204, description = "Pinned"),
        (status = 403, description = "Not an animator of this community", body = ErrorBody),
        (status = 404, description = "Not readable, or not shared in this community", body = ErrorBody),
        (status = 409, description = "The community is archived (`community_archived`)", body = ErrorBody),
    )
)]
pub async fn pin(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((slug, id)): Path<(String, i64)>,
) -> AppResult<StatusCode> {
    set_pin(&state, &user, &slug, id, true).await
}

/// Unpin a publication in a community.
#[utoipa::path(
    delete,
    path = "/api/v1/communities/{slug}/publications/{id}/pin",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "Community address"), ("id" = i64, Path, description = "Publication id")),
    responses(
        (status = 204, description = "Not pinned any more"),
        (status = 403, description = "Not an animator of this community", body = ErrorBody),
        (status = 404, description = "Not readable, or not shared in this community", body = ErrorBody),
        (status = 409, description = "The community is archived (`community_archived`)", body = ErrorBody),
    )
)]
pub async fn unpin(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((slug, id)): Path<(String, i64)>,
) -> AppResult<StatusCode> {
    set_pin(&state, &user, &slug, id, false).await
}
