//! One-click unsubscribe links (RFC 8058): a signed token that says whose
//! e-mails to stop and which — one kind, one community, or a digest — and
//! until when it is good. Nothing is stored per message; the key is one row
//! of `notification_keys`. Using a token twice sets the same preference
//! again: replaying it is harmless.

use aws_lc_rs::hmac;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;

use super::prefs::{Channel, Kind, Level};
use crate::db::{Db, now};
use crate::publications::tick;

/// How long a link stays good (60 days).
pub const LIFETIME: i64 = 60 * 86400;

/// What a link turns off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// E-mails of one kind (the kind stays in the notification centre).
    Kind(Kind),
    /// Everything from one community (its watching level becomes muted).
    Community(i64),
    /// A digest: every kind routed to it goes back to the centre only.
    Digest(Channel),
}

impl Target {
    fn encode(&self) -> String {
        match self {
            Target::Kind(k) => format!("k:{}", k.code()),
            Target::Community(c) => format!("c:{c}"),
            Target::Digest(c) => format!("d:{}", c.code()),
        }
    }
    fn decode(s: &str) -> Option<Target> {
        let (t, v) = s.split_once(':')?;
        match t {
            "k" => Kind::parse(v).filter(|k| !k.fixed()).map(Target::Kind),
            "c" => v.parse().ok().map(Target::Community),
            "d" => Channel::parse(v)
                .filter(|c| matches!(c, Channel::Daily | Channel::Weekly))
                .map(Target::Digest),
            _ => None,
        }
    }
}

/// A verified link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub user_id: i64,
    pub target: Target,
    pub expires: i64,
}

/// The instance's signing key, made on first use (two nodes racing keep the
/// first row).
async fn key(db: &Db) -> Result<hmac::Key, sqlx::Error> {
    tick();
    let found: Option<String> =
        sqlx::query_scalar("SELECT secret FROM notification_keys WHERE id = 1")
            .fetch_optional(&db.pool)
            .await?;
    let secret = match found {
        Some(s) => s,
        None => {
            let fresh = hex::encode(rand::random::<[u8; 32]>());
            sqlx::query(
                "INSERT INTO notification_keys (id, secret) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
            )
            .bind(&fresh)
            .execute(&db.pool)
            .await?;
            sqlx::query_scalar("SELECT secret FROM notification_keys WHERE id = 1")
                .fetch_one(&db.pool)
                .await?
        }
    };
    Ok(hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes()))
}

/// A signer for many links (one key read).
pub struct Signer(hmac::Key);

impl Signer {
    pub async fn load(db: &Db) -> Result<Signer, sqlx::Error> {
        Ok(Signer(key(db).await?))
    }
    /// A signer with a given secret (unit tests).
    pub fn from_secret(secret: &[u8]) -> Signer {
        Signer(hmac::Key::new(hmac::HMAC_SHA256, secret))
    }
    /// The MAC of `data` under the instance's key (reply addresses use it,
    /// with their own prefix so no token stands for another).
    pub(crate) fn mac(&self, data: &[u8]) -> Vec<u8> {
        hmac::sign(&self.0, data).as_ref().to_vec()
    }
    /// `<payload>.<signature>`, URL-safe.
    pub fn token(&self, user_id: i64, target: &Target, expires: i64) -> String {
        let payload = format!("{user_id}.{}.{expires}", target.encode());
        let tag = hmac::sign(&self.0, payload.as_bytes());
        format!(
            "{}.{}",
            B64.encode(payload.as_bytes()),
            B64.encode(&tag.as_ref()[..16])
        )
    }
    /// The link a token stands for, if its signature holds and it has not
    /// expired at `at`.
    pub fn verify(&self, token: &str, at: i64) -> Option<Link> {
        let (p, t) = token.trim().split_once('.')?;
        let payload = B64.decode(p).ok()?;
        let tag = B64.decode(t).ok()?;
        let full = hmac::sign(&self.0, &payload);
        if tag.len() != 16 || !constant_eq(&full.as_ref()[..16], &tag) {
            return None;
        }
        let payload = String::from_utf8(payload).ok()?;
        let mut parts = payload.splitn(3, '.');
        let user_id: i64 = parts.next()?.parse().ok()?;
        let target = Target::decode(parts.next()?)?;
        let expires: i64 = parts.next()?.parse().ok()?;
        (expires >= at).then_some(Link {
            user_id,
            target,
            expires,
        })
    }
}

pub(crate) fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Apply a verified link: the same preference change as the settings page
/// would make. Idempotent.
pub async fn apply(db: &Db, link: &Link) -> Result<(), sqlx::Error> {
    match &link.target {
        Target::Kind(k) => super::ops::store_channel(db, link.user_id, *k, Channel::App).await,
        Target::Community(c) => super::ops::store_level(db, link.user_id, *c, Level::Muted).await,
        Target::Digest(d) => {
            let prefs = super::prefs::load(db, link.user_id).await?;
            for k in Kind::ALL {
                if !k.fixed() && prefs.channel(k) == *d {
                    super::ops::store_channel(db, link.user_id, k, Channel::App).await?;
                }
            }
            Ok(())
        }
    }
}

/// The community a link is about, by name (for the page that says what the
/// link turns off).
pub async fn community_name(db: &Db, target: &Target) -> Result<Option<String>, sqlx::Error> {
    match target {
        Target::Community(id) => {
            tick();
            sqlx::query_scalar("SELECT name FROM communities WHERE id = $1")
                .bind(*id)
                .fetch_optional(&db.pool)
                .await
        }
        _ => Ok(None),
    }
}

/// Verify then apply; `None` when the token is bad or expired.
pub async fn redeem(db: &Db, token: &str) -> Result<Option<Link>, sqlx::Error> {
    let signer = Signer::load(db).await?;
    let Some(link) = signer.verify(token, now()) else {
        return Ok(None);
    };
    apply(db, &link).await?;
    Ok(Some(link))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_signed_and_expire() {
        let s = Signer(hmac::Key::new(hmac::HMAC_SHA256, b"k"));
        let t = s.token(7, &Target::Community(3), 1000);
        assert_eq!(
            s.verify(&t, 999),
            Some(Link {
                user_id: 7,
                target: Target::Community(3),
                expires: 1000
            })
        );
        assert_eq!(s.verify(&t, 1001), None, "expired");
        // Another person's id under the same signature is refused.
        let (p, sig) = t.split_once('.').unwrap();
        let forged = B64.encode(
            String::from_utf8(B64.decode(p).unwrap())
                .unwrap()
                .replacen('7', "8", 1),
        );
        assert_eq!(s.verify(&format!("{forged}.{sig}"), 0), None);
        let other = Signer(hmac::Key::new(hmac::HMAC_SHA256, b"other"));
        assert_eq!(other.verify(&t, 0), None, "another key");
        // Security notices cannot be unsubscribed from.
        let sec = s.token(7, &Target::Kind(Kind::Security), 1000);
        assert_eq!(s.verify(&sec, 0), None);
    }
}
