//! The common library, dossiers and the lexicon over real HTTP, on both
//! engines: contributing a funding program with a PDF through the form
//! (what was typed kept on a refusal), files stored by SHA-256 with
//! versions, the permanent address surviving a new title, facets and the
//! "still open" filter, a private community's resource private on every
//! channel, citation exports read back by `bibtexparser`, `rispy` and
//! `citeproc-py`, the lexicon (proposal with a synonym, an editor accepts,
//! the synonym finds the tagged resource, revisions with a diff), SKOS as
//! Turtle and JSON-LD read back by `rdflib`, and dossiers that show each
//! reader only what they may see.

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::harness::{TestApp, html_unescape};
use crate::organisations::places;
use crate::writing::{community, get, publication, token_for};

/// A small but well-formed PDF whose text is `words`.
pub fn pdf(words: &str) -> Vec<u8> {
    format!(
        "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n\
         3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 100]/Contents 4 0 R>>endobj\n\
         4 0 obj<</Length {}>>stream\nBT /F1 12 Tf 10 50 Td ({words}) Tj ET\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
        words.len() + 35
    )
    .into_bytes()
}

fn python(test: &str) -> Option<String> {
    let venv = format!("{}/tests/rp/.venv/bin/python3", env!("CARGO_MANIFEST_DIR"));
    let python = if std::path::Path::new(&venv).exists() {
        venv
    } else {
        "python3".to_string()
    };
    let ok = std::process::Command::new(&python)
        .args(["-c", "import bibtexparser, rispy, citeproc, rdflib"])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(python);
    }
    if std::env::var("PASSERELLES_REQUIRE_RP").is_ok_and(|v| v == "1") {
        panic!(
            "bibtexparser, rispy, citeproc-py and rdflib are required (PASSERELLES_REQUIRE_RP=1)"
        );
    }
    crate::harness::skip(
        test,
        "bibtexparser/rispy/citeproc-py/rdflib not installed (scripts/test --install-rp)",
    );
    None
}

/// Parse `body` as `kind` with tests/rp/library.py; its JSON summary.
fn read_back(python: &str, app: &TestApp, kind: &str, body: &str) -> Value {
    let path = app.data_dir.join(format!("export-{kind}"));
    std::fs::write(&path, body).expect("write export");
    let script = format!("{}/tests/rp/library.py", env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new(python)
        .arg(script)
        .arg(kind)
        .arg(&path)
        .output()
        .expect("run library.py");
    assert!(
        out.status.success(),
        "{kind} refused by its parser: {}\n{body}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

pub async fn contribute(
    app: &TestApp,
    client: &reqwest::Client,
    fields: &[(&str, &str)],
    files: Vec<(&str, Vec<u8>)>,
) -> reqwest::Response {
    let csrf = app.csrf(client, "/library/new").await;
    let mut form = Form::new().text("csrf", csrf);
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    for (name, bytes) in files {
        form = form.part("files", Part::bytes(bytes).file_name(name.to_string()));
    }
    client
        .post(app.at("/library/new"))
        .multipart(form)
        .send()
        .await
        .expect("post")
}

pub fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

async fn term(app: &TestApp, editor: &reqwest::Client, fields: &[(&str, &str)]) -> String {
    let res = app
        .post_form(editor, "/lexicon/new", "/lexicon/new", fields)
        .await;
    assert_eq!(
        res.status(),
        303,
        "term: {}",
        res.text().await.unwrap_or_default()
    );
    location(&res)
}

#[tokio::test]
async fn a_funding_program_with_a_pdf_is_contributed_found_versioned_and_cited() {
    let app = TestApp::spawn().await;
    places(&app).await;
    let (admin, _) = app.logged_in("gestion", true).await;
    let (member_client, m) = app.logged_in("camille", false).await;
    community(&app, "financement", "open", "open", &m).await;
    // The lexicon gives the subject: "ESS" is a synonym.
    term(
        &app,
        &admin,
        &[
            ("pref_fr", "Économie sociale et solidaire"),
            ("pref_en", "Social and solidarity economy"),
            ("alt_labels", "ESS\nécon. sociale"),
        ],
    )
    .await;

    // A refused form keeps everything typed, with a message per field.
    let fields = vec![
        ("kind", "funding"),
        ("title", "Fonds R&D : l'économie sociale à 100 % — #ESS"),
        (
            "creators",
            "Tremblay, Marie\nChantier de l'économie sociale",
        ),
        ("publisher", "TIESS"),
        ("issued", "2024-13"),
        ("language", "fr"),
        ("licence", "CC BY 4.0"),
        ("source_url", "https://exemple.qc.ca/fonds"),
        ("description", "Un **programme** pour les coopératives."),
        ("subjects", "ESS"),
        ("coverage", "trois-rivieres"),
        ("deadline", "2099-03-31"),
        ("eligibility", "Coopératives et OBNL"),
        ("amount", "jusqu'à 50 000 $"),
        ("communities", "financement"),
    ];
    let res = contribute(
        &app,
        &member_client,
        &fields,
        vec![("Guide du fonds.pdf", pdf("subvention cooperatives"))],
    )
    .await;
    assert_eq!(res.status(), 422);
    let html = html_unescape(&res.text().await.expect("body"));
    assert!(
        html.contains("AAAA, AAAA-MM ou AAAA-MM-JJ"),
        "issued message"
    );
    assert!(
        html.contains("value=\"Fonds R&D : l'économie sociale à 100 % — #ESS\""),
        "title kept"
    );
    assert!(html.contains("value=\"2024-13\""), "typed date kept");
    assert!(html.contains("Coopératives et OBNL"), "eligibility kept");

    // An unknown subject is refused too.
    let mut bad = fields.clone();
    bad[4] = ("issued", "2024-03");
    bad[9] = ("subjects", "mot inconnu");
    let res = contribute(&app, &member_client, &bad, vec![]).await;
    assert_eq!(res.status(), 422);
    assert!(html_unescape(&res.text().await.expect("body")).contains("pas un terme du lexique"));

    let mut good = fields.clone();
    good[4] = ("issued", "2024-03");
    let res = contribute(
        &app,
        &member_client,
        &good,
        vec![("Guide du fonds.pdf", pdf("subvention cooperatives"))],
    )
    .await;
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let path = location(&res);
    assert!(path.starts_with("/r/"), "{path}");
    let id: i64 = path.trim_start_matches("/r/").parse().expect("id");

    let anon = app.client();
    let (status, page) = get(&anon, app.at(&path)).await;
    assert_eq!(status, 200);
    let page = html_unescape(&page);
    assert!(page.contains("Programme de financement"));
    assert!(page.contains("2099-03-31"));
    assert!(
        page.contains("Économie sociale et solidaire"),
        "subject shown by its label"
    );
    assert!(page.contains("Trois-Rivières"), "coverage shown");
    assert!(
        page.contains("<strong>programme</strong>"),
        "description rendered"
    );

    // The file: stored once under its SHA-256, served through the resource.
    let bytes = pdf("subvention cooperatives");
    let sha = passerelles::library::storage::sha256_hex(&bytes);
    let (file_id, stored_sha, version): (i64, String, i64) =
        sqlx::query_as("SELECT id, sha256, version FROM resource_files WHERE resource_id = $1")
            .bind(id)
            .fetch_one(&app.state.db.pool)
            .await
            .expect("file row");
    assert_eq!((stored_sha.as_str(), version), (sha.as_str(), 1));
    let on_disk = app
        .data_dir
        .join("library")
        .join(&sha[0..2])
        .join(&sha[2..4])
        .join(&sha);
    assert_eq!(std::fs::read(&on_disk).expect("blob on disk"), bytes);
    let res = anon
        .get(app.at(&format!("{path}/files/{file_id}")))
        .send()
        .await
        .expect("download");
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert_eq!(res.bytes().await.expect("bytes").to_vec(), bytes);

    // A new version under the same name; the first stays downloadable.
    let csrf = app.csrf(&member_client, &path).await;
    let v2 = pdf("version deux");
    let form = Form::new().text("csrf", csrf).part(
        "files",
        Part::bytes(v2.clone()).file_name("Guide du fonds.pdf"),
    );
    let res = member_client
        .post(app.at(&format!("{path}/files")))
        .multipart(form)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 303);
    let versions: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT id, version FROM resource_files WHERE resource_id = $1 ORDER BY version",
    )
    .bind(id)
    .fetch_all(&app.state.db.pool)
    .await
    .expect("versions");
    assert_eq!(versions.iter().map(|v| v.1).collect::<Vec<_>>(), vec![1, 2]);
    let (s1, _) = get(&anon, app.at(&format!("{path}/files/{}", versions[0].0))).await;
    assert_eq!(s1, 200);
    let res = anon
        .get(app.at(&format!("{path}/files/{}", versions[1].0)))
        .send()
        .await
        .expect("v2");
    assert_eq!(res.bytes().await.expect("bytes").to_vec(), v2);
    // A file the server does not accept is refused with the form kept.
    let csrf = app.csrf(&member_client, &path).await;
    let form = Form::new().text("csrf", csrf).part(
        "files",
        Part::bytes(b"MZ\x90\x00\x03\x00".to_vec()).file_name("x.exe"),
    );
    let res = member_client
        .post(app.at(&format!("{path}/files")))
        .multipart(form)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 422);
    assert!(html_unescape(&res.text().await.expect("body")).contains("type de fichier"));

    // A new title: the permanent address does not change.
    let res = member_client
        .get(app.at(&format!("{path}/edit")))
        .send()
        .await
        .expect("edit form");
    assert_eq!(res.status(), 200);
    let csrf = app.csrf(&member_client, &format!("{path}/edit")).await;
    let mut form = Form::new().text("csrf", csrf);
    for (k, v) in &good {
        let v = if *k == "title" {
            "Fonds renommé pour les coopératives"
        } else {
            v
        };
        form = form.text(k.to_string(), v.to_string());
    }
    let res = member_client
        .post(app.at(&format!("{path}/edit")))
        .multipart(form)
        .send()
        .await
        .expect("edit");
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), path);
    let (_, page) = get(&anon, app.at(&path)).await;
    assert!(html_unescape(&page).contains("Fonds renommé pour les coopératives"));

    // The community library: facets and filters, with roll-up to the region.
    let lib = "/c/financement/library";
    for (q, found) in [
        ("", true),
        ("?territory=mauricie", true),
        ("?kind=funding&open=1", true),
        ("?kind=report", false),
        ("?subject=economie-sociale-et-solidaire", true),
        ("?language=en", false),
        ("?year=2024", true),
        ("?q=renomm", true),
    ] {
        let (status, html) = get(&anon, app.at(&format!("{lib}{q}"))).await;
        assert_eq!(status, 200, "{q}");
        assert_eq!(
            html.contains(&format!("href=\"{path}\"")),
            found,
            "library {q}"
        );
    }
    let (_, html) = get(&anon, app.at(lib)).await;
    let html = html_unescape(&html);
    assert!(
        html.contains("Programme de financement</a> (1)"),
        "kind facet with its count"
    );
    assert!(html.contains("Trois-Rivières</a> (1)"), "territory facet");
    // A deadline passed: no longer "still open".
    sqlx::query("UPDATE resources SET deadline_at = 1 WHERE id = $1")
        .bind(id)
        .execute(&app.state.db.pool)
        .await
        .expect("past");
    let (_, html) = get(&anon, app.at(&format!("{lib}?open=1"))).await;
    assert!(
        !html.contains(&format!("href=\"{path}\"")),
        "closed program not open"
    );
    // Not in the instance library (nobody put it there).
    let (_, html) = get(&anon, app.at("/library")).await;
    assert!(!html.contains(&format!("href=\"{path}\"")));

    // Citations, each read back by an independent parser.
    let Some(py) = python("a_funding_program_with_a_pdf_is_contributed_found_versioned_and_cited")
    else {
        return;
    };
    let (status, bib) = get(&anon, app.at(&format!("{path}/cite.bib"))).await;
    assert_eq!(status, 200);
    let b = read_back(&py, &app, "bibtex", &bib);
    assert_eq!(b[0]["title"], "Fonds renommé pour les coopératives");
    assert_eq!(
        b[0]["author"],
        "Tremblay, Marie and Chantier de l'économie sociale"
    );
    assert_eq!(b[0]["year"], "2024");
    assert_eq!(b[0]["url"], "https://exemple.qc.ca/fonds");
    assert_eq!(b[0]["keywords"], "Économie sociale et solidaire");
    let (_, ris) = get(&anon, app.at(&format!("{path}/cite.ris"))).await;
    let r = read_back(&py, &app, "ris", &ris);
    assert_eq!(r[0]["type"], "GRANT");
    assert_eq!(r[0]["title"], "Fonds renommé pour les coopératives");
    assert_eq!(
        r[0]["authors"],
        json!(["Tremblay, Marie", "Chantier de l'économie sociale"])
    );
    assert_eq!(r[0]["year"], "2024");
    let (_, csl) = get(&anon, app.at(&format!("{path}/cite.json"))).await;
    let c = read_back(&py, &app, "csl", &csl);
    let text = c["bibliography"][0].as_str().unwrap_or_default();
    assert!(text.contains("Tremblay, M."), "{text}");
    assert!(text.contains("(2024)"), "{text}");
    assert!(
        text.contains("Fonds renommé pour les coopératives"),
        "{text}"
    );
    // A list, with a title that needs escaping, through the API too.
    let tok = token_for(&app, &m).await;
    let api = reqwest::Client::new();
    let res = api
        .post(app.at("/api/v1/resources"))
        .bearer_auth(&tok)
        .json(&json!({"kind": "report", "title": "Rapport R&D : 100 % #ESS_2 à l'été", "creators": "Gagnon, Luc", "issued": "2023", "communities": ["financement"]}))
        .send()
        .await
        .expect("api create");
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.expect("json");
    assert_eq!(created["communities"], json!(["financement"]));
    let (_, bib) = get(&anon, app.at(&format!("{lib}/export.bib"))).await;
    let b = read_back(&py, &app, "bibtex", &bib);
    let titles: Vec<&str> = b
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["title"].as_str())
        .collect();
    assert!(
        titles.contains(&"Rapport R&D : 100 % #ESS_2 à l'été"),
        "{titles:?}"
    );
    assert_eq!(titles.len(), 2);
    let (_, ris) = get(&anon, app.at(&format!("{lib}/export.ris"))).await;
    assert_eq!(
        read_back(&py, &app, "ris", &ris).as_array().map(Vec::len),
        Some(2)
    );
    let res = api
        .get(app.at(&format!(
            "/api/v1/resources/{}/citation?format=csl-json",
            created["id"]
        )))
        .send()
        .await
        .expect("citation");
    assert_eq!(res.status(), 200);
    let c = read_back(&py, &app, "csl", &res.text().await.expect("body"));
    assert!(
        c["bibliography"][0]
            .as_str()
            .unwrap_or_default()
            .contains("Gagnon, L.")
    );
}

#[tokio::test]
async fn a_private_communitys_resource_is_private_on_every_channel() {
    let app = TestApp::spawn().await;
    let (member_client, m) = app.logged_in("camille", false).await;
    let (outsider_client, o) = app.logged_in("dominique", false).await;
    let (admin, _) = app.logged_in("gestion", true).await;
    community(&app, "cercle", "private", "request", &m).await;
    let res = contribute(
        &app,
        &member_client,
        &[
            ("kind", "guide"),
            ("title", "Guide interne"),
            ("communities", "cercle"),
        ],
        vec![("notes.pdf", pdf("interne"))],
    )
    .await;
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let path = location(&res);
    let id = path.trim_start_matches("/r/").to_string();
    let file_id: i64 = sqlx::query_scalar("SELECT id FROM resource_files")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("file");
    // An id that does not exist, for comparison.
    assert_eq!(get(&app.client(), app.at("/r/999999")).await.0, 404);
    let mtok = token_for(&app, &m).await;
    let otok = token_for(&app, &o).await;
    let api = reqwest::Client::new();
    for (who, client, token) in [
        ("anonymous", app.client(), None),
        ("outsider", outsider_client.clone(), Some(&otok)),
    ] {
        for url in [
            path.clone(),
            format!("{path}/files/{file_id}"),
            format!("{path}/cite.bib"),
            format!("{path}/cite.ris"),
            format!("{path}/cite.json"),
        ] {
            let (s, body) = get(&client, app.at(&url)).await;
            assert_eq!(s, 404, "{who} {url}");
            assert!(!body.contains("Guide interne"), "{who} {url}");
        }
        for url in [
            format!("/api/v1/resources/{id}"),
            format!("/api/v1/resources/{id}/files/{file_id}"),
            format!("/api/v1/resources/{id}/citation?format=bibtex"),
        ] {
            let mut rq = api.get(app.at(&url));
            if let Some(t) = token {
                rq = rq.bearer_auth(t);
            }
            assert_eq!(rq.send().await.expect("api").status(), 404, "{who} {url}");
        }
        let mut rq = api.get(app.at("/api/v1/resources"));
        if let Some(t) = token {
            rq = rq.bearer_auth(t);
        }
        let list: Value = rq.send().await.expect("list").json().await.expect("json");
        assert_eq!(list["total"], 0, "{who} API list");
        for url in [
            "/library",
            "/library/export.bib",
            "/c/cercle/library",
            "/c/cercle/library/export.bib",
        ] {
            let (_, body) = get(&client, app.at(url)).await;
            assert!(!body.contains("Guide interne"), "{who} {url}");
        }
    }
    // Its member and an administrator read it.
    assert_eq!(get(&member_client, app.at(&path)).await.0, 200);
    assert_eq!(
        get(&member_client, app.at(&format!("{path}/files/{file_id}")))
            .await
            .0,
        200
    );
    assert_eq!(get(&admin, app.at(&path)).await.0, 200);
    let res = api
        .get(app.at(&format!("/api/v1/resources/{id}")))
        .bearer_auth(&mtok)
        .send()
        .await
        .expect("api");
    assert_eq!(res.status(), 200);
    let (_, lib) = get(&member_client, app.at("/c/cercle/library")).await;
    assert!(lib.contains("Guide interne"));
    // An outsider may not put a resource into it, nor into the instance library.
    let res = contribute(
        &app,
        &outsider_client,
        &[
            ("kind", "guide"),
            ("title", "Intrus"),
            ("communities", "cercle"),
        ],
        vec![],
    )
    .await;
    assert_eq!(res.status(), 403);
    let res = contribute(
        &app,
        &outsider_client,
        &[("kind", "guide"), ("title", "Intrus"), ("library", "1")],
        vec![],
    )
    .await;
    assert_eq!(res.status(), 403);
    // Once also in the instance library (an administrator's choice), everyone reads it.
    let res = contribute(
        &app,
        &admin,
        &[
            ("kind", "guide"),
            ("title", "Guide public"),
            ("library", "1"),
        ],
        vec![],
    )
    .await;
    assert_eq!(res.status(), 303);
    let public = location(&res);
    assert_eq!(get(&app.client(), app.at(&public)).await.0, 200);
    let (_, lib) = get(&app.client(), app.at("/library")).await;
    assert!(lib.contains("Guide public") && !lib.contains("Guide interne"));
    // Leaving the community ends the member's access at once.
    sqlx::query("DELETE FROM memberships WHERE user_id = $1")
        .bind(m.id)
        .execute(&app.state.db.pool)
        .await
        .expect("leave");
    assert_eq!(get(&member_client, app.at(&path)).await.0, 404);
}

#[tokio::test]
async fn the_lexicon_accepts_proposals_keeps_revisions_and_exports_skos() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.logged_in("gestion", true).await;
    let (member_client, m) = app.logged_in("camille", false).await;
    community(&app, "ess", "open", "open", &m).await;
    let broader = term(
        &app,
        &admin,
        &[("pref_fr", "Économie"), ("pref_en", "Economy")],
    )
    .await;
    assert_eq!(broader, "/lexicon/economie");

    // A member proposes a term with a synonym: it waits for an editor.
    let res = app
        .post_form(
            &member_client,
            "/lexicon/new",
            "/lexicon/new",
            &[
                ("pref_fr", "Économie sociale et solidaire"),
                ("pref_en", "Social and solidarity economy"),
                ("alt_labels", "ESS"),
                ("definition_fr", "Ensemble des entreprises collectives."),
                ("sectors", "finance"),
                ("broader", "Economy"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let path = location(&res);
    assert_eq!(path, "/lexicon/economie-sociale-et-solidaire");
    assert_eq!(
        get(&app.client(), app.at(&path)).await.0,
        404,
        "a proposal is not public"
    );
    assert_eq!(
        get(&member_client, app.at(&path)).await.0,
        200,
        "its proposer sees it"
    );
    // Not usable as a subject yet.
    let res = contribute(
        &app,
        &member_client,
        &[
            ("kind", "guide"),
            ("title", "Guide ESS"),
            ("subjects", "ESS"),
            ("communities", "ess"),
        ],
        vec![],
    )
    .await;
    assert_eq!(res.status(), 422);
    // A form that refuses keeps what was typed.
    let res = app
        .post_form(
            &member_client,
            "/lexicon/new",
            "/lexicon/new",
            &[
                ("pref_fr", "Autre"),
                ("sectors", "inexistant"),
                ("alt_labels", "AUT"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = html_unescape(&res.text().await.expect("body"));
    assert!(html.contains("Un des secteurs n’existe pas.") && html.contains(">AUT</textarea>"));
    // The member may not accept; an editor does.
    let res = app
        .post_form(
            &member_client,
            &path,
            &format!("{path}/decide"),
            &[("decision", "accept")],
        )
        .await;
    assert_eq!(res.status(), 403);
    let res = app
        .post_form(
            &admin,
            &path,
            &format!("{path}/decide"),
            &[("decision", "accept"), ("note", "Bienvenue")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(get(&app.client(), app.at(&path)).await.0, 200);

    // The synonym now tags a resource, and finds it (lexicon search, the term's page).
    let res = contribute(
        &app,
        &member_client,
        &[
            ("kind", "guide"),
            ("title", "Guide ESS"),
            ("subjects", "ess"),
            ("communities", "ess"),
        ],
        vec![],
    )
    .await;
    assert_eq!(res.status(), 303);
    let resource = location(&res);
    let (_, list) = get(&app.client(), app.at("/lexicon?q=ESS")).await;
    assert!(
        list.contains(&format!("href=\"{path}\"")),
        "search by synonym"
    );
    let (_, page) = get(&app.client(), app.at(&path)).await;
    assert!(
        page.contains(&format!("href=\"{resource}\"")),
        "the term lists what it tags"
    );
    assert!(
        page.contains("href=\"/lexicon/economie\""),
        "broader term shown"
    );

    // An editor changes the definition: the history shows the difference.
    let res = app
        .post_form(
            &admin,
            &format!("{path}/edit"),
            &format!("{path}/edit"),
            &[
                ("pref_fr", "Économie sociale et solidaire"),
                ("pref_en", "Social and solidarity economy"),
                ("alt_labels", "ESS\nÉSS"),
                (
                    "definition_fr",
                    "Entreprises collectives au service de leurs membres.",
                ),
                ("sectors", "finance"),
                ("broader", "economie"),
                ("note", "Définition précisée"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM lexicon_revisions r JOIN lexicon_terms t ON t.id = r.term_id WHERE t.slug = 'economie-sociale-et-solidaire'")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("revisions");
    assert_eq!(n, 3, "proposal, acceptance, edit");
    let (_, page) = get(&app.client(), app.at(&path)).await;
    let page = html_unescape(&page);
    assert!(page.contains("Définition précisée"));
    assert!(page.contains("<del>Ensemble des entreprises collectives.</del>"));
    assert!(page.contains("<ins>Entreprises collectives au service de leurs membres.</ins>"));

    // SKOS, read back by rdflib.
    let Some(py) = python("the_lexicon_accepts_proposals_keeps_revisions_and_exports_skos") else {
        return;
    };
    let base = app.state.config.public_url();
    let ess = format!("{base}/lexicon/economie-sociale-et-solidaire");
    let eco = format!("{base}/lexicon/economie");
    for (url, kind) in [("/lexicon.ttl", "turtle"), ("/lexicon.jsonld", "jsonld")] {
        let (status, body) = get(&app.client(), app.at(url)).await;
        assert_eq!(status, 200);
        let g = read_back(&py, &app, kind, &body);
        assert_eq!(g["schemes"], 1, "{kind}");
        let c = &g["concepts"][&ess];
        assert_eq!(
            c["prefFr"],
            json!(["Économie sociale et solidaire"]),
            "{kind}"
        );
        assert_eq!(
            c["prefEn"],
            json!(["Social and solidarity economy"]),
            "{kind}"
        );
        assert_eq!(c["alt"], json!(["ESS", "ÉSS"]), "{kind}");
        assert_eq!(c["broader"], json!([eco.clone()]), "{kind}");
        assert_eq!(
            g["concepts"][&eco]["narrower"],
            json!([ess.clone()]),
            "{kind}"
        );
        assert_eq!(
            g["concepts"].as_object().map(|o| o.len()),
            Some(2),
            "{kind}: accepted terms only"
        );
    }
    // The API lists terms by synonym.
    let terms: Value = reqwest::Client::new()
        .get(app.at("/api/v1/lexicon/terms?q=ess"))
        .send()
        .await
        .expect("api")
        .json()
        .await
        .expect("json");
    assert_eq!(terms[0]["slug"], "economie-sociale-et-solidaire");
    assert_eq!(terms[0]["broader"], json!(["economie"]));
}

#[tokio::test]
async fn a_dossier_shows_each_reader_only_what_they_may_see() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.logged_in("gestion", true).await;
    let (member_client, m) = app.logged_in("camille", false).await;
    let open = community(&app, "ouverte", "open", "open", &m).await;
    let private = community(&app, "privee", "private", "request", &m).await;
    let mut items = Vec::new();
    for (title, slug) in [
        ("Ressource ouverte A", "ouverte"),
        ("Ressource ouverte B", "ouverte"),
        ("Ressource privée", "privee"),
    ] {
        let res = contribute(
            &app,
            &member_client,
            &[
                ("kind", "report"),
                ("title", title),
                ("communities", slug),
                ("creators", "Roy, Ana"),
                ("issued", "2022"),
            ],
            vec![],
        )
        .await;
        assert_eq!(res.status(), 303);
        items.push(("resource", location(&res)));
    }
    let p_open = publication(&app, &m, "Discussion ouverte", &[open], 0).await;
    let p_private = publication(&app, &m, "Discussion privée", &[private], 0).await;
    items.push(("publication", format!("/p/{p_open}")));
    items.push(("publication", format!("/p/{p_private}")));
    // An administrator (curator) assembles a dossier of 5 items.
    let res = app
        .post_form(
            &admin,
            "/dossiers",
            "/dossiers",
            &[
                ("title", "Penser l'après"),
                ("introduction", "Un *parcours*."),
                ("published", "1"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let d = location(&res);
    for (kind, item) in &items {
        let res = app
            .post_form(
                &admin,
                &d,
                &format!("{d}/items"),
                &[
                    ("kind", kind),
                    ("item", item),
                    ("note", &format!("Note {item}")),
                ],
            )
            .await;
        assert_eq!(res.status(), 303, "{item}");
    }
    let res = app
        .post_form(
            &admin,
            &d,
            &format!("{d}/items"),
            &[
                ("kind", "resource"),
                ("item", "/r/99999"),
                ("note", "gardée"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(html_unescape(&res.text().await.expect("body")).contains(">gardée</textarea>"));
    // A member may not curate.
    let res = app
        .post_form(
            &member_client,
            &d,
            &format!("{d}/items"),
            &[("kind", "resource"), ("item", &items[0].1)],
        )
        .await;
    assert_eq!(res.status(), 403);

    let (status, page) = get(&app.client(), app.at(&d)).await;
    assert_eq!(status, 200);
    let page = html_unescape(&page);
    for (i, (_, item)) in items.iter().enumerate() {
        let shown = page.contains(&format!("href=\"{item}\""));
        assert_eq!(shown, i != 2 && i != 4, "anonymous sees {item}: {shown}");
    }
    assert!(!page.contains("Ressource privée") && !page.contains("Discussion privée"));
    let pos = |t: &str| page.find(t).unwrap_or(usize::MAX);
    assert!(
        pos("Ressource ouverte A") < pos("Ressource ouverte B")
            && pos("Ressource ouverte B") < pos("Discussion ouverte"),
        "in order"
    );
    let (_, page) = get(&member_client, app.at(&d)).await;
    assert!(
        page.contains("Ressource privée") && page.contains("Discussion privée"),
        "the member sees all five"
    );
    // The dossier's citations hold the resources the reader may see.
    let Some(py) = python("a_dossier_shows_each_reader_only_what_they_may_see") else {
        return;
    };
    let (_, ris) = get(&app.client(), app.at(&format!("{d}/cite.ris"))).await;
    let r = read_back(&py, &app, "ris", &ris);
    assert_eq!(r.as_array().map(Vec::len), Some(2));
    let (_, bib) = get(&member_client, app.at(&format!("{d}/cite.bib"))).await;
    assert_eq!(
        read_back(&py, &app, "bibtex", &bib)
            .as_array()
            .map(Vec::len),
        Some(3)
    );
}

/// The facets count what the filters keep, each kind, language and year
/// summed over the resources that share it (one grouped statement summed
/// in the server), in the order people expect: most common first, years
/// newest first; the total matches.
#[tokio::test]
async fn facets_count_each_kind_language_and_year() {
    let app = TestApp::spawn().await;
    let (_, m) = app.logged_in("camille", false).await;
    community(&app, "facettes", "open", "open", &m).await;
    let tok = token_for(&app, &m).await;
    let api = reqwest::Client::new();
    for (kind, language, issued) in [
        ("report", "fr", "2023"),
        ("report", "fr", "2023-05"),
        ("report", "en", "2024"),
        ("guide", "fr", "2024-02-01"),
        ("guide", "", ""),
    ] {
        let res = api
            .post(app.at("/api/v1/resources"))
            .bearer_auth(&tok)
            .json(&json!({"kind": kind, "title": format!("{kind} {language} {issued}"), "language": language, "issued": issued, "communities": ["facettes"]}))
            .send()
            .await
            .expect("api create");
        assert_eq!(res.status(), 201, "{kind} {language} {issued}");
    }
    let anon = reqwest::Client::new();
    let (status, html) = get(&anon, app.at("/c/facettes/library")).await;
    assert_eq!(status, 200);
    let html = html_unescape(&html);
    assert!(html.contains("5 ressources"), "total");
    for facet in [
        "Rapport</a> (3)",
        "Guide</a> (2)",
        "Français</a> (3)",
        "Anglais</a> (1)",
        "2024</a> (2)",
        "2023</a> (2)",
    ] {
        assert!(html.contains(facet), "facet {facet}");
    }
    let pos = |s: &str| html.find(s).unwrap_or(usize::MAX);
    assert!(
        pos("Rapport</a> (3)") < pos("Guide</a> (2)"),
        "most common kind first"
    );
    assert!(
        pos("2024</a> (2)") < pos("2023</a> (2)"),
        "newest year first"
    );
    // A filter narrows every facet and the total.
    let (_, html) = get(&anon, app.at("/c/facettes/library?language=fr")).await;
    let html = html_unescape(&html);
    assert!(html.contains("3 ressources"), "filtered total");
    assert!(html.contains("Rapport</a> (2)"), "filtered kind");
    assert!(html.contains("Guide</a> (1)"), "filtered kind");
    assert!(!html.contains("Anglais</a>"), "filtered language");
}
