//! `/api/v1/me/exports`: "download my data" through the API (issue 20).
//! The same operations as the settings page (`data_rights::ops`): ask for
//! an archive (one in the making, two a day: 409 and 429 with
//! `Retry-After`), follow its status, download it once ready (7 days).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::ToSchema;

use super::extract::{ApiUser, own};
use super::wire::ErrorBody;
use crate::actor::Actor;
use crate::data_rights::{self, Export, ops};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me/exports", get(list).post(create))
        .route("/me/exports/{id}", get(show))
        .route("/me/exports/{id}/archive", get(download))
}

/// One archive of my data.
#[derive(Serialize, ToSchema)]
pub struct ExportOut {
    pub id: i64,
    /// queued, building, ready, failed or expired.
    pub status: String,
    pub requested_at: String,
    pub ready_at: Option<String>,
    /// The download is refused after this time.
    pub expires_at: Option<String>,
    /// Size of the ZIP file in bytes (0 until ready).
    pub size: i64,
    /// Items in the archive (publications, replies, events…).
    pub items: i64,
    /// Where to download it (relative to the instance), once ready.
    pub archive_url: Option<String>,
}

fn out(e: &Export) -> ExportOut {
    let t = crate::data_rights::sections::rfc3339;
    let ready = e.status == data_rights::Status::Ready;
    ExportOut {
        id: e.id,
        status: e.status.as_str().to_string(),
        requested_at: t(e.requested_at),
        ready_at: e.ready_at.map(t),
        expires_at: e.expires_at.map(t),
        size: e.size,
        items: e.items,
        archive_url: ready.then(|| format!("/api/v1/me/exports/{}/archive", e.id)),
    }
}

/// My archives, newest first (the last 10).
#[utoipa::path(
    get,
    path = "/api/v1/me/exports",
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "My archives", body = Vec<ExportOut>),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> AppResult<Json<Vec<ExportOut>>> {
    own(&user)?;
    let all = data_rights::list(&state.db, user.id).await?;
    Ok(Json(all.iter().map(out).collect()))
}

/// Ask for an archive of my data: built in the background, announced by
/// e-mail. One at a time, two per rolling day.
#[utoipa::path(
    post,
    path = "/api/v1/me/exports",
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Queued; follow it at `/api/v1/me/exports/{id}`", body = ExportOut),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 409, description = "An archive is already being made (`export_in_progress`)", body = ErrorBody),
        (status = 429, description = "Two archives in the last 24 hours (`Retry-After` says when)", body = ErrorBody),
    )
)]
pub async fn create(State(state): State<AppState>, ApiUser(user): ApiUser) -> AppResult<Response> {
    own(&user)?;
    let id = ops::request_export(&state, &Actor::person(&user), &user).await?;
    let e = data_rights::get(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut res = (StatusCode::ACCEPTED, Json(out(&e))).into_response();
    if let Ok(v) = axum::http::HeaderValue::from_str(&format!("/api/v1/me/exports/{id}")) {
        res.headers_mut().insert(axum::http::header::LOCATION, v);
    }
    Ok(res)
}

async fn mine(state: &AppState, user_id: i64, id: i64) -> AppResult<Export> {
    match data_rights::get(&state.db, id).await? {
        Some(e) if e.user_id == user_id => Ok(e),
        _ => Err(AppError::NotFound),
    }
}

/// One of my archives: its status.
#[utoipa::path(
    get,
    path = "/api/v1/me/exports/{id}",
    tag = "me",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses(
        (status = 200, description = "The archive's status", body = ExportOut),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 404, description = "No archive of mine with this id", body = ErrorBody),
    )
)]
pub async fn show(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> AppResult<Json<ExportOut>> {
    own(&user)?;
    Ok(Json(out(&mine(&state, user.id, id).await?)))
}

/// Download a ready archive (a ZIP file; layout and JSON schema in
/// `docs/data-export/`).
#[utoipa::path(
    get,
    path = "/api/v1/me/exports/{id}/archive",
    tag = "me",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses(
        (status = 200, description = "The archive (`application/zip`, as `attachment`)", content_type = "application/zip"),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 404, description = "No ready archive of mine with this id (not ready, expired or someone else's)", body = ErrorBody),
    )
)]
pub async fn download(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    own(&user)?;
    let export = ops::open_download(&state.db, &user, id).await?;
    Ok(crate::edge::download::archive_response(
        &state,
        &export,
        &user.username,
    ))
}
