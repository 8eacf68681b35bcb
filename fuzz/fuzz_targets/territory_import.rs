//! Territory files as uploaded by an administrator: Données Québec's SDA
//! layers, the MAMH répertoire, StatCan census subdivisions, plain CSV or
//! GeoJSON (`territories::import::parse`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use passerelles::territories::Level;
use passerelles::territories::import::parse;

fuzz_target!(|data: &[u8]| {
    for level in [None, Some(Level::Municipality)] {
        let Ok(parsed) = parse(data, level) else {
            continue;
        };
        for row in &parsed.rows {
            // What we keep is what the importer promises the database.
            assert!(row.line >= 1, "line numbers start at 1");
            assert!(!row.code.trim().is_empty(), "a row has a code");
            if let Some((lat, lon)) = row.centroid {
                assert!((-90.0..=90.0).contains(&lat), "latitude {lat}");
                assert!((-180.0..=180.0).contains(&lon), "longitude {lon}");
            }
            if let Some(b) = &row.boundary {
                let v: serde_json::Value =
                    serde_json::from_str(b).expect("a kept boundary is JSON");
                assert!(v.get("type").is_some(), "a kept boundary is a geometry");
            }
        }
        for issue in &parsed.issues {
            assert!(issue.line >= 1, "issues name their line");
        }
    }
});
