//! Sign-in limits and personal access token scopes (issue 12, items 6 and
//! 11), over real HTTP on both engines. Client addresses are set through
//! a trusted proxy (`X-Forwarded-For` from loopback), the way a deployment
//! behind nginx sees them.

use reqwest::StatusCode;
use reqwest::redirect::Policy;
use serde_json::Value;

use crate::harness::{PASSWORD, TestApp, form_value};

/// An app behind a proxy on loopback that sets `X-Forwarded-For`.
async fn behind_proxy() -> TestApp {
    TestApp::spawn_with(|c| c.trusted_proxies = vec!["127.0.0.1".into()]).await
}

/// A browser at `ip` (as the proxy reports it).
fn browser_at(ip: &str) -> reqwest::Client {
    browser_with(ip, std::sync::Arc::new(reqwest::cookie::Jar::default()))
}

/// A browser at `ip` with the cookies of `jar` (the same browser moved).
fn browser_with(ip: &str, jar: std::sync::Arc<reqwest::cookie::Jar>) -> reqwest::Client {
    let mut h = reqwest::header::HeaderMap::new();
    h.insert("x-forwarded-for", ip.parse().unwrap());
    reqwest::Client::builder()
        .cookie_provider(jar)
        .redirect(Policy::none())
        .default_headers(h)
        .build()
        .unwrap()
}

async fn attempt(
    app: &TestApp,
    client: &reqwest::Client,
    login: &str,
    password: &str,
) -> StatusCode {
    app.post_form(
        client,
        "/login",
        "/login",
        &[("login", login), ("password", password)],
    )
    .await
    .status()
}

#[tokio::test]
async fn login_limits_follow_the_account_found_not_its_spelling() {
    let app = behind_proxy().await;
    app.create_user("elise", false).await;
    let attacker = browser_at("203.0.113.5");
    // Ten wrong passwords, each spelling of the same account: one counter.
    let spellings = [
        "elise",
        "ELISE",
        "Ｅｌｉｓｅ",
        "elise@exemple.qc.ca",
        "ELISE@Exemple.QC.ca",
    ];
    for i in 0..10 {
        let s = attempt(
            &app,
            &attacker,
            spellings[i % spellings.len()],
            "pas le bon",
        )
        .await;
        assert_eq!(s, 422, "failure {i}");
    }
    // The eleventh, with the right password and yet another spelling: held.
    let res = app
        .post_form(
            &attacker,
            "/login",
            "/login",
            &[("login", "  Ｅｌｉｓｅ "), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    assert!(res.text().await.unwrap().contains("Trop de tentatives"));
    // The owner, elsewhere, is not locked out by someone else's guesses.
    let owner = browser_at("198.51.100.7");
    assert_eq!(attempt(&app, &owner, "elise", PASSWORD).await, 303);

    // A login that names no account answers the same way, keyed on its
    // canonical form.
    let prober = browser_at("203.0.113.6");
    for i in 0..10 {
        let login = if i % 2 == 0 { "personne" } else { "PERSONNE" };
        assert_eq!(attempt(&app, &prober, login, "x").await, 422);
    }
    assert_eq!(attempt(&app, &prober, "Ｐｅｒｓｏｎｎｅ", "x").await, 429);
}

#[tokio::test]
async fn successful_log_ins_do_not_count_against_the_address() {
    let app = behind_proxy().await;
    for i in 0..3 {
        app.create_user(&format!("collegue{i}"), false).await;
    }
    // One office behind one address: 33 sign-ins (more than the 30
    // failures an address may make) all go through.
    for i in 0..33 {
        let office = browser_at("192.0.2.10");
        let s = attempt(&app, &office, &format!("collegue{}", i % 3), PASSWORD).await;
        assert_eq!(s, 303, "sign-in {i} from the office");
    }
    // Failures still count: thirty of them (on any accounts), then held.
    let office = browser_at("192.0.2.10");
    for i in 0..30 {
        let s = attempt(&app, &office, &format!("inconnu{i}"), "x").await;
        assert_eq!(s, 422, "failure {i}");
    }
    assert_eq!(attempt(&app, &office, "collegue0", PASSWORD).await, 429);
    // Another address is not affected.
    assert_eq!(
        attempt(&app, &browser_at("192.0.2.11"), "collegue0", PASSWORD).await,
        303
    );
}

#[tokio::test]
async fn guessing_from_many_addresses_cannot_lock_the_owner_out() {
    let app = behind_proxy().await;
    app.create_user("marc", false).await;
    // The owner signed in from this browser before, then signed out.
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let owner = browser_with("198.51.100.20", jar.clone());
    assert_eq!(attempt(&app, &owner, "marc", PASSWORD).await, 303);
    let res = app.post_form(&owner, "/", "/logout", &[]).await;
    assert_eq!(res.status(), 303);
    // Fifty wrong passwords from five addresses (ten each, the most one
    // address may try on one account).
    for a in 0..5 {
        let bot = browser_at(&format!("203.0.113.{}", 20 + a));
        for i in 0..10 {
            assert_eq!(
                attempt(&app, &bot, "marc", "devine").await,
                422,
                "bot {a}, try {i}"
            );
        }
    }
    // The account-wide limit now holds a new browser, even with the right
    // password, from an address that never failed…
    assert_eq!(
        attempt(&app, &browser_at("203.0.113.99"), "marc", PASSWORD).await,
        429
    );
    // …but not the owner's own browser, wherever it is now.
    let moved = browser_with("198.51.100.21", jar);
    assert_eq!(attempt(&app, &moved, "marc", PASSWORD).await, 303);
}

// ---- 11. Personal access tokens -------------------------------------------------------------

/// Make a token on the settings page; its secret.
async fn make_token(
    app: &TestApp,
    client: &reqwest::Client,
    name: &str,
    scope: Option<&str>,
) -> String {
    let mut fields = vec![("name", name), ("days", "")];
    if let Some(s) = scope {
        fields.push(("scope", s));
    }
    let res = app
        .post_form(client, "/settings/tokens", "/settings/tokens", &fields)
        .await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    let open = "<code id=\"new-token\">";
    let start = page.find(open).expect("secret shown") + open.len();
    let end = page[start..].find("</code>").unwrap();
    page[start..start + end].to_string()
}

async fn status_and_json(res: reqwest::Response) -> (u16, Value) {
    let s = res.status().as_u16();
    (s, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn tokens_have_scopes_and_cannot_make_tokens() {
    let app = TestApp::spawn().await;
    let (web, _) = app.logged_in("iris", true).await;
    let c = reqwest::Client::new();
    let api = |p: &str| app.at(&format!("/api/v1{p}"));

    // A new token reads by default.
    let read = make_token(&app, &web, "lecture", None).await;
    let (s, me) = status_and_json(c.get(api("/me")).bearer_auth(&read).send().await.unwrap()).await;
    assert_eq!((s, me["username"].as_str()), (200, Some("iris")));
    let res = c
        .patch(api("/me"))
        .bearer_auth(&read)
        .json(&serde_json::json!({"bio": "écrit par un jeton de lecture"}))
        .send()
        .await
        .unwrap();
    let challenge = res.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(challenge.contains("insufficient_scope"), "{challenge}");
    let (s, v) = status_and_json(res).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (403, Some("insufficient_scope")),
        "{v}"
    );
    // Administrator's powers: only through an `admin` token.
    let pending = api("/admin/communities/pending");
    assert_eq!(
        c.get(&pending)
            .bearer_auth(&read)
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let write = make_token(&app, &web, "écriture", Some("write")).await;
    let res = c
        .patch(api("/me"))
        .bearer_auth(&write)
        .json(&serde_json::json!({"bio": "écrit par un jeton d’écriture"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        c.get(&pending)
            .bearer_auth(&write)
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let admin = make_token(&app, &web, "admin", Some("admin")).await;
    assert_eq!(
        c.get(&pending)
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // /metrics with an administrator's token: the admin scope only (from
    // loopback it is open anyway, so ask through a proxy header).
    let metrics = |t: &str| {
        c.get(app.at("/metrics"))
            .header("x-forwarded-for", "203.0.113.1")
            .bearer_auth(t.to_string())
            .send()
    };
    assert_eq!(metrics(&read).await.unwrap().status(), 404);
    assert_eq!(metrics(&admin).await.unwrap().status(), 200);

    // Tokens cannot make tokens, whatever their scope.
    let before = passerelles::api::tokens::list_tokens(
        &app.state.db,
        passerelles::accounts::by_username(&app.state.db, "iris")
            .await
            .unwrap()
            .unwrap()
            .id,
    )
    .await
    .unwrap()
    .len();
    for t in [&read, &write, &admin] {
        let (s, v) = status_and_json(
            c.post(api("/me/tokens"))
                .bearer_auth(t)
                .json(&serde_json::json!({"name": "enfant"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert!(
            s == 403
                && ["tokens_cannot_create_tokens", "insufficient_scope"]
                    .contains(&v["error"]["code"].as_str().unwrap_or("")),
            "{s} {v}"
        );
    }
    let (_, list) = status_and_json(
        c.get(api("/me/tokens"))
            .bearer_auth(&read)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(list.as_array().map(Vec::len), Some(before), "{list}");
    let scopes: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["scope"].as_str())
        .collect();
    assert!(scopes.contains(&"read") && scopes.contains(&"write") && scopes.contains(&"admin"));

    // A member is not offered, and cannot choose, the admin scope.
    let (member, _) = app.logged_in("jules", false).await;
    let page = member
        .get(app.at("/settings/tokens"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("value=\"read\"") && !page.contains("value=\"admin\""));
    let res = app
        .post_form(
            &member,
            "/settings/tokens",
            "/settings/tokens",
            &[("name", "x"), ("days", ""), ("scope", "admin")],
        )
        .await;
    assert_eq!(res.status(), 422);

    // The OpenAPI document says so.
    let doc: Value = c
        .get(api("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["components"]["schemas"]["Token"]["properties"]["scope"].is_object());
    let create = &doc["paths"]["/api/v1/me/tokens"]["post"];
    assert!(create["responses"]["201"].is_null() && create["responses"]["403"].is_object());
}

#[tokio::test]
async fn a_password_reset_revokes_tokens_unless_asked_to_keep_them() {
    let app = TestApp::spawn().await;
    let (web, _) = app.logged_in("lea", false).await;
    let t1 = make_token(&app, &web, "un", None).await;
    let t2 = make_token(&app, &web, "deux", None).await;
    let c = reqwest::Client::new();
    let works = |t: String| {
        let c = c.clone();
        let url = app.at("/api/v1/me");
        async move { c.get(url).bearer_auth(t).send().await.unwrap().status() == 200 }
    };
    assert!(works(t1.clone()).await && works(t2.clone()).await);

    // The reset form asks, naming how many; not keeping is the default.
    let reset = |keep: bool| {
        let app = &app;
        async move {
            let anon = app.client();
            let res = app
                .post_form(
                    &anon,
                    "/password/forgot",
                    "/password/forgot",
                    &[("email", "lea@exemple.qc.ca")],
                )
                .await;
            assert_eq!(res.status(), 200);
            let link = app.mail_link("lea@exemple.qc.ca", "/password/reset").await;
            let page = anon
                .get(app.at(&link))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let token = form_value(&page, "token").expect("token field");
            let csrf = form_value(&page, "csrf").expect("csrf");
            let mut fields = vec![
                ("csrf", csrf),
                ("token", token),
                ("password", "une toute nouvelle phrase".to_string()),
                ("confirm", "une toute nouvelle phrase".to_string()),
            ];
            if keep {
                fields.push(("keep_tokens", "1".to_string()));
            }
            let res = anon
                .post(app.at("/password/reset"))
                .form(&fields)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 303);
            page
        }
    };
    let page = reset(true).await;
    assert!(page.contains("name=\"keep_tokens\""), "the form asks");
    assert!(page.contains("Garder mes 2 jetons"), "and says how many");
    assert!(
        works(t1.clone()).await && works(t2.clone()).await,
        "kept when asked"
    );
    // (The security notice of that reset is in the way of the next link.)
    app.drain_jobs().await;
    let notice = app.sink.wait_for("lea@exemple.qc.ca").await;
    assert!(!notice.text_part().contains("/password/reset?token"));
    reset(false).await;
    assert!(!works(t1).await && !works(t2).await, "revoked by default");
}
