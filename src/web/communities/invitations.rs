//! Invitation links (managers): the list, a new link (shown once, sent
//! by e-mail when asked), revocation.

use super::*;
use crate::communities::invitations::InviteState;

// ---- invitations ----------------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct InviteForm {
    csrf: String,
    email: String,
    days: String,
    max_uses: String,
}

pub struct InviteRow {
    pub id: i64,
    pub email: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub uses: String,
    pub active: bool,
    pub state_class: &'static str,
    pub state_label: String,
}

#[derive(Template)]
#[template(path = "community_invitations.html")]
pub(super) struct InvitationsPage {
    s: Shell,
    head: Head,
    v: InviteForm,
    errors: FieldErrors,
    created: Option<(String, String)>,
    rows: Vec<InviteRow>,
    open: bool,
}

/// (css class, label key) of an invitation's state.
fn state_badge(st: InviteState) -> (&'static str, &'static str) {
    match st {
        InviteState::Revoked => ("badge", "community-invite-state-revoked"),
        InviteState::Used => ("badge badge-ok", "community-invite-state-used"),
        InviteState::Expired => ("badge", "community-invite-state-expired"),
        InviteState::Active => ("badge badge-warn", "community-invite-state-active"),
    }
}

pub(super) async fn invitations_view(
    state: &AppState,
    ctx: &Ctx,
    l: &Loaded,
    v: InviteForm,
    errors: FieldErrors,
    created: Option<(String, String)>,
) -> AppResult<InvitationsPage> {
    let href = format!("{}/invitations", l.c.path());
    let t = crate::db::now();
    let rows = communities::invitations::shown(state, ctx.user.as_ref(), l)
        .await?
        .iter()
        .map(|i| {
            let st = i.state(t);
            let (class, key) = state_badge(st);
            InviteRow {
                id: i.id,
                email: i.email.clone(),
                created_at: i.created_at,
                expires_at: i.expires_at,
                uses: match i.max_uses {
                    Some(m) => format!("{} / {m}", i.uses),
                    None => i.uses.to_string(),
                },
                active: st == InviteState::Active,
                state_class: class,
                state_label: ctx.t(key),
            }
        })
        .collect();
    Ok(InvitationsPage {
        s: shell(
            state,
            ctx,
            &l.c,
            Some(("community-tab-invitations", href.clone())),
        ),
        head: head(state, ctx, l, &href).await?,
        v,
        errors,
        created,
        rows,
        open: l.c.status == CommunityStatus::Active,
    })
}

fn default_invite_form() -> InviteForm {
    InviteForm {
        days: communities::INVITE_DAYS_DEFAULT.to_string(),
        ..Default::default()
    }
}

pub(super) async fn invitations_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let l = managed!(state, ctx, slug);
    let p = invitations_view(
        &state,
        &ctx,
        &l,
        default_invite_form(),
        FieldErrors::default(),
        None,
    )
    .await?;
    Ok(page(&ctx, &p))
}

pub(super) async fn invitation_create(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<InviteForm>,
) -> AppResult<Response> {
    let back = format!("{}/invitations", community_path(&slug));
    let user = signed_in!(ctx, &back);
    ctx.verify_csrf(&f.csrf)?;
    let l = load(&state, Some(&user), &slug).await?;
    let mut errs = Vec::new();
    let days = match f.days.trim() {
        "" => None,
        d => match d.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errs.push((
                    "days".to_string(),
                    "community-invite-days-invalid".to_string(),
                ));
                None
            }
        },
    };
    let max_uses = match f.max_uses.trim() {
        "" => None,
        d => match d.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errs.push((
                    "max_uses".to_string(),
                    "community-invite-uses-invalid".to_string(),
                ));
                None
            }
        },
    };
    let res = if errs.is_empty() {
        ops::create_invite(&state, &Actor::person(&user), &l, &f.email, days, max_uses).await
    } else {
        Err(AppError::Invalid { fields: errs })
    };
    match res {
        Ok((_, link)) => {
            let created = Some((link, f.email.trim().to_string()));
            let p = invitations_view(
                &state,
                &ctx,
                &l,
                default_invite_form(),
                FieldErrors::default(),
                created,
            )
            .await?;
            Ok(page(&ctx, &p))
        }
        Err(AppError::Invalid { fields }) => {
            if !l.manage(Some(&user)) {
                return Err(AppError::Forbidden);
            }
            let errors = field_errors(ctx.lang, &fields);
            let p = invitations_view(&state, &ctx, &l, f, errors, None).await?;
            Ok(invalid(&ctx, &p))
        }
        Err(AppError::TooManyRequests { retry_after }) => {
            // Keep the address typed; say when sending works again.
            let mut errors = FieldErrors::default();
            errors.add_text(
                "email",
                crate::web::publications::limited_message(
                    ctx.lang,
                    "rate-limited-invitations",
                    retry_after,
                ),
            );
            let p = invitations_view(&state, &ctx, &l, f, errors, None).await?;
            Ok(crate::web::templates::too_many(&ctx, retry_after, &p))
        }
        Err(AppError::Conflict { message_key, .. }) => Ok(refusal(
            &state,
            &ctx,
            StatusCode::CONFLICT,
            "community-refusal-title",
            message_key,
            (ctx.t("community-back"), back),
        )),
        Err(e) => Err(e),
    }
}

pub(super) async fn invitation_revoke(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    let back = format!("{}/invitations", community_path(&slug));
    let user = signed_in!(ctx, &back);
    ctx.verify_csrf(&f.csrf)?;
    let l = load(&state, Some(&user), &slug).await?;
    ops::revoke_invite(&state, &Actor::person(&user), &l, id).await?;
    ctx.flash("flash-community-invite-revoked");
    Ok(ctx.redirect(&back))
}
