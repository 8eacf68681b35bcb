//! Signing keys and JWS compact serialisation (RFC 7515), on aws-lc-rs, the
//! crypto library already used by rustls. Three algorithms (RFC 7518 §3,
//! RFC 8037): RS256 (RSA-2048, the default every relying party knows),
//! ES256 (ECDSA P-256, fixed-size `r || s` signature as JOSE requires) and
//! EdDSA (Ed25519). Small on purpose: we only sign our own ID and logout
//! tokens and verify our own `id_token_hint`s.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    self, ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, ED25519, EcdsaKeyPair,
    Ed25519KeyPair, KeyPair, RsaKeyPair, UnparsedPublicKey,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

/// The default algorithm (every relying party supports it).
pub const ALG: &str = "RS256";

/// A JWS algorithm we sign ID and logout tokens with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Alg {
    Rs256,
    Es256,
    EdDsa,
}

impl Alg {
    /// Every supported algorithm, the default first (discovery lists them so).
    pub const ALL: [Alg; 3] = [Alg::Rs256, Alg::Es256, Alg::EdDsa];

    pub fn as_str(self) -> &'static str {
        match self {
            Alg::Rs256 => "RS256",
            Alg::Es256 => "ES256",
            Alg::EdDsa => "EdDSA",
        }
    }

    /// Exact names only (`es256` or `none` are not algorithms we know).
    pub fn parse(s: &str) -> Option<Alg> {
        Alg::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

impl std::fmt::Display for Alg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The public half of a key, as JWK members (base64url).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum PublicJwk {
    Rsa {
        n: String,
        e: String,
    },
    /// P-256: the affine coordinates, 32 bytes each.
    Ec {
        x: String,
        y: String,
    },
    /// Ed25519: the 32-byte public key.
    Okp {
        x: String,
    },
}

impl PublicJwk {
    /// The JWK published in the JWKS (RFC 7517/7518/8037).
    pub fn to_jwk(&self, alg: Alg, kid: &str) -> Value {
        match self {
            PublicJwk::Rsa { n, e } => {
                json!({ "kty": "RSA", "use": "sig", "alg": alg.as_str(), "kid": kid, "n": n, "e": e })
            }
            PublicJwk::Ec { x, y } => {
                json!({ "kty": "EC", "use": "sig", "alg": alg.as_str(), "kid": kid, "crv": "P-256", "x": x, "y": y })
            }
            PublicJwk::Okp { x } => {
                json!({ "kty": "OKP", "use": "sig", "alg": alg.as_str(), "kid": kid, "crv": "Ed25519", "x": x })
            }
        }
    }

    /// Stored columns: (n, e, x, y); unused ones empty.
    pub fn columns(&self) -> (&str, &str, &str, &str) {
        match self {
            PublicJwk::Rsa { n, e } => (n, e, "", ""),
            PublicJwk::Ec { x, y } => ("", "", x, y),
            PublicJwk::Okp { x } => ("", "", x, ""),
        }
    }

    pub fn from_columns(alg: Alg, n: String, e: String, x: String, y: String) -> PublicJwk {
        match alg {
            Alg::Rs256 => PublicJwk::Rsa { n, e },
            Alg::Es256 => PublicJwk::Ec { x, y },
            Alg::EdDsa => PublicJwk::Okp { x },
        }
    }
}

/// A freshly generated key: PKCS#8 DER of the private key, and the public
/// members for the JWKS.
pub struct NewKey {
    pub private_der: Vec<u8>,
    pub public: PublicJwk,
}

/// Generate a key for `alg`. RSA-2048 takes tens of milliseconds (call it
/// from a blocking task); P-256 and Ed25519 keys take microseconds.
pub fn generate(alg: Alg) -> anyhow::Result<NewKey> {
    match alg {
        Alg::Rs256 => {
            let pair = RsaKeyPair::generate(KeySize::Rsa2048)
                .map_err(|_| anyhow::anyhow!("RSA key generation failed"))?;
            let der = pair
                .as_der()
                .map_err(|_| anyhow::anyhow!("RSA key encoding failed"))?;
            let public = pair.public_key();
            Ok(NewKey {
                private_der: der.as_ref().to_vec(),
                public: PublicJwk::Rsa {
                    n: b64(public.modulus().big_endian_without_leading_zero()),
                    e: b64(public.exponent().big_endian_without_leading_zero()),
                },
            })
        }
        Alg::Es256 => {
            let doc = EcdsaKeyPair::generate_pkcs8(
                &ECDSA_P256_SHA256_FIXED_SIGNING,
                &SystemRandom::new(),
            )
            .map_err(|_| anyhow::anyhow!("P-256 key generation failed"))?;
            let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, doc.as_ref())
                .map_err(|e| anyhow::anyhow!("P-256 key unreadable: {e}"))?;
            // Uncompressed SEC1 point: 0x04 || x (32) || y (32).
            let point = pair.public_key().as_ref();
            if point.len() != 65 || point[0] != 4 {
                anyhow::bail!("unexpected P-256 public key encoding");
            }
            Ok(NewKey {
                private_der: doc.as_ref().to_vec(),
                public: PublicJwk::Ec {
                    x: b64(&point[1..33]),
                    y: b64(&point[33..65]),
                },
            })
        }
        Alg::EdDsa => {
            let doc = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
                .map_err(|_| anyhow::anyhow!("Ed25519 key generation failed"))?;
            let pair = Ed25519KeyPair::from_pkcs8(doc.as_ref())
                .map_err(|e| anyhow::anyhow!("Ed25519 key unreadable: {e}"))?;
            Ok(NewKey {
                private_der: doc.as_ref().to_vec(),
                public: PublicJwk::Okp {
                    x: b64(pair.public_key().as_ref()),
                },
            })
        }
    }
}

/// A parsed private key.
pub enum SigningKey {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
    Ed(Ed25519KeyPair),
}

impl SigningKey {
    pub fn alg(&self) -> Alg {
        match self {
            SigningKey::Rsa(_) => Alg::Rs256,
            SigningKey::Ec(_) => Alg::Es256,
            SigningKey::Ed(_) => Alg::EdDsa,
        }
    }
}

pub fn parse_private(alg: Alg, der: &[u8]) -> anyhow::Result<SigningKey> {
    let bad = |e: &dyn std::fmt::Display| anyhow::anyhow!("unreadable {alg} signing key: {e}");
    Ok(match alg {
        Alg::Rs256 => SigningKey::Rsa(RsaKeyPair::from_pkcs8(der).map_err(|e| bad(&e))?),
        Alg::Es256 => SigningKey::Ec(
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der).map_err(|e| bad(&e))?,
        ),
        Alg::EdDsa => SigningKey::Ed(Ed25519KeyPair::from_pkcs8(der).map_err(|e| bad(&e))?),
    })
}

/// `header.payload.signature`, with the key's algorithm.
pub fn sign(key: &SigningKey, kid: &str, typ: &str, claims: &Value) -> anyhow::Result<String> {
    let header = json!({ "alg": key.alg().as_str(), "typ": typ, "kid": kid });
    let mut input = format!(
        "{}.{}",
        b64(serde_json::to_vec(&header)?.as_slice()),
        b64(serde_json::to_vec(claims)?.as_slice())
    );
    let sig = match key {
        SigningKey::Rsa(k) => {
            let mut sig = vec![0u8; k.public_modulus_len()];
            k.sign(
                &signature::RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                input.as_bytes(),
                &mut sig,
            )
            .map_err(|_| anyhow::anyhow!("RSA signing failed"))?;
            sig
        }
        // FIXED: the 64-byte `r || s` form JOSE uses (RFC 7518 §3.4), not DER.
        SigningKey::Ec(k) => k
            .sign(&SystemRandom::new(), input.as_bytes())
            .map_err(|_| anyhow::anyhow!("ECDSA signing failed"))?
            .as_ref()
            .to_vec(),
        SigningKey::Ed(k) => k.sign(input.as_bytes()).as_ref().to_vec(),
    };
    input.push('.');
    input.push_str(&b64(&sig));
    Ok(input)
}

/// A compact JWS split into its parts, not yet trusted.
pub struct Unverified {
    pub kid: String,
    /// The header's `alg` (one we support; checked against the key's own).
    pub alg: Alg,
    pub claims: Value,
    signing_input: String,
    signature: Vec<u8>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum JwsError {
    Malformed,
    /// Not one of ours (`none`, HS256…): refused, never "verified".
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
    let alg = header
        .get("alg")
        .and_then(Value::as_str)
        .and_then(Alg::parse)
        .ok_or(JwsError::Algorithm)?;
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
        alg,
        claims,
        signing_input: format!("{h}.{p}"),
        signature: dec(s)?,
    })
}

impl Unverified {
    /// Check an RS256 signature against a public key given as JWK members.
    pub fn verify(self, n_b64: &str, e_b64: &str) -> Result<Value, JwsError> {
        self.verify_with(
            Alg::Rs256,
            &PublicJwk::Rsa {
                n: n_b64.to_string(),
                e: e_b64.to_string(),
            },
        )
    }

    /// Check the signature with `key`, a key of algorithm `alg`. The header
    /// must name the key's own algorithm (no algorithm confusion).
    pub fn verify_with(self, alg: Alg, key: &PublicJwk) -> Result<Value, JwsError> {
        if self.alg != alg {
            return Err(JwsError::Algorithm);
        }
        let d = |s: &str| {
            URL_SAFE_NO_PAD
                .decode(s)
                .map_err(|_| JwsError::BadSignature)
        };
        let input = self.signing_input.as_bytes();
        let ok = match (alg, key) {
            (Alg::Rs256, PublicJwk::Rsa { n, e }) => {
                let (n, e) = (d(n)?, d(e)?);
                signature::RsaPublicKeyComponents { n: &n, e: &e }
                    .verify(
                        &signature::RSA_PKCS1_2048_8192_SHA256,
                        input,
                        &self.signature,
                    )
                    .is_ok()
            }
            (Alg::Es256, PublicJwk::Ec { x, y }) => {
                let (x, y) = (d(x)?, d(y)?);
                if x.len() != 32 || y.len() != 32 {
                    return Err(JwsError::BadSignature);
                }
                let mut point = Vec::with_capacity(65);
                point.push(4);
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &point)
                    .verify(input, &self.signature)
                    .is_ok()
            }
            (Alg::EdDsa, PublicJwk::Okp { x }) => UnparsedPublicKey::new(&ED25519, &d(x)?)
                .verify(input, &self.signature)
                .is_ok(),
            _ => return Err(JwsError::Algorithm),
        };
        if ok {
            Ok(self.claims)
        } else {
            Err(JwsError::BadSignature)
        }
    }
}

/// `at_hash`: the left half of the hash of the access token (OIDC Core
/// 3.1.3.6), with the hash of the ID token's algorithm: SHA-256 for RS256
/// and ES256; SHA-512 for EdDSA with Ed25519 (OIDC Core errata set 2; what
/// relying parties such as authlib check).
pub fn half_hash(alg: Alg, token: &str) -> String {
    use sha2::{Digest, Sha256, Sha512};
    match alg {
        Alg::Rs256 | Alg::Es256 => b64(&Sha256::digest(token.as_bytes())[..16]),
        Alg::EdDsa => b64(&Sha512::digest(token.as_bytes())[..32]),
    }
}

/// What the `jws` fuzz target drives (and its seeds and regressions in
/// the test suite): a compact JWS from anyone, as an `id_token_hint` at
/// the logout endpoint is. Beyond "no panic": no token verifies under a
/// key made here, which signed nothing; and a token we sign over claims
/// read from the input verifies back to the same claims.
pub mod fuzzing {
    use std::sync::OnceLock;

    use serde_json::Value;

    use super::{Alg, PublicJwk, SigningKey, generate, parse, parse_private, sign};

    fn keys() -> &'static [(Alg, SigningKey, PublicJwk)] {
        static KEYS: OnceLock<Vec<(Alg, SigningKey, PublicJwk)>> = OnceLock::new();
        KEYS.get_or_init(|| {
            Alg::ALL
                .into_iter()
                .map(|alg| {
                    let k = generate(alg).expect("a key");
                    let private = parse_private(alg, &k.private_der).expect("its private half");
                    (alg, private, k.public)
                })
                .collect()
        })
    }

    /// Whether the input parsed as a JWS (and was then refused by every key).
    pub fn check(data: &[u8]) -> bool {
        let token = String::from_utf8_lossy(data);
        let mut parsed = false;
        for (alg, _, public) in keys() {
            let Ok(u) = parse(&token) else { break };
            parsed = true;
            assert!(u.claims.is_object(), "claims are an object");
            assert!(
                u.verify_with(*alg, public).is_err(),
                "a token verified under a key that signed nothing: {token:?}"
            );
        }
        // The input's JSON object, signed by us, reads back unchanged.
        if let Ok(claims @ Value::Object(_)) = serde_json::from_slice::<Value>(data) {
            for (alg, private, public) in keys() {
                let t = sign(private, "fuzz-kid", "JWT", &claims).expect("signed");
                let u = parse(&t).expect("our token parses");
                assert_eq!(u.kid, "fuzz-kid");
                assert_eq!(u.verify_with(*alg, public).as_ref(), Ok(&claims));
            }
        }
        parsed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_then_verify_and_refuse_tampering() {
        let k = generate(Alg::Rs256).expect("key");
        let pair = parse_private(Alg::Rs256, &k.private_der).expect("parse");
        let PublicJwk::Rsa { n, e } = k.public.clone() else {
            panic!("RSA key")
        };
        let claims = serde_json::json!({ "sub": "42", "aud": "tool" });
        let t = sign(&pair, "kid1", "JWT", &claims).expect("sign");
        let u = parse(&t).expect("parse");
        assert_eq!(u.kid, "kid1");
        assert_eq!(u.verify(&n, &e).expect("valid"), claims);

        // Change the payload, keep the signature.
        let mut parts: Vec<&str> = t.split('.').collect();
        let forged = b64(br#"{"sub":"1","aud":"tool"}"#);
        parts[1] = &forged;
        let tampered = parts.join(".");
        assert_eq!(
            parse(&tampered).expect("parse").verify(&n, &e),
            Err(JwsError::BadSignature)
        );

        // Another key's signature does not verify.
        let other = generate(Alg::Rs256).expect("key");
        assert_eq!(
            parse(&t)
                .expect("parse")
                .verify_with(Alg::Rs256, &other.public),
            Err(JwsError::BadSignature)
        );
    }

    #[test]
    fn es256_and_eddsa_sign_verify_and_refuse_tampering_and_confusion() {
        for alg in [Alg::Es256, Alg::EdDsa] {
            let k = generate(alg).expect("key");
            let pair = parse_private(alg, &k.private_der).expect("parse");
            let claims = serde_json::json!({ "sub": "42", "aud": "tool" });
            let t = sign(&pair, "kid1", "JWT", &claims).expect("sign");
            let u = parse(&t).expect("parse");
            assert_eq!(u.alg, alg);
            let raw = URL_SAFE_NO_PAD
                .decode(t.rsplit('.').next().expect("sig"))
                .expect("b64");
            // JOSE signatures: r || s (64 bytes) for ES256, 64 bytes for Ed25519.
            assert_eq!(raw.len(), 64, "{alg}");
            assert_eq!(u.verify_with(alg, &k.public).expect("valid"), claims);
            let mut parts: Vec<&str> = t.split('.').collect();
            let forged = b64(br#"{"sub":"1","aud":"tool"}"#);
            parts[1] = &forged;
            assert_eq!(
                parse(&parts.join("."))
                    .expect("parse")
                    .verify_with(alg, &k.public),
                Err(JwsError::BadSignature)
            );
            let other = generate(alg).expect("key");
            assert_eq!(
                parse(&t).expect("parse").verify_with(alg, &other.public),
                Err(JwsError::BadSignature)
            );
            // A token claiming another algorithm than its key's is refused.
            assert_eq!(
                parse(&t).expect("parse").verify_with(Alg::Rs256, &k.public),
                Err(JwsError::Algorithm)
            );
        }
        assert_eq!(Alg::parse("es256"), None);
        assert_eq!(Alg::parse("EdDSA"), Some(Alg::EdDsa));
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
        assert_eq!(half_hash(Alg::Rs256, "token").len(), 22);
        assert_eq!(
            half_hash(Alg::Es256, "token"),
            half_hash(Alg::Rs256, "token")
        );
        // EdDSA: 256 bits of SHA-512.
        assert_eq!(half_hash(Alg::EdDsa, "token").len(), 43);
    }
}
