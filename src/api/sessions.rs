//! `/api/v1/me/sessions`: the caller's browser sessions (log-ins).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};

use super::extract::{ApiUser, own};
use super::wire::{ErrorBody, Session, SessionsRevoked};
use crate::accounts::{self, sessions};
use crate::actor::Actor;
use crate::error::AppResult;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me/sessions", get(list).delete(revoke_all))
        .route("/me/sessions/{handle}", delete(revoke))
}

/// My open browser sessions, most recently used first.
#[utoipa::path(
    get,
    path = "/api/v1/me/sessions",
    tag = "sessions",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Sessions that have not expired", body = Vec<Session>),
        (status = 401, description = "Missing, invalid, revoked or expired token", body = ErrorBody),
        (status = 403, description = "Account suspended or pending (`account_inactive`)", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> AppResult<Json<Vec<Session>>> {
    own(&user)?;
    let sessions = accounts::list_sessions(&state.db, user.id, None).await?;
    Ok(Json(sessions.iter().map(Session::from).collect()))
}

/// End one of my sessions.
#[utoipa::path(
    delete,
    path = "/api/v1/me/sessions/{handle}",
    tag = "sessions",
    security(("bearer" = [])),
    params(("handle" = String, Path, description = "Session handle, from the list")),
    responses(
        (status = 204, description = "Ended"),
        (status = 401, description = "Missing, invalid, revoked or expired token", body = ErrorBody),
        (status = 403, description = "Account suspended or pending (`account_inactive`)", body = ErrorBody),
        (status = 404, description = "No such session of mine", body = ErrorBody),
    )
)]
pub async fn revoke(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(handle): Path<String>,
) -> AppResult<StatusCode> {
    sessions::revoke(&state, &Actor::person(&user), &handle).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Log out everywhere: end all my browser sessions. Personal access
/// tokens are not affected (revoke them under `/me/tokens`).
#[utoipa::path(
    delete,
    path = "/api/v1/me/sessions",
    tag = "sessions",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "How many sessions were ended", body = SessionsRevoked),
        (status = 401, description = "Missing, invalid, revoked or expired token", body = ErrorBody),
        (status = 403, description = "Account suspended or pending (`account_inactive`)", body = ErrorBody),
    )
)]
pub async fn revoke_all(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> AppResult<Json<SessionsRevoked>> {
    let revoked = sessions::end_all(&state, &Actor::person(&user), None).await?;
    Ok(Json(SessionsRevoked { revoked }))
}
