//! The issue workbench's other forms: editing or removing an item,
//! scheduling the send (a date and time in the list's zone) or
//! cancelling the schedule, and the aggregate click counter's redirect
//! (only when the instance enables it).

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{ItemForm, actor, errors_of, issue_view, load_issue};
use crate::error::{AppError, AppResult};
use crate::newsletter::{self, ops};
use crate::web::AppState;
use crate::web::ctx::{CsrfForm, Ctx};
use crate::web::templates::invalid;

pub(super) async fn edit_item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, id, item)): Path<(String, i64, i64)>,
    Form(f): Form<ItemForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    actor(&ctx)?;
    let (a, is) = load_issue(&state, &ctx, &slug, id).await?;
    let text = ops::ItemText {
        category: f.category.clone(),
        title: f.title.clone(),
        blurb: f.blurb.clone(),
        editorial: f.editorial.clone(),
    };
    match ops::edit_item(&state, &a, id, item, &text).await {
        Ok(()) => Ok(ctx.redirect(&format!(
            "{}#item-{item}",
            crate::urls::newsletter_issue(&a.list.slug, id)
        ))),
        Err(AppError::Invalid { fields }) => {
            let errors = errors_of(ctx.lang, &fields);
            let p = issue_view(&state, &ctx, &a, is, errors, ItemForm::default(), "").await?;
            Ok(invalid(&ctx, &p))
        }
        Err(e) => Err(e),
    }
}

pub(super) async fn remove_item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, id, item)): Path<(String, i64, i64)>,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    actor(&ctx)?;
    let (a, _) = load_issue(&state, &ctx, &slug, id).await?;
    ops::remove_item(&state, &a, id, item).await?;
    Ok(ctx.redirect(&crate::urls::newsletter_issue(&a.list.slug, id)))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ScheduleForm {
    csrf: String,
    /// `YYYY-MM-DDTHH:MM`, in the list's time zone.
    at: String,
}

pub(super) async fn schedule(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    Form(f): Form<ScheduleForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let actor = actor(&ctx)?;
    let (a, is) = load_issue(&state, &ctx, &slug, id).await?;
    let at = crate::events::time::parse_local(&f.at)
        .map(|d| crate::events::time::instant(a.list.zone(), d));
    let outcome = match at {
        Some(at) => ops::schedule(&state, &actor, &a, id, at).await,
        None => Err(AppError::Invalid {
            fields: vec![("at".into(), "newsletter-error-schedule-time".into())],
        }),
    };
    match outcome {
        Ok(()) => {
            ctx.flash("flash-newsletter-scheduled");
            Ok(ctx.redirect(&crate::urls::newsletter_issue(&a.list.slug, id)))
        }
        Err(AppError::Invalid { fields }) => {
            let errors = errors_of(ctx.lang, &fields);
            let mut p = issue_view(&state, &ctx, &a, is, errors, ItemForm::default(), "").await?;
            // The time as typed, so a refused form keeps it.
            p.schedule_value = f.at;
            Ok(invalid(&ctx, &p))
        }
        Err(e) => Err(e),
    }
}

pub(super) async fn unschedule(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let actor = actor(&ctx)?;
    let (a, _) = load_issue(&state, &ctx, &slug, id).await?;
    ops::unschedule(&state, &actor, &a, id).await?;
    ctx.flash("flash-newsletter-unscheduled");
    Ok(ctx.redirect(&crate::urls::newsletter_issue(&a.list.slug, id)))
}

/// The aggregate click counter: one more click on the item, then on to
/// its address. Only when the instance counts clicks (404 otherwise);
/// only for a sent issue the viewer may read (a private community's list
/// asks the reader to sign in, like its archive). Nothing about who
/// clicked is kept: no cookie is set, no address or id is written.
pub(super) async fn click(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, id, item)): Path<(String, i64, i64)>,
) -> AppResult<Response> {
    if !state.config.newsletter_click_count {
        return Err(AppError::NotFound);
    }
    let a = newsletter::load(&state, ctx.user.as_ref(), &slug).await?;
    let is = newsletter::compose::issue(&state.db, a.list.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if is.sent_at.is_none() {
        return Err(AppError::NotFound);
    }
    let url = newsletter::items::count_click(&state.db, id, item)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Redirect::to(&url).into_response())
}
