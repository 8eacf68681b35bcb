//! Link preservation (issue 19, C7), on both engines: resources cite links
//! on a local server that answers 200, 404, a redirect, too slowly, and
//! first 200 then 410. The checker (through the guarded fetcher) keeps a
//! sanitised snapshot of each living page, marks 404 dead at once and a
//! slow one after two failures, and a dead link's resource page offers the
//! snapshot, read through the resource (a private one's is a 404 for
//! outsiders).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::harness::{TestApp, html_unescape};
use crate::library::{contribute, location};
use crate::writing::{community, get};

/// A tiny HTTP/1.1 server on loopback; returns its base URL.
async fn site() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let dying = Arc::new(AtomicUsize::new(0));
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let dying = dying.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16384 {
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf);
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                let html = |body: &str| {
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    )
                };
                let answer = match path.as_str() {
                    "/vivant" => html(
                        "<!doctype html><html><head><title>Guide vivant</title>\
                         <meta name=\"description\" content=\"Un guide pratique\"></head>\
                         <body><p>Les coopératives d&#39;habitation</p><script>alert(1)</script></body></html>",
                    ),
                    "/deplace" => "HTTP/1.1 301 Moved Permanently\r\nLocation: /vivant\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string(),
                    "/lent" => {
                        tokio::time::sleep(Duration::from_secs(5)).await;
                        html("<p>trop tard</p>")
                    }
                    "/mourant" if dying.fetch_add(1, Ordering::SeqCst) == 0 => html(
                        "<html><head><title>Programme 2024</title></head><body><h1>Texte conservé</h1>\
                         <p>Date limite : 31 mars</p></body></html>",
                    ),
                    "/mourant" => "HTTP/1.1 410 Gone\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string(),
                    _ => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string(),
                };
                let _ = sock.write_all(answer.as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    format!("http://{addr}")
}

#[derive(Debug)]
struct Row {
    state: String,
    http_status: Option<i64>,
    final_url: String,
    error: String,
    failures: i64,
    snapshot_title: String,
    snapshot_text: String,
}

async fn row(app: &TestApp, url: &str) -> Row {
    type Cols = (String, Option<i64>, String, String, i64, String, String);
    let c: Cols = sqlx::query_as(
        "SELECT state, http_status, final_url, error, failures, snapshot_title, snapshot_text \
         FROM link_checks WHERE url = $1",
    )
    .bind(url)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap_or_else(|e| panic!("no check for {url}: {e}"));
    Row {
        state: c.0,
        http_status: c.1,
        final_url: c.2,
        error: c.3,
        failures: c.4,
        snapshot_title: c.5,
        snapshot_text: c.6,
    }
}

#[tokio::test]
async fn the_link_checker_keeps_snapshots_and_marks_dead_links() {
    // SAFETY: set before any thread of this test reads the environment
    // (nextest runs each test in its own process).
    unsafe { std::env::set_var("PASSERELLES_FETCH_ALLOW", "127.0.0.1:*") };
    let base = site().await;
    let app = TestApp::spawn().await;
    // The start-up passes (maintenance, the hourly link check) are done
    // before any link exists; the checks below run at times of their own,
    // far ahead, so that no pass of the worker takes them meanwhile.
    let mut idle = 0;
    for _ in 0..300 {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM jobs WHERE queue IN ('maintenance', 'links') AND failed_at IS NULL",
        )
        .fetch_one(&app.state.db.pool)
        .await
        .expect("jobs");
        idle = if waiting == 0 { idle + 1 } else { 0 };
        if idle >= 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (member, m) = app.logged_in("camille", false).await;
    community(&app, "veille", "open", "open", &m).await;
    community(&app, "cercle", "private", "open", &m).await;
    let mut pages = Vec::new();
    for (name, place) in [
        ("vivant", "veille"),
        ("disparu", "veille"),
        ("deplace", "veille"),
        ("lent", "veille"),
        ("mourant", "veille"),
    ] {
        let url = format!("{base}/{name}");
        let title = format!("Ressource {name}");
        let res = contribute(
            &app,
            &member,
            &[
                ("kind", "guide"),
                ("title", title.as_str()),
                ("source_url", url.as_str()),
                ("communities", place),
            ],
            vec![],
        )
        .await;
        assert_eq!(res.status(), 303, "{name}");
        pages.push((name, url, location(&res)));
    }
    // The same dying link cited in a private community.
    let mourant = format!("{base}/mourant");
    let res = contribute(
        &app,
        &member,
        &[
            ("kind", "guide"),
            ("title", "Ressource privée"),
            ("source_url", mourant.as_str()),
            ("communities", "cercle"),
        ],
        vec![],
    )
    .await;
    assert_eq!(res.status(), 303);
    let private_path = location(&res);
    // Registered once per URL.
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM link_checks")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count");
    assert_eq!(n, 5);

    let fetcher = passerelles::fetch::Fetcher::new("Passerelles-test");
    let links = passerelles::library::links::check_due;
    let t0 = passerelles::db::now() + 10_000_000;
    sqlx::query("UPDATE link_checks SET next_check_at = $1")
        .bind(t0)
        .execute(&app.state.db.pool)
        .await
        .expect("due later");
    let r = links(&app.state.db, &fetcher, Duration::from_millis(1500), t0)
        .await
        .expect("first pass");
    assert_eq!(
        (r.checked, r.alive, r.dead, r.failed),
        (5, 3, 1, 1),
        "{r:?}"
    );
    let vivant = row(&app, &format!("{base}/vivant")).await;
    assert_eq!(vivant.state, "alive");
    assert_eq!(vivant.http_status, Some(200));
    assert_eq!(vivant.snapshot_title, "Guide vivant");
    assert_eq!(vivant.snapshot_text, "Les coopératives d'habitation");
    let moved = row(&app, &format!("{base}/deplace")).await;
    assert_eq!(moved.state, "alive");
    assert_eq!(moved.final_url, format!("{base}/vivant"));
    let gone = row(&app, &format!("{base}/disparu")).await;
    assert_eq!((gone.state.as_str(), gone.http_status), ("dead", Some(404)));
    let slow = row(&app, &format!("{base}/lent")).await;
    assert_eq!(
        (slow.state.as_str(), slow.failures, slow.error.as_str()),
        ("unchecked", 1, "fetch-timeout"),
        "one timeout is not yet dead"
    );
    // Nothing is due again before its time.
    let r = links(
        &app.state.db,
        &fetcher,
        Duration::from_millis(1500),
        t0 + 60,
    )
    .await
    .expect("idle pass");
    assert_eq!(r.checked, 0);

    // A week later: the dying page is gone (its snapshot stays), the slow
    // one failed twice.
    let later = t0 + passerelles::library::links::RECHECK_SECS + 1;
    let r = links(&app.state.db, &fetcher, Duration::from_millis(1500), later)
        .await
        .expect("second pass");
    assert_eq!(r.checked, 5);
    let dying = row(&app, &mourant).await;
    assert_eq!(
        (dying.state.as_str(), dying.http_status),
        ("dead", Some(410))
    );
    assert!(dying.snapshot_text.contains("Texte conservé"), "{dying:?}");
    assert_eq!(row(&app, &format!("{base}/lent")).await.state, "dead");
    assert_eq!(row(&app, &format!("{base}/vivant")).await.state, "alive");

    // The pages: a dead link says so and offers the kept copy.
    let anon = app.client();
    let path_of = |n: &str| pages.iter().find(|p| p.0 == n).expect("page").2.clone();
    let (_, html) = get(&anon, app.at(&path_of("mourant"))).await;
    assert!(html.contains("id=\"link-dead\""), "dead badge");
    assert!(html.contains(&format!("href=\"{}/snapshot\"", path_of("mourant"))));
    let (_, html) = get(&anon, app.at(&path_of("vivant"))).await;
    assert!(!html.contains("id=\"link-dead\""));
    let (s, html) = get(&anon, app.at(&format!("{}/snapshot", path_of("mourant")))).await;
    assert_eq!(s, 200);
    let html = html_unescape(&html);
    assert!(html.contains("Texte conservé") && html.contains("Programme 2024"));
    assert!(
        !html.contains("<h1>Texte"),
        "text only, no markup of theirs"
    );
    // A dead link without any snapshot offers none.
    let (_, html) = get(&anon, app.at(&path_of("disparu"))).await;
    assert!(html.contains("id=\"link-dead\"") && !html.contains("id=\"link-snapshot\""));
    let (s, _) = get(&anon, app.at(&format!("{}/snapshot", path_of("disparu")))).await;
    assert_eq!(s, 404);
    // Through the private resource: its members only.
    let (s, _) = get(&anon, app.at(&format!("{private_path}/snapshot"))).await;
    assert_eq!(s, 404);
    let (s, html) = get(&member, app.at(&format!("{private_path}/snapshot"))).await;
    assert_eq!(s, 200);
    assert!(html_unescape(&html).contains("Texte conservé"));
}

/// Publications get the same preservation: the links a publication cites
/// (its body's external links) are registered when it is saved, checked by
/// the same passes, and its page marks the dead ones and offers their kept
/// copy, read through the publication (a private one's for its members).
#[tokio::test]
async fn links_cited_in_publications_are_checked_and_their_copies_offered() {
    // SAFETY: as above, before any thread of this test reads the environment.
    unsafe { std::env::set_var("PASSERELLES_FETCH_ALLOW", "127.0.0.1:*") };
    let base = site().await;
    let app = TestApp::spawn().await;
    for _ in 0..300 {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM jobs WHERE queue IN ('maintenance', 'links') AND failed_at IS NULL",
        )
        .fetch_one(&app.state.db.pool)
        .await
        .expect("jobs");
        if waiting == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (member, m) = app.logged_in("camille", false).await;
    let open = community(&app, "veille", "open", "open", &m).await;
    let private = community(&app, "cercle", "private", "open", &m).await;
    let body = format!(
        "Voir [le guide]({base}/vivant), [l'ancien]({base}/mourant) et [ici]({base}/disparu), \
         [le guide encore]({base}/vivant)."
    );
    let open_id = open.to_string();
    let p = crate::publications::publish(
        &app,
        &member,
        &[
            ("kind", "discussion"),
            ("title", "Trois liens"),
            ("body", body.as_str()),
            ("communities", open_id.as_str()),
        ],
        Vec::new(),
    )
    .await;
    let private_body = format!("Lire [ceci]({base}/mourant).");
    let private_id = private.to_string();
    let q = crate::publications::publish(
        &app,
        &member,
        &[
            ("kind", "discussion"),
            ("title", "Un lien entre nous"),
            ("body", private_body.as_str()),
            ("communities", private_id.as_str()),
        ],
        Vec::new(),
    )
    .await;
    let cited: Vec<(i64, String)> = sqlx::query_as(
        "SELECT position, url FROM publication_links WHERE publication_id = $1 ORDER BY position",
    )
    .bind(p)
    .fetch_all(&app.state.db.pool)
    .await
    .expect("cited");
    assert_eq!(
        cited,
        vec![
            (0, format!("{base}/vivant")),
            (1, format!("{base}/mourant")),
            (2, format!("{base}/disparu")),
        ],
        "in order, once each"
    );
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM link_checks")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count");
    assert_eq!(n, 3, "registered once per URL");

    let fetcher = passerelles::fetch::Fetcher::new("Passerelles-test");
    let t0 = passerelles::db::now() + 10_000_000;
    sqlx::query("UPDATE link_checks SET next_check_at = $1")
        .bind(t0)
        .execute(&app.state.db.pool)
        .await
        .expect("due later");
    let check = passerelles::library::links::check_due;
    let r = check(&app.state.db, &fetcher, Duration::from_millis(1500), t0)
        .await
        .expect("first pass");
    assert_eq!((r.checked, r.alive, r.dead), (3, 2, 1), "{r:?}");
    let anon = app.client();
    let (_, html) = get(&anon, app.at(&format!("/p/{p}"))).await;
    let dead_part = html.split("id=\"dead-links\"").nth(1).unwrap_or("");
    assert!(
        dead_part.contains(&format!("{base}/disparu")),
        "404 is dead"
    );
    assert!(
        !dead_part.contains(&format!("{base}/mourant")),
        "still alive"
    );
    let later = t0 + passerelles::library::links::RECHECK_SECS + 1;
    check(&app.state.db, &fetcher, Duration::from_millis(1500), later)
        .await
        .expect("second pass");

    let (_, html) = get(&anon, app.at(&format!("/p/{p}"))).await;
    let dead_part = html
        .split("id=\"dead-links\"")
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .unwrap_or("");
    assert!(dead_part.contains(&format!("{base}/mourant")));
    assert!(dead_part.contains(&format!("href=\"/p/{p}/links/1\"")));
    assert!(dead_part.contains(&format!("{base}/disparu")));
    assert!(
        !dead_part.contains(&format!("href=\"/p/{p}/links/2\"")),
        "no copy was ever kept of the 404"
    );
    assert!(!dead_part.contains(&format!("{base}/vivant")));
    let (s, html) = get(&anon, app.at(&format!("/p/{p}/links/1"))).await;
    assert_eq!(s, 200);
    let html = html_unescape(&html);
    assert!(html.contains("Texte conservé") && html.contains("Trois liens"));
    let (s, _) = get(&anon, app.at(&format!("/p/{p}/links/2"))).await;
    assert_eq!(s, 404);
    let (s, _) = get(&anon, app.at(&format!("/p/{p}/links/9"))).await;
    assert_eq!(s, 404);
    // Through the private publication: its members only.
    let (s, html) = get(&anon, app.at(&format!("/p/{q}/links/0"))).await;
    assert_eq!(s, 404);
    assert!(!html_unescape(&html).contains("Texte conservé"));
    let (s, html) = get(&member, app.at(&format!("/p/{q}/links/0"))).await;
    assert_eq!(s, 200);
    assert!(html_unescape(&html).contains("Texte conservé"));
    // Deleted, it cites nothing any more (and its copies are gone with it).
    let res = app
        .post_form(
            &member,
            &format!("/p/{p}/delete"),
            &format!("/p/{p}/delete"),
            &[],
        )
        .await;
    assert_eq!(res.status(), 303);
    let left: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM publication_links WHERE publication_id = $1")
            .bind(p)
            .fetch_one(&app.state.db.pool)
            .await
            .expect("left");
    assert_eq!(left, 0);
    assert_eq!(get(&anon, app.at(&format!("/p/{p}/links/1"))).await.0, 404);
}
