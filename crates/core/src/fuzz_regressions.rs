//! The fuzz targets' inputs in the normal test suite: every committed seed
//! (`fuzz/seeds/<target>/`, realistic inputs) and every regression input
//! (`fuzz/regressions/<target>/`, the minimised input of a fixed finding)
//! goes through the same functions and checks as its target in
//! `fuzz/fuzz_targets/`, so a fixed finding stays fixed without running the
//! fuzzer (`scripts/fuzz`, README "Fuzzing").

use std::path::PathBuf;

fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut out = Vec::new();
    for kind in ["seeds", "regressions"] {
        let dir = root.join(kind).join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let bytes = std::fs::read(e.path()).expect("readable input");
            out.push((e.path(), bytes));
        }
    }
    out.sort();
    out
}

fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

#[test]
fn every_target_has_committed_seeds() {
    for t in [
        "markdown",
        "preview_page",
        "image",
        "username",
        "search_query",
        "url",
        "cbor",
        "territory_import",
        "initiative_import",
        "opening_hours",
        "ap_inbox",
        "ics_import",
        "feed_parse",
        "inbound_mail",
        "newsletter_import",
        "pdf_text",
        "skos_import",
        "jws",
    ] {
        assert!(
            inputs(t).len() >= 5,
            "fuzz/seeds/{t}/ holds at least five realistic inputs"
        );
    }
}

#[test]
fn markdown_inputs_render_without_live_markup() {
    for (path, data) in inputs("markdown") {
        let Some(source) = text(&data) else { continue };
        let rendered = crate::markdown::render(source);
        let lower = rendered.html.to_ascii_lowercase();
        for tag in lower.split('<').skip(1) {
            let tag = tag.split('>').next().unwrap_or("");
            let name = tag
                .split(|c: char| c.is_whitespace() || c == '/')
                .next()
                .unwrap_or("");
            assert!(
                !matches!(
                    name,
                    "script" | "style" | "svg" | "math" | "iframe" | "object" | "embed"
                ),
                "{path:?}: <{name}> survived"
            );
            let names: String = tag.split('"').step_by(2).collect();
            assert!(!names.contains(" on"), "{path:?}: event handler survived");
            assert!(
                !tag.contains("javascript:"),
                "{path:?}: javascript: URL survived"
            );
        }
        let _ = crate::markdown::excerpt(source, 160);
        let _ = crate::markdown::excerpt_from_html(&rendered.html, 160);
    }
}

#[test]
fn preview_page_inputs_are_capped() {
    const TYPES: &[Option<&str>] = &[
        None,
        Some("text/html"),
        Some("text/html; charset=utf-8"),
        Some("text/html; charset=windows-1252"),
        Some("text/html; charset=ISO-8859-15"),
        Some("text/html; charset=\"latin1\""),
        Some("application/xhtml+xml"),
        Some("text/plain"),
        Some("application/octet-stream"),
        Some("text/html; charset=utf-16"),
    ];
    let mut titled = 0;
    for (path, data) in inputs("preview_page") {
        let Some((&first, body)) = data.split_first() else {
            continue;
        };
        let ct = TYPES[first as usize % TYPES.len()];
        let (title, description, site, _) = crate::preview::fuzzing::page(body, ct);
        assert!(title.chars().count() <= 300, "{path:?}: title not capped");
        assert!(description.chars().count() <= 1000, "{path:?}");
        assert!(site.chars().count() <= 100, "{path:?}");
        if !title.is_empty() {
            titled += 1;
        }
    }
    // The seeds are real pages: their titles are found.
    assert!(titled >= 5, "titles read from the seed pages: {titled}");
}

#[test]
fn image_inputs_decode_or_are_refused_and_oversized_ones_are_refused() {
    let mut decoded = 0;
    for (path, data) in inputs("image") {
        let avatar = crate::images::make_avatar(&data, 64);
        if let Ok(jpeg) = &avatar {
            assert!(jpeg.starts_with(&[0xFF, 0xD8]), "{path:?}: a JPEG");
            decoded += 1;
        }
        if let Some(jpeg) = crate::preview::fuzzing::thumbnail(&data) {
            assert!(jpeg.starts_with(&[0xFF, 0xD8]), "{path:?}: a JPEG");
        }
        // Regression inputs are the findings: each is refused (the
        // 201-byte GIF declaring 7,056 × 6,939 px cost 5 s and 370 MB).
        if path.to_string_lossy().contains("/regressions/") {
            assert!(avatar.is_err(), "{path:?}: refused before decoding");
        }
    }
    assert!(decoded >= 6, "the seed pictures are real images: {decoded}");
}

#[test]
fn username_query_and_url_inputs() {
    for (_, data) in inputs("username") {
        let Some(s) = text(&data) else { continue };
        let _ = crate::username::canonical(s);
        let _ = crate::username::skeleton(s);
        let _ = crate::username::validate(s);
    }
    for (_, data) in inputs("search_query") {
        let Some(q) = text(&data) else { continue };
        let parsed = crate::search::query::parse(q);
        let _ = crate::search::query::to_fts5(&parsed);
        let _ = crate::search::query::to_tsquery(&parsed);
    }
    for (path, data) in inputs("url") {
        let Some(u) = text(&data) else { continue };
        if let Ok(normal) = crate::preview::normalize_url(u) {
            assert_eq!(
                crate::preview::normalize_url(&normal).ok().as_deref(),
                Some(normal.as_str()),
                "{path:?}: normalising is idempotent"
            );
        }
    }
}

#[test]
fn cbor_inputs_round_trip() {
    use crate::webauthn::cbor;
    let mut values = 0;
    for (path, data) in inputs("cbor") {
        if let Ok(v) = cbor::decode(&data) {
            let again = cbor::encode(&v);
            assert_eq!(cbor::decode(&again).as_ref(), Ok(&v), "{path:?}");
            values += 1;
        }
        let _ = crate::webauthn::parse_cose_key(&data);
        let _ = crate::webauthn::parse_auth_data(&data);
    }
    assert!(values >= 10, "the RFC 8949 vectors decode: {values}");
}

#[test]
fn territory_import_inputs_keep_only_sound_rows() {
    use crate::territories::{Level, import::parse};
    let mut rows = 0;
    for (path, data) in inputs("territory_import") {
        for level in [None, Some(Level::Municipality)] {
            let Ok(parsed) = parse(&data, level) else {
                continue;
            };
            for row in &parsed.rows {
                rows += 1;
                assert!(row.line >= 1, "{path:?}");
                assert!(!row.code.trim().is_empty(), "{path:?}");
                if let Some((lat, lon)) = row.centroid {
                    assert!((-90.0..=90.0).contains(&lat), "{path:?}: latitude {lat}");
                    assert!((-180.0..=180.0).contains(&lon), "{path:?}: longitude {lon}");
                }
                if let Some(b) = &row.boundary {
                    let v: serde_json::Value = serde_json::from_str(b).expect("JSON boundary");
                    assert!(v.get("type").is_some(), "{path:?}: a geometry");
                }
            }
        }
    }
    assert!(rows > 10, "the realistic seeds are read ({rows} rows)");
}

#[test]
fn initiative_import_inputs_number_their_lines() {
    use crate::initiatives::import::{
        fuzzing::{Format, records},
        read_csv,
    };
    let mut read = 0;
    for (path, data) in inputs("initiative_import") {
        let Some(body) = text(&data) else { continue };
        let lines = body.lines().count().max(1);
        if let Ok(rs) = records(Format::Csv, body) {
            let mut last = 1;
            for (line, _) in &rs {
                assert!(*line > last && *line <= lines + 1, "{path:?}: line {line}");
                last = *line;
                read += 1;
            }
        }
        if let Ok(rs) = records(Format::GeoJson, body) {
            for (n, (line, _)) in rs.iter().enumerate() {
                assert_eq!(*line, n + 1, "{path:?}");
                read += 1;
            }
        }
        if let Ok(rows) = read_csv(body) {
            let mut last = 0;
            for (line, _) in &rows {
                assert!(*line > last, "{path:?}: line {line} after {last}");
                last = *line;
            }
        }
    }
    assert!(read >= 6, "the realistic seeds are read ({read} records)");
}

#[test]
fn opening_hours_inputs_validate_idempotently() {
    use crate::initiatives::hours::{validate, weekly};
    let mut valid = 0;
    for (path, data) in inputs("opening_hours") {
        let Some(input) = text(&data) else { continue };
        match validate(input) {
            Ok(kept) => {
                valid += 1;
                assert_eq!(
                    validate(&kept).as_deref().ok(),
                    Some(kept.as_str()),
                    "{path:?}"
                );
                for (day, times) in weekly(&kept) {
                    assert_eq!(day.len(), 2, "{path:?}");
                    assert!(!times.is_empty(), "{path:?}");
                }
            }
            Err(_) if input.trim().chars().count() <= 255 => {
                assert!(weekly(input).is_empty(), "{path:?}")
            }
            Err(_) => {}
        }
    }
    assert!(valid >= 4, "the realistic seeds validate ({valid})");
}

#[test]
fn ap_inbox_inputs_never_verify_a_forged_signature_nor_keep_live_markup() {
    let all = inputs("ap_inbox");
    assert!(!all.is_empty());
    for (_, data) in all {
        crate::federation::fuzz::inbound(&data);
    }
}

#[test]
fn ics_import_inputs_are_read_within_bounds() {
    use crate::events::import::fuzzing::read;
    let mut events = 0;
    let mut valid = 0;
    for (path, data) in inputs("ics_import") {
        let Some(body) = text(&data) else { continue };
        let lines = body.split('\n').count();
        match read(body) {
            Ok((n, ok)) => {
                assert!(n <= crate::events::ics::MAX_EVENTS, "{path:?}");
                assert!(ok <= n, "{path:?}");
                events += n;
                valid += ok;
            }
            Err((line, key)) => {
                assert!(line >= 1 && line <= lines, "{path:?}: line {line}");
                assert!(key.starts_with("event-import-"), "{path:?}: {key}");
            }
        }
    }
    // The seeds are real exports: their events are read and most pass.
    assert!(events >= 10, "events read from the seeds: {events}");
    assert!(valid >= 8, "events accepted from the seeds: {valid}");
}

#[test]
fn feed_parse_inputs_keep_the_invariants() {
    const TYPES: &[Option<&str>] = &[
        None,
        Some("application/rss+xml"),
        Some("application/atom+xml"),
        Some("application/feed+json"),
        Some("text/html; charset=utf-8"),
        Some("text/xml"),
    ];
    let mut parsed = 0;
    for (_, data) in inputs("feed_parse") {
        // As the target reads them (first byte: the type), and whole.
        for (ct, body) in [
            (
                TYPES[data.first().copied().unwrap_or(0) as usize % TYPES.len()],
                data.get(1..).unwrap_or(&[]),
            ),
            (None, &data[..]),
        ] {
            if let Ok(feed) = crate::news::parse::parse(body, ct) {
                crate::news::parse::check_invariants(&feed);
                parsed += 1;
            }
        }
    }
    assert!(parsed >= 5, "the realistic seeds parse ({parsed})");
}

#[test]
fn inbound_mail_inputs_keep_no_quoted_line() {
    let mut parsed = 0;
    for (path, data) in inputs("inbound_mail") {
        if let Some(p) = crate::notifications::inbound::parse(&data) {
            parsed += 1;
            assert!(
                !p.text.lines().any(|l| l.trim_start().starts_with('>')),
                "{path:?}: a quoted line was kept"
            );
            assert!(
                !p.text.contains("\n-- \n"),
                "{path:?}: the signature was kept"
            );
        }
    }
    assert!(parsed >= 5, "the seeds are messages: {parsed}");
}

#[test]
fn newsletter_import_inputs_keep_the_invariants() {
    let mut addresses = 0;
    for (_, data) in inputs("newsletter_import") {
        crate::newsletter::import::fuzz(&data);
        let text = String::from_utf8_lossy(&data);
        addresses += crate::newsletter::import::parse(&text)
            .iter()
            .filter(|r| crate::newsletter::ops::valid_email(r.fields[0].trim()))
            .count();
    }
    assert!(
        addresses >= 8,
        "the realistic seeds hold addresses ({addresses})"
    );
}

#[test]
fn pdf_text_inputs_give_bounded_clean_text_or_none() {
    let mut read = 0;
    for (path, data) in inputs("pdf_text") {
        if let Some(text) = crate::library::pdftext::extract(&data) {
            read += 1;
            assert!(text.chars().count() <= crate::library::pdftext::MAX_CHARS);
            assert!(!text.chars().any(char::is_control), "{path:?}");
        }
    }
    assert!(read >= 3, "the well-formed seeds are read ({read})");
}

#[test]
fn skos_import_inputs_keep_the_invariants() {
    let mut concepts = 0;
    for (path, data) in inputs("skos_import") {
        let Some(source) = text(&data) else { continue };
        for parsed in [
            crate::lexicon::import::parse(source),
            crate::lexicon::import::parse_turtle(source),
            crate::lexicon::import::parse_json_ld(source),
        ] {
            if let Ok(list) = parsed {
                concepts += list.len();
                for c in &list {
                    if !c.pref_en.is_empty() {
                        assert!(!c.pref_fr.is_empty(), "{path:?}");
                    }
                }
            }
        }
    }
    assert!(concepts >= 5, "the seeds' concepts are read ({concepts})");
}

#[test]
fn skos_import_inputs_read_back_through_the_export() {
    let mut concepts = 0;
    let mut refused = 0;
    for (path, data) in inputs("skos_import") {
        match crate::lexicon::import::fuzzing::check(&data) {
            Some(n) => concepts += n,
            None => {
                refused += 1;
                assert!(
                    path.extension().is_some_and(|e| e == "ttl")
                        || path.to_string_lossy().contains("regressions"),
                    "{path:?}: a JSON-LD seed is refused"
                );
            }
        }
    }
    // The realistic seeds hold concepts (rdflib's exports, ours, Skosmos'),
    // and the Turtle seed is refused (JSON-LD only).
    assert!(concepts >= 12, "concepts read from the seeds: {concepts}");
    assert!(refused >= 1, "the Turtle seed is refused");
}

#[test]
fn jws_inputs_never_verify_under_a_key_that_signed_nothing() {
    let mut parsed = 0;
    for (_, data) in inputs("jws") {
        if crate::oidc::jws::fuzzing::check(&data) {
            parsed += 1;
        }
    }
    // The three ID tokens PyJWT signed (RS256, ES256, EdDSA) parse (and
    // verify under no key of ours); `none`, HS256 and `crit` do not.
    assert_eq!(parsed, 3, "JWS seeds that parse");
}
