//! Signing keys in the database, so every node signs with and publishes
//! the same keys.
//!
//! Rotation rules (see ARCHITECTURE.md, "OpenID Connect provider"):
//! - a key is in the JWKS from the moment it is created;
//! - a new key is created `PUBLISH_AHEAD` before it starts signing, longer
//!   than relying parties' JWKS caches (often 24 h);
//! - the newest key whose `active_at` has passed signs; the previous one is
//!   then retired and stays published `KEEP_AFTER_RETIRE`, longer than any
//!   token it signed lives;
//! - rows are never deleted (expired keys lose their private half), and a
//!   kid is 128 random bits under a UNIQUE constraint: a kid is never reused.
//!
//! Each algorithm (RS256, ES256, EdDSA) has its own chain of keys under
//! these rules. RS256 is always kept; another algorithm's chain starts when
//! a client asks for it (and is then maintained like the first).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sqlx::Row;

use super::jws::{self, Alg, PublicJwk, SigningKey};
use crate::db::{Db, now};

/// A signing key signs for this long before the next one takes over.
pub const ROTATE_AFTER: i64 = 90 * 86400;
/// A new key is published this long before it signs.
pub const PUBLISH_AHEAD: i64 = 2 * 86400;
/// A retired key stays in the JWKS this long (ID tokens live one hour;
/// `id_token_hint`s at logout may be older).
pub const KEEP_AFTER_RETIRE: i64 = 7 * 86400;

/// Parsed private keys by kid. A kid's key material never changes, so this
/// cache cannot go stale; which key signs is always read from the database.
#[derive(Clone, Default)]
pub struct KeyCache(Arc<Mutex<HashMap<String, Arc<SigningKey>>>>);

#[derive(Debug, Clone, serde::Serialize)]
pub struct PublicKey {
    pub kid: String,
    #[serde(serialize_with = "alg_str")]
    pub alg: Alg,
    pub public: PublicJwk,
    pub active_at: i64,
    pub retired_at: Option<i64>,
    pub expires_at: Option<i64>,
}

fn alg_str<S: serde::Serializer>(a: &Alg, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(a.as_str())
}

impl PublicKey {
    pub fn to_jwk(&self) -> serde_json::Value {
        self.public.to_jwk(self.alg, &self.kid)
    }
}

/// Which key `insert_key` adds, guarding against a concurrent writer that
/// just did the same (one statement: atomic on SQLite, nearly so on PostgreSQL).
#[derive(Clone, Copy)]
enum Slot {
    /// A key that signs at once, unless one already does.
    Current,
    /// The next key, unless one is already waiting.
    Next,
}

async fn insert_key(
    db: &Db,
    alg: Alg,
    active_at: i64,
    slot: Slot,
    t: i64,
) -> anyhow::Result<Option<String>> {
    let key = tokio::task::spawn_blocking(move || jws::generate(alg)).await??;
    let (kid, _) = crate::accounts::new_token();
    let kid: String = kid.chars().take(22).collect();
    let guard = match slot {
        Slot::Current => "alg = $2 AND active_at <= $8 AND expires_at IS NULL",
        Slot::Next => "alg = $2 AND active_at > $8",
    };
    let sql = format!(
        "INSERT INTO oidc_keys (kid, alg, private_der, n, e, created_at, active_at, x, y) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $9, $10 \
         WHERE NOT EXISTS (SELECT 1 FROM oidc_keys WHERE {guard})"
    );
    let (n, e, x, y) = key.public.columns();
    let n = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&kid)
        .bind(alg.as_str())
        .bind(key.private_der.clone())
        .bind(n)
        .bind(e)
        .bind(now())
        .bind(active_at)
        .bind(t)
        .bind(x)
        .bind(y)
        .execute(&db.pool)
        .await?
        .rows_affected();
    if n == 0 {
        return Ok(None);
    }
    tracing::info!(kid = %kid, %alg, active_at, "OpenID Connect signing key created");
    Ok(Some(kid))
}

/// Algorithms whose key chains are kept: RS256 always, plus every one a
/// client signs with or that still has a key in the JWKS.
pub async fn algs_in_use(db: &Db) -> Result<Vec<Alg>, sqlx::Error> {
    let named: Vec<String> = sqlx::query_scalar(
        "SELECT id_token_alg FROM oidc_clients UNION SELECT alg FROM oidc_keys WHERE expires_at IS NULL",
    )
    .fetch_all(&db.pool)
    .await?;
    Ok(Alg::ALL
        .into_iter()
        .filter(|a| *a == Alg::Rs256 || named.iter().any(|n| n == a.as_str()))
        .collect())
}

/// Bring every key chain in use up to date at time `t` (see `ensure_alg`).
pub async fn ensure(db: &Db, t: i64) -> anyhow::Result<()> {
    for alg in algs_in_use(db).await? {
        ensure_alg(db, alg, t).await?;
    }
    Ok(())
}

/// Bring the key chain of `alg` up to date at time `t`: a signing key
/// exists, the next one is published ahead of time when due, older keys are
/// retired and, later, expired. Idempotent; safe on several nodes at once
/// (at worst two keys are published and everyone picks the same one to sign
/// with).
pub async fn ensure_alg(db: &Db, alg: Alg, t: i64) -> anyhow::Result<()> {
    let rows = sqlx::query(
        "SELECT id, active_at, retired_at FROM oidc_keys WHERE expires_at IS NULL AND alg = $1 \
         ORDER BY active_at, id",
    )
    .bind(alg.as_str())
    .fetch_all(&db.pool)
    .await?;
    let keys: Vec<(i64, i64, Option<i64>)> = rows
        .iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("active_at")?,
                r.try_get("retired_at")?,
            ))
        })
        .collect::<Result<_, sqlx::Error>>()?;
    let current = keys.iter().rev().find(|k| k.1 <= t);
    let pending = keys.iter().any(|k| k.1 > t);
    match current {
        // First start (or only future keys after the clock moved back): sign now.
        None => {
            insert_key(db, alg, t, Slot::Current, t).await?;
        }
        Some(&(_, active_at, _)) => {
            if !pending && t >= active_at + ROTATE_AFTER - PUBLISH_AHEAD {
                insert_key(db, alg, t + PUBLISH_AHEAD, Slot::Next, t).await?;
            }
        }
    }
    // Retire every active key that a newer active key replaced.
    let active: Vec<&(i64, i64, Option<i64>)> = keys.iter().filter(|k| k.1 <= t).collect();
    for pair in active.windows(2) {
        let (older, newer) = (pair[0], pair[1]);
        if older.2.is_none() {
            sqlx::query(
                "UPDATE oidc_keys SET retired_at = $1 WHERE id = $2 AND retired_at IS NULL",
            )
            .bind(newer.1)
            .bind(older.0)
            .execute(&db.pool)
            .await?;
        }
    }
    // Expire keys retired long enough ago: out of the JWKS, private half wiped.
    sqlx::query(
        "UPDATE oidc_keys SET expires_at = $1, private_der = $2 \
         WHERE expires_at IS NULL AND retired_at IS NOT NULL AND retired_at < $3 AND alg = $4",
    )
    .bind(t)
    .bind(Vec::<u8>::new())
    .bind(t - KEEP_AFTER_RETIRE)
    .bind(alg.as_str())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// The hourly tick: bring keys up to date once the provider is in use (a
/// client is registered or a key exists); an instance without tools never
/// generates one (the JWKS endpoint and signing create the first lazily).
pub async fn maintain(db: &Db, t: i64) -> anyhow::Result<()> {
    let in_use: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM oidc_clients) + (SELECT COUNT(*) FROM oidc_keys)",
    )
    .fetch_one(&db.pool)
    .await?;
    if in_use > 0 {
        ensure(db, t).await?;
    }
    Ok(())
}

/// Schedule a new key of every algorithm in use (see `rotate_alg`).
/// Returns each algorithm with the kid of its next key.
pub async fn rotate(db: &Db) -> anyhow::Result<Vec<(Alg, String)>> {
    let mut out = Vec::new();
    for alg in algs_in_use(db).await? {
        out.push((alg, rotate_alg(db, alg).await?));
    }
    Ok(out)
}

/// Schedule a new `alg` key now (published at once, signing after
/// `PUBLISH_AHEAD`), unless one is already waiting. Returns its kid.
pub async fn rotate_alg(db: &Db, alg: Alg) -> anyhow::Result<String> {
    let t = now();
    let waiting: Option<String> = sqlx::query_scalar(
        "SELECT kid FROM oidc_keys WHERE alg = $2 AND active_at > $1 ORDER BY active_at DESC LIMIT 1",
    )
    .bind(t)
    .bind(alg.as_str())
    .fetch_optional(&db.pool)
    .await?;
    if let Some(kid) = waiting {
        return Ok(kid);
    }
    match insert_key(db, alg, t + PUBLISH_AHEAD, Slot::Next, t).await? {
        Some(kid) => Ok(kid),
        // Someone else scheduled one meanwhile.
        None => Box::pin(rotate_alg(db, alg)).await,
    }
}

fn public_of(r: &sqlx::any::AnyRow) -> Result<(Alg, PublicJwk), sqlx::Error> {
    let alg: String = r.try_get("alg")?;
    let alg = Alg::parse(&alg).ok_or_else(|| sqlx::Error::Decode(format!("alg {alg}").into()))?;
    Ok((
        alg,
        PublicJwk::from_columns(
            alg,
            r.try_get("n")?,
            r.try_get("e")?,
            r.try_get("x")?,
            r.try_get("y")?,
        ),
    ))
}

/// Keys to publish (JWKS): every key not yet expired, pending ones
/// included, of every algorithm.
pub async fn published(db: &Db) -> Result<Vec<PublicKey>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT kid, alg, n, e, x, y, active_at, retired_at, expires_at FROM oidc_keys \
         WHERE expires_at IS NULL ORDER BY active_at DESC, id DESC",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let (alg, public) = public_of(r)?;
            Ok(PublicKey {
                kid: r.try_get("kid")?,
                alg,
                public,
                active_at: r.try_get("active_at")?,
                retired_at: r.try_get("retired_at")?,
                expires_at: r.try_get("expires_at")?,
            })
        })
        .collect()
}

/// The public key of `kid` and its algorithm, if it is still published.
pub async fn public(db: &Db, kid: &str) -> Result<Option<(Alg, PublicJwk)>, sqlx::Error> {
    let row =
        sqlx::query("SELECT alg, n, e, x, y FROM oidc_keys WHERE kid = $1 AND expires_at IS NULL")
            .bind(kid)
            .fetch_optional(&db.pool)
            .await?;
    row.map(|r| public_of(&r)).transpose()
}

/// The `alg` key that signs now: the newest whose `active_at` has passed.
pub async fn signing(
    db: &Db,
    cache: &KeyCache,
    alg: Alg,
) -> anyhow::Result<(String, Arc<SigningKey>)> {
    signing_at(db, cache, alg, now()).await
}

/// The `alg` key that signs at time `t` (tests look ahead in time with it).
pub async fn signing_at(
    db: &Db,
    cache: &KeyCache,
    alg: Alg,
    t: i64,
) -> anyhow::Result<(String, Arc<SigningKey>)> {
    let find = || async {
        sqlx::query_scalar::<_, String>(
            "SELECT kid FROM oidc_keys WHERE alg = $2 AND active_at <= $1 AND expires_at IS NULL \
             ORDER BY active_at DESC, id DESC LIMIT 1",
        )
        .bind(t)
        .bind(alg.as_str())
        .fetch_optional(&db.pool)
        .await
    };
    let kid = match find().await? {
        Some(kid) => kid,
        None => {
            ensure_alg(db, alg, t).await?;
            find()
                .await?
                .ok_or_else(|| anyhow::anyhow!("no signing key"))?
        }
    };
    if let Ok(map) = cache.0.lock()
        && let Some(k) = map.get(&kid)
    {
        return Ok((kid, k.clone()));
    }
    let der: Vec<u8> = sqlx::query_scalar("SELECT private_der FROM oidc_keys WHERE kid = $1")
        .bind(&kid)
        .fetch_one(&db.pool)
        .await?;
    let pair = Arc::new(jws::parse_private(alg, &der)?);
    if let Ok(mut map) = cache.0.lock() {
        map.insert(kid.clone(), pair.clone());
    }
    Ok((kid, pair))
}
