//! Moderation pages: report a publication, reply or person
//! (`/report?publication=…|reply=…|user=…`), a community's review queue and
//! actions (`/c/{slug}/moderation`), its public moderation log
//! (`/c/{slug}/modlog`), and the instance's queue (`/admin/reports`).
//!
//! Handlers ask `crate::policy` (through `crate::moderation`), check CSRF on
//! every POST, and re-render a failed form with 422 keeping what was typed.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;

use super::AppState;
use super::admin::{NavItem, admin_nav};
use super::ctx::Ctx;
use super::templates::{FieldErrors, Shell, html, invalid, page};
use crate::accounts::{self, User};
use crate::communities::{self, Community};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::moderation::{
    self as m, Act, ActRefusal, ActRequest, Category, QueueItem, ReportOutcome, ReportRefusal,
    Scope, Target, TargetKind,
};
use crate::policy::{self, Action, ContentStatus};
use crate::ratelimit;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/report", get(report_form).post(report_submit))
        .route("/report/sent", get(report_sent))
        .route("/c/{slug}/moderation", get(community_queue))
        .route(
            "/c/{slug}/moderation/act",
            get(community_act_form).post(community_act_submit),
        )
        .route("/c/{slug}/modlog", get(modlog_page))
        .route("/admin/reports", get(admin_queue))
        .route(
            "/admin/reports/act",
            get(admin_act_form).post(admin_act_submit),
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
struct TargetQuery {
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

// ---- report --------------------------------------------------------------------------------

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
struct ReportForm {
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

async fn report_form(
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

async fn report_submit(
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
    if let Err(retry_after) = ratelimit::hit(
        &state.db,
        &format!("report:{}", user.id),
        m::REPORTS_PER_ACCOUNT,
    )
    .await?
    {
        // Keep the comment: the page says when reporting works again.
        let mut errors = FieldErrors::default();
        errors.add_text(
            "comment",
            super::publications::limited_message(ctx.lang, "rate-limited-reports", retry_after),
        );
        let p = report_page(&state, &ctx, &r, action, &f, errors, false);
        return Ok(super::templates::too_many(&ctx, retry_after, &p));
    }
    match m::create_report(&state.db, &user, &r, category, &f.comment).await? {
        ReportOutcome::Created(_) => Ok(ctx.redirect("/report/sent")),
        ReportOutcome::AlreadyReported => {
            let p = report_page(&state, &ctx, &r, action, &f, FieldErrors::default(), true);
            Ok(ctx.finish((StatusCode::CONFLICT, html(&p))))
        }
    }
}

async fn report_sent(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
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

// ---- queues --------------------------------------------------------------------------------

pub struct Button {
    pub value: &'static str,
    pub key: String,
    pub label: String,
    pub class: &'static str,
}

/// A report as a queue card shows it.
pub struct Card {
    pub id: i64,
    pub kind_label: String,
    pub category_label: String,
    pub title: String,
    pub excerpt: String,
    pub path: String,
    pub comment: String,
    pub reporter: String,
    pub date: String,
    pub age: String,
    /// (username, profile path)
    pub author: Option<(String, String)>,
    pub admin_user_link: Option<String>,
    pub status_label: String,
    pub status_class: &'static str,
    pub locked: bool,
    pub author_banned: bool,
    pub author_suspended: bool,
    pub community: Option<(String, String)>,
    pub buttons: Vec<Button>,
    pub more_link: String,
}

fn status_badge(lang: Lang, s: ContentStatus) -> (String, &'static str) {
    match s {
        ContentStatus::Visible => (lang.t("moderation-status-visible"), "badge badge-ok"),
        ContentStatus::Hidden => (lang.t("moderation-status-hidden"), "badge badge-warn"),
        ContentStatus::Removed => (lang.t("moderation-status-removed"), "badge badge-warn"),
        ContentStatus::Deleted => (lang.t("moderation-status-deleted"), "badge"),
    }
}

fn kind_label(lang: Lang, k: TargetKind) -> String {
    lang.t(match k {
        TargetKind::Publication => "moderation-kind-publication",
        TargetKind::Reply => "moderation-kind-reply",
        TargetKind::User => "moderation-kind-user",
    })
}

/// What a moderator can do to a target in its present state.
pub struct TargetState {
    pub kind: TargetKind,
    pub status: ContentStatus,
    pub locked: bool,
    pub has_author: bool,
    pub author_banned: bool,
    pub author_suspended: bool,
    pub has_report: bool,
}

fn buttons(lang: Lang, scope: Scope, t: &TargetState) -> Vec<Button> {
    let mut acts: Vec<(Act, &'static str)> = Vec::new();
    let content = t.kind != TargetKind::User;
    if content && t.status != ContentStatus::Deleted {
        let publication_everywhere = scope == Scope::Instance && t.kind == TargetKind::Publication;
        if t.status != ContentStatus::Hidden && !publication_everywhere {
            acts.push((Act::Hide, "btn btn-secondary"));
        }
        if t.status != ContentStatus::Removed {
            acts.push((Act::Remove, "btn btn-danger"));
        }
        if t.status != ContentStatus::Visible {
            acts.push((Act::Restore, "btn btn-secondary"));
        }
        acts.push(if t.locked {
            (Act::Unlock, "btn btn-secondary")
        } else {
            (Act::Lock, "btn btn-secondary")
        });
    }
    if t.has_author {
        match scope {
            Scope::Community(_) => acts.push(if t.author_banned {
                (Act::Unban, "btn btn-secondary")
            } else {
                (Act::Ban, "btn btn-danger")
            }),
            Scope::Instance if !t.author_suspended => acts.push((Act::Suspend, "btn btn-danger")),
            Scope::Instance => {}
        }
    }
    if t.has_report {
        acts.push((Act::Dismiss, "btn btn-ghost"));
    }
    acts.into_iter()
        .map(|(a, class)| {
            let key = match (scope, a, t.kind) {
                (Scope::Instance, Act::Remove, TargetKind::Publication) => {
                    "moderation-act-remove-everywhere".to_string()
                }
                (Scope::Instance, Act::Restore, TargetKind::Publication) => {
                    "moderation-act-restore-everywhere".to_string()
                }
                (
                    _,
                    Act::Ban | Act::Unban | Act::Suspend,
                    TargetKind::Publication | TargetKind::Reply,
                ) => {
                    format!("{}-author", a.label_key())
                }
                _ => a.label_key(),
            };
            Button {
                value: a.as_str(),
                label: lang.t(&key),
                key,
                class,
            }
        })
        .collect()
}

fn card(lang: Lang, scope: Scope, it: &QueueItem, act_base: &str) -> Card {
    let (status_label, status_class) = status_badge(lang, it.content_status);
    let days = (crate::db::now() - it.created_at).max(0) / 86400;
    let state = TargetState {
        kind: it.kind,
        status: it.content_status,
        locked: it.locked,
        has_author: it.author_id.is_some(),
        author_banned: it.author_banned,
        author_suspended: it.author_suspended,
        has_report: true,
    };
    Card {
        id: it.id,
        kind_label: kind_label(lang, it.kind),
        category_label: lang.t(&it.category.label_key()),
        title: it.title.clone(),
        excerpt: it.excerpt.clone(),
        path: it.path.clone(),
        comment: it.comment.clone(),
        reporter: it.reporter.clone().unwrap_or_else(|| "—".into()),
        date: crate::i18n::format_datetime(lang, it.created_at),
        age: lang.ta("moderation-age", &[("count", crate::i18n::Arg::Num(days))]),
        author: it.author_username.clone().map(|u| {
            let path = format!("/u/{}", crate::urls::encode_path(&u));
            (u, path)
        }),
        admin_user_link: match scope {
            Scope::Instance => it.author_id.map(|id| format!("/admin/users/{id}")),
            Scope::Community(_) => None,
        },
        status_label,
        status_class,
        locked: it.locked,
        author_banned: it.author_banned,
        author_suspended: it.author_suspended,
        // In a community's own queue, saying which community is noise.
        community: match scope {
            Scope::Instance => it.community_slug.clone().zip(it.community_name.clone()),
            Scope::Community(_) => None,
        },
        buttons: buttons(lang, scope, &state),
        more_link: format!("{act_base}?report={}", it.id),
    }
}

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
        match moderated_community(&$state, &$ctx, &$slug, &$back).await? {
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

pub struct Banned {
    pub username: String,
    pub reason: String,
    pub date: String,
}

#[derive(Template)]
#[template(path = "moderation_queue.html")]
struct QueuePage {
    s: Shell,
    community_name: String,
    community_path: String,
    modlog_path: String,
    act_url: String,
    cards: Vec<Card>,
    banned: Vec<Banned>,
    page: i64,
    prev: Option<String>,
    next: Option<String>,
    reason_max: usize,
}

async fn community_queue(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(q): Query<TargetQuery>,
) -> AppResult<Response> {
    let base = format!("/c/{}/moderation", crate::urls::encode_path(&slug));
    let (c, _) = moderator!(state, ctx, slug, base);
    let n = page_no(&q.page);
    let (items, more) = m::queue(&state.db, Scope::Community(c.id), n - 1).await?;
    let act_url = format!("{}/moderation/act", c.path());
    let cards = items
        .iter()
        .map(|it| card(ctx.lang, Scope::Community(c.id), it, &act_url))
        .collect();
    let banned = m::banned_members(&state.db, c.id)
        .await?
        .into_iter()
        .map(|(_, username, reason, at)| Banned {
            username,
            reason,
            date: crate::i18n::format_datetime(ctx.lang, at),
        })
        .collect();
    let title = ctx.t("moderation-queue-title");
    let p = QueuePage {
        s: community_shell(&state, &ctx, &c, &title, &base),
        community_name: c.name.clone(),
        community_path: c.path(),
        modlog_path: format!("{}/modlog", c.path()),
        act_url,
        cards,
        banned,
        page: n,
        prev: (n > 1).then(|| page_link(&base, n - 1)),
        next: more.then(|| page_link(&base, n + 1)),
        reason_max: m::REASON_MAX,
    };
    Ok(page(&ctx, &p))
}

// ---- the action form -------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "moderation_act.html")]
struct ActPage {
    s: Shell,
    heading: String,
    back: (String, String),
    action_url: String,
    kind_label: String,
    title: String,
    excerpt: String,
    path: String,
    author: Option<(String, String)>,
    status_label: String,
    status_class: &'static str,
    locked: bool,
    author_banned: bool,
    author_suspended: bool,
    admin_user_link: Option<String>,
    report: Option<Card>,
    /// Hidden fields naming the target.
    publication: String,
    reply: String,
    user: String,
    report_id: String,
    reason: String,
    buttons: Vec<Button>,
    errors: FieldErrors,
}

/// What the action page shows of a target.
struct Described {
    kind: TargetKind,
    title: String,
    excerpt: String,
    path: String,
    author: Option<(i64, String)>,
    status: ContentStatus,
    locked: bool,
    author_banned: bool,
    author_suspended: bool,
    /// Hidden fields.
    publication: String,
    reply: String,
    user: String,
}

async fn describe(state: &AppState, scope: Scope, target: Target) -> AppResult<Described> {
    let db = &state.db;
    let link_status = |links: &[m::Link], pstatus: ContentStatus| match scope {
        Scope::Community(cid) => {
            if pstatus == ContentStatus::Removed {
                ContentStatus::Removed
            } else {
                links
                    .iter()
                    .find(|l| l.community_id() == cid)
                    .map(|l| l.shared.status)
                    .unwrap_or(pstatus)
            }
        }
        Scope::Instance => pstatus,
    };
    let mut d = match target {
        Target::Publication(pid) => {
            let p = m::publication(db, pid).await?.ok_or(AppError::NotFound)?;
            let links = m::links(db, pid, None).await?;
            if let Scope::Community(cid) = scope
                && !links.iter().any(|l| l.community_id() == cid)
            {
                return Err(AppError::NotFound);
            }
            Described {
                kind: TargetKind::Publication,
                title: p.title.clone(),
                excerpt: m::excerpt(&p.body, 600),
                path: format!("/p/{pid}"),
                author: p.author_id.zip(p.author_username.clone()),
                status: link_status(&links, p.status),
                locked: p.locked,
                author_banned: false,
                author_suspended: false,
                publication: pid.to_string(),
                reply: String::new(),
                user: String::new(),
            }
        }
        Target::Reply(rid) => {
            let r = m::reply(db, rid).await?.ok_or(AppError::NotFound)?;
            let p = m::publication(db, r.publication_id)
                .await?
                .ok_or(AppError::NotFound)?;
            let links = m::links(db, p.id, None).await?;
            if let Scope::Community(cid) = scope
                && !links.iter().any(|l| l.community_id() == cid)
            {
                return Err(AppError::NotFound);
            }
            Described {
                kind: TargetKind::Reply,
                title: p.title.clone(),
                excerpt: m::excerpt(&r.body, 600),
                path: format!("/p/{}#r-{rid}", p.id),
                author: r.author_id.zip(r.author_username.clone()),
                status: r.status,
                locked: p.locked,
                author_banned: false,
                author_suspended: false,
                publication: String::new(),
                reply: rid.to_string(),
                user: String::new(),
            }
        }
        Target::User(uid) => {
            let u = accounts::by_id(db, uid).await?.ok_or(AppError::NotFound)?;
            Described {
                kind: TargetKind::User,
                title: u.username.clone(),
                excerpt: m::excerpt(&u.bio, 600),
                path: u.path(),
                author: Some((u.id, u.username.clone())),
                status: ContentStatus::Visible,
                locked: false,
                author_banned: false,
                author_suspended: false,
                publication: String::new(),
                reply: String::new(),
                user: u.username.clone(),
            }
        }
    };
    if let Some((aid, _)) = &d.author {
        if let Scope::Community(cid) = scope {
            let state: Option<String> = sqlx::query_scalar(
                "SELECT state FROM memberships WHERE community_id = $1 AND user_id = $2",
            )
            .bind(cid)
            .bind(*aid)
            .fetch_optional(&db.pool)
            .await?;
            d.author_banned = state.as_deref() == Some("banned");
        }
        d.author_suspended = accounts::by_id(db, *aid)
            .await?
            .is_some_and(|u| u.status == accounts::Status::Suspended);
    }
    Ok(d)
}

struct ActContext<'a> {
    scope: Scope,
    community: Option<&'a Community>,
    action_url: String,
    back: (String, String),
}

#[allow(clippy::too_many_arguments)]
async fn act_page(
    state: &AppState,
    ctx: &Ctx,
    ac: &ActContext<'_>,
    target: Option<Target>,
    report_id: Option<i64>,
    reason: String,
    errors: FieldErrors,
) -> AppResult<ActPage> {
    let report = match report_id {
        Some(rid) => {
            let r = m::report(&state.db, rid).await?.ok_or(AppError::NotFound)?;
            if ac.scope != Scope::Instance && r.community_id != ac.scope_community() {
                return Err(AppError::NotFound);
            }
            Some(r)
        }
        None => None,
    };
    let target = target
        .or(report.as_ref().map(|r| r.target))
        .ok_or(AppError::NotFound)?;
    let d = describe(state, ac.scope, target).await?;
    let (status_label, status_class) = status_badge(ctx.lang, d.status);
    let open_report = report.as_ref().filter(|r| r.open);
    let tstate = TargetState {
        kind: d.kind,
        status: d.status,
        locked: d.locked,
        has_author: d.author.is_some()
            && d.author.as_ref().map(|a| a.0) != ctx.user.as_ref().map(|u| u.id),
        author_banned: d.author_banned,
        author_suspended: d.author_suspended,
        has_report: open_report.is_some(),
    };
    let heading = ctx.t("moderation-act-title");
    let s = match ac.community {
        Some(c) => community_shell(state, ctx, c, &heading, &ac.action_url),
        None => Shell::new(state, ctx, &heading, "admin")
            .crumb(ctx.t("admin-title"), "/admin")
            .crumb(ctx.t("moderation-admin-nav"), "/admin/reports")
            .crumb(heading.clone(), ac.action_url.clone()),
    };
    Ok(ActPage {
        s,
        heading,
        back: ac.back.clone(),
        action_url: ac.action_url.clone(),
        kind_label: kind_label(ctx.lang, d.kind),
        title: d.title,
        excerpt: d.excerpt,
        path: d.path,
        author: d.author.as_ref().map(|a| {
            (
                a.1.clone(),
                format!("/u/{}", crate::urls::encode_path(&a.1)),
            )
        }),
        status_label,
        status_class,
        locked: d.locked,
        author_banned: d.author_banned,
        author_suspended: d.author_suspended,
        admin_user_link: match ac.scope {
            Scope::Instance => d.author.as_ref().map(|a| format!("/admin/users/{}", a.0)),
            Scope::Community(_) => None,
        },
        report: open_report.map(|r| card(ctx.lang, ac.scope, r, &ac.action_url)),
        publication: d.publication,
        reply: d.reply,
        user: d.user,
        report_id: open_report.map(|r| r.id.to_string()).unwrap_or_default(),
        reason,
        buttons: buttons(ctx.lang, ac.scope, &tstate),
        errors,
    })
}

impl ActContext<'_> {
    fn scope_community(&self) -> Option<i64> {
        self.community.map(|c| c.id)
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ActForm {
    csrf: String,
    action: String,
    publication: String,
    reply: String,
    user: String,
    report: String,
    reason: String,
}

/// Carry out a posted action; `Ok(Ok(redirect))` on success, a re-rendered
/// page (422) or an error otherwise.
async fn perform(
    state: &AppState,
    ctx: &mut Ctx,
    me: &User,
    ac: &ActContext<'_>,
    f: &ActForm,
) -> AppResult<Response> {
    let act = Act::parse(&f.action).ok_or(AppError::BadRequest {
        code: "invalid_action",
        message_key: "moderation-act-not-applicable",
    })?;
    let target = target_of(state, &f.publication, &f.reply, &f.user).await?;
    let report_id = id(&f.report);
    if target.is_none() && report_id.is_none() {
        return Err(AppError::NotFound);
    }
    let req = ActRequest {
        act,
        target,
        report_id,
        reason: f.reason.clone(),
    };
    match m::act(&state.db, me, ac.scope, ac.community, &req).await? {
        Ok(done) => {
            ctx.flash(if act == Act::Dismiss {
                "flash-moderation-dismissed"
            } else {
                "flash-moderation-done"
            });
            let to = if report_id.is_some() {
                ac.back.1.clone()
            } else {
                match (done.target, done.publication_id) {
                    (Target::Publication(_) | Target::Reply(_), Some(pid)) => format!("/p/{pid}"),
                    _ => ac.back.1.clone(),
                }
            };
            Ok(ctx.redirect(&to))
        }
        Err(ActRefusal::NotFound) => Err(AppError::NotFound),
        Err(ActRefusal::Forbidden) => Err(AppError::Forbidden),
        Err(ActRefusal::Invalid(fields)) => {
            let mut errors = FieldErrors::default();
            for (field, key) in fields {
                errors.add(ctx.lang, field, key);
            }
            let p = act_page(state, ctx, ac, target, report_id, f.reason.clone(), errors).await?;
            Ok(invalid(ctx, &p))
        }
    }
}

async fn community_act_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(q): Query<TargetQuery>,
) -> AppResult<Response> {
    let back_here = format!(
        "/c/{}/moderation/act?{}",
        crate::urls::encode_path(&slug),
        q.query_string()
    );
    let (c, _) = moderator!(state, ctx, slug, back_here);
    let target = target_of(&state, &q.publication, &q.reply, &q.user).await?;
    let ac = ActContext {
        scope: Scope::Community(c.id),
        community: Some(&c),
        action_url: format!("{}/moderation/act", c.path()),
        back: (
            ctx.t("moderation-back-to-queue"),
            format!("{}/moderation", c.path()),
        ),
    };
    let p = act_page(
        &state,
        &ctx,
        &ac,
        target,
        id(&q.report),
        String::new(),
        FieldErrors::default(),
    )
    .await?;
    Ok(page(&ctx, &p))
}

async fn community_act_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<ActForm>,
) -> AppResult<Response> {
    let back = format!("/c/{}/moderation", crate::urls::encode_path(&slug));
    let (c, me) = moderator!(state, ctx, slug, back);
    ctx.verify_csrf(&f.csrf)?;
    let ac = ActContext {
        scope: Scope::Community(c.id),
        community: Some(&c),
        action_url: format!("{}/moderation/act", c.path()),
        back: (
            ctx.t("moderation-back-to-queue"),
            format!("{}/moderation", c.path()),
        ),
    };
    perform(&state, &mut ctx, &me, &ac, &f).await
}

// ---- moderation log ---------------------------------------------------------------------------

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

async fn modlog_page(
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
    Ok(page(&ctx, &p))
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
        (Some(u), _, _, _) if e.publication_id.is_none() => (
            u.clone(),
            Some(format!("/u/{}", crate::urls::encode_path(u))),
        ),
        (_, Some(_), Some(t), Some(pid)) => (
            lang.ta("moderation-log-reply-in", &[("name", t.as_str().into())]),
            Some(format!("/p/{pid}")),
        ),
        (_, None, Some(t), Some(pid)) => (t.clone(), Some(format!("/p/{pid}"))),
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

// ---- the instance's queue ---------------------------------------------------------------------

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
        match instance_moderator(&$ctx, &$back)? {
            Ok(u) => u,
            Err(r) => return Ok(r),
        }
    };
}

#[derive(Template)]
#[template(path = "moderation_admin.html")]
struct AdminQueuePage {
    s: Shell,
    nav: Vec<NavItem>,
    act_url: String,
    cards: Vec<Card>,
    page: i64,
    prev: Option<String>,
    next: Option<String>,
    reason_max: usize,
}

async fn admin_queue(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TargetQuery>,
) -> AppResult<Response> {
    instance_moderator!(ctx, "/admin/reports");
    let n = page_no(&q.page);
    let (items, more) = m::queue(&state.db, Scope::Instance, n - 1).await?;
    let act_url = "/admin/reports/act".to_string();
    let cards = items
        .iter()
        .map(|it| card(ctx.lang, Scope::Instance, it, &act_url))
        .collect();
    let label = ctx.t("moderation-admin-nav");
    let s = Shell::new(&state, &ctx, &label, "admin")
        .crumb(ctx.t("admin-title"), "/admin")
        .crumb(label.clone(), "/admin/reports");
    let p = AdminQueuePage {
        s,
        nav: admin_nav(ctx.lang, "/admin/reports"),
        act_url,
        cards,
        page: n,
        prev: (n > 1).then(|| page_link("/admin/reports", n - 1)),
        next: more.then(|| page_link("/admin/reports", n + 1)),
        reason_max: m::REASON_MAX,
    };
    Ok(page(&ctx, &p))
}

async fn admin_act_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TargetQuery>,
) -> AppResult<Response> {
    let back_here = format!("/admin/reports/act?{}", q.query_string());
    instance_moderator!(ctx, back_here);
    let target = target_of(&state, &q.publication, &q.reply, &q.user).await?;
    let ac = ActContext {
        scope: Scope::Instance,
        community: None,
        action_url: "/admin/reports/act".into(),
        back: (ctx.t("moderation-back-to-reports"), "/admin/reports".into()),
    };
    let p = act_page(
        &state,
        &ctx,
        &ac,
        target,
        id(&q.report),
        String::new(),
        FieldErrors::default(),
    )
    .await?;
    Ok(page(&ctx, &p))
}

async fn admin_act_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<ActForm>,
) -> AppResult<Response> {
    let me = instance_moderator!(ctx, "/admin/reports");
    ctx.verify_csrf(&f.csrf)?;
    let ac = ActContext {
        scope: Scope::Instance,
        community: None,
        action_url: "/admin/reports/act".into(),
        back: (ctx.t("moderation-back-to-reports"), "/admin/reports".into()),
    };
    perform(&state, &mut ctx, &me, &ac, &f).await
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn button_keys_exist() {
        for lang in Lang::ALL {
            for scope in [Scope::Community(1), Scope::Instance] {
                for kind in [TargetKind::Publication, TargetKind::Reply, TargetKind::User] {
                    for status in [
                        ContentStatus::Visible,
                        ContentStatus::Hidden,
                        ContentStatus::Removed,
                    ] {
                        for flag in [false, true] {
                            let t = TargetState {
                                kind,
                                status,
                                locked: flag,
                                has_author: true,
                                author_banned: flag,
                                author_suspended: false,
                                has_report: true,
                            };
                            for b in buttons(lang, scope, &t) {
                                assert!(lang.has(&b.key), "{}", b.key);
                            }
                        }
                    }
                }
            }
        }
    }
}
