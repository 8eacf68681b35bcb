//! `/api/v1/territories/{slug}/news-feeds` and
//! `/api/v1/organisations/{slug}/news-feeds`: the news feeds a territory
//! or an organisation follows, with their health (issue 17, C14) — the same
//! operations as the pages `/t/{slug}/news` and `/o/{slug}/news`
//! (`crate::news::places`) and the same bodies as a community's
//! (`super::news`). A territory's feeds are managed by administrators
//! (`ManageTerritory`: territories have no roles of their own; through the
//! API, with an `admin` token), an organisation's by its admins
//! (`EditOrganisation`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};

use super::extract::ApiUser;
use super::news::{NewNewsFeed, NewsFeed};
use super::wire::ErrorBody;
use crate::actor::Actor;
use crate::error::AppResult;
use crate::news::places::{self, PlaceRef};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/territories/{slug}/news-feeds",
            get(territory_list).post(territory_add),
        )
        .route(
            "/territories/{slug}/news-feeds/fetch",
            post(territory_fetch),
        )
        .route(
            "/territories/{slug}/news-feeds/{id}",
            delete(territory_remove),
        )
        .route(
            "/organisations/{slug}/news-feeds",
            get(organisation_list).post(organisation_add),
        )
        .route(
            "/organisations/{slug}/news-feeds/fetch",
            post(organisation_fetch),
        )
        .route(
            "/organisations/{slug}/news-feeds/{id}",
            delete(organisation_remove),
        )
}

async fn list(
    state: &AppState,
    user: &crate::accounts::User,
    p: PlaceRef<'_>,
) -> AppResult<Json<Vec<NewsFeed>>> {
    let m = places::managed(state, &Actor::person(user), p).await?;
    Ok(Json(m.feeds.iter().map(NewsFeed::from).collect()))
}

async fn add(
    state: &AppState,
    user: &crate::accounts::User,
    p: PlaceRef<'_>,
    b: &NewNewsFeed,
) -> AppResult<(StatusCode, Json<NewsFeed>)> {
    let feed = places::subscribe(state, &Actor::person(user), p, &b.url, &b.tags)
        .await
        .map_err(super::extract::conflicts)?;
    Ok((StatusCode::CREATED, Json(NewsFeed::from(&feed))))
}

async fn remove(
    state: &AppState,
    user: &crate::accounts::User,
    p: PlaceRef<'_>,
    id: i64,
) -> AppResult<StatusCode> {
    places::unsubscribe(state, &Actor::person(user), p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn fetch(
    state: &AppState,
    user: &crate::accounts::User,
    p: PlaceRef<'_>,
) -> AppResult<StatusCode> {
    places::fetch_now(state, &Actor::person(user), p).await?;
    Ok(StatusCode::ACCEPTED)
}

// ---- territories ---------------------------------------------------------------------------

/// The feeds a territory follows, with their health (administrators).
#[utoipa::path(
    get,
    path = "/api/v1/territories/{slug}/news-feeds",
    tag = "territories",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The territory's address")),
    responses(
        (status = 200, description = "The feeds, in the order they were added", body = Vec<NewsFeed>),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not an administrator (or not through an `admin` token)", body = ErrorBody),
        (status = 404, description = "No such territory", body = ErrorBody),
    )
)]
pub async fn territory_list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
) -> AppResult<Json<Vec<NewsFeed>>> {
    list(&state, &user, PlaceRef::Territory(&slug)).await
}

/// Follow a feed for a territory; it is fetched at once (queued). Its
/// items appear in the territory page's local news.
#[utoipa::path(
    post,
    path = "/api/v1/territories/{slug}/news-feeds",
    tag = "territories",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The territory's address")),
    request_body = NewNewsFeed,
    responses(
        (status = 201, description = "Followed", body = NewsFeed),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not an administrator (or not through an `admin` token)", body = ErrorBody),
        (status = 404, description = "No such territory", body = ErrorBody),
        (status = 409, description = "The territory already follows this feed (`already_followed`), or as many feeds as it may (`too_many_feeds`)", body = ErrorBody),
        (status = 422, description = "Invalid address (`url`: `news-error-url`), invalid tags", body = ErrorBody),
    )
)]
pub async fn territory_add(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
    Json(b): Json<NewNewsFeed>,
) -> AppResult<(StatusCode, Json<NewsFeed>)> {
    add(&state, &user, PlaceRef::Territory(&slug), &b).await
}

/// Stop following a territory's feed (the items already taken stay).
#[utoipa::path(
    delete,
    path = "/api/v1/territories/{slug}/news-feeds/{id}",
    tag = "territories",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The territory's address"), ("id" = i64, Path, description = "The feed")),
    responses(
        (status = 204, description = "No longer followed"),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not an administrator (or not through an `admin` token)", body = ErrorBody),
        (status = 404, description = "No such territory or feed", body = ErrorBody),
    )
)]
pub async fn territory_remove(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((slug, id)): Path<(String, i64)>,
) -> AppResult<StatusCode> {
    remove(&state, &user, PlaceRef::Territory(&slug), id).await
}

/// Fetch the territory's feeds now (queued), failing ones included.
#[utoipa::path(
    post,
    path = "/api/v1/territories/{slug}/news-feeds/fetch",
    tag = "territories",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The territory's address")),
    responses(
        (status = 202, description = "Queued"),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not an administrator (or not through an `admin` token)", body = ErrorBody),
        (status = 404, description = "No such territory", body = ErrorBody),
    )
)]
pub async fn territory_fetch(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
) -> AppResult<StatusCode> {
    fetch(&state, &user, PlaceRef::Territory(&slug)).await
}

// ---- organisations -------------------------------------------------------------------------

/// The feeds an organisation follows, with their health (its admins).
#[utoipa::path(
    get,
    path = "/api/v1/organisations/{slug}/news-feeds",
    tag = "organisations",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The organisation's address")),
    responses(
        (status = 200, description = "The feeds, in the order they were added", body = Vec<NewsFeed>),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not one of its admins", body = ErrorBody),
        (status = 404, description = "No such organisation, or not readable", body = ErrorBody),
    )
)]
pub async fn organisation_list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
) -> AppResult<Json<Vec<NewsFeed>>> {
    list(&state, &user, PlaceRef::Organisation(&slug)).await
}

/// Follow a feed for an organisation; it is fetched at once (queued). Its
/// items appear in the organisation page's local news.
#[utoipa::path(
    post,
    path = "/api/v1/organisations/{slug}/news-feeds",
    tag = "organisations",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The organisation's address")),
    request_body = NewNewsFeed,
    responses(
        (status = 201, description = "Followed", body = NewsFeed),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not one of its admins", body = ErrorBody),
        (status = 404, description = "No such organisation, or not readable", body = ErrorBody),
        (status = 409, description = "The organisation already follows this feed (`already_followed`), or as many feeds as it may (`too_many_feeds`)", body = ErrorBody),
        (status = 422, description = "Invalid address (`url`: `news-error-url`), invalid tags", body = ErrorBody),
    )
)]
pub async fn organisation_add(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
    Json(b): Json<NewNewsFeed>,
) -> AppResult<(StatusCode, Json<NewsFeed>)> {
    add(&state, &user, PlaceRef::Organisation(&slug), &b).await
}

/// Stop following an organisation's feed (the items already taken stay).
#[utoipa::path(
    delete,
    path = "/api/v1/organisations/{slug}/news-feeds/{id}",
    tag = "organisations",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The organisation's address"), ("id" = i64, Path, description = "The feed")),
    responses(
        (status = 204, description = "No longer followed"),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not one of its admins", body = ErrorBody),
        (status = 404, description = "No such organisation or feed, or not readable", body = ErrorBody),
    )
)]
pub async fn organisation_remove(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((slug, id)): Path<(String, i64)>,
) -> AppResult<StatusCode> {
    remove(&state, &user, PlaceRef::Organisation(&slug), id).await
}

/// Fetch the organisation's feeds now (queued), failing ones included.
#[utoipa::path(
    post,
    path = "/api/v1/organisations/{slug}/news-feeds/fetch",
    tag = "organisations",
    security(("bearer" = [])),
    params(("slug" = String, Path, description = "The organisation's address")),
    responses(
        (status = 202, description = "Queued"),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "Not one of its admins", body = ErrorBody),
        (status = 404, description = "No such organisation, or not readable", body = ErrorBody),
    )
)]
pub async fn organisation_fetch(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(slug): Path<String>,
) -> AppResult<StatusCode> {
    fetch(&state, &user, PlaceRef::Organisation(&slug)).await
}
