//! The edge guard's U+0000 scan of form bodies, query strings and JSON:
//! it names a field exactly when the parsers the handlers use would hand
//! one a NUL.
#![no_main]

use libfuzzer_sys::fuzz_target;
use passerelles::edge::input::{nul_in_form, nul_in_json, nul_in_path};

fuzz_target!(|data: &[u8]| {
    let form_has_nul =
        url::form_urlencoded::parse(data).any(|(k, v)| k.contains('\0') || v.contains('\0'));
    assert_eq!(nul_in_form(data).is_some(), form_has_nul, "form {data:?}");
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
        assert_eq!(nul_in_json(data).is_some(), has_nul(&v), "json {v}");
    }
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = nul_in_path(s);
    }
});

fn has_nul(v: &serde_json::Value) -> bool {
    use serde_json::Value;
    match v {
        Value::String(s) => s.contains('\0'),
        Value::Array(a) => a.iter().any(has_nul),
        Value::Object(m) => m.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}
