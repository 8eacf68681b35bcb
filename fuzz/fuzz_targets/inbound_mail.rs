//! Replies by e-mail: any bytes a mail server hands us (MIME parsing by
//! mail-parser, then quote and signature stripping) never panic, and the
//! text kept has no quoted line.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(p) = passerelles::notifications::inbound::parse(data) {
        assert!(
            !p.text.lines().any(|l| l.trim_start().starts_with('>')),
            "a quoted line was kept"
        );
    }
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = passerelles::notifications::inbound::strip_quoted(s);
    }
});
