//! `/api/v1/events`: the agenda (upcoming occurrences the caller may see,
//! same filters as the page), one event, creation and changes, its status
//! and one occurrence, the caller's answer, and the participants for the
//! organisers, and the event's image (`PUT`/`DELETE …/image`). The
//! handlers call the operations the pages call
//! (`events::ops`, `events::rsvp`); every read goes through the policy, so
//! a private community's events stay with its members. Invalid values
//! answer 422 with the form's message keys.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiUser, ImageBody};
use super::wire::ErrorBody;
use crate::accounts::User;
use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::events::listing::{self, Filter};
use crate::events::rsvp::{self, Answer};
use crate::events::{self, Event, Loaded, Status, Values, ops, time};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/events", get(list).post(create))
        .route("/events/{id}", get(show).patch(update))
        .route("/events/{id}/status", post(set_status))
        .route("/events/{id}/remove", post(remove_remote))
        .route("/events/{id}/occurrences", post(set_occurrence))
        .route("/events/{id}/rsvp", put(answer))
        .route("/events/{id}/participants", get(participants))
        .route("/events/{id}/image", put(put_image).delete(delete_image))
        .route("/communities/{slug}/events/import", post(import_ics))
}

/// An event on the wire. Times: `start`/`end` are local wall times in
/// `tz` ('YYYY-MM-DDTHH:MM', a date when all day), `starts_at`/`ends_at`
/// Unix seconds of the first occurrence.
#[derive(Serialize, ToSchema)]
pub struct EventOut {
    pub id: i64,
    pub uid: String,
    pub url: String,
    pub title: String,
    pub description: String,
    pub tz: String,
    pub start: String,
    pub end: String,
    pub all_day: bool,
    pub starts_at: i64,
    pub ends_at: i64,
    /// RRULE value ('' when single).
    pub rrule: String,
    pub exdates: Vec<String>,
    /// Local starts of cancelled occurrences.
    pub cancelled_occurrences: Vec<String>,
    /// `address`, `online` or `hybrid`.
    pub place_kind: String,
    pub address: String,
    /// Absent when kept for participants and the caller holds no place.
    pub online_url: Option<String>,
    pub communities: Vec<String>,
    pub tags: Vec<String>,
    pub contact: String,
    pub capacity: Option<i64>,
    /// As the organiser wrote it; empty when free.
    pub price: String,
    pub free: bool,
    /// Registration questions, in order (answered with `answers` in the
    /// RSVP).
    pub questions: Vec<String>,
    #[schema(schema_with = event_status)]
    pub status: String,
    pub sequence: i64,
    pub going: i64,
    pub maybe: i64,
    pub waiting: i64,
    /// The caller's answer: `going`, `waiting`, `maybe`, `no`, or null.
    pub my_answer: Option<String>,
    /// The event's image, or null.
    pub image: Option<EventImageOut>,
    /// An event of another instance (received by federation, read-only
    /// here): its page where it comes from; null for ours.
    pub origin_url: Option<String>,
}

/// An event's image: served through the event (only to whoever may see it).
#[derive(Serialize, ToSchema)]
pub struct EventImageOut {
    /// At most 1200 pixels a side (JPEG).
    pub url: String,
    /// At most 400 pixels a side (JPEG).
    pub small_url: String,
    /// The organiser's text alternative ('' when none was given).
    pub alt: String,
    pub width: i64,
    pub height: i64,
}

fn image_out(state: &AppState, e: &Event) -> Option<EventImageOut> {
    let img = e.image.as_ref()?;
    let (large, small) = e.image_urls()?;
    Some(EventImageOut {
        url: state.url(&large),
        small_url: state.url(&small),
        alt: img.alt.clone(),
        width: img.width,
        height: img.height,
    })
}

async fn out(state: &AppState, viewer: Option<&User>, l: &Loaded) -> AppResult<EventOut> {
    let e = &l.e;
    let mine = match viewer {
        Some(u) => rsvp::mine(&state.db, e.id, u.id).await?,
        None => None,
    };
    let holds = mine
        .as_ref()
        .is_some_and(|m| m.answer == Answer::Going && !m.waitlisted);
    let show_online = e.online() && (!e.online_private || holds || l.manageable_by(viewer));
    let counts = rsvp::counts(&state.db, e.id).await?;
    Ok(EventOut {
        id: e.id,
        uid: e.uid.clone(),
        url: state.url(&e.path()),
        title: e.title.clone(),
        description: e.description.clone(),
        tz: e.tz.clone(),
        start: e.start_local.clone(),
        end: e.end_local.clone(),
        all_day: e.all_day,
        starts_at: e.starts_at,
        ends_at: e.ends_at,
        rrule: e.rrule.clone(),
        exdates: e.exdates.lines().map(str::to_string).collect(),
        cancelled_occurrences: events::cancelled_occurrences(&state.db, e.id).await?,
        place_kind: e.place_kind.clone(),
        address: e.address.clone(),
        online_url: show_online.then(|| e.online_url.clone()),
        communities: l
            .shown_communities(viewer)
            .iter()
            .map(|c| c.slug.clone())
            .collect(),
        tags: events::tags_of(&state.db, e.id)
            .await?
            .into_iter()
            .map(|t| t.name)
            .collect(),
        contact: e.contact.clone(),
        capacity: e.capacity,
        price: e.price.clone(),
        free: e.free(),
        questions: e.question_list().iter().map(|q| q.to_string()).collect(),
        status: e.status.as_str().into(),
        sequence: e.sequence,
        going: counts.going,
        maybe: counts.maybe,
        waiting: counts.waiting,
        my_answer: mine.map(|m| {
            if m.waitlisted {
                "waiting".to_string()
            } else {
                m.answer.as_str().to_string()
            }
        }),
        image: image_out(state, e),
        origin_url: e.origin().map(|(_, url)| url),
    })
}

/// One occurrence in the agenda.
#[derive(Serialize, ToSchema)]
pub struct OccurrenceOut {
    pub event_id: i64,
    pub url: String,
    pub title: String,
    /// Local start (the occurrence's identity).
    pub start: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub cancelled: bool,
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct AgendaParams {
    /// A community slug.
    community: String,
    /// A territory slug: events placed in it or below.
    territory: String,
    /// A tag.
    tag: String,
    /// `online` or `inperson`.
    online: String,
    /// An organisation slug.
    organisation: String,
    /// `free` or `paid`.
    price: String,
}

async fn load(state: &AppState, viewer: Option<&User>, id: i64) -> AppResult<Loaded> {
    match viewer {
        Some(u) => ops::load_for(state, &Actor::person(u), id).await,
        None => {
            let l = events::load(&state.db, None, id)
                .await?
                .ok_or(AppError::NotFound)?;
            if l.visible_to(None) {
                Ok(l)
            } else {
                Err(AppError::NotFound)
            }
        }
    }
}

/// Upcoming occurrences (the next year, at most 200) the caller may see.
#[utoipa::path(get, path = "/api/v1/events", tag = "events", security((), ("bearer" = [])),
    params(AgendaParams),
    responses((status = 200, body = Vec<OccurrenceOut>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    viewer: Option<ApiUser>,
    Query(p): Query<AgendaParams>,
) -> AppResult<Json<Vec<OccurrenceOut>>> {
    let viewer = viewer.map(|v| v.0);
    let mut f = Filter::default();
    if !p.community.trim().is_empty() {
        match crate::communities::by_slug(&state.db, p.community.trim()).await? {
            Some(c) => f.community_id = Some(c.id),
            None => return Ok(Json(Vec::new())),
        }
    }
    if !p.territory.trim().is_empty() {
        match crate::organisations::places::by_slug(&state.db, p.territory.trim()).await? {
            Some(t) => f.territory_id = Some(t.id),
            None => return Ok(Json(Vec::new())),
        }
    }
    if !p.organisation.trim().is_empty() {
        match listing::organisation_id(&state.db, p.organisation.trim()).await? {
            Some(o) => f.organisation_id = Some(o),
            None => return Ok(Json(Vec::new())),
        }
    }
    f.tag = crate::publications::fold_tag_key(p.tag.trim());
    f.online = match p.online.as_str() {
        "online" => Some(true),
        "inperson" => Some(false),
        _ => None,
    };
    f.free = match p.price.as_str() {
        "free" => Some(true),
        "paid" => Some(false),
        _ => None,
    };
    let now = crate::db::now();
    let to = now + 366 * 86400;
    let evs = listing::between(&state.db, viewer.as_ref(), &f, now, to, 200).await?;
    let dated = listing::occurrences(&state.db, evs, now, to, 200).await?;
    Ok(Json(
        dated
            .into_iter()
            .map(|d| OccurrenceOut {
                event_id: d.event.id,
                url: state.url(&d.event.path()),
                title: d.event.title.clone(),
                start: time::format_local(d.occ.start_local, d.event.all_day),
                starts_at: d.occ.start,
                ends_at: d.occ.end,
                cancelled: d.cancelled,
            })
            .collect(),
    ))
}

/// One event (404 when the caller may not see it).
#[utoipa::path(get, path = "/api/v1/events/{id}", tag = "events", security((), ("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = EventOut), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    viewer: Option<ApiUser>,
    Path(id): Path<i64>,
) -> AppResult<Json<EventOut>> {
    let viewer = viewer.map(|v| v.0);
    let l = load(&state, viewer.as_ref(), id).await?;
    Ok(Json(out(&state, viewer.as_ref(), &l).await?))
}

async fn reloaded(state: &AppState, u: &User, e: &Event) -> AppResult<EventOut> {
    let l = ops::load_for(state, &Actor::person(u), e.id).await?;
    out(state, Some(u), &l).await
}

/// Create an event in communities the caller may post in.
#[utoipa::path(post, path = "/api/v1/events", tag = "events", security(("bearer" = [])),
    request_body = Values,
    responses((status = 201, body = EventOut), (status = 422, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Json(v): Json<Values>,
) -> AppResult<Response> {
    let e = ops::create(&state, &Actor::person(&u), &v).await?;
    Ok((StatusCode::CREATED, Json(reloaded(&state, &u, &e).await?)).into_response())
}

/// Replace an event's values (its communities stay); SEQUENCE is raised.
#[utoipa::path(patch, path = "/api/v1/events/{id}", tag = "events", security(("bearer" = [])),
    params(("id" = i64, Path)),
    request_body = Values,
    responses((status = 200, body = EventOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    Json(v): Json<Values>,
) -> AppResult<Json<EventOut>> {
    let e = ops::update(&state, &Actor::person(&u), id, &v).await?;
    Ok(Json(reloaded(&state, &u, &e).await?))
}

fn event_status() -> utoipa::openapi::Object {
    super::wire::choice(
        "`scheduled`, `cancelled` or `postponed`.",
        &["scheduled", "cancelled", "postponed"],
    )
}

fn rsvp_answer() -> utoipa::openapi::Object {
    super::wire::choice("`going`, `maybe` or `no`.", &["going", "maybe", "no"])
}

#[derive(Deserialize, ToSchema)]
pub struct StatusIn {
    #[schema(schema_with = event_status)]
    pub status: String,
}

/// Cancel, postpone or schedule again an event.
#[utoipa::path(post, path = "/api/v1/events/{id}/status", tag = "events", security(("bearer" = [])),
    params(("id" = i64, Path)),
    request_body = StatusIn,
    responses((status = 200, body = EventOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_status(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    Json(b): Json<StatusIn>,
) -> AppResult<Json<EventOut>> {
    let status = Status::parse(&b.status).ok_or_else(|| AppError::Invalid {
        fields: vec![("status".into(), "event-status-invalid".into())],
    })?;
    let e = ops::set_status(&state, &Actor::person(&u), id, status).await?;
    Ok(Json(reloaded(&state, &u, &e).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct OccurrenceIn {
    /// The occurrence's local start ('YYYY-MM-DDTHH:MM', a date when all day).
    #[schema(
        pattern = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])(T([01][0-9]|2[0-3]):[0-5][0-9])?$"
    )]
    pub start: String,
    /// `true` to cancel it, `false` to restore it.
    pub cancelled: bool,
}

/// Cancel or restore one occurrence of a recurring event.
#[utoipa::path(post, path = "/api/v1/events/{id}/occurrences", tag = "events", security(("bearer" = [])),
    params(("id" = i64, Path)),
    request_body = OccurrenceIn,
    responses((status = 200, body = EventOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_occurrence(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    Json(b): Json<OccurrenceIn>,
) -> AppResult<Json<EventOut>> {
    let e = ops::set_occurrence(&state, &Actor::person(&u), id, &b.start, b.cancelled).await?;
    Ok(Json(reloaded(&state, &u, &e).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct AnswerIn {
    #[schema(schema_with = rsvp_answer)]
    pub answer: String,
    /// Answers to the event's registration questions, in their order.
    #[serde(default)]
    pub answers: Vec<String>,
}

/// Answer an event; "going" on a full event waits on its list.
#[utoipa::path(put, path = "/api/v1/events/{id}/rsvp", tag = "events", security(("bearer" = [])),
    params(("id" = i64, Path)),
    request_body = AnswerIn,
    responses((status = 200, body = EventOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "An event of another instance, and the caller opted out of federation (`federation_opted_out`)", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn answer(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    Json(b): Json<AnswerIn>,
) -> AppResult<Json<EventOut>> {
    let a = Answer::parse(&b.answer).ok_or_else(|| AppError::Invalid {
        fields: vec![("answer".into(), "event-answer-invalid".into())],
    })?;
    let actor = Actor::person(&u);
    let l = ops::load_for(&state, &actor, id).await?;
    rsvp::answer_with(&state, &actor, &l, a, &b.answers).await?;
    Ok(Json(out(&state, Some(&u), &l).await?))
}

#[derive(Serialize, ToSchema)]
pub struct ParticipantOut {
    pub username: String,
    pub display_name: String,
    /// `going`, `waiting` or `maybe`.
    pub answer: String,
    pub answered_at: i64,
    /// Answers to the registration questions, in their order.
    pub answers: Vec<String>,
}

/// The participants (organisers, moderators of its communities,
/// administrators).
#[utoipa::path(get, path = "/api/v1/events/{id}/participants", tag = "events", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<ParticipantOut>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn participants(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<ParticipantOut>>> {
    let actor = Actor::person(&u);
    let l = ops::load_for(&state, &actor, id).await?;
    let list = rsvp::participants(&state, &actor, &l).await?;
    Ok(Json(
        list.into_iter()
            .map(|p| ParticipantOut {
                answer: if p.waitlisted {
                    "waiting".into()
                } else {
                    p.answer.as_str().into()
                },
                username: p.username,
                display_name: p.display_name,
                answered_at: p.answered_at,
                answers: p.answers,
            })
            .collect(),
    ))
}

/// One event of an imported file.
#[derive(Serialize, ToSchema)]
pub struct ImportLineOut {
    /// The line of its `BEGIN:VEVENT`.
    pub line: usize,
    pub uid: String,
    pub summary: String,
    /// `created`, `updated`, `unchanged` or `error`.
    pub outcome: String,
    /// When refused: the fields and why.
    pub fields: Vec<ImportFieldOut>,
    /// What was read but not kept (message keys).
    pub notes: Vec<String>,
}

/// A field of an event refused at import, and its message key.
#[derive(Serialize, ToSchema)]
pub struct ImportFieldOut {
    pub field: String,
    pub key: String,
}

/// The file refused as a whole: where and why.
#[derive(Serialize, ToSchema)]
pub struct ImportRefusalOut {
    pub line: usize,
    pub key: String,
}

/// What an `.ics` import did, per event.
#[derive(Serialize, ToSchema)]
pub struct ImportReportOut {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub errors: usize,
    pub lines: Vec<ImportLineOut>,
    pub refused: Option<ImportRefusalOut>,
}

fn report_out(r: events::import::Report) -> ImportReportOut {
    use crate::initiatives::import::Outcome;
    ImportReportOut {
        created: r.created,
        updated: r.updated,
        unchanged: r.unchanged,
        errors: r.errors,
        lines: r
            .lines
            .into_iter()
            .map(|l| {
                let (outcome, fields) = match l.outcome {
                    Outcome::Created => ("created", Vec::new()),
                    Outcome::Updated => ("updated", Vec::new()),
                    Outcome::Unchanged => ("unchanged", Vec::new()),
                    Outcome::Error { fields } => ("error", fields),
                };
                ImportLineOut {
                    line: l.line,
                    uid: l.uid,
                    summary: l.summary,
                    outcome: outcome.into(),
                    fields: fields
                        .into_iter()
                        .map(|(field, key)| ImportFieldOut { field, key })
                        .collect(),
                    notes: l.notes,
                }
            })
            .collect(),
        refused: r.refused.map(|x| ImportRefusalOut {
            line: x.line,
            key: x.key,
        }),
    }
}

/// Import an iCalendar file (RFC 5545, the body as `text/calendar`, at most
/// 2 MiB) into a community: its organisers and moderators. Events are
/// known by their UID within the community, so importing again updates
/// them in place. A file refused as a whole answers 422 with the report
/// (its `refused` line and reason); otherwise 200 with one line per event.
#[utoipa::path(post, path = "/api/v1/communities/{slug}/events/import", tag = "events", security(("bearer" = [])),
    params(("slug" = String, Path)),
    request_body(content = String, content_type = "text/calendar"),
    responses((status = 200, body = ImportReportOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ImportReportOut), (status = 429, body = ErrorBody)))]
pub async fn import_ics(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(slug): Path<String>,
    body: String,
) -> AppResult<Response> {
    if body.len() > events::ics::MAX_BYTES {
        return Err(AppError::TooLarge);
    }
    // An empty body is refused by the reader like any non-calendar (a
    // report with its line), so every 422 here is a report.
    let report = events::import::import_file(&state, &Actor::person(&u), &slug, &body).await?;
    let status = if report.refused.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, Json(report_out(report))).into_response())
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct ImageParams {
    /// The image's text alternative (what it shows, for people who cannot
    /// see it; at most 500 characters). Absent: none.
    alt: Option<String>,
}

/// Give the event an image, or replace it: the body is the image file
/// itself (JPEG, PNG, WebP or GIF, at most 5 MB, not multipart). It is
/// re-encoded as JPEG without metadata, at most 1200 pixels a side (and a
/// 400-pixel version). Its organiser, a moderator of one of its
/// communities, administrators.
#[utoipa::path(put, path = "/api/v1/events/{id}/image", tag = "events", security(("bearer" = [])),
    params(("id" = i64, Path), ImageParams),
    request_body(description = "The image file itself (not multipart)",
        content(("image/png"), ("image/jpeg"), ("image/webp"), ("image/gif"))),
    responses(
        (status = 200, description = "The event, with its new `image`", body = EventOut),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, description = "Larger than 5 MB (`image_too_large`)", body = ErrorBody),
        (status = 415, description = "`Content-Type` is not `image/*`", body = ErrorBody),
        (status = 422, description = "Not a usable image: `image_not_an_image`, `image_unsupported`, `image_dimensions_too_large`, `image_corrupt`; or `alt` too long", body = ErrorBody)))]
pub async fn put_image(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    Query(p): Query<ImageParams>,
    ImageBody(bytes): ImageBody,
) -> AppResult<Response> {
    let actor = Actor::person(&u);
    // Refused (404/403) before any decoding.
    ops::manageable(&state, &actor, id).await?;
    let banner = match state.images.banner(bytes.to_vec()).await {
        Ok(b) => b,
        Err(e) => return Ok(super::me::image_error(&e)),
    };
    let edit = events::image::Edit {
        change: events::image::Change::Replace(banner),
        alt: Some(p.alt.unwrap_or_default()),
    };
    let e = events::image::apply(&state, &actor, id, edit).await?;
    Ok(Json(reloaded(&state, &u, &e).await?).into_response())
}

/// Remove the event's image.
#[utoipa::path(delete, path = "/api/v1/events/{id}/image", tag = "events", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses(
        (status = 204, description = "Removed (or there was none)"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_image(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    let edit = events::image::Edit {
        change: events::image::Change::Remove,
        alt: None,
    };
    events::image::apply(&state, &Actor::person(&u), id, edit).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct RemoveIn {
    /// Why (optional, at most 500 characters), written in the moderation log.
    pub reason: String,
}

/// Remove an event of another instance from this one (administrators, the
/// moderators of a community it is in). It does not come back when its
/// instance sends it again. Events of this instance are refused (403).
#[utoipa::path(post, path = "/api/v1/events/{id}/remove", tag = "events", security(("bearer" = [])),
    params(("id" = i64, Path)),
    request_body = RemoveIn,
    responses(
        (status = 204, description = "Removed"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn remove_remote(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    Json(b): Json<RemoveIn>,
) -> AppResult<StatusCode> {
    passerelles_core::federation::remote_event_removal::remove(
        &state,
        &Actor::person(&u),
        id,
        &b.reason,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
