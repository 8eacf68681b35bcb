//! What the ActivityPub inbox reads from other servers: the `Signature`
//! header (first line) and the activity's JSON (the rest). Beyond "no
//! panic": no forged signature verifies, remote HTML keeps no live markup
//! once rendered (`passerelles::federation::fuzz::inbound`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    passerelles::federation::fuzz::inbound(data);
});
