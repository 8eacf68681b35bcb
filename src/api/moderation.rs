//! Moderation in API v1: file a report (`POST /reports`), review queues
//! (`GET /communities/{slug}/reports`, `GET /reports` for administrators),
//! act (`POST /communities/{slug}/moderation`, `POST /moderation` for
//! administrators) and read a community's moderation log
//! (`GET /communities/{slug}/modlog`). Same rules as the pages: the domain is
//! `crate::moderation`, permissions come from `crate::policy`.
//!
//! The wire types of this resource live here (they concern only it).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::ApiUser;
use super::wire::{ErrorBody, rfc3339};
use crate::accounts::{self, User};
use crate::actor::Actor;
use crate::communities::{self, Community};
use crate::error::{AppError, AppResult};
use crate::moderation::{self as m, Act, ActRequest, Category, Scope, Target};
use crate::policy::{self, Action};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reports", post(create_report).get(instance_queue))
        .route("/communities/{slug}/reports", get(community_queue))
        .route("/communities/{slug}/moderation", post(community_act))
        .route("/communities/{slug}/modlog", get(modlog))
        .route("/moderation", post(instance_act))
}

// ---- wire types ----------------------------------------------------------------------------

/// Reason categories of a report.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ReportCategory {
    Spam,
    Harassment,
    Hate,
    Misinformation,
    OffTopic,
    Illegal,
    Other,
}

impl From<ReportCategory> for Category {
    fn from(c: ReportCategory) -> Category {
        match c {
            ReportCategory::Spam => Category::Spam,
            ReportCategory::Harassment => Category::Harassment,
            ReportCategory::Hate => Category::Hate,
            ReportCategory::Misinformation => Category::Misinformation,
            ReportCategory::OffTopic => Category::OffTopic,
            ReportCategory::Illegal => Category::Illegal,
            ReportCategory::Other => Category::Other,
        }
    }
}

impl From<Category> for ReportCategory {
    fn from(c: Category) -> ReportCategory {
        match c {
            Category::Spam => ReportCategory::Spam,
            Category::Harassment => ReportCategory::Harassment,
            Category::Hate => ReportCategory::Hate,
            Category::Misinformation => ReportCategory::Misinformation,
            Category::OffTopic => ReportCategory::OffTopic,
            Category::Illegal => ReportCategory::Illegal,
            Category::Other => ReportCategory::Other,
        }
    }
}

/// A new report: exactly one of `publication_id`, `reply_id`, `username`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewReport {
    pub publication_id: Option<i64>,
    pub reply_id: Option<i64>,
    /// A person (their username).
    pub username: Option<String>,
    pub category: ReportCategory,
    /// At most 2,000 characters.
    #[serde(default)]
    pub comment: String,
}

/// The report was filed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReportCreated {
    /// One report per community that reviews it (one for the instance about a person).
    pub report_ids: Vec<i64>,
    /// Slugs of the communities whose moderators review it; empty = the instance's administrators.
    pub communities: Vec<String>,
}

/// An open report in a queue.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReportItem {
    pub id: i64,
    /// `publication`, `reply` or `user`.
    pub target_kind: String,
    pub publication_id: Option<i64>,
    pub reply_id: Option<i64>,
    pub user_id: Option<i64>,
    /// The community reviewing it (`null`: the instance).
    pub community: Option<String>,
    pub category: ReportCategory,
    pub comment: String,
    /// Reporter's username.
    pub reporter: Option<String>,
    /// Publication title (also for a reply), or the reported person's username.
    pub title: String,
    /// The beginning of the content.
    pub excerpt: String,
    /// Author of the content, or the person reported.
    pub author: Option<String>,
    /// `visible`, `hidden`, `removed` or `deleted`: the content's state where it was reported.
    pub content_status: String,
    pub locked: bool,
    pub author_banned: bool,
    pub created_at: String,
}

impl ReportItem {
    fn new(it: &m::QueueItem) -> ReportItem {
        ReportItem {
            id: it.id,
            target_kind: it.kind.as_str().to_string(),
            publication_id: it.publication_id,
            reply_id: it.reply_id,
            user_id: it.user_id,
            community: it.community_slug.clone(),
            category: it.category.into(),
            comment: it.comment.clone(),
            reporter: it.reporter.clone(),
            title: it.title.clone(),
            excerpt: it.excerpt.clone(),
            author: it.author_username.clone(),
            content_status: it.content_status.as_str().to_string(),
            locked: it.locked,
            author_banned: it.author_banned,
            created_at: rfc3339(it.created_at),
        }
    }
}

/// A page of a queue, oldest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReportList {
    pub items: Vec<ReportItem>,
    /// The next page number, if there is one.
    pub next_page: Option<i64>,
}

/// Moderation actions.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ModAction {
    /// Hide a publication in the community (or a reply) pending review.
    Hide,
    /// Remove a publication from the community (instance: from everywhere), or a reply.
    Remove,
    /// Undo a hide or a removal.
    Restore,
    /// Lock the thread: no more replies.
    Lock,
    Unlock,
    /// Ban a person (or the content's author) from the community.
    Ban,
    Unban,
    /// Close the report without action.
    Dismiss,
    /// Suspend the account (administrators, instance scope only).
    Suspend,
}

impl From<ModAction> for Act {
    fn from(a: ModAction) -> Act {
        match a {
            ModAction::Hide => Act::Hide,
            ModAction::Remove => Act::Remove,
            ModAction::Restore => Act::Restore,
            ModAction::Lock => Act::Lock,
            ModAction::Unlock => Act::Unlock,
            ModAction::Ban => Act::Ban,
            ModAction::Unban => Act::Unban,
            ModAction::Dismiss => Act::Dismiss,
            ModAction::Suspend => Act::Suspend,
        }
    }
}

/// An action: on a target (one of `publication_id`, `reply_id`,
/// `username`), or on the target of `report_id`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ActBody {
    pub action: ModAction,
    pub publication_id: Option<i64>,
    pub reply_id: Option<i64>,
    pub username: Option<String>,
    /// The report this answers (closes it with the related ones).
    pub report_id: Option<i64>,
    /// Shown to the author and logged; required except for restore, unlock, unban and dismiss. At most 500 characters.
    #[serde(default)]
    pub reason: String,
}

/// What was done.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ActDone {
    /// The action as written in the moderation log, e.g. `remove_publication`.
    pub logged: String,
    /// Open reports closed by it.
    pub reports_closed: u64,
}

/// One line of a moderation log (never the content itself).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ModLogEntry {
    pub id: i64,
    /// e.g. `remove_publication`, `ban`, `lock`.
    pub action: String,
    pub moderator: Option<String>,
    pub publication_id: Option<i64>,
    pub publication_title: Option<String>,
    pub reply_id: Option<i64>,
    pub username: Option<String>,
    pub reason: String,
    pub created_at: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ModLog {
    pub entries: Vec<ModLogEntry>,
    pub next_page: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page number, from 1.
    pub page: Option<i64>,
}

fn page_of(q: &PageQuery) -> i64 {
    q.page.unwrap_or(1).clamp(1, 100_000)
}

// ---- helpers -------------------------------------------------------------------------------

async fn target_of(
    state: &AppState,
    publication_id: Option<i64>,
    reply_id: Option<i64>,
    username: Option<&str>,
) -> AppResult<Option<Target>> {
    let given =
        publication_id.is_some() as u8 + reply_id.is_some() as u8 + username.is_some() as u8;
    if given > 1 {
        return Err(AppError::Invalid {
            fields: vec![("target".into(), "moderation-target-one".into())],
        });
    }
    if let Some(id) = publication_id {
        return Ok(Some(Target::Publication(id)));
    }
    if let Some(id) = reply_id {
        return Ok(Some(Target::Reply(id)));
    }
    if let Some(name) = username {
        let u = accounts::by_username(&state.db, name.trim())
            .await?
            .ok_or(AppError::NotFound)?;
        return Ok(Some(Target::User(u.id)));
    }
    Ok(None)
}

/// The community, if the caller may read it (else 404) and moderate it (else 403).
async fn moderated(state: &AppState, user: &User, slug: &str) -> AppResult<Community> {
    let c = communities::by_slug(&state.db, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let mem = communities::membership(&state.db, c.id, Some(user)).await?;
    if !policy::can(
        Some(user),
        Action::ViewCommunity {
            c: &c.facts(),
            m: mem,
        },
    ) {
        return Err(AppError::NotFound);
    }
    if !policy::can(
        Some(user),
        Action::ModerateCommunity {
            c: &c.facts(),
            m: mem,
        },
    ) {
        return Err(AppError::Forbidden);
    }
    Ok(c)
}

async fn do_act(
    state: &AppState,
    user: &User,
    scope: Scope,
    community: Option<&Community>,
    body: ActBody,
) -> AppResult<Json<ActDone>> {
    let target = target_of(
        state,
        body.publication_id,
        body.reply_id,
        body.username.as_deref(),
    )
    .await?;
    if target.is_none() && body.report_id.is_none() {
        return Err(AppError::Invalid {
            fields: vec![("target".into(), "moderation-target-one".into())],
        });
    }
    let req = ActRequest {
        act: body.action.into(),
        target,
        report_id: body.report_id,
        reason: body.reason,
    };
    let done = m::ops::act(state, &Actor::person(user), scope, community, &req).await?;
    Ok(Json(ActDone {
        logged: done.logged.to_string(),
        reports_closed: done.reports_closed,
    }))
}

// ---- handlers ------------------------------------------------------------------------------

/// Report a publication, a reply or a person. Content reports go to the
/// moderators of each community where the caller reads it; reports about a
/// person go to the instance's administrators.
#[utoipa::path(
    post,
    path = "/api/v1/reports",
    tag = "moderation",
    security(("bearer" = [])),
    request_body = NewReport,
    responses(
        (status = 201, description = "Filed", body = ReportCreated),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 404, description = "No such target, or the caller cannot see it", body = ErrorBody),
        (status = 409, description = "The caller already has an open report on it (`already_reported`)", body = ErrorBody),
        (status = 422, description = "Invalid fields (comment too long, no target, own account)", body = ErrorBody),
        (status = 429, description = "Too many reports", body = ErrorBody),
    )
)]
pub async fn create_report(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<NewReport>,
) -> AppResult<Response> {
    let target = target_of(
        &state,
        body.publication_id,
        body.reply_id,
        body.username.as_deref(),
    )
    .await?
    .ok_or_else(|| AppError::Invalid {
        fields: vec![("target".into(), "moderation-target-one".into())],
    })?;
    let filed = m::ops::file_report(
        &state,
        &Actor::person(&user),
        target,
        body.category.into(),
        &body.comment,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(ReportCreated {
            report_ids: filed.report_ids,
            communities: filed.reportable.destination_slugs,
        }),
    )
        .into_response())
}

/// Open reports of a community (its moderators), oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/communities/{slug}/reports",
    tag = "moderation",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "Community slug"), PageQuery),
    responses(
        (status = 200, description = "The queue", body = ReportList),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not a moderator of this community", body = ErrorBody),
        (status = 404, description = "No such community, or not visible to the caller", body = ErrorBody),
    )
)]
pub async fn community_queue(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
    Query(q): Query<PageQuery>,
) -> AppResult<Json<ReportList>> {
    let c = moderated(&state, &user, &slug).await?;
    let n = page_of(&q);
    let (items, more) = m::queue(&state.db, Scope::Community(c.id), n - 1).await?;
    Ok(Json(ReportList {
        items: items.iter().map(ReportItem::new).collect(),
        next_page: more.then_some(n + 1),
    }))
}

/// Every open report (instance administrators), oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/reports",
    tag = "moderation",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "The instance's queue", body = ReportList),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not an administrator", body = ErrorBody),
    )
)]
pub async fn instance_queue(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(q): Query<PageQuery>,
) -> AppResult<Json<ReportList>> {
    if !policy::can(Some(&user), Action::ApproveCommunities) {
        return Err(AppError::Forbidden);
    }
    let n = page_of(&q);
    let (items, more) = m::queue(&state.db, Scope::Instance, n - 1).await?;
    Ok(Json(ReportList {
        items: items.iter().map(ReportItem::new).collect(),
        next_page: more.then_some(n + 1),
    }))
}

/// Act in a community: hide, remove or restore a publication there (or a
/// reply), lock or unlock the thread, ban or unban a person, dismiss a
/// report. Logged, related reports closed, the author notified.
#[utoipa::path(
    post,
    path = "/api/v1/communities/{slug}/moderation",
    tag = "moderation",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "Community slug")),
    request_body = ActBody,
    responses(
        (status = 200, description = "Done", body = ActDone),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not a moderator of this community, or not allowed on this person", body = ErrorBody),
        (status = 404, description = "No such community, target or report here", body = ErrorBody),
        (status = 422, description = "Reason missing or too long, or action not applicable", body = ErrorBody),
    )
)]
pub async fn community_act(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
    Json(body): Json<ActBody>,
) -> AppResult<Json<ActDone>> {
    let c = moderated(&state, &user, &slug).await?;
    do_act(&state, &user, Scope::Community(c.id), Some(&c), body).await
}

/// Act for the instance (administrators): remove or restore a publication
/// everywhere, remove or restore a reply, lock, suspend an account, dismiss
/// a report.
#[utoipa::path(
    post,
    path = "/api/v1/moderation",
    tag = "moderation",
    security(("bearer" = [])),
    request_body = ActBody,
    responses(
        (status = 200, description = "Done", body = ActDone),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not an administrator, or not allowed on this person", body = ErrorBody),
        (status = 404, description = "No such target or report", body = ErrorBody),
        (status = 422, description = "Reason missing or too long, or action not applicable", body = ErrorBody),
    )
)]
pub async fn instance_act(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<ActBody>,
) -> AppResult<Json<ActDone>> {
    if !policy::can(Some(&user), Action::ApproveCommunities) {
        return Err(AppError::Forbidden);
    }
    do_act(&state, &user, Scope::Instance, None, body).await
}

/// A community's moderation log, newest first: readable by whoever may read
/// the community. Report dismissals are listed for its moderators only.
#[utoipa::path(
    get,
    path = "/api/v1/communities/{slug}/modlog",
    tag = "moderation",
    security((), ("bearer" = [])),
    params(("slug" = String, Path, description = "Community slug"), PageQuery),
    responses(
        (status = 200, description = "The log", body = ModLog),
        (status = 401, description = "An invalid token was sent", body = ErrorBody),
        (status = 404, description = "No such community, or not visible to the caller", body = ErrorBody),
    )
)]
pub async fn modlog(
    State(state): State<AppState>,
    viewer: Option<ApiUser>,
    Path(slug): Path<String>,
    Query(q): Query<PageQuery>,
) -> AppResult<Json<ModLog>> {
    let viewer = viewer.map(|v| v.0);
    let c = communities::by_slug(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let mem = communities::membership(&state.db, c.id, viewer.as_ref()).await?;
    if !policy::can(
        viewer.as_ref(),
        Action::ViewCommunity {
            c: &c.facts(),
            m: mem,
        },
    ) {
        return Err(AppError::NotFound);
    }
    let moderates = policy::can(
        viewer.as_ref(),
        Action::ModerateCommunity {
            c: &c.facts(),
            m: mem,
        },
    );
    let n = page_of(&q);
    let (entries, more) = m::modlog(&state.db, c.id, moderates, n - 1).await?;
    Ok(Json(ModLog {
        entries: entries
            .into_iter()
            .map(|e| ModLogEntry {
                id: e.id,
                action: e.action,
                moderator: e.moderator,
                publication_id: e.publication_id,
                publication_title: e.publication_title,
                reply_id: e.reply_id,
                username: e.username,
                reason: e.reason,
                created_at: rfc3339(e.created_at),
            })
            .collect(),
        next_page: more.then_some(n + 1),
    }))
}
