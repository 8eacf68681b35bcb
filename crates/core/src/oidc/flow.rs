//! The authorization code flow as state in the database: consents, codes,
//! grants (one per redeemed code: a family of tokens), access and refresh
//! tokens, and the claims a tool receives. No HTTP here.

use serde_json::{Map, Value, json};
use sqlx::Row;

use super::clients::Client;
use super::keys::{self, KeyCache};
use super::{ACCESS_TTL, CODE_TTL, ID_TOKEN_TTL, REFRESH_TTL, SUPPORTED_SCOPES, constant_eq, jws};
use crate::accounts::{self, Status, User, hash_token, new_token};
use crate::db::{Db, now};
use crate::policy::{self, Action};

/// What signing needs besides the database.
pub struct Provider<'a> {
    pub db: &'a Db,
    pub issuer: &'a str,
    pub keys: &'a KeyCache,
    /// Seconds during which a just-rotated refresh token, presented again,
    /// yields the same successor instead of revoking the grant (0: never).
    pub refresh_grace: i64,
}

/// Parse a `scope` parameter into known scopes the client may ask for, in
/// our canonical order (unknown or disallowed scopes are dropped, as RFC
/// 6749 §3.3 allows).
pub fn granted_scopes(requested: &str, client: &Client) -> Vec<String> {
    let asked: Vec<&str> = requested.split_whitespace().collect();
    SUPPORTED_SCOPES
        .iter()
        .filter(|s| asked.contains(s) && client.allows_scope(s))
        .map(|s| s.to_string())
        .collect()
}

pub fn has_scope(scope: &str, s: &str) -> bool {
    scope.split_whitespace().any(|x| x == s)
}

// ---- consent ----------------------------------------------------------------------

/// Whether the person must be asked: never for first-party tools; otherwise
/// unless they already allowed at least these scopes.
pub async fn needs_consent(
    db: &Db,
    user_id: i64,
    client: &Client,
    scopes: &[String],
) -> Result<bool, sqlx::Error> {
    if client.first_party {
        return Ok(false);
    }
    let given: Option<String> = sqlx::query_scalar(
        "SELECT scopes FROM oidc_consents WHERE user_id = $1 AND client_id = $2",
    )
    .bind(user_id)
    .bind(client.id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(match given {
        Some(g) => !scopes.iter().all(|s| has_scope(&g, s)),
        None => true,
    })
}

pub async fn remember_consent(
    db: &Db,
    user_id: i64,
    client: &Client,
    scopes: &[String],
) -> Result<(), sqlx::Error> {
    let t = now();
    sqlx::query(
        "INSERT INTO oidc_consents (user_id, client_id, scopes, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $4) \
         ON CONFLICT (user_id, client_id) DO UPDATE SET scopes = $3, updated_at = $4",
    )
    .bind(user_id)
    .bind(client.id)
    .bind(scopes.join(" "))
    .bind(t)
    .execute(&db.pool)
    .await?;
    Ok(())
}

// ---- codes --------------------------------------------------------------------------

pub struct CodeRequest<'a> {
    pub client: &'a Client,
    pub user_id: i64,
    pub redirect_uri: &'a str,
    pub scopes: &'a [String],
    pub nonce: Option<&'a str>,
    pub code_challenge: Option<&'a str>,
    pub sid: &'a str,
    pub auth_time: i64,
    /// How the session authenticated (RFC 8176 values, space-separated).
    pub amr: &'a str,
}

pub async fn issue_code(db: &Db, r: CodeRequest<'_>) -> Result<String, sqlx::Error> {
    let (code, hash) = new_token();
    let t = now();
    sqlx::query(
        "INSERT INTO oidc_codes (code_hash, client_id, user_id, redirect_uri, scope, nonce, \
         code_challenge, sid, auth_time, created_at, expires_at, amr) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(hash)
    .bind(r.client.id)
    .bind(r.user_id)
    .bind(r.redirect_uri)
    .bind(r.scopes.join(" "))
    .bind(r.nonce)
    .bind(r.code_challenge)
    .bind(r.sid)
    .bind(r.auth_time)
    .bind(t)
    .bind(t + CODE_TTL)
    .bind(r.amr)
    .execute(&db.pool)
    .await?;
    Ok(code)
}

/// Why the token endpoint refuses (RFC 6749 §5.2 codes).
#[derive(Debug, PartialEq, Eq)]
pub enum TokenError {
    InvalidGrant(&'static str),
    InvalidRequest(&'static str),
    InvalidScope,
}

pub fn s256(verifier: &str) -> String {
    use sha2::{Digest, Sha256};
    jws::b64(&Sha256::digest(verifier.as_bytes()))
}

/// RFC 7636 §4.1: 43 to 128 unreserved characters.
pub fn valid_verifier(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

/// Tokens issued by one redemption or refresh.
#[derive(Debug)]
pub struct Issued {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub id_token: String,
    pub scope: String,
    pub expires_in: i64,
}

struct GrantRow {
    id: i64,
    client_id: i64,
    user_id: i64,
    sid: String,
    auth_time: i64,
    amr: String,
    revoked: bool,
}

async fn grant(db: &Db, id: i64) -> Result<Option<GrantRow>, sqlx::Error> {
    let r = sqlx::query(
        "SELECT id, client_id, user_id, sid, auth_time, amr, revoked_at FROM oidc_grants WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    r.map(|r| {
        Ok(GrantRow {
            id: r.try_get("id")?,
            client_id: r.try_get("client_id")?,
            user_id: r.try_get("user_id")?,
            sid: r.try_get("sid")?,
            auth_time: r.try_get("auth_time")?,
            amr: r.try_get("amr")?,
            revoked: r.try_get::<Option<i64>, _>("revoked_at")?.is_some(),
        })
    })
    .transpose()
}

/// Revoke a grant and every token of it.
pub async fn revoke_grant(db: &Db, grant_id: i64) -> Result<(), sqlx::Error> {
    let t = now();
    sqlx::query("UPDATE oidc_grants SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(t)
        .bind(grant_id)
        .execute(&db.pool)
        .await?;
    sqlx::query("DELETE FROM oidc_tokens WHERE grant_id = $1")
        .bind(grant_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The person behind a grant, if they may still sign in to tools.
async fn acting_user(db: &Db, user_id: i64) -> Result<Option<User>, sqlx::Error> {
    Ok(accounts::by_id(db, user_id)
        .await?
        .filter(|u| u.status == Status::Active && policy::can(Some(u), Action::SignInToTool)))
}

/// Redeem an authorization code (grant_type=authorization_code).
pub async fn redeem_code(
    p: &Provider<'_>,
    client: &Client,
    code: &str,
    redirect_uri: &str,
    verifier: Option<&str>,
) -> anyhow::Result<Result<Issued, TokenError>> {
    let db = p.db;
    let hash = hash_token(code);
    let row = sqlx::query(
        "SELECT client_id, user_id, redirect_uri, scope, nonce, code_challenge, sid, auth_time, \
         expires_at, used_at, grant_id, amr FROM oidc_codes WHERE code_hash = $1",
    )
    .bind(&hash)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else {
        return Ok(Err(TokenError::InvalidGrant("unknown code")));
    };
    let code_client: i64 = row.try_get("client_id")?;
    if code_client != client.id {
        // Another client's code: refuse without burning it.
        return Ok(Err(TokenError::InvalidGrant(
            "code issued to another client",
        )));
    }
    if row.try_get::<Option<i64>, _>("used_at")?.is_some() {
        if let Some(g) = row.try_get::<Option<i64>, _>("grant_id")? {
            revoke_grant(db, g).await?;
            tracing::warn!(client = %client.client_id, "authorization code replayed: its grant is revoked");
        }
        return Ok(Err(TokenError::InvalidGrant("code already used")));
    }
    // From here on the code is burnt whatever happens.
    let t = now();
    let burnt =
        sqlx::query("UPDATE oidc_codes SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL")
            .bind(t)
            .bind(&hash)
            .execute(&db.pool)
            .await?
            .rows_affected();
    if burnt != 1 {
        return Ok(Err(TokenError::InvalidGrant("code already used")));
    }
    if row.try_get::<i64, _>("expires_at")? < t {
        return Ok(Err(TokenError::InvalidGrant("code expired")));
    }
    if row.try_get::<String, _>("redirect_uri")? != redirect_uri {
        return Ok(Err(TokenError::InvalidGrant("redirect_uri does not match")));
    }
    let challenge: Option<String> = row.try_get("code_challenge")?;
    match (challenge.as_deref(), verifier) {
        (Some(c), Some(v)) => {
            if !valid_verifier(v) || !constant_eq(&s256(v), c) {
                return Ok(Err(TokenError::InvalidGrant("PKCE verification failed")));
            }
        }
        (Some(_), None) => return Ok(Err(TokenError::InvalidGrant("code_verifier missing"))),
        // A verifier for a code bound to no challenge is a downgrade attempt.
        (None, Some(_)) => {
            return Ok(Err(TokenError::InvalidGrant("no code_challenge was sent")));
        }
        (None, None) => {
            if client.pkce_required() {
                return Ok(Err(TokenError::InvalidGrant("PKCE required")));
            }
        }
    }
    let user_id: i64 = row.try_get("user_id")?;
    let Some(user) = acting_user(db, user_id).await? else {
        return Ok(Err(TokenError::InvalidGrant("account not active")));
    };
    let scope: String = row.try_get("scope")?;
    let sid: String = row.try_get("sid")?;
    let auth_time: i64 = row.try_get("auth_time")?;
    let nonce: Option<String> = row.try_get("nonce")?;
    let amr: String = row.try_get("amr")?;
    let grant_id: i64 = sqlx::query_scalar(
        "INSERT INTO oidc_grants (client_id, user_id, scope, sid, auth_time, created_at, last_used_at, amr) \
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7) RETURNING id",
    )
    .bind(client.id)
    .bind(user_id)
    .bind(&scope)
    .bind(&sid)
    .bind(auth_time)
    .bind(t)
    .bind(&amr)
    .fetch_one(&db.pool)
    .await?;
    sqlx::query("UPDATE oidc_codes SET grant_id = $1 WHERE code_hash = $2")
        .bind(grant_id)
        .bind(&hash)
        .execute(&db.pool)
        .await?;
    let g = GrantRow {
        id: grant_id,
        client_id: client.id,
        user_id,
        sid,
        auth_time,
        amr,
        revoked: false,
    };
    let mut tx = db.begin().await?;
    let (access, refresh) = mint_tokens(&mut tx, g.id, &scope, t).await?;
    tx.commit().await?;
    let issued = issued(
        p,
        client,
        &user,
        &g,
        &scope,
        nonce.as_deref(),
        access,
        refresh,
        ACCESS_TTL,
    )
    .await?;
    // A replay that raced us may have revoked the grant meanwhile.
    if grant(db, grant_id).await?.is_none_or(|g| g.revoked) {
        return Ok(Err(TokenError::InvalidGrant("code already used")));
    }
    Ok(Ok(issued))
}

/// A new access token, and a refresh token when the scope allows one, for
/// grant `grant_id`, in the caller's transaction.
async fn mint_tokens(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    grant_id: i64,
    scope: &str,
    t: i64,
) -> Result<(String, Option<String>), sqlx::Error> {
    let (access, access_hash) = new_token();
    sqlx::query(
        "INSERT INTO oidc_tokens (token_hash, grant_id, kind, scope, created_at, expires_at) \
         VALUES ($1, $2, 'access', $3, $4, $5)",
    )
    .bind(access_hash)
    .bind(grant_id)
    .bind(scope)
    .bind(t)
    .bind(t + ACCESS_TTL)
    .execute(&mut **tx)
    .await?;
    let refresh = if has_scope(scope, "offline_access") {
        let (refresh, refresh_hash) = new_token();
        sqlx::query(
            "INSERT INTO oidc_tokens (token_hash, grant_id, kind, scope, created_at, expires_at) \
             VALUES ($1, $2, 'refresh', $3, $4, $5)",
        )
        .bind(refresh_hash)
        .bind(grant_id)
        .bind(scope)
        .bind(t)
        .bind(t + REFRESH_TTL)
        .execute(&mut **tx)
        .await?;
        Some(refresh)
    } else {
        None
    };
    Ok((access, refresh))
}

/// The token response: the tokens given, and an ID token signed now.
#[allow(clippy::too_many_arguments)]
async fn issued(
    p: &Provider<'_>,
    client: &Client,
    user: &User,
    g: &GrantRow,
    scope: &str,
    nonce: Option<&str>,
    access: String,
    refresh: Option<String>,
    expires_in: i64,
) -> anyhow::Result<Issued> {
    let t = now();
    let mut claims = user_claims(p.db, p.issuer, user, scope).await?;
    claims.insert("iss".into(), json!(p.issuer));
    claims.insert("aud".into(), json!(client.client_id));
    claims.insert("azp".into(), json!(client.client_id));
    claims.insert("iat".into(), json!(t));
    claims.insert("exp".into(), json!(t + ID_TOKEN_TTL));
    claims.insert("auth_time".into(), json!(g.auth_time));
    claims.insert("sid".into(), json!(g.sid));
    // How the person authenticated (RFC 8176) and what that amounts to.
    let amr: Vec<&str> = g.amr.split_whitespace().collect();
    if !amr.is_empty() {
        claims.insert("amr".into(), json!(amr));
    }
    claims.insert("acr".into(), json!(super::acr_of(&g.amr)));
    claims.insert("at_hash".into(), json!(jws::half_hash(client.alg, &access)));
    if let Some(n) = nonce {
        claims.insert("nonce".into(), json!(n));
    }
    let (kid, key) = keys::signing(p.db, p.keys, client.alg).await?;
    let id_token = jws::sign(&key, &kid, "JWT", &Value::Object(claims))?;
    Ok(Issued {
        access_token: access,
        refresh_token: refresh,
        id_token,
        scope: scope.to_string(),
        expires_in,
    })
}

/// grant_type=refresh_token: rotate the refresh token. Presenting one that
/// was already rotated revokes the whole grant (RFC 9700 §4.14.2) — unless
/// it comes within `refresh_grace` seconds of its rotation: browsers load
/// pages in parallel, and a tool that refreshes for each of them presents
/// the same token several times at once. Those get the very successor the
/// first one got (the same access and refresh tokens), as Keycloak, Okta
/// and Auth0 do.
pub async fn refresh(
    p: &Provider<'_>,
    client: &Client,
    token: &str,
    scope: Option<&str>,
) -> anyhow::Result<Result<Issued, TokenError>> {
    let db = p.db;
    let hash = hash_token(token);
    let row = sqlx::query(
        "SELECT grant_id, scope, expires_at, used_at FROM oidc_tokens \
         WHERE token_hash = $1 AND kind = 'refresh'",
    )
    .bind(&hash)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else {
        return Ok(Err(TokenError::InvalidGrant("unknown refresh token")));
    };
    let grant_id: i64 = row.try_get("grant_id")?;
    let Some(g) = grant(db, grant_id).await? else {
        return Ok(Err(TokenError::InvalidGrant("unknown refresh token")));
    };
    if g.client_id != client.id {
        return Ok(Err(TokenError::InvalidGrant(
            "token issued to another client",
        )));
    }
    if g.revoked {
        return Ok(Err(TokenError::InvalidGrant("grant revoked")));
    }
    let t = now();
    if row.try_get::<Option<i64>, _>("used_at")?.is_some() {
        return reused(p, client, &g, token).await;
    }
    if row.try_get::<i64, _>("expires_at")? < t {
        return Ok(Err(TokenError::InvalidGrant("refresh token expired")));
    }
    let token_scope: String = row.try_get("scope")?;
    let scope = match scope.map(str::trim).filter(|s| !s.is_empty()) {
        None => token_scope.clone(),
        Some(asked) => {
            if !asked.split_whitespace().all(|s| has_scope(&token_scope, s)) {
                return Ok(Err(TokenError::InvalidScope));
            }
            // Keep offline_access so the chain continues.
            SUPPORTED_SCOPES
                .iter()
                .filter(|s| {
                    has_scope(&token_scope, s) && (has_scope(asked, s) || **s == "offline_access")
                })
                .copied()
                .collect::<Vec<_>>()
                .join(" ")
        }
    };
    let Some(user) = acting_user(db, g.user_id).await? else {
        revoke_grant(db, grant_id).await?;
        return Ok(Err(TokenError::InvalidGrant("account not active")));
    };
    // One transaction: the successor is minted, and the statement that
    // marks this token used also keeps the successor sealed with it, so a
    // concurrent request that loses the race finds it there.
    let mut tx = db.begin().await?;
    // Access tokens of the previous round end with the rotation.
    sqlx::query("DELETE FROM oidc_tokens WHERE grant_id = $1 AND kind = 'access'")
        .bind(grant_id)
        .execute(&mut *tx)
        .await?;
    let (access, next_refresh) = mint_tokens(&mut tx, grant_id, &scope, t).await?;
    let sealed = super::successor::seal(token, &access, next_refresh.as_deref().unwrap_or(""));
    let rotated = sqlx::query(
        "UPDATE oidc_tokens SET used_at = $1, successor = $2 WHERE token_hash = $3 AND used_at IS NULL",
    )
    .bind(t)
    .bind(&sealed)
    .bind(&hash)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if rotated != 1 {
        // Another request rotated it first: take the grace path.
        tx.rollback().await?;
        return reused(p, client, &g, token).await;
    }
    sqlx::query("UPDATE oidc_grants SET last_used_at = $1 WHERE id = $2")
        .bind(t)
        .bind(grant_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Ok(issued(
        p,
        client,
        &user,
        &g,
        &scope,
        None,
        access,
        next_refresh,
        ACCESS_TTL,
    )
    .await?))
}

/// How many rotations a late request may follow (each within its window).
const GRACE_CHAIN: usize = 4;

/// A rotated refresh token presented again. Within the grace window of its
/// rotation: the same successor (following the chain when the successor
/// was itself rotated within its own window). Otherwise it is reuse — a
/// sign of theft (RFC 9700 §4.14.2) — and the whole grant ends.
async fn reused(
    p: &Provider<'_>,
    client: &Client,
    g: &GrantRow,
    token: &str,
) -> anyhow::Result<Result<Issued, TokenError>> {
    let db = p.db;
    let t = now();
    let mut current = token.to_string();
    let mut successor: Option<(String, String)> = None;
    for _ in 0..=GRACE_CHAIN {
        let row: Option<(Option<i64>, Option<String>, i64, String)> = sqlx::query_as(
            "SELECT used_at, successor, grant_id, kind FROM oidc_tokens WHERE token_hash = $1",
        )
        .bind(hash_token(&current))
        .fetch_optional(&db.pool)
        .await?;
        let Some((used_at, sealed, _, _)) = row.filter(|r| r.2 == g.id && r.3 == "refresh") else {
            // The successor is gone (revoked, expired): nothing to hand
            // out, and nothing that says the token was stolen.
            return Ok(Err(TokenError::InvalidGrant("refresh token already used")));
        };
        let Some(used_at) = used_at else {
            // `current` is the live successor.
            break;
        };
        let within = p.refresh_grace > 0 && t - used_at <= p.refresh_grace;
        match sealed
            .as_deref()
            .and_then(|s| super::successor::unseal(&current, s))
            .filter(|(_, refresh)| !refresh.is_empty())
        {
            Some(pair) if within => {
                current = pair.1.clone();
                successor = Some(pair);
            }
            _ => {
                revoke_grant(db, g.id).await?;
                tracing::warn!(client = %client.client_id, "refresh token reused: its grant is revoked");
                return Ok(Err(TokenError::InvalidGrant("refresh token already used")));
            }
        }
    }
    let Some((access, refresh)) = successor else {
        return Ok(Err(TokenError::InvalidGrant("refresh token already used")));
    };
    // The successor must still be the live pair: its refresh token unused
    // (checked above) and its access token alive.
    let live: Option<(i64, String)> = sqlx::query_as(
        "SELECT t.expires_at, r.scope FROM oidc_tokens t, oidc_tokens r \
         WHERE t.token_hash = $1 AND t.kind = 'access' AND t.grant_id = $3 \
         AND r.token_hash = $2 AND r.kind = 'refresh' AND r.used_at IS NULL AND r.grant_id = $3",
    )
    .bind(hash_token(&access))
    .bind(hash_token(&refresh))
    .bind(g.id)
    .fetch_optional(&db.pool)
    .await?;
    let Some((expires_at, scope)) = live.filter(|(e, _)| *e > t) else {
        return Ok(Err(TokenError::InvalidGrant("refresh token already used")));
    };
    let Some(user) = acting_user(db, g.user_id).await? else {
        revoke_grant(db, g.id).await?;
        return Ok(Err(TokenError::InvalidGrant("account not active")));
    };
    Ok(Ok(issued(
        p,
        client,
        &user,
        g,
        &scope,
        None,
        access,
        Some(refresh),
        expires_at - t,
    )
    .await?))
}

// ---- access tokens ------------------------------------------------------------------

/// What an access (or refresh) token stands for.
#[derive(Debug, Clone)]
pub struct TokenInfo {
    pub kind: String,
    pub grant_id: i64,
    pub client_pk: i64,
    pub client_id: String,
    pub user: User,
    pub scope: String,
    pub issued_at: i64,
    pub expires_at: i64,
    /// The client wants a numeric `id` in userinfo (`Client::gitlab_compat`).
    pub gitlab_compat: bool,
}

/// A live token: known, unexpired, not rotated, grant not revoked, person
/// still able to act.
pub async fn token_info(db: &Db, token: &str) -> Result<Option<TokenInfo>, sqlx::Error> {
    if token.is_empty() || token.len() > 200 {
        return Ok(None);
    }
    let r = sqlx::query(
        "SELECT t.kind, t.grant_id, t.scope, t.created_at, t.expires_at, t.used_at, \
         g.user_id, g.revoked_at, c.id AS client_pk, c.client_id, c.gitlab_compat \
         FROM oidc_tokens t JOIN oidc_grants g ON g.id = t.grant_id \
         JOIN oidc_clients c ON c.id = g.client_id WHERE t.token_hash = $1",
    )
    .bind(hash_token(token))
    .fetch_optional(&db.pool)
    .await?;
    let Some(r) = r else { return Ok(None) };
    let expires_at: i64 = r.try_get("expires_at")?;
    if expires_at < now()
        || r.try_get::<Option<i64>, _>("used_at")?.is_some()
        || r.try_get::<Option<i64>, _>("revoked_at")?.is_some()
    {
        return Ok(None);
    }
    let Some(user) = acting_user(db, r.try_get("user_id")?).await? else {
        return Ok(None);
    };
    Ok(Some(TokenInfo {
        kind: r.try_get("kind")?,
        grant_id: r.try_get("grant_id")?,
        client_pk: r.try_get("client_pk")?,
        client_id: r.try_get("client_id")?,
        user,
        scope: r.try_get("scope")?,
        issued_at: r.try_get("created_at")?,
        expires_at,
        gitlab_compat: r.try_get::<i64, _>("gitlab_compat")? != 0,
    }))
}

/// RFC 7009: a client revokes one of its own tokens. An access token ends
/// alone; a refresh token ends its grant. Other clients' tokens are left
/// alone (and the answer is the same, so nothing is learnt).
pub async fn revoke_token(db: &Db, client: &Client, token: &str) -> Result<(), sqlx::Error> {
    let Some(info) = token_info(db, token).await? else {
        return Ok(());
    };
    if info.client_pk != client.id {
        return Ok(());
    }
    if info.kind == "refresh" {
        revoke_grant(db, info.grant_id).await
    } else {
        sqlx::query("DELETE FROM oidc_tokens WHERE token_hash = $1")
            .bind(hash_token(token))
            .execute(&db.pool)
            .await
            .map(|_| ())
    }
}

// ---- claims -------------------------------------------------------------------------

/// `groups`: one entry per community the person is an active member of
/// (its slug) and, for roles above member, `slug:role`.
pub async fn groups(db: &Db, user_id: i64) -> Result<Vec<String>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT c.slug, m.role FROM memberships m JOIN communities c ON c.id = m.community_id \
         WHERE m.user_id = $1 AND m.state = 'active' AND c.status IN ('active', 'archived') \
         ORDER BY c.slug",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let slug: String = r.try_get("slug")?;
        let role: String = r.try_get("role")?;
        if role != "member" {
            out.push(format!("{slug}:{role}"));
        }
        out.push(slug);
    }
    Ok(out)
}

/// The claims a tool receives for `scope` — the same in the ID token and
/// from userinfo. `sub` is the account id: stable, never reassigned.
pub async fn user_claims(
    db: &Db,
    issuer: &str,
    user: &User,
    scope: &str,
) -> Result<Map<String, Value>, sqlx::Error> {
    let mut m = Map::new();
    m.insert("sub".into(), json!(user.id.to_string()));
    if has_scope(scope, "profile") {
        m.insert("preferred_username".into(), json!(user.username));
        // Mattermost's GitLab-style sign-in (the route its Team Edition
        // offers) reads `username`; the same value, never another one.
        m.insert("username".into(), json!(user.username));
        m.insert("name".into(), json!(user.shown_name()));
        m.insert("locale".into(), json!(user.locale));
        if let Some(a) = user.avatar_url() {
            m.insert("picture".into(), json!(format!("{issuer}{a}")));
        }
    }
    if has_scope(scope, "email")
        && let Some(e) = &user.email
    {
        m.insert("email".into(), json!(e));
        m.insert("email_verified".into(), json!(user.email_verified));
    }
    if has_scope(scope, "groups") {
        m.insert("groups".into(), json!(groups(db, user.id).await?));
    }
    Ok(m)
}

/// What userinfo answers for a live access token: the claims of its scope
/// (as in the ID token) and, for a GitLab-compatible client, `id` — the
/// account id as a JSON number, the same account `sub` names.
pub async fn userinfo_claims(
    db: &Db,
    issuer: &str,
    info: &TokenInfo,
) -> Result<Map<String, Value>, sqlx::Error> {
    let mut m = user_claims(db, issuer, &info.user, &info.scope).await?;
    if info.gitlab_compat {
        m.insert("id".into(), json!(info.user.id));
    }
    Ok(m)
}

// ---- the person's view: tools they allowed -----------------------------------------

#[derive(Debug, Clone)]
pub struct AllowedTool {
    pub client_id: String,
    pub name: String,
    pub home_url: String,
    pub scopes: String,
    pub since: i64,
    pub last_used_at: Option<i64>,
}

/// Tools the person allowed (consent) or signed in to (grants).
pub async fn allowed_tools(db: &Db, user_id: i64) -> Result<Vec<AllowedTool>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT c.client_id, c.name, c.home_url, \
         COALESCE(k.scopes, '') AS scopes, \
         COALESCE(k.created_at, (SELECT MIN(g.created_at) FROM oidc_grants g \
            WHERE g.client_id = c.id AND g.user_id = $1 AND g.revoked_at IS NULL)) AS since, \
         (SELECT MAX(g.last_used_at) FROM oidc_grants g \
            WHERE g.client_id = c.id AND g.user_id = $1 AND g.revoked_at IS NULL) AS last_used \
         FROM oidc_clients c LEFT JOIN oidc_consents k ON k.client_id = c.id AND k.user_id = $1 \
         WHERE k.user_id IS NOT NULL OR EXISTS (SELECT 1 FROM oidc_grants g \
            WHERE g.client_id = c.id AND g.user_id = $1 AND g.revoked_at IS NULL) \
         ORDER BY c.name, c.id",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AllowedTool {
                client_id: r.try_get("client_id")?,
                name: r.try_get("name")?,
                home_url: r.try_get("home_url")?,
                scopes: r.try_get("scopes")?,
                since: r.try_get::<Option<i64>, _>("since")?.unwrap_or(0),
                last_used_at: r.try_get("last_used")?,
            })
        })
        .collect()
}

/// Housekeeping (hourly): forget dead codes and tokens.
pub async fn purge(db: &Db) -> Result<(), sqlx::Error> {
    let t = now();
    sqlx::query("DELETE FROM oidc_codes WHERE expires_at < $1")
        .bind(t - 86400)
        .execute(&db.pool)
        .await?;
    sqlx::query("DELETE FROM oidc_tokens WHERE expires_at < $1")
        .bind(t - 86400)
        .execute(&db.pool)
        .await?;
    Ok(())
}
