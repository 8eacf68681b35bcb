//! Personal access tokens: storage, authentication of a secret, and the
//! operations creating and revoking them (shared by the settings page and
//! the `/api/v1/me/tokens` endpoints).
//!
//! A token is `pat_` followed by 43 URL-safe characters (32 random bytes).
//! Only its SHA-256 (`accounts::hash_token` of the whole secret) and a
//! display prefix (the 8 characters after `pat_`) are stored.
//!
//! **Scopes.** A token reads (`read`, the default of new tokens: safe
//! methods only), writes (`write`: whatever its owner may do as a member),
//! or also administers (`admin`: an administrator's powers, given only to
//! administrators' tokens). A token never acts with more than its scope:
//! below `admin`, an administrator's token acts as a member's (the API's
//! bearer extractor clears `is_admin` for the request, as for an
//! administrator without the second factor the instance requires).
//! **Tokens cannot make tokens**: they are made on the settings page,
//! signed in, never with a token.

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::ops::audit_in;
use super::own;
use crate::accounts::{self, Status, User};
use crate::actor::Actor;
use crate::db::{Db, now};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub const SECRET_PREFIX: &str = "pat_";
/// Length of the random part of a secret (base64url of 32 bytes).
const SECRET_BODY_LEN: usize = 43;
/// Length of the stored display prefix.
pub const DISPLAY_PREFIX_LEN: usize = 8;
pub const NAME_MAX: usize = 80;
pub const EXPIRES_DAYS_MAX: i64 = 3650;
/// `last_used_at` is written at most this often per token.
const TOUCH_EVERY_SECS: i64 = 60;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Scope {
    /// Read what its owner may read (GET, HEAD, OPTIONS).
    #[default]
    Read,
    /// Also change things, as its owner may as a member.
    Write,
    /// Also an administrator's powers (administrators' tokens only).
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Read, Scope::Write, Scope::Admin];

    pub fn parse(s: &str) -> Option<Scope> {
        match s.trim() {
            "read" => Some(Scope::Read),
            "write" => Some(Scope::Write),
            "admin" => Some(Scope::Admin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Admin => "admin",
        }
    }

    /// Whether a request with this HTTP method needs more than reading.
    pub fn allows_method(self, method: &str) -> bool {
        self >= Scope::Write || matches!(method, "GET" | "HEAD" | "OPTIONS")
    }
}

/// A token as stored, without its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    /// The 8 characters after `pat_`.
    pub prefix: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub expires_at: Option<i64>,
    pub scope: Scope,
}

impl ApiToken {
    fn from_row(r: &AnyRow) -> Result<ApiToken, sqlx::Error> {
        Ok(ApiToken {
            id: r.try_get("id")?,
            user_id: r.try_get("user_id")?,
            name: r.try_get("name")?,
            prefix: r.try_get("prefix")?,
            created_at: r.try_get("created_at")?,
            last_used_at: r.try_get("last_used_at")?,
            expires_at: r.try_get("expires_at")?,
            // An unknown value (written by a later version) reads least.
            scope: Scope::parse(&r.try_get::<String, _>("scope")?).unwrap_or_default(),
        })
    }

    pub fn is_expired(&self, at: i64) -> bool {
        self.expires_at.is_some_and(|e| e <= at)
    }
}

/// Check a token name: trimmed, 1 to `NAME_MAX` characters, no control
/// characters. Returns the cleaned name or a message key.
pub fn check_name(name: &str) -> Result<String, &'static str> {
    let name = name.trim();
    if name.is_empty() {
        Err("field-required")
    } else if name.chars().count() > NAME_MAX {
        Err("field-too-long")
    } else if name.chars().any(char::is_control) {
        Err("field-invalid")
    } else {
        Ok(name.to_string())
    }
}

/// Create a token with every power its owner has (`Scope::Admin`: for an
/// account that is not an administrator, the same as `Scope::Write`) —
/// for tools and tests; people make theirs through [`create`]. Returns its
/// id and the secret (shown once, never stored). `name` should have passed
/// `check_name` (it is truncated to `NAME_MAX` characters regardless);
/// `expires_at` is Unix seconds, `None` for never.
pub async fn create_token(
    db: &Db,
    user_id: i64,
    name: &str,
    expires_at: Option<i64>,
) -> Result<(i64, String), sqlx::Error> {
    create_token_scoped(db, user_id, name, expires_at, Scope::Admin).await
}

/// [`create_token`] with a given scope.
pub async fn create_token_scoped(
    db: &Db,
    user_id: i64,
    name: &str,
    expires_at: Option<i64>,
    scope: Scope,
) -> Result<(i64, String), sqlx::Error> {
    let mut tx = db.begin().await?;
    let made = insert_token(&mut tx, user_id, name, expires_at, scope).await?;
    tx.commit().await?;
    Ok(made)
}

/// The row of a new token, in the caller's transaction: (id, secret).
async fn insert_token(
    tx: &mut Transaction<'static, Any>,
    user_id: i64,
    name: &str,
    expires_at: Option<i64>,
    scope: Scope,
) -> Result<(i64, String), sqlx::Error> {
    let (random, _) = accounts::new_token();
    let secret = format!("{SECRET_PREFIX}{random}");
    let prefix: String = random.chars().take(DISPLAY_PREFIX_LEN).collect();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at, expires_at, scope) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(user_id)
    .bind(accounts::truncate(name.trim(), NAME_MAX))
    .bind(accounts::hash_token(&secret))
    .bind(prefix)
    .bind(now())
    .bind(expires_at)
    .bind(scope.as_str())
    .fetch_one(&mut **tx)
    .await?;
    Ok((id, secret))
}

const TOKEN_COLUMNS: &str =
    "id, user_id, name, prefix, created_at, last_used_at, expires_at, scope";

/// A person's tokens that are not revoked (expired ones included, so they
/// can be seen and deleted), newest first.
pub async fn list_tokens(db: &Db, user_id: i64) -> Result<Vec<ApiToken>, sqlx::Error> {
    let sql = format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL \
         ORDER BY created_at DESC, id DESC"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(user_id)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(ApiToken::from_row)
        .collect()
}

/// One of a person's tokens, unless revoked.
pub async fn get_token(
    db: &Db,
    user_id: i64,
    token_id: i64,
) -> Result<Option<ApiToken>, sqlx::Error> {
    let sql = format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(token_id)
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| ApiToken::from_row(&r))
        .transpose()
}

/// Revoke one of a person's tokens. `false` if it does not exist, belongs to
/// someone else or is already revoked.
pub async fn revoke_token(db: &Db, user_id: i64, token_id: i64) -> Result<bool, sqlx::Error> {
    let res = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
    )
    .bind(now())
    .bind(token_id)
    .bind(user_id)
    .execute(&db.pool)
    .await?;
    Ok(res.rows_affected() > 0)
}

/// Revoke every token of a person (e.g. on suspension or password reset);
/// returns how many were revoked.
pub async fn revoke_all_tokens(db: &Db, user_id: i64) -> Result<u64, sqlx::Error> {
    let res = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
    )
    .bind(now())
    .bind(user_id)
    .execute(&db.pool)
    .await?;
    Ok(res.rows_affected())
}

/// Revoke every token of a person in the caller's transaction (a
/// password changed or reset with "revoke my tokens"); how many.
pub async fn revoke_all_in(
    tx: &mut Transaction<'static, Any>,
    user_id: i64,
) -> Result<u64, sqlx::Error> {
    let res = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
    )
    .bind(now())
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    Ok(res.rows_affected())
}

/// How many tokens of a person still work (not revoked, not expired).
pub async fn count_active(db: &Db, user_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL \
         AND (expires_at IS NULL OR expires_at > $2)",
    )
    .bind(user_id)
    .bind(now())
    .fetch_one(&db.pool)
    .await
}

/// Does this look like one of our secrets? (Saves a query on garbage.)
fn well_formed(secret: &str) -> bool {
    secret.strip_prefix(SECRET_PREFIX).is_some_and(|body| {
        body.len() == SECRET_BODY_LEN
            && body
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// The owner of a valid secret and the token's scope: known, not revoked,
/// not expired. The owner's account status is NOT checked here (callers
/// decide, through `crate::policy`), nor is the scope applied (callers
/// clear `is_admin` below `Scope::Admin` and refuse writes to `Read`);
/// `last_used_at` is updated, at most once a minute, only for active
/// accounts.
pub async fn authenticate(db: &Db, secret: &str) -> Result<Option<(User, Scope)>, sqlx::Error> {
    if !well_formed(secret) {
        return Ok(None);
    }
    let sql = format!(
        "SELECT t.id AS t_id, t.last_used_at AS t_used, t.expires_at AS t_expires, \
         t.revoked_at AS t_revoked, t.scope AS t_scope, {} \
         FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
        accounts::USER_COLUMNS
    );
    let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(accounts::hash_token(secret))
        .fetch_optional(&db.pool)
        .await?
    else {
        return Ok(None);
    };
    let t = now();
    let revoked: Option<i64> = row.try_get("t_revoked")?;
    let expires: Option<i64> = row.try_get("t_expires")?;
    if revoked.is_some() || expires.is_some_and(|e| e <= t) {
        return Ok(None);
    }
    let user = User::from_row(&row)?;
    let scope = Scope::parse(&row.try_get::<String, _>("t_scope")?).unwrap_or_default();
    let used: Option<i64> = row.try_get("t_used")?;
    if user.status == Status::Active && used.is_none_or(|u| t - u >= TOUCH_EVERY_SECS) {
        let id: i64 = row.try_get("t_id")?;
        // Conditional, so concurrent requests write once.
        sqlx::query(
            "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 \
             AND (last_used_at IS NULL OR last_used_at <= $3)",
        )
        .bind(t)
        .bind(id)
        .bind(t - TOUCH_EVERY_SECS)
        .execute(&db.pool)
        .await?;
    }
    Ok(Some((user, scope)))
}

// ---- Operations ----------------------------------------------------------------

/// Create a personal access token for the acting person (the settings
/// page, signed in: a token never makes tokens). `expires_in_days`: 1 to
/// `EXPIRES_DAYS_MAX`, `None` for never; `scope`: `Admin` only for an
/// administrator. Refusals: `Invalid` on `name` (`check_name`'s keys),
/// `expires_in_days` (`field-out-of-range`) or `scope`
/// (`token-scope-admin-only`). The token, its audit entry and nothing else
/// are written, in one transaction. Returns the stored token and its
/// secret (shown once, never stored).
pub async fn create(
    state: &AppState,
    actor: &Actor,
    name: &str,
    expires_in_days: Option<i64>,
    scope: Scope,
) -> AppResult<(ApiToken, String)> {
    let user = own(actor)?;
    let mut fields = Vec::new();
    if scope == Scope::Admin && !user.is_admin {
        fields.push(("scope".to_string(), "token-scope-admin-only".to_string()));
    }
    let name = check_name(name)
        .map_err(|k| fields.push(("name".to_string(), k.to_string())))
        .ok();
    if let Some(days) = expires_in_days
        && !(1..=EXPIRES_DAYS_MAX).contains(&days)
    {
        fields.push(("expires_in_days".into(), "field-out-of-range".into()));
    }
    let Some(name) = name.filter(|_| fields.is_empty()) else {
        return Err(AppError::Invalid { fields });
    };
    let expires_at = expires_in_days.map(|d| now() + d * 86400);
    let mut tx = state.db.begin().await?;
    let (id, secret) = insert_token(&mut tx, user.id, &name, expires_at, scope).await?;
    audit_in(
        &mut tx,
        actor,
        "api_token_created",
        Some(user.id),
        &format!("{name} ({})", scope.as_str()),
    )
    .await?;
    tx.commit().await?;
    let token = get_token(&state.db, user.id, id)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("token {id} vanished after insert")))?;
    Ok((token, secret))
}

/// Revoke one of the acting person's tokens (settings page and
/// `DELETE /api/v1/me/tokens/{id}`); it stops working at once. `NotFound`
/// when it does not exist, is someone else's or is already revoked.
pub async fn revoke(state: &AppState, actor: &Actor, token_id: i64) -> AppResult<()> {
    let user = own(actor)?;
    let mut tx = state.db.begin().await?;
    let res = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
    )
    .bind(now())
    .bind(token_id)
    .bind(user.id)
    .execute(&mut *tx)
    .await?;
    if res.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    audit_in(
        &mut tx,
        actor,
        "api_token_revoked",
        Some(user.id),
        &token_id.to_string(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_shape() {
        assert!(well_formed(&format!("pat_{}", "a".repeat(43))));
        assert!(well_formed(&format!("pat_{}", "A-_9".repeat(10) + "abc")));
        assert!(!well_formed(&"a".repeat(47)));
        assert!(!well_formed(&format!("pat_{}", "a".repeat(42))));
        assert!(!well_formed(&format!("pat_{}", "a".repeat(42) + "=")));
        assert!(!well_formed("pat_"));
    }

    #[test]
    fn names() {
        assert_eq!(check_name("  ci  "), Ok("ci".to_string()));
        assert_eq!(check_name("   "), Err("field-required"));
        assert_eq!(check_name(&"é".repeat(80)), Ok("é".repeat(80)));
        assert_eq!(check_name(&"é".repeat(81)), Err("field-too-long"));
        assert_eq!(check_name("a\u{0}b"), Err("field-invalid"));
    }
}
