//! The action form (`/c/{slug}/moderation/act`, `/admin/reports/act`):
//! what the target is and how it stands, the actions that apply, and the
//! submission through `moderation::ops::act` (the API's operation too).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::queues::{Button, Card, TargetState, buttons, card, kind_label, status_badge};
use super::{TargetQuery, community_shell, id, target_of};
use crate::accounts::User;
use crate::actor::Actor;
use crate::communities::Community;
use crate::error::{AppError, AppResult};
use crate::moderation::{self as m, Act, ActRequest, Scope, Target};
use crate::state::AppState;
use crate::urls;
use crate::web::ctx::Ctx;
use crate::web::templates::{FieldErrors, Shell, invalid, page};

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
    let d = m::describe(&state.db, ac.scope, target)
        .await?
        .ok_or(AppError::NotFound)?;
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
        author: d.author.as_ref().map(|a| (a.1.clone(), urls::user(&a.1))),
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
pub(super) struct ActForm {
    csrf: String,
    action: String,
    publication: String,
    reply: String,
    user: String,
    report: String,
    reason: String,
}

/// Carry out a posted action: a redirect on success, the page re-rendered
/// (422) with the field errors, or an error otherwise.
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
    match m::ops::act(state, &Actor::person(me), ac.scope, ac.community, &req).await {
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
                    (Target::Publication(_) | Target::Reply(_), Some(pid)) => {
                        urls::publication(pid)
                    }
                    _ => ac.back.1.clone(),
                }
            };
            Ok(ctx.redirect(&to))
        }
        Err(AppError::Invalid { fields }) => {
            let mut errors = FieldErrors::default();
            for (field, key) in fields {
                errors.add(ctx.lang, &field, &key);
            }
            let p = act_page(state, ctx, ac, target, report_id, f.reason.clone(), errors).await?;
            Ok(invalid(ctx, &p))
        }
        Err(e) => Err(e),
    }
}

pub(super) async fn community_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(q): Query<TargetQuery>,
) -> AppResult<Response> {
    let back_here = format!(
        "{}/moderation/act?{}",
        urls::community(&slug),
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

pub(super) async fn community_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<ActForm>,
) -> AppResult<Response> {
    let back = format!("{}/moderation", urls::community(&slug));
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

pub(super) async fn admin_form(
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

pub(super) async fn admin_submit(
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
