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
    let made = match accounts::invitations::create(
        &state,
        &Actor::person(&me),
        &f.email,
        &f.days,
        ctx.lang,
    )
    .await
    {
        Ok(made) => made,
        Err(AppError::Invalid { fields }) => {
            let mut errors = FieldErrors::default();
            for (field, key) in fields {
                errors.add(ctx.lang, &field, &key);
            }
            let p = invitations_page(&state, &ctx, f.email, f.days, errors, None).await?;
            return Ok(invalid(&ctx, &p));
        }
        Err(e) => return Err(e),
    };
    let (link, email) = (made.link, made.email);
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
    accounts::invitations::revoke(&state, &Actor::person(&me), id).await?;
    ctx.flash("flash-admin-invitation-revoked");
    Ok(ctx.redirect("/admin/invitations"))
}
