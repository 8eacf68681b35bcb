//! OpenStreetMap `opening_hours` values typed in the initiative form or
//! imported (`initiatives::hours`): validation and the weekly summary.
#![no_main]

use libfuzzer_sys::fuzz_target;
use passerelles::initiatives::hours::{validate, weekly};

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    match validate(input) {
        Ok(kept) => {
            // What we store validates again, unchanged.
            assert_eq!(validate(&kept).as_deref().ok(), Some(kept.as_str()));
            for (day, times) in weekly(&kept) {
                assert_eq!(day.len(), 2, "two-letter days");
                assert!(!times.is_empty(), "a listed day has times");
            }
        }
        // A refused value (within OSM's 255 characters) has no summary.
        Err(_) if input.trim().chars().count() <= 255 => {
            assert!(weekly(input).is_empty(), "no summary of a refused value")
        }
        Err(_) => {}
    }
});
