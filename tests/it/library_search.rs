//! Library resources in search (issue 19, C7 "Finding"), on both engines:
//! a funding program is found by a word that is only inside its PDF (the
//! text read by the `pdf-text` helper process), by a synonym of its subject
//! term, through the results page, the API and the library's own filter;
//! a term's new synonym reaches the resources filed under it; a removed
//! resource leaves search; a PDF the helper cannot read (or a helper that
//! fails) still uploads, without text. Who finds what is in
//! `matrix::library_matrix_channel_placement_viewer`.

use serde_json::Value;

use crate::harness::TestApp;
use crate::library::{contribute, location};
use crate::writing::{community, get, token_for};

fn pdf(words: &str) -> Vec<u8> {
    passerelles::library::pdftext::sample_pdf(words)
}

async fn found(client: &reqwest::Client, app: &TestApp, q: &str, path: &str) -> bool {
    let (status, html) = get(client, app.at(&format!("/search?q={q}"))).await;
    assert_eq!(status, 200, "{q}");
    html.contains(&format!("href=\"{path}\""))
}

#[tokio::test]
async fn a_resource_is_found_by_the_words_inside_its_pdf_and_by_a_synonym() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.logged_in("gestion", true).await;
    let (member, m) = app.logged_in("camille", false).await;
    community(&app, "financement", "open", "open", &m).await;
    let res = app
        .post_form(
            &admin,
            "/lexicon/new",
            "/lexicon/new",
            &[
                ("pref_fr", "Agriculture urbaine"),
                ("pref_en", "Urban agriculture"),
                ("alt_labels", "potagers collectifs"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = contribute(
        &app,
        &member,
        &[
            ("kind", "funding"),
            ("title", "Fonds pour les quartiers"),
            ("deadline", "2099-06-30"),
            ("subjects", "Agriculture urbaine"),
            ("communities", "financement"),
        ],
        vec![(
            "Guide.pdf",
            pdf("Les serres hydroponiques des organismes admissibles"),
        )],
    )
    .await;
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let path = location(&res);
    let id: i64 = path.trim_start_matches("/r/").parse().expect("id");
    // The helper read the PDF; its text is kept with the file.
    let text: Option<String> =
        sqlx::query_scalar("SELECT text_content FROM resource_files WHERE resource_id = $1")
            .bind(id)
            .fetch_one(&app.state.db.pool)
            .await
            .expect("file");
    assert!(
        text.as_deref().unwrap_or("").contains("hydroponiques"),
        "{text:?}"
    );

    let anon = app.client();
    // A word only inside the PDF, with its stemmed plural, and a synonym of
    // the subject; a word found nowhere finds nothing.
    assert!(found(&anon, &app, "hydroponiques", &path).await);
    assert!(found(&anon, &app, "serre", &path).await, "stemmed");
    assert!(
        found(&anon, &app, "potagers+collectifs", &path).await,
        "synonym"
    );
    assert!(
        found(&anon, &app, "Urban+agriculture", &path).await,
        "English label"
    );
    assert!(!found(&anon, &app, "aquaponie", &path).await);
    // The kind filter, and its facet label.
    let (_, html) = get(&anon, app.at("/search?q=hydroponiques&kind=resource")).await;
    assert!(html.contains(&format!("href=\"{path}\"")));
    assert!(html.contains("Ressource de la bibliothèque"));
    let (_, html) = get(&anon, app.at("/search?q=hydroponiques&kind=discussion")).await;
    assert!(!html.contains(&format!("href=\"{path}\"")));
    // The API, and the library's own filter with the deadline still open.
    let res = reqwest::Client::new()
        .get(app.at("/api/v1/search?q=hydroponiques"))
        .bearer_auth(token_for(&app, &m).await)
        .send()
        .await
        .expect("api");
    let body: Value = res.json().await.expect("json");
    assert!(body.to_string().contains(&format!("\"{path}\"")), "{body}");
    for q in ["?q=hydroponiques", "?q=hydroponiques&open=1&sort=deadline"] {
        let (_, html) = get(&anon, app.at(&format!("/c/financement/library{q}"))).await;
        assert!(html.contains(&format!("href=\"{path}\"")), "{q}");
    }
    let (_, html) = get(&anon, app.at("/c/financement/library?q=aquaponie")).await;
    assert!(!html.contains(&format!("href=\"{path}\"")));

    // A synonym added to the term later reaches the resource filed under it.
    assert!(!found(&anon, &app, "jardins+partages", &path).await);
    let res = app
        .post_form(
            &admin,
            "/lexicon/agriculture-urbaine/edit",
            "/lexicon/agriculture-urbaine/edit",
            &[
                ("pref_fr", "Agriculture urbaine"),
                ("pref_en", "Urban agriculture"),
                ("alt_labels", "potagers collectifs\njardins partagés"),
                ("note", "synonyme"),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );
    assert!(found(&anon, &app, "jardins+partages", &path).await);

    // A new version of the file: its words replace the old version's.
    let csrf = app.csrf(&member, &path).await;
    let form = reqwest::multipart::Form::new().text("csrf", csrf).part(
        "files",
        reqwest::multipart::Part::bytes(pdf("Version revue sur la permaculture"))
            .file_name("Guide.pdf"),
    );
    let res = member
        .post(app.at(&format!("{path}/files")))
        .multipart(form)
        .send()
        .await
        .expect("v2");
    assert_eq!(res.status(), 303);
    assert!(found(&anon, &app, "permaculture", &path).await);
    assert!(
        !found(&anon, &app, "hydroponiques", &path).await,
        "old version's words"
    );

    // Removed: it leaves search at once.
    let res = app
        .post_form(&member, &path, &format!("{path}/remove"), &[])
        .await;
    assert!(res.status().is_redirection(), "{}", res.status());
    assert!(!found(&anon, &app, "permaculture", &path).await);
    assert!(!found(&member, &app, "permaculture", &path).await);
}

#[tokio::test]
async fn a_pdf_that_cannot_be_read_still_uploads_without_text() {
    // A helper that crashes on every file (as one stopped by its limits).
    let dir = std::env::temp_dir().join(format!("passerelles-helper-{}", rand_suffix()));
    std::fs::create_dir_all(&dir).expect("dir");
    let helper = dir.join("crashing-helper");
    std::fs::write(&helper, "#!/bin/sh\ncat >/dev/null\nkill -SEGV $$\n").expect("write");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let h = helper.clone();
    let app = TestApp::spawn_with(move |c| c.pdf_helper = Some(h)).await;
    let (member, m) = app.logged_in("camille", false).await;
    community(&app, "financement", "open", "open", &m).await;
    let started = std::time::Instant::now();
    let res = contribute(
        &app,
        &member,
        &[
            ("kind", "report"),
            ("title", "Rapport illisible"),
            ("communities", "financement"),
        ],
        vec![("r.pdf", pdf("mots introuvables"))],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert!(started.elapsed() < std::time::Duration::from_secs(8));
    let path = location(&res);
    let id: i64 = path.trim_start_matches("/r/").parse().expect("id");
    let text: Option<String> =
        sqlx::query_scalar("SELECT text_content FROM resource_files WHERE resource_id = $1")
            .bind(id)
            .fetch_one(&app.state.db.pool)
            .await
            .expect("file");
    assert_eq!(text, None);
    // Found by its metadata, not by words nobody could read.
    let anon = app.client();
    assert!(found(&anon, &app, "illisible", &path).await);
    assert!(!found(&anon, &app, "introuvables", &path).await);
    let _ = std::fs::remove_dir_all(dir);

    // The real helper on a hostile file (truncated, then garbage after the
    // header) answers "no text" and the upload goes through.
    let app = TestApp::spawn().await;
    let (member, m) = app.logged_in("camille", false).await;
    community(&app, "financement", "open", "open", &m).await;
    let mut hostile = pdf("jamais lu");
    hostile.truncate(hostile.len() / 3);
    hostile.extend_from_slice(&[0xff; 2000]);
    let res = contribute(
        &app,
        &member,
        &[
            ("kind", "report"),
            ("title", "Rapport abîmé"),
            ("communities", "financement"),
        ],
        vec![("abime.pdf", hostile)],
    )
    .await;
    assert_eq!(res.status(), 303);
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
        ^ u64::from(std::process::id())
}

/// The library pages' "funding closing soon" box: programs whose deadline
/// is ahead, soonest first, only those the reader may read, never a closed
/// one or another kind.
#[tokio::test]
async fn funding_closing_soon_lists_open_programs_the_reader_may_see() {
    let app = TestApp::spawn().await;
    let (member, m) = app.logged_in("camille", false).await;
    community(&app, "fonds", "open", "open", &m).await;
    community(&app, "fonds-prive", "private", "request", &m).await;
    let mut paths = Vec::new();
    for (title, kind, deadline, place) in [
        ("Fonds lointain", "funding", "2099-12-31", "fonds"),
        ("Fonds proche", "funding", "2098-01-15", "fonds"),
        ("Fonds fermé", "funding", "2001-01-01", "fonds"),
        ("Guide daté", "guide", "2098-01-01", "fonds"),
        ("Fonds privé", "funding", "2098-06-01", "fonds-prive"),
    ] {
        let res = contribute(
            &app,
            &member,
            &[
                ("kind", kind),
                ("title", title),
                ("deadline", deadline),
                ("communities", place),
            ],
            vec![],
        )
        .await;
        assert_eq!(res.status(), 303, "{title}");
        paths.push(location(&res));
    }
    let box_of = |html: &str| {
        html.split("id=\"closing-soon\"")
            .nth(1)
            .and_then(|s| s.split("</ul>").next())
            .unwrap_or("")
            .to_string()
    };
    let (_, html) = get(&app.client(), app.at("/c/fonds/library")).await;
    let b = box_of(&html);
    let at = |p: &str| b.find(&format!("href=\"{p}\""));
    assert!(at(&paths[1]).is_some() && at(&paths[0]).is_some(), "{b}");
    assert!(at(&paths[1]) < at(&paths[0]), "soonest first");
    assert!(at(&paths[2]).is_none(), "closed");
    assert!(at(&paths[3]).is_none(), "not a funding program");
    let (_, html) = get(&app.client(), app.at("/c/fonds-prive/library")).await;
    assert!(!html.contains(&paths[4]), "private, for outsiders");
    let (_, html) = get(&member, app.at("/c/fonds-prive/library")).await;
    assert!(box_of(&html).contains(&format!("href=\"{}\"", paths[4])));
}
