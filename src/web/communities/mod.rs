//! Communities of practice on the web: the directory (`/c`), creation
//! (or a request when the instance approves communities), the community
//! page and its sections (about, members, join requests, invitations,
//! settings), joining by link, and the administrators' approval queue
//! (`/admin/communities`).
//!
//! Every read and every action asks `crate::policy`. A private community
//! shows outsiders its card (`/c/{slug}`: what it is, how to ask to join)
//! and nothing of its content: its sections answer 404 (never 403), as does
//! every page of a community whose card the viewer may not see (people
//! banned from a private one, pending ones). Every POST checks the CSRF
//! token. The handlers parse the form, call the operation
//! (`crate::communities::ops`, shared with the API) and render its outcome;
//! the listings come from `crate::communities::{directory, members,
//! invitations}`.
//!
//! This file: the router and what the pages share (labels, the community
//! header and menu, refusals, the signed-in and manager gates). Then
//! `directory` (the directory, creation), `show` (the community page,
//! about), `membership` (joining, invitation links, requests, leaving),
//! `members` (join requests, members and roles), `settings` (settings,
//! ownership, archiving), `invitations`, `news` (the news feeds the
//! community follows, with their health), `admin` (the approval queue).
//! Each of them starts with `use super::*`: the shared parts below are
//! private to this folder.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::AppState;
use super::ctx::Ctx;
use super::templates::{FieldErrors, Shell, html, invalid, page};
use crate::accounts::{self, User};
use crate::actor::Actor;
pub use crate::communities::access::{Loaded, load, load_card};
use crate::communities::{self, Community, ops};
use crate::error::{AppError, AppResult};
use crate::i18n::{Arg, Lang};
use crate::policy::{self, Action, CommunityStatus, JoinPolicy, MemberState, Role, Visibility};
use crate::urls;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/c", get(directory))
        .route("/c/new", get(new_form).post(new_submit))
        .route("/c/{slug}", get(show))
        .route("/c/{slug}/about", get(about))
        .route("/c/{slug}/join", get(join_page).post(join_submit))
        .route("/c/{slug}/request", post(request_submit))
        .route("/c/{slug}/leave", post(leave_submit))
        .route("/c/{slug}/requests", get(requests_page))
        .route(
            "/c/{slug}/requests/{user_id}/approve",
            post(request_approve),
        )
        .route("/c/{slug}/requests/{user_id}/refuse", post(request_refuse))
        .route("/c/{slug}/members", get(members_page))
        .route("/c/{slug}/members/{user_id}/role", post(member_role))
        .route("/c/{slug}/members/{user_id}/remove", post(member_remove))
        .route("/c/{slug}/transfer", post(transfer_submit))
        .route("/c/{slug}/archive", post(archive_submit))
        .route("/c/{slug}/export", post(export_submit))
        .route("/c/{slug}/reopen", post(reopen_submit))
        .route(
            "/c/{slug}/settings",
            get(settings_form).post(settings_submit),
        )
        .route(
            "/c/{slug}/invitations",
            get(invitations_page).post(invitation_create),
        )
        .route("/c/{slug}/invitations/{id}/revoke", post(invitation_revoke))
        .route("/c/{slug}/health", get(health_page))
        .route("/c/{slug}/health/table", get(health_table))
        .route("/c/{slug}/news", get(news_page).post(news_subscribe))
        .route("/c/{slug}/news/fetch", post(news_fetch))
        .route("/c/{slug}/news/{id}/remove", post(news_remove))
        .route("/admin/communities", get(admin_page))
        .route("/admin/communities/settings", post(admin_settings))
        .route("/admin/communities/{id}/approve", post(admin_approve))
        .route("/admin/communities/{id}/refuse", post(admin_refuse))
}

// ---- loading and authorizing ------------------------------------------------------------

fn is_admin(u: &User) -> bool {
    policy::can(Some(u), Action::Administer)
}

fn encode(s: &str) -> String {
    urls::encode_path(s)
}

/// A community's path from a slug as typed in the address (not yet known
/// to name a community), encoded.
fn community_path(slug: &str) -> String {
    urls::community(&encode(slug))
}

fn login_link(back: &str) -> String {
    format!("/login?next={}", encode(back))
}

/// 1-based page number from a query value.
fn page_number(raw: &str) -> i64 {
    raw.trim().parse::<i64>().unwrap_or(1).clamp(1, 100_000)
}

// ---- labels -------------------------------------------------------------------------------

pub fn visibility_key(v: Visibility) -> &'static str {
    match v {
        Visibility::Open => "community-visibility-open",
        Visibility::Private => "community-visibility-private",
        Visibility::Unlisted => "community-visibility-unlisted",
    }
}

pub fn join_key(j: JoinPolicy) -> &'static str {
    match j {
        JoinPolicy::Open => "community-join-open",
        JoinPolicy::Request => "community-join-request",
        JoinPolicy::Invitation => "community-join-invitation",
    }
}

pub fn role_key(r: Role) -> &'static str {
    match r {
        Role::Owner => "community-role-owner",
        Role::Animator => "community-role-animator",
        Role::Moderator => "community-role-moderator",
        Role::Member => "community-role-member",
    }
}

const ROLES: [Role; 4] = [Role::Member, Role::Moderator, Role::Animator, Role::Owner];

pub(crate) fn theme_label(lang: Lang, code: &str) -> Option<String> {
    (!code.is_empty()).then(|| lang.t(&format!("community-theme-{code}")))
}

fn badges(lang: Lang, c: &Community) -> Vec<(&'static str, String)> {
    // A private community wears a lock (drawn by the stylesheet).
    let visibility_class = if c.visibility == Visibility::Private {
        "badge badge-lock"
    } else {
        "badge"
    };
    let mut b = vec![
        (visibility_class, lang.t(visibility_key(c.visibility))),
        ("badge", lang.t(join_key(c.join_policy))),
    ];
    match c.status {
        CommunityStatus::Archived => {
            b.push(("badge badge-warn", lang.t("community-status-archived")))
        }
        CommunityStatus::Pending => {
            b.push(("badge badge-warn", lang.t("community-status-pending")))
        }
        CommunityStatus::Refused => {
            b.push(("badge badge-warn", lang.t("community-status-refused")))
        }
        CommunityStatus::Active => {}
    }
    b
}

/// A radio or select choice.
pub struct Choice {
    pub value: &'static str,
    pub label: String,
    pub hint: String,
    pub checked: bool,
}

fn theme_choices(lang: Lang, current: &str) -> Vec<Choice> {
    communities::THEMES
        .iter()
        .map(|code| Choice {
            value: code,
            label: lang.t(&format!("community-theme-{code}")),
            hint: String::new(),
            checked: *code == current,
        })
        .collect()
}

fn region_choices(current: &str) -> Vec<Choice> {
    communities::REGIONS
        .iter()
        .map(|(code, name)| Choice {
            value: code,
            label: name.to_string(),
            hint: String::new(),
            checked: *code == current,
        })
        .collect()
}

fn visibility_choices(lang: Lang, current: &str) -> Vec<Choice> {
    [Visibility::Open, Visibility::Private, Visibility::Unlisted]
        .into_iter()
        .map(|v| Choice {
            value: v.as_str(),
            label: lang.t(visibility_key(v)),
            hint: lang.t(&format!("{}-hint", visibility_key(v))),
            checked: v.as_str() == current,
        })
        .collect()
}

fn join_choices(lang: Lang, current: &str) -> Vec<Choice> {
    [
        JoinPolicy::Open,
        JoinPolicy::Request,
        JoinPolicy::Invitation,
    ]
    .into_iter()
    .map(|j| Choice {
        value: j.as_str(),
        label: lang.t(join_key(j)),
        hint: lang.t(&format!("{}-hint", join_key(j))),
        checked: j.as_str() == current,
    })
    .collect()
}

fn field_errors(lang: Lang, fields: &[(String, String)]) -> FieldErrors {
    let mut errors = FieldErrors::default();
    for (f, k) in fields {
        errors.add(lang, f, k);
    }
    errors
}

/// Plain text → paragraphs (descriptions are not Markdown).
fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

fn excerpt(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > max / 2 => cut[..i].to_string(),
        _ => cut,
    };
    format!("{cut}…")
}

// ---- page parts ---------------------------------------------------------------------------

pub struct Tab {
    pub label: String,
    pub href: String,
    pub current: bool,
}

/// The header and section menu shared by the pages of one community.
pub struct Head {
    pub name: String,
    pub path: String,
    pub description: String,
    pub badges: Vec<(&'static str, String)>,
    pub members: String,
    pub theme: Option<String>,
    pub territory: Option<String>,
    /// (heading, text) of the archived / pending / refused banner.
    pub banner: Option<(String, Vec<String>)>,
    pub tabs: Vec<Tab>,
    /// Its Atom feed, when anyone may read it (the feeds' own rule).
    pub feed: Option<String>,
}

async fn head(state: &AppState, ctx: &Ctx, l: &Loaded, current: &str) -> AppResult<Head> {
    let lang = ctx.lang;
    let viewer = ctx.user.as_ref();
    let c = &l.c;
    let base = c.path();
    // Seen from outside (a private community's card): no section to open.
    let reader = l.view(viewer);
    let mut tabs = Vec::new();
    if reader {
        tabs.extend([
            ("community-tab-feed", base.clone()),
            ("community-tab-about", format!("{base}/about")),
            ("community-tab-members", format!("{base}/members")),
            // The agenda filtered on the community (crate::web::events).
            (
                "community-tab-events",
                format!("/events?community={}", c.slug),
            ),
        ]);
    }
    // The wiki and the file space live in crate::web::library.
    if reader
        && policy::can(
            viewer,
            Action::ViewCommunitySpace {
                c: &l.facts,
                m: l.m,
            },
        )
    {
        tabs.push(("community-tab-wiki", crate::urls::wiki(&c.slug)));
        tabs.push(("community-tab-files", crate::urls::space(&c.slug, 0)));
    }
    // The moderation queue and log live in crate::web::moderation.
    if reader
        && policy::can(
            viewer,
            Action::ModerateCommunity {
                c: &l.facts,
                m: l.m,
            },
        )
    {
        tabs.push(("community-tab-moderation", format!("{base}/moderation")));
    }
    let mut requests = 0;
    if reader && l.manage(viewer) {
        requests = communities::members::count(&state.db, c.id, MemberState::Requested).await?;
        tabs.push(("community-tab-requests", format!("{base}/requests")));
        tabs.push(("community-tab-invitations", format!("{base}/invitations")));
        tabs.push(("community-tab-settings", format!("{base}/settings")));
        tabs.push(("community-tab-health", format!("{base}/health")));
        tabs.push(("community-tab-news", format!("{base}/news")));
    }
    let tabs = tabs
        .into_iter()
        .map(|(key, href)| Tab {
            label: if key == "community-tab-requests" {
                lang.ta(
                    "community-tab-requests-count",
                    &[("count", Arg::Num(requests))],
                )
            } else {
                lang.t(key)
            },
            current: href == current,
            href,
        })
        .collect();
    let banner = match c.status {
        CommunityStatus::Archived => Some((
            lang.t("community-archived-title"),
            vec![lang.t("community-archived-text")],
        )),
        CommunityStatus::Pending => {
            let mut text = vec![lang.t("community-pending-text")];
            if !c.request_note.is_empty() {
                text.push(format!(
                    "{} {}",
                    lang.t("community-pending-note"),
                    c.request_note
                ));
            }
            Some((lang.t("community-pending-title"), text))
        }
        CommunityStatus::Refused => {
            let mut text = vec![lang.t("community-refused-text")];
            if !c.status_reason.is_empty() {
                text.push(format!(
                    "{} {}",
                    lang.t("community-refused-reason"),
                    c.status_reason
                ));
            }
            Some((lang.t("community-refused-title"), text))
        }
        CommunityStatus::Active => None,
    };
    let feed = crate::policy::can(
        None,
        crate::policy::Action::ViewCommunity {
            c: &c.facts(),
            m: None,
        },
    )
    .then(|| format!("{}/feed.atom", c.path()));
    Ok(Head {
        feed,
        name: c.name.clone(),
        path: base,
        description: excerpt(&c.description, 300),
        badges: badges(lang, c),
        members: lang.ta(
            "community-member-count",
            &[("count", Arg::Num(c.member_count))],
        ),
        theme: theme_label(lang, &c.theme),
        territory: (!c.territory_name.is_empty()).then(|| c.territory_name.clone()),
        banner,
        tabs,
    })
}

fn shell(state: &AppState, ctx: &Ctx, c: &Community, section: Option<(&str, String)>) -> Shell {
    let title = match &section {
        Some((key, _)) => format!("{} · {}", ctx.t(key), c.name),
        None => c.name.clone(),
    };
    let mut s = Shell::new(state, ctx, &title, "communities")
        .crumb(ctx.t("community-nav"), "/c")
        .crumb(c.name.clone(), c.path());
    if let Some((key, href)) = section {
        s = s.crumb(ctx.t(key), href);
    }
    s
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    s: Shell,
    heading: String,
    paragraphs: Vec<String>,
    action: Option<(String, String)>,
}

/// A page explaining why an action was not possible (409 and friends).
fn refusal(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    heading_key: &str,
    text_key: &str,
    back: (String, String),
) -> Response {
    let heading = ctx.t(heading_key);
    let s = Shell::new(state, ctx, &heading, "communities")
        .crumb(ctx.t("community-nav"), "/c")
        .crumb(heading.clone(), ctx.path.clone());
    ctx.finish((
        status,
        html(&MessagePage {
            s,
            heading,
            paragraphs: vec![ctx.t(text_key)],
            action: Some(back),
        }),
    ))
}

/// Turn the outcome of an operation (`communities::ops`) into a page:
/// conflicts get an explanation.
fn after(
    state: &AppState,
    ctx: &mut Ctx,
    res: AppResult<()>,
    flash: &'static str,
    to: &str,
) -> AppResult<Response> {
    match res {
        Ok(()) => {
            ctx.flash(flash);
            Ok(ctx.redirect(to))
        }
        Err(AppError::Conflict { message_key, .. }) => Ok(refusal(
            state,
            ctx,
            StatusCode::CONFLICT,
            "community-refusal-title",
            message_key,
            (ctx.t("community-back"), to.to_string()),
        )),
        Err(e) => Err(e),
    }
}

/// The signed-in person posting a form, or a trip to the login form that
/// comes back to `back`.
#[allow(clippy::result_large_err)] // a response, built once per refused request
fn poster<'a>(ctx: &'a Ctx, back: &str) -> Result<&'a User, Response> {
    ctx.user
        .as_ref()
        .ok_or_else(|| ctx.redirect(&login_link(back)))
}

macro_rules! signed_in {
    ($ctx:expr, $back:expr) => {
        match poster(&$ctx, $back) {
            Ok(u) => u.clone(),
            Err(r) => return Ok(r),
        }
    };
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CsrfForm {
    csrf: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PageQuery {
    page: String,
    tab: String,
}

pub struct PersonRow {
    pub user_id: i64,
    pub name: String,
    pub username: String,
    pub path: String,
    pub avatar: Option<String>,
    pub role: &'static str,
    pub role_label: String,
    pub since: i64,
    pub message: String,
    pub can_change: bool,
    pub roles: Vec<Choice>,
    pub can_remove: bool,
}

fn person_row(lang: Lang, m: &communities::Member) -> PersonRow {
    PersonRow {
        user_id: m.user_id,
        name: if m.display_name.trim().is_empty() {
            m.username.clone()
        } else {
            m.display_name.clone()
        },
        username: m.username.clone(),
        path: urls::user(&m.username),
        avatar: m.avatar_id.map(|id| urls::avatar(&m.username, id)),
        role: m.role.as_str(),
        role_label: lang.t(role_key(m.role)),
        since: m.since,
        message: m.message.clone(),
        can_change: false,
        roles: Vec::new(),
        can_remove: false,
    }
}

// ---- managers: join requests ------------------------------------------------------------------

/// The community for a managers' page, or the right refusal: login for
/// anonymous visitors, 404 when unreadable, 403 when readable but not managed.
async fn load_managed(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
) -> AppResult<Result<Loaded, Response>> {
    let Some(user) = ctx.user.as_ref() else {
        // Without knowing who asks, say nothing about the community either way.
        return Ok(Err(ctx.redirect(&login_link(&ctx.path))));
    };
    let l = load(state, Some(user), slug).await?;
    if !l.manage(Some(user)) {
        return Err(AppError::Forbidden);
    }
    Ok(Ok(l))
}

macro_rules! managed {
    ($state:expr, $ctx:expr, $slug:expr) => {
        match load_managed(&$state, &$ctx, &$slug).await? {
            Ok(l) => l,
            Err(r) => return Ok(r),
        }
    };
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReasonForm {
    csrf: String,
    reason: String,
}

// ---- the pages ------------------------------------------------------------------------------

// Declared after the macros above (`signed_in!`, `managed!`), which they use.
mod admin;
mod directory;
mod health;
mod invitations;
mod members;
mod membership;
pub(crate) mod news;
mod settings;
mod show;

use admin::{admin_approve, admin_page, admin_refuse, admin_settings};
use directory::{directory, new_form, new_submit};
use health::{health_page, health_table};
use invitations::{invitation_create, invitation_revoke, invitations_page};
use members::{
    member_remove, member_role, members_page, request_approve, request_refuse, requests_page,
};
use membership::{join_page, join_submit, leave_submit, request_submit};
use news::{news_fetch, news_page, news_remove, news_subscribe};
use settings::{
    archive_submit, export_submit, reopen_submit, settings_form, settings_submit, transfer_submit,
};
use show::{about, show};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_choice_and_label_is_translated() {
        for lang in Lang::ALL {
            for code in communities::THEMES {
                assert!(lang.has(&format!("community-theme-{code}")), "{code}");
            }
            for v in [Visibility::Open, Visibility::Private, Visibility::Unlisted] {
                assert!(
                    lang.has(visibility_key(v)) && lang.has(&format!("{}-hint", visibility_key(v)))
                );
            }
            for j in [
                JoinPolicy::Open,
                JoinPolicy::Request,
                JoinPolicy::Invitation,
            ] {
                assert!(lang.has(join_key(j)) && lang.has(&format!("{}-hint", join_key(j))));
            }
            for r in ROLES {
                assert!(lang.has(role_key(r)));
            }
            for k in [
                "community-slug-invalid",
                "community-slug-taken",
                "community-private-open",
                "community-admin-nav",
            ] {
                assert!(lang.has(k), "{k}");
            }
            for kind in [
                "community-invite",
                "community-approved",
                "community-refused",
            ] {
                assert!(
                    lang.has(&format!("mail-{kind}-subject"))
                        && lang.has(&format!("mail-{kind}-body")),
                    "{kind}"
                );
            }
        }
    }

    #[test]
    fn excerpts_cut_on_words() {
        assert_eq!(excerpt("un  deux\ntrois", 100), "un deux trois");
        assert_eq!(excerpt("alpha beta gamma delta", 12), "alpha beta…");
    }
}
