//! Personal settings: profile (with avatar), e-mail and password, sessions.
//! API tokens have their page here too, backed by crate::api::tokens.

use askama::Template;
use axum::extract::{Multipart, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::AppState;
use super::ctx::Ctx;
use super::templates::{FieldErrors, Shell, invalid, page};
use crate::accounts::{self, Purpose, SessionInfo, User};
use crate::emails;
use crate::error::{AppError, AppResult};
use crate::i18n::{Arg, Lang};
use crate::images;
use crate::policy::{self, Action};
use crate::profiles;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/settings",
            get(|ctx: Ctx| async move { ctx.redirect("/settings/profile") }),
        )
        .route("/settings/profile", get(profile_form).post(profile_submit))
        .route("/settings/account", get(account_page))
        .route("/settings/email", post(email_submit))
        .route("/settings/password", post(password_submit))
        .route("/settings/sessions", get(sessions_page))
        .route("/settings/sessions/revoke", post(session_revoke))
        .route(
            "/settings/sessions/revoke-others",
            post(sessions_revoke_others),
        )
        .route(
            "/settings/sessions/logout-everywhere",
            post(logout_everywhere),
        )
        .route("/settings/tokens", get(tokens_page).post(token_create))
        .route("/settings/tokens/revoke", post(token_revoke))
}

/// The settings sections, for the side navigation.
pub fn sections(lang: Lang, current: &str) -> Vec<(String, &'static str, bool)> {
    [
        ("settings-profile", "/settings/profile"),
        ("settings-account", "/settings/account"),
        ("settings-security", "/settings/security"),
        ("settings-passkeys", "/settings/passkeys"),
        ("settings-sessions", "/settings/sessions"),
        ("settings-tokens", "/settings/tokens"),
        ("settings-tools", "/settings/tools"),
    ]
    .into_iter()
    .map(|(k, href)| (lang.t(k), href, href == current))
    .collect()
}

fn shell(state: &AppState, ctx: &Ctx, key: &str, href: &str) -> Shell {
    Shell::new(state, ctx, &ctx.t(key), "settings")
        .crumb(ctx.t("nav-settings"), "/settings/profile")
        .crumb(ctx.t(key), href)
}

/// The signed-in person, allowed to edit their own account (every
/// settings page: profile, security, passkeys…).
pub(super) fn me(ctx: &Ctx) -> Result<User, Response> {
    let u = ctx.require_login()?;
    if policy::can(ctx.user.as_ref(), Action::EditAccount { target: u }) {
        Ok(u.clone())
    } else {
        Err(ctx.finish(AppError::Forbidden))
    }
}

// ---- profile ---------------------------------------------------------------------

#[derive(Default)]
struct ProfileValues {
    display_name: String,
    bio: String,
    locale: String,
    findable: bool,
}

#[derive(Template)]
#[template(path = "settings_profile.html")]
struct ProfilePage {
    s: Shell,
    nav: Vec<(String, &'static str, bool)>,
    v: ProfileValues,
    avatar: Option<String>,
    username: String,
    errors: FieldErrors,
}

async fn profile_form(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = match me(&ctx) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    Ok(page(
        &ctx,
        &ProfilePage {
            s: shell(&state, &ctx, "settings-profile", "/settings/profile"),
            nav: sections(ctx.lang, "/settings/profile"),
            v: ProfileValues {
                display_name: user.display_name.clone(),
                bio: user.bio.clone(),
                locale: user.locale.clone(),
                findable: profiles::is_findable(&state.db, user.id).await?,
            },
            avatar: user.avatar_url(),
            username: user.username.clone(),
            errors: FieldErrors::default(),
        },
    ))
}

async fn profile_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let user = match me(&ctx) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    let mut csrf = String::new();
    let mut v = ProfileValues::default();
    let mut avatar: Option<Vec<u8>> = None;
    let mut remove = false;
    let mut errors = FieldErrors::default();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::BadRequest {
            code: "bad_multipart",
            message_key: "error-400-text",
        })?
    {
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "avatar" => {
                let bytes = field.bytes().await.map_err(|_| AppError::TooLarge)?;
                if !bytes.is_empty() {
                    avatar = Some(bytes.to_vec());
                }
            }
            _ => {
                let text = field.text().await.map_err(|_| AppError::BadRequest {
                    code: "bad_multipart",
                    message_key: "error-400-text",
                })?;
                match name.as_str() {
                    "csrf" => csrf = text,
                    "display_name" => v.display_name = text.trim().to_string(),
                    "bio" => v.bio = text.trim().replace("\r\n", "\n"),
                    "locale" => v.locale = text,
                    "remove_avatar" => remove = true,
                    "findable" => v.findable = text == "1",
                    _ => {}
                }
            }
        }
    }
    ctx.verify_csrf(&csrf)?;
    let changes =
        match profiles::validate_profile(Some(&v.display_name), Some(&v.bio), Some(&v.locale)) {
            Ok(c) => Some(profiles::ProfileChanges {
                findable: Some(v.findable),
                ..c
            }),
            Err(fields) => {
                for (f, k) in fields {
                    errors.add(ctx.lang, &f, &k);
                }
                None
            }
        };
    let mut new_avatar = None;
    if let Some(bytes) = avatar {
        let made =
            tokio::task::spawn_blocking(move || images::make_avatar(&bytes, profiles::AVATAR_SIZE))
                .await
                .map_err(|e| anyhow::anyhow!("avatar task failed: {e}"))?;
        match made {
            Ok(jpeg) => new_avatar = Some(jpeg),
            Err(e) => errors.add(ctx.lang, "avatar", e.message_key()),
        }
    }
    let Some(changes) = changes.filter(|_| errors.is_empty()) else {
        return Ok(invalid(
            &ctx,
            &ProfilePage {
                s: shell(&state, &ctx, "settings-profile", "/settings/profile"),
                nav: sections(ctx.lang, "/settings/profile"),
                avatar: user.avatar_url(),
                username: user.username.clone(),
                v,
                errors,
            },
        ));
    };
    profiles::update_profile(&state.db, user.id, &changes).await?;
    if let Some(jpeg) = new_avatar {
        profiles::set_avatar(&state.db, user.id, jpeg).await?;
    } else if remove {
        profiles::remove_avatar(&state.db, user.id).await?;
    }
    if v.locale != user.locale {
        let secure = ctx.is_secure();
        ctx.add_cookie(super::ctx::set_cookie(
            super::ctx::LANG_COOKIE,
            &v.locale,
            Some(365 * 86400),
            secure,
        ));
    }
    ctx.flash("flash-profile-saved");
    Ok(ctx.redirect("/settings/profile"))
}

// ---- e-mail and password ------------------------------------------------------------

#[derive(Template)]
#[template(path = "settings_account.html")]
struct AccountPage {
    s: Shell,
    nav: Vec<(String, &'static str, bool)>,
    email: String,
    email_verified: bool,
    new_email: String,
    errors: FieldErrors,
}

fn account_view(
    state: &AppState,
    ctx: &Ctx,
    user: &User,
    new_email: String,
    errors: FieldErrors,
) -> AccountPage {
    AccountPage {
        s: shell(state, ctx, "settings-account", "/settings/account"),
        nav: sections(ctx.lang, "/settings/account"),
        email: user.email.clone().unwrap_or_default(),
        email_verified: user.email_verified,
        new_email,
        errors,
    }
}

async fn account_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = match me(&ctx) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    Ok(page(
        &ctx,
        &account_view(&state, &ctx, &user, String::new(), FieldErrors::default()),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EmailForm {
    csrf: String,
    new_email: String,
    current_password: String,
}

async fn email_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<EmailForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let user = match me(&ctx) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    let new_email = f.new_email.trim().to_string();
    let mut errors = FieldErrors::default();
    if !accounts::valid_email(&new_email) {
        errors.add(ctx.lang, "new_email", "email-invalid");
    } else if user.email.as_deref().map(accounts::email_key)
        == Some(accounts::email_key(&new_email))
    {
        errors.add(ctx.lang, "new_email", "email-same");
    } else {
        let used: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE email_key = $1")
            .bind(accounts::email_key(&new_email))
            .fetch_optional(&state.db.pool)
            .await?;
        if used.is_some() {
            errors.add(ctx.lang, "new_email", "email-taken");
        }
    }
    if !accounts::check_password(Some(&user), &f.current_password).await {
        errors.add(ctx.lang, "email_password", "password-wrong");
    }
    if !errors.is_empty() {
        return Ok(invalid(
            &ctx,
            &account_view(&state, &ctx, &user, new_email, errors),
        ));
    }
    super::auth::limit(
        &state,
        &format!("email-change:{}", user.id),
        crate::ratelimit::EMAIL_SEND_PER_ACCOUNT,
    )
    .await?;
    let token = accounts::issue_token(&state.db, user.id, Purpose::ChangeEmail, &new_email).await?;
    let link = state.url(&format!("/verify-email?token={token}"));
    emails::send(
        &state,
        &new_email,
        user.lang(),
        "change-email",
        &[
            ("name", Arg::from(user.shown_name())),
            ("link", Arg::from(link)),
        ],
    )
    .await?;
    // Tell the current address too, so a hijack does not go unnoticed.
    if let Some(old) = &user.email {
        emails::send(
            &state,
            old,
            user.lang(),
            "email-changed",
            &[("name", Arg::from(user.shown_name()))],
        )
        .await?;
    }
    accounts::audit(
        &state.db,
        Some(user.id),
        "email_change_requested",
        Some(user.id),
        "",
    )
    .await?;
    ctx.flash("flash-email-change-sent");
    Ok(ctx.redirect("/settings/account"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PasswordForm {
    csrf: String,
    current_password: String,
    new_password: String,
    confirm: String,
}

async fn password_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<PasswordForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let user = match me(&ctx) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    let mut errors = FieldErrors::default();
    if !accounts::check_password(Some(&user), &f.current_password).await {
        errors.add(ctx.lang, "current_password", "password-wrong");
    }
    if let Err(e) = crate::password::check_strength(
        &f.new_password,
        &user.username,
        user.email.as_deref().unwrap_or(""),
    ) {
        errors.add(ctx.lang, "new_password", e.message_key());
    } else if f.new_password != f.confirm {
        errors.add(ctx.lang, "confirm", "password-mismatch");
    }
    if !errors.is_empty() {
        return Ok(invalid(
            &ctx,
            &account_view(&state, &ctx, &user, String::new(), errors),
        ));
    }
    accounts::set_password(&state.db, user.id, &f.new_password).await?;
    crate::oidc::backchannel::user_sessions_ending(
        &state.db,
        &state.jobs,
        &state.config.public_url(),
        user.id,
        ctx.session_hash.as_deref(),
        None,
    )
    .await?;
    accounts::delete_sessions(&state.db, user.id, ctx.session_hash.as_deref()).await?;
    accounts::audit(
        &state.db,
        Some(user.id),
        "password_changed",
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
    ctx.flash("flash-password-changed");
    Ok(ctx.redirect("/settings/account"))
}

// ---- sessions ----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "settings_sessions.html")]
struct SessionsPage {
    s: Shell,
    nav: Vec<(String, &'static str, bool)>,
    sessions: Vec<SessionInfo>,
}

async fn sessions_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = match me(&ctx) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    let sessions = accounts::list_sessions(&state.db, user.id, ctx.session_hash.as_deref()).await?;
    Ok(page(
        &ctx,
        &SessionsPage {
            s: shell(&state, &ctx, "settings-sessions", "/settings/sessions"),
            nav: sections(ctx.lang, "/settings/sessions"),
            sessions,
        },
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RevokeForm {
    csrf: String,
    handle: String,
}

async fn session_revoke(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<RevokeForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let user = match me(&ctx) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    crate::oidc::backchannel::user_sessions_ending(
        &state.db,
        &state.jobs,
        &state.config.public_url(),
        user.id,
        None,
        Some(&f.handle),
    )
    .await?;
    if !accounts::revoke_session_by_handle(&state.db, user.id, &f.handle).await? {
        return Err(AppError::NotFound);
    }
    ctx.flash("flash-session-revoked");
    Ok(ctx.redirect("/settings/sessions"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CsrfForm {
    csrf: String,
}

async fn sessions_revoke_others(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let user = match me(&ctx) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    crate::oidc::backchannel::user_sessions_ending(
        &state.db,
        &state.jobs,
        &state.config.public_url(),
        user.id,
        ctx.session_hash.as_deref(),
        None,
    )
    .await?;
    accounts::delete_sessions(&state.db, user.id, ctx.session_hash.as_deref()).await?;
    ctx.flash("flash-sessions-revoked");
    Ok(ctx.redirect("/settings/sessions"))
}

async fn logout_everywhere(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let user = match me(&ctx) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
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
    ctx.log_out(&state).await?;
    ctx.flash("flash-logged-out");
    Ok(ctx.redirect("/"))
}

// ---- API tokens -------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "settings_tokens.html")]
struct TokensPage {
    s: Shell,
    nav: Vec<(String, &'static str, bool)>,
    tokens: Vec<crate::api::tokens::ApiToken>,
    token_name: String,
    days: String,
    errors: FieldErrors,
    secret: Option<String>,
}

async fn tokens_view(
    state: &AppState,
    ctx: &Ctx,
    user: &User,
    name: String,
    days: String,
    errors: FieldErrors,
    secret: Option<String>,
) -> AppResult<TokensPage> {
    Ok(TokensPage {
        s: shell(state, ctx, "settings-tokens", "/settings/tokens"),
        nav: sections(ctx.lang, "/settings/tokens"),
        tokens: crate::api::tokens::list_tokens(&state.db, user.id).await?,
        token_name: name,
        days,
        errors,
        secret,
    })
}

async fn tokens_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = match me(&ctx) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    let view = tokens_view(
        &state,
        &ctx,
        &user,
        String::new(),
        "90".into(),
        FieldErrors::default(),
        None,
    )
    .await?;
    Ok(page(&ctx, &view))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TokenForm {
    csrf: String,
    name: String,
    days: String,
}

async fn token_create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<TokenForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let user = match me(&ctx) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    let mut errors = FieldErrors::default();
    let name = match crate::api::tokens::check_name(&f.name) {
        Ok(n) => Some(n),
        Err(key) => {
            errors.add(ctx.lang, "name", key);
            None
        }
    };
    let days: Option<i64> = if f.days.trim().is_empty() {
        None
    } else {
        match f.days.trim().parse::<i64>() {
            Ok(d) if (1..=crate::api::tokens::EXPIRES_DAYS_MAX).contains(&d) => Some(d),
            _ => {
                errors.add(ctx.lang, "days", "settings-token-days-invalid");
                None
            }
        }
    };
    let Some(name) = name.filter(|_| errors.is_empty()) else {
        let view = tokens_view(&state, &ctx, &user, f.name, f.days, errors, None).await?;
        return Ok(invalid(&ctx, &view));
    };
    let expires_at = days.map(|d| crate::db::now() + d * 86400);
    let (_, secret) =
        crate::api::tokens::create_token(&state.db, user.id, &name, expires_at).await?;
    accounts::audit(
        &state.db,
        Some(user.id),
        "api_token_created",
        Some(user.id),
        &name,
    )
    .await?;
    // The secret is shown once, on this response only.
    let view = tokens_view(
        &state,
        &ctx,
        &user,
        String::new(),
        "90".into(),
        FieldErrors::default(),
        Some(secret),
    )
    .await?;
    Ok(page(&ctx, &view))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TokenRevokeForm {
    csrf: String,
    id: i64,
}

async fn token_revoke(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<TokenRevokeForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let user = match me(&ctx) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    if !crate::api::tokens::revoke_token(&state.db, user.id, f.id).await? {
        return Err(AppError::NotFound);
    }
    accounts::audit(
        &state.db,
        Some(user.id),
        "api_token_revoked",
        Some(user.id),
        "",
    )
    .await?;
    ctx.flash("flash-token-revoked");
    Ok(ctx.redirect("/settings/tokens"))
}
