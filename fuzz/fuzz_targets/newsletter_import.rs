//! A subscriber list imported into a newsletter (issue 17, C10): the CSV
//! reader never panics, every record has a field and line numbers only go
//! forward (`passerelles::newsletter::import::fuzz`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    passerelles::newsletter::import::fuzz(data);
});
