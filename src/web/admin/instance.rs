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
    let mut errors = FieldErrors::default();
    let name = f.name.trim();
    if name.is_empty() {
        errors.add(ctx.lang, "name", "admin-settings-name-required");
    } else if name.chars().count() > settings::NAME_MAX {
        errors.add(ctx.lang, "name", "field-too-long");
    }
    if f.description.trim().chars().count() > settings::DESCRIPTION_MAX {
        errors.add(ctx.lang, "description", "field-too-long");
    }
    if f.charter.trim().chars().count() > settings::CHARTER_MAX {
        errors.add(ctx.lang, "charter", "field-too-long");
    }
    let contact = f.contact_email.trim();
    if !contact.is_empty() && !accounts::valid_email(contact) {
        errors.add(ctx.lang, "contact_email", "email-invalid");
    }
    let mode = RegistrationMode::parse(&f.registration_mode);
    if mode.is_none() {
        errors.add(
            ctx.lang,
            "registration_mode",
            "admin-settings-mode-required",
        );
    }
    // Requiring a second factor of administrators: not before having one
    // oneself, or one would lock oneself out of this very page.
    let require_2fa = f.require_admin_second_factor == "1";
    if require_2fa && !crate::totp::has_second_factor(&state.db, me.id).await? {
        errors.add(
            ctx.lang,
            "require_admin_second_factor",
            "admin-require-second-factor-self",
        );
    }
    let Some(mode) = mode.filter(|_| errors.is_empty()) else {
        return Ok(invalid(&ctx, &settings_page(&state, &ctx, f, errors)));
    };
    let new = InstanceSettings {
        name: name.to_string(),
        description: f.description.trim().to_string(),
        charter: f.charter.trim().to_string(),
        contact_email: contact.to_string(),
        registration_mode: mode,
        require_admin_second_factor: require_2fa,
    };
    settings::save(&state.db, &new).await?;
    state.set_instance_cache(new);
    accounts::audit(
        &state.db,
        Some(me.id),
        "settings_changed",
        None,
        &format!(
            "registration_mode={} require_admin_second_factor={}",
            mode.as_str(),
            require_2fa
        ),
    )
    .await?;
    ctx.flash("flash-admin-settings-saved");
    Ok(ctx.redirect("/admin/settings"))
}
