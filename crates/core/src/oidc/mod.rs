//! OpenID Connect provider: Passerelles is the identity the ecosystem's
//! tools sign in with. Domain logic only (no HTTP): keys and JWS
//! (`keys`, `jws`), registered clients (`clients`), and the flow —
//! consents, codes, grants, tokens, claims (`flow`). The endpoints are in
//! `crate::web::oidc`. Invariants are listed in ARCHITECTURE.md.

pub mod backchannel;
pub mod clients;
pub mod flow;
pub mod jws;
pub mod keys;
pub mod ops;
pub mod successor;

/// Scopes we know, in the order the consent screen lists them.
pub const SUPPORTED_SCOPES: [&str; 5] = ["openid", "profile", "email", "groups", "offline_access"];

/// Authentication context classes (`acr`): the REFEDS profiles, which
/// tools and federations already know. A session that proved several
/// factors (`amr` has `mfa`) is MFA, which also satisfies SFA.
pub const ACR_MFA: &str = "https://refeds.org/profile/mfa";
pub const ACR_SFA: &str = "https://refeds.org/profile/sfa";
pub const ACR_VALUES: [&str; 2] = [ACR_MFA, ACR_SFA];

/// The `acr` of a session authenticated with `amr`.
pub fn acr_of(amr: &str) -> &'static str {
    if crate::accounts::sessions::amr::is_multi_factor(amr) {
        ACR_MFA
    } else {
        ACR_SFA
    }
}

/// Whether a request's `acr_values` (voluntary, in order of preference)
/// can only be met by several factors: it names MFA and not SFA. Unknown
/// values are ignored, as the specification allows.
pub fn acr_values_require_mfa(acr_values: &str) -> bool {
    let asked: Vec<&str> = acr_values.split_whitespace().collect();
    asked.contains(&ACR_MFA) && !asked.contains(&ACR_SFA)
}

/// Authentication methods a tool may be told of (RFC 8176).
pub const AMR_VALUES: [&str; 5] = ["pwd", "otp", "hwk", "swk", "mfa"];

/// Claims returned per scope (ID token and userinfo alike).
pub const CLAIMS: [&str; 10] = [
    "sub",
    "preferred_username",
    "username",
    "name",
    "picture",
    "locale",
    "email",
    "email_verified",
    "groups",
    "sid",
];

/// Authorization codes live this long (single use).
pub const CODE_TTL: i64 = 120;
/// Access tokens (opaque) and ID tokens.
pub const ACCESS_TTL: i64 = 3600;
pub const ID_TOKEN_TTL: i64 = 3600;
/// Each refresh token, from its issue (it is rotated on use).
pub const REFRESH_TTL: i64 = 30 * 86400;
/// Leeway for times in tokens we are shown (clock skew between machines).
pub const LEEWAY: i64 = 60;

pub fn constant_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The `sid` of an OP session: derived from (never equal to) the stored
/// session hash, so it can travel to relying parties.
pub fn sid_of(session_hash: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(format!("oidc-sid:{session_hash}").as_bytes())[..16])
}
