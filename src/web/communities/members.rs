//! Managers' pages of people: join requests (approve, refuse with a
//! reason) and the member list (roles, removal; banned people).

use super::*;

#[derive(Template)]
#[template(path = "community_requests.html")]
pub(super) struct RequestsPage {
    s: Shell,
    head: Head,
    rows: Vec<PersonRow>,
    reason_max: usize,
    open: bool,
    more: bool,
}

pub(super) async fn requests_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let l = managed!(state, ctx, slug);
    let href = format!("{}/requests", l.c.path());
    let (list, more) =
        communities::members::shown(&state, ctx.user.as_ref(), &l, MemberState::Requested, 1)
            .await?;
    let p = RequestsPage {
        s: shell(
            &state,
            &ctx,
            &l.c,
            Some(("community-tab-requests", href.clone())),
        ),
        head: head(&state, &ctx, &l, &href).await?,
        rows: list.iter().map(|m| person_row(ctx.lang, m)).collect(),
        reason_max: ops::REASON_MAX,
        open: l.c.status == CommunityStatus::Active,
        more,
    };
    Ok(page(&ctx, &p))
}

pub(super) async fn request_approve(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path((slug, user_id)): Path<(String, i64)>,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    let back = format!("{}/requests", community_path(&slug));
    let user = signed_in!(ctx, &back);
    ctx.verify_csrf(&f.csrf)?;
    let l = load(&state, Some(&user), &slug).await?;
    let res = ops::decide(&state, &Actor::person(&user), &l, user_id, true, "").await;
    after(
        &state,
        &mut ctx,
        res,
        "flash-community-request-approved",
        &back,
    )
}

pub(super) async fn request_refuse(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path((slug, user_id)): Path<(String, i64)>,
    Form(f): Form<ReasonForm>,
) -> AppResult<Response> {
    let back = format!("{}/requests", community_path(&slug));
    let user = signed_in!(ctx, &back);
    ctx.verify_csrf(&f.csrf)?;
    let l = load(&state, Some(&user), &slug).await?;
    // The form caps the reason; a longer one is cut rather than lost.
    let reason = accounts::truncate(f.reason.trim(), ops::REASON_MAX);
    let res = ops::decide(&state, &Actor::person(&user), &l, user_id, false, &reason).await;
    after(
        &state,
        &mut ctx,
        res,
        "flash-community-request-refused",
        &back,
    )
}

// ---- members ------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "community_members.html")]
pub(super) struct MembersPage {
    s: Shell,
    head: Head,
    banned: bool,
    manage: bool,
    sub_tabs: Vec<Tab>,
    rows: Vec<PersonRow>,
    prev: Option<String>,
    next: Option<String>,
    page: i64,
}

pub(super) async fn members_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let viewer = ctx.user.as_ref();
    let l = load(&state, viewer, &slug).await?;
    let manage = l.manage(viewer);
    let banned = q.tab == "banned";
    let base = format!("{}/members", l.c.path());
    let page_no = page_number(&q.page);
    let state_shown = if banned {
        MemberState::Banned
    } else {
        MemberState::Active
    };
    let (list, more) =
        match communities::members::shown(&state, viewer, &l, state_shown, page_no).await {
            // Anonymous visitors are not told that the list exists.
            Err(AppError::Forbidden) if viewer.is_none() => return Err(AppError::NotFound),
            res => res?,
        };
    let admin = viewer.is_some_and(is_admin);
    let my_role = l.role();
    let owners = list.iter().filter(|m| m.role == Role::Owner).count();
    let rows = list
        .iter()
        .map(|m| {
            let mut row = person_row(ctx.lang, m);
            let is_me = viewer.is_some_and(|u| u.id == m.user_id);
            if manage && !banned && !is_me {
                row.roles = ROLES
                    .iter()
                    .filter(|r| communities::may_set_role(admin, my_role, m.role, **r))
                    .map(|r| Choice {
                        value: r.as_str(),
                        label: ctx.t(role_key(*r)),
                        hint: String::new(),
                        checked: *r == m.role,
                    })
                    .collect();
                row.can_change = row.roles.len() > 1;
                row.can_remove = communities::may_remove(admin, my_role, m.role)
                    && !(m.role == Role::Owner && owners <= 1 && !more);
            }
            row
        })
        .collect();
    let link = |p: i64| {
        let mut params = Vec::new();
        if banned {
            params.push(("tab", "banned".to_string()));
        }
        if p > 1 {
            params.push(("page", p.to_string()));
        }
        let qs = serde_urlencoded::to_string(&params).unwrap_or_default();
        if qs.is_empty() {
            base.clone()
        } else {
            format!("{base}?{qs}")
        }
    };
    let current = if banned {
        format!("{base}?tab=banned")
    } else {
        base.clone()
    };
    let sub_tabs = if manage {
        vec![
            Tab {
                label: ctx.t("community-members-active"),
                href: base.clone(),
                current: !banned,
            },
            Tab {
                label: ctx.t("community-members-banned"),
                href: format!("{base}?tab=banned"),
                current: banned,
            },
        ]
    } else {
        Vec::new()
    };
    let p = MembersPage {
        s: shell(&state, &ctx, &l.c, Some(("community-tab-members", current))),
        head: head(&state, &ctx, &l, &base).await?,
        banned,
        manage,
        sub_tabs,
        rows,
        prev: (page_no > 1).then(|| link(page_no - 1)),
        next: more.then(|| link(page_no + 1)),
        page: page_no,
    };
    Ok(page(&ctx, &p))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct RoleForm {
    csrf: String,
    role: String,
}

pub(super) async fn member_role(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path((slug, user_id)): Path<(String, i64)>,
    Form(f): Form<RoleForm>,
) -> AppResult<Response> {
    let back = format!("{}/members", community_path(&slug));
    let user = signed_in!(ctx, &back);
    ctx.verify_csrf(&f.csrf)?;
    let l = load(&state, Some(&user), &slug).await?;
    let role = Role::parse(&f.role).ok_or(AppError::BadRequest {
        code: "invalid_role",
        message_key: "community-error-invalid-role",
    })?;
    let res = ops::set_role(&state, &Actor::person(&user), &l, user_id, role).await;
    after(&state, &mut ctx, res, "flash-community-role-changed", &back)
}

pub(super) async fn member_remove(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path((slug, user_id)): Path<(String, i64)>,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    let back = format!("{}/members", community_path(&slug));
    let user = signed_in!(ctx, &back);
    ctx.verify_csrf(&f.csrf)?;
    let l = load(&state, Some(&user), &slug).await?;
    let res = ops::remove(&state, &Actor::person(&user), &l, user_id).await;
    after(
        &state,
        &mut ctx,
        res,
        "flash-community-member-removed",
        &back,
    )
}
