//! Passerelles — community platform. See ARCHITECTURE.md for the code map.
//! This crate holds the entry points (pages, API, start-up, the binary);
//! everything beneath them is the `passerelles-core` crate (crates/core),
//! re-exported here so `crate::accounts` and `passerelles::accounts` read the same.
// A warning in a test build (an unused result, a value computed and never
// compared) is an error: such tests tend to assert less than they seem to.
#![cfg_attr(test, deny(warnings))]
pub use passerelles_core::*;
pub mod api;
pub mod app;
pub mod edge;
pub mod federation;
pub mod mail_in;
pub mod web;

/// The layering rule, checked on the source itself (ARCHITECTURE.md,
/// "Layers"): entry points → operations → domain storage → `db`.
#[cfg(test)]
mod layering {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::{Path, PathBuf};

    /// The entry points: they parse input, call an operation, render the
    /// outcome. Only they (and start-up) may name each other.
    /// `edge` holds what the pages and the API share as entry points
    /// (multipart parsing, file downloads): nothing beneath may use it.
    const ENTRY: &[&str] = &["web", "api", "edge", "app", "main", "bin"];
    // `federation` (src/federation, the ActivityPub entry point) shares its
    // name with the domain beneath it (crates/core/src/federation) and names
    // that domain as `passerelles_core::federation`, which this check does not
    // follow: the two read as one module that must reach no entry point.
    /// Longest source file.
    const MAX_LINES: usize = 1000;

    fn files(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).expect("src is readable").flatten() {
            let p = e.path();
            if p.is_dir() {
                files(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }

    /// The top-level module a file belongs to (`src/web/ctx.rs` → `web`).
    fn module_of(src: &Path, file: &Path) -> String {
        let rel = file.strip_prefix(src).expect("under src");
        let first = rel.components().next().expect("a component");
        let name = first.as_os_str().to_string_lossy();
        name.trim_end_matches(".rs").to_string()
    }

    /// Code without comments (line comments, doc comments), so prose that
    /// names a module is not a dependency.
    fn code(text: &str) -> String {
        text.lines()
            .map(|l| match l.find("//") {
                Some(i) if !l[..i].contains('"') => &l[..i],
                _ => l,
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Every top-level module a piece of code names through `crate::` or
    /// `passerelles::`, including grouped imports (`use crate::{a, b::c}`).
    pub(super) fn named_modules(code: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for prefix in ["crate::", "passerelles::"] {
            let mut rest = code;
            while let Some(i) = rest.find(prefix) {
                let before = rest[..i].chars().last();
                rest = &rest[i + prefix.len()..];
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                if let Some(group) = rest.strip_prefix('{') {
                    // Top-level names of the group, at brace depth 0.
                    let mut depth = 0;
                    let mut item = String::new();
                    for c in group.chars() {
                        match c {
                            '{' => depth += 1,
                            '}' if depth == 0 => break,
                            '}' => depth -= 1,
                            ',' if depth == 0 => {
                                push_first(&item, &mut out);
                                item.clear();
                                continue;
                            }
                            _ => {}
                        }
                        if depth == 0 {
                            item.push(c);
                        }
                    }
                    push_first(&item, &mut out);
                } else {
                    push_first(rest, &mut out);
                }
            }
        }
        out
    }

    fn push_first(s: &str, out: &mut BTreeSet<String>) {
        let name: String = s
            .trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() && name != "self" {
            out.insert(name);
        }
    }

    /// Every source file with its top-level module, in this crate's `src`
    /// and, when the core is a crate of its own, in `crates/core/src`.
    fn sources() -> Vec<(String, PathBuf)> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut out = Vec::new();
        for dir in [root.join("src"), root.join("crates/core/src")] {
            if !dir.is_dir() {
                continue;
            }
            let mut all = Vec::new();
            files(&dir, &mut all);
            for f in all {
                out.push((module_of(&dir, &f), f));
            }
        }
        out
    }

    fn graph() -> BTreeMap<String, BTreeSet<String>> {
        let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (m, f) in sources() {
            if m == "lib" {
                // A crate root declares every module; its tests name them.
                continue;
            }
            let text = std::fs::read_to_string(&f).expect("readable source");
            let deps = g.entry(m.clone()).or_default();
            for d in named_modules(&code(&text)) {
                if d != m {
                    deps.insert(d);
                }
            }
        }
        g
    }

    #[test]
    fn the_parser_sees_grouped_and_plain_imports() {
        let found = named_modules(
            "use crate::{accounts::{self, User}, web::AppState};\nlet x = crate::urls::user(n); // crate::api",
        );
        let want: BTreeSet<String> = ["accounts", "web", "urls", "api"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        // `code()` drops the comment before this is called in the real check.
        assert_eq!(found, want);
        assert!(!named_modules(&code("// crate::web\nfn f() {}")).contains("web"));
        assert!(!named_modules("my_crate::web::x").contains("web"));
    }

    /// Nothing beneath the entry points reaches one of them, directly or
    /// through other modules: no import cycle ties the domains to the web.
    #[test]
    fn dependencies_point_one_way() {
        let g = graph();
        assert!(
            g.contains_key("web") && g.contains_key("communities"),
            "the graph was read"
        );
        let mut bad = Vec::new();
        for (m, _) in g.iter().filter(|(m, _)| !ENTRY.contains(&m.as_str())) {
            // Everything reachable from `m`.
            let mut seen = BTreeSet::new();
            let mut todo = vec![(m.clone(), vec![m.clone()])];
            while let Some((n, path)) = todo.pop() {
                for d in g.get(&n).into_iter().flatten() {
                    if ENTRY.contains(&d.as_str()) {
                        bad.push(format!("{} → {d}", path.join(" → ")));
                    } else if seen.insert(d.clone()) {
                        let mut p = path.clone();
                        p.push(d.clone());
                        todo.push((d.clone(), p));
                    }
                }
            }
        }
        assert!(
            bad.is_empty(),
            "modules beneath the entry points reach one:\n{}",
            bad.join("\n")
        );
    }

    /// The API shares the application state with the pages, nothing else:
    /// no handler, helper or template of `web`.
    #[test]
    fn the_api_imports_nothing_from_the_web_layer() {
        let api: Vec<PathBuf> = sources()
            .into_iter()
            .filter(|(m, _)| m == "api")
            .map(|(_, f)| f)
            .collect();
        assert!(api.len() > 5, "the API's files were read");
        let offenders: Vec<String> = api
            .iter()
            .filter(|f| {
                let text = std::fs::read_to_string(f).unwrap_or_default();
                named_modules(&code(&text)).contains("web")
            })
            .map(|f| f.display().to_string())
            .collect();
        assert!(
            offenders.is_empty(),
            "API files importing web: {offenders:?}"
        );
    }

    #[test]
    fn no_source_file_is_over_a_thousand_lines() {
        let all = sources();
        assert!(all.len() > 50, "the sources were read");
        let long: Vec<String> = all
            .iter()
            .filter_map(|(_, f)| {
                let n = std::fs::read_to_string(f).ok()?.lines().count();
                (n > MAX_LINES).then(|| format!("{} ({n} lines)", f.display()))
            })
            .collect();
        assert!(long.is_empty(), "split these files: {long:?}");
    }
}
