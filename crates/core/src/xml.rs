//! Text for XML documents we emit (RSS, Atom, OpenSearch, later sitemaps
//! and SKOS/RDF-XML). XML 1.0 (§2.2, `Char`) cannot carry every Unicode
//! scalar: one forbidden character makes the whole document ill-formed, and
//! strict feed readers then drop the feed. So every piece of text goes
//! through [`escape`], which escapes markup and drops what XML forbids.

/// True for a character an XML 1.0 document may contain:
/// `#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]`
/// (Rust's `char` already excludes surrogates). The C1 controls
/// (`#x7F-#x9F`), which XML 1.0 allows but discourages and XML 1.1 forbids
/// unescaped, are refused too: no reader shows them and some refuse them.
pub fn allowed(c: char) -> bool {
    let u = c as u32;
    matches!(u, 0x9 | 0xA | 0xD)
        || (0x20..=0x7E).contains(&u)
        || (0xA0..=0xD7FF).contains(&u)
        || (0xE000..=0xFFFD).contains(&u)
        || u >= 0x10000
}

/// Text or attribute value: `& < > " '` escaped, forbidden characters dropped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if allowed(c) => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_characters_are_dropped_and_markup_escaped() {
        let hostile = "a\u{0}b\u{1}c\u{B}d\u{C}e\u{1F}f\u{7F}g\u{85}h\u{9F}i\u{FFFE}j\u{FFFF}k";
        assert_eq!(escape(hostile), "abcdefghijk");
        assert_eq!(escape("\t\n\r"), "\t\n\r");
        assert_eq!(
            escape("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;"
        );
        // Allowed edges and beyond the BMP stay.
        assert_eq!(
            escape("\u{A0}\u{D7FF}\u{E000}\u{FFFD}\u{10000}😀\u{10FFFF}"),
            "\u{A0}\u{D7FF}\u{E000}\u{FFFD}\u{10000}😀\u{10FFFF}"
        );
        assert_eq!(escape("]]>"), "]]&gt;");
    }

    #[test]
    fn every_scalar_is_either_kept_or_dropped_per_the_grammar() {
        for u in (0u32..=0x3_0000).chain(0x10_FF00..=0x10_FFFF) {
            let Some(c) = char::from_u32(u) else { continue };
            let xml_char = matches!(u, 0x9 | 0xA | 0xD)
                || (0x20..=0xD7FF).contains(&u)
                || (0xE000..=0xFFFD).contains(&u)
                || (0x10000..=0x10FFFF).contains(&u);
            if allowed(c) {
                assert!(xml_char, "U+{u:04X} kept but XML 1.0 forbids it");
            }
            if !xml_char {
                assert!(!allowed(c), "U+{u:04X} forbidden but kept");
            }
        }
    }
}
