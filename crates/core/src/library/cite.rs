//! Citation exports of resources, so researchers pull a library or a
//! dossier into Zotero: BibTeX, RIS and CSL-JSON. Each is read back in the
//! tests by an independent parser (`bibtexparser`, `rispy`, `citeproc-py`).

use serde_json::{Value, json};

use super::Resource;

/// What an export needs beside the resource: its absolute URL and subjects.
pub struct Entry<'a> {
    pub r: &'a Resource,
    /// The resource's permanent page, absolute.
    pub url: String,
    /// Subject labels.
    pub keywords: Vec<String>,
}

/// Entries for `items`: absolute URLs under `public_url`, subject labels
/// in English when `english` (French otherwise, or when there is none).
pub async fn entries<'a>(
    db: &crate::db::Db,
    public_url: &str,
    items: &'a [Resource],
    english: bool,
) -> Result<Vec<Entry<'a>>, sqlx::Error> {
    let mut out = Vec::new();
    for r in items {
        let keywords = super::subjects_of(db, r.id)
            .await?
            .into_iter()
            .map(|(_, fr, en)| if english && !en.is_empty() { en } else { fr })
            .collect();
        out.push(Entry {
            r,
            url: crate::urls::absolute(public_url, &r.path()),
            keywords,
        });
    }
    Ok(out)
}

fn month(issued: &str) -> Option<u8> {
    issued.get(5..7).and_then(|m| m.parse().ok())
}

fn day(issued: &str) -> Option<u8> {
    issued.get(8..10).and_then(|d| d.parse().ok())
}

/// (family, given) for "Family, Given"; `None` for a name without a comma
/// (an organisation, or a name given whole).
fn split_name(name: &str) -> Option<(String, String)> {
    let (f, g) = name.split_once(',')?;
    let (f, g) = (f.trim(), g.trim());
    (!f.is_empty() && !g.is_empty()).then(|| (f.to_string(), g.to_string()))
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

// ---- BibTeX ----------------------------------------------------------------------------

/// A value inside braces: LaTeX's special characters escaped.
fn bib_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in one_line(s).chars() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '{' | '}' | '%' | '&' | '$' | '#' | '_' => {
                out.push('\\');
                out.push(c);
            }
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn bib_type(kind: &str) -> &'static str {
    match kind {
        "report" | "synthesis" => "techreport",
        "guide" => "manual",
        _ => "misc",
    }
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

pub fn bibtex_entry(e: &Entry) -> String {
    let r = e.r;
    let mut fields: Vec<(&str, String)> = vec![("title", bib_escape(&r.title))];
    if !r.creators.is_empty() {
        let names: Vec<String> = r
            .creators
            .iter()
            .map(|n| match split_name(n) {
                Some((f, g)) => format!("{}, {}", bib_escape(&f), bib_escape(&g)),
                // A corporate name is one name: braces keep it whole.
                None => format!("{{{}}}", bib_escape(n)),
            })
            .collect();
        fields.push(("author", names.join(" and ")));
    }
    if !r.publisher.is_empty() {
        let f = if bib_type(&r.kind) == "techreport" {
            "institution"
        } else {
            "publisher"
        };
        fields.push((f, bib_escape(&r.publisher)));
    }
    if let Some(y) = r.year {
        fields.push(("year", y.to_string()));
    }
    if !r.language.is_empty() {
        fields.push(("language", bib_escape(&r.language)));
    }
    let url = if r.source_url.is_empty() {
        &e.url
    } else {
        &r.source_url
    };
    // URLs are already percent-encoded and carry no braces.
    fields.push(("url", url.replace(['{', '}'], "")));
    if !e.keywords.is_empty() {
        fields.push(("keywords", bib_escape(&e.keywords.join(", "))));
    }
    if !r.licence.is_empty() {
        fields.push(("copyright", bib_escape(&r.licence)));
    }
    if !r.description.is_empty() {
        fields.push(("abstract", bib_escape(&r.description)));
    }
    let mut s = format!("@{}{{passerelles{},\n", bib_type(&r.kind), r.id);
    for (k, v) in &fields {
        s.push_str(&format!("  {k} = {{{v}}},\n"));
    }
    if let Some(m) = month(&r.issued).filter(|m| (1..=12).contains(m)) {
        s.push_str(&format!("  month = {},\n", MONTHS[(m - 1) as usize]));
    }
    s.push_str("}\n");
    s
}

pub fn bibtex(entries: &[Entry]) -> String {
    entries
        .iter()
        .map(bibtex_entry)
        .collect::<Vec<_>>()
        .join("\n")
}

// ---- RIS -------------------------------------------------------------------------------

fn ris_type(kind: &str) -> &'static str {
    match kind {
        "report" | "synthesis" => "RPRT",
        "funding" => "GRANT",
        "podcast" => "SOUND",
        "video" => "VIDEO",
        "interview" => "PCOMM",
        _ => "GEN",
    }
}

pub fn ris_entry(e: &Entry) -> String {
    let r = e.r;
    let mut lines: Vec<(&str, String)> = vec![
        ("TY", ris_type(&r.kind).to_string()),
        ("ID", format!("passerelles{}", r.id)),
        ("TI", one_line(&r.title)),
    ];
    for a in &r.creators {
        lines.push(("AU", one_line(a)));
    }
    if !r.publisher.is_empty() {
        lines.push(("PB", one_line(&r.publisher)));
    }
    if let Some(y) = r.year {
        lines.push(("PY", y.to_string()));
        let d = match (month(&r.issued), day(&r.issued)) {
            (Some(m), Some(d)) => format!("{y}/{m:02}/{d:02}"),
            (Some(m), None) => format!("{y}/{m:02}"),
            _ => format!("{y}"),
        };
        lines.push(("DA", d));
    }
    if !r.language.is_empty() {
        lines.push(("LA", r.language.clone()));
    }
    lines.push((
        "UR",
        if r.source_url.is_empty() {
            e.url.clone()
        } else {
            r.source_url.clone()
        },
    ));
    if !r.source_url.is_empty() {
        lines.push(("L2", e.url.clone()));
    }
    for k in &e.keywords {
        lines.push(("KW", one_line(k)));
    }
    if !r.description.is_empty() {
        lines.push(("AB", one_line(&r.description)));
    }
    if !r.licence.is_empty() {
        lines.push(("N1", one_line(&r.licence)));
    }
    let mut s = String::new();
    for (tag, v) in lines {
        s.push_str(&format!("{tag}  - {v}\r\n"));
    }
    s.push_str("ER  - \r\n");
    s
}

pub fn ris(entries: &[Entry]) -> String {
    entries
        .iter()
        .map(ris_entry)
        .collect::<Vec<_>>()
        .join("\r\n")
}

// ---- CSL-JSON --------------------------------------------------------------------------

fn csl_type(kind: &str) -> &'static str {
    match kind {
        "report" | "synthesis" => "report",
        "interview" => "interview",
        "podcast" => "broadcast",
        "video" => "motion_picture",
        "guide" => "book",
        _ => "document",
    }
}

pub fn csl_item(e: &Entry) -> Value {
    let r = e.r;
    let mut o = serde_json::Map::new();
    o.insert("id".into(), json!(format!("passerelles{}", r.id)));
    o.insert("type".into(), json!(csl_type(&r.kind)));
    o.insert("title".into(), json!(r.title));
    if !r.creators.is_empty() {
        let authors: Vec<Value> = r
            .creators
            .iter()
            .map(|n| match split_name(n) {
                Some((f, g)) => json!({"family": f, "given": g}),
                None => json!({"literal": n}),
            })
            .collect();
        o.insert("author".into(), Value::Array(authors));
    }
    if !r.publisher.is_empty() {
        o.insert("publisher".into(), json!(r.publisher));
    }
    if let Some(y) = r.year {
        let mut parts = vec![y];
        if let Some(m) = month(&r.issued) {
            parts.push(m as i64);
            if let Some(d) = day(&r.issued) {
                parts.push(d as i64);
            }
        }
        o.insert("issued".into(), json!({"date-parts": [parts]}));
    }
    if !r.language.is_empty() {
        o.insert("language".into(), json!(r.language));
    }
    o.insert(
        "URL".into(),
        json!(if r.source_url.is_empty() {
            &e.url
        } else {
            &r.source_url
        }),
    );
    if !e.keywords.is_empty() {
        o.insert("keyword".into(), json!(e.keywords.join(", ")));
    }
    if !r.description.is_empty() {
        o.insert("abstract".into(), json!(r.description));
    }
    if !r.licence.is_empty() {
        o.insert("license".into(), json!(r.licence));
    }
    Value::Object(o)
}

pub fn csl_json(entries: &[Entry]) -> Value {
    Value::Array(entries.iter().map(csl_item).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_latex_and_keeps_corporate_names_whole() {
        assert_eq!(
            bib_escape("R&D {50 %} a_b\nc"),
            "R\\&D \\{50 \\%\\} a\\_b c"
        );
        assert_eq!(
            split_name("Tremblay, Marie"),
            Some(("Tremblay".into(), "Marie".into()))
        );
        assert_eq!(split_name("Chantier de l'économie sociale"), None);
    }
}
