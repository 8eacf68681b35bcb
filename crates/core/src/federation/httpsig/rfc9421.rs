//! HTTP Message Signatures, RFC 9421, as the fediverse is moving to them
//! (Mastodon verifies them since 4.5, Fedify signs with them first):
//! `Signature-Input` / `Signature` dictionaries (RFC 8941 structured
//! fields), a signature base over derived components (`@method`,
//! `@target-uri`, `@authority`…) and header fields, and a body bound by
//! `Content-Digest` (RFC 9530) instead of cavage's `Digest`.
//!
//! Algorithms read: `rsa-v1_5-sha256` (what fediverse RSA keys sign with,
//! and what we sign with), `rsa-pss-sha512` and `ed25519`; without an
//! `alg` parameter the key decides (RSA: v1.5 with SHA-256).
//!
//! What an inbound request must carry ([`verify`]): `@method`, the target
//! (`@target-uri`, or the authority — `@authority` or `host` — and the path —
//! `@path` or `@request-target`), `content-digest` over a body (matching
//! it), a `keyid`, and a `created` (or a covered `date`) within
//! [`super::MAX_SKEW`] of our clock, not past its `expires`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use sha2::{Digest as _, Sha256, Sha512};

use super::{Inbound, MAX_SKEW, SigError, parse_http_date};
use crate::federation::keys::{self, ActorKey};

/// The label we sign under.
pub const LABEL: &str = "sig1";
/// Our algorithm.
pub const ALG: &str = "rsa-v1_5-sha256";

/// One parsed signature (the first label present in both headers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub label: String,
    /// Covered components, in order (`"@method"`, `"content-digest"`…).
    pub components: Vec<String>,
    /// The inner list with its parameters as sent: the `@signature-params`
    /// line's value.
    pub params: String,
    pub key_id: String,
    pub alg: Option<String>,
    pub created: Option<i64>,
    pub expires: Option<i64>,
    pub signature: Vec<u8>,
}

/// `sha-256=:<base64>:`, the `Content-Digest` of a body.
pub fn content_digest(body: &[u8]) -> String {
    format!("sha-256=:{}:", B64.encode(Sha256::digest(body)))
}

/// A tiny RFC 8941 reader: just what the two headers use.
struct Sf<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Sf<'a> {
    fn new(s: &'a str) -> Self {
        Sf {
            s: s.as_bytes(),
            i: 0,
        }
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn ows(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }
    fn eat(&mut self, c: u8) -> Result<(), SigError> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(SigError::Malformed)
        }
    }
    /// A key (`lcalpha / "*"` then `lcalpha / DIGIT / "_" / "-" / "." / "*"`).
    fn key(&mut self) -> Result<String, SigError> {
        let start = self.i;
        match self.peek() {
            Some(c) if c.is_ascii_lowercase() || c == b'*' => self.i += 1,
            _ => return Err(SigError::Malformed),
        }
        while matches!(self.peek(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'_' | b'-' | b'.' | b'*'))
        {
            self.i += 1;
        }
        Ok(String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }
    fn string(&mut self) -> Result<String, SigError> {
        self.eat(b'"')?;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return Err(SigError::Malformed),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    match self.peek() {
                        Some(c @ (b'"' | b'\\')) => {
                            out.push(c as char);
                            self.i += 1;
                        }
                        _ => return Err(SigError::Malformed),
                    }
                }
                Some(c) if (0x20..0x7f).contains(&c) => {
                    out.push(c as char);
                    self.i += 1;
                }
                Some(_) => return Err(SigError::Malformed),
            }
        }
    }
    /// A bare item as text: string, integer, token, byte sequence or boolean.
    fn bare(&mut self) -> Result<Bare, SigError> {
        match self.peek() {
            Some(b'"') => self.string().map(Bare::Str),
            Some(b':') => {
                self.i += 1;
                let start = self.i;
                while matches!(self.peek(), Some(c) if c != b':') {
                    self.i += 1;
                }
                let b64 = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
                self.eat(b':')?;
                B64.decode(b64.trim())
                    .map(Bare::Bytes)
                    .map_err(|_| SigError::Malformed)
            }
            Some(b'?') => {
                self.i += 1;
                match self.peek() {
                    Some(b'0' | b'1') => {
                        self.i += 1;
                        Ok(Bare::Other)
                    }
                    _ => Err(SigError::Malformed),
                }
            }
            Some(c) if c == b'-' || c.is_ascii_digit() => {
                let start = self.i;
                self.i += 1;
                while matches!(self.peek(), Some(c) if c.is_ascii_digit() || c == b'.') {
                    self.i += 1;
                }
                let t = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
                Ok(t.parse::<i64>().map(Bare::Int).unwrap_or(Bare::Other))
            }
            Some(c) if c.is_ascii_alphabetic() || c == b'*' => {
                while matches!(self.peek(), Some(c) if c.is_ascii_graphic() && !matches!(c, b',' | b';' | b'(' | b')' | b'"' | b'=' | b' '))
                {
                    self.i += 1;
                }
                Ok(Bare::Other)
            }
            _ => Err(SigError::Malformed),
        }
    }
    /// `;key=value` parameters.
    fn params(&mut self) -> Result<Vec<(String, Bare)>, SigError> {
        let mut out = Vec::new();
        while self.peek() == Some(b';') {
            self.i += 1;
            self.ows();
            let k = self.key()?;
            let v = if self.peek() == Some(b'=') {
                self.i += 1;
                self.bare()?
            } else {
                Bare::Other
            };
            out.push((k, v));
        }
        Ok(out)
    }
    /// After a member: `,` and the next one, or the end.
    fn next_member(&mut self) -> Result<bool, SigError> {
        self.ows();
        match self.peek() {
            None => Ok(false),
            Some(b',') => {
                self.i += 1;
                self.ows();
                if self.peek().is_none() {
                    return Err(SigError::Malformed);
                }
                Ok(true)
            }
            _ => Err(SigError::Malformed),
        }
    }
}

enum Bare {
    Str(String),
    Int(i64),
    Bytes(Vec<u8>),
    Other,
}

struct Input {
    label: String,
    components: Vec<String>,
    params: String,
    key_id: Option<String>,
    alg: Option<String>,
    created: Option<i64>,
    expires: Option<i64>,
}

fn inputs(header: &str) -> Result<Vec<Input>, SigError> {
    let mut p = Sf::new(header.trim());
    let mut out = Vec::new();
    loop {
        let label = p.key()?;
        p.eat(b'=')?;
        let start = p.i;
        p.eat(b'(')?;
        let mut components = Vec::new();
        loop {
            p.ows();
            if p.peek() == Some(b')') {
                p.i += 1;
                break;
            }
            let name = p.string()?;
            // Component parameters (`;sf`, `;key`, `;req`, `;bs`,
            // `;name`) are not read: refuse rather than sign over a
            // different value.
            if !p.params()?.is_empty() {
                return Err(SigError::Malformed);
            }
            if components.contains(&name) {
                return Err(SigError::Malformed);
            }
            components.push(name);
            if !matches!(p.peek(), Some(b' ' | b')')) {
                return Err(SigError::Malformed);
            }
        }
        let mut input = Input {
            label,
            components,
            params: String::new(),
            key_id: None,
            alg: None,
            created: None,
            expires: None,
        };
        for (k, v) in p.params()? {
            match (k.as_str(), v) {
                ("keyid", Bare::Str(s)) => input.key_id = Some(s),
                ("alg", Bare::Str(s)) => input.alg = Some(s),
                ("created", Bare::Int(n)) => input.created = Some(n),
                ("expires", Bare::Int(n)) => input.expires = Some(n),
                ("keyid" | "alg" | "created" | "expires", _) => return Err(SigError::Malformed),
                _ => {}
            }
        }
        input.params = String::from_utf8_lossy(&p.s[start..p.i]).into_owned();
        out.push(input);
        if !p.next_member()? {
            return Ok(out);
        }
    }
}

fn signatures(header: &str) -> Result<Vec<(String, Vec<u8>)>, SigError> {
    let mut p = Sf::new(header.trim());
    let mut out = Vec::new();
    loop {
        let label = p.key()?;
        p.eat(b'=')?;
        let Bare::Bytes(sig) = p.bare()? else {
            return Err(SigError::Malformed);
        };
        p.params()?;
        out.push((label, sig));
        if !p.next_member()? {
            return Ok(out);
        }
    }
}

/// Read `Signature-Input` and `Signature`: the first label of the input
/// that has a signature.
pub fn parse(signature_input: &str, signature: &str) -> Result<Parsed, SigError> {
    let sigs = signatures(signature)?;
    let input = inputs(signature_input)?
        .into_iter()
        .find(|i| sigs.iter().any(|(l, _)| *l == i.label))
        .ok_or(SigError::Malformed)?;
    let signature = sigs
        .into_iter()
        .find(|(l, _)| *l == input.label)
        .map(|(_, s)| s)
        .ok_or(SigError::Malformed)?;
    if let Some(a) = &input.alg
        && !matches!(a.as_str(), "rsa-v1_5-sha256" | "rsa-pss-sha512" | "ed25519")
    {
        return Err(SigError::Algorithm(a.clone()));
    }
    Ok(Parsed {
        label: input.label,
        components: input.components,
        params: input.params,
        key_id: input
            .key_id
            .filter(|k| !k.is_empty())
            .ok_or(SigError::Malformed)?,
        alg: input.alg,
        created: input.created,
        expires: input.expires,
        signature,
    })
}

fn split_target(path_and_query: &str) -> (&str, Option<&str>) {
    match path_and_query.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path_and_query, None),
    }
}

/// The signature base (RFC 9421 §2.5) of `req` for `components` and the
/// serialised `params`.
pub fn signature_base(
    req: &Inbound<'_>,
    components: &[String],
    params: &str,
) -> Result<String, SigError> {
    let authority = || {
        (req.header)("host")
            .map(|h| h.trim().to_ascii_lowercase())
            .ok_or_else(|| SigError::Absent("host".into()))
    };
    let (path, query) = split_target(req.path_and_query);
    let mut out = String::new();
    for c in components {
        let value = match c.as_str() {
            "@method" => req.method.to_string(),
            "@authority" => authority()?,
            "@scheme" => req.scheme.to_ascii_lowercase(),
            "@target-uri" => format!(
                "{}://{}{}",
                req.scheme.to_ascii_lowercase(),
                authority()?,
                req.path_and_query
            ),
            "@request-target" => req.path_and_query.to_string(),
            "@path" => {
                if path.is_empty() {
                    "/".to_string()
                } else {
                    path.to_string()
                }
            }
            "@query" => format!("?{}", query.unwrap_or("")),
            n if n.starts_with('@') => return Err(SigError::Absent(n.to_string())),
            n => {
                if n.chars().any(|ch| ch.is_ascii_uppercase()) {
                    return Err(SigError::Malformed);
                }
                let v = (req.header)(n).ok_or_else(|| SigError::Absent(n.to_string()))?;
                v.trim().to_string()
            }
        };
        if value.contains(['\n', '\r']) {
            return Err(SigError::Malformed);
        }
        out.push_str(&format!("\"{c}\": {value}\n"));
    }
    out.push_str(&format!("\"@signature-params\": {params}"));
    Ok(out)
}

const ED25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// Verify `sig` over `base` with a PEM public key and `alg` (or, without
/// one, what the key is).
pub fn verify_base(public_pem: &str, alg: Option<&str>, base: &[u8], sig: &[u8]) -> bool {
    use aws_lc_rs::signature::{self, UnparsedPublicKey};
    let Some(der) = keys::pem_der(public_pem) else {
        return false;
    };
    let ed25519 = der.len() == 44 && der.starts_with(&ED25519_SPKI_PREFIX);
    match (alg, ed25519) {
        (Some("ed25519") | None, true) => UnparsedPublicKey::new(&signature::ED25519, &der[12..])
            .verify(base, sig)
            .is_ok(),
        (Some("rsa-v1_5-sha256") | None, false) => keys::verify(public_pem, base, sig),
        (Some("rsa-pss-sha512"), false) => {
            UnparsedPublicKey::new(&signature::RSA_PSS_2048_8192_SHA512, der)
                .verify(base, sig)
                .is_ok()
        }
        _ => false,
    }
}

/// Verify an inbound request signed as `parsed` with `public_pem` at `now`,
/// with the requirements of the module documentation.
pub fn verify(
    req: &Inbound<'_>,
    parsed: &Parsed,
    public_pem: &str,
    now: i64,
) -> Result<(), SigError> {
    let covers = |n: &str| parsed.components.iter().any(|c| c == n);
    if !covers("@method") {
        return Err(SigError::NotCovered("@method"));
    }
    if !covers("@target-uri") {
        if !covers("@authority") && !covers("host") {
            return Err(SigError::NotCovered("@authority"));
        }
        if !covers("@path") && !covers("@request-target") {
            return Err(SigError::NotCovered("@path"));
        }
    }
    let when = parsed.created.or_else(|| {
        covers("date")
            .then(|| (req.header)("date").and_then(|d| parse_http_date(&d)))
            .flatten()
    });
    if !when.is_some_and(|t| (t - now).abs() <= MAX_SKEW) {
        return Err(SigError::Date);
    }
    if parsed.expires.is_some_and(|e| e < now) {
        return Err(SigError::Date);
    }
    if let Some(body) = req.body {
        if !covers("content-digest") {
            return Err(SigError::NotCovered("content-digest"));
        }
        let sent = (req.header)("content-digest").ok_or(SigError::Digest)?;
        if !content_digest_matches(&sent, body) {
            return Err(SigError::Digest);
        }
    }
    let base = signature_base(req, &parsed.components, &parsed.params)?;
    if verify_base(
        public_pem,
        parsed.alg.as_deref(),
        base.as_bytes(),
        &parsed.signature,
    ) {
        Ok(())
    } else {
        Err(SigError::BadSignature)
    }
}

/// Does a `Content-Digest` dictionary carry a SHA-256 or SHA-512 of `body`
/// (every one of those it carries matching, and at least one)?
pub fn content_digest_matches(header: &str, body: &[u8]) -> bool {
    let mut p = Sf::new(header.trim());
    let mut any = false;
    loop {
        let Ok(alg) = p.key() else { return false };
        if p.eat(b'=').is_err() {
            return false;
        }
        let Ok(Bare::Bytes(d)) = p.bare() else {
            return false;
        };
        if p.params().is_err() {
            return false;
        }
        let ok = match alg.as_str() {
            "sha-256" => Some(Sha256::digest(body).as_slice() == d.as_slice()),
            "sha-512" => Some(Sha512::digest(body).as_slice() == d.as_slice()),
            _ => None,
        };
        match ok {
            Some(false) => return false,
            Some(true) => any = true,
            None => {}
        }
        match p.next_member() {
            Ok(true) => {}
            Ok(false) => return any,
            Err(_) => return false,
        }
    }
}

/// The headers an outgoing RFC 9421 request carries.
pub struct Outgoing {
    pub date: String,
    pub content_digest: Option<String>,
    pub signature_input: String,
    pub signature: String,
}

/// Sign a request to `url` as `key_id`: `@method`, `@target-uri`,
/// `@authority`, and `content-digest` when there is a body; `created`,
/// `keyid` and `alg` as parameters.
pub fn sign(
    key: &ActorKey,
    key_id: &str,
    method: &str,
    url: &url::Url,
    body: Option<&[u8]>,
    now: i64,
) -> anyhow::Result<Outgoing> {
    let host = crate::federation::host_of(url.as_str());
    let path = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    let digest = body.map(content_digest);
    let mut components = vec!["@method", "@target-uri", "@authority"];
    if digest.is_some() {
        components.push("content-digest");
    }
    if key_id.contains(['"', '\\']) {
        anyhow::bail!("unusable key id {key_id}");
    }
    let params = format!(
        "({});created={now};keyid=\"{key_id}\";alg=\"{ALG}\"",
        components
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let header = |n: &str| match n {
        "host" => Some(host.clone()),
        "content-digest" => digest.clone(),
        _ => None,
    };
    let req = Inbound {
        method,
        scheme: url.scheme(),
        path_and_query: &path,
        header: &header,
        body,
    };
    let names: Vec<String> = components.iter().map(|c| c.to_string()).collect();
    let base = signature_base(&req, &names, &params).map_err(|e| anyhow::anyhow!("{e}"))?;
    let sig = key.sign(base.as_bytes())?;
    Ok(Outgoing {
        date: super::http_date(now),
        content_digest: digest,
        signature_input: format!("{LABEL}={params}"),
        signature: format!("{LABEL}=:{}:", B64.encode(sig)),
    })
}

#[cfg(test)]
mod tests;
