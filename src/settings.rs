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
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
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
