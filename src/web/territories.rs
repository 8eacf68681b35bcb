//! Territory pages: `/t` (find a territory by name — the picker's plain
//! search without JavaScript — and the regions), `/t/{slug}` (everything
//! placed below it, rolled up, with filters, sub-territories and counts,
//! the map), `/t/{slug}/map`, feeds, and `/admin/territories` (import).
//! They call `territories::…` and render; the import is
//! `territories::ops::import`.
//!
//! **Extension point** (organisations, initiatives, events): a domain adds
//! its listing to `extra_sections` (an `Extra` per section, rendered after
//! the communities) and its points to `extra_points` (drawn on the same
//! map, clustered with the rest). Both receive the territory and the
//! viewer, and must read through the policy like `territories::rollup`.

use askama::Template;
use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use super::AppState;
use super::ctx::Ctx;
use super::feeds::{self, Feed};
use super::publications::{SummaryView, summary_view};
use super::templates::{FieldErrors, Shell, invalid, page};
use std::sync::Arc;

use crate::accounts::User;
use crate::actor::Actor;
use crate::cache::CachedPage;
use crate::communities::{self, Community};
use crate::error::{AppError, AppResult};
use crate::i18n::{Arg, Lang};
use crate::policy::{self, Action};
use crate::publications;
use crate::territories::map::{self, MapPoint};
use crate::territories::ops::{ImportInput, ImportReport};
use crate::territories::rollup::{self, Filter};
use crate::territories::{self, Level, Territory};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/t", get(index))
        .route("/t/{slug}", get(show))
        .route("/t/{slug}/map", get(map_page))
        .route("/t/{slug}/feed.rss", get(feed_rss))
        .route("/t/{slug}/feed.atom", get(feed_atom))
        .route("/map", get(province_map))
        .route(
            "/admin/territories",
            get(admin_form)
                .post(admin_import)
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::edge::UPLOAD_BODY,
                )),
        )
}

// ---- extension point --------------------------------------------------------------

/// A section another domain adds to a territory page.
pub struct Extra {
    pub id: &'static str,
    pub heading: String,
    pub items: Vec<ExtraItem>,
    pub more: Option<(String, String)>,
}

pub struct ExtraItem {
    pub label: String,
    pub href: String,
    pub detail: String,
}

/// Sections of other domains on a territory page: the organisations
/// serving it or anything below, and its validated initiatives — each as
/// this viewer may see them (the policy's SQL in those domains).
async fn extra_sections(
    state: &AppState,
    viewer: Option<&User>,
    t: &Territory,
    lang: Lang,
) -> AppResult<Vec<Extra>> {
    let orgs = crate::organisations::directory::list(
        &state.db,
        viewer,
        &crate::organisations::directory::Filter {
            territory_id: Some(t.id),
            ..Default::default()
        },
        1,
    )
    .await?;
    let inits = crate::initiatives::list(
        &state.db,
        viewer,
        &crate::initiatives::Filter {
            territory_id: Some(t.id),
            ..Default::default()
        },
        1,
    )
    .await?;
    let slug = crate::urls::encode_path(&t.slug);
    let mut out = Vec::new();
    if !orgs.items.is_empty() {
        out.push(Extra {
            id: "organisations",
            heading: lang.t("nav-organisations"),
            more: orgs.more.then(|| {
                (
                    format!("/organisations?territory={slug}"),
                    lang.t("nav-organisations"),
                )
            }),
            items: orgs
                .items
                .into_iter()
                .map(|o| ExtraItem {
                    href: o.path(),
                    detail: o.legal_form.clone(),
                    label: o.name,
                })
                .collect(),
        });
    }
    if !inits.items.is_empty() {
        out.push(Extra {
            id: "initiatives",
            heading: lang.t("nav-initiatives"),
            more: inits.more.then(|| {
                (
                    format!("/initiatives?territory={slug}"),
                    lang.t("nav-initiatives"),
                )
            }),
            items: inits
                .items
                .into_iter()
                .map(|i| ExtraItem {
                    href: i.path(),
                    detail: i.category.clone(),
                    label: i.name,
                })
                .collect(),
        });
    }
    out.extend(super::events::territory_section(state, viewer, t, lang).await?);
    out.extend(super::place_news::territory_sections(state, viewer, t, lang).await?);
    Ok(out)
}

/// Points of organisations and initiatives on a territory's map, as this
/// viewer may see them.
async fn extra_points(
    state: &AppState,
    viewer: Option<&User>,
    t: &Territory,
) -> AppResult<Vec<MapPoint>> {
    use crate::initiatives::points::{self, Kind};
    let found = points::visible_points(&state.db, viewer, Some(t.id), 500).await?;
    Ok(found
        .into_iter()
        .map(|p| MapPoint {
            lat: p.lat,
            lon: p.lon,
            label: p.name,
            href: p.url,
            kind: match p.kind {
                Kind::Organisation => "organisation",
                Kind::Initiative => "initiative",
            },
            weight: 1,
        })
        .collect())
}

// ---- shared ----------------------------------------------------------------------

fn level_label(lang: Lang, l: Level) -> String {
    lang.t(&l.label_key())
}

async fn load(state: &AppState, slug: &str) -> AppResult<Territory> {
    territories::by_slug(&state.db, slug)
        .await?
        .ok_or(AppError::NotFound)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PageQuery {
    theme: String,
    kind: String,
    page: String,
    q: String,
}

impl PageQuery {
    fn theme(&self) -> Option<String> {
        communities::THEMES
            .contains(&self.theme.as_str())
            .then(|| self.theme.clone())
    }
    /// "communities", or a publication kind, or everything.
    fn kind(&self) -> &str {
        match self.kind.as_str() {
            "communities" | "discussion" | "question" | "watch" => &self.kind,
            _ => "",
        }
    }
    fn page(&self) -> i64 {
        self.page.parse::<i64>().unwrap_or(0).clamp(0, 10_000)
    }
    fn link(&self, base: &str, page: i64) -> String {
        let mut params: Vec<(&str, String)> = Vec::new();
        if let Some(t) = self.theme() {
            params.push(("theme", t));
        }
        if !self.kind().is_empty() {
            params.push(("kind", self.kind().to_string()));
        }
        if page > 0 {
            params.push(("page", page.to_string()));
        }
        if params.is_empty() {
            base.to_string()
        } else {
            format!(
                "{base}?{}",
                serde_urlencoded::to_string(&params).unwrap_or_default()
            )
        }
    }
}

pub struct Option2 {
    pub value: &'static str,
    pub label: String,
    pub selected: bool,
}

pub struct ChildView {
    pub name: String,
    pub path: String,
    pub level: String,
    pub count: String,
}

pub struct CommunityView {
    pub name: String,
    pub path: String,
    pub description: String,
    pub place: String,
}

pub struct ListItem {
    pub label: String,
    pub href: String,
    pub kind: String,
    pub anchor: String,
}

/// The line under a capped map list: how many more places the map draws,
/// and where to find them all (the directories filtered on the territory).
pub struct MapMore {
    pub text: String,
    pub links: Vec<(String, String)>,
}

fn map_more(lang: Lang, t: &Territory, more: usize) -> Option<MapMore> {
    if more == 0 {
        return None;
    }
    let slug = crate::urls::encode_path(&t.slug);
    Some(MapMore {
        text: lang.ta(
            "territory-map-more",
            &[("count", Arg::Num(i64::try_from(more).unwrap_or(i64::MAX)))],
        ),
        links: vec![
            (
                format!("{}?kind=communities", t.path()),
                lang.t("territory-kind-communities"),
            ),
            (
                format!("/organisations?territory={slug}"),
                lang.t("nav-organisations"),
            ),
            (
                format!("/initiatives?territory={slug}"),
                lang.t("nav-initiatives"),
            ),
        ],
    })
}

fn list_items(lang: Lang, items: &[MapPoint], anchor: &str) -> Vec<ListItem> {
    items
        .iter()
        .enumerate()
        .map(|(i, p)| ListItem {
            label: p.label.clone(),
            href: p.href.clone(),
            kind: lang.t(&format!("territory-map-kind-{}", p.kind)),
            anchor: format!("{anchor}-{i}"),
        })
        .collect()
}

fn community_view(
    c: &Community,
    names: &std::collections::HashMap<String, String>,
) -> CommunityView {
    let description: String = c.description.chars().take(200).collect();
    CommunityView {
        name: c.name.clone(),
        path: c.path(),
        description,
        place: names.get(&c.territory).cloned().unwrap_or_default(),
    }
}

// ---- /t ----------------------------------------------------------------------------

pub struct FoundView {
    pub name: String,
    pub path: String,
    pub level: String,
    pub parent: String,
    /// How to type it in a form so it is found again.
    pub input: String,
}

#[derive(Template)]
#[template(path = "territory_index.html")]
struct IndexPage {
    s: Shell,
    q: String,
    found: Vec<FoundView>,
    searched: bool,
    regions: Vec<ChildView>,
}

async fn index(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let lang = ctx.lang;
    let query: String = q.q.trim().chars().take(100).collect();
    let mut found = Vec::new();
    let searched = !query.is_empty();
    if searched {
        let hits = territories::search(&state.db, &query, 50).await?;
        for (t, parent) in hits {
            let input = territories::input_label(&state.db, &t).await?;
            found.push(FoundView {
                name: t.name.clone(),
                path: t.path(),
                level: level_label(lang, t.level),
                parent: parent.unwrap_or_default(),
                input,
            });
        }
    }
    let province = territories::by_slug(&state.db, "quebec").await?;
    let regions = match province {
        Some(p) => rollup::children(&state.db, ctx.user.as_ref(), p.id, &Filter::default())
            .await?
            .into_iter()
            .map(|c| child_view(lang, &c))
            .collect(),
        None => Vec::new(),
    };
    let title = ctx.t("territory-index-title");
    Ok(page(
        &ctx,
        &IndexPage {
            s: Shell::new(&state, &ctx, &title, "territories").crumb(title.clone(), "/t"),
            q: query,
            found,
            searched,
            regions,
        },
    ))
}

fn child_view(lang: Lang, c: &rollup::Child) -> ChildView {
    ChildView {
        name: c.territory.name.clone(),
        path: c.territory.path(),
        level: level_label(lang, c.territory.level),
        count: lang.ta(
            "territory-community-count",
            &[("count", Arg::Num(c.communities))],
        ),
    }
}

// ---- /t/{slug} ------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "territory_show.html")]
struct ShowPage {
    s: Shell,
    body: String,
    feed_rss: String,
    feed_atom: String,
}

/// The body of a territory page: the same for every anonymous visitor, so
/// kept in `state.pages` (see `cached`).
#[derive(Template)]
#[template(path = "territory_show_body.html")]
struct ShowBody {
    s: Shell,
    name: String,
    level: String,
    code: String,
    demo: bool,
    base: String,
    themes: Vec<Option2>,
    kinds: Vec<Option2>,
    filtered: bool,
    children: Vec<ChildView>,
    show_communities: bool,
    communities: Vec<CommunityView>,
    community_total: String,
    show_publications: bool,
    items: Vec<SummaryView>,
    page: i64,
    prev: Option<String>,
    next: Option<String>,
    map_svg: String,
    map_items: Vec<ListItem>,
    map_more: Option<MapMore>,
    map_link: String,
    extra: Vec<Extra>,
    feed_rss: String,
    feed_atom: String,
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let key = format!(
        "show|{slug}|{}|{}|{}|{}",
        q.theme().unwrap_or_default(),
        q.kind(),
        q.page(),
        ctx.lang.code()
    );
    let cached = cached(&state, &ctx, key, || show_body(&state, &ctx, &slug, &q)).await?;
    let base = format!("/t/{}", crate::urls::encode_path(&slug));
    Ok(page(
        &ctx,
        &ShowPage {
            s: shell(&state, &ctx, &cached),
            body: cached.body.clone(),
            feed_rss: format!("{base}/feed.rss"),
            feed_atom: format!("{base}/feed.atom"),
        },
    ))
}

/// The shell around a page body: this request's, with the body's title
/// and breadcrumbs.
fn shell(state: &AppState, ctx: &Ctx, p: &CachedPage) -> Shell {
    let mut s = Shell::new(state, ctx, &p.title, "territories");
    for (label, link) in &p.crumbs {
        s = s.crumb(label.clone(), link.clone());
    }
    s
}

/// Territory pages are shared by the viewers of one audience (see
/// `web::cached`).
async fn cached<F, Fut>(
    state: &AppState,
    ctx: &Ctx,
    key: String,
    compute: F,
) -> AppResult<Arc<CachedPage>>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = AppResult<CachedPage>>,
{
    super::cached::cached(state, ctx.user.as_ref(), key, compute).await
}

async fn show_body(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    q: &PageQuery,
) -> AppResult<CachedPage> {
    let t = load(state, slug).await?;
    let viewer = ctx.user.as_ref();
    let lang = ctx.lang;
    let filter = Filter { theme: q.theme() };
    let kind = q.kind().to_string();
    let page_no = q.page();
    let crumbs = territories::breadcrumbs(&state.db, t.id).await?;
    let children = rollup::children(&state.db, viewer, t.id, &filter).await?;
    let show_communities = kind.is_empty() || kind == "communities";
    let show_publications = kind != "communities";
    let (community_list, total) = if show_communities {
        rollup::communities(&state.db, viewer, t.id, &filter).await?
    } else {
        (Vec::new(), 0)
    };
    let (items, more) = if show_publications {
        publications::list_in_territory(
            &state.db,
            viewer,
            t.id,
            (!kind.is_empty()).then_some(kind.as_str()),
            filter.theme.as_deref(),
            page_no,
        )
        .await?
    } else {
        (Vec::new(), false)
    };
    let slugs: Vec<&str> = community_list
        .iter()
        .map(|c| c.territory.as_str())
        .collect();
    let names = territories::names_by_slug(&state.db, &slugs).await?;
    // The map: sub-territories (weighted) or, at the bottom, the communities.
    let mut points = rollup::child_points(&children);
    if points.is_empty() {
        points = rollup::community_points(&state.db, viewer, t.id, &filter).await?;
    }
    points.extend(extra_points(state, viewer, &t).await?);
    let boundary = rollup::boundary(&state.db, t.id).await?;
    let rings = boundary
        .as_deref()
        .map(crate::territories::geo::outer_rings)
        .unwrap_or_default();
    let view = map::render(
        &lang.ta(
            "territory-map-title",
            &[("name", Arg::from(t.name.clone()))],
        ),
        &rings,
        points,
        "map-item",
    );
    let base = t.path();
    let mut trail = vec![(ctx.t("territory-index-title"), "/t".to_string())];
    for c in &crumbs {
        trail.push((c.name.clone(), c.path()));
    }
    let extra = extra_sections(state, viewer, &t, lang).await?;
    let body = ShowBody {
        s: Shell::new(state, ctx, &t.name, "territories"),
        name: t.name.clone(),
        level: level_label(lang, t.level),
        code: t.code.clone(),
        demo: t.is_demo(),
        themes: communities::THEMES
            .iter()
            .map(|th| Option2 {
                value: th,
                label: lang.t(&format!("community-theme-{th}")),
                selected: filter.theme.as_deref() == Some(*th),
            })
            .collect(),
        kinds: ["communities", "discussion", "question", "watch"]
            .into_iter()
            .map(|k| Option2 {
                value: k,
                label: lang.t(&format!("territory-kind-{k}")),
                selected: kind == k,
            })
            .collect(),
        filtered: filter.theme.is_some() || !kind.is_empty(),
        children: children.iter().map(|c| child_view(lang, c)).collect(),
        show_communities,
        communities: community_list
            .iter()
            .map(|c| community_view(c, &names))
            .collect(),
        community_total: lang.ta("territory-community-count", &[("count", Arg::Num(total))]),
        show_publications,
        items: items.iter().map(|s| summary_view(lang, s)).collect(),
        page: page_no,
        prev: (page_no > 0).then(|| q.link(&base, page_no - 1)),
        next: more.then(|| q.link(&base, page_no + 1)),
        map_items: list_items(lang, &view.items, "map-item"),
        map_more: map_more(lang, &t, view.more),
        map_svg: view.svg,
        map_link: crate::urls::territory_map(&t.slug),
        extra,
        feed_rss: format!("{base}/feed.rss"),
        feed_atom: format!("{base}/feed.atom"),
        base,
    }
    .render()
    .map_err(|e| AppError::Internal(e.into()))?;
    Ok(CachedPage {
        title: t.name.clone(),
        crumbs: trail,
        body,
    })
}

// ---- maps ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "territory_map.html")]
struct MapPage {
    s: Shell,
    body: String,
}

/// The body of a map page (cached for anonymous visitors, like `ShowBody`).
#[derive(Template)]
#[template(path = "territory_map_body.html")]
struct MapBody {
    s: Shell,
    name: String,
    back: String,
    map_svg: String,
    map_items: Vec<ListItem>,
    map_more: Option<MapMore>,
}

async fn map_body(state: &AppState, ctx: &Ctx, slug: &str) -> AppResult<CachedPage> {
    let t = load(state, slug).await?;
    let viewer = ctx.user.as_ref();
    let lang = ctx.lang;
    let filter = Filter::default();
    let children = rollup::children(&state.db, viewer, t.id, &filter).await?;
    // Sub-territories (weighted by their communities) or, at the bottom of
    // the tree, the communities themselves — as on the territory's page.
    let mut points = rollup::child_points(&children);
    if points.is_empty() {
        points = rollup::community_points(&state.db, viewer, t.id, &filter).await?;
    }
    points.extend(extra_points(state, viewer, &t).await?);
    let rings = rollup::boundary(&state.db, t.id)
        .await?
        .as_deref()
        .map(crate::territories::geo::outer_rings)
        .unwrap_or_default();
    let title = lang.ta(
        "territory-map-title",
        &[("name", Arg::from(t.name.clone()))],
    );
    let view = map::render(&title, &rings, points, "map-item");
    let mut trail = vec![(ctx.t("territory-index-title"), "/t".to_string())];
    for c in territories::breadcrumbs(&state.db, t.id).await? {
        trail.push((c.name.clone(), c.path()));
    }
    trail.push((
        ctx.t("territory-map-crumb"),
        crate::urls::territory_map(&t.slug),
    ));
    let body = MapBody {
        s: Shell::new(state, ctx, &title, "territories"),
        name: title.clone(),
        back: t.path(),
        map_items: list_items(lang, &view.items, "map-item"),
        map_more: map_more(lang, &t, view.more),
        map_svg: view.svg,
    }
    .render()
    .map_err(|e| AppError::Internal(e.into()))?;
    Ok(CachedPage {
        title,
        crumbs: trail,
        body,
    })
}

async fn render_map_page(state: &AppState, ctx: &Ctx, slug: &str) -> AppResult<Response> {
    let key = format!("map|{slug}|{}", ctx.lang.code());
    let p = cached(state, ctx, key, || map_body(state, ctx, slug)).await?;
    Ok(page(
        ctx,
        &MapPage {
            s: shell(state, ctx, &p),
            body: p.body.clone(),
        },
    ))
}

async fn map_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    render_map_page(&state, &ctx, &slug).await
}

async fn province_map(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    render_map_page(&state, &ctx, "quebec").await
}

// ---- feeds ------------------------------------------------------------------------

/// A territory's publications for an anonymous reader (the same policy as
/// the page for a visitor).
async fn feed(
    state: &AppState,
    slug: &str,
    ext: &str,
) -> AppResult<(Territory, String, Vec<publications::PublicationSummary>)> {
    let t = load(state, slug).await?;
    let (items, _) = publications::list_in_territory(&state.db, None, t.id, None, None, 0).await?;
    let page_url = state.url(&t.path());
    Ok((t, format!("{page_url}/feed.{ext}"), items))
}

fn respond(body: String, ctype: &'static str) -> Response {
    let mut res = body.into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    res
}

async fn feed_rss(State(state): State<AppState>, Path(slug): Path<String>) -> AppResult<Response> {
    let (t, self_url, items) = feed(&state, &slug, "rss").await?;
    let f = Feed {
        title: format!("{} · {}", t.name, state.instance_name()),
        description: String::new(),
        page_url: state.url(&t.path()),
        self_url,
        items: &items,
        lang: "fr-CA",
        unlisted: false,
    };
    Ok(respond(
        feeds::rss(&f, &state.config.public_url()),
        "application/rss+xml; charset=utf-8",
    ))
}

async fn feed_atom(State(state): State<AppState>, Path(slug): Path<String>) -> AppResult<Response> {
    let (t, self_url, items) = feed(&state, &slug, "atom").await?;
    let f = Feed {
        title: format!("{} · {}", t.name, state.instance_name()),
        description: String::new(),
        page_url: state.url(&t.path()),
        self_url,
        items: &items,
        lang: "fr-CA",
        unlisted: false,
    };
    Ok(respond(
        feeds::atom(&f, &state.config.public_url()),
        "application/atom+xml; charset=utf-8",
    ))
}

// ---- /admin/territories ------------------------------------------------------------------

pub struct IssueView {
    pub line: usize,
    pub code: String,
    pub message: String,
}

pub struct ReportView {
    pub applied: bool,
    pub format: String,
    pub summary: String,
    pub unit: String,
    pub issues: Vec<IssueView>,
}

#[derive(Template)]
#[template(path = "admin_territories.html")]
struct AdminPage {
    s: Shell,
    nav: Vec<super::admin::NavItem>,
    errors: FieldErrors,
    levels: Vec<Option2>,
    counts: Vec<(String, i64)>,
    skip: bool,
    report: Option<ReportView>,
}

fn admin_user(ctx: &Ctx) -> Result<Result<User, Response>, AppError> {
    let u = match ctx.require_login() {
        Ok(u) => u,
        Err(r) => return Ok(Err(r)),
    };
    if !policy::can(Some(u), Action::Administer) {
        return Err(AppError::Forbidden);
    }
    Ok(Ok(u.clone()))
}

async fn admin_page(
    state: &AppState,
    ctx: &Ctx,
    errors: FieldErrors,
    level: &str,
    skip: bool,
    report: Option<ReportView>,
) -> AppResult<AdminPage> {
    let lang = ctx.lang;
    let title = ctx.t("territory-admin-nav");
    let counts = territories::counts_by_level(&state.db)
        .await?
        .into_iter()
        .map(|(l, n)| (level_label(lang, l), n))
        .collect();
    Ok(AdminPage {
        s: Shell::new(state, ctx, &title, "admin")
            .crumb(ctx.t("admin-title"), "/admin")
            .crumb(title.clone(), "/admin/territories"),
        nav: super::admin::admin_nav(lang, "/admin/territories"),
        errors,
        levels: Level::ALL
            .into_iter()
            .skip(1)
            .map(|l| Option2 {
                value: l.as_str(),
                label: level_label(lang, l),
                selected: l.as_str() == level,
            })
            .collect(),
        counts,
        skip,
        report,
    })
}

async fn admin_form(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    if let Err(r) = admin_user(&ctx)? {
        return Ok(r);
    }
    let p = admin_page(&state, &ctx, FieldErrors::default(), "", false, None).await?;
    Ok(page(&ctx, &p))
}

fn report_view(lang: Lang, r: &ImportReport) -> ReportView {
    ReportView {
        applied: r.applied,
        format: r.format.map(|f| f.as_str()).unwrap_or("").to_string(),
        summary: lang.ta(
            "territory-import-summary",
            &[
                ("created", Arg::Num(r.created as i64)),
                ("updated", Arg::Num(r.updated as i64)),
                ("unchanged", Arg::Num(r.unchanged as i64)),
                ("issues", Arg::Num(r.issues.len() as i64)),
                ("ignored", Arg::Num(r.ignored as i64)),
            ],
        ),
        unit: lang.t(if r.features {
            "territory-import-feature"
        } else {
            "territory-import-line"
        }),
        issues: r
            .issues
            .iter()
            .map(|i| IssueView {
                line: i.line,
                code: i.code.clone(),
                message: lang.t(i.key),
            })
            .collect(),
    }
}

async fn admin_import(
    State(state): State<AppState>,
    ctx: Ctx,
    mp: Multipart,
) -> AppResult<Response> {
    let me = match admin_user(&ctx)? {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    let form = crate::edge::read_multipart(mp, "file").await?;
    ctx.verify_csrf(&form.get("csrf"))?;
    let level_raw = form.get("level");
    let level = Level::parse(&level_raw);
    let skip = form.get("skip_bad_lines") == "1";
    let lang = ctx.lang;
    let mut errors = FieldErrors::default();
    let Some(upload) = form.uploads.first() else {
        let key = form
            .refused
            .first()
            .map(|(_, k)| *k)
            .unwrap_or("territory-file-missing");
        errors.add(lang, "file", key);
        let p = admin_page(&state, &ctx, errors, &level_raw, skip, None).await?;
        return Ok(invalid(&ctx, &p));
    };
    let actor = Actor::Person(me);
    let result = crate::territories::ops::import(
        &state,
        &actor,
        ImportInput {
            bytes: &upload.bytes,
            level,
            skip_bad_lines: skip,
            progress: None,
        },
    )
    .await;
    match result {
        Ok(report) => {
            let view = report_view(lang, &report);
            let p = admin_page(&state, &ctx, errors, &level_raw, skip, Some(view)).await?;
            Ok(if report.applied {
                page(&ctx, &p)
            } else {
                invalid(&ctx, &p)
            })
        }
        Err(AppError::Invalid { fields }) => {
            for (f, k) in fields {
                errors.add(lang, &f, &k);
            }
            let p = admin_page(&state, &ctx, errors, &level_raw, skip, None).await?;
            Ok(invalid(&ctx, &p))
        }
        Err(e) => Err(e),
    }
}
