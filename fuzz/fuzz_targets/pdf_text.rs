//! The text of an uploaded PDF (issue 19, library search): `lopdf` reads it
//! in the `pdf-text` helper process (`library::pdftext::extract`, bounded
//! pages, characters and decompressed stream sizes). Whatever the bytes,
//! it returns (no panic, no hang: libFuzzer's timeout catches a loop) and
//! what it keeps is bounded, whitespace-collapsed text without controls.
#![no_main]

use libfuzzer_sys::fuzz_target;
use passerelles::library::pdftext;

fuzz_target!(|data: &[u8]| {
    if let Some(text) = pdftext::extract(data) {
        assert!(text.chars().count() <= pdftext::MAX_CHARS);
        assert!(!text.chars().any(char::is_control), "control character kept");
        assert!(!text.trim().is_empty());
    }
});
