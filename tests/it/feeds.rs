//! Feeds that never break: every XML document we serve (community and tag
//! RSS/Atom, the OpenSearch description) carries a corpus of hostile
//! characters and is read back by independent parsers — lxml's strict XML
//! parser and feedparser (`bozo` false) — from `tests/rp/.venv`
//! (`scripts/test --install-rp`). A tag nobody may read under is a 404,
//! never an empty feed dated 1970.

use reqwest::multipart::Form;
use serde_json::Value;

use crate::harness::TestApp;

/// Characters XML 1.0 forbids or discourages, markup, entities, bidi
/// controls, noncharacters it allows, and astral characters.
const HOSTILE: &[(&str, &str)] = &[
    ("fffe", "\u{FFFE}"),
    ("ffff", "\u{FFFF}"),
    ("soh", "\u{1}"),
    ("us", "\u{1F}"),
    ("del", "\u{7F}"),
    ("c1", "\u{9F}"),
    ("cdata", "]]>"),
    ("entity", "&amp; &#0; &bogus;"),
    ("markup", "<b>gras</b>"),
    ("quotes", "\"l'été\""),
    ("bidi", "\u{202E}abc"),
    ("nonchar", "\u{FDD0}"),
    ("astral", "😀\u{10FFFF}"),
];

fn python() -> Option<String> {
    let venv = format!("{}/tests/rp/.venv/bin/python3", env!("CARGO_MANIFEST_DIR"));
    let python = if std::path::Path::new(&venv).exists() {
        venv
    } else {
        "python3".to_string()
    };
    let ok = std::process::Command::new(&python)
        .args(["-c", "import feedparser, lxml"])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(python);
    }
    if std::env::var("PASSERELLES_REQUIRE_RP").is_ok_and(|v| v == "1") {
        panic!("feedparser and lxml are required (PASSERELLES_REQUIRE_RP=1) but not installed");
    }
    crate::harness::skip(
        "feeds_with_hostile_characters_pass_feedparser_and_lxml",
        "feedparser/lxml not installed (scripts/test --install-rp)",
    );
    None
}

async fn create_open_community(app: &TestApp, client: &reqwest::Client, slug: &str) -> String {
    let csrf = app.csrf(client, "/c/new").await;
    let res = client
        .post(app.at("/c/new"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Flux « hostiles » & <b>"),
            ("slug", slug),
            ("description", "Description <b>\u{FFFF}</b> & ]]>"),
            ("theme", ""),
            ("territory", ""),
            ("visibility", "open"),
            ("join_policy", "open"),
            ("request_note", ""),
        ])
        .send()
        .await
        .expect("create community");
    assert_eq!(
        res.status(),
        303,
        "community created: {}",
        res.text().await.unwrap_or_default()
    );
    let id: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT id FROM communities WHERE slug = '{slug}'"
    )))
    .fetch_one(&app.state.db.pool)
    .await
    .expect("community id");
    id.to_string()
}

async fn publish(app: &TestApp, client: &reqwest::Client, community: &str, title: &str) {
    let csrf = app.csrf(client, "/p/new").await;
    let form = Form::new()
        .text("csrf", csrf)
        .text("kind", "discussion")
        .text("title", title.to_string())
        .text("body", format!("Corps {title}"))
        .text("tags", "flux-hostiles")
        .text("communities", community.to_string());
    let res = client
        .post(app.at("/p/new"))
        .multipart(form)
        .send()
        .await
        .expect("publish");
    assert_eq!(
        res.status(),
        303,
        "published {title:?}: {}",
        res.text().await.unwrap_or_default()
    );
}

#[tokio::test]
async fn feeds_with_hostile_characters_pass_feedparser_and_lxml() {
    let Some(python) = python() else { return };
    // The publishing limit is not what is tested here.
    let app = TestApp::spawn_with(|c| c.write_limits.publications = 100).await;
    let (client, _) = app.logged_in("redaction", false).await;
    let community = create_open_community(&app, &client, "flux").await;
    for (name, h) in HOSTILE {
        publish(
            &app,
            &client,
            &community,
            &format!("Titre {name} avant{h}après"),
        )
        .await;
    }

    let dir = app.data_dir.join("feeds");
    std::fs::create_dir_all(&dir).expect("dir");
    let anonymous = app.client();
    let mut files = Vec::new();
    for path in [
        "/c/flux/feed.rss",
        "/c/flux/feed.atom",
        "/tags/flux-hostiles/feed.rss",
        "/tags/flux-hostiles/feed.atom",
        "/opensearch.xml",
    ] {
        let res = anonymous.get(app.at(path)).send().await.expect("get");
        assert_eq!(res.status(), 200, "{path}");
        let body = res.bytes().await.expect("body");
        let file = dir.join(path.trim_start_matches('/').replace('/', "_"));
        std::fs::write(&file, &body).expect("write");
        files.push(file);
    }
    let out = std::process::Command::new(&python)
        .arg(format!("{}/tests/rp/feeds.py", env!("CARGO_MANIFEST_DIR")))
        .args(&files)
        .output()
        .expect("run feeds.py");
    assert!(
        out.status.success(),
        "independent parsers refused a feed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let parsed: Value = serde_json::from_slice(&out.stdout).expect("feeds.py prints JSON");
    for file in &files[..4] {
        let f = &parsed[file.to_str().unwrap()];
        let titles: Vec<&str> = f["titles"]
            .as_array()
            .expect("titles")
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert_eq!(
            titles.len(),
            HOSTILE.len(),
            "{file:?}: every publication is an entry"
        );
        for (name, _) in HOSTILE {
            assert!(
                titles
                    .iter()
                    .any(|t| t.starts_with(&format!("Titre {name} avant")) && t.ends_with("après")),
                "{file:?}: the entry {name} keeps its text: {titles:?}"
            );
        }
        // What XML may carry arrives intact; markup is text, not markup.
        assert!(
            titles.iter().any(|t| t.contains("<b>gras</b>")),
            "{titles:?}"
        );
        assert!(titles.iter().any(|t| t.contains("]]>")), "{titles:?}");
        assert!(titles.iter().any(|t| t.contains("😀")), "{titles:?}");
        assert!(
            titles.iter().any(|t| t.contains("\u{202E}abc")),
            "{titles:?}"
        );
        assert!(
            !titles
                .iter()
                .any(|t| t.contains(['\u{FFFE}', '\u{FFFF}', '\u{1}'])),
            "{titles:?}"
        );
        assert_eq!(f["tags"], serde_json::json!(["flux-hostiles"]), "{file:?}");
        assert!(
            !f["updated"].as_str().unwrap_or("").starts_with("1970"),
            "{file:?}: dated now, not 1970"
        );
    }
    assert_eq!(parsed[files[4].to_str().unwrap()]["format"], "opensearch");
}

#[tokio::test]
async fn a_tag_without_anything_readable_has_no_feed() {
    let app = TestApp::spawn().await;
    let client = app.client();
    for path in [
        "/tags/jamais-vu/feed.rss",
        "/tags/jamais-vu/feed.atom",
        "/tags/%EF%BF%BE/feed.rss",
    ] {
        let res = client.get(app.at(path)).send().await.expect("get");
        assert_eq!(res.status(), 404, "{path}");
    }
    // An empty but public community still has a well-formed feed, dated now.
    let (member, _) = app.logged_in("fondatrice", false).await;
    create_open_community(&app, &member, "vide").await;
    let atom = client
        .get(app.at("/c/vide/feed.atom"))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    assert!(
        atom.contains("<updated>") && !atom.contains("<updated>1970"),
        "{atom}"
    );
}
