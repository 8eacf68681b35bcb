//! Feeds that never break: every XML document we serve (community, tag and
//! territory RSS/Atom, the newsletter archive, the agenda's Atom, the
//! OpenSearch description) carries a corpus of hostile
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

async fn create_open_community(
    app: &TestApp,
    client: &reqwest::Client,
    slug: &str,
    territory: &str,
) -> String {
    let csrf = app.csrf(client, "/c/new").await;
    let res = client
        .post(app.at("/c/new"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Flux « hostiles » & <b>"),
            ("slug", slug),
            ("description", "Description <b>\u{FFFF}</b> & ]]>"),
            ("theme", ""),
            ("territory", territory),
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
    let (client, _) = app.logged_in("redaction", true).await;
    // Placed in a region, so the region's feeds carry its publications.
    let community = create_open_community(&app, &client, "flux", "Mauricie").await;
    for (name, h) in HOSTILE {
        publish(
            &app,
            &client,
            &community,
            &format!("Titre {name} avant{h}après"),
        )
        .await;
    }
    // A newsletter of the instance whose name, description, issue subjects
    // and introductions carry the corpus; its archive feed lists sent issues.
    let hostile_all: String = HOSTILE.iter().map(|(_, h)| *h).collect();
    let res = app
        .post_form(
            &client,
            "/newsletters/new",
            "/newsletters/new",
            &[
                ("community", ""),
                ("name", &format!("Lettre {hostile_all}")),
                ("slug", "lettre-hostile"),
                ("description", &format!("Description {hostile_all}")),
                ("rhythm", "Mensuelle"),
                ("categories", "Actualités"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303, "newsletter created");
    for (name, h) in HOSTILE {
        let res = app
            .post_form(
                &client,
                "/newsletters/lettre-hostile",
                "/newsletters/lettre-hostile/issues",
                &[
                    ("subject", &format!("Titre {name} avant{h}après")),
                    ("intro", &format!("Intro {h}")),
                ],
            )
            .await;
        assert_eq!(res.status(), 303, "issue {name}");
        let issue = res.headers()["location"]
            .to_str()
            .expect("location")
            .to_string();
        let res = app
            .post_form(&client, &issue, &format!("{issue}/send"), &[])
            .await;
        assert_eq!(res.status(), 303, "issue {name} sent");
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
        "/t/mauricie/feed.rss",
        "/t/mauricie/feed.atom",
        "/newsletters/lettre-hostile/feed.atom",
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
    // Every feed but the OpenSearch description (the last).
    for file in &files[..files.len() - 1] {
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
        // Publications carry their tag; newsletter issues have none.
        let tags = if file.to_string_lossy().contains("newsletters") {
            serde_json::json!([])
        } else {
            serde_json::json!(["flux-hostiles"])
        };
        assert_eq!(f["tags"], tags, "{file:?}");
        assert!(
            !f["updated"].as_str().unwrap_or("").starts_with("1970"),
            "{file:?}: dated now, not 1970"
        );
    }
    assert_eq!(
        parsed[files[files.len() - 1].to_str().unwrap()]["format"],
        "opensearch"
    );
}

#[tokio::test]
async fn a_tag_without_anything_readable_has_no_feed() {
    let app = TestApp::spawn().await;
    let client = app.client();
    for path in [
        "/tags/jamais-vu/feed.rss",
        "/tags/jamais-vu/feed.atom",
        "/tags/%EF%BF%BE/feed.rss",
        // Calendars and the agenda's Atom under a tag no event carries.
        "/tags/jamais-vu/events.ics",
        "/events.ics?tag=jamais-vu",
        "/events.atom?tag=jamais-vu",
        // Territories, communities, organisations and newsletters that
        // do not exist have no feed either.
        "/t/nulle-part/feed.rss",
        "/t/nulle-part/feed.atom",
        "/t/nulle-part/events.ics",
        "/events.atom?territory=nulle-part",
        "/c/nulle-part/feed.rss",
        "/c/nulle-part/feed.atom",
        "/c/nulle-part/events.ics",
        "/o/nulle-part/events.ics",
        "/newsletters/nulle-part/feed.atom",
    ] {
        let res = client.get(app.at(path)).send().await.expect("get");
        assert_eq!(res.status(), 404, "{path}");
    }
    // An empty but public community still has a well-formed feed, dated now.
    let (member, _) = app.logged_in("fondatrice", false).await;
    create_open_community(&app, &member, "vide", "").await;
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

/// The text formats we emit follow their own rules with the same corpus:
/// iCalendar (RFC 5545 TEXT: escaped, control characters dropped) read by
/// Python `icalendar` and `vobject`; the lexicon's SKOS, Turtle and
/// JSON-LD, read by `rdflib` (tests/rp/library.py).
#[tokio::test]
async fn calendars_and_skos_with_hostile_characters_read_back() {
    let Some(python) = python() else { return };
    let ok = std::process::Command::new(&python)
        .args(["-c", "import icalendar, vobject, rdflib"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var("PASSERELLES_REQUIRE_RP").is_ok_and(|v| v == "1") {
            panic!("icalendar, vobject and rdflib are required (PASSERELLES_REQUIRE_RP=1)");
        }
        crate::harness::skip(
            "calendars_and_skos_with_hostile_characters_read_back",
            "icalendar/vobject/rdflib not installed (scripts/test --install-rp)",
        );
        return;
    }
    let app = TestApp::spawn_with(|c| c.write_limits.publications = 100).await;
    let (client, _) = app.logged_in("organisation", true).await;
    create_open_community(&app, &client, "agenda", "").await;
    for (i, (name, h)) in HOSTILE.iter().enumerate() {
        let res = app
            .post_form(
                &client,
                "/events/new",
                "/events/new",
                &[
                    ("title", &format!("Titre {name} avant{h}après")),
                    ("description", &format!("Description {h}; fin, vraiment")),
                    ("communities", "agenda"),
                    ("tags", "agenda-hostile"),
                    ("territory", "mauricie"),
                    ("start", &format!("2027-03-{:02}T19:00", i + 1)),
                    ("end", &format!("2027-03-{:02}T21:00", i + 1)),
                ],
            )
            .await;
        assert_eq!(
            res.status(),
            303,
            "event {name}: {}",
            res.text().await.unwrap_or_default()
        );
        let res = app
            .post_form(
                &client,
                "/lexicon/new",
                "/lexicon/new",
                &[
                    ("pref_fr", &format!("Terme {name} avant{h}après")),
                    ("pref_en", &format!("Term {name} {h}")),
                    ("alt_labels", &format!("Synonyme {name} {h}")),
                    ("definition_fr", &format!("Définition {h}")),
                ],
            )
            .await;
        assert_eq!(
            res.status(),
            303,
            "term {name}: {}",
            res.text().await.unwrap_or_default()
        );
    }
    let anonymous = app.client();
    let get = |path: &'static str| {
        let anonymous = &anonymous;
        let app = &app;
        async move {
            let res = anonymous.get(app.at(path)).send().await.expect("get");
            assert_eq!(res.status(), 200, "{path}");
            res.text().await.expect("body")
        }
    };
    let dir = app.data_dir.join("exports");
    std::fs::create_dir_all(&dir).expect("dir");

    // iCalendar: both parsers read every event, its summary intact but for
    // the control characters RFC 5545 forbids in TEXT.
    for path in [
        "/events.ics",
        "/c/agenda/events.ics",
        "/tags/agenda-hostile/events.ics",
        "/t/mauricie/events.ics",
    ] {
        let body = get(path).await;
        let file = dir.join(path.trim_start_matches('/').replace('/', "_"));
        std::fs::write(&file, &body).expect("write");
        let out = std::process::Command::new(&python)
            .args([
                "-c",
                "import sys, json, icalendar, vobject\n\
                 data = open(sys.argv[1], encoding='utf-8', newline='').read()\n\
                 cal = icalendar.Calendar.from_ical(data)\n\
                 a = sorted(str(e.get('summary')) for e in cal.walk('VEVENT'))\n\
                 v = vobject.readOne(data)\n\
                 b = sorted(e.summary.value for e in v.vevent_list)\n\
                 print(json.dumps({'icalendar': a, 'vobject': b}))",
            ])
            .arg(&file)
            .output()
            .expect("python");
        assert!(
            out.status.success(),
            "{path}: an iCalendar parser refused it: {}\n{body}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(v["icalendar"], v["vobject"], "{path}: both parsers agree");
        let titles: Vec<&str> = v["icalendar"]
            .as_array()
            .expect("summaries")
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert_eq!(titles.len(), HOSTILE.len(), "{path}: {titles:?}");
        for (name, h) in HOSTILE {
            let want: String = format!("Titre {name} avant{h}après")
                .chars()
                .filter(|c| !c.is_control())
                .collect();
            assert!(
                titles.contains(&want.as_str()),
                "{path}: {want:?} not among {titles:?}"
            );
        }
    }

    // The agenda's Atom: lxml and feedparser (not bozo) read every date,
    // its title kept but for what XML 1.0 forbids.
    let body = get("/events.atom").await;
    let file = dir.join("events.atom");
    std::fs::write(&file, &body).expect("write");
    let out = std::process::Command::new(&python)
        .arg(format!("{}/tests/rp/feeds.py", env!("CARGO_MANIFEST_DIR")))
        .arg(&file)
        .output()
        .expect("run feeds.py");
    assert!(
        out.status.success(),
        "/events.atom: an independent parser refused it: {}\n{body}",
        String::from_utf8_lossy(&out.stderr)
    );
    let parsed: Value = serde_json::from_slice(&out.stdout).expect("feeds.py prints JSON");
    let titles: Vec<&str> = parsed[file.to_str().unwrap()]["titles"]
        .as_array()
        .expect("titles")
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(titles.len(), HOSTILE.len(), "/events.atom: {titles:?}");
    for (name, _) in HOSTILE {
        assert!(
            titles
                .iter()
                .any(|t| t.starts_with(&format!("Titre {name} avant")) && t.ends_with("après")),
            "/events.atom: the date {name} keeps its title: {titles:?}"
        );
    }
    assert!(
        !titles
            .iter()
            .any(|t| t.contains(['\u{FFFE}', '\u{FFFF}', '\u{1}'])),
        "{titles:?}"
    );
    assert!(
        titles.iter().any(|t| t.contains("<b>gras</b>")),
        "{titles:?}"
    );

    // SKOS: rdflib reads both serialisations, every term with its labels.
    for (path, kind) in [("/lexicon.ttl", "turtle"), ("/lexicon.jsonld", "jsonld")] {
        let body = get(path).await;
        let file = dir.join(format!("lexicon.{kind}"));
        std::fs::write(&file, &body).expect("write");
        let out = std::process::Command::new(&python)
            .arg(format!(
                "{}/tests/rp/library.py",
                env!("CARGO_MANIFEST_DIR")
            ))
            .arg(kind)
            .arg(&file)
            .output()
            .expect("run library.py");
        assert!(
            out.status.success(),
            "{path}: rdflib refused it: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let g: Value = serde_json::from_slice(&out.stdout).expect("json");
        let concepts = g["concepts"].as_object().expect("concepts");
        assert_eq!(concepts.len(), HOSTILE.len(), "{path}");
        for (name, _) in HOSTILE {
            let prefix = format!("Terme {name} avant");
            assert!(
                concepts
                    .values()
                    .any(|c| c["prefFr"].as_array().is_some_and(|l| l.len() == 1
                        && l[0]
                            .as_str()
                            .is_some_and(|t| t.starts_with(&prefix) && t.ends_with("après")))),
                "{path}: the term {name} keeps its label: {concepts:?}"
            );
        }
    }
}
