//! `/api/v1/me`: the caller's own account, profile and avatar.
//!
//! The profile and avatar operations are plain functions at the top, usable
//! by other channels (the web settings page).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};

use super::extract::{ApiUser, ImageBody, error, own};
use super::wire::{ErrorBody, Me, MeUpdate};
use crate::accounts::{self, BIO_MAX, DISPLAY_NAME_MAX, User};
use crate::db::{Db, now};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::images::{self, ImageError};
use crate::web::AppState;

/// Side of the stored avatar, in pixels.
pub const AVATAR_SIZE: u32 = 256;

/// Validated profile changes; `None` leaves a field as it is.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ProfileChanges {
    pub display_name: Option<String>,
    pub bio: Option<String>,
    pub locale: Option<String>,
}

/// Validate requested changes: (field, message key) pairs on refusal.
pub fn validate_profile(
    display_name: Option<&str>,
    bio: Option<&str>,
    locale: Option<&str>,
) -> Result<ProfileChanges, Vec<(String, String)>> {
    let mut fields = Vec::new();
    let mut refuse = |f: &str, k: &str| fields.push((f.to_string(), k.to_string()));
    let display_name = display_name.map(|d| d.trim().to_string());
    if let Some(d) = &display_name {
        if d.chars().count() > DISPLAY_NAME_MAX {
            refuse("display_name", "field-too-long");
        } else if d.chars().any(char::is_control) {
            refuse("display_name", "field-invalid");
        }
    }
    let bio = bio.map(|b| b.replace("\r\n", "\n").trim().to_string());
    if let Some(b) = &bio {
        if b.chars().count() > BIO_MAX {
            refuse("bio", "field-too-long");
        } else if b.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            refuse("bio", "field-invalid");
        }
    }
    if let Some(l) = locale
        && !Lang::ALL.iter().any(|x| x.code() == l)
    {
        refuse("locale", "field-invalid-choice");
    }
    if fields.is_empty() {
        Ok(ProfileChanges { display_name, bio, locale: locale.map(str::to_string) })
    } else {
        Err(fields)
    }
}

/// Apply validated profile changes.
pub async fn update_profile(db: &Db, user_id: i64, c: &ProfileChanges) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET display_name = COALESCE($1, display_name), bio = COALESCE($2, bio), \
         locale = COALESCE($3, locale) WHERE id = $4",
    )
    .bind(c.display_name.clone())
    .bind(c.bio.clone())
    .bind(c.locale.clone())
    .bind(user_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Store a processed avatar (JPEG bytes from `images::make_avatar`), make it
/// the person's avatar and delete the previous one. Returns the media id.
pub async fn set_avatar(db: &Db, user_id: i64, jpeg: Vec<u8>) -> Result<i64, sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    // Lock the person's row first (PostgreSQL row lock, SQLite write lock) so
    // that the previous avatar read next is the one this change replaces.
    sqlx::query("UPDATE users SET avatar_id = avatar_id WHERE id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    let old: Option<i64> = sqlx::query_scalar("SELECT avatar_id FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO media (owner_id, content_type, bytes, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(user_id)
    .bind("image/jpeg")
    .bind(jpeg)
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("UPDATE users SET avatar_id = $1 WHERE id = $2")
        .bind(id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    if let Some(old) = old {
        sqlx::query("DELETE FROM media WHERE id = $1 AND owner_id = $2")
            .bind(old)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// Remove the person's avatar, if any. Returns whether there was one.
pub async fn remove_avatar(db: &Db, user_id: i64) -> Result<bool, sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    sqlx::query("UPDATE users SET avatar_id = avatar_id WHERE id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    let old: Option<i64> = sqlx::query_scalar("SELECT avatar_id FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?
        .flatten();
    if let Some(old) = old {
        sqlx::query("UPDATE users SET avatar_id = NULL WHERE id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM media WHERE id = $1 AND owner_id = $2")
            .bind(old)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(old.is_some())
}

/// Error response for a refused image: 413 when too large, else 422; the
/// code is the `ImageError` (`image_not_an_image`, `image_corrupt`…).
pub fn image_error(e: &ImageError) -> Response {
    let (status, code) = match e {
        ImageError::NotAnImage => (StatusCode::UNPROCESSABLE_ENTITY, "image_not_an_image"),
        ImageError::Unsupported => (StatusCode::UNPROCESSABLE_ENTITY, "image_unsupported"),
        ImageError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "image_too_large"),
        ImageError::DimensionsTooLarge => (StatusCode::UNPROCESSABLE_ENTITY, "image_dimensions_too_large"),
        ImageError::Corrupt => (StatusCode::UNPROCESSABLE_ENTITY, "image_corrupt"),
    };
    error(status, code, e.message_key(), Vec::new())
}

// ---- HTTP ---------------------------------------------------------------------

pub fn router() -> Router<AppState> {
    Router::new().route("/me", get(show).patch(update)).route(
        "/me/avatar",
        put(put_avatar)
            .delete(delete_avatar)
            .layer(axum::extract::DefaultBodyLimit::max(images::MAX_UPLOAD_BYTES)),
    )
}

async fn reload(state: &AppState, id: i64) -> AppResult<User> {
    accounts::by_id(&state.db, id).await?.ok_or(AppError::NotFound)
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
    let changes = validate_profile(body.display_name.as_deref(), body.bio.as_deref(), body.locale.as_deref())
        .map_err(|fields| AppError::Invalid { fields })?;
    if changes != ProfileChanges::default() {
        update_profile(&state.db, user.id, &changes).await?;
    }
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
    let made = tokio::task::spawn_blocking(move || images::make_avatar(&bytes, AVATAR_SIZE))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("avatar task failed: {e}")))?;
    let jpeg = match made {
        Ok(j) => j,
        Err(e) => return Ok(image_error(&e)),
    };
    set_avatar(&state.db, user.id, jpeg).await?;
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
pub async fn delete_avatar(State(state): State<AppState>, ApiUser(user): ApiUser) -> AppResult<StatusCode> {
    own(&user)?;
    remove_avatar(&state.db, user.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_validation() {
        let ok = validate_profile(Some("  Marie  "), Some("a\r\nb "), Some("en")).expect("valid");
        assert_eq!(ok.display_name.as_deref(), Some("Marie"));
        assert_eq!(ok.bio.as_deref(), Some("a\nb"));
        assert_eq!(ok.locale.as_deref(), Some("en"));
        assert_eq!(validate_profile(None, None, None), Ok(ProfileChanges::default()));
        let long = "x".repeat(DISPLAY_NAME_MAX + 1);
        let bad = validate_profile(Some(&long), Some(&"é".repeat(BIO_MAX + 1)), Some("de")).expect_err("invalid");
        let fields: Vec<&str> = bad.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["display_name", "bio", "locale"]);
        assert_eq!(bad[0].1, "field-too-long");
        assert!(validate_profile(Some("a\u{7}"), None, None).is_err());
        assert!(validate_profile(None, Some(&"é".repeat(BIO_MAX)), Some("fr-CA")).is_ok());
    }
}
