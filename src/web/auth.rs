//! Sign-up, e-mail verification, log in / out, forgotten password.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::AppState;
use super::ctx::{Ctx, safe_local_path};
use super::templates::{FieldErrors, Shell, invalid, page};
use crate::accounts::{self, CreateError, NewUser, Purpose, Status};
use crate::emails;
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

/// A `next` page to come back to: a local path, or nothing.
pub(super) fn local_next(raw: &str) -> String {
    let raw = raw.trim();
    if !raw.is_empty() && safe_local_path(raw) == raw {
        raw.to_string()
    } else {
        String::new()
    }
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

/// An invitation that can be used now: (id, e-mail it was sent to).
async fn valid_invitation(
    state: &AppState,
    code: &str,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    if code.is_empty() {
        return Ok(None);
    }
    sqlx::query_as(
        "SELECT id, email FROM invitations WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(accounts::hash_token(code))
    .bind(crate::db::now())
    .fetch_optional(&state.db.pool)
    .await
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
        &format!("signup:ip:{}", ctx.ip),
        ratelimit::SIGNUP_PER_IP,
    )
    .await?;

    let mut errors = FieldErrors::default();
    let invitation = if mode == RegistrationMode::Invitation {
        let inv = valid_invitation(&state, form.invite.trim()).await?;
        if inv.is_none() {
            errors.add(ctx.lang, "invite", "signup-invite-invalid");
        }
        inv
    } else {
        None
    };
    if !inst.charter.is_empty() && form.charter.is_none() {
        errors.add(ctx.lang, "charter", "signup-charter-required");
    }
    if form.note.chars().count() > 1000 {
        errors.add(ctx.lang, "note", "field-too-long");
    }
    let rerender = |errors: FieldErrors, form: SignupForm| {
        let s = Shell::new(&state, &ctx, &ctx.t("signup-title"), "")
            .crumb(ctx.t("signup-title"), "/signup");
        invalid(
            &ctx,
            &SignupPage {
                s,
                form: SignupForm {
                    password: String::new(),
                    ..form
                },
                errors,
                mode,
                has_charter: !inst.charter.is_empty(),
            },
        )
    };
    // Invitations sent to an address vouch for it.
    let verified_by_invite = invitation.as_ref().is_some_and(|(_, e)| {
        !e.is_empty() && accounts::email_key(e) == accounts::email_key(&form.email)
    });
    let status = if mode == RegistrationMode::Approval {
        Status::Pending
    } else {
        Status::Active
    };
    let created = accounts::create_user(
        &state.db,
        NewUser {
            username: &form.username,
            email: &form.email,
            password: &form.password,
            is_admin: false,
            email_verified: verified_by_invite,
            status,
            locale: ctx.lang.code(),
            registration_note: form.note.trim(),
        },
    )
    .await;
    let user = match created {
        Ok(u) if errors.is_empty() => u,
        Ok(u) => {
            // Only reachable if another check failed: undo the account.
            sqlx::query("DELETE FROM users WHERE id = $1")
                .bind(u.id)
                .execute(&state.db.pool)
                .await?;
            return Ok(rerender(errors, form));
        }
        Err(CreateError::Refused(r)) => {
            for (f, k) in r.fields {
                errors.add(ctx.lang, f, &k);
            }
            return Ok(rerender(errors, form));
        }
        Err(CreateError::Db(e)) => return Err(e.into()),
        Err(CreateError::Other(e)) => return Err(e.into()),
    };
    if let Some((inv_id, _)) = invitation {
        sqlx::query("UPDATE invitations SET used_by = $1, used_at = $2 WHERE id = $3")
            .bind(user.id)
            .bind(crate::db::now())
            .bind(inv_id)
            .execute(&state.db.pool)
            .await?;
    }
    accounts::audit(
        &state.db,
        Some(user.id),
        "signup",
        Some(user.id),
        mode.as_str(),
    )
    .await?;
    if !user.email_verified {
        send_verification_then(&state, &user, &form.next).await?;
    }
    let mut paragraphs = Vec::new();
    if !user.email_verified {
        paragraphs.push(ctx.lang.ta(
            "signup-done-check-email",
            &[("email", Arg::from(form.email.trim()))],
        ));
    }
    if status == Status::Pending {
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

pub async fn send_verification(state: &AppState, user: &accounts::User) -> AppResult<()> {
    send_verification_then(state, user, "").await
}

/// The verification e-mail; its link leads to the log-in form with `next`
/// (a local path) once the address is confirmed.
pub async fn send_verification_then(
    state: &AppState,
    user: &accounts::User,
    next: &str,
) -> AppResult<()> {
    let Some(email) = &user.email else {
        return Ok(());
    };
    let token = accounts::issue_token(&state.db, user.id, Purpose::VerifyEmail, email).await?;
    let next = local_next(next);
    let link = if next.is_empty() {
        state.url(&format!("/verify-email?token={token}"))
    } else {
        state.url(&format!(
            "/verify-email?token={token}&next={}",
            encode(&next)
        ))
    };
    emails::send(
        state,
        email,
        user.lang(),
        "verify",
        &[
            ("name", Arg::from(user.shown_name())),
            ("link", Arg::from(link)),
        ],
    )
    .await?;
    Ok(())
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

async fn token_purpose(
    state: &AppState,
    token: &str,
) -> Result<Option<(Purpose, i64, String)>, sqlx::Error> {
    for p in [Purpose::VerifyEmail, Purpose::ChangeEmail] {
        if let Some((uid, data)) = accounts::peek_token(&state.db, token, p).await? {
            return Ok(Some((p, uid, data)));
        }
    }
    Ok(None)
}

/// The link in the e-mail shows a button; only the POST changes anything,
/// so link scanners that prefetch URLs do not consume it.
async fn verify_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TokenForm>,
) -> AppResult<Response> {
    let Some((_, _, email)) = token_purpose(&state, &q.token).await? else {
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
    let Some((purpose, _, _)) = token_purpose(&state, &f.token).await? else {
        return Ok(invalid_link(&ctx));
    };
    let Some((user_id, email)) = accounts::consume_token(&state.db, &f.token, purpose).await?
    else {
        return Ok(invalid_link(&ctx));
    };
    if purpose == Purpose::ChangeEmail {
        let res = sqlx::query(
            "UPDATE users SET email = $1, email_key = $2, email_verified = 1 WHERE id = $3",
        )
        .bind(&email)
        .bind(accounts::email_key(&email))
        .bind(user_id)
        .execute(&state.db.pool)
        .await;
        match res {
            Ok(_) => {}
            Err(e) if crate::db::is_unique_violation(&e) => {
                return Ok(message(
                    &state,
                    &ctx,
                    "link-invalid-title",
                    vec![ctx.t("email-taken")],
                    None,
                ));
            }
            Err(e) => return Err(e.into()),
        }
        accounts::audit(&state.db, Some(user_id), "email_changed", Some(user_id), "").await?;
    } else {
        // Only the address the link was sent to is verified.
        sqlx::query("UPDATE users SET email_verified = 1 WHERE id = $1 AND email_key = $2")
            .bind(user_id)
            .bind(accounts::email_key(&email))
            .execute(&state.db.pool)
            .await?;
    }
    let user = accounts::by_id(&state.db, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
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
    let key = accounts::email_key(&f.login);
    limit(
        &state,
        &format!("resend:{key}"),
        ratelimit::EMAIL_SEND_PER_ACCOUNT,
    )
    .await?;
    limit(
        &state,
        &format!("resend:ip:{}", ctx.ip),
        ratelimit::RESET_PER_IP,
    )
    .await?;
    if let Some(u) = accounts::by_login(&state.db, &f.login).await?
        && !u.email_verified
        && u.status != Status::Suspended
    {
        send_verification(&state, &u).await?;
    }
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
    limit(
        &state,
        &format!("login:ip:{}", ctx.ip),
        ratelimit::LOGIN_PER_IP,
    )
    .await?;
    let login_key = accounts::truncate(&accounts::email_key(&form.login), 254);
    limit(
        &state,
        &format!("login:acct:{login_key}"),
        ratelimit::LOGIN_PER_ACCOUNT,
    )
    .await?;

    let user = if form.login.trim().is_empty() || form.login.len() > 254 {
        None
    } else {
        accounts::by_login(&state.db, &form.login).await?
    };
    let ok = accounts::check_password(user.as_ref(), &form.password).await;
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
    let Some(user) = user.filter(|_| ok) else {
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
    ctx.log_in(&state, &user).await?;
    // An administrator without the second factor the instance requires:
    // to enrolment first (their administrator powers wait for it).
    if crate::totp::admin_powers_withheld(&state.db, &user).await? {
        ctx.flash("flash-admin-second-factor-required");
        return Ok(ctx.redirect(&with_next("/settings/security", &local_next(&form.next))));
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
    if !accounts::valid_email(&f.email) {
        let mut errors = FieldErrors::default();
        errors.add(ctx.lang, "email", "email-invalid");
        let s = Shell::new(&state, &ctx, &ctx.t("forgot-title"), "")
            .crumb(ctx.t("forgot-title"), "/password/forgot");
        return Ok(invalid(
            &ctx,
            &ForgotPage {
                s,
                email: f.email,
                errors,
            },
        ));
    }
    limit(
        &state,
        &format!("reset:ip:{}", ctx.ip),
        ratelimit::RESET_PER_IP,
    )
    .await?;
    limit(
        &state,
        &format!("reset:{}", accounts::email_key(&f.email)),
        ratelimit::RESET_PER_EMAIL,
    )
    .await?;
    if let Some(user) = accounts::by_login(&state.db, &f.email).await?
        && user.status != Status::Suspended
        && user.email.is_some()
    {
        let token = accounts::issue_token(&state.db, user.id, Purpose::ResetPassword, "").await?;
        let link = state.url(&format!("/password/reset?token={token}"));
        emails::send(
            &state,
            user.email.as_deref().unwrap_or_default(),
            user.lang(),
            "reset",
            &[
                ("name", Arg::from(user.shown_name())),
                ("link", Arg::from(link)),
            ],
        )
        .await?;
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
}

#[derive(Template)]
#[template(path = "reset.html")]
struct ResetPage {
    s: Shell,
    token: String,
    errors: FieldErrors,
}

async fn reset_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TokenForm>,
) -> AppResult<Response> {
    if accounts::peek_token(&state.db, &q.token, Purpose::ResetPassword)
        .await?
        .is_none()
    {
        return Ok(message(
            &state,
            &ctx,
            "link-invalid-title",
            vec![ctx.t("link-invalid-text")],
            Some((ctx.t("forgot-title"), "/password/forgot".into())),
        ));
    }
    let s = Shell::new(&state, &ctx, &ctx.t("reset-title"), "")
        .crumb(ctx.t("reset-title"), "/password/reset");
    Ok(page(
        &ctx,
        &ResetPage {
            s,
            token: q.token,
            errors: FieldErrors::default(),
        },
    ))
}

async fn reset_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<ResetForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let Some((user_id, _)) =
        accounts::peek_token(&state.db, &f.token, Purpose::ResetPassword).await?
    else {
        return Ok(message(
            &state,
            &ctx,
            "link-invalid-title",
            vec![ctx.t("link-invalid-text")],
            Some((ctx.t("forgot-title"), "/password/forgot".into())),
        ));
    };
    let user = accounts::by_id(&state.db, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::default();
    if let Err(e) = crate::password::check_strength(
        &f.password,
        &user.username,
        user.email.as_deref().unwrap_or(""),
    ) {
        errors.add(ctx.lang, "password", e.message_key());
    } else if f.password != f.confirm {
        errors.add(ctx.lang, "confirm", "password-mismatch");
    }
    if !errors.is_empty() {
        let s = Shell::new(&state, &ctx, &ctx.t("reset-title"), "")
            .crumb(ctx.t("reset-title"), "/password/reset");
        return Ok(invalid(
            &ctx,
            &ResetPage {
                s,
                token: f.token,
                errors,
            },
        ));
    }
    if accounts::consume_token(&state.db, &f.token, Purpose::ResetPassword)
        .await?
        .is_none()
    {
        return Ok(message(
            &state,
            &ctx,
            "link-invalid-title",
            vec![ctx.t("link-invalid-text")],
            None,
        ));
    }
    accounts::set_password(&state.db, user.id, &f.password).await?;
    // Whoever knew the old password is out; the link also proved the address.
    crate::oidc::backchannel::user_sessions_ending(
        &state.db,
        &state.jobs,
        &state.config.public_url(),
        user.id,
        None,
        None,
    )
    .await?;
    accounts::delete_sessions(&state.db, user.id, None).await?;
    sqlx::query("UPDATE users SET email_verified = 1 WHERE id = $1")
        .bind(user.id)
        .execute(&state.db.pool)
        .await?;
    accounts::audit(
        &state.db,
        Some(user.id),
        "password_reset",
        Some(user.id),
        "",
    )
    .await?;
    emails::security_notice(
        &state,
        &user,
        emails::Notice::PasswordChanged,
        &ctx.user_agent,
        "",
    )
    .await;
    ctx.log_out(&state).await?;
    ctx.flash("flash-password-reset");
    Ok(ctx.redirect("/login"))
}
