//! An organisation's people and standing: members, custom sections,
//! claims and verification, and the administrators' page.

use super::*;

// ---- members and sections -------------------------------------------------------------------

#[derive(Template)]
#[template(path = "org_members.html")]
pub(super) struct MembersPage {
    s: Shell,
    path: String,
    people: Vec<(members::OrgMember, String)>,
    username: String,
    role: String,
    errors: FieldErrors,
}

pub(super) async fn members_render(
    state: &AppState,
    ctx: &Ctx,
    l: &organisations::Loaded,
    username: String,
    role: String,
    errors: FieldErrors,
) -> AppResult<MembersPage> {
    let title = ctx.t("org-members-title");
    Ok(MembersPage {
        s: Shell::new(
            state,
            ctx,
            &format!("{title} · {}", l.o.name),
            "organisations",
        )
        .crumb(ctx.t("org-directory-title"), "/organisations")
        .crumb(l.o.name.clone(), l.o.path())
        .crumb(title, format!("{}/members", l.o.path())),
        path: l.o.path(),
        people: labelled(ctx.lang, members::list(&state.db, l.o.id, "active").await?),
        username,
        role,
        errors,
    })
}

pub(super) async fn members_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let l = editable(&state, &ctx, &slug).await?;
    let p = members_render(
        &state,
        &ctx,
        &l,
        String::new(),
        "member".into(),
        FieldErrors::default(),
    )
    .await?;
    Ok(page(&ctx, &p))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct MemberForm {
    csrf: String,
    username: String,
    role: String,
}

pub(super) async fn member_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<MemberForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let l = editable(&state, &ctx, &slug).await?;
    let Some(u) = ctx.user.clone() else {
        return Err(AppError::Unauthorized);
    };
    match ops::set_member(&state, &Actor::person(&u), &slug, &f.username, &f.role).await {
        Ok(()) => {
            ctx.flash("flash-org-saved");
            Ok(ctx.redirect(&format!("{}/members", l.o.path())))
        }
        Err(AppError::Invalid { fields }) => {
            let p = members_render(
                &state,
                &ctx,
                &l,
                f.username,
                f.role,
                errors_of(ctx.lang, &fields),
            )
            .await?;
            Ok(invalid(&ctx, &p))
        }
        Err(AppError::Conflict { message_key, .. }) => {
            let mut e = FieldErrors::default();
            e.add(ctx.lang, "role", message_key);
            let p = members_render(&state, &ctx, &l, f.username, f.role, e).await?;
            Ok(ctx.finish((
                axum::http::StatusCode::CONFLICT,
                crate::web::templates::html(&p),
            )))
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct CsrfOnly {
    csrf: String,
}

pub(super) async fn member_remove(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path((slug, user_id)): Path<(String, i64)>,
    Form(f): Form<CsrfOnly>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let Some(u) = ctx.user.clone() else {
        return Err(AppError::Unauthorized);
    };
    let l = ops::load_for(&state, &Actor::person(&u), &slug).await?;
    match ops::remove_member(&state, &Actor::person(&u), &slug, user_id).await {
        Ok(()) => {
            ctx.flash("flash-org-saved");
            Ok(ctx.redirect(&if u.id == user_id {
                l.o.path()
            } else {
                format!("{}/members", l.o.path())
            }))
        }
        Err(AppError::Conflict { message_key, .. }) => {
            let mut e = FieldErrors::default();
            e.add(ctx.lang, "role", message_key);
            let p = members_render(&state, &ctx, &l, String::new(), "member".into(), e).await?;
            Ok(ctx.finish((
                axum::http::StatusCode::CONFLICT,
                crate::web::templates::html(&p),
            )))
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "org_sections.html")]
pub(super) struct SectionsPage {
    s: Shell,
    path: String,
    sections: Vec<members::Section>,
    /// The form being corrected: (id, title, body).
    editing: (Option<i64>, String, String),
    errors: FieldErrors,
}

pub(super) async fn sections_render(
    state: &AppState,
    ctx: &Ctx,
    l: &organisations::Loaded,
    editing: (Option<i64>, String, String),
    errors: FieldErrors,
) -> AppResult<SectionsPage> {
    let title = ctx.t("org-sections-title");
    Ok(SectionsPage {
        s: Shell::new(
            state,
            ctx,
            &format!("{title} · {}", l.o.name),
            "organisations",
        )
        .crumb(ctx.t("org-directory-title"), "/organisations")
        .crumb(l.o.name.clone(), l.o.path())
        .crumb(title, format!("{}/sections", l.o.path())),
        path: l.o.path(),
        sections: members::sections(&state.db, l.o.id).await?,
        editing,
        errors,
    })
}

pub(super) async fn sections_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let l = editable(&state, &ctx, &slug).await?;
    let p = sections_render(
        &state,
        &ctx,
        &l,
        (None, String::new(), String::new()),
        FieldErrors::default(),
    )
    .await?;
    Ok(page(&ctx, &p))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct SectionForm {
    csrf: String,
    id: String,
    title: String,
    body: String,
}

pub(super) async fn section_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<SectionForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let l = editable(&state, &ctx, &slug).await?;
    let Some(u) = ctx.user.clone() else {
        return Err(AppError::Unauthorized);
    };
    let id = f.id.trim().parse::<i64>().ok();
    match ops::save_section(&state, &Actor::person(&u), &slug, id, &f.title, &f.body).await {
        Ok(_) => {
            ctx.flash("flash-org-saved");
            Ok(ctx.redirect(&format!("{}/sections", l.o.path())))
        }
        Err(AppError::Invalid { fields }) => {
            let body = f.body.replace("\r\n", "\n");
            let p = sections_render(
                &state,
                &ctx,
                &l,
                (id, f.title, body),
                errors_of(ctx.lang, &fields),
            )
            .await?;
            Ok(invalid(&ctx, &p))
        }
        Err(e) => Err(e),
    }
}

pub(super) async fn section_delete(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    Form(f): Form<CsrfOnly>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let l = editable(&state, &ctx, &slug).await?;
    let Some(u) = ctx.user.clone() else {
        return Err(AppError::Unauthorized);
    };
    ops::delete_section(&state, &Actor::person(&u), &slug, id).await?;
    ctx.flash("flash-org-saved");
    Ok(ctx.redirect(&format!("{}/sections", l.o.path())))
}

// ---- claims and verification ----------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct NoteForm {
    csrf: String,
    note: String,
    decision: String,
}

pub(super) async fn claim_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<NoteForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let Some(u) = ctx.user.clone() else {
        return Ok(ctx.redirect(&login_to(&urls::organisation(&slug))));
    };
    ops::claim(&state, &Actor::person(&u), &slug, &f.note).await?;
    ctx.flash("flash-org-claimed");
    Ok(ctx.redirect(&urls::organisation(&slug)))
}

pub(super) async fn decide_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<NoteForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let u = ctx.user.clone().ok_or(AppError::Unauthorized)?;
    ops::decide(
        &state,
        &Actor::person(&u),
        &slug,
        f.decision == "verify",
        &f.note,
    )
    .await?;
    ctx.flash("flash-org-saved");
    Ok(ctx.redirect(&urls::organisation(&slug)))
}

pub(super) async fn claim_decide(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path((slug, user_id)): Path<(String, i64)>,
    Form(f): Form<NoteForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let u = ctx.user.clone().ok_or(AppError::Unauthorized)?;
    ops::decide_claim(
        &state,
        &Actor::person(&u),
        &slug,
        user_id,
        f.decision == "grant",
    )
    .await?;
    ctx.flash("flash-org-saved");
    Ok(ctx.redirect("/admin/organisations"))
}

// ---- administration ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "org_admin.html")]
pub(super) struct AdminPage {
    s: Shell,
    unverified: Vec<organisations::Organisation>,
    claims: Vec<(String, String, members::OrgMember)>,
    sectors: Vec<organisations::Sector>,
    geocoder: String,
    errors: FieldErrors,
}

pub(super) async fn admin_render(
    state: &AppState,
    ctx: &Ctx,
    geocoder: Option<String>,
    errors: FieldErrors,
) -> AppResult<AdminPage> {
    let title = ctx.t("org-admin-title");
    Ok(AdminPage {
        s: Shell::new(state, ctx, &title, "admin").crumb(title, "/admin/organisations"),
        unverified: members::unverified(&state.db).await?,
        claims: members::pending_claims(&state.db).await?,
        sectors: organisations::sectors(&state.db).await?,
        geocoder: match geocoder {
            Some(g) => g,
            None => organisations::geocode::configured(state)
                .await?
                .unwrap_or_default(),
        },
        errors,
    })
}

pub(super) fn admin_only(ctx: &Ctx) -> AppResult<crate::accounts::User> {
    let u = ctx.user.clone().ok_or(AppError::Unauthorized)?;
    if !policy::can(Some(&u), Action::VerifyOrganisations) {
        return Err(AppError::Forbidden);
    }
    Ok(u)
}

pub(super) async fn admin_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    if ctx.user.is_none() {
        return Ok(ctx.redirect(&login_to("/admin/organisations")));
    }
    admin_only(&ctx)?;
    let p = admin_render(&state, &ctx, None, FieldErrors::default()).await?;
    Ok(page(&ctx, &p))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct SectorForm {
    csrf: String,
    code: String,
    name_fr: String,
    name_en: String,
    delete: String,
}

pub(super) async fn sector_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<SectorForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let u = admin_only(&ctx)?;
    let actor = Actor::person(&u);
    let r = if f.delete == "1" {
        ops::delete_sector(&state, &actor, &f.code).await
    } else {
        ops::save_sector(&state, &actor, &f.code, &f.name_fr, &f.name_en).await
    };
    match r {
        Ok(()) => {
            ctx.flash("flash-org-saved");
            Ok(ctx.redirect("/admin/organisations"))
        }
        Err(AppError::Invalid { fields }) => {
            let p = admin_render(&state, &ctx, None, errors_of(ctx.lang, &fields)).await?;
            Ok(invalid(&ctx, &p))
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct GeocoderForm {
    csrf: String,
    geocoder_url: String,
}

pub(super) async fn geocoder_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<GeocoderForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let u = admin_only(&ctx)?;
    match organisations::geocode::configure(&state, &Actor::person(&u), &f.geocoder_url).await {
        Ok(()) => {
            ctx.flash("flash-org-saved");
            Ok(ctx.redirect("/admin/organisations"))
        }
        Err(AppError::Invalid { fields }) => {
            let p = admin_render(
                &state,
                &ctx,
                Some(f.geocoder_url),
                errors_of(ctx.lang, &fields),
            )
            .await?;
            Ok(invalid(&ctx, &p))
        }
        Err(e) => Err(e),
    }
}

/// People with their role's label.
pub(super) fn labelled(
    lang: Lang,
    people: Vec<members::OrgMember>,
) -> Vec<(members::OrgMember, String)> {
    people
        .into_iter()
        .map(|m| {
            let label = lang.t(match m.role {
                OrgRole::Admin => "org-role-admin",
                OrgRole::Member => "org-role-member",
            });
            (m, label)
        })
        .collect()
}
