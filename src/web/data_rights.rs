//! "My data" (issue 20): `/settings/data` lists the person's archives and
//! asks for a new one (`data_rights::ops::request_export`);
//! `/settings/data/exports/{id}` streams a ready archive to its owner,
//! chunk by chunk from the database.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;

use super::AppState;
use super::ctx::Ctx;
use super::settings::{me, sections};
use super::templates::{Shell, html, page, too_many};
use crate::actor::Actor;
use crate::data_rights::consents::{self, Consents};
use crate::data_rights::{self, Export, PER_DAY, ops};
use crate::error::{AppError, AppResult};
use crate::web::ctx::CsrfForm;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/data", get(data_page))
        .route("/settings/data/export", post(request))
        .route("/settings/data/exports/{id}", get(download))
        .route("/settings/consents", get(consents_page))
        .route("/settings/consents/findable", post(withdraw_findable))
        .route("/settings/consents/tools", post(withdraw_tool))
}

#[derive(Template)]
#[template(path = "data_rights/settings_data.html")]
struct DataPage {
    s: Shell,
    nav: Vec<(String, &'static str, bool)>,
    instance: String,
    max: i64,
    exports: Vec<Export>,
    /// Why the last request was refused (409, 429).
    notice: Option<String>,
}

async fn view(
    state: &AppState,
    ctx: &Ctx,
    user_id: i64,
    notice: Option<String>,
) -> AppResult<DataPage> {
    Ok(DataPage {
        s: Shell::new(state, ctx, &ctx.t("settings-data"), "settings")
            .crumb(ctx.t("nav-settings"), "/settings/profile")
            .crumb(ctx.t("settings-data"), "/settings/data"),
        nav: sections(ctx.lang, "/settings/data"),
        instance: state.instance_name(),
        max: PER_DAY,
        exports: data_rights::list(&state.db, user_id).await?,
        notice,
    })
}

async fn data_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = match me(&ctx) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    let v = view(&state, &ctx, user.id, None).await?;
    Ok(page(&ctx, &v))
}

async fn request(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let user = match me(&ctx) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    match ops::request_export(&state, &Actor::person(&user), &user).await {
        Ok(_) => {
            ctx.flash("flash-data-export-requested");
            Ok(ctx.redirect("/settings/data"))
        }
        Err(AppError::Conflict { message_key, .. }) => {
            let v = view(&state, &ctx, user.id, Some(ctx.t(message_key))).await?;
            let mut res = html(&v);
            *res.status_mut() = StatusCode::CONFLICT;
            Ok(ctx.finish(res))
        }
        Err(AppError::TooManyRequests { retry_after }) => {
            let msg = ctx.lang.ta(
                "data-export-too-many",
                &[("count", crate::i18n::Arg::Num(PER_DAY))],
            );
            let v = view(&state, &ctx, user.id, Some(msg)).await?;
            Ok(too_many(&ctx, retry_after, &v))
        }
        Err(e) => Err(e),
    }
}

/// The archive, streamed from its chunks: one chunk (about 1 MiB) in
/// memory at a time.
async fn download(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let user = match ctx.require_login() {
        Ok(u) => u.clone(),
        Err(r) => return Ok(r),
    };
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let export = ops::open_download(&state.db, &user, id).await?;
    let res = crate::edge::download::archive_response(&state, &export, &user.username);
    Ok(ctx.finish(res))
}

// ---- consents ------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "data_rights/settings_consents.html")]
struct ConsentsPage {
    s: Shell,
    nav: Vec<(String, &'static str, bool)>,
    c: Consents,
}

async fn consents_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = match me(&ctx) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    let v = ConsentsPage {
        s: Shell::new(&state, &ctx, &ctx.t("settings-consents"), "settings")
            .crumb(ctx.t("nav-settings"), "/settings/profile")
            .crumb(ctx.t("settings-consents"), "/settings/consents"),
        nav: sections(ctx.lang, "/settings/consents"),
        c: consents::list(&state.db, user.id).await?,
    };
    Ok(page(&ctx, &v))
}

async fn withdraw_findable(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let user = match me(&ctx) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    consents::withdraw_findable(&state, &Actor::person(&user), &user).await?;
    ctx.flash("flash-consent-withdrawn");
    Ok(ctx.redirect("/settings/consents"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ToolForm {
    csrf: String,
    client_id: String,
}

async fn withdraw_tool(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<ToolForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let user = match me(&ctx) {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    let Some(client) = crate::oidc::clients::by_client_id(&state.db, &f.client_id).await? else {
        return Err(AppError::NotFound);
    };
    crate::oidc::ops::withdraw_consent(&state, &Actor::person(&user), &client).await?;
    ctx.flash("flash-consent-withdrawn");
    Ok(ctx.redirect("/settings/consents"))
}
