//! Search over the API: the same search as the page (`crate::search`, the
//! same permission policy), tag suggestions, and my saved searches.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::ApiUser;
use super::wire::{ErrorBody, rfc3339};
use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::search::params::{self, SearchParams};
use crate::search::tags::TagCount;
use crate::search::{self, HitCommunity, saved};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/search", get(run))
        .route("/tags", get(tags))
        .route("/me/saved-searches", get(list_saved).post(create_saved))
        .route("/me/saved-searches/{id}", delete(delete_saved))
}

#[derive(Serialize, ToSchema)]
pub struct HitAuthor {
    pub username: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct SearchHit {
    /// discussion, question, watch, reply, community, member, event or resource.
    pub kind: String,
    /// The item's id (publication, reply, community, person, event or resource).
    pub id: i64,
    /// The publication (itself, or the one a reply belongs to).
    pub publication_id: Option<i64>,
    /// Its page, relative to the instance.
    pub url: String,
    pub title: String,
    /// The title, HTML-escaped, matches in `<mark>`.
    pub title_html: String,
    /// A passage around the matches, HTML-escaped, matches in `<mark>`.
    pub snippet_html: String,
    pub created_at: String,
    pub author: Option<HitAuthor>,
    /// Where it is shared, among the communities the caller may search.
    pub communities: Vec<HitCommunity>,
}

#[derive(Serialize, ToSchema)]
pub struct FacetCount {
    /// The filter value (kind, community slug or tag name).
    pub value: String,
    pub label: String,
    pub count: i64,
}

#[derive(Serialize, ToSchema)]
pub struct Facets {
    pub kinds: Vec<FacetCount>,
    pub communities: Vec<FacetCount>,
    pub tags: Vec<FacetCount>,
}

#[derive(Serialize, ToSchema)]
pub struct SearchOut {
    /// Matching items (at most 1,000 are counted; see `total_is_lower_bound`).
    pub total: i64,
    /// True when more than `total` items match: refine the query to see them.
    pub total_is_lower_bound: bool,
    pub page: i64,
    pub has_next: bool,
    /// relevance or date.
    pub sort: String,
    /// Why nothing was searched, or what was changed in the query:
    /// `search-note-empty`, `search-note-stopwords`, `search-note-exclusions`, `search-note-truncated`.
    pub note: Option<String>,
    pub results: Vec<SearchHit>,
    pub facets: Facets,
    /// When nothing was found: a corrected query ("did you mean") that
    /// finds something the caller may see, else null.
    pub suggestion: Option<String>,
}

/// Search everything the caller may see.
#[utoipa::path(
    get,
    path = "/api/v1/search",
    tag = "search",
    security((), ("bearer" = [])),
    params(SearchParams),
    responses(
        (status = 200, description = "Results (20 per page), counts per filter value", body = SearchOut),
        (status = 422, description = "A filter has an invalid value (`invalid`, with `fields`)", body = ErrorBody),
    )
)]
pub async fn run(
    State(state): State<AppState>,
    viewer: Option<ApiUser>,
    Query(p): Query<SearchParams>,
) -> AppResult<Json<SearchOut>> {
    let viewer = viewer.map(|v| v.0);
    let (req, mut errors) = params::resolve(&state.db, viewer.as_ref(), &p).await?;
    // A territory that names nothing finds nothing, as an unknown community
    // does (the page says it is unknown; the API answers an empty result).
    let unknown_territory = errors
        .iter()
        .any(|(f, k)| f == "territory" && k == "territory-unknown");
    errors.retain(|(f, k)| !(f == "territory" && k == "territory-unknown"));
    if !errors.is_empty() {
        return Err(AppError::Invalid { fields: errors });
    }
    if unknown_territory {
        return Ok(Json(SearchOut {
            total: 0,
            total_is_lower_bound: false,
            page: req.page as i64,
            has_next: false,
            sort: match req.sort {
                search::Sort::Relevance => "relevance".into(),
                search::Sort::Date => "date".into(),
            },
            note: None,
            results: Vec::new(),
            facets: Facets {
                kinds: Vec::new(),
                communities: Vec::new(),
                tags: Vec::new(),
            },
            suggestion: None,
        }));
    }
    let r = search::search(&state.db, viewer.as_ref(), &req).await?;
    let suggestion = if r.total == 0 && !req.q.trim().is_empty() {
        search::vocab::suggest(&state.db, viewer.as_ref(), &req).await?
    } else {
        None
    };
    let lang = viewer
        .as_ref()
        .map(|u| u.lang())
        .unwrap_or(crate::i18n::Lang::Fr);
    Ok(Json(SearchOut {
        total: r.total,
        total_is_lower_bound: r.capped,
        page: req.page as i64,
        has_next: r.has_next,
        sort: match req.sort {
            search::Sort::Relevance => "relevance".into(),
            search::Sort::Date => "date".into(),
        },
        note: r.note.map(|n| n.key().to_string()),
        results: r
            .hits
            .into_iter()
            .map(|h| SearchHit {
                author: match (h.author_username, h.author_name) {
                    (Some(username), Some(name)) => Some(HitAuthor { username, name }),
                    _ => None,
                },
                kind: h.kind,
                id: h.id,
                publication_id: h.publication_id,
                url: h.url,
                title: h.title,
                title_html: h.title_html,
                snippet_html: h.snippet_html,
                created_at: rfc3339(h.created_at),
                communities: h.communities,
            })
            .collect(),
        facets: Facets {
            kinds: r
                .facets
                .kinds
                .into_iter()
                .map(|(k, n)| FacetCount {
                    label: crate::search::kind_label(lang, &k),
                    value: k,
                    count: n,
                })
                .collect(),
            communities: r
                .facets
                .communities
                .into_iter()
                .map(|(slug, name, n)| FacetCount {
                    value: slug,
                    label: name,
                    count: n,
                })
                .collect(),
            tags: r
                .facets
                .tags
                .into_iter()
                .map(|(name, label, n)| FacetCount {
                    value: name,
                    label,
                    count: n,
                })
                .collect(),
        },
        suggestion,
    }))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct TagQuery {
    /// What was typed: tags starting with it (all when empty).
    pub q: String,
}

/// Tag suggestions: the most used tags starting with what was typed.
#[utoipa::path(
    get,
    path = "/api/v1/tags",
    tag = "search",
    security((), ("bearer" = [])),
    params(TagQuery),
    responses((status = 200, description = "At most 20 tags, most used first", body = [TagCount]))
)]
pub async fn tags(
    State(state): State<AppState>,
    viewer: Option<ApiUser>,
    Query(q): Query<TagQuery>,
) -> AppResult<Json<Vec<TagCount>>> {
    let viewer = viewer.map(|v| v.0);
    Ok(Json(
        crate::search::tags::suggest(&state.db, viewer.as_ref(), &q.q, 20).await?,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct SavedSearchOut {
    pub id: i64,
    pub name: String,
    /// The search as a query string for `/api/v1/search` or `/search`.
    pub query: String,
    pub created_at: String,
}

#[derive(Deserialize, ToSchema)]
pub struct SavedSearchCreate {
    /// A name (the query when empty), at most 100 characters.
    #[serde(default)]
    pub name: String,
    /// The search, as the query string of `/api/v1/search` (e.g. `q=v%C3%A9lo&kind=question`).
    /// It must search for something: a `q` with a letter or digit.
    #[schema(
        pattern = "^([^\\u0000]*&)?q=([^&%+\\u0000]|%[0-9A-Fa-f]{2})*[A-Za-z0-9][^\\u0000]*$"
    )]
    pub query: String,
}

fn saved_out(s: saved::Saved) -> SavedSearchOut {
    SavedSearchOut {
        id: s.id,
        query: s.params.to_query(),
        name: s.name,
        created_at: rfc3339(s.created_at),
    }
}

/// My saved searches (I am notified of their new matches).
#[utoipa::path(
    get,
    path = "/api/v1/me/saved-searches",
    tag = "search",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Newest first", body = [SavedSearchOut]),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
    )
)]
pub async fn list_saved(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> AppResult<Json<Vec<SavedSearchOut>>> {
    Ok(Json(
        saved::list(&state.db, user.id)
            .await?
            .into_iter()
            .map(saved_out)
            .collect(),
    ))
}

/// Save a search: new matches are announced in my notifications.
#[utoipa::path(
    post,
    path = "/api/v1/me/saved-searches",
    tag = "search",
    security(("bearer" = [])),
    request_body = SavedSearchCreate,
    responses(
        (status = 201, description = "Saved", body = SavedSearchOut),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 422, description = "Nothing to search for (`invalid`, field `query`), or a filter is invalid", body = ErrorBody),
        (status = 409, description = "Too many saved searches (`too_many_saved_searches`)", body = ErrorBody),
    )
)]
pub async fn create_saved(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<SavedSearchCreate>,
) -> AppResult<Response> {
    let p: SearchParams =
        serde_urlencoded::from_str(body.query.trim_start_matches('?')).map_err(|_| {
            AppError::Invalid {
                fields: vec![("query".into(), "field-invalid".into())],
            }
        })?;
    let (_, errors) = params::resolve(&state.db, Some(&user), &p).await?;
    if !errors.is_empty() {
        return Err(AppError::Invalid { fields: errors });
    }
    match saved::save(&state.db, &Actor::person(&user), &body.name, &p).await? {
        Ok(id) => {
            let s = saved::list(&state.db, user.id)
                .await?
                .into_iter()
                .find(|s| s.id == id)
                .ok_or(AppError::NotFound)?;
            Ok((StatusCode::CREATED, Json(saved_out(s))).into_response())
        }
        Err(saved::SaveError::EmptyQuery) => Err(AppError::Invalid {
            fields: vec![("query".into(), "search-note-empty".into())],
        }),
        Err(saved::SaveError::TooMany) => Ok(super::extract::error(
            StatusCode::CONFLICT,
            "too_many_saved_searches",
            "search-saved-too-many",
            Vec::new(),
        )),
        Err(saved::SaveError::NotAPerson) => Err(AppError::Forbidden),
    }
}

/// Delete one of my saved searches.
#[utoipa::path(
    delete,
    path = "/api/v1/me/saved-searches/{id}",
    tag = "search",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Saved search id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 404, description = "Not one of mine", body = ErrorBody),
    )
)]
pub async fn delete_saved(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    if saved::delete(&state.db, &Actor::person(&user), id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound)
    }
}
