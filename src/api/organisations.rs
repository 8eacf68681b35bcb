//! `/api/v1/organisations` and `/api/v1/initiatives`: the directory (same
//! filters as the page), one organisation, creation and changes; the
//! initiatives list, one initiative, proposing, moderators' decisions; and
//! the GeoJSON collections of both kinds. The handlers call the operations
//! the pages call (`organisations::ops`, `initiatives::ops`); every read
//! goes through the policy's SQL, so an unverified or members-only
//! organisation and a proposed initiative stay with the people who may see
//! them. Invalid values answer 422 with the form's message keys.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::ApiUser;
use super::wire::ErrorBody;
use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::initiatives::{self, Initiative, points};
use crate::organisations::{self, OrgValues, Organisation, directory, ops};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/organisations", get(list).post(create))
        .route("/organisations.geojson", get(organisations_geojson))
        .route("/organisations/{slug}", get(show).patch(update))
        .route("/initiatives", get(list_initiatives).post(propose))
        .route("/initiatives.geojson", get(initiatives_geojson))
        .route("/initiatives/{key}", get(show_initiative))
        .route("/initiatives/{key}/decision", post(decide))
}

/// An organisation on the wire.
#[derive(Serialize, ToSchema)]
pub struct OrganisationOut {
    pub slug: String,
    pub name: String,
    pub url: String,
    pub description: String,
    pub legal_form: String,
    pub neq: String,
    pub sectors: Vec<String>,
    pub address: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub website: String,
    pub social: Vec<String>,
    pub email: String,
    pub phone: String,
    pub contact_name: String,
    /// `public` or `members`.
    pub visibility: String,
    /// `unverified`, `verified` or `refused`.
    pub status: String,
    pub logo_url: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct OrganisationPage {
    pub items: Vec<OrganisationOut>,
    pub page: i64,
    pub next_page: Option<i64>,
}

fn out(state: &AppState, o: &Organisation, sectors: Vec<String>) -> OrganisationOut {
    OrganisationOut {
        slug: o.slug.clone(),
        name: o.name.clone(),
        url: state.url(&o.path()),
        description: o.description.clone(),
        legal_form: o.legal_form.clone(),
        neq: o.neq.clone(),
        sectors,
        address: o.address.clone(),
        lat: o.lat,
        lon: o.lon,
        website: o.website.clone(),
        social: o.social_links(),
        email: o.email.clone(),
        phone: o.phone.clone(),
        contact_name: o.contact_name.clone(),
        visibility: o.visibility.as_str().into(),
        status: o.status.as_str().into(),
        logo_url: o
            .logo_id
            .map(|id| state.url(&crate::urls::organisation_logo(&o.slug, id))),
    }
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct OrgParams {
    /// Part of the name.
    q: String,
    /// A sector code.
    sector: String,
    /// A territory slug: organisations in it or below.
    territory: String,
    /// A legal form code.
    legal_form: String,
    page: Option<i64>,
}

/// The directory: organisations the caller may see, by name, 30 per page.
#[utoipa::path(get, path = "/api/v1/organisations", tag = "organisations", security((), ("bearer" = [])),
    params(OrgParams),
    responses((status = 200, body = OrganisationPage), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    viewer: Option<ApiUser>,
    Query(p): Query<OrgParams>,
) -> AppResult<Json<OrganisationPage>> {
    let viewer = viewer.map(|v| v.0);
    let f = directory::Filter {
        q: p.q,
        sector: p.sector,
        territory: p.territory,
        legal_form: p.legal_form,
        territory_id: None,
    };
    let l = directory::list(&state.db, viewer.as_ref(), &f, p.page.unwrap_or(1)).await?;
    let ids: Vec<i64> = l.items.iter().map(|o| o.id).collect();
    let mut sectors = directory::sectors_for(&state.db, &ids).await?;
    Ok(Json(OrganisationPage {
        items: l
            .items
            .iter()
            .map(|o| out(&state, o, sectors.remove(&o.id).unwrap_or_default()))
            .collect(),
        page: l.page,
        next_page: l.more.then_some(l.page + 1),
    }))
}

/// One organisation (404 when the caller may not see it).
#[utoipa::path(get, path = "/api/v1/organisations/{slug}", tag = "organisations", security((), ("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = OrganisationOut), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    viewer: Option<ApiUser>,
    Path(slug): Path<String>,
) -> AppResult<Json<OrganisationOut>> {
    let actor = match viewer {
        Some(v) => Actor::person(&v.0),
        None => return show_anonymous(&state, &slug).await,
    };
    let l = ops::load_for(&state, &actor, &slug).await?;
    let sectors = organisations::sectors_of(&state.db, l.o.id).await?;
    Ok(Json(out(&state, &l.o, sectors)))
}

async fn show_anonymous(state: &AppState, slug: &str) -> AppResult<Json<OrganisationOut>> {
    let l = organisations::load(&state.db, slug, None)
        .await?
        .ok_or(AppError::NotFound)?;
    if !l.view(None) {
        return Err(AppError::NotFound);
    }
    let sectors = organisations::sectors_of(&state.db, l.o.id).await?;
    Ok(Json(out(state, &l.o, sectors)))
}

/// Create an organisation (the caller becomes its admin; unverified until
/// an administrator verifies it).
#[utoipa::path(post, path = "/api/v1/organisations", tag = "organisations", security(("bearer" = [])),
    request_body = OrgValues,
    responses((status = 201, body = OrganisationOut),
        (status = 409, description = "The address (`slug`, or the one made from the name) is already taken (`slug_taken`)", body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Json(v): Json<OrgValues>,
) -> AppResult<Response> {
    let o = ops::create(&state, &Actor::person(&u), &v)
        .await
        .map_err(super::extract::conflicts)?;
    let sectors = organisations::sectors_of(&state.db, o.id).await?;
    Ok((StatusCode::CREATED, Json(out(&state, &o, sectors))).into_response())
}

/// Replace an organisation's values (its admins, administrators).
#[utoipa::path(patch, path = "/api/v1/organisations/{slug}", tag = "organisations", security(("bearer" = [])),
    params(("slug" = String, Path)),
    request_body(content = OrgValues, description = "All the values, as for creation"),
    responses((status = 200, body = OrganisationOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The new address (`slug`) is already taken (`slug_taken`)", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(slug): Path<String>,
    Json(v): Json<OrgValues>,
) -> AppResult<Json<OrganisationOut>> {
    let o = ops::update(&state, &Actor::person(&u), &slug, &v)
        .await
        .map_err(super::extract::conflicts)?;
    let sectors = organisations::sectors_of(&state.db, o.id).await?;
    Ok(Json(out(&state, &o, sectors)))
}

fn geo(v: serde_json::Value) -> Response {
    let mut res = v.to_string().into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/geo+json"),
    );
    res
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct GeoParams {
    /// Initiatives: a category code; organisations: a sector code.
    category: String,
    /// A territory slug: what is placed in it or below.
    territory: String,
}

/// Organisations the caller may see, as a GeoJSON FeatureCollection (RFC 7946).
#[utoipa::path(get, path = "/api/v1/organisations.geojson", tag = "organisations", security((), ("bearer" = [])),
    params(GeoParams),
    responses((status = 200, description = "A FeatureCollection of Points", content_type = "application/geo+json")))]
pub async fn organisations_geojson(
    State(state): State<AppState>,
    viewer: Option<ApiUser>,
    Query(p): Query<GeoParams>,
) -> AppResult<Response> {
    let viewer = viewer.map(|v| v.0);
    let f = directory::Filter {
        sector: p.category,
        territory: p.territory,
        ..Default::default()
    };
    Ok(geo(points::organisations_geojson(
        &state.db,
        &state.config.public_url(),
        viewer.as_ref(),
        &f,
    )
    .await?))
}

/// Initiatives the caller may see, as a GeoJSON FeatureCollection.
#[utoipa::path(get, path = "/api/v1/initiatives.geojson", tag = "organisations", security((), ("bearer" = [])),
    params(GeoParams),
    responses((status = 200, description = "A FeatureCollection of Points", content_type = "application/geo+json")))]
pub async fn initiatives_geojson(
    State(state): State<AppState>,
    viewer: Option<ApiUser>,
    Query(p): Query<GeoParams>,
) -> AppResult<Response> {
    let viewer = viewer.map(|v| v.0);
    let f = initiatives::Filter {
        category: p.category,
        territory: p.territory,
        ..Default::default()
    };
    Ok(geo(points::initiatives_geojson(
        &state.db,
        &state.config.public_url(),
        viewer.as_ref(),
        &f,
    )
    .await?))
}

/// An initiative on the wire.
#[derive(Serialize, ToSchema)]
pub struct InitiativeOut {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub url: String,
    pub category: String,
    pub description: String,
    pub contact: String,
    pub website: String,
    pub address: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub opening_hours: String,
    /// `proposed`, `validated` or `refused`.
    pub status: String,
}

fn iout(state: &AppState, i: &Initiative) -> InitiativeOut {
    InitiativeOut {
        id: i.id,
        slug: i.slug.clone(),
        name: i.name.clone(),
        url: state.url(&i.path()),
        category: i.category.clone(),
        description: i.description.clone(),
        contact: i.contact.clone(),
        website: i.website.clone(),
        address: i.address.clone(),
        lat: i.lat,
        lon: i.lon,
        opening_hours: i.opening_hours.clone(),
        status: i.status.as_str().into(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct InitiativePage {
    pub items: Vec<InitiativeOut>,
    pub page: i64,
    pub next_page: Option<i64>,
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct InitiativeParams {
    q: String,
    category: String,
    territory: String,
    /// `proposed` for the moderators' queue.
    status: String,
    page: Option<i64>,
}

/// Initiatives the caller may see, by name.
#[utoipa::path(get, path = "/api/v1/initiatives", tag = "organisations", security((), ("bearer" = [])),
    params(InitiativeParams),
    responses((status = 200, body = InitiativePage)))]
pub async fn list_initiatives(
    State(state): State<AppState>,
    viewer: Option<ApiUser>,
    Query(p): Query<InitiativeParams>,
) -> AppResult<Json<InitiativePage>> {
    let viewer = viewer.map(|v| v.0);
    let f = initiatives::Filter {
        q: p.q,
        category: p.category,
        territory: p.territory,
        status: p.status,
        organisation_id: None,
        territory_id: None,
    };
    let l = initiatives::list(&state.db, viewer.as_ref(), &f, p.page.unwrap_or(1)).await?;
    Ok(Json(InitiativePage {
        items: l.items.iter().map(|i| iout(&state, i)).collect(),
        page: l.page,
        next_page: l.more.then_some(l.page + 1),
    }))
}

/// One initiative (404 when the caller may not see it).
#[utoipa::path(get, path = "/api/v1/initiatives/{key}", tag = "organisations", security((), ("bearer" = [])),
    params(("key" = String, Path, description = "Slug or id")),
    responses((status = 200, body = InitiativeOut), (status = 404, body = ErrorBody)))]
pub async fn show_initiative(
    State(state): State<AppState>,
    viewer: Option<ApiUser>,
    Path(key): Path<String>,
) -> AppResult<Json<InitiativeOut>> {
    let i = initiatives::by_key(&state.db, &key)
        .await?
        .ok_or(AppError::NotFound)?;
    if !i.visible_to(viewer.as_ref().map(|v| &v.0)) {
        return Err(AppError::NotFound);
    }
    Ok(Json(iout(&state, &i)))
}

/// Propose an initiative (it waits for a moderator).
#[utoipa::path(post, path = "/api/v1/initiatives", tag = "organisations", security(("bearer" = [])),
    request_body = initiatives::Values,
    responses((status = 201, body = InitiativeOut),
        (status = 409, description = "The address (`slug`) is already taken (`slug_taken`)", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn propose(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Json(v): Json<initiatives::Values>,
) -> AppResult<Response> {
    let i = initiatives::ops::propose(&state, &Actor::person(&u), &v)
        .await
        .map_err(super::extract::conflicts)?;
    Ok((StatusCode::CREATED, Json(iout(&state, &i))).into_response())
}

fn decision_choice() -> utoipa::openapi::Object {
    super::wire::choice("`validate` or `refuse`.", &["validate", "refuse"])
}

#[derive(Deserialize, ToSchema)]
pub struct DecisionIn {
    #[schema(schema_with = decision_choice)]
    pub decision: String,
    #[serde(default)]
    pub reason: String,
}

/// Validate or refuse an initiative (moderators).
#[utoipa::path(post, path = "/api/v1/initiatives/{key}/decision", tag = "organisations", security(("bearer" = [])),
    params(("key" = String, Path)),
    request_body = DecisionIn,
    responses((status = 200, body = InitiativeOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(key): Path<String>,
    Json(d): Json<DecisionIn>,
) -> AppResult<Json<InitiativeOut>> {
    let validate = match d.decision.as_str() {
        "validate" => true,
        "refuse" => false,
        _ => {
            return Err(AppError::Invalid {
                fields: vec![("decision".into(), "field-invalid-choice".into())],
            });
        }
    };
    let i = initiatives::ops::decide(&state, &Actor::person(&u), &key, validate, &d.reason).await?;
    Ok(Json(iout(&state, &i)))
}
