//! Invitation links: list, create, revoke, redeem.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::schema::*;
use super::{detail, reload};
use crate::actor::Actor;
use crate::api::extract::ApiUser;
use crate::api::wire::{ErrorBody, rfc3339};
use crate::communities::{self, ops};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

// ---- invitations --------------------------------------------------------------------------

/// Invitations of a community, newest first (managers). Codes are never shown again.
#[utoipa::path(
    get,
    path = "/api/v1/communities/{slug}/invitations",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address")),
    responses(
        (status = 200, description = "The latest 100 invitations", body = Vec<Invitation>),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not a manager", body = ErrorBody),
        (status = 404, description = "No such community, or not readable", body = ErrorBody),
    )
)]
pub async fn invitations(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
) -> AppResult<Json<Vec<Invitation>>> {
    let l = reload(&state, &user, &slug).await?;
    let t = crate::db::now();
    let list = communities::invitations::shown(&state, Some(&user), &l).await?;
    Ok(Json(
        list.iter()
            .map(|i| Invitation {
                id: i.id,
                email: i.email.clone(),
                created_at: rfc3339(i.created_at),
                expires_at: rfc3339(i.expires_at),
                max_uses: i.max_uses,
                uses: i.uses,
                state: i.state(t).into(),
            })
            .collect(),
    ))
}

/// Create an invitation link (and send it when an e-mail is given).
#[utoipa::path(
    post,
    path = "/api/v1/communities/{slug}/invitations",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address")),
    request_body = NewInvitation,
    responses(
        (status = 201, description = "Created; the link is shown only now", body = CreatedInvitation),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not a manager", body = ErrorBody),
        (status = 404, description = "No such community, or not readable", body = ErrorBody),
        (status = 409, description = "`community_archived`", body = ErrorBody),
        (status = 422, description = "Invalid e-mail, days or use limit", body = ErrorBody),
        (status = 429, description = "Too many invitation e-mails", body = ErrorBody),
    )
)]
pub async fn create_invitation(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
    Json(b): Json<NewInvitation>,
) -> AppResult<(StatusCode, Json<CreatedInvitation>)> {
    let l = reload(&state, &user, &slug).await?;
    let (id, link) = ops::create_invite(
        &state,
        &Actor::person(&user),
        &l,
        b.email.as_deref().unwrap_or(""),
        b.expires_in_days,
        b.max_uses,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(CreatedInvitation { id, link })))
}

/// Revoke an invitation.
#[utoipa::path(
    delete,
    path = "/api/v1/communities/{slug}/invitations/{id}",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address"), ("id" = i64, Path, description = "The invitation")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not a manager", body = ErrorBody),
        (status = 404, description = "No such community or active invitation", body = ErrorBody),
    )
)]
pub async fn revoke_invitation(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((slug, id)): Path<(String, i64)>,
) -> AppResult<StatusCode> {
    let l = reload(&state, &user, &slug).await?;
    if ops::revoke_invite(&state, &Actor::person(&user), &l, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound)
    }
}

/// Join with an invitation code, whatever the community's visibility and join policy.
#[utoipa::path(
    post,
    path = "/api/v1/communities/{slug}/invitations/redeem",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address")),
    request_body = RedeemBody,
    responses(
        (status = 200, description = "The community, now joined", body = CommunityDetail),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Banned from this community", body = ErrorBody),
        (status = 404, description = "Invalid, expired, revoked or used-up code", body = ErrorBody),
        (status = 409, description = "`community_archived`", body = ErrorBody),
    )
)]
pub async fn redeem(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
    Json(b): Json<RedeemBody>,
) -> AppResult<Json<CommunityDetail>> {
    let c = ops::redeem(&state, &Actor::person(&user), &slug, b.code.trim()).await?;
    let l = reload(&state, &user, &c.slug).await?;
    Ok(Json(detail(&state, Some(&user), &l)))
}
