//! The administrators' approval of new communities (`/admin/communities`):
//! the queue, approving or refusing with a reason, turning approval on or off.

use super::*;

// ---- administrators: approval of new communities -------------------------------------------------

pub struct PendingRow {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub note: String,
    pub badges: Vec<(&'static str, String)>,
    pub theme: Option<String>,
    pub territory: Option<String>,
    pub creator: Option<(String, String)>,
    pub created_at: i64,
}

#[derive(Template)]
#[template(path = "community_admin.html")]
pub(super) struct AdminPage {
    s: Shell,
    nav: Vec<crate::web::admin::NavItem>,
    approval: bool,
    rows: Vec<PendingRow>,
    reason_max: usize,
}

/// An administrator, or the login form / 403.
fn admin_gate(ctx: &Ctx) -> AppResult<Result<User, Response>> {
    let Some(u) = ctx.user.as_ref() else {
        return Ok(Err(ctx.redirect(&login_link("/admin/communities"))));
    };
    if !policy::can(Some(u), Action::ApproveCommunities) {
        return Err(AppError::Forbidden);
    }
    Ok(Ok(u.clone()))
}

macro_rules! admin_only {
    ($ctx:expr) => {
        match admin_gate(&$ctx)? {
            Ok(u) => u,
            Err(r) => return Ok(r),
        }
    };
}

pub(super) async fn admin_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    admin_only!(ctx);
    let list = communities::pending(&state.db, 200).await?;
    let mut rows = Vec::with_capacity(list.len());
    for c in &list {
        let creator = match c.created_by {
            Some(id) => accounts::by_id(&state.db, id)
                .await?
                .map(|u| (u.shown_name().to_string(), u.path())),
            None => None,
        };
        rows.push(PendingRow {
            id: c.id,
            name: c.name.clone(),
            slug: c.slug.clone(),
            description: c.description.clone(),
            note: c.request_note.clone(),
            badges: badges(ctx.lang, c),
            theme: theme_label(ctx.lang, &c.theme),
            territory: (!c.territory_name.is_empty()).then(|| c.territory_name.clone()),
            creator,
            created_at: c.created_at,
        });
    }
    let title = ctx.t("community-admin-nav");
    let p = AdminPage {
        s: Shell::new(&state, &ctx, &title, "admin")
            .crumb(ctx.t("admin-title"), "/admin")
            .crumb(title.clone(), "/admin/communities"),
        nav: crate::web::admin::admin_nav(ctx.lang, "/admin/communities"),
        approval: ops::approval_required(&state).await?,
        rows,
        reason_max: ops::REASON_MAX,
    };
    Ok(page(&ctx, &p))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ApprovalForm {
    csrf: String,
    approval: String,
}

pub(super) async fn admin_settings(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<ApprovalForm>,
) -> AppResult<Response> {
    let me = admin_only!(ctx);
    ctx.verify_csrf(&f.csrf)?;
    let on = !f.approval.is_empty();
    ops::set_approval_required(&state, &Actor::person(&me), on).await?;
    ctx.flash("flash-community-approval-saved");
    Ok(ctx.redirect("/admin/communities"))
}

pub(super) async fn admin_decide(
    state: &AppState,
    ctx: &mut Ctx,
    me: &User,
    id: i64,
    approve: bool,
    reason: &str,
) -> AppResult<Response> {
    let c = communities::by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let reason = accounts::truncate(reason.trim(), ops::REASON_MAX);
    let res = ops::decide_community(state, &Actor::person(me), &c, approve, &reason).await;
    after(
        state,
        ctx,
        res,
        if approve {
            "flash-community-approved"
        } else {
            "flash-community-refused"
        },
        "/admin/communities",
    )
}

pub(super) async fn admin_approve(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    let me = admin_only!(ctx);
    ctx.verify_csrf(&f.csrf)?;
    admin_decide(&state, &mut ctx, &me, id, true, "").await
}

pub(super) async fn admin_refuse(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<ReasonForm>,
) -> AppResult<Response> {
    let me = admin_only!(ctx);
    ctx.verify_csrf(&f.csrf)?;
    admin_decide(&state, &mut ctx, &me, id, false, &f.reason).await
}
