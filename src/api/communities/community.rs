//! The directory, one community, creation and settings, ownership and
//! archiving.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;

use super::schema::*;
use super::{detail, manager, reload, summary};
use crate::actor::Actor;
use crate::api::extract::ApiUser;
use crate::api::wire::ErrorBody;
use crate::communities::access::{self};
use crate::communities::{self, CommunitySettings, DirectoryFilter, ops};
use crate::error::AppResult;
use crate::policy::{JoinPolicy, Visibility};
use crate::state::AppState;

// ---- directory and one community -----------------------------------------------------------

/// The directory: communities the caller may see listed, most recently
/// active first, 30 per page. Unlisted communities appear only to their
/// members (and administrators); private ones to everyone except the people
/// banned from them, so that they can be found and asked to join.
#[utoipa::path(
    get,
    path = "/api/v1/communities",
    tag = "communities",
    security((), ("bearer" = [])),
    params(DirectoryParams),
    responses(
        (status = 200, description = "A page of the directory", body = CommunityPage),
        (status = 400, description = "Malformed query", body = ErrorBody),
        (status = 401, description = "An `Authorization` header was sent but its token is invalid (or `mine` without a token)", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    viewer: Option<ApiUser>,
    Query(p): Query<DirectoryParams>,
) -> AppResult<Json<CommunityPage>> {
    let viewer = viewer.map(|v| v.0);
    let filter = DirectoryFilter::clean(
        p.q.as_deref().unwrap_or(""),
        p.theme.as_deref().unwrap_or(""),
        p.territory.as_deref().unwrap_or(""),
        p.visibility.as_deref().unwrap_or(""),
        p.mine.unwrap_or(false),
    );
    let listing =
        communities::directory::list(&state, viewer.as_ref(), &filter, p.page.unwrap_or(1)).await?;
    Ok(Json(CommunityPage {
        items: listing
            .items
            .iter()
            .map(|(c, m)| summary(&state, viewer.as_ref(), c, *m))
            .collect(),
        page: listing.page,
        next_page: listing.more.then_some(listing.page + 1),
        order: "last_activity_desc".into(),
    }))
}

/// One community. A private community the caller is not a member of gives
/// its card only (`readable` false, no charter or welcome). 404 when it does
/// not exist or the caller may not see even that.
#[utoipa::path(
    get,
    path = "/api/v1/communities/{slug}",
    tag = "communities",
    security((), ("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address")),
    responses(
        (status = 200, description = "The community, or its card only (`readable` false)", body = CommunityDetail),
        (status = 401, description = "An `Authorization` header was sent but its token is invalid", body = ErrorBody),
        (status = 404, description = "No such community, or not visible to the caller", body = ErrorBody),
    )
)]
pub async fn show(
    State(state): State<AppState>,
    viewer: Option<ApiUser>,
    Path(slug): Path<String>,
) -> AppResult<Json<CommunityDetail>> {
    let viewer = viewer.map(|v| v.0);
    let l = access::load_card(&state, viewer.as_ref(), &slug).await?;
    Ok(Json(detail(&state, viewer.as_ref(), &l)))
}

/// Create a community; the caller becomes its owner. When the instance
/// approves new communities, it is created `pending`.
#[utoipa::path(
    post,
    path = "/api/v1/communities",
    tag = "communities",
    security(("bearer" = [])),
    request_body = NewCommunityBody,
    responses(
        (status = 201, description = "Created (status `active` or `pending`)", body = CommunityDetail),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Account inactive", body = ErrorBody),
        (status = 409, description = "The address (`slug`, or the one made from the name) is already taken (`slug_taken`)", body = ErrorBody),
        (status = 422, description = "Invalid values (`invalid`, with `fields`)", body = ErrorBody),
        (status = 429, description = "Too many communities created today", body = ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Json(b): Json<NewCommunityBody>,
) -> AppResult<(StatusCode, Json<CommunityDetail>)> {
    let v = ops::NewValues {
        name: b.name,
        slug: b.slug.unwrap_or_default(),
        description: b.description.unwrap_or_default(),
        theme: b.theme.unwrap_or_default(),
        territory: b.territory.unwrap_or_default(),
        visibility: Visibility::from(b.visibility).as_str().into(),
        join_policy: JoinPolicy::from(b.join_policy).as_str().into(),
        request_note: b.request_note.unwrap_or_default(),
    };
    let c = ops::create(&state, &Actor::person(&user), &v)
        .await
        .map_err(crate::api::extract::conflicts)?;
    let l = reload(&state, &user, &c.slug).await?;
    Ok((StatusCode::CREATED, Json(detail(&state, Some(&user), &l))))
}

/// Change a community's settings (owners, animators, administrators).
#[utoipa::path(
    patch,
    path = "/api/v1/communities/{slug}",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address")),
    request_body = CommunityUpdate,
    responses(
        (status = 200, description = "The updated community", body = CommunityDetail),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not a manager of this community", body = ErrorBody),
        (status = 404, description = "No such community, or not readable", body = ErrorBody),
        (status = 422, description = "Invalid values", body = ErrorBody),
    )
)]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
    Json(b): Json<CommunityUpdate>,
) -> AppResult<Json<CommunityDetail>> {
    let l = reload(&state, &user, &slug).await?;
    manager(&l, &user)?;
    let mut s = CommunitySettings::of(&l.c);
    if let Some(v) = b.name {
        s.name = v;
    }
    if let Some(v) = b.description {
        s.description = v;
    }
    if let Some(v) = b.charter {
        s.charter = v;
    }
    if let Some(v) = b.welcome {
        s.welcome = v;
    }
    if let Some(v) = b.theme {
        s.theme = v;
    }
    if let Some(v) = b.territory {
        s.territory = v;
    }
    if let Some(v) = b.visibility {
        s.visibility = v.into();
    }
    if let Some(v) = b.join_policy {
        s.join_policy = v.into();
    }
    ops::update_settings(&state, &Actor::person(&user), &l, &s).await?;
    let l = reload(&state, &user, &slug).await?;
    Ok(Json(detail(&state, Some(&user), &l)))
}

/// Hand ownership to another active member; the previous owner becomes an animator.
#[utoipa::path(
    post,
    path = "/api/v1/communities/{slug}/transfer",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address")),
    request_body = TransferBody,
    responses(
        (status = 204, description = "Transferred"),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not an owner", body = ErrorBody),
        (status = 404, description = "No such community, or not readable", body = ErrorBody),
        (status = 409, description = "`not_member`: the person is not an active member", body = ErrorBody),
    )
)]
pub async fn transfer(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
    Json(b): Json<TransferBody>,
) -> AppResult<StatusCode> {
    let l = reload(&state, &user, &slug).await?;
    ops::transfer(&state, &Actor::person(&user), &l, b.user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Archive a community: it stays readable, nobody publishes or joins.
#[utoipa::path(
    post,
    path = "/api/v1/communities/{slug}/archive",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address")),
    responses(
        (status = 200, description = "The archived community", body = CommunityDetail),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not a manager", body = ErrorBody),
        (status = 404, description = "No such community, or not readable", body = ErrorBody),
        (status = 409, description = "`not_active` (pending or refused)", body = ErrorBody),
    )
)]
pub async fn archive(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
) -> AppResult<Json<CommunityDetail>> {
    let l = reload(&state, &user, &slug).await?;
    ops::set_archived(&state, &Actor::person(&user), &l, true).await?;
    let l = reload(&state, &user, &slug).await?;
    Ok(Json(detail(&state, Some(&user), &l)))
}

/// Reopen an archived community.
#[utoipa::path(
    post,
    path = "/api/v1/communities/{slug}/reopen",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address")),
    responses(
        (status = 200, description = "The reopened community", body = CommunityDetail),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not a manager", body = ErrorBody),
        (status = 404, description = "No such community, or not readable", body = ErrorBody),
        (status = 409, description = "`not_active` (pending or refused)", body = ErrorBody),
    )
)]
pub async fn reopen(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
) -> AppResult<Json<CommunityDetail>> {
    let l = reload(&state, &user, &slug).await?;
    ops::set_archived(&state, &Actor::person(&user), &l, false).await?;
    let l = reload(&state, &user, &slug).await?;
    Ok(Json(detail(&state, Some(&user), &l)))
}
