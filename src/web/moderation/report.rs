//! Reporting a publication, a reply or a person: the form
//! (`/report?publication=…|reply=…|user=…`), filing it through
//! `moderation::ops::file_report`, and the confirmation.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::{Choice, MessagePage, TargetQuery, login_redirect, target_of};
use crate::accounts::User;
use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::moderation::{self as m, Category, ReportRefusal, TargetKind};
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::templates::{self, FieldErrors, Shell, html, invalid, page};

#[derive(Template)]
#[template(path = "moderation_report.html")]
struct ReportPage {
    s: Shell,
    heading: String,
    target_title: String,
    target_excerpt: String,
    target_path: String,
    reviewers: Vec<String>,
    action: String,
    categories: Vec<Choice>,
    comment: String,
    comment_max: i64,
    errors: FieldErrors,
    already: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ReportForm {
    csrf: String,
    category: String,
    comment: String,
}

fn report_heading_key(kind: TargetKind) -> &'static str {
    match kind {
        TargetKind::Publication => "moderation-report-publication",
        TargetKind::Reply => "moderation-report-reply",
        TargetKind::User => "moderation-report-user",
    }
}

fn report_page(
    state: &AppState,
    ctx: &Ctx,
    r: &m::Reportable,
    action: String,
    form: &ReportForm,
    errors: FieldErrors,
    already: bool,
) -> ReportPage {
    let heading = ctx.t(report_heading_key(r.target.kind()));
    let s = Shell::new(state, ctx, &heading, "").crumb(heading.clone(), action.clone());
    ReportPage {
        s,
        heading,
        target_title: r.title.clone(),
        target_excerpt: r.excerpt.clone(),
        target_path: r.path.clone(),
        reviewers: r.destination_names.clone(),
        action,
        categories: Category::ALL
            .iter()
            .map(|c| Choice {
                value: c.as_str(),
                label: ctx.t(&c.label_key()),
                hint: ctx.t(&c.hint_key()),
                checked: form.category == c.as_str(),
            })
            .collect(),
        comment: form.comment.clone(),
        comment_max: m::COMMENT_MAX as i64,
        errors,
        already,
    }
}

/// The target of a report page, as the signed-in reporter may report it.
async fn reportable(state: &AppState, user: &User, q: &TargetQuery) -> AppResult<m::Reportable> {
    if q.given() != 1 {
        return Err(AppError::NotFound);
    }
    let target = target_of(state, &q.publication, &q.reply, &q.user)
        .await?
        .ok_or(AppError::NotFound)?;
    match m::reportable(&state.db, user, target).await? {
        Ok(r) => Ok(r),
        Err(ReportRefusal::NotFound) => Err(AppError::NotFound),
        Err(ReportRefusal::OwnAccount) => Err(AppError::BadRequest {
            code: "report_own_account",
            message_key: "moderation-report-own-account",
        }),
    }
}

pub(super) async fn form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TargetQuery>,
) -> AppResult<Response> {
    let action = format!("/report?{}", q.query_string());
    let user = match &ctx.user {
        Some(u) => u.clone(),
        None => return Ok(login_redirect(&ctx, &action)),
    };
    let r = reportable(&state, &user, &q).await?;
    let already = m::already_reported(&state.db, user.id, r.target).await?;
    let p = report_page(
        &state,
        &ctx,
        &r,
        action,
        &ReportForm::default(),
        FieldErrors::default(),
        already,
    );
    Ok(page(&ctx, &p))
}

pub(super) async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TargetQuery>,
    Form(f): Form<ReportForm>,
) -> AppResult<Response> {
    let action = format!("/report?{}", q.query_string());
    let user = match &ctx.user {
        Some(u) => u.clone(),
        None => return Ok(login_redirect(&ctx, &action)),
    };
    ctx.verify_csrf(&f.csrf)?;
    let r = reportable(&state, &user, &q).await?;
    let mut errors = FieldErrors::default();
    let category = Category::parse(&f.category);
    if category.is_none() {
        errors.add(ctx.lang, "category", "moderation-category-required");
    }
    if f.comment.trim().chars().count() > m::COMMENT_MAX {
        errors.add(ctx.lang, "comment", "field-too-long");
    }
    let Some(category) = category.filter(|_| errors.is_empty()) else {
        return Ok(invalid(
            &ctx,
            &report_page(&state, &ctx, &r, action, &f, errors, false),
        ));
    };
    match m::ops::file_report(
        &state,
        &Actor::person(&user),
        r.target,
        category,
        &f.comment,
    )
    .await
    {
        Ok(_) => Ok(ctx.redirect("/report/sent")),
        Err(AppError::TooManyRequests { retry_after }) => {
            // Keep the comment: the page says when reporting works again.
            let mut errors = FieldErrors::default();
            errors.add_text(
                "comment",
                crate::web::publications::limited_message(
                    ctx.lang,
                    "rate-limited-reports",
                    retry_after,
                ),
            );
            let p = report_page(&state, &ctx, &r, action, &f, errors, false);
            Ok(templates::too_many(&ctx, retry_after, &p))
        }
        Err(AppError::Conflict {
            code: "already_reported",
            ..
        }) => {
            let p = report_page(&state, &ctx, &r, action, &f, FieldErrors::default(), true);
            Ok(ctx.finish((StatusCode::CONFLICT, html(&p))))
        }
        Err(e) => Err(e),
    }
}

pub(super) async fn sent(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    if ctx.user.is_none() {
        return Ok(login_redirect(&ctx, "/report/sent"));
    }
    let heading = ctx.t("moderation-report-sent-title");
    let s = Shell::new(&state, &ctx, &heading, "").crumb(heading.clone(), "/report/sent");
    let p = MessagePage {
        s,
        heading,
        paragraphs: vec![
            ctx.t("moderation-report-sent-text"),
            ctx.t("moderation-report-sent-next"),
        ],
        action: Some((ctx.t("moderation-report-sent-home"), "/".to_string())),
    };
    Ok(page(&ctx, &p))
}
