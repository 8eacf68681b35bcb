//! Web Push (RFC 8030) through the browser's own push service, with no
//! relay of ours: a person subscribes a browser from the settings page
//! (`static/push.js` hands us the `PushSubscription`: endpoint, `p256dh`,
//! `auth`); for each record routed to the "push" channel the push pass
//! (`send_due`, every minute on every node, the policy checked then) queues
//! a `Job::Push` per subscription. Delivery encrypts the payload for that
//! browser (RFC 8291: ECDH P-256, HKDF-SHA-256, `aes128gcm` of RFC 8188),
//! signs a VAPID token (RFC 8292, ES256 JWT with the instance's key pair)
//! and POSTs it through the guarded fetcher. A push service answering 404
//! or 410 has forgotten the subscription: it is deleted.
//!
//! Crypto is aws-lc-rs (already the TLS provider): `agreement`, `hkdf`,
//! `aead`, `signature`.

use aws_lc_rs::{aead, agreement, hkdf, rand as lc_rand, signature};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;
use std::time::Duration;

use super::prefs::Channel;
use super::{Filter, Item};
use crate::actor::Actor;
use crate::db::{Db, now};
use crate::error::{AppError, AppResult};
use crate::fetch::{FetchError, FetchPolicy, Fetcher};
use crate::jobs::{Job, Queue};
use crate::publications::tick;
use crate::state::AppState;

/// Record size announced in the `aes128gcm` header (one record is sent).
const RECORD_SIZE: u32 = 4096;
/// Largest payload before encryption (a push service takes at least 4 KB
/// of body: 4096 − header 86 − tag 16 − delimiter 1).
pub const MAX_PAYLOAD: usize = 3993;
/// Subscriptions per person (browsers).
pub const MAX_SUBSCRIPTIONS: i64 = 20;
/// How long a push service keeps an undelivered message (`TTL`, seconds).
const TTL: i64 = 86_400;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PushError {
    #[error("invalid subscription key")]
    Key,
    #[error("payload too large")]
    TooLarge,
    #[error("crypto failure")]
    Crypto,
}

struct Len(usize);
impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

fn hkdf(salt: &[u8], ikm: &[u8], info: &[u8], len: usize) -> Result<Vec<u8>, PushError> {
    let salt = hkdf::Salt::new(hkdf::HKDF_SHA256, salt);
    let prk = salt.extract(ikm);
    let info = [info];
    let okm = prk.expand(&info, Len(len)).map_err(|_| PushError::Crypto)?;
    let mut out = vec![0u8; len];
    okm.fill(&mut out).map_err(|_| PushError::Crypto)?;
    Ok(out)
}

/// Encrypt `payload` for a browser (RFC 8291 §3.4, one `aes128gcm` record):
/// `ua_public` is its P-256 key (65 bytes, uncompressed), `auth` its
/// 16-byte secret. A fresh key pair and salt each time.
pub fn encrypt(ua_public: &[u8], auth: &[u8], payload: &[u8]) -> Result<Vec<u8>, PushError> {
    if ua_public.len() != 65 || ua_public[0] != 4 || auth.len() != 16 {
        return Err(PushError::Key);
    }
    if payload.len() > MAX_PAYLOAD {
        return Err(PushError::TooLarge);
    }
    let rng = lc_rand::SystemRandom::new();
    let as_private = agreement::EphemeralPrivateKey::generate(&agreement::ECDH_P256, &rng)
        .map_err(|_| PushError::Crypto)?;
    let as_public = as_private
        .compute_public_key()
        .map_err(|_| PushError::Crypto)?;
    let as_public = as_public.as_ref().to_vec();
    let ecdh_secret = agreement::agree_ephemeral(
        as_private,
        &agreement::UnparsedPublicKey::new(&agreement::ECDH_P256, ua_public),
        PushError::Key,
        |s| Ok(s.to_vec()),
    )?;
    let mut key_info = b"WebPush: info\0".to_vec();
    key_info.extend_from_slice(ua_public);
    key_info.extend_from_slice(&as_public);
    let ikm = hkdf(auth, &ecdh_secret, &key_info, 32)?;
    let salt: [u8; 16] = rand::random();
    let cek = hkdf(&salt, &ikm, b"Content-Encoding: aes128gcm\0", 16)?;
    let nonce = hkdf(&salt, &ikm, b"Content-Encoding: nonce\0", 12)?;
    let key = aead::LessSafeKey::new(
        aead::UnboundKey::new(&aead::AES_128_GCM, &cek).map_err(|_| PushError::Crypto)?,
    );
    let mut record = payload.to_vec();
    // The last (and only) record's delimiter, no padding.
    record.push(2);
    key.seal_in_place_append_tag(
        aead::Nonce::try_assume_unique_for_key(&nonce).map_err(|_| PushError::Crypto)?,
        aead::Aad::empty(),
        &mut record,
    )
    .map_err(|_| PushError::Crypto)?;
    let mut body = Vec::with_capacity(86 + record.len());
    body.extend_from_slice(&salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(as_public.len() as u8);
    body.extend_from_slice(&as_public);
    body.extend_from_slice(&record);
    Ok(body)
}

/// The instance's VAPID key pair.
pub struct Vapid {
    pair: signature::EcdsaKeyPair,
    /// The public key, uncompressed, base64url (the `k=` of the header and
    /// the `applicationServerKey` browsers subscribe with).
    pub public: String,
}

impl Vapid {
    fn from_pkcs8(pkcs8: &[u8]) -> Option<Vapid> {
        let pair =
            signature::EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8)
                .ok()?;
        use signature::KeyPair as _;
        let public = B64.encode(pair.public_key().as_ref());
        Some(Vapid { pair, public })
    }

    /// Load the key pair, making it on first use (two nodes racing keep the
    /// first row).
    pub async fn load(db: &Db) -> Result<Vapid, sqlx::Error> {
        let bad = |_| sqlx::Error::Protocol("the VAPID key is unreadable".into());
        tick();
        let found: Option<String> =
            sqlx::query_scalar("SELECT private_key FROM push_keys WHERE id = 1")
                .fetch_optional(&db.pool)
                .await?;
        let private = match found {
            Some(p) => p,
            None => {
                let rng = lc_rand::SystemRandom::new();
                let doc = signature::EcdsaKeyPair::generate_pkcs8(
                    &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                    &rng,
                )
                .map_err(|_| sqlx::Error::Protocol("cannot make a VAPID key".into()))?;
                let fresh = B64.encode(doc.as_ref());
                let public = Vapid::from_pkcs8(doc.as_ref())
                    .map(|v| v.public)
                    .unwrap_or_default();
                sqlx::query(
                    "INSERT INTO push_keys (id, private_key, public_key) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING",
                )
                .bind(&fresh)
                .bind(&public)
                .execute(&db.pool)
                .await?;
                sqlx::query_scalar("SELECT private_key FROM push_keys WHERE id = 1")
                    .fetch_one(&db.pool)
                    .await?
            }
        };
        let der = B64.decode(private.trim()).map_err(bad)?;
        Vapid::from_pkcs8(&der).ok_or(sqlx::Error::Protocol("the VAPID key is unreadable".into()))
    }

    /// `Authorization: vapid t=<JWT>, k=<public key>` for an endpoint
    /// (RFC 8292 §3): audience its origin, 12 hours, `sub` a contact URL.
    pub fn authorization(&self, endpoint: &str, subject: &str, at: i64) -> Option<String> {
        let u = url::Url::parse(endpoint).ok()?;
        let aud = u.origin().ascii_serialization();
        let header = B64.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = B64.encode(
            serde_json::json!({"aud": aud, "exp": at + 12 * 3600, "sub": subject})
                .to_string()
                .as_bytes(),
        );
        let signing_input = format!("{header}.{claims}");
        let rng = lc_rand::SystemRandom::new();
        let sig = self.pair.sign(&rng, signing_input.as_bytes()).ok()?;
        Some(format!(
            "vapid t={signing_input}.{}, k={}",
            B64.encode(sig.as_ref()),
            self.public
        ))
    }
}

/// A browser's subscription, as `PushSubscription.toJSON()` gives it.
#[derive(Debug, Clone, Deserialize)]
pub struct NewSubscription {
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
}

fn decode_key(s: &str) -> Option<Vec<u8>> {
    let s = s.trim().trim_end_matches('=');
    B64.decode(s).ok().or_else(|| {
        base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(s)
            .ok()
    })
}

/// Check a subscription: an http(s) endpoint, a P-256 point, a 16-byte
/// secret. Field keys of `Invalid`: `endpoint`, `p256dh`, `auth`.
fn check(s: &NewSubscription) -> AppResult<(String, Vec<u8>, Vec<u8>)> {
    let mut fields = Vec::new();
    let endpoint = s.endpoint.trim().to_string();
    let ok_url = url::Url::parse(&endpoint)
        .ok()
        .is_some_and(|u| matches!(u.scheme(), "https" | "http") && u.host().is_some());
    if !ok_url || endpoint.len() > 2000 {
        fields.push(("endpoint".to_string(), "push-error-endpoint".to_string()));
    }
    let key = decode_key(&s.p256dh).filter(|k| k.len() == 65 && k[0] == 4 && on_curve(k));
    if key.is_none() {
        fields.push(("p256dh".to_string(), "push-error-key".to_string()));
    }
    let auth = decode_key(&s.auth).filter(|a| a.len() == 16);
    if auth.is_none() {
        fields.push(("auth".to_string(), "push-error-key".to_string()));
    }
    match (key, auth, fields.is_empty()) {
        (Some(k), Some(a), true) => Ok((endpoint, k, a)),
        _ => Err(AppError::Invalid { fields }),
    }
}

/// Whether `point` is a P-256 public key (an agreement with it succeeds).
fn on_curve(point: &[u8]) -> bool {
    let rng = lc_rand::SystemRandom::new();
    let Ok(mine) = agreement::EphemeralPrivateKey::generate(&agreement::ECDH_P256, &rng) else {
        return false;
    };
    agreement::agree_ephemeral(
        mine,
        &agreement::UnparsedPublicKey::new(&agreement::ECDH_P256, point),
        (),
        |_| Ok(()),
    )
    .is_ok()
}

fn me(actor: &Actor) -> AppResult<&crate::accounts::User> {
    let user = actor.user().ok_or(AppError::Unauthorized)?;
    if !actor.may(crate::policy::Action::EditAccount { target: user }) {
        return Err(AppError::Forbidden);
    }
    Ok(user)
}

/// Keep a browser's subscription for the acting person (the same endpoint
/// subscribed again is moved to them, with its new keys).
pub async fn subscribe(state: &AppState, actor: &Actor, s: &NewSubscription) -> AppResult<()> {
    let user = me(actor)?;
    let (endpoint, key, auth) = check(s)?;
    let db = &state.db;
    let mut tx = db.begin().await?;
    tick();
    sqlx::query("DELETE FROM push_subscriptions WHERE endpoint = $1")
        .bind(&endpoint)
        .execute(&mut *tx)
        .await?;
    tick();
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM push_subscriptions WHERE user_id = $1")
            .bind(user.id)
            .fetch_one(&mut *tx)
            .await?;
    if count >= MAX_SUBSCRIPTIONS {
        return Err(AppError::Conflict {
            code: "too_many_subscriptions",
            message_key: "push-error-too-many",
        });
    }
    tick();
    sqlx::query(
        "INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(user.id)
    .bind(&endpoint)
    .bind(B64.encode(&key))
    .bind(B64.encode(&auth))
    .bind(now())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Forget one of the acting person's subscriptions (by endpoint); true if
/// there was one.
pub async fn unsubscribe(state: &AppState, actor: &Actor, endpoint: &str) -> AppResult<bool> {
    let user = me(actor)?;
    tick();
    let n = sqlx::query("DELETE FROM push_subscriptions WHERE user_id = $1 AND endpoint = $2")
        .bind(user.id)
        .bind(endpoint.trim())
        .execute(&state.db.pool)
        .await?
        .rows_affected();
    Ok(n > 0)
}

/// How many browsers a person subscribed.
pub async fn count(db: &Db, user_id: i64) -> Result<i64, sqlx::Error> {
    tick();
    sqlx::query_scalar("SELECT COUNT(*) FROM push_subscriptions WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(&db.pool)
        .await
}

/// What the service worker shows (`static/push-sw.js`): short, in the
/// person's language; the link is relative to the site.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Payload {
    pub title: String,
    pub body: String,
    pub url: String,
    pub tag: String,
}

fn payload_of(lang: crate::i18n::Lang, instance: &str, item: &Item, title: &str) -> Payload {
    let what = super::describe(lang, item);
    let mut body = if title.is_empty() {
        item.excerpt.clone()
    } else {
        title.to_string()
    };
    if body.chars().count() > 300 {
        body = super::excerpt(&body, 300);
    }
    Payload {
        title: format!("{instance} — {what}"),
        body,
        url: item.link(),
        tag: match (item.publication_id, item.event_id) {
            (Some(p), _) => format!("publication-{p}"),
            (None, Some(e)) => format!("event-{e}"),
            (None, None) => format!("notification-{}", item.id),
        },
    }
}

/// How far back the push pass looks.
pub const WINDOW: i64 = 2 * 86400;

/// The push pass: each record not yet looked at is routed now, with the
/// policy of now; those routed to "push" are queued, one job per browser.
/// A record is claimed by a conditional update in the transaction that
/// queues its jobs (two nodes never push it twice). Returns the jobs queued.
pub async fn send_due(state: &AppState, at: i64) -> Result<usize, sqlx::Error> {
    let db = &state.db;
    tick();
    let users: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT n.user_id FROM notifications n JOIN push_subscriptions s ON s.user_id = n.user_id \
         WHERE n.pushed_at IS NULL AND n.created_at > $1 AND n.created_at <= $2 ORDER BY n.user_id LIMIT 500",
    )
    .bind(at - WINDOW)
    .bind(at)
    .fetch_all(&db.pool)
    .await?;
    let instance = state.instance_name();
    let mut queued = 0;
    for uid in users {
        let Some(user) = crate::accounts::by_id(db, uid).await? else {
            continue;
        };
        let active = user.status == crate::accounts::Status::Active && user.domain.is_none();
        let items = super::fetch_with(
            db,
            &user,
            200,
            Filter {
                after: Some(at - WINDOW),
                until: Some(at),
                unpushed: true,
                excerpts: true,
                keep_never: true,
                ..Filter::default()
            },
        )
        .await?;
        tick();
        let subs: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM push_subscriptions WHERE user_id = $1")
                .bind(uid)
                .fetch_all(&db.pool)
                .await?;
        let lang = super::email::lang_of(&user);
        let mut tx = db.begin().await?;
        for (item, title) in &items {
            let push = active && item.channel == Channel::Push && !subs.is_empty();
            tick();
            let claimed = sqlx::query(
                "UPDATE notifications SET pushed_at = $1 WHERE id = $2 AND pushed_at IS NULL",
            )
            .bind(if push { at.max(1) } else { 0 })
            .bind(item.id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if claimed && push {
                let p = payload_of(lang, &instance, item, title.as_deref().unwrap_or(""));
                let payload = serde_json::to_string(&p).unwrap_or_default();
                for s in &subs {
                    Queue::push_in(
                        &mut tx,
                        &Job::Push {
                            subscription_id: *s,
                            payload: payload.clone(),
                            base_url: state.config.public_url(),
                        },
                        None,
                    )
                    .await?;
                    queued += 1;
                }
            }
        }
        // What the policy hides now is never pushed later either.
        tick();
        sqlx::query(
            "UPDATE notifications SET pushed_at = 0 WHERE user_id = $1 AND pushed_at IS NULL AND created_at <= $2",
        )
        .bind(uid)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    if queued > 0 {
        state.jobs.wake();
    }
    Ok(queued)
}

/// The outcome of one delivery.
#[derive(Debug, PartialEq, Eq)]
pub enum Delivery {
    Done,
    /// The subscription is gone (404/410): deleted.
    Pruned,
    Retry(String),
    Fail(String),
}

fn fetcher(public_url: &str) -> &'static Fetcher {
    static F: OnceLock<Fetcher> = OnceLock::new();
    F.get_or_init(|| Fetcher::new(&crate::fetch::user_agent(public_url)))
}

/// Deliver one payload to one subscription (`Job::Push`).
pub async fn deliver(db: &Db, subscription_id: i64, payload: &str, base_url: &str) -> Delivery {
    tick();
    let row: Result<Option<(String, String, String)>, _> =
        sqlx::query_as("SELECT endpoint, p256dh, auth FROM push_subscriptions WHERE id = $1")
            .bind(subscription_id)
            .fetch_optional(&db.pool)
            .await;
    let (endpoint, p256dh, auth) = match row {
        Ok(Some(r)) => r,
        // Unsubscribed meanwhile: nothing to do.
        Ok(None) => return Delivery::Done,
        Err(e) => return Delivery::Retry(e.to_string()),
    };
    let (Some(key), Some(auth)) = (decode_key(&p256dh), decode_key(&auth)) else {
        return Delivery::Fail("unreadable subscription keys".into());
    };
    let body = match encrypt(&key, &auth, payload.as_bytes()) {
        Ok(b) => b,
        Err(e) => return Delivery::Fail(e.to_string()),
    };
    let vapid = match Vapid::load(db).await {
        Ok(v) => v,
        Err(e) => return Delivery::Retry(e.to_string()),
    };
    let Some(authorization) = vapid.authorization(&endpoint, base_url, now()) else {
        return Delivery::Fail("invalid endpoint".into());
    };
    let policy = FetchPolicy {
        max_bytes: 64 * 1024,
        timeout: Duration::from_secs(15),
        max_redirects: 0,
        allow_loopback_for_tests: crate::publications::fetch_allow_list(&endpoint),
        accept: "*/*",
    };
    let headers = [
        ("Authorization", authorization),
        ("Content-Encoding", "aes128gcm".to_string()),
        ("Content-Type", "application/octet-stream".to_string()),
        ("TTL", TTL.to_string()),
        ("Urgency", "normal".to_string()),
    ];
    match fetcher(base_url)
        .post(&endpoint, &policy, &headers, Bytes::from(body))
        .await
    {
        Ok(_) => {
            tick();
            let _ = sqlx::query("UPDATE push_subscriptions SET last_success_at = $1 WHERE id = $2")
                .bind(now())
                .bind(subscription_id)
                .execute(&db.pool)
                .await;
            Delivery::Done
        }
        Err(FetchError::Http(404 | 410)) => {
            tick();
            match sqlx::query("DELETE FROM push_subscriptions WHERE id = $1")
                .bind(subscription_id)
                .execute(&db.pool)
                .await
            {
                Ok(_) => Delivery::Pruned,
                Err(e) => Delivery::Retry(e.to_string()),
            }
        }
        Err(FetchError::Http(413)) | Err(FetchError::Http(400)) => {
            Delivery::Fail("the push service refused the message".into())
        }
        Err(
            FetchError::ForbiddenAddress | FetchError::ForbiddenScheme | FetchError::InvalidUrl,
        ) => Delivery::Fail("the endpoint is not a public address".into()),
        Err(e) => Delivery::Retry(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_keys_are_refused() {
        assert_eq!(encrypt(&[4; 10], &[0; 16], b"x"), Err(PushError::Key));
        let rng = lc_rand::SystemRandom::new();
        let ua = agreement::EphemeralPrivateKey::generate(&agreement::ECDH_P256, &rng).unwrap();
        let ua_pub = ua.compute_public_key().unwrap();
        let body = encrypt(ua_pub.as_ref(), &[7; 16], b"hello").unwrap();
        // salt 16 + rs 4 + idlen 1 + key 65, then 5 + 1 delimiter + 16 tag.
        assert_eq!(body.len(), 86 + 5 + 1 + 16);
        assert_eq!(&body[16..20], &4096u32.to_be_bytes());
        assert_eq!(body[20], 65);
        assert_eq!(
            encrypt(ua_pub.as_ref(), &[7; 16], &[0; MAX_PAYLOAD + 1]),
            Err(PushError::TooLarge)
        );
    }
}
