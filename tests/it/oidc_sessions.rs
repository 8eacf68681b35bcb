//! OpenID Connect as real relying parties found it (issue 12, items 12–18):
//! parallel refreshes within the grace window, `max_age` and `prompt=login`
//! re-authentication that keeps the session (password, second factor,
//! passkey), back-channel logout when a browser switches accounts, `amr` /
//! `acr` and `acr_values`, `prompt=select_account` / `create`, and the
//! numeric `id` of GitLab-compatible tools. Over real HTTP, on both engines.

use passerelles::oidc::clients::{self, Client, NewClient};
use reqwest::StatusCode;
use serde_json::Value;

use crate::harness::{PASSWORD, TestApp, form_value};
use crate::oidc::{
    REDIRECT, authorize, authorize_url, location, query_param, redeem, register, signed_in_code,
    token, userinfo, verify_id_token,
};

const MFA: &str = "https://refeds.org/profile/mfa";
const SFA: &str = "https://refeds.org/profile/sfa";

async fn refresh(app: &TestApp, client: &Client, secret: &str, rt: &str) -> (StatusCode, Value) {
    token(
        app,
        client,
        secret,
        &[("grant_type", "refresh_token"), ("refresh_token", rt)],
    )
    .await
}

/// Move the rotations of a grant's refresh tokens `secs` into the past.
async fn age_rotations(app: &TestApp, secs: i64) {
    sqlx::query("UPDATE oidc_tokens SET used_at = used_at - $1 WHERE used_at IS NOT NULL")
        .bind(secs)
        .execute(&app.state.db.pool)
        .await
        .expect("age");
}

/// Make a person's sessions look `secs` older (log-in and authentication).
async fn age_sessions(app: &TestApp, user_id: i64, secs: i64) {
    sqlx::query(
        "UPDATE sessions SET created_at = created_at - $1, auth_time = auth_time - $1 \
         WHERE user_id = $2",
    )
    .bind(secs)
    .bind(user_id)
    .execute(&app.state.db.pool)
    .await
    .expect("age");
}

async fn session_count(app: &TestApp, user_id: i64) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count")
}

async fn session_hashes(app: &TestApp, user_id: i64) -> Vec<String> {
    sqlx::query_scalar("SELECT id_hash FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .fetch_all(&app.state.db.pool)
        .await
        .expect("sessions")
}

async fn signed_in(app: &TestApp, browser: &reqwest::Client) -> bool {
    browser
        .get(app.at("/settings/profile"))
        .send()
        .await
        .expect("settings")
        .status()
        == StatusCode::OK
}

/// A confirmed TOTP factor for `user_id` with a known secret.
pub(crate) async fn enable_totp(app: &TestApp, user_id: i64) -> String {
    let secret = passerelles::totp::base32(&[7u8; 20]);
    let t = passerelles::db::now();
    sqlx::query(
        "INSERT INTO totp_factors (user_id, secret, confirmed_at, last_step, created_at) \
         VALUES ($1, $2, $3, 0, $3)",
    )
    .bind(user_id)
    .bind(&secret)
    .bind(t)
    .execute(&app.state.db.pool)
    .await
    .expect("totp");
    secret
}

/// A code the server will accept now (the step it last accepted forgotten,
/// since a test may need several within one 30-second step).
async fn code_now(app: &TestApp, user_id: i64, secret: &str) -> String {
    sqlx::query("UPDATE totp_factors SET last_step = 0 WHERE user_id = $1")
        .bind(user_id)
        .execute(&app.state.db.pool)
        .await
        .expect("reset step");
    passerelles::totp::code_at(secret, passerelles::db::now()).expect("code")
}

/// Answer the second-factor page with `code`; returns the response.
async fn code_step(app: &TestApp, browser: &reqwest::Client, code: &str) -> reqwest::Response {
    let html = browser
        .get(app.at("/login/second-factor"))
        .send()
        .await
        .expect("code page")
        .text()
        .await
        .expect("body");
    let csrf = form_value(&html, "csrf").expect("csrf");
    browser
        .post(app.at("/login/second-factor"))
        .form(&[("csrf", csrf.as_str()), ("code", code)])
        .send()
        .await
        .expect("code")
}

/// Log in with password then TOTP code.
pub(crate) async fn login_with_totp(
    app: &TestApp,
    browser: &reqwest::Client,
    user_id: i64,
    username: &str,
    secret: &str,
) {
    let csrf = app.csrf(browser, "/login").await;
    let res = browser
        .post(app.at("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("login", username),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(location(&res), "/login/second-factor");
    let code = code_now(app, user_id, secret).await;
    let res = code_step(app, browser, &code).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

/// Post the re-authentication form at `at` (a `/login/again?next=…` path)
/// with `password`.
async fn reauth(
    app: &TestApp,
    browser: &reqwest::Client,
    at: &str,
    password: &str,
) -> reqwest::Response {
    assert!(at.starts_with("/login/again?next="), "{at}");
    let html = browser
        .get(app.at(at))
        .send()
        .await
        .expect("reauth page")
        .text()
        .await
        .expect("body");
    let csrf = form_value(&html, "csrf").expect("csrf");
    let next = form_value(&html, "next").expect("next");
    assert!(next.starts_with("/oauth2/authorize?"), "{next}");
    browser
        .post(app.at("/login/again"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("password", password),
            ("next", next.as_str()),
        ])
        .send()
        .await
        .expect("reauth")
}

/// Follow a local redirect to the authorization endpoint and take the code.
async fn code_from(app: &TestApp, browser: &reqwest::Client, local: &str) -> String {
    assert!(local.starts_with("/oauth2/authorize?"), "{local}");
    let res = browser.get(app.at(local)).send().await.expect("authorize");
    assert_eq!(res.status(), StatusCode::FOUND, "{local}");
    query_param(&location(&res), "code").expect("code")
}

/// A tool's back-channel logout endpoint: what it receives comes out of
/// the channel.
pub(crate) async fn backchannel_sink() -> (String, tokio::sync::mpsc::UnboundedReceiver<String>) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let router = axum::Router::new().route(
        "/bcl",
        axum::routing::post(move |body: String| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(body);
                ""
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{addr}/bcl"), rx)
}

pub(crate) async fn tool_with_backchannel(
    app: &TestApp,
    name: &str,
    bcl: &str,
) -> (Client, String) {
    let (c, secret) = clients::create(
        &app.state.db,
        &NewClient {
            name: name.into(),
            redirect_uris: vec![REDIRECT.into()],
            backchannel_logout_uri: bcl.into(),
            scopes: ["openid", "profile", "offline_access"]
                .map(String::from)
                .to_vec(),
            first_party: true,
            ..Default::default()
        },
        None,
    )
    .await
    .expect("db")
    .expect("valid");
    (c, secret.expect("secret"))
}

/// The `sid` of every logout token received so far (after running jobs).
pub(crate) async fn logout_sids(
    app: &TestApp,
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<String>,
) -> Vec<String> {
    app.drain_jobs().await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let mut sids = Vec::new();
    while let Ok(body) = rx.try_recv() {
        let form: Vec<(String, String)> = serde_urlencoded::from_str(&body).expect("form");
        let claims = verify_id_token(app, &form[0].1).await;
        sids.push(claims["sid"].as_str().expect("sid").to_string());
    }
    sids
}

async fn id_of(app: &TestApp, client: &Client, secret: &str, code: &str) -> (Value, Value) {
    let (status, t) = redeem(app, client, secret, code, None).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    let id = verify_id_token(app, t["id_token"].as_str().expect("id token")).await;
    (id, t)
}

/// Play the browser at an authorization request: re-authenticate when
/// asked (password, then the TOTP code of `totp` when the account has
/// one), allow on the consent screen; the tool's redirect URL, and whether
/// a re-authentication was asked.
pub(crate) async fn sign_in_to_tool(
    app: &TestApp,
    browser: &reqwest::Client,
    url: &str,
    totp: Option<(i64, &str)>,
) -> (String, bool) {
    let res = browser.get(url).send().await.expect("authorize");
    if res.status() != StatusCode::SEE_OTHER {
        return (crate::oidc::consent_through(browser, url, res).await, false);
    }
    let to = location(&res);
    let res = reauth(app, browser, &to, PASSWORD).await;
    let mut next = location(&res);
    if next == "/login/second-factor" {
        let (user_id, secret) = totp.expect("the account has a second factor");
        let code = code_now(app, user_id, secret).await;
        next = location(&code_step(app, browser, &code).await);
    }
    let again = app.at(&next);
    (crate::oidc::authorize(browser, &again).await, true)
}

// ---- 12. concurrent refresh ------------------------------------------------------------

#[tokio::test]
async fn parallel_refreshes_within_the_grace_window_share_one_successor() {
    let app = TestApp::spawn().await;
    let (browser, _) = app.logged_in("odile", false).await;
    let (client, secret) = register(&app, "Wiki", false, true).await;
    let code = signed_in_code(&app, &browser, &client).await;
    let (_, t1) = redeem(&app, &client, &secret, &code, None).await;
    let r1 = t1["refresh_token"].as_str().expect("r1").to_string();
    // Six requests of one page load refresh at once with the same token.
    let (a, b, c, d, e, f) = tokio::join!(
        refresh(&app, &client, &secret, &r1),
        refresh(&app, &client, &secret, &r1),
        refresh(&app, &client, &secret, &r1),
        refresh(&app, &client, &secret, &r1),
        refresh(&app, &client, &secret, &r1),
        refresh(&app, &client, &secret, &r1),
    );
    let all = [a, b, c, d, e, f];
    for (status, body) in &all {
        assert_eq!(
            *status,
            StatusCode::OK,
            "every parallel refresh succeeds: {body}"
        );
    }
    let r2 = all[0].1["refresh_token"].as_str().expect("r2").to_string();
    let a2 = all[0].1["access_token"].as_str().expect("a2").to_string();
    assert_ne!(r2, r1);
    for (_, body) in &all {
        assert_eq!(body["refresh_token"], r2.as_str(), "one successor");
        assert_eq!(body["access_token"], a2.as_str(), "one access token");
        assert!(body["expires_in"].as_i64().expect("expires_in") > 3000);
        verify_id_token(&app, body["id_token"].as_str().expect("id")).await;
    }
    // Still signed in: the successor works, and rotates in turn.
    assert_eq!(userinfo(&app, &a2).await.status(), StatusCode::OK);
    let (status, t3) = refresh(&app, &client, &secret, &r2).await;
    assert_eq!(status, StatusCode::OK, "{t3}");
    let r3 = t3["refresh_token"].as_str().expect("r3").to_string();
    let a3 = t3["access_token"].as_str().expect("a3").to_string();
    // A late request with r1, still within the windows, follows the chain
    // to the live pair instead of ending the sign-in.
    let (status, late) = refresh(&app, &client, &secret, &r1).await;
    assert_eq!(status, StatusCode::OK, "{late}");
    assert_eq!(
        (
            late["refresh_token"].as_str(),
            late["access_token"].as_str()
        ),
        (Some(r3.as_str()), Some(a3.as_str()))
    );
    assert_eq!(userinfo(&app, &a3).await.status(), StatusCode::OK);

    // After the window, reuse is theft: the whole grant ends.
    age_rotations(&app, 31).await;
    let (status, body) = refresh(&app, &client, &secret, &r1).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    let (status, _) = refresh(&app, &client, &secret, &r3).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "the live token is revoked too"
    );
    assert_eq!(userinfo(&app, &a3).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_grace_window_is_configurable_and_zero_turns_it_off() {
    let app = TestApp::spawn_with(|c| c.oidc_refresh_grace_secs = 0).await;
    let (browser, _) = app.logged_in("paule", false).await;
    let (client, secret) = register(&app, "Wiki", false, true).await;
    let code = signed_in_code(&app, &browser, &client).await;
    let (_, t1) = redeem(&app, &client, &secret, &code, None).await;
    let r1 = t1["refresh_token"].as_str().expect("r1").to_string();
    let (status, t2) = refresh(&app, &client, &secret, &r1).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = refresh(&app, &client, &secret, &r1).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "no window: reuse at once");
    let (status, _) = refresh(
        &app,
        &client,
        &secret,
        t2["refresh_token"].as_str().expect("r2"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "and the grant is revoked");
    // The environment sets it too, within bounds.
    let mut cfg = passerelles::config::Config::default();
    assert_eq!(cfg.oidc_refresh_grace_secs, 30);
    cfg.apply_env(|k| (k == "PASSERELLES_OIDC_REFRESH_GRACE").then(|| "45".to_string()))
        .expect("env");
    assert_eq!(cfg.oidc_refresh_grace_secs, 45);
    assert!(
        cfg.apply_env(|k| (k == "PASSERELLES_OIDC_REFRESH_GRACE").then(|| "3600".to_string()))
            .is_err()
    );
}

// ---- 13 and 14. max_age, prompt=login, re-authentication --------------------------------

#[tokio::test]
async fn max_age_and_prompt_login_reauthenticate_in_the_same_session() {
    let app = TestApp::spawn().await;
    let (bcl, mut rx) = backchannel_sink().await;
    let (browser, user) = app.logged_in("rosalie", false).await;
    let (client, secret) = tool_with_backchannel(&app, "Nuage", &bcl).await;
    let (other, other_secret) = tool_with_backchannel(&app, "Forge", &bcl).await;
    // Signed in to two tools.
    let (first, t) = id_of(
        &app,
        &client,
        &secret,
        &signed_in_code(&app, &browser, &client).await,
    )
    .await;
    let (_, ot) = id_of(
        &app,
        &other,
        &other_secret,
        &signed_in_code(&app, &browser, &other).await,
    )
    .await;
    let sid = first["sid"].as_str().expect("sid").to_string();

    // The log-in was 45 s ago: max_age=10 asks to authenticate again
    // (it used to accept anything within 120 s).
    age_sessions(&app, user.id, 45).await;
    let url = authorize_url(&app, &client.client_id, &[("max_age", "10")]);
    let res = browser.get(&url).send().await.expect("authorize");
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "no code without re-authentication"
    );
    let to = location(&res);
    assert!(to.starts_with("/login/again?next="), "{to}");
    // max_age=3600 is still satisfied: a code at once, with the old auth_time.
    let wide = authorize_url(&app, &client.client_id, &[("max_age", "3600")]);
    let res = browser.get(&wide).send().await.expect("authorize");
    assert_eq!(res.status(), StatusCode::FOUND);
    let code = query_param(&location(&res), "code").expect("code");
    let (id, _) = id_of(&app, &client, &secret, &code).await;
    assert!(passerelles::db::now() - id["auth_time"].as_i64().expect("auth_time") >= 45);

    // The page says who is signed in; a wrong password keeps everything.
    let html = browser
        .get(app.at(&to))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(html.contains("rosalie"), "{html}");
    let res = reauth(&app, &browser, &to, "not the password").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(signed_in(&app, &browser).await);

    let before = passerelles::db::now();
    let hash_before = session_hashes(&app, user.id).await;
    let res = reauth(&app, &browser, &to, PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // The same session under a new token (renewed at every authentication).
    let hash_after = session_hashes(&app, user.id).await;
    assert_eq!(hash_after.len(), 1);
    assert_ne!(hash_after, hash_before, "the session token is renewed");
    let code = code_from(&app, &browser, &location(&res)).await;
    let (id, _) = id_of(&app, &client, &secret, &code).await;
    assert!(
        id["auth_time"].as_i64().expect("auth_time") >= before,
        "{id}"
    );
    assert_eq!(id["sid"], sid.as_str(), "the same session");
    assert_eq!(id["amr"], serde_json::json!(["pwd"]));

    // Nothing was logged out: one session, no logout token, both tools'
    // earlier tokens still refresh.
    assert_eq!(session_count(&app, user.id).await, 1);
    assert!(signed_in(&app, &browser).await);
    assert!(
        logout_sids(&app, &mut rx).await.is_empty(),
        "no back-channel logout"
    );
    let (status, _) = refresh(
        &app,
        &client,
        &secret,
        t["refresh_token"].as_str().expect("rt"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = refresh(
        &app,
        &other,
        &other_secret,
        ot["refresh_token"].as_str().expect("rt"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // prompt=login asks every time, even right after authenticating.
    let url = authorize_url(&app, &client.client_id, &[("prompt", "login")]);
    let res = browser.get(&url).send().await.expect("authorize");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = location(&res);
    let res = reauth(&app, &browser, &to, PASSWORD).await;
    let code = code_from(&app, &browser, &location(&res)).await;
    let (id, _) = id_of(&app, &client, &secret, &code).await;
    assert_eq!(id["sid"], sid.as_str());
    // prompt=none cannot re-authenticate: login_required, session kept.
    age_sessions(&app, user.id, 60).await;
    let url = authorize_url(
        &app,
        &client.client_id,
        &[("prompt", "none"), ("max_age", "5")],
    );
    let back = location(&browser.get(&url).send().await.expect("authorize"));
    assert_eq!(
        query_param(&back, "error").as_deref(),
        Some("login_required")
    );
    assert!(signed_in(&app, &browser).await);
    assert!(logout_sids(&app, &mut rx).await.is_empty());
    // Its token was renewed twice; logging out still names the session the
    // tools know (one token each for the two tools).
    let res = app
        .post_form(&browser, "/settings/profile", "/logout", &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(logout_sids(&app, &mut rx).await, [sid.clone(), sid]);
}

#[tokio::test]
async fn reauthentication_asks_for_the_second_factor_and_a_passkey_will_do() {
    let app = TestApp::spawn().await;
    let user = app.create_user("solange", false).await;
    let secret_totp = enable_totp(&app, user.id).await;
    let browser = app.client();
    login_with_totp(&app, &browser, user.id, "solange", &secret_totp).await;
    let (client, secret) = register(&app, "Nuage", false, true).await;
    let url = authorize_url(&app, &client.client_id, &[("prompt", "login")]);
    let res = browser.get(&url).send().await.expect("authorize");
    let to = location(&res);
    // The password, then the code: same session, amr says both.
    let res = reauth(&app, &browser, &to, PASSWORD).await;
    assert_eq!(location(&res), "/login/second-factor");
    let wrong = code_step(&app, &browser, "000000").await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let code = code_now(&app, user.id, &secret_totp).await;
    let res = code_step(&app, &browser, &code).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let code = code_from(&app, &browser, &location(&res)).await;
    let (id, _) = id_of(&app, &client, &secret, &code).await;
    assert_eq!(id["amr"], serde_json::json!(["pwd", "otp", "mfa"]));
    assert_eq!(id["acr"], MFA);
    assert_eq!(session_count(&app, user.id).await, 1, "no new session");

    // A passkey (with user verification) re-authenticates alone.
    let mut auth = crate::passkeys::SoftAuthenticator::new(&app.url);
    let csrf = app.csrf(&browser, "/settings/passkeys").await;
    let o: Value = browser
        .post(app.at("/settings/passkeys/options"))
        .form(&[("csrf", csrf.as_str()), ("password", PASSWORD)])
        .send()
        .await
        .expect("options")
        .json()
        .await
        .expect("json");
    let credential = auth.create(&o);
    let res = app
        .post_form(
            &browser,
            "/settings/passkeys",
            "/settings/passkeys/add",
            &[
                ("name", "Clé"),
                ("password", PASSWORD),
                ("credential", &credential),
            ],
        )
        .await;
    assert!(
        res.status().is_redirection() || res.status().is_success(),
        "{}",
        res.status()
    );
    let res = browser.get(&url).send().await.expect("authorize");
    let to = location(&res);
    let html = browser
        .get(app.at(&to))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(
        html.contains("/login/again/passkey"),
        "the passkey form is offered"
    );
    let next = form_value(&html, "next").expect("next");
    let csrf = form_value(&html, "csrf").expect("csrf");
    let o: Value = browser
        .post(app.at("/login/again/passkey/options"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .expect("options")
        .json()
        .await
        .expect("json");
    assert_eq!(o["publicKey"]["userVerification"], "required");
    // Without user verification: refused, back to the page.
    let res = browser
        .post(app.at("/login/again/passkey"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("next", next.as_str()),
            ("credential", &auth.get(&o, false)),
        ])
        .send()
        .await
        .expect("passkey");
    assert!(
        location(&res).starts_with("/login/again"),
        "{}",
        location(&res)
    );
    let o: Value = browser
        .post(app.at("/login/again/passkey/options"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .expect("options")
        .json()
        .await
        .expect("json");
    let res = browser
        .post(app.at("/login/again/passkey"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("next", next.as_str()),
            ("credential", &auth.get(&o, true)),
        ])
        .send()
        .await
        .expect("passkey");
    let code = code_from(&app, &browser, &location(&res)).await;
    let (id, _) = id_of(&app, &client, &secret, &code).await;
    assert_eq!(
        id["amr"],
        serde_json::json!(["hwk", "mfa"]),
        "a device-bound key"
    );
    assert_eq!(session_count(&app, user.id).await, 1);

    // Last (it ends the session, and the browser forgets a cookie the
    // server no longer knows):
    // A re-authentication step finishes only in the session it came from:
    // if that session ended meanwhile, the right code opens nothing.
    let res = browser.get(&url).send().await.expect("authorize");
    let res = reauth(&app, &browser, &location(&res), PASSWORD).await;
    assert_eq!(location(&res), "/login/second-factor");
    let html = browser
        .get(app.at("/login/second-factor"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    let csrf = form_value(&html, "csrf").expect("csrf");
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user.id)
        .execute(&app.state.db.pool)
        .await
        .expect("end sessions");
    let code = code_now(&app, user.id, &secret_totp).await;
    let res = browser
        .post(app.at("/login/second-factor"))
        .form(&[("csrf", csrf.as_str()), ("code", code.as_str())])
        .send()
        .await
        .expect("code");
    // (the anonymous CSRF check may refuse first; either way, no session)
    assert!(
        res.status() == StatusCode::FORBIDDEN || location(&res) == "/login",
        "{}",
        res.status()
    );
    assert_eq!(
        session_count(&app, user.id).await,
        0,
        "no session was started"
    );
}

// ---- 15. switching accounts --------------------------------------------------------------

#[tokio::test]
async fn switching_accounts_logs_the_old_one_out_of_its_tools() {
    let app = TestApp::spawn().await;
    let (bcl, mut rx) = backchannel_sink().await;
    let (client, secret) = tool_with_backchannel(&app, "Clavardage", &bcl).await;
    let (browser, _) = app.logged_in("tania", false).await;
    app.create_user("ulric", false).await;
    let (id, _) = id_of(
        &app,
        &client,
        &secret,
        &signed_in_code(&app, &browser, &client).await,
    )
    .await;
    let old_sid = id["sid"].as_str().expect("sid").to_string();
    // Same browser, another account (a second tab's log-in form).
    let csrf = app.csrf(&browser, "/settings/profile").await;
    let res = browser
        .post(app.at("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("login", "ulric"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        logout_sids(&app, &mut rx).await,
        [old_sid.clone()],
        "the old session's tool hears of its end"
    );
    let (id2, _) = id_of(
        &app,
        &client,
        &secret,
        &signed_in_code(&app, &browser, &client).await,
    )
    .await;
    assert_ne!(id2["sub"], id["sub"]);

    // "Use another account" from the account choice ends the session too.
    let sid2 = id2["sid"].as_str().expect("sid").to_string();
    let url = authorize_url(&app, &client.client_id, &[("prompt", "select_account")]);
    let html = browser
        .get(&url)
        .send()
        .await
        .expect("choice")
        .text()
        .await
        .expect("body");
    let next = form_value(&html, "next").expect("next");
    let csrf = form_value(&html, "csrf").expect("csrf");
    let res = browser
        .post(app.at("/login/switch"))
        .form(&[("csrf", csrf.as_str()), ("next", next.as_str())])
        .send()
        .await
        .expect("switch");
    let to = location(&res);
    assert!(to.starts_with("/login?next=%2Foauth2%2Fauthorize"), "{to}");
    assert!(!to.contains("select_account"), "the choice is made: {to}");
    assert!(!signed_in(&app, &browser).await);
    assert_eq!(logout_sids(&app, &mut rx).await, [sid2]);
}

// ---- 16. amr, acr, acr_values -------------------------------------------------------------

#[tokio::test]
async fn amr_and_acr_tell_how_the_person_signed_in_and_acr_values_can_require_a_second_factor() {
    let app = TestApp::spawn().await;
    let discovery: Value = reqwest::get(app.at("/.well-known/openid-configuration"))
        .await
        .expect("discovery")
        .json()
        .await
        .expect("json");
    assert_eq!(
        discovery["acr_values_supported"],
        serde_json::json!([MFA, SFA])
    );
    for claim in ["amr", "acr", "auth_time"] {
        assert!(
            discovery["claims_supported"]
                .as_array()
                .expect("claims")
                .iter()
                .any(|c| c == claim),
            "{claim}"
        );
    }
    let (client, secret) = register(&app, "Nuage", false, true).await;

    // A password alone.
    let (browser, plain) = app.logged_in("victor", false).await;
    let (id, _) = id_of(
        &app,
        &client,
        &secret,
        &signed_in_code(&app, &browser, &client).await,
    )
    .await;
    assert_eq!(
        (id["amr"].clone(), id["acr"].clone()),
        (serde_json::json!(["pwd"]), Value::from(SFA))
    );
    // A tool requiring a second factor of an account that has none: told
    // how to add one (and come back), never handed a code.
    let want_mfa = authorize_url(&app, &client.client_id, &[("acr_values", MFA)]);
    let res = browser.get(&want_mfa).send().await.expect("authorize");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let html = res.text().await.expect("body");
    assert!(
        html.contains("/settings/security?next=%2Foauth2%2Fauthorize"),
        "{html}"
    );
    assert!(html.contains("error=unmet_authentication_requirements"));
    let none = authorize_url(
        &app,
        &client.client_id,
        &[("acr_values", MFA), ("prompt", "none")],
    );
    let back = location(&browser.get(&none).send().await.expect("authorize"));
    assert_eq!(
        query_param(&back, "error").as_deref(),
        Some("unmet_authentication_requirements")
    );
    // SFA (or either) is met by a password.
    let either = authorize_url(
        &app,
        &client.client_id,
        &[("acr_values", &format!("{MFA} {SFA}"))],
    );
    assert!(authorize(&browser, &either).await.contains("code="));

    // Once the account has a second factor, the same request asks for it
    // in the same session, and the tool gets MFA.
    let secret_totp = enable_totp(&app, plain.id).await;
    let res = browser.get(&want_mfa).send().await.expect("authorize");
    let to = location(&res);
    assert!(to.starts_with("/login/again?next="), "{to}");
    let res = reauth(&app, &browser, &to, PASSWORD).await;
    assert_eq!(location(&res), "/login/second-factor");
    let code = code_now(&app, plain.id, &secret_totp).await;
    let res = code_step(&app, &browser, &code).await;
    let code = code_from(&app, &browser, &location(&res)).await;
    let (id, t) = id_of(&app, &client, &secret, &code).await;
    assert_eq!(id["amr"], serde_json::json!(["pwd", "otp", "mfa"]));
    assert_eq!(id["acr"], MFA);
    // A refresh says the same.
    let (_, r) = refresh(
        &app,
        &client,
        &secret,
        t["refresh_token"].as_str().expect("rt"),
    )
    .await;
    let id = verify_id_token(&app, r["id_token"].as_str().expect("id")).await;
    assert_eq!(
        (id["amr"].clone(), id["acr"].clone()),
        (serde_json::json!(["pwd", "otp", "mfa"]), Value::from(MFA))
    );
    // Now met without asking again.
    assert!(authorize(&browser, &want_mfa).await.contains("code="));

    // A log-in with password and code is MFA from the start.
    let other = app.create_user("wanda", false).await;
    let s = enable_totp(&app, other.id).await;
    let b2 = app.client();
    login_with_totp(&app, &b2, other.id, "wanda", &s).await;
    let (id, _) = id_of(
        &app,
        &client,
        &secret,
        &code_from(&app, &b2, want_mfa.trim_start_matches(&app.url)).await,
    )
    .await;
    assert_eq!(id["amr"], serde_json::json!(["pwd", "otp", "mfa"]));
}

// ---- 17. prompt values ---------------------------------------------------------------------

#[tokio::test]
async fn select_account_shows_the_account_and_unknown_prompts_are_refused() {
    let app = TestApp::spawn().await;
    let (client, secret) = register(&app, "Agenda", false, true).await;
    let (browser, user) = app.logged_in("xavier", false).await;
    let url = authorize_url(&app, &client.client_id, &[("prompt", "select_account")]);
    let res = browser.get(&url).send().await.expect("choice");
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "an account choice, not invalid_request"
    );
    let html = res.text().await.expect("body");
    assert!(html.contains("xavier") && html.contains("Agenda"), "{html}");
    let go_on = html
        .split("id=\"continue-as\" href=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .map(crate::harness::html_unescape)
        .expect("continue link");
    assert!(!go_on.contains("select_account"), "{go_on}");
    let code = code_from(&app, &browser, &go_on).await;
    let (id, _) = id_of(&app, &client, &secret, &code).await;
    assert_eq!(id["sub"], user.id.to_string());
    // With prompt=login too, continuing re-authenticates first.
    let url = authorize_url(
        &app,
        &client.client_id,
        &[("prompt", "select_account login")],
    );
    let html = browser
        .get(&url)
        .send()
        .await
        .expect("choice")
        .text()
        .await
        .expect("body");
    assert!(html.contains("href=\"/login/again?next="), "{html}");
    // Anonymous: the log-in page, then the request without the choice.
    let anon = app.client();
    let res = anon.get(&url).send().await.expect("authorize");
    let to = location(&res);
    assert!(to.starts_with("/login?next="), "{to}");
    assert!(
        !to.contains("select_account")
            && !to.contains("login%2B")
            && !to.contains("prompt%3Dlogin"),
        "{to}"
    );
    // prompt=create sends a visitor to sign up, coming back afterwards.
    let url = authorize_url(&app, &client.client_id, &[("prompt", "create")]);
    let to = location(&anon.get(&url).send().await.expect("authorize"));
    assert!(to.starts_with("/signup?next=%2Foauth2%2Fauthorize"), "{to}");
    // prompt=none combined with anything, or an unknown value: invalid_request.
    for prompt in ["none select_account", "none login", "bogus"] {
        let url = authorize_url(&app, &client.client_id, &[("prompt", prompt)]);
        let back = location(&browser.get(&url).send().await.expect("authorize"));
        assert_eq!(
            query_param(&back, "error").as_deref(),
            Some("invalid_request"),
            "{prompt}"
        );
    }
    let discovery: Value = reqwest::get(app.at("/.well-known/openid-configuration"))
        .await
        .expect("discovery")
        .json()
        .await
        .expect("json");
    assert_eq!(
        discovery["prompt_values_supported"],
        serde_json::json!(["none", "login", "consent", "select_account", "create"])
    );
}

// ---- 18. GitLab-compatible tools (Mattermost) ----------------------------------------------

#[tokio::test]
async fn gitlab_compatible_tools_get_a_numeric_id_in_userinfo() {
    let app = TestApp::spawn().await;
    let (browser, user) = app.logged_in("yvette", false).await;
    let (admin, _) = app.logged_in("zoe", true).await;
    // Registered from the administration page with the flag.
    let csrf = app.csrf(&admin, "/admin/oidc").await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .text("name", "Mattermost")
        .text(
            "redirect_uris",
            "https://chat.example.org/signup/gitlab/complete",
        )
        .text("kind", "confidential")
        .text("scopes", "profile")
        .text("scopes", "email")
        .text("alg", "RS256")
        .text("audience", "instance")
        .text("gitlab_compat", "1");
    let res = admin
        .post(app.at("/admin/oidc"))
        .multipart(form)
        .send()
        .await
        .expect("register");
    assert_eq!(res.status(), StatusCode::CREATED);
    let mm = clients::list(&app.state.db)
        .await
        .expect("db")
        .into_iter()
        .find(|c| c.name == "Mattermost")
        .expect("registered");
    assert!(mm.gitlab_compat);
    let html = admin
        .get(app.at("/admin/oidc"))
        .send()
        .await
        .expect("list")
        .text()
        .await
        .expect("body");
    assert!(html.contains("GitLab"), "the registry shows the flag");

    // The same flow as the tool: userinfo has `id`, a JSON number.
    sqlx::query("UPDATE oidc_clients SET redirect_uris = $1, first_party = 1 WHERE id = $2")
        .bind(REDIRECT)
        .bind(mm.id)
        .execute(&app.state.db.pool)
        .await
        .expect("redirect");
    let secret = "s3cret-for-the-test-only-0123456789";
    sqlx::query("UPDATE oidc_clients SET secret_hash = $1 WHERE id = $2")
        .bind(passerelles::accounts::hash_token(secret))
        .bind(mm.id)
        .execute(&app.state.db.pool)
        .await
        .expect("secret");
    let mm = clients::by_id(&app.state.db, mm.id)
        .await
        .expect("db")
        .expect("client");
    // (scopes it may not have — groups, offline_access — are dropped)
    let url = authorize_url(&app, &mm.client_id, &[]);
    let back = authorize(&browser, &url).await;
    let code = query_param(&back, "code").expect("code");
    let (_, t) = id_of(&app, &mm, secret, &code).await;
    let info: Value = userinfo(&app, t["access_token"].as_str().expect("at"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(info["id"], serde_json::json!(user.id), "{info}");
    assert!(info["id"].is_i64());
    assert_eq!(info["username"], "yvette");
    assert_eq!(info["email"], "yvette@exemple.qc.ca");
    assert_eq!(info["sub"], user.id.to_string());

    // Other tools do not get it.
    let (plain, plain_secret) = register(&app, "Wiki", false, true).await;
    let (_, t) = id_of(
        &app,
        &plain,
        &plain_secret,
        &signed_in_code(&app, &browser, &plain).await,
    )
    .await;
    let info: Value = userinfo(&app, t["access_token"].as_str().expect("at"))
        .await
        .json()
        .await
        .expect("json");
    assert!(info.get("id").is_none(), "{info}");

    // The edit page turns it off.
    let csrf = app
        .csrf(&admin, &format!("/admin/oidc/tool/{}", mm.client_id))
        .await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .text("name", "Mattermost")
        .text("alg", "RS256")
        .text("audience", "instance");
    let res = admin
        .post(app.at(&format!("/admin/oidc/tool/{}", mm.client_id)))
        .multipart(form)
        .send()
        .await
        .expect("edit");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        !clients::by_id(&app.state.db, mm.id)
            .await
            .expect("db")
            .expect("c")
            .gitlab_compat
    );

    // And the command line registers with it.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_passerelles"))
        .args(["--data-dir", app.data_dir.to_str().expect("path")])
        .args([
            "--database-url",
            &app.state.config.database_url(),
            "admin",
            "oidc-client",
            "add",
        ])
        .args([
            "--name",
            "Mattermost CLI",
            "--redirect-uri",
            REDIRECT,
            "--gitlab-compat",
        ])
        .env("PASSERELLES_LOG", "error")
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let c = clients::list(&app.state.db)
        .await
        .expect("db")
        .into_iter()
        .find(|c| c.name == "Mattermost CLI")
        .expect("registered");
    assert!(c.gitlab_compat);
}
