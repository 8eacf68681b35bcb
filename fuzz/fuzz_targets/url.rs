//! Links members share (watch items): URL normalisation for "already shared".
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(normal) = passerelles::preview::normalize_url(input) {
        // Normalising is stable: a normal URL is its own normal form.
        assert_eq!(
            passerelles::preview::normalize_url(&normal).ok().as_deref(),
            Some(normal.as_str()),
            "not idempotent on {input:?}"
        );
    }
});
