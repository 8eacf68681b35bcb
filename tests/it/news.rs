//! Local news aggregation (issue 17, C14) on both engines, through the real
//! pages, the API and the job worker, against feeds served by a real HTTP
//! server on 127.0.0.1 that this test runs: the real-world shapes of
//! `tests/fixtures/news/` (WordPress, Ghost, a YouTube channel, a Mastodon
//! account, a JSON Feed, a static site's Atom; see its README for where
//! each shape comes from), de-duplication by GUID and canonical URL across
//! feeds, conditional GET (the server answers 304 to the ETag it gave),
//! the origin shown in the community's feed, search, replies, and the one
//! policy (a private community's aggregated items stay private); then the
//! hostile feeds (billion laughs, a web page, broken XML, a 50 MB body, a
//! server error), each refused with its reason in the feed's health, with
//! backoff.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::harness::{TestApp, html_unescape};
use crate::writing::{community, member, token_for};

/// What the feed server saw.
#[derive(Default)]
struct Seen {
    /// Requests per path.
    requests: HashMap<String, u64>,
    /// 304 answers per path.
    not_modified: HashMap<String, u64>,
}

/// A hand-written HTTP/1.1 server on 127.0.0.1:0 serving the fixtures
/// (one request per connection), with an `ETag` per file and 304 to a
/// matching `If-None-Match`; `/huge` streams 50 MB without a length and
/// counts what it could write; `/broken` answers 500.
pub(crate) struct FeedServer {
    addr: SocketAddr,
    seen: Arc<Mutex<Seen>>,
    huge_sent: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FeedServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

const HUGE: u64 = 50 * 1024 * 1024;

fn fixture(name: &str) -> Option<(Vec<u8>, &'static str)> {
    let kind = match name.rsplit('.').next()? {
        "rss" => "application/rss+xml; charset=UTF-8",
        "atom" => "application/atom+xml; charset=UTF-8",
        "json" => "application/feed+json",
        "html" => "text/html; charset=utf-8",
        "xml" => "application/xml",
        _ => return None,
    };
    let path = format!("{}/tests/fixtures/news/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(path).ok().map(|b| (b, kind))
}

impl FeedServer {
    pub(crate) async fn start() -> FeedServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Seen::default()));
        let huge_sent = Arc::new(AtomicU64::new(0));
        let (s, h) = (Arc::clone(&seen), Arc::clone(&huge_sent));
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(serve(stream, Arc::clone(&s), Arc::clone(&h)));
            }
        });
        FeedServer {
            addr,
            seen,
            huge_sent,
            task,
        }
    }
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
    pub(crate) fn requests(&self, path: &str) -> u64 {
        *self.seen.lock().unwrap().requests.get(path).unwrap_or(&0)
    }
    fn not_modified(&self, path: &str) -> u64 {
        *self
            .seen
            .lock()
            .unwrap()
            .not_modified
            .get(path)
            .unwrap_or(&0)
    }
}

async fn serve(mut stream: TcpStream, seen: Arc<Mutex<Seen>>, huge_sent: Arc<AtomicU64>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 2048];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if buf.len() > 64 * 1024 {
            return;
        }
    }
    let head = String::from_utf8_lossy(&buf).to_string();
    let path = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("/")
        .to_string();
    let if_none_match = head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case("if-none-match")
            .then(|| v.trim().to_string())
    });
    *seen
        .lock()
        .unwrap()
        .requests
        .entry(path.clone())
        .or_default() += 1;
    if path == "/huge" {
        let _ = stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nConnection: close\r\n\r\n")
            .await;
        let mut block = b"<rss version=\"2.0\"><channel><title>".to_vec();
        block.resize(64 * 1024, b'x');
        let mut sent = 0u64;
        while sent < HUGE {
            if stream.write_all(&block).await.is_err() {
                break;
            }
            sent += block.len() as u64;
            huge_sent.store(sent, Ordering::SeqCst);
        }
        return;
    }
    if let Some(n) = path.strip_prefix("/gen/") {
        // A generated feed (the benchmark): 20 items of its own.
        let n = n.trim_end_matches(".rss");
        let mut body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Fil {n}</title>\
             <link>https://gen{n}.example/</link><description>Généré</description>"
        );
        for i in 0..20 {
            body.push_str(&format!(
                "<item><title>Nouvelle {i} du fil {n}</title><link>https://gen{n}.example/{i}</link>\
                 <guid isPermaLink=\"false\">gen-{n}-{i}</guid><pubDate>Thu, 03 Dec 2026 14:{:02}:00 +0000</pubDate>\
                 <category>Région</category><description>&lt;p&gt;Un paragraphe de nouvelles locales pour \
                 l'article {i}, assez long pour ressembler à un vrai résumé d'article de journal.&lt;/p&gt;</description></item>",
                i % 60
            ));
        }
        body.push_str("</channel></rss>");
        let etag = format!("\"gen-{n}\"");
        if if_none_match.as_deref() == Some(etag.as_str()) {
            let _ = stream
                .write_all(
                    format!(
                        "HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nConnection: close\r\n\r\n"
                    )
                    .as_bytes(),
                )
                .await;
            return;
        }
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: {}\r\nETag: {etag}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let _ = stream.write_all(head.as_bytes()).await;
        let _ = stream.write_all(body.as_bytes()).await;
        return;
    }
    if path == "/broken" {
        let _ = stream
            .write_all(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\nConnection: close\r\n\r\noops!")
            .await;
        return;
    }
    // A query string names the same fixture (a second subscription to one
    // feed under another address: its items are duplicates).
    let file = path.split('?').next().unwrap_or_default();
    let Some((body, kind)) = fixture(file.trim_start_matches('/')) else {
        let _ = stream
            .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .await;
        return;
    };
    let etag = format!(
        "\"{:x}-{}\"",
        body.len(),
        body.iter().map(|b| *b as u64).sum::<u64>()
    );
    if if_none_match.as_deref() == Some(etag.as_str()) {
        *seen
            .lock()
            .unwrap()
            .not_modified
            .entry(path.clone())
            .or_default() += 1;
        let _ = stream
            .write_all(
                format!("HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            )
            .await;
        return;
    }
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nETag: {etag}\r\n\
         Last-Modified: Fri, 04 Dec 2026 10:15:22 GMT\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(&body).await;
}

#[derive(Debug, Clone)]
struct FeedRow {
    id: i64,
    url: String,
    last_error: String,
    last_error_detail: String,
    failures: i64,
    next_fetch_at: i64,
    last_error_at: Option<i64>,
    items_added: i64,
    items_duplicate: i64,
}

async fn feeds(app: &TestApp, community_id: i64) -> Vec<FeedRow> {
    let rows: Vec<(i64, String, String, String, i64, i64, Option<i64>, i64, i64)> = sqlx::query_as(
        "SELECT id, url, last_error, last_error_detail, failures, next_fetch_at, last_error_at, items_added, \
         items_duplicate FROM news_feeds WHERE community_id = $1 ORDER BY id",
    )
    .bind(community_id)
    .fetch_all(&app.state.db.pool)
    .await
    .expect("feeds");
    rows.into_iter()
        .map(|r| FeedRow {
            id: r.0,
            url: r.1,
            last_error: r.2,
            last_error_detail: r.3,
            failures: r.4,
            next_fetch_at: r.5,
            last_error_at: r.6,
            items_added: r.7,
            items_duplicate: r.8,
        })
        .collect()
}

/// Wait (bounded) until every feed of the community has been fetched since
/// its `last_fetch_at` was cleared: the job worker fetches them.
async fn wait_fetched(app: &TestApp, community_id: i64) {
    for _ in 0..600 {
        let pending: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM news_feeds WHERE community_id = $1 AND last_fetch_at IS NULL",
        )
        .bind(community_id)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count");
        if pending == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the feeds of community {community_id} were not fetched within 60 s");
}

async fn subscribe_page(
    app: &TestApp,
    client: &reqwest::Client,
    slug: &str,
    url: &str,
    tags: &str,
) {
    let path = format!("/c/{slug}/news");
    let csrf = app.csrf(client, &path).await;
    let res = client
        .post(app.at(&path))
        .form(&[("csrf", csrf.as_str()), ("url", url), ("tags", tags)])
        .send()
        .await
        .expect("subscribe");
    let status = res.status().as_u16();
    if status != 303 {
        // Say why: the same operation, called directly.
        let owner = passerelles::accounts::by_username(&app.state.db, "animatrice")
            .await
            .ok()
            .flatten()
            .or(
                passerelles::accounts::by_username(&app.state.db, "animateur")
                    .await
                    .ok()
                    .flatten(),
            )
            .expect("owner");
        let why = passerelles::news::ops::subscribe(
            &app.state,
            &passerelles::actor::Actor::person(&owner),
            slug,
            &format!("{url}?again"),
            tags,
        )
        .await;
        panic!("subscribing to {url}: {status}; the operation says {why:?}");
    }
}

async fn get(client: &reqwest::Client, url: String) -> (u16, String) {
    let res = client.get(url).send().await.expect("get");
    let status = res.status().as_u16();
    (status, res.text().await.expect("body"))
}

/// The publication of community `cid` that came from the item `guid_key`.
async fn item(app: &TestApp, cid: i64, guid_key: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT publication_id FROM news_items WHERE community_id = $1 AND guid_key = $2",
    )
    .bind(cid)
    .bind(guid_key)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap_or_else(|e| panic!("item {guid_key}: {e}"))
}

fn allow_loopback() {
    // SAFETY: every test that fetches sets the same value.
    unsafe { std::env::set_var("PASSERELLES_FETCH_ALLOW", "127.0.0.1:*") };
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn news_feeds_from_real_world_shapes_become_watch_items() {
    allow_loopback();
    let server = FeedServer::start().await;
    let app = TestApp::spawn().await;
    let (owner_client, owner) = app.logged_in("animatrice", false).await;
    let open = community(&app, "nouvelles", "open", "open", &owner).await;
    let private = community(&app, "cercle", "private", "request", &owner).await;
    let (member_client, reader) = app.logged_in("lecteur", false).await;
    member(&app, open, &reader, "member", "active").await;
    let outsider = reqwest::Client::new();

    // The WordPress feed first (so which feed brings the shared article
    // first is known), then the others.
    subscribe_page(
        &app,
        &owner_client,
        "nouvelles",
        &server.url("/wordpress.rss"),
        "Actualités locales",
    )
    .await;
    wait_fetched(&app, open).await;
    for f in [
        "/ghost.rss",
        "/youtube.atom",
        "/mastodon.rss",
        "/feed.json",
        "/jekyll.atom",
    ] {
        subscribe_page(&app, &owner_client, "nouvelles", &server.url(f), "").await;
    }
    wait_fetched(&app, open).await;

    let rows = feeds(&app, open).await;
    assert_eq!(rows.len(), 6);
    for r in &rows {
        assert_eq!(
            r.last_error, "",
            "{} is healthy: {}",
            r.url, r.last_error_detail
        );
        assert_eq!(r.failures, 0);
    }
    let by_path = |p: &str| rows.iter().find(|r| r.url.ends_with(p)).unwrap().clone();
    assert_eq!(by_path("/wordpress.rss").items_added, 2);
    // Ghost's second item links to the WordPress article with utm_*
    // parameters: the same canonical URL.
    assert_eq!(
        (
            by_path("/ghost.rss").items_added,
            by_path("/ghost.rss").items_duplicate
        ),
        (1, 1)
    );
    // The JSON Feed's second item carries the WordPress article's GUID.
    assert_eq!(
        (
            by_path("/feed.json").items_added,
            by_path("/feed.json").items_duplicate
        ),
        (1, 1)
    );
    assert_eq!(by_path("/youtube.atom").items_added, 1);
    assert_eq!(by_path("/mastodon.rss").items_added, 1);
    assert_eq!(by_path("/jekyll.atom").items_added, 1);
    let watch_items: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM publication_communities pc JOIN publications p ON p.id = pc.publication_id \
         WHERE pc.community_id = $1 AND p.kind = 'watch' AND p.author_id IS NULL",
    )
    .bind(open)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(watch_items, 7, "seven distinct articles");

    // What each shape gave.
    let wp = item(&app, open, "https://journal-saint-alban.example/?p=4812").await;
    let (title, body_html, link): (String, String, String) =
        sqlx::query_as("SELECT title, body_html, link_url FROM publications WHERE id = $1")
            .bind(wp)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(title, "Le marché public rouvre ses portes samedi");
    assert_eq!(
        link,
        "https://journal-saint-alban.example/2026/12/03/marche-public-rouvre/"
    );
    assert!(
        body_html.contains("Les producteurs de la région"),
        "{body_html}"
    );
    assert!(
        !body_html.contains("<script") && !body_html.contains("<a "),
        "sanitised: {body_html}"
    );
    let yt = item(&app, open, "yt:video:dQw4w9WgXcQ").await;
    let (yt_title, yt_body): (String, String) =
        sqlx::query_as("SELECT title, body_html FROM publications WHERE id = $1")
            .bind(yt)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(yt_title, "Assemblée citoyenne sur le transport collectif");
    assert!(
        yt_body.contains("Captation intégrale"),
        "media:description: {yt_body}"
    );
    let masto = item(
        &app,
        open,
        "https://mastodon.example/@biblio/113604411112223334",
    )
    .await;
    let masto_title: String = sqlx::query_scalar("SELECT title FROM publications WHERE id = $1")
        .bind(masto)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert!(
        masto_title.starts_with("Heure du conte samedi"),
        "untitled toot: {masto_title}"
    );

    // Taggable: the feed's tag and the item's categories.
    let tags: Vec<String> = sqlx::query_scalar(
        "SELECT t.name FROM publication_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.publication_id = $1 ORDER BY t.name",
    )
    .bind(wp)
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(
        tags,
        vec!["actualites-locales", "alimentation", "vie-de-quartier"]
    );

    // Shown in the community's feed with their origin, to anyone (open).
    let (status, page) = get(&outsider, app.at("/c/nouvelles")).await;
    assert_eq!(status, 200);
    let page = html_unescape(&page);
    assert!(
        page.contains("Source externe : Journal de Saint-Alban"),
        "origin shown"
    );
    assert!(page.contains("Source externe : Télé communautaire des Basques"));
    // The publication page names its origin instead of an author.
    let (status, p) = get(&outsider, app.at(&format!("/p/{wp}"))).await;
    assert_eq!(status, 200);
    let p = html_unescape(&p);
    assert!(p.contains("Source externe : Journal de Saint-Alban"));
    assert!(
        p.contains("https://journal-saint-alban.example"),
        "links to the source"
    );
    assert!(!p.contains("<script>alert"), "no markup from the feed");

    // Searchable (anonymous, open community).
    let (_, results) = get(&outsider, app.at("/search?q=guignol%C3%A9e")).await;
    let bene = item(
        &app,
        open,
        "https://carrefour-organismes.example/nouvelles/appel-benevoles",
    )
    .await;
    assert!(
        results.contains(&format!("/p/{bene}")),
        "the JSON Feed item is found"
    );

    // Discussed like any watch item: a member replies through the API.
    let token = token_for(&app, &reader).await;
    let res = member_client
        .post(app.at(&format!("/api/v1/publications/{wp}/replies")))
        .bearer_auth(&token)
        .json(&json!({ "body": "J'y serai avec mes paniers." }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201, "{}", res.text().await.unwrap());
    let (_, p) = get(&outsider, app.at(&format!("/p/{wp}"))).await;
    assert!(html_unescape(&p).contains("J'y serai avec mes paniers."));

    // Conditional GET: the next pass sends the ETag back, gets 304, adds
    // nothing. (The health's fetch time is cleared to see the pass end.)
    sqlx::query("UPDATE news_feeds SET last_fetch_at = NULL WHERE community_id = $1")
        .bind(open)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let owner_token = token_for(&app, &owner).await;
    let res = owner_client
        .post(app.at("/api/v1/communities/nouvelles/news-feeds/fetch"))
        .bearer_auth(&owner_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 202);
    wait_fetched(&app, open).await;
    for f in [
        "/wordpress.rss",
        "/ghost.rss",
        "/youtube.atom",
        "/mastodon.rss",
        "/feed.json",
        "/jekyll.atom",
    ] {
        assert!(server.requests(f) >= 2, "{f} fetched again");
        assert!(server.not_modified(f) >= 1, "{f} answered 304 to its ETag");
    }
    let after: Vec<i64> = feeds(&app, open)
        .await
        .iter()
        .map(|r| r.items_added)
        .collect();
    assert_eq!(after, vec![2, 1, 1, 1, 1, 1], "nothing added on 304");

    // The health, through the API (managers only).
    let res = owner_client
        .get(app.at("/api/v1/communities/nouvelles/news-feeds"))
        .bearer_auth(&owner_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let list: Value = res.json().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 6);
    assert_eq!(list[0]["title"], "Journal de Saint-Alban");
    assert!(list[0]["last_success_at"].is_string());
    assert!(list[0]["last_error"].is_null());
    let res = member_client
        .get(app.at("/api/v1/communities/nouvelles/news-feeds"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status().as_u16(),
        403,
        "a member does not manage the feeds"
    );
    let (status, _) = get(&member_client, app.at("/c/nouvelles/news")).await;
    assert_eq!(status, 403, "nor sees their page");

    // A private community's items stay private: its own publications,
    // never the open community's ones.
    let res = owner_client
        .post(app.at("/api/v1/communities/cercle/news-feeds"))
        .bearer_auth(&owner_token)
        .json(&json!({ "url": server.url("/wordpress.rss"), "tags": "" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    wait_fetched(&app, private).await;
    let secret = item(&app, private, "https://journal-saint-alban.example/?p=4799").await;
    let public = item(&app, open, "https://journal-saint-alban.example/?p=4799").await;
    assert_ne!(secret, public, "one publication per community");
    for (who, client) in [
        ("anonymous", &outsider),
        ("outsider member of another", &member_client),
    ] {
        let (status, _) = get(client, app.at(&format!("/p/{secret}"))).await;
        assert_eq!(status, 404, "{who} does not read the private item");
        let (_, results) = get(client, app.at("/search?q=urbanisme")).await;
        assert!(
            results.contains(&format!("/p/{public}")),
            "{who} finds the open one"
        );
        assert!(
            !results.contains(&format!("/p/{secret}")),
            "{who} does not find the private one"
        );
    }
    let res = member_client
        .get(app.at(&format!("/api/v1/publications/{secret}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404, "nor through the API");
    let (status, p) = get(&owner_client, app.at(&format!("/p/{secret}"))).await;
    assert_eq!(status, 200, "its members do");
    assert!(html_unescape(&p).contains("Consultation sur le plan d’urbanisme"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_feeds_are_refused_with_their_reason_in_the_health() {
    allow_loopback();
    let server = FeedServer::start().await;
    let app = TestApp::spawn().await;
    let (client, owner) = app.logged_in("animateur", false).await;
    let cid = community(&app, "veille", "open", "open", &owner).await;
    let hostile = [
        ("/billion-laughs.xml", "news-error-entities"),
        ("/not-a-feed.html", "news-error-html"),
        ("/invalid.xml", "news-error-invalid"),
        ("/huge", "news-error-too-large"),
        ("/broken", "fetch-http-error"),
    ];
    for (path, _) in hostile {
        subscribe_page(&app, &client, "veille", &server.url(path), "").await;
    }
    // Refused at once: a non-feed address, the same feed twice.
    let path = "/c/veille/news";
    let csrf = app.csrf(&client, path).await;
    let res = client
        .post(app.at(path))
        .form(&[
            ("csrf", csrf.as_str()),
            ("url", "ftp://x.example/feed"),
            ("tags", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 422);
    assert!(
        html_unescape(&res.text().await.unwrap())
            .contains("Entrez une adresse http ou https complète.")
    );
    let res = client
        .post(app.at(path))
        .form(&[
            ("csrf", csrf.as_str()),
            ("url", server.url("/broken").as_str()),
            ("tags", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 422);
    assert!(html_unescape(&res.text().await.unwrap()).contains("La communauté suit déjà ce fil."));

    wait_fetched(&app, cid).await;
    let rows = feeds(&app, cid).await;
    assert_eq!(rows.len(), hostile.len(), "no feed dropped");
    for (path, key) in hostile {
        let r = rows.iter().find(|r| r.url.ends_with(path)).unwrap();
        assert_eq!(r.last_error, key, "{path}: {}", r.last_error_detail);
        assert_eq!(r.failures, 1);
        let at = r.last_error_at.expect("error time");
        assert!(
            r.next_fetch_at >= at + 600,
            "{path}: backed off ten minutes"
        );
        assert_eq!(r.items_added, 0);
    }
    let invalid = rows
        .iter()
        .find(|r| r.url.ends_with("/invalid.xml"))
        .unwrap();
    assert!(
        !invalid.last_error_detail.is_empty(),
        "the parser's words are kept"
    );
    let broken = rows.iter().find(|r| r.url.ends_with("/broken")).unwrap();
    assert_eq!(broken.last_error_detail, "500");
    let sent = server.huge_sent.load(Ordering::SeqCst);
    assert!(
        sent < HUGE / 2,
        "the 50 MB body was cut early ({sent} bytes written)"
    );
    let stored: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM publication_communities WHERE community_id = $1")
            .bind(cid)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(stored, 0, "nothing stored from a refused feed");

    // The animator reads why, on the feeds page.
    let (status, page) = get(&client, app.at("/c/veille/news")).await;
    assert_eq!(status, 200);
    let page = html_unescape(&page);
    assert_eq!(page.matches("En erreur").count(), hostile.len());
    for text in [
        "Le document déclare des entités XML",
        "L'adresse donne une page Web, pas un fil.",
        "Ce n'est pas un fil valide.",
        "Le fil dépasse 5 Mo",
        "Le site a répondu par une erreur. (500)",
    ] {
        assert!(page.contains(text), "the page says: {text}");
    }

    // Fetch now: tried again despite the backoff, which doubles.
    let csrf = app.csrf(&client, path).await;
    sqlx::query("UPDATE news_feeds SET last_fetch_at = NULL WHERE community_id = $1")
        .bind(cid)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let res = client
        .post(app.at("/c/veille/news/fetch"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    wait_fetched(&app, cid).await;
    for r in feeds(&app, cid).await {
        assert_eq!(r.failures, 2, "{}", r.url);
        assert!(
            r.next_fetch_at >= r.last_error_at.unwrap() + 1200,
            "backoff doubled"
        );
    }

    // Removing one is the animator's choice, never the fetcher's.
    let id = rows[0].id;
    let res = client
        .post(app.at(&format!("/c/veille/news/{id}/remove")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(feeds(&app, cid).await.len(), hostile.len() - 1);
}

/// (CPU seconds of this process, peak RSS in KiB), from /proc.
fn cpu_and_peak_rss() -> (f64, i64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // utime and stime: fields 14 and 15 of stat, 12 and 13 after the name.
    let ticks: f64 = [11, 12]
        .iter()
        .filter_map(|i| fields.get(*i).and_then(|v| v.parse::<f64>().ok()))
        .sum();
    let rss = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0);
    (ticks / 100.0, rss)
}

/// One aggregation pass over 200 feeds (20 items each) on loopback, then a
/// second pass where every feed answers 304.
/// `cargo nextest run --test it --run-ignored only news_aggregation_benchmark --no-capture`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark"]
async fn news_aggregation_benchmark() {
    allow_loopback();
    let server = FeedServer::start().await;
    let app = TestApp::spawn().await;
    let owner = app.create_user("bench", false).await;
    let t = passerelles::db::now();
    // Four communities of 50 feeds; due in an hour, so the worker's own
    // pass leaves them to this one.
    for c in 0..4 {
        let cid = community(&app, &format!("bench-{c}"), "open", "open", &owner).await;
        for f in 0..50 {
            sqlx::query(
                "INSERT INTO news_feeds (community_id, url, tags, created_at, next_fetch_at) VALUES ($1, $2, '', $3, $4)",
            )
            .bind(cid)
            .bind(server.url(&format!("/gen/{}.rss", c * 50 + f)))
            .bind(t)
            .bind(t + 3600)
            .execute(&app.state.db.pool)
            .await
            .unwrap();
        }
    }
    let ua = passerelles::fetch::user_agent("http://127.0.0.1");
    for pass in ["first (200 × 20 new items)", "second (200 × 304)"] {
        sqlx::query("UPDATE news_feeds SET next_fetch_at = 0")
            .execute(&app.state.db.pool)
            .await
            .unwrap();
        let (cpu0, _) = cpu_and_peak_rss();
        let started = std::time::Instant::now();
        let report = passerelles::news::aggregate::run_due(&app.state.db, &ua)
            .await
            .expect("pass");
        let wall = started.elapsed();
        let (cpu1, rss) = cpu_and_peak_rss();
        eprintln!(
            "{} pass, {}: {} feeds, {} added, {} not modified, {} failed; {:.2} s wall, {:.2} s CPU, peak RSS {} MB",
            app_backend(),
            pass,
            report.feeds,
            report.added,
            report.not_modified,
            report.failed,
            wall.as_secs_f64(),
            cpu1 - cpu0,
            rss / 1024
        );
        assert_eq!(report.feeds, 200);
        assert_eq!(report.failed, 0);
    }
}

fn app_backend() -> String {
    crate::harness::backend()
}
