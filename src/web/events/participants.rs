//! The organiser's view of who registered (`/e/{id}/participants`), with
//! one column per registration question, and its CSV.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::super::AppState;
use super::super::ctx::Ctx;
use super::super::templates::{Shell, page};
use super::load_seen;
use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::events::{Event, rsvp};

#[derive(Template)]
#[template(path = "events/participants.html")]
struct ParticipantsPage {
    s: Shell,
    e: Event,
    list: Vec<rsvp::Participant>,
    questions: Vec<String>,
}

pub(super) async fn page_of(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let u = ctx.user.clone().ok_or(AppError::NotFound)?;
    let l = load_seen(&state, &ctx, &id).await?;
    let mut list = rsvp::participants(&state, &Actor::person(&u), &l).await?;
    // One cell per question, answered or not.
    let n = l.e.question_list().len();
    for p in &mut list {
        p.answers.resize(n, String::new());
    }
    let title = ctx.t("event-participants-title");
    let p = ParticipantsPage {
        s: Shell::new(&state, &ctx, &title, "events")
            .crumb(ctx.t("event-agenda-title"), "/events")
            .crumb(l.e.title.clone(), l.e.path())
            .crumb(title, format!("{}/participants", l.e.path())),
        questions: l.e.question_list().iter().map(|q| q.to_string()).collect(),
        e: l.e,
        list,
    };
    Ok(page(&ctx, &p))
}

pub(super) async fn csv_of(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let u = ctx.user.clone().ok_or(AppError::NotFound)?;
    let l = load_seen(&state, &ctx, &id).await?;
    let list = rsvp::participants(&state, &Actor::person(&u), &l).await?;
    let mut res = rsvp::csv(&list, &l.e.question_list()).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"event-{}-participants.csv\"",
        l.e.id
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(ctx.finish(res))
}
