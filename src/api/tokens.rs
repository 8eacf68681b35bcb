//! `/api/v1/me/tokens`: personal access tokens over HTTP. The tokens, their
//! storage and the operations creating and revoking them are
//! `crate::accounts::tokens` (shared with the settings page).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};

use super::extract::{ApiUser, own};
use super::wire::{CreatedToken, ErrorBody, NewToken, Token};
use crate::accounts::tokens as ops;
use crate::actor::Actor;
use crate::error::AppResult;
use crate::state::AppState;

/// Where the token functions were before they moved beneath the entry
/// points (other modules and the tests still name them here).
pub use crate::accounts::tokens::{
    ApiToken, DISPLAY_PREFIX_LEN, EXPIRES_DAYS_MAX, NAME_MAX, SECRET_PREFIX, authenticate,
    check_name, create_token, get_token, list_tokens, revoke_all_tokens, revoke_token,
};

// ---- HTTP ---------------------------------------------------------------------

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me/tokens", get(list).post(create))
        .route("/me/tokens/{id}", delete(revoke))
}

/// List my personal access tokens (never their secrets).
#[utoipa::path(
    get,
    path = "/api/v1/me/tokens",
    tag = "tokens",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Tokens that are not revoked, newest first", body = Vec<Token>),
        (status = 401, description = "Missing, invalid, revoked or expired token", body = ErrorBody),
        (status = 403, description = "Account suspended or pending (`account_inactive`)", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> AppResult<Json<Vec<Token>>> {
    own(&user)?;
    let tokens = list_tokens(&state.db, user.id).await?;
    Ok(Json(tokens.iter().map(Token::from).collect()))
}

/// Create a personal access token. Its secret is in this response only.
#[utoipa::path(
    post,
    path = "/api/v1/me/tokens",
    tag = "tokens",
    security(("bearer" = [])),
    request_body = NewToken,
    responses(
        (status = 201, description = "Created; `token` holds the secret, shown only this once", body = CreatedToken),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing, invalid, revoked or expired token", body = ErrorBody),
        (status = 403, description = "Account suspended or pending (`account_inactive`)", body = ErrorBody),
        (status = 415, description = "Not `application/json`", body = ErrorBody),
        (status = 422, description = "Invalid values (`invalid`, with `fields`) or wrong JSON shape (`invalid_body`)", body = ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<NewToken>,
) -> AppResult<Response> {
    let (token, secret) = ops::create(
        &state,
        &Actor::person(&user),
        &body.name,
        body.expires_in_days,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(CreatedToken::new(&token, secret))).into_response())
}

/// Revoke one of my tokens; it stops working at once.
#[utoipa::path(
    delete,
    path = "/api/v1/me/tokens/{id}",
    tag = "tokens",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Token id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "Missing, invalid, revoked or expired token", body = ErrorBody),
        (status = 403, description = "Account suspended or pending (`account_inactive`)", body = ErrorBody),
        (status = 404, description = "No such token of mine (or already revoked)", body = ErrorBody),
    )
)]
pub async fn revoke(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    ops::revoke(&state, &Actor::person(&user), id).await?;
    Ok(StatusCode::NO_CONTENT)
}
