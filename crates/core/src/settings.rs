//! Instance settings chosen by administrators, stored in the `settings` table.

use std::collections::HashMap;

use crate::db::Db;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RegistrationMode {
    /// Anyone may sign up.
    Open,
    /// Sign-ups wait for an administrator.
    Approval,
    /// Only people holding an invitation may sign up.
    Invitation,
    /// Nobody may sign up.
    Closed,
}

impl RegistrationMode {
    pub const ALL: [RegistrationMode; 4] = [
        RegistrationMode::Open,
        RegistrationMode::Approval,
        RegistrationMode::Invitation,
        RegistrationMode::Closed,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationMode::Open => "open",
            RegistrationMode::Approval => "approval",
            RegistrationMode::Invitation => "invitation",
            RegistrationMode::Closed => "closed",
        }
    }
    pub fn parse(s: &str) -> Option<RegistrationMode> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct InstanceSettings {
    pub name: String,
    pub description: String,
    pub charter: String,
    pub contact_email: String,
    pub registration_mode: RegistrationMode,
    /// Administrators must have a second factor to use their powers
    /// (`totp::admin_powers_withheld`).
    pub require_admin_second_factor: bool,
}

pub const NAME_MAX: usize = 80;
pub const DESCRIPTION_MAX: usize = 2000;
pub const CHARTER_MAX: usize = 20000;

impl Default for InstanceSettings {
    fn default() -> Self {
        InstanceSettings {
            name: "Passerelles".into(),
            description: String::new(),
            charter: String::new(),
            contact_email: String::new(),
            registration_mode: RegistrationMode::Open,
            require_admin_second_factor: false,
        }
    }
}

pub async fn load(db: &Db) -> Result<InstanceSettings, sqlx::Error> {
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT key, value FROM settings")
        .fetch_all(&db.pool)
        .await?;
    let map: HashMap<String, String> = rows.into_iter().collect();
    let d = InstanceSettings::default();
    Ok(InstanceSettings {
        name: map
            .get("name")
            .cloned()
            .filter(|s| !s.is_empty())
            .unwrap_or(d.name),
        description: map.get("description").cloned().unwrap_or(d.description),
        charter: map.get("charter").cloned().unwrap_or(d.charter),
        contact_email: map.get("contact_email").cloned().unwrap_or(d.contact_email),
        registration_mode: map
            .get("registration_mode")
            .and_then(|m| RegistrationMode::parse(m))
            .unwrap_or(d.registration_mode),
        require_admin_second_factor: map
            .get(REQUIRE_ADMIN_SECOND_FACTOR)
            .is_some_and(|v| v == "1"),
    })
}

const REQUIRE_ADMIN_SECOND_FACTOR: &str = "require_admin_second_factor";

/// Whether administrators must have a second factor (read from the
/// database every time: it decides something).
pub async fn admin_second_factor_required(db: &Db) -> Result<bool, sqlx::Error> {
    Ok(get_raw(db, REQUIRE_ADMIN_SECOND_FACTOR).await?.as_deref() == Some("1"))
}

pub async fn save(db: &Db, s: &InstanceSettings) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    save_in(&mut tx, s).await?;
    tx.commit().await
}

/// The settings' rows, in the caller's transaction.
async fn save_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    s: &InstanceSettings,
) -> Result<(), sqlx::Error> {
    for (k, v) in [
        ("name", s.name.as_str()),
        ("description", s.description.as_str()),
        ("charter", s.charter.as_str()),
        ("contact_email", s.contact_email.as_str()),
        ("registration_mode", s.registration_mode.as_str()),
        (
            REQUIRE_ADMIN_SECOND_FACTOR,
            if s.require_admin_second_factor {
                "1"
            } else {
                "0"
            },
        ),
    ] {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(k)
        .bind(v)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The instance settings as typed in the form (or given by another entry
/// point), before validation.
#[derive(Debug, Clone, Default)]
pub struct Input {
    pub name: String,
    pub description: String,
    pub charter: String,
    pub contact_email: String,
    pub registration_mode: String,
    pub require_admin_second_factor: bool,
}

/// Operation: change the instance settings (administrators, or the
/// instance itself). Field errors come back as `AppError::Invalid` with
/// message keys; the settings and their audit entry are one transaction.
/// A person cannot require a second factor of administrators before having
/// one (they would lock themselves out of the page that turns it off).
pub async fn update(
    state: &crate::state::AppState,
    actor: &crate::actor::Actor,
    f: &Input,
) -> crate::error::AppResult<InstanceSettings> {
    use crate::error::AppError;
    if !actor.may(crate::policy::Action::Administer) {
        return Err(AppError::Forbidden);
    }
    let mut errs: Vec<(String, String)> = Vec::new();
    let mut bad = |f: &str, k: &str| errs.push((f.to_string(), k.to_string()));
    let name = f.name.trim();
    if name.is_empty() {
        bad("name", "admin-settings-name-required");
    } else if name.chars().count() > NAME_MAX {
        bad("name", "field-too-long");
    }
    if f.description.trim().chars().count() > DESCRIPTION_MAX {
        bad("description", "field-too-long");
    }
    if f.charter.trim().chars().count() > CHARTER_MAX {
        bad("charter", "field-too-long");
    }
    let contact = f.contact_email.trim();
    if !contact.is_empty() && !crate::accounts::valid_email(contact) {
        bad("contact_email", "email-invalid");
    }
    let mode = RegistrationMode::parse(&f.registration_mode);
    if mode.is_none() {
        bad("registration_mode", "admin-settings-mode-required");
    }
    if f.require_admin_second_factor
        && let Some(u) = actor.user()
        && !crate::totp::has_second_factor(&state.db, u.id).await?
    {
        bad(
            "require_admin_second_factor",
            "admin-require-second-factor-self",
        );
    }
    let Some(mode) = mode.filter(|_| errs.is_empty()) else {
        return Err(AppError::Invalid { fields: errs });
    };
    let new = InstanceSettings {
        name: name.to_string(),
        description: f.description.trim().to_string(),
        charter: f.charter.trim().to_string(),
        contact_email: contact.to_string(),
        registration_mode: mode,
        require_admin_second_factor: f.require_admin_second_factor,
    };
    let mut tx = state.db.begin().await?;
    save_in(&mut tx, &new).await?;
    crate::accounts::ops::audit_in(
        &mut tx,
        actor,
        "settings_changed",
        None,
        &format!(
            "registration_mode={} require_admin_second_factor={}",
            mode.as_str(),
            f.require_admin_second_factor
        ),
    )
    .await?;
    tx.commit().await?;
    state.set_instance_cache(new.clone());
    Ok(new)
}

pub async fn get_raw(db: &Db, key: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(key)
        .fetch_optional(&db.pool)
        .await
}

pub async fn set_raw(db: &Db, key: &str, value: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn delete_raw(db: &Db, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM settings WHERE key = $1")
        .bind(key)
        .execute(&db.pool)
        .await?;
    Ok(())
}
