//! The search box's little language, parsed into clauses and written out as
//! an SQLite FTS5 expression or a PostgreSQL `tsquery`.
//!
//! - words are all required (AND), each matching its French or English stem;
//! - `"several words"` is a phrase (an unbalanced quote runs to the end);
//! - `-word` or `-"a phrase"` excludes;
//! - common words (le, la, the…) are dropped from plain words, kept in phrases;
//! - a hyphenated or elided form is a phrase of its parts (`Saint-Jean`).
//!
//! Only analysed tokens (letters and digits) reach the engines, so no input
//! can inject query syntax.

use std::collections::HashSet;

use super::analyze::{self, Lang};

/// A longer query is cut (a clear note says so).
pub const MAX_QUERY_CHARS: usize = 300;
/// At most this many clauses are used.
pub const MAX_CLAUSES: usize = 12;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clause {
    /// One word: its alternative stems.
    Word(Vec<String>),
    /// Consecutive words: the folded words (stemmed per language when written).
    Phrase(Vec<String>),
}

/// Why a query cannot run, or what was changed in it (message keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Note {
    /// Nothing to search for.
    Empty,
    /// Only common words.
    OnlyStopWords,
    /// Only exclusions.
    OnlyExclusions,
    /// The query was cut to its first words.
    Truncated,
}

impl Note {
    pub fn key(self) -> &'static str {
        match self {
            Note::Empty => "search-note-empty",
            Note::OnlyStopWords => "search-note-stopwords",
            Note::OnlyExclusions => "search-note-exclusions",
            Note::Truncated => "search-note-truncated",
        }
    }
    /// Does it prevent the search from running?
    pub fn blocks(self) -> bool {
        !matches!(self, Note::Truncated)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub include: Vec<Clause>,
    pub exclude: Vec<Clause>,
    /// Stems to highlight (both languages).
    pub highlight: HashSet<String>,
    pub note: Option<Note>,
}

impl Parsed {
    pub fn runnable(&self) -> bool {
        !self.include.is_empty() && !self.note.is_some_and(Note::blocks)
    }
}

/// A raw piece of the query: a phrase or not, negated or not.
struct Piece {
    text: String,
    phrase: bool,
    negated: bool,
}

fn pieces(q: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut chars = q.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut negated = false;
        if c == '-' || c == '\u{2212}' {
            chars.next();
            match chars.peek() {
                Some(n) if !n.is_whitespace() => negated = true,
                _ => continue,
            }
        }
        if matches!(chars.peek(), Some('"' | '«' | '“' | '”')) {
            chars.next();
            let mut text = String::new();
            while let Some(c) = chars.next() {
                if matches!(c, '"' | '»' | '”' | '“') {
                    break;
                }
                text.push(c);
            }
            out.push(Piece {
                text,
                phrase: true,
                negated,
            });
        } else {
            let mut text = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || c == '"' {
                    break;
                }
                text.push(c);
                chars.next();
            }
            out.push(Piece {
                text,
                phrase: false,
                negated,
            });
        }
    }
    out
}

pub fn parse(q: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let mut q = q.trim();
    if q.chars().count() > MAX_QUERY_CHARS {
        let cut = q
            .char_indices()
            .nth(MAX_QUERY_CHARS)
            .map(|(i, _)| i)
            .unwrap_or(q.len());
        q = &q[..cut];
        parsed.note = Some(Note::Truncated);
    }
    let mut had_words = false;
    let mut had_stop_only = false;
    for piece in pieces(q) {
        let words: Vec<String> = analyze::words(&piece.text)
            .into_iter()
            .map(|w| w.folded)
            .collect();
        if words.is_empty() {
            continue;
        }
        had_words = true;
        let clause = if piece.phrase || words.len() > 1 {
            if words.len() == 1 {
                Clause::Word(analyze::stems_both(&words[0]))
            } else {
                // A hyphenated form made only of common words plus one real
                // word is still a phrase: "l'économie" became one word above.
                Clause::Phrase(words)
            }
        } else if analyze::is_stop_word(&words[0]) {
            had_stop_only = true;
            continue;
        } else {
            Clause::Word(analyze::stems_both(&words[0]))
        };
        match &clause {
            Clause::Word(alts) => parsed.highlight.extend(alts.iter().cloned()),
            Clause::Phrase(ws) => {
                for w in ws {
                    parsed.highlight.extend(analyze::stems_both(w));
                }
            }
        }
        if parsed.include.len() + parsed.exclude.len() >= MAX_CLAUSES {
            parsed.note = Some(Note::Truncated);
            break;
        }
        let list = if piece.negated {
            &mut parsed.exclude
        } else {
            &mut parsed.include
        };
        if !list.contains(&clause) {
            list.push(clause);
        }
    }
    if parsed.include.is_empty() {
        parsed.note = Some(if !had_words {
            Note::Empty
        } else if had_stop_only && parsed.exclude.is_empty() {
            Note::OnlyStopWords
        } else if !parsed.exclude.is_empty() {
            Note::OnlyExclusions
        } else {
            Note::OnlyStopWords
        });
    }
    parsed
}

/// The phrase's token sequences: one per language, deduplicated.
fn phrase_variants(words: &[String]) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    for lang in [Lang::Fr, Lang::En] {
        let v: Vec<String> = words.iter().map(|w| analyze::stem(w, lang)).collect();
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

fn fts_token(t: &str) -> String {
    format!("\"{}\"", t.replace('"', "\"\""))
}

fn fts_clause(c: &Clause) -> String {
    let alts: Vec<String> = match c {
        Clause::Word(alts) => alts.iter().map(|a| fts_token(a)).collect(),
        Clause::Phrase(words) => phrase_variants(words)
            .into_iter()
            .map(|v| fts_token(&v.join(" ")))
            .collect(),
    };
    format!("({})", alts.join(" OR "))
}

/// The SQLite FTS5 MATCH expression.
pub fn to_fts5(p: &Parsed) -> String {
    let mut expr = p
        .include
        .iter()
        .map(fts_clause)
        .collect::<Vec<_>>()
        .join(" AND ");
    for c in &p.exclude {
        expr = format!("({expr}) NOT {}", fts_clause(c));
    }
    expr
}

fn ts_token(t: &str) -> String {
    format!("'{}'", t.replace('\'', "''").replace('\\', "\\\\"))
}

fn ts_clause(c: &Clause) -> String {
    let alts: Vec<String> = match c {
        Clause::Word(alts) => alts.iter().map(|a| ts_token(a)).collect(),
        Clause::Phrase(words) => phrase_variants(words)
            .into_iter()
            .map(|v| {
                format!(
                    "({})",
                    v.iter()
                        .map(|t| ts_token(t))
                        .collect::<Vec<_>>()
                        .join(" <-> ")
                )
            })
            .collect(),
    };
    format!("({})", alts.join(" | "))
}

/// The PostgreSQL `to_tsquery('simple', …)` text.
pub fn to_tsquery(p: &Parsed) -> String {
    let mut parts: Vec<String> = p.include.iter().map(ts_clause).collect();
    parts.extend(p.exclude.iter().map(|c| format!("!{}", ts_clause(c))));
    parts.join(" & ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_phrases_and_exclusions() {
        let p = parse(r#"vélos "économie sociale" -voiture"#);
        assert!(p.runnable());
        assert_eq!(p.include.len(), 2);
        assert!(matches!(&p.include[1], Clause::Phrase(w) if w == &["economie", "sociale"]));
        assert_eq!(p.exclude.len(), 1);
        let fts = to_fts5(&p);
        assert!(fts.contains("NOT"), "{fts}");
        assert!(fts.contains(r#""economi social""#), "{fts}");
        let ts = to_tsquery(&p);
        assert!(ts.contains("<->") && ts.contains('!'), "{ts}");
    }

    #[test]
    fn hyphens_and_elisions() {
        let p = parse("Saint-Jean l'économie");
        assert!(matches!(&p.include[0], Clause::Phrase(w) if w == &["saint", "jean"]));
        assert!(matches!(&p.include[1], Clause::Word(_)));
    }

    #[test]
    fn hostile_and_degenerate_queries() {
        assert_eq!(parse("").note, Some(Note::Empty));
        assert_eq!(parse("   \" \" - -- ").note, Some(Note::Empty));
        assert_eq!(parse("le la les the").note, Some(Note::OnlyStopWords));
        assert_eq!(parse("-vélo").note, Some(Note::OnlyExclusions));
        assert!(!parse("-vélo").runnable());
        let unbalanced = parse(r#""économie sociale"#);
        assert!(unbalanced.runnable());
        assert!(matches!(&unbalanced.include[0], Clause::Phrase(_)));
        let long = parse(&"coopérative ".repeat(1000));
        assert_eq!(long.note, Some(Note::Truncated));
        assert!(long.runnable());
        assert_eq!(long.include.len(), 1, "repeated words are one clause");
        let many = parse(
            &(0..100)
                .map(|i| format!("mot{i}"))
                .collect::<Vec<_>>()
                .join(" "),
        );
        assert!(many.include.len() <= MAX_CLAUSES);
        // Syntax of either engine is just text here.
        for q in [
            "') OR 1=1 --",
            "NEAR(a b) * ^title:x",
            "a & b | !c <-> d",
            "\\' \\\" ;DROP TABLE users",
        ] {
            let p = parse(q);
            for c in p.include.iter().chain(&p.exclude) {
                let toks: Vec<String> = match c {
                    Clause::Word(a) => a.clone(),
                    Clause::Phrase(w) => w.clone(),
                };
                for t in toks {
                    assert!(t.chars().all(char::is_alphanumeric), "{q:?} gave {t:?}");
                }
            }
        }
    }

    #[test]
    fn guillemets_are_quotes() {
        let p = parse("« économie sociale »");
        assert!(matches!(&p.include[0], Clause::Phrase(w) if w.len() == 2));
    }
}
