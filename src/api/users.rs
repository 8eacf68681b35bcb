//! `/api/v1/users/{username}`: public profiles.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};

use super::extract::ApiUser;
use super::wire::{ErrorBody, Profile};
use crate::accounts;
use crate::error::{AppError, AppResult};
use crate::policy::{self, Action};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/users/{username}", get(show))
}

/// A person's public profile. Anonymous calls are allowed; the e-mail
/// address is included only for the person themself and administrators.
#[utoipa::path(
    get,
    path = "/api/v1/users/{username}",
    tag = "users",
    security((), ("bearer" = [])),
    params(("username" = String, Path, description = "Username (case-insensitive)")),
    responses(
        (status = 200, description = "The profile", body = Profile),
        (status = 401, description = "An `Authorization` header was sent but its token is invalid, revoked or expired", body = ErrorBody),
        (status = 403, description = "The token's account is suspended or pending (`account_inactive`)", body = ErrorBody),
        (status = 404, description = "No such person, or their profile is not visible", body = ErrorBody),
    )
)]
pub async fn show(
    State(state): State<AppState>,
    viewer: Option<ApiUser>,
    Path(username): Path<String>,
) -> AppResult<Json<Profile>> {
    let viewer = viewer.map(|v| v.0);
    let target = accounts::by_username(&state.db, &username)
        .await?
        .ok_or(AppError::NotFound)?;
    if !policy::can(viewer.as_ref(), Action::ViewProfile { target: &target }) {
        return Err(AppError::NotFound);
    }
    let show_email = policy::can(viewer.as_ref(), Action::ViewEmail { target: &target });
    Ok(Json(Profile::new(&state, &target, show_email)))
}
