//! Markdown from members: render + sanitise, excerpts. Beyond "no panic",
//! the output must never carry script or event handlers.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let rendered = passerelles::markdown::render(source);
    let lower = rendered.html.to_ascii_lowercase();
    // Text is escaped, so every '<' in the output opens a real tag: look
    // inside tags only (an escaped "onerror=" in a paragraph is harmless).
    for tag in lower.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or("");
        let name = tag
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("");
        assert!(
            !matches!(
                name,
                "script" | "style" | "svg" | "math" | "iframe" | "object" | "embed"
            ),
            "<{name}> survived: {}",
            rendered.html
        );
        // Attribute names only: values are double-quoted (quotes inside escaped).
        let names: String = tag.split('"').step_by(2).collect();
        assert!(
            !names.contains(" on"),
            "event handler survived: {}",
            rendered.html
        );
        assert!(
            !tag.contains("javascript:"),
            "javascript: URL survived: {}",
            rendered.html
        );
    }
    let _ = passerelles::markdown::excerpt(source, 160);
    let _ = passerelles::markdown::excerpt_from_html(&rendered.html, 160);
});
