//! The successor of a rotated refresh token, kept for the grace window.
//!
//! Tokens are stored as SHA-256 hashes, so the successor (an access token
//! and a refresh token) cannot be handed out again from the database alone.
//! It is sealed with a key derived from the rotated token itself —
//! SHA-256 under another label than the stored hash, so the table does not
//! hold it — which only whoever presents that token knows. Each rotated
//! token seals exactly one successor, so the key stream (one SHA-256 block
//! per 32 bytes) is never used twice. An unsealed pair is only trusted once
//! both tokens are found, by their hashes, in the same grant.

use sha2::{Digest, Sha256};

fn key_stream(rotated: &str, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 32);
    let mut block: u32 = 0;
    while out.len() < len {
        let mut h = Sha256::new();
        h.update(b"passerelles-oidc-successor\0");
        h.update(rotated.as_bytes());
        h.update(block.to_be_bytes());
        out.extend_from_slice(&h.finalize());
        block += 1;
    }
    out.truncate(len);
    out
}

/// Seal `access` and `refresh` (tokens without spaces) under `rotated`.
pub fn seal(rotated: &str, access: &str, refresh: &str) -> String {
    let plain = format!("{access} {refresh}");
    let ks = key_stream(rotated, plain.len());
    hex::encode(
        plain
            .bytes()
            .zip(ks)
            .map(|(p, k)| p ^ k)
            .collect::<Vec<u8>>(),
    )
}

/// The (access, refresh) pair sealed under `rotated`, if it opens.
pub fn unseal(rotated: &str, sealed: &str) -> Option<(String, String)> {
    let bytes = hex::decode(sealed).ok()?;
    let ks = key_stream(rotated, bytes.len());
    let plain: Vec<u8> = bytes.iter().zip(ks).map(|(c, k)| c ^ k).collect();
    let plain = String::from_utf8(plain).ok()?;
    let (access, refresh) = plain.split_once(' ')?;
    Some((access.to_string(), refresh.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_rotated_token_opens_its_successor() {
        let sealed = seal("rotated-token", "access-abc", "refresh-def");
        assert_eq!(
            unseal("rotated-token", &sealed),
            Some(("access-abc".into(), "refresh-def".into()))
        );
        assert!(!sealed.contains(&hex::encode("access-abc")));
        // Another token opens nothing usable (the tokens would not be found).
        assert_ne!(
            unseal("other-token", &sealed),
            Some(("access-abc".into(), "refresh-def".into()))
        );
        assert_eq!(unseal("rotated-token", "zz"), None);
    }
}
