//! Input and limits (issue 12, items 5, 7, 8, 9, 10), over real HTTP and
//! raw TCP, on both engines: redirect targets, U+0000, image pixel bounds
//! and the decode pool, slow headers and declared lengths, the proxy
//! headers believed for `/metrics` and client addresses.

use std::time::{Duration, Instant};

use reqwest::redirect::Policy;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::harness::{PASSWORD, TestApp};

// ---- 5. Open redirect ------------------------------------------------------------------------

/// Where a browser goes with this `Location`, resolved the WHATWG way (the
/// `url` crate: tabs and newlines dropped, `\` read as `/`).
fn lands_on(app: &TestApp, location: &str) -> url::Url {
    url::Url::parse(&app.url)
        .unwrap()
        .join(location)
        .unwrap_or_else(|e| panic!("unparsable Location {location:?}: {e}"))
}

/// The known bypass forms of a "local path" check.
const BYPASSES: &[&str] = &[
    "//evil.example/x",
    "///evil.example/x",
    "/\\evil.example/x",
    "\\\\evil.example/x",
    "/\t/evil.example/x",
    "/\n/evil.example/x",
    "/\r\n/evil.example/x",
    "\t//evil.example/x",
    "/.//evil.example/x",
    "%2F%2Fevil.example/x",
    "/%2F%2Fevil.example/x",
    "/%5Cevil.example/x",
    "https://evil.example/x",
    "https:evil.example",
    "http:/\\evil.example/x",
    "javascript:alert(1)",
    "/x\r\nSet-Cookie: pwned=1",
];

fn assert_stays(app: &TestApp, res: &reqwest::Response, what: &str) {
    assert_eq!(res.status(), 303, "{what}");
    let location = res.headers()["location"].to_str().unwrap_or("").to_string();
    assert!(
        location.starts_with('/') && !location.starts_with("//") && !location.starts_with("/\\"),
        "{what}: Location {location:?}"
    );
    assert!(
        !location.chars().any(|c| c.is_control() || c == ' '),
        "{what}: Location {location:?}"
    );
    let home = url::Url::parse(&app.url).unwrap();
    assert_eq!(
        lands_on(app, &location).origin(),
        home.origin(),
        "{what}: {location:?} leaves the site"
    );
    assert!(
        !res.headers()
            .get_all("set-cookie")
            .iter()
            .any(|c| c.to_str().unwrap_or("").contains("pwned")),
        "{what}: header injected"
    );
}

#[tokio::test]
async fn redirect_targets_never_leave_the_site() {
    let app = TestApp::spawn().await;
    app.create_user("remi", false).await;
    for next in BYPASSES {
        // After logging in.
        let client = app.client();
        let res = app
            .post_form(
                &client,
                "/login",
                "/login",
                &[("login", "remi"), ("password", PASSWORD), ("next", next)],
            )
            .await;
        assert_stays(&app, &res, &format!("login next={next:?}"));
        // Already signed in, the sign-up page sends on to `next`.
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("next", next)
            .finish();
        let res = client
            .get(app.at(&format!("/signup?{query}")))
            .send()
            .await
            .unwrap();
        assert_stays(&app, &res, &format!("signup next={next:?}"));
    }
    // A local target is kept (and serialised the same way browsers would).
    let client = app.client();
    let res = app
        .post_form(
            &client,
            "/login",
            "/login",
            &[
                ("login", "remi"),
                ("password", PASSWORD),
                ("next", "/c?page=2"),
            ],
        )
        .await;
    assert_eq!(res.headers()["location"], "/c?page=2");

    // The language switch goes back to the Referer only when it is ours.
    for referer in [
        "https://evil.example/",
        &format!("{}.evil.example/x", app.url),
        &format!("{}@evil.example/x", app.url),
        &format!("{}/\t/evil.example", app.url),
    ] {
        let csrf = app.csrf(&client, "/").await;
        let res = client
            .post(app.at("/lang"))
            .header("referer", referer)
            .form(&[("csrf", csrf.as_str()), ("lang", "en")])
            .send()
            .await
            .unwrap();
        assert_stays(&app, &res, &format!("referer {referer:?}"));
        assert_eq!(res.headers()["location"], "/", "referer {referer:?}");
    }
    let csrf = app.csrf(&client, "/").await;
    let res = client
        .post(app.at("/lang"))
        .header("referer", app.at("/c?page=2"))
        .form(&[("csrf", csrf.as_str()), ("lang", "fr-CA")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/c?page=2");
}

// ---- 7. U+0000 -------------------------------------------------------------------------------

/// A 422 `invalid` naming `field`: JSON under `/api/`, else a page that names it.
async fn assert_nul_refused(res: reqwest::Response, field: &str, what: &str) {
    let status = res.status();
    let is_json = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/json"));
    let body = res.text().await.unwrap();
    assert_eq!(status, 422, "{what}: {body}");
    if is_json {
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["error"]["code"], "invalid", "{what}: {v}");
        assert!(
            v["error"]["fields"][field]
                .as_str()
                .is_some_and(|m| m.contains("U+0000")),
            "{what}: {v}"
        );
    } else {
        assert!(
            body.contains(&format!("<code>{field}</code>")) && body.contains("U+0000"),
            "{what}: the page names {field}: {body}"
        );
    }
}

#[tokio::test]
async fn nul_characters_are_refused_at_the_edge_naming_the_field() {
    let app = TestApp::spawn().await;
    let (client, user) = app.logged_in("nadine", false).await;
    let (_, token) = passerelles::api::tokens::create_token(&app.state.db, user.id, "t", None)
        .await
        .unwrap();
    let anon = app.client();

    // Paths and queries, pages and API.
    for (path, field) in [
        ("/u/na%00dine", "path"),
        ("/tags/a%00b", "path"),
        ("/api/v1/users/na%00dine", "path"),
        ("/search?q=caf%00e", "q"),
        ("/api/v1/search?q=caf%00e", "q"),
        ("/login?next=/x%00", "next"),
        ("/c?page=1&x%00=1", "x\u{FFFD}"),
    ] {
        let res = anon.get(app.at(path)).send().await.unwrap();
        assert_nul_refused(res, field, path).await;
    }
    // A form body (log-in, anonymous) and a signed-in one.
    let csrf = app.csrf(&anon, "/login").await;
    let res = anon
        .post(app.at("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("login", "nadine\0"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_nul_refused(res, "login", "log-in form").await;
    let csrf = app.csrf(&client, "/settings/tokens").await;
    let res = client
        .post(app.at("/settings/tokens"))
        .form(&[("csrf", csrf.as_str()), ("name", "ci\0"), ("days", "")])
        .send()
        .await
        .unwrap();
    assert_nul_refused(res, "name", "token form").await;
    // A multipart form (compose), a text field.
    let csrf = app.csrf(&client, "/settings/profile").await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .text("display_name", "Nadine\0")
        .text("bio", "")
        .text("locale", "fr-CA");
    let res = client
        .post(app.at("/settings/profile"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_nul_refused(res, "display_name", "multipart profile form").await;
    // JSON bodies, nested values and keys.
    for (body, field) in [
        (r#"{"bio":"a\u0000b"}"#, "bio"),
        (
            r#"{"display_name":"x","bio":"y","locale":"fr-CA\u0000"}"#,
            "locale",
        ),
    ] {
        let res = anon
            .patch(app.at("/api/v1/me"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_nul_refused(res, field, body).await;
    }
    let res = anon
        .post(app.at("/api/v1/publications"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(r#"{"kind":"discussion","title":"t","body":"b","communities":["x"],"tags":["ok","n\u0000"]}"#)
        .send()
        .await
        .unwrap();
    assert_nul_refused(res, "tags[1]", "nested array").await;
    // Nothing was stored: the account is unchanged, and the server still answers.
    let me: Value = anon
        .get(app.at("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!me.to_string().contains("\\u0000"), "{me}");
    // `%2500` is a percent sign followed by "00", not a NUL: ordinary 404.
    let res = anon.get(app.at("/u/na%2500dine")).send().await.unwrap();
    assert_eq!(res.status(), 404);
}

// ---- 8. Expensive images ---------------------------------------------------------------------

/// A PNG of `w` × `h` black pixels, 1 bit each: a few kilobytes however
/// many pixels (what a decompression bomb looks like to an upload form).
fn bilevel_png(w: u32, h: u32) -> Vec<u8> {
    use flate2::write::ZlibEncoder;
    use std::io::Write;
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[1, 0, 0, 0, 0]); // 1 bit, grey, deflate, no filter, no interlace
    chunk(&mut png, b"IHDR", &ihdr);
    let row = vec![0u8; 1 + w.div_ceil(8) as usize];
    let mut z = ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    for _ in 0..h {
        z.write_all(&row).unwrap();
    }
    chunk(&mut png, b"IDAT", &z.finish().unwrap());
    chunk(&mut png, b"IEND", &[]);
    png
}

#[tokio::test]
async fn images_are_bounded_by_pixel_count_before_decoding() {
    let app = TestApp::spawn().await;
    let user = app.create_user("pixel", false).await;
    let (_, token) = passerelles::api::tokens::create_token(&app.state.db, user.id, "t", None)
        .await
        .unwrap();
    // 7,900 × 7,900: under the 8,000 px side, 62 million pixels.
    let bomb = bilevel_png(7900, 7900);
    assert!(bomb.len() < 200 * 1024, "small file: {} bytes", bomb.len());
    assert_eq!(
        passerelles::images::probe(&bomb)
            .err()
            .map(|e| e.message_key()),
        Some("image-dimensions-too-large")
    );
    let c = reqwest::Client::new();
    let res = c
        .put(app.at("/api/v1/me/avatar"))
        .bearer_auth(&token)
        .header("content-type", "image/png")
        .body(bomb.clone())
        .send()
        .await
        .unwrap();
    let status = res.status();
    let v: Value = res.json().await.unwrap();
    assert_eq!(status, 422, "{v}");
    assert_eq!(v["error"]["code"], "image_dimensions_too_large", "{v}");
    // Refused from its header: nothing was decoded.
    assert_eq!(app.state.images.peak(), 0, "no decode ran");
    // A picture within the bounds still makes an avatar (and took a turn).
    let fine = bilevel_png(2000, 1500);
    let res = c
        .put(app.at("/api/v1/me/avatar"))
        .bearer_auth(&token)
        .header("content-type", "image/png")
        .body(fine)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(app.state.images.peak(), 1);
}

#[tokio::test]
async fn image_decodes_run_in_a_bounded_pool() {
    let app = TestApp::spawn_with(|c| c.limits.image_decodes = 2).await;
    let mut tokens = Vec::new();
    for i in 0..6 {
        let user = app.create_user(&format!("pool{i}"), false).await;
        let (_, t) = passerelles::api::tokens::create_token(&app.state.db, user.id, "t", None)
            .await
            .unwrap();
        tokens.push(t);
    }
    let image = bilevel_png(4000, 4000);
    let uploads: Vec<_> = tokens
        .into_iter()
        .map(|t| {
            let url = app.at("/api/v1/me/avatar");
            let body = image.clone();
            tokio::spawn(async move {
                reqwest::Client::new()
                    .put(url)
                    .bearer_auth(t)
                    .header("content-type", "image/png")
                    .body(body)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    for u in uploads {
        assert_eq!(u.await.unwrap(), 200);
    }
    assert_eq!(app.state.images.size(), 2);
    let peak = app.state.images.peak();
    assert!(
        (1..=2).contains(&peak),
        "six uploads at once, at most two decodes at once: {peak}"
    );
    assert_eq!(app.state.images.running(), 0);
}

// ---- 9. Slow headers and declared lengths ----------------------------------------------------

#[tokio::test]
async fn slow_headers_are_cut_off() {
    let app = TestApp::spawn_with(|c| c.limits.header_read_timeout_secs = 2).await;
    let addr = app.url.trim_start_matches("http://").to_string();
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let started = Instant::now();
    // One header line every half second, for up to 20 s: the server must
    // close the connection long before.
    let mut closed = false;
    for i in 0..40 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        if s.write_all(format!("X-Slow-{i}: a\r\n").as_bytes())
            .await
            .is_err()
        {
            closed = true;
            break;
        }
        let mut buf = [0u8; 256];
        match tokio::time::timeout(Duration::from_millis(10), s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => {
                closed = true;
                break;
            }
            Ok(Ok(_)) => {
                // hyper may answer 408 before closing: that is closing too.
                closed = true;
                break;
            }
            Err(_) => {}
        }
    }
    let held = started.elapsed();
    assert!(
        closed,
        "a header line every 0.5 s kept the connection for {held:?}"
    );
    assert!(held < Duration::from_secs(15), "closed only after {held:?}");
    // Ordinary requests are unaffected.
    assert_eq!(
        reqwest::get(app.at("/healthz")).await.unwrap().status(),
        200
    );
}

/// Send only a request head with `Content-Length: len` (no body) and read
/// what comes back within 10 s.
async fn head_only(app: &TestApp, method: &str, path: &str, extra: &str, len: u64) -> String {
    let addr = app.url.trim_start_matches("http://").to_string();
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    s.write_all(
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{extra}Content-Length: {len}\r\n\r\n")
            .as_bytes(),
    )
    .await
    .unwrap();
    let mut buf = vec![0u8; 4096];
    match tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf)).await {
        Ok(Ok(n)) => String::from_utf8_lossy(&buf[..n]).to_string(),
        Ok(Err(e)) => format!("read error {e}"),
        Err(_) => "no answer within 10 s (the server waits for the body)".to_string(),
    }
}

#[tokio::test]
async fn declared_lengths_above_the_route_limit_are_refused_unread() {
    let app = TestApp::spawn().await;
    let user = app.create_user("longue", false).await;
    let (_, token) = passerelles::api::tokens::create_token(&app.state.db, user.id, "t", None)
        .await
        .unwrap();
    let form = "Content-Type: application/x-www-form-urlencoded\r\n";
    let json = format!("Content-Type: application/json\r\nAuthorization: Bearer {token}\r\n");
    for (method, path, extra, len) in [
        // Forms and JSON: 1 MiB.
        ("POST", "/login", form.to_string(), 2 * 1024 * 1024),
        ("POST", "/signup", form.to_string(), 1024 * 1024 + 1),
        ("PATCH", "/api/v1/me", json.clone(), 2 * 1024 * 1024),
        // An image upload: 6 MiB.
        (
            "PUT",
            "/api/v1/me/avatar",
            format!("Content-Type: image/png\r\nAuthorization: Bearer {token}\r\n"),
            20 * 1024 * 1024,
        ),
        // Attachments: five files of 10 MB and the text.
        (
            "POST",
            "/p/new",
            "Content-Type: multipart/form-data; boundary=x\r\n".to_string(),
            200 * 1024 * 1024,
        ),
        // No route at all: the smallest limit.
        ("POST", "/nowhere", form.to_string(), 2 * 1024 * 1024),
    ] {
        let answer = head_only(&app, method, path, &extra, len).await;
        assert!(
            answer.starts_with("HTTP/1.1 413"),
            "{method} {path} with {len} bytes declared: {answer}"
        );
    }
    // Under the limit, the same routes wait for the body as usual: a real
    // form of 600 kB is read (and refused for its CSRF token, not its size).
    let res = reqwest::Client::new()
        .post(app.at("/login"))
        .form(&[("login", "x".repeat(600 * 1024))])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

// ---- 10. Proxy headers -----------------------------------------------------------------------

#[tokio::test]
async fn metrics_believe_only_the_configured_proxy_header() {
    // No proxy configured: loopback is the operator, unless a proxy we
    // were not told about relays the request (any forwarding header).
    let app = TestApp::spawn().await;
    let c = reqwest::Client::new();
    let get = |h: Option<(&'static str, &'static str)>| {
        let mut r = c.get(app.at("/metrics"));
        if let Some((k, v)) = h {
            r = r.header(k, v);
        }
        r.send()
    };
    assert_eq!(get(None).await.unwrap().status(), 200);
    for h in [
        ("x-real-ip", "127.0.0.1"),
        ("x-real-ip", "203.0.113.9"),
        ("x-forwarded-for", "127.0.0.1"),
        ("forwarded", "for=127.0.0.1"),
        ("true-client-ip", "127.0.0.1"),
    ] {
        assert_eq!(get(Some(h)).await.unwrap().status(), 404, "{h:?}");
    }

    // Behind nginx on this host, with X-Real-IP: everything from the proxy
    // is someone else's request, whatever it claims.
    let app = TestApp::spawn_with(|c| {
        c.trusted_proxies = vec!["127.0.0.1".into()];
        c.proxy_header = "x-real-ip".into();
    })
    .await;
    for h in [
        ("x-real-ip", "127.0.0.1"),
        ("x-real-ip", "198.51.100.3"),
        ("x-forwarded-for", "127.0.0.1"),
    ] {
        let res = c
            .get(app.at("/metrics"))
            .header(h.0, h.1)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "{h:?}");
    }
    let res = c.get(app.at("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), 404, "from the proxy itself");

    // The client's address is the configured header's, never another one.
    app.create_user("proxied", false).await;
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .default_headers({
            let mut h = reqwest::header::HeaderMap::new();
            h.insert("x-real-ip", "198.51.100.3".parse().unwrap());
            h.insert("x-forwarded-for", "192.0.2.66".parse().unwrap());
            h
        })
        .build()
        .unwrap();
    app.login(&client, "proxied", PASSWORD).await;
    let ip: String = sqlx::query_scalar("SELECT ip FROM sessions")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(ip, "198.51.100.3");
}
