//! One inbound request's untrusted parts, as the fuzz target `ap_inbox`
//! (`fuzz/fuzz_targets/ap_inbox.rs`) and its committed inputs
//! (`fuzz_regressions.rs`) feed them: the first line is the `Signature`
//! header (or `Signature-Input`, a tab, and RFC 9421's `Signature`), the
//! rest the activity's JSON. Everything the inbox reads from
//! them before and after verification goes through the same pure
//! functions here; beyond "no panic", a signature never verifies with a key
//! that did not make it, what is kept of remote HTML never carries live
//! markup once rendered, and a title stays within its limit.

use serde_json::Value;

use super::{delivery, httpsig, remote};

/// Check one input (panics on a broken invariant).
pub fn inbound(data: &[u8]) {
    let (sig, body) = match data.iter().position(|b| *b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &data[..0]),
    };
    let sig = String::from_utf8_lossy(sig);
    // `Signature-Input<TAB>Signature` for RFC 9421, else a cavage `Signature`.
    let (input, sig) = match sig.split_once('\t') {
        Some((i, s)) => (Some(i.to_string()), s.to_string()),
        None => (None, sig.into_owned()),
    };
    let header = |name: &str| -> Option<String> {
        match name {
            "host" => Some("passerelles.example".into()),
            "date" => Some(httpsig::http_date(1_700_000_000)),
            "digest" => Some(httpsig::digest(body)),
            "content-digest" => Some(httpsig::rfc9421::content_digest(body)),
            "signature" => Some(sig.clone()),
            "signature-input" => input.clone(),
            _ => None,
        }
    };
    if let Ok(signed) = httpsig::parse_request(&header) {
        let req = httpsig::Inbound {
            method: "POST",
            scheme: "https",
            path_and_query: "/inbox",
            header: &header,
            body: Some(body),
        };
        // A key made here, which signed nothing.
        static KEY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let pem = KEY.get_or_init(|| {
            super::keys::ActorKey::generate()
                .map(|k| k.public_pem)
                .unwrap_or_default()
        });
        assert!(
            httpsig::verify_request(&req, &signed, pem, 1_700_000_000).is_err(),
            "a signature verified with a key that did not make it"
        );
    }
    let Ok(activity) = serde_json::from_slice::<Value>(body) else {
        return;
    };
    if let Some(actor) = activity.get("actor").and_then(Value::as_str) {
        let _ = delivery::parse_actor(actor, &activity);
    }
    let object = activity.get("object").unwrap_or(&activity);
    for obj in [&activity, object] {
        let html = obj.get("content").and_then(Value::as_str).unwrap_or("");
        let text = remote::text_of_html(html);
        let rendered = crate::markdown::render(&text);
        for tag in rendered.html.to_ascii_lowercase().split('<').skip(1) {
            let tag = tag.split('>').next().unwrap_or("");
            let name = tag
                .split(|c: char| c.is_whitespace() || c == '/')
                .next()
                .unwrap_or("");
            assert!(
                !matches!(
                    name,
                    "script" | "style" | "svg" | "math" | "iframe" | "object" | "embed" | "img"
                ),
                "<{name}> survived from remote HTML: {}",
                rendered.html
            );
            let names: String = tag.split('"').step_by(2).collect();
            assert!(!names.contains(" on"), "event handler survived");
            assert!(!tag.contains("javascript:"), "javascript: URL survived");
        }
        let (title, _) = remote::title_and_body(&text, &[], crate::publications::TITLE_MAX);
        assert!(title.chars().count() <= crate::publications::TITLE_MAX);
    }
}
