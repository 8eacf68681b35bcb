//! Bearer resources for tools: userinfo, token introspection and revocation.

use super::*;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::error::AppError;
use crate::oidc::flow::{self};
use crate::state::AppState;

pub(super) fn bearer_error(description: &str) -> Response {
    let mut res = oauth_json(
        StatusCode::UNAUTHORIZED,
        json!({ "error": "invalid_token", "error_description": description }),
    );
    res.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer error=\"invalid_token\""),
    );
    res
}

pub(super) async fn userinfo(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let from_header = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_string());
    let token = match from_header {
        Some(t) => t,
        None => match parse_form(&body) {
            Ok(f) => match field(&f, "access_token") {
                Some(t) => t.to_string(),
                None => return bearer_error("no access token"),
            },
            Err(r) => return r,
        },
    };
    let info = match flow::token_info(&state.db, &token).await {
        Ok(Some(i)) if i.kind == "access" => i,
        Ok(_) => return bearer_error("unknown, expired or revoked token"),
        Err(e) => return AppError::from(e).into_response(),
    };
    match flow::userinfo_claims(&state.db, &issuer(&state), &info).await {
        Ok(claims) => oauth_json(StatusCode::OK, Value::Object(claims)),
        Err(e) => AppError::from(e).into_response(),
    }
}

pub(super) async fn introspect(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = match parse_form(&body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let client = match client_auth(&state, &headers, &form, false).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(token) = field(&form, "token") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "token is required",
        );
    };
    let info = match flow::token_info(&state.db, token).await {
        Ok(i) => i,
        Err(e) => return AppError::from(e).into_response(),
    };
    // Only the client a token was issued to learns anything about it.
    let Some(i) = info.filter(|i| i.client_pk == client.id) else {
        return oauth_json(StatusCode::OK, json!({ "active": false }));
    };
    oauth_json(
        StatusCode::OK,
        json!({
            "active": true,
            "scope": i.scope,
            "client_id": i.client_id,
            "sub": i.user.id.to_string(),
            "username": i.user.username,
            "token_type": if i.kind == "access" { "Bearer" } else { "refresh_token" },
            "exp": i.expires_at,
            "iat": i.issued_at,
            "iss": issuer(&state),
            "aud": i.client_id,
        }),
    )
}

pub(super) async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = match parse_form(&body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let client = match client_auth(&state, &headers, &form, true).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(token) = field(&form, "token") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "token is required",
        );
    };
    match flow::revoke_token(&state.db, &client, token).await {
        Ok(()) => oauth_json(StatusCode::OK, json!({})),
        Err(e) => AppError::from(e).into_response(),
    }
}
