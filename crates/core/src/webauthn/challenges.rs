//! Single-use challenges, bound to a purpose and to the browser that asked.

use super::*;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::accounts::hash_token;
use crate::db::{Db, now};

/// What a challenge is for; a challenge only answers its own purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Register,
    SignIn,
    SecondFactor,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Register => "register",
            Purpose::SignIn => "sign_in",
            Purpose::SecondFactor => "second_factor",
        }
    }
}

/// A fresh challenge (32 random bytes) for `purpose`, bound to `binding`
/// (a secret of the browser that asked: its session, its anonymous CSRF
/// cookie, or its second-factor challenge), stored hashed for 5 minutes.
pub async fn new_challenge(
    db: &Db,
    purpose: Purpose,
    binding: &str,
    user_id: Option<i64>,
) -> Result<Vec<u8>, sqlx::Error> {
    let mut c = vec![0u8; 32];
    rand::rng().fill_bytes(&mut c);
    let t = now();
    sqlx::query("DELETE FROM webauthn_challenges WHERE expires_at < $1")
        .bind(t)
        .execute(&db.pool)
        .await?;
    sqlx::query(
        "INSERT INTO webauthn_challenges (challenge_hash, purpose, binding_hash, user_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(challenge_hash(&c))
    .bind(purpose.as_str())
    .bind(hash_token(binding))
    .bind(user_id)
    .bind(t)
    .bind(t + CHALLENGE_TTL)
    .execute(&db.pool)
    .await?;
    Ok(c)
}

fn challenge_hash(c: &[u8]) -> String {
    hex::encode(Sha256::digest(c))
}

/// Use up a challenge: `Some(user_id)` (the account it was made for, if
/// any) when it was live, for this purpose and this browser. Deleted in
/// any case of a match, so it never answers twice.
pub async fn take_challenge(
    db: &Db,
    challenge: &[u8],
    purpose: Purpose,
    binding: &str,
) -> Result<Option<Option<i64>>, sqlx::Error> {
    let row: Option<(Option<i64>, i64)> = sqlx::query_as(
        "DELETE FROM webauthn_challenges WHERE challenge_hash = $1 AND purpose = $2 AND binding_hash = $3 \
         RETURNING user_id, expires_at",
    )
    .bind(challenge_hash(challenge))
    .bind(purpose.as_str())
    .bind(hash_token(binding))
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.filter(|(_, exp)| *exp > now()).map(|(u, _)| u))
}
