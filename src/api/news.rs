//! `/api/v1/communities/{slug}/news-feeds`: the news feeds a community
//! follows, with their health (issue 17, C14) — the same operations as the
//! page `/c/{slug}/news` (`crate::news::ops`), for its managers.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::ApiUser;
use super::wire::{ErrorBody, rfc3339};
use crate::actor::Actor;
use crate::error::AppResult;
use crate::news::{Feed, ops};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/communities/{slug}/news-feeds",
            get(list_feeds).post(add_feed),
        )
        .route("/communities/{slug}/news-feeds/fetch", post(fetch_feeds))
        .route("/communities/{slug}/news-feeds/{id}", delete(remove_feed))
}

/// A feed the community follows, and its health.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NewsFeed {
    pub id: i64,
    /// The feed's address (RSS, Atom or JSON Feed).
    pub url: String,
    /// The feed's own title, from its last good answer ('' before).
    pub title: String,
    /// Its web site, when the feed names one.
    pub site_url: String,
    /// Tags given to each of its items.
    pub tags: String,
    pub created_at: String,
    /// When it was last fetched, well or not.
    pub last_fetch_at: Option<String>,
    pub last_success_at: Option<String>,
    /// Message key of the last error (`news-error-html`,
    /// `news-error-entities`, `news-error-invalid`, `fetch-too-large`,
    /// `fetch-http-error`…), absent when the last fetch went well.
    pub last_error: Option<String>,
    /// The detail of that error (the parser's message, the HTTP status…).
    pub last_error_detail: Option<String>,
    pub last_error_at: Option<String>,
    /// Failures in a row (each doubles the wait, up to a day).
    pub failures: i64,
    /// When it is fetched next.
    pub next_fetch_at: String,
    pub items_added: i64,
    pub items_duplicate: i64,
}

impl From<&Feed> for NewsFeed {
    fn from(f: &Feed) -> NewsFeed {
        let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
        NewsFeed {
            id: f.id,
            url: f.url.clone(),
            title: f.title.clone(),
            site_url: f.site_url.clone(),
            tags: f.tags.clone(),
            created_at: rfc3339(f.created_at),
            last_fetch_at: f.last_fetch_at.map(rfc3339),
            last_success_at: f.last_success_at.map(rfc3339),
            last_error: some(&f.last_error),
            last_error_detail: some(&f.last_error_detail),
            last_error_at: f.last_error_at.map(rfc3339),
            failures: f.failures,
            next_fetch_at: rfc3339(f.next_fetch_at),
            items_added: f.items_added,
            items_duplicate: f.items_duplicate,
        }
    }
}

/// A feed to follow.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewNewsFeed {
    /// Its address (http or https, with a host).
    #[schema(
        pattern = "^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z][A-Za-z0-9-]{0,62}(\\.[A-Za-z][A-Za-z0-9-]{0,62})*(:[0-9]{1,4})?(/[A-Za-z0-9._~/-]*)?$",
        max_length = 2000
    )]
    pub url: String,
    /// Tags for each of its items, comma-separated (at most 5).
    #[serde(default)]
    #[schema(
        pattern = "^([A-Za-z0-9][A-Za-z0-9_-]{0,49})?(,[A-Za-z0-9][A-Za-z0-9_-]{0,49}){0,4}$"
    )]
    pub tags: String,
}

/// The feeds a community follows, with their health (its managers).
#[utoipa::path(
    get,
    path = "/api/v1/communities/{slug}/news-feeds",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address")),
    responses(
        (status = 200, description = "The feeds, in the order they were added", body = Vec<NewsFeed>),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not a manager", body = ErrorBody),
        (status = 404, description = "No such community, or not readable", body = ErrorBody),
    )
)]
pub async fn list_feeds(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
) -> AppResult<Json<Vec<NewsFeed>>> {
    let (_, feeds) = ops::managed(&state, &Actor::person(&user), &slug).await?;
    Ok(Json(feeds.iter().map(NewsFeed::from).collect()))
}

/// Follow a feed; it is fetched at once (queued).
#[utoipa::path(
    post,
    path = "/api/v1/communities/{slug}/news-feeds",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address")),
    request_body = NewNewsFeed,
    responses(
        (status = 201, description = "Followed", body = NewsFeed),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not a manager", body = ErrorBody),
        (status = 404, description = "No such community, or not readable", body = ErrorBody),
        (status = 409, description = "The community already follows this feed (`already_followed`), or as many feeds as it may (`too_many_feeds`)", body = ErrorBody),
        (status = 422, description = "Invalid address (`url`: `news-error-url`), invalid tags", body = ErrorBody),
    )
)]
pub async fn add_feed(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
    Json(b): Json<NewNewsFeed>,
) -> AppResult<(StatusCode, Json<NewsFeed>)> {
    let feed = ops::subscribe(&state, &Actor::person(&user), &slug, &b.url, &b.tags)
        .await
        .map_err(super::extract::conflicts)?;
    Ok((StatusCode::CREATED, Json(NewsFeed::from(&feed))))
}

/// Stop following a feed (the items already taken stay).
#[utoipa::path(
    delete,
    path = "/api/v1/communities/{slug}/news-feeds/{id}",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address"), ("id" = i64, Path, description = "The feed")),
    responses(
        (status = 204, description = "No longer followed"),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not a manager", body = ErrorBody),
        (status = 404, description = "No such community or feed", body = ErrorBody),
    )
)]
pub async fn remove_feed(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((slug, id)): Path<(String, i64)>,
) -> AppResult<StatusCode> {
    ops::unsubscribe(&state, &Actor::person(&user), &slug, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Fetch the community's feeds now (queued), failing ones included.
#[utoipa::path(
    post,
    path = "/api/v1/communities/{slug}/news-feeds/fetch",
    tag = "communities",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The community's address")),
    responses(
        (status = 202, description = "Queued"),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not a manager", body = ErrorBody),
        (status = 404, description = "No such community, or not readable", body = ErrorBody),
    )
)]
pub async fn fetch_feeds(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
) -> AppResult<StatusCode> {
    ops::fetch_now(&state, &Actor::person(&user), &slug, None).await?;
    Ok(StatusCode::ACCEPTED)
}
