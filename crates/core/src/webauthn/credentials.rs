//! Stored passkeys (one row per credential) and the per-account user handle.

use super::*;
use rand::RngCore;
use sqlx::Row;

use crate::db::{Db, now};

#[derive(Debug, Clone)]
pub struct Passkey {
    pub id: i64,
    pub user_id: i64,
    /// base64url
    pub credential_id: String,
    /// COSE_Key, base64url
    pub public_key: String,
    pub alg: i64,
    pub sign_count: i64,
    pub transports: String,
    pub name: String,
    pub backup_eligible: bool,
    pub clone_warning: bool,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

const COLUMNS: &str = "id, user_id, credential_id, public_key, alg, sign_count, transports, name, \
                       backup_eligible, clone_warning, created_at, last_used_at";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Passkey, sqlx::Error> {
    Ok(Passkey {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        credential_id: r.try_get("credential_id")?,
        public_key: r.try_get("public_key")?,
        alg: r.try_get("alg")?,
        sign_count: r.try_get("sign_count")?,
        transports: r.try_get("transports")?,
        name: r.try_get("name")?,
        backup_eligible: r.try_get::<i64, _>("backup_eligible")? != 0,
        clone_warning: r.try_get::<i64, _>("clone_warning")? != 0,
        created_at: r.try_get("created_at")?,
        last_used_at: r.try_get("last_used_at")?,
    })
}

pub async fn list(db: &Db, user_id: i64) -> Result<Vec<Passkey>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM passkeys WHERE user_id = $1 ORDER BY created_at, id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(user_id)
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn count(db: &Db, user_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM passkeys WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(&db.pool)
        .await
}

pub async fn has_passkey(db: &Db, user_id: i64) -> Result<bool, sqlx::Error> {
    Ok(count(db, user_id).await? > 0)
}

pub async fn by_credential_id(
    db: &Db,
    credential_id: &str,
) -> Result<Option<Passkey>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM passkeys WHERE credential_id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(credential_id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Store a verified credential. `Ok(None)` when its id is already known
/// (to anyone: credential ids are unique).
pub async fn insert(
    db: &Db,
    user_id: i64,
    c: &NewCredential,
    transports: &str,
    name: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let mut tx = db.begin().await?;
    let id = insert_in(&mut tx, user_id, c, transports, name).await?;
    tx.commit().await?;
    Ok(id)
}

/// `insert` in the caller's transaction (`None`: already registered).
pub async fn insert_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    user_id: i64,
    c: &NewCredential,
    transports: &str,
    name: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let res = sqlx::query_scalar(
        "INSERT INTO passkeys (user_id, credential_id, public_key, alg, sign_count, transports, name, \
         aaguid, backup_eligible, clone_warning, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10) RETURNING id",
    )
    .bind(user_id)
    .bind(b64(&c.credential_id))
    .bind(b64(&c.public_key))
    .bind(c.alg)
    .bind(c.sign_count as i64)
    .bind(transports)
    .bind(name)
    .bind(hex::encode(c.aaguid))
    .bind(c.backup_eligible as i64)
    .bind(now())
    .fetch_one(&mut **tx)
    .await;
    match res {
        Ok(id) => Ok(Some(id)),
        Err(e) if crate::db::is_unique_violation(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

pub async fn rename(db: &Db, user_id: i64, id: i64, name: &str) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    let done = rename_in(&mut tx, user_id, id, name).await?;
    tx.commit().await?;
    Ok(done)
}

/// `rename` in the caller's transaction.
pub async fn rename_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    user_id: i64,
    id: i64,
    name: &str,
) -> Result<bool, sqlx::Error> {
    Ok(
        sqlx::query("UPDATE passkeys SET name = $1 WHERE id = $2 AND user_id = $3")
            .bind(name)
            .bind(id)
            .bind(user_id)
            .execute(&mut **tx)
            .await?
            .rows_affected()
            == 1,
    )
}

pub async fn remove(db: &Db, user_id: i64, id: i64) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    let done = remove_in(&mut tx, user_id, id).await?;
    tx.commit().await?;
    Ok(done)
}

/// `remove` in the caller's transaction.
pub async fn remove_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    user_id: i64,
    id: i64,
) -> Result<bool, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM passkeys WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .execute(&mut **tx)
            .await?
            .rows_affected()
            == 1,
    )
}

/// Record a use with its new counter — only if the counter is still the
/// one the assertion was checked against (two racing uses cannot both win).
pub async fn record_use(db: &Db, id: i64, old: i64, new: u32) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE passkeys SET sign_count = $1, last_used_at = $2 WHERE id = $3 AND sign_count = $4",
    )
    .bind(new as i64)
    .bind(now())
    .bind(id)
    .bind(old)
    .execute(&db.pool)
    .await?
    .rows_affected()
        == 1)
}

pub async fn flag_clone(db: &Db, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE passkeys SET clone_warning = 1 WHERE id = $1")
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The person's WebAuthn user handle (random, base64url), made on first use.
pub async fn user_handle(db: &Db, user_id: i64) -> Result<String, sqlx::Error> {
    let mut h = [0u8; 32];
    rand::rng().fill_bytes(&mut h);
    sqlx::query(
        "INSERT INTO passkey_handles (user_id, handle) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING",
    )
    .bind(user_id)
    .bind(b64(&h))
    .execute(&db.pool)
    .await?;
    sqlx::query_scalar("SELECT handle FROM passkey_handles WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(&db.pool)
        .await
}

pub async fn user_by_handle(db: &Db, handle: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT user_id FROM passkey_handles WHERE handle = $1")
        .bind(handle)
        .fetch_optional(&db.pool)
        .await
}
