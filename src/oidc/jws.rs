//! RS256 keys and JWS compact serialisation (RFC 7515), on aws-lc-rs, the
//! crypto library already used by rustls. Small on purpose: we only sign
//! our own ID and logout tokens and verify our own `id_token_hint`s.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{self, KeyPair, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

pub const ALG: &str = "RS256";

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A freshly generated key: PKCS#8 DER of the private key, and the public
/// modulus and exponent (base64url) for the JWKS.
pub struct NewKey {
    pub private_der: Vec<u8>,
    pub n: String,
    pub e: String,
}

/// Generate an RSA-2048 key (takes tens of milliseconds: call it from a
/// blocking task).
pub fn generate() -> anyhow::Result<NewKey> {
    let pair = RsaKeyPair::generate(KeySize::Rsa2048)
        .map_err(|_| anyhow::anyhow!("RSA key generation failed"))?;
    let der = pair
        .as_der()
        .map_err(|_| anyhow::anyhow!("RSA key encoding failed"))?;
    let public = pair.public_key();
    Ok(NewKey {
        private_der: der.as_ref().to_vec(),
        n: b64(public.modulus().big_endian_without_leading_zero()),
        e: b64(public.exponent().big_endian_without_leading_zero()),
    })
}

pub fn parse_private(der: &[u8]) -> anyhow::Result<RsaKeyPair> {
    RsaKeyPair::from_pkcs8(der).map_err(|e| anyhow::anyhow!("unreadable signing key: {e}"))
}

/// `header.payload.signature`, RS256.
pub fn sign(key: &RsaKeyPair, kid: &str, typ: &str, claims: &Value) -> anyhow::Result<String> {
    let header = serde_json::json!({ "alg": ALG, "typ": typ, "kid": kid });
    let mut input = format!(
        "{}.{}",
        b64(serde_json::to_vec(&header)?.as_slice()),
        b64(serde_json::to_vec(claims)?.as_slice())
    );
    let mut sig = vec![0u8; key.public_modulus_len()];
    key.sign(
        &signature::RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        input.as_bytes(),
        &mut sig,
    )
    .map_err(|_| anyhow::anyhow!("RSA signing failed"))?;
    input.push('.');
    input.push_str(&b64(&sig));
    Ok(input)
}

/// A compact JWS split into its parts, not yet trusted.
pub struct Unverified {
    pub kid: String,
    pub claims: Value,
    signing_input: String,
    signature: Vec<u8>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum JwsError {
    Malformed,
    /// Not RS256 (`none`, HS256…): refused, never "verified".
    Algorithm,
    BadSignature,
}

pub fn parse(token: &str) -> Result<Unverified, JwsError> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwsError::Malformed);
    };
    let dec = |x: &str| URL_SAFE_NO_PAD.decode(x).map_err(|_| JwsError::Malformed);
    let header: Value = serde_json::from_slice(&dec(h)?).map_err(|_| JwsError::Malformed)?;
    if header.get("alg").and_then(Value::as_str) != Some(ALG) {
        return Err(JwsError::Algorithm);
    }
    if header.get("crit").is_some() {
        return Err(JwsError::Malformed);
    }
    let kid = header
        .get("kid")
        .and_then(Value::as_str)
        .ok_or(JwsError::Malformed)?
        .to_string();
    let claims: Value = serde_json::from_slice(&dec(p)?).map_err(|_| JwsError::Malformed)?;
    if !claims.is_object() {
        return Err(JwsError::Malformed);
    }
    Ok(Unverified {
        kid,
        claims,
        signing_input: format!("{h}.{p}"),
        signature: dec(s)?,
    })
}

impl Unverified {
    /// Check the signature against a public key given as JWK members.
    pub fn verify(self, n_b64: &str, e_b64: &str) -> Result<Value, JwsError> {
        let n = URL_SAFE_NO_PAD
            .decode(n_b64)
            .map_err(|_| JwsError::BadSignature)?;
        let e = URL_SAFE_NO_PAD
            .decode(e_b64)
            .map_err(|_| JwsError::BadSignature)?;
        let public = signature::RsaPublicKeyComponents { n: &n, e: &e };
        public
            .verify(
                &signature::RSA_PKCS1_2048_8192_SHA256,
                self.signing_input.as_bytes(),
                &self.signature,
            )
            .map_err(|_| JwsError::BadSignature)?;
        Ok(self.claims)
    }
}

/// `at_hash`: the left half of the SHA-256 of the access token (OIDC Core 3.1.3.6).
pub fn half_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(token.as_bytes());
    b64(&d[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_then_verify_and_refuse_tampering() {
        let k = generate().expect("key");
        let pair = parse_private(&k.private_der).expect("parse");
        let claims = serde_json::json!({ "sub": "42", "aud": "tool" });
        let t = sign(&pair, "kid1", "JWT", &claims).expect("sign");
        let u = parse(&t).expect("parse");
        assert_eq!(u.kid, "kid1");
        assert_eq!(u.verify(&k.n, &k.e).expect("valid"), claims);

        // Change the payload, keep the signature.
        let mut parts: Vec<&str> = t.split('.').collect();
        let forged = b64(br#"{"sub":"1","aud":"tool"}"#);
        parts[1] = &forged;
        let tampered = parts.join(".");
        assert_eq!(
            parse(&tampered).expect("parse").verify(&k.n, &k.e),
            Err(JwsError::BadSignature)
        );

        // Another key's signature does not verify.
        let other = generate().expect("key");
        assert_eq!(
            parse(&t).expect("parse").verify(&other.n, &other.e),
            Err(JwsError::BadSignature)
        );
    }

    #[test]
    fn refuses_alg_none_and_hs256() {
        for alg in ["none", "HS256"] {
            let h = b64(format!(r#"{{"alg":"{alg}","kid":"k"}}"#).as_bytes());
            let p = b64(br#"{"sub":"1"}"#);
            assert_eq!(parse(&format!("{h}.{p}.")).err(), Some(JwsError::Algorithm));
        }
    }

    #[test]
    fn at_hash_matches_the_spec_example_shape() {
        // 128 bits, base64url without padding.
        assert_eq!(half_hash("token").len(), 22);
    }
}
