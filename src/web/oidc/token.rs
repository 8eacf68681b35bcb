//! `/oauth2/token`: client authentication, code and refresh-token grants,
//! OAuth JSON errors.

use super::*;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::error::AppError;
use crate::oidc::clients::{self, Client};
use crate::oidc::flow::{self, Provider, TokenError};
use crate::state::AppState;

/// JSON for the back-channel endpoints: never cached (RFC 6749 §5.1).
pub(super) fn oauth_json(status: StatusCode, v: Value) -> Response {
    let mut res = (status, axum::Json(v)).into_response();
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    res
}

pub(super) fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut res = oauth_json(
        status,
        json!({ "error": error, "error_description": description }),
    );
    if status == StatusCode::UNAUTHORIZED {
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"oauth2\""),
        );
    }
    res
}

pub(super) type Form = Vec<(String, String)>;

pub(super) fn field<'a>(form: &'a Form, name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

pub(super) fn parse_form(body: &[u8]) -> Result<Form, Response> {
    let form: Form = serde_urlencoded::from_bytes(body).map_err(|_| {
        oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "malformed form body",
        )
    })?;
    // RFC 6749 §3.1: parameters must not be repeated.
    let mut names: Vec<&str> = form.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    if names.windows(2).any(|w| w[0] == w[1]) {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "repeated parameter",
        ));
    }
    Ok(form)
}

pub(super) fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(&s.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// Authenticate the calling client: client_secret_basic, client_secret_post,
/// or a public client naming itself. `allow_public` is false where a
/// public client has no business (introspection).
pub(super) async fn client_auth(
    state: &AppState,
    headers: &HeaderMap,
    form: &Form,
    allow_public: bool,
) -> Result<Client, Response> {
    let invalid = || {
        oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        )
    };
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Basic ")
                .or_else(|| v.strip_prefix("basic "))
        })
        .map(|b| {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
                .and_then(|raw| String::from_utf8(raw).ok())
                .and_then(|s| {
                    s.split_once(':')
                        .map(|(id, secret)| (percent_decode(id), percent_decode(secret)))
                })
        });
    let (client_id, secret) = match basic {
        Some(None) => return Err(invalid()),
        Some(Some((id, secret))) => {
            if field(form, "client_secret").is_some()
                || field(form, "client_id").is_some_and(|f| f != id)
            {
                return Err(oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "use one client authentication method",
                ));
            }
            (id, Some(secret))
        }
        None => (
            field(form, "client_id").unwrap_or("").to_string(),
            field(form, "client_secret").map(str::to_string),
        ),
    };
    let client = match clients::by_client_id(&state.db, &client_id).await {
        Ok(Some(c)) => c,
        Ok(None) => return Err(invalid()),
        Err(e) => return Err(AppError::from(e).into_response()),
    };
    match (client.is_public, secret) {
        (false, Some(s)) if client.check_secret(&s) => Ok(client),
        (true, None) if allow_public => Ok(client),
        _ => Err(invalid()),
    }
}

pub(super) async fn token(
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
    let (iss, keys) = provider(&state);
    let p = Provider {
        db: &state.db,
        issuer: &iss,
        keys,
        refresh_grace: state.config.oidc_refresh_grace_secs.clamp(0, 300),
    };
    let result = match field(&form, "grant_type").unwrap_or("") {
        "authorization_code" => {
            let (Some(code), Some(redirect_uri)) =
                (field(&form, "code"), field(&form, "redirect_uri"))
            else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "code and redirect_uri are required",
                );
            };
            flow::redeem_code(
                &p,
                &client,
                code,
                redirect_uri,
                field(&form, "code_verifier"),
            )
            .await
        }
        "refresh_token" => {
            let Some(rt) = field(&form, "refresh_token") else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "refresh_token is required",
                );
            };
            flow::refresh(&p, &client, rt, field(&form, "scope")).await
        }
        "" => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is required",
            );
        }
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "only authorization_code and refresh_token",
            );
        }
    };
    match result {
        Ok(Ok(t)) => {
            let mut body = json!({
                "access_token": t.access_token,
                "token_type": "Bearer",
                "expires_in": t.expires_in,
                "id_token": t.id_token,
                "scope": t.scope,
            });
            if let Some(r) = t.refresh_token {
                body["refresh_token"] = json!(r);
            }
            oauth_json(StatusCode::OK, body)
        }
        Ok(Err(TokenError::InvalidGrant(why))) => {
            oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", why)
        }
        Ok(Err(TokenError::InvalidRequest(why))) => {
            oauth_error(StatusCode::BAD_REQUEST, "invalid_request", why)
        }
        Ok(Err(TokenError::InvalidScope)) => oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "more than was granted",
        ),
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "token endpoint failed");
            oauth_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "internal error",
            )
        }
    }
}
