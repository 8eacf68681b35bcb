//! Passkeys: a WebAuthn Level 2 relying party of our own (no HTTP here).
//!
//! Verification of registrations (attestation `none`, or `packed`
//! self-attestation; no trust chains) and of assertions, with ES256,
//! EdDSA and RS256 keys verified by aws-lc-rs; CBOR through the bounded
//! decoder in [`cbor`]. Storage of credentials and of single-use
//! challenges bound to a purpose and to the browser that asked.
//!
//! What is checked (W3C WebAuthn Level 2 §7.1 and §7.2): the ceremony
//! type, the challenge (single use, 5 minutes, bound), the origin (equal to
//! the public URL's), not cross-origin, the RP id hash (SHA-256 of the
//! public URL's host), user presence always, user verification when asked
//! (password-less sign-in), the algorithm, the signature over
//! `authenticatorData ‖ SHA-256(clientDataJSON)`, and a signature counter
//! that only goes up (a counter going back is refused and the passkey
//! flagged as possibly cloned).

pub mod cbor;
mod challenges;
mod credentials;
mod options;
mod verify;

pub use challenges::*;
pub use credentials::*;
pub use options::*;
pub use verify::*;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

pub const ES256: i64 = -7;
pub const EDDSA: i64 = -8;
pub const RS256: i64 = -257;
/// The algorithms we offer, in order of preference.
pub const ALGORITHMS: [i64; 3] = [ES256, EDDSA, RS256];
/// How long a ceremony may take (seconds).
pub const CHALLENGE_TTL: i64 = 300;
/// Largest credential JSON a form may post.
pub const MAX_RESPONSE: usize = 32 * 1024;
/// Most passkeys per account.
pub const MAX_PER_ACCOUNT: i64 = 20;

pub const FLAG_UP: u8 = 0x01;
pub const FLAG_UV: u8 = 0x04;
pub const FLAG_BE: u8 = 0x08;
pub const FLAG_BS: u8 = 0x10;
pub const FLAG_AT: u8 = 0x40;
pub const FLAG_ED: u8 = 0x80;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    Cbor(cbor::Error),
    Malformed(&'static str),
    Type,
    Challenge,
    Origin,
    CrossOrigin,
    RpId,
    UserPresence,
    UserVerification,
    Attestation(&'static str),
    Algorithm,
    Key,
    Signature,
    /// The counter did not go up: the authenticator may have been cloned.
    Counter,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WebAuthn: {self:?}")
    }
}

impl std::error::Error for Error {}

impl From<cbor::Error> for Error {
    fn from(e: cbor::Error) -> Self {
        Error::Cbor(e)
    }
}

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// base64url, with or without padding.
pub fn unb64(s: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')).ok()
}

/// Who we are to authenticators: the RP id (the host of the public URL)
/// and the one origin pages are served from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelyingParty {
    pub id: String,
    pub origin: String,
    pub name: String,
}

impl RelyingParty {
    pub fn from_public_url(public_url: &str, name: &str) -> Option<RelyingParty> {
        let url = url::Url::parse(public_url).ok()?;
        let host = url
            .host_str()?
            .trim_start_matches('[')
            .trim_end_matches(']');
        Some(RelyingParty {
            id: host.to_ascii_lowercase(),
            origin: url.origin().ascii_serialization(),
            name: name.to_string(),
        })
    }

    fn id_hash(&self) -> [u8; 32] {
        Sha256::digest(self.id.as_bytes()).into()
    }
}

#[cfg(test)]
mod tests;
