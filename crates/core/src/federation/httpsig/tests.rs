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
