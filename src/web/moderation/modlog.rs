//! A community's moderation log (`/c/{slug}/modlog`): public to whoever
//! may read the community; report dismissals for its moderators only.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;

use super::{TargetQuery, community_shell, page_link, page_no};
use crate::communities;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::moderation as m;
use crate::policy::{self, Action};
use crate::state::AppState;
use crate::urls;
use crate::web::ctx::Ctx;
use crate::web::templates::{Shell, page as render};

pub struct LogRow {
    pub date: String,
    pub action: String,
    pub target: String,
    pub target_link: Option<String>,
    pub reason: String,
    pub moderator: String,
}

#[derive(Template)]
#[template(path = "moderation_modlog.html")]
struct ModlogPage {
    s: Shell,
    community_name: String,
    community_path: String,
    queue_path: Option<String>,
    rows: Vec<LogRow>,
    page: i64,
    prev: Option<String>,
    next: Option<String>,
}

pub(super) async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(q): Query<TargetQuery>,
) -> AppResult<Response> {
    let c = communities::by_slug(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let viewer = ctx.user.as_ref();
    let mem = communities::membership(&state.db, c.id, viewer).await?;
    if !policy::can(
        viewer,
        Action::ViewCommunity {
            c: &c.facts(),
            m: mem,
        },
    ) {
        return Err(AppError::NotFound);
    }
    let moderates = policy::can(
        viewer,
        Action::ModerateCommunity {
            c: &c.facts(),
            m: mem,
        },
    );
    let n = page_no(&q.page);
    let (entries, more) = m::modlog(&state.db, c.id, moderates, n - 1).await?;
    let rows = entries.iter().map(|e| log_row(ctx.lang, e)).collect();
    let base = format!("{}/modlog", c.path());
    let title = ctx.t("moderation-log-title");
    let p = ModlogPage {
        s: community_shell(&state, &ctx, &c, &title, &base),
        community_name: c.name.clone(),
        community_path: c.path(),
        queue_path: moderates.then(|| format!("{}/moderation", c.path())),
        rows,
        page: n,
        prev: (n > 1).then(|| page_link(&base, n - 1)),
        next: more.then(|| page_link(&base, n + 1)),
    };
    Ok(render(&ctx, &p))
}

pub fn log_row(lang: Lang, e: &m::LogEntry) -> LogRow {
    let key = m::log_label_key(&e.action);
    let action = if lang.has(&key) {
        lang.t(&key)
    } else {
        e.action.clone()
    };
    let (target, target_link) = match (
        &e.username,
        e.reply_id,
        &e.publication_title,
        e.publication_id,
    ) {
        (Some(u), _, _, _) if e.publication_id.is_none() => (u.clone(), Some(urls::user(u))),
        (_, Some(_), Some(t), Some(pid)) => (
            lang.ta("moderation-log-reply-in", &[("name", t.as_str().into())]),
            Some(urls::publication(pid)),
        ),
        (_, None, Some(t), Some(pid)) => (t.clone(), Some(urls::publication(pid))),
        _ => ("—".to_string(), None),
    };
    LogRow {
        date: crate::i18n::format_datetime(lang, e.created_at),
        action,
        target,
        target_link,
        reason: e.reason.clone(),
        moderator: e.moderator.clone().unwrap_or_else(|| "—".into()),
    }
}
