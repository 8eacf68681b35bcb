//! Search queries typed by anyone: parsing and the FTS5 / tsquery strings
//! handed to the database engines.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(q) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = passerelles::search::query::parse(q);
    let _ = passerelles::search::query::to_fts5(&parsed);
    let _ = passerelles::search::query::to_tsquery(&parsed);
});
