//! `/api/v1/me/tokens`: personal access tokens over HTTP. The tokens, their
//! storage and the operations creating and revoking them are
//! `crate::accounts::tokens` (shared with the settings page).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{delete, get};
use axum::{Json, Router};

use super::extract::{ApiUser, error, own};
use super::wire::{ErrorBody, Token};
use crate::accounts::tokens as ops;
use crate::actor::Actor;
use crate::error::AppResult;
use crate::state::AppState;

/// Where the token functions were before they moved beneath the entry
/// points (other modules and the tests still name them here).
pub use crate::accounts::tokens::{
    ApiToken, DISPLAY_PREFIX_LEN, EXPIRES_DAYS_MAX, NAME_MAX, SECRET_PREFIX, Scope, authenticate,
    check_name, create_token, create_token_scoped, get_token, list_tokens, revoke_all_tokens,
    revoke_token,
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

/// Tokens cannot make tokens: a token is made on the settings page
/// (`/settings/tokens`), signed in, with its scope chosen there. This
/// answer is always 403 `tokens_cannot_create_tokens` (a stolen token must
/// not be able to mint others that outlive its revocation).
#[utoipa::path(
    post,
    path = "/api/v1/me/tokens",
    tag = "tokens",
    security(("bearer" = [])),
    responses(
        (status = 401, description = "Missing, invalid, revoked or expired token", body = ErrorBody),
        (status = 403, description = "Always: `tokens_cannot_create_tokens` (or `account_inactive`, `insufficient_scope`)", body = ErrorBody),
    )
)]
pub async fn create(ApiUser(_): ApiUser) -> Response {
    error(
        StatusCode::FORBIDDEN,
        "tokens_cannot_create_tokens",
        "api-tokens-cannot-create-tokens",
        Vec::new(),
    )
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
