//! Sign-up, e-mail verification, log in / out, forgotten password.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::AppState;
use super::ctx::Ctx;
use super::templates::{FieldErrors, Shell, invalid, page};
use crate::accounts::email::Confirmed;
use crate::accounts::password::{self, Reset};
use crate::accounts::signup::{self, Creator, NewAccount};
use crate::accounts::{self, Status};
use crate::error::{AppError, AppResult};
use crate::i18n::Arg;
use crate::ratelimit::{self, Limit};
use crate::settings::RegistrationMode;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/signup", get(signup_form).post(signup_submit))
        .route("/verify-email", get(verify_form).post(verify_submit))
        .route("/verify-email/resend", post(resend_verification))
        .route("/login", get(login_form).post(login_submit))
        .route("/logout", post(logout))
        .route("/password/forgot", get(forgot_form).post(forgot_submit))
        .route("/password/reset", get(reset_form).post(reset_submit))
}

/// Count a hit; over the limit → 429 with a readable page.
pub async fn limit(state: &AppState, key: &str, l: Limit) -> AppResult<()> {
    match ratelimit::hit(&state.db, key, l).await? {
        Ok(()) => Ok(()),
        Err(retry_after) => Err(AppError::TooManyRequests { retry_after }),
    }
}

/// A `next` page to come back to: a local path (as `crate::redirect`
/// serialises it), or nothing.
pub(super) fn local_next(raw: &str) -> String {
    crate::redirect::local_path(raw.trim()).unwrap_or_default()
}

/// The key of a per-account limit for what was typed as a login (a
/// username or an address): the account it names, whatever the spelling
/// (`accounts::signin::account_key`).
async fn login_limit_key(state: &AppState, login: &str) -> AppResult<String> {
    let login = login.trim();
    let user = if login.is_empty() || login.len() > accounts::EMAIL_MAX {
        None
    } else {
        accounts::by_login(&state.db, login).await?
    };
    Ok(accounts::signin::account_key(login, user.as_ref()))
}

fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// `path`, with `?next=…` when there is a page to come back to.
pub(super) fn with_next(path: &str, next: &str) -> String {
    if next.is_empty() {
        path.to_string()
    } else {
        format!("{path}?next={}", encode(next))
    }
}

// ---- sign-up --------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SignupForm {
    csrf: String,
    username: String,
    email: String,
    password: String,
    note: String,
    invite: String,
    charter: Option<String>,
    /// Where to go once the account is verified and logged in (a local
    /// path, e.g. a community invitation).
    next: String,
}

impl SignupForm {
    /// The log-in link, coming back to `next` afterwards.
    fn login_href(&self) -> String {
        with_next("/login", &local_next(&self.next))
    }
}

#[derive(Template)]
#[template(path = "signup.html")]
struct SignupPage {
    s: Shell,
    form: SignupForm,
    errors: FieldErrors,
    mode: RegistrationMode,
    has_charter: bool,
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    s: Shell,
    heading: String,
    paragraphs: Vec<String>,
    action: Option<(String, String)>,
}

fn message(
    state: &AppState,
    ctx: &Ctx,
    heading_key: &str,
    paragraphs: Vec<String>,
    action: Option<(String, String)>,
) -> Response {
    let heading = ctx.t(heading_key);
    let s = Shell::new(state, ctx, &heading, "").crumb(heading.clone(), ctx.path.clone());
    page(
        ctx,
        &MessagePage {
            s,
            heading,
            paragraphs,
            action,
        },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct InviteQuery {
    invite: String,
    next: String,
}

async fn signup_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<InviteQuery>,
) -> AppResult<Response> {
    let next = local_next(&q.next);
    if ctx.user.is_some() {
        return Ok(ctx.redirect(if next.is_empty() { "/" } else { &next }));
    }
    let inst = state.instance().await?;
    if inst.registration_mode == RegistrationMode::Closed {
        return Ok(message(
            &state,
            &ctx,
            "signup-closed-title",
            vec![ctx.t("signup-closed-text")],
            None,
        ));
    }
    let s = Shell::new(&state, &ctx, &ctx.t("signup-title"), "")
        .crumb(ctx.t("signup-title"), "/signup");
    Ok(page(
        &ctx,
        &SignupPage {
            s,
            form: SignupForm {
                invite: q.invite,
                next,
                ..Default::default()
            },
            errors: FieldErrors::default(),
            mode: inst.registration_mode,
            has_charter: !inst.charter.is_empty(),
        },
    ))
}

async fn signup_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<SignupForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&form.csrf)?;
    let form = SignupForm {
        next: local_next(&form.next),
        ..form
    };
    let inst = state.instance().await?;
    let mode = inst.registration_mode;
    if mode == RegistrationMode::Closed {
        return Ok(message(
            &state,
            &ctx,
            "signup-closed-title",
            vec![ctx.t("signup-closed-text")],
            None,
        ));
    }
    limit(
        &state,
        &format!("signup:ip:{}", ctx.ip_key()),
        ratelimit::SIGNUP_PER_IP,
    )
    .await?;
    let created = signup::create(
        &state,
        Creator::SignUp {
            invite: &form.invite,
            charter_accepted: form.charter.is_some(),
            note: &form.note,
        },
        NewAccount {
            username: &form.username,
            email: &form.email,
            password: &form.password,
            locale: ctx.lang.code(),
        },
        &form.next,
    )
    .await;
    let created = match created {
        Ok(c) => c,
        Err(AppError::Invalid { fields }) => {
            let s = Shell::new(&state, &ctx, &ctx.t("signup-title"), "")
                .crumb(ctx.t("signup-title"), "/signup");
            return Ok(invalid(
                &ctx,
                &SignupPage {
                    s,
                    form: SignupForm {
                        password: String::new(),
                        ..form
                    },
                    errors: field_errors(ctx.lang, &fields),
                    mode,
                    has_charter: !inst.charter.is_empty(),
                },
            ));
        }
        Err(AppError::Conflict {
            code: "registration_closed",
            ..
        }) => {
            return Ok(message(
                &state,
                &ctx,
                "signup-closed-title",
                vec![ctx.t("signup-closed-text")],
                None,
            ));
        }
        Err(e) => return Err(e),
    };
    let user = created.user;
    let mut paragraphs = Vec::new();
    if !user.email_verified {
        paragraphs.push(ctx.lang.ta(
            "signup-done-check-email",
            &[("email", Arg::from(form.email.trim()))],
        ));
    }
    if created.pending {
        paragraphs.push(ctx.t("signup-done-pending"));
    } else if user.email_verified {
        paragraphs.push(ctx.t("signup-done-ready"));
    }
    Ok(message(
        &state,
        &ctx,
        "signup-done-title",
        paragraphs,
        Some((ctx.t("action-login"), with_next("/login", &form.next))),
    ))
}

/// An operation's field refusals, translated for a form.
pub(super) fn field_errors(lang: crate::i18n::Lang, fields: &[(String, String)]) -> FieldErrors {
    let mut errors = FieldErrors::default();
    for (f, k) in fields {
        errors.add(lang, f, k);
    }
    errors
}

// ---- e-mail verification (also confirms a change of address) ----------------------

#[derive(Deserialize, Default)]
#[serde(default)]
struct TokenForm {
    csrf: String,
    token: String,
    /// After verifying an address: the page to log in to (local path).
    next: String,
}

#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmPage {
    s: Shell,
    heading: String,
    text: String,
    action: &'static str,
    token: String,
    next: String,
    button: String,
}

/// The link in the e-mail shows a button; only the POST changes anything,
/// so link scanners that prefetch URLs do not consume it.
async fn verify_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TokenForm>,
) -> AppResult<Response> {
    let Some((_, _, email)) = accounts::email::peek_link(&state, &q.token).await? else {
        return Ok(message(
            &state,
            &ctx,
            "link-invalid-title",
            vec![ctx.t("link-invalid-text")],
            Some((ctx.t("action-login"), "/login".into())),
        ));
    };
    let heading = ctx.t("verify-title");
    let s = Shell::new(&state, &ctx, &heading, "").crumb(heading.clone(), "/verify-email");
    Ok(page(
        &ctx,
        &ConfirmPage {
            s,
            heading,
            text: ctx.lang.ta("verify-text", &[("email", Arg::from(email))]),
            action: "/verify-email",
            token: q.token,
            next: local_next(&q.next),
            button: ctx.t("verify-submit"),
        },
    ))
}

async fn verify_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<TokenForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let invalid_link = |ctx: &Ctx| {
        message(
            &state,
            ctx,
            "link-invalid-title",
            vec![ctx.t("link-invalid-text")],
            Some((ctx.t("action-login"), "/login".into())),
        )
    };
    let user = match accounts::email::confirm(&state, &f.token).await? {
        Confirmed::Done(user) => user,
        Confirmed::LinkInvalid => return Ok(invalid_link(&ctx)),
        Confirmed::Taken => {
            return Ok(message(
                &state,
                &ctx,
                "link-invalid-title",
                vec![ctx.t("email-taken")],
                None,
            ));
        }
    };
    if user.status == Status::Pending {
        return Ok(message(
            &state,
            &ctx,
            "verify-done-title",
            vec![ctx.t("verify-done-pending")],
            None,
        ));
    }
    ctx.flash("flash-email-verified");
    let next = local_next(&f.next);
    Ok(ctx.redirect(&match (&ctx.user, next.is_empty()) {
        (Some(_), true) => "/settings/account".to_string(),
        (Some(_), false) => next,
        (None, _) => with_next("/login", &next),
    }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ResendForm {
    csrf: String,
    login: String,
}

async fn resend_verification(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<ResendForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let key = login_limit_key(&state, &f.login).await?;
    limit(
        &state,
        &format!("resend:{key}"),
        ratelimit::EMAIL_SEND_PER_ACCOUNT,
    )
    .await?;
    limit(
        &state,
        &format!("resend:ip:{}", ctx.ip_key()),
        ratelimit::RESET_PER_IP,
    )
    .await?;
    accounts::email::resend_verification(&state, &f.login).await?;
    // Same answer whether or not the account exists.
    Ok(message(
        &state,
        &ctx,
        "resend-done-title",
        vec![ctx.t("resend-done-text")],
        None,
    ))
}

// ---- log in / out -------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    csrf: String,
    login: String,
    password: String,
    next: String,
}

impl LoginForm {
    /// The sign-up link, coming back to `next` afterwards.
    fn signup_href(&self) -> String {
        with_next("/signup", &local_next(&self.next))
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    s: Shell,
    form: LoginForm,
    error: Option<String>,
    unverified: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NextQuery {
    next: String,
}

async fn login_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NextQuery>,
) -> AppResult<Response> {
    if ctx.user.is_some() {
        return Ok(ctx.redirect("/"));
    }
    let s =
        Shell::new(&state, &ctx, &ctx.t("login-title"), "").crumb(ctx.t("login-title"), "/login");
    Ok(page(
        &ctx,
        &LoginPage {
            s,
            form: LoginForm {
                next: q.next,
                ..Default::default()
            },
            error: None,
            unverified: false,
        },
    ))
}

async fn login_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&form.csrf)?;
    // Limits on failures, per address, per (account, address) and per
    // account, keyed on the account found (`accounts::signin`).
    let ip_key = ctx.ip_key();
    let client = accounts::signin::Client {
        ip_key: &ip_key,
        device: ctx.device.as_deref(),
    };
    let user = accounts::signin::password(&state, &form.login, &form.password, &client).await?;
    let fail = |ctx: &Ctx, key: &str, unverified: bool, form: LoginForm| {
        let s = Shell::new(&state, ctx, &ctx.t("login-title"), "")
            .crumb(ctx.t("login-title"), "/login");
        invalid(
            ctx,
            &LoginPage {
                s,
                form: LoginForm {
                    password: String::new(),
                    ..form
                },
                error: Some(ctx.t(key)),
                unverified,
            },
        )
    };
    let Some(user) = user else {
        return Ok(fail(&ctx, "login-failed", false, form));
    };
    // The password was right: now it is safe to say why the door stays shut.
    match user.status {
        Status::Suspended => {
            let mut text = ctx.t("login-suspended");
            if !user.status_reason.is_empty() {
                text = format!("{text} {}", user.status_reason);
            }
            let s = Shell::new(&state, &ctx, &ctx.t("login-title"), "")
                .crumb(ctx.t("login-title"), "/login");
            return Ok(invalid(
                &ctx,
                &LoginPage {
                    s,
                    form: LoginForm {
                        password: String::new(),
                        ..form
                    },
                    error: Some(text),
                    unverified: false,
                },
            ));
        }
        Status::Pending => return Ok(fail(&ctx, "login-pending", false, form)),
        Status::Active => {}
    }
    if !user.email_verified {
        return Ok(fail(&ctx, "login-unverified", true, form));
    }
    // A second factor, when on, is asked before the session starts.
    if let Some(to_code) =
        super::second_factor::challenge_if_enabled(&state, &mut ctx, &user, &form.next).await?
    {
        return Ok(to_code);
    }
    ctx.log_in(&state, &user, accounts::sessions::amr::PASSWORD)
        .await?;
    // An administrator without the second factor the instance requires:
    // to enrolment first (their administrator powers wait for it).
    if crate::totp::admin_powers_withheld(&state.db, &user).await? {
        ctx.flash("flash-admin-second-factor-required");
        return Ok(ctx.redirect(&with_next("/settings/security", &local_next(&form.next))));
    }
    // A deletion is pending: the page that shows it and cancels it first.
    if crate::data_rights::deletion::pending(&state.db, user.id)
        .await?
        .is_some()
    {
        return Ok(ctx.redirect("/settings/delete"));
    }
    let next = if form.next.is_empty() {
        "/".to_string()
    } else {
        form.next.clone()
    };
    Ok(ctx.redirect(&next))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CsrfOnly {
    csrf: String,
}

async fn logout(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<CsrfOnly>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    ctx.log_out(&state).await?;
    ctx.flash("flash-logged-out");
    Ok(ctx.redirect("/"))
}

// ---- forgotten password -----------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
struct ForgotForm {
    csrf: String,
    email: String,
}

#[derive(Template)]
#[template(path = "forgot.html")]
struct ForgotPage {
    s: Shell,
    email: String,
    errors: FieldErrors,
}

async fn forgot_form(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let s = Shell::new(&state, &ctx, &ctx.t("forgot-title"), "")
        .crumb(ctx.t("forgot-title"), "/password/forgot");
    Ok(page(
        &ctx,
        &ForgotPage {
            s,
            email: String::new(),
            errors: FieldErrors::default(),
        },
    ))
}

async fn forgot_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<ForgotForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let rerender = |ctx: &Ctx, email: String, errors: FieldErrors| {
        let s = Shell::new(&state, ctx, &ctx.t("forgot-title"), "")
            .crumb(ctx.t("forgot-title"), "/password/forgot");
        invalid(ctx, &ForgotPage { s, email, errors })
    };
    if !accounts::valid_email(&f.email) {
        let errors = field_errors(ctx.lang, &[("email".into(), "email-invalid".into())]);
        return Ok(rerender(&ctx, f.email, errors));
    }
    limit(
        &state,
        &format!("reset:ip:{}", ctx.ip_key()),
        ratelimit::RESET_PER_IP,
    )
    .await?;
    limit(
        &state,
        &format!("reset:{}", login_limit_key(&state, &f.email).await?),
        ratelimit::RESET_PER_EMAIL,
    )
    .await?;
    match password::request_reset(&state, &f.email).await {
        Ok(()) => {}
        Err(AppError::Invalid { fields }) => {
            return Ok(rerender(&ctx, f.email, field_errors(ctx.lang, &fields)));
        }
        Err(e) => return Err(e),
    }
    // The same page whether or not the address has an account.
    Ok(message(
        &state,
        &ctx,
        "forgot-done-title",
        vec![
            ctx.lang
                .ta("forgot-done-text", &[("email", Arg::from(f.email.trim()))]),
        ],
        None,
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ResetForm {
    csrf: String,
    token: String,
    password: String,
    confirm: String,
    /// Checked to keep the API tokens working; absent (the default), the
    /// reset revokes them.
    keep_tokens: Option<String>,
}

#[derive(Template)]
#[template(path = "reset.html")]
struct ResetPage {
    s: Shell,
    token: String,
    errors: FieldErrors,
    /// Working API tokens of the account (the form asks about them).
    active_tokens: i64,
    keep_tokens: bool,
}

async fn reset_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TokenForm>,
) -> AppResult<Response> {
    let Some(active_tokens) = password::tokens_at_reset(&state, &q.token).await? else {
        return Ok(message(
            &state,
            &ctx,
            "link-invalid-title",
            vec![ctx.t("link-invalid-text")],
            Some((ctx.t("forgot-title"), "/password/forgot".into())),
        ));
    };
    let s = Shell::new(&state, &ctx, &ctx.t("reset-title"), "")
        .crumb(ctx.t("reset-title"), "/password/reset");
    Ok(page(
        &ctx,
        &ResetPage {
            s,
            token: q.token,
            errors: FieldErrors::default(),
            active_tokens,
            keep_tokens: false,
        },
    ))
}

async fn reset_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<ResetForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let link_invalid = |ctx: &Ctx| {
        message(
            &state,
            ctx,
            "link-invalid-title",
            vec![ctx.t("link-invalid-text")],
            Some((ctx.t("forgot-title"), "/password/forgot".into())),
        )
    };
    let revoke_tokens = f.keep_tokens.is_none();
    match password::reset(
        &state,
        &f.token,
        &f.password,
        &f.confirm,
        revoke_tokens,
        &ctx.user_agent,
    )
    .await
    {
        Ok(Reset::Done(_)) => {}
        Ok(Reset::LinkInvalid) => return Ok(link_invalid(&ctx)),
        Err(AppError::Invalid { fields }) => {
            let s = Shell::new(&state, &ctx, &ctx.t("reset-title"), "")
                .crumb(ctx.t("reset-title"), "/password/reset");
            let active_tokens = password::tokens_at_reset(&state, &f.token)
                .await?
                .unwrap_or(0);
            return Ok(invalid(
                &ctx,
                &ResetPage {
                    s,
                    token: f.token,
                    errors: field_errors(ctx.lang, &fields),
                    active_tokens,
                    keep_tokens: !revoke_tokens,
                },
            ));
        }
        Err(e) => return Err(e),
    }
    ctx.log_out(&state).await?;
    ctx.flash("flash-password-reset");
    Ok(ctx.redirect("/login"))
}
