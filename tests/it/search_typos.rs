//! "Vouliez-vous dire …?": a query with a typo that finds nothing offers
//! the corrected query from the index's own vocabulary — only when the
//! correction finds something this viewer may see (a word used only in a
//! private community is never suggested to outsiders), on the page and in
//! the API. And French -x plurals find their singular.

use passerelles::policy::Visibility;

use crate::harness::TestApp;
use crate::search::{api_search, community, join, page, publish, q, token_for};

#[tokio::test]
async fn a_typo_offers_the_corrected_query_only_when_the_viewer_may_see_its_results() {
    let app = TestApp::spawn().await;
    let owner = app.create_user("animatrice", false).await;
    let member = app.create_user("membre", false).await;
    let outsider = app.create_user("passant", false).await;
    let open = community(&app, &owner, "ouverte", Visibility::Open).await;
    let private = community(&app, &owner, "privee", Visibility::Private).await;
    join(&app, &open, &member).await;
    join(&app, &private, &member).await;
    let (ot, mt, xt) = (
        token_for(&app, &owner).await,
        token_for(&app, &member).await,
        token_for(&app, &outsider).await,
    );
    publish(
        &app,
        &ot,
        "discussion",
        "Cuisine collective du quartier",
        "Nos enjeux : trouver des lieux pour cuisiner ensemble.",
        &[],
        &["ouverte"],
    )
    .await;
    publish(
        &app,
        &ot,
        "discussion",
        "Permaculture urbaine",
        "Le compostage thermophile en hiver.",
        &[],
        &["privee"],
    )
    .await;
    // Before the vocabulary is read, nothing is suggested (no request-path work).
    let (s, v) = api_search(&app, None, &q("cuisine colective")).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["total"], 0, "the typo finds nothing by itself: {v}");
    assert!(v["suggestion"].is_null(), "{v}");

    let read = passerelles::search::vocab::refresh(&app.state.db)
        .await
        .unwrap();
    assert!(read >= 2, "the new entries are read: {read}");
    assert_eq!(
        passerelles::search::vocab::refresh(&app.state.db)
            .await
            .unwrap(),
        0,
        "a second refresh reads nothing new"
    );

    // Anonymous, API and page.
    let (_, v) = api_search(&app, None, &q("cuisine colective")).await;
    assert_eq!(v["suggestion"], "cuisine collective", "{v}");
    let (s, html) = page(
        &app.client(),
        app.at(&format!("/search?{}", q("cuisine colective"))),
    )
    .await;
    assert_eq!(s, 200);
    assert!(html.contains("Vouliez-vous dire"), "{html}");
    assert!(
        html.contains("href=\"/search?q=cuisine+collective\""),
        "the suggestion links to its results: {html}"
    );
    // The link finds the publication.
    let (_, v) = api_search(&app, None, &q("cuisine collective")).await;
    assert_eq!(v["total"], 1, "{v}");
    assert!(
        v["suggestion"].is_null(),
        "no suggestion when something is found"
    );

    // Only plain queries are corrected; known words are left alone.
    let (_, v) = api_search(&app, None, &q("\"cuisine colective\"")).await;
    assert!(v["suggestion"].is_null(), "{v}");

    // A word used only in a private community: suggested to its member,
    // never to an outsider or an anonymous visitor.
    let (_, v) = api_search(&app, Some(&mt), &q("permacalture urbaine")).await;
    assert_eq!(v["suggestion"], "permaculture urbaine", "member: {v}");
    for (who, token) in [("outsider", Some(xt.as_str())), ("anonymous", None)] {
        let (_, v) = api_search(&app, token, &q("permacalture urbaine")).await;
        assert_eq!(v["total"], 0, "{who}: {v}");
        assert!(v["suggestion"].is_null(), "{who} learns nothing: {v}");
    }
    let (_, html) = page(
        &app.client(),
        app.at(&format!("/search?{}", q("permacalture"))),
    )
    .await;
    assert!(!html.contains("permaculture"), "the page neither: {html}");

    // -x plurals meet their singular.
    let (_, v) = api_search(&app, None, &q("enjeu lieu")).await;
    assert_eq!(v["total"], 1, "enjeux / lieux found by their singular: {v}");
}
