//! Stored images over HTTP, each through its owner (`crate::media` asks
//! the policy): `/u/{username}/avatar`, `/p/{id}/preview`,
//! `/p/{id}/attachments/{aid}/thumbnail` (routed with the publication's
//! pages), `/tools/{client_id}/icon`. The old `/media/{id}` addresses
//! answer 404 whatever the id, so they tell nothing about what exists.
//!
//! Caching follows the policy's answer: `public, immutable` (the address
//! carries the image's version) only for what anyone may see;
//! `private` otherwise. The `ETag` is compared after the policy, so a
//! conditional request learns nothing either.

use axum::Router;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use super::AppState;
use super::ctx::{SESSION_COOKIE, cookie};
use crate::accounts::{self, Status, User};
use crate::db::now;
use crate::error::{AppError, AppResult};
use crate::media::{self, Image};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/media/{id}", get(gone))
        .route("/u/{username}/avatar", get(avatar))
        .route("/p/{id}/preview", get(preview))
        .route("/tools/{client_id}/icon", get(tool_icon))
        .route("/o/{slug}/logo", get(organisation_logo))
}

/// Who asks, for answers that need nothing else: the session's account
/// while active (an administrator without the second factor the instance
/// requires acts as a member). Unlike `Ctx` it sets no cookie and counts
/// nothing, so an image response never carries `Set-Cookie`.
pub struct Viewer(pub Option<User>);

impl FromRequestParts<AppState> for Viewer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        Viewer::of(&parts.headers, state).await
    }
}

impl Viewer {
    /// The viewer a request's headers name (its session cookie).
    pub async fn of(headers: &HeaderMap, state: &AppState) -> Result<Self, AppError> {
        Viewer::of_session(cookie(headers, SESSION_COOKIE), state).await
    }

    /// The viewer of a session cookie's value.
    pub async fn of_session(token: Option<String>, state: &AppState) -> Result<Self, AppError> {
        let Some(token) = token else {
            return Ok(Viewer(None));
        };
        let sql = format!(
            "SELECT s.expires_at AS s_expires, {} FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.id_hash = $1",
            accounts::USER_COLUMNS
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(accounts::hash_token(&token))
            .fetch_optional(&state.db.pool)
            .await?;
        let Some(r) = row else {
            return Ok(Viewer(None));
        };
        use sqlx::Row;
        if r.try_get::<i64, _>("s_expires")? <= now() {
            return Ok(Viewer(None));
        }
        let mut u = User::from_row(&r)?;
        if u.status != Status::Active {
            return Ok(Viewer(None));
        }
        if u.is_admin && crate::totp::admin_powers_withheld(&state.db, &u).await? {
            u.is_admin = false;
        }
        Ok(Viewer(Some(u)))
    }
}

/// `?v=` (the image's version) and `?k=` (a publication's key).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ImageQuery {
    v: Option<i64>,
    k: Option<String>,
}

/// An image as a response: its type, `nosniff`, caching as the policy says.
pub fn respond(img: Image, headers: &HeaderMap) -> Response {
    let etag = img.etag();
    let cache = if img.is_public() {
        "public, max-age=31536000, immutable"
    } else {
        "private, max-age=3600"
    };
    let mut res = if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut res = img.bytes.into_response();
        if let Ok(v) = HeaderValue::from_str(&img.content_type) {
            res.headers_mut().insert(header::CONTENT_TYPE, v);
        }
        res
    };
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    res
}

/// Former addresses of stored images: nothing, whatever the id.
async fn gone(Path(_id): Path<String>) -> AppResult<Response> {
    Err(AppError::NotFound)
}

async fn avatar(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    Path(username): Path<String>,
    Query(q): Query<ImageQuery>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let img = media::avatar(&state.db, viewer.as_ref(), &username, q.v).await?;
    Ok(respond(img, &headers))
}

async fn preview(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    Path(id): Path<i64>,
    Query(q): Query<ImageQuery>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let img =
        media::publication_preview(&state.db, viewer.as_ref(), id, q.v, q.k.as_deref()).await?;
    Ok(respond(img, &headers))
}

async fn tool_icon(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    Path(client_id): Path<String>,
    Query(q): Query<ImageQuery>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let img = media::tool_icon(&state.db, viewer.as_ref(), &client_id, q.v).await?;
    Ok(respond(img, &headers))
}

async fn organisation_logo(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    Path(slug): Path<String>,
    Query(q): Query<ImageQuery>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let img = media::organisation_logo(&state.db, viewer.as_ref(), &slug, q.v).await?;
    Ok(respond(img, &headers))
}

/// An attachment's thumbnail (routed with the publication's pages).
pub async fn thumbnail(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    Path((id, aid)): Path<(i64, i64)>,
    Query(q): Query<ImageQuery>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let img =
        media::attachment_thumbnail(&state.db, viewer.as_ref(), id, aid, q.k.as_deref()).await?;
    Ok(respond(img, &headers))
}
