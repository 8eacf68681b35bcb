//! OpenID Connect Back-Channel Logout 1.0: when an OP session ends, every
//! tool that signed in through it (and registered a
//! `backchannel_logout_uri`) receives a signed logout token, through the
//! job queue — a tool that is down never holds up the logout, and delivery
//! is retried with backoff.
//!
//! The URI is registered by an administrator, so it is reached with a plain
//! client (no redirects, short timeouts) rather than the guarded client of
//! `crate::fetch`, which refuses private addresses where tools often live.

use std::time::Duration;

use serde_json::json;

use super::keys::{self, KeyCache};
use super::{clients, jws};
use crate::db::{Db, now};
use crate::jobs::{Job, Queue};

/// Queue a logout token for each tool the session `sid` signed in to.
pub async fn session_ended(
    db: &Db,
    jobs: &Queue,
    issuer: &str,
    sid: &str,
) -> Result<(), sqlx::Error> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT DISTINCT c.client_id, g.user_id FROM oidc_grants g \
         JOIN oidc_clients c ON c.id = g.client_id \
         WHERE g.sid = $1 AND c.backchannel_logout_uri <> ''",
    )
    .bind(sid)
    .fetch_all(&db.pool)
    .await?;
    for (client_id, user_id) in rows {
        let key = format!("oidc-bcl:{client_id}:{sid}");
        jobs.push(
            db,
            &Job::BackchannelLogout {
                issuer: issuer.to_string(),
                client_id,
                sid: sid.to_string(),
                sub: user_id.to_string(),
            },
            Some(&key),
        )
        .await?;
    }
    Ok(())
}

/// The logout token (§2.4): no nonce, an `events` member, `sid` and `sub`.
pub fn logout_claims(issuer: &str, client_id: &str, sid: &str, sub: &str) -> serde_json::Value {
    let t = now();
    let (jti, _) = crate::accounts::new_token();
    json!({
        "iss": issuer,
        "aud": client_id,
        "iat": t,
        "exp": t + 120,
        "jti": jti,
        "sid": sid,
        "sub": sub,
        "events": { "http://schemas.openid.net/event/backchannel-logout": {} },
    })
}

pub enum DeliveryError {
    /// Try again later (network error, 5xx).
    Retry(String),
    /// Give up (the client is gone or refused the token for good).
    Fail(String),
}

/// Sign and POST one logout token (run by the job worker).
pub async fn deliver(
    db: &Db,
    issuer: &str,
    client_id: &str,
    sid: &str,
    sub: &str,
) -> Result<(), DeliveryError> {
    let client = match clients::by_client_id(db, client_id).await {
        Ok(Some(c)) if !c.backchannel_logout_uri.is_empty() => c,
        Ok(_) => return Ok(()),
        Err(e) => return Err(DeliveryError::Retry(e.to_string())),
    };
    // Signed like the client's ID tokens (Back-Channel Logout 1.0 §2.4).
    let (kid, key) = keys::signing(db, &KeyCache::default(), client.alg)
        .await
        .map_err(|e| DeliveryError::Retry(format!("{e:#}")))?;
    let token = jws::sign(
        &key,
        &kid,
        "logout+jwt",
        &logout_claims(issuer, client_id, sid, sub),
    )
    .map_err(|e| DeliveryError::Retry(format!("{e:#}")))?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| DeliveryError::Retry(e.to_string()))?;
    let body = serde_urlencoded::to_string([("logout_token", token.as_str())])
        .map_err(|e| DeliveryError::Fail(e.to_string()))?;
    let res = http
        .post(&client.backchannel_logout_uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cache-control", "no-store")
        .body(body)
        .send()
        .await
        .map_err(|e| DeliveryError::Retry(e.to_string()))?;
    let status = res.status();
    if status.is_success() {
        Ok(())
    } else if status.is_server_error() || status.as_u16() == 429 {
        Err(DeliveryError::Retry(format!(
            "{} answered {status}",
            client.client_id
        )))
    } else {
        Err(DeliveryError::Fail(format!(
            "{} answered {status}",
            client.client_id
        )))
    }
}

/// Before a person's sessions are deleted in bulk (log out everywhere,
/// password change or reset, suspension, one session revoked by its
/// handle): queue the logout tokens of the sessions about to end.
/// `keep` is a session hash that stays; `handle` narrows to one session.
pub async fn user_sessions_ending(
    db: &Db,
    jobs: &Queue,
    issuer: &str,
    user_id: i64,
    keep: Option<&str>,
    handle: Option<&str>,
) -> Result<(), sqlx::Error> {
    if handle.is_some_and(|h| h.len() != 12 || !h.chars().all(|c| c.is_ascii_hexdigit())) {
        return Ok(());
    }
    let sessions: Vec<(String, String)> = sqlx::query_as(
        "SELECT id_hash, sid FROM sessions WHERE user_id = $1 AND id_hash <> $2 AND id_hash LIKE $3",
    )
    .bind(user_id)
    .bind(keep.unwrap_or(""))
    .bind(format!("{}%", handle.unwrap_or("")))
    .fetch_all(&db.pool)
    .await?;
    for (h, sid) in sessions {
        let sid = crate::accounts::sessions::sid_of_row(&h, &sid);
        session_ended(db, jobs, issuer, &sid).await?;
    }
    Ok(())
}
