//! Administration area: dashboard, people, pending registrations, instance
//! settings, invitations and the audit log.
//!
//! Every handler asks `crate::policy` first (anonymous visitors are sent to
//! the login form, signed-in people without the right get 403), and every
//! POST checks the CSRF token before touching anything.
//!
//! This module holds the gate, the side menu, the shared page parts and the
//! dashboard; each section has its file: `people` (directory, one person,
//! suspend / unsuspend / promote / demote through `accounts::ops`),
//! `registrations`, `instance` (settings), `invitations`, `audit`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use sqlx::Row;

use super::AppState;
use super::ctx::Ctx;
use super::templates::{FieldErrors, Shell, html, invalid, page};
use crate::accounts::{self, Status, User};
use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::jobs::Queue;
use crate::policy::{self, Action};
use crate::settings::{self, RegistrationMode};
use crate::web::ctx::CsrfForm;

/// People shown per page of the directory.
/// People per page of `/admin/users`: 20 rows keep the page at EcoIndex A
/// (issue 13: 50 rows made it C).
pub const PAGE_SIZE: i64 = 20;
/// Longest reason for a suspension or a refused registration.
pub const REASON_MAX: usize = 500;
/// Longest search query taken into account.
const QUERY_MAX: usize = 100;
/// Invitation validity, in days.
pub const INVITE_DAYS_DEFAULT: i64 = 14;
pub const INVITE_DAYS_MAX: i64 = 90;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(dashboard))
        .route("/admin/users", get(users))
        .route("/admin/users/{id}", get(user_detail))
        .route("/admin/users/{id}/suspend", post(suspend))
        .route("/admin/users/{id}/unsuspend", post(unsuspend))
        .route("/admin/users/{id}/promote", post(promote))
        .route("/admin/users/{id}/demote", post(demote))
        .route("/admin/registrations", get(registrations))
        .route("/admin/registrations/{id}/approve", post(approve))
        .route("/admin/registrations/{id}/refuse", post(refuse))
        .route("/admin/settings", get(settings_form).post(settings_submit))
        .route(
            "/admin/invitations",
            get(invitations).post(create_invitation),
        )
        .route("/admin/invitations/{id}/revoke", post(revoke_invitation))
        .route("/admin/audit", get(audit_log))
        .route(
            "/admin/federation",
            get(federation::instances_page).post(federation::decide),
        )
        .route("/admin/users/{id}/delete", post(delete_user))
        .route("/admin/users/{id}/delete/cancel", post(cancel_delete_user))
        .route("/admin/health", get(health_page))
        .route("/admin/imports", get(imports::imports).post(imports::start))
        .route("/admin/imports/{id}", get(imports::run_page))
}

// ---- access -----------------------------------------------------------------------

/// The administrator making the request. `Ok(Err(response))` sends an
/// anonymous visitor to the login form, coming back to `back` afterwards;
/// a signed-in person without the right gets 403.
fn gate(ctx: &Ctx, back: Option<&str>) -> AppResult<Result<User, Response>> {
    let user = match back {
        None => match ctx.require_login() {
            Ok(u) => u,
            Err(to_login) => return Ok(Err(to_login)),
        },
        Some(back) => match &ctx.user {
            Some(u) => u,
            // A form posted after the session ended: come back to its page, not
            // to the POST-only address.
            None => {
                return Ok(Err(ctx.redirect(&format!(
                    "/login?next={}",
                    percent_encoding::utf8_percent_encode(back, percent_encoding::NON_ALPHANUMERIC)
                ))));
            }
        },
    };
    if !policy::can(Some(user), Action::Administer) {
        return Err(AppError::Forbidden);
    }
    Ok(Ok(user.clone()))
}

/// `let me = admin!(ctx)` for pages, `admin!(ctx, "/back")` for form posts.
macro_rules! admin {
    ($ctx:expr) => {
        match gate(&$ctx, None)? {
            Ok(u) => u,
            Err(r) => return Ok(r),
        }
    };
    ($ctx:expr, $back:expr) => {
        match gate(&$ctx, Some(::std::convert::AsRef::<str>::as_ref($back)))? {
            Ok(u) => u,
            Err(r) => return Ok(r),
        }
    };
}

/// The administration area's guard for "second factor required": an
/// administrator without one (whose powers `Ctx` already withholds) is sent
/// from any `/admin` page to enrolment, with a message saying why.
pub async fn second_factor_guard(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = req.uri().path();
    if path != "/admin" && !path.starts_with("/admin/") {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    use axum::extract::FromRequestParts;
    match Ctx::from_request_parts(&mut parts, &state).await {
        Ok(mut ctx) if ctx.admin_needs_second_factor => {
            ctx.flash("flash-admin-second-factor-required");
            // A page asked for (not a form sent) is where enrolment leads back.
            let back = if parts.method == axum::http::Method::GET {
                parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("")
            } else {
                ""
            };
            ctx.redirect(&super::auth::with_next(
                "/settings/security",
                &super::auth::local_next(back),
            ))
        }
        _ => {
            next.run(axum::extract::Request::from_parts(parts, body))
                .await
        }
    }
}

// ---- shared page parts ----------------------------------------------------------

pub struct NavItem {
    pub label: String,
    pub href: &'static str,
    pub current: bool,
}

/// The sections of the administration area: (path, label key). The one
/// list behind every admin page's side menu, including the pages that live
/// elsewhere (`/admin/communities` in `web::communities`, `/admin/reports`
/// in `web::moderation`).
pub const SECTIONS: [(&str, &str); 13] = [
    ("/admin", "admin-nav-dashboard"),
    ("/admin/users", "admin-nav-users"),
    ("/admin/registrations", "admin-nav-registrations"),
    ("/admin/communities", "community-admin-nav"),
    ("/admin/territories", "territory-admin-nav"),
    ("/admin/reports", "moderation-admin-nav"),
    ("/admin/invitations", "admin-nav-invitations"),
    ("/admin/oidc", "oidc-admin-nav"),
    ("/admin/settings", "admin-nav-settings"),
    ("/admin/audit", "admin-nav-audit"),
    ("/admin/federation", "federation-admin-nav"),
    ("/admin/health", "health-admin-nav"),
    ("/admin/imports", "admin-nav-imports"),
];

/// The administration side menu, with `current` (a section's path) marked.
pub fn admin_nav(lang: Lang, current: &str) -> Vec<NavItem> {
    SECTIONS
        .iter()
        .map(|(href, key)| NavItem {
            label: lang.t(key),
            href,
            current: *href == current,
        })
        .collect()
}

/// Shell of an admin page: title, "Administration › Section [› extra]" crumbs.
fn shell(
    state: &AppState,
    ctx: &Ctx,
    section: &'static str,
    extra: Option<(String, String)>,
) -> Shell {
    let key = SECTIONS
        .iter()
        .find(|(href, _)| *href == section)
        .map(|(_, k)| *k)
        .unwrap_or("admin-nav-dashboard");
    let section_label = ctx.t(key);
    let title = match &extra {
        Some((label, _)) => label.clone(),
        None if section == "/admin" => ctx.t("admin-title"),
        None => section_label.clone(),
    };
    let mut s = Shell::new(state, ctx, &title, "admin").crumb(ctx.t("admin-title"), "/admin");
    if section != "/admin" {
        s = s.crumb(section_label, section);
    }
    if let Some((label, link)) = extra {
        s = s.crumb(label, link);
    }
    s
}

/// A person as the admin tables show them.
pub struct Person {
    pub id: i64,
    pub username: String,
    pub path: String,
    pub display_name: String,
    pub email: String,
    pub email_verified: bool,
    pub is_admin: bool,
    pub status: &'static str,
    pub status_class: &'static str,
    pub status_label: String,
    pub status_reason: String,
    pub registration_note: String,
    pub created_at: i64,
    pub last_login_at: Option<i64>,
}

fn status_badge(lang: Lang, status: Status) -> (&'static str, String) {
    match status {
        Status::Active => ("badge badge-ok", lang.t("admin-status-active")),
        Status::Pending => ("badge badge-warn", lang.t("admin-status-pending")),
        Status::Suspended => ("badge badge-warn", lang.t("admin-status-suspended")),
    }
}

fn person(lang: Lang, u: &User) -> Person {
    let (status_class, status_label) = status_badge(lang, u.status);
    Person {
        id: u.id,
        username: u.username.clone(),
        path: u.path(),
        display_name: u.display_name.clone(),
        email: u.email.clone().unwrap_or_default(),
        email_verified: u.email_verified,
        is_admin: u.is_admin,
        status: u.status.as_str(),
        status_class,
        status_label,
        status_reason: u.status_reason.clone(),
        registration_note: u.registration_note.clone(),
        created_at: u.created_at,
        last_login_at: u.last_login_at,
    }
}

async fn count(state: &AppState, sql: &'static str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(sql).fetch_one(&state.db.pool).await
}

async fn load_target(state: &AppState, id: i64) -> AppResult<User> {
    accounts::by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)
}

fn mode_label_key(m: RegistrationMode) -> &'static str {
    match m {
        RegistrationMode::Open => "admin-mode-open",
        RegistrationMode::Approval => "admin-mode-approval",
        RegistrationMode::Invitation => "admin-mode-invitation",
        RegistrationMode::Closed => "admin-mode-closed",
    }
}

fn mode_hint_key(m: RegistrationMode) -> &'static str {
    match m {
        RegistrationMode::Open => "admin-mode-open-hint",
        RegistrationMode::Approval => "admin-mode-approval-hint",
        RegistrationMode::Invitation => "admin-mode-invitation-hint",
        RegistrationMode::Closed => "admin-mode-closed-hint",
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReasonForm {
    csrf: String,
    reason: String,
}

// ---- dashboard ----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "admin_dashboard.html")]
struct DashboardPage {
    s: Shell,
    nav: Vec<NavItem>,
    users: i64,
    pending: i64,
    suspended: i64,
    admins: i64,
    jobs_pending: i64,
    jobs_failed: i64,
    smtp: bool,
    outbox: String,
    mode_label: String,
}

async fn dashboard(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    admin!(ctx);
    let inst = settings::load(&state.db).await?;
    let p = DashboardPage {
        s: shell(&state, &ctx, "/admin", None),
        nav: admin_nav(ctx.lang, "/admin"),
        users: accounts::count_users(&state.db).await?,
        pending: count(
            &state,
            "SELECT COUNT(*) FROM users WHERE status = 'pending' AND domain IS NULL",
        )
        .await?,
        suspended: count(
            &state,
            "SELECT COUNT(*) FROM users WHERE status = 'suspended' AND domain IS NULL",
        )
        .await?,
        admins: accounts::ops::active_admins(&state).await?,
        jobs_pending: Queue::pending(&state.db).await?,
        jobs_failed: Queue::failed(&state.db).await?,
        smtp: state.mailer.is_smtp(),
        outbox: state.config.outbox_dir().display().to_string(),
        mode_label: ctx.t(mode_label_key(inst.registration_mode)),
    };
    Ok(page(&ctx, &p))
}

mod audit;
mod deletion;
mod federation;
mod health;
mod imports;
mod instance;
mod invitations;
mod people;
mod registrations;

use audit::*;
use deletion::*;
use health::*;
use instance::*;
use invitations::*;
use people::*;
use registrations::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern(" Marie "), "%marie%");
        assert_eq!(like_pattern("100%_x\\"), "%100\\%\\_x\\\\%");
        assert_eq!(like_pattern("ÉLODIE"), "%élodie%");
    }

    #[test]
    fn user_links_keep_filters() {
        assert_eq!(users_link("", "", 1), "/admin/users");
        assert_eq!(
            users_link("a b&c", "pending", 2),
            "/admin/users?q=a+b%26c&status=pending&page=2"
        );
    }

    #[test]
    fn every_section_and_mode_is_translated() {
        for lang in Lang::ALL {
            for (_, key) in SECTIONS {
                assert!(lang.has(key), "{key}");
            }
            for (_, key) in STATUS_FILTERS {
                assert!(lang.has(key), "{key}");
            }
            for m in RegistrationMode::ALL {
                assert!(lang.has(mode_label_key(m)) && lang.has(mode_hint_key(m)));
            }
        }
    }
}
