//! Membership (join, leave, ask), join requests, members and roles.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;

use super::schema::*;
use super::{member_item, reload};
use crate::accounts::User;
use crate::actor::Actor;
use crate::api::extract::ApiUser;
use crate::api::wire::ErrorBody;
use crate::communities::access::{self, Loaded};
use crate::communities::{self, ops};
use crate::error::{AppError, AppResult};
use crate::policy::MemberState;
use crate::state::AppState;

// ---- membership -----------------------------------------------------------------------------

async fn my_membership(
    state: &AppState,
    user: &User,
    community_id: i64,
) -> AppResult<Json<Option<MembershipInfo>>> {
    Ok(Json(
        communities::membership(&state.db, community_id, Some(user))
            .await?
            .map(Into::into),
    ))
}

/// Join an open community at once.
#[utoipa::path(
    post,
    path = "/api/v1/communities/{slug}/join",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address")),
    responses(
        (status = 200, description = "The caller's membership", body = MembershipInfo),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "This community is not open to joining (request, invitation, banned)", body = ErrorBody),
        (status = 404, description = "No such community, or not visible to the caller", body = ErrorBody),
        (status = 409, description = "`community_archived` or `request_pending`", body = ErrorBody),
    )
)]
pub async fn join(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
) -> AppResult<Json<Option<MembershipInfo>>> {
    let l = access::load_card(&state, Some(&user), &slug).await?;
    ops::join(&state, &Actor::person(&user), &l).await?;
    my_membership(&state, &user, l.c.id).await
}

/// Leave a community, or withdraw a join request. The last owner cannot leave.
#[utoipa::path(
    post,
    path = "/api/v1/communities/{slug}/leave",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address")),
    responses(
        (status = 204, description = "Left (or was not a member)"),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Banned members stay banned", body = ErrorBody),
        (status = 404, description = "No such community", body = ErrorBody),
        (status = 409, description = "`last_owner`: transfer ownership first", body = ErrorBody),
    )
)]
pub async fn leave(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
) -> AppResult<StatusCode> {
    let c = communities::by_slug(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let m = communities::membership(&state.db, c.id, Some(&user)).await?;
    let l = Loaded::new(c, m);
    if m.is_none() && !l.card(Some(&user)) {
        return Err(AppError::NotFound);
    }
    ops::leave(&state, &Actor::person(&user), &l).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Ask to join a community whose join policy is "on request"; its managers are notified.
#[utoipa::path(
    post,
    path = "/api/v1/communities/{slug}/requests",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address")),
    request_body = JoinRequestBody,
    responses(
        (status = 200, description = "The caller's membership (`requested`)", body = MembershipInfo),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "This community does not take requests", body = ErrorBody),
        (status = 404, description = "No such community, or not visible to the caller", body = ErrorBody),
        (status = 409, description = "`community_archived`", body = ErrorBody),
        (status = 422, description = "Message too long", body = ErrorBody),
    )
)]
pub async fn ask(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
    Json(b): Json<JoinRequestBody>,
) -> AppResult<Json<Option<MembershipInfo>>> {
    // Asked from outside a private community too (it shows its card).
    let l = access::load_card(&state, Some(&user), &slug).await?;
    ops::request(
        &state,
        &Actor::person(&user),
        &l,
        b.message.as_deref().unwrap_or(""),
    )
    .await?;
    my_membership(&state, &user, l.c.id).await
}

/// Pending join requests with their messages (managers), by name, 50 per page.
#[utoipa::path(
    get,
    path = "/api/v1/communities/{slug}/requests",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address"), MembersParams),
    responses(
        (status = 200, description = "Requests, with their messages", body = MemberPage),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not a manager of this community", body = ErrorBody),
        (status = 404, description = "No such community, or not readable", body = ErrorBody),
    )
)]
pub async fn requests(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
    Query(p): Query<MembersParams>,
) -> AppResult<Json<MemberPage>> {
    let l = reload(&state, &user, &slug).await?;
    let page = p.page.unwrap_or(1).clamp(1, 100_000);
    let (list, more) =
        communities::members::shown(&state, Some(&user), &l, MemberState::Requested, page).await?;
    Ok(Json(MemberPage {
        items: list.iter().map(|m| member_item(&state, m, true)).collect(),
        page,
        next_page: more.then_some(page + 1),
    }))
}

/// Accept a join request (managers); the person is notified.
#[utoipa::path(
    post,
    path = "/api/v1/communities/{slug}/requests/{user_id}/approve",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address"), ("user_id" = i64, Path, description = "The requester")),
    responses(
        (status = 204, description = "Accepted: the person is a member"),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not a manager of this community", body = ErrorBody),
        (status = 404, description = "No such community, or not readable", body = ErrorBody),
        (status = 409, description = "`no_request` (already handled) or `community_archived`", body = ErrorBody),
    )
)]
pub async fn approve_request(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((slug, user_id)): Path<(String, i64)>,
) -> AppResult<StatusCode> {
    let l = reload(&state, &user, &slug).await?;
    ops::decide(&state, &Actor::person(&user), &l, user_id, true, "").await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Refuse a join request (managers), with an optional reason the person sees.
#[utoipa::path(
    post,
    path = "/api/v1/communities/{slug}/requests/{user_id}/refuse",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address"), ("user_id" = i64, Path, description = "The requester")),
    request_body = ReasonBody,
    responses(
        (status = 204, description = "Refused"),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not a manager of this community", body = ErrorBody),
        (status = 404, description = "No such community, or not readable", body = ErrorBody),
        (status = 409, description = "`no_request` (already handled)", body = ErrorBody),
        (status = 422, description = "Reason too long", body = ErrorBody),
    )
)]
pub async fn refuse_request(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((slug, user_id)): Path<(String, i64)>,
    Json(b): Json<ReasonBody>,
) -> AppResult<StatusCode> {
    let l = reload(&state, &user, &slug).await?;
    ops::decide(
        &state,
        &Actor::person(&user),
        &l,
        user_id,
        false,
        b.reason.as_deref().unwrap_or(""),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- members ----------------------------------------------------------------------------

/// Members with their roles, highest role first, 50 per page. Anyone who
/// may read the community sees its active members; banned ones are for managers.
#[utoipa::path(
    get,
    path = "/api/v1/communities/{slug}/members",
    tag = "communities",
    security((), ("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address"), MembersParams),
    responses(
        (status = 200, description = "A page of members", body = MemberPage),
        (status = 400, description = "Unknown `state`", body = ErrorBody),
        (status = 401, description = "An `Authorization` header was sent but its token is invalid", body = ErrorBody),
        (status = 403, description = "`state=banned` by someone who does not manage the community", body = ErrorBody),
        (status = 404, description = "No such community, or not readable", body = ErrorBody),
    )
)]
pub async fn members(
    State(state): State<AppState>,
    viewer: Option<ApiUser>,
    Path(slug): Path<String>,
    Query(p): Query<MembersParams>,
) -> AppResult<Json<MemberPage>> {
    let viewer = viewer.map(|v| v.0);
    let l = access::load(&state, viewer.as_ref(), &slug).await?;
    let manage = l.manage(viewer.as_ref());
    let st = match p.state.as_deref().unwrap_or("active") {
        "active" => MemberState::Active,
        "banned" => MemberState::Banned,
        _ => {
            return Err(AppError::BadRequest {
                code: "invalid_state",
                message_key: "field-invalid-choice",
            });
        }
    };
    let page = p.page.unwrap_or(1).clamp(1, 100_000);
    let (list, more) = communities::members::shown(&state, viewer.as_ref(), &l, st, page).await?;
    Ok(Json(MemberPage {
        items: list
            .iter()
            .map(|m| member_item(&state, m, manage))
            .collect(),
        page,
        next_page: more.then_some(page + 1),
    }))
}

/// Give an active member another role. Managers act on members below them
/// and never give a role above their own; only owners make owners.
#[utoipa::path(
    put,
    path = "/api/v1/communities/{slug}/members/{user_id}/role",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address"), ("user_id" = i64, Path, description = "The member")),
    request_body = RoleBody,
    responses(
        (status = 204, description = "Changed"),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not allowed to give this role to this member", body = ErrorBody),
        (status = 404, description = "No such community or active member", body = ErrorBody),
        (status = 409, description = "`last_owner`", body = ErrorBody),
    )
)]
pub async fn set_role(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((slug, user_id)): Path<(String, i64)>,
    Json(b): Json<RoleBody>,
) -> AppResult<StatusCode> {
    let l = reload(&state, &user, &slug).await?;
    ops::set_role(&state, &Actor::person(&user), &l, user_id, b.role.into()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove an active member (managers, for members below them). Removing
/// oneself is leaving.
#[utoipa::path(
    delete,
    path = "/api/v1/communities/{slug}/members/{user_id}",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address"), ("user_id" = i64, Path, description = "The member")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not allowed to remove this member", body = ErrorBody),
        (status = 404, description = "No such community or active member", body = ErrorBody),
        (status = 409, description = "`last_owner`", body = ErrorBody),
    )
)]
pub async fn remove_member(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((slug, user_id)): Path<(String, i64)>,
) -> AppResult<StatusCode> {
    let l = reload(&state, &user, &slug).await?;
    ops::remove(&state, &Actor::person(&user), &l, user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
