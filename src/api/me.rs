//! `/api/v1/me`: the caller's own account, profile and avatar.
//!
//! The profile and avatar operations live in `crate::profiles`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};

use super::extract::{ApiUser, ImageBody, error, own};
use super::wire::{ErrorBody, Me, MeUpdate};
use crate::accounts::{self, User};
use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::images::ImageError;
use crate::profiles::{self, AVATAR_SIZE, validate_profile};
use crate::state::AppState;

/// Error response for a refused image: 413 when too large, else 422; the
/// code is the `ImageError` (`image_not_an_image`, `image_corrupt`…).
pub fn image_error(e: &ImageError) -> Response {
    let (status, code) = match e {
        ImageError::NotAnImage => (StatusCode::UNPROCESSABLE_ENTITY, "image_not_an_image"),
        ImageError::Unsupported => (StatusCode::UNPROCESSABLE_ENTITY, "image_unsupported"),
        ImageError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "image_too_large"),
        ImageError::DimensionsTooLarge => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "image_dimensions_too_large",
        ),
        ImageError::Corrupt => (StatusCode::UNPROCESSABLE_ENTITY, "image_corrupt"),
        // Every turn of the image pool taken for a while: try again soon.
        ImageError::Busy => return AppError::Unavailable.into_response(),
    };
    error(status, code, e.message_key(), Vec::new())
}

// ---- HTTP ---------------------------------------------------------------------

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me", get(show).patch(update))
        .route("/me/avatar", put(put_avatar).delete(delete_avatar))
}

async fn reload(state: &AppState, id: i64) -> AppResult<User> {
    accounts::by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// My account.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account the token belongs to", body = Me),
        (status = 401, description = "Missing, invalid, revoked or expired token", body = ErrorBody),
        (status = 403, description = "Account suspended or pending (`account_inactive`)", body = ErrorBody),
    )
)]
pub async fn show(State(state): State<AppState>, ApiUser(user): ApiUser) -> AppResult<Json<Me>> {
    own(&user)?;
    Ok(Json(Me::new(&state, &user)))
}

/// Change my display name, bio or interface language.
#[utoipa::path(
    patch,
    path = "/api/v1/me",
    tag = "me",
    security(("bearer" = [])),
    request_body = MeUpdate,
    responses(
        (status = 200, description = "The updated account", body = Me),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing, invalid, revoked or expired token", body = ErrorBody),
        (status = 403, description = "Account suspended or pending (`account_inactive`)", body = ErrorBody),
        (status = 415, description = "Not `application/json`", body = ErrorBody),
        (status = 422, description = "Invalid values (`invalid`, with `fields`) or wrong JSON shape (`invalid_body`)", body = ErrorBody),
    )
)]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<MeUpdate>,
) -> AppResult<Json<Me>> {
    own(&user)?;
    let mut changes = validate_profile(
        body.display_name.as_deref(),
        body.bio.as_deref(),
        body.locale.as_deref(),
    )
    .map_err(|fields| AppError::Invalid { fields })?;
    changes.findable = body.findable;
    profiles::update(&state, &Actor::person(&user), &changes).await?;
    let user = reload(&state, user.id).await?;
    Ok(Json(Me::new(&state, &user)))
}

/// Replace my avatar with an uploaded image (JPEG, PNG, WebP or GIF, at most
/// 5 MB). It is cropped to a square and stored as a 256×256 JPEG.
#[utoipa::path(
    put,
    path = "/api/v1/me/avatar",
    tag = "me",
    security(("bearer" = [])),
    request_body(
        description = "The image file itself (not multipart)",
        content(("image/png"), ("image/jpeg"), ("image/webp"), ("image/gif")),
    ),
    responses(
        (status = 200, description = "The updated account, with its new `avatar_url`", body = Me),
        (status = 401, description = "Missing, invalid, revoked or expired token", body = ErrorBody),
        (status = 403, description = "Account suspended or pending (`account_inactive`)", body = ErrorBody),
        (status = 413, description = "Larger than 5 MB (`image_too_large`)", body = ErrorBody),
        (status = 415, description = "`Content-Type` is not `image/*`", body = ErrorBody),
        (status = 422, description = "Not a usable image: `image_not_an_image`, `image_unsupported`, `image_dimensions_too_large`, `image_corrupt`", body = ErrorBody),
    )
)]
pub async fn put_avatar(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ImageBody(bytes): ImageBody,
) -> AppResult<Response> {
    own(&user)?;
    let made = state.images.avatar(bytes.to_vec(), AVATAR_SIZE).await;
    let jpeg = match made {
        Ok(j) => j,
        Err(e) => return Ok(image_error(&e)),
    };
    profiles::replace_avatar(&state, &Actor::person(&user), jpeg).await?;
    let user = reload(&state, user.id).await?;
    Ok(Json(Me::new(&state, &user)).into_response())
}

/// Remove my avatar.
#[utoipa::path(
    delete,
    path = "/api/v1/me/avatar",
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed (or there was none)"),
        (status = 401, description = "Missing, invalid, revoked or expired token", body = ErrorBody),
        (status = 403, description = "Account suspended or pending (`account_inactive`)", body = ErrorBody),
    )
)]
pub async fn delete_avatar(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> AppResult<StatusCode> {
    own(&user)?;
    profiles::drop_avatar(&state, &Actor::person(&user)).await?;
    Ok(StatusCode::NO_CONTENT)
}
