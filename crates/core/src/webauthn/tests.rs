//! Unit tests of the relying party: ceremonies with real keys, storage-free.

use super::*;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature;
use aws_lc_rs::signature::{EcdsaKeyPair, Ed25519KeyPair, KeyPair};
use cbor::Value as C;
use serde_json::json;

fn rp() -> RelyingParty {
    RelyingParty::from_public_url("https://passerelles.example:8443/some/path", "P").expect("rp")
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
            key: EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_ASN1_SIGNING).expect("key"),
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
    let check = |cd: &[u8], ad: Vec<u8>, uv: bool| verify_registration(&rp, &ch, cd, &none(ad), uv);
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
