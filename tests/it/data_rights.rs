//! "Download my data" end to end (issue 20): asked on the settings page,
//! built by the job queue, announced by e-mail, downloaded by its owner
//! only, and read back by independent parsers — Python's `zipfile`,
//! `jsonschema` against `docs/data-export/schema-v1.json` and `html.parser`
//! (`tests/rp/data_export.py`) — which also look for other people's
//! private text in every file. A second test fills an account with 10,000
//! items and checks that the archive was written in bounded pieces.

use passerelles::accounts::User;
use passerelles::communities::{self, Community, NewCommunity};
use passerelles::policy::{JoinPolicy, MemberState, Role, Visibility};
use reqwest::multipart::{Form, Part};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::harness::TestApp;

fn python() -> Option<String> {
    let venv = format!("{}/tests/rp/.venv/bin/python3", env!("CARGO_MANIFEST_DIR"));
    let python = if std::path::Path::new(&venv).exists() {
        venv
    } else {
        "python3".to_string()
    };
    let ok = std::process::Command::new(&python)
        .args(["-c", "import jsonschema"])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(python);
    }
    if std::env::var("PASSERELLES_REQUIRE_RP").is_ok_and(|v| v == "1") {
        panic!("jsonschema is required (PASSERELLES_REQUIRE_RP=1) but not installed");
    }
    crate::harness::skip(
        "data_export",
        "jsonschema not installed (scripts/test --install-rp)",
    );
    None
}

/// Run `tests/rp/data_export.py` on the archive; its JSON summary, plus the
/// files of the archive in which any of `needles` appears.
fn read_back(python: &str, archive: &std::path::Path, needles: &[&str]) -> (Value, Vec<String>) {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = std::process::Command::new(python)
        .arg(format!("{root}/tests/rp/data_export.py"))
        .arg(archive)
        .arg(format!("{root}/docs/data-export/schema-v1.json"))
        .output()
        .expect("run data_export.py");
    assert!(
        out.status.success(),
        "the archive is read by zipfile and valid against the schema: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: Value = serde_json::from_slice(&out.stdout).expect("summary");
    // Independent of our writer: Python's zipfile reads every entry.
    let script = "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nfor n in z.namelist():\n    t = z.read(n)\n    for needle in sys.argv[2:]:\n        if needle.encode() in t:\n            print(n + ':' + needle)\n";
    let out = std::process::Command::new(python)
        .arg("-c")
        .arg(script)
        .arg(archive)
        .args(needles)
        .output()
        .expect("search the archive");
    assert!(out.status.success());
    let hits = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    (summary, hits)
}

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
            description: "",
            theme: "",
            territory: "",
            visibility,
            join_policy: JoinPolicy::Open,
            request_note: "",
        },
        slug,
        false,
    )
    .await
    .expect("community created")
}

pub(crate) async fn publish(
    app: &TestApp,
    client: &reqwest::Client,
    fields: &[(&str, &str)],
    files: Vec<(&str, Vec<u8>)>,
) -> i64 {
    let csrf = app.csrf(client, "/p/new").await;
    let mut form = Form::new().text("csrf", csrf);
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    for (name, bytes) in files {
        form = form.part("files", Part::bytes(bytes).file_name(name.to_string()));
    }
    let res = client
        .post(app.at("/p/new"))
        .multipart(form)
        .send()
        .await
        .expect("post /p/new");
    assert_eq!(res.status(), 303, "published");
    res.headers()["location"]
        .to_str()
        .expect("location")
        .trim_start_matches("/p/")
        .parse()
        .expect("id")
}

pub(crate) async fn reply(app: &TestApp, client: &reqwest::Client, id: i64, body: &str) -> i64 {
    let res = app
        .post_form(
            client,
            &format!("/p/{id}"),
            &format!("/p/{id}/replies"),
            &[("body", body), ("parent_id", "")],
        )
        .await;
    assert_eq!(res.status(), 303, "replied");
    let loc = res.headers()["location"].to_str().expect("loc").to_string();
    loc.rsplit("#r-")
        .next()
        .expect("anchor")
        .parse()
        .expect("id")
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

#[tokio::test]
async fn data_export_archive_holds_own_data_only() {
    let Some(python) = python() else { return };
    let app = TestApp::spawn().await;
    let (me_c, me) = app.logged_in("camille", false).await;
    let (other_c, other) = app.logged_in("dominique", false).await;
    let anon = app.client();
    let open = community(&app, &other, "jardins", Visibility::Open).await;
    let private = community(&app, &other, "comite-prive", Visibility::Private).await;
    for c in [&open, &private] {
        communities::set_membership(
            &app.state.db,
            c.id,
            me.id,
            Role::Member,
            MemberState::Active,
            "",
        )
        .await
        .expect("member");
    }
    let mine = publish(
        &app,
        &me_c,
        &[
            ("kind", "discussion"),
            ("title", "Mon potager partagé"),
            ("body", "Des **tomates** pour tous."),
            ("tags", "jardinage"),
            ("communities", &open.id.to_string()),
        ],
        vec![("plan du potager.pdf", PDF.to_vec())],
    )
    .await;
    let theirs = publish(
        &app,
        &other_c,
        &[
            ("kind", "question"),
            ("title", "Secret du comité"),
            ("body", "Texte confidentiel de Dominique."),
            ("communities", &private.id.to_string()),
        ],
        Vec::new(),
    )
    .await;
    let my_reply = reply(&app, &me_c, theirs, "Ma réponse au comité").await;
    reply(&app, &other_c, mine, "Réponse privée de Dominique").await;
    // An edited reply keeps its earlier text in the archive.
    let res = app
        .post_form(
            &me_c,
            &format!("/p/{theirs}/replies/{my_reply}/edit"),
            &format!("/p/{theirs}/replies/{my_reply}/edit"),
            &[("body", "Ma réponse corrigée")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, token) = passerelles::api::tokens::create_token(&app.state.db, me.id, "script", None)
        .await
        .expect("token");

    // Ask on the settings page; a second request while it is being made is refused.
    let (status, page) = get(&me_c, &app.at("/settings/data")).await;
    assert_eq!(status, 200);
    assert!(page.contains("action=\"/settings/data/export\""));
    let res = app
        .post_form(&me_c, "/settings/data", "/settings/data/export", &[])
        .await;
    assert_eq!(res.status(), 303, "requested");
    // One archive in the making at a time. The app's own worker may already
    // have built the first one (it is small): an archive still queued is
    // set up here so the refusal does not depend on the worker's speed.
    let pending: i64 = sqlx::query_scalar(
        "INSERT INTO data_exports (user_id, status, requested_at) VALUES ($1, 'queued', $2) RETURNING id",
    )
    .bind(me.id)
    .bind(passerelles::db::now())
    .fetch_one(&app.state.db.pool)
    .await
    .expect("a queued archive");
    let res = app
        .post_form(&me_c, "/settings/data", "/settings/data/export", &[])
        .await;
    assert_eq!(res.status(), 409, "one archive in the making at a time");
    sqlx::query("DELETE FROM data_exports WHERE id = $1")
        .bind(pending)
        .execute(&app.state.db.pool)
        .await
        .expect("removed");

    // The job builds it and e-mails the link.
    let link = app
        .mail_link(
            me.email.as_deref().expect("email"),
            "/settings/data/exports/",
        )
        .await;
    let (status, page) = get(&me_c, &app.at("/settings/data")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!("href=\"{link}\"")),
        "listed for download"
    );

    // Only its owner downloads it.
    let res = anon.get(app.at(&link)).send().await.expect("anon");
    assert_eq!(res.status(), 303, "anonymous: to the log-in form");
    let res = other_c.get(app.at(&link)).send().await.expect("other");
    assert_eq!(res.status(), 404, "someone else: as if it did not exist");
    let res = me_c.get(app.at(&link)).send().await.expect("owner");
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/zip");
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .expect("cd")
            .contains("passerelles-camille-")
    );
    let bytes = res.bytes().await.expect("archive");
    let path = app.data_dir.join("archive.zip");
    std::fs::write(&path, &bytes).expect("saved");

    let (summary, hits) = read_back(
        &python,
        &path,
        &[
            "Secret du comité",
            "Texte confidentiel de Dominique",
            "Réponse privée de Dominique",
            &token,
            "dominique@exemple.qc.ca",
        ],
    );
    assert!(
        hits.is_empty(),
        "nothing of anyone else's, no secret: {hits:?}"
    );
    assert_eq!(
        summary["publication_titles"],
        serde_json::json!(["Mon potager partagé"])
    );
    assert_eq!(
        summary["reply_bodies"],
        serde_json::json!(["Ma réponse corrigée"])
    );
    assert_eq!(summary["email"], "camille@exemple.qc.ca");
    assert_eq!(
        summary["memberships"],
        serde_json::json!(["jardins", "comite-prive"])
    );
    assert_eq!(summary["token_prefixes"].as_array().map(Vec::len), Some(1));
    assert_eq!(summary["outbox_total"], 2, "one publication, one reply");
    assert_eq!(
        summary["outbox_types"],
        serde_json::json!(["Article", "Note"])
    );
    // Read back by an independent JSON-LD processor (pyld): two Create
    // activities, every term defined by the ActivityStreams context.
    assert_eq!(
        summary["outbox_ld"]["activities"],
        serde_json::json!(["https://www.w3.org/ns/activitystreams#Create"])
    );
    assert_eq!(summary["outbox_ld"]["count"], 2);
    assert_eq!(summary["outbox_ld"]["undefined"], serde_json::json!([]));
    let files = summary["files"].as_object().expect("files");
    assert_eq!(files.len(), 1);
    let sha = hex::encode(Sha256::digest(PDF));
    assert_eq!(
        files.values().next().and_then(Value::as_str),
        Some(sha.as_str())
    );
    assert_eq!(
        summary["index_missing"],
        serde_json::json!([]),
        "every link of the index is in the archive"
    );
    assert_eq!(
        summary["index_remote_loads"],
        serde_json::json!([]),
        "opens offline"
    );
    assert_eq!(summary["index_local_loads_missing"], serde_json::json!([]));
    assert_eq!(summary["index_scripts"], 0);
    assert!(
        summary["index_h1"]
            .as_str()
            .unwrap_or("")
            .contains("camille")
    );
    let names: Vec<&str> = summary["names"]
        .as_array()
        .expect("names")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for n in [
        "manifest.json",
        "outbox.json",
        "index.html",
        "style.css",
        "publications.json",
    ] {
        assert!(names.contains(&n), "{n} in {names:?}");
    }
    let zip = String::from_utf8_lossy(&bytes);
    assert!(!zip.contains(&token), "the token never appears");
    // The earlier text of the edited reply is there too (deflated: read by Python).
    let (_, hits) = read_back(&python, &path, &["Ma réponse au comité"]);
    assert_eq!(hits, vec!["replies.json:Ma réponse au comité".to_string()]);

    // Rate limited: a second archive today, not a third.
    let res = app
        .post_form(&me_c, "/settings/data", "/settings/data/export", &[])
        .await;
    assert_eq!(res.status(), 303);
    // Built by this drain or by the app's own worker: wait until it is.
    for _ in 0..100 {
        app.drain_jobs().await;
        let making: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM data_exports WHERE status IN ('queued', 'building')",
        )
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count");
        if making == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let res = app
        .post_form(&me_c, "/settings/data", "/settings/data/export", &[])
        .await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));

    // Past its 7 days, the link is gone and the bytes purged.
    sqlx::query("UPDATE data_exports SET expires_at = $1")
        .bind(passerelles::db::now() - 1)
        .execute(&app.state.db.pool)
        .await
        .expect("age");
    let res = me_c.get(app.at(&link)).send().await.expect("expired");
    assert_eq!(res.status(), 404);
    passerelles::data_rights::purge(&app.state.db)
        .await
        .expect("purge");
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM data_export_chunks")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count");
    assert_eq!(left, 0);
    let _ = other;
}

async fn get(client: &reqwest::Client, url: &str) -> (u16, String) {
    let res = client.get(url).send().await.expect("get");
    let status = res.status().as_u16();
    (status, res.text().await.expect("body"))
}

/// `n` × 64 hexadecimal digits that deflate cannot fold into repeats.
fn noise(seed: &str, n: usize) -> String {
    (0..n)
        .map(|k| hex::encode(Sha256::digest(format!("{seed}-{k}"))))
        .collect()
}

/// 10,000 replies and 500 publications of incompressible text: the archive
/// (several MiB) leaves for the database in pieces; the writer never held
/// more than about two chunks; Python reads every item back.
#[tokio::test]
async fn data_export_of_ten_thousand_items_is_streamed() {
    let Some(python) = python() else { return };
    let app = TestApp::spawn().await;
    let (me_c, me) = app.logged_in("prolifique", false).await;
    let open = community(&app, &me, "grand-forum", Visibility::Open).await;
    let t = passerelles::db::now();
    let mut tx = app.state.db.begin().await.expect("tx");
    let mut pub_ids = Vec::new();
    for i in 0..500 {
        let body = noise(&format!("p{i}"), 20);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO publications (kind, title, body, body_html, author_id, created_at, updated_at, last_activity_at) \
             VALUES ('discussion', $1, $2, $3, $4, $5, $5, $5) RETURNING id",
        )
        .bind(format!("Publication {i}"))
        .bind(&body)
        .bind(format!("<p>{body}</p>"))
        .bind(me.id)
        .bind(t)
        .fetch_one(&mut *tx)
        .await
        .expect("publication");
        sqlx::query("INSERT INTO publication_communities (publication_id, community_id, added_by, added_at) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(open.id)
            .bind(me.id)
            .bind(t)
            .execute(&mut *tx)
            .await
            .expect("link");
        pub_ids.push(id);
    }
    for i in 0..10_000 {
        let body = noise(&format!("r{i}"), 4);
        sqlx::query(
            "INSERT INTO replies (publication_id, author_id, body, body_html, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5)",
        )
        .bind(pub_ids[i % pub_ids.len()])
        .bind(me.id)
        .bind(&body)
        .bind(format!("<p>{body}</p>"))
        .bind(t)
        .execute(&mut *tx)
        .await
        .expect("reply");
    }
    tx.commit().await.expect("commit");

    let res = app
        .post_form(&me_c, "/settings/data", "/settings/data/export", &[])
        .await;
    assert_eq!(res.status(), 303);
    let link = app
        .mail_link(
            me.email.as_deref().expect("email"),
            "/settings/data/exports/",
        )
        .await;
    let (size, peak, chunks): (i64, i64, i64) = sqlx::query_as(
        "SELECT e.size, e.peak_buffer, (SELECT COUNT(*) FROM data_export_chunks c WHERE c.export_id = e.id) \
         FROM data_exports e",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .expect("export");
    let chunk = passerelles::data_rights::CHUNK as i64;
    assert!(size > 4 * chunk, "a large archive: {size} bytes");
    assert!(chunks >= 4, "stored in pieces: {chunks}");
    assert!(
        peak < 2 * chunk,
        "never more than about one chunk held: peak {peak} of {size}"
    );
    let res = me_c.get(app.at(&link)).send().await.expect("download");
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-length"].to_str().ok(),
        Some(size.to_string().as_str())
    );
    let bytes = res.bytes().await.expect("bytes");
    assert_eq!(bytes.len() as i64, size);
    let path = app.data_dir.join("big.zip");
    std::fs::write(&path, &bytes).expect("saved");
    eprintln!(
        "archive of 10,500 items: {size} bytes in {chunks} chunks, at most {peak} bytes held"
    );
    let (summary, _) = read_back(&python, &path, &[]);
    assert_eq!(summary["sections"]["replies"], 10_000);
    assert_eq!(summary["sections"]["publications"], 500);
    assert_eq!(summary["outbox_total"], 10_500);
    assert_eq!(
        summary["reply_bodies"].as_array().map(Vec::len),
        Some(10_000)
    );
}

/// Every consent is listed with its withdrawal: being findable (the member
/// leaves the search index in the same change) and a tool's access.
#[tokio::test]
async fn consents_are_listed_and_withdrawn() {
    let app = TestApp::spawn().await;
    let (c, me) = app.logged_in("eloise", false).await;
    let (status, html) = get(&c, &app.at("/settings/consents")).await;
    assert_eq!(status, 200);
    assert!(
        !html.contains("action=\"/settings/consents/findable\""),
        "not findable by default"
    );
    let changes = passerelles::profiles::ProfileChanges {
        findable: Some(true),
        ..Default::default()
    };
    passerelles::profiles::update_profile(&app.state.db, me.id, &changes)
        .await
        .expect("findable");
    let docs = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM search_docs WHERE source = 'm' AND ref_id = $1",
        )
        .bind(me.id)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("docs")
    };
    assert_eq!(docs().await, 1, "findable: in the member index");
    let (_, html) = get(&c, &app.at("/settings/consents")).await;
    assert!(html.contains("action=\"/settings/consents/findable\""));
    let res = app
        .post_form(&c, "/settings/consents", "/settings/consents/findable", &[])
        .await;
    assert_eq!(res.status(), 303);
    assert!(
        !passerelles::profiles::is_findable(&app.state.db, me.id)
            .await
            .expect("read")
    );
    assert_eq!(docs().await, 0, "withdrawn: out of the index at once");
    let events: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'consent_withdrawn' AND target_user_id = $1",
    )
    .bind(me.id)
    .fetch_one(&app.state.db.pool)
    .await
    .expect("audit");
    assert_eq!(events, 1);
    // A tool the person allowed: listed, then withdrawn with its grants.
    let t = passerelles::db::now();
    let client: i64 = sqlx::query_scalar(
        "INSERT INTO oidc_clients (client_id, name, redirect_uris, scopes, created_at, updated_at) \
         VALUES ('nuage-test', 'Nuage partagé', 'https://nuage.exemple/cb', 'openid profile', $1, $1) RETURNING id",
    )
    .bind(t)
    .fetch_one(&app.state.db.pool)
    .await
    .expect("client");
    sqlx::query("INSERT INTO oidc_consents (user_id, client_id, scopes, created_at, updated_at) VALUES ($1, $2, 'openid profile', $3, $3)")
        .bind(me.id)
        .bind(client)
        .bind(t)
        .execute(&app.state.db.pool)
        .await
        .expect("consent");
    sqlx::query("INSERT INTO oidc_grants (client_id, user_id, scope, sid, auth_time, created_at, last_used_at) VALUES ($1, $2, 'openid', 's', $3, $3, $3)")
        .bind(client)
        .bind(me.id)
        .bind(t)
        .execute(&app.state.db.pool)
        .await
        .expect("grant");
    let (_, html) = get(&c, &app.at("/settings/consents")).await;
    assert!(html.contains("Nuage partagé"), "the tool is listed");
    let res = app
        .post_form(
            &c,
            "/settings/consents",
            "/settings/consents/tools",
            &[("client_id", "nuage-test")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (consents, open_grants): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM oidc_consents WHERE user_id = $1), \
         (SELECT COUNT(*) FROM oidc_grants WHERE user_id = $1 AND revoked_at IS NULL)",
    )
    .bind(me.id)
    .fetch_one(&app.state.db.pool)
    .await
    .expect("counts");
    assert_eq!(
        (consents, open_grants),
        (0, 0),
        "consent forgotten, grants revoked"
    );
    let (_, html) = get(&c, &app.at("/settings/consents")).await;
    assert!(!html.contains("Nuage partagé"));
    // Someone else's page cannot be reached without a session.
    let res = app
        .client()
        .get(app.at("/settings/consents"))
        .send()
        .await
        .expect("anon");
    assert_eq!(res.status(), 303);
}

/// Run a seeding statement (this test writes rows the way the domains
/// store them, to cover every kind of contribution in one archive).
async fn exec(app: &TestApp, sql: &str, binds: &[Value]) -> i64 {
    let sql = format!("{sql} RETURNING 1");
    let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql));
    for b in binds {
        q = match b {
            Value::Number(n) => q.bind(n.as_i64().expect("i64")),
            Value::String(s) => q.bind(s.clone()),
            Value::Null => q.bind(None::<i64>),
            other => panic!("bind {other}"),
        };
    }
    q.fetch_one(&app.state.db.pool)
        .await
        .expect("seed statement")
}

async fn id_of(app: &TestApp, sql: &str, binds: &[Value]) -> i64 {
    let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_string()));
    for b in binds {
        q = match b {
            Value::Number(n) => q.bind(n.as_i64().expect("i64")),
            Value::String(s) => q.bind(s.clone()),
            _ => panic!("bind"),
        };
    }
    q.fetch_one(&app.state.db.pool).await.expect("seed id")
}

/// The rest of "everything about me" (issue 20): draft, events organised
/// and answered, newsletter consents, library resources and their files
/// (bytes, every version), lexicon proposals and edits (each revision),
/// wiki revisions (each one) and
/// community files — and none of the same of another person's, even in a
/// community both belong to.
#[tokio::test]
async fn data_export_holds_every_kind_of_contribution() {
    use passerelles::library::storage::{BlobStore, LocalStore, sha256_hex};
    use serde_json::json;
    let Some(python) = python() else { return };
    let app = TestApp::spawn().await;
    let (me_c, me) = app.logged_in("camille", false).await;
    let (_other_c, other) = app.logged_in("dominique", false).await;
    let private = community(&app, &other, "comite-prive", Visibility::Private).await;
    communities::set_membership(
        &app.state.db,
        private.id,
        me.id,
        Role::Member,
        MemberState::Active,
        "",
    )
    .await
    .expect("member");
    let t = passerelles::db::now();
    let (me_id, other_id, cid) = (json!(me.id), json!(other.id), json!(private.id));
    let store = LocalStore::new(app.data_dir.join("library"));
    let blob = |bytes: &[u8]| {
        let sha = sha256_hex(bytes);
        store.put(&sha, bytes).expect("blob");
        sha
    };

    // A draft, mine and theirs.
    for (uid, title) in [
        (&me_id, "Brouillon de Camille"),
        (&other_id, "Brouillon de Dominique"),
    ] {
        exec(&app, "INSERT INTO publication_drafts (user_id, kind, title, body, tags, link_url, communities, updated_at) VALUES ($1, 'discussion', $2, 'texte', '', '', '', $3)", &[uid.clone(), json!(title), json!(t)]).await;
    }
    // Events: one I organise, one of theirs that we both answered.
    let ev = |uid: &Value, title: &str, n: i64| {
        let (uid, title) = (uid.clone(), title.to_string());
        let app = &app;
        async move {
            id_of(app, "INSERT INTO events (uid, title, description, start_local, end_local, starts_at, ends_at, series_ends_at, organiser_id, created_at, updated_at) \
                 VALUES ($1, $2, 'description', '2027-01-10T18:00', '2027-01-10T20:00', $3, $4, $4, $5, $3, $3) RETURNING id",
                &[json!(format!("ev-{n}@test")), json!(title), json!(t + 86400), json!(t + 90000), uid]).await
        }
    };
    ev(&me_id, "Corvée de jardin de Camille", 1).await;
    let theirs = ev(&other_id, "Assemblée du comité", 2).await;
    for (uid, answer) in [(&me_id, "yes"), (&other_id, "maybe")] {
        exec(&app, "INSERT INTO event_rsvps (event_id, user_id, answer, queued_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $4, $4)", &[json!(theirs), uid.clone(), json!(answer), json!(t)]).await;
    }
    // Newsletter consents: mine (by account), theirs.
    let list = id_of(&app, "INSERT INTO newsletter_lists (community_id, slug, name, secret, created_at) VALUES ($1, 'infolettre-comite', 'Infolettre du comité', 'x', $2) RETURNING id", &[cid.clone(), json!(t)]).await;
    for (uid, email) in [
        (&me_id, me.email.clone().expect("email")),
        (&other_id, other.email.clone().expect("email")),
    ] {
        exec(&app, "INSERT INTO newsletter_subscribers (list_id, email, user_id, status, lang, consent_at, consent_source, consent_wording, created_at) VALUES ($1, $2, $3, 'confirmed', 'fr', $4, 'form', 'J’accepte de recevoir l’infolettre', $4)", &[json!(list), json!(email), uid.clone(), json!(t)]).await;
    }
    // Library: a resource I added with two versions of a file; theirs with one.
    let mine_v1 = b"version 1 de Camille".to_vec();
    let mine_v2 = b"version 2 de Camille".to_vec();
    let their_bytes = b"fichier confidentiel de Dominique".to_vec();
    for (uid, title, files) in [
        (
            &me_id,
            "Guide du compost",
            vec![mine_v1.clone(), mine_v2.clone()],
        ),
        (
            &other_id,
            "Rapport interne de Dominique",
            vec![their_bytes.clone()],
        ),
    ] {
        let rid = id_of(&app, "INSERT INTO resources (kind, title, creators, created_by, created_at, updated_at) VALUES ('guide', $1, 'Tremblay, Camille', $2, $3, $3) RETURNING id", &[json!(title), uid.clone(), json!(t)]).await;
        for (v, bytes) in files.iter().enumerate() {
            let sha = blob(bytes);
            exec(&app, "INSERT INTO resource_files (resource_id, name, version, content_type, sha256, size, uploaded_by, created_at) VALUES ($1, 'guide.txt', $2, 'text/plain', $3, $4, $5, $6)", &[json!(rid), json!(v as i64 + 1), json!(sha), json!(bytes.len() as i64), uid.clone(), json!(t)]).await;
        }
    }
    // Lexicon: a term I proposed, then an edit of mine and one of theirs.
    let term = id_of(&app, "INSERT INTO lexicon_terms (slug, pref_fr, proposed_by, created_at, updated_at) VALUES ('economie-sociale', 'Économie sociale', $1, $2, $2) RETURNING id", &[me_id.clone(), json!(t)]).await;
    for (uid, note) in [
        (&me_id, "définition de Camille"),
        (&other_id, "note de Dominique"),
        (&me_id, "précision de Camille"),
    ] {
        exec(&app, "INSERT INTO lexicon_revisions (term_id, snapshot, note, author_id, created_at) VALUES ($1, '{}', $2, $3, $4)", &[json!(term), json!(note), uid.clone(), json!(t)]).await;
    }
    // Wiki: one page of the private community, a revision by each.
    let page = id_of(&app, "INSERT INTO wiki_pages (community_id, slug, title, body, created_by, created_at, updated_at) VALUES ($1, 'accueil', 'Accueil', '', $2, $3, $3) RETURNING id", &[cid.clone(), other_id.clone(), json!(t)]).await;
    for (uid, body) in [
        (&me_id, "Texte du wiki par Camille"),
        (&other_id, "Texte du wiki par Dominique"),
        (&me_id, "Texte revu par Camille"),
    ] {
        exec(&app, "INSERT INTO wiki_revisions (page_id, title, body, author_id, created_at) VALUES ($1, 'Accueil', $2, $3, $4)", &[json!(page), json!(body), uid.clone(), json!(t)]).await;
    }
    // Community files: one of mine, one of theirs.
    let mine_space = "procès-verbal de Camille".as_bytes().to_vec();
    let their_space = b"budget secret de Dominique".to_vec();
    for (uid, name, bytes) in [
        (&me_id, "pv.txt", &mine_space),
        (&other_id, "budget.txt", &their_space),
    ] {
        let sha = blob(bytes);
        exec(&app, "INSERT INTO space_files (community_id, folder_id, name, version, content_type, sha256, size, uploaded_by, created_at) VALUES ($1, 0, $2, 1, 'text/plain', $3, $4, $5, $6)", &[cid.clone(), json!(name), json!(sha), json!(bytes.len() as i64), uid.clone(), json!(t)]).await;
    }

    let res = app
        .post_form(&me_c, "/settings/data", "/settings/data/export", &[])
        .await;
    assert_eq!(res.status(), 303, "requested");
    let link = app
        .mail_link(
            me.email.as_deref().expect("email"),
            "/settings/data/exports/",
        )
        .await;
    let res = me_c.get(app.at(&link)).send().await.expect("owner");
    assert_eq!(res.status(), 200);
    let path = app.data_dir.join("archive.zip");
    std::fs::write(&path, res.bytes().await.expect("archive")).expect("saved");
    let (summary, hits) = read_back(
        &python,
        &path,
        &[
            "Brouillon de Dominique",
            "Rapport interne de Dominique",
            "fichier confidentiel de Dominique",
            "note de Dominique",
            "Texte du wiki par Dominique",
            "budget secret de Dominique",
            "budget.txt",
            "dominique@exemple.qc.ca",
        ],
    );
    assert!(hits.is_empty(), "nothing of anyone else's: {hits:?}");
    assert_eq!(
        summary["drafts"],
        json!(["Brouillon de Camille"]),
        "{}",
        summary["sections"]
    );
    assert_eq!(summary["events"], json!(["Corvée de jardin de Camille"]));
    assert_eq!(summary["rsvps"], json!([["Assemblée du comité", "yes"]]));
    assert_eq!(
        summary["newsletters"],
        json!([[
            "infolettre-comite",
            "confirmed",
            "J’accepte de recevoir l’infolettre"
        ]])
    );
    assert_eq!(summary["library"], json!(["Guide du compost"]));
    assert_eq!(
        summary["library_files"],
        json!([["guide.txt", 1], ["guide.txt", 2]])
    );
    assert_eq!(summary["lexicon_proposals"], json!(["economie-sociale"]));
    assert_eq!(
        summary["lexicon_edits"],
        json!([
            ["economie-sociale", "définition de Camille"],
            ["economie-sociale", "précision de Camille"]
        ]),
        "every revision of mine, none of theirs"
    );
    assert_eq!(
        summary["wiki_edits"],
        json!([
            ["accueil", "Texte du wiki par Camille"],
            ["accueil", "Texte revu par Camille"]
        ]),
        "every revision of mine, none of theirs"
    );
    assert_eq!(summary["community_files"], json!([["pv.txt", 1]]));
    // The bytes of every version are in the archive (hashes checked by Python).
    let stored: Vec<&str> = summary["stored_files"]
        .as_object()
        .expect("stored")
        .values()
        .filter_map(Value::as_str)
        .collect();
    for bytes in [&mine_v1, &mine_v2, &mine_space] {
        let sha = hex::encode(Sha256::digest(bytes));
        assert!(stored.contains(&sha.as_str()), "{sha} in {stored:?}");
    }
    assert_eq!(stored.len(), 3);
    // outbox.json is JSON-LD that pyld expands with no undefined term.
    assert_eq!(
        summary["outbox_ld"]["types"],
        json!(["https://www.w3.org/ns/activitystreams#OrderedCollection"])
    );
    assert_eq!(summary["outbox_ld"]["undefined"], json!([]));
    // The index lists the new files too.
    assert_eq!(summary["index_missing"], json!([]));
    for n in [
        "drafts",
        "events",
        "rsvps",
        "newsletters",
        "library",
        "library_files",
        "lexicon_edits",
        "wiki_edits",
        "community_files",
    ] {
        assert!(summary["sections"][n].is_number(), "{n} in the manifest");
    }
}

/// The export through the API: ask (202 + Location), follow the status,
/// download the ZIP once ready; someone else's id is a 404; one archive in
/// the making (409) and two a day (429 with Retry-After); a read-only
/// token may follow but not ask.
#[tokio::test]
async fn data_export_through_the_api() {
    let app = TestApp::spawn().await;
    let (_, me) = app.logged_in("camille", false).await;
    let (_, other) = app.logged_in("dominique", false).await;
    let (_, token) = passerelles::api::tokens::create_token(&app.state.db, me.id, "script", None)
        .await
        .expect("token");
    let (_, other_token) =
        passerelles::api::tokens::create_token(&app.state.db, other.id, "script", None)
            .await
            .expect("token");
    let (_, read_only) = passerelles::accounts::tokens::create_token_scoped(
        &app.state.db,
        me.id,
        "lecture",
        None,
        passerelles::accounts::tokens::Scope::Read,
    )
    .await
    .expect("token");
    let c = app.client();
    let res = c
        .post(app.at("/api/v1/me/exports"))
        .bearer_auth(&read_only)
        .send()
        .await
        .expect("post");
    let status = res.status();
    let text = res.text().await.expect("body");
    assert_eq!(status, 403, "a read-only token cannot ask: {text}");
    let res = c
        .post(app.at("/api/v1/me/exports"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 202);
    let location = res.headers()["location"].to_str().expect("loc").to_string();
    let body: Value = res.json().await.expect("json");
    let id = body["id"].as_i64().expect("id");
    assert_eq!(location, format!("/api/v1/me/exports/{id}"));
    assert!(matches!(
        body["status"].as_str(),
        Some("queued" | "building" | "ready")
    ));
    // A second request while the first is being made is refused; set up a
    // queued one so this does not depend on the worker's speed.
    let pending: i64 = sqlx::query_scalar(
        "INSERT INTO data_exports (user_id, status, requested_at) VALUES ($1, 'queued', $2) RETURNING id",
    )
    .bind(me.id)
    .bind(passerelles::db::now())
    .fetch_one(&app.state.db.pool)
    .await
    .expect("queued");
    let res = c
        .post(app.at("/api/v1/me/exports"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 409);
    let err: Value = res.json().await.expect("json");
    assert_eq!(err["error"]["code"], "export_in_progress");
    sqlx::query("DELETE FROM data_exports WHERE id = $1")
        .bind(pending)
        .execute(&app.state.db.pool)
        .await
        .expect("removed");

    // Built by the queue: the status says ready and where to download.
    let mut status = Value::Null;
    for _ in 0..100 {
        app.drain_jobs().await;
        status = c
            .get(app.at(&location))
            .bearer_auth(&read_only)
            .send()
            .await
            .expect("status")
            .json()
            .await
            .expect("json");
        if status["status"] == "ready" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status["status"], "ready", "{status}");
    let url = status["archive_url"]
        .as_str()
        .expect("archive_url")
        .to_string();
    assert_eq!(url, format!("/api/v1/me/exports/{id}/archive"));
    assert!(status["items"].as_i64().is_some());
    let list: Value = c
        .get(app.at("/api/v1/me/exports"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert_eq!(list[0]["id"], id);

    // Someone else: as if it did not exist.
    for u in [location.clone(), url.clone()] {
        let res = c
            .get(app.at(&u))
            .bearer_auth(&other_token)
            .send()
            .await
            .expect("other");
        assert_eq!(res.status(), 404, "{u}");
    }
    let res = c.get(app.at(&url)).send().await.expect("anon");
    assert_eq!(res.status(), 401);
    let res = c
        .get(app.at(&url))
        .bearer_auth(&token)
        .send()
        .await
        .expect("download");
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/zip");
    let size = status["size"].as_i64().expect("size");
    let bytes = res.bytes().await.expect("bytes");
    assert_eq!(bytes.len() as i64, size);
    assert!(bytes.starts_with(b"PK\x03\x04"), "a ZIP file");

    // Rate limited: a second today, not a third.
    let res = c
        .post(app.at("/api/v1/me/exports"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 202);
    for _ in 0..100 {
        app.drain_jobs().await;
        let making: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM data_exports WHERE status IN ('queued', 'building')",
        )
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count");
        if making == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let res = c
        .post(app.at("/api/v1/me/exports"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
}
