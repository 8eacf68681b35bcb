//! Migration import from Discourse and HumHub (issue 20): the fixtures in
//! `tests/fixtures/{discourse,humhub}` (API responses shaped as their
//! documented APIs), a dry run that writes nothing, a per-item report that
//! names every skip, pages that show what was imported, a second run that
//! changes nothing, and an import killed with SIGKILL mid-way then resumed
//! that ends exactly like an uninterrupted one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use passerelles::actor::Actor;
use passerelles::config::Config;
use passerelles::portability::{self, Outcome, Report};

use crate::harness::{TestApp, fresh_database};

const BIN: &str = env!("CARGO_BIN_EXE_passerelles");

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn no_blobs(_: &str) -> Option<Vec<u8>> {
    None
}

async fn run(state: &passerelles::state::AppState, b: &portability::Bundle, dry: bool) -> Report {
    let mut progress = |_: usize, _: usize| {};
    portability::import::run(state, &Actor::CLI, b, &no_blobs, dry, &mut progress)
        .await
        .expect("import runs")
}

/// Row counts of every table an import writes, and the largest ids.
async fn footprint(db: &passerelles::db::Db) -> BTreeMap<String, (i64, i64)> {
    let mut out = BTreeMap::new();
    for (table, id) in [
        ("users", "id"),
        ("communities", "id"),
        ("memberships", "user_id"),
        ("publications", "id"),
        ("publication_communities", "publication_id"),
        ("publication_tags", "publication_id"),
        ("replies", "id"),
        ("import_items", "local_id"),
        ("import_aliases", "local_id"),
        ("search_docs", "ref_id"),
    ] {
        let sql = format!("SELECT COUNT(*), COALESCE(MAX({id}), 0) FROM {table}");
        let row: (i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_one(&db.pool)
            .await
            .unwrap_or((-1, -1));
        out.insert(table.to_string(), row);
    }
    out
}

/// What was imported, independent of local ids: each publication with its
/// community, author and replies (author, body, the body it answers).
async fn content(db: &passerelles::db::Db) -> Vec<String> {
    let rows: Vec<(String, String, String, Option<String>, String)> = sqlx::query_as(
        "SELECT c.slug, p.title, p.body, u.username, p.status FROM publications p \
         JOIN publication_communities pc ON pc.publication_id = p.id JOIN communities c ON c.id = pc.community_id \
         LEFT JOIN users u ON u.id = p.author_id ORDER BY c.slug, p.title",
    )
    .fetch_all(&db.pool)
    .await
    .expect("publications");
    let replies: Vec<(String, Option<String>, String, Option<String>, i64)> = sqlx::query_as(
        "SELECT p.title, u.username, r.body, pr.body, r.depth FROM replies r JOIN publications p ON p.id = r.publication_id \
         LEFT JOIN users u ON u.id = r.author_id LEFT JOIN replies pr ON pr.id = r.parent_id ORDER BY p.title, r.body",
    )
    .fetch_all(&db.pool)
    .await
    .expect("replies");
    let members: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT c.slug, u.username, m.role, m.state FROM memberships m JOIN communities c ON c.id = m.community_id \
         JOIN users u ON u.id = m.user_id ORDER BY c.slug, u.username",
    )
    .fetch_all(&db.pool)
    .await
    .expect("members");
    let mut out: Vec<String> = rows
        .into_iter()
        .map(|r| format!("P {r:?}"))
        .chain(replies.into_iter().map(|r| format!("R {r:?}")))
        .chain(members.into_iter().map(|m| format!("M {m:?}")))
        .collect();
    out.sort();
    out
}

fn skipped<'a>(r: &'a Report, pre: &'a [portability::Line]) -> Vec<(&'a str, &'a str, &'a str)> {
    pre.iter()
        .chain(&r.lines)
        .filter_map(|l| match &l.outcome {
            Outcome::Skipped(why) => Some((l.kind, l.external_id.as_str(), why.as_str())),
            _ => None,
        })
        .collect()
}

async fn anonymous_page(app: &TestApp, path: &str) -> (u16, String) {
    let res = app.client().get(app.at(path)).send().await.expect("get");
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

#[tokio::test]
async fn discourse_fixture_dry_run_report_pages_and_a_second_run_that_changes_nothing() {
    let app = TestApp::spawn().await;
    let (bundle, pre) = portability::discourse::read_dir(&fixture("discourse")).expect("reads");
    assert_eq!(bundle.source, "discourse:Forum RHC");

    // The dry run reports everything and writes nothing.
    let before = footprint(&app.state.db).await;
    let dry = run(&app.state, &bundle, true).await;
    assert!(dry.dry_run);
    assert_eq!(
        dry.imported(),
        4 + 2 + 3 + 6,
        "users, categories, topics, replies"
    );
    assert_eq!(
        footprint(&app.state.db).await,
        before,
        "a dry run writes nothing"
    );

    let report = run(&app.state, &bundle, false).await;
    assert_eq!(
        report.imported(),
        dry.imported(),
        "the dry run told the truth"
    );
    let skips = skipped(&report, &pre);
    let why = |kind: &str, id: &str| {
        skips
            .iter()
            .find(|(k, i, _)| *k == kind && *i == id)
            .map(|s| s.2.to_string())
            .unwrap_or_else(|| panic!("no skip line for {kind} {id}: {skips:?}"))
    };
    assert!(why("user", "-1").contains("bot"));
    assert!(why("user", "-2").contains("bot"));
    assert!(why("publication", "103").contains("private message"));
    assert!(why("publication", "104").contains("category"));
    assert!(why("reply", "1004").contains("small action"));
    assert!(why("reply", "1011").contains("whisper"));
    assert!(why("reply", "1012").contains("deleted"));
    assert_eq!(skips.len(), 7, "{skips:?}");

    // Accounts: names kept, addresses kept (they sign in by resetting
    // their password), nobody findable by default.
    let users: Vec<(String, Option<String>, i64, Option<String>)> = sqlx::query_as(
        "SELECT username, email, findable, password_hash FROM users ORDER BY username",
    )
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    let mut names: Vec<&str> = users.iter().map(|u| u.0.as_str()).collect();
    names.sort();
    assert_eq!(
        names,
        vec!["Jean.Gagnon", "marie_tremblay", "sophie-roy", "écoquartier"]
    );
    assert!(
        users
            .iter()
            .all(|u| u.1.is_some() && u.2 == 0 && u.3.is_none())
    );

    // The restricted category is a private community of its group's members.
    let (vis, join): (String, String) = sqlx::query_as(
        "SELECT visibility, join_policy FROM communities WHERE slug = 'comite-logement'",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!((vis.as_str(), join.as_str()), ("private", "request"));
    let c = content(&app.state.db).await;
    assert!(
        c.contains(
            &r#"M ("comite-logement", "marie_tremblay", "moderator", "active")"#.to_string()
        ),
        "{c:#?}"
    );
    assert!(c.contains(&r#"M ("comite-logement", "sophie-roy", "member", "active")"#.to_string()));
    assert!(
        !c.iter()
            .any(|l| l.starts_with("M (\"comite-logement\", \"Jean.Gagnon\""))
    );

    // The pages show the thread, threaded; the private one stays private.
    let pid: i64 = sqlx::query_scalar(
        "SELECT local_id FROM import_items WHERE source = $1 AND kind = 'publication' AND external_id = '101'",
    )
    .bind(&bundle.source)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    let (s, html) = anonymous_page(&app, &format!("/p/{pid}")).await;
    assert_eq!(s, 200);
    assert!(html.contains("Fonds d&#39;acquisition") || html.contains("Fonds d'acquisition"));
    assert!(html.contains("<strong>fonds d"), "Markdown rendered");
    assert!(html.contains("Nous pouvons partager le nôtre"));
    let depth: i64 = sqlx::query_scalar(
        "SELECT r.depth FROM replies r JOIN import_items i ON i.local_id = r.id AND i.kind = 'reply' \
         WHERE i.external_id = '1005'",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(depth, 2, "post 5 answers post 3, which answers post 2");
    let (s, html) = anonymous_page(&app, "/c/habitation-communautaire").await;
    assert_eq!(s, 200);
    assert!(html.contains("Assemblée générale de la fédération"));
    let secret: i64 = sqlx::query_scalar(
        "SELECT local_id FROM import_items WHERE kind = 'publication' AND external_id = '105'",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    let (s, html) = anonymous_page(&app, &format!("/p/{secret}")).await;
    assert!(s == 404 || s == 403, "{s}");
    assert!(!html.contains("Suivi des dossiers"));

    // Indexed for search in the same transaction: every publication and reply.
    let indexed: (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM search_docs WHERE source = 'p'), (SELECT COUNT(*) FROM search_docs WHERE source = 'r')",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(indexed, (3, 6), "indexed");

    // Again: nothing changes, every item is reported unchanged.
    let snapshot = (footprint(&app.state.db).await, content(&app.state.db).await);
    let again = run(&app.state, &bundle, false).await;
    assert_eq!(again.imported(), 0);
    assert_eq!(again.unchanged(), report.imported());
    assert_eq!(
        (footprint(&app.state.db).await, content(&app.state.db).await),
        snapshot
    );
}

#[tokio::test]
async fn humhub_fixture_imports_spaces_posts_and_comments_once() {
    let app = TestApp::spawn().await;
    // Someone here already: the same address links. (HumHub's "admin" is
    // a name reserved here: it becomes "admin-2".)
    let existing = app.create_user("nadia", false).await;
    sqlx::query("UPDATE users SET email = 'nadia@exemple.org', email_key = 'nadia@exemple.org' WHERE id = $1")
        .bind(existing.id)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let (bundle, pre) = portability::humhub::read_dir(&fixture("humhub")).expect("reads");
    let report = run(&app.state, &bundle, false).await;
    let skips = skipped(&report, &pre);
    let kinds: Vec<(&str, &str)> = skips.iter().map(|s| (s.0, s.1)).collect();
    assert_eq!(
        kinds,
        vec![
            ("user", "4"),
            ("community", "3"),
            ("publication", "24"),
            ("publication", "25"),
            ("publication", "26")
        ],
        "{skips:?}"
    );
    let line = |kind: &str, id: &str| {
        report
            .lines
            .iter()
            .find(|l| l.kind == kind && l.external_id == id)
            .map(|l| l.outcome.clone())
            .unwrap()
    };
    assert_eq!(
        line("user", "3"),
        Outcome::Linked(existing.id),
        "same address: the same person"
    );
    let Outcome::Imported(admin2) = line("user", "1") else {
        panic!("admin imported")
    };
    let name: String = sqlx::query_scalar("SELECT username FROM users WHERE id = $1")
        .bind(admin2)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(
        name, "admin-2",
        "a name taken here is not given to someone else"
    );
    let eric: (String, String, i64) = sqlx::query_as(
        "SELECT username, locale, findable FROM users WHERE email_key = 'eric.cote@exemple.org'",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(eric, ("Éric_Côté".to_string(), "en".to_string(), 0));
    let pierre: i64 =
        sqlx::query_scalar("SELECT findable FROM users WHERE username = 'pierre.lavoie'")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(pierre, 1, "visible to guests on HumHub: findable here");

    let c = content(&app.state.db).await;
    assert!(
        c.contains(&r#"M ("securite-alimentaire", "admin-2", "owner", "active")"#.to_string()),
        "{c:#?}"
    );
    assert!(c.contains(
        &r#"M ("securite-alimentaire", "Éric_Côté", "member", "requested")"#.to_string()
    ));
    assert!(
        c.contains(&r#"M ("securite-alimentaire", "nadia", "moderator", "active")"#.to_string())
    );
    assert!(
        c.contains(&r#"R ("Collecte de denrées le 3 avril", Some("admin-2"), "Merci Pierre, je vous inscris.", Some("Je serai là avec deux collègues."), 1)"#.to_string()),
        "a comment on a comment answers it: {c:#?}"
    );
    let (s, html) = anonymous_page(&app, "/c/securite-alimentaire").await;
    assert_eq!(s, 200);
    assert!(html.contains("Collecte de denrées le 3 avril"));
    assert!(html.contains("Le jardin collectif de la rue Fullum"));
    let (s, _) = anonymous_page(&app, "/c/conseil-administration").await;
    assert_eq!(s, 200, "a private community shows its card");
    let (_, html) = anonymous_page(&app, "/c/conseil-administration").await;
    assert!(!html.contains("Procès-verbal"), "but not its content");

    let snapshot = (footprint(&app.state.db).await, content(&app.state.db).await);
    let again = run(&app.state, &bundle, false).await;
    assert_eq!(again.imported(), 0);
    assert_eq!(
        (footprint(&app.state.db).await, content(&app.state.db).await),
        snapshot
    );
}

/// A HumHub export of `n` posts with two comments each, in one space.
fn big_humhub(dir: &Path, n: usize) {
    use serde_json::json;
    std::fs::create_dir_all(dir.join("space/1")).unwrap();
    std::fs::create_dir_all(dir.join("comment/content")).unwrap();
    let users: Vec<_> = (1..=20)
        .map(|i| {
            json!({"id": i, "guid": format!("u{i}"), "display_name": format!("Membre {i}"),
                   "account": {"id": i, "username": format!("membre{i}"), "email": format!("membre{i}@exemple.org"),
                               "visibility": 1, "status": 1, "language": "fr", "contentcontainer_id": 100 + i},
                   "profile": {"firstname": "Membre", "lastname": format!("{i}"), "about": ""}})
        })
        .collect();
    let page = |results: Vec<serde_json::Value>| json!({"total": results.len(), "page": 1, "pages": 1, "results": results});
    std::fs::write(dir.join("user.json"), page(users).to_string()).unwrap();
    let space = json!({"id": 1, "guid": "s1", "name": "Grand espace", "description": "", "url": "grand-espace",
                       "contentcontainer_id": 10, "visibility": 2, "join_policy": 2, "status": 1});
    std::fs::write(dir.join("space.json"), page(vec![space]).to_string()).unwrap();
    let members: Vec<_> = (1..=20)
        .map(|i| json!({"user": {"id": i}, "role": if i == 1 {"admin"} else {"member"}, "status": 3, "member_since": "2021-01-01 00:00:00"}))
        .collect();
    std::fs::write(
        dir.join("space/1/membership.json"),
        page(members).to_string(),
    )
    .unwrap();
    let mut posts = Vec::new();
    for i in 0..n {
        let cid = 10_000 + i;
        posts.push(json!({"id": i + 1, "message": format!("Sujet numéro {i}\n\nTexte du sujet {i}."),
            "content": {"id": cid, "metadata": {"id": cid, "state": 1, "created_by": {"id": 1 + i % 20},
                        "created_at": format!("2021-02-{:02} 10:{:02}:{:02}", 1 + i % 28, i / 60 % 60, i % 60),
                        "contentcontainer_id": 10}, "topics": []}}));
        let comments = json!({"total": 2, "results": [
            {"id": 2 * i + 1, "message": format!("Premier commentaire sur {i}"), "createdBy": {"id": 1 + (i + 1) % 20},
             "createdAt": "2021-03-01 10:00:00", "comments": [
                {"id": 2 * i + 2, "message": format!("Réponse au commentaire sur {i}"), "createdBy": {"id": 1 + (i + 2) % 20},
                 "createdAt": "2021-03-01 11:00:00"}]}]});
        std::fs::write(
            dir.join(format!("comment/content/{cid}.json")),
            comments.to_string(),
        )
        .unwrap();
    }
    std::fs::write(dir.join("post.json"), page(posts).to_string()).unwrap();
}

async fn cli_import(dir: &Path, url: &str, data: &Path) -> tokio::process::Child {
    tokio::process::Command::new(BIN)
        .args([
            "--data-dir",
            data.to_str().unwrap(),
            "--database-url",
            url,
            "admin",
            "import",
            "humhub",
            dir.to_str().unwrap(),
            "--quiet-report",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

#[tokio::test]
async fn import_killed_with_sigkill_mid_way_then_resumed_ends_like_an_uninterrupted_one() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    const N: usize = 1500;
    let base = std::env::temp_dir().join(format!(
        "pimport-kill-{}-{}",
        std::process::id(),
        passerelles::db::now()
    ));
    let export = base.join("humhub-reseau");
    big_humhub(&export, N);

    // The reference: one uninterrupted run, in this process.
    let ref_dir = base.join("ref");
    std::fs::create_dir_all(&ref_dir).unwrap();
    let (ref_url, _ref_pg) = fresh_database(&ref_dir).await;
    let ref_state = passerelles::app::build_state(Config {
        data_dir: ref_dir.clone(),
        database_url: Some(ref_url),
        db_max_connections: 2,
        ..Config::default()
    })
    .await
    .unwrap();
    let (bundle, _) = portability::humhub::read_dir(&export).unwrap();
    let reference = run(&ref_state, &bundle, false).await;
    assert_eq!(reference.imported(), 20 + 1 + N * 3);

    // The command line, killed once a fifth of the posts are in.
    let dir = base.join("crash");
    std::fs::create_dir_all(&dir).unwrap();
    let (url, _pg) = fresh_database(&dir).await;
    let migrate = std::process::Command::new(BIN)
        .args([
            "--data-dir",
            dir.to_str().unwrap(),
            "--database-url",
            &url,
            "migrate",
        ])
        .output()
        .unwrap();
    assert!(migrate.status.success());
    let db = passerelles::db::Db::connect(&url, 2).await.unwrap();
    let mut child = cli_import(&export, &url, &dir).await;
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM import_items WHERE kind = 'publication'")
                .fetch_one(&db.pool)
                .await
                .unwrap_or(0);
        if n as usize >= N / 5 {
            break;
        }
        assert!(Instant::now() < deadline, "the import did not start");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the import ended before the kill"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let pid = child.id().unwrap();
    assert!(
        std::process::Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
    let _ = child.wait().await;
    let at_kill: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM publications")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert!(
        (at_kill as usize) < N,
        "the kill interrupted the import ({at_kill} of {N})"
    );
    // Every publication in is whole: its two replies came with it.
    let orphans: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM publications p WHERE (SELECT COUNT(*) FROM replies r WHERE r.publication_id = p.id) <> 2",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(orphans, 0, "a killed import leaves no half-written thread");

    // Resume: the same command again, to the end.
    let child = cli_import(&export, &url, &dir).await;
    let out = child.wait_with_output().await.unwrap();
    assert!(out.status.success());
    // Both runs are recorded (`/admin/imports`): the killed one says how
    // far it got, the resumed one is done.
    let runs: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT format, status, done FROM import_runs ORDER BY id")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert_eq!(
        (runs[0].0.as_str(), runs[0].1.as_str()),
        ("humhub", "running")
    );
    assert!(runs[0].2 > 0, "the killed run's progress was written");
    assert_eq!(runs[1].1, "done");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let imported_after: usize = stdout
        .lines()
        .last()
        .and_then(|l| l.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(usize::MAX);
    assert!(
        imported_after < reference.imported(),
        "the resumed run did not start over: {stdout}"
    );
    assert_eq!(
        content(&db).await,
        content(&ref_state.db).await,
        "resumed = uninterrupted"
    );
    let counts =
        |f: BTreeMap<String, (i64, i64)>| f.into_iter().map(|(k, v)| (k, v.0)).collect::<Vec<_>>();
    assert_eq!(
        counts(footprint(&db).await),
        counts(footprint(&ref_state.db).await)
    );
    let _ = std::fs::remove_dir_all(&base);
}
