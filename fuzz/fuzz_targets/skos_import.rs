//! A SKOS thesaurus given to `admin lexicon-import` (issue 19): Turtle read
//! by `oxttl`, JSON-LD by serde_json (`lexicon::import::parse`, which picks
//! the syntax from the first character). Whatever the bytes, it returns
//! within its bounds, and every concept it keeps has a French label or
//! will be refused by name at import (never silently merged).
#![no_main]

use libfuzzer_sys::fuzz_target;
use passerelles::lexicon::import;

fuzz_target!(|data: &[u8]| {
    // What is read goes through our own SKOS export (JSON-LD and Turtle)
    // and reads back to the same concepts and relations.
    let _ = import::fuzzing::check(data);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for parsed in [import::parse(text), import::parse_turtle(text), import::parse_json_ld(text)] {
        if let Ok(concepts) = parsed {
            assert!(concepts.len() <= import::MAX_CONCEPTS);
            for c in &concepts {
                // A concept without any label falls back to "" only when it
                // had no label at all (the import refuses it by field).
                if !c.pref_en.is_empty() {
                    assert!(!c.pref_fr.is_empty(), "an English label stands in for French");
                }
            }
        }
    }
});
