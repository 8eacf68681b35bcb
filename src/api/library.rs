//! `/api/v1/resources` and `/api/v1/lexicon`: the library (same filters
//! and policy as the pages: a resource placed only in a private community
//! is a 404 to outsiders, as an id that does not exist), one resource,
//! contributing and editing, files (multipart, new versions under the
//! same name), downloads, citations (BibTeX, RIS, CSL-JSON); lexicon terms
//! (list by label or synonym, one term, proposing, editors' decisions).
//! The handlers call the operations the pages call.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::ApiUser;
use super::wire::ErrorBody;
use crate::actor::Actor;
use crate::edge::{download_response, read_multipart};
use crate::error::{AppError, AppResult};
use crate::lexicon::{self, Term};
use crate::library::listing::{self, Filter, Scope};
use crate::library::ops::{self, Placement};
use crate::library::{self, Loaded, Values, cite};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/resources", get(list).post(create))
        .route("/resources/{id}", get(show).patch(update))
        .route("/resources/{id}/files", post(add_files))
        .route("/resources/{id}/files/{file_id}", get(download))
        .route("/resources/{id}/citation", get(citation))
        .route("/lexicon/terms", get(list_terms).post(propose_term))
        .route("/lexicon/terms/{slug}", get(show_term))
        .route("/lexicon/terms/{slug}/decision", post(decide_term))
}

/// A file of a resource (one version).
#[derive(Serialize, ToSchema)]
pub struct FileOut {
    pub id: i64,
    pub name: String,
    pub version: i64,
    pub content_type: String,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    pub size: i64,
    pub url: String,
}

/// A resource on the wire (Dublin Core terms).
#[derive(Serialize, ToSchema)]
pub struct ResourceOut {
    pub id: i64,
    /// Its permanent page.
    pub url: String,
    /// document, guide, report, funding, synthesis, interview, podcast or video.
    pub kind: String,
    pub title: String,
    pub creators: Vec<String>,
    pub publisher: String,
    /// ISO 8601 (YYYY, YYYY-MM or YYYY-MM-DD).
    pub issued: String,
    pub language: String,
    pub licence: String,
    pub source_url: String,
    pub description: String,
    /// Lexicon term slugs.
    pub subjects: Vec<String>,
    /// Territory slugs.
    pub coverage: Vec<String>,
    pub deadline: String,
    pub eligibility: String,
    pub amount: String,
    pub in_library: bool,
    /// Slugs of the communities it is in that the caller may find.
    pub communities: Vec<String>,
    pub files: Vec<FileOut>,
}

#[derive(Serialize, ToSchema)]
pub struct ResourcePage {
    pub items: Vec<ResourceOut>,
    pub total: i64,
    pub page: i64,
    pub next_page: Option<i64>,
}

async fn out(
    state: &AppState,
    viewer: Option<&crate::accounts::User>,
    l: &Loaded,
) -> AppResult<ResourceOut> {
    let r = &l.r;
    let files = library::files::of(&state.db, r.id)
        .await?
        .into_iter()
        .map(|f| FileOut {
            url: state.url(&format!("/api/v1/resources/{}/files/{}", r.id, f.id)),
            id: f.id,
            name: f.name,
            version: f.version,
            content_type: f.content_type,
            sha256: f.sha256,
            size: f.size,
        })
        .collect();
    Ok(ResourceOut {
        id: r.id,
        url: state.url(&r.path()),
        kind: r.kind.clone(),
        title: r.title.clone(),
        creators: r.creators.clone(),
        publisher: r.publisher.clone(),
        issued: r.issued.clone(),
        language: r.language.clone(),
        licence: r.licence.clone(),
        source_url: r.source_url.clone(),
        description: r.description.clone(),
        subjects: library::subjects_of(&state.db, r.id)
            .await?
            .into_iter()
            .map(|s| s.0)
            .collect(),
        coverage: library::coverage_of(&state.db, r.id)
            .await?
            .into_iter()
            .map(|c| c.0)
            .collect(),
        deadline: r.deadline.clone(),
        eligibility: r.eligibility.clone(),
        amount: r.amount.clone(),
        in_library: r.in_library,
        communities: l
            .shown_communities(viewer)
            .into_iter()
            .map(|c| c.slug.clone())
            .collect(),
        files,
    })
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct ResourceParams {
    /// A community slug: its library; `library`: the instance library; absent: everything the caller may see.
    scope: String,
    /// Words of the title, creators, publisher or description.
    q: String,
    kind: String,
    /// A lexicon term slug.
    subject: String,
    /// A territory slug (resources covering it or a place below it).
    territory: String,
    language: String,
    year: Option<i64>,
    /// `true`: funding programs whose deadline has not passed.
    open: Option<bool>,
    /// `deadline`, `title`, or newest first.
    sort: String,
    page: Option<i64>,
}

async fn scope_of(
    state: &AppState,
    viewer: Option<&crate::accounts::User>,
    scope: &str,
) -> AppResult<Scope> {
    Ok(match scope {
        "" => Scope::All,
        "library" => Scope::Instance,
        slug => {
            let l = crate::communities::access::load(state, viewer, slug).await?;
            if !crate::policy::can(
                viewer,
                crate::policy::Action::FindCommunityContent {
                    c: &l.c.facts(),
                    m: l.m,
                },
            ) {
                return Err(AppError::NotFound);
            }
            Scope::Community(l.c.id)
        }
    })
}

/// Resources the caller may see, 30 per page.
#[utoipa::path(get, path = "/api/v1/resources", tag = "library", security((), ("bearer" = [])),
    params(ResourceParams),
    responses((status = 200, body = ResourcePage), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    viewer: Option<ApiUser>,
    Query(p): Query<ResourceParams>,
) -> AppResult<Json<ResourcePage>> {
    let viewer = viewer.map(|v| v.0);
    let scope = scope_of(&state, viewer.as_ref(), p.scope.trim()).await?;
    let f = Filter {
        q: p.q.trim().to_string(),
        kind: p.kind.trim().to_string(),
        subject: p.subject.trim().to_string(),
        territory: p.territory.trim().to_string(),
        language: p.language.trim().to_string(),
        year: p.year,
        open: p.open.unwrap_or(false),
        sort: p.sort,
    };
    let l = listing::list(
        &state.db,
        viewer.as_ref(),
        scope,
        &f,
        p.page.unwrap_or(1).clamp(1, 100_000),
    )
    .await?;
    let mut items = Vec::new();
    for r in &l.items {
        if let Some(loaded) = library::load(&state.db, viewer.as_ref(), r.id).await? {
            items.push(out(&state, viewer.as_ref(), &loaded).await?);
        }
    }
    Ok(Json(ResourcePage {
        items,
        total: l.total,
        page: l.page,
        next_page: l.more.then_some(l.page + 1),
    }))
}

/// One resource (404 when the caller may not see it).
#[utoipa::path(get, path = "/api/v1/resources/{id}", tag = "library", security((), ("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = ResourceOut), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    viewer: Option<ApiUser>,
    Path(id): Path<i64>,
) -> AppResult<Json<ResourceOut>> {
    let viewer = viewer.map(|v| v.0);
    let l = ops::read(&state, viewer.as_ref(), id).await?;
    Ok(Json(out(&state, viewer.as_ref(), &l).await?))
}

/// What creating a resource takes: its values and where it goes.
#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct NewResource {
    #[serde(flatten)]
    pub values: Values,
    /// Community slugs (at least one; the caller must be able to post in each).
    #[schema(required = true, min_items = 1)]
    pub communities: Vec<String>,
    /// Also in the instance library (administrators).
    pub library: bool,
}

/// Contribute a resource (files are added with `POST /resources/{id}/files`).
#[utoipa::path(post, path = "/api/v1/resources", tag = "library", security(("bearer" = [])),
    request_body = NewResource,
    responses((status = 201, body = ResourceOut), (status = 403, body = ErrorBody),
        (status = 404, description = "A named community does not exist, or the caller may not see it", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Json(b): Json<NewResource>,
) -> AppResult<Response> {
    let place = Placement {
        communities: b
            .communities
            .iter()
            .map(|s| s.trim().to_lowercase())
            .collect(),
        library: b.library,
    };
    let l = ops::create(&state, &Actor::person(&u), &b.values, &place, Vec::new()).await?;
    Ok((StatusCode::CREATED, Json(out(&state, Some(&u), &l).await?)).into_response())
}

/// Replace a resource's values (its contributor, moderators of its communities, administrators).
#[utoipa::path(patch, path = "/api/v1/resources/{id}", tag = "library", security(("bearer" = [])),
    params(("id" = i64, Path)),
    request_body = Values,
    responses((status = 200, body = ResourceOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    Json(v): Json<Values>,
) -> AppResult<Json<ResourceOut>> {
    let l = ops::update(&state, &Actor::person(&u), id, &v).await?;
    Ok(Json(out(&state, Some(&u), &l).await?))
}

/// Add files (multipart, `file` parts, 10 MB each; the type is sniffed from
/// the content). A name the resource already has becomes a new version.
#[utoipa::path(post, path = "/api/v1/resources/{id}/files", tag = "library", security(("bearer" = [])),
    params(("id" = i64, Path)),
    request_body(content = crate::api::wire::FileParts, content_type = "multipart/form-data", description = "One or more `file` parts"),
    responses((status = 200, body = ResourceOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_files(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    mp: Multipart,
) -> AppResult<Json<ResourceOut>> {
    ops::read(&state, Some(&u), id).await?;
    let form = read_multipart(mp, "file").await?;
    if let Some((_, key)) = form.refused.first() {
        return Err(ops::invalid(vec![("file", key)]));
    }
    ops::add_files(&state, &Actor::person(&u), id, form.uploads).await?;
    let l = ops::read(&state, Some(&u), id).await?;
    Ok(Json(out(&state, Some(&u), &l).await?))
}

/// Download one version of a file (same permission as the resource).
#[utoipa::path(get, path = "/api/v1/resources/{id}/files/{file_id}", tag = "library", security((), ("bearer" = [])),
    params(("id" = i64, Path), ("file_id" = i64, Path)),
    responses((status = 200, description = "The file, as `attachment`"), (status = 404, body = ErrorBody)))]
pub async fn download(
    State(state): State<AppState>,
    viewer: Option<ApiUser>,
    Path((id, file_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let viewer = viewer.map(|v| v.0);
    let (f, bytes) = ops::file_bytes(&state, viewer.as_ref(), id, file_id).await?;
    Ok(download_response(&f.name, &f.content_type, bytes))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct CitationParams {
    /// `bibtex`, `ris` or `csl-json`.
    #[param(required = true, pattern = "^(bibtex|ris|csl-json)$")]
    format: String,
}

/// A resource's reference as BibTeX, RIS or CSL-JSON.
#[utoipa::path(get, path = "/api/v1/resources/{id}/citation", tag = "library", security((), ("bearer" = [])),
    params(("id" = i64, Path), CitationParams),
    responses((status = 200, description = "application/x-bibtex, application/x-research-info-systems or application/vnd.citationstyles.csl+json"),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn citation(
    State(state): State<AppState>,
    viewer: Option<ApiUser>,
    Path(id): Path<i64>,
    Query(p): Query<CitationParams>,
) -> AppResult<Response> {
    let viewer = viewer.map(|v| v.0);
    let l = ops::read(&state, viewer.as_ref(), id).await?;
    let items = vec![l.r];
    let e = cite::entries(&state.db, &state.config.public_url(), &items, false).await?;
    let (body, ct) = match p.format.as_str() {
        "bibtex" => (cite::bibtex(&e), "application/x-bibtex; charset=utf-8"),
        "ris" => (
            cite::ris(&e),
            "application/x-research-info-systems; charset=utf-8",
        ),
        "csl-json" => (
            cite::csl_json(&e).to_string(),
            "application/vnd.citationstyles.csl+json",
        ),
        _ => {
            return Err(AppError::BadRequest {
                code: "unknown_format",
                message_key: "error-400-text",
            });
        }
    };
    let mut res = body.into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    Ok(res)
}

// ---- lexicon ------------------------------------------------------------------------------

/// A lexicon term on the wire.
#[derive(Serialize, ToSchema)]
pub struct TermOut {
    pub slug: String,
    pub url: String,
    pub pref_fr: String,
    pub pref_en: String,
    pub alt_labels: Vec<String>,
    pub definition_fr: String,
    pub definition_en: String,
    pub sectors: Vec<String>,
    pub sources: Vec<String>,
    /// proposed, accepted or refused.
    pub status: String,
    pub broader: Vec<String>,
    pub narrower: Vec<String>,
    pub related: Vec<String>,
}

async fn term_out(state: &AppState, t: Term) -> AppResult<TermOut> {
    let rel = lexicon::relations(&state.db, t.id).await?;
    let pick = |k: &str| {
        rel.iter()
            .filter(|(kind, _)| kind == k)
            .map(|(_, o)| o.slug.clone())
            .collect()
    };
    Ok(TermOut {
        url: state.url(&t.path()),
        broader: pick("broader"),
        narrower: pick("narrower"),
        related: pick("related"),
        slug: t.slug,
        pref_fr: t.pref_fr,
        pref_en: t.pref_en,
        alt_labels: t.alt_labels,
        definition_fr: t.definition_fr,
        definition_en: t.definition_en,
        sectors: t.sectors,
        sources: t.sources,
        status: t.status,
    })
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct TermParams {
    /// Part of any label (preferred, synonym, abbreviation; case and accents ignored).
    q: String,
}

/// Terms the caller may see (accepted ones; their own proposals; all for editors).
#[utoipa::path(get, path = "/api/v1/lexicon/terms", tag = "library", security((), ("bearer" = [])),
    params(TermParams),
    responses((status = 200, body = Vec<TermOut>)))]
pub async fn list_terms(
    State(state): State<AppState>,
    viewer: Option<ApiUser>,
    Query(p): Query<TermParams>,
) -> AppResult<Json<Vec<TermOut>>> {
    let viewer = viewer.map(|v| v.0);
    let mut out = Vec::new();
    for t in lexicon::list(&state.db, viewer.as_ref(), &p.q, 500).await? {
        out.push(term_out(&state, t).await?);
    }
    Ok(Json(out))
}

/// One term.
#[utoipa::path(get, path = "/api/v1/lexicon/terms/{slug}", tag = "library", security((), ("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = TermOut), (status = 404, body = ErrorBody)))]
pub async fn show_term(
    State(state): State<AppState>,
    viewer: Option<ApiUser>,
    Path(slug): Path<String>,
) -> AppResult<Json<TermOut>> {
    let viewer = viewer.map(|v| v.0);
    let t = lexicon::by_slug(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    if !t.visible_to(viewer.as_ref()) {
        return Err(AppError::NotFound);
    }
    Ok(Json(term_out(&state, t).await?))
}

/// Propose a term (accepted at once when a lexicon editor proposes it).
#[utoipa::path(post, path = "/api/v1/lexicon/terms", tag = "library", security(("bearer" = [])),
    request_body = lexicon::Values,
    responses((status = 201, body = TermOut),
        (status = 409, description = "A term already has this preferred label (`term_exists`)", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn propose_term(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Json(v): Json<lexicon::Values>,
) -> AppResult<Response> {
    let t = lexicon::ops::propose(&state, &Actor::person(&u), &v)
        .await
        .map_err(super::extract::conflicts)?;
    Ok((StatusCode::CREATED, Json(term_out(&state, t).await?)).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct Decision {
    pub accept: bool,
    #[serde(default)]
    pub note: String,
}

/// Accept or refuse a proposed term (lexicon editors).
#[utoipa::path(post, path = "/api/v1/lexicon/terms/{slug}/decision", tag = "library", security(("bearer" = [])),
    params(("slug" = String, Path)),
    request_body = Decision,
    responses((status = 200, body = TermOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn decide_term(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(slug): Path<String>,
    Json(d): Json<Decision>,
) -> AppResult<Json<TermOut>> {
    let t = lexicon::ops::decide(&state, &Actor::person(&u), &slug, d.accept, &d.note).await?;
    Ok(Json(term_out(&state, t).await?))
}
