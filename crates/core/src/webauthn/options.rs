//! The options sent to the browser's `navigator.credentials` calls.

use super::*;
use serde_json::{Value as Json, json};

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
