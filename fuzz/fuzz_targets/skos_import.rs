//! A SKOS thesaurus imported by a lexicon editor or the command line
//! (`lexicon::import`, JSON-LD, compact or expanded): read into concepts
//! within the bounds, before any database work. Beyond "no panic": what
//! is read goes through the instance's own SKOS export (JSON-LD and
//! Turtle) and reads back to the same concepts and relations
//! (`passerelles::lexicon::import::fuzzing::check`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = passerelles::lexicon::import::fuzzing::check(data);
});
