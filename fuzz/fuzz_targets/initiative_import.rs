//! Initiative files imported by moderators: GeoJSON FeatureCollections and
//! RFC 4180 CSV (`initiatives::import`), read into records before any
//! database work.
#![no_main]

use libfuzzer_sys::fuzz_target;
use passerelles::initiatives::import::fuzzing::{Format, records};

fuzz_target!(|data: &[u8]| {
    let Ok(body) = std::str::from_utf8(data) else {
        return;
    };
    let lines = body.lines().count().max(1);
    if let Ok(rs) = records(Format::Csv, body) {
        let mut last = 1;
        for (line, _) in &rs {
            // Records are reported by the line they start on: after the
            // header, increasing, within the file.
            assert!(*line > last, "line {line} after {last}");
            assert!(*line <= lines + 1, "line {line} of {lines}");
            last = *line;
        }
    }
    if let Ok(rs) = records(Format::GeoJson, body) {
        for (n, (line, _)) in rs.iter().enumerate() {
            assert_eq!(*line, n + 1, "features are numbered from 1");
        }
    }
    // The CSV reader on its own: what it accepts it reads whole.
    if let Ok(rows) = passerelles::initiatives::import::read_csv(body) {
        let mut last = 0;
        for (line, _) in &rows {
            assert!(*line > last, "line {line} after {last}");
            last = *line;
        }
    }
});
