//! `/api/v1/me/following`: the communities of other instances I follow
//! (`federation::ops`, shared with `/settings/federation`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::{ApiUser, own};
use super::wire::ErrorBody;
use crate::actor::Actor;
use crate::error::AppResult;
use crate::state::AppState;
use passerelles_core::federation::ops;

pub fn router() -> Router<AppState> {
    Router::new().route("/me/following", get(list).post(follow))
}

/// A remote community I follow.
#[derive(Serialize, ToSchema)]
pub struct RemoteFollow {
    /// The group's ActivityPub id.
    pub target: String,
    /// `pending`, `accepted` or `rejected`.
    pub state: String,
}

/// Which community to follow.
#[derive(Deserialize, ToSchema)]
pub struct FollowRequest {
    /// `name@host`, `!name@host` (Lemmy's notation) or the group's actor URL.
    pub handle: String,
}

/// The communities of other instances I follow, and where each follow stands.
#[utoipa::path(
    get,
    path = "/api/v1/me/following",
    tag = "federation",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "My follows, oldest first", body = Vec<RemoteFollow>),
        (status = 401, description = "Missing, invalid, revoked or expired token", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> AppResult<Json<Vec<RemoteFollow>>> {
    own(&user)?;
    let rows = ops::following(&state, user.id).await?;
    Ok(Json(
        rows.into_iter()
            .map(|f| RemoteFollow {
                target: f.target,
                state: f.state,
            })
            .collect(),
    ))
}

/// Follow a community of another instance (found by WebFinger); it
/// answers later, and its publications then appear here.
#[utoipa::path(
    post,
    path = "/api/v1/me/following",
    tag = "federation",
    security(("bearer" = [])),
    request_body = FollowRequest,
    responses(
        (status = 202, description = "The follow was sent; `state` is `pending`", body = RemoteFollow),
        (status = 401, description = "Missing, invalid, revoked or expired token", body = ErrorBody),
        (status = 403, description = "I chose not to appear on the fediverse", body = ErrorBody),
        (status = 422, description = "Not a reachable group (`handle`: `federation-target-invalid`)", body = ErrorBody),
    )
)]
pub async fn follow(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Json(req): Json<FollowRequest>,
) -> AppResult<(StatusCode, Json<RemoteFollow>)> {
    own(&user)?;
    let f = ops::follow(&state, &Actor::person(&user), &req.handle)
        .await
        .map_err(|e| match e {
            crate::error::AppError::Invalid { .. } => crate::error::AppError::Invalid {
                fields: vec![("handle".into(), "federation-target-invalid".into())],
            },
            other => other,
        })?;
    Ok((
        StatusCode::ACCEPTED,
        Json(RemoteFollow {
            target: f.target,
            state: f.state,
        }),
    ))
}
