//! OpenID Connect provider endpoints: discovery, JWKS, authorization (with
//! the log-in round trip and the consent screen), token, userinfo,
//! revocation, introspection and RP-initiated logout. Domain logic is in
//! `crate::oidc`; wire formats (OAuth JSON errors, redirects) live here.
//!
//! Order of checks at `/oauth2/authorize`: the client and its exact
//! redirect URI first — until both are known good every error is a page
//! here, never a redirect; only then are protocol errors sent back to the
//! tool.

mod authorize;
mod discovery;
mod logout;
mod resources;
mod token;

use axum::Router;
use axum::routing::{get, post};

use super::AppState;
use crate::error::AppError;
use crate::oidc::keys;
use authorize::*;
use discovery::*;
use logout::*;
use resources::*;
use token::*;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/oauth2/jwks", get(jwks))
        .route("/oauth2/authorize", get(authorize_get).post(authorize_post))
        .route("/oauth2/consent", post(consent_submit))
        .route("/oauth2/token", post(token))
        .route("/oauth2/userinfo", get(userinfo).post(userinfo))
        .route("/oauth2/revoke", post(revoke))
        .route("/oauth2/introspect", post(introspect))
        .route("/oauth2/logout", get(logout_get).post(logout_post))
        .route("/oauth2/logout/confirm", post(logout_confirm))
}

pub(super) fn issuer(state: &AppState) -> String {
    state.config.public_url()
}

pub(super) fn provider(state: &AppState) -> (String, &keys::KeyCache) {
    (issuer(state), &state.oidc_keys)
}

/// A page-level refusal (never a redirect): 400 with a translated message.
pub(super) fn refuse(code: &'static str, message_key: &'static str) -> AppError {
    AppError::BadRequest { code, message_key }
}
