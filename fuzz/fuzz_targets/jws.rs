//! Compact JWS tokens from anyone: the `id_token_hint` of the OpenID
//! Connect logout endpoint (`oidc::jws::parse`, then the signature check).
//! Beyond "no panic": no token verifies under a key that signed nothing,
//! and claims we sign verify back unchanged
//! (`passerelles::oidc::jws::fuzzing::check`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = passerelles::oidc::jws::fuzzing::check(data);
});
