//! Moderation pages: report a publication, reply or person
//! (`/report?publication=…|reply=…|user=…`), a community's review queue and
//! actions (`/c/{slug}/moderation`), its public moderation log
//! (`/c/{slug}/modlog`), and the instance's queue (`/admin/reports`).
//!
//! Handlers are thin: they gate access (anonymous → login, community not
//! visible → 404, not a moderator → 403), check CSRF on every POST, call the
//! operations of `crate::moderation::ops` (the same the API calls) and
//! render the outcome, re-rendering a failed form with 422 keeping what was
//! typed.
//!
//! - `report`: the report form and its confirmation;
//! - `queues`: the review queues (a community's, the instance's), their cards;
//! - `act`: the action form and its submission;
//! - `modlog`: a community's moderation log;
//! - `federation`: a community's blocks of remote people and instances.

use askama::Template;
use axum::Router;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use super::AppState;
use super::ctx::Ctx;
use super::templates::Shell;
use crate::accounts::{self, User};
use crate::communities::{self, Community};
use crate::error::{AppError, AppResult};
use crate::moderation::Target;
use crate::policy::{self, Action};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/report", get(report::form).post(report::submit))
        .route("/report/sent", get(report::sent))
        .route("/c/{slug}/moderation", get(queues::community_queue))
        .route(
            "/c/{slug}/moderation/act",
            get(act::community_form).post(act::community_submit),
        )
        .route("/c/{slug}/modlog", get(modlog::page))
        .route(
            "/c/{slug}/moderation/federation",
            get(federation::page_get).post(federation::block_submit),
        )
        .route(
            "/c/{slug}/moderation/federation/unblock",
            axum::routing::post(federation::unblock_submit),
        )
        .route("/admin/reports", get(queues::admin_queue))
        .route(
            "/admin/reports/act",
            get(act::admin_form).post(act::admin_submit),
        )
}

// ---- shared helpers ----------------------------------------------------------------------

fn login_redirect(ctx: &Ctx, back: &str) -> Response {
    ctx.redirect(&format!(
        "/login?next={}",
        percent_encoding::utf8_percent_encode(back, percent_encoding::NON_ALPHANUMERIC)
    ))
}

/// A positive id from a form or query value; anything else is `None`.
fn id(v: &str) -> Option<i64> {
    v.trim().parse::<i64>().ok().filter(|n| *n > 0)
}

fn page_no(v: &str) -> i64 {
    v.trim().parse::<i64>().unwrap_or(1).clamp(1, 100_000)
}

fn page_link(base: &str, n: i64) -> String {
    if n <= 1 {
        base.to_string()
    } else {
        format!("{base}?page={n}")
    }
}

/// "publication=1" / "reply=2" / "user=name" query of a target, as given.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(super) struct TargetQuery {
    publication: String,
    reply: String,
    user: String,
    report: String,
    page: String,
}

impl TargetQuery {
    fn given(&self) -> usize {
        [&self.publication, &self.reply, &self.user]
            .iter()
            .filter(|v| !v.trim().is_empty())
            .count()
    }
    fn query_string(&self) -> String {
        let mut params: Vec<(&str, &str)> = Vec::new();
        for (k, v) in [
            ("publication", &self.publication),
            ("reply", &self.reply),
            ("user", &self.user),
            ("report", &self.report),
        ] {
            if !v.trim().is_empty() {
                params.push((k, v.trim()));
            }
        }
        serde_urlencoded::to_string(&params).unwrap_or_default()
    }
}

/// The target named by `publication`, `reply` or `user` (a username);
/// `Ok(None)` when none is given; 404 for a malformed id or unknown person.
async fn target_of(
    state: &AppState,
    publication: &str,
    reply: &str,
    user: &str,
) -> AppResult<Option<Target>> {
    if !publication.trim().is_empty() {
        return id(publication)
            .map(|i| Some(Target::Publication(i)))
            .ok_or(AppError::NotFound);
    }
    if !reply.trim().is_empty() {
        return id(reply)
            .map(|i| Some(Target::Reply(i)))
            .ok_or(AppError::NotFound);
    }
    if !user.trim().is_empty() {
        let u = accounts::by_username(&state.db, user.trim())
            .await?
            .ok_or(AppError::NotFound)?;
        return Ok(Some(Target::User(u.id)));
    }
    Ok(None)
}

pub struct Choice {
    pub value: &'static str,
    pub label: String,
    pub hint: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    s: Shell,
    heading: String,
    paragraphs: Vec<String>,
    action: Option<(String, String)>,
}

// ---- who moderates ---------------------------------------------------------------------

/// The community and the signed-in moderator, or why not: anonymous →
/// login (coming back to `back`), community not visible → 404, not a
/// moderator → 403.
async fn moderated_community(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    back: &str,
) -> AppResult<Result<(Community, User), Response>> {
    let c = communities::by_slug(&state.db, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let Some(user) = ctx.user.clone() else {
        // Only a community an anonymous visitor may know of sends them to
        // the log-in form; any other answers as an unknown address.
        if !policy::can(
            None,
            Action::ViewCommunityCard {
                c: &c.facts(),
                m: None,
            },
        ) {
            return Err(AppError::NotFound);
        }
        return Ok(Err(login_redirect(ctx, back)));
    };
    let mem = communities::membership(&state.db, c.id, Some(&user)).await?;
    if !policy::can(
        Some(&user),
        Action::ViewCommunity {
            c: &c.facts(),
            m: mem,
        },
    ) {
        return Err(AppError::NotFound);
    }
    if !policy::can(
        Some(&user),
        Action::ModerateCommunity {
            c: &c.facts(),
            m: mem,
        },
    ) {
        return Err(AppError::Forbidden);
    }
    Ok(Ok((c, user)))
}

macro_rules! moderator {
    ($state:expr, $ctx:expr, $slug:expr, $back:expr) => {
        match $crate::web::moderation::moderated_community(&$state, &$ctx, &$slug, &$back).await? {
            Ok(v) => v,
            Err(r) => return Ok(r),
        }
    };
}

fn community_shell(state: &AppState, ctx: &Ctx, c: &Community, title: &str, link: &str) -> Shell {
    Shell::new(state, ctx, &format!("{title} · {}", c.name), "")
        .crumb(c.name.clone(), c.path())
        .crumb(title.to_string(), link.to_string())
}

/// The signed-in administrator (instance moderation), or why not.
fn instance_moderator(ctx: &Ctx, back: &str) -> AppResult<Result<User, Response>> {
    let Some(user) = ctx.user.clone() else {
        return Ok(Err(login_redirect(ctx, back)));
    };
    if !policy::can(Some(&user), Action::ApproveCommunities) {
        return Err(AppError::Forbidden);
    }
    Ok(Ok(user))
}

macro_rules! instance_moderator {
    ($ctx:expr, $back:expr) => {
        match $crate::web::moderation::instance_moderator(&$ctx, &$back)? {
            Ok(u) => u,
            Err(r) => return Ok(r),
        }
    };
}

pub mod act;
pub mod federation;
pub mod modlog;
pub mod queues;
pub mod report;

#[cfg(test)]
mod tests {
    use crate::i18n::Lang;
    use crate::web::admin::admin_nav;

    #[test]
    fn admin_menu_lists_and_marks_the_reports() {
        for lang in Lang::ALL {
            let nav = admin_nav(lang, "/admin/reports");
            let reports: Vec<_> = nav.iter().filter(|i| i.current).collect();
            assert_eq!(reports.len(), 1);
            assert_eq!(reports[0].href, "/admin/reports");
            assert_eq!(reports[0].label, lang.t("moderation-admin-nav"));
        }
    }
}
