//! Passkey parsers fed untrusted bytes: the bounded CBOR decoder (a decoded
//! value must encode and decode back to itself), authenticator data, COSE
//! keys, and a whole registration (attestation object + client data).
#![no_main]

use libfuzzer_sys::fuzz_target;
use passerelles::webauthn::{self, RelyingParty, cbor};

fuzz_target!(|data: &[u8]| {
    if let Ok(v) = cbor::decode(data) {
        let again = cbor::encode(&v);
        assert_eq!(
            cbor::decode(&again).as_ref(),
            Ok(&v),
            "round trip of {data:?}"
        );
    }
    if let Ok((_, used)) = cbor::decode_prefix(data) {
        assert!(used <= data.len());
    }
    let _ = webauthn::parse_cose_key(data);
    if let Ok(ad) = webauthn::parse_auth_data(data) {
        if let Some(c) = ad.attested {
            assert!(!c.credential_id.is_empty() && c.credential_id.len() <= 1023);
        }
    }
    // Split the input into client data and attestation object.
    let split = data
        .first()
        .map(|&b| b as usize)
        .unwrap_or(0)
        .min(data.len());
    let (cdj, att) = data.split_at(split);
    let rp = RelyingParty {
        id: "localhost".into(),
        origin: "http://localhost:8080".into(),
        name: "P".into(),
    };
    let _ = webauthn::verify_registration(&rp, &[0u8; 32], cdj, att, true);
    let _ = webauthn::verify_assertion(&rp, &[0u8; 32], cdj, att, att, att, 0, false);
});
