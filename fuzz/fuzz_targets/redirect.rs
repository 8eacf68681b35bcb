//! Redirect targets from input (`next=`, a Referer): whatever is kept must
//! stay on our origin once a browser resolves it, on any origin.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(path) = passerelles::redirect::local_path(input) {
        assert!(
            path.starts_with('/') && !path.starts_with("//"),
            "{input:?} → {path:?}"
        );
        assert!(!path.chars().any(char::is_control), "{input:?} → {path:?}");
        for home in ["https://passerelles.example/", "http://127.0.0.1:8080/"] {
            let home = url::Url::parse(home).expect("base");
            let landed = home.join(&path).expect("a kept target parses");
            assert_eq!(
                landed.origin(),
                home.origin(),
                "{input:?} → {path:?} leaves"
            );
        }
        // Keeping is stable: a kept target is kept as it is.
        assert_eq!(
            passerelles::redirect::local_path(&path).as_deref(),
            Some(path.as_str())
        );
    }
    let _ = passerelles::redirect::same_origin_path("https://passerelles.example", input);
});
