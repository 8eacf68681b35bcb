//! Local news and newsletters of territories and organisations: the feeds
//! a territory (`/t/{slug}/news`, administrators) or an organisation
//! (`/o/{slug}/news`, its admins) follows, with each feed's health; and the
//! sections their pages show — the newsletters they publish and the items
//! their feeds brought, with their origin. The operations are
//! `crate::news::places` and `crate::newsletter::ops`.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;

use super::AppState;
use super::communities::news::FeedRow;
use super::ctx::{CsrfForm, Ctx};
use super::templates::{FieldErrors, Shell, invalid, page};
use super::territories::{Extra, ExtraItem};
use crate::accounts::User;
use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::news::places::{self, PlaceOwner, PlaceRef};

/// Items a page shows.
const ITEMS_SHOWN: i64 = 10;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/t/{slug}/news", get(t_page).post(t_subscribe))
        .route("/t/{slug}/news/fetch", post(t_fetch))
        .route("/t/{slug}/news/{id}/remove", post(t_remove))
        .route("/o/{slug}/news", get(o_page).post(o_subscribe))
        .route("/o/{slug}/news/fetch", post(o_fetch))
        .route("/o/{slug}/news/{id}/remove", post(o_remove))
}

// ---- sections of the owners' pages ---------------------------------------------------------

/// The newsletters of an owner, each a link to its page; and, for whoever
/// may create one there, the link to do so.
async fn newsletter_section(
    state: &AppState,
    column: &str,
    id: i64,
    create: Option<String>,
    lang: Lang,
) -> AppResult<Option<Extra>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT slug, name, rhythm FROM newsletter_lists WHERE {column} = $1 ORDER BY name, id LIMIT 50"
    )))
    .bind(id)
    .fetch_all(&state.db.pool)
    .await?;
    if rows.is_empty() && create.is_none() {
        return Ok(None);
    }
    Ok(Some(Extra {
        id: "newsletters",
        heading: lang.t("newsletter-owner-lists"),
        items: rows
            .into_iter()
            .map(|(slug, name, rhythm)| ExtraItem {
                href: crate::urls::newsletter(&slug),
                label: name,
                detail: rhythm,
            })
            .collect(),
        more: create.map(|href| (href, lang.t("newsletter-owner-new"))),
    }))
}

/// The items an owner's feeds brought, newest first, each with its origin;
/// for its managers, the link to the feeds and their health.
async fn news_section(
    state: &AppState,
    owner: PlaceOwner,
    manage: Option<String>,
    lang: Lang,
) -> AppResult<Option<Extra>> {
    let items = places::items(&state.db, owner, ITEMS_SHOWN).await?;
    if items.is_empty() && manage.is_none() {
        return Ok(None);
    }
    Ok(Some(Extra {
        id: "local-news",
        heading: lang.t("news-local-title"),
        items: items
            .into_iter()
            .map(|i| ExtraItem {
                detail: format!(
                    "{} {} · {}",
                    lang.t("news-local-source"),
                    i.source_name,
                    crate::i18n::format_datetime(lang, i.published_at)
                ),
                href: i.url,
                label: i.title,
            })
            .collect(),
        more: manage.map(|href| (href, lang.t("news-local-manage"))),
    }))
}

/// A territory page's newsletters and local news (cached per audience
/// like the rest of the page: the links for administrators differ).
pub async fn territory_sections(
    state: &AppState,
    viewer: Option<&User>,
    t: &crate::territories::Territory,
    lang: Lang,
) -> AppResult<Vec<Extra>> {
    let manages = crate::policy::can(viewer, crate::policy::Action::ManageTerritory);
    let slug = crate::urls::encode_path(&t.slug);
    let mut out = Vec::new();
    out.extend(
        newsletter_section(
            state,
            "territory_id",
            t.id,
            manages.then(|| format!("/newsletters/new?territory={slug}")),
            lang,
        )
        .await?,
    );
    out.extend(
        news_section(
            state,
            PlaceOwner::Territory(t.id),
            manages.then(|| format!("{}/news", crate::urls::territory(&t.slug))),
            lang,
        )
        .await?,
    );
    Ok(out)
}

/// An organisation page's newsletters and local news (the caller asked
/// `ViewOrganisation`; `manages`: `EditOrganisation`).
pub async fn organisation_sections(
    state: &AppState,
    o: &crate::organisations::Organisation,
    manages: bool,
    lang: Lang,
) -> AppResult<Vec<Extra>> {
    let slug = crate::urls::encode_path(&o.slug);
    let mut out = Vec::new();
    out.extend(
        newsletter_section(
            state,
            "organisation_id",
            o.id,
            manages.then(|| format!("/newsletters/new?organisation={slug}")),
            lang,
        )
        .await?,
    );
    out.extend(
        news_section(
            state,
            PlaceOwner::Organisation(o.id),
            manages.then(|| format!("{}/news", crate::urls::organisation(&o.slug))),
            lang,
        )
        .await?,
    );
    Ok(out)
}

// ---- the managers' page -----------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewsForm {
    csrf: String,
    url: String,
    tags: String,
}

#[derive(Template)]
#[template(path = "place_news.html")]
struct NewsPage {
    s: Shell,
    /// The owner's page; the form posts to `{path}/news`.
    path: String,
    name: String,
    feeds: Vec<FeedRow>,
    v: NewsForm,
    errors: FieldErrors,
}

fn place<'a>(kind: char, slug: &'a str) -> PlaceRef<'a> {
    if kind == 't' {
        PlaceRef::Territory(slug)
    } else {
        PlaceRef::Organisation(slug)
    }
}

async fn view(
    state: &AppState,
    ctx: &Ctx,
    p: PlaceRef<'_>,
    v: NewsForm,
    errors: FieldErrors,
) -> AppResult<NewsPage> {
    let actor = Actor::person(ctx.user()?);
    let m = places::managed(state, &actor, p).await?;
    let title = ctx.t("news-local-manage");
    Ok(NewsPage {
        s: Shell::new(
            state,
            ctx,
            &title,
            match p {
                PlaceRef::Territory(_) => "territories",
                PlaceRef::Organisation(_) => "organisations",
            },
        )
        .crumb(m.name.clone(), m.path.clone())
        .crumb(title.clone(), format!("{}/news", m.path)),
        feeds: m.feeds.iter().map(|f| FeedRow::of(ctx.lang, f)).collect(),
        path: m.path,
        name: m.name,
        v,
        errors,
    })
}

async fn show(state: AppState, ctx: Ctx, kind: char, slug: String) -> AppResult<Response> {
    if let Err(r) = ctx.require_login() {
        return Ok(r);
    }
    let p = view(
        &state,
        &ctx,
        place(kind, &slug),
        NewsForm::default(),
        FieldErrors::default(),
    )
    .await?;
    Ok(page(&ctx, &p))
}

async fn subscribe(
    state: AppState,
    mut ctx: Ctx,
    kind: char,
    slug: String,
    f: NewsForm,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let actor = Actor::person(ctx.user()?);
    let p = place(kind, &slug);
    match places::subscribe(&state, &actor, p, &f.url, &f.tags).await {
        Ok(_) => {
            ctx.flash("flash-news-subscribed");
            let back = format!("/{kind}/{}/news", crate::urls::encode_path(&slug));
            Ok(ctx.redirect(&back))
        }
        Err(AppError::Invalid { fields }) => {
            let mut errors = FieldErrors::default();
            for (field, key) in &fields {
                errors.add(ctx.lang, field, key);
            }
            let page = view(&state, &ctx, p, f, errors).await?;
            Ok(invalid(&ctx, &page))
        }
        Err(e) => Err(e),
    }
}

async fn fetch(
    state: AppState,
    mut ctx: Ctx,
    kind: char,
    slug: String,
    f: CsrfForm,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let actor = Actor::person(ctx.user()?);
    places::fetch_now(&state, &actor, place(kind, &slug)).await?;
    ctx.flash("flash-news-fetching");
    Ok(ctx.redirect(&format!("/{kind}/{}/news", crate::urls::encode_path(&slug))))
}

async fn remove(
    state: AppState,
    mut ctx: Ctx,
    kind: char,
    slug: String,
    id: i64,
    f: CsrfForm,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let actor = Actor::person(ctx.user()?);
    places::unsubscribe(&state, &actor, place(kind, &slug), id).await?;
    ctx.flash("flash-news-removed");
    Ok(ctx.redirect(&format!("/{kind}/{}/news", crate::urls::encode_path(&slug))))
}

async fn t_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    show(state, ctx, 't', slug).await
}
async fn o_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    show(state, ctx, 'o', slug).await
}
async fn t_subscribe(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<NewsForm>,
) -> AppResult<Response> {
    subscribe(state, ctx, 't', slug, f).await
}
async fn o_subscribe(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<NewsForm>,
) -> AppResult<Response> {
    subscribe(state, ctx, 'o', slug, f).await
}
async fn t_fetch(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    fetch(state, ctx, 't', slug, f).await
}
async fn o_fetch(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    fetch(state, ctx, 'o', slug, f).await
}
async fn t_remove(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    remove(state, ctx, 't', slug, id, f).await
}
async fn o_remove(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    remove(state, ctx, 'o', slug, id, f).await
}
