//! Search pages: the results page (`/search`, also reached from the header
//! box and from a community's page), saved searches, the tag finder
//! (`/tags`, a plain form that works without JavaScript) and the
//! OpenSearch description. Results come from `crate::search`, which applies
//! the permission policy.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::AppState;
use super::ctx::Ctx;
use super::publications::{first, form_pairs};
use super::templates::{Shell, page};
use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::i18n::Arg;
use crate::search::params::{self, SearchParams};
use crate::search::saved;
use crate::search::{self, KINDS};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/search", get(results_page))
        .route("/search/saved", get(saved_page).post(save))
        .route("/search/saved/{id}/delete", post(delete_saved))
        .route("/tags", get(tags_page))
        .route("/tags.json", get(tags_json))
        .route("/people.json", get(people_json))
        .route("/opensearch.xml", get(opensearch))
}

pub use crate::search::kind_label;

pub struct HitView {
    pub kind_label: String,
    pub url: String,
    pub title_html: String,
    pub snippet_html: String,
    pub created_at: i64,
    pub author: Option<(String, String)>,
    pub communities: Vec<(String, String)>,
}

/// A filter value with its count and the link that applies (or removes) it.
pub struct FacetView {
    pub label: String,
    pub count: i64,
    pub link: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "search.html")]
struct ResultsPage {
    s: Shell,
    p: SearchParams,
    /// Searching within this community: (slug, name).
    within: Option<(String, String)>,
    ran: bool,
    note: Option<String>,
    errors: Vec<(String, String)>,
    hits: Vec<HitView>,
    total: i64,
    capped: bool,
    kinds: Vec<FacetView>,
    communities: Vec<FacetView>,
    tags: Vec<FacetView>,
    kind_options: Vec<(String, String)>,
    prev: Option<String>,
    next: Option<String>,
    page_no: i64,
    save_query: String,
    signed_in: bool,
    /// The save form's name field (the query by default, or what was typed).
    save_name: String,
    /// Why saving failed (the form is re-rendered with the name kept).
    save_error: Option<String>,
    /// The viewer's communities, offered by name in the community filter.
    my_communities: Vec<String>,
    /// "Vouliez-vous dire …?": (corrected query, its results link).
    suggestion: Option<(String, String)>,
}

fn link(p: &SearchParams) -> String {
    format!("/search?{}", p.to_query())
}

async fn results_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<SearchParams>,
) -> AppResult<Response> {
    Ok(page(&ctx, &results(&state, &ctx, p).await?))
}

/// The results page for `p` (also re-rendered by a refused save).
async fn results(state: &AppState, ctx: &Ctx, p: SearchParams) -> AppResult<ResultsPage> {
    let lang = ctx.lang;
    let (req, field_errors) = params::resolve(&state.db, ctx.user.as_ref(), &p).await?;
    let within = req
        .community_name
        .clone()
        .map(|name| (p.community.trim().to_string(), name));
    let ran = !p.q.trim().is_empty();
    let results = if ran {
        search::search(&state.db, ctx.user.as_ref(), &req).await?
    } else {
        search::Results::default()
    };
    let suggestion = if ran && results.total == 0 {
        search::vocab::suggest(&state.db, ctx.user.as_ref(), &req)
            .await?
            .map(|q| {
                let link = link(&p.with("q", &q));
                (q, link)
            })
    } else {
        None
    };
    let hits = results
        .hits
        .iter()
        .map(|h| HitView {
            kind_label: kind_label(lang, &h.kind),
            url: h.url.clone(),
            title_html: h.title_html.clone(),
            snippet_html: h.snippet_html.clone(),
            created_at: h.created_at,
            author: match (&h.author_name, &h.author_username) {
                (Some(n), Some(u)) => {
                    Some((n.clone(), format!("/u/{}", crate::urls::encode_path(u))))
                }
                _ => None,
            },
            communities: h
                .communities
                .iter()
                .map(|c| (c.name.clone(), format!("/c/{}", c.slug)))
                .collect(),
        })
        .collect();
    let kinds = results
        .facets
        .kinds
        .iter()
        .map(|(k, n)| FacetView {
            label: kind_label(lang, k),
            count: *n,
            current: p.kind == *k,
            link: link(&p.with("kind", if p.kind == *k { "" } else { k })),
        })
        .collect();
    let communities = results
        .facets
        .communities
        .iter()
        .map(|(slug, name, n)| FacetView {
            label: name.clone(),
            count: *n,
            current: p.community == *slug,
            link: link(&p.with("community", if p.community == *slug { "" } else { slug })),
        })
        .collect();
    let tags = results
        .facets
        .tags
        .iter()
        .map(|(name, label, n)| FacetView {
            label: label.clone(),
            count: *n,
            current: p.tag == *name,
            link: link(&p.with("tag", if p.tag == *name { "" } else { name })),
        })
        .collect();
    let page_no = req.page as i64;
    let mut prev_p = p.clone();
    prev_p.page = page_no - 1;
    let mut next_p = p.clone();
    next_p.page = page_no + 1;
    let errors = field_errors
        .into_iter()
        .map(|(f, k)| (f, lang.t(&k)))
        .collect();
    let title = if ran {
        lang.ta(
            "search-title-for",
            &[("name", Arg::from(p.q.trim().to_string()))],
        )
    } else {
        lang.t("search-title")
    };
    let mut save_p = p.clone();
    save_p.page = 0;
    let my_communities = match &ctx.user {
        Some(u) => crate::publications::reads::my_communities(&state.db, u)
            .await?
            .into_iter()
            .map(|c| c.name)
            .collect(),
        None => Vec::new(),
    };
    Ok(ResultsPage {
        s: Shell::new(state, ctx, &title, "search").crumb(lang.t("search-title"), "/search"),
        within,
        ran,
        note: results.note.map(|n| lang.t(n.key())),
        errors,
        hits,
        total: results.total,
        capped: results.capped,
        kinds,
        communities,
        tags,
        kind_options: std::iter::once("publication")
            .chain(KINDS)
            .map(|k| (k.to_string(), kind_label(lang, k)))
            .collect(),
        prev: (page_no > 0).then(|| link(&prev_p)),
        next: results.has_next.then(|| link(&next_p)),
        page_no,
        save_query: save_p.to_query(),
        signed_in: ctx.user.is_some(),
        save_name: p.q.clone(),
        save_error: None,
        my_communities,
        suggestion,
        p,
    })
}

// ---- saved searches ------------------------------------------------------------------

pub struct SavedView {
    pub id: i64,
    pub name: String,
    pub link: String,
    pub created_at: i64,
}

#[derive(Template)]
#[template(path = "search_saved.html")]
struct SavedPage {
    s: Shell,
    items: Vec<SavedView>,
}

async fn saved_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = ctx.user.clone().ok_or(AppError::Unauthorized)?;
    let items = saved::list(&state.db, user.id)
        .await?
        .into_iter()
        .map(|s| SavedView {
            id: s.id,
            link: s.link(),
            name: s.name,
            created_at: s.created_at,
        })
        .collect();
    let title = ctx.lang.t("search-saved-title");
    Ok(page(
        &ctx,
        &SavedPage {
            s: Shell::new(&state, &ctx, &title, "search")
                .crumb(ctx.lang.t("search-title"), "/search")
                .crumb(title.clone(), "/search/saved"),
            items,
        },
    ))
}

async fn save(State(state): State<AppState>, mut ctx: Ctx, body: Bytes) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    ctx.verify_csrf(&first(&pairs, "csrf"))?;
    let user = ctx.user.clone().ok_or(AppError::Unauthorized)?;
    let p: SearchParams = serde_urlencoded::from_str(&first(&pairs, "params")).unwrap_or_default();
    let name = first(&pairs, "name");
    let (status, message) = match saved::save(&state.db, &Actor::person(&user), &name, &p).await? {
        Ok(_) => {
            ctx.flash("search-saved-done");
            return Ok(ctx.redirect("/search/saved"));
        }
        Err(saved::SaveError::EmptyQuery) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            ctx.lang.t("search-note-empty"),
        ),
        Err(saved::SaveError::TooMany) => (
            StatusCode::CONFLICT,
            ctx.lang.ta(
                "search-saved-full",
                &[("count", Arg::Num(saved::MAX_PER_MEMBER))],
            ),
        ),
        Err(saved::SaveError::NotAPerson) => return Err(AppError::Forbidden),
    };
    // The results again, with the save form keeping the typed name and
    // saying why it was refused.
    let mut page = results(&state, &ctx, p).await?;
    page.save_name = name.chars().take(saved::NAME_MAX).collect();
    page.save_error = Some(message);
    Ok(ctx.finish((status, super::templates::html(&page))))
}

async fn delete_saved(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(id): Path<i64>,
    body: Bytes,
) -> AppResult<Response> {
    let pairs = form_pairs(&body);
    ctx.verify_csrf(&first(&pairs, "csrf"))?;
    let user = ctx.user.clone().ok_or(AppError::Unauthorized)?;
    if !saved::delete(&state.db, &Actor::person(&user), id).await? {
        return Err(AppError::NotFound);
    }
    ctx.flash("search-saved-deleted");
    Ok(ctx.redirect("/search/saved"))
}

// ---- tags ----------------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
struct TagQuery {
    q: String,
}

#[derive(Template)]
#[template(path = "search_tags.html")]
struct TagsPage {
    s: Shell,
    q: String,
    tags: Vec<(String, String, i64)>,
}

async fn tags_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(tq): Query<TagQuery>,
) -> AppResult<Response> {
    let tags = crate::search::tags::suggest(&state.db, ctx.user.as_ref(), &tq.q, 60).await?;
    let title = ctx.lang.t("tags-title");
    Ok(page(
        &ctx,
        &TagsPage {
            s: Shell::new(&state, &ctx, &title, "search").crumb(title.clone(), "/tags"),
            q: tq.q,
            tags: tags
                .into_iter()
                .map(|t| {
                    (
                        format!("/tags/{}", crate::urls::encode_path(&t.name)),
                        t.label,
                        t.count,
                    )
                })
                .collect(),
        },
    ))
}

/// Tags starting with `q`, as JSON, for `static/tags.js` (the compose form's
/// suggestions while typing). Same as `GET /api/v1/tags`, but for the
/// person of the session cookie, so that their private communities' tags
/// are offered to them (and to no one else).
async fn tags_json(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(tq): Query<TagQuery>,
) -> AppResult<Response> {
    let tags = crate::search::tags::suggest(&state.db, ctx.user.as_ref(), &tq.q, 10).await?;
    Ok(ctx.finish(axum::Json(tags)))
}

/// People the session's account may mention, starting with `q`, as JSON
/// (`[{"username", "name"}]`), for `static/compose.js`. Empty when signed
/// out: no one is suggested to a visitor.
async fn people_json(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(tq): Query<TagQuery>,
) -> AppResult<Response> {
    let people = match &ctx.user {
        Some(u) => crate::communities::members::mention_candidates(&state.db, u, &tq.q, 8).await?,
        None => Vec::new(),
    };
    let out: Vec<serde_json::Value> = people
        .into_iter()
        .map(|(username, name)| serde_json::json!({"username": username, "name": name}))
        .collect();
    Ok(ctx.finish(axum::Json(out)))
}

// ---- OpenSearch ----------------------------------------------------------------------

async fn opensearch(State(state): State<AppState>) -> Response {
    let name: String = state.instance_name().chars().take(16).collect();
    let base = state.config.public_url().trim_end_matches('/').to_string();
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <OpenSearchDescription xmlns=\"http://a9.com/-/spec/opensearch/1.1/\">\n\
         <ShortName>{}</ShortName>\n<Description>{}</Description>\n<InputEncoding>UTF-8</InputEncoding>\n\
         <Image width=\"16\" height=\"16\" type=\"image/svg+xml\">{base}/static/favicon.svg</Image>\n\
         <Url type=\"text/html\" method=\"get\" template=\"{base}/search?q={{searchTerms}}\"/>\n\
         <Url type=\"application/json\" method=\"get\" template=\"{base}/api/v1/search?q={{searchTerms}}\"/>\n\
         </OpenSearchDescription>\n",
        crate::xml::escape(&name),
        crate::xml::escape(&state.instance_name()),
    );
    (
        [(
            header::CONTENT_TYPE,
            "application/opensearchdescription+xml; charset=utf-8",
        )],
        xml,
    )
        .into_response()
}
