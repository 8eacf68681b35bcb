//! JSON API v1 over real HTTP: bearer tokens, /me, avatars, sessions,
//! tokens, public profiles, error bodies and the OpenAPI document.

use passerelles::api::tokens;
use passerelles::db::now;
use reqwest::StatusCode;
use serde_json::Value;

use crate::harness::{PASSWORD, TestApp};

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("png");
    out.into_inner()
}

/// A fresh token for a user, created through the domain function.
async fn token_for(app: &TestApp, user_id: i64) -> String {
    let (_, secret) = tokens::create_token(&app.state.db, user_id, "tests", None)
        .await
        .expect("token created");
    secret
}

/// An absolute URL made by the server (public URL) → this test server.
fn local(app: &TestApp, url: &str) -> String {
    app.at(url
        .strip_prefix(&app.state.config.public_url())
        .unwrap_or(url))
}

/// Status and JSON body; panics if the body is not JSON.
async fn json(res: reqwest::Response) -> (StatusCode, Value) {
    let status = res.status();
    let ctype = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let text = res.text().await.expect("body");
    assert!(
        ctype.starts_with("application/json"),
        "{status}: content-type {ctype:?}, body {text}"
    );
    let v =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{status}: not JSON ({e}): {text}"));
    (status, v)
}

/// Assert an error body with this status and code; returns the error object.
async fn api_error(res: reqwest::Response, status: u16, code: &str) -> Value {
    let (s, v) = json(res).await;
    assert_eq!(s.as_u16(), status, "{v}");
    assert_eq!(v["error"]["code"], code, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{v}"
    );
    assert!(
        v["error"]["request_id"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{v}"
    );
    v["error"].clone()
}

async fn assert_401(res: reqwest::Response) {
    let challenge = res
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(
        challenge.starts_with("Bearer"),
        "WWW-Authenticate: {challenge:?}"
    );
    api_error(res, 401, "unauthorized").await;
}

#[tokio::test]
async fn tokens_are_required_and_checked() {
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice", false).await;
    let c = app.client();
    let me = app.at("/api/v1/me");

    // No header, wrong scheme, garbage, well-formed but unknown.
    assert_401(c.get(&me).send().await.unwrap()).await;
    assert_401(
        c.get(&me)
            .header("authorization", "Basic YWxpY2U6eA==")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_401(c.get(&me).bearer_auth("nonsense").send().await.unwrap()).await;
    let unknown = format!("pat_{}", "A".repeat(43));
    assert_401(c.get(&me).bearer_auth(&unknown).send().await.unwrap()).await;

    // A browser session cookie is no API credential.
    let (browser, _) = app.logged_in("cookie", false).await;
    assert_401(browser.get(&me).send().await.unwrap()).await;

    // A valid token works (scheme is case-insensitive).
    let secret = token_for(&app, alice.id).await;
    assert!(secret.starts_with("pat_") && secret.len() == 47, "{secret}");
    let res = c
        .get(&me)
        .header("authorization", format!("bearer {secret}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");

    // Expired.
    let (_, expired) = tokens::create_token(&app.state.db, alice.id, "old", Some(now() - 1))
        .await
        .unwrap();
    assert_401(c.get(&me).bearer_auth(&expired).send().await.unwrap()).await;

    // Revoked.
    let (id, revoked) = tokens::create_token(&app.state.db, alice.id, "gone", None)
        .await
        .unwrap();
    assert_eq!(
        c.get(&me)
            .bearer_auth(&revoked)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert!(
        tokens::revoke_token(&app.state.db, alice.id, id)
            .await
            .unwrap()
    );
    assert_401(c.get(&me).bearer_auth(&revoked).send().await.unwrap()).await;
    // The token of someone else cannot be revoked by id.
    let bob = app.create_user("bob", false).await;
    assert!(
        !tokens::revoke_token(&app.state.db, bob.id, id)
            .await
            .unwrap()
    );

    // Suspended and pending accounts: 403 account_inactive.
    for status in ["suspended", "pending"] {
        sqlx::query("UPDATE users SET status = $1 WHERE id = $2")
            .bind(status)
            .bind(alice.id)
            .execute(&app.state.db.pool)
            .await
            .unwrap();
        let res = c.get(&me).bearer_auth(&secret).send().await.unwrap();
        api_error(res, 403, "account_inactive").await;
    }
}

#[tokio::test]
async fn me_shows_and_updates_the_account() {
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice", true).await;
    let secret = token_for(&app, alice.id).await;
    let c = app.client();
    let me = app.at("/api/v1/me");

    let (s, v) = json(c.get(&me).bearer_auth(&secret).send().await.unwrap()).await;
    assert_eq!(s, 200);
    assert_eq!(v["id"], alice.id);
    assert_eq!(v["username"], "alice");
    assert_eq!(v["email"], "alice@exemple.qc.ca");
    assert_eq!(v["email_verified"], true);
    assert_eq!(v["is_admin"], true);
    assert_eq!(v["locale"], "fr-CA");
    assert_eq!(v["display_name"], "");
    assert!(v["avatar_url"].is_null());
    let created = v["created_at"].as_str().unwrap();
    assert!(
        time::OffsetDateTime::parse(created, &time::format_description::well_known::Rfc3339)
            .is_ok(),
        "{created}"
    );
    assert!(v.get("password_hash").is_none() && v.get("status_reason").is_none());

    // Valid change.
    let res = c
        .patch(&me)
        .bearer_auth(&secret)
        .json(&serde_json::json!({"display_name": "  Alice Tremblay ", "bio": "Coop\r\nQuébec", "locale": "en"}))
        .send()
        .await
        .unwrap();
    let (s, v) = json(res).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["display_name"], "Alice Tremblay");
    assert_eq!(v["bio"], "Coop\nQuébec");
    assert_eq!(v["locale"], "en");
    // Absent fields are unchanged.
    let (_, v) = json(
        c.patch(&me)
            .bearer_auth(&secret)
            .json(&serde_json::json!({"bio": "x"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(v["display_name"], "Alice Tremblay");
    assert_eq!(v["bio"], "x");

    // Invalid values: 422 `invalid` with a message per field; nothing saved.
    let res = c
        .patch(&me)
        .bearer_auth(&secret)
        .header("accept-language", "en")
        .json(&serde_json::json!({
            "display_name": "n".repeat(81),
            "bio": "b".repeat(501),
            "locale": "de",
        }))
        .send()
        .await
        .unwrap();
    let err = api_error(res, 422, "invalid").await;
    assert_eq!(
        err["fields"]["display_name"], "This text is too long.",
        "{err}"
    );
    assert_eq!(err["fields"]["bio"], "This text is too long.");
    assert!(err["fields"]["locale"].is_string());
    let (_, v) = json(c.get(&me).bearer_auth(&secret).send().await.unwrap()).await;
    assert_eq!(v["display_name"], "Alice Tremblay");

    // Malformed bodies are JSON errors, never 500.
    let res = c
        .patch(&me)
        .bearer_auth(&secret)
        .header("content-type", "application/json")
        .body("{\"bio\": ")
        .send()
        .await
        .unwrap();
    api_error(res, 400, "bad_request").await;
    let res = c
        .patch(&me)
        .bearer_auth(&secret)
        .body("bio=x")
        .send()
        .await
        .unwrap();
    api_error(res, 415, "unsupported_media_type").await;
    let res = c
        .patch(&me)
        .bearer_auth(&secret)
        .json(&serde_json::json!({"bio": 5}))
        .send()
        .await
        .unwrap();
    api_error(res, 422, "invalid_body").await;
    let res = c
        .patch(&me)
        .bearer_auth(&secret)
        .json(&serde_json::json!({"email": "x@y.ca"}))
        .send()
        .await
        .unwrap();
    api_error(res, 422, "invalid_body").await;
    let res = c
        .patch(&me)
        .bearer_auth(&secret)
        .header("content-type", "application/json")
        .body(vec![b' '; 7 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    api_error(res, 413, "payload_too_large").await;

    // Unknown routes and methods are JSON too.
    api_error(
        c.get(app.at("/api/v1/nothing")).send().await.unwrap(),
        404,
        "not_found",
    )
    .await;
    api_error(
        c.post(&me).bearer_auth(&secret).send().await.unwrap(),
        405,
        "method_not_allowed",
    )
    .await;
}

#[tokio::test]
async fn avatar_upload_and_removal() {
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice", false).await;
    let secret = token_for(&app, alice.id).await;
    let c = app.client();
    let avatar = app.at("/api/v1/me/avatar");

    let res = c
        .put(&avatar)
        .bearer_auth(&secret)
        .header("content-type", "image/png")
        .body(png(300, 200))
        .send()
        .await
        .unwrap();
    let (s, v) = json(res).await;
    assert_eq!(s, 200, "{v}");
    let first = v["avatar_url"].as_str().expect("avatar_url").to_string();
    assert!(first.starts_with("http"), "absolute: {first}");
    let res = c.get(local(&app, &first)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    let img = image::load_from_memory(&res.bytes().await.unwrap()).expect("a JPEG");
    assert_eq!((img.width(), img.height()), (256, 256));

    // Replacing deletes the previous image.
    let res = c
        .put(&avatar)
        .bearer_auth(&secret)
        .header("content-type", "image/png")
        .body(png(64, 64))
        .send()
        .await
        .unwrap();
    let (s, v) = json(res).await;
    assert_eq!(s, 200);
    let second = v["avatar_url"].as_str().unwrap().to_string();
    assert_ne!(first, second);
    assert_eq!(
        c.get(local(&app, &first)).send().await.unwrap().status(),
        404
    );
    assert_eq!(
        c.get(local(&app, &second)).send().await.unwrap().status(),
        200
    );

    // A text file: refused with JSON errors, never a 500.
    let text = b"Bonjour, ceci n'est pas une image.".to_vec();
    let res = c
        .put(&avatar)
        .bearer_auth(&secret)
        .header("content-type", "text/plain")
        .body(text.clone())
        .send()
        .await
        .unwrap();
    api_error(res, 415, "unsupported_media_type").await;
    let res = c
        .put(&avatar)
        .bearer_auth(&secret)
        .header("content-type", "image/png")
        .body(text)
        .send()
        .await
        .unwrap();
    api_error(res, 422, "image_not_an_image").await;
    // Truncated PNG.
    let broken = png(64, 64);
    let res = c
        .put(&avatar)
        .bearer_auth(&secret)
        .header("content-type", "image/png")
        .body(broken[..broken.len() / 2].to_vec())
        .send()
        .await
        .unwrap();
    api_error(res, 422, "image_corrupt").await;
    // Too large.
    let res = c
        .put(&avatar)
        .bearer_auth(&secret)
        .header("content-type", "image/png")
        .body(vec![0u8; passerelles::images::MAX_UPLOAD_BYTES + 1])
        .send()
        .await
        .unwrap();
    api_error(res, 413, "image_too_large").await;
    // Without a token nothing is read.
    let res = c
        .put(&avatar)
        .header("content-type", "image/png")
        .body(png(8, 8))
        .send()
        .await
        .unwrap();
    assert_401(res).await;
    // The avatar is still the second one.
    let (_, v) = json(
        c.get(app.at("/api/v1/me"))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(v["avatar_url"], second.as_str());

    // Removal.
    let res = c.delete(&avatar).bearer_auth(&secret).send().await.unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(
        c.get(local(&app, &second)).send().await.unwrap().status(),
        404
    );
    let (_, v) = json(
        c.get(app.at("/api/v1/me"))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(v["avatar_url"].is_null());
    assert_eq!(
        c.delete(&avatar)
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
}

#[tokio::test]
async fn personal_access_tokens() {
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice", false).await;
    let bob = app.create_user("bob", false).await;
    let first = token_for(&app, alice.id).await;
    let bobs = token_for(&app, bob.id).await;
    let c = app.client();
    let url = app.at("/api/v1/me/tokens");

    // Tokens cannot make tokens (issue 12): 403, nothing made. Tokens are
    // made on the settings page (tests/it/limits_tokens.rs); here directly.
    let res = c
        .post(&url)
        .bearer_auth(&first)
        .json(&serde_json::json!({"name": "Script de veille", "expires_in_days": 30}))
        .send()
        .await
        .unwrap();
    api_error(res, 403, "tokens_cannot_create_tokens").await;
    let (new_id, secret) = tokens::create_token_scoped(
        &app.state.db,
        alice.id,
        "Script de veille",
        Some(now() + 30 * 86400),
        tokens::Scope::Write,
    )
    .await
    .unwrap();
    assert!(secret.starts_with("pat_") && secret.len() == 47);

    // The new token works, and its use is recorded.
    let (s, me) = json(
        c.get(app.at("/api/v1/me"))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s.as_u16(), me["username"].as_str()), (200, Some("alice")));

    // List: both of mine, no secret anywhere, not Bob's.
    let res = c.get(&url).bearer_auth(&first).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    assert!(
        !text.contains(&secret[4..]) && !text.contains(&first[4..]),
        "no secrets listed: {text}"
    );
    assert!(!text.contains("token_hash") && !text.contains("\"token\""));
    let list: Vec<Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(list.len(), 2, "{text}");
    let listed = list
        .iter()
        .find(|t| t["id"] == new_id)
        .expect("new token listed");
    assert_eq!(listed["name"], "Script de veille");
    assert_eq!(listed["scope"], "write");
    assert!(listed["last_used_at"].is_string(), "use recorded: {listed}");
    assert!(listed["expires_at"].is_string());
    let never = list.iter().find(|t| t["id"] != new_id).unwrap();
    assert!(never["expires_at"].is_null());

    // Revoke: not Bob's, then mine; a revoked token is refused.
    let del = |id: i64| app.at(&format!("/api/v1/me/tokens/{id}"));
    api_error(
        c.delete(del(new_id))
            .bearer_auth(&bobs)
            .send()
            .await
            .unwrap(),
        404,
        "not_found",
    )
    .await;
    assert_eq!(
        c.delete(del(new_id))
            .bearer_auth(&first)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    api_error(
        c.delete(del(new_id))
            .bearer_auth(&first)
            .send()
            .await
            .unwrap(),
        404,
        "not_found",
    )
    .await;
    api_error(
        c.delete(app.at("/api/v1/me/tokens/abc"))
            .bearer_auth(&first)
            .send()
            .await
            .unwrap(),
        400,
        "bad_request",
    )
    .await;
    assert_401(
        c.get(app.at("/api/v1/me"))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let (_, list) = json(c.get(&url).bearer_auth(&first).send().await.unwrap()).await;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    // A token can revoke itself.
    let own_id = list[0]["id"].as_i64().unwrap();
    assert_eq!(
        c.delete(del(own_id))
            .bearer_auth(&first)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_401(c.get(&url).bearer_auth(&first).send().await.unwrap()).await;
}

#[tokio::test]
async fn public_profiles() {
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice", false).await;
    let bob = app.create_user("bob", false).await;
    let admin = app.create_user("carole", true).await;
    let alice_t = token_for(&app, alice.id).await;
    let bob_t = token_for(&app, bob.id).await;
    let admin_t = token_for(&app, admin.id).await;
    let c = app.client();
    let url = app.at("/api/v1/users/ALICE");

    let (s, v) = json(c.get(&url).send().await.unwrap()).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["username"], "alice");
    assert!(v.get("email").is_none(), "{v}");
    assert!(v["url"].as_str().unwrap().ends_with("/u/alice"));
    let page = c
        .get(local(&app, v["url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);

    let (_, v) = json(c.get(&url).bearer_auth(&bob_t).send().await.unwrap()).await;
    assert!(v.get("email").is_none(), "{v}");
    let (_, v) = json(c.get(&url).bearer_auth(&alice_t).send().await.unwrap()).await;
    assert_eq!(v["email"], "alice@exemple.qc.ca");
    let (_, v) = json(c.get(&url).bearer_auth(&admin_t).send().await.unwrap()).await;
    assert_eq!(v["email"], "alice@exemple.qc.ca");

    // A bad token on a public endpoint is still refused.
    assert_401(c.get(&url).bearer_auth("pat_nope").send().await.unwrap()).await;

    api_error(
        c.get(app.at("/api/v1/users/nobody")).send().await.unwrap(),
        404,
        "not_found",
    )
    .await;
    // Suspended: hidden from others, visible to administrators.
    sqlx::query("UPDATE users SET status = 'suspended' WHERE id = $1")
        .bind(alice.id)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    api_error(c.get(&url).send().await.unwrap(), 404, "not_found").await;
    api_error(
        c.get(&url).bearer_auth(&bob_t).send().await.unwrap(),
        404,
        "not_found",
    )
    .await;
    assert_eq!(
        c.get(&url)
            .bearer_auth(&admin_t)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn sessions_can_be_listed_and_ended() {
    let app = TestApp::spawn().await;
    let (browser, alice) = app.logged_in("alice", false).await;
    let second = app.client();
    app.login(&second, "alice", PASSWORD).await;
    let bob = app.create_user("bob", false).await;
    app.login(&app.client(), "bob", PASSWORD).await;
    let secret = token_for(&app, alice.id).await;
    let c = app.client();
    let url = app.at("/api/v1/me/sessions");

    let (s, list) = json(c.get(&url).bearer_auth(&secret).send().await.unwrap()).await;
    assert_eq!(s, 200);
    let list = list.as_array().unwrap().clone();
    assert_eq!(list.len(), 2, "{list:?}");
    let handle = list[0]["handle"].as_str().unwrap().to_string();
    assert_eq!(handle.len(), 12);
    assert!(list[0]["created_at"].is_string() && list[0]["last_seen_at"].is_string());

    let one = app.at(&format!("/api/v1/me/sessions/{handle}"));
    assert_eq!(
        c.delete(&one)
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    api_error(
        c.delete(&one).bearer_auth(&secret).send().await.unwrap(),
        404,
        "not_found",
    )
    .await;
    api_error(
        c.delete(app.at("/api/v1/me/sessions/zz"))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap(),
        404,
        "not_found",
    )
    .await;

    let (s, v) = json(c.delete(&url).bearer_auth(&secret).send().await.unwrap()).await;
    assert_eq!(s, 200);
    assert_eq!(v["revoked"], 1);
    let (_, list) = json(c.get(&url).bearer_auth(&secret).send().await.unwrap()).await;
    assert_eq!(list.as_array().map(Vec::len), Some(0));
    // Both browsers are logged out; Bob's session is untouched; the token still works.
    for client in [&browser, &second] {
        let res = client.get(app.at("/settings")).send().await.unwrap();
        assert_ne!(res.status(), 200);
    }
    let bobs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id = $1")
        .bind(bob.id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(bobs, 1);
    assert_eq!(
        c.get(app.at("/api/v1/me"))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn instance_is_public() {
    let app = TestApp::spawn().await;
    app.set_setting("name", "Passerelles Mauricie").await;
    app.set_setting("registration_mode", "approval").await;
    let (s, v) = json(
        app.client()
            .get(app.at("/api/v1/instance"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(v["name"], "Passerelles Mauricie");
    assert_eq!(v["registration_mode"], "approval");
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["languages"], serde_json::json!(["fr-CA", "en"]));
    assert!(v["description"].is_string());
}

#[tokio::test]
async fn openapi_document_lists_every_route() {
    let app = TestApp::spawn().await;
    let (s, doc) = json(
        app.client()
            .get(app.at("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200);
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        doc["openapi"]
    );
    let expected: &[(&str, &[&str])] = &[
        ("/api/v1/instance", &["get"]),
        ("/api/v1/me", &["get", "patch"]),
        ("/api/v1/me/avatar", &["put", "delete"]),
        ("/api/v1/users/{username}", &["get"]),
        ("/api/v1/me/sessions", &["get", "delete"]),
        ("/api/v1/me/sessions/{handle}", &["delete"]),
        ("/api/v1/me/tokens", &["get", "post"]),
        ("/api/v1/me/tokens/{id}", &["delete"]),
        ("/api/v1/openapi.json", &["get"]),
    ];
    let paths = doc["paths"].as_object().expect("paths");
    let mut keys: Vec<&str> = paths.keys().map(String::as_str).collect();
    keys.sort_unstable();
    for (p, _) in expected {
        assert!(keys.contains(p), "{p} documented");
    }
    // Every documented operation is really routed: called without
    // credentials it may be refused, but never with 405 (no such method).
    let client = app.client();
    for (path, item) in paths {
        let concrete = path
            .replace("{slug}", "x")
            .replace("{username}", "x")
            .replace("{handle}", "x")
            .replace("{name}", "x")
            .replace('{', "")
            .replace('}', "");
        let concrete = concrete
            .split('/')
            .map(|seg| {
                if seg.ends_with("id") && !seg.is_empty() && seg != "openapi.json" {
                    "1"
                } else {
                    seg
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        for method in item.as_object().expect("operations").keys() {
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let res = client.request(m, app.at(&concrete)).send().await.unwrap();
            assert_ne!(
                res.status(),
                405,
                "{method} {path} is documented but not routed ({concrete})"
            );
        }
    }
    for (path, methods) in expected {
        for m in *methods {
            let op = &paths[*path][*m];
            assert!(op.is_object(), "{m} {path} documented");
            // Tokens cannot make tokens: that route documents its refusal.
            let refusal_only = *path == "/api/v1/me/tokens" && *m == "post";
            assert!(
                op["responses"]["200"].is_object()
                    || op["responses"]["201"].is_object()
                    || op["responses"]["204"].is_object()
                    || (refusal_only && op["responses"]["403"].is_object()),
                "{m} {path}"
            );
            let private = path.starts_with("/api/v1/me");
            if private {
                assert_eq!(
                    op["security"][0]["bearer"],
                    serde_json::json!([]),
                    "{m} {path}"
                );
                assert_eq!(
                    op["responses"]["401"]["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ErrorBody",
                    "{m} {path}"
                );
            }
        }
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["type"],
        "http"
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    assert!(doc["components"]["schemas"]["Me"].is_object());
}

/// The served OpenAPI document passes an independent validator
/// (openapi-spec-validator, from `tests/rp/.venv`): unique operation ids,
/// valid schemas and references.
#[tokio::test]
async fn openapi_document_passes_openapi_spec_validator() {
    let venv = format!("{}/tests/rp/.venv/bin/python3", env!("CARGO_MANIFEST_DIR"));
    let python = if std::path::Path::new(&venv).exists() {
        venv
    } else {
        "python3".to_string()
    };
    let available = std::process::Command::new(&python)
        .args(["-c", "import openapi_spec_validator"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        if std::env::var("PASSERELLES_REQUIRE_RP").is_ok_and(|v| v == "1") {
            panic!(
                "openapi-spec-validator is required (PASSERELLES_REQUIRE_RP=1) but not installed"
            );
        }
        crate::harness::skip(
            "openapi_document_passes_openapi_spec_validator",
            "openapi-spec-validator not installed (scripts/test --install-rp)",
        );
        return;
    }
    let app = crate::harness::TestApp::spawn().await;
    let body = app
        .client()
        .get(app.at("/api/v1/openapi.json"))
        .send()
        .await
        .expect("get")
        .bytes()
        .await
        .expect("body");
    let file = app.data_dir.join("openapi.json");
    std::fs::write(&file, &body).expect("write");
    let out = std::process::Command::new(&python)
        .args([
            "-c",
            "import json, sys\n\
             from openapi_spec_validator import validate\n\
             doc = json.load(open(sys.argv[1]))\n\
             validate(doc)\n\
             print(doc['openapi'], len(doc['paths']))",
        ])
        .arg(&file)
        .output()
        .expect("run the validator");
    assert!(
        out.status.success(),
        "openapi-spec-validator refused the document: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.starts_with("3.1"), "{printed}");
}

/// The document and the server agree on error statuses: a malformed id, a
/// missing token, a body that is not JSON, JSON of the wrong shape each get
/// a status that the operation's entry in the document lists, with the
/// documented `ErrorBody`.
#[tokio::test]
async fn error_statuses_the_server_sends_are_in_the_document() {
    let app = TestApp::spawn().await;
    let user = app.create_user("contrat", false).await;
    let token = token_for(&app, user.id).await;
    let doc: Value = app
        .client()
        .get(app.at("/api/v1/openapi.json"))
        .send()
        .await
        .expect("doc")
        .json()
        .await
        .expect("json");
    let client = reqwest::Client::new();
    // (method, template, concrete path, token, content type, body, expected status)
    let cases: &[(&str, &str, &str, bool, Option<&str>, &str, u16)] = &[
        (
            "get",
            "/api/v1/publications/{id}",
            "/api/v1/publications/abc",
            true,
            None,
            "",
            400,
        ),
        (
            "get",
            "/api/v1/publications/{id}",
            "/api/v1/publications/999999",
            true,
            None,
            "",
            404,
        ),
        ("get", "/api/v1/me", "/api/v1/me", false, None, "", 401),
        (
            "post",
            "/api/v1/publications",
            "/api/v1/publications",
            true,
            None,
            "{}",
            415,
        ),
        (
            "post",
            "/api/v1/publications",
            "/api/v1/publications",
            true,
            Some("application/json"),
            "{\"title\": 3}",
            422,
        ),
        (
            "post",
            "/api/v1/communities",
            "/api/v1/communities",
            true,
            Some("application/json"),
            "not json",
            400,
        ),
        (
            "patch",
            "/api/v1/me",
            "/api/v1/me",
            true,
            Some("application/json"),
            "[1]",
            422,
        ),
        (
            "delete",
            "/api/v1/me/tokens/{id}",
            "/api/v1/me/tokens/x",
            true,
            None,
            "",
            400,
        ),
    ];
    for &(method, template, path, with_token, ctype, body, expected) in cases {
        let mut req = client.request(method.to_uppercase().parse().expect("method"), app.at(path));
        if with_token {
            req = req.bearer_auth(&token);
        }
        if let Some(ct) = ctype {
            req = req.header("content-type", ct);
        }
        if !body.is_empty() {
            req = req.body(body.to_string());
        }
        let res = req.send().await.expect("send");
        let status = res.status().as_u16();
        assert_eq!(status, expected, "{method} {path}");
        let err: Value = res.json().await.expect("an ErrorBody");
        assert!(err["error"]["code"].is_string(), "{method} {path}: {err}");
        assert!(
            doc["paths"][template][method]["responses"][status.to_string()].is_object(),
            "{method} {template}: {status} is not in the document"
        );
    }
}

/// Every operation of the document, probed with the requests any client can
/// get wrong — no token, an unknown token, a `read` token on a method that
/// changes something, a path value of the wrong type, a body that is not
/// JSON or not of the declared media type, an empty JSON object, a JSON
/// field the document does not list — answers with a status that its entry
/// lists, with an `ErrorBody`. A new endpoint inherits these statuses from
/// the generator (`api::CommonErrors`); this test fails when one sends a
/// status its document does not say. The unknown field is refused, naming
/// it, wherever the operation takes a JSON body (closed objects).
#[tokio::test]
async fn every_operation_documents_the_statuses_it_sends() {
    use passerelles::accounts::tokens::Scope;
    let app = TestApp::spawn().await;
    let user = app.create_user("sondeuse", false).await;
    let write = tokens::create_token_scoped(&app.state.db, user.id, "w", None, Scope::Write)
        .await
        .expect("token")
        .1;
    let read = tokens::create_token_scoped(&app.state.db, user.id, "r", None, Scope::Read)
        .await
        .expect("token")
        .1;
    let doc: Value = app
        .client()
        .get(app.at("/api/v1/openapi.json"))
        .send()
        .await
        .expect("doc")
        .json()
        .await
        .expect("json");
    let client = reqwest::Client::new();
    let mut probed = 0;
    let mut refused_unknown = 0;
    for (template, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operations") {
            let params: Vec<&Value> = op["parameters"]
                .as_array()
                .map(|a| a.iter().collect())
                .unwrap_or_default();
            let is_int = |name: &str| {
                params.iter().any(|p| {
                    p["name"] == name
                        && p["in"] == "path"
                        && p["schema"]["type"].as_str().is_some_and(|t| t == "integer")
                })
            };
            // Path values: `1` for integers, `x` for strings; then every
            // integer replaced by a word.
            let fill = |bad_ints: bool| {
                template
                    .split('/')
                    .map(
                        |seg| match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                            Some(name) if is_int(name) && bad_ints => "abc".to_string(),
                            Some(name) if is_int(name) => "1".to_string(),
                            Some(_) => "x".to_string(),
                            None => seg.to_string(),
                        },
                    )
                    .collect::<Vec<_>>()
                    .join("/")
            };
            let json_body = op["requestBody"]["content"]["application/json"].is_object();
            let has_int_param = template
                .split('/')
                .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                .any(is_int);
            // (label, path, token, content type, body)
            let mut probes: Vec<(&str, String, Option<&str>, Option<&str>, &str)> = vec![
                ("no token", fill(false), None, None, ""),
                ("unknown token", fill(false), Some("pat_unknown"), None, ""),
                ("read token", fill(false), Some(&read), None, ""),
                ("write token", fill(false), Some(&write), None, ""),
            ];
            if has_int_param {
                probes.push(("word for an integer", fill(true), Some(&write), None, ""));
            }
            if op["requestBody"].is_object() {
                probes.push((
                    "not JSON",
                    fill(false),
                    Some(&write),
                    Some("application/json"),
                    "{not json",
                ));
                probes.push((
                    "other media type",
                    fill(false),
                    Some(&write),
                    Some("text/plain"),
                    "hello",
                ));
                probes.push((
                    "empty object",
                    fill(false),
                    Some(&write),
                    Some("application/json"),
                    "{}",
                ));
            }
            if json_body {
                probes.push((
                    "unknown field",
                    fill(false),
                    Some(&write),
                    Some("application/json"),
                    "{\"zz_not_a_field\": 1}",
                ));
            }
            for (label, path, token, ctype, body) in probes {
                let mut req = client.request(
                    method.to_uppercase().parse().expect("method"),
                    app.at(&path),
                );
                if let Some(t) = token {
                    req = req.bearer_auth(t);
                }
                if let Some(ct) = ctype {
                    req = req.header("content-type", ct);
                }
                if !body.is_empty() {
                    req = req.body(body.to_string());
                }
                let res = req.send().await.expect("send");
                let status = res.status().as_u16();
                let text = res.text().await.unwrap_or_default();
                probed += 1;
                assert!(
                    op["responses"][status.to_string()].is_object(),
                    "{method} {template} ({label}: {path}) answered {status}, which its document \
                     does not list: {text}"
                );
                assert!(status < 500, "{method} {path} ({label}): {status} {text}");
                if status >= 400 {
                    let err: Value = serde_json::from_str(&text)
                        .unwrap_or_else(|e| panic!("{method} {path} ({label}): {e}: {text}"));
                    assert!(err["error"]["code"].is_string(), "{method} {path}: {err}");
                }
                if label == "unknown field" {
                    assert_eq!(status, 422, "{method} {template}: an unknown field: {text}");
                    let err: Value = serde_json::from_str(&text).expect("json");
                    assert!(
                        err["error"]["fields"]["zz_not_a_field"].is_string(),
                        "{method} {template}: the unknown field is named: {err}"
                    );
                    refused_unknown += 1;
                }
            }
        }
    }
    assert!(probed > 300, "{probed} probes");
    assert!(
        refused_unknown > 30,
        "{refused_unknown} bodies with an unknown field"
    );
}
