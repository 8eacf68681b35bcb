//! RP-initiated logout: the hint, the confirmation page, the way back.

use super::*;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::db::now;
use crate::error::AppResult;
use crate::oidc::clients::{self};
use crate::oidc::{LEEWAY, jws, keys};
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::templates::{Shell, page};

#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub(super) struct LogoutParams {
    #[serde(skip_serializing_if = "String::is_empty")]
    id_token_hint: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    post_logout_redirect_uri: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    state: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    client_id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    logout_hint: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    ui_locales: String,
}

/// An `id_token_hint` we issued: signature by a published key of ours, our
/// issuer, not from the future. Expiry is not held against it (OIDC
/// RP-Initiated Logout §2: hints are often old).
pub async fn verify_id_token_hint(state: &AppState, token: &str) -> AppResult<Value> {
    let bad = || refuse("oidc_bad_hint", "oidc-error-hint");
    let u = jws::parse(token).map_err(|_| bad())?;
    let Some((alg, key)) = keys::public(&state.db, &u.kid).await? else {
        return Err(bad());
    };
    let claims = u.verify_with(alg, &key).map_err(|_| bad())?;
    if claims.get("iss").and_then(Value::as_str) != Some(issuer(state).as_str())
        || claims
            .get("iat")
            .and_then(Value::as_i64)
            .is_none_or(|iat| iat > now() + LEEWAY)
    {
        return Err(bad());
    }
    Ok(claims)
}

/// The logout request, checked: which client, where to go afterwards.
pub(super) struct LogoutTarget {
    hint_sub: Option<String>,
    /// The verified post-logout address, with `state`.
    redirect: Option<(String, String)>,
    client_name: Option<String>,
}

pub(super) async fn check_logout(state: &AppState, p: &LogoutParams) -> AppResult<LogoutTarget> {
    let hint = if p.id_token_hint.is_empty() {
        None
    } else {
        Some(verify_id_token_hint(state, &p.id_token_hint).await?)
    };
    let hint_aud = hint.as_ref().and_then(|c| match c.get("aud") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Array(a)) => a.first().and_then(Value::as_str).map(str::to_string),
        _ => None,
    });
    let client_id = match (p.client_id.as_str(), hint_aud) {
        ("", aud) => aud,
        (id, Some(aud)) if id != aud => {
            return Err(refuse("oidc_bad_hint", "oidc-error-hint"));
        }
        (id, _) => Some(id.to_string()),
    };
    let client = match &client_id {
        Some(id) => Some(
            clients::by_client_id(&state.db, id)
                .await?
                .ok_or(refuse("oidc_unknown_client", "oidc-error-client"))?,
        ),
        None => None,
    };
    let redirect = if p.post_logout_redirect_uri.is_empty() {
        None
    } else {
        match &client {
            Some(c) if c.has_post_logout_uri(&p.post_logout_redirect_uri) => {
                Some((p.post_logout_redirect_uri.clone(), p.state.clone()))
            }
            _ => return Err(refuse("oidc_bad_redirect", "oidc-error-logout-redirect")),
        }
    };
    Ok(LogoutTarget {
        hint_sub: hint
            .as_ref()
            .and_then(|c| c.get("sub"))
            .and_then(Value::as_str)
            .map(str::to_string),
        redirect,
        client_name: client.map(|c| c.name),
    })
}

#[derive(Template)]
#[template(path = "oidc_logout.html")]
pub(super) struct LogoutPage {
    s: Shell,
    client_name: Option<String>,
    fields: Vec<(String, String)>,
    done: bool,
}

pub(super) fn after_logout(
    state: &AppState,
    ctx: &Ctx,
    via_page: bool,
    t: &LogoutTarget,
) -> Response {
    match &t.redirect {
        Some((uri, st)) => redirect_out(state, ctx, via_page, uri, &[("state", st)]),
        None => page(
            ctx,
            &LogoutPage {
                s: Shell::new(state, ctx, &ctx.t("oidc-logout-done"), ""),
                client_name: t.client_name.clone(),
                fields: Vec::new(),
                done: true,
            },
        ),
    }
}

pub(super) async fn logout_get(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(p): Query<LogoutParams>,
) -> AppResult<Response> {
    logout(state, ctx, via_page(&headers), p).await
}

pub(super) async fn logout_post(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    let p: LogoutParams = serde_urlencoded::from_bytes(&body)
        .map_err(|_| refuse("oidc_bad_request", "oidc-error-request"))?;
    logout(state, ctx, via_page(&headers), p).await
}

pub(super) async fn logout(
    state: AppState,
    mut ctx: Ctx,
    via_page: bool,
    p: LogoutParams,
) -> AppResult<Response> {
    let t = check_logout(&state, &p).await?;
    let Some(user) = ctx.user.clone() else {
        // Nobody to sign out here: go on.
        return Ok(after_logout(&state, &ctx, via_page, &t));
    };
    if t.hint_sub.as_deref() == Some(user.id.to_string().as_str()) {
        // The tool proves which session it means: sign out at once.
        ctx.log_out(&state).await?;
        return Ok(after_logout(&state, &ctx, via_page, &t));
    }
    // Otherwise ask (a bare link must not sign anyone out).
    let fields = serde_urlencoded::to_string(&p)
        .ok()
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(&q).ok())
        .unwrap_or_default();
    Ok(page(
        &ctx,
        &LogoutPage {
            s: Shell::new(&state, &ctx, &ctx.t("oidc-logout-title"), ""),
            client_name: t.client_name,
            fields,
            done: false,
        },
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct LogoutConfirm {
    csrf: String,
    #[serde(flatten)]
    p: LogoutParams,
}

pub(super) async fn logout_confirm(
    State(state): State<AppState>,
    mut ctx: Ctx,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    let f: LogoutConfirm = serde_urlencoded::from_bytes(&body)
        .map_err(|_| refuse("oidc_bad_request", "oidc-error-request"))?;
    ctx.verify_csrf(&f.csrf)?;
    let t = check_logout(&state, &f.p).await?;
    ctx.log_out(&state).await?;
    Ok(after_logout(&state, &ctx, via_page(&headers), &t))
}
