//! Search end to end: French and English analysis through the page and the
//! API, filters and counts, hostile queries, the permission policy after
//! every kind of change (removal, visibility change, leaving, deletion),
//! findable members, saved searches with notifications, tag suggestions,
//! OpenSearch, the relevance set and index rebuilds.

use passerelles::accounts::User;
use passerelles::api::tokens;
use passerelles::communities::{self, Community, NewCommunity};
use passerelles::policy::{JoinPolicy, MemberState, Role, Visibility};
use serde_json::{Value, json};

use crate::harness::TestApp;

pub(crate) async fn community(
    app: &TestApp,
    owner: &User,
    slug: &str,
    visibility: Visibility,
) -> Community {
    communities::create(
        &app.state.db,
        owner,
        &NewCommunity {
            name: &format!("Communauté {slug}"),
            slug: Some(slug),
            description: "Un lieu d'échange sur l'économie sociale.",
            theme: "",
            territory: "",
            visibility,
            join_policy: if visibility == Visibility::Open {
                JoinPolicy::Open
            } else {
                JoinPolicy::Request
            },
            request_note: "",
        },
        slug,
        false,
    )
    .await
    .expect("community created")
}

pub(crate) async fn join(app: &TestApp, c: &Community, u: &User) {
    communities::set_membership(
        &app.state.db,
        c.id,
        u.id,
        Role::Member,
        MemberState::Active,
        "",
    )
    .await
    .expect("membership");
    communities::recount(&app.state.db, c.id)
        .await
        .expect("recount");
}

pub(crate) async fn token_for(app: &TestApp, user: &User) -> String {
    tokens::create_token(&app.state.db, user.id, "tests", None)
        .await
        .expect("token")
        .1
}

/// Publish through the API; returns the publication id.
pub(crate) async fn publish(
    app: &TestApp,
    token: &str,
    kind: &str,
    title: &str,
    body: &str,
    tags: &[&str],
    slugs: &[&str],
) -> i64 {
    let res = app
        .client()
        .post(app.at("/api/v1/publications"))
        .bearer_auth(token)
        .json(&json!({"kind": kind, "title": title, "body": body, "tags": tags, "communities": slugs}))
        .send()
        .await
        .expect("post");
    let status = res.status().as_u16();
    let v: Value = res.json().await.expect("json");
    assert_eq!(status, 201, "publish: {v}");
    v["id"].as_i64().expect("id")
}

pub(crate) async fn api_search(app: &TestApp, token: Option<&str>, query: &str) -> (u16, Value) {
    let mut req = app.client().get(app.at(&format!("/api/v1/search?{query}")));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.expect("search");
    let status = res.status().as_u16();
    (status, res.json().await.expect("json"))
}

pub(crate) fn q(s: &str) -> String {
    serde_urlencoded::to_string([("q", s)]).unwrap()
}

/// Titles of the results the API returns for `query` (first page).
async fn titles(app: &TestApp, token: Option<&str>, query: &str) -> Vec<String> {
    let (status, v) = api_search(app, token, query).await;
    assert_eq!(status, 200, "{query}: {v}");
    v["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["title"].as_str().unwrap_or_default().to_string())
        .collect()
}

pub(crate) async fn page(client: &reqwest::Client, url: String) -> (u16, String) {
    let res = client.get(url).send().await.expect("get");
    let status = res.status().as_u16();
    (status, res.text().await.expect("body"))
}

#[tokio::test]
async fn finds_french_and_english_variants_with_filters_and_counts() {
    let app = TestApp::spawn().await;
    let owner = app.create_user("fondatrice", false).await;
    let writer = app.create_user("redacteur", false).await;
    let open = community(&app, &owner, "mobilite", Visibility::Open).await;
    join(&app, &open, &writer).await;
    let wt = token_for(&app, &writer).await;
    let ot = token_for(&app, &owner).await;
    let velo = publish(
        &app,
        &wt,
        "discussion",
        "Les vélos électriques à l'école",
        "Une coopérative de Saint-Jean-sur-Richelieu prête des vélos aux élèves. L'économie sociale en action!",
        &["Mobilité"],
        &["mobilite"],
    )
    .await;
    let question = publish(
        &app,
        &ot,
        "question",
        "Quel événement pour la Journée de l'œuvre?",
        "Nous cherchons des idées pour un evenement culturel.",
        &[],
        &["mobilite"],
    )
    .await;
    let english = publish(
        &app,
        &ot,
        "discussion",
        "Community fridges in Montréal",
        "Our communities share food with the neighbourhoods.",
        &[],
        &["mobilite"],
    )
    .await;
    // A reply is found by its own words and leads to its place in the thread.
    let res = app
        .client()
        .post(app.at(&format!("/api/v1/publications/{velo}/replies")))
        .bearer_auth(&ot)
        .json(&json!({"body": "Le tracteur communautaire pourrait aussi servir."}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);

    // Accents, plurals, ligatures, elisions, hyphens, both languages.
    for (query, expected) in [
        ("velo", "Les vélos électriques à l'école"),
        ("vélos", "Les vélos électriques à l'école"),
        ("cooperatives", "Les vélos électriques à l'école"),
        ("economie sociale", "Les vélos électriques à l'école"),
        ("Saint-Jean", "Les vélos électriques à l'école"),
        (
            "\"saint jean sur richelieu\"",
            "Les vélos électriques à l'école",
        ),
        ("évènements", "Quel événement pour la Journée de l'œuvre?"),
        ("oeuvre", "Quel événement pour la Journée de l'œuvre?"),
        ("community", "Community fridges in Montréal"),
        ("montreal", "Community fridges in Montréal"),
    ] {
        let got = titles(&app, None, &q(query)).await;
        assert!(
            got.contains(&expected.to_string()),
            "{query:?} should find {expected:?}, got {got:?}"
        );
    }
    // Exclusion and phrases that do not occur.
    assert!(
        titles(&app, None, &q("vélos -coopérative"))
            .await
            .is_empty()
    );
    assert!(
        titles(&app, None, &q("\"vélos école\"")).await.is_empty(),
        "not adjacent"
    );
    // Replies: kind, link into the thread, highlighted snippet.
    let (_, v) = api_search(&app, None, &q("tracteurs")).await;
    assert_eq!(v["total"], 1, "{v}");
    let hit = &v["results"][0];
    assert_eq!(hit["kind"], "reply");
    assert!(
        hit["url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("/p/{velo}?reply=")),
        "{hit}"
    );
    assert!(
        hit["snippet_html"]
            .as_str()
            .unwrap()
            .contains("<mark>tracteur</mark>"),
        "{hit}"
    );
    assert_eq!(hit["communities"][0]["slug"], "mobilite");

    // Filters and counts.
    let (_, v) = api_search(&app, None, &q("mobilite")).await;
    assert!(v["total"].as_i64().unwrap() >= 1);
    let (_, v) = api_search(&app, None, &format!("{}&kind=question", q("événement"))).await;
    assert_eq!(v["total"], 1, "{v}");
    assert_eq!(v["results"][0]["id"], question);
    let (_, v) = api_search(&app, None, &format!("{}&kind=reply", q("événement"))).await;
    assert_eq!(v["total"], 0);
    let (_, v) = api_search(&app, None, &format!("{}&tag=mobilit%C3%A9", q("vélo"))).await;
    assert_eq!(v["total"], 1, "{v}");
    let (_, v) = api_search(&app, None, &format!("{}&author=fondatrice", q("tracteur"))).await;
    assert_eq!(v["total"], 1, "the reply by fondatrice: {v}");
    assert_eq!(v["results"][0]["kind"], "reply");
    let (_, v) = api_search(&app, None, &format!("{}&author=fondatrice", q("vélo"))).await;
    assert_eq!(v["total"], 0, "vélo is redacteur's: {v}");
    let (_, v) = api_search(&app, None, &format!("{}&author=redacteur", q("vélo"))).await;
    assert_eq!(v["total"], 1, "{v}");
    let (_, v) = api_search(
        &app,
        None,
        &format!("{}&community=mobilite", q("community")),
    )
    .await;
    assert_eq!(v["results"][0]["id"], english);
    let (_, v) = api_search(&app, None, &format!("{}&from=2999-01-01", q("vélo"))).await;
    assert_eq!(v["total"], 0);
    let (_, v) = api_search(&app, None, &q("vélo école tracteur OR économie")).await;
    assert_eq!(v["total"], 0, "all words are required: {v}");
    let (_, v) = api_search(&app, None, &q("économie sociale")).await;
    let kinds = v["facets"]["kinds"].as_array().unwrap();
    assert!(
        kinds
            .iter()
            .any(|k| k["value"] == "discussion" && k["count"] == 1),
        "{v}"
    );
    assert!(
        kinds.iter().any(|k| k["value"] == "community"),
        "the community's description matches: {v}"
    );
    let comms = v["facets"]["communities"].as_array().unwrap();
    assert_eq!(comms[0]["value"], "mobilite");
    let (_, v) = api_search(&app, None, &format!("{}&sort=date", q("vélo"))).await;
    assert_eq!(v["sort"], "date");
    let (status, v) = api_search(&app, None, &format!("{}&from=demain", q("vélo"))).await;
    assert_eq!(status, 422, "{v}");
    assert!(v["error"]["fields"]["from"].is_string(), "{v}");

    // The page: highlighted title, counts, ordering stated, filters kept.
    let anon = app.client();
    let (status, body) = page(
        &anon,
        app.at(&format!("/search?{}&from=demain", q("vélos"))),
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.contains("<mark>vélos</mark>"), "{body}");
    assert!(body.contains("Triés par pertinence"));
    assert!(
        body.contains("Date invalide"),
        "the refused filter is explained"
    );
    assert!(body.contains("value=\"demain\""), "what was typed is kept");
    let (_, body) = page(&anon, app.at("/c/mobilite")).await;
    assert!(
        body.contains("name=\"community\" value=\"mobilite\""),
        "search within the community"
    );
    let (_, body) = page(
        &anon,
        app.at(&format!("/search?{}&community=mobilite", q("vélo"))),
    )
    .await;
    assert!(
        body.contains("Rechercher dans Communauté mobilite"),
        "{body}"
    );

    // Hostile and degenerate queries: a sensible answer, never a 500.
    for query in [
        String::new(),
        "\"".to_string(),
        "\"économie sociale".to_string(),
        "-".to_string(),
        "- - \"\" ''".to_string(),
        "le la les de".to_string(),
        "-vélo".to_string(),
        "') OR 1=1 --".to_string(),
        "NEAR(vélo école) AND * ^title:x col:y".to_string(),
        "a & b | !c <-> d :*".to_string(),
        "é".repeat(10_000),
        "vélo ".repeat(2_000),
        "\u{1}\u{feff}".to_string(),
    ] {
        let (status, body) = page(&anon, app.at(&format!("/search?{}", q(&query)))).await;
        assert_eq!(
            status,
            200,
            "page for {:?}",
            query.chars().take(40).collect::<String>()
        );
        assert!(!body.contains("error-500"));
        let (status, v) = api_search(&app, None, &q(&query)).await;
        assert_eq!(
            status,
            200,
            "api for {:?}: {v}",
            query.chars().take(40).collect::<String>()
        );
    }
    // U+0000 is refused at the edge on both engines (issue 12), naming `q`.
    let (status, body) = page(&anon, app.at(&format!("/search?{}", q("\u{0}\u{1}")))).await;
    assert_eq!(status, 422);
    assert!(body.contains("<code>q</code>"), "{body}");
    let (status, v) = api_search(&app, None, &q("vélo\u{0}")).await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (422, Some("invalid")),
        "{v}"
    );
    assert!(v["error"]["fields"]["q"].is_string(), "{v}");
    let (_, v) = api_search(&app, None, &q("le la les")).await;
    assert_eq!(v["note"], "search-note-stopwords");
    let (_, v) = api_search(&app, None, &q("")).await;
    assert_eq!(v["note"], "search-note-empty");
    let (_, v) = api_search(&app, None, &q(&"vélo ".repeat(2_000))).await;
    assert_eq!(v["note"], "search-note-truncated");
    assert_eq!(v["total"], 1, "still searched: {v}");
    let (_, body) = page(&anon, app.at(&format!("/search?{}", q("-vélo")))).await;
    assert!(body.contains("seulement des exclusions"), "explained");

    // Rebuilding the index from scratch gives the same answers.
    let before = titles(&app, None, &q("vélo")).await;
    sqlx::query("DELETE FROM search_docs")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    if app.state.db.backend == passerelles::db::Backend::Sqlite {
        sqlx::query("INSERT INTO search_fts (search_fts) VALUES ('delete-all')")
            .execute(&app.state.db.pool)
            .await
            .unwrap();
    }
    assert!(
        titles(&app, None, &q("vélo")).await.is_empty(),
        "the index was emptied"
    );
    let stats = passerelles::search::reindex_all(&app.state.db)
        .await
        .unwrap();
    assert!(
        stats.docs >= 5,
        "3 publications, 1 reply, 1 community: {stats:?}"
    );
    assert_eq!(titles(&app, None, &q("vélo")).await, before);

    // OpenSearch and tag suggestions (plain form and API).
    let (status, xml) = page(&anon, app.at("/opensearch.xml")).await;
    assert_eq!(status, 200);
    assert!(xml.contains("/search?q={searchTerms}"), "{xml}");
    let (_, home) = page(&anon, app.at("/")).await;
    assert!(home.contains("rel=\"search\" type=\"application/opensearchdescription+xml\""));
    assert!(
        home.contains("action=\"/search\""),
        "search box in the header"
    );
    let (_, tags) = page(&anon, app.at("/tags?q=mob")).await;
    assert!(
        // Tag keys fold accents (issue 13); the label keeps them.
        tags.contains("href=\"/tags/mobilite\">Mobilité</a>"),
        "{tags}"
    );
    let v: Value = app
        .client()
        .get(app.at("/api/v1/tags?q=MOB"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v[0]["name"], "mobilite", "{v}");
    assert_eq!(v[0]["label"], "Mobilité", "{v}");
    assert_eq!(v[0]["count"], 1);
    let v: Value = app
        .client()
        .get(app.at("/api/v1/tags?q=zzz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v, json!([]));
}

#[tokio::test]
async fn results_follow_the_policy_after_every_change() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("gardienne", true).await;
    let owner = app.create_user("proprio", false).await;
    let member = app.create_user("membre", false).await;
    let outsider = app.create_user("passant", false).await;
    let open = community(&app, &owner, "ouverte", Visibility::Open).await;
    let private = community(&app, &owner, "privee", Visibility::Private).await;
    let unlisted = community(&app, &owner, "discrete", Visibility::Unlisted).await;
    for c in [&open, &private, &unlisted] {
        join(&app, c, &member).await;
    }
    let (at, ot, mt, xt) = (
        token_for(&app, &admin).await,
        token_for(&app, &owner).await,
        token_for(&app, &member).await,
        token_for(&app, &outsider).await,
    );
    let secret = publish(
        &app,
        &ot,
        "discussion",
        "Budget confidentiel",
        "Le mot clé est zanzibar.",
        &[],
        &["privee"],
    )
    .await;
    let both = publish(
        &app,
        &ot,
        "discussion",
        "Partagé deux fois",
        "Le mot clé est kilimandjaro.",
        &[],
        &["privee", "ouverte"],
    )
    .await;
    publish(
        &app,
        &ot,
        "discussion",
        "Entre nous",
        "Le mot clé est tombouctou.",
        &[],
        &["discrete"],
    )
    .await;
    let public = publish(
        &app,
        &ot,
        "discussion",
        "Annonce publique",
        "Le mot clé est valparaiso.",
        &[],
        &["ouverte"],
    )
    .await;
    let res = app
        .client()
        .post(app.at(&format!("/api/v1/publications/{secret}/replies")))
        .bearer_auth(&mt)
        .json(&json!({"body": "Réponse secrète : ouagadougou."}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);

    let total = |token: Option<String>, query: &'static str| {
        let app = &app;
        async move {
            api_search(app, token.as_deref(), &q(query)).await.1["total"]
                .as_i64()
                .unwrap()
        }
    };
    // Private: members only; unlisted: not searched by non-members.
    for (who, token, sees_private) in [
        ("anonymous", None, false),
        ("outsider", Some(xt.clone()), false),
        ("member", Some(mt.clone()), true),
        ("admin", Some(at.clone()), true),
    ] {
        assert_eq!(
            total(token.clone(), "zanzibar").await,
            i64::from(sees_private),
            "{who}: private publication"
        );
        assert_eq!(
            total(token.clone(), "ouagadougou").await,
            i64::from(sees_private),
            "{who}: private reply"
        );
        assert_eq!(
            total(token.clone(), "tombouctou").await,
            i64::from(sees_private),
            "{who}: unlisted"
        );
        assert_eq!(
            total(token.clone(), "kilimandjaro").await,
            1,
            "{who}: shared into an open one too"
        );
    }
    // Where a publication is shared is only told among searchable communities,
    // and filtering by a private community reveals nothing.
    let (_, v) = api_search(&app, None, &q("kilimandjaro")).await;
    assert_eq!(
        v["results"][0]["communities"],
        json!([{"slug": "ouverte", "name": "Communauté ouverte"}])
    );
    let (_, v) = api_search(
        &app,
        Some(&xt),
        &format!("{}&community=privee", q("kilimandjaro")),
    )
    .await;
    assert_eq!(v["total"], 0, "{v}");
    let (_, v) = api_search(
        &app,
        Some(&mt),
        &format!("{}&community=privee", q("kilimandjaro")),
    )
    .await;
    assert_eq!(v["total"], 1, "{v}");
    // The page applies the same policy.
    let (_, body) = page(&app.client(), app.at(&format!("/search?{}", q("zanzibar")))).await;
    assert!(!body.contains("Budget confidentiel"));
    assert!(body.contains("Aucun résultat"));
    // Communities by name: a private one's card is listed to signed-in people,
    // an unlisted one only to its members.
    let (_, v) = api_search(
        &app,
        Some(&xt),
        &format!("{}&kind=community", q("communauté")),
    )
    .await;
    let slugs: Vec<String> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["url"].as_str().unwrap().to_string())
        .collect();
    assert!(
        slugs.contains(&"/c/privee".to_string()) && !slugs.contains(&"/c/discrete".to_string()),
        "{slugs:?}"
    );
    let (_, v) = api_search(
        &app,
        Some(&mt),
        &format!("{}&kind=community", q("communauté")),
    )
    .await;
    assert_eq!(v["total"], 3, "{v}");

    // 1. Removed by a moderator: gone at once, for everyone but no one.
    assert_eq!(total(None, "valparaiso").await, 1);
    let res = app
        .client()
        .post(app.at("/api/v1/moderation"))
        .bearer_auth(&at)
        .json(&json!({"action": "remove", "publication_id": public, "reason": "Hors sujet"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200, "{}", res.text().await.unwrap());
    assert_eq!(total(None, "valparaiso").await, 0, "removed: not found");
    assert_eq!(total(Some(mt.clone()), "valparaiso").await, 0);

    // 2. A community made private: its content leaves outsiders' results at once.
    let other = publish(
        &app,
        &ot,
        "discussion",
        "Nouvelles du quartier",
        "Le mot clé est samarcande.",
        &[],
        &["ouverte"],
    )
    .await;
    assert_eq!(total(None, "samarcande").await, 1);
    let res = app
        .client()
        .patch(app.at("/api/v1/communities/ouverte"))
        .bearer_auth(&ot)
        .json(&json!({"visibility": "private", "join_policy": "request"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200, "{}", res.text().await.unwrap());
    assert_eq!(total(None, "samarcande").await, 0, "now private");
    assert_eq!(total(Some(xt.clone()), "samarcande").await, 0);
    assert_eq!(
        total(Some(mt.clone()), "samarcande").await,
        1,
        "members still find it"
    );
    let _ = other;

    // 3. A member leaves a private community: its content leaves their results.
    let res = app
        .client()
        .post(app.at("/api/v1/communities/privee/leave"))
        .bearer_auth(&mt)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 204);
    assert_eq!(
        total(Some(mt.clone()), "zanzibar").await,
        0,
        "left: no longer found"
    );
    assert_eq!(total(Some(mt.clone()), "ouagadougou").await, 0);

    // 4. Deleted by its author: gone, and out of the index.
    let res = app
        .client()
        .delete(app.at(&format!("/api/v1/publications/{both}")))
        .bearer_auth(&ot)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    assert_eq!(total(Some(at.clone()), "kilimandjaro").await, 0);
    let left: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM search_docs WHERE source = 'p' AND ref_id = $1")
            .bind(both)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(left, 0, "the deleted publication's words are not kept");

    // 5. Members are found only when they chose to be, by signed-in people.
    assert_eq!(total(Some(xt.clone()), "membre").await, 0);
    let res = app
        .client()
        .patch(app.at("/api/v1/me"))
        .bearer_auth(&mt)
        .json(&json!({"findable": true, "bio": "Jardinière et cycliste"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let (_, v) = api_search(&app, Some(&xt), &q("jardinière")).await;
    assert_eq!(v["total"], 1, "{v}");
    assert_eq!(v["results"][0]["kind"], "member");
    assert_eq!(v["results"][0]["url"], "/u/membre");
    assert_eq!(
        total(None, "jardinière").await,
        0,
        "not to anonymous readers"
    );
    sqlx::query("UPDATE users SET status = 'suspended' WHERE id = $1")
        .bind(member.id)
        .execute(&app.state.db.pool)
        .await
        .expect("suspend");
    assert_eq!(
        total(Some(xt.clone()), "jardinière").await,
        0,
        "suspended accounts are not found"
    );
}

#[tokio::test]
async fn saved_searches_notify_new_matches_the_saver_may_see() {
    let app = TestApp::spawn().await;
    let owner = app.create_user("animatrice", false).await;
    let open = community(&app, &owner, "jardins", Visibility::Open).await;
    community(&app, &owner, "coulisses", Visibility::Private).await;
    let (client, saver) = app.logged_in("curieuse", false).await;
    join(&app, &open, &saver).await;
    let ot = token_for(&app, &owner).await;
    publish(
        &app,
        &ot,
        "discussion",
        "Compost d'hiver",
        "Déjà là avant.",
        &[],
        &["jardins"],
    )
    .await;

    // Save from the results page (the form keeps the filters).
    let (_, body) = page(&client, app.at(&format!("/search?{}", q("compost")))).await;
    assert!(
        body.contains("action=\"/search/saved\""),
        "save form offered"
    );
    let csrf = app
        .csrf(&client, &format!("/search?{}", q("compost")))
        .await;
    let res = client
        .post(app.at("/search/saved"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Compost"),
            ("params", "q=compost&kind=discussion"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let (_, body) = page(&client, app.at("/search/saved")).await;
    assert!(
        body.contains("Compost") && body.contains("q=compost&#38;kind=discussion"),
        "{body}"
    );

    // Nothing new yet: no notification (what existed before does not count).
    assert_eq!(
        passerelles::search::saved::check_due(&app.state.db, 0)
            .await
            .unwrap(),
        0
    );
    // New matches: one where the saver may read, one where they may not.
    publish(
        &app,
        &ot,
        "discussion",
        "Coulisses du compost",
        "Secret.",
        &[],
        &["coulisses"],
    )
    .await;
    assert_eq!(
        passerelles::search::saved::check_due(&app.state.db, 0)
            .await
            .unwrap(),
        0,
        "private match not told"
    );
    publish(
        &app,
        &ot,
        "discussion",
        "Compost collectif",
        "Nouveau bac.",
        &[],
        &["jardins"],
    )
    .await;
    publish(
        &app,
        &ot,
        "question",
        "Compost et rats?",
        "Question.",
        &[],
        &["jardins"],
    )
    .await;
    assert_eq!(
        passerelles::search::saved::check_due(&app.state.db, 0)
            .await
            .unwrap(),
        1
    );
    let (_, body) = page(&client, app.at("/notifications")).await;
    assert!(
        body.contains("Un nouveau résultat pour votre recherche « Compost »"),
        "only the discussion counts: {body}"
    );
    assert!(
        body.contains("/search?q=compost&#38;kind=discussion&#38;sort=date"),
        "{body}"
    );
    // Checked once: no repeat.
    assert_eq!(
        passerelles::search::saved::check_due(&app.state.db, 0)
            .await
            .unwrap(),
        0
    );

    // The API lists, creates and deletes them.
    let st = token_for(&app, &saver).await;
    let v: Value = app
        .client()
        .get(app.at("/api/v1/me/saved-searches"))
        .bearer_auth(&st)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v[0]["name"], "Compost");
    let id = v[0]["id"].as_i64().unwrap();
    let res = app
        .client()
        .post(app.at("/api/v1/me/saved-searches"))
        .bearer_auth(&st)
        .json(&json!({"query": "q=le+la"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 422, "nothing to search for");
    let res = app
        .client()
        .post(app.at("/api/v1/me/saved-searches"))
        .bearer_auth(&st)
        .json(&json!({"name": "Rats", "query": "q=rats&sort=date"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let other = token_for(&app, &owner).await;
    let res = app
        .client()
        .delete(app.at(&format!("/api/v1/me/saved-searches/{id}")))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404, "not someone else's");
    let res = app
        .client()
        .delete(app.at(&format!("/api/v1/me/saved-searches/{id}")))
        .bearer_auth(&st)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 204);
}

#[tokio::test]
async fn relevance_set_recall_is_at_least_the_target() {
    let app = TestApp::spawn().await;
    let report =
        passerelles::search::eval::run(&app.state.db, passerelles::search::eval::BUILTIN_SET)
            .await
            .expect("evaluation");
    let table = report.table();
    assert!(report.queries.len() >= 30, "{table}");
    assert!(
        report.recall() >= passerelles::search::eval::RECALL_TARGET,
        "{table}"
    );
    assert!(report.precision() >= 0.95, "{table}");
}

/// A 51st saved search is refused with a readable message on the results
/// page (409), the typed name kept in its field; the API says why in JSON.
#[tokio::test]
async fn saving_a_search_over_the_limit_keeps_the_typed_name() {
    let app = TestApp::spawn().await;
    let owner = app.create_user("animatrice", false).await;
    community(&app, &owner, "jardins", Visibility::Open).await;
    let ot = token_for(&app, &owner).await;
    publish(
        &app,
        &ot,
        "discussion",
        "Compost d'hiver",
        "Le bac est plein.",
        &[],
        &["jardins"],
    )
    .await;
    let (client, saver) = app.logged_in("collectionneuse", false).await;
    let max = passerelles::search::saved::MAX_PER_MEMBER;
    for i in 0..max {
        let p = passerelles::search::params::SearchParams {
            q: format!("sujet{i}"),
            ..Default::default()
        };
        assert!(
            passerelles::search::saved::save(
                &app.state.db,
                &passerelles::actor::Actor::person(&saver),
                "",
                &p
            )
            .await
            .unwrap()
            .is_ok()
        );
    }
    let csrf = app
        .csrf(&client, &format!("/search?{}", q("compost")))
        .await;
    let res = client
        .post(app.at("/search/saved"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Compost <d'hiver> 51e"),
            ("params", "q=compost&kind=discussion"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 409);
    let body = res.text().await.unwrap();
    assert!(
        body.contains(&format!(
            "Vous avez déjà {max} recherches enregistrées, le maximum."
        )),
        "a readable message: {body}"
    );
    assert!(
        body.contains("value=\"Compost &#60;d&#39;hiver&#62; 51e\"")
            || body.contains("value=\"Compost &lt;d&#x27;hiver&gt; 51e\""),
        "the typed name is kept: {body}"
    );
    assert!(body.contains("aria-describedby=\"f-save-name-error\""));
    // The results are still there, with the filters of the search.
    assert!(
        body.contains("d&#39;hiver") || body.contains("d&#x27;hiver"),
        "{body}"
    );
    assert!(body.contains("name=\"params\" value=\"q=compost&#38;kind=discussion\""));
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM saved_searches WHERE user_id = $1")
        .bind(saver.id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(count, max, "nothing saved");

    // In English too (the person's language).
    sqlx::query("UPDATE users SET locale = 'en' WHERE id = $1")
        .bind(saver.id)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let res = client
        .post(app.at("/search/saved"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Winter compost"),
            ("params", "q=compost"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 409);
    let body = res.text().await.unwrap();
    assert!(
        body.contains(&format!(
            "You already have {max} saved searches, the maximum."
        )) && body.contains("value=\"Winter compost\""),
        "{body}"
    );

    // The API: 409 with a stable code and a sentence.
    let st = token_for(&app, &saver).await;
    let res = app
        .client()
        .post(app.at("/api/v1/me/saved-searches"))
        .bearer_auth(&st)
        .json(&json!({"name": "Encore une", "query": "q=compost"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 409);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["error"]["code"], "too_many_saved_searches", "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("nombre maximal de recherches enregistrées")),
        "{v}"
    );
}

/// The results page for keyboard and screen-reader users: a labelled search
/// landmark (distinct from the header's), the current page and the applied
/// filter marked and announced with how to remove it, counts read as
/// "N results", field errors tied to their fields, headings in order.
#[tokio::test]
async fn search_page_filters_and_counts_are_accessible() {
    let app = TestApp::spawn().await;
    let owner = app.create_user("animatrice", false).await;
    community(&app, &owner, "jardins", Visibility::Open).await;
    let ot = token_for(&app, &owner).await;
    for (kind, title) in [
        ("discussion", "Compost d'hiver"),
        ("discussion", "Compost collectif"),
        ("question", "Compost et rats ?"),
    ] {
        publish(
            &app,
            &ot,
            kind,
            title,
            "Du compost.",
            &["compost"],
            &["jardins"],
        )
        .await;
    }
    let client = app.client();
    let (status, html) = page(
        &client,
        app.at(&format!("/search?{}&kind=discussion", q("compost"))),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("role=\"search\" aria-label=\"Recherche détaillée\""),
        "{html}"
    );
    // One page of results: no lone "Page 1" (issue 13).
    assert!(!html.contains("Page 1"), "{html}");
    assert!(
        html.contains("aria-current=\"true\">Discussion <span class=\"facet-remove\">(retirer ce filtre)</span></a>"),
        "{html}"
    );
    assert!(html.contains("<span class=\"muted\">(2)</span>"), "{html}");
    // Headings: h1, then h2 (results), h3 (each hit), h2 (each filter group).
    let levels: Vec<char> = html
        .match_indices("<h")
        .filter_map(|(i, _)| html[i + 2..].chars().next().filter(char::is_ascii_digit))
        .collect();
    let first_h1 = levels.iter().position(|l| *l == '1').expect("an h1");
    let mut prev = '1';
    for l in &levels[first_h1..] {
        assert!(
            (*l as u8) <= prev as u8 + 1,
            "heading levels skip: {levels:?}"
        );
        prev = *l;
    }
    // A field error is tied to its field.
    let (_, html) = page(
        &client,
        app.at(&format!("/search?{}&from=hier", q("compost"))),
    )
    .await;
    assert!(html.contains("id=\"f-from-error\""), "{html}");
    assert!(html.contains("aria-invalid=\"true\" aria-describedby=\"f-from-error\""));
}

/// The header's search box has an accessible name of its own (a label tied
/// to the field, and a name for its search landmark, distinct from the
/// search page's "detailed search"), in French and in English.
#[tokio::test]
async fn search_header_box_has_an_accessible_name() {
    let app = TestApp::spawn().await;
    let client = app.client();
    for (lang, name) in [
        ("fr-CA", "Rechercher dans le site"),
        ("en", "Search this site"),
    ] {
        for path in ["/", "/about", "/search?q=compost"] {
            let res = client
                .get(app.at(path))
                .header("accept-language", lang)
                .send()
                .await
                .expect("get");
            assert_eq!(res.status(), 200, "{path}");
            let html = res.text().await.unwrap();
            let header = html
                .split("<form class=\"header-search\"")
                .nth(1)
                .and_then(|s| s.split("</form>").next())
                .unwrap_or_else(|| panic!("header search on {path}: {html}"));
            assert!(
                header.starts_with(&format!(
                    " method=\"get\" action=\"/search\" role=\"search\" aria-label=\"{name}\">"
                )),
                "{lang} {path}: {header}"
            );
            assert!(
                header.contains(&format!(
                    "<label class=\"visually-hidden\" for=\"site-q\">{name}</label>"
                )),
                "{lang} {path}: {header}"
            );
            assert!(
                header.contains("<input id=\"site-q\" name=\"q\""),
                "{header}"
            );
        }
    }
    // On the results page, the two search landmarks have different names.
    let (_, html) = page(&client, app.at("/search?q=compost")).await;
    assert!(html.contains("role=\"search\" aria-label=\"Rechercher dans le site\""));
    assert!(html.contains("role=\"search\" aria-label=\"Recherche détaillée\""));
}

/// A filter is exact however common the words: the full-text match itself
/// is limited to the filter's tokens, so an old item of a small community
/// (or tag, author, rare kind) is found under a word that has more than
/// `MATCH_WINDOW` newer matches elsewhere. Sharing a publication later
/// gives it (and its replies) the new community's token. A typed word that
/// looks like a token finds nothing through it.
#[tokio::test]
async fn filters_are_exact_beyond_the_match_window_and_follow_sharing() {
    const NEWER: i64 = 1_050;
    assert!(
        (NEWER as usize) > passerelles::search::MATCH_WINDOW,
        "the test must outnumber the match window"
    );
    let app = TestApp::spawn().await;
    let db = app.state.db.clone();
    let old = app.create_user("ancienne", false).await;
    let busy = app.create_user("prolifique", false).await;
    let big = community(&app, &busy, "grande", Visibility::Open).await;
    let small = community(&app, &old, "petite", Visibility::Open).await;
    let later = community(&app, &old, "plus-tard", Visibility::Open).await;
    community(&app, &old, "velo-d-antan", Visibility::Open).await;
    let ot = token_for(&app, &old).await;
    let p0 = publish(
        &app,
        &ot,
        "discussion",
        "Atelier de réparation d'antan",
        "On y répare des vélos depuis toujours.",
        &["patrimoine"],
        &["petite"],
    )
    .await;
    let res = app
        .client()
        .post(app.at(&format!("/api/v1/publications/{p0}/replies")))
        .bearer_auth(&ot)
        .json(&json!({"body": "Mon premier vélo vient de là."}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    // Many newer publications with the same word, elsewhere, by someone else.
    let t0 = passerelles::db::now() + 10;
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $3) \
         INSERT INTO publications (kind, title, body, body_html, lang, author_id, status, created_at, updated_at, last_activity_at) \
         SELECT 'discussion', 'Balade à vélo', 'Un vélo de plus.', '<p>Un vélo de plus.</p>', 'fr', $1, 'visible', $2 + i, $2 + i, $2 + i FROM n",
    )
    .bind(busy.id)
    .bind(t0)
    .bind(NEWER)
    .execute(&db.pool)
    .await
    .expect("bulk publications");
    sqlx::query(
        "INSERT INTO publication_communities (publication_id, community_id, added_by, added_at) \
         SELECT id, $1, $2, $3 FROM publications WHERE author_id = $2",
    )
    .bind(big.id)
    .bind(busy.id)
    .bind(t0)
    .execute(&db.pool)
    .await
    .expect("bulk sharing");
    let stats = passerelles::search::reindex_all(&db)
        .await
        .expect("rebuild");
    assert!(stats.docs > NEWER as u64, "{stats:?}");

    let kinds_and_titles = |v: &Value| -> Vec<(String, String)> {
        v["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| {
                (
                    r["kind"].as_str().unwrap_or_default().to_string(),
                    r["title"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    };
    let title = "Atelier de réparation d'antan".to_string();
    // Unfiltered, by relevance the old item is outside the window.
    let (s, v) = api_search(&app, None, &q("vélo")).await;
    assert_eq!(s, 200, "{v}");
    assert!(
        !kinds_and_titles(&v).iter().any(|(_, t)| t == &title),
        "unfiltered, the old item is beyond the window (else this test proves nothing)"
    );
    for (filter, expect) in [
        ("community=petite", vec!["discussion", "reply"]),
        ("tag=patrimoine", vec!["discussion", "reply"]),
        ("author=ancienne", vec!["discussion", "reply"]),
    ] {
        let (s, v) = api_search(&app, None, &format!("{}&{filter}", q("vélo"))).await;
        assert_eq!(s, 200, "{filter}: {v}");
        let mut got: Vec<String> = kinds_and_titles(&v)
            .into_iter()
            .filter(|(_, t)| t == &title)
            .map(|(k, _)| k)
            .collect();
        got.sort();
        assert_eq!(got, expect, "{filter}: {v}");
        assert_eq!(
            v["total"].as_i64(),
            Some(2),
            "{filter}: only the old thread: {v}"
        );
    }
    // A rare kind too: the old community named after the word.
    let (s, v) = api_search(&app, None, &format!("{}&kind=community", q("vélo"))).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        kinds_and_titles(&v),
        vec![(
            "community".to_string(),
            "Communauté velo-d-antan".to_string()
        )],
        "{v}"
    );
    // Shared later into another community: found there, reply included.
    let (s, v) = api_search(&app, None, &format!("{}&community=plus-tard", q("vélo"))).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["total"].as_i64(), Some(0), "not shared there yet: {v}");
    let res = app
        .client()
        .post(app.at(&format!("/api/v1/publications/{p0}/communities")))
        .bearer_auth(&ot)
        .json(&json!({"community": "plus-tard"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let (s, v) = api_search(&app, None, &format!("{}&community=plus-tard", q("vélo"))).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["total"].as_i64(), Some(2), "publication and reply: {v}");
    // Typing a token's letters finds nothing through the tokens.
    for typed in [
        format!("c{}", small.id),
        format!("#c{}", later.id),
        "kreply".to_string(),
    ] {
        let (s, v) = api_search(&app, None, &q(&typed)).await;
        assert_eq!(s, 200, "{typed}: {v}");
        assert_eq!(v["total"].as_i64(), Some(0), "{typed}: {v}");
    }
}

/// Saving is one operation with its limit inside the write: forty saves
/// sent at once through the API to someone who has 45 leave exactly 50
/// (the count and the insert race otherwise, on PostgreSQL above all).
#[tokio::test]
async fn concurrent_saves_never_pass_the_limit() {
    let app = TestApp::spawn().await;
    let saver = app.create_user("pressee", false).await;
    let token = token_for(&app, &saver).await;
    let actor = passerelles::actor::Actor::person(&saver);
    let max = passerelles::search::saved::MAX_PER_MEMBER;
    for i in 0..max - 5 {
        let p = passerelles::search::params::SearchParams {
            q: format!("avant{i}"),
            ..Default::default()
        };
        assert!(
            passerelles::search::saved::save(&app.state.db, &actor, "", &p)
                .await
                .unwrap()
                .is_ok()
        );
    }
    let client = reqwest::Client::new();
    let mut sends = tokio::task::JoinSet::new();
    for i in 0..40 {
        let client = client.clone();
        let url = app.at("/api/v1/me/saved-searches");
        let token = token.clone();
        sends.spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&serde_json::json!({ "name": format!("n{i}"), "query": format!("q=course{i}") }))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        });
    }
    let statuses = sends.join_all().await;
    let created = statuses.iter().filter(|s| **s == 201).count();
    let refused = statuses.iter().filter(|s| **s == 409).count();
    assert_eq!((created, refused), (5, 35), "statuses: {statuses:?}");
    let kept = passerelles::search::saved::list(&app.state.db, saver.id)
        .await
        .unwrap();
    assert_eq!(kept.len() as i64, max);
}

/// PostgreSQL's JIT compiler added 60–160 ms to searches (issue 21): every
/// connection of the pool — whichever one a search gets — has it off, and
/// none pays for TLS over the loopback.
#[tokio::test]
async fn search_runs_without_postgresql_jit() {
    if crate::harness::backend() != "postgres" {
        crate::harness::skip(
            "search_runs_without_postgresql_jit",
            "PostgreSQL's JIT compiler has no SQLite counterpart",
        );
        return;
    }
    let app = TestApp::spawn().await;
    let mut held = Vec::new();
    for _ in 0..app.state.config.db_max_connections {
        let mut conn = app.state.db.pool.acquire().await.expect("connection");
        let jit: String = sqlx::query_scalar("SELECT current_setting('jit')")
            .fetch_one(&mut *conn)
            .await
            .expect("jit setting");
        assert_eq!(jit, "off", "every pooled connection has the JIT off");
        // And no TLS over the loopback (`db::local_without_tls`): the test
        // database is on 127.0.0.1, where sqlx would otherwise encrypt
        // every row whenever the server offers TLS (Debian's does).
        let (server_tls, tls): (String, bool) = sqlx::query_as(
            "SELECT current_setting('ssl'), COALESCE((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false)",
        )
        .fetch_one(&mut *conn)
        .await
        .expect("ssl state");
        assert!(
            !tls,
            "a loopback connection is not encrypted (server ssl = {server_tls})"
        );
        held.push(conn);
    }
    drop(held);
    // And a real search through the API on one of them still answers.
    let (status, _) = api_search(&app, None, "jardin").await;
    assert_eq!(status, 200);
}

/// PostgreSQL's recent tier (migration 0079) holds the newest entries, kept
/// in step with the index by a trigger: a publication written, edited or
/// deleted changes the tier at once; trimming keeps the newest only, and a
/// search still finds what fell below the tier (from the whole index) as
/// well as what is in it; a full rebuild refills it. On SQLite (no tier)
/// the same searches must give the same answers.
#[tokio::test]
async fn the_recent_tier_follows_the_index_and_older_entries_stay_findable() {
    let app = TestApp::spawn().await;
    let db = app.state.db.clone();
    let pg = crate::harness::backend() == "postgres";
    let author = app.create_user("archiviste", false).await;
    community(&app, &author, "memoire", Visibility::Open).await;
    let t = token_for(&app, &author).await;
    let old = publish(
        &app,
        &t,
        "discussion",
        "Herbier ancien du quartier",
        "Des planches de botanique.",
        &[],
        &["memoire"],
    )
    .await;
    let mut newer = Vec::new();
    for i in 0..6 {
        newer.push(
            publish(
                &app,
                &t,
                "discussion",
                &format!("Herbier numéro {i}"),
                "Encore des planches.",
                &[],
                &["memoire"],
            )
            .await,
        );
    }
    // The tier holds exactly the index's entries from its smallest id up,
    // with the same tsvector.
    let tier_matches_index = || async {
        if !pg {
            return;
        }
        let (missing, stale): (i64, i64) = sqlx::query_as(
            "SELECT \
               (SELECT COUNT(*) FROM search_docs d WHERE d.id >= (SELECT MIN(id) FROM search_recent) \
                  AND NOT EXISTS (SELECT 1 FROM search_recent r WHERE r.id = d.id)), \
               (SELECT COUNT(*) FROM search_recent r LEFT JOIN search_docs d ON d.id = r.id \
                  WHERE d.id IS NULL OR d.tsv IS DISTINCT FROM r.tsv)",
        )
        .fetch_one(&db.pool)
        .await
        .expect("tier check");
        assert_eq!((missing, stale), (0, 0), "tier out of step with the index");
    };
    tier_matches_index().await;
    // Trim to the newest few: the old publication leaves the tier.
    let removed = passerelles::search::trim_recent(&db, 3)
        .await
        .expect("trim");
    if pg {
        assert!(removed > 0, "the tier held more than 3 entries");
        let in_tier: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM search_recent r JOIN search_docs d ON d.id = r.id \
             WHERE d.source = 'p' AND d.ref_id = $1",
        )
        .bind(old)
        .fetch_one(&db.pool)
        .await
        .expect("count");
        assert_eq!(in_tier, 0, "the oldest publication is below the tier now");
    }
    tier_matches_index().await;
    // Both the newest and the one below the tier are found.
    let got = titles(&app, None, &q("herbier")).await;
    assert!(
        got.contains(&"Herbier ancien du quartier".to_string()),
        "{got:?}"
    );
    assert!(got.contains(&"Herbier numéro 5".to_string()), "{got:?}");
    assert_eq!(got.len(), 7, "{got:?}");
    // An edit of a publication in the tier changes the tier's entry.
    let res = app
        .client()
        .patch(app.at(&format!("/api/v1/publications/{}", newer[5])))
        .bearer_auth(&t)
        .json(&json!({"title": "Cueillette de lichens"}))
        .send()
        .await
        .expect("edit");
    assert!(res.status().is_success(), "{}", res.status());
    tier_matches_index().await;
    let got = titles(&app, None, &q("lichens")).await;
    assert_eq!(got, vec!["Cueillette de lichens".to_string()]);
    assert!(
        !titles(&app, None, &q("herbier"))
            .await
            .contains(&"Herbier numéro 5".to_string())
    );
    // A deletion leaves it.
    let res = app
        .client()
        .delete(app.at(&format!("/api/v1/publications/{}", newer[4])))
        .bearer_auth(&t)
        .send()
        .await
        .expect("delete");
    assert!(res.status().is_success(), "{}", res.status());
    tier_matches_index().await;
    assert!(
        !titles(&app, None, &q("herbier"))
            .await
            .contains(&"Herbier numéro 4".to_string())
    );
    // A full rebuild refills the tier (up to its size: everything here).
    passerelles::search::reindex_all(&db)
        .await
        .expect("rebuild");
    tier_matches_index().await;
    if pg {
        let (tier, all): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM search_recent), (SELECT COUNT(*) FROM search_docs)",
        )
        .fetch_one(&db.pool)
        .await
        .expect("counts");
        assert_eq!(tier, all, "a small index fits in the tier whole");
    }
    let got = titles(&app, None, &q("herbier")).await;
    assert_eq!(got.len(), 5, "{got:?}");
    assert!(
        got.contains(&"Herbier ancien du quartier".to_string()),
        "{got:?}"
    );
}

/// Into an empty index (a seed, an import), PostgreSQL's rebuild reads the
/// next batch while writing this one and builds the GIN index after the
/// load; a rebuild that stopped half way (index dropped, entries written)
/// gets its index back from the next one. Entry ids still follow time.
#[tokio::test]
async fn a_rebuild_into_an_empty_index_loads_then_builds_its_text_index() {
    let app = TestApp::spawn().await;
    let db = app.state.db.clone();
    let pg = crate::harness::backend() == "postgres";
    let author = app.create_user("chargeuse", false).await;
    community(&app, &author, "chargement", Visibility::Open).await;
    let t = token_for(&app, &author).await;
    let mut ids = Vec::new();
    for i in 0..4 {
        ids.push(
            publish(
                &app,
                &t,
                "discussion",
                &format!("Semis de printemps {i}"),
                "Des graines.",
                &[],
                &["chargement"],
            )
            .await,
        );
    }
    let gin_index = || async {
        if !pg {
            return 1;
        }
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM pg_indexes WHERE tablename = 'search_docs' AND indexname = 'search_docs_tsv'",
        )
        .fetch_one(&db.pool)
        .await
        .expect("pg_indexes")
    };
    // Empty the index (SQLite: its full-text table too), then rebuild.
    if !pg {
        sqlx::query("INSERT INTO search_fts (search_fts) VALUES ('delete-all')")
            .execute(&db.pool)
            .await
            .expect("empty fts");
    }
    sqlx::query("DELETE FROM search_docs")
        .execute(&db.pool)
        .await
        .expect("empty index");
    let stats = passerelles::search::reindex_all(&db)
        .await
        .expect("rebuild");
    assert!(stats.docs >= 4, "{stats:?}");
    assert_eq!(
        gin_index().await,
        1,
        "the text index is built after the load"
    );
    let got = titles(&app, None, &q("semis")).await;
    assert_eq!(got.len(), 4, "{got:?}");
    // Oldest first: the entries' ids follow the publications' order.
    let mut entry_ids = Vec::new();
    for p in &ids {
        let id: i64 =
            sqlx::query_scalar("SELECT id FROM search_docs WHERE source = 'p' AND ref_id = $1")
                .bind(p)
                .fetch_one(&db.pool)
                .await
                .expect("entry");
        entry_ids.push(id);
    }
    let mut sorted = entry_ids.clone();
    sorted.sort_unstable();
    assert_eq!(entry_ids, sorted, "entry ids follow time");
    if pg {
        // A rebuild that stopped after dropping the index: the next one
        // (the index is not empty now) puts it back.
        sqlx::query("DROP INDEX search_docs_tsv")
            .execute(&db.pool)
            .await
            .expect("drop");
        assert_eq!(gin_index().await, 0);
        passerelles::search::reindex_all(&db)
            .await
            .expect("rebuild again");
        assert_eq!(gin_index().await, 1, "the next rebuild restores it");
        // Searches use it again (the planner may pick it for a rare word).
        let got = titles(&app, None, &q("semis")).await;
        assert_eq!(got.len(), 4, "{got:?}");
        // Both GIN indexes as migration 0085 set them, whoever built them
        // last (the migration, the rebuild, the tier's refill): the tier's
        // without a pending list, the whole index's with a short one.
        let options = |index: &'static str| {
            let db = db.clone();
            async move {
                sqlx::query_scalar::<_, String>(
                    "SELECT COALESCE(array_to_string(reloptions, ','), '') FROM pg_class WHERE relname = $1",
                )
                .bind(index)
                .fetch_one(&db.pool)
                .await
                .expect("reloptions")
            }
        };
        assert_eq!(options("search_recent_tsv").await, "fastupdate=off");
        assert_eq!(
            options("search_docs_tsv").await,
            "gin_pending_list_limit=256"
        );
        let (tier, all): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM search_recent), (SELECT COUNT(*) FROM search_docs)",
        )
        .fetch_one(&db.pool)
        .await
        .expect("tier");
        assert_eq!(
            tier, all,
            "the refilled tier holds every entry of a small index"
        );
    }
}
