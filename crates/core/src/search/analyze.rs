//! Text analysis for French and English, shared by indexing, querying and
//! highlighting so the three always agree.
//!
//! A word is a run of letters, digits and combining marks. It is folded
//! (lower case, accents and ligatures removed: `Œuvre` → `oeuvre`,
//! `évènement` → `evenement`), French elisions are dropped (`l'économie` →
//! `economie`, also with the typographic apostrophe), the English possessive
//! `'s` too, and hyphens separate words (`Saint-Jean` → `saint jean`, so the
//! hyphenated and spaced forms match each other and a phrase). Each folded
//! word is then stemmed with the Snowball stemmer of the item's language.
//! Queries are stemmed in both languages, so a French query finds English
//! items and the other way around.

use std::sync::LazyLock;

use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Longest token kept (longer runs are cut: hashes, URLs without separators).
const MAX_TOKEN_CHARS: usize = 40;

static FR: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::French));
static EN: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Fr,
    En,
}

impl Lang {
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }
    pub fn parse(s: &str) -> Lang {
        if s.starts_with("en") {
            Lang::En
        } else {
            Lang::Fr
        }
    }
}

/// A word of a source text: where it is (bytes) and its folded form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub start: usize,
    pub end: usize,
    pub folded: String,
}

/// Elided French articles and pronouns dropped before an apostrophe.
const ELISIONS: &[&str] = &[
    "l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu",
];

/// Words so common they are dropped from a query's plain words (they stay
/// in the index, so phrases containing them still match).
const STOP_FR: &[&str] = &[
    "a", "au", "aux", "avec", "ce", "ces", "cet", "cette", "dans", "de", "des", "du", "elle",
    "elles", "en", "est", "et", "il", "ils", "je", "la", "le", "les", "leur", "leurs", "lui", "ma",
    "mais", "me", "mes", "mon", "ne", "nos", "notre", "nous", "on", "ou", "par", "pas", "pour",
    "qu", "que", "qui", "sa", "se", "ses", "son", "sont", "sur", "ta", "te", "tes", "ton", "tu",
    "un", "une", "vos", "votre", "vous", "y", "ete", "etre", "sans", "si", "d", "l",
];
const STOP_EN: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "for", "from", "has", "have",
    "in", "into", "is", "it", "its", "of", "on", "or", "that", "the", "their", "this", "to", "was",
    "were", "will", "with", "not", "these", "those", "which",
];

/// Words that tell the two languages apart (folded).
const MARK_FR: &[&str] = &[
    "le", "la", "les", "des", "du", "et", "est", "une", "pour", "dans", "avec", "que", "qui",
    "pas", "sur", "au", "aux", "ce", "cette", "sont", "nous", "vous", "mais", "ou", "plus",
];
const MARK_EN: &[&str] = &[
    "the", "and", "is", "are", "of", "to", "for", "with", "that", "this", "on", "was", "be", "by",
    "it", "from", "an", "we", "you", "our", "have", "not", "or", "more", "about",
];

pub fn is_stop_word(folded: &str) -> bool {
    STOP_FR.contains(&folded) || STOP_EN.contains(&folded)
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c)
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{02BC}')
}

/// Lower case, no accents, ligatures spelled out.
pub fn fold(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.nfkd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            'œ' | 'Œ' => out.push_str("oe"),
            'æ' | 'Æ' => out.push_str("ae"),
            'ß' => out.push_str("ss"),
            'ø' | 'Ø' => out.push('o'),
            'đ' | 'Đ' => out.push('d'),
            'ł' | 'Ł' => out.push('l'),
            _ => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// The words of a text, in order, with elisions and possessives dropped.
pub fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if !is_word_char(c) {
            continue;
        }
        let mut end = start + c.len_utf8();
        while let Some(&(i, c)) = chars.peek() {
            if is_word_char(c) {
                end = i + c.len_utf8();
                chars.next();
            } else {
                break;
            }
        }
        let folded = fold(&text[start..end]);
        // An apostrophe directly followed by a letter: elision or possessive.
        let mut elided = false;
        if let Some(&(i, c)) = chars.peek()
            && is_apostrophe(c)
        {
            let after = &text[i + c.len_utf8()..];
            let next = after.chars().next();
            if next.is_some_and(is_word_char) {
                if ELISIONS.contains(&folded.as_str()) {
                    elided = true;
                } else if after.starts_with(['s', 'S'])
                    && !after.chars().nth(1).is_some_and(is_word_char)
                {
                    // English possessive: skip the apostrophe and the s.
                    chars.next();
                    chars.next();
                }
            }
        }
        if elided || folded.is_empty() {
            continue;
        }
        let folded: String = folded.chars().take(MAX_TOKEN_CHARS).collect();
        out.push(Word { start, end, folded });
    }
    out
}

/// Plurals in -x that are not -eaux / -aux → -al (folded forms).
const X_PLURALS: &[(&str, &str)] = &[
    ("jeux", "jeu"),
    ("enjeux", "enjeu"),
    ("lieux", "lieu"),
    ("milieux", "milieu"),
    ("feux", "feu"),
    ("cheveux", "cheveu"),
    ("neveux", "neveu"),
    ("voeux", "voeu"),
    ("aveux", "aveu"),
    ("adieux", "adieu"),
    ("essieux", "essieu"),
    ("bijoux", "bijou"),
    ("cailloux", "caillou"),
    ("choux", "chou"),
    ("genoux", "genou"),
    ("hiboux", "hibou"),
    ("joujoux", "joujou"),
    ("poux", "pou"),
    ("travaux", "travail"),
    ("baux", "bail"),
    ("vitraux", "vitrail"),
    ("coraux", "corail"),
    ("emaux", "email"),
];

/// French plural to singular, before Snowball (which keeps the `s` after a
/// vowel: `velos` would not meet `velo`). Applied identically to the index
/// and the query, so a little over-reach is harmless.
fn french_singular(w: &str) -> std::borrow::Cow<'_, str> {
    if w.len() <= 3 || !w.is_ascii() {
        return w.into();
    }
    // Nouns whose plural takes an x after -eu / -ou (a closed list: the
    // adjectives in -eux / -oux — heureux, jaloux — are singular too and
    // must keep meeting their feminine through Snowball), and irregular
    // -aux plurals common here.
    if let Some(singular) = X_PLURALS.iter().find(|(p, _)| *p == w).map(|(_, s)| *s) {
        return singular.into();
    }
    if let Some(stem) = w.strip_suffix("eaux") {
        return format!("{stem}eau").into();
    }
    if let Some(stem) = w.strip_suffix("aux") {
        return format!("{stem}al").into();
    }
    if w.ends_with('s') && !w.ends_with("ss") {
        return w[..w.len() - 1].to_string().into();
    }
    w.into()
}

pub fn stem(folded: &str, lang: Lang) -> String {
    match lang {
        Lang::Fr => FR.stem(&french_singular(folded)).into_owned(),
        Lang::En => EN.stem(folded).into_owned(),
    }
}

/// Both stems of a query word (one when they agree).
pub fn stems_both(folded: &str) -> Vec<String> {
    let fr = stem(folded, Lang::Fr);
    let en = stem(folded, Lang::En);
    if fr == en { vec![fr] } else { vec![fr, en] }
}

/// The index form of a text: its stems, space separated, in order (so
/// phrase queries can match positions).
pub fn index_terms(text: &str, lang: Lang) -> String {
    let mut out = String::with_capacity(text.len() / 2);
    for w in words(text) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&stem(&w.folded, lang));
    }
    out
}

/// The language of a text from its common words, else `fallback`.
pub fn detect(text: &str, fallback: Lang) -> Lang {
    let (mut fr, mut en) = (0u32, 0u32);
    for w in words(text).into_iter().take(400) {
        if MARK_FR.contains(&w.folded.as_str()) {
            fr += 1;
        }
        if MARK_EN.contains(&w.folded.as_str()) {
            en += 1;
        }
    }
    if fr == 0 && en == 0 {
        fallback
    } else if en > fr {
        Lang::En
    } else if fr > en {
        Lang::Fr
    } else {
        fallback
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(text: &str) -> Vec<String> {
        words(text).into_iter().map(|w| w.folded).collect()
    }

    #[test]
    fn folds_accents_and_ligatures() {
        assert_eq!(fold("Évènement"), "evenement");
        assert_eq!(fold("ŒUVRE"), "oeuvre");
        assert_eq!(fold("œuvre"), fold("oeuvre"));
        assert_eq!(fold("ﬁnance"), "finance");
        assert_eq!(fold("Québec"), "quebec");
    }

    #[test]
    fn splits_elisions_hyphens_possessives() {
        assert_eq!(folded("l'économie sociale"), ["economie", "sociale"]);
        assert_eq!(folded("L’Économie"), ["economie"]);
        assert_eq!(folded("jusqu'à demain"), ["a", "demain"]);
        assert_eq!(
            folded("Saint-Jean-sur-Richelieu"),
            ["saint", "jean", "sur", "richelieu"]
        );
        assert_eq!(folded("the community's plan"), ["the", "community", "plan"]);
        assert_eq!(folded("aujourd'hui"), ["aujourd", "hui"]);
        assert_eq!(folded("  ,;!  "), Vec::<String>::new());
    }

    #[test]
    fn byte_spans_point_into_the_source() {
        let text = "Vélo-partage à l'école";
        let ws = words(text);
        let spans: Vec<&str> = ws.iter().map(|w| &text[w.start..w.end]).collect();
        assert_eq!(spans, ["Vélo", "partage", "à", "école"]);
    }

    #[test]
    fn french_variants_share_a_stem() {
        let s = |w: &str| stem(&fold(w), Lang::Fr);
        assert_eq!(s("vélo"), s("vélos"));
        assert_eq!(s("événement"), s("évènements"));
        assert_eq!(s("événement"), s("evenement"));
        assert_eq!(s("coopérative"), s("cooperatives"));
        assert_eq!(s("œuvre"), s("oeuvres"));
        assert_eq!(s("sociale"), s("sociales"));
        assert_eq!(s("journal"), s("journaux"));
        assert_eq!(s("bateau"), s("bateaux"));
    }

    #[test]
    fn english_variants_share_a_stem() {
        let s = |w: &str| stem(&fold(w), Lang::En);
        assert_eq!(s("community"), s("communities"));
        assert_eq!(s("housing"), s("house"));
    }

    #[test]
    fn detects_language() {
        assert_eq!(
            detect(
                "Le projet de la coopérative est une réussite pour nous",
                Lang::En
            ),
            Lang::Fr
        );
        assert_eq!(
            detect(
                "The project is a success for the community and the city",
                Lang::Fr
            ),
            Lang::En
        );
        assert_eq!(detect("Montréal 2026", Lang::En), Lang::En);
    }

    #[test]
    fn index_terms_keep_order() {
        assert_eq!(
            index_terms("Vélos et cyclistes", Lang::Fr),
            format!(
                "{} et {}",
                stem("velos", Lang::Fr),
                stem("cyclistes", Lang::Fr)
            )
        );
    }

    #[test]
    fn x_plurals_meet_their_singular_and_adjectives_their_feminine() {
        for (plural, singular) in [
            ("enjeux", "enjeu"),
            ("lieux", "lieu"),
            ("jeux", "jeu"),
            ("milieux", "milieu"),
            ("genoux", "genou"),
            ("travaux", "travail"),
            ("reseaux", "reseau"),
            ("regionaux", "regional"),
        ] {
            assert_eq!(
                stem(plural, Lang::Fr),
                stem(singular, Lang::Fr),
                "{plural} / {singular}"
            );
        }
        // Adjectives in -eux / -oux stay with their feminine forms.
        for (m, f) in [
            ("heureux", "heureuse"),
            ("nombreux", "nombreuses"),
            ("odieux", "odieuse"),
        ] {
            assert_eq!(stem(m, Lang::Fr), stem(f, Lang::Fr), "{m} / {f}");
        }
        // Through the query path too: both languages' stems are tried.
        assert!(stems_both("enjeux").contains(&stem("enjeu", Lang::Fr)));
    }
}
