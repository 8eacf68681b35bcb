//! Private traces and sharing consent (issue 12, items 1–4), each closed as
//! a class and proved over real HTTP on both engines:
//! 1. lookups by name (tags, people, communities) answer the same for
//!    "exists but invisible to you" as for "does not exist";
//! 2. stored images are served only through an owner the policy says is
//!    visible, `public` only when anyone may see them, and never by id;
//! 3. activity side channels: a private community's activity date, the
//!    link-preview cache and its "already shared" hint, publications of
//!    unlisted communities enumerated by id (in `privacy_activity.rs`);
//! 4. sharing into a wider community needs the author (or a moderator,
//!    who notifies the author); replies and earlier versions keep the
//!    audience they were written for.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use passerelles::accounts::User;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::harness::TestApp;
use crate::writing::{community, exec, member, scalar, token_for};

// ---- helpers -------------------------------------------------------------------------------

/// Publish through the API; the new id.
pub(crate) async fn publish(app: &TestApp, token: &str, body: Value) -> i64 {
    let res = reqwest::Client::new()
        .post(app.at("/api/v1/publications"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("publish");
    let status = res.status();
    let v: Value = res.json().await.expect("json");
    assert_eq!(status, 201, "publish: {v}");
    v["id"].as_i64().expect("id")
}

pub(crate) async fn reply(app: &TestApp, token: &str, pid: i64, body: &str) -> i64 {
    let res = reqwest::Client::new()
        .post(app.at(&format!("/api/v1/publications/{pid}/replies")))
        .bearer_auth(token)
        .json(&json!({ "body": body }))
        .send()
        .await
        .expect("reply");
    assert_eq!(res.status(), 201);
    let v: Value = res.json().await.expect("json");
    v["id"].as_i64().expect("reply id")
}

/// GET with an optional bearer token: (status, body).
pub(crate) async fn api_get(app: &TestApp, token: Option<&str>, path: &str) -> (u16, String) {
    let mut req = reqwest::Client::new().get(app.at(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.expect("get");
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

pub(crate) async fn page(client: &reqwest::Client, url: String) -> (u16, String) {
    let res = client.get(url).send().await.expect("get");
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

/// What an answer says, without what differs between any two requests:
/// the status, and for JSON errors their code; for pages, the `<title>`.
pub(crate) fn gist(status: u16, body: &str) -> String {
    if let Ok(v) = serde_json::from_str::<Value>(body) {
        return format!("{status} {}", v["error"]["code"]);
    }
    let title = body
        .split("<title>")
        .nth(1)
        .and_then(|t| t.split("</title>").next())
        .unwrap_or("");
    format!("{status} {title}")
}

/// A local site for watch links that counts the requests for each page.
pub(crate) struct Site {
    addr: SocketAddr,
    hits: Arc<AtomicUsize>,
}

impl Site {
    pub(crate) async fn start() -> Site {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&hits);
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let counter = Arc::clone(&counter);
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
                    let (ctype, body): (&str, Vec<u8>) = if path.starts_with("/img") {
                        ("image/png", png(40, 30))
                    } else {
                        counter.fetch_add(1, Ordering::SeqCst);
                        (
                            "text/html; charset=utf-8",
                            format!(
                                "<!doctype html><html><head><title>Page {path}</title>\
                                 <meta property=\"og:image\" content=\"http://{addr}/img.png\">\
                                 </head><body>x</body></html>"
                            )
                            .into_bytes(),
                        )
                    };
                    let head = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = stream.write_all(head.as_bytes()).await;
                    let _ = stream.write_all(&body).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        Site { addr, hits }
    }
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
    pub(crate) fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

pub fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 90]));
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("png");
    out.into_inner()
}

pub(crate) fn allow_loopback() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: set once, before any preview fetch of this process reads it
        // (publications.rs sets the same value).
        unsafe { std::env::set_var("PASSERELLES_FETCH_ALLOW", "127.0.0.1:*") };
    });
}

pub(crate) fn cache_control(res: &reqwest::Response) -> String {
    res.headers()
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

pub(crate) async fn suspend(app: &TestApp, u: &User) {
    exec(
        app,
        "UPDATE users SET status = 'suspended' WHERE id = $1",
        u.id,
    )
    .await;
}

// ---- 1. lookups by name -------------------------------------------------------------------

/// A tag used only in a private community, a suspended person, a community
/// awaiting approval: every lookup by name answers an outsider (anonymous,
/// signed in on the pages, or with an API token) exactly as for a name that
/// does not exist, on every route that takes the name. Those who may see
/// them still do.
#[tokio::test]
async fn lookups_by_name_answer_invisible_as_unknown() {
    let app = TestApp::spawn().await;
    let owner = app.create_user("proprio", false).await;
    let owner_token = token_for(&app, &owner).await;
    let (outsider_web, outsider) = app.logged_in("dehors", false).await;
    let outsider_token = token_for(&app, &outsider).await;
    let (member_web, member_user) = app.logged_in("membre", false).await;
    let member_token = token_for(&app, &member_user).await;

    let private = community(&app, "cercle-prive", "private", "request", &owner).await;
    member(&app, private, &member_user, "member", "active").await;
    publish(
        &app,
        &owner_token,
        json!({"kind": "discussion", "title": "Stratégie", "body": "Plan #CampagneSecrète",
               "tags": ["Grève Générale"], "communities": ["cercle-prive"]}),
    )
    .await;
    // Used in an unlisted community too: found only by its members.
    let unlisted = community(&app, "coulisses", "unlisted", "open", &owner).await;
    member(&app, unlisted, &member_user, "member", "active").await;
    publish(
        &app,
        &owner_token,
        json!({"kind": "discussion", "title": "Coulisses", "body": "x",
               "tags": ["entre-nous"], "communities": ["coulisses"]}),
    )
    .await;

    let suspended = app.create_user("suspendue", false).await;
    suspend(&app, &suspended).await;
    let pending = app.create_user("en-attente", false).await;
    exec(
        &app,
        "UPDATE users SET status = 'pending' WHERE id = $1",
        pending.id,
    )
    .await;
    let waiting = community(&app, "projet-en-attente", "open", "open", &owner).await;
    exec(
        &app,
        "UPDATE communities SET status = 'pending' WHERE id = $1",
        waiting,
    )
    .await;
    let refused = community(&app, "projet-refuse", "open", "open", &owner).await;
    exec(
        &app,
        "UPDATE communities SET status = 'refused' WHERE id = $1",
        refused,
    )
    .await;

    // (route with {} for the name, a name that exists but is invisible, an unknown one)
    let pairs: &[(&str, &str, &str)] = &[
        ("/tags/{}", "grève-générale", "grève-inconnue"),
        ("/tags/{}", "campagnesecrète", "campagneinconnue"),
        ("/tags/{}", "entre-nous", "entre-vous"),
        (
            "/api/v1/tags/{}/publications",
            "grève-générale",
            "grève-inconnue",
        ),
        ("/api/v1/tags/{}/publications", "entre-nous", "entre-vous"),
        ("/tags/{}/feed.rss", "grève-générale", "grève-inconnue"),
        ("/tags/{}/feed.atom", "grève-générale", "grève-inconnue"),
        ("/u/{}", "suspendue", "personne"),
        ("/u/{}", "en-attente", "personne"),
        ("/api/v1/users/{}", "suspendue", "personne"),
        ("/api/v1/users/{}", "en-attente", "personne"),
        ("/c/{}", "projet-en-attente", "projet-inconnu"),
        ("/c/{}", "projet-refuse", "projet-inconnu"),
        ("/c/{}/about", "projet-en-attente", "projet-inconnu"),
        ("/c/{}/join", "projet-en-attente", "projet-inconnu"),
        ("/c/{}/members", "projet-en-attente", "projet-inconnu"),
        ("/c/{}/requests", "projet-en-attente", "projet-inconnu"),
        ("/c/{}/invitations", "projet-en-attente", "projet-inconnu"),
        ("/c/{}/settings", "projet-en-attente", "projet-inconnu"),
        ("/c/{}/moderation", "projet-en-attente", "projet-inconnu"),
        ("/c/{}/modlog", "projet-en-attente", "projet-inconnu"),
        ("/c/{}/feed.rss", "projet-en-attente", "projet-inconnu"),
        ("/c/{}/feed.atom", "projet-refuse", "projet-inconnu"),
        (
            "/api/v1/communities/{}",
            "projet-en-attente",
            "projet-inconnu",
        ),
        ("/api/v1/communities/{}", "projet-refuse", "projet-inconnu"),
        (
            "/api/v1/communities/{}/publications",
            "projet-en-attente",
            "projet-inconnu",
        ),
        (
            "/api/v1/communities/{}/members",
            "projet-en-attente",
            "projet-inconnu",
        ),
        (
            "/api/v1/communities/{}/requests",
            "projet-en-attente",
            "projet-inconnu",
        ),
        (
            "/api/v1/communities/{}/invitations",
            "projet-en-attente",
            "projet-inconnu",
        ),
        (
            "/api/v1/communities/{}/reports",
            "projet-en-attente",
            "projet-inconnu",
        ),
        (
            "/api/v1/communities/{}/modlog",
            "projet-en-attente",
            "projet-inconnu",
        ),
    ];
    let anonymous = app.client();
    let mut wrong = Vec::new();
    for (route, invisible, unknown) in pairs {
        let enc = |n: &str| passerelles::urls::encode_path(n);
        let a = route.replace("{}", &enc(invisible));
        let b = route.replace("{}", &enc(unknown));
        let askers: Vec<(&str, Option<&reqwest::Client>, Option<&str>)> =
            if route.starts_with("/api/") {
                vec![
                    ("anonymous", None, None),
                    ("outsider", None, Some(&outsider_token)),
                ]
            } else {
                vec![
                    ("anonymous", Some(&anonymous), None),
                    ("outsider", Some(&outsider_web), None),
                ]
            };
        for (who, client, token) in askers {
            let (sa, ba, sb, bb) = match client {
                Some(c) => {
                    let (sa, ba) = page(c, app.at(&a)).await;
                    let (sb, bb) = page(c, app.at(&b)).await;
                    (sa, ba, sb, bb)
                }
                None => {
                    let (sa, ba) = api_get(&app, token, &a).await;
                    let (sb, bb) = api_get(&app, token, &b).await;
                    (sa, ba, sb, bb)
                }
            };
            // The names themselves (echoed by a feed's title) aside.
            let same =
                |body: &str, name: &str| body.replace(&enc(name), "NAME").replace(name, "NAME");
            let (ga, gb) = (
                gist(sa, &same(&ba, invisible)),
                gist(sb, &same(&bb, unknown)),
            );
            if ga != gb {
                wrong.push(format!("{who} {a}: «{ga}» but {b}: «{gb}»"));
            }
            // The name must not show through (the tag's label, original spelling included).
            if ba.contains("Grève Générale") || ba.contains("CampagneSecrète") {
                wrong.push(format!("{who} {a}: the label is shown"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "lookups that are oracles:\n{}",
        wrong.join("\n")
    );

    // Those who may see them still do.
    let (s, html) = page(&member_web, app.at("/tags/gr%C3%A8ve-g%C3%A9n%C3%A9rale")).await;
    assert_eq!(s, 200);
    assert!(html.contains("Grève Générale") && html.contains("Stratégie"));
    let (s, body) = api_get(
        &app,
        Some(&member_token),
        "/api/v1/tags/entre-nous/publications",
    )
    .await;
    assert_eq!(s, 200, "{body}");
    assert!(body.contains("Coulisses"));
    let (s, _) = api_get(
        &app,
        Some(&owner_token),
        "/api/v1/communities/projet-en-attente",
    )
    .await;
    assert_eq!(s, 200, "its creator sees the community awaiting approval");
    let (admin_web, _) = app.logged_in("gardienne", true).await;
    let (s, html) = page(&admin_web, app.at("/u/suspendue")).await;
    assert_eq!(s, 200);
    assert!(html.contains("suspendue"));
}

// ---- 2. stored images ------------------------------------------------------------------------

/// Every stored file is served through its owner once the policy says the
/// owner is visible: a watch item's preview image and an image
/// attachment's thumbnail (private community: members only, `private`; open
/// community: anyone, `public`), an avatar (while the profile is visible).
/// No image is served by its id: `/media/{id}` answers 404 for every id,
/// and a conditional request on a hidden image learns nothing either.
#[tokio::test]
async fn stored_images_are_served_only_through_a_visible_owner() {
    allow_loopback();
    let site = Site::start().await;
    let app = TestApp::spawn().await;
    let owner = app.create_user("proprio", false).await;
    let owner_token = token_for(&app, &owner).await;
    let (member_web, member_user) = app.logged_in("membre", false).await;
    let (outsider_web, _) = app.logged_in("dehors", false).await;
    let anonymous = app.client();
    let private = community(&app, "cercle", "private", "request", &owner).await;
    member(&app, private, &member_user, "member", "active").await;
    community(&app, "place", "open", "open", &owner).await;

    let secret = publish(
        &app,
        &owner_token,
        json!({"kind": "watch", "link_url": site.url("/secret"), "communities": ["cercle"]}),
    )
    .await;
    let public = publish(
        &app,
        &owner_token,
        json!({"kind": "watch", "link_url": site.url("/ouvert"), "communities": ["place"]}),
    )
    .await;
    let image_of = |pid: i64| {
        let db = app.state.db.pool.clone();
        async move {
            sqlx::query_scalar::<_, Option<i64>>(
                "SELECT lp.image_media_id FROM publications p JOIN link_previews lp ON lp.id = p.preview_id WHERE p.id = $1",
            )
            .bind(pid)
            .fetch_one(&db)
            .await
            .expect("preview")
            .expect("an image was stored")
        }
    };
    let secret_img = image_of(secret).await;
    let public_img = image_of(public).await;

    // Image attachments (thumbnails) in both.
    for pid in [secret, public] {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(png(300, 200)).file_name("photo.png"),
        );
        let res = reqwest::Client::new()
            .post(app.at(&format!("/api/v1/publications/{pid}/attachments")))
            .bearer_auth(&owner_token)
            .multipart(form)
            .send()
            .await
            .expect("attach");
        assert!(res.status().is_success(), "{}", res.status());
    }
    let thumb = |pid: i64| {
        let db = app.state.db.pool.clone();
        async move {
            let aid: i64 = sqlx::query_scalar(
                "SELECT id FROM attachments WHERE publication_id = $1 AND thumbnail_media_id IS NOT NULL",
            )
            .bind(pid)
            .fetch_one(&db)
            .await
            .expect("thumbnail");
            format!("/p/{pid}/attachments/{aid}/thumbnail")
        }
    };
    let secret_thumb = thumb(secret).await;
    let public_thumb = thumb(public).await;
    let secret_preview = format!("/p/{secret}/preview?v={secret_img}");
    let public_preview = format!("/p/{public}/preview?v={public_img}");

    // The member's page shows the image through its publication.
    let (_, html) = page(&member_web, app.at(&format!("/p/{secret}"))).await;
    assert!(
        html.contains(&format!("src=\"{secret_preview}\"")),
        "{html}"
    );

    let fetch = |client: &reqwest::Client, path: &str| {
        let req = client.get(app.at(path));
        async move { req.send().await.expect("get") }
    };
    // Private owner: members only, and never for shared caches.
    for path in [&secret_preview, &secret_thumb] {
        for (who, client) in [("anonymous", &anonymous), ("outsider", &outsider_web)] {
            let res = fetch(client, path).await;
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "{who} {path}");
        }
        let res = fetch(&member_web, path).await;
        assert_eq!(res.status(), StatusCode::OK, "member {path}");
        let cc = cache_control(&res);
        assert!(cc.starts_with("private"), "{path}: {cc}");
        assert!(res.headers().get("set-cookie").is_none());
        // A conditional request with the right ETag still learns nothing.
        let etag = res.headers()["etag"].to_str().expect("etag").to_string();
        let res = anonymous
            .get(app.at(path))
            .header("if-none-match", &etag)
            .send()
            .await
            .expect("get");
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "conditional {path}");
    }
    // Public owner: anyone, cacheable by anyone.
    for path in [&public_preview, &public_thumb] {
        let res = fetch(&anonymous, path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let cc = cache_control(&res);
        assert!(cc.starts_with("public"), "{path}: {cc}");
        assert_eq!(res.headers()["content-type"], "image/jpeg");
    }
    // Only the owner's current image, at its version.
    let res = fetch(&anonymous, &format!("/p/{public}/preview?v={secret_img}")).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // Avatars: while the profile is visible.
    let avatar_owner = app.create_user("visage", false).await;
    let avatar_token = token_for(&app, &avatar_owner).await;
    let res = reqwest::Client::new()
        .put(app.at("/api/v1/me/avatar"))
        .bearer_auth(&avatar_token)
        .header("content-type", "image/png")
        .body(png(120, 120))
        .send()
        .await
        .expect("avatar");
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.expect("json");
    let avatar_url = v["avatar_url"].as_str().expect("avatar_url").to_string();
    let avatar_path = avatar_url.trim_start_matches(&app.url).to_string();
    assert!(
        avatar_path.starts_with("/u/visage/avatar?v="),
        "{avatar_path}"
    );
    let res = fetch(&anonymous, &avatar_path).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(cache_control(&res).starts_with("public"));
    suspend(&app, &avatar_owner).await;
    let res = fetch(&anonymous, &avatar_path).await;
    assert_eq!(
        res.status(),
        StatusCode::NOT_FOUND,
        "a suspended person's avatar"
    );
    let res = fetch(&outsider_web, &avatar_path).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // No image by its id, whoever asks: every id answers like one that never existed.
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM media ORDER BY id")
        .fetch_all(&app.state.db.pool)
        .await
        .expect("media");
    assert!(ids.len() >= 5, "{ids:?}");
    let (s_none, b_none) = page(&anonymous, app.at("/media/987654321")).await;
    for id in ids {
        for client in [&anonymous, &member_web] {
            let (s, b) = page(client, app.at(&format!("/media/{id}"))).await;
            assert_eq!(gist(s, &b), gist(s_none, &b_none), "/media/{id}");
            assert_eq!(s, 404);
        }
    }
}

// ---- 4. sharing needs the author's consent ----------------------------------------------------

/// A member may not share someone else's private publication into an open
/// community (page or API: 403, nothing shared). Its author may; so may a
/// moderator of its community, and the author is then notified. After the
/// sharing, readers of the wider community read the publication but not the
/// replies written before (pages, API, search), nor its earlier versions.
#[tokio::test]
async fn sharing_into_a_wider_community_needs_the_author() {
    let app = TestApp::spawn().await;
    let author = app.create_user("autrice", false).await;
    let author_token = token_for(&app, &author).await;
    let (member_web, member_user) = app.logged_in("membre", false).await;
    let member_token = token_for(&app, &member_user).await;
    let moderator = app.create_user("vigile", false).await;
    let moderator_token = token_for(&app, &moderator).await;
    let private = community(&app, "cercle", "private", "request", &author).await;
    member(&app, private, &member_user, "member", "active").await;
    member(&app, private, &moderator, "moderator", "active").await;
    let open = community(&app, "place", "open", "open", &author).await;
    member(&app, open, &member_user, "member", "active").await;
    member(&app, open, &moderator, "member", "active").await;

    let pid = publish(
        &app,
        &author_token,
        json!({"kind": "discussion", "title": "Bilan", "body": "Brouillon avec le nom de la donatrice",
               "communities": ["cercle"]}),
    )
    .await;
    // The author redacts it (the first text stays in its history).
    let res = reqwest::Client::new()
        .patch(app.at(&format!("/api/v1/publications/{pid}")))
        .bearer_auth(&author_token)
        .json(&json!({"body": "Bilan sans nom"}))
        .send()
        .await
        .expect("edit");
    assert_eq!(res.status(), 200);
    reply(&app, &member_token, pid, "Réponse confidentielle du cercle").await;
    // Time passes (sharing dates are in seconds): what was written so far is
    // from 100 s ago.
    for sql in [
        "UPDATE publication_communities SET added_at = added_at - 100 WHERE publication_id = $1",
        "UPDATE replies SET created_at = created_at - 100 WHERE publication_id = $1",
        "UPDATE publication_revisions SET created_at = created_at - 100 WHERE publication_id = $1",
        "UPDATE publications SET created_at = created_at - 100, updated_at = updated_at - 100 WHERE id = $1",
    ] {
        exec(&app, sql, pid).await;
    }

    // A member shares it into the open community: refused, page and API.
    let res = reqwest::Client::new()
        .post(app.at(&format!("/api/v1/publications/{pid}/communities")))
        .bearer_auth(&member_token)
        .json(&json!({"community": "place"}))
        .send()
        .await
        .expect("share");
    assert_eq!(res.status(), 403);
    let open_id = open.to_string();
    let res = app
        .post_form(
            &member_web,
            &format!("/p/{pid}"),
            &format!("/p/{pid}/share"),
            &[("community", open_id.as_str())],
        )
        .await;
    assert_eq!(res.status(), 403);
    let (_, html) = page(&member_web, app.at(&format!("/p/{pid}"))).await;
    assert!(
        !html.contains(
            "action=\"/p/{pid}/share\""
                .replace("{pid}", &pid.to_string())
                .as_str()
        ),
        "no share form offered to whoever may not share it"
    );
    let shared = |app: &TestApp| {
        let db = app.state.db.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM publication_communities WHERE publication_id = $1",
            )
            .bind(pid)
            .fetch_one(&db)
            .await
            .expect("count")
        }
    };
    assert_eq!(shared(&app).await, 1, "nothing shared");
    let (s, _) = api_get(&app, None, &format!("/api/v1/publications/{pid}")).await;
    assert_eq!(s, 404, "still private");

    // A moderator of its community may, and the author is told.
    let res = reqwest::Client::new()
        .post(app.at(&format!("/api/v1/publications/{pid}/communities")))
        .bearer_auth(&moderator_token)
        .json(&json!({"community": "place"}))
        .send()
        .await
        .expect("share");
    assert_eq!(res.status(), 200);
    assert_eq!(shared(&app).await, 2);
    let (_, body) = api_get(&app, Some(&author_token), "/api/v1/notifications").await;
    let v: Value = serde_json::from_str(&body).expect("json");
    assert!(
        v["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|n| n["kind"] == "shared" && n["publication_id"] == pid),
        "{v}"
    );
    let author_web = app.client();
    app.login(&author_web, "autrice", crate::harness::PASSWORD)
        .await;
    let (_, html) = page(&author_web, app.at("/notifications")).await;
    assert!(
        html.contains("vigile a partagé votre publication dans"),
        "{html}"
    );

    // Anonymous readers now read it, but neither the earlier reply nor the earlier version.
    reply(&app, &member_token, pid, "Réponse écrite pour tous").await;
    let anonymous = app.client();
    let (s, html) = page(&anonymous, app.at(&format!("/p/{pid}"))).await;
    assert_eq!(s, 200);
    assert!(html.contains("Bilan sans nom") && html.contains("Réponse écrite pour tous"));
    assert!(
        !html.contains("Réponse confidentielle"),
        "earlier reply shown to the wider audience"
    );
    let (s, html) = page(&anonymous, app.at(&format!("/p/{pid}/history"))).await;
    assert_eq!(s, 200);
    assert!(html.contains("Bilan sans nom"));
    assert!(!html.contains("donatrice"), "earlier version widened");
    let (_, body) = api_get(&app, None, &format!("/api/v1/publications/{pid}/replies")).await;
    assert!(body.contains("Réponse écrite pour tous"));
    assert!(!body.contains("confidentielle"), "{body}");
    let (_, body) = api_get(&app, None, "/api/v1/search?q=confidentielle").await;
    assert!(!body.contains("confidentielle du cercle"), "search: {body}");
    let rid: i64 = scalar(
        &app,
        "SELECT id FROM replies WHERE publication_id = $1 ORDER BY id LIMIT 1",
        pid,
    )
    .await;
    let (s, _) = page(
        &anonymous,
        app.at(&format!("/p/{pid}/replies/{rid}/history")),
    )
    .await;
    assert_eq!(s, 404);
    // Nor may a signed-in outsider reach it through the report form.
    let (outsider_web, _) = app.logged_in("dehors", false).await;
    let (s, html) = page(&outsider_web, app.at(&format!("/report?reply={rid}"))).await;
    assert_eq!(s, 404, "report form");
    assert!(!html.contains("confidentielle"));

    // Its first audience still reads all of it.
    let (_, html) = page(&member_web, app.at(&format!("/p/{pid}"))).await;
    assert!(
        html.contains("Réponse confidentielle du cercle")
            && html.contains("Réponse écrite pour tous")
    );
    let (_, html) = page(&member_web, app.at(&format!("/p/{pid}/history"))).await;
    assert!(html.contains("donatrice"));

    // Its author may share it anywhere they may post; once it is public,
    // anyone may share it further.
    let third = community(&app, "troisieme", "private", "request", &member_user).await;
    member(&app, third, &author, "member", "active").await;
    let res = reqwest::Client::new()
        .post(app.at(&format!("/api/v1/publications/{pid}/communities")))
        .bearer_auth(&member_token)
        .json(&json!({"community": "troisieme"}))
        .send()
        .await
        .expect("share");
    assert_eq!(res.status(), 200, "already public: no audience grows");
}
