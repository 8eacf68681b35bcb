//! Where a request may send the browser next: redirect targets that come
//! from input (`next=` on every form and link, the `Referer` of the
//! language switch) are parsed as URLs the way browsers parse them (WHATWG
//! URL, the `url` crate) relative to our origin, and kept only when the
//! result is on that same origin. Filtering characters does not work:
//! browsers drop tabs and newlines inside URLs and read `\` as `/`, so
//! `/<TAB>/evil.example` or `/\evil.example` become `//evil.example`, a
//! scheme-relative address of another site.
//!
//! What we hand back is the parser's own serialisation of the path, query
//! and fragment: every control character and space percent-encoded, so the
//! `Location` header is always valid and means, to a browser, exactly what
//! was checked here.

use url::Url;

/// The origin relative references are resolved against when only the
/// shape of a local path matters (`.invalid` is reserved, RFC 6761).
const LOCAL_BASE: &str = "http://local.invalid/";

/// A local target given as input (a `next` field), as a path on our own
/// origin (`/x?y#z`), or `None` when it would leave it (or is empty).
pub fn local_path(raw: &str) -> Option<String> {
    let base = Url::parse(LOCAL_BASE).ok()?;
    on_origin(&base, raw)
}

/// Like [`local_path`], with `/` when the target is refused.
pub fn local_path_or_root(raw: &str) -> String {
    local_path(raw).unwrap_or_else(|| "/".to_string())
}

/// The path of `raw` (absolute, like a `Referer`, or relative) when it is
/// on the origin of `public_url`.
pub fn same_origin_path(public_url: &str, raw: &str) -> Option<String> {
    let base = Url::parse(public_url).ok()?;
    on_origin(&base, raw)
}

fn on_origin(base: &Url, raw: &str) -> Option<String> {
    let raw = raw.trim_matches(' ');
    // A control character has no business in a target we made ourselves;
    // browsers would silently drop some of them (tab, CR, LF).
    if raw.is_empty() || raw.chars().any(char::is_control) {
        return None;
    }
    let target = base.join(raw).ok()?;
    if target.origin() != base.origin() || !target.origin().is_tuple() {
        return None;
    }
    let path = target.path();
    // A path that starts with `//` would be read as a host once it is
    // written alone in a `Location` header (`/.//evil` resolves to it).
    if !path.starts_with('/') || path.starts_with("//") {
        return None;
    }
    let mut out = path.to_string();
    if let Some(q) = target.query() {
        out.push('?');
        out.push_str(q);
    }
    if let Some(f) = target.fragment() {
        out.push('#');
        out.push_str(f);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Resolve what we return as a browser would, against another origin:
    /// it must stay there.
    fn stays_home(target: &str) -> bool {
        let home = Url::parse("https://passerelles.example/").unwrap();
        home.join(target).is_ok_and(|u| u.origin() == home.origin())
    }

    #[test]
    fn local_paths_are_kept() {
        for (raw, want) in [
            ("/settings", "/settings"),
            ("/c/jardins?page=2#fin", "/c/jardins?page=2#fin"),
            (
                "/oauth2/authorize?client_id=a&redirect_uri=https%3A%2F%2Fx",
                "/oauth2/authorize?client_id=a&redirect_uri=https%3A%2F%2Fx",
            ),
            ("/u/%C3%A9lise", "/u/%C3%A9lise"),
            ("/u/élise", "/u/%C3%A9lise"),
            ("/a/../b", "/b"),
            // Encoded slashes stay encoded: one segment on our site.
            ("/%2F%2Fevil.example", "/%2F%2Fevil.example"),
            ("/%5Cevil.example", "/%5Cevil.example"),
            ("/%09/evil.example", "/%09/evil.example"),
            ("%2F%2Fevil.example", "/%2F%2Fevil.example"),
        ] {
            assert_eq!(local_path(raw).as_deref(), Some(want), "{raw:?}");
            assert!(stays_home(want), "{want:?}");
        }
    }

    #[test]
    fn known_bypasses_are_refused() {
        for raw in [
            "",
            "//evil.example",
            "///evil.example",
            "////evil.example/x",
            "/\\evil.example",
            "\\/evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "\t//evil.example",
            "/ /evil.example",
            "/.//evil.example",
            "/./\\evil.example",
            "https://evil.example",
            "https:evil.example",
            "http:/\\evil.example",
            "HTTPS://evil.example",
            "//evil.example@local.invalid",
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "/x\r\nSet-Cookie: a=b",
            "/x\0y",
            "\u{0b}//evil.example",
            "https://local.invalid:444/x",
            "ftp://local.invalid/x",
        ] {
            let got = local_path(raw);
            assert!(
                got.is_none() || got.as_deref().is_some_and(stays_home),
                "{raw:?} gave {got:?}"
            );
            assert!(
                !got.as_deref().is_some_and(|g| g.starts_with("//")),
                "{raw:?}"
            );
        }
        // The ones that must be refused outright (not rewritten).
        for raw in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/.//evil.example",
            "https://evil.example",
            "javascript:alert(1)",
            "/x\r\nSet-Cookie: a=b",
        ] {
            assert_eq!(local_path(raw), None, "{raw:?}");
        }
        assert_eq!(local_path_or_root("//evil.example"), "/");
    }

    #[test]
    fn referers_must_be_ours() {
        let ours = "https://passerelles.example";
        assert_eq!(
            same_origin_path(ours, "https://passerelles.example/c/x?y=1").as_deref(),
            Some("/c/x?y=1")
        );
        for raw in [
            "https://passerelles.example.evil.example/c/x",
            "https://passerelles.example@evil.example/c/x",
            "http://passerelles.example/c/x",
            "https://passerelles.example:8443/c/x",
            "https://evil.example/https://passerelles.example/",
        ] {
            assert_eq!(same_origin_path(ours, raw), None, "{raw:?}");
        }
    }

    /// Seeded random targets built from the characters of every known
    /// bypass: what is kept never leaves, on any origin.
    #[test]
    fn random_targets_never_leave() {
        let alphabet: Vec<char> = "/\\\t\n\r %25FC:@.?#evilhtps0x\u{0b}\u{3002}"
            .chars()
            .collect();
        let homes = [
            Url::parse("https://passerelles.example/").unwrap(),
            Url::parse("http://127.0.0.1:8080/").unwrap(),
        ];
        let mut seed: u64 = 0x5eed_1234;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        };
        let mut kept = 0;
        for _ in 0..50_000 {
            let len = 1 + next() % 14;
            let raw: String = (0..len)
                .map(|_| alphabet[next() % alphabet.len()])
                .collect();
            if let Some(path) = local_path(&raw) {
                kept += 1;
                assert!(
                    path.starts_with('/') && !path.starts_with("//"),
                    "{raw:?} → {path:?}"
                );
                assert!(!path.chars().any(char::is_control), "{raw:?} → {path:?}");
                for home in &homes {
                    assert_eq!(
                        home.join(&path).map(|u| u.origin()).ok(),
                        Some(home.origin()),
                        "{raw:?} → {path:?}"
                    );
                }
            }
        }
        assert!(
            kept > 1000,
            "the generator reaches kept targets too: {kept}"
        );
    }
}
