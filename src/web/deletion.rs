//! "Delete my account" (issue 20): `/settings/delete` explains the two
//! modes and asks for one (`data_rights::deletion::request`); while the
//! deletion waits out its 14 days the page shows when, and a button that
//! cancels it (`/settings/delete/cancel`). Signing in with a deletion
//! pending leads here.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;

use super::AppState;
use super::ctx::Ctx;
use super::settings::{me, sections};
use super::templates::{Shell, html, page};
use crate::actor::Actor;
use crate::data_rights::deletion::{self, Mode, Pending};
use crate::error::{AppError, AppResult};
use crate::web::ctx::CsrfForm;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/delete", get(delete_page).post(delete_submit))
        .route("/settings/delete/cancel", post(cancel_submit))
}

#[derive(Template)]
#[template(path = "data_rights/settings_delete.html")]
struct DeletePage {
    s: Shell,
    nav: Vec<(String, &'static str, bool)>,
    instance: String,
    pending: Option<Pending>,
    mode: String,
    notice: Option<String>,
}

async fn view(
    state: &AppState,
    ctx: &Ctx,
    user_id: i64,
    mode: String,
    notice: Option<String>,
) -> AppResult<DeletePage> {
    Ok(DeletePage {
        s: Shell::new(state, ctx, &ctx.t("settings-delete"), "settings")
            .crumb(ctx.t("nav-settings"), "/settings/profile")
            .crumb(ctx.t("settings-delete"), "/settings/delete"),
        nav: sections(ctx.lang, "/settings/delete"),
        instance: state.instance_name(),
        pending: deletion::pending(&state.db, user_id).await?,
        mode,
        notice,
    })
}

async fn delete_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = match me(&ctx) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    let v = view(&state, &ctx, user.id, String::new(), None).await?;
    Ok(page(&ctx, &v))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DeleteForm {
    csrf: String,
    mode: String,
    confirm: String,
}

async fn delete_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<DeleteForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let user = match me(&ctx) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    let (mode, confirmed) = (Mode::parse(&f.mode), f.confirm == "yes");
    let Some(mode) = mode.filter(|_| confirmed) else {
        let key = if confirmed {
            "account-delete-choose-mode"
        } else {
            "account-delete-confirm-required"
        };
        let v = view(&state, &ctx, user.id, f.mode.clone(), Some(ctx.t(key))).await?;
        let mut res = html(&v);
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(ctx.finish(res));
    };
    match deletion::request(&state, &Actor::person(&user), &user, mode, "").await {
        Ok(_) => {
            ctx.flash("flash-account-deletion-scheduled");
            Ok(ctx.redirect("/settings/delete"))
        }
        Err(AppError::Conflict { message_key, .. }) => {
            let v = view(&state, &ctx, user.id, f.mode, Some(ctx.t(message_key))).await?;
            let mut res = html(&v);
            *res.status_mut() = StatusCode::CONFLICT;
            Ok(ctx.finish(res))
        }
        Err(e) => Err(e),
    }
}

async fn cancel_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let user = match me(&ctx) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    if deletion::cancel(&state, &Actor::person(&user), &user).await? {
        ctx.flash("flash-account-deletion-cancelled");
    }
    Ok(ctx.redirect("/settings/delete"))
}
