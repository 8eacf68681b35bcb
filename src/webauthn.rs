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

use aws_lc_rs::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde::Deserialize;
use serde_json::{Value as Json, json};
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::accounts::hash_token;
use crate::db::{Db, now};

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

// ---- options for the browser ---------------------------------------------------------

/// `PublicKeyCredentialCreationOptions` (binary fields in base64url; the
/// script converts them). Discoverable credential with user verification,
/// so the same passkey signs in without a password.
pub fn creation_options(
    rp: &RelyingParty,
    challenge: &[u8],
    user_handle: &str,
    username: &str,
    display_name: &str,
    exclude: &[Passkey],
) -> Json {
    json!({
        "publicKey": {
            "rp": { "id": rp.id, "name": rp.name },
            "user": { "id": user_handle, "name": username, "displayName": display_name },
            "challenge": b64(challenge),
            "pubKeyCredParams": ALGORITHMS.iter().map(|a| json!({"type": "public-key", "alg": a})).collect::<Vec<_>>(),
            "timeout": CHALLENGE_TTL * 1000,
            "attestation": "none",
            "authenticatorSelection": {
                "residentKey": "required",
                "requireResidentKey": true,
                "userVerification": "required"
            },
            "excludeCredentials": descriptors(exclude),
        }
    })
}

/// `PublicKeyCredentialRequestOptions`: with `allow` empty, any
/// discoverable passkey of this site (password-less sign-in).
pub fn request_options(
    rp: &RelyingParty,
    challenge: &[u8],
    allow: &[Passkey],
    user_verification: &str,
) -> Json {
    json!({
        "publicKey": {
            "rpId": rp.id,
            "challenge": b64(challenge),
            "timeout": CHALLENGE_TTL * 1000,
            "userVerification": user_verification,
            "allowCredentials": descriptors(allow),
        }
    })
}

fn descriptors(keys: &[Passkey]) -> Vec<Json> {
    keys.iter()
        .map(|k| {
            let mut d = json!({ "type": "public-key", "id": k.credential_id });
            if !k.transports.is_empty() {
                d["transports"] = json!(k.transports.split(',').collect::<Vec<_>>());
            }
            d
        })
        .collect()
}

// ---- storage --------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct Passkey {
    pub id: i64,
    pub user_id: i64,
    /// base64url
    pub credential_id: String,
    /// COSE_Key, base64url
    pub public_key: String,
    pub alg: i64,
    pub sign_count: i64,
    pub transports: String,
    pub name: String,
    pub backup_eligible: bool,
    pub clone_warning: bool,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

const COLUMNS: &str = "id, user_id, credential_id, public_key, alg, sign_count, transports, name, \
                       backup_eligible, clone_warning, created_at, last_used_at";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Passkey, sqlx::Error> {
    Ok(Passkey {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        credential_id: r.try_get("credential_id")?,
        public_key: r.try_get("public_key")?,
        alg: r.try_get("alg")?,
        sign_count: r.try_get("sign_count")?,
        transports: r.try_get("transports")?,
        name: r.try_get("name")?,
        backup_eligible: r.try_get::<i64, _>("backup_eligible")? != 0,
        clone_warning: r.try_get::<i64, _>("clone_warning")? != 0,
        created_at: r.try_get("created_at")?,
        last_used_at: r.try_get("last_used_at")?,
    })
}

pub async fn list(db: &Db, user_id: i64) -> Result<Vec<Passkey>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM passkeys WHERE user_id = $1 ORDER BY created_at, id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(user_id)
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn count(db: &Db, user_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM passkeys WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(&db.pool)
        .await
}

pub async fn has_passkey(db: &Db, user_id: i64) -> Result<bool, sqlx::Error> {
    Ok(count(db, user_id).await? > 0)
}

pub async fn by_credential_id(
    db: &Db,
    credential_id: &str,
) -> Result<Option<Passkey>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM passkeys WHERE credential_id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(credential_id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Store a verified credential. `Ok(None)` when its id is already known
/// (to anyone: credential ids are unique).
pub async fn insert(
    db: &Db,
    user_id: i64,
    c: &NewCredential,
    transports: &str,
    name: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let res = sqlx::query_scalar(
        "INSERT INTO passkeys (user_id, credential_id, public_key, alg, sign_count, transports, name, \
         aaguid, backup_eligible, clone_warning, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10) RETURNING id",
    )
    .bind(user_id)
    .bind(b64(&c.credential_id))
    .bind(b64(&c.public_key))
    .bind(c.alg)
    .bind(c.sign_count as i64)
    .bind(transports)
    .bind(name)
    .bind(hex::encode(c.aaguid))
    .bind(c.backup_eligible as i64)
    .bind(now())
    .fetch_one(&db.pool)
    .await;
    match res {
        Ok(id) => Ok(Some(id)),
        Err(e) if crate::db::is_unique_violation(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

pub async fn rename(db: &Db, user_id: i64, id: i64, name: &str) -> Result<bool, sqlx::Error> {
    Ok(
        sqlx::query("UPDATE passkeys SET name = $1 WHERE id = $2 AND user_id = $3")
            .bind(name)
            .bind(id)
            .bind(user_id)
            .execute(&db.pool)
            .await?
            .rows_affected()
            == 1,
    )
}

pub async fn remove(db: &Db, user_id: i64, id: i64) -> Result<bool, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM passkeys WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .execute(&db.pool)
            .await?
            .rows_affected()
            == 1,
    )
}

/// Record a use with its new counter — only if the counter is still the
/// one the assertion was checked against (two racing uses cannot both win).
pub async fn record_use(db: &Db, id: i64, old: i64, new: u32) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE passkeys SET sign_count = $1, last_used_at = $2 WHERE id = $3 AND sign_count = $4",
    )
    .bind(new as i64)
    .bind(now())
    .bind(id)
    .bind(old)
    .execute(&db.pool)
    .await?
    .rows_affected()
        == 1)
}

pub async fn flag_clone(db: &Db, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE passkeys SET clone_warning = 1 WHERE id = $1")
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The person's WebAuthn user handle (random, base64url), made on first use.
pub async fn user_handle(db: &Db, user_id: i64) -> Result<String, sqlx::Error> {
    let mut h = [0u8; 32];
    rand::rng().fill_bytes(&mut h);
    sqlx::query(
        "INSERT INTO passkey_handles (user_id, handle) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING",
    )
    .bind(user_id)
    .bind(b64(&h))
    .execute(&db.pool)
    .await?;
    sqlx::query_scalar("SELECT handle FROM passkey_handles WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(&db.pool)
        .await
}

pub async fn user_by_handle(db: &Db, handle: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT user_id FROM passkey_handles WHERE handle = $1")
        .bind(handle)
        .fetch_optional(&db.pool)
        .await
}

/// What a challenge is for; a challenge only answers its own purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Register,
    SignIn,
    SecondFactor,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Register => "register",
            Purpose::SignIn => "sign_in",
            Purpose::SecondFactor => "second_factor",
        }
    }
}

/// A fresh challenge (32 random bytes) for `purpose`, bound to `binding`
/// (a secret of the browser that asked: its session, its anonymous CSRF
/// cookie, or its second-factor challenge), stored hashed for 5 minutes.
pub async fn new_challenge(
    db: &Db,
    purpose: Purpose,
    binding: &str,
    user_id: Option<i64>,
) -> Result<Vec<u8>, sqlx::Error> {
    let mut c = vec![0u8; 32];
    rand::rng().fill_bytes(&mut c);
    let t = now();
    sqlx::query("DELETE FROM webauthn_challenges WHERE expires_at < $1")
        .bind(t)
        .execute(&db.pool)
        .await?;
    sqlx::query(
        "INSERT INTO webauthn_challenges (challenge_hash, purpose, binding_hash, user_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(challenge_hash(&c))
    .bind(purpose.as_str())
    .bind(hash_token(binding))
    .bind(user_id)
    .bind(t)
    .bind(t + CHALLENGE_TTL)
    .execute(&db.pool)
    .await?;
    Ok(c)
}

fn challenge_hash(c: &[u8]) -> String {
    hex::encode(Sha256::digest(c))
}

/// Use up a challenge: `Some(user_id)` (the account it was made for, if
/// any) when it was live, for this purpose and this browser. Deleted in
/// any case of a match, so it never answers twice.
pub async fn take_challenge(
    db: &Db,
    challenge: &[u8],
    purpose: Purpose,
    binding: &str,
) -> Result<Option<Option<i64>>, sqlx::Error> {
    let row: Option<(Option<i64>, i64)> = sqlx::query_as(
        "DELETE FROM webauthn_challenges WHERE challenge_hash = $1 AND purpose = $2 AND binding_hash = $3 \
         RETURNING user_id, expires_at",
    )
    .bind(challenge_hash(challenge))
    .bind(purpose.as_str())
    .bind(hash_token(binding))
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.filter(|(_, exp)| *exp > now()).map(|(u, _)| u))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{EcdsaKeyPair, Ed25519KeyPair, KeyPair};
    use cbor::Value as C;

    fn rp() -> RelyingParty {
        RelyingParty::from_public_url("https://passerelles.example:8443/some/path", "P")
            .expect("rp")
    }

    fn client_data(typ: &str, challenge: &[u8], origin: &str) -> Vec<u8> {
        json!({"type": typ, "challenge": b64(challenge), "origin": origin, "crossOrigin": false})
            .to_string()
            .into_bytes()
    }

    struct Authenticator {
        key: EcdsaKeyPair,
        cred_id: Vec<u8>,
    }

    impl Authenticator {
        fn new() -> Self {
            Authenticator {
                key: EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_ASN1_SIGNING)
                    .expect("key"),
                cred_id: vec![7; 16],
            }
        }

        fn cose(&self) -> Vec<u8> {
            let p = self.key.public_key().as_ref();
            cbor::encode(&C::Map(vec![
                (C::Int(1), C::Int(2)),
                (C::Int(3), C::Int(-7)),
                (C::Int(-1), C::Int(1)),
                (C::Int(-2), C::Bytes(p[1..33].to_vec())),
                (C::Int(-3), C::Bytes(p[33..65].to_vec())),
            ]))
        }

        fn auth_data(&self, rp_id: &str, flags: u8, count: u32, attested: bool) -> Vec<u8> {
            let mut a = Sha256::digest(rp_id.as_bytes()).to_vec();
            a.push(flags | if attested { FLAG_AT } else { 0 });
            a.extend_from_slice(&count.to_be_bytes());
            if attested {
                a.extend_from_slice(&[0u8; 16]);
                a.extend_from_slice(&(self.cred_id.len() as u16).to_be_bytes());
                a.extend_from_slice(&self.cred_id);
                a.extend_from_slice(&self.cose());
            }
            a
        }

        fn sign(&self, auth_data: &[u8], cdj: &[u8]) -> Vec<u8> {
            let mut m = auth_data.to_vec();
            m.extend_from_slice(&Sha256::digest(cdj));
            self.key
                .sign(&SystemRandom::new(), &m)
                .expect("sign")
                .as_ref()
                .to_vec()
        }
    }

    fn attestation(fmt: &str, stmt: C, auth_data: Vec<u8>) -> Vec<u8> {
        cbor::encode(&C::Map(vec![
            (C::Text("fmt".into()), C::Text(fmt.into())),
            (C::Text("attStmt".into()), stmt),
            (C::Text("authData".into()), C::Bytes(auth_data)),
        ]))
    }

    #[test]
    fn relying_party_from_public_url() {
        let rp = rp();
        assert_eq!(rp.id, "passerelles.example");
        assert_eq!(rp.origin, "https://passerelles.example:8443");
        let rp = RelyingParty::from_public_url("http://localhost:3000/", "P").expect("rp");
        assert_eq!(
            (rp.id.as_str(), rp.origin.as_str()),
            ("localhost", "http://localhost:3000")
        );
        let rp = RelyingParty::from_public_url("https://Exemple.QC.ca", "P").expect("rp");
        assert_eq!(rp.origin, "https://exemple.qc.ca");
    }

    #[test]
    fn registration_none_and_packed_self_attestation() {
        let rp = rp();
        let a = Authenticator::new();
        let ch = [1u8; 32];
        let cdj = client_data("webauthn.create", &ch, &rp.origin);
        let ad = a.auth_data(&rp.id, FLAG_UP | FLAG_UV | FLAG_BE, 0, true);
        let att = attestation("none", C::Map(vec![]), ad.clone());
        let c = verify_registration(&rp, &ch, &cdj, &att, true).expect("none accepted");
        assert_eq!(c.credential_id, a.cred_id);
        assert_eq!(c.alg, ES256);
        assert!(c.backup_eligible && c.user_verified);
        assert_eq!(parse_cose_key(&c.public_key).expect("key").1, ES256);

        let sig = a.sign(&ad, &cdj);
        let packed = |alg: i128, sig: Vec<u8>| {
            attestation(
                "packed",
                C::Map(vec![
                    (C::Text("alg".into()), C::Int(alg)),
                    (C::Text("sig".into()), C::Bytes(sig)),
                ]),
                ad.clone(),
            )
        };
        assert!(verify_registration(&rp, &ch, &cdj, &packed(-7, sig.clone()), true).is_ok());
        let mut bad = sig.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert_eq!(
            verify_registration(&rp, &ch, &cdj, &packed(-7, bad), true),
            Err(Error::Signature)
        );
        assert!(matches!(
            verify_registration(&rp, &ch, &cdj, &packed(-257, sig), true),
            Err(Error::Attestation(_))
        ));
        // A "none" that smuggles a statement, and formats we do not take.
        let smuggled = attestation(
            "none",
            C::Map(vec![(C::Text("sig".into()), C::Bytes(vec![1]))]),
            ad.clone(),
        );
        assert!(matches!(
            verify_registration(&rp, &ch, &cdj, &smuggled, true),
            Err(Error::Attestation(_))
        ));
        let tpm = attestation("tpm", C::Map(vec![]), ad.clone());
        assert!(matches!(
            verify_registration(&rp, &ch, &cdj, &tpm, true),
            Err(Error::Attestation(_))
        ));
    }

    #[test]
    fn registration_refuses_tampering() {
        let rp = rp();
        let a = Authenticator::new();
        let ch = [2u8; 32];
        let good_cd = client_data("webauthn.create", &ch, &rp.origin);
        let good_ad = a.auth_data(&rp.id, FLAG_UP | FLAG_UV, 0, true);
        let none = |ad: Vec<u8>| attestation("none", C::Map(vec![]), ad);
        let check =
            |cd: &[u8], ad: Vec<u8>, uv: bool| verify_registration(&rp, &ch, cd, &none(ad), uv);
        assert!(check(&good_cd, good_ad.clone(), true).is_ok());
        assert_eq!(
            check(
                &client_data("webauthn.get", &ch, &rp.origin),
                good_ad.clone(),
                true
            ),
            Err(Error::Type)
        );
        assert_eq!(
            check(
                &client_data("webauthn.create", &[3; 32], &rp.origin),
                good_ad.clone(),
                true
            ),
            Err(Error::Challenge)
        );
        for origin in [
            "https://evil.example",
            "https://passerelles.example",
            "http://passerelles.example:8443",
            "https://sub.passerelles.example:8443",
        ] {
            assert_eq!(
                check(
                    &client_data("webauthn.create", &ch, origin),
                    good_ad.clone(),
                    true
                ),
                Err(Error::Origin),
                "{origin}"
            );
        }
        let cross = json!({"type": "webauthn.create", "challenge": b64(&ch), "origin": rp.origin, "crossOrigin": true})
            .to_string();
        assert_eq!(
            check(cross.as_bytes(), good_ad.clone(), true),
            Err(Error::CrossOrigin)
        );
        assert_eq!(
            check(
                &good_cd,
                a.auth_data("evil.example", FLAG_UP | FLAG_UV, 0, true),
                true
            ),
            Err(Error::RpId)
        );
        assert_eq!(
            check(&good_cd, a.auth_data(&rp.id, FLAG_UV, 0, true), true),
            Err(Error::UserPresence)
        );
        assert_eq!(
            check(&good_cd, a.auth_data(&rp.id, FLAG_UP, 0, true), true),
            Err(Error::UserVerification)
        );
        assert!(check(&good_cd, a.auth_data(&rp.id, FLAG_UP, 0, true), false).is_ok());
        assert!(
            check(
                &good_cd,
                a.auth_data(&rp.id, FLAG_UP | FLAG_UV, 0, false),
                true
            )
            .is_err()
        );
        let mut trailing = good_ad.clone();
        trailing.push(0);
        assert!(matches!(
            check(&good_cd, trailing, true),
            Err(Error::Malformed(_))
        ));
        let mut bs_without_be = good_ad.clone();
        bs_without_be[32] |= FLAG_BS;
        assert!(matches!(
            check(&good_cd, bs_without_be, true),
            Err(Error::Malformed(_))
        ));
        assert!(check(b"{not json", good_ad, true).is_err());
    }

    #[test]
    fn assertions_verify_and_refuse_tampering() {
        let rp = rp();
        let a = Authenticator::new();
        let cose = a.cose();
        let ch = [9u8; 32];
        let cd = client_data("webauthn.get", &ch, &rp.origin);
        let ad = a.auth_data(&rp.id, FLAG_UP | FLAG_UV, 5, false);
        let sig = a.sign(&ad, &cd);
        let ok = verify_assertion(&rp, &ch, &cd, &ad, &sig, &cose, 4, true).expect("valid");
        assert_eq!(
            ok,
            Verified {
                sign_count: 5,
                user_verified: true
            }
        );

        // Signature over other bytes, or flipped.
        let mut bad = sig.clone();
        bad[10] ^= 0x40;
        assert!(verify_assertion(&rp, &ch, &cd, &ad, &bad, &cose, 4, true).is_err());
        let cd2 = client_data("webauthn.get", &ch, "https://evil.example");
        assert_eq!(
            verify_assertion(&rp, &ch, &cd2, &ad, &a.sign(&ad, &cd2), &cose, 4, true),
            Err(Error::Origin)
        );
        // Same signed bytes presented with another challenge.
        assert_eq!(
            verify_assertion(&rp, &[8; 32], &cd, &ad, &sig, &cose, 4, true),
            Err(Error::Challenge)
        );
        // Flags changed after signing: signature no longer matches.
        let mut ad_uv_off = ad.clone();
        ad_uv_off[32] = FLAG_UP;
        assert_eq!(
            verify_assertion(&rp, &ch, &cd, &ad_uv_off, &sig, &cose, 4, false),
            Err(Error::Signature)
        );
        // Correctly signed but without verification, when it is required.
        let ad_up = a.auth_data(&rp.id, FLAG_UP, 5, false);
        let sig_up = a.sign(&ad_up, &cd);
        assert_eq!(
            verify_assertion(&rp, &ch, &cd, &ad_up, &sig_up, &cose, 4, true),
            Err(Error::UserVerification)
        );
        assert!(verify_assertion(&rp, &ch, &cd, &ad_up, &sig_up, &cose, 4, false).is_ok());
        let ad_nup = a.auth_data(&rp.id, FLAG_UV, 5, false);
        assert_eq!(
            verify_assertion(
                &rp,
                &ch,
                &cd,
                &ad_nup,
                &a.sign(&ad_nup, &cd),
                &cose,
                4,
                false
            ),
            Err(Error::UserPresence)
        );
        let ad_rp = a.auth_data("evil.example", FLAG_UP | FLAG_UV, 5, false);
        assert_eq!(
            verify_assertion(&rp, &ch, &cd, &ad_rp, &a.sign(&ad_rp, &cd), &cose, 4, true),
            Err(Error::RpId)
        );
        // A counter that did not go up: possible clone.
        assert_eq!(
            verify_assertion(&rp, &ch, &cd, &ad, &sig, &cose, 5, true),
            Err(Error::Counter)
        );
        assert_eq!(
            verify_assertion(&rp, &ch, &cd, &ad, &sig, &cose, 9, true),
            Err(Error::Counter)
        );
        // Authenticators without a counter always say 0.
        let ad0 = a.auth_data(&rp.id, FLAG_UP | FLAG_UV, 0, false);
        assert!(verify_assertion(&rp, &ch, &cd, &ad0, &a.sign(&ad0, &cd), &cose, 0, true).is_ok());
        // Another key's signature.
        let other = Authenticator::new();
        assert_eq!(
            verify_assertion(&rp, &ch, &cd, &ad, &other.sign(&ad, &cd), &cose, 4, true),
            Err(Error::Signature)
        );
        // A registration's client data is not an assertion's.
        let cdc = client_data("webauthn.create", &ch, &rp.origin);
        assert_eq!(
            verify_assertion(&rp, &ch, &cdc, &ad, &a.sign(&ad, &cdc), &cose, 4, true),
            Err(Error::Type)
        );
    }

    #[test]
    fn ed25519_and_rs256_keys() {
        let rp = rp();
        let ch = [4u8; 32];
        let cd = client_data("webauthn.get", &ch, &rp.origin);
        let mut ad = Sha256::digest(rp.id.as_bytes()).to_vec();
        ad.push(FLAG_UP | FLAG_UV);
        ad.extend_from_slice(&1u32.to_be_bytes());
        let mut msg = ad.clone();
        msg.extend_from_slice(&Sha256::digest(&cd));

        let ed = Ed25519KeyPair::generate().expect("ed25519");
        let cose = cbor::encode(&C::Map(vec![
            (C::Int(1), C::Int(1)),
            (C::Int(3), C::Int(-8)),
            (C::Int(-1), C::Int(6)),
            (C::Int(-2), C::Bytes(ed.public_key().as_ref().to_vec())),
        ]));
        let sig = ed.sign(&msg).as_ref().to_vec();
        assert!(verify_assertion(&rp, &ch, &cd, &ad, &sig, &cose, 0, true).is_ok());
        let mut bad = sig;
        bad[0] ^= 1;
        assert_eq!(
            verify_assertion(&rp, &ch, &cd, &ad, &bad, &cose, 0, true),
            Err(Error::Signature)
        );

        let rsa = signature::RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).expect("rsa");
        let public = rsa.public_key();
        let cose = cbor::encode(&C::Map(vec![
            (C::Int(1), C::Int(3)),
            (C::Int(3), C::Int(-257)),
            (
                C::Int(-1),
                C::Bytes(public.modulus().big_endian_without_leading_zero().to_vec()),
            ),
            (
                C::Int(-2),
                C::Bytes(public.exponent().big_endian_without_leading_zero().to_vec()),
            ),
        ]));
        let mut sig = vec![0u8; rsa.public_modulus_len()];
        rsa.sign(
            &signature::RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            &msg,
            &mut sig,
        )
        .expect("sign");
        assert!(verify_assertion(&rp, &ch, &cd, &ad, &sig, &cose, 0, true).is_ok());
        sig[5] ^= 1;
        assert_eq!(
            verify_assertion(&rp, &ch, &cd, &ad, &sig, &cose, 0, true),
            Err(Error::Signature)
        );
    }

    #[test]
    fn cose_keys_of_other_kinds_are_refused() {
        let p = |m: Vec<(C, C)>| parse_cose_key(&cbor::encode(&C::Map(m)));
        // ES384, P-256 with a short x, unknown kty, RSA with a 1024-bit modulus.
        assert_eq!(
            p(vec![(C::Int(1), C::Int(2)), (C::Int(3), C::Int(-35))]),
            Err(Error::Algorithm)
        );
        assert_eq!(
            p(vec![
                (C::Int(1), C::Int(2)),
                (C::Int(3), C::Int(-7)),
                (C::Int(-1), C::Int(1)),
                (C::Int(-2), C::Bytes(vec![1; 31])),
                (C::Int(-3), C::Bytes(vec![1; 32])),
            ]),
            Err(Error::Key)
        );
        assert_eq!(
            p(vec![(C::Int(1), C::Int(9)), (C::Int(3), C::Int(-7))]),
            Err(Error::Algorithm)
        );
        assert_eq!(
            p(vec![
                (C::Int(1), C::Int(3)),
                (C::Int(3), C::Int(-257)),
                (C::Int(-1), C::Bytes(vec![0xff; 128])),
                (C::Int(-2), C::Bytes(vec![1, 0, 1])),
            ]),
            Err(Error::Key)
        );
        assert!(parse_cose_key(&[0xa0, 0x00]).is_err(), "trailing bytes");
    }

    /// A cheap stand-in for the fuzz target in every test run: thousands
    /// of mutations of a valid registration and assertion never panic, and
    /// whatever CBOR decodes encodes back to itself.
    #[test]
    fn mutated_inputs_never_panic() {
        use rand::{Rng, SeedableRng};
        let rp = rp();
        let a = Authenticator::new();
        let ch = [5u8; 32];
        let cdj = client_data("webauthn.create", &ch, &rp.origin);
        let ad = a.auth_data(&rp.id, FLAG_UP | FLAG_UV, 0, true);
        let att = attestation("none", C::Map(vec![]), ad.clone());
        let gcd = client_data("webauthn.get", &ch, &rp.origin);
        let gad = a.auth_data(&rp.id, FLAG_UP | FLAG_UV, 1, false);
        let sig = a.sign(&gad, &gcd);
        let cose = a.cose();
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let mut accepted = 0;
        for i in 0..20_000 {
            let mut m = if i % 2 == 0 {
                att.clone()
            } else {
                cose.clone()
            };
            for _ in 0..rng.random_range(1..4) {
                let at = rng.random_range(0..m.len());
                match rng.random_range(0..3) {
                    0 => m[at] = rng.random(),
                    1 => m.truncate(at),
                    _ => m.insert(at, rng.random()),
                }
                if m.is_empty() {
                    break;
                }
            }
            if let Ok(v) = cbor::decode(&m) {
                assert_eq!(cbor::decode(&cbor::encode(&v)), Ok(v));
            }
            let _ = parse_auth_data(&m);
            let _ = parse_cose_key(&m);
            if verify_registration(&rp, &ch, &cdj, &m, true).is_ok() {
                accepted += 1;
            }
            let _ = verify_assertion(&rp, &ch, &gcd, &gad, &sig, &m, 0, true);
        }
        // Only mutations that leave the signed-over meaning intact could
        // pass (e.g. a changed AAGUID byte: "none" signs nothing).
        assert!(accepted < 20_000);
        assert!(verify_assertion(&rp, &ch, &gcd, &gad, &sig, &cose, 0, true).is_ok());
    }

    #[test]
    fn transports_are_filtered() {
        assert_eq!(
            clean_transports(&["internal".into(), "hybrid".into(), "<script>".into()]),
            "internal,hybrid"
        );
    }
}
