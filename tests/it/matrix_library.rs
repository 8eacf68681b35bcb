//! The permission matrix's rows for dossiers and the lexicon (issue 19),
//! beside `matrix.rs` (resources, files, wikis, file spaces). Written from
//! the rules, not from what the code does:
//!
//! - a dossier is read by everyone once published, by curators (the
//!   administrators) while a draft; each of its items is shown only to
//!   readers who may read that item through its own policy (a private
//!   community's resource or publication to its members), on the page, in
//!   its citations and in its listing;
//! - a lexicon term is read by everyone once accepted; a proposal by its
//!   proposer and the editors only, on the page, in the list, in the API
//!   and never in the public SKOS export; the publications a term's tags
//!   gather are listed to those who may find them.

use crate::harness::{TestApp, html_unescape};
use crate::library::{contribute, location};
use crate::writing::{community, get, publication, token_for};

const VIEWERS: [&str; 4] = ["anonymous", "outsider", "member", "admin"];

#[tokio::test]
async fn dossier_matrix_item_placement_viewer() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.logged_in("gestion", true).await;
    let (member, m) = app.logged_in("membre", false).await;
    let (outsider, _) = app.logged_in("dehors", false).await;
    let open = community(&app, "dos-ouverte", "open", "open", &m).await;
    let private = community(&app, "dos-privee", "private", "request", &m).await;
    community(&app, "dos-non-listee", "unlisted", "request", &m).await;
    // (placement, kind, path, title)
    let mut items: Vec<(&str, &str, String, String)> = Vec::new();
    for (placement, slug) in [
        ("open", "dos-ouverte"),
        ("private", "dos-privee"),
        ("unlisted", "dos-non-listee"),
    ] {
        let title = format!("Ressource zq{placement}");
        let res = contribute(
            &app,
            &member,
            &[
                ("kind", "report"),
                ("title", title.as_str()),
                ("communities", slug),
                ("creators", "Roy, Ana"),
                ("issued", "2023"),
            ],
            vec![],
        )
        .await;
        assert_eq!(res.status(), 303, "{placement}");
        items.push((placement, "resource", location(&res), title));
    }
    for (placement, c) in [("open", open), ("private", private)] {
        let title = format!("Discussion zq{placement}");
        let id = publication(&app, &m, &title, &[c], 0).await;
        items.push((placement, "publication", format!("/p/{id}"), title));
    }
    let mut dossiers = Vec::new();
    for (state, published) in [("published", "1"), ("draft", "")] {
        let mut fields = vec![
            ("title", "Parcours zqdossier"),
            ("introduction", "Un parcours."),
        ];
        if !published.is_empty() {
            fields.push(("published", published));
        }
        let res = app
            .post_form(&admin, "/dossiers", "/dossiers", &fields)
            .await;
        assert_eq!(res.status(), 303);
        let d = location(&res);
        for (_, kind, path, _) in &items {
            let res = app
                .post_form(
                    &admin,
                    &d,
                    &format!("{d}/items"),
                    &[("kind", kind), ("item", path), ("note", "")],
                )
                .await;
            assert_eq!(res.status(), 303, "{path}");
        }
        dossiers.push((state, d));
    }
    // The rules.
    let dossier_readable = |state: &str, viewer: &str| state == "published" || viewer == "admin";
    let item_readable = |placement: &str, viewer: &str| match (placement, viewer) {
        ("open", _) | (_, "admin") => true,
        ("private" | "unlisted", "member") => true,
        _ => false,
    };
    let mut wrong = Vec::new();
    for viewer in VIEWERS {
        let client = match viewer {
            "outsider" => outsider.clone(),
            "member" => member.clone(),
            "admin" => admin.clone(),
            _ => app.client(),
        };
        let (_, list) = get(&client, app.at("/dossiers")).await;
        for (state, d) in &dossiers {
            let want = dossier_readable(state, viewer);
            let listed = list.contains(&format!("href=\"{d}\""));
            if listed != want {
                wrong.push(format!("{state} dossier × {viewer}: listed {listed}"));
            }
            let (s, page) = get(&client, app.at(d)).await;
            let page = html_unescape(&page);
            if (s == 200) != want {
                wrong.push(format!("{state} dossier × {viewer}: page {s}"));
            }
            let (cs, cite) = get(&client, app.at(&format!("{d}/cite.json"))).await;
            if (cs == 200) != want {
                wrong.push(format!("{state} dossier × {viewer}: citations {cs}"));
            }
            if !want {
                // Whole titles: a two-letter probe also matches a random
                // CSRF token now and then.
                let leaks = std::iter::once("Parcours zqdossier")
                    .chain(items.iter().map(|(_, _, _, t)| t.as_str()))
                    .any(|t| page.contains(t) || cite.contains(t));
                if leaks {
                    wrong.push(format!("{state} dossier × {viewer}: an item leaks"));
                }
                continue;
            }
            for (placement, kind, path, title) in &items {
                let want = item_readable(placement, viewer);
                let shown =
                    page.contains(&format!("href=\"{path}\"")) || page.contains(title.as_str());
                if shown != want {
                    wrong.push(format!(
                        "{state} dossier × {kind} {placement} × {viewer}: shown {shown}"
                    ));
                }
                if *kind == "resource" {
                    let cited = cite.contains(title.as_str());
                    if cited != want {
                        wrong.push(format!(
                            "{state} dossier citations × {placement} × {viewer}: {cited}"
                        ));
                    }
                }
            }
        }
    }
    assert!(wrong.is_empty(), "wrong cells:\n{}", wrong.join("\n"));
}

#[tokio::test]
async fn lexicon_matrix_status_viewer() {
    let app = TestApp::spawn().await;
    let (admin, a) = app.logged_in("gestion", true).await;
    let (proposer, p) = app.logged_in("proposeuse", false).await;
    let (other, o) = app.logged_in("autre", false).await;
    let mut terms = Vec::new();
    for (status, client) in [
        ("accepted", &admin),
        ("proposed", &proposer),
        ("refused", &proposer),
    ] {
        let label = format!("Terme zq{status}");
        let res = app
            .post_form(
                client,
                "/lexicon/new",
                "/lexicon/new",
                &[("pref_fr", label.as_str()), ("alt_labels", "synonyme")],
            )
            .await;
        assert_eq!(res.status(), 303, "{status}");
        let path = location(&res);
        if status == "refused" {
            let res = app
                .post_form(
                    &admin,
                    &path,
                    &format!("{path}/decide"),
                    &[("decision", "refuse"), ("note", "")],
                )
                .await;
            assert_eq!(res.status(), 303);
        }
        terms.push((status, path, label));
    }
    // The rules: (status, viewer) → may read the term.
    let readable = |status: &str, viewer: &str| match (status, viewer) {
        ("accepted", _) | (_, "admin") => true,
        (_, "proposer") => true,
        _ => false,
    };
    let tokens = [
        ("anonymous", None),
        ("proposer", Some(token_for(&app, &p).await)),
        ("other", Some(token_for(&app, &o).await)),
        ("admin", Some(token_for(&app, &a).await)),
    ];
    let api = reqwest::Client::new();
    let (_, ttl) = get(&app.client(), app.at("/lexicon.ttl")).await;
    let (_, jsonld) = get(&proposer, app.at("/lexicon.jsonld")).await;
    let mut wrong = Vec::new();
    for (viewer, token) in &tokens {
        let client = match *viewer {
            "proposer" => proposer.clone(),
            "other" => other.clone(),
            "admin" => admin.clone(),
            _ => app.client(),
        };
        let (_, list) = get(&client, app.at("/lexicon")).await;
        let (_, found) = get(&client, app.at("/lexicon?q=synonyme")).await;
        for (status, path, label) in &terms {
            let want = readable(status, viewer);
            let slug = path.trim_start_matches("/lexicon/");
            let (s, page) = get(&client, app.at(path)).await;
            let mut cells = vec![
                (
                    "page",
                    s == 200 && html_unescape(&page).contains(label.as_str()),
                ),
                ("list", list.contains(&format!("href=\"{path}\""))),
                ("by-synonym", found.contains(&format!("href=\"{path}\""))),
            ];
            let mut rq = api.get(app.at(&format!("/api/v1/lexicon/terms/{slug}")));
            if let Some(t) = token {
                rq = rq.bearer_auth(t);
            }
            cells.push(("api", rq.send().await.expect("api").status() == 200));
            for (channel, got) in cells {
                if got != want {
                    wrong.push(format!("{status} × {channel} × {viewer}: {got}"));
                }
            }
        }
    }
    // The SKOS exports are public: accepted terms only, whoever asks.
    for (status, _, label) in &terms {
        let want = *status == "accepted";
        if ttl.contains(label.as_str()) != want || jsonld.contains(label.as_str()) != want {
            wrong.push(format!("{status} × skos"));
        }
    }
    assert!(wrong.is_empty(), "wrong cells:\n{}", wrong.join("\n"));
}
