//! A news feed fetched for local news aggregation (issue 17, C14): RSS,
//! Atom or JSON Feed read by feed-rs, then the refusals (entities, web
//! pages) and the plain-text items kept. The first byte picks the declared
//! Content-Type.
#![no_main]

use libfuzzer_sys::fuzz_target;

const TYPES: &[Option<&str>] = &[
    None,
    Some("application/rss+xml"),
    Some("application/atom+xml"),
    Some("application/feed+json"),
    Some("text/html; charset=utf-8"),
    Some("text/xml"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&first, body)) = data.split_first() else {
        return;
    };
    let content_type = TYPES[first as usize % TYPES.len()];
    if let Ok(feed) = passerelles::news::parse::parse(body, content_type) {
        passerelles::news::parse::check_invariants(&feed);
    }
});
