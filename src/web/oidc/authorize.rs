//! `/oauth2/authorize`: checks, the log-in round trip, the consent screen,
//! and the redirect back to the tool.

use super::*;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::db::now;
use crate::error::{AppError, AppResult};
use crate::oidc::clients::{self, Client};
use crate::oidc::flow::{self, CodeRequest};
use crate::oidc::sid_of;
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::templates::{Shell, page};

#[derive(Deserialize, Serialize, Default, Clone, Debug)]
#[serde(default)]
pub struct AuthParams {
    #[serde(skip_serializing_if = "String::is_empty")]
    client_id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    redirect_uri: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    response_type: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    scope: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    state: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    nonce: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    code_challenge: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    code_challenge_method: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    prompt: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    max_age: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    response_mode: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    request: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    request_uri: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    ui_locales: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    login_hint: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    id_token_hint: String,
}

/// A request whose client and redirect URI are known good: from here on,
/// errors go back to the tool.
pub(super) struct Checked {
    client: Client,
    redirect_uri: String,
    state: String,
    scopes: Vec<String>,
    prompt: Vec<String>,
    max_age: Option<i64>,
}

/// Where protocol errors go once the redirect URI is trusted.
pub(super) struct BackToTool {
    redirect_uri: String,
    state: String,
    issuer: String,
    app: AppState,
    via_page: bool,
}

impl BackToTool {
    fn error(&self, ctx: &Ctx, error: &str, description: &str) -> Response {
        redirect_out(
            &self.app,
            ctx,
            self.via_page,
            &self.redirect_uri,
            &[
                ("error", error),
                ("error_description", description),
                ("state", &self.state),
                ("iss", &self.issuer),
            ],
        )
    }
}

/// Whether leaving for a tool must go through a page rather than a 302:
/// when the browser got here by a same-origin navigation — in particular
/// the redirect that follows our own log-in, consent or logout forms —
/// browsers apply the form's CSP `form-action 'self'` to the redirect chain
/// and would block a redirect to the tool. Clients without Fetch Metadata
/// (HTTP libraries) get the 302.
pub(super) fn via_page(headers: &HeaderMap) -> bool {
    let h = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    h("sec-fetch-site") == Some("same-origin") && h("sec-fetch-mode") == Some("navigate")
}

#[derive(Template)]
#[template(path = "oidc_continue.html")]
pub(super) struct ContinuePage {
    s: Shell,
    target: String,
}

/// To a (verified) address of a tool, with query parameters appended: a
/// 302, or a page that moves on at once (`via_page`).
pub(super) fn redirect_out(
    state: &AppState,
    ctx: &Ctx,
    via_page: bool,
    base: &str,
    params: &[(&str, &str)],
) -> Response {
    let target = match url::Url::parse(base) {
        Ok(mut u) => {
            {
                let mut q = u.query_pairs_mut();
                for (k, v) in params {
                    if !v.is_empty() {
                        q.append_pair(k, v);
                    }
                }
            }
            u.to_string()
        }
        Err(_) => return ctx.finish(refuse("oidc_bad_redirect", "oidc-error-redirect")),
    };
    let mut res = if via_page {
        crate::web::templates::html(&ContinuePage {
            s: Shell::new(state, ctx, &ctx.t("oidc-continue-title"), ""),
            target,
        })
    } else {
        let mut res = StatusCode::FOUND.into_response();
        if let Ok(v) = HeaderValue::from_str(&target) {
            res.headers_mut().insert(header::LOCATION, v);
        }
        res
    };
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    ctx.finish(res)
}

/// Check a request: `Err(Ok(page error))` before the redirect URI is
/// trusted, `Err(Err(response))` for errors sent back to the tool.
pub(super) async fn check(
    state: &AppState,
    ctx: &Ctx,
    via_page: bool,
    p: &AuthParams,
) -> Result<Checked, Result<AppError, Response>> {
    let client = match clients::by_client_id(&state.db, &p.client_id).await {
        Ok(Some(c)) => c,
        Ok(None) => return Err(Ok(refuse("oidc_unknown_client", "oidc-error-client"))),
        Err(e) => return Err(Ok(e.into())),
    };
    if p.redirect_uri.is_empty() || !client.has_redirect_uri(&p.redirect_uri) {
        return Err(Ok(refuse("oidc_bad_redirect", "oidc-error-redirect")));
    }
    let back = BackToTool {
        redirect_uri: p.redirect_uri.clone(),
        state: p.state.clone(),
        issuer: issuer(state),
        app: state.clone(),
        via_page,
    };
    let fail = |e: &str, d: &str| Err(Err(back.error(ctx, e, d)));
    if !p.request.is_empty() {
        return fail("request_not_supported", "request objects are not supported");
    }
    if !p.request_uri.is_empty() {
        return fail("request_uri_not_supported", "request_uri is not supported");
    }
    if p.response_type != "code" {
        return fail(
            "unsupported_response_type",
            "only the authorization code flow (response_type=code) is supported",
        );
    }
    if !p.response_mode.is_empty() && p.response_mode != "query" {
        return fail("invalid_request", "only response_mode=query is supported");
    }
    let scopes = flow::granted_scopes(&p.scope, &client);
    if !scopes.iter().any(|s| s == "openid") {
        return fail("invalid_scope", "the openid scope is required");
    }
    // PKCE: S256 only; never default to plain; mandatory for public clients.
    if p.code_challenge.is_empty() {
        if !p.code_challenge_method.is_empty() {
            return fail(
                "invalid_request",
                "code_challenge_method without code_challenge",
            );
        }
        if client.pkce_required() {
            return fail(
                "invalid_request",
                "PKCE with S256 is required for this client",
            );
        }
    } else {
        if p.code_challenge_method != "S256" {
            return fail(
                "invalid_request",
                "code_challenge_method must be S256 (plain is not accepted)",
            );
        }
        if p.code_challenge.len() != 43
            || !p
                .code_challenge
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return fail("invalid_request", "malformed code_challenge");
        }
    }
    let prompt: Vec<String> = p.prompt.split_whitespace().map(str::to_string).collect();
    if prompt
        .iter()
        .any(|x| !["none", "login", "consent"].contains(&x.as_str()))
    {
        return fail("invalid_request", "unsupported prompt value");
    }
    if prompt.iter().any(|x| x == "none") && prompt.len() > 1 {
        return fail("invalid_request", "prompt=none cannot be combined");
    }
    let max_age = if p.max_age.is_empty() {
        None
    } else {
        match p.max_age.parse::<i64>() {
            Ok(v) if v >= 0 => Some(v),
            _ => return fail("invalid_request", "max_age must be a number of seconds"),
        }
    };
    if p.nonce.len() > 512 || p.state.len() > 2048 {
        return fail("invalid_request", "state or nonce too long");
    }
    Ok(Checked {
        client,
        redirect_uri: p.redirect_uri.clone(),
        state: p.state.clone(),
        scopes,
        prompt,
        max_age,
    })
}

/// When the session was authenticated (its creation: sessions rotate at log-in).
pub(super) async fn auth_time(state: &AppState, ctx: &Ctx) -> AppResult<Option<i64>> {
    let Some(h) = &ctx.session_hash else {
        return Ok(None);
    };
    Ok(crate::accounts::sessions::created_at(state, h).await?)
}

/// An authentication this recent satisfies `prompt=login` and `max_age`
/// (otherwise the round trip through the log-in page would loop).
pub(super) const FRESH_LOGIN: i64 = 120;

pub(super) async fn authorize_get(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(p): Query<AuthParams>,
) -> AppResult<Response> {
    authorize(state, ctx, via_page(&headers), p).await
}

pub(super) async fn authorize_post(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    let p: AuthParams = serde_urlencoded::from_bytes(&body)
        .map_err(|_| refuse("oidc_bad_request", "oidc-error-request"))?;
    authorize(state, ctx, via_page(&headers), p).await
}

pub(super) async fn authorize(
    state: AppState,
    mut ctx: Ctx,
    via_page: bool,
    p: AuthParams,
) -> AppResult<Response> {
    let c = match check(&state, &ctx, via_page, &p).await {
        Ok(c) => c,
        Err(Ok(page_error)) => return Err(page_error),
        Err(Err(to_tool)) => return Ok(to_tool),
    };
    let back = BackToTool {
        redirect_uri: c.redirect_uri.clone(),
        state: c.state.clone(),
        issuer: issuer(&state),
        app: state.clone(),
        via_page,
    };
    let none = c.prompt.iter().any(|x| x == "none");
    // Come back here, with the same parameters, after logging in.
    let here = format!(
        "/oauth2/authorize?{}",
        serde_urlencoded::to_string(&p).unwrap_or_default()
    );
    let to_login = |ctx: &Ctx| {
        ctx.redirect(&format!(
            "/login?next={}",
            percent_encoding::utf8_percent_encode(&here, percent_encoding::NON_ALPHANUMERIC)
        ))
    };
    let Some(user) = ctx.user.clone() else {
        if none {
            return Ok(back.error(&ctx, "login_required", "no one is signed in"));
        }
        return Ok(to_login(&ctx));
    };
    let Some(auth_time) = auth_time(&state, &ctx).await? else {
        return Ok(to_login(&ctx));
    };
    let age = now() - auth_time;
    let stale = (c.prompt.iter().any(|x| x == "login") && age > FRESH_LOGIN)
        || c.max_age.is_some_and(|m| age > m.max(FRESH_LOGIN));
    if stale {
        if none {
            return Ok(back.error(&ctx, "login_required", "a fresh sign-in is required"));
        }
        ctx.log_out(&state).await?;
        return Ok(to_login(&ctx));
    }
    if !crate::policy::can(Some(&user), crate::policy::Action::SignInToTool) {
        return Ok(back.error(
            &ctx,
            "access_denied",
            "this account cannot sign in to tools",
        ));
    }
    let asked_consent = c.prompt.iter().any(|x| x == "consent") && !c.client.first_party;
    if asked_consent || flow::needs_consent(&state.db, user.id, &c.client, &c.scopes).await? {
        if none {
            return Ok(back.error(
                &ctx,
                "consent_required",
                "the person has not allowed this tool",
            ));
        }
        return Ok(consent_page(&state, &ctx, &c, &p));
    }
    finish_authorization(&state, &ctx, via_page, &c, &p, user.id, auth_time).await
}

pub(super) async fn finish_authorization(
    state: &AppState,
    ctx: &Ctx,
    via_page: bool,
    c: &Checked,
    p: &AuthParams,
    user_id: i64,
    auth_time: i64,
) -> AppResult<Response> {
    let session = ctx.session_hash.clone().unwrap_or_default();
    let code = flow::issue_code(
        &state.db,
        CodeRequest {
            client: &c.client,
            user_id,
            redirect_uri: &c.redirect_uri,
            scopes: &c.scopes,
            nonce: (!p.nonce.is_empty()).then_some(p.nonce.as_str()),
            code_challenge: (!p.code_challenge.is_empty()).then_some(p.code_challenge.as_str()),
            sid: &sid_of(&session),
            auth_time,
        },
    )
    .await?;
    let iss = issuer(state);
    Ok(redirect_out(
        state,
        ctx,
        via_page,
        &c.redirect_uri,
        &[("code", &code), ("state", &c.state), ("iss", &iss)],
    ))
}

// ---- consent ----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "oidc_consent.html")]
pub(super) struct ConsentPage {
    s: Shell,
    name: String,
    initial: String,
    /// The tool's icon, stored here.
    icon: Option<String>,
    description: String,
    home_url: String,
    /// Translated lines: what the tool will receive.
    claims: Vec<String>,
    offline: bool,
    /// Hidden fields carrying the request.
    fields: Vec<(String, String)>,
}

pub(super) fn consent_page(state: &AppState, ctx: &Ctx, c: &Checked, p: &AuthParams) -> Response {
    let claims = c
        .scopes
        .iter()
        .filter(|s| s.as_str() != "offline_access")
        .map(|s| ctx.t(&format!("oidc-scope-{}", s.replace('_', "-"))))
        .collect();
    let fields = serde_urlencoded::to_string(p)
        .ok()
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(&q).ok())
        .unwrap_or_default();
    let title = ctx.lang.ta(
        "oidc-consent-title",
        &[("name", crate::i18n::Arg::from(c.client.name.as_str()))],
    );
    let mut res = page(
        ctx,
        &ConsentPage {
            s: Shell::new(state, ctx, &title, ""),
            name: c.client.name.clone(),
            initial: c.client.initial(),
            icon: c.client.icon_src(),
            description: c.client.description.clone(),
            home_url: c.client.home_url.clone(),
            claims,
            offline: c.scopes.iter().any(|s| s == "offline_access"),
            fields,
        },
    );
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ConsentForm {
    csrf: String,
    decision: String,
    #[serde(flatten)]
    p: AuthParams,
}

pub(super) async fn consent_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    let f: ConsentForm = serde_urlencoded::from_bytes(&body)
        .map_err(|_| refuse("oidc_bad_request", "oidc-error-request"))?;
    ctx.verify_csrf(&f.csrf)?;
    let via_page = via_page(&headers);
    let c = match check(&state, &ctx, via_page, &f.p).await {
        Ok(c) => c,
        Err(Ok(page_error)) => return Err(page_error),
        Err(Err(to_tool)) => return Ok(to_tool),
    };
    let back = BackToTool {
        redirect_uri: c.redirect_uri.clone(),
        state: c.state.clone(),
        issuer: issuer(&state),
        app: state.clone(),
        via_page,
    };
    let Some(user) = ctx.user.clone() else {
        return Err(AppError::Unauthorized);
    };
    if f.decision != "allow" {
        return Ok(back.error(&ctx, "access_denied", "the person declined"));
    }
    if !crate::policy::can(Some(&user), crate::policy::Action::SignInToTool) {
        return Ok(back.error(
            &ctx,
            "access_denied",
            "this account cannot sign in to tools",
        ));
    }
    let Some(auth_time) = auth_time(&state, &ctx).await? else {
        return Err(AppError::Unauthorized);
    };
    flow::remember_consent(&state.db, user.id, &c.client, &c.scopes).await?;
    finish_authorization(&state, &ctx, via_page, &c, &f.p, user.id, auth_time).await
}
