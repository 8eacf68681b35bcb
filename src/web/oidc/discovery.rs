//! Discovery document and the published signing keys (JWKS).

use super::*;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::db::now;
use crate::error::AppResult;
use crate::oidc::{SUPPORTED_SCOPES, jws, keys};
use crate::state::AppState;

pub(super) async fn discovery(State(state): State<AppState>) -> Response {
    let iss = issuer(&state);
    let doc = json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}/oauth2/authorize"),
        "token_endpoint": format!("{iss}/oauth2/token"),
        "userinfo_endpoint": format!("{iss}/oauth2/userinfo"),
        "jwks_uri": format!("{iss}/oauth2/jwks"),
        "end_session_endpoint": format!("{iss}/oauth2/logout"),
        "revocation_endpoint": format!("{iss}/oauth2/revoke"),
        "introspection_endpoint": format!("{iss}/oauth2/introspect"),
        "scopes_supported": SUPPORTED_SCOPES,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": jws::Alg::ALL.map(jws::Alg::as_str),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": [
            "iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "azp", "sid",
            "amr", "acr",
            "preferred_username", "username", "name", "picture", "locale", "email", "email_verified", "groups"
        ],
        // `acr_values` with only the MFA profile makes a second factor a
        // requirement; `amr` says which methods were used (RFC 8176).
        "acr_values_supported": crate::oidc::ACR_VALUES,
        "amr_values_supported": crate::oidc::AMR_VALUES,
        "prompt_values_supported": super::authorize::PROMPT_VALUES,
        "ui_locales_supported": ["fr-CA", "en"],
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "authorization_response_iss_parameter_supported": true,
        "frontchannel_logout_supported": false,
        "backchannel_logout_supported": true,
        "backchannel_logout_session_supported": true,
    });
    public_json(doc, "public, max-age=300")
}

pub(super) async fn jwks(State(state): State<AppState>) -> AppResult<Response> {
    let mut published = keys::published(&state.db).await?;
    if published.is_empty() {
        keys::ensure(&state.db, now()).await?;
        published = keys::published(&state.db).await?;
    }
    let keys: Vec<Value> = published.iter().map(keys::PublicKey::to_jwk).collect();
    // Keys are published days before they sign, so a short cache is safe.
    Ok(public_json(json!({ "keys": keys }), "public, max-age=300"))
}

pub(super) fn public_json(v: Value, cache: &'static str) -> Response {
    let mut res = axum::Json(v).into_response();
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    res
}
