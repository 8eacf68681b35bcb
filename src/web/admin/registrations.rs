//! Pending registrations (`/admin/registrations`): approve or refuse.

use super::*;

#[derive(Template)]
#[template(path = "admin_registrations.html")]
pub(super) struct RegistrationsPage {
    s: Shell,
    nav: Vec<NavItem>,
    people: Vec<Person>,
    reason_max: usize,
}

pub(super) async fn registrations(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    admin!(ctx);
    let sql = format!(
        "SELECT {} FROM users u WHERE u.status = 'pending' AND u.domain IS NULL \
         ORDER BY u.created_at, u.id LIMIT 200",
        accounts::USER_COLUMNS
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&state.db.pool)
        .await?;
    let people = rows
        .iter()
        .map(|r| User::from_row(r).map(|u| person(ctx.lang, &u)))
        .collect::<Result<Vec<_>, _>>()?;
    let p = RegistrationsPage {
        s: shell(&state, &ctx, "/admin/registrations", None),
        nav: admin_nav(ctx.lang, "/admin/registrations"),
        people,
        reason_max: REASON_MAX,
    };
    Ok(page(&ctx, &p))
}

pub(super) async fn approve(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    let me = admin!(ctx, "/admin/registrations");
    ctx.verify_csrf(&f.csrf)?;
    let target = load_target(&state, id).await?;
    let decided = accounts::registrations::approve(&state, &Actor::person(&me), &target).await?;
    ctx.flash(match decided {
        accounts::registrations::Decided::Done => "flash-admin-registration-approved",
        accounts::registrations::Decided::Gone => "flash-admin-registration-gone",
    });
    Ok(ctx.redirect("/admin/registrations"))
}

pub(super) async fn refuse(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<ReasonForm>,
) -> AppResult<Response> {
    let me = admin!(ctx, "/admin/registrations");
    ctx.verify_csrf(&f.csrf)?;
    let target = load_target(&state, id).await?;
    let decided =
        accounts::registrations::refuse(&state, &Actor::person(&me), &target, &f.reason).await?;
    ctx.flash(match decided {
        accounts::registrations::Decided::Done => "flash-admin-registration-refused",
        accounts::registrations::Decided::Gone => "flash-admin-registration-gone",
    });
    Ok(ctx.redirect("/admin/registrations"))
}
