//! Profiles: validated changes to a person's public profile and avatar,
//! and the operations applying them for the acting person. Shared by every
//! channel (web settings page, JSON API). Profile edits are not audited
//! (nothing of the account's security changes).

use crate::accounts::{BIO_MAX, DISPLAY_NAME_MAX};
use crate::actor::Actor;
use crate::db::{Db, now};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::state::AppState;

/// Side of the stored avatar, in pixels.
pub const AVATAR_SIZE: u32 = 256;

/// Validated profile changes; `None` leaves a field as it is.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ProfileChanges {
    pub display_name: Option<String>,
    pub bio: Option<String>,
    pub locale: Option<String>,
    /// Other members may find the person in search.
    pub findable: Option<bool>,
}

/// Validate requested changes: (field, message key) pairs on refusal.
pub fn validate_profile(
    display_name: Option<&str>,
    bio: Option<&str>,
    locale: Option<&str>,
) -> Result<ProfileChanges, Vec<(String, String)>> {
    let mut fields = Vec::new();
    let mut refuse = |f: &str, k: &str| fields.push((f.to_string(), k.to_string()));
    let display_name = display_name.map(|d| d.trim().to_string());
    if let Some(d) = &display_name {
        if d.chars().count() > DISPLAY_NAME_MAX {
            refuse("display_name", "field-too-long");
        } else if d.chars().any(char::is_control) {
            refuse("display_name", "field-invalid");
        }
    }
    let bio = bio.map(|b| b.replace("\r\n", "\n").trim().to_string());
    if let Some(b) = &bio {
        if b.chars().count() > BIO_MAX {
            refuse("bio", "field-too-long");
        } else if b.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            refuse("bio", "field-invalid");
        }
    }
    if let Some(l) = locale
        && !Lang::ALL.iter().any(|x| x.code() == l)
    {
        refuse("locale", "field-invalid-choice");
    }
    if fields.is_empty() {
        Ok(ProfileChanges {
            display_name,
            bio,
            locale: locale.map(str::to_string),
            findable: None,
        })
    } else {
        Err(fields)
    }
}

/// Apply validated profile changes.
pub async fn update_profile(db: &Db, user_id: i64, c: &ProfileChanges) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE users SET display_name = COALESCE($1, display_name), bio = COALESCE($2, bio), \
         locale = COALESCE($3, locale), findable = COALESCE($4, findable) WHERE id = $5",
    )
    .bind(c.display_name.clone())
    .bind(c.bio.clone())
    .bind(c.locale.clone())
    .bind(c.findable.map(i64::from))
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    crate::search::index_one(&mut tx, db.backend, crate::search::Source::Members, user_id).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether the person chose to be findable in search.
pub async fn is_findable(db: &Db, user_id: i64) -> Result<bool, sqlx::Error> {
    let v: Option<i64> = sqlx::query_scalar("SELECT findable FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(v == Some(1))
}

/// Store a processed avatar (JPEG bytes from `images::make_avatar`), make it
/// the person's avatar and delete the previous one. Returns the media id.
pub async fn set_avatar(db: &Db, user_id: i64, jpeg: Vec<u8>) -> Result<i64, sqlx::Error> {
    let mut tx = db.begin().await?;
    // Lock the person's row first (PostgreSQL row lock, SQLite write lock) so
    // that the previous avatar read next is the one this change replaces.
    sqlx::query("UPDATE users SET avatar_id = avatar_id WHERE id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    let old: Option<i64> = sqlx::query_scalar("SELECT avatar_id FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO media (owner_id, content_type, bytes, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(user_id)
    .bind("image/jpeg")
    .bind(jpeg)
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("UPDATE users SET avatar_id = $1 WHERE id = $2")
        .bind(id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    if let Some(old) = old {
        sqlx::query("DELETE FROM media WHERE id = $1 AND owner_id = $2")
            .bind(old)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// Remove the person's avatar, if any. Returns whether there was one.
pub async fn remove_avatar(db: &Db, user_id: i64) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE users SET avatar_id = avatar_id WHERE id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    let old: Option<i64> = sqlx::query_scalar("SELECT avatar_id FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?
        .flatten();
    if let Some(old) = old {
        sqlx::query("UPDATE users SET avatar_id = NULL WHERE id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM media WHERE id = $1 AND owner_id = $2")
            .bind(old)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(old.is_some())
}

// ---- Operations ---------------------------------------------------------------

/// Change the acting person's profile (the settings page, `PATCH
/// /api/v1/me`): only a person editing their own account may. Nothing is
/// written when nothing changes.
pub async fn update(state: &AppState, actor: &Actor, c: &ProfileChanges) -> AppResult<()> {
    let user = crate::accounts::own(actor)?;
    if *c != ProfileChanges::default() {
        update_profile(&state.db, user.id, c).await?;
    }
    Ok(())
}

/// Make a processed avatar (JPEG from `images::make_avatar`) the acting
/// person's, replacing the previous one.
pub async fn replace_avatar(state: &AppState, actor: &Actor, jpeg: Vec<u8>) -> AppResult<()> {
    let user = crate::accounts::own(actor)?;
    set_avatar(&state.db, user.id, jpeg).await?;
    Ok(())
}

/// Remove the acting person's avatar, if any.
pub async fn drop_avatar(state: &AppState, actor: &Actor) -> AppResult<()> {
    let user = crate::accounts::own(actor)?;
    remove_avatar(&state.db, user.id).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_validation() {
        let ok = validate_profile(Some("  Marie  "), Some("a\r\nb "), Some("en")).expect("valid");
        assert_eq!(ok.display_name.as_deref(), Some("Marie"));
        assert_eq!(ok.bio.as_deref(), Some("a\nb"));
        assert_eq!(ok.locale.as_deref(), Some("en"));
        assert_eq!(
            validate_profile(None, None, None),
            Ok(ProfileChanges::default())
        );
        let long = "x".repeat(DISPLAY_NAME_MAX + 1);
        let bad = validate_profile(Some(&long), Some(&"é".repeat(BIO_MAX + 1)), Some("de"))
            .expect_err("invalid");
        let fields: Vec<&str> = bad.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["display_name", "bio", "locale"]);
        assert_eq!(bad[0].1, "field-too-long");
        assert!(validate_profile(Some("a\u{7}"), None, None).is_err());
        assert!(validate_profile(None, Some(&"é".repeat(BIO_MAX)), Some("fr-CA")).is_ok());
    }
}
