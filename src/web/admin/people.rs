//! The member directory (`/admin/users`) and one person's page, with the
//! changes an administrator makes to an account (suspend, unsuspend,
//! promote, demote) through `accounts::ops`.

use super::*;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct UsersQuery {
    q: String,
    status: String,
    page: String,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
pub(super) struct UsersPage {
    s: Shell,
    nav: Vec<NavItem>,
    q: String,
    statuses: Vec<(&'static str, String, bool)>,
    people: Vec<Person>,
    page: i64,
    prev: Option<String>,
    next: Option<String>,
}

/// `%…%` LIKE pattern for a search, lower-cased, with `%`, `_` and the
/// escape character itself escaped (queries use `ESCAPE '\'`).
pub fn like_pattern(q: &str) -> String {
    let mut p = String::from("%");
    for c in q.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

pub(super) const STATUS_FILTERS: [(&str, &str); 5] = [
    ("", "admin-filter-all"),
    ("active", "admin-filter-active"),
    ("pending", "admin-filter-pending"),
    ("suspended", "admin-filter-suspended"),
    ("admins", "admin-filter-admins"),
];

pub(super) fn users_link(q: &str, status: &str, page: i64) -> String {
    let mut params: Vec<(&str, String)> = Vec::new();
    if !q.is_empty() {
        params.push(("q", q.to_string()));
    }
    if !status.is_empty() {
        params.push(("status", status.to_string()));
    }
    if page > 1 {
        params.push(("page", page.to_string()));
    }
    let qs = serde_urlencoded::to_string(&params).unwrap_or_default();
    if qs.is_empty() {
        "/admin/users".to_string()
    } else {
        format!("/admin/users?{qs}")
    }
}

pub(super) async fn users(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<UsersQuery>,
) -> AppResult<Response> {
    admin!(ctx);
    let q = accounts::truncate(query.q.trim(), QUERY_MAX);
    let status = STATUS_FILTERS
        .iter()
        .map(|(v, _)| *v)
        .find(|v| *v == query.status)
        .unwrap_or("");
    let page_no = query
        .page
        .trim()
        .parse::<i64>()
        .unwrap_or(1)
        .clamp(1, 100_000);

    enum Bind {
        Text(String),
        Int(i64),
    }
    let mut sql = format!(
        "SELECT {} FROM users u WHERE u.domain IS NULL",
        accounts::USER_COLUMNS
    );
    let mut binds = Vec::new();
    if !q.is_empty() {
        binds.push(Bind::Text(like_pattern(&q)));
        let n = binds.len();
        sql.push_str(&format!(
            " AND (LOWER(u.username) LIKE ${n} ESCAPE '\\' OR LOWER(u.email) LIKE ${n} ESCAPE '\\' \
             OR LOWER(u.display_name) LIKE ${n} ESCAPE '\\')"
        ));
    }
    match status {
        "active" | "pending" | "suspended" => {
            binds.push(Bind::Text(status.to_string()));
            sql.push_str(&format!(" AND u.status = ${}", binds.len()));
        }
        "admins" => sql.push_str(" AND u.is_admin = 1"),
        _ => {}
    }
    // One more than a page, to know whether there is a next one.
    binds.push(Bind::Int(PAGE_SIZE + 1));
    let limit_n = binds.len();
    binds.push(Bind::Int((page_no - 1) * PAGE_SIZE));
    let offset_n = binds.len();
    sql.push_str(&format!(
        " ORDER BY u.created_at DESC, u.id DESC LIMIT ${limit_n} OFFSET ${offset_n}"
    ));

    let mut query_builder = sqlx::query(sqlx::AssertSqlSafe(sql));
    for b in binds {
        query_builder = match b {
            Bind::Text(t) => query_builder.bind(t),
            Bind::Int(i) => query_builder.bind(i),
        };
    }
    let rows = query_builder.fetch_all(&state.db.pool).await?;
    let mut people = rows
        .iter()
        .map(|r| User::from_row(r).map(|u| person(ctx.lang, &u)))
        .collect::<Result<Vec<_>, _>>()?;
    let has_next = people.len() as i64 > PAGE_SIZE;
    people.truncate(PAGE_SIZE as usize);

    let p = UsersPage {
        s: shell(&state, &ctx, "/admin/users", None),
        nav: admin_nav(ctx.lang, "/admin/users"),
        statuses: STATUS_FILTERS
            .iter()
            .map(|(v, k)| (*v, ctx.t(k), *v == status))
            .collect(),
        prev: (page_no > 1).then(|| users_link(&q, status, page_no - 1)),
        next: has_next.then(|| users_link(&q, status, page_no + 1)),
        q,
        people,
        page: page_no,
    };
    Ok(page(&ctx, &p))
}

// ---- one person ---------------------------------------------------------------------

#[derive(Template)]
#[template(path = "admin_user.html")]
pub(super) struct UserPage {
    s: Shell,
    nav: Vec<NavItem>,
    p: Person,
    is_self: bool,
    remote: bool,
    sessions: i64,
    tokens: i64,
    reason: String,
    errors: FieldErrors,
    problem: Option<String>,
    /// A deletion waiting out its grace period (issue 20).
    deletion: Option<crate::data_rights::deletion::Pending>,
}

pub(super) async fn render_user(
    state: &AppState,
    ctx: &Ctx,
    target: &User,
    reason: String,
    errors: FieldErrors,
    problem: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let sessions: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id = $1 AND expires_at > $2")
            .bind(target.id)
            .bind(crate::db::now())
            .fetch_one(&state.db.pool)
            .await?;
    let tokens: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL",
    )
    .bind(target.id)
    .fetch_one(&state.db.pool)
    .await?;
    let p = UserPage {
        s: shell(
            state,
            ctx,
            "/admin/users",
            Some((
                target.username.clone(),
                format!("/admin/users/{}", target.id),
            )),
        ),
        nav: admin_nav(ctx.lang, "/admin/users"),
        p: person(ctx.lang, target),
        is_self: ctx.user.as_ref().is_some_and(|u| u.id == target.id),
        remote: target.domain.is_some(),
        sessions,
        tokens,
        reason,
        errors,
        problem,
        deletion: crate::data_rights::deletion::pending(&state.db, target.id).await?,
    };
    Ok(ctx.finish((status, html(&p))))
}

pub(super) async fn user_detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    admin!(ctx);
    let target = load_target(&state, id).await?;
    render_user(
        &state,
        &ctx,
        &target,
        String::new(),
        FieldErrors::default(),
        None,
        StatusCode::OK,
    )
    .await
}

pub(super) async fn suspend(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<ReasonForm>,
) -> AppResult<Response> {
    let back = format!("/admin/users/{id}");
    let me = admin!(ctx, &back);
    ctx.verify_csrf(&f.csrf)?;
    let target = load_target(&state, id).await?;
    match accounts::ops::suspend(&state, &Actor::person(&me), &target, &f.reason).await {
        Ok(()) => {
            ctx.flash("flash-admin-user-suspended");
            Ok(ctx.redirect(&back))
        }
        Err(e) => refused(&state, &ctx, &me, &target, f.reason, e).await,
    }
}

/// A refused change to someone's account, shown on their page: the reason's
/// field error (422, the reason kept), the last administrator (409), or
/// oneself (403).
pub(super) async fn refused(
    state: &AppState,
    ctx: &Ctx,
    me: &User,
    target: &User,
    typed: String,
    e: AppError,
) -> AppResult<Response> {
    let (errors, message, status) = match e {
        AppError::Invalid { fields } => {
            let mut errors = FieldErrors::default();
            for (f, k) in fields {
                errors.add(ctx.lang, &f, &k);
            }
            (errors, None, StatusCode::UNPROCESSABLE_ENTITY)
        }
        AppError::Conflict { message_key, .. } => (
            FieldErrors::default(),
            Some(ctx.t(message_key)),
            StatusCode::CONFLICT,
        ),
        AppError::Forbidden if me.id == target.id => (
            FieldErrors::default(),
            Some(ctx.t("admin-user-not-self")),
            StatusCode::FORBIDDEN,
        ),
        other => return Err(other),
    };
    render_user(state, ctx, target, typed, errors, message, status).await
}

/// A change to someone's account that needs no reason: the same gate,
/// operation call and refusal page for each.
#[derive(Clone, Copy)]
enum Change {
    Unsuspend,
    Promote,
    Demote,
}

async fn change(
    state: AppState,
    mut ctx: Ctx,
    id: i64,
    csrf: &str,
    what: Change,
) -> AppResult<Response> {
    let back = format!("/admin/users/{id}");
    let me = admin!(ctx, &back);
    ctx.verify_csrf(csrf)?;
    let target = load_target(&state, id).await?;
    let actor = Actor::person(&me);
    let (done, flash) = match what {
        Change::Unsuspend => (
            accounts::ops::unsuspend(&state, &actor, &target).await,
            "flash-admin-user-unsuspended",
        ),
        Change::Promote => (
            accounts::ops::promote(&state, &actor, &target).await,
            "flash-admin-user-promoted",
        ),
        Change::Demote => (
            accounts::ops::demote(&state, &actor, &target).await,
            "flash-admin-user-demoted",
        ),
    };
    match done {
        Ok(()) => {
            ctx.flash(flash);
            Ok(ctx.redirect(&back))
        }
        Err(e) => refused(&state, &ctx, &me, &target, String::new(), e).await,
    }
}

pub(super) async fn unsuspend(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    change(state, ctx, id, &f.csrf, Change::Unsuspend).await
}

pub(super) async fn promote(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    change(state, ctx, id, &f.csrf, Change::Promote).await
}

pub(super) async fn demote(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    change(state, ctx, id, &f.csrf, Change::Demote).await
}
