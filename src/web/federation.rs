//! The human side of federation (the ActivityPub entry point is
//! `crate::federation`):
//!
//! - `/settings/federation`: a member chooses whether they appear on the
//!   fediverse (their `Person` actor), follows a community of another
//!   instance by its handle, and sees where each follow stands;
//! - `/c/{slug}/remote-followers`: the managers of a community that
//!   approves its members approve or refuse the remote actors who asked
//!   to follow it.
//!
//! Every change goes through `federation::ops` (or `federation::set_opt_out`
//! for one's own account, `EditAccount`).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::AppState;
use super::ctx::Ctx;
use super::templates::{FieldErrors, Shell, page};
use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use passerelles_core::federation::ops::{Following, PendingFollower};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/federation", get(settings_page))
        .route("/settings/federation/presence", post(presence_submit))
        .route("/settings/federation/follow", post(follow_submit))
        .route(
            "/c/{slug}/remote-followers",
            get(followers_page).post(followers_submit),
        )
}

#[derive(Template)]
#[template(path = "settings_federation.html")]
struct SettingsPage {
    s: Shell,
    nav: Vec<(String, &'static str, bool)>,
    opted_out: bool,
    handle: String,
    following: Vec<Following>,
    errors: FieldErrors,
}

fn shell(state: &AppState, ctx: &Ctx) -> Shell {
    Shell::new(state, ctx, &ctx.t("settings-federation"), "settings")
        .crumb(ctx.t("nav-settings"), "/settings/profile")
        .crumb(ctx.t("settings-federation"), "/settings/federation")
}

async fn render_settings(
    state: &AppState,
    ctx: &Ctx,
    user: &crate::accounts::User,
    handle: String,
    errors: FieldErrors,
) -> AppResult<Response> {
    let opted_out = passerelles_core::federation::opted_out(&state.db, user.id).await?;
    let following = passerelles_core::federation::ops::following(state, user.id).await?;
    Ok(page(
        ctx,
        &SettingsPage {
            s: shell(state, ctx),
            nav: super::settings::sections(ctx.lang, "/settings/federation"),
            opted_out,
            handle,
            following,
            errors,
        },
    ))
}

async fn settings_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = match super::settings::me(&ctx) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    render_settings(&state, &ctx, &user, String::new(), FieldErrors::default()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PresenceForm {
    csrf: String,
    /// "1": appear on the fediverse.
    present: String,
}

async fn presence_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<PresenceForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let user = match super::settings::me(&ctx) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    passerelles_core::federation::set_opt_out(&state.db, user.id, f.present != "1").await?;
    ctx.flash("flash-federation-presence-saved");
    Ok(ctx.redirect("/settings/federation"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FollowForm {
    csrf: String,
    handle: String,
}

async fn follow_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<FollowForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let user = match super::settings::me(&ctx) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    let handle = f.handle.trim().to_string();
    let refused = |key: &str| {
        let mut errors = FieldErrors::default();
        errors.add(ctx.lang, "handle", key);
        errors
    };
    let errors = if handle.is_empty() {
        refused("field-required")
    } else {
        match passerelles_core::federation::ops::follow(&state, &Actor::person(&user), &handle)
            .await
        {
            Ok(_) => {
                ctx.flash("flash-federation-follow-sent");
                return Ok(ctx.redirect("/settings/federation"));
            }
            Err(AppError::Invalid { .. }) => refused("federation-target-invalid"),
            Err(AppError::Forbidden) => refused("federation-follow-opted-out"),
            Err(e) => return Err(e),
        }
    };
    let mut res = render_settings(&state, &ctx, &user, handle, errors).await?;
    *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

#[derive(Template)]
#[template(path = "community_remote_followers.html")]
struct FollowersPage {
    s: Shell,
    slug: String,
    pending: Vec<PendingFollower>,
}

async fn community_for(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
) -> AppResult<Result<(crate::accounts::User, crate::communities::Community), Response>> {
    let user = match ctx.require_login() {
        Ok(u) => u.clone(),
        Err(r) => return Ok(Err(r)),
    };
    let c = crate::communities::by_slug(&state.db, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Ok((user, c)))
}

async fn followers_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let (user, c) = match community_for(&state, &ctx, &slug).await? {
        Ok(x) => x,
        Err(r) => return Ok(r),
    };
    let pending =
        passerelles_core::federation::ops::pending_followers(&state, &Actor::person(&user), &c)
            .await?;
    let title = ctx.t("federation-remote-followers");
    Ok(page(
        &ctx,
        &FollowersPage {
            s: Shell::new(&state, &ctx, &title, "communities")
                .crumb(c.name.clone(), &c.path())
                .crumb(title.clone(), &format!("{}/remote-followers", c.path())),
            slug: c.slug.clone(),
            pending,
        },
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AnswerForm {
    csrf: String,
    actor: String,
    /// "approve" or "refuse"
    answer: String,
}

async fn followers_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<AnswerForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let (user, c) = match community_for(&state, &ctx, &slug).await? {
        Ok(x) => x,
        Err(r) => return Ok(r),
    };
    let approve = match f.answer.as_str() {
        "approve" => true,
        "refuse" => false,
        _ => {
            return Err(AppError::BadRequest {
                code: "answer_invalid",
                message_key: "error-400-text",
            });
        }
    };
    passerelles_core::federation::ops::answer_follower(
        &state,
        &Actor::person(&user),
        &c,
        &f.actor,
        approve,
    )
    .await?;
    ctx.flash(if approve {
        "flash-federation-follower-approved"
    } else {
        "flash-federation-follower-refused"
    });
    Ok(ctx.redirect(&format!("{}/remote-followers", c.path())))
}
