//! iCalendar files imported by organisers or fetched from a community's
//! subscribed feed (`events::ics`, `events::import`): read within bounds,
//! each event turned into the form's checked values, recurrence expanded
//! within bounds — before any database work.
#![no_main]

use libfuzzer_sys::fuzz_target;
use passerelles::events::ics::{MAX_BYTES, MAX_EVENTS};
use passerelles::events::import::fuzzing::read;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = std::str::from_utf8(data) else {
        return;
    };
    let lines = body.split('\n').count();
    match read(body) {
        Ok((events, valid)) => {
            assert!(body.len() <= MAX_BYTES);
            assert!(events <= MAX_EVENTS, "{events} events read");
            assert!(valid <= events);
        }
        // A refusal names a line of the file and a message.
        Err((line, key)) => {
            assert!(line >= 1 && line <= lines, "line {line} of {lines}");
            assert!(key.starts_with("event-import-"), "{key}");
        }
    }
});
