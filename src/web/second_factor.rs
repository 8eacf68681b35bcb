//! Strong sign-in pages: the code asked after a correct password
//! (`/login/second-factor`), and the person's security settings
//! (`/settings/security`: turn TOTP on with a first code, recovery codes
//! shown once, turn it off). Domain logic in `crate::totp`.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;

use super::AppState;
use super::ctx::{self, Ctx, cookie, set_cookie};
use super::settings::me;
use super::templates::{Shell, invalid, page};
use crate::accounts::second_factor as ops;
use crate::accounts::{self, User};
use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::policy::{self, Action};
use crate::totp;

/// The cookie holding a second-factor challenge between the two steps.
pub const CHALLENGE_COOKIE: &str = "p2fa";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login/second-factor", get(code_form).post(code_submit))
        .route("/settings/security", get(security_page))
        .route("/settings/security/begin", post(begin))
        .route("/settings/security/confirm", post(confirm))
        .route("/settings/security/disable", post(disable))
        .route("/settings/security/recovery", post(recovery))
}

/// Called by the log-in form once the password is right and the account
/// may sign in: when a second factor is on, ask for it instead of logging in.
pub async fn challenge_if_enabled(
    state: &AppState,
    ctx: &mut Ctx,
    user: &User,
    next: &str,
) -> AppResult<Option<Response>> {
    open_if_enabled(state, ctx, user, next, "").await
}

/// The same for a re-authentication of the open session `session_hash`:
/// the code step then updates that session instead of starting one.
pub async fn reauth_challenge_if_enabled(
    state: &AppState,
    ctx: &mut Ctx,
    user: &User,
    next: &str,
    session_hash: &str,
) -> AppResult<Option<Response>> {
    open_if_enabled(state, ctx, user, next, session_hash).await
}

async fn open_if_enabled(
    state: &AppState,
    ctx: &mut Ctx,
    user: &User,
    next: &str,
    reauth_session: &str,
) -> AppResult<Option<Response>> {
    // A passkey counts as a second factor too (asked on the same page).
    if !totp::has_second_factor(&state.db, user.id).await? {
        return Ok(None);
    }
    let next = ctx::safe_local_path(if next.is_empty() { "/" } else { next });
    let token = totp::open_challenge(&state.db, user.id, &next, reauth_session).await?;
    let secure = ctx.is_secure();
    ctx.add_cookie(set_cookie(
        CHALLENGE_COOKIE,
        &token,
        Some(totp::CHALLENGE_TTL),
        secure,
    ));
    Ok(Some(ctx.redirect("/login/second-factor")))
}

#[derive(Template)]
#[template(path = "second_factor.html")]
struct CodePage {
    s: Shell,
    error: Option<String>,
    /// Which factors the person has: an app's code, passkeys (or both).
    totp: bool,
    passkeys: bool,
}

async fn code_page(
    state: &AppState,
    ctx: &Ctx,
    user_id: i64,
    error: Option<String>,
) -> AppResult<CodePage> {
    Ok(CodePage {
        s: Shell::new(state, ctx, &ctx.t("totp-login-title"), "")
            .crumb(ctx.t("totp-login-title"), "/login/second-factor"),
        error,
        totp: totp::is_enabled(&state.db, user_id).await?,
        passkeys: crate::webauthn::has_passkey(&state.db, user_id).await?,
    })
}

/// The pending second-factor step of this browser: its token and what it is.
pub(super) async fn live_challenge(
    state: &AppState,
    headers: &axum::http::HeaderMap,
) -> AppResult<Option<(String, totp::Challenge)>> {
    let Some(token) = cookie(headers, CHALLENGE_COOKIE) else {
        return Ok(None);
    };
    Ok(totp::challenge(&state.db, &token)
        .await?
        .map(|c| (token, c)))
}

/// The second factor was right (`amr`: everything proven, e.g.
/// `pwd otp mfa`): a log-in starts a session; a re-authentication updates
/// the session it came from — only from that very session — and keeps it.
pub(super) async fn passed(
    state: &AppState,
    ctx: &mut Ctx,
    challenge: &totp::Challenge,
    user: &User,
    amr: &str,
) -> AppResult<Response> {
    let secure = ctx.is_secure();
    ctx.add_cookie(set_cookie(CHALLENGE_COOKIE, "", Some(0), secure));
    match &challenge.reauth_session {
        None => ctx.log_in(state, user, amr).await?,
        Some(session) => {
            if ctx.session_hash.as_deref() != Some(session.as_str())
                || ctx.user.as_ref().map(|u| u.id) != Some(user.id)
            {
                return Ok(ctx.redirect("/login"));
            }
            let renewed = crate::accounts::sessions::reauthenticated(
                state,
                &Actor::person(user),
                session,
                amr,
            )
            .await?;
            ctx.session_renewed(state, renewed);
        }
    }
    Ok(ctx.redirect(&challenge.next))
}

async fn code_form(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
) -> AppResult<Response> {
    let Some((_, c)) = live_challenge(&state, &headers).await? else {
        return Ok(ctx.redirect("/login"));
    };
    Ok(page(&ctx, &code_page(&state, &ctx, c.user_id, None).await?))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CodeForm {
    csrf: String,
    code: String,
    /// The page to come back to after enrolment (validated as local).
    next: String,
}

async fn code_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    headers: axum::http::HeaderMap,
    Form(f): Form<CodeForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let Some((token, challenge)) = live_challenge(&state, &headers).await? else {
        return Ok(ctx.redirect("/login"));
    };
    let user_id = challenge.user_id;
    accounts::signin::second_factor_try(&state.db, user_id).await?;
    if !totp::verify(&state.db, user_id, &f.code).await? {
        return Ok(invalid(
            &ctx,
            &code_page(&state, &ctx, user_id, Some(ctx.t("totp-login-wrong"))).await?,
        ));
    }
    totp::close_challenge(&state.db, &token).await?;
    let Some(user) = accounts::by_id(&state.db, user_id).await? else {
        return Ok(ctx.redirect("/login"));
    };
    // The account may have been suspended in the meantime.
    if !policy::can(Some(&user), Action::EditAccount { target: &user }) {
        return Err(AppError::Forbidden);
    }
    // An app's code or a recovery code: both one-time passwords.
    passed(
        &state,
        &mut ctx,
        &challenge,
        &user,
        &accounts::sessions::amr::password_and("otp"),
    )
    .await
}

// ---- settings --------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "settings_security.html")]
struct SecurityPage {
    s: Shell,
    nav: Vec<(String, &'static str, bool)>,
    enabled: bool,
    /// Enrolment in progress: the secret, its otpauth address and QR code.
    pending: Option<(String, String, String)>,
    /// Recovery codes just made (shown once).
    codes: Vec<String>,
    codes_left: i64,
    error: Option<String>,
    /// A local page to come back to once enrolled (an administrator sent
    /// here on the way to the administration area), or empty.
    next: String,
}

async fn security_view(
    state: &AppState,
    ctx: &Ctx,
    user: &User,
    codes: Vec<String>,
    error: Option<String>,
    next: &str,
) -> AppResult<SecurityPage> {
    let enabled = totp::is_enabled(&state.db, user.id).await?;
    let pending = if enabled {
        None
    } else {
        totp::pending_secret(&state.db, user.id)
            .await?
            .map(|secret| {
                let uri = totp::otpauth_uri(&state.instance_name(), &user.username, &secret);
                let qr = totp::qr_data_url(&uri).unwrap_or_default();
                (secret, uri, qr)
            })
    };
    let title = ctx.t("settings-security");
    Ok(SecurityPage {
        s: Shell::new(state, ctx, &title, "settings")
            .crumb(ctx.t("nav-settings"), "/settings/profile")
            .crumb(title, "/settings/security"),
        nav: super::settings::sections(ctx.lang, "/settings/security"),
        enabled,
        pending,
        codes,
        codes_left: totp::recovery_codes_left(&state.db, user.id).await?,
        error,
        next: super::auth::local_next(next),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NextQuery {
    next: String,
}

async fn security_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NextQuery>,
) -> AppResult<Response> {
    let user = match me(&ctx) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    let view = security_view(&state, &ctx, &user, Vec::new(), None, &q.next).await?;
    Ok(page(&ctx, &view))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CsrfForm {
    csrf: String,
    next: String,
}

async fn begin(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let user = match me(&ctx) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    ops::begin_totp(&state, &Actor::person(&user)).await?;
    Ok(ctx.redirect(&super::auth::with_next(
        "/settings/security",
        &super::auth::local_next(&f.next),
    )))
}

async fn confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<CodeForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let user = match me(&ctx) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    match ops::enable_totp(&state, &Actor::person(&user), &f.code, &ctx.user_agent).await {
        Ok(codes) => {
            let view = security_view(&state, &ctx, &user, codes, None, &f.next).await?;
            Ok(page(&ctx, &view))
        }
        Err(AppError::Invalid { .. }) => {
            let view = security_view(
                &state,
                &ctx,
                &user,
                Vec::new(),
                Some(ctx.t("totp-login-wrong")),
                &f.next,
            )
            .await?;
            Ok(invalid(&ctx, &view))
        }
        Err(e) => Err(e),
    }
}

/// A wrong code: the security page again, with the error.
async fn wrong_code(state: &AppState, ctx: &Ctx, user: &User) -> AppResult<Response> {
    let view = security_view(
        state,
        ctx,
        user,
        Vec::new(),
        Some(ctx.t("totp-login-wrong")),
        "",
    )
    .await?;
    Ok(invalid(ctx, &view))
}

async fn disable(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<CodeForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let user = match me(&ctx) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    match ops::disable_totp(&state, &Actor::person(&user), &f.code, &ctx.user_agent).await {
        // Passkeys remain a second factor: they keep recovery codes (new ones).
        Ok(Some(codes)) => {
            let view = security_view(&state, &ctx, &user, codes, None, "").await?;
            Ok(page(&ctx, &view))
        }
        Ok(None) => {
            ctx.flash("flash-totp-disabled");
            Ok(ctx.redirect("/settings/security"))
        }
        Err(AppError::Invalid { .. }) => wrong_code(&state, &ctx, &user).await,
        Err(e) => Err(e),
    }
}

async fn recovery(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<CodeForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let user = match me(&ctx) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    match ops::renew_recovery_codes(&state, &Actor::person(&user), &f.code, &ctx.user_agent).await {
        Ok(codes) => {
            let view = security_view(&state, &ctx, &user, codes, None, "").await?;
            Ok(page(&ctx, &view))
        }
        Err(AppError::Invalid { .. }) => wrong_code(&state, &ctx, &user).await,
        Err(e) => Err(e),
    }
}
