//! SKOS import (JSON-LD and Turtle): one instance's lexicon export starts another's,
//! relations included, with a report per concept (created, already there,
//! refused and why); importing again changes nothing.

use passerelles::actor::Actor;
use passerelles::lexicon::Values;
use passerelles::lexicon::import::{self, Outcome};

use crate::harness::TestApp;
use crate::writing::get;

#[tokio::test]
async fn a_skos_export_starts_another_lexicon_with_a_report_per_concept() {
    let source = TestApp::spawn().await;
    for (fr, en, alt, broader) in [
        ("Économie sociale", "Social economy", "ESS", ""),
        ("Coopérative", "Co-operative", "coop", "economie-sociale"),
    ] {
        passerelles::lexicon::ops::propose(
            &source.state,
            &Actor::CLI,
            &Values {
                pref_fr: fr.into(),
                pref_en: en.into(),
                alt_labels: alt.into(),
                broader: broader.into(),
                ..Values::default()
            },
        )
        .await
        .expect("term");
    }
    let (s, body) = get(&source.client(), source.at("/lexicon.jsonld")).await;
    assert_eq!(s, 200);
    // A concept without any label, appended to the export, is refused.
    let mut doc: serde_json::Value = serde_json::from_str(&body).expect("json-ld");
    doc["@graph"]
        .as_array_mut()
        .expect("graph")
        .push(serde_json::json!({"@id": "http://ailleurs/vide", "@type": "skos:Concept"}));
    let concepts = import::parse_json_ld(&doc.to_string()).expect("parse");
    assert_eq!(concepts.len(), 3);

    let target = TestApp::spawn().await;
    let report = import::import(&target.state, &Actor::CLI, &concepts).await;
    // The export lists terms by label; find each concept by its IRI.
    let outcome = |end: &str| {
        report
            .iter()
            .find(|(name, _)| name.ends_with(end))
            .map(|(_, o)| o.clone())
            .unwrap_or_else(|| panic!("no line for {end}: {report:?}"))
    };
    assert_eq!(report.len(), 3);
    assert_eq!(
        outcome("/lexicon/economie-sociale"),
        Outcome::Created("economie-sociale".into())
    );
    assert_eq!(
        outcome("/lexicon/cooperative"),
        Outcome::Created("cooperative".into())
    );
    assert!(
        matches!(outcome("http://ailleurs/vide"), Outcome::Refused(why) if why.contains("pref_fr")),
        "{report:?}"
    );
    // The relation came along; the synonym finds the term.
    let (s, page) = get(&target.client(), target.at("/lexicon/cooperative")).await;
    assert_eq!(s, 200);
    assert!(
        page.contains("href=\"/lexicon/economie-sociale\""),
        "broader kept"
    );
    let (_, list) = get(&target.client(), target.at("/lexicon?q=ESS")).await;
    assert!(list.contains("/lexicon/economie-sociale"));

    // Again: nothing new.
    let again = import::import(&target.state, &Actor::CLI, &concepts[..2]).await;
    assert!(
        again.iter().all(|(_, o)| matches!(o, Outcome::Exists(_))),
        "{again:?}"
    );
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM lexicon_terms")
        .fetch_one(&target.state.db.pool)
        .await
        .expect("count");
    assert_eq!(n, 2);
}

/// The Turtle export of one instance starts another's lexicon through the
/// Turtle reader (`oxttl`), relations and synonyms included.
#[tokio::test]
async fn a_turtle_export_starts_another_lexicon() {
    let source = TestApp::spawn().await;
    for (fr, en, alt, broader) in [
        (
            "Économie sociale",
            "Social economy",
            "ESS\n\"économie\" solidaire",
            "",
        ),
        ("Coopérative", "Co-operative", "coop", "economie-sociale"),
        ("Mutuelle", "", "", "economie-sociale"),
    ] {
        passerelles::lexicon::ops::propose(
            &source.state,
            &Actor::CLI,
            &Values {
                pref_fr: fr.into(),
                pref_en: en.into(),
                alt_labels: alt.into(),
                broader: broader.into(),
                ..Values::default()
            },
        )
        .await
        .expect("term");
    }
    let (s, ttl) = get(&source.client(), source.at("/lexicon.ttl")).await;
    assert_eq!(s, 200);
    let concepts = import::parse(&ttl).expect("our Turtle reads back");
    assert_eq!(concepts.len(), 3, "{concepts:?}");
    let ess = concepts
        .iter()
        .find(|c| c.pref_fr == "Économie sociale")
        .expect("ess");
    assert_eq!(ess.pref_en, "Social economy");
    assert!(
        ess.alt.contains(&"\"économie\" solidaire".to_string()),
        "{ess:?}"
    );

    let target = TestApp::spawn().await;
    let report = import::import(&target.state, &Actor::CLI, &concepts).await;
    assert!(
        report.iter().all(|(_, o)| matches!(o, Outcome::Created(_))),
        "{report:?}"
    );
    let (_, page) = get(&target.client(), target.at("/lexicon/mutuelle")).await;
    assert!(
        page.contains("href=\"/lexicon/economie-sociale\""),
        "broader kept"
    );
    let (_, list) = get(&target.client(), target.at("/lexicon?q=coop")).await;
    assert!(list.contains("/lexicon/cooperative"));
    // Not Turtle: a readable reason, nothing imported.
    let err = import::parse(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n<a> skos:prefLabel \"x",
    )
    .unwrap_err();
    assert!(err.starts_with("not Turtle"), "{err}");
}
