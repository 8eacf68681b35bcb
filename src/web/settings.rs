//! Personal settings: profile (with avatar), e-mail and password, sessions.
//! API tokens have their page here too. Every change is an operation of
//! `crate::accounts` (`email`, `password`, `sessions`, `tokens`), shared
//! with the API.

use askama::Template;
use axum::extract::{Multipart, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::AppState;
use super::auth::field_errors;
use super::ctx::Ctx;
use super::templates::{FieldErrors, Shell, invalid, page};
use crate::accounts::{self, SessionInfo, User, email, sessions, tokens};
use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
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
        ("notify-settings-title", crate::urls::NOTIFICATION_SETTINGS),
        ("newsletter-settings-title", "/settings/newsletters"),
        ("settings-tokens", "/settings/tokens"),
        ("settings-tools", "/settings/tools"),
        ("settings-consents", "/settings/consents"),
        ("settings-data", "/settings/data"),
        ("settings-federation", "/settings/federation"),
        ("settings-delete", "/settings/delete"),
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
                let text = crate::edge::input::text_field(&name, text)?;
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
        match state.images.avatar(bytes, profiles::AVATAR_SIZE).await {
            Ok(jpeg) => new_avatar = Some(jpeg),
            Err(images::ImageError::Busy) => return Err(AppError::Unavailable),
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
    let actor = Actor::person(&user);
    profiles::update(&state, &actor, &changes).await?;
    if let Some(jpeg) = new_avatar {
        profiles::replace_avatar(&state, &actor, jpeg).await?;
    } else if remove {
        profiles::drop_avatar(&state, &actor).await?;
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
    /// Working API tokens: the password form asks whether to keep them.
    active_tokens: i64,
}

async fn account_view(
    state: &AppState,
    ctx: &Ctx,
    user: &User,
    new_email: String,
    errors: FieldErrors,
) -> AppResult<AccountPage> {
    Ok(AccountPage {
        s: shell(state, ctx, "settings-account", "/settings/account"),
        nav: sections(ctx.lang, "/settings/account"),
        email: user.email.clone().unwrap_or_default(),
        email_verified: user.email_verified,
        new_email,
        errors,
        active_tokens: tokens::count_active(&state.db, user.id).await?,
    })
}

async fn account_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = match me(&ctx) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    Ok(page(
        &ctx,
        &account_view(&state, &ctx, &user, String::new(), FieldErrors::default()).await?,
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
    match email::request_change(
        &state,
        &Actor::person(&user),
        &new_email,
        &f.current_password,
    )
    .await
    {
        Ok(()) => {}
        Err(AppError::Invalid { fields }) => {
            return Ok(invalid(
                &ctx,
                &account_view(
                    &state,
                    &ctx,
                    &user,
                    new_email,
                    field_errors(ctx.lang, &fields),
                )
                .await?,
            ));
        }
        Err(e) => return Err(e),
    }
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
    /// Checked to keep the API tokens working; absent, they are revoked.
    keep_tokens: Option<String>,
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
    let changed = accounts::password::change(
        &state,
        &Actor::person(&user),
        &f.current_password,
        &f.new_password,
        &f.confirm,
        ctx.session_hash.as_deref(),
        f.keep_tokens.is_none(),
        &ctx.user_agent,
    )
    .await;
    match changed {
        Ok(()) => {}
        Err(AppError::Invalid { fields }) => {
            return Ok(invalid(
                &ctx,
                &account_view(
                    &state,
                    &ctx,
                    &user,
                    String::new(),
                    field_errors(ctx.lang, &fields),
                )
                .await?,
            ));
        }
        Err(e) => return Err(e),
    }
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
    sessions::revoke(&state, &Actor::person(&user), &f.handle).await?;
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
    sessions::end_all(&state, &Actor::person(&user), ctx.session_hash.as_deref()).await?;
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
    sessions::end_all(&state, &Actor::person(&user), None).await?;
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
    tokens: Vec<tokens::ApiToken>,
    token_name: String,
    days: String,
    /// The scope chosen (`read` unless the person picked another).
    scope: String,
    /// The scopes offered: `admin` only to administrators.
    scopes: Vec<&'static str>,
    errors: FieldErrors,
    secret: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn tokens_view(
    state: &AppState,
    ctx: &Ctx,
    user: &User,
    name: String,
    days: String,
    scope: String,
    errors: FieldErrors,
    secret: Option<String>,
) -> AppResult<TokensPage> {
    Ok(TokensPage {
        s: shell(state, ctx, "settings-tokens", "/settings/tokens"),
        nav: sections(ctx.lang, "/settings/tokens"),
        tokens: tokens::list_tokens(&state.db, user.id).await?,
        token_name: name,
        days,
        scope,
        scopes: tokens::Scope::ALL
            .into_iter()
            .filter(|s| *s != tokens::Scope::Admin || user.is_admin)
            .map(tokens::Scope::as_str)
            .collect(),
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
        "read".into(),
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
    /// `read` when absent: a token reads unless asked for more.
    scope: String,
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
    // The form's days are text: what is not a number is refused here, the
    // range by the operation.
    let days = f.days.trim();
    let days: Result<Option<i64>, ()> = if days.is_empty() {
        Ok(None)
    } else {
        days.parse::<i64>().map(Some).map_err(|_| ())
    };
    let scope = if f.scope.is_empty() {
        Some(tokens::Scope::Read)
    } else {
        tokens::Scope::parse(&f.scope)
    };
    let made = match (days, scope) {
        (Ok(days), Some(scope)) => {
            tokens::create(&state, &Actor::person(&user), &f.name, days, scope).await
        }
        (Ok(_), None) => Err(AppError::Invalid {
            fields: vec![("scope".to_string(), "field-invalid".to_string())],
        }),
        (Err(()), _) => {
            // Still report the name's refusal along with the days'.
            let mut fields = vec![("expires_in_days".to_string(), String::new())];
            if let Err(k) = tokens::check_name(&f.name) {
                fields.insert(0, ("name".to_string(), k.to_string()));
            }
            Err(AppError::Invalid { fields })
        }
    };
    let secret = match made {
        Ok((_, secret)) => secret,
        Err(AppError::Invalid { fields }) => {
            let mut errors = FieldErrors::default();
            for (field, key) in &fields {
                if field == "expires_in_days" {
                    errors.add(ctx.lang, "days", "settings-token-days-invalid");
                } else {
                    errors.add(ctx.lang, field, key);
                }
            }
            let view =
                tokens_view(&state, &ctx, &user, f.name, f.days, f.scope, errors, None).await?;
            return Ok(invalid(&ctx, &view));
        }
        Err(e) => return Err(e),
    };
    // The secret is shown once, on this response only.
    let view = tokens_view(
        &state,
        &ctx,
        &user,
        String::new(),
        "90".into(),
        "read".into(),
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
    tokens::revoke(&state, &Actor::person(&user), f.id).await?;
    ctx.flash("flash-token-revoked");
    Ok(ctx.redirect("/settings/tokens"))
}
