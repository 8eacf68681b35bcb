use super::super::Signed;
use super::*;
use crate::federation::keys::pem;

const NOW: i64 = 1_796_000_000;

/// RFC 9421 appendix B.1.2, `test-key-rsa-pss` (public half).
const RFC_RSA_PSS: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr4tmm3r20Wd/PbqvP1s2
+QEtvpuRaV8Yq40gjUR8y2Rjxa6dpG2GXHbPfvMs8ct+Lh1GH45x28Rw3Ry53mm+
oAXjyQ86OnDkZ5N8lYbggD4O3w6M6pAvLkhk95AndTrifbIFPNU8PPMO7OyrFAHq
gDsznjPFmTOtCEcN2Z1FpWgchwuYLPL+Wokqltd11nqqzi+bJ9cvSKADYdUAAN5W
Utzdpiy6LbTgSxP7ociU4Tn0g5I6aDZJ7A8Lzo0KSyZYoA485mqcO0GVAdVw9lq4
aOT9v6d+nb4bnNkQVklLQ3fVAvJm+xdDOp9LCNCN48V2pnDOkFV6+U9nV5oyc6XI
2wIDAQAB
-----END PUBLIC KEY-----
";

/// RFC 9421 appendix B.1.4, `test-key-ed25519` (public, raw, base64url).
const RFC_ED25519_X: &str = "JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs";

/// The appendix's test request (B.2): `POST /foo?param=Value&Pet=dog`.
struct Req {
    method: &'static str,
    path: &'static str,
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
    fn check(&self, pem: &str, now: i64) -> Result<(), SigError> {
        let header = |n: &str| self.value(n);
        let signed = super::super::parse_request(&header)?;
        let Signed::Rfc9421(p) = &signed else {
            panic!("not RFC 9421")
        };
        verify(
            &Inbound {
                method: self.method,
                scheme: "https",
                path_and_query: self.path,
                header: &header,
                body: (!self.body.is_empty()).then_some(self.body.as_slice()),
            },
            p,
            pem,
            now,
        )
    }
    fn set(&mut self, name: &str, value: &str) {
        self.headers.retain(|(k, _)| k != name);
        self.headers.push((name.into(), value.into()));
    }
}

fn rfc_request() -> Req {
    Req {
        method: "POST",
        path: "/foo?param=Value&Pet=dog",
        headers: vec![
            ("host".into(), "example.com".into()),
            ("date".into(), "Tue, 20 Apr 2021 02:07:55 GMT".into()),
            ("content-type".into(), "application/json".into()),
            (
                "content-digest".into(),
                "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:".into(),
            ),
            ("content-length".into(), "18".into()),
        ],
        body: br#"{"hello": "world"}"#.to_vec(),
    }
}

fn ed25519_pem() -> String {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(RFC_ED25519_X)
        .expect("b64");
    let mut der = ED25519_SPKI_PREFIX.to_vec();
    der.extend_from_slice(&raw);
    pem("PUBLIC KEY", &der)
}

#[test]
fn the_rfc_vectors_b_2_1_and_b_2_6_verify_and_their_bases_are_rebuilt() {
    // B.2.6, ed25519: the signature base the RFC prints, then its signature.
    let mut r = rfc_request();
    r.set(
        "signature-input",
        r#"sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519""#,
    );
    r.set(
        "signature",
        "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:",
    );
    let p = parse(
        &r.value("signature-input").unwrap(),
        &r.value("signature").unwrap(),
    )
    .expect("parsed");
    assert_eq!(p.label, "sig-b26");
    assert_eq!(p.key_id, "test-key-ed25519");
    assert_eq!(p.created, Some(1_618_884_473));
    let header = |n: &str| r.value(n);
    let req = Inbound {
        method: "POST",
        scheme: "https",
        path_and_query: r.path,
        header: &header,
        body: Some(&r.body),
    };
    let base = signature_base(&req, &p.components, &p.params).expect("base");
    assert_eq!(
        base,
        "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n\"@method\": POST\n\"@path\": /foo\n\
         \"@authority\": example.com\n\"content-type\": application/json\n\
         \"content-length\": 18\n\"@signature-params\": (\"date\" \"@method\" \"@path\" \
         \"@authority\" \"content-type\" \"content-length\");created=1618884473;keyid=\"test-key-ed25519\""
    );
    let ed = ed25519_pem();
    assert!(verify_base(&ed, None, base.as_bytes(), &p.signature));
    assert!(!verify_base(&ed, None, b"another base", &p.signature));
    // As an inbox POST it is still refused: the body is not covered.
    assert_eq!(
        r.check(&ed, 1_618_884_473),
        Err(SigError::NotCovered("content-digest"))
    );

    // B.2.1, rsa-pss-sha512 over no component but its parameters.
    let p = parse(
        r#"sig-b21=();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd""#,
        "sig-b21=:d2pmTvmbncD3xQm8E9ZV2828BjQWGgiwAaw5bAkgibUopemLJcWDy/lkbbHAve4cRAtx31Iq786U7it++wgGxbtRxf8Udx7zFZsckzXaJMkA7ChG52eSkFxykJeNqsrWH5S+oxNFlD4dzVuwe8DhTSja8xxbR/Z2cOGdCbzR72rgFWhzx2VjBqJzsPLMIQKhO4DGezXehhWwE56YCE+O6c0mKZsfxVrogUvA4HELjVKWmAvtl6UnCh8jYzuVG5WSb/QEVPnP5TmcAnLH1g+s++v6d4s8m0gCw1fV5/SITLq9mhho8K3+7EPYTU8IU1bLhdxO5Nyt8C8ssinQ98Xw9Q==:",
    )
    .expect("parsed");
    let base = signature_base(&req, &p.components, &p.params).expect("base");
    assert_eq!(
        base,
        "\"@signature-params\": ();created=1618884473;keyid=\"test-key-rsa-pss\";nonce=\"b3k2pp5k7z-50gnwp.yemd\""
    );
    assert!(verify_base(
        RFC_RSA_PSS,
        Some("rsa-pss-sha512"),
        base.as_bytes(),
        &p.signature
    ));
    // The same signature under another algorithm, or with another key: no.
    assert!(!verify_base(
        RFC_RSA_PSS,
        Some("rsa-v1_5-sha256"),
        base.as_bytes(),
        &p.signature
    ));
    assert!(!verify_base(
        &ed,
        Some("rsa-pss-sha512"),
        base.as_bytes(),
        &p.signature
    ));
    // The RFC's content digest of its body is read.
    assert!(content_digest_matches(
        &r.value("content-digest").unwrap(),
        &r.body
    ));
    assert!(!content_digest_matches(
        &r.value("content-digest").unwrap(),
        b"{\"hello\": \"World\"}"
    ));
}

fn signed(key: &ActorKey, key_id: &str, body: &[u8]) -> Req {
    let url = url::Url::parse("https://b.example/c/jardins/inbox").unwrap();
    let out = sign(key, key_id, "POST", &url, Some(body), NOW).expect("sign");
    Req {
        method: "POST",
        path: "/c/jardins/inbox",
        headers: vec![
            ("host".into(), "b.example".into()),
            ("date".into(), out.date),
            ("content-digest".into(), out.content_digest.expect("digest")),
            ("signature-input".into(), out.signature_input),
            ("signature".into(), out.signature),
        ],
        body: body.to_vec(),
    }
}

#[test]
fn our_signature_verifies_and_a_tampered_body_a_wrong_key_a_replayed_date_are_refused() {
    let key = ActorKey::generate().expect("key");
    let other = ActorKey::generate().expect("key");
    let r = signed(
        &key,
        "https://a.example/u/ana#main-key",
        br#"{"type":"Follow"}"#,
    );
    assert_eq!(r.check(&key.public_pem, NOW), Ok(()));
    assert_eq!(r.check(&key.public_pem, NOW + MAX_SKEW), Ok(()));
    let sig_input = r.value("signature-input").unwrap();
    assert_eq!(
        sig_input,
        format!(
            "sig1=(\"@method\" \"@target-uri\" \"@authority\" \"content-digest\");created={NOW};keyid=\"https://a.example/u/ana#main-key\";alg=\"rsa-v1_5-sha256\""
        )
    );
    // Another key.
    assert_eq!(r.check(&other.public_pem, NOW), Err(SigError::BadSignature));
    // Replayed later than the window (or "created" in the future).
    assert_eq!(
        r.check(&key.public_pem, NOW + MAX_SKEW + 1),
        Err(SigError::Date)
    );
    assert_eq!(
        r.check(&key.public_pem, NOW - MAX_SKEW - 1),
        Err(SigError::Date)
    );
    // A tampered body: the digest no longer matches…
    let mut t = signed(&key, "k", br#"{"type":"Follow"}"#);
    t.body = br#"{"type":"Delete"}"#.to_vec();
    assert_eq!(t.check(&key.public_pem, NOW), Err(SigError::Digest));
    // …and with the digest recomputed, the signature does not cover it.
    let d = content_digest(&t.body);
    t.set("content-digest", &d);
    assert_eq!(t.check(&key.public_pem, NOW), Err(SigError::BadSignature));
    // Another target (the same request replayed to another inbox or host).
    let mut t = signed(&key, "k", b"{}");
    t.path = "/inbox";
    assert_eq!(t.check(&key.public_pem, NOW), Err(SigError::BadSignature));
    let mut t = signed(&key, "k", b"{}");
    t.set("host", "c.example");
    assert_eq!(t.check(&key.public_pem, NOW), Err(SigError::BadSignature));
    // A changed parameter (keyid of someone else) breaks the signature too.
    let mut t = signed(&key, "https://a.example/u/ana#main-key", b"{}");
    let forged = t
        .value("signature-input")
        .unwrap()
        .replace("/u/ana#", "/u/bob#");
    t.set("signature-input", &forged);
    assert_eq!(t.check(&key.public_pem, NOW), Err(SigError::BadSignature));
    // Expired.
    let mut t = signed(&key, "k", b"{}");
    let exp = t.value("signature-input").unwrap() + &format!(";expires={}", NOW - 1);
    t.set("signature-input", &exp);
    assert_eq!(t.check(&key.public_pem, NOW), Err(SigError::Date));
}

#[test]
fn a_signature_that_leaves_out_the_method_the_target_or_the_body_is_refused() {
    let key = ActorKey::generate().expect("key");
    let mut r = signed(&key, "k", b"{}");
    let sign_base = |components: &[&str], r: &Req| -> (String, String) {
        let params = format!(
            "({});created={NOW};keyid=\"k\"",
            components
                .iter()
                .map(|c| format!("\"{c}\""))
                .collect::<Vec<_>>()
                .join(" ")
        );
        let header = |n: &str| r.value(n);
        let req = Inbound {
            method: "POST",
            scheme: "https",
            path_and_query: r.path,
            header: &header,
            body: Some(&r.body),
        };
        let names: Vec<String> = components.iter().map(|c| c.to_string()).collect();
        let base = signature_base(&req, &names, &params).expect("base");
        let sig = key.sign(base.as_bytes()).expect("sign");
        (format!("s={params}"), format!("s=:{}:", B64.encode(sig)))
    };
    for (components, missing) in [
        (
            &["@target-uri", "content-digest"][..],
            SigError::NotCovered("@method"),
        ),
        (
            &["@method", "@path", "content-digest"][..],
            SigError::NotCovered("@authority"),
        ),
        (
            &["@method", "@authority", "content-digest"][..],
            SigError::NotCovered("@path"),
        ),
        (
            &["@method", "@target-uri"][..],
            SigError::NotCovered("content-digest"),
        ),
    ] {
        let (i, s) = sign_base(components, &r);
        r.set("signature-input", &i);
        r.set("signature", &s);
        assert_eq!(
            r.check(&key.public_pem, NOW),
            Err(missing),
            "{components:?}"
        );
    }
    // host + @request-target + date (no created) is enough.
    let (i, s) = sign_base(
        &[
            "@method",
            "host",
            "@request-target",
            "date",
            "content-digest",
        ],
        &r,
    );
    r.set(
        "signature-input",
        &i.replace(&format!(";created={NOW}"), ""),
    );
    let _ = s;
    let params = r.value("signature-input").unwrap()[2..].to_string();
    let header = |n: &str| r.value(n);
    let req = Inbound {
        method: "POST",
        scheme: "https",
        path_and_query: r.path,
        header: &header,
        body: Some(&r.body),
    };
    let names: Vec<String> = [
        "@method",
        "host",
        "@request-target",
        "date",
        "content-digest",
    ]
    .iter()
    .map(|c| c.to_string())
    .collect();
    let base = signature_base(&req, &names, &params).expect("base");
    let sig = format!("s=:{}:", B64.encode(key.sign(base.as_bytes()).unwrap()));
    r.set("signature", &sig);
    assert_eq!(r.check(&key.public_pem, NOW), Ok(()));
    assert_eq!(
        r.check(&key.public_pem, NOW + MAX_SKEW + 10),
        Err(SigError::Date)
    );
}

#[test]
fn structured_headers_are_read_strictly() {
    assert!(parse(r#"sig1=("@method");keyid="k""#, "sig1=:AAEC:").is_ok());
    // Several labels: the first with a signature is taken.
    let p = parse(
        r#"a=("@method");keyid="ka", b=("@path");keyid="kb""#,
        "b=:AAEC:",
    )
    .expect("parsed");
    assert_eq!((p.label.as_str(), p.key_id.as_str()), ("b", "kb"));
    assert_eq!(p.params, r#"("@path");keyid="kb""#);
    for (input, sig) in [
        (r#"sig1=("@method")"#, "sig1=:AAEC:"),           // no keyid
        (r#"sig1=("@method");keyid="k""#, "sig2=:AAEC:"), // no such label
        (r#"sig1=("@method";sf);keyid="k""#, "sig1=:AAEC:"), // component parameter
        (r#"sig1=("@method" "@method");keyid="k""#, "sig1=:AAEC:"), // duplicate
        (r#"sig1=("@method";keyid="k""#, "sig1=:AAEC:"),  // unclosed
        (r#"sig1=("@method");keyid="k""#, "sig1=AAEC"),   // not bytes
        (r#"sig1=("@method");keyid=k"#, "sig1=:AAEC:"),   // keyid not a string
        (r#"Sig1=("@method");keyid="k""#, "Sig1=:AAEC:"), // upper-case key
        (r#"sig1=("@method");keyid="k","#, "sig1=:AAEC:"), // trailing comma
    ] {
        assert!(parse(input, sig).is_err(), "{input} / {sig}");
    }
    assert!(matches!(
        parse(
            r#"sig1=("@method");keyid="k";alg="hmac-sha256""#,
            "sig1=:AAEC:"
        ),
        Err(SigError::Algorithm(_))
    ));
}
