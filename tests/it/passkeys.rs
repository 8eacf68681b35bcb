//! Passkeys over real HTTP with a software authenticator written here: a
//! P-256 key from aws-lc-rs, an attestation object "none" and assertions
//! built byte by byte (with a CBOR encoder of its own, independent of the
//! server's decoder). Registration from the settings, password-less
//! sign-in, the passkey as second factor after a password, and what must be
//! refused: replays, another browser's challenge, a foreign origin, no user
//! verification, a counter going back (flagged as a possible clone), a
//! credential id already registered, someone else's passkey.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::harness::{PASSWORD, TestApp, form_value};

fn b64(b: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(b)
}

fn unb64(s: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(s).expect("base64url")
}

// A tiny CBOR encoder: only what an authenticator writes.
enum Cbor {
    Int(i64),
    Bytes(Vec<u8>),
    Text(&'static str),
    Map(Vec<(Cbor, Cbor)>),
}

fn cbor_head(out: &mut Vec<u8>, major: u8, n: u64) {
    let m = major << 5;
    if n < 24 {
        out.push(m | n as u8);
    } else if n < 256 {
        out.extend([m | 24, n as u8]);
    } else {
        out.push(m | 25);
        out.extend((n as u16).to_be_bytes());
    }
}

fn cbor(v: &Cbor, out: &mut Vec<u8>) {
    match v {
        Cbor::Int(i) if *i >= 0 => cbor_head(out, 0, *i as u64),
        Cbor::Int(i) => cbor_head(out, 1, (-1 - *i) as u64),
        Cbor::Bytes(b) => {
            cbor_head(out, 2, b.len() as u64);
            out.extend(b);
        }
        Cbor::Text(t) => {
            cbor_head(out, 3, t.len() as u64);
            out.extend(t.as_bytes());
        }
        Cbor::Map(m) => {
            cbor_head(out, 5, m.len() as u64);
            for (k, x) in m {
                cbor(k, out);
                cbor(x, out);
            }
        }
    }
}

/// A platform authenticator in software: one discoverable ES256 credential.
pub struct SoftAuthenticator {
    key: EcdsaKeyPair,
    pub credential_id: Vec<u8>,
    pub counter: u32,
    user_handle: Option<String>,
    /// Who the "browser" says it is (clientDataJSON origin).
    pub origin: String,
}

impl SoftAuthenticator {
    pub fn new(origin: &str) -> Self {
        let mut id = [0u8; 32];
        aws_lc_rs::rand::fill(&mut id).expect("random");
        SoftAuthenticator {
            key: EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_ASN1_SIGNING).expect("key"),
            credential_id: id.to_vec(),
            counter: 0,
            user_handle: None,
            origin: origin.to_string(),
        }
    }

    fn cose_key(&self) -> Vec<u8> {
        let p = self.key.public_key().as_ref();
        let mut out = Vec::new();
        cbor(
            &Cbor::Map(vec![
                (Cbor::Int(1), Cbor::Int(2)),
                (Cbor::Int(3), Cbor::Int(-7)),
                (Cbor::Int(-1), Cbor::Int(1)),
                (Cbor::Int(-2), Cbor::Bytes(p[1..33].to_vec())),
                (Cbor::Int(-3), Cbor::Bytes(p[33..65].to_vec())),
            ]),
            &mut out,
        );
        out
    }

    fn client_data(&self, typ: &str, challenge: &str) -> Vec<u8> {
        json!({ "type": typ, "challenge": challenge, "origin": self.origin, "crossOrigin": false })
            .to_string()
            .into_bytes()
    }

    /// `navigator.credentials.create()` for the options the server sent.
    pub fn create(&mut self, options: &Value) -> String {
        let pk = &options["publicKey"];
        assert_eq!(pk["attestation"], "none");
        assert!(
            pk["pubKeyCredParams"]
                .as_array()
                .expect("params")
                .iter()
                .any(|p| p["alg"] == -7),
            "ES256 offered"
        );
        self.user_handle = Some(pk["user"]["id"].as_str().expect("user id").to_string());
        let rp_id = pk["rp"]["id"].as_str().expect("rp id");
        let cdj = self.client_data(
            "webauthn.create",
            pk["challenge"].as_str().expect("challenge"),
        );
        let mut ad = Sha256::digest(rp_id.as_bytes()).to_vec();
        ad.push(0x01 | 0x04 | 0x40); // UP, UV, AT
        ad.extend(self.counter.to_be_bytes());
        ad.extend([0u8; 16]);
        ad.extend((self.credential_id.len() as u16).to_be_bytes());
        ad.extend(&self.credential_id);
        ad.extend(self.cose_key());
        let mut att = Vec::new();
        cbor(
            &Cbor::Map(vec![
                (Cbor::Text("fmt"), Cbor::Text("none")),
                (Cbor::Text("attStmt"), Cbor::Map(vec![])),
                (Cbor::Text("authData"), Cbor::Bytes(ad)),
            ]),
            &mut att,
        );
        json!({
            "id": b64(&self.credential_id),
            "rawId": b64(&self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64(&cdj),
                "attestationObject": b64(&att),
                "transports": ["internal"],
            }
        })
        .to_string()
    }

    /// `navigator.credentials.get()`: `uv` says whether the person was verified.
    pub fn get(&mut self, options: &Value, uv: bool) -> String {
        let pk = &options["publicKey"];
        let allowed = pk["allowCredentials"].as_array().expect("allow");
        assert!(
            allowed.is_empty() || allowed.iter().any(|c| c["id"] == b64(&self.credential_id)),
            "this credential is allowed"
        );
        self.counter += 1;
        let rp_id = pk["rpId"].as_str().expect("rpId");
        let cdj = self.client_data("webauthn.get", pk["challenge"].as_str().expect("challenge"));
        let mut ad = Sha256::digest(rp_id.as_bytes()).to_vec();
        ad.push(if uv { 0x05 } else { 0x01 });
        ad.extend(self.counter.to_be_bytes());
        let mut msg = ad.clone();
        msg.extend(Sha256::digest(&cdj));
        let sig = self.key.sign(&SystemRandom::new(), &msg).expect("sign");
        json!({
            "id": b64(&self.credential_id),
            "rawId": b64(&self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64(&cdj),
                "authenticatorData": b64(&ad),
                "signature": b64(sig.as_ref()),
                "userHandle": self.user_handle,
            }
        })
        .to_string()
    }
}

/// POST a ceremony's options endpoint with the CSRF token of `page`.
async fn options(app: &TestApp, client: &reqwest::Client, page: &str, action: &str) -> Value {
    let csrf = app.csrf(client, page).await;
    let res = client
        .post(app.at(action))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .expect("options");
    assert_eq!(res.status(), StatusCode::OK, "{action}");
    res.json().await.expect("json options")
}

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

async fn body(client: &reqwest::Client, url: &str) -> String {
    client
        .get(url)
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("body")
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

/// Register `auth` for the signed-in `client` through the settings page.
async fn register(
    app: &TestApp,
    client: &reqwest::Client,
    auth: &mut SoftAuthenticator,
    name: &str,
) -> reqwest::Response {
    let o = register_options(app, client, PASSWORD).await;
    let credential = auth.create(&o);
    add(app, client, name, &credential).await
}

/// A registration's options: they need the current password.
async fn register_options(app: &TestApp, client: &reqwest::Client, password: &str) -> Value {
    let res = post_register_options(app, client, password).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.expect("json options")
}

async fn post_register_options(
    app: &TestApp,
    client: &reqwest::Client,
    password: &str,
) -> reqwest::Response {
    let csrf = app.csrf(client, "/settings/passkeys").await;
    client
        .post(app.at("/settings/passkeys/options"))
        .form(&[("csrf", csrf.as_str()), ("password", password)])
        .send()
        .await
        .expect("options")
}

async fn add(
    app: &TestApp,
    client: &reqwest::Client,
    name: &str,
    credential: &str,
) -> reqwest::Response {
    app.post_form(
        client,
        "/settings/passkeys",
        "/settings/passkeys/add",
        &[
            ("name", name),
            ("password", PASSWORD),
            ("credential", credential),
        ],
    )
    .await
}

async fn passwordless(
    app: &TestApp,
    client: &reqwest::Client,
    auth: &mut SoftAuthenticator,
    uv: bool,
) -> reqwest::Response {
    let o = options(app, client, "/login", "/login/passkey/options").await;
    assert_eq!(o["publicKey"]["userVerification"], "required");
    assert_eq!(
        o["publicKey"]["allowCredentials"],
        json!([]),
        "discoverable"
    );
    let credential = auth.get(&o, uv);
    submit_sign_in(app, client, &credential).await
}

async fn submit_sign_in(
    app: &TestApp,
    client: &reqwest::Client,
    credential: &str,
) -> reqwest::Response {
    app.post_form(
        client,
        "/login",
        "/login/passkey",
        &[("next", "/settings/passkeys"), ("credential", credential)],
    )
    .await
}

async fn audit_count(app: &TestApp, action: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = $1")
        .bind(action)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("audit")
}

#[tokio::test]
async fn passkey_registration_then_password_less_sign_in() {
    let app = TestApp::spawn().await;
    let (me, user) = app.logged_in("maude", false).await;
    let origin = app.state.config.public_url();
    let mut auth = SoftAuthenticator::new(&origin);

    let page = body(&me, &app.at("/settings/passkeys")).await;
    assert!(page.contains("Clés d’accès") && page.contains("id=\"passkey-add\""));
    assert!(
        page.contains("<script src=\"/static/passkeys.js?v="),
        "script file, not inline"
    );
    assert!(page.contains("<noscript>"));

    // The options: our RP id (the public URL's host), a resident key with
    // user verification, attestation "none".
    let o = register_options(&app, &me, PASSWORD).await;
    let pk = &o["publicKey"];
    assert_eq!(pk["rp"]["id"], "127.0.0.1");
    assert_eq!(pk["authenticatorSelection"]["residentKey"], "required");
    assert_eq!(pk["authenticatorSelection"]["userVerification"], "required");
    assert_eq!(
        unb64(pk["challenge"].as_str().expect("challenge")).len(),
        32
    );
    let handle = pk["user"]["id"].as_str().expect("handle").to_string();
    assert_eq!(unb64(&handle).len(), 32, "random user handle");
    let credential = auth.create(&o);

    // A browser elsewhere claiming another origin is refused.
    let mut evil = SoftAuthenticator::new("http://evil.example");
    let o2 = register_options(&app, &me, PASSWORD).await;
    let res = add(&app, &me, "Ailleurs", &evil.create(&o2)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The password is asked again: a borrowed session cannot plant a
    // passkey — neither get a registration challenge, nor submit one.
    let res = post_register_options(&app, &me, "pas le bon mot de passe").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app
        .post_form(
            &me,
            "/settings/passkeys",
            "/settings/passkeys/add",
            &[
                ("name", "Intrus"),
                ("password", "pas le bon mot de passe"),
                ("credential", credential.as_str()),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.expect("body").contains("mot de passe"));
    let o = register_options(&app, &me, PASSWORD).await;
    let credential = auth.create(&o);
    let res = add(&app, &me, "Téléphone", &credential).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.expect("body");
    assert!(
        html.contains("id=\"recovery-codes\""),
        "first passkey gives recovery codes"
    );
    assert!(html.contains("Téléphone"));
    assert_eq!(audit_count(&app, "passkey_added").await, 1);
    // The same answer twice: its challenge is spent.
    let res = add(&app, &me, "Encore", &credential).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.expect("body").contains("expiré"));
    let stored: (String, i64, String) =
        sqlx::query_as("SELECT credential_id, alg, transports FROM passkeys WHERE user_id = $1")
            .bind(user.id)
            .fetch_one(&app.state.db.pool)
            .await
            .expect("row");
    assert_eq!(
        stored,
        (b64(&auth.credential_id), -7, "internal".to_string())
    );

    // Password-less, in a new browser.
    let anon = app.client();
    let res = passwordless(&app, &anon, &mut auth, true).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/settings/passkeys");
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("psid="))
        .expect("a new session")
        .to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    assert!(signed_in(&app, &anon).await);
    assert_eq!(audit_count(&app, "passkey_used").await, 1);
    let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id = $1")
        .bind(user.id)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("sessions");
    assert_eq!(sessions, 2, "an ordinary session, listed with the others");
    let list = body(&anon, &app.at("/settings/passkeys")).await;
    assert!(!list.contains("Jamais"), "last use recorded");

    // Without user verification there is no password-less sign-in.
    let other = app.client();
    let res = passwordless(&app, &other, &mut auth, false).await;
    assert!(location(&res).starts_with("/login"), "{}", location(&res));
    assert!(!signed_in(&app, &other).await);

    // A challenge fetched by one browser does not serve another.
    let o = options(&app, &other, "/login", "/login/passkey/options").await;
    let third = app.client();
    let res = submit_sign_in(&app, &third, &auth.get(&o, true)).await;
    assert!(location(&res).starts_with("/login"));
    assert!(!signed_in(&app, &third).await);
    // Nor twice in the same browser.
    let o = options(&app, &other, "/login", "/login/passkey/options").await;
    let answer = auth.get(&o, true);
    let res = submit_sign_in(&app, &other, &answer).await;
    assert_eq!(location(&res), "/settings/passkeys");
    let again = app.client();
    let csrf = app.csrf(&again, "/login").await;
    let res = again
        .post(app.at("/login/passkey"))
        .form(&[("csrf", csrf.as_str()), ("credential", answer.as_str())])
        .send()
        .await
        .expect("replay");
    assert!(location(&res).starts_with("/login"));
    assert!(!signed_in(&app, &again).await);

    // A counter going back: refused, and the passkey is flagged.
    auth.counter = 1;
    let fourth = app.client();
    let res = passwordless(&app, &fourth, &mut auth, true).await;
    assert!(location(&res).starts_with("/login"));
    assert!(!signed_in(&app, &fourth).await);
    let flagged: i64 = sqlx::query_scalar("SELECT clone_warning FROM passkeys WHERE user_id = $1")
        .bind(user.id)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("flag");
    assert_eq!(flagged, 1);
    assert_eq!(audit_count(&app, "passkey_clone_suspected").await, 1);
    assert!(
        body(&me, &app.at("/settings/passkeys"))
            .await
            .contains("badge-warn")
    );

    // A suspended account does not get in with a passkey either.
    auth.counter = 100;
    sqlx::query("UPDATE users SET status = 'suspended' WHERE id = $1")
        .bind(user.id)
        .execute(&app.state.db.pool)
        .await
        .expect("suspend");
    let fifth = app.client();
    let res = passwordless(&app, &fifth, &mut auth, true).await;
    assert!(location(&res).starts_with("/login"));
    assert!(!signed_in(&app, &fifth).await);
}

#[tokio::test]
async fn passkey_as_second_factor_after_the_password() {
    let app = TestApp::spawn().await;
    let (me, _user) = app.logged_in("maude", false).await;
    let mut auth = SoftAuthenticator::new(&app.state.config.public_url());
    let res = register(&app, &me, &mut auth, "Clé USB").await;
    let html = res.text().await.expect("body");
    let code = html
        .split("<li><code>")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("a recovery code")
        .to_string();

    // The password alone no longer opens a session: the passkey is asked.
    let b = app.client();
    let csrf = app.csrf(&b, "/login").await;
    let res = b
        .post(app.at("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("login", "maude"),
            ("password", PASSWORD),
            ("next", "/notifications"),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(location(&res), "/login/second-factor");
    assert!(!signed_in(&app, &b).await);
    let page = body(&b, &app.at("/login/second-factor")).await;
    assert!(page.contains("id=\"passkey-second-factor\""));
    assert!(page.contains("/static/passkeys.js?v="));
    assert!(
        page.contains("codes de récupération"),
        "no TOTP: recovery codes offered"
    );

    // A password-less challenge does not answer the second factor.
    let wrong = options(&app, &b, "/login", "/login/passkey/options").await;
    let csrf = form_value(&page, "csrf").expect("csrf");
    let res = b
        .post(app.at("/login/second-factor/passkey"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("credential", auth.get(&wrong, true).as_str()),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(location(&res), "/login/second-factor");
    assert!(!signed_in(&app, &b).await);

    // User presence is enough here (the password was the first factor).
    let o = options(
        &app,
        &b,
        "/login/second-factor",
        "/login/second-factor/passkey/options",
    )
    .await;
    assert_eq!(
        o["publicKey"]["allowCredentials"][0]["id"],
        b64(&auth.credential_id),
        "this person's passkeys"
    );
    let credential = auth.get(&o, false);
    let res = app
        .post_form(
            &b,
            "/login/second-factor",
            "/login/second-factor/passkey",
            &[("credential", credential.as_str())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/notifications");
    assert!(signed_in(&app, &b).await);

    // Without the passkey: a recovery code at the same step.
    let c = app.client();
    let csrf = app.csrf(&c, "/login").await;
    c.post(app.at("/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("login", "maude"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("login");
    let res = app
        .post_form(
            &c,
            "/login/second-factor",
            "/login/second-factor",
            &[("code", code.as_str())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(signed_in(&app, &c).await);
}

#[tokio::test]
async fn passkeys_are_renamed_removed_and_never_shared() {
    let app = TestApp::spawn().await;
    let (me, user) = app.logged_in("maude", false).await;
    let (other, _) = app.logged_in("olivier", false).await;
    let mut auth = SoftAuthenticator::new(&app.state.config.public_url());
    register(&app, &me, &mut auth, "Téléphone").await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM passkeys WHERE user_id = $1")
        .bind(user.id)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("id");
    let id = id.to_string();

    // The same credential cannot belong to a second account.
    let res = register(&app, &other, &mut auth, "Volée").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.expect("body").contains("déjà enregistrée"));

    // Someone else's passkey cannot be renamed or removed.
    for action in ["/settings/passkeys/rename", "/settings/passkeys/remove"] {
        let res = app
            .post_form(
                &other,
                "/settings/passkeys",
                action,
                &[("id", &id), ("name", "x")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{action}");
    }
    let res = app
        .post_form(
            &me,
            "/settings/passkeys",
            "/settings/passkeys/rename",
            &[("id", &id), ("name", "  ")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = app
        .post_form(
            &me,
            "/settings/passkeys",
            "/settings/passkeys/rename",
            &[("id", &id), ("name", "Ordi du bureau")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        body(&me, &app.at("/settings/passkeys"))
            .await
            .contains("Ordi du bureau")
    );

    let res = app
        .post_form(
            &me,
            "/settings/passkeys",
            "/settings/passkeys/remove",
            &[("id", &id), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(audit_count(&app, "passkey_removed").await, 1);
    assert!(
        body(&me, &app.at("/settings/passkeys"))
            .await
            .contains("pas encore de clé")
    );
    // Gone: it no longer signs in, and the password alone does again.
    let b = app.client();
    let res = passwordless(&app, &b, &mut auth, true).await;
    assert!(location(&res).starts_with("/login"));
    app.login(&b, "maude", PASSWORD).await;
    assert!(signed_in(&app, &b).await);

    // The script is a file of our own, and pages forbid inline script.
    let res = b
        .get(app.at("/static/passkeys.js"))
        .send()
        .await
        .expect("js");
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/javascript")
    );
    let res = app
        .client()
        .get(app.at("/login"))
        .send()
        .await
        .expect("login");
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_string();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
    let html = res.text().await.expect("body");
    assert!(html.contains("id=\"passkey-login\"") && html.contains(" hidden>"));
}

/// With "administrators need a second factor" on, a passkey is one: an
/// administrator without any gets their powers by adding a passkey, and
/// cannot then remove their last factor.
#[tokio::test]
async fn a_passkey_is_the_second_factor_administrators_need() {
    let app = TestApp::spawn().await;
    let (admin, user) = app.logged_in("alice", true).await;
    app.set_setting("require_admin_second_factor", "1").await;
    let res = admin.get(app.at("/admin")).send().await.expect("admin");
    assert_eq!(
        location(&res),
        "/settings/security?next=%2Fadmin",
        "powers withheld"
    );
    let security = body(&admin, &app.at("/settings/security")).await;
    assert!(
        security.contains("href=\"/settings/passkeys\""),
        "a passkey is offered too"
    );

    let mut auth = SoftAuthenticator::new(&app.state.config.public_url());
    let res = register(&app, &admin, &mut auth, "Clé de sécurité").await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = admin.get(app.at("/admin")).send().await.expect("admin");
    assert_eq!(res.status(), StatusCode::OK, "powers back with a passkey");

    let id: i64 = sqlx::query_scalar("SELECT id FROM passkeys WHERE user_id = $1")
        .bind(user.id)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("id");
    let res = app
        .post_form(
            &admin,
            "/settings/passkeys",
            "/settings/passkeys/remove",
            &[("id", &id.to_string()), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .expect("body")
            .contains("doit garder un second facteur")
    );
    // With a second passkey, the first one may go.
    let mut spare = SoftAuthenticator::new(&app.state.config.public_url());
    register(&app, &admin, &mut spare, "Clé de secours").await;
    let res = app
        .post_form(
            &admin,
            "/settings/passkeys",
            "/settings/passkeys/remove",
            &[("id", &id.to_string()), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

/// Removing a passkey asks for the current password, like adding one: a
/// missing or wrong one is refused on the page (its form stays open,
/// labelled, the key kept, nobody told); the right one removes it. Each
/// change is told to the account's address, in its language, with the
/// device — and the page names this device as the default name.
#[tokio::test]
async fn removing_a_passkey_takes_the_password_and_each_change_is_notified() {
    use crate::security_notices::{notice, sent, signed_in_from_firefox};
    let app = TestApp::spawn().await;
    let (me, user) = signed_in_from_firefox(&app, "maude", "fr-CA").await;
    let to = "maude@exemple.qc.ca";
    let page = body(&me, &app.at("/settings/passkeys")).await;
    assert!(
        page.contains("placeholder=\"Firefox sur Linux\"")
            && page.contains("elle s’appellera « Firefox sur Linux »"),
        "this device, readably"
    );

    // Added without a name: it is named after the device.
    let mut auth = SoftAuthenticator::new(&app.state.config.public_url());
    let res = register(&app, &me, &mut auth, "").await;
    assert_eq!(res.status(), StatusCode::OK, "first one: recovery codes");
    let id: i64 = sqlx::query_scalar("SELECT id FROM passkeys WHERE user_id = $1")
        .bind(user.id)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("id");
    let added = notice(
        &app,
        to,
        "Une clé d’accès a été ajoutée à votre compte",
        "Appareil : Firefox sur Linux",
    )
    .await;
    assert!(
        added.text_part().contains("« Firefox sur Linux »"),
        "{}",
        added.text_part()
    );
    let page = body(&me, &app.at("/settings/passkeys")).await;
    assert!(page.contains("<span class=\"passkey-name\">Firefox sur Linux</span>"));
    assert!(
        page.contains("<label for=\"f-remove-password-")
            && page
                .contains("name=\"password\" type=\"password\" autocomplete=\"current-password\""),
        "a labelled password field to remove it"
    );

    let removed = "Une clé d’accès a été retirée de votre compte";
    let remaining = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM passkeys WHERE user_id = $1")
            .bind(user.id)
            .fetch_one(&app.state.db.pool)
            .await
            .expect("count")
    };
    let id = id.to_string();
    for (password, message) in [
        (
            "",
            "Saisissez votre mot de passe actuel pour retirer cette clé d’accès.",
        ),
        (
            "pas le bon",
            "Ce mot de passe n’est pas le bon. La clé d’accès n’a pas été retirée.",
        ),
    ] {
        let res = app
            .post_form(
                &me,
                "/settings/passkeys",
                "/settings/passkeys/remove",
                &[("id", &id), ("password", password)],
            )
            .await;
        assert_eq!(
            res.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{password:?}"
        );
        let html = res.text().await.expect("body");
        assert!(html.contains(message), "{password:?}: {html}");
        assert!(
            html.contains("role=\"alert\"")
                && html.contains(&format!("href=\"#f-remove-password-{id}\""))
                && html.contains(&format!("id=\"f-remove-password-{id}-error\""))
                && html.contains("aria-invalid=\"true\"")
                && html.contains("<details class=\"passkey-remove\" open>"),
            "the refused form stays open, its error tied to the field"
        );
        assert_eq!(remaining().await, 1, "kept");
    }
    assert_eq!(audit_count(&app, "passkey_removed").await, 0);
    assert!(
        sent(&app, to, removed).await.is_empty(),
        "nothing removed, nobody told"
    );
    // It still signs in.
    let b = app.client();
    let res = passwordless(&app, &b, &mut auth, true).await;
    assert_eq!(location(&res), "/settings/passkeys");

    let res = app
        .post_form(
            &me,
            "/settings/passkeys",
            "/settings/passkeys/remove",
            &[("id", &id), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(remaining().await, 0);
    assert_eq!(audit_count(&app, "passkey_removed").await, 1);
    let mail = notice(&app, to, removed, "Appareil : Firefox sur Linux").await;
    assert!(mail.text_part().contains("« Firefox sur Linux »"));
}

#[tokio::test]
async fn passkey_notices_follow_the_account_language() {
    use crate::security_notices::{notice, sent, signed_in_from_firefox};
    let app = TestApp::spawn().await;
    let (me, user) = signed_in_from_firefox(&app, "mark", "en").await;
    let to = "mark@exemple.qc.ca";
    let mut auth = SoftAuthenticator::new(&app.state.config.public_url());
    register(&app, &me, &mut auth, "Work laptop").await;
    let mail = notice(
        &app,
        to,
        "A passkey was added to your account",
        "Device: Firefox on Linux",
    )
    .await;
    assert!(mail.text_part().contains("“Work laptop”"));
    let id: i64 = sqlx::query_scalar("SELECT id FROM passkeys WHERE user_id = $1")
        .bind(user.id)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("id");
    let res = app
        .post_form(
            &me,
            "/settings/passkeys",
            "/settings/passkeys/remove",
            &[("id", &id.to_string()), ("password", "wrong")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .expect("body")
            .contains("That password is not the right one. The passkey was not removed.")
    );
    let res = app
        .post_form(
            &me,
            "/settings/passkeys",
            "/settings/passkeys/remove",
            &[("id", &id.to_string()), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    notice(
        &app,
        to,
        "A passkey was removed from your account",
        "Device: Firefox on Linux",
    )
    .await;
    assert!(
        sent(&app, to, "Une clé d’accès a été retirée de votre compte")
            .await
            .is_empty()
    );
}
