//! The administrators' approval of new communities.

use axum::Json;
use axum::extract::{Path, State};

use super::schema::*;
use super::{detail, reload};
use crate::accounts::User;
use crate::actor::Actor;
use crate::api::extract::ApiUser;
use crate::api::wire::ErrorBody;
use crate::communities::access::Loaded;
use crate::communities::{self, ops};
use crate::error::{AppError, AppResult};
use crate::policy::{self, Action};
use crate::state::AppState;

// ---- administrators ----------------------------------------------------------------------

/// Communities awaiting approval, oldest first (administrators).
#[utoipa::path(
    get,
    path = "/api/v1/admin/communities/pending",
    tag = "communities",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Pending communities", body = Vec<CommunityDetail>),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not an administrator", body = ErrorBody),
    )
)]
pub async fn pending(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> AppResult<Json<Vec<CommunityDetail>>> {
    if !policy::can(Some(&user), Action::ApproveCommunities) {
        return Err(AppError::Forbidden);
    }
    let list = communities::pending(&state.db, 200).await?;
    Ok(Json(
        list.into_iter()
            .map(|c| detail(&state, Some(&user), &Loaded::new(c, None)))
            .collect(),
    ))
}

async fn decide(
    state: &AppState,
    user: &User,
    slug: &str,
    approve: bool,
    reason: &str,
) -> AppResult<Json<CommunityDetail>> {
    if !policy::can(Some(user), Action::ApproveCommunities) {
        return Err(AppError::Forbidden);
    }
    let c = communities::by_slug(&state.db, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    ops::decide_community(state, &Actor::person(user), &c, approve, reason).await?;
    let l = reload(state, user, slug).await?;
    Ok(Json(detail(state, Some(user), &l)))
}

/// Approve a pending community (administrators); its creator is told by e-mail.
#[utoipa::path(
    post,
    path = "/api/v1/communities/{slug}/approve",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address")),
    responses(
        (status = 200, description = "The approved community", body = CommunityDetail),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not an administrator", body = ErrorBody),
        (status = 404, description = "No such community", body = ErrorBody),
        (status = 409, description = "`not_pending`", body = ErrorBody),
    )
)]
pub async fn approve_community(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
) -> AppResult<Json<CommunityDetail>> {
    decide(&state, &user, &slug, true, "").await
}

/// Refuse a pending community, with an optional reason e-mailed to its creator.
#[utoipa::path(
    post,
    path = "/api/v1/communities/{slug}/refuse",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address")),
    request_body = ReasonBody,
    responses(
        (status = 200, description = "The refused community", body = CommunityDetail),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not an administrator", body = ErrorBody),
        (status = 404, description = "No such community", body = ErrorBody),
        (status = 409, description = "`not_pending`", body = ErrorBody),
        (status = 422, description = "Reason too long", body = ErrorBody),
    )
)]
pub async fn refuse_community(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
    Json(b): Json<ReasonBody>,
) -> AppResult<Json<CommunityDetail>> {
    decide(
        &state,
        &user,
        &slug,
        false,
        b.reason.as_deref().unwrap_or(""),
    )
    .await
}
