//! Importing iCalendar into a community (`/c/{slug}/events/import`): an
//! organiser uploads a file (or pastes its text) and reads the report,
//! event by event; a manager subscribes the community to an external
//! calendar URL (fetched periodically by the job queue), fetches it again
//! or ends the subscription, and sees each subscription's last report.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::super::AppState;
use super::super::ctx::Ctx;
use super::super::templates::{FieldErrors, Shell, invalid, page};
use crate::actor::Actor;
use crate::edge::read_multipart;
use crate::error::{AppError, AppResult};
use crate::events::import::{self, Feed, Report};
use crate::initiatives::import::Outcome;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/c/{slug}/events/import",
            get(import_form).post(import_submit),
        )
        .route("/c/{slug}/events/feeds", post(feed_add))
        .route("/c/{slug}/events/feeds/{id}/refresh", post(feed_refresh))
        .route("/c/{slug}/events/feeds/{id}/delete", post(feed_delete))
}

#[derive(Template)]
#[template(path = "events/import.html")]
struct ImportPage {
    s: Shell,
    slug: String,
    report: Option<Report>,
    feeds: Vec<Feed>,
    manage: bool,
    url: String,
    errors: FieldErrors,
}

impl ImportPage {
    fn message(&self, l: &import::Line) -> String {
        let mut out = match &l.outcome {
            Outcome::Created => self.s.t("import-created"),
            Outcome::Updated => self.s.t("import-updated"),
            Outcome::Unchanged => self.s.t("import-unchanged"),
            Outcome::Error { fields } => fields
                .iter()
                .map(|(f, k)| format!("{f} : {}", self.s.t(k)))
                .collect::<Vec<_>>()
                .join(" ; "),
        };
        for n in &l.notes {
            out.push_str(" ; ");
            out.push_str(&self.s.t(n));
        }
        out
    }
    fn failed(l: &import::Line) -> bool {
        matches!(l.outcome, Outcome::Error { .. })
    }
}

async fn import_page(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
) -> AppResult<(ImportPage, crate::actor::Actor)> {
    let u = ctx.user.clone().ok_or(AppError::Unauthorized)?;
    let actor = Actor::person(&u);
    if !import::may_import(state, &actor, slug, false).await {
        // The same answer as the operation: unseen or refused.
        let c = crate::communities::by_slug(&state.db, slug)
            .await?
            .ok_or(AppError::NotFound)?;
        let m = crate::communities::membership(&state.db, c.id, Some(&u)).await?;
        return Err(
            if actor.may(crate::policy::Action::FindCommunityContent { c: &c.facts(), m }) {
                AppError::Forbidden
            } else {
                AppError::NotFound
            },
        );
    }
    let manage = import::may_import(state, &actor, slug, true).await;
    let c = crate::communities::by_slug(&state.db, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let feeds = if manage {
        import::feeds_of(&state.db, c.id).await?
    } else {
        Vec::new()
    };
    let title = ctx.t("event-import-title");
    let p = ImportPage {
        s: Shell::new(state, ctx, &title, "events")
            .crumb(c.name.clone(), format!("/c/{}", c.slug))
            .crumb(title, format!("/c/{}/events/import", c.slug)),
        slug: c.slug,
        report: None,
        feeds,
        manage,
        url: String::new(),
        errors: FieldErrors::default(),
    };
    Ok((p, actor))
}

async fn import_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    if ctx.user.is_none() {
        let next = format!("/c/{slug}/events/import");
        return Ok(ctx.redirect(&format!(
            "/login?next={}",
            url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
        )));
    }
    let (p, _) = import_page(&state, &ctx, &slug).await?;
    Ok(page(&ctx, &p))
}

async fn import_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    mp: Multipart,
) -> AppResult<Response> {
    let form = read_multipart(mp, "file").await?;
    ctx.verify_csrf(&form.get("csrf"))?;
    let (mut p, actor) = import_page(&state, &ctx, &slug).await?;
    if let Some((_, k)) = form.refused.first() {
        // Larger than any upload: the same words as the import's own cap.
        let k = if *k == "attachment-too-large" {
            "event-import-too-large"
        } else {
            k
        };
        p.errors.add(ctx.lang, "file", k);
        return Ok(invalid(&ctx, &p));
    }
    let body = match form.uploads.first() {
        Some(f) if f.bytes.len() > crate::events::ics::MAX_BYTES => {
            p.errors.add(ctx.lang, "file", "event-import-too-large");
            return Ok(invalid(&ctx, &p));
        }
        Some(f) => match String::from_utf8(f.bytes.clone()) {
            Ok(s) => s,
            Err(_) => {
                p.errors.add(ctx.lang, "file", "event-import-not-utf8");
                return Ok(invalid(&ctx, &p));
            }
        },
        None => form.get("content"),
    };
    if body.trim().is_empty() {
        p.errors.add(ctx.lang, "file", "field-required");
        return Ok(invalid(&ctx, &p));
    }
    let report = import::import_file(&state, &actor, &slug, &body).await?;
    let refused = report.refused.is_some();
    if let Some(r) = &report.refused {
        let text = format!("{} {} : {}", ctx.t("import-line"), r.line, ctx.t(&r.key));
        p.errors.add_text("file", text);
    }
    p.report = Some(report);
    Ok(if refused {
        invalid(&ctx, &p)
    } else {
        page(&ctx, &p)
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FeedForm {
    csrf: String,
    url: String,
}

async fn feed_add(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<FeedForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let (mut p, actor) = import_page(&state, &ctx, &slug).await?;
    match import::subscribe(&state, &actor, &slug, &f.url).await {
        Ok(_) => {
            ctx.flash("flash-event-feed-subscribed");
            Ok(ctx.redirect(&format!("/c/{slug}/events/import")))
        }
        Err(AppError::Invalid { fields }) => {
            for (field, k) in fields {
                p.errors.add(ctx.lang, &field, &k);
            }
            p.url = f.url;
            Ok(invalid(&ctx, &p))
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CsrfForm {
    csrf: String,
}

async fn feed_refresh(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let u = ctx.user.clone().ok_or(AppError::Unauthorized)?;
    import::refresh(&state, &Actor::person(&u), &slug, id).await?;
    ctx.flash("flash-event-feed-queued");
    Ok(ctx.redirect(&format!("/c/{slug}/events/import")))
}

async fn feed_delete(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let u = ctx.user.clone().ok_or(AppError::Unauthorized)?;
    import::unsubscribe(&state, &Actor::person(&u), &slug, id).await?;
    ctx.flash("flash-event-feed-removed");
    Ok(ctx.redirect(&format!("/c/{slug}/events/import")))
}
