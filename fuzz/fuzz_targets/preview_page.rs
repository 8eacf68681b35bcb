//! A third-party page fetched for a link preview: charset decoding,
//! sniffing and `<head>` metadata parsing. The first byte picks the
//! declared Content-Type.
#![no_main]

use libfuzzer_sys::fuzz_target;

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

fuzz_target!(|data: &[u8]| {
    let Some((&first, body)) = data.split_first() else {
        return;
    };
    let content_type = TYPES[first as usize % TYPES.len()];
    let (title, description, site, _image) =
        passerelles::preview::fuzzing::page(body, content_type);
    assert!(title.chars().count() <= 300, "title not capped");
    assert!(
        description.chars().count() <= 1000,
        "description not capped"
    );
    assert!(site.chars().count() <= 100, "site name not capped");
});
