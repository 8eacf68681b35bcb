//! OpenID Connect provider endpoints: discovery, JWKS, authorization (with
//! the log-in round trip and the consent screen), token, userinfo,
//! revocation, introspection and RP-initiated logout. Domain logic is in
//! `crate::oidc`; wire formats (OAuth JSON errors, redirects) live here.
//!
//! Order of checks at `/oauth2/authorize`: the client and its exact
//! redirect URI first — until both are known good every error is a page
//! here, never a redirect; only then are protocol errors sent back to the
//! tool.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::AppState;
use super::ctx::Ctx;
use super::templates::{Shell, page};
use crate::db::now;
use crate::error::{AppError, AppResult};
use crate::oidc::clients::{self, Client};
use crate::oidc::flow::{self, CodeRequest, Provider, TokenError};
use crate::oidc::{LEEWAY, SUPPORTED_SCOPES, jws, keys, sid_of};

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

fn issuer(state: &AppState) -> String {
    state.config.public_url()
}

fn provider(state: &AppState) -> (String, &keys::KeyCache) {
    (issuer(state), &state.oidc_keys)
}

/// A page-level refusal (never a redirect): 400 with a translated message.
fn refuse(code: &'static str, message_key: &'static str) -> AppError {
    AppError::BadRequest { code, message_key }
}

// ---- discovery and keys -------------------------------------------------------------

async fn discovery(State(state): State<AppState>) -> Response {
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
            "preferred_username", "username", "name", "picture", "locale", "email", "email_verified", "groups"
        ],
        "prompt_values_supported": ["none", "login", "consent"],
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

async fn jwks(State(state): State<AppState>) -> AppResult<Response> {
    let mut published = keys::published(&state.db).await?;
    if published.is_empty() {
        keys::ensure(&state.db, now()).await?;
        published = keys::published(&state.db).await?;
    }
    let keys: Vec<Value> = published.iter().map(keys::PublicKey::to_jwk).collect();
    // Keys are published days before they sign, so a short cache is safe.
    Ok(public_json(json!({ "keys": keys }), "public, max-age=300"))
}

fn public_json(v: Value, cache: &'static str) -> Response {
    let mut res = axum::Json(v).into_response();
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    res
}

// ---- authorization --------------------------------------------------------------------

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
struct Checked {
    client: Client,
    redirect_uri: String,
    state: String,
    scopes: Vec<String>,
    prompt: Vec<String>,
    max_age: Option<i64>,
}

/// Where protocol errors go once the redirect URI is trusted.
struct BackToTool {
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
fn via_page(headers: &HeaderMap) -> bool {
    let h = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    h("sec-fetch-site") == Some("same-origin") && h("sec-fetch-mode") == Some("navigate")
}

#[derive(Template)]
#[template(path = "oidc_continue.html")]
struct ContinuePage {
    s: Shell,
    target: String,
}

/// To a (verified) address of a tool, with query parameters appended: a
/// 302, or a page that moves on at once (`via_page`).
fn redirect_out(
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
        super::templates::html(&ContinuePage {
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
async fn check(
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
async fn auth_time(state: &AppState, ctx: &Ctx) -> AppResult<Option<i64>> {
    let Some(h) = &ctx.session_hash else {
        return Ok(None);
    };
    Ok(
        sqlx::query_scalar("SELECT created_at FROM sessions WHERE id_hash = $1")
            .bind(h)
            .fetch_optional(&state.db.pool)
            .await?,
    )
}

/// An authentication this recent satisfies `prompt=login` and `max_age`
/// (otherwise the round trip through the log-in page would loop).
const FRESH_LOGIN: i64 = 120;

async fn authorize_get(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(p): Query<AuthParams>,
) -> AppResult<Response> {
    authorize(state, ctx, via_page(&headers), p).await
}

async fn authorize_post(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    let p: AuthParams = serde_urlencoded::from_bytes(&body)
        .map_err(|_| refuse("oidc_bad_request", "oidc-error-request"))?;
    authorize(state, ctx, via_page(&headers), p).await
}

async fn authorize(
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

async fn finish_authorization(
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
struct ConsentPage {
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

fn consent_page(state: &AppState, ctx: &Ctx, c: &Checked, p: &AuthParams) -> Response {
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
struct ConsentForm {
    csrf: String,
    decision: String,
    #[serde(flatten)]
    p: AuthParams,
}

async fn consent_submit(
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

// ---- token endpoint -----------------------------------------------------------------------

/// JSON for the back-channel endpoints: never cached (RFC 6749 §5.1).
fn oauth_json(status: StatusCode, v: Value) -> Response {
    let mut res = (status, axum::Json(v)).into_response();
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    res
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
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

type Form = Vec<(String, String)>;

fn field<'a>(form: &'a Form, name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn parse_form(body: &[u8]) -> Result<Form, Response> {
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

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(&s.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// Authenticate the calling client: client_secret_basic, client_secret_post,
/// or a public client naming itself. `allow_public` is false where a
/// public client has no business (introspection).
async fn client_auth(
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

async fn token(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
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

// ---- userinfo, introspection, revocation --------------------------------------------------

fn bearer_error(description: &str) -> Response {
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

async fn userinfo(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
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
    match flow::user_claims(&state.db, &issuer(&state), &info.user, &info.scope).await {
        Ok(claims) => oauth_json(StatusCode::OK, Value::Object(claims)),
        Err(e) => AppError::from(e).into_response(),
    }
}

async fn introspect(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
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

async fn revoke(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
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

// ---- RP-initiated logout --------------------------------------------------------------------

#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
struct LogoutParams {
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
struct LogoutTarget {
    hint_sub: Option<String>,
    /// The verified post-logout address, with `state`.
    redirect: Option<(String, String)>,
    client_name: Option<String>,
}

async fn check_logout(state: &AppState, p: &LogoutParams) -> AppResult<LogoutTarget> {
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
struct LogoutPage {
    s: Shell,
    client_name: Option<String>,
    fields: Vec<(String, String)>,
    done: bool,
}

fn after_logout(state: &AppState, ctx: &Ctx, via_page: bool, t: &LogoutTarget) -> Response {
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

async fn logout_get(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(p): Query<LogoutParams>,
) -> AppResult<Response> {
    logout(state, ctx, via_page(&headers), p).await
}

async fn logout_post(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    let p: LogoutParams = serde_urlencoded::from_bytes(&body)
        .map_err(|_| refuse("oidc_bad_request", "oidc-error-request"))?;
    logout(state, ctx, via_page(&headers), p).await
}

async fn logout(
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
struct LogoutConfirm {
    csrf: String,
    #[serde(flatten)]
    p: LogoutParams,
}

async fn logout_confirm(
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
