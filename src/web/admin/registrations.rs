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
    if !policy::can(Some(&me), Action::ManageUser { target: &target }) {
        return Err(AppError::Forbidden);
    }
    // Only one administrator's click counts when two approve at once.
    let done =
        sqlx::query("UPDATE users SET status = 'active' WHERE id = $1 AND status = 'pending'")
            .bind(id)
            .execute(&state.db.pool)
            .await?;
    if done.rows_affected() == 0 {
        ctx.flash("flash-admin-registration-gone");
        return Ok(ctx.redirect("/admin/registrations"));
    }
    if let Some(email) = &target.email {
        emails::send(
            &state,
            email,
            target.lang(),
            "approved",
            &[
                ("name", Arg::from(target.shown_name())),
                ("link", Arg::from(state.url("/login"))),
            ],
        )
        .await?;
    }
    accounts::audit(
        &state.db,
        Some(me.id),
        "registration_approved",
        Some(id),
        "",
    )
    .await?;
    ctx.flash("flash-admin-registration-approved");
    Ok(ctx.redirect("/admin/registrations"))
}

pub(super) fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The "refused" e-mail, with the administrators' reason (if any) added as
/// a last paragraph before the signature.
pub(super) async fn send_refusal(
    state: &AppState,
    to: &str,
    target: &User,
    reason: &str,
) -> Result<(), sqlx::Error> {
    if reason.is_empty() {
        return emails::send(
            state,
            to,
            target.lang(),
            "refused",
            &[("name", Arg::from(target.shown_name()))],
        )
        .await;
    }
    let lang = target.lang();
    let args = [
        ("name", Arg::from(target.shown_name())),
        ("instance", Arg::Str(state.instance_name())),
    ];
    let c = emails::compose(lang, "refused", &args);
    let intro = lang.t("admin-refused-mail-reason");
    let text = match c.text.find("\n\n-- \n") {
        Some(i) => format!("{}\n\n{intro}\n{reason}{}", &c.text[..i], &c.text[i..]),
        None => format!("{}\n\n{intro}\n{reason}\n", c.text),
    };
    let para = format!(
        "<p>{}<br>{}</p>",
        escape_html(&intro),
        escape_html(reason).replace('\n', "<br>")
    );
    let html = match c.html.rfind("<p style=") {
        Some(i) => format!("{}{para}{}", &c.html[..i], &c.html[i..]),
        None => c.html,
    };
    state.send_mail(to, lang, c.subject, text, Some(html)).await
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
    if !policy::can(Some(&me), Action::ManageUser { target: &target }) {
        return Err(AppError::Forbidden);
    }
    if target.status != Status::Pending {
        ctx.flash("flash-admin-registration-gone");
        return Ok(ctx.redirect("/admin/registrations"));
    }
    let reason = accounts::truncate(f.reason.trim(), REASON_MAX);
    // Told first: the address leaves with the account.
    if let Some(email) = &target.email {
        send_refusal(&state, email, &target, &reason).await?;
    }
    let done = sqlx::query("DELETE FROM users WHERE id = $1 AND status = 'pending'")
        .bind(id)
        .execute(&state.db.pool)
        .await?;
    if done.rows_affected() > 0 {
        // The account is gone: keep its name in the detail.
        let detail = if reason.is_empty() {
            target.username.clone()
        } else {
            format!("{} — {reason}", target.username)
        };
        accounts::audit(
            &state.db,
            Some(me.id),
            "registration_refused",
            None,
            &detail,
        )
        .await?;
    }
    ctx.flash("flash-admin-registration-refused");
    Ok(ctx.redirect("/admin/registrations"))
}
