//! One RSA key pair per actor that speaks for this instance (a person, a
//! community, the instance actor): RSA 2048 with PKCS#1 v1.5 and SHA-256,
//! what draft-cavage HTTP Signatures as Mastodon and Lemmy speak them need.
//! Made the first time the actor is published and stored (`ap_keys`), so
//! every node signs with the same key and a restart changes nothing.

use aws_lc_rs::encoding::{AsDer, PublicKeyX509Der};
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{self, KeyPair as _};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

use crate::db::{Db, now};

/// Whose key it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Instance,
    User(i64),
    Community(i64),
}

impl Owner {
    /// Back from [`Owner::key`] (what a delivery job stores).
    pub fn parse(s: &str) -> Option<Owner> {
        if s == "instance" {
            return Some(Owner::Instance);
        }
        let (kind, id) = s.split_once(':')?;
        let id = id.parse().ok()?;
        match kind {
            "user" => Some(Owner::User(id)),
            "community" => Some(Owner::Community(id)),
            _ => None,
        }
    }

    pub fn key(self) -> String {
        match self {
            Owner::Instance => "instance".to_string(),
            Owner::User(id) => format!("user:{id}"),
            Owner::Community(id) => format!("community:{id}"),
        }
    }
}

/// A stored key pair.
pub struct ActorKey {
    pub public_pem: String,
    private: KeyPair,
}

impl std::fmt::Debug for ActorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActorKey")
            .field("public_pem", &self.public_pem)
            .finish_non_exhaustive()
    }
}

impl ActorKey {
    /// A new key pair (RSA 2048).
    pub fn generate() -> anyhow::Result<ActorKey> {
        let kp = KeyPair::generate(KeySize::Rsa2048)
            .map_err(|_| anyhow::anyhow!("RSA key generation failed"))?;
        let spki: PublicKeyX509Der<'static> = kp
            .public_key()
            .as_der()
            .map_err(|_| anyhow::anyhow!("public key encoding failed"))?;
        Ok(ActorKey {
            public_pem: pem("PUBLIC KEY", spki.as_ref()),
            private: kp,
        })
    }

    fn from_stored(public_pem: String, private_b64: &str) -> anyhow::Result<ActorKey> {
        let der = B64.decode(private_b64.trim())?;
        let private =
            KeyPair::from_pkcs8(&der).map_err(|e| anyhow::anyhow!("stored key rejected: {e}"))?;
        Ok(ActorKey {
            public_pem,
            private,
        })
    }

    fn private_b64(&self) -> anyhow::Result<String> {
        let der: aws_lc_rs::encoding::Pkcs8V1Der<'static> = self
            .private
            .as_der()
            .map_err(|_| anyhow::anyhow!("private key encoding failed"))?;
        Ok(B64.encode(der.as_ref()))
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 over `msg`.
    pub fn sign(&self, msg: &[u8]) -> anyhow::Result<Vec<u8>> {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let mut sig = vec![0u8; self.private.public_modulus_len()];
        self.private
            .sign(&signature::RSA_PKCS1_SHA256, &rng, msg, &mut sig)
            .map_err(|_| anyhow::anyhow!("signing failed"))?;
        Ok(sig)
    }
}

/// PEM armour around DER (64-column base64).
pub fn pem(label: &str, der: &[u8]) -> String {
    let b64 = B64.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// The DER inside a PEM public key: SubjectPublicKeyInfo (`PUBLIC KEY`) or
/// PKCS#1 (`RSA PUBLIC KEY`, what some Mobilizon versions publish); both
/// are read by the verifier.
pub fn pem_der(pem: &str) -> Option<Vec<u8>> {
    let body: String = pem
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("-----"))
        .collect();
    B64.decode(body).ok().filter(|d| !d.is_empty())
}

/// RSA keys of 2048 bits and more. Unit tests also read the 1024-bit key of
/// draft-cavage's own test vectors (appendix C); nothing else does.
#[cfg(not(test))]
const RSA_PKCS1_SHA256: &signature::RsaParameters = &signature::RSA_PKCS1_2048_8192_SHA256;
#[cfg(test)]
const RSA_PKCS1_SHA256: &signature::RsaParameters =
    &signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY;

/// Verify RSASSA-PKCS1-v1_5 SHA-256 `sig` over `msg` with a PEM public key.
pub fn verify(public_pem: &str, msg: &[u8], sig: &[u8]) -> bool {
    let Some(der) = pem_der(public_pem) else {
        return false;
    };
    signature::UnparsedPublicKey::new(RSA_PKCS1_SHA256, der)
        .verify(msg, sig)
        .is_ok()
}

/// The key pair of `owner`, made and stored the first time it is asked for.
/// Two nodes asking at once keep whichever was stored first.
pub async fn key_for(db: &Db, owner: Owner) -> anyhow::Result<ActorKey> {
    let name = owner.key();
    if let Some(k) = stored(db, &name).await? {
        return Ok(k);
    }
    let fresh = tokio::task::spawn_blocking(ActorKey::generate).await??;
    sqlx::query(
        "INSERT INTO ap_keys (owner, public_pem, private_pkcs8, created_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (owner) DO NOTHING",
    )
    .bind(&name)
    .bind(&fresh.public_pem)
    .bind(fresh.private_b64()?)
    .bind(now())
    .execute(&db.pool)
    .await?;
    stored(db, &name)
        .await?
        .ok_or_else(|| anyhow::anyhow!("key for {name} not stored"))
}

async fn stored(db: &Db, name: &str) -> anyhow::Result<Option<ActorKey>> {
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT public_pem, private_pkcs8 FROM ap_keys WHERE owner = $1")
            .bind(name)
            .fetch_optional(&db.pool)
            .await?;
    row.map(|(public, private)| ActorKey::from_stored(public, &private))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_signs_and_verifies_through_its_pem_and_survives_storage() {
        let k = ActorKey::generate().expect("key");
        assert!(k.public_pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
        let sig = k.sign(b"bonjour").expect("sign");
        assert_eq!(sig.len(), 256, "RSA 2048");
        assert!(verify(&k.public_pem, b"bonjour", &sig));
        assert!(!verify(&k.public_pem, b"bonjouR", &sig));
        let again = ActorKey::from_stored(k.public_pem.clone(), &k.private_b64().expect("b64"))
            .expect("reload");
        let sig2 = again.sign(b"bonjour").expect("sign");
        assert!(verify(&k.public_pem, b"bonjour", &sig2));
        let other = ActorKey::generate().expect("key");
        assert!(!verify(&other.public_pem, b"bonjour", &sig), "another key");
    }
}
