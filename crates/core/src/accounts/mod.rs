//! Accounts: people, their e-mail links, sessions and API tokens.
//! Domain operations over the database; no HTTP here.

pub mod email;
pub mod invitations;
pub mod ops;
pub mod passkeys;
pub mod password;
pub mod registrations;
pub mod second_factor;
pub mod sessions;
pub mod signin;
pub mod signup;
pub mod tokens;

use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::db::{Db, now};

pub const EMAIL_MAX: usize = 254;
pub const DISPLAY_NAME_MAX: usize = 80;
pub const BIO_MAX: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Active,
    Pending,
    Suspended,
}

impl Status {
    fn parse(s: &str) -> Status {
        match s {
            "pending" => Status::Pending,
            "suspended" => Status::Suspended,
            _ => Status::Active,
        }
    }
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Pending => "pending",
            Status::Suspended => "suspended",
        }
    }
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub domain: Option<String>,
    pub email: Option<String>,
    pub email_verified: bool,
    pub password_hash: Option<String>,
    pub display_name: String,
    pub bio: String,
    pub locale: String,
    pub avatar_id: Option<i64>,
    pub is_admin: bool,
    pub status: Status,
    pub status_reason: String,
    pub registration_note: String,
    pub created_at: i64,
    pub last_login_at: Option<i64>,
}

pub const USER_COLUMNS: &str = "u.id, u.username, u.domain, u.email, u.email_verified, u.password_hash, \
     u.display_name, u.bio, u.locale, u.avatar_id, u.is_admin, u.status, u.status_reason, \
     u.registration_note, u.created_at, u.last_login_at";

impl User {
    pub fn from_row(r: &AnyRow) -> Result<User, sqlx::Error> {
        Ok(User {
            id: r.try_get("id")?,
            username: r.try_get("username")?,
            domain: r.try_get("domain")?,
            email: r.try_get("email")?,
            email_verified: r.try_get::<i64, _>("email_verified")? != 0,
            password_hash: r.try_get("password_hash")?,
            display_name: r.try_get("display_name")?,
            bio: r.try_get("bio")?,
            locale: r.try_get("locale")?,
            avatar_id: r.try_get("avatar_id")?,
            is_admin: r.try_get::<i64, _>("is_admin")? != 0,
            status: Status::parse(&r.try_get::<String, _>("status")?),
            status_reason: r.try_get("status_reason")?,
            registration_note: r.try_get("registration_note")?,
            created_at: r.try_get("created_at")?,
            last_login_at: r.try_get("last_login_at")?,
        })
    }

    /// The name shown to people: display name, else username.
    pub fn shown_name(&self) -> &str {
        if self.display_name.trim().is_empty() {
            &self.username
        } else {
            &self.display_name
        }
    }

    pub fn lang(&self) -> crate::i18n::Lang {
        crate::i18n::Lang::from_code(&self.locale).unwrap_or_default()
    }

    pub fn avatar_url(&self) -> Option<String> {
        self.avatar_id
            .map(|m| crate::urls::avatar(&self.username, m))
    }

    /// Stable public URL of the person (their future ActivityPub id).
    pub fn path(&self) -> String {
        crate::urls::user(&self.username)
    }
}

/// A random token (URL-safe) and the hash stored in the database.
pub fn new_token() -> (String, String) {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_token(&token);
    (token, hash)
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A pragmatic address check: one '@', a non-empty local part, a dotted domain,
/// no spaces or control characters, within RFC 5321 length.
pub fn valid_email(email: &str) -> bool {
    let e = email.trim();
    if e.is_empty() || e.len() > EMAIL_MAX || e.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return false;
    }
    let Some((local, domain)) = e.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && !local.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '-')
}

/// An account read in the caller's transaction (one that must exist).
pub async fn by_id_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: i64,
) -> Result<User, sqlx::Error> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    User::from_row(&row)
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<User>, sqlx::Error> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| User::from_row(&r))
        .transpose()
}

/// Local account by username (case-insensitive) or e-mail.
pub async fn by_login(db: &Db, login: &str) -> Result<Option<User>, sqlx::Error> {
    let login = login.trim();
    if login.contains('@') {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.email_key = $1 AND u.domain IS NULL"
        );
        return sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(email_key(login))
            .fetch_optional(&db.pool)
            .await?
            .map(|r| User::from_row(&r))
            .transpose();
    }
    by_username(db, login).await
}

pub async fn by_username(db: &Db, name: &str) -> Result<Option<User>, sqlx::Error> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.username_key = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(crate::username::canonical(name))
        .fetch_optional(&db.pool)
        .await?
        .map(|r| User::from_row(&r))
        .transpose()
}

pub async fn count_users(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE domain IS NULL")
        .fetch_one(&db.pool)
        .await
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub password: &'a str,
    pub is_admin: bool,
    pub email_verified: bool,
    pub status: Status,
    pub locale: &'a str,
    pub registration_note: &'a str,
}

/// Why a new account was refused, as fluent message keys per field.
#[derive(Debug, Default)]
pub struct Refusal {
    pub fields: Vec<(&'static str, String)>,
}

impl Refusal {
    pub fn push(&mut self, field: &'static str, key: &str) {
        self.fields.push((field, key.to_string()));
    }
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("refused")]
    Refused(Refusal),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Validate and create a local account. Checks username rules, uniqueness,
/// look-alikes, e-mail, and password strength; hashes with Argon2id.
/// No policy, no audit: the operation creating accounts for every entry
/// point is `signup::create`; this is the storage step (and the tests').
pub async fn create_user(db: &Db, new: NewUser<'_>) -> Result<User, CreateError> {
    let username = check_new_user(db, &new).await?;
    let hash = signup_hash(new.password).await?;
    let mut tx = db.begin().await?;
    let id = insert_user_in(&mut tx, &new, &username, &hash).await?;
    tx.commit().await?;
    by_id(db, id)
        .await?
        .ok_or_else(|| CreateError::Other(anyhow::anyhow!("account {id} vanished after insert")))
}

async fn signup_hash(password: &str) -> Result<String, CreateError> {
    Ok(password::hash(password).await?)
}

/// The refusals of a new account (username rules, uniqueness, look-alikes,
/// e-mail, password strength), added to `refusal`; the cleaned username
/// when it is acceptable.
pub async fn check_new_user_into(
    db: &Db,
    new: &NewUser<'_>,
    refusal: &mut Refusal,
) -> Result<Option<String>, sqlx::Error> {
    let username = match crate::username::validate(new.username) {
        Ok(u) => Some(u),
        Err(e) => {
            refusal.push("username", e.message_key());
            None
        }
    };
    let email = new.email.trim();
    if !valid_email(email) {
        refusal.push("email", "email-invalid");
    }
    if let Err(e) = crate::password::check_strength(new.password, new.username, email) {
        refusal.push("password", e.message_key());
    }
    if let Some(name) = &username {
        let key = crate::username::canonical(name);
        let skeleton = crate::username::skeleton(name);
        let taken: Option<String> = sqlx::query_scalar(
            "SELECT username_key FROM users WHERE username_key = $1 OR username_skeleton = $2",
        )
        .bind(&key)
        .bind(&skeleton)
        .fetch_optional(&db.pool)
        .await?;
        match taken {
            Some(k) if k == key => refusal.push("username", "username-taken"),
            Some(_) => refusal.push("username", "username-lookalike"),
            None => {}
        }
    }
    if valid_email(email) {
        let used: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE email_key = $1")
            .bind(email_key(email))
            .fetch_optional(&db.pool)
            .await?;
        if used.is_some() {
            refusal.push("email", "email-taken");
        }
    }
    Ok(username)
}

async fn check_new_user(db: &Db, new: &NewUser<'_>) -> Result<String, CreateError> {
    let mut refusal = Refusal::default();
    let username = check_new_user_into(db, new, &mut refusal).await?;
    match username.filter(|_| refusal.is_empty()) {
        Some(u) => Ok(u),
        None => Err(CreateError::Refused(refusal)),
    }
}

/// The account row, in the caller's transaction: its id. Two sign-ups
/// racing for the same name or address: `Refused` (`username-taken`).
pub async fn insert_user_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    new: &NewUser<'_>,
    username: &str,
    hash: &str,
) -> Result<i64, CreateError> {
    let email = new.email.trim();
    let res = sqlx::query_scalar::<_, i64>(
        "INSERT INTO users (username, username_key, username_skeleton, email, email_key, \
         email_verified, password_hash, locale, is_admin, status, registration_note, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(username)
    .bind(crate::username::canonical(username))
    .bind(crate::username::skeleton(username))
    .bind(email)
    .bind(email_key(email))
    .bind(i64::from(new.email_verified))
    .bind(hash)
    .bind(new.locale)
    .bind(i64::from(new.is_admin))
    .bind(new.status.as_str())
    .bind(new.registration_note)
    .bind(now())
    .fetch_one(&mut **tx)
    .await;
    match res {
        Ok(id) => Ok(id),
        Err(e) if crate::db::is_unique_violation(&e) => {
            let mut r = Refusal::default();
            r.push("username", "username-taken");
            Err(CreateError::Refused(r))
        }
        Err(e) => Err(e.into()),
    }
}

/// Verify a password for a login; the same work is done when the account
/// does not exist, so timing does not reveal which accounts exist.
pub async fn check_password(user: Option<&User>, password: &str) -> bool {
    let phc = user
        .and_then(|u| u.password_hash.clone())
        .unwrap_or_else(|| crate::password::dummy_hash().to_string());
    let password = password.to_string();
    let ok = tokio::task::spawn_blocking(move || crate::password::verify(&password, &phc))
        .await
        .unwrap_or(false);
    ok && user.is_some_and(|u| u.password_hash.is_some())
}

pub async fn set_password(db: &Db, user_id: i64, password: &str) -> anyhow::Result<()> {
    let hash = password::hash(password).await?;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

// ---- One-time e-mail tokens ------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
    ChangeEmail,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify_email",
            Purpose::ResetPassword => "reset_password",
            Purpose::ChangeEmail => "change_email",
        }
    }
    pub fn lifetime_secs(self) -> i64 {
        match self {
            Purpose::VerifyEmail | Purpose::ChangeEmail => 3 * 24 * 3600,
            Purpose::ResetPassword => 3600,
        }
    }
}

/// Issue a one-time token; earlier unused tokens of the same purpose die.
pub async fn issue_token(
    db: &Db,
    user_id: i64,
    purpose: Purpose,
    data: &str,
) -> Result<String, sqlx::Error> {
    let (token, hash) = new_token();
    let t = now();
    sqlx::query("DELETE FROM user_tokens WHERE user_id = $1 AND purpose = $2")
        .bind(user_id)
        .bind(purpose.as_str())
        .execute(&db.pool)
        .await?;
    sqlx::query(
        "INSERT INTO user_tokens (token_hash, user_id, purpose, data, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(hash)
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(data)
    .bind(t)
    .bind(t + purpose.lifetime_secs())
    .execute(&db.pool)
    .await?;
    Ok(token)
}

/// A token that is valid now: (user id, data). Does not consume it.
pub async fn peek_token(
    db: &Db,
    token: &str,
    purpose: Purpose,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT user_id, data FROM user_tokens WHERE token_hash = $1 AND purpose = $2 \
         AND used_at IS NULL AND expires_at > $3",
    )
    .bind(hash_token(token))
    .bind(purpose.as_str())
    .bind(now())
    .fetch_optional(&db.pool)
    .await?;
    row.map(|r| Ok((r.try_get("user_id")?, r.try_get("data")?)))
        .transpose()
}

/// Consume a token atomically: only one caller ever gets it.
pub async fn consume_token(
    db: &Db,
    token: &str,
    purpose: Purpose,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    let row = sqlx::query(
        "UPDATE user_tokens SET used_at = $1 WHERE token_hash = $2 AND purpose = $3 \
         AND used_at IS NULL AND expires_at > $1 RETURNING user_id, data",
    )
    .bind(now())
    .bind(hash_token(token))
    .bind(purpose.as_str())
    .fetch_optional(&db.pool)
    .await?;
    row.map(|r| Ok((r.try_get("user_id")?, r.try_get("data")?)))
        .transpose()
}

// ---- Sessions ----------------------------------------------------------------

pub struct NewSession {
    pub token: String,
    pub csrf: String,
}

/// Start a session for a person who just authenticated with `amr` (RFC
/// 8176 values, space-separated: `sessions::amr`).
pub async fn create_session(
    db: &Db,
    user_id: i64,
    user_agent: &str,
    ip: &str,
    days: i64,
    amr: &str,
) -> Result<NewSession, sqlx::Error> {
    let (token, hash) = new_token();
    let (csrf, _) = new_token();
    let t = now();
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, csrf, user_agent, ip, created_at, last_seen_at, \
         expires_at, auth_time, amr) VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $6, $8)",
    )
    .bind(hash)
    .bind(user_id)
    .bind(&csrf)
    .bind(truncate(user_agent, 300))
    .bind(truncate(ip, 64))
    .bind(t)
    .bind(t + days * 86400)
    .bind(amr)
    .execute(&db.pool)
    .await?;
    sqlx::query("UPDATE users SET last_login_at = $1 WHERE id = $2")
        .bind(t)
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(NewSession { token, csrf })
}

pub async fn delete_session(db: &Db, id_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// End every session of a person, except `keep` (the current one) if given.
pub async fn delete_sessions(
    db: &Db,
    user_id: i64,
    keep: Option<&str>,
) -> Result<u64, sqlx::Error> {
    let res = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
        .bind(user_id)
        .bind(keep.unwrap_or(""))
        .execute(&db.pool)
        .await?;
    Ok(res.rows_affected())
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct SessionInfo {
    /// A short public handle (first 12 hex chars of the stored hash).
    pub handle: String,
    pub user_agent: String,
    pub ip: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub current: bool,
}

pub async fn list_sessions(
    db: &Db,
    user_id: i64,
    current_hash: Option<&str>,
) -> Result<Vec<SessionInfo>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id_hash, user_agent, ip, created_at, last_seen_at FROM sessions \
         WHERE user_id = $1 AND expires_at > $2 ORDER BY last_seen_at DESC",
    )
    .bind(user_id)
    .bind(now())
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let id_hash: String = r.try_get("id_hash")?;
            Ok(SessionInfo {
                handle: id_hash.chars().take(12).collect(),
                current: current_hash == Some(id_hash.as_str()),
                user_agent: r.try_get("user_agent")?,
                ip: r.try_get("ip")?,
                created_at: r.try_get("created_at")?,
                last_seen_at: r.try_get("last_seen_at")?,
            })
        })
        .collect()
}

/// Revoke one of a person's sessions by its public handle.
pub async fn revoke_session_by_handle(
    db: &Db,
    user_id: i64,
    handle: &str,
) -> Result<bool, sqlx::Error> {
    if handle.len() != 12 || !handle.chars().all(|c| c.is_ascii_hexdigit()) {
        return Ok(false);
    }
    let pattern = format!("{handle}%");
    let res = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash LIKE $2")
        .bind(user_id)
        .bind(pattern)
        .execute(&db.pool)
        .await?;
    Ok(res.rows_affected() > 0)
}

// ---- Audit -------------------------------------------------------------------

pub async fn audit(
    db: &Db,
    actor: Option<i64>,
    action: &str,
    target: Option<i64>,
    detail: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (actor_id, action, target_user_id, detail, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(actor)
    .bind(action)
    .bind(target)
    .bind(truncate(detail, 1000))
    .bind(now())
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub fn truncate(s: &str, max_chars: usize) -> String {
    s.chars().take(max_chars).collect()
}

/// Operation: the acting person's interface language (e-mails follow it).
/// Nothing to keep for the instance itself.
pub async fn set_locale(
    db: &Db,
    actor: &crate::actor::Actor,
    lang: crate::i18n::Lang,
) -> Result<(), sqlx::Error> {
    if let Some(u) = actor.user() {
        sqlx::query("UPDATE users SET locale = $1 WHERE id = $2")
            .bind(lang.code())
            .bind(u.id)
            .execute(&db.pool)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert!(valid_email("marie@exemple.qc.ca"));
        assert!(valid_email("jean-françois@coop.québec"));
        for bad in [
            "", "a", "a@b", "@x.ca", "a b@x.ca", "a@x..ca", "a@.x.ca", "a@x.ca.", "a@<x>.ca",
        ] {
            assert!(!valid_email(bad), "{bad}");
        }
        assert!(!valid_email(&format!("{}@x.ca", "a".repeat(70))));
    }

    #[test]
    fn tokens_hash_consistently() {
        let (t, h) = new_token();
        assert_eq!(hash_token(&t), h);
        assert!(t.len() >= 43);
        assert_ne!(new_token().0, t);
    }
}

/// Whether the instance has an active administrator (the home page offers
/// the first-administrator setup until it does).
pub async fn admin_exists(db: &Db) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT 1 FROM users WHERE is_admin = 1 AND status = 'active' LIMIT 1) a",
    )
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}

/// The person acting on their own account (settings pages, `/api/v1/me/…`):
/// a person the policy lets edit their account (active, local). Anyone
/// else — the instance itself, a suspended or pending account — is
/// `Forbidden`.
pub fn own(actor: &crate::actor::Actor) -> crate::error::AppResult<&User> {
    match actor.user() {
        Some(u) if actor.may(crate::policy::Action::EditAccount { target: u }) => Ok(u),
        _ => Err(crate::error::AppError::Forbidden),
    }
}
