//! HTTP Signatures as the fediverse speaks them: draft-cavage-12 with
//! `rsa-sha256` (what Mastodon, Lemmy, Mobilizon and Pleroma send and
//! accept), with a `Digest: SHA-256=…` header over the body, here; and
//! RFC 9421 HTTP Message Signatures (`Signature-Input`, `Content-Digest`),
//! in [`rfc9421`]. [`parse_request`] tells which one a request carries.
//! Pure functions: the entry point gathers the request's parts, fetches
//! the key, and asks.
//!
//! What is required of an inbound request: `(request-target)`, `host` and
//! `date` are signed, and `digest` too when there is a body; the digest
//! matches the body; the date is within [`MAX_SKEW`] of ours; the signature
//! verifies with the key `keyId` names. That the key belongs to the actor
//! of the activity is the caller's check (it knows the activity).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use sha2::{Digest as _, Sha256};

use super::keys::{self, ActorKey};

/// How far a signed `Date` may be from our clock, either way (seconds).
pub const MAX_SKEW: i64 = 3600;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigError {
    #[error("no Signature header")]
    Missing,
    #[error("malformed Signature header")]
    Malformed,
    #[error("unsupported algorithm {0}")]
    Algorithm(String),
    #[error("header {0} must be signed")]
    NotCovered(&'static str),
    #[error("signed header {0} is absent")]
    Absent(String),
    #[error("Digest does not match the body")]
    Digest,
    #[error("Date is missing, unreadable or too far from now")]
    Date,
    #[error("signature does not verify")]
    BadSignature,
}

/// `SHA-256=<base64>` of a body, the `Digest` header's value.
pub fn digest(body: &[u8]) -> String {
    format!("SHA-256={}", B64.encode(Sha256::digest(body)))
}

/// An HTTP date (IMF-fixdate, RFC 9110) for Unix seconds.
pub fn http_date(unix: i64) -> String {
    let fmt = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_default()
}

/// Unix seconds of an IMF-fixdate (`Sun, 06 Dec 2026 19:50:05 GMT`).
pub fn parse_http_date(s: &str) -> Option<i64> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let parts: Vec<&str> = s.split_ascii_whitespace().collect();
    let [_weekday, day, month, year, clock, "GMT"] = parts.as_slice() else {
        return None;
    };
    let month = MONTHS.iter().position(|m| m == month)? as u8 + 1;
    let date = time::Date::from_calendar_date(
        year.parse().ok()?,
        time::Month::try_from(month).ok()?,
        day.parse().ok()?,
    )
    .ok()?;
    let mut hms = clock.split(':').map(|p| p.parse::<u8>().ok());
    let (Some(Some(h)), Some(Some(m)), Some(Some(sec)), None) =
        (hms.next(), hms.next(), hms.next(), hms.next())
    else {
        return None;
    };
    let t = time::Time::from_hms(h, m, sec).ok()?;
    Some(
        time::PrimitiveDateTime::new(date, t)
            .assume_utc()
            .unix_timestamp(),
    )
}

/// The signing string over `names` (lower-case header names and the
/// pseudo-header `(request-target)`), `value` giving each header's value.
fn signing_string(
    names: &[String],
    method: &str,
    path_and_query: &str,
    value: &dyn Fn(&str) -> Option<String>,
) -> Result<String, SigError> {
    let mut lines = Vec::with_capacity(names.len());
    for n in names {
        if n == "(request-target)" {
            lines.push(format!(
                "(request-target): {} {}",
                method.to_ascii_lowercase(),
                path_and_query
            ));
        } else {
            let v = value(n).ok_or_else(|| SigError::Absent(n.clone()))?;
            lines.push(format!("{n}: {}", v.trim()));
        }
    }
    Ok(lines.join("\n"))
}

/// The headers an outgoing request carries to be signed.
pub struct Outgoing {
    pub date: String,
    pub digest: Option<String>,
    pub signature: String,
}

/// Sign a request as `key_id` (`{actor}#main-key`): a GET (no body) signs
/// `(request-target) host date`, a POST adds `digest`.
pub fn sign(
    key: &ActorKey,
    key_id: &str,
    method: &str,
    path_and_query: &str,
    host: &str,
    body: Option<&[u8]>,
    now: i64,
) -> anyhow::Result<Outgoing> {
    let date = http_date(now);
    let digest = body.map(digest);
    let mut names = vec!["(request-target)".to_string(), "host".into(), "date".into()];
    if digest.is_some() {
        names.push("digest".into());
    }
    let value = |n: &str| match n {
        "host" => Some(host.to_string()),
        "date" => Some(date.clone()),
        "digest" => digest.clone(),
        _ => None,
    };
    let text = signing_string(&names, method, path_and_query, &value)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let sig = key.sign(text.as_bytes())?;
    let signature = format!(
        "keyId=\"{key_id}\",algorithm=\"rsa-sha256\",headers=\"{}\",signature=\"{}\"",
        names.join(" "),
        B64.encode(sig)
    );
    Ok(Outgoing {
        date,
        digest,
        signature,
    })
}

/// A parsed `Signature` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub key_id: String,
    pub headers: Vec<String>,
    pub signature: Vec<u8>,
}

/// Parse `keyId="…",algorithm="…",headers="…",signature="…"`.
pub fn parse(header: &str) -> Result<Parsed, SigError> {
    let mut key_id = None;
    let mut algorithm = None;
    let mut headers = None;
    let mut signature = None;
    let mut rest = header.trim();
    while !rest.is_empty() {
        let eq = rest.find('=').ok_or(SigError::Malformed)?;
        let name = rest[..eq].trim().to_ascii_lowercase();
        let after = rest[eq + 1..].trim_start();
        let (value, tail) = if let Some(q) = after.strip_prefix('"') {
            let end = q.find('"').ok_or(SigError::Malformed)?;
            (q[..end].to_string(), &q[end + 1..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim().to_string(), &after[end..])
        };
        match name.as_str() {
            "keyid" => key_id = Some(value),
            "algorithm" => algorithm = Some(value),
            "headers" => headers = Some(value),
            "signature" => signature = Some(value),
            _ => {}
        }
        rest = tail.trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    }
    if let Some(a) = algorithm
        && !matches!(a.to_ascii_lowercase().as_str(), "rsa-sha256" | "hs2019")
    {
        return Err(SigError::Algorithm(a));
    }
    let key_id = key_id
        .filter(|k| !k.is_empty())
        .ok_or(SigError::Malformed)?;
    let signature = B64
        .decode(signature.ok_or(SigError::Malformed)?)
        .map_err(|_| SigError::Malformed)?;
    let headers = headers
        .unwrap_or_else(|| "date".into())
        .split_ascii_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    Ok(Parsed {
        key_id,
        headers,
        signature,
    })
}

/// An inbound request as the verifier needs it.
pub struct Inbound<'a> {
    pub method: &'a str,
    /// `https` or `http`: how the request reached us (RFC 9421's
    /// `@scheme` and `@target-uri`; our public URL's scheme).
    pub scheme: &'a str,
    pub path_and_query: &'a str,
    /// A header's value by lower-case name (several values joined by ", ").
    pub header: &'a (dyn Fn(&str) -> Option<String> + Sync),
    /// The body of a POST; `None` for a GET.
    pub body: Option<&'a [u8]>,
}

/// Verify `req`, signed as `parsed` says, with `public_pem`, at `now`.
pub fn verify(
    req: &Inbound<'_>,
    parsed: &Parsed,
    public_pem: &str,
    now: i64,
) -> Result<(), SigError> {
    let covers = |n: &str| parsed.headers.iter().any(|h| h == n);
    if !covers("(request-target)") {
        return Err(SigError::NotCovered("(request-target)"));
    }
    if !covers("host") {
        return Err(SigError::NotCovered("host"));
    }
    if !covers("date") {
        return Err(SigError::NotCovered("date"));
    }
    let date = (req.header)("date").and_then(|d| parse_http_date(&d));
    if !date.is_some_and(|d| (d - now).abs() <= MAX_SKEW) {
        return Err(SigError::Date);
    }
    if let Some(body) = req.body {
        if !covers("digest") {
            return Err(SigError::NotCovered("digest"));
        }
        let sent = (req.header)("digest").ok_or(SigError::Digest)?;
        // `Digest` may list several algorithms; the SHA-256 one must match.
        let want = digest(body);
        let ours = sent.split(',').map(str::trim).find(|d| {
            d.get(..8)
                .is_some_and(|p| p.eq_ignore_ascii_case("sha-256="))
        });
        if ours.map(|d| &d[8..]) != Some(&want[8..]) {
            return Err(SigError::Digest);
        }
    }
    let text = signing_string(&parsed.headers, req.method, req.path_and_query, req.header)?;
    if keys::verify(public_pem, text.as_bytes(), &parsed.signature) {
        Ok(())
    } else {
        Err(SigError::BadSignature)
    }
}

/// Which scheme signs a request (and which one a peer accepts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Cavage,
    Rfc9421,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Cavage => "cavage",
            Scheme::Rfc9421 => "rfc9421",
        }
    }
    pub fn parse(s: &str) -> Option<Scheme> {
        match s {
            "cavage" => Some(Scheme::Cavage),
            "rfc9421" => Some(Scheme::Rfc9421),
            _ => None,
        }
    }
}

/// The signature a request carries, by either scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signed {
    Cavage(Parsed),
    Rfc9421(rfc9421::Parsed),
}

impl Signed {
    pub fn key_id(&self) -> &str {
        match self {
            Signed::Cavage(p) => &p.key_id,
            Signed::Rfc9421(p) => &p.key_id,
        }
    }
    pub fn scheme(&self) -> Scheme {
        match self {
            Signed::Cavage(_) => Scheme::Cavage,
            Signed::Rfc9421(_) => Scheme::Rfc9421,
        }
    }
}

/// The signature of a request: RFC 9421 when it has a `Signature-Input`,
/// else draft-cavage's `Signature` (or `Authorization: Signature …`).
pub fn parse_request(header: &(dyn Fn(&str) -> Option<String> + Sync)) -> Result<Signed, SigError> {
    if let Some(input) = header("signature-input") {
        let sig = header("signature").ok_or(SigError::Missing)?;
        return rfc9421::parse(&input, &sig).map(Signed::Rfc9421);
    }
    if let Some(sig) = header("signature") {
        return parse(&sig).map(Signed::Cavage);
    }
    match header("authorization") {
        Some(a) if a.len() > 10 && a[..10].eq_ignore_ascii_case("signature ") => {
            parse(&a[10..]).map(Signed::Cavage)
        }
        _ => Err(SigError::Missing),
    }
}

/// Verify `req` as signed by `signed`, whichever the scheme.
pub fn verify_request(
    req: &Inbound<'_>,
    signed: &Signed,
    public_pem: &str,
    now: i64,
) -> Result<(), SigError> {
    match signed {
        Signed::Cavage(p) => verify(req, p, public_pem, now),
        Signed::Rfc9421(p) => rfc9421::verify(req, p, public_pem, now),
    }
}

pub mod rfc9421;

#[cfg(test)]
mod tests;
