//! Publications end to end: sharing into several communities, who sees
//! what (page, API, attachment download, notifications, mentions), threaded
//! replies, tombstones, history, hostile input, attachments, watch items
//! with a preview from a local server, "already shared", and the number of
//! SQL statements a page costs.

use std::net::SocketAddr;
use std::sync::Once;

use passerelles::accounts::User;
use passerelles::api::tokens;
use passerelles::communities::{self, Community, NewCommunity};
use passerelles::policy::{JoinPolicy, MemberState, Role, Visibility};
use passerelles::publications;
use reqwest::multipart::{Form, Part};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::harness::TestApp;

// ---- helpers -----------------------------------------------------------------------------------

/// The guarded client may reach any port of 127.0.0.1 in this process (tests
/// run in parallel, each with its own local server).
fn allow_loopback() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: set once, before any preview fetch of this process reads it.
        unsafe { std::env::set_var("PASSERELLES_FETCH_ALLOW", "127.0.0.1:*") };
    });
}

async fn community(app: &TestApp, owner: &User, slug: &str, visibility: Visibility) -> Community {
    let join = if visibility == Visibility::Private {
        JoinPolicy::Request
    } else {
        JoinPolicy::Open
    };
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
            join_policy: join,
            request_note: "",
        },
        slug,
        false,
    )
    .await
    .expect("community created")
}

async fn join(app: &TestApp, c: &Community, u: &User, role: Role) {
    communities::set_membership(&app.state.db, c.id, u.id, role, MemberState::Active, "")
        .await
        .expect("membership");
}

/// POST the compose form (multipart) with the CSRF token of /p/new.
pub async fn compose(
    app: &TestApp,
    client: &reqwest::Client,
    fields: &[(&str, &str)],
    files: Vec<(&str, Vec<u8>)>,
) -> reqwest::Response {
    let csrf = app.csrf(client, "/p/new").await;
    let mut form = Form::new().text("csrf", csrf);
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    for (name, bytes) in files {
        form = form.part("files", Part::bytes(bytes).file_name(name.to_string()));
    }
    client
        .post(app.at("/p/new"))
        .multipart(form)
        .send()
        .await
        .expect("post /p/new")
}

/// Publish and return the new publication's id.
pub async fn publish(
    app: &TestApp,
    client: &reqwest::Client,
    fields: &[(&str, &str)],
    files: Vec<(&str, Vec<u8>)>,
) -> i64 {
    let res = compose(app, client, fields, files).await;
    let status = res.status();
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert_eq!(
        status,
        303,
        "publish should redirect: {}",
        res.text().await.unwrap_or_default()
    );
    location
        .trim_start_matches("/p/")
        .parse()
        .expect("publication id in Location")
}

async fn get(client: &reqwest::Client, url: String) -> (u16, String) {
    let res = client.get(url).send().await.expect("get");
    let status = res.status().as_u16();
    (status, res.text().await.expect("body"))
}

async fn token_for(app: &TestApp, user: &User) -> String {
    tokens::create_token(&app.state.db, user.id, "tests", None)
        .await
        .expect("token")
        .1
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count")
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("png");
    out.into_inner()
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// A tiny PNG whose header claims 100,000 × 100,000 pixels.
fn png_bomb() -> Vec<u8> {
    let mut png = png(8, 8);
    png[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    png[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// The replies section of a publication page, and how deeply its threads nest.
fn thread_depth(html: &str) -> usize {
    let start = html.find("id=\"replies-title\"").unwrap_or(0);
    let section = &html[start..];
    let (mut depth, mut max) = (0usize, 0usize);
    let mut rest = section;
    loop {
        let open = rest.find("<ul class=\"thread\">");
        let close = rest.find("</ul>");
        match (open, close) {
            (Some(o), Some(c)) if o < c => {
                depth += 1;
                max = max.max(depth);
                rest = &rest[o + 5..];
            }
            (_, Some(c)) => {
                depth = depth.saturating_sub(1);
                rest = &rest[c + 5..];
            }
            (Some(o), None) => {
                depth += 1;
                max = max.max(depth);
                rest = &rest[o + 5..];
            }
            (None, None) => break,
        }
    }
    max
}

/// No real tag carries script, event handlers, javascript: or data: URLs
/// (text is escaped, so a raw `<` always opens a tag).
fn assert_no_live_markup(html: &str) {
    for tag in html
        .split('<')
        .skip(1)
        .map(|t| t.split('>').next().unwrap_or("").to_ascii_lowercase())
    {
        for bad in ["javascript:", "onerror", "onload", "data:image/svg"] {
            assert!(!tag.contains(bad), "live markup: <{tag}>");
        }
        assert!(
            !tag.starts_with("script") || tag.contains("src=\"/static/"),
            "script tag: <{tag}>"
        );
        assert!(
            !tag.starts_with("svg") && !tag.starts_with("img src=\"x"),
            "<{tag}>"
        );
    }
}

/// A minimal local web site for link previews: `/page` (HTML with Open
/// Graph tags and an og:image on this server), `/img.png`, `/missing` (404).
async fn preview_site() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let mut got = 0;
                loop {
                    let Ok(n) = stream.read(&mut buf[got..]).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    got += n;
                    if buf[..got].windows(4).any(|w| w == b"\r\n\r\n") || got == buf.len() {
                        break;
                    }
                }
                let head = String::from_utf8_lossy(&buf[..got]).to_string();
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                let (status, ctype, body): (&str, &str, Vec<u8>) = if path.starts_with("/page") {
                    let html = format!(
                        "<!doctype html><html><head><title>Titre brut</title>\
                         <meta property=\"og:title\" content=\"Rapport sur le logement communautaire\">\
                         <meta property=\"og:description\" content=\"Une synthèse des coopératives d’habitation.\">\
                         <meta property=\"og:site_name\" content=\"Observatoire local\">\
                         <meta property=\"og:image\" content=\"http://{addr}/img.png\">\
                         </head><body><p>Bonjour</p></body></html>"
                    );
                    ("200 OK", "text/html; charset=utf-8", html.into_bytes())
                } else if path.starts_with("/img.png") {
                    ("200 OK", "image/png", png(64, 48))
                } else {
                    ("404 Not Found", "text/plain", b"absent".to_vec())
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(&body).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    addr
}

// ---- tests ------------------------------------------------------------------------------------------

/// One publication shared into an open and a private community: readers see
/// it through the open one only, and only the open one is named to them.
/// Removed in the open one: outsiders get a 404, the author the reason.
#[tokio::test]
async fn shared_into_open_and_private_communities() {
    let app = TestApp::spawn().await;
    let (author_c, author) = app.logged_in("autrice", false).await;
    let (outsider_c, _) = app.logged_in("passant", false).await;
    let (member_c, member) = app.logged_in("membre", false).await;
    let anon = app.client();
    // Communities led by someone else: the author is a plain member (moderators see removed content).
    let owner = app.create_user("proprio", false).await;
    let open = community(&app, &owner, "quartier-ouvert", Visibility::Open).await;
    let private = community(&app, &owner, "cercle-prive", Visibility::Private).await;
    join(&app, &open, &author, Role::Member).await;
    join(&app, &private, &author, Role::Member).await;
    join(&app, &private, &member, Role::Member).await;

    let (oid, pid) = (open.id.to_string(), private.id.to_string());
    let id = publish(
        &app,
        &author_c,
        &[
            ("kind", "discussion"),
            ("title", "Jardin partagé"),
            ("body", "On plante samedi."),
            ("communities", &oid),
            ("communities", &pid),
        ],
        Vec::new(),
    )
    .await;
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM publication_communities WHERE publication_id = {id}")
        )
        .await,
        2
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM publications").await,
        1,
        "one publication, not two copies"
    );

    for client in [&outsider_c, &anon] {
        let (status, html) = get(client, app.at(&format!("/p/{id}"))).await;
        assert_eq!(status, 200);
        assert!(html.contains("Jardin partagé"));
        assert!(
            html.contains("/c/quartier-ouvert"),
            "the open community is named"
        );
        assert!(
            !html.contains("cercle-prive") && !html.contains("Communauté cercle-prive"),
            "the private one is not"
        );
    }
    let (_, html) = get(&member_c, app.at(&format!("/p/{id}"))).await;
    assert!(html.contains("/c/cercle-prive") && html.contains("/c/quartier-ouvert"));

    // Removed by the open community's moderators.
    sqlx::query("UPDATE publication_communities SET status = 'removed', status_reason = $1 WHERE publication_id = $2 AND community_id = $3")
        .bind("Hors sujet pour ce quartier")
        .bind(id)
        .bind(open.id)
        .execute(&app.state.db.pool)
        .await
        .expect("remove");
    for client in [&outsider_c, &anon] {
        assert_eq!(get(client, app.at(&format!("/p/{id}"))).await.0, 404);
        assert_eq!(
            get(client, app.at(&format!("/api/v1/publications/{id}")))
                .await
                .0,
            404
        );
    }
    // The author still reads it through the private community they belong to…
    let (status, html) = get(&author_c, app.at(&format!("/p/{id}"))).await;
    assert_eq!(status, 200);
    assert!(html.contains("Jardin partagé"));
    // …and the member of the private community too.
    assert_eq!(get(&member_c, app.at(&format!("/p/{id}"))).await.0, 200);
    // Removed in the private one as well: the author sees the notice with the reasons.
    sqlx::query("UPDATE publication_communities SET status = 'removed', status_reason = 'Doublon' WHERE publication_id = $1 AND community_id = $2")
        .bind(id)
        .bind(private.id)
        .execute(&app.state.db.pool)
        .await
        .expect("remove");
    let (status, html) = get(&author_c, app.at(&format!("/p/{id}"))).await;
    assert_eq!(status, 200);
    assert!(html.contains("Publication retirée"), "{html}");
    assert!(html.contains("Hors sujet pour ce quartier") && html.contains("Doublon"));
    assert!(
        !html.contains("On plante samedi"),
        "the notice, not the content"
    );
    assert_eq!(get(&member_c, app.at(&format!("/p/{id}"))).await.0, 404);

    // The moderation outcome stays in the author's notifications (with its
    // reason); a mention of someone who can no longer read it does not.
    for (user, kind, data) in [
        (
            author.id,
            "moderation",
            r#"{"action":"remove","reason":"Doublon"}"#,
        ),
        (member.id, "mention", ""),
    ] {
        sqlx::query(
            "INSERT INTO notifications (user_id, kind, publication_id, community_id, data, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(user)
        .bind(kind)
        .bind(id)
        .bind(private.id)
        .bind(data)
        .bind(passerelles::db::now())
        .execute(&app.state.db.pool)
        .await
        .expect("notification");
    }
    let (_, html) = get(&author_c, app.at("/notifications")).await;
    assert!(
        html.contains("Une décision de modération vous concerne") && html.contains("Doublon"),
        "{html}"
    );
    let (_, html) = get(&member_c, app.at("/notifications")).await;
    assert!(html.contains("Aucune notification non lue"), "{html}");
}

/// Only in a private community: anonymous and outsiders get 404 on the page,
/// the API and the attachment; members read all three.
#[tokio::test]
async fn private_only_publication_and_its_attachment() {
    let app = TestApp::spawn().await;
    let (author_c, author) = app.logged_in("animatrice", false).await;
    let (outsider_c, outsider) = app.logged_in("curieux", false).await;
    let (member_c, member) = app.logged_in("benevole", false).await;
    let anon = app.client();
    let private = community(&app, &author, "comite-prive", Visibility::Private).await;
    join(&app, &private, &member, Role::Member).await;
    let cid = private.id.to_string();
    let id = publish(
        &app,
        &author_c,
        &[
            ("kind", "discussion"),
            ("title", "Budget confidentiel"),
            ("body", "Voir le PDF."),
            ("communities", &cid),
        ],
        vec![
            ("../../budget 2026.pdf", PDF.to_vec()),
            ("photo.png", png(40, 30)),
        ],
    )
    .await;
    let atts: Vec<(i64, String, String, Option<i64>)> =
        sqlx::query_as("SELECT id, file_name, content_type, thumbnail_media_id FROM attachments WHERE publication_id = $1 ORDER BY id")
            .bind(id)
            .fetch_all(&app.state.db.pool)
            .await
            .expect("attachments");
    assert_eq!(atts.len(), 2);
    assert_eq!(atts[0].1, "budget 2026.pdf", "no path parts");
    assert_eq!(atts[0].2, "application/pdf");
    assert!(atts[0].3.is_none());
    assert_eq!(atts[1].2, "image/png");
    assert!(atts[1].3.is_some(), "images get a thumbnail");
    let pdf_url = format!("/p/{id}/attachments/{}", atts[0].0);
    let thumb_url = format!("/p/{id}/attachments/{}/thumbnail", atts[1].0);

    let outsider_token = token_for(&app, &outsider).await;
    for client in [&anon, &outsider_c] {
        assert_eq!(get(client, app.at(&format!("/p/{id}"))).await.0, 404);
        assert_eq!(get(client, app.at(&pdf_url)).await.0, 404);
        assert_eq!(get(client, app.at(&thumb_url)).await.0, 404);
        assert_eq!(
            get(client, app.at(&format!("/api/v1/publications/{id}")))
                .await
                .0,
            404
        );
        assert_eq!(
            get(
                client,
                app.at(&format!(
                    "/api/v1/publications/{id}/attachments/{}",
                    atts[0].0
                ))
            )
            .await
            .0,
            404
        );
    }
    let res = app
        .client()
        .get(app.at(&format!("/api/v1/publications/{id}")))
        .bearer_auth(&outsider_token)
        .send()
        .await
        .expect("api");
    assert_eq!(res.status(), 404);

    let (status, html) = get(&member_c, app.at(&format!("/p/{id}"))).await;
    assert_eq!(status, 200);
    assert!(html.contains("budget 2026.pdf") && html.contains(&thumb_url));
    let res = member_c
        .get(app.at(&pdf_url))
        .send()
        .await
        .expect("download");
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert_eq!(res.bytes().await.expect("bytes").as_ref(), PDF);
    let res = member_c
        .get(app.at(&thumb_url))
        .send()
        .await
        .expect("thumb");
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/jpeg");

    let member_token = token_for(&app, &member).await;
    let res = app
        .client()
        .get(app.at(&format!("/api/v1/publications/{id}")))
        .bearer_auth(&member_token)
        .send()
        .await
        .expect("api");
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.expect("json");
    assert_eq!(v["title"], "Budget confidentiel");
    assert_eq!(v["communities"][0]["slug"], "comite-prive");
    assert_eq!(v["attachments"].as_array().map(Vec::len), Some(2));
}

/// Replies nest five levels deep, deeper ones attach to their level-5
/// ancestor; a deleted reply leaves a tombstone; edits keep history.
#[tokio::test]
async fn threaded_replies_tombstones_and_history() {
    let app = TestApp::spawn().await;
    let (a_c, a) = app.logged_in("alice", false).await;
    let (b_c, b) = app.logged_in("bruno", false).await;
    let open = community(&app, &a, "voisins", Visibility::Open).await;
    join(&app, &open, &b, Role::Member).await;
    let cid = open.id.to_string();
    let id = publish(
        &app,
        &a_c,
        &[
            ("kind", "question"),
            ("title", "Où trouver des bacs?"),
            ("body", "Première version."),
            ("communities", &cid),
        ],
        Vec::new(),
    )
    .await;

    // A chain of 7 replies, alternating authors.
    let mut parent = String::new();
    let mut ids = Vec::new();
    for i in 0..7 {
        let client = if i % 2 == 0 { &b_c } else { &a_c };
        let body = format!("Réponse numéro {i}");
        let res = app
            .post_form(
                client,
                &format!("/p/{id}"),
                &format!("/p/{id}/replies"),
                &[("body", body.as_str()), ("parent_id", parent.as_str())],
            )
            .await;
        assert_eq!(res.status(), 303);
        let loc = res.headers()["location"].to_str().expect("loc").to_string();
        let rid = loc.rsplit("#r-").next().expect("anchor").to_string();
        ids.push(rid.parse::<i64>().expect("id"));
        parent = rid;
    }
    let depths: Vec<i64> =
        sqlx::query_scalar("SELECT depth FROM replies WHERE publication_id = $1 ORDER BY id")
            .bind(id)
            .fetch_all(&app.state.db.pool)
            .await
            .expect("depths");
    assert_eq!(depths, vec![0, 1, 2, 3, 4, 4, 4]);
    let (_, html) = get(&a_c, app.at(&format!("/p/{id}"))).await;
    assert_eq!(thread_depth(&html), 5, "five levels of nesting, no more");
    for i in 0..7 {
        assert!(html.contains(&format!("Réponse numéro {i}")));
    }
    assert!(
        html.contains("en réponse à"),
        "flattened replies say whom they answer"
    );

    // Edit a reply: the old text is in its history.
    let r2 = ids[2];
    let res = app
        .post_form(
            &b_c,
            &format!("/p/{id}/replies/{r2}/edit"),
            &format!("/p/{id}/replies/{r2}/edit"),
            &[("body", "Réponse corrigée")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (status, hist) = get(&a_c, app.at(&format!("/p/{id}/replies/{r2}/history"))).await;
    assert_eq!(status, 200);
    assert!(hist.contains("Réponse corrigée") && hist.contains("Réponse numéro 2"));
    // Someone else may not edit it.
    let res = app
        .post_form(
            &a_c,
            &format!("/p/{id}"),
            &format!("/p/{id}/replies/{r2}/edit"),
            &[("body", "Pirate")],
        )
        .await;
    assert_eq!(res.status(), 403);

    // Delete it: a tombstone, the thread keeps its shape.
    let res = app
        .post_form(
            &b_c,
            &format!("/p/{id}/replies/{r2}/delete"),
            &format!("/p/{id}/replies/{r2}/delete"),
            &[],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, html) = get(&a_c, app.at(&format!("/p/{id}"))).await;
    assert!(html.contains("Réponse supprimée"));
    assert!(!html.contains("Réponse corrigée"));
    assert!(
        html.contains("Réponse numéro 3") && html.contains("Réponse numéro 6"),
        "its answers stay"
    );
    assert_eq!(thread_depth(&html), 5);
    let body: String = sqlx::query_scalar("SELECT body FROM replies WHERE id = $1")
        .bind(r2)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("body");
    assert!(body.is_empty(), "the text is erased");
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM reply_revisions WHERE reply_id = {r2}")
        )
        .await,
        0
    );

    // Edit the publication: history keeps the first version.
    let csrf = app.csrf(&a_c, &format!("/p/{id}/edit")).await;
    let form = Form::new()
        .text("csrf", csrf)
        .text("title", "Où trouver des bacs à compost?")
        .text("body", "Deuxième version.")
        .text("tags", "compost");
    let res = a_c
        .post(app.at(&format!("/p/{id}/edit")))
        .multipart(form)
        .send()
        .await
        .expect("edit");
    assert_eq!(res.status(), 303);
    let (_, html) = get(&b_c, app.at(&format!("/p/{id}"))).await;
    assert!(html.contains("Deuxième version.") && html.contains(&format!("/p/{id}/history")));
    let (status, hist) = get(&b_c, app.at(&format!("/p/{id}/history"))).await;
    assert_eq!(status, 200);
    assert!(
        hist.contains("Première version.")
            && hist.contains("Deuxième version.")
            && hist.contains("Où trouver des bacs?")
    );
    // Only its author edits it.
    assert_eq!(get(&b_c, app.at(&format!("/p/{id}/edit"))).await.0, 403);

    // The author accepts an answer.
    let r6 = ids[6].to_string();
    let res = app
        .post_form(
            &a_c,
            &format!("/p/{id}"),
            &format!("/p/{id}/accept"),
            &[("reply_id", r6.as_str())],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, html) = get(&b_c, app.at(&format!("/p/{id}"))).await;
    assert!(
        html.contains("Voir la réponse acceptée") && html.contains(&format!("href=\"#r-{r6}\""))
    );
    // Bruno (not the author, not an animator) may not.
    let res = app
        .post_form(
            &b_c,
            &format!("/p/{id}"),
            &format!("/p/{id}/accept"),
            &[("reply_id", "")],
        )
        .await;
    assert_eq!(res.status(), 403);

    // Delete the publication: a 404 for everyone, content erased.
    let res = app
        .post_form(
            &a_c,
            &format!("/p/{id}/delete"),
            &format!("/p/{id}/delete"),
            &[],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(get(&a_c, app.at(&format!("/p/{id}"))).await.0, 404);
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM publication_revisions WHERE publication_id = {id}")
        )
        .await,
        0
    );
}

/// A mention notifies a member who can see the publication, not someone who
/// cannot; replies notify the author and followers; reading marks them read.
#[tokio::test]
async fn mentions_and_reply_notifications_respect_the_policy() {
    let app = TestApp::spawn().await;
    let (a_c, a) = app.logged_in("coordo", false).await;
    let (m_c, m) = app.logged_in("mireille", false).await;
    let (o_c, _) = app.logged_in("olivier", false).await;
    let private = community(&app, &a, "conseil", Visibility::Private).await;
    join(&app, &private, &m, Role::Member).await;
    let cid = private.id.to_string();
    let id = publish(
        &app,
        &a_c,
        &[
            ("kind", "discussion"),
            ("title", "Ordre du jour"),
            ("body", "@mireille et @olivier, vos idées?"),
            ("communities", &cid),
        ],
        Vec::new(),
    )
    .await;
    let mentions = |user: &str| {
        format!(
            "SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.username = '{user}' AND n.kind = 'mention'"
        )
    };
    assert_eq!(count(&app, &mentions("mireille")).await, 1);
    assert_eq!(
        count(&app, &mentions("olivier")).await,
        0,
        "cannot see it: not notified"
    );
    let (_, html) = get(&o_c, app.at("/notifications")).await;
    assert!(!html.contains("Ordre du jour"));
    let (_, html) = get(&m_c, app.at("/notifications")).await;
    assert!(
        html.contains("Ordre du jour") && html.contains("a mentionné votre nom"),
        "{html}"
    );

    // Mireille follows and replies; the author hears about it.
    let res = app
        .post_form(&m_c, &format!("/p/{id}"), &format!("/p/{id}/follow"), &[])
        .await;
    assert_eq!(res.status(), 303);
    let res = app
        .post_form(
            &m_c,
            &format!("/p/{id}"),
            &format!("/p/{id}/replies"),
            &[("body", "Ajoutons le budget."), ("parent_id", "")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (_, html) = get(&a_c, app.at("/notifications")).await;
    assert!(html.contains("vous a répondu"), "{html}");
    // The author replies: Mireille (follower, parent author) is notified once.
    let res = app
        .post_form(
            &a_c,
            &format!("/p/{id}"),
            &format!("/p/{id}/replies"),
            &[("body", "D’accord."), ("parent_id", "")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let unread: i64 = passerelles::notifications::unread_count(&app.state.db, &m)
        .await
        .expect("count");
    // Her mention was marked read when she opened the publication to follow it;
    // the author's reply is new.
    assert_eq!(unread, 1, "the followed reply");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.username = 'mireille' AND n.kind = 'followed_reply'").await, 1);
    // Reading the publication marks its notifications read.
    assert_eq!(get(&m_c, app.at(&format!("/p/{id}"))).await.0, 200);
    assert_eq!(
        passerelles::notifications::unread_count(&app.state.db, &m)
            .await
            .expect("count"),
        0
    );
    // Mark all read for the author.
    let res = app
        .post_form(
            &a_c,
            "/notifications",
            "/notifications/read",
            &[("all", "1")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        passerelles::notifications::unread_count(&app.state.db, &a)
            .await
            .expect("count"),
        0
    );

    // If Mireille leaves, the records about it disappear from her list.
    communities::remove_membership(&app.state.db, private.id, m.id)
        .await
        .expect("leave");
    let (_, html) = get(&m_c, app.at("/notifications")).await;
    assert!(!html.contains("Ordre du jour"));
}

/// Hostile Markdown never becomes live markup.
#[tokio::test]
async fn hostile_markdown_is_neutralised() {
    let app = TestApp::spawn().await;
    let (c, u) = app.logged_in("malin", false).await;
    let open = community(&app, &u, "public", Visibility::Open).await;
    let cid = open.id.to_string();
    let body = "<script>alert(1)</script>\n\n[clic](javascript:alert(2))\n\n<img src=x onerror=alert(3)>\n\n\
                <a href=\"javascript:alert(4)\">lien</a>\n\n![img](data:image/svg+xml;base64,PHN2Zz4=)\n\n\
                <svg onload=alert(5)></svg>";
    let id = publish(
        &app,
        &c,
        &[
            ("kind", "discussion"),
            ("title", "<script>alert('titre')</script>"),
            ("body", body),
            ("communities", &cid),
        ],
        Vec::new(),
    )
    .await;
    let (status, html) = get(&app.client(), app.at(&format!("/p/{id}"))).await;
    assert_eq!(status, 200);
    assert_no_live_markup(&html);
    assert!(html.contains("&lt;script&gt;"), "shown escaped, as typed");
    // Nor in the API's HTML.
    let res = app
        .client()
        .get(app.at(&format!("/api/v1/publications/{id}")))
        .send()
        .await
        .expect("api");
    let v: Value = res.json().await.expect("json");
    let h = v["body_html"].as_str().unwrap_or_default();
    assert!(h.contains("&lt;script&gt;"));
    assert_no_live_markup(h);
}

/// A forbidden type (an .exe renamed .pdf) or an image bomb: 422, a clear
/// message, nothing saved, everything typed kept.
#[tokio::test]
async fn refused_attachments_save_nothing() {
    let app = TestApp::spawn().await;
    let (c, u) = app.logged_in("prudente", false).await;
    let open = community(&app, &u, "atelier", Visibility::Open).await;
    let cid = open.id.to_string();
    let mut exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00".to_vec();
    exe.extend_from_slice(&[0u8; 512]);
    let fields = [
        ("kind", "discussion"),
        ("title", "Mon rapport"),
        ("body", "Texte **gardé**"),
        ("tags", "énergie"),
        ("communities", cid.as_str()),
    ];
    let res = compose(
        &app,
        &c,
        &fields,
        vec![("rapport.pdf", exe), ("ok.pdf", PDF.to_vec())],
    )
    .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    assert!(
        html.contains("rapport.pdf") && html.contains("type de fichier n’est pas accepté"),
        "{html}"
    );
    assert!(
        html.contains("choisissez-les de nouveau"),
        "says files must be chosen again"
    );
    assert!(html.contains("value=\"Mon rapport\""), "the title is kept");
    assert!(html.contains("Texte **gardé**") && html.contains("value=\"énergie\""));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM publications").await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM attachments").await, 0);

    let res = compose(&app, &c, &fields, vec![("joli.png", png_bomb())]).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    assert!(
        html.contains("joli.png") && html.contains("L’image est trop grande"),
        "{html}"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM publications").await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM media").await, 0);

    // Too many files.
    let six: Vec<(&str, Vec<u8>)> = (0..6).map(|_| ("a.pdf", PDF.to_vec())).collect();
    let res = compose(&app, &c, &fields, six).await;
    assert_eq!(res.status(), 422);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM publications").await, 0);
    // A community the author may not post in.
    let other = community(
        &app,
        &app.create_user("autre", false).await,
        "ailleurs",
        Visibility::Open,
    )
    .await;
    let oid = other.id.to_string();
    let res = compose(
        &app,
        &c,
        &[
            ("kind", "discussion"),
            ("title", "X"),
            ("body", "Y"),
            ("communities", oid.as_str()),
        ],
        Vec::new(),
    )
    .await;
    assert_eq!(res.status(), 422);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM publications").await, 0);
}

/// A watch item: the preview comes from a local server through the guarded
/// client, its image is stored here (the page loads nothing from elsewhere);
/// sharing the same link again says where it already is.
#[tokio::test]
async fn watch_item_preview_and_already_shared() {
    allow_loopback();
    let site = preview_site().await;
    let app = TestApp::spawn().await;
    let (c, u) = app.logged_in("veilleuse", false).await;
    let (o_c, o) = app.logged_in("autre_veilleur", false).await;
    let first = community(&app, &u, "veille-logement", Visibility::Open).await;
    let second = community(&app, &u, "veille-habitat", Visibility::Open).await;
    join(&app, &second, &o, Role::Member).await;
    let url = format!("http://{site}/page?utm_source=infolettre");
    let c1 = first.id.to_string();
    let id = publish(
        &app,
        &c,
        &[
            ("kind", "watch"),
            ("link_url", url.as_str()),
            ("title", ""),
            ("body", "À lire #logement"),
            ("communities", c1.as_str()),
        ],
        Vec::new(),
    )
    .await;
    let (status, html) = get(&app.client(), app.at(&format!("/p/{id}"))).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Rapport sur le logement communautaire"),
        "title from the preview"
    );
    assert!(html.contains("Une synthèse des coopératives"));
    assert!(html.contains("Observatoire local"));
    let media: Option<i64> = sqlx::query_scalar("SELECT lp.image_media_id FROM publications p JOIN link_previews lp ON lp.id = p.preview_id WHERE p.id = $1")
        .bind(id)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("preview");
    let media = media.expect("the image is stored locally");
    assert!(html.contains(&format!("src=\"/p/{id}/preview?v={media}\"")));
    assert!(!html.contains("src=\"http"), "no third-party image");
    assert!(
        !html.contains(&format!("{site}/img.png")),
        "the remote image URL is not used"
    );
    assert!(html.contains("/tags/logement"));

    // The same link (other tracking parameters, trailing slash): already shared.
    let again = format!("http://{site}/page/?utm_campaign=x");
    let c2 = second.id.to_string();
    let res = compose(
        &app,
        &o_c,
        &[
            ("kind", "watch"),
            ("link_url", again.as_str()),
            ("title", "Encore"),
            ("body", ""),
            ("communities", c2.as_str()),
        ],
        Vec::new(),
    )
    .await;
    assert_eq!(res.status(), 409);
    let html = res.text().await.expect("body");
    assert!(
        html.contains("Déjà partagé dans")
            && html.contains("/c/veille-logement")
            && html.contains(&format!("/p/{id}")),
        "{html}"
    );
    assert!(html.contains("Ajouter à une autre communauté"));
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM publications").await,
        1,
        "no duplicate"
    );
    // Adding it to the other community.
    let res = app
        .post_form(
            &o_c,
            &format!("/p/{id}"),
            &format!("/p/{id}/share"),
            &[("community", c2.as_str())],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM publication_communities WHERE publication_id = {id}")
        )
        .await,
        2
    );
    // The API says the same.
    let token = token_for(&app, &o).await;
    let res = app
        .client()
        .post(app.at("/api/v1/publications"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"kind": "watch", "link_url": again, "communities": ["veille-habitat"]}))
        .send()
        .await
        .expect("api");
    assert_eq!(res.status(), 409);
    let v: Value = res.json().await.expect("json");
    assert_eq!(v["error"]["code"], "already_shared");
    assert_eq!(v["error"]["fields"]["existing"], id.to_string());

    // A link whose preview fails is still published, with the reason shown to its author.
    let missing = format!("http://{site}/missing");
    let id2 = publish(
        &app,
        &c,
        &[
            ("kind", "watch"),
            ("link_url", missing.as_str()),
            ("title", "Lien cassé"),
            ("body", ""),
            ("communities", c1.as_str()),
        ],
        Vec::new(),
    )
    .await;
    let (status, html) = get(&c, app.at(&format!("/p/{id2}"))).await;
    assert_eq!(status, 200);
    assert!(html.contains("Aperçu non récupéré"), "{html}");
    assert!(html.contains(&missing));
}

/// The publication page and a community listing cost a bounded number of
/// SQL statements, whatever the number of replies, communities or files.
#[tokio::test]
async fn pages_cost_a_bounded_number_of_statements() {
    let app = TestApp::spawn().await;
    let (c, u) = app.logged_in("mesureuse", false).await;
    let (r_c, r) = app.logged_in("lecteur", false).await;
    let mut ids = Vec::new();
    for slug in ["mesure-a", "mesure-b", "mesure-c"] {
        let com = community(&app, &u, slug, Visibility::Open).await;
        join(&app, &com, &r, Role::Member).await;
        ids.push(com.id.to_string());
    }
    let mut fields = vec![
        ("kind", "discussion"),
        ("title", "Mesure"),
        ("body", "Corps #tag1 #tag2"),
    ];
    for id in &ids {
        fields.push(("communities", id.as_str()));
    }
    let id = publish(
        &app,
        &c,
        &fields,
        vec![("a.pdf", PDF.to_vec()), ("b.png", png(20, 20))],
    )
    .await;
    let p = publications::by_id(&app.state.db, id, None)
        .await
        .expect("load")
        .expect("exists");
    let links = publications::links_of(&app.state.db, Some(&r), &[id])
        .await
        .expect("links")
        .remove(&id)
        .unwrap_or_default();
    let mut parent: Option<publications::Reply> = None;
    for i in 0..20 {
        let rid = publications::add_reply(
            &app.state.db,
            &r,
            &p,
            &links,
            parent.as_ref(),
            &format!("Réponse {i} @mesureuse"),
        )
        .await
        .expect("reply");
        parent = if i % 3 == 2 {
            None
        } else {
            publications::reply_by_id(&app.state.db, id, rid)
                .await
                .expect("reply")
        };
    }

    let (loaded, n) =
        publications::count_statements(publications::load_page(&app.state.db, Some(&r), id)).await;
    let publications::Loaded::Full(data) = loaded.expect("page loads") else {
        panic!("readable")
    };
    assert_eq!(data.replies.len(), 20);
    assert_eq!(data.links.len(), 3);
    assert_eq!(data.attachments.len(), 2);
    println!("publication page, signed in: {n} statements (+1 session lookup)");
    // The request adds the session lookup (and at most one sliding-expiry write).
    assert!(n + 2 <= 12, "{n} statements for the publication page");
    let (_, n_anon) =
        publications::count_statements(publications::load_page(&app.state.db, None, id)).await;
    assert!(n_anon <= n, "anonymous: {n_anon}");
    // The page itself renders.
    let (status, html) = get(&r_c, app.at(&format!("/p/{id}"))).await;
    assert_eq!(status, 200);
    assert_eq!(html.matches("class=\"reply level-").count(), 20);

    let com = communities::by_slug(&app.state.db, "mesure-a")
        .await
        .expect("load")
        .expect("exists");
    let (res, n) = publications::count_statements(publications::list_in_community(
        &app.state.db,
        Some(&r),
        &com,
        0,
    ))
    .await;
    let (list, _) = res.expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].tags, vec!["tag1".to_string(), "tag2".to_string()]);
    println!("community listing, signed in: {n} statements");
    assert!(n <= 3, "{n} statements for a community listing");
}

/// Community listings and tag pages show only what the viewer may read,
/// pinned first, then by activity.
#[tokio::test]
async fn listings_follow_the_policy() {
    let app = TestApp::spawn().await;
    let (c, u) = app.logged_in("editrice", false).await;
    let (o_c, o) = app.logged_in("visiteur", false).await;
    let open = community(&app, &u, "ouverte", Visibility::Open).await;
    let private = community(&app, &u, "fermee", Visibility::Private).await;
    let (oc, pc) = (open.id.to_string(), private.id.to_string());
    let a = publish(
        &app,
        &c,
        &[
            ("kind", "discussion"),
            ("title", "Publique A"),
            ("body", "x #climat"),
            ("communities", oc.as_str()),
        ],
        Vec::new(),
    )
    .await;
    let b = publish(
        &app,
        &c,
        &[
            ("kind", "discussion"),
            ("title", "Publique B"),
            ("body", "y"),
            ("tags", "Climat"),
            ("communities", oc.as_str()),
        ],
        Vec::new(),
    )
    .await;
    let s = publish(
        &app,
        &c,
        &[
            ("kind", "discussion"),
            ("title", "Secrète"),
            ("body", "z #climat"),
            ("communities", pc.as_str()),
        ],
        Vec::new(),
    )
    .await;
    let unlisted = community(&app, &u, "discrete", Visibility::Unlisted).await;
    let uc = unlisted.id.to_string();
    publish(
        &app,
        &c,
        &[
            ("kind", "discussion"),
            ("title", "Discrète"),
            ("body", "w #climat"),
            ("communities", uc.as_str()),
        ],
        Vec::new(),
    )
    .await;
    sqlx::query("UPDATE publications SET last_activity_at = id * 1000 WHERE id IN ($1, $2, $3)")
        .bind(a)
        .bind(b)
        .bind(s)
        .execute(&app.state.db.pool)
        .await
        .expect("times");
    sqlx::query("UPDATE publication_communities SET pinned = 1 WHERE publication_id = $1")
        .bind(a)
        .execute(&app.state.db.pool)
        .await
        .expect("pin");

    let (list, more) = publications::list_in_community(&app.state.db, Some(&o), &open, 0)
        .await
        .expect("list");
    assert!(!more);
    assert_eq!(
        list.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![a, b],
        "pinned first"
    );
    assert!(list[0].pinned);
    let (list, _) = publications::list_in_community(&app.state.db, Some(&o), &private, 0)
        .await
        .expect("list");
    assert!(
        list.is_empty(),
        "an outsider lists nothing in a private community"
    );
    let (list, _) = publications::list_in_community(&app.state.db, Some(&u), &private, 0)
        .await
        .expect("list");
    assert_eq!(list.len(), 1);

    let (status, html) = get(&o_c, app.at("/tags/climat")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Publique A") && html.contains("Publique B"));
    assert!(
        !html.contains("Secrète"),
        "private content is not listed to outsiders"
    );
    assert!(!html.contains("Discrète"), "nor unlisted content");
    let (_, html) = get(&app.client(), app.at("/tags/climat")).await;
    assert!(html.contains("Publique A") && !html.contains("Secrète") && !html.contains("Discrète"));
    assert!(
        html.contains("la plus récente d’abord"),
        "the page states its order"
    );
    let (_, html) = get(&c, app.at("/tags/climat")).await;
    assert!(
        html.contains("Secrète") && html.contains("Discrète"),
        "members see both"
    );
    assert_eq!(get(&o_c, app.at("/tags/inexistante")).await.0, 404);
    let res = app
        .client()
        .get(app.at("/api/v1/tags/climat/publications"))
        .send()
        .await
        .expect("api");
    let v: Value = res.json().await.expect("json");
    assert_eq!(v["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["order"], "last_activity_desc");
}

/// The API: publish, read, edit, reply, follow, notifications, delete; a
/// locked publication refuses replies.
#[tokio::test]
async fn api_publications_replies_and_notifications() {
    let app = TestApp::spawn().await;
    let author = app.create_user("api_autrice", false).await;
    let member = app.create_user("api_membre", false).await;
    let outsider = app.create_user("api_passant", false).await;
    let private = community(&app, &author, "api-prive", Visibility::Private).await;
    let open = community(&app, &author, "api-ouvert", Visibility::Open).await;
    join(&app, &private, &member, Role::Member).await;
    let (ta, tm, to) = (
        token_for(&app, &author).await,
        token_for(&app, &member).await,
        token_for(&app, &outsider).await,
    );
    let client = app.client();

    let res = client
        .post(app.at("/api/v1/publications"))
        .bearer_auth(&ta)
        .json(&serde_json::json!({"kind": "question", "title": "Quel logiciel?", "body": "Des idées, @api_membre?", "tags": ["Outils libres"], "communities": ["api-prive"]}))
        .send()
        .await
        .expect("create");
    assert_eq!(res.status(), 201);
    let v: Value = res.json().await.expect("json");
    let id = v["id"].as_i64().expect("id");
    assert_eq!(v["tags"][0]["name"], "outils-libres");
    // Refused: a community where the caller may not post.
    let res = client
        .post(app.at("/api/v1/publications"))
        .bearer_auth(&to)
        .json(&serde_json::json!({"kind": "discussion", "title": "x", "body": "y", "communities": ["api-prive"]}))
        .send()
        .await
        .expect("create");
    assert_eq!(res.status(), 422);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM publications").await, 1);

    assert_eq!(
        client
            .get(app.at(&format!("/api/v1/publications/{id}")))
            .bearer_auth(&to)
            .send()
            .await
            .expect("get")
            .status(),
        404
    );
    assert_eq!(
        client
            .get(app.at(&format!("/api/v1/publications/{id}/replies")))
            .send()
            .await
            .expect("get")
            .status(),
        404
    );

    // The member was mentioned, replies, and is notified of nothing else yet.
    let res = client
        .get(app.at("/api/v1/notifications"))
        .bearer_auth(&tm)
        .send()
        .await
        .expect("notifs");
    let v: Value = res.json().await.expect("json");
    assert_eq!(v["unread"], 1);
    assert_eq!(v["items"][0]["kind"], "mention");
    let nid = v["items"][0]["id"].as_i64().expect("id");
    let res = client
        .post(app.at(&format!("/api/v1/notifications/{nid}/read")))
        .bearer_auth(&tm)
        .send()
        .await
        .expect("read");
    assert_eq!(res.status(), 204);
    let res = client
        .post(app.at(&format!("/api/v1/notifications/{nid}/read")))
        .bearer_auth(&to)
        .send()
        .await
        .expect("read");
    assert_eq!(res.status(), 404, "not theirs");

    let res = client
        .post(app.at(&format!("/api/v1/publications/{id}/replies")))
        .bearer_auth(&tm)
        .json(&serde_json::json!({"body": "Essayez Nextcloud."}))
        .send()
        .await
        .expect("reply");
    assert_eq!(res.status(), 201);
    let r: Value = res.json().await.expect("json");
    let rid = r["id"].as_i64().expect("id");
    let res = client
        .post(app.at(&format!("/api/v1/publications/{id}/replies")))
        .bearer_auth(&to)
        .json(&serde_json::json!({"body": "Moi aussi"}))
        .send()
        .await
        .expect("reply");
    assert_eq!(res.status(), 404, "an outsider cannot even see it");
    let res = client
        .patch(app.at(&format!("/api/v1/publications/{id}/replies/{rid}")))
        .bearer_auth(&tm)
        .json(&serde_json::json!({"body": "Essayez Nextcloud ou Framaspace."}))
        .send()
        .await
        .expect("edit");
    assert_eq!(res.status(), 200);
    let r: Value = res.json().await.expect("json");
    assert_eq!(r["edited"], true);
    let res = client
        .put(app.at(&format!("/api/v1/publications/{id}/accepted-answer")))
        .bearer_auth(&ta)
        .json(&serde_json::json!({"reply_id": rid}))
        .send()
        .await
        .expect("accept");
    assert_eq!(res.status(), 200);
    let p: Value = res.json().await.expect("json");
    assert_eq!(p["accepted_reply_id"], rid);

    // Edit, share into the open community, follow.
    let res = client
        .patch(app.at(&format!("/api/v1/publications/{id}")))
        .bearer_auth(&ta)
        .json(&serde_json::json!({"title": "Quel logiciel libre?"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(res.status(), 200);
    let p: Value = res.json().await.expect("json");
    assert_eq!(p["edited"], true);
    assert_eq!(p["tags"][0]["name"], "outils-libres", "tags kept");
    let res = client
        .patch(app.at(&format!("/api/v1/publications/{id}")))
        .bearer_auth(&tm)
        .json(&serde_json::json!({"title": "Volé"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(res.status(), 403);
    let res = client
        .post(app.at(&format!("/api/v1/publications/{id}/communities")))
        .bearer_auth(&ta)
        .json(&serde_json::json!({"community": "api-ouvert"}))
        .send()
        .await
        .expect("share");
    assert_eq!(res.status(), 200);
    let _ = open;
    // Now readable by the outsider, who sees only the open community.
    let res = client
        .get(app.at(&format!("/api/v1/publications/{id}")))
        .bearer_auth(&to)
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 200);
    let p: Value = res.json().await.expect("json");
    assert_eq!(p["communities"].as_array().map(Vec::len), Some(1));
    assert_eq!(p["communities"][0]["slug"], "api-ouvert");
    assert_eq!(
        client
            .put(app.at(&format!("/api/v1/publications/{id}/follow")))
            .bearer_auth(&to)
            .send()
            .await
            .expect("follow")
            .status(),
        204
    );

    // Attachments through the API: a forbidden type is refused.
    let form = Form::new().part(
        "file",
        Part::bytes(b"MZ\x90\x00\x03\x00\x00\x00".to_vec()).file_name("x.pdf"),
    );
    let res = client
        .post(app.at(&format!("/api/v1/publications/{id}/attachments")))
        .bearer_auth(&ta)
        .multipart(form)
        .send()
        .await
        .expect("attach");
    assert_eq!(res.status(), 422);
    let form = Form::new().part("file", Part::bytes(PDF.to_vec()).file_name("guide.pdf"));
    let res = client
        .post(app.at(&format!("/api/v1/publications/{id}/attachments")))
        .bearer_auth(&ta)
        .multipart(form)
        .send()
        .await
        .expect("attach");
    assert_eq!(res.status(), 200);
    let p: Value = res.json().await.expect("json");
    assert_eq!(p["attachments"][0]["file_name"], "guide.pdf");

    // Locked by moderators: replies refused.
    sqlx::query("UPDATE publications SET locked = 1 WHERE id = $1")
        .bind(id)
        .execute(&app.state.db.pool)
        .await
        .expect("lock");
    let res = client
        .post(app.at(&format!("/api/v1/publications/{id}/replies")))
        .bearer_auth(&tm)
        .json(&serde_json::json!({"body": "Encore"}))
        .send()
        .await
        .expect("reply");
    assert_eq!(res.status(), 409);
    let v: Value = res.json().await.expect("json");
    assert_eq!(v["error"]["code"], "locked");

    // Delete a reply: a tombstone in the list.
    let res = client
        .delete(app.at(&format!("/api/v1/publications/{id}/replies/{rid}")))
        .bearer_auth(&tm)
        .send()
        .await
        .expect("delete");
    assert_eq!(res.status(), 204);
    let res = client
        .get(app.at(&format!("/api/v1/publications/{id}/replies")))
        .bearer_auth(&to)
        .send()
        .await
        .expect("list");
    let listing: Value = res.json().await.expect("json");
    let list = &listing["items"];
    assert_eq!(list[0]["status"], "deleted");
    assert!(list[0]["body"].is_null());

    // Delete the publication.
    assert_eq!(
        client
            .delete(app.at(&format!("/api/v1/publications/{id}")))
            .bearer_auth(&tm)
            .send()
            .await
            .expect("delete")
            .status(),
        403
    );
    assert_eq!(
        client
            .delete(app.at(&format!("/api/v1/publications/{id}")))
            .bearer_auth(&ta)
            .send()
            .await
            .expect("delete")
            .status(),
        204
    );
    assert_eq!(
        client
            .get(app.at(&format!("/api/v1/publications/{id}")))
            .bearer_auth(&ta)
            .send()
            .await
            .expect("get")
            .status(),
        404
    );

    // The OpenAPI document lists the endpoints.
    let doc: Value = client
        .get(app.at("/api/v1/openapi.json"))
        .send()
        .await
        .expect("doc")
        .json()
        .await
        .expect("json");
    for path in [
        "/api/v1/publications",
        "/api/v1/publications/{id}/replies",
        "/api/v1/notifications",
        "/api/v1/tags/{name}/publications",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
}

/// A compose form with these fields plus a tags button (`suggest_tags` or
/// `tag_choice`), as a browser without JavaScript sends it.
async fn compose_ask(
    app: &TestApp,
    client: &reqwest::Client,
    action: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let csrf = app.csrf(client, "/p/new").await;
    let mut form = Form::new().text("csrf", csrf);
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    let res = client
        .post(app.at(action))
        .multipart(form)
        .send()
        .await
        .expect("post");
    let status = res.status().as_u16();
    (status, res.text().await.expect("body"))
}

/// Tags are suggested in the compose and edit forms: a datalist of the most
/// used tags, a "Suggest tags" button that works without JavaScript and keeps
/// what was typed, a choice that completes the field, and the JSON the
/// script reads. Only tags of publications the person may see.
#[tokio::test]
async fn publications_compose_form_suggests_tags_the_person_may_see() {
    let app = TestApp::spawn().await;
    let (o_c, owner) = app.logged_in("jardiniere", false).await;
    let (x_c, outsider) = app.logged_in("voisin", false).await;
    let open = community(&app, &owner, "jardins", Visibility::Open).await;
    let private = community(&app, &owner, "coulisses", Visibility::Private).await;
    join(&app, &open, &outsider, Role::Member).await;
    let (oid, pid) = (open.id.to_string(), private.id.to_string());
    let shared = publish(
        &app,
        &o_c,
        &[
            ("kind", "discussion"),
            ("title", "Bacs à compost"),
            ("body", "On en installe deux."),
            ("tags", "Jardin partagé, compost"),
            ("communities", &oid),
        ],
        vec![],
    )
    .await;
    publish(
        &app,
        &o_c,
        &[
            ("kind", "discussion"),
            ("title", "Budget des semences"),
            ("body", "Entre nous."),
            ("tags", "Jardinage secret"),
            ("communities", &pid),
        ],
        vec![],
    )
    .await;
    let before = count(&app, "SELECT COUNT(*) FROM publications").await;

    // Without JavaScript: the datalist holds the tags the person may see.
    let (status, html) = get(&x_c, app.at("/p/new")).await;
    assert_eq!(status, 200);
    assert!(html.contains("list=\"f-tags-list\""), "{html}");
    assert!(html.contains("<option value=\"Jardin partagé\">"), "{html}");
    assert!(
        !html.contains("Jardinage secret"),
        "private tag offered: {html}"
    );
    assert!(html.contains("aria-describedby=\"f-tags-hint\""));
    assert!(html.contains(">Suggérer des étiquettes</button>"));
    // The script is served from the instance (CSP: no inline script).
    let script = html
        .split("<script src=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("script tag")
        .replace("&#x3d;", "=")
        .replace("&#61;", "=");
    let res = x_c.get(app.at(&script)).send().await.unwrap();
    assert_eq!(res.status(), 200, "{script}");
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );

    // "Suggest tags": the form comes back with what was typed and the tags
    // starting with the last one; nothing is published.
    let typed = [
        ("kind", "question"),
        ("title", "Où trouver du <paillis> ?"),
        ("body", "Pour l'automne, svp."),
        ("tags", "compost, jard"),
        ("communities", oid.as_str()),
        ("suggest_tags", "1"),
    ];
    let (status, html) = compose_ask(&app, &x_c, "/p/new", &typed).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("value=\"Où trouver du &#60;paillis&#62; ?\"")
            || html.contains("value=\"Où trouver du &lt;paillis&gt; ?\""),
        "title kept: {html}"
    );
    assert!(
        html.contains(">Pour l&#39;automne, svp.</textarea>")
            || html.contains(">Pour l&#x27;automne, svp.</textarea>"),
        "body kept: {html}"
    );
    assert!(html.contains("value=\"compost, jard\""), "tags kept");
    assert!(html.contains("id=\"f-kind-question\" name=\"kind\" value=\"question\" checked"));
    assert!(
        html.contains("Étiquettes commençant par « jard »"),
        "{html}"
    );
    assert!(
        html.contains("name=\"tag_choice\" value=\"Jardin partagé\""),
        "{html}"
    );
    assert!(
        !html.contains("Jardinage secret"),
        "a private community's tag is not suggested to an outsider"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM publications").await,
        before
    );
    // A member of the private community is offered its tag.
    let (status, html) = compose_ask(
        &app,
        &o_c,
        "/p/new",
        &[
            ("title", "Brouillon"),
            ("tags", "jard"),
            ("suggest_tags", "1"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("name=\"tag_choice\" value=\"Jardinage secret\""),
        "{html}"
    );
    // Choosing one completes the field, ready for the next tag.
    let mut chosen = typed.to_vec();
    chosen.retain(|(k, _)| *k != "suggest_tags");
    chosen.push(("tag_choice", "Jardin partagé"));
    let (status, html) = compose_ask(&app, &x_c, "/p/new", &chosen).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("value=\"compost, Jardin partagé, \""),
        "{html}"
    );
    assert!(html.contains("Étiquette ajoutée : Jardin partagé."));
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM publications").await,
        before
    );

    // The JSON the script reads follows the same policy (session cookie).
    let tags_of = |v: Value| -> Vec<String> {
        v.as_array()
            .expect("array")
            .iter()
            .map(|t| t["label"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let v: Value = x_c
        .get(app.at("/tags.json?q=jard"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(tags_of(v), vec!["Jardin partagé".to_string()]);
    let v: Value = app
        .client()
        .get(app.at("/tags.json?q=jard"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(tags_of(v), vec!["Jardin partagé".to_string()], "anonymous");
    let v: Value = o_c
        .get(app.at("/tags.json?q=JARD"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut mine = tags_of(v);
    mine.sort();
    assert_eq!(mine, vec!["Jardin partagé", "Jardinage secret"]);

    // The edit form offers the same, and keeps what was typed.
    let (status, html) = compose_ask(
        &app,
        &o_c,
        &format!("/p/{shared}/edit"),
        &[
            ("title", "Bacs à compost (mis à jour)"),
            ("body", "On en installe trois."),
            ("tags", "jar"),
            ("suggest_tags", "1"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("value=\"Bacs à compost (mis à jour)\""));
    assert!(html.contains(">On en installe trois.</textarea>"));
    assert!(html.contains("name=\"tag_choice\" value=\"Jardinage secret\""));
    let (_, page) = get(&o_c, app.at(&format!("/p/{shared}"))).await;
    assert!(!page.contains("mis à jour"), "nothing saved");
}

/// With JavaScript (headless Chromium, under the real CSP): typing in the
/// tags field fills the datalist with the tags starting with the last one,
/// each option completing the list typed so far; still only tags the person
/// may see.
#[tokio::test]
async fn publications_tags_script_suggests_while_typing_in_a_browser() {
    let app = TestApp::spawn().await;
    let (o_c, owner) = app.logged_in("jardiniere", false).await;
    let outsider = app.create_user("voisin", false).await;
    let open = community(&app, &owner, "jardins", Visibility::Open).await;
    let private = community(&app, &owner, "coulisses", Visibility::Private).await;
    join(&app, &open, &outsider, Role::Member).await;
    for (title, tags, c) in [
        ("Bacs à compost", "Jardin partagé", open.id),
        ("Budget des semences", "Jardinage secret", private.id),
    ] {
        publish(
            &app,
            &o_c,
            &[
                ("kind", "discussion"),
                ("title", title),
                ("body", "Texte."),
                ("tags", tags),
                ("communities", &c.to_string()),
            ],
            vec![],
        )
        .await;
    }
    let Some(b) = crate::webdriver::browser_or_skip(
        1280,
        900,
        "publications_tags_script_suggests_while_typing_in_a_browser",
    )
    .await
    else {
        return;
    };
    b.goto(&app.at("/login")).await;
    b.fill("#f-login", "voisin").await;
    b.fill("#f-password", crate::harness::PASSWORD).await;
    b.click_and_wait("form.form button[type=submit]").await;
    b.goto(&app.at("/p/new")).await;
    b.fill("#f-tags", "compost, jard").await;
    let start = std::time::Instant::now();
    let values = loop {
        let v = b
            .execute(
                "return Array.from(document.querySelectorAll('#f-tags-list option')).map(o => o.value);",
                vec![],
            )
            .await;
        if v.as_array()
            .is_some_and(|a| a.iter().any(|o| o == "compost, Jardin partagé"))
            || start.elapsed() > std::time::Duration::from_secs(10)
        {
            break v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(
        values,
        serde_json::json!(["compost, Jardin partagé"]),
        "the script filled the list for the last tag, without the private one"
    );
    b.quit().await;
}

/// The opening tag of the first submit button of the form posting to
/// `action` (the form's default button: what Enter in a text field clicks),
/// and the form's markup.
fn first_submit_button<'a>(html: &'a str, action: &str) -> (&'a str, &'a str) {
    let start = html
        .find(&format!("action=\"{action}\""))
        .unwrap_or_else(|| panic!("no form posting to {action}: {html}"));
    let form = &html[start..];
    let form = &form[..form.find("</form>").expect("end of form")];
    let button = form
        .split("<button")
        .skip(1)
        .map(|b| &b[..b.find('>').expect("end of tag")])
        .find(|b| !b.contains("type=\"button\"") && !b.contains("type=\"reset\""))
        .expect("a submit button");
    (button, form)
}

/// Enter in the title (implicit submission) clicks the form's first submit
/// button: in the compose and edit forms that is a publish/save button (out of
/// sight, out of the tab order and of the accessibility tree), before "Suggest
/// tags" and the suggestions' buttons, so Enter publishes, not suggests.
#[tokio::test]
async fn publications_compose_and_edit_forms_default_button_publishes() {
    let app = TestApp::spawn().await;
    let (o_c, owner) = app.logged_in("jardiniere", false).await;
    let open = community(&app, &owner, "jardins", Visibility::Open).await;
    let oid = open.id.to_string();
    let id = publish(
        &app,
        &o_c,
        &[
            ("kind", "discussion"),
            ("title", "Bacs à compost"),
            ("body", "On en installe deux."),
            ("tags", "Jardin partagé"),
            ("communities", &oid),
        ],
        vec![],
    )
    .await;
    let edit = format!("/p/{id}/edit");
    let (status, new_page) = get(&o_c, app.at("/p/new?c=jardins")).await;
    assert_eq!(status, 200);
    let (status, edit_page) = get(&o_c, app.at(&edit)).await;
    assert_eq!(status, 200);
    // After "Suggest tags", with a button per suggestion.
    let res = compose(
        &app,
        &o_c,
        &[
            ("kind", "discussion"),
            ("title", "Semis"),
            ("body", "Texte."),
            ("tags", "jar"),
            ("communities", &oid),
            ("suggest_tags", "1"),
        ],
        vec![],
    )
    .await;
    assert_eq!(res.status(), 200);
    let suggested = res.text().await.unwrap();
    assert!(suggested.contains("name=\"tag_choice\" value=\"Jardin partagé\""));
    for (html, action, label) in [
        (&new_page, "/p/new", "Publier"),
        (&suggested, "/p/new", "Publier"),
        (&edit_page, edit.as_str(), "Enregistrer"),
    ] {
        let (button, form) = first_submit_button(html, action);
        assert!(
            !button.contains("name="),
            "the default button publishes: {button}"
        );
        assert!(button.contains("class=\"visually-hidden\""), "{button}");
        assert!(button.contains("tabindex=\"-1\""), "{button}");
        assert!(button.contains("aria-hidden=\"true\""), "{button}");
        assert!(
            form.contains(&format!(
                "type=\"submit\" tabindex=\"-1\" aria-hidden=\"true\">{label}</button>"
            )),
            "{form}"
        );
        // The visible button, for everyone else, is still there.
        assert!(
            form.contains(&format!(
                "<button class=\"btn btn-primary\" type=\"submit\">{label}</button>"
            )),
            "{form}"
        );
        assert!(
            form.find(button).unwrap() < form.find("name=\"suggest_tags\"").unwrap(),
            "{form}"
        );
    }
    // What the default button sends (no suggest_tags, no tag_choice) publishes.
    let before = count(&app, "SELECT COUNT(*) FROM publications").await;
    publish(
        &app,
        &o_c,
        &[
            ("kind", "discussion"),
            ("title", "Semis"),
            ("body", "Texte."),
            ("tags", "jar"),
            ("communities", &oid),
        ],
        vec![],
    )
    .await;
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM publications").await,
        before + 1
    );
}

/// The datalist offers the tags most used lately (a bounded window of recent
/// tag uses, `search::tags::common`), still through the policy: a tag used
/// only in a private community is offered to its members, first when most
/// used, and never to an outsider; the `/tags` finder keeps exact counts.
#[tokio::test]
async fn publications_datalist_offers_recent_tags_within_the_policy() {
    let app = TestApp::spawn().await;
    let (o_c, owner) = app.logged_in("jardiniere", false).await;
    let (x_c, outsider) = app.logged_in("voisin", false).await;
    let open = community(&app, &owner, "jardins", Visibility::Open).await;
    let private = community(&app, &owner, "coulisses", Visibility::Private).await;
    join(&app, &open, &outsider, Role::Member).await;
    let (oid, pid) = (open.id.to_string(), private.id.to_string());
    let mut fields = vec![("Bacs à compost", "Jardin partagé, compost", &oid)];
    for title in ["Budget 1", "Budget 2", "Budget 3"] {
        fields.push((title, "Jardinage secret, compost", &pid));
    }
    for (title, tags, c) in fields {
        publish(
            &app,
            &o_c,
            &[
                ("kind", "discussion"),
                ("title", title),
                ("body", "Texte."),
                ("tags", tags),
                ("communities", c),
            ],
            vec![],
        )
        .await;
    }
    let datalist = |html: &str| -> Vec<String> {
        let list = html
            .split("<datalist id=\"f-tags-list\">")
            .nth(1)
            .and_then(|s| s.split("</datalist>").next())
            .unwrap_or_else(|| panic!("datalist: {html}"))
            .to_string();
        list.split("<option value=\"")
            .skip(1)
            .map(|o| o.split('"').next().unwrap_or("").to_string())
            .collect()
    };
    let (_, html) = get(&o_c, app.at("/p/new")).await;
    assert_eq!(
        datalist(&html),
        ["compost", "Jardinage secret", "Jardin partagé"],
        "most used first, for a member of both"
    );
    let (_, html) = get(&x_c, app.at("/p/new")).await;
    assert_eq!(
        datalist(&html),
        ["compost", "Jardin partagé"],
        "nothing only used in the private community"
    );
    // The finder and its JSON still count every visible publication.
    let (status, tags) = get(&x_c, app.at("/tags.json?q=")).await;
    assert_eq!(status, 200);
    let tags: Value = serde_json::from_str(&tags).unwrap();
    assert_eq!(
        tags,
        serde_json::json!([
            {"name": "compost", "label": "compost", "count": 1},
            {"name": "jardin-partage", "label": "Jardin partagé", "count": 1},
        ])
    );
    let (_, tags) = get(&o_c, app.at("/tags.json?q=")).await;
    let tags: Value = serde_json::from_str(&tags).unwrap();
    assert_eq!(tags[0]["name"], "compost");
    assert_eq!(tags[0]["count"], 4);
}

/// In a real browser (headless Chromium): Enter in the title field publishes
/// (implicit submission uses the form's first submit button), and Enter in the
/// edit form's title saves — not "Suggest tags".
#[tokio::test]
async fn publications_enter_in_the_title_publishes_in_a_browser() {
    let app = TestApp::spawn().await;
    let (o_c, owner) = app.logged_in("jardiniere", false).await;
    let open = community(&app, &owner, "jardins", Visibility::Open).await;
    publish(
        &app,
        &o_c,
        &[
            ("kind", "discussion"),
            ("title", "Bacs à compost"),
            ("body", "Texte."),
            ("tags", "Jardin partagé"),
            ("communities", &open.id.to_string()),
        ],
        vec![],
    )
    .await;
    let Some(b) = crate::webdriver::browser_or_skip(
        1280,
        900,
        "publications_enter_in_the_title_publishes_in_a_browser",
    )
    .await
    else {
        return;
    };
    async fn enter_and_wait(b: &crate::webdriver::Browser, css: &str) {
        b.execute("window.__pwOldPage = true;", vec![]).await;
        b.find(css).await.send_keys("\u{E007}").await;
        let start = std::time::Instant::now();
        while b
            .execute(
                "return !window.__pwOldPage && document.readyState === 'complete';",
                vec![],
            )
            .await
            != Value::Bool(true)
        {
            assert!(
                start.elapsed() < std::time::Duration::from_secs(15),
                "Enter loaded no new page (still at {})",
                b.current_url().await
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
    b.goto(&app.at("/login")).await;
    b.fill("#f-login", "jardiniere").await;
    b.fill("#f-password", crate::harness::PASSWORD).await;
    b.click_and_wait("form.form button[type=submit]").await;
    b.goto(&app.at("/p/new?c=jardins")).await;
    b.click("#f-kind-discussion").await;
    b.fill("#f-body", "Publié avec la touche Entrée.").await;
    b.fill("#f-tags", "compost").await;
    b.fill("#f-title", "Semis de printemps").await;
    let before = count(&app, "SELECT COUNT(*) FROM publications").await;
    enter_and_wait(&b, "#f-title").await;
    let url = b.current_url().await;
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM publications").await,
        before + 1,
        "Enter published (now at {url}): {}",
        b.source().await
    );
    let id: i64 =
        sqlx::query_scalar("SELECT id FROM publications WHERE title = 'Semis de printemps'")
            .fetch_one(&app.state.db.pool)
            .await
            .expect("published with the typed title");
    assert!(url.ends_with(&format!("/p/{id}")), "{url}");
    assert!(b.try_find("#tag-suggestions").await.is_none());

    b.goto(&app.at(&format!("/p/{id}/edit"))).await;
    b.fill("#f-title", "Semis d’été").await;
    enter_and_wait(&b, "#f-title").await;
    let title: String = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT title FROM publications WHERE id = {id}"
    )))
    .fetch_one(&app.state.db.pool)
    .await
    .expect("title");
    assert_eq!(title, "Semis d’été", "Enter saved: {}", b.source().await);
    b.quit().await;
}

/// Listings carry each publication's tags, in name order, from the same
/// statement as the rows (community page, a member's home feed, tag page),
/// and an untagged publication shows none.
#[tokio::test]
async fn listings_show_each_publication_s_own_tags_in_order() {
    let app = TestApp::spawn().await;
    let (author_c, author) = app.logged_in("etiqueteuse", false).await;
    let owner = app.create_user("hote", false).await;
    let open = community(&app, &owner, "quartier-etiquete", Visibility::Open).await;
    join(&app, &open, &author, Role::Member).await;
    let cid = open.id.to_string();
    let tagged = publish(
        &app,
        &author_c,
        &[
            ("kind", "discussion"),
            ("title", "Publication étiquetée"),
            ("body", "Avec des étiquettes."),
            ("tags", "zinc, Alpaga, mésange"),
            ("communities", &cid),
        ],
        Vec::new(),
    )
    .await;
    let plain = publish(
        &app,
        &author_c,
        &[
            ("kind", "discussion"),
            ("title", "Publication sans étiquette"),
            ("body", "Rien."),
            ("communities", &cid),
        ],
        Vec::new(),
    )
    .await;
    // The badges of one listed item, in page order.
    let badges_of = |html: &str, id: i64| -> Vec<String> {
        let at = html
            .find(&format!("href=\"/p/{id}\""))
            .unwrap_or_else(|| panic!("/p/{id} listed"));
        let rest = &html[at..];
        let end = rest[1..]
            .find("href=\"/p/")
            .map(|e| e + 1)
            .unwrap_or(rest.len());
        rest[..end]
            .split("class=\"badge\"")
            .skip(1)
            .filter_map(|b| {
                b.split_once(">#")
                    .map(|(_, t)| t.split('<').next().unwrap_or("").to_string())
            })
            .collect()
    };
    let expected = vec![
        "Alpaga".to_string(),
        "mésange".to_string(),
        "zinc".to_string(),
    ];
    let (s, html) = get(&app.client(), app.at("/c/quartier-etiquete")).await;
    assert_eq!(s, 200);
    let shown = badges_of(&html, tagged);
    assert_eq!(shown, expected, "community page, tags in name order");
    assert!(badges_of(&html, plain).is_empty(), "untagged shows no tag");
    let (s, home) = get(&author_c, app.at("/")).await;
    assert_eq!(s, 200);
    assert_eq!(badges_of(&home, tagged), shown, "home feed");
    assert!(badges_of(&home, plain).is_empty(), "home feed, untagged");
    let (s, tag_page) = get(&app.client(), app.at("/tags/zinc")).await;
    assert_eq!(s, 200, "tag page");
    assert_eq!(badges_of(&tag_page, tagged), shown, "tag page");
    // In name order (the stored names, accents folded or not).
    let mut names: Vec<String> = sqlx::query_scalar(
        "SELECT t.name FROM publication_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.publication_id = $1",
    )
    .bind(tagged)
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    names.sort();
    // Shown as words (labels), in the order of their folded keys.
    assert_eq!(names, ["alpaga", "mesange", "zinc"]);
    let folded: Vec<String> = shown
        .iter()
        .map(|l| passerelles::publications::fold_tag_key(l))
        .collect();
    assert_eq!(folded, names);
}
