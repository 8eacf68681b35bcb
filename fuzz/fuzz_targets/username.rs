//! Usernames typed at sign-up: validation, canonical key, confusable skeleton.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let _ = passerelles::username::canonical(input);
    let _ = passerelles::username::skeleton(input);
    if let Ok(name) = passerelles::username::validate(input) {
        // What we store must itself be valid, and stay the same.
        assert_eq!(
            passerelles::username::validate(&name).as_deref(),
            Ok(name.as_str()),
            "validate is not idempotent on {input:?}"
        );
    }
});
