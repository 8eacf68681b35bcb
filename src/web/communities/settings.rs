//! Settings (managers), ownership transfer (owners), archiving and
//! reopening.

use super::*;
use crate::communities::CommunitySettings;

/// Members offered in the ownership transfer menu.
const TRANSFER_CHOICES: i64 = 500;

// ---- settings -----------------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct SettingsForm {
    csrf: String,
    name: String,
    description: String,
    charter: String,
    welcome: String,
    theme: String,
    territory: String,
    visibility: String,
    join_policy: String,
}

#[derive(Template)]
#[template(path = "community_settings.html")]
pub(super) struct SettingsPage {
    s: Shell,
    head: Head,
    v: SettingsForm,
    errors: FieldErrors,
    themes: Vec<Choice>,
    regions: Vec<Choice>,
    visibilities: Vec<Choice>,
    join_policies: Vec<Choice>,
    status: &'static str,
    can_own: bool,
    candidates: Vec<(i64, String)>,
}

pub(super) async fn settings_page_view(
    state: &AppState,
    ctx: &Ctx,
    l: &Loaded,
    v: SettingsForm,
    errors: FieldErrors,
) -> AppResult<SettingsPage> {
    let href = format!("{}/settings", l.c.path());
    let viewer = ctx.user.as_ref();
    let can_own = l.own(viewer);
    let candidates = if can_own {
        communities::members::list(&state.db, l.c.id, MemberState::Active, TRANSFER_CHOICES)
            .await?
            .into_iter()
            .filter(|m| m.role != Role::Owner && viewer.is_none_or(|u| u.id != m.user_id))
            .map(|m| {
                let name = if m.display_name.trim().is_empty() {
                    m.username.clone()
                } else {
                    format!("{} (@{})", m.display_name, m.username)
                };
                (m.user_id, name)
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(SettingsPage {
        s: shell(
            state,
            ctx,
            &l.c,
            Some(("community-tab-settings", href.clone())),
        ),
        head: head(state, ctx, l, &href).await?,
        themes: theme_choices(ctx.lang, &v.theme),
        regions: region_choices(&v.territory),
        visibilities: visibility_choices(ctx.lang, &v.visibility),
        join_policies: join_choices(ctx.lang, &v.join_policy),
        v,
        errors,
        status: l.c.status.as_str(),
        can_own,
        candidates,
    })
}

pub(super) async fn settings_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let l = managed!(state, ctx, slug);
    let c = &l.c;
    let v = SettingsForm {
        csrf: String::new(),
        name: c.name.clone(),
        description: c.description.clone(),
        charter: c.charter.clone(),
        welcome: c.welcome.clone(),
        theme: c.theme.clone(),
        // Written as a person would type it (the name, or "Name (Parent)").
        territory: match crate::territories::by_slug(&state.db, &c.territory).await? {
            Some(t) => crate::territories::input_label(&state.db, &t).await?,
            None => String::new(),
        },
        visibility: c.visibility.as_str().into(),
        join_policy: c.join_policy.as_str().into(),
    };
    let p = settings_page_view(&state, &ctx, &l, v, FieldErrors::default()).await?;
    Ok(page(&ctx, &p))
}

pub(super) async fn settings_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<SettingsForm>,
) -> AppResult<Response> {
    let back = format!("{}/settings", community_path(&slug));
    let user = signed_in!(ctx, &back);
    ctx.verify_csrf(&f.csrf)?;
    let l = load(&state, Some(&user), &slug).await?;
    let mut errs = Vec::new();
    let visibility = Visibility::parse(&f.visibility);
    if visibility.is_none() {
        errs.push(("visibility".to_string(), "field-invalid-choice".to_string()));
    }
    let join_policy = JoinPolicy::parse(&f.join_policy);
    if join_policy.is_none() {
        errs.push((
            "join_policy".to_string(),
            "field-invalid-choice".to_string(),
        ));
    }
    let s = CommunitySettings {
        name: f.name.clone(),
        description: f.description.replace("\r\n", "\n"),
        charter: f.charter.replace("\r\n", "\n"),
        welcome: f.welcome.replace("\r\n", "\n"),
        theme: f.theme.clone(),
        territory: f.territory.clone(),
        visibility: visibility.unwrap_or(l.c.visibility),
        join_policy: join_policy.unwrap_or(l.c.join_policy),
    };
    let res = if errs.is_empty() {
        ops::update_settings(&state, &Actor::person(&user), &l, &s).await
    } else {
        Err(AppError::Invalid { fields: errs })
    };
    match res {
        Ok(()) => {
            ctx.flash("flash-community-settings-saved");
            Ok(ctx.redirect(&back))
        }
        Err(AppError::Invalid { fields }) => {
            if !l.manage(Some(&user)) {
                return Err(AppError::Forbidden);
            }
            let errors = field_errors(ctx.lang, &fields);
            let p = settings_page_view(&state, &ctx, &l, f, errors).await?;
            Ok(invalid(&ctx, &p))
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct TransferForm {
    csrf: String,
    user_id: String,
}

pub(super) async fn transfer_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<TransferForm>,
) -> AppResult<Response> {
    let back = format!("{}/settings", community_path(&slug));
    let user = signed_in!(ctx, &back);
    ctx.verify_csrf(&f.csrf)?;
    let l = load(&state, Some(&user), &slug).await?;
    let Ok(to) = f.user_id.trim().parse::<i64>() else {
        return Ok(refusal(
            &state,
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            "community-refusal-title",
            "community-error-not-member",
            (ctx.t("community-back"), back),
        ));
    };
    let res = ops::transfer(&state, &Actor::person(&user), &l, to).await;
    after(
        &state,
        &mut ctx,
        res,
        "flash-community-transferred",
        &l.c.path(),
    )
}

pub(super) async fn archive_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    let back = format!("{}/settings", community_path(&slug));
    let user = signed_in!(ctx, &back);
    ctx.verify_csrf(&f.csrf)?;
    let l = load(&state, Some(&user), &slug).await?;
    let res = ops::set_archived(&state, &Actor::person(&user), &l, true).await;
    after(
        &state,
        &mut ctx,
        res,
        "flash-community-archived",
        &l.c.path(),
    )
}

pub(super) async fn reopen_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    let back = format!("{}/settings", community_path(&slug));
    let user = signed_in!(ctx, &back);
    ctx.verify_csrf(&f.csrf)?;
    let l = load(&state, Some(&user), &slug).await?;
    let res = ops::set_archived(&state, &Actor::person(&user), &l, false).await;
    after(
        &state,
        &mut ctx,
        res,
        "flash-community-reopened",
        &l.c.path(),
    )
}

/// The community's archive for its owner (`portability::export`): built in
/// memory, then sent as a download (a community's text is small; its files
/// are what weighs, bounded by the space's quota).
pub(super) async fn export_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    let back = format!("{}/settings", community_path(&slug));
    let user = signed_in!(ctx, &back);
    ctx.verify_csrf(&f.csrf)?;
    let l = load(&state, Some(&user), &slug).await?;
    let mut out = Vec::new();
    crate::portability::export::write(&state, &Actor::person(&user), &l, &mut out).await?;
    let day = time::OffsetDateTime::now_utc().date();
    Ok(ctx.finish(crate::edge::download_response(
        &format!("communaute-{}-{day}.zip", l.c.slug),
        "application/zip",
        out,
    )))
}
