//! Instance invitations (`/admin/invitations`): create, list, revoke.

use super::*;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct InviteForm {
    csrf: String,
    email: String,
    days: String,
}

pub struct CreatedInvite {
    pub link: String,
    pub email: String,
}

pub struct InviteRow {
    pub id: i64,
    pub email: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub created_by: Option<String>,
    pub used_by: Option<String>,
    pub used_at: Option<i64>,
    pub active: bool,
    pub state_class: &'static str,
    pub state_label: String,
}

#[derive(Template)]
#[template(path = "admin_invitations.html")]
pub(super) struct InvitationsPage {
    s: Shell,
    nav: Vec<NavItem>,
    email: String,
    days: String,
    errors: FieldErrors,
    created: Option<CreatedInvite>,
    list: Vec<InviteRow>,
}

pub(super) async fn invitation_rows(state: &AppState, lang: Lang) -> AppResult<Vec<InviteRow>> {
    let rows = sqlx::query(
        "SELECT i.id, i.email, i.created_at, i.expires_at, i.used_at, \
         c.username AS created_by_name, u.username AS used_by_name \
         FROM invitations i LEFT JOIN users c ON c.id = i.created_by LEFT JOIN users u ON u.id = i.used_by \
         ORDER BY i.created_at DESC, i.id DESC LIMIT 50",
    )
    .fetch_all(&state.db.pool)
    .await?;
    let t = crate::db::now();
    rows.iter()
        .map(|r| {
            let used_at: Option<i64> = r.try_get("used_at")?;
            let expires_at: i64 = r.try_get("expires_at")?;
            let (active, state_class, key) = if used_at.is_some() {
                (false, "badge badge-ok", "admin-invite-state-used")
            } else if expires_at <= t {
                (false, "badge", "admin-invite-state-expired")
            } else {
                (true, "badge badge-warn", "admin-invite-state-active")
            };
            Ok(InviteRow {
                id: r.try_get("id")?,
                email: r.try_get("email")?,
                created_at: r.try_get("created_at")?,
                expires_at,
                created_by: r.try_get("created_by_name")?,
                used_by: r.try_get("used_by_name")?,
                used_at,
                active,
                state_class,
                state_label: lang.t(key),
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(AppError::from)
}

pub(super) async fn invitations_page(
    state: &AppState,
    ctx: &Ctx,
    email: String,
    days: String,
    errors: FieldErrors,
    created: Option<CreatedInvite>,
) -> AppResult<InvitationsPage> {
    Ok(InvitationsPage {
        s: shell(state, ctx, "/admin/invitations", None),
        nav: admin_nav(ctx.lang, "/admin/invitations"),
        email,
        days,
        errors,
        created,
        list: invitation_rows(state, ctx.lang).await?,
    })
}

pub(super) async fn invitations(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    admin!(ctx);
    let p = invitations_page(
        &state,
        &ctx,
        String::new(),
        INVITE_DAYS_DEFAULT.to_string(),
        FieldErrors::default(),
        None,
    )
    .await?;
    Ok(page(&ctx, &p))
}

pub(super) async fn create_invitation(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<InviteForm>,
) -> AppResult<Response> {
    let me = admin!(ctx, "/admin/invitations");
    ctx.verify_csrf(&f.csrf)?;
    let mut errors = FieldErrors::default();
    let email = f.email.trim().to_string();
    if !email.is_empty() && !accounts::valid_email(&email) {
        errors.add(ctx.lang, "email", "email-invalid");
    }
    let days = if f.days.trim().is_empty() {
        Some(INVITE_DAYS_DEFAULT)
    } else {
        f.days
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|d| (1..=INVITE_DAYS_MAX).contains(d))
    };
    if days.is_none() {
        errors.add(ctx.lang, "days", "admin-invite-days-invalid");
    }
    let Some(days) = days.filter(|_| errors.is_empty()) else {
        let p = invitations_page(&state, &ctx, f.email, f.days, errors, None).await?;
        return Ok(invalid(&ctx, &p));
    };
    let (code, _) = accounts::new_token();
    let t = crate::db::now();
    sqlx::query(
        "INSERT INTO invitations (code_hash, email, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(accounts::hash_token(&code))
    .bind(&email)
    .bind(me.id)
    .bind(t)
    .bind(t + days * 86400)
    .execute(&state.db.pool)
    .await?;
    let link = state.url(&format!("/signup?invite={code}"));
    if !email.is_empty() {
        emails::send(
            &state,
            &email,
            ctx.lang,
            "invite",
            &[("link", Arg::from(link.as_str())), ("days", Arg::Num(days))],
        )
        .await?;
    }
    accounts::audit(&state.db, Some(me.id), "invitation_created", None, &email).await?;
    // The code exists only here, once: it is stored hashed.
    let created = Some(CreatedInvite { link, email });
    let p = invitations_page(
        &state,
        &ctx,
        String::new(),
        INVITE_DAYS_DEFAULT.to_string(),
        FieldErrors::default(),
        created,
    )
    .await?;
    Ok(page(&ctx, &p))
}

pub(super) async fn revoke_invitation(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    let me = admin!(ctx, "/admin/invitations");
    ctx.verify_csrf(&f.csrf)?;
    let t = crate::db::now();
    let done = sqlx::query("UPDATE invitations SET expires_at = $1 WHERE id = $2 AND used_at IS NULL AND expires_at > $1")
        .bind(t)
        .bind(id)
        .execute(&state.db.pool)
        .await?;
    if done.rows_affected() > 0 {
        accounts::audit(
            &state.db,
            Some(me.id),
            "invitation_revoked",
            None,
            &format!("invitation {id}"),
        )
        .await?;
    }
    ctx.flash("flash-admin-invitation-revoked");
    Ok(ctx.redirect("/admin/invitations"))
}
