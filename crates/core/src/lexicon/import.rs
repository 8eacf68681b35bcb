//! SKOS import (Turtle or JSON-LD) so an instance starts from an existing thesaurus:
//! concepts with `skos:prefLabel` (fr, en), `skos:altLabel`,
//! `skos:definition`, `dct:source`, `skos:broader`, `skos:related`, keyed
//! either by the `skos:`/`dct:` prefixes of a compact document (what
//! `skos::json_ld` writes) or by full IRIs (an expanded document); Turtle
//! is read by `oxttl` (Oxigraph's parser) into the same concepts. Each
//! concept becomes a term through `ops::propose` (accepted: the importer
//! is a lexicon editor or the command line), then the relations are set
//! by `ops::edit`; the report says, per concept, what happened and why.

use serde_json::Value;

use super::Values;
use super::ops;
use crate::actor::Actor;
use crate::error::AppError;
use crate::state::AppState;

/// At most this many bytes of JSON-LD and concepts per import.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
pub const MAX_CONCEPTS: usize = 10_000;

const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";
const DCT: &str = "http://purl.org/dc/terms/";

/// One concept as read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Concept {
    pub iri: String,
    pub pref_fr: String,
    pub pref_en: String,
    pub alt: Vec<String>,
    pub definition_fr: String,
    pub definition_en: String,
    pub sources: Vec<String>,
    pub broader: Vec<String>,
    pub related: Vec<String>,
}

/// What became of one concept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Created as the term at this slug.
    Created(String),
    /// A term with this label already exists (its slug): left as it is.
    Exists(String),
    /// Refused: a message key (or a field and its message key).
    Refused(String),
}

fn get<'a>(node: &'a Value, short: &str, ns: &str) -> Option<&'a Value> {
    let local = short.split_once(':').map_or(short, |(_, l)| l);
    node.get(short).or_else(|| node.get(format!("{ns}{local}")))
}

fn as_list(v: Option<&Value>) -> Vec<&Value> {
    match v {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.iter().collect(),
        Some(x) => vec![x],
    }
}

/// (text, language) of a literal: `"x"`, `{"@value": "x", "@language": "fr"}`.
fn literal(v: &Value) -> Option<(String, String)> {
    match v {
        Value::String(s) => Some((s.clone(), String::new())),
        Value::Object(o) => {
            let text = o.get("@value")?.as_str()?.to_string();
            let lang = o
                .get("@language")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_ascii_lowercase();
            Some((text, lang))
        }
        _ => None,
    }
}

fn iri(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("@id")?.as_str().map(str::to_string),
        _ => None,
    }
}

fn is_concept(node: &Value) -> bool {
    as_list(node.get("@type"))
        .iter()
        .filter_map(|t| t.as_str())
        .any(|t| t == "skos:Concept" || t == format!("{SKOS}Concept"))
}

/// Read the concepts of a JSON-LD document (a `@graph`, a list of nodes
/// or one node). The error is a readable reason.
pub fn parse_json_ld(text: &str) -> Result<Vec<Concept>, String> {
    if text.len() > MAX_BYTES {
        return Err(format!(
            "the document is over {} MB",
            MAX_BYTES / (1024 * 1024)
        ));
    }
    let doc: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let nodes: Vec<&Value> = match &doc {
        Value::Array(a) => a.iter().collect(),
        Value::Object(o) => match o.get("@graph") {
            Some(Value::Array(g)) => g.iter().collect(),
            _ => vec![&doc],
        },
        _ => return Err("a JSON-LD document is an object or a list".into()),
    };
    let mut out = Vec::new();
    for node in nodes.into_iter().filter(|n| is_concept(n)) {
        if out.len() >= MAX_CONCEPTS {
            return Err(format!("more than {MAX_CONCEPTS} concepts"));
        }
        let mut c = Concept {
            iri: node
                .get("@id")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            ..Concept::default()
        };
        let mut untagged = Vec::new();
        for (text, lang) in as_list(get(node, "skos:prefLabel", SKOS))
            .into_iter()
            .filter_map(literal)
        {
            match lang.split('-').next().unwrap_or("") {
                "fr" if c.pref_fr.is_empty() => c.pref_fr = text,
                "en" if c.pref_en.is_empty() => c.pref_en = text,
                "" => untagged.push(text),
                _ => {}
            }
        }
        if c.pref_fr.is_empty() {
            c.pref_fr = untagged
                .into_iter()
                .next()
                .unwrap_or_else(|| c.pref_en.clone());
        }
        c.alt = as_list(get(node, "skos:altLabel", SKOS))
            .into_iter()
            .filter_map(literal)
            .map(|(t, _)| t)
            .collect();
        for (text, lang) in as_list(get(node, "skos:definition", SKOS))
            .into_iter()
            .filter_map(literal)
        {
            match lang.split('-').next().unwrap_or("") {
                "en" if c.definition_en.is_empty() => c.definition_en = text,
                "fr" | "" if c.definition_fr.is_empty() => c.definition_fr = text,
                _ => {}
            }
        }
        c.sources = as_list(get(node, "dct:source", DCT))
            .into_iter()
            .filter_map(|v| literal(v).map(|(t, _)| t).or_else(|| iri(v)))
            .collect();
        c.broader = as_list(get(node, "skos:broader", SKOS))
            .into_iter()
            .filter_map(iri)
            .collect();
        c.related = as_list(get(node, "skos:related", SKOS))
            .into_iter()
            .filter_map(iri)
            .collect();
        out.push(c);
    }
    Ok(out)
}

/// Read the concepts of a Turtle document (`oxttl`): every subject typed
/// `skos:Concept`, with the same properties as the JSON-LD reader. The
/// error is a readable reason (the parser's, with its position).
pub fn parse_turtle(text: &str) -> Result<Vec<Concept>, String> {
    use oxrdf::{NamedOrBlankNode, Term};
    if text.len() > MAX_BYTES {
        return Err(format!(
            "the document is over {} MB",
            MAX_BYTES / (1024 * 1024)
        ));
    }
    const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
    // Subjects in the order first seen, their concept and whether typed.
    let mut order: Vec<String> = Vec::new();
    let mut by_subject: std::collections::HashMap<String, (Concept, bool, Vec<String>)> =
        Default::default();
    let mut triples = 0usize;
    for t in oxttl::TurtleParser::new().for_slice(text.as_bytes()) {
        let t = t.map_err(|e| format!("not Turtle: {e}"))?;
        triples += 1;
        if triples > MAX_CONCEPTS * 50 {
            return Err(format!("more than {} statements", MAX_CONCEPTS * 50));
        }
        let subject = match &t.subject {
            NamedOrBlankNode::NamedNode(n) => n.as_str().to_string(),
            NamedOrBlankNode::BlankNode(b) => format!("_:{}", b.as_str()),
        };
        let entry = by_subject.entry(subject.clone()).or_insert_with(|| {
            order.push(subject.clone());
            (
                Concept {
                    iri: if subject.starts_with("_:") {
                        String::new()
                    } else {
                        subject.clone()
                    },
                    ..Concept::default()
                },
                false,
                Vec::new(),
            )
        });
        let (c, typed, untagged) = entry;
        let p = t.predicate.as_str();
        let (text, lang, iri) = match &t.object {
            Term::Literal(l) => (
                l.value().to_string(),
                l.language().unwrap_or("").to_ascii_lowercase(),
                None,
            ),
            Term::NamedNode(n) => (String::new(), String::new(), Some(n.as_str().to_string())),
            _ => (String::new(), String::new(), None),
        };
        let primary = lang.split('-').next().unwrap_or("").to_string();
        let Some(local) = p.strip_prefix(SKOS) else {
            if p == RDF_TYPE && iri.as_deref() == Some(&format!("{SKOS}Concept")) {
                *typed = true;
            } else if p == format!("{DCT}source") {
                if let Some(i) = iri {
                    c.sources.push(i);
                } else if !text.is_empty() {
                    c.sources.push(text);
                }
            }
            continue;
        };
        match (local, iri) {
            ("prefLabel", None) => match primary.as_str() {
                "fr" if c.pref_fr.is_empty() => c.pref_fr = text,
                "en" if c.pref_en.is_empty() => c.pref_en = text,
                "" => untagged.push(text),
                _ => {}
            },
            ("altLabel", None) => c.alt.push(text),
            ("definition", None) => match primary.as_str() {
                "en" if c.definition_en.is_empty() => c.definition_en = text,
                "fr" | "" if c.definition_fr.is_empty() => c.definition_fr = text,
                _ => {}
            },
            ("broader", Some(i)) => c.broader.push(i),
            ("related", Some(i)) => c.related.push(i),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for subject in order {
        let Some((mut c, typed, untagged)) = by_subject.remove(&subject) else {
            continue;
        };
        if !typed {
            continue;
        }
        if out.len() >= MAX_CONCEPTS {
            return Err(format!("more than {MAX_CONCEPTS} concepts"));
        }
        if c.pref_fr.is_empty() {
            c.pref_fr = untagged
                .into_iter()
                .next()
                .unwrap_or_else(|| c.pref_en.clone());
        }
        out.push(c);
    }
    Ok(out)
}

/// Read a SKOS document in either syntax: JSON-LD when it starts as JSON
/// does (`{` or `[`), Turtle otherwise.
pub fn parse(text: &str) -> Result<Vec<Concept>, String> {
    match text.trim_start().chars().next() {
        Some('{') | Some('[') => parse_json_ld(text),
        _ => parse_turtle(text),
    }
}

fn refused(e: AppError) -> Outcome {
    match e {
        AppError::Invalid { fields } => Outcome::Refused(
            fields
                .iter()
                .map(|(f, k)| format!("{f}: {k}"))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        other => Outcome::Refused(other.to_string()),
    }
}

/// Import `concepts`: (the concept's IRI or label, what became of it), in order.
pub async fn import(
    state: &AppState,
    actor: &Actor,
    concepts: &[Concept],
) -> Vec<(String, Outcome)> {
    let mut report = Vec::new();
    // IRI → the slug of the term it is now (created or already there).
    let mut slugs: std::collections::HashMap<String, String> = Default::default();
    for c in concepts {
        let name = if c.iri.is_empty() {
            c.pref_fr.clone()
        } else {
            c.iri.clone()
        };
        let v = Values {
            pref_fr: c.pref_fr.clone(),
            pref_en: c.pref_en.clone(),
            alt_labels: c.alt.join("\n"),
            definition_fr: c.definition_fr.clone(),
            definition_en: c.definition_en.clone(),
            sources: c.sources.join("\n"),
            note: "import SKOS".into(),
            ..Values::default()
        };
        let outcome = match ops::propose(state, actor, &v).await {
            Ok(t) => Outcome::Created(t.slug),
            Err(AppError::Invalid { fields })
                if fields.iter().any(|(_, k)| k == "lexicon-term-exists") =>
            {
                match super::find_accepted(&state.db, &c.pref_fr).await {
                    Ok(Some(id)) => match super::by_id(&state.db, id).await {
                        Ok(Some(t)) => Outcome::Exists(t.slug),
                        _ => Outcome::Refused("lexicon-term-exists".into()),
                    },
                    _ => Outcome::Refused("lexicon-term-exists".into()),
                }
            }
            Err(e) => refused(e),
        };
        if let Outcome::Created(s) | Outcome::Exists(s) = &outcome {
            slugs.insert(c.iri.clone(), s.clone());
        }
        report.push((name, outcome));
    }
    // Then the relations of the terms created, between terms that are there.
    for (i, c) in concepts.iter().enumerate() {
        let Outcome::Created(slug) = &report[i].1 else {
            continue;
        };
        if c.broader.is_empty() && c.related.is_empty() {
            continue;
        }
        let pick = |list: &[String]| {
            list.iter()
                .filter_map(|iri| slugs.get(iri).cloned())
                .filter(|s| s != slug)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let Ok(t) = super::by_slug(&state.db, slug).await else {
            continue;
        };
        let Some(t) = t else { continue };
        let mut v = Values::of(&t, &[]);
        v.broader = pick(&c.broader);
        v.related = pick(&c.related);
        v.note = "import SKOS : relations".into();
        if let Err(e) = ops::edit(state, actor, slug, &v).await {
            report[i].1 = refused(e);
        }
    }
    report
}

/// What the `skos_import` fuzz target drives (and the seeds and
/// regressions in the test suite): a document read into concepts within
/// the bounds, then what was read written back as the instance's own SKOS
/// export (JSON-LD and Turtle) and the JSON-LD read again to the same
/// concepts — before any database work.
pub mod fuzzing {
    use std::collections::{BTreeSet, HashMap};

    use super::{Concept, MAX_BYTES, MAX_CONCEPTS, parse_json_ld};
    use crate::lexicon::{Term, label_keys, skos};

    const BASE: &str = "https://passerelles.example";

    /// The number of concepts read, or `None` for a refused document.
    pub fn check(data: &[u8]) -> Option<usize> {
        let text = std::str::from_utf8(data).ok()?;
        let concepts = match parse_json_ld(text) {
            Ok(c) => c,
            Err(reason) => {
                assert!(!reason.is_empty(), "a refusal says why");
                return None;
            }
        };
        assert!(text.len() <= MAX_BYTES, "an oversized document was read");
        assert!(concepts.len() <= MAX_CONCEPTS, "too many concepts read");
        // Written back as terms: slug `t<n>`, relations between concepts of
        // the document (by the first concept with that IRI).
        let first: HashMap<&str, usize> = concepts
            .iter()
            .enumerate()
            .rev()
            .map(|(i, c)| (c.iri.as_str(), i))
            .collect();
        let terms: Vec<Term> = concepts
            .iter()
            .enumerate()
            .map(|(i, c)| {
                // The label look-up keys never fail on what was read.
                let _ = label_keys(&c.pref_fr, &c.pref_en, &c.alt);
                Term {
                    id: i as i64,
                    slug: format!("t{i}"),
                    pref_fr: c.pref_fr.clone(),
                    pref_en: c.pref_en.clone(),
                    alt_labels: c.alt.clone(),
                    definition_fr: c.definition_fr.clone(),
                    definition_en: c.definition_en.clone(),
                    sectors: Vec::new(),
                    sources: c.sources.clone(),
                    status: "accepted".into(),
                    proposed_by: None,
                    created_at: 0,
                    updated_at: 0,
                }
            })
            .collect();
        let mut relations = Vec::new();
        for (i, c) in concepts.iter().enumerate() {
            for (list, kind) in [(&c.broader, "broader"), (&c.related, "related")] {
                for iri in list {
                    if let Some(&j) = first.get(iri.as_str()) {
                        relations.push((i as i64, j as i64, kind.to_string()));
                    }
                }
            }
        }
        let doc = skos::json_ld(&terms, &relations, BASE, "Lexique").to_string();
        let again = parse_json_ld(&doc).expect("our own export reads back");
        assert_eq!(again.len(), concepts.len(), "every concept exported");
        let iri = |i: i64| skos::term_iri(BASE, &format!("t{i}"));
        for (i, (c, a)) in concepts.iter().zip(&again).enumerate() {
            let back = Concept {
                iri: iri(i as i64),
                broader: Vec::new(),
                related: Vec::new(),
                ..c.clone()
            };
            let read = Concept {
                broader: Vec::new(),
                related: Vec::new(),
                ..a.clone()
            };
            assert_eq!(read, back, "concept {i} changed through the export");
            let set = |v: &[String]| v.iter().cloned().collect::<BTreeSet<_>>();
            let want_broader: BTreeSet<String> = relations
                .iter()
                .filter(|(x, _, k)| *x == i as i64 && k == "broader")
                .map(|(_, y, _)| iri(*y))
                .collect();
            assert_eq!(set(&a.broader), want_broader, "broader of concept {i}");
            let want_related: BTreeSet<String> = relations
                .iter()
                .filter(|(x, y, k)| (*x == i as i64 || *y == i as i64) && k == "related")
                .map(|(x, y, _)| if *x == i as i64 { iri(*y) } else { iri(*x) })
                .collect();
            assert_eq!(set(&a.related), want_related, "related of concept {i}");
        }
        // Turtle: every string quoted and escaped, so no raw line break or
        // control character inside a statement.
        let ttl = skos::turtle(&terms, &relations, BASE, "Lexique");
        assert!(
            !ttl.chars().any(|c| (c < ' ' && c != '\n') || c == '\u{7f}'),
            "a raw control character in the Turtle export"
        );
        Some(concepts.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_compact_and_expanded_concepts_and_refuses_non_json() {
        let compact = r#"{"@context": {"skos": "http://www.w3.org/2004/02/skos/core#"}, "@graph": [
            {"@id": "http://x/s", "@type": "skos:ConceptScheme"},
            {"@id": "http://x/ess", "@type": "skos:Concept",
             "skos:prefLabel": [{"@value": "Économie sociale", "@language": "fr"}, {"@value": "Social economy", "@language": "en"}],
             "skos:altLabel": {"@value": "ESS", "@language": "fr"},
             "skos:broader": [{"@id": "http://x/eco"}]}]}"#;
        let c = parse_json_ld(compact).expect("compact");
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].pref_fr, "Économie sociale");
        assert_eq!(c[0].pref_en, "Social economy");
        assert_eq!(c[0].alt, vec!["ESS".to_string()]);
        assert_eq!(c[0].broader, vec!["http://x/eco".to_string()]);
        let expanded = r#"[{"@id": "http://x/c", "@type": ["http://www.w3.org/2004/02/skos/core#Concept"],
            "http://www.w3.org/2004/02/skos/core#prefLabel": [{"@value": "Coopérative"}],
            "http://www.w3.org/2004/02/skos/core#related": [{"@id": "http://x/ess"}]}]"#;
        let c = parse_json_ld(expanded).expect("expanded");
        assert_eq!(c[0].pref_fr, "Coopérative");
        assert_eq!(c[0].related, vec!["http://x/ess".to_string()]);
        assert!(parse_json_ld("@prefix skos: <x> .").is_err());
        assert!(parse_json_ld("42").is_err());
    }

    #[test]
    fn reads_turtle_concepts_and_refuses_what_is_not_turtle() {
        let ttl = r#"@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
            @prefix dct: <http://purl.org/dc/terms/> .
            <http://x/s> a skos:ConceptScheme .
            <http://x/ess> a skos:Concept ;
                skos:prefLabel "Économie sociale"@fr, "Social economy"@en ;
                skos:altLabel "ESS"@fr ;
                skos:definition "Une économie de personnes."@fr ;
                dct:source <http://x/source> ;
                skos:broader <http://x/eco> .
            <http://x/coop> a skos:Concept ; skos:prefLabel "Coopérative" ;
                skos:related <http://x/ess> .
            <http://x/other> skos:prefLabel "Pas un concept"@fr ."#;
        let c = parse(ttl).expect("turtle");
        assert_eq!(c.len(), 2, "{c:?}");
        assert_eq!(c[0].iri, "http://x/ess");
        assert_eq!(c[0].pref_fr, "Économie sociale");
        assert_eq!(c[0].pref_en, "Social economy");
        assert_eq!(c[0].alt, vec!["ESS".to_string()]);
        assert_eq!(c[0].definition_fr, "Une économie de personnes.");
        assert_eq!(c[0].sources, vec!["http://x/source".to_string()]);
        assert_eq!(c[0].broader, vec!["http://x/eco".to_string()]);
        assert_eq!(c[1].pref_fr, "Coopérative");
        assert_eq!(c[1].related, vec!["http://x/ess".to_string()]);
        assert!(parse("<http://x/a> <http://x/b> .").is_err(), "no object");
        assert!(parse("@prefix skos <x> .").is_err());
        assert!(parse(r#"{"@graph": []}"#).expect("json-ld").is_empty());
    }
}
