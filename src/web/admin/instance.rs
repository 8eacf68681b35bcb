//! Instance settings (`/admin/settings`).

use super::*;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct SettingsForm {
    csrf: String,
    name: String,
    description: String,
    charter: String,
    contact_email: String,
    registration_mode: String,
    require_admin_second_factor: String,
}

pub struct ModeChoice {
    pub value: &'static str,
    pub label: String,
    pub hint: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "admin_settings.html")]
pub(super) struct SettingsPage {
    s: Shell,
    nav: Vec<NavItem>,
    form: SettingsForm,
    errors: FieldErrors,
    modes: Vec<ModeChoice>,
}

pub(super) fn settings_page(
    state: &AppState,
    ctx: &Ctx,
    form: SettingsForm,
    errors: FieldErrors,
) -> SettingsPage {
    let modes = RegistrationMode::ALL
        .iter()
        .map(|m| ModeChoice {
            value: m.as_str(),
            label: ctx.t(mode_label_key(*m)),
            hint: ctx.t(mode_hint_key(*m)),
            checked: form.registration_mode == m.as_str(),
        })
        .collect();
    SettingsPage {
        s: shell(state, ctx, "/admin/settings", None),
        nav: admin_nav(ctx.lang, "/admin/settings"),
        form,
        errors,
        modes,
    }
}

pub(super) async fn settings_form(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    admin!(ctx);
    let inst = settings::load(&state.db).await?;
    let form = SettingsForm {
        csrf: String::new(),
        name: inst.name,
        description: inst.description,
        charter: inst.charter,
        contact_email: inst.contact_email,
        registration_mode: inst.registration_mode.as_str().to_string(),
        require_admin_second_factor: if inst.require_admin_second_factor {
            "1".into()
        } else {
            String::new()
        },
    };
    Ok(page(
        &ctx,
        &settings_page(&state, &ctx, form, FieldErrors::default()),
    ))
}

pub(super) async fn settings_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<SettingsForm>,
) -> AppResult<Response> {
    let me = admin!(ctx, "/admin/settings");
    ctx.verify_csrf(&f.csrf)?;
    let input = settings::Input {
        name: f.name.clone(),
        description: f.description.clone(),
        charter: f.charter.clone(),
        contact_email: f.contact_email.clone(),
        registration_mode: f.registration_mode.clone(),
        require_admin_second_factor: f.require_admin_second_factor == "1",
    };
    match settings::update(&state, &Actor::person(&me), &input).await {
        Ok(_) => {}
        Err(AppError::Invalid { fields }) => {
            let mut errors = FieldErrors::default();
            for (field, key) in fields {
                errors.add(ctx.lang, &field, &key);
            }
            return Ok(invalid(&ctx, &settings_page(&state, &ctx, f, errors)));
        }
        Err(e) => return Err(e),
    }
    ctx.flash("flash-admin-settings-saved");
    Ok(ctx.redirect("/admin/settings"))
}
