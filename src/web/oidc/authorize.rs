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
    #[serde(skip_serializing_if = "String::is_empty")]
    acr_values: String,
}

impl AuthParams {
    /// This request as a local address to come back to once the person has
    /// authenticated (log-in, re-authentication, account choice, sign-up),
    /// without what that step just satisfied — `prompt=login`,
    /// `select_account`, `create` and `max_age` — else it would ask again
    /// forever. The tool still sees the time of that authentication in
    /// `auth_time`.
    fn resume(&self) -> String {
        let mut p = self.clone();
        p.prompt = p
            .prompt
            .split_whitespace()
            .filter(|x| !["login", "select_account", "create"].contains(x))
            .collect::<Vec<_>>()
            .join(" ");
        p.max_age = String::new();
        format!(
            "/oauth2/authorize?{}",
            serde_urlencoded::to_string(&p).unwrap_or_default()
        )
    }
}

/// `prompt` values we answer (OIDC Core §3.1.2.1; `create`: Initiating
/// User Registration via OpenID Connect 1.0). Others are refused with
/// `invalid_request`, as that specification asks.
pub(super) const PROMPT_VALUES: [&str; 5] =
    ["none", "login", "consent", "select_account", "create"];

fn encoded(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
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
    if prompt.iter().any(|x| !PROMPT_VALUES.contains(&x.as_str())) {
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
    if p.nonce.len() > 512 || p.state.len() > 2048 || p.acr_values.len() > 1024 {
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

/// When and how the session's person last authenticated (a log-in, or a
/// re-authentication, which keeps the session).
pub(super) async fn authentication(
    state: &AppState,
    ctx: &Ctx,
) -> AppResult<Option<(i64, String)>> {
    let Some(h) = &ctx.session_hash else {
        return Ok(None);
    };
    Ok(crate::accounts::sessions::authentication(state, h).await?)
}

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
    ctx: Ctx,
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
    let has = |v: &str| c.prompt.iter().any(|x| x == v);
    let none = has("none");
    // Come back here once authenticated, without asking again.
    let resume = p.resume();
    let to_login = format!("/login?next={}", encoded(&resume));
    let Some(user) = ctx.user.clone() else {
        if none {
            return Ok(back.error(&ctx, "login_required", "no one is signed in"));
        }
        if has("create") {
            return Ok(ctx.redirect(&format!("/signup?next={}", encoded(&resume))));
        }
        return Ok(ctx.redirect(&to_login));
    };
    let Some((auth_time, amr)) = authentication(&state, &ctx).await? else {
        return Ok(ctx.redirect(&to_login));
    };
    if !crate::policy::can(Some(&user), crate::policy::Action::SignInToTool) {
        return Ok(back.error(
            &ctx,
            "access_denied",
            "this account cannot sign in to tools",
        ));
    }
    // A tool may require a second factor (`acr_values`): a session without
    // one re-authenticates with it, or is told how to add one.
    let mfa_missing = crate::oidc::acr_values_require_mfa(&p.acr_values)
        && !crate::accounts::sessions::amr::is_multi_factor(&amr);
    if mfa_missing && !crate::totp::has_second_factor(&state.db, user.id).await? {
        if none {
            return Ok(back.error(
                &ctx,
                "unmet_authentication_requirements",
                "this tool requires a second factor, which the account does not have",
            ));
        }
        return Ok(second_factor_needed_page(&state, &ctx, &c, &resume));
    }
    // `prompt=login` always, `max_age` once exceeded: the person proves who
    // they are again, in the same session (nothing is logged out).
    let age = now() - auth_time;
    let reauth = has("login") || c.max_age.is_some_and(|m| age > m) || mfa_missing;
    if reauth && none {
        return Ok(back.error(&ctx, "login_required", "a fresh sign-in is required"));
    }
    let to_reauth = format!("/login/again?next={}", encoded(&resume));
    if has("select_account") {
        let go_on = if reauth { to_reauth } else { resume.clone() };
        return Ok(select_account_page(
            &state, &ctx, &c, &user, &go_on, &resume,
        ));
    }
    if reauth {
        return Ok(ctx.redirect(&to_reauth));
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
    finish_authorization(&state, &ctx, via_page, &c, &p, user.id, auth_time, &amr).await
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn finish_authorization(
    state: &AppState,
    ctx: &Ctx,
    via_page: bool,
    c: &Checked,
    p: &AuthParams,
    user_id: i64,
    auth_time: i64,
    amr: &str,
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
            sid: &crate::accounts::sessions::sid(&state.db, &session).await?,
            auth_time,
            amr,
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
    let Some((auth_time, amr)) = authentication(&state, &ctx).await? else {
        return Err(AppError::Unauthorized);
    };
    flow::remember_consent(&state.db, user.id, &c.client, &c.scopes).await?;
    finish_authorization(&state, &ctx, via_page, &c, &f.p, user.id, auth_time, &amr).await
}

// ---- account choice and second factor ----------------------------------------------

#[derive(Template)]
#[template(path = "oidc_select_account.html")]
pub(super) struct SelectAccountPage {
    s: Shell,
    tool: String,
    name: String,
    username: String,
    /// Where "continue" goes (the request again, or a re-authentication first).
    go_on: String,
    /// The request again, for the log-in after "use another account".
    resume: String,
}

/// `prompt=select_account`: the account signed in here, to continue with,
/// or to leave for another one (`/login/switch` ends this session — with
/// back-channel logout to its tools — and logs in again).
fn select_account_page(
    state: &AppState,
    ctx: &Ctx,
    c: &Checked,
    user: &crate::accounts::User,
    go_on: &str,
    resume: &str,
) -> Response {
    let title = ctx.t("oidc-select-account-title");
    let mut res = page(
        ctx,
        &SelectAccountPage {
            s: Shell::new(state, ctx, &title, ""),
            tool: c.client.name.clone(),
            name: user.shown_name().to_string(),
            username: user.username.clone(),
            go_on: go_on.to_string(),
            resume: resume.to_string(),
        },
    );
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

#[derive(Template)]
#[template(path = "oidc_second_factor_needed.html")]
pub(super) struct SecondFactorNeededPage {
    s: Shell,
    tool: String,
    /// Enrolment, coming back to the request afterwards.
    enrol: String,
    /// Back to the tool with `unmet_authentication_requirements`.
    back: String,
}

/// A tool requires a second factor (`acr_values`) and the account has none:
/// say so, with the way to add one and come back, or to return to the tool.
fn second_factor_needed_page(state: &AppState, ctx: &Ctx, c: &Checked, resume: &str) -> Response {
    let back = url::Url::parse(&c.redirect_uri)
        .map(|mut u| {
            {
                let mut q = u.query_pairs_mut();
                q.append_pair("error", "unmet_authentication_requirements");
                if !c.state.is_empty() {
                    q.append_pair("state", &c.state);
                }
                q.append_pair("iss", &issuer(state));
            }
            u.to_string()
        })
        .unwrap_or_default();
    let title = ctx.t("oidc-second-factor-needed-title");
    let mut res = page(
        ctx,
        &SecondFactorNeededPage {
            s: Shell::new(state, ctx, &title, ""),
            tool: c.client.name.clone(),
            enrol: format!("/settings/security?next={}", encoded(resume)),
            back,
        },
    );
    *res.status_mut() = StatusCode::FORBIDDEN;
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}
