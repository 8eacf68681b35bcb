use super::*;

const NOW: i64 = 1_796_000_000;

struct Req {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Req {
    fn value(&self, n: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
    }
}

fn signed(key: &ActorKey, body: &[u8]) -> Req {
    let out = sign(
        key,
        "https://a.example/c/jardins#main-key",
        "POST",
        "/c/jardins/inbox",
        "b.example",
        Some(body),
        NOW,
    )
    .expect("sign");
    Req {
        headers: vec![
            ("host".into(), "b.example".into()),
            ("date".into(), out.date),
            ("digest".into(), out.digest.expect("digest")),
            ("signature".into(), out.signature),
        ],
        body: body.to_vec(),
    }
}

fn check(r: &Req, pem: &str, now: i64) -> Result<(), SigError> {
    let parsed = parse(&r.value("signature").ok_or(SigError::Missing)?)?;
    let header = |n: &str| r.value(n);
    verify(
        &Inbound {
            method: "POST",
            scheme: "https",
            path_and_query: "/c/jardins/inbox",
            header: &header,
            body: Some(&r.body),
        },
        &parsed,
        pem,
        now,
    )
}

#[test]
fn a_signed_post_verifies_and_names_its_key() {
    let key = ActorKey::generate().expect("key");
    let r = signed(&key, br#"{"type":"Follow"}"#);
    assert_eq!(check(&r, &key.public_pem, NOW), Ok(()));
    let p = parse(&r.value("signature").unwrap()).unwrap();
    assert_eq!(p.key_id, "https://a.example/c/jardins#main-key");
    assert_eq!(p.headers, ["(request-target)", "host", "date", "digest"]);
    // Within the allowed skew either way.
    assert_eq!(check(&r, &key.public_pem, NOW + MAX_SKEW), Ok(()));
    assert_eq!(check(&r, &key.public_pem, NOW - MAX_SKEW), Ok(()));
}

#[test]
fn a_tampered_body_a_wrong_key_an_old_date_and_a_changed_header_are_refused() {
    let key = ActorKey::generate().expect("key");
    let other = ActorKey::generate().expect("key");
    let mut r = signed(&key, br#"{"type":"Follow"}"#);
    assert_eq!(
        check(&r, &other.public_pem, NOW),
        Err(SigError::BadSignature)
    );
    assert_eq!(
        check(&r, &key.public_pem, NOW + MAX_SKEW + 1),
        Err(SigError::Date)
    );
    r.body = br#"{"type":"Delete"}"#.to_vec();
    assert_eq!(check(&r, &key.public_pem, NOW), Err(SigError::Digest));
    // The digest recomputed for the new body, the signature no longer covers it.
    let d = digest(&r.body);
    r.headers.retain(|(k, _)| k != "digest");
    r.headers.push(("digest".into(), d));
    assert_eq!(check(&r, &key.public_pem, NOW), Err(SigError::BadSignature));
    // Another host.
    let mut r = signed(&key, b"{}");
    r.headers[0].1 = "c.example".into();
    assert_eq!(check(&r, &key.public_pem, NOW), Err(SigError::BadSignature));
}

#[test]
fn a_signature_that_leaves_out_the_digest_or_the_target_is_refused() {
    let key = ActorKey::generate().expect("key");
    // A GET-style signature replayed on a POST with a body.
    let out = sign(&key, "k", "POST", "/inbox", "b.example", None, NOW).expect("sign");
    let r = Req {
        headers: vec![
            ("host".into(), "b.example".into()),
            ("date".into(), out.date),
            ("digest".into(), digest(b"{}")),
            ("signature".into(), out.signature),
        ],
        body: b"{}".to_vec(),
    };
    assert_eq!(
        check(&r, &key.public_pem, NOW),
        Err(SigError::NotCovered("digest"))
    );
    let header = format!(
        "keyId=\"k\",algorithm=\"rsa-sha256\",headers=\"host date\",signature=\"{}\"",
        B64.encode([1u8; 256])
    );
    let r = Req {
        headers: vec![
            ("host".into(), "b.example".into()),
            ("date".into(), http_date(NOW)),
            ("signature".into(), header),
        ],
        body: Vec::new(),
    };
    assert_eq!(
        check(&r, &key.public_pem, NOW),
        Err(SigError::NotCovered("(request-target)"))
    );
}

#[test]
fn headers_parse_leniently_but_refuse_other_algorithms() {
    let p = parse(r#"keyId="https://m.example/users/a#main-key", headers="(request-target) host date", signature="AAEC""#)
        .expect("parsed");
    assert_eq!(p.signature, vec![0, 1, 2]);
    assert_eq!(p.headers.len(), 3);
    assert!(matches!(
        parse(r#"keyId="k",algorithm="hmac-sha256",signature="AA==""#),
        Err(SigError::Algorithm(_))
    ));
    assert_eq!(parse(r#"algorithm="rsa-sha256""#), Err(SigError::Malformed));
    assert_eq!(
        parse(r#"keyId="k",signature="!!""#),
        Err(SigError::Malformed)
    );
    assert_eq!(parse(r#"keyId="k,signature="#), Err(SigError::Malformed));
}

#[test]
fn http_dates_round_trip() {
    let d = http_date(NOW);
    assert!(d.ends_with(" GMT"), "{d}");
    assert_eq!(parse_http_date(&d), Some(NOW));
    assert_eq!(parse_http_date("hier"), None);
}

/// draft-cavage-http-signatures appendix C: its test key (1024 bits, read
/// only by unit tests) and request, `POST /foo?param=value&pet=dog`.
const CAVAGE_TEST_KEY: &str = "-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDCFENGw33yGihy92pDjZQhl0C3
6rPJj+CvfSC8+q28hxA161QFNUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6
Z4UMR7EOcpfdUE9Hf3m/hs+FUR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJw
oYi+1hqp1fIekaxsyQIDAQAB
-----END PUBLIC KEY-----
";

fn cavage_request(signature: &str) -> Req {
    Req {
        headers: vec![
            ("host".into(), "example.com".into()),
            ("date".into(), "Sun, 05 Jan 2014 21:31:40 GMT".into()),
            ("content-type".into(), "application/json".into()),
            (
                "digest".into(),
                "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=".into(),
            ),
            ("content-length".into(), "18".into()),
            ("signature".into(), signature.into()),
        ],
        body: br#"{"hello": "world"}"#.to_vec(),
    }
}

fn check_at(r: &Req, pem: &str, now: i64, method: &str, body: bool) -> Result<(), SigError> {
    let parsed = parse(&r.value("signature").ok_or(SigError::Missing)?)?;
    let header = |n: &str| r.value(n);
    verify(
        &Inbound {
            method,
            scheme: "https",
            path_and_query: "/foo?param=value&pet=dog",
            header: &header,
            body: body.then_some(r.body.as_slice()),
        },
        &parsed,
        pem,
        now,
    )
}

#[test]
fn the_drafts_own_vectors_verify_and_their_alterations_do_not() {
    let at = parse_http_date("Sun, 05 Jan 2014 21:31:40 GMT").expect("date");
    // C.3, every header (the body bound by its digest).
    let all = cavage_request(
        r#"keyId="Test",algorithm="rsa-sha256",headers="(request-target) host date content-type digest content-length",signature="vSdrb+dS3EceC9bcwHSo4MlyKS59iFIrhgYkz8+oVLEEzmYZZvRs8rgOp+63LEM3v+MFHB32NfpB2bEKBIvB1q52LaEUHFv120V01IL+TAD48XaERZFukWgHoBTLMhYS2Gb51gWxpeIq8knRmPnYePbF5MOkR0Zkly4zKH7s1dE=""#,
    );
    assert_eq!(check_at(&all, CAVAGE_TEST_KEY, at, "POST", true), Ok(()));
    // Tampered body.
    let mut t = cavage_request(&all.value("signature").unwrap());
    t.body = br#"{"hello": "World"}"#.to_vec();
    assert_eq!(
        check_at(&t, CAVAGE_TEST_KEY, at, "POST", true),
        Err(SigError::Digest)
    );
    // Replayed a day later.
    assert_eq!(
        check_at(&all, CAVAGE_TEST_KEY, at + 86_400, "POST", true),
        Err(SigError::Date)
    );
    // Another key.
    let other = ActorKey::generate().expect("key");
    assert_eq!(
        check_at(&all, &other.public_pem, at, "POST", true),
        Err(SigError::BadSignature)
    );
    // C.2, `(request-target) host date`: good for a request without a body,
    // not for a POST whose body it does not cover.
    let basic = cavage_request(
        r#"keyId="Test",algorithm="rsa-sha256",headers="(request-target) host date",signature="qdx+H7PHHDZgy4y/Ahn9Tny9V3GP6YgBPyUXMmoxWtLbHpUnXS2mg2+SbrQDMCJypxBLSPQR2aAjn7ndmw2iicw3HMbe8VfEdKFYRqzic+efkb3nndiv/x1xSHDJWeSWkx3ButlYSuBskLu6kd9Fswtemr3lgdDEmn04swr2Os0=""#,
    );
    assert_eq!(check_at(&basic, CAVAGE_TEST_KEY, at, "POST", false), Ok(()));
    assert_eq!(
        check_at(&basic, CAVAGE_TEST_KEY, at, "POST", true),
        Err(SigError::NotCovered("digest"))
    );
    // The same signature for a GET (another request target): no.
    assert_eq!(
        check_at(&basic, CAVAGE_TEST_KEY, at, "GET", false),
        Err(SigError::BadSignature)
    );
}

#[test]
fn a_request_says_which_scheme_signs_it() {
    let h = |pairs: &'static [(&'static str, &'static str)]| {
        move |n: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| v.to_string())
        }
    };
    let cav = h(&[(
        "signature",
        r#"keyId="https://m.example/u#k",signature="AAEC""#,
    )]);
    let s = parse_request(&cav).expect("cavage");
    assert_eq!(
        (s.scheme(), s.key_id()),
        (Scheme::Cavage, "https://m.example/u#k")
    );
    let auth = h(&[("authorization", r#"Signature keyId="k2",signature="AAEC""#)]);
    assert_eq!(parse_request(&auth).expect("auth").key_id(), "k2");
    let rfc = h(&[
        ("signature-input", r#"sig1=("@method");keyid="k3""#),
        ("signature", "sig1=:AAEC:"),
    ]);
    let s = parse_request(&rfc).expect("rfc");
    assert_eq!((s.scheme(), s.key_id()), (Scheme::Rfc9421, "k3"));
    assert_eq!(parse_request(&h(&[])), Err(SigError::Missing));
    assert_eq!(
        parse_request(&h(&[("signature-input", r#"sig1=("@method");keyid="k3""#)])),
        Err(SigError::Missing)
    );
}
