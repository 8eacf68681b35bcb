//! Dossiers: the list (`/dossiers`), one dossier as one page with its
//! items in order (each shown only to who may see it), creating one and
//! adding items (curators), its citation export.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::{Format, citation_response, entries, errors_of};
use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::library::dossiers::{self, Dossier, Item};
use crate::policy::{self, Action};
use crate::web::AppState;
use crate::web::ctx::Ctx;
use crate::web::templates::{FieldErrors, Shell, invalid, page};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dossiers", get(list).post(create))
        .route("/dossiers/{id}", get(show))
        .route("/dossiers/{id}/items", post(add_item))
        .route(
            "/dossiers/{id}/cite.bib",
            get(|s, c, p| cite(s, c, p, Format::Bib)),
        )
        .route(
            "/dossiers/{id}/cite.ris",
            get(|s, c, p| cite(s, c, p, Format::Ris)),
        )
        .route(
            "/dossiers/{id}/cite.json",
            get(|s, c, p| cite(s, c, p, Format::Csl)),
        )
}

#[derive(Template)]
#[template(path = "library/dossiers.html")]
struct ListPage {
    s: Shell,
    dossiers: Vec<Dossier>,
    may_curate: bool,
    title: String,
    introduction: String,
    errors: FieldErrors,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewForm {
    csrf: String,
    title: String,
    introduction: String,
    published: String,
}

async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    f: NewForm,
    errors: FieldErrors,
) -> AppResult<ListPage> {
    let title = ctx.t("dossier-list-title");
    Ok(ListPage {
        s: Shell::new(state, ctx, &title, "library").crumb(title, "/dossiers"),
        dossiers: dossiers::list(&state.db, ctx.user.as_ref()).await?,
        may_curate: policy::can(ctx.user.as_ref(), Action::CurateLibrary),
        title: f.title,
        introduction: f.introduction,
        errors,
    })
}

async fn list(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let p = list_page(&state, &ctx, NewForm::default(), FieldErrors::default()).await?;
    Ok(page(&ctx, &p))
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<NewForm>,
) -> AppResult<Response> {
    let u = ctx.user.clone().ok_or(AppError::Unauthorized)?;
    ctx.verify_csrf(&f.csrf)?;
    match dossiers::create(
        &state,
        &Actor::person(&u),
        &f.title,
        &f.introduction,
        f.published == "1",
    )
    .await
    {
        Ok(d) => Ok(ctx.redirect(&d.path())),
        Err(AppError::Invalid { fields }) => {
            let errors = errors_of(ctx.lang, &fields);
            let p = list_page(&state, &ctx, f, errors).await?;
            Ok(invalid(&ctx, &p))
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "library/dossier.html")]
struct ShowPage {
    s: Shell,
    d: Dossier,
    items: Vec<Item>,
    may_curate: bool,
    kind: String,
    item: String,
    note: String,
    errors: FieldErrors,
}

async fn load(state: &AppState, ctx: &Ctx, id: &str) -> AppResult<Dossier> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let d = dossiers::by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !d.visible_to(ctx.user.as_ref()) {
        return Err(AppError::NotFound);
    }
    Ok(d)
}

async fn show_page(
    state: &AppState,
    ctx: &Ctx,
    d: Dossier,
    f: ItemForm,
    errors: FieldErrors,
) -> AppResult<ShowPage> {
    let items = dossiers::items(&state.db, ctx.user.as_ref(), d.id).await?;
    Ok(ShowPage {
        s: Shell::new(state, ctx, &d.title, "library")
            .crumb(ctx.t("dossier-list-title"), "/dossiers")
            .crumb(d.title.clone(), d.path()),
        d,
        items,
        may_curate: policy::can(ctx.user.as_ref(), Action::CurateLibrary),
        kind: if f.kind.is_empty() {
            "resource".into()
        } else {
            f.kind
        },
        item: f.item,
        note: f.note,
        errors,
    })
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let d = load(&state, &ctx, &id).await?;
    let p = show_page(&state, &ctx, d, ItemForm::default(), FieldErrors::default()).await?;
    Ok(page(&ctx, &p))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ItemForm {
    csrf: String,
    kind: String,
    /// The item's address (`/r/12`, `/p/34`) or id.
    item: String,
    note: String,
}

/// `/r/12`, `https://…/p/34?k=…` or `12`: the id.
fn item_id(typed: &str) -> Option<i64> {
    let t = typed.trim();
    let path = match url::Url::parse(t) {
        Ok(u) => u.path().to_string(),
        Err(_) => t.split(['?', '#']).next().unwrap_or("").to_string(),
    };
    path.trim_end_matches('/').rsplit('/').next()?.parse().ok()
}

async fn add_item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<ItemForm>,
) -> AppResult<Response> {
    let u = ctx.user.clone().ok_or(AppError::Unauthorized)?;
    ctx.verify_csrf(&f.csrf)?;
    let d = load(&state, &ctx, &id).await?;
    let result = match item_id(&f.item) {
        Some(item) => {
            dossiers::add_item(&state, &Actor::person(&u), d.id, &f.kind, item, &f.note).await
        }
        None => Err(AppError::Invalid {
            fields: vec![("item".into(), "dossier-item-unknown".into())],
        }),
    };
    match result {
        Ok(()) => Ok(ctx.redirect(&d.path())),
        Err(AppError::Invalid { fields }) => {
            let errors = errors_of(ctx.lang, &fields);
            let p = show_page(&state, &ctx, d, f, errors).await?;
            Ok(invalid(&ctx, &p))
        }
        Err(e) => Err(e),
    }
}

async fn cite(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    format: Format,
) -> AppResult<Response> {
    let d = load(&state, &ctx, &id).await?;
    let items: Vec<crate::library::Resource> = dossiers::items(&state.db, ctx.user.as_ref(), d.id)
        .await?
        .into_iter()
        .filter_map(|i| i.resource)
        .collect();
    let e = entries(&state, &items, ctx.lang == Lang::En).await?;
    Ok(citation_response(
        &ctx,
        format,
        &e,
        &format!("dossier-{}", d.id),
    ))
}
