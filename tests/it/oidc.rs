//! OpenID Connect provider over real HTTP: the whole code flow (log-in,
//! consent, token, userinfo, refresh, introspection, revocation, logout)
//! and each pitfall from the research notes — wrong redirect, missing or
//! `plain` PKCE, replayed code, refresh-token reuse, tampered or expired
//! tokens, unknown key id, cross-client use. `rp_libraries` runs real
//! relying-party libraries (openid-client from npm, authlib from PyPI).

use passerelles::oidc::clients::{self, Client, NewClient};
use passerelles::oidc::jws::Alg;
use passerelles::oidc::{flow, jws, keys};
use reqwest::StatusCode;
use serde_json::Value;

use crate::harness::{PASSWORD, TestApp, html_unescape};

pub(crate) const REDIRECT: &str = "http://127.0.0.1:9/cb";
pub(crate) const AFTER_LOGOUT: &str = "http://127.0.0.1:9/bye";
/// A PKCE verifier and its S256 challenge (computed independently).
const VERIFIER: &str = "dBjftJeZ4CVP-mJ92IQJQ7AbaWzi-t4Ma3hLuEgLfY3Fzb7";
const CHALLENGE: &str = "N1R0_DUZK7T-QiztH6oQLvzXc9nPGCI3Gty9p6AziHI";

pub(crate) fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

pub(crate) fn query_param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

pub(crate) async fn register(
    app: &TestApp,
    name: &str,
    public: bool,
    first_party: bool,
) -> (Client, String) {
    let (c, secret) = clients::create(
        &app.state.db,
        &NewClient {
            name: name.into(),
            redirect_uris: vec![REDIRECT.into()],
            post_logout_redirect_uris: vec![AFTER_LOGOUT.into()],
            is_public: public,
            first_party,
            scopes: ["openid", "profile", "email", "groups", "offline_access"]
                .map(String::from)
                .to_vec(),
            ..Default::default()
        },
        None,
    )
    .await
    .expect("db")
    .expect("valid client");
    (c, secret.unwrap_or_default())
}

/// Register a tool signing its ID tokens with `alg`, shown to the members
/// of `communities` (ids; none: instance-wide).
async fn register_with(
    app: &TestApp,
    name: &str,
    alg: Alg,
    communities: Vec<i64>,
    home_url: &str,
) -> (Client, String) {
    let (c, secret) = clients::create(
        &app.state.db,
        &NewClient {
            name: name.into(),
            home_url: home_url.into(),
            redirect_uris: vec![REDIRECT.into()],
            post_logout_redirect_uris: vec![AFTER_LOGOUT.into()],
            first_party: true,
            scopes: ["openid", "profile", "email", "groups", "offline_access"]
                .map(String::from)
                .to_vec(),
            alg: alg.as_str().into(),
            communities,
            ..Default::default()
        },
        None,
    )
    .await
    .expect("db")
    .expect("valid client");
    (c, secret.unwrap_or_default())
}

/// Post the registry's form (multipart, like the browser: it carries a
/// file) with the CSRF token of /admin/oidc; `icon` is (bytes, file name).
async fn admin_register(
    app: &TestApp,
    admin: &reqwest::Client,
    fields: &[(&str, &str)],
    icon: Option<(Vec<u8>, &str)>,
) -> reqwest::Response {
    let csrf = app.csrf(admin, "/admin/oidc").await;
    let mut form = reqwest::multipart::Form::new().text("csrf", csrf);
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    if let Some((bytes, name)) = icon {
        form = form.part(
            "icon",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
    }
    admin
        .post(app.at("/admin/oidc"))
        .multipart(form)
        .send()
        .await
        .expect("register")
}

pub(crate) fn authorize_url(app: &TestApp, client_id: &str, extra: &[(&str, &str)]) -> String {
    let mut u = url::Url::parse(&app.at("/oauth2/authorize")).expect("url");
    {
        let mut q = u.query_pairs_mut();
        q.append_pair("client_id", client_id)
            .append_pair("redirect_uri", REDIRECT)
            .append_pair("response_type", "code")
            .append_pair("scope", "openid profile email groups offline_access")
            .append_pair("state", "st-123")
            .append_pair("nonce", "n-456");
        for (k, v) in extra {
            q.append_pair(k, v);
        }
    }
    u.to_string()
}

/// Hidden fields of the first form posting to `action`.
pub(crate) fn hidden_fields(html: &str, action: &str) -> Vec<(String, String)> {
    let start = html
        .find(&format!("action=\"{action}\""))
        .unwrap_or_else(|| panic!("no form to {action}"));
    let form = &html[start..start + html[start..].find("</form>").expect("form end")];
    let mut out = Vec::new();
    let mut rest = form;
    while let Some(i) = rest.find("<input type=\"hidden\" name=\"") {
        rest = &rest[i + 27..];
        let name_end = rest.find('"').expect("name end");
        let name = rest[..name_end].to_string();
        let vstart = rest.find("value=\"").expect("value") + 7;
        let vend = vstart + rest[vstart..].find('"').expect("value end");
        out.push((name, html_unescape(&rest[vstart..vend])));
        rest = &rest[vend..];
    }
    out
}

/// Follow an authorization request as a signed-in browser: allow on the
/// consent screen when it shows; return the tool's redirect URL.
pub(crate) async fn authorize(browser: &reqwest::Client, url: &str) -> String {
    let res = browser.get(url).send().await.expect("authorize");
    consent_through(browser, url, res).await
}

/// The authorization endpoint's answer `res` to `url`: the redirect to the
/// tool, or the consent screen, allowed.
pub(crate) async fn consent_through(
    browser: &reqwest::Client,
    url: &str,
    res: reqwest::Response,
) -> String {
    if res.status() == StatusCode::FOUND {
        return location(&res);
    }
    assert_eq!(res.status(), StatusCode::OK, "consent page expected");
    let html = res.text().await.expect("body");
    let mut fields = hidden_fields(&html, "/oauth2/consent");
    fields.push(("decision".into(), "allow".into()));
    let base = url.split("/oauth2/").next().expect("base");
    let res = browser
        .post(format!("{base}/oauth2/consent"))
        .form(&fields)
        .send()
        .await
        .expect("consent");
    assert_eq!(
        res.status(),
        StatusCode::FOUND,
        "consent redirects to the tool"
    );
    location(&res)
}

pub(crate) async fn token(
    app: &TestApp,
    client: &Client,
    secret: &str,
    form: &[(&str, &str)],
) -> (StatusCode, Value) {
    let http = reqwest::Client::new();
    let mut req = http.post(app.at("/oauth2/token")).form(form);
    if client.is_public {
        let mut all = form.to_vec();
        all.push(("client_id", &client.client_id));
        req = http.post(app.at("/oauth2/token")).form(&all);
    } else {
        req = req.basic_auth(&client.client_id, Some(secret));
    }
    let res = req.send().await.expect("token");
    let status = res.status();
    if status == StatusCode::OK {
        assert_eq!(
            res.headers()
                .get("cache-control")
                .and_then(|v| v.to_str().ok()),
            Some("no-store")
        );
    }
    (status, res.json().await.expect("json"))
}

pub(crate) async fn redeem(
    app: &TestApp,
    client: &Client,
    secret: &str,
    code: &str,
    verifier: Option<&str>,
) -> (StatusCode, Value) {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
    ];
    if let Some(v) = verifier {
        form.push(("code_verifier", v));
    }
    token(app, client, secret, &form).await
}

pub(crate) async fn userinfo(app: &TestApp, access: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(app.at("/oauth2/userinfo"))
        .bearer_auth(access)
        .send()
        .await
        .expect("userinfo")
}

/// Verify an ID token against the published JWKS (signature, then claims).
pub(crate) async fn verify_id_token(app: &TestApp, token: &str) -> Value {
    let jwks: Value = reqwest::get(app.at("/oauth2/jwks"))
        .await
        .expect("jwks")
        .json()
        .await
        .expect("json");
    let u = jws::parse(token).expect("compact JWS");
    let key = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["kid"] == u.kid.as_str())
        .expect("the signing key is published");
    u.verify(key["n"].as_str().expect("n"), key["e"].as_str().expect("e"))
        .expect("valid signature")
}

pub(crate) async fn signed_in_code(
    app: &TestApp,
    browser: &reqwest::Client,
    client: &Client,
) -> String {
    let back = authorize(browser, &authorize_url(app, &client.client_id, &[])).await;
    assert!(back.starts_with(REDIRECT), "{back}");
    assert_eq!(query_param(&back, "state").as_deref(), Some("st-123"));
    query_param(&back, "code").expect("code")
}

#[tokio::test]
async fn discovery_and_jwks() {
    let app = TestApp::spawn().await;
    let d: Value = reqwest::get(app.at("/.well-known/openid-configuration"))
        .await
        .expect("discovery")
        .json()
        .await
        .expect("json");
    assert_eq!(d["issuer"], app.url.as_str());
    for (k, path) in [
        ("authorization_endpoint", "/oauth2/authorize"),
        ("token_endpoint", "/oauth2/token"),
        ("userinfo_endpoint", "/oauth2/userinfo"),
        ("jwks_uri", "/oauth2/jwks"),
        ("end_session_endpoint", "/oauth2/logout"),
        ("revocation_endpoint", "/oauth2/revoke"),
        ("introspection_endpoint", "/oauth2/introspect"),
    ] {
        assert_eq!(d[k], app.at(path).as_str(), "{k}");
    }
    assert_eq!(
        d["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(d["response_types_supported"], serde_json::json!(["code"]));
    let auth = d["token_endpoint_auth_methods_supported"].to_string();
    assert!(auth.contains("client_secret_basic") && auth.contains("client_secret_post"));
    let jwks: Value = reqwest::get(app.at("/oauth2/jwks"))
        .await
        .expect("jwks")
        .json()
        .await
        .expect("json");
    let k = &jwks["keys"][0];
    assert_eq!(k["kty"], "RSA");
    assert_eq!(k["alg"], "RS256");
    assert_eq!(k["use"], "sig");
    assert!(k["kid"].as_str().is_some_and(|s| s.len() >= 16));
    assert!(k.get("d").is_none(), "no private member is published");
}

#[tokio::test]
async fn code_flow_end_to_end_with_consent_userinfo_refresh_and_logout() {
    let app = TestApp::spawn().await;
    let (browser, user) = app.logged_in("amelie", false).await;
    // A community membership becomes a group.
    let t = passerelles::db::now();
    let cid: i64 = sqlx::query_scalar(
        "INSERT INTO communities (slug, name, created_at, last_activity_at) VALUES ('jardins', 'Jardins', $1, $1) RETURNING id",
    )
    .bind(t)
    .fetch_one(&app.state.db.pool)
    .await
    .expect("community");
    sqlx::query("INSERT INTO memberships (community_id, user_id, role, state, created_at, updated_at) VALUES ($1, $2, 'animator', 'active', $3, $3)")
        .bind(cid)
        .bind(user.id)
        .bind(t)
        .execute(&app.state.db.pool)
        .await
        .expect("membership");
    let (client, secret) = register(&app, "Nuage", false, false).await;

    // The consent screen names the tool and what it will receive.
    let url = authorize_url(&app, &client.client_id, &[]);
    let html = browser
        .get(&url)
        .send()
        .await
        .expect("consent")
        .text()
        .await
        .expect("body");
    assert!(html.contains("Nuage"), "{html}");
    assert!(html.contains("Votre adresse courriel"));
    assert!(html.contains("communautés dont vous êtes membre"));
    // Declining sends the person back with access_denied.
    let mut fields = hidden_fields(&html, "/oauth2/consent");
    fields.push(("decision".into(), "deny".into()));
    let res = browser
        .post(app.at("/oauth2/consent"))
        .form(&fields)
        .send()
        .await
        .expect("deny");
    assert_eq!(
        query_param(&location(&res), "error").as_deref(),
        Some("access_denied")
    );
    // Without the CSRF token, the consent form is refused.
    let no_csrf: Vec<(String, String)> = fields
        .iter()
        .filter(|(k, _)| k != "csrf")
        .cloned()
        .collect();
    let res = browser
        .post(app.at("/oauth2/consent"))
        .form(&no_csrf)
        .send()
        .await
        .expect("no csrf");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let back = authorize(&browser, &url).await;
    assert_eq!(query_param(&back, "iss").as_deref(), Some(app.url.as_str()));
    let code = query_param(&back, "code").expect("code");
    let (status, tokens) = redeem(&app, &client, &secret, &code, None).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    let access = tokens["access_token"].as_str().expect("access").to_string();
    let refresh = tokens["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_string();
    let id = verify_id_token(&app, tokens["id_token"].as_str().expect("id token")).await;
    assert_eq!(id["iss"], app.url.as_str());
    assert_eq!(id["aud"], client.client_id.as_str());
    assert_eq!(id["sub"], user.id.to_string());
    assert_eq!(id["nonce"], "n-456");
    assert_eq!(id["at_hash"], jws::half_hash(Alg::Rs256, &access));
    assert_eq!(id["preferred_username"], "amelie");
    assert_eq!(id["email"], "amelie@exemple.qc.ca");
    assert_eq!(id["email_verified"], true);
    assert_eq!(
        id["groups"],
        serde_json::json!(["jardins:animator", "jardins"])
    );
    let now = passerelles::db::now();
    assert!(
        id["exp"].as_i64().expect("exp") >= now + 300,
        "ID tokens live at least 5 minutes"
    );
    assert!(id["iat"].as_i64().expect("iat") <= now);

    // Userinfo returns the same claims as the ID token.
    let res = userinfo(&app, &access).await;
    assert_eq!(res.status(), StatusCode::OK);
    let info: Value = res.json().await.expect("json");
    for claim in [
        "sub",
        "preferred_username",
        "name",
        "email",
        "email_verified",
        "locale",
        "groups",
    ] {
        assert_eq!(info[claim], id[claim], "{claim}");
    }

    // The consent is remembered: the next authorization goes straight back.
    let res = browser.get(&url).send().await.expect("again");
    assert_eq!(res.status(), StatusCode::FOUND);
    assert!(query_param(&location(&res), "code").is_some());

    // Refresh rotates the refresh token and gives a fresh access token.
    let (status, r2) = token(
        &app,
        &client,
        &secret,
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{r2}");
    assert_ne!(r2["refresh_token"], refresh.as_str());
    let id2 = verify_id_token(&app, r2["id_token"].as_str().expect("id")).await;
    assert_eq!(id2["sub"], id["sub"]);
    assert_eq!(id2["auth_time"], id["auth_time"]);
    let access2 = r2["access_token"].as_str().expect("access").to_string();
    assert_eq!(userinfo(&app, &access2).await.status(), StatusCode::OK);
    assert_eq!(
        userinfo(&app, &access).await.status(),
        StatusCode::UNAUTHORIZED,
        "the previous access token ends with the rotation"
    );

    // Introspection for the client the token belongs to.
    let res = reqwest::Client::new()
        .post(app.at("/oauth2/introspect"))
        .basic_auth(&client.client_id, Some(&secret))
        .form(&[("token", access2.as_str())])
        .send()
        .await
        .expect("introspect");
    let i: Value = res.json().await.expect("json");
    assert_eq!(i["active"], true);
    assert_eq!(i["sub"], user.id.to_string());
    assert_eq!(i["client_id"], client.client_id.as_str());

    // RP-initiated logout with the ID token as hint: the session ends and
    // the person lands on the registered address, with the state.
    let hint = r2["id_token"].as_str().expect("id");
    let mut u = url::Url::parse(&app.at("/oauth2/logout")).expect("url");
    u.query_pairs_mut()
        .append_pair("id_token_hint", hint)
        .append_pair("post_logout_redirect_uri", AFTER_LOGOUT)
        .append_pair("state", "bye-1");
    let res = browser.get(u.as_str()).send().await.expect("logout");
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(location(&res), format!("{AFTER_LOGOUT}?state=bye-1"));
    let res = browser
        .get(app.at("/settings/profile"))
        .send()
        .await
        .expect("settings");
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "signed out");

    // Revocation of the refresh token ends the grant.
    let res = reqwest::Client::new()
        .post(app.at("/oauth2/revoke"))
        .basic_auth(&client.client_id, Some(&secret))
        .form(&[("token", r2["refresh_token"].as_str().expect("rt"))])
        .send()
        .await
        .expect("revoke");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        userinfo(&app, &access2).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn anonymous_visitors_log_in_and_come_back() {
    let app = TestApp::spawn().await;
    app.create_user("bruno", false).await;
    let (client, secret) = register(&app, "Forge", false, true).await;
    let browser = app.client();
    let url = authorize_url(&app, &client.client_id, &[]);
    // prompt=none answers login_required without showing anything.
    let res = browser
        .get(authorize_url(
            &app,
            &client.client_id,
            &[("prompt", "none")],
        ))
        .send()
        .await
        .expect("prompt none");
    let back = location(&res);
    assert!(back.starts_with(REDIRECT));
    assert_eq!(
        query_param(&back, "error").as_deref(),
        Some("login_required")
    );
    assert_eq!(query_param(&back, "state").as_deref(), Some("st-123"));

    let res = browser.get(&url).send().await.expect("authorize");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to_login = location(&res);
    assert!(to_login.starts_with("/login?next="), "{to_login}");
    // The log-in page carries the request through and sends us back.
    let html = browser
        .get(app.at(&to_login))
        .send()
        .await
        .expect("login page")
        .text()
        .await
        .expect("body");
    let csrf = crate::harness::form_value(&html, "csrf").expect("csrf");
    let next = crate::harness::form_value(&html, "next").expect("next");
    assert!(next.starts_with("/oauth2/authorize?"), "{next}");
    let res = browser
        .post(app.at("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("login", "bruno"),
            ("password", PASSWORD),
            ("next", next.as_str()),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let again = location(&res);
    assert!(again.starts_with("/oauth2/authorize?"));
    // First-party tool: no consent screen.
    let res = browser.get(app.at(&again)).send().await.expect("authorize");
    assert_eq!(res.status(), StatusCode::FOUND);
    let code = query_param(&location(&res), "code").expect("code");
    let (status, _) = redeem(&app, &client, &secret, &code, None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn unknown_client_or_redirect_is_an_error_page_never_a_redirect() {
    let app = TestApp::spawn().await;
    let (browser, _) = app.logged_in("chloe", false).await;
    let (client, _) = register(&app, "Wiki", false, false).await;
    let mut cases = vec![authorize_url(&app, "nobody", &[])];
    for bad in [
        "http://127.0.0.1:9/cb/",
        "http://127.0.0.1:9/cb?x=1",
        "http://127.0.0.1:9/cb/../evil",
        "http://127.0.0.1:9/CB",
        "https://evil.example/cb",
        "",
    ] {
        let mut u = url::Url::parse(&app.at("/oauth2/authorize")).expect("url");
        u.query_pairs_mut()
            .append_pair("client_id", &client.client_id)
            .append_pair("redirect_uri", bad)
            // Also a bad response type: the redirect check comes first.
            .append_pair("response_type", "token")
            .append_pair("scope", "openid");
        cases.push(u.to_string());
    }
    for url in cases {
        let res = browser.get(&url).send().await.expect("authorize");
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{url}");
        assert!(res.headers().get("location").is_none(), "{url}");
        let html = res.text().await.expect("body");
        assert!(html.contains("<html"), "an HTML page");
    }
    // Repeated parameters are refused too (no guessing which one counts).
    let dup = format!(
        "{}&redirect_uri=https%3A%2F%2Fevil.example%2Fcb",
        authorize_url(&app, &client.client_id, &[])
    );
    let res = browser.get(&dup).send().await.expect("dup");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.headers().get("location").is_none());

    // Once the redirect is trusted, protocol errors go back to the tool.
    let res = browser
        .get(
            authorize_url(&app, &client.client_id, &[])
                .replace("response_type=code", "response_type=token"),
        )
        .send()
        .await
        .expect("authorize");
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(
        query_param(&location(&res), "error").as_deref(),
        Some("unsupported_response_type")
    );
    let res = browser
        .get(authorize_url(&app, &client.client_id, &[]).replace("scope=openid", "scope=email"))
        .send()
        .await
        .expect("authorize");
    assert_eq!(
        query_param(&location(&res), "error").as_deref(),
        Some("invalid_scope")
    );
}

#[tokio::test]
async fn pkce_is_s256_only_and_required_for_public_clients() {
    let app = TestApp::spawn().await;
    let (browser, _) = app.logged_in("denis", false).await;
    assert_eq!(flow::s256(VERIFIER), CHALLENGE);
    let (public, _) = register(&app, "Appli", true, true).await;
    let (confidential, secret) = register(&app, "Serveur", false, true).await;

    let err = |url: String| {
        let browser = browser.clone();
        async move {
            let res = browser.get(&url).send().await.expect("authorize");
            assert_eq!(res.status(), StatusCode::FOUND, "{url}");
            query_param(&location(&res), "error").unwrap_or_default()
        }
    };
    // Public client without PKCE, with plain, with a challenge but no method.
    assert_eq!(
        err(authorize_url(&app, &public.client_id, &[])).await,
        "invalid_request"
    );
    assert_eq!(
        err(authorize_url(
            &app,
            &public.client_id,
            &[
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "plain")
            ]
        ))
        .await,
        "invalid_request"
    );
    assert_eq!(
        err(authorize_url(
            &app,
            &public.client_id,
            &[("code_challenge", CHALLENGE)]
        ))
        .await,
        "invalid_request",
        "an omitted method must not default to plain"
    );

    // S256: the right verifier works, a wrong one burns the code.
    let s256 = [
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    let back = authorize(&browser, &authorize_url(&app, &public.client_id, &s256)).await;
    let code = query_param(&back, "code").expect("code");
    let (status, body) = redeem(&app, &public, "", &code, None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant")),
        "verifier missing"
    );
    let back = authorize(&browser, &authorize_url(&app, &public.client_id, &s256)).await;
    let code = query_param(&back, "code").expect("code");
    let wrong = "x".repeat(50);
    let (status, _) = redeem(&app, &public, "", &code, Some(&wrong)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = redeem(&app, &public, "", &code, Some(VERIFIER)).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a failed attempt burns the code"
    );
    let back = authorize(&browser, &authorize_url(&app, &public.client_id, &s256)).await;
    let code = query_param(&back, "code").expect("code");
    let (status, body) = redeem(&app, &public, "", &code, Some(VERIFIER)).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // A public client cannot pose as confidential, nor skip its client id.
    let (status, body) = token(
        &app,
        &confidential,
        "wrong",
        &[("grant_type", "refresh_token"), ("refresh_token", "x")],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );

    // Confidential client: PKCE optional, but a verifier for a code bound
    // to no challenge is a downgrade and is refused.
    let code = signed_in_code(&app, &browser, &confidential).await;
    let (status, body) = redeem(&app, &confidential, &secret, &code, Some(VERIFIER)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    let back = authorize(
        &browser,
        &authorize_url(&app, &confidential.client_id, &s256),
    )
    .await;
    let code = query_param(&back, "code").expect("code");
    let (status, _) = redeem(&app, &confidential, &secret, &code, Some(VERIFIER)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_replayed_code_revokes_what_it_issued() {
    let app = TestApp::spawn().await;
    let (browser, _) = app.logged_in("elise", false).await;
    let (client, secret) = register(&app, "Pad", false, true).await;
    let code = signed_in_code(&app, &browser, &client).await;
    let (status, tokens) = redeem(&app, &client, &secret, &code, None).await;
    assert_eq!(status, StatusCode::OK);
    let access = tokens["access_token"].as_str().expect("access");
    assert_eq!(userinfo(&app, access).await.status(), StatusCode::OK);
    let (status, body) = redeem(&app, &client, &secret, &code, None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    assert_eq!(
        userinfo(&app, access).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let (status, _) = token(
        &app,
        &client,
        &secret,
        &[
            ("grant_type", "refresh_token"),
            (
                "refresh_token",
                tokens["refresh_token"].as_str().expect("rt"),
            ),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // An expired code is refused; a code with another redirect_uri too.
    let code = signed_in_code(&app, &browser, &client).await;
    sqlx::query("UPDATE oidc_codes SET expires_at = $1 WHERE code_hash = $2")
        .bind(passerelles::db::now() - 1)
        .bind(passerelles::accounts::hash_token(&code))
        .execute(&app.state.db.pool)
        .await
        .expect("expire");
    let (status, _) = redeem(&app, &client, &secret, &code, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let code = signed_in_code(&app, &browser, &client).await;
    let (status, _) = token(
        &app,
        &client,
        &secret,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:9/other"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn refresh_token_reuse_revokes_the_chain() {
    let app = TestApp::spawn().await;
    let (browser, _) = app.logged_in("farah", false).await;
    let (client, secret) = register(&app, "Chat", false, true).await;
    let code = signed_in_code(&app, &browser, &client).await;
    let (_, t1) = redeem(&app, &client, &secret, &code, None).await;
    let r1 = t1["refresh_token"].as_str().expect("r1").to_string();
    let refresh = |rt: String| {
        let (app, client, secret) = (&app, &client, &secret);
        async move {
            token(
                app,
                client,
                secret,
                &[("grant_type", "refresh_token"), ("refresh_token", &rt)],
            )
            .await
        }
    };
    let (status, t2) = refresh(r1.clone()).await;
    assert_eq!(status, StatusCode::OK);
    let r2 = t2["refresh_token"].as_str().expect("r2").to_string();
    let (status, t3) = refresh(r2.clone()).await;
    assert_eq!(status, StatusCode::OK);
    let r3 = t3["refresh_token"].as_str().expect("r3").to_string();
    let a3 = t3["access_token"].as_str().expect("a3").to_string();
    // An attacker replays r1 after the grace window (a replay within it
    // gets the live successor: `oidc_sessions`): refused, and the whole
    // chain ends.
    sqlx::query("UPDATE oidc_tokens SET used_at = used_at - 60 WHERE used_at IS NOT NULL")
        .execute(&app.state.db.pool)
        .await
        .expect("age");
    let (status, body) = refresh(r1).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    let (status, _) = refresh(r3).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "the newest refresh token is revoked too"
    );
    assert_eq!(userinfo(&app, &a3).await.status(), StatusCode::UNAUTHORIZED);
    // Asking for more scope than granted is refused.
    let code = signed_in_code(&app, &browser, &client).await;
    let (_, t) = redeem(&app, &client, &secret, &code, None).await;
    let (status, body) = token(
        &app,
        &client,
        &secret,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", t["refresh_token"].as_str().expect("rt")),
            ("scope", "openid admin"),
        ],
    )
    .await;
    assert_eq!(body["error"], "invalid_scope", "{status}");
}

#[tokio::test]
async fn tampered_expired_and_unknown_key_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let (browser, user) = app.logged_in("gael", false).await;
    let (client, secret) = register(&app, "Docs", false, true).await;
    let code = signed_in_code(&app, &browser, &client).await;
    let (_, t) = redeem(&app, &client, &secret, &code, None).await;
    let access = t["access_token"].as_str().expect("access").to_string();
    let id_token = t["id_token"].as_str().expect("id").to_string();

    // Access tokens: one character changed, or expired.
    let mut tampered = access.clone().into_bytes();
    tampered[5] = if tampered[5] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).expect("utf8");
    assert_eq!(
        userinfo(&app, &tampered).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let res = userinfo(&app, &tampered).await;
    assert!(
        res.headers()
            .get("www-authenticate")
            .is_some_and(|v| v.to_str().unwrap_or("").contains("invalid_token"))
    );
    sqlx::query("UPDATE oidc_tokens SET expires_at = $1 WHERE token_hash = $2")
        .bind(passerelles::db::now() - 1)
        .bind(passerelles::accounts::hash_token(&access))
        .execute(&app.state.db.pool)
        .await
        .expect("expire");
    assert_eq!(
        userinfo(&app, &access).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // ID token hints at logout: tampered payload, alg none, unknown kid.
    let logout = |hint: String| {
        let browser = browser.clone();
        let base = app.at("/oauth2/logout");
        async move {
            let mut u = url::Url::parse(&base).expect("url");
            u.query_pairs_mut()
                .append_pair("id_token_hint", &hint)
                .append_pair("post_logout_redirect_uri", AFTER_LOGOUT);
            browser.get(u.as_str()).send().await.expect("logout")
        }
    };
    let parts: Vec<&str> = id_token.split('.').collect();
    let forged_claims = jws::b64(
        format!(
            r#"{{"iss":"{}","sub":"1","aud":"{}","iat":1}}"#,
            app.url, client.client_id
        )
        .as_bytes(),
    );
    let forged = format!("{}.{}.{}", parts[0], forged_claims, parts[2]);
    let none = format!("{}.{}.", jws::b64(br#"{"alg":"none","kid":"x"}"#), parts[1]);
    // Signed by a key of the right shape that we never published.
    let stranger = jws::generate(Alg::Rs256).expect("key");
    let stranger = jws::parse_private(Alg::Rs256, &stranger.private_der).expect("parse");
    let claims = jws::parse(&id_token).expect("parse").claims;
    let unknown_kid = jws::sign(&stranger, "not-our-kid", "JWT", &claims).expect("sign");
    for bad in [forged, none, unknown_kid, "garbage".to_string()] {
        let res = logout(bad).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        assert!(res.headers().get("location").is_none());
    }
    // Still signed in after all these.
    let res = browser
        .get(app.at("/settings/profile"))
        .send()
        .await
        .expect("settings");
    assert_eq!(res.status(), StatusCode::OK);

    // An unregistered post-logout address is never followed.
    let mut u = url::Url::parse(&app.at("/oauth2/logout")).expect("url");
    u.query_pairs_mut()
        .append_pair("id_token_hint", &id_token)
        .append_pair("post_logout_redirect_uri", "https://evil.example/");
    let res = browser.get(u.as_str()).send().await.expect("logout");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.headers().get("location").is_none());

    // Without a hint, a bare link asks before signing anyone out.
    let res = browser
        .get(app.at("/oauth2/logout"))
        .send()
        .await
        .expect("logout");
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.expect("body");
    assert!(html.contains("/oauth2/logout/confirm"));
    let res = browser
        .get(app.at("/settings/profile"))
        .send()
        .await
        .expect("settings");
    assert_eq!(res.status(), StatusCode::OK, "still signed in");
    let fields = hidden_fields(&html, "/oauth2/logout/confirm");
    let res = browser
        .post(app.at("/oauth2/logout/confirm"))
        .form(&fields)
        .send()
        .await
        .expect("confirm");
    assert_eq!(res.status(), StatusCode::OK);
    let res = browser
        .get(app.at("/settings/profile"))
        .send()
        .await
        .expect("settings");
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "signed out");

    // A suspended person's tokens stop working.
    let code = {
        let b = app.client();
        app.login(&b, "gael", PASSWORD).await;
        signed_in_code(&app, &b, &client).await
    };
    let (_, t) = redeem(&app, &client, &secret, &code, None).await;
    sqlx::query("UPDATE users SET status = 'suspended' WHERE id = $1")
        .bind(user.id)
        .execute(&app.state.db.pool)
        .await
        .expect("suspend");
    assert_eq!(
        userinfo(&app, t["access_token"].as_str().expect("a"))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let (status, _) = token(
        &app,
        &client,
        &secret,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", t["refresh_token"].as_str().expect("r")),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn tokens_are_bound_to_their_client() {
    let app = TestApp::spawn().await;
    let (browser, _) = app.logged_in("hugo", false).await;
    let (a, secret_a) = register(&app, "Alpha", false, true).await;
    let (b, secret_b) = register(&app, "Beta", false, true).await;

    // B cannot redeem A's code, and trying does not burn it for A.
    let code = signed_in_code(&app, &browser, &a).await;
    let (status, body) = redeem(&app, &b, &secret_b, &code, None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    let (status, t) = redeem(&app, &a, &secret_a, &code, None).await;
    assert_eq!(status, StatusCode::OK);
    let access = t["access_token"].as_str().expect("access");
    let refresh = t["refresh_token"].as_str().expect("refresh");

    // B cannot refresh A's token.
    let (status, _) = token(
        &app,
        &b,
        &secret_b,
        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // B's introspection learns nothing; B's revocation does nothing.
    let http = reqwest::Client::new();
    let i: Value = http
        .post(app.at("/oauth2/introspect"))
        .basic_auth(&b.client_id, Some(&secret_b))
        .form(&[("token", access)])
        .send()
        .await
        .expect("introspect")
        .json()
        .await
        .expect("json");
    assert_eq!(i, serde_json::json!({ "active": false }));
    let res = http
        .post(app.at("/oauth2/revoke"))
        .basic_auth(&b.client_id, Some(&secret_b))
        .form(&[("token", refresh)])
        .send()
        .await
        .expect("revoke");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        userinfo(&app, access).await.status(),
        StatusCode::OK,
        "A's token survives"
    );
    // Introspection requires client authentication.
    let res = http
        .post(app.at("/oauth2/introspect"))
        .form(&[("token", access)])
        .send()
        .await
        .expect("introspect");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    // client_secret_post works; a wrong secret or two methods at once do not.
    let (status, _) = {
        let res = http
            .post(app.at("/oauth2/token"))
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh),
                ("client_id", a.client_id.as_str()),
                ("client_secret", secret_a.as_str()),
            ])
            .send()
            .await
            .expect("post auth");
        (res.status(), ())
    };
    assert_eq!(status, StatusCode::OK);
    let res = http
        .post(app.at("/oauth2/token"))
        .basic_auth(&a.client_id, Some("not-the-secret"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", "x")])
        .send()
        .await
        .expect("wrong secret");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.headers().get("www-authenticate").is_some());
    let res = http
        .post(app.at("/oauth2/token"))
        .basic_auth(&a.client_id, Some(&secret_a))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", "x"),
            ("client_secret", secret_a.as_str()),
        ])
        .send()
        .await
        .expect("two methods");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn signing_keys_rotate_publish_first_and_never_reuse_a_kid() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    // Let the start-up maintenance job (which brings keys up to date) finish.
    for _ in 0..100 {
        let waiting: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE queue = 'maintenance'")
                .fetch_one(&db.pool)
                .await
                .expect("jobs");
        if waiting == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let cache = keys::KeyCache::default();
    keys::ensure(db, passerelles::db::now())
        .await
        .expect("ensure");
    let first = keys::published(db).await.expect("jwks");
    assert_eq!(first.len(), 1, "one key at first start");
    let t0 = first[0].active_at;
    // Several nodes (or ticks) bringing keys up to date create no extras.
    keys::ensure(db, t0).await.expect("ensure");
    let (k1, _) = keys::signing_at(db, &cache, Alg::Rs256, t0)
        .await
        .expect("signing");
    assert_eq!(k1, first[0].kid);
    // Before rotation is due, nothing changes.
    keys::ensure(db, t0 + 86400).await.expect("ensure");
    assert_eq!(keys::published(db).await.expect("jwks").len(), 1);
    // When due, the next key is published but does not sign yet.
    let due = t0 + keys::ROTATE_AFTER - keys::PUBLISH_AHEAD;
    keys::ensure(db, due).await.expect("ensure");
    let published: Vec<String> = keys::published(db)
        .await
        .expect("jwks")
        .into_iter()
        .map(|k| k.kid)
        .collect();
    assert_eq!(published.len(), 2);
    let k2 = published
        .iter()
        .find(|k| **k != k1)
        .expect("new key")
        .clone();
    assert_eq!(
        keys::signing_at(db, &cache, Alg::Rs256, due)
            .await
            .expect("signing")
            .0,
        k1
    );
    assert_eq!(
        keys::signing_at(db, &cache, Alg::Rs256, due + keys::PUBLISH_AHEAD - 1)
            .await
            .expect("signing")
            .0,
        k1
    );
    // Once active it signs; the old key stays published for its tokens.
    let switch = due + keys::PUBLISH_AHEAD;
    keys::ensure(db, switch).await.expect("ensure");
    assert_eq!(
        keys::signing_at(db, &cache, Alg::Rs256, switch)
            .await
            .expect("signing")
            .0,
        k2
    );
    let published: Vec<String> = keys::published(db)
        .await
        .expect("jwks")
        .into_iter()
        .map(|k| k.kid)
        .collect();
    assert!(published.contains(&k1) && published.contains(&k2));
    // Long after retirement the old key leaves the JWKS, its private half
    // wiped, its kid kept so it is never issued again.
    keys::ensure(db, switch + keys::KEEP_AFTER_RETIRE + 1)
        .await
        .expect("ensure");
    let published: Vec<String> = keys::published(db)
        .await
        .expect("jwks")
        .into_iter()
        .map(|k| k.kid)
        .collect();
    assert!(!published.contains(&k1));
    assert!(published.contains(&k2));
    let (kids, distinct): (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), COUNT(DISTINCT kid) FROM oidc_keys")
            .fetch_one(&db.pool)
            .await
            .expect("count");
    assert_eq!(kids, distinct);
    assert!(kids >= 2);
    let wiped: Vec<u8> = sqlx::query_scalar("SELECT private_der FROM oidc_keys WHERE kid = $1")
        .bind(&k1)
        .fetch_one(&db.pool)
        .await
        .expect("row");
    assert!(wiped.is_empty());
}

#[tokio::test]
async fn people_see_and_withdraw_the_tools_they_allowed_and_admins_register_them() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.logged_in("adelaide", true).await;
    // Register through the admin page: the secret is shown once.
    let res = admin_register(
        &app,
        &admin,
        &[
            ("name", "Nextcloud"),
            ("home_url", "https://nuage.example.org"),
            ("redirect_uris", REDIRECT),
            ("kind", "confidential"),
            ("scopes", "profile"),
            ("scopes", "email"),
            ("scopes", "offline_access"),
        ],
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let html = res.text().await.expect("body");
    let id_start = html.find("id=\"new-client-id\">").expect("client id") + 19;
    let client_id = html[id_start..id_start + html[id_start..].find('<').expect("end")].to_string();
    let s_start = html.find("id=\"new-client-secret\">").expect("secret") + 23;
    let secret = html[s_start..s_start + html[s_start..].find('<').expect("end")].to_string();
    let page = admin
        .get(app.at("/admin/oidc"))
        .send()
        .await
        .expect("list")
        .text()
        .await
        .expect("body");
    assert!(
        page.contains(&client_id) && !page.contains(&secret),
        "secret shown once only"
    );
    // An invalid registration keeps what was typed and says why.
    let res = admin_register(
        &app,
        &admin,
        &[
            ("name", "Evil"),
            ("redirect_uris", "https://*.example.org/cb"),
        ],
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .expect("body")
            .contains("https://*.example.org/cb")
    );
    // Non-admins cannot see the registry.
    let (browser, ines) = app.logged_in("ines", false).await;
    assert_eq!(
        browser
            .get(app.at("/admin/oidc"))
            .send()
            .await
            .expect("get")
            .status(),
        StatusCode::FORBIDDEN
    );

    let client = clients::by_client_id(&app.state.db, &client_id)
        .await
        .expect("db")
        .expect("client");
    let code = signed_in_code(&app, &browser, &client).await;
    let (status, t) = redeem(&app, &client, &secret, &code, None).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    let access = t["access_token"].as_str().expect("access").to_string();
    let html = browser
        .get(app.at("/settings/tools"))
        .send()
        .await
        .expect("tools")
        .text()
        .await
        .expect("body");
    assert!(html.contains("Nextcloud"));
    let res = app
        .post_form(
            &browser,
            "/settings/tools",
            "/settings/tools/revoke",
            &[("client_id", client_id.as_str())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        userinfo(&app, &access).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert!(
        flow::allowed_tools(&app.state.db, ines.id)
            .await
            .expect("db")
            .is_empty()
    );
    // Withdrawn: the consent screen shows again.
    let res = browser
        .get(authorize_url(&app, &client_id, &[]))
        .send()
        .await
        .expect("authorize");
    assert_eq!(res.status(), StatusCode::OK);
    // The portal lists the tool.
    let html = browser
        .get(app.at("/tools"))
        .send()
        .await
        .expect("portal")
        .text()
        .await
        .expect("body");
    assert!(html.contains("https://nuage.example.org"));
}

// ---- real relying-party libraries ------------------------------------------------------

/// Run one RP script (`node tests/rp/rp.mjs` or `python3 tests/rp/rp.py`)
/// against the running server: it prints the authorization URL, we play
/// the browser (log-in + consent, or re-authentication) and hand the
/// redirect back on stdin; it exchanges the code, reads userinfo, refreshes
/// six times in parallel with one token, checks reuse after the grace
/// window ends the sign-in, authorizes again with `max_age` after the
/// session has aged, revokes and logs out, printing one JSON line of
/// results. With `totp`, the person signs in with a password and a TOTP
/// code, and the script checks `amr` and `acr` say so.
async fn run_rp(
    app: &TestApp,
    program: &str,
    script: &str,
    public: bool,
    alg: Alg,
    totp: bool,
) -> Value {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let username = format!(
        "rp{}{}{}",
        if public { "p" } else { "c" },
        alg.as_str().to_lowercase(),
        if totp { "t" } else { "" }
    );
    let user = app.create_user(&username, false).await;
    let browser = app.client();
    let factor = if totp {
        let secret = crate::oidc_sessions::enable_totp(app, user.id).await;
        crate::oidc_sessions::login_with_totp(app, &browser, user.id, &username, &secret).await;
        Some((user.id, secret))
    } else {
        app.login(&browser, &username, PASSWORD).await;
        None
    };
    let (client, secret) = register(app, "RP", public, false).await;
    // The client signs its ID tokens with `alg` (set as the RP's
    // id_token_signed_response_alg too, so the library insists on it).
    sqlx::query("UPDATE oidc_clients SET id_token_alg = $1 WHERE id = $2")
        .bind(alg.as_str())
        .bind(client.id)
        .execute(&app.state.db.pool)
        .await
        .expect("alg");
    let root = env!("CARGO_MANIFEST_DIR");
    let mut child = tokio::process::Command::new(program)
        .arg(format!("{root}/{script}"))
        .env("ISSUER", &app.url)
        .env("CLIENT_ID", &client.client_id)
        .env("CLIENT_SECRET", &secret)
        .env("REDIRECT_URI", REDIRECT)
        .env("POST_LOGOUT_URI", AFTER_LOGOUT)
        .env("ID_TOKEN_ALG", alg.as_str())
        .env("EXPECT_AMR", if totp { "pwd otp mfa" } else { "pwd" })
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
    let mut stdin = child.stdin.take().expect("stdin");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut result = None;
    let mut reauthentications = 0;
    while let Some(line) =
        tokio::time::timeout(std::time::Duration::from_secs(60), lines.next_line())
            .await
            .expect("RP script answers within 60 s")
            .expect("read")
    {
        let answer = if let Some(url) = line.strip_prefix("AUTHORIZE ") {
            assert!(url.contains("code_challenge_method=S256"), "{url}");
            let (back, reauthenticated) = crate::oidc_sessions::sign_in_to_tool(
                app,
                &browser,
                url,
                factor.as_ref().map(|(u, s)| (*u, s.as_str())),
            )
            .await;
            reauthentications += reauthenticated as u32;
            back
        } else if let Some(url) = line.strip_prefix("LOGOUT ") {
            let res = browser.get(url).send().await.expect("logout");
            location(&res)
        } else if line.trim() == "AGE_SESSION" {
            // The log-in happened two minutes ago.
            sqlx::query("UPDATE sessions SET auth_time = auth_time - 120 WHERE user_id = $1")
                .bind(user.id)
                .execute(&app.state.db.pool)
                .await
                .expect("age session");
            "ok".to_string()
        } else if line.trim() == "AGE_REFRESH" {
            // The grace window of the rotations so far has passed.
            sqlx::query(
                "UPDATE oidc_tokens SET used_at = used_at - 60 WHERE used_at IS NOT NULL \
                 AND grant_id IN (SELECT id FROM oidc_grants WHERE client_id = $1)",
            )
            .bind(client.id)
            .execute(&app.state.db.pool)
            .await
            .expect("age rotations");
            "ok".to_string()
        } else {
            if let Some(json) = line.strip_prefix("RESULT ") {
                result = Some(serde_json::from_str::<Value>(json).expect("result JSON"));
            } else {
                eprintln!("[{program}] {line}");
            }
            continue;
        };
        stdin
            .write_all(format!("{answer}\n").as_bytes())
            .await
            .expect("write");
        stdin.flush().await.expect("flush");
    }
    let status = child.wait().await.expect("wait");
    assert!(status.success(), "{program} {script} failed");
    let r = result.expect("the script printed its RESULT");
    assert_eq!(r["alg"], alg.as_str(), "{r}");
    assert_eq!(r["sub"], user.id.to_string(), "{r}");
    assert_eq!(r["userinfo"]["sub"], user.id.to_string());
    assert_eq!(r["userinfo"]["preferred_username"], user.username.as_str());
    assert_eq!(
        r["userinfo"]["email"],
        user.email.clone().unwrap_or_default().as_str()
    );
    assert_eq!(r["refreshed"], true);
    // The six parallel refreshes all succeeded, with one successor, and
    // the tool was still signed in afterwards.
    assert_eq!(r["parallel_ok"], 6, "{r}");
    assert_eq!(r["parallel_successors"], 1, "{r}");
    assert_eq!(r["still_signed_in"], true, "{r}");
    assert_eq!(r["reuse_after_window_refused"], true, "{r}");
    // max_age after two minutes: one re-authentication, accepted by the library.
    assert_eq!(reauthentications, 1, "max_age asked to authenticate again");
    assert_eq!(r["max_age_accepted"], true, "{r}");
    assert_eq!(
        r["amr"],
        serde_json::json!(if totp {
            vec!["pwd", "otp", "mfa"]
        } else {
            vec!["pwd"]
        })
    );
    assert_eq!(
        r["logout_redirect"],
        format!("{AFTER_LOGOUT}?state=rp-logout")
    );
    // Signed out for real.
    let res = browser
        .get(app.at("/settings/profile"))
        .send()
        .await
        .expect("settings");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    r
}

/// Whether a tool is available; a skip is loud, and a failure when
/// `PASSERELLES_REQUIRE_RP=1` (set by CI and `scripts/test --install-rp`).
pub(crate) fn rp_available(what: &str, probe: &mut std::process::Command) -> bool {
    let ok = probe
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        if std::env::var("PASSERELLES_REQUIRE_RP").is_ok_and(|v| v == "1") {
            panic!("{what} is required (PASSERELLES_REQUIRE_RP=1) but not installed");
        }
        crate::harness::skip(what, "not installed (scripts/test --install-rp)");
    }
    ok
}

#[tokio::test]
async fn rp_openid_client_node() {
    let root = env!("CARGO_MANIFEST_DIR");
    if !rp_available(
        "openid-client (Node)",
        std::process::Command::new("node")
            .arg("-e")
            .arg("require.resolve('openid-client')")
            .current_dir(format!("{root}/tests/rp")),
    ) {
        return;
    }
    let app = TestApp::spawn().await;
    run_rp(&app, "node", "tests/rp/rp.mjs", false, Alg::Rs256, false).await;
    run_rp(&app, "node", "tests/rp/rp.mjs", true, Alg::Rs256, false).await;
    run_rp(&app, "node", "tests/rp/rp.mjs", false, Alg::Es256, true).await;
    run_rp(&app, "node", "tests/rp/rp.mjs", true, Alg::EdDsa, false).await;
}

#[tokio::test]
async fn rp_authlib_python() {
    // The virtual environment made by `scripts/test --install-rp`, else the system's.
    let venv = format!("{}/tests/rp/.venv/bin/python3", env!("CARGO_MANIFEST_DIR"));
    let python = if std::path::Path::new(&venv).exists() {
        venv.as_str()
    } else {
        "python3"
    };
    if !rp_available(
        "authlib (Python)",
        std::process::Command::new(python)
            .arg("-c")
            .arg("import authlib, requests"),
    ) {
        return;
    }
    let app = TestApp::spawn().await;
    run_rp(&app, python, "tests/rp/rp.py", false, Alg::Rs256, false).await;
    run_rp(&app, python, "tests/rp/rp.py", true, Alg::Rs256, true).await;
    run_rp(&app, python, "tests/rp/rp.py", false, Alg::EdDsa, false).await;
    run_rp(&app, python, "tests/rp/rp.py", true, Alg::Es256, false).await;
}

#[tokio::test]
async fn backchannel_logout_reaches_the_tools_the_session_signed_in_to() {
    let app = TestApp::spawn().await;
    // A tool's back-channel endpoint: records what it receives.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
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
    let (client, secret) = clients::create(
        &app.state.db,
        &NewClient {
            name: "Matrix".into(),
            redirect_uris: vec![REDIRECT.into()],
            backchannel_logout_uri: format!("http://{addr}/bcl"),
            scopes: vec!["openid".into(), "profile".into()],
            first_party: true,
            ..Default::default()
        },
        None,
    )
    .await
    .expect("db")
    .expect("valid");
    let secret = secret.expect("secret");
    let discovery: Value = reqwest::get(app.at("/.well-known/openid-configuration"))
        .await
        .expect("discovery")
        .json()
        .await
        .expect("json");
    assert_eq!(discovery["backchannel_logout_supported"], true);

    let (browser, user) = app.logged_in("josee", false).await;
    let code = signed_in_code(&app, &browser, &client).await;
    let (_, t) = redeem(&app, &client, &secret, &code, None).await;
    let id = verify_id_token(&app, t["id_token"].as_str().expect("id")).await;

    // Someone else's session ending tells the tool nothing.
    let (other, _) = app.logged_in("karim", false).await;
    app.post_form(&other, "/settings/profile", "/logout", &[])
        .await;
    // Logging out (the ordinary button) ends the session; the tool hears of it.
    let res = app
        .post_form(&browser, "/settings/profile", "/logout", &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    app.drain_jobs().await;
    let body = tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv())
        .await
        .expect("a logout token within 10 s")
        .expect("body");
    let form: Vec<(String, String)> = serde_urlencoded::from_str(&body).expect("form");
    let token = &form
        .iter()
        .find(|(k, _)| k == "logout_token")
        .expect("logout_token")
        .1;
    let claims = verify_id_token(&app, token).await;
    assert_eq!(claims["iss"], app.url.as_str());
    assert_eq!(claims["aud"], client.client_id.as_str());
    assert_eq!(claims["sub"], user.id.to_string());
    assert_eq!(claims["sid"], id["sid"], "the session the tool knows");
    assert!(claims["events"]["http://schemas.openid.net/event/backchannel-logout"].is_object());
    assert!(claims["jti"].as_str().is_some_and(|j| !j.is_empty()));
    assert!(
        claims.get("nonce").is_none(),
        "logout tokens carry no nonce"
    );
    // Exactly one delivery.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(rx.try_recv().is_err(), "one token, for the one session");

    // "Log out everywhere" from another device ends the session the tool knows.
    let phone = app.client();
    app.login(&phone, "josee", PASSWORD).await;
    let code = signed_in_code(&app, &phone, &client).await;
    let (_, t) = redeem(&app, &client, &secret, &code, None).await;
    let id = verify_id_token(&app, t["id_token"].as_str().expect("id")).await;
    let laptop = app.client();
    app.login(&laptop, "josee", PASSWORD).await;
    let res = app
        .post_form(
            &laptop,
            "/settings/sessions",
            "/settings/sessions/logout-everywhere",
            &[],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    app.drain_jobs().await;
    let body = tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv())
        .await
        .expect("a logout token within 10 s")
        .expect("body");
    let form: Vec<(String, String)> = serde_urlencoded::from_str(&body).expect("form");
    let claims = verify_id_token(&app, &form[0].1).await;
    assert_eq!(claims["sid"], id["sid"]);
}

/// On demand (`cargo nextest run --test it oidc_bench --run-ignored only
/// --no-capture`): RS256, ES256 and EdDSA signing, verification and key
/// generation cost, and token
/// endpoint throughput (refresh grants: rotation + new tokens + a signed
/// ID token each) with 8 concurrent tools. Prints a table; every request
/// must succeed. Numbers belong in the report, not in assertions.
#[tokio::test]
#[ignore]
async fn oidc_bench() {
    let claims =
        serde_json::json!({ "iss": "https://x", "sub": "1", "aud": "c", "iat": 1, "exp": 2 });
    // (alg, sign µs, verify µs, key generation ms) per algorithm.
    let mut crypto = Vec::new();
    for alg in Alg::ALL {
        let key = jws::generate(alg).expect("key");
        let pair = jws::parse_private(alg, &key.private_der).expect("parse");
        let n = 500;
        let t = std::time::Instant::now();
        for _ in 0..n {
            jws::sign(&pair, "k", "JWT", &claims).expect("sign");
        }
        let sign_us = t.elapsed().as_secs_f64() * 1e6 / n as f64;
        let token = jws::sign(&pair, "k", "JWT", &claims).expect("sign");
        let t = std::time::Instant::now();
        for _ in 0..n {
            jws::parse(&token)
                .expect("parse")
                .verify_with(alg, &key.public)
                .expect("verify");
        }
        let verify_us = t.elapsed().as_secs_f64() * 1e6 / n as f64;
        let rounds = if alg == Alg::Rs256 { 5 } else { 200 };
        let t = std::time::Instant::now();
        for _ in 0..rounds {
            jws::generate(alg).expect("key");
        }
        let gen_ms = t.elapsed().as_secs_f64() * 1e3 / rounds as f64;
        crypto.push((alg, sign_us, verify_us, gen_ms));
    }

    let app = TestApp::spawn().await;
    let (browser, _) = app.logged_in("bench", false).await;
    // The tool signs with PASSERELLES_BENCH_ALG (RS256 by default).
    let alg = std::env::var("PASSERELLES_BENCH_ALG")
        .ok()
        .and_then(|a| Alg::parse(&a))
        .unwrap_or(Alg::Rs256);
    let (client, secret) = register_with(&app, "Bench", alg, vec![], "").await;
    let workers = 8;
    let mut refresh_tokens = Vec::new();
    for _ in 0..workers {
        let code = signed_in_code(&app, &browser, &client).await;
        let (_, t) = redeem(&app, &client, &secret, &code, None).await;
        refresh_tokens.push(t["refresh_token"].as_str().expect("rt").to_string());
    }
    let duration = std::time::Duration::from_secs(5);
    let start = std::time::Instant::now();
    let mut tasks = Vec::new();
    for rt in refresh_tokens {
        let (url, id, secret) = (
            app.at("/oauth2/token"),
            client.client_id.clone(),
            secret.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut rt = rt;
            let mut done = 0u64;
            let mut lat = Vec::new();
            while start.elapsed() < duration {
                let t = std::time::Instant::now();
                let res = http
                    .post(&url)
                    .basic_auth(&id, Some(&secret))
                    .form(&[
                        ("grant_type", "refresh_token"),
                        ("refresh_token", rt.as_str()),
                    ])
                    .send()
                    .await
                    .expect("token");
                assert_eq!(res.status(), StatusCode::OK);
                let v: Value = res.json().await.expect("json");
                rt = v["refresh_token"].as_str().expect("rt").to_string();
                lat.push(t.elapsed().as_secs_f64() * 1e3);
                done += 1;
            }
            (done, lat)
        }));
    }
    let mut total = 0;
    let mut lat = Vec::new();
    for t in tasks {
        let (d, l) = t.await.expect("task");
        total += d;
        lat.extend(l);
    }
    lat.sort_by(|a, b| a.total_cmp(b));
    let secs = start.elapsed().as_secs_f64();
    let p = |q: f64| lat[((lat.len() as f64 - 1.0) * q) as usize];
    println!("| measure | value |");
    println!("|---|---|");
    for (alg, sign_us, verify_us, gen_ms) in crypto {
        println!("| {alg} sign | {sign_us:.0} µs |");
        println!("| {alg} verify | {verify_us:.0} µs |");
        println!("| {alg} key generation | {gen_ms:.2} ms |");
    }
    println!(
        "| token endpoint, refresh grant, {alg} ID tokens, {workers} clients, {} | {:.0} req/s (p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms) |",
        crate::harness::backend(),
        total as f64 / secs,
        p(0.5),
        p(0.95),
        p(0.99)
    );
}

/// The flow in headless Chromium, as a person meets it: the tool sends the
/// browser to us, the log-in page brings it back, the consent form answers,
/// and the browser lands on the tool with a code (the page's CSP must let
/// those form submissions end on the tool's address). Then a first-party
/// tool: log-in straight through to the tool.
#[tokio::test]
async fn browser_signs_in_to_a_tool() {
    let app = TestApp::spawn().await;
    app.create_user("lucie", false).await;
    // The tool: a page at /cb that shows what it received.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let tool = format!("http://{}", listener.local_addr().expect("addr"));
    let router = axum::Router::new()
        .route(
            "/cb",
            axum::routing::get(|| async {
                axum::response::Html("<!doctype html><title>Outil</title><h1>Connecté</h1>")
            }),
        )
        .route(
            "/bye",
            axum::routing::get(|| async {
                axum::response::Html("<!doctype html><title>Outil</title><h1>Au revoir</h1>")
            }),
        );
    tokio::spawn(async move { axum::serve(listener, router).await });
    let make = |name: &str, first_party: bool| NewClient {
        name: name.into(),
        redirect_uris: vec![format!("{tool}/cb")],
        post_logout_redirect_uris: vec![format!("{tool}/bye")],
        scopes: vec!["openid".into(), "profile".into(), "email".into()],
        first_party,
        ..Default::default()
    };
    let (client, secret) = clients::create(&app.state.db, &make("Nuage", false), None)
        .await
        .expect("db")
        .expect("valid");
    let (first, _) = clients::create(&app.state.db, &make("Forge", true), None)
        .await
        .expect("db")
        .expect("valid");
    let Some(b) = crate::webdriver::browser_or_skip(1280, 900, "browser_signs_in_to_a_tool").await
    else {
        return;
    };
    let authorize = |c: &Client| {
        let mut u = url::Url::parse(&app.at("/oauth2/authorize")).expect("url");
        u.query_pairs_mut()
            .append_pair("client_id", &c.client_id)
            .append_pair("redirect_uri", &format!("{tool}/cb"))
            .append_pair("response_type", "code")
            .append_pair("scope", "openid profile email")
            .append_pair("state", "s1")
            .append_pair("code_challenge", CHALLENGE)
            .append_pair("code_challenge_method", "S256");
        u.to_string()
    };
    b.goto(&authorize(&client)).await;
    b.wait_for_url_contains("/login").await;
    b.fill("#f-login", "lucie").await;
    b.fill("#f-password", PASSWORD).await;
    b.click_and_wait("form.form button[type=submit]").await;
    b.wait_for_url_contains("/oauth2/authorize").await;
    assert!(b.text("h1").await.contains("Nuage"));
    b.click_and_wait("button[value=allow]").await;
    b.wait_for_url_contains(&format!("{tool}/cb?code=")).await;
    let code = query_param(&b.current_url().await, "code").expect("code");
    let secret = secret.unwrap_or_default();
    let (status, body) = redeem_at(&app, &client, &secret, &code, &format!("{tool}/cb")).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Log out, then a first-party tool: log-in goes straight to the tool.
    b.goto(&app.at("/settings/profile")).await;
    b.click(".user-menu summary").await; // the personal menu holds "Se déconnecter"
    b.click_and_wait("form[action='/logout'] button").await;
    b.goto(&authorize(&first)).await;
    b.wait_for_url_contains("/login").await;
    b.fill("#f-login", "lucie").await;
    b.fill("#f-password", PASSWORD).await;
    b.click_and_wait("form.form button[type=submit]").await;
    b.wait_for_url_contains(&format!("{tool}/cb?code=")).await;
    assert_eq!(b.text("h1").await, "Connecté");

    // The tool logs out without a hint: we ask, then send the browser back.
    let mut u = url::Url::parse(&app.at("/oauth2/logout")).expect("url");
    u.query_pairs_mut()
        .append_pair("client_id", &first.client_id)
        .append_pair("post_logout_redirect_uri", &format!("{tool}/bye"))
        .append_pair("state", "s2");
    b.goto(u.as_str()).await;
    assert!(b.text("main").await.contains("Forge"));
    b.click_and_wait("form[action='/oauth2/logout/confirm'] button")
        .await;
    b.wait_for_url_contains(&format!("{tool}/bye?state=s2"))
        .await;
    b.goto(&app.at("/settings/profile")).await;
    b.wait_for_url_contains("/login").await;
    b.quit().await;
}

async fn redeem_at(
    app: &TestApp,
    client: &Client,
    secret: &str,
    code: &str,
    redirect_uri: &str,
) -> (StatusCode, Value) {
    token(
        app,
        client,
        secret,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", VERIFIER),
        ],
    )
    .await
}

// ---- ES256 and EdDSA per client -------------------------------------------------------

/// Verify a compact JWS with the published JWK of its `kid`, independently
/// of the server's code (aws-lc-rs from the JWK members alone, as a relying
/// party would). Returns (header, claims).
fn verify_with_jwk(token: &str, jwks: &Value) -> (Value, Value) {
    use aws_lc_rs::signature::{
        ECDSA_P256_SHA256_FIXED, ED25519, RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents,
        UnparsedPublicKey,
    };
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "compact JWS");
    let header: Value = serde_json::from_slice(&B64.decode(parts[0]).expect("b64")).expect("json");
    let claims: Value = serde_json::from_slice(&B64.decode(parts[1]).expect("b64")).expect("json");
    let key = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .expect("the signing key is published");
    assert_eq!(key["alg"], header["alg"]);
    assert_eq!(key["use"], "sig");
    let input = format!("{}.{}", parts[0], parts[1]);
    let sig = B64.decode(parts[2]).expect("b64");
    let member = |f: &str| B64.decode(key[f].as_str().expect(f)).expect("b64");
    let valid = match header["alg"].as_str().expect("alg") {
        "RS256" => {
            assert_eq!(key["kty"], "RSA");
            RsaPublicKeyComponents {
                n: &member("n"),
                e: &member("e"),
            }
            .verify(&RSA_PKCS1_2048_8192_SHA256, input.as_bytes(), &sig)
            .is_ok()
        }
        "ES256" => {
            assert_eq!(
                (key["kty"].as_str(), key["crv"].as_str()),
                (Some("EC"), Some("P-256"))
            );
            // JOSE: r || s, 32 bytes each (not DER).
            assert_eq!(sig.len(), 64);
            let (x, y) = (member("x"), member("y"));
            assert_eq!((x.len(), y.len()), (32, 32));
            let mut point = vec![4u8];
            point.extend(x);
            point.extend(y);
            UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &point)
                .verify(input.as_bytes(), &sig)
                .is_ok()
        }
        "EdDSA" => {
            assert_eq!(
                (key["kty"].as_str(), key["crv"].as_str()),
                (Some("OKP"), Some("Ed25519"))
            );
            assert!(key.get("y").is_none() && key.get("n").is_none());
            let x = member("x");
            assert_eq!(x.len(), 32);
            UnparsedPublicKey::new(&ED25519, &x)
                .verify(input.as_bytes(), &sig)
                .is_ok()
        }
        other => panic!("unexpected alg {other}"),
    };
    assert!(
        valid,
        "{} signature verifies with the published JWK",
        header["alg"]
    );
    // The same signature over other claims does not.
    let forged = format!("{}.{}", parts[0], B64.encode(br#"{"sub":"1","aud":"x"}"#));
    let still = match header["alg"].as_str().expect("alg") {
        "ES256" => {
            let mut point = vec![4u8];
            point.extend(member("x"));
            point.extend(member("y"));
            UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &point)
                .verify(forged.as_bytes(), &sig)
                .is_ok()
        }
        "EdDSA" => UnparsedPublicKey::new(&ED25519, &member("x"))
            .verify(forged.as_bytes(), &sig)
            .is_ok(),
        _ => RsaPublicKeyComponents {
            n: &member("n"),
            e: &member("e"),
        }
        .verify(&RSA_PKCS1_2048_8192_SHA256, forged.as_bytes(), &sig)
        .is_ok(),
    };
    assert!(!still, "a tampered payload does not verify");
    (header, claims)
}

async fn jwks_now(app: &TestApp) -> Value {
    reqwest::get(app.at("/oauth2/jwks"))
        .await
        .expect("jwks")
        .json()
        .await
        .expect("json")
}

#[tokio::test]
async fn es256_and_eddsa_clients_get_id_tokens_verifiable_against_the_jwks() {
    let app = TestApp::spawn().await;
    let (browser, user) = app.logged_in("eloise", false).await;
    let d: Value = reqwest::get(app.at("/.well-known/openid-configuration"))
        .await
        .expect("discovery")
        .json()
        .await
        .expect("json");
    assert_eq!(
        d["id_token_signing_alg_values_supported"],
        serde_json::json!(["RS256", "ES256", "EdDSA"])
    );
    assert!(
        d["claims_supported"]
            .as_array()
            .expect("claims")
            .contains(&Value::from("username"))
    );

    let (rs, rs_secret) = register_with(&app, "Rouge", Alg::Rs256, vec![], "").await;
    let (es, es_secret) = register_with(&app, "Est", Alg::Es256, vec![], "").await;
    let (ed, ed_secret) = register_with(&app, "Édouard", Alg::EdDsa, vec![], "").await;
    assert_eq!(
        (rs.alg, es.alg, ed.alg),
        (Alg::Rs256, Alg::Es256, Alg::EdDsa)
    );
    // A key of each algorithm is published from the client's registration,
    // before anything is signed with it.
    let jwks = jwks_now(&app).await;
    for (kty, alg) in [("RSA", "RS256"), ("EC", "ES256"), ("OKP", "EdDSA")] {
        let n = jwks["keys"]
            .as_array()
            .expect("keys")
            .iter()
            .filter(|k| k["alg"] == alg && k["kty"] == kty)
            .count();
        assert_eq!(n, 1, "{alg}: {jwks}");
    }

    let mut issued = Vec::new();
    for (client, secret, alg) in [
        (&rs, &rs_secret, "RS256"),
        (&es, &es_secret, "ES256"),
        (&ed, &ed_secret, "EdDSA"),
    ] {
        let code = signed_in_code(&app, &browser, client).await;
        let (status, t) = redeem(&app, client, secret, &code, None).await;
        assert_eq!(status, StatusCode::OK, "{t}");
        let id_token = t["id_token"].as_str().expect("id_token").to_string();
        let (header, claims) = verify_with_jwk(&id_token, &jwks);
        assert_eq!(header["alg"], alg);
        assert_eq!(header["typ"], "JWT");
        assert_eq!(claims["aud"], client.client_id.as_str());
        assert_eq!(claims["iss"], app.url.as_str());
        assert_eq!(claims["sub"], user.id.to_string());
        assert_eq!(claims["nonce"], "n-456");
        // Mattermost (GitLab-style sign-in) reads `username`.
        assert_eq!(claims["username"], user.username.as_str());
        assert_eq!(claims["preferred_username"], claims["username"]);
        let access = t["access_token"].as_str().expect("access").to_string();
        // at_hash with the algorithm's hash: SHA-512 for Ed25519 (OIDC Core
        // errata 2), SHA-256 otherwise — computed here independently.
        let half = {
            use base64::Engine;
            use sha2::Digest;
            let h = if alg == "EdDSA" {
                sha2::Sha512::digest(access.as_bytes())[..32].to_vec()
            } else {
                sha2::Sha256::digest(access.as_bytes())[..16].to_vec()
            };
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(h)
        };
        assert_eq!(claims["at_hash"], half, "{alg}");
        let ui: Value = userinfo(&app, &access).await.json().await.expect("json");
        assert_eq!(ui["username"], user.username.as_str());
        assert_eq!(ui["preferred_username"], user.username.as_str());
        // A refreshed ID token is signed the same way.
        let refresh = t["refresh_token"].as_str().expect("refresh").to_string();
        let (status, r) = token(
            &app,
            client,
            secret,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh.as_str()),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{r}");
        let (h2, _) = verify_with_jwk(r["id_token"].as_str().expect("id"), &jwks);
        assert_eq!(h2["alg"], alg);
        issued.push((
            r["access_token"].as_str().expect("a").to_string(),
            r["refresh_token"].as_str().expect("r").to_string(),
            id_token,
        ));
    }

    // Tokens of the ES256 client are not the EdDSA client's (and back).
    let http = reqwest::Client::new();
    let introspect = |token: String, client: &Client, secret: &str| {
        let req = http
            .post(app.at("/oauth2/introspect"))
            .basic_auth(&client.client_id, Some(secret.to_string()))
            .form(&[("token", token)]);
        async move {
            req.send()
                .await
                .expect("introspect")
                .json::<Value>()
                .await
                .expect("json")
        }
    };
    let (es_access, es_refresh, es_id) = issued[1].clone();
    let (ed_access, ed_refresh, _) = issued[2].clone();
    assert_eq!(
        introspect(es_access.clone(), &ed, &ed_secret).await,
        serde_json::json!({ "active": false })
    );
    assert_eq!(
        introspect(ed_access.clone(), &es, &es_secret).await,
        serde_json::json!({ "active": false })
    );
    assert_eq!(
        introspect(es_access.clone(), &es, &es_secret).await["active"],
        true
    );
    for (refresh, other, other_secret) in [
        (&es_refresh, &ed, &ed_secret),
        (&ed_refresh, &es, &es_secret),
    ] {
        let (status, body) = token(
            &app,
            other,
            other_secret,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh.as_str()),
            ],
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_grant"))
        );
    }
    // Another client's revocation does nothing.
    let res = http
        .post(app.at("/oauth2/revoke"))
        .basic_auth(&ed.client_id, Some(&ed_secret))
        .form(&[("token", es_refresh.as_str())])
        .send()
        .await
        .expect("revoke");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(userinfo(&app, &es_access).await.status(), StatusCode::OK);

    // Our own verification of an ES256 ID token (logout hint): a tampered
    // signature is refused, the genuine one ends the session.
    let mut bad = es_id.clone();
    let last = bad.pop().expect("char");
    bad.push(if last == 'A' { 'B' } else { 'A' });
    let logout = |hint: &str| {
        let mut u = url::Url::parse(&app.at("/oauth2/logout")).expect("url");
        u.query_pairs_mut()
            .append_pair("id_token_hint", hint)
            .append_pair("post_logout_redirect_uri", AFTER_LOGOUT)
            .append_pair("state", "es");
        u.to_string()
    };
    let res = browser.get(logout(&bad)).send().await.expect("logout");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = browser.get(logout(&es_id)).send().await.expect("logout");
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(location(&res), format!("{AFTER_LOGOUT}?state=es"));
}

/// Each algorithm's key chain follows the rotation rules on its own: the
/// next ES256 or EdDSA key is published ahead, signs only from its date,
/// the old one stays published until its tokens expire, kids are unique.
#[tokio::test]
async fn every_algorithm_rotates_its_own_keys() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    register_with(&app, "Est", Alg::Es256, vec![], "").await;
    register_with(&app, "Édouard", Alg::EdDsa, vec![], "").await;
    let cache = keys::KeyCache::default();
    let t0 = passerelles::db::now();
    keys::ensure(db, t0).await.expect("ensure");
    let of = |alg: Alg| async move {
        keys::published(db)
            .await
            .expect("jwks")
            .into_iter()
            .filter(|k| k.alg == alg)
            .map(|k| k.kid)
            .collect::<Vec<_>>()
    };
    for alg in [Alg::Es256, Alg::EdDsa] {
        let first = of(alg).await;
        assert_eq!(first.len(), 1, "{alg}");
        let k1 = first[0].clone();
        let (kid, key) = keys::signing_at(db, &cache, alg, t0).await.expect("sign");
        assert_eq!((kid.as_str(), key.alg()), (k1.as_str(), alg));
        let due = t0 + keys::ROTATE_AFTER - keys::PUBLISH_AHEAD + 10;
        keys::ensure_alg(db, alg, due).await.expect("ensure");
        let both = of(alg).await;
        assert_eq!(both.len(), 2, "{alg}: the next key is published ahead");
        let k2 = both.iter().find(|k| **k != k1).expect("next").clone();
        assert_eq!(
            keys::signing_at(db, &cache, alg, due).await.expect("s").0,
            k1
        );
        let switch = due + keys::PUBLISH_AHEAD;
        keys::ensure_alg(db, alg, switch).await.expect("ensure");
        assert_eq!(
            keys::signing_at(db, &cache, alg, switch)
                .await
                .expect("s")
                .0,
            k2
        );
        assert!(of(alg).await.contains(&k1), "kept while its tokens live");
        keys::ensure_alg(db, alg, switch + keys::KEEP_AFTER_RETIRE + 1)
            .await
            .expect("ensure");
        let left = of(alg).await;
        assert!(!left.contains(&k1) && left.contains(&k2), "{alg}");
    }
    // The RS256 chain did not move with the others.
    assert_eq!(of(Alg::Rs256).await.len(), 1);
    let (kids, distinct): (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), COUNT(DISTINCT kid) FROM oidc_keys")
            .fetch_one(&db.pool)
            .await
            .expect("count");
    assert_eq!(kids, distinct);
}

// ---- which communities see which tool; icons ----------------------------------------------

/// A community and its active members (fixture, straight into the tables).
async fn community_of(
    app: &TestApp,
    slug: &str,
    visibility: &str,
    members: &[&passerelles::accounts::User],
) -> i64 {
    let t = passerelles::db::now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO communities (slug, name, visibility, join_policy, status, created_at, last_activity_at, member_count) \
         VALUES ($1, $2, $3, 'request', 'active', $4, $4, 0) RETURNING id",
    )
    .bind(slug)
    .bind(format!("Communauté {slug}"))
    .bind(visibility)
    .bind(t)
    .fetch_one(&app.state.db.pool)
    .await
    .expect("community");
    for (i, u) in members.iter().enumerate() {
        sqlx::query(
            "INSERT INTO memberships (community_id, user_id, role, state, created_at, updated_at) \
             VALUES ($1, $2, $3, 'active', $4, $4)",
        )
        .bind(id)
        .bind(u.id)
        .bind(if i == 0 { "owner" } else { "member" })
        .bind(t)
        .execute(&app.state.db.pool)
        .await
        .expect("membership");
    }
    id
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(width, height, |x, _| {
        image::Rgba([(x % 256) as u8, 120, 40, 255])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgba8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("png");
    out.into_inner()
}

async fn body_of(client: &reqwest::Client, url: &str) -> (StatusCode, String) {
    let res = client.get(url).send().await.expect("get");
    (res.status(), res.text().await.expect("body"))
}

#[tokio::test]
async fn tools_are_shown_to_the_communities_they_are_connected_to_with_local_icons() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.logged_in("adele", true).await;
    let (member_b, member) = app.logged_in("marin", false).await;
    let (outsider_b, _) = app.logged_in("olga", false).await;
    let anonymous = app.client();
    community_of(&app, "jardins", "open", &[&member]).await;
    community_of(&app, "cercle", "private", &[&member]).await;
    community_of(&app, "ailleurs", "open", &[]).await;

    // The admin form: a tool for two communities, with an icon and ES256.
    let res = admin_register(
        &app,
        &admin,
        &[
            ("name", "Pad commun"),
            ("home_url", "https://pad.example.org"),
            ("redirect_uris", REDIRECT),
            ("kind", "confidential"),
            ("scopes", "profile"),
            ("audience", "communities"),
            ("communities", "jardins, /c/cercle"),
            ("alg", "ES256"),
        ],
        Some((png(300, 200), "pad.png")),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = admin_register(
        &app,
        &admin,
        &[
            ("name", "Wiki de tous"),
            ("home_url", "https://wiki.example.org"),
            ("redirect_uris", REDIRECT),
            ("audience", "instance"),
        ],
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let (_, registry) = body_of(&admin, &app.at("/admin/oidc")).await;
    assert!(registry.contains("<code>ES256</code>") && registry.contains("href=\"/c/cercle\""));
    let all = clients::list(&app.state.db).await.expect("db");
    let pad = all.iter().find(|c| c.name == "Pad commun").expect("pad");
    let wiki = all.iter().find(|c| c.name == "Wiki de tous").expect("wiki");
    assert_eq!((pad.alg, pad.instance_wide), (Alg::Es256, false));
    assert_eq!((wiki.alg, wiki.instance_wide), (Alg::Rs256, true));
    assert!(wiki.icon_src().is_none());

    // The icon is served from here, through its tool, processed: a 96×96
    // PNG, cacheable by the signed-in browser that shows it (never public:
    // only signed-in people see tools).
    let icon = pad.icon_src().expect("icon stored");
    assert!(icon.starts_with(&format!(
        "/tools/{}/icon?v=",
        passerelles::urls::encode_path(&pad.client_id)
    )));
    let res = anonymous.get(app.at(&icon)).send().await.expect("icon");
    assert_eq!(
        res.status(),
        StatusCode::NOT_FOUND,
        "not for anonymous visitors"
    );
    let res = admin.get(app.at(&icon)).send().await.expect("icon");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("image/png")
    );
    assert!(
        res.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("max-age") && v.starts_with("private"))
    );
    let bytes = res.bytes().await.expect("bytes");
    let decoded = image::load_from_memory(&bytes).expect("png");
    assert_eq!((decoded.width(), decoded.height()), (96, 96));

    // "My tools": the member sees both, with the local icon; an outsider
    // only the instance-wide one; anonymous visitors are asked to log in.
    let (_, html) = body_of(&member_b, &app.at("/tools")).await;
    assert!(html.contains("https://pad.example.org") && html.contains("https://wiki.example.org"));
    assert!(html.contains(&format!("src=\"{icon}\"")));
    let (_, html) = body_of(&outsider_b, &app.at("/tools")).await;
    assert!(
        !html.contains("pad.example.org"),
        "not a member of its communities"
    );
    assert!(html.contains("https://wiki.example.org"));
    let res = anonymous
        .get(app.at("/tools"))
        .send()
        .await
        .expect("portal");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // A community's page shows its tools to its members only.
    let (status, html) = body_of(&member_b, &app.at("/c/jardins")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"community-tools\"") && html.contains("https://pad.example.org"));
    assert!(
        !html.contains("wiki.example.org"),
        "instance-wide tools are in the portal"
    );
    for (who, client) in [("outsider", &outsider_b), ("anonymous", &anonymous)] {
        let (status, html) = body_of(client, &app.at("/c/jardins")).await;
        assert_eq!(status, StatusCode::OK, "{who} reads the open community");
        assert!(
            !html.contains("community-tools") && !html.contains("pad.example.org"),
            "{who} does not see its tools"
        );
        // The card of a private community shows no tools either.
        let (status, html) = body_of(client, &app.at("/c/cercle")).await;
        assert_eq!(status, StatusCode::OK, "{who} sees the card");
        assert!(
            !html.contains("pad.example.org"),
            "{who}: card without tools"
        );
    }
    let (_, html) = body_of(&member_b, &app.at("/c/cercle")).await;
    assert!(html.contains("https://pad.example.org"));
    let (_, html) = body_of(&member_b, &app.at("/c/ailleurs")).await;
    assert!(!html.contains("community-tools"), "not connected there");

    // Leaving a community takes its tools out of the portal at once.
    sqlx::query("DELETE FROM memberships WHERE user_id = $1")
        .bind(member.id)
        .execute(&app.state.db.pool)
        .await
        .expect("leave");
    let (_, html) = body_of(&member_b, &app.at("/tools")).await;
    assert!(!html.contains("pad.example.org"));
}

#[tokio::test]
async fn a_bad_icon_or_unknown_community_keeps_the_form_and_says_why() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.logged_in("adele", true).await;
    community_of(&app, "jardins", "open", &[]).await;
    let fields = [
        ("name", "Tableau blanc"),
        ("description", "Pour dessiner ensemble"),
        ("home_url", "https://tableau.example.org"),
        ("redirect_uris", REDIRECT),
        ("audience", "communities"),
        ("communities", "jardins"),
        ("alg", "EdDSA"),
    ];
    // An SVG (or anything not a raster image) is refused, never stored.
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><script>alert(1)</script></svg>"#;
    let res = admin_register(&app, &admin, &fields, Some((svg.to_vec(), "logo.svg"))).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.expect("body");
    assert!(
        html.contains("id=\"f-icon-error\""),
        "error tied to the field"
    );
    assert!(html.contains("aria-describedby=\"f-icon-hint f-icon-error\""));
    assert!(html.contains("href=\"#f-icon\""), "listed in the summary");
    for kept in [
        "value=\"Tableau blanc\"",
        "Pour dessiner ensemble",
        "value=\"https://tableau.example.org\"",
        "value=\"jardins\"",
        "<option value=\"EdDSA\" selected>",
        "value=\"communities\" checked",
    ] {
        assert!(html.contains(kept), "kept: {kept}");
    }
    // An unknown community is named; "these communities" needs one.
    let mut unknown = fields.to_vec();
    unknown.retain(|(k, _)| *k != "communities");
    unknown.push(("communities", "jardins nulle-part"));
    let res = admin_register(&app, &admin, &unknown, Some((png(64, 64), "ok.png"))).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.expect("body");
    assert!(html.contains("id=\"f-communities-error\"") && html.contains("nulle-part"));
    let mut none = fields.to_vec();
    none.retain(|(k, _)| *k != "communities");
    let res = admin_register(&app, &admin, &none, None).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // An unknown algorithm is refused too.
    let mut alg = fields.to_vec();
    alg.retain(|(k, _)| *k != "alg");
    alg.push(("alg", "HS256"));
    let res = admin_register(&app, &admin, &alg, None).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .expect("body")
            .contains("id=\"f-alg-error\"")
    );
    assert!(clients::list(&app.state.db).await.expect("db").is_empty());
    let media: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM media")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count");
    assert_eq!(media, 0, "nothing stored for refused forms");
}

/// The CLI registers the same way: `--alg`, `--community` (repeatable), `--icon`.
#[tokio::test]
async fn cli_registers_a_tool_with_algorithm_communities_and_icon() {
    let app = TestApp::spawn().await;
    community_of(&app, "jardins", "open", &[]).await;
    community_of(&app, "cercle", "private", &[]).await;
    let icon = app.data_dir.join("icon.png");
    std::fs::write(&icon, png(120, 80)).expect("write icon");
    let url = app.state.config.database_url();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_passerelles"))
        .args(["--data-dir", app.data_dir.to_str().expect("path")])
        .args(["--database-url", &url, "admin", "oidc-client", "add"])
        .args(["--name", "Outil CLI", "--redirect-uri", REDIRECT])
        .args([
            "--alg",
            "EdDSA",
            "--community",
            "jardins",
            "--community",
            "cercle",
        ])
        .args(["--icon", icon.to_str().expect("path")])
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
        .find(|c| c.name == "Outil CLI")
        .expect("registered");
    assert_eq!((c.alg, c.instance_wide), (Alg::EdDsa, false));
    assert!(c.icon_media_id.is_some());
    let mut slugs: Vec<String> = clients::all_communities(&app.state.db)
        .await
        .expect("db")
        .into_iter()
        .filter(|(pk, _)| *pk == c.id)
        .map(|(_, k)| k.slug)
        .collect();
    slugs.sort();
    assert_eq!(slugs, ["cercle", "jardins"]);
    // An EdDSA key was published at registration.
    assert!(
        keys::published(&app.state.db)
            .await
            .expect("keys")
            .iter()
            .any(|k| k.alg == Alg::EdDsa)
    );
    // Unknown community or algorithm: refused, nothing registered.
    for bad in [["--community", "nulle-part"], ["--alg", "none"]] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_passerelles"))
            .args(["--data-dir", app.data_dir.to_str().expect("path")])
            .args(["--database-url", &url, "admin", "oidc-client", "add"])
            .args(["--name", "Non", "--redirect-uri", REDIRECT])
            .args(bad)
            .env("PASSERELLES_LOG", "error")
            .output()
            .expect("run");
        assert!(!out.status.success(), "{bad:?}");
    }
    assert_eq!(clients::list(&app.state.db).await.expect("db").len(), 1);
}

/// Post the edit form of a tool (multipart) with the CSRF token of its page.
async fn admin_edit(
    app: &TestApp,
    admin: &reqwest::Client,
    client_id: &str,
    fields: &[(&str, &str)],
    icon: Option<Vec<u8>>,
) -> reqwest::Response {
    let path = format!("/admin/oidc/tool/{client_id}");
    let csrf = app.csrf(admin, &path).await;
    let mut form = reqwest::multipart::Form::new().text("csrf", csrf);
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    if let Some(bytes) = icon {
        form = form.part(
            "icon",
            reqwest::multipart::Part::bytes(bytes).file_name("icon.png"),
        );
    }
    admin
        .post(app.at(&path))
        .multipart(form)
        .send()
        .await
        .expect("edit")
}

#[tokio::test]
async fn administrators_change_a_tools_audience_icon_and_algorithm() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.logged_in("adele", true).await;
    let (member_b, member) = app.logged_in("marin", false).await;
    let (outsider_b, _) = app.logged_in("olga", false).await;
    community_of(&app, "jardins", "open", &[&member]).await;
    let (pad, secret) =
        register_with(&app, "Pad", Alg::Rs256, vec![], "https://pad.example.org").await;
    let reload = || async {
        clients::by_client_id(&app.state.db, &pad.client_id)
            .await
            .expect("db")
            .expect("client")
    };
    let path = format!("/admin/oidc/tool/{}", pad.client_id);
    let (status, html) = body_of(&admin, &app.at(&path)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("value=\"Pad\"") && html.contains("value=\"instance\" checked"));
    let (status, _) = body_of(&outsider_b, &app.at(&path)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "administrators only");
    assert!(
        body_of(&outsider_b, &app.at("/tools"))
            .await
            .1
            .contains("pad.example.org")
    );

    // Connected to one community, with an icon, signing with EdDSA.
    let fields = [
        ("name", "Pad commun"),
        ("home_url", "https://pad.example.org"),
        ("audience", "communities"),
        ("communities", "jardins"),
        ("alg", "EdDSA"),
    ];
    let res = admin_edit(&app, &admin, &pad.client_id, &fields, Some(png(64, 64))).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let c = reload().await;
    assert_eq!(
        (c.name.as_str(), c.alg, c.instance_wide),
        ("Pad commun", Alg::EdDsa, false)
    );
    let first_icon = c.icon_src().expect("icon");
    assert!(
        !body_of(&outsider_b, &app.at("/tools"))
            .await
            .1
            .contains("pad.example.org")
    );
    let (_, html) = body_of(&member_b, &app.at("/tools")).await;
    assert!(html.contains("pad.example.org") && html.contains(&first_icon));
    // Its next ID token is signed with EdDSA, verifiable against the JWKS.
    let code = signed_in_code(&app, &member_b, &c).await;
    let (status, t) = redeem(&app, &c, &secret, &code, None).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    let (header, _) = verify_with_jwk(t["id_token"].as_str().expect("id"), &jwks_now(&app).await);
    assert_eq!(header["alg"], "EdDSA");

    // A bad file keeps what was typed and the current icon.
    let mut renamed = fields.to_vec();
    renamed[0] = ("name", "Pad renommé");
    let res = admin_edit(
        &app,
        &admin,
        &pad.client_id,
        &renamed,
        Some(b"GIF89a not really".to_vec()),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.expect("body");
    assert!(html.contains("id=\"f-icon-error\"") && html.contains("value=\"Pad renommé\""));
    assert_eq!(
        reload().await.icon_src().as_deref(),
        Some(first_icon.as_str())
    );
    assert_eq!(reload().await.name, "Pad commun");

    // A new icon replaces the old one, which is no longer served.
    let res = admin_edit(&app, &admin, &pad.client_id, &fields, Some(png(80, 80))).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let second_icon = reload().await.icon_src().expect("icon");
    assert_ne!(second_icon, first_icon);
    // Icons are for signed-in people (here the administrator's browser).
    let signed_in = admin.clone();
    let status = |p: String| {
        let req = signed_in.get(app.at(&p));
        async move { req.send().await.expect("get").status() }
    };
    assert_eq!(status(first_icon).await, StatusCode::NOT_FOUND);
    assert_eq!(status(second_icon.clone()).await, StatusCode::OK);
    assert_eq!(
        app.client()
            .get(app.at(&second_icon))
            .send()
            .await
            .expect("get")
            .status(),
        StatusCode::NOT_FOUND,
        "never to anonymous visitors"
    );
    // Removed: no icon, the initial shows again; back to instance-wide.
    let mut removed = fields.to_vec();
    removed.retain(|(k, _)| *k != "audience");
    removed.push(("audience", "instance"));
    removed.push(("remove_icon", "1"));
    let res = admin_edit(&app, &admin, &pad.client_id, &removed, None).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let c = reload().await;
    assert!(c.icon_src().is_none() && c.instance_wide);
    assert_eq!(status(second_icon).await, StatusCode::NOT_FOUND);
    assert!(
        body_of(&outsider_b, &app.at("/tools"))
            .await
            .1
            .contains("pad.example.org")
    );
}
