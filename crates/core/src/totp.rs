//! TOTP second factor (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits —
//! what every authenticator app speaks), recovery codes, and the short
//! challenge between a correct password and the code. No HTTP here.
//!
//! HMAC comes from aws-lc-rs (already used for TLS and OIDC signing).
//! A code is accepted one step either side (clock skew) and never twice:
//! the last accepted step is stored.

use aws_lc_rs::hmac;
use rand::RngCore;

use crate::accounts::{hash_token, new_token};
use crate::db::{Db, now};

pub const STEP: i64 = 30;
pub const DIGITS: u32 = 6;
/// How long the code page waits after the password (seconds).
pub const CHALLENGE_TTL: i64 = 300;
pub const RECOVERY_CODES: usize = 10;

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buf = (buf << 8) | b as u32;
        bits += 8;
        while bits >= 5 {
            out.push(B32[((buf >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(B32[((buf << (5 - bits)) & 31) as usize] as char);
    }
    out
}

pub fn unbase32(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for c in s.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let v = B32
            .iter()
            .position(|&x| x as char == c.to_ascii_uppercase())? as u32;
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            out.push((buf >> (bits - 8)) as u8);
            bits -= 8;
        }
    }
    Some(out)
}

/// HOTP (RFC 4226) for one counter value.
pub fn hotp(key: &[u8], counter: u64, digits: u32) -> u32 {
    let k = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, key);
    let tag = hmac::sign(&k, &counter.to_be_bytes());
    let h = tag.as_ref();
    let offset = (h[h.len() - 1] & 0x0f) as usize;
    let bin = ((h[offset] as u32 & 0x7f) << 24)
        | ((h[offset + 1] as u32) << 16)
        | ((h[offset + 2] as u32) << 8)
        | (h[offset + 3] as u32);
    bin % 10u32.pow(digits)
}

/// The code an app shows at Unix time `t`.
pub fn code_at(secret_b32: &str, t: i64) -> Option<String> {
    let key = unbase32(secret_b32)?;
    Some(format!(
        "{:0width$}",
        hotp(&key, (t / STEP) as u64, DIGITS),
        width = DIGITS as usize
    ))
}

/// The time step `code` matches at time `t` (±1 step), if any and newer
/// than `last_step`.
pub fn matching_step(secret_b32: &str, code: &str, t: i64, last_step: i64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS as usize || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let key = unbase32(secret_b32)?;
    let now_step = t / STEP;
    (now_step - 1..=now_step + 1).find(|&s| {
        s > last_step
            && crate::oidc::constant_eq(
                &format!(
                    "{:0width$}",
                    hotp(&key, s as u64, DIGITS),
                    width = DIGITS as usize
                ),
                &code,
            )
    })
}

/// The `otpauth://` address authenticator apps import (typed or as a QR code).
pub fn otpauth_uri(issuer: &str, account: &str, secret_b32: &str) -> String {
    let enc = |s: &str| {
        percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    format!(
        "otpauth://totp/{}:{}?secret={secret_b32}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP}",
        enc(issuer),
        enc(account),
        enc(issuer)
    )
}

/// The enrolment address as a QR code, an SVG `data:` URL for an `<img>`
/// (the page's CSP allows `data:` images; nothing is fetched).
pub fn qr_data_url(uri: &str) -> Option<String> {
    use base64::Engine;
    let code = qrcode::QrCode::new(uri.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    Some(format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(svg)
    ))
}

/// Whether the person has an active (confirmed) second factor.
pub async fn is_enabled(db: &Db, user_id: i64) -> Result<bool, sqlx::Error> {
    let c: Option<Option<i64>> =
        sqlx::query_scalar("SELECT confirmed_at FROM totp_factors WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(matches!(c, Some(Some(_))))
}

/// Whether the person has a second factor of any kind. The one question
/// every "second factor required" rule asks: a kind of factor added later
/// (e.g. passkeys) answers here too.
pub async fn has_second_factor(db: &Db, user_id: i64) -> Result<bool, sqlx::Error> {
    Ok(is_enabled(db, user_id).await? || crate::webauthn::has_passkey(db, user_id).await?)
}

/// An administrator whose powers are withheld: the instance requires a
/// second factor of administrators and they have none yet. They act as a
/// member (pages, API) and are sent to enrolment until they add one.
pub async fn admin_powers_withheld(
    db: &Db,
    user: &crate::accounts::User,
) -> Result<bool, sqlx::Error> {
    Ok(user.is_admin
        && crate::settings::admin_second_factor_required(db).await?
        && !has_second_factor(db, user.id).await?)
}

/// Start (or restart) enrolment: a new secret, not yet confirmed. An
/// active factor is left alone (disable it first).
pub async fn begin(db: &Db, user_id: i64) -> Result<Option<String>, sqlx::Error> {
    if is_enabled(db, user_id).await? {
        return Ok(None);
    }
    let mut key = [0u8; 20];
    rand::rng().fill_bytes(&mut key);
    let secret = base32(&key);
    sqlx::query(
        "INSERT INTO totp_factors (user_id, secret, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id) DO UPDATE SET secret = $2, created_at = $3, confirmed_at = NULL, last_step = 0",
    )
    .bind(user_id)
    .bind(&secret)
    .bind(now())
    .execute(&db.pool)
    .await?;
    Ok(Some(secret))
}

/// The pending secret of an enrolment in progress.
pub async fn pending_secret(db: &Db, user_id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT secret FROM totp_factors WHERE user_id = $1 AND confirmed_at IS NULL",
    )
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await
}

/// Check a code against the person's factor (pending or active) and, when
/// it matches, remember its step so it cannot be used again.
async fn accept_code(
    db: &Db,
    user_id: i64,
    code: &str,
    confirmed: bool,
) -> Result<bool, sqlx::Error> {
    let row: Option<(String, i64)> = sqlx::query_as(if confirmed {
        "SELECT secret, last_step FROM totp_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL"
    } else {
        "SELECT secret, last_step FROM totp_factors WHERE user_id = $1 AND confirmed_at IS NULL"
    })
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await?;
    let Some((secret, last)) = row else {
        return Ok(false);
    };
    let Some(step) = matching_step(&secret, code, now(), last) else {
        return Ok(false);
    };
    // Atomic: two requests with the same code cannot both pass.
    let n =
        sqlx::query("UPDATE totp_factors SET last_step = $1 WHERE user_id = $2 AND last_step < $1")
            .bind(step)
            .bind(user_id)
            .execute(&db.pool)
            .await?
            .rows_affected();
    Ok(n == 1)
}

/// Accept the first code of an enrolment in progress (its step is spent).
pub async fn accept_pending_code(db: &Db, user_id: i64, code: &str) -> Result<bool, sqlx::Error> {
    accept_code(db, user_id, code, false).await
}

/// Mark the factor confirmed, in the caller's transaction.
pub async fn mark_confirmed_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    user_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE totp_factors SET confirmed_at = $1 WHERE user_id = $2")
        .bind(now())
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The factor and its recovery codes go, in the caller's transaction.
pub async fn disable_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    user_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM totp_factors WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Finish enrolment with a first code; returns the recovery codes (shown once).
pub async fn confirm(
    db: &Db,
    user_id: i64,
    code: &str,
) -> Result<Option<Vec<String>>, sqlx::Error> {
    if !accept_code(db, user_id, code, false).await? {
        return Ok(None);
    }
    sqlx::query("UPDATE totp_factors SET confirmed_at = $1 WHERE user_id = $2")
        .bind(now())
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(Some(new_recovery_codes(db, user_id).await?))
}

/// Replace the recovery codes; returns the new ones (shown once).
pub async fn new_recovery_codes(db: &Db, user_id: i64) -> Result<Vec<String>, sqlx::Error> {
    let mut tx = db.begin().await?;
    let codes = new_recovery_codes_in(&mut tx, user_id).await?;
    tx.commit().await?;
    Ok(codes)
}

/// `new_recovery_codes` in the caller's transaction.
pub async fn new_recovery_codes_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    user_id: i64,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    let mut codes = Vec::with_capacity(RECOVERY_CODES);
    for _ in 0..RECOVERY_CODES {
        let mut b = [0u8; 8];
        rand::rng().fill_bytes(&mut b);
        let c = base32(&b)[..12].to_lowercase();
        let c = format!("{}-{}-{}", &c[..4], &c[4..8], &c[8..]);
        sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(user_id)
            .bind(hash_token(&c))
            .execute(&mut **tx)
            .await?;
        codes.push(c);
    }
    Ok(codes)
}

pub async fn recovery_codes_left(db: &Db, user_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .fetch_one(&db.pool)
        .await
}

/// A second-factor answer at log-in: a current code, or an unused recovery code.
pub async fn verify(db: &Db, user_id: i64, answer: &str) -> Result<bool, sqlx::Error> {
    let answer = answer.trim();
    if answer.chars().filter(char::is_ascii_digit).count() == DIGITS as usize
        && answer.len() <= DIGITS as usize + 2
    {
        return accept_code(db, user_id, answer, true).await;
    }
    let normalised: String = answer
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    if normalised.len() != 12 {
        return Ok(false);
    }
    let c = format!(
        "{}-{}-{}",
        &normalised[..4],
        &normalised[4..8],
        &normalised[8..]
    );
    let n = sqlx::query(
        "UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
    )
    .bind(now())
    .bind(user_id)
    .bind(hash_token(&c))
    .execute(&db.pool)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Turn the second factor off (the caller has checked a code or the password).
pub async fn disable(db: &Db, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM totp_factors WHERE user_id = $1")
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// After a correct password: a challenge token (for a cookie) that the
/// code page redeems. `reauth_session` is the hash of the open session a
/// re-authentication comes from (the step then updates that session instead
/// of starting one), or empty for a log-in.
pub async fn open_challenge(
    db: &Db,
    user_id: i64,
    next: &str,
    reauth_session: &str,
) -> Result<String, sqlx::Error> {
    let (token, hash) = new_token();
    let t = now();
    sqlx::query(
        "INSERT INTO login_challenges (token_hash, user_id, next, created_at, expires_at, reauth_session) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(hash)
    .bind(user_id)
    .bind(next)
    .bind(t)
    .bind(t + CHALLENGE_TTL)
    .bind(reauth_session)
    .execute(&db.pool)
    .await?;
    sqlx::query("DELETE FROM login_challenges WHERE expires_at < $1")
        .bind(t)
        .execute(&db.pool)
        .await?;
    Ok(token)
}

/// A live second-factor step.
#[derive(Debug, Clone)]
pub struct Challenge {
    pub user_id: i64,
    /// The page to go to once it is passed.
    pub next: String,
    /// The session it re-authenticates (hash), or `None` for a log-in.
    pub reauth_session: Option<String>,
}

/// The person, `next` page and kind of a live challenge.
pub async fn challenge(db: &Db, token: &str) -> Result<Option<Challenge>, sqlx::Error> {
    let row: Option<(i64, String, String)> = sqlx::query_as(
        "SELECT user_id, next, reauth_session FROM login_challenges \
         WHERE token_hash = $1 AND expires_at > $2",
    )
    .bind(hash_token(token))
    .bind(now())
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|(user_id, next, reauth)| Challenge {
        user_id,
        next,
        reauth_session: Some(reauth).filter(|r| !r.is_empty()),
    }))
}

pub async fn close_challenge(db: &Db, token: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_challenges WHERE token_hash = $1")
        .bind(hash_token(token))
        .execute(&db.pool)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vectors() {
        // RFC 6238 appendix B, SHA-1 seed "12345678901234567890", 8 digits.
        let key = b"12345678901234567890";
        for (t, want) in [
            (59u64, 94287082u32),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
        ] {
            assert_eq!(hotp(key, t / 30, 8), want, "t={t}");
        }
    }

    #[test]
    fn base32_round_trip_and_rfc4648_vector() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(unbase32("MZXW6YTBOI").as_deref(), Some(&b"foobar"[..]));
        assert_eq!(
            unbase32("mzxw 6ytb oi======").as_deref(),
            Some(&b"foobar"[..])
        );
        assert_eq!(unbase32("M1"), None);
    }

    #[test]
    fn codes_match_one_step_either_side_and_never_twice() {
        let secret = base32(b"12345678901234567890");
        let t = 1_700_000_000;
        let code = code_at(&secret, t).expect("code");
        let step = t / STEP;
        assert_eq!(matching_step(&secret, &code, t, 0), Some(step));
        assert_eq!(matching_step(&secret, &code, t + STEP, 0), Some(step));
        assert_eq!(matching_step(&secret, &code, t + 3 * STEP, 0), None);
        assert_eq!(matching_step(&secret, &code, t, step), None, "replay");
        assert_eq!(matching_step(&secret, "12345", t, 0), None);
    }
}
