//! The news feeds a community follows (`/c/{slug}/news`, its managers):
//! subscribe to an RSS, Atom or JSON Feed address, each feed's health
//! (last success, last error and why, failures in a row, next try, items
//! taken), fetch now, stop following. The operations are
//! `crate::news::ops`; the items appear in the community's feed.

use super::*;
use crate::news::{self, Feed};

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct NewsForm {
    csrf: String,
    url: String,
    tags: String,
}

/// One feed as its row shows it.
pub(crate) struct FeedRow {
    pub id: i64,
    pub name: String,
    pub url: String,
    pub site_url: String,
    pub tags: String,
    pub failing: bool,
    pub fetched: bool,
    pub last_success_at: Option<i64>,
    /// The error in words, with the detail.
    pub error: String,
    pub last_error_at: Option<i64>,
    pub failures: i64,
    pub next_fetch_at: i64,
    pub items_added: i64,
    pub items_duplicate: i64,
}

impl FeedRow {
    pub(crate) fn of(lang: Lang, f: &Feed) -> FeedRow {
        let error = if f.last_error.is_empty() {
            String::new()
        } else if f.last_error_detail.is_empty() {
            lang.t(&f.last_error)
        } else {
            format!("{} ({})", lang.t(&f.last_error), f.last_error_detail)
        };
        FeedRow {
            id: f.id,
            name: f.name(),
            url: f.url.clone(),
            site_url: f.site_url.clone(),
            tags: f.tags.clone(),
            failing: f.failing(),
            fetched: f.last_fetch_at.is_some(),
            last_success_at: f.last_success_at,
            error,
            last_error_at: f.last_error_at,
            failures: f.failures,
            next_fetch_at: f.next_fetch_at,
            items_added: f.items_added,
            items_duplicate: f.items_duplicate,
        }
    }
}

#[derive(Template)]
#[template(path = "community_news.html")]
pub(super) struct NewsPage {
    s: Shell,
    head: Head,
    feeds: Vec<FeedRow>,
    v: NewsForm,
    errors: FieldErrors,
}

async fn news_view(
    state: &AppState,
    ctx: &Ctx,
    l: &Loaded,
    feeds: &[Feed],
    v: NewsForm,
    errors: FieldErrors,
) -> AppResult<NewsPage> {
    let href = format!("{}/news", l.c.path());
    Ok(NewsPage {
        s: shell(state, ctx, &l.c, Some(("community-tab-news", href.clone()))),
        head: head(state, ctx, l, &href).await?,
        feeds: feeds.iter().map(|f| FeedRow::of(ctx.lang, f)).collect(),
        v,
        errors,
    })
}

pub(super) async fn news_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let l = managed!(state, ctx, slug);
    let feeds = news::feeds_of(&state.db, l.c.id).await?;
    let p = news_view(
        &state,
        &ctx,
        &l,
        &feeds,
        NewsForm::default(),
        FieldErrors::default(),
    )
    .await?;
    Ok(page(&ctx, &p))
}

pub(super) async fn news_subscribe(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<NewsForm>,
) -> AppResult<Response> {
    let back = format!("{}/news", community_path(&slug));
    let user = signed_in!(ctx, &back);
    ctx.verify_csrf(&f.csrf)?;
    let actor = Actor::person(&user);
    match news::ops::subscribe(&state, &actor, &slug, &f.url, &f.tags).await {
        Ok(_) => {
            ctx.flash("flash-news-subscribed");
            Ok(ctx.redirect(&back))
        }
        Err(AppError::Invalid { fields }) => {
            let (l, feeds) = news::ops::managed(&state, &actor, &slug).await?;
            let errors = field_errors(ctx.lang, &fields);
            let p = news_view(&state, &ctx, &l, &feeds, f, errors).await?;
            Ok(invalid(&ctx, &p))
        }
        Err(e) => Err(e),
    }
}

pub(super) async fn news_fetch(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    let back = format!("{}/news", community_path(&slug));
    let user = signed_in!(ctx, &back);
    ctx.verify_csrf(&f.csrf)?;
    news::ops::fetch_now(&state, &Actor::person(&user), &slug, None).await?;
    ctx.flash("flash-news-fetching");
    Ok(ctx.redirect(&back))
}

pub(super) async fn news_remove(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    let back = format!("{}/news", community_path(&slug));
    let user = signed_in!(ctx, &back);
    ctx.verify_csrf(&f.csrf)?;
    news::ops::unsubscribe(&state, &Actor::person(&user), &slug, id).await?;
    ctx.flash("flash-news-removed");
    Ok(ctx.redirect(&back))
}
