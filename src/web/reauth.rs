//! Proving again who one is, without leaving the session: `/login/again`
//! asks the signed-in person for their password (then their second factor,
//! when they have one: `/login/second-factor` in its re-authentication
//! form) or a passkey, then records the new authentication time and
//! methods on the same session (`accounts::sessions::reauthenticated`).
//! Tools send people here through `prompt=login`, `max_age` and
//! `acr_values` (`web::oidc::authorize`): their sign-ins, and those of the
//! other tools, stay — nothing is logged out. `/login/switch` is the other
//! way out of such a page: end this session (its tools hear of it by
//! back-channel logout) and log in with another account.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;

use super::AppState;
use super::auth::{limit, local_next, with_next};
use super::ctx::Ctx;
use super::templates::{Shell, invalid, page};
use crate::accounts::sessions::{self, amr};
use crate::accounts::{self, User};
use crate::actor::Actor;
use crate::error::AppResult;
use crate::ratelimit;
use crate::web::ctx::CsrfForm;
use crate::webauthn::{self, Purpose};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login/again", get(again_form).post(again_submit))
        .route("/login/again/passkey/options", post(passkey_options))
        .route("/login/again/passkey", post(passkey_submit))
        .route("/login/switch", post(switch))
}

#[derive(Template)]
#[template(path = "reauth.html")]
struct AgainPage {
    s: Shell,
    name: String,
    username: String,
    next: String,
    error: Option<String>,
    passkeys: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NextQuery {
    next: String,
}

async fn again_page(
    state: &AppState,
    ctx: &Ctx,
    user: &User,
    next: &str,
    error: Option<String>,
) -> AppResult<AgainPage> {
    let title = ctx.t("reauth-title");
    Ok(AgainPage {
        s: Shell::new(state, ctx, &title, "").crumb(title.clone(), "/login/again"),
        name: user.shown_name().to_string(),
        username: user.username.clone(),
        next: local_next(next),
        error,
        passkeys: webauthn::has_passkey(&state.db, user.id).await?,
    })
}

/// Where to go once done (a local page), `/` by default.
fn onward(next: &str) -> String {
    let n = local_next(next);
    if n.is_empty() { "/".into() } else { n }
}

async fn again_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NextQuery>,
) -> AppResult<Response> {
    let Some(user) = ctx.user.clone() else {
        return Ok(ctx.redirect(&with_next("/login", &local_next(&q.next))));
    };
    let view = again_page(&state, &ctx, &user, &q.next, None).await?;
    let mut res = page(&ctx, &view);
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AgainForm {
    csrf: String,
    password: String,
    next: String,
}

async fn again_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<AgainForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let (Some(user), Some(session)) = (ctx.user.clone(), ctx.session_hash.clone()) else {
        return Ok(ctx.redirect(&with_next("/login", &local_next(&f.next))));
    };
    limit(
        &state,
        &format!("reauth:{}", user.id),
        ratelimit::LOGIN_PER_ACCOUNT,
    )
    .await?;
    // The stored hash is read again: the session's copy may be stale.
    let fresh = accounts::by_id(&state.db, user.id).await?;
    if !accounts::check_password(fresh.as_ref(), &f.password).await {
        let view = again_page(&state, &ctx, &user, &f.next, Some(ctx.t("reauth-wrong"))).await?;
        return Ok(invalid(&ctx, &view));
    }
    let next = onward(&f.next);
    // Then the second factor, when the person has one.
    if let Some(to_code) =
        super::second_factor::reauth_challenge_if_enabled(&state, &mut ctx, &user, &next, &session)
            .await?
    {
        return Ok(to_code);
    }
    let renewed =
        sessions::reauthenticated(&state, &Actor::person(&user), &session, amr::PASSWORD).await?;
    ctx.session_renewed(&state, renewed);
    Ok(ctx.redirect(&next))
}

/// Options for a passkey of the signed-in person (with user verification:
/// a passkey alone re-authenticates), bound to this session.
async fn passkey_options(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let user = ctx.user()?.clone();
    limit(
        &state,
        &format!("reauth:{}", user.id),
        ratelimit::LOGIN_PER_ACCOUNT,
    )
    .await?;
    let keys = webauthn::list(&state.db, user.id).await?;
    let challenge =
        webauthn::new_challenge(&state.db, Purpose::SignIn, &ctx.csrf, Some(user.id)).await?;
    Ok(ctx.finish(Json(webauthn::request_options(
        &super::passkeys::rp(&state),
        &challenge,
        &keys,
        "required",
    ))))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PasskeyForm {
    csrf: String,
    next: String,
    credential: String,
}

async fn passkey_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<PasskeyForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let (Some(user), Some(session)) = (ctx.user.clone(), ctx.session_hash.clone()) else {
        return Ok(ctx.redirect(&with_next("/login", &local_next(&f.next))));
    };
    let binding = ctx.csrf.clone();
    // Only a passkey of this very person, for a challenge made for them
    // in this session.
    let asserted = super::passkeys::asserted(
        &state,
        &ctx,
        &f.credential,
        Purpose::SignIn,
        &binding,
        Some(user.id),
    )
    .await?;
    let Some((key, _)) = asserted.filter(|(k, _)| k.user_id == user.id) else {
        ctx.flash("flash-passkey-failed");
        return Ok(ctx.redirect(&with_next("/login/again", &local_next(&f.next))));
    };
    accounts::audit(
        &state.db,
        Some(user.id),
        "passkey_used",
        Some(user.id),
        &key.name,
    )
    .await?;
    let renewed = sessions::reauthenticated(
        &state,
        &Actor::person(&user),
        &session,
        &amr::passkey_alone(key.backup_eligible),
    )
    .await?;
    ctx.session_renewed(&state, renewed);
    Ok(ctx.redirect(&onward(&f.next)))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SwitchForm {
    csrf: String,
    next: String,
}

/// "Not you? Use another account": this session ends as at any log-out
/// (its tools hear of it), and the log-in page comes back to `next`.
async fn switch(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<SwitchForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    ctx.log_out(&state).await?;
    Ok(ctx.redirect(&with_next("/login", &local_next(&f.next))))
}
