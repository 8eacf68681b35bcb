//! The lexicon as SKOS: one `skos:ConceptScheme` (the instance's lexicon)
//! and one `skos:Concept` per accepted term, with preferred labels in
//! French and English, alternative labels, definitions, broader / narrower
//! / related links; as Turtle and as JSON-LD. Read back in the tests by
//! `rdflib`.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::Term;

pub const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";

/// The IRI of the scheme and of a term, under the instance's public URL.
pub fn scheme_iri(public_url: &str) -> String {
    crate::urls::absolute(public_url, &crate::urls::lexicon())
}
pub fn term_iri(public_url: &str, slug: &str) -> String {
    crate::urls::absolute(public_url, &crate::urls::term(slug))
}

fn ttl_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn ttl_iri(iri: &str) -> String {
    // Our IRIs are built from the public URL and slugs; anything Turtle
    // forbids in an IRI is percent-encoded all the same.
    let mut out = String::from("<");
    for c in iri.chars() {
        if c <= ' ' || matches!(c, '<' | '>' | '"' | '{' | '}' | '|' | '^' | '`' | '\\') {
            for b in c.to_string().bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out.push('>');
    out
}

/// Broader, narrower and related IRIs per term id.
fn links(
    terms: &[Term],
    relations: &[(i64, i64, String)],
    public_url: &str,
) -> HashMap<i64, (Vec<String>, Vec<String>, Vec<String>)> {
    let iri: HashMap<i64, String> = terms
        .iter()
        .map(|t| (t.id, term_iri(public_url, &t.slug)))
        .collect();
    let mut out: HashMap<i64, (Vec<String>, Vec<String>, Vec<String>)> = HashMap::new();
    for (a, b, kind) in relations {
        let (Some(ia), Some(ib)) = (iri.get(a), iri.get(b)) else {
            continue;
        };
        if kind == "broader" {
            out.entry(*a).or_default().0.push(ib.clone());
            out.entry(*b).or_default().1.push(ia.clone());
        } else {
            out.entry(*a).or_default().2.push(ib.clone());
            out.entry(*b).or_default().2.push(ia.clone());
        }
    }
    out
}

pub fn turtle(
    terms: &[Term],
    relations: &[(i64, i64, String)],
    public_url: &str,
    title: &str,
) -> String {
    let scheme = scheme_iri(public_url);
    let mut s = String::from(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n@prefix dct: <http://purl.org/dc/terms/> .\n\n",
    );
    s.push_str(&format!(
        "{} a skos:ConceptScheme ;\n    dct:title {}@fr .\n",
        ttl_iri(&scheme),
        ttl_string(title)
    ));
    let l = links(terms, relations, public_url);
    for t in terms {
        let mut props: Vec<String> = vec![
            "a skos:Concept".into(),
            format!("skos:inScheme {}", ttl_iri(&scheme)),
            format!("skos:prefLabel {}@fr", ttl_string(&t.pref_fr)),
        ];
        if !t.pref_en.is_empty() {
            props.push(format!("skos:prefLabel {}@en", ttl_string(&t.pref_en)));
        }
        for a in &t.alt_labels {
            props.push(format!("skos:altLabel {}@fr", ttl_string(a)));
        }
        if !t.definition_fr.is_empty() {
            props.push(format!(
                "skos:definition {}@fr",
                ttl_string(&t.definition_fr)
            ));
        }
        if !t.definition_en.is_empty() {
            props.push(format!(
                "skos:definition {}@en",
                ttl_string(&t.definition_en)
            ));
        }
        for src in &t.sources {
            props.push(format!("dct:source {}", ttl_string(src)));
        }
        if let Some((b, n, r)) = l.get(&t.id) {
            for (p, list) in [
                ("skos:broader", b),
                ("skos:narrower", n),
                ("skos:related", r),
            ] {
                for i in list {
                    props.push(format!("{p} {}", ttl_iri(i)));
                }
            }
        }
        s.push_str(&format!(
            "\n{} {} .\n",
            ttl_iri(&term_iri(public_url, &t.slug)),
            props.join(" ;\n    ")
        ));
    }
    s
}

pub fn json_ld(
    terms: &[Term],
    relations: &[(i64, i64, String)],
    public_url: &str,
    title: &str,
) -> Value {
    let scheme = scheme_iri(public_url);
    let l = links(terms, relations, public_url);
    let lit = |v: &str, lang: &str| json!({"@value": v, "@language": lang});
    let ids = |v: &[String]| v.iter().map(|i| json!({"@id": i})).collect::<Vec<_>>();
    let mut graph = vec![json!({
        "@id": scheme,
        "@type": "skos:ConceptScheme",
        "dct:title": lit(title, "fr"),
    })];
    for t in terms {
        let mut pref = vec![lit(&t.pref_fr, "fr")];
        if !t.pref_en.is_empty() {
            pref.push(lit(&t.pref_en, "en"));
        }
        let mut def = Vec::new();
        if !t.definition_fr.is_empty() {
            def.push(lit(&t.definition_fr, "fr"));
        }
        if !t.definition_en.is_empty() {
            def.push(lit(&t.definition_en, "en"));
        }
        let (b, n, r) = l.get(&t.id).cloned().unwrap_or_default();
        graph.push(json!({
            "@id": term_iri(public_url, &t.slug),
            "@type": "skos:Concept",
            "skos:inScheme": {"@id": scheme},
            "skos:prefLabel": pref,
            "skos:altLabel": t.alt_labels.iter().map(|a| lit(a, "fr")).collect::<Vec<_>>(),
            "skos:definition": def,
            "dct:source": t.sources,
            "skos:broader": ids(&b),
            "skos:narrower": ids(&n),
            "skos:related": ids(&r),
        }));
    }
    json!({
        "@context": {"skos": SKOS, "dct": "http://purl.org/dc/terms/"},
        "@graph": graph,
    })
}
