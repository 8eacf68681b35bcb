//! Highlighted titles and snippets: HTML-escaped text with `<mark>` around
//! the words that match the query (by the same analysis as the index).

use std::collections::HashSet;

use super::analyze;

fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

fn matches(folded: &str, terms: &HashSet<String>) -> bool {
    analyze::stems_both(folded)
        .iter()
        .any(|s| terms.contains(s))
}

/// `text[from..to]` escaped, with matching words marked.
fn mark_range(
    text: &str,
    words: &[analyze::Word],
    terms: &HashSet<String>,
    from: usize,
    to: usize,
) -> String {
    let mut out = String::with_capacity((to - from) + 32);
    let mut at = from;
    for w in words.iter().filter(|w| w.start >= from && w.end <= to) {
        if matches(&w.folded, terms) {
            escape_into(&mut out, &text[at..w.start]);
            out.push_str("<mark>");
            escape_into(&mut out, &text[w.start..w.end]);
            out.push_str("</mark>");
            at = w.end;
        }
    }
    escape_into(&mut out, &text[at..to]);
    out
}

/// The whole text (a title), escaped and marked.
pub fn highlight(text: &str, terms: &HashSet<String>) -> String {
    let words = analyze::words(text);
    mark_range(text, &words, terms, 0, text.len())
}

/// About `span` words around the densest group of matches, escaped and
/// marked, with "…" where the text was cut.
pub fn snippet(text: &str, terms: &HashSet<String>, span: usize) -> String {
    let words = analyze::words(text);
    if words.is_empty() {
        return String::new();
    }
    let span = span.max(1);
    let hits: Vec<bool> = words.iter().map(|w| matches(&w.folded, terms)).collect();
    // Sliding window: the start with the most matches (first one wins).
    let mut best = (0usize, 0usize);
    let mut count = hits.iter().take(span).filter(|h| **h).count();
    best.1 = count;
    for start in 1..words.len().saturating_sub(span - 1) {
        if hits[start - 1] {
            count -= 1;
        }
        if start + span - 1 < hits.len() && hits[start + span - 1] {
            count += 1;
        }
        if count > best.1 {
            best = (start, count);
        }
    }
    // Start a little before the first match of the window, for context.
    let mut first = best.0;
    if let Some(h) = (best.0..(best.0 + span).min(words.len())).find(|i| hits[*i]) {
        first = h.saturating_sub(4).max(best.0.saturating_sub(4));
    }
    let last = (first + span).min(words.len()) - 1;
    let from = if first == 0 { 0 } else { words[first].start };
    let to = if last == words.len() - 1 {
        text.len()
    } else {
        words[last].end
    };
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    out.push_str(mark_range(text, &words, terms, from, to).trim());
    if to < text.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(q: &str) -> HashSet<String> {
        super::super::query::parse(q).highlight
    }

    #[test]
    fn marks_variants_and_escapes() {
        let t = terms("vélo");
        assert_eq!(
            highlight("Les VÉLOS <b>& velo", &t),
            "Les <mark>VÉLOS</mark> &lt;b&gt;&amp; <mark>velo</mark>"
        );
    }

    #[test]
    fn snippet_centres_on_matches() {
        let mut text = String::new();
        for i in 0..100 {
            text.push_str(&format!("mot{i} "));
        }
        text.push_str("la coopérative d'habitation ");
        for i in 0..100 {
            text.push_str(&format!("fin{i} "));
        }
        let s = snippet(&text, &terms("coopératives"), 20);
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("<mark>coopérative</mark>"), "{s}");
        assert!(s.split_whitespace().count() <= 21, "{s}");
        // No match: the beginning.
        let s = snippet("un deux trois", &terms("zèbre"), 2);
        assert_eq!(s, "un deux…");
        assert_eq!(snippet("", &terms("x"), 5), "");
    }
}
