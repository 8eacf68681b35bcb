//! Strong sign-in over real HTTP: turning TOTP on with a first code,
//! the code asked after the password (replays refused, one step of clock
//! skew allowed), recovery codes (once each), turning it off, and the
//! `next` page (e.g. a tool's authorization request) carried through.

use passerelles::totp;
use reqwest::StatusCode;

use crate::harness::{PASSWORD, TestApp, form_value};

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let i = html.find(start).unwrap_or_else(|| panic!("no {start}")) + start.len();
    &html[i..i + html[i..].find(end).expect("end")]
}

/// Log in with the password; returns the answer (a redirect to the code
/// page when a second factor is on).
async fn password_step(app: &TestApp, client: &reqwest::Client, next: &str) -> reqwest::Response {
    let csrf = app.csrf(client, "/login").await;
    client
        .post(app.at("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("login", "maude"),
            ("password", PASSWORD),
            ("next", next),
        ])
        .send()
        .await
        .expect("login")
}

async fn code_step(app: &TestApp, client: &reqwest::Client, code: &str) -> reqwest::Response {
    let html = client
        .get(app.at("/login/second-factor"))
        .send()
        .await
        .expect("code page")
        .text()
        .await
        .expect("body");
    let csrf = form_value(&html, "csrf").expect("csrf");
    client
        .post(app.at("/login/second-factor"))
        .form(&[("csrf", csrf.as_str()), ("code", code)])
        .send()
        .await
        .expect("code")
}

async fn signed_in(app: &TestApp, client: &reqwest::Client) -> bool {
    client
        .get(app.at("/settings/profile"))
        .send()
        .await
        .expect("settings")
        .status()
        == StatusCode::OK
}

#[tokio::test]
async fn totp_second_factor_with_recovery_codes() {
    let app = TestApp::spawn().await;
    let (me, user) = app.logged_in("maude", false).await;

    // Turn it on: a secret to copy, then a first code proves the app has it.
    let res = app
        .post_form(&me, "/settings/security", "/settings/security/begin", &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = me
        .get(app.at("/settings/security"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    let secret = between(&html, "id=\"totp-secret\">", "<").to_string();
    // A QR code of the address, inline (no third-party request).
    let qr = between(
        &html,
        "id=\"totp-qr\" src=\"data:image/svg+xml;base64,",
        "\"",
    );
    use base64::Engine;
    let svg = base64::engine::general_purpose::STANDARD
        .decode(qr)
        .expect("base64");
    assert!(String::from_utf8_lossy(&svg).contains("<svg"));
    let uri = crate::harness::html_unescape(between(&html, "id=\"totp-uri\">", "<"));
    assert!(uri.starts_with("otpauth://totp/") && uri.contains(&format!("secret={secret}")));
    let res = app
        .post_form(
            &me,
            "/settings/security",
            "/settings/security/confirm",
            &[("code", "000000")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let now = passerelles::db::now();
    let first = totp::code_at(&secret, now).expect("code");
    let res = app
        .post_form(
            &me,
            "/settings/security",
            "/settings/security/confirm",
            &[("code", first.as_str())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.expect("body");
    let list = between(&html, "id=\"recovery-codes\">", "</ul>");
    let recovery: Vec<String> = list
        .split("<code>")
        .skip(1)
        .map(|c| c[..c.find('<').expect("end")].to_string())
        .collect();
    assert_eq!(recovery.len(), totp::RECOVERY_CODES);
    assert!(totp::is_enabled(&app.state.db, user.id).await.expect("db"));

    // The password alone no longer opens a session; `next` is kept.
    let phone = app.client();
    let res = password_step(&app, &phone, "/settings/tools").await;
    assert_eq!(location(&res), "/login/second-factor");
    assert!(!signed_in(&app, &phone).await);
    // Wrong code; the code already used to turn it on (replay).
    assert_eq!(
        code_step(&app, &phone, "123456").await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        code_step(&app, &phone, &first).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert!(!signed_in(&app, &phone).await);
    // The next code (one step of skew allowed) opens the session at `next`.
    let next_code = totp::code_at(&secret, now + totp::STEP).expect("code");
    let res = code_step(&app, &phone, &next_code).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/settings/tools");
    assert!(signed_in(&app, &phone).await);
    // Without a password step, the code page sends back to the log-in.
    let stranger = app.client();
    let res = stranger
        .get(app.at("/login/second-factor"))
        .send()
        .await
        .expect("code page");
    assert_eq!(location(&res), "/login");

    // A recovery code works once.
    let laptop = app.client();
    password_step(&app, &laptop, "").await;
    let res = code_step(&app, &laptop, &recovery[0].to_uppercase()).await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "case and dashes are forgiven"
    );
    assert!(signed_in(&app, &laptop).await);
    let tablet = app.client();
    password_step(&app, &tablet, "").await;
    assert_eq!(
        code_step(&app, &tablet, &recovery[0]).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let html = me
        .get(app.at("/settings/security"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(
        html.contains(&format!(
            "Il vous reste {} codes de récupération",
            totp::RECOVERY_CODES - 1
        )),
        "one recovery code used"
    );

    // Turning it off takes a code, not just the session.
    let res = app
        .post_form(
            &me,
            "/settings/security",
            "/settings/security/disable",
            &[("code", "000000")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = app
        .post_form(
            &me,
            "/settings/security",
            "/settings/security/disable",
            &[("code", recovery[1].as_str())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(!totp::is_enabled(&app.state.db, user.id).await.expect("db"));
    let watch = app.client();
    let res = password_step(&app, &watch, "").await;
    assert_eq!(location(&res), "/", "password alone again");
}

/// Turn TOTP on through the settings pages; returns the secret.
async fn enrol(app: &TestApp, client: &reqwest::Client) -> String {
    let res = app
        .post_form(
            client,
            "/settings/security",
            "/settings/security/begin",
            &[],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = client
        .get(app.at("/settings/security"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    let secret = between(&html, "id=\"totp-secret\">", "<").to_string();
    let code = totp::code_at(&secret, passerelles::db::now()).expect("code");
    let res = app
        .post_form(
            client,
            "/settings/security",
            "/settings/security/confirm",
            &[("code", code.as_str())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    secret
}

async fn admin_settings(
    app: &TestApp,
    client: &reqwest::Client,
    require: bool,
) -> reqwest::Response {
    let mut fields = vec![("name", "Passerelles"), ("registration_mode", "open")];
    if require {
        fields.push(("require_admin_second_factor", "1"));
    }
    app.post_form(client, "/admin/settings", "/admin/settings", &fields)
        .await
}

async fn status_of(client: &reqwest::Client, url: String) -> (StatusCode, String) {
    let res = client.get(url).send().await.expect("get");
    (res.status(), location(&res))
}

#[tokio::test]
async fn administrators_can_be_required_to_have_a_second_factor() {
    let app = TestApp::spawn().await;
    let (alice, alice_u) = app.logged_in("alice", true).await;
    let bob_u = app.create_user("bob", true).await;
    let required = || async {
        passerelles::settings::admin_second_factor_required(&app.state.db)
            .await
            .expect("db")
    };

    // Turning it on without a second factor of one's own is refused (it
    // would lock the administrator out), with a message on the field.
    let res = admin_settings(&app, &alice, true).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.expect("body");
    assert!(html.contains("id=\"f-require_admin_second_factor-error\""));
    assert!(html.contains("Activez d’abord votre propre deuxième facteur"));
    assert!(
        html.contains("value=\"Passerelles\""),
        "what was typed is kept"
    );
    assert!(!required().await);

    // With one, it is turned on; Alice keeps administering.
    enrol(&app, &alice).await;
    assert!(
        passerelles::totp::has_second_factor(&app.state.db, alice_u.id)
            .await
            .expect("db")
    );
    let res = admin_settings(&app, &alice, true).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(required().await);
    assert_eq!(status_of(&alice, app.at("/admin")).await.0, StatusCode::OK);

    // Bob, an administrator without one, is sent to enrolment on signing in…
    let bob = app.client();
    let csrf = app.csrf(&bob, "/login").await;
    let res = bob
        .post(app.at("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("login", "bob"),
            ("password", PASSWORD),
            ("next", "/admin"),
        ])
        .send()
        .await
        .expect("login");
    // (with the page asked for, to come back to once enrolled)
    assert_eq!(location(&res), "/settings/security?next=%2Fadmin");
    let html = bob
        .get(app.at("/settings/security?next=%2Fadmin"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(
        html.contains("exige un deuxième facteur des administrateurs"),
        "the reason is said"
    );
    // …cannot use the administration area (any page of it)…
    for path in [
        "/admin",
        "/admin/oidc",
        "/admin/settings",
        "/admin/communities",
    ] {
        assert_eq!(
            status_of(&bob, app.at(path)).await,
            (
                StatusCode::SEE_OTHER,
                format!("/settings/security?next={}", path.replace('/', "%2F"))
            ),
            "{path}"
        );
    }
    let csrf = app.csrf(&bob, "/tools").await;
    let res = bob
        .post(app.at("/admin/users/1/suspend"))
        .form(&[("csrf", csrf.as_str()), ("reason", "x")])
        .send()
        .await
        .expect("post");
    assert_eq!(location(&res), "/settings/security");
    // …nor the administrators' API actions; everything else works.
    let token = |u: &passerelles::accounts::User| {
        let db = app.state.db.clone();
        let id = u.id;
        async move {
            passerelles::api::tokens::create_token(&db, id, "tests", None)
                .await
                .expect("token")
                .1
        }
    };
    let (bob_token, alice_token) = (token(&bob_u).await, token(&alice_u).await);
    let api = |t: String| {
        let req = app
            .client()
            .get(app.at("/api/v1/admin/communities/pending"))
            .bearer_auth(t);
        async move { req.send().await.expect("api").status() }
    };
    assert_eq!(api(bob_token.clone()).await, StatusCode::FORBIDDEN);
    assert_eq!(api(alice_token.clone()).await, StatusCode::OK);
    assert_eq!(status_of(&bob, app.at("/tools")).await.0, StatusCode::OK);

    // Once enrolled, Bob administers again, on every channel, and is led
    // back to the page he asked for (a foreign `next` is never a link).
    let res = app
        .post_form(
            &bob,
            "/settings/security?next=%2Fadmin",
            "/settings/security/begin",
            &[("next", "/admin/settings")],
        )
        .await;
    assert_eq!(
        location(&res),
        "/settings/security?next=%2Fadmin%2Fsettings"
    );
    let html = bob
        .get(app.at("/settings/security?next=https%3A%2F%2Fevil.example%2F"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(!html.contains("evil.example"), "a foreign next is dropped");
    let secret = between(&html, "id=\"totp-secret\">", "<").to_string();
    let code = totp::code_at(&secret, passerelles::db::now()).expect("code");
    let res = app
        .post_form(
            &bob,
            "/settings/security",
            "/settings/security/confirm",
            &[("code", code.as_str()), ("next", "/admin/settings")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.expect("body");
    assert!(
        html.contains("id=\"continue-next\" href=\"/admin/settings\""),
        "the recovery codes page leads back"
    );
    assert_eq!(status_of(&bob, app.at("/admin")).await.0, StatusCode::OK);
    assert_eq!(api(bob_token).await, StatusCode::OK);

    // Turned off again: an administrator without one administers.
    let carol = app.client();
    app.create_user("carol", true).await;
    app.login(&carol, "carol", PASSWORD).await;
    assert_eq!(
        status_of(&carol, app.at("/admin")).await.0,
        StatusCode::SEE_OTHER
    );
    let res = admin_settings(&app, &alice, false).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(!required().await);
    assert_eq!(status_of(&carol, app.at("/admin")).await.0, StatusCode::OK);
}
