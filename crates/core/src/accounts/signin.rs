//! Counting sign-in attempts, the way mature providers do (OWASP's
//! "device cookies", Auth0's per-user-and-address blocking):
//!
//! - Every limit on an account is keyed on the **account found**, after the
//!   lookup (`u<id>`), never on the spelling typed: `Élise`, `élise`,
//!   `ÉLISE` and the full-width `Ｅｌｉｓｅ` are one account and one counter.
//!   A login that names no account is keyed on its canonical form (NFKC,
//!   case-folded, hashed), so the answers are the same whether or not the
//!   account exists.
//! - **Failures only.** Each attempt takes a hit on its counters before the
//!   password is checked (so parallel guesses cannot all slip under the
//!   limit) and a successful one gives them back: people signing in all day
//!   from one office address never reach the per-address limit.
//! - **The owner is not locked out.** Failures are limited per (account,
//!   address) — ten wrong passwords stop that address, not the owner
//!   elsewhere — and per address. Guessing spread over many addresses meets
//!   an account-wide limit, which browsers that signed in to the account
//!   before (a random token in a long-lived cookie, stored hashed:
//!   `known_devices`) do not count against and are not held by.
//!
//! The same module asks the password again of signed-in people (changing
//! the password or address, passkeys): failures per account, given back on
//! success.

use sha2::{Digest, Sha256};

use super::User;
use crate::db::{Db, now};
use crate::error::{AppError, AppResult};
use crate::ratelimit::{self, Limit, Taken};
use crate::state::AppState;

/// The cookie naming a browser that signed in to an account before.
pub const DEVICE_COOKIE: &str = "pdev";
/// How long a browser stays known without signing in again.
pub const DEVICE_DAYS: i64 = 365;
/// Known browsers kept per account (the oldest are forgotten).
const DEVICES_PER_ACCOUNT: i64 = 20;

/// The key of an account in rate limits: the account found, or the
/// canonical form of what was typed when there is none.
pub fn account_key(login: &str, user: Option<&User>) -> String {
    match user {
        Some(u) => format!("u{}", u.id),
        None => {
            let canonical = crate::username::canonical(login);
            format!(
                "k{}",
                &hex::encode(Sha256::digest(canonical.as_bytes()))[..32]
            )
        }
    }
}

/// Hits taken for one attempt, given back if it succeeds.
#[derive(Default)]
struct Hits(Vec<Taken>);

impl Hits {
    async fn take(&mut self, db: &Db, key: String, limit: Limit) -> AppResult<()> {
        match ratelimit::take(db, &key, limit).await? {
            Ok(t) => {
                self.0.push(t);
                Ok(())
            }
            Err(retry_after) => Err(AppError::TooManyRequests { retry_after }),
        }
    }

    async fn give_back(self, db: &Db) -> AppResult<()> {
        for t in &self.0 {
            ratelimit::give_back(db, t).await?;
        }
        Ok(())
    }
}

/// Who is trying: the client's address key (`proxy::Client::limit_key`)
/// and the device cookie its browser sent, if any.
pub struct Client<'a> {
    pub ip_key: &'a str,
    pub device: Option<&'a str>,
}

/// A password sign-in attempt: the account when the login and password
/// match (its state — suspended, pending, unverified — is the caller's to
/// judge), `None` otherwise; `TooManyRequests` past a limit. Unknown
/// logins cost the same hashing time as known ones.
pub async fn password(
    state: &AppState,
    login: &str,
    password: &str,
    client: &Client<'_>,
) -> AppResult<Option<User>> {
    let db = &state.db;
    let mut hits = Hits::default();
    hits.take(
        db,
        format!("login:ip:{}", client.ip_key),
        ratelimit::LOGIN_PER_IP,
    )
    .await?;
    let login = login.trim();
    let user = if login.is_empty() || login.len() > super::EMAIL_MAX {
        None
    } else {
        super::by_login(db, login).await?
    };
    let key = account_key(login, user.as_ref());
    hits.take(
        db,
        format!("login:acct-ip:{key}:{}", client.ip_key),
        ratelimit::LOGIN_PER_ACCOUNT_AND_IP,
    )
    .await?;
    let known = match (&user, client.device) {
        (Some(u), Some(token)) => is_known_device(db, u.id, token).await?,
        _ => false,
    };
    if !known {
        hits.take(
            db,
            format!("login:acct:{key}"),
            ratelimit::LOGIN_PER_ACCOUNT,
        )
        .await?;
    }
    if super::check_password(user.as_ref(), password).await {
        hits.give_back(db).await?;
        Ok(user)
    } else {
        Ok(None)
    }
}

/// Count a sign-in that failed by other means (a passkey that does not
/// verify) against the client's address; `give_back` it on success.
pub async fn other_attempt(db: &Db, ip_key: &str) -> AppResult<Attempt> {
    let mut hits = Hits::default();
    hits.take(db, format!("login:ip:{ip_key}"), ratelimit::LOGIN_PER_IP)
        .await?;
    Ok(Attempt(hits))
}

/// An attempt counted by [`other_attempt`].
pub struct Attempt(Hits);

impl Attempt {
    /// It succeeded: it does not count.
    pub async fn succeeded(self, db: &Db) -> AppResult<()> {
        self.0.give_back(db).await
    }
}

/// The password asked again of the signed-in `user` (changing the
/// password or the address, adding or removing a passkey): `false` when
/// wrong, `TooManyRequests` after [`ratelimit::REAUTH_PER_ACCOUNT`]
/// failures. A right one does not count.
pub async fn confirm_password(db: &Db, user: &User, password: &str) -> AppResult<bool> {
    let mut hits = Hits::default();
    hits.take(
        db,
        format!("reauth:u{}", user.id),
        ratelimit::REAUTH_PER_ACCOUNT,
    )
    .await?;
    if super::check_password(Some(user), password).await {
        hits.give_back(db).await?;
        Ok(true)
    } else {
        Ok(false)
    }
}

/// A second-factor code tried for `user_id`: counted against
/// [`ratelimit::SECOND_FACTOR_PER_ACCOUNT`] (every try: the code space is
/// small and the password is already known to whoever is here).
pub async fn second_factor_try(db: &Db, user_id: i64) -> AppResult<()> {
    match ratelimit::hit(
        db,
        &format!("2fa:{user_id}"),
        ratelimit::SECOND_FACTOR_PER_ACCOUNT,
    )
    .await?
    {
        Ok(()) => Ok(()),
        Err(retry_after) => Err(AppError::TooManyRequests { retry_after }),
    }
}

/// Whether `token` (the device cookie) names a browser that signed in to
/// `user_id` before.
pub async fn is_known_device(db: &Db, user_id: i64, token: &str) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM known_devices WHERE token_hash = $1 AND user_id = $2 AND last_used_at > $3",
    )
    .bind(super::hash_token(token))
    .bind(user_id)
    .bind(now() - DEVICE_DAYS * 86400)
    .fetch_optional(&db.pool)
    .await?;
    Ok(found.is_some())
}

/// After a sign-in of `user_id`: remember this browser. Returns the token
/// for the device cookie — the one it sent when that already names this
/// account (refreshed), else a new one. Keeps the newest
/// `DEVICES_PER_ACCOUNT` per account.
pub async fn remember_device(
    db: &Db,
    user_id: i64,
    sent: Option<&str>,
) -> Result<String, sqlx::Error> {
    let t = now();
    if let Some(token) = sent {
        let res = sqlx::query(
            "UPDATE known_devices SET last_used_at = $1 WHERE token_hash = $2 AND user_id = $3",
        )
        .bind(t)
        .bind(super::hash_token(token))
        .bind(user_id)
        .execute(&db.pool)
        .await?;
        if res.rows_affected() > 0 {
            return Ok(token.to_string());
        }
    }
    let (token, hash) = super::new_token();
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO known_devices (user_id, token_hash, created_at, last_used_at) \
         VALUES ($1, $2, $3, $3)",
    )
    .bind(user_id)
    .bind(hash)
    .bind(t)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "DELETE FROM known_devices WHERE user_id = $1 AND id NOT IN \
         (SELECT id FROM known_devices WHERE user_id = $1 \
          ORDER BY last_used_at DESC, id DESC LIMIT $2)",
    )
    .bind(user_id)
    .bind(DEVICES_PER_ACCOUNT)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// Forget browsers unused for [`DEVICE_DAYS`] (maintenance).
pub async fn purge_devices(db: &Db) -> Result<u64, sqlx::Error> {
    let res = sqlx::query("DELETE FROM known_devices WHERE last_used_at <= $1")
        .bind(now() - DEVICE_DAYS * 86400)
        .execute(&db.pool)
        .await?;
    Ok(res.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_unknown_login_share_a_key() {
        let a = account_key("Élise", None);
        assert_eq!(a, account_key("élise", None));
        assert_eq!(a, account_key(" ÉLISE ", None));
        assert_ne!(a, account_key("elise", None));
        let b = account_key("elise", None);
        assert_eq!(b, account_key("Ｅｌｉｓｅ", None));
        assert_eq!(b, account_key("ELISE", None));
        assert!(a.len() <= 33);
    }
}
