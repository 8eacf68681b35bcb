//! RSS 2.0 and Atom 1.0 for public listings. Feeds are fetched without
//! cookies, so they are built for an anonymous viewer through the same
//! permission policy: a private community has no feed (404).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::AppState;
use crate::communities;
use crate::error::{AppError, AppResult};
use crate::policy::{self, Action};
use crate::publications::{self, PublicationSummary};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/c/{slug}/feed.rss", get(community_rss))
        .route("/c/{slug}/feed.atom", get(community_atom))
        .route("/tags/{name}/feed.rss", get(tag_rss))
        .route("/tags/{name}/feed.atom", get(tag_atom))
}

pub use crate::feeds::{Feed, atom, rss};

fn respond(body: String, ctype: &'static str, public: bool) -> Response {
    let mut res = body.into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if public {
            "public, max-age=300"
        } else {
            "private, max-age=300"
        }),
    );
    res
}

/// The community's feed content, for an anonymous reader.
async fn community_feed(
    state: &AppState,
    slug: &str,
    ext: &str,
) -> AppResult<(String, String, String, Vec<PublicationSummary>, bool)> {
    let c = communities::by_slug(&state.db, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    if !policy::can(
        None,
        Action::ViewCommunity {
            c: &c.facts(),
            m: None,
        },
    ) {
        return Err(AppError::NotFound);
    }
    let (items, _) = publications::list_in_community(&state.db, None, &c, 0).await?;
    let page = state.url(&c.path());
    Ok((
        c.name.clone(),
        c.description.clone(),
        format!("{page}/feed.{ext}"),
        items,
        c.visibility == crate::policy::Visibility::Unlisted,
    ))
}

async fn community_rss(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let (title, description, self_url, items, unlisted) =
        community_feed(&state, &slug, "rss").await?;
    let page_url = self_url.trim_end_matches("/feed.rss").to_string();
    let feed = Feed {
        title,
        description,
        page_url,
        self_url,
        items: &items,
        lang: "fr-CA",
        unlisted,
    };
    Ok(respond(
        rss(&feed, &state.config.public_url()),
        "application/rss+xml; charset=utf-8",
        !feed.unlisted,
    ))
}

async fn community_atom(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let (title, description, self_url, items, unlisted) =
        community_feed(&state, &slug, "atom").await?;
    let page_url = self_url.trim_end_matches("/feed.atom").to_string();
    let feed = Feed {
        title,
        description,
        page_url,
        self_url,
        items: &items,
        lang: "fr-CA",
        unlisted,
    };
    Ok(respond(
        atom(&feed, &state.config.public_url()),
        "application/atom+xml; charset=utf-8",
        !feed.unlisted,
    ))
}

/// A tag's feed: what anyone may read with that tag (same rule as the
/// tag page for an anonymous visitor).
async fn tag_feed(state: &AppState, name: &str) -> AppResult<(String, Vec<PublicationSummary>)> {
    let name = name.trim().to_lowercase();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::NotFound);
    }
    let (items, _) = publications::list_by_tag(&state.db, None, &name, 0).await?;
    // A tag nobody may read anything under, for an anonymous reader, has no
    // feed: the same 404 as a tag that was never used (not an empty feed,
    // which would also confirm that a private tag exists).
    if items.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok((name, items))
}

async fn tag_rss(State(state): State<AppState>, Path(name): Path<String>) -> AppResult<Response> {
    let (name, items) = tag_feed(&state, &name).await?;
    let page_url = state.url(&crate::urls::tag(&name));
    let feed = Feed {
        title: format!("#{name} · {}", state.instance_name()),
        description: String::new(),
        self_url: format!("{page_url}/feed.rss"),
        page_url,
        items: &items,
        lang: "fr-CA",
        unlisted: false,
    };
    Ok(respond(
        rss(&feed, &state.config.public_url()),
        "application/rss+xml; charset=utf-8",
        !feed.unlisted,
    ))
}

async fn tag_atom(State(state): State<AppState>, Path(name): Path<String>) -> AppResult<Response> {
    let (name, items) = tag_feed(&state, &name).await?;
    let page_url = state.url(&crate::urls::tag(&name));
    let feed = Feed {
        title: format!("#{name} · {}", state.instance_name()),
        description: String::new(),
        self_url: format!("{page_url}/feed.atom"),
        page_url,
        items: &items,
        lang: "fr-CA",
        unlisted: false,
    };
    Ok(respond(
        atom(&feed, &state.config.public_url()),
        "application/atom+xml; charset=utf-8",
        !feed.unlisted,
    ))
}
