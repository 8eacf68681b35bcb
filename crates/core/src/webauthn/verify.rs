//! Verification of the ceremonies: authenticator data, COSE keys, client
//! data, registrations and assertions, and what the browser posts back.

use super::*;
use aws_lc_rs::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use serde::Deserialize;
use sha2::{Digest, Sha256};

// ---- authenticator data, COSE keys, client data ---------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttestedCredential {
    pub aaguid: [u8; 16],
    pub credential_id: Vec<u8>,
    /// The COSE_Key, as encoded by the authenticator.
    pub public_key: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthData {
    pub rp_id_hash: [u8; 32],
    pub flags: u8,
    pub sign_count: u32,
    pub attested: Option<AttestedCredential>,
}

/// Parse authenticator data (§6.1): nothing may follow what the flags announce.
pub fn parse_auth_data(b: &[u8]) -> Result<AuthData, Error> {
    if b.len() < 37 {
        return Err(Error::Malformed("authenticator data too short"));
    }
    let rp_id_hash: [u8; 32] = b[..32].try_into().map_err(|_| Error::Malformed("rp"))?;
    let flags = b[32];
    let sign_count = u32::from_be_bytes([b[33], b[34], b[35], b[36]]);
    if flags & FLAG_BS != 0 && flags & FLAG_BE == 0 {
        return Err(Error::Malformed("backed up but not backup-eligible"));
    }
    let mut rest = &b[37..];
    let attested = if flags & FLAG_AT != 0 {
        if rest.len() < 18 {
            return Err(Error::Malformed("attested credential data too short"));
        }
        let aaguid: [u8; 16] = rest[..16]
            .try_into()
            .map_err(|_| Error::Malformed("aaguid"))?;
        let len = u16::from_be_bytes([rest[16], rest[17]]) as usize;
        if len == 0 || len > 1023 || rest.len() < 18 + len {
            return Err(Error::Malformed("credential id length"));
        }
        let credential_id = rest[18..18 + len].to_vec();
        rest = &rest[18 + len..];
        let (key, used) = cbor::decode_prefix(rest)?;
        if !matches!(key, cbor::Value::Map(_)) {
            return Err(Error::Key);
        }
        let public_key = rest[..used].to_vec();
        rest = &rest[used..];
        Some(AttestedCredential {
            aaguid,
            credential_id,
            public_key,
        })
    } else {
        None
    };
    if flags & FLAG_ED != 0 {
        if !matches!(cbor::decode(rest)?, cbor::Value::Map(_)) {
            return Err(Error::Malformed("extensions"));
        }
    } else if !rest.is_empty() {
        return Err(Error::Malformed("trailing bytes in authenticator data"));
    }
    Ok(AuthData {
        rp_id_hash,
        flags,
        sign_count,
        attested,
    })
}

/// A public key we can verify with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// Uncompressed P-256 point (0x04 ‖ x ‖ y).
    Es256(Vec<u8>),
    Ed25519(Vec<u8>),
    Rs256 {
        n: Vec<u8>,
        e: Vec<u8>,
    },
}

/// Parse a COSE_Key (RFC 9052/9053) of one of our algorithms; returns the
/// key and its `alg`.
pub fn parse_cose_key(bytes: &[u8]) -> Result<(PublicKey, i64), Error> {
    let key = cbor::decode(bytes)?;
    let int = |k| key.get_int(k).and_then(cbor::Value::as_int);
    let bytes_of = |k| key.get_int(k).and_then(cbor::Value::as_bytes);
    let kty = int(1).ok_or(Error::Key)?;
    let alg = int(3).ok_or(Error::Key)?;
    let pk = match (kty, alg) {
        // EC2, ES256, P-256
        (2, -7) => {
            let (x, y) = (bytes_of(-2), bytes_of(-3));
            match (int(-1), x, y) {
                (Some(1), Some(x), Some(y)) if x.len() == 32 && y.len() == 32 => {
                    let mut p = Vec::with_capacity(65);
                    p.push(4);
                    p.extend_from_slice(x);
                    p.extend_from_slice(y);
                    PublicKey::Es256(p)
                }
                _ => return Err(Error::Key),
            }
        }
        // OKP, EdDSA, Ed25519
        (1, -8) => match (int(-1), bytes_of(-2)) {
            (Some(6), Some(x)) if x.len() == 32 => PublicKey::Ed25519(x.to_vec()),
            _ => return Err(Error::Key),
        },
        // RSA, RS256 (PKCS#1 v1.5, SHA-256), at least 2048 bits
        (3, -257) => match (bytes_of(-1), bytes_of(-2)) {
            (Some(n), Some(e)) if (256..=1024).contains(&n.len()) && (1..=8).contains(&e.len()) => {
                PublicKey::Rs256 {
                    n: n.to_vec(),
                    e: e.to_vec(),
                }
            }
            _ => return Err(Error::Key),
        },
        _ => return Err(Error::Algorithm),
    };
    Ok((pk, alg as i64))
}

impl PublicKey {
    /// Verify a WebAuthn signature (ES256 signatures are ASN.1 DER).
    pub fn verify(&self, message: &[u8], sig: &[u8]) -> Result<(), Error> {
        let ok = match self {
            PublicKey::Es256(p) => UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_ASN1, p)
                .verify(message, sig)
                .is_ok(),
            PublicKey::Ed25519(x) => UnparsedPublicKey::new(&signature::ED25519, x)
                .verify(message, sig)
                .is_ok(),
            PublicKey::Rs256 { n, e } => RsaPublicKeyComponents { n, e }
                .verify(&signature::RSA_PKCS1_2048_8192_SHA256, message, sig)
                .is_ok(),
        };
        if ok { Ok(()) } else { Err(Error::Signature) }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ClientData {
    #[serde(rename = "type")]
    pub typ: String,
    pub challenge: String,
    pub origin: String,
    #[serde(rename = "crossOrigin", default)]
    pub cross_origin: bool,
}

pub fn parse_client_data(json: &[u8]) -> Result<ClientData, Error> {
    serde_json::from_slice(json).map_err(|_| Error::Malformed("clientDataJSON"))
}

/// The challenge a client data claims to answer (to find its stored row;
/// everything is verified afterwards).
pub fn claimed_challenge(client_data_json: &[u8]) -> Option<Vec<u8>> {
    unb64(&parse_client_data(client_data_json).ok()?.challenge)
}

fn check_client_data(
    rp: &RelyingParty,
    challenge: &[u8],
    json: &[u8],
    typ: &str,
) -> Result<[u8; 32], Error> {
    let cd = parse_client_data(json)?;
    if cd.typ != typ {
        return Err(Error::Type);
    }
    if unb64(&cd.challenge).as_deref() != Some(challenge) {
        return Err(Error::Challenge);
    }
    if cd.origin != rp.origin {
        return Err(Error::Origin);
    }
    if cd.cross_origin {
        return Err(Error::CrossOrigin);
    }
    Ok(Sha256::digest(json).into())
}

fn check_flags(rp: &RelyingParty, ad: &AuthData, require_uv: bool) -> Result<(), Error> {
    if ad.rp_id_hash != rp.id_hash() {
        return Err(Error::RpId);
    }
    if ad.flags & FLAG_UP == 0 {
        return Err(Error::UserPresence);
    }
    if require_uv && ad.flags & FLAG_UV == 0 {
        return Err(Error::UserVerification);
    }
    Ok(())
}

// ---- ceremonies ---------------------------------------------------------------------

/// A verified registration, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCredential {
    pub credential_id: Vec<u8>,
    pub public_key: Vec<u8>,
    pub alg: i64,
    pub sign_count: u32,
    pub aaguid: [u8; 16],
    pub backup_eligible: bool,
    pub user_verified: bool,
    pub fmt: String,
}

/// §7.1: verify `navigator.credentials.create()`'s answer.
pub fn verify_registration(
    rp: &RelyingParty,
    challenge: &[u8],
    client_data_json: &[u8],
    attestation_object: &[u8],
    require_uv: bool,
) -> Result<NewCredential, Error> {
    let cd_hash = check_client_data(rp, challenge, client_data_json, "webauthn.create")?;
    let att = cbor::decode(attestation_object)?;
    let fmt = att
        .get_text("fmt")
        .and_then(cbor::Value::as_text)
        .ok_or(Error::Attestation("fmt"))?;
    let stmt = att
        .get_text("attStmt")
        .ok_or(Error::Attestation("attStmt"))?;
    let raw_auth = att
        .get_text("authData")
        .and_then(cbor::Value::as_bytes)
        .ok_or(Error::Attestation("authData"))?;
    let ad = parse_auth_data(raw_auth)?;
    check_flags(rp, &ad, require_uv)?;
    let cred = ad
        .attested
        .clone()
        .ok_or(Error::Malformed("no attested credential"))?;
    let (key, alg) = parse_cose_key(&cred.public_key)?;
    if !ALGORITHMS.contains(&alg) {
        return Err(Error::Algorithm);
    }
    match fmt {
        "none" => {
            if *stmt != cbor::Value::Map(Vec::new()) {
                return Err(Error::Attestation("none with a statement"));
            }
        }
        // Self-attestation: signed by the credential's own key. A statement
        // with a certificate chain (x5c) would need a trust policy we do
        // not have; we asked for "none".
        "packed" => {
            if stmt.get_text("x5c").is_some() {
                return Err(Error::Attestation("packed with x5c"));
            }
            let salg = stmt
                .get_text("alg")
                .and_then(cbor::Value::as_int)
                .ok_or(Error::Attestation("packed alg"))?;
            let sig = stmt
                .get_text("sig")
                .and_then(cbor::Value::as_bytes)
                .ok_or(Error::Attestation("packed sig"))?;
            if salg != alg as i128 {
                return Err(Error::Attestation("packed alg differs"));
            }
            let mut msg = raw_auth.to_vec();
            msg.extend_from_slice(&cd_hash);
            key.verify(&msg, sig)?;
        }
        _ => return Err(Error::Attestation("unsupported format")),
    }
    Ok(NewCredential {
        credential_id: cred.credential_id,
        public_key: cred.public_key,
        alg,
        sign_count: ad.sign_count,
        aaguid: cred.aaguid,
        backup_eligible: ad.flags & FLAG_BE != 0,
        user_verified: ad.flags & FLAG_UV != 0,
        fmt: fmt.to_string(),
    })
}

/// A verified assertion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    pub sign_count: u32,
    pub user_verified: bool,
}

/// §7.2: verify `navigator.credentials.get()`'s answer against a stored
/// key and counter.
#[allow(clippy::too_many_arguments)]
pub fn verify_assertion(
    rp: &RelyingParty,
    challenge: &[u8],
    client_data_json: &[u8],
    authenticator_data: &[u8],
    sig: &[u8],
    cose_key: &[u8],
    stored_count: u32,
    require_uv: bool,
) -> Result<Verified, Error> {
    let cd_hash = check_client_data(rp, challenge, client_data_json, "webauthn.get")?;
    let ad = parse_auth_data(authenticator_data)?;
    if ad.attested.is_some() {
        return Err(Error::Malformed("attested data in an assertion"));
    }
    check_flags(rp, &ad, require_uv)?;
    let (key, _) = parse_cose_key(cose_key)?;
    let mut msg = authenticator_data.to_vec();
    msg.extend_from_slice(&cd_hash);
    key.verify(&msg, sig)?;
    // Counters that are used must go up; two zeros mean "no counter".
    if (ad.sign_count != 0 || stored_count != 0) && ad.sign_count <= stored_count {
        return Err(Error::Counter);
    }
    Ok(Verified {
        sign_count: ad.sign_count,
        user_verified: ad.flags & FLAG_UV != 0,
    })
}

// ---- what the browser posts back (the script's JSON) ---------------------------------

#[derive(Debug, Deserialize)]
pub struct RegistrationJson {
    pub id: String,
    #[serde(rename = "type")]
    pub typ: String,
    pub response: RegistrationResponseJson,
}

#[derive(Debug, Deserialize)]
pub struct RegistrationResponseJson {
    #[serde(rename = "clientDataJSON")]
    pub client_data_json: String,
    #[serde(rename = "attestationObject")]
    pub attestation_object: String,
    #[serde(default)]
    pub transports: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct AssertionJson {
    pub id: String,
    #[serde(rename = "type")]
    pub typ: String,
    pub response: AssertionResponseJson,
}

#[derive(Debug, Deserialize)]
pub struct AssertionResponseJson {
    #[serde(rename = "clientDataJSON")]
    pub client_data_json: String,
    #[serde(rename = "authenticatorData")]
    pub authenticator_data: String,
    pub signature: String,
    #[serde(rename = "userHandle", default)]
    pub user_handle: Option<String>,
}

/// The transports worth remembering (hints for `allowCredentials`).
pub fn clean_transports(t: &[String]) -> String {
    const KNOWN: [&str; 6] = ["usb", "nfc", "ble", "internal", "hybrid", "smart-card"];
    let mut out: Vec<&str> = KNOWN
        .iter()
        .copied()
        .filter(|k| t.iter().any(|x| x == k))
        .collect();
    out.dedup();
    out.join(",")
}
